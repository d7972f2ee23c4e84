//! Server brakes: the request timeout (work stopped, transaction rolled back),
//! load shedding beyond the in-flight limit, the database statement timeout,
//! panics caught, and `/readyz` beside a saturated pool. A slow request is made
//! real, not simulated: the test holds a write lock on Peru that the mutation
//! must wait for.
use crate::common::{code, test_config, TestApp};
use crate::workflow::{country_id_version, UPDATE_COUNTRY};
use api::db::DbOptions;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, TransactionTrait};
use serde_json::{json, Value};
use std::time::Duration;

/// Holds Peru's row (PostgreSQL) or the database's write lock (SQLite) until the
/// returned transaction ends, so a mutation of Peru waits.
async fn hold_peru(app: &TestApp) -> DatabaseTransaction {
    let txn = app.state.db.begin_write().await.expect("begin");
    if app.state.db.backend() == DbBackend::Postgres {
        txn.execute_unprepared("SELECT id FROM countries WHERE slug = 'peru' FOR UPDATE")
            .await
            .expect("lock");
    } else {
        // BEGIN IMMEDIATE took the write lock; write something to be sure.
        txn.execute_unprepared(
            "UPDATE content_generation SET generation = generation WHERE id = 1",
        )
        .await
        .expect("lock");
    }
    txn
}

fn post(token: &str, query: &str, variables: Value) -> Request<Body> {
    Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(
            json!({ "query": query, "variables": variables }).to_string(),
        ))
        .expect("request")
}

async fn peru_name(app: &TestApp, token: &str) -> (String, i64) {
    let d = app
        .staff_data(
            token,
            "{ country(slug: \"peru\", preview: true) { name version } }",
            json!({}),
        )
        .await;
    (
        d["country"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        d["country"]["version"].as_i64().unwrap_or(-1),
    )
}

/// What an update of Peru got while the test held Peru's lock, and the state
/// from before it.
struct Blocked {
    peru: String,
    version: i64,
    before: String,
    status: StatusCode,
    body: Value,
}

/// Sends an update of Peru while holding its lock, then lets go.
/// The app has the demo content and a user of each role.
async fn update_while_held(app: &TestApp, name: &str) -> Blocked {
    let (peru, version) = country_id_version(app, app.editor(), "peru").await;
    let before = crate::permissions::fingerprint(app).await;
    let blocker = hold_peru(app).await;
    let (status, body) = app
        .request(post(
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": peru, "v": version, "i": { "name": name } }),
        ))
        .await;
    blocker.rollback().await.expect("rollback");
    Blocked {
        peru,
        version,
        before,
        status,
        body,
    }
}

#[tokio::test]
async fn a_request_past_the_timeout_is_stopped_and_rolled_back() {
    let app = TestApp::with_roles()
        .config(|c| c.request_timeout_ms = 300)
        .await;
    let b = update_while_held(&app, "Timed out").await;
    assert_eq!(b.status, StatusCode::GATEWAY_TIMEOUT, "{}", b.body);
    assert_eq!(code(&b.body), "TIMEOUT", "{}", b.body);
    // Nothing of the stopped change is there, and the service works on.
    assert_eq!(crate::permissions::fingerprint(&app).await, b.before);
    assert_eq!(
        peru_name(&app, app.editor()).await,
        ("Peru".into(), b.version)
    );
    let done = app
        .staff_data(
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": b.peru, "v": b.version, "i": { "name": "After the timeout" } }),
        )
        .await;
    assert_eq!(done["updateCountry"]["name"], "After the timeout");
}

#[tokio::test]
async fn a_statement_past_the_database_timeout_is_a_timeout_error() {
    let options = DbOptions {
        max_connections: Some(4),
        statement_timeout: Some(Duration::from_millis(200)),
        ..DbOptions::default()
    };
    let app = TestApp::with_roles().db_options(options).await;
    let b = update_while_held(&app, "Waited too long").await;
    assert_eq!(code(&b.body), "TIMEOUT", "{}", b.body);
    assert_eq!(b.status, StatusCode::GATEWAY_TIMEOUT, "{}", b.body);
    let message = b.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.to_lowercase().contains("select"), "{message}");
    assert_eq!(crate::permissions::fingerprint(&app).await, b.before);
    assert_eq!(
        peru_name(&app, app.editor()).await,
        ("Peru".into(), b.version)
    );
}

/// A small public query over real HTTP.
async fn regions(client: &reqwest::Client, base: &str) -> reqwest::Response {
    client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ regions { slug } }" }))
        .send()
        .await
        .expect("send")
}

use crate::slow_clients::metric;

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_shed_at_once() {
    let app = TestApp::with_roles().config(|c| c.max_in_flight = 1).await;
    let (peru, version) = country_id_version(&app, app.editor(), "peru").await;
    let base = crate::e2e::spawn(&app).await;
    let client = reqwest::Client::new();
    let blocker = hold_peru(&app).await;
    // One request in flight, waiting for the lock.
    let slow = {
        let client = client.clone();
        let url = format!("{base}/graphql");
        let token = app.editor().to_string();
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": UPDATE_COUNTRY,
                    "variables": { "id": peru, "v": version, "i": { "name": "Patient" } } }))
                .send()
                .await
                .expect("send")
                .status()
        })
    };
    let mut waited = 0;
    while metric(&base, "cms_graphql_requests_in_flight").await < 1.0 {
        waited += 1;
        assert!(waited < 500, "the slow request never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The next one is refused at once, with a time to come back.
    let resp = regions(&client, &base).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(code(&body), "SERVICE_UNAVAILABLE", "{body}");
    // Health and readiness are not behind the limit.
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .expect("readyz")
            .status(),
        200
    );
    blocker.rollback().await.expect("rollback");
    assert_eq!(slow.await.expect("task"), 200);
    assert_eq!(regions(&client, &base).await.status(), 200);
}

#[tokio::test]
async fn a_panic_in_a_handler_is_a_coded_internal_error_and_the_service_serves_on() {
    let app = TestApp::demo().await;
    let router = api::http::brakes::catch_panics(
        axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    let secret: Option<&str> = std::hint::black_box(None);
                    // A bug: the kind of panic the rule against unwrap() prevents.
                    secret
                        .expect("/srv/cms/src/secret.rs: SELECT * FROM users")
                        .to_string()
                }),
            )
            .merge(app.router()),
    );
    use tower::ServiceExt;
    let resp = router
        .clone()
        .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(code(&body), "INTERNAL");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("secret") && !text.contains("SELECT"),
        "{text}"
    );
    // The same router serves the next request.
    let resp = router
        .oneshot(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({ "query": "{ regions { slug } }" }).to_string(),
                ))
                .expect("request"),
        )
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_answers_beside_a_saturated_pool_and_reports_a_lost_database() {
    let app = TestApp::demo().await;
    // Every connection of the request pool is taken.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(app.state.db.conn.begin().await.expect("begin"));
    }
    let (status, _, _) = app
        .raw(
            Request::get("/readyz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A flood of probes shares pings on the one health connection.
    let router = app.router();
    let probes = futures_util::future::join_all((0..50).map(|_| {
        use tower::ServiceExt;
        router.clone().oneshot(
            Request::get("/readyz")
                .body(Body::empty())
                .expect("request"),
        )
    }))
    .await;
    assert!(probes
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.status() == StatusCode::OK)));
    drop(held);
    // The database gone (its pool closed): not ready.
    app.state.health.conn.close_by_ref().await.expect("close");
    let (status, _, _) = app
        .raw(
            Request::get("/readyz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_frees_its_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = test_config();
    config.body_timeout_ms = 200;
    config.max_in_flight = 1;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let addr = base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    // Promises 100 bytes, sends 10, then nothing.
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: cms\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    // The one slot is free again.
    assert_eq!(regions(&reqwest::Client::new(), &base).await.status(), 200);
}

#[tokio::test]
async fn a_lost_database_is_service_unavailable_for_readers_and_staff() {
    let app = TestApp::with_roles().await;
    app.state.db.conn.close_by_ref().await.expect("close");
    for token in [None, Some(app.editor())] {
        let mut req = Request::post("/graphql").header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let query = if token.is_some() {
            "{ country(slug: \"peru\", preview: true) { name } }"
        } else {
            "{ country(slug: \"peru\") { name } }"
        };
        let req = req
            .body(Body::from(json!({ "query": query }).to_string()))
            .expect("request");
        let (status, headers, bytes) = app.raw(req).await;
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        let expected = if token.is_some() {
            "staff"
        } else {
            "anonymous"
        };
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{expected}: {body}"
        );
        assert_eq!(code(&body), "SERVICE_UNAVAILABLE", "{expected}: {body}");
        assert_eq!(
            headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
}
