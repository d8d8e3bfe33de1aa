//! Fixture-dir runners over the corpus `.eml` files.
//!
//! 1. `stalwart_expected_parses`: every `eml/stalwart-mail-parser/**/NAME.eml` that has a `NAME.json`
//!    (mail-parser's own expected parse) is read as written (LF) and with CRLF line endings; subject, From
//!    addresses, Date (UTC instant) and attachment file names are compared. Known, explained differences are
//!    listed in [`ALLOWED`]; anything else fails.
//! 2. `smoke_all_sources`: every file under `eml/`, `malformed/` and `mbox/` is ingested and fully read; it
//!    must not panic and must yield messages or diagnostics.
//!
//! Without the corpus, both say so and run over the repository's own fixtures instead.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use leakloupe_core::message::{read_message, MessageDetail};
use serde_json::Value;

/// (file relative to `eml/stalwart-mail-parser/`, field): differences between mailparse-based reading and
/// mail-parser's expectations that are legitimate, with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[];

/// What mail-parser expects for the first message of a file.
#[derive(Debug, Default)]
struct Expected {
    subject: Option<String>,
    from: Option<Vec<String>>,
    date_utc: Option<i64>,
    filenames: Vec<String>,
}

fn header<'a>(part: &'a Value, name: &str) -> Option<&'a Value> {
    part["headers"]
        .as_array()?
        .iter()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|h| &h["value"])
}

fn addresses(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for a in v["address"].as_array().into_iter().flatten() {
        if let Some(addr) = a["mailbox"]["address"].as_str() {
            out.push(addr.to_string());
        }
        for m in a["group"]["addresses"].as_array().into_iter().flatten() {
            if let Some(addr) = m["address"].as_str() {
                out.push(addr.to_string());
            }
        }
    }
    out
}

fn date_utc(v: &Value) -> Option<i64> {
    let d = &v["date_time"];
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(d["year"].as_i64()?).ok()?,
        u32::try_from(d["month"].as_u64()?).ok()?,
        u32::try_from(d["day"].as_u64()?).ok()?,
    )?;
    let local = date
        .and_hms_opt(
            u32::try_from(d["hour"].as_u64()?).ok()?,
            u32::try_from(d["minute"].as_u64()?).ok()?,
            u32::try_from(d["second"].as_u64()?).ok()?,
        )?
        .and_utc()
        .timestamp();
    let offset = d["tz_hour"].as_i64()? * 3600 + d["tz_minute"].as_i64()? * 60;
    Some(if d["tz_before_gmt"].as_bool()? {
        local + offset
    } else {
        local - offset
    })
}

fn attribute<'a>(v: Option<&'a Value>, kind: &str, name: &str) -> Option<&'a str> {
    v?[kind]["attributes"]
        .as_array()?
        .iter()
        .find(|kv| kv[0].as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
        .and_then(|kv| kv[1].as_str())
}

fn expected(json: &Value) -> Expected {
    let parts = json["parts"].as_array().cloned().unwrap_or_default();
    let Some(root) = parts.first() else {
        return Expected::default();
    };
    let mut filenames = Vec::new();
    let msg = &json["messages"][0];
    // mail-parser files inline images (multipart/related) under the bodies, not the attachments; Leakloupe
    // lists every named non-body file, so those count here too.
    let inline_media = ["text_body", "html_body"]
        .iter()
        .flat_map(|k| msg[*k].as_array().cloned().unwrap_or_default())
        .filter(|id| {
            id.as_u64()
                .and_then(|i| parts.get(i as usize))
                .is_some_and(|p| p["kind"] == "inline_binary")
        });
    let mut ids: Vec<u64> = msg["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(&inline_media.collect::<Vec<_>>())
        .filter_map(Value::as_u64)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let Some(part) = parts.get(id as usize) else {
            continue;
        };
        let name = attribute(
            header(part, "Content-Disposition"),
            "content_type",
            "filename",
        )
        .or_else(|| attribute(header(part, "Content-Type"), "content_type", "name"));
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            filenames.push(n.to_string());
        }
    }
    filenames.sort();
    Expected {
        subject: header(root, "Subject")
            .and_then(|v| v["text"].as_str())
            .map(str::to_string),
        from: header(root, "From")
            .map(addresses)
            .filter(|a| !a.is_empty()),
        date_utc: header(root, "Date").and_then(date_utc),
        filenames,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Equal up to whitespace runs, where U+FFFD in the expectation (mail-parser's stand-in for a raw 8-bit
/// byte it would not guess a charset for) matches any one character (mailparse reads such bytes as Latin-1).
fn same_text(want: &str, got: &str) -> bool {
    let (want, got) = (collapse(want), collapse(got));
    want.chars().count() == got.chars().count()
        && want
            .chars()
            .zip(got.chars())
            .all(|(w, g)| w == g || w == '\u{FFFD}')
}

/// Compare one reading against the expectation; returns the mismatching fields with a description.
fn compare(want: &Expected, got: &MessageDetail) -> Vec<(&'static str, String)> {
    let mut bad = Vec::new();
    if let Some(subject) = &want.subject {
        if !same_text(subject, &got.summary.subject) {
            bad.push((
                "subject",
                format!("want {subject:?}, got {:?}", got.summary.subject),
            ));
        }
    }
    if let Some(from) = &want.from {
        let have = got.summary.from.to_lowercase();
        if !from.iter().all(|a| have.contains(&a.to_lowercase())) {
            bad.push(("from", format!("want {from:?}, got {:?}", got.summary.from)));
        }
    }
    if let Some(utc) = want.date_utc {
        let have = got.summary.date.map(|d| d.utc_unix);
        if have != Some(utc) {
            bad.push((
                "date",
                format!("want {utc}, got {have:?} from {:?}", got.summary.date_raw),
            ));
        }
    }
    let mut names: Vec<String> = got
        .attachments
        .iter()
        .filter_map(|a| a.filename.clone())
        .collect();
    names.sort();
    if names.len() != want.filenames.len()
        || !names
            .iter()
            .zip(&want.filenames)
            .all(|(g, w)| same_text(w, g))
    {
        bad.push((
            "attachments",
            format!("want {:?}, got {names:?}", want.filenames),
        ));
    }
    bad
}

#[test]
fn stalwart_expected_parses() {
    let Some(root) = common::corpus_root() else {
        for f in common::files_under(&common::fixtures_dir(), &|p| {
            p.extension().is_some_and(|e| e == "eml")
        }) {
            assert_eq!(common::smoke(&f), 1, "{}", f.display());
        }
        return;
    };
    let base = root.join("eml/stalwart-mail-parser");
    let files = common::files_under(&base, &|p: &Path| {
        p.extension().is_some_and(|e| e == "eml") && p.with_extension("json").is_file()
    });
    let mut per_field: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut allowed_hits = 0usize;
    for file in &files {
        let rel = file
            .strip_prefix(&base)
            .expect("under base")
            .to_string_lossy()
            .replace('\\', "/");
        let json: Value =
            serde_json::from_slice(&std::fs::read(file.with_extension("json")).expect("json"))
                .unwrap_or_else(|e| panic!("{rel}.json: {e}"));
        let want = expected(&json);
        let raw = std::fs::read(file).expect("eml");
        let crlf: Vec<u8> = String::from_utf8_lossy(&raw)
            .replace("\r\n", "\n")
            .replace('\n', "\r\n")
            .into_bytes();
        for (variant, bytes) in [("lf", raw.as_slice()), ("crlf", crlf.as_slice())] {
            // The CRLF variant goes through a lossy UTF-8 round trip; only use it for valid UTF-8 files.
            if variant == "crlf" && std::str::from_utf8(&raw).is_err() {
                continue;
            }
            let got = read_message(bytes);
            let bad = compare(&want, &got);
            for field in ["subject", "from", "date", "attachments"] {
                let applies = match field {
                    "subject" => want.subject.is_some(),
                    "from" => want.from.is_some(),
                    "date" => want.date_utc.is_some(),
                    _ => true,
                };
                if !applies {
                    continue;
                }
                let entry = per_field.entry(field).or_default();
                entry.1 += 1;
                match bad.iter().find(|(f, _)| *f == field) {
                    None => entry.0 += 1,
                    Some((_, why)) => {
                        if ALLOWED.iter().any(|(f, fld, _)| *f == rel && *fld == field) {
                            allowed_hits += 1;
                        } else {
                            failures.push(format!("{rel} ({variant}) {field}: {why}"));
                        }
                    }
                }
            }
        }
    }
    println!(
        "stalwart expected parses over {} files (LF + CRLF):",
        files.len()
    );
    for (field, (ok, total)) in &per_field {
        println!("  {field:<12} {ok}/{total} match");
    }
    println!(
        "  allowed differences: {allowed_hits}; unexpected: {}",
        failures.len()
    );
    for f in &failures {
        println!("  MISMATCH {f}");
    }
    assert!(
        files.len() >= 150,
        "only {} stalwart files with JSON",
        files.len()
    );
    let total_ok: usize = per_field.values().map(|(ok, _)| ok).sum();
    assert!(total_ok >= 600, "only {total_ok} field matches");
    assert!(
        failures.is_empty(),
        "{} unexpected mismatches (see above)",
        failures.len()
    );
}

#[test]
fn smoke_all_sources() {
    let Some(root) = common::corpus_root() else {
        for f in common::files_under(&common::fixtures_dir(), &|_| true) {
            common::smoke(&f);
        }
        return;
    };
    let mut files = 0usize;
    let mut messages = 0usize;
    for dir in ["eml", "malformed", "mbox"] {
        let is_data = |p: &Path| !p.extension().is_some_and(|e| e == "json" || e == "md");
        for f in common::files_under(&root.join(dir), &is_data) {
            messages += common::smoke(&f);
            files += 1;
        }
    }
    println!("smoke: {files} files, {messages} messages, no panic");
    assert!(files > 300, "only {files} files");
}

/// Legacy charsets read correctly and agree with what their bytes look like; a mislabelled body is caught
/// (declared vs detected) and shown in the charset it really is.
#[test]
fn legacy_charsets_and_mislabelled_bodies() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let eml = root.join("eml");
    let read = |rel: &str| {
        let raw = std::fs::read(eml.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        read_message(&raw)
    };
    for (rel, declared, body, subject) in [
        ("ruby-mail/multi_charset/japanese_iso_2022.eml", "iso-2022-jp", "すみません。", "まみむめも"),
        ("ruby-mail/multi_charset/japanese_shift_jis.eml", "Shift_JIS", "このメールはテスト用のメールです。", "test"),
        ("ruby-mail/multi_charset/ks_c_5601-1987.eml", "ks_c_5601-1987", "스티해", "test"),
        ("ruby-mail/multi_charset/japanese.eml", "UTF-8", "かきくえこ", "まみむめも"),
    ] {
        let m = read(rel);
        assert_eq!(m.body.charset.as_deref(), Some(declared), "{rel}");
        assert_eq!(m.body.detected_charset, None, "{rel}: declared and detected agree");
        assert!(m.body.text.contains(body), "{rel}: body {:?}", m.body.text);
        assert_eq!(m.summary.subject, subject, "{rel}");
    }
    // Hunny Software's 033: declares UTF-8, written in Windows-1252 (German umlauts as single bytes).
    let m = read("stalwart-mail-parser/legacy-hunnysoft/033.eml");
    assert_eq!(m.body.charset.as_deref(), Some("UTF-8"));
    assert_eq!(m.body.detected_charset.as_deref(), Some("windows-1252"));
    assert!(m.body.text.contains("Die Hasen und die Frösche"), "{:?}", &m.body.text[..60]);
    assert!(m.summary.problems.iter().any(|p| p.text.contains("declares charset UTF-8")), "{:?}", m.summary.problems);
    // Undeclared 8-bit text: the guess is reported (the reader had to choose).
    let m = read("stalwart-mail-parser/legacy-hunnysoft/052.eml");
    assert_eq!((m.body.charset.as_deref(), m.body.detected_charset.as_deref()), (None, Some("windows-1252")));
    assert!(m.body.text.contains("Frösche"));
}
