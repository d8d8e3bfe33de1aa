//! The case panel: saved searches, exports of the current results, and what this browser stores.
//!
//! Nothing is stored without the user seeing it here: every record is listed with its size, and
//! "Forget everything" deletes the whole store (and empties the case in memory).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format;
use crate::protocol::ExportFormat;
use crate::state::CaseUi;

/// Case panel properties.
#[derive(Properties, PartialEq)]
pub struct CasePanelProps {
    /// The case as the UI knows it.
    pub case: CaseUi,
    /// The query in force ("" for none).
    pub query: String,
    /// Messages the exports cover now.
    pub result_count: usize,
    /// Build an export.
    pub on_export: Callback<ExportFormat>,
    /// Save (name, Some(query)) or remove (name, None) a saved search.
    pub on_save_search: Callback<(String, Option<String>)>,
    /// Run a query.
    pub on_search: Callback<String>,
    /// Erase everything stored.
    pub on_forget: Callback<()>,
    /// Close the panel.
    pub on_close: Callback<()>,
}

/// The case panel.
#[component(CasePanel)]
pub fn case_panel(p: &CasePanelProps) -> Html {
    let name_ref = use_node_ref();
    let confirm = use_state(|| false);
    let c = &p.case;
    let save = {
        let name_ref = name_ref.clone();
        let cb = p.on_save_search.clone();
        let query = p.query.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = name_ref.cast::<HtmlInputElement>() else { return };
            let name = input.value().trim().to_string();
            let name = if name.is_empty() { query.clone() } else { name };
            if !query.trim().is_empty() {
                cb.emit((name, Some(query.clone())));
                input.set_value("");
            }
        })
    };
    let export_button = |format: ExportFormat, label: &str, testid: &'static str| {
        let cb = p.on_export.clone();
        html! { <button class="button small" data-testid={testid} onclick={Callback::from(move |_| cb.emit(format))}>{ label.to_string() }</button> }
    };
    let stored_total: u64 = c.stored.as_ref().map_or(0, |l| l.iter().map(|(_, n)| n).sum());
    html! {
        <aside class="case-panel" data-testid="case-panel" aria-label="Case">
            <div class="case-head">
                <h2>{ "Case" }</h2>
                <button class="link" onclick={p.on_close.reform(|_| ())}>{ "Close" }</button>
            </div>
            <section>
                <h3>{ "Saved searches" }</h3>
                if c.searches.is_empty() {
                    <p class="muted">{ "None yet. Run a search, then save it here." }</p>
                }
                <ul class="saved-searches">
                { for c.searches.iter().map(|(name, query)| {
                    let run = { let cb = p.on_search.clone(); let q = query.clone(); Callback::from(move |_| cb.emit(q.clone())) };
                    let remove = { let cb = p.on_save_search.clone(); let n = name.clone(); Callback::from(move |_| cb.emit((n.clone(), None))) };
                    html! {
                        <li data-testid="saved-search" data-name={name.clone()}>
                            <button class="link" onclick={run} title={query.clone()}>{ name.clone() }</button>
                            <span class="muted hash">{ format!(" {query}") }</span>
                            <button class="link remove" onclick={remove} aria-label={format!("Remove saved search {name}")}>{ "×" }</button>
                        </li>
                    }
                }) }
                </ul>
                <form class="save-search" onsubmit={save}>
                    <input ref={name_ref} type="text" placeholder="Name for the current search" data-testid="saved-search-name"
                        disabled={p.query.trim().is_empty()} />
                    <button class="button small" type="submit" data-testid="save-search" disabled={p.query.trim().is_empty()}>{ "Save search" }</button>
                </form>
            </section>
            <section>
                <h3>{ format!("Export {}", if p.query.trim().is_empty() { format!("all {}", format::plural(p.result_count as u64, "message", "messages")) } else { format!("the {} matching “{}”", format::plural(p.result_count as u64, "message", "messages"), p.query) }) }</h3>
                <div class="export-buttons">
                    { export_button(ExportFormat::Csv, "CSV", "export-csv") }
                    { export_button(ExportFormat::Jsonl, "JSON Lines", "export-jsonl") }
                    { export_button(ExportFormat::Mbox, "mbox (exact bytes)", "export-mbox") }
                    { export_button(ExportFormat::EmlZip, "zip of .eml", "export-zip") }
                    { export_button(ExportFormat::Case, "Case file (tags, notes, searches, keys)", "export-case") }
                </div>
                if let Some((done, total)) = c.export_progress {
                    <p class="muted">{ format!("Building… {done} of {total}") }<progress max={total.to_string()} value={done.to_string()}></progress></p>
                }
                if let Some((name, url, size, summary)) = &c.export {
                    <p class="export-ready">
                        <a class="button primary small" href={url.clone()} download={name.clone()} data-testid="export-save">{ format!("Save {name}") }</a>
                        <span class="muted">{ format!(" {} · {summary}", format::bytes(*size)) }</span>
                    </p>
                }
                <p class="muted">{ "A case file can be dropped on another machine together with the same files: tags, stars, notes, saved searches and DKIM keys come back." }</p>
            </section>
            <section data-testid="storage">
                <h3>{ "Stored in this browser" }</h3>
                { match (c.storage_ok, &c.stored) {
                    (Some(false), _) => html! { <p class="muted" data-testid="storage-summary" data-count="0">{ "This browser refuses storage here (private window or file page): the case lasts until the tab closes. Export it to keep it." }</p> },
                    (_, Some(list)) if list.is_empty() => html! { <p class="muted" data-testid="storage-summary" data-count="0">{ "Nothing. Tags, stars, notes and saved searches are stored here (never anywhere else) as soon as you make them." }</p> },
                    (_, Some(list)) => html! {
                        <>
                            <p data-testid="storage-summary" data-count={list.len().to_string()}>
                                { format!("{} · {} — the case of each file, keyed by the file's SHA-256, so that opening the same file again restores it.", format::plural(list.len() as u64, "record", "records"), format::bytes(stored_total)) }
                            </p>
                            <ul class="stored">{ for list.iter().map(|(k, n)| html! { <li><span class="hash">{ k.clone() }</span>{ format!(" · {}", format::bytes(*n)) }</li> }) }</ul>
                        </>
                    },
                    _ => html! { <p class="muted">{ "Checking…" }</p> },
                } }
                if *confirm {
                    <p class="confirm">
                        { "Erase every tag, star, note, saved search and key stored by Leakloupe in this browser? " }
                        <button class="button small danger" data-testid="forget-confirm" onclick={{ let cb = p.on_forget.clone(); let confirm = confirm.clone(); Callback::from(move |_| { confirm.set(false); cb.emit(()) }) }}>{ "Erase" }</button>
                        <button class="link" onclick={{ let confirm = confirm.clone(); Callback::from(move |_| confirm.set(false)) }}>{ "Keep" }</button>
                    </p>
                } else {
                    <button class="button small danger" data-testid="forget-everything" onclick={{ let confirm = confirm.clone(); Callback::from(move |_| confirm.set(true)) }}>{ "Forget everything" }</button>
                }
                if !c.log.is_empty() {
                    <ul class="case-log">{ for c.log.iter().map(|l| html! { <li data-testid="case-log">{ l.clone() }</li> }) }</ul>
                }
            </section>
        </aside>
    }
}
