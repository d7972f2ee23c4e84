//! Persisted queries: Apollo's automatic persisted queries over POST and GET,
//! and trusted documents (registered with `cms trusted-documents register`,
//! the only ones anonymous clients may run in trusted mode).
use crate::common::{code, TestApp};
use api::config::Switch;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use serde_json::{json, Value};

const REGIONS: &str = "query Regions { regions { slug } }";

fn sha256(text: &str) -> String {
    api::persisted::hash_of(text)
}

fn pq(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let mut req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let (status, body) = app
        .request(req.body(Body::from(body.to_string())).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn get_uri(params: &[(&str, String)]) -> String {
    let mut url = url::Url::parse("http://x/graphql").expect("url");
    for (k, v) in params {
        url.query_pairs_mut().append_pair(k, v);
    }
    format!("/graphql?{}", url.query().unwrap_or_default())
}

#[tokio::test]
async fn automatic_persisted_queries_over_post_and_get() {
    let app = TestApp::demo().await;
    let hash = sha256(REGIONS);
    // Unknown hash: the client is told to send the query.
    let resp = post(&app, None, json!({ "extensions": pq(&hash) })).await;
    assert_eq!(code(&resp), "PERSISTED_QUERY_NOT_FOUND", "{resp}");
    assert_eq!(resp["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(resp.get("data").is_none());
    // The query with its hash runs and is remembered...
    let resp = post(
        &app,
        None,
        json!({ "query": REGIONS, "extensions": pq(&hash) }),
    )
    .await;
    assert_eq!(
        resp["data"]["regions"][0]["slug"],
        "latin-america-and-the-caribbean"
    );
    // ...so the hash alone runs it, over POST and over GET (cacheable there).
    let resp = post(&app, None, json!({ "extensions": pq(&hash) })).await;
    assert_eq!(
        resp["data"]["regions"][0]["slug"],
        "latin-america-and-the-caribbean"
    );
    let uri = get_uri(&[
        ("operationName", "Regions".into()),
        ("extensions", pq(&hash).to_string()),
    ]);
    let (status, headers, body) = app
        .raw(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        body["data"]["regions"][0]["slug"],
        "latin-america-and-the-caribbean"
    );
    assert!(headers.get("etag").is_some());
    // A remembered hash costs no lookup beyond what its text costs.
    let before = app.statements();
    post(&app, None, json!({ "query": REGIONS })).await;
    let by_text = app.statements() - before;
    let before = app.statements();
    post(&app, None, json!({ "extensions": pq(&hash) })).await;
    assert_eq!(app.statements() - before, by_text);
}

#[tokio::test]
async fn bad_persisted_query_extensions_are_bad_user_input() {
    let app = TestApp::demo().await;
    let other = sha256("{ regions { name } }");
    for body in [
        json!({ "query": REGIONS, "extensions": pq(&other) }),
        json!({ "query": REGIONS, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256(REGIONS) } } }),
        json!({ "extensions": pq("not-a-hash") }),
        json!({ "extensions": pq(&sha256(REGIONS).to_uppercase()) }),
        json!({ "extensions": { "persistedQuery": "yes" } }),
    ] {
        let resp = post(&app, None, body.clone()).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{body}: {resp}");
    }
    // A mismatched hash registers nothing.
    let resp = post(&app, None, json!({ "extensions": pq(&other) })).await;
    assert_eq!(code(&resp), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test]
async fn trusted_mode_runs_registered_documents_only_for_anonymous_clients() {
    let app = TestApp::with_roles()
        .config(|c| c.trusted_documents = Switch::On)
        .await;
    // Registered through the command line, as an operator does.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("regions.graphql");
    std::fs::write(&file, REGIONS).expect("write");
    let cli = api::config::Cli::try_parse_from([
        "cms",
        "trusted-documents",
        "register",
        file.to_str().expect("path"),
        "--database-url",
        &app.url,
    ])
    .expect("parses");
    api::cli::execute(cli).await.expect("registers");
    let hash = sha256(REGIONS);
    let listed = api::persisted::list(&app.state.db).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].hash.as_str(), listed[0].name.as_str()),
        (hash.as_str(), "Regions")
    );

    // By hash, and by its exact text.
    let resp = post(&app, None, json!({ "extensions": pq(&hash) })).await;
    assert_eq!(
        resp["data"]["regions"][0]["slug"],
        "latin-america-and-the-caribbean"
    );
    let resp = post(&app, None, json!({ "query": REGIONS })).await;
    assert_eq!(
        resp["data"]["regions"][0]["slug"],
        "latin-america-and-the-caribbean"
    );
    // Anything else is refused, and APQ cannot register new documents.
    let other = "{ regions { name } }";
    let resp = post(&app, None, json!({ "query": other })).await;
    assert_eq!(code(&resp), "FORBIDDEN", "{resp}");
    let resp = post(
        &app,
        None,
        json!({ "query": other, "extensions": pq(&sha256(other)) }),
    )
    .await;
    assert_eq!(code(&resp), "FORBIDDEN", "{resp}");
    let resp = post(&app, None, json!({ "extensions": pq(&sha256(other)) })).await;
    assert_eq!(code(&resp), "PERSISTED_QUERY_NOT_FOUND", "{resp}");
    // A document that only logs in runs unregistered (so staff can get a
    // token); any other mutation is refused like a query, fragments and all.
    let login = "mutation { login(email: \"nobody@example.org\", password: \"wrong password 1\") { token } }";
    let parses = app.state.documents.parses();
    let resp = post(&app, None, json!({ "query": login })).await;
    assert_eq!(code(&resp), "UNAUTHENTICATED", "{resp}");
    // Looked at to be let through, and run: parsed once.
    assert_eq!(app.state.documents.parses(), parses + 1);
    // As GraphiQL sends it: named, with variables and __typename.
    let named = "mutation Login($e: String!, $p: String!) { __typename login(email: $e, password: $p) { token } }";
    let resp = post(
        &app,
        None,
        json!({ "query": named, "operationName": "Login", "variables": { "e": "nobody@example.org", "p": "wrong password 1" } }),
    )
    .await;
    assert_eq!(code(&resp), "UNAUTHENTICATED", "{resp}");
    // Refused documents are not kept in the document cache.
    let kept = app.state.documents.size().0;
    for refused in [
        "mutation { login(email: \"a@example.org\", password: \"x\") { ...T } } fragment T on LoginPayload { token }",
        "mutation { login(email: \"a@example.org\", password: \"x\") { token } archive(id: \"x\") { id } }",
        "mutation { archive(id: \"x\") { id } }",
        "mutation A { login(email: \"a@example.org\", password: \"x\") { token } } query B { regions { name } }",
    ] {
        let op = refused.starts_with("mutation A").then_some("A");
        let resp = post(&app, None, json!({ "query": refused, "operationName": op })).await;
        assert_eq!(code(&resp), "FORBIDDEN", "{refused}: {resp}");
    }
    assert_eq!(app.state.documents.size().0, kept);
    // Staff are unrestricted.
    let resp = post(&app, Some(app.editor()), json!({ "query": other })).await;
    assert_eq!(
        resp["data"]["regions"][0]["name"],
        "Latin America and the Caribbean"
    );

    // Removed: no longer runs.
    let cli = api::config::Cli::try_parse_from([
        "cms",
        "trusted-documents",
        "remove",
        &hash,
        "--database-url",
        &app.url,
    ])
    .expect("parses");
    let by_get = get_uri(&[("query", REGIONS.to_string())]);
    let get = |uri: String| {
        let app = &app;
        async move {
            let req = Request::get(uri).body(Body::empty()).expect("req");
            let (_, _, body) = app.raw(req).await;
            serde_json::from_slice::<Value>(&body).expect("json")
        }
    };
    // Over GET too, the second time from the response cache.
    for _ in 0..2 {
        let resp = get(by_get.clone()).await;
        assert_eq!(
            resp["data"]["regions"][0]["slug"], "latin-america-and-the-caribbean",
            "{resp}"
        );
    }
    assert!(app.state.responses.stats().hits >= 1);
    api::cli::execute(cli).await.expect("removes");
    let resp = post(&app, None, json!({ "query": REGIONS })).await;
    assert_eq!(code(&resp), "FORBIDDEN", "{resp}");
    // A cached answer does not outlive its registration.
    let resp = get(by_get).await;
    assert_eq!(code(&resp), "FORBIDDEN", "{resp}");
}

#[tokio::test]
async fn registering_is_all_or_nothing() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.graphql");
    let bad = dir.path().join("bad.graphql");
    std::fs::write(&good, REGIONS).expect("write");
    std::fs::write(&bad, "query { regions { ").expect("write");
    let cli = api::config::Cli::try_parse_from([
        "cms",
        "trusted-documents",
        "register",
        good.to_str().expect("path"),
        bad.to_str().expect("path"),
        "--database-url",
        &app.url,
    ])
    .expect("parses");
    let err = api::cli::execute(cli).await.expect_err("refused");
    assert!(
        err.public_message().contains("bad.graphql"),
        "{}",
        err.public_message()
    );
    assert!(api::persisted::list(&app.state.db)
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn a_persisted_mutation_is_refused_over_get() {
    let app = TestApp::demo().await;
    let login = "mutation Login { login(email: \"nobody@example.org\", password: \"wrong password 1\") { token } }";
    let hash = sha256(login);
    // Remembered through POST (the login itself fails)...
    post(
        &app,
        None,
        json!({ "query": login, "extensions": pq(&hash) }),
    )
    .await;
    // ...but a GET by its hash must not run it.
    let uri = get_uri(&[("extensions", pq(&hash).to_string())]);
    let (status, headers, _) = app
        .raw(Request::get(uri).body(Body::empty()).expect("req"))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(headers.get("etag").is_none());
}
