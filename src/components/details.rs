//! The details pane, right of the reader: what a journalist checks before trusting a message —
//! variants of it found elsewhere in the drop, DKIM/ARC verdicts with their reasons and key sources, what
//! receiving servers recorded, the relay route with its findings, and the sender's fingerprint.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};

use crate::protocol::{AnnotationChange, AnnotationView, DkimView, MessageId, MessageView};
use crate::state::Reader;

/// Details pane properties.
#[derive(Properties, PartialEq)]
pub struct DetailsProps {
    /// The message the reader shows.
    pub reader: Reader,
    /// Open another message (a variant).
    pub on_select: Callback<crate::protocol::MessageId>,
    /// The open message's case annotations.
    pub annotation: AnnotationView,
    /// Change them.
    pub on_annotate: Callback<(MessageId, String, AnnotationChange)>,
    /// The dump-wide forensic views: their findings about the open message, and its report.
    #[prop_or_default]
    pub forensics: Option<Rc<crate::protocol::ForensicsView>>,
    /// The DKIM verdicts of the last verified edited copy of the open message.
    #[prop_or_default]
    pub experiment: Option<Rc<Vec<DkimView>>>,
    /// Verify an edited copy (message, text, its date).
    #[prop_or_default]
    pub on_verify_edit: Callback<(MessageId, String, Option<i64>)>,
}

/// The details pane.
#[component(DetailsPane)]
pub fn details_pane(p: &DetailsProps) -> Html {
    match &p.reader {
        Reader::Shown(view) => html! {
            <>
                <CaseBox id={view.id} sha256={view.sha256.clone()} annotation={p.annotation.clone()} on_annotate={p.on_annotate.clone()} />
                <MessageDetails view={view.clone()} on_select={p.on_select.clone()} forensics={p.forensics.clone()}
                    experiment={p.experiment.clone()} on_verify_edit={p.on_verify_edit.clone()} />
            </>
        },
        _ => html! { <div class="details empty"><p class="muted">{ "Authenticity, relays and case notes of the open message appear here." }</p></div> },
    }
}

#[derive(Properties, PartialEq)]
struct CaseBoxProps {
    id: MessageId,
    sha256: String,
    annotation: AnnotationView,
    on_annotate: Callback<(MessageId, String, AnnotationChange)>,
}

/// Star, tags and note of the open message (kept in the case; `tag:x`, `tag:starred`, `tag:noted` search).
#[component(CaseBox)]
fn case_box(p: &CaseBoxProps) -> Html {
    let emit = {
        let (id, sha, cb) = (p.id, p.sha256.clone(), p.on_annotate.clone());
        move |change: AnnotationChange| cb.emit((id, sha.clone(), change))
    };
    let a = &p.annotation;
    let star = {
        let emit = emit.clone();
        let on = !a.starred;
        Callback::from(move |_: MouseEvent| emit(AnnotationChange::Star(on)))
    };
    let add_tag = {
        let emit = emit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            e.prevent_default();
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else { return };
            let tag = input.value().trim().to_string();
            if !tag.is_empty() {
                emit(AnnotationChange::AddTag(tag));
                input.set_value("");
            }
        })
    };
    let note = {
        let emit = emit.clone();
        let current = a.note.clone();
        Callback::from(move |e: Event| {
            let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() else { return };
            if area.value() != current {
                emit(AnnotationChange::Note(area.value()));
            }
        })
    };
    html! {
        <section class="case-box" aria-label="Case notes" data-testid="case-box">
            <button class={classes!("star", a.starred.then_some("on"))} data-testid="star-toggle" aria-pressed={a.starred.to_string()}
                title={if a.starred { "Unstar" } else { "Star this message" }} onclick={star}>{ if a.starred { "★ Starred" } else { "☆ Star" } }</button>
            <div class="tags">
                { for a.tags.iter().map(|t| {
                    let remove = { let emit = emit.clone(); let t = t.clone(); Callback::from(move |_: MouseEvent| emit(AnnotationChange::RemoveTag(t.clone()))) };
                    html! { <span class="tag-chip" data-testid="tag" data-tag={t.clone()}>{ t.clone() }<button class="link" onclick={remove} aria-label={format!("Remove tag {t}")}>{ "×" }</button></span> }
                }) }
                <input type="text" class="tag-input" placeholder="Add tag ⏎" data-testid="tag-input" onkeydown={add_tag} />
            </div>
            <textarea class="note" placeholder="Note (kept with the case)" data-testid="note-input" value={a.note.clone()} onchange={note} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct MessageDetailsProps {
    view: Rc<MessageView>,
    on_select: Callback<crate::protocol::MessageId>,
    forensics: Option<Rc<crate::protocol::ForensicsView>>,
    experiment: Option<Rc<Vec<DkimView>>>,
    on_verify_edit: Callback<(MessageId, String, Option<i64>)>,
}

#[component(MessageDetails)]
fn message_details(p: &MessageDetailsProps) -> Html {
    let v = &p.view;
    // Findings about this message that only the whole dump shows (sender habits, names' scripts).
    let dump_findings = p.forensics.as_deref().map(|f| crate::report::dump_findings(f, v.id)).unwrap_or_default();
    html! {
        <aside class="details">
        <div class="details-actions">
            <span class="muted">{ "Printable report: hashes, DKIM, relays, findings, attachment metadata" }</span>
            <crate::components::forensics::ReportButton view={v.clone()} forensics={p.forensics.clone()} />
        </div>
        if !v.variants.is_empty() {
            <div class="variants" data-testid="reader-variants">
                <strong>{ format!("{} variants of this message (same Message-ID, different bytes)", v.variants.len() + 1) }</strong>
                <ul>
                { for v.variants.iter().map(|var| {
                    let id = var.id;
                    let open = p.on_select.reform(move |_: MouseEvent| id);
                    html! {
                        <li>
                            // The file's own name keeps the link on one line; its folder is in the tooltip.
                            <button class="link" onclick={open} title={var.source_name.clone()}>
                                { format!("the one in {}", short_source(&var.source_name)) }
                            </button>
                            { if var.line_endings_only {
                                " is the same text with other line endings (LF/CRLF): an export difference, not an edit".to_string()
                            } else if var.differing.is_empty() {
                                " differs only in its body".to_string()
                            } else {
                                format!(" differs in {}: {}", format::plural(var.differing.len() as u64, "header", "headers"), var.differing.join(", "))
                            } }
                        </li>
                    }
                }) }
                </ul>
            </div>
        }
        <section class="auth" aria-label="Authenticity">
            <h3>{ "Authenticity" }</h3>
            if v.dkim.is_empty() {
                <p class="muted" data-testid="dkim-none">{ "No DKIM signature: this message's origin cannot be checked cryptographically." }</p>
            } else {
                <ul class="dkim-list">{ for v.dkim.iter().map(dkim_item) }</ul>
                <crate::components::dkim_experiment::DkimExperiment view={v.clone()} result={p.experiment.clone()}
                    on_verify={p.on_verify_edit.clone()} />
                if v.dkim.iter().any(|d| d.key_source.is_none()) {
                    <p class="muted">{ "Keys are never looked up in DNS (that would tell the world what you are checking). Drop a text file of the signers' DNS TXT records — e.g. sel._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=…\" — to verify signatures offline." }</p>
                }
            }
            if let Some(arc) = &v.arc {
                <p data-testid="arc-result" data-result={arc.result.clone()}>
                    <span class={classes!("verdict", arc.result.clone())}>{ format!("ARC {}", arc.result) }</span>
                    { format!(" {} (sealed by {})", arc.reason, arc.sealers.join(" → ")) }
                </p>
            }
            if !v.recorded_auth.is_empty() {
                <details class="recorded-auth">
                    <summary>{ format!("What receiving servers recorded ({})", v.recorded_auth.len()) }</summary>
                    <pre>{ v.recorded_auth.iter().map(|h| format!("{}: {}\n", h.name, h.raw)).collect::<String>() }</pre>
                </details>
            }
        </section>
        <section class="forensics" aria-label="Headers and relays">
            if !v.findings.is_empty() {
                <ul class="findings" data-testid="findings">
                { for v.findings.iter().map(|f| html! {
                    <li class={f.severity.label()} data-testid="finding" data-code={f.code.clone()}>{ f.reason.clone() }</li>
                }) }
                </ul>
            }
            if !dump_findings.is_empty() {
                <p class="muted dump-findings-note">{ "Seen across the whole drop (sender habits, names):" }</p>
                <ul class="findings" data-testid="dump-findings" aria-label="Findings across the dump">
                { for dump_findings.iter().map(|f| html! {
                    <li class={f.severity.label()} data-testid="dump-finding" data-code={f.code.clone()}>{ f.reason.clone() }</li>
                }) }
                </ul>
            }
            <details class="hops" data-testid="hops">
                <summary>{ format!("Route: {} · sender: {}", format::plural(v.hops.len() as u64, "relay hop", "relay hops"),
                    v.fingerprint.iter().find(|(k, _)| k == "Mailer").map(|(_, m)| m.clone()).unwrap_or_else(|| "mailer not named".into())) }</summary>
                if !v.hops.is_empty() {
                    <ol class="hop-list">
                    { for v.hops.iter().map(|h| html! {
                        <li class={classes!(h.negative.then_some("negative"))} data-testid="hop">
                            <div><strong>{ if h.by.is_empty() { "(receiver not named)".to_string() } else { h.by.clone() } }</strong>
                                { format!(" received from {}", if h.from.is_empty() { "(not named)" } else { &h.from }) }
                                if !h.with.is_empty() { <span class="muted">{ format!(" with {}", h.with) }</span> }</div>
                            <div class="muted">
                                { h.date.clone().unwrap_or_else(|| "no date".into()) }
                                if let Some(d) = &h.delay { { format!(" · {d} after the previous hop") } }
                                if !h.ips.is_empty() { { format!(" · {}", h.ips.join(", ")) } }
                            </div>
                        </li>
                    }) }
                    </ol>
                }
                <dl class="meta">
                { for v.fingerprint.iter().map(|(k, val)| html! { <><dt>{ k.clone() }</dt><dd>{ val.clone() }</dd></> }) }
                </dl>
            </details>
        </section>
        </aside>
    }
}

/// One DKIM verdict: the RFC 8601 word, the sentence, and what the signature does not cover.
fn dkim_item(d: &DkimView) -> Html {
    let body = match d.body_hash_ok {
        Some(true) => "body unchanged since signing",
        Some(false) => "body changed since signing",
        None => "body hash not computable",
    };
    // Signature and trace fields are added after signing by design; listing them is noise.
    let unsigned: Vec<&str> = d
        .unsigned_present
        .iter()
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            !(n == "dkim-signature" || n.starts_with("arc-") || n == "received" || n == "return-path" || n == "authentication-results")
        })
        .map(String::as_str)
        .collect();
    html! {
        <li class={classes!("dkim", d.result.clone())} data-testid="dkim-result" data-domain={d.domain.clone()}
            data-selector={d.selector.clone()} data-result={d.result.clone()}>
            <span class={classes!("verdict", d.result.clone())}>{ d.result.clone() }</span>
            <span class="dkim-who">{ format!("d={} s={} a={}", d.domain, d.selector, d.algorithm) }</span>
            <div class="dkim-reason">{ d.reason.clone() }</div>
            <div class="dkim-facts">
                { format!("{body}; key: {}", d.key_source.clone().unwrap_or_else(|| "not in the key store".into())) }
            </div>
            if !unsigned.is_empty() {
                <div class="dkim-facts">{ format!("Not covered by the signature (could have been altered): {}", unsigned.join(", ")) }</div>
            }
            { for d.flags.iter().map(|f| html! { <div class="dkim-flag">{ f.clone() }</div> }) }
        </li>
    }
}


/// A source named without the folders of the dropped file: "finance.zip › tomas/0003.eml" for
/// "northwind-leak/finance.zip › tomas/0003.eml" (the path inside an archive is kept whole).
fn short_source(name: &str) -> String {
    let (outer, inner) = match name.split_once(" \u{203A} ") {
        Some((o, i)) => (o, Some(i)),
        None => (name, None),
    };
    let base = outer.rsplit('/').next().unwrap_or(outer);
    match inner {
        Some(i) => format!("{base} \u{203A} {i}"),
        None => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_source;

    #[test]
    fn sources_lose_only_the_dropped_folders() {
        assert_eq!(short_source("northwind-leak/finance.zip"), "finance.zip");
        assert_eq!(short_source("leak/finance.zip \u{203A} tomas/Inbox/0003.eml"), "finance.zip \u{203A} tomas/Inbox/0003.eml");
        assert_eq!(short_source("mail.mbox"), "mail.mbox");
    }
}
