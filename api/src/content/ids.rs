//! Opaque global ids for `node(id:)`: base64url of `Type:key`. Clients must treat
//! them as opaque; the encoding lets a malformed id be told from an unknown one.
use crate::error::{AppError, AppResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The content types, as the registry ([`crate::catalog`]) declares them.
pub use crate::catalog::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub kind: Kind,
    pub id: i32,
}

impl GlobalId {
    pub fn new(kind: Kind, id: i32) -> Self {
        GlobalId { kind, id }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind.type_name(), self.id))
    }

    pub fn decode(s: &str) -> AppResult<GlobalId> {
        let bad = || {
            AppError::bad_field(
                "id",
                format!("malformed global id {}", crate::error::quoted(s)),
            )
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (ty, key) = text.split_once(':').ok_or_else(bad)?;
        let kind = Kind::from_type_name(ty).ok_or_else(bad)?;
        let id = key.parse::<i32>().map_err(|_| bad())?;
        Ok(GlobalId { kind, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let id = GlobalId::new(Kind::Country, 42);
        assert_eq!(GlobalId::decode(&id.encode()).ok(), Some(id));
        assert!(GlobalId::decode("not base64 !").is_err());
        assert!(GlobalId::decode(&URL_SAFE_NO_PAD.encode("Country:x")).is_err());
        assert!(GlobalId::decode(&URL_SAFE_NO_PAD.encode("User:1")).is_err());
    }
}
