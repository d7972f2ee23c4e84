//! Logs, in a test binary of their own: tracing decides once, for every
//! thread, whether a place in the code logs at all, and the other tests' threads
//! run without a subscriber.
#[path = "api/common.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;

/// A log sink for one test thread.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Everything written so far.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|v| v.clone()).unwrap_or_default()).into_owned()
    }
}

/// Logs of this thread at `level` and above, kept until the guard drops.
fn capture(level: tracing::Level) -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// One test, so one thread and one subscriber at a time.
#[tokio::test]
async fn logs_say_what_they_should_and_nothing_more() {
    request_logs_name_the_path_never_the_query_string().await;
    #[cfg(unix)]
    a_data_directory_open_to_others_is_warned_about().await;
}

async fn request_logs_name_the_path_never_the_query_string() {
    // The test's runtime runs the router on this thread.
    let (logs, _guard) = capture(tracing::Level::INFO);
    let app = TestApp::demo().await;
    for uri in [
        "/graphql?query=query(%24s%3AString!)%7Bcountry(slug%3A%24s)%7Bslug%7D%7D&variables=%7B%22s%22%3A%22secret-slug-1%22%7D",
        "/graphql?query=mutation%7Blogin(email%3A%22a%40example.org%22%2Cpassword%3A%22secret-password-2%22)%7Btoken%7D%7D",
    ] {
        let req = Request::get(uri).body(Body::empty()).expect("request");
        let (status, _, _) = app.raw(req).await;
        assert!(status.is_success() || status == StatusCode::METHOD_NOT_ALLOWED, "{status}");
    }
    let text = logs.text();
    assert!(
        text.contains("path=/graphql"),
        "the request is logged: {text}"
    );
    assert!(!text.contains("secret-"), "{text}");
}

#[cfg(unix)]
async fn a_data_directory_open_to_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let (logs, _guard) = capture(tracing::Level::WARN);
    let dir = tempfile::tempdir().expect("temp dir");
    for (mode, warned) in [(0o700, false), (0o755, true)] {
        let data = dir.path().join(format!("data-{mode:o}"));
        std::fs::create_dir(&data).expect("mkdir");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let mut config = common::test_config();
        config.data_dir = data.clone();
        config.database_url = None;
        api::db::Db::from_config(&config).await.expect("connects");
        let said = logs.text().contains(&format!("{}", data.display()));
        assert_eq!(said, warned, "mode {mode:o}: {}", logs.text());
    }
    assert!(logs.text().contains("chmod 700"), "{}", logs.text());
}
