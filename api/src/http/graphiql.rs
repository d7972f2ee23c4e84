//! GraphiQL, served from the binary: the page and its hashed assets are built once
//! from pinned npm packages (`tools/graphiql/`), committed under
//! `api/assets/graphiql/` and embedded at compile time, so a plain `cargo build`
//! needs no Node and a browser needs no CDN. The page opens with the partner
//! queries and `login` as tabs; headers typed into its headers editor are not
//! persisted.
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;
use serde_json::json;
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

const LOGIN: &str = "# Log in as staff, then copy the token into the headers editor below:
#   {\"Authorization\": \"Bearer <token>\"}
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
    static PAGE: OnceLock<Vec<u8>> = OnceLock::new();
    let body = PAGE.get_or_init(render_page).clone();
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

/// A hashed asset: its name changes with its content, so browsers keep it a year.
pub async fn asset(Path(file): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(found) = Files::get(&format!("assets/{file}")) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!(
        "\"{}\"",
        found
            .metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        found.data.into_owned().into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&file)),
    );
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
