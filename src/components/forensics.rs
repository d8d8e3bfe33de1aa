//! The Forensics view: dump-wide findings, sender profiles, authors and editors, and edit bursts,
//! in tabs, over the reader while the message list stays beside it. Clicking a finding runs the
//! search `finding:<code>`, so the list shows exactly the messages that carry it; clicking a
//! document or a message opens it in the reader.
//!
//! Also here: the printable reports. [`ReportButton`] saves one message's report (built on the page
//! from the reader's view); [`ReportSaver`] saves the selection report the worker built. Both save a
//! Blob URL download; the HTML is built in [`crate::report`], where every value is escaped.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::{ForensicsView, MessageId, MessageView, Severity};
use crate::report;
use crate::state::{Forensics, ForensicsTab, ReportFile, Rows};

/// Offer an HTML document as a download through a temporary Blob URL.
fn save_html(name: &str, html: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(html));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/html;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(a) = gloo::utils::document().create_element("a").ok().and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The click has started the download; the URL can go later.
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// Report button properties.
#[derive(Properties, PartialEq)]
pub struct ReportButtonProps {
    /// The open message.
    pub view: Rc<MessageView>,
    /// The dump-wide views, for the findings about this message they hold.
    pub forensics: Option<Rc<ForensicsView>>,
}

/// "Report": saves the open message's printable HTML report.
#[component(ReportButton)]
pub fn report_button(p: &ReportButtonProps) -> Html {
    let onclick = {
        let view = p.view.clone();
        let forensics = p.forensics.clone();
        Callback::from(move |_: MouseEvent| {
            let extra = forensics.as_deref().map(|f| report::dump_findings(f, view.id)).unwrap_or_default();
            let html = report::message_report(&view, &extra, &report::generated_now());
            let what = if view.row.subject.trim().is_empty() { format!("message-{}", view.id) } else { view.row.subject.clone() };
            save_html(&report::file_name(&what), &html);
        })
    };
    html! {
        <button class="button small" data-testid="report-message" {onclick}
            title="Save a printable HTML report of this message: hashes, locations, DKIM with key sources, hops, findings, attachments and their metadata">
            { "Report" }
        </button>
    }
}

/// Report saver properties.
#[derive(Properties, PartialEq)]
pub struct ReportSaverProps {
    /// The latest selection report.
    pub report: Option<Rc<ReportFile>>,
    /// Called once it was offered for saving.
    pub on_saved: Callback<()>,
}

/// Saves each selection report the worker sends, once. Renders nothing.
#[component(ReportSaver)]
pub fn report_saver(p: &ReportSaverProps) -> Html {
    let serial = p.report.as_ref().map(|r| r.serial);
    {
        let report = p.report.clone();
        let on_saved = p.on_saved.clone();
        use_effect_with(serial, move |_| {
            if let Some(r) = report.filter(|r| !r.html.is_empty()) {
                save_html(&r.file_name, &r.html);
                on_saved.emit(());
            }
        });
    }
    html! {}
}

/// Forensics view properties.
#[derive(Properties, PartialEq)]
pub struct ForensicsProps {
    /// Its state.
    pub state: Forensics,
    /// The message rows, to name the messages it links to.
    pub rows: Rows,
    /// (indexed, total) of the search index: the views come once it is built.
    pub index_progress: (u32, u32),
    /// The query in force, to mark the finding it shows.
    pub query: Option<String>,
    /// How many messages the list shows (what a selection report holds).
    pub listed: usize,
    /// Run a query.
    pub on_search: Callback<String>,
    /// Open a message.
    pub on_select: Callback<MessageId>,
    /// Switch tabs.
    pub on_tab: Callback<ForensicsTab>,
    /// Close the view.
    pub on_close: Callback<()>,
    /// Find edit bursts for (N documents, M minutes).
    pub on_bursts: Callback<(u32, u32)>,
    /// Report on the listed messages.
    pub on_report: Callback<()>,
}

/// Subjects and dates of the messages the view links to.
type Labels = HashMap<MessageId, (String, String)>;

fn labels_for(view: &ForensicsView, rows: &Rows) -> Labels {
    let mut wanted: HashSet<MessageId> = HashSet::new();
    for s in &view.senders {
        for i in &s.inconsistencies {
            wanted.extend(i.messages.iter().take(MAX_LINKS));
        }
    }
    wanted.extend(view.script_findings.iter().map(|f| f.message));
    for b in &view.bursts.bursts {
        wanted.extend(b.docs.iter().map(|d| d.message));
    }
    for a in &view.authors {
        wanted.extend(a.refs.first().map(|r| r.0));
    }
    for k in &view.signing_keys {
        wanted.extend(k.failing.iter().take(MAX_LINKS));
    }
    rows.borrow()
        .iter()
        .filter(|r| wanted.contains(&r.id))
        .map(|r| {
            let subject = if r.subject.trim().is_empty() { "(no subject)".to_string() } else { r.subject.clone() };
            let date = r.date.as_ref().map(|d| d.utc.get(..10).unwrap_or(&d.utc).to_string()).unwrap_or_default();
            (r.id, (subject, date))
        })
        .collect()
}

/// Message links shown per inconsistency; the rest are counted.
const MAX_LINKS: usize = 6;

fn message_link(id: MessageId, labels: &Labels, on_select: &Callback<MessageId>, testid: &'static str) -> Html {
    let (subject, date) = labels.get(&id).cloned().unwrap_or_else(|| (format!("message {id}"), String::new()));
    let open = on_select.reform(move |_: MouseEvent| id);
    html! {
        <button class="fx-msg" data-testid={testid} data-message={id.to_string()} onclick={open} title="Open this message">
            if !date.is_empty() { <span class="fx-msg-date">{ date }</span> }
            <span class="fx-msg-subject">{ subject }</span>
        </button>
    }
}

fn severity_badge(s: Severity) -> Html {
    html! { <span class={classes!("sev", s.label())}>{ s.label() }</span> }
}

/// The Forensics view.
#[component(ForensicsPanel)]
pub fn forensics_panel(p: &ForensicsProps) -> Html {
    let labels = {
        let key = (p.state.view.as_ref().map(|v| Rc::as_ptr(v) as usize), p.rows.clone());
        let view = p.state.view.clone();
        use_memo(key, move |(_, rows)| view.as_deref().map(|v| labels_for(v, rows)).unwrap_or_default())
    };
    let close = p.on_close.reform(|_: MouseEvent| ());
    let head = html! {
        <header class="fx-head">
            <h2>{ "Forensics" }</h2>
            <span class="fx-scope">
            if let Some(v) = &p.state.view {
                { format!("across {} · {}", format::plural(u64::from(v.messages), "message", "messages"),
                    format::plural(u64::from(v.documents), "document with a person name", "documents with a person name")) }
            }
            </span>
            <button class="button small" data-testid="report-selection" disabled={p.state.report_pending || p.listed == 0}
                onclick={p.on_report.reform(|_: MouseEvent| ())}
                title={format!("Save a printable HTML report of the messages the list shows (at most {})", report::REPORT_LIMIT)}>
                { if p.state.report_pending { "Building report…".to_string() } else {
                    format!("Report on {} listed", format::plural(p.listed.min(report::REPORT_LIMIT) as u64, "message", "messages")) } }
            </button>
            <button class="button small" data-testid="forensics-close" onclick={close} title="Back to the reader">{ "Close" }</button>
        </header>
    };
    let Some(view) = p.state.view.clone() else {
        let (done, total) = p.index_progress;
        let text = if total == 0 {
            "Drop mail first: findings, sender profiles and authors appear once it is indexed.".to_string()
        } else {
            format!("Findings, sender profiles and authors appear once the index is built ({}% so far).", u64::from(done) * 100 / u64::from(total.max(1)))
        };
        return html! {
            <div class="fx-view" data-testid="forensics-view" data-ready="false">{ head }<p class="fx-empty">{ text }</p></div>
        };
    };
    let inconsistent = view.senders.iter().filter(|s| !s.inconsistencies.is_empty()).count();
    let flagged = view.authors.iter().filter(|a| !a.flags.is_empty()).count();
    let tabs = [
        (ForensicsTab::Findings, "Findings", view.findings.len(), false),
        (ForensicsTab::Senders, "Senders", inconsistent, inconsistent > 0),
        (ForensicsTab::Authors, "Authors", flagged, flagged > 0),
        (ForensicsTab::Bursts, "Edit bursts", view.bursts.bursts.len(), !view.bursts.bursts.is_empty()),
        (ForensicsTab::Signatures, "Signatures", view.signing_keys.len(), view.signing_keys.iter().any(|k| k.fail > 0)),
    ];
    let body = match p.state.tab {
        ForensicsTab::Findings => findings_tab(&view, p),
        ForensicsTab::Senders => senders_tab(&view, p, &labels),
        ForensicsTab::Authors => authors_tab(&view, p, &labels),
        ForensicsTab::Bursts => html! { <BurstsTab view={view.clone()} labels={labels.clone()} on_select={p.on_select.clone()} on_bursts={p.on_bursts.clone()} /> },
        ForensicsTab::Signatures => signatures_tab(&view, p, &labels),
    };
    html! {
        <div class="fx-view" data-testid="forensics-view" data-ready="true">
            { head }
            <nav class="tabs fx-tabs" role="tablist">
            { for tabs.iter().map(|&(tab, label, n, alert)| {
                let pick = p.on_tab.reform(move |_: MouseEvent| tab);
                let testid = match tab {
                    ForensicsTab::Findings => "forensics-tab-findings",
                    ForensicsTab::Senders => "forensics-tab-senders",
                    ForensicsTab::Authors => "forensics-tab-authors",
                    ForensicsTab::Bursts => "forensics-tab-bursts",
                    ForensicsTab::Signatures => "forensics-tab-signatures",
                };
                html! {
                    <button role="tab" class={classes!("tab", (p.state.tab == tab).then_some("active"))} data-testid={testid}
                        aria-selected={(p.state.tab == tab).to_string()} onclick={pick}>
                        { label }<span class={classes!("fx-tab-count", alert.then_some("alert"))}>{ n }</span>
                    </button>
                }
            }) }
            </nav>
            <div class="fx-body">{ body }</div>
        </div>
    }
}

fn findings_tab(view: &ForensicsView, p: &ForensicsProps) -> Html {
    if view.findings.is_empty() {
        return html! { <p class="fx-empty">{ format!("No findings across the {} messages analysed.", format::count(u64::from(view.messages))) }</p> };
    }
    let active = p.query.as_deref().map(str::trim).and_then(|q| q.strip_prefix("finding:")).map(str::to_string);
    html! {
        <>
        <p class="fx-hint">{ "One line per kind of finding, most serious first. Click one to list its messages." }</p>
        <div class="fx-findings" role="list">
        { for view.findings.iter().map(|g| {
            let query = format!("finding:{}", g.code);
            let run = p.on_search.reform(move |_: MouseEvent| query.clone());
            let on = active.as_deref() == Some(g.code.as_str());
            html! {
                <button role="listitem" class={classes!("fx-finding", g.severity.label(), on.then_some("active"))} data-testid="forensic-finding"
                    data-code={g.code.clone()} data-count={g.messages.to_string()} data-severity={g.severity.label()} onclick={run}
                    title={format!("Search finding:{}", g.code)}>
                    { severity_badge(g.severity) }
                    <span class="fx-finding-main">
                        <span class="fx-code">{ g.code.clone() }<span class="fx-source">{ g.source.clone() }</span></span>
                        <span class="fx-sample">{ g.sample.clone() }</span>
                    </span>
                    <span class="fx-count">
                        <strong>{ format::count(u64::from(g.messages)) }</strong>
                        { if g.messages == 1 { " message" } else { " messages" } }
                        if g.count != g.messages { <span class="muted">{ format!("{} findings", format::count(u64::from(g.count))) }</span> }
                    </span>
                </button>
            }
        }) }
        </div>
        </>
    }
}

/// "2017-04-27 10:02–10:08 UTC" within a day, "2001-05-19 – 2005-07-18" across days.
fn date_range(first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(f), Some(l)) if f == l => f.to_string(),
        (Some(f), Some(l)) => match (f.get(..10), l.get(..10), l.get(11..16)) {
            (Some(d1), Some(d2), Some(t2)) if d1 == d2 => format!("{} – {t2} UTC", f.trim_end_matches(" UTC")),
            (Some(d1), Some(d2), _) => format!("{d1} – {d2}"),
            _ => format!("{f} – {l}"),
        },
        (Some(f), None) => f.to_string(),
        _ => "—".to_string(),
    }
}

fn chips(values: &[(String, u32)]) -> Html {
    if values.is_empty() {
        return html! { <span class="muted">{ "—" }</span> };
    }
    html! { <>{ for values.iter().map(|(v, n)| html! { <span class="fx-chip">{ v.clone() }<span class="chip-count">{ format!("×{n}") }</span></span> }) }</> }
}

/// DKIM per signing key: counts, period, month by month, and what the pattern means (a replaced key makes
/// everything fail from a date; an altered message fails alone among passes).
fn signatures_tab(view: &ForensicsView, p: &ForensicsProps, labels: &Labels) -> Html {
    if view.signing_keys.is_empty() {
        return html! { <p class="fx-empty">{ "No message carries a DKIM signature." }</p> };
    }
    html! {
        <>
        <p class="fx-hint">{ "Every DKIM key (domain and selector) that signed mail in this drop, with its verdicts month by month. A key replaced under the same name makes everything fail from a date on; an altered message fails alone among messages that verify with the same key; a key not in the store leaves its mail unchecked, not forged." }</p>
        { for view.signing_keys.iter().map(|k| {
            let query = format!("domain:{}", k.domain);
            let list = p.on_search.reform(move |_: MouseEvent| query.clone());
            let concern = matches!(k.pattern.as_str(), "isolated-failures" | "all-fail" | "fails-from-a-date" | "mixed");
            html! {
                <article class={classes!("fx-key", concern.then_some("inconsistent"))} data-testid="signing-key"
                    data-domain={k.domain.clone()} data-selector={k.selector.clone()} data-pattern={k.pattern.clone()}
                    data-pass={k.pass.to_string()} data-fail={k.fail.to_string()} data-unchecked={k.unchecked.to_string()}>
                    <header>
                        <span class="fx-addr">{ format!("{} · s={}", k.domain, k.selector) }</span>
                        <button class="link" onclick={list} title={format!("Search domain:{}", k.domain)}>{ date_range(k.first.as_deref(), k.last.as_deref()) }</button>
                    </header>
                    <p class="fx-key-counts">
                        <span class="verdict pass">{ format!("{} pass", k.pass) }</span>
                        if k.fail > 0 { <span class="verdict fail">{ format!("{} fail", k.fail) }</span> }
                        if k.unchecked > 0 { <span class="verdict neutral">{ format!("{} unchecked", k.unchecked) }</span> }
                        if k.error > 0 { <span class="verdict permerror">{ format!("{} error", k.error) }</span> }
                    </p>
                    <p class="fx-key-pattern" data-testid="signing-key-pattern">{ format!("{}.", capitalise(&k.explain)) }</p>
                    <table class="fx-months">
                        <thead><tr><th>{ "Month" }</th><th>{ "pass" }</th><th>{ "fail" }</th><th>{ "unchecked" }</th></tr></thead>
                        <tbody>
                        { for k.months.iter().map(|(m, pass, fail, other)| html! {
                            <tr class={classes!((*fail > 0).then_some("has-fail"))}>
                                <td>{ m.clone() }</td><td>{ pass }</td><td>{ fail }</td><td>{ other }</td>
                            </tr>
                        }) }
                        </tbody>
                    </table>
                    if !k.failing.is_empty() {
                        <p class="fx-links">
                            <span class="muted">{ "Failing: " }</span>
                            { for k.failing.iter().take(MAX_LINKS).map(|&m| message_link(m, labels, &p.on_select, "signing-key-failing")) }
                            if k.failing.len() > MAX_LINKS { <span class="muted">{ format!("and {} more", k.failing.len() - MAX_LINKS) }</span> }
                        </p>
                    }
                </article>
            }
        }) }
        </>
    }
}

/// Messages per hour of the day as 24 bars (0–23 h on the sender's own clock), the count in each tooltip.
fn hours_strip(hours: &[u32]) -> Html {
    let max = hours.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return html! { <span class="muted">{ "—" }</span> };
    }
    html! {
        <span class="fx-hours" data-testid="sender-hours" data-hours={hours.iter().map(u32::to_string).collect::<Vec<_>>().join(",")}
            role="img" aria-label="Messages per hour of the day, on the sender's own clock">
            { for hours.iter().enumerate().map(|(h, &n)| {
                // Whole tenths of the tallest bar, as a class: the page's CSP allows no style attributes.
                let level = if n == 0 { 0 } else { (n * 10).div_ceil(max).max(1) };
                html! { <span class={classes!("fx-hour", format!("l{level}"))} title={format!("{h:02}:00–{h:02}:59: {}", format::plural(u64::from(n), "message", "messages"))}></span> }
            }) }
            <span class="fx-hours-axis" aria-hidden="true"><span>{ "0" }</span><span>{ "6" }</span><span>{ "12" }</span><span>{ "18" }</span><span>{ "24" }</span></span>
        </span>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn senders_tab(view: &ForensicsView, p: &ForensicsProps, labels: &Labels) -> Html {
    if view.senders.is_empty() {
        return html! { <p class="fx-empty">{ "No message has a readable From address." }</p> };
    }
    html! {
        <>
        <p class="fx-hint">{ "How each sender's mail was written: mail program, Message-ID form, time zone, and the hours of the day (on the sender's own clock) it was written at. A sudden change is flagged with the message it happened on." }</p>
        { for view.notes.iter().filter(|n| n.contains("senders")).map(|n| html! { <p class="fx-note">{ n.clone() }</p> }) }
        { for view.senders.iter().map(|s| {
            let from = format!("from:{}", s.sender);
            let list = p.on_search.reform(move |_: MouseEvent| from.clone());
            html! {
                <article class={classes!("fx-sender", (!s.inconsistencies.is_empty()).then_some("inconsistent"))} data-testid="sender-profile"
                    data-sender={s.sender.clone()} data-inconsistencies={s.inconsistencies.len().to_string()}>
                    <header>
                        <span class="fx-addr">{ s.sender.clone() }</span>
                        <button class="link" onclick={list} title="List this sender's messages">{ format::plural(u64::from(s.messages), "message", "messages") }</button>
                        if !s.inconsistencies.is_empty() {
                            <span class="fx-flag">{ format::plural(s.inconsistencies.len() as u64, "inconsistency", "inconsistencies") }</span>
                        }
                    </header>
                    <dl class="fx-habits">
                        <dt>{ "Mail program" }</dt><dd>{ chips(&s.mailers) }</dd>
                        <dt>{ "Message-ID" }</dt><dd>{ chips(&s.message_id_styles) }</dd>
                        if !s.message_id_domains.is_empty() { <dt>{ "Message-ID domain" }</dt><dd>{ chips(&s.message_id_domains) }</dd> }
                        <dt>{ "Time zone" }</dt><dd>{ chips(&s.timezones) }</dd>
                        <dt>{ "Hours (own clock)" }</dt><dd>{ hours_strip(&s.hours) }</dd>
                    </dl>
                    if !s.inconsistencies.is_empty() {
                        <ul class="fx-incons">
                        { for s.inconsistencies.iter().map(|i| html! {
                            <li class={i.finding.severity.label()} data-testid="sender-inconsistency" data-code={i.finding.code.clone()}>
                                { severity_badge(i.finding.severity) }
                                <span class="fx-reason">{ i.finding.reason.clone() }</span>
                                <span class="fx-links">
                                    { for i.messages.iter().take(MAX_LINKS).map(|&m| message_link(m, labels, &p.on_select, "inconsistency-message")) }
                                    if i.messages.len() > MAX_LINKS { <span class="muted">{ format!("and {} more", i.messages.len() - MAX_LINKS) }</span> }
                                </span>
                            </li>
                        }) }
                        </ul>
                    }
                </article>
            }
        }) }
        </>
    }
}

fn authors_tab(view: &ForensicsView, p: &ForensicsProps, labels: &Labels) -> Html {
    html! {
        <>
        <p class="fx-hint">
            { "Person names in the attachments' metadata (author, last editor, company …), and the writing system of each. " }
            { match &view.dominant_script {
                Some(d) => format!("Most names in this mailbox are {d}; names in another script are flagged."),
                None => "No writing system is clearly dominant yet (it takes at least 5 names, 60% in one script); only look-alike mixes are flagged.".to_string(),
            } }
        </p>
        { for view.notes.iter().filter(|n| !n.contains("senders")).map(|n| html! { <p class="fx-note" data-testid="forensics-note">{ n.clone() }</p> }) }
        if view.authors.is_empty() {
            <p class="fx-empty">{ "No attachment names a person." }</p>
        } else {
            <table class="fx-authors">
                <colgroup><col class="c-name" /><col class="c-roles" /><col class="c-num" /><col class="c-num" /><col class="c-script" /><col class="c-dates" /></colgroup>
                <thead><tr><th>{ "Name" }</th><th>{ "Fields" }</th><th class="num" title="Distinct documents naming it">{ "Docs" }</th>
                    <th class="num" title="Messages carrying them">{ "Msgs" }</th><th>{ "Script" }</th><th>{ "Dates" }</th></tr></thead>
                <tbody>
                { for view.authors.iter().map(|a| {
                    let flagged = !a.flags.is_empty();
                    let first = a.refs.first().map(|r| r.0);
                    html! {
                        <tr class={classes!(flagged.then_some("flagged"))} data-testid="author-row" data-name={a.name.clone()}
                            data-documents={a.documents.to_string()} data-flagged={flagged.to_string()}>
                            <td class="fx-name">
                                <span class="fx-person">{ a.name.clone() }</span>
                                { for a.flags.iter().map(|f| html! { <span class="fx-why" data-testid="author-flag">{ f.clone() }</span> }) }
                                if a.sender_messages > 0 { <span class="muted">{ format!("also sender of {}", format::plural(u64::from(a.sender_messages), "message", "messages")) }</span> }
                            </td>
                            <td><div class="fx-roles">{ for a.roles.iter().map(|(r, n)| html! { <span>{ r.clone() }<span class="chip-count">{ n }</span></span> }) }</div></td>
                            <td class="num">{ a.documents }</td>
                            <td class="num">
                                if let Some(m) = first {
                                    <button class="link" title="Open the first message carrying one" onclick={p.on_select.reform(move |_: MouseEvent| m)}>{ a.messages }</button>
                                } else { { a.messages } }
                            </td>
                            <td><span class={classes!("fx-script", flagged.then_some("odd"))}>{ a.scripts.join(" + ") }</span></td>
                            <td class="fx-dates">{ date_range(a.first_date.as_deref(), a.last_date.as_deref()) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        }
        if !view.script_findings.is_empty() {
            <h3 class="fx-sub">{ "Where the flagged names appear" }</h3>
            <ul class="fx-incons">
            { for view.script_findings.iter().map(|f| html! {
                <li class={f.finding.severity.label()} data-testid="script-finding" data-code={f.finding.code.clone()}>
                    { severity_badge(f.finding.severity) }
                    <span class="fx-reason">{ f.finding.reason.clone() }</span>
                    <span class="fx-links">{ message_link(f.message, labels, &p.on_select, "script-finding-message") }</span>
                </li>
            }) }
            </ul>
        }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct BurstsProps {
    view: Rc<ForensicsView>,
    labels: Rc<Labels>,
    on_select: Callback<MessageId>,
    on_bursts: Callback<(u32, u32)>,
}

#[component(BurstsTab)]
fn bursts_tab(p: &BurstsProps) -> Html {
    let b = &p.view.bursts;
    let n_ref = use_node_ref();
    let m_ref = use_node_ref();
    let find = {
        let (n_ref, m_ref, on_bursts) = (n_ref.clone(), m_ref.clone(), p.on_bursts.clone());
        let (n0, m0) = (b.min_docs, b.window_minutes);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef, d: u32| r.cast::<HtmlInputElement>().and_then(|i| i.value().trim().parse::<u32>().ok()).unwrap_or(d);
            on_bursts.emit((value(&n_ref, n0).clamp(2, 1000), value(&m_ref, m0).clamp(1, 60 * 24 * 366)));
        })
    };
    html! {
        <>
        <form class="fx-burst-form" onsubmit={find}>
            <span>{ "At least" }</span>
            <input ref={n_ref} type="number" min="2" max="1000" value={b.min_docs.to_string()} data-testid="burst-min-docs" aria-label="Fewest documents" />
            <span>{ "documents last saved by one editor within" }</span>
            <input ref={m_ref} type="number" min="1" value={b.window_minutes.to_string()} data-testid="burst-window" aria-label="Window in minutes" />
            <span>{ "minutes" }</span>
            <button class="button small primary" type="submit" data-testid="burst-find">{ "Find" }</button>
        </form>
        if b.bursts.is_empty() {
            <p class="fx-empty">{ format!("No editor saved {} or more documents within {} minutes.", b.min_docs, b.window_minutes) }</p>
        }
        { for b.bursts.iter().map(|burst| html! {
            <article class="fx-burst" data-testid="edit-burst" data-editor={burst.editor.clone()} data-count={burst.docs.len().to_string()}>
                <header><span class="fx-person">{ burst.editor.clone() }</span><span class="fx-flag">{ format::plural(burst.docs.len() as u64, "document", "documents") }</span></header>
                <p class="fx-reason">{ burst.reason.clone() }</p>
                <ol class="fx-burst-docs">
                { for burst.docs.iter().map(|d| {
                    let id = d.message;
                    let (subject, _) = p.labels.get(&id).cloned().unwrap_or_else(|| (format!("message {id}"), String::new()));
                    html! {
                        <li>
                            <span class="fx-time">{ d.saved.clone() }</span>
                            <button class="fx-doc" data-testid="burst-doc" data-message={id.to_string()} data-file={d.file_name.clone()}
                                onclick={p.on_select.reform(move |_: MouseEvent| id)} title="Open the message carrying it">
                                <span class="fx-file">{ if d.file_name.is_empty() { "(no name)".to_string() } else { d.file_name.clone() } }</span>
                                <span class="fx-msg-subject">{ format!("in “{subject}”") }</span>
                            </button>
                            if d.copies > 1 { <span class="muted">{ format!("{} copies", d.copies) }</span> }
                        </li>
                    }
                }) }
                </ol>
            </article>
        }) }
        </>
    }
}
