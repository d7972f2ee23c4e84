//! Text rules, the same on SQLite and PostgreSQL and for mutations and imports:
//! lengths by field kind, no control characters but tab and newline, CRLF to LF,
//! NFC; ISO 639-1 languages, a date range, media types as tokens.
use crate::common::{code, TestApp};
use api::import::{self, ImportOptions};
use serde_json::{json, Value};

const CREATE_DOCUMENT: &str =
    "mutation($i: DocumentInput!) { createDocument(input: $i) { id title summary mediaType } }";

fn document(peru: &Value, overrides: Value) -> Value {
    let mut input = json!({
        "slug": "text-rules", "title": "Text rules", "publishedOn": "2024-03-01",
        "language": "en", "countryIds": [peru],
    });
    if let (Some(base), Some(extra)) = (input.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    input
}

/// Refused with BAD_USER_INPUT naming `field`, and nothing written.
async fn refused(app: &TestApp, token: &str, input: Value, field: &str) {
    let before = (app.count("documents").await, app.count("revisions").await);
    let (_, resp) = app
        .as_user(Some(token), CREATE_DOCUMENT, json!({ "i": input }))
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp:#}");
    let message = resp["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.len() < 1100,
        "the message echoes the value: {}",
        message.len()
    );
    let after = (app.count("documents").await, app.count("revisions").await);
    assert_eq!(before, after, "something was written");
}

#[tokio::test]
async fn long_texts_control_characters_and_bad_codes_are_refused_alike_on_every_backend() {
    let app = TestApp::with_roles().await;
    let peru = app.country_id(app.editor(), "peru").await;
    let t = app.editor();
    refused(
        &app,
        t,
        document(&peru, json!({ "title": "x".repeat(900_000) })),
        "input.title",
    )
    .await;
    refused(
        &app,
        t,
        document(&peru, json!({ "title": "y".repeat(301) })),
        "input.title",
    )
    .await;
    refused(
        &app,
        t,
        document(&peru, json!({ "summary": "s".repeat(5_001) })),
        "input.summary",
    )
    .await;
    for bad in [
        "nul\u{0}byte",
        "esc\u{1b}[31mred",
        "lone\rreturn",
        "c1\u{85}next",
        "evil\u{202e}fdp.exe",
    ] {
        refused(
            &app,
            t,
            document(&peru, json!({ "title": bad })),
            "input.title",
        )
        .await;
    }
    refused(
        &app,
        t,
        document(&peru, json!({ "language": "xx" })),
        "input.language",
    )
    .await;
    refused(
        &app,
        t,
        document(&peru, json!({ "publishedOn": "0000-01-01" })),
        "input.publishedOn",
    )
    .await;
    refused(
        &app,
        t,
        document(&peru, json!({ "publishedOn": "9999-12-31" })),
        "input.publishedOn",
    )
    .await;
    refused(
        &app,
        t,
        document(
            &peru,
            json!({ "translations": { "xx": { "title": "Nimi" } } }),
        ),
        "input.translations.xx",
    )
    .await;
    refused(
        &app,
        t,
        document(
            &peru,
            json!({ "translations": { "fi": { "title": "a\u{0}b" } } }),
        ),
        "input.translations.fi.title",
    )
    .await;
    // At the limit, and within the rules, it goes through.
    let data = app
        .staff_data(
            t,
            CREATE_DOCUMENT,
            json!({ "i": document(&peru, json!({ "title": "é".repeat(300), "language": "fi", "publishedOn": "1900-01-01" })) }),
        )
        .await;
    assert_eq!(
        data["createDocument"]["title"]
            .as_str()
            .map(|s| s.chars().count()),
        Some(300)
    );
}

#[tokio::test]
async fn text_is_stored_with_lf_newlines_and_in_nfc() {
    let app = TestApp::with_roles().await;
    let peru = app.country_id(app.editor(), "peru").await;
    let data = app
        .staff_data(
            app.editor(),
            CREATE_DOCUMENT,
            json!({ "i": document(&peru, json!({
                // "Perú" with a combining acute accent, and Windows newlines.
                "title": "Peru\u{301} notes",
                "summary": "first line\r\nsecond\tline",
            })) }),
        )
        .await;
    assert_eq!(data["createDocument"]["title"], "Per\u{fa} notes");
    assert_eq!(
        data["createDocument"]["summary"],
        "first line\nsecond\tline"
    );
    // Updates follow the same rules, into the working copy or the row.
    let id = data["createDocument"]["id"].clone();
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            "mutation($id: ID!, $i: DocumentInput!) { updateDocument(id: $id, expectedVersion: 1, input: $i) { id } }",
            json!({ "id": id, "i": { "title": "t".repeat(301) } }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "input.title");
}

#[tokio::test]
async fn the_limits_are_configurable() {
    let app = TestApp::with_roles()
        .config(|c| c.max_short_text = 10)
        .await;
    let peru = app.country_id(app.editor(), "peru").await;
    refused(
        &app,
        app.editor(),
        document(&peru, json!({ "title": "eleven char" })),
        "input.title",
    )
    .await;
}

#[tokio::test]
async fn imports_are_held_to_the_same_rules_and_write_nothing_when_refused() {
    let app = TestApp::new().await;
    type Breaker = Box<dyn Fn(&mut api::import::format::Dataset)>;
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "documents[0].title",
            Box::new(|d| d.documents[0].title = "x".repeat(900_000)),
        ),
        (
            "documents[0].title",
            Box::new(|d| d.documents[0].title = "nul\u{0}".into()),
        ),
        (
            "documents[0].language",
            Box::new(|d| d.documents[0].language = "xx".into()),
        ),
        (
            "documents[0].publishedOn",
            Box::new(|d| d.documents[0].published_on = "9999-12-31".into()),
        ),
        (
            "countries[0].context",
            Box::new(|d| d.countries[0].context = Some("esc\u{1b}".into())),
        ),
    ];
    for (field, break_it) in cases {
        let mut data = import::demo::dataset();
        break_it(&mut data);
        let err = import::import(&app.state.db, data, ImportOptions::default())
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert_eq!(err.code(), "BAD_USER_INPUT", "{text}");
        match &err {
            api::error::AppError::BadInput { field: Some(f), .. } => {
                assert!(f.starts_with(field), "{f} is not {field}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.count("documents").await, 0);
        assert_eq!(app.count("countries").await, 0);
    }
    // CRLF and NFC on the way in, as in a mutation.
    let mut data = import::demo::dataset();
    data.countries[0].context = Some("a\r\nb".into());
    let slug = data.countries[0].slug.clone();
    import::import(&app.state.db, data, ImportOptions::default())
        .await
        .expect("import");
    app.state.responses.flush();
    let resp = app
        .gql(
            "query($s: String!) { country(slug: $s) { context } }",
            json!({ "s": slug }),
        )
        .await;
    assert_eq!(resp["data"]["country"]["context"], "a\nb", "{resp:#}");
}

#[tokio::test]
async fn a_revision_from_before_the_rules_is_checked_when_restored() {
    let app = TestApp::with_roles().await;
    let peru = app.country_id(app.publisher(), "peru").await;
    let revs = app
        .staff_data(
            app.publisher(),
            "query($id: ID!) { revisions(id: $id) { id } }",
            json!({ "id": peru }),
        )
        .await;
    // A snapshot as an older version could have stored it: an ESC in the name.
    let mut sql = app.state.db.sql();
    sql.push("SELECT id, data FROM revisions WHERE item_kind = 'Country' AND action = 'IMPORT'");
    let rows = app.state.db.all(sql).await.expect("revisions");
    for r in rows {
        let id: i32 = r.try_get("", "id").expect("id");
        let data: String = r.try_get("", "data").expect("data");
        let mut json: Value = serde_json::from_str(&data).expect("json");
        if json["slug"] == "peru" {
            json["name"] = json!("Pe\u{1b}ru");
            let mut sql = app.state.db.sql();
            sql.push("UPDATE revisions SET data = ")
                .bind(json.to_string())
                .push(" WHERE id = ")
                .bind(id);
            api::db::exec(&app.state.db.conn, sql)
                .await
                .expect("update");
        }
    }
    let before = app.count("revisions").await;
    let (_, resp) = app
        .as_user(
            Some(app.publisher()),
            "mutation($r: ID!) { restoreRevision(revisionId: $r) { id } }",
            json!({ "r": revs["revisions"][0]["id"] }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "input.name");
    assert_eq!(app.count("revisions").await, before);
}

#[tokio::test]
async fn an_import_is_held_to_the_list_limit() {
    let app = TestApp::new().await;
    let mut data = import::demo::dataset();
    let country = data
        .countries
        .iter_mut()
        .find(|c| c.priorities.as_ref().is_some_and(|p| !p.is_empty()))
        .expect("a country with priorities");
    let block = country
        .priorities
        .as_ref()
        .and_then(|p| p.first())
        .cloned()
        .expect("a priority");
    country.priorities = Some(vec![block; 101]);
    let err = import::import(&app.state.db, data, ImportOptions::default())
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "BAD_USER_INPUT", "{err}");
    assert!(err.to_string().contains("at most 100 entries"), "{err}");
    assert_eq!(app.count("countries").await, 0);
}
