//! Documents' files through a spawned server and a real HTTP client: uploads
//! (GraphQL multipart requests), downloads, access by the owning document, the
//! collector. CI runs these against the local store and against an S3 server
//! (moto, `TEST_S3_ENDPOINT`), on SQLite and PostgreSQL.
use crate::common::{code, multipart, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CREATE: &str = "mutation($i: DocumentInput!, $file: Upload) { createDocument(input: $i, file: $file) { id version status sha256 sizeBytes sizeLabel format mediaType filename downloadUrl } }";
const REPLACE: &str = "mutation($id: ID!, $v: Int!, $file: Upload!) { replaceDocumentFile(id: $id, expectedVersion: $v, file: $file) { id version status sha256 filename downloadUrl } }";
const DOC: &str = "query($s: String!, $p: Boolean) { document(slug: $s, preview: $p) { id version status sha256 sizeBytes filename downloadUrl } }";

/// A time past every grace period: the collector run as if then.
fn later() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(30)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A spawned server for `app`, its download addresses pointing at it.
async fn serve(app: &TestApp) -> (String, reqwest::Client) {
    let base = crate::e2e::spawn(app).await;
    app.state.files.set_public_url(&base);
    (base, reqwest::Client::new())
}

/// Sends a multipart request; returns the status and the JSON body.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
    files: &[(&str, &str, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart(query, variables, files);
    let mut req = client
        .post(format!("{base}/graphql"))
        .header("content-type", content_type)
        .header("apollo-require-preflight", "true")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn input(app_country: &Value, slug: &str) -> Value {
    json!({ "slug": slug, "title": "Field report", "publishedOn": "2024-05-01", "language": "en",
        "countryIds": [app_country] })
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("send")
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_file_goes_up_and_comes_down_byte_for_byte() {
    let app = TestApp::with_roles().await;
    let (base, client) = serve(&app).await;
    let peru = app.country_id(app.editor(), "peru").await;
    let pdf = api::files::make::pdf("Field report", 421_002).expect("pdf");
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "field-report") }),
        &[("file", "Informe de campo año 2024.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 200, "{resp:#}");
    let doc = &resp["data"]["createDocument"];
    assert_eq!(doc["sha256"], hex(&pdf), "{resp:#}");
    assert_eq!(doc["sizeBytes"], 421_002);
    assert_eq!(doc["sizeLabel"], "411.13 KB");
    assert_eq!(doc["format"], "PDF");
    assert_eq!(doc["mediaType"], "application/pdf");
    assert_eq!(doc["filename"], "Informe de campo año 2024.pdf");
    // Staff download the draft with their token, by version.
    let preview = doc["downloadUrl"].as_str().expect("url").to_string();
    assert!(
        preview.starts_with(&base) && preview.contains("?version=1"),
        "{preview}"
    );
    let resp = get(&client, &preview, Some(app.editor())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "cache-control"), "private, no-cache");
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
    // Nobody else does.
    assert_eq!(get(&client, &preview, None).await.status(), 404);

    let id = doc["id"].as_str().expect("id").to_string();
    app.submit_and_publish(app.publisher(), &id).await;
    let public = app.data(DOC, json!({ "s": "field-report" })).await;
    let url = public["document"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(url.contains(&format!("?v={}", &hex(&pdf)[..32])), "{url}");
    let resp = get(&client, &url, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "application/pdf");
    assert_eq!(header(&resp, "content-length"), "421002");
    assert_eq!(header(&resp, "etag"), format!("\"{}\"", hex(&pdf)));
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&resp, "content-security-policy"),
        "default-src 'none'; sandbox"
    );
    assert_eq!(
        header(&resp, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let gid = api::content::GlobalId::decode(&id).expect("id");
    assert_eq!(header(&resp, "cache-tag"), format!("Document:{}", gid.id));
    assert_eq!(
        header(&resp, "content-disposition"),
        "attachment; filename=\"Informe de campo a_o 2024.pdf\"; \
         filename*=UTF-8''Informe%20de%20campo%20a%C3%B1o%202024.pdf"
    );
    let body = resp.bytes().await.expect("bytes");
    assert_eq!(hex(&body), hex(&pdf));

    // HEAD: the same headers, no body.
    let head = client.head(&url).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-length"), "421002");
    assert!(head.bytes().await.expect("bytes").is_empty());
    // A cache that has it asks again: 304.
    let etag = format!("\"{}\"", hex(&pdf));
    let resp = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 304);
    // One range: 206; If-Range with the ETag keeps it, another ETag gets all.
    let resp = client
        .get(&url)
        .header("range", "bytes=100-199")
        .header("if-range", &etag)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 206);
    assert_eq!(header(&resp, "content-range"), "bytes 100-199/421002");
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), &pdf[100..200]);
    let resp = client
        .get(&url)
        .header("range", "bytes=-10")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 206);
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        &pdf[pdf.len() - 10..]
    );
    let resp = client
        .get(&url)
        .header("range", "bytes=100-199")
        .header("if-range", "\"something-else\"")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.expect("bytes").len(), 421_002);
    let resp = client
        .get(&url)
        .header("range", "bytes=500000-")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 416);
    assert_eq!(header(&resp, "content-range"), "bytes */421002");
    // Without `v` the file is cached like an answer, not for good.
    let plain = url.split('?').next().expect("path");
    let resp = get(&client, plain, None).await;
    assert_eq!(resp.status(), 200);
    assert!(
        header(&resp, "cache-control").starts_with("public, max-age=60"),
        "{}",
        header(&resp, "cache-control")
    );
}

#[tokio::test]
async fn uploads_are_refused_before_anything_is_stored() {
    let app = TestApp::builder()
        .demo()
        .roles()
        .config(|c| c.max_file_bytes = 64 * 1024)
        .await;
    let (base, client) = serve(&app).await;
    let peru = app.country_id(app.editor(), "peru").await;
    let blobs = app.count("blobs").await;
    let documents = app.count("documents").await;
    let pdf = api::files::make::pdf("Small", 4096).expect("pdf");
    let big = api::files::make::pdf("Big", 64 * 1024 + 1).expect("pdf");
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let vars = || json!({ "i": input(&peru, "refused") });

    // Too large: 413 while it streams.
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[("file", "big.pdf", &big)],
    )
    .await;
    assert_eq!(status, 413, "{resp:#}");
    assert_eq!(code(&resp), "PAYLOAD_TOO_LARGE");
    // A format outside the list.
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[("file", "pixel.gif", gif)],
    )
    .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "file");
    // An extension that lies about the bytes.
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[("file", "report.zip", &pdf)],
    )
    .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("zip"),
        "{resp:#}"
    );
    // No preflight header: 400, as Apollo Server's CSRF prevention.
    let (content_type, body) = multipart(CREATE, vars(), &[("file", "a.pdf", &pdf)]);
    let resp = client
        .post(format!("{base}/graphql"))
        .header("content-type", content_type)
        .bearer_auth(app.editor())
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let resp: Value = resp.json().await.expect("json");
    assert_eq!(code(&resp), "BAD_USER_INPUT");
    // Anonymous: 401 before the body is read.
    let (status, resp) = upload(
        &client,
        &base,
        None,
        CREATE,
        vars(),
        &[("file", "a.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 401, "{resp:#}");
    assert_eq!(code(&resp), "UNAUTHENTICATED");
    // A file argument over plain JSON is no file.
    let (_, resp) = app
        .as_user(
            Some(app.editor()),
            CREATE,
            json!({ "i": input(&peru, "refused"), "file": "#__graphql_file__:0" }),
        )
        .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    // More files than the limit.
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[
            ("file", "a.pdf", &pdf),
            ("a", "a.pdf", &pdf),
            ("b", "b.pdf", &pdf),
            ("c", "c.pdf", &pdf),
            ("d", "d.pdf", &pdf),
        ],
    )
    .await;
    assert_eq!(status, 413, "{resp:#}");
    // A replacement based on a stale version.
    let demo = app
        .data(DOC, json!({ "s": "annual-action-plan-2022-for-peru" }))
        .await;
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        REPLACE,
        json!({ "id": demo["document"]["id"], "v": 999 }),
        &[("file", "a.pdf", &pdf)],
    )
    .await;
    assert_eq!(code(&resp), "CONFLICT", "{resp:#}");
    // Two files for one variable.
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[("file", "a.pdf", &pdf), ("file", "b.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 400, "{resp:#}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("two files"),
        "{resp:#}"
    );
    // Text with a NUL past its first lines is no text.
    let mut text = "line\n".repeat(5_000).into_bytes();
    text.extend_from_slice(b"\0binary");
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        vars(),
        &[("file", "notes.txt", &text)],
    )
    .await;
    assert_eq!(code(&resp), "BAD_USER_INPUT", "{resp:#}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("NUL"),
        "{resp:#}"
    );
    // A part header that never ends: 413 once it passes the limit.
    let (content_type, mut body) = multipart(CREATE, vars(), &[]);
    let boundary = content_type
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .to_string();
    body.truncate(body.len() - format!("--{boundary}--\r\n").len());
    body.extend_from_slice(format!("--{boundary}\r\nX-Flood: ").as_bytes());
    body.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    let resp = client
        .post(format!("{base}/graphql"))
        .header("content-type", content_type)
        .header("graphql-require-preflight", "1")
        .bearer_auth(app.editor())
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 413);
    let resp: Value = resp.json().await.expect("json");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("headers"),
        "{resp:#}"
    );

    assert_eq!(
        app.count("blobs").await,
        blobs,
        "a refused upload stored nothing"
    );
    assert_eq!(app.count("documents").await, documents);
    // The ordinary body limit is unchanged for JSON.
    let resp = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn paths_from_the_request_never_reach_the_store() {
    let app = TestApp::with_roles().await;
    let (base, client) = serve(&app).await;
    let d = app
        .data(DOC, json!({ "s": "annual-action-plan-2022-for-peru" }))
        .await;
    let id = d["document"]["id"].as_str().expect("id");
    let good = d["document"]["downloadUrl"].as_str().expect("url");
    assert_eq!(get(&client, good, None).await.status(), 200);
    let programme = api::content::GlobalId::new(api::content::Kind::Programme, 1).encode();
    for path in [
        "/files/../../etc/passwd".to_string(),
        format!("/files/{id}/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/files/{id}/%2Fetc%2Fpasswd"),
        format!("/files/{id}/..%2Fblobs"),
        "/files/%2Fetc%2Fpasswd/x.pdf".to_string(),
        format!("/files/{id}/annual-action-plan-2022-for-peru.pdf"),
        format!("/files/{programme}/annual-action-plan-2022-for-peru.zip"),
        "/files/RG9jdW1lbnQ6OTk5/annual-action-plan-2022-for-peru.zip".to_string(),
        format!("/files/{id}/annual-action-plan-2022-for-peru.zip?v=0000000000000000"),
        format!("/files/{id}/annual-action-plan-2022-for-peru.zip?version=1"),
        format!("/files/{id}/annual-action-plan-2022-for-peru.zip?version=x"),
        // Made-up or repeated parameters would make every address new to a CDN.
        format!("{}&x=1", good.trim_start_matches(&base)),
        format!("{}&v=1", good.trim_start_matches(&base)),
        format!("/files/{id}/annual-action-plan-2022-for-peru.zip?cachebust=1"),
    ] {
        let resp = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn access_follows_the_owning_document() {
    let app = TestApp::with_roles().await;
    let (base, client) = serve(&app).await;
    let peru = app.country_id(app.editor(), "peru").await;
    let first = api::files::make::pdf("First", 3000).expect("pdf");
    let second = api::files::make::zip("Second", &[], 5000).expect("zip");
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "annex") }),
        &[("file", "annex.pdf", &first)],
    )
    .await;
    let id = resp["data"]["createDocument"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let draft_url = resp["data"]["createDocument"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_string();
    // A draft: nothing for the public, by any address.
    let public_path = draft_url.split('?').next().expect("path").to_string();
    assert_eq!(get(&client, &public_path, None).await.status(), 404);
    assert_eq!(
        get(&client, &public_path, Some(app.editor()))
            .await
            .status(),
        404
    );
    app.submit_and_publish(app.publisher(), &id).await;
    let v1 = app.data(DOC, json!({ "s": "annex" })).await["document"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_string();
    assert_eq!(
        get(&client, &v1, None)
            .await
            .bytes()
            .await
            .expect("b")
            .as_ref(),
        first.as_slice()
    );

    // A new file is a working copy: the public keeps the published file.
    let version = app.version(app.editor(), &id).await;
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        REPLACE,
        json!({ "id": id, "v": version }),
        &[("file", "annex v2.zip", &second)],
    )
    .await;
    let copy = &resp["data"]["replaceDocumentFile"];
    assert_eq!(copy["status"], "DRAFT", "{resp:#}");
    assert_eq!(copy["sha256"], hex(&second));
    let copy_url = copy["downloadUrl"].as_str().expect("url").to_string();
    assert_eq!(get(&client, &copy_url, None).await.status(), 404);
    assert_eq!(
        get(&client, &copy_url, Some(app.editor()))
            .await
            .bytes()
            .await
            .expect("b")
            .as_ref(),
        second.as_slice()
    );
    let public = app.data(DOC, json!({ "s": "annex" })).await;
    assert_eq!(public["document"]["sha256"], hex(&first));
    assert_eq!(
        get(&client, &v1, None)
            .await
            .bytes()
            .await
            .expect("b")
            .as_ref(),
        first.as_slice()
    );

    // Published: the new file for everyone, at a new address; the old
    // address is gone, and the old file stays for staff by its version.
    app.submit_and_publish(app.publisher(), &id).await;
    let v2 = app.data(DOC, json!({ "s": "annex" })).await["document"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_string();
    assert_ne!(v1, v2);
    assert!(v2.contains("annex%20v2.zip"), "{v2}");
    assert_eq!(
        get(&client, &v2, None)
            .await
            .bytes()
            .await
            .expect("b")
            .as_ref(),
        second.as_slice()
    );
    assert_eq!(get(&client, &v1, None).await.status(), 404);
    let old = draft_url.clone();
    assert_eq!(
        get(&client, &old, Some(app.editor()))
            .await
            .bytes()
            .await
            .expect("b")
            .as_ref(),
        first.as_slice()
    );
    assert_eq!(get(&client, &old, None).await.status(), 404);

    // Unpublished: gone for the public on the next request.
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { unpublish(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(get(&client, &v2, None).await.status(), 404);
    let now = app.version(app.editor(), &id).await;
    let staff_url = format!("{}?version={now}", v2.split('?').next().expect("path"));
    assert_eq!(
        get(&client, &staff_url, Some(app.editor())).await.status(),
        200
    );
    // A bad token is 401, as on /graphql, on any address.
    assert_eq!(
        get(&client, &staff_url, Some("not-a-token")).await.status(),
        401
    );
    assert_eq!(get(&client, &v2, Some("not-a-token")).await.status(), 401);
    // Published again, then archived: gone for the public again.
    app.submit_and_publish(app.publisher(), &id).await;
    assert_eq!(get(&client, &v2, None).await.status(), 200);
    app.staff_data(
        app.publisher(),
        "mutation($id: ID!) { archive(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(get(&client, &v2, None).await.status(), 404);
}

#[tokio::test]
async fn files_no_version_names_are_collected_after_the_grace_period() {
    let app = TestApp::with_roles().await;
    let (base, client) = serve(&app).await;
    let peru = app.country_id(app.editor(), "peru").await;
    let kept = api::files::make::pdf("Kept", 2000).expect("pdf");
    let orphan = api::files::make::pdf("Orphan", 2100).expect("pdf");
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "kept") }),
        &[("file", "kept.pdf", &kept)],
    )
    .await;
    let id = resp["data"]["createDocument"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    // The slug is taken: the file was stored, the document refused.
    let (_, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "kept") }),
        &[("file", "orphan.pdf", &orphan)],
    )
    .await;
    assert_eq!(code(&resp), "CONFLICT", "{resp:#}");
    let store = &app.state.files.store;
    assert!(store.has(&hex(&orphan)).await.expect("has"));
    // Replaced: the first file stays, an old revision names it.
    let replacement = api::files::make::pdf("Replacement", 2200).expect("pdf");
    let version = app.version(app.editor(), &id).await;
    upload(
        &client,
        &base,
        Some(app.editor()),
        REPLACE,
        json!({ "id": id, "v": version }),
        &[("file", "kept.pdf", &replacement)],
    )
    .await;

    app.state
        .files
        .collect_as_of(&app.state.db, later())
        .await
        .expect("collect");
    assert!(
        !store.has(&hex(&orphan)).await.expect("has"),
        "the orphan went"
    );
    assert!(
        store.has(&hex(&kept)).await.expect("has"),
        "a revision needs it"
    );
    assert!(store.has(&hex(&replacement)).await.expect("has"));
    // The demo's files are the demo documents'.
    let demo = app
        .data(DOC, json!({ "s": "annual-action-plan-2022-for-peru" }))
        .await;
    let demo_sha = demo["document"]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    assert!(store.has(&demo_sha).await.expect("has"));

    // Deleted with its revisions: nothing names the files any more.
    app.staff_data(
        app.admin(),
        "mutation($id: ID!) { deleteContent(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    app.state
        .files
        .collect_as_of(&app.state.db, later())
        .await
        .expect("collect");
    assert!(!store.has(&hex(&kept)).await.expect("has"));
    assert!(!store.has(&hex(&replacement)).await.expect("has"));
    assert!(store.has(&demo_sha).await.expect("has"));
    assert_eq!(app.count("blobs").await, 4, "the demo's four files");
}

#[tokio::test]
async fn the_demo_documents_are_real_files_of_the_sizes_the_page_prints() {
    let app = TestApp::demo().await;
    let (_, client) = serve(&app).await;
    let d = app
        .data(
            r#"{ country(slug: "peru") { documents(first: 10) { nodes { slug format sizeBytes sizeLabel sha256 downloadUrl } } } }"#,
            json!({}),
        )
        .await;
    let nodes = d["country"]["documents"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 4);
    for n in nodes {
        let url = n["downloadUrl"].as_str().expect("url");
        let bytes = get(&client, url, None).await.bytes().await.expect("bytes");
        assert_eq!(Some(bytes.len() as i64), n["sizeBytes"].as_i64(), "{n}");
        assert_eq!(hex(&bytes), n["sha256"].as_str().expect("sha"));
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f");
        std::fs::write(&path, &bytes).expect("write");
        let format = api::files::sniff::sniff(
            &path,
            url.rsplit('/')
                .next()
                .and_then(|n| n.split('?').next())
                .unwrap_or_default(),
            api::files::sniff::KNOWN
                .iter()
                .collect::<Vec<_>>()
                .as_slice(),
            "file",
        )
        .expect("a file of its format");
        assert_eq!(n["format"], format.format);
    }
}

/// The spool directory of an app's file store.
fn spool_dir(app: &TestApp) -> std::path::PathBuf {
    let config = &app.state.config;
    match config.file_store {
        api::config::FileStoreKind::S3 => config.data_dir.join("spool"),
        api::config::FileStoreKind::Local => config.files_dir().join("spool"),
    }
}

/// Opens a multipart upload on a raw socket and sends its head and the first
/// `sent` bytes of its body, then nothing more.
async fn stalled_upload(
    base: &str,
    token: &str,
    peru: &Value,
    sent: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let pdf = api::files::make::pdf("Stalled", 200_000).expect("pdf");
    let (content_type, body) = multipart(
        CREATE,
        json!({ "i": input(peru, "stalled") }),
        &[("file", "stalled.pdf", &pdf)],
    );
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nGraphQL-Require-Preflight: 1\r\nAuthorization: Bearer {token}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body[..sent]).await.expect("body");
    stream
}

async fn status_line(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap_or(0);
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_stalled_upload_is_cut_off_and_holds_no_slot_or_file() {
    let app = TestApp::builder()
        .demo()
        .roles()
        .config(|c| {
            c.upload_idle_ms = 400;
            c.max_uploads = 1;
        })
        .await;
    let (base, client) = serve(&app).await;
    let peru = app.country_id(app.editor(), "peru").await;
    let mut stalled = stalled_upload(&base, app.editor(), &peru, 100_000).await;
    // Once its file is spooling, it holds the one slot.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_dir(spool_dir(&app)).map_or(0, |d| d.count()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never began"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pdf = api::files::make::pdf("Second", 2000).expect("pdf");
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "second") }),
        &[("file", "second.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 503, "{resp:#}");
    assert_eq!(code(&resp), "SERVICE_UNAVAILABLE");
    // The stalled one is cut off with 408 once it idles.
    let line = status_line(&mut stalled).await;
    assert!(line.contains("408"), "{line}");
    // Its spool file went with it, and its slot is free again.
    let left: Vec<_> = std::fs::read_dir(spool_dir(&app))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let (status, resp) = upload(
        &client,
        &base,
        Some(app.editor()),
        CREATE,
        json!({ "i": input(&peru, "second") }),
        &[("file", "second.pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 200, "{resp:#}");
    assert_eq!(resp["data"]["createDocument"]["sha256"], hex(&pdf));
}

#[tokio::test]
async fn partner_pages_may_fetch_ranges_of_files_across_origins() {
    let app = TestApp::demo().await;
    let (_, client) = serve(&app).await;
    let d = app
        .data(DOC, json!({ "s": "annual-action-plan-2022-for-peru" }))
        .await;
    let url = d["document"]["downloadUrl"].as_str().expect("url");
    let preflight = client
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "range")
        .send()
        .await
        .expect("send");
    assert!(preflight.status().is_success());
    assert_eq!(header(&preflight, "access-control-allow-origin"), "*");
    let resp = client
        .get(url)
        .header("origin", "https://partner.example")
        .header("range", "bytes=0-3")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 206);
    assert!(header(&resp, "access-control-expose-headers").contains("content-range"));
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), b"PK\x03\x04");
}

#[tokio::test]
async fn an_imported_working_copy_keeps_its_own_file() {
    let app = TestApp::with_roles().await;
    let published = api::files::make::pdf("Published", 3000).expect("pdf");
    let copy = api::files::make::pdf("Copy", 3100).expect("pdf");
    let folder = tempfile::tempdir().expect("dir");
    for bytes in [&published, &copy] {
        std::fs::write(folder.path().join(hex(bytes)), bytes).expect("write");
    }
    let json = json!({ "documents": [{
        "slug": "two-files", "title": "Two files", "publishedOn": "2024-01-01", "language": "en",
        "format": "PDF", "sizeBytes": 1, "countries": ["PE"], "sha256": hex(&published),
        "originalFilename": "two.pdf", "status": "PUBLISHED",
        "workingCopy": { "slug": "two-files", "title": "Two files (new)", "publishedOn": "2024-01-01",
            "language": "en", "format": "PDF", "sizeBytes": 1, "countries": ["PE"],
            "sha256": hex(&copy), "originalFilename": "two.pdf", "status": "DRAFT" } }] });
    let mut data = api::import::parse(json.to_string().as_bytes()).expect("parse");
    let attached = api::import::files::attach(
        &app.state.files,
        &app.state.db,
        &mut data,
        api::import::files::Source::Folder(folder.path()),
    )
    .await
    .expect("attach");
    assert_eq!(attached, 2);
    app.import(data).await;
    app.state
        .files
        .collect_as_of(&app.state.db, later())
        .await
        .expect("collect");
    let store = &app.state.files.store;
    assert!(store.has(&hex(&published)).await.expect("has"));
    assert!(
        store.has(&hex(&copy)).await.expect("has"),
        "the working copy's file stays"
    );
    // Staff download the copy's file, the public the published one.
    let (_, client) = serve(&app).await;
    let staff = app
        .staff_data(app.editor(), DOC, json!({ "s": "two-files", "p": true }))
        .await;
    let url = staff["document"]["downloadUrl"].as_str().expect("url");
    let bytes = get(&client, url, Some(app.editor()))
        .await
        .bytes()
        .await
        .expect("b");
    assert_eq!(bytes.as_ref(), copy.as_slice());
    let public = app.data(DOC, json!({ "s": "two-files" })).await;
    let url = public["document"]["downloadUrl"].as_str().expect("url");
    let bytes = get(&client, url, None).await.bytes().await.expect("b");
    assert_eq!(bytes.as_ref(), published.as_slice());
}
