//! The word lists and fixed texts the generator assembles its synthetic content from.
//! The real page's texts (Peru) are fixtures, so the reference queries find them.

pub const REGIONS: [(&str, &str); 6] = [
    ("sub-saharan-africa", "Sub-Saharan Africa"),
    (LATAM, "Latin America and the Caribbean"),
    ("asia-and-the-pacific", "Asia and the Pacific"),
    (
        "middle-east-and-north-africa",
        "Middle East and North Africa",
    ),
    ("eastern-neighbourhood", "Eastern Neighbourhood"),
    ("western-balkans-and-turkiye", "Western Balkans and Türkiye"),
];
pub const LATAM: &str = "latin-america-and-the-caribbean";

/// The real countries of the reference page, all in Latin America: slug, name, ISO code.
pub const REAL_COUNTRIES: [(&str, &str, &str); 5] = [
    ("bolivia", "Bolivia", "BO"),
    ("colombia", "Colombia", "CO"),
    ("ecuador", "Ecuador", "EC"),
    ("paraguay", "Paraguay", "PY"),
    ("peru", "Peru", "PE"),
];

pub const SYL_START: &[&str] = &[
    "Ka", "Mo", "Ta", "Ve", "Lu", "Sa", "Ri", "No", "Be", "Do", "Fa", "Ga", "Ha", "Ja", "Li", "Ma",
    "Ne", "Or", "Pa", "Qua", "Ro", "Si", "Tu", "Va", "Zo", "El", "Ar", "Is", "Um", "Os", "Kes",
    "Bra", "Dru", "Fen", "Gor", "Mir", "Nal", "Pel", "Sor", "Tam",
];
pub const SYL_MID: &[&str] = &[
    "la", "ri", "na", "to", "me", "sa", "ve", "lo", "di", "ra", "ne", "ku", "mi", "ba", "te", "go",
    "ru", "an", "el", "is",
];
pub const SYL_END: &[&str] = &[
    "ria", "land", "stan", "nia", "via", "mar", "dor", "tia", "lia", "ana", "ovo", "esh", "ara",
    "ine", "ique", "ona", "ea", "ur", "ador", "ésia",
];

pub const THEMES: &[&str] = &[
    "Governance and rule of law",
    "Democratic governance and human rights",
    "Economic governance and public finance",
    "Green transition",
    "Circular economy",
    "Climate resilience",
    "Sustainable energy",
    "Digital transformation",
    "Human development and social inclusion",
    "Education and skills",
    "Health systems",
    "Water and sanitation",
    "Food security and sustainable agriculture",
    "Sustainable growth and decent jobs",
    "Migration and mobility",
    "Peace and security",
    "Gender equality",
    "Biodiversity and forests",
    "Urban development",
    "Trade and investment",
];
pub const SECTORS: &[&str] = &[
    "agriculture",
    "mining",
    "tourism",
    "fisheries",
    "light manufacturing",
    "energy exports",
    "services",
    "remittances",
    "textiles",
    "forestry",
];
pub const SERVICES: &[&str] = &[
    "primary health care",
    "basic education",
    "social protection",
    "water supply",
    "public transport",
    "justice services",
    "vocational training",
    "local administration",
    "waste management",
    "electricity access",
];
pub const ACTORS: &[&str] = &[
    "local authorities",
    "civil society organisations",
    "women-led cooperatives",
    "small businesses",
    "national ministries",
    "universities",
    "youth networks",
    "farmer associations",
    "municipal utilities",
    "independent media",
];
pub const ADJ: &[&str] = &[
    "small",
    "mid-sized",
    "large",
    "landlocked",
    "coastal",
    "mountainous",
    "largely rural",
    "rapidly urbanising",
];
pub const VERBS: &[&str] = &[
    "strengthen",
    "expand",
    "modernise",
    "support",
    "improve",
    "protect",
    "finance",
    "monitor",
    "scale up",
    "coordinate",
];
pub const OUTCOMES: &[&str] = &[
    "more resilient livelihoods",
    "lower emissions",
    "better public services",
    "fairer access to markets",
    "stronger institutions",
    "safer communities",
    "higher school completion",
    "cleaner cities",
    "more transparent budgets",
    "decent work for young people",
];

pub const SUMMARY_TEMPLATES: &[&str] = &[
    "{name} is a {adj} country whose economy depends mainly on {sector}.",
    "Cooperation with {name} concentrates on {theme1} and {theme2}.",
    "Recent reforms in {name} aim to improve {service} for all citizens.",
    "The partnership works with {actors} to {verb} {service}.",
    "Inequality between regions remains a concern, especially for {actors}.",
    "Joint programmes are expected to deliver {outcome} over the coming years.",
    "Dialogue with the government covers {theme1} as well as {theme2}.",
    "External shocks have shown how much {name} relies on {sector}.",
];
pub const BODY_TEMPLATES: &[&str] = &[
    "This priority area helps {actors} to {verb} {service}.",
    "Actions under {theme} aim at {outcome}.",
    "Support is delivered through grants, technical assistance and policy dialogue.",
    "Partners will {verb} the capacity of {actors} in this field.",
    "Progress is tracked with indicators agreed with national authorities.",
    "The expected result is {outcome} in the most vulnerable areas.",
    "Investments are combined with reforms so that {service} becomes sustainable.",
];
pub const DOC_TEMPLATES: &[&str] = &[
    "Evaluation of {theme_l} cooperation in {names}",
    "Country report {year}: {theme} in {names}",
    "Call for proposals {year} - {theme} - {names}",
    "Financing agreement {year} on {theme_l} for {names}",
    "Mid-term review of cooperation with {names} ({year})",
    "Results report {year} for {names}",
    "Terms of reference: {theme_l} study for {names}",
    "Roadmap for engagement with civil society {year}-{year2} - {names}",
];
pub const PROG_DOC_TEMPLATES: &[&str] = &[
    "{title} - annex {n}",
    "Action document {n} - {title}",
    "{title} - financing decision",
    "{title} - summary",
    "Commission implementing decision on the {title_l}",
];

/// Document languages with weights, by region (the rest: mostly English).
pub fn languages(region: &str) -> (&'static [&'static str], &'static [u32]) {
    match region {
        LATAM => (&["en", "es", "pt", "fr"], &[70, 22, 5, 3]),
        "sub-saharan-africa" => (&["en", "fr", "pt"], &[70, 25, 5]),
        "middle-east-and-north-africa" => (&["en", "fr"], &[80, 20]),
        _ => (&["en", "fr"], &[95, 5]),
    }
}
pub const FORMATS: (&[&str], &[u32]) = (&["PDF", "ZIP", "DOCX"], &[75, 15, 10]);
/// Smallest and largest file size of a format, in bytes (sizes are log-uniform).
pub fn size_range(format: &str) -> (f64, f64) {
    match format {
        "ZIP" => (150_000.0, 25_000_000.0),
        "DOCX" => (15_000.0, 2_500_000.0),
        _ => (40_000.0, 6_000_000.0),
    }
}
/// How many countries a document is about, with weights.
pub const DOC_COUNTRY_COUNT: (&[usize], &[u32]) = (&[1, 2, 3, 4, 5], &[80, 10, 5, 3, 2]);

pub const PERU_SUMMARY: &str =
    "Peru has made steady social gains, yet large gaps in income and access to \
services persist between its coast, highlands and Amazon regions. Its economy \
leans heavily on mining and gas exports, which exposes public revenues to swings \
in world prices and fuels local disputes. Illicit drug production and the \
criminal networks around it weigh on security across the wider region. \
The EU and Peru cooperate as trade partners and like-minded multilateral actors.";

pub const PERU_MIP_SLUG: &str = "mip-2021-2024-peru";
pub const ANDEAN_SM_SLUG: &str = "support-measure-cooperation-facility-2022-andean";

pub const PERU_MIP_AREAS: [(&str, &str); 3] = [
    (
        "Circular transition",
        "Support for a low-carbon, resource-efficient economy that protects forests, \
rivers and biodiversity. Actions link public and private investment to climate \
commitments and help communities earn a living from sustainable activities.",
    ),
    (
        "Human development and social inclusion",
        "Work to narrow inequalities by improving the quality of education, health care \
and social protection. Particular attention goes to women, children, indigenous \
peoples and migrants, and to inclusive dialogue on how reforms are financed.",
    ),
    (
        "Governance and rule of law",
        "Help for institutions to become more stable, accountable and trusted. \
Cooperation backs electoral reform, human rights and the fight against \
corruption and organised crime, in line with observation mission advice.",
    ),
];

/// The four Peru documents of the reference page.
pub struct FixedDocument {
    pub title: &'static str,
    pub published_on: &'static str,
    pub format: &'static str,
    pub size_bytes: i64,
    pub countries: &'static [&'static str],
    pub programme: Option<&'static str>,
}

pub const PERU_DOCS: [FixedDocument; 4] = [
    FixedDocument {
        title: "Multiannual Indicative Programme 2021-2027 for Peru - annex",
        published_on: "2022-03-08",
        format: "PDF",
        size_bytes: 421_002,
        countries: &["PE"],
        programme: Some(PERU_MIP_SLUG),
    },
    FixedDocument {
        title: "Annual action plan 2022 for Peru",
        published_on: "2022-11-07",
        format: "ZIP",
        size_bytes: 1_541_406,
        countries: &["PE"],
        programme: Some("annual-action-plan-2022-peru"),
    },
    FixedDocument {
        title: "Support measure (Cooperation Facility) 2022 for Bolivia, Colombia, Ecuador, \
Paraguay and Peru",
        published_on: "2022-05-17",
        format: "ZIP",
        size_bytes: 576_727,
        countries: &["BO", "CO", "EC", "PY", "PE"],
        programme: Some(ANDEAN_SM_SLUG),
    },
    FixedDocument {
        title: "Multiannual indicative programme (mip) 2014-2017 Peru",
        published_on: "2022-03-08",
        format: "PDF",
        size_bytes: 292_000,
        countries: &["PE"],
        programme: None,
    },
];
