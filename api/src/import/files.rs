//! Documents' bytes in imports and exports. Beside the JSON file, a folder
//! `files/` holds one file per stored document file, named by its SHA-256
//! (64 lower-case hex digits): a document whose `sha256` names a file there
//! gets it (the bytes must hash to the name; their size, format and media
//! type are taken from them), and a document without one is imported with its
//! metadata alone. `cms export` writes the folder, so export -> import
//! round-trips the bytes. The demo's documents get files made to measure
//! ([`crate::files::make`]).
//!
//! Files are stored before the import's transaction begins, as uploads are:
//! a refused import leaves only unreferenced files, which the collector
//! removes after the grace period.
use super::format::Dataset;
use crate::db::Db;
use crate::documents::content::DocumentIn;
use crate::error::{AppError, AppResult};
use crate::files::store::{is_digest, Spooled};
use crate::files::{make, Files};
use axum::body::Bytes;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};

/// Where a document's bytes come from.
pub enum Source<'a> {
    /// `files/<sha256>` beside the JSON file.
    Folder(&'a Path),
    /// Made to measure from the document's title, format and size (PDF and
    /// ZIP; other formats get none).
    Made,
}

/// The folder of files beside a JSON file.
pub fn folder_beside(json: &Path) -> PathBuf {
    json.parent().unwrap_or(Path::new(".")).join("files")
}

/// Gives each document of `data` (and each working copy) the file `source`
/// has for it; returns how many got one.
pub async fn attach(
    files: &Files,
    db: &Db,
    data: &mut Dataset,
    source: Source<'_>,
) -> AppResult<usize> {
    let mut attached = 0;
    for (i, doc) in data.documents.iter_mut().enumerate() {
        let field = format!("documents[{i}].sha256");
        attached += attach_one(files, db, doc, &source, &field).await?;
        if let Some(copy) = doc.working_copy.as_deref_mut() {
            let field = format!("documents[{i}].workingCopy.sha256");
            attached += attach_one(files, db, copy, &source, &field).await?;
        }
    }
    Ok(attached)
}

async fn attach_one(
    files: &Files,
    db: &Db,
    doc: &mut DocumentIn,
    source: &Source<'_>,
    field: &str,
) -> AppResult<usize> {
    let spooled = match source {
        Source::Folder(folder) => {
            let Some(sha256) = doc.sha256.as_deref().filter(|h| is_digest(h)) else {
                return Ok(0);
            };
            let path = folder.join(sha256);
            if !path.is_file() {
                return Ok(0);
            }
            let spooled = spool_file(files, &path).await?;
            if spooled.sha256 != sha256 {
                return Err(AppError::bad_field(
                    field,
                    format!(
                        "{field}: the bytes of {} do not hash to its name (they are {})",
                        path.display(),
                        spooled.sha256
                    ),
                ));
            }
            spooled
        }
        Source::Made => {
            let Some(bytes) = made(doc) else {
                return Ok(0);
            };
            files
                .store
                .spool(
                    futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]),
                    u64::MAX,
                )
                .await?
        }
    };
    let name = doc
        .original_filename
        .clone()
        .unwrap_or_else(|| format!("{}.{}", doc.slug, doc.format.to_ascii_lowercase()));
    let stored = files.ingest(db, spooled, &name, field).await?;
    doc.sha256 = Some(stored.sha256);
    doc.size_bytes = stored.size_bytes;
    doc.format = stored.format;
    doc.media_type = Some(stored.media_type);
    doc.original_filename = Some(stored.filename);
    doc.file_stored = true;
    Ok(1)
}

/// Spools a local file (any size: imports are the operator's own).
async fn spool_file(files: &Files, path: &Path) -> AppResult<Spooled> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    let chunks = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    files.store.spool(chunks.boxed(), u64::MAX).await
}

/// The bytes made to measure for a document (PDF and ZIP), if any.
fn made(doc: &DocumentIn) -> Option<Vec<u8>> {
    let size = usize::try_from(doc.size_bytes).ok()?;
    match doc.format.as_str() {
        "PDF" => make::pdf(&doc.title, size),
        "ZIP" => make::zip(&doc.title, &[], size),
        _ => None,
    }
}

/// Writes files made to measure for up to `count` documents of `data` into
/// `folder` (`<sha256>` each), giving those documents their digest: what
/// `cms generate --files` does for benchmark data. Returns how many.
pub fn make_for(data: &mut Dataset, folder: &Path, count: usize) -> AppResult<usize> {
    let cannot =
        |e: std::io::Error| AppError::bad_input(format!("cannot write {}: {e}", folder.display()));
    std::fs::create_dir_all(folder).map_err(cannot)?;
    let mut written = 0;
    for doc in data.documents.iter_mut() {
        if written == count {
            break;
        }
        let Some(bytes) = made(doc) else {
            continue;
        };
        let sha256 = crate::files::store::digest_hex(&bytes);
        std::fs::write(folder.join(&sha256), &bytes).map_err(cannot)?;
        doc.original_filename
            .get_or_insert_with(|| format!("{}.{}", doc.slug, doc.format.to_ascii_lowercase()));
        doc.sha256 = Some(sha256);
        written += 1;
    }
    Ok(written)
}

/// Writes the stored file of every document of `data` that has one into
/// `folder` (`<sha256>` each, once); returns how many it wrote.
pub async fn write_out(files: &Files, data: &Dataset, folder: &Path) -> AppResult<usize> {
    let mut digests: Vec<&str> = data
        .documents
        .iter()
        .flat_map(|d| std::iter::once(d).chain(d.working_copy.as_deref()))
        .filter(|d| d.file_stored)
        .filter_map(|d| d.sha256.as_deref())
        .collect();
    digests.sort_unstable();
    digests.dedup();
    if digests.is_empty() {
        return Ok(0);
    }
    tokio::fs::create_dir_all(folder)
        .await
        .map_err(|e| AppError::bad_input(format!("cannot create {}: {e}", folder.display())))?;
    for sha256 in &digests {
        let path = folder.join(sha256);
        let partial = folder.join(format!(".{sha256}.partial"));
        let mut out = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| AppError::bad_input(format!("cannot write {}: {e}", partial.display())))?;
        let mut stream = files.store.get(sha256, None).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| AppError::internal(format!("file store: {e}")))?;
            tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                .await
                .map_err(|e| {
                    AppError::bad_input(format!("cannot write {}: {e}", partial.display()))
                })?;
        }
        tokio::io::AsyncWriteExt::flush(&mut out)
            .await
            .map_err(|e| AppError::bad_input(format!("cannot write {}: {e}", partial.display())))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| AppError::bad_input(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(digests.len())
}
