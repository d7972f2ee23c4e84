//! The editorial workflow through the HTTP API with real tokens: create, edit,
//! review, publish, working copies of published items, optimistic versions,
//! revisions, restore, delete and the audit log.
use crate::common::{code, TestApp};
use serde_json::{json, Value};

pub const ME_REGION: &str = "{ regions { id slug } }";

pub const CREATE_COUNTRY: &str = "mutation($i: CountryInput!) { createCountry(input: $i) { id slug iso2 name status version region { slug } priorities { position title } } }";
pub const UPDATE_COUNTRY: &str = "mutation($id: ID!, $v: Int!, $i: CountryInput!) { updateCountry(id: $id, expectedVersion: $v, input: $i) { id name status version workflow { hasUnpublishedChanges } priorities { position title } } }";
pub const SUBMIT: &str = "mutation($id: ID!) { submitForReview(id: $id) { id status version } }";
pub const PUBLISH: &str = "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { id status version publishedAt } }";
pub const PUBLIC_COUNTRY: &str =
    "query($s: String!) { country(slug: $s) { name status priorities { title } } }";
pub const PREVIEW_COUNTRY: &str = "query($s: String!) { country(slug: $s, preview: true) { id name status version workflow { hasUnpublishedChanges } priorities { title } } }";

/// The id of a region of the demo content.
pub async fn region_id(app: &TestApp) -> String {
    let data = app.data(ME_REGION, json!({})).await;
    data["regions"][0]["id"]
        .as_str()
        .expect("a region")
        .to_string()
}

fn country_input(region: &str, slug: &str, iso2: &str, name: &str) -> Value {
    json!({
        "slug": slug, "iso2": iso2, "name": name, "regionId": region,
        "summary": "A test country.",
        "priorities": [{ "title": "Green deal", "body": "Energy." }, { "title": "Governance" }],
        "translations": { "fi": { "name": format!("{name} (fi)") } }
    })
}

/// Creates a country as `token`; returns (id, version).
pub async fn new_country(app: &TestApp, token: &str, slug: &str, iso2: &str) -> (String, i64) {
    let region = region_id(app).await;
    let data = app
        .staff_data(
            token,
            CREATE_COUNTRY,
            json!({ "i": country_input(&region, slug, iso2, "Atlantis") }),
        )
        .await;
    let c = &data["createCountry"];
    (
        c["id"].as_str().expect("id").to_string(),
        c["version"].as_i64().expect("version"),
    )
}

/// Creates, submits and publishes a country; returns its id and version.
pub async fn published_country(
    app: &TestApp,
    editor: &str,
    publisher: &str,
    slug: &str,
    iso2: &str,
) -> (String, i64) {
    let (id, _) = new_country(app, editor, slug, iso2).await;
    app.staff_data(editor, SUBMIT, json!({ "id": id })).await;
    let d = app.publish(publisher, &id).await;
    (id, d["publish"]["version"].as_i64().expect("version"))
}

#[tokio::test]
async fn a_country_goes_from_draft_through_review_to_the_public() {
    let app = TestApp::with_roles().await;
    let (id, version) = new_country(&app, app.editor(), "atlantis", "AT").await;
    assert_eq!(version, 1);

    // A draft is invisible to the public, visible to staff in preview.
    let public = app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await;
    assert_eq!(public["country"], Value::Null);
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(preview["country"]["status"], "DRAFT");
    assert_eq!(preview["country"]["priorities"][1]["title"], "Governance");

    let submitted = app
        .staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    assert_eq!(submitted["submitForReview"]["status"], "IN_REVIEW");
    assert_eq!(submitted["submitForReview"]["version"], 2);
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await["country"],
        Value::Null
    );

    // An editor may not publish.
    let (_, refused) = app
        .as_user(Some(app.editor()), PUBLISH, json!({ "id": id, "v": 2 }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");

    let published = app.publish(app.publisher(), &id).await;
    assert_eq!(published["publish"]["status"], "PUBLISHED");
    assert!(published["publish"]["publishedAt"].is_string());
    let public = app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await;
    assert_eq!(public["country"]["name"], "Atlantis");
    assert_eq!(public["country"]["status"], "PUBLISHED");
    assert_eq!(public["country"]["priorities"][0]["title"], "Green deal");
}

#[tokio::test]
async fn editing_a_published_item_keeps_the_public_version_until_published() {
    let app = TestApp::with_roles().await;
    let (id, version) =
        published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;

    let edited = app
        .staff_data(
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": id, "v": version, "i": {
                "name": "New Atlantis",
                "priorities": [{ "title": "Governance" }, { "title": "Digital" }, { "title": "Green deal" }]
            } }),
        )
        .await;
    let c = &edited["updateCountry"];
    assert_eq!(c["name"], "New Atlantis");
    assert_eq!(c["status"], "DRAFT");
    assert_eq!(c["workflow"]["hasUnpublishedChanges"], true);
    assert_eq!(c["priorities"][2]["title"], "Green deal");

    // The public still reads the published version, priorities included.
    let public = app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await;
    assert_eq!(public["country"]["name"], "Atlantis");
    assert_eq!(public["country"]["status"], "PUBLISHED");
    assert_eq!(public["country"]["priorities"][0]["title"], "Green deal");
    assert_eq!(
        public["country"]["priorities"].as_array().map(Vec::len),
        Some(2)
    );
    // Staff without `preview` read what the public reads.
    let (_, plain) = app
        .as_user(
            Some(app.editor()),
            PUBLIC_COUNTRY,
            json!({ "s": "atlantis" }),
        )
        .await;
    assert_eq!(plain["data"]["country"]["name"], "Atlantis");
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(preview["country"]["name"], "New Atlantis");

    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    app.publish(app.publisher(), &id).await;
    let public = app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await;
    assert_eq!(public["country"]["name"], "New Atlantis");
    let titles: Vec<&str> = public["country"]["priorities"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(titles, ["Governance", "Digital", "Green deal"]);
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(
        preview["country"]["workflow"]["hasUnpublishedChanges"],
        false
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_writes_nothing() {
    let app = TestApp::with_roles().await;
    let (id, version) = new_country(&app, app.editor(), "atlantis", "AT").await;
    app.staff_data(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": version, "i": { "name": "First" } }),
    )
    .await;
    let revisions = app.count("revisions").await;
    let audit = app.count("audit_log").await;
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            UPDATE_COUNTRY,
            json!({ "id": id, "v": version, "i": { "name": "Second" } }),
        )
        .await;
    assert_eq!(code(&resp), "CONFLICT");
    assert_eq!(
        resp["errors"][0]["extensions"]["currentVersion"],
        version + 1
    );
    assert_eq!(app.count("revisions").await, revisions);
    assert_eq!(app.count("audit_log").await, audit);
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(preview["country"]["name"], "First");
}

#[tokio::test]
async fn of_two_concurrent_updates_exactly_one_wins() {
    let app = TestApp::with_roles().await;
    let (id, version) =
        published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    let update = |name: &'static str| {
        app.as_user(
            Some(app.editor()),
            UPDATE_COUNTRY,
            json!({ "id": id, "v": version, "i": { "name": name } }),
        )
    };
    let ((_, a), (_, b)) = tokio::join!(update("Alpha"), update("Beta"));
    let won: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|r| r.get("errors").is_none())
        .collect();
    let lost: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|r| r.get("errors").is_some())
        .collect();
    assert_eq!(won.len(), 1, "exactly one update succeeds: {a:#} {b:#}");
    assert_eq!(lost.len(), 1);
    assert_eq!(code(lost[0]), "CONFLICT");
    assert_eq!(
        lost[0]["errors"][0]["extensions"]["currentVersion"],
        version + 1
    );
    // The winner's data is what is stored; the loser was told, not overwritten.
    let winner = won[0]["data"]["updateCountry"]["name"]
        .as_str()
        .unwrap_or_default();
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(preview["country"]["name"], winner);
    assert_eq!(preview["country"]["version"], version + 1);
}

#[tokio::test]
async fn an_illegal_transition_is_a_conflict_with_a_reason() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "atlantis", "AT").await;
    for (query, who) in [
        (PUBLISH, app.publisher()),
        (
            "mutation($id: ID!) { withdraw(id: $id) { id } }",
            app.editor(),
        ),
        (
            "mutation($id: ID!) { archive(id: $id) { id } }",
            app.publisher(),
        ),
        (
            "mutation($id: ID!) { unpublish(id: $id) { id } }",
            app.publisher(),
        ),
    ] {
        let (_, resp) = app
            .as_user(Some(who), query, json!({ "id": id, "v": 1 }))
            .await;
        assert_eq!(code(&resp), "CONFLICT", "{query}: {resp:#}");
        assert_eq!(
            resp["errors"][0]["extensions"]["reason"],
            "ILLEGAL_TRANSITION"
        );
        assert_eq!(resp["errors"][0]["extensions"]["status"], "DRAFT");
    }
}

#[tokio::test]
async fn reject_withdraw_unpublish_and_archive_move_the_status() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "atlantis", "AT").await;
    let run = |token: &str, q: &'static str, vars: Value| {
        let token = token.to_string();
        let app = &app;
        async move { app.staff_data(&token, q, vars).await }
    };
    run(app.editor(), SUBMIT, json!({ "id": id })).await;
    let r = run(
        app.publisher(),
        "mutation($id: ID!) { reject(id: $id, comment: \"Sources missing\") { status ... on Country { workflow { reviewComment } } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(r["reject"]["status"], "DRAFT");
    assert_eq!(r["reject"]["workflow"]["reviewComment"], "Sources missing");
    run(app.editor(), SUBMIT, json!({ "id": id })).await;
    let w = run(
        app.editor(),
        "mutation($id: ID!) { withdraw(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(w["withdraw"]["status"], "DRAFT");
    run(app.editor(), SUBMIT, json!({ "id": id })).await;
    app.publish(app.publisher(), &id).await;
    let a = run(
        app.publisher(),
        "mutation($id: ID!) { archive(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(a["archive"]["status"], "ARCHIVED");
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await["country"],
        Value::Null
    );
    // Editing an archived item makes it a draft again.
    let preview = run(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" })).await;
    let v = preview["country"]["version"].clone();
    let e = run(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": v, "i": { "name": "Back" } }),
    )
    .await;
    assert_eq!(e["updateCountry"]["status"], "DRAFT");
    run(app.editor(), SUBMIT, json!({ "id": id })).await;
    app.publish(app.publisher(), &id).await;
    let u = run(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(u["unpublish"]["status"], "DRAFT");
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await["country"],
        Value::Null
    );
}

#[tokio::test]
async fn validation_errors_name_the_field_and_write_nothing() {
    let app = TestApp::with_roles().await;
    let region = region_id(&app).await;
    let countries = app.count("countries").await;
    let audit = app.count("audit_log").await;
    let cases = [
        (
            json!({ "slug": "Bad Slug", "iso2": "AT", "name": "X", "regionId": region }),
            "input.slug",
        ),
        (
            json!({ "slug": "x", "iso2": "ATL", "name": "X", "regionId": region }),
            "input.iso2",
        ),
        (
            json!({ "slug": "x", "iso2": "AT", "name": " ", "regionId": region }),
            "input.name",
        ),
        (
            json!({ "slug": "x", "iso2": "AT", "name": "X" }),
            "input.regionId",
        ),
        (
            json!({ "slug": "x", "iso2": "AT", "name": "X", "regionId": "bm90LWFuLWlk" }),
            "input.regionId",
        ),
        (
            json!({ "slug": "x", "iso2": "AT", "name": "X", "regionId": region, "priorities": [{ "title": "" }] }),
            "input.priorities[0].title",
        ),
        (
            json!({ "slug": "x", "iso2": "AT", "name": "X", "regionId": region, "translations": { "fi": { "iso2": "x" } } }),
            "input.translations.fi.iso2",
        ),
    ];
    for (input, field) in cases {
        let (_, resp) = app
            .as_user(Some(app.editor()), CREATE_COUNTRY, json!({ "i": input }))
            .await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{input}: {resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp:#}");
    }
    // A referenced item that does not exist.
    let ghost = base64_id("Region:99999");
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            CREATE_COUNTRY,
            json!({ "i": { "slug": "x", "iso2": "AT", "name": "X", "regionId": ghost } }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "input.regionId");
    // A slug already taken.
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            CREATE_COUNTRY,
            json!({ "i": { "slug": "peru", "iso2": "AT", "name": "X", "regionId": region } }),
        )
        .await;
    assert_eq!(code(&resp), "CONFLICT");
    assert_eq!(app.count("countries").await, countries);
    assert_eq!(app.count("audit_log").await, audit);

    // Programmes: period and budget.
    let (peru, _) = country_id_version(&app, app.editor(), "peru").await;
    let programme = |extra: Value| {
        let mut input = json!({
            "slug": "p", "title": "P", "kind": "MIP", "countryIds": [peru],
            "periodStart": 2021, "periodEnd": 2024,
            "budget": { "amount": "10.00", "currency": "EUR" }
        });
        if let (Some(o), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        input
    };
    for (extra, field) in [
        (json!({ "periodEnd": 2020 }), "input.periodStart"),
        (
            json!({ "budget": { "amount": "-1.00", "currency": "EUR" } }),
            "input.budget.amount",
        ),
        (
            json!({ "budget": { "amount": "1.00", "currency": "euro" } }),
            "input.budget.currency",
        ),
        (json!({ "countryIds": [] }), "input.countryIds"),
    ] {
        let (_, resp) = app
            .as_user(
                Some(app.editor()),
                "mutation($i: ProgrammeInput!) { createProgramme(input: $i) { id } }",
                json!({ "i": programme(extra) }),
            )
            .await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp:#}");
    }
    // Documents: language.
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }",
            json!({ "i": { "slug": "d", "title": "D", "publishedOn": "2024-01-02", "language": "english", "countryIds": [peru] } }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "input.language");
}

pub fn base64_id(raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Id and version of a country (preview) by slug.
pub async fn country_id_version(app: &TestApp, token: &str, slug: &str) -> (String, i64) {
    let d = app
        .staff_data(token, PREVIEW_COUNTRY, json!({ "s": slug }))
        .await;
    (
        d["country"]["id"].as_str().expect("id").to_string(),
        d["country"]["version"].as_i64().expect("version"),
    )
}

#[tokio::test]
async fn relations_are_editable_and_reordered() {
    let app = TestApp::with_roles().await;
    let (peru, _) = country_id_version(&app, app.editor(), "peru").await;
    let (atl, _) = published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    let created = app
        .staff_data(
            app.editor(),
            "mutation($i: ProgrammeInput!) { createProgramme(input: $i) { id version budget { amount currency } countries { slug } priorityAreas { position title } } }",
            json!({ "i": {
                "slug": "regional-facility", "title": "Regional facility", "kind": "SUPPORT_MEASURE",
                "countryIds": [peru, atl], "periodStart": 2021, "periodEnd": 2027,
                "budget": { "amount": "1234567.89", "currency": "EUR" },
                "priorityAreas": [{ "title": "A" }, { "title": "B" }]
            } }),
        )
        .await;
    let p = &created["createProgramme"];
    assert_eq!(p["budget"]["amount"], "1234567.89");
    assert_eq!(p["countries"][0]["slug"], "peru");
    assert_eq!(p["countries"][1]["slug"], "atlantis");
    let pid = p["id"].as_str().expect("id").to_string();
    let updated = app
        .staff_data(
            app.editor(),
            "mutation($id: ID!, $v: Int!, $i: ProgrammeInput!) { updateProgramme(id: $id, expectedVersion: $v, input: $i) { countries { slug } priorityAreas { position title } } }",
            json!({ "id": pid, "v": p["version"], "i": {
                "countryIds": [atl],
                "priorityAreas": [{ "title": "B" }, { "title": "C" }, { "title": "A" }]
            } }),
        )
        .await;
    let u = &updated["updateProgramme"];
    assert_eq!(u["countries"], json!([{ "slug": "atlantis" }]));
    assert_eq!(
        u["priorityAreas"][0],
        json!({ "position": 1, "title": "B" })
    );
    assert_eq!(
        u["priorityAreas"][2],
        json!({ "position": 3, "title": "A" })
    );

    // A document's programme and countries.
    let doc = app
        .staff_data(
            app.editor(),
            "mutation($i: DocumentInput!) { createDocument(input: $i) { id version programme { slug } countries { slug } mediaType } }",
            json!({ "i": {
                "slug": "facility-report", "title": "Facility report", "publishedOn": "2024-05-06",
                "language": "en", "countryIds": [peru, atl], "programmeId": pid
            } }),
        )
        .await;
    let d = &doc["createDocument"];
    assert_eq!(d["programme"]["slug"], "regional-facility");
    // No file yet: no file facts.
    assert_eq!(d["mediaType"], serde_json::Value::Null);
    let changed = app
        .staff_data(
            app.editor(),
            "mutation($id: ID!, $v: Int!, $i: DocumentInput!) { updateDocument(id: $id, expectedVersion: $v, input: $i) { programme { slug } countries { slug } } }",
            json!({ "id": d["id"], "v": d["version"], "i": { "programmeId": null, "countryIds": [atl, peru] } }),
        )
        .await;
    assert_eq!(changed["updateDocument"]["programme"], Value::Null);
    assert_eq!(
        changed["updateDocument"]["countries"],
        json!([{ "slug": "atlantis" }, { "slug": "peru" }])
    );
}

#[tokio::test]
async fn revisions_come_a_page_at_a_time() {
    // Each revision is a whole snapshot: an item saved a thousand times must not
    // answer with all of them at once.
    let app = TestApp::with_roles()
        .config(|c| (c.default_page_size, c.max_page_size) = (3, 4))
        .await;
    let (id, mut v) = new_country(&app, app.editor(), "atlantis", "AT").await;
    for i in 0..6 {
        let d = app
            .staff_data(
                app.editor(),
                "mutation($id: ID!, $v: Int!, $i: CountryInput!) { updateCountry(id: $id, expectedVersion: $v, input: $i) { version } }",
                json!({ "id": id, "v": v, "i": { "name": format!("Name {i}") } }),
            )
            .await;
        v = d["updateCountry"]["version"].as_i64().unwrap_or_default();
    }
    assert_eq!(v, 7);
    let page = |first: Option<i64>, before: Option<i64>| {
        let (app, token, id) = (&app, app.editor(), id.clone());
        async move {
            app.as_user(
                Some(token),
                "query($id: ID!, $f: Int, $b: Int) { revisions(id: $id, first: $f, beforeVersion: $b) { version } }",
                json!({ "id": id, "f": first, "b": before }),
            )
            .await
            .1
        }
    };
    let versions = |r: &Value| -> Vec<i64> {
        r["data"]["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["version"].as_i64())
            .collect()
    };
    // The default page, then the rest by the last version seen.
    assert_eq!(versions(&page(None, None).await), vec![7, 6, 5]);
    assert_eq!(versions(&page(Some(4), Some(5)).await), vec![4, 3, 2, 1]);
    assert_eq!(versions(&page(Some(4), Some(1)).await), Vec::<i64>::new());
    for bad in [0, -1, 5] {
        let r = page(Some(bad), None).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "first: {bad}: {r}");
    }
}

#[tokio::test]
async fn revisions_are_listed_compared_and_restored() {
    let app = TestApp::with_roles().await;
    let (id, v1) = new_country(&app, app.editor(), "atlantis", "AT").await;
    app.staff_data(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": v1, "i": { "name": "Renamed", "priorities": [{ "title": "Only one" }] } }),
    )
    .await;
    let revs = app
        .staff_data(
            app.editor(),
            "query($id: ID!) { revisions(id: $id) { id version status action changedBy { id name } createdAt snapshot } }",
            json!({ "id": id }),
        )
        .await;
    let list = revs["revisions"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["action"], "UPDATE");
    assert_eq!(list[1]["action"], "CREATE");
    assert_eq!(list[1]["changedBy"]["name"], "editor@example.org");
    assert_eq!(list[1]["snapshot"]["name"], "Atlantis");
    let diff = app
        .staff_data(
            app.editor(),
            "query($a: ID!, $b: ID!) { compareRevisions(from: $a, to: $b) { field before after } }",
            json!({ "a": list[1]["id"], "b": list[0]["id"] }),
        )
        .await;
    let changes = diff["compareRevisions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fields: Vec<&str> = changes.iter().filter_map(|c| c["field"].as_str()).collect();
    assert!(fields.contains(&"name"), "{fields:?}");
    assert!(fields.contains(&"priorities[0].title"), "{fields:?}");
    assert!(fields.contains(&"priorities[1]"), "{fields:?}");
    let name = changes
        .iter()
        .find(|c| c["field"] == "name")
        .cloned()
        .unwrap_or_default();
    assert_eq!(name["before"], "Atlantis");
    assert_eq!(name["after"], "Renamed");

    // An editor may not restore; a publisher may, and gets a new draft.
    let restore = "mutation($r: ID!) { restoreRevision(revisionId: $r) { status version ... on Country { name } } }";
    let (_, refused) = app
        .as_user(Some(app.editor()), restore, json!({ "r": list[1]["id"] }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let restored = app
        .staff_data(app.publisher(), restore, json!({ "r": list[1]["id"] }))
        .await;
    assert_eq!(restored["restoreRevision"]["name"], "Atlantis");
    assert_eq!(restored["restoreRevision"]["status"], "DRAFT");
    assert_eq!(restored["restoreRevision"]["version"], 3);
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(
        preview["country"]["priorities"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn delete_is_admin_only_and_refused_while_referenced() {
    let app = TestApp::with_roles().await;
    let delete = "mutation($id: ID!) { deleteContent(id: $id) }";
    let (peru, _) = country_id_version(&app, app.admin(), "peru").await;
    let (_, refused) = app
        .as_user(Some(app.publisher()), delete, json!({ "id": peru }))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let (_, referenced) = app
        .as_user(Some(app.admin()), delete, json!({ "id": peru }))
        .await;
    assert_eq!(code(&referenced), "CONFLICT", "{referenced:#}");

    let (id, _) = published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    let gone = app
        .staff_data(app.admin(), delete, json!({ "id": id }))
        .await;
    assert_eq!(gone["deleteContent"], id.as_str());
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await["country"],
        Value::Null
    );
    let (_, again) = app
        .as_user(Some(app.admin()), delete, json!({ "id": id }))
        .await;
    assert_eq!(code(&again), "NOT_FOUND");
    let revs = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { revisions(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(revs["revisions"], json!([]));
    let log = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { auditLog(filter: { itemId: $id }) { nodes { action before after } } }",
            json!({ "id": id }),
        )
        .await;
    let first = &log["auditLog"]["nodes"][0];
    assert_eq!(first["action"], "DELETE");
    assert_eq!(first["before"]["data"]["slug"], "atlantis");
    assert_eq!(first["after"], Value::Null);
}

#[tokio::test]
async fn the_audit_log_records_every_change_and_pages_with_filters() {
    let app = TestApp::with_roles().await;
    let (id, _) = published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    let q = "query($f: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) { nodes { id action actor { id name } actorRole targetType targetId before after at } hasNextPage endCursor } }";
    let (_, refused) = app.as_user(Some(app.publisher()), q, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let (_, anon) = app.as_user(None, q, json!({})).await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");

    let all = app
        .staff_data(app.admin(), q, json!({ "f": { "itemId": id } }))
        .await;
    let actions: Vec<&str> = all["auditLog"]["nodes"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions, ["PUBLISH", "SUBMIT_FOR_REVIEW", "CREATE"]);
    let publish = &all["auditLog"]["nodes"][0];
    assert_eq!(publish["actor"]["name"], "publisher@example.org");
    assert_eq!(publish["actorRole"], "PUBLISHER");
    assert_eq!(publish["targetType"], "COUNTRY");
    assert_eq!(publish["targetId"], id);
    assert_eq!(publish["before"]["status"], "IN_REVIEW");
    assert_eq!(publish["after"]["status"], "PUBLISHED");

    // Paging by one, filtered by user.
    let editor_id = all["auditLog"]["nodes"][2]["actor"]["id"].clone();
    let page1 = app
        .staff_data(
            app.admin(),
            q,
            json!({ "f": { "userId": editor_id }, "first": 1 }),
        )
        .await;
    assert_eq!(page1["auditLog"]["hasNextPage"], true);
    assert_eq!(page1["auditLog"]["nodes"][0]["action"], "SUBMIT_FOR_REVIEW");
    let page2 = app
        .staff_data(
            app.admin(),
            q,
            json!({ "f": { "userId": editor_id }, "first": 1, "after": page1["auditLog"]["endCursor"] }),
        )
        .await;
    assert_eq!(page2["auditLog"]["nodes"][0]["action"], "CREATE");
    assert_eq!(page2["auditLog"]["hasNextPage"], false);
    // A time range in the future finds nothing.
    let none = app
        .staff_data(
            app.admin(),
            q,
            json!({ "f": { "since": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(none["auditLog"]["nodes"], json!([]));
}

#[tokio::test]
async fn concurrent_writers_wait_for_each_other_instead_of_failing() {
    let app = TestApp::with_roles().await;
    let region = region_id(&app).await;
    let create = |i: usize| {
        let input = country_input(&region, &format!("busy-{i}"), &format!("Q{i}"), "Busy");
        app.as_user(Some(app.editor()), CREATE_COUNTRY, json!({ "i": input }))
    };
    let results = futures_util::future::join_all((0..8).map(create)).await;
    for (_, resp) in &results {
        assert!(resp.get("errors").is_none(), "{resp:#}");
    }
    let d = app
        .staff_data(
            app.editor(),
            "{ countries(preview: true, filter: { status: [DRAFT] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["countries"]["totalCount"], 8);
}

#[tokio::test]
async fn working_copies_keep_the_public_version_number_and_their_keys() {
    let app = TestApp::with_roles().await;
    let (id, version) =
        published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    let public_version = "{ country(slug: \"atlantis\") { version } }";
    assert_eq!(
        app.data(public_version, json!({})).await["country"]["version"],
        version
    );
    app.staff_data(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": version, "i": { "slug": "new-atlantis", "iso2": "NA" } }),
    )
    .await;
    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    // The public sees neither the edit nor the review in the version number.
    assert_eq!(
        app.data(public_version, json!({})).await["country"]["version"],
        version
    );
    // The working copy's slug and code are taken, though not published yet.
    let region = region_id(&app).await;
    for input in [
        country_input(&region, "new-atlantis", "ZZ", "Copycat"),
        country_input(&region, "copycat", "NA", "Copycat"),
    ] {
        let (_, resp) = app
            .as_user(Some(app.editor()), CREATE_COUNTRY, json!({ "i": input }))
            .await;
        assert_eq!(code(&resp), "CONFLICT", "{resp:#}");
    }
}

#[tokio::test]
async fn an_edit_during_review_sends_the_item_back_to_draft() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "atlantis", "AT").await;
    let submitted = app
        .staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    let v = submitted["submitForReview"]["version"].clone();
    let edited = app
        .staff_data(
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": id, "v": v, "i": { "name": "Unreviewed" } }),
        )
        .await;
    assert_eq!(edited["updateCountry"]["status"], "DRAFT");
    // What the publisher reviewed is not what is there now: no publishing it.
    let (_, resp) = app
        .as_user(Some(app.publisher()), PUBLISH, json!({ "id": id, "v": v }))
        .await;
    assert_eq!(code(&resp), "CONFLICT");
    assert_eq!(
        resp["errors"][0]["extensions"]["currentVersion"],
        edited["updateCountry"]["version"]
    );
}

#[tokio::test]
async fn archiving_keeps_the_published_content_not_the_unreviewed_copy() {
    let app = TestApp::with_roles().await;
    let (id, version) =
        published_country(&app, app.editor(), app.publisher(), "atlantis", "AT").await;
    app.staff_data(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": version, "i": { "name": "Half-written" } }),
    )
    .await;
    let a = app
        .staff_data(
            app.publisher(),
            "mutation($id: ID!) { archive(id: $id) { status ... on Country { name workflow { hasUnpublishedChanges } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(a["archive"]["status"], "ARCHIVED");
    assert_eq!(a["archive"]["name"], "Atlantis");
    assert_eq!(a["archive"]["workflow"]["hasUnpublishedChanges"], false);
    // The working copy is still in the revisions.
    let revs = app
        .staff_data(
            app.editor(),
            "query($id: ID!) { revisions(id: $id) { action snapshot } }",
            json!({ "id": id }),
        )
        .await;
    let list = revs["revisions"].as_array().cloned().unwrap_or_default();
    assert!(list.iter().any(|r| r["snapshot"]["name"] == "Half-written"));
    assert_eq!(list[0]["action"], "ARCHIVE");
    assert_eq!(list[0]["snapshot"]["name"], "Atlantis");
}

#[tokio::test]
async fn cached_totals_follow_changes_made_by_another_process() {
    let app = TestApp::with_roles().await;
    // A second process on the same database, with its own caches.
    let db = api::db::Db::connect(&app.url, Some(2))
        .await
        .expect("second pool");
    let other = api::state::AppState::new(db, crate::common::test_config()).expect("state");
    let other_schema = api::graphql::build_schema(other.clone());
    let admin = api::users::viewer_of(&other, app.admin())
        .await
        .expect("viewer");
    let run_other = |query: String, variables: Value| {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let request = api::graphql::prepare(
            &other,
            request,
            admin.clone(),
            Default::default(),
            Default::default(),
        );
        let schema = other_schema.clone();
        let state = other.clone();
        async move {
            let resp = serde_json::to_value(api::graphql::execute(&schema, &state, request).await)
                .expect("json");
            assert!(resp.get("errors").is_none(), "{resp:#}");
            resp["data"].clone()
        }
    };
    let total =
        "{ documents(filter: { region: \"latin-america-and-the-caribbean\" }) { totalCount } }";
    let count = |d: Value| d["documents"]["totalCount"].as_i64().unwrap_or(-1);
    assert_eq!(count(app.data(total, json!({})).await), 4);
    assert_eq!(
        count(app.data(total, json!({})).await),
        4,
        "served from the cache"
    );

    let (peru, _) = country_id_version(&app, app.admin(), "peru").await;
    let created = run_other(
        "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }".into(),
        json!({ "i": { "slug": "late-report", "title": "Late report", "publishedOn": "2025-02-03",
            "language": "en", "countryIds": [peru] } }),
    )
    .await;
    let id = created["createDocument"]["id"].clone();
    let submitted = run_other(
        "mutation($id: ID!) { submitForReview(id: $id) { id version } }".into(),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        count(app.data(total, json!({})).await),
        4,
        "a draft does not count"
    );
    run_other(
        "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { id } }".into(),
        json!({ "id": id, "v": submitted["submitForReview"]["version"] }),
    )
    .await;
    assert_eq!(
        count(app.data(total, json!({})).await),
        5,
        "the other process's publish counts at once"
    );
    run_other(
        "mutation($id: ID!) { archive(id: $id) { id } }".into(),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(count(app.data(total, json!({})).await), 4);
    // Staff previews count drafts, with their own cache entries.
    let preview = app
        .staff_data(
            app.editor(),
            "{ documents(preview: true) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count(preview), 5);
}

#[tokio::test]
async fn editorial_error_paths_are_coded_and_write_nothing() {
    let app = TestApp::with_roles().await;
    let (atl, v) = new_country(&app, app.editor(), "atlantis", "AT").await;
    let (other, _) = new_country(&app, app.editor(), "lemuria", "LM").await;
    let revs = app
        .staff_data(
            app.editor(),
            "query($id: ID!) { revisions(id: $id) { id } }",
            json!({ "id": other }),
        )
        .await;
    let own = app
        .staff_data(
            app.editor(),
            "query($id: ID!) { revisions(id: $id) { id } }",
            json!({ "id": atl }),
        )
        .await;
    let programme = app
        .data(
            "{ programme(slug: \"mip-2021-2024-peru\") { id } }",
            json!({}),
        )
        .await["programme"]["id"]
        .clone();
    let written = || async {
        (
            app.count("audit_log").await,
            app.count("revisions").await,
            app.count("users").await,
        )
    };
    let before = written().await;
    let cases: Vec<(&str, &str, Value, &str, Option<&str>)> = vec![
        (
            app.publisher(),
            "mutation($r: ID!) { restoreRevision(revisionId: $r) { id } }",
            json!({ "r": base64_id("Revision:999999") }),
            "NOT_FOUND",
            None,
        ),
        (
            app.publisher(),
            "mutation($r: ID!) { restoreRevision(revisionId: $r) { id } }",
            json!({ "r": "not-a-revision" }),
            "BAD_USER_INPUT",
            Some("revisionId"),
        ),
        (
            app.editor(),
            "query($a: ID!, $b: ID!) { compareRevisions(from: $a, to: $b) { field } }",
            json!({ "a": own["revisions"][0]["id"], "b": revs["revisions"][0]["id"].clone() }),
            "BAD_USER_INPUT",
            Some("to"),
        ),
        (
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": programme, "v": 1, "i": { "name": "X" } }),
            "BAD_USER_INPUT",
            Some("id"),
        ),
        (
            app.editor(),
            UPDATE_COUNTRY,
            json!({ "id": base64_id("Country:999999"), "v": 1, "i": { "name": "X" } }),
            "NOT_FOUND",
            None,
        ),
        (
            app.publisher(),
            "mutation($id: ID!) { reject(id: $id, comment: \"  \") { id } }",
            json!({ "id": atl }),
            "BAD_USER_INPUT",
            Some("comment"),
        ),
        (
            app.editor(),
            "mutation($id: ID!, $v: Int!) { updateProgramme(id: $id, expectedVersion: $v, input: { budget: { amount: \"79228162514264337593543950335\", currency: \"EUR\" } }) { id } }",
            json!({ "id": programme, "v": 1 }),
            "BAD_USER_INPUT",
            Some("input.budget.amount"),
        ),
        (
            app.admin(),
            "{ auditLog(first: 0) { hasNextPage } }",
            json!({}),
            "BAD_USER_INPUT",
            Some("first"),
        ),
        (
            app.admin(),
            "{ auditLog(after: \"x\") { hasNextPage } }",
            json!({}),
            "BAD_USER_INPUT",
            Some("after"),
        ),
        (
            app.admin(),
            "mutation { setUserRole(id: \"no-such-user\", role: ADMIN) { id } }",
            json!({}),
            "NOT_FOUND",
            None,
        ),
        (
            app.admin(),
            "mutation { createUser(input: { email: \"not-an-email\", role: EDITOR, password: \"long enough password\" }) { id } }",
            json!({}),
            "BAD_USER_INPUT",
            Some("input.email"),
        ),
        (
            app.editor(),
            "{ search(query: \"peru\", after: \"c2VhcmNoOjk5OTk5OTk5OTk5\") { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
            Some("after"),
        ),
    ];
    for (token, query, vars, expected, field) in cases {
        let (_, resp) = app.as_user(Some(token), query, vars).await;
        assert_eq!(code(&resp), expected, "{query}: {resp:#}");
        if let Some(f) = field {
            assert_eq!(
                resp["errors"][0]["extensions"]["field"], f,
                "{query}: {resp:#}"
            );
        }
    }
    assert_eq!(written().await, before, "a refused call wrote something");
    // The item is as it was.
    let preview = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": "atlantis" }))
        .await;
    assert_eq!(preview["country"]["version"], v);
    assert_eq!(preview["country"]["status"], "DRAFT");
}

#[tokio::test]
async fn a_publisher_cannot_publish_a_version_they_did_not_review() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "atlantis", "AT").await;
    let submitted = app
        .staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    // The publisher opens version N ...
    let reviewed = submitted["submitForReview"]["version"].as_i64().expect("v");
    // ... meanwhile the editor withdraws, edits and resubmits (N + 3).
    app.staff_data(
        app.editor(),
        "mutation($id: ID!) { withdraw(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    app.staff_data(
        app.editor(),
        UPDATE_COUNTRY,
        json!({ "id": id, "v": reviewed + 1, "i": { "name": "Not reviewed" } }),
    )
    .await;
    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    let current = reviewed + 3;
    let before = crate::permissions::fingerprint(&app).await;
    // Publishing, scheduling and rejecting what was reviewed are all refused.
    for (query, vars) in [
        (PUBLISH, json!({ "id": id, "v": reviewed })),
        (
            "mutation($id: ID!, $v: Int!) { schedulePublish(id: $id, at: \"2999-01-01T00:00:00Z\", expectedVersion: $v) { id } }",
            json!({ "id": id, "v": reviewed }),
        ),
        (
            "mutation($id: ID!, $v: Int!) { reject(id: $id, comment: \"No\", expectedVersion: $v) { id } }",
            json!({ "id": id, "v": reviewed }),
        ),
    ] {
        let (_, resp) = app.as_user(Some(app.publisher()), query, vars).await;
        assert_eq!(code(&resp), "CONFLICT", "{query}: {resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["currentVersion"], current);
    }
    assert_eq!(crate::permissions::fingerprint(&app).await, before);
    // A publish without the version is not even valid GraphQL any more.
    let (_, resp) = app
        .as_user(
            Some(app.publisher()),
            "mutation($id: ID!) { publish(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(crate::permissions::fingerprint(&app).await, before);
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "atlantis" })).await["country"],
        Value::Null
    );
    // Published at the version now in review, after reviewing it.
    let published = app
        .staff_data(app.publisher(), PUBLISH, json!({ "id": id, "v": current }))
        .await;
    assert_eq!(published["publish"]["status"], "PUBLISHED");

    // Unpublish and archive check a version when given one.
    let now = published["publish"]["version"].as_i64().expect("v");
    let before = crate::permissions::fingerprint(&app).await;
    for action in ["unpublish", "archive"] {
        let (_, resp) = app
            .as_user(
                Some(app.publisher()),
                &format!("mutation($id: ID!, $v: Int) {{ {action}(id: $id, expectedVersion: $v) {{ id }} }}"),
                json!({ "id": id, "v": now - 1 }),
            )
            .await;
        assert_eq!(code(&resp), "CONFLICT", "{action}: {resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["currentVersion"], now);
    }
    assert_eq!(crate::permissions::fingerprint(&app).await, before);
    let archived = app
        .staff_data(
            app.publisher(),
            "mutation($id: ID!, $v: Int) { archive(id: $id, expectedVersion: $v) { status } }",
            json!({ "id": id, "v": now }),
        )
        .await;
    assert_eq!(archived["archive"]["status"], "ARCHIVED");
}

#[tokio::test]
async fn document_urls_must_be_http_or_https() {
    let app = TestApp::with_roles().await;
    let peru = app.country_id(app.editor(), "peru").await;
    let create = "mutation($i: DocumentInput!) { createDocument(input: $i) { id version sourceUrl downloadUrl } }";
    let input = |url: &str| {
        json!({ "i": { "slug": "linked", "title": "Linked", "publishedOn": "2024-01-01", "language": "en",
            "countryIds": [peru], "sourceUrl": url } })
    };
    let before = crate::permissions::fingerprint(&app).await;
    for bad in [
        "javascript:alert(document.cookie)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "//evil.example/x.pdf",
    ] {
        let (_, resp) = app.as_user(Some(app.editor()), create, input(bad)).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{bad}: {resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "input.sourceUrl");
    }
    assert_eq!(crate::permissions::fingerprint(&app).await, before);
    let made = app
        .staff_data(
            app.editor(),
            create,
            input("https://example.org/report.pdf"),
        )
        .await;
    assert_eq!(
        made["createDocument"]["sourceUrl"],
        "https://example.org/report.pdf"
    );
    // A link elsewhere is not a file here: no download.
    assert_eq!(made["createDocument"]["downloadUrl"], json!(null));
    // An update is held to the same rule.
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            "mutation($id: ID!, $v: Int!) { updateDocument(id: $id, expectedVersion: $v, input: { sourceUrl: \"javascript:void(0)\" }) { id } }",
            json!({ "id": made["createDocument"]["id"], "v": made["createDocument"]["version"] }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "input.sourceUrl");
}

#[tokio::test]
async fn audit_actions_and_targets_are_enums_in_the_schema() {
    let app = TestApp::new().await;
    let q = r#"{ t: __type(name: "AuditEntry") { fields { name type { kind ofType { kind name } } } }
        a: __type(name: "AuditAction") { enumValues { name } }
        g: __type(name: "AuditTarget") { enumValues { name } } }"#;
    let data = app.data(q, json!({})).await;
    let field = |name: &str| {
        data["t"]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == name))
            .map(|f| f["type"]["ofType"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        field("action"),
        json!({ "kind": "ENUM", "name": "AuditAction" })
    );
    assert_eq!(
        field("targetType"),
        json!({ "kind": "ENUM", "name": "AuditTarget" })
    );
    let names = |key: &str| -> Vec<String> {
        data[key]["enumValues"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|e| e["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    for action in [
        "CREATE",
        "PUBLISH",
        "SCHEDULE_DROPPED",
        "CREATE_USER",
        "RESET_PASSWORD",
    ] {
        assert!(names("a").iter().any(|n| n == action), "{action}");
    }
    // Every registered content type, then staff accounts.
    let mut targets: Vec<String> = api::content::Kind::ALL
        .iter()
        .map(|k| k.type_name().to_uppercase())
        .collect();
    targets.push("USER".into());
    assert_eq!(names("g"), targets);
}
