//! Configuration: one clap struct, every field settable by flag or environment
//! variable, with defaults that run locally. `.env.example` lists the variables.
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The default seed of `cms generate`, so that no flags write the usual dataset.
pub const DEFAULT_SEED: u64 = 20_220_308;

#[derive(Debug, Parser)]
#[command(
    name = "cms",
    version,
    about = "Partnerships CMS: a GraphQL content service for international-partnership pages",
    long_about = "Partnerships CMS serves country pages, programmes and documents over GraphQL.\n\
                  Without a subcommand it runs `serve`: SQLite by default, migrated and loaded \
                  with demo content on first start, GraphiQL at the printed address."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server with GraphiQL (the default command).
    ///
    /// Migrates the database first; on an empty database it also loads the built-in
    /// demo content unless --no-demo is given.
    Serve(ServeArgs),
    /// Apply pending migrations (or roll back with --down) and exit.
    Migrate(MigrateArgs),
    /// Import a JSON file (what `cms generate` and `cms export` write) in one transaction.
    Import(ImportArgs),
    /// Export every content item to a JSON file that `cms import` reads back.
    Export(ExportArgs),
    /// Write a synthetic dataset in the import format (benchmarks, demos).
    Generate(GenerateArgs),
    /// Print the GraphQL schema (SDL, as graphql-js prints it) to standard output.
    Schema,
    /// Rebuild every derived table (today the place indexes: the public
    /// documents by region and by country) from the content, in one transaction.
    Reindex,
    /// Manage staff accounts (the first admin, in particular).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage trusted documents: the operations anonymous clients may run when
    /// `CMS_TRUSTED_DOCUMENTS=on`, by the hash `register` prints.
    #[command(subcommand)]
    TrustedDocuments(TrustedDocumentsCommand),
}

#[derive(Debug, Subcommand)]
pub enum TrustedDocumentsCommand {
    /// Register `.graphql` files, one document each (operations and their
    /// fragments); prints each one's SHA-256, the `sha256Hash` clients send.
    Register(RegisterArgs),
    /// List the registered documents: hash and operation names.
    List,
    /// Remove registered documents by hash.
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The `.graphql` files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// SHA-256 hashes (64 hex digits), as `list` prints them.
    #[arg(required = true)]
    pub hashes: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. At a terminal the password is asked for twice,
    /// without echo; from a pipe it is one line of standard input. Never a flag,
    /// so it stays out of shell history and process lists.
    Create(UserCreateArgs),
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// Email address (the login name; unique, case-insensitive).
    #[arg(long)]
    pub email: String,
    /// Role: EDITOR, PUBLISHER or ADMIN.
    #[arg(long)]
    pub role: String,
    /// Display name (default: the part of the email before `@`).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args, Default, Clone)]
pub struct ServeArgs {
    /// Do not load the demo content into an empty database.
    #[arg(long, env = "CMS_NO_DEMO")]
    pub no_demo: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Roll back this many migrations instead of applying pending ones.
    #[arg(long, value_name = "STEPS")]
    pub down: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The JSON file to import.
    pub file: PathBuf,
    /// Import every item as DRAFT, whatever the file says (default: PUBLISHED unless
    /// an item has its own `status`).
    #[arg(long)]
    pub as_draft: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the JSON (`-` for standard output).
    pub file: PathBuf,
    /// Only what the public sees: published items, without working copies,
    /// schedules or references to unpublished items (default: every item with its
    /// status, working copy and schedule). Revisions are never exported.
    #[arg(long)]
    pub published_only: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Size: scale 1 is 120 countries, 600 programmes and 8,000 documents; scale N is
    /// N times that (regions stay 6), up to 10 (the two-character ISO codes run out).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub scale: u32,
    /// Seed of the random choices: the same scale and seed give the same bytes.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Where to write the JSON (`-` for standard output).
    #[arg(long, short, default_value = "dataset.json")]
    pub out: PathBuf,
    /// Also write real files (valid PDFs and ZIPs of the documents' sizes)
    /// for up to this many PDF and ZIP documents, into `files/` beside the
    /// JSON, where `cms import` takes them from (the documents get their
    /// `sha256`). Mind the disk: scale 1 averages about 1 MB per document.
    #[arg(long, value_name = "COUNT")]
    pub files: Option<usize>,
}

/// Settings shared by every command.
#[derive(Debug, Args, Clone)]
pub struct Config {
    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    /// Default: the SQLite file `cms.db` in the data directory, created on first start.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Directory for the default SQLite database and other local state.
    #[arg(long, env = "CMS_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "CMS_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Largest `first`/`last` a connection accepts; more is a BAD_USER_INPUT error.
    #[arg(long, env = "CMS_MAX_PAGE_SIZE", default_value_t = 100, global = true)]
    pub max_page_size: u64,

    /// Page size when a connection is asked for without `first` or `last`.
    #[arg(
        long,
        env = "CMS_DEFAULT_PAGE_SIZE",
        default_value_t = 20,
        global = true
    )]
    pub default_page_size: u64,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "CMS_MAX_DEPTH", default_value_t = 12, global = true)]
    pub max_depth: usize,

    /// Deepest nesting of introspection (`__schema`, `__type`): the standard
    /// introspection queries of graphql-js, GraphiQL, Apollo and codegen tools
    /// nest `ofType` about ten deep, deeper than content queries need.
    #[arg(
        long,
        env = "CMS_MAX_INTROSPECTION_DEPTH",
        default_value_t = 20,
        global = true
    )]
    pub max_introspection_depth: usize,

    /// Who may introspect the schema: `everyone`, or `staff` (anonymous
    /// introspection is refused, as production deployments often want; staff
    /// tokens keep GraphiQL's docs and autocompletion).
    #[arg(
        long,
        env = "CMS_INTROSPECTION",
        default_value = "everyone",
        global = true
    )]
    pub introspection: Introspection,

    /// Highest query complexity (fields, multiplied by page sizes of connections).
    #[arg(
        long,
        env = "CMS_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub max_complexity: usize,

    /// Most aliased fields one query may contain.
    #[arg(long, env = "CMS_MAX_ALIASES", default_value_t = 30, global = true)]
    pub max_aliases: usize,

    /// Most field selections in one query, every spread of a fragment counted
    /// (bounds the work of validation, which compares fields pairwise).
    #[arg(long, env = "CMS_MAX_FIELDS", default_value_t = 2_000, global = true)]
    pub max_fields: usize,

    /// Most directives in one query, every spread of a fragment counted.
    #[arg(long, env = "CMS_MAX_DIRECTIVES", default_value_t = 50, global = true)]
    pub max_directives: usize,

    /// Most directives on one field, fragment spread or inline fragment.
    #[arg(
        long,
        env = "CMS_MAX_DIRECTIVES_PER_FIELD",
        default_value_t = 4,
        global = true
    )]
    pub max_directives_per_field: usize,

    /// Most variable definitions in one document (all its operations): the
    /// validator's checks of where variables are used grow with their product.
    #[arg(long, env = "CMS_MAX_VARIABLES", default_value_t = 100, global = true)]
    pub max_variables: usize,

    /// Most arguments on one field or directive (no field takes more than ten).
    #[arg(
        long,
        env = "CMS_MAX_ARGUMENTS_PER_FIELD",
        default_value_t = 16,
        global = true
    )]
    pub max_arguments_per_field: usize,

    /// Most errors in one response; beyond it the rest are summed up in one.
    #[arg(long, env = "CMS_MAX_ERRORS", default_value_t = 20, global = true)]
    pub max_errors: usize,

    /// Largest request body, in bytes.
    #[arg(
        long,
        env = "CMS_MAX_BODY_BYTES",
        default_value_t = 1_048_576,
        global = true
    )]
    pub max_body_bytes: usize,

    /// Memory budget of the cache of list totals (`totalCount`), in bytes
    /// (0 turns the cache off).
    #[arg(
        long,
        env = "CMS_COUNT_CACHE_BYTES",
        default_value_t = 4_194_304,
        global = true
    )]
    pub count_cache_bytes: usize,

    /// Memory budget of the response cache (answers to anonymous queries), in
    /// bytes; 0 turns it off.
    #[arg(
        long,
        env = "CMS_RESPONSE_CACHE_BYTES",
        default_value_t = 33_554_432,
        global = true
    )]
    pub response_cache_bytes: usize,

    /// `max-age` of the `Cache-Control: public` header on anonymous GET answers,
    /// in seconds: how long browsers and CDNs may serve one without asking.
    #[arg(long, env = "CMS_HTTP_MAX_AGE", default_value_t = 60, global = true)]
    pub http_max_age: u64,

    /// `s-maxage` of anonymous GET answers, in seconds: how long shared caches
    /// (CDNs) may serve one, when it should differ from browsers' `max-age` (a
    /// CDN purged by cache tag can keep answers longer). Not sent when unset.
    #[arg(long, env = "CMS_HTTP_S_MAXAGE", global = true)]
    pub http_s_maxage: Option<u64>,

    /// `stale-while-revalidate` of anonymous GET answers, in seconds: how long
    /// past `max-age` a cache may serve one while it fetches a fresh one.
    #[arg(
        long,
        env = "CMS_HTTP_STALE_WHILE_REVALIDATE",
        default_value_t = 300,
        global = true
    )]
    pub http_stale_while_revalidate: u64,

    /// Longest `Cache-Tag` (and `Surrogate-Key`) header, in bytes; past it the
    /// item tags are folded into their types' list tags.
    #[arg(
        long,
        env = "CMS_CACHE_TAG_MAX_BYTES",
        default_value_t = 4_000,
        global = true
    )]
    pub cache_tag_max_bytes: usize,

    /// `on`: anonymous clients may run only registered documents (`cms
    /// trusted-documents register`), by hash or by text; staff are unrestricted. `off`: any query.
    #[arg(
        long,
        env = "CMS_TRUSTED_DOCUMENTS",
        value_enum,
        default_value_t = Switch::Off,
        global = true
    )]
    pub trusted_documents: Switch,

    /// Memory budget of the automatic persisted queries a process remembers, in
    /// bytes (0: APQ registration off; hashes of trusted documents still work).
    #[arg(
        long,
        env = "CMS_APQ_CACHE_BYTES",
        default_value_t = 4_194_304,
        global = true
    )]
    pub apq_cache_bytes: usize,

    /// Memory budget of the parsed-document cache (documents by their exact
    /// text, parsed and measured once), in bytes; 0 turns it off.
    #[arg(
        long,
        env = "CMS_DOCUMENT_CACHE_BYTES",
        default_value_t = 8_388_608,
        global = true
    )]
    pub document_cache_bytes: usize,

    /// Most entries a list argument or list input field takes (`countryIds`,
    /// `priorities`, `priorityAreas`); a longer list is BAD_USER_INPUT.
    #[arg(
        long,
        env = "CMS_MAX_LIST_LENGTH",
        default_value_t = 100,
        global = true
    )]
    pub max_list_length: usize,

    /// Longest short text, in characters (after NFC): titles, names,
    /// categories, file names, display names; longer is BAD_USER_INPUT.
    #[arg(long, env = "CMS_MAX_SHORT_TEXT", default_value_t = 300, global = true)]
    pub max_short_text: usize,

    /// Longest summary or review comment, in characters.
    #[arg(
        long,
        env = "CMS_MAX_SUMMARY_TEXT",
        default_value_t = 5_000,
        global = true
    )]
    pub max_summary_text: usize,

    /// Longest markdown body (a country's context and support measures, a
    /// priority's body), in characters.
    #[arg(
        long,
        env = "CMS_MAX_BODY_TEXT",
        default_value_t = 100_000,
        global = true
    )]
    pub max_body_text: usize,

    /// Connections in the database pool (default: 10 on PostgreSQL, 8 on SQLite).
    #[arg(long, env = "CMS_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,

    /// Longest wait for a free database connection, in milliseconds; then the
    /// request fails with SERVICE_UNAVAILABLE.
    #[arg(
        long,
        env = "CMS_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3_000,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,

    /// A pooled connection idle for this long (milliseconds) is pinged before
    /// use, so one the server or a firewall dropped is replaced rather than
    /// failing a request; busier connections go straight to work (a ping on
    /// every checkout is a round trip per statement). 0: ping on every checkout.
    #[arg(
        long,
        env = "CMS_DB_PING_IDLE_MS",
        default_value_t = 1_000,
        global = true
    )]
    pub db_ping_idle_ms: u64,

    /// Longest a database statement may run or wait for a lock while serving,
    /// in milliseconds (PostgreSQL's `statement_timeout`, SQLite's busy
    /// timeout); then the request fails with TIMEOUT and its transaction rolls
    /// back. 0: no limit on PostgreSQL. Migrations and imports have none.
    #[arg(
        long,
        env = "CMS_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// Longest a GraphQL request may take, in milliseconds; then it is stopped
    /// (its transaction rolls back) and answered with TIMEOUT (HTTP 504).
    #[arg(
        long,
        env = "CMS_REQUEST_TIMEOUT_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub request_timeout_ms: u64,

    /// Deadline for receiving a whole request body, in milliseconds, counted
    /// from the end of the headers (when the body may start) whatever arrives in
    /// between: a client still sending after it gets 408 REQUEST_TIMEOUT and its
    /// connection is closed. Bodies are read before a GraphQL execution slot is
    /// taken, so slow senders hold none.
    #[arg(
        long,
        env = "CMS_BODY_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub body_timeout_ms: u64,

    /// Longest wait for a request's headers, in milliseconds: on a new
    /// connection from its first moment, and on a kept-alive connection from
    /// the end of the previous response (so it is also the keep-alive idle
    /// timeout). A connection that has not sent a whole request head by then is
    /// closed.
    #[arg(
        long,
        env = "CMS_HEADER_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub header_timeout_ms: u64,

    /// Longest a write to a client may make no progress, in milliseconds: a
    /// client that stops reading its answers (a big asset, pipelined requests)
    /// loses its connection instead of holding it, and its buffers, for ever.
    #[arg(
        long,
        env = "CMS_WRITE_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub write_timeout_ms: u64,

    /// How long a stopping server (SIGTERM, SIGINT) lets open connections
    /// finish their requests, in milliseconds; then it stops anyway.
    #[arg(
        long,
        env = "CMS_SHUTDOWN_GRACE_MS",
        default_value_t = 20_000,
        global = true
    )]
    pub shutdown_grace_ms: u64,

    /// Most connections open at once; at the cap the server stops accepting
    /// (new connections wait in the kernel's queue) until one closes. At start
    /// the soft open-file limit is raised to fit it (up to the hard limit);
    /// when the hard limit is lower, the cap is lowered to fit, with a warning.
    #[arg(
        long,
        env = "CMS_MAX_CONNECTIONS",
        default_value_t = 4_096,
        global = true
    )]
    pub max_connections: usize,

    /// Most GraphQL requests in flight at once in this process; beyond it a
    /// request is refused at once with SERVICE_UNAVAILABLE (HTTP 503,
    /// `Retry-After: 1`) instead of queueing.
    #[arg(long, env = "CMS_MAX_IN_FLIGHT", default_value_t = 256, global = true)]
    pub max_in_flight: usize,

    /// Production mode: refuse to start without a configured token secret (instead
    /// of generating one in the data directory).
    #[arg(long, env = "CMS_PRODUCTION", global = true)]
    pub production: bool,

    /// HS256 secret that signs and verifies the tokens `login` issues (at least 32
    /// bytes). Without it (and without --jwt-secret-file) a secret is generated
    /// and kept in the data directory, unless --production is set.
    #[arg(long, env = "CMS_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Bearer token `GET /metrics` requires (`Authorization: Bearer <token>`,
    /// else 401). Unset, `/metrics` is open: keep it on a private network then.
    #[arg(long, env = "CMS_METRICS_TOKEN", global = true, hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// A separate address for `GET /metrics` (for example `127.0.0.1:9090`, a
    /// loopback port for Prometheus); the public address then has no
    /// `/metrics`. Unset: `/metrics` is served on the main address.
    #[arg(long, env = "CMS_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,

    /// File holding the HS256 secret (instead of CMS_JWT_SECRET).
    #[arg(long, env = "CMS_JWT_SECRET_FILE", global = true)]
    pub jwt_secret_file: Option<PathBuf>,

    /// `iss` claim of issued tokens, required on verification.
    #[arg(
        long,
        env = "CMS_JWT_ISSUER",
        default_value = "partnerships-cms",
        global = true
    )]
    pub jwt_issuer: String,

    /// `aud` claim of issued tokens, required on verification (also of tokens
    /// from an external identity provider).
    #[arg(
        long,
        env = "CMS_JWT_AUDIENCE",
        default_value = "partnerships-cms",
        global = true
    )]
    pub jwt_audience: String,

    /// Lifetime of issued tokens, in seconds.
    #[arg(long, env = "CMS_TOKEN_TTL", default_value_t = 28_800, global = true)]
    pub token_ttl: i64,

    /// JWK Set file (the JSON an identity provider publishes at its `jwks_uri`)
    /// with the RS256, ES256 or EdDSA public keys of an external identity
    /// provider; tokens choose their key by `kid`.
    #[arg(long, env = "CMS_JWT_JWKS_FILE", global = true)]
    pub jwt_jwks_file: Option<PathBuf>,

    /// `iss` required of tokens signed by a key of the JWK Set.
    #[arg(long, env = "CMS_JWT_EXTERNAL_ISSUER", global = true)]
    pub jwt_external_issuer: Option<String>,

    /// Claim holding the role (EDITOR, PUBLISHER or ADMIN) in external tokens.
    #[arg(
        long,
        env = "CMS_JWT_ROLE_CLAIM",
        default_value = "role",
        global = true
    )]
    pub jwt_role_claim: String,

    /// Highest role a token of the external identity provider may carry
    /// (EDITOR, PUBLISHER or ADMIN). A higher role claim is capped to it, so a
    /// provider trusted for editorial work cannot mint administrators unless it is
    /// configured to.
    #[arg(
        long,
        env = "CMS_JWT_EXTERNAL_MAX_ROLE",
        default_value = "PUBLISHER",
        global = true
    )]
    pub jwt_external_max_role: String,

    /// Oldest external token accepted, in seconds since its `iat` (which such
    /// tokens must carry), whatever its `exp` says.
    #[arg(
        long,
        env = "CMS_JWT_EXTERNAL_MAX_AGE",
        default_value_t = 28_800,
        global = true
    )]
    pub jwt_external_max_age: i64,

    /// Failed logins allowed per pair of email and client address within the
    /// window; beyond it that address cannot log in to that email until the window
    /// ends (other addresses still can).
    #[arg(
        long,
        env = "CMS_LOGIN_MAX_FAILURES_PER_PAIR",
        default_value_t = 5,
        global = true
    )]
    pub login_max_failures_per_pair: i32,

    /// Failed logins allowed per email within the window, from all addresses
    /// together: a ceiling against guessing spread over many addresses, far above
    /// the per-pair limit so that others failing on an email rarely lock its
    /// owner out.
    #[arg(
        long,
        env = "CMS_LOGIN_MAX_FAILURES_PER_EMAIL",
        default_value_t = 100,
        global = true
    )]
    pub login_max_failures_per_email: i32,

    /// Days an address (IPv6: its /64) stays known for an email after a
    /// successful login from it; logins from a known address are not held to the
    /// per-email ceiling, so strangers exhausting it cannot lock the owner out of
    /// the places they usually log in from (0: no address is ever known).
    #[arg(
        long,
        env = "CMS_LOGIN_KNOWN_ADDRESS_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub login_known_address_days: i64,

    /// Days a device token lives (`login` returns one; sent back with the next
    /// login it exempts that login from the per-email ceiling).
    #[arg(
        long,
        env = "CMS_DEVICE_TOKEN_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub device_token_days: i64,

    /// Failed logins allowed per device token within the window; logins with a
    /// valid device token are counted per device only (not per email or
    /// address), so others failing on the email cannot lock its owner out.
    #[arg(
        long,
        env = "CMS_LOGIN_MAX_FAILURES_PER_DEVICE",
        default_value_t = 10,
        global = true
    )]
    pub login_max_failures_per_device: i32,

    /// Failed logins allowed per client address (IPv6: per /64) within the
    /// window, over all emails.
    #[arg(
        long,
        env = "CMS_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 50,
        global = true
    )]
    pub login_max_failures_per_address: i32,

    /// Length of the failed-login window, in seconds.
    #[arg(
        long,
        env = "CMS_LOGIN_WINDOW_SECONDS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_seconds: i64,

    /// Password hashes computed at once (login, password changes, new users);
    /// default: the number of cores.
    #[arg(long, env = "CMS_PASSWORD_HASH_CONCURRENCY", global = true)]
    pub password_hash_concurrency: Option<usize>,

    /// How long a login waits for a free hashing slot before it is refused with
    /// RATE_LIMITED, in milliseconds.
    #[arg(
        long,
        env = "CMS_PASSWORD_HASH_WAIT_MS",
        default_value_t = 2_000,
        global = true
    )]
    pub password_hash_wait_ms: u64,

    /// Behind one reverse proxy or load balancer: take the client address for the
    /// failed-login limit from the last entry of `X-Forwarded-For` (the one that
    /// proxy added) instead of the connection's peer, which is the proxy itself.
    #[arg(long, env = "CMS_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: bool,

    /// Where documents' files are kept: `local` (the filesystem, under
    /// `CMS_FILES_DIR`) or `s3` (any S3-compatible store, `CMS_S3_*`), which
    /// several `cms` processes on one PostgreSQL database can share.
    #[arg(long, env = "CMS_FILE_STORE", default_value = "local", global = true)]
    pub file_store: FileStoreKind,

    /// The local file store's directory (default: `files` in the data directory).
    #[arg(long, env = "CMS_FILES_DIR", global = true)]
    pub files_dir: Option<PathBuf>,

    /// The S3 store's endpoint URL, e.g. `http://127.0.0.1:9000` (default:
    /// AWS's for the region).
    #[arg(long, env = "CMS_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// The S3 store's bucket.
    #[arg(long, env = "CMS_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,

    /// The S3 store's region (default: `AWS_REGION`, else `us-east-1`).
    #[arg(long, env = "CMS_S3_REGION", global = true)]
    pub s3_region: Option<String>,

    /// The S3 store's access key id (default: `AWS_ACCESS_KEY_ID` and the other
    /// standard AWS variables).
    #[arg(long, env = "CMS_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,

    /// The S3 store's secret access key (default: `AWS_SECRET_ACCESS_KEY`).
    #[arg(
        long,
        env = "CMS_S3_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<String>,

    /// A key prefix inside the bucket (several deployments in one bucket).
    #[arg(long, env = "CMS_S3_PREFIX", global = true)]
    pub s3_prefix: Option<String>,

    /// Allow a plain-`http` S3 endpoint (a store on the same host or network).
    #[arg(long, env = "CMS_S3_ALLOW_HTTP", global = true)]
    pub s3_allow_http: bool,

    /// Largest file of an upload, in bytes; refused (PAYLOAD_TOO_LARGE) while
    /// it streams in, before it is stored.
    #[arg(
        long,
        env = "CMS_MAX_FILE_BYTES",
        default_value_t = 104_857_600,
        global = true
    )]
    pub max_file_bytes: u64,

    /// Most files in one upload request.
    #[arg(
        long,
        env = "CMS_MAX_FILES_PER_REQUEST",
        default_value_t = 4,
        global = true
    )]
    pub max_files_per_request: usize,

    /// Most upload requests streaming at once in this process; one more is
    /// refused at once with 503 (`Retry-After`).
    #[arg(long, env = "CMS_MAX_UPLOADS", default_value_t = 8, global = true)]
    pub max_uploads: usize,

    /// How long an upload request's body may take, in milliseconds (the
    /// ordinary request body has `CMS_BODY_TIMEOUT_MS`).
    #[arg(
        long,
        env = "CMS_UPLOAD_TIMEOUT_MS",
        default_value_t = 600_000,
        global = true
    )]
    pub upload_timeout_ms: u64,

    /// How long an upload may send nothing, in milliseconds, before it is cut
    /// off (408).
    #[arg(
        long,
        env = "CMS_UPLOAD_IDLE_MS",
        default_value_t = 20_000,
        global = true
    )]
    pub upload_idle_ms: u64,

    /// The file formats uploads may have, by name (comma-separated), out of
    /// PDF, ZIP, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG, CSV, TXT.
    #[arg(
        long,
        env = "CMS_FILE_FORMATS",
        value_delimiter = ',',
        default_value = "PDF,ZIP,DOCX,XLSX,PPTX,ODT,ODS,PNG,JPEG,CSV,TXT",
        global = true
    )]
    pub file_formats: Vec<String>,

    /// The service's public address, which `downloadUrl`s start with (e.g.
    /// `https://cms.example.org`; default: `http://` and the bind address).
    #[arg(long, env = "CMS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// `max-age` of a published file at its versioned address (`?v=`, what
    /// `downloadUrl` gives), sent with `immutable`: the bytes at that address
    /// never change. A year by default; lower it where a takedown must reach
    /// browsers (CDNs are purged by the `Document:<id>` cache tag).
    #[arg(
        long,
        env = "CMS_FILE_MAX_AGE",
        default_value_t = 31_536_000,
        global = true
    )]
    pub file_max_age: u64,

    /// Seconds a stored file that no document version names is kept before
    /// the background job removes it (an upload in progress names it only
    /// when its save commits).
    #[arg(long, env = "CMS_FILE_GRACE", default_value_t = 86_400, global = true)]
    pub file_grace: u64,

    /// Seconds between runs of the file collector in this process (it also
    /// runs at start); 0: never in this process.
    #[arg(
        long,
        env = "CMS_FILE_COLLECT_INTERVAL",
        default_value_t = 600,
        global = true
    )]
    pub file_collect_interval: u64,

    /// Seconds between runs of the scheduled-publishing job (0: do not run it in
    /// this process).
    #[arg(
        long,
        env = "CMS_SCHEDULER_INTERVAL",
        default_value_t = 10,
        global = true
    )]
    pub scheduler_interval: u64,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "CMS_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Log filter in `RUST_LOG` syntax (e.g. `info`, `warn,api=debug`).
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn,sea_orm_migration=warn",
        global = true
    )]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Introspection {
    Everyone,
    Staff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileStoreKind {
    Local,
    S3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The configuration with every default, as the tests and `cms schema` use it.
    pub fn defaults() -> Self {
        Cli::parse_from(["cms"]).config
    }

    /// The local file store's directory.
    pub fn files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The start of every public URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
            _ => format!("http://{}", self.bind),
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("cms.db").display()
            ),
        }
    }
}

/// Creates a directory (and its missing parents) only its owner may enter: the
/// data directory holds the database (password hashes, drafts) and the token
/// secret. A directory that exists already keeps its permissions.
pub fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Warns when an existing data directory lets other local users in (one made
/// by [`create_private_dir`] does not): the database holds password hashes.
pub fn warn_if_shared(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the data directory is open to other local users: chmod 700 it"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn the_data_directory_is_created_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let base = std::env::temp_dir().join(format!("cms-dir-{}-{nanos}", std::process::id()));
        let data = base.join("data");
        super::create_private_dir(&data).expect("created");
        for dir in [&base, &data] {
            let mode = std::fs::metadata(dir).expect("exists").permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
        }
        // An existing directory keeps its permissions.
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        super::create_private_dir(&data).expect("exists already");
        let mode = std::fs::metadata(&data)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750);
        std::fs::remove_dir_all(&base).expect("cleaned up");
    }
}
