//! Generates the `i18n` module (leptos_i18n) from `locales/<language>/<namespace>.json`:
//! every key checked at compile time, strings compiled in. No ICU formatters:
//! dates and numbers go through the browser's `Intl` (`client::browser`).

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

/// The UI's languages; the first is the default and the fallback.
const LOCALES: [&str; 2] = ["en", "zh-CN"];
/// One file per part of the app, so each stays small and reviewable.
const NAMESPACES: [&str; 7] = [
    "common", "chat", "console", "visitor", "admin", "auth", "support",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let cfg = Config::new(LOCALES[0])?
        .add_locales(&LOCALES[1..])?
        .add_namespaces(NAMESPACES)?
        // `t_string!` with arguments, for text outside views (notices, labels).
        .parse_options(ParseOptions::default().interpolate_display(true));
    let infos = TranslationsInfos::parse(cfg)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
