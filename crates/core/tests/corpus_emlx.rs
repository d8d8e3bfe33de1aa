//! Fixture-dir runners over Apple Mail `.emlx` files.
//!
//! 1. `converter_inputs_match_expected_results`: every `emlx/partial-emlx-converter/input/Messages/*.emlx`
//!    yields exactly one message, readable through the app's path; where `expected_results/ID.eml` exists
//!    (the message the converter rebuilds), subject, From and Date match it as read by the `.eml` path.
//!    Partial files carry the "attachment bodies are stored separately" warning; full ones do not.
//! 2. `invalid_emlx_is_rejected`: `malformed/emlx/invalid.emlx` is rejected with a specific reason.
//! 3. `own_fixture`: `tests/fixtures/tiny.partial.emlx`, exact expectations; runs with or without the corpus.
//!
//! Without the corpus, 1 and 2 say so and only 3 checks anything.

mod common;

use std::path::Path;

use leakloupe_core::diagnostic::{DiagnosticKind, Severity};
use leakloupe_core::ingest::{
    ingest_all, message_bytes, IngestResult, Sniffed, SourceFormat, SpanKind,
};
use leakloupe_core::message::{read_message, MessageDetail};

const PARTIAL: &str =
    "emlx: partial emlx: attachment bodies are stored separately in Attachments/<id>/";

fn only_message(r: &IngestResult, src: &[u8], what: &str) -> MessageDetail {
    assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Emlx), "{what}");
    assert_eq!(r.messages.len(), 1, "{what}: {:?}", r.diagnostics);
    let (span, summary) = &r.messages[0];
    assert_eq!(span.kind, SpanKind::Rfc822, "{what}");
    let slice = &src[span.offset as usize..(span.offset + span.len) as usize];
    let raw = message_bytes(span, slice);
    assert!(
        !raw.starts_with(b"<?xml") && !raw.windows(8).any(|w| w == b"</plist>"),
        "{what}: plist in message"
    );
    let d = read_message(&raw);
    assert_eq!(&d.summary.subject, &summary.subject, "{what}");
    d
}

#[test]
fn converter_inputs_match_expected_results() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let base = root.join("emlx/partial-emlx-converter");
    let inputs = common::files_under(&base.join("input/Messages"), &|p: &Path| {
        p.extension().is_some_and(|e| e == "emlx")
    });
    let mut compared = 0;
    for input in &inputs {
        let name = input
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let id = name.split('.').next().unwrap_or_default();
        let src = std::fs::read(input).expect("emlx");
        assert_eq!(common::smoke(input), 1, "{name}");
        let r = ingest_all(&src, name);
        let got = only_message(&r, &src, name);
        assert!(!got.summary.subject.is_empty(), "{name}");
        let partial = r.diagnostics.iter().any(|d| d.text.starts_with(PARTIAL));
        assert_eq!(
            partial,
            name.ends_with(".partial.emlx"),
            "{name}: {:?}",
            r.diagnostics
        );
        assert!(
            r.diagnostics.iter().all(|d| d.severity < Severity::Error),
            "{name}: {:?}",
            r.diagnostics
        );
        let expected = base.join(format!("expected_results/{id}.eml"));
        if expected.is_file() {
            let want = read_message(&std::fs::read(&expected).expect("eml"));
            assert_eq!(got.summary.subject, want.summary.subject, "{name}: subject");
            assert_eq!(got.summary.from, want.summary.from, "{name}: from");
            assert_eq!(got.summary.date, want.summary.date, "{name}: date");
            assert!(got.summary.date.is_some(), "{name}: date");
            assert_eq!(
                got.summary.message_id, want.summary.message_id,
                "{name}: Message-ID"
            );
            compared += 1;
        }
    }
    println!(
        "emlx: {} inputs, {compared} compared with expected_results/",
        inputs.len()
    );
    assert!(inputs.len() >= 10, "only {} emlx inputs", inputs.len());
    assert!(compared >= 2, "only {compared} compared");
}

#[test]
fn invalid_emlx_is_rejected() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let path = root.join("malformed/emlx/invalid.emlx");
    let src = std::fs::read(&path).expect("invalid.emlx");
    let r = ingest_all(&src, "invalid.emlx");
    assert!(r.messages.is_empty());
    let d = &r.diagnostics[0];
    assert_eq!(
        (d.severity, d.kind),
        (Severity::Error, DiagnosticKind::NotMail)
    );
    assert_eq!(
        d.text,
        "not an email: this .emlx file does not start with a byte-count line followed by a header block, as Apple Mail writes them"
    );
}

#[test]
fn own_fixture() {
    let path = common::fixtures_dir().join("tiny.partial.emlx");
    let src = std::fs::read(&path).expect("fixture tiny.partial.emlx");
    let r = ingest_all(&src, "tiny.partial.emlx");
    let d = only_message(&r, &src, "tiny.partial.emlx");
    let (span, s) = &r.messages[0];
    assert_eq!((span.offset, span.len), (11, 553));
    assert_eq!(s.subject, "Angebot (vertraulich)");
    assert_eq!(s.from, "Jörg <joerg@example.de>");
    assert_eq!(
        s.date.expect("date").utc_display(),
        "2024-06-03 15:05:00 UTC"
    );
    assert_eq!(d.body.text, "Hallo Anna, das Angebot liegt bei.");
    // The stripped attachment is still listed, with no bytes.
    assert_eq!(d.attachments.len(), 1);
    assert_eq!(d.attachments[0].filename.as_deref(), Some("Angebot.pdf"));
    assert_eq!(d.attachments[0].size, 0);
    let texts: Vec<&str> = r.diagnostics.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "emlx: partial emlx: attachment bodies are stored separately in Attachments/<id>/ (1 part(s) here have headers only)",
            "emlx: Apple Mail property list: received 2024-06-03 15:05:10 UTC; flags: read, answered; 1 attachment(s) per Apple Mail",
        ]
    );
    // The same file cut into any chunks gives the same result.
    for size in [1, 7, 100] {
        let mut got = IngestResult {
            sniffed: r.sniffed.clone(),
            messages: vec![],
            diagnostics: vec![],
        };
        let mut ing = leakloupe_core::ingest::Ingester::new(SourceFormat::Emlx);
        for c in src.chunks(size) {
            ing.push(c, &mut got);
        }
        ing.finish(&mut got);
        assert_eq!(got, r, "chunk size {size}");
    }
}
