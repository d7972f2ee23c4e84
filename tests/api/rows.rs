//! Content rows decoded by position give the models SeaORM's decoding by name
//! gives, NULLs and filled editorial columns alike, on either backend.
use crate::common::TestApp;
use crate::fixtures;
use api::content::Kind;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn rows_decoded_by_position_equal_seaorms_models() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(12)).await;
    // Every optional column filled on some rows, left NULL on the others.
    for table in Kind::ALL.iter().map(|k| k.table()) {
        let fill = format!(
            "UPDATE {table} SET draft = '{{\"x\":1}}', draft_status = 'IN_REVIEW', \
             draft_version = version + 1, scheduled_at = updated_at, published_at = created_at, \
             created_by = 'ed', updated_by = 'ed2', published_by = 'pub', \
             review_comment = 'Fine: ünïcode ✓' WHERE id % 2 = 0"
        );
        app.state
            .db
            .conn
            .execute_unprepared(&fill)
            .await
            .expect("fill");
    }
    app.state
        .db
        .conn
        .execute_unprepared(
            "UPDATE countries SET context = 'ctx', support_measures = 'sm' WHERE id % 3 = 0",
        )
        .await
        .expect("fill countries");
    let every = Kind::ALL.iter().map(|k| (*k, false));
    // Extra columns, as list pages bring, are ignored.
    for (kind, extra) in every.chain([(Kind::Document, true)]) {
        let sql = kind.table();
        let mut q = app.state.db.sql();
        q.push("SELECT t.*");
        if extra {
            q.push(", 7 AS total_count, 'x' AS links_json");
        }
        q.push(" FROM ").push(kind.table()).push(" t ORDER BY t.id");
        let raw = app.state.db.all(q).await.expect("rows");
        assert!(raw.len() >= 2, "{sql}");
        let fast = kind.rows(&raw).expect("decoded by position");
        let slow = kind.rows_by_name(&raw).expect("decoded by name");
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{sql}");
        // Both kinds of row are there: filled and NULL.
        let text = format!("{fast:?}");
        assert!(
            text.contains("review_comment: Some(\"Fine: ünïcode ✓\")"),
            "{sql}"
        );
        assert!(text.contains("review_comment: None"), "{sql}");
    }
}

#[tokio::test]
async fn a_column_of_the_wrong_type_is_an_error_even_after_a_null() {
    let app = TestApp::new().await;
    app.import(fixtures::dataset(4)).await;
    // `programme_id` as text: NULL on the first row, four bytes later (which
    // an unchecked read would take for an integer). Types are checked from the
    // statement, not from the first row's values.
    let mut q = app.state.db.sql();
    q.push(
        "SELECT t.*, CASE WHEN t.id = (SELECT MIN(id) FROM documents) THEN NULL \
         ELSE 'oops' END AS programme_id FROM documents t ORDER BY t.id",
    );
    let raw = app.state.db.all(q).await.expect("rows");
    assert!(raw.len() >= 2);
    Kind::Document.rows(&raw).expect_err("a text programme_id");
    // The same statement with the right type decodes.
    let mut q = app.state.db.sql();
    q.push("SELECT t.*, CASE WHEN t.id = (SELECT MIN(id) FROM documents) THEN NULL ELSE t.programme_id END AS programme_id FROM documents t ORDER BY t.id");
    let raw = app.state.db.all(q).await.expect("rows");
    Kind::Document.rows(&raw).expect("decodes");
}
