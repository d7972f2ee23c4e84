//! The schema as graphql-js prints it. `cms schema` and `schema.graphql` are
//! `printSchema(buildClientSchema(introspection))` of graphql-js, computed here from
//! the schema's own answer to graphql-js's introspection query: the file is what
//! every graphql-js tool (GraphiQL, codegen, Rover) prints from the live server,
//! `@specifiedBy` and descriptions included. CI checks the two agree with graphql-js
//! itself (tests/contract).
use crate::error::{AppError, AppResult};
use serde::Deserialize;

/// graphql-js `getIntrospectionQuery()` with every option (`descriptions`,
/// `specifiedByUrl`, `directiveIsRepeatable`, `schemaDescription`,
/// `inputValueDeprecation`): what GraphiQL sends.
pub const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name } } } } } } } } }
}
"#;

/// The schema's SDL in graphql-js's print.
pub async fn sdl() -> AppResult<String> {
    let schema = super::builder().finish();
    let response = schema.execute(INTROSPECTION_QUERY).await;
    if let Some(error) = response.errors.first() {
        return Err(AppError::Internal(format!(
            "introspection failed: {}",
            error.message
        )));
    }
    let value = response.data.into_json()?;
    let introspection: Introspection = serde_json::from_value(value)?;
    Ok(print(&introspection.schema))
}

#[derive(Deserialize)]
struct Introspection {
    #[serde(rename = "__schema")]
    schema: SchemaDef,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaDef {
    description: Option<String>,
    query_type: Option<Named>,
    mutation_type: Option<Named>,
    subscription_type: Option<Named>,
    types: Vec<TypeDef>,
    directives: Vec<DirectiveDef>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeDef {
    kind: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "specifiedByURL")]
    specified_by_url: Option<String>,
    fields: Option<Vec<FieldDef>>,
    input_fields: Option<Vec<InputValueDef>>,
    interfaces: Option<Vec<TypeRef>>,
    enum_values: Option<Vec<EnumValueDef>>,
    possible_types: Option<Vec<TypeRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldDef {
    name: String,
    description: Option<String>,
    args: Vec<InputValueDef>,
    #[serde(rename = "type")]
    ty: TypeRef,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputValueDef {
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    ty: TypeRef,
    default_value: Option<String>,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnumValueDef {
    name: String,
    description: Option<String>,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeRef {
    kind: String,
    name: Option<String>,
    of_type: Option<Box<TypeRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectiveDef {
    name: String,
    description: Option<String>,
    #[serde(default)]
    is_repeatable: bool,
    locations: Vec<String>,
    args: Vec<InputValueDef>,
}

/// Directives and scalars every GraphQL schema has: graphql-js leaves them out.
const SPECIFIED_DIRECTIVES: [&str; 5] = ["include", "skip", "deprecated", "specifiedBy", "oneOf"];
const SPECIFIED_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
const DEFAULT_DEPRECATION_REASON: &str = "No longer supported";

fn print(schema: &SchemaDef) -> String {
    let mut parts = Vec::new();
    if let Some(def) = schema_definition(schema) {
        parts.push(def);
    }
    for directive in &schema.directives {
        if !SPECIFIED_DIRECTIVES.contains(&directive.name.as_str()) {
            parts.push(print_directive(directive));
        }
    }
    for ty in &schema.types {
        if !ty.name.starts_with("__") && !SPECIFIED_SCALARS.contains(&ty.name.as_str()) {
            parts.push(print_type(ty));
        }
    }
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

/// `schema { ... }`, printed only when it says something: a description, or root
/// types not named Query, Mutation and Subscription.
fn schema_definition(schema: &SchemaDef) -> Option<String> {
    let roots = [
        ("query", &schema.query_type, "Query"),
        ("mutation", &schema.mutation_type, "Mutation"),
        ("subscription", &schema.subscription_type, "Subscription"),
    ];
    let common_names = roots
        .iter()
        .all(|(_, root, usual)| root.as_ref().is_none_or(|r| r.name == *usual));
    if schema.description.is_none() && common_names {
        return None;
    }
    let operations: Vec<String> = roots
        .iter()
        .filter_map(|(op, root, _)| root.as_ref().map(|r| format!("  {op}: {}", r.name)))
        .collect();
    Some(format!(
        "{}schema {{\n{}\n}}",
        description(schema.description.as_deref(), "", true),
        operations.join("\n")
    ))
}

fn print_directive(d: &DirectiveDef) -> String {
    format!(
        "{}directive @{}{}{} on {}",
        description(d.description.as_deref(), "", true),
        d.name,
        print_args(&d.args, ""),
        if d.is_repeatable { " repeatable" } else { "" },
        d.locations.join(" | ")
    )
}

fn print_type(t: &TypeDef) -> String {
    let head = description(t.description.as_deref(), "", true);
    match t.kind.as_str() {
        "SCALAR" => {
            let specified_by = t
                .specified_by_url
                .as_deref()
                .map(|url| format!(" @specifiedBy(url: {})", print_string(url)))
                .unwrap_or_default();
            format!("{head}scalar {}{specified_by}", t.name)
        }
        "OBJECT" | "INTERFACE" => {
            let keyword = if t.kind == "OBJECT" {
                "type"
            } else {
                "interface"
            };
            let fields: Vec<String> = t
                .fields
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, f)| {
                    format!(
                        "{}  {}{}: {}{}",
                        description(f.description.as_deref(), "  ", i == 0),
                        f.name,
                        print_args(&f.args, "  "),
                        type_name(&f.ty),
                        deprecated(f.deprecation_reason.as_deref())
                    )
                })
                .collect();
            format!(
                "{head}{keyword} {}{}{}",
                t.name,
                implements(t.interfaces.as_deref().unwrap_or_default()),
                block(&fields)
            )
        }
        "UNION" => {
            let members: Vec<String> = t.possible_types.iter().flatten().map(type_name).collect();
            let members = if members.is_empty() {
                String::new()
            } else {
                format!(" = {}", members.join(" | "))
            };
            format!("{head}union {}{members}", t.name)
        }
        "ENUM" => {
            let values: Vec<String> = t
                .enum_values
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, v)| {
                    format!(
                        "{}  {}{}",
                        description(v.description.as_deref(), "  ", i == 0),
                        v.name,
                        deprecated(v.deprecation_reason.as_deref())
                    )
                })
                .collect();
            format!("{head}enum {}{}", t.name, block(&values))
        }
        _ => {
            let fields: Vec<String> = t
                .input_fields
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, f)| {
                    format!(
                        "{}  {}",
                        description(f.description.as_deref(), "  ", i == 0),
                        input_value(f)
                    )
                })
                .collect();
            format!("{head}input {}{}", t.name, block(&fields))
        }
    }
}

fn implements(interfaces: &[TypeRef]) -> String {
    if interfaces.is_empty() {
        return String::new();
    }
    let names: Vec<String> = interfaces.iter().map(type_name).collect();
    format!(" implements {}", names.join(" & "))
}

fn block(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(" {{\n{}\n}}", items.join("\n"))
    }
}

/// Arguments on one line when none is described, else one per line.
fn print_args(args: &[InputValueDef], indentation: &str) -> String {
    if args.is_empty() {
        return String::new();
    }
    if args
        .iter()
        .all(|a| a.description.as_deref().is_none_or(str::is_empty))
    {
        let args: Vec<String> = args.iter().map(input_value).collect();
        return format!("({})", args.join(", "));
    }
    let inner = format!("  {indentation}");
    let lines: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "{}{inner}{}",
                description(a.description.as_deref(), &inner, i == 0),
                input_value(a)
            )
        })
        .collect();
    format!("(\n{}\n{indentation})", lines.join("\n"))
}

/// Default values are printed as introspection gives them, where graphql-js parses
/// and reprints them (`1.0` becomes `1`); the schema has none, and the contract
/// test in CI would show the first that prints differently.
fn input_value(v: &InputValueDef) -> String {
    let default = v
        .default_value
        .as_deref()
        .map(|d| format!(" = {d}"))
        .unwrap_or_default();
    format!(
        "{}: {}{default}{}",
        v.name,
        type_name(&v.ty),
        deprecated(v.deprecation_reason.as_deref())
    )
}

fn deprecated(reason: Option<&str>) -> String {
    match reason {
        None => String::new(),
        Some(DEFAULT_DEPRECATION_REASON) => " @deprecated".to_string(),
        Some(reason) => format!(" @deprecated(reason: {})", print_string(reason)),
    }
}

fn type_name(t: &TypeRef) -> String {
    let inner = || t.of_type.as_deref().map(type_name).unwrap_or_default();
    match t.kind.as_str() {
        "NON_NULL" => format!("{}!", inner()),
        "LIST" => format!("[{}]", inner()),
        _ => t.name.clone().unwrap_or_default(),
    }
}

/// A description above a definition: a block string where one can hold it, else a
/// quoted string; a blank line before it inside a block unless it comes first.
fn description(text: Option<&str>, indentation: &str, first_in_block: bool) -> String {
    let Some(text) = text else {
        return String::new();
    };
    let printed = if printable_as_block_string(text) {
        print_block_string(text)
    } else {
        print_string(text)
    };
    let prefix = if !indentation.is_empty() && !first_in_block {
        format!("\n{indentation}")
    } else {
        indentation.to_string()
    };
    format!(
        "{prefix}{}\n",
        printed.replace('\n', &format!("\n{indentation}"))
    )
}

fn is_white_space(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

/// graphql-js `isPrintableAsBlockString`.
fn printable_as_block_string(value: &str) -> bool {
    if value.is_empty() {
        return true;
    }
    let mut empty_line = true;
    let mut has_indent = false;
    let mut common_indent = true;
    let mut seen_non_empty_line = false;
    for c in value.chars() {
        match c {
            '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}' | '\u{f}' | '\r' => return false,
            '\n' => {
                if empty_line && !seen_non_empty_line {
                    return false;
                }
                seen_non_empty_line = true;
                empty_line = true;
                has_indent = false;
            }
            '\t' | ' ' => has_indent = has_indent || empty_line,
            _ => {
                common_indent = common_indent && has_indent;
                empty_line = false;
            }
        }
    }
    // Not with trailing empty lines, nor with an indentation common to every line.
    !(empty_line || common_indent && seen_non_empty_line)
}

/// graphql-js `printBlockString`.
fn print_block_string(value: &str) -> String {
    let escaped = value.replace("\"\"\"", "\\\"\"\"");
    let lines: Vec<&str> = escaped.split('\n').collect();
    let single_line = lines.len() == 1;
    let force_leading_newline = lines.len() > 1
        && lines[1..]
            .iter()
            .all(|l| l.is_empty() || is_white_space(l.chars().next()));
    let trailing_triple_quotes = escaped.ends_with("\\\"\"\"");
    let trailing_quote = value.ends_with('"') && !trailing_triple_quotes;
    let trailing_slash = value.ends_with('\\');
    let force_trailing_newline = trailing_quote || trailing_slash;
    let multiple_lines = !single_line
        || value.encode_utf16().count() > 70
        || force_trailing_newline
        || force_leading_newline
        || trailing_triple_quotes;
    let skip_leading_newline = single_line && is_white_space(value.chars().next());
    let mut out = String::from("\"\"\"");
    if (multiple_lines && !skip_leading_newline) || force_leading_newline {
        out.push('\n');
    }
    out.push_str(&escaped);
    if multiple_lines || force_trailing_newline {
        out.push('\n');
    }
    out.push_str("\"\"\"");
    out
}

/// graphql-js `printString`: a double-quoted string with JSON-like escapes.
fn print_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c <= '\u{1f}' || ('\u{7f}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Description texts with what graphql-js 16.15 prints for them, on a type and on
    /// its fields (written by `tests/contract/print-oracle.cjs`).
    const ORACLE: &str = include_str!("sdl-oracle.json");

    fn one_type_schema(text: &str) -> SchemaDef {
        let int = || TypeRef {
            kind: "SCALAR".into(),
            name: Some("Int".into()),
            of_type: None,
        };
        let field = |name: &str| FieldDef {
            name: name.into(),
            description: Some(text.into()),
            args: Vec::new(),
            ty: int(),
            deprecation_reason: None,
        };
        SchemaDef {
            description: None,
            query_type: Some(Named {
                name: "Query".into(),
            }),
            mutation_type: None,
            subscription_type: None,
            types: vec![TypeDef {
                kind: "OBJECT".into(),
                name: "Query".into(),
                description: Some(text.into()),
                specified_by_url: None,
                fields: Some(vec![field("f"), field("g")]),
                input_fields: None,
                interfaces: Some(Vec::new()),
                enum_values: None,
                possible_types: None,
            }],
            directives: Vec::new(),
        }
    }

    #[test]
    fn descriptions_print_as_graphql_js_prints_them() {
        let cases: Vec<(String, String)> = serde_json::from_str(ORACLE).unwrap_or_default();
        assert!(cases.len() > 10);
        for (text, printed) in cases {
            assert_eq!(
                print(&one_type_schema(&text)),
                format!("{printed}\n"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn strings_escape_as_graphql_js_escapes_them() {
        assert_eq!(
            print_string("a\"b\\c\n\u{1b}\u{7f}"),
            r#""a\"b\\c\n\u001B\u007F""#
        );
        assert_eq!(deprecated(Some("No longer supported")), " @deprecated");
        assert_eq!(
            deprecated(Some("use \"b\"")),
            r#" @deprecated(reason: "use \"b\"")"#
        );
    }
}
