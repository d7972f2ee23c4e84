//! Query limits and error codes, checked outside async-graphql's executor (an
//! installed extension would send every field through its slow path). A
//! document's size is measured once, when it is parsed, with every fragment
//! spread counted where it is spread (field selections, aliases, directives,
//! depth), each fragment measured only once so that a fragment bomb costs
//! nothing to refuse; validation's complexity (page sizes as multipliers) is
//! async-graphql's own limit. Every breach is QUERY_TOO_COMPLEX, a response
//! carries at most `max_errors` errors, and every error leaving the schema has
//! an `extensions.code` ([`QueryLimits::finish`]).
use crate::config::Config;
use crate::error::code;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, Value};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    /// Deepest nesting of introspection (`__schema`, `__type`) subtrees.
    pub max_introspection_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    /// Field selections per document, every spread of a fragment counted.
    pub max_fields: usize,
    /// Directives in a document, every spread counted.
    pub max_directives: usize,
    /// Directives on one field, fragment spread or inline fragment.
    pub max_directives_per_field: usize,
    /// Variable definitions in a document.
    pub max_variables: usize,
    /// Arguments on one field or directive.
    pub max_arguments_per_field: usize,
    /// Errors in one response; the rest are summed up in a last one.
    pub max_errors: usize,
}

impl QueryLimits {
    pub fn of(config: &Config) -> QueryLimits {
        QueryLimits {
            max_depth: config.max_depth,
            max_introspection_depth: config.max_introspection_depth,
            max_complexity: config.max_complexity,
            max_aliases: config.max_aliases,
            max_fields: config.max_fields,
            max_directives: config.max_directives,
            max_directives_per_field: config.max_directives_per_field,
            max_variables: config.max_variables,
            max_arguments_per_field: config.max_arguments_per_field,
            max_errors: config.max_errors,
        }
    }
}

pub(crate) fn coded(mut err: ServerError, code: &str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

fn too_complex(message: String) -> ServerError {
    coded(ServerError::new(message, None), code::QUERY_TOO_COMPLEX)
}

/// What a selection set amounts to once every fragment spread is expanded in
/// place: the sizes the limits are about. Counts saturate, so a fragment bomb
/// (fragments spreading fragments, doubling at each level) is measured without
/// being walked: each fragment is measured once and its spreads reuse that.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Field selections.
    pub fields: u64,
    /// Aliased fields.
    pub aliases: u64,
    /// Directives on fields, spreads and inline fragments.
    pub directives: u64,
    /// Most directives on one field, spread or inline fragment.
    pub widest: u64,
    /// Most arguments on one field or directive (each unknown one is an error
    /// of its own: 50,000 of them took 50 MB to refuse).
    pub most_arguments: u64,
    /// Deepest field nesting (a field counts 1; fragments add nothing, as in
    /// async-graphql's own depth), outside introspection.
    pub depth: u64,
    /// Deepest nesting below `__schema` and `__type`, counted from the query's
    /// root: introspection queries nest `ofType` about ten deep by design, so
    /// they have a limit of their own.
    pub introspection_depth: u64,
    /// The document selects `__schema` or `__type`.
    pub introspects: bool,
    /// Selection sets nest deeper than [`MAX_NESTING`], spreads included.
    pub too_deep: bool,
    /// Fragment definitions no operation spreads (directly or through other
    /// fragments). Validation would walk them unmeasured, so they are refused
    /// first (the spec's "Fragments Must Be Used").
    pub unused_fragments: u64,
    /// Selections written in the document, each fragment once (its size in
    /// syntax-tree nodes, what the document cache charges).
    pub nodes: u64,
    /// Variable definitions, all operations together.
    pub variables: u64,
}

impl Shape {
    fn add(&mut self, other: Shape) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.widest = self.widest.max(other.widest);
        self.most_arguments = self.most_arguments.max(other.most_arguments);
        self.depth = self.depth.max(other.depth);
        self.introspection_depth = self.introspection_depth.max(other.introspection_depth);
        self.introspects |= other.introspects;
    }

    /// Notes the arguments of directives.
    fn arguments(
        &mut self,
        directives: &[async_graphql::Positioned<async_graphql::parser::types::Directive>],
    ) {
        for d in directives {
            self.most_arguments = self.most_arguments.max(d.node.arguments.len() as u64);
        }
    }

    fn directives(&mut self, n: usize) {
        let n = n as u64;
        self.directives = self.directives.saturating_add(n);
        self.widest = self.widest.max(n);
    }
}

struct Measure<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Shape>,
    /// Fragments being measured: a spread of one of them is a cycle (refused by
    /// validation later) and counts as nothing here.
    open: HashSet<&'a str>,
    /// Selection sets entered and not yet left, through fields, inline fragments
    /// and fragment spreads alike: the walk's own recursion depth.
    level: usize,
    /// The document nests deeper than [`MAX_NESTING`]: refused without walking on
    /// (a chain of fragments each spreading the next is flat text, so the
    /// parser's own nesting limit does not bound it).
    too_deep: bool,
    /// Selections walked: each selection set is walked once (fragments are
    /// measured once), so this is the document's own size.
    nodes: u64,
}

/// Deepest nesting of selection sets, spreads included (async-graphql's own
/// recursion limit, set with `limit_recursive_depth`, is the same).
pub const MAX_NESTING: usize = 64;

/// Deepest nesting of brackets (`{`, `[`, `(`) a document's text may have:
/// selection sets and argument values together. The parser limits selection
/// sets but not values, and a list literal nested some thousands deep (ten
/// kilobytes of text) overflowed the stack of the validator's recursion.
pub const MAX_TEXT_NESTING: usize = 128;

/// Deepest nesting of `{`, `[` and `(` in a document's text outside strings and
/// comments, counted up to just past `limit` (one pass, no recursion). A text
/// that does not lex (an unterminated string) is the parser's to refuse.
pub fn text_nesting(text: &str, limit: usize) -> usize {
    let b = text.as_bytes();
    let (mut i, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                // A block string: up to the next """ that is not escaped (\""").
                i += 3;
                while i < b.len() {
                    if b[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if b[i..].starts_with(b"\"\"\"") {
                        i += 2;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > deepest {
                    deepest = depth;
                    if deepest > limit {
                        return deepest;
                    }
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

impl<'a> Measure<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Shape {
        if self.level >= MAX_NESTING {
            self.too_deep = true;
            return Shape::default();
        }
        self.level += 1;
        let shape = self.items(set);
        self.level -= 1;
        shape
    }

    fn items(&mut self, set: &'a SelectionSet) -> Shape {
        self.nodes = self.nodes.saturating_add(set.items.len() as u64);
        let mut shape = Shape::default();
        for sel in &set.items {
            if self.too_deep {
                break;
            }
            match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    shape.most_arguments = shape.most_arguments.max(f.arguments.len() as u64);
                    shape.arguments(&f.directives);
                    self.nodes = self.nodes.saturating_add(
                        f.arguments
                            .iter()
                            .map(|(_, v)| value_nodes(&v.node))
                            .fold(0u64, u64::saturating_add)
                            .saturating_add(directive_nodes(&f.directives)),
                    );
                    let mut inner = if f.selection_set.node.items.is_empty() {
                        Shape::default()
                    } else {
                        self.set(&f.selection_set.node)
                    };
                    inner.depth = inner.depth.saturating_add(1);
                    if inner.introspection_depth > 0 {
                        inner.introspection_depth = inner.introspection_depth.saturating_add(1);
                    }
                    if matches!(f.name.node.as_str(), "__schema" | "__type") {
                        inner.introspection_depth = inner.introspection_depth.max(inner.depth);
                        inner.introspects = true;
                        inner.depth = 1;
                    }
                    inner.fields = inner.fields.saturating_add(1);
                    inner.aliases = inner.aliases.saturating_add(u64::from(f.alias.is_some()));
                    inner.directives(f.directives.len());
                    shape.add(inner);
                }
                Selection::InlineFragment(f) => {
                    let mut inner = self.set(&f.node.selection_set.node);
                    inner.directives(f.node.directives.len());
                    inner.arguments(&f.node.directives);
                    shape.add(inner);
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(spread.node.fragment_name.node.as_str());
                    inner.directives(spread.node.directives.len());
                    inner.arguments(&spread.node.directives);
                    shape.add(inner);
                }
            }
        }
        shape
    }

    fn fragment(&mut self, name: &'a str) -> Shape {
        if let Some(shape) = self.fragments.get(name) {
            return *shape;
        }
        let Some((key, def)) = self.doc.fragments.get_key_value(name) else {
            return Shape::default();
        };
        let key = key.as_str();
        if !self.open.insert(key) {
            return Shape::default();
        }
        let mut shape = self.set(&def.node.selection_set.node);
        shape.directives(def.node.directives.len());
        self.open.remove(key);
        self.fragments.insert(key, shape);
        shape
    }
}

/// Syntax-tree nodes of an argument value: one per scalar, list and object
/// (walked without recursion: a value may nest as deep as the parser allows).
fn value_nodes(value: &async_graphql_value::Value) -> u64 {
    let mut n = 0u64;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        n = n.saturating_add(1);
        match v {
            async_graphql_value::Value::List(items) => stack.extend(items.iter()),
            async_graphql_value::Value::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
    n
}

/// Nodes of a list of directives: each, with its arguments' values.
fn directive_nodes(
    directives: &[async_graphql::Positioned<async_graphql::parser::types::Directive>],
) -> u64 {
    directives
        .iter()
        .map(|d| {
            d.node
                .arguments
                .iter()
                .map(|(_, v)| value_nodes(&v.node))
                .fold(1u64, u64::saturating_add)
        })
        .fold(0u64, u64::saturating_add)
}

/// The expanded shape of a whole document (all its operations).
pub fn measure(doc: &ExecutableDocument) -> Shape {
    let mut m = Measure {
        doc,
        fragments: HashMap::new(),
        open: HashSet::new(),
        level: 0,
        too_deep: false,
        nodes: 0,
    };
    let mut total = Shape::default();
    for (_, op) in doc.operations.iter() {
        m.nodes = m.nodes.saturating_add(directive_nodes(&op.node.directives));
        total.variables = total
            .variables
            .saturating_add(op.node.variable_definitions.len() as u64);
        for var in &op.node.variable_definitions {
            let default = var.node.default_value.as_ref();
            m.nodes = m.nodes.saturating_add(
                1 + default.map_or(0, |v| value_nodes(&v.node.clone().into_value())),
            );
        }
        let mut shape = m.set(&op.node.selection_set.node);
        shape.directives(op.node.directives.len());
        shape.arguments(&op.node.directives);
        for var in &op.node.variable_definitions {
            shape.directives(var.node.directives.len());
        }
        total.add(shape);
    }
    total.too_deep = m.too_deep;
    // Every fragment a walk reached is memoised (cycles included: the outer
    // measurement completes).
    total.unused_fragments = doc
        .fragments
        .keys()
        .filter(|name| !m.fragments.contains_key(name.as_str()))
        .count() as u64;
    total.nodes = m.nodes;
    total
}

impl QueryLimits {
    /// Refuses a document over any size limit, before async-graphql walks it
    /// (its own walks expand every spread, which a fragment bomb makes
    /// exponential).
    pub fn check_shape(&self, shape: Shape) -> ServerResult<()> {
        // `spread`: what fragments hold counts at every spread (all but variable
        // definitions, an operation's own).
        let over = |what: &str, n: u64, limit: usize, spread: bool| -> ServerResult<()> {
            if n <= limit as u64 {
                return Ok(());
            }
            let note = if spread {
                " (fragments count at every spread)"
            } else {
                ""
            };
            Err(too_complex(format!(
                "the query has {n} {what}, more than the limit of {limit}{note}"
            )))
        };
        if shape.too_deep {
            return Err(too_complex(format!(
                "the query nests selections (fragment spreads included) more than {MAX_NESTING} deep"
            )));
        }
        if shape.unused_fragments > 0 {
            return Err(coded(
                ServerError::new(
                    format!(
                        "the document defines {} fragment(s) that no operation ever spreads: remove them (every fragment must be used)",
                        shape.unused_fragments
                    ),
                    None,
                ),
                code::BAD_USER_INPUT,
            ));
        }
        over("field selections", shape.fields, self.max_fields, true)?;
        over(
            "arguments on one field or directive",
            shape.most_arguments,
            self.max_arguments_per_field,
            true,
        )?;
        over(
            "variable definitions",
            shape.variables,
            self.max_variables,
            false,
        )?;
        over("aliases", shape.aliases, self.max_aliases, true)?;
        over("directives", shape.directives, self.max_directives, true)?;
        over(
            "directives on one field",
            shape.widest,
            self.max_directives_per_field,
            true,
        )?;
        if shape.depth > self.max_depth as u64 {
            return Err(too_complex(format!(
                "the query is nested {} levels deep, more than the limit of {}",
                shape.depth, self.max_depth
            )));
        }
        if shape.introspection_depth > self.max_introspection_depth as u64 {
            return Err(too_complex(format!(
                "the introspection query is nested {} levels deep, more than the limit of {}",
                shape.introspection_depth, self.max_introspection_depth
            )));
        }
        Ok(())
    }

    /// The errors of a response as they leave the service: at most
    /// `max_errors` (a document crafted to fail everywhere must not return
    /// thousands), each with a code. Our resolvers always set one; what has none
    /// comes from the framework: its complexity and nesting limits
    /// (QUERY_TOO_COMPLEX), else parsing, validation or input coercion (a wrong
    /// argument or variable type: BAD_USER_INPUT).
    pub fn finish(&self, mut resp: Response) -> Response {
        let max = self.max_errors.max(1);
        if resp.errors.len() > max {
            let left = resp.errors.len() - (max - 1);
            resp.errors.truncate(max - 1);
            resp.errors.push(too_complex(format!(
                "{left} more errors were left out (at most {max} are reported)"
            )));
        }
        let failed = resp.data == Value::Null;
        for err in &mut resp.errors {
            cut(&mut err.message);
            let ext = err.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_some() {
                continue;
            }
            let limit = failed && framework_limit(&err.message);
            if limit && err.message == COMPLEXITY_MESSAGE {
                err.message = format!(
                    "the query's complexity is more than the limit of {} (large page sizes multiply the fields below them)",
                    self.max_complexity
                );
            }
            let ext = err.extensions.get_or_insert_with(Default::default);
            ext.set(
                "code",
                Value::from(if limit {
                    code::QUERY_TOO_COMPLEX
                } else {
                    code::BAD_USER_INPUT
                }),
            );
        }
        resp
    }
}

/// Longest error message sent, in bytes. Ours quote client values briefly
/// ([`crate::error::quoted`]); async-graphql's coercion errors repeat a wrong
/// value whole.
const MAX_MESSAGE_BYTES: usize = 1024;

/// Cuts a message after [`MAX_MESSAGE_BYTES`] (on a character boundary).
fn cut(message: &mut String) {
    if message.len() > MAX_MESSAGE_BYTES {
        let suffix = format!("... (message cut, {} bytes)", message.len());
        let mut end = MAX_MESSAGE_BYTES.saturating_sub(suffix.len());
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str(&suffix);
    }
}

/// What async-graphql says when a document passes its complexity limit.
const COMPLEXITY_MESSAGE: &str = "Query is too complex.";

/// Is this one of async-graphql's own limits (complexity, nesting in the
/// parser or after it)?
pub(crate) fn framework_limit(message: &str) -> bool {
    message == COMPLEXITY_MESSAGE || message.contains("recursion") || message.contains("too deep")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unused(doc: &str) -> u64 {
        let doc = async_graphql::parser::parse_query(doc).expect("parses");
        measure(&doc).unused_fragments
    }

    #[test]
    fn a_fragment_reached_any_way_counts_as_used() {
        // Through an inline fragment, from a second operation only, in a cycle
        // (validation's to refuse), behind @skip, through another fragment.
        for doc in [
            "{ ... on Query { ...A } } fragment A on Query { regions { slug } }",
            "query X { regions { slug } } query Y { ...A } fragment A on Query { regions { slug } }",
            "{ regions { ...A } } fragment A on Region { slug ...B } fragment B on Region { name ...A }",
            "{ ...A @skip(if: true) } fragment A on Query { regions { slug } }",
            "{ regions { ...A } } fragment A on Region { ...B } fragment B on Region { slug }",
        ] {
            assert_eq!(unused(doc), 0, "{doc}");
        }
        assert_eq!(
            unused("{ regions { slug } } fragment A on Query { ...B } fragment B on Query { regions { slug } }"),
            2
        );
    }

    #[test]
    fn text_nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(text_nesting("{ a(x: [[1]]) { b } }", 128), 4);
        assert_eq!(text_nesting(r#"{ a(x: "[[[[\"[[") }"#, 128), 2);
        assert_eq!(
            text_nesting("{ a(x: \"\"\"[[[ \\\"\"\" [[[\"\"\") }", 128),
            2
        );
        assert_eq!(text_nesting("{ a # [[[[[\n b }", 128), 1);
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(text_nesting(&deep, 128), 129, "stops just past the limit");
    }

    #[test]
    fn argument_values_and_variables_count_as_nodes() {
        let nodes =
            |doc: &str| measure(&async_graphql::parser::parse_query(doc).expect("parses")).nodes;
        let small = nodes("{ regions { slug } }");
        let list = format!("{{ regions(x: [{}]) {{ slug }} }}", "1,".repeat(1000));
        assert!(nodes(&list) >= small + 1000, "{}", nodes(&list));
        let vars: String = (0..500).map(|i| format!("$v{i}: Int = {i} ")).collect();
        let declared = format!("query({vars}) {{ regions {{ slug }} }}");
        assert!(nodes(&declared) >= small + 1000, "{}", nodes(&declared));
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let mut short = "invalid cursor".to_string();
        cut(&mut short);
        assert_eq!(short, "invalid cursor");
        // A two-byte character across the cut.
        let suffix = "... (message cut, 6025 bytes)";
        let keep = MAX_MESSAGE_BYTES - suffix.len();
        let mut long = format!("{}é{}", "x".repeat(keep - 1), "y".repeat(6025 - keep - 1));
        assert_eq!(long.len(), 6025);
        cut(&mut long);
        assert_eq!(long, format!("{}{suffix}", "x".repeat(keep - 1)));
        assert!(long.len() <= MAX_MESSAGE_BYTES, "{}", long.len());
    }
}
