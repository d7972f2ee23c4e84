//! The pages of docs/ whose examples need a real server and real files
//! (uploads, downloads, ranges, caching headers) run whole, in the order a
//! reader meets them, against the demo content served on a port of its own
//! (`readme.rs` runs every other page):
//!
//! - a ```sh block runs in bash (`set -euo pipefail`), with the real `curl`,
//!   in a folder the page's blocks share, `http://127.0.0.1:8080` replaced by
//!   the server's address; it must exit 0. A variable it sets on a line of its
//!   own (`TOKEN=...`) is kept for the blocks after it, as in a reader's shell;
//! - a ```graphql block runs as `readme.rs` runs it (`# staff`: with an
//!   admin's token) and must answer without errors;
//! - a ```json block right after an example (nothing but blank lines between)
//!   is what the example answers: each field it shows must be in the answer
//!   with that value (`"…"` stands for any value, and `…` inside a string for
//!   any text);
//! - a ```text block right after an example is what it prints: each of its
//!   lines must be a line of the output (`…` for any text).
//!
//! So the answers a page shows are checked, not only its commands.
use crate::readme::{demo_with_admin, graphql_block};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The pages run here rather than by `readme.rs`.
pub const SERVED: &[&str] = &["docs/files.md"];

/// The address the pages' examples use.
const DOCS_ADDRESS: &str = "http://127.0.0.1:8080";

/// A fenced block of a Markdown text.
struct Fence {
    lang: String,
    text: String,
    /// Only blank lines separate it from the fenced block before it.
    follows: bool,
    /// Its first line in the file.
    line: usize,
}

fn fences(markdown: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<Fence> = None;
    let mut gap_has_text = true;
    for (i, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => {
                open = Some(Fence {
                    lang: lang.trim().to_string(),
                    text: String::new(),
                    follows: !gap_has_text,
                    line: i + 1,
                })
            }
            (Some(_), Some(_)) => {
                out.extend(open.take());
                gap_has_text = false;
            }
            (Some(fence), None) => {
                fence.text.push_str(line);
                fence.text.push('\n');
            }
            (None, None) => gap_has_text |= !line.trim().is_empty(),
        }
    }
    assert!(open.is_none(), "a fenced block is never closed");
    out
}

/// Does `text` match `pattern`, where `…` stands for any text?
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Does `actual` hold everything `shown` shows?
fn shows(shown: &Value, actual: &Value) -> bool {
    match (shown, actual) {
        (Value::String(s), _) if s == "…" => true,
        (Value::String(s), Value::String(a)) => wildcard(s, a),
        (Value::Object(s), Value::Object(a)) => {
            s.iter().all(|(k, v)| a.get(k).is_some_and(|a| shows(v, a)))
        }
        (Value::Array(s), Value::Array(a)) => {
            s.len() == a.len() && s.iter().zip(a).all(|(s, a)| shows(s, a))
        }
        (s, a) => s == a,
    }
}

/// The variables a shell block sets on lines of their own (`NAME=...`).
fn assigned(script: &str) -> Vec<String> {
    script
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(name, _)| name)
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_string)
        .collect()
}

/// Runs a shell block in `dir` with bash; the variables of the blocks before
/// it come from `dir/.session`, and the ones it sets go there. Returns what
/// it printed.
async fn shell(dir: &Path, script: &str, where_: &str) -> String {
    let keep: String = assigned(script)
        .iter()
        .map(|n| format!("declare -p {n} >> .session\n"))
        .collect();
    let full =
        format!("set -euo pipefail\nif [ -f .session ]; then . ./.session; fi\n{script}\n{keep}");
    let dir = dir.to_path_buf();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(full)
            .current_dir(dir)
            // The server is on the loopback: never through a proxy.
            .env("NO_PROXY", "*")
            .env("no_proxy", "*")
            .stdin(std::process::Stdio::null())
            .output()
    });
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap_or_else(|_| panic!("{where_}: still running after 120 s"))
        .expect("joined")
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{where_}: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// What one page's run did.
#[derive(Default)]
struct Ran {
    examples: usize,
    answers_checked: usize,
}

async fn run_page(root: &Path, file: &str) -> Ran {
    let markdown = std::fs::read_to_string(root.join(file)).expect("markdown");
    let app = demo_with_admin().await;
    let base = crate::e2e::spawn(&app).await;
    // As `cms serve` does: download addresses start with the address bound.
    app.state.files.set_public_url(&base);
    let dir = tempfile::tempdir().expect("a folder for the page");
    let mut ran = Ran::default();
    // The output of the example just run, while no other block came after it.
    let mut last: Option<String> = None;
    for fence in fences(&markdown) {
        let where_ = format!("{file}:{}", fence.line);
        let text = fence.text.replace(DOCS_ADDRESS, &base);
        let output = last.take().filter(|_| fence.follows);
        match fence.lang.as_str() {
            "sh" => {
                assert!(
                    !text.contains(":8080"),
                    "{where_}: an address other than {DOCS_ADDRESS}"
                );
                last = Some(shell(dir.path(), &text, &where_).await);
                ran.examples += 1;
            }
            "graphql" => {
                last = Some(graphql_block(&app, &where_, &text).await.to_string());
                ran.examples += 1;
            }
            "json" => {
                let output =
                    output.unwrap_or_else(|| panic!("{where_}: an answer that follows no example"));
                let shown: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{where_}: the answer shown is not JSON: {e}"));
                let actual: Value = serde_json::from_str(output.trim()).unwrap_or_else(|e| {
                    panic!("{where_}: the example printed no JSON ({e}):\n{output}")
                });
                assert!(
                    shows(&shown, &actual),
                    "{where_}: the answer differs from the one shown:\n{actual:#}"
                );
                ran.answers_checked += 1;
            }
            "text" => {
                let output =
                    output.unwrap_or_else(|| panic!("{where_}: an output that follows no example"));
                let lines: Vec<&str> = output.lines().map(|l| l.trim_end_matches('\r')).collect();
                for shown in text.lines().filter(|l| !l.trim().is_empty()) {
                    assert!(
                        lines.iter().any(|l| wildcard(shown, l)),
                        "{where_}: no line of the output is {shown:?}; the output:\n{output}"
                    );
                }
                ran.answers_checked += 1;
            }
            other => panic!("{where_}: a ```{other} block; indent examples that do not run"),
        }
        // What a partner reads next reflects what was just published.
        app.state.responses.flush();
    }
    ran
}

#[tokio::test]
async fn the_files_page_runs_with_the_real_curl_against_a_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in SERVED {
        let ran = run_page(root, file).await;
        // A parser that finds nothing fails.
        assert!(
            ran.examples >= 10 && ran.answers_checked >= 10,
            "{file}: only {} examples and {} answers",
            ran.examples,
            ran.answers_checked
        );
        eprintln!(
            "{file}: {} examples run, {} answers checked",
            ran.examples, ran.answers_checked
        );
    }
}

#[test]
fn shown_answers_match_with_wildcards() {
    assert!(wildcard("a…c", "abbbc"));
    assert!(wildcard("…", ""));
    assert!(wildcard("etag: \"…\"", "etag: \"0123\""));
    assert!(!wildcard("etag: \"…\"", "etag: 0123"));
    assert!(!wildcard("abc", "abcd"));
    assert!(wildcard("a…b…c", "a1b2c"));
    assert!(!wildcard("a…b…c", "a1c2b"));
    let shown = json!({ "data": { "x": { "id": "…", "url": "http://h/…?v=…", "n": 1 } } });
    let actual =
        json!({ "data": { "x": { "id": 7, "url": "http://h/f?v=12", "n": 1, "more": 2 } } });
    assert!(shows(&shown, &actual));
    assert!(!shows(&json!({ "n": 2 }), &actual["data"]["x"]));
    assert!(!shows(&json!([1]), &json!([1, 2])));
    assert_eq!(assigned("TOKEN=$(curl ...)\ncurl -F a=b\n  X=1"), ["TOKEN"]);
}
