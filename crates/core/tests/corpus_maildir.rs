//! Maildir and MH folders of the shared corpus, walked the way the worker walks a dropped folder:
//! every file is classified by its path ([`classify`]), the readable ones ingested. The expected
//! counts are SOURCES.md's and mbox/EXPECTED.json's (testmaildir: 10, tmp/ ignored).
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use leakloupe_core::ingest::ingest_all;
use leakloupe_core::ingest::maildir::{classify, PathRole};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("LEAKLOUPE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        println!("corpus not found at {}: skipping corpus tests (set LEAKLOUPE_CORPUS)", p.display());
        None
    }
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
}

/// What a folder walk found: messages, subjects sorted (or paths), and (folder, flags) per message.
type Walked = (usize, Vec<String>, Vec<(String, Vec<String>)>);

/// (messages, subjects sorted, flags seen) for a dropped folder; `parse` = also ingest each file
/// (stalwart's Maildir holds one-letter placeholder files, not mail: only its paths are tested).
fn ingest_folder(root: &Path, parse: bool) -> Walked {
    let base = root.parent().unwrap();
    let mut files = Vec::new();
    walk(root, base, &mut files);
    assert!(!files.is_empty(), "fixture folder {} is empty", root.display());
    let mut subjects = Vec::new();
    let mut flags = Vec::new();
    for (rel, path) in files {
        match classify(&rel) {
            PathRole::Skip(_) => continue,
            PathRole::Message { folder, flags: f } => {
                if parse {
                    let bytes = std::fs::read(&path).unwrap();
                    let r = ingest_all(&bytes, &rel);
                    assert_eq!(r.messages.len(), 1, "{rel}: {:?}", r.diagnostics);
                    subjects.push(r.messages[0].1.subject.clone());
                } else {
                    subjects.push(rel.clone());
                }
                flags.push((folder.unwrap_or_default(), f));
            }
        }
    }
    subjects.sort();
    (subjects.len(), subjects, flags)
}

#[test]
fn email_folder_testmaildir_has_ten_messages_and_ignores_tmp() {
    let Some(c) = corpus() else { return };
    let (n, subjects, _) = ingest_folder(&c.join("maildir/email-folder-perl/testmaildir"), true);
    assert_eq!(n, 10);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.join("mbox/EXPECTED.json")).unwrap()).unwrap();
    let want: Vec<String> = expected["maildir/email-folder-perl/testmaildir"]["subjects_sorted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(subjects, want);
}

#[test]
fn stalwart_maildirpp_folders_and_flags() {
    let Some(c) = corpus() else { return };
    let (n, _, flags) = ingest_folder(&c.join("maildir/stalwart"), false);
    assert_eq!(n, 6);
    assert!(flags.contains(&("stalwart/My Folder/Nested Folder".into(), vec!["flagged".into(), "passed".into()])), "{flags:?}");
    assert!(flags.contains(&("stalwart".into(), vec!["keyword l".into(), "keyword n".into(), "seen".into(), "trashed".into()])), "{flags:?}");
}

#[test]
fn mh_folder_reads_numbered_files_only() {
    let Some(c) = corpus() else { return };
    let (n, _, flags) = ingest_folder(&c.join("maildir/email-folder-perl/testmh"), true);
    assert_eq!(n, 4);
    assert!(flags.iter().all(|(f, _)| f == "testmh"));
}
