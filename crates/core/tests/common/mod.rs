//! Shared helpers for the fixture-dir runners: where the corpus is, listing fixture folders (an existing but
//! empty folder is a failure, so a broken checkout cannot pass silently), and a never-panics smoke check.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use leakloupe_core::ingest::{ingest_all, message_bytes, Sniffed};
use leakloupe_core::message::{attachment_bytes, read_message};

/// The corpus folder: `$LEAKLOUPE_CORPUS`, or `shared/corpus` beside the repository. `None` (with a plain
/// message on stdout) when it does not exist.
pub fn corpus_root() -> Option<PathBuf> {
    let path = match std::env::var_os("LEAKLOUPE_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    };
    if path.is_dir() {
        Some(path)
    } else {
        println!(
            "corpus not found at {}: skipping corpus tests (set LEAKLOUPE_CORPUS)",
            path.display()
        );
        None
    }
}

/// The repository's own fixtures.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// All files under `dir` (recursively, sorted) accepted by `keep`. Panics if `dir` is missing or holds no
/// such file: a fixture folder that exists must not be empty.
pub fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot list fixture folder {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path)
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(".")
                    .starts_with('.')
            {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(
        !out.is_empty(),
        "fixture folder {} is empty (no matching files)",
        dir.display()
    );
    out
}

/// Ingest one file; it must yield messages or diagnostics, every message must be readable, and its span must
/// give back exactly the bytes that were summarized. Returns the number of messages.
pub fn smoke(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let r = ingest_all(&bytes, name);
    assert!(
        !r.messages.is_empty() || !r.diagnostics.is_empty(),
        "{}: neither messages nor diagnostics",
        path.display()
    );
    if let Sniffed::Rejected { reason } = &r.sniffed {
        assert!(
            reason.starts_with("not an email"),
            "{}: {reason}",
            path.display()
        );
    }
    for (span, summary) in &r.messages {
        let start = usize::try_from(span.offset).expect("offset");
        let end = start + usize::try_from(span.len).expect("len");
        let raw = message_bytes(span, &bytes[start..end]);
        assert_eq!(
            leakloupe_core::message::sha256_hex(&raw),
            summary.sha256,
            "{}: span bytes",
            path.display()
        );
        let detail = read_message(&raw);
        for a in &detail.attachments {
            let got = attachment_bytes(&raw, a.index).expect("attachment listed by read_message");
            assert_eq!(
                got.len() as u64,
                a.size,
                "{}: attachment {}",
                path.display(),
                a.index
            );
        }
    }
    for d in &r.diagnostics {
        assert!(
            !d.text.is_empty(),
            "{}: empty diagnostic text",
            path.display()
        );
    }
    r.messages.len()
}
