//! The ingest log: one entry per file given, in order, with its detected format, size, message
//! count, SHA-256, status, and every problem with its specific reason. Nothing given is left out: a
//! file the app cannot read is listed as an error with the reason. "Export custody CSV" saves every
//! file's and every message's hash and location, for a chain-of-custody record.


use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::format;
use crate::protocol::MessageRow;
use crate::state::{FileEntry, FileStatus};

/// Ingest log properties.
#[derive(Properties, PartialEq)]
pub struct IngestLogProps {
    /// Files in the order given.
    pub files: Vec<FileEntry>,
    /// Messages, for the custody export.
    pub rows: crate::state::Rows,
}

/// One CSV field, quoted when needed (RFC 4180). Fields that a spreadsheet would run as a formula
/// are prefixed with an apostrophe: leaked subjects can be hostile.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The custody record: one line per file, then one per message.
pub fn custody_csv<'r>(files: &[FileEntry], rows: impl IntoIterator<Item = &'r MessageRow>) -> String {
    let mut out = String::from("kind,file,format,size_or_length,offset,sha256,messages_or_copies,message_id,date_utc,from,subject\n");
    for f in files {
        let line = [
            "file".to_string(),
            f.name.clone(),
            f.format.clone().unwrap_or_default(),
            f.size.to_string(),
            String::new(),
            f.sha256.clone(),
            f.messages.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
        out.push_str(&line.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    for r in rows {
        let file = files.iter().find(|f| f.id == r.source).map(|f| f.name.clone()).unwrap_or_default();
        let line = [
            "message".to_string(),
            file,
            String::new(),
            r.length.to_string(),
            r.offset.to_string(),
            r.sha256.clone(),
            r.copies.to_string(),
            r.message_id.clone().unwrap_or_default(),
            r.date.as_ref().map(|d| d.utc.clone()).unwrap_or_default(),
            r.from.clone(),
            r.subject.clone(),
        ];
        out.push_str(&line.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// Offer text as a download through a temporary Blob URL.
fn download(name: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let document = gloo::utils::document();
    if let Some(a) = document.create_element("a").ok().and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The click has started the download; the URL can go once the event loop turns.
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// The ingest log.
#[component(IngestLog)]
pub fn ingest_log(p: &IngestLogProps) -> Html {
    let open = use_state(|| true);
    let errors = p.files.iter().filter(|f| f.status == FileStatus::Error).count();
    let problems: usize =
        p.files.iter().map(|f| f.problems.iter().filter(|pr| pr.severity != crate::protocol::Severity::Info).count()).sum();
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let summary = format!(
        "Ingest log — {}, {} rejected, {}",
        format::plural(p.files.len() as u64, "file", "files"),
        errors,
        format::plural(problems as u64, "problem", "problems")
    );
    let export = {
        let (files, rows) = (p.files.clone(), p.rows.clone());
        Callback::from(move |_: MouseEvent| download("leakloupe-custody.csv", &custody_csv(&files, rows.borrow().iter()), "text/csv"))
    };
    let confirm_close = use_state(|| false);
    // A fresh page is the only complete way to let go of the worker's memory, its files and its index;
    // what the case stored (keyed by file SHA-256) comes back when the same files are opened again.
    let start_over = Callback::from(|_: MouseEvent| {
        let _ = gloo::utils::window().location().reload();
    });
    html! {
        <section class={classes!("ingest-log", (!*open).then_some("closed"))} data-testid="ingest-log" aria-label="Ingest log">
            <div class="log-bar">
                <button class="log-head" onclick={toggle} aria-expanded={open.to_string()}>
                    <span class="chevron">{ if *open { "▾" } else { "▸" } }</span><span>{ summary }</span>
                </button>
                <button class="button small" data-testid="export-custody" onclick={export}
                    title="Save every file's and message's SHA-256 and location as CSV">{ "Export custody CSV" }</button>
                if *confirm_close {
                    <button class="button small danger" data-testid="start-over-confirm" onclick={start_over}
                        title="Reload the page: every loaded file is let go; tags, notes and saved searches stay stored">{ "Close all files?" }</button>
                    <button class="link" onclick={{ let c = confirm_close.clone(); Callback::from(move |_| c.set(false)) }}>{ "Keep them" }</button>
                } else {
                    <button class="button small" data-testid="start-over" onclick={{ let c = confirm_close.clone(); Callback::from(move |_| c.set(true)) }}
                        title="Let go of everything loaded in this tab, to open another leak (or the demo again)">{ "Start over" }</button>
                }
            </div>
            if *open {
                <ol class="log-files">
                { for p.files.iter().map(|f| {
                    let status = match f.status { FileStatus::Reading => "reading", FileStatus::Ok => "ok", FileStatus::Error => "error" };
                    let format = f.format.clone().unwrap_or_else(|| "…".into());
                    html! {
                        <li class={classes!("log-file", status)} data-testid="ingest-file" data-status={status}
                            data-name={f.name.clone()} data-format={format.clone()}>
                            <div class="log-line">
                                <span class={classes!("badge", status)}>{ match f.status {
                                    FileStatus::Reading => "reading",
                                    FileStatus::Ok if f.format.as_deref() == Some("skipped") => "skipped",
                                    FileStatus::Ok if f.format.as_deref() == Some("dkim keys") => "keys",
                                    FileStatus::Ok => "loaded",
                                    FileStatus::Error => "rejected",
                                } }</span>
                                <span class="log-name" title={f.name.clone()}>{ f.name.clone() }</span>
                                <span class="log-format">{ format }</span>
                                <span class="log-size">{ format::bytes(f.size) }</span>
                                <span class="log-count"><span data-testid="ingest-file-messages">{ f.messages }</span>{ if f.messages == 1 { " message" } else { " messages" } }</span>
                            </div>
                            <div class="log-meta">
                                if f.status == FileStatus::Reading && f.size > 0 {
                                    <span>{ format!("{}% read", f.bytes_done.saturating_mul(100) / f.size) }</span>
                                }
                                if f.duplicates > 0 {
                                    <span>{ format!("{} already loaded from elsewhere", format::plural(f.duplicates, "copy", "copies")) }</span>
                                }
                                if !f.sha256.is_empty() {
                                    <span class="hash" title="SHA-256 of the file as read" data-testid="ingest-file-sha256">{ format!("SHA-256 {}", f.sha256) }</span>
                                }
                            </div>
                            if !f.problems.is_empty() {
                                <ul class="log-problems">
                                { for f.problems.iter().map(|pr| html! {
                                    <li class={pr.severity.label()} data-testid="ingest-problem" data-severity={pr.severity.label()}>{ pr.text.clone() }</li>
                                }) }
                                if f.problems_dropped > 0 {
                                    <li class="info">{ format!("… and {} more problems not listed", format::count(f.problems_dropped)) }</li>
                                }
                                </ul>
                            }
                        </li>
                    }
                }) }
                </ol>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
