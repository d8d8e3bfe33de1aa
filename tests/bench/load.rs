//! Loading an archive for the list and search benchmarks: pick it through the file input, wait for
//! `data-state="done"` and the full message count, then for the search index to be complete (the
//! toolbar's `[data-testid=index-progress]` gone and the overview facets shown) and for the thread
//! order (the thread toggle enabled). A probe in the page times each step on the page's own clock
//! and records the gaps between animation frames during ingest and during indexing.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::Ctx;
use super::stats::{count_over, floats, line};
use super::{loadavg, MIB};

/// Installed before the pick. `window.__load` ends up with the page-clock times of the `change`
/// event, `data-state=done`, the index progress appearing and disappearing, the first facet (the
/// overview query the app runs once the index is complete), the thread toggle being enabled, and
/// the rAF gaps during ingest and during indexing.
const LOAD_PROBE: &str = r#"
const [tagNames] = arguments;
const b = window.__load = { tChange: null, tDone: null, memAtDone: null, tIndexSeen: null, tIndexGone: null, tFacets: null,
  tThreads: null, ingestGaps: [], indexGaps: [], last: null, lastPhase: null, longTasks: [], appMemMax: 0, msg: {} };
try { wasm_bindgen().then(w => { b.appWasm = w.memory; }); } catch (e) { b.appWasmError = String(e); }
const phase = () => b.tChange === null ? null : b.tDone === null ? 'ingest' : b.tIndexGone === null ? 'index' : null;
const tick = t => {
  const p = phase();
  if (p !== null && p === b.lastPhase && b.last !== null) (p === 'ingest' ? b.ingestGaps : b.indexGaps).push(t - b.last);
  b.last = t; b.lastPhase = p;
  if (b.appWasm && b.appWasm.buffer.byteLength > b.appMemMax) b.appMemMax = b.appWasm.buffer.byteLength;
  if (b.tIndexGone === null || b.tThreads === null) requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
try {
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) { const p = phase(); if (p) b.longTasks.push([p, e.startTime, e.duration]); }
  }).observe({ type: 'longtask', buffered: false });
} catch (e) { b.longTaskError = String(e); }
// The main thread's cost of each worker message: from the message event's creation to a listener
// added after the app's own handler (so after that handler and the render it queued as a microtask).
const origPost = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (m, ...rest) {
  if (!this.__llLoadHooked) {
    this.__llLoadHooked = true;
    this.addEventListener('message', e => {
      const d = e.data, tag = d instanceof Uint8Array ? d[0] : -1;
      const key = (phase() || 'other') + ' ' + (tagNames[tag] || ('variant ' + tag));
      const ms = performance.now() - e.timeStamp;
      const s = b.msg[key] || (b.msg[key] = [0, 0, 0]);
      s[0]++; s[1] += ms; if (ms > s[2]) s[2] = ms;
    });
  }
  return origPost.call(this, m, ...rest);
};
document.querySelector('input[data-testid=file-input]').addEventListener('change', () => {
  if (b.tChange === null) b.tChange = performance.now();
}, true);
new MutationObserver(() => {
  if (b.tChange === null) return;
  const now = performance.now();
  const s = document.querySelector('[data-testid=ingest-status]');
  if (s && s.getAttribute('data-state') === 'done' && b.tDone === null) { b.tDone = now; b.memAtDone = Number(s.getAttribute('data-worker-memory')); }
  const ip = document.querySelector('[data-testid=index-progress]');
  if (ip && b.tIndexSeen === null) b.tIndexSeen = now;
  if (!ip && b.tIndexSeen !== null && b.tIndexGone === null) b.tIndexGone = now;
  if (b.tFacets === null && b.tDone !== null && document.querySelector('[data-testid=facet]')) b.tFacets = now;
  const tt = document.querySelector('[data-testid=thread-toggle]');
  if (b.tThreads === null && tt && !tt.disabled) b.tThreads = now;
}).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'disabled'] });
return true;
"#;

const LOAD_POLL: &str = r#"
const s = document.querySelector('[data-testid=ingest-status]');
const c = document.querySelector('[data-testid=message-count]');
const ip = document.querySelector('[data-testid=index-progress]');
const b = window.__load;
return { state: s ? s.getAttribute('data-state') : null, bytes: s ? Number(s.getAttribute('data-bytes-done')) : 0,
  mem: s ? Number(s.getAttribute('data-worker-memory')) : 0, count: c ? c.textContent.trim() : null,
  index: ip ? ip.textContent.trim() : null, facets: document.querySelectorAll('[data-testid=facet]').length,
  load: b ? Object.assign({}, b, { ingestGaps: b.ingestGaps.length, indexGaps: b.indexGaps.length, longTasks: b.longTasks.length, appWasm: undefined }) : null };
"#;

/// Every process below this one (the chromedriver and the browser's processes).
fn descendants() -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok()) else { continue };
        children.entry(ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut stack = children.get(&std::process::id()).cloned().unwrap_or_default();
    while let Some(pid) = stack.pop() {
        if let Some(c) = children.get(&pid) {
            stack.extend(c);
        }
        out.push(pid);
    }
    out
}

/// CPU time of every thread of the browser's processes: tid → (pid, thread name, clock ticks).
pub struct CpuSnapshot(HashMap<u32, (u32, String, u64)>);

pub fn cpu_snapshot() -> CpuSnapshot {
    let mut m = HashMap::new();
    for pid in descendants() {
        let Ok(rd) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        for e in rd.flatten() {
            let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")) else { continue };
            let (Some(l), Some(r)) = (stat.find('('), stat.rfind(')')) else { continue };
            let comm = stat[l + 1..r].to_string();
            let f: Vec<&str> = stat[r + 1..].split_whitespace().collect();
            // After the name: state is field 3, utime 14 and stime 15 (1-based).
            let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            m.insert(tid, (pid, comm, ticks));
        }
    }
    CpuSnapshot(m)
}

/// The threads that ran most between two snapshots: "renderer main thread 12.3 s · renderer DedicatedWorker 10.1 s · …".
pub fn cpu_between(a: &CpuSnapshot, b: &CpuSnapshot, wall_s: f64) -> String {
    let renderer: std::collections::HashSet<u32> =
        b.0.values().filter(|(_, comm, _)| comm.starts_with("DedicatedWorker")).map(|(pid, _, _)| *pid).collect();
    let mut rows: Vec<(String, f64)> = b
        .0
        .iter()
        .map(|(tid, (pid, comm, ticks))| {
            let before = a.0.get(tid).map_or(0, |x| x.2);
            let role = if renderer.contains(pid) { "renderer".to_string() } else { format!("pid {pid}") };
            let name = if tid == pid { format!("{role} main thread") } else { format!("{role} {comm}") };
            (name, ticks.saturating_sub(before) as f64 / 100.0)
        })
        .collect();
    rows.sort_by(|x, y| y.1.total_cmp(&x.1));
    let total: f64 = rows.iter().map(|r| r.1).sum();
    format!(
        "{:.1} CPU-s in {wall_s:.1} s: {}",
        total,
        rows.iter().take(5).filter(|r| r.1 > 0.0).map(|(n, s)| format!("{n} {s:.1} s")).collect::<Vec<_>>().join(" · ")
    )
}

/// What loading took, as measured in the page.
pub struct Loaded {
    /// Human-readable lines for the report.
    pub report: String,
    /// The worker's wasm memory as the toolbar showed it at `data-state=done` (before indexing).
    pub worker_mem_done: u64,
    /// The page's (UI module's) wasm memory, peak while loading.
    pub app_mem: u64,
    /// The scroll driver's result when it ran while the index was being built.
    pub scroll_while_indexing: Option<(Value, bool)>,
}

/// `{ "<postcard tag>": "<Event variant>" }` for the worker messages worth telling apart.
fn event_tags() -> Value {
    use leakloupe::protocol::Event;
    use super::search::wire_tag;
    let events = [
        ("Progress", Event::Progress { current: None, bytes_done: 0, bytes_total: 0, messages: 0, worker_memory: 0 }),
        ("Rows", Event::Rows(Vec::new())),
        ("Copies", Event::Copies(Vec::new())),
        ("Variants", Event::Variants(Vec::new())),
        ("Idle", Event::Idle),
        ("Threads", Event::Threads(Vec::new())),
        ("IndexProgress", Event::IndexProgress { indexed: 0, total: 0, memory: 0, stopped: None, worker_memory: 0 }),
        ("SearchResult", Event::SearchResult { query: String::new(), outcome: Ok(leakloupe::protocol::HitSet::default()), terms: Vec::new(), facets: Vec::new() }),
        ("Failed", Event::Failed { text: String::new() }),
    ];
    Value::Object(events.iter().map(|(name, e)| (wire_tag(e).to_string(), Value::String(name.to_string()))).collect())
}

pub fn count_of(v: &Value) -> u64 {
    v.as_str().and_then(|c| c.replace([',', ' ', '\u{202f}', '\u{a0}'], "").parse().ok()).unwrap_or(0)
}

/// Polls `LOAD_POLL` until `done(poll)` holds; prints a line every 10 s; panics after `timeout`.
pub async fn poll_until(ctx: &Ctx, what: &str, t0: Instant, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let mut last_print = Instant::now();
    let mut last_answer = Instant::now();
    loop {
        assert!(t0.elapsed() < timeout, "{what}: not within {timeout:?}");
        match ctx.client.execute(LOAD_POLL, vec![]).await {
            Ok(v) => {
                last_answer = Instant::now();
                if done(&v) {
                    return v;
                }
                if last_print.elapsed() > Duration::from_secs(10) {
                    last_print = Instant::now();
                    eprintln!(
                        "  +{:>5.1}s {what}: state {} · {} MiB read · {} messages · index {} · worker wasm {:.0} MiB · load {}",
                        t0.elapsed().as_secs_f64(),
                        v["state"].as_str().unwrap_or("?"),
                        v["bytes"].as_u64().unwrap_or(0) / MIB,
                        v["count"].as_str().unwrap_or("?"),
                        v["index"].as_str().unwrap_or("-"),
                        v["mem"].as_u64().unwrap_or(0) as f64 / MIB as f64,
                        loadavg()
                    );
                }
            }
            Err(e) => {
                eprintln!("  +{:>5.1}s the page did not answer the poll: {e}", t0.elapsed().as_secs_f64());
                assert!(last_answer.elapsed() < Duration::from_secs(120), "the page has not answered for 120 s: {e}");
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Picks `file` and waits for ingest, index and threads. Checks that every message arrived. With
/// `scroll_while_indexing`, runs these phases of the scroll driver as soon as ingest is done (while
/// the worker builds the index and the toolbar shows its progress).
pub async fn load_archive(ctx: &Ctx, file: &Path, size: u64, messages: u64, scroll_while_indexing: Option<&[&str]>) -> Loaded {
    assert_eq!(ctx.js(LOAD_PROBE, vec![event_tags()]).await, Value::Bool(true), "install the load probe");
    let load_before = loadavg();
    let input = ctx.find("input[type=file][data-testid=file-input]").await;
    let cpu0 = cpu_snapshot();
    let t0 = Instant::now();
    input.send_keys(&file.display().to_string()).await.expect("send_keys the archive path to the file input");
    let timeout = Duration::from_secs(super::env_u64("LEAKLOUPE_BENCH_TIMEOUT_S").unwrap_or(3_600));
    let done = poll_until(ctx, "ingest", t0, timeout, |v| v["state"] == "done" && count_of(&v["count"]) == messages).await;
    let (cpu1, t1) = (cpu_snapshot(), t0.elapsed().as_secs_f64());
    let load_done = loadavg();
    assert_eq!(done["bytes"].as_u64(), Some(size), "data-bytes-done at done must be the file size");
    let scroll_while_indexing = match scroll_while_indexing {
        Some(phases) => {
            let r = super::scroll::run_driver(ctx, "date order, while indexing", Some(phases)).await;
            let still = ctx.js("return !!document.querySelector('[data-testid=index-progress]');", vec![]).await == Value::Bool(true);
            Some((r, still))
        }
        None => None,
    };
    let (cpu1b, t1b) = (cpu_snapshot(), t0.elapsed().as_secs_f64());
    let indexed = poll_until(ctx, "index", t0, timeout, |v| {
        let l = &v["load"];
        v["index"].is_null() && v["facets"].as_u64().unwrap_or(0) > 0 && !l["tIndexGone"].is_null() && !l["tThreads"].is_null()
    })
    .await;
    let (cpu2, t2) = (cpu_snapshot(), t0.elapsed().as_secs_f64());
    let load_indexed = loadavg();
    let b = ctx.js("const b = window.__load; return Object.assign({}, b, { appWasm: undefined });", vec![]).await;
    let t = |k: &str| b[k].as_f64();
    let (tc, td, tg) = (t("tChange").unwrap_or(f64::NAN), t("tDone").unwrap_or(f64::NAN), t("tIndexGone").unwrap_or(f64::NAN));
    let ingest_s = (td - tc) / 1000.0;
    let index_s = (tg - td) / 1000.0;
    let ingest_gaps = floats(&b["ingestGaps"]);
    let index_gaps = floats(&b["indexGaps"]);
    let long: Vec<(String, f64)> = b["longTasks"]
        .as_array()
        .map(|a| a.iter().map(|e| (e[0].as_str().unwrap_or("").to_string(), e[2].as_f64().unwrap_or(0.0))).collect())
        .unwrap_or_default();
    let long_in = |p: &str| {
        let v: Vec<f64> = long.iter().filter(|(q, _)| q == p).map(|(_, d)| *d).collect();
        format!("{} long tasks, {:.0} ms in total, max {:.0} ms", v.len(), v.iter().sum::<f64>(), v.iter().copied().fold(0.0, f64::max))
    };
    let worker_mem_done = b["memAtDone"].as_u64().unwrap_or(0);
    let app_mem = b["appMemMax"].as_u64().unwrap_or(0);
    let mut r = String::new();
    let _ = writeln!(r, "load average          {load_before} before the pick, {load_done} at done, {load_indexed} when indexed");
    let _ = writeln!(r, "archive               {size} bytes ({:.1} MiB), {messages} messages", size as f64 / MIB as f64);
    let _ = writeln!(
        r,
        "ingest                {ingest_s:.2} s (page clock, change -> data-state=done), {:.1} MB/s, {:.0} messages/s",
        size as f64 / 1e6 / ingest_s,
        messages as f64 / ingest_s
    );
    let _ = writeln!(
        r,
        "search index          {index_s:.2} s after done (index progress first shown +{:.2} s, gone +{index_s:.2} s; overview facets +{:.2} s), {:.0} messages/s",
        (t("tIndexSeen").unwrap_or(f64::NAN) - td) / 1000.0,
        (t("tFacets").unwrap_or(f64::NAN) - td) / 1000.0,
        messages as f64 / index_s
    );
    let _ = writeln!(r, "thread order          thread toggle enabled +{:.2} s after done", (t("tThreads").unwrap_or(f64::NAN) - td) / 1000.0);
    let _ = writeln!(r, "frames during ingest  {}; > 50 ms: {}; {}", line(&ingest_gaps), count_over(&ingest_gaps, 50.0), long_in("ingest"));
    let _ = writeln!(r, "frames while indexing {}; > 50 ms: {}; {}", line(&index_gaps), count_over(&index_gaps, 50.0), long_in("index"));
    let _ = writeln!(r, "CPU during ingest     {}", cpu_between(&cpu0, &cpu1, t1));
    if scroll_while_indexing.is_some() {
        let _ = writeln!(r, "CPU while scrolling   {} (the scroll pass while indexing)", cpu_between(&cpu1, &cpu1b, t1b - t1));
    }
    let _ = writeln!(r, "CPU while indexing    {}", cpu_between(&cpu1b, &cpu2, t2 - t1b));
    let mut msgs: Vec<(String, f64, f64, f64)> = b["msg"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0), v[2].as_f64().unwrap_or(0.0))).collect())
        .unwrap_or_default();
    msgs.sort_by(|x, y| y.2.total_cmp(&x.2));
    let _ = writeln!(
        r,
        "UI per worker message (main thread: event → app handler + render done; phase, variant: count × mean, max, total):"
    );
    for (k, n, total, max) in msgs.iter().filter(|m| m.2 >= 1.0) {
        let _ = writeln!(r, "  {k:<26} {n:>6} × {:>7.2} ms, max {max:>7.1} ms, total {:>8.1} s", total / n, total / 1000.0);
    }
    let _ = writeln!(
        r,
        "wasm memory           worker {:.1} MiB at done (before indexing); page (UI module) {:.1} MiB peak",
        worker_mem_done as f64 / MIB as f64,
        app_mem as f64 / MIB as f64
    );
    let _ = indexed;
    Loaded { report: r, worker_mem_done, app_mem, scroll_while_indexing }
}

/// Picks one more one-message file and returns the worker's wasm memory it then reports (wasm
/// memory only grows, so this is the peak so far: ingest + index + whatever ran since).
pub async fn worker_memory_now(ctx: &Ctx, probe: &Path, messages_before: u64) -> u64 {
    let input = ctx.find("input[type=file][data-testid=file-input]").await;
    let t0 = Instant::now();
    input.send_keys(&probe.display().to_string()).await.expect("pick the memory-probe file");
    let v = poll_until(ctx, "memory probe", t0, Duration::from_secs(300), |v| {
        v["state"] == "done" && count_of(&v["count"]) == messages_before + 1
    })
    .await;
    v["mem"].as_u64().unwrap_or(0)
}
