//! An editor's day: imported content can be restored, a working copy can be
//! discarded, an unpublication can be scheduled (and run once, whatever the
//! number of job runners), a restore back to the published content leaves no
//! working copy, illegal steps say what is allowed, and the editorial queue
//! shows what waits, across content types.
use crate::common::{code, TestApp};
use crate::workflow::{new_country, PREVIEW_COUNTRY, PUBLIC_COUNTRY, SUBMIT};
use api::db::Db;
use api::workflow::scheduler::publish_due;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

const REVISIONS: &str = "query($id: ID!) { revisions(id: $id) { id version status action } }";
const RENAME: &str = "mutation($id: ID!, $v: Int!, $n: String!) { updateCountry(id: $id, expectedVersion: $v, input: { name: $n }) { version workflow { hasUnpublishedChanges } } }";
const RESTORE: &str = "mutation($r: ID!) { restoreRevision(revisionId: $r) { status version ... on Country { name workflow { hasUnpublishedChanges } } } }";
const DISCARD: &str = "mutation($id: ID!, $v: Int!) { discardChanges(id: $id, expectedVersion: $v) { status version ... on Country { name workflow { hasUnpublishedChanges } } } }";

async fn peru(app: &TestApp, token: &str) -> (Value, i64, String) {
    let d = app
        .staff_data(token, PREVIEW_COUNTRY, json!({ "s": "peru" }))
        .await;
    (
        d["country"]["id"].clone(),
        d["country"]["version"].as_i64().expect("version"),
        d["country"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn demo_content_has_a_first_revision_that_can_be_restored() {
    let app = TestApp::with_roles().await;
    let (id, v, name) = peru(&app, app.publisher()).await;
    assert_eq!(name, "Peru");
    let revs = app
        .staff_data(app.publisher(), REVISIONS, json!({ "id": id }))
        .await;
    let first = revs["revisions"].as_array().cloned().unwrap_or_default();
    assert_eq!(first.len(), 1, "{revs:#}");
    assert_eq!(first[0]["action"], "IMPORT");
    assert_eq!(first[0]["version"], 1);
    assert_eq!(first[0]["status"], "PUBLISHED");
    // An IMPORT entry in the audit log, per item.
    let log = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { auditLog(filter: { itemId: $id }) { nodes { action actor { name } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(log["auditLog"]["nodes"][0]["action"], "IMPORT", "{log:#}");
    // Peru renamed and published, then the original restored and published.
    app.staff_data(
        app.publisher(),
        RENAME,
        json!({ "id": id, "v": v, "n": "Perú (edited)" }),
    )
    .await;
    app.submit_and_publish(app.publisher(), id.as_str().unwrap_or_default())
        .await;
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "peru" })).await["country"]["name"],
        "Perú (edited)"
    );
    let restored = app
        .staff_data(app.publisher(), RESTORE, json!({ "r": first[0]["id"] }))
        .await;
    assert_eq!(restored["restoreRevision"]["name"], "Peru");
    assert_eq!(
        restored["restoreRevision"]["workflow"]["hasUnpublishedChanges"],
        true
    );
    app.submit_and_publish(app.publisher(), id.as_str().unwrap_or_default())
        .await;
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "peru" })).await["country"]["name"],
        "Peru"
    );
}

#[tokio::test]
async fn restoring_what_the_public_sees_leaves_no_working_copy() {
    let app = TestApp::with_roles().await;
    let (id, v, _) = peru(&app, app.publisher()).await;
    let edited = app
        .staff_data(
            app.publisher(),
            RENAME,
            json!({ "id": id, "v": v, "n": "Draft name" }),
        )
        .await;
    assert_eq!(
        edited["updateCountry"]["workflow"]["hasUnpublishedChanges"],
        true
    );
    let revs = app
        .staff_data(app.publisher(), REVISIONS, json!({ "id": id }))
        .await;
    let import = revs["revisions"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["action"] == "IMPORT"))
        .cloned()
        .expect("the import revision");
    let restored = app
        .staff_data(app.publisher(), RESTORE, json!({ "r": import["id"] }))
        .await;
    assert_eq!(restored["restoreRevision"]["name"], "Peru");
    assert_eq!(restored["restoreRevision"]["status"], "PUBLISHED");
    assert_eq!(
        restored["restoreRevision"]["workflow"]["hasUnpublishedChanges"], false,
        "{restored:#}"
    );
    // The version still moved on, past the working copy's.
    assert_eq!(restored["restoreRevision"]["version"], v + 2);
    // So does an edit back to the published text.
    let (_, v, _) = peru(&app, app.publisher()).await;
    let edited = app
        .staff_data(
            app.publisher(),
            RENAME,
            json!({ "id": id, "v": v, "n": "Peru" }),
        )
        .await;
    assert_eq!(
        edited["updateCountry"]["workflow"]["hasUnpublishedChanges"],
        false
    );
}

#[tokio::test]
async fn a_working_copy_can_be_discarded() {
    let app = TestApp::with_roles().await;
    let (id, v, _) = peru(&app, app.editor()).await;
    app.staff_data(
        app.editor(),
        RENAME,
        json!({ "id": id, "v": v, "n": "Not this" }),
    )
    .await;
    // A stale version is a conflict, and nothing is dropped.
    let (_, stale) = app
        .as_user(Some(app.editor()), DISCARD, json!({ "id": id, "v": v }))
        .await;
    assert_eq!(code(&stale), "CONFLICT", "{stale:#}");
    assert_eq!(peru(&app, app.editor()).await.2, "Not this");
    let d = app
        .staff_data(app.editor(), DISCARD, json!({ "id": id, "v": v + 1 }))
        .await;
    assert_eq!(d["discardChanges"]["name"], "Peru");
    assert_eq!(d["discardChanges"]["status"], "PUBLISHED");
    assert_eq!(
        d["discardChanges"]["workflow"]["hasUnpublishedChanges"],
        false
    );
    assert_eq!(d["discardChanges"]["version"], v + 2);
    // The discarded copy stays in the revisions; the action is recorded.
    let revs = app
        .staff_data(app.editor(), REVISIONS, json!({ "id": id }))
        .await;
    let actions: Vec<&str> = revs["revisions"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions, ["DISCARD", "UPDATE", "IMPORT"]);
    // Nothing left to discard: the error says what is allowed.
    let (_, again) = app
        .as_user(Some(app.editor()), DISCARD, json!({ "id": id, "v": v + 2 }))
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again:#}");
    assert_eq!(
        again["errors"][0]["extensions"]["reason"],
        "ILLEGAL_TRANSITION"
    );
    let message = again["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no working copy"), "{message}");
    assert!(message.contains("`unpublish`"), "{message}");
}

#[tokio::test]
async fn illegal_transitions_name_the_allowed_next_steps() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "atlantis", "AQ").await;
    let (_, resp) = app
        .as_user(
            Some(app.publisher()),
            "mutation($id: ID!) { publish(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&resp), "CONFLICT", "{resp:#}");
    let message = resp["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("cannot publish an item whose status is DRAFT"),
        "{message}"
    );
    assert!(
        message.contains("submit it for review with `submitForReview`"),
        "{message}"
    );
    let allowed = &resp["errors"][0]["extensions"]["allowed"];
    assert_eq!(
        allowed,
        &json!(["updateCountry", "submitForReview"]),
        "{resp:#}"
    );
    // In review: the publisher's steps and the editor's withdrawal.
    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    let (_, resp) = app
        .as_user(Some(app.editor()), SUBMIT, json!({ "id": id }))
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["allowed"],
        json!([
            "updateCountry",
            "publish",
            "schedulePublish",
            "reject",
            "withdraw"
        ]),
        "{resp:#}"
    );
}

const SCHEDULE_UNPUBLISH: &str = "mutation($id: ID!, $at: DateTime!, $v: Int!) { scheduleUnpublish(id: $id, at: $at, expectedVersion: $v) { status version ... on Country { workflow { unpublishAt } } } }";
const CANCEL_UNPUBLISH: &str = "mutation($id: ID!, $v: Int!) { cancelScheduledUnpublish(id: $id, expectedVersion: $v) { status version ... on Country { workflow { unpublishAt } } } }";

#[tokio::test]
async fn an_unpublication_is_scheduled_cancelled_and_run_once_by_two_runners() {
    let app = TestApp::with_roles().await;
    let (id, v, _) = peru(&app, app.publisher()).await;
    let at = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    // In the past: refused.
    let (_, past) = app
        .as_user(
            Some(app.publisher()),
            SCHEDULE_UNPUBLISH,
            json!({ "id": id, "at": "2000-01-01T00:00:00Z", "v": v }),
        )
        .await;
    assert_eq!(code(&past), "BAD_USER_INPUT", "{past:#}");
    let s = app
        .staff_data(
            app.publisher(),
            SCHEDULE_UNPUBLISH,
            json!({ "id": id, "at": at, "v": v }),
        )
        .await;
    assert_eq!(s["scheduleUnpublish"]["status"], "PUBLISHED");
    assert!(
        s["scheduleUnpublish"]["workflow"]["unpublishAt"].is_string(),
        "{s:#}"
    );
    // Cancelled: nothing due.
    let c = app
        .staff_data(
            app.publisher(),
            CANCEL_UNPUBLISH,
            json!({ "id": id, "v": v + 1 }),
        )
        .await;
    assert!(c["cancelScheduledUnpublish"]["workflow"]["unpublishAt"].is_null());
    // Nothing left to cancel: an illegal step, and nothing written.
    let before = app.count("revisions").await;
    let (_, again) = app
        .as_user(
            Some(app.publisher()),
            CANCEL_UNPUBLISH,
            json!({ "id": id, "v": v + 2 }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again:#}");
    assert_eq!(
        again["errors"][0]["extensions"]["reason"],
        "ILLEGAL_TRANSITION"
    );
    assert_eq!(app.count("revisions").await, before);
    let due = Utc::now() + Duration::hours(1);
    assert_eq!(publish_due(&app.state.db, due).await.expect("run"), 0);
    // Scheduled again, and the time comes with two job runners at once.
    app.staff_data(
        app.publisher(),
        SCHEDULE_UNPUBLISH,
        json!({ "id": id, "at": at, "v": v + 2 }),
    )
    .await;
    let queue = app
        .staff_data(
            app.editor(),
            "{ editorialQueue(view: SCHEDULED) { nodes { type title unpublishAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        queue["editorialQueue"]["nodes"][0]["title"], "Peru",
        "{queue:#}"
    );
    let a = Db::connect(&app.url, Some(2)).await.expect("runner a");
    let b = Db::connect(&app.url, Some(2)).await.expect("runner b");
    let (na, nb) = tokio::join!(publish_due(&a, due), publish_due(&b, due));
    assert_eq!(na.expect("a") + nb.expect("b"), 1);
    let (na, nb) = tokio::join!(publish_due(&a, due), publish_due(&b, due));
    assert_eq!((na.expect("a"), nb.expect("b")), (0, 0));
    app.state.responses.flush();
    assert_eq!(
        app.data(PUBLIC_COUNTRY, json!({ "s": "peru" })).await["country"],
        Value::Null
    );
    let after = app
        .staff_data(app.publisher(), PREVIEW_COUNTRY, json!({ "s": "peru" }))
        .await;
    assert_eq!(after["country"]["status"], "DRAFT");
    let revs = app
        .staff_data(app.publisher(), REVISIONS, json!({ "id": id }))
        .await;
    assert_eq!(revs["revisions"][0]["action"], "UNPUBLISH", "{revs:#}");
}

const QUEUE: &str = "query($v: QueueView!, $first: Int, $after: String) { editorialQueue(view: $v, first: $first, after: $after) { nodes { type title status version item { id } } hasNextPage endCursor } }";

#[tokio::test]
async fn the_editorial_queue_shows_what_waits_across_types_newest_first() {
    let app = TestApp::with_roles().await;
    let other = app.user("other@example.org", api::auth::Role::Editor).await;
    let (a, _) = new_country(&app, app.editor(), "atlantis", "AQ").await;
    let (b, _) = new_country(&app, &other, "lemuria", "LM").await;
    let peru_id = app.country_id(app.editor(), "peru").await;
    let doc = app
        .staff_data(
            app.editor(),
            "mutation($c: ID!) { createDocument(input: { slug: \"queued-note\", title: \"Queued note\", publishedOn: \"2024-05-01\", language: \"en\", countryIds: [$c] }) { id } }",
            json!({ "c": peru_id }),
        )
        .await["createDocument"]["id"]
        .clone();
    app.staff_data(app.editor(), SUBMIT, json!({ "id": b }))
        .await;
    let (pid, pv, _) = peru(&app, app.editor()).await;
    app.staff_data(
        app.editor(),
        RENAME,
        json!({ "id": pid, "v": pv, "n": "Peru, edited" }),
    )
    .await;
    let titles = |d: &Value| -> Vec<String> {
        d["editorialQueue"]["nodes"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(|x| x["title"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Drafts, newest change first: Peru's working copy, the document, Atlantis.
    let drafts = app
        .staff_data(app.editor(), QUEUE, json!({ "v": "DRAFTS" }))
        .await;
    assert_eq!(
        titles(&drafts),
        ["Peru, edited", "Queued note", "Atlantis"],
        "{drafts:#}"
    );
    assert_eq!(drafts["editorialQueue"]["nodes"][1]["type"], "Document");
    assert_eq!(drafts["editorialQueue"]["nodes"][1]["item"]["id"], doc);
    assert_eq!(drafts["editorialQueue"]["nodes"][0]["status"], "DRAFT");
    // Mine: the other editor's submission is not in it, nor in my drafts.
    let mine = app
        .staff_data(&other, QUEUE, json!({ "v": "MY_DRAFTS" }))
        .await;
    assert_eq!(titles(&mine), Vec::<String>::new());
    let mine = app
        .staff_data(app.editor(), QUEUE, json!({ "v": "MY_DRAFTS" }))
        .await;
    assert_eq!(titles(&mine), titles(&drafts));
    let review = app
        .staff_data(app.publisher(), QUEUE, json!({ "v": "IN_REVIEW" }))
        .await;
    // (new_country names every country Atlantis: told apart by id.)
    assert_eq!(titles(&review), ["Atlantis"]);
    assert_eq!(
        review["editorialQueue"]["nodes"][0]["item"]["id"],
        b.as_str()
    );
    assert_eq!(
        drafts["editorialQueue"]["nodes"][2]["item"]["id"],
        a.as_str()
    );
    // A page at a time, the same order.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .staff_data(
                app.editor(),
                QUEUE,
                json!({ "v": "DRAFTS", "first": 1, "after": after }),
            )
            .await;
        walked.extend(titles(&page));
        if page["editorialQueue"]["hasNextPage"] != true {
            break;
        }
        after = page["editorialQueue"]["endCursor"].clone();
    }
    assert_eq!(walked, titles(&drafts));
    // Partner sites see nothing of it.
    let (_, anon) = app.as_user(None, QUEUE, json!({ "v": "DRAFTS" })).await;
    assert_eq!(code(&anon), "UNAUTHENTICATED", "{anon:#}");
    let (_, bad) = app
        .as_user(
            Some(app.editor()),
            QUEUE,
            json!({ "v": "DRAFTS", "after": "nonsense" }),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad:#}");
}

#[tokio::test]
async fn a_working_copys_keys_are_taken_until_it_goes() {
    // An imported working copy holds its slug and code as well.
    let mut data = api::import::demo::dataset();
    let mut copy = data.countries[0].clone();
    copy.slug = "copy-slug".into();
    copy.iso2 = "QQ".into();
    copy.status = Some(entity::Status::Draft);
    let slug = data.countries[0].slug.clone();
    data.countries[0].working_copy = Some(Box::new(copy));
    let app = TestApp::builder().import(data).roles().await;
    let region = crate::workflow::region_id(&app).await;
    let create = |slug: &str, iso2: &str| json!({ "i": { "slug": slug, "iso2": iso2, "name": "Copycat", "regionId": region } });
    const CREATE: &str = "mutation($i: CountryInput!) { createCountry(input: $i) { id } }";
    for vars in [create("copy-slug", "ZZ"), create("copycat", "QQ")] {
        let (_, resp) = app.as_user(Some(app.editor()), CREATE, vars).await;
        assert_eq!(code(&resp), "CONFLICT", "{resp:#}");
    }
    // Discarded, the copy's keys are free again.
    let d = app
        .staff_data(app.editor(), PREVIEW_COUNTRY, json!({ "s": slug }))
        .await;
    let id = d["country"]["id"].clone();
    let v = d["country"]["version"].clone();
    app.staff_data(app.editor(), DISCARD, json!({ "id": id, "v": v }))
        .await;
    app.staff_data(app.editor(), CREATE, create("copy-slug", "QQ"))
        .await;
}
