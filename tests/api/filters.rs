use crate::common::{code, TestApp};
use crate::fixtures::{self, doc_countries, doc_date, docs_where, slugs, ISOS, LANGS};
use serde_json::json;

const N: usize = 45;

async fn app() -> TestApp {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(N)).await;
    app
}

async fn documents(app: &TestApp, args: &str) -> (i64, Vec<String>) {
    let data = app
        .data(&format!("query {{ documents({args}, first: 100) {{ totalCount edges {{ node {{ slug }} }} }} }}"), json!({}))
        .await;
    (
        data["documents"]["totalCount"].as_i64().unwrap_or(-1),
        slugs(&data["documents"]),
    )
}

#[tokio::test]
async fn document_filters_each_narrow_the_list() {
    let app = app().await;
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            r#"filter: { region: "south-region" }"#,
            docs_where(N, |i| doc_countries(i).iter().any(|c| c / 3 == 1)),
        ),
        (
            r#"filter: { country: "AB" }"#,
            docs_where(N, |i| doc_countries(i).contains(&1)),
        ),
        (
            r#"filter: { country: "country-ab" }"#,
            docs_where(N, |i| doc_countries(i).contains(&1)),
        ),
        (
            r#"filter: { programme: "mip-country-ac" }"#,
            docs_where(N, |i| i % 2 == 0 && i % 6 == 2),
        ),
        (
            r#"filter: { language: "fr" }"#,
            docs_where(N, |i| LANGS[i % 3] == "fr"),
        ),
        (
            r#"filter: { publishedFrom: "2020-01-04", publishedTo: "2020-01-08" }"#,
            docs_where(N, |i| {
                let d = doc_date(i).format("%Y-%m-%d").to_string();
                d.as_str() >= "2020-01-04" && d.as_str() <= "2020-01-08"
            }),
        ),
        (
            r#"filter: { region: "north-region", language: "en" }"#,
            docs_where(N, |i| {
                doc_countries(i).iter().any(|c| c / 3 == 0) && i % 3 == 0
            }),
        ),
        (r#"filter: { region: "nowhere" }"#, vec![]),
    ];
    for (args, expected) in cases {
        let (total, got) = documents(&app, args).await;
        assert!(
            total > 0 || expected.is_empty(),
            "{args}: empty case by accident"
        );
        assert_eq!(total, expected.len() as i64, "{args}");
        assert_eq!(got, expected, "{args}");
    }
    let resp = app
        .gql(
            r#"query { documents(filter: { language: "english" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    let resp = app
        .gql(r#"query { documents(filter: { publishedFrom: "2021-01-01", publishedTo: "2020-01-01" }) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    let resp = app
        .gql(
            r#"query { documents(filter: { publishedFrom: "yesterday" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
}

#[tokio::test]
async fn document_orderings() {
    let app = app().await;
    let (_, desc) = documents(&app, "orderBy: PUBLISHED_ON_DESC").await;
    assert_eq!(desc, docs_where(N, |_| true));
    let (_, asc) = documents(&app, "orderBy: PUBLISHED_ON_ASC").await;
    let mut expected: Vec<(chrono::NaiveDate, String)> = (0..N)
        .map(|i| (doc_date(i), format!("doc-{i:04}")))
        .collect();
    expected.sort();
    assert_eq!(asc, expected.into_iter().map(|e| e.1).collect::<Vec<_>>());
    let (_, by_slug) = documents(&app, "orderBy: SLUG").await;
    let mut sorted = by_slug.clone();
    sorted.sort();
    assert_eq!(by_slug, sorted);
    let data = app
        .data(
            "query { documents(orderBy: TITLE, first: 100) { edges { node { title } } } }",
            json!({}),
        )
        .await;
    let titles: Vec<String> = data["documents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
}

#[tokio::test]
async fn programme_filters_and_orderings() {
    let app = app().await;
    let q = |args: &str| {
        format!("query {{ programmes({args}, first: 100) {{ totalCount edges {{ node {{ slug kind periodStart budget {{ amount currency }} }} }} }} }}")
    };
    let data = app
        .data(&q(r#"filter: { kind: SUPPORT_MEASURE }"#), json!({}))
        .await;
    assert_eq!(slugs(&data["programmes"]), ["support-measure-north"]);
    let data = app
        .data(&q(r#"filter: { country: "AB" }"#), json!({}))
        .await;
    let mut got = slugs(&data["programmes"]);
    got.sort();
    assert_eq!(
        got,
        ["aap-country-ab", "mip-country-ab", "support-measure-north"]
    );
    let data = app
        .data(&q(r#"filter: { region: "south-region" }"#), json!({}))
        .await;
    assert_eq!(data["programmes"]["totalCount"], 6);

    let data = app.data(&q("orderBy: PERIOD_START_DESC"), json!({})).await;
    let starts: Vec<i64> = data["programmes"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["periodStart"].as_i64().unwrap_or(0))
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted);
    let data = app.data(&q("orderBy: BUDGET_DESC"), json!({})).await;
    let first = &data["programmes"]["edges"][0]["node"];
    assert_eq!(first["slug"], "mip-country-bc");
    assert_eq!(
        first["budget"],
        json!({ "amount": "6000000.50", "currency": "EUR" })
    );
    let data = app
        .data(
            &q(r#"filter: { kind: ANNUAL_ACTION_PLAN }, orderBy: PERIOD_START_ASC"#),
            json!({}),
        )
        .await;
    let first = &data["programmes"]["edges"][0]["node"];
    assert_eq!(
        first["budget"],
        json!({ "amount": "250000.00", "currency": "USD" })
    );
    assert_eq!(first["periodStart"], 2020);
    let data = app.data(&q("orderBy: TITLE"), json!({})).await;
    assert_eq!(
        data["programmes"]["edges"][0]["node"]["slug"],
        "aap-country-aa"
    );
    let data = app.data(&q("orderBy: SLUG"), json!({})).await;
    assert_eq!(data["programmes"]["totalCount"], 13);
}

#[tokio::test]
async fn country_and_region_filters_and_orderings() {
    let app = app().await;
    let data = app
        .data(r#"query { countries(filter: { region: "south-region" }, orderBy: ISO2) { totalCount edges { node { iso2 } } } }"#, json!({}))
        .await;
    assert_eq!(data["countries"]["totalCount"], 3);
    let isos: Vec<&str> = data["countries"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["iso2"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(isos, ISOS[3..]);
    let data = app
        .data(
            "query { countries(orderBy: SLUG, last: 2) { edges { node { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(slugs(&data["countries"]), ["country-bb", "country-bc"]);
    let data = app
        .data(
            "query { countries(orderBy: NAME, first: 1) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["countries"]["edges"][0]["node"]["name"], "Country AA");
    for (order, first) in [
        ("POSITION", "north-region"),
        ("NAME", "north-region"),
        ("SLUG", "north-region"),
    ] {
        let data = app
            .data(
                &format!("query {{ regions(orderBy: {order}) {{ slug }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(data["regions"][0]["slug"], first, "{order}");
        assert_eq!(data["regions"].as_array().map(Vec::len), Some(2));
    }
}
