//! The `cms` binary. All logic lives in the library so tests can drive it.
use std::process::ExitCode;

/// mimalloc instead of the system allocator: measured in docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    api::cli::run().await
}
