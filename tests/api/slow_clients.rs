//! Slow and idle clients against the real accept loop: a body has one deadline
//! however it trickles, slow bodies hold no execution slot, half-sent heads and
//! idle kept-alive connections are closed at the header timeout, the connection
//! cap holds, and the operational endpoints are not readable cross-origin.
use crate::common::{code, test_config, TestApp};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEAD: &[u8] = b"POST /graphql HTTP/1.1\r\nHost: cms\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";

async fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

pub async fn metric(base: &str, name: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1.0)
}

async fn regions(base: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ regions { slug } }" }))
        .send()
        .await
        .expect("send")
}

/// Polls until `ok` holds, failing after many tries (never a timing claim:
/// only that the state is reached at all).
async fn eventually(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    for _ in 0..1_000 {
        if ok().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never: {what}");
}

#[tokio::test]
async fn a_trickling_body_meets_one_deadline_and_gets_408() {
    let mut config = test_config();
    config.body_timeout_ms = 300;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let mut stream = connect(&base).await;
    stream.write_all(HEAD).await.expect("head");
    // A byte at a time, well inside any idle timer, for far longer than the
    // deadline: the whole body would take 1,000 writes.
    let (mut read, mut write) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..1_000 {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    // The server answered and closed the connection while bytes still came.
    assert!(!trickle.is_finished(), "the whole body was sent first");
    trickle.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or_default())
        .expect("a JSON body");
    assert_eq!(code(&body), "REQUEST_TIMEOUT", "{body}");
    assert_eq!(metric(&base, "cms_http_body_timeouts_total").await, 1.0);
}

#[tokio::test]
async fn slow_bodies_hold_no_execution_slot_and_show_in_the_metrics() {
    let mut config = test_config();
    config.max_in_flight = 1;
    config.body_timeout_ms = 60_000;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let mut slow = Vec::new();
    for _ in 0..5 {
        let mut s = connect(&base).await;
        s.write_all(HEAD).await.expect("head");
        s.write_all(b"{\"query\":").await.expect("part");
        slow.push(s);
    }
    eventually("five bodies being read", async || {
        metric(&base, "cms_http_requests_in_progress").await >= 5.0
    })
    .await;
    // One execution slot, five bodies arriving: a whole request still runs.
    for _ in 0..3 {
        let resp = regions(&base).await;
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(metric(&base, "cms_graphql_requests_in_flight").await, 0.0);
    assert!(metric(&base, "cms_http_connections_open").await >= 5.0);
    assert_eq!(
        metric(&base, "cms_graphql_requests_refused_total").await,
        0.0
    );
    drop(slow);
}

#[tokio::test]
async fn a_half_sent_head_and_an_idle_connection_are_closed_at_the_header_timeout() {
    let mut config = test_config();
    config.header_timeout_ms = 300;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    // Half a head, then nothing: closed without an answer.
    let mut half = connect(&base).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("half");
    let text = until_closed(&mut half).await;
    assert!(!text.contains("200 OK"), "{text}");
    // Nothing at all: closed too.
    let mut silent = connect(&base).await;
    until_closed(&mut silent).await;
    // A kept-alive connection, idle after one answer: closed after it.
    let mut idle = connect(&base).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: cms\r\n\r\n")
        .await
        .expect("request");
    let text = until_closed(&mut idle).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    eventually("every connection closed", async || {
        // The metrics request's own connection is the one open.
        metric(&base, "cms_http_connections_open").await <= 1.0
    })
    .await;
}

#[tokio::test]
async fn the_connection_cap_holds_new_connections_until_one_closes() {
    let mut config = test_config();
    config.max_connections = 2;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let a = connect(&base).await;
    let b = connect(&base).await;
    // The third is queued by the kernel, not served.
    let waiting = {
        let base = base.clone();
        tokio::spawn(async move {
            let mut c = connect(&base).await;
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: cms\r\nConnection: close\r\n\r\n")
                .await
                .expect("request");
            until_closed(&mut c).await
        })
    };
    // Held until a slot frees: the loop records that it stopped at the cap.
    eventually("the cap reached", async || {
        app.state
            .traffic
            .connections_capped_total
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    })
    .await;
    assert!(!waiting.is_finished());
    drop(a);
    let text = waiting.await.expect("task");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    drop(b);
}

#[tokio::test]
async fn operational_endpoints_send_no_cors_headers_and_graphql_does() {
    let app = TestApp::new().await;
    let client = reqwest::Client::new();
    let base = crate::e2e::spawn(&app).await;
    for path in ["/metrics", "/healthz", "/readyz"] {
        let resp = client
            .get(format!("{base}{path}"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            !resp
                .headers()
                .keys()
                .any(|k| k.as_str().starts_with("access-control-")),
            "{path}: {:?}",
            resp.headers()
        );
        // A preflight gets nothing to allow either.
        let pre = client
            .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .expect("send");
        assert!(
            pre.headers().get("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    let resp = client
        .post(format!("{base}/graphql"))
        .header("origin", "https://partner.example")
        .json(&json!({ "query": "{ regions { slug } }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}

#[tokio::test]
async fn metrics_can_live_on_an_address_of_their_own() {
    let mut config = test_config();
    config.metrics_bind = Some("127.0.0.1:0".parse().expect("addr"));
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let resp = reqwest::get(format!("{base}/metrics")).await.expect("get");
    assert_eq!(resp.status(), 404);
    let metrics = crate::e2e::serve(api::http::metrics_router(app.state.clone()), &app.state).await;
    assert_eq!(regions(&base).await.status(), 200);
    // The public address's traffic, counted where Prometheus reads it.
    assert!(metric(&metrics, "cms_http_requests_total").await >= 2.0);
    assert_eq!(metric(&metrics, "cms_graphql_requests_total").await, 1.0);
    let resp = reqwest::get(format!("{metrics}/graphql"))
        .await
        .expect("get");
    assert_eq!(resp.status(), 404);
}

/// The path of the GraphiQL script (1.4 MB uncompressed), read off the page.
async fn big_asset(base: &str) -> String {
    let page = reqwest::get(format!("{base}/graphiql"))
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    let start = page.find("/graphiql/assets/index-").expect("script path");
    let end = start + page[start..].find(".js").expect("script end") + 3;
    page[start..end].to_string()
}

#[tokio::test]
async fn a_client_that_never_reads_loses_its_connection_at_the_write_timeout() {
    let mut config = test_config();
    config.write_timeout_ms = 300;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let asset = big_asset(&base).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let mut stream = socket
        .connect(base.trim_start_matches("http://").parse().expect("addr"))
        .await
        .expect("connect");
    // Twenty pipelined requests for 1.4 MB each, never read.
    let request = format!("GET {asset} HTTP/1.1\r\nHost: cms\r\n\r\n");
    for _ in 0..20 {
        stream.write_all(request.as_bytes()).await.expect("write");
    }
    let open = || {
        app.state
            .traffic
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    eventually("the stalled connection is open", async || open() >= 1).await;
    eventually("the stalled connection is closed", async || open() == 0).await;
    drop(stream);
}

#[tokio::test]
async fn a_stopping_server_does_not_wait_for_ever_on_a_stalled_connection() {
    let mut config = test_config();
    config.shutdown_grace_ms = 300;
    config.write_timeout_ms = 600_000;
    let app = TestApp::with_config(config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(api::server::accept_loop(
        listener,
        app.router(),
        api::server::Limits::of(&app.state.config),
        app.state.traffic.clone(),
        stopped,
    ));
    let base = format!("http://{addr}");
    let asset = big_asset(&base).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let mut stream = socket.connect(addr).await.expect("connect");
    let request = format!("GET {asset} HTTP/1.1\r\nHost: cms\r\n\r\n");
    for _ in 0..20 {
        stream.write_all(request.as_bytes()).await.expect("write");
    }
    eventually("the stalled connection is open", async || {
        app.state
            .traffic
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    })
    .await;
    stop.send(true).expect("stop");
    // The loop returns after the grace period although the client never read.
    for _ in 0..500 {
        if server.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(server.is_finished(), "the server is still waiting");
    drop(stream);
}

#[tokio::test]
async fn answers_say_how_long_an_idle_connection_is_kept() {
    let mut config = test_config();
    config.header_timeout_ms = 10_000;
    let app = TestApp::with_config(config).await;
    let base = crate::e2e::spawn(&app).await;
    let resp = reqwest::get(format!("{base}/healthz")).await.expect("get");
    assert_eq!(
        resp.headers()
            .get("keep-alive")
            .and_then(|v| v.to_str().ok()),
        Some("timeout=9")
    );
}
