//! Synthetic datasets in the import format, built in code so tests know exactly
//! what to expect.
use api::import::format::*;
use chrono::{Duration, NaiveDate};
use serde_json::Value;

/// The node slugs of a connection, in order.
pub fn slugs(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["node"]["slug"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Slugs of the fixture documents `0..n` that `keep` selects, in PUBLISHED_ON_DESC
/// order (date descending, slug ascending), computed from the fixture itself.
pub fn docs_where(n: usize, keep: impl Fn(usize) -> bool) -> Vec<String> {
    let mut docs: Vec<(NaiveDate, String)> = (0..n)
        .filter(|i| keep(*i))
        .map(|i| (doc_date(i), format!("doc-{i:04}")))
        .collect();
    docs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    docs.into_iter().map(|d| d.1).collect()
}

pub const REGIONS: [&str; 2] = ["north-region", "south-region"];
pub const ISOS: [&str; 6] = ["AA", "AB", "AC", "BA", "BB", "BC"];
pub const LANGS: [&str; 3] = ["en", "fr", "es"];

pub fn country_slug(i: usize) -> String {
    format!("country-{}", ISOS[i].to_ascii_lowercase())
}

/// The date of document `i`: three documents share each day, so ordering must
/// fall back to the slug.
pub fn doc_date(i: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1)
        .map(|d| d + Duration::days((i / 3) as i64))
        .unwrap_or_default()
}

/// The countries of document `i`: its home country, plus the next country of the
/// same region for every 7th document.
pub fn doc_countries(i: usize) -> Vec<usize> {
    let home = i % 6;
    if i.is_multiple_of(7) {
        let region_start = home / 3 * 3;
        vec![home, region_start + (home + 1) % 3]
    } else {
        vec![home]
    }
}

/// 2 regions x 3 countries, 2 programmes per country plus one regional support
/// measure, and `docs` documents spread over the countries.
pub fn dataset(docs: usize) -> Dataset {
    let regions = REGIONS
        .iter()
        .map(|slug| RegionIn {
            slug: slug.to_string(),
            name: slug.replace('-', " "),
            ..RegionIn::default()
        })
        .collect();
    let countries = (0..6)
        .map(|i| CountryIn {
            slug: country_slug(i),
            name: format!("Country {}", ISOS[i]),
            iso2: ISOS[i].to_string(),
            region: REGIONS[i / 3].to_string(),
            priorities: Some(vec![TextBlockIn {
                title: "Priority one".into(),
                body: "Body".into(),
                translations: None,
            }]),
            ..CountryIn::default()
        })
        .collect();
    let mut programmes: Vec<ProgrammeIn> = Vec::new();
    for (i, iso) in ISOS.iter().enumerate() {
        programmes.push(ProgrammeIn {
            slug: format!("mip-{}", country_slug(i)),
            title: format!("Multiannual programme for Country {iso}"),
            programme_kind: "MIP".into(),
            countries: vec![iso.to_string()],
            period_start: 2021,
            period_end: 2027,
            budget_eur: Some(format!("{}.50", (i + 1) * 1_000_000)),
            priority_areas: (1..=3)
                .map(|n| TextBlockIn {
                    title: format!("Area {n}"),
                    body: "Body".into(),
                    translations: None,
                })
                .collect(),
            ..ProgrammeIn::default()
        });
        programmes.push(ProgrammeIn {
            slug: format!("aap-{}", country_slug(i)),
            title: format!("Annual action plan for Country {iso}"),
            programme_kind: "ANNUAL_ACTION_PLAN".into(),
            countries: vec![iso.to_string()],
            period_start: 2020 + i as i32,
            period_end: 2020 + i as i32,
            budget: Some(MoneyIn {
                amount: "250000".into(),
                currency: "USD".into(),
            }),
            ..ProgrammeIn::default()
        });
    }
    programmes.push(ProgrammeIn {
        slug: "support-measure-north".into(),
        title: "Support measure for the north".into(),
        programme_kind: "SUPPORT_MEASURE".into(),
        countries: vec!["AA".into(), "AB".into(), "AC".into()],
        period_start: 2022,
        period_end: 2022,
        budget_eur: Some("1500000.00".into()),
        ..ProgrammeIn::default()
    });
    let documents = (0..docs)
        .map(|i| DocumentIn {
            slug: format!("doc-{i:04}"),
            title: if i % 5 == 0 {
                format!("Governance report {i}")
            } else {
                format!("Document {i}")
            },
            published_on: doc_date(i).format("%Y-%m-%d").to_string(),
            language: LANGS[i % 3].into(),
            format: ["PDF", "ZIP", "DOCX"][i % 3].into(),
            size_bytes: 1000 + i as i64,
            countries: doc_countries(i)
                .into_iter()
                .map(|c| ISOS[c].to_string())
                .collect(),
            programme: (i % 2 == 0).then(|| format!("mip-{}", country_slug(i % 6))),
            ..DocumentIn::default()
        })
        .collect();
    Dataset {
        regions,
        countries,
        programmes,
        documents,
    }
}

/// Documents of one country only (for statement counting at several sizes).
pub fn one_country(docs: usize) -> Dataset {
    let mut data = dataset(0);
    data.documents = (0..docs)
        .map(|i| DocumentIn {
            slug: format!("only-{i:04}"),
            title: format!("Only {i}"),
            published_on: doc_date(i).format("%Y-%m-%d").to_string(),
            language: "en".into(),
            format: "PDF".into(),
            size_bytes: 10,
            countries: if i % 4 == 0 {
                vec!["AA".into(), "AB".into()]
            } else {
                vec!["AA".into()]
            },
            programme: (i % 3 == 0).then(|| "mip-country-aa".to_string()),
            ..DocumentIn::default()
        })
        .collect();
    data
}
