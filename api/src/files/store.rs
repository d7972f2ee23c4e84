//! Where files' bytes live: an object store (the local filesystem under the
//! data directory today, `object_store`'s S3 client next), content-addressed.
//! An upload is spooled to a local file while its SHA-256 and size are
//! counted (memory stays bounded whatever its size; past the limit it is
//! refused and removed), then kept under `blobs/<sha256>` with create-only
//! semantics: a retried upload, or the same file sent twice, is stored once.
use crate::error::{AppError, AppResult};
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes read from the spool per part of an upload to the store.
const PART: usize = 8 * 1024 * 1024;

/// An upload on local disk, counted: its digest and size.
#[derive(Debug)]
pub struct Spooled {
    pub path: PathBuf,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub size: u64,
}

/// The file store.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    spool: PathBuf,
}

fn store_error(e: object_store::Error) -> AppError {
    AppError::internal(format!("file store: {e}"))
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::internal(format!("file spool: {e}"))
}

impl FileStore {
    /// Files under `root` on the local filesystem (`root/blobs/<sha256>`),
    /// spooled in `root/spool`.
    pub fn local(root: &Path) -> AppResult<FileStore> {
        let spool = root.join("spool");
        std::fs::create_dir_all(&spool).map_err(io_error)?;
        let store = LocalFileSystem::new_with_prefix(root).map_err(store_error)?;
        Ok(FileStore {
            store: Arc::new(store),
            spool,
        })
    }

    /// The key of a file's bytes.
    pub fn key(sha256: &str) -> StorePath {
        StorePath::from(format!("blobs/{sha256}"))
    }

    /// Writes `body` to a spool file, counting its SHA-256 and size. More than
    /// `max` bytes is PAYLOAD_TOO_LARGE, and the spool file is removed; so is
    /// it when the body fails.
    pub async fn spool<S, E>(&self, body: S, max: u64) -> AppResult<Spooled>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let path = self.spool.join(uuid::Uuid::new_v4().to_string());
        let result = write_counted(&path, body, max).await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&path).await;
        }
        let (sha256, size) = result?;
        Ok(Spooled { path, sha256, size })
    }

    /// Keeps a spooled file under its digest (once: an object already there
    /// is the same bytes) and removes the spool file. Returns the key.
    pub async fn keep(&self, spooled: &Spooled) -> AppResult<StorePath> {
        let key = FileStore::key(&spooled.sha256);
        let kept = self.upload(spooled, &key).await;
        let _ = tokio::fs::remove_file(&spooled.path).await;
        kept.map(|()| key)
    }

    async fn upload(&self, spooled: &Spooled, key: &StorePath) -> AppResult<()> {
        if self.store.head(key).await.is_ok() {
            return Ok(());
        }
        // Written under a name of its own, then copied into place only if no
        // other upload got there first: nothing ever sees half a file.
        let staging = StorePath::from(format!("staging/{}", uuid::Uuid::new_v4()));
        let upload = self
            .store
            .put_multipart(&staging)
            .await
            .map_err(store_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut file = tokio::fs::File::open(&spooled.path)
            .await
            .map_err(io_error)?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(io_error(e));
                }
            };
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(2).await.map_err(store_error)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(store_error)?;
        let copied = match self.store.copy_if_not_exists(&staging, key).await {
            Ok(()) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        };
        let _ = self.store.delete(&staging).await;
        copied
    }

    /// Whether the bytes of this digest are stored.
    pub async fn has(&self, sha256: &str) -> AppResult<bool> {
        match self.store.head(&FileStore::key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }
}

/// Writes the body to `path`, returning its hex SHA-256 and size.
async fn write_counted<S, E>(path: &Path, body: S, max: u64) -> AppResult<(String, u64)>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut file = tokio::fs::File::create(path).await.map_err(io_error)?;
    let mut hash = Sha256::new();
    let mut size: u64 = 0;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::bad_input(format!("the upload broke off: {e}")))?;
        size = size.saturating_add(chunk.len() as u64);
        if size > max {
            return Err(AppError::PayloadTooLarge(format!(
                "a file may have at most {max} bytes"
            )));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    let sha256 = hash
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok((sha256, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
        let owned: Vec<Result<Bytes, std::io::Error>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        futures_util::stream::iter(owned)
    }

    #[tokio::test]
    async fn a_file_is_kept_once_under_its_digest() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let a = store
            .spool(chunks(&[b"abc", b"def"]), 100)
            .await
            .expect("spooled");
        assert_eq!(a.size, 6);
        // sha256("abcdef")
        assert_eq!(
            a.sha256,
            "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"
        );
        let key = store.keep(&a).await.expect("kept");
        assert!(!a.path.exists(), "the spool file goes");
        let again = store
            .spool(chunks(&[b"abcdef"]), 100)
            .await
            .expect("spooled");
        assert_eq!(store.keep(&again).await.expect("kept again"), key);
        assert!(store.has(&a.sha256).await.expect("head"));
        let kept = std::fs::read(dir.path().join("blobs").join(&a.sha256)).expect("on disk");
        assert_eq!(kept, b"abcdef");
        let staged = std::fs::read_dir(dir.path().join("staging"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(staged, 0, "no staging object stays");
    }

    #[tokio::test]
    async fn too_large_is_refused_while_streaming_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let err = store
            .spool(chunks(&[b"0123456789", b"0123456789"]), 15)
            .await
            .expect_err("too large");
        assert_eq!(err.code(), "PAYLOAD_TOO_LARGE");
        let left = std::fs::read_dir(dir.path().join("spool")).map_or(0, |d| d.count());
        assert_eq!(left, 0);
        assert!(!store.has("0000").await.expect("head"));
    }
}
