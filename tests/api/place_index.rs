//! A region's public document list and a country's nested one walk place
//! indexes the workflow keeps (`document_region_index`,
//! `document_country_index`). Whatever happens to documents and countries, a
//! region's list must hold exactly what its published countries list through
//! the country filter (which reads the links, no index), and a country's
//! nested list exactly that country's, in every order, paged either way,
//! batched and counted.
use crate::common::TestApp;
use crate::workflow::SUBMIT;
use api::workflow::scheduler::publish_due;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const CREATE_REGION: &str = "mutation($i: RegionInput!) { createRegion(input: $i) { id } }";
const CREATE_COUNTRY: &str = "mutation($i: CountryInput!) { createCountry(input: $i) { id } }";
const CREATE_DOCUMENT: &str = "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }";
const UPDATE_DOCUMENT: &str = "mutation($id: ID!, $v: Int!, $i: DocumentInput!) { updateDocument(id: $id, expectedVersion: $v, input: $i) { id } }";
const UPDATE_COUNTRY: &str = "mutation($id: ID!, $v: Int!, $i: CountryInput!) { updateCountry(id: $id, expectedVersion: $v, input: $i) { id } }";
const UNPUBLISH: &str = "mutation($id: ID!) { unpublish(id: $id) { id } }";

/// (publishedOn, slug) of a document, in the list's newest-first order.
type Entry = (String, String);

fn entries(nodes: &Value) -> Vec<Entry> {
    nodes
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    (
                        n["publishedOn"].as_str().unwrap_or_default().to_string(),
                        n["slug"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Newest first, slug as tie-break: the PUBLISHED_ON_DESC order.
fn newest_first(mut v: Vec<Entry>) -> Vec<Entry> {
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    v
}

/// Oldest first, the slug still ascending among a day's documents: the
/// PUBLISHED_ON_ASC order.
fn oldest_first(newest_first: &[Entry]) -> Vec<Entry> {
    let mut v = newest_first.to_vec();
    v.sort();
    v
}

/// A list filtered on 2024-01-05..=2024-03-01 (query `q`, read forward) holds
/// exactly the entries of `want` in that range, and counts them.
async fn check_range(
    app: &TestApp,
    q: &str,
    vars: Value,
    at: &[&str],
    want: &[Entry],
    label: &str,
) {
    let range = "2024-01-05".to_string()..="2024-03-01".to_string();
    let ranged: Vec<Entry> = want
        .iter()
        .filter(|e| range.contains(&e.0))
        .cloned()
        .collect();
    let (got, total) = paged(app, q, vars, at, false).await;
    assert_eq!(got, ranged, "{label}: date range");
    assert_eq!(total, ranged.len() as i64, "{label}: date range totalCount");
}

/// A country's documents through the top-level country filter, which reads
/// the links (no index): what both indexes must agree with.
async fn country_list(app: &TestApp, country: &str) -> Vec<Entry> {
    let d = app
        .data(
            "query($c: String) { documents(filter: { country: $c }, first: 50) { nodes { slug publishedOn } } }",
            json!({ "c": country }),
        )
        .await;
    entries(&d["documents"]["nodes"])
}

/// The slugs of the published countries of a region (all of them without one).
async fn countries_of(app: &TestApp, region: Option<&str>) -> Vec<String> {
    let d = app
        .data(
            "query($r: String) { countries(filter: { region: $r }, first: 50) { nodes { slug } } }",
            json!({ "r": region }),
        )
        .await;
    d["countries"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["slug"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What the region's published countries list, deduplicated, newest first.
async fn expected(app: &TestApp, region: &str) -> Vec<Entry> {
    let mut all = BTreeSet::new();
    for c in countries_of(app, Some(region)).await {
        all.extend(country_list(app, &c).await);
    }
    newest_first(all.into_iter().collect())
}

/// A connection (at `at` in the answer) read in pages of two, forward (`$after`)
/// or backward (`$before`), and its total.
async fn paged(
    app: &TestApp,
    q: &str,
    mut vars: Value,
    at: &[&str],
    back: bool,
) -> (Vec<Entry>, i64) {
    let (mut out, mut total) = (Vec::new(), -1);
    loop {
        let d = app.data(q, vars.clone()).await;
        let page = at.iter().fold(&d, |v, k| &v[*k]);
        total = page["totalCount"].as_i64().unwrap_or(total);
        let mut this = entries(&page["nodes"]);
        let info = &page["pageInfo"];
        let more = if back {
            this.append(&mut out);
            out = this;
            vars["before"] = info["startCursor"].clone();
            info["hasPreviousPage"] == true
        } else {
            out.append(&mut this);
            vars["after"] = info["endCursor"].clone();
            info["hasNextPage"] == true
        };
        if !more {
            return (out, total);
        }
        assert!(out.len() <= 100, "the pages never end: {out:?}");
    }
}

/// The region's document list in `order`, forward, and its total.
async fn walked(app: &TestApp, region: &str, order: &str) -> (Vec<Entry>, i64) {
    let q = "query($r: String, $o: DocumentOrder, $after: String) { documents(filter: { region: $r }, orderBy: $o, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { slug publishedOn } } }";
    paged(
        app,
        q,
        json!({ "r": region, "o": order }),
        &["documents"],
        false,
    )
    .await
}

/// The region's list newest first, read backward (`last`/`before`).
async fn walked_back(app: &TestApp, region: &str) -> Vec<Entry> {
    let q = "query($r: String, $before: String) { documents(filter: { region: $r }, orderBy: PUBLISHED_ON_DESC, last: 2, before: $before) { pageInfo { hasPreviousPage startCursor } nodes { slug publishedOn } } }";
    paged(app, q, json!({ "r": region }), &["documents"], true)
        .await
        .0
}

/// Every reading of a country's nested documents (its page, walking the
/// country index) agrees with the country filter.
async fn check_country(app: &TestApp, country: &str) {
    let want = country_list(app, country).await;
    let at = ["country", "documents"];
    let q = "query($c: String!, $o: DocumentOrder, $after: String) { country(slug: $c) { documents(orderBy: $o, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { slug publishedOn } } } }";
    for (order, expected) in [
        ("PUBLISHED_ON_DESC", want.clone()),
        ("PUBLISHED_ON_ASC", oldest_first(&want)),
    ] {
        let vars = json!({ "c": country, "o": order });
        let (got, total) = paged(app, q, vars, &at, false).await;
        assert_eq!(got, expected, "{country}: {order}");
        assert_eq!(total, want.len() as i64, "{country}: totalCount");
    }
    // A date range on the walk (bounded by the index's copy of the date).
    let q = "query($c: String!, $after: String) { country(slug: $c) { documents(filter: { publishedFrom: \"2024-01-05\", publishedTo: \"2024-03-01\" }, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { slug publishedOn } } } }";
    check_range(app, q, json!({ "c": country }), &at, &want, country).await;
    let q = "query($c: String!, $before: String) { country(slug: $c) { documents(last: 2, before: $before) { pageInfo { hasPreviousPage startCursor } nodes { slug publishedOn } } } }";
    let (back, _) = paged(app, q, json!({ "c": country }), &at, true).await;
    assert_eq!(back, want, "{country}: backward");
}

/// Every reading of each region's list agrees with its countries' lists, and
/// every country's nested list with the country filter, one country at a time
/// and batched; returns the slugs of each region's list, newest first.
async fn check(app: &TestApp, regions: &[&str]) -> Vec<Vec<String>> {
    let mut lists = Vec::new();
    for region in regions {
        let want = expected(app, region).await;
        for (order, expected) in [
            ("PUBLISHED_ON_DESC", want.clone()),
            ("PUBLISHED_ON_ASC", oldest_first(&want)),
        ] {
            let (got, total) = walked(app, region, order).await;
            assert_eq!(got, expected, "{region}: {order}");
            assert_eq!(total, want.len() as i64, "{region}: totalCount");
        }
        assert_eq!(walked_back(app, region).await, want, "{region}: backward");
        let q = "query($r: String, $after: String) { documents(filter: { region: $r, publishedFrom: \"2024-01-05\", publishedTo: \"2024-03-01\" }, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { slug publishedOn } } }";
        check_range(
            app,
            q,
            json!({ "r": region }),
            &["documents"],
            &want,
            region,
        )
        .await;
        // Not an order of the index: the region is a condition on it.
        let (by_title, _) = walked(app, region, "TITLE").await;
        let mut titles: Vec<String> = by_title.into_iter().map(|e| e.1).collect();
        let mut want_titles: Vec<String> = want.iter().map(|e| e.1.clone()).collect();
        want_titles.sort();
        titles.sort();
        assert_eq!(titles, want_titles, "{region}: by title");
        // The region's countries' first pages, batched in one statement.
        let d = app
            .data(
                "query($r: String) { countries(filter: { region: $r }, first: 50) { nodes { slug documents(first: 2) { totalCount nodes { slug publishedOn } } } } }",
                json!({ "r": region }),
            )
            .await;
        for c in d["countries"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let slug = c["slug"].as_str().unwrap_or_default();
            let mine = country_list(app, slug).await;
            let page = &c["documents"];
            assert_eq!(
                entries(&page["nodes"]),
                mine[..mine.len().min(2)],
                "{slug}: batched"
            );
            assert_eq!(page["totalCount"], mine.len(), "{slug}: batched totalCount");
        }
        lists.push(want.into_iter().map(|e| e.1).collect());
    }
    for country in countries_of(app, None).await {
        check_country(app, &country).await;
    }
    lists
}

struct World {
    app: TestApp,
    admin: String,
}

impl World {
    /// An empty service with an admin and two published regions, "andes" and
    /// "baltic" (their ids).
    async fn two_regions() -> (World, String, String) {
        let app = TestApp::builder().roles().await;
        let admin = app.admin().to_string();
        let w = World { app, admin };
        let andes = w.region("andes").await;
        let baltic = w.region("baltic").await;
        (w, andes, baltic)
    }

    async fn run(&self, q: &str, vars: Value) -> Value {
        self.app.staff_data(&self.admin, q, vars).await
    }

    async fn create(&self, q: &str, input: Value) -> String {
        let d = self.run(q, json!({ "i": input })).await;
        let item = d.as_object().and_then(|o| o.values().next()).cloned();
        item.map(|i| i["id"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    async fn publish(&self, id: &str) {
        self.app.submit_and_publish(&self.admin, id).await;
    }

    async fn region(&self, slug: &str) -> String {
        let id = self
            .create(CREATE_REGION, json!({ "slug": slug, "name": slug }))
            .await;
        self.publish(&id).await;
        id
    }

    async fn country(&self, slug: &str, iso2: &str, region: &str) -> String {
        self.create(
            CREATE_COUNTRY,
            json!({ "slug": slug, "iso2": iso2, "name": slug, "regionId": region, "summary": "x" }),
        )
        .await
    }

    async fn document(&self, slug: &str, day: &str, countries: &[&String]) -> String {
        self.create(
            CREATE_DOCUMENT,
            json!({ "slug": slug, "title": slug, "publishedOn": day, "language": "en",
                "countryIds": countries }),
        )
        .await
    }

    async fn edit(&self, q: &str, id: &str, input: Value) {
        let v = self.app.version(&self.admin, id).await;
        self.run(q, json!({ "id": id, "v": v, "i": input })).await;
    }
}

fn slugs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_region_lists_what_its_published_countries_list_through_every_change() {
    let (w, andes, baltic) = World::two_regions().await;
    let regions = ["andes", "baltic"];
    let pe = w.country("peru", "PE", &andes).await;
    let co = w.country("colombia", "CO", &andes).await;
    let ee = w.country("estonia", "EE", &baltic).await;
    let hd = w.country("hidden", "HD", &andes).await;
    for c in [&pe, &co, &ee] {
        w.publish(c).await;
    }
    let d1 = w.document("d1", "2024-01-01", &[&pe]).await;
    let d2 = w.document("d2", "2024-02-01", &[&pe, &co]).await;
    let d3 = w.document("d3", "2024-03-01", &[&ee]).await;
    let d4 = w.document("d4", "2024-04-01", &[&hd]).await;
    let d5 = w.document("d5", "2024-02-01", &[&co, &ee]).await;
    // A draft lists nowhere.
    assert_eq!(check(&w.app, &regions).await, [slugs(&[]), slugs(&[])]);
    for d in [&d1, &d2, &d3, &d4, &d5] {
        w.publish(d).await;
    }
    // d4's only country is a draft; d2 is in the Andes once, through two
    // countries; d5 in both regions.
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d2", "d5", "d1"]), slugs(&["d3", "d5"])]
    );

    // A working copy moving d1 changes nothing until it is published.
    w.edit(UPDATE_DOCUMENT, &d1, json!({ "countryIds": [&ee] }))
        .await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d2", "d5", "d1"]), slugs(&["d3", "d5"])]
    );
    w.publish(&d1).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d2", "d5"]), slugs(&["d3", "d5", "d1"])]
    );

    // A country off the site takes the documents only it linked to the region.
    w.run(UNPUBLISH, json!({ "id": co })).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d2"]), slugs(&["d3", "d5", "d1"])]
    );

    // A country moving region (published) takes its documents along; its
    // working copy alone does not.
    w.edit(UPDATE_COUNTRY, &pe, json!({ "regionId": baltic }))
        .await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d2"]), slugs(&["d3", "d5", "d1"])]
    );
    w.publish(&pe).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d3", "d2", "d5", "d1"])]
    );

    // A country published brings its documents.
    w.publish(&hd).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&["d4"]), slugs(&["d3", "d2", "d5", "d1"])]
    );

    // Archived, unpublished and deleted documents leave.
    w.run(
        "mutation($id: ID!) { archive(id: $id) { id } }",
        json!({ "id": d3 }),
    )
    .await;
    w.run(UNPUBLISH, json!({ "id": d2 })).await;
    w.run(
        "mutation($id: ID!) { deleteContent(id: $id) }",
        json!({ "id": d4 }),
    )
    .await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d5", "d1"])]
    );

    // Published by the scheduler.
    w.run(SUBMIT, json!({ "id": d2 })).await;
    let v = w.app.version(&w.admin, &d2).await;
    let at = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    w.run(
        "mutation($id: ID!, $at: DateTime!, $v: Int!) { schedulePublish(id: $id, at: $at, expectedVersion: $v) { id } }",
        json!({ "id": d2, "at": at, "v": v }),
    )
    .await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d5", "d1"])]
    );
    let n = publish_due(&w.app.state.db, Utc::now() + Duration::hours(1))
        .await
        .expect("scheduled publishing");
    assert_eq!(n, 1);
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d2", "d5", "d1"])]
    );

    // A published document's new slug and date (its working copy) move it in
    // the list when published, not before.
    w.edit(
        UPDATE_DOCUMENT,
        &d1,
        json!({ "slug": "d1-moved", "publishedOn": "2024-06-01" }),
    )
    .await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d2", "d5", "d1"])]
    );
    w.publish(&d1).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d1-moved", "d2", "d5"])]
    );

    // An unpublished region lists nothing, and its documents come back with it.
    w.run(UNPUBLISH, json!({ "id": baltic })).await;
    assert_eq!(check(&w.app, &regions).await, [slugs(&[]), slugs(&[])]);
    w.publish(&baltic).await;
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d1-moved", "d2", "d5"])]
    );

    // Staff previews see drafts in the region too (through the links).
    w.document("d6", "2024-07-01", &[&pe]).await;
    let preview = w
        .run(
            "{ documents(filter: { region: \"baltic\" }, preview: true, first: 10) { totalCount nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(preview["documents"]["nodes"][0]["slug"], "d6", "{preview}");
    assert_eq!(
        check(&w.app, &regions).await,
        [slugs(&[]), slugs(&["d1-moved", "d2", "d5"])]
    );

    // Two countries off the site at once, each the other's last link of d5 to
    // the Baltic: whichever commits last sees the other's change.
    let e2 = w.country("latvia", "LV", &baltic).await;
    w.publish(&e2).await;
    w.edit(UPDATE_DOCUMENT, &d5, json!({ "countryIds": [&ee, &e2] }))
        .await;
    w.publish(&d5).await;
    let (a, b) = tokio::join!(
        w.run(UNPUBLISH, json!({ "id": ee })),
        w.run(UNPUBLISH, json!({ "id": e2 })),
    );
    assert_eq!(
        (&a["unpublish"]["id"], &b["unpublish"]["id"]),
        (&json!(ee), &json!(e2))
    );
    // Only pe (now in the Baltic) is left there, and d2 through it.
    assert_eq!(check(&w.app, &regions).await, [slugs(&[]), slugs(&["d2"])]);
}

#[tokio::test]
async fn the_demo_regions_list_what_their_countries_list() {
    let app = TestApp::demo().await;
    let d = app.data("{ regions { slug } }", json!({})).await;
    let regions: Vec<String> = d["regions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["slug"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(!regions.is_empty());
    let refs: Vec<&str> = regions.iter().map(String::as_str).collect();
    let lists = check(&app, &refs).await;
    assert!(
        lists.iter().any(|l| !l.is_empty()),
        "the demo content lists documents in some region"
    );
}

/// Many changes at once, of documents, their countries and a region (on
/// PostgreSQL truly concurrent): every one succeeds (no deadlock, no
/// conflict between the rewrites) and the lists agree with the countries'
/// after each round.
#[tokio::test]
async fn concurrent_changes_keep_every_region_list_right() {
    use futures_util::future::join_all;
    let (w, andes, baltic) = World::two_regions().await;
    let regions = ["andes", "baltic"];
    let mut countries = Vec::new();
    for (i, (iso, region)) in [
        ("PE", &andes),
        ("CO", &andes),
        ("EE", &baltic),
        ("LV", &baltic),
    ]
    .into_iter()
    .enumerate()
    {
        let c = w.country(&format!("c{i}"), iso, region).await;
        w.publish(&c).await;
        countries.push(c);
    }
    let mut docs = Vec::new();
    for i in 0..10 {
        let links = [&countries[i % 4], &countries[(i + 1) % 4]];
        let d = w
            .document(&format!("d{i}"), &format!("2024-01-{:02}", i + 1), &links)
            .await;
        w.publish(&d).await;
        docs.push(d);
    }
    check(&w.app, &regions).await;
    for round in 0..3 {
        // Countries off the site, documents off and on, a document deleted, a
        // region renamed through its working copy, all at once.
        let c = &countries;
        let mut steps: Vec<(String, Value)> = vec![
            (UNPUBLISH.into(), json!({ "id": c[round % 4] })),
            (UNPUBLISH.into(), json!({ "id": c[(round + 2) % 4] })),
            (UNPUBLISH.into(), json!({ "id": docs[round] })),
            (
                "mutation($id: ID!) { archive(id: $id) { id } }".into(),
                json!({ "id": docs[round + 3] }),
            ),
            (
                "mutation($id: ID!) { deleteContent(id: $id) }".into(),
                json!({ "id": docs.pop() }),
            ),
            (
                "mutation($id: ID!, $n: String!) { updateRegion(id: $id, expectedVersion: VERSION, input: { name: $n }) { id } }".into(),
                json!({ "id": andes, "n": format!("Andes {round}") }),
            ),
        ];
        let v = w.app.version(&w.admin, &andes).await;
        for (q, _) in &mut steps {
            *q = q.replace("VERSION", &v.to_string());
        }
        // Each step panics on an error of its own.
        join_all(steps.iter().map(|(q, vars)| w.run(q, vars.clone()))).await;
        check(&w.app, &regions).await;
        // Back on the site at once (the region with its new name); the
        // archived document stays archived.
        let back = [&c[round % 4], &c[(round + 2) % 4], &docs[round], &andes];
        join_all(back.iter().map(|id| w.publish(id))).await;
        let lists = check(&w.app, &regions).await;
        assert!(lists.iter().all(|l| !l.is_empty()), "{lists:?}");
    }
}

/// `cms reindex` rebuilds the indexes from the content (after processes of an
/// older version changed content without keeping them), and the public sees
/// the rebuilt lists at once.
#[tokio::test]
async fn reindex_rebuilds_the_place_indexes_from_the_content() {
    use clap::Parser;
    use sea_orm::ConnectionTrait;
    let app = TestApp::demo().await;
    for table in ["document_region_index", "document_country_index"] {
        app.state
            .db
            .conn
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .expect("empties the index");
    }
    // Both lists walk the indexes: emptied, they list nothing.
    let region = "latin-america-and-the-caribbean";
    assert_eq!(walked(&app, region, "PUBLISHED_ON_DESC").await.0, []);
    let peru = app
        .data(
            "{ country(slug: \"peru\") { documents(first: 5) { nodes { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(peru["country"]["documents"]["nodes"], json!([]), "{peru}");
    let cli = api::config::Cli::try_parse_from(["cms", "reindex", "--database-url", &app.url])
        .expect("parses");
    api::cli::execute(cli).await.expect("reindexes");
    let lists = check(&app, &[region]).await;
    assert!(!lists[0].is_empty(), "{lists:?}");
}
