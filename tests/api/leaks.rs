//! No leaks: unpublished content related to published content, and every public
//! path walked by an anonymous reader. Every unpublished item has "hidden" in its
//! slug and name, every unpublished working copy says "SECRET": neither word may
//! appear in any public answer, and every total counts only published items.
use crate::common::TestApp;
use crate::workflow::country_id_version;
use serde_json::{json, Value};

struct Setup {
    app: TestApp,
    hidden_ids: Vec<String>,
}

async fn build() -> Setup {
    let app = TestApp::builder().roles().await;
    let run = |q: &'static str, vars: Value| {
        let app = &app;
        async move { app.staff_data(app.admin(), q, vars).await }
    };
    let first = |d: Value| -> (String, Value) {
        let item = d
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or_default();
        (
            item["id"].as_str().unwrap_or_default().to_string(),
            item["version"].clone(),
        )
    };
    let publish = |id: String| {
        let app = &app;
        async move {
            app.submit_and_publish(app.admin(), &id).await;
        }
    };
    let q_region = "mutation($i: RegionInput!) { createRegion(input: $i) { id version } }";
    let q_country = "mutation($i: CountryInput!) { createCountry(input: $i) { id version } }";
    let q_programme = "mutation($i: ProgrammeInput!) { createProgramme(input: $i) { id version } }";
    let q_document = "mutation($i: DocumentInput!) { createDocument(input: $i) { id version } }";

    let (region, _) = first(
        run(
            q_region,
            json!({ "i": { "slug": "americas", "name": "Americas" } }),
        )
        .await,
    );
    publish(region.clone()).await;
    let (hidden_region, _) = first(
        run(
            q_region,
            json!({ "i": { "slug": "hidden-region", "name": "hidden region" } }),
        )
        .await,
    );

    let country = |slug: &str, iso: &str, region: &str| json!({ "i": { "slug": slug, "iso2": iso, "name": slug, "regionId": region, "summary": "x" } });
    let (peru, _) = first(run(q_country, country("peru", "PE", &region)).await);
    publish(peru.clone()).await;
    let (draft, _) = first(run(q_country, country("hidden-draft", "HD", &region)).await);
    let (review, _) = first(run(q_country, country("hidden-review", "HR", &region)).await);
    run(
        "mutation($id: ID!) { submitForReview(id: $id) { id } }",
        json!({ "id": review }),
    )
    .await;
    let (archived, _) = first(run(q_country, country("hidden-archived", "HA", &region)).await);
    publish(archived.clone()).await;
    run(
        "mutation($id: ID!) { archive(id: $id) { id } }",
        json!({ "id": archived }),
    )
    .await;
    let (scheduled, _) = first(run(q_country, country("hidden-scheduled", "HS", &region)).await);
    run(
        "mutation($id: ID!) { submitForReview(id: $id) { id } }",
        json!({ "id": scheduled }),
    )
    .await;
    run(
        "mutation($id: ID!) { schedulePublish(id: $id, at: \"2999-01-01T00:00:00Z\", expectedVersion: 2) { id } }",
        json!({ "id": scheduled }),
    )
    .await;
    // A country of the hidden region (published itself).
    let (orphan, _) = first(run(q_country, country("chile", "CL", &hidden_region)).await);
    publish(orphan.clone()).await;

    // A published programme over a published and a draft country; a draft one.
    let programme = |slug: &str, countries: Vec<&String>| {
        json!({ "i": { "slug": slug, "title": slug, "kind": "MIP", "countryIds": countries,
            "periodStart": 2021, "periodEnd": 2024, "budget": { "amount": "5.00", "currency": "EUR" } } })
    };
    let (mip, mip_v) = first(run(q_programme, programme("mip-peru", vec![&peru, &draft])).await);
    publish(mip.clone()).await;
    let (hidden_programme, _) =
        first(run(q_programme, programme("hidden-programme", vec![&peru])).await);

    let document = |slug: &str, countries: Vec<&String>, programme: Option<&String>| {
        json!({ "i": { "slug": slug, "title": slug, "publishedOn": "2024-03-01", "language": "en",
            "countryIds": countries, "programmeId": programme } })
    };
    // Published, but its programme is a draft and one of its countries is hidden.
    let (report, report_v) = first(
        run(
            q_document,
            document("report", vec![&peru, &draft], Some(&hidden_programme)),
        )
        .await,
    );
    publish(report.clone()).await;
    let (hidden_doc, _) = first(
        run(
            q_document,
            document("hidden-document", vec![&peru], Some(&mip)),
        )
        .await,
    );

    // Working copies over published items.
    let _ = mip_v;
    let (_, pv) = country_id_version(&app, app.admin(), "peru").await;
    run(
        "mutation($id: ID!, $v: Int!) { updateCountry(id: $id, expectedVersion: $v, input: { name: \"SECRET name\", priorities: [{ title: \"SECRET priority\" }] }) { id } }",
        json!({ "id": peru, "v": pv }),
    )
    .await;
    let d = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { node(id: $id, preview: true) { ... on Document { version } } }",
            json!({ "id": report }),
        )
        .await;
    let _ = report_v;
    run(
        "mutation($id: ID!, $v: Int!) { updateDocument(id: $id, expectedVersion: $v, input: { title: \"SECRET title\", programmeId: null }) { id } }",
        json!({ "id": report, "v": d["node"]["version"] }),
    )
    .await;
    let m = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { node(id: $id, preview: true) { ... on Programme { version } } }",
            json!({ "id": mip }),
        )
        .await;
    run(
        "mutation($id: ID!, $v: Int!) { updateProgramme(id: $id, expectedVersion: $v, input: { title: \"SECRET programme\" }) { id } }",
        json!({ "id": mip, "v": m["node"]["version"] }),
    )
    .await;
    // The working copy is submitted, so it is in review too.
    run(
        "mutation($id: ID!) { submitForReview(id: $id) { id } }",
        json!({ "id": mip }),
    )
    .await;

    Setup {
        app,
        hidden_ids: vec![
            hidden_region,
            draft,
            review,
            archived,
            scheduled,
            hidden_programme,
            hidden_doc,
        ],
    }
}

const WALK: &str = r#"
query Walk {
  regions { slug name countries(first: 100) { totalCount nodes { slug name } } }
  americas: region(slug: "americas") { slug countries { totalCount nodes { slug } } }
  noRegion: region(slug: "hidden-region") { slug }
  countries(first: 100) { totalCount nodes { slug name region { slug } priorities { title } } }
  byRegion: countries(filter: { region: "americas" }) { totalCount nodes { slug } }
  byNoRegion: countries(filter: { region: "hidden-region" }) { totalCount nodes { slug } }
  peru: country(slug: "peru") {
    name priorities { title }
    programmes { totalCount nodes { slug title countries { slug } documents { totalCount nodes { slug } } } }
    documents { totalCount nodes { slug title programme { slug } countries { slug } } }
  }
  chile: country(iso2: "CL") { slug region { slug } }
  draft: country(slug: "hidden-draft") { slug }
  draftByIso: country(iso2: "HD") { slug }
  review: country(slug: "hidden-review") { slug }
  archived: country(slug: "hidden-archived") { slug }
  scheduled: country(slug: "hidden-scheduled") { slug }
  programmes(first: 100) { totalCount nodes { slug title countries { slug } documents { totalCount nodes { slug } } } }
  programme(slug: "mip-peru") { title countries { slug } }
  noProgramme: programme(slug: "hidden-programme") { slug }
  documents(first: 100) { totalCount nodes { slug title programme { slug title } countries { slug name } } }
  byProgramme: documents(filter: { programme: "hidden-programme" }) { totalCount nodes { slug } }
  byCountry: documents(filter: { country: "hidden-draft" }) { totalCount nodes { slug } }
  byRegionDocs: documents(filter: { region: "hidden-region" }) { totalCount nodes { slug } }
  report: document(slug: "report") { title programme { slug } countries { slug } }
  noDocument: document(slug: "hidden-document") { slug }
  s1: search(query: "hidden") { totalCount edges { node { __typename ... on Country { slug } ... on Programme { slug } ... on Document { slug } } } }
  s2: search(query: "SECRET") { totalCount edges { node { __typename } } }
}
"#;

#[tokio::test]
async fn anonymous_readers_never_see_unpublished_content_through_any_path() {
    let Setup { app, hidden_ids } = build().await;
    let data = app.data(WALK, json!({})).await;
    let text = data.to_string();
    assert!(
        !text.contains("hidden"),
        "an unpublished item leaked: {data:#}"
    );
    assert!(!text.contains("SECRET"), "a working copy leaked: {data:#}");

    // Totals count published items only.
    assert_eq!(data["countries"]["totalCount"], 2, "{data:#}"); // peru, chile
    assert_eq!(data["byRegion"]["totalCount"], 1);
    assert_eq!(data["byNoRegion"]["totalCount"], 0);
    assert_eq!(data["americas"]["countries"]["totalCount"], 1);
    assert_eq!(data["noRegion"], Value::Null);
    assert_eq!(data["regions"].as_array().map(Vec::len), Some(1));
    assert_eq!(data["chile"]["region"], Value::Null);
    assert_eq!(data["programmes"]["totalCount"], 1);
    assert_eq!(data["programme"]["countries"], json!([{ "slug": "peru" }]));
    assert_eq!(data["programme"]["title"], "mip-peru");
    assert_eq!(data["documents"]["totalCount"], 1);
    assert_eq!(data["byProgramme"]["totalCount"], 0);
    assert_eq!(data["byCountry"]["totalCount"], 0);
    assert_eq!(data["byRegionDocs"]["totalCount"], 0);
    assert_eq!(data["report"]["title"], "report");
    assert_eq!(data["report"]["programme"], Value::Null);
    assert_eq!(data["report"]["countries"], json!([{ "slug": "peru" }]));
    assert_eq!(data["peru"]["name"], "peru");
    assert_eq!(data["peru"]["priorities"], json!([]));
    assert_eq!(data["peru"]["programmes"]["totalCount"], 1);
    assert_eq!(
        data["peru"]["programmes"]["nodes"][0]["documents"]["totalCount"],
        0
    );
    assert_eq!(data["peru"]["documents"]["totalCount"], 1);
    assert_eq!(data["s1"]["totalCount"], 0);
    assert_eq!(data["s2"]["totalCount"], 0);

    // node(id:) for every unpublished item.
    for id in &hidden_ids {
        let d = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(d["node"], Value::Null, "{id}");
    }
    // Preview without a token is refused, not silently public.
    let resp = app
        .gql("{ countries(preview: true) { totalCount } }", json!({}))
        .await;
    assert_eq!(crate::common::code(&resp), "UNAUTHENTICATED");
}

#[tokio::test]
async fn staff_previews_see_drafts_and_working_copies() {
    let Setup { app, hidden_ids } = build().await;
    let token = app
        .login("admin@example.org", crate::common::PASSWORD)
        .await;
    let d = app
        .staff_data(
            &token,
            r#"{ countries(preview: true, first: 100) { totalCount nodes { slug name status } }
                 peru: country(slug: "peru", preview: true) { name status priorities { title } workflow { hasUnpublishedChanges } }
                 report: document(slug: "report", preview: true) { title programme { slug } }
                 programme(slug: "mip-peru", preview: true) { title status countries { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["countries"]["totalCount"], 6, "{d:#}");
    assert_eq!(d["peru"]["name"], "SECRET name");
    assert_eq!(d["peru"]["status"], "DRAFT");
    assert_eq!(
        d["peru"]["priorities"],
        json!([{ "title": "SECRET priority" }])
    );
    assert_eq!(d["peru"]["workflow"]["hasUnpublishedChanges"], true);
    assert_eq!(d["report"]["title"], "SECRET title");
    assert_eq!(d["report"]["programme"], Value::Null);
    assert_eq!(d["programme"]["title"], "SECRET programme");
    assert_eq!(d["programme"]["status"], "IN_REVIEW");
    assert_eq!(
        d["programme"]["countries"],
        json!([{ "slug": "peru" }, { "slug": "hidden-draft" }])
    );
    // Status filters: the working copy's status counts in a preview.
    let f = app
        .staff_data(
            &token,
            r#"{ drafts: countries(preview: true, filter: { status: [DRAFT] }) { totalCount nodes { slug } }
                 review: programmes(preview: true, filter: { status: [IN_REVIEW] }) { nodes { slug } }
                 public: countries(filter: { status: [DRAFT, IN_REVIEW] }) { totalCount }
                 search(query: "hidden", preview: true) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(f["drafts"]["totalCount"], 2, "{f:#}");
    assert_eq!(f["review"]["nodes"], json!([{ "slug": "mip-peru" }]));
    assert_eq!(f["public"]["totalCount"], 0);
    assert_eq!(f["search"]["totalCount"], 6, "{f:#}");
    for id in &hidden_ids {
        let n = app
            .staff_data(
                &token,
                "query($id: ID!) { node(id: $id, preview: true) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(n["node"]["id"], id.as_str());
    }
}

#[tokio::test]
async fn a_region_filter_does_not_reach_documents_through_a_hidden_country() {
    let app = TestApp::builder().roles().await;
    let create = |q: &'static str, i: Value| {
        let app = &app;
        async move {
            let d = app.staff_data(app.admin(), q, json!({ "i": i })).await;
            let id = d
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|item| item["id"].as_str())
                .unwrap_or_default()
                .to_string();
            assert!(!id.is_empty(), "{d}");
            id
        }
    };
    let publish = |id: String| {
        let app = &app;
        async move {
            app.submit_and_publish(app.admin(), &id).await;
        }
    };
    let region = create(
        "mutation($i: RegionInput!) { createRegion(input: $i) { id } }",
        json!({ "slug": "andes", "name": "Andes" }),
    )
    .await;
    publish(region.clone()).await;
    let q_country = "mutation($i: CountryInput!) { createCountry(input: $i) { id } }";
    let country = |slug: &str, iso: &str| json!({ "slug": slug, "iso2": iso, "name": slug, "regionId": region, "summary": "x" });
    let peru = create(q_country, country("peru", "PE")).await;
    publish(peru.clone()).await;
    let draft = create(q_country, country("hidden-draft", "HD")).await;
    // Published documents: three of the visible country, three only of the
    // draft one (newer, so a walk by date meets them first).
    let q_document = "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }";
    for (slug, date, c) in [
        ("a-peru", "2024-01-01", &peru),
        ("b-peru", "2024-01-02", &peru),
        ("c-peru", "2024-01-03", &peru),
        ("x-drafts-own", "2024-02-01", &draft),
        ("y-drafts-own", "2024-02-02", &draft),
        ("z-drafts-own", "2024-02-03", &draft),
    ] {
        let id = create(
            q_document,
            json!({ "slug": slug, "title": slug, "publishedOn": date, "language": "en",
                "countryIds": [c] }),
        )
        .await;
        publish(id).await;
    }
    let page = "query($after: String) { documents(filter: { region: \"andes\" }, orderBy: PUBLISHED_ON_DESC, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { slug } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(page, json!({ "after": after })).await;
        let conn = &data["documents"];
        assert_eq!(conn["totalCount"], 3, "{data}");
        for n in conn["nodes"].as_array().into_iter().flatten() {
            seen.push(n["slug"].as_str().unwrap_or_default().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(seen.len() <= 3, "{seen:?}");
    }
    assert_eq!(seen, ["c-peru", "b-peru", "a-peru"]);
    // The draft country's own documents are published: the list shows them.
    let all = app
        .data("{ documents(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(all["documents"]["totalCount"], 6);
}
