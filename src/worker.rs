//! The Web Worker: the only code that touches `File` objects.
//!
//! It keeps every dropped file as a `File` handle (never the whole file in memory), reads files in
//! chunks with `FileReaderSync`, feeds the chunks to `leakloupe_core::ingest::Ingester`, and sends list
//! rows, problems and progress to the UI in batches. It remembers where each message lives (file +
//! byte span) and re-reads just those bytes when the reader opens it. Between chunks it yields to its
//! event loop, so requests to open a message, or to cancel, are answered while a large mbox is still
//! loading.
//!
//! Chain of custody: every file's bytes are hashed (SHA-256) as they stream past; a message whose
//! bytes were already seen becomes another location of the first one, and a message that shares a
//! Message-ID with different bytes is flagged as a variant (`leakloupe_core::dedup`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;
use std::collections::VecDeque;

use leakloupe_core::analysis;
use leakloupe_core::search;
use leakloupe_core::thread;
use leakloupe_core::auth::{self, KeyStore};
use leakloupe_core::container::{self, ContainerKind, Entry, Limits, Located, RandomAccess};
use leakloupe_core::dedup::{self, DedupIndex, Seen};
use leakloupe_core::diagnostic::Diagnostic;
use leakloupe_core::ingest::embedded::EmbeddedOrigin;
use leakloupe_core::ingest::maildir::{self, PathRole};
use leakloupe_core::ingest::{self, IngestSink, Ingester, MessageSpan, Sniffed};
use leakloupe_core::message::{self, MessageSummary};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use sha2::{Digest, Sha256};
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

use crate::protocol::{self, Event, MessageId, MessageRow, MessageView, Request, SourceId, VariantView, WorkerInput};

mod case;

/// Bytes read from a file per step. Large enough to be fast, small enough to stay responsive.
const CHUNK: u64 = 4 * 1024 * 1024;
/// Largest key-record file read (a zone of DKIM keys is kilobytes; anything far larger is not one).
const MAX_KEY_FILE: u64 = 16 * 1024 * 1024;
/// Bytes looked at to decide a file's format.
const SNIFF: u64 = 64 * 1024;
/// At most this many rows go to the UI in one message.
const ROW_BATCH: usize = 2000;
/// At most this many problems per file are sent one by one; the rest are counted.
const MAX_PROBLEMS_PER_SOURCE: u64 = 1000;

/// One place a message was found: a file, the archive entry inside it (if any), the byte span.
#[derive(Clone)]
struct Location {
    source: SourceId,
    /// The chain of archive entries leading to the file holding the message, shared by every message
    /// of that entry; `None` for a message straight in the dropped file.
    entry: Option<Rc<(Vec<Located>, String)>>,
    span: Span,
    /// For a message found attached to another (forwarded mail): its path of attachment indexes inside
    /// the message at `span` (see `ingest::embedded::embedded_at`).
    path: Option<Rc<[u32]>>,
}

/// A [`MessageSpan`] as kept for every message of a leak: 24 bytes instead of ~80 plus the envelope's
/// text, which only the list row needed (and the row went to the page when the message was found).
#[derive(Clone, Copy)]
struct Span {
    /// 0-based index within the source (saturates: no source holds 4 billion messages).
    index: u32,
    offset: u64,
    len: u64,
    mboxrd_unquote: bool,
    /// Whether the source is an mbox (the span had an envelope).
    mbox: bool,
    kind: ingest::SpanKind,
}

impl Span {
    fn of(span: &MessageSpan) -> Self {
        Span {
            index: u32::try_from(span.index).unwrap_or(u32::MAX),
            offset: span.offset,
            len: span.len,
            mboxrd_unquote: span.mboxrd_unquote,
            mbox: span.envelope.is_some(),
            kind: span.kind,
        }
    }

    /// The core's span again; an mbox envelope comes back empty (its text is not kept).
    fn full(&self) -> MessageSpan {
        MessageSpan {
            index: u64::from(self.index),
            offset: self.offset,
            len: self.len,
            mboxrd_unquote: self.mboxrd_unquote,
            envelope: self.mbox.then(|| ingest::Envelope { from: String::new(), date_unix: None }),
            kind: self.kind,
        }
    }
}

/// Where a message lives: `first` is read; the others hold the same bytes. One of these per message of
/// a leak (48 bytes), so what most messages lack is boxed apart.
struct Stored {
    first: Location,
    more: Option<Box<More>>,
}

/// What few messages have: other copies, attached messages, a parent.
#[derive(Default)]
struct More {
    others: Vec<Location>,
    /// Messages found attached to this one: (id, subject).
    children: Vec<(MessageId, String)>,
    /// The message this one was found attached to.
    parent: Option<MessageId>,
}

// Held once per message of the leak: a size change here is a memory change at 2.6 million messages.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Stored>() == 48 && std::mem::size_of::<Span>() == 24);

impl Stored {
    fn new(first: Location, parent: Option<MessageId>) -> Self {
        Stored { first, more: parent.map(|parent| Box::new(More { parent: Some(parent), ..More::default() })) }
    }

    fn locations(&self) -> impl Iterator<Item = &Location> {
        std::iter::once(&self.first).chain(self.more.iter().flat_map(|m| &m.others))
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }
}

/// A `File` as the core's random-access source for archives: every read is a `Blob.slice` read
/// with `FileReaderSync`. Counts bytes read, for the progress bar.
struct FileAccess {
    file: File,
    read: Cell<u64>,
}

impl RandomAccess for FileAccess {
    fn len(&self) -> u64 {
        self.file.size() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let end = (offset + buf.len() as u64).min(self.len());
        if offset >= end {
            return Ok(0);
        }
        let bytes = read_range(&self.file, offset, end)?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// One file handed to the worker.
struct Source {
    file: File,
    /// Its path relative to what was dropped or picked ("leak/INBOX/cur/1:2,S"); the file name for a
    /// file given on its own.
    name: String,
    /// The mail folder and flags its place in a folder tree says it has.
    folder: Option<String>,
    flags: Vec<String>,
}

#[derive(Default)]
struct WorkerState {
    sources: Vec<Option<Source>>,
    messages: Vec<Stored>,
    queue: VecDeque<SourceId>,
    running: bool,
    cancel: bool,
    dedup: DedupIndex,
    keys: KeyStore,
    /// Every distinct message, linked into threads as it arrives (compact: ids interned, no strings kept
    /// per message).
    threads: thread::Threader,
    /// Full-text index of every distinct message, built after ingest (see `index_pending`).
    index: search::SearchIndex,
    /// Messages below this id are in the index.
    indexed: u32,
    /// Whether the indexing task is running.
    indexing: bool,
    /// Why indexing stopped before the end (memory), once it did.
    index_stopped: Option<String>,
    bytes_total: u64,
    bytes_done: u64,
    /// Folded words of the latest query, highlighted in the message opened next.
    last_terms: Vec<String>,
    /// Apple Mail `.partial.emlx` sources with the `Attachments/NNN/` files that complete them: (file id,
    /// path relative to `Attachments/NNN/`).
    partials: HashMap<SourceId, Vec<(SourceId, String)>>,
    /// Attachment files used to complete a partial message: the partial message's source id.
    partial_parts: HashMap<SourceId, SourceId>,
}

thread_local! {
    static STATE: RefCell<WorkerState> = RefCell::new(WorkerState::default());
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn send(event: &Event) {
    // Every path that finishes a file ends here: the case needs each source's SHA-256.
    if let Event::SourceDone { source, sha256, .. } = event {
        let named = STATE.with(|st| {
            st.try_borrow().ok().and_then(|st| st.sources.get(*source as usize).and_then(Option::as_ref).map(|s| (s.name.clone(), s.file.size() as u64)))
        });
        if let Some((name, size)) = named {
            case::source_hashed(*source, sha256, &name, size);
        }
    }
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

/// The demo leak's files as `File`s made here from the bytes the core builds, so that from now on they are
/// read, hashed, re-read and exported exactly like dropped files.
fn demo_files() -> Vec<(File, String)> {
    leakloupe_core::demo::files()
        .into_iter()
        .filter_map(|f| {
            let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(f.bytes.as_slice()));
            let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
            match File::new_with_u8_array_sequence(&parts, &name) {
                Ok(file) => Some((file, f.path)),
                Err(e) => {
                    send(&Event::Failed { text: format!("the demo file {} could not be made: {e:?}", f.path) });
                    None
                }
            }
        })
        .collect()
}

fn accept_files(first: SourceId, files: Vec<(File, String)>) {
    let start = STATE.with(|st| {
        let mut st = st.borrow_mut();
        for (i, (file, name)) in files.into_iter().enumerate() {
            let id = first + i as SourceId;
            let size = file.size() as u64;
            // Ids are chosen by the UI, in order; a table with holes still answers by id.
            if st.sources.len() <= id as usize {
                st.sources.resize_with(id as usize + 1, || None);
            }
            st.sources[id as usize] = Some(Source { file, name: name.clone(), folder: None, flags: Vec::new() });
            st.queue.push_back(id);
            st.bytes_total += size;
            send(&Event::SourceQueued { source: id, name, size });
        }
        pair_partials(&mut st);
        let start = !st.running;
        st.running = true;
        start
    });
    if start {
        wasm_bindgen_futures::spawn_local(drain_queue());
    }
}

/// Pair every `Messages/NNN.partial.emlx` given with the files of its `Attachments/NNN/` folder (Apple Mail
/// keeps large attachments out of the message there), so that ingest rebuilds the whole message.
fn pair_partials(st: &mut WorkerState) {
    let paths: Vec<(SourceId, String)> =
        st.sources.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (i as SourceId, s.name.clone()))).collect();
    if !paths.iter().any(|(_, p)| p.ends_with(".partial.emlx")) {
        return;
    }
    let names: Vec<&str> = paths.iter().map(|(_, p)| p.as_str()).collect();
    let folder = ingest::emlx_rebuild::pair_partials(&names);
    let id_of = |path: &str| paths.iter().find(|(_, p)| p == path).map(|x| x.0);
    for set in folder.partials {
        let Some(emlx) = id_of(&set.emlx) else { continue };
        let parts: Vec<(SourceId, String)> =
            set.attachments.iter().filter_map(|a| id_of(&a.path).map(|id| (id, a.relative.clone()))).collect();
        for (id, _) in &parts {
            st.partial_parts.insert(*id, emlx);
        }
        st.partials.insert(emlx, parts);
    }
}

/// The message bytes of a `.partial.emlx` source completed from its attachment files, with what the
/// rebuild found; `None` for any other source.
fn rebuilt_partial(source: SourceId) -> Option<Result<ingest::emlx_rebuild::Rebuilt, String>> {
    let (emlx, parts) = STATE.with(|st| {
        let st = st.borrow();
        let parts = st.partials.get(&source)?;
        let file = |id: SourceId| st.sources.get(id as usize).and_then(Option::as_ref).map(|s| s.file.clone());
        let emlx = file(source)?;
        let parts: Vec<(File, String)> = parts.iter().filter_map(|(id, rel)| file(*id).map(|f| (f, rel.clone()))).collect();
        Some((emlx, parts))
    })?;
    let read = |f: &File| read_range(f, 0, f.size() as u64);
    Some((|| {
        let partial = read(&emlx)?;
        let mut files = Vec::with_capacity(parts.len());
        for (f, rel) in &parts {
            files.push((rel.clone(), read(f)?));
        }
        Ok(ingest::emlx_rebuild::rebuild_partial(&partial, &files))
    })())
}

/// Bytes `[start, end)` of a source file as ingest saw it: the file itself, or a rebuilt partial message.
fn source_range(source: SourceId, file: &File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    match rebuilt_partial(source) {
        None => read_range(file, start, end),
        Some(rebuilt) => {
            let bytes = rebuilt?.bytes;
            let (a, b) = (usize::try_from(start).unwrap_or(usize::MAX), usize::try_from(end).unwrap_or(usize::MAX));
            bytes.get(a..b.min(bytes.len())).map(<[u8]>::to_vec).ok_or_else(|| "the rebuilt message is shorter than expected".to_string())
        }
    }
}

fn answer(req: Request) {
    match req {
        Request::Open { id } => match open(id) {
            Ok(view) => send(&Event::Opened(Box::new(view))),
            Err(text) => send(&Event::Failed { text }),
        },
        Request::Search { query } => send(&run_search(query)),
        // Forensics (src/forensics.rs): edit bursts for other thresholds, and selection reports.
        Request::EditBursts { min_docs, window_minutes } => send(&crate::forensics::bursts(min_docs, window_minutes)),
        Request::Report { ids, total, title } => {
            wasm_bindgen_futures::spawn_local(crate::forensics::selection_report(ids, total, title, open, send))
        }
        Request::Annotate { id, sha256, change } => case::annotate(id, &sha256, change),
        Request::LoadCase { json, origin } => case::load(&json, origin),
        Request::SaveSearch { name, query } => case::save_search(&name, query.as_deref()),
        Request::ForgetCase => case::forget(),
        Request::LoadDemo { first } => accept_files(first, demo_files()),
        Request::VerifyEdited { id, raw, at } => {
            let reports = STATE.with(|st| auth::dkim::verify_message(raw.as_bytes(), &st.borrow().keys, at));
            send(&Event::VerifiedEdit { id, dkim: reports.into_iter().map(Into::into).collect() });
        }
        Request::Export { format, ids } => wasm_bindgen_futures::spawn_local(case::export(format, ids)),
        Request::Cancel => STATE.with(|st| {
            let mut st = st.borrow_mut();
            if st.running {
                st.cancel = true;
            }
        }),
    }
}

fn read_range(file: &File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    read_range_into(file, start, end, &mut out)?;
    Ok(out)
}

/// [`read_range`] into a buffer the caller keeps (the ingest loop reuses one for the whole file).
fn read_range_into(file: &File, start: u64, end: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let blob = file
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|_| format!("could not slice {}", file.name()))?;
    let reader = FileReaderSync::new().map_err(|_| "FileReaderSync is not available".to_string())?;
    let buf = reader
        .read_as_array_buffer(&blob)
        .map_err(|e| format!("could not read {}: {}", file.name(), js_error_text(&e)))?;
    let view = js_sys::Uint8Array::new(&buf);
    out.resize(view.length() as usize, 0);
    view.copy_to(out);
    Ok(())
}

fn js_error_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

fn run_search(query: String) -> Event {
    let event = STATE.with(|st| {
        let st = st.borrow();
        match st.index.parse(&query) {
            Ok(q) => {
                let hits = st.index.search(&q);
                let facets = [
                    ("Senders", "from", search::FacetKind::Senders, false),
                    ("Recipients", "to", search::FacetKind::Recipients, false),
                    ("Sender domains", "domain", search::FacetKind::SenderDomains, false),
                    ("Months", "on", search::FacetKind::Months, true),
                    ("Attachment types", "type", search::FacetKind::AttachmentTypes, false),
                    ("Tags", "tag", search::FacetKind::Tags, false),
                ]
                .into_iter()
                .map(|(name, field, kind, months)| {
                    // Months stay chronological (the latest 12); the rest show the 8 most frequent.
                    let values = st.index.facets_top(&hits, kind, if months { 12 } else { 8 });
                    protocol::Facet { name: name.into(), field: field.into(), values }
                })
                .filter(|f| !f.values.is_empty())
                .collect();
                Event::SearchResult { terms: st.index.highlight_terms(&q), outcome: Ok(protocol::HitSet::from_ids(hits.into_ids())), query, facets }
            }
            Err(e) => Event::SearchResult {
                outcome: Err(protocol::QueryProblem { message: e.message.clone(), column: e.column() }),
                terms: Vec::new(),
                query,
                facets: Vec::new(),
            },
        }
    });
    // The reader marks these words in the next message opened.
    if let Event::SearchResult { terms, .. } = &event {
        STATE.with(|st| st.borrow_mut().last_terms = terms.clone());
    }
    event
}

/// One stored message read back: its bytes and what the worker knows of where they came from.
struct Loaded {
    name: String,
    loc: Location,
    copies: usize,
    folder: Option<String>,
    flags: Vec<String>,
    raw: Vec<u8>,
    /// How its parent carried it, for a message found attached to another.
    origin: Option<EmbeddedOrigin>,
}

impl Loaded {
    /// The list row, from a summary of `raw` the caller already has (never summarized twice).
    fn row(&self, id: MessageId, summary: &MessageSummary) -> MessageRow {
        let mut row = MessageRow::from_summary(id, self.loc.source, &self.loc.span.full(), summary);
        row.copies = u32::try_from(self.copies).unwrap_or(u32::MAX);
        row.folder = self.folder.clone();
        row.flags = self.flags.clone();
        row
    }
}

/// Read one stored message's bytes from its first location.
fn load(id: MessageId) -> Result<Loaded, String> {
    let (file, name, loc, copies, folder, flags) = STATE.with(|st| {
        let st = st.borrow();
        let stored = st.messages.get(id as usize).ok_or_else(|| format!("no message {id}"))?;
        let loc = &stored.first;
        let src = st.sources.get(loc.source as usize).and_then(Option::as_ref).ok_or_else(|| format!("no file for message {id}"))?;
        Ok::<_, String>((
            src.file.clone(),
            src.name.clone(),
            loc.clone(),
            stored.locations().count(),
            src.folder.clone(),
            src.flags.clone(),
        ))
    })?;
    let span = &loc.span;
    let bytes = match &loc.entry {
        None => source_range(loc.source, &file, span.offset, span.offset + span.len)?,
        Some(entry) => read_from_entry(&file, &entry.0, span)?,
    };
    let (raw, origin) = descend_with_origin(&loc, ingest::message_bytes(&span.full(), &bytes))
        .ok_or_else(|| "the attached message could not be found again inside its parent".to_string())?;
    Ok(Loaded { name, loc, copies, folder, flags, raw, origin })
}

/// The bytes of the message at `loc`, given the bytes of the message its span covers: the same, or, for a
/// message found attached to another, that attachment's bytes.
fn descend(loc: &Location, raw: Vec<u8>) -> Option<Vec<u8>> {
    descend_with_origin(loc, raw).map(|(bytes, _)| bytes)
}

/// [`descend`], also saying how the parent carried the message (`None` for a message of the file itself).
fn descend_with_origin(loc: &Location, raw: Vec<u8>) -> Option<(Vec<u8>, Option<EmbeddedOrigin>)> {
    match &loc.path {
        None => Some((raw, None)),
        Some(path) => ingest::embedded::embedded_at(&raw, path).map(|e| (e.bytes, Some(e.origin))),
    }
}

/// What the reader's Raw tab shows when a message's bytes are not text of its file, as
/// `protocol::raw_with_note` text, and whether it was cut at `protocol::RAW_LIMIT`; `None` when they are
/// (then the bytes are shown with their offsets).
/// An Outlook `.msg` is binary: the Internet headers Outlook kept for it are shown instead. A message
/// found attached to another is shown as decoded (or, inside a `.msg`, rebuilt) from its parent.
fn raw_note(loc: &Location, origin: Option<EmbeddedOrigin>, raw: &[u8]) -> Option<(String, bool)> {
    let at = loc.path.as_ref().map(|p| p.iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join("."));
    let is_msg_file = match origin {
        None => loc.span.kind == ingest::SpanKind::OutlookMsg,
        Some(o) => o == EmbeddedOrigin::MsgFile,
    };
    if is_msg_file {
        let headers = ingest::msg::parse(raw).ok().and_then(|m| m.transport_headers);
        let shown = match &headers {
            Some(_) => "Shown here: the Internet headers Outlook kept for it (PR_TRANSPORT_MESSAGE_HEADERS).",
            None => "Outlook kept no Internet headers for it (PR_TRANSPORT_MESSAGE_HEADERS): its sender, recipients and date come from its own properties.",
        };
        let note = format!(
            "An Outlook .msg file is binary (an OLE compound file of MAPI properties, {}), so its bytes are not shown as text; the SHA-256 is that of the whole file. {shown}",
            crate::format::bytes(raw.len() as u64)
        );
        let text = headers.unwrap_or_default();
        return Some((protocol::raw_with_note(&note, &text), false));
    }
    let note = match (origin, at) {
        (Some(EmbeddedOrigin::OutlookEmbedded), Some(at)) => format!(
            "Attached message {at} is an Outlook message stored inside its parent's .msg file, with no bytes of its own there: this is its RFC 822 rebuild (envelope fields, body and attachments, from its Outlook properties), which Save and the exports write and the SHA-256 covers. Lines are numbered from its first byte."
        ),
        (Some(_), Some(at)) => format!(
            "Attached message {at} as decoded from its parent: lines are numbered from its first byte, not from the start of the file."
        ),
        _ => return None,
    };
    let shown = raw.get(..raw.len().min(protocol::RAW_LIMIT)).unwrap_or(raw);
    Some((protocol::raw_with_note(&note, &String::from_utf8_lossy(shown)), raw.len() > protocol::RAW_LIMIT))
}

/// A message's bytes from inside an archive: decompress the entry again up to the span (archives are
/// never kept in memory, so re-reading costs one pass over the entry).
fn read_from_entry(file: &File, chain: &[Located], span: &Span) -> Result<Vec<u8>, String> {
    with_entry(file, chain, |reader| {
        std::io::copy(&mut reader.take(span.offset), &mut std::io::sink()).map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(usize::try_from(span.len).unwrap_or(0).min(64 << 20));
        reader.take(span.len).read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    })?
}

thread_local! {
    /// The archive that encloses the file last read from inside a nested archive (its chain down to it,
    /// the file it is in, and its bytes): the messages of one nested archive are read one after the other
    /// (the index pass, the reader going down a list), and each would otherwise read the whole nested
    /// archive again. One at a time, dropped when the index pass ends.
    static ENCLOSING: RefCell<Option<(Vec<Located>, File, Rc<Vec<u8>>)>> = const { RefCell::new(None) };
}

/// Call `f` with a reader of the file at the end of `chain` inside `file`. Inside a nested archive, the
/// enclosing archive's bytes come from [`ENCLOSING`] when they are there.
fn with_entry<R>(file: &File, chain: &[Located], f: impl FnOnce(&mut dyn Read) -> R) -> Result<R, String> {
    let limits = Limits::default();
    let access = FileAccess { file: file.clone(), read: Cell::new(0) };
    let Some((last, up)) = chain.split_last().filter(|(_, up)| !up.is_empty()) else {
        let mut reader = container::open_chain(&access, chain, &limits).map_err(|d| d.text)?;
        return Ok(f(&mut reader));
    };
    let cached = ENCLOSING.with(|c| {
        c.borrow().as_ref().filter(|(at, held, _)| at.as_slice() == up && held == file).map(|(_, _, bytes)| Rc::clone(bytes))
    });
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            ENCLOSING.with(|c| c.borrow_mut().take());
            let mut whole = Vec::new();
            container::open_chain(&access, up, &limits)
                .map_err(|d| d.text)?
                .take(limits.max_in_memory_nested)
                .read_to_end(&mut whole)
                .map_err(|e| e.to_string())?;
            let bytes = Rc::new(whole);
            ENCLOSING.with(|c| *c.borrow_mut() = Some((up.to_vec(), file.clone(), Rc::clone(&bytes))));
            bytes
        }
    };
    let mut reader = container::open_chain(&*bytes, std::slice::from_ref(last), &limits).map_err(|d| d.text)?;
    Ok(f(&mut reader))
}

fn location_text(loc: &Location) -> String {
    let (source, span) = (loc.source, &loc.span);
    let name = match &loc.entry {
        Some(entry) => entry.1.clone(),
        None => STATE.with(|st| {
            st.borrow().sources.get(source as usize).and_then(Option::as_ref).map(|s| s.name.clone()).unwrap_or_default()
        }),
    };
    let end = span.offset + span.len;
    let rebuilt = loc.entry.is_none() && STATE.with(|st| st.borrow().partials.contains_key(&source));
    let at = match span.mbox {
        true => format!("{name}, message {} at bytes {}–{}", span.index + 1, span.offset, end),
        false if rebuilt => format!("{name}, rebuilt with its Attachments/ files ({} bytes)", span.len),
        false => format!("{name}, bytes {}–{}", span.offset, end),
    };
    match &loc.path {
        Some(path) => {
            let path: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
            format!("{at} › attached message {}", path.join("."))
        }
        None => at,
    }
}

fn open(id: MessageId) -> Result<MessageView, String> {
    let loaded = load(id)?;
    let detail = message::read_message(&loaded.raw);
    let mut row = loaded.row(id, &detail.summary);
    let Loaded { name, raw, loc, origin, .. } = loaded;
    let (locations, others) = STATE.with(|st| {
        let st = st.borrow();
        let stored = st.messages.get(id as usize);
        let locations: Vec<Location> = stored.map(|s| s.locations().cloned().collect()).unwrap_or_default();
        let others: Vec<MessageId> = detail
            .summary
            .message_id
            .as_deref()
            .map(|mid| st.dedup.variants(mid).iter().copied().filter(|&o| o != id).collect())
            .unwrap_or_default();
        (locations, others)
    });
    let variants: Vec<VariantView> = others
        .into_iter()
        .filter_map(|other| {
            let other_loaded = load(other).ok()?;
            let other_detail = message::read_message(&other_loaded.raw);
            Some(VariantView {
                id: other,
                source_name: other_loaded.name,
                differing: dedup::differing_headers(&detail.headers, &other_detail.headers),
                line_endings_only: dedup::same_apart_from_line_endings(&raw, &other_loaded.raw),
            })
        })
        .collect();
    row.variant = !variants.is_empty();
    // Signatures are judged at the message's own date (x= expiry), never at today's.
    let at = row.date.as_ref().map(|d| d.utc_unix);
    let (dkim, arc) = STATE.with(|st| {
        let st = st.borrow();
        (auth::dkim::verify_message(&raw, &st.keys, at), auth::arc::validate_chain(&raw, &st.keys))
    });
    let recorded_auth = detail
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("Authentication-Results") || h.name.eq_ignore_ascii_case("Received-SPF"))
        .map(|h| protocol::HeaderView { name: h.name.clone(), raw: h.raw.clone(), decoded: h.decoded.clone() })
        .collect();
    let detail_headers = detail.headers.clone();
    let mut view = MessageView::from_detail(row, name, detail, |i| message::attachment_bytes(&raw, i).unwrap_or_default());
    view.locations = locations.iter().map(location_text).collect();
    view.variants = variants;
    view.dkim = dkim.into_iter().map(Into::into).collect();
    view.arc = (arc.instances > 0).then(|| arc.into());
    view.recorded_auth = recorded_auth;
    view.mime = message::mime_tree(&raw).into_iter().map(Into::into).collect();
    view.html = leakloupe_core::html::sanitize_message(&raw).map(Into::into);
    let chain = analysis::received::analyze(&detail_headers, &analysis::received::ReceivedOptions::default());
    view.hops = chain.hops.iter().map(Into::into).collect();
    view.findings = chain.findings.iter().map(Into::into).collect();
    let fp = analysis::fingerprint::fingerprint(&detail_headers);
    view.fingerprint = [
        ("Mailer", fp.mailer.clone()),
        ("Message-ID style", Some(fp.message_id_style.label())),
        ("Message-ID domain", fp.message_id_domain.clone().map(|d| match fp.message_id_matches_from {
            Some(false) => format!("{d} (not the From domain)"),
            _ => d,
        })),
        ("Date offset", fp.timezone_offset.map(|m| format!("UTC{}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60))),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
    .collect();
    view.raw_truncated = raw.len() > protocol::RAW_LIMIT;
    match raw_note(&loc, origin, &raw) {
        Some((noted, truncated)) => (view.raw, view.raw_truncated) = (noted, truncated),
        None => {
            view.raw = String::from_utf8_lossy(&raw[..raw.len().min(protocol::RAW_LIMIT)]).into_owned();
            if let Some(loc) = locations.first() {
                view.source_offset = loc.span.offset;
                view.unquoted = loc.span.mboxrd_unquote;
            }
        }
    }
    let terms = STATE.with(|st| st.borrow().last_terms.clone());
    (view.children, view.row.parent) = STATE.with(|st| {
        st.borrow().messages.get(id as usize).and_then(|m| m.more.as_ref()).map(|m| (m.children.clone(), m.parent)).unwrap_or_default()
    });
    view.highlights = search::tokenize::highlight_ranges(&view.body, &terms)
        .into_iter()
        .map(|r| (r.start as u32, r.end as u32))
        .collect();
    Ok(view)
}

/// Collects what the core finds in one file and forwards it in batches.
struct Forwarder {
    source: SourceId,
    /// The archive entry being read, when the file is an archive.
    entry: Option<Rc<(Vec<Located>, String)>>,
    folder: Option<String>,
    flags: Vec<String>,
    rows: Vec<MessageRow>,
    copies: Vec<MessageId>,
    variants: Vec<MessageId>,
    duplicates: u64,
    found: u64,
    /// Attached messages that became messages of their own.
    embedded: u64,
    problems: u64,
    dropped: u64,
    fatal: bool,
}

impl Forwarder {
    fn new(source: SourceId) -> Self {
        Forwarder {
            source,
            entry: None,
            folder: None,
            flags: Vec::new(),
            rows: Vec::new(),
            copies: Vec::new(),
            variants: Vec::new(),
            duplicates: 0,
            found: 0,
            embedded: 0,
            problems: 0,
            dropped: 0,
            fatal: false,
        }
    }

    fn row(&self, id: MessageId, span: &MessageSpan, summary: &MessageSummary) -> MessageRow {
        let mut row = MessageRow::from_summary(id, self.source, span, summary);
        row.folder = self.folder.clone();
        row.flags = self.flags.clone();
        row
    }

    /// Record one message (folding byte-identical copies, flagging variants) and queue its row; the new
    /// message's id, or `None` when it was a copy of one already loaded.
    fn record(&mut self, span: &MessageSpan, summary: &MessageSummary, path: Option<Rc<[u32]>>, parent: Option<MessageId>) -> Option<MessageId> {
        let source = self.source;
        let location = Location { source, entry: self.entry.clone(), span: Span::of(span), path };
        let (id, seen) = STATE.with(|st| {
            let mut st = st.borrow_mut();
            let id = st.messages.len() as MessageId;
            let seen = st.dedup.observe(id, &summary.sha256, summary.message_id.as_deref());
            match seen {
                Seen::SameBytes { first } => {
                    if let Some(stored) = st.messages.get_mut(first as usize) {
                        stored.more().others.push(location);
                    }
                }
                _ => {
                    grow_gently(&mut st.messages);
                    st.messages.push(Stored::new(location, parent));
                    st.threads.push_parts(
                        id,
                        summary.message_id.as_deref(),
                        summary.in_reply_to.first().map(String::as_str),
                        &summary.references,
                        &summary.subject,
                        summary.date.map(|d| d.utc_unix),
                    );
                }
            }
            (id, seen)
        });
        match seen {
            Seen::SameBytes { first } => {
                self.duplicates += 1;
                self.copies.push(first);
                return None;
            }
            Seen::Variant { of } => {
                if of.len() == 1 {
                    self.variants.extend(of);
                }
                let mut row = self.row(id, span, summary);
                row.variant = true;
                row.parent = parent;
                self.rows.push(row);
            }
            Seen::New => {
                let mut row = self.row(id, span, summary);
                row.parent = parent;
                self.rows.push(row);
            }
        }
        if self.rows.len() >= ROW_BATCH {
            self.flush();
        }
        Some(id)
    }

    /// Say how many attached messages became messages of their own (they are not counted as the file's).
    fn report_embedded(&mut self) {
        self.flush();
        if self.embedded > 0 {
            send(&Event::Problem {
                source: self.source,
                severity: protocol::Severity::Info,
                text: format!(
                    "{} (forwarded mail: message/rfc822 parts, attached .eml or .msg files, Outlook messages embedded in a .msg) became messages of their own, linked to the message that carries them",
                    crate::format::plural(self.embedded, "attached message", "attached messages")
                ),
            });
        }
    }

    fn flush(&mut self) {
        if !self.rows.is_empty() {
            send(&Event::Rows(std::mem::take(&mut self.rows)));
        }
        if !self.copies.is_empty() {
            send(&Event::Copies(std::mem::take(&mut self.copies)));
        }
        if !self.variants.is_empty() {
            send(&Event::Variants(std::mem::take(&mut self.variants)));
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
        // The core hands every message over with its bytes (an Outlook .msg as the whole file); without
        // them there is nothing to look inside.
        self.message_with_bytes(span, summary, &[]);
    }

    fn message_with_bytes(&mut self, span: MessageSpan, summary: MessageSummary, raw: &[u8]) {
        self.found += 1;
        let Some(id) = self.record(&span, &summary, None, None) else { return };
        // Forwarded mail is evidence too: each attached message becomes a message of its own, linked to
        // this one. Only an attachment declared a message, named .eml/.msg or of no particular type can be
        // one; the summarizer already looked (`may_embed_message`), so most messages are not parsed again.
        if raw.is_empty() || !summary.may_embed_message {
            return;
        }
        let scan = ingest::embedded::embedded_messages(raw);
        for d in scan.all_diagnostics() {
            self.diagnostic(d);
        }
        // Parents come before their children, so a child's parent id is known when it is recorded.
        let mut ids: Vec<(Vec<u32>, MessageId)> = Vec::new();
        for e in scan.iter() {
            let parent = e.path.split_last().and_then(|(_, up)| ids.iter().find(|(p, _)| p.as_slice() == up)).map_or(id, |x| x.1);
            let child = message::summarize(&e.bytes);
            let subject = child.subject.clone();
            self.embedded += 1;
            if let Some(cid) = self.record(&span, &child, Some(e.path.clone().into()), Some(parent)) {
                ids.push((e.path.clone(), cid));
                STATE.with(|st| {
                    if let Some(p) = st.borrow_mut().messages.get_mut(parent as usize) {
                        p.more().children.push((cid, subject));
                    }
                });
            }
        }
    }

    fn diagnostic(&mut self, mut diagnostic: Diagnostic) {
        // Inside an archive, say which entry the problem is in.
        if let Some(entry) = &self.entry {
            diagnostic.text = format!("{}: {}", entry.1, diagnostic.text);
        }
        self.problem(&diagnostic);
    }
}

fn progress(current: Option<(SourceId, u64)>) {
    // Reading more would end the worker: stop as a Cancel does, and say why.
    if let Some((source, _)) = current {
        let stop = STATE.with(|st| st.borrow().running && !st.borrow().cancel).then(|| memory_exhausted("reading")).flatten();
        if let Some(text) = stop {
            STATE.with(|st| st.borrow_mut().cancel = true);
            send(&Event::Problem { source, severity: protocol::Severity::Error, text });
        }
    }
    STATE.with(|st| {
        let st = st.borrow();
        send(&Event::Progress {
            current,
            bytes_done: st.bytes_done,
            bytes_total: st.bytes_total,
            messages: st.messages.len() as u64,
            worker_memory: wasm_memory_bytes(),
        });
    });
}

/// Make room for one more element by a quarter of what `v` holds rather than doubling it: wasm memory
/// never shrinks, so a doubling's old and new buffers (hundreds of MB at millions of messages) would
/// both stay in the worker's high-water mark.
fn grow_gently<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(1024));
    }
}

/// The worker's wasm memory beyond which it stops reading and indexing: a wasm32 module cannot grow past
/// 4 GiB, and an allocation that fails there ends the worker (and every message not yet shown). The
/// headroom covers what one step can still allocate (an 8 MiB read window, an archive entry of up to
/// 8 MiB held whole while it is indexed, the messages being parsed).
const MEMORY_CEILING: u64 = 3 * 1024 * 1024 * 1024 + 256 * 1024 * 1024;

/// Why the worker must stop growing, when its memory passed [`MEMORY_CEILING`].
fn memory_exhausted(doing: &str) -> Option<String> {
    let used = wasm_memory_bytes();
    (used > MEMORY_CEILING).then(|| {
        format!(
            "{doing} stopped: the worker uses {} of the 4 GB a browser gives one page's WebAssembly; what was done so far is kept. Open the rest of the archive in another tab (split it, e.g. by year)",
            crate::format::bytes(used)
        )
    })
}

fn wasm_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map(|b| b.byte_length() as u64)
        .unwrap_or(0)
}

/// Let the event loop run (the page's Cancel, Open and search requests are answered in between).
///
/// Through a `MessageChannel`, not `setTimeout(0)`: nested timeouts are clamped to 4 ms, and ingest yields
/// after every chunk (0.57 s of a 23 s run of 512 MiB was spent waiting in timeouts). A message posted to
/// the channel is queued behind the page's messages already waiting, so those are still answered first.
async fn yield_now() {
    thread_local! {
        // One channel for the worker's life: held here, so it is never collected with a message in flight.
        static CHANNEL: Option<web_sys::MessageChannel> = web_sys::MessageChannel::new().ok();
    }
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let posted = CHANNEL.with(|c| {
            c.as_ref().is_some_and(|channel| {
                channel.port1().set_onmessage(Some(&resolve));
                channel.port2().post_message(&JsValue::NULL).is_ok()
            })
        });
        if !posted {
            let _ = reject.call0(&JsValue::NULL);
        }
    });
    if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
        gloo::timers::future::TimeoutFuture::new(0).await;
    }
}

async fn drain_queue() {
    loop {
        let next = STATE.with(|st| st.borrow_mut().queue.pop_front());
        let Some(source) = next else { break };
        if STATE.with(|st| st.borrow().cancel) {
            cancel_queued(source);
            continue;
        }
        ingest_source(source).await;
    }
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        st.running = false;
        st.cancel = false;
    });
    progress(None);
    send(&Event::Idle);
    send_threads();
    let start = STATE.with(|st| {
        let mut st = st.borrow_mut();
        let start = !st.indexing;
        st.indexing = true;
        start
    });
    if start {
        wasm_bindgen_futures::spawn_local(index_pending());
    }
}

async fn ingest_source(source: SourceId) {
    let Some((file, name)) = STATE.with(|st| st.borrow().sources.get(source as usize).and_then(Option::as_ref).map(|s| (s.file.clone(), s.name.clone())))
    else {
        return;
    };
    let size = file.size() as u64;
    let mut fw = Forwarder::new(source);
    match maildir::classify(&name) {
        PathRole::Skip(why) => {
            send(&Event::SourceDetected { source, format: "skipped".into() });
            send(&Event::Problem { source, severity: protocol::Severity::Info, text: format!("skipped: {why}") });
            finish_source(&mut fw, &file, size, true).await;
            return;
        }
        PathRole::Message { folder, flags } => {
            fw.folder = folder.clone();
            fw.flags = flags.clone();
            STATE.with(|st| {
                if let Some(Some(s)) = st.borrow_mut().sources.get_mut(source as usize) {
                    s.folder = folder;
                    s.flags = flags;
                }
            });
        }
    }

    if let Some(owner) = STATE.with(|st| st.borrow().partial_parts.get(&source).copied()) {
        let owner_name = STATE.with(|st| st.borrow().sources.get(owner as usize).and_then(Option::as_ref).map(|s| s.name.clone()).unwrap_or_default());
        send(&Event::SourceDetected { source, format: "attachment".into() });
        send(&Event::Problem {
            source,
            severity: protocol::Severity::Info,
            text: format!("an attachment Apple Mail kept outside its message: it completes {owner_name}"),
        });
        finish_source(&mut fw, &file, size, true).await;
        return;
    }
    if let Some(rebuilt) = rebuilt_partial(source) {
        send(&Event::SourceDetected { source, format: "emlx (partial, rebuilt)".into() });
        match rebuilt {
            Ok(r) => {
                send(&Event::Problem {
                    source,
                    severity: if r.missing.is_empty() { protocol::Severity::Info } else { protocol::Severity::Warning },
                    text: format!(
                        "partial message rebuilt from its Attachments folder: {} filled, {} missing",
                        crate::format::plural(r.filled.len() as u64, "part", "parts"),
                        r.missing.len()
                    ),
                });
                for d in &r.diagnostics {
                    fw.problem(d);
                }
                let mut ingester = Ingester::new(ingest::SourceFormat::Eml);
                ingester.push(&r.bytes, &mut fw);
                ingester.finish(&mut fw);
                fw.flush();
                fw.report_embedded();
            }
            Err(text) => send(&Event::Problem { source, severity: protocol::Severity::Error, text }),
        }
        let sha256 = hash_file_async(&file, size).await;
        STATE.with(|st| st.borrow_mut().bytes_done += size);
        send(&Event::SourceDone {
            source,
            ok: fw.found > 0,
            messages: fw.found,
            problems_dropped: fw.dropped,
            duplicates: fw.duplicates,
            cancelled: sha256.is_none(),
            sha256: sha256.unwrap_or_default(),
        });
        progress(None);
        return;
    }
    let head = match read_range(&file, 0, size.min(SNIFF)) {
        Ok(h) => h,
        Err(text) => {
            send(&Event::SourceDetected { source, format: "unreadable".into() });
            send(&Event::Problem { source, severity: protocol::Severity::Error, text });
            finish_source(&mut fw, &file, size, false).await;
            return;
        }
    };
    if is_case_file(&head) {
        send(&Event::SourceDetected { source, format: "case".into() });
        match read_range(&file, 0, size.min(MAX_KEY_FILE)) {
            Ok(bytes) => case::load(&String::from_utf8_lossy(&bytes), name.clone()),
            Err(text) => send(&Event::Problem { source, severity: protocol::Severity::Error, text }),
        }
        finish_source(&mut fw, &file, size, true).await;
        return;
    }
    let format = match ingest::sniff(&head, &name) {
        Sniffed::Mail(f) => f,
        Sniffed::Empty => {
            send(&Event::SourceDetected { source, format: "empty".into() });
            send(&Event::Problem {
                source,
                severity: protocol::Severity::Warning,
                text: "empty file: it holds no messages".into(),
            });
            finish_source(&mut fw, &file, size, true).await;
            return;
        }
        Sniffed::KeyRecords => {
            send(&Event::SourceDetected { source, format: "dkim keys".into() });
            import_keys(&mut fw, &file, &name, size);
            finish_source(&mut fw, &file, size, true).await;
            return;
        }
        Sniffed::Container(kind) => {
            send(&Event::SourceDetected { source, format: kind.label().to_string() });
            let cancelled = ingest_archive_entries(&mut fw, kind, &file, &name, size).await;
            if cancelled {
                send(&Event::Problem {
                    source,
                    severity: protocol::Severity::Warning,
                    text: format!("cancelled inside the archive: the {} found so far are kept", crate::format::plural(fw.found, "message", "messages")),
                });
            }
            fw.report_embedded();
            // Hashing a large archive takes a while too: it yields, and stops at a Cancel (no hash then).
            let sha256 = if cancelled { None } else { hash_file_async(&file, size).await };
            let cancelled = cancelled || sha256.is_none();
            let ok = fw.found > 0 || !fw.fatal;
            send(&Event::SourceDone {
                source,
                ok,
                messages: fw.found,
                problems_dropped: fw.dropped,
                duplicates: fw.duplicates,
                sha256: sha256.unwrap_or_default(),
                cancelled,
            });
            progress(None);
            return;
        }
        Sniffed::Rejected { reason } => {
            send(&Event::SourceDetected { source, format: "rejected".into() });
            send(&Event::Problem { source, severity: protocol::Severity::Error, text: reason });
            fw.fatal = true;
            finish_source(&mut fw, &file, size, false).await;
            return;
        }
    };
    send(&Event::SourceDetected { source, format: format.label().into() });

    let mut ingester = Ingester::new(format);
    let mut hasher = Sha256::new();
    let mut chunk = Vec::new();
    let mut offset = 0u64;
    let mut cancelled = false;
    while offset < size {
        if STATE.with(|st| st.borrow().cancel) {
            cancelled = true;
            break;
        }
        let end = (offset + CHUNK).min(size);
        match read_range_into(&file, offset, end, &mut chunk) {
            Ok(()) => {
                hasher.update(&chunk);
                ingester.push(&chunk, &mut fw);
            }
            Err(text) => {
                send(&Event::Problem { source, severity: protocol::Severity::Error, text });
                break;
            }
        }
        STATE.with(|st| st.borrow_mut().bytes_done += end - offset);
        offset = end;
        fw.flush();
        progress(Some((source, offset)));
        yield_now().await;
    }
    if cancelled {
        // Keep what was found; a message cut by the cancel is not emitted half-read.
        send(&Event::Problem {
            source,
            severity: protocol::Severity::Warning,
            text: format!(
                "cancelled after {} of {}: the {} found so far are kept",
                crate::format::bytes(offset),
                crate::format::bytes(size),
                crate::format::plural(fw.found, "message", "messages")
            ),
        });
    } else {
        ingester.finish(&mut fw);
    }
    fw.flush();
    fw.report_embedded();
    // Bytes not read (error or cancel) still count as done for the progress bar.
    STATE.with(|st| st.borrow_mut().bytes_done += size - offset);
    let ok = fw.found > 0 || fw.problems == 0;
    send(&Event::SourceDone {
        source,
        ok,
        messages: fw.found,
        problems_dropped: fw.dropped,
        duplicates: fw.duplicates,
        sha256: hex(&hasher.finalize()),
        cancelled,
    });
    progress(None);
}

/// Read every mail file inside an archive (nested archives too), in one pass, without holding the
/// archive in memory. Each message keeps its entry chain so the reader can re-read it later.
///
/// Entry by entry, yielding to the event loop between chunks so that Cancel and Open are answered inside
/// a large archive: a zip or tar from its list (both seek straight to an entry), a `.gz` / `.tar.gz` from a
/// `GzStream` (one decompressor for the whole pass). Every entry goes through `ingest_archive_entry`; a
/// nested archive is read into memory (bounded by the core's limit) and its entries go the same way, with
/// the same yields. Returns whether it was cancelled.
async fn ingest_archive_entries(fw: &mut Forwarder, kind: ContainerKind, file: &File, name: &str, size: u64) -> bool {
    let access = FileAccess { file: file.clone(), read: Cell::new(0) };
    let mut run = ArchiveRun {
        access: &access,
        src: &access,
        kind,
        name,
        leaf: name,
        prefix: Vec::new(),
        depth: 1,
        size,
        base: STATE.with(|st| st.borrow().bytes_done),
        limits: Limits::default(),
        mail_entries: 0,
        last_yield: js_sys::Date::now(),
        chunk: vec![0u8; CHUNK as usize],
    };
    let cancelled = read_entries(fw, &mut run).await;
    STATE.with(|st| st.borrow_mut().bytes_done = run.base + size);
    if run.mail_entries == 0 && fw.found == 0 && !cancelled {
        fw.fatal = true;
        fw.problem(&leakloupe_core::diagnostic::Diagnostic::error(
            leakloupe_core::diagnostic::DiagnosticKind::NotMail,
            format!("{name}: the archive holds no mail file"),
        ));
    }
    fw.flush();
    cancelled
}

/// The entries of the archive `run` reads, by its kind; whether it was cancelled. Boxed: a nested archive
/// comes back here from `ingest_archive_entry`.
fn read_entries<'r>(fw: &'r mut Forwarder, run: &'r mut ArchiveRun<'_>) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + 'r>> {
    Box::pin(async move {
        if run.kind == ContainerKind::Gzip {
            ingest_gz_entries(fw, run).await
        } else {
            ingest_listed_entries(fw, run).await
        }
    })
}

/// One archive being read (the dropped file, or an archive nested in it): what its entries share.
struct ArchiveRun<'a> {
    /// The dropped file, whose bytes read move the progress bar.
    access: &'a FileAccess,
    /// Where this archive's entries are read from: the file itself, or a nested archive's bytes.
    src: &'a dyn RandomAccess,
    kind: ContainerKind,
    /// The archive's display path ("leak.zip", "leak.zip › inner.zip"), the start of every entry's.
    name: &'a str,
    /// The archive's own file name (a `.gz` that stores no name is named after it).
    leaf: &'a str,
    /// The entries leading to this archive inside the dropped file (none for the file itself).
    prefix: Vec<Located>,
    /// 1 for the dropped file, 2 for an archive inside it, ... (see `Limits::max_depth`).
    depth: u32,
    /// The dropped file's size.
    size: u64,
    /// `bytes_done` before the dropped file.
    base: u64,
    limits: Limits,
    mail_entries: u64,
    last_yield: f64,
    /// The read buffer, reused for every entry.
    chunk: Vec<u8>,
}

impl ArchiveRun<'_> {
    /// Between two pieces of work, when a yield is due (`yield_due`): send the rows found since the last time and the
    /// progress (the dropped file's bytes read, compressed bytes for a `.gz`), and yield to the event loop.
    /// Rows go out in these batches, not one event per entry: the page sorts its rows on each.
    async fn pause(&mut self, fw: &mut Forwarder) {
        if !yield_due(self.last_yield) {
            return;
        }
        fw.flush();
        let read = self.access.read.get().min(self.size);
        STATE.with(|st| st.borrow_mut().bytes_done = self.base + read);
        progress(Some((fw.source, read)));
        yield_now().await;
        self.last_yield = js_sys::Date::now();
    }

    /// The entry chain of `entry` of this archive, from the dropped file down.
    fn chain(&self, entry: &Located) -> Vec<Located> {
        let mut chain = self.prefix.clone();
        chain.push(entry.clone());
        chain
    }
}

fn cancel_requested() -> bool {
    STATE.with(|st| st.borrow().cancel)
}

/// A zip or tar: listed first, then each entry opened where it is.
async fn ingest_listed_entries(fw: &mut Forwarder, run: &mut ArchiveRun<'_>) -> bool {
    let (entries, diags) = container::list(run.kind, run.src, &run.limits);
    for d in &diags {
        fw.problem(d);
    }
    for entry in entries.iter().filter(|e| !e.is_dir) {
        if cancel_requested() {
            return true;
        }
        let mut reader = match container::open_entry(run.kind, run.src, entry, &run.limits) {
            Ok(r) => r,
            Err(d) => {
                fw.problem(&info(format!("{}: {}", container::entry_display_path(run.name, &entry.path), d.text)));
                continue;
            }
        };
        if ingest_archive_entry(fw, run, entry, &mut reader).await.cancelled {
            return true;
        }
    }
    false
}

/// A `.tar.gz` or `.gz`: entries as the decompressor reaches them. What is left of an entry after
/// `ingest_archive_entry` (the body of a skipped file, a nested archive too large to open) is decompressed
/// through here, chunk by chunk with yields, so a large file that is not mail does not hold up Cancel either.
async fn ingest_gz_entries(fw: &mut Forwarder, run: &mut ArchiveRun<'_>) -> bool {
    let mut stream = container::GzStream::open(run.src, &run.limits);
    let mut cancelled = false;
    while !cancelled {
        if cancel_requested() {
            cancelled = true;
            break;
        }
        let Some(mut entry) = stream.next_entry() else { break };
        for d in stream.take_diagnostics() {
            fw.problem(&d);
        }
        if entry.is_dir {
            continue;
        }
        if entry.path.is_empty() {
            // A plain .gz that stores no name: the archive's name without .gz, as `container::walk` says.
            entry.path = container::strip_gz_suffix(run.leaf).to_string();
        }
        let mut reader = stream.data();
        let end = ingest_archive_entry(fw, run, &entry, &mut reader).await;
        cancelled = end.cancelled;
        while !cancelled {
            let (n, error) = read_full(&mut reader, &mut run.chunk);
            if n < run.chunk.len() || error.is_some() {
                break;
            }
            run.pause(fw).await;
            cancelled = cancel_requested();
        }
        drop(reader);
        // The stream's own account of a read error the entry already reported (with its path) is not repeated.
        for d in stream.take_diagnostics() {
            if end.read_error.as_deref() != Some(d.text.as_str()) {
                fw.problem(&d);
            }
        }
    }
    for d in stream.take_diagnostics() {
        fw.problem(&d);
    }
    cancelled
}

/// How reading one archive entry ended.
#[derive(Default)]
struct EntryEnd {
    /// Cancel was asked for while its data was read.
    cancelled: bool,
    /// The sentence of the read error that stopped it (a bomb, truncation, damaged data).
    read_error: Option<String>,
}

/// One file of an archive: a mail file read in CHUNK pieces (pausing, see `ArchiveRun::pause`, and checking
/// for Cancel between them), a nested archive read into memory (capped) and its entries read the same way,
/// anything else (a `.docx` or other zip-based document too) skipped with its reason. `reader` may be left
/// partly read.
async fn ingest_archive_entry(fw: &mut Forwarder, run: &mut ArchiveRun<'_>, entry: &Entry, reader: &mut dyn Read) -> EntryEnd {
    let mut end = EntryEnd::default();
    let path = container::entry_display_path(run.name, &entry.path);
    let leaf = entry.path.rsplit('/').next().unwrap_or(&entry.path).to_string();
    let outer = Located { kind: run.kind, entry: entry.clone() };
    let mut head = vec![0u8; SNIFF as usize];
    let filled = read_up_to(reader, &mut head);
    head.truncate(filled);
    match ingest::sniff(&head, &leaf) {
        Sniffed::Mail(format) => {
            run.mail_entries += 1;
            fw.entry = Some(Rc::new((run.chain(&outer), path.clone())));
            let mut ingester = Ingester::new(format);
            ingester.push(&head, fw);
            loop {
                let (n, error) = read_full(reader, &mut run.chunk);
                if n > 0 {
                    ingester.push(&run.chunk[..n], fw);
                }
                if let Some(e) = error {
                    fw.problem(&info(format!("{path}: {e}")));
                    end.read_error = Some(e);
                    break;
                }
                if n < run.chunk.len() {
                    break;
                }
                run.pause(fw).await;
                if cancel_requested() {
                    end.cancelled = true;
                    break;
                }
            }
            if !end.cancelled {
                ingester.finish(fw);
            }
            fw.entry = None;
            if end.cancelled {
                return end;
            }
        }
        Sniffed::Container(_) if container::is_zip_document(&head) => {
            fw.problem(&info(format!("{path}: skipped: an office document or other zip-based file, not mail")));
        }
        Sniffed::Container(inner) if run.depth >= run.limits.max_depth => {
            fw.problem(&container::nested_too_deep(&path, inner, &run.limits));
        }
        Sniffed::Container(inner) => {
            let mut bytes = head;
            let cap = run.limits.max_in_memory_nested;
            if Read::take(&mut *reader, cap.saturating_sub(bytes.len() as u64) + 1).read_to_end(&mut bytes).is_err() || bytes.len() as u64 > cap {
                fw.problem(&container::nested_too_large(&path, inner, &run.limits));
            } else {
                let mut nested = ArchiveRun {
                    access: run.access,
                    src: &bytes,
                    kind: inner,
                    name: &path,
                    leaf: &leaf,
                    prefix: run.chain(&outer),
                    depth: run.depth + 1,
                    size: run.size,
                    base: run.base,
                    limits: run.limits,
                    mail_entries: 0,
                    last_yield: run.last_yield,
                    chunk: std::mem::take(&mut run.chunk),
                };
                let cancelled = read_entries(fw, &mut nested).await;
                (run.chunk, run.last_yield) = (std::mem::take(&mut nested.chunk), nested.last_yield);
                run.mail_entries += nested.mail_entries;
                if cancelled {
                    end.cancelled = true;
                    return end;
                }
            }
        }
        other => {
            if let Some(why) = skipped(&path, &other) {
                fw.problem(&info(why));
            }
        }
    }
    run.pause(fw).await;
    end
}

/// Why an archive entry that is not mail is skipped, as the ingest log says it.
fn skipped(display: &str, sniffed: &Sniffed) -> Option<String> {
    Some(match sniffed {
        Sniffed::Mail(_) => return None,
        Sniffed::Empty => format!("{display}: skipped: the file is empty"),
        Sniffed::KeyRecords => format!("{display}: skipped: DKIM key records (drop them on their own to import them)"),
        Sniffed::Rejected { reason } => format!("{display}: skipped: {reason}"),
        Sniffed::Container(k) => format!("{display}: skipped: a {} archive that was not opened", k.label()),
    })
}

/// Fill `buf` from `reader`: the bytes read, and the error that stopped it early, if any (a bomb cap, a CRC
/// mismatch, truncation), as text.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<String>) {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Some(e.to_string())),
        }
    }
    (filled, None)
}

/// How often long work yields to the event loop: requests are answered within a frame or two, without
/// paying a yield per small archive entry.
const YIELD_EVERY_MS: f64 = 40.0;

/// Whether the last yield, at `last` (`Date.now()`), was [`YIELD_EVERY_MS`] ago or more.
fn yield_due(last: f64) -> bool {
    js_sys::Date::now() - last >= YIELD_EVERY_MS
}

/// Yield to the event loop when [`yield_due`]; returns the time of the last yield.
async fn yield_if_due(last: f64) -> f64 {
    if !yield_due(last) {
        return last;
    }
    yield_now().await;
    js_sys::Date::now()
}

fn info(text: String) -> Diagnostic {
    Diagnostic::info(leakloupe_core::diagnostic::DiagnosticKind::NotMail, text)
}

/// Fill `buf` from `reader` as far as it goes; read errors end the stream (the walk reports them).
fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

/// Import a file of DNS TXT records into the offline key store; the ingest log says how many keys
/// came in and which lines could not be read.
fn import_keys(fw: &mut Forwarder, file: &File, name: &str, size: u64) {
    if size > MAX_KEY_FILE {
        fw.fatal = true;
        send(&Event::Problem {
            source: fw.source,
            severity: protocol::Severity::Error,
            text: format!("dkim keys: the file is {}; a key file larger than 16 MB is not read", crate::format::bytes(size)),
        });
        return;
    }
    let text = match read_range(file, 0, size) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(text) => {
            fw.fatal = true;
            send(&Event::Problem { source: fw.source, severity: protocol::Severity::Error, text });
            return;
        }
    };
    let (problems, before, after) = STATE.with(|st| {
        let mut st = st.borrow_mut();
        let before = st.keys.len();
        let problems = st.keys.add_records(&text, name);
        (problems, before, st.keys.len())
    });
    for p in &problems {
        fw.problem(p);
    }
    let added = after.saturating_sub(before) as u64;
    if added > 0 {
        case::keys_imported(name, &text);
    }
    send(&Event::Problem {
        source: fw.source,
        severity: protocol::Severity::Info,
        text: format!(
            "imported {} into the offline key store; messages opened from now on are verified with them",
            crate::format::plural(added, "DNS record", "DNS records")
        ),
    });
}

/// Messages indexed between two yields to the event loop.
const INDEX_BATCH: usize = 200;
/// Largest archive entry read whole while its messages are indexed; a larger one (or one of unknown
/// size: a `.gz`) is read on in windows of [`INDEX_READ`] from a stream, so one step of the index pass
/// never decompresses more than that (Cancel, Open and the next file's ingest are answered between).
const MAX_CACHED_ENTRY: u64 = 8 * 1024 * 1024;
/// Bytes of a source file read at once while indexing: messages lie in file order, so one read serves
/// thousands of them. (A `FileReaderSync` call costs milliseconds of fixed overhead in Chromium, which
/// made one read per message take 15–19 min for 200,000 messages; see BENCHMARKS.md section 5.)
const INDEX_READ: u64 = 8 * 1024 * 1024;

/// What the indexer read last: a window of a source file, a whole decompressed archive entry, or a
/// window of an entry too large to hold (with the stream that goes on reading it).
struct ReadCache {
    /// The source and, for an archive entry, the entry's address (0 for the file itself).
    key: (SourceId, usize),
    /// Offset of `bytes` in the file or entry.
    start: u64,
    bytes: Rc<Vec<u8>>,
    stream: Option<EntryStream>,
}

/// What the index pass keeps between messages.
#[derive(Default)]
struct IndexReads {
    last: Option<ReadCache>,
    /// Archive entries found larger than [`MAX_CACHED_ENTRY`] (their declared size was wrong): read as
    /// streams.
    big: std::collections::HashSet<(SourceId, usize)>,
}

/// A decompressing stream over one archive entry, `pos` bytes in.
struct EntryStream {
    reader: Box<dyn Read>,
    pos: u64,
}

impl EntryStream {
    /// Open the entry at `chain` of `file`. The stream must outlive this call, so the `FileAccess` it
    /// reads through is leaked: one small struct per archive entry over 8 MiB (or a `.gz`) per index pass.
    /// (Before, each message of such an entry was decompressed from the entry's start: quadratic.)
    fn open(file: &File, chain: &[Located]) -> Option<EntryStream> {
        let access: &'static FileAccess = Box::leak(Box::new(FileAccess { file: file.clone(), read: Cell::new(0) }));
        let reader = container::open_chain(access, chain, &Limits::default()).ok()?;
        Some(EntryStream { reader, pos: 0 })
    }

    /// Bytes `start..stop` (at least up to `end`, fewer only past the entry's end), reading on from
    /// `pos`: `carry` holds the bytes `start..pos` already read when `start` is behind `pos`.
    fn window(&mut self, carry: Vec<u8>, start: u64, end: u64, stop: u64) -> Option<Vec<u8>> {
        let mut out = carry;
        if start >= self.pos {
            let skip = start - self.pos;
            let skipped = std::io::copy(&mut (&mut self.reader).take(skip), &mut std::io::sink()).ok()?;
            self.pos += skipped;
            if skipped < skip {
                return None;
            }
        } else if start + out.len() as u64 != self.pos {
            return None;
        }
        let have = start + out.len() as u64;
        let read = (&mut self.reader).take(stop.saturating_sub(have)).read_to_end(&mut out).ok()?;
        self.pos += read as u64;
        (start + out.len() as u64 >= end).then_some(out)
    }
}

/// Build the full-text index of everything loaded, after ingest, so the list appears at ingest speed
/// and search catches up (the UI shows how far). Messages are re-read from their files; an archive
/// entry is decompressed once for all its messages.
async fn index_pending() {
    let mut cache = IndexReads::default();
    loop {
        let (from, to) = STATE.with(|st| {
            let st = st.borrow();
            (st.indexed, (st.indexed as usize + INDEX_BATCH).min(st.messages.len()) as u32)
        });
        if from >= to {
            break;
        }
        if let Some(text) = memory_exhausted("indexing") {
            STATE.with(|st| st.borrow_mut().index_stopped = Some(text));
            break;
        }
        for id in from..to {
            let raw = raw_for_index(id, &mut cache);
            // One parse serves the text index and the verdicts below.
            let detail = raw.as_deref().map(message::read_message);
            let doc = match (raw.as_deref(), &detail) {
                (Some(raw), Some(detail)) => search::Doc::from_raw_and_detail(raw, detail),
                _ => search::Doc::default(),
            };
            // Searchable verdicts: `dkim:pass|fail|neutral|none|...` (with the keys known now) and
            // `finding:<code>` for what the header analysis found.
            let (dkim, findings) = match (raw.as_deref(), &detail) {
                (Some(raw), Some(detail)) => STATE.with(|st| {
                    let chain = analysis::received::analyze(&detail.headers, &analysis::received::ReceivedOptions::default());
                    let at = doc.date;
                    let reports = auth::dkim::verify_message(raw, &st.borrow().keys, at);
                    let codes: Vec<String> = chain.findings.iter().map(|f| f.code.to_string()).collect();
                    // Forensics (src/forensics.rs): the dump-wide collector sees every indexed message.
                    crate::forensics::observe(id, raw, detail, &chain.findings);
                    crate::forensics::observe_dkim(id, at, &reports);
                    (auth::dkim::overall(&reports).label().to_string(), codes)
                }),
                _ => ("none".to_string(), Vec::new()),
            };
            STATE.with(|st| {
                let mut st = st.borrow_mut();
                // Ids only grow, so `add` cannot refuse this one.
                let _ = st.index.add(id, &doc);
                let _ = st.index.set_keyword(id, "dkim", &dkim);
                if let Some(d) = &detail {
                    let tags = case::index_tags(&d.summary.sha256);
                    if !tags.is_empty() {
                        let _ = st.index.set_tags(id, &tags);
                    }
                }
                let codes: Vec<&str> = findings.iter().map(String::as_str).collect();
                let _ = st.index.set_keywords(id, "finding", &codes);
                st.indexed = id + 1;
            });
        }
        send(&index_progress());
        yield_now().await;
    }
    // The index grew in steps while adding; give back what the last steps did not use.
    STATE.with(|st| st.borrow_mut().index.shrink_to_fit());
    ENCLOSING.with(|c| c.borrow_mut().take());
    // Forensics (src/forensics.rs): the dump-wide views, their findings made searchable as `finding:`.
    send(&STATE.with(|st| crate::forensics::finish(&mut st.borrow_mut().index)));
    STATE.with(|st| st.borrow_mut().indexing = false);
    send(&index_progress());
}

/// How far indexing is, and the index's size.
fn index_progress() -> Event {
    STATE.with(|st| {
        let st = st.borrow();
        Event::IndexProgress {
            indexed: st.indexed,
            total: u32::try_from(st.messages.len()).unwrap_or(u32::MAX),
            memory: st.index.memory_bytes() as u64,
            stopped: st.index_stopped.clone(),
            worker_memory: wasm_memory_bytes(),
        }
    })
}

/// The bytes of message `id` for the index, reading each archive entry once and a file in windows of
/// [`INDEX_READ`] bytes.
fn raw_for_index(id: MessageId, reads: &mut IndexReads) -> Option<Vec<u8>> {
    let IndexReads { last: cache, big } = reads;
    let (file, loc) = STATE.with(|st| {
        let st = st.borrow();
        let loc = st.messages.get(id as usize)?.first.clone();
        let file = st.sources.get(loc.source as usize)?.as_ref()?.file.clone();
        Some((file, loc))
    })?;
    let span = &loc.span;
    let end = span.offset.checked_add(span.len)?;
    let key = (loc.source, loc.entry.as_ref().map_or(0, |e| Rc::as_ptr(e) as usize));
    let hit = |c: &ReadCache| c.key == key && c.start <= span.offset && end <= c.start + c.bytes.len() as u64;
    if !cache.as_ref().is_some_and(hit) {
        *cache = match &loc.entry {
            // A rebuilt partial message is not the file's bytes: read it the one way that knows.
            None if STATE.with(|st| st.borrow().partials.contains_key(&loc.source)) => None,
            None => {
                let stop = end.max(span.offset.saturating_add(INDEX_READ)).min(file.size() as u64).max(end);
                read_range(&file, span.offset, stop).ok().map(|b| ReadCache { key, start: span.offset, bytes: Rc::new(b), stream: None })
            }
            Some(entry) => {
                // A large entry read on from where its previous message ended.
                // (A message that begins in the last window carries that window's tail over.)
                let going = cache.take().filter(|c| c.key == key).and_then(|c| {
                    let s = c.stream?;
                    if s.pos <= span.offset {
                        Some((s, Vec::new()))
                    } else {
                        let from = usize::try_from(span.offset.checked_sub(c.start)?).ok()?;
                        Some((s, c.bytes.get(from..)?.to_vec()))
                    }
                });
                let windowed = |(mut s, carry): (EntryStream, Vec<u8>)| {
                    let stop = end.max(span.offset.saturating_add(INDEX_READ));
                    let bytes = s.window(carry, span.offset, end, stop)?;
                    Some(ReadCache { key, start: span.offset, bytes: Rc::new(bytes), stream: Some(s) })
                };
                let fresh = || EntryStream::open(&file, &entry.0).map(|s| (s, Vec::new()));
                let small = entry.0.last().is_some_and(|l| l.entry.size_known && l.entry.size <= MAX_CACHED_ENTRY);
                match going {
                    Some(g) => windowed(g),
                    None if big.contains(&key) || !small => fresh().and_then(windowed),
                    None => {
                        let mut whole = Vec::new();
                        let fits = with_entry(&file, &entry.0, |r| {
                            r.take(MAX_CACHED_ENTRY + 1).read_to_end(&mut whole).is_ok() && whole.len() as u64 <= MAX_CACHED_ENTRY
                        })
                        .unwrap_or(false);
                        if fits {
                            Some(ReadCache { key, start: 0, bytes: Rc::new(whole), stream: None })
                        } else {
                            drop(whole);
                            big.insert(key);
                            fresh().and_then(windowed)
                        }
                    }
                }
            }
        };
    }
    let bytes = match cache.as_ref().filter(|c| hit(c)) {
        Some(c) => {
            let a = usize::try_from(span.offset - c.start).ok()?;
            c.bytes.get(a..a.checked_add(usize::try_from(span.len).ok()?)?)?.to_vec()
        }
        None => match &loc.entry {
            None => source_range(loc.source, &file, span.offset, end).ok()?,
            Some(entry) => read_from_entry(&file, &entry.0, span).ok()?,
        },
    };
    descend(&loc, ingest::message_bytes(&span.full(), &bytes))
}

/// Thread everything loaded (JWZ, with placeholders for messages the leak does not hold) and send
/// the thread order to the UI.
fn send_threads() {
    let items: Vec<protocol::ThreadItem> = STATE.with(|st| {
        let st = st.borrow();
        st.threads
            .flatten()
            .into_iter()
            .map(|(depth, id, missing)| protocol::ThreadItem { depth: u32::try_from(depth).unwrap_or(u32::MAX), id, missing })
            .collect()
    });
    send(&Event::Threads(items));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file still queued when the user cancelled: listed, not read.
fn cancel_queued(source: SourceId) {
    let size = STATE.with(|st| {
        st.borrow().sources.get(source as usize).and_then(Option::as_ref).map(|s| s.file.size() as u64).unwrap_or(0)
    });
    send(&Event::SourceDetected { source, format: "not read".into() });
    send(&Event::Problem { source, severity: protocol::Severity::Warning, text: "cancelled before this file was read".into() });
    STATE.with(|st| st.borrow_mut().bytes_done += size);
    send(&Event::SourceDone {
        source,
        ok: false,
        messages: 0,
        problems_dropped: 0,
        duplicates: 0,
        sha256: String::new(),
        cancelled: true,
    });
}

/// A Leakloupe case file (exported from the case panel): JSON naming its format near the start.
fn is_case_file(head: &[u8]) -> bool {
    let start = &head[..head.len().min(256)];
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && start.windows(b"\"leakloupe-case\"".len()).any(|w| w == b"\"leakloupe-case\"")
}

/// A file that was rejected, empty or unreadable as a whole. Its hash is still taken, so the
/// ingest log accounts for every file given; a large one (a video beside the mail) is hashed with yields,
/// so Cancel is answered (the file is then reported cancelled, without a hash).
async fn finish_source(fw: &mut Forwarder, file: &File, size: u64, ok: bool) {
    let sha256 = hash_file_async(file, size).await;
    STATE.with(|st| st.borrow_mut().bytes_done += size);
    send(&Event::SourceDone {
        source: fw.source,
        ok: ok && !fw.fatal,
        messages: 0,
        problems_dropped: 0,
        duplicates: 0,
        cancelled: sha256.is_none(),
        sha256: sha256.unwrap_or_default(),
    });
    progress(None);
}

/// The SHA-256 of a whole file (hex), read in chunks with yields: `None` when Cancel was pressed, an empty
/// string when the file could not be read.
async fn hash_file_async(file: &File, size: u64) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut offset = 0;
    let mut last_yield = js_sys::Date::now();
    let mut chunk = Vec::new();
    while offset < size {
        if STATE.with(|st| st.borrow().cancel) {
            return None;
        }
        let end = (offset + CHUNK).min(size);
        if read_range_into(file, offset, end, &mut chunk).is_err() {
            return Some(String::new());
        }
        hasher.update(&chunk);
        offset = end;
        last_yield = yield_if_due(last_yield).await;
    }
    Some(hex(&hasher.finalize()))
}
