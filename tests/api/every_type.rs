//! Every registered content type (`Kind::ALL`, the registry's lines) walks
//! the whole life of an item: create and update (as an editor unless the type
//! is admin-only), schedule, publish (by the scheduler),
//! list, nested load, cache tags, revisions, export and import. A type added
//! to the registry fails to compile here until it has a [`sample`], and then
//! runs the same walk.
use crate::common::{code, item_tag, percent, TestApp};
use api::content::Kind;
use api::workflow::scheduler::publish_due;
use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

/// What the walk needs of a type: a create mutation (its variables are the
/// demo's ids), its public list and where the items are in the answer, and a
/// nested selection with where the related item's id is in it.
struct Sample {
    create: &'static str,
    list: &'static str,
    items: &'static str,
    nested: &'static str,
    related: &'static str,
}

fn sample(kind: Kind) -> Sample {
    match kind {
        Kind::Region => Sample {
            create: r#"mutation { createRegion(input: { slug: "walk-region", name: "Walk region" }) { id version } }"#,
            list: "{ regions { id slug } }",
            items: "/regions",
            nested: "... on Region { countries(first: 5) { nodes { id } } }",
            related: "",
        },
        Kind::Country => Sample {
            create: r#"mutation($region: ID!) { createCountry(input: { slug: "walk-country", iso2: "WK", name: "Walkland", regionId: $region }) { id version } }"#,
            list: "{ countries(first: 100) { nodes { id slug } } }",
            items: "/countries/nodes",
            nested: "... on Country { region { id } }",
            related: "/region/id",
        },
        Kind::Programme => Sample {
            create: r#"mutation($country: ID!) { createProgramme(input: { slug: "walk-programme", title: "Walk programme", kind: SUPPORT_MEASURE, countryIds: [$country], periodStart: 2024, periodEnd: 2027, budget: { amount: "1000.00", currency: "EUR" } }) { id version } }"#,
            list: "{ programmes(first: 100) { nodes { id slug } } }",
            items: "/programmes/nodes",
            nested: "... on Programme { countries { id } }",
            related: "/countries/0/id",
        },
        Kind::Document => Sample {
            create: r#"mutation($country: ID!) { createDocument(input: { slug: "walk-document", title: "Walk document", publishedOn: "2024-05-01", language: "en", countryIds: [$country] }) { id version } }"#,
            list: "{ documents(first: 100) { nodes { id slug } } }",
            items: "/documents/nodes",
            nested: "... on Document { countries { id } }",
            related: "/countries/0/id",
        },
    }
}

fn slugs(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["slug"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_registered_type_walks_the_whole_life_of_an_item() {
    let app = TestApp::with_roles().await;
    let peru = app
        .data(
            r#"{ country(slug: "peru") { id region { id } } }"#,
            json!({}),
        )
        .await;
    let vars =
        json!({ "region": peru["country"]["region"]["id"], "country": peru["country"]["id"] });
    let mut walked = Vec::new();
    for kind in Kind::ALL.iter().copied() {
        let s = sample(kind);
        let name = kind.type_name();
        let slug = format!("walk-{}", name.to_lowercase());
        // Create and update, as an editor (as an admin for the site's
        // structure, which only administrators change).
        let author = if kind.admin_only() {
            app.admin()
        } else {
            app.editor()
        };
        let created = app.staff_data(author, s.create, vars.clone()).await;
        let item = created
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or_default();
        let id = item["id"].as_str().unwrap_or_default().to_string();
        assert!(!id.is_empty(), "{name}: {created:#}");
        let update = format!(
            "mutation($id: ID!, $v: Int!) {{ update{name}(id: $id, expectedVersion: $v, input: {{}}) {{ id version }} }}"
        );
        let updated = app
            .staff_data(author, &update, json!({ "id": id, "v": item["version"] }))
            .await;
        assert_eq!(
            updated[format!("update{name}")]["id"],
            item["id"],
            "{name}: {updated:#}"
        );
        // Schedule, and the scheduler publishes it when the time comes.
        let submitted = app
            .staff_data(
                app.admin(),
                "mutation($id: ID!) { submitForReview(id: $id) { version } }",
                json!({ "id": id }),
            )
            .await;
        let at = (Utc::now() + Duration::minutes(5)).to_rfc3339();
        app.staff_data(
            app.admin(),
            "mutation($id: ID!, $at: DateTime!, $v: Int!) { schedulePublish(id: $id, at: $at, expectedVersion: $v) { status } }",
            json!({ "id": id, "at": at, "v": submitted["submitForReview"]["version"] }),
        )
        .await;
        let public = format!("{{ node(id: \"{id}\") {{ __typename id }} }}");
        let hidden = app.gql(&public, json!({})).await;
        assert_eq!(hidden["data"]["node"], Value::Null, "{name}: {hidden:#}");
        let due = Utc::now() + Duration::minutes(10);
        assert!(publish_due(&app.state.db, due).await.expect("runs") >= 1);
        app.state.responses.flush();
        let shown = app.data(&public, json!({})).await;
        assert_eq!(shown["node"]["__typename"], name, "{name}: {shown:#}");
        // Listed by its type's public list.
        let list = app.data(s.list, json!({})).await;
        let listed = list.pointer(s.items).cloned().unwrap_or_default();
        assert!(slugs(&listed).contains(&slug.as_str()), "{name}: {list:#}");
        // Its relations load, nested.
        let nested = app
            .data(
                &format!("{{ node(id: \"{id}\") {{ id {} }} }}", s.nested),
                json!({}),
            )
            .await;
        if !s.related.is_empty() {
            let related = nested["node"].pointer(s.related).cloned();
            assert!(
                related == Some(vars["region"].clone()) || related == Some(vars["country"].clone()),
                "{name}: {nested:#}"
            );
        }
        // A public GET names it in its cache tags.
        let uri = format!(
            "/graphql?query={}",
            percent(&format!("{{ node(id: \"{id}\") {{ id }} }}"))
        );
        let (status, headers, _) = app
            .raw(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        assert!(status.is_success(), "{name}: {status}");
        let tags = headers
            .get("cache-tag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            tags.split(',').any(|t| t == item_tag(&json!(id))),
            "{name}: {tags}"
        );
        // Its revisions: created, submitted, published.
        let revisions = app
            .staff_data(
                app.admin(),
                "query($id: ID!) { revisions(id: $id) { version status } }",
                json!({ "id": id }),
            )
            .await;
        let versions = revisions["revisions"].as_array().map_or(0, Vec::len);
        assert!(versions >= 3, "{name}: {revisions:#}");
        walked.push((kind, slug));
    }
    assert_eq!(walked.len(), Kind::ALL.len());
    // Export holds every walked item in its type's list, and an import of the
    // export into an empty database brings each back, published.
    let file = api::import::export(&app.state.db).await.expect("exports");
    let json = serde_json::to_value(&file).expect("json");
    for (kind, slug) in &walked {
        let list = &json[kind.file_list()];
        assert!(slugs(list).contains(&slug.as_str()), "{kind:?}: {list:#}");
    }
    let copy = TestApp::builder().import(file).await;
    for (kind, slug) in &walked {
        let s = sample(*kind);
        let list = copy.data(s.list, json!({})).await;
        let listed = list.pointer(s.items).cloned().unwrap_or_default();
        assert!(
            slugs(&listed).contains(&slug.as_str()),
            "{kind:?}: {list:#}"
        );
    }
    // An unknown type name is no id of any type.
    let odd = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Walk:1");
    let refused = app
        .gql(&format!("{{ node(id: \"{odd}\") {{ id }} }}"), json!({}))
        .await;
    assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused:#}");
}
