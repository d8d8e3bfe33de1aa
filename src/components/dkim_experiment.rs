//! The teaching experiment under a message's DKIM verdicts: edit a copy of the message (a digit of an
//! amount, a word of the subject), verify the copy with the same keys, and watch the verdict change, then
//! change it back and watch it pass again. The copy lives in this panel only: the message, its hash and
//! everything exported stay as found.

use std::rc::Rc;

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::protocol::{split_raw_note, DkimView, MessageId, MessageView};

/// Experiment properties.
#[derive(Properties, PartialEq)]
pub struct DkimExperimentProps {
    /// The open message.
    pub view: Rc<MessageView>,
    /// The verdicts of the last verified copy of it, if any.
    pub result: Option<Rc<Vec<DkimView>>>,
    /// Verify (message, edited text, the message's date).
    pub on_verify: Callback<(MessageId, String, Option<i64>)>,
}

/// Why the message's text cannot stand for its bytes in the editor, if it cannot.
fn not_editable(v: &MessageView) -> Option<&'static str> {
    let (note, text) = split_raw_note(&v.raw);
    if note.is_some() {
        Some("this message has no bytes of its own in its file (it was decoded or rebuilt), so there is nothing signed to edit")
    } else if v.raw_truncated {
        Some("the message is too large to edit here")
    } else if text.contains('\u{FFFD}') {
        Some("the message holds bytes that are not text (8-bit data outside UTF-8); an edited copy could not keep them")
    } else {
        None
    }
}

/// The experiment.
#[component(DkimExperiment)]
pub fn dkim_experiment(p: &DkimExperimentProps) -> Html {
    let area = use_node_ref();
    let v = &p.view;
    if let Some(why) = not_editable(v) {
        return html! { <p class="muted experiment-off">{ format!("Experiment unavailable: {why}.") }</p> };
    }
    let verify = {
        let (area, cb, id, at) = (area.clone(), p.on_verify.clone(), v.id, v.row.date.as_ref().map(|d| d.utc_unix));
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                cb.emit((id, t.value(), at));
            }
        })
    };
    let reset = {
        let (area, raw) = (area.clone(), v.raw.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                t.set_value(&raw);
            }
        })
    };
    html! {
        <details class="experiment" data-testid="dkim-experiment">
            <summary>{ "Experiment: change the message, verify again" }</summary>
            <p class="muted">
                { "This is a copy of the message's exact text. Change one character (a digit of an amount, a letter of the subject) and verify it with the same keys: the signature fails, because it covers these bytes. Change it back and it passes again. The message itself is not touched." }
            </p>
            <textarea ref={area} class="experiment-text" data-testid="experiment-text" spellcheck="false" rows="12"
                aria-label="An editable copy of the message" value={v.raw.clone()} />
            <div class="experiment-actions">
                <button class="button small primary" data-testid="experiment-verify" onclick={verify}>{ "Verify this copy" }</button>
                <button class="button small" data-testid="experiment-reset" onclick={reset}>{ "Back to the original" }</button>
            </div>
            if let Some(result) = &p.result {
                <ul class="dkim-list experiment-result" data-testid="experiment-result">
                { for result.iter().map(|d| html! {
                    <li class={classes!("dkim", d.result.clone())} data-result={d.result.clone()}>
                        <span class={classes!("verdict", d.result.clone())}>{ d.result.clone() }</span>
                        <span class="dkim-who">{ format!("d={} s={}", d.domain, d.selector) }</span>
                        <div class="dkim-reason">{ d.reason.clone() }</div>
                    </li>
                }) }
                </ul>
            }
        </details>
    }
}
