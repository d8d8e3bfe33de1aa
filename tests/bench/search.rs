//! The search benchmark: the same queries natively (the worker's code path in this process, for
//! the index's own memory accounting, the ground-truth counts and the pure query time) and in the
//! browser (typed into `[data-testid=search-input]`, Enter, until `[data-testid=result-count]`
//! shows the answer).
//!
//! In the page, a probe records on the page clock, per query:
//! * `tEnter`: the Enter `keydown` on the search box (a capturing listener, so before the app's);
//! * `tPost`: the app posting the `Search` request to the worker (`Worker.prototype.postMessage`
//!   wrapped; the request is recognised by its postcard variant tag and query text);
//! * `tArrive`: the worker's `SearchResult` reaching the page (`MessageEvent.timeStamp` of the
//!   message; a listener added to the worker, recognised the same way);
//! * `tDom`: a MutationObserver on the search box's container seeing `[data-testid=result-count]`
//!   (or `query-problem`) appear or change;
//! * `tFrame`: the start of the next animation frame's callbacks after `tDom` (`performance.now()`
//!   in a rAF callback: that frame, which paints the count, begins rendering).
//!
//! Before each typed query the box is cleared and an empty query is run (as a user clearing the
//! box; the app then asks the worker for the overview facets), and the next query waits for that
//! answer; so `result-count` is absent when Enter is pressed and its appearance is unambiguous even
//! when two queries have the same count. A facet click (`@facet:<field>`) narrows the previous
//! query by the first chip of that facet, as a user would; it is timed from the click.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use leakloupe_core::search::{FacetKind, SearchIndex};
use serde_json::{json, Value};

use super::harness::Ctx;
use super::stats::{line, summarize};
use super::MIB;

/// The queries, in the order run. `@facet:<field>` clicks the first chip of that facet.
pub const QUERIES: &[&str] = &[
    // Single words: very common, common, medium, rare, planted.
    "the",
    "meeting",
    "budget",
    "@facet:domain",
    "invoice",
    "warehouse",
    "tomorrow",
    "aardvark",
    "quixotic",
    "zeppelin",
    "nonexistentword",
    "kalo",
    // Phrases.
    "\"quarterly budget review\"",
    "\"please find attached\"",
    "\"best regards\"",
    "\"the budget\"",
    // Fields.
    "from:alice",
    "from:\"yara lee\"",
    "to:bob",
    "cc:carol",
    "subject:contract",
    "subject:\"action items\"",
    "from:acme.example",
    "domain:globex.example",
    "domain:hooli.example",
    "@facet:from",
    "filename:pdf",
    "type:image",
    // Structure, dates, sizes.
    "has:attachment",
    "@facet:type",
    "has:html",
    "-has:attachment",
    "before:2016-01-01",
    "after:2020-06-01",
    "on:2018-03",
    "after:2017-01-01 before:2017-02-01",
    "larger:2K",
    "smaller:900",
    // Negation, OR, grouping, combinations.
    "budget -meeting",
    "invoice OR receipt",
    "(contract OR agreement) -draft",
    "meeting OR budget OR report",
    "from:alice budget",
    "budget after:2019-01-01",
    "budget domain:acme.example",
    "has:attachment from:bob",
    "security audit has:html",
    "subject:budget -from:alice after:2016",
    "the -the",
    "dkim:none",
    "wedorgri OR quikor",
    "shipment warehouse inventory",
];

/// The index built natively, as the worker builds it (read_message, Doc::from_raw_and_detail,
/// `dkim` and `finding` keywords).
pub struct NativeIndex {
    pub index: SearchIndex,
    pub split_s: f64,
    pub build_s: f64,
    pub messages: usize,
    /// Resident memory of this process before and after building (Linux), for a sanity check of
    /// the index's own accounting.
    pub rss_before: u64,
    pub rss_after: u64,
}

fn rss_self() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0)
        * 4096
}

pub fn build_native_index(path: &Path) -> NativeIndex {
    use leakloupe_core::{analysis, auth, ingest, message, search};
    let bytes = std::fs::read(path).expect("read the archive");
    let t = Instant::now();
    let r = ingest::ingest_all(&bytes, &path.to_string_lossy());
    let split_s = t.elapsed().as_secs_f64();
    let spans: Vec<_> = r.messages.into_iter().map(|(s, _)| s).collect();
    let keys = auth::KeyStore::new();
    let rss_before = rss_self();
    let mut index = search::SearchIndex::new();
    let t = Instant::now();
    for (id, span) in spans.iter().enumerate() {
        let id = id as u32;
        let slice = &bytes[span.offset as usize..(span.offset + span.len) as usize];
        let raw = ingest::message_bytes(span, slice);
        let detail = message::read_message(&raw);
        let doc = search::Doc::from_raw_and_detail(&raw, &detail);
        let chain = analysis::received::analyze(&detail.headers, &analysis::received::ReceivedOptions::default());
        let reports = auth::dkim::verify_message(&raw, &keys, doc.date);
        let codes: Vec<&str> = chain.findings.iter().map(|f| f.code).collect();
        index.add(id, &doc).expect("add to the index");
        index.set_keyword(id, "dkim", auth::dkim::overall(&reports).label()).expect("dkim keyword");
        index.set_keywords(id, "finding", &codes).expect("finding keywords");
    }
    let build_s = t.elapsed().as_secs_f64();
    let rss_after = rss_self();
    NativeIndex { index, split_s, build_s, messages: spans.len(), rss_before, rss_after }
}

/// What the worker's `run_search` does: parse, search, the six facets (top values), highlight terms, ids.
/// Returns (hits, ms), the time the median of 5 runs.
pub fn native_query(index: &SearchIndex, q: &str) -> Result<(usize, f64), String> {
    native_query_split(index, q).map(|(hits, ms, _)| (hits, ms))
}

/// [`native_query`], with the median run's time split: (parse + search, facets, the rest) in ms.
pub fn native_query_split(index: &SearchIndex, q: &str) -> Result<(usize, f64, [f64; 3]), String> {
    let mut times = Vec::new();
    let mut hits_n = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let parsed = index.parse(q).map_err(|e| e.message.clone())?;
        let hits = index.search(&parsed);
        let searched = t.elapsed();
        for (kind, limit) in [
            (FacetKind::Senders, 8),
            (FacetKind::Recipients, 8),
            (FacetKind::SenderDomains, 8),
            (FacetKind::Months, 12),
            (FacetKind::AttachmentTypes, 8),
            (FacetKind::Tags, 8),
        ] {
            std::hint::black_box(index.facets_top(&hits, kind, limit));
        }
        let faceted = t.elapsed();
        std::hint::black_box(index.highlight_terms(&parsed));
        let ids = hits.into_ids();
        hits_n = ids.len();
        std::hint::black_box(ids);
        let all = t.elapsed();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        times.push((ms(all), [ms(searched), ms(faceted - searched), ms(all - faceted)]));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, split) = times[times.len() / 2];
    Ok((hits_n, total, split))
}

/// Installed once the index is complete. Arguments: the postcard variant tags of
/// `Request::Search` and `Event::SearchResult`.
const SEARCH_PROBE: &str = r#"
const [tagReq, tagRes] = arguments;
const S = window.__search = { cur: null, posts: [], results: [], hookError: null, observed: 0 };
const dec = new TextDecoder();
const readStr = (u8, at) => {
  let len = 0, shift = 0, i = at;
  for (;;) { const b = u8[i++]; len += (b & 127) * Math.pow(2, shift); if (b < 128) break; shift += 7; }
  return dec.decode(u8.subarray(i, i + len));
};
const origPost = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (m, ...rest) {
  try {
    if (m instanceof Uint8Array && m[0] === tagReq) {
      const q = readStr(m, 1); S.posts.push({ t: performance.now(), q });
      if (S.cur && S.cur.tPost === null && S.cur.tEnter !== null) { S.cur.tPost = performance.now(); S.cur.q = q; }
    }
    if (!this.__llSearchHooked) {
      this.__llSearchHooked = true;
      this.addEventListener('message', e => {
        const d = e.data;
        if (!(d instanceof Uint8Array) || d[0] !== tagRes) return;
        const q = readStr(d, 1);
        const r = { tArrive: e.timeStamp, tListener: performance.now(), q, bytes: d.byteLength };
        S.results.push(r);
        if (S.cur && S.cur.tArrive === null && S.cur.q === q && S.cur.tPost !== null) { S.cur.tArrive = r.tArrive; S.cur.tListener = r.tListener; S.cur.bytes = r.bytes; }
      });
    }
  } catch (err) { S.hookError = String(err); }
  return origPost.call(this, m, ...rest);
};
const input = document.querySelector('[data-testid=search-input]');
window.addEventListener('keydown', e => {
  if (e.key === 'Enter' && e.target === input && S.armed) {
    S.armed = false;
    S.cur = { via: 'enter', typed: input.value, q: null, tEnter: performance.now(), tPost: null, tArrive: null, tListener: null, tDom: null, tFrame: null, count: null, problem: null };
  }
}, true);
window.addEventListener('click', e => {
  const chip = e.target.closest && e.target.closest('[data-testid=facet]');
  if (chip && S.armed) {
    S.armed = false;
    S.cur = { via: 'facet', typed: chip.dataset.facet + ':' + chip.dataset.value, countBefore: S.countBefore,
      chipCount: chip.querySelector('.chip-count') ? chip.querySelector('.chip-count').textContent : null,
      q: null, tEnter: performance.now(), tPost: null, tArrive: null, tListener: null, tDom: null, tFrame: null, count: null, problem: null };
  }
}, true);
const box = input.parentElement;
new MutationObserver(() => {
  S.observed++;
  const c = S.cur;
  if (!c || c.tDom !== null || c.tPost === null) return;
  const rc = box.querySelector('[data-testid=result-count]');
  const qp = box.querySelector('[data-testid=query-problem]');
  if (!rc && !qp) return;
  if (c.via === 'facet' && rc && rc.textContent === c.countBefore) return;
  c.tDom = performance.now();
  c.count = rc ? rc.textContent : null;
  c.problem = qp ? qp.textContent : null;
  requestAnimationFrame(() => { c.tFrame = performance.now(); });
}).observe(box, { subtree: true, childList: true, characterData: true });
return true;
"#;

/// The postcard variant tag (first byte) of a value of the protocol.
pub fn wire_tag<T: serde::Serialize>(v: &T) -> u8 {
    let bytes = postcard::to_allocvec(v).expect("postcard encodes protocol values");
    assert!(bytes[0] < 0x80, "a variant tag of one byte");
    bytes[0]
}

pub async fn install_probe(ctx: &Ctx) {
    use leakloupe::protocol::{Event, Request};
    let tag_req = wire_tag(&Request::Search { query: String::new() });
    let tag_res = wire_tag(&Event::SearchResult { query: String::new(), outcome: Ok(leakloupe::protocol::HitSet::default()), terms: Vec::new(), facets: Vec::new() });
    assert_eq!(ctx.js(SEARCH_PROBE, vec![json!(tag_req), json!(tag_res)]).await, Value::Bool(true), "install the search probe");
}

async fn wait_for(ctx: &Ctx, what: &str, timeout: Duration, script: &str, args: Vec<Value>) -> Value {
    let t0 = Instant::now();
    loop {
        let v = ctx.client.execute(script, args.clone()).await.unwrap_or(Value::Null);
        if !(v.is_null() || v == Value::Bool(false)) {
            return v;
        }
        assert!(t0.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Clears the box and runs the empty query; waits for the worker's answer and two frames more.
async fn reset(ctx: &Ctx, input: &fantoccini::elements::Element) {
    let mark = ctx.js("return window.__search.results.length;", vec![]).await;
    input.clear().await.expect("clear the search box");
    input.send_keys("\u{E007}").await.expect("Enter on the empty search box");
    wait_for(
        ctx,
        "the empty query's answer",
        Duration::from_secs(120),
        "const S = window.__search; return S.results.slice(arguments[0]).some(r => r.q === '') && !document.querySelector('[data-testid=result-count]');",
        vec![mark],
    )
    .await;
    // Let the page render what that answer changed (facets, the whole list) before the next query.
    ctx.client
        .execute_async("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
        .await
        .expect("two frames");
}

/// One measured query in the browser; `None` for a facet click when the previous query left no chip of
/// that facet (a query with no hits, over an archive the queries were not written for).
async fn measure(ctx: &Ctx, input: &fantoccini::elements::Element, query: &str) -> Option<Value> {
    if let Some(field) = query.strip_prefix("@facet:") {
        let clicked = ctx
            .js(
                "const S = window.__search; const rc = document.querySelector('[data-testid=result-count]');\
                 const chip = document.querySelector('[data-testid=facet][data-facet=' + arguments[0] + ']');\
                 if (!chip) return null; S.countBefore = rc ? rc.textContent : null; S.armed = true; chip.click();\
                 return chip.dataset.value;",
                vec![json!(field)],
            )
            .await;
        if clicked.is_null() {
            return None;
        }
    } else {
        reset(ctx, input).await;
        input.send_keys(query).await.expect("type the query");
        ctx.js("window.__search.armed = true; return true;", vec![]).await;
        input.send_keys("\u{E007}").await.expect("Enter");
    }
    let t0 = Instant::now();
    loop {
        // A facet that narrows nothing leaves the count's text as it was: no mutation to see. Then
        // the answer's listener (which runs after the app's handler and its render) stands in.
        let v = ctx
            .js(
                "const c = window.__search.cur; if (!c) return null; if (c.tFrame !== null) return c;\
                 if (c.tDom === null && c.tListener !== null && performance.now() - c.tListener > 1000) {\
                   const rc = document.querySelector('[data-testid=result-count]');\
                   c.tDom = c.tListener; c.tFrame = c.tListener; c.fallback = true; c.count = rc ? rc.textContent : null; return c; }\
                 return null;",
                vec![],
            )
            .await;
        if !v.is_null() {
            return Some(v);
        }
        if t0.elapsed() > Duration::from_secs(120) {
            let s = ctx.js("const S = window.__search; return { cur: S.cur, posts: S.posts.slice(-3), results: S.results.slice(-3), hookError: S.hookError };", vec![]).await;
            panic!("no answer shown for {query:?} within 120 s: {s}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// One row of the report.
pub struct Measured {
    pub query: String,
    pub sent: String,
    pub count: Option<u64>,
    pub problem: Option<String>,
    pub native: Result<(usize, f64), String>,
    pub e2e: f64,
    pub frame: f64,
    pub post: f64,
    pub worker: f64,
    pub ui: f64,
    pub bytes: u64,
}

/// Every query of [`QUERIES`] in the browser; with `native`, also natively (ground truth and pure query time).
pub async fn run_queries(ctx: &Ctx, native: Option<&SearchIndex>) -> Vec<Measured> {
    install_probe(ctx).await;
    let input = ctx.find("[data-testid=search-input]").await;
    let mut out = Vec::new();
    for q in QUERIES {
        let Some(c) = measure(ctx, &input, q).await else {
            eprintln!("  {q:<40} skipped: the previous query left no chip of that facet");
            continue;
        };
        let f = |k: &str| c[k].as_f64().unwrap_or(f64::NAN);
        let sent = c["q"].as_str().unwrap_or("").to_string();
        let m = Measured {
            query: if q.starts_with("@facet:") { format!("{q} → {}", c["typed"].as_str().unwrap_or("?")) } else { q.to_string() },
            count: c["count"].as_str().map(|s| super::load::count_of(&json!(s))),
            problem: c["problem"].as_str().map(String::from),
            native: native.map_or_else(|| Err("not built".to_string()), |n| native_query(n, &sent)),
            sent,
            e2e: f("tDom") - f("tEnter"),
            frame: f("tFrame") - f("tEnter"),
            post: f("tPost") - f("tEnter"),
            worker: f("tArrive") - f("tPost"),
            ui: f("tDom") - f("tArrive"),
            bytes: c["bytes"].as_u64().unwrap_or(0),
        };
        eprintln!(
            "  {:<40} {:>7} hits  Enter→count {:>7.1} ms  (worker round trip {:>6.1}, UI {:>6.1}; native {:>6.2} ms)",
            m.query,
            m.count.map(|c| c.to_string()).unwrap_or_else(|| m.problem.clone().unwrap_or_default()),
            m.e2e,
            m.worker,
            m.ui,
            m.native.as_ref().map(|x| x.1).unwrap_or(f64::NAN)
        );
        out.push(m);
    }
    out
}

pub fn report(rows: &[Measured], out: &mut String) {
    let _ = writeln!(
        out,
        "  {:<48} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "query", "hits", "native", "Enter→DOM", "→frame", "→post", "worker", "UI", "native", "answer"
    );
    for m in rows {
        let _ = writeln!(
            out,
            "  {:<48} {:>7} {:>7} {:>9.1} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>9}",
            m.query,
            m.count.map(|c| c.to_string()).unwrap_or_else(|| "problem".into()),
            m.native.as_ref().map(|x| x.0.to_string()).unwrap_or_else(|e| format!("err: {e}")),
            m.e2e,
            m.frame,
            m.post,
            m.worker,
            m.ui,
            m.native.as_ref().map(|x| x.1).unwrap_or(f64::NAN),
            m.bytes
        );
    }
    let col = |f: &dyn Fn(&Measured) -> f64| rows.iter().map(f).filter(|v| v.is_finite()).collect::<Vec<f64>>();
    let _ = writeln!(out, "  Enter → result-count in the DOM   {}", line(&col(&|m| m.e2e)));
    let _ = writeln!(out, "  Enter → next frame (on screen)    {}", line(&col(&|m| m.frame)));
    let _ = writeln!(out, "  Enter → request posted            {}", line(&col(&|m| m.post)));
    let _ = writeln!(out, "  worker round trip (post → answer) {}", line(&col(&|m| m.worker)));
    let _ = writeln!(out, "  UI (answer → result-count)        {}", line(&col(&|m| m.ui)));
    let _ = writeln!(out, "  native, same queries (x86_64)     {}", line(&col(&|m| m.native.as_ref().map(|x| x.1).unwrap_or(f64::NAN))));
    let e2e = summarize(&col(&|m| m.e2e));
    let _ = writeln!(out, "  target p95 < 30 ms                {} (p95 {:.1} ms)", if e2e.p95 < 30.0 { "met" } else { "NOT met" }, e2e.p95);
}

pub fn memory_lines(native: &NativeIndex, size: u64, out: &mut String) {
    let bytes = native.index.memory_bytes() as u64;
    let _ = writeln!(
        out,
        "native index          {} messages: split {:.2} s, index built in {:.2} s ({:.0} messages/s; read_message + Doc + DKIM/Received + add)",
        native.messages,
        native.split_s,
        native.build_s,
        native.messages as f64 / native.build_s
    );
    let _ = writeln!(
        out,
        "index memory (native) SearchIndex::memory_bytes() = {bytes} bytes ({:.1} MiB) = {:.1} % of the input ({} terms); target ≤ 30 %: {}",
        bytes as f64 / MIB as f64,
        100.0 * bytes as f64 / size as f64,
        native.index.term_count(),
        if (bytes as f64) <= 0.3 * size as f64 { "met" } else { "NOT met" }
    );
    let parts: Vec<String> = native.index.memory_report().iter().map(|(k, v)| format!("{k} {:.1} MiB", *v as f64 / MIB as f64)).collect();
    let _ = writeln!(out, "  of which             {}", parts.join(", "));
    let _ = writeln!(
        out,
        "  process RSS growth   {:.1} MiB while building (heap incl. allocator slack; a sanity check of the estimate)",
        (native.rss_after as f64 - native.rss_before as f64) / MIB as f64
    );
}
