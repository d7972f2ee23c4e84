//! Test harness: a fresh, migrated database per test (SQLite file, or a PostgreSQL
//! database cloned from a migrated template when TEST_DATABASE_URL is set), the
//! app built on it, and helpers to run GraphQL at schema and router level.
use api::auth::{ClientAddr, Role, Viewer};
use api::config::Config;
use api::db::{Db, DbOptions};
use api::graphql::{build_schema, prepare, CmsSchema};
use api::import::{self, format::Dataset, ImportOptions};
use api::state::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;
use tower::ServiceExt;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server URL (without database) when tests run on PostgreSQL.
pub fn pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The same server URL with another database name (query string kept).
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    format!("{server}/{db}{query}")
}

async fn admin_exec(url: &str, sql: &str) {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(sql)
        .await
        .expect("admin statement");
    admin.close().await.ok();
}

/// Waits (at most 10 s) until the response cache's PostgreSQL listener listens.
pub async fn until_listening(state: &AppState) {
    for _ in 0..1000 {
        if state.freshness.listening() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the response cache's listener did not start");
}

/// Drops the databases of earlier test runs on this machine whose process is
/// gone (a test cannot drop its own: it ends without an async drop), so a
/// long-lived server does not collect them. One in use is left alone.
async fn drop_stale_databases(url: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    let Ok(admin) = sea_orm::Database::connect(url).await else {
        return;
    };
    let listed = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'cms\\_t%'",
        ))
        .await
        .unwrap_or_default();
    for row in listed {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        // cms_t_<pid>_<n>_<r>_<host> and cms_tpl_<pid>_<r>_<host>: only this
        // machine's (another one's pids mean nothing here), only plain names.
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        let ours = (name.starts_with("cms_t_") || name.starts_with("cms_tpl_"))
            && name.ends_with(&format!("_{}", host_tag()))
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ours && pid.is_some() && !alive {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .await
                .ok();
        }
    }
    admin.close().await.ok();
}

/// A new, migrated, empty database; returns its URL.
async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match pg_url() {
        Some(url) => {
            let template = TEMPLATE
                .get_or_init(|| async {
                    drop_stale_databases(&url).await;
                    let name = format!(
                        "cms_tpl_{}_{}_{}",
                        std::process::id(),
                        rand_suffix(),
                        host_tag()
                    );
                    admin_exec(&url, &format!("CREATE DATABASE {name}")).await;
                    let db = Db::connect(&with_db(&url, &name), Some(2))
                        .await
                        .expect("connect template");
                    db.migrate().await.expect("migrate template");
                    db.conn.close().await.ok();
                    name
                })
                .await;
            let name = format!(
                "cms_t_{}_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand_suffix(),
                host_tag()
            );
            admin_exec(&url, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
            (with_db(&url, &name), None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            let db = Db::connect(&url, Some(2)).await.expect("connect sqlite");
            db.migrate().await.expect("migrate sqlite");
            db.conn.close().await.ok();
            (url, Some(dir))
        }
    }
}

/// This machine, in test database names (lower-case letters and digits of
/// its host name, at most 12).
fn host_tag() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let tag: String = host
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .take(12)
        .collect();
    if tag.is_empty() {
        "h".into()
    } else {
        format!("h{tag}")
    }
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        % 100_000
}

pub struct TestApp {
    pub state: AppState,
    pub schema: CmsSchema,
    #[allow(dead_code)]
    pub url: String,
    /// Tokens of one user per role, when built with [`Builder::roles`].
    staff: Option<Staff>,
    _dir: Option<tempfile::TempDir>,
    /// The local file store's directory, when this app made one.
    _files: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// A test app in one line: `TestApp::with_roles().await` (the demo content
/// and a user of each role), or each part chosen from an empty database:
/// `TestApp::builder().import(data).roles().await`. Each call adds one thing;
/// awaiting the builder builds the app.
#[must_use]
pub struct Builder {
    config: Config,
    options: DbOptions,
    /// Each dataset, and whether its documents get files made to measure
    /// (the demo's do, as in a server's first start).
    datasets: Vec<(Dataset, bool)>,
    roles: bool,
}

#[allow(dead_code)]
impl Builder {
    /// Imports the built-in demo content (the Peru page).
    pub fn demo(mut self) -> Builder {
        self.datasets.push((import::demo::dataset(), true));
        self
    }

    /// Imports a dataset (after the ones named before it).
    pub fn import(mut self, data: Dataset) -> Builder {
        self.datasets.push((data, false));
        self
    }

    /// Changes the configuration, e.g. `.config(|c| c.max_page_size = 4)`.
    pub fn config(mut self, change: impl FnOnce(&mut Config)) -> Builder {
        change(&mut self.config);
        self
    }

    /// The request pool's options (timeouts, size).
    pub fn db_options(mut self, options: DbOptions) -> Builder {
        self.options = options;
        self
    }

    /// One user per role (editor@, publisher@ and admin@example.org, with
    /// [`PASSWORD`]), created after the imports and logged in through the
    /// `login` mutation: their tokens are [`TestApp::editor`],
    /// [`TestApp::publisher`] and [`TestApp::admin`].
    pub fn roles(mut self) -> Builder {
        self.roles = true;
        self
    }

    async fn build(self) -> TestApp {
        let mut app = TestApp::with_db_options(self.config, self.options).await;
        for (data, made) in self.datasets {
            if made {
                app.import_with_files(data).await;
            } else {
                app.import(data).await;
            }
        }
        if self.roles {
            app.staff = Some(Staff {
                editor: app.user("editor@example.org", Role::Editor).await,
                publisher: app.user("publisher@example.org", Role::Publisher).await,
                admin: app.user("admin@example.org", Role::Admin).await,
            });
        }
        app
    }
}

impl std::future::IntoFuture for Builder {
    type Output = TestApp;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = TestApp> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.build())
    }
}

impl TestApp {
    /// An empty database and [`test_config`], each part to choose: see
    /// [`Builder`].
    pub fn builder() -> Builder {
        Builder {
            config: test_config(),
            options: DbOptions {
                max_connections: Some(4),
                ..DbOptions::default()
            },
            datasets: Vec::new(),
            roles: false,
        }
    }

    /// The demo content and a user of each role, the start of most tests of
    /// staff work: `let app = TestApp::with_roles().await;`, then
    /// `app.editor()`, `app.publisher()`, `app.admin()` are their tokens.
    /// More can be chosen before the `.await` (see [`Builder`]).
    #[allow(dead_code)]
    pub fn with_roles() -> Builder {
        TestApp::builder().demo().roles()
    }

    /// An empty, migrated database.
    pub async fn new() -> TestApp {
        TestApp::builder().await
    }

    pub async fn with_config(config: Config) -> TestApp {
        TestApp::builder().config(|c| *c = config).await
    }

    /// With the request pool's options chosen (timeouts, size); `/readyz` has a
    /// pool of its own, as in a server.
    pub async fn with_db_options(mut config: Config, options: DbOptions) -> TestApp {
        let (url, dir) = fresh_database().await;
        let files = file_store(&mut config);
        config.database_url = Some(url.clone());
        let db = Db::connect_with(&url, &options).await.expect("connect");
        let health = Db::connect_with(&url, &DbOptions::health())
            .await
            .expect("connect");
        let state = AppState::new(db, config)
            .expect("state")
            .with_health(health);
        let schema = build_schema(state.clone());
        // As in a server: other processes' changes reach the response cache.
        api::invalidation::listen(&url, state.responses.clone(), state.freshness.clone());
        if pg_url().is_some() {
            until_listening(&state).await;
        }
        TestApp {
            state,
            schema,
            url,
            staff: None,
            _dir: dir,
            _files: files,
        }
    }

    /// A second process on the same database: a pool, state and schema of its
    /// own (its own caches), the same configuration.
    #[allow(dead_code)]
    pub async fn beside(first: &TestApp) -> TestApp {
        let db = Db::connect_with(
            &first.url,
            &DbOptions {
                max_connections: Some(4),
                ..DbOptions::default()
            },
        )
        .await
        .expect("second pool");
        let state = AppState::new(db, (*first.state.config).clone()).expect("state");
        let schema = build_schema(state.clone());
        TestApp {
            state,
            schema,
            url: first.url.clone(),
            // The same users, the same secret: the first one's tokens hold here.
            staff: first.staff.clone(),
            _dir: None,
            _files: first._files.clone(),
        }
    }

    /// With the built-in demo content (the Peru page).
    pub async fn demo() -> TestApp {
        TestApp::builder().demo().await
    }

    /// Imports, and flushes this process's response cache as a server's
    /// listener would on the import's notice.
    /// Imports a dataset whose PDF and ZIP documents get files made to
    /// measure first (as the demo does).
    pub async fn import_with_files(&self, mut data: Dataset) {
        import::files::attach(
            &self.state.files,
            &self.state.db,
            &mut data,
            import::files::Source::Made,
        )
        .await
        .expect("files made");
        self.import(data).await;
    }

    pub async fn import(&self, data: Dataset) {
        import::import(&self.state.db, data, ImportOptions::default())
            .await
            .expect("import");
        self.state.responses.flush();
    }

    pub fn router(&self) -> axum::Router {
        api::http::router(self.state.clone(), self.schema.clone())
    }

    /// Executes a document against the schema as an anonymous reader; returns the
    /// whole response as JSON.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_request(
            async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables)),
        )
        .await
    }

    async fn gql_request(&self, request: async_graphql::Request) -> Value {
        let request = prepare(
            &self.state,
            request,
            Viewer::Anonymous,
            ClientAddr::default(),
            Default::default(),
        );
        let response = api::graphql::execute(&self.schema, &self.state, request).await;
        serde_json::to_value(&response).expect("response serialises")
    }

    /// Executes and asserts there is no error; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let resp = self.gql(query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
        resp["data"].clone()
    }

    /// SQL statements sent so far on this app's pool.
    pub fn statements(&self) -> u64 {
        self.state.db.statement_count()
    }

    /// POST /graphql through the router.
    /// POSTs a GraphQL request as a client of the GraphQL response media type.
    pub async fn post(&self, body: Value) -> (StatusCode, Value) {
        self.request(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .header("accept", "application/graphql-response+json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    pub async fn request(&self, req: Request<Body>) -> (StatusCode, Value) {
        let (status, _, bytes) = self.raw(req).await;
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }));
        (status, value)
    }

    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let resp = self.router().oneshot(req).await.expect("router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, headers, bytes)
    }
}

/// The configuration of tests: defaults plus a fixed token secret.
/// Gives a configuration a file store of its own, unless it names one: an S3
/// prefix of its own when `TEST_S3_ENDPOINT` is set (CI runs the suite
/// against moto's S3 server too), else a temporary directory, returned to be
/// kept as long as the app.
pub fn file_store(config: &mut Config) -> Option<std::sync::Arc<tempfile::TempDir>> {
    if config.files_dir.is_some() || config.s3_prefix.is_some() {
        return None;
    }
    let dir = tempfile::tempdir().expect("files dir");
    if let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") {
        config.file_store = api::config::FileStoreKind::S3;
        config.s3_endpoint = Some(endpoint);
        config.s3_bucket =
            Some(std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "cms-test".into()));
        config.s3_access_key_id = Some("test".into());
        config.s3_secret_access_key = Some("test".into());
        config.s3_allow_http = true;
        config.s3_prefix = Some(format!(
            "t-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand_suffix()
        ));
        // Uploads are spooled in the data directory.
        config.data_dir = dir.path().to_path_buf();
    } else {
        config.files_dir = Some(dir.path().to_path_buf());
    }
    Some(std::sync::Arc::new(dir))
}

/// A GraphQL multipart request's Content-Type and body
/// (graphql-multipart-request-spec): `operations`, `map`, then the files,
/// each (variable, file name, bytes), its variable set to null.
pub fn multipart(
    query: &str,
    mut variables: Value,
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = format!("cms-test-{}", rand_suffix());
    let mut map = serde_json::Map::new();
    for (i, (var, _, _)) in files.iter().enumerate() {
        variables[*var] = Value::Null;
        map.insert(i.to_string(), json!([format!("variables.{var}")]));
    }
    let operations = json!({ "query": query, "variables": variables }).to_string();
    let mut body = Vec::new();
    let mut part = |head: String, bytes: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"operations\"".into(),
        operations.as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"map\"".into(),
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (_, name, bytes)) in files.iter().enumerate() {
        part(
            format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream"
            ),
            bytes,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn test_config() -> Config {
    let mut config = Config::defaults();
    config.jwt_secret = Some(TEST_SECRET.to_string());
    config
}

pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const PASSWORD: &str = "correct horse battery staple";

/// Bearer tokens of one user per role.
#[derive(Clone)]
struct Staff {
    editor: String,
    publisher: String,
    admin: String,
}

#[allow(dead_code)]
impl TestApp {
    /// Creates a user with a role and logs them in through the `login` mutation;
    /// returns the token.
    pub async fn user(&self, email: &str, role: Role) -> String {
        api::users::create_user(
            &self.state.db,
            &self.state.hashing,
            None,
            email,
            None,
            role,
            PASSWORD.into(),
        )
        .await
        .expect("create user");
        self.login(email, PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let (_, resp) = self
            .post(json!({
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                "variables": { "e": email, "p": password },
            }))
            .await;
        resp["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {resp:#}"))
            .to_string()
    }

    /// The token of the user of a role (see [`Builder::roles`]): for a test
    /// that goes through the roles.
    pub fn token(&self, role: Role) -> &str {
        let staff = self
            .staff
            .as_ref()
            .expect("built without users: add `.roles()` to the builder");
        match role {
            Role::Editor => &staff.editor,
            Role::Publisher => &staff.publisher,
            Role::Admin => &staff.admin,
        }
    }

    /// The editor's token (see [`Builder::roles`]).
    pub fn editor(&self) -> &str {
        self.token(Role::Editor)
    }

    /// The publisher's token (see [`Builder::roles`]).
    pub fn publisher(&self) -> &str {
        self.token(Role::Publisher)
    }

    /// The admin's token (see [`Builder::roles`]).
    pub fn admin(&self) -> &str {
        self.token(Role::Admin)
    }

    /// POST /graphql through the router with an optional bearer token; returns
    /// the status and the JSON body.
    pub async fn as_user(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut req = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.request(
            req.body(Body::from(
                json!({ "query": query, "variables": variables }).to_string(),
            ))
            .expect("request"),
        )
        .await
    }

    /// A GraphQL multipart request (an upload) through the router, with the
    /// preflight header: each file is (variable, file name, bytes), the
    /// variable set to null in `variables`.
    pub async fn upload(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        files: &[(&str, &str, &[u8])],
    ) -> (StatusCode, Value) {
        let (content_type, body) = multipart(query, variables, files);
        let mut req = Request::post("/graphql")
            .header("content-type", content_type)
            .header("graphql-require-preflight", "1")
            .header("accept", "application/graphql-response+json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.request(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// As [`as_user`], asserting no errors; returns `data`.
    pub async fn staff_data(&self, token: &str, query: &str, variables: Value) -> Value {
        let (_, resp) = self.as_user(Some(token), query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
        resp["data"].clone()
    }

    /// The global id of a country, as staff see it.
    pub async fn country_id(&self, token: &str, slug: &str) -> Value {
        let d = self
            .staff_data(
                token,
                "query($s: String!) { country(slug: $s, preview: true) { id } }",
                json!({ "s": slug }),
            )
            .await;
        d["country"]["id"].clone()
    }

    /// The version staff see of an item now (the one to pass as
    /// `expectedVersion`).
    pub async fn version(&self, token: &str, id: &str) -> i64 {
        let d = self
            .staff_data(
                token,
                "query($id: ID!) { node(id: $id, preview: true) { ... on Content { version } } }",
                json!({ "id": id }),
            )
            .await;
        d["node"]["version"].as_i64().expect("version")
    }

    /// Publishes an item in review at the version it has now, as a publisher
    /// who has just reviewed it.
    pub async fn publish(&self, token: &str, id: &str) -> Value {
        let v = self.version(token, id).await;
        self.staff_data(
            token,
            "mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v) { id status version publishedAt } }",
            json!({ "id": id, "v": v }),
        )
        .await
    }

    /// Submits an item for review and publishes it (one account with both rights).
    pub async fn submit_and_publish(&self, token: &str, id: &str) -> Value {
        self.staff_data(
            token,
            "mutation($id: ID!) { submitForReview(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
        self.publish(token, id).await
    }

    /// Counts rows of a table (for "nothing was written" checks).
    pub async fn count(&self, table: &'static str) -> i64 {
        let mut sql = self.state.db.sql();
        sql.push("SELECT COUNT(*) AS n FROM ").push(table);
        let rows = self.state.db.all(sql).await.expect("count");
        rows[0].try_get::<i64>("", "n").expect("n")
    }
}

/// `errors[0].extensions.code` of a response.
pub fn code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

/// A partner query document from queries/ (embedded at compile time).
pub const COUNTRY_PAGE: &str = include_str!("../../queries/country-page.graphql");
pub const DOCUMENT_LIST: &str = include_str!("../../queries/document-list.graphql");
pub const SEARCH: &str = include_str!("../../queries/search.graphql");

/// insta's settings for a snapshot of a whole answer: what differs from run to
/// run or between SQLite and PostgreSQL is replaced by a placeholder, so the
/// snapshot holds only what a change of the code can change. Redacted, at any
/// depth: global ids, cursors, tokens, times of changes (`publishedAt`, `at`,
/// `createdAt`, `updatedAt`, `scheduledAt`, `expiresAt`) and a wait in seconds
/// (`retryAfterSeconds`, checked to be positive). Dates of content
/// (`publishedOn`) and versions stay: the tests make them the same every run.
/// In messages, a number of seconds is `[n]`.
///
/// `common::snapshots().bind(|| insta::assert_json_snapshot!("name", value))`
pub fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for key in ["id", "targetId"] {
        settings.add_redaction(&format!(".**.{key}"), "[id]");
    }
    for key in ["cursor", "endCursor", "startCursor"] {
        settings.add_redaction(&format!(".**.{key}"), "[cursor]");
    }
    settings.add_redaction(".**.token", "[token]");
    for key in [
        "publishedAt",
        "at",
        "createdAt",
        "updatedAt",
        "scheduledAt",
        "expiresAt",
    ] {
        settings.add_redaction(&format!(".**.{key}"), "[time]");
    }
    settings.add_dynamic_redaction(".**.retryAfterSeconds", |value, _| {
        assert!(
            value.as_i64().is_some_and(|s| s > 0),
            "retryAfterSeconds must be a positive number: {value:?}"
        );
        "[seconds]"
    });
    settings.add_dynamic_redaction(".**.message", |value, _| match value.as_str() {
        Some(message) => insta::internals::Content::from(seconds_redacted(message)),
        None => value,
    });
    settings
}

/// A message with its waits (`try again in 899 seconds`) as `[n] seconds`.
fn seconds_redacted(message: &str) -> String {
    let words: Vec<&str> = message.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let number = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
        let unit = words.get(i + 1).is_some_and(|w| w.starts_with("second"));
        out.push(if number && unit { "[n]" } else { word });
    }
    out.join(" ")
}

/// `Country:12` for a global id: the cache tag naming the item.
pub fn item_tag(id: &Value) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().expect("id"))
        .expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}

/// Percent-encodes every byte but the unreserved ones, for a URL's query.
pub fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
