//! The built-in demo leak ([`leakloupe_core::demo`]) read natively along the worker's steps (key file into
//! the key store; mboxes split; the zip's entries; forwarded mail; one message per distinct SHA-256; DKIM,
//! relay findings, the dump-wide forensics of `leakloupe::forensics::Collector`, the search index): every
//! lesson's query finds exactly the messages it says, and the story's facts hold. The browser test
//! `served_demo_leak_and_its_guide` checks the same counts in the page.

use std::collections::BTreeMap;

use std::ops::ControlFlow;

use leakloupe::forensics::Collector;
use leakloupe_core::analysis::received::{analyze, ReceivedOptions};
use leakloupe_core::auth::{dkim, KeyStore};
use leakloupe_core::container::{detect, for_each_entry, Limits};
use leakloupe_core::demo::{files, FILE_COUNT, LESSONS};
use leakloupe_core::ingest::{embedded::embedded_messages, ingest_all, message_bytes};
use leakloupe_core::message::read_message;
use leakloupe_core::search::{parse, Doc, SearchIndex};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The messages of one file's bytes, each with where it is.
fn split(bytes: &[u8], name: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let r = ingest_all(bytes, name);
    for (span, _) in &r.messages {
        let slice = &bytes[span.offset as usize..(span.offset + span.len) as usize];
        out.push((format!("{name} › message {}", span.index + 1), message_bytes(span, slice)));
    }
}

struct Read_ {
    keys: KeyStore,
    /// Distinct messages (by SHA-256), in the order first met, each with all its locations.
    messages: Vec<(Vec<u8>, Vec<String>)>,
}

fn read_demo() -> Read_ {
    let mut keys = KeyStore::default();
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    let demo = files();
    assert_eq!(demo.len(), FILE_COUNT);
    for f in &demo {
        if f.path.ends_with(".txt") {
            let problems = keys.add_records(&String::from_utf8_lossy(&f.bytes), &f.path);
            assert!(problems.iter().all(|p| p.severity == leakloupe_core::diagnostic::Severity::Info), "{problems:?}");
            continue;
        }
        match detect(&f.bytes) {
            Some(kind) => {
                let mut entries = Vec::new();
                let diags = for_each_entry(kind, &f.bytes, &Limits::default(), &mut |e, r| {
                    let mut data = Vec::new();
                    r.read_to_end(&mut data).expect("entry");
                    entries.push((format!("{} › {}", f.path, e.path), data));
                    ControlFlow::Continue(())
                });
                assert!(diags.is_empty(), "{diags:?}");
                for (path, data) in entries {
                    split(&data, &path, &mut found);
                }
            }
            None => split(&f.bytes, &f.path, &mut found),
        }
    }
    // Forwarded mail is a message of its own.
    let mut embedded = Vec::new();
    for (at, raw) in &found {
        for e in embedded_messages(raw).iter() {
            embedded.push((format!("{at} › attachment {}", e.path[0]), e.bytes.clone()));
        }
    }
    found.extend(embedded);
    let mut by_hash: BTreeMap<String, usize> = BTreeMap::new();
    let mut messages: Vec<(Vec<u8>, Vec<String>)> = Vec::new();
    for (at, raw) in found {
        let h = sha256_hex(&raw);
        match by_hash.get(&h) {
            Some(&i) => messages[i].1.push(at),
            None => {
                by_hash.insert(h, messages.len());
                messages.push((raw, vec![at]));
            }
        }
    }
    Read_ { keys, messages }
}

#[test]
fn the_demo_is_the_same_bytes_every_time() {
    let a = files();
    let b = files();
    assert_eq!(a, b);
    let names: Vec<&str> = a.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["northwind-leak/dns-keys.txt", "northwind-leak/anna-keller.mbox", "northwind-leak/mei-lin.mbox", "northwind-leak/finance.zip"]);
}

#[test]
fn every_lesson_finds_what_it_says() {
    let demo = read_demo();
    let mut index = SearchIndex::new();
    let mut collector = Collector::default();
    let mut verdicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, (raw, _)) in demo.messages.iter().enumerate() {
        let id = id as u32;
        let detail = read_message(raw);
        let doc = Doc::from_raw_and_detail(raw, &detail);
        index.add(id, &doc).unwrap();
        let reports = dkim::verify_message(raw, &demo.keys, doc.date);
        collector.observe_dkim(id, doc.date, &reports);
        let verdict = dkim::overall(&reports).label().to_string();
        index.set_keyword(id, "dkim", &verdict).unwrap();
        verdicts.entry(verdict).or_default().push(detail.summary.subject.clone());
        let chain = analyze(&detail.headers, &ReceivedOptions::default());
        let codes: Vec<&str> = chain.findings.iter().map(|f| f.code).collect();
        index.set_keywords(id, "finding", &codes).unwrap();
        collector.observe(id, raw, &detail, &chain.findings);
    }
    let view = collector.finish(&mut index);
    println!("DKIM: {verdicts:#?}");
    println!("dump-wide findings: {:?}", view.findings.iter().map(|f| (&f.code, f.messages)).collect::<Vec<_>>());

    // 18 distinct messages: 13 in Anna's mbox, Mei's reply (her copy of the kickoff is the same bytes),
    // the back-dated note, the offer and the original approval from the zip (the estimate there is the same
    // bytes as Anna's), Tomás's acceptance; the forwarded offer is the zip's offer.
    assert_eq!(demo.messages.len(), 18, "{:#?}", demo.messages.iter().map(|m| &m.1).collect::<Vec<_>>());
    let subject_of = |raw: &[u8]| read_message(raw).summary.subject;
    for lesson in LESSONS {
        let q = parse(lesson.query).unwrap_or_else(|e| panic!("{}: {e:?}", lesson.query));
        let hits = index.search(&q);
        let subjects: Vec<String> = hits.ids().iter().map(|&i| subject_of(&demo.messages[i as usize].0)).collect();
        assert_eq!(hits.ids().len() as u32, lesson.expect, "lesson {:?}: {} finds {subjects:?}", lesson.title, lesson.query);
        println!("{:<28} {:<40} {subjects:?}", lesson.title, lesson.query);
    }

    // The story's facts behind the counts.
    let one = |q: &str| -> String {
        let ids = index.search(&parse(q).unwrap()).ids().to_vec();
        assert_eq!(ids.len(), 1, "{q}");
        subject_of(&demo.messages[ids[0] as usize].0)
    };
    assert_eq!(one("dkim:fail"), "Re: Fwd: Dalton offer for lot 4");
    assert_eq!(one("dkim:neutral"), "Dalton offer for lot 4");
    for q in ["finding:fingerprint.mailer-change", "finding:received.none", "finding:authors.name-script-mismatch", "dkim:none from:anna"] {
        assert_eq!(one(q), "Urgent: transfer to Dalton Dredging today", "{q}");
    }
    assert_eq!(one("finding:received.negative-delay"), "Question about the lot 4 tender");
    assert_eq!(one("finding:date.anachronism"), "Lot 4 when it comes up");
    // The altered approval and the original: same Message-ID, different bytes, one passes.
    let approvals: Vec<&(Vec<u8>, Vec<String>)> =
        demo.messages.iter().filter(|(raw, _)| subject_of(raw) == "Re: Fwd: Dalton offer for lot 4").collect();
    assert_eq!(approvals.len(), 2);
    let texts: Vec<String> = approvals.iter().map(|(raw, _)| String::from_utf8_lossy(raw).into_owned()).collect();
    assert!(texts.iter().any(|t| t.contains("offer of 2.1 million")) && texts.iter().any(|t| t.contains("offer of 1.2 million")));
    // One message, several places: the kickoff, the estimate, the forwarded offer.
    let places = |subject: &str| -> Vec<String> {
        demo.messages.iter().find(|(raw, _)| subject_of(raw) == subject).map(|m| m.1.clone()).unwrap_or_default()
    };
    assert_eq!(places("Lot 4 kickoff: dredging contract").len(), 2);
    assert_eq!(places("Re: Lot 4 kickoff: dredging contract").len(), 2);
    let offer = places("Dalton offer for lot 4");
    assert!(offer.len() == 2 && offer.iter().any(|p| p.contains("attachment")) && offer.iter().any(|p| p.contains("finance.zip")), "{offer:?}");
    // Nothing unintended: the only dump-wide findings are the planted message's (and the relay clock's).
    // Forensics › Signatures: the authority's key verifies 13 and fails once (the altered message, alone
    // among passes); Dalton's key is not in the drop.
    let keys: Vec<(&str, &str, u32, u32, u32, &str)> = view
        .signing_keys
        .iter()
        .map(|k| (k.domain.as_str(), k.selector.as_str(), k.pass, k.fail, k.unchecked, k.pattern.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("northwind-port.example", "nw2023", 13, 1, 0, "isolated-failures"),
            ("daltondredging.example", "dd2019", 0, 0, 1, "key-missing"),
        ]
    );
    assert_eq!(one("finding:dkim.isolated-failure"), "Re: Fwd: Dalton offer for lot 4");
    // Anna's hours on her own clock: 08 (both approvals), 09, 11, 17, and the planted 06 (at UTC-05:00).
    let anna = view.senders.iter().find(|s| s.sender == "anna.keller@northwind-port.example").expect("Anna's profile");
    let busy: Vec<(usize, u32)> = anna.hours.iter().copied().enumerate().filter(|(_, n)| *n > 0).collect();
    assert_eq!(busy, [(6, 1), (8, 2), (9, 1), (11, 1), (17, 1)]);
    let mut codes: Vec<(&str, u32)> = view.findings.iter().map(|f| (f.code.as_str(), f.messages)).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("authors.name-script-mismatch", 1),
            ("date.anachronism", 1),
            ("dkim.isolated-failure", 1),
            ("fingerprint.mailer-change", 1),
            ("fingerprint.message-id-change", 1),
            ("fingerprint.timezone-change", 1),
            ("received.negative-delay", 1),
            ("received.none", 1),
        ]
    );
}
