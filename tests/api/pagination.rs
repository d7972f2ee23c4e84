use crate::common::{code, TestApp, DOCUMENT_LIST};
use crate::fixtures::{self, doc_countries, docs_where, slugs};
use serde_json::json;

/// Slugs of the documents of a region, newest first.
fn expected_region_docs(n: usize, region: usize) -> Vec<String> {
    docs_where(n, |i| doc_countries(i).iter().any(|c| c / 3 == region))
}

const PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String) {
  documents(filter: { region: "north-region" }, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}"#;

#[tokio::test]
async fn paging_forward_and_backward_covers_a_region_without_duplicates_or_gaps() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(130)).await;
    let expected = expected_region_docs(130, 0);
    assert!(expected.len() > 60, "fixture too small: {}", expected.len());

    // Forward, 7 at a time.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app.data(PAGE, json!({ "first": 7, "after": after })).await;
        let conn = &data["documents"];
        assert_eq!(conn["totalCount"], expected.len());
        seen.extend(slugs(conn));
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
        assert!(seen.len() <= expected.len(), "paging does not end");
    }
    assert_eq!(seen, expected);

    // Backward from the end, 9 at a time.
    let mut back: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let data = app.data(PAGE, json!({ "last": 9, "before": before })).await;
        let conn = &data["documents"];
        let mut page = slugs(conn);
        page.extend(back);
        back = page;
        if conn["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = conn["pageInfo"]["startCursor"].as_str().map(str::to_string);
        assert!(back.len() <= expected.len(), "paging does not end");
    }
    assert_eq!(back, expected);
}

#[tokio::test]
async fn the_partner_document_list_pages_by_end_cursor() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(400)).await;
    let expected = expected_region_docs(400, 1);
    let page1 = app
        .data(DOCUMENT_LIST, json!({ "region": "south-region" }))
        .await;
    let docs = &page1["documents"];
    assert_eq!(docs["totalCount"], expected.len());
    assert_eq!(slugs(docs), expected[..50]);
    assert_eq!(docs["pageInfo"]["hasNextPage"], true);
    let cursor = docs["pageInfo"]["endCursor"].clone();
    assert_eq!(docs["edges"][49]["cursor"], cursor);
    let page2 = app
        .data(
            DOCUMENT_LIST,
            json!({ "region": "south-region", "after": cursor }),
        )
        .await;
    assert_eq!(slugs(&page2["documents"]), expected[50..100]);
    // Countries come with every document.
    assert!(page2["documents"]["edges"][0]["node"]["countries"][0]["name"].is_string());
}

#[tokio::test]
async fn nested_connections_page_per_parent() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(60)).await;
    let data = app
        .data(
            r#"query { region(slug: "north-region") { countries(first: 2) {
                 totalCount pageInfo { hasNextPage endCursor }
                 edges { node { iso2 documents(first: 3) { totalCount edges { node { slug publishedOn } } } } } } } }"#,
            json!({}),
        )
        .await;
    let countries = &data["region"]["countries"];
    assert_eq!(countries["totalCount"], 3);
    assert_eq!(countries["pageInfo"]["hasNextPage"], true);
    let edges = countries["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 2);
    for (k, edge) in edges.iter().enumerate() {
        let node = &edge["node"];
        let country = k; // countries ordered by name: Country AA, Country AB
        let mine = docs_where(60, |i| doc_countries(i).contains(&country));
        assert_eq!(node["documents"]["totalCount"], mine.len());
        assert_eq!(
            slugs(&node["documents"]),
            mine[..3],
            "country {}",
            node["iso2"]
        );
    }
}

#[tokio::test]
async fn cursors_are_checked() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(10)).await;
    for bad in ["garbage", "WyJTTFVHIl0"] {
        let resp = app.gql(PAGE, json!({ "first": 2, "after": bad })).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{bad}: {resp}");
    }
    // A value out of its column's range is refused, not wrapped (2^32 + 2021
    // would read as 2021).
    use base64::Engine;
    let wrapped = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"["PERIOD_START_ASC",4294969317,"a"]"#);
    let fits = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"["PERIOD_START_ASC",2021,"a"]"#);
    let programmes =
        "query($after: String) { programmes(orderBy: PERIOD_START_ASC, first: 2, after: $after) { nodes { slug } } }";
    let resp = app.gql(programmes, json!({ "after": wrapped })).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    let resp = app.gql(programmes, json!({ "after": fits })).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    // A cursor of one ordering is refused by another.
    let data = app
        .data(
            "query { documents(first: 1, orderBy: TITLE) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = data["documents"]["pageInfo"]["endCursor"].clone();
    let resp = app.gql(PAGE, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    for vars in [
        json!({ "first": 2, "last": 2 }),
        json!({ "first": 2, "after": cursor, "before": cursor }),
        json!({ "first": 2, "before": cursor }),
    ] {
        let resp = app.gql(PAGE, vars.clone()).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{vars}: {resp}");
    }
}
