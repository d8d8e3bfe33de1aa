//! Compiling the wasm binaries and post-processing them: cargo (rustup or Debian toolchain),
//! wasm-bindgen (`--target no-modules`), wasm-opt; then the served build in `dist/`.
//!
//! Post-processing is cached: `target/wasm-bindgen/<bin>.stamp` records the SHA-256 of the cargo
//! output plus the tool versions and flags, so an unchanged binary is not re-processed.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{human_size, output, read, read_text, run, sha256_hex, step, write, Result};

/// The binaries of package `leakloupe` that become wasm modules.
pub const BINS: [&str; 2] = ["app", "worker"];

const TARGET: &str = "wasm32-unknown-unknown";

/// Path B: Debian's std source (package `rust-web-src`).
const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";
/// Path B: Debian's cargo and rustc (packages `cargo-web`, `rustc-web`).
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
/// Path B: the wasm linker (package `lld-22`).
const DEBIAN_WASM_LD: &str = "/usr/lib/llvm-22/bin/wasm-ld";

/// wasm-opt flags besides the optimisation level. These are exactly the wasm features rustc
/// 1.95 enables by default for wasm32-unknown-unknown (`wasm-opt --print-features` on its output);
/// binaryen also reads them from the module's `target_features` section, which wasm-bindgen keeps,
/// but naming them makes a missing section harmless. All current browsers support them.
/// Plus 128-bit SIMD, which the build turns on (see [`RUSTFLAGS`]).
/// Debug names and the producers section are stripped (smaller; panics still print messages).
const WASM_OPT_FLAGS: [&str; 11] = [
    "--enable-simd",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-call-indirect-overlong",
    "--strip-debug",
    "--strip-producers",
];

/// The oldest binaryen that parses current rustc output (Debian's 108 does not).
const MIN_WASM_OPT_VERSION: u32 = 120;

/// Which compiler provides the wasm32 standard library (see design/TOOLCHAIN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toolchain {
    /// Path A: rustup's toolchain with the `wasm32-unknown-unknown` target installed.
    Rustup,
    /// Path B: Debian's `rustc-web`/`cargo-web`, building std from source with `-Zbuild-std`.
    Debian,
}

/// What `build` produced: the post-processed glue + wasm of each binary.
pub struct Built {
    /// Directory holding `<bin>.js` and `<bin>_bg.wasm` for every entry of [`BINS`].
    pub dir: PathBuf,
}

/// Compile, post-process and assemble the served build in `dist/`.
pub fn build(root: &Path) -> Result<Built> {
    let toolchain = detect_toolchain(root)?;
    let wasm_dir = compile(root, toolchain)?;
    let out_dir = target_dir(root).join("wasm-bindgen");
    let bindgen = WasmBindgen::find(root)?;
    let opt = find_wasm_opt();
    for bin in BINS {
        post_process(
            bin,
            &wasm_dir.join(format!("{bin}.wasm")),
            &out_dir,
            &bindgen,
            opt.as_ref(),
        )?;
    }
    let built = Built { dir: out_dir };
    crate::page::served(root, &built)?;
    Ok(built)
}

/// Path A if rustup has the wasm32 target, else path B if Debian's packages are there.
/// `LEAKLOUPE_TOOLCHAIN=rustup|debian` or `target/leakloupe-toolchain` (written by
/// tools/setup.sh when it had to fall back) force the choice.
pub fn detect_toolchain(root: &Path) -> Result<Toolchain> {
    let forced = match env::var("LEAKLOUPE_TOOLCHAIN") {
        Ok(v) => Some(v),
        Err(_) => fs::read_to_string(root.join("target/leakloupe-toolchain"))
            .ok()
            .map(|s| s.trim().to_string()),
    };
    match forced.as_deref() {
        Some("debian") => return Ok(Toolchain::Debian),
        Some("rustup") => return Ok(Toolchain::Rustup),
        Some(other) => {
            return Err(format!(
                "unknown toolchain {other:?} (want rustup or debian)"
            ))
        }
        None => {}
    }
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == TARGET) {
        Ok(Toolchain::Rustup)
    } else if Path::new(DEBIAN_STD_SRC).is_dir() && Path::new(DEBIAN_CARGO).is_file() {
        Ok(Toolchain::Debian)
    } else {
        Err(format!(
            "no {TARGET} standard library found: run `make setup` (tools/setup.sh)"
        ))
    }
}

/// rustc flags for the wasm target: 128-bit SIMD (Chrome 91, Firefox 89, Safari 16.4 and later), so that
/// `memchr`/`memmem` (line ends, boundaries) scan 16 bytes at a time and LLVM can vectorise loops such as
/// SHA-256's message schedule: about 8 % faster ingest and 15 % faster file hashing in wasm (BENCHMARKS.md).
const RUSTFLAGS: &str = "-C target-feature=+simd128";

/// `target/`, or `$CARGO_TARGET_DIR` if set.
pub fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// `cargo build --release` of the wasm binaries; returns the directory holding `<bin>.wasm`.
fn compile(root: &Path, toolchain: Toolchain) -> Result<PathBuf> {
    let (mut cmd, target_dir) = match toolchain {
        Toolchain::Rustup => (Command::new("cargo"), target_dir(root)),
        Toolchain::Debian => {
            // Debian's rustc and cargo together (rustup's rustc cannot build Debian's std),
            // in their own target dir so the two compilers never share artifacts.
            let mut cmd = Command::new(DEBIAN_CARGO);
            cmd.env("RUSTC", DEBIAN_RUSTC)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", DEBIAN_WASM_LD)
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("RUSTC_WRAPPER");
            (cmd, target_dir(root).join("debian"))
        }
    };
    cmd.current_dir(root).arg("build");
    cmd.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", RUSTFLAGS);
    if toolchain == Toolchain::Debian {
        cmd.arg("-Zbuild-std=std,panic_abort");
    }
    cmd.args(["--release", "--target", TARGET, "-p", "leakloupe"]);
    for bin in BINS {
        cmd.args(["--bin", bin]);
    }
    cmd.arg("--target-dir").arg(&target_dir);
    step(&format!(
        "cargo build --release --target {TARGET} ({toolchain:?} toolchain)"
    ));
    run(&mut cmd)?;
    Ok(target_dir.join(TARGET).join("release"))
}

/// The wasm-bindgen CLI, checked to match the `wasm-bindgen` crate version in Cargo.lock.
struct WasmBindgen {
    path: OsString,
    version: String,
}

impl WasmBindgen {
    fn find(root: &Path) -> Result<Self> {
        let want = locked_version(&read_text(&root.join("Cargo.lock"))?, "wasm-bindgen")
            .ok_or("no wasm-bindgen package in Cargo.lock")?;
        let mut candidates: Vec<OsString> = Vec::new();
        if let Some(p) = env::var_os("LEAKLOUPE_WASM_BINDGEN") {
            candidates.push(p);
        }
        candidates.push("wasm-bindgen".into());
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        if let Some(home) = cargo_home {
            candidates.push(home.join("bin/wasm-bindgen").into());
        }
        let mut seen = Vec::new();
        for path in candidates {
            if let Some(v) = output(Command::new(&path).arg("--version")) {
                // "wasm-bindgen 0.2.130"
                let version = v.split_whitespace().nth(1).unwrap_or_default().to_string();
                if version == want {
                    return Ok(WasmBindgen { path, version });
                }
                seen.push(format!("{} is {version}", path.to_string_lossy()));
            }
        }
        Err(format!(
            "wasm-bindgen-cli {want} (the version in Cargo.lock) not found{}: run `make setup` (tools/setup.sh)",
            if seen.is_empty() { String::new() } else { format!(" ({})", seen.join(", ")) }
        ))
    }
}

/// The version of package `name` in a Cargo.lock (the first one, if several).
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines
                .next()?
                .trim()
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}

/// A usable wasm-opt: `$LEAKLOUPE_WASM_OPT`, then the npm binaryen that tools/setup.sh installs,
/// then `wasm-opt` on PATH; each must report at least [`MIN_WASM_OPT_VERSION`].
struct WasmOpt {
    path: OsString,
    version: u32,
}

fn find_wasm_opt() -> Option<WasmOpt> {
    let mut candidates: Vec<OsString> = Vec::new();
    if let Some(p) = env::var_os("LEAKLOUPE_WASM_OPT") {
        candidates.push(p);
    }
    let cache = env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(cache) = cache {
        candidates.push(
            cache
                .join("leakloupe-tools/node_modules/.bin/wasm-opt")
                .into(),
        );
    }
    candidates.push("wasm-opt".into());
    for path in candidates {
        let Some(v) = output(Command::new(&path).arg("--version")) else {
            continue;
        };
        // "wasm-opt version 132 (version_132)"
        let version = v
            .split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if version >= MIN_WASM_OPT_VERSION {
            return Some(WasmOpt { path, version });
        }
        step(&format!(
            "warning: ignoring {} (version {version}, need >= {MIN_WASM_OPT_VERSION})",
            path.to_string_lossy()
        ));
    }
    None
}

/// wasm-opt's level for a binary: the page's module is optimised for size (it is downloaded before anything
/// shows); the worker's for speed (it parses gigabytes; measured in BENCHMARKS.md section 2).
fn opt_level(bin: &str) -> &'static str {
    if bin == "worker" {
        "-O3"
    } else {
        "-Oz"
    }
}

/// wasm-bindgen then wasm-opt for one binary, unless the stamp says the output is current.
fn post_process(
    bin: &str,
    wasm: &Path,
    out_dir: &Path,
    bindgen: &WasmBindgen,
    opt: Option<&WasmOpt>,
) -> Result<()> {
    let input = read(wasm)?;
    let level = opt_level(bin);
    let opt_desc = match opt {
        Some(o) => format!("wasm-opt {} {level} {}", o.version, WASM_OPT_FLAGS.join(" ")),
        None => "no wasm-opt".to_string(),
    };
    let stamp = format!(
        "{}\nwasm-bindgen {}\n{opt_desc}\n",
        sha256_hex(&input),
        bindgen.version
    );
    let stamp_path = out_dir.join(format!("{bin}.stamp"));
    let js = out_dir.join(format!("{bin}.js"));
    let out_wasm = out_dir.join(format!("{bin}_bg.wasm"));
    if fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && js.is_file()
        && out_wasm.is_file()
    {
        step(&format!(
            "{bin}: wasm unchanged, reusing {}",
            out_wasm.display()
        ));
        return Ok(());
    }
    let _ = fs::remove_file(&stamp_path);
    step(&format!(
        "wasm-bindgen {bin} ({})",
        human_size(input.len() as u64)
    ));
    run(Command::new(&bindgen.path)
        .args([
            "--target",
            "no-modules",
            "--no-typescript",
            "--out-name",
            bin,
            "--out-dir",
        ])
        .arg(out_dir)
        .arg(wasm))?;
    match opt {
        Some(o) => {
            let before = read(&out_wasm)?.len() as u64;
            let tmp = out_dir.join(format!("{bin}_bg.opt.wasm"));
            run(Command::new(&o.path)
                .arg(level)
                .args(WASM_OPT_FLAGS)
                .arg(&out_wasm)
                .arg("-o")
                .arg(&tmp))?;
            fs::rename(&tmp, &out_wasm)
                .map_err(|e| format!("cannot rename {}: {e}", tmp.display()))?;
            let after = read(&out_wasm)?.len() as u64;
            step(&format!(
                "wasm-opt {level} {bin}: {} -> {}",
                human_size(before),
                human_size(after)
            ));
        }
        None => step(&format!(
            "warning: wasm-opt not found (run `make setup`): {bin}_bg.wasm is NOT size-optimised"
        )),
    }
    write(&stamp_path, stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.80\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "yew"), None);
    }
}
