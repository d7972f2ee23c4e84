//! End to end: the real server on port 0, a real HTTP client.
use crate::common::{TestApp, COUNTRY_PAGE, DOCUMENT_LIST, SEARCH};
use serde_json::json;

async fn spawn(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router();
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn partner_queries_over_real_http() {
    let app = TestApp::demo().await;
    let base = spawn(&app).await;
    let client = reqwest::Client::new();
    let post = |query: &'static str, variables: serde_json::Value| {
        client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
    };
    let resp = post(COUNTRY_PAGE, json!({ "slug": "peru" }))
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/graphql-response+json")));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        body["data"]["country"]["programmes"]["edges"][0]["node"]["budget"]["amount"],
        "57000000.00"
    );

    let body: serde_json::Value = post(
        DOCUMENT_LIST,
        json!({ "region": "latin-america-and-the-caribbean" }),
    )
    .await
    .expect("send")
    .json()
    .await
    .expect("json");
    assert_eq!(body["data"]["documents"]["totalCount"], 4);

    let body: serde_json::Value = post(SEARCH, json!({ "q": "support measure" }))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["data"]["search"]["edges"][0]["node"]["__typename"],
        "Document"
    );

    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("send");
    assert_eq!(health.status(), 200);
    let gz = client
        .post(format!("{base}/graphql"))
        .header("accept-encoding", "gzip")
        .json(&json!({ "query": COUNTRY_PAGE, "variables": { "slug": "peru" } }))
        .send()
        .await
        .expect("send");
    assert_eq!(
        gz.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
}
