//! End to end: the real server on port 0, a real HTTP client.
use crate::common::{TestApp, COUNTRY_PAGE, DOCUMENT_LIST, SEARCH};
use serde_json::json;

/// The server's own accept loop (its timeouts and connection cap from the
/// app's configuration) on port 0, for as long as the test runs.
pub async fn spawn(app: &TestApp) -> String {
    serve(app.router(), &app.state).await
}

/// Serves a router as `cms serve` does, on a port of its own.
pub async fn serve(router: axum::Router, state: &api::state::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let limits = api::server::Limits::of(&state.config);
    let traffic = state.traffic.clone();
    tokio::spawn(async move {
        // Never stopped: the sender lives as long as the loop.
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        api::server::accept_loop(listener, router, limits, traffic, stopped).await;
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
            .header("accept", "application/graphql-response+json")
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

    // A client that sends no Accept gets application/json, as the GraphQL over
    // HTTP spec says for clients that may predate the new media type.
    let plain = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ regions { slug } }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(plain.status(), 200);
    assert!(plain
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));

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

/// The editorial flow with a real client and the real socket (client address
/// included): an admin logs in, creates an editor; the editor writes a document,
/// a publisher publishes it, and partner sites see it.
#[tokio::test]
async fn editorial_flow_over_real_http() {
    use api::auth::Role;
    let app = TestApp::demo().await;
    api::users::create_user(
        &app.state.db,
        &app.state.hashing,
        None,
        "admin@example.org",
        None,
        Role::Admin,
        crate::common::PASSWORD.into(),
    )
    .await
    .expect("admin");
    let base = spawn(&app).await;
    let client = reqwest::Client::new();
    let call = |token: Option<String>, query: &'static str, variables: serde_json::Value| {
        let mut req = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let resp = req.send().await.expect("send");
            let status = resp.status();
            let body: serde_json::Value = resp.json().await.expect("json");
            (status, body)
        }
    };
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let (_, body) = call(
        None,
        login,
        json!({ "e": "admin@example.org", "p": crate::common::PASSWORD }),
    )
    .await;
    let admin = body["data"]["login"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    for (email, role) in [
        ("ed@example.org", "EDITOR"),
        ("pub@example.org", "PUBLISHER"),
    ] {
        let (_, body) = call(
            Some(admin.clone()),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id role } }",
            json!({ "i": { "email": email, "role": role, "password": crate::common::PASSWORD } }),
        )
        .await;
        assert_eq!(body["data"]["createUser"]["role"], role, "{body:#}");
    }
    let token = |email: &'static str| {
        let call = &call;
        async move {
            let (_, b) = call(
                None,
                login,
                json!({ "e": email, "p": crate::common::PASSWORD }),
            )
            .await;
            b["data"]["login"]["token"]
                .as_str()
                .expect("token")
                .to_string()
        }
    };
    let editor = token("ed@example.org").await;
    let publisher = token("pub@example.org").await;
    let (_, peru) = call(
        Some(editor.clone()),
        "{ country(slug: \"peru\", preview: true) { id } }",
        json!({}),
    )
    .await;
    let (_, created) = call(
        Some(editor.clone()),
        "mutation($i: DocumentInput!) { createDocument(input: $i) { id status } }",
        json!({ "i": { "slug": "annual-report-2025", "title": "Annual report 2025", "publishedOn": "2025-06-30",
            "language": "en", "countryIds": [peru["data"]["country"]["id"]] } }),
    )
    .await;
    let id = created["data"]["createDocument"]["id"].clone();
    assert_eq!(created["data"]["createDocument"]["status"], "DRAFT");
    let (_, submitted) = call(
        Some(editor),
        "mutation($id: ID!) { submitForReview(id: $id) { status version } }",
        json!({ "id": id }),
    )
    .await;
    // The publisher publishes the version they reviewed.
    let (_, published) = call(
        Some(publisher),
        "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { status } }",
        json!({ "id": id, "v": submitted["data"]["submitForReview"]["version"] }),
    )
    .await;
    assert_eq!(published["data"]["publish"]["status"], "PUBLISHED");
    let (_, public) = call(
        None,
        DOCUMENT_LIST,
        json!({ "region": "latin-america-and-the-caribbean" }),
    )
    .await;
    assert_eq!(public["data"]["documents"]["totalCount"], 5);
    let (status, forged) = call(Some(format!("{admin}x")), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(forged["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}
