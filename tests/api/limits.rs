use crate::common::{code, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_page_over_the_cap_is_refused_not_truncated() {
    let app = TestApp::demo().await;
    for q in [
        "query { documents(first: 101) { totalCount } }",
        "query { documents(last: 500) { totalCount } }",
        "query { countries(first: -1) { totalCount } }",
        r#"query { country(slug: "peru") { documents(first: 1000) { totalCount } } }"#,
        r#"query { search(query: "peru", first: 101) { totalCount } }"#,
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
    }
    let data = app
        .data("query { documents(first: 100) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["documents"]["totalCount"], 4);
}

#[tokio::test]
async fn depth_complexity_and_alias_limits_are_coded() {
    let mut config = crate::common::test_config();
    config.max_depth = 5;
    config.max_complexity = 300;
    config.max_aliases = 3;
    let app = TestApp::with_config(config).await;
    let deep = r#"query { country(slug: "peru") { programmes { edges { node { documents { edges { node { slug } } } } } } } }"#;
    let resp = app.gql(deep, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let complex =
        "query { documents(first: 100) { edges { node { slug title format language } } } }";
    let resp = app.gql(complex, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let aliases =
        "query { a: regions { slug } b: regions { slug } c: regions { slug } d: regions { slug } }";
    let resp = app.gql(aliases, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let fine = "query { a: regions { slug } b: regions { slug } }";
    assert!(app.gql(fine, json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn the_default_limits_admit_the_partner_queries_and_refuse_abuse() {
    let app = TestApp::demo().await;
    for (q, vars) in [
        (crate::common::COUNTRY_PAGE, json!({ "slug": "peru" })),
        (crate::common::DOCUMENT_LIST, json!({ "region": "x" })),
        (crate::common::SEARCH, json!({ "q": "x" })),
    ] {
        let resp = app.gql(q, vars).await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }
    let abuse = "query { countries(first: 100) { edges { node { documents(first: 100) { edges { node { countries { programmes(first: 100) { totalCount } } } } } } } } }";
    let resp = app.gql(abuse, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
}

#[tokio::test]
async fn syntax_and_type_errors_are_bad_user_input() {
    let app = TestApp::demo().await;
    for q in [
        "query { country(slug: ",
        "query { nope }",
        r#"query { documents(first: "ten") { totalCount } }"#,
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
    }
}

#[tokio::test]
async fn internal_errors_do_not_leak_sql() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::demo().await;
    app.state
        .db
        .conn
        .execute_unprepared("DROP TABLE document_countries")
        .await
        .expect("drop");
    let resp = app
        .gql(crate::common::COUNTRY_PAGE, json!({ "slug": "peru" }))
        .await;
    assert_eq!(code(&resp), "INTERNAL", "{resp}");
    let text = resp.to_string().to_lowercase();
    for secret in [
        "select",
        "document_countries",
        "sqlx",
        "no such table",
        ".rs",
    ] {
        assert!(!text.contains(secret), "leaked {secret:?}: {resp}");
    }
}

/// A value of a Prometheus gauge or counter on `/metrics`.
pub async fn metric(app: &TestApp, name: &str) -> f64 {
    let (status, _, body) = app
        .raw(
            axum::http::Request::get("/metrics")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).expect("utf-8");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in {text}"))
}

#[tokio::test]
async fn the_count_cache_stays_within_its_byte_budget_under_made_up_filters() {
    let budget = 16 * 1024;
    let mut config = crate::common::test_config();
    config.count_cache_bytes = budget;
    let app = TestApp::with_config(config).await;
    app.import(api::import::demo::dataset()).await;
    assert_eq!(
        metric(&app, "cms_count_cache_budget_bytes").await,
        budget as f64
    );
    let q = "query($f: DocumentFilter) { documents(filter: $f) { totalCount } }";
    let long = "x".repeat(190);
    let day = |n: i64| {
        (chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date") + chrono::Duration::days(n))
            .to_string()
    };
    let mut peak = 0.0f64;
    for i in 0..1000 {
        // Every filter field, distinct in every request: half of them long
        // made-up values that match nothing, half real ones whose counts are
        // cached (a date range of its own each).
        let f = if i % 2 == 0 {
            json!({
                "region": format!("{long}-r{i}"), "country": format!("{long}-c{i}"),
                "programme": format!("{long}-p{i}"), "language": "en",
                "publishedFrom": day(i), "publishedTo": day(20_000 - i),
                "status": ["ARCHIVED", "DRAFT", "IN_REVIEW", "PUBLISHED"],
            })
        } else {
            json!({
                "region": "latin-america-and-the-caribbean", "country": "peru",
                "language": "en", "publishedFrom": day(i), "publishedTo": day(20_000 - i),
                "status": ["PUBLISHED", "DRAFT", "PUBLISHED", "IN_REVIEW"],
            })
        };
        let (_, resp) = app
            .post(json!({ "query": q, "variables": { "f": f } }))
            .await;
        let expected = if i % 2 == 0 { 0 } else { 4 };
        assert_eq!(resp["data"]["documents"]["totalCount"], expected, "{resp}");
        if i % 50 == 49 {
            let bytes = metric(&app, "cms_count_cache_bytes").await;
            assert!(bytes <= budget as f64, "{bytes} bytes > budget {budget}");
            peak = peak.max(bytes);
        }
    }
    assert!(peak > budget as f64 / 2.0, "the cache was used: {peak}");
    assert!(metric(&app, "cms_count_cache_entries").await >= 1.0);
    // Still correct afterwards.
    let d = app.data("{ documents { totalCount } }", json!({})).await;
    assert_eq!(d["documents"]["totalCount"], 4);
}

#[tokio::test]
async fn list_arguments_have_a_maximum_length_and_statuses_fold() {
    let app = TestApp::demo().await;
    // More entries than there are statuses, through a literal and a variable.
    let five =
        "{ documents(filter: { status: [DRAFT, DRAFT, DRAFT, DRAFT, DRAFT] }) { totalCount } }";
    let resp = app.gql(five, json!({})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "filter.status");
    let many = vec!["PUBLISHED"; 40_000];
    for (q, vars) in [
        (
            "query($s: [Status!]) { documents(filter: { status: $s }) { totalCount } }",
            json!({ "s": many }),
        ),
        (
            "query($s: [Status!]) { programmes(filter: { status: $s }) { totalCount } }",
            json!({ "s": many }),
        ),
        (
            "query($s: [Status!]) { countries(filter: { status: $s }) { totalCount } }",
            json!({ "s": many }),
        ),
    ] {
        let resp = app.gql(q, vars).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "filter.status");
    }
    // Duplicates fold: the same answer as the plain filter.
    let folded = app
        .data(
            "{ a: documents(filter: { status: [PUBLISHED, PUBLISHED, DRAFT] }) { totalCount } b: documents(filter: { status: [DRAFT, PUBLISHED] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(folded["a"]["totalCount"], 4);
    assert_eq!(folded["a"], folded["b"]);
}

#[tokio::test]
async fn list_input_fields_have_a_maximum_length() {
    let app = TestApp::with_roles()
        .config(|c| c.max_list_length = 3)
        .await;
    let peru = app.country_id(app.editor(), "peru").await;
    let region = app
        .staff_data(app.editor(), "{ regions { id } }", json!({}))
        .await["regions"][0]["id"]
        .clone();
    let before = crate::permissions::fingerprint(&app).await;
    let blocks = json!([{ "title": "a" }, { "title": "b" }, { "title": "c" }, { "title": "d" }]);
    for (q, input, field) in [
        (
            "mutation($i: DocumentInput!) { createDocument(input: $i) { id } }",
            json!({ "slug": "d", "title": "D", "publishedOn": "2024-01-01", "language": "en", 
                    "countryIds": [peru, peru, peru, peru] }),
            "input.countryIds",
        ),
        (
            "mutation($i: ProgrammeInput!) { createProgramme(input: $i) { id } }",
            json!({ "slug": "p", "title": "P", "kind": "MIP", "countryIds": [peru], "periodStart": 2021,
                    "periodEnd": 2024, "budget": { "amount": "1.00", "currency": "EUR" }, "priorityAreas": blocks }),
            "input.priorityAreas",
        ),
        (
            "mutation($i: CountryInput!) { createCountry(input: $i) { id } }",
            json!({ "slug": "c", "iso2": "CX", "name": "C", "regionId": region, "priorities": blocks }),
            "input.priorities",
        ),
    ] {
        let (_, resp) = app
            .as_user(Some(app.editor()), q, json!({ "i": input }))
            .await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{q}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field);
    }
    assert_eq!(crate::permissions::fingerprint(&app).await, before);
}

#[tokio::test]
async fn directives_are_limited_per_field_and_per_document() {
    let app = TestApp::demo().await;
    let wide = "{ regions @include(if: true) @skip(if: false) @include(if: true) @skip(if: false) @include(if: true) { slug } }";
    let resp = app.gql(wide, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let many = format!(
        "{{ regions {{ {} }} }}",
        "slug @include(if: true) ".repeat(51)
    );
    let resp = app.gql(&many, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // Counted at every spread of the fragment that holds them.
    let spread = format!(
        "query {{ regions {{ {} }} }} fragment R on Region {{ {} }}",
        "...R ".repeat(6),
        "slug @include(if: true) ".repeat(10)
    );
    let resp = app.gql(&spread, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    let fine = "{ regions @include(if: true) { slug @skip(if: false) } }";
    assert!(app.gql(fine, json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn fragments_count_at_every_spread() {
    let mut config = crate::common::test_config();
    config.max_complexity = 1000;
    let app = TestApp::with_config(config).await;
    // Aliases: one alias in a fragment spread 31 times is 31 aliases.
    let aliases = format!(
        "query {{ {} }} fragment A on Query {{ r: regions {{ slug }} }}",
        "...A ".repeat(31)
    );
    let resp = app.gql(&aliases, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    assert!(resp.to_string().contains("aliases"), "{resp}");
    // Depth: fragments nesting fields through each other.
    let depth = "query { regions { ...C } } \
        fragment C on Region { countries { nodes { ...P } } } \
        fragment P on Country { programmes { nodes { ...D } } } \
        fragment D on Programme { documents { nodes { countries { region { countries { nodes { slug } } } } } } }";
    let resp = app.gql(depth, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // Complexity: one spread of a 100-document page fits, two do not.
    let page =
        "fragment D on Query { documents(first: 100) { nodes { slug title language format } } }";
    let once = format!("query {{ ...D }} {page}");
    assert!(app.gql(&once, json!({})).await.get("errors").is_none());
    let twice = format!(
        "query {{ ...D a: documents(first: 1) {{ totalCount }} ... on Query {{ ...D }} }} {page}"
    );
    let resp = app.gql(&twice, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // A fragment bomb (each level spreads the next twice: 2^40 fields) is
    // measured without being walked, and refused.
    let mut bomb = String::from("query { ...F0 }");
    for i in 0..40 {
        bomb.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    bomb.push_str(" fragment F40 on Query { regions { slug } }");
    let resp = app.gql(&bomb, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // A long chain of fragments, each spreading the next (flat text, so the
    // parser's nesting limit does not see it), is refused without recursing
    // through it.
    let mut chain = String::from("query { ...A0 }");
    for i in 0..20_000 {
        chain.push_str(&format!(" fragment A{i} on Query {{ ...A{} }}", i + 1));
    }
    chain.push_str(" fragment A20000 on Query { regions { slug } }");
    let resp = app.gql(&chain, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // A fragment cycle is refused too, not looped on.
    let cycle = "query { regions { ...A } } fragment A on Region { slug ...B } fragment B on Region { name ...A }";
    let resp = app.gql(cycle, json!({})).await;
    assert!(resp["errors"].is_array(), "{resp}");
}

#[tokio::test]
async fn fragments_no_operation_spreads_are_refused_before_validation_walks_them() {
    // Validation visits every fragment definition, spread or not: an unused one
    // must be measured or refused like any other, or it escapes the limits.
    let app = TestApp::demo().await;
    let unused = "query { regions { slug } } fragment X on Query { regions { slug } }";
    let resp = app.gql(unused, json!({})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    assert!(
        resp.to_string().contains("no operation ever spreads"),
        "{resp}"
    );
    assert!(resp["data"].is_null(), "{resp}");
    // A chain of 20,000 unused fragments, each spreading the next: the cycle
    // check recurses once per link (a stack overflow aborts the process).
    let mut chain = String::from("query { regions { slug } }");
    for i in 0..20_000 {
        chain.push_str(&format!(" fragment A{i} on Query {{ ...A{} }}", i + 1));
    }
    chain.push_str(" fragment A20000 on Query { regions { slug } }");
    let resp = app.gql(&chain, json!({})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    // Unused fragments spreading a wide one: the overlap check walks the wide
    // fragment again at every spread (fields x spreads).
    let wide = format!(
        "query {{ __typename }} fragment F on Query {{ {} }} fragment U on Query {{ {} }}",
        "__typename ".repeat(2000),
        "... { ...F } ".repeat(2000)
    );
    let resp = app.gql(&wide, json!({})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    // The same shape spread from the query is measured, and over the field limit.
    let used = wide.replacen("query { __typename }", "query { ...U }", 1);
    let resp = app.gql(&used, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    // Mutations are no way round it, and a used fragment still works.
    let resp = app
        .gql(
            "mutation { __typename } fragment M on Mutation { __typename }",
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    let data = app
        .data(
            "query { ...R } fragment R on Query { regions { slug } }",
            json!({}),
        )
        .await;
    assert!(data["regions"].is_array(), "{data}");
}

#[tokio::test]
async fn deep_values_and_many_variables_are_refused_before_validation() {
    let app = TestApp::demo().await;
    // Ten kilobytes of list literal nested 5,000 deep: the parser keeps it, and
    // the validator's recursion overflowed the stack (aborting the process).
    let deep = format!(
        "{{ documents(filter: {{ status: {}PUBLISHED{} }}) {{ totalCount }} }}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let resp = app.gql(&deep, json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    assert!(resp.to_string().contains("nests brackets"), "{resp}");
    // As deep as the limit allows still parses and is answered.
    let nested = format!(
        "{{ documents(filter: {{ status: {}PUBLISHED{} }}) {{ totalCount }} }}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let resp = app.gql(&nested, json!({})).await;
    assert_eq!(
        code(&resp),
        "BAD_USER_INPUT",
        "a wrong type, not a crash: {resp}"
    );
    // Variable definitions: the validator's checks grow with definitions times uses
    // (40,000 of them took 2.4 s of CPU in one request).
    let vars = |n: usize| {
        let defs: Vec<String> = (0..n).map(|i| format!("$v{i}: Status")).collect();
        let uses: Vec<String> = (0..n).map(|i| format!("$v{i}")).collect();
        format!(
            "query({}) {{ documents(filter: {{ status: [{}] }}) {{ totalCount }} }}",
            defs.join(" "),
            uses.join(",")
        )
    };
    let resp = app.gql(&vars(101), json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    assert!(resp.to_string().contains("variable definitions"), "{resp}");
    // Arguments: each unknown one is an error of its own.
    let args: Vec<String> = (0..17).map(|i| format!("a{i}: 1")).collect();
    let resp = app
        .gql(
            &format!("{{ documents({}) {{ totalCount }} }}", args.join(", ")),
            json!({}),
        )
        .await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    assert!(resp.to_string().contains("arguments"), "{resp}");
    for on_directive in [
        format!("{{ __typename @include(if: true, {}) }}", args.join(", ")),
        format!(
            "{{ ... @include(if: true, {}) {{ __typename }} }}",
            args.join(", ")
        ),
        format!("query @x({}) {{ __typename }}", args.join(", ")),
    ] {
        let resp = app.gql(&on_directive, json!({})).await;
        assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{on_directive}: {resp}");
    }
    let ok = app
        .gql(
            &vars(3),
            json!({ "v0": "PUBLISHED", "v1": "PUBLISHED", "v2": "PUBLISHED" }),
        )
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

#[tokio::test]
async fn error_messages_quote_client_input_briefly() {
    // A long bad value echoed in every error, at every item of a list, would
    // turn a 100 KB request into megabytes of answer.
    let app = TestApp::demo().await;
    let junk = "\"".repeat(100_000);
    let q = "query($c: String, $d: Date) { regions { countries(first: 50) { edges { node { documents(after: $c) { totalCount } } } } } documents(filter: { publishedFrom: $d }) { totalCount } node(id: $c) { id } }";
    let resp = app.gql(q, json!({ "c": junk, "d": junk })).await;
    let text = resp.to_string();
    assert!(
        resp["errors"].is_array(),
        "{}",
        &text[..text.len().min(500)]
    );
    assert!(text.len() < 20_000, "{} bytes of answer", text.len());
    for err in resp["errors"].as_array().into_iter().flatten() {
        let message = err["message"].as_str().unwrap_or_default();
        assert!(message.len() < 400, "{message}");
        assert!(err["extensions"]["code"].is_string(), "{err}");
    }
    assert!(
        text.contains("bytes)"),
        "the quote says how long the value was: {text}"
    );
}

#[tokio::test]
async fn a_document_of_conflicting_fields_gets_a_bounded_number_of_errors() {
    let app = TestApp::demo().await;
    // 900 fields of one response name with different arguments: every pair
    // conflicts.
    let conflicting: String = (0..900)
        .map(|i| format!("country(slug: \"c{i}\") {{ slug }} "))
        .collect();
    let resp = app.gql(&format!("{{ {conflicting} }}"), json!({})).await;
    let errors = resp["errors"].as_array().expect("errors");
    assert!(errors.len() <= 20, "{} errors", errors.len());
    assert!(errors.len() > 1, "{resp}");
    assert!(
        errors[errors.len() - 1]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("more errors were left out"),
        "{resp}"
    );
    assert!(errors.iter().all(|e| e["extensions"]["code"].is_string()));
    // One of nearly 1 MiB (the body limit) is refused by its size before
    // validation looks at it.
    let mut huge = String::from("{ ");
    let mut i = 0;
    while huge.len() < 900_000 {
        huge.push_str(&format!("country(slug: \"c{i}\") {{ slug }} "));
        i += 1;
    }
    huge.push('}');
    let (status, resp) = app.post(json!({ "query": huge })).await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["errors"].as_array().map(Vec::len), Some(1), "{resp}");
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn search_carries_a_complexity_weight_of_its_own() {
    let app = TestApp::demo().await;
    let searches = |n: usize| {
        let body: String = (0..n)
            .map(|i| format!("s{i}: search(query: \"peru\", first: 1) {{ totalCount }} "))
            .collect();
        format!("{{ {body} }}")
    };
    assert!(app
        .gql(&searches(5), json!({}))
        .await
        .get("errors")
        .is_none());
    // Twenty-five searches of one hit each: cheap by fields, not by work.
    let resp = app.gql(&searches(25), json!({})).await;
    assert_eq!(code(&resp), "QUERY_TOO_COMPLEX", "{resp}");
    assert!(resp.to_string().contains("complexity"), "{resp}");
}

#[tokio::test]
async fn a_nul_character_in_a_value_is_the_client_s_error_not_internal() {
    // PostgreSQL refuses NUL in text; SQLite compares it. Neither is INTERNAL.
    let app = TestApp::demo().await;
    let resp = app
        .gql(
            "query($s: String!) { region(slug: $s) { slug } documents(filter: { country: $s }) { totalCount } }",
            json!({ "s": "pe\u{0}ru" }),
        )
        .await;
    for err in resp["errors"].as_array().cloned().unwrap_or_default() {
        assert_eq!(err["extensions"]["code"], "BAD_USER_INPUT", "{resp}");
    }
    if resp.get("errors").is_none() {
        assert_eq!(resp["data"]["region"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn parsed_documents_are_kept_once_within_their_budget() {
    let mut config = crate::common::test_config();
    config.document_cache_bytes = 4096;
    let app = TestApp::with_config(config).await;
    let q = "query { regions { slug } }";
    for _ in 0..3 {
        assert!(app.gql(q, json!({})).await.get("errors").is_none());
    }
    assert_eq!(app.state.documents.size().0, 1, "one entry per text");
    // A document that does not parse is reported, never kept.
    let resp = app.gql("query { regions { ", json!({})).await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp}");
    assert_eq!(app.state.documents.size().0, 1);
    // One larger than the whole budget is answered but not kept; the budget holds.
    let long = format!("query {{ regions {{ slug }} }} #{}", "x".repeat(4096));
    assert!(app.gql(&long, json!({})).await.get("errors").is_none());
    let (entries, bytes) = app.state.documents.size();
    assert_eq!(entries, 1);
    assert!(bytes <= 4096, "{bytes}");
    // A document of many literals is charged for their nodes, not their few
    // bytes of text: half a megabyte of `PUBLISHED, ` would hold some 40 MB.
    let mut config = crate::common::test_config();
    config.document_cache_bytes = 8 << 20;
    let app8 = TestApp::with_config(config).await;
    let literals = format!(
        "query {{ documents(filter: {{ status: [{}] }}) {{ totalCount }} }}",
        "PUBLISHED, ".repeat(50_000)
    );
    app8.gql(&literals, json!({})).await;
    assert_eq!(app8.state.documents.size().0, 0, "not kept");
    app8.gql("query { regions { slug } }", json!({})).await;
    assert_eq!(app8.state.documents.size().0, 1);
    // The limits still hold for a document found in the cache.
    let deep = "query { regions { countries { edges { node { programmes { edges { node { documents { edges { node { countries { region { slug } } } } } } } } } } } } }";
    let mut tight = crate::common::test_config();
    tight.max_depth = 5;
    let app = TestApp::with_config(tight).await;
    for _ in 0..2 {
        assert_eq!(code(&app.gql(deep, json!({})).await), "QUERY_TOO_COMPLEX");
    }
}

#[tokio::test]
async fn a_document_that_passed_validation_is_validated_again_with_other_variables() {
    // Validation is remembered per (document, operation, variables): after a
    // pass, the same document with variables that break its arguments gets
    // the very error a process that never saw it gives.
    const Q: &str =
        "query($f: DocumentFilter, $n: Int) { documents(filter: $f, first: $n) { totalCount } }";
    let bad = [
        json!({ "f": { "nope": 1 } }),
        json!({ "f": { "language": 5 } }),
        json!({ "n": "ten" }),
        json!({ "f": [1, 2] }),
    ];
    let fresh = TestApp::demo().await;
    let mut first_sight = Vec::new();
    for vars in &bad {
        let resp = fresh.gql(Q, vars.clone()).await;
        assert_eq!(code(&resp), "BAD_USER_INPUT", "{vars}: {resp}");
        first_sight.push(resp);
    }
    let app = TestApp::demo().await;
    let ok = json!({ "f": { "language": "en" }, "n": 5 });
    for _ in 0..3 {
        let data = app.data(Q, ok.clone()).await;
        assert_eq!(data["documents"]["totalCount"], 4);
    }
    for (vars, expected) in bad.iter().zip(&first_sight) {
        assert_eq!(&app.gql(Q, vars.clone()).await, expected, "{vars}");
    }
}
