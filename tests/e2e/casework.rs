//! Case work (issue 5): star, tag and note a message; `tag:` search and highlighted hits; a saved search;
//! the case survives a reload (IndexedDB, keyed by the file's SHA-256) when the same file is dropped again;
//! an exported mbox re-imports to the same messages and hashes; the case file exports; "Forget
//! everything" erases what is stored. The archive is written here: three messages in one mbox.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::key::Key;
use serde_json::{json, Value};

use leakloupe_core::ingest::{ingest_all, message_bytes};
use leakloupe_core::message::sha256_hex;

use super::harness::{base64, Ctx};
use super::scenarios::{click_row, finish_target_checks, open, s, wait_ingested, Target, DROP_JS, UI_TIMEOUT};

/// An mbox of three messages (one with a ">From " body line that mboxrd quoting must keep exact).
fn archive() -> Vec<u8> {
    let mut out = Vec::new();
    for (n, (day, subject, body)) in [
        ("Mon, 03 Apr 2017", "Budget draft", "The budget for Hervé is attached.\n>From the team, thanks.\n"),
        ("Tue, 04 Apr 2017", "Lunch", "Lunch at noon?\n"),
        ("Wed, 05 Apr 2017", "Re: Budget draft", "From now on the budget is final.\n"),
    ]
    .into_iter()
    .enumerate()
    {
        out.extend_from_slice(format!("From anna@example.org {day} 10:00:00 2017\n").as_bytes());
        let body = body.replace("\n>From ", "\n>>From ").replace("\nFrom ", "\n>From ");
        let body = if let Some(rest) = body.strip_prefix("From ") { format!(">From {rest}") } else { body };
        out.extend_from_slice(
            format!(
                "From: Anna <anna@example.org>\nTo: team@example.org\nSubject: {subject}\nDate: {day} 10:00:00 +0000\n\
Message-ID: <case-{n}@example.org>\n\n{body}\n"
            )
            .as_bytes(),
        );
    }
    out
}

fn slice<'a>(source: &'a [u8], span: &leakloupe_core::ingest::MessageSpan) -> &'a [u8] {
    &source[span.offset as usize..(span.offset + span.len) as usize]
}

async fn drop_archive(ctx: &Ctx, bytes: &[u8], name: &str) {
    let files = vec![json!({ "name": name, "type": "application/mbox", "b64": base64(bytes) })];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
}

async fn search(ctx: &Ctx, query: &str) {
    let input = ctx.find("[data-testid=search-input]").await;
    input.clear().await.expect("clear search");
    input.send_keys(&format!("{query}{}", char::from(Key::Enter))).await.expect("type a query");
}

async fn wait_count(ctx: &Ctx, query: &str, n: usize) {
    ctx.wait_js(
        &format!("result-count {n} for {query:?}"),
        UI_TIMEOUT,
        &format!("const c = document.querySelector('[data-testid=result-count]'); return !!c && c.textContent.trim() === '{n}';"),
    )
    .await;
}

async fn wait_download(ctx: &Ctx, name: &str) -> PathBuf {
    ctx.wait_download(Some(name), Duration::from_secs(10)).await
}

/// Wait until the index is built (tags are searchable once a message is indexed).
async fn wait_indexed(ctx: &Ctx) {
    ctx.wait_js("the index to be built", Duration::from_secs(20), "return !document.querySelector('[data-testid=index-progress]');").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn storage_count(ctx: &Ctx) -> String {
    s(&ctx
        .wait_js(
            "storage summary",
            UI_TIMEOUT,
            "const e = document.querySelector('[data-testid=storage-summary]'); return e ? e.dataset.count : null;",
        )
        .await)
}

pub async fn case_work(ctx: Ctx, target: Target) {
    let mbox = archive();
    let originals: Vec<String> = {
        let messages = ingest_all(&mbox, "leak.mbox").messages;
        messages.iter().map(|(span, _)| sha256_hex(&message_bytes(span, slice(&mbox, span)))).collect()
    };
    assert_eq!(originals.len(), 3);

    open(&ctx, target).await;
    drop_archive(&ctx, &mbox, "leak.mbox").await;
    wait_ingested(&ctx, 3).await;
    wait_indexed(&ctx).await;

    // Annotate the first message: star, two tags, a note.
    click_row(&ctx, 0, "Budget draft").await;
    ctx.find("[data-testid=star-toggle]").await.click().await.expect("star");
    ctx.wait_js("starred", UI_TIMEOUT, "const b = document.querySelector('[data-testid=star-toggle]'); return b && b.getAttribute('aria-pressed') === 'true';").await;
    let tag = ctx.find("[data-testid=tag-input]").await;
    tag.send_keys(&format!("budget{}", char::from(Key::Enter))).await.expect("tag");
    tag.send_keys(&format!("to verify{}", char::from(Key::Enter))).await.expect("tag 2");
    ctx.wait_js("two tags", UI_TIMEOUT, "return document.querySelectorAll('[data-testid=case-box] [data-testid=tag]').length === 2;").await;
    let note = ctx.find("[data-testid=note-input]").await;
    note.send_keys("Ask Ivan who sent the attachment").await.expect("note");
    ctx.find("[data-testid=reader-subject]").await.click().await.expect("blur the note");
    ctx.wait_js(
        "the row shows the star and tags",
        UI_TIMEOUT,
        "const r = document.querySelectorAll('[data-testid=message-row]')[0];\
         return !!r.querySelector('[data-testid=row-star]') && r.querySelectorAll('[data-testid=row-tag]').length === 2;",
    )
    .await;

    // tag: search, tag:starred, and highlighted hits in list and reader.
    search(&ctx, "tag:budget").await;
    wait_count(&ctx, "tag:budget", 1).await;
    search(&ctx, "tag:starred").await;
    wait_count(&ctx, "tag:starred", 1).await;
    // Tags and recipients are facets too; a click narrows.
    search(&ctx, "").await;
    ctx.wait_js("a tag facet", UI_TIMEOUT, "return !!document.querySelector('[data-testid=facet][data-facet=tag][data-value=budget]');").await;
    ctx.wait_js("a recipient facet", UI_TIMEOUT, "return !!document.querySelector('[data-testid=facet][data-facet=to][data-value=\"team@example.org\"]');").await;
    ctx.find("[data-testid=facet][data-facet=tag][data-value=budget]").await.click().await.expect("click the tag facet");
    wait_count(&ctx, "tag:budget (facet)", 1).await;
    search(&ctx, "budget").await;
    wait_count(&ctx, "budget", 2).await;
    let marks = ctx
        .wait_js(
            "highlighted hits in the list",
            UI_TIMEOUT,
            "const m = Array.from(document.querySelectorAll('[data-testid=message-row] mark[data-testid=hit]')).map(e => e.textContent); return m.length ? m : null;",
        )
        .await;
    assert!(marks.as_array().unwrap().iter().all(|m| s(m) == "Budget"), "list hits: {marks}");
    click_row(&ctx, 0, "Budget draft").await;
    let body_marks = ctx
        .wait_js(
            "highlighted hits in the body",
            UI_TIMEOUT,
            "const m = Array.from(document.querySelectorAll('[data-testid=reader-body] mark[data-testid=hit]')).map(e => e.textContent); return m.length ? m : null;",
        )
        .await;
    assert_eq!(body_marks, json!(["budget"]), "body hits");

    // Save the search; the case panel lists it and what is stored.
    ctx.find("[data-testid=case-toggle]").await.click().await.expect("open the case panel");
    ctx.find("[data-testid=saved-search-name]").await.send_keys("budget mail").await.expect("name");
    ctx.find("[data-testid=save-search]").await.click().await.expect("save search");
    ctx.wait_js("saved search listed", UI_TIMEOUT, "return !!document.querySelector('[data-testid=saved-search][data-name=\"budget mail\"]');").await;
    assert_eq!(storage_count(&ctx).await, "1", "one record: the case of leak.mbox");
    ctx.save_screenshot(&target.shot("case-panel.png")).await;

    // Export all three as an mbox: byte-exact, the same hashes when read back.
    search(&ctx, "").await;
    ctx.find("[data-testid=export-mbox]").await.click().await.expect("export mbox");
    ctx.wait_js("mbox export ready", Duration::from_secs(10), "const a = document.querySelector('[data-testid=export-save]'); return a && a.getAttribute('download') === 'leakloupe-messages.mbox';").await;
    let save = ctx.find("[data-testid=export-save]").await;
    save.click().await.expect("save the export");
    let saved = wait_download(&ctx, "leakloupe-messages.mbox").await;
    let exported = std::fs::read(&saved).unwrap();
    let messages = ingest_all(&exported, "exported.mbox").messages;
    let hashes: Vec<String> = messages.iter().map(|(span, _)| sha256_hex(&message_bytes(span, slice(&exported, span)))).collect();
    assert_eq!(hashes, originals, "the exported mbox must hold the same messages, byte for byte");
    // ... and the app, given it back, finds the same three messages (as copies, not new ones).
    drop_archive(&ctx, &exported, "exported.mbox").await;
    ctx.wait_js(
        "the re-imported mbox adds 3 copies and no message",
        Duration::from_secs(20),
        "const s = document.querySelector('[data-testid=ingest-status]'); const c = document.querySelector('[data-testid=message-count]');\
         const f = document.querySelector('[data-testid=ingest-file][data-name=\"exported.mbox\"]');\
         return s && s.dataset.state === 'done' && c.textContent.trim() === '3' && f && f.dataset.status === 'ok';",
    )
    .await;

    // CSV and JSON Lines of the results: one line per message with its hash, tags and note.
    ctx.find("[data-testid=export-csv]").await.click().await.expect("export csv");
    ctx.wait_js("csv ready", UI_TIMEOUT, "const a = document.querySelector('[data-testid=export-save]'); return a && a.getAttribute('download') === 'leakloupe-results.csv';").await;
    ctx.find("[data-testid=export-save]").await.click().await.expect("save the csv");
    let csv = std::fs::read_to_string(wait_download(&ctx, "leakloupe-results.csv").await).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header + 3 rows: {csv}");
    assert!(lines[0].contains("sha256") && lines[0].contains("tags") && lines[0].contains("note"), "{}", lines[0]);
    for sha in &originals {
        assert!(csv.contains(sha.as_str()), "the CSV lacks message {sha}");
    }
    assert!(csv.contains("Ask Ivan who sent the attachment") && csv.contains("budget"), "tags and notes in the CSV: {csv}");
    ctx.find("[data-testid=export-jsonl]").await.click().await.expect("export jsonl");
    ctx.wait_js("jsonl ready", UI_TIMEOUT, "const a = document.querySelector('[data-testid=export-save]'); return a && a.getAttribute('download') === 'leakloupe-results.jsonl';").await;
    ctx.find("[data-testid=export-save]").await.click().await.expect("save the jsonl");
    let jsonl = std::fs::read_to_string(wait_download(&ctx, "leakloupe-results.jsonl").await).unwrap();
    let rows: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).expect("a JSON object per line")).collect();
    assert_eq!(rows.iter().map(|r| s(&r["sha256"])).collect::<Vec<_>>(), originals, "JSON Lines rows in list order");
    // A zip of .eml files: each entry byte-exact, with its SHA-256 in SHA256SUMS.
    ctx.find("[data-testid=export-zip]").await.click().await.expect("export zip");
    ctx.wait_js("zip ready", UI_TIMEOUT, "const a = document.querySelector('[data-testid=export-save]'); return a && a.getAttribute('download') === 'leakloupe-messages-eml.zip';").await;
    ctx.find("[data-testid=export-save]").await.click().await.expect("save the zip");
    let zip = std::fs::read(wait_download(&ctx, "leakloupe-messages-eml.zip").await).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let diags = leakloupe_core::container::for_each_entry(
        leakloupe_core::container::ContainerKind::Zip,
        &zip,
        &leakloupe_core::container::Limits::default(),
        &mut |e, r| {
            let mut b = Vec::new();
            let _ = std::io::Read::read_to_end(r, &mut b);
            entries.push((e.path.clone(), b));
            std::ops::ControlFlow::Continue(())
        },
    );
    assert!(diags.is_empty(), "the zip reads cleanly: {diags:?}");
    let emls: Vec<String> = entries.iter().filter(|(n, _)| n.ends_with(".eml")).map(|(_, b)| sha256_hex(b)).collect();
    assert_eq!(emls, originals, "the zip's .eml entries are the messages, byte for byte");
    let sums = entries.iter().find(|(n, _)| n == "SHA256SUMS").map(|(_, b)| String::from_utf8_lossy(b).to_string()).expect("SHA256SUMS");
    assert!(originals.iter().all(|h| sums.contains(h.as_str())), "{sums}");

    // The case file.
    ctx.find("[data-testid=export-case]").await.click().await.expect("export case");
    ctx.wait_js("case export ready", UI_TIMEOUT, "const a = document.querySelector('[data-testid=export-save]'); return a && a.getAttribute('download') === 'leakloupe-case.json';").await;
    ctx.find("[data-testid=export-save]").await.click().await.expect("save the case");
    let case = std::fs::read_to_string(wait_download(&ctx, "leakloupe-case.json").await).unwrap();
    for needle in ["leakloupe-case", "budget", "to verify", "Ask Ivan who sent the attachment", "budget mail", &originals[0]] {
        assert!(case.contains(needle), "the case file lacks {needle:?}: {case}");
    }

    // Reload: nothing in memory; the same file dropped again brings the case back.
    ctx.client.refresh().await.expect("reload");
    ctx.wait_js("the app after reload", Duration::from_secs(20), "const s = document.querySelector('[data-testid=ingest-status]'); return !!s && s.dataset.state === 'idle';").await;
    drop_archive(&ctx, &mbox, "leak.mbox").await;
    wait_ingested(&ctx, 3).await;
    ctx.wait_js(
        "star and tags restored after reload",
        Duration::from_secs(10),
        "const r = document.querySelectorAll('[data-testid=message-row]')[0];\
         return !!r && !!r.querySelector('[data-testid=row-star]') && r.querySelectorAll('[data-testid=row-tag]').length === 2;",
    )
    .await;
    click_row(&ctx, 0, "Budget draft").await;
    ctx.wait_js("note restored", UI_TIMEOUT, "const n = document.querySelector('[data-testid=note-input]'); return n && n.value === 'Ask Ivan who sent the attachment';").await;
    wait_indexed(&ctx).await;
    search(&ctx, "tag:\"to verify\"").await;
    wait_count(&ctx, "tag:\"to verify\"", 1).await;
    ctx.find("[data-testid=case-toggle]").await.click().await.expect("open the case panel");
    ctx.wait_js("saved search restored", UI_TIMEOUT, "return !!document.querySelector('[data-testid=saved-search][data-name=\"budget mail\"]');").await;
    ctx.wait_js("the restore is logged", UI_TIMEOUT, "return Array.from(document.querySelectorAll('[data-testid=case-log]')).some(e => e.textContent.includes('saved case of leak.mbox'));").await;

    // Forget everything: nothing stored, nothing annotated.
    ctx.find("[data-testid=forget-everything]").await.click().await.expect("forget");
    ctx.find("[data-testid=forget-confirm]").await.click().await.expect("confirm");
    ctx.wait_js("storage empty", UI_TIMEOUT, "const e = document.querySelector('[data-testid=storage-summary]'); return e && e.dataset.count === '0';").await;
    ctx.wait_js("annotations gone", UI_TIMEOUT, "return !document.querySelector('[data-testid=row-star]') && !document.querySelector('[data-testid=row-tag]');").await;

    // "Another machine": nothing stored, a fresh page; the case file dropped with the same mbox brings
    // the tags, star, note and saved search back.
    ctx.client.refresh().await.expect("reload");
    ctx.wait_js("the app after reload", Duration::from_secs(20), "const s = document.querySelector('[data-testid=ingest-status]'); return !!s && s.dataset.state === 'idle';").await;
    let files = vec![
        json!({ "name": "leak.mbox", "type": "application/mbox", "b64": base64(&mbox) }),
        json!({ "name": "leakloupe-case.json", "type": "application/json", "b64": base64(case.as_bytes()) }),
    ];
    ctx.js(DROP_JS, vec![Value::Array(files)]).await;
    ctx.wait_js(
        "the case file is read as a case",
        Duration::from_secs(20),
        "const f = document.querySelector('[data-testid=ingest-file][data-name=\"leakloupe-case.json\"]'); return !!f && f.dataset.format === 'case' && f.dataset.status === 'ok';",
    )
    .await;
    ctx.wait_js(
        "annotations imported from the case file",
        Duration::from_secs(10),
        "const r = document.querySelectorAll('[data-testid=message-row]')[0];\
         return !!r && !!r.querySelector('[data-testid=row-star]') && r.querySelectorAll('[data-testid=row-tag]').length === 2;",
    )
    .await;
    ctx.find("[data-testid=case-toggle]").await.click().await.expect("open the case panel");
    ctx.wait_js("saved search imported", UI_TIMEOUT, "return !!document.querySelector('[data-testid=saved-search][data-name=\"budget mail\"]');").await;
    finish_target_checks(&ctx, target).await;
}
