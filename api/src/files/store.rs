//! Where files' bytes live: an object store (the local filesystem under the
//! data directory, or any S3-compatible store through `object_store`'s S3
//! client), content-addressed.
//! An upload is spooled to a local file while its SHA-256 and size are
//! counted (memory stays bounded whatever its size; past the limit it is
//! refused and removed), then kept under `blobs/<sha256>` with create-only
//! semantics: a retried upload, or the same file sent twice, is stored once.
use crate::error::{AppError, AppResult};
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::aws::{AmazonS3Builder, S3CopyIfNotExists};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes per part of an upload to the store (S3's smallest part), one part
/// in flight: a `keep` holds about two parts in memory.
const PART: usize = 5 * 1024 * 1024;

/// Bytes per read of a download from the local store, each read one task on
/// tokio's blocking pool. `object_store`'s own stream of a local file reads
/// 8 KiB per task: a thread handoff (a wake-up, the pool's lock) per 8 KiB
/// held downloads to a quarter of what tower-http's `ServeFile` (64 KiB
/// reads) sends, and grew the pool to ~200 threads under 10 downloads. With
/// 256 KiB, cms sends more than `ServeFile` (bench/files.sh,
/// docs/benchmarks.md); 1 MiB was no faster. Memory: a download holds the
/// chunk being sent and at most one read ahead.
const READ_CHUNK: usize = 256 * 1024;

/// A spool file, removed when dropped: on every error path, and when the
/// future writing it is dropped (a client gone, a timeout).
#[derive(Debug)]
struct SpoolFile(PathBuf);

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An upload on local disk, counted: its digest and size. The spool file goes
/// with it (when kept, or dropped).
#[derive(Debug)]
pub struct Spooled {
    file: SpoolFile,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub size: u64,
    /// Whether any byte is NUL (no text file has one).
    pub has_nul: bool,
}

impl Spooled {
    /// Where the bytes are (to sniff them).
    pub fn path(&self) -> &Path {
        &self.file.0
    }
}

/// The file store.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    spool: PathBuf,
    /// The local store's directory (`None` for S3).
    root: Option<PathBuf>,
}

fn store_error(e: object_store::Error) -> AppError {
    AppError::internal(format!("file store: {e}"))
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::internal(format!("file spool: {e}"))
}

/// A stored file's bytes, or part of them, as a stream.
pub type ByteStream = futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>;

impl FileStore {
    /// The store the configuration names. Uploads are spooled under the
    /// local files directory (or the data directory's `spool` for S3).
    pub fn from_config(config: &crate::config::Config) -> AppResult<FileStore> {
        match config.file_store {
            crate::config::FileStoreKind::Local => FileStore::local(&config.files_dir()),
            crate::config::FileStoreKind::S3 => FileStore::s3(config),
        }
    }

    /// Files in an S3 bucket, under `CMS_S3_PREFIX` if set. A file is put in
    /// place with S3's multipart copy, the create-only copy that works on
    /// every S3-compatible store (header-based ones are ignored by some).
    pub fn s3(config: &crate::config::Config) -> AppResult<FileStore> {
        // reqwest is built without a TLS provider of its own: rustls's ring,
        // which sqlx uses too. Installing it twice is harmless (an `Err`).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let bucket = config
            .s3_bucket
            .as_deref()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| AppError::internal("CMS_FILE_STORE=s3 needs CMS_S3_BUCKET"))?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_copy_if_not_exists(S3CopyIfNotExists::Multipart);
        if let Some(region) = config.s3_region.as_deref().filter(|r| !r.is_empty()) {
            builder = builder.with_region(region);
        }
        if config.s3_allow_http {
            builder = builder.with_allow_http(true);
        }
        if let Some(endpoint) = config.s3_endpoint.as_deref().filter(|e| !e.is_empty()) {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(key) = &config.s3_access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &config.s3_secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build().map_err(store_error)?;
        let store: Arc<dyn ObjectStore> = match config.s3_prefix.as_deref() {
            Some(prefix) if !prefix.is_empty() => {
                Arc::new(PrefixStore::new(store, StorePath::from(prefix)))
            }
            _ => Arc::new(store),
        };
        let spool = config.data_dir.join("spool");
        crate::config::create_private_dir(&spool).map_err(io_error)?;
        Ok(FileStore {
            store,
            spool,
            root: None,
        })
    }

    /// Files under `root` on the local filesystem (`root/blobs/<sha256>`),
    /// spooled in `root/spool`.
    pub fn local(root: &Path) -> AppResult<FileStore> {
        let spool = root.join("spool");
        crate::config::create_private_dir(&spool).map_err(io_error)?;
        // fsync before a file is renamed into place: a crash leaves no
        // truncated blob under a digest.
        let store = LocalFileSystem::new_with_prefix(root)
            .map_err(store_error)?
            .with_fsync(true);
        Ok(FileStore {
            store: Arc::new(store),
            spool,
            root: Some(root.to_path_buf()),
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
        let file = SpoolFile(self.spool.join(uuid::Uuid::new_v4().to_string()));
        let (sha256, size, has_nul) = write_counted(&file.0, body, max).await?;
        Ok(Spooled {
            file,
            sha256,
            size,
            has_nul,
        })
    }

    /// Keeps a spooled file under its digest (once: an object already there
    /// with the same size is the same bytes) and removes the spool file.
    /// Returns the key.
    pub async fn keep(&self, spooled: Spooled) -> AppResult<StorePath> {
        let key = FileStore::key(&spooled.sha256);
        let existing = match self.store.head(&key).await {
            Ok(meta) => Some(meta.size),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => return Err(store_error(e)),
        };
        if existing == Some(spooled.size) {
            return Ok(key);
        }
        // Written under a name of its own, then copied into place only if no
        // other upload got there first: nothing ever sees half a file. A
        // stored object of another size (a write cut short before this
        // store synced its files) is replaced.
        let staging = StorePath::from(format!("staging/{}", uuid::Uuid::new_v4()));
        let uploaded = self.upload(spooled.path(), &staging).await;
        let placed = match uploaded {
            Ok(()) if existing.is_some() => self.store.copy(&staging, &key).await,
            Ok(()) => match self.store.copy_if_not_exists(&staging, &key).await {
                Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
                other => other,
            },
            Err(e) => Err(e),
        };
        let _ = self.store.delete(&staging).await;
        placed.map_err(store_error).map(|()| key)
    }

    /// Writes the file at `path` to `staging`, part by part; an unfinished
    /// upload is aborted.
    async fn upload(&self, path: &Path, staging: &StorePath) -> object_store::Result<()> {
        let mut file =
            tokio::fs::File::open(path)
                .await
                .map_err(|e| object_store::Error::Generic {
                    store: "spool",
                    source: Box::new(e),
                })?;
        let upload = self.store.put_multipart(staging).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let step = match file.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => writer.wait_for_capacity(1).await.map(|()| n),
                Err(e) => Err(object_store::Error::Generic {
                    store: "spool",
                    source: Box::new(e),
                }),
            };
            match step {
                Ok(n) => writer.write(&buf[..n]),
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            }
        }
        writer.finish().await.map(|_| ())
    }

    /// The bytes of a stored file, all of them or one range; NOT_FOUND when
    /// the store has none under the digest.
    pub async fn get(
        &self,
        sha256: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> AppResult<ByteStream> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        match self.store.get_opts(&FileStore::key(sha256), options).await {
            Ok(found) => Ok(match found.payload {
                GetResultPayload::File(file, path) => {
                    read_chunks(file, path, found.range, READ_CHUNK)
                }
                GetResultPayload::Stream(stream) => stream,
            }),
            Err(object_store::Error::NotFound { .. }) => {
                Err(AppError::NotFound(format!("file {sha256}")))
            }
            Err(e) => Err(store_error(e)),
        }
    }

    /// Removes a stored file (a file already gone is not an error).
    pub async fn delete(&self, sha256: &str) -> AppResult<()> {
        match self.store.delete(&FileStore::key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Removes what uploads cut short left behind: staging objects and spool
    /// files older than `age`. Returns how many went.
    ///
    /// The local store's staging directory is swept on disk, not through its
    /// listing: a process killed while it wrote a staging object leaves the
    /// partial file `staging/<uuid>#<n>` (object_store's local multipart
    /// upload), which its listing never shows.
    pub async fn sweep(&self, age: std::time::Duration) -> AppResult<usize> {
        let cutoff =
            chrono::Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        let mut gone = 0;
        let mut dirs = vec![self.spool.clone()];
        match &self.root {
            Some(root) => dirs.push(root.join("staging")),
            None => {
                let mut staged = self.store.list(Some(&StorePath::from("staging")));
                while let Some(meta) = staged.next().await {
                    let meta = meta.map_err(store_error)?;
                    if meta.last_modified < cutoff {
                        match self.store.delete(&meta.location).await {
                            Ok(()) | Err(object_store::Error::NotFound { .. }) => gone += 1,
                            Err(e) => return Err(store_error(e)),
                        }
                    }
                }
            }
        }
        let blobs = self.root.as_ref().map(|root| root.join("blobs"));
        let old = tokio::task::spawn_blocking(move || {
            let mut old: Vec<PathBuf> = dirs.iter().flat_map(|dir| old_files(dir, age)).collect();
            // A copy into place cut short leaves `blobs/<sha256>#<n>` (the local
            // store's temporary name, which its listing never shows).
            if let Some(blobs) = blobs {
                old.extend(old_files(&blobs, age).into_iter().filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains('#'))
                }));
            }
            old
        })
        .await
        .map_err(|e| AppError::internal(format!("sweeping the spool: {e}")))?;
        for path in old {
            if std::fs::remove_file(&path).is_ok() {
                gone += 1;
            }
        }
        Ok(gone)
    }

    /// Whether the bytes of this digest (64 lower-case hex digits) are stored.
    pub async fn has(&self, sha256: &str) -> AppResult<bool> {
        if !is_digest(sha256) {
            return Ok(false);
        }
        match self.store.head(&FileStore::key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }
}

/// The bytes `range` of a local file, `chunk` bytes per blocking read. A
/// file shorter than the range is an error (the answer is cut off), never a
/// short answer that claims to be whole.
fn read_chunks(
    file: std::fs::File,
    path: PathBuf,
    range: std::ops::Range<u64>,
    chunk: usize,
) -> ByteStream {
    use std::io::{Read, Seek, SeekFrom};
    let failed = move |path: &Path, e: std::io::Error| object_store::Error::Generic {
        store: "LocalFileSystem",
        source: format!("reading {}: {e}", path.display()).into(),
    };
    let state = (Some(file), path, range.start, range.end);
    futures_util::stream::try_unfold(state, move |(file, path, at, end)| async move {
        let Some(mut file) = file.filter(|_| at < end) else {
            return Ok(None);
        };
        let len = usize::try_from(end - at).map_or(chunk, |left| left.min(chunk));
        // Allocated here, on the runtime's thread that also frees it once
        // sent: allocated on the blocking pool's threads, every one of them
        // kept allocator pages of its own (with mimalloc, 410-570 MiB of
        // RSS under 10 downloads instead of 94-96).
        let mut buf = Vec::with_capacity(len);
        let (file, path, read) = tokio::task::spawn_blocking(move || {
            let read = file
                .seek(SeekFrom::Start(at))
                .and_then(|_| (&mut file).take(len as u64).read_to_end(&mut buf))
                .and_then(|n| {
                    if n == len {
                        Ok(buf)
                    } else {
                        Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the file is shorter than its size",
                        ))
                    }
                });
            (file, path, read)
        })
        .await
        .map_err(|e| object_store::Error::JoinError { source: e })?;
        let buf = read.map_err(|e| failed(&path, e))?;
        Ok(Some((
            Bytes::from(buf),
            (Some(file), path, at + len as u64, end),
        )))
    })
    .boxed()
}

/// The files of `dir` last changed at least `age` ago.
fn old_files(dir: &Path, age: std::time::Duration) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|elapsed| elapsed >= age)
        })
        .map(|e| e.path())
        .collect()
}

/// Writes the body to `path`, returning its hex SHA-256, its size and
/// whether it has a NUL byte.
async fn write_counted<S, E>(path: &Path, body: S, max: u64) -> AppResult<(String, u64, bool)>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut file = tokio::fs::File::create(path).await.map_err(io_error)?;
    let mut hash = Sha256::new();
    let mut size: u64 = 0;
    let mut has_nul = false;
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
        has_nul = has_nul || chunk.contains(&0);
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    Ok((hex(hash), size, has_nul))
}

/// Is this a digest as the store names files (64 lower-case hex digits)?
pub fn is_digest(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The hex SHA-256 of some bytes.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex(Sha256::new_with_prefix(bytes))
}

fn hex(hash: Sha256) -> String {
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
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
        let (spooled_at, digest) = (a.path().to_path_buf(), a.sha256.clone());
        let key = store.keep(a).await.expect("kept");
        assert!(!spooled_at.exists(), "the spool file goes");
        let again = store
            .spool(chunks(&[b"abcdef"]), 100)
            .await
            .expect("spooled");
        assert_eq!(store.keep(again).await.expect("kept again"), key);
        assert!(store.has(&digest).await.expect("head"));
        assert!(!store.has("../../etc/passwd").await.expect("not a digest"));
        let kept = std::fs::read(dir.path().join("blobs").join(&digest)).expect("on disk");
        assert_eq!(kept, b"abcdef");
        let staged = std::fs::read_dir(dir.path().join("staging"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(staged, 0, "no staging object stays");
        // A blob cut short (a crash before sync) is replaced by the next keep.
        std::fs::write(dir.path().join("blobs").join(&digest), b"abc").expect("cut short");
        let again = store
            .spool(chunks(&[b"abcdef"]), 100)
            .await
            .expect("spooled");
        store.keep(again).await.expect("kept over");
        let kept = std::fs::read(dir.path().join("blobs").join(&digest)).expect("on disk");
        assert_eq!(kept, b"abcdef");
    }

    #[tokio::test]
    async fn a_local_file_comes_down_in_large_chunks_byte_for_byte() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let bytes: Vec<u8> = (0..READ_CHUNK * 2 + 1000)
            .map(|i| (i % 251) as u8)
            .collect();
        let body =
            futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes.clone()))]);
        let spooled = store.spool(body, u64::MAX).await.expect("spooled");
        let digest = spooled.sha256.clone();
        store.keep(spooled).await.expect("kept");
        let chunks: Vec<Bytes> = store
            .get(&digest, None)
            .await
            .expect("found")
            .map(|c| c.expect("chunk"))
            .collect()
            .await;
        let sizes: Vec<usize> = chunks.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [READ_CHUNK, READ_CHUNK, 1000]);
        assert_eq!(chunks.concat(), bytes);
        // A range across a chunk's end.
        let (start, end) = (READ_CHUNK - 10, 2 * READ_CHUNK + 5);
        let part: Vec<Bytes> = store
            .get(&digest, Some(start as u64..end as u64))
            .await
            .expect("found")
            .map(|c| c.expect("chunk"))
            .collect()
            .await;
        assert_eq!(part.concat(), &bytes[start..end]);
        assert!(matches!(
            store.get(&"0".repeat(64), None).await,
            Err(AppError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn an_upload_dropped_half_way_leaves_no_spool_file() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        // A body that never ends: the spool is dropped while it waits.
        let endless =
            futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"x"))])
                .chain(futures_util::stream::pending());
        let spooling = store.spool(endless, 100);
        let timed = tokio::time::timeout(std::time::Duration::from_millis(50), spooling).await;
        assert!(timed.is_err(), "still waiting for the body");
        let left = std::fs::read_dir(dir.path().join("spool")).map_or(0, |d| d.count());
        assert_eq!(left, 0, "the dropped upload's spool file is gone");
        // And one refused after spooling (by its type, say) goes when dropped.
        let spooled = store.spool(chunks(&[b"abc"]), 100).await.expect("spooled");
        let at = spooled.path().to_path_buf();
        drop(spooled);
        assert!(!at.exists());
    }

    #[tokio::test]
    async fn the_sweep_removes_what_a_killed_upload_left_in_the_local_store() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        // A process killed while it wrote a staging object: the local store's
        // partial file (`<key>#<n>`) stays, and its listing does not show it.
        let staging = StorePath::from("staging/cut-short");
        let mut upload = store.store.put_multipart(&staging).await.expect("upload");
        upload
            .put_part(Bytes::from_static(b"%PDF-1.4\n").into())
            .await
            .expect("part");
        std::mem::forget(upload);
        // And one whole staging object, and a spool file.
        store
            .store
            .put(
                &StorePath::from("staging/whole"),
                Bytes::from_static(b"x").into(),
            )
            .await
            .expect("put");
        std::fs::write(dir.path().join("spool").join("left"), b"x").expect("spool file");
        let names = |sub: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.path().join(sub))
                .map(|d| {
                    d.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        };
        assert_eq!(names("staging"), ["cut-short#1", "whole"]);
        // Younger than the age: kept (an upload may still be writing them).
        let hour = std::time::Duration::from_secs(3600);
        assert_eq!(store.sweep(hour).await.expect("sweep"), 0);
        assert_eq!(names("staging").len(), 2);
        assert_eq!(names("spool"), ["left"]);
        assert_eq!(
            store.sweep(std::time::Duration::ZERO).await.expect("sweep"),
            3
        );
        assert!(names("staging").is_empty(), "{:?}", names("staging"));
        assert!(names("spool").is_empty());
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
