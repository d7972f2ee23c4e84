//! How an [`AppError`] becomes a GraphQL error: `extensions.code`, and the
//! details a client may act on (`field`, `currentVersion`, `allowed`, ...).
use crate::error::{AppError, AppResult};
use async_graphql::ErrorExtensions;

impl AppError {
    /// Converts into a GraphQL error with `extensions.code` (and `field` for bad
    /// input). Internal errors are logged here, once.
    pub fn into_gql(self) -> async_graphql::Error {
        match &self {
            AppError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            AppError::Timeout(detail) => tracing::warn!(error = %detail, "database timeout"),
            AppError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable")
            }
            _ => {}
        }
        let code = self.code();
        let message = self.public_message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &self {
                AppError::BadInput {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                AppError::StaleVersion { current, .. } => ext.set("currentVersion", *current),
                AppError::IllegalTransition {
                    status, allowed, ..
                } => {
                    ext.set("reason", "ILLEGAL_TRANSITION");
                    ext.set("status", *status);
                    ext.set("allowed", allowed.clone());
                }
                AppError::RateLimited { retry_after } => ext.set("retryAfterSeconds", *retry_after),
                AppError::Unavailable(_) => ext.set("retryAfterSeconds", 1),
                _ => {}
            }
        })
    }
}

/// `result.gql()?` in resolvers: keeps the code that `?` alone would drop.
pub trait ResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> ResultExt<T> for AppResult<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(AppError::into_gql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(err: AppError) -> String {
        let gql = err.into_gql();
        let ext = gql.extensions.expect("extensions are set");
        match ext.get("code") {
            Some(async_graphql::Value::String(s)) => s.clone(),
            other => panic!("no code: {other:?}"),
        }
    }

    #[test]
    fn every_variant_has_its_code() {
        let cases = [
            (AppError::bad_input("x"), "BAD_USER_INPUT"),
            (AppError::unauthenticated("x"), "UNAUTHENTICATED"),
            (
                AppError::StaleVersion {
                    expected: 1,
                    current: 2,
                },
                "CONFLICT",
            ),
            (
                AppError::IllegalTransition {
                    action: "publish",
                    status: "DRAFT",
                    next: "submit it for review first with `submitForReview`".into(),
                    allowed: vec!["submitForReview".into()],
                },
                "CONFLICT",
            ),
            (AppError::RateLimited { retry_after: 5 }, "RATE_LIMITED"),
            (AppError::Forbidden("x".into()), "FORBIDDEN"),
            (AppError::NotFound("x".into()), "NOT_FOUND"),
            (AppError::Conflict("x".into()), "CONFLICT"),
            (AppError::PayloadTooLarge("x".into()), "PAYLOAD_TOO_LARGE"),
            (AppError::Timeout("x".into()), "TIMEOUT"),
            (AppError::Unavailable("x".into()), "SERVICE_UNAVAILABLE"),
            (AppError::TooComplex("x".into()), "QUERY_TOO_COMPLEX"),
            (AppError::internal("select * from secret"), "INTERNAL"),
        ];
        for (err, code) in cases {
            assert_eq!(code_of(err), code);
        }
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let gql = AppError::internal("SELECT password FROM users at /srv/x.rs:12").into_gql();
        assert_eq!(gql.message, "internal server error");
    }

    #[test]
    fn bad_input_names_the_field() {
        let gql = AppError::bad_field("input.slug", "invalid slug").into_gql();
        let ext = gql.extensions.expect("extensions");
        assert_eq!(
            ext.get("field"),
            Some(&async_graphql::Value::String("input.slug".into()))
        );
    }
}
