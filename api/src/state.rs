//! Application state, passed (never global) so tests can build their own.
use crate::config::Config;
use crate::content::list::PageLimits;
use crate::db::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        AppState {
            db,
            config: Arc::new(config),
        }
    }

    pub fn page_limits(&self) -> PageLimits {
        PageLimits {
            default_size: self.config.default_page_size,
            max_size: self.config.max_page_size,
        }
    }
}
