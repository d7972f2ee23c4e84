//! Introspection as standard clients send it: graphql-js `getIntrospectionQuery()`
//! with every option (what GraphiQL sends), and Apollo Rover / graphql-codegen's
//! query, under the default limits; crafted introspection abuse refused; and
//! introspection for staff only when configured.
use crate::common::{code, TestApp};
use serde_json::json;

/// graphql-js 16/17 `getIntrospectionQuery({ descriptions, specifiedByUrl,
/// directiveIsRepeatable, schemaDescription, inputValueDeprecation })`, with the
/// deepest `TypeRef` any of them sends.
pub use api::graphql::sdl::INTROSPECTION_QUERY as GRAPHQL_JS;

/// The query Apollo Rover and graphql-codegen send (graphql-js's defaults).
pub const APOLLO: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[tokio::test]
async fn the_standard_introspection_queries_run_under_the_default_limits() {
    let app = TestApp::demo().await;
    for (name, q) in [("graphql-js", GRAPHQL_JS), ("apollo", APOLLO)] {
        // Over HTTP, as the clients send it.
        let (status, resp) = app.post(json!({ "query": q })).await;
        assert_eq!(status, 200, "{name}: {resp}");
        assert!(resp.get("errors").is_none(), "{name}: {resp}");
        let types = resp["data"]["__schema"]["types"].as_array().expect("types");
        let country = types
            .iter()
            .find(|t| t["name"] == "Country")
            .expect("Country");
        assert!(country["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["name"] == "programmes")));
    }
}

#[tokio::test]
async fn crafted_introspection_is_still_refused() {
    let app = TestApp::demo().await;
    // ofType nested 60 levels deep (past 64 the parser itself refuses).
    let deep = format!(
        "{{ __type(name: \"Country\") {{ {}kind{} }} }}",
        "ofType { ".repeat(60),
        " }".repeat(60)
    );
    let resp = app.gql(&deep, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // 100 levels: the parser's own nesting limit refuses it before anything runs.
    let deep = format!(
        "{{ __type(name: \"Country\") {{ {}kind{} }} }}",
        "ofType { ".repeat(100),
        " }".repeat(100)
    );
    let resp = app.gql(&deep, json!({})).await;
    assert!(resp["data"].is_null(), "{resp}");
    assert!(
        ["QUERY_TOO_COMPLEX", "BAD_USER_INPUT"].contains(&code(&resp)),
        "{resp}"
    );
    let deep = format!(
        "{{ __schema {{ types {{ {}kind{} }} }} }}",
        "ofType { ".repeat(25),
        " }".repeat(25)
    );
    let resp = app.gql(&deep, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // __schema aliased 50 times.
    let many: String = (0..50)
        .map(|i| format!("s{i}: __schema {{ types {{ name fields {{ name }} }} }} "))
        .collect();
    let resp = app.gql(&format!("{{ {many} }}"), json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // The introspection allowance does not lift the content depth limit.
    let content = "query { regions { countries { nodes { programmes { nodes { documents { nodes { countries { region { countries { nodes { slug } } } } } } } } } } } }";
    let resp = app.gql(content, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
}

#[tokio::test]
async fn introspection_can_be_kept_for_staff_only() {
    let app = TestApp::with_roles()
        .config(|c| c.introspection = api::config::Introspection::Staff)
        .await;
    let (_, anonymous) = app.as_user(None, GRAPHQL_JS, json!({})).await;
    assert_eq!(code(&anonymous), "FORBIDDEN", "{anonymous}");
    assert!(anonymous["data"].is_null(), "{anonymous}");
    let (_, sneaky) = app
        .as_user(
            None,
            "{ regions { slug } __type(name: \"Country\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&sneaky), "FORBIDDEN", "{sneaky}");
    // __typename is not introspection of the schema.
    let d = app
        .data("{ __typename regions { __typename } }", json!({}))
        .await;
    assert_eq!(d["__typename"], "Query");
    assert_eq!(
        app.staff_data(
            app.editor(),
            "{ __schema { queryType { name } } }",
            json!({})
        )
        .await["__schema"]["queryType"]["name"],
        "Query"
    );
    // Content queries stay public.
    let d = app
        .data("{ country(slug: \"peru\") { name } }", json!({}))
        .await;
    assert_eq!(d["country"]["name"], "Peru");
}
