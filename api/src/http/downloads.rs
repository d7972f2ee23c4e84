//! Downloads: `GET` and `HEAD /files/{document id}/{filename}`.
//!
//! The id names a document, never a path: the bytes are found by the digest
//! its row (or one of its versions) holds, so no part of the request reaches
//! the store. Access follows the document:
//!
//! - without `?version=`, anyone gets the file of the PUBLISHED version, and
//!   only while the document is published; `?v=` (what `downloadUrl` adds),
//!   when given, must be the first 32 hex digits of that file's digest, so
//!   the address of a file changes with its bytes and is cached as immutable
//!   (`public, max-age=<CMS_FILE_MAX_AGE>, immutable`, a year by default);
//!   without it the answer is cached
//!   like a GraphQL answer (`CMS_HTTP_MAX_AGE`);
//! - `?version=N` is a staff download (a draft, a working copy, an old
//!   revision) with a token: `private, no-cache`.
//!
//! Anything else (an unknown id, another type's id, a name that is not the
//! file's, a draft without a token) is the same 404. `ETag` is the file's
//! SHA-256: `If-None-Match` is 304; one `Range` is 206 (`If-Range` honoured),
//! an unsatisfiable one 416; several ranges get the whole file.
use super::graphql::bearer;
use super::response::{error_response, fault, Media};
use super::App;
use crate::catalog::Data;
use crate::content::{GlobalId, Kind};
use crate::documents::content::DocumentData;
use crate::error::{code, AppError, AppResult};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use entity::{document, Status};

/// What a file may do if a browser renders it anyway: nothing.
const SANDBOX: &str = "default-src 'none'; sandbox";

/// The facts of the file a download serves.
struct Served {
    sha256: String,
    size: u64,
    media_type: String,
    filename: String,
    /// The `Cache-Control` of the answer.
    cache: HeaderValue,
    /// The document's cache tag, for public answers.
    tag: Option<String>,
}

/// What the query string asks for.
#[derive(Default)]
struct Wanted {
    /// `v`: the start of the digest the client expects.
    tag: Option<String>,
    /// `version`: a staff download of one version.
    version: Option<i32>,
}

impl Wanted {
    /// `None` when a parameter is malformed, repeated or unknown (a 404, like
    /// any unknown file): made-up parameters would make every address new to
    /// a CDN, and each one a read of the whole file from the store.
    fn of(query: Option<&str>) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "v" if wanted.tag.is_none() => wanted.tag = Some(value.into_owned()),
                "version" if wanted.version.is_none() => wanted.version = Some(value.parse().ok()?),
                _ => return None,
            }
        }
        Some(wanted)
    }
}

pub async fn download(
    State(app): State<App>,
    method: Method,
    Path((id, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match find(&app, &id, &name, query.as_deref(), &headers).await {
        Ok(Some(served)) => respond(&app, &method, &headers, served).await,
        Ok(None) => not_found(),
        Err(AppError::Unauthenticated(message)) => error_response(
            StatusCode::UNAUTHORIZED,
            code::UNAUTHENTICATED,
            &message,
            Media::Json,
        ),
        Err(err) => {
            if let AppError::Internal(detail) = &err {
                tracing::error!(error = %detail, "download failed");
            }
            fault(&err, Media::Json)
        }
    }
}

fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        code::NOT_FOUND,
        "no such file",
        Media::Json,
    )
}

/// The file the request may have, or `None` (404).
async fn find(
    app: &App,
    id: &str,
    name: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> AppResult<Option<Served>> {
    let Some(wanted) = Wanted::of(query) else {
        return Ok(None);
    };
    // A token, when sent, must be good (401 otherwise, as on /graphql, and
    // before anything is looked up: the answer says nothing of the id).
    let staff = match bearer(headers)? {
        Some(token) => crate::users::viewer_of(&app.state, token)
            .await?
            .actor()
            .is_some(),
        None => false,
    };
    let Ok(gid) = GlobalId::decode(id) else {
        return Ok(None);
    };
    if gid.kind != Kind::Document {
        return Ok(None);
    }
    let state = &app.state;
    let mut sql = state.db.sql();
    sql.push("SELECT * FROM documents WHERE id = ").bind(gid.id);
    let Some(row) = crate::db::query_as::<document::Model, _>(&state.db.conn, sql)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let served = match wanted.version {
        None => public(app, &row),
        // A staff download; without a token it is the same 404 as an
        // unknown file.
        Some(_) if !staff => return Ok(None),
        Some(version) => of_version(app, &row, version).await?,
    };
    Ok(served
        .filter(|s| {
            s.filename == name
                && wanted
                    .tag
                    .as_deref()
                    .is_none_or(|t| t == crate::files::version_tag(&s.sha256))
        })
        .map(|mut s| {
            if wanted.tag.is_some() && s.tag.is_some() {
                s.cache = app.immutable.clone();
            }
            s
        }))
}

/// The published version's file, for anyone.
fn public(app: &App, row: &document::Model) -> Option<Served> {
    if row.status != Status::Published || !row.file_stored {
        return None;
    }
    Some(Served {
        sha256: row.sha256.clone()?,
        size: u64::try_from(row.size_bytes).ok()?,
        media_type: row.media_type.clone(),
        filename: row.original_filename.clone()?,
        cache: app.public_cache_control.clone(),
        tag: Some(crate::content::tags::Tag::Item(Kind::Document, row.id).to_string()),
    })
}

/// The file of one version (the row's, its working copy's, or a revision's).
async fn of_version(app: &App, row: &document::Model, version: i32) -> AppResult<Option<Served>> {
    let data = if version == row.version {
        Some(facts_of_row(row))
    } else if Some(version) == row.draft_version {
        match &row.draft {
            Some(json) => Some(DocumentData::try_from(Data::from_json(json)?)?),
            None => None,
        }
    } else {
        revision(app, row.id, version).await?
    };
    Ok(data.and_then(|d| {
        if !d.file_stored {
            return None;
        }
        Some(Served {
            sha256: d.sha256?,
            size: u64::try_from(d.size_bytes).ok()?,
            media_type: d.media_type,
            filename: d.original_filename?,
            cache: HeaderValue::from_static("private, no-cache"),
            tag: None,
        })
    }))
}

/// The file facts of the row itself.
fn facts_of_row(row: &document::Model) -> DocumentData {
    DocumentData {
        sha256: row.sha256.clone(),
        size_bytes: row.size_bytes,
        media_type: row.media_type.clone(),
        original_filename: row.original_filename.clone(),
        file_stored: row.file_stored,
        ..DocumentData::default()
    }
}

/// A document's snapshot at a version, from its revisions.
async fn revision(app: &App, id: i32, version: i32) -> AppResult<Option<DocumentData>> {
    let state = &app.state;
    let mut sql = state.db.sql();
    sql.push("SELECT data FROM revisions WHERE item_kind = ")
        .bind(Kind::Document.type_name())
        .push(" AND item_id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version)
        .push(" ORDER BY id DESC LIMIT 1");
    let rows = crate::db::query(&state.db.conn, sql).await?;
    let Some(json) = rows
        .first()
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
    else {
        return Ok(None);
    };
    Ok(Some(DocumentData::try_from(Data::from_json(&json)?)?))
}

/// The answer: 304, 206, 416 or 200, headers first, bytes streamed from the
/// store.
async fn respond(app: &App, method: &Method, headers: &HeaderMap, served: Served) -> Response {
    let etag = format!("\"{}\"", served.sha256);
    let mut head = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, served.cache.clone())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, SANDBOX)
        .header(header::CONTENT_DISPOSITION, disposition(&served.filename));
    if let Some(tag) = &served.tag {
        head = head
            .header("cache-tag", tag.as_str())
            .header("surrogate-key", tag.as_str());
    }
    if none_match(headers, &served.sha256) {
        return head
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| not_found());
    }
    let content_type = HeaderValue::from_str(&served.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    head = head.header(header::CONTENT_TYPE, content_type);
    let range = match wanted_range(headers, &etag, served.size) {
        Ok(range) => range,
        Err(()) => {
            return head
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{}", served.size))
                .body(Body::empty())
                .unwrap_or_else(|_| not_found());
        }
    };
    let (status, length) = match &range {
        Some(r) => {
            head = head.header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end - 1, served.size),
            );
            (StatusCode::PARTIAL_CONTENT, r.end - r.start)
        }
        None => (StatusCode::OK, served.size),
    };
    head = head
        .status(status)
        .header(header::CONTENT_LENGTH, length.to_string());
    if method == Method::HEAD {
        return head.body(Body::empty()).unwrap_or_else(|_| not_found());
    }
    match app.state.files.store.get(&served.sha256, range).await {
        Ok(stream) => head
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| not_found()),
        Err(AppError::NotFound(_)) => {
            // A row names bytes the store does not have: never expected (the
            // bytes are stored before the row is committed).
            tracing::error!(sha256 = %served.sha256, "a document's file is missing from the store");
            not_found()
        }
        Err(err) => {
            if let AppError::Internal(detail) = &err {
                tracing::error!(error = %detail, "download failed");
            }
            fault(&err, Media::Json)
        }
    }
}

/// Does `If-None-Match` name this file (or `*`)?
fn none_match(headers: &HeaderMap, sha256: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == sha256)
}

/// The one range to send, `None` for the whole file, `Err` when the range
/// cannot be satisfied. A `Range` whose `If-Range` names other bytes, or that
/// asks for several ranges, gets the whole file.
fn wanted_range(
    headers: &HeaderMap,
    etag: &str,
    size: u64,
) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    if let Some(if_range) = headers.get(header::IF_RANGE) {
        // Only a strong ETag matches (a date never does: files have none).
        if if_range.as_bytes() != etag.as_bytes() {
            return Ok(None);
        }
    }
    let Ok(parsed) = http_range_header::parse_range_header(value) else {
        // A malformed Range is ignored (RFC 9110, 14.2).
        return Ok(None);
    };
    let ranges = parsed.validate(size).map_err(|_| ())?;
    match ranges.as_slice() {
        [one] => Ok(Some(*one.start()..one.end().saturating_add(1))),
        _ => Ok(None),
    }
}

/// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>`
/// (RFC 6266): the plain name for old clients, with `_` for what it cannot
/// hold, and the exact one for the others.
fn disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disposition_has_an_ascii_name_and_the_exact_one() {
        assert_eq!(
            disposition("Informe año.pdf"),
            "attachment; filename=\"Informe a_o.pdf\"; filename*=UTF-8''Informe%20a%C3%B1o.pdf"
        );
        assert_eq!(
            disposition("annex.pdf"),
            "attachment; filename=\"annex.pdf\"; filename*=UTF-8''annex.pdf"
        );
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        let mut h = HeaderMap::new();
        let etag = "\"abc\"";
        assert_eq!(wanted_range(&h, etag, 100), Ok(None));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=10-19"));
        assert_eq!(wanted_range(&h, etag, 100), Ok(Some(10..20)));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=-10"));
        assert_eq!(wanted_range(&h, etag, 100), Ok(Some(90..100)));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=200-"));
        assert_eq!(wanted_range(&h, etag, 100), Err(()));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=0-1,5-6"));
        assert_eq!(wanted_range(&h, etag, 100), Ok(None));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=10-19"));
        h.insert(header::IF_RANGE, HeaderValue::from_static("\"other\""));
        assert_eq!(wanted_range(&h, etag, 100), Ok(None));
        h.insert(header::IF_RANGE, HeaderValue::from_static("\"abc\""));
        assert_eq!(wanted_range(&h, etag, 100), Ok(Some(10..20)));
    }
}
