//! The list-scrolling benchmark's page side: a driver that scrolls `[data-testid=message-list]`
//! (the scrolling viewport) one step per animation frame and records, per frame, the gap since the
//! previous frame, how many row elements exist (the list is windowed), and whether the rows in the
//! DOM cover the visible part of the viewport when the frame starts (after the scroll event of the
//! previous step was handled); and, per step, the app's own time: from the scroll event (or the key
//! press) to the list's DOM being updated (a MutationObserver on the rows, whose callback runs after
//! the render Yew queues as a microtask).
//!
//! Phases, each preceded by 10 unrecorded frames to settle:
//! 1. `flick`: `scrollTop += 300` px per frame (10 rows, 18,000 px/s) for 600 frames from the top;
//! 2. `sweep`: from the top to the bottom of the whole list in 1,000 equal steps (~200 rows each);
//! 3. `jumps`: 300 jumps to random positions (and to the top and the bottom every 50 frames);
//! 4. `keys-top`: click the first row, then `j` ×100, `PageDown` ×100, `k` ×100, `PageUp` ×100;
//! 5. `keys-end`: `End`, then `k` ×100 and `PageUp` ×100 (the selection near the end of the list).
//!
//! The list benchmark also runs phases 1–3 right after ingest, while the worker builds the search
//! index (what a user scrolling a freshly loaded archive gets).
//!
//! Keys are `keydown` events dispatched on the focused list (one per frame), which is what the
//! list's handler listens to; the browser's own default scrolling is not involved (the handler
//! prevents it and scrolls the selection into view itself). Each key selects a message, so the
//! reader asks the worker for it, as it would for a user holding the key down.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::Ctx;
use super::stats::{count_over, floats, summarize};

/// Starts the driver (returns at once); `window.__scroll.done` turns true at the end.
const SCROLL_DRIVER: &str = r#"
const label = arguments[0], only = arguments[1];
const vp = document.querySelector('[data-testid=message-list]');
if (!vp) return 'no [data-testid=message-list]';
const win = vp.querySelector('.window');
if (!win) return 'no .window inside the list';
const firstRow = win.querySelector('.row');
const rowH = firstRow ? firstRow.getBoundingClientRect().height : 30;
const R = window.__scroll = { label, rowH, phases: [], done: false, error: null, longTasks: [] };
let seed = 20261127;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
const maxTop = () => Math.max(0, vp.scrollHeight - vp.clientHeight);
const key = k => vp.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
const allPhases = [
  { name: 'flick', n: 600, prep(k) { if (k === 0) vp.scrollTop = 0; }, step() { vp.scrollTop = vp.scrollTop + 300; } },
  { name: 'sweep', n: 1000, prep(k) { if (k === 0) vp.scrollTop = 0; }, step(i) { vp.scrollTop = Math.round(maxTop() * (i + 1) / 1000); } },
  { name: 'jumps', n: 300, prep() {}, step(i) { vp.scrollTop = i % 50 === 0 ? (i % 100 === 0 ? 0 : maxTop()) : Math.floor(rnd() * maxTop()); } },
  { name: 'keys-top', n: 400, prep(k) {
      if (k === 0) vp.scrollTop = 0;
      if (k === 6) { const r = win.querySelector('[data-testid=message-row]'); if (r) r.click(); }
      if (k === 8) vp.focus();
    }, step(i) { key(i < 100 ? 'j' : i < 200 ? 'PageDown' : i < 300 ? 'k' : 'PageUp'); } },
  { name: 'keys-end', n: 201, prep(k) { if (k === 0) vp.focus(); }, step(i) { key(i === 0 ? 'End' : i <= 100 ? 'k' : 'PageUp'); } },
];
const plan = allPhases.filter(p => !only || only.includes(p.name));
try {
  new PerformanceObserver(list => { for (const e of list.getEntries()) R.longTasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: false });
} catch (e) { R.longTaskError = String(e); }
const PREP = 10;
let pi = 0, k = 0, cur = null;
// The app's own cost per step: from the scroll event (or the key press) to the list's DOM being
// updated (Yew renders in a microtask; a MutationObserver's callback runs after it). Capturing on
// the window, so this runs before Yew's own listener (which sits on the app's root element).
let mark = null;
window.addEventListener('scroll', e => { if (e.target === vp && mark === null) mark = performance.now(); }, true);
new MutationObserver(() => {
  if (mark !== null && cur !== null) cur.renderMs.push(performance.now() - mark);
  mark = null;
}).observe(win, { subtree: true, childList: true, characterData: true, attributes: true });
const frame = t => {
  try {
    if (pi >= plan.length) { R.done = true; return; }
    const p = plan[pi];
    if (k < PREP) {
      p.prep(k); k++;
    } else {
      if (cur === null) {
        cur = { name: p.name, t0: t, t1: null, gaps: [], uncovered: 0, rowsMin: 1e9, rowsMax: 0, msgRowsMax: 0, stepMs: [], renderMs: [],
          last: null, i: 0, topStart: vp.scrollTop, scrollHeight: vp.scrollHeight };
        R.phases.push(cur);
      }
      if (cur.last !== null) cur.gaps.push(t - cur.last);
      cur.last = t;
      // What the previous step left on screen, now that its scroll event has been handled.
      // (Geometry, not the transform's text: Chromium serializes large offsets as 5.99944e+06px.)
      const top = vp.scrollTop;
      const vr = vp.getBoundingClientRect(), wr = win.getBoundingClientRect();
      const n = win.children.length;
      if (cur.i > 0 && !(n > 0 && wr.top <= vr.top + vp.clientTop + 1 && wr.bottom >= vr.top + vp.clientTop + vp.clientHeight - 1)) cur.uncovered++;
      if (n < cur.rowsMin) cur.rowsMin = n;
      if (n > cur.rowsMax) cur.rowsMax = n;
      const mr = win.querySelectorAll('[data-testid=message-row]').length;
      if (mr > cur.msgRowsMax) cur.msgRowsMax = mr;
      if (cur.i < p.n) {
        const s = performance.now();
        if (p.name.startsWith('keys')) mark = s;
        p.step(cur.i); cur.stepMs.push(performance.now() - s); cur.i++;
      } else {
        cur.t1 = t; cur.topEnd = top; cur.maxTop = maxTop();
        cur.reachedEnd = n > 0 && wr.bottom >= vp.querySelector('.sizer').getBoundingClientRect().bottom - 1;
        const sel = win.querySelector('[aria-selected=true]');
        cur.selected = sel ? sel.dataset.id : null;
        pi++; k = 0; cur = null;
      }
    }
  } catch (e) { R.error = String(e && e.stack || e); R.done = true; return; }
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
return 'started';
"#;

/// Runs the driver (all phases, or only those named) and returns `window.__scroll`.
pub async fn run_driver(ctx: &Ctx, label: &str, only: Option<&[&str]>) -> Value {
    let only = only.map_or(Value::Null, |o| Value::Array(o.iter().map(|s| Value::String(s.to_string())).collect()));
    let started = ctx.js(SCROLL_DRIVER, vec![Value::String(label.into()), only]).await;
    assert_eq!(started, Value::String("started".into()), "start the scroll driver");
    let t0 = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let v = ctx
            .client
            .execute("const R = window.__scroll; return R ? { done: R.done, phases: R.phases.length, error: R.error } : null;", vec![])
            .await
            .unwrap_or(Value::Null);
        if v["done"] == Value::Bool(true) {
            assert!(v["error"].is_null(), "the scroll driver failed: {}", v["error"]);
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(600), "the scroll driver did not finish within 10 min: {v}");
    }
    ctx.js("return window.__scroll;", vec![]).await
}

/// The report of one driver run: one line per phase and the overall frame times.
pub fn report(r: &Value, total_lines: u64, out: &mut String) -> Value {
    let long: Vec<(f64, f64)> =
        r["longTasks"].as_array().map(|a| a.iter().map(|e| (e[0].as_f64().unwrap_or(0.0), e[1].as_f64().unwrap_or(0.0))).collect()).unwrap_or_default();
    let mut all = Vec::new();
    let mut summary = Vec::new();
    let _ = writeln!(
        out,
        "  {:<9} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>11} {:>9} {:>14} {:>13}",
        "phase", "frames", "p50", "p95", "p99", "max", ">16.7", ">20", ">50", "rows (DOM)", "uncovered", "long tasks", "app p50/p95/max"
    );
    for p in r["phases"].as_array().cloned().unwrap_or_default() {
        let gaps = floats(&p["gaps"]);
        let s = summarize(&gaps);
        let (t0, t1) = (p["t0"].as_f64().unwrap_or(0.0), p["t1"].as_f64().unwrap_or(f64::MAX));
        let lt: Vec<f64> = long.iter().filter(|(s, _)| *s >= t0 && *s <= t1).map(|(_, d)| *d).collect();
        let render = summarize(&floats(&p["renderMs"]));
        let _ = writeln!(
            out,
            "  {:<9} {:>6} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7} {:>7} {:>6} {:>11} {:>9} {:>14} {:>13}",
            p["name"].as_str().unwrap_or("?"),
            s.n,
            s.p50,
            s.p95,
            s.p99,
            s.max,
            count_over(&gaps, 16.7),
            count_over(&gaps, 20.0),
            count_over(&gaps, 50.0),
            format!("{}–{} ({})", p["rowsMin"], p["rowsMax"], p["msgRowsMax"]),
            p["uncovered"],
            format!("{} / {:.0} ms", lt.len(), lt.iter().sum::<f64>() + 0.0),
            format!("{:.1}/{:.1}/{:.0}", render.p50, render.p95, render.max)
        );
        summary.push(serde_json::json!({
            "name": p["name"], "frames": s.n, "p50": s.p50, "p95": s.p95, "p99": s.p99, "max": s.max,
            "over16": count_over(&gaps, 16.7), "over20": count_over(&gaps, 20.0), "over50": count_over(&gaps, 50.0),
            "rowsMax": p["rowsMax"], "uncovered": p["uncovered"], "longTasks": lt.len(), "longTaskMs": lt.iter().sum::<f64>(),
            "endTop": p["topEnd"], "maxTop": p["maxTop"], "reachedEnd": p["reachedEnd"],
            "appP50": render.p50, "appP95": render.p95, "appMax": render.max, "appN": render.n,
        }));
        all.extend(gaps);
    }
    let s = summarize(&all);
    let _ = writeln!(
        out,
        "  {:<9} {:>6} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7} {:>7} {:>6}",
        "all",
        s.n,
        s.p50,
        s.p95,
        s.p99,
        s.max,
        count_over(&all, 16.7),
        count_over(&all, 20.0),
        count_over(&all, 50.0)
    );
    let sweep = r["phases"].as_array().and_then(|a| a.iter().find(|p| p["name"] == "sweep").cloned()).unwrap_or(Value::Null);
    let _ = writeln!(
        out,
        "  row height {} px; {} lines in this view ({:.0} px of scroll height); the sweep ended at scrollTop {} of {}, last row rendered: {}",
        r["rowH"], total_lines, total_lines as f64 * r["rowH"].as_f64().unwrap_or(30.0), sweep["topEnd"], sweep["maxTop"], sweep["reachedEnd"]
    );
    let _ = writeln!(
        out,
        "  (frames: gaps between rAF callbacks, ms; uncovered: frames that began with the rows in the DOM not covering the viewport;"
    );
    let _ = writeln!(out, "   app: ms from the scroll event or key press to the list's DOM updated, i.e. the app's handler and render)");
    serde_json::json!({ "phases": summary, "all": { "frames": s.n, "p50": s.p50, "p95": s.p95, "p99": s.p99, "max": s.max,
        "over16": count_over(&all, 16.7), "over20": count_over(&all, 20.0), "over50": count_over(&all, 50.0) } })
}
