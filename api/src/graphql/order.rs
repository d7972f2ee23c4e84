//! Response fields in the order of the selection set, as the GraphQL spec says.
//! async-graphql resolves sibling fields concurrently and writes each as it
//! finishes (upstream issue async-graphql#612), so an answer's key order can
//! change from one request to the next: a different `ETag` for the same content,
//! and a surprise for clients that read a response in document order. After
//! execution, every object of the answer is put back in the order in which its
//! fields appear in the document (fragments expanded where they are spread).
//!
//! A response key selected in fragments on several types takes its first place
//! in the document; within one concrete type that is the spec's order, except
//! for the rare key placed differently in fragments on different types.
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::Value;
use std::collections::HashSet;

/// The response keys of a set of selection sets, in document order, each with
/// the selection sets of its sub-fields.
type Plan<'a> = Vec<(&'a str, Vec<&'a SelectionSet>)>;

/// Puts the objects of `data` in the order of the document's selected operation.
/// Its cost is bounded by the document's size times the answer's: every plan
/// expands each fragment once.
pub fn reorder(data: &mut Value, doc: &ExecutableDocument, operation: Option<&str>) {
    let Some(op) = selected(doc, operation) else {
        return;
    };
    let plan = plan(doc, &[&op.selection_set.node]);
    apply(data, &plan, doc);
}

fn selected<'a>(
    doc: &'a ExecutableDocument,
    operation: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

fn plan<'a>(doc: &'a ExecutableDocument, sets: &[&'a SelectionSet]) -> Plan<'a> {
    // Each fragment is expanded once per plan: a second spread adds the same
    // keys, and a cycle (which validation refuses anyway) cannot recurse.
    fn collect<'a>(
        doc: &'a ExecutableDocument,
        set: &'a SelectionSet,
        out: &mut Plan<'a>,
        seen: &mut HashSet<&'a str>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let key = f.node.response_key().node.as_str();
                    let sub = &f.node.selection_set.node;
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, subs)) => subs.push(sub),
                        None => out.push((key, vec![sub])),
                    }
                }
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    if let Some(frag) = doc.fragments.get(name) {
                        if seen.insert(name.as_str()) {
                            collect(doc, &frag.node.selection_set.node, out, seen);
                        }
                    }
                }
                Selection::InlineFragment(i) => collect(doc, &i.node.selection_set.node, out, seen),
            }
        }
    }
    let mut out: Plan<'a> = Vec::new();
    let mut seen = HashSet::new();
    for set in sets {
        collect(doc, set, &mut out, &mut seen);
    }
    out
}

/// Sorts one object (or each object of a list) by the plan, then its children
/// by theirs; a child plan is made once for all the items of a list.
fn apply(value: &mut Value, plan: &Plan<'_>, doc: &ExecutableDocument) {
    let mut objects: Vec<&mut Value> = Vec::new();
    gather(value, &mut objects);
    if objects.is_empty() {
        return;
    }
    let place = |key: &str| {
        plan.iter()
            .position(|(k, _)| *k == key)
            .unwrap_or(usize::MAX)
    };
    for object in objects.iter_mut() {
        if let Value::Object(map) = &mut **object {
            // Most objects already are in order: checking is a comparison per
            // key, where sorting also rebuilds the map's hash table.
            if !map.keys().map(|k| place(k.as_str())).is_sorted() {
                map.sort_by(|a, _, b, _| place(a.as_str()).cmp(&place(b.as_str())));
            }
        }
    }
    for (key, subs) in plan {
        if subs.iter().all(|s| s.items.is_empty()) {
            continue;
        }
        let child = self::plan(doc, subs);
        for object in objects.iter_mut() {
            if let Value::Object(map) = &mut **object {
                if let Some(v) = map.get_mut(*key) {
                    apply(v, &child, doc);
                }
            }
        }
    }
}

/// The objects of a value: itself, or the objects of a (nested) list.
fn gather<'v>(value: &'v mut Value, out: &mut Vec<&'v mut Value>) {
    match value {
        Value::Object(_) => out.push(value),
        Value::List(items) => {
            for item in items {
                gather(item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_follow_the_document_with_fragments_aliases_and_lists() {
        let doc = async_graphql::parser::parse_query(
            "query Q { b: x { z ...F } a { y } } fragment F on T { w ... on U { v } z2: z }",
        )
        .expect("parses");
        let mut data: Value = serde_json::from_str::<serde_json::Value>(
            r#"{"a": [{"y": 1}], "b": [{"z2": 1, "v": 2, "w": 3, "z": 4}, {"w": 5, "z": 6, "z2": 7, "v": 8}]}"#,
        )
        .ok()
        .and_then(|j| Value::from_json(j).ok())
        .expect("value");
        reorder(&mut data, &doc, Some("Q"));
        let text = serde_json::to_string(&data).expect("json");
        assert_eq!(
            text,
            r#"{"b":[{"z":4,"w":3,"v":2,"z2":1},{"z":6,"w":5,"v":8,"z2":7}],"a":[{"y":1}]}"#
        );
    }

    #[test]
    fn a_fragment_cycle_costs_nothing() {
        // Validation refuses it; the plan must not explode either (each spread
        // of A spreads A twice: 2^depth expansions without the seen set).
        let doc =
            async_graphql::parser::parse_query("{ ...A } fragment A on Query { a ...A ...A }")
                .expect("parses");
        let mut data: Value = Value::from_json(serde_json::json!({ "a": 1 })).expect("value");
        reorder(&mut data, &doc, None);
        assert_eq!(serde_json::to_string(&data).expect("json"), r#"{"a":1}"#);
    }
}
