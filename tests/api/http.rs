use crate::common::{code, TestApp, COUNTRY_PAGE};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
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
async fn browsers_get_graphiql() {
    let app = TestApp::new().await;
    let req = Request::get("/graphql")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("req");
    let (status, headers, bytes) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/html"));
    assert!(String::from_utf8_lossy(&bytes).contains("graphiql"));
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
        StatusCode::OK,
        "legacy JSON clients get 200 with the error"
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
