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
    /// Bytes per second, once known.
    pub rate: Option<f64>,
    /// Seconds left, once known.
    pub eta: Option<f64>,
    /// Byte-identical copies folded into one message.
    pub copies: u64,
    /// The worker's wasm memory in bytes.
    pub worker_memory: u64,
    /// Bytes the search index takes in the worker.
    pub index_memory: u64,
    /// Why indexing stopped before the last message, if it did.
    pub index_stopped: Option<String>,
    /// Called with picked files and their paths.
    pub on_files: Callback<Vec<(web_sys::File, String)>>,
    /// Stop reading.
    pub on_cancel: Callback<()>,
    /// The search in force.
    pub search: Option<crate::state::SearchState>,
    /// Run a query (Enter in the search box).
    pub on_search: Callback<String>,
    /// (indexed, total) messages of the search index.
    pub index_progress: (u32, u32),
    /// Open or close the case panel.
    pub on_case: Callback<()>,
    /// Whether it is open.
    pub case_open: bool,
    /// The demo leak was loaded: offer its guide.
    #[prop_or_default]
    pub guide_available: bool,
    /// Whether the guide is open.
    #[prop_or_default]
    pub guide_open: bool,
    /// Open or close the guide.
    #[prop_or_default]
    pub on_guide: Callback<()>,
    /// Whether the Forensics view is open.
    #[prop_or_default]
    pub forensics_open: bool,
    /// Kinds of findings across the dump, once known (shown on the Forensics button).
    #[prop_or_default]
    pub forensics_count: Option<usize>,
    /// Open or close the Forensics view.
    #[prop_or_default]
    pub on_forensics: Callback<()>,
}

/// "0:42", "1:02:03".
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
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
    // `webkitdirectory` is not in Yew's typed attributes: set it once the input exists.
    let folder_input = use_node_ref();
    {
        let folder_input = folder_input.clone();
        use_effect_with((), move |_| {
            if let Some(input) = folder_input.cast::<web_sys::Element>() {
                let _ = input.set_attribute("webkitdirectory", "");
            }
        });
    }
    let status = match p.phase {
        Phase::Idle => "No files yet".to_string(),
        Phase::Working => {
            let mut t = format!("Reading… {} of {}", format::bytes(p.bytes_done), format::bytes(p.bytes_total));
            if let Some(rate) = p.rate {
                t.push_str(&format!(" · {}/s", format::bytes(rate as u64)));
            }
            if let Some(eta) = p.eta {
                t.push_str(&format!(" · {} left", clock(eta)));
            }
            t
        }
        Phase::Done => format!("{} read ({})", format::plural(p.files as u64, "file", "files"), format::bytes(p.bytes_total)),
    };
    let max = p.bytes_total.max(1).to_string();
    let value = p.bytes_done.min(p.bytes_total).to_string();
    html! {
        <header class="toolbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">{ "◉" }</span>
                <span class="name">{ "Leakloupe" }</span>
                <span class="offline" title="Nothing leaves this browser: the page cannot contact any server, its Content-Security-Policy forbids it.">
                    { "offline" }<span class="offline-more">{ " · nothing leaves this browser" }</span>
                </span>
            </div>
            <label class="button primary">
                { "Open files…" }
                <input type="file" multiple=true class="visually-hidden" data-testid="file-input"
                    accept=".eml,.mbox,.mbx,.txt,message/rfc822,application/mbox,*/*" onchange={on_change.clone()} />
            </label>
            <label class="button" title="Pick a folder: a Maildir, an MH folder, or a folder of .eml files">
                { "Open folder…" }
                <input type="file" multiple=true class="visually-hidden" data-testid="folder-input"
                    ref={folder_input.clone()} onchange={on_change.clone()} />
            </label>
            <div class="status" data-testid="ingest-status" data-state={p.phase.label()} aria-live="polite"
                data-bytes-done={p.bytes_done.to_string()} data-worker-memory={p.worker_memory.to_string()}
                data-index-memory={p.index_memory.to_string()}
                title={format!("Worker memory: {}, of which the search index {}", format::bytes(p.worker_memory), format::bytes(p.index_memory))}>
                <progress max={max} value={value} class={classes!((p.phase != Phase::Working).then_some("idle"))}></progress>
                <span class="status-text">{ status }</span>
                if p.phase == Phase::Working {
                    <button class="button small" data-testid="cancel" onclick={p.on_cancel.reform(|_| ())}
                        title="Stop reading; everything loaded so far is kept">{ "Cancel" }</button>
                }
            </div>
            <div class="search">
                <input type="search" data-testid="search-input" placeholder="Search: words, \"phrases\", from: to: has:attachment after:2017-01-01 …"
                    aria-label="Search the loaded mail" spellcheck="false"
                    title="Gmail-style: words, \"exact phrases\", -not, OR, ( ), from: to: cc: subject: filename: domain: has:attachment has:html before: after: on: larger: smaller:"
                    onkeydown={{
                        let on_search = p.on_search.clone();
                        Callback::from(move |e: KeyboardEvent| {
                            if e.key() == "Enter" {
                                let input: HtmlInputElement = e.target_unchecked_into();
                                on_search.emit(input.value());
                            }
                        })
                    }} />
                if let Some(why) = &p.index_stopped {
                    <span class="query-problem" data-testid="index-stopped" title={why.clone()}>
                        { format!("search covers {} of {} messages", p.index_progress.0, p.index_progress.1) }
                    </span>
                } else if p.index_progress.0 < p.index_progress.1 {
                    <span class="muted" data-testid="index-progress" title="Search covers the messages indexed so far">
                        { format!("indexing {}%", u64::from(p.index_progress.0) * 100 / u64::from(p.index_progress.1.max(1))) }
                    </span>
                }
                if let Some(s) = &p.search {
                    if let Some(problem) = &s.problem {
                        <span class="query-problem" data-testid="query-problem">{ format!("column {}: {}", problem.column, problem.message) }</span>
                    } else if let Some(hits) = &s.hits {
                        <span class="result-count"><span data-testid="result-count">{ hits.len() }</span>{ " found" }</span>
                    }
                }
            </div>
            <button class={classes!("button", "fx-toggle", p.forensics_open.then_some("on"))} data-testid="forensics-toggle"
                aria-pressed={p.forensics_open.to_string()} onclick={p.on_forensics.reform(|_: MouseEvent| ())}
                title="Findings across the whole drop, sender profiles, authors and editors, edit bursts">
                { "Forensics" }
                if let Some(n) = p.forensics_count { <span class="fx-badge">{ n }</span> }
            </button>
            <button class={classes!("button", p.case_open.then_some("on"))} data-testid="case-toggle" aria-pressed={p.case_open.to_string()}
                onclick={p.on_case.reform(|_| ())} title="Saved searches, exports, and what this browser stores">{ "Case" }</button>
            if p.guide_available {
                <button class={classes!("button", "guide-toggle", p.guide_open.then_some("on"))} data-testid="guide-toggle"
                    aria-pressed={p.guide_open.to_string()} onclick={p.on_guide.reform(|_| ())}
                    title="The demo leak's exercises">{ "Guide" }</button>
            }
            <div class="count">
                <span data-testid="message-count">{ p.messages }</span>
                <span class="count-label">{ if p.messages == 1 { " message" } else { " messages" } }</span>
                if p.copies > 0 {
                    <span class="count-label copies" title="Byte-identical copies found in several places are one message with several locations">
                        { format!(" (+{}", format::count(p.copies)) }<span class="copies-more">{ " duplicate copies" }</span>{ ")" }
                    </span>
                }
            </div>
        </header>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_formats() {
        assert_eq!(super::clock(42.4), "0:42");
        assert_eq!(super::clock(3723.0), "1:02:03");
        assert_eq!(super::clock(-1.0), "0:00");
    }
}
