//! The top bar: the file picker, the ingest status and progress bar, and the message count.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::app::files_of;
use crate::format;
use crate::state::Phase;

/// Toolbar properties.
#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    /// Ingest phase.
    pub phase: Phase,
    /// Bytes read.
    pub bytes_done: u64,
    /// Bytes queued.
    pub bytes_total: u64,
    /// Messages loaded.
    pub messages: usize,
    /// Files given.
    pub files: usize,
    /// Called with picked files.
    pub on_files: Callback<Vec<web_sys::File>>,
}

/// The toolbar.
#[component(Toolbar)]
pub fn toolbar(p: &ToolbarProps) -> Html {
    let on_change = {
        let on_files = p.on_files.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = files_of(input.files());
            // Clear so picking the same file again still fires a change.
            input.set_value("");
            on_files.emit(files);
        })
    };
    let status = match p.phase {
        Phase::Idle => "No files yet".to_string(),
        Phase::Working => format!(
            "Reading… {} of {}",
            format::bytes(p.bytes_done),
            format::bytes(p.bytes_total)
        ),
        Phase::Done => format!("{} read ({})", format::plural(p.files as u64, "file", "files"), format::bytes(p.bytes_total)),
    };
    let max = p.bytes_total.max(1).to_string();
    let value = p.bytes_done.min(p.bytes_total).to_string();
    html! {
        <header class="toolbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">{ "◉" }</span>
                <span class="name">{ "Leakloupe" }</span>
                <span class="offline" title="This page cannot contact any server: its Content-Security-Policy forbids it.">{ "offline · nothing leaves this browser" }</span>
            </div>
            <label class="button primary">
                { "Open files…" }
                <input type="file" multiple=true class="visually-hidden" data-testid="file-input"
                    accept=".eml,.mbox,.mbx,.txt,message/rfc822,application/mbox,*/*" onchange={on_change} />
            </label>
            <div class="status" data-testid="ingest-status" data-state={p.phase.label()} aria-live="polite">
                <progress max={max} value={value} class={classes!((p.phase != Phase::Working).then_some("idle"))}></progress>
                <span class="status-text">{ status }</span>
            </div>
            <div class="count">
                <span data-testid="message-count">{ p.messages }</span>
                <span class="count-label">{ if p.messages == 1 { " message" } else { " messages" } }</span>
            </div>
        </header>
    }
}
