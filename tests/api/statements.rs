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
        // Again, now with the totals cached at this content generation.
        counts.push(statements_for(&app, COUNTRY_PAGE, vars).await);
    }
    assert_eq!(
        counts[0], counts[1],
        "statement count grows with the data: {counts:?}"
    );
    // Country + region + priorities, programmes page + total + priority areas,
    // documents page + total, the documents' countries.
    assert!(counts[0] <= 4, "too many statements: {counts:?}");
}

#[tokio::test]
async fn the_first_country_page_read_needs_no_more_statements() {
    let app = TestApp::new().await;
    app.import(fixtures::one_country(40)).await;
    let n = statements_for(&app, COUNTRY_PAGE, json!({ "slug": "country-aa" })).await;
    assert!(n <= 4, "too many statements: {n}");
}

#[tokio::test]
async fn a_cached_nested_total_follows_a_publication() {
    let app = TestApp::with_roles().await;
    let q = r#"{ country(slug: "peru") { documents(first: 1) { totalCount } programmes(first: 1) { totalCount edges { node { priorityAreas { title } } } } } }"#;
    let before = app.data(q, json!({})).await;
    let total = before["country"]["documents"]["totalCount"]
        .as_i64()
        .expect("a total");
    assert!(total > 1, "{before}");
    assert_eq!(app.data(q, json!({})).await, before, "the cached total");
    let doc = app
        .staff_data(
            app.editor(),
            r#"{ document(slug: "multiannual-indicative-programme-mip-2014-2017-peru") { id } }"#,
            json!({}),
        )
        .await;
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { id } }",
        json!({ "id": doc["document"]["id"] }),
    )
    .await;
    let after = app.data(q, json!({})).await;
    assert_eq!(after["country"]["documents"]["totalCount"], total - 1);
    assert_eq!(
        after["country"]["programmes"],
        before["country"]["programmes"]
    );
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

/// Statements of one staff request through the router.
async fn statements_of_mutation(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: serde_json::Value,
) -> u64 {
    let before = app.statements();
    app.staff_data(token, query, vars).await;
    app.statements() - before
}

#[tokio::test]
async fn a_save_sends_the_same_statements_for_one_child_row_or_many() {
    let app = TestApp::with_roles().await;
    let (id, _) = crate::workflow::new_country(&app, app.editor(), "atlantis", "AQ").await;
    let countries: Vec<serde_json::Value> = {
        let d = app
            .staff_data(
                app.editor(),
                "{ countries(first: 5) { nodes { id } } }",
                json!({}),
            )
            .await;
        d["countries"]["nodes"]
            .as_array()
            .map(|n| n.iter().map(|c| c["id"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(countries.len(), 5);
    let update = "mutation($id: ID!, $v: Int!, $i: CountryInput!) { updateCountry(id: $id, expectedVersion: $v, input: $i) { version } }";
    let priorities = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({ "title": format!("Priority {i}"), "body": "Text." }))
            .collect()
    };
    let one = statements_of_mutation(
        &app,
        app.editor(),
        update,
        json!({ "id": id, "v": 1, "i": { "priorities": priorities(1) } }),
    )
    .await;
    let twenty = statements_of_mutation(
        &app,
        app.editor(),
        update,
        json!({ "id": id, "v": 2, "i": { "priorities": priorities(20) } }),
    )
    .await;
    assert_eq!(one, twenty, "a country's save grows with its priorities");
    // A document's countries: read in one statement, linked in one.
    let create = "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }";
    let doc = app
        .staff_data(app.editor(), create, json!({ "i": { "slug": "counted", "title": "Counted", "publishedOn": "2024-01-01", "language": "en", "countryIds": [countries[0]] } }))
        .await["createDocument"]["id"]
        .clone();
    let update = "mutation($id: ID!, $v: Int!, $i: DocumentInput!) { updateDocument(id: $id, expectedVersion: $v, input: $i) { version } }";
    let single = statements_of_mutation(
        &app,
        app.editor(),
        update,
        json!({ "id": doc, "v": 1, "i": { "countryIds": [countries[1]] } }),
    )
    .await;
    let five = statements_of_mutation(
        &app,
        app.editor(),
        update,
        json!({ "id": doc, "v": 2, "i": { "countryIds": countries } }),
    )
    .await;
    assert_eq!(single, five, "a document's save grows with its countries");
    eprintln!("statements of a save: country {one}, document {single}");
    // Authentication (user, revocation), the row lock and read, the keys and
    // references, the row, its children, the revision, the audit entry, the
    // generation, and the answer's read.
    assert!(
        one <= 20 && single <= 20,
        "country {one}, document {single}"
    );
}
