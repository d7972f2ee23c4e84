//! A property test over the whole public surface: generated GraphQL documents and
//! variables over the real schema (read by introspection), sent through the HTTP
//! router by anonymous and staff callers, POST and GET, some of them corrupted into
//! malformed syntax. Values are the ones that break services: huge, negative,
//! unicode, null, wrong types, unknown and malformed ids, SQL and path fragments.
//!
//! Whatever comes in, the service never panics, never answers 5xx or INTERNAL, and
//! never shows SQL, a file path or a stack trace in a message.
//!
//! The run in `cargo test` is short and fixed (seeded); a longer one is an
//! environment variable away:
//!
//!     FUZZ_CASES=20000 FUZZ_SEED=7 cargo test --test api fuzz
use crate::common::{percent, TestApp};
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// A small deterministic generator (xorshift64*): the same seed, the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Debug, Clone)]
enum TypeRef {
    NonNull(Box<TypeRef>),
    List(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    fn parse(v: &Value) -> TypeRef {
        match v["kind"].as_str() {
            Some("NON_NULL") => TypeRef::NonNull(Box::new(TypeRef::parse(&v["ofType"]))),
            Some("LIST") => TypeRef::List(Box::new(TypeRef::parse(&v["ofType"]))),
            _ => TypeRef::Named(v["name"].as_str().unwrap_or("String").to_string()),
        }
    }
    fn named(&self) -> &str {
        match self {
            TypeRef::NonNull(t) | TypeRef::List(t) => t.named(),
            TypeRef::Named(n) => n,
        }
    }
    fn sdl(&self) -> String {
        match self {
            TypeRef::NonNull(t) => format!("{}!", t.sdl()),
            TypeRef::List(t) => format!("[{}]", t.sdl()),
            TypeRef::Named(n) => n.clone(),
        }
    }
}

struct Field {
    name: String,
    args: Vec<(String, TypeRef)>,
    ty: TypeRef,
}

struct Type {
    kind: String,
    fields: Vec<Field>,
    inputs: Vec<(String, TypeRef)>,
    enums: Vec<String>,
    possible: Vec<String>,
}

struct SchemaModel {
    types: HashMap<String, Type>,
    query: String,
    mutation: String,
}

const INTROSPECTION: &str = "{ __schema { queryType { name } mutationType { name } types { name kind \
    fields { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } \
    enumValues { name } possibleTypes { name } } } } \
    fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

async fn model(app: &TestApp) -> SchemaModel {
    let d = app.data(INTROSPECTION, json!({})).await;
    let schema = &d["__schema"];
    let mut types = HashMap::new();
    for t in schema["types"].as_array().cloned().unwrap_or_default() {
        let name = t["name"].as_str().unwrap_or_default().to_string();
        let list = |key: &str| t[key].as_array().cloned().unwrap_or_default();
        let fields = list("fields")
            .iter()
            .map(|f| Field {
                name: f["name"].as_str().unwrap_or_default().to_string(),
                args: f["args"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|a| {
                        (
                            a["name"].as_str().unwrap_or_default().to_string(),
                            TypeRef::parse(&a["type"]),
                        )
                    })
                    .collect(),
                ty: TypeRef::parse(&f["type"]),
            })
            .collect();
        let inputs = list("inputFields")
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap_or_default().to_string(),
                    TypeRef::parse(&f["type"]),
                )
            })
            .collect();
        let names = |key: &str| {
            list(key)
                .iter()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect::<Vec<_>>()
        };
        types.insert(
            name,
            Type {
                kind: t["kind"].as_str().unwrap_or_default().to_string(),
                fields,
                inputs,
                enums: names("enumValues"),
                possible: names("possibleTypes"),
            },
        );
    }
    SchemaModel {
        types,
        query: schema["queryType"]["name"]
            .as_str()
            .unwrap_or("Query")
            .into(),
        mutation: schema["mutationType"]["name"]
            .as_str()
            .unwrap_or("Mutation")
            .into(),
    }
}

fn id_of(kind: &str, n: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{n}"))
}

struct Gen<'a> {
    rng: Rng,
    schema: &'a SchemaModel,
    vars: Map<String, Value>,
    decls: Vec<String>,
}

impl Gen<'_> {
    fn scalar(&mut self, name: &str) -> Value {
        let r = &mut self.rng;
        let long = "x".repeat(10_000);
        let strings = [
            json!(""),
            json!("peru"),
            json!("PE"),
            json!("latin-america-and-the-caribbean"),
            json!("ñandú 中文 🚀 \u{202e}"),
            json!("'; DROP TABLE documents; --"),
            json!("\u{0}"),
            json!("../../etc/passwd"),
            json!("%_\\"),
            json!(long),
        ];
        match name {
            "Int" => r
                .pick(&[
                    json!(0),
                    json!(1),
                    json!(-1),
                    json!(20),
                    json!(101),
                    json!(i32::MAX),
                    json!(i32::MIN),
                    json!(1e20),
                    json!(2.5),
                    json!("12"),
                ])
                .clone(),
            "Boolean" => r.pick(&[json!(true), json!(false), json!("yes")]).clone(),
            "ID" => {
                let kind = *r.pick(&[
                    "Country",
                    "Region",
                    "Programme",
                    "Document",
                    "Revision",
                    "User",
                    "Nope",
                ]);
                let n = *r.pick(&[1i64, 2, 3, 999_999_999, -1, 0]);
                r.pick(&[
                    json!(id_of(kind, n)),
                    json!("not-an-id"),
                    json!(""),
                    json!("Q291bnRyeTox"),
                    json!(id_of(kind, i64::MAX)),
                    json!("%%%"),
                ])
                .clone()
            }
            "Date" => r
                .pick(&[
                    json!("2024-03-01"),
                    json!("2024-13-45"),
                    json!(""),
                    json!("99999-01-01"),
                    json!(20240301),
                ])
                .clone(),
            "DateTime" => r
                .pick(&[
                    json!("2999-01-01T00:00:00Z"),
                    json!("2001-01-01T00:00:00Z"),
                    json!("tomorrow"),
                    json!(""),
                ])
                .clone(),
            "JSON" => r
                .pick(&[
                    json!({}),
                    json!({ "fi": { "name": "Peru", "title": "Otsikko" } }),
                    json!({ "en": { "name": "x" } }),
                    json!({ "xx-invalid-locale": { "nope": 1 } }),
                    json!([1, 2, 3]),
                    json!("text"),
                    json!(null),
                ])
                .clone(),
            _ => r.pick(&strings).clone(),
        }
    }

    fn value(&mut self, ty: &TypeRef, depth: usize) -> Value {
        if self.rng.chance(4) {
            return Value::Null;
        }
        match ty {
            TypeRef::NonNull(inner) => self.value(inner, depth),
            TypeRef::List(inner) => {
                if self.rng.chance(10) {
                    return self.value(inner, depth + 1);
                }
                let n = if self.rng.chance(5) {
                    200
                } else {
                    self.rng.below(4)
                };
                Value::Array((0..n).map(|_| self.value(inner, depth + 1)).collect())
            }
            TypeRef::Named(name) => {
                let Some(t) = self.schema.types.get(name) else {
                    return self.scalar(name);
                };
                match t.kind.as_str() {
                    "ENUM" => {
                        if self.rng.chance(10) {
                            json!("NO_SUCH_VALUE")
                        } else {
                            json!(self.rng.pick(&t.enums).clone())
                        }
                    }
                    "INPUT_OBJECT" if depth < 4 => {
                        let mut obj = Map::new();
                        let inputs: Vec<(String, TypeRef)> = t.inputs.clone();
                        for (name, ty) in &inputs {
                            if self.rng.chance(60) {
                                obj.insert(name.clone(), self.value(ty, depth + 1));
                            }
                        }
                        if self.rng.chance(5) {
                            obj.insert("noSuchField".into(), json!(1));
                        }
                        Value::Object(obj)
                    }
                    "INPUT_OBJECT" => json!({}),
                    _ => self.scalar(name),
                }
            }
        }
    }

    fn args(&mut self, args: &[(String, TypeRef)]) -> String {
        let mut out = Vec::new();
        for (name, ty) in args {
            let required = matches!(ty, TypeRef::NonNull(_));
            if !required && !self.rng.chance(50) {
                continue;
            }
            let var = format!("v{}", self.decls.len());
            // Mostly the declared type; sometimes a wrong one.
            let declared = if self.rng.chance(5) {
                self.rng
                    .pick(&["String", "Int!", "[ID]", "Boolean"])
                    .to_string()
            } else {
                ty.sdl()
            };
            self.decls.push(format!("${var}: {declared}"));
            let v = self.value(ty, 0);
            if !self.rng.chance(3) {
                self.vars.insert(var.clone(), v);
            }
            out.push(format!("{name}: ${var}"));
        }
        if out.is_empty() {
            String::new()
        } else {
            format!("({})", out.join(", "))
        }
    }

    fn selection(&mut self, type_name: &str, depth: usize) -> String {
        let Some(t) = self.schema.types.get(type_name) else {
            return String::new();
        };
        match t.kind.as_str() {
            "OBJECT" | "INTERFACE" if depth < 5 => {
                let mut parts = vec!["__typename".to_string()];
                let n = 1 + self.rng.below(4);
                for _ in 0..n {
                    let f = self.rng.below(t.fields.len());
                    let field = &t.fields[f];
                    let (name, args, ty) =
                        (field.name.clone(), field.args.clone(), field.ty.clone());
                    let args = self.args(&args);
                    let sub = self.selection(ty.named(), depth + 1);
                    parts.push(format!("{name}{args}{sub}"));
                }
                if t.kind == "INTERFACE" && !t.possible.is_empty() {
                    let p = self.rng.pick(&t.possible).clone();
                    let sub = self.selection(&p, depth + 1);
                    if !sub.is_empty() {
                        parts.push(format!("... on {p} {sub}"));
                    }
                }
                format!(" {{ {} }}", parts.join(" "))
            }
            "UNION" => {
                let p = self.rng.pick(&t.possible).clone();
                let sub = self.selection(&p, depth + 1);
                format!(" {{ __typename ... on {p} {sub} }}")
            }
            "OBJECT" | "INTERFACE" => " { __typename }".into(),
            _ => String::new(),
        }
    }

    /// One operation over the real schema.
    fn document(&mut self) -> (String, Value) {
        self.vars = Map::new();
        self.decls = Vec::new();
        let mutation = self.rng.chance(35);
        let root = if mutation {
            self.schema.mutation.clone()
        } else {
            self.schema.query.clone()
        };
        let body = self.selection(&root, 0);
        // Fragments before the declarations: their arguments declare variables too.
        let mut fragments = String::new();
        if self.rng.chance(20) {
            self.fragments(&root, &mut fragments);
        }
        let decls = if self.decls.is_empty() {
            String::new()
        } else {
            format!("({})", self.decls.join(", "))
        };
        let op = if mutation { "mutation" } else { "query" };
        let mut doc = format!("{op} Fuzz{decls}{body}");
        if !fragments.is_empty() {
            if fragments.starts_with('+') {
                // Spread from the operation's selection set.
                if let Some(at) = doc.find('{') {
                    doc.insert_str(at + 1, " ...Z0 ");
                }
            }
            doc.push_str(fragments.trim_start_matches('+'));
        }
        (doc, Value::Object(self.vars.clone()))
    }

    /// Appends fragment definitions on the root type: a chain of them, each
    /// spreading the next, the first spread by the operation (marked with a
    /// leading `+`) or never (validation walks every definition, spread or not).
    fn fragments(&mut self, root: &str, doc: &mut String) {
        let long = self.rng.chance(10);
        let n = 1 + self.rng.below(if long { 25_000 } else { 5 });
        for i in 0..n {
            let body = if i + 1 == n {
                self.selection(root, 0)
            } else {
                format!("{{...Z{}}}", i + 1)
            };
            doc.push_str(&format!("fragment Z{i} on {root}{body}"));
        }
        if self.rng.chance(50) {
            // Marked to be spread from the operation's selection set.
            doc.insert(0, '+');
        }
    }

    /// Breaks a document: cut, doubled, or with a stray character.
    fn corrupt(&mut self, doc: &str) -> String {
        let chars: Vec<char> = doc.chars().collect();
        let at = self.rng.below(chars.len());
        let stray = *self.rng.pick(&[
            '{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '"', '\\', '…', '#', '\0',
        ]);
        match self.rng.below(5) {
            0 => chars[..at].iter().collect(),
            1 => format!("{doc}{doc}"),
            2 => {
                let mut c = chars.clone();
                c.insert(at, stray);
                c.into_iter().collect()
            }
            3 => "{".repeat(5000),
            // A value nested deeper than any selection may be.
            _ => format!(
                "{{ documents(filter: {{ status: {}PUBLISHED{} }}) {{ totalCount }} }}",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
        }
    }
}

/// What no response may ever show.
const LEAKS: [&str; 12] = [
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE FROM",
    "sqlx",
    "database:",
    "/src/",
    ".rs:",
    "panicked",
    "stack backtrace",
    "/root/",
    "/home/",
];

fn check(case: usize, doc: &str, status: u16, body: &Value) {
    let context = || {
        let shown: String = doc.chars().take(400).collect();
        format!(
            "case {case}: {shown}\n=> {status} {}",
            body.to_string().chars().take(600).collect::<String>()
        )
    };
    assert!(status < 500, "5xx: {}", context());
    for err in body["errors"].as_array().cloned().unwrap_or_default() {
        let code = err["extensions"]["code"].as_str();
        assert!(code.is_some(), "uncoded error: {}", context());
        assert_ne!(code, Some("INTERNAL"), "INTERNAL: {}", context());
        let message = err["message"].as_str().unwrap_or_default();
        for leak in LEAKS {
            assert!(!message.contains(leak), "leaks {leak:?}: {}", context());
        }
    }
}

#[tokio::test]
async fn generated_documents_never_panic_leak_or_fail_internally() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261201);
    let app = TestApp::with_roles().await;
    let schema = model(&app).await;
    let mut gen = Gen {
        rng: Rng(seed.max(1)),
        schema: &schema,
        vars: Map::new(),
        decls: Vec::new(),
    };
    let mut answered = 0;
    let mut codes: std::collections::BTreeMap<String, usize> = Default::default();
    for case in 0..cases {
        let (mut doc, vars) = gen.document();
        if gen.rng.chance(15) {
            doc = gen.corrupt(&doc);
        }
        let token = match gen.rng.below(4) {
            0 => Some(app.editor()),
            1 => Some(app.admin()),
            _ => None,
        };
        let uri = format!(
            "/graphql?query={}&variables={}",
            percent(&doc),
            percent(&vars.to_string())
        );
        // GET while the URI fits what HTTP clients send (the http crate's limit).
        let (status, body) = if gen.rng.chance(20) && uri.len() < 60_000 {
            let mut req = Request::get(uri).header("accept", "application/graphql-response+json");
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            app.request(req.body(Body::empty()).expect("request")).await
        } else {
            app.as_user(token, &doc, vars).await
        };
        check(case, &doc, status.as_u16(), &body);
        for err in body["errors"].as_array().cloned().unwrap_or_default() {
            let code = err["extensions"]["code"]
                .as_str()
                .unwrap_or("?")
                .to_string();
            *codes.entry(code).or_default() += 1;
        }
        if body.get("data").is_some_and(|d| !d.is_null()) {
            answered += 1;
        }
    }
    eprintln!("fuzz: {cases} cases (seed {seed}), {answered} executed, error codes {codes:?}");
    // The generator reaches real resolvers, not only validation errors.
    assert!(
        answered * 10 >= cases,
        "only {answered} of {cases} cases executed"
    );
    // Still serving normally afterwards.
    let d = app
        .data("{ country(slug: \"peru\") { name } }", json!({}))
        .await;
    assert!(d["country"].is_object() || d["country"].is_null());
}
