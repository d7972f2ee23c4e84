//! GraphiQL, served from the binary: the page and its hashed assets are built once
//! from pinned npm packages (`tools/graphiql/`), committed under
//! `api/assets/graphiql/` and embedded at compile time, so a plain `cargo build`
//! needs no Node and a browser needs no CDN. The page opens with the partner
//! queries and `login` as tabs; headers typed into its headers editor are not
//! persisted.
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use serde_json::json;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The built page, its assets, and (carried in the binary along with the code
/// they cover) the versions, hashes and licences of what the bundle contains.
#[derive(Embed)]
#[folder = "assets/graphiql/"]
struct Files;

/// Only this origin: scripts, styles and requests from the service itself, fonts and
/// icons inlined as `data:` URLs, nothing else (no workers, frames or forms).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; \
font-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'none'; object-src 'none'";

/// Where the page's files are served; the page refers to them by this path.
pub const ASSET_PATH: &str = "/graphiql/assets/{file}";

const PLACEHOLDER: &str = "__CMS_GRAPHIQL_CONFIG__";

const LOGIN: &str = "# Log in as staff, then put the token in the headers editor below as an
# Authorization header (the scheme, a space, then the token; see the README).
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token
    expiresAt
    user { email role }
  }
}
";

const ME: &str = "# Who the headers say you are (needs an Authorization header).
query Me {
  me { name role user { email } }
}
";

/// The tabs GraphiQL opens with: the partner queries with their example variables,
/// `login`, and `me`.
fn tabs() -> serde_json::Value {
    json!([
        { "title": "Country page",
          "query": include_str!("../../../queries/country-page.graphql"),
          "variables": include_str!("../../../queries/country-page.variables.json") },
        { "title": "Document list",
          "query": include_str!("../../../queries/document-list.graphql"),
          "variables": include_str!("../../../queries/document-list.variables.json") },
        { "title": "Search",
          "query": include_str!("../../../queries/search.graphql"),
          "variables": include_str!("../../../queries/search.variables.json") },
        { "title": "Login",
          "query": LOGIN,
          "variables": "{\n  \"email\": \"admin@example.org\",\n  \"password\": \"\"\n}\n" },
        { "title": "Me", "query": ME, "variables": "" },
    ])
}

/// The page with its configuration in a JSON data block (not a script: the CSP
/// allows no inline code). `<`, `>` and `&` are escaped so that no query text can
/// close the block.
fn render_page() -> Vec<u8> {
    let template = Files::get("index.html")
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .unwrap_or_default();
    let config = json!({ "endpoint": "/graphql", "tabs": tabs() })
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    template.replacen(PLACEHOLDER, &config, 1).into_bytes()
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The GraphiQL page (GET /graphiql, and GET /graphql from a browser).
pub fn page() -> Response {
    static PAGE: OnceLock<Bytes> = OnceLock::new();
    let body = PAGE.get_or_init(|| Bytes::from(render_page())).clone();
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // /graphql answers browsers with this page and other clients with JSON.
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    security_headers(headers);
    response
}

pub async fn page_handler() -> Response {
    page()
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// One asset, with its gzip form computed once: compressing a 1.4 MB script on
/// every request would let anyone keep the cores busy.
struct Asset {
    plain: Bytes,
    gzip: Option<Bytes>,
    /// Quoted strong validator of the plain form; the gzip form's ends in `-gz`.
    etag: String,
    content_type: &'static str,
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn assets() -> &'static HashMap<String, Asset> {
    static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        Files::iter()
            .filter_map(|path| {
                let name = path.strip_prefix("assets/")?.to_string();
                let file = Files::get(&path)?;
                let hash: String = file.metadata.sha256_hash()[..16]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let plain = match file.data {
                    Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                    Cow::Owned(bytes) => Bytes::from(bytes),
                };
                let asset = Asset {
                    gzip: gzip(&plain),
                    plain,
                    etag: format!("\"{hash}\""),
                    content_type: content_type(&name),
                };
                Some((name, asset))
            })
            .collect()
    })
}

/// Does the client take gzip? (`gzip` or `*` listed without `q=0`.)
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// A hashed asset: its name changes with its content, so browsers keep it a year.
pub async fn asset(Path(file): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(found) = assets().get(&file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let gzip = found
        .gzip
        .as_ref()
        .filter(|_| accepts_gzip(&request_headers));
    let etag = match gzip {
        Some(_) => format!("{}-gz\"", found.etag.trim_end_matches('"')),
        None => found.etag.clone(),
    };
    let mut response = if super::response::not_modified(&request_headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        gzip.unwrap_or(&found.plain).clone().into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(found.content_type),
    );
    if gzip.is_some() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    security_headers(headers);
    response
}
