//! Scheduled publishing: due items are published by the job, exactly once even
//! with two job runners (two database pools, as two `cms` processes would have)
//! working at the same time.
use crate::common::TestApp;
use crate::workflow::{new_country, SUBMIT};
use api::db::Db;
use api::workflow::scheduler::publish_due;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

/// Every call schedules a country just submitted: version 2, the one reviewed.
const SCHEDULE: &str = "mutation($id: ID!, $at: DateTime!) { schedulePublish(id: $id, at: $at, expectedVersion: 2) { status ... on Country { workflow { scheduledAt } } } }";

#[tokio::test]
async fn two_job_runners_publish_each_due_item_exactly_once() {
    let app = TestApp::with_roles().await;
    let at = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let mut ids = Vec::new();
    for i in 0..24 {
        let iso = format!(
            "{}{}",
            (b'K' + (i / 26) as u8) as char,
            (b'A' + (i % 26) as u8) as char
        );
        let (id, _) = new_country(&app, app.editor(), &format!("scheduled-{i}"), &iso).await;
        app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
            .await;
        let s = app
            .staff_data(app.publisher(), SCHEDULE, json!({ "id": id, "at": at }))
            .await;
        assert_eq!(s["schedulePublish"]["status"], "IN_REVIEW");
        assert!(s["schedulePublish"]["workflow"]["scheduledAt"].is_string());
        ids.push(id);
    }
    let public = "{ countries(first: 100) { totalCount } }";
    let before = app.data(public, json!({})).await["countries"]["totalCount"].clone();

    // Not due yet: nothing happens.
    assert_eq!(
        publish_due(&app.state.db, Utc::now()).await.expect("run"),
        0
    );

    let due = Utc::now() + Duration::hours(1);
    let a = Db::connect(&app.url, Some(2)).await.expect("runner a");
    let b = Db::connect(&app.url, Some(2)).await.expect("runner b");
    let (na, nb) = tokio::join!(publish_due(&a, due), publish_due(&b, due));
    let (na, nb) = (na.expect("runner a"), nb.expect("runner b"));
    assert_eq!(na + nb, ids.len(), "a published {na}, b published {nb}");
    // Another round finds nothing left.
    let (na, nb) = tokio::join!(publish_due(&a, due), publish_due(&b, due));
    assert_eq!((na.expect("a"), nb.expect("b")), (0, 0));

    let after = app.data(public, json!({})).await["countries"]["totalCount"].clone();
    assert_eq!(
        after.as_i64().unwrap_or(0) - before.as_i64().unwrap_or(0),
        ids.len() as i64
    );
    for id in &ids {
        let revs = app
            .staff_data(
                app.admin(),
                "query($id: ID!) { revisions(id: $id) { action changedBy { id } } }",
                json!({ "id": id }),
            )
            .await;
        let publishes: Vec<&Value> = revs["revisions"]
            .as_array()
            .map(|r| r.iter().filter(|r| r["action"] == "PUBLISH").collect())
            .unwrap_or_default();
        assert_eq!(publishes.len(), 1, "{id}: {revs:#}");
        assert_eq!(publishes[0]["changedBy"]["id"], "system:scheduler");
        let log = app
            .staff_data(
                app.admin(),
                "query($id: ID!) { auditLog(filter: { itemId: $id }) { nodes { action } } }",
                json!({ "id": id }),
            )
            .await;
        let n = log["auditLog"]["nodes"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["action"] == "PUBLISH").count())
            .unwrap_or(0);
        assert_eq!(n, 1, "{id}");
    }
}

#[tokio::test]
async fn a_schedule_is_hidden_until_due_and_an_edit_cancels_it() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "later", "LA").await;
    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    let (_, past) = app
        .as_user(
            Some(app.publisher()),
            SCHEDULE,
            json!({ "id": id, "at": "2001-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(crate::common::code(&past), "BAD_USER_INPUT");
    let (_, editor) = app
        .as_user(
            Some(app.editor()),
            SCHEDULE,
            json!({ "id": id, "at": "2999-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(crate::common::code(&editor), "FORBIDDEN");
    let at = (Utc::now() + Duration::minutes(5)).to_rfc3339();
    let s = app
        .staff_data(app.publisher(), SCHEDULE, json!({ "id": id, "at": at }))
        .await;
    let version = app
        .staff_data(
            app.editor(),
            "query($id: ID!) { node(id: $id, preview: true) { ... on Country { version } } }",
            json!({ "id": id }),
        )
        .await["node"]["version"]
        .clone();
    assert!(s["schedulePublish"]["workflow"]["scheduledAt"].is_string());
    assert_eq!(
        app.data("{ country(slug: \"later\") { slug } }", json!({}))
            .await["country"],
        Value::Null
    );
    // An edit changes what was approved: the schedule is dropped.
    let e = app
        .staff_data(
            app.editor(),
            "mutation($id: ID!, $v: Int!) { updateCountry(id: $id, expectedVersion: $v, input: { name: \"Changed\" }) { workflow { scheduledAt } } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    assert_eq!(e["updateCountry"]["workflow"]["scheduledAt"], Value::Null);
    let n = publish_due(&app.state.db, Utc::now() + Duration::hours(1))
        .await
        .expect("run");
    assert_eq!(n, 0);
    assert_eq!(
        app.data("{ country(slug: \"later\") { slug } }", json!({}))
            .await["country"],
        Value::Null
    );
}

#[tokio::test]
async fn an_item_that_cannot_be_published_does_not_hold_back_the_others() {
    let app = TestApp::with_roles().await;
    let at = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let mut ids = Vec::new();
    for (slug, iso) in [("first", "FA"), ("second", "FB")] {
        let (id, _) = new_country(&app, app.editor(), slug, iso).await;
        app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
            .await;
        app.staff_data(app.publisher(), SCHEDULE, json!({ "id": id, "at": at }))
            .await;
        ids.push(id);
    }
    // Something outside the API takes the first one out of review meanwhile.
    let mut sql = app.state.db.sql();
    sql.push("UPDATE countries SET status = 'DRAFT' WHERE slug = 'first'");
    app.state.db.all(sql).await.expect("update");
    let n = publish_due(&app.state.db, Utc::now() + Duration::hours(1))
        .await
        .expect("the run goes on");
    assert_eq!(n, 1);
    assert_eq!(
        app.data("{ country(slug: \"second\") { slug } }", json!({}))
            .await["country"]["slug"],
        "second"
    );
    let log = app
        .staff_data(
            app.admin(),
            "query($id: ID!) { auditLog(filter: { itemId: $id }, first: 1) { nodes { action after } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(log["auditLog"]["nodes"][0]["action"], "SCHEDULE_DROPPED");
    // Dropped, not retried forever.
    let again = publish_due(&app.state.db, Utc::now() + Duration::hours(1))
        .await
        .expect("run");
    assert_eq!(again, 0);
}

/// A schedule's time must be given in the future: a past one is
/// BAD_USER_INPUT naming `at`, and nothing is written (no schedule, no
/// revision, no audit entry).
#[tokio::test]
async fn a_schedule_in_the_past_is_refused_and_writes_nothing() {
    let app = TestApp::with_roles().await;
    let (id, _) = new_country(&app, app.editor(), "past-schedule", "KZ").await;
    app.staff_data(app.editor(), SUBMIT, json!({ "id": id }))
        .await;
    let peru = app.country_id(app.publisher(), "peru").await;
    let peru_v = app
        .version(app.publisher(), peru.as_str().unwrap_or_default())
        .await;
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let before = (app.count("revisions").await, app.count("audit_log").await);
    let (_, publish) = app
        .as_user(
            Some(app.publisher()),
            SCHEDULE,
            json!({ "id": id, "at": past }),
        )
        .await;
    let (_, unpublish) = app
        .as_user(
            Some(app.publisher()),
            "mutation($id: ID!, $at: DateTime!, $v: Int!) { scheduleUnpublish(id: $id, at: $at, expectedVersion: $v) { status } }",
            json!({ "id": peru, "at": past, "v": peru_v }),
        )
        .await;
    for resp in [&publish, &unpublish] {
        assert_eq!(crate::common::code(resp), "BAD_USER_INPUT", "{resp:#}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "at", "{resp:#}");
        let message = resp["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("in the future"), "{message}");
    }
    assert_eq!(
        (app.count("revisions").await, app.count("audit_log").await),
        before
    );
    let queue = app
        .staff_data(
            app.editor(),
            "{ editorialQueue(view: SCHEDULED) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(queue["editorialQueue"]["nodes"], json!([]), "{queue:#}");
}
