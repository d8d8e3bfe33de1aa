//! Outlook messages embedded in Outlook messages (attach method 5, `__substg1.0_3701000D`) at ingest:
//! each becomes a message of its own, as forwarded mail does.
//!
//! The [`Split`] sink below does with what the [`Ingester`] hands over what the app's worker does: it
//! records each message, looks inside its bytes (a `.msg` arrives as the whole file) with
//! [`embedded_messages`], and records every embedded message with its path and its parent.
//!
//! 1. `nested_messages_are_split_out` (no corpus): a `.msg` written in the test with the `cfb` crate,
//!    holding a file and a message that holds a message: paths, parents, subjects and senders, and each
//!    embedded message's SHA-256 equal to the one its parent lists for that attachment (the rebuilt RFC 822
//!    bytes, see `ingest::embedded`), found again by path.
//! 2. `damaged_embedded_storages` (no corpus): an unreadable property stream inside the embedded storage,
//!    an embedded storage whose directory entry lost its children, and attach method 5 without a storage:
//!    each gives its own sentence in the ingest log, and the parent is still read.
//! 3. `nesting_is_capped` (no corpus): eleven levels deep, eight are extracted (the embedded-message cap),
//!    the ninth is named.
//! 4. `msgreader_msg_in_msg` (corpus): `msgInMsg.msg` and `msgInMsgInMsg.msg` through the same path; the
//!    embedded messages match msgreader's `NAME-attachments0(-attachments0).json` (subject, sender,
//!    recipients, delivery time, body).

mod common;

use std::io::{Cursor, Write};

use leakloupe_core::diagnostic::{Diagnostic, Severity};
use leakloupe_core::ingest::embedded::{embedded_at, embedded_messages, EmbeddedOrigin};
use leakloupe_core::ingest::msg::{self, AttachmentContent};
use leakloupe_core::ingest::{IngestSink, Ingester, MessageSpan, SourceFormat, SpanKind};
use leakloupe_core::message::{read_message, sha256_hex, summarize, MessageSummary};
use serde_json::Value;

/// One message found, as the worker records it.
#[derive(Debug)]
struct Found {
    /// `None` for the file's own message, else the path inside it.
    path: Option<Vec<u32>>,
    /// Index in [`Split::found`] of the message that carries it.
    parent: Option<usize>,
    origin: Option<EmbeddedOrigin>,
    summary: MessageSummary,
    bytes: Vec<u8>,
}

/// A sink that splits embedded messages out like `src/worker.rs` does.
#[derive(Default)]
struct Split {
    found: Vec<Found>,
    log: Vec<Diagnostic>,
}

impl IngestSink for Split {
    fn message(&mut self, span: MessageSpan, summary: MessageSummary) {
        self.message_with_bytes(span, summary, &[]);
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.log.push(diagnostic);
    }

    fn message_with_bytes(&mut self, span: MessageSpan, summary: MessageSummary, raw: &[u8]) {
        assert_eq!(span.kind, SpanKind::OutlookMsg);
        let top = self.found.len();
        self.found.push(Found {
            path: None,
            parent: None,
            origin: None,
            summary,
            bytes: raw.to_vec(),
        });
        let scan = embedded_messages(raw);
        self.log.extend(scan.all_diagnostics());
        for e in scan.iter() {
            let parent = e
                .path
                .split_last()
                .and_then(|(_, up)| {
                    self.found
                        .iter()
                        .position(|f| f.path.as_deref() == Some(up))
                })
                .unwrap_or(top);
            self.found.push(Found {
                path: Some(e.path.clone()),
                parent: Some(parent),
                origin: Some(e.origin),
                summary: summarize(&e.bytes),
                bytes: e.bytes.clone(),
            });
        }
    }
}

fn ingest(bytes: &[u8]) -> Split {
    let mut sink = Split::default();
    let mut ingester = Ingester::new(SourceFormat::Msg);
    // Chunked, as the worker reads files.
    for chunk in bytes.chunks(1000) {
        ingester.push(chunk, &mut sink);
    }
    ingester.finish(&mut sink);
    sink
}

// ---------------------------------------------------------------------------------------------------------
// Writing small .msg files.

/// A message to write; `attachments` in storage order.
struct Msg {
    subject: &'static str,
    /// (name, address) in `PR_SENDER_NAME` / `PR_SENDER_EMAIL_ADDRESS`.
    sender: Option<(&'static str, &'static str)>,
    body: &'static str,
    attachments: Vec<Att>,
}

enum Att {
    File(&'static str, &'static [u8]),
    Message(Msg),
    /// Attach method 5 with no `__substg1.0_3701000D` storage.
    MethodFiveOnly,
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(u16::to_le_bytes)
        .chain([0, 0])
        .collect()
}

fn props(header: usize, fixed: &[(u16, u16, u64)]) -> Vec<u8> {
    let mut out = vec![0u8; header];
    for (ty, id, value) in fixed {
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&6u32.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    out
}

type Cf = cfb::CompoundFile<Cursor<Vec<u8>>>;

fn put(cf: &mut Cf, path: &str, data: &[u8]) {
    let mut s = cf.create_stream(path).expect("create stream");
    s.write_all(data).expect("write");
}

/// 2024-01-02 08:15:00 UTC as a FILETIME.
const FILETIME: u64 = (1_704_183_300 + 11_644_473_600) * 10_000_000;

/// Write `m` into storage `dir` ("" for the root).
fn write(cf: &mut Cf, dir: &str, m: &Msg) {
    put(
        cf,
        &format!("{dir}/__substg1.0_001A001F"),
        &utf16("IPM.Note"),
    );
    put(
        cf,
        &format!("{dir}/__substg1.0_0037001F"),
        &utf16(m.subject),
    );
    put(cf, &format!("{dir}/__substg1.0_1000001F"), &utf16(m.body));
    if let Some((name, email)) = m.sender {
        put(cf, &format!("{dir}/__substg1.0_0C1A001F"), &utf16(name));
        put(cf, &format!("{dir}/__substg1.0_0C1F001F"), &utf16(email));
    }
    let header = if dir.is_empty() { 32 } else { 24 };
    put(
        cf,
        &format!("{dir}/__properties_version1.0"),
        &props(header, &[(0x0040, 0x0039, FILETIME)]),
    );
    for (i, a) in m.attachments.iter().enumerate() {
        let at = format!("{dir}/__attach_version1.0_#{i:08X}");
        cf.create_storage(&at).expect("storage");
        let method = match a {
            Att::File(name, data) => {
                put(cf, &format!("{at}/__substg1.0_3707001F"), &utf16(name));
                put(cf, &format!("{at}/__substg1.0_37010102"), data);
                1
            }
            Att::Message(inner) => {
                let storage = format!("{at}/__substg1.0_3701000D");
                cf.create_storage(&storage).expect("storage");
                write(cf, &storage, inner);
                5
            }
            Att::MethodFiveOnly => {
                put(
                    cf,
                    &format!("{at}/__substg1.0_3001001F"),
                    &utf16("lost.msg"),
                );
                5
            }
        };
        put(
            cf,
            &format!("{at}/__properties_version1.0"),
            &props(8, &[(0x0003, 0x3705, method)]),
        );
    }
}

fn msg_file(m: &Msg) -> Vec<u8> {
    msg_file_with(m, &[])
}

/// [`msg_file`] with more streams: (path, bytes).
fn msg_file_with(m: &Msg, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    write(&mut cf, "", m);
    for (path, data) in extra {
        put(&mut cf, path, data);
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

/// Outer (a PDF, then "Fwd: plan" holding "plan" from Carol).
fn three_levels() -> Msg {
    Msg {
        subject: "Fwd: Fwd: plan",
        sender: Some(("Alice", "alice@example.org")),
        body: "see the attached",
        attachments: vec![
            Att::File("numbers.pdf", b"%PDF-1.4 tiny"),
            Att::Message(Msg {
                subject: "Fwd: plan",
                sender: Some(("Bob", "bob@example.net")),
                body: "forwarding",
                attachments: vec![Att::Message(Msg {
                    subject: "plan",
                    sender: Some(("Carol", "carol@example.com")),
                    body: "the plan itself",
                    attachments: Vec::new(),
                })],
            }),
        ],
    }
}

/// The byte offset of the directory entry named `name` (its UTF-16 name starts the 128-byte entry).
fn dir_entry(file: &[u8], name: &str) -> usize {
    let pattern: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let hits: Vec<usize> = file
        .windows(pattern.len())
        .enumerate()
        .filter(|(at, w)| *w == pattern.as_slice() && (at - 512) % 128 == 0)
        .map(|(at, _)| at)
        .collect();
    assert_eq!(hits.len(), 1, "directory entry {name}: {hits:?}");
    hits[0]
}

// ---------------------------------------------------------------------------------------------------------

#[test]
fn nested_messages_are_split_out() {
    let file = msg_file(&three_levels());
    let split = ingest(&file);
    let got: Vec<(Option<Vec<u32>>, Option<usize>, &str, &str)> = split
        .found
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.parent,
                f.summary.subject.as_str(),
                f.summary.from.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (None, None, "Fwd: Fwd: plan", "Alice <alice@example.org>"),
            (Some(vec![1]), Some(0), "Fwd: plan", "Bob <bob@example.net>"),
            (
                Some(vec![1, 0]),
                Some(1),
                "plan",
                "Carol <carol@example.com>"
            ),
        ]
    );
    assert!(split.log.is_empty(), "{:?}", split.log);
    let [top, fwd, plan] = &split.found[..] else {
        panic!("three messages")
    };
    // The file's own message is the whole file, hashed as the file.
    assert_eq!(top.bytes, file);
    assert_eq!(top.summary.sha256, sha256_hex(&file));
    assert_eq!(top.summary.attachment_count, 2);
    assert!(split.found[1..]
        .iter()
        .all(|f| f.origin == Some(EmbeddedOrigin::OutlookEmbedded)));
    // Each embedded message hashes as its parent lists that attachment (and as Save gives it).
    let listed = read_message(&file).attachments;
    assert_eq!(listed[1].content_type, "message/rfc822");
    assert_eq!(listed[1].sha256, fwd.summary.sha256);
    let parsed = msg::parse(&file).expect("parse");
    let AttachmentContent::Message(inner) = &parsed.attachments[1].content else {
        panic!("attachment 2 is an embedded message")
    };
    assert_eq!(inner.detail(&[]).attachments[0].sha256, plan.summary.sha256);
    assert_eq!(plan.summary.sha256, sha256_hex(&plan.bytes));
    let d = read_message(&plan.bytes);
    assert_eq!(d.body.text, "the plan itself");
    assert_eq!(
        d.summary.date.map(|d| d.utc_unix),
        Some(1_704_183_300),
        "the submit time"
    );
    // Found again from the file's bytes and a path (how the app re-reads them).
    for f in &split.found[1..] {
        let path = f.path.as_deref().expect("path");
        let again = embedded_at(&file, path).expect("found again");
        assert_eq!(again.bytes, f.bytes, "{path:?}");
    }
    // The same file again: the embedded messages are byte-identical copies, not new messages.
    let twice = ingest(&file);
    let hashes = |s: &Split| {
        s.found
            .iter()
            .map(|f| f.summary.sha256.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(hashes(&twice), hashes(&split));
}

#[test]
fn damaged_embedded_storages() {
    let two_levels = || {
        msg_file(&Msg {
            subject: "outer",
            sender: None,
            body: "outer body",
            attachments: vec![
                Att::File("a.txt", b"hello"),
                Att::Message(Msg {
                    subject: "inner",
                    sender: Some(("Dora", "dora@example.org")),
                    body: "inner body",
                    attachments: Vec::new(),
                }),
            ],
        })
    };
    // (1) A property stream inside the embedded storage points nowhere: the embedded message is still
    // split out, and the log says which property of which embedded message could not be read.
    let mut file = two_levels();
    let at = dir_entry(&file, "__substg1.0_0C1A001F");
    file[at + 116..at + 120].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let split = ingest(&file);
    let subjects: Vec<&str> = split
        .found
        .iter()
        .map(|f| f.summary.subject.as_str())
        .collect();
    assert_eq!(subjects, ["outer", "inner"]);
    let log: Vec<&str> = split.log.iter().map(|d| d.text.as_str()).collect();
    assert!(
        log.contains(&"embedded message 2: property 0x0C1A001F could not be read: damaged OLE compound file: \"__substg1.0_0C1A001F\" points outside the mini stream"),
        "{log:#?}"
    );
    assert_eq!(split.found[1].summary.from, "dora@example.org");

    // (2) The embedded storage's directory entry lost its children: the parent is read, the log names the
    // attachment and says why it is not read; nothing is split out.
    let mut file = two_levels();
    let at = dir_entry(&file, "__substg1.0_3701000D");
    file[at + 76..at + 80].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    let split = ingest(&file);
    assert_eq!(split.found.len(), 1);
    assert_eq!(split.found[0].summary.subject, "outer");
    assert_eq!(split.found[0].summary.attachment_count, 2);
    let log: Vec<&str> = split.log.iter().map(|d| d.text.as_str()).collect();
    assert!(
        log.contains(&"msg: attachment 2 is an embedded Outlook message whose storage (__substg1.0_3701000D) holds no MAPI property: the storage is empty or its directory entries are damaged; the message is not read"),
        "{log:#?}"
    );

    // (3) Attach method 5 without its storage.
    let file = msg_file(&Msg {
        subject: "outer",
        sender: Some(("Eve", "eve@example.org")),
        body: "x",
        attachments: vec![Att::MethodFiveOnly],
    });
    let split = ingest(&file);
    assert_eq!(split.found.len(), 1);
    let log: Vec<&str> = split.log.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        log,
        ["msg: attachment 1 (lost.msg) is an embedded Outlook message (attach method 5) but its message storage (__substg1.0_3701000D) is missing: the file is damaged; the message is not read"]
    );
}

#[test]
fn nesting_is_capped() {
    const SUBJECTS: [&str; 12] = [
        "level 0", "level 1", "level 2", "level 3", "level 4", "level 5", "level 6", "level 7",
        "level 8", "level 9", "level 10", "level 11",
    ];
    let mut m = Msg {
        subject: SUBJECTS[11],
        sender: None,
        body: "deepest",
        attachments: Vec::new(),
    };
    for subject in SUBJECTS[..11].iter().rev() {
        m = Msg {
            subject,
            sender: None,
            body: "one level up",
            attachments: vec![Att::Message(m)],
        };
    }
    let split = ingest(&msg_file(&m));
    let subjects: Vec<&str> = split
        .found
        .iter()
        .map(|f| f.summary.subject.as_str())
        .collect();
    assert_eq!(subjects, SUBJECTS[..9], "the file's message and 8 levels");
    assert_eq!(split.found[8].path.as_deref(), Some(&[0u32; 8][..]));
    let log: Vec<&str> = split
        .log
        .iter()
        .map(|d| d.text.as_str())
        .filter(|t| t.contains("deep"))
        .collect();
    assert_eq!(
        log,
        ["embedded message 1.1.1.1.1.1.1.1: attachment 1 (level 9) is a message nested 9 levels deep; messages nested more than 8 level(s) deep are not extracted"]
    );
}

// ---------------------------------------------------------------------------------------------------------
// The msgreader corpus.

#[test]
fn msgreader_msg_in_msg() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let dir = root.join("msg/msgreader");
    for (name, levels) in [("msgInMsg", 1), ("msgInMsgInMsg", 2)] {
        let file = std::fs::read(dir.join(format!("{name}.msg")))
            .unwrap_or_else(|e| panic!("{name}.msg (the corpus is present but incomplete): {e}"));
        let split = ingest(&file);
        // Only notes (the outer messages are drafts without a sender).
        assert!(
            split.log.iter().all(|d| d.severity == Severity::Info),
            "{name}: {:?}",
            split.log
        );
        let top: Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).expect("json"))
                .expect("json");
        assert_eq!(
            split.found[0].summary.subject,
            top["subject"].as_str().unwrap_or_default()
        );
        // Each level's first attachment is the next message; msgreader lists each one in its own file.
        for level in 1..=levels {
            let json = format!("{name}{}.json", "-attachments0".repeat(level));
            let want: Value =
                serde_json::from_slice(&std::fs::read(dir.join(&json)).expect("json"))
                    .expect("json");
            let f = split
                .found
                .iter()
                .find(|f| f.path.as_deref() == Some(&vec![0u32; level][..]))
                .unwrap_or_else(|| panic!("{json}: no message split out at level {level}"));
            assert_eq!(f.parent, Some(level - 1), "{json}");
            assert_eq!(f.origin, Some(EmbeddedOrigin::OutlookEmbedded), "{json}");
            let text = |k: &str| want[k].as_str().unwrap_or_default().to_string();
            let s = &f.summary;
            assert_eq!(s.subject, text("subject"), "{json}");
            let from = match (text("senderName"), text("senderEmail")) {
                (n, e) if n.is_empty() => e,
                (n, e) if e.is_empty() => n,
                (n, e) => format!("{n} <{e}>"),
            };
            assert_eq!(s.from, from, "{json}");
            let to: Vec<String> = want["recipients"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{} <{}>",
                        r["name"].as_str().unwrap_or_default(),
                        r["email"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            assert_eq!(s.to, to.join(", "), "{json}");
            // No client submit time in these: the date is the delivery time msgreader shows, if any.
            let delivered = chrono::DateTime::parse_from_rfc2822(&text("messageDeliveryTime"))
                .ok()
                .map(|d| d.timestamp());
            assert_eq!(s.date.map(|d| d.utc_unix), delivered, "{json}");
            assert_eq!(read_message(&f.bytes).body.text, text("body"), "{json}");
            // The hash is the one the parent lists for that attachment.
            let parent = &split.found[level - 1];
            let listed = if level == 1 {
                read_message(&parent.bytes).attachments[0].sha256.clone()
            } else {
                let mut m = msg::parse(&file).expect("parse");
                for _ in 0..level - 1 {
                    let AttachmentContent::Message(inner) = m.attachments.swap_remove(0).content
                    else {
                        panic!("{json}: not an embedded message")
                    };
                    m = *inner;
                }
                m.detail(&[]).attachments[0].sha256.clone()
            };
            assert_eq!(s.sha256, listed, "{json}");
        }
        assert_eq!(
            split.found.len(),
            levels + 1,
            "{name}: one message per level"
        );
    }
}

/// An Outlook message embedded in a `.msg` is rebuilt with its own attachments, in storage order (so at
/// the index the `.msg` gives each): a file keeps its name (also a non-ASCII one) and bytes (the same
/// SHA-256 the parent's structure gives), a message embedded in it is a `message/rfc822` part whose bytes
/// are that message's own rebuild; the message below is still split out at its path, and found again.
#[test]
fn embedded_outlook_messages_keep_their_attachments() {
    let minutes: &'static [u8] = b"Minutes of the meeting\r\n\x00\x01binary tail\xff";
    // three_levels(), with two files before the message inside "Fwd: plan".
    let mut outer = three_levels();
    let Att::Message(fwd) = &mut outer.attachments[1] else { panic!("attachment 2 is a message") };
    fwd.body = "forwarding, with the minutes";
    fwd.attachments.splice(0..0, [Att::File("minutes.bin", minutes), Att::File("Protokoll Müller.txt", b"Hallo")]);
    // The embedded message also has an HTML body (PR_BODY_HTML), carried beside the text.
    let html = b"<p>forwarding, with <b>the minutes</b></p>";
    let file = msg_file_with(&outer, &[("/__attach_version1.0_#00000001/__substg1.0_3701000D/__substg1.0_10130102", html)]);
    let split = ingest(&file);
    let paths: Vec<Option<Vec<u32>>> = split.found.iter().map(|f| f.path.clone()).collect();
    assert_eq!(paths, [None, Some(vec![1]), Some(vec![1, 2])], "{:?}", split.log);
    let [_, fwd, plan] = &split.found[..] else { panic!("three messages") };
    assert_eq!(fwd.summary.attachment_count, 3);
    let read = read_message(&fwd.bytes);
    assert_eq!(read.body.text, "forwarding, with the minutes");
    assert_eq!(read_message(&fwd.bytes).summary.attachment_count, 3, "the HTML body is not an attachment");
    let html_part = String::from_utf8_lossy(&fwd.bytes).contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<p>forwarding, with <b>the minutes</b></p>");
    assert!(html_part, "{}", String::from_utf8_lossy(&fwd.bytes));
    let names: Vec<(Option<&str>, &str)> = read.attachments.iter().map(|a| (a.filename.as_deref(), a.content_type.as_str())).collect();
    assert_eq!(
        names,
        [(Some("minutes.bin"), "application/octet-stream"), (Some("Protokoll Müller.txt"), "text/plain"), (Some("plan"), "message/rfc822")]
    );
    // The same hashes as the .msg structure gives its attachments.
    let parsed = msg::parse(&file).expect("parse");
    let AttachmentContent::Message(inner) = &parsed.attachments[1].content else { panic!("attachment 2 is a message") };
    let listed: Vec<String> = inner.detail(&[]).attachments.iter().map(|a| a.sha256.clone()).collect();
    let rebuilt: Vec<String> = read.attachments.iter().map(|a| a.sha256.clone()).collect();
    assert_eq!(rebuilt, listed);
    assert_eq!(read.attachments[0].sha256, sha256_hex(minutes));
    assert_eq!(read.attachments[2].sha256, plan.summary.sha256);
    assert_eq!(read_message(&plan.bytes).body.text, "the plan itself");
    // Rebuilding is deterministic: the same message gives the same bytes, and it is found again by path.
    assert_eq!(inner.to_rfc822(), fwd.bytes);
    assert_eq!(embedded_at(&file, &[1, 2]).map(|e| e.bytes), Some(plan.bytes.clone()));
}
