# Kundenportal — the two commands: `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test bench audit setup build lint fmt

## make run [DEMO=1]: install what is missing, build, start on SQLite in ./data at http://127.0.0.1:3000
run: setup
	cargo leptos build --release --split --precompress
	@if [ "$(DEMO)" = "1" ]; then ./target/release/kundenportal seed-demo || true; fi
	LEPTOS_SITE_ROOT=target/site ./target/release/kundenportal serve

## make test: unit + integration (SQLite and PostgreSQL) + Playwright end-to-end
test: setup
	bash scripts/setup-test-services.sh
	bash scripts/test.sh

## make bench: release build, then benchmarks that print figures and ratios (see docs/benchmarks.md)
bench: setup
	bash scripts/bench.sh

## make audit: cargo-deny on the dependency tree (licenses, bans, sources, RustSec advisories)
audit:
	bash scripts/audit.sh

setup:
	bash scripts/setup-toolchain.sh
	bash scripts/setup-e2e.sh

build:
	cargo leptos build --split

lint:
	cargo fmt --check
	LEPTOS_OUTPUT_NAME=kundenportal RUSTFLAGS="--cfg erase_components" cargo clippy --all-targets --features ssr -- -D warnings
	cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt
