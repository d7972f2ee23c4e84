//! The response cache: anonymous queries answered without SQL while their content
//! is unchanged; a public change evicts exactly what it touched (a working copy
//! evicts nothing); another process's change reaches this one (PostgreSQL's
//! LISTEN/NOTIFY, SQLite's public generation).
use crate::common::{test_config, TestApp, COUNTRY_PAGE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

async fn anonymous(app: &api::state::AppState, query: &str, variables: Value) -> Value {
    let schema = api::graphql::build_schema(app.clone());
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({ "query": query, "variables": variables }).to_string(),
        ))
        .expect("req");
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let resp = api::http::router(app.clone(), schema)
        .oneshot(req)
        .await
        .expect("answers");
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

const DOCS: &str = "{ documents(first: 10) { totalCount edges { node { id title } } } }";

#[tokio::test]
async fn a_repeated_query_costs_no_sql_until_its_content_changes() {
    let app = TestApp::with_roles().await;
    let page = anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    assert_eq!(page["country"]["iso2"], "PE");
    let before = app.statements();
    let again = anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    assert_eq!(again, page);
    // SQLite asks for the public generation (one statement); PostgreSQL nothing.
    assert!(
        app.statements() - before <= 1,
        "{}",
        app.statements() - before
    );
    assert_eq!(app.state.responses.stats().hits, 1);
    // Another variable is another entry.
    anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "bolivia" })).await;
    assert_eq!(app.state.responses.stats().entries, 2);

    // A working copy changes nothing public: nothing is evicted.
    let id = app.country_id(app.editor(), "peru").await;
    let v = app.version(app.editor(), id.as_str().expect("id")).await;
    app.staff_data(
        app.editor(),
        "mutation($id: ID!, $v: Int!) { updateCountry(id: $id, expectedVersion: $v, input: { name: \"Peru (draft)\" }) { id } }",
        json!({ "id": id, "v": v }),
    )
    .await;
    assert_eq!(app.state.responses.stats().entries, 2);
    let before = app.statements();
    anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    assert!(app.statements() - before <= 1);

    // Unpublishing a document evicts the lists and pages that held it, and
    // only those: Bolivia's page does not show it.
    let docs = anonymous(&app.state, DOCS, json!({})).await;
    assert_eq!(docs["documents"]["totalCount"], 4);
    let annex = docs["documents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| {
            e["node"]["title"]
                .as_str()
                .is_some_and(|t| t.ends_with("annex"))
        })
        .map(|e| e["node"]["id"].clone())
        .expect("the annex");
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { id } }",
        json!({ "id": annex }),
    )
    .await;
    let stats = app.state.responses.stats();
    assert_eq!(
        stats.entries, 1,
        "Peru's page and the list went, Bolivia's stayed"
    );
    // ...and is still served, without SQL beyond SQLite's generation check.
    let before = app.statements();
    anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "bolivia" })).await;
    assert!(app.statements() - before <= 1);
    assert_eq!(app.state.responses.stats().hits, stats.hits + 1);
    let docs = anonymous(&app.state, DOCS, json!({})).await;
    assert_eq!(docs["documents"]["totalCount"], 3);
    let page = anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    assert_eq!(page["country"]["documents"]["totalCount"], 3);
}

#[tokio::test]
async fn staff_answers_and_mutations_are_never_cached() {
    let app = TestApp::with_roles().await;
    app.staff_data(app.editor(), "{ regions { slug } }", json!({}))
        .await;
    let (status, _) = app
        .as_user(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            json!({ "e": "editor@example.org", "p": crate::common::PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.state.responses.stats().entries, 0);
}

#[tokio::test]
async fn the_cache_is_bounded_and_can_be_off() {
    let mut config = test_config();
    config.response_cache_bytes = 0;
    let app = TestApp::with_config(config).await;
    app.import(api::import::demo::dataset()).await;
    anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    let before = app.statements();
    anonymous(&app.state, COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    assert!(app.statements() - before >= 3, "executed again");
    assert_eq!(app.state.responses.stats().entries, 0);
    // Metrics say what the cache holds and did.
    let (_, _, bytes) = app
        .raw(Request::get("/metrics").body(Body::empty()).expect("req"))
        .await;
    let text = String::from_utf8_lossy(&bytes);
    for name in [
        "cms_response_cache_hits_total",
        "cms_response_cache_hit_ratio",
        "cms_response_cache_bytes",
        "cms_response_cache_entries",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[tokio::test]
async fn a_publication_through_one_process_is_fresh_in_another() {
    let app = TestApp::with_roles().await;
    // A second process on the same database, with its own response cache and,
    // on PostgreSQL, its own listener.
    let db = api::db::Db::connect(&app.url, Some(4))
        .await
        .expect("second pool");
    let other = api::state::AppState::new(db, test_config()).expect("state");
    api::invalidation::listen(&app.url, other.responses.clone(), other.freshness.clone());
    let pg = crate::common::pg_url().is_some();
    if pg {
        // The cache is used once the listener listens.
        crate::common::until_listening(&other).await;
    }
    let docs = anonymous(&other, DOCS, json!({})).await;
    assert_eq!(docs["documents"]["totalCount"], 4);
    assert_eq!(anonymous(&other, DOCS, json!({})).await, docs);
    assert_eq!(other.responses.stats().hits, 1);
    let heard = |s: api::response_cache::Stats| s.invalidations + s.flushes;
    let before = heard(other.responses.stats());

    let first = docs["documents"]["edges"][0]["node"]["id"].clone();
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { id } }",
        json!({ "id": first }),
    )
    .await;
    if pg {
        // The notification is delivered at commit; wait until it is heard.
        for _ in 0..500 {
            if heard(other.responses.stats()) > before && other.responses.stats().entries == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            other.responses.stats().entries,
            0,
            "the listener evicted it"
        );
    }
    let docs = anonymous(&other, DOCS, json!({})).await;
    assert_eq!(docs["documents"]["totalCount"], 3, "the next read is fresh");
}

#[tokio::test]
async fn a_document_moved_to_another_country_leaves_both_lists_fresh() {
    let app = TestApp::with_roles().await;
    // Peru's newest document only: the oldest one is not shown, but counted.
    let peru = "{ country(slug: \"peru\") { documents(first: 1) { totalCount edges { node { slug } } } } }";
    let first = anonymous(&app.state, peru, json!({})).await;
    assert_eq!(first["country"]["documents"]["totalCount"], 4);
    let oldest = "multiannual-indicative-programme-mip-2014-2017-peru";
    let ids = app
        .staff_data(
            app.editor(),
            "query($s: String!) { document(slug: $s, preview: true) { id } bolivia: country(slug: \"bolivia\", preview: true) { id } }",
            json!({ "s": oldest }),
        )
        .await;
    let id = ids["document"]["id"].clone();
    let id_text = id.as_str().expect("id").to_string();
    // A working copy that moves it to Bolivia: nothing public changes yet, and
    // sending it to review changes nothing public either.
    let v = app.version(app.editor(), &id_text).await;
    app.staff_data(
        app.editor(),
        "mutation($id: ID!, $v: Int!, $c: [ID!]) { updateDocument(id: $id, expectedVersion: $v, input: { countryIds: $c }) { id } }",
        json!({ "id": id, "v": v, "c": [ids["bolivia"]["id"]] }),
    )
    .await;
    app.staff_data(
        app.editor(),
        "mutation($id: ID!) { submitForReview(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(app.state.responses.stats().entries, 1, "nothing evicted");
    assert_eq!(anonymous(&app.state, peru, json!({})).await, first);
    // Published: Peru's list loses it although its page never showed it.
    app.publish(app.publisher(), &id_text).await;
    let after = anonymous(&app.state, peru, json!({})).await;
    assert_eq!(after["country"]["documents"]["totalCount"], 3);
}
