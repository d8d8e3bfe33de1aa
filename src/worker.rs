//! The Web Worker: the only code that touches `File` objects.
//!
//! It keeps every dropped file as a `File` handle (never the whole file in memory), reads files in
//! chunks with `FileReaderSync`, feeds the chunks to `leakloupe_core::ingest::Ingester`, and sends list
//! rows, problems and progress to the UI in batches. It remembers where each message lives (file +
//! byte span) and re-reads just those bytes when the reader opens it. Between chunks it yields to its
//! event loop, so requests to open a message are answered while a large mbox is still loading.

use std::cell::RefCell;
use std::collections::VecDeque;

use leakloupe_core::diagnostic::Diagnostic;
use leakloupe_core::ingest::{self, IngestSink, Ingester, MessageSpan, Sniffed};
use leakloupe_core::message::{self, MessageSummary};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

use crate::protocol::{self, Event, MessageId, MessageRow, MessageView, Request, SourceId, WorkerInput};

/// Bytes read from a file per step. Large enough to be fast, small enough to stay responsive.
const CHUNK: u64 = 4 * 1024 * 1024;
/// Bytes looked at to decide a file's format.
const SNIFF: u64 = 64 * 1024;
/// At most this many rows go to the UI in one message.
const ROW_BATCH: usize = 2000;
/// At most this many problems per file are sent one by one; the rest are counted.
const MAX_PROBLEMS_PER_SOURCE: u64 = 1000;

/// Where a message lives.
struct Stored {
    source: SourceId,
    span: MessageSpan,
}

/// One file handed to the worker.
struct Source {
    file: File,
    name: String,
}

#[derive(Default)]
struct WorkerState {
    sources: Vec<Option<Source>>,
    messages: Vec<Stored>,
    queue: VecDeque<SourceId>,
    running: bool,
    bytes_total: u64,
    bytes_done: u64,
}

thread_local! {
    static STATE: RefCell<WorkerState> = RefCell::new(WorkerState::default());
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn send(event: &Event) {
    // A failed postMessage means the page is gone; nothing useful is left to do.
    let _ = scope().post_message(&protocol::encode(event));
}

/// Start the worker: listen for the UI and say we are ready.
pub fn run() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        match protocol::decode_for_worker(&ev.data()) {
            Ok(WorkerInput::Files { first, files }) => accept_files(first, files),
            Ok(WorkerInput::Request(req)) => answer(req),
            Err(text) => send(&Event::Failed { text }),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    send(&Event::Ready);
}

fn accept_files(first: SourceId, files: Vec<File>) {
    let start = STATE.with(|st| {
        let mut st = st.borrow_mut();
        for (i, file) in files.into_iter().enumerate() {
            let id = first + i as SourceId;
            let name = file.name();
            let size = file.size() as u64;
            // Ids are chosen by the UI, in order; a table with holes still answers by id.
            if st.sources.len() <= id as usize {
                st.sources.resize_with(id as usize + 1, || None);
            }
            st.sources[id as usize] = Some(Source { file, name: name.clone() });
            st.queue.push_back(id);
            st.bytes_total += size;
            send(&Event::SourceQueued { source: id, name, size });
        }
        let start = !st.running;
        st.running = true;
        start
    });
    if start {
        wasm_bindgen_futures::spawn_local(drain_queue());
    }
}

fn answer(req: Request) {
    match req {
        Request::Open { id } => match open(id) {
            Ok(view) => send(&Event::Opened(Box::new(view))),
            Err(text) => send(&Event::Failed { text }),
        },
    }
}

fn read_range(file: &File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let blob = file
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|_| format!("could not slice {}", file.name()))?;
    let reader = FileReaderSync::new().map_err(|_| "FileReaderSync is not available".to_string())?;
    let buf = reader
        .read_as_array_buffer(&blob)
        .map_err(|e| format!("could not read {}: {}", file.name(), js_error_text(&e)))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

fn js_error_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

fn open(id: MessageId) -> Result<MessageView, String> {
    let (file, name, span, source) = STATE.with(|st| {
        let st = st.borrow();
        let stored = st.messages.get(id as usize).ok_or_else(|| format!("no message {id}"))?;
        let src = st.sources.get(stored.source as usize).and_then(Option::as_ref).ok_or_else(|| format!("no file for message {id}"))?;
        Ok::<_, String>((src.file.clone(), src.name.clone(), stored.span.clone(), stored.source))
    })?;
    let bytes = read_range(&file, span.offset, span.offset + span.len)?;
    let raw = ingest::message_bytes(&span, &bytes);
    let detail = message::read_message(&raw);
    Ok(MessageView::from_detail(id, source, name, detail, |i| {
        message::attachment_bytes(&raw, i).unwrap_or_default()
    }))
}

/// Collects what the core finds in one file and forwards it in batches.
struct Forwarder {
    source: SourceId,
    rows: Vec<MessageRow>,
    found: u64,
    problems: u64,
    dropped: u64,
    fatal: bool,
}

impl Forwarder {
    fn flush(&mut self) {
        if !self.rows.is_empty() {
            send(&Event::Rows(std::mem::take(&mut self.rows)));
        }
    }

    fn problem(&mut self, diagnostic: &Diagnostic) {
        self.problems += 1;
        if self.problems > MAX_PROBLEMS_PER_SOURCE {
            self.dropped += 1;
            return;
        }
        send(&Event::Problem { source: self.source, severity: diagnostic.severity.into(), text: diagnostic.text.clone() });
    }
}

impl IngestSink for Forwarder {
    fn message(&mut self, span: MessageSpan, summary: MessageSummary) {
        let id = STATE.with(|st| {
            let mut st = st.borrow_mut();
            let id = st.messages.len() as MessageId;
            st.messages.push(Stored { source: self.source, span });
            id
        });
        self.rows.push(MessageRow::from_summary(id, self.source, &summary));
        self.found += 1;
        if self.rows.len() >= ROW_BATCH {
            self.flush();
        }
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.problem(&diagnostic);
    }
}

fn progress(extra_messages: u64) {
    STATE.with(|st| {
        let st = st.borrow();
        send(&Event::Progress {
            bytes_done: st.bytes_done,
            bytes_total: st.bytes_total,
            messages: st.messages.len() as u64 + extra_messages,
        });
    });
}

async fn yield_now() {
    gloo::timers::future::TimeoutFuture::new(0).await;
}

async fn drain_queue() {
    loop {
        let next = STATE.with(|st| st.borrow_mut().queue.pop_front());
        let Some(source) = next else { break };
        ingest_source(source).await;
    }
    STATE.with(|st| st.borrow_mut().running = false);
    progress(0);
    send(&Event::Idle);
}

async fn ingest_source(source: SourceId) {
    let Some((file, name)) = STATE.with(|st| st.borrow().sources.get(source as usize).and_then(Option::as_ref).map(|s| (s.file.clone(), s.name.clone())))
    else {
        return;
    };
    let size = file.size() as u64;
    let mut fw = Forwarder { source, rows: Vec::new(), found: 0, problems: 0, dropped: 0, fatal: false };

    let head = match read_range(&file, 0, size.min(SNIFF)) {
        Ok(h) => h,
        Err(text) => {
            send(&Event::SourceDetected { source, format: "unreadable".into() });
            send(&Event::Problem { source, severity: protocol::Severity::Error, text });
            finish_source(&mut fw, size, false);
            return;
        }
    };
    let format = match ingest::sniff(&head, &name) {
        Sniffed::Mail(f) => f,
        Sniffed::Empty => {
            send(&Event::SourceDetected { source, format: "empty".into() });
            send(&Event::Problem {
                source,
                severity: protocol::Severity::Warning,
                text: "empty file: it holds no messages".into(),
            });
            finish_source(&mut fw, size, true);
            return;
        }
        Sniffed::Rejected { reason } => {
            send(&Event::SourceDetected { source, format: "rejected".into() });
            send(&Event::Problem { source, severity: protocol::Severity::Error, text: reason });
            fw.fatal = true;
            finish_source(&mut fw, size, false);
            return;
        }
    };
    send(&Event::SourceDetected { source, format: format.label().into() });

    let mut ingester = Ingester::new(format);
    let mut offset = 0u64;
    while offset < size {
        let end = (offset + CHUNK).min(size);
        match read_range(&file, offset, end) {
            Ok(chunk) => ingester.push(&chunk, &mut fw),
            Err(text) => {
                send(&Event::Problem { source, severity: protocol::Severity::Error, text });
                break;
            }
        }
        STATE.with(|st| st.borrow_mut().bytes_done += end - offset);
        offset = end;
        fw.flush();
        progress(0);
        yield_now().await;
    }
    let _totals = ingester.finish(&mut fw);
    fw.flush();
    // Bytes not read because of an error still count as done for the progress bar.
    STATE.with(|st| st.borrow_mut().bytes_done += size - offset);
    let ok = fw.found > 0 || fw.problems == 0;
    send(&Event::SourceDone { source, ok, messages: fw.found, problems_dropped: fw.dropped });
    progress(0);
}

fn finish_source(fw: &mut Forwarder, size: u64, ok: bool) {
    STATE.with(|st| st.borrow_mut().bytes_done += size);
    send(&Event::SourceDone { source: fw.source, ok: ok && !fw.fatal, messages: 0, problems_dropped: 0 });
    progress(0);
}
