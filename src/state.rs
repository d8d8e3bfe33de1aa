//! The UI's state as a reducer: worker [`Event`]s and user actions go in, a new [`State`] comes out.
//!
//! Pure data, no DOM: tested natively. The message list is kept sorted by date (undated messages
//! last, ties by arrival), so the list component only has to draw a window of it.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use yew::Reducible;

use crate::protocol::{Event, ForensicsView, HitSet, MessageId, MessageRow, MessageView, QueryProblem, Severity, SourceId, ThreadItem};

/// Where ingest stands, as `data-state` on `[data-testid=ingest-status]` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Nothing dropped yet.
    #[default]
    Idle,
    /// Files are being read.
    Working,
    /// Every file given so far has been read.
    Done,
}

impl Phase {
    /// The `data-state` word.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Working => "working",
            Phase::Done => "done",
        }
    }
}

/// The message list, shared (not copied) between successive states: a leak has hundreds of
/// thousands of rows, and copying them on every batch made ingest quadratic. Equality is by identity
/// and version, so components re-render exactly when the rows changed.
///
/// Rows stay where they arrived; the date order is a separate vector of small keys. Merging a batch into
/// the order then moves 24-byte keys, not ~180-byte rows: at 2.6 M rows one merge moved half a gigabyte
/// and took seconds of the page's time.
#[derive(Clone, Default)]
pub struct Rows {
    inner: Rc<RefCell<RowsInner>>,
    version: u64,
}

/// The rows in arrival order, and their date order.
#[derive(Default)]
pub struct RowsInner {
    rows: Chunked,
    order: Vec<Placed>,
    /// Whether `rows` is in ascending id order (the worker numbers messages as it finds them), so a row
    /// is found by binary search.
    unordered_ids: bool,
}

/// Rows in chunks of [`CHUNK_ROWS`], never moved once stored: one `Vec` of millions of rows copied them
/// all each time it grew (a 1.2 s pause of the page at 2.1 M rows) and held both copies meanwhile.
#[derive(Default)]
struct Chunked {
    chunks: Vec<Vec<MessageRow>>,
    len: usize,
}

const CHUNK_ROWS: usize = 1 << 16;

impl Chunked {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, at: usize) -> Option<&MessageRow> {
        self.chunks.get(at / CHUNK_ROWS)?.get(at % CHUNK_ROWS)
    }

    fn get_mut(&mut self, at: usize) -> Option<&mut MessageRow> {
        self.chunks.get_mut(at / CHUNK_ROWS)?.get_mut(at % CHUNK_ROWS)
    }

    fn last(&self) -> Option<&MessageRow> {
        self.len.checked_sub(1).and_then(|at| self.get(at))
    }

    fn push(&mut self, row: MessageRow) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK_ROWS => c.push(row),
            _ => self.chunks.push(vec![row]),
        }
        self.len += 1;
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut MessageRow> {
        self.chunks.iter_mut().flatten()
    }

    /// Where message `id` is, when the rows are in ascending id order.
    fn position_by_id(&self, id: MessageId) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid)?.id < id {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (self.get(lo)?.id == id).then_some(lo)
    }
}

/// A row's place in the date order: its sort key and where it is in arrival order.
#[derive(Clone, Copy)]
struct Placed {
    key: (bool, i64, MessageId),
    at: u32,
}

impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner) && self.version == other.version
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({} rows, v{})", self.len(), self.version)
    }
}

impl Rows {
    /// Read the rows, in date order (undated last).
    pub fn borrow(&self) -> RowsRef<'_> {
        RowsRef(self.inner.borrow())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.inner.borrow().rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn update(&mut self, f: impl FnOnce(&mut RowsInner)) {
        f(&mut self.inner.borrow_mut());
        self.version += 1;
    }
}

impl RowsInner {
    /// Add a batch: rows go to the end, their keys are merged into the order from where the batch's
    /// earliest belongs (a batch mostly comes after the rest: mail files are roughly in date order).
    fn add(&mut self, new_rows: Vec<MessageRow>) {
        let base = self.rows.len();
        let mut placed: Vec<Placed> = new_rows
            .iter()
            .enumerate()
            .map(|(k, r)| Placed { key: sort_key(r), at: u32::try_from(base + k).unwrap_or(u32::MAX) })
            .collect();
        placed.sort_by_key(|p| p.key);
        let mut last = self.rows.last().map(|r| r.id);
        for r in &new_rows {
            self.unordered_ids |= last.is_some_and(|l| r.id <= l);
            last = Some(r.id);
        }
        for r in new_rows {
            self.rows.push(r);
        }
        let from = placed.first().map_or(self.order.len(), |first| self.order.partition_point(|p| p.key <= first.key));
        self.order.extend(placed);
        if let Some(tail) = self.order.get_mut(from..) {
            tail.sort_by_key(|p| p.key);
        }
    }

    /// The row of message `id`: a binary search (copies and variants of a few messages are marked in a
    /// list of millions; a pass over every row per batch cost the page 20 s of a 3 GiB load).
    fn by_id_mut(&mut self, id: MessageId) -> Option<&mut MessageRow> {
        if self.unordered_ids {
            return self.rows.iter_mut().find(|r| r.id == id);
        }
        let at = self.rows.position_by_id(id)?;
        self.rows.get_mut(at)
    }
}

/// The rows, borrowed, in date order.
pub struct RowsRef<'a>(Ref<'a, RowsInner>);

impl RowsRef<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.0.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row at position `pos` of the date order.
    pub fn get(&self, pos: usize) -> Option<&MessageRow> {
        self.0.order.get(pos).and_then(|p| self.0.rows.get(p.at as usize))
    }

    /// The rows in date order.
    pub fn iter(&self) -> impl Iterator<Item = &MessageRow> + '_ {
        self.0.order.iter().filter_map(|p| self.0.rows.get(p.at as usize))
    }
}

impl std::ops::Index<usize> for RowsRef<'_> {
    type Output = MessageRow;
    fn index(&self, pos: usize) -> &MessageRow {
        self.get(pos).expect("a row position inside the list")
    }
}

/// One problem in the ingest log.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// How bad.
    pub severity: Severity,
    /// The specific reason.
    pub text: String,
}

/// A file's state in the ingest log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Waiting or being read.
    Reading,
    /// Read; its messages are in the list (it may still have problems).
    Ok,
    /// Rejected or unreadable.
    Error,
}

/// One dropped or picked file, as the ingest log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Its id.
    pub id: SourceId,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Detected format, once known.
    pub format: Option<String>,
    /// Status.
    pub status: FileStatus,
    /// Messages found.
    pub messages: u64,
    /// Problems, in order.
    pub problems: Vec<Problem>,
    /// Problems the worker counted but did not send.
    pub problems_dropped: u64,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Messages that were byte-identical copies of messages already loaded.
    pub duplicates: u64,
    /// SHA-256 of the file (empty until read).
    pub sha256: String,
    /// Whether reading it was cancelled.
    pub cancelled: bool,
}

/// What the reader pane shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Reader {
    /// Nothing selected.
    #[default]
    Empty,
    /// Waiting for the worker.
    Loading(MessageId),
    /// A message.
    Shown(Rc<MessageView>),
}

/// The whole UI state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// Ingest phase.
    pub phase: Phase,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Bytes queued so far.
    pub bytes_total: u64,
    /// Files in the order given.
    pub files: Vec<FileEntry>,
    /// All messages, sorted by date.
    pub rows: Rows,
    /// The selected message.
    pub selected: Option<MessageId>,
    /// The reader pane.
    pub reader: Reader,
    /// Whether the reader shows all raw headers.
    pub show_raw: bool,
    /// A problem with the app itself (the worker failed, a request failed).
    pub alert: Option<String>,
    /// When the current ingest run started (ms, page clock) and how many bytes were done then.
    pub run_start: Option<(f64, u64)>,
    /// Time of the latest progress report (ms, page clock).
    pub last_progress_ms: f64,
    /// Messages found so far by the worker (copies included).
    pub messages_found: u64,
    /// Copies found (byte-identical messages folded into one).
    pub copies: u64,
    /// The worker's wasm memory in bytes, as last reported.
    pub worker_memory: u64,
    /// Thread order of everything loaded, once the worker has threaded it.
    pub threads: Option<Rc<Vec<ThreadItem>>>,
    /// Whether the list shows threads instead of the date order.
    pub thread_view: bool,
    /// The current search, if any.
    pub search: Option<SearchState>,
    /// (indexed, total) messages of the full-text index.
    pub index_progress: (u32, u32),
    /// Bytes the search index takes in the worker.
    pub index_memory: u64,
    /// Why indexing stopped before the last message, if it did.
    pub index_stopped: Option<String>,
    /// Facets of the latest search (of everything, for an empty query).
    pub facets: Rc<Vec<crate::protocol::Facet>>,
    /// The case work: annotations, saved searches, storage, exports.
    pub case: CaseUi,
    /// Forensics: the dump-wide views, the panel and the reports.
    pub forensics: Forensics,
    /// The demo leak's guide.
    pub guide: GuideUi,
    /// The DKIM verdicts of an edited copy of the open message (the teaching experiment).
    pub experiment: Option<(MessageId, Rc<Vec<crate::protocol::DkimView>>)>,
}

/// The demo leak's guide: there once the demo was asked for, open or closed, and the exercise last shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuideUi {
    /// The demo leak was loaded: the toolbar offers the guide.
    pub available: bool,
    /// The guide is shown.
    pub open: bool,
    /// The exercise whose search ran last.
    pub current: Option<usize>,
}

/// The tabs of the Forensics view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForensicsTab {
    /// Findings across the dump, one row per code.
    #[default]
    Findings,
    /// Sender profiles.
    Senders,
    /// Authors and editors of the attachments.
    Authors,
    /// Edit bursts.
    Bursts,
    /// DKIM per signing key and month.
    Signatures,
}

/// A report the worker built, waiting to be saved.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFile {
    /// Changes with every report, so the page saves each one once.
    pub serial: u64,
    /// Its file name.
    pub file_name: String,
    /// The HTML document.
    pub html: String,
    /// Messages in it.
    pub messages: u32,
}

/// The Forensics view's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forensics {
    /// The latest dump-wide views (after each indexing run).
    pub view: Option<Rc<ForensicsView>>,
    /// Whether the panel is open.
    pub open: bool,
    /// Its tab.
    pub tab: ForensicsTab,
    /// A selection report asked for and not yet answered.
    pub report_pending: bool,
    /// The latest selection report, until it was saved.
    pub report: Option<Rc<ReportFile>>,
}

/// What the UI shows of the case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseUi {
    /// Annotations of messages that have any.
    pub annotations: Rc<std::collections::HashMap<MessageId, crate::protocol::AnnotationView>>,
    /// Saved searches (name, query).
    pub searches: Vec<(String, String)>,
    /// What was stored in this browser: (key, bytes); `None` until listed.
    pub stored: Option<Vec<(String, u64)>>,
    /// Whether the browser lets the page store anything (`None`: not known yet).
    pub storage_ok: Option<bool>,
    /// Sentences about restored or imported cases, newest last.
    pub log: Vec<String>,
    /// Export progress (done, total) while one is built.
    pub export_progress: Option<(u32, u32)>,
    /// The latest export: (file name, blob URL, size, summary).
    pub export: Option<(String, String, u64, String)>,
    /// Whether the case panel is open.
    pub open: bool,
}

/// The query in force and what it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchState {
    /// The query as typed.
    pub query: String,
    /// Matching messages (None while the query is malformed).
    pub hits: Option<Rc<HitSet>>,
    /// Why the query could not run.
    pub problem: Option<QueryProblem>,
    /// Words to highlight.
    pub terms: Vec<String>,
    /// Changes with every answer, so components can tell results apart cheaply.
    pub serial: u64,
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The worker said something, at this time on the page's clock (ms).
    Worker(Event, f64),
    /// Several things the worker said, in order, applied with one render (see [`is_bulk`]).
    WorkerBatch(Vec<Event>, f64),
    /// The user gave files; the worker will report them.
    FilesGiven(usize),
    /// The user selected a message.
    Select(MessageId),
    /// Show or hide raw headers.
    ToggleRaw,
    /// Dismiss the alert.
    DismissAlert,
    /// Switch between date order and thread view.
    ToggleThreads,
    /// The search box was cleared.
    ClearSearch,
    /// Open or close the Forensics view.
    ToggleForensics,
    /// Show this tab of the Forensics view (and open it).
    ForensicsTab(ForensicsTab),
    /// A selection report was asked of the worker.
    ReportRequested,
    /// The selection report was saved.
    ReportSaved,
    /// What the browser has stored, listed again.
    Stored(Option<Vec<(String, u64)>>, bool),
    /// Open or close the case panel.
    ToggleCase,
    /// The demo leak was asked for: its files are on their way, and the guide opens.
    DemoGiven,
    /// Open or close the demo guide.
    ToggleGuide,
    /// An exercise's search was run: remember it and get the guide out of the way.
    LessonShown(usize),
}

/// Whether an event is one of the many an ingest or index pass sends (rows, progress, problems): the page
/// holds those back briefly and applies them together ([`Action::WorkerBatch`]), so that a fast ingest does
/// not cost one whole-page render per batch of rows. (A `.tar.gz` of 60,000 small files sent 30 batches in
/// two seconds, each render took tens of milliseconds, and the page, Cancel button included, stopped
/// answering for two seconds.) Anything else (an opened message, a search answer, the end of a file) is
/// applied at once, after what was held back.
pub fn is_bulk(event: &Event) -> bool {
    matches!(
        event,
        Event::Rows(_) | Event::Copies(_) | Event::Variants(_) | Event::Progress { .. } | Event::IndexProgress { .. } | Event::Problem { .. }
    )
}

fn sort_key(row: &MessageRow) -> (bool, i64, MessageId) {
    match &row.date {
        Some(d) => (false, d.utc_unix, row.id),
        None => (true, 0, row.id),
    }
}

impl State {
    /// Position of a message in the sorted list.
    pub fn position(&self, id: MessageId) -> Option<usize> {
        self.rows.borrow().iter().position(|r| r.id == id)
    }

    /// The message `delta` rows away from the selection (or the first/last when none is selected).
    pub fn neighbour(&self, delta: isize) -> Option<MessageId> {
        if self.rows.is_empty() {
            return None;
        }
        let last = self.rows.len() as isize - 1;
        let pos = match self.selected.and_then(|id| self.position(id)) {
            Some(p) => (p as isize + delta).clamp(0, last),
            None if delta < 0 => last,
            None => 0,
        };
        self.rows.borrow().get(pos as usize).map(|r| r.id)
    }

    /// Number of messages loaded.
    pub fn message_count(&self) -> usize {
        self.rows.len()
    }

    /// Bytes per second since this ingest run started, once there is enough to say.
    pub fn rate(&self) -> Option<f64> {
        let (t0, b0) = self.run_start?;
        let secs = (self.last_progress_ms - t0) / 1000.0;
        let bytes = self.bytes_done.checked_sub(b0)?;
        (secs > 0.25 && bytes > 0).then(|| bytes as f64 / secs)
    }

    /// Seconds left at the current rate.
    pub fn eta_seconds(&self) -> Option<f64> {
        let rate = self.rate()?;
        Some(self.bytes_total.saturating_sub(self.bytes_done) as f64 / rate)
    }

    fn file_mut(&mut self, id: SourceId) -> Option<&mut FileEntry> {
        self.files.iter_mut().find(|f| f.id == id)
    }

    fn apply_event(&mut self, event: Event, now_ms: f64) {
        match event {
            Event::Ready => {}
            Event::SourceQueued { source, name, size } => {
                if self.phase != Phase::Working || self.run_start.is_none() {
                    self.run_start = Some((now_ms, self.bytes_done));
                }
                self.phase = Phase::Working;
                self.files.push(FileEntry {
                    id: source,
                    name,
                    size,
                    format: None,
                    status: FileStatus::Reading,
                    messages: 0,
                    problems: Vec::new(),
                    problems_dropped: 0,
                    bytes_done: 0,
                    duplicates: 0,
                    sha256: String::new(),
                    cancelled: false,
                });
            }
            Event::SourceDetected { source, format } => {
                if let Some(f) = self.file_mut(source) {
                    f.format = Some(format);
                }
            }
            Event::Progress { current, bytes_done, bytes_total, messages, worker_memory } => {
                self.worker_memory = worker_memory;
                self.bytes_done = bytes_done;
                self.bytes_total = bytes_total;
                self.messages_found = messages;
                self.last_progress_ms = now_ms;
                if let Some((source, done)) = current {
                    if let Some(f) = self.file_mut(source) {
                        f.bytes_done = done;
                    }
                }
            }
            Event::Copies(ids) => {
                self.copies += ids.len() as u64;
                self.rows.update(|inner| {
                    for id in ids {
                        if let Some(row) = inner.by_id_mut(id) {
                            row.copies += 1;
                        }
                    }
                });
            }
            Event::Variants(ids) => {
                self.rows.update(|inner| {
                    for id in ids {
                        if let Some(row) = inner.by_id_mut(id) {
                            row.variant = true;
                        }
                    }
                });
            }
            Event::Rows(new_rows) => {
                for r in &new_rows {
                    if let Some(f) = self.files.iter_mut().find(|f| f.id == r.source) {
                        f.messages += 1;
                    }
                }
                // Only the order from where the batch's first row belongs is merged, not the whole list
                // (2.6 M rows re-sorted for every batch of 2,000 made loading quadratic).
                self.rows.update(|inner| inner.add(new_rows));
            }
            Event::Problem { source, severity, text } => {
                if let Some(f) = self.file_mut(source) {
                    f.problems.push(Problem { severity, text });
                }
            }
            Event::SourceDone { source, ok, messages, problems_dropped, duplicates, sha256, cancelled } => {
                if let Some(f) = self.file_mut(source) {
                    f.status = if ok { FileStatus::Ok } else { FileStatus::Error };
                    f.messages = messages;
                    f.problems_dropped = problems_dropped;
                    f.duplicates = duplicates;
                    f.sha256 = sha256;
                    f.cancelled = cancelled;
                    f.bytes_done = f.size;
                }
            }
            Event::Idle => {
                if !self.files.is_empty() {
                    self.phase = Phase::Done;
                }
                self.run_start = None;
            }
            Event::Opened(view) => {
                if self.selected == Some(view.id) {
                    self.reader = Reader::Shown(Rc::new(*view));
                }
            }
            Event::VerifiedEdit { id, dkim } => {
                if self.selected == Some(id) {
                    self.experiment = Some((id, Rc::new(dkim)));
                }
            }
            Event::Failed { text } => self.alert = Some(text),
            Event::Forensics(view) => self.forensics.view = Some(Rc::new(*view)),
            Event::EditBursts(bursts) => {
                if let Some(view) = &self.forensics.view {
                    let mut view = (**view).clone();
                    view.bursts = bursts;
                    self.forensics.view = Some(Rc::new(view));
                }
            }
            Event::Report { file_name, html, messages } => {
                let serial = self.forensics.report.as_ref().map_or(0, |r| r.serial) + 1;
                self.forensics.report_pending = false;
                self.forensics.report = Some(Rc::new(ReportFile { serial, file_name, html, messages }));
            }
            Event::Annotations(list) => {
                let map = Rc::make_mut(&mut self.case.annotations);
                for (id, a) in list {
                    if a == crate::protocol::AnnotationView::default() {
                        map.remove(&id);
                    } else {
                        map.insert(id, a);
                    }
                }
            }
            Event::SavedSearches(list) => self.case.searches = list,
            Event::CaseStore(_) => {}
            Event::CaseLoaded { origin, text } => self.case.log.push(format!("{origin}: {text}")),
            Event::ExportProgress { done, total } => {
                self.case.export_progress = (done < total).then_some((done, total));
            }
            Event::ExportReady { name, url, size, summary } => {
                self.case.export_progress = None;
                self.case.export = Some((name, url, size, summary));
            }
            Event::Threads(items) => self.threads = Some(Rc::new(items)),
            Event::IndexProgress { indexed, total, memory, stopped, worker_memory } => {
                self.worker_memory = worker_memory;
                self.index_progress = (indexed, total);
                self.index_memory = memory;
                self.index_stopped = stopped;
            }
            Event::SearchResult { query, outcome, terms, facets } => {
                self.facets = Rc::new(facets);
                let serial = self.search.as_ref().map_or(0, |s| s.serial) + 1;
                self.search = Some(match outcome {
                    Ok(_) if query.trim().is_empty() => SearchState { query, hits: None, problem: None, terms, serial },
                    Ok(ids) => SearchState { query, hits: Some(Rc::new(ids)), problem: None, terms, serial },
                    Err(problem) => SearchState { query, hits: None, problem: Some(problem), terms, serial },
                });
                if self.search.as_ref().is_some_and(|s| s.query.trim().is_empty()) {
                    self.search = None;
                }
            }
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Worker(event, now_ms) => next.apply_event(event, now_ms),
            Action::WorkerBatch(events, now_ms) => {
                // All rows of the batch are merged into the list at once, where its first rows came: one
                // pass over a long list instead of one per batch of 2,000 (each is a pass when the batch
                // holds an early date; 20 in one task froze the page for seconds at 2.6 M rows). Nothing
                // in a batch depends on rows that come later in it.
                let mut rows: Option<Vec<MessageRow>> = None;
                let mut rest = Vec::with_capacity(events.len());
                for event in events {
                    match event {
                        Event::Rows(r) => match &mut rows {
                            Some(all) => all.extend(r),
                            None => {
                                rows = Some(r);
                                rest.push(None);
                            }
                        },
                        other => rest.push(Some(other)),
                    }
                }
                for event in rest {
                    match event {
                        Some(e) => next.apply_event(e, now_ms),
                        None => next.apply_event(Event::Rows(rows.take().unwrap_or_default()), now_ms),
                    }
                }
            }
            Action::FilesGiven(n) => {
                if n > 0 {
                    next.phase = Phase::Working;
                }
            }
            Action::Select(id) => {
                // Opening a message shows the reader: the Forensics view (over it) closes.
                next.forensics.open = false;
                if next.selected != Some(id) {
                    next.selected = Some(id);
                    next.reader = Reader::Loading(id);
                    next.experiment = None;
                }
            }
            Action::ToggleRaw => next.show_raw = !next.show_raw,
            Action::DismissAlert => next.alert = None,
            Action::ToggleThreads => next.thread_view = !next.thread_view,
            Action::ClearSearch => next.search = None,
            Action::ToggleForensics => next.forensics.open = !next.forensics.open,
            Action::ForensicsTab(tab) => {
                next.forensics.open = true;
                next.forensics.tab = tab;
            }
            Action::ReportRequested => next.forensics.report_pending = true,
            // The serial stays with the next report; the document itself is dropped.
            Action::ReportSaved => {
                if let Some(r) = &next.forensics.report {
                    next.forensics.report =
                        Some(Rc::new(ReportFile { serial: r.serial, file_name: r.file_name.clone(), html: String::new(), messages: r.messages }));
                }
            }
            Action::Stored(list, ok) => {
                next.case.stored = list;
                next.case.storage_ok = Some(ok);
            }
            Action::ToggleCase => {
                next.case.open = !next.case.open;
                next.guide.open &= !next.case.open;
            }
            Action::DemoGiven => {
                next.phase = Phase::Working;
                next.guide = GuideUi { available: true, open: true, current: None };
                next.case.open = false;
            }
            Action::ToggleGuide => {
                next.guide.open = !next.guide.open;
                next.case.open &= !next.guide.open;
            }
            Action::LessonShown(i) => {
                next.guide.current = Some(i);
                next.guide.open = false;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::DateView;

    fn row(id: MessageId, date: Option<i64>) -> MessageRow {
        MessageRow {
            id,
            source: 0,
            date: date.map(|d| DateView { utc_unix: d, utc: String::new(), offset: String::new() }),
            from: String::new(),
            to: String::new(),
            subject: format!("m{id}"),
            attachments: 0,
            size: 0,
            problems: 0,
            sha256: String::new(),
            message_id: None,
            offset: 0,
            length: 0,
            copies: 1,
            variant: false,
            parent: None,
            folder: None,
            flags: vec![],
        }
    }

    fn w(event: Event) -> Action {
        Action::Worker(event, 0.0)
    }

    fn reduce(state: Rc<State>, action: Action) -> Rc<State> {
        state.reduce(action)
    }

    #[test]
    fn batches_in_any_order_leave_the_list_sorted() {
        let mut s = Rc::new(State::default());
        let mut all = Vec::new();
        let mut x: u64 = 7;
        for batch in 0..40u32 {
            let rows: Vec<MessageRow> = (0..25u32)
                .map(|k| {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    let id = batch * 25 + k;
                    // Mostly rising dates, some far back, some undated.
                    let date = match x >> 60 {
                        0 => None,
                        1 => Some((x >> 40) as i64 % 1000),
                        _ => Some(i64::from(batch) * 1000 + (x >> 50) as i64 % 1500),
                    };
                    row(id, date)
                })
                .collect();
            all.extend(rows.iter().map(|r| (sort_key(r), r.id)));
            s = reduce(s, w(Event::Rows(rows)));
        }
        all.sort();
        let ids: Vec<_> = s.rows.borrow().iter().map(|r| r.id).collect();
        assert_eq!(ids, all.into_iter().map(|(_, id)| id).collect::<Vec<_>>());
    }

    #[test]
    fn rows_are_sorted_by_date_with_undated_last() {
        let mut s = Rc::new(State::default());
        s = reduce(s, w(Event::SourceQueued { source: 0, name: "a.mbox".into(), size: 10 }));
        assert_eq!(s.phase, Phase::Working);
        s = reduce(s, w(Event::Rows(vec![row(0, Some(30)), row(1, None), row(2, Some(10))])));
        s = reduce(s, w(Event::Rows(vec![row(3, Some(20))])));
        let ids: Vec<_> = s.rows.borrow().iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 3, 0, 1]);
        assert_eq!(s.files[0].messages, 4);
        s = reduce(s, w(Event::Idle));
        assert_eq!(s.phase, Phase::Done);
    }

    #[test]
    fn a_batch_of_events_is_the_same_as_each_in_turn() {
        let events = vec![
            Event::SourceQueued { source: 0, name: "a.mbox".into(), size: 10 },
            Event::Rows(vec![row(0, Some(30)), row(1, None)]),
            Event::Problem { source: 0, severity: crate::protocol::Severity::Warning, text: "x".into() },
            Event::Rows(vec![row(2, Some(10))]),
            Event::Copies(vec![0]),
        ];
        assert!(events[1..].iter().all(is_bulk) && !is_bulk(&events[0]) && !is_bulk(&Event::Idle));
        let mut one_by_one = Rc::new(State::default());
        for e in events.clone() {
            one_by_one = reduce(one_by_one, w(e));
        }
        let batched = reduce(Rc::new(State::default()), Action::WorkerBatch(events, 0.0));
        let ids = |s: &State| s.rows.borrow().iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&batched), vec![2, 0, 1]);
        assert_eq!(ids(&batched), ids(&one_by_one));
        assert_eq!(batched.files, one_by_one.files);
    }

    #[test]
    fn keyboard_neighbours_clamp() {
        let mut s = Rc::new(State::default());
        s = reduce(s, w(Event::Rows(vec![row(0, Some(1)), row(1, Some(2)), row(2, Some(3))])));
        assert_eq!(s.neighbour(1), Some(0));
        assert_eq!(s.neighbour(-1), Some(2));
        s = reduce(s, Action::Select(1));
        assert_eq!(s.reader, Reader::Loading(1));
        assert_eq!(s.neighbour(1), Some(2));
        assert_eq!(s.neighbour(10), Some(2));
        assert_eq!(s.neighbour(-10), Some(0));
    }

    #[test]
    fn a_stale_answer_does_not_replace_the_selection() {
        let mut s = Rc::new(State::default());
        s = reduce(s, w(Event::Rows(vec![row(0, Some(1)), row(1, Some(2))])));
        s = reduce(s, Action::Select(1));
        let view = MessageView {
            id: 0,
            source_name: String::new(),
            row: row(0, Some(1)),
            cc: String::new(),
            bcc: String::new(),
            reply_to: String::new(),
            message_id: None,
            date_raw: None,
            sha256: String::new(),
            headers: vec![],
            body: String::new(),
            body_kind: crate::protocol::BodyKind::None,
            charset: None,
            detected_charset: None,
            highlights: vec![],
            children: vec![],
            attachments: vec![],
            problems: vec![],
            locations: vec![],
            variants: vec![],
            dkim: vec![],
            arc: None,
            recorded_auth: vec![],
            raw: String::new(),
            raw_truncated: false,
            source_offset: 0,
            unquoted: false,
            mime: vec![],
            hops: vec![],
            findings: vec![],
            fingerprint: vec![],
            html: None,
        };
        s = reduce(s, w(Event::Opened(Box::new(view))));
        assert_eq!(s.reader, Reader::Loading(1));
    }

    #[test]
    fn rows_past_one_chunk_keep_their_order_and_are_found_by_id() {
        let mut s = Rc::new(State::default());
        let n = CHUNK_ROWS as u32 + 24_464;
        for batch in 0..3 {
            let rows = (batch * n / 3..(batch + 1) * n / 3).map(|id| row(id, Some(i64::from(id.wrapping_mul(2_654_435_761) % 1000)))).collect();
            s = reduce(s, w(Event::Rows(rows)));
        }
        let edge = CHUNK_ROWS as u32;
        s = reduce(s, w(Event::Copies(vec![0, edge - 1, edge, n - 1])));
        let rows = s.rows.borrow();
        assert_eq!(rows.len(), n as usize);
        assert!(rows.iter().zip(rows.iter().skip(1)).all(|(a, b)| sort_key(a) <= sort_key(b)), "date order across chunks");
        let copied: Vec<u32> = rows.iter().filter(|r| r.copies > 1).map(|r| r.id).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        assert_eq!(copied, vec![0, edge - 1, edge, n - 1]);
    }

    #[test]
    fn copies_and_variants_find_their_rows_by_id_in_any_arrival_order() {
        for ids in [vec![0u32, 2, 5, 9, 10], vec![5, 2, 9, 0, 10]] {
            let mut s = Rc::new(State::default());
            // Dates in reverse, so list order and arrival order differ.
            let rows = ids.iter().map(|&id| row(id, Some(100 - i64::from(id)))).collect();
            s = reduce(s, w(Event::Rows(rows)));
            s = reduce(s, w(Event::Copies(vec![9, 2, 9])));
            s = reduce(s, w(Event::Variants(vec![5, 7])));
            let got: Vec<(u32, u32, bool)> = s.rows.borrow().iter().map(|r| (r.id, r.copies, r.variant)).collect();
            let copies_of = |id: u32| [(9, 3), (2, 2)].iter().find(|c| c.0 == id).map_or(1, |c| c.1);
            let want: Vec<(u32, u32, bool)> = [10, 9, 5, 2, 0].iter().map(|&id| (id, copies_of(id), id == 5)).collect();
            assert_eq!(got, want, "arrival order {ids:?}");
        }
    }

    #[test]
    fn copies_and_variants_mark_rows_and_rate_follows_the_clock() {
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::Worker(Event::SourceQueued { source: 0, name: "a.mbox".into(), size: 4000 }, 1000.0));
        s = reduce(s, w(Event::Rows(vec![row(0, Some(1)), row(1, Some(2))])));
        s = reduce(s, w(Event::Copies(vec![0, 0])));
        s = reduce(s, w(Event::Variants(vec![1])));
        assert_eq!(s.rows.borrow()[0].copies, 3);
        assert!(s.rows.borrow()[1].variant && !s.rows.borrow()[0].variant);
        assert_eq!(s.copies, 2);
        let progress = Event::Progress { current: Some((0, 2000)), bytes_done: 2000, bytes_total: 4000, messages: 4, worker_memory: 0 };
        s = reduce(s, Action::Worker(progress, 3000.0));
        assert_eq!(s.rate(), Some(1000.0));
        assert_eq!(s.eta_seconds(), Some(2.0));
        assert_eq!(s.files[0].bytes_done, 2000);
    }

    #[test]
    fn rejected_files_are_errors_with_their_reason() {
        let mut s = Rc::new(State::default());
        s = reduce(s, w(Event::SourceQueued { source: 0, name: "x.png".into(), size: 10 }));
        s = reduce(s, w(Event::SourceDetected { source: 0, format: "rejected".into() }));
        s = reduce(
            s,
            w(Event::Problem {
                source: 0,
                severity: Severity::Error,
                text: "not an email: this is a PNG image".into(),
            }),
        );
        s = reduce(s, w(Event::SourceDone {
                source: 0,
                ok: false,
                messages: 0,
                problems_dropped: 0,
                duplicates: 0,
                sha256: "ab".into(),
                cancelled: false,
            }));
        assert_eq!(s.files[0].status, FileStatus::Error);
        assert_eq!(s.files[0].problems[0].text, "not an email: this is a PNG image");
    }

    #[test]
    fn annotations_are_kept_and_cleared() {
        use crate::protocol::AnnotationView;
        let s = Rc::new(State::default());
        let starred = AnnotationView { tags: vec!["budget".into()], starred: true, note: "n".into() };
        let s = reduce(s, w(Event::Annotations(vec![(3, starred.clone()), (4, AnnotationView::default())])));
        assert_eq!(s.case.annotations.get(&3), Some(&starred));
        assert!(!s.case.annotations.contains_key(&4), "an empty annotation is not kept");
        let s = reduce(s, w(Event::Annotations(vec![(3, AnnotationView::default())])));
        assert!(s.case.annotations.is_empty(), "forgetting clears the row marks");
        let s = reduce(s, w(Event::ExportProgress { done: 5, total: 10 }));
        assert_eq!(s.case.export_progress, Some((5, 10)));
        let s = reduce(s, w(Event::ExportReady { name: "x.mbox".into(), url: "blob:x".into(), size: 9, summary: "3 messages".into() }));
        assert_eq!((s.case.export_progress, s.case.export.as_ref().map(|e| e.0.as_str())), (None, Some("x.mbox")));
        let s = reduce(s, Action::Stored(Some(vec![("case:ab".into(), 12)]), true));
        assert_eq!(s.case.stored.as_ref().map(Vec::len), Some(1));
    }

    #[test]
    fn forensics_views_bursts_and_reports() {
        use crate::protocol::{EditBurstView, EditBurstsView, FindingGroup};
        let mut s = Rc::new(State::default());
        // Bursts before any view are ignored; the panel opens on a tab.
        s = reduce(s, w(Event::EditBursts(EditBurstsView::default())));
        assert!(s.forensics.view.is_none());
        s = reduce(s, Action::ToggleForensics);
        assert!(s.forensics.open && s.forensics.tab == ForensicsTab::Findings);
        s = reduce(s, Action::ToggleForensics);
        assert!(!s.forensics.open);
        s = reduce(s, Action::ForensicsTab(ForensicsTab::Authors));
        assert!(s.forensics.open && s.forensics.tab == ForensicsTab::Authors);
        // Opening a message shows the reader; the tab is kept for next time.
        s = reduce(s, Action::Select(4));
        assert!(!s.forensics.open && s.forensics.tab == ForensicsTab::Authors);
        s = reduce(s, Action::ToggleForensics);
        assert!(s.forensics.open && s.forensics.tab == ForensicsTab::Authors);
        let view = ForensicsView {
            messages: 6,
            findings: vec![FindingGroup {
                code: "fingerprint.mailer-change".into(),
                severity: Severity::Info,
                source: "Sender fingerprint".into(),
                count: 1,
                messages: 1,
                sample: "After 3 messages ...".into(),
            }],
            ..ForensicsView::default()
        };
        s = reduce(s, w(Event::Forensics(Box::new(view))));
        assert_eq!(s.forensics.view.as_ref().map(|v| v.findings.len()), Some(1));
        let bursts = EditBurstsView {
            min_docs: 2,
            window_minutes: 5,
            bursts: vec![EditBurstView { editor: "Jeff".into(), reason: "2 documents ...".into(), docs: vec![] }],
        };
        s = reduce(s, w(Event::EditBursts(bursts.clone())));
        let v = s.forensics.view.clone().expect("view");
        assert_eq!(v.bursts, bursts);
        assert_eq!(v.findings.len(), 1, "the rest of the view is kept");
        // A report: pending until it arrives, each with its own serial, its text dropped once saved.
        s = reduce(s, Action::ReportRequested);
        assert!(s.forensics.report_pending);
        s = reduce(s, w(Event::Report { file_name: "r.html".into(), html: "<html>".into(), messages: 2 }));
        assert!(!s.forensics.report_pending);
        assert_eq!(s.forensics.report.as_ref().map(|r| (r.serial, r.html.as_str())), Some((1, "<html>")));
        s = reduce(s, Action::ReportSaved);
        assert_eq!(s.forensics.report.as_ref().map(|r| (r.serial, r.html.is_empty())), Some((1, true)));
        s = reduce(s, w(Event::Report { file_name: "r.html".into(), html: "<p>".into(), messages: 1 }));
        assert_eq!(s.forensics.report.as_ref().map(|r| r.serial), Some(2));
    }

    #[test]
    fn the_guide_and_the_case_panel_take_turns_and_an_experiment_belongs_to_its_message() {
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::ToggleCase);
        s = reduce(s, Action::DemoGiven);
        assert!(s.guide.available && s.guide.open && !s.case.open && s.phase == Phase::Working);
        s = reduce(s, Action::ToggleCase);
        assert!(s.case.open && !s.guide.open, "the case panel closes the guide");
        s = reduce(s, Action::ToggleGuide);
        assert!(s.guide.open && !s.case.open, "and the guide the case panel");
        s = reduce(s, Action::LessonShown(3));
        assert!(!s.guide.open && s.guide.current == Some(3) && s.guide.available);

        s = reduce(s, Action::Select(7));
        let dkim = vec![crate::protocol::DkimView {
            domain: "example.org".into(),
            selector: "s".into(),
            algorithm: "ed25519-sha256".into(),
            result: "fail".into(),
            reason: String::new(),
            body_hash_ok: Some(false),
            key_source: None,
            signed_headers: vec![],
            unsigned_present: vec![],
            flags: vec![],
        }];
        s = reduce(s, w(Event::VerifiedEdit { id: 8, dkim: dkim.clone() }));
        assert!(s.experiment.is_none(), "an answer about another message is dropped");
        s = reduce(s, w(Event::VerifiedEdit { id: 7, dkim }));
        assert_eq!(s.experiment.as_ref().map(|(id, d)| (*id, d.len())), Some((7, 1)));
        s = reduce(s, Action::Select(9));
        assert!(s.experiment.is_none(), "another message starts without one");
    }
}
