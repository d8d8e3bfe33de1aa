//! A draggable, keyboard-operable divider between two panes (WAI-ARIA "window splitter").
//!
//! It resizes the pane on one side of it: drag with the mouse or a pen (the document follows the pointer, so
//! a fast drag does not lose it), or focus it and press ←/→ (Shift: larger steps); double-click restores the default.
//! Widths are kept in memory only: Leakloupe stores nothing the user did not ask it to store.

use std::cell::Cell;
use std::rc::Rc;

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Element, PointerEvent};
use yew::prelude::*;

/// Which pane the splitter resizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resizes {
    /// The pane before it (to its left): dragging right makes it wider.
    Before,
    /// The pane after it (to its right): dragging right makes it narrower.
    After,
}

/// Splitter properties.
#[derive(Properties, PartialEq)]
pub struct SplitterProps {
    /// `data-testid` of the splitter.
    pub testid: &'static str,
    /// Accessible name ("Resize the message list").
    pub label: &'static str,
    /// The pane it resizes.
    pub resizes: Resizes,
    /// The new width in CSS pixels (`None`: back to the default layout).
    pub on_resize: Callback<Option<f64>>,
}

/// Smallest pane width a drag can make, in CSS pixels.
pub const MIN_PANE: f64 = 220.0;

/// The width of the pane the splitter resizes, as laid out now. (`splitter` is the event's `target`: Yew
/// delegates events, so `current_target` is the app root, not the divider.)
fn pane_width(splitter: &Element, resizes: Resizes) -> Option<f64> {
    let pane = match resizes {
        Resizes::Before => splitter.previous_element_sibling(),
        Resizes::After => splitter.next_element_sibling(),
    }?;
    Some(pane.get_bounding_client_rect().width())
}

/// The splitter.
#[component(Splitter)]
pub fn splitter(p: &SplitterProps) -> Html {
    // While a drag is on: the document-level listeners that follow the pointer (a 6 px divider loses a fast
    // pointer at once, and pointer capture is not reliable across re-renders, so the document listens).
    let listeners = use_mut_ref(Vec::<EventListener>::new);
    let dragging = use_state(|| false);
    let sign = if p.resizes == Resizes::Before { 1.0 } else { -1.0 };
    let resizes = p.resizes;

    let on_down = {
        let listeners = listeners.clone();
        let dragging = dragging.clone();
        let on_resize = p.on_resize.clone();
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let Some(w0) = pane_width(&el, resizes) else { return };
            e.prevent_default();
            let x0 = f64::from(e.client_x());
            let last = Rc::new(Cell::new(w0));
            let doc = gloo::utils::document();
            let on_resize = on_resize.clone();
            let moved = EventListener::new(&doc, "pointermove", move |ev| {
                let Some(ev) = ev.dyn_ref::<PointerEvent>() else { return };
                let w = (w0 + sign * (f64::from(ev.client_x()) - x0)).max(MIN_PANE).round();
                if w != last.get() {
                    last.set(w);
                    on_resize.emit(Some(w));
                }
            });
            let up = {
                let listeners = listeners.clone();
                let dragging = dragging.clone();
                EventListener::new(&doc, "pointerup", move |_| {
                    dragging.set(false);
                    // Dropping the listeners from inside one of them is fine: gloo removes them on drop,
                    // after this callback returns (the Vec is taken, then dropped on a later turn).
                    let taken = std::mem::take(&mut *listeners.borrow_mut());
                    gloo::timers::callback::Timeout::new(0, move || drop(taken)).forget();
                })
            };
            *listeners.borrow_mut() = vec![moved, up];
            dragging.set(true);
        })
    };
    let on_key = {
        let on_resize = p.on_resize.clone();
        Callback::from(move |e: KeyboardEvent| {
            let step = if e.shift_key() { 96.0 } else { 24.0 };
            let delta = match e.key().as_str() {
                "ArrowLeft" => -step,
                "ArrowRight" => step,
                "Home" | "Escape" => {
                    on_resize.emit(None);
                    return;
                }
                _ => return,
            };
            let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let Some(width) = pane_width(&el, resizes) else { return };
            e.prevent_default();
            on_resize.emit(Some((width + sign * delta).max(MIN_PANE).round()));
        })
    };
    let on_reset = {
        let on_resize = p.on_resize.clone();
        Callback::from(move |_: MouseEvent| on_resize.emit(None))
    };
    html! {
        <div class={classes!("splitter", dragging.then_some("dragging"))} role="separator" aria-orientation="vertical"
            aria-label={p.label} tabindex="0" data-testid={p.testid}
            title={format!("{} — drag, or focus and press ← →; double-click resets", p.label)}
            onpointerdown={on_down}
            onkeydown={on_key} ondblclick={on_reset}></div>
    }
}
