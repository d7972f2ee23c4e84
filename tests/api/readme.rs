//! Every GraphQL example of README.md and docs/ runs, in the order a reader
//! meets them, against the demo content: the ```graphql blocks (staff ones,
//! marked `# staff`, with a fresh admin token) and the `curl` commands of the
//! ```sh blocks (their `-d` body, or `-G` with `--data-urlencode`). Each must
//! answer 200 without errors and with every top-level field non-null, so a
//! wrong id, a stale version or a renamed field fails here first. The pages
//! whose shell examples need a real server and real files (uploads,
//! downloads) are run whole by `docs_files.rs` instead, with the real `curl`.
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

/// The password the README's examples log in with.
pub const README_PASSWORD: &str = "choose-a-long-passphrase";

/// The fenced blocks of a Markdown text: (language, content).
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Shell words of one command: single and double quotes, backslash escapes.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The `curl` commands of a shell block, continuation lines joined and
/// comments dropped.
fn curl_commands(sh: &str) -> Vec<Vec<String>> {
    let joined = sh.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("curl "))
        .map(words)
        .collect()
}

/// A curl command as a request to the router.
fn request(root: &Path, args: &[String], token: &str) -> Request<Body> {
    let mut get = false;
    let mut body = None;
    let mut params = Vec::new();
    let mut headers = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-s" => {}
            "-G" => get = true,
            "-d" | "--data" => body = it.next().cloned(),
            "-H" => headers.extend(it.next().cloned()),
            "--data-urlencode" => {
                let p = it.next().cloned().unwrap_or_default();
                let (name, value) = match p.split_once('@') {
                    Some((name, file)) if !p.contains('=') || p.find('@') < p.find('=') => (
                        name.to_string(),
                        std::fs::read_to_string(root.join(file))
                            .unwrap_or_else(|e| panic!("{file}: {e}")),
                    ),
                    _ => {
                        let (n, v) = p.split_once('=').expect("name=value");
                        (n.to_string(), v.to_string())
                    }
                };
                params.push((name, value));
            }
            url if url.contains("/graphql") => {}
            other => panic!("an option the README test does not know: {other}"),
        }
    }
    let mut req = if get {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        Request::get(format!("/graphql?{query}"))
    } else {
        Request::post("/graphql")
    };
    for h in headers {
        let (name, value) = h.split_once(':').expect("a header");
        req = req.header(name.trim(), value.trim().replace("$TOKEN", token));
    }
    req.body(body.map(Body::from).unwrap_or_else(Body::empty))
        .expect("request")
}

/// A GraphQL answer an example must give: 200, no errors, every top-level
/// field non-null.
/// Runs a ```graphql block of a page against `app` (as the admin when its
/// first lines say `# staff`), checks it answered without errors, and returns
/// the answer.
pub async fn graphql_block(app: &TestApp, where_: &str, text: &str) -> Value {
    let staff = text.lines().any(|l| l.trim_start().starts_with("# staff"));
    let token = if staff {
        Some(app.login("admin@example.org", README_PASSWORD).await)
    } else {
        None
    };
    let (status, resp) = app.as_user(token.as_deref(), text, json!({})).await;
    check(where_, status, &resp);
    resp
}

pub fn check(where_: &str, status: StatusCode, resp: &Value) {
    assert_eq!(status, StatusCode::OK, "{where_}: {resp:#}");
    assert!(resp.get("errors").is_none(), "{where_}: {resp:#}");
    let data = resp["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{where_}: no data: {resp:#}"));
    for (field, value) in data {
        assert!(!value.is_null(), "{where_}: `{field}` is null: {resp:#}");
    }
}

/// The demo content with the admin the README creates (`admin@example.org`,
/// [`README_PASSWORD`]).
pub async fn demo_with_admin() -> TestApp {
    let app = TestApp::demo().await;
    api::users::create_user(
        &app.state.db,
        &app.state.hashing,
        None,
        "admin@example.org",
        None,
        api::auth::Role::Admin,
        README_PASSWORD.into(),
    )
    .await
    .expect("admin");
    app
}

/// Runs one Markdown file's examples in order; returns how many ran.
async fn run_examples(root: &Path, file: &str) -> usize {
    let markdown = std::fs::read_to_string(root.join(file)).expect("markdown");
    let app = demo_with_admin().await;
    let mut ran = 0;
    for (i, (lang, text)) in blocks(&markdown).into_iter().enumerate() {
        let where_ = format!("{file}, block {i}:\n{text}");
        match lang.as_str() {
            "graphql" => {
                graphql_block(&app, &where_, &text).await;
                ran += 1;
            }
            "sh" => {
                for args in curl_commands(&text) {
                    let token = app.login("admin@example.org", README_PASSWORD).await;
                    let (status, resp) = app.request(request(root, &args, &token)).await;
                    check(&where_, status, &resp);
                    ran += 1;
                }
            }
            _ => {}
        }
        // What a partner reads next reflects what was just published.
        app.state.responses.flush();
    }
    ran
}

#[tokio::test]
async fn every_graphql_example_of_the_readme_and_docs_runs_against_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut total = 0;
    for file in &files {
        // Run whole, against a server, by `docs_files.rs`.
        if crate::docs_files::SERVED.contains(&file.as_str()) {
            continue;
        }
        total += run_examples(root, file).await;
    }
    // README alone has more than twenty: a parser that finds none fails.
    assert!(total >= 20, "only {total} examples found in {files:?}");
    eprintln!("README and docs examples run: {total}");
}

#[test]
fn every_relative_link_of_the_markdown_files_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for dir in ["docs", "tests/faults", "tools/graphiql", "tests/browser"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "md")),
            );
        }
    }
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("markdown");
        let dir = file.parent().expect("a folder");
        for part in text.split("](").skip(1) {
            let Some(target) = part.split(')').next() else {
                continue;
            };
            let path = target.split('#').next().unwrap_or_default().trim();
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            assert!(
                dir.join(path).exists(),
                "{}: the link {target} leads nowhere",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} relative links found");
}
