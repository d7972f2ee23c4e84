//! Documents' files: the store their bytes live in, content-addressed
//! ([`store`]), what a file is, from its bytes ([`sniff`]), files made to
//! measure for the demo and benchmark data ([`make`]), and here the service
//! over them: taking in an upload ([`Files::ingest`]), the address a file is
//! downloaded from ([`Files::url`]) and the collector of files no document
//! version names ([`Files::collect`]).
//!
//! The order of an upload is what makes it safe to crash anywhere: the bytes
//! are spooled and counted, sniffed, their `blobs` row is stamped (committed),
//! then they are put in the store, and only then is the document version that
//! names them committed. A crash leaves at worst a stored file nothing names,
//! which the collector removes once the grace period has passed.
pub mod make;
pub mod sniff;
pub mod store;

use crate::config::Config;
use crate::db::{exec, query, Db, Sql};
use crate::documents::content::StoredFile;
use crate::error::{AppError, AppResult};
use chrono::Utc;
use sniff::Accepted;
use std::time::Duration;
use store::{FileStore, Spooled};

/// The file service: the store and the rules of uploads.
#[derive(Clone)]
pub struct Files {
    pub store: FileStore,
    /// The formats an upload may have (`CMS_FILE_FORMATS`).
    pub accepted: Vec<&'static Accepted>,
    /// The largest file (`CMS_MAX_FILE_BYTES`).
    pub max_file_bytes: u64,
    /// How long a file no version names is kept (`CMS_FILE_GRACE`).
    pub grace: Duration,
    /// How old what an upload leaves behind (spool files, staging objects)
    /// must be before it is swept: the grace period, but never less than an
    /// upload may take (`CMS_UPLOAD_TIMEOUT_MS` and `CMS_REQUEST_TIMEOUT_MS`),
    /// so an upload in progress keeps its files.
    sweep_after: Duration,
    /// The longest an upload's request runs (the request or the upload
    /// timeout): its save commits within it.
    request: Duration,
    /// `CMS_PUBLIC_URL` (or the address a server bound), without a trailing
    /// slash.
    public_url: std::sync::Arc<std::sync::RwLock<String>>,
}

/// The files of one multipart request, spooled, by their upload index (what
/// async-graphql's `Upload` holds): each is taken once, by the resolver of
/// the argument it was mapped to.
#[derive(Default)]
pub struct Uploads(Vec<std::sync::Mutex<Option<Received>>>);

/// One file of a multipart request, spooled.
#[derive(Debug)]
pub struct Received {
    /// The name the client gave it.
    pub filename: String,
    pub spooled: Spooled,
}

impl Uploads {
    /// Adds the file of the next upload index.
    pub fn push(&mut self, received: Received) {
        self.0.push(std::sync::Mutex::new(Some(received)));
    }

    /// The file of an upload index, once.
    pub fn take(&self, index: usize) -> Option<Received> {
        self.0
            .get(index)
            .and_then(|slot| slot.lock().ok().and_then(|mut s| s.take()))
    }
}

/// At most this many files are removed per statement round of the collector.
const COLLECT_BATCH: u64 = 100;

impl Files {
    pub fn from_config(config: &Config) -> AppResult<Files> {
        let mut accepted = Vec::new();
        for name in &config.file_formats {
            let format = sniff::named(name).ok_or_else(|| {
                AppError::internal(format!(
                    "CMS_FILE_FORMATS names {name:?}, which is none of: {}",
                    sniff::KNOWN
                        .iter()
                        .map(|a| a.format)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if !accepted.contains(&format) {
                accepted.push(format);
            }
        }
        Ok(Files {
            store: FileStore::from_config(config)?,
            accepted,
            max_file_bytes: config.max_file_bytes,
            grace: Duration::from_secs(config.file_grace),
            request: Duration::from_millis(config.request_timeout_ms.max(config.upload_timeout_ms)),
            sweep_after: Duration::from_secs(config.file_grace).max(Duration::from_millis(
                config
                    .upload_timeout_ms
                    .saturating_add(config.request_timeout_ms),
            )),
            public_url: std::sync::Arc::new(std::sync::RwLock::new(config.public_url())),
        })
    }

    /// Sets the start of download addresses (a server without
    /// `CMS_PUBLIC_URL`: the address it bound).
    pub fn set_public_url(&self, url: &str) {
        if let Ok(mut kept) = self.public_url.write() {
            *kept = url.trim_end_matches('/').to_string();
        }
    }

    fn base(&self) -> String {
        self.public_url
            .read()
            .map(|u| u.clone())
            .unwrap_or_default()
    }

    /// Takes in a spooled upload: what it is comes from its bytes (a format
    /// outside the accepted ones, or a `filename` whose extension names
    /// another, is BAD_USER_INPUT at `field`, and nothing is stored); its
    /// `blobs` row is stamped, then it is stored under its digest.
    pub async fn ingest(
        &self,
        db: &Db,
        spooled: Spooled,
        filename: &str,
        field: &str,
    ) -> AppResult<StoredFile> {
        let format = sniff::sniff_file(
            spooled.path().to_path_buf(),
            filename.to_string(),
            self.accepted.clone(),
            field.to_string(),
        )
        .await?;
        // Text is told by its first lines only: a NUL anywhere makes it none.
        if spooled.has_nul && matches!(format.format, "TXT" | "CSV") {
            return Err(AppError::bad_field(
                field,
                "the file is not text: it has NUL bytes after its first lines",
            ));
        }
        let size_bytes = i64::try_from(spooled.size)
            .map_err(|_| AppError::PayloadTooLarge("the file is too large".into()))?;
        let file = StoredFile {
            sha256: spooled.sha256.clone(),
            size_bytes,
            format: format.format.to_string(),
            media_type: format.media_type.to_string(),
            filename: safe_name(filename, format),
        };
        stamp(db, &file.sha256, size_bytes).await?;
        // Stored by a task of its own: a request cancelled meanwhile (its
        // client gone, its timeout) does not cut the store's upload short
        // (an S3 multipart upload is then finished or aborted, never left).
        let store = self.store.clone();
        tokio::spawn(async move { store.keep(spooled).await })
            .await
            .map_err(|e| AppError::internal(format!("storing a file: {e}")))??;
        Ok(file)
    }

    /// Where a document's file is downloaded from: `/files/<id>/<name>`,
    /// with `?v=` and the start of its digest, so the address changes with
    /// the bytes and a cache may keep it for good.
    pub fn url(&self, id: &str, filename: &str, sha256: &str) -> String {
        format!(
            "{}{}",
            self.base(),
            path_of(id, filename, Some(version_tag(sha256)))
        )
    }

    /// Where staff download the file of one version of a document (a draft,
    /// a working copy, an old revision): `?version=N`, with their token.
    pub fn preview_url(&self, id: &str, filename: &str, version: i32) -> String {
        format!(
            "{}{}?version={version}",
            self.base(),
            path_of(id, filename, None)
        )
    }

    /// Removes stored files no document version names and no upload has used
    /// within the grace period, and what cut-short uploads left behind.
    /// Returns how many files went. Each removal holds its `blobs` row
    /// locked (deleted, uncommitted) while the bytes go: an upload of the same
    /// bytes meanwhile waits, then stores them again.
    pub async fn collect(&self, db: &Db) -> AppResult<usize> {
        self.collect_as_of(db, Utc::now()).await
    }

    /// [`collect`](Self::collect) as it would run at `now` (tests pass a
    /// later time rather than wait out the grace period). A file is unused
    /// when its last upload was longer ago than the grace period, and never
    /// less than a request may take (an upload's stamp comes before its save
    /// commits).
    pub async fn collect_as_of(&self, db: &Db, now: chrono::DateTime<Utc>) -> AppResult<usize> {
        let cutoff = now
            - chrono::Duration::from_std(self.grace.max(self.request))
                .unwrap_or(chrono::Duration::MAX);
        let mut gone = 0;
        loop {
            let mut sql = Sql::new(db.conn.get_database_backend());
            sql.push("SELECT sha256 FROM blobs WHERE ");
            unreferenced(&mut sql, cutoff);
            sql.push(" LIMIT ").push_int(COLLECT_BATCH);
            let found: Vec<String> = query(&db.conn, sql)
                .await?
                .iter()
                .filter_map(|r| r.try_get_by_index::<String>(0).ok())
                .collect();
            let round = found.len();
            for sha256 in found {
                if self.remove(db, &sha256, cutoff).await? {
                    gone += 1;
                }
            }
            if (round as u64) < COLLECT_BATCH {
                break;
            }
        }
        Ok(gone + self.store.sweep(self.sweep_after).await?)
    }

    /// Removes one file if it is still unreferenced and unused. The row's own
    /// `used_at` is tested (not a subquery's): on PostgreSQL an upload that
    /// stamped the row meanwhile makes the delete re-check the new row and
    /// find nothing to delete.
    async fn remove(
        &self,
        db: &Db,
        sha256: &str,
        cutoff: chrono::DateTime<Utc>,
    ) -> AppResult<bool> {
        let txn = db.begin_write().await?;
        let mut sql = Sql::new(txn.get_database_backend());
        sql.push("DELETE FROM blobs WHERE blobs.sha256 = ")
            .bind(sha256.to_string())
            .push(" AND ");
        unreferenced(&mut sql, cutoff);
        if exec(&txn, sql).await? == 0 {
            return Ok(false);
        }
        // On an error the transaction rolls back: the row stays, and the
        // next round tries again.
        self.store.delete(sha256).await?;
        txn.commit().await?;
        Ok(true)
    }
}

use sea_orm::ConnectionTrait as _;

/// Runs the collector at start and then every `every`, for good; a failed
/// run is logged and tried again next time.
pub async fn run_collector(files: std::sync::Arc<Files>, db: Db, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match files.collect(&db).await {
            Ok(0) => {}
            Ok(gone) => tracing::info!(gone, "file collector removed unreferenced files"),
            Err(err) => tracing::warn!(error = %err, "file collector failed; trying again later"),
        }
    }
}

/// `blobs` rows unused since `cutoff` that no document row or revision names.
fn unreferenced(sql: &mut Sql, cutoff: chrono::DateTime<Utc>) {
    sql.push("blobs.used_at < ")
        .bind(cutoff)
        .push(
            " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = blobs.sha256 \
             AND d.file_stored = ",
        )
        .bind(true)
        .push(") AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.file_sha256 = blobs.sha256)");
}

/// Stamps a file's `blobs` row as used now (creating it), committed before
/// its bytes are stored.
async fn stamp(db: &Db, sha256: &str, size_bytes: i64) -> AppResult<()> {
    let now = Utc::now();
    let mut sql = Sql::new(db.conn.get_database_backend());
    sql.push("INSERT INTO blobs (sha256, size_bytes, created_at, used_at) VALUES (")
        .bind(sha256.to_string())
        .push(", ")
        .bind(size_bytes)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(") ON CONFLICT (sha256) DO UPDATE SET used_at = excluded.used_at");
    exec(&db.conn, sql).await?;
    Ok(())
}

/// The `v` of a download address: the first 32 hex digits (128 bits) of the
/// digest, too many for an editor to make two files share one.
pub fn version_tag(sha256: &str) -> &str {
    sha256.get(..32).unwrap_or(sha256)
}

/// `/files/<id>/<name, percent-encoded>[?v=<tag>]`.
pub fn path_of(id: &str, filename: &str, tag: Option<&str>) -> String {
    let name: String = url::form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    match tag {
        Some(tag) => format!("/files/{id}/{name}?v={tag}"),
        None => format!("/files/{id}/{name}"),
    }
}

/// Characters that change how a name reads without being seen (zero-width
/// spaces and joiners, direction marks and overrides, the byte order mark):
/// `report\u{202E}fdp.zip` would show as `reportpiz.pdf`.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Longest file name kept, in bytes.
const MAX_NAME: usize = 160;

/// A client's file name made safe to serve: its last path segment, without
/// control characters, quotes or backslashes, at most 160 bytes, and with the
/// format's extension when it has none (`report` sent as a PDF is
/// `report.pdf`). An empty name becomes `file.<ext>`.
pub fn safe_name(filename: &str, format: &Accepted) -> String {
    let last = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\') && !invisible(*c))
        .collect::<String>();
    let trimmed = last.trim().trim_start_matches('.').trim();
    let ext = format.extensions.first().copied().unwrap_or("bin");
    let has_ext = trimmed.rsplit_once('.').is_some_and(|(_, e)| {
        format
            .extensions
            .iter()
            .any(|known| known.eq_ignore_ascii_case(e))
    });
    let mut name = if trimmed.is_empty() {
        "file".to_string()
    } else {
        trimmed.to_string()
    };
    let suffix = if has_ext {
        String::new()
    } else {
        format!(".{ext}")
    };
    let room = MAX_NAME.saturating_sub(suffix.len());
    if name.len() > room {
        // Keep the end (the extension) of a long name that has one.
        let mut cut = room;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        if has_ext {
            let (_, e) = name.rsplit_once('.').unwrap_or(("", ext));
            let e = format!(".{e}");
            let mut keep = room.saturating_sub(e.len());
            while !name.is_char_boundary(keep) {
                keep -= 1;
            }
            name = format!("{}{e}", &name[..keep]);
        } else {
            name.truncate(cut);
        }
    }
    name.push_str(&suffix);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> &'static Accepted {
        sniff::named("PDF").expect("known")
    }

    #[test]
    fn names_lose_their_paths_and_controls_and_gain_an_extension() {
        assert_eq!(safe_name("../../etc/report.pdf", pdf()), "report.pdf");
        assert_eq!(safe_name("C:\\docs\\annex.PDF", pdf()), "annex.PDF");
        assert_eq!(safe_name("annex", pdf()), "annex.pdf");
        assert_eq!(safe_name("a\"b\r\nc.pdf", pdf()), "abc.pdf");
        assert_eq!(safe_name("", pdf()), "file.pdf");
        assert_eq!(safe_name("..", pdf()), "file.pdf");
        assert_eq!(safe_name("report\u{202E}fdp.pdf", pdf()), "reportfdp.pdf");
        assert_eq!(
            safe_name("Informe año 2024.pdf", pdf()),
            "Informe año 2024.pdf"
        );
        let long = format!("{}.pdf", "é".repeat(200));
        let kept = safe_name(&long, pdf());
        assert!(kept.len() <= MAX_NAME && kept.ends_with(".pdf"), "{kept}");
    }

    #[test]
    fn addresses_encode_names_and_carry_the_version() {
        assert_eq!(
            path_of("RG9j", "Informe año.pdf", Some("0123")),
            "/files/RG9j/Informe%20a%C3%B1o.pdf?v=0123"
        );
        assert_eq!(
            path_of("RG9j", "a/b?.pdf", None),
            "/files/RG9j/a%2Fb%3F.pdf"
        );
    }
}
