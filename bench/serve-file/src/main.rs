//! `serve-file ADDR FILE`: serves FILE at every path with tower-http's
//! `ServeFile` (ranges, conditional requests and `Content-Length` as
//! tower-http does them), nothing else: the ceiling bench/files.sh measures
//! `cms serve`'s downloads against.
use axum::Router;
use tower_http::services::ServeFile;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: serve-file ADDR FILE");
        std::process::exit(2);
    };
    let app = Router::new().fallback_service(ServeFile::new(file));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
