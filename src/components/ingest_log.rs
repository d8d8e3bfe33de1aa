//! The ingest log: one entry per file given, in order, with its detected format, size, message
//! count, status, and every problem with its specific reason. Nothing given is left out: a file the
//! app cannot read is listed as an error with the reason.

use yew::prelude::*;

use crate::format;
use crate::state::{FileEntry, FileStatus};

/// Ingest log properties.
#[derive(Properties, PartialEq)]
pub struct IngestLogProps {
    /// Files in the order given.
    pub files: Vec<FileEntry>,
}

/// The ingest log.
#[component(IngestLog)]
pub fn ingest_log(p: &IngestLogProps) -> Html {
    let open = use_state(|| true);
    let errors = p.files.iter().filter(|f| f.status == FileStatus::Error).count();
    let problems: usize = p.files.iter().map(|f| f.problems.len()).sum();
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
    html! {
        <section class={classes!("ingest-log", (!*open).then_some("closed"))} data-testid="ingest-log" aria-label="Ingest log">
            <button class="log-head" onclick={toggle} aria-expanded={open.to_string()}>
                <span>{ summary }</span><span class="chevron">{ if *open { "▾" } else { "▸" } }</span>
            </button>
            if *open {
                <ol class="log-files">
                { for p.files.iter().map(|f| {
                    let status = match f.status { FileStatus::Reading => "reading", FileStatus::Ok => "ok", FileStatus::Error => "error" };
                    let format = f.format.clone().unwrap_or_else(|| "…".into());
                    html! {
                        <li class={classes!("log-file", status)} data-testid="ingest-file" data-status={status}
                            data-name={f.name.clone()} data-format={format.clone()}>
                            <div class="log-line">
                                <span class={classes!("badge", status)}>{ match f.status { FileStatus::Reading => "reading", FileStatus::Ok => "loaded", FileStatus::Error => "rejected" } }</span>
                                <span class="log-name" title={f.name.clone()}>{ f.name.clone() }</span>
                                <span class="log-format">{ format }</span>
                                <span class="log-size">{ format::bytes(f.size) }</span>
                                <span class="log-count"><span data-testid="ingest-file-messages">{ f.messages }</span>{ if f.messages == 1 { " message" } else { " messages" } }</span>
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
