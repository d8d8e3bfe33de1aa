//! The built-in demo leak in the page: "Open the demo leak" on the welcome card has the worker build the
//! files and read them like a drop (18 messages, the key file imported first), the guide lists the
//! exercises, and each "Show me" puts its query in the search box and finds the count the lesson promises
//! (`leakloupe::protocol::demo_lessons`, checked natively in `tests/demo_leak.rs`). The altered message shows
//! DKIM fail and its intact variant in the zip; the kickoff lists both mailboxes it was found in; an edited
//! copy of a signed message fails and the original passes (the experiment); Start over gives a fresh page.

use serde_json::Value;

use super::harness::Ctx;
use super::scenarios::{finish_target_checks, lit, open, s, wait_ingested, Target, UI_TIMEOUT};

/// Open the row whose subject is `subject` and wait for the reader to show it.
async fn open_row(ctx: &Ctx, subject: &str) {
    ctx.wait_js(
        &format!("the reader shows {subject:?}"),
        UI_TIMEOUT,
        &format!(
            "const want = {};\
             const s = document.querySelector('[data-testid=reader-subject]'); if (s && s.textContent.trim() === want) return true;\
             const r = Array.from(document.querySelectorAll('[data-testid=message-row]')).find(r => r.textContent.includes(want)); if (r) r.click(); return false;",
            lit(subject)
        ),
    )
    .await;
}

pub async fn demo_leak(ctx: Ctx, target: Target) {
    let lessons = leakloupe::protocol::demo_lessons();
    open(&ctx, target).await;
    ctx.save_screenshot(&target.shot("demo-welcome.png")).await;
    ctx.click("[data-testid=load-demo]").await;
    let snap = wait_ingested(&ctx, 18).await;
    let files: Vec<(String, String)> =
        snap["files"].as_array().unwrap().iter().map(|f| (s(&f["name"]), s(&f["status"]))).collect();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["northwind-leak/dns-keys.txt", "northwind-leak/anna-keller.mbox", "northwind-leak/mei-lin.mbox", "northwind-leak/finance.zip"],
        "{files:?}"
    );
    // The guide opened by itself, with every exercise.
    let shown = ctx
        .wait_js(
            "the guide with its exercises",
            UI_TIMEOUT,
            "const g = document.querySelector('[data-testid=demo-guide]'); if (!g) return null; return Array.from(g.querySelectorAll('[data-testid=lesson]')).map(l => l.dataset.query);",
        )
        .await;
    let queries: Vec<&str> = lessons.iter().map(|l| l.query).collect();
    assert_eq!(shown, Value::from(queries.clone()));
    // Verdicts are searchable once the index is built.
    ctx.wait_js("the index to be built", UI_TIMEOUT, "return !document.querySelector('[data-testid=index-progress]');").await;
    ctx.save_screenshot(&target.shot("demo-guide.png")).await;

    for (i, lesson) in lessons.iter().enumerate() {
        if ctx.js("return !document.querySelector('[data-testid=demo-guide]');", vec![]).await == Value::Bool(true) {
            ctx.click("[data-testid=guide-toggle]").await;
        }
        ctx.wait_js(
            &format!("lesson {i}: Show me"),
            UI_TIMEOUT,
            &format!("const b = document.querySelectorAll('[data-testid=lesson-show]')[{i}]; if (!b) return false; b.click(); return true;"),
        )
        .await;
        ctx.wait_js(
            &format!("lesson {:?}: {} finds {}", lesson.title, lesson.query, lesson.expect),
            UI_TIMEOUT,
            &format!(
                "const c = document.querySelector('[data-testid=result-count]'); const q = document.querySelector('[data-testid=search-input]');\
                 return !!c && c.textContent.trim() === '{}' && q.value === {} && !document.querySelector('[data-testid=demo-guide]');",
                lesson.expect,
                lit(lesson.query)
            ),
        )
        .await;
        // The answer's first message opens by itself.
        ctx.wait_js(
            &format!("lesson {:?} opens its first message", lesson.title),
            UI_TIMEOUT,
            "const r = document.querySelector('[data-testid=message-row][aria-selected=true]'); const s = document.querySelector('[data-testid=reader-subject]');\
             return !!r && !!s && r.textContent.includes(s.textContent.trim());",
        )
        .await;
        match lesson.query {
            "dkim:fail" => {
                open_row(&ctx, "Re: Fwd: Dalton offer for lot 4").await;
                let seen = ctx
                    .wait_js(
                        "DKIM fail and the variant in finance.zip",
                        UI_TIMEOUT,
                        "const d = document.querySelector('[data-testid=dkim-result]'); const v = document.querySelector('[data-testid=reader-variants]');\
                         const b = document.querySelector('[data-testid=reader-body]');\
                         return d && v && b ? { result: d.dataset.result, domain: d.dataset.domain, reason: d.textContent, variants: v.textContent, body: b.textContent } : null;",
                    )
                    .await;
                assert_eq!(s(&seen["result"]), "fail", "{seen}");
                assert_eq!(s(&seen["domain"]), "northwind-port.example", "{seen}");
                assert!(s(&seen["body"]).contains("2.1 million"), "{seen}");
                assert!(s(&seen["variants"]).contains("finance.zip") && s(&seen["variants"]).contains("body"), "{seen}");
                ctx.save_screenshot(&target.shot("demo-altered.png")).await;
            }
            "dkim:pass" => {
                open_row(&ctx, "Board meeting 21 March: draft minutes").await;
                let seen = ctx
                    .wait_js(
                        "DKIM pass with the archived key",
                        UI_TIMEOUT,
                        "const d = document.querySelector('[data-testid=dkim-result]'); return d ? { result: d.dataset.result, text: d.textContent } : null;",
                    )
                    .await;
                assert_eq!(s(&seen["result"]), "pass", "{seen}");
                assert!(s(&seen["text"]).contains("dns-keys.txt"), "the key's source is named: {seen}");
                experiment(&ctx, target).await;
            }
            "subject:kickoff from:anna" => {
                open_row(&ctx, "Lot 4 kickoff: dredging contract").await;
                let loc = s(&ctx
                    .wait_js("reader-locations", UI_TIMEOUT, "const l = document.querySelector('[data-testid=reader-locations]'); return l ? l.textContent : null;")
                    .await);
                assert!(loc.contains("anna-keller.mbox") && loc.contains("mei-lin.mbox"), "both mailboxes: {loc}");
            }
            _ => {}
        }
    }
    // Forensics › Signatures: the authority's key verifies 13 and fails once, alone (tampering, not a
    // changed key); Dalton's key is not in the drop.
    ctx.click("[data-testid=forensics-toggle]").await;
    ctx.click("[data-testid=forensics-tab-signatures]").await;
    let keys = ctx
        .wait_js(
            "the signing keys",
            UI_TIMEOUT,
            "const k = Array.from(document.querySelectorAll('[data-testid=signing-key]')); if (k.length < 2) return null;\
             return k.map(e => [e.dataset.domain, e.dataset.selector, e.dataset.pass, e.dataset.fail, e.dataset.unchecked, e.dataset.pattern]);",
        )
        .await;
    assert_eq!(
        keys,
        serde_json::json!([
            ["northwind-port.example", "nw2023", "13", "1", "0", "isolated-failures"],
            ["daltondredging.example", "dd2019", "0", "0", "1", "key-missing"]
        ])
    );
    ctx.save_screenshot(&target.shot("demo-signatures.png")).await;
    // Its failing message, named by its subject, opens in the reader.
    let link = ctx.find("[data-testid=signing-key-failing]").await.text().await.unwrap_or_default();
    assert!(link.contains("Re: Fwd: Dalton offer for lot 4"), "{link}");
    ctx.click("[data-testid=signing-key-failing]").await;
    ctx.wait_js(
        "the failing message in the reader",
        UI_TIMEOUT,
        "const s = document.querySelector('[data-testid=reader-subject]'); return !!s && s.textContent.trim() === 'Re: Fwd: Dalton offer for lot 4';",
    )
    .await;
    // Forensics › Senders: Anna's hours on her own clock, the planted message alone at 06.
    ctx.click("[data-testid=forensics-toggle]").await;
    ctx.click("[data-testid=forensics-tab-senders]").await;
    let hours = ctx
        .wait_js(
            "Anna's hours",
            UI_TIMEOUT,
            "const h = document.querySelector('[data-testid=sender-profile][data-sender=\"anna.keller@northwind-port.example\"] [data-testid=sender-hours]'); return h ? h.dataset.hours : null;",
        )
        .await;
    assert_eq!(s(&hours), "0,0,0,0,0,0,1,0,2,1,0,1,0,0,0,0,0,1,0,0,0,0,0,0");
    ctx.save_screenshot(&target.shot("demo-senders.png")).await;
    ctx.click("[data-testid=forensics-toggle]").await;

    // The guide marks the exercise last shown.
    ctx.click("[data-testid=guide-toggle]").await;
    let current = ctx
        .wait_js("the current exercise", UI_TIMEOUT, "const c = document.querySelector('[data-testid=lesson].current'); return c ? c.dataset.query : null;")
        .await;
    assert_eq!(s(&current), lessons.last().unwrap().query);
    // Start over (the guide, over the log's bar, closed first): asked twice, then the page lets everything
    // go and offers the demo again.
    ctx.click("[data-testid=guide-toggle]").await;
    ctx.click("[data-testid=start-over]").await;
    ctx.click("[data-testid=start-over-confirm]").await;
    ctx.wait_js(
        "a fresh start page",
        std::time::Duration::from_secs(20),
        "const c = document.querySelector('[data-testid=message-count]'); const s = document.querySelector('[data-testid=ingest-status]');\
         return !!document.querySelector('[data-testid=load-demo]') && !!c && c.textContent.trim() === '0' && !!s && s.dataset.state === 'idle';",
    )
    .await;
    finish_target_checks(&ctx, target).await;
}

/// The teaching experiment on the open (passing) message: change a word of the copy, verify: fail (body
/// hash); back to the original: pass; change the signed Subject: fail (signature); the message itself keeps
/// its pass.
async fn experiment(ctx: &Ctx, target: Target) {
    ctx.find("[data-testid=dkim-experiment] summary").await.click().await.expect("open the experiment");
    let verify = |edit: &'static str, want: &'static str, what: &'static str| async move {
        ctx.js(
            &format!("const t = document.querySelector('[data-testid=experiment-text]'); {edit}; document.querySelector('[data-testid=experiment-verify]').click(); return true;"),
            vec![],
        )
        .await;
        let got = ctx
            .wait_js(
                what,
                UI_TIMEOUT,
                &format!(
                    "const r = document.querySelector('[data-testid=experiment-result] li'); const t = document.querySelector('[data-testid=experiment-text]');\
                     return r && r.dataset.result === '{want}' && ({edit_done}) ? r.textContent : null;",
                    edit_done = if want == "pass" { "!t.value.includes('today')" } else { "true" }
                ),
            )
            .await;
        eprintln!("{what}: {got}");
        got
    };
    let body = verify("t.value = t.value.replace('for tomorrow', 'for today')", "fail", "an edited body fails").await;
    assert!(s(&body).to_lowercase().contains("body"), "the reason names the body: {body}");
    ctx.js("document.querySelector('[data-testid=experiment-result]').scrollIntoView({ block: 'end' }); return true;", vec![]).await;
    ctx.save_screenshot(&target.shot("demo-experiment.png")).await;
    let reset = "document.querySelector('[data-testid=experiment-reset]').click()";
    verify(reset, "pass", "the original passes again").await;
    verify("t.value = t.value.replace('Subject: Board meeting', 'Subject: Bored meeting')", "fail", "an edited signed header fails").await;
    // The message's own verdict is unchanged.
    let own = ctx.js("return document.querySelector('[data-testid=dkim-result]').dataset.result;", vec![]).await;
    assert_eq!(s(&own), "pass");
}
