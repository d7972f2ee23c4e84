//! The error shapes a client meets, whole: status, the headers that tell a
//! client what to do (`Allow`, `Retry-After`, `WWW-Authenticate`) and the
//! body, one case of each kind in one snapshot (`snapshots/`), so a change of
//! any code, message, field path or extension shows up as a diff to review.
//! Every case asks as a client of `application/graphql-response+json` except
//! the one that shows a plain `application/json` client's 200.
use crate::common::{self, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

/// A POST of a GraphQL request, with a token or without.
fn post(token: Option<&str>, query: &str, variables: Value) -> Request<Body> {
    raw_post(
        token,
        "application/graphql-response+json",
        json!({ "query": query, "variables": variables }).to_string(),
    )
}

fn raw_post(token: Option<&str>, accept: &str, body: String) -> Request<Body> {
    let mut req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", accept);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(Body::from(body)).expect("request")
}

/// What the client got: `{ case, status, headers, body }`.
async fn shape(app: &TestApp, case: &str, req: Request<Body>) -> Value {
    let (status, headers, bytes) = app.raw(req).await;
    let told: serde_json::Map<String, Value> = ["allow", "retry-after", "www-authenticate"]
        .into_iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((name.to_string(), json!(value)))
        })
        .collect();
    let body = serde_json::from_slice::<Value>(&bytes)
        .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
    json!({ "case": case, "status": status.as_u16(), "headers": told, "body": body })
}

#[tokio::test]
async fn every_kind_of_error_has_one_shape() {
    // Small limits, so that one small request passes each.
    let app = TestApp::with_roles()
        .config(|c| {
            c.max_depth = 5;
            c.max_body_bytes = 4096;
            c.login_max_failures_per_email = 1;
        })
        .await;
    let (editor, publisher, admin) = (app.editor(), app.publisher(), app.admin());
    let peru = app.country_id(editor, "peru").await;
    let region = app
        .staff_data(editor, "{ regions { id } }", json!({}))
        .await["regions"][0]["id"]
        .clone();
    let update = "mutation($id: ID!, $v: Int!) { updateCountry(id: $id, expectedVersion: $v, input: { name: \"Peru\" }) { version } }";
    let create = "mutation($i: CountryInput!) { createCountry(input: $i) { id } }";
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let mut cases = Vec::new();

    // Requests that cannot run: parse, validation, limits, the HTTP layer.
    let broken = "{ regions { slug }";
    cases.push(shape(&app, "parse error", post(None, broken, json!({}))).await);
    let legacy = raw_post(
        None,
        "application/json",
        json!({ "query": broken }).to_string(),
    );
    cases.push(shape(&app, "parse error, application/json client", legacy).await);
    let unknown = "{ regions { nope } }";
    cases.push(shape(&app, "unknown field", post(None, unknown, json!({}))).await);
    let typed = "query($n: Int) { documents(first: $n) { totalCount } }";
    let wrong_type = post(None, typed, json!({ "n": "ten" }));
    cases.push(shape(&app, "variable of the wrong type", wrong_type).await);
    let deep = r#"{ country(slug: "peru") { programmes { edges { node { documents { edges { node { slug } } } } } } } }"#;
    cases.push(shape(&app, "too deep", post(None, deep, json!({}))).await);
    let not_json = raw_post(
        None,
        "application/graphql-response+json",
        r#"{"query": "#.into(),
    );
    cases.push(shape(&app, "body is not JSON", not_json).await);
    let big = raw_post(
        None,
        "application/graphql-response+json",
        json!({ "query": format!("{{ regions {{ slug }} }} #{}", "x".repeat(8192)) }).to_string(),
    );
    cases.push(shape(&app, "body too large", big).await);
    let get_mutation = Request::get("/graphql?query=mutation%20%7B%20__typename%20%7D")
        .header("accept", "application/graphql-response+json")
        .body(Body::empty())
        .expect("request");
    cases.push(shape(&app, "mutation over GET", get_mutation).await);
    let unknown_hash = raw_post(
        None,
        "application/graphql-response+json",
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } })
            .to_string(),
    );
    cases.push(shape(&app, "unknown persisted query", unknown_hash).await);

    // Who is asking.
    let bad_token = post(Some("not-a-token"), "{ regions { slug } }", json!({}));
    cases.push(shape(&app, "bad token", bad_token).await);
    let anonymous_write = post(None, update, json!({ "id": peru, "v": 1 }));
    cases.push(shape(&app, "staff mutation without a token", anonymous_write).await);
    let editor_publishes = post(
        Some(editor),
        "mutation($id: ID!) { publish(id: $id, expectedVersion: 1) { id } }",
        json!({ "id": peru }),
    );
    cases.push(shape(&app, "editor publishes", editor_publishes).await);
    let wrong_password = post(
        None,
        login,
        json!({ "e": "publisher@example.org", "p": "wrong password!" }),
    );
    cases.push(shape(&app, "wrong password", wrong_password).await);
    let again = post(
        None,
        login,
        json!({ "e": "publisher@example.org", "p": PASSWORD }),
    );
    cases.push(shape(&app, "too many failed logins", again).await);

    // What is asked for.
    let bad_field = post(
        Some(editor),
        create,
        json!({ "i": { "slug": "x", "iso2": "ATL", "name": "X", "regionId": region } }),
    );
    cases.push(shape(&app, "invalid input field", bad_field).await);
    let bad_id = post(None, r#"{ node(id: "%%%") { id } }"#, json!({}));
    cases.push(shape(&app, "malformed id", bad_id).await);
    let missing = post(
        Some(admin),
        "mutation($id: ID!) { resetUserPassword(id: $id, password: \"a reset password 123\") { email } }",
        json!({ "id": "no-such-user" }),
    );
    cases.push(shape(&app, "no such item", missing).await);
    let taken = post(
        Some(editor),
        create,
        json!({ "i": { "slug": "peru", "iso2": "PE", "name": "Peru again", "regionId": region } }),
    );
    cases.push(shape(&app, "key taken", taken).await);
    let withdraw = post(
        Some(publisher),
        "mutation($id: ID!) { withdraw(id: $id) { id } }",
        json!({ "id": peru }),
    );
    cases.push(shape(&app, "illegal transition", withdraw).await);
    // Saved once at version 1; the same version again is stale.
    let first = app
        .as_user(Some(editor), update, json!({ "id": peru, "v": 1 }))
        .await;
    assert!(first.1.get("errors").is_none(), "{:#}", first.1);
    let stale = post(Some(editor), update, json!({ "id": peru, "v": 1 }));
    cases.push(shape(&app, "stale version", stale).await);

    common::snapshots().bind(|| insta::assert_json_snapshot!("error_shapes", cases));
}
