//! The rules every stored text follows, the same for mutations and `cms import`
//! and on SQLite and PostgreSQL: CRLF becomes LF, text is stored in Unicode NFC,
//! control characters other than tab and newline are refused (PostgreSQL refuses
//! NUL on its own; SQLite would store anything, so the two backends held
//! different data), and every field has a maximum length by its kind.
//!
//! A snapshot is walked as the JSON it is stored as (its revisions and working
//! copies are that JSON), so a new text field is covered the moment it exists;
//! its kind comes from [`kind_of`], by field name, and a unit test fails when a
//! snapshot has a text field that table does not name.
use crate::error::{AppError, AppResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// What a text field holds, for its maximum length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Titles, names, categories, file names: one line readers see in lists.
    Short,
    /// Summaries and review comments: a paragraph.
    Summary,
    /// Markdown bodies: the country context, support measures, blocks' bodies.
    Body,
    /// Slugs, codes, URLs, dates and media types: each has a validator of its
    /// own that bounds its shape; here only the characters are checked, under a
    /// ceiling of [`CODE_MAX`].
    Code,
}

/// The longest code-like value (a URL's limit): their own validators are tighter.
pub const CODE_MAX: usize = 2048;

/// The maximum lengths, in Unicode characters after normalisation
/// (`CMS_MAX_SHORT_TEXT`, `CMS_MAX_SUMMARY_TEXT`, `CMS_MAX_BODY_TEXT`), and
/// the longest list of an item (`CMS_MAX_LIST_LENGTH`: countries, priorities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimits {
    pub short: usize,
    pub summary: usize,
    pub body: usize,
    pub list: usize,
}

impl Default for TextLimits {
    fn default() -> Self {
        TextLimits {
            short: 300,
            summary: 5_000,
            body: 100_000,
            list: 100,
        }
    }
}

impl TextLimits {
    pub fn of(config: &crate::config::Config) -> TextLimits {
        TextLimits {
            short: config.max_short_text,
            summary: config.max_summary_text,
            body: config.max_body_text,
            list: config.max_list_length,
        }
    }

    pub fn max(&self, kind: TextKind) -> usize {
        match kind {
            TextKind::Short => self.short,
            TextKind::Summary => self.summary,
            TextKind::Body => self.body,
            TextKind::Code => CODE_MAX,
        }
    }
}

/// The kind of a snapshot's text field, by its name (also the names of
/// translated fields and of blocks' fields). `None` for a name no snapshot
/// has: such text is held to the short limit, and the test below fails.
pub fn kind_of(field: &str) -> Option<TextKind> {
    Some(match field {
        "title" | "name" | "category" | "originalFilename" => TextKind::Short,
        "summary" => TextKind::Summary,
        "context" | "supportMeasures" | "body" => TextKind::Body,
        "slug" | "iso2" | "currency" | "language" | "format" | "sha256" | "kind" | "mediaType"
        | "sourceUrl" | "publishedOn" => TextKind::Code,
        _ => return None,
    })
}

/// Bidirectional embeddings, overrides and isolates: in one-line texts and
/// codes they only serve to disguise (`invoice\u{202e}fdp.exe` shows as `invoiceexe.pdf`); bodies keep them for
/// right-to-left writing.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One text, normalised: CRLF to LF, NFC; refused when it holds a control
/// character other than tab and newline (C0, DEL, C1), or is longer than its
/// kind allows. `field` is the path errors name.
pub fn clean(field: &str, value: &str, kind: TextKind, limits: &TextLimits) -> AppResult<String> {
    let max = limits.max(kind);
    // A cheap bound first, before normalising: NFC composes at most a few
    // marks into one character, so a text of more than four times the limit
    // cannot come under it.
    let raw = value.chars().count();
    if raw > max.saturating_mul(4) {
        return Err(too_long(field, max, raw));
    }
    let one_line = kind != TextKind::Body && kind != TextKind::Summary;
    let mut bad = None;
    for (i, c) in value.char_indices() {
        let refused = match c {
            '\t' | '\n' => false,
            '\r' => value.as_bytes().get(i + 1) != Some(&b'\n'),
            c if c.is_control() => true,
            c if one_line && is_bidi_control(c) => true,
            _ => false,
        };
        if refused {
            bad = Some(c);
            break;
        }
    }
    if let Some(c) = bad {
        return Err(AppError::bad_field(
            field,
            format!(
                "{field} contains the control character U+{:04X}: only tab and newline are allowed{}",
                c as u32,
                if is_bidi_control(c) {
                    " (bidirectional overrides are refused in one-line texts)"
                } else {
                    ""
                }
            ),
        ));
    }
    let text: String = value.replace("\r\n", "\n").nfc().collect();
    let chars = text.chars().count();
    if chars > max {
        return Err(too_long(field, max, chars));
    }
    Ok(text)
}

fn too_long(field: &str, max: usize, chars: usize) -> AppError {
    AppError::bad_field(
        field,
        format!("{field} is {chars} characters long; at most {max} are allowed"),
    )
}

/// Every text of a snapshot, cleaned in place (see [`clean`]); `at` is the
/// path prefix of its fields (`input`, or empty in a file).
pub fn clean_all<T: Serialize + DeserializeOwned>(
    item: &mut T,
    at: &str,
    limits: &TextLimits,
) -> AppResult<()> {
    let mut json = serde_json::to_value(&*item)?;
    walk(&mut json, at, None, limits, true)?;
    *item = serde_json::from_value(json)
        .map_err(|e| AppError::internal(format!("a cleaned snapshot does not read back: {e}")))?;
    Ok(())
}

fn walk(
    value: &mut Value,
    path: &str,
    field: Option<&str>,
    limits: &TextLimits,
    top: bool,
) -> AppResult<()> {
    match value {
        Value::String(s) => {
            let kind = field.and_then(kind_of).unwrap_or(TextKind::Short);
            let cleaned = clean(path, s, kind, limits)?;
            if cleaned != *s {
                *s = cleaned;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                walk(v, &format!("{path}[{i}]"), field, limits, false)?;
            }
        }
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                // The catalog's tag (`type`) names the kind, not text.
                if top && key == "type" {
                    continue;
                }
                // Keys are the client's (translation locales are checked
                // later): clipped, so no error repeats a huge one.
                let shown = crate::error::clipped(key);
                let inner = if path.is_empty() {
                    shown.to_string()
                } else {
                    format!("{path}.{shown}")
                };
                // A translation map's locale level keeps the field it is under
                // from being taken for a text field: the fields below it are.
                let name = if field == Some("translations") && !is_field(key) {
                    Some("translations")
                } else {
                    Some(key.as_str())
                };
                walk(v, &inner, name, limits, false)?;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

fn is_field(key: &str) -> bool {
    kind_of(key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: &str, kind: TextKind) -> AppResult<String> {
        clean("f", v, kind, &TextLimits::default())
    }

    #[test]
    fn newlines_are_lf_and_text_is_nfc() {
        assert_eq!(c("a\r\nb", TextKind::Body).ok().as_deref(), Some("a\nb"));
        // e + combining acute -> é
        assert_eq!(
            c("Pe\u{301}", TextKind::Short).ok().as_deref(),
            Some("P\u{e9}")
        );
        assert_eq!(
            c("tab\there", TextKind::Short).ok().as_deref(),
            Some("tab\there")
        );
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in [
            "a\u{0}b",
            "esc\u{1b}[31m",
            "lone\rcr",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert!(c(bad, TextKind::Body).is_err(), "{bad:?}");
        }
        assert!(c("evil\u{202e}fdp.exe", TextKind::Short).is_err());
        assert!(c("\u{202b}right to left\u{202c}", TextKind::Body).is_ok());
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let limits = TextLimits::default();
        assert!(c(&"é".repeat(limits.short), TextKind::Short).is_ok());
        assert!(c(&"é".repeat(limits.short + 1), TextKind::Short).is_err());
        assert!(c(&"x".repeat(900_000), TextKind::Short).is_err());
        assert!(c(&"x".repeat(limits.body), TextKind::Body).is_ok());
    }

    /// Every text field of every snapshot (blocks and translations included)
    /// has a kind: a new field without one fails here. Optional fields are
    /// `null` in an empty snapshot, so nulls count too (bar non-text ones).
    #[test]
    fn every_snapshot_text_field_has_a_kind() {
        use crate::catalog::Data;
        use crate::content::Kind;
        fn names(v: &Value, under: Option<&str>, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        names(x, Some(k), out);
                    }
                }
                Value::Array(items) => items.iter().for_each(|x| names(x, under, out)),
                Value::String(_) | Value::Null => out.extend(under.map(str::to_string)),
                _ => {}
            }
        }
        const NOT_TEXT: &[&str] = &["type", "programmeId"];
        for kind in Kind::ALL.iter().copied() {
            let mut json = serde_json::to_value(Data::empty(kind)).expect("json");
            // One block, so its fields are walked too.
            for list in ["priorities", "priorityAreas"] {
                if let Some(Value::Array(items)) = json.get_mut(list) {
                    items.push(serde_json::json!({ "title": "", "body": "" }));
                }
            }
            let mut found = Vec::new();
            names(&json, None, &mut found);
            assert!(found.len() > 2, "{kind:?}: {json}");
            for name in found.iter().filter(|n| !NOT_TEXT.contains(&n.as_str())) {
                assert!(kind_of(name).is_some(), "{kind:?}.{name} has no text kind");
            }
        }
    }

    #[test]
    fn translations_and_blocks_are_walked_by_their_field_names() {
        let mut v = serde_json::json!({
            "type": "Country",
            "name": "Peru",
            "priorities": [{ "title": "T", "body": "x\r\ny" }],
            "translations": { "fi": { "summary": "s" }, "es": { "title": "a\u{0}" } },
        });
        let err = walk(&mut v, "input", None, &TextLimits::default(), true).err();
        match err {
            Some(AppError::BadInput { field, .. }) => {
                assert_eq!(field.as_deref(), Some("input.translations.es.title"))
            }
            other => panic!("{other:?}"),
        }
    }
}
