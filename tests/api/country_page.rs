use crate::common::{code, TestApp, COUNTRY_PAGE, SEARCH};
use serde_json::{json, Value};

/// The whole Peru page, as a partner's site asks for it (the query and the
/// variables of queries/) and in Finnish: any change to what the page shows is
/// a diff of `snapshots/` to review. The tests below say what matters in it.
#[tokio::test]
async fn the_peru_page_whole() {
    let app = TestApp::demo().await;
    let partner: Value =
        serde_json::from_str(include_str!("../../queries/country-page.variables.json"))
            .expect("the variables are JSON");
    let english = app.data(COUNTRY_PAGE, partner.clone()).await;
    let mut finnish_vars = partner;
    finnish_vars["locale"] = json!("fi");
    let finnish = app.data(COUNTRY_PAGE, finnish_vars).await;
    crate::common::snapshots().bind(|| {
        insta::assert_json_snapshot!("peru", english);
        insta::assert_json_snapshot!("peru_fi", finnish);
    });
}

#[tokio::test]
async fn country_page_serves_the_seed_facts() {
    let app = TestApp::demo().await;
    let data = app.data(COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    let c = &data["country"];
    assert_eq!(c["slug"], "peru");
    assert_eq!(c["iso2"], "PE");
    assert_eq!(c["name"], "Peru");
    assert_eq!(c["locale"], "en");
    assert_eq!(c["region"]["slug"], "latin-america-and-the-caribbean");
    assert!(c["context"].as_str().is_some_and(|t| t.contains("cocaine")));
    assert!(c["supportMeasures"]
        .as_str()
        .is_some_and(|t| t.contains("civil society")));
    let priorities: Vec<&str> = c["priorities"]
        .as_array()
        .expect("priorities")
        .iter()
        .map(|p| p["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        priorities,
        [
            "Circular transition",
            "Human development and social inclusion",
            "Governance and rule of law"
        ]
    );

    let programmes = &c["programmes"];
    assert_eq!(programmes["totalCount"], 1);
    let mip = &programmes["edges"][0]["node"];
    assert_eq!(mip["slug"], "mip-2021-2024-peru");
    assert_eq!(mip["kind"], "MIP");
    assert_eq!(mip["periodStart"], 2021);
    assert_eq!(mip["periodEnd"], 2024);
    assert_eq!(
        mip["budget"],
        json!({ "amount": "57000000.00", "currency": "EUR" })
    );
    let areas = mip["priorityAreas"].as_array().expect("areas");
    assert_eq!(areas.len(), 3);
    assert_eq!(
        areas
            .iter()
            .map(|a| a["position"].as_i64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(areas[0]["title"], "Circular transition");

    let docs = &c["documents"];
    assert_eq!(docs["totalCount"], 4);
    assert_eq!(docs["pageInfo"]["hasNextPage"], false);
    let facts: Vec<(String, String, String, i64, usize)> = docs["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["publishedOn"].as_str().unwrap_or_default().to_string(),
                n["format"].as_str().unwrap_or_default().to_string(),
                n["language"].as_str().unwrap_or_default().to_string(),
                n["sizeBytes"].as_i64().unwrap_or(0),
                n["countries"].as_array().map(Vec::len).unwrap_or(0),
            )
        })
        .collect();
    // Newest first, slug as tie-break for the two documents of 8 March 2022.
    assert_eq!(
        facts,
        [
            ("2022-11-07".into(), "ZIP".into(), "en".into(), 1_541_406, 1),
            ("2022-05-17".into(), "ZIP".into(), "en".into(), 576_727, 5),
            ("2022-03-08".into(), "PDF".into(), "en".into(), 421_002, 1),
            ("2022-03-08".into(), "PDF".into(), "en".into(), 291_994, 1),
        ]
    );
    let andean = &docs["edges"][1]["node"];
    let isos: Vec<&str> = andean["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .map(|c| c["iso2"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(isos, ["BO", "CO", "EC", "PY", "PE"]);
}

#[tokio::test]
async fn country_page_in_finnish_serves_translations_and_says_so() {
    let app = TestApp::demo().await;
    let data = app
        .data(COUNTRY_PAGE, json!({ "slug": "peru", "locale": "fi" }))
        .await;
    let c = &data["country"];
    assert_eq!(c["locale"], "fi");
    assert_eq!(c["region"]["name"], "Latinalainen Amerikka ja Karibia");
    assert_eq!(c["priorities"][0]["title"], "Kiertotalouteen siirtyminen");
    // Untranslated fields fall back to English.
    assert!(c["context"]
        .as_str()
        .is_some_and(|t| t.starts_with("Peru's social indicators")));
    // A document without a Finnish title is served in English.
    assert_eq!(
        c["documents"]["edges"][0]["node"]["title"],
        "Annual action plan 2022 for Peru"
    );

    let data = app
        .data(
            "query { country(slug: \"peru\", locale: \"de\") { locale name } }",
            json!({}),
        )
        .await;
    assert_eq!(data["country"], json!({ "locale": "en", "name": "Peru" }));
    let resp = app
        .gql(
            "query { country(slug: \"peru\", locale: \"not a locale\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
}

#[tokio::test]
async fn single_items_by_slug_iso_and_global_id() {
    let app = TestApp::demo().await;
    let data = app
        .data(
            r#"query { byIso: country(iso2: "pe") { slug id }
                       region(slug: "latin-america-and-the-caribbean") { name countries { totalCount } }
                       programme(slug: "mip-2021-2024-peru") { title countries { iso2 } documents { totalCount } }
                       document(slug: "annual-action-plan-2022-for-peru") { title mediaType programme { slug } }
                       regions { slug } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["byIso"]["slug"], "peru");
    assert_eq!(data["region"]["countries"]["totalCount"], 5);
    assert_eq!(data["programme"]["countries"], json!([{ "iso2": "PE" }]));
    assert_eq!(data["programme"]["documents"]["totalCount"], 1);
    assert_eq!(data["document"]["mediaType"], "application/zip");
    assert_eq!(data["document"]["programme"], json!(null));
    assert_eq!(
        data["regions"],
        json!([{ "slug": "latin-america-and-the-caribbean" }])
    );

    let id = data["byIso"]["id"].as_str().expect("id").to_string();
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { id __typename ... on Country { iso2 } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["node"]["__typename"], "Country");
    assert_eq!(node["node"]["iso2"], "PE");

    let unknown = app
        .data(
            r#"query { country(slug: "atlantis") { name } document(slug: "nope") { title } }"#,
            json!({}),
        )
        .await;
    assert_eq!(unknown, json!({ "country": null, "document": null }));

    let resp = app
        .gql(r#"query { node(id: "%%%") { id } }"#, json!({}))
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    for q in [
        r#"query { country(slug: "peru", iso2: "PE") { name } }"#,
        "query { country { name } }",
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}");
    }
}

#[tokio::test]
async fn search_matches_names_and_titles_case_insensitively() {
    let app = TestApp::demo().await;
    let data = app.data(SEARCH, json!({ "q": "PERU" })).await;
    let hits = data["search"]["edges"].as_array().expect("edges");
    let kinds: Vec<&str> = hits
        .iter()
        .map(|h| h["node"]["__typename"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds[0], "Country");
    assert_eq!(kinds[1], "Programme");
    assert!(kinds[2..].iter().all(|k| *k == "Document"));
    assert_eq!(data["search"]["totalCount"], 6);
    let data = app
        .data(SEARCH, json!({ "q": "cooperation facility" }))
        .await;
    assert_eq!(data["search"]["totalCount"], 1);
    // Wildcards in the query are matched literally.
    let data = app.data(SEARCH, json!({ "q": "%" })).await;
    assert_eq!(data["search"]["totalCount"], 0);
    let long = "x".repeat(201);
    for vars in [json!({ "q": "  " }), json!({ "q": long })] {
        let resp = app.gql(SEARCH, vars).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT");
    }
    let resp = app
        .gql(
            r#"query { search(query: "peru", after: "not-a-cursor") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    // Paging through search with its own cursors.
    let page = app
        .data(
            r#"query { search(query: "peru", first: 2) { pageInfo { hasNextPage endCursor } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(page["search"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .data(
            "query($after: String) { search(query: \"peru\", first: 10, after: $after) { totalCount edges { node { __typename } } pageInfo { hasPreviousPage } } }",
            json!({ "after": page["search"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["search"]["edges"].as_array().map(Vec::len), Some(4));
    assert_eq!(next["search"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn a_hidden_region_is_not_served_with_its_published_country() {
    let app = TestApp::new().await;
    let mut data = crate::fixtures::dataset(3);
    data.regions[0].status = Some(entity::Status::Draft);
    app.import(data).await;
    let page = app
        .data(
            r#"query { country(slug: "country-aa") { name region { slug } } regions { slug } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        page["country"],
        json!({ "name": "Country AA", "region": null })
    );
    assert_eq!(page["regions"], json!([{ "slug": "south-region" }]));
}

/// Each document's size as the seed page prints it ("411.13 KB - PDF").
#[tokio::test]
async fn documents_read_their_size_as_the_page_prints_it() {
    let app = TestApp::demo().await;
    let data = app
        .data(
            r#"{ country(slug: "peru") { documents(first: 10) { nodes { sizeBytes sizeLabel format } } } }"#,
            json!({}),
        )
        .await;
    let labels: Vec<String> = data["country"]["documents"]["nodes"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|n| {
            format!(
                "{} - {}",
                n["sizeLabel"].as_str().unwrap_or_default(),
                n["format"].as_str().unwrap_or_default()
            )
        })
        .collect();
    // The labels come from the demo's real files, made to the sizes the seed
    // page prints (its fourth, 285.15 KB, is 291,994 bytes).
    assert_eq!(
        labels,
        [
            "1.47 MB - ZIP",
            "563.21 KB - ZIP",
            "411.13 KB - PDF",
            "285.15 KB - PDF"
        ]
    );
}
