//! Built-in demo content, loaded into an empty database on first start: the Peru
//! country page of the reference seed (its facts: names, figures, dates, sizes),
//! described in our own words, with its region and the four other countries of the
//! Andean support measure.
use super::format::*;
use crate::content::locale::TranslationMap;
use std::collections::BTreeMap;

fn tr(locale: &str, fields: &[(&str, &str)]) -> Option<TranslationMap> {
    let inner: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut map = TranslationMap::new();
    map.insert(locale.to_string(), inner);
    Some(map)
}

fn block(title: &str, body: &str, fi_title: Option<&str>) -> TextBlockIn {
    TextBlockIn {
        title: title.to_string(),
        body: body.to_string(),
        translations: fi_title.and_then(|t| tr("fi", &[("title", t)])),
    }
}

fn country(slug: &str, name: &str, iso2: &str, summary: &str) -> CountryIn {
    CountryIn {
        slug: slug.to_string(),
        name: name.to_string(),
        iso2: iso2.to_string(),
        region: LATAM.to_string(),
        summary: Some(summary.to_string()),
        ..CountryIn::default()
    }
}

const LATAM: &str = "latin-america-and-the-caribbean";

const PERU_CONTEXT: &str = "\
Peru's social indicators have improved over the past decades, yet deep gaps remain \
between rich and poor and between the coast, the Andean highlands and the Amazon.

Growth still rests largely on exporting raw materials, above all minerals and gas. \
That leaves public finances exposed to swings in world demand and prices, and disputes \
over extraction often turn into local social conflict.

Peru has become the largest cocaine producer in the world, and the criminal networks \
around drug production and trafficking weaken stability across the region.

The EU and Peru hold common ground on democracy, human rights, multilateralism and a \
rules-based international order. Peru is one of the EU's main economic and trade \
partners in Latin America, ties that deepened once a free trade agreement was signed. \
Until 2020 cooperation centred on governance, social inclusion and territorial \
economic development; today policy dialogue, reform and stronger institutions matter \
more and more. The three priority areas below follow the wider fields of cooperation.";

const PERU_SUPPORT: &str = "\
Peruvian civil society is active and well organised in networks, platforms and business \
associations, and it takes part in every area of the programme: raising awareness, \
civic education, following projects on the ground and holding institutions to account, \
so that a rights-based approach is applied and vulnerable groups are included.

Within this programme the EU can help build monitoring and reporting systems that check \
compliance with environmental rules and the circular practices of companies, follow \
progress in human development, and strengthen civil society organisations in their \
watchdog role.";

/// The demo dataset.
pub fn dataset() -> Dataset {
    Dataset {
        regions: regions(),
        countries: countries(),
        programmes: programmes(),
        documents: documents(),
    }
}

fn regions() -> Vec<RegionIn> {
    vec![RegionIn {
        slug: LATAM.to_string(),
        name: "Latin America and the Caribbean".to_string(),
        summary: Some(
            "Partner countries of South and Central America and the Caribbean.".to_string(),
        ),
        position: Some(1),
        translations: tr(
            "fi",
            &[
                ("name", "Latinalainen Amerikka ja Karibia"),
                (
                    "summary",
                    "Etelä- ja Keski-Amerikan sekä Karibian kumppanimaat.",
                ),
            ],
        ),
        ..Default::default()
    }]
}

/// Peru, the page of the reference seed.
fn peru() -> CountryIn {
    let mut peru = country(
        "peru",
        "Peru",
        "PE",
        "An upper-middle-income Andean country whose economy depends on mining and gas \
         exports, with persistent regional inequality.",
    );
    peru.context = Some(PERU_CONTEXT.to_string());
    peru.support_measures = Some(PERU_SUPPORT.to_string());
    peru.translations = tr("fi", &[("name", "Peru")]);
    peru.priorities = Some(vec![
        block(
            "Circular transition",
            "Support for a green, inclusive and sustainable economy, with investment tied to \
             the 2030 Agenda, the Paris Agreement, the Convention on Biological Diversity and \
             the Leticia Pact for the Amazon. Deforestation, pollution, changes in land use and \
             environmental crime such as illegal mining, logging and wildlife trafficking put \
             precious habitats and species at risk.",
            Some("Kiertotalouteen siirtyminen"),
        ),
        block(
            "Human development and social inclusion",
            "Reducing inequality and building fairer, more resilient economies and societies \
             that include women, children, indigenous peoples and migrants. The EU shares its \
             experience of inclusive social policy and of providing affordable, good-quality \
             public services to every citizen.",
            Some("Inhimillinen kehitys ja sosiaalinen osallisuus"),
        ),
        block(
            "Governance and rule of law",
            "Democratic stability, good governance and political reform have moved up Peru's \
             human-rights and democracy agenda. Trust in the political system is among the \
             lowest in Latin America and the party landscape is fragmented. EU electoral \
             observation has accompanied recent elections and several of its recommendations \
             are already in force, but deep reforms and sustained political will are still \
             needed.",
            Some("Hallinto ja oikeusvaltio"),
        ),
    ]);
    peru
}

/// Peru and the four other countries of the Andean support measure.
fn countries() -> Vec<CountryIn> {
    vec![
        country(
            "bolivia",
            "Bolivia",
            "BO",
            "A landlocked Andean country and partner of the regional cooperation facility.",
        ),
        country(
            "colombia",
            "Colombia",
            "CO",
            "An Andean and Caribbean country and partner of the regional cooperation facility.",
        ),
        country(
            "ecuador",
            "Ecuador",
            "EC",
            "An Andean and Pacific country and partner of the regional cooperation facility.",
        ),
        country(
            "paraguay",
            "Paraguay",
            "PY",
            "A landlocked South American country and partner of the regional cooperation facility.",
        ),
        peru(),
    ]
}

fn programmes() -> Vec<ProgrammeIn> {
    vec![ProgrammeIn {
        slug: "mip-2021-2024-peru".to_string(),
        title: "Multiannual Indicative Programme 2021-2024 for Peru".to_string(),
        programme_kind: "MIP".to_string(),
        countries: vec!["PE".to_string()],
        period_start: 2021,
        period_end: 2024,
        budget_eur: Some("57000000.00".to_string()),
        budget: None,
        summary: Some(
            "The EU's multiannual plan for cooperation with Peru over 2021-2024, worth EUR 57 \
             million across three priority areas."
                .to_string(),
        ),
        priority_areas: vec![
            block(
                "Circular transition",
                "Moving Peru towards a green and inclusive economy as the backbone of a \
                 low-carbon, resource-efficient and climate-resilient path. Action covers \
                 both cities and natural areas in one approach, protects biodiversity as \
                 natural capital and helps vulnerable local communities gain from green growth.",
                Some("Kiertotalouteen siirtyminen"),
            ),
            block(
                "Human development",
                "Higher social spending and better education, health and social protection, \
                 care policies and livelihoods, to keep social peace. Reform and its financing \
                 are discussed with the public sector, business and civil society, and the EU \
                 supports these inclusive dialogues.",
                Some("Inhimillinen kehitys"),
            ),
            block(
                "Governance and rule of law",
                "Tackling the instability and weak institutions that have eroded citizens' \
                 trust in politics. In line with the Human Rights and Democracy Country \
                 Strategy, EU action strengthens democratic governance and human rights, \
                 including electoral reform following the recommendations of EU election \
                 observation.",
                Some("Hallinto ja oikeusvaltio"),
            ),
        ],
        translations: tr("fi", &[("title", "Monivuotinen ohjelma 2021-2024 Perulle")]),
        ..Default::default()
    }]
}

/// A document of the seed: its facts, in English.
struct Doc<'a> {
    slug: &'a str,
    title: &'a str,
    date: &'a str,
    format: &'a str,
    size: i64,
    countries: &'a [&'a str],
    programme: Option<&'a str>,
    category: &'a str,
}

fn doc(d: Doc) -> DocumentIn {
    let Doc {
        slug,
        title,
        date,
        format,
        size,
        countries,
        programme,
        category,
    } = d;
    DocumentIn {
        slug: slug.to_string(),
        title: title.to_string(),
        published_on: date.to_string(),
        language: "en".to_string(),
        format: format.to_string(),
        size_bytes: size,
        countries: countries.iter().map(|c| c.to_string()).collect(),
        programme: programme.map(str::to_string),
        category: Some(category.to_string()),
        original_filename: Some(format!("{slug}.{}", format.to_ascii_lowercase())),
        ..DocumentIn::default()
    }
}

fn documents() -> Vec<DocumentIn> {
    vec![
        doc(Doc {
            slug: "multiannual-indicative-programme-2021-2027-for-peru-annex",
            title: "Multiannual Indicative Programme 2021-2027 for Peru - annex",
            date: "2022-03-08",
            format: "PDF",
            size: 421_002,
            countries: &["PE"],
            programme: Some("mip-2021-2024-peru"),
            category: "programming",
        }),
        doc(Doc {
            slug: "annual-action-plan-2022-for-peru",
            title: "Annual action plan 2022 for Peru",
            date: "2022-11-07",
            format: "ZIP",
            size: 1_541_406,
            countries: &["PE"],
            programme: None,
            category: "action-plan",
        }),
        doc(Doc {
            slug: "support-measure-cooperation-facility-2022-for-bolivia-colombia-ecuador-paraguay-and-peru",
            title: "Support measure (Cooperation Facility) 2022 for Bolivia, Colombia, Ecuador, Paraguay and Peru",
            date: "2022-05-17",
            format: "ZIP",
            size: 576_727,
            countries: &["BO", "CO", "EC", "PY", "PE"],
            programme: None,
            category: "support-measure",
        }),
        doc(Doc {
            slug: "multiannual-indicative-programme-mip-2014-2017-peru",
            title: "Multiannual indicative programme (mip) 2014-2017 Peru",
            date: "2022-03-08",
            format: "PDF",
            // 285.15 KB, as the page prints it.
            size: 291_994,
            countries: &["PE"],
            programme: None,
            category: "programming",
        }),
    ]
}
