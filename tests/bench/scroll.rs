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
//!
//! [`reach_the_end`] checks, with real input through WebDriver, that the end of a list too long for
//! the browser's layout (over 500,000 rows the list maps `scrollTop` to rows, see
//! `src/components/message_list/scroll_map.rs`) is reachable: dragging the scrollbar's thumb to the
//! bottom, the End key, and that a mouse wheel still moves the rows pixel for pixel in the middle.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MouseActions, PointerAction, WheelAction, WheelActions, MOUSE_BUTTON_LEFT};
use fantoccini::key::Key;
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
        "  row height {} px; {} lines in this view ({:.0} px of rows, scroll height {} px); the sweep ended at scrollTop {} of {}, last row rendered: {}",
        r["rowH"],
        total_lines,
        total_lines as f64 * r["rowH"].as_f64().unwrap_or(30.0),
        sweep["scrollHeight"],
        sweep["topEnd"],
        sweep["maxTop"],
        sweep["reachedEnd"]
    );
    let _ = writeln!(
        out,
        "  (frames: gaps between rAF callbacks, ms; uncovered: frames that began with the rows in the DOM not covering the viewport;"
    );
    let _ = writeln!(out, "   app: ms from the scroll event or key press to the list's DOM updated, i.e. the app's handler and render)");
    serde_json::json!({ "phases": summary, "all": { "frames": s.n, "p50": s.p50, "p95": s.p95, "p99": s.p99, "max": s.max,
        "over16": count_over(&all, 16.7), "over20": count_over(&all, 20.0), "over50": count_over(&all, 50.0) } })
}

/// Where the list is: its scroll position, `data-offset` (px of rows above the viewport's top), the
/// sizer, the last rendered row against the viewport's bottom, and the selected row.
const LIST_STATE: &str = r#"
const vp = document.querySelector('[data-testid=message-list]');
const win = vp.querySelector('.window'), sizer = vp.querySelector('.sizer');
const rows = win.querySelectorAll('.row'), lastRow = rows[rows.length - 1];
const vr = vp.getBoundingClientRect(), top = vr.top + vp.clientTop, bottom = top + vp.clientHeight;
const sel = win.querySelector('[aria-selected=true]');
const sr = sel ? sel.getBoundingClientRect() : null;
const subj = document.querySelector('[data-testid=reader-subject]');
return { scrollTop: vp.scrollTop, maxTop: vp.scrollHeight - vp.clientHeight, scrollHeight: vp.scrollHeight,
  sizer: sizer.getBoundingClientRect().height, offset: Number(vp.dataset.offset), clientHeight: vp.clientHeight,
  left: vr.left, right: vr.right, top, bottom, scrollbar: vp.offsetWidth - vp.clientWidth,
  lastRowGap: lastRow ? bottom - lastRow.getBoundingClientRect().bottom : null,
  windowAtSizerEnd: !!lastRow && Math.abs(win.getBoundingClientRect().bottom - sizer.getBoundingClientRect().bottom) <= 1.5,
  selected: sel ? sel.dataset.id : null, selectedIsLast: !!sel && sel === lastRow,
  selectedInView: !!sr && sr.top >= top - 0.5 && sr.bottom <= bottom + 0.5,
  reader: subj ? subj.textContent : null };
"#;

async fn list_state(ctx: &Ctx) -> Value {
    ctx.js(LIST_STATE, vec![]).await
}

/// Checks with real input that the end of a long list is reachable and that a wheel moves it
/// pixel for pixel; returns the measurements. Panics when the end is not reachable.
pub async fn reach_the_end(ctx: &Ctx, lines: u64, out: &mut String) -> Value {
    let wait_end = |what: &'static str| {
        let js = format!(
            "const state = () => {{ {LIST_STATE} }}; const s = state(); \
             return s.offset === {lines} * 30 - s.clientHeight && Math.abs(s.lastRowGap) < 1 && s.windowAtSizerEnd ? s : null;"
        );
        async move { ctx.wait_js(what, Duration::from_secs(60), &js).await }
    };
    let s0 = list_state(ctx).await;
    let _ = writeln!(
        out,
        "  {lines} lines = {:.0} px of rows; sizer {} px, scroll height {} px, viewport {} px, scrollbar {} px wide",
        lines as f64 * 30.0,
        s0["sizer"],
        s0["scrollHeight"],
        s0["clientHeight"],
        s0["scrollbar"]
    );
    assert!(s0["sizer"].as_f64().unwrap_or(f64::MAX) <= 15_000_000.0 + 1.0, "the sizer is not capped: {s0}");

    // 1. Drag the scrollbar's thumb from the top to the bottom with the mouse.
    let x = s0["right"].as_f64().unwrap() - (s0["scrollbar"].as_f64().unwrap_or(15.0) / 2.0).max(3.0);
    let (top, bottom) = (s0["top"].as_f64().unwrap(), s0["bottom"].as_f64().unwrap());
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y: top + 22.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(300)), x, y: bottom - 2.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    let t = Instant::now();
    ctx.client.perform_actions(drag).await.expect("drag the list's scrollbar thumb");
    let _ = ctx.client.release_actions().await;
    let dragged = list_state(ctx).await;
    // (Chromium may stop the thumb a pixel short of the end; the list takes that as the end.)
    let by_drag = dragged["scrollTop"].as_f64().unwrap_or(0.0) >= dragged["maxTop"].as_f64().unwrap_or(f64::MAX) - 1.0;
    if by_drag && s0["sizer"].as_f64() < Some(lines as f64 * 30.0) {
        let end = wait_end("the last line after dragging the thumb to the bottom").await;
        let _ = writeln!(
            out,
            "  thumb dragged to the bottom: scrollTop {} of {}, offset {} (= lines × 30 − viewport), last row's bottom {} px from the viewport's, {:.0} ms",
            end["scrollTop"],
            end["maxTop"],
            end["offset"],
            end["lastRowGap"],
            t.elapsed().as_secs_f64() * 1000.0
        );
    } else if by_drag {
        let _ = writeln!(
            out,
            "  thumb dragged to the bottom: scrollTop {} of {}, offset {} (1 px of scrolling is 1 px of rows at this size), last row's bottom {} px from the viewport's",
            dragged["scrollTop"],
            dragged["maxTop"],
            dragged["offset"],
            dragged["lastRowGap"]
        );
    } else {
        let _ = writeln!(out, "  NOTE: the mouse drag did not take the thumb to the bottom ({dragged}); setting scrollTop instead");
    }
    ctx.save_screenshot("bench-scroll-big-dragged-to-end.png").await;
    // 2. scrollTop set to the bottom (what a drag or the End key of the browser does).
    ctx.js("const vp = document.querySelector('[data-testid=message-list]'); vp.scrollTop = 0; return true;", vec![]).await;
    ctx.wait_js("the top", Duration::from_secs(30), "return document.querySelector('[data-testid=message-list]').dataset.offset === '0';").await;
    ctx.js("const vp = document.querySelector('[data-testid=message-list]'); vp.scrollTop = vp.scrollHeight; return true;", vec![]).await;
    let set = wait_end("the last line after setting scrollTop to the bottom").await;
    let _ = writeln!(out, "  scrollTop set to the bottom: scrollTop {} of {}, offset {}", set["scrollTop"], set["maxTop"], set["offset"]);

    // 3. A wheel in the middle moves the rows as far as the scrollbar (after a jump there).
    ctx.js("const vp = document.querySelector('[data-testid=message-list]'); vp.scrollTop = Math.round((vp.scrollHeight - vp.clientHeight) * 0.6); return true;", vec![]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = list_state(ctx).await;
    let mut wheel = WheelActions::new("wheel".into());
    let (cx, cy) = ((s0["left"].as_f64().unwrap() + x) / 2.0, (top + bottom) / 2.0);
    for _ in 0..10 {
        wheel = wheel.then(WheelAction::Scroll { duration: None, x: cx as i64, y: cy as i64, delta_x: 0, delta_y: 120 });
        wheel = wheel.then(WheelAction::Pause { duration: Duration::from_millis(30) });
    }
    ctx.client.perform_actions(wheel).await.expect("wheel over the list");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = list_state(ctx).await;
    let d_scroll = after["scrollTop"].as_f64().unwrap() - before["scrollTop"].as_f64().unwrap();
    let d_rows = after["offset"].as_f64().unwrap() - before["offset"].as_f64().unwrap();
    let f = (lines as f64 * 30.0 - before["clientHeight"].as_f64().unwrap()) / before["maxTop"].as_f64().unwrap();
    let _ = writeln!(
        out,
        "  jump to 60 %: scrollTop {} → offset {} (proportional: {:.0}, f = {f:.3}); then 10 wheel notches of 120: scrollTop +{d_scroll}, rows +{d_rows} px ({:.1} rows)",
        before["scrollTop"],
        before["offset"],
        before["scrollTop"].as_f64().unwrap() * f,
        d_rows / 30.0
    );
    assert!(d_scroll > 0.0 && (d_rows - d_scroll).abs() <= 1.0, "the wheel must move the rows as far as the scrollbar: {before} → {after}");

    // 4. End on the keyboard, from a selected row at the top.
    ctx.js("const vp = document.querySelector('[data-testid=message-list]'); vp.scrollTop = 0; return true;", vec![]).await;
    ctx.wait_js("the top", Duration::from_secs(30), "return document.querySelector('[data-testid=message-list]').dataset.offset === '0';").await;
    ctx.find("[data-testid=message-list] [data-testid=message-row]").await.click().await.expect("click the first row");
    let list = ctx.find("[data-testid=message-list]").await;
    let t = Instant::now();
    list.send_keys(&String::from(char::from(Key::End))).await.expect("End on the list");
    let end = ctx
        .wait_js(
            "End to select the last line",
            Duration::from_secs(60),
            &format!(
                "const state = () => {{ {LIST_STATE} }}; const s = state(); \
                 return s.selectedIsLast && s.selectedInView && s.offset === {lines} * 30 - s.clientHeight && s.windowAtSizerEnd ? s : null;"
            ),
        )
        .await;
    let _ = writeln!(
        out,
        "  End key: the last line selected and in view (id {}, scrollTop {} of {}, offset {}), {:.0} ms through WebDriver",
        end["selected"],
        end["scrollTop"],
        end["maxTop"],
        end["offset"],
        t.elapsed().as_secs_f64() * 1000.0
    );
    ctx.save_screenshot("bench-scroll-big-end-key.png").await;
    serde_json::json!({ "dragToEnd": by_drag, "dragged": dragged, "set": set, "wheel": { "before": before, "after": after, "scroll": d_scroll, "rows": d_rows }, "end": end })
}
