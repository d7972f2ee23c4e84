//! Site search: the order of its hits across pages, and totals that follow
//! publication while they are cached per content generation.
use crate::common::{code, TestApp};
use crate::fixtures;
use serde_json::{json, Value};

const PAGE: &str = r#"query($q: String!, $first: Int, $after: String) {
  search(query: $q, first: $first, after: $after) {
    totalCount
    edges { cursor node { __typename ... on Country { slug } ... on Programme { slug }
      ... on Document { slug publishedOn } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"#;

/// (type, slug, date) of each hit of a page.
fn hits(page: &Value) -> Vec<(String, String, String)> {
    page["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["__typename"].as_str().unwrap_or_default().to_string(),
                n["slug"].as_str().unwrap_or_default().to_string(),
                n["publishedOn"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn pages_of_hits_follow_one_order_across_the_searched_types() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(40)).await;
    // "o" is in every country's name, every programme's title and every
    // document's title: 6 + 13 + 40 hits.
    let all = app.data(PAGE, json!({ "q": "O", "first": 100 })).await;
    let all_hits = hits(&all);
    assert_eq!(all["search"]["totalCount"], 59);
    assert_eq!(all_hits.len(), 59);
    // Countries first, then programmes, each by slug; then documents newest
    // first, the slug breaking ties.
    let rank = |t: &str| {
        ["Country", "Programme", "Document"]
            .iter()
            .position(|k| *k == t)
    };
    let mut expected = all_hits.clone();
    expected.sort_by(|a, b| {
        rank(&a.0)
            .cmp(&rank(&b.0))
            .then(b.2.cmp(&a.2))
            .then(a.1.cmp(&b.1))
    });
    assert_eq!(all_hits, expected);
    assert_eq!(all_hits.iter().filter(|h| h.0 == "Programme").count(), 13);
    // Pages of 7, each crossing a boundary somewhere, give the same hits once
    // each, with the total on every page.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(PAGE, json!({ "q": "o", "first": 7, "after": after }))
            .await;
        assert_eq!(page["search"]["totalCount"], 59, "{page:#}");
        assert_eq!(
            page["search"]["pageInfo"]["hasPreviousPage"],
            !walked.is_empty()
        );
        walked.extend(hits(&page));
        if page["search"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["search"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(walked, all_hits);
    // Past the end: no hits, and still the total.
    let last = app.data(PAGE, json!({ "q": "o", "first": 100 })).await;
    let end = last["search"]["pageInfo"]["endCursor"].clone();
    let past = app
        .data(PAGE, json!({ "q": "o", "first": 5, "after": end }))
        .await;
    assert_eq!(hits(&past), vec![]);
    assert_eq!(past["search"]["totalCount"], 59);
    assert_eq!(past["search"]["pageInfo"]["hasNextPage"], false);
    // LIKE's wildcards and escape character are matched literally: no title has
    // them, though "_" alone would match every title and a lone backslash is a
    // broken pattern.
    for q in ["_", "%", "\\", "o_o", "%o"] {
        let page = app.data(PAGE, json!({ "q": q })).await;
        assert_eq!(page["search"]["totalCount"], 0, "{q}");
        assert_eq!(hits(&page), vec![], "{q}");
    }
    // A page of none still knows the total.
    let none = app.data(PAGE, json!({ "q": "o", "first": 0 })).await;
    assert_eq!(hits(&none), vec![]);
    assert_eq!(none["search"]["totalCount"], 59);
    assert_eq!(none["search"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn a_cached_total_follows_publication() {
    let data = fixtures::dataset(20);
    let app = TestApp::builder().import(data).roles().await;
    let q = json!({ "q": "governance", "first": 2 });
    let before = app.data(PAGE, q.clone()).await;
    // Documents 0, 5, 10 and 15 say "Governance".
    assert_eq!(before["search"]["totalCount"], 4);
    // Asked again: the same (now from the count cache).
    assert_eq!(app.data(PAGE, q.clone()).await, before);
    let newest = &hits(&before)[0];
    let id = app
        .staff_data(
            app.publisher(),
            "query($s: String!) { document(slug: $s) { id } }",
            json!({ "s": newest.1 }),
        )
        .await["document"]["id"]
        .clone();
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let after = app.data(PAGE, q.clone()).await;
    assert_eq!(after["search"]["totalCount"], 3, "{after:#}");
    assert!(!hits(&after).contains(newest));
    // Only the total asked for: the same count.
    let total = app
        .data(
            r#"query { search(query: "Governance") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(total["search"]["totalCount"], 3);
    // Staff previewing still find the unpublished one.
    let preview = app
        .staff_data(
            app.editor(),
            r#"query { search(query: "governance", preview: true) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(preview["search"]["totalCount"], 4);
    // Anonymous readers may not preview.
    let resp = app
        .gql(
            r#"query { search(query: "governance", preview: true) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "UNAUTHENTICATED");
}
