//! Ingest (issue 3): an Apple Mail folder whose `.partial.emlx` messages are completed from their
//! `Attachments/` tree, and forwarded mail (a `message/rfc822` part, or an Outlook message embedded in a
//! `.msg`, two levels deep) that becomes a message of its own, linked both ways to the message that
//! carries it. Archives: Cancel inside a large zip, `.mbox.gz` and `.tar.gz` (read entry by entry, so it
//! stops promptly); small `.tar.gz` / `.gz` files loaded whole, each message named by its place inside;
//! hostile containers named in the log while the rest loads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use leakloupe_core::ingest::emlx_rebuild::{pair_partials, rebuild_partial};
use leakloupe_core::message::{read_message, summarize};

use super::harness::{base64, workspace_root, Ctx};
use super::inputs::corpus_dir;
use super::scenarios::{click_row, finish_target_checks, open, s, wait_ingested, Target, DROP_JS, UI_TIMEOUT};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

/// What the core makes of the folder: per partial message, its rebuilt SHA-256 and its attachments' hashes.
fn expected(dir: &Path) -> (usize, Vec<(String, String, Vec<String>)>, usize) {
    let files = files_under(dir);
    let rel: Vec<String> = files.iter().map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/")).collect();
    let folder = pair_partials(&rel);
    let mut out = Vec::new();
    let mut attachment_files = 0;
    for set in &folder.partials {
        let emlx = std::fs::read(dir.join(&set.emlx)).unwrap();
        let parts: Vec<(String, Vec<u8>)> = set.attachments.iter().map(|a| (a.relative.clone(), std::fs::read(dir.join(&a.path)).unwrap())).collect();
        attachment_files += parts.len();
        let r = rebuild_partial(&emlx, &parts);
        if r.filled.is_empty() {
            continue;
        }
        let d = read_message(&r.bytes);
        out.push((set.emlx.rsplit('/').next().unwrap().to_string(), summarize(&r.bytes).sha256, d.attachments.iter().map(|a| a.sha256.clone()).collect()));
    }
    let messages = rel.iter().filter(|p| p.ends_with(".emlx")).count();
    (messages, out, attachment_files)
}

pub async fn partial_emlx_folder(ctx: Ctx, target: Target) {
    let corpus = corpus_dir().join("emlx/partial-emlx-converter/input");
    let dir = if corpus.is_dir() {
        corpus
    } else {
        eprintln!("NOTE: corpus emlx folder absent; using crates/core/tests/fixtures/emlx-rebuild");
        workspace_root().join("crates/core/tests/fixtures/emlx-rebuild")
    };
    let dir = dir.canonicalize().unwrap();
    let (emlx_files, rebuilt, attachment_files) = expected(&dir);
    assert!(!rebuilt.is_empty(), "the folder must hold a partial message with stored attachments");
    open(&ctx, target).await;
    let input = ctx.find("input[type=file][data-testid=folder-input]").await;
    input.send_keys(&dir.display().to_string()).await.expect("pick the Mail folder");
    ctx.wait_js("ingest done", Duration::from_secs(30), "const s = document.querySelector('[data-testid=ingest-status]'); return s && s.dataset.state === 'done';").await;
    let snap = ctx.snapshot().await;
    let files = snap["files"].as_array().unwrap();
    let attachments: Vec<&Value> = files.iter().filter(|f| s(&f["format"]) == "attachment").collect();
    assert_eq!(attachments.len(), attachment_files, "every Attachments/ file is used, not rejected as a non-mail file: {files:#?}");
    assert!(attachments.iter().all(|f| s(&f["status"]) == "ok" && f["problems"].to_string().contains("completes")), "{attachments:#?}");
    let partial_entries: Vec<&Value> = files.iter().filter(|f| s(&f["format"]) == "emlx (partial, rebuilt)").collect();
    assert!(partial_entries.len() >= rebuilt.len(), "rebuilt partial messages in the log: {files:#?}");
    for (name, _, _) in &rebuilt {
        let e = files.iter().find(|f| s(&f["name"]).ends_with(name.as_str())).unwrap_or_else(|| panic!("{name} not in the log"));
        assert_eq!((s(&e["status"]).as_str(), s(&e["format"]).as_str()), ("ok", "emlx (partial, rebuilt)"), "{e}");
        assert!(e["problems"].to_string().contains("rebuilt from its Attachments folder"), "{e}");
    }
    let count: usize = s(&ctx.js("return document.querySelector('[data-testid=message-count]').textContent.trim();", vec![]).await).parse().unwrap();
    assert!(count >= emlx_files, "{count} messages for {emlx_files} .emlx files");

    // Each rebuilt message reads with its attachments back, byte-exact to the files Apple Mail kept.
    for (name, sha, attachment_hashes) in &rebuilt {
        let found = ctx
            .js(
                &format!(
                    "return (async () => {{ const rows = Array.from(document.querySelectorAll('[data-testid=message-row]'));\
                     for (const r of rows) {{ r.click(); await new Promise(ok => setTimeout(ok, 50));\
                       for (let i = 0; i < 40; i++) {{ const h = document.querySelector('[data-testid=message-sha256]');\
                         if (h && document.querySelector('[data-testid=message-row][aria-selected=true]') === r) {{ if (h.textContent.trim() === '{sha}') return Array.from(document.querySelectorAll('[data-testid=attachment-sha256]')).map(e => e.textContent.trim()); break; }}\
                         await new Promise(ok => setTimeout(ok, 50)); }} }}\
                     return null; }})();"
                ),
                vec![],
            )
            .await;
        let got: Vec<String> = found.as_array().unwrap_or_else(|| panic!("{name}: no row opens to the rebuilt message {sha}")).iter().map(s).collect();
        assert_eq!(&got, attachment_hashes, "{name}: attachment SHA-256s in the reader");
        assert!(!got.is_empty());
    }
    ctx.save_screenshot(&target.shot("partial-emlx.png")).await;
    finish_target_checks(&ctx, target).await;
}

/// A message forwarding another as a message/rfc822 part.
fn forwarded() -> Vec<u8> {
    b"From: Anna <anna@example.org>\r\nTo: desk@example.org\r\nSubject: Fwd: Inner report\r\n\
Date: Mon, 03 Apr 2017 10:00:00 +0000\r\nMessage-ID: <outer@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--b\r\n\
Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"report.eml\"\r\n\r\n\
From: Boris <boris@example.net>\r\nTo: anna@example.org\r\nSubject: Inner report\r\nDate: Sun, 02 Apr 2017 08:00:00 +0000\r\n\
Message-ID: <inner@example.net>\r\n\r\nThe numbers are in.\r\n--b--\r\n"
        .to_vec()
}

pub async fn forwarded_mail(ctx: Ctx, target: Target) {
    open(&ctx, target).await;
    let files = vec![json!({ "name": "forward.eml", "type": "message/rfc822", "b64": base64(&forwarded()) })];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    let snap = wait_ingested(&ctx, 2).await;
    let subjects: Vec<String> = snap["rows"].as_array().unwrap().iter().map(|r| s(&r["subject"])).collect();
    assert_eq!(subjects, ["Inner report", "Fwd: Inner report"], "the forwarded message is a message of its own (sorted by date)");
    let entry = &snap["files"][0];
    assert_eq!(s(&entry["messages"]), "1", "the file holds one message; the attached one is counted apart: {entry}");
    assert!(entry["problems"].to_string().contains("1 attached message"), "{entry}");
    ctx.wait_js("the attached row is marked", UI_TIMEOUT, "const r = document.querySelectorAll('[data-testid=message-row]')[0]; return !!r.querySelector('.tag.attached');").await;
    click_row(&ctx, 0, "Inner report").await;
    let loc = reader_locations(&ctx).await;
    assert!(loc.contains("forward.eml") && loc.contains("attached message 1"), "location of the attached message: {loc}");
    ctx.find("[data-testid=reader-parent] button").await.click().await.expect("open the parent");
    ctx.wait_js("the parent opens", UI_TIMEOUT, "const s = document.querySelector('[data-testid=reader-subject]'); return s && s.textContent === 'Fwd: Inner report';").await;
    let child = ctx.wait_js("the parent lists its attached message", UI_TIMEOUT, "const c = document.querySelector('[data-testid=reader-child]'); return c ? c.textContent : null;").await;
    assert_eq!(s(&child), "Inner report");
    ctx.find("[data-testid=reader-child]").await.click().await.expect("open the child");
    ctx.wait_js("the child opens", UI_TIMEOUT, "const s = document.querySelector('[data-testid=reader-subject]'); return s && s.textContent === 'Inner report';").await;
    finish_target_checks(&ctx, target).await;
}

/// The corpus's msg-in-msg-in-msg (msgreader's `msgInMsgInMsg.msg`): both embedded Outlook messages become
/// messages of their own with their path inside the file, their SHA-256 as the core computes it natively,
/// and parent/children links in the reader; the file's own message shows a note and its transport headers
/// in the raw tab (a .msg is binary).
pub async fn msg_in_msg(ctx: Ctx, target: Target) {
    let path = corpus_dir().join("msg/msgreader/msgInMsgInMsg.msg");
    if !path.is_file() {
        eprintln!("NOTE: the shared corpus is ABSENT ({} not found): the msg-in-msg scenario needs its real file; skipped (the core's generated msg-in-msg files are tested natively)", path.display());
        open(&ctx, target).await;
        return;
    }
    let bytes = std::fs::read(&path).unwrap();
    // What the core finds natively: the file's own message, then each embedded one (path, subject, hash).
    let top = summarize(&bytes);
    let scan = leakloupe_core::ingest::embedded::embedded_messages(&bytes);
    let embedded: Vec<(Vec<u32>, String, String)> =
        scan.iter().map(|e| { let s = summarize(&e.bytes); (e.path.clone(), s.subject, s.sha256) }).collect();
    let paths: Vec<&[u32]> = embedded.iter().map(|e| e.0.as_slice()).collect();
    assert_eq!(paths, [&[0][..], &[0, 0][..]], "msg in msg in msg");
    let (middle, inner) = (&embedded[0], &embedded[1]);

    open(&ctx, target).await;
    let files = vec![json!({ "name": "msgInMsgInMsg.msg", "type": "application/vnd.ms-outlook", "b64": base64(&bytes) })];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    let snap = wait_ingested(&ctx, 3).await;
    let mut subjects: Vec<String> = snap["rows"].as_array().unwrap().iter().map(|r| s(&r["subject"])).collect();
    subjects.sort();
    let mut want = vec![top.subject.clone(), middle.1.clone(), inner.1.clone()];
    want.sort();
    assert_eq!(subjects, want, "each embedded message is a message of its own");
    let entry = &snap["files"][0];
    assert_eq!((s(&entry["format"]).as_str(), s(&entry["messages"]).as_str()), ("msg", "1"), "the file holds one message; the embedded ones are counted apart: {entry}");
    assert!(entry["problems"].to_string().contains("2 attached messages"), "{entry}");
    let row_of = |subject: &str| snap["rows"].as_array().unwrap().iter().position(|r| s(&r["subject"]) == subject).unwrap();
    let marked = ctx
        .wait_js(
            "rows marked as attached",
            UI_TIMEOUT,
            "const r = Array.from(document.querySelectorAll('[data-testid=message-row]')); return r.length === 3 ? r.map(e => !!e.querySelector('.tag.attached')) : null;",
        )
        .await;
    let marked: Vec<bool> = marked.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
    let want_marked: Vec<bool> = snap["rows"].as_array().unwrap().iter().map(|r| s(&r["subject"]) != top.subject).collect();
    assert_eq!(marked, want_marked, "the embedded messages' rows are marked `att`, the file's own is not");

    // The innermost message: its place in the file, its hash, and its parent.
    click_row(&ctx, row_of(&inner.1), &inner.1).await;
    let text = |testid: &'static str| format!("const e = document.querySelector('[data-testid={testid}]'); return e ? e.textContent : null;");
    let loc = s(&ctx.wait_js("reader-locations", UI_TIMEOUT, &text("reader-locations")).await);
    assert!(loc.contains("msgInMsgInMsg.msg") && loc.contains("› attached message 1.1"), "location of the message inside the message inside the file: {loc}");
    assert_eq!(s(&ctx.wait_js("message-sha256", UI_TIMEOUT, &text("message-sha256")).await).trim(), inner.2);
    ctx.find("[data-testid=reader-parent] button").await.click().await.expect("open the parent");
    let wait_subject = |subject: &str| format!("const s = document.querySelector('[data-testid=reader-subject]'); return !!s && s.textContent === {};", serde_json::to_string(subject).unwrap());
    ctx.wait_js("the middle message opens", UI_TIMEOUT, &wait_subject(&middle.1)).await;
    let loc = s(&ctx.wait_js("reader-locations", UI_TIMEOUT, &text("reader-locations")).await);
    assert!(loc.contains("msgInMsgInMsg.msg") && loc.contains("› attached message 1") && !loc.contains("1.1"), "location of the middle message: {loc}");
    assert_eq!(s(&ctx.wait_js("message-sha256", UI_TIMEOUT, &text("message-sha256")).await).trim(), middle.2);
    let child = ctx.wait_js("the middle message lists its attached message", UI_TIMEOUT, &text("reader-child")).await;
    assert_eq!(s(&child), inner.1);
    // Its rebuild carries its own attachments as msgreader lists them (msgInMsgInMsg-attachments0.json: the
    // innermost message, then green.png of 134 bytes), the message hashed as that message.
    let attached = ctx
        .wait_js(
            "the middle message's attachments",
            UI_TIMEOUT,
            "const r = Array.from(document.querySelectorAll('[data-testid=attachment]')); return r.length ? r.map(e => [e.querySelector('[data-testid=attachment-name]').textContent, e.querySelector('[data-testid=attachment-type]').textContent, e.querySelector('[data-testid=attachment-sha256]').textContent]) : null;",
        )
        .await;
    let png = {
        let parsed = leakloupe_core::ingest::msg::parse(&bytes).expect("parse the .msg");
        let leakloupe_core::ingest::msg::AttachmentContent::Message(m) = &parsed.attachments[0].content else { panic!("attachment 1 is a message") };
        m.attachment_data(1).expect("green.png")
    };
    assert_eq!(png.len(), 134, "green.png as msgreader gives it");
    assert_eq!(
        attached,
        json!([[inner.1, "message/rfc822", inner.2], ["green.png", "image/png", leakloupe_core::message::sha256_hex(&png)]]),
        "the rebuilt middle message lists its own attachments"
    );
    // Its raw source says it is rebuilt (it has no bytes of its own in the file).
    ctx.find("[data-testid=reader-tab-raw]").await.click().await.expect("click the raw tab");
    let note = s(&ctx.wait_js("raw-note", UI_TIMEOUT, &text("raw-note")).await);
    assert!(note.contains("Attached message 1 is an Outlook message stored inside its parent's .msg file") && note.contains("RFC 822 rebuild"), "{note}");
    ctx.find("[data-testid=reader-tab-message]").await.click().await.expect("back to the message tab");
    ctx.find("[data-testid=reader-parent] button").await.click().await.expect("open the file's message");
    ctx.wait_js("the file's own message opens", UI_TIMEOUT, &wait_subject(&top.subject)).await;
    assert_eq!(s(&ctx.wait_js("message-sha256", UI_TIMEOUT, &text("message-sha256")).await).trim(), top.sha256, "the file's message hashes as the file");
    ctx.wait_js("the file's message has no parent", UI_TIMEOUT, "return !document.querySelector('[data-testid=reader-parent]');").await;
    let child = ctx.wait_js("the file's message lists the middle one", UI_TIMEOUT, &text("reader-child")).await;
    assert_eq!(s(&child), middle.1);
    // A .msg file is binary: the raw tab says so and shows the Internet headers Outlook kept.
    ctx.find("[data-testid=reader-tab-raw]").await.click().await.expect("click the raw tab");
    let note = s(&ctx.wait_js("raw-note", UI_TIMEOUT, &text("raw-note")).await);
    assert!(note.contains("An Outlook .msg file is binary"), "{note}");
    let raw = s(&ctx.wait_js("raw-source", UI_TIMEOUT, &text("raw-source")).await);
    let headers = leakloupe_core::ingest::msg::parse(&bytes).unwrap().transport_headers;
    match headers {
        Some(h) => assert!(raw.contains(h.lines().next().unwrap_or_default()), "the transport headers are shown: {raw}"),
        None => assert!(note.contains("kept no Internet headers"), "{note}"),
    }
    ctx.save_screenshot(&target.shot("msg-in-msg-raw.png")).await;
    ctx.find("[data-testid=reader-tab-message]").await.click().await.expect("back to the message tab");
    ctx.find("[data-testid=reader-child]").await.click().await.expect("open the middle message");
    ctx.wait_js("the middle message opens again", UI_TIMEOUT, &wait_subject(&middle.1)).await;
    finish_target_checks(&ctx, target).await;
}

/// Message `i` of the generated archives: a small, varied .eml (CRLF) dated in `year`.
fn report(i: usize, subject: &str, year: u32) -> String {
    let body: String = (0..30).map(|k| format!("line {k} of message {i}: the quarterly numbers {} are attached\r\n", i * 31 + k)).collect();
    format!(
        "From: sender{} <s{}@example.org>\r\nTo: desk@example.org\r\nSubject: {subject} {i}\r\nDate: Mon, 03 Apr {year} 10:{:02}:00 +0000\r\nMessage-ID: <r{i}.{year}@example.org>\r\n\r\n{body}",
        i % 97,
        i % 97,
        i % 60
    )
}

/// A zip of `n` small, varied .eml files (built with the core's own zip writer).
fn big_zip(n: usize) -> Vec<u8> {
    use leakloupe_core::export::{EmlZipWriter, EntryCompression};
    let mut w = EmlZipWriter::new(EntryCompression::Deflated);
    let mut out = Vec::new();
    for i in 0..n {
        out.extend(w.push(report(i, "Report", 2017).as_bytes(), &format!("Report {i}"), Some(1_491_213_600 + i as i64)).unwrap());
    }
    out.extend(w.finish().unwrap());
    out
}

/// `files` as a ustar archive (regular files, and directories for names ending in '/').
fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"13612345670\0");
        h[156] = if name.ends_with('/') { b'5' } else { b'0' };
        h[257..265].copy_from_slice(b"ustar\x0000");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// `data` gzipped, with the file name stored in the header when given.
fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
    use std::io::Write;
    let mut builder = flate2::GzBuilder::new();
    if let Some(n) = name {
        builder = builder.filename(n);
    }
    let mut w = builder.write(Vec::new(), flate2::Compression::fast());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

/// An mbox of `n` generated messages.
fn mbox_of(n: usize, subject: &str, year: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(format!("From s{}@example.org Mon Apr  3 10:00:00 {year}\r\n", i % 97).as_bytes());
        out.extend_from_slice(report(i, subject, year).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Cancel inside a large zip stops promptly and keeps what was loaded; the page stays usable.
pub async fn cancel_inside_zip(ctx: Ctx, target: Target) {
    const N: usize = 30_000;
    let zip = big_zip(N);
    open(&ctx, target).await;
    let files = vec![json!({ "name": "big.zip", "type": "application/zip", "b64": base64(&zip) })];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    ctx.wait_js(
        "some messages loaded from the zip",
        Duration::from_secs(30),
        "const c = document.querySelector('[data-testid=message-count]'); return c && Number(c.textContent) > 200;",
    )
    .await;
    ctx.find("[data-testid=cancel]").await.click().await.expect("click Cancel");
    let t0 = std::time::Instant::now();
    ctx.wait_js("ingest stops after Cancel", Duration::from_secs(10), "const s = document.querySelector('[data-testid=ingest-status]'); return s && s.dataset.state === 'done';").await;
    eprintln!("stopped {:.2}s after Cancel", t0.elapsed().as_secs_f64());
    let snap = ctx.snapshot().await;
    assert_cancel_kept(&snap, 0, 0, N);
    // Still usable: a message opens.
    let subject = s(&snap["rows"][0]["subject"]);
    click_row(&ctx, 0, &subject).await;
    finish_target_checks(&ctx, target).await;
}

/// Cancel inside a zip nested in a tar (read from memory, entry by entry with yields like any archive)
/// stops promptly and keeps what was loaded, each message named by its place two archives deep.
pub async fn cancel_inside_nested(ctx: Ctx, target: Target) {
    const N: usize = 30_000;
    let nested = big_zip(N);
    let tar = tar_of(&[("inner/nested.zip".to_string(), nested), ("after.mbox".to_string(), mbox_of(500, "After", 2018))]);
    open(&ctx, target).await;
    let files = vec![json!({ "name": "outer.tar", "type": "application/x-tar", "b64": base64(&tar) })];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    let (secs, snap) = cancel_once_loading(&ctx, 0, 0, tar.len() as u64).await;
    assert_cancel_kept(&snap, 0, 0, N);
    let subject = s(&snap["rows"][0]["subject"]);
    assert!(subject.starts_with("Report"), "none of after.mbox was read: {subject}");
    click_row(&ctx, 0, &subject).await;
    let loc = reader_locations(&ctx).await;
    assert!(loc.contains("outer.tar \u{203A} inner/nested.zip \u{203A} "), "{loc}");
    eprintln!("Cancel inside the nested zip: stopped in {secs:.2}s");
    finish_target_checks(&ctx, target).await;
}

/// Hostile containers dropped with good mail: each gets a specific line in the ingest log, the good mail
/// loads, the page stays usable. Files are written to a temporary folder and picked (100 MB does not go
/// through WebDriver as base64).
pub async fn hostile_containers(ctx: Ctx, target: Target) {
    use leakloupe_core::export::{EmlZipWriter, EntryCompression};
    let dir = std::env::temp_dir().join(format!("leakloupe-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let good = b"From: Anna <anna@example.org>\nTo: desk@example.org\nSubject: Still here\nDate: Mon, 03 Apr 2017 10:00:00 +0000\n\nThe rest of the drop loads.\n";
    std::fs::write(dir.join("good.eml"), good).unwrap();
    // A 100 MB header block.
    let mut huge = b"From: Mallory <m@example.net>\nSubject: Huge headers\nDate: Mon, 03 Apr 2017 11:00:00 +0000\n".to_vec();
    while huge.len() < 100 << 20 {
        huge.extend_from_slice(b"X-Filler: 0123456789012345678901234567890123456789012345678901234567890123456789\n");
    }
    huge.extend_from_slice(b"\nbody after the headers\n");
    std::fs::write(dir.join("huge-header.eml"), &huge).unwrap();
    drop(huge);
    // A zip bomb: 20 MB of one byte deflates about a thousand to one.
    let mut bomb = b"From: a@example.org\nSubject: bomb\n\n".to_vec();
    bomb.extend(std::iter::repeat_n(b'a', 20 << 20));
    let mut w = EmlZipWriter::new(EntryCompression::Deflated);
    let mut z = w.push(&bomb, "bomb", None).unwrap();
    z.extend(w.finish().unwrap());
    std::fs::write(dir.join("bomb.zip"), &z).unwrap();
    // Six archives deep.
    let mut inner = good.to_vec();
    for level in 0..6 {
        let mut w = EmlZipWriter::new(EntryCompression::Deflated);
        let mut z = w.push(&inner, &format!("level {level}"), None).unwrap();
        z.extend(w.finish().unwrap());
        inner = z;
    }
    std::fs::write(dir.join("nested.zip"), &inner).unwrap();
    // A zip cut in half.
    let mut w = EmlZipWriter::new(EntryCompression::Stored);
    let mut z = Vec::new();
    for i in 0..3 {
        z.extend(w.push(format!("From: x@example.org\nSubject: part {i}\n\n{}\n", "text ".repeat(200)).as_bytes(), "part", None).unwrap());
    }
    z.extend(w.finish().unwrap());
    z.truncate(z.len() / 2);
    std::fs::write(dir.join("truncated.zip"), &z).unwrap();

    open(&ctx, target).await;
    let names = ["good.eml", "huge-header.eml", "bomb.zip", "nested.zip", "truncated.zip"];
    let paths: Vec<String> = names.iter().map(|n| dir.join(n).canonicalize().unwrap().display().to_string()).collect();
    ctx.find("input[type=file][data-testid=file-input]").await.send_keys(&paths.join("\n")).await.expect("pick the files");
    ctx.wait_js("ingest done", Duration::from_secs(90), "const s = document.querySelector('[data-testid=ingest-status]'); return s && s.dataset.state === 'done';").await;
    let snap = ctx.snapshot().await;
    let entry = |name: &str| snap["files"].as_array().unwrap().iter().find(|f| s(&f["name"]) == name).cloned().unwrap_or_else(|| panic!("{name} not in the log"));
    let problems = |e: &Value| e["problems"].to_string();
    eprintln!("log: {:#}", snap["files"]);
    assert_eq!(s(&entry("good.eml")["status"]), "ok");
    let h = entry("huge-header.eml");
    assert_eq!((s(&h["status"]).as_str(), s(&h["messages"]).as_str()), ("ok", "1"), "{h}");
    assert!(problems(&h).contains("header block is") && problems(&h).contains("only its first"), "{h}");
    let b = entry("bomb.zip");
    assert!(problems(&b).contains("expands more than 200-fold") && problems(&b).contains("this looks like a zip bomb; reading stopped"), "the bomb is named: {b}");
    let n = entry("nested.zip");
    assert!(problems(&n).contains("0001 - level 2.eml: a zip archive nested more than") && problems(&n).contains("not opened"), "the nesting is named: {n}");
    let t = entry("truncated.zip");
    assert!(problems(&t).contains("the central directory") && problems(&t).contains("the file is probably truncated"), "the truncation is named: {t}");
    assert_eq!(s(&t["status"]), "error", "{t}");
    // The good message and the huge one are in the list; the page answers.
    let count: usize = s(&snap["count"]).parse().unwrap();
    assert!(count >= 2, "{count}");
    ctx.wait_js("the huge message opens", Duration::from_secs(30), "const r = Array.from(document.querySelectorAll('[data-testid=message-row]')).find(r => r.textContent.includes('Huge headers')); if (!r) return false; r.click(); return true;").await;
    ctx.wait_js("reader shows it", Duration::from_secs(30), "const s = document.querySelector('[data-testid=reader-subject]'); return s && s.textContent === 'Huge headers';").await;
    let _ = std::fs::remove_dir_all(&dir);
    finish_target_checks(&ctx, target).await;
}

/// Wait until more than `loaded` messages are in the list and press Cancel in the same step, then wait for
/// the ingest to stop: the seconds from the click to the stop, and the page's state then. `before` is what
/// the progress bar counts for the files before this one, `size` this file's size.
///
/// The click happens inside the page, in the script that sees the messages: ingest is fast enough to read
/// the rest of the archive during one more WebDriver round trip (an earlier version waited for the bar
/// to move first and, once ingest got faster, found the archive already read).
async fn cancel_once_loading(ctx: &Ctx, loaded: usize, before: u64, size: u64) -> (f64, Value) {
    let seen = ctx
        .wait_js(
            "messages loading from the archive, then Cancel",
            Duration::from_secs(60),
            &format!(
                "const c = document.querySelector('[data-testid=message-count]'); const st = document.querySelector('[data-testid=ingest-status]');\
                 if (!c || !st || Number(c.textContent) <= {loaded} + 200) return null;\
                 const seen = {{ state: st.dataset.state, bytes: Number(st.dataset.bytesDone), count: Number(c.textContent) }};\
                 const b = document.querySelector('[data-testid=cancel]'); if (b) b.click(); seen.clicked = !!b; return seen;"
            ),
        )
        .await;
    assert_eq!(seen["clicked"], Value::Bool(true), "no Cancel button while the archive's messages arrive (read to the end already?): {seen}");
    let t0 = std::time::Instant::now();
    ctx.wait_js("ingest stops after Cancel", Duration::from_secs(10), "const s = document.querySelector('[data-testid=ingest-status]'); return s && s.dataset.state === 'done';").await;
    let secs = t0.elapsed().as_secs_f64();
    let bytes = seen["bytes"].as_u64().unwrap_or(0);
    eprintln!("stopped {secs:.2}s after Cancel (the bar stood at {bytes} bytes of this file and those before, {} messages listed)", seen["count"]);
    // The progress bar moves while a gzip archive is read: past the files before, short of this one's end.
    assert_eq!(seen["state"], "working", "{seen}");
    assert!(bytes > before && bytes < before + size, "the bar stands inside this archive while it is read: {bytes} of {before}..{}", before + size);
    (secs, ctx.snapshot().await)
}

/// After Cancel inside file `file` of the log (with `before` messages listed from the files before it, of
/// `written` in it): some were loaded and not all, the log says it was cancelled and counts them; their number.
fn assert_cancel_kept(snap: &Value, file: usize, before: usize, written: usize) -> usize {
    let total: usize = s(&snap["count"]).parse().unwrap();
    let kept = total - before;
    assert!(kept > 200 && kept < written, "Cancel keeps what was loaded and stops: {kept} of {written}");
    let entry = &snap["files"][file];
    assert!(entry["problems"].to_string().contains("cancelled inside the archive"), "the log says it was cancelled: {entry}");
    assert_eq!(s(&entry["messages"]), kept.to_string(), "{entry}");
    kept
}

/// The open message's locations, as the reader lists them.
async fn reader_locations(ctx: &Ctx) -> String {
    s(&ctx.wait_js("reader-locations", UI_TIMEOUT, "const l = document.querySelector('[data-testid=reader-locations]'); return l ? l.textContent : null;").await)
}

/// Cancel inside a large `.mbox.gz`, then inside a `.tar.gz` of many .eml files: each stops promptly with
/// the "cancelled" warning and keeps what was loaded, with the messages' places inside the archive. The
/// files are written to a temporary folder and picked (too large for WebDriver as base64).
pub async fn cancel_inside_gz(ctx: Ctx, target: Target) {
    // About 160 MB of mbox. After the first Cancel the index pass reads the loaded part of it again while
    // the .tar.gz is read: it reads the entry on in 8 MiB windows, so it holds up neither the .tar.gz's
    // ingest nor the second Cancel (it used to decompress the whole entry in one step of 2–3 s).
    const MBOX_N: usize = 60_000;
    const TAR_N: usize = 60_000;
    let dir = std::env::temp_dir().join(format!("leakloupe-gz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mbox_gz = gzip(&mbox_of(MBOX_N, "Mbox report", 2017), Some("big.mbox"));
    std::fs::write(dir.join("big.mbox.gz"), &mbox_gz).unwrap();
    let files: Vec<(String, Vec<u8>)> = (0..TAR_N).map(|i| (format!("mail/{i:05}.eml"), report(i, "Tar report", 2016).into_bytes())).collect();
    let tgz = gzip(&tar_of(&files), None);
    drop(files);
    std::fs::write(dir.join("many.tar.gz"), &tgz).unwrap();
    eprintln!("big.mbox.gz: {} bytes, many.tar.gz: {} bytes", mbox_gz.len(), tgz.len());
    let pick = |name: &str| dir.join(name).canonicalize().unwrap().display().to_string();
    open(&ctx, target).await;

    ctx.find("input[type=file][data-testid=file-input]").await.send_keys(&pick("big.mbox.gz")).await.expect("pick big.mbox.gz");
    let (mbox_secs, snap) = cancel_once_loading(&ctx, 0, 0, mbox_gz.len() as u64).await;
    let count = assert_cancel_kept(&snap, 0, 0, MBOX_N);
    assert_eq!(s(&snap["files"][0]["format"]), "gzip", "{}", snap["files"][0]);
    // Still usable: a message opens, named by its place inside the archive.
    click_row(&ctx, 0, &s(&snap["rows"][0]["subject"])).await;
    let loc = reader_locations(&ctx).await;
    assert!(loc.contains("big.mbox.gz \u{203A} big.mbox, message 1 at bytes "), "{loc}");

    ctx.find("input[type=file][data-testid=file-input]").await.send_keys(&pick("many.tar.gz")).await.expect("pick many.tar.gz");
    let (tar_secs, snap) = cancel_once_loading(&ctx, count, mbox_gz.len() as u64, tgz.len() as u64).await;
    let entry = &snap["files"][1];
    assert_eq!((s(&entry["name"]).as_str(), s(&entry["format"]).as_str()), ("many.tar.gz", "gzip"), "{entry}");
    assert_cancel_kept(&snap, 1, count, TAR_N);
    // The .tar.gz's messages are dated a year earlier: the first rows.
    let subject = s(&snap["rows"][0]["subject"]);
    assert!(subject.starts_with("Tar report"), "{subject}");
    click_row(&ctx, 0, &subject).await;
    let loc = reader_locations(&ctx).await;
    assert!(loc.contains("many.tar.gz \u{203A} mail/"), "{loc}");
    eprintln!("Cancel: .mbox.gz stopped in {mbox_secs:.2}s, .tar.gz in {tar_secs:.2}s");
    let _ = std::fs::remove_dir_all(&dir);
    finish_target_checks(&ctx, target).await;
}

/// A small `.tar.gz` (a folder, mail files, a file that is not mail, a `.docx`), a `.mbox.gz` that stores its name and
/// an `.eml.gz` that does not: everything loads, every message names its place inside its archive and opens.
pub async fn gz_and_tar_gz(ctx: Ctx, target: Target) {
    let mail = |i: usize, subject: &str| report(i, subject, 2015).into_bytes();
    // The start of a .docx: a zip whose first entry is [Content_Types].xml.
    let mut docx = b"PK\x03\x04".to_vec();
    docx.resize(26, 0);
    docx.extend_from_slice(&19u16.to_le_bytes());
    docx.extend_from_slice(&[0, 0]);
    docx.extend_from_slice(b"[Content_Types].xml<Types/>");
    let tar = tar_of(&[
        ("report.docx".to_string(), docx),
        ("dir/".to_string(), Vec::new()),
        ("dir/a.eml".to_string(), mail(11, "Tar a")),
        ("dir/b.eml".to_string(), mail(12, "Tar b")),
        ("notes.txt".to_string(), b"\x89PNG\r\n\x1a\n not mail".to_vec()),
        ("sub/c.mbox".to_string(), mbox_of(2, "Tar mbox", 2015)),
    ]);
    let files = vec![
        json!({ "name": "x.tar.gz", "type": "application/gzip", "b64": base64(&gzip(&tar, None)) }),
        json!({ "name": "y.mbox.gz", "type": "application/gzip", "b64": base64(&gzip(&mbox_of(3, "Gz mbox", 2014), Some("y.mbox"))) }),
        json!({ "name": "z.eml.gz", "type": "application/gzip", "b64": base64(&gzip(&mail(17, "Bare gz"), None)) }),
    ];
    open(&ctx, target).await;
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    let snap = wait_ingested(&ctx, 4 + 3 + 1).await;
    let entry = |name: &str| snap["files"].as_array().unwrap().iter().find(|f| s(&f["name"]) == name).cloned().unwrap_or_else(|| panic!("{name} not in the log"));
    for (name, messages) in [("x.tar.gz", "4"), ("y.mbox.gz", "3"), ("z.eml.gz", "1")] {
        let e = entry(name);
        assert_eq!((s(&e["status"]).as_str(), s(&e["format"]).as_str(), s(&e["messages"]).as_str()), ("ok", "gzip", messages), "{e}");
        assert!(!e["problems"].to_string().contains("cancelled"), "{e}");
        assert!(!s(&e["sha256"]).is_empty(), "hashed once read whole: {e}");
    }
    let x = entry("x.tar.gz");
    assert!(x["problems"].to_string().contains("x.tar.gz \u{203A} notes.txt: skipped: "), "the file that is not mail is named: {x}");
    assert!(x["problems"].to_string().contains("x.tar.gz \u{203A} report.docx: skipped: an office document"), "a document is not opened as an archive: {x}");
    // Each message names its place inside its archive and reads (re-read from the archive).
    let rows = snap["rows"].as_array().unwrap();
    for (subject, place) in [
        ("Gz mbox 2", "y.mbox.gz \u{203A} y.mbox, message 3 at bytes"),
        ("Tar a 11", "x.tar.gz \u{203A} dir/a.eml, bytes 0"),
        ("Tar b 12", "x.tar.gz \u{203A} dir/b.eml, bytes 0"),
        ("Tar mbox 1", "x.tar.gz \u{203A} sub/c.mbox, message 2 at bytes"),
        ("Bare gz 17", "z.eml.gz \u{203A} z.eml, bytes 0"),
    ] {
        let i = rows.iter().position(|r| s(&r["subject"]) == subject).unwrap_or_else(|| panic!("no row {subject}: {rows:#?}"));
        click_row(&ctx, i, subject).await;
        let loc = reader_locations(&ctx).await;
        assert!(loc.contains(place), "{subject}: {loc}");
        let n = subject.rsplit(' ').next().unwrap();
        ctx.wait_js(
            &format!("the body of {subject}"),
            UI_TIMEOUT,
            &format!("const b = document.querySelector('[data-testid=reader-body]'); return !!b && b.textContent.includes('line 0 of message {n}:');"),
        )
        .await;
    }
    // The index read the messages inside the archives too (re-read from them after ingest).
    ctx.wait_js("the search index to be complete", UI_TIMEOUT, "return !document.querySelector('[data-testid=index-progress]');").await;
    let search = ctx.find("[data-testid=search-input]").await;
    // Neighbouring counts differ, so a count left over from the query before cannot pass for the next.
    for (query, want) in [("quarterly", 8), ("\"of message 2\"", 1), ("\"of message 1\"", 2), ("\"of message 17\"", 1)] {
        search.clear().await.expect("clear the search box");
        search.send_keys(&format!("{query}\u{E007}")).await.expect("type a query and Enter");
        ctx.wait_js(
            &format!("{want} hits for {query}"),
            UI_TIMEOUT,
            &format!(
                "const c = document.querySelector('[data-testid=result-count]'); const i = document.querySelector('[data-testid=search-input]');\
                 return !!c && i.value === {} && c.textContent.trim() === '{want}';",
                serde_json::to_string(query).unwrap()
            ),
        )
        .await;
    }
    finish_target_checks(&ctx, target).await;
}
