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
        .env("CMS_DATA_DIR", data_dir(url))
        .output()
        .expect("cms runs")
}

/// The data directory (files, spool) of a test's database: beside a SQLite
/// file, in the system's temp directory for PostgreSQL.
fn data_dir(url: &str) -> std::path::PathBuf {
    match url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
    {
        Some(file) => std::path::Path::new(file)
            .parent()
            .map(|p| p.join("data"))
            .unwrap_or_default(),
        None => std::env::temp_dir().join(format!(
            "cms-cli-{}",
            url.rsplit('/').next().unwrap_or("db")
        )),
    }
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

/// Starts `cms serve` on port 0; returns the child and its address.
fn spawn_server(url: &str, dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(CMS)
        .arg("--database-url")
        .arg(url)
        .arg("--data-dir")
        .arg(dir)
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
    // Keep reading: a closed pipe would fail the server's next line of output.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn stop(mut child: std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

#[test]
fn serve_starts_with_demo_content_and_stops_gracefully_on_sigterm() {
    let (url, dir) = database("serve");
    let (child, addr) = spawn_server(&url, dir.path());
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(http_get(&addr, "/readyz").starts_with("HTTP/1.1 200"));
    let answer = http_post(
        &addr,
        r#"{"query":"{ country(slug: \"peru\") { iso2 programmes { edges { node { budget { amount } } } } } }"}"#,
    );
    assert!(answer.contains(r#""amount":"57000000.00""#), "{answer}");
    stop(child);
}

/// `cms user create` with the password on standard input.
fn user_create(
    url: &str,
    dir: &std::path::Path,
    email: &str,
    password: &str,
) -> std::process::Output {
    let mut child = Command::new(CMS)
        .arg("--database-url")
        .arg(url)
        .arg("--data-dir")
        .arg(dir)
        .args(["user", "create", "--email", email, "--role", "ADMIN"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    child.wait_with_output().expect("exits")
}

#[test]
fn user_create_makes_the_first_admin_who_can_log_in() {
    let (url, dir) = database("user");
    let short = user_create(&url, dir.path(), "admin@example.org", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let out = user_create(
        &url,
        dir.path(),
        "Admin@Example.org",
        "a long enough password",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin@example.org (ADMIN)"));
    let again = user_create(
        &url,
        dir.path(),
        "admin@example.org",
        "another long password",
    );
    assert!(!again.status.success());

    let (child, addr) = spawn_server(&url, dir.path());
    let login = http_post(
        &addr,
        r#"{"query":"mutation { login(email: \"admin@example.org\", password: \"a long enough password\") { token user { role } } }"}"#,
    );
    assert!(login.contains(r#""role":"ADMIN""#), "{login}");
    assert!(login.contains(r#""token":"ey"#), "{login}");
    let wrong = http_post(
        &addr,
        r#"{"query":"mutation { login(email: \"admin@example.org\", password: \"\") { token } }"}"#,
    );
    assert!(wrong.contains("UNAUTHENTICATED"), "{wrong}");
    stop(child);
    // Run locally without a secret, the service generated one in its data directory.
    assert!(dir.path().join("jwt-secret").exists());
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

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn import_takes_files_beside_the_json_and_export_writes_them_back() {
    let (url, dir) = database("files");
    let pdf = api::files::make::pdf("Annex", 421_002).expect("pdf");
    let sha = sha256_hex(&pdf);
    let source = dir.path().join("source");
    std::fs::create_dir_all(source.join("files")).expect("mkdir");
    std::fs::write(source.join("files").join(&sha), &pdf).expect("write");
    // The file says ZIP and 1 byte: the bytes say otherwise, and win. The
    // second document has no file beside the JSON: metadata only.
    let json = source.join("data.json");
    std::fs::write(&json, format!(r#"{{"regions":[{{"slug":"r","name":"R"}}],"countries":[{{"slug":"peru","name":"Peru","iso2":"PE","region":"r"}}],
      "documents":[{{"slug":"annex","title":"Annex","publishedOn":"2022-03-08","language":"en","format":"ZIP","sizeBytes":1,"countries":["PE"],"sha256":"{sha}","originalFilename":"annex.pdf"}},
                   {{"slug":"elsewhere","title":"Elsewhere","publishedOn":"2022-03-08","language":"en","format":"PDF","sizeBytes":5000,"countries":["PE"]}}]}}"#)).expect("write");
    let out = cms(&url, &["import", json.to_str().unwrap_or_default()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stored 1 files"));

    let first = dir.path().join("first");
    std::fs::create_dir_all(&first).expect("mkdir");
    let out = cms(
        &url,
        &[
            "export",
            first.join("data.json").to_str().unwrap_or_default(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("data.json")).expect("read"))
            .expect("json");
    let annex = &exported["documents"][0];
    assert_eq!(annex["sha256"], sha.as_str());
    assert_eq!(annex["sizeBytes"], 421_002);
    assert_eq!(annex["format"], "PDF");
    assert_eq!(
        std::fs::read(first.join("files").join(&sha))
            .ok()
            .as_deref(),
        Some(pdf.as_slice()),
        "the export wrote the bytes"
    );
    assert_eq!(
        std::fs::read_dir(first.join("files"))
            .map(|d| d.count())
            .unwrap_or(0),
        1
    );

    // Into another database: the same rows and the same bytes.
    let (url2, _dir2) = database("files2");
    let out = cms(
        &url2,
        &[
            "import",
            first.join("data.json").to_str().unwrap_or_default(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = dir.path().join("second");
    std::fs::create_dir_all(&second).expect("mkdir");
    assert!(cms(
        &url2,
        &[
            "export",
            second.join("data.json").to_str().unwrap_or_default()
        ]
    )
    .status
    .success());
    assert_eq!(
        std::fs::read_to_string(first.join("data.json")).ok(),
        std::fs::read_to_string(second.join("data.json")).ok()
    );
    assert_eq!(
        std::fs::read(second.join("files").join(&sha))
            .ok()
            .as_deref(),
        Some(pdf.as_slice())
    );

    // Bytes that do not hash to their name are refused, naming the field.
    std::fs::write(source.join("files").join(&sha), b"%PDF-1.4 not the same").expect("write");
    let (url3, _dir3) = database("files3");
    let out = cms(&url3, &["import", json.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("documents[0].sha256") && err.contains("do not hash"),
        "{err}"
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

/// `cms user create` at a terminal (a pseudo-terminal from util-linux's
/// `script`): each line is typed only once its prompt is on the screen, as a
/// person would. Returns the exit status and everything the terminal showed.
fn user_create_at_a_terminal(
    url: &str,
    dir: &std::path::Path,
    email: &str,
    typed: &[&str],
) -> (bool, String) {
    use std::sync::{Arc, Mutex};
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let command = [
        CMS,
        "--database-url",
        url,
        "--data-dir",
        &dir.display().to_string(),
        "user",
        "create",
        "--email",
        email,
        "--role",
        "ADMIN",
    ]
    .iter()
    .map(|a| quote(a))
    .collect::<Vec<_>>()
    .join(" ");
    let mut child = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut out = child.stdout.take().expect("stdout");
    let reader = {
        let screen = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        })
    };
    let mut stdin = child.stdin.take().expect("stdin");
    let shown = |screen: &Arc<Mutex<Vec<u8>>>| {
        String::from_utf8_lossy(&screen.lock().expect("lock")).into_owned()
    };
    for (i, line) in typed.iter().enumerate() {
        let prompts = i + 1;
        let deadline = Instant::now() + Duration::from_secs(30);
        while shown(&screen).matches("assword").count() < prompts {
            assert!(Instant::now() < deadline, "no prompt: {}", shown(&screen));
            std::thread::sleep(Duration::from_millis(20));
        }
        stdin
            .write_all(format!("{line}\r").as_bytes())
            .expect("type");
    }
    let status = child.wait().expect("exits");
    drop(stdin);
    reader.join().expect("reader");
    (status.success(), shown(&screen))
}

#[test]
fn user_create_asks_twice_without_echo_at_a_terminal() {
    let (url, dir) = database("tty");
    let secret = "typed at a terminal 1";
    let (ok, screen) = user_create_at_a_terminal(
        &url,
        dir.path(),
        "admin@example.org",
        &[secret, "typed differently 22"],
    );
    assert!(!ok, "{screen}");
    assert!(screen.contains("Password again"), "{screen}");
    assert!(screen.contains("differ"), "{screen}");
    assert!(
        !screen.contains("typed"),
        "the password was echoed: {screen}"
    );
    let (ok, screen) =
        user_create_at_a_terminal(&url, dir.path(), "admin@example.org", &[secret, secret]);
    assert!(ok, "{screen}");
    assert!(
        !screen.contains(secret),
        "the password was echoed: {screen}"
    );
    assert!(screen.contains("admin@example.org (ADMIN)"), "{screen}");
    // The account logs in with what was typed.
    let (child, addr) = spawn_server(&url, dir.path());
    let login = http_post(
        &addr,
        r#"{"query":"mutation { login(email: \"admin@example.org\", password: \"typed at a terminal 1\") { user { role } } }"}"#,
    );
    stop(child);
    assert!(login.contains(r#""role":"ADMIN""#), "{login}");
}

#[test]
fn generate_writes_files_for_benchmark_data_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("data.json");
    let run = Command::new(CMS)
        .args(["generate", "--files", "3", "--out"])
        .arg(&out)
        .env("RUST_LOG", "warn")
        .output()
        .expect("cms runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    let with_files: Vec<&serde_json::Value> = data["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter(|d| d.get("sha256").is_some())
        .collect();
    assert_eq!(with_files.len(), 3);
    for d in with_files {
        let sha = d["sha256"].as_str().expect("sha");
        let bytes = std::fs::read(dir.path().join("files").join(sha)).expect("the file");
        assert_eq!(sha256_hex(&bytes), sha);
        assert_eq!(Some(bytes.len() as i64), d["sizeBytes"].as_i64());
        let magic: &[u8] = if d["format"] == "PDF" {
            b"%PDF-"
        } else {
            b"PK\x03\x04"
        };
        assert!(bytes.starts_with(magic), "{d}");
    }
    // Without --files, the same JSON as always: no digests.
    let plain = dir.path().join("plain.json");
    let run = Command::new(CMS)
        .args(["generate", "--out"])
        .arg(&plain)
        .env("RUST_LOG", "warn")
        .output()
        .expect("cms runs");
    assert!(run.status.success());
    assert!(!std::fs::read_to_string(&plain)
        .expect("read")
        .contains("sha256"));
}
