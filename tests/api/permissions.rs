//! The permission matrix: every mutation times every role. Each cell sets up an
//! item in the state the mutation needs (as ADMIN), runs the mutation with the
//! role's token, and checks the outcome; a refused mutation must leave the
//! database exactly as it was (no row, no revision, no audit entry, no change).
use crate::common::{code, TestApp, PASSWORD};
use crate::workflow::{country_id_version, region_id};
use api::auth::Role;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};

static N: AtomicU32 = AtomicU32::new(0);

fn unique() -> u32 {
    N.fetch_add(1, Ordering::SeqCst)
}

/// A fresh two-letter code.
fn iso(n: u32) -> String {
    let a = (b'C' + (n / 26 % 20) as u8) as char;
    let b = (b'A' + (n % 26) as u8) as char;
    format!("{a}{b}")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Editor,
    Publisher,
    Admin,
}

/// What a role may do: the weakest role that may run a mutation.
#[derive(Clone, Copy, Debug)]
enum Needs {
    Editor,
    Publisher,
    Admin,
}

impl Needs {
    fn allows(self, who: Who) -> bool {
        match (self, who) {
            (_, Who::Anonymous) => false,
            (Needs::Editor, _) => true,
            (Needs::Publisher, w) => w != Who::Editor,
            (Needs::Admin, w) => w == Who::Admin,
        }
    }
}

struct Ctx {
    admin: String,
    region: String,
    peru: String,
}

const CREATE_COUNTRY: &str =
    "mutation($i: CountryInput!) { createCountry(input: $i) { id version } }";
const CREATE_REGION: &str = "mutation($i: RegionInput!) { createRegion(input: $i) { id version } }";
const CREATE_PROGRAMME: &str =
    "mutation($i: ProgrammeInput!) { createProgramme(input: $i) { id version } }";
const CREATE_DOCUMENT: &str =
    "mutation($i: DocumentInput!) { createDocument(input: $i) { id version } }";

fn region_input(n: u32) -> Value {
    json!({ "slug": format!("region-{n}"), "name": format!("Region {n}") })
}
fn country_input(c: &Ctx, n: u32) -> Value {
    json!({ "slug": format!("country-{n}"), "iso2": iso(n), "name": format!("Country {n}"), "regionId": c.region })
}
fn programme_input(c: &Ctx, n: u32) -> Value {
    json!({ "slug": format!("programme-{n}"), "title": "P", "kind": "MIP", "countryIds": [c.peru],
            "periodStart": 2021, "periodEnd": 2024, "budget": { "amount": "1.00", "currency": "EUR" } })
}
fn document_input(c: &Ctx, n: u32) -> Value {
    json!({ "slug": format!("document-{n}"), "title": "D", "publishedOn": "2024-01-01",
            "language": "en", "countryIds": [c.peru] })
}

/// Creates an item as ADMIN; returns (id, version).
async fn make(app: &TestApp, c: &Ctx, query: &str, input: Value) -> (String, Value) {
    let d = app.staff_data(&c.admin, query, json!({ "i": input })).await;
    let item = d
        .as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .unwrap_or_default();
    (
        item["id"].as_str().unwrap_or_default().to_string(),
        item["version"].clone(),
    )
}

async fn country_in(app: &TestApp, c: &Ctx, steps: &[&str]) -> String {
    let n = unique();
    let (id, _) = make(app, c, CREATE_COUNTRY, country_input(c, n)).await;
    for step in steps {
        if *step == "publish" {
            app.publish(&c.admin, &id).await;
            continue;
        }
        let q = format!("mutation($id: ID!) {{ {step}(id: $id) {{ id }} }}");
        app.staff_data(&c.admin, &q, json!({ "id": id })).await;
    }
    id
}

async fn new_user(app: &TestApp) -> String {
    let u = api::users::create_user(
        &app.state.db,
        &app.state.hashing,
        None,
        &format!("user{}@example.org", unique()),
        None,
        Role::Editor,
        PASSWORD.into(),
    )
    .await
    .expect("user");
    u.public_id
}

/// Sets up the cell of a mutation; returns its document and variables.
async fn setup(app: &TestApp, c: &Ctx, mutation: &str) -> (String, Value) {
    let n = unique();
    let simple = |name: &str| format!("mutation($id: ID!) {{ {name}(id: $id) {{ id status }} }}");
    match mutation {
        "createRegion" => (CREATE_REGION.into(), json!({ "i": region_input(n) })),
        "createCountry" => (CREATE_COUNTRY.into(), json!({ "i": country_input(c, n) })),
        "createProgramme" => (CREATE_PROGRAMME.into(), json!({ "i": programme_input(c, n) })),
        "createDocument" => (CREATE_DOCUMENT.into(), json!({ "i": document_input(c, n) })),
        "replaceDocumentFile" => {
            let (id, version) = make(app, c, CREATE_DOCUMENT, document_input(c, n)).await;
            (
                "mutation($id: ID!, $v: Int!, $file: Upload!) { replaceDocumentFile(id: $id, expectedVersion: $v, file: $file) { id sha256 } }".into(),
                json!({ "id": id, "v": version }),
            )
        }
        "updateRegion" | "updateCountry" | "updateProgramme" | "updateDocument" => {
            let (create, input, ty, change) = match mutation {
                "updateRegion" => (CREATE_REGION, region_input(n), "Region", json!({ "name": "Changed" })),
                "updateCountry" => (CREATE_COUNTRY, country_input(c, n), "Country", json!({ "name": "Changed" })),
                "updateProgramme" => (CREATE_PROGRAMME, programme_input(c, n), "Programme", json!({ "title": "Changed" })),
                _ => (CREATE_DOCUMENT, document_input(c, n), "Document", json!({ "title": "Changed" })),
            };
            let (id, version) = make(app, c, create, input).await;
            (
                format!("mutation($id: ID!, $v: Int!, $i: {ty}Input!) {{ {mutation}(id: $id, expectedVersion: $v, input: $i) {{ id version }} }}"),
                json!({ "id": id, "v": version, "i": change }),
            )
        }
        "deleteContent" => {
            let (id, _) = make(app, c, CREATE_DOCUMENT, document_input(c, n)).await;
            ("mutation($id: ID!) { deleteContent(id: $id) }".into(), json!({ "id": id }))
        }
        "submitForReview" => (simple(mutation), json!({ "id": country_in(app, c, &[]).await })),
        "withdraw" => (
            simple(mutation),
            json!({ "id": country_in(app, c, &["submitForReview"]).await }),
        ),
        // Created (1), submitted (2): the version a publisher reviews.
        "publish" => (
            "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { id status } }".into(),
            json!({ "id": country_in(app, c, &["submitForReview"]).await, "v": 2 }),
        ),
        "reject" => (
            "mutation($id: ID!, $v: Int) { reject(id: $id, comment: \"No\", expectedVersion: $v) { id status } }".into(),
            json!({ "id": country_in(app, c, &["submitForReview"]).await, "v": 2 }),
        ),
        // ... and published (3).
        "unpublish" | "archive" => (
            format!("mutation($id: ID!, $v: Int) {{ {mutation}(id: $id, expectedVersion: $v) {{ id status }} }}"),
            json!({ "id": country_in(app, c, &["submitForReview", "publish"]).await, "v": 3 }),
        ),
        "schedulePublish" => (
            "mutation($id: ID!, $at: DateTime!, $v: Int!) { schedulePublish(id: $id, at: $at, expectedVersion: $v) { id status } }".into(),
            json!({ "id": country_in(app, c, &["submitForReview"]).await, "at": "2999-01-01T00:00:00Z", "v": 2 }),
        ),
        "scheduleUnpublish" => (
            "mutation($id: ID!, $at: DateTime!, $v: Int!) { scheduleUnpublish(id: $id, at: $at, expectedVersion: $v) { id status } }".into(),
            json!({ "id": country_in(app, c, &["submitForReview", "publish"]).await, "at": "2999-01-01T00:00:00Z", "v": 3 }),
        ),
        // Scheduled by the admin (3), cancelled at that version.
        "cancelScheduledPublish" => {
            let id = country_in(app, c, &["submitForReview"]).await;
            app.staff_data(
                &c.admin,
                "mutation($id: ID!) { schedulePublish(id: $id, at: \"2999-01-01T00:00:00Z\", expectedVersion: 2) { id } }",
                json!({ "id": id }),
            )
            .await;
            (
                "mutation($id: ID!, $v: Int!) { cancelScheduledPublish(id: $id, expectedVersion: $v) { id status } }".into(),
                json!({ "id": id, "v": 3 }),
            )
        }
        "cancelScheduledUnpublish" => {
            let id = country_in(app, c, &["submitForReview", "publish"]).await;
            app.staff_data(
                &c.admin,
                "mutation($id: ID!) { scheduleUnpublish(id: $id, at: \"2999-01-01T00:00:00Z\", expectedVersion: 3) { id } }",
                json!({ "id": id }),
            )
            .await;
            (
                "mutation($id: ID!, $v: Int!) { cancelScheduledUnpublish(id: $id, expectedVersion: $v) { id status } }".into(),
                json!({ "id": id, "v": 4 }),
            )
        }
        // Published (3), then edited: a working copy at 4.
        "discardChanges" => {
            let id = country_in(app, c, &["submitForReview", "publish"]).await;
            app.staff_data(
                &c.admin,
                "mutation($id: ID!) { updateCountry(id: $id, expectedVersion: 3, input: { name: \"Working copy\" }) { id } }",
                json!({ "id": id }),
            )
            .await;
            (
                "mutation($id: ID!, $v: Int!) { discardChanges(id: $id, expectedVersion: $v) { id status } }".into(),
                json!({ "id": id, "v": 4 }),
            )
        }
        "logout" => ("mutation { logout }".into(), json!({})),
        "restoreRevision" => {
            let id = country_in(app, c, &[]).await;
            let r = app
                .staff_data(&c.admin, "query($id: ID!) { revisions(id: $id) { id } }", json!({ "id": id }))
                .await;
            (
                "mutation($r: ID!) { restoreRevision(revisionId: $r) { id status } }".into(),
                json!({ "r": r["revisions"][0]["id"] }),
            )
        }
        "createUser" => (
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }".into(),
            json!({ "i": { "email": format!("new{n}@example.org"), "role": "EDITOR", "password": PASSWORD } }),
        ),
        "setUserRole" => (
            "mutation($id: ID!) { setUserRole(id: $id, role: PUBLISHER) { id role } }".into(),
            json!({ "id": new_user(app).await }),
        ),
        "changePassword" => (
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }".into(),
            json!({ "c": PASSWORD, "n": format!("another long password {n}") }),
        ),
        "resetUserPassword" => (
            "mutation($id: ID!) { resetUserPassword(id: $id, password: \"a reset password 123\") { id } }".into(),
            json!({ "id": new_user(app).await }),
        ),
        "deactivateUser" => (
            "mutation($id: ID!) { deactivateUser(id: $id) { id active } }".into(),
            json!({ "id": new_user(app).await }),
        ),
        other => panic!("no setup for {other}"),
    }
}

/// Everything a mutation could write, summarised.
pub async fn fingerprint(app: &TestApp) -> String {
    let mut out = String::new();
    for table in ["regions", "countries", "programmes", "documents"] {
        let mut sql = app.state.db.sql();
        sql.push("SELECT COUNT(*) AS n, COALESCE(SUM(version), 0) AS v FROM ")
            .push(table);
        let rows = app.state.db.all(sql).await.expect("fingerprint");
        let n: i64 = rows[0].try_get("", "n").unwrap_or(-1);
        let v: i64 = rows[0].try_get("", "v").unwrap_or(-1);
        out.push_str(&format!("{table}:{n}/{v} "));
    }
    for table in [
        "revisions",
        "audit_log",
        "revoked_tokens",
        "programme_countries",
        "document_countries",
        "document_region_index",
        "document_country_index",
        "country_priorities",
    ] {
        out.push_str(&format!("{table}:{} ", app.count(table).await));
    }
    let mut sql = app.state.db.sql();
    sql.push("SELECT public_id, role, active, password_hash FROM users ORDER BY public_id");
    for r in app.state.db.all(sql).await.expect("users") {
        let id: String = r.try_get("", "public_id").unwrap_or_default();
        let role: String = r.try_get("", "role").unwrap_or_default();
        let active: bool = r.try_get("", "active").unwrap_or_default();
        let hash: String = r.try_get("", "password_hash").unwrap_or_default();
        out.push_str(&format!("{id}:{role}:{active}:{hash} "));
    }
    out
}

#[tokio::test]
async fn every_mutation_times_every_role() {
    let app = TestApp::with_roles().await;
    let (peru, _) = country_id_version(&app, app.admin(), "peru").await;
    let c = Ctx {
        admin: app.admin().to_string(),
        region: region_id(&app).await,
        peru,
    };
    // `login` needs no role; `changePassword` comes last, because it signs the
    // caller's earlier tokens out.
    let table: [(&str, Needs); 28] = [
        ("createRegion", Needs::Admin),
        ("createCountry", Needs::Editor),
        ("createProgramme", Needs::Editor),
        ("createDocument", Needs::Editor),
        ("updateRegion", Needs::Admin),
        ("updateCountry", Needs::Editor),
        ("updateProgramme", Needs::Editor),
        ("updateDocument", Needs::Editor),
        ("replaceDocumentFile", Needs::Editor),
        ("deleteContent", Needs::Admin),
        ("submitForReview", Needs::Editor),
        ("withdraw", Needs::Editor),
        ("reject", Needs::Publisher),
        ("publish", Needs::Publisher),
        ("unpublish", Needs::Publisher),
        ("archive", Needs::Publisher),
        ("schedulePublish", Needs::Publisher),
        ("restoreRevision", Needs::Publisher),
        ("scheduleUnpublish", Needs::Publisher),
        ("cancelScheduledPublish", Needs::Publisher),
        ("cancelScheduledUnpublish", Needs::Publisher),
        ("discardChanges", Needs::Editor),
        ("logout", Needs::Editor),
        ("createUser", Needs::Admin),
        ("setUserRole", Needs::Admin),
        ("deactivateUser", Needs::Admin),
        ("resetUserPassword", Needs::Admin),
        ("changePassword", Needs::Editor),
    ];
    // Every mutation of the schema has its row (`login` needs no role): a new
    // one, a new content type's create and update say, fails here until its
    // cells are set up.
    let schema = app
        .data(
            r#"{ __type(name: "Mutation") { fields { name } } }"#,
            json!({}),
        )
        .await;
    let mut in_schema: Vec<&str> = schema["__type"]["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["name"].as_str()).collect())
        .unwrap_or_default();
    in_schema.retain(|m| *m != "login");
    in_schema.sort_unstable();
    let mut in_table: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
    in_table.sort_unstable();
    assert_eq!(in_table, in_schema, "the matrix has a row per mutation");
    let mut checked = 0;
    for (mutation, needs) in table {
        for who in [Who::Anonymous, Who::Editor, Who::Publisher, Who::Admin] {
            let mut token = match who {
                Who::Anonymous => None,
                Who::Editor => Some(app.editor().to_string()),
                Who::Publisher => Some(app.publisher().to_string()),
                Who::Admin => Some(app.admin().to_string()),
            };
            // `logout` revokes the token it runs with: a session of its own.
            if mutation == "logout" {
                let email = match who {
                    Who::Anonymous => None,
                    Who::Editor => Some("editor@example.org"),
                    Who::Publisher => Some("publisher@example.org"),
                    Who::Admin => Some("admin@example.org"),
                };
                if let Some(email) = email {
                    token = Some(app.login(email, PASSWORD).await);
                }
            }
            let token = token.as_deref();
            let (query, vars) = setup(&app, &c, mutation).await;
            let before = fingerprint(&app).await;
            let (_, resp) = if mutation == "replaceDocumentFile" {
                let pdf = api::files::make::pdf("Permission matrix", 2048).expect("pdf");
                app.upload(token, &query, vars, &[("file", "matrix.pdf", &pdf)])
                    .await
            } else {
                app.as_user(token, &query, vars).await
            };
            let after = fingerprint(&app).await;
            if needs.allows(who) {
                assert!(
                    resp.get("errors").is_none(),
                    "{mutation} as {who:?}: {resp:#}"
                );
                assert!(
                    resp["data"][mutation].is_object()
                        || resp["data"][mutation].is_string()
                        || resp["data"][mutation] == true,
                    "{mutation} as {who:?}: {resp:#}"
                );
                assert_ne!(before, after, "{mutation} as {who:?} changed nothing");
            } else {
                let expected = if who == Who::Anonymous {
                    "UNAUTHENTICATED"
                } else {
                    "FORBIDDEN"
                };
                assert_eq!(code(&resp), expected, "{mutation} as {who:?}: {resp:#}");
                assert_eq!(before, after, "{mutation} as {who:?} wrote something");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 112);
}
