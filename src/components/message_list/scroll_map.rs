//! The message list's scroll mapping: where the list is (its *offset*, in px of rows: row `i` starts
//! at `i × ROW_HEIGHT`) for a given `scrollTop` of its viewport, and which `scrollTop` shows a given
//! row. [`ScrollMap`] is plain numbers and pure functions, so it is tested natively.
//!
//! Up to [`MAX_CANVAS`] px of rows (500,000 rows) the offset *is* the `scrollTop`: the sizer is
//! `rows × ROW_HEIGHT` high and one pixel of scrolling is one pixel of rows. A bigger list does not
//! fit in a browser (Chromium clamps layout sizes at about 33.5 M px, Firefox at about 17.9 M), so
//! the sizer stays [`MAX_CANVAS`] high and `scrollTop` stands for the offset in proportion:
//! `offset = scrollTop × f`, `f = (rows × ROW_HEIGHT − viewport) / (MAX_CANVAS − viewport)` (5.2 at
//! 2.6 M rows). A wheel notch would then move 5 × as many rows, so small moves (up to a viewport
//! height: wheel, trackpad, the scrollbar's arrows and track, keys) move the offset one for one,
//! letting it drift from the proportional offset by at most [`MAX_DRIFT`] px (and by less near the
//! ends, so that the first and the last row stay reachable, and at no more than `2f − 1` px per
//! pixel); large moves (dragging the thumb, setting `scrollTop`) go to the proportional offset.
//! The drift is a band around the proportional line whose edges both rise with `scrollTop`, so the
//! offset never moves against the scroll.
//!
//! ```text
//!  offset ▲                  ╱╱ band: proportional offset ± drift
//!  (rows) │             ╱╱╱╱╱   (narrowing to a point at both ends)
//!         │        ╱╱╱╱╱╱      inside it a wheel moves 1 px of rows per px
//!         │   ╱╱╱╱╱
//!         └──────────────────▶ scrollTop (≤ MAX_CANVAS)
//! ```
//!
//! Revealing a row (keyboard) asks for an offset and gets back the `scrollTop` to set; the map keeps
//! the offset it was asked for, so the scroll event this causes changes nothing.

/// Height of one row in CSS pixels (static/style.css sets the same).
pub const ROW_HEIGHT: f64 = 30.0;

/// The highest the list's sizer gets, in CSS px: 15 M px (500,000 rows). Below every browser's
/// limit with room to spare (Firefox stops at about 17.9 M px, Chromium and Safari at about
/// 33.5 M), and below 2^24 = 16.8 M px, up to which a 32-bit float, which compositors use for
/// transforms, still holds every whole pixel, so the rows' `translateY` lands on exact pixels.
pub const MAX_CANVAS: f64 = 15_000_000.0;

/// How far, in px of rows, small moves may take the offset from the proportional one: 20,000 rows.
/// After a jump, a wheel moves row by row for 20,000 / (f − 1) rows in one direction before it
/// speeds up to the proportional rate (4,800 rows at 2.6 M rows); and the scrollbar's thumb is then
/// at most 20,000 / f rows' worth of track away from where the rows are (0.8 % of the track at
/// 2.6 M rows).
pub const MAX_DRIFT: f64 = 600_000.0;

/// A move of `scrollTop` larger than this (or than a viewport height, if taller) is a jump.
const MIN_JUMP: f64 = 600.0;

/// The list's scroll state: its geometry, the last `scrollTop` accounted for, and the offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScrollMap {
    rows: usize,
    viewport: f64,
    scroll: f64,
    offset: f64,
}

impl ScrollMap {
    /// A list of `rows` rows in a viewport `viewport` px high, scrolled to the top.
    pub fn new(rows: usize, viewport: f64) -> ScrollMap {
        ScrollMap { rows, viewport: viewport.max(0.0), scroll: 0.0, offset: 0.0 }
    }

    /// Height of all rows, px.
    pub fn content(&self) -> f64 {
        self.rows as f64 * ROW_HEIGHT
    }

    /// Height to give the sizer, px: the rows' height, at most [`MAX_CANVAS`].
    pub fn canvas(&self) -> f64 {
        self.content().min(MAX_CANVAS)
    }

    /// Whether `scrollTop` stands for a larger offset (the rows do not fit in [`MAX_CANVAS`]).
    pub fn scaled(&self) -> bool {
        self.content() > MAX_CANVAS
    }

    /// Offset of the viewport's top edge, px of rows.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The `scrollTop` last accounted for.
    #[cfg(test)]
    pub fn scroll(&self) -> f64 {
        self.scroll
    }

    /// Viewport height, px.
    pub fn viewport(&self) -> f64 {
        self.viewport
    }

    /// The viewport's height changed (or was measured): [`ScrollMap::resize`] with the same rows.
    pub fn set_viewport(&mut self, viewport: f64) {
        self.resize(self.rows, viewport);
    }

    fn max_scroll(&self) -> f64 {
        (self.canvas() - self.viewport).max(0.0)
    }

    fn max_offset(&self) -> f64 {
        (self.content() - self.viewport).max(0.0)
    }

    /// Where `scroll` counts as being: dragging the thumb to an end can stop a pixel short
    /// (Chromium does), which would hide f px of the first or last row, so within a pixel of an
    /// end is that end.
    fn snapped(&self, scroll: f64) -> f64 {
        let max = self.max_scroll();
        match scroll.clamp(0.0, max) {
            s if s <= 1.0 => 0.0,
            s if s >= max - 1.0 => max,
            s => s,
        }
    }

    /// The proportional offset for `scroll` (exactly 0 and exactly the last offset at the ends).
    fn proportional(&self, scroll: f64) -> f64 {
        let max = self.max_scroll();
        if max <= 0.0 {
            return 0.0;
        }
        self.max_offset() * (self.snapped(scroll) / max)
    }

    /// The offsets small moves may reach at `scroll`: `(lowest, highest)`. Both rise with `scroll`
    /// (at 1 px per px or more), and meet at 0 and at the last offset.
    fn band(&self, scroll: f64) -> (f64, f64) {
        let p = self.proportional(scroll);
        let max = self.max_scroll();
        if max <= 0.0 {
            return (p, p);
        }
        let scroll = self.snapped(scroll);
        // f − 1 px of drift per px from either end: at the top the band is then [s, (2f − 1) s].
        let k = self.max_offset() / max - 1.0;
        let drift = MAX_DRIFT.min(k * scroll).min(k * (max - scroll)).max(0.0);
        ((p - drift).max(0.0), (p + drift).min(self.max_offset()))
    }

    /// The rows or the viewport height changed: keep the offset (the same rows at the top) as far
    /// as the new geometry allows.
    pub fn resize(&mut self, rows: usize, viewport: f64) {
        let viewport = viewport.max(0.0);
        if rows == self.rows && viewport == self.viewport {
            return;
        }
        self.rows = rows;
        self.viewport = viewport;
        if !self.scaled() {
            self.offset = self.scroll;
            return;
        }
        self.scroll = self.scroll.clamp(0.0, self.max_scroll());
        let (lo, hi) = self.band(self.scroll);
        self.offset = self.offset.clamp(lo, hi);
    }

    /// The viewport was scrolled to `scroll` (a scroll event).
    pub fn scrolled(&mut self, scroll: f64) {
        if !self.scaled() {
            // Exactly as a plain list: 1 px of scrolling is 1 px of rows.
            self.scroll = scroll;
            self.offset = scroll;
            return;
        }
        let s = scroll.clamp(0.0, self.max_scroll());
        let delta = self.snapped(s) - self.snapped(self.scroll);
        self.scroll = s;
        if delta == 0.0 {
            return;
        }
        let (lo, hi) = self.band(s);
        let local = (self.offset + delta).clamp(lo, hi);
        let offset = if delta.abs() > self.viewport.max(MIN_JUMP) {
            // A jump goes to the proportional offset, but never against the direction of the move.
            let p = self.proportional(s);
            if delta > 0.0 {
                p.max(local)
            } else {
                p.min(local)
            }
        } else {
            local
        };
        self.offset = whole_px(offset, lo, hi);
    }

    /// Scrolls as little as possible to show row `row` entirely; returns the `scrollTop` to set on
    /// the viewport if it must change. The map already holds the new offset.
    pub fn reveal(&mut self, row: usize) -> Option<f64> {
        let top = row as f64 * ROW_HEIGHT;
        let target = if top < self.offset {
            top
        } else if top + ROW_HEIGHT > self.offset + self.viewport {
            top + ROW_HEIGHT - self.viewport
        } else {
            return None;
        };
        let target = target.clamp(0.0, self.max_offset());
        if !self.scaled() {
            self.scroll = target;
            self.offset = target;
            return Some(target);
        }
        let delta = target - self.offset;
        // A short way (a row, a page) moves the scrollbar as far as the rows, a long way (Home,
        // End) to the proportional place; either way to a whole pixel where the band holds `target`.
        let wanted = if delta.abs() <= self.viewport.max(MIN_JUMP) { self.scroll + delta } else { self.proportional_inverse(target) };
        let (from, to) = self.scrolls_holding(target);
        let s = if from <= to { wanted.round().clamp(from, to) } else { from };
        let (lo, hi) = self.band(s);
        self.scroll = s;
        self.offset = whole_px(target.clamp(lo, hi), lo, hi);
        Some(s)
    }

    /// The `scrollTop` whose proportional offset is `offset`.
    fn proportional_inverse(&self, offset: f64) -> f64 {
        let max = self.max_offset();
        if max <= 0.0 {
            return 0.0;
        }
        self.max_scroll() * (offset / max).clamp(0.0, 1.0)
    }

    /// The whole-pixel `scrollTop`s at which small moves may hold `offset`: `(first, last)` (empty
    /// when first > last, which only a fractional offset at the very ends can cause).
    fn scrolls_holding(&self, offset: f64) -> (f64, f64) {
        let max = self.max_scroll().floor() as u64;
        // First s whose band reaches up to `offset`, last s whose band starts at or below it.
        let first = first_true(max, |s| self.band(s as f64).1 >= offset).unwrap_or(max);
        let last = first_true(max, |s| self.band(s as f64).0 > offset).map_or(max, |s| s.saturating_sub(1));
        (first as f64, last as f64)
    }

    /// The lines to render (`first..last`, with `overscan` extra lines on both sides) and where the
    /// first of them goes in the sizer (its `translateY`, px).
    pub fn window(&self, overscan: usize) -> (usize, usize, f64) {
        let top = (self.offset / ROW_HEIGHT).floor().max(0.0) as usize;
        let first = top.saturating_sub(overscan).min(self.rows);
        let visible = (self.viewport / ROW_HEIGHT).ceil() as usize + 2 * overscan;
        let last = (first + visible).min(self.rows);
        (first, last, self.scroll + first as f64 * ROW_HEIGHT - self.offset)
    }
}

/// `offset` rounded to a whole pixel inside `lo..=hi` (so that rows land on whole pixels), or as it
/// is where no whole pixel is inside. From a whole-pixel offset, this never reverses a move.
fn whole_px(offset: f64, lo: f64, hi: f64) -> f64 {
    // (The band's edges are computed; a hair past a whole pixel is that pixel.)
    let (lo_px, hi_px) = ((lo - 1e-6).ceil(), (hi + 1e-6).floor());
    if lo_px > hi_px {
        return offset;
    }
    offset.round().clamp(lo_px, hi_px)
}

/// The least `x` in `0..=max` for which `pred` holds, `pred` being false then true along the range.
fn first_true(max: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if !pred(max) {
        return None;
    }
    let (mut lo, mut hi) = (0u64, max);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A viewport of 870 px (29 rows), the benchmark window's list height.
    const VIEW: f64 = 870.0;

    /// Whether row `row` is entirely inside the viewport.
    fn shows(m: &ScrollMap, row: usize) -> bool {
        let top = row as f64 * ROW_HEIGHT;
        top >= m.offset() - 1e-6 && top + ROW_HEIGHT <= m.offset() + m.viewport() + 1e-6
    }

    /// The browser's side of a reveal: the scroll event that setting `scrollTop` causes.
    fn reveal_and_scroll(m: &mut ScrollMap, row: usize) {
        if let Some(s) = m.reveal(row) {
            assert_eq!(s, s.round(), "scrollTop is set in whole pixels");
            m.scrolled(s);
        }
    }

    /// The rendered window covers the viewport and stays inside the sizer where it is visible.
    fn covers(m: &ScrollMap) {
        let (first, last, y) = m.window(10);
        assert!(first as f64 * ROW_HEIGHT <= m.offset(), "{m:?}: first {first}");
        assert!(last as f64 * ROW_HEIGHT >= (m.offset() + m.viewport()).min(m.content()), "{m:?}: last {last}");
        // Real position of the viewport's top edge = its scrollTop.
        let top_in_window = m.offset() - first as f64 * ROW_HEIGHT;
        assert!((y + top_in_window - m.scroll()).abs() < 1e-6, "{m:?}: window at {y}");
    }

    #[test]
    fn up_to_the_cap_scrolling_is_one_for_one() {
        let mut m = ScrollMap::new(200_000, VIEW);
        assert!(!m.scaled());
        assert_eq!(m.canvas(), 6_000_000.0);
        for s in [0.0, 1.0, 29.5, 123_456.0, 5_999_130.0] {
            m.scrolled(s);
            assert_eq!(m.offset(), s);
            assert_eq!(m.scroll(), s);
            covers(&m);
        }
        // Reveal as the list always did: to the row's top when above, to its bottom when below.
        m.scrolled(3_000.0);
        assert_eq!(m.reveal(100), None);
        assert_eq!(m.reveal(99), Some(2_970.0));
        assert_eq!(m.reveal(200), Some(200.0 * 30.0 + 30.0 - VIEW));
        assert_eq!(m.reveal(199_999), Some(6_000_000.0 - VIEW));
        assert_eq!(m.reveal(0), Some(0.0));
        let (first, last, y) = m.window(10);
        assert_eq!((first, last, y), (0, 49, 0.0));
        m.scrolled(60_000.0);
        assert_eq!(m.window(10), (1_990, 2_039, 59_700.0));
        // 500,000 rows fill the canvas exactly and are not scaled either.
        assert!(!ScrollMap::new(500_000, VIEW).scaled());
        assert!(ScrollMap::new(500_001, VIEW).scaled());
    }

    #[test]
    fn first_and_last_of_2_6_million_rows_are_reachable() {
        let n = 2_600_000;
        let mut m = ScrollMap::new(n, VIEW);
        assert!(m.scaled());
        assert_eq!(m.canvas(), MAX_CANVAS);
        let max_scroll = MAX_CANVAS - VIEW;
        // Dragging the thumb to the bottom (Chromium may stop a pixel short).
        m.scrolled(max_scroll - 1.0);
        assert!(shows(&m, n - 1));
        covers(&m);
        m.scrolled(max_scroll);
        assert_eq!(m.offset(), n as f64 * ROW_HEIGHT - VIEW);
        assert!(shows(&m, n - 1));
        let (_, last, y) = m.window(10);
        assert_eq!(last, n);
        assert_eq!(y + (last - m.window(10).0) as f64 * ROW_HEIGHT, MAX_CANVAS, "the window ends at the sizer's end");
        covers(&m);
        // And back to the top.
        m.scrolled(1.0);
        assert!(shows(&m, 0));
        m.scrolled(0.0);
        assert_eq!(m.offset(), 0.0);
        assert!(shows(&m, 0));
        covers(&m);
        // End and Home by keyboard, from anywhere.
        m.scrolled(7_000_000.0);
        assert_eq!(m.reveal(n - 1), Some(max_scroll));
        assert!(shows(&m, n - 1));
        m.scrolled(max_scroll);
        assert!(shows(&m, n - 1));
        assert_eq!(m.reveal(0), Some(0.0));
        m.scrolled(0.0);
        assert!(shows(&m, 0));
    }

    #[test]
    fn a_wheel_reaches_both_ends_moving_forward_only() {
        for n in [600_000, 1_200_000, 2_600_000] {
            let mut m = ScrollMap::new(n, VIEW);
            let max_scroll = MAX_CANVAS - VIEW;
            let f = (n as f64 * ROW_HEIGHT - VIEW) / max_scroll;
            for dir in [1.0, -1.0] {
                let mut steps = 0;
                loop {
                    let (s0, o0) = (m.scroll(), m.offset());
                    let s = (s0 + dir * 100.0).clamp(0.0, max_scroll);
                    m.scrolled(s);
                    let moved = (m.offset() - o0) * dir;
                    assert!(moved >= 99.0 || s == 0.0 || s == max_scroll, "{n} rows: a 100 px notch moved {moved} px at {s0}");
                    assert!(moved <= (2.0 * f - 1.0) * 100.0 + 1.0, "{n} rows: a 100 px notch moved {moved} px at {s0}");
                    steps += 1;
                    if s == 0.0 || s == max_scroll {
                        break;
                    }
                }
                assert!(steps >= (max_scroll / 100.0) as usize, "{n} rows: {steps} notches");
                let end = if dir > 0.0 { n as f64 * ROW_HEIGHT - VIEW } else { 0.0 };
                assert_eq!(m.offset(), end, "{n} rows: the wheel ends at the end");
                covers(&m);
            }
        }
    }

    #[test]
    fn near_the_current_position_a_wheel_moves_row_by_row() {
        let mut m = ScrollMap::new(2_600_000, VIEW);
        // Drag the thumb to the middle (a jump: proportional), then wheel 400 notches down and up.
        m.scrolled(7_500_000.0);
        let start = m.offset();
        assert!((start - (78_000_000.0 - VIEW) * (7_500_000.0 / (MAX_CANVAS - VIEW))).abs() < 1.0);
        for i in 1..=400 {
            m.scrolled(7_500_000.0 + i as f64 * 100.0);
            assert_eq!(m.offset(), start + i as f64 * 100.0, "notch {i} down");
        }
        for i in (0..400).rev() {
            m.scrolled(7_500_000.0 + i as f64 * 100.0);
            assert_eq!(m.offset(), start + i as f64 * 100.0, "notch {i} up");
        }
        // From the top, too: 1:1 for the first rows.
        let mut m = ScrollMap::new(2_600_000, VIEW);
        for i in 1..=1_000 {
            m.scrolled(i as f64 * 53.0);
            assert_eq!(m.offset(), i as f64 * 53.0);
        }
    }

    #[test]
    fn offsets_rise_with_scroll_top_whatever_the_steps() {
        let mut m = ScrollMap::new(2_600_000, VIEW);
        let max_scroll = MAX_CANVAS - VIEW;
        // A fixed pseudo-random walk of wheel notches, page moves and thumb drags.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let step = match x % 4 {
                0 => 100.0,
                1 => 800.0,
                2 => 40_000.0,
                _ => 3_000_000.0,
            };
            let dir = if (x >> 8) % 2 == 0 { 1.0 } else { -1.0 };
            let (s0, o0) = (m.scroll(), m.offset());
            let s = (s0 + dir * step).clamp(0.0, max_scroll);
            m.scrolled(s);
            assert!((m.offset() - o0) * dir >= -1e-6, "moved against the scroll: {s0} → {s}, {o0} → {}", m.offset());
            let (lo, hi) = m.band(s);
            assert!(m.offset() >= lo - 1e-6 && m.offset() <= hi + 1e-6);
            assert!((m.offset() - m.proportional(s)).abs() <= MAX_DRIFT + 1e-6);
            covers(&m);
        }
    }

    #[test]
    fn row_to_scroll_top_to_row_round_trips() {
        let n = 2_600_000;
        let mut m = ScrollMap::new(n, VIEW);
        let rows = [0, 1, 28, 29, 30, 1_000, 123_456, 499_999, 1_300_000, 2_000_001, n - 30, n - 29, n - 2, n - 1];
        // From wherever the last one left the list.
        for &r in rows.iter().chain(rows.iter().rev()) {
            reveal_and_scroll(&mut m, r);
            assert!(shows(&m, r), "row {r}: {m:?}");
            covers(&m);
            // Small moves stay within the drift of the proportional place.
            assert!((m.proportional(m.scroll()) - m.offset()).abs() <= MAX_DRIFT);
        }
        // Jumps (Home / End / search hits far away) land on the proportional scrollTop.
        for &r in &rows {
            let mut m = ScrollMap::new(n, VIEW);
            m.scrolled(MAX_CANVAS / 2.0);
            if (r as f64 * ROW_HEIGHT - m.offset()).abs() < 2.0 * VIEW {
                continue;
            }
            reveal_and_scroll(&mut m, r);
            assert!(shows(&m, r), "row {r}");
            let f = (n as f64 * ROW_HEIGHT - VIEW) / (MAX_CANVAS - VIEW);
            let p = m.proportional(m.scroll());
            assert!((p - m.offset()).abs() <= f, "row {r}: {p} vs {}", m.offset());
            // And back: that scrollTop, reached by dragging the thumb, shows the same row.
            let mut dragged = ScrollMap::new(n, VIEW);
            dragged.scrolled(if m.scroll() > MAX_CANVAS / 2.0 { 0.0 } else { MAX_CANVAS });
            dragged.scrolled(m.scroll());
            assert!((dragged.offset() - m.offset()).abs() <= f, "row {r}: dragged to {} vs {}", dragged.offset(), m.offset());
        }
    }

    #[test]
    fn keys_move_the_scrollbar_as_far_as_the_rows() {
        let n = 2_600_000;
        let mut m = ScrollMap::new(n, VIEW);
        m.scrolled(9_000_000.0);
        // The selection walks down from the top of the view, one row (j) then one page at a time.
        let mut row = (m.offset() / ROW_HEIGHT).ceil() as usize;
        for step in [1usize, 1, 1, 28, 28, 28, 28, 1] {
            for _ in 0..30 {
                row += step;
                let (s0, o0) = (m.scroll(), m.offset());
                reveal_and_scroll(&mut m, row);
                assert!(shows(&m, row));
                if m.offset() != o0 {
                    assert_eq!(m.scroll() - s0, m.offset() - o0, "row {row}: the scrollbar moves with the rows");
                }
            }
        }
        // A thousand rows up by k, then the selection stays visible all the way.
        for _ in 0..1_000 {
            row -= 1;
            reveal_and_scroll(&mut m, row);
            assert!(shows(&m, row));
        }
    }

    #[test]
    fn growing_past_the_cap_keeps_the_rows_in_view() {
        // Ingest adds rows while the list is read: at the top, in the middle, at 1:1 until the cap.
        let mut m = ScrollMap::new(400_000, VIEW);
        m.scrolled(4_000_000.0);
        for rows in (402_000..=700_000).step_by(2_000) {
            let before = m.offset();
            m.resize(rows, VIEW);
            assert!(m.offset() >= before - 1e-6, "{rows} rows");
            assert!(m.offset() - before <= 2_000.0 * ROW_HEIGHT, "{rows} rows: {before} → {}", m.offset());
            covers(&m);
        }
        let mut top = ScrollMap::new(400_000, VIEW);
        top.resize(2_600_000, VIEW);
        assert_eq!(top.offset(), 0.0);
        // A search that leaves fewer rows: back to 1:1 where the browser puts the scrollbar.
        m.resize(1_000, VIEW);
        assert!(!m.scaled());
        m.scrolled(1_000.0 * ROW_HEIGHT - VIEW);
        assert!(shows(&m, 999));
        // A taller window.
        let mut m = ScrollMap::new(2_600_000, VIEW);
        m.scrolled(MAX_CANVAS - VIEW);
        m.resize(2_600_000, 1_200.0);
        m.scrolled(MAX_CANVAS - 1_200.0);
        assert!(shows(&m, 2_599_999));
    }

    #[test]
    fn no_rows_and_no_viewport_are_harmless() {
        let mut m = ScrollMap::new(0, 0.0);
        m.scrolled(0.0);
        assert_eq!(m.window(10), (0, 0, 0.0));
        reveal_and_scroll(&mut m, 0);
        assert_eq!((m.scroll(), m.offset()), (0.0, 0.0));
        let mut m = ScrollMap::new(2_600_000, 0.0);
        m.scrolled(1_000.0);
        reveal_and_scroll(&mut m, 5);
        m.scrolled(MAX_CANVAS);
        assert_eq!(m.offset(), 2_600_000.0 * ROW_HEIGHT);
    }
}
