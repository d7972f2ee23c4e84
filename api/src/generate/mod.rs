//! `cms generate`: a synthetic dataset in the import format, for benchmarks and
//! demos at any size. The same scale and seed always give the same bytes: one seeded
//! ChaCha stream, no clock, and nothing iterated in hash order.
//!
//! Scale 1 is 6 regions, 120 countries (20 per region), 5 programmes per country
//! (a MIP, three annual action plans and a support measure, a fifth of which span
//! 3 to 5 countries of one region), 3 priority areas per programme and 8,000
//! documents (1 to 5 countries each, most of them one; three in five belong to a
//! programme, and a document of a multi-country programme carries its countries).
//! `--scale N` multiplies countries, programmes and documents by N. The reference
//! page is always there: Peru (PE) with Bolivia, Colombia, Ecuador and Paraguay,
//! the EUR 57 million MIP 2021-2024 with its three priority areas, the Andean
//! support measure and the four Peru documents. The shape is the one of the team's
//! reference generator, so figures measured on either compare.
mod vocab;

use crate::import::format::{CountryIn, Dataset, DocumentIn, ProgrammeIn, RegionIn, TextBlockIn};
use chrono::{Datelike, NaiveDate};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};
use vocab::*;

const COUNTRIES_PER_REGION: usize = 20;
const DOCUMENTS_PER_SCALE: usize = 8000;
const PRIORITY_AREAS_PER_PROGRAMME: usize = 3;
const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2014, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2024, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};
/// The largest scale: 1,296 two-character ISO codes are enough for scale 10.
pub const MAX_SCALE: usize = 10;

pub use crate::config::DEFAULT_SEED;

/// What a generated dataset holds, for the line `cms generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub regions: usize,
    pub countries: usize,
    pub programmes: usize,
    pub multi_country_programmes: usize,
    pub priority_areas: usize,
    pub documents: usize,
    pub document_country_links: usize,
}

impl Totals {
    pub fn of(data: &Dataset) -> Self {
        Self {
            regions: data.regions.len(),
            countries: data.countries.len(),
            programmes: data.programmes.len(),
            multi_country_programmes: data
                .programmes
                .iter()
                .filter(|p| p.countries.len() > 1)
                .count(),
            priority_areas: data.programmes.iter().map(|p| p.priority_areas.len()).sum(),
            documents: data.documents.len(),
            document_country_links: data.documents.iter().map(|d| d.countries.len()).sum(),
        }
    }
}

/// The dataset for `scale` (1 to [`MAX_SCALE`]) and `seed`.
pub fn generate(scale: usize, seed: u64) -> Dataset {
    let mut gen = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        country_slugs: HashSet::new(),
        doc_slugs: HashMap::new(),
    };
    let scale = scale.clamp(1, MAX_SCALE);
    let countries = gen.countries(scale);
    let world = World::new(&countries);
    let programmes = gen.programmes(&world);
    let documents = gen.documents(scale, &world, &programmes);
    Dataset {
        regions: REGIONS
            .iter()
            .map(|(slug, name)| RegionIn {
                slug: slug.to_string(),
                name: name.to_string(),
                ..Default::default()
            })
            .collect(),
        countries,
        programmes: programmes.into_iter().map(|p| p.programme).collect(),
        documents,
    }
}

/// A programme and the indices of its countries, while documents are drawn.
struct Drawn {
    programme: ProgrammeIn,
    countries: Vec<usize>,
}

struct Generator {
    rng: ChaCha8Rng,
    country_slugs: HashSet<String>,
    doc_slugs: HashMap<String, usize>,
}

impl Generator {
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items.choose(&mut self.rng).copied().unwrap_or_default()
    }

    /// One of `items`, drawn with `weights`.
    fn weighted<T: Copy>(&mut self, items: &[T], weights: &[u32]) -> T {
        let total: u32 = weights.iter().sum();
        let mut ticket = self.rng.random_range(0..total.max(1));
        for (item, weight) in items.iter().zip(weights) {
            if ticket < *weight {
                return *item;
            }
            ticket -= weight;
        }
        items[0]
    }

    /// `k` distinct items of `items`, in random order.
    fn sample<T: Copy>(&mut self, items: &[T], k: usize) -> Vec<T> {
        rand::seq::index::sample(&mut self.rng, items.len(), k.min(items.len()))
            .into_iter()
            .map(|i| items[i])
            .collect()
    }

    /// A template with its `{name}` slots filled: `values` first, then random words.
    fn fill(&mut self, template: &str, values: &[(&str, &str)]) -> String {
        let themes = self.sample(THEMES, 2);
        let random = [
            ("adj", self.pick(ADJ).to_string()),
            ("sector", self.pick(SECTORS).to_string()),
            ("service", self.pick(SERVICES).to_string()),
            ("actors", self.pick(ACTORS).to_string()),
            ("verb", self.pick(VERBS).to_string()),
            ("outcome", self.pick(OUTCOMES).to_string()),
            ("theme1", themes[0].to_lowercase()),
            ("theme2", themes[1].to_lowercase()),
        ];
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let key = &rest[open + 1..open + close];
            let value = values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .or_else(|| {
                    random
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.as_str())
                })
                .unwrap_or_default();
            out.push_str(value);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        capitalise(&out)
    }

    fn sentences(&mut self, templates: &[&str], k: usize, values: &[(&str, &str)]) -> String {
        let chosen = self.sample(templates, k);
        let filled: Vec<String> = chosen.iter().map(|t| self.fill(t, values)).collect();
        filled.join(" ")
    }

    fn country_name(&mut self) -> (String, String) {
        loop {
            let mut name = self.pick(SYL_START).to_string();
            if self.rng.random::<f64>() < 0.6 {
                name.push_str(self.pick(SYL_MID));
            }
            name.push_str(self.pick(SYL_END));
            if self.rng.random::<f64>() < 0.06 {
                name.push_str(" Islands");
            }
            let slug = slugify(&name);
            if self.country_slugs.insert(slug.clone()) {
                return (name, slug);
            }
        }
    }

    fn countries(&mut self, scale: usize) -> Vec<CountryIn> {
        let per_region = COUNTRIES_PER_REGION * scale;
        let synthetic = REGIONS.len() * per_region - REAL_COUNTRIES.len();
        let mut codes = self.iso_codes(synthetic).into_iter();
        for (slug, _, _) in REAL_COUNTRIES {
            self.country_slugs.insert(slug.to_string());
        }
        let mut countries = Vec::with_capacity(REGIONS.len() * per_region);
        for (region, _) in REGIONS {
            let mut real = 0;
            if region == LATAM {
                for (slug, name, iso2) in REAL_COUNTRIES {
                    let summary = if slug == "peru" {
                        PERU_SUMMARY.to_string()
                    } else {
                        self.sentences(SUMMARY_TEMPLATES, 4, &[("name", name)])
                    };
                    countries.push(country(slug, name, iso2, region, summary));
                }
                real = REAL_COUNTRIES.len();
            }
            for _ in real..per_region {
                let (name, slug) = self.country_name();
                let iso2 = codes.next().unwrap_or_default();
                let summary = self.sentences(SUMMARY_TEMPLATES, 4, &[("name", &name)]);
                countries.push(country(&slug, &name, &iso2, region, summary));
            }
        }
        countries
    }

    /// `count` distinct codes none of the real countries has: letter pairs first,
    /// then letter/digit pairs and digit pairs (1,291 besides the real ones, enough
    /// for [`MAX_SCALE`])
    fn iso_codes(&mut self, count: usize) -> Vec<String> {
        const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const DIGITS: &[u8] = b"0123456789";
        let pairs = |a: &[u8], b: &[u8]| -> Vec<String> {
            a.iter()
                .flat_map(|x| {
                    b.iter()
                        .map(move |y| format!("{}{}", *x as char, *y as char))
                })
                .collect()
        };
        let mut letter_digit = pairs(LETTERS, DIGITS);
        letter_digit.extend(pairs(DIGITS, LETTERS));
        let mut codes = Vec::with_capacity(count);
        for mut group in [pairs(LETTERS, LETTERS), letter_digit, pairs(DIGITS, DIGITS)] {
            group.shuffle(&mut self.rng);
            codes.extend(
                group
                    .into_iter()
                    .filter(|c| !REAL_COUNTRIES.iter().any(|(_, _, iso)| iso == c)),
            );
        }
        codes.truncate(count);
        codes
    }

    fn budget(&mut self, programme_kind: &str) -> String {
        let (lo, hi) = match programme_kind {
            "MIP" => (20, 400),
            "ANNUAL_ACTION_PLAN" => (5, 90),
            _ => (1, 15),
        };
        // Multiples of EUR 100,000.
        let units: u64 = self.rng.random_range(lo * 10..=hi * 10);
        format!("{}.00", units * 100_000)
    }

    fn priority_areas(&mut self) -> Vec<TextBlockIn> {
        let titles = self.sample(THEMES, PRIORITY_AREAS_PER_PROGRAMME);
        titles
            .into_iter()
            .map(|title| {
                let theme = title.to_lowercase();
                TextBlockIn {
                    title: title.to_string(),
                    body: self.sentences(BODY_TEMPLATES, 3, &[("theme", &theme)]),
                    translations: None,
                }
            })
            .collect()
    }

    fn programme(&mut self, spec: ProgrammeSpec, countries: &[CountryIn]) -> Drawn {
        let priority_areas = spec.priority_areas.unwrap_or_else(|| self.priority_areas());
        let budget = spec
            .budget
            .unwrap_or_else(|| self.budget(spec.programme_kind));
        Drawn {
            programme: ProgrammeIn {
                slug: spec.slug,
                title: spec.title,
                programme_kind: spec.programme_kind.to_string(),
                countries: spec
                    .countries
                    .iter()
                    .map(|&i| countries[i].iso2.clone())
                    .collect(),
                period_start: spec.period.0,
                period_end: spec.period.1,
                budget_eur: Some(budget),
                priority_areas,
                ..Default::default()
            },
            countries: spec.countries,
        }
    }

    fn programmes(&mut self, world: &World) -> Vec<Drawn> {
        let mut programmes = Vec::with_capacity(world.countries.len() * 5);
        for i in 0..world.countries.len() {
            let mip = self.mip(world, i);
            programmes.push(self.programme(mip, world.countries));
            for plan in self.annual_plans(world, i) {
                programmes.push(self.programme(plan, world.countries));
            }
            let measure = self.support_measure(world, i);
            programmes.push(self.programme(measure, world.countries));
        }
        programmes
    }

    /// The country's multiannual indicative programme (Peru's is the real one).
    fn mip(&mut self, world: &World, i: usize) -> ProgrammeSpec {
        let c = &world.countries[i];
        if c.slug == "peru" {
            let areas = PERU_MIP_AREAS
                .iter()
                .map(|(title, body)| TextBlockIn {
                    title: title.to_string(),
                    body: body.to_string(),
                    translations: None,
                })
                .collect();
            return ProgrammeSpec {
                budget: Some("57000000.00".to_string()),
                priority_areas: Some(areas),
                ..ProgrammeSpec::new(
                    PERU_MIP_SLUG.to_string(),
                    "Multiannual Indicative Programme 2021-2024 for Peru".to_string(),
                    "MIP",
                    vec![i],
                    (2021, 2024),
                )
            };
        }
        let end = *[2024, 2027].choose(&mut self.rng).unwrap_or(&2024);
        ProgrammeSpec::new(
            format!("mip-2021-{end}-{}", c.slug),
            format!("Multiannual Indicative Programme 2021-{end} for {}", c.name),
            "MIP",
            vec![i],
            (2021, end),
        )
    }

    /// Three annual action plans in distinct years (Peru's include 2022).
    fn annual_plans(&mut self, world: &World, i: usize) -> Vec<ProgrammeSpec> {
        let c = &world.countries[i];
        let mut years = self.sample(&[2021, 2022, 2023, 2024, 2025], 3);
        years.sort_unstable();
        if c.slug == "peru" && !years.contains(&2022) {
            years[0] = 2022;
            years.sort_unstable();
        }
        years
            .into_iter()
            .map(|y| {
                ProgrammeSpec::new(
                    format!("annual-action-plan-{y}-{}", c.slug),
                    format!("Annual action plan {y} for {}", c.name),
                    "ANNUAL_ACTION_PLAN",
                    vec![i],
                    (y, y),
                )
            })
            .collect()
    }

    /// One support measure; a fifth of them span 3 to 5 countries of the region
    /// (Peru's is the Andean one).
    fn support_measure(&mut self, world: &World, i: usize) -> ProgrammeSpec {
        let c = &world.countries[i];
        let y = self.rng.random_range(2021..=2025);
        if c.slug == "peru" {
            return ProgrammeSpec::new(
                ANDEAN_SM_SLUG.to_string(),
                "Support measure (Cooperation Facility) 2022 for Bolivia, Colombia, \
Ecuador, Paraguay and Peru"
                    .to_string(),
                "SUPPORT_MEASURE",
                ["PE", "BO", "CO", "EC", "PY"]
                    .iter()
                    .filter_map(|iso| world.countries.iter().position(|c| c.iso2 == *iso))
                    .collect(),
                (2022, 2022),
            );
        }
        if self.rng.random::<f64>() < 0.2 {
            let others = world.neighbours(i);
            let k = self.rng.random_range(2..=4);
            let mut members = vec![i];
            members.extend(self.sample(&others, k));
            let names: Vec<&str> = members
                .iter()
                .map(|&m| world.countries[m].name.as_str())
                .collect();
            return ProgrammeSpec::new(
                format!("support-measure-cooperation-facility-{y}-{}", c.slug),
                format!(
                    "Support measure (Cooperation Facility) {y} for {}",
                    join_names(&names)
                ),
                "SUPPORT_MEASURE",
                members,
                (y, y),
            );
        }
        ProgrammeSpec::new(
            format!("support-measure-{y}-{}", c.slug),
            format!("Support measure {y} for {}", c.name),
            "SUPPORT_MEASURE",
            vec![i],
            (y, y),
        )
    }

    fn unique_doc_slug(&mut self, title: &str) -> String {
        let base = slugify(title);
        let seen = self.doc_slugs.entry(base.clone()).or_insert(0);
        *seen += 1;
        if *seen == 1 {
            base
        } else {
            format!("{base}-{seen}")
        }
    }

    fn date_between(&mut self, start: NaiveDate, end: NaiveDate) -> NaiveDate {
        let days = (end - start).num_days().max(0);
        start + chrono::Duration::days(self.rng.random_range(0..=days))
    }

    fn documents(&mut self, scale: usize, world: &World, programmes: &[Drawn]) -> Vec<DocumentIn> {
        let total = DOCUMENTS_PER_SCALE * scale;
        let mut documents = Vec::with_capacity(total);
        for fixed in &PERU_DOCS {
            documents.push(DocumentIn {
                slug: self.unique_doc_slug(fixed.title),
                title: fixed.title.to_string(),
                published_on: fixed.published_on.to_string(),
                language: "en".to_string(),
                format: fixed.format.to_string(),
                size_bytes: fixed.size_bytes,
                countries: fixed.countries.iter().map(|c| c.to_string()).collect(),
                programme: fixed.programme.map(str::to_string),
                ..Default::default()
            });
        }
        let mut of_country: Vec<Vec<usize>> = vec![Vec::new(); world.countries.len()];
        for (p, drawn) in programmes.iter().enumerate() {
            for &c in &drawn.countries {
                of_country[c].push(p);
            }
        }
        while documents.len() < total {
            let c = self.rng.random_range(0..world.countries.len().max(1));
            let document = self.document(world, c, programmes, &of_country[c]);
            documents.push(document);
        }
        documents
    }

    /// One synthetic document about country `c` and some of its neighbours; three in
    /// five belong to one of `c`'s programmes (and then carry a multi-country
    /// programme's countries).
    fn document(
        &mut self,
        world: &World,
        c: usize,
        programmes: &[Drawn],
        of_country: &[usize],
    ) -> DocumentIn {
        let k = self.weighted(DOC_COUNTRY_COUNT.0, DOC_COUNTRY_COUNT.1);
        let others = world.neighbours(c);
        let mut about = vec![c];
        about.extend(self.sample(&others, k - 1));
        let (title, published, programme) = match of_country.choose(&mut self.rng) {
            Some(&p) if self.rng.random::<f64>() < 0.6 => {
                let drawn = &programmes[p];
                if drawn.countries.len() > 1 {
                    about = drawn.countries.clone();
                }
                let (title, published) = self.programme_document(&drawn.programme);
                (title, published, Some(drawn.programme.slug.clone()))
            }
            _ => {
                let names: Vec<&str> = about
                    .iter()
                    .map(|&i| world.countries[i].name.as_str())
                    .collect();
                let (title, published) = self.loose_document(&join_names(&names));
                (title, published, None)
            }
        };
        let region = world.countries[c].region.as_str();
        let (languages, weights) = vocab::languages(region);
        let format = self.weighted(FORMATS.0, FORMATS.1);
        let (lo, hi) = size_range(format);
        let size = (lo * (hi / lo).powf(self.rng.random::<f64>())) as i64;
        let language = self.weighted(languages, weights);
        DocumentIn {
            slug: self.unique_doc_slug(&title),
            title,
            published_on: published.format("%Y-%m-%d").to_string(),
            language: language.to_string(),
            format: format.to_string(),
            size_bytes: size,
            countries: about
                .iter()
                .map(|&i| world.countries[i].iso2.clone())
                .collect(),
            programme,
            ..Default::default()
        }
    }

    /// Title and date of a programme's document: within a year of its period.
    fn programme_document(&mut self, prog: &ProgrammeIn) -> (String, NaiveDate) {
        let title_l = lower_first(&prog.title);
        let n = self.rng.random_range(1..=6).to_string();
        let template = self.pick(PROG_DOC_TEMPLATES);
        let title = self.fill(
            template,
            &[("title", &prog.title), ("title_l", &title_l), ("n", &n)],
        );
        let start = date(prog.period_start - 1, 1, 1);
        let end = date(prog.period_end + 1, 12, 31).min(LAST_DAY);
        (title, self.date_between(start, end))
    }

    /// Title and date of a document outside any programme, about `names`.
    fn loose_document(&mut self, names: &str) -> (String, NaiveDate) {
        let theme = self.pick(THEMES);
        let published = self.date_between(FIRST_DAY, LAST_DAY);
        let theme_l = theme.to_lowercase();
        let year = published.year().to_string();
        let year2 = (published.year() + 3).to_string();
        let template = self.pick(DOC_TEMPLATES);
        let title = self.fill(
            template,
            &[
                ("theme", theme),
                ("theme_l", &theme_l),
                ("names", names),
                ("year", &year),
                ("year2", &year2),
            ],
        );
        (title, published)
    }
}

/// The countries, and which of them share a region.
struct World<'a> {
    countries: &'a [CountryIn],
    by_region: HashMap<&'a str, Vec<usize>>,
}

impl<'a> World<'a> {
    fn new(countries: &'a [CountryIn]) -> Self {
        let mut by_region: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in countries.iter().enumerate() {
            by_region.entry(c.region.as_str()).or_default().push(i);
        }
        Self {
            countries,
            by_region,
        }
    }

    /// The other countries of country `i`'s region, in order.
    fn neighbours(&self, i: usize) -> Vec<usize> {
        let region = self.countries[i].region.as_str();
        self.by_region
            .get(region)
            .map(|all| all.iter().copied().filter(|&o| o != i).collect())
            .unwrap_or_default()
    }
}

/// A programme before its random parts (budget, priority areas) are drawn.
struct ProgrammeSpec {
    slug: String,
    title: String,
    programme_kind: &'static str,
    countries: Vec<usize>,
    period: (i32, i32),
    budget: Option<String>,
    priority_areas: Option<Vec<TextBlockIn>>,
}

impl ProgrammeSpec {
    fn new(
        slug: String,
        title: String,
        programme_kind: &'static str,
        countries: Vec<usize>,
        period: (i32, i32),
    ) -> Self {
        Self {
            slug,
            title,
            programme_kind,
            countries,
            period,
            budget: None,
            priority_areas: None,
        }
    }
}

fn country(slug: &str, name: &str, iso2: &str, region: &str, summary: String) -> CountryIn {
    CountryIn {
        slug: slug.to_string(),
        name: name.to_string(),
        iso2: iso2.to_string(),
        region: region.to_string(),
        summary: Some(summary),
        ..Default::default()
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "A", "A and B", "A, B and C".
fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A URL slug of `text`: accents dropped, ASCII letters and digits kept, every other
/// run of characters one hyphen, at most 120 characters.
fn slugify(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::with_capacity(text.len());
    let mut gap = false;
    for ch in text.nfkd().filter(char::is_ascii) {
        if ch.is_ascii_alphanumeric() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(ch.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    slug.truncate(120);
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_drop_accents_and_punctuation() {
        assert_eq!(slugify("Loésia Islands"), "loesia-islands");
        assert_eq!(
            slugify("Country report 2020: Health systems in A, B and C"),
            "country-report-2020-health-systems-in-a-b-and-c"
        );
        assert_eq!(slugify("(x)"), "x");
    }

    #[test]
    fn names_are_joined_as_in_prose() {
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }
}
