//! The Forensics view (issue 6) end to end: messages written here carry real attachments (the corpus's
//! `attachments-metadata/`, or the repository's own `crates/core/tests/fixtures/metadata/` files when the
//! corpus is absent; `cyrillic-author.xlsx` always) plus three PDFs last saved by one Cyrillic-named editor
//! within six minutes; one sender switches mail programs; one message has a hostile subject; one has a relay
//! route whose clock runs backwards.
//!
//! The view must show what `leakloupe::forensics::Collector` computes natively over the very same bytes
//! (findings per code with their message counts, author rows and flags), and besides that the facts the
//! messages were written for: the mailer change, the flagged Cyrillic editor, the edit burst. A click on a
//! finding must filter the list to that many messages; a burst document opens its message; the reports
//! saved hold the message's SHA-256 and no unescaped `<script`.

use std::path::PathBuf;
use std::time::Duration;

use leakloupe::forensics::Collector;
use leakloupe::protocol::ForensicsView;
use leakloupe_core::analysis::received::{analyze, ReceivedOptions};
use leakloupe_core::message::read_message;
use leakloupe_core::search::{Doc, SearchIndex};
use serde_json::{json, Value};

use super::harness::{artifacts_dir, base64, sha256_hex, workspace_root, Ctx};
use super::inputs::corpus_dir;
use super::scenarios::{finish_target_checks, lit, open, s, wait_ingested, Target, DROP_JS, UI_TIMEOUT};

/// The editor of the three burst documents.
const EDITOR: &str = "Роша Георгий";
/// A subject that would run script if a report put it into HTML unescaped.
const HOSTILE_SUBJECT: &str = "<script>alert(\"pwned\")</script> Budget <img src=x onerror=alert(1)>";

/// A PDF whose Info names `who` (UTF-16BE, as PDFs write non-Latin text) as author, last saved on
/// 2017-04-27 at 10:`minute` UTC.
fn pdf(who: &str, title: &str, minute: u32) -> Vec<u8> {
    let hex: String = who.encode_utf16().map(|u| format!("{u:04X}")).collect();
    format!(
        "%PDF-1.4\n1 0 obj\n<< /Title ({title}) /Author <FEFF{hex}> /Creator (Microsoft Excel) /ModDate (D:2017042710{minute:02}00Z) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// The author of `cyrillic-author.xlsx` (its last editor is "J\u{435}ff", with a Cyrillic "е").
const XLSX_AUTHOR: &str = "Роша Георгий Петрович";

/// A file to attach: (file name, bytes).
type Attachment = (String, Vec<u8>);

/// Real attachments: from the corpus when present, else the repository's fixtures (and where they came
/// from); and the repository's `cyrillic-author.xlsx`, always.
fn real_attachments() -> (String, Vec<Attachment>, Attachment) {
    let fixtures = workspace_root().join("crates/core/tests/fixtures/metadata");
    let read = |p: PathBuf| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        (name, bytes)
    };
    let corpus = corpus_dir().join("attachments-metadata");
    let files = if corpus_dir().join("SOURCES.md").is_file() && corpus.is_dir() {
        ["exiftool/OOXML.docx", "exiftool/PDF.pdf", "exiftool/ExifTool.jpg", "msg_parser-rs/sample.doc"]
            .iter()
            .map(|rel| read(corpus.join(rel)))
            .collect::<Vec<_>>()
    } else {
        ["japanese-author.odt", "gps-camera.jpg"].iter().map(|n| read(fixtures.join(n))).collect()
    };
    let source = if files.len() == 4 { format!("corpus {}", corpus.display()) } else { format!("fixtures {}", fixtures.display()) };
    (source, files, read(fixtures.join("cyrillic-author.xlsx")))
}

fn wrapped_base64(bytes: &[u8]) -> String {
    let b = base64(bytes);
    b.as_bytes().chunks(76).map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join("\r\n")
}

struct Mail<'a> {
    from: &'a str,
    mailer: &'a str,
    message_id: String,
    day: u32,
    subject: &'a str,
    extra_headers: &'a str,
    attachment: Option<Attachment>,
}

impl Mail<'_> {
    fn bytes(&self) -> Vec<u8> {
        let head = format!(
            "{}From: {}\r\nTo: desk@example.org\r\nSubject: {}\r\nDate: {:02} May 2017 09:30:00 +0200\r\nMessage-ID: <{}>\r\nX-Mailer: {}\r\nMIME-Version: 1.0\r\n",
            self.extra_headers, self.from, self.subject, self.day, self.message_id, self.mailer
        );
        match &self.attachment {
            None => format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\nPlease see the figures.\r\n").into_bytes(),
            Some((name, bytes)) => format!(
                "{head}Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached: {name}\r\n\
--=_b\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--=_b--\r\n",
                wrapped_base64(bytes)
            )
            .into_bytes(),
        }
    }
}

/// The dropped files, in drop order: (file name, bytes).
fn messages(real: Vec<Attachment>, xlsx: Attachment) -> Vec<(String, Vec<u8>)> {
    let ann = "Ann Smith <ann@example.com>";
    let outlook = "Microsoft Outlook 16.0";
    let mut mails: Vec<Mail> = Vec::new();
    let mut real = real.into_iter();
    // Ann: three Outlook messages with Outlook-style ids and real attachments ...
    for day in 2..5 {
        mails.push(Mail {
            from: ann,
            mailer: outlook,
            message_id: format!("000001d2c{day}4b$03af8740$56734151@example.com"),
            day,
            subject: "Quarterly figures",
            extra_headers: "",
            attachment: real.next(),
        });
    }
    // ... then one from Mutt (another program, another Message-ID form), with a hostile subject and the
    // spreadsheet whose editors are Cyrillic.
    mails.push(Mail {
        from: ann,
        mailer: "Mutt/1.5.21 (2010-09-15)",
        message_id: "20170506073000.GA1234@laptop.example.com".into(),
        day: 6,
        subject: HOSTILE_SUBJECT,
        extra_headers: "",
        attachment: Some(xlsx),
    });
    // Pierre sends the three burst PDFs.
    for (i, minute) in [2u32, 5, 8].into_iter().enumerate() {
        mails.push(Mail {
            from: "Pierre Martin <pierre@example.fr>",
            mailer: "Apple Mail (2.3273)",
            message_id: format!("5F2B1C3A-1D2E-4F5A-9B8C-7D6E5F4A3B2{i}@example.fr"),
            day: 10 + i as u32,
            subject: "Memo draft",
            extra_headers: "",
            attachment: Some((format!("memo-{}.pdf", i + 1), pdf(EDITOR, &format!("Memo {}", i + 1), minute))),
        });
    }
    // Whatever real files are left go with plain senders, who also make Latin the clear majority of names.
    let plain = ["Bob Jones <bob@example.com>", "Carol White <carol@example.net>", "Dave Brown <dave@example.org>", "Eve Black <eve@example.org>"];
    for (i, from) in plain.iter().enumerate() {
        for k in 0..2u32 {
            mails.push(Mail {
                from,
                mailer: "Thunderbird 52.1",
                message_id: format!("plain-{i}-{k}@example.org"),
                day: 14 + 2 * i as u32 + k,
                subject: "Lunch",
                extra_headers: "",
                attachment: real.next(),
            });
        }
    }
    // A relay route whose second hop is stamped an hour before the first.
    mails.push(Mail {
        from: "Frank Green <frank@example.com>",
        mailer: "Thunderbird 52.1",
        message_id: "relay@example.com".into(),
        day: 25,
        subject: "Relayed",
        extra_headers: "Received: from mx.example.org (mx.example.org [192.0.2.2]) by inbox.example.org with ESMTP; Thu, 25 May 2017 06:30:00 +0000\r\n\
Received: from laptop (out.example.com [192.0.2.1]) by mx.example.org with ESMTPS; Thu, 25 May 2017 07:31:00 +0000\r\n",
        attachment: None,
    });
    assert!(real.next().is_none(), "every real attachment is carried by a message");
    mails.iter().enumerate().map(|(i, m)| (format!("forensics-{i:02}.eml"), m.bytes())).collect()
}

/// What the worker should compute: the collector run natively over the same bytes, ids in drop order.
fn expected(mails: &[(String, Vec<u8>)]) -> ForensicsView {
    let mut c = Collector::default();
    let mut index = SearchIndex::new();
    for (i, (_, raw)) in mails.iter().enumerate() {
        let id = i as u32;
        let detail = read_message(raw);
        index.add(id, &Doc::from_raw_and_detail(raw, &detail)).expect("index");
        let chain = analyze(&detail.headers, &ReceivedOptions::default());
        c.observe(id, raw, &detail, &chain.findings);
    }
    c.finish(&mut index)
}

async fn wait_download(ctx: &Ctx, name: &str) -> String {
    let p = ctx.wait_download(Some(name), Duration::from_secs(15)).await;
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

async fn tab(ctx: &Ctx, name: &str, ready_css: &str) {
    ctx.click(&format!("[data-testid=forensics-tab-{name}]")).await;
    ctx.wait_js(&format!("the {name} tab"), UI_TIMEOUT, &format!("return !!document.querySelector({});", lit(ready_css))).await;
}

/// What both reports of the hostile message must hold, and must not.
fn report_checks(what: &str, html: &str, sha256: &str) {
    let lower = html.to_lowercase();
    assert!(html.contains(sha256), "{what}: the report ({} bytes) lacks the message's SHA-256 {sha256}", html.len());
    assert!(!lower.contains("<script"), "{what}: an unescaped <script in the report");
    assert!(!lower.contains("<img"), "{what}: an unescaped <img in the report");
    assert!(html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), "{what}: the hostile subject, escaped");
    assert!(html.contains("default-src 'none'"), "{what}: the report's own CSP");
    assert!(html.contains("cyrillic-author.xlsx") && html.contains(XLSX_AUTHOR), "{what}: the attachment and its metadata");
    assert!(html.contains("fingerprint.mailer-change"), "{what}: the dump-wide finding about the message");
}

pub async fn forensics_view(ctx: Ctx, target: Target) {
    let (source, real, xlsx) = real_attachments();
    eprintln!("attachments from {source}");
    let mails = messages(real, xlsx);
    let want = expected(&mails);
    let hostile_sha = sha256_hex(&mails.iter().find(|(_, b)| String::from_utf8_lossy(b).contains("Mutt/1.5.21")).expect("the Mutt message").1);

    open(&ctx, target).await;
    let files: Vec<Value> = mails.iter().map(|(name, bytes)| json!({ "name": name, "type": "message/rfc822", "b64": base64(bytes) })).collect();
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    wait_ingested(&ctx, mails.len()).await;

    // The view opens from the toolbar and fills once indexing is done.
    ctx.click("[data-testid=forensics-toggle]").await;
    ctx.wait_js(
        "the Forensics view with its findings",
        Duration::from_secs(30),
        "const v = document.querySelector('[data-testid=forensics-view]'); return !!v && v.dataset.ready === 'true' && document.querySelectorAll('[data-testid=forensic-finding]').length > 0;",
    )
    .await;
    let shown = ctx
        .js("return Array.from(document.querySelectorAll('[data-testid=forensic-finding]')).map(f => [f.dataset.code, Number(f.dataset.count), f.dataset.severity]);", vec![])
        .await;
    let want_findings: Vec<Value> = want.findings.iter().map(|g| json!([g.code, g.messages, g.severity.label()])).collect();
    assert_eq!(shown, Value::Array(want_findings), "findings per code (code, messages, severity), as the collector computes them");
    let count_of = |code: &str| -> u64 {
        shown.as_array().unwrap().iter().find(|f| f[0] == code).and_then(|f| f[1].as_u64()).unwrap_or_else(|| panic!("no finding {code}: {shown}"))
    };
    assert_eq!(count_of("fingerprint.mailer-change"), 1, "Ann's switch to Mutt");
    assert_eq!(count_of("received.negative-delay"), 1, "the backwards relay route");
    let mismatched = count_of("authors.name-script-mismatch");
    assert!(mismatched >= 3, "the three burst PDFs name a Cyrillic editor in a Latin mailbox: {mismatched}");
    ctx.save_screenshot(&target.shot("forensics-findings.png")).await;

    // A click on a finding searches for it: the list shows exactly its messages, beside the view.
    for code in ["authors.name-script-mismatch", "fingerprint.mailer-change"] {
        let n = count_of(code);
        ctx.click(&format!("[data-testid=forensic-finding][data-code={}]", lit(code))).await;
        ctx.wait_js(
            &format!("result-count {n} for finding:{code}"),
            UI_TIMEOUT,
            &format!(
                "const c = document.querySelector('[data-testid=result-count]'); const i = document.querySelector('[data-testid=search-input]');\
                 return !!c && c.textContent.trim() === '{n}' && document.querySelectorAll('[data-testid=message-row]').length === {n} && i.value === {};",
                lit(&format!("finding:{code}"))
            ),
        )
        .await;
        let active = ctx.js(&format!("return document.querySelector('[data-testid=forensic-finding][data-code={}]').classList.contains('active');", lit(code)), vec![]).await;
        assert_eq!(active, json!(true), "the finding shown is marked");
    }
    assert!(ctx.find("[data-testid=forensics-view]").await.is_displayed().await.unwrap(), "the view stays open while the list filters");
    let row_subject = ctx.js("return document.querySelector('[data-testid=message-row] .col-subject').textContent.trim();", vec![]).await;
    assert_eq!(row_subject, json!(HOSTILE_SUBJECT), "finding:fingerprint.mailer-change lists the Mutt message");
    ctx.save_screenshot(&target.shot("forensics-filtered.png")).await;

    // Selection report: the listed message (one), built by the worker.
    ctx.click("[data-testid=report-selection]").await;
    let selection = wait_download(&ctx, "leakloupe-report-finding-fingerprint-mailer-change.html").await;
    report_checks("selection report", &selection, &hostile_sha);

    // Senders: Ann first, with her inconsistency and a link to the message.
    tab(&ctx, "senders", "[data-testid=sender-profile]").await;
    let senders = ctx
        .js("return Array.from(document.querySelectorAll('[data-testid=sender-profile]')).map(s => [s.dataset.sender, Number(s.dataset.inconsistencies), Array.from(s.querySelectorAll('[data-testid=sender-inconsistency]')).map(i => i.dataset.code)]);", vec![])
        .await;
    let want_senders: Vec<Value> = want
        .senders
        .iter()
        .map(|s| json!([s.sender, s.inconsistencies.len(), s.inconsistencies.iter().map(|i| i.finding.code.clone()).collect::<Vec<_>>()]))
        .collect();
    assert_eq!(senders, Value::Array(want_senders), "sender profiles, inconsistent first");
    assert_eq!(senders[0][0], json!("ann@example.com"));
    assert!(senders[0][2].as_array().unwrap().contains(&json!("fingerprint.mailer-change")), "{senders}");
    ctx.save_screenshot(&target.shot("forensics-senders.png")).await;

    // Authors: the table as computed, the Cyrillic editor flagged with the reason.
    tab(&ctx, "authors", "[data-testid=author-row]").await;
    let authors = ctx
        .js("return Array.from(document.querySelectorAll('[data-testid=author-row]')).map(r => [r.dataset.name, Number(r.dataset.documents), r.dataset.flagged === 'true', Array.from(r.querySelectorAll('[data-testid=author-flag]')).map(f => f.textContent)]);", vec![])
        .await;
    let want_authors: Vec<Value> = want.authors.iter().map(|a| json!([a.name, a.documents, !a.flags.is_empty(), a.flags])).collect();
    assert_eq!(authors, Value::Array(want_authors), "author rows (name, documents, flagged, reasons)");
    let editor = authors.as_array().unwrap().iter().find(|r| r[0] == EDITOR).unwrap_or_else(|| panic!("no author row for {EDITOR}: {authors}"));
    assert_eq!(editor[1], json!(3), "{EDITOR} named in three documents");
    assert_eq!(editor[2], json!(true), "{EDITOR} is flagged");
    assert!(s(&editor[3][0]).starts_with("Written in Cyrillic letters, while"), "{editor}");
    let lookalike = authors.as_array().unwrap().iter().find(|r| r[0] == "J\u{435}ff").expect("the homoglyph editor of cyrillic-author.xlsx");
    assert_eq!(lookalike[2], json!(true), "a Latin name with a Cyrillic letter is flagged");
    let highlighted = ctx.js(&format!("const r = document.querySelector('[data-testid=author-row][data-name={}]'); return r.classList.contains('flagged');", lit(EDITOR)), vec![]).await;
    assert_eq!(highlighted, json!(true));
    ctx.save_screenshot(&target.shot("forensics-authors.png")).await;

    // Edit bursts: Pierre's three PDFs, saved within six minutes by the editor; N and M change the answer.
    tab(&ctx, "bursts", "[data-testid=edit-burst]").await;
    let bursts = ctx
        .js("return Array.from(document.querySelectorAll('[data-testid=edit-burst]')).map(b => [b.dataset.editor, Number(b.dataset.count), Array.from(b.querySelectorAll('[data-testid=burst-doc]')).map(d => d.dataset.file)]);", vec![])
        .await;
    assert_eq!(bursts, json!([[EDITOR, 3, ["memo-1.pdf", "memo-2.pdf", "memo-3.pdf"]]]), "one burst of three");
    ctx.save_screenshot(&target.shot("forensics-bursts.png")).await;
    let set = |testid: &'static str, v: u32| {
        let ctx = &ctx;
        async move {
            let input = ctx.find(&format!("[data-testid={testid}]")).await;
            input.clear().await.expect("clear");
            input.send_keys(&v.to_string()).await.expect("type");
        }
    };
    set("burst-min-docs", 4).await;
    ctx.click("[data-testid=burst-find]").await;
    ctx.wait_js("no burst of four", UI_TIMEOUT, "return document.querySelectorAll('[data-testid=edit-burst]').length === 0;").await;
    set("burst-min-docs", 2).await;
    set("burst-window", 3).await;
    ctx.click("[data-testid=burst-find]").await;
    ctx.wait_js(
        "one burst of two within 3 minutes",
        UI_TIMEOUT,
        "const b = document.querySelectorAll('[data-testid=edit-burst]'); return b.length === 1 && b[0].dataset.count === '2';",
    )
    .await;
    // A document opens its message (the view gives way to the reader).
    ctx.click("[data-testid=burst-doc][data-file='memo-2.pdf']").await;
    ctx.wait_js(
        "the reader shows memo-2.pdf's message",
        UI_TIMEOUT,
        "const s = document.querySelector('[data-testid=reader-subject]'); const a = Array.from(document.querySelectorAll('[data-testid=attachment-name]')).map(e => e.textContent.trim());\
         return !!s && s.textContent.trim() === 'Memo draft' && a.includes('memo-2.pdf') && !document.querySelector('[data-testid=forensics-view]');",
    )
    .await;

    // The message report: open the hostile message (the list still filters to it) and save its report.
    ctx.find("[data-testid=message-row]").await.click().await.expect("click the hostile message");
    ctx.wait_js(
        "the reader shows the hostile message",
        UI_TIMEOUT,
        &format!("const s = document.querySelector('[data-testid=reader-subject]'); return !!s && s.textContent.trim() === {};", lit(HOSTILE_SUBJECT)),
    )
    .await;
    let shown_sha = ctx.wait_js("the message's SHA-256", UI_TIMEOUT, "const h = document.querySelector('[data-testid=message-sha256]'); return h ? h.textContent.trim() : null;").await;
    assert_eq!(s(&shown_sha), hostile_sha, "the reader's SHA-256 is the .eml's");
    ctx.click("[data-testid=report-message]").await;
    let report = wait_download(&ctx, &leakloupe::report::file_name(HOSTILE_SUBJECT)).await;
    // Kept beside the screenshots, to look at (written before the checks, so a failure leaves them too).
    std::fs::write(artifacts_dir().join(target.shot("forensics-report.html")), &report).expect("write the report artifact");
    std::fs::write(artifacts_dir().join(target.shot("forensics-selection-report.html")), &selection).expect("write the report artifact");
    report_checks("message report", &report, &hostile_sha);
    ctx.save_screenshot(&target.shot("forensics-report-reader.png")).await;
    finish_target_checks(&ctx, target).await;
}
