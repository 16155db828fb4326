#!/usr/bin/env bash
# Builds the visitor page's own browser bundle (crate `frontend/visitor`) into
# target/site/pkg/visitor.{js,wasm}, beside the main bundle that
# `cargo leptos build --release --split` made. `/support` and the widget's
# iframe load only this one (see docs/architecture.md, "Page code").
#
# It is built the way cargo-leptos builds `frontend` (same target directory,
# profile, RUSTFLAGS — the Makefile's CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS,
# which cargo-leptos reads, then its own flag — and LEPTOS_* variables, which
# some crates read at compile time), so cargo reuses every dependency already
# compiled there and only
# `app` (with `visitor_bundle`) and `visitor` compile again. Needs
# wasm-bindgen (make tools) and npm's wasm-opt and terser (make npm) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

site=target/site/pkg
out=target/front/wasm32-unknown-unknown/wasm-release/visitor.wasm
env LEPTOS_OUTPUT_NAME=switchboard LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
  LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=false \
  RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} -Clink-args=--emit-relocs" \
  cargo build --package=visitor --lib --target-dir=target/front --target=wasm32-unknown-unknown \
  --no-default-features --features=hydrate --profile=wasm-release

mkdir -p "$site"
# RUSTFLAGS asks the linker to keep relocations (wasm-split needs them for
# the main bundle); wasm-opt cannot optimise a module that still has them,
# so drop those custom sections first (they carry no code or data).
./scripts/strip-wasm-sections.py --link "$out" target/front/visitor-nolink.wasm
wasm-bindgen --target web --no-typescript --out-dir "$site" --out-name visitor target/front/visitor-nolink.wasm
# The server's hydration script asks for `visitor.wasm` (no `_bg`), as for
# the main bundle. wasm-opt's flags are cargo-leptos's own.
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$site/visitor_bg.wasm" -o "$site/visitor.wasm"
rm -f "$site/visitor_bg.wasm"
./scripts/strip-wasm-sections.py --ship "$site/visitor.wasm"
# cargo-leptos minifies the main bundle's JS the same way (about 10 → 8 KB gzip).
terser "$site/visitor.js" --module --compress --mangle --output "$site/visitor.js"
echo "visitor bundle: $(stat -c %s "$site/visitor.wasm") bytes of WASM, $(gzip -9 -c "$site/visitor.wasm" | wc -c) gzip"
