//! Fixture-dir runner over the corpus mboxes: message counts, sorted subjects, and the `sample.mbox`
//! contents and envelopes, as asserted upstream and transcribed in `mbox/EXPECTED.json`.
//! Without the corpus it says so and checks the repository's own mbox fixtures instead.

mod common;

use leakloupe_core::ingest::{ingest_all, message_bytes};
use serde_json::Value;

#[test]
fn mbox_expectations() {
    let Some(root) = common::corpus_root() else {
        for f in common::files_under(&common::fixtures_dir(), &|p| {
            p.extension().is_some_and(|e| e == "mbox")
        }) {
            assert!(common::smoke(&f) > 0, "{}", f.display());
        }
        return;
    };
    let expected_path = root.join("mbox/EXPECTED.json");
    let text = std::fs::read_to_string(&expected_path).expect("mbox/EXPECTED.json");
    let expected: Value = serde_json::from_str(&text).expect("valid JSON");
    let mut checked = 0;
    for (rel, want) in expected.as_object().expect("object") {
        if !rel.starts_with("mbox/") {
            continue; // maildir entries are not mbox sources
        }
        let bytes = std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let r = ingest_all(&bytes, rel);
        let count = want["message_count"].as_u64().expect("message_count");
        assert_eq!(
            r.messages.len() as u64,
            count,
            "{rel}: message count; diagnostics {:?}",
            r.diagnostics
        );
        if let Some(subjects) = want["subjects_sorted"].as_array() {
            let mut got: Vec<&str> = r.messages.iter().map(|(_, s)| s.subject.as_str()).collect();
            got.sort_unstable();
            let want: Vec<&str> = subjects.iter().filter_map(Value::as_str).collect();
            assert_eq!(got, want, "{rel}: subjects");
        }
        if let Some(msgs) = want["messages"].as_array() {
            for ((span, _), m) in r.messages.iter().zip(msgs) {
                let env = span.envelope.as_ref().expect("envelope");
                assert_eq!(
                    Some(env.from.as_str()),
                    m["envelope_from"].as_str(),
                    "{rel}"
                );
                assert_eq!(env.date_unix, m["internal_date_unix"].as_i64(), "{rel}");
                let slice = &bytes[span.offset as usize..(span.offset + span.len) as usize];
                let contents = String::from_utf8(message_bytes(span, slice)).expect("utf-8");
                assert_eq!(
                    Some(contents.as_str()),
                    m["contents"].as_str(),
                    "{rel}: message {}",
                    span.index
                );
            }
        }
        for key in ["first_message", "second_message"] {
            if let Some(x_test) = want[key]["X-Test"].as_str() {
                let i = usize::from(key == "second_message");
                let (span, _) = &r.messages[i];
                let slice = &bytes[span.offset as usize..(span.offset + span.len) as usize];
                let d = leakloupe_core::message::read_message(&message_bytes(span, slice));
                let got = d
                    .headers
                    .iter()
                    .find(|h| h.name == "X-Test")
                    .map(|h| h.decoded.as_str());
                assert_eq!(got, Some(x_test), "{rel} {key}");
                assert_eq!(
                    d.headers.len() as u64,
                    want[key]["header_count"].as_u64().unwrap_or(0),
                    "{rel} {key}"
                );
            }
        }
        checked += 1;
    }
    println!("mbox: {checked} sources matched mbox/EXPECTED.json");
    assert!(checked >= 15, "only {checked} mbox expectations checked");
}

/// mboxcl2 lengths are not trusted: Email-Folder's `mboxcl2.lies` has a wrong Content-Length on its
/// first message, the split at From_ lines still finds 3 messages, and the log says the length lied;
/// the honest `mboxcl2` draws no such note.
#[test]
fn a_lying_content_length_is_said_and_ignored() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let dir = root.join("mbox/email-folder-perl");
    let lies = leakloupe_core::ingest::ingest_all(&std::fs::read(dir.join("mboxcl2.lies")).unwrap(), "mboxcl2.lies");
    assert_eq!(lies.messages.len(), 3);
    let notes: Vec<&str> =
        lies.diagnostics.iter().map(|d| d.text.as_str()).filter(|t| t.contains("Content-Length says")).collect();
    assert_eq!(notes.len(), 1, "{:#?}", lies.diagnostics);
    assert!(notes[0].starts_with("mbox message 1: "), "{notes:?}");
    let honest = leakloupe_core::ingest::ingest_all(&std::fs::read(dir.join("mboxcl2")).unwrap(), "mboxcl2");
    assert!(honest.diagnostics.iter().all(|d| !d.text.contains("Content-Length says")), "{:#?}", honest.diagnostics);
}
