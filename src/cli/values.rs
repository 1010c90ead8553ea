//! Typed command-line values that are not settings types: the `--sse` choice and the parser of
//! view names. The settings enums (`Compression`, `TextureFormat`, `Profile`) derive
//! `clap::ValueEnum` where they are defined; nothing here turns values into [`Settings`].
//!
//! [`Settings`]: crate::settings::Settings

use crate::render::View;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::ffi::OsStr;

/// Server-side encryption of the worker's outputs (`--sse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sse {
    /// SSE-S3: AES-256 with keys S3 manages.
    #[value(name = "aes256", alias = "AES256")]
    Aes256,
    /// SSE-KMS, with `--sse-kms-key-id` (the account's S3 key when absent).
    #[value(name = "aws:kms")]
    AwsKms,
    /// No encryption header: the bucket's default encryption applies.
    None,
}

/// Parses a view name with [`View`]'s `FromStr` (so `3/4` and spaces around a name in a
/// comma-separated list are accepted as before) and lists [`View::NAMED`] in `--help` and in
/// the error for a bad name.
#[derive(Debug, Clone, Copy)]
pub struct ViewParser;

impl TypedValueParser for ViewParser {
    type Value = View;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<View, clap::Error> {
        let text = value.to_string_lossy();
        text.parse().map_err(|_| {
            let mut e = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
            let arg = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
            e.insert(ContextKind::InvalidArg, ContextValue::String(arg));
            e.insert(
                ContextKind::InvalidValue,
                ContextValue::String(text.into_owned()),
            );
            let names = View::NAMED.iter().filter_map(|v| v.fixed_name());
            let names = names.map(String::from).collect();
            e.insert(ContextKind::ValidValue, ContextValue::Strings(names));
            e
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            View::NAMED
                .into_iter()
                .filter_map(View::fixed_name)
                .map(PossibleValue::new),
        ))
    }
}
