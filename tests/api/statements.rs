use crate::common::{TestApp, COUNTRY_PAGE, DOCUMENT_LIST, SEARCH};
use crate::fixtures;
use serde_json::json;

async fn statements_for(app: &TestApp, query: &str, vars: serde_json::Value) -> u64 {
    let before = app.statements();
    let resp = app.gql(query, vars).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    app.statements() - before
}

#[tokio::test]
async fn the_country_page_sends_the_same_few_statements_for_4_or_400_documents() {
    let mut counts = Vec::new();
    for docs in [4, 400] {
        let app = TestApp::new().await;
        app.import(fixtures::one_country(docs)).await;
        let vars = json!({ "slug": "country-aa" });
        let data = app.data(COUNTRY_PAGE, vars.clone()).await;
        assert_eq!(data["country"]["documents"]["totalCount"], docs);
        let shown = data["country"]["documents"]["edges"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        assert_eq!(shown, docs.min(20));
        counts.push(statements_for(&app, COUNTRY_PAGE, vars).await);
    }
    assert_eq!(
        counts[0], counts[1],
        "statement count grows with the data: {counts:?}"
    );
    // The issue allows 8; the country page needs 6 (country + region, priorities,
    // programmes page + total, priority areas, documents page + total, their countries).
    assert!(counts[0] <= 6, "too many statements: {counts:?}");
}

#[tokio::test]
async fn nested_lists_are_batched_whatever_their_size() {
    let query = r#"query { regions { slug countries(first: 100) { totalCount edges { node { iso2 region { slug }
        priorities { title } programmes { totalCount edges { node { priorityAreas { title } countries { iso2 } } } }
        documents(first: 5) { totalCount edges { node { slug countries { iso2 } programme { slug } } } } } } } } }"#;
    let mut counts = Vec::new();
    for docs in [12, 240] {
        let app = TestApp::new().await;
        app.import(fixtures::dataset(docs)).await;
        counts.push(statements_for(&app, query, json!({})).await);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0] <= 12, "{counts:?}");
}

#[tokio::test]
async fn list_and_search_queries_do_not_grow_with_the_page() {
    let mut counts = Vec::new();
    for docs in [30, 300] {
        let app = TestApp::new().await;
        app.import(fixtures::dataset(docs)).await;
        let list = statements_for(&app, DOCUMENT_LIST, json!({ "region": "north-region" })).await;
        let search = statements_for(&app, SEARCH, json!({ "q": "governance" })).await;
        counts.push((list, search));
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0].0 <= 3 && counts[0].1 <= 5, "{counts:?}");
}
