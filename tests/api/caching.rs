//! HTTP caching of anonymous GET answers: `Cache-Control`, `ETag` and 304, `Vary`,
//! and the cache tags (`Cache-Tag`, `Surrogate-Key`) that name the content in an
//! answer; staff answers are never stored.
use crate::common::{code, item_tag, test_config, TestApp, COUNTRY_PAGE};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn get_uri(query: &str, variables: Value) -> String {
    let mut url = url::Url::parse("http://x/graphql").expect("url");
    url.query_pairs_mut()
        .append_pair("query", query)
        .append_pair("variables", &variables.to_string());
    format!("/graphql?{}", url.query().unwrap_or_default())
}

async fn get(
    app: &TestApp,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.raw(req.body(Body::empty()).expect("req")).await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn tags(headers: &HeaderMap) -> BTreeSet<String> {
    header(headers, "cache-tag")
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

const PAGE_IDS: &str = "query($slug: String!) { country(slug: $slug) { id region { id }
  programmes(first: 5) { edges { node { id } } }
  documents(first: 5) { edges { node { id countries { id } } } } } }";

#[tokio::test]
async fn anonymous_gets_are_public_with_an_etag_and_the_tags_of_their_content() {
    let app = TestApp::demo().await;
    let ids = app.data(PAGE_IDS, json!({ "slug": "peru" })).await;
    let peru = item_tag(&ids["country"]["id"]);
    let (status, headers, body) =
        get(&app, &get_uri(COUNTRY_PAGE, json!({ "slug": "peru" })), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["data"]["country"]["iso2"], "PE");
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=60, stale-while-revalidate=300"
    );
    assert_eq!(
        header(&headers, "vary").to_ascii_lowercase(),
        "accept, authorization, accept-encoding"
    );
    let etag = header(&headers, "etag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    // Every item in the answer is named, and the lists it shows.
    let tags = tags(&headers);
    let mut expected = BTreeSet::from([
        peru.clone(),
        item_tag(&ids["country"]["region"]["id"]),
        format!("{peru}/Programmes"),
        format!("{peru}/Documents"),
    ]);
    for e in ids["country"]["programmes"]["edges"]
        .as_array()
        .expect("edges")
    {
        expected.insert(item_tag(&e["node"]["id"]));
    }
    for e in ids["country"]["documents"]["edges"]
        .as_array()
        .expect("edges")
    {
        expected.insert(item_tag(&e["node"]["id"]));
    }
    assert!(
        expected.is_subset(&tags),
        "missing {:?} in {tags:?}",
        expected.difference(&tags)
    );
    let keys: BTreeSet<String> = header(&headers, "surrogate-key")
        .split(' ')
        .map(str::to_string)
        .collect();
    assert_eq!(keys, tags, "Surrogate-Key names the same tags");

    // Revalidation: the same answer is a 304 without a body.
    let uri = get_uri(COUNTRY_PAGE, json!({ "slug": "peru" }));
    let (status, again, body) = get(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(header(&again, "etag"), etag);
    let (status, _, _) = get(&app, &uri, &[("if-none-match", "W/\"0123\"")]).await;
    assert_eq!(status, StatusCode::OK);
    // Another media type is another entity; any origin gets the same answer.
    let (_, modern, _) = get(
        &app,
        &uri,
        &[
            ("accept", "application/graphql-response+json"),
            ("origin", "https://partner.example"),
        ],
    )
    .await;
    assert_ne!(header(&modern, "etag"), etag);
    assert!(!header(&modern, "vary")
        .to_ascii_lowercase()
        .contains("origin"));
    assert_eq!(header(&modern, "access-control-allow-origin"), "*");
}

#[tokio::test]
async fn a_change_gives_a_new_etag() {
    let app = TestApp::with_roles().await;
    let query = "{ documents(first: 10) { totalCount edges { node { id slug } } } }";
    let uri = get_uri(query, json!({}));
    let (_, headers, body) = get(&app, &uri, &[]).await;
    let etag = header(&headers, "etag").to_string();
    let body: Value = serde_json::from_slice(&body).expect("json");
    let first = body["data"]["documents"]["edges"][0]["node"]["id"].clone();
    assert!(tags(&headers).contains("Documents"));
    assert!(tags(&headers).contains(&item_tag(&first)));
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { id } }",
        json!({ "id": first }),
    )
    .await;
    let (status, headers, body) = get(&app, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the old answer is no longer current"
    );
    assert_ne!(header(&headers, "etag"), etag);
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["data"]["documents"]["totalCount"], 3);
}

#[tokio::test]
async fn a_repeated_get_is_answered_from_the_cache_as_it_was_first() {
    let app = TestApp::with_roles().await;
    let uri = get_uri(COUNTRY_PAGE, json!({ "slug": "peru" }));
    let (status, first, body) = get(&app, &uri, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let hits = app.state.responses.stats().hits;
    for accept in ["application/json", "application/graphql-response+json"] {
        let (status, again, same) = get(&app, &uri, &[("accept", accept)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(same, body, "the same body");
        for name in ["cache-control", "cache-tag", "surrogate-key", "vary"] {
            assert_eq!(header(&again, name), header(&first, name), "{name}");
        }
        assert!(header(&again, "content-type").starts_with(accept));
        // One entity tag per media type, and a 304 for the one sent.
        let etag = header(&again, "etag").to_string();
        assert_eq!(etag == header(&first, "etag"), accept == "application/json");
        let (status, not_modified, _) =
            get(&app, &uri, &[("accept", accept), ("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert_eq!(header(&not_modified, "etag"), etag);
    }
    assert_eq!(app.state.responses.stats().hits, hits + 4);
    // The same request written in another URL (other spacing, variables in
    // another form) shares the entry.
    let other = get_uri(
        &COUNTRY_PAGE.replace('\n', "\n\n  "),
        serde_json::from_str::<Value>(r#"{ "slug" : "peru" }"#).expect("json"),
    );
    assert_ne!(other, uri);
    let (_, _, same) = get(&app, &other, &[]).await;
    assert_eq!(same, body);
    assert_eq!(app.state.responses.stats().hits, hits + 5);
    // A token always gets its own, uncached answer.
    let bearer = format!("Bearer {}", app.editor());
    let (status, private, _) = get(&app, &uri, &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&private, "cache-control"), "private, no-store");
    assert_eq!(app.state.responses.stats().hits, hits + 5);
}

#[tokio::test]
async fn misses_searches_and_root_lists_carry_their_list_tags() {
    let app = TestApp::demo().await;
    for (query, tag) in [
        ("{ country(slug: \"atlantis\") { slug } }", "Countries"),
        ("{ regions { slug } }", "Regions"),
        (
            "{ search(query: \"peru\", first: 3) { edges { node { __typename } } } }",
            "Search",
        ),
        (
            "{ documents(first: 2, filter: { country: \"pe\" }) { edges { node { slug } } } }",
            "Countries",
        ),
        // A region reaches documents through its countries' links.
        (
            "{ documents(first: 2, filter: { region: \"latin-america-and-the-caribbean\" }) { edges { node { slug } } } }",
            "Countries",
        ),
    ] {
        let (status, headers, body) = get(&app, &get_uri(query, json!({})), &[]).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert!(
            tags(&headers).contains(tag),
            "{query}: {:?}",
            tags(&headers)
        );
    }
}

#[tokio::test]
async fn a_search_page_is_tagged_with_exactly_its_hits() {
    let app = TestApp::new().await;
    app.import(crate::fixtures::dataset(20)).await;
    // The first search counts the hits; the second (another document, so not
    // the same cache entry) knows the counts and reads the page's rows itself.
    for query in [
        "{ search(query: \"governance\", first: 2) { edges { node { ... on Document { id } } } } }",
        "{ hits: search(query: \"governance\", first: 2) { edges { node { ... on Document { id } } } } }",
    ] {
        let (status, headers, body) = get(&app, &get_uri(query, json!({})), &[]).await;
        assert_eq!(status, StatusCode::OK);
        let body: Value = serde_json::from_slice(&body).expect("json");
        let edges = body["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .map(|s| s["edges"].clone())
            .expect("edges");
        let hits: BTreeSet<String> = edges
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| item_tag(&e["node"]["id"]))
            .collect();
        assert_eq!(hits.len(), 2, "{body:#}");
        let items: BTreeSet<String> = tags(&headers)
            .into_iter()
            .filter(|t| t.starts_with("Document:"))
            .collect();
        assert_eq!(items, hits, "{query}");
        assert!(tags(&headers).contains("Search"));
    }
}

#[tokio::test]
async fn staff_posts_and_errors_are_never_stored() {
    let app = TestApp::with_roles().await;
    let uri = get_uri("{ regions { slug } }", json!({}));
    let bearer = format!("Bearer {}", app.editor());
    let (status, headers, _) = get(&app, &uri, &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), "private, no-store");
    assert!(headers.get("etag").is_none() && headers.get("cache-tag").is_none());
    // An anonymous POST is not a cacheable request.
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({ "query": "{ regions { slug } }" }).to_string(),
        ))
        .expect("req");
    let (status, headers, _) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), "no-store");
    // An answer with errors is not stored either.
    let (status, headers, body) = get(&app, &get_uri("{ nope }", json!({})), &[]).await;
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert!(headers.get("etag").is_none());
}

#[tokio::test]
async fn lifetimes_and_the_tag_budget_are_configurable() {
    let mut config = test_config();
    config.http_max_age = 5;
    config.http_s_maxage = Some(600);
    config.http_stale_while_revalidate = 0;
    config.cache_tag_max_bytes = 40;
    let app = TestApp::with_config(config).await;
    app.import(api::import::demo::dataset()).await;
    let query = "{ documents(first: 10) { edges { node { slug } } } }";
    let (_, headers, _) = get(&app, &get_uri(query, json!({})), &[]).await;
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=5, s-maxage=600, stale-while-revalidate=0"
    );
    // Four document tags do not fit in 40 bytes: they fold into `Documents`.
    let tags = tags(&headers);
    assert!(tags.contains("Documents"), "{tags:?}");
    assert!(tags.iter().all(|t| !t.starts_with("Document:")), "{tags:?}");
    assert!(header(&headers, "cache-tag").len() <= 40);
}

#[tokio::test]
async fn a_fragment_cycle_is_refused_at_once() {
    // Each spread of A spreads A twice: putting such an answer in document
    // order must not expand it 2^depth times.
    let app = TestApp::demo().await;
    let query = "{ ...A } fragment A on Query { regions { slug } ...A ...A }";
    let (status, headers, body) = get(&app, &get_uri(query, json!({})), &[]).await;
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
    assert_eq!(header(&headers, "cache-control"), "no-store");
}
