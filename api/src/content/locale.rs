//! Locales and translations. The default locale's text lives in the ordinary
//! columns; other locales live in each row's `translations` JSON object
//! (`{"fi": {"name": "..."}}`). A reader asks for a locale and gets that
//! translation field by field where it exists, else the default text, and the
//! `locale` field says which locale the item was served in.
use crate::error::{AppError, AppResult};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const DEFAULT_LOCALE: &str = "en";

pub type TranslationMap = BTreeMap<String, BTreeMap<String, String>>;

/// A translation map as a row's `translations` column stores it (`{}` for none).
pub fn translations_to_json(map: Option<&TranslationMap>) -> AppResult<String> {
    Ok(match map {
        Some(m) if !m.is_empty() => serde_json::to_string(m)?,
        _ => "{}".to_string(),
    })
}

/// A row's `translations` column; `None` when it holds none (unreadable text
/// counts as none: the default-locale columns always hold the text).
pub fn translations_from_json(json: &str) -> Option<TranslationMap> {
    serde_json::from_str::<TranslationMap>(json)
        .ok()
        .filter(|m| !m.is_empty())
}

/// One titled text block (a priority, a priority area) in a locale: position,
/// title and body, each text falling back to the default locale.
pub fn localized_block(
    locale: &Locale,
    position: i32,
    title: &str,
    body: &str,
    translations_json: &str,
) -> (i32, String, String) {
    let tr = locale.resolve(translations_json);
    (
        position,
        tr.text("title", title).to_string(),
        tr.text("body", body).to_string(),
    )
}

/// The locale a query asked for (validated), shared by everything it returns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Locale(Option<Arc<str>>);

impl Locale {
    /// Validates a BCP 47-style tag (`fi`, `pt-BR`); `None` or the default locale
    /// means the default.
    pub fn parse(requested: Option<&str>) -> AppResult<Locale> {
        let Some(tag) = requested else {
            return Ok(Locale(None));
        };
        let valid = {
            let mut parts = tag.split('-');
            let lang = parts.next().unwrap_or("");
            (2..=3).contains(&lang.len())
                && lang.bytes().all(|b| b.is_ascii_lowercase())
                && parts.all(|p| {
                    (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
                })
        };
        if !valid {
            return Err(AppError::bad_field(
                "locale",
                format!(
                    "invalid locale {}: expected a language tag such as \"fi\" or \"pt-BR\"",
                    crate::error::quoted(tag)
                ),
            ));
        }
        if tag == DEFAULT_LOCALE {
            return Ok(Locale(None));
        }
        Ok(Locale(Some(Arc::from(tag))))
    }

    pub fn is_default(&self) -> bool {
        self.0.is_none()
    }

    /// The translations of one row, for this locale: parsed only when a
    /// non-default locale was asked for.
    pub fn resolve(&self, translations_json: &str) -> Resolved {
        let Some(tag) = &self.0 else {
            return Resolved::default();
        };
        if translations_json.len() <= 2 {
            return Resolved::default();
        }
        let Ok(map) = serde_json::from_str::<TranslationMap>(translations_json) else {
            return Resolved::default();
        };
        // Exact tag first, then its language ("pt-BR" -> "pt").
        let lang = tag.split('-').next().unwrap_or(tag);
        for candidate in [tag.as_ref(), lang] {
            if let Some(fields) = map.get(candidate) {
                if !fields.is_empty() {
                    return Resolved {
                        locale: Some(Arc::from(candidate)),
                        fields: Some(Arc::new(fields.clone())),
                    };
                }
            }
        }
        Resolved::default()
    }
}

/// One row's text in the requested locale.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    locale: Option<Arc<str>>,
    fields: Option<Arc<BTreeMap<String, String>>>,
}

impl Resolved {
    /// The translated text of `field`, or the default text.
    pub fn text<'a>(&'a self, field: &str, default: &'a str) -> &'a str {
        self.fields
            .as_ref()
            .and_then(|f| f.get(field))
            .map(String::as_str)
            .unwrap_or(default)
    }

    pub fn opt_text<'a>(&'a self, field: &str, default: Option<&'a str>) -> Option<&'a str> {
        self.fields
            .as_ref()
            .and_then(|f| f.get(field))
            .map(String::as_str)
            .or(default)
    }

    /// The locale this row is served in.
    pub fn locale(&self) -> &str {
        self.locale.as_deref().unwrap_or(DEFAULT_LOCALE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_field_by_field_and_by_language() {
        let json = r#"{"fi":{"name":"Perú (fi)"}}"#;
        let l = Locale::parse(Some("fi-FI")).expect("valid");
        let r = l.resolve(json);
        assert_eq!(r.locale(), "fi");
        assert_eq!(r.text("name", "Peru"), "Perú (fi)");
        assert_eq!(r.text("summary", "default"), "default");
        let r = Locale::parse(Some("de")).expect("valid").resolve(json);
        assert_eq!(r.locale(), "en");
        assert!(Locale::parse(Some("x")).is_err());
        assert!(Locale::parse(Some("FI")).is_err());
    }
}
