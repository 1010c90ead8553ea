//! The library's one error type.
//!
//! Every variant carries enough context to find the problem: a JSON pointer into the glTF
//! document, a byte offset into the container, or the path of a file. [`Error::is_bad_input`]
//! separates problems with the model (permanent: the same input fails the same way every time)
//! from problems of the environment (transient: worth retrying), which is what the CLI maps to
//! exit codes and what a queue worker maps to "delete with a failure record" versus "retry".

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, processing or writing a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The GLB container is malformed; `offset` is the byte offset of the offending field.
    #[error("GLB byte {offset}: {message}")]
    Container {
        /// Byte offset into the file.
        offset: u64,
        /// What is wrong there.
        message: String,
    },

    /// The JSON document does not parse, or a value has the wrong type.
    #[error("invalid JSON{}: {message}", location_suffix(pointer, position))]
    Json {
        /// JSON pointer of the value that failed to deserialize, when known.
        pointer: Option<String>,
        /// 1-based (line, column) in the JSON text, for syntax errors.
        position: Option<(usize, usize)>,
        /// The parser's message.
        message: String,
    },

    /// The document parses but breaks a rule of the glTF specification.
    #[error("{pointer}: {message}")]
    Invalid {
        /// JSON pointer of the offending object, e.g. `/accessors/3`.
        pointer: String,
        /// What is wrong, naming byte ranges and counts where they matter.
        message: String,
    },

    /// The input is not a format this build reads; `found` names what it looks like.
    #[error("the input is {found}, not glTF or GLB")]
    UnsupportedFormat {
        /// What the bytes look like, e.g. "a ZIP archive".
        found: String,
    },

    /// The file needs an extension this build cannot process correctly.
    #[error("unsupported required extension {0}")]
    UnsupportedExtension(String),

    /// The input exceeds a configured resource limit.
    #[error("{what}: {actual} exceeds the limit of {limit} (raise it with {flag})")]
    LimitExceeded {
        /// What was counted, e.g. "input bytes".
        what: &'static str,
        /// The amount found (or declared) in the input.
        actual: u64,
        /// The configured limit.
        limit: u64,
        /// The command-line flag that raises the limit.
        flag: &'static str,
    },

    /// A resource referenced by the document (buffer or image) cannot be loaded.
    #[error("{pointer}: cannot load {uri:?}: {reason}")]
    Resource {
        /// JSON pointer of the buffer or image.
        pointer: String,
        /// The URI as written in the document.
        uri: String,
        /// Why it cannot be loaded.
        reason: String,
    },

    /// The input object does not exist in object storage.
    #[error("{0} does not exist")]
    NoSuchObject(String),

    /// The input file itself cannot be read.
    #[error("cannot read {path}: {source}")]
    Input {
        /// The path that was opened.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Settings given by the user are inconsistent.
    #[error("invalid settings: {0}")]
    Settings(String),

    /// The delivered model cannot meet its size budget (`--max-bytes`, `--max-triangles`,
    /// `--profile`).
    #[error("budget: {0}")]
    Budget(String),

    /// The GPU could not render (device lost twice, validation failure, out of memory).
    #[error("render failed: {0}")]
    Render(String),

    /// The job was stopped before it finished (worker draining, job timeout).
    #[error("job cancelled before it finished")]
    Cancelled,

    /// A stage of a worker's job ran past its timeout.
    #[error("{stage} took longer than {seconds} s")]
    TimedOut {
        /// "download", "process", "upload" or "job".
        stage: &'static str,
        /// The timeout, seconds.
        seconds: f64,
    },

    /// A bug: a job thread panicked. Retried, so a message that always panics ends in the
    /// dead-letter queue.
    #[error("internal error: {0}")]
    Internal(String),

    /// Reading the input or writing outputs in object storage failed, or the queue did
    /// (network, throttling, service errors).
    #[error("{operation}: {message}")]
    Remote {
        /// What was attempted, e.g. "GetObject s3://in/model.glb".
        operation: String,
        /// The service's or transport's message.
        message: String,
    },

    /// Writing an output failed (disk full, permissions, ...).
    #[error("cannot write {path}: {source}")]
    Output {
        /// The path being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn location_suffix(pointer: &Option<String>, position: &Option<(usize, usize)>) -> String {
    match (pointer, position) {
        (Some(p), _) if !p.is_empty() => format!(" at {p}"),
        (_, Some((line, column))) => format!(" at line {line}, column {column}"),
        _ => String::new(),
    }
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Container`].
    pub fn container(offset: u64, message: impl Into<String>) -> Self {
        Error::Container {
            offset,
            message: message.into(),
        }
    }

    /// The input-size refusal, built here only: `actual` bytes of input (the document plus the
    /// files it references, or a size declared before download) exceed `limit`
    /// (`--max-input-bytes`).
    pub fn input_too_large(actual: u64, limit: u64) -> Self {
        Error::LimitExceeded {
            what: "input bytes",
            actual,
            limit,
            flag: "--max-input-bytes",
        }
    }

    /// Maps an I/O error on output `path` (or a scratch file) to [`Error::Output`]; for
    /// `map_err`.
    pub fn output(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Output {
            path: path.to_path_buf(),
            source,
        }
    }

    /// [`Error::Remote`] for a failed service call: `e` with its chain of sources, since the
    /// SDKs put the useful part (a DNS failure, a service error code) in the sources.
    pub fn remote(operation: impl Into<String>, e: &dyn std::error::Error) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        Error::Remote {
            operation: operation.into(),
            message,
        }
    }

    /// True when the input model (or the request) is at fault: retrying cannot help.
    pub fn is_bad_input(&self) -> bool {
        !self.is_retryable()
    }

    /// True when the failure comes from the environment (I/O on outputs, the GPU) and may pass.
    ///
    /// A missing or unreadable *input* is not retryable: the same request fails the same way.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Output { .. }
                | Error::Render(_)
                | Error::Cancelled
                | Error::Remote { .. }
                | Error::TimedOut { .. }
                | Error::Internal(_)
        )
    }

    /// A stable snake_case name of the variant, for failure records and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Container { .. } => "container",
            Error::Json { .. } => "json",
            Error::Invalid { .. } => "invalid",
            Error::UnsupportedFormat { .. } => "unsupported_format",
            Error::UnsupportedExtension(_) => "unsupported_extension",
            Error::LimitExceeded { .. } => "limit_exceeded",
            Error::Resource { .. } => "resource",
            Error::NoSuchObject(_) => "no_such_object",
            Error::Input { .. } => "input",
            Error::Settings(_) => "settings",
            Error::Budget(_) => "budget",
            Error::Render(_) => "render",
            Error::Cancelled => "cancelled",
            Error::TimedOut { .. } => "timed_out",
            Error::Internal(_) => "internal",
            Error::Remote { .. } => "remote",
            Error::Output { .. } => "output",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_not_retryable() {
        let e = Error::invalid("/accessors/3", "reads past its buffer view");
        assert!(e.is_bad_input());
        assert_eq!(e.to_string(), "/accessors/3: reads past its buffer view");
        let out = Error::Output {
            path: "x".into(),
            source: std::io::Error::other("disk full"),
        };
        assert!(out.is_retryable());
    }

    #[test]
    fn json_error_names_pointer_and_position() {
        let e = Error::Json {
            pointer: Some("/meshes/0/primitives/0/mode".into()),
            position: None,
            message: "invalid type".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid JSON at /meshes/0/primitives/0/mode: invalid type"
        );
        let e = Error::Json {
            pointer: None,
            position: Some((3, 14)),
            message: "expected value".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid JSON at line 3, column 14: expected value"
        );
    }
}
