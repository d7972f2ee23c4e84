//! Uploads: the GraphQL multipart request
//! (<https://github.com/jaydenseric/graphql-multipart-request-spec>), parsed
//! with multer as it streams. Before any of the body is read: a header that
//! forces browsers to preflight (CSRF: a form can post multipart/form-data
//! across sites without one), a staff token, a free upload slot
//! (`CMS_MAX_UPLOADS`) and a declared length within the limits. Then the
//! `operations` and `map` fields (at most `CMS_MAX_BODY_BYTES` each, first, as
//! the spec orders them) and each file, spooled to disk while its SHA-256 and
//! size are counted: a file past `CMS_MAX_FILE_BYTES`, or more than
//! `CMS_MAX_FILES_PER_REQUEST` files, is PAYLOAD_TOO_LARGE before the rest is
//! read. The body must arrive within `CMS_UPLOAD_TIMEOUT_MS`, and never pause
//! longer than `CMS_UPLOAD_IDLE_MS`. The request then runs through the same
//! pipeline as any other, within the request timeout; the resolvers take the
//! files in (`gql/upload.rs`).
use super::graphql::{closing, request_of_json, Payload};
use super::pipeline::{self, Exchange};
use super::response::{error_response, fault};
use super::App;
use crate::error::{code, AppError};
use crate::files::{Received, Uploads};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The headers that make a browser preflight a cross-site request (as Apollo
/// Server's CSRF prevention names them).
const PREFLIGHT: [&str; 3] = [
    "apollo-require-preflight",
    "graphql-require-preflight",
    "x-apollo-operation-name",
];

/// Is the request body declared as `multipart/form-data`?
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Serves a multipart request: every check that needs no body first, then
/// the body within its deadlines, then the pipeline within the request
/// timeout.
pub async fn serve(app: &App, ex: Exchange, body: Body) -> Response {
    let (Continue(resp) | Break(resp)) = steps(app, ex, body).await;
    resp
}

async fn steps(app: &App, ex: Exchange, body: Body) -> ControlFlow<Response, Response> {
    let config = &app.state.config;
    let refuse =
        |status, code, message: &str| Break(error_response(status, code, message, ex.media));
    if !PREFLIGHT.iter().any(|h| {
        ex.headers
            .get(*h)
            .is_some_and(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace))
    }) {
        return refuse(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "a multipart request needs a non-empty `Apollo-Require-Preflight`, \
             `GraphQL-Require-Preflight` or `X-Apollo-Operation-Name` header (CSRF prevention)",
        );
    }
    staff_only(app, &ex).await?;
    let Ok(_slot) = app.state.uploads.clone().try_acquire_owned() else {
        return Break(fault(&AppError::Unavailable(String::new()), ex.media));
    };
    let limits = Limits::of(config);
    let declared = ex
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.whole()) {
        return Break(closing(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            &format!(
                "an upload request may have at most {} bytes ({} files of at most {} bytes)",
                limits.whole(),
                limits.files,
                limits.file
            ),
            ex.media,
        )));
    }
    let Some(boundary) = ex
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "a multipart request needs a `boundary` in its Content-Type",
        );
    };
    let watch = Arc::new(Watch::default());
    let stream = watched(body, limits.idle, watch.clone());
    let deadline = Duration::from_millis(config.upload_timeout_ms.max(1));
    let read = tokio::time::timeout(deadline, read(app, stream, boundary, &limits, &watch)).await;
    let request = match read {
        Ok(Ok(request)) => request,
        Ok(Err(_)) if watch.head_too_large.load(Ordering::Relaxed) => {
            return Break(closing(error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                &format!("a part's headers may have at most {HEAD_LIMIT} bytes"),
                ex.media,
            )));
        }
        Ok(Err(refusal)) if watch.idled.load(Ordering::Relaxed) => {
            tracing::debug!(error = %refusal.message, "upload idle");
            return Break(timed_out(
                app,
                &ex,
                "the upload paused for longer than CMS_UPLOAD_IDLE_MS",
            ));
        }
        Ok(Err(refusal)) => {
            let resp = error_response(refusal.status, refusal.code, &refusal.message, ex.media);
            // The rest of a refused body is never read.
            return Break(closing(resp));
        }
        Err(_) => {
            return Break(timed_out(
                app,
                &ex,
                "the upload did not arrive within CMS_UPLOAD_TIMEOUT_MS",
            ))
        }
    };
    // Storing the files is part of running the request: an upload's request
    // gets the upload's time, not a query's.
    let timeout = Duration::from_millis(
        config
            .upload_timeout_ms
            .max(config.request_timeout_ms)
            .max(1),
    );
    let payload = Payload::Decoded(Box::new(request));
    match tokio::time::timeout(timeout, pipeline::serve(app, ex, payload)).await {
        Ok(resp) => Continue(resp),
        Err(_) => Continue(super::brakes::timed_out()),
    }
}

/// Only staff upload: an anonymous request, or a bad token, is refused before
/// a byte of the body is read (the token as every request's, `pipeline`).
async fn staff_only(app: &App, ex: &Exchange) -> ControlFlow<Response, ()> {
    let viewer = pipeline::authenticate(app, ex).await.map_break(closing)?;
    if viewer.actor().is_some() {
        return Continue(());
    }
    let mut resp = error_response(
        StatusCode::UNAUTHORIZED,
        code::UNAUTHENTICATED,
        "uploads need a staff token (`Authorization: Bearer ...`)",
        ex.media,
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer"),
    );
    Break(closing(resp))
}

fn timed_out(app: &App, ex: &Exchange, message: &str) -> Response {
    app.state
        .traffic
        .body_timeouts_total
        .fetch_add(1, Ordering::Relaxed);
    closing(error_response(
        StatusCode::REQUEST_TIMEOUT,
        code::REQUEST_TIMEOUT,
        message,
        ex.media,
    ))
}

/// The limits of one upload request.
struct Limits {
    /// `operations` and `map`, each.
    text: u64,
    file: u64,
    files: usize,
    idle: Duration,
}

impl Limits {
    fn of(config: &crate::config::Config) -> Limits {
        Limits {
            text: config.max_body_bytes as u64,
            file: config.max_file_bytes,
            files: config.max_files_per_request.max(1),
            idle: Duration::from_millis(config.upload_idle_ms.max(1)),
        }
    }

    /// The whole body: both texts, every file, and room for the parts' heads.
    fn whole(&self) -> u64 {
        let files = self.file.saturating_mul(self.files as u64);
        files
            .saturating_add(self.text.saturating_mul(2))
            .saturating_add(64 * 1024)
    }
}

/// Why a multipart body was refused.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            code: code::BAD_USER_INPUT,
            message: message.into(),
        }
    }

    fn too_large(message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: code::PAYLOAD_TOO_LARGE,
            message: message.into(),
        }
    }
}

impl From<multer::Error> for Refusal {
    fn from(e: multer::Error) -> Refusal {
        match e {
            multer::Error::FieldSizeExceeded { field_name, limit } => Refusal::too_large(format!(
                "the field {} may have at most {limit} bytes",
                field_name.as_deref().unwrap_or("(unnamed)")
            )),
            multer::Error::StreamSizeExceeded { limit } => {
                Refusal::too_large(format!("an upload request may have at most {limit} bytes"))
            }
            other => Refusal::bad(format!("the multipart body could not be read: {other}")),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        match e {
            AppError::PayloadTooLarge(m) => Refusal::too_large(m),
            AppError::BadInput { message, .. } => Refusal::bad(message),
            other => {
                if let AppError::Internal(detail) = &other {
                    tracing::error!(error = %detail, "an upload could not be spooled");
                }
                Refusal {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: code::INTERNAL,
                    message: other.public_message(),
                }
            }
        }
    }
}

/// Most bytes read while a part's headers are awaited (multer keeps them all
/// until the blank line that ends them).
const HEAD_LIMIT: u64 = 256 * 1024;

/// What the body stream saw: whether it idled, and the bytes read while the
/// parser looked for a part's headers.
#[derive(Default)]
struct Watch {
    idled: AtomicBool,
    in_head: AtomicBool,
    head_bytes: AtomicU64,
    head_too_large: AtomicBool,
}

impl Watch {
    /// The next part's headers are awaited (`true`) or read (`false`).
    fn head(&self, awaited: bool) {
        self.head_bytes.store(0, Ordering::Relaxed);
        self.in_head.store(awaited, Ordering::Relaxed);
    }
}

/// The next part, its headers read within [`HEAD_LIMIT`].
async fn next_part<'r>(
    multipart: &mut multer::Multipart<'r>,
    watch: &Watch,
) -> Result<Option<multer::Field<'r>>, Refusal> {
    watch.head(true);
    let next = multipart.next_field().await;
    watch.head(false);
    Ok(next?)
}

/// Reads the multipart body: `operations`, `map`, then the files, each spooled.
async fn read<S>(
    app: &App,
    stream: S,
    boundary: String,
    limits: &Limits,
    watch: &Watch,
) -> Result<async_graphql::Request, Refusal>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limits.whole())
            .for_field("operations", limits.text)
            .for_field("map", limits.text),
    );
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let operations = match next_part(&mut multipart, watch).await? {
        Some(field) if field.name() == Some("operations") => field.bytes().await?,
        _ => return Err(Refusal::bad("the first field must be `operations`")),
    };
    let mut request = request_of_json(&operations).map_err(Refusal::bad)?;
    let map: HashMap<String, Vec<String>> = match next_part(&mut multipart, watch).await? {
        Some(field) if field.name() == Some("map") => serde_json::from_slice(&field.bytes().await?)
            .map_err(|e| Refusal::bad(format!("`map` is not a JSON object of paths: {e}")))?,
        _ => return Err(Refusal::bad("the second field must be `map`")),
    };
    if map.len() > limits.files {
        return Err(Refusal::too_large(format!(
            "an upload request may have at most {} files",
            limits.files
        )));
    }
    let mut uploads = Uploads::default();
    let mut names = std::collections::HashSet::new();
    let mut targets = std::collections::HashSet::new();
    while let Some(field) = next_part(&mut multipart, watch).await? {
        let name = field.name().unwrap_or_default().to_string();
        let Some(paths) = map.get(&name) else {
            return Err(Refusal::bad(format!(
                "the field {} is not in `map`",
                crate::error::quoted(&name)
            )));
        };
        if !names.insert(name.clone()) {
            return Err(Refusal::bad(format!(
                "the file {} is sent twice",
                crate::error::quoted(&name)
            )));
        }
        let [path] = paths.as_slice() else {
            return Err(Refusal::bad(format!(
                "`map` must give the file {} exactly one path",
                crate::error::quoted(&name)
            )));
        };
        if !targets.insert(path.clone()) {
            return Err(Refusal::bad(format!(
                "two files of `map` name the path {}",
                crate::error::quoted(path)
            )));
        }
        let filename = field.file_name().unwrap_or_default().to_string();
        // The path must name a variable before a byte of the file is kept.
        let before = request.uploads.len();
        request.set_upload(
            path,
            async_graphql::UploadValue {
                filename: filename.clone(),
                content_type: field.content_type().map(ToString::to_string),
                content: Bytes::new(),
            },
        );
        if request.uploads.len() == before {
            return Err(Refusal::bad(format!(
                "the path {} of `map` names no variable of `operations` (it must be \
                 `variables.<name>`, set to null)",
                crate::error::quoted(path)
            )));
        }
        let spooled = app.state.files.store.spool(field, limits.file).await?;
        uploads.push(Received { filename, spooled });
    }
    if names.len() != map.len() {
        return Err(Refusal::bad(
            "a file named in `map` is missing from the request",
        ));
    }
    Ok(request.data(uploads))
}

/// The body as a stream that fails when nothing arrives for `idle`, or when
/// more than [`HEAD_LIMIT`] bytes arrive while a part's headers are awaited
/// (and says which in `watch`).
fn watched(
    body: Body,
    idle: Duration,
    watch: Arc<Watch>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let frames = body.into_data_stream();
    futures_util::stream::unfold(Some(frames), move |frames| {
        let watch = watch.clone();
        async move {
            let mut frames = frames?;
            match tokio::time::timeout(idle, frames.next()).await {
                Ok(Some(Ok(bytes))) => {
                    if watch.in_head.load(Ordering::Relaxed) {
                        let seen = watch
                            .head_bytes
                            .fetch_add(bytes.len() as u64, Ordering::Relaxed)
                            + bytes.len() as u64;
                        if seen > HEAD_LIMIT {
                            watch.head_too_large.store(true, Ordering::Relaxed);
                            let e = std::io::Error::other("part headers too large");
                            return Some((Err(e), None));
                        }
                    }
                    Some((Ok(bytes), Some(frames)))
                }
                Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e)), None)),
                Ok(None) => None,
                Err(_) => {
                    watch.idled.store(true, Ordering::Relaxed);
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the upload paused too long",
                        )),
                        None,
                    ))
                }
            }
        }
    })
}
