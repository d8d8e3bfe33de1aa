//! Repository hygiene, checked on every `cargo test` (the idea of rust-analyzer's `xtask/src/tidy.rs`):
//! every Rust file opens with a `//!` paragraph, no machine-specific path is committed, and the core
//! crate stays free of web crates even through its dependencies.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// Files git tracks plus new ones it does not ignore.
fn repo_files() -> Vec<PathBuf> {
    let out = Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root().join(String::from_utf8_lossy(p).as_ref()))
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<String> = repo_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "these files do not open with a `//!` doc: {missing:#?}");
}

#[test]
fn no_machine_paths_are_committed() {
    // Paths of the machines this project was built on; a clone elsewhere must not depend on them.
    let needles = ["/work/main", "/work/shared", "/root/", "/tmp/wt"];
    let mut hits = Vec::new();
    for p in repo_files() {
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        if rel.ends_with("tidy.rs") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else { continue };
        for n in needles {
            if text.contains(n) {
                hits.push(format!("{rel}: {n}"));
            }
        }
    }
    assert!(hits.is_empty(), "machine-specific paths in the repository: {hits:#?}");
}

#[test]
fn core_has_no_web_crates_even_indirectly() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "leakloupe-core", "--target", "wasm32-unknown-unknown", "-e", "normal", "--prefix", "none"])
        .current_dir(root())
        .output()
        .expect("cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    let web: Vec<&str> = tree
        .lines()
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            matches!(name, "wasm-bindgen" | "web-sys" | "js-sys" | "gloo" | "yew" | "web-time" | "getrandom")
        })
        .collect();
    assert!(tree.contains("leakloupe-core"), "unexpected cargo tree output: {tree}");
    assert!(web.is_empty(), "the core must not depend on web crates: {web:#?}");
}
