//! Logging setup. Logs go to stderr, filtered by `RUST_LOG` (default: warnings), so stdout
//! stays clean for the summary or `--json` output.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; `verbose` lowers the default level to `debug`.
pub fn init(verbose: bool) {
    let default = if verbose { "debug" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
