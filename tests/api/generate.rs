//! `cms generate`: the synthetic dataset is deterministic, shaped like the team's
//! reference generator, and imports into a service that serves the reference page.
use crate::common::{TestApp, COUNTRY_PAGE};
use api::generate::{generate, Totals, DEFAULT_SEED};
use api::import::{self, ImportOptions};
use serde_json::json;
use std::collections::{HashMap, HashSet};

#[test]
fn the_same_scale_and_seed_give_the_same_bytes_and_another_seed_does_not() {
    let first = serde_json::to_vec(&generate(1, DEFAULT_SEED)).unwrap_or_default();
    let again = serde_json::to_vec(&generate(1, DEFAULT_SEED)).unwrap_or_default();
    let other = serde_json::to_vec(&generate(1, 7)).unwrap_or_default();
    assert!(!first.is_empty());
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn scale_multiplies_countries_programmes_and_documents_but_not_regions() {
    for scale in [1, 2] {
        let data = generate(scale, DEFAULT_SEED);
        let t = Totals::of(&data);
        assert_eq!(t.regions, 6);
        assert_eq!(t.countries, 120 * scale);
        assert_eq!(t.programmes, 600 * scale);
        assert_eq!(t.priority_areas, 1800 * scale);
        assert_eq!(t.documents, 8000 * scale);
        // About a fifth of the support measures span several countries.
        let share = t.multi_country_programmes as f64 / t.countries as f64;
        assert!((0.1..0.35).contains(&share), "multi-country share {share}");

        let codes: HashSet<&str> = data.countries.iter().map(|c| c.iso2.as_str()).collect();
        assert_eq!(codes.len(), t.countries, "ISO codes are unique");
        assert!(codes.iter().all(|c| c.len() == 2));
        let regions: HashSet<&str> = data.regions.iter().map(|r| r.slug.as_str()).collect();
        assert!(data
            .countries
            .iter()
            .all(|c| regions.contains(c.region.as_str())));
        let slugs: HashSet<&str> = data.documents.iter().map(|d| d.slug.as_str()).collect();
        assert_eq!(slugs.len(), t.documents, "document slugs are unique");

        let programmes: HashMap<&str, &Vec<String>> = data
            .programmes
            .iter()
            .map(|p| (p.slug.as_str(), &p.countries))
            .collect();
        assert_eq!(programmes.len(), t.programmes, "programme slugs are unique");
        for d in &data.documents {
            assert!((1..=5).contains(&d.countries.len()), "{}", d.slug);
            assert!(d.countries.iter().all(|c| codes.contains(c.as_str())));
            if let Some(p) = &d.programme {
                let members = programmes.get(p.as_str()).expect("known programme");
                if members.len() > 1 {
                    let mut have = d.countries.clone();
                    let mut want = (*members).clone();
                    have.sort_unstable();
                    want.sort_unstable();
                    assert_eq!(have, want, "{} carries its programme's countries", d.slug);
                }
            }
        }
    }
}

#[test]
fn the_largest_scale_still_has_unique_two_character_iso_codes() {
    let data = generate(api::generate::MAX_SCALE, DEFAULT_SEED);
    let codes: HashSet<&str> = data.countries.iter().map(|c| c.iso2.as_str()).collect();
    assert_eq!(data.countries.len(), 1200);
    assert_eq!(codes.len(), 1200);
    assert!(codes
        .iter()
        .all(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphanumeric())));
    assert!(["PE", "BO", "CO", "EC", "PY"]
        .iter()
        .all(|c| codes.contains(c)));
}

#[tokio::test]
async fn a_generated_dataset_imports_and_serves_the_reference_page() {
    let data = generate(1, 99);
    // Through the file format, as `cms generate` and `cms import` pass it.
    let bytes = serde_json::to_vec(&data).unwrap_or_default();
    let parsed = import::parse(&bytes).expect("parses");
    let app = TestApp::new().await;
    let report = import::import(&app.state.db, parsed, ImportOptions::default())
        .await
        .expect("imports");
    assert_eq!(
        (
            report.regions,
            report.countries,
            report.programmes,
            report.documents
        ),
        (6, 120, 600, 8000)
    );
    let page = app.data(COUNTRY_PAGE, json!({ "slug": "peru" })).await;
    let c = &page["country"];
    assert_eq!(c["name"], "Peru");
    assert_eq!(c["region"]["slug"], "latin-america-and-the-caribbean");
    let programmes = c["programmes"]["edges"].as_array().expect("programmes");
    let mip = programmes
        .iter()
        .map(|e| &e["node"])
        .find(|p| p["slug"] == "mip-2021-2024-peru")
        .expect("the Peru MIP");
    assert_eq!(
        mip["budget"],
        json!({ "amount": "57000000.00", "currency": "EUR" })
    );
    assert_eq!(mip["priorityAreas"][0]["title"], "Circular transition");
    assert_eq!(mip["priorityAreas"].as_array().map(Vec::len), Some(3));
    assert!(programmes
        .iter()
        .any(|e| e["node"]["slug"] == "support-measure-cooperation-facility-2022-andean"));
    let andean = app
        .data(
            r#"query { programme(slug: "support-measure-cooperation-facility-2022-andean") { countries { iso2 } } }"#,
            json!({}),
        )
        .await;
    let mut isos: Vec<&str> = andean["programme"]["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .filter_map(|c| c["iso2"].as_str())
        .collect();
    isos.sort_unstable();
    assert_eq!(isos, ["BO", "CO", "EC", "PE", "PY"]);
    assert!(c["documents"]["totalCount"].as_i64().unwrap_or(0) >= 4);
}

#[test]
fn scales_outside_one_to_ten_are_refused_by_the_command_line() {
    use clap::Parser;
    for bad in ["0", "11", "-1", "ten"] {
        let parsed = api::config::Cli::try_parse_from(["cms", "generate", "--scale", bad]);
        assert!(parsed.is_err(), "--scale {bad} is refused");
    }
    let parsed =
        api::config::Cli::try_parse_from(["cms", "generate", "--scale", "10", "--out", "-"]);
    assert!(parsed.is_ok());
}
