# Switchboard's two commands:
#   make run   — install what is missing, build in release mode, serve on http://127.0.0.1:3000 (SQLite)
#   make test  — install what the tests need, run every test (Rust, SQLite + PostgreSQL, Playwright)
# Every install step is skipped when already done. Only package registries are used
# (crates.io, npm, Debian apt): see ../shared/TOOLCHAIN.md for why each pin exists.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
# Panic messages in the browser's WASM name their source files. Without the
# registry's and this checkout's directories those names are shorter (about
# 1 KB gzip per page) and the same wherever the project is cloned. cargo-leptos
# and scripts/build-visitor.sh both read this (docs/performance.md).
CARGO_HOME ?= $(HOME)/.cargo
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := $(strip \
  $(foreach d,$(wildcard $(CARGO_HOME)/registry/src/*/),--remap-path-prefix=$(d)=) \
  --remap-path-prefix=$(CURDIR)/=)
# `make bench BENCH_ARGS="--repeat 3"`; --nice -10 gives the measurement priority on a shared machine.
BENCH_ARGS ?= --nice -10
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

.PHONY: run test build frontend tools browser npm rust-tests s3-fake e2e bench clean-data help cluster

help:
	@echo "make run    build and serve Switchboard on http://127.0.0.1:3000 (SQLite under ./data)"
	@echo "make test   run every test (Rust unit/integration on SQLite and PostgreSQL, then Playwright)"
	@echo "make bench  run the load benchmark (see docs/performance.md)"
	@echo "make cluster  three nodes on PostgreSQL + Redis behind nginx on :3000 (docs/deploy.md)"

## Toolchain -----------------------------------------------------------------

tools:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
	  echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 12 minutes, once)"; \
	  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	    cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads; \
	fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 5 minutes, once)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

# npm's binaryen gives the wasm-opt that release builds need (never apt's: it breaks hydration).
npm: end2end/node_modules/.package-lock.json
end2end/node_modules/.package-lock.json: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	@touch $@

browser:
	@test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium; }

## Build and run -------------------------------------------------------------

# The main bundle (split by page group), then the visitor page's own bundle.
build: tools npm
	cargo leptos build --release --split
	./scripts/strip-wasm-sections.py --ship target/site/pkg/*.wasm
	./scripts/build-visitor.sh

run: build
	@mkdir -p data
	@echo "Switchboard on http://$${SWITCHBOARD_ADDR:-127.0.0.1:3000} (database: $${DATABASE_URL:-sqlite://data/switchboard.db})"
	LEPTOS_SITE_ROOT=target/site ./target/release/server

# Three nodes on the local PostgreSQL and Redis (or CLUSTER_BUS=nats://…) behind nginx.
cluster: build
	./scripts/cluster.sh

## Tests ---------------------------------------------------------------------

rust-tests: s3-fake
	cargo test --workspace --exclude frontend

# moto's S3 look-alike (PyPI), for the test of the S3 file store.
s3-fake:
	@command -v moto_server >/dev/null || { \
	  echo "installing moto (an S3 look-alike for the file-store test)"; \
	  python3 -m pip install --quiet 'moto[server]'; }

e2e: build browser
	./end2end/run.sh

# The pages' release WASM only: `make test` serves it from the debug server
# that `rust-tests` builds anyway.
frontend: tools npm
	cargo leptos build --release --split --frontend-only
	./scripts/strip-wasm-sections.py --ship target/site/pkg/*.wasm
	./scripts/build-visitor.sh

# The Rust tests and the release WASM build run side by side: the WASM
# build's LTO step is single-threaded, so the other core would otherwise sit
# idle. Playwright then runs against the debug server the Rust tests built
# (target/debug/server), not a release one: compiling the server a third time
# (release, every dependency at opt-level 3) cost CI about a fifth of its
# 40 minutes. What the first-load budgets measure, the WASM, is the release
# build either way; `make e2e` still runs the release server.
test: tools npm browser s3-fake
	$(MAKE) -j2 rust-tests frontend
	SWITCHBOARD_BIN=$(CURDIR)/target/debug/server ./end2end/run.sh

bench: build
	cargo build --release -p loadtest
	./target/release/loadtest $(BENCH_ARGS)

# Cluster mode: one node with the in-process bus vs on a broker, cross-node latency, broker CPU.
# Uses the local PostgreSQL (a fresh database per measurement) and a redis-server of its own.
.PHONY: bench-cluster
bench-cluster: build
	cargo build --release -p loadtest
	./target/release/loadtest cluster $(BENCH_ARGS)

clean-data:
	rm -rf data
