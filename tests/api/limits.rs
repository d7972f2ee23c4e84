use crate::common::{code, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_page_over_the_cap_is_refused_not_truncated() {
    let app = TestApp::demo().await;
    for q in [
        "query { documents(first: 101) { totalCount } }",
        "query { documents(last: 500) { totalCount } }",
        "query { countries(first: -1) { totalCount } }",
        r#"query { country(slug: "peru") { documents(first: 1000) { totalCount } } }"#,
        r#"query { search(query: "peru", first: 101) { totalCount } }"#,
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
    }
    let data = app
        .data("query { documents(first: 100) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["documents"]["totalCount"], 4);
}

#[tokio::test]
async fn depth_complexity_and_alias_limits_are_coded() {
    let mut config = crate::common::test_config();
    config.max_depth = 5;
    config.max_complexity = 300;
    config.max_aliases = 3;
    let app = TestApp::with_config(config).await;
    let deep = r#"query { country(slug: "peru") { programmes { edges { node { documents { edges { node { slug } } } } } } } }"#;
    let resp = app.gql(deep, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let complex =
        "query { documents(first: 100) { edges { node { slug title format language } } } }";
    let resp = app.gql(complex, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let aliases =
        "query { a: regions { slug } b: regions { slug } c: regions { slug } d: regions { slug } }";
    let resp = app.gql(aliases, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let fine = "query { a: regions { slug } b: regions { slug } }";
    assert!(app.gql(fine, json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn the_default_limits_admit_the_partner_queries_and_refuse_abuse() {
    let app = TestApp::demo().await;
    for (q, vars) in [
        (crate::common::COUNTRY_PAGE, json!({ "slug": "peru" })),
        (crate::common::DOCUMENT_LIST, json!({ "region": "x" })),
        (crate::common::SEARCH, json!({ "q": "x" })),
    ] {
        let resp = app.gql(q, vars).await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }
    let abuse = "query { countries(first: 100) { edges { node { documents(first: 100) { edges { node { countries { programmes(first: 100) { totalCount } } } } } } } } }";
    let resp = app.gql(abuse, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
}

#[tokio::test]
async fn syntax_and_type_errors_are_bad_user_input() {
    let app = TestApp::demo().await;
    for q in [
        "query { country(slug: ",
        "query { nope }",
        r#"query { documents(first: "ten") { totalCount } }"#,
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
    }
}

#[tokio::test]
async fn internal_errors_do_not_leak_sql() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::demo().await;
    app.state
        .db
        .conn
        .execute_unprepared("DROP TABLE document_countries")
        .await
        .expect("drop");
    let resp = app
        .gql(crate::common::COUNTRY_PAGE, json!({ "slug": "peru" }))
        .await;
    assert_eq!(code(&resp), "INTERNAL", "{resp}");
    let text = resp.to_string().to_lowercase();
    for secret in [
        "select",
        "document_countries",
        "sqlx",
        "no such table",
        ".rs",
    ] {
        assert!(!text.contains(secret), "leaked {secret:?}: {resp}");
    }
}
