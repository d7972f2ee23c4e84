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

/// The ISO 639-1 language codes (184: the IATI Language codelist's, which
/// keeps the withdrawn `bh`, plus `cu`, `ia` and `ie`), sorted.
pub const ISO_639_1: [&str; 184] = [
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// ISO 639-1: one of the two-letter codes of the list, not only its shape.
pub fn language(field: &str, value: &str) -> AppResult<()> {
    if ISO_639_1.binary_search(&value).is_ok() {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!("unknown ISO 639-1 language code {}: expected a two-letter code such as \"en\", \"es\" or \"fi\"", quoted(value)),
        ))
    }
}

/// The publication dates accepted, documented in docs/text-and-limits.md.
pub const FIRST_DATE: (i32, u32, u32) = (1900, 1, 1);
pub const LAST_DATE: (i32, u32, u32) = (2200, 12, 31);

/// A date within [`FIRST_DATE`]..=[`LAST_DATE`] (the years programme periods
/// accept): `0000-01-01` and `9999-12-31` are typing slips, not dates.
pub fn date_in_range(field: &str, value: NaiveDate) -> AppResult<()> {
    let bound = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d);
    let (Some(first), Some(last)) = (bound(FIRST_DATE), bound(LAST_DATE)) else {
        return Err(AppError::internal("the date bounds are not dates"));
    };
    if value < first || value > last {
        return Err(AppError::bad_field(
            field,
            format!("the date {value} is out of range ({first} to {last})"),
        ));
    }
    Ok(())
}

/// A media type as RFC 6838 writes it: `type/subtype`, each of letters, digits
/// and `!#$&-^_.+`, then optional `; name=value` parameters whose values are such
/// tokens or a quoted string of printable ASCII without `"` and `\`. Nothing a
/// browser or a header could read as markup or a second header.
pub fn media_type(field: &str, value: &str) -> AppResult<()> {
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let ok_essence = essence
        .split_once('/')
        .is_some_and(|(t, s)| token(t) && token(s));
    let ok_params = parts.all(|p| {
        p.trim().split_once('=').is_some_and(|(name, v)| {
            token(name.trim())
                && (token(v)
                    || (v.len() >= 2
                        && v.starts_with('"')
                        && v.ends_with('"')
                        && v[1..v.len() - 1]
                            .bytes()
                            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')))
        })
    });
    if value.len() <= 255 && ok_essence && ok_params {
        Ok(())
    } else {
        Err(AppError::bad_field(
            field,
            format!(
                "invalid media type {}: expected type/subtype such as \"application/pdf\", with optional ; name=value parameters",
                quoted(value)
            ),
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
        let primary = tag.split('-').next().unwrap_or_default();
        Locale::parse(Some(tag))
            .ok()
            .filter(|_| ISO_639_1.binary_search(&primary).is_ok())
            .ok_or_else(|| {
                AppError::bad_field(
                    format!("{field}.{}", clipped(tag)),
                    format!(
                        "invalid locale {}: expected an ISO 639-1 language, optionally with a region (\"fi\", \"pt-BR\")",
                        quoted(tag)
                    ),
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
    fn media_types_are_tokens() {
        for ok in [
            "application/pdf",
            "text/csv; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "text/plain; charset=\"utf-8\"",
        ] {
            assert!(media_type("m", ok).is_ok(), "{ok}");
        }
        for bad in [
            "text/html; charset=<script>",
            "pdf",
            "text/",
            "text/html\r\nSet-Cookie: a=b",
            "a/b; c",
            "text/plain; charset=\"a\"b\"",
        ] {
            assert!(media_type("m", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_have_a_range() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert!(date_in_range("d", d("2024-03-01")).is_ok());
        assert!(date_in_range("d", d("1900-01-01")).is_ok());
        assert!(date_in_range("d", d("0000-01-01")).is_err());
        assert!(date_in_range("d", d("9999-12-31")).is_err());
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
        assert!(language("l", "xx").is_err());
        assert!(language("l", "fi").is_ok());
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
        assert!(currency("c", "EUR").is_ok());
        assert!(currency("c", "eu").is_err());
    }
}
