//! Messages inside messages (`ingest::embedded`) over the shared corpus and an own fixture.
//!
//! 1. `cpython_message_rfc822_parts`: the CPython email test messages that carry `message/rfc822` parts or
//!    digests give exactly the embedded messages listed (path, Subject, From); every other file gives none.
//!    Digest entries found twice (msg_28 and msg_30 hold the same two messages) are byte-identical
//!    duplicates for the dedup index.
//! 2. `stalwart_nested_messages_match_expected_parse`: for every Stalwart fixture with an expected parse
//!    (`NAME.json`), the nested messages it lists (`container` set) are ours, in order, with the same Subject.
//! 3. `msgreader_embedded_msg_match_expected`: `NAME-attachments0(-attachments0).json` (msgreader's reading
//!    of the embedded `.msg`) has the Subject of our embedded message at path `[0]` (`[0, 0]`).
//! 4. `every_embedded_message_reads_like_a_message`: for every eml / malformed / msg file, each embedded
//!    message is found again by its path, hashes as its parent's attachment hashes, and reads and
//!    summarizes without panicking; a file whose summary says no attachment could be a message
//!    (`may_embed_message`, which lets ingest skip the scan) gives nothing; the totals are pinned.
//! 5. `own_fixture_forward_of_forward`: `tests/fixtures/embedded/forward-of-forward.eml` (a QP-encoded
//!    forward holding a base64 `.eml` sent as octet-stream, plus a base64 message cut short), exact
//!    expectations; runs with or without the corpus.
//!
//! Without the corpus, 1 to 4 say so and only 5 checks anything.

mod common;

use std::path::Path;

use leakloupe_core::dedup::{DedupIndex, Seen};
use leakloupe_core::diagnostic::DiagnosticKind;
use leakloupe_core::ingest::embedded::{embedded_at, embedded_messages, Embedded, EmbeddedOrigin};
use leakloupe_core::ingest::SpanKind;
use leakloupe_core::message::{attachment_bytes, read_message, sha256_hex, summarize};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn cpython_message_rfc822_parts() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    type Want = &'static [(&'static [u32], &'static str, &'static str)];
    let expected: &[(&str, Want)] = &[
        (
            "msg_02.txt",
            &[
                (&[0], "[Ppp] testing #1", "barry@digicool.com"),
                (&[1], "", "barry@digicool.com"),
                (&[2], "[Ppp] testing #3", "barry@digicool.com"),
                (&[3], "[Ppp] testing #4", "barry@digicool.com"),
                (&[4], "[Ppp] testing #5", "barry@digicool.com"),
            ],
        ),
        ("msg_05.txt", &[(&[0], "", "nobody@python.org")]),
        ("msg_06.txt", &[(&[0], "testing", "barry@python.org")]),
        ("msg_11.txt", &[(&[0], "An enclosed message", "")]),
        (
            "msg_16.txt",
            &[(
                &[1],
                "[scr] yeah for Ians!!",
                "Ian T. Henry <henryi@oxy.edu>",
            )],
        ),
        (
            "msg_28.txt",
            &[(&[0], "ee", "cc@dd.org"), (&[1], "ee", "cc@dd.org")],
        ),
        (
            "msg_30.txt",
            &[(&[0], "ee", "cc@dd.org"), (&[1], "ee", "cc@dd.org")],
        ),
        ("msg_34.txt", &[(&[0], "", "cperson@dom.ain")]),
        ("msg_42.txt", &[(&[0], "", "webmaster@python.org")]),
        (
            "msg_46.txt",
            &[(
                &[0],
                "GroupwiseForwardingTest",
                "Dr. Sender <sender@example.net>",
            )],
        ),
    ];
    let files = common::files_under(&root.join("eml/cpython-test_email"), &|p: &Path| {
        p.extension().is_some_and(|e| e == "txt")
    });
    assert_eq!(files.len(), 47);
    let mut dedup = DedupIndex::default();
    let mut ids: Vec<(String, Vec<u32>)> = Vec::new();
    let mut found = 0;
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let raw = read(path);
        let scan = embedded_messages(&raw);
        assert!(
            scan.all_diagnostics().is_empty(),
            "{name}: {:?}",
            scan.all_diagnostics()
        );
        let got: Vec<(Vec<u32>, String, String)> = scan
            .iter()
            .map(|e| {
                assert_eq!(
                    (e.origin, e.kind),
                    (EmbeddedOrigin::MessagePart, SpanKind::Rfc822),
                    "{name}"
                );
                assert!(e.children.is_empty(), "{name}");
                let s = summarize(&e.bytes);
                (e.path.clone(), s.subject, s.from)
            })
            .collect();
        let want: Vec<(Vec<u32>, String, String)> = expected
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, w)| {
                w.iter()
                    .map(|(p, s, f)| (p.to_vec(), s.to_string(), f.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, want, "{name}");
        found += got.len();
        // The top message, then its embedded ones, into one dedup index as the worker would.
        let s = summarize(&raw);
        let id = ids.len() as u32;
        ids.push((name.clone(), Vec::new()));
        // (Several of these test messages share Message-IDs: variants of each other, not our concern here.)
        let _ = dedup.observe(id, &s.sha256, s.message_id.as_deref());
        for e in scan.iter() {
            let s = summarize(&e.bytes);
            let id = ids.len() as u32;
            ids.push((name.clone(), e.path.clone()));
            let seen = dedup.observe(id, &s.sha256, s.message_id.as_deref());
            let first = match seen {
                Seen::SameBytes { first } => Some(ids[first as usize].clone()),
                Seen::New => None,
                Seen::Variant { .. } => panic!("{name} {:?}: no Message-IDs here", e.path),
            };
            let want = match (name.as_str(), e.path.as_slice()) {
                ("msg_30.txt", [i]) => Some(("msg_28.txt".to_string(), vec![*i])),
                _ => None,
            };
            assert_eq!(first, want, "{name} {:?}", e.path);
        }
    }
    assert_eq!(found, 16);
}

/// The Subject of a Stalwart part, from its expected parse.
fn stalwart_subject(part: &serde_json::Value) -> String {
    part["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("subject"))
        })
        .and_then(|h| h["value"]["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn stalwart_nested_messages_match_expected_parse() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let mut compared = 0;
    let mut with_nested = 0;
    for dir in ["eml/stalwart-mail-parser", "malformed/stalwart-dovecot"] {
        let files = common::files_under(&root.join(dir), &|p: &Path| {
            p.extension().is_some_and(|e| e == "eml")
        });
        for eml in files {
            let json = eml.with_extension("json");
            if !json.is_file() {
                continue;
            }
            let expected: serde_json::Value =
                serde_json::from_slice(&read(&json)).expect("expected parse");
            let parts = expected["parts"].as_array().expect("parts");
            let want: Vec<String> = expected["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .filter(|m| !m["container"].is_null())
                .map(|m| {
                    let root_part = m["root"].as_u64().expect("root");
                    let part = parts
                        .iter()
                        .find(|p| p["id"].as_u64() == Some(root_part))
                        .expect("root part");
                    stalwart_subject(part)
                })
                .collect();
            let raw = read(&eml);
            let got: Vec<String> = embedded_messages(&raw)
                .iter()
                .map(|e| summarize(&e.bytes).subject)
                .collect();
            assert_eq!(got, want, "{}", eml.display());
            compared += 1;
            with_nested += usize::from(!want.is_empty());
        }
    }
    println!("stalwart: {compared} expected parses compared, {with_nested} with nested messages");
    assert_eq!((compared, with_nested), (184, 20));
}

#[test]
fn msgreader_embedded_msg_match_expected() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let dir = root.join("msg/msgreader");
    let expectations = common::files_under(&dir, &|p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains("-attachments0") && n.ends_with(".json"))
    });
    let mut compared = 0;
    for json in &expectations {
        let name = json
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (base, rest) = name.split_once("-attachments").expect("suffix");
        let msg = dir.join(format!("{base}.msg"));
        if !msg.is_file() {
            // longerDifat.msg is not in the corpus (see its SOURCES.md).
            continue;
        }
        let depth = rest.matches('0').count();
        let path = vec![0u32; depth];
        let want: serde_json::Value = serde_json::from_slice(&read(json)).expect("json");
        let raw = read(&msg);
        let e = embedded_at(&raw, &path)
            .unwrap_or_else(|| panic!("{name}: no embedded message at {path:?}"));
        assert_eq!(e.origin, EmbeddedOrigin::OutlookEmbedded, "{name}");
        assert_eq!(
            summarize(&e.bytes).subject,
            want["subject"].as_str().expect("subject"),
            "{name}"
        );
        compared += 1;
    }
    assert_eq!(compared, 4);
}

/// Checks one embedded message (and its children) against its parent's bytes `parent`.
fn check(top: &[u8], parent: &[u8], parent_is_outlook_embedded: bool, e: &Embedded, what: &str) {
    let again = embedded_at(top, &e.path)
        .unwrap_or_else(|| panic!("{what} {:?}: path does not resolve", e.path));
    assert_eq!(
        (&again.bytes, again.origin, again.kind),
        (&e.bytes, e.origin, e.kind),
        "{what} {:?}",
        e.path
    );
    let damaged = e
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::BadEncoding);
    if !parent_is_outlook_embedded && !damaged {
        let index = *e.path.last().expect("path");
        assert_eq!(
            attachment_bytes(parent, index).as_deref(),
            Some(e.bytes.as_slice()),
            "{what} {:?}",
            e.path
        );
        let listed = &read_message(parent).attachments[index as usize];
        assert_eq!(listed.sha256, sha256_hex(&e.bytes), "{what} {:?}", e.path);
    }
    let s = summarize(&e.bytes);
    assert_eq!(
        (s.size, s.sha256.as_str()),
        (e.bytes.len() as u64, sha256_hex(&e.bytes).as_str())
    );
    // Every child is an attachment of its parent as read, at the same index (an Outlook message embedded
    // in a .msg too: its rebuild carries its attachments in storage order).
    let d = read_message(&e.bytes);
    for c in &e.children {
        let index = *c.path.last().expect("path") as usize;
        assert!(index < d.attachments.len(), "{what} {:?}", c.path);
        assert_eq!(d.attachments[index].sha256, sha256_hex(&c.bytes), "{what} {:?}", c.path);
    }
    for c in &e.children {
        assert_eq!(c.path.get(..e.path.len()), Some(e.path.as_slice()));
        check(
            top,
            &e.bytes,
            e.origin == EmbeddedOrigin::OutlookEmbedded,
            c,
            what,
        );
    }
}

#[test]
fn every_embedded_message_reads_like_a_message() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let mut totals = Vec::new();
    for dir in ["eml", "malformed", "msg"] {
        let files = common::files_under(&root.join(dir), &|p: &Path| {
            !p.extension()
                .is_some_and(|e| e == "json" || e == "md" || e == "rtf" || e == "png")
        });
        let (mut files_with, mut messages, mut diagnostics, mut skipped) = (0, 0, 0, 0);
        for path in &files {
            let raw = read(path);
            let what = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            let scan = embedded_messages(&raw);
            // Ingest skips the scan when the summary says no attachment could be a message: that must
            // never lose one.
            if !summarize(&raw).may_embed_message {
                assert_eq!((scan.count, scan.all_diagnostics().len()), (0, 0), "{what}: skipped, but the scan finds something");
                skipped += 1;
            }
            assert_eq!(scan.iter().count() as u32, scan.count, "{what}");
            assert_eq!(
                scan.iter().map(|e| e.bytes.len() as u64).sum::<u64>(),
                scan.total_bytes,
                "{what}"
            );
            for e in &scan.messages {
                check(&raw, &raw, false, e, &what);
            }
            files_with += usize::from(scan.count > 0);
            messages += scan.count;
            diagnostics += scan.all_diagnostics().len();
        }
        println!("{dir}: {} files, {files_with} with embedded messages, {messages} messages, {diagnostics} diagnostics, {skipped} not scanned at ingest", files.len());
        totals.push((dir, files_with, messages, diagnostics, skipped));
    }
    assert_eq!(
        totals,
        [
            ("eml", 35, 47, 4, 266),
            ("malformed", 2, 5, 1, 51),
            ("msg", 13, 42, 0, 32)
        ]
    );
}

#[test]
fn own_fixture_forward_of_forward() {
    let raw = read(&common::fixtures_dir().join("embedded/forward-of-forward.eml"));
    let scan = embedded_messages(&raw);
    let got: Vec<(Vec<u32>, EmbeddedOrigin, Option<&str>, String)> = scan
        .iter()
        .map(|e| {
            (
                e.path.clone(),
                e.origin,
                e.filename.as_deref(),
                summarize(&e.bytes).subject,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                vec![0],
                EmbeddedOrigin::MessagePart,
                Some("Fwd Angebot.eml"),
                "Fwd: Angebot".to_string()
            ),
            (
                vec![0, 0],
                EmbeddedOrigin::EmlFile,
                Some("Angebot.eml"),
                "Angebot".to_string()
            ),
            (
                vec![1],
                EmbeddedOrigin::MessagePart,
                None,
                "cut off".to_string()
            ),
        ]
    );
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    let middle = &scan.messages[0];
    let s = summarize(&middle.bytes);
    assert_eq!(
        (s.from.as_str(), s.message_id.as_deref()),
        ("Jörg <joerg@example.de>", Some("<fixture-fwd1@example.de>"))
    );
    assert!(middle.diagnostics.is_empty(), "{:?}", middle.diagnostics);
    assert_eq!(
        read_message(&middle.bytes).body.text.trim_end(),
        "Grüße, siehe Anhang."
    );
    let original = &middle.children[0];
    let d = read_message(&original.bytes);
    assert_eq!(d.summary.to, "Jörg <joerg@example.de>");
    assert_eq!(
        d.summary.message_id.as_deref(),
        Some("<fixture-orig@example.com>")
    );
    assert_eq!(d.body.text, "Der Preis ist 41.000 EUR.\r\n");
    assert!(d.summary.problems.is_empty(), "{:?}", d.summary.problems);
    // The base64 of the last part is cut short (its padding is missing): decoded anyway, and said so.
    let cut = &scan.messages[1];
    assert_eq!(cut.bytes, b"From: mallory@example.org\nSubject: cut off\n\nThis message was cut off in the middle of a word");
    let texts: Vec<String> = scan.all_diagnostics().into_iter().map(|d| d.text).collect();
    assert_eq!(
        texts,
        ["embedded message 2: its base64 is damaged (123 base64 characters, not a multiple of four: the text is truncated); it was decoded as far as it was valid (92 bytes)"]
    );
    // Found again from the top message's bytes alone.
    assert_eq!(
        embedded_at(&raw, &[0, 0]).map(|e| e.bytes),
        Some(original.bytes.clone())
    );
    assert_eq!(
        scan.total_bytes,
        (middle.bytes.len() + original.bytes.len() + cut.bytes.len()) as u64
    );
}
