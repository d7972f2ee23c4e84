//! Validation rules shared by import and (later) the editorial mutations, so one
//! definition decides what a valid slug, code or amount is.
use crate::content::locale::{Locale, TranslationMap, DEFAULT_LOCALE};
use crate::error::{clipped, quoted, AppError, AppResult};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;

pub const MAX_SLUG_LEN: usize = 200;

/// Lower-case ASCII words joined by single hyphens: `latin-america-and-the-caribbean`.
pub fn slug(field: &str, value: &str) -> AppResult<()> {
    let ok = !value.is_empty()
        && value.len() <= MAX_SLUG_LEN
        && value.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!("invalid slug {}: use lower-case letters and digits joined by single hyphens, at most {MAX_SLUG_LEN} characters", quoted(value)),
        ))
    }
}

/// ISO 3166-1 alpha-2 shape: two upper-case characters. Digits are accepted beside
/// letters because the benchmark generator gives its synthetic countries such codes
/// (past the 676 letter pairs); real codes are letters.
pub fn iso2(field: &str, value: &str) -> AppResult<()> {
    let ok = value.len() == 2
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!("invalid ISO 3166-1 alpha-2 code {}: expected two upper-case letters such as \"PE\"", quoted(value)),
        ))
    }
}

/// ISO 639-1: two lower-case letters.
pub fn language(field: &str, value: &str) -> AppResult<()> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!("invalid ISO 639-1 language code {}: expected two lower-case letters such as \"en\"", quoted(value)),
        ))
    }
}

/// ISO 4217: three upper-case letters.
pub fn currency(field: &str, value: &str) -> AppResult<()> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!("invalid ISO 4217 currency code {}: expected three upper-case letters such as \"EUR\"", quoted(value)),
        ))
    }
}

/// A non-negative decimal amount with at most two decimals, as cents.
pub fn amount_cents(field: &str, value: &str) -> AppResult<i64> {
    let bad =
        |why: &str| AppError::bad_field(field, format!("invalid amount {}: {why}", quoted(value)));
    let d = Decimal::from_str(value.trim()).map_err(|_| bad("not a decimal number"))?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(bad("must not be negative"));
    }
    if d.scale() > 2 && d.normalize().scale() > 2 {
        return Err(bad("at most two decimals"));
    }
    d.checked_mul(Decimal::from(100))
        .and_then(|c| c.to_i64())
        .ok_or_else(|| bad("too large"))
}

/// Programme period: plausible years, start <= end. `start_field` and
/// `end_field` are the paths of the two years.
pub fn period(start_field: &str, end_field: &str, start: i32, end: i32) -> AppResult<()> {
    for (field, year) in [(start_field, start), (end_field, end)] {
        if !(1900..=2200).contains(&year) {
            return Err(AppError::bad_field(
                field,
                format!("year {year} is out of range (1900-2200)"),
            ));
        }
    }
    if start > end {
        return Err(AppError::bad_field(
            start_field,
            format!("periodStart {start} is after periodEnd {end}"),
        ));
    }
    Ok(())
}

/// The countries an item concerns: at least one, none twice.
pub fn countries(field: &str, ids: &[i32]) -> AppResult<()> {
    if ids.is_empty() {
        return Err(AppError::bad_field(
            field,
            "at least one country is required",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(i) = ids.iter().position(|id| !seen.insert(id)) {
        return Err(AppError::bad_field(
            format!("{field}[{i}]"),
            "a country is listed twice",
        ));
    }
    Ok(())
}

pub fn date(field: &str, value: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::bad_field(
            field,
            format!("invalid date {}: expected YYYY-MM-DD", quoted(value)),
        )
    })
}

/// File format: upper-case letters and digits (PDF, ZIP, DOCX, MP4).
pub fn format(field: &str, value: &str) -> AppResult<()> {
    if !value.is_empty()
        && value.len() <= 16
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!(
                "invalid file format {}: expected an upper-case name such as \"PDF\"",
                quoted(value)
            ),
        ))
    }
}

pub fn sha256(field: &str, value: &str) -> AppResult<()> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            "invalid SHA-256: expected 64 lower-case hex digits",
        ))
    }
}

/// The longest URL stored.
pub const MAX_URL_LEN: usize = 2048;

/// A URL partner sites will put in a link: absolute `http` or `https` with a
/// host, nothing else. `javascript:`, `data:`, `file:` and the like would run or
/// read something in a reader's browser when a partner site renders the link.
pub fn url(field: &str, value: &str) -> AppResult<()> {
    let bad = |why: &str| AppError::bad_field(field, format!("invalid URL: {why}"));
    if value.len() > MAX_URL_LEN {
        return Err(bad(&format!("longer than {MAX_URL_LEN} bytes")));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(bad("it contains spaces, control characters or backslashes"));
    }
    // Written out in full, as every URL parser reads it alike (`https:host`
    // parses in browsers, not everywhere).
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(bad(
            "expected an absolute URL starting with http:// or https://",
        ));
    }
    let parsed =
        ::url::Url::parse(value).map_err(|_| bad("expected an absolute http or https URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http and https URLs are accepted"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("the URL has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("credentials do not belong in a URL"));
    }
    Ok(())
}

/// Text that readers see in the default locale must be present.
pub fn required_text(field: &str, value: &str) -> AppResult<()> {
    if value.trim().is_empty() {
        Err(AppError::bad_field(
            field,
            "must not be empty (the default locale `en` is required)",
        ))
    } else {
        Ok(())
    }
}

/// Translations: valid locale tags other than the default, each with known fields.
pub fn translations(field: &str, map: &TranslationMap, allowed: &[&str]) -> AppResult<()> {
    for (tag, fields) in map {
        if tag == DEFAULT_LOCALE {
            return Err(AppError::bad_field(
                format!("{field}.{}", clipped(tag)),
                "the default locale's text belongs in the item's own fields, not in translations",
            ));
        }
        Locale::parse(Some(tag)).map_err(|_| {
            AppError::bad_field(
                format!("{field}.{}", clipped(tag)),
                format!("invalid locale {}", quoted(tag)),
            )
        })?;
        for name in fields.keys() {
            if !allowed.contains(&name.as_str()) {
                return Err(AppError::bad_field(
                    format!("{field}.{}.{}", clipped(tag), clipped(name)),
                    format!(
                        "{} is not a translatable field here (allowed: {})",
                        quoted(name),
                        allowed.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Media type for a file format when none is given.
pub fn media_type_for(format: &str) -> &'static str {
    match format {
        "PDF" => "application/pdf",
        "ZIP" => "application/zip",
        "DOCX" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "XLSX" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "PPTX" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "DOC" => "application/msword",
        "ODT" => "application/vnd.oasis.opendocument.text",
        "CSV" => "text/csv",
        "TXT" => "text/plain",
        "HTML" => "text/html",
        "PNG" => "image/png",
        "JPG" | "JPEG" => "image/jpeg",
        "MP4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount_cents("b", "57000000.00").ok(), Some(5_700_000_000));
        assert_eq!(amount_cents("b", "12.5").ok(), Some(1250));
        assert!(amount_cents("b", "-1.00").is_err());
        assert!(amount_cents("b", "1.001").is_err());
        assert!(amount_cents("b", "abc").is_err());
        assert!(amount_cents("b", "79228162514264337593543950335").is_err());
    }

    #[test]
    fn urls_are_http_or_https_only() {
        for ok in [
            "https://example.org/a.pdf",
            "http://example.org:8080/x?y=1#z",
            "https://xn--80ak6aa92e.com/",
        ] {
            assert!(url("u", ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "ftp://example.org/a",
            "//example.org/a",
            "/relative/path",
            "https://",
            "https://user:pw@example.org/",
            "https://exa mple.org/",
            "https:example.org/a",
            "https://example.org\\@evil.example/",
            "java\tscript:alert(1)",
        ] {
            assert!(url("u", bad).is_err(), "{bad}");
        }
        assert!(url("u", &format!("https://e.org/{}", "a".repeat(MAX_URL_LEN))).is_err());
    }

    #[test]
    fn codes_and_slugs() {
        assert!(slug("s", "peru").is_ok());
        assert!(slug("s", "Peru").is_err());
        assert!(slug("s", "a--b").is_err());
        assert!(iso2("c", "PE").is_ok());
        assert!(iso2("c", "pe").is_err());
        assert!(iso2("c", "PER").is_err());
        assert!(language("l", "en").is_ok());
        assert!(language("l", "eng").is_err());
        assert!(currency("c", "EUR").is_ok());
        assert!(currency("c", "eu").is_err());
    }
}
