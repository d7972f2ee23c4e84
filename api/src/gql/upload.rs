//! A file argument (`Upload`) of a mutation, taken in: the spooled file of
//! the multipart request (`http/uploads.rs`), ingested by the file service.
use crate::documents::content::StoredFile;
use crate::error::AppError;
use crate::files::Uploads;
use crate::gql::ResultExt;
use crate::state::AppState;
use async_graphql::{Context, Result, Upload};

/// The stored file of an `Upload` argument named `field`. An argument that is
/// not a file of this multipart request (a plain JSON request cannot send one)
/// is BAD_USER_INPUT.
pub async fn ingest(ctx: &Context<'_>, upload: &Upload, field: &str) -> Result<StoredFile> {
    let state = ctx.data::<AppState>()?;
    let received = ctx
        .data_opt::<Uploads>()
        .and_then(|uploads| uploads.take(upload.0))
        .ok_or_else(|| {
            AppError::bad_field(
                field,
                "no file was uploaded for this argument: send the request as a GraphQL multipart \
                 request (see docs/files.md)",
            )
            .into_gql()
        })?;
    state
        .files
        .ingest(&state.db, received.spooled, &received.filename, field)
        .await
        .gql()
}
