//! The `cms` binary. All logic lives in the library so tests can drive it.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    api::cli::run().await
}
