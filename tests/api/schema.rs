use crate::common::TestApp;
use serde_json::{json, Value};

/// The SDL's snapshot is schema.graphql itself (the file partners read), not an
/// insta snapshot: a second copy would be one more file to update per change.
#[tokio::test]
async fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    let sdl = api::graphql::sdl().await.expect("the schema introspects");
    if on_disk != sdl {
        let (file, code): (Vec<&str>, Vec<&str>) =
            (on_disk.lines().collect(), sdl.lines().collect());
        let at = file
            .iter()
            .zip(&code)
            .position(|(a, b)| a != b)
            .unwrap_or(file.len().min(code.len()));
        panic!(
            "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql`\n\
             first difference, line {}:\n  schema.graphql: {:?}\n  the code:       {:?}",
            at + 1,
            file.get(at),
            code.get(at)
        );
    }
}

const INTROSPECT: &str = r#"query { __schema { types { name kind description
  fields { name description args { name description } }
  inputFields { name description } enumValues { name description } } } }"#;

#[tokio::test]
async fn every_type_field_and_argument_is_described() {
    let app = TestApp::new().await;
    let data = app.data(INTROSPECT, json!({})).await;
    let mut missing = Vec::new();
    let blank = |v: &Value| v.as_str().map(str::trim).unwrap_or_default().is_empty();
    for t in data["__schema"]["types"].as_array().into_iter().flatten() {
        let name = t["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || ["String", "Int", "Boolean", "ID", "Float"].contains(&name) {
            continue;
        }
        if blank(&t["description"]) {
            missing.push(name.to_string());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            if blank(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if blank(&a["description"]) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            if blank(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if blank(&v["description"]) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

#[tokio::test]
async fn migrations_roll_back_and_forward() {
    use migration::MigratorTrait;
    let app = TestApp::demo().await;
    migration::Migrator::down(&app.state.db.conn, None)
        .await
        .expect("down");
    migration::Migrator::up(&app.state.db.conn, None)
        .await
        .expect("up again");
    let data = app.data("query { regions { slug } }", json!({})).await;
    assert_eq!(data["regions"], json!([]));
}
