//! Application state, passed (never global) so tests can build their own.
use crate::auth::password::Hashing;
use crate::auth::Keys;
use crate::config::Config;
use crate::content::count_cache::CountCache;
use crate::content::list::PageLimits;
use crate::db::Db;
use crate::error::AppResult;
use crate::files::Files;
use crate::invalidation::Freshness;
use crate::persisted::ApqStore;
use crate::query::Documents;
use crate::response_cache::ResponseCache;
use crate::traffic::Traffic;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Token keys (from the configuration), here so tests can use their own.
    pub keys: Arc<Keys>,
    /// The bound on concurrent password hashing.
    pub hashing: Hashing,
    /// Cached `totalCount`s of top-level lists (bounded in bytes).
    pub counts: Arc<CountCache>,
    /// The automatic persisted queries this process remembers (bounded in bytes).
    pub apq: Arc<ApqStore>,
    /// Answers to anonymous queries (bounded in bytes), and what tells whether
    /// they are still current.
    pub responses: Arc<ResponseCache>,
    /// Documents parsed before, by their text (bounded in bytes).
    pub documents: Arc<Documents>,
    pub freshness: Arc<Freshness>,
    /// What `/readyz` pings: a pool of its own in a server (see
    /// [`AppState::with_health`]), so a saturated request pool cannot make the
    /// service look dead; the request pool otherwise.
    pub health: Db,
    /// Connections and requests as they arrive (for `/metrics`).
    pub traffic: Arc<Traffic>,
    /// Documents' files: the store and the rules of uploads.
    pub files: Arc<Files>,
    /// Upload requests streaming now (`CMS_MAX_UPLOADS`).
    pub uploads: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// The state for a database and a configuration; fails when the token keys
    /// cannot be loaded (a production start without a secret, say) or the file
    /// store cannot be opened.
    pub fn new(db: Db, config: Config) -> AppResult<Self> {
        let keys = Keys::from_config(&config)?;
        AppState::with_keys(db, config, keys)
    }

    /// The state with keys already loaded.
    pub fn with_keys(db: Db, config: Config, keys: Keys) -> AppResult<Self> {
        Ok(AppState {
            files: Arc::new(Files::from_config(&config)?),
            uploads: Arc::new(tokio::sync::Semaphore::new(config.max_uploads.max(1))),
            health: db.clone(),
            db,
            hashing: Hashing::from_config(&config),
            counts: Arc::new(CountCache::new(config.count_cache_bytes)),
            apq: Arc::new(ApqStore::new(config.apq_cache_bytes)),
            responses: Arc::new(ResponseCache::new(config.response_cache_bytes)),
            documents: Arc::new(Documents::new(config.document_cache_bytes)),
            freshness: Arc::default(),
            traffic: Arc::default(),
            config: Arc::new(config),
            keys: Arc::new(keys),
        })
    }

    /// With a pool of its own for `/readyz`.
    pub fn with_health(mut self, health: Db) -> Self {
        self.health = health;
        self
    }

    pub fn page_limits(&self) -> PageLimits {
        PageLimits {
            default_size: self.config.default_page_size,
            max_size: self.config.max_page_size,
        }
    }
}
