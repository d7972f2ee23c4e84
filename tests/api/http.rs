use crate::common::{code, TestApp, COUNTRY_PAGE};
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn post_runs_the_partner_query() {
    let app = TestApp::demo().await;
    let (status, body) = app
        .post(json!({ "query": COUNTRY_PAGE, "variables": { "slug": "peru" } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["country"]["iso2"], "PE");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::demo().await;
    let uri = "/graphql?query=%7Bcountry(slug%3A%22peru%22)%7Bname%7D%7D";
    let (status, body) = app
        .request(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["country"]["name"], "Peru");

    let uri = "/graphql?query=mutation%20%7B%20__typename%20%7D";
    let (status, headers, bytes) = app
        .raw(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        headers.get(header::ALLOW).and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_request_parses_its_document_at_most_once() {
    let app = TestApp::demo().await;
    let parses = || app.state.documents.parses();
    let before = parses();
    // A query's first request parses it; the next ones find it parsed.
    for _ in 0..3 {
        let (status, body) = app.post(json!({ "query": "{ regions { slug } }" })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(parses(), before + 1);
    // A mutation over GET is known as one from that one parse (then 405).
    let uri =
        "/graphql?query=mutation%20%7B%20__typename%20__schema%20%7B%20description%20%7D%20%7D";
    let (status, _, _) = app
        .raw(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(parses(), before + 2);
    assert_eq!(
        crate::limits::metric(&app, "cms_document_parses_total").await,
        (before + 2) as f64
    );
}

async fn get_page(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, String) {
    let req = Request::get(path)
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .expect("req");
    let (status, headers, bytes) = app.raw(req).await;
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The assets a page refers to: every `/graphiql/assets/...` in a src or href.
fn asset_paths(page: &str) -> Vec<String> {
    page.split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/assets/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn browsers_get_graphiql_from_the_binary_with_its_examples_and_a_strict_policy() {
    let app = TestApp::new().await;
    for path in ["/graphql", "/graphiql"] {
        let (status, headers, page) = get_page(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&headers, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        let csp = header_of(&headers, header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(
            !csp.contains("http") && !csp.contains("unsafe"),
            "only the own origin: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(
            header_of(&headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert!(
            !page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"),
            "no external origin in the page"
        );

        // The configuration is a JSON data block, not code, with the examples in it.
        let open = r#"<script id="cms-graphiql-config" type="application/json">"#;
        let config = page
            .split_once(open)
            .and_then(|(_, rest)| rest.split_once("</script>"))
            .map(|(json, _)| json)
            .expect("a config block");
        assert!(!config.contains('<'), "no markup can close the block");
        let config: serde_json::Value = serde_json::from_str(config).expect("config is JSON");
        assert_eq!(config["endpoint"], "/graphql");
        let tabs = config["tabs"].as_array().expect("tabs");
        let titles: Vec<&str> = tabs.iter().filter_map(|t| t["title"].as_str()).collect();
        assert_eq!(
            titles,
            ["Country page", "Document list", "Search", "Login", "Me"]
        );
        assert_eq!(tabs[0]["query"], crate::common::COUNTRY_PAGE);
        let variables: serde_json::Value =
            serde_json::from_str(tabs[0]["variables"].as_str().unwrap_or_default())
                .expect("variables are JSON");
        assert_eq!(variables["slug"], "peru");
        assert!(tabs[3]["query"]
            .as_str()
            .is_some_and(|q| q.contains("login(")));
    }
}

#[tokio::test]
async fn graphiql_assets_are_served_with_their_types_and_cached_for_a_year() {
    let app = TestApp::new().await;
    let (_, _, page) = get_page(&app, "/graphiql").await;
    let assets = asset_paths(&page);
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{assets:?}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
    for path in &assets {
        let req = Request::get(path.as_str())
            .body(Body::empty())
            .expect("req");
        let (status, headers, bytes) = app.raw(req).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(bytes.len() > 1000, "{path} has content");
        let want = if path.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(header_of(&headers, header::CONTENT_TYPE), want, "{path}");
        assert_eq!(
            header_of(&headers, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            header_of(&headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        let etag = header_of(&headers, header::ETAG).to_string();
        assert!(etag.starts_with('"'), "{etag}");
        let req = Request::get(path.as_str())
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("req");
        let (status, _, bytes) = app.raw(req).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(bytes.is_empty());
    }
    for missing in [
        "/graphiql/assets/nope.js",
        "/graphiql/assets/..%2findex.html",
        "/graphiql/assets/",
    ] {
        let req = Request::get(missing).body(Body::empty()).expect("req");
        let (status, _, _) = app.raw(req).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn graphiql_assets_are_gzipped_once_for_clients_that_take_gzip() {
    use std::io::Read;
    let app = TestApp::new().await;
    let (_, _, page) = get_page(&app, "/graphiql").await;
    let script = asset_paths(&page)
        .into_iter()
        .find(|a| a.ends_with(".js"))
        .expect("a script");
    let get = |encoding: &str| {
        Request::get(script.as_str())
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .expect("req")
    };
    let (_, plain_headers, plain) = app.raw(get("identity")).await;
    assert!(plain_headers.get(header::CONTENT_ENCODING).is_none());
    let (_, refused_headers, refused) = app.raw(get("gzip;q=0, identity")).await;
    assert!(refused_headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(refused, plain);

    let (status, headers, gzipped) = app.raw(get("br;q=1.0, gzip;q=0.8")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header_of(&headers, header::VARY), "accept-encoding");
    assert!(gzipped.len() < plain.len() / 2, "compressed");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .read_to_end(&mut unpacked)
        .expect("one gzip layer");
    assert_eq!(unpacked, plain);
    let gz_etag = header_of(&headers, header::ETAG).to_string();
    assert_ne!(gz_etag, header_of(&plain_headers, header::ETAG));

    let req = Request::get(script.as_str())
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::IF_NONE_MATCH, &gz_etag)
        .body(Body::empty())
        .expect("req");
    let (status, _, body) = app.raw(req).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
}

#[tokio::test]
async fn oversized_bodies_are_payload_too_large() {
    let mut config = crate::common::test_config();
    config.max_body_bytes = 2048;
    let app = TestApp::with_config(config).await;
    let big = format!("query {{ regions {{ slug }} }} #{}", "x".repeat(4096));
    let (status, body) = app.post(json!({ "query": big })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
    // Without a Content-Length header too (streamed body).
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        axum::body::Bytes::from(json!({ "query": big }).to_string()),
    )]);
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .expect("req");
    let (status, body) = app.request(req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn malformed_requests_are_bad_user_input() {
    let app = TestApp::new().await;
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .expect("req");
    let (status, body) = app.request(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // A validation error without data is a 400 for GraphQL-response clients...
    let (status, body) = app.post(json!({ "query": "{ nope }" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // ...and a 200 for legacy application/json clients.
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(json!({ "query": "{ nope }" }).to_string()))
        .expect("req");
    let (status, body) = app.request(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::new().await;
    let (status, _, _) = app
        .raw(Request::get("/healthz").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .raw(Request::get("/readyz").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, bytes) = app
        .raw(Request::get("/metrics").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&bytes).contains("cms_sql_statements_total"));
    // A closed pool is an unreachable database: not ready.
    app.state.health.conn.close_by_ref().await.expect("close");
    let (status, _, _) = app
        .raw(Request::get("/readyz").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, _) = app
        .raw(Request::get("/healthz").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let mut config = crate::common::test_config();
    config.metrics_token = Some("scrape-token-of-32-characters-ok".into());
    let app = TestApp::with_config(config).await;
    let metrics = |auth: Option<&'static str>| {
        let mut req = Request::get("/metrics");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        app.raw(req.body(Body::empty()).expect("req"))
    };
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer scrape-token-of-32-characters-o"),
        Some("scrape-token-of-32-characters-ok"),
    ] {
        let (status, headers, bytes) = metrics(auth).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("cms_"),
            "{auth:?}"
        );
    }
    let (status, _, bytes) = metrics(Some("Bearer scrape-token-of-32-characters-ok")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&bytes).contains("cms_sql_statements_total"));
    // The probes stay open.
    let (status, _, _) = app
        .raw(Request::get("/healthz").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_empty_metrics_token_is_refused_at_start() {
    // Set but empty would leave /metrics open while it looks protected.
    let mut config = crate::common::test_config();
    config.metrics_token = Some(" ".into());
    let err = api::server::prepare_state(config, &api::config::ServeArgs { no_demo: true })
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("CMS_METRICS_TOKEN"), "{err}");
}

#[tokio::test]
async fn get_without_a_query_or_with_an_oversized_one_is_refused() {
    let mut config = crate::common::test_config();
    config.max_body_bytes = 1024;
    let app = TestApp::with_config(config).await;
    let req = Request::get("/graphql")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .expect("req");
    let (status, body) = app.request(req).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "not a well-formed GraphQL-over-HTTP request: 400 for every client"
    );
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let req = Request::get("/graphql").body(Body::empty()).expect("req");
    let (status, body) = app.request(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let uri = format!(
        "/graphql?query=%7Bregions%7Bslug%7D%7D%23{}",
        "x".repeat(2048)
    );
    let (status, body) = app
        .request(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
}

/// A POST of `body` with these headers; the status, the response's content type
/// and its body as text.
async fn post_with(
    app: &TestApp,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, String, String) {
    let mut req = Request::post("/graphql");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let (status, headers, bytes) = app
        .raw(req.body(Body::from(body.to_string())).expect("req"))
        .await;
    let media = header_of(&headers, header::CONTENT_TYPE).to_string();
    (status, media, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_media_type_follows_the_accept_header() {
    let app = TestApp::new().await;
    let query = r#"{"query":"{ regions { slug } }"}"#;
    let json = ("content-type", "application/json");
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            "application/json",
        ),
        (
            Some("application/graphql-response+json;q=0, */*"),
            "application/json",
        ),
    ] {
        let mut headers = vec![json];
        if let Some(a) = accept {
            headers.push(("accept", a));
        }
        let (status, media, body) = post_with(&app, &headers, query).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}: {body}");
        assert!(media.starts_with(expected), "{accept:?}: {media}");
    }
}

#[tokio::test]
async fn a_post_must_say_it_is_json() {
    let app = TestApp::new().await;
    let query = r#"{"query":"{ regions { slug } }"}"#;
    for headers in [vec![], vec![("content-type", "text/plain")]] {
        let (status, _, body) = post_with(&app, &headers, query).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{headers:?}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }
    let (status, _, _) = post_with(
        &app,
        &[("content-type", "Application/JSON; charset=utf-8")],
        query,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Unparsable JSON is a 400 for application/json clients too.
    let (status, _, body) = post_with(
        &app,
        &[
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ],
        "{not json",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // So is JSON that is not a GraphQL request: no `query` string.
    for bad in [
        r#"{"qeury":"{ regions { slug } }"}"#,
        r#"{"query":7}"#,
        "[]",
    ] {
        let (status, _, body) = post_with(&app, &[("content-type", "application/json")], bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad}");
    }
}

#[tokio::test]
async fn request_errors_have_no_data_entry_and_execution_errors_keep_it() {
    let app = TestApp::new().await;
    let modern = [
        ("content-type", "application/json"),
        ("accept", "application/graphql-response+json"),
    ];
    for query in [r#"{"query":"{ regions { "}"#, r#"{"query":"{ nope }"}"#] {
        let (status, _, body) = post_with(&app, &modern, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }
    // A lookup that finds nothing is data with a null, not a request error.
    let (status, _, body) = post_with(
        &app,
        &modern,
        r#"{"query":"{ country(slug: \"atlantis\") { slug } }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["data"], json!({ "country": null }));
}

#[tokio::test]
async fn fields_come_in_the_order_of_the_selection_set() {
    let app = TestApp::demo().await;
    let json = [("content-type", "application/json")];
    let (_, _, a) = post_with(
        &app,
        &json,
        r#"{"query":"{ country(slug: \"peru\") { slug iso2 name } regions { slug } }"}"#,
    )
    .await;
    let (_, _, b) = post_with(
        &app,
        &json,
        r#"{"query":"{ regions { slug } country(slug: \"peru\") { name iso2 slug } }"}"#,
    )
    .await;
    let at = |text: &str, key: &str| text.find(key).unwrap_or_else(|| panic!("{key} in {text}"));
    assert!(
        at(&a, "\"slug\":\"peru\"") < at(&a, "\"iso2\"") && at(&a, "\"iso2\"") < at(&a, "\"name\""),
        "{a}"
    );
    assert!(at(&a, "\"country\"") < at(&a, "\"regions\""), "{a}");
    assert!(
        at(&b, "\"name\"") < at(&b, "\"iso2\"") && at(&b, "\"iso2\"") < at(&b, "\"slug\":\"peru\""),
        "{b}"
    );
    assert!(at(&b, "\"regions\"") < at(&b, "\"country\""), "{b}");
    // Sibling lists resolve concurrently (each through its loader); the answer
    // still follows the document, every time.
    for (first, second) in [("programmes", "documents"), ("documents", "programmes")] {
        let query = format!(
            r#"{{"query":"{{ country(slug: \"peru\") {{ {first}(first: 5) {{ totalCount edges {{ node {{ slug }} }} }} {second}(first: 5) {{ edges {{ node {{ slug }} }} totalCount }} }} }}"}}"#
        );
        for _ in 0..5 {
            let (_, _, text) = post_with(&app, &json, &query).await;
            let one = at(&text, &format!("\"{first}\""));
            let two = at(&text, &format!("\"{second}\""));
            assert!(one < two, "{text}");
            assert!(
                at(&text[one..], "\"totalCount\"") < at(&text[one..], "\"edges\""),
                "{text}"
            );
            assert!(
                at(&text[two..], "\"edges\"") < at(&text[two..], "\"totalCount\""),
                "{text}"
            );
        }
    }
}
