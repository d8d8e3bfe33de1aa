//! Leakloupe's build tool, run as `cargo run -q -p xtask -- <command>` (the Makefile wraps it).
//!
//! Commands:
//! - `build`: compile the `app` and `worker` binaries to wasm32 (release), run wasm-bindgen
//!   (`--target no-modules`) and wasm-opt on them, and assemble the served build in `dist/`.
//! - `dist`: `build`, then also write `dist/leakloupe.html`, one self-contained file (see [`page`]).
//! - `serve [--port N] [--dir DIR]`: serve `dist/` (or DIR) on 127.0.0.1 (see [`serve`]).
//!
//! Everything runs offline; the tools it needs are installed by `tools/setup.sh`.
//! Environment: `LEAKLOUPE_TOOLCHAIN` (`rustup` | `debian`) forces a wasm toolchain,
//! `LEAKLOUPE_WASM_OPT` and `LEAKLOUPE_WASM_BINDGEN` name the tools explicitly.

mod build;
mod page;
mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Every fallible step reports a human-readable message.
pub type Result<T> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo run -q -p xtask -- <command>

commands:
  build                          compile app + worker to wasm and assemble dist/ (served build)
  dist                           build, then also write dist/leakloupe.html (single self-contained file)
  serve [--port N] [--dir DIR]   serve DIR (default dist) at http://127.0.0.1:N/ (default 8088)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cli(args: &[String]) -> Result<()> {
    let root = repo_root();
    let started = Instant::now();
    match args.first().map(String::as_str) {
        Some("build") if args.len() == 1 => {
            build::build(&root)?;
            step(&format!("done in {:.1?}", started.elapsed()));
            Ok(())
        }
        Some("dist") if args.len() == 1 => {
            let built = build::build(&root)?;
            page::single_file(&root, &built)?;
            step(&format!("done in {:.1?}", started.elapsed()));
            Ok(())
        }
        Some("serve") => {
            let mut port: u16 = 8088;
            let mut dir = root.join("dist");
            let mut rest = args[1..].iter();
            while let Some(flag) = rest.next() {
                let value = rest
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
                match flag.as_str() {
                    "--port" => port = value.parse().map_err(|_| format!("bad port {value:?}"))?,
                    "--dir" => dir = root.join(value),
                    _ => return Err(format!("unknown option {flag:?}\n{USAGE}")),
                }
            }
            serve::serve(&dir, port)
        }
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command {args:?}\n{USAGE}")),
    }
}

/// The repository root: two levels above this crate's manifest (`crates/xtask`).
pub fn repo_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or(manifest)
}

/// Print one progress line.
pub fn step(msg: &str) {
    eprintln!("xtask: {msg}");
}

/// Run a command with inherited stdio; fail with its description if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        return Ok(());
    }
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    Err(format!("`{line}` failed ({status})"))
}

/// Run a command and return its stdout (trimmed), or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Read a file as bytes, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Read a UTF-8 file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Write a file (creating its directory), naming it in the error.
pub fn write(path: &Path, data: impl AsRef<[u8]>) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A byte count for humans (`712.3 KB`).
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}
