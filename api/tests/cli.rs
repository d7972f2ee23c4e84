//! The `cms` binary as an operator runs it: real processes, real files, a real
//! server on port 0. Uses SQLite, or PostgreSQL when TEST_DATABASE_URL is set (each
//! test then works in its own database).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CMS: &str = env!("CARGO_BIN_EXE_cms");

/// A database URL for one test, plus the temp dir that holds it.
fn database(name: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(url) => {
            let db = format!("cms_cli_{name}_{}", std::process::id());
            let server = url
                .rsplit_once('/')
                .map(|(s, _)| s.to_string())
                .unwrap_or(url.clone());
            let status = Command::new("psql")
                .arg(format!("{server}/postgres"))
                .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {db}")])
                .args(["-c", &format!("CREATE DATABASE {db}")])
                .status()
                .expect("psql");
            assert!(status.success());
            (format!("{server}/{db}"), dir)
        }
        None => {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
            (url, dir)
        }
    }
}

fn cms(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(CMS)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("cms runs")
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    out
}

fn http_post(addr: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["import", "--help"],
        &["export", "--help"],
        &["schema", "--help"],
    ] {
        let out = Command::new(CMS).args(args).output().expect("runs");
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn schema_command_prints_the_committed_sdl() {
    let out = Command::new(CMS).arg("schema").output().expect("runs");
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .unwrap_or_default();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn serve_starts_with_demo_content_and_stops_gracefully_on_sigterm() {
    let (url, dir) = database("serve");
    let mut child = Command::new(CMS)
        .arg("--database-url")
        .arg(&url)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let addr = loop {
        let line = lines
            .next()
            .expect("server prints its address")
            .expect("line");
        if let Some(rest) = line.strip_prefix("Partnerships CMS listening on http://") {
            break rest.trim().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no address printed"
        );
    };
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(http_get(&addr, "/readyz").starts_with("HTTP/1.1 200"));
    let answer = http_post(
        &addr,
        r#"{"query":"{ country(slug: \"peru\") { iso2 programmes { edges { node { budget { amount } } } } } }"}"#,
    );
    assert!(answer.contains(r#""amount":"57000000.00""#), "{answer}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

#[test]
fn import_refuses_a_bad_file_by_name_and_export_round_trips() {
    let (url, dir) = database("import");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"regions":[{"slug":"r","name":"R"}],"countries":[{"slug":"peru","name":"Peru","iso2":"PE","region":"nowhere"}]}"#,
    )
    .expect("write");
    let out = cms(&url, &["import", bad.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("countries[0]") && err.contains("unknown region"),
        "{err}"
    );

    // Nothing was written: the export is empty.
    let empty = dir.path().join("empty.json");
    assert!(cms(&url, &["export", empty.to_str().unwrap_or_default()])
        .status
        .success());
    let text = std::fs::read_to_string(&empty).expect("export");
    assert!(text.contains(r#""regions": []"#), "{text}");

    let good = dir.path().join("good.json");
    std::fs::write(&good, r#"{"regions":[{"slug":"r","name":"R"}],"countries":[{"slug":"peru","name":"Peru","iso2":"PE","region":"r"}],
      "programmes":[{"slug":"p","title":"P","kind":"MIP","countries":["PE"],"periodStart":2021,"periodEnd":2024,"budgetEur":"57000000.00","priorityAreas":[]}],
      "documents":[{"slug":"d","title":"D","publishedOn":"2022-03-08","language":"en","format":"PDF","sizeBytes":421002,"countries":["PE"],"programme":"p"}]}"#).expect("write");
    let out = cms(&url, &["import", good.to_str().unwrap_or_default()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = dir.path().join("first.json");
    assert!(cms(&url, &["export", first.to_str().unwrap_or_default()])
        .status
        .success());

    let (url2, _dir2) = database("import2");
    assert!(cms(&url2, &["import", first.to_str().unwrap_or_default()])
        .status
        .success());
    let second = dir.path().join("second.json");
    assert!(cms(&url2, &["export", second.to_str().unwrap_or_default()])
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(&first).ok(),
        std::fs::read_to_string(&second).ok()
    );
}

#[test]
fn migrate_rolls_back_and_forward() {
    let (url, _dir) = database("migrate");
    assert!(cms(&url, &["migrate"]).status.success());
    let out = cms(&url, &["migrate", "--down", "9"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(cms(&url, &["migrate"]).status.success());
}
