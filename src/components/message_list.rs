//! The message list: a header row plus a scrolling window that renders only the rows in view, so a
//! list of hundreds of thousands of messages stays as fast as one of ten.
//!
//! Every row has the same height ([`ROW_HEIGHT`] px, matched by static/style.css). Heights and
//! offsets are set through the CSSOM (`element.style.setProperty`), which the page's CSP allows,
//! rather than through `style=` attributes, which it forbids. Click selects; ↑/↓, Page Up/Down,
//! Home/End move the selection and keep it in view. Which rows a `scrollTop` shows is
//! [`scroll_map`]'s business: the same pixels up to 500,000 rows, a proportional mapping with
//! row-by-row wheel steps beyond (a browser cannot lay out 2.6 million rows × 30 px). A key press
//! finds the selection where it was last seen (a few probes), not by searching the list from the top.
//! The viewport's `data-offset` says where the list is (px of rows above its top edge), for tests.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use std::collections::HashMap;

use crate::format;
use crate::protocol::{MessageId, MessageRow, ThreadItem};
use crate::state::Rows;

mod scroll_map;

pub use scroll_map::ROW_HEIGHT;
use scroll_map::ScrollMap;
/// Rows drawn above and below the visible ones.
const OVERSCAN: usize = 10;

/// List properties.
#[derive(Properties, PartialEq)]
pub struct MessageListProps {
    /// All rows, sorted.
    pub rows: Rows,
    /// Selected message.
    pub selected: Option<MessageId>,
    /// Called when the user selects a message.
    pub on_select: Callback<MessageId>,
    /// Thread order, once known.
    pub threads: Option<Rc<Vec<ThreadItem>>>,
    /// Whether to show threads.
    pub thread_view: bool,
    /// Switch between date order and threads.
    pub on_toggle_threads: Callback<()>,
    /// Only these messages, when a search is in force.
    pub filter: Option<Rc<crate::protocol::HitSet>>,
    /// Changes whenever `filter` does.
    pub filter_serial: u64,
    /// Case annotations by message (star and tags are shown in the row).
    #[prop_or_default]
    pub annotations: Rc<HashMap<MessageId, crate::protocol::AnnotationView>>,
    /// Folded search words to highlight in From and Subject.
    #[prop_or_default]
    pub terms: Vec<String>,
}

/// What the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Date,
    From,
    To,
    Subject,
    Attachments,
    Size,
}

impl SortKey {
    fn compare(self, a: &MessageRow, b: &MessageRow) -> std::cmp::Ordering {
        let text = |s: &str| s.to_lowercase();
        match self {
            SortKey::Date => (a.date.is_none(), a.date.as_ref().map(|d| d.utc_unix), a.id)
                .cmp(&(b.date.is_none(), b.date.as_ref().map(|d| d.utc_unix), b.id)),
            SortKey::From => text(&a.from).cmp(&text(&b.from)).then(a.id.cmp(&b.id)),
            SortKey::To => text(&a.to).cmp(&text(&b.to)).then(a.id.cmp(&b.id)),
            SortKey::Subject => text(&a.subject).cmp(&text(&b.subject)).then(a.id.cmp(&b.id)),
            SortKey::Attachments => a.attachments.cmp(&b.attachments).then(a.id.cmp(&b.id)),
            SortKey::Size => a.size.cmp(&b.size).then(a.id.cmp(&b.id)),
        }
    }
}

/// One line of the list: a message (with its thread depth) or a placeholder for a missing one.
enum Line<'a> {
    Message(&'a MessageRow, u32),
    Missing(&'a str, u32),
    Group(u32),
}

fn set_px(node: &NodeRef, property: &str, px: f64) {
    if let Some(el) = node.cast::<HtmlElement>() {
        let _ = el.style().set_property(property, &format!("{px}px"));
    }
}

/// A clickable column header: click sorts by it, a second click reverses.
/// `aside` follows the label in muted text and goes with the column's own aside when the list is narrow.
fn sort_header(key: SortKey, class: &'static str, label: &str, aside: Option<&str>, title: &str, sort: &UseStateHandle<(SortKey, bool)>) -> Html {
    let (current, desc) = **sort;
    let active = current == key;
    let onclick = {
        let sort = sort.clone();
        Callback::from(move |_: MouseEvent| sort.set((key, if active { !desc } else { false })))
    };
    let arrow = if active { if desc { " ▼" } else { " ▲" } } else { "" };
    html! {
        <button class={classes!(class, "sort", active.then_some("active"))} title={title.to_string()} {onclick}
            aria-sort={if active { if desc { "descending" } else { "ascending" } } else { "none" }} data-testid="sort-header">
            { label }
            if let Some(aside) = aside { <span class="offset">{ aside }</span> }
            { arrow }
        </button>
    }
}

/// The list.
#[component(MessageList)]
pub fn message_list(p: &MessageListProps) -> Html {
    let viewport = use_node_ref();
    let sizer = use_node_ref();
    let window = use_node_ref();
    // Scroll position ↔ rows (the viewport height is measured once mounted); scroll events update
    // it and ask for a render.
    let map = use_mut_ref(|| ScrollMap::new(0, 600.0));
    let redraw = use_force_update();
    // The selected message and the line it was last seen at.
    let seen = use_mut_ref(|| None::<(MessageId, usize)>);

    // Built only when needed: each is a pass over every row, and rows arrive in batches of 2,000 while a
    // leak loads (2.6 M rows made that quadratic). The thread view needs each id's row.
    let by_id = use_memo((p.rows.clone(), p.thread_view), |(rows, thread_view)| {
        thread_view.then(|| rows.borrow().iter().enumerate().map(|(i, r)| (r.id, i)).collect::<HashMap<_, _>>())
    });
    // The ids in row order, so that filtering 200,000 rows by a search reads 800 KB, not every row. Made
    // when a search first needs them and kept while the rows stay the same, also through a cleared search
    // box (at 2.6 M rows, making them took most of the page's 80–100 ms per query).
    let ids_cache = use_mut_ref(|| None::<(Rows, Rc<Vec<MessageId>>)>);
    let row_ids: Rc<Vec<MessageId>> = if p.filter.is_some() {
        let mut cache = ids_cache.borrow_mut();
        match &*cache {
            Some((rows, ids)) if *rows == p.rows => ids.clone(),
            _ => {
                let ids = Rc::new(p.rows.borrow().iter().map(|r| r.id).collect::<Vec<MessageId>>());
                *cache = Some((p.rows.clone(), ids.clone()));
                ids
            }
        }
    } else {
        Rc::default()
    };
    let all_rows = p.rows.borrow();
    // With a search in force: the matching rows (date order) or thread items (placeholders dropped).
    let filtered = {
        let filter = p.filter.clone();
        let row_ids = row_ids.clone();
        use_memo((p.rows.clone(), p.threads.clone(), p.thread_view, p.filter_serial), move |(_, threads, thread_view, _)| {
            let f = filter?;
            Some(if *thread_view {
                let t = threads.as_ref().map(|t| t.iter().filter(|it| it.id.is_some_and(|id| f.contains(&id))).cloned().collect()).unwrap_or_default();
                (Vec::new(), Some(Rc::new(t)))
            } else {
                (row_ids.iter().enumerate().filter(|(_, id)| f.contains(id)).map(|(i, _)| i).collect::<Vec<usize>>(), None)
            })
        })
    };
    let threaded = match (&*filtered, p.thread_view) {
        (Some((_, t)), true) => t.clone(),
        (None, true) => p.threads.clone(),
        _ => None,
    };
    // Column sort (date order, ascending, is the list's own order and needs no index).
    let sort = use_state(|| (SortKey::Date, false));
    let order: Option<Rc<Vec<usize>>> = {
        let filtered = filtered.clone();
        let rows = p.rows.clone();
        (*use_memo((p.rows.clone(), p.filter_serial, p.thread_view, *sort, filtered.is_some()), move |(_, _, thread_view, (key, desc), _)| {
            if *thread_view {
                return None;
            }
            let base: Option<Vec<usize>> = match &*filtered {
                Some((o, None)) => Some(o.clone()),
                _ => None,
            };
            if *key == SortKey::Date && !*desc {
                return base.map(Rc::new);
            }
            let all = rows.borrow();
            let mut order = base.unwrap_or_else(|| (0..all.len()).collect());
            order.sort_by(|&a, &b| key.compare(&all[a], &all[b]));
            if *desc {
                order.reverse();
            }
            Some(Rc::new(order))
        }))
        .clone()
    };
    let row_at = {
        let order = order.clone();
        move |i: usize| -> Option<usize> {
            match &order {
                Some(o) => o.get(i).copied(),
                None => Some(i),
            }
        }
    };
    let line = {
        let (rows, threaded, by_id, row_at) = (p.rows.clone(), threaded.clone(), by_id.clone(), row_at.clone());
        move |i: usize| -> Option<(Option<MessageId>, u32)> {
            match &threaded {
                None => row_at(i).and_then(|ri| rows.borrow().get(ri).map(|r| (Some(r.id), 0))),
                Some(t) => t.get(i).map(|item| (item.id.filter(|id| by_id.as_ref().as_ref().is_some_and(|m| m.contains_key(id))), item.depth)),
            }
        }
    };
    let total = match (&threaded, &order) {
        (Some(t), _) => t.len(),
        (None, Some(o)) => o.len(),
        (None, None) => all_rows.len(),
    };
    let (first, last, window_y, canvas, offset) = {
        let mut m = map.borrow_mut();
        let height = m.viewport();
        m.resize(total, height);
        let (first, last, y) = m.window(OVERSCAN);
        (first, last, y, m.canvas(), m.offset())
    };

    // Size the scroll area and place the window, after every render.
    {
        let (sizer, window) = (sizer.clone(), window.clone());
        use_effect(move || {
            set_px(&sizer, "height", canvas);
            if let Some(el) = window.cast::<HtmlElement>() {
                let _ = el.style().set_property("transform", &format!("translateY({window_y}px)"));
            }
        });
    }

    // Measure the viewport once mounted and whenever the window resizes.
    {
        let (viewport, map, redraw) = (viewport.clone(), map.clone(), redraw.clone());
        use_effect_with((), move |_| {
            let measure = {
                let viewport = viewport.clone();
                move || {
                    if let Some(el) = viewport.cast::<Element>() {
                        let mut m = map.borrow_mut();
                        m.set_viewport(el.client_height() as f64);
                        m.scrolled(el.scroll_top() as f64);
                        drop(m);
                        redraw.force_update();
                    }
                }
            };
            measure();
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| measure());
            move || drop(listener)
        });
    }

    let on_scroll = {
        let (map, redraw) = (map.clone(), redraw.clone());
        Callback::from(move |e: Event| {
            if let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                let mut m = map.borrow_mut();
                m.set_viewport(el.client_height() as f64);
                m.scrolled(el.scroll_top() as f64);
                drop(m);
                redraw.force_update();
            }
        })
    };

    // Keep the selection in view when it moves by keyboard.
    let reveal = {
        let (viewport, map, redraw) = (viewport.clone(), map.clone(), redraw.clone());
        move |pos: usize| {
            if let Some(el) = viewport.cast::<Element>() {
                let mut m = map.borrow_mut();
                // Catch up with a scroll whose event has not arrived yet.
                m.set_viewport(el.client_height() as f64);
                m.scrolled(el.scroll_top() as f64);
                let to = m.reveal(pos);
                drop(m);
                if let Some(top) = to {
                    el.set_scroll_top(top as i32);
                    redraw.force_update();
                }
            }
        }
    };

    // Where the selection is: in date order its row index, else where it was last seen (or the top
    // of the view), checked and searched outward from there.
    let selected_line = {
        let (by_id, seen, line) = (by_id.clone(), seen.clone(), line.clone());
        let direct = threaded.is_none() && order.is_none();
        move |id: MessageId| -> Option<usize> {
            let hint = direct
                .then(|| by_id.as_ref().as_ref().and_then(|m| m.get(&id).copied()))
                .flatten()
                .or_else(|| seen.borrow().filter(|s| s.0 == id).map(|s| s.1))
                .unwrap_or(first);
            find_line(total, hint, id, |i| line(i).and_then(|l| l.0))
        }
    };

    let on_key = {
        let selected = p.selected;
        let on_select = p.on_select.clone();
        let map = map.clone();
        let seen = seen.clone();
        let line = line.clone();
        Callback::from(move |e: KeyboardEvent| {
            if total == 0 {
                return;
            }
            let page = ((map.borrow().viewport() / ROW_HEIGHT) as isize - 1).max(1);
            if e.key() == "Enter" {
                // Enter opens the selected message for reading: keyboard focus moves into the reader (Esc
                // comes back). With nothing selected it selects the first message.
                e.prevent_default();
                if selected.is_some() {
                    focus_testid("reader-pane");
                    return;
                }
            }
            let delta: isize = match e.key().as_str() {
                "Enter" => isize::MIN / 2,
                "ArrowDown" | "j" => 1,
                "ArrowUp" | "k" => -1,
                "PageDown" => page,
                "PageUp" => -page,
                "Home" => isize::MIN / 2,
                "End" => isize::MAX / 2,
                _ => return,
            };
            e.prevent_default();
            let last = total as isize - 1;
            let current = selected.and_then(&selected_line);
            let mut pos = match current {
                Some(p) => (p as isize).saturating_add(delta).clamp(0, last),
                None if delta < 0 => last,
                None => 0,
            };
            // Placeholders for missing messages cannot be selected: go on in the same direction.
            let step = if delta < 0 { -1 } else { 1 };
            while (0..=last).contains(&pos) && line(pos as usize).and_then(|l| l.0).is_none() {
                pos += step;
            }
            let Some(id) = (0..=last).contains(&pos).then(|| line(pos as usize).and_then(|l| l.0)).flatten() else { return };
            *seen.borrow_mut() = Some((id, pos as usize));
            reveal(pos as usize);
            on_select.emit(id);
        })
    };

    let lines: Vec<Line<'_>> = (first..last)
        .filter_map(|i| match &threaded {
            None => row_at(i).and_then(|ri| all_rows.get(ri)).map(|r| Line::Message(r, 0)),
            Some(t) => t.get(i).map(|item| match (item.id.and_then(|id| by_id.as_ref().as_ref().and_then(|m| m.get(&id))), &item.missing) {
                (Some(&ri), _) => match all_rows.get(ri) {
                    Some(r) => Line::Message(r, item.depth),
                    None => Line::Group(item.depth),
                },
                (None, Some(m)) => Line::Missing(m.as_str(), item.depth),
                (None, None) => Line::Group(item.depth),
            }),
        })
        .collect();
    // The selection in view (clicked, or moved to by keyboard): remember its line.
    if let Some(k) = lines.iter().position(|l| matches!(l, Line::Message(r, _) if Some(r.id) == p.selected)) {
        *seen.borrow_mut() = p.selected.map(|id| (id, first + k));
    }
    let rows_html: Html = lines
        .into_iter()
        .enumerate()
        .map(|(k, l)| {
            let r = match l {
                Line::Message(r, depth) => (r, depth),
                Line::Missing(mid, depth) => {
                    return html! {
                        <div key={format!("missing-{}", first + k)} class={classes!("row", "placeholder", format!("indent-{}", depth.min(8)))}
                            data-testid="thread-missing" title="Replies point at this message, but the leak does not hold it">
                            <span class="col-date"></span><span class="col-from"></span><span class="col-to"></span><span class="col-flags"></span>
                            <span class="col-subject">{ format!("missing message <{mid}>") }</span><span class="col-att"></span><span class="col-size"></span>
                        </div>
                    };
                }
                Line::Group(depth) => {
                    return html! {
                        <div key={format!("group-{}", first + k)} class={classes!("row", "placeholder", format!("indent-{}", depth.min(8)))}>
                            <span class="col-date"></span><span class="col-from"></span><span class="col-to"></span><span class="col-flags"></span>
                            <span class="col-subject">{ "messages grouped by subject (no reply headers link them)" }</span><span class="col-att"></span><span class="col-size"></span>
                        </div>
                    };
                }
            };
            let (r, depth) = r;
            let id = r.id;
            let is_sel = p.selected == Some(id);
            let ann = p.annotations.get(&id);
            let onclick = {
                let on_select = p.on_select.clone();
                Callback::from(move |_| on_select.emit(id))
            };
            let (date, offset) = match &r.date {
                Some(d) => (d.utc.clone(), d.offset.clone()),
                None => ("(no date)".to_string(), String::new()),
            };
            html! {
                <div key={id} class={classes!("row", is_sel.then_some("selected"), (r.problems > 0).then_some("damaged"), (depth > 0).then(|| format!("indent-{}", depth.min(8))))}
                    role="option" aria-selected={is_sel.to_string()} data-testid="message-row" data-id={id.to_string()} {onclick}>
                    <span class="col-date" title={format!("{date} (sender's clock: UTC{offset})")}>
                        { date }<span class="offset">{ offset }</span>
                    </span>
                    <span class="col-from" title={r.from.clone()}>{ highlight(&r.from, &p.terms) }</span>
                    <span class="col-to" title={r.to.clone()}>{ &r.to }</span>
                    <span class="col-flags">
                        if r.problems > 0 { <span class="warn-dot" title="This message has problems: see the reader">{ "!" }</span> }
                        if r.variant { <span class="tag variant" title="Another message has the same Message-ID but different bytes: open it to see which headers differ">{ "var" }</span> }
                        if r.copies > 1 { <span class="tag copies" title="The same bytes were found in several places">{ format!("×{}", r.copies) }</span> }
                        if r.parent.is_some() { <span class="tag attached" title="Found attached to another message (forwarded mail): open it to reach its parent">{ "att" }</span> }
                        if ann.is_some_and(|a| a.starred) { <span class="star-mark" title="Starred" data-testid="row-star">{ "★" }</span> }
                    </span>
                    <span class="col-subject" title={r.subject.clone()}>
                        { for ann.iter().flat_map(|a| a.tags.iter()).map(|t| html! { <span class="tag-chip small" data-testid="row-tag">{ t.clone() }</span> }) }
                        if r.subject.is_empty() { { "(no subject)" } } else { { highlight(&r.subject, &p.terms) } }
                    </span>
                    <span class="col-att" title={format!("{} attachments", r.attachments)}>{ if r.attachments > 0 { r.attachments.to_string() } else { String::new() } }</span>
                    <span class="col-size">{ format::bytes(r.size) }</span>
                </div>
            }
        })
        .collect();

    html! {
        <div class="message-list">
            <div class="row head" role="presentation">
                { sort_header(SortKey::Date, "col-date", "Date (UTC)", Some("· sender's offset"), "Date header converted to UTC, followed by the offset of the sender's own clock", &sort) }
                { sort_header(SortKey::From, "col-from", "From", None, "Sort by sender", &sort) }
                { sort_header(SortKey::To, "col-to", "To", None, "Sort by recipients", &sort) }
                <span class="col-flags" title="! problems · var: variants with the same Message-ID · ×N: copies">{ "" }</span>
                <span class="col-subject">
                    { sort_header(SortKey::Subject, "sort-inline", "Subject", None, "Sort by subject", &sort) }
                    <button class={classes!("button", "small", "thread-toggle", p.thread_view.then_some("on"))} data-testid="thread-toggle"
                        aria-pressed={p.thread_view.to_string()} disabled={p.threads.is_none()}
                        title="Show conversations (In-Reply-To / References, then subject); missing messages are shown as placeholders"
                        onclick={p.on_toggle_threads.reform(|_| ())}>{ if p.thread_view { "Threads ✓" } else { "Threads" } }</button>
                </span>
                { sort_header(SortKey::Attachments, "col-att", "Att.", None, "Sort by number of attachments", &sort) }
                { sort_header(SortKey::Size, "col-size", "Size", None, "Sort by size", &sort) }
            </div>
            <div class="viewport" ref={viewport} tabindex="0" role="listbox" aria-label="Messages, sorted by date"
                data-testid="message-list" data-offset={offset.to_string()} onscroll={on_scroll} onkeydown={on_key}>
                <div class="sizer" ref={sizer}>
                    <div class="window" ref={window}>{ rows_html }</div>
                </div>
            </div>
        </div>
    }
}

/// Focus the element with this `data-testid`, if it is on the page.
pub fn focus_testid(testid: &str) {
    if let Some(el) = gloo::utils::document()
        .query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Fold a word the way the index does for the common cases the list needs: lower case, Latin accents off.
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        })
        .collect()
}

/// `text` with the words that are search terms in `<mark>` (whole words, folded; the reader's body is
/// highlighted by the worker with the index's own tokenizer).
pub fn highlight(text: &str, terms: &[String]) -> Html {
    if terms.is_empty() {
        return html! { { text.to_string() } };
    }
    let mut out: Vec<Html> = Vec::new();
    let mut plain = String::new();
    let mut word = String::new();
    let flush_word = |word: &mut String, plain: &mut String, out: &mut Vec<Html>| {
        if word.is_empty() {
            return;
        }
        if terms.iter().any(|t| *t == fold(word)) {
            out.push(html! { { std::mem::take(plain) } });
            out.push(html! { <mark data-testid="hit">{ std::mem::take(word) }</mark> });
        } else {
            plain.push_str(word);
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush_word(&mut word, &mut plain, &mut out);
            plain.push(c);
        }
    }
    flush_word(&mut word, &mut plain, &mut out);
    out.push(html! { { plain } });
    out.into_iter().collect()
}

/// The line among `total` whose message is `id`: line `hint` first, then outward from it, nearest
/// first. A selection that is where it was last seen costs one probe, one a few lines away a few;
/// one that is not in the list, one pass.
fn find_line(total: usize, hint: usize, id: MessageId, line_id: impl Fn(usize) -> Option<MessageId>) -> Option<usize> {
    let hint = hint.min(total.checked_sub(1)?);
    for d in 0..total {
        let below = Some(hint + d).filter(|&i| i < total);
        let above = hint.checked_sub(d).filter(|_| d > 0);
        if below.is_none() && above.is_none() {
            break;
        }
        if let Some(i) = below.into_iter().chain(above).find(|&i| line_id(i) == Some(id)) {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod highlight_tests {
    #[test]
    fn folds_like_the_index_for_latin_accents() {
        assert_eq!(super::fold("Hervé"), "herve");
        assert_eq!(super::fold("RÉUNION"), "reunion");
    }
}

#[cfg(test)]
mod find_line_tests {
    use std::cell::Cell;

    use super::find_line;

    /// 2.6 M lines, every 7th a placeholder (no message), message ids in reverse order.
    fn line_id(i: usize) -> Option<u32> {
        (i % 7 != 3).then(|| (10_000_000 - i) as u32)
    }

    #[test]
    fn the_selection_where_it_was_seen_costs_one_probe() {
        let total = 2_600_000;
        let probes = Cell::new(0);
        let counted = |i: usize| {
            probes.set(probes.get() + 1);
            line_id(i)
        };
        let id = line_id(2_599_990).unwrap();
        assert_eq!(find_line(total, 2_599_990, id, counted), Some(2_599_990));
        assert_eq!(probes.get(), 1);
        // Moved a page on since (another view of the same list): a few probes either way.
        probes.set(0);
        assert_eq!(find_line(total, 2_599_962, id, counted), Some(2_599_990));
        assert_eq!(find_line(total, 2_599_999, id, counted), Some(2_599_990));
        assert!(probes.get() <= 2 * 28 + 1 + 2 * 9 + 1, "{} probes", probes.get());
    }

    #[test]
    fn anywhere_else_it_is_still_found_and_a_stranger_is_not() {
        let total = 2_600_000;
        for (hint, at) in [(0, 2_599_998), (2_599_999, 0), (1_300_000, 5), (usize::MAX, 1_234_567), (18, 18)] {
            assert_eq!(find_line(total, hint, line_id(at).unwrap(), line_id), Some(at), "hint {hint}");
        }
        assert_eq!(find_line(total, 1_000, 42, line_id), None);
        assert_eq!(find_line(0, 0, 1, line_id), None);
        assert_eq!(find_line(1, 5, 10_000_000, line_id), Some(0));
    }
}
