#!/usr/bin/env bash
# tools/setup.sh: install what `make build` / `make test` need, offline-friendly (package registries only).
#
#   1. the wasm32-unknown-unknown standard library: rustup's target (path A), or Debian's
#      rustc-web/cargo-web/rust-web-src + lld-22 (path B, recorded in target/leakloupe-toolchain);
#   2. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (cargo install);
#   3. wasm-opt: npm binaryen@132 in ${XDG_CACHE_HOME:-$HOME/.cache}/leakloupe-tools;
#   4. chromium + chromedriver (apt), for the browser tests.
#
# Idempotent: when everything is present it installs nothing and prints one "ok: <tool> <version>"
# line per tool. Runs as root (CI) or with sudo. See design/TOOLCHAIN.md for why each path exists.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_TARGET=wasm32-unknown-unknown
BINARYEN_VERSION=132
TOOLS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/leakloupe-tools"
TOOLCHAIN_MARKER=target/leakloupe-toolchain
DEBIAN_STD_SRC=/usr/lib/rustlib/src/rust/library
DEBIAN_WASM_LD=/usr/lib/llvm-22/bin/wasm-ld
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

ok() { echo "ok: $*"; }
say() { echo "setup: $*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
fi

# apt-get install, running `apt-get update` (at most once per run) only when a package has no
# candidate in the current lists or the install fails on stale lists.
# (Pipes into `grep -q` are avoided: with pipefail, grep's early exit can fail the pipe.)
APT_UPDATED=0
apt_update_once() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        "${SUDO[@]}" apt-get update -qq
        APT_UPDATED=1
    fi
}
apt_install() {
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        say "need root or sudo to install: $*"
        exit 1
    fi
    local pkg
    for pkg in "$@"; do
        if ! grep -q 'Candidate: [^(]' <<<"$(apt-cache policy "$pkg" 2>/dev/null)"; then
            apt_update_once
            break
        fi
    done
    say "apt-get install $*"
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2; then
        [ "$APT_UPDATED" -eq 0 ] || return 1
        apt_update_once
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
    fi
}

# --- 1. wasm32 standard library -------------------------------------------------------------------
rustup_has_target() {
    command -v rustup >/dev/null 2>&1 && grep -qx "$WASM_TARGET" <<<"$(rustup target list --installed 2>/dev/null)"
}
debian_toolchain_present() {
    [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d "$DEBIAN_STD_SRC" ] && [ -x "$DEBIAN_WASM_LD" ]
}
use_rustup() {
    rm -f "$TOOLCHAIN_MARKER"
    ok "$WASM_TARGET-std $(rustc --version | cut -d' ' -f2) (rustup)"
}
use_debian() {
    mkdir -p "$(dirname "$TOOLCHAIN_MARKER")"
    echo debian >"$TOOLCHAIN_MARKER"
    ok "$WASM_TARGET-std $(/usr/bin/rustc --version | cut -d' ' -f2) (debian rustc-web, build-std)"
}
if rustup_has_target; then
    use_rustup
elif [ "$(cat "$TOOLCHAIN_MARKER" 2>/dev/null)" = debian ] && debian_toolchain_present; then
    use_debian
else
    say "rustup target add $WASM_TARGET (180 s at most)"
    if command -v rustup >/dev/null 2>&1 && timeout 180 rustup target add "$WASM_TARGET" >&2 && rustup_has_target; then
        use_rustup
    else
        say "rustup could not add $WASM_TARGET: falling back to Debian's toolchain (path B)"
        debian_toolchain_present || apt_install rustc-web cargo-web rust-web-src lld-22
        use_debian
    fi
fi

# --- 2. wasm-bindgen-cli, same version as the wasm-bindgen crate in Cargo.lock ------------------
if [ ! -f Cargo.lock ]; then
    say "cargo generate-lockfile"
    cargo generate-lockfile >&2
fi
WB_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' Cargo.lock)
if [ -z "$WB_VERSION" ]; then
    say "no wasm-bindgen package in Cargo.lock"
    exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]; then
    say "cargo install wasm-bindgen-cli --version =$WB_VERSION (takes a few minutes)"
    # No --locked: one of the CLI's pinned dependency versions is not in the registry index.
    cargo install wasm-bindgen-cli --version "=$WB_VERSION" >&2
fi
ok "wasm-bindgen $(wasm-bindgen --version | cut -d' ' -f2)"

# --- 3. wasm-opt (binaryen from npm; Debian's binaryen is too old for rustc's output) ------------
WASM_OPT="$TOOLS_DIR/node_modules/.bin/wasm-opt"
wasm_opt_ok() { grep -qE "version $BINARYEN_VERSION( |\$)" <<<"$("$WASM_OPT" --version 2>/dev/null)"; }
if ! wasm_opt_ok; then
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    mkdir -p "$TOOLS_DIR"
    say "npm install binaryen@$BINARYEN_VERSION into $TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION" >&2
    wasm_opt_ok || { say "$WASM_OPT does not run"; exit 1; }
fi
ok "wasm-opt $("$WASM_OPT" --version | awk '{print $3}') (npm binaryen, node $(node --version))"

# --- 4. chromium + chromedriver (browser tests) ---------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
ok "chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
ok "chromedriver $(chromedriver --version 2>/dev/null | awk '{print $2}')"
