//! The layers of `api/src` point one way: every path a file names
//! (`crate::...`, `super::...`, `$crate::...`, grouped or not) leads to a file
//! of its own layer or of one below, and the layers under the GraphQL
//! adapters never name async-graphql. ARCHITECTURE.md draws the same table;
//! a file that no row names fails here, so a new file is placed on purpose.
//! Test code (`#[cfg(test)]` and below) may reach anywhere.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom first: (name, the files and folders in it). A file's
/// layer is the row with its longest matching entry. `<domain>` is any
/// top-level folder holding a `content.rs`: a content type's folder, whose
/// definition is model and whose GraphQL is a type.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &["error.rs", "config.rs", "bounded.rs", "traffic.rs"],
    ),
    ("storage", &["db.rs"]),
    ("model", &["content/", "catalog.rs", "<domain>/content.rs"]),
    (
        "services",
        &[
            "auth/",
            "audit.rs",
            "persisted.rs",
            "response_cache.rs",
            "invalidation.rs",
            "query/",
            "files/",
        ],
    ),
    ("state", &["state.rs"]),
    ("adapters", &["gql/"]),
    (
        "types",
        &["<domain>/", "nodes.rs", "search/", "users/", "workflow/"],
    ),
    ("schema", &["graphql/"]),
    ("tools", &["import/", "generate/"]),
    ("http", &["http/"]),
    ("server", &["server.rs"]),
    ("cli", &["cli.rs", "lib.rs", "main.rs"]),
];

/// Layers below this one name no GraphQL crate: the model stands apart.
const FIRST_GRAPHQL_LAYER: &str = "services";

fn layer_of(file: &str, domains: &BTreeSet<String>) -> Option<usize> {
    // A domain's files match `<domain>/...` entries (as long as the real ones).
    let generic = file
        .split_once('/')
        .filter(|(dir, _)| domains.contains(*dir))
        .map(|(dir, rest)| (dir.len(), format!("<domain>/{rest}")));
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, entries))| entries.iter().map(move |e| (i, *e)))
        .filter_map(|(i, e)| {
            let (name, bonus) = match (&generic, e.starts_with("<domain>/")) {
                (Some((dir, name)), true) => (name.as_str(), dir.saturating_sub(8)),
                (None, true) => return None,
                (_, false) => (file, 0),
            };
            let hit = if e.ends_with('/') {
                name.starts_with(e)
            } else {
                name == e
            };
            hit.then_some((i, e.len() + bonus))
        })
        .max_by_key(|(_, len)| *len)
        .map(|(i, _)| i)
}

/// The top-level folders holding a `content.rs`: the content types' folders.
fn domains(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    files
        .keys()
        .filter_map(|f| f.strip_suffix("/content.rs"))
        .filter(|dir| !dir.contains('/'))
        .map(str::to_string)
        .collect()
}

/// The module path of a file: `countries/content.rs` is `countries::content`,
/// `countries/mod.rs` is `countries`, `lib.rs` is the crate.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The segments of a path at the start of `text`, and the text after it.
fn segments(text: &str) -> (Vec<String>, &str) {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let len = rest.find(|c: char| !ident_char(c)).unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        out.push(rest[..len].to_string());
        rest = &rest[len..];
        match rest.strip_prefix("::") {
            Some(r) if r.starts_with(|c: char| ident_char(c)) => rest = r,
            _ => break,
        }
    }
    (out, rest)
}

/// The items of a `{a, b::c, d::{e, f}}` group (its first level), each as
/// the segments it starts with.
fn group(text: &str) -> Vec<Vec<String>> {
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                let (segs, _) = segments(text[start..i].trim_start());
                if !segs.is_empty() {
                    items.push(segs);
                }
                start = i + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    items
}

/// Every absolute module path a line of `file` names.
fn paths_named(file: &str, line: &str) -> Vec<Vec<String>> {
    let here = module_of(file);
    let mut out = Vec::new();
    for (at, _) in line
        .match_indices("crate::")
        .chain(line.match_indices("super::"))
    {
        if line[..at].ends_with(ident_char) {
            continue;
        }
        let mut base = Vec::new();
        let mut rest = &line[at..];
        if let Some(r) = rest.strip_prefix("crate::") {
            rest = r;
        } else {
            base = here.clone();
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
        }
        let (segs, after) = segments(rest);
        let grouped = if segs.is_empty() {
            Some(rest)
        } else {
            after.strip_prefix("::")
        };
        let mut prefix = base.clone();
        prefix.extend(segs);
        match grouped {
            Some(g) if g.starts_with('{') => {
                for item in group(g) {
                    let mut p = prefix.clone();
                    p.extend(item);
                    out.push(p);
                }
            }
            _ => out.push(prefix),
        }
    }
    out
}

/// The file a module path leads to: the longest prefix that is a file, or the
/// file defining the exported macro a crate-root path names.
fn target(
    path: &[String],
    files: &BTreeSet<String>,
    macros: &BTreeMap<String, String>,
) -> Option<String> {
    for k in (1..=path.len()).rev() {
        let stem = path[..k].join("/");
        for candidate in [format!("{stem}.rs"), format!("{stem}/mod.rs")] {
            if files.contains(&candidate) {
                return Some(candidate);
            }
        }
    }
    path.first().and_then(|name| macros.get(name).cloned())
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).expect("api/src is readable");
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root)
                .expect("under api/src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("a source file is text");
            out.insert(name, text);
        }
    }
}

/// The lines of a file that are code: up to its tests, without comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l))
}

#[test]
fn every_import_of_api_src_points_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 50, "the sources were found: {}", files.len());
    let names: BTreeSet<String> = files.keys().cloned().collect();
    let domains = domains(&files);
    assert!(domains.contains("countries"), "{domains:?}");
    let mut macros = BTreeMap::new();
    for (file, text) in &files {
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("macro_rules! ") {
                let (segs, _) = segments(rest);
                if let Some(name) = segs.first() {
                    macros.insert(name.clone(), file.clone());
                }
            }
        }
    }
    let graphql_from = LAYERS
        .iter()
        .position(|(name, _)| *name == FIRST_GRAPHQL_LAYER)
        .expect("the layer exists");
    let mut wrong = Vec::new();
    for (file, text) in &files {
        let Some(layer) = layer_of(file, &domains) else {
            wrong.push(format!("{file}: in no layer of tests/api/layers.rs"));
            continue;
        };
        for (n, line) in code_lines(text) {
            if layer < graphql_from && line.contains("async_graphql") {
                wrong.push(format!(
                    "{file}:{n}: names async-graphql below the {FIRST_GRAPHQL_LAYER} layer"
                ));
            }
            for path in paths_named(file, line) {
                let Some(to) = target(&path, &names, &macros) else {
                    wrong.push(format!("{file}:{n}: {} leads to no file", path.join("::")));
                    continue;
                };
                let Some(to_layer) = layer_of(&to, &domains) else {
                    continue;
                };
                if to_layer > layer {
                    wrong.push(format!(
                        "{file}:{n} ({}) names {to} ({}): an upward import",
                        LAYERS[layer].0, LAYERS[to_layer].0
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_path_reader_sees_groups_supers_and_macros() {
    let paths = paths_named(
        "countries/input.rs",
        "use super::{content::CountryData, Country}; use crate::gql::input::{set, ContentInput};",
    );
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        [
            "gql::input::set",
            "gql::input::ContentInput",
            "countries::content::CountryData",
            "countries::Country",
        ]
    );
    let nested = paths_named("gql/mod.rs", "$crate::content::snapshot::overlay::<$data>");
    assert_eq!(nested, [vec!["content", "snapshot", "overlay"]]);
    let domains = BTreeSet::from(["countries".to_string()]);
    assert_eq!(
        layer_of("countries/content.rs", &domains),
        layer_of("catalog.rs", &domains)
    );
    assert!(layer_of("countries/mod.rs", &domains) > layer_of("gql/connection.rs", &domains));
    assert!(layer_of("content/list.rs", &domains) < layer_of("gql/connection.rs", &domains));
    assert_eq!(layer_of("elsewhere/mod.rs", &domains), None);
}
