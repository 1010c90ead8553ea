//! Builds `src/texture/basis_effort.cpp`, two setters the Basis Universal bindings lack (the
//! ETC1S compression level and the UASTC RDO dictionary size), against the headers of the
//! `basis-universal-sys` release Cargo.toml pins, found in Cargo's registry.

use std::path::{Path, PathBuf};

/// The pinned `basis-universal-sys` release (Cargo.toml says `=` this).
const SYS: &str = "basis-universal-sys-0.3.1";

fn main() {
    let encoder = sys_source().join("vendor/basis_universal/encoder");
    cc::Build::new()
        .cpp(true)
        .flag_if_supported("--std=c++11")
        .flag_if_supported("-w")
        // As the bindings build basisu, so that the parameter block has the same layout.
        .define("BASISD_SUPPORT_KTX2_ZSTD", "0")
        .include(&encoder)
        .file("src/texture/basis_effort.cpp")
        .compile("basis_effort");
    println!("cargo:rerun-if-changed=src/texture/basis_effort.cpp");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The unpacked source of [`SYS`] under `$CARGO_HOME/registry/src/<index>/`.
fn sys_source() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = home.join("registry/src");
    let found = std::fs::read_dir(&registry)
        .into_iter()
        .flatten()
        .flatten()
        .map(|index| index.path().join(SYS))
        .find(|p| {
            p.join("vendor/basis_universal/encoder/basisu_comp.h")
                .exists()
        });
    found.unwrap_or_else(|| panic!("{SYS} is not unpacked under {}", registry.display()))
}
