# Leakloupe: `make run` builds the app and serves it at http://127.0.0.1:8088/; `make test` runs all tests.
# Everything builds offline once `make setup` (tools/setup.sh) has installed the tools.
#   make setup   install/check the toolchain (wasm32 std, wasm-bindgen-cli, wasm-opt, chromium)
#   make build   compile to wasm and assemble dist/ (served build)
#   make dist    build + dist/leakloupe.html (one self-contained file)
#   make run     dist, then serve dist/ on 127.0.0.1 (prints the URL; Ctrl-C stops)
#   make test    dist, then cargo test --workspace (unit tests + browser tests reading dist/)

CARGO ?= cargo
XTASK := $(CARGO) run -q -p xtask --
# The browser tests in tests/ read the build from here.
export LEAKLOUPE_DIST := $(CURDIR)/dist
# tools/setup.sh installs wasm-bindgen with `cargo install`.
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

.PHONY: setup build dist run test

setup:
	bash tools/setup.sh

build: setup
	$(XTASK) build

dist: setup
	$(XTASK) dist

run: dist
	$(XTASK) serve

test: dist
	$(CARGO) test --workspace
