//! Query limits and error codes, as one async-graphql extension: depth, complexity
//! and alias count are checked with our own coded errors (QUERY_TOO_COMPLEX), and
//! every error leaving the schema carries an `extensions.code`.
use crate::error::code;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use std::sync::Arc;

#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

fn coded(mut err: ServerError, code: &str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

fn too_complex(message: String) -> ServerError {
    coded(ServerError::new(message, None), code::QUERY_TOO_COMPLEX)
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|sel| match &sel.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn document_aliases(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let frags: usize = doc
        .fragments
        .values()
        .map(|f| count_aliases(&f.node.selection_set.node))
        .sum();
    ops + frags
}

#[async_trait::async_trait]
impl Extension for QueryLimits {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        for err in &mut resp.errors {
            // Our resolvers always set a code; what has none comes from the
            // framework's input coercion (a wrong argument or variable type).
            let ext = err.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                ext.set("code", Value::from(code::BAD_USER_INPUT));
            }
        }
        resp
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = match next.run(ctx, query, variables).await {
            Ok(doc) => doc,
            Err(err) => {
                let code = if err.message.contains("recursion") || err.message.contains("too deep")
                {
                    code::QUERY_TOO_COMPLEX
                } else {
                    code::BAD_USER_INPUT
                };
                return Err(coded(err, code));
            }
        };
        let aliases = document_aliases(&doc);
        if aliases > self.max_aliases {
            return Err(too_complex(format!(
                "the query uses {aliases} aliases, more than the limit of {}",
                self.max_aliases
            )));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errs| {
            errs.into_iter()
                .map(|e| coded(e, code::BAD_USER_INPUT))
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.max_depth {
            return Err(vec![too_complex(format!(
                "the query is nested {} levels deep, more than the limit of {}",
                result.depth, self.max_depth
            ))]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![too_complex(format!(
                "the query's complexity is {}, more than the limit of {} (large page sizes multiply the fields below them)",
                result.complexity, self.max_complexity
            ))]);
        }
        Ok(result)
    }
}
