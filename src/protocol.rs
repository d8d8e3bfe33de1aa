//! The one place that serializes between the UI and the worker.
//!
//! Messages are plain serde types encoded with `postcard` into a `Uint8Array` and sent with
//! `postMessage`. The only thing that is not encoded is the dropped files themselves: `File` objects
//! travel as an array inside a small JS object (`{files: [File, ...], first: n}`), because a `File`
//! is a handle the browser must clone, not bytes. [`post_files`] builds that object and
//! [`decode_for_worker`] takes it apart again, so no other module touches the wire format.
//!
//! Components see these types and nothing of `leakloupe_core`; the `From` conversions at the bottom,
//! used by the worker only, are where core results become protocol values.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// Identifies a message for the whole session: its position in the worker's message table.
pub type MessageId = u32;
/// Identifies one dropped or picked file for the whole session.
pub type SourceId = u32;

/// What the UI asks of the worker (besides taking files, see [`post_files`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Read one message fully (headers, body, attachments) for the reader.
    Open {
        /// The message to read.
        id: MessageId,
    },
    /// Stop reading: finish the current chunk, keep what was found, drop the queue.
    Cancel,
    /// Run a query in the search language ("from:x has:attachment \"exact words\"").
    Search {
        /// The query as typed.
        query: String,
    },
    /// Find edit bursts again with other thresholds (answered with [`Event::EditBursts`]).
    EditBursts {
        /// N: fewest documents in a burst.
        min_docs: u32,
        /// M: the window, in minutes.
        window_minutes: u32,
    },
    /// Build a printable report of these messages, in this order (answered with [`Event::Report`]).
    Report {
        /// The messages, at most [`crate::report::REPORT_LIMIT`].
        ids: Vec<MessageId>,
        /// How many messages the selection had before the cap.
        total: u32,
        /// What the selection is (the query), for the report's title.
        title: String,
    },
    /// Change a message's case annotations (tags, star, note).
    Annotate {
        /// The message.
        id: MessageId,
        /// Its SHA-256 (what annotations are keyed by).
        sha256: String,
        /// What changes.
        change: AnnotationChange,
    },
    /// Merge a case (JSON as `leakloupe_core::case` writes it) into the current one: one kept in this
    /// browser's storage for a file just loaded again.
    LoadCase {
        /// The case file's text.
        json: String,
        /// Where it came from, for the ingest log ("saved case of mail.mbox").
        origin: String,
    },
    /// Save the query under a name (or replace it), or remove a saved search (`query: None`).
    SaveSearch {
        /// Its name.
        name: String,
        /// The query; `None` removes the saved search.
        query: Option<String>,
    },
    /// Build a file from messages and hand it to the page to save.
    Export {
        /// What to build.
        format: ExportFormat,
        /// The messages, in list order (ignored for [`ExportFormat::Case`]).
        ids: Vec<MessageId>,
    },
    /// Forget the case held in memory (the page erases what is stored).
    ForgetCase,
    /// Verify DKIM over an edited copy of a message (the teaching experiment: change a byte, see the
    /// verdict change), with the keys known now, judged at `at` (the message's own date).
    VerifyEdited {
        /// The message the copy was made from.
        id: MessageId,
        /// The edited text.
        raw: String,
        /// Verification time for `x=` (Unix seconds).
        at: Option<i64>,
    },
    /// Build the demo leak and read it like a drop, its files taking the ids from `first` on (the page
    /// reserved [`DEMO_FILES`] of them).
    LoadDemo {
        /// The id of its first file.
        first: SourceId,
    },
}

/// How many files the demo leak has.
pub const DEMO_FILES: SourceId = leakloupe_core::demo::FILE_COUNT as SourceId;

/// One exercise of the demo leak's guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonView {
    /// Short title.
    pub title: &'static str,
    /// The question.
    pub question: &'static str,
    /// The search that answers it.
    pub query: &'static str,
    /// How many messages it finds.
    pub expect: u32,
    /// What to look at.
    pub explain: &'static str,
}

/// The demo leak's exercises, in teaching order.
pub fn demo_lessons() -> Vec<LessonView> {
    leakloupe_core::demo::LESSONS
        .iter()
        .map(|l| LessonView { title: l.title, question: l.question, query: l.query, expect: l.expect, explain: l.explain })
        .collect()
}

/// A change to one message's annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnnotationChange {
    /// Add a tag.
    AddTag(String),
    /// Remove a tag.
    RemoveTag(String),
    /// Star or unstar.
    Star(bool),
    /// Replace the note.
    Note(String),
}

/// What an export builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportFormat {
    /// One CSV row per message: list fields, locations, hashes, tags, notes.
    Csv,
    /// The same as JSON Lines.
    Jsonl,
    /// The messages' exact bytes as one mbox (mboxrd quoting; re-imports to the same hashes).
    Mbox,
    /// A zip of one .eml per message, byte-exact, with MANIFEST.csv and SHA256SUMS.
    EmlZip,
    /// The case: tags, stars, notes, saved searches and DKIM keys, as JSON.
    Case,
}

impl ExportFormat {
    /// File name suffix and MIME type.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            ExportFormat::Csv => ("results.csv", "text/csv"),
            ExportFormat::Jsonl => ("results.jsonl", "application/x-ndjson"),
            ExportFormat::Mbox => ("messages.mbox", "application/mbox"),
            ExportFormat::EmlZip => ("messages-eml.zip", "application/zip"),
            ExportFormat::Case => ("case.json", "application/json"),
        }
    }
}

/// A message's case annotations as the UI shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnotationView {
    /// Tags.
    pub tags: Vec<String>,
    /// Starred.
    pub starred: bool,
    /// The free-text note.
    pub note: String,
}

/// What the worker tells the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The worker's wasm is running and it accepts requests.
    Ready,
    /// A file was queued; it will be read in order.
    SourceQueued {
        /// Its id.
        source: SourceId,
        /// Its file name as the browser gave it.
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// The worker looked at a file's first bytes and decided what it is.
    SourceDetected {
        /// Which file.
        source: SourceId,
        /// "eml", "mbox", "emlx", "msg", "dkim keys", "empty" or "rejected".
        format: String,
    },
    /// Bytes and messages read so far, for the progress bar.
    Progress {
        /// The file being read, and how many of its bytes are done.
        current: Option<(SourceId, u64)>,
        /// Bytes read in all files so far.
        bytes_done: u64,
        /// Bytes of all files queued so far.
        bytes_total: u64,
        /// Messages found so far.
        messages: u64,
        /// Size of the worker's wasm memory in bytes (it only grows), for memory budgets.
        worker_memory: u64,
    },
    /// A batch of newly found messages.
    Rows(Vec<MessageRow>),
    /// Messages found again, byte for byte, in another place (one entry per extra copy).
    Copies(Vec<MessageId>),
    /// Messages that now have a variant: same Message-ID, different bytes.
    Variants(Vec<MessageId>),
    /// One problem found in a file (the file itself or one message in it).
    Problem {
        /// Which file.
        source: SourceId,
        /// How bad it is.
        severity: Severity,
        /// A specific sentence, e.g. "mbox message 17: truncated headers".
        text: String,
    },
    /// A file is done.
    SourceDone {
        /// Which file.
        source: SourceId,
        /// Ok, or error when the file was rejected or unreadable as a whole.
        ok: bool,
        /// Messages found in it.
        messages: u64,
        /// Problems not sent individually because there were too many.
        problems_dropped: u64,
        /// Messages in it that were byte-identical to messages already loaded.
        duplicates: u64,
        /// SHA-256 of the file's bytes (of the bytes read, if reading stopped early).
        sha256: String,
        /// Whether reading was cancelled before the end.
        cancelled: bool,
    },
    /// Every queued file is done.
    Idle,
    /// The conversation threads of everything loaded, as list items in thread order.
    Threads(Vec<ThreadItem>),
    /// How far the full-text index is built (it is built after ingest).
    IndexProgress {
        /// Messages indexed.
        indexed: u32,
        /// Messages loaded.
        total: u32,
        /// Bytes the search index takes in the worker's memory (`SearchIndex::memory_bytes`).
        memory: u64,
        /// Why indexing stopped before the last message, if it did (search then covers `indexed`).
        stopped: Option<String>,
        /// The worker's WebAssembly memory, in bytes (the index pass is where it grows after ingest).
        worker_memory: u64,
    },
    /// The answer to [`Request::Search`].
    SearchResult {
        /// The query it answers.
        query: String,
        /// Matching messages (all of them for an empty query), or why the query is malformed.
        outcome: Result<HitSet, QueryProblem>,
        /// Words to highlight.
        terms: Vec<String>,
        /// Facets of the hits: (facet name, query field, [(value, count)]), most frequent first.
        facets: Vec<Facet>,
    },
    /// The answer to [`Request::Open`].
    Opened(Box<MessageView>),
    /// The answer to [`Request::VerifyEdited`]: one verdict per signature of the edited copy.
    VerifiedEdit {
        /// The message the copy was made from.
        id: MessageId,
        /// The verdicts.
        dkim: Vec<DkimView>,
    },
    /// The dump-wide forensic views, sent each time indexing finishes.
    Forensics(Box<ForensicsView>),
    /// The answer to [`Request::EditBursts`].
    EditBursts(EditBurstsView),
    /// The answer to [`Request::Report`]: a self-contained HTML file to save.
    Report {
        /// A file name for it.
        file_name: String,
        /// The document.
        html: String,
        /// How many messages it holds.
        messages: u32,
    },
    /// Messages whose annotations are now these (after a change, a restored or imported case).
    Annotations(Vec<(MessageId, AnnotationView)>),
    /// Store these records in the browser (key, case JSON): the case of each source file, keyed by its
    /// SHA-256, so that dropping the same file again after a reload restores it.
    CaseStore(Vec<(String, String)>),
    /// The saved searches, (name, query), in order.
    SavedSearches(Vec<(String, String)>),
    /// A case was merged (restored or imported): what it brought, in one sentence.
    CaseLoaded {
        /// Where it came from.
        origin: String,
        /// What it brought.
        text: String,
    },
    /// An export is being built.
    ExportProgress {
        /// Messages written.
        done: u32,
        /// Messages to write.
        total: u32,
    },
    /// An export is ready: the page saves it. (The worker posts the file's Blob beside the event; the
    /// bridge turns it into `url`.)
    ExportReady {
        /// Suggested file name.
        name: String,
        /// A blob: URL of the file (made by the page).
        url: String,
        /// Its size in bytes.
        size: u64,
        /// What it holds, in words ("12 messages; 2 gained a final line end").
        summary: String,
    },
    /// A request could not be answered.
    Failed {
        /// What failed, in words.
        text: String,
    },
}

/// One line of the thread view: a message, or a placeholder for one the leak does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadItem {
    /// Nesting depth (0 = thread root).
    pub depth: u32,
    /// The message, if the leak holds it.
    pub id: Option<MessageId>,
    /// For a placeholder: the Message-ID that replies point at but no message carries.
    pub missing: Option<String>,
}

/// A set of messages as one bit per message id (ids are dense, counted from 0): 25 KB for 200,000
/// messages whatever matched, where a list of ids would be up to 600 KB to encode, post and decode, and
/// membership is one bit test where a hash set would hash every row the list filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitSet {
    /// How many bits are set.
    count: u32,
    /// Bit `id % 8` of byte `id / 8` is set for a member.
    #[serde(with = "serde_bytes_compat")]
    bits: Vec<u8>,
}

impl HitSet {
    /// The set of `ids` (any order; repeats count once).
    pub fn from_ids(ids: impl IntoIterator<Item = MessageId>) -> HitSet {
        let mut set = HitSet::default();
        for id in ids {
            let Ok(i) = usize::try_from(id) else { continue };
            if set.bits.len() <= i / 8 {
                set.bits.resize(i / 8 + 1, 0);
            }
            if let Some(b) = set.bits.get_mut(i / 8) {
                if *b & (1 << (i % 8)) == 0 {
                    *b |= 1 << (i % 8);
                    set.count += 1;
                }
            }
        }
        set
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &MessageId) -> bool {
        usize::try_from(*id).ok().and_then(|i| self.bits.get(i / 8).map(|b| b & (1 << (i % 8)) != 0)).unwrap_or(false)
    }

    /// How many messages are in the set.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The members, increasing.
    pub fn iter(&self) -> impl Iterator<Item = MessageId> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &b)| {
            (0..8u32).filter(move |k| b & (1 << k) != 0).filter_map(move |k| MessageId::try_from(i * 8).ok().map(|base| base + k))
        })
    }
}

/// One facet of a result set: its values with how many hits carry each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    /// "Senders", "Sender domains", "Months", "Attachment types".
    pub name: String,
    /// The query field a click adds ("from", "domain", "on", "type").
    pub field: String,
    /// (value, count), at most a dozen.
    pub values: Vec<(String, u32)>,
}

/// Why a query could not be run, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryProblem {
    /// One plain sentence.
    pub message: String,
    /// 1-based column where the problem starts.
    pub column: usize,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Something was damaged but the rest was read.
    Warning,
    /// Something could not be read.
    Error,
}

impl Severity {
    /// A lowercase word for CSS classes and data attributes.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A date as the list and reader show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateView {
    /// Seconds since 1970 UTC, for sorting.
    pub utc_unix: i64,
    /// "2000-05-17 23:35:05 UTC".
    pub utc: String,
    /// The sender's original offset, "-04:00".
    pub offset: String,
}

/// One line of the message list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    /// The message.
    pub id: MessageId,
    /// The file it came from.
    pub source: SourceId,
    /// Its Date header, if one could be read.
    pub date: Option<DateView>,
    /// Decoded From.
    pub from: String,
    /// Decoded To.
    pub to: String,
    /// Decoded Subject.
    pub subject: String,
    /// Number of attachments.
    pub attachments: u32,
    /// Size of the raw message in bytes.
    pub size: u64,
    /// Number of problems found while reading it.
    pub problems: u32,
    /// Lowercase hex SHA-256 of the raw message.
    pub sha256: String,
    /// Message-ID, if any.
    pub message_id: Option<String>,
    /// Byte offset of the message in its file.
    pub offset: u64,
    /// Length of the message in its file.
    pub length: u64,
    /// Number of places the same bytes were found (1 = only here).
    pub copies: u32,
    /// The mail folder it was filed in (Maildir/MH tree), if known.
    pub folder: Option<String>,
    /// Maildir flags in words ("seen", "replied", ...).
    pub flags: Vec<String>,
    /// Whether another message has the same Message-ID but different bytes.
    pub variant: bool,
    /// The message this one was found attached to (a forwarded `message/rfc822` part), if any.
    pub parent: Option<MessageId>,
}

/// A header field for the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderView {
    /// Field name as written.
    pub name: String,
    /// Unfolded raw value.
    pub raw: String,
    /// Decoded value.
    pub decoded: String,
}

/// Where the reader's body text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyKind {
    /// A text/plain part.
    Plain,
    /// A text rendering of a text/html part (no HTML is ever put in the page).
    HtmlAsText,
    /// A crude text rendering of an RTF body (Outlook .msg without a plain or HTML body).
    RtfAsText,
    /// No text part at all.
    None,
}

/// One attachment, with its bytes so the reader can offer it for saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// File name, if the message gave one.
    pub filename: Option<String>,
    /// Declared content type.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the decoded bytes.
    pub sha256: String,
    /// The decoded bytes.
    #[serde(with = "serde_bytes_compat")]
    pub bytes: Vec<u8>,
    /// What the content really is ("PDF", "OOXML (Office 2007+)", ...), decided by content.
    pub detected: Option<String>,
    /// Document metadata found inside (author, software, dates, GPS ...).
    pub metadata: Vec<MetaView>,
    /// Problems reading it, including a declared type that does not match the content.
    pub metadata_problems: Vec<String>,
}

/// One metadata field of an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaView {
    /// "Author", "Last modified by", "GPS latitude" ...
    pub label: String,
    /// The value as the file gives it.
    pub value: String,
    /// Writing systems of a person's name ("Cyrillic"), when it is one.
    pub scripts: Vec<String>,
}

/// A message as the reader shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// The message.
    pub id: MessageId,
    /// Name of the file it came from.
    pub source_name: String,
    /// Its list row.
    pub row: MessageRow,
    /// Decoded Cc.
    pub cc: String,
    /// Decoded Bcc (present in drafts, sent mail and Outlook files).
    pub bcc: String,
    /// Decoded Reply-To.
    pub reply_to: String,
    /// Message-ID.
    pub message_id: Option<String>,
    /// The Date header as written.
    pub date_raw: Option<String>,
    /// Lowercase hex SHA-256 of the raw message.
    pub sha256: String,
    /// Every header field, in order.
    pub headers: Vec<HeaderView>,
    /// The body text.
    pub body: String,
    /// Where the body came from.
    pub body_kind: BodyKind,
    /// The body's declared charset.
    pub charset: Option<String>,
    /// The charset the body's bytes look like, when it disagrees with the declared one.
    pub detected_charset: Option<String>,
    /// Byte ranges of `body` that match the search in force (to highlight).
    pub highlights: Vec<(u32, u32)>,
    /// Messages attached to this one (forwarded mail), each a message of its own: (id, subject).
    pub children: Vec<(MessageId, String)>,
    /// Attachments in order.
    pub attachments: Vec<AttachmentView>,
    /// Problems found in this message.
    pub problems: Vec<String>,
    /// Every place the same bytes were found: "file.mbox, bytes 120–5,002".
    pub locations: Vec<String>,
    /// Other messages with the same Message-ID and different bytes.
    pub variants: Vec<VariantView>,
    /// One verdict per DKIM-Signature, top first.
    pub dkim: Vec<DkimView>,
    /// The ARC chain's verdict, when the message has ARC sets.
    pub arc: Option<ArcView>,
    /// Authentication-Results and Received-SPF as the receiving servers recorded them.
    pub recorded_auth: Vec<HeaderView>,
    /// The message's exact bytes as text (invalid UTF-8 shown as U+FFFD), at most [`RAW_LIMIT`]; or, when
    /// they cannot be shown as they are in the file (an Outlook `.msg` is binary; an attached message is
    /// decoded or rebuilt from its parent), a text made by [`raw_with_note`] saying what is shown instead
    /// (read it back with [`split_raw_note`]).
    pub raw: String,
    /// Whether `raw` was cut at [`RAW_LIMIT`].
    pub raw_truncated: bool,
    /// Byte offset of the message in its file (the raw view numbers lines from here).
    pub source_offset: u64,
    /// Whether mboxrd `>From ` lines were unquoted (then offsets after such lines shift by one byte).
    pub unquoted: bool,
    /// The MIME structure, depth first.
    pub mime: Vec<MimeView>,
    /// The Received chain, first hop first.
    pub hops: Vec<HopView>,
    /// Forensic findings about this message's headers (hops, dates), each with its reason.
    pub findings: Vec<FindingView>,
    /// How the sending software shows itself.
    pub fingerprint: Vec<(String, String)>,
    /// The HTML body, sanitized for a sandboxed frame, when the message has one.
    pub html: Option<HtmlView>,
}

/// A sanitized HTML body and the evidence of what was removed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HtmlView {
    /// A complete document for `<iframe sandbox srcdoc>`: no script, no remote URL, its own CSP.
    pub document: String,
    /// Remote resources that were blocked: (kind, URL, where).
    pub blocked: Vec<(String, String, String)>,
    /// Links, kept as text: (text, real target).
    pub links: Vec<(String, String)>,
    /// Scripts and event handlers removed.
    pub removed_code: usize,
    /// Whether the HTML was too deeply nested to render and only its text is shown.
    pub flattened: bool,
}

impl From<leakloupe_core::html::SafeHtml> for HtmlView {
    fn from(h: leakloupe_core::html::SafeHtml) -> Self {
        HtmlView {
            document: h.html,
            blocked: h.blocked.into_iter().map(|b| (b.kind.label().to_string(), b.url, b.context)).collect(),
            links: h.links.into_iter().map(|l| (l.text, l.href)).collect(),
            removed_code: h.removed_scripts + h.removed_handlers,
            flattened: h.flattened,
        }
    }
}

/// One relay hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HopView {
    /// The sending host as it named itself (and what the receiver saw).
    pub from: String,
    /// The receiving host.
    pub by: String,
    /// Protocol (SMTP, ESMTPS, ...).
    pub with: String,
    /// IP addresses in the line, with their class ("public", "private", ...).
    pub ips: Vec<String>,
    /// The hop's time in UTC.
    pub date: Option<String>,
    /// Delay since the previous hop ("12 min 5 s", negative shown with a minus).
    pub delay: Option<String>,
    /// Whether the delay is negative (clock skew or forgery).
    pub negative: bool,
}

/// A finding with a severity and one sentence of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingView {
    /// How serious.
    pub severity: Severity,
    /// Stable code ("received.negative-delay").
    pub code: String,
    /// One plain sentence.
    pub reason: String,
}

/// Largest raw source sent to the reader.
pub const RAW_LIMIT: usize = 2 * 1024 * 1024;

/// Opens a [`MessageView::raw`] that is not the message's bytes as they are in its file. No mail or text
/// file starts with these control characters and words.
const RAW_NOTE_MARK: &str = "\u{1}leakloupe-note\u{1}";

/// A [`MessageView::raw`] for text that is not the message's bytes as they are in its file: `note` (one
/// sentence or more, on one line) says what `text` is.
pub fn raw_with_note(note: &str, text: &str) -> String {
    format!("{RAW_NOTE_MARK}{}\n{text}", note.replace(['\r', '\n'], " "))
}

/// The note and the text of a [`MessageView::raw`]: `(None, raw)` when it is the message's exact bytes.
pub fn split_raw_note(raw: &str) -> (Option<&str>, &str) {
    match raw.strip_prefix(RAW_NOTE_MARK).and_then(|r| r.split_once('\n')) {
        Some((note, text)) => (Some(note), text),
        None => (None, raw),
    }
}

/// One MIME part for the structure view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MimeView {
    /// Nesting depth.
    pub depth: u32,
    /// Part number ("1.2").
    pub number: String,
    /// Declared type.
    pub content_type: String,
    /// Declared charset.
    pub charset: Option<String>,
    /// Transfer encoding.
    pub encoding: String,
    /// Disposition.
    pub disposition: Option<String>,
    /// File name.
    pub filename: Option<String>,
    /// Offset of the part within the message.
    pub offset: u64,
    /// Raw (encoded) size.
    pub raw_size: u64,
    /// Decoded size.
    pub decoded_size: u64,
    /// SHA-256 of the decoded body.
    pub sha256: String,
}

impl From<&leakloupe_core::analysis::received::Hop> for HopView {
    fn from(h: &leakloupe_core::analysis::received::Hop) -> Self {
        use leakloupe_core::analysis::{format_duration, received::ip_class};
        let name = |host: &Option<String>, detail: &Option<String>| match (host, detail) {
            (Some(h), Some(d)) => format!("{h} ({d})"),
            (Some(h), None) => h.clone(),
            (None, Some(d)) => format!("({d})"),
            (None, None) => String::new(),
        };
        HopView {
            from: name(&h.from, &h.from_detail),
            by: h.by.clone().unwrap_or_default(),
            with: h.with.clone().unwrap_or_default(),
            ips: h.ips.iter().map(|ip| format!("{ip} ({})", ip_class(*ip).label())).collect(),
            date: h.date.map(|d| d.utc_display()),
            delay: h.delay_seconds.map(|d| if d < 0 { format!("−{}", format_duration(d)) } else { format_duration(d) }),
            negative: h.delay_seconds.is_some_and(|d| d < 0),
        }
    }
}

impl From<&leakloupe_core::analysis::Finding> for FindingView {
    fn from(f: &leakloupe_core::analysis::Finding) -> Self {
        FindingView { severity: f.severity.into(), code: f.code.to_string(), reason: f.reason.clone() }
    }
}

impl From<leakloupe_core::message::MimePart> for MimeView {
    fn from(p: leakloupe_core::message::MimePart) -> Self {
        MimeView {
            depth: p.depth,
            number: p.number,
            content_type: p.content_type,
            charset: p.charset,
            encoding: p.encoding,
            disposition: p.disposition,
            filename: p.filename,
            offset: p.offset,
            raw_size: p.raw_size,
            decoded_size: p.decoded_size,
            sha256: p.sha256,
        }
    }
}

/// One DKIM signature's verdict, verified offline against the local key store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimView {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// `a=`.
    pub algorithm: String,
    /// RFC 8601 word: pass, fail, neutral, policy, permerror, temperror, none.
    pub result: String,
    /// One plain sentence of why.
    pub reason: String,
    /// Whether the body is unchanged since signing (known even without a key).
    pub body_hash_ok: Option<bool>,
    /// Where the key came from (the file or paste it was imported from).
    pub key_source: Option<String>,
    /// The header fields the signature covers, as listed in `h=`.
    pub signed_headers: Vec<String>,
    /// Header fields present but not covered: they could have been changed freely.
    pub unsigned_present: Vec<String>,
    /// Caveats, one sentence each (weak hash, l=, expired, short key...).
    pub flags: Vec<String>,
}

/// The ARC chain's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArcView {
    /// RFC 8601 word.
    pub result: String,
    /// One plain sentence of why.
    pub reason: String,
    /// Sealing domains, first hop first.
    pub sealers: Vec<String>,
}

/// Another variant of the message in the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantView {
    /// The other message.
    pub id: MessageId,
    /// The file it came from.
    pub source_name: String,
    /// Header fields whose values differ between the two.
    pub differing: Vec<String>,
    /// Whether the two are the same text and differ only in line endings (LF vs CRLF): an
    /// artifact of how they were exported, not a change of content.
    pub line_endings_only: bool,
}

// ---- dump-wide forensic views (built by `crate::forensics` in the worker) ----

/// Everything the Forensics view shows, computed over every indexed message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ForensicsView {
    /// Messages analysed (indexed) so far.
    pub messages: u32,
    /// Findings across the dump, one entry per code, most severe and most frequent first.
    pub findings: Vec<FindingGroup>,
    /// Sender profiles, inconsistent senders first.
    pub senders: Vec<SenderProfileView>,
    /// Person names of the attachments' metadata, most documents first.
    pub authors: Vec<AuthorView>,
    /// Distinct documents with a person name.
    pub documents: u32,
    /// The mailbox's dominant script, when it is clear: "Latin (93% of 16 names)".
    pub dominant_script: Option<String>,
    /// Names written in another script, or mixing look-alike alphabets, per message.
    pub script_findings: Vec<MessageFinding>,
    /// Edit bursts for the default thresholds.
    pub bursts: EditBurstsView,
    /// Attachments not read for metadata because they are larger than the cap (named in `notes`).
    pub skipped_attachments: u32,
    /// Plain sentences about what the analysis left out.
    pub notes: Vec<String>,
    /// DKIM per signing key across the dump, most signatures first.
    pub signing_keys: Vec<SigningKeyView>,
}

/// One signing key (domain + selector) across the dump: its verdicts, month by month, and their pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyView {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// Verified.
    pub pass: u32,
    /// Failed.
    pub fail: u32,
    /// Not checkable (key not in the store).
    pub unchecked: u32,
    /// Errors.
    pub error: u32,
    /// Per month ("2024-03"): (month, pass, fail, unchecked + errors).
    pub months: Vec<(String, u32, u32, u32)>,
    /// First and last message date, as "2024-03-04".
    pub first: Option<String>,
    /// See `first`.
    pub last: Option<String>,
    /// Stable pattern name ("isolated-failures").
    pub pattern: String,
    /// What the pattern means, one sentence.
    pub explain: String,
    /// The messages whose signature failed.
    pub failing: Vec<MessageId>,
}

/// All findings of one code across the dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingGroup {
    /// Stable code, as `finding:<code>` searches it.
    pub code: String,
    /// The most serious severity seen.
    pub severity: Severity,
    /// Where it comes from: "Relay route", "Sender fingerprint", "Names".
    pub source: String,
    /// How many findings.
    pub count: u32,
    /// How many distinct messages carry it (what `finding:<code>` finds).
    pub messages: u32,
    /// One of its reasons, as an example.
    pub sample: String,
}

/// One sender's habits and what broke them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderProfileView {
    /// The From address.
    pub sender: String,
    /// Messages from it.
    pub messages: u32,
    /// Mail programs (families) and how often.
    pub mailers: Vec<(String, u32)>,
    /// Message-ID forms and how often.
    pub message_id_styles: Vec<(String, u32)>,
    /// Message-ID domains and how often.
    pub message_id_domains: Vec<(String, u32)>,
    /// Date offsets ("UTC+01:00") and how often.
    pub timezones: Vec<(String, u32)>,
    /// Messages per hour of the day (0–23) on the sender's own clock.
    pub hours: Vec<u32>,
    /// Inconsistencies, each with its reason and the messages it is about.
    pub inconsistencies: Vec<Inconsistency>,
}

/// One inconsistency of a sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inconsistency {
    /// The finding.
    pub finding: FindingView,
    /// The message it was noticed on, or all the sender's messages for a finding about the sender.
    pub messages: Vec<MessageId>,
}

/// One person name of the documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorView {
    /// The name in its most frequent spelling.
    pub name: String,
    /// Fields ("Author", "Last modified by", ...) and in how many documents.
    pub roles: Vec<(String, u32)>,
    /// Distinct documents naming it.
    pub documents: u32,
    /// Messages carrying them.
    pub messages: u32,
    /// Messages sent under this display name.
    pub sender_messages: u32,
    /// Scripts of its letters ("Cyrillic").
    pub scripts: Vec<String>,
    /// Earliest and latest document date ("2017-04-27 10:02 UTC").
    pub first_date: Option<String>,
    /// See `first_date`.
    pub last_date: Option<String>,
    /// Why it is flagged (another script than the mailbox's, look-alike letters); empty when not.
    pub flags: Vec<String>,
    /// Where it was seen: (message, attachment index), the first few.
    pub refs: Vec<(MessageId, u32)>,
}

/// A finding about one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFinding {
    /// The message.
    pub message: MessageId,
    /// The finding.
    pub finding: FindingView,
}

/// Edit bursts for one (N, M): N documents last saved within M minutes by one editor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EditBurstsView {
    /// N.
    pub min_docs: u32,
    /// M.
    pub window_minutes: u32,
    /// The bursts, earliest first.
    pub bursts: Vec<EditBurstView>,
}

/// Several documents last saved by one editor within minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditBurstView {
    /// The editor.
    pub editor: String,
    /// One plain sentence.
    pub reason: String,
    /// The documents, by last-saved time.
    pub docs: Vec<BurstDocView>,
}

/// One document of an edit burst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurstDocView {
    /// The first message carrying it.
    pub message: MessageId,
    /// Its attachment index there.
    pub attachment: u32,
    /// Its file name.
    pub file_name: String,
    /// When it was last saved ("2017-04-27 10:09:00 UTC").
    pub saved: String,
    /// How many attachments carry this very document.
    pub copies: u32,
}

/// Severity order for display: errors first.
pub fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Byte vectors as one length-prefixed blob rather than a sequence of u8 (postcard encodes both
/// the same size, but this keeps the intent explicit and leaves room for a faster path).
mod serde_bytes_compat {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let b: &[u8] = Deserialize::deserialize(d)?;
        Ok(b.to_vec())
    }
}

/// Encode a value for `postMessage`.
pub fn encode<T: Serialize>(value: &T) -> JsValue {
    match postcard::to_allocvec(value) {
        Ok(bytes) => js_sys::Uint8Array::from(bytes.as_slice()).into(),
        // postcard cannot fail on these plain types; report rather than panic.
        Err(e) => JsValue::from_str(&format!("encode error: {e}")),
    }
}

/// Post an export's file: the Blob itself (no copy through the protocol) and its event.
pub fn post_export(scope: &web_sys::DedicatedWorkerGlobalScope, blob: &web_sys::Blob, event: &Event) -> Result<(), JsValue> {
    let msg = js_sys::Object::new();
    js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
    js_sys::Reflect::set(&msg, &"event".into(), &encode(event))?;
    scope.post_message(&msg)
}

/// Decode a worker [`Event`] from a `MessageEvent`'s data.
pub fn decode_event(data: &JsValue) -> Result<Event, String> {
    if let Some(blob) = js_sys::Reflect::get(data, &"blob".into()).ok().and_then(|b| b.dyn_into::<web_sys::Blob>().ok()) {
        let event = js_sys::Reflect::get(data, &"event".into()).map_err(|_| "export without its event".to_string())?;
        let mut event = decode_event(&event)?;
        if let Event::ExportReady { url, .. } = &mut event {
            *url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "could not make a URL for the export".to_string())?;
        }
        return Ok(event);
    }
    let bytes = data
        .dyn_ref::<js_sys::Uint8Array>()
        .ok_or_else(|| "worker sent a message that is not Leakloupe protocol bytes".to_string())?
        .to_vec();
    postcard::from_bytes(&bytes).map_err(|e| format!("worker message could not be decoded: {e}"))
}

/// What the worker can receive.
pub enum WorkerInput {
    /// A request.
    Request(Request),
    /// New files, numbered from `first`.
    Files {
        /// Id of the first file; the rest follow in order.
        first: SourceId,
        /// The files, each with its path relative to what was dropped or picked.
        files: Vec<(web_sys::File, String)>,
    },
}

/// Send files, each with its relative path, to the worker. `first` is the id of the first one.
pub fn post_files(worker: &web_sys::Worker, first: SourceId, files: &[(web_sys::File, String)]) -> Result<(), JsValue> {
    let array = js_sys::Array::new();
    let paths = js_sys::Array::new();
    for (f, path) in files {
        array.push(f);
        paths.push(&JsValue::from_str(path));
    }
    let msg = js_sys::Object::new();
    js_sys::Reflect::set(&msg, &"files".into(), &array)?;
    js_sys::Reflect::set(&msg, &"paths".into(), &paths)?;
    js_sys::Reflect::set(&msg, &"first".into(), &JsValue::from(first))?;
    worker.post_message(&msg)
}

/// Send a request to the worker.
pub fn post_request(worker: &web_sys::Worker, request: &Request) -> Result<(), JsValue> {
    worker.post_message(&encode(request))
}

/// Take apart what the UI posted to the worker.
pub fn decode_for_worker(data: &JsValue) -> Result<WorkerInput, String> {
    if let Some(bytes) = data.dyn_ref::<js_sys::Uint8Array>() {
        return postcard::from_bytes(&bytes.to_vec())
            .map(WorkerInput::Request)
            .map_err(|e| format!("request could not be decoded: {e}"));
    }
    let files = js_sys::Reflect::get(data, &"files".into()).map_err(|_| "message has no files".to_string())?;
    let first = js_sys::Reflect::get(data, &"first".into())
        .ok()
        .and_then(|v| v.as_f64())
        .ok_or_else(|| "message has no first file id".to_string())?;
    let files: js_sys::Array = files.dyn_into().map_err(|_| "files is not an array".to_string())?;
    let paths: Option<js_sys::Array> =
        js_sys::Reflect::get(data, &"paths".into()).ok().and_then(|p| p.dyn_into().ok());
    let files = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let file = f.dyn_into::<web_sys::File>().ok()?;
            let path = paths.as_ref().and_then(|p| p.get(i as u32).as_string()).unwrap_or_else(|| file.name());
            Some((file, path))
        })
        .collect();
    Ok(WorkerInput::Files { first: first as SourceId, files })
}

// ---- conversions from core results (worker side only) ----

impl From<leakloupe_core::auth::dkim::DkimReport> for DkimView {
    fn from(r: leakloupe_core::auth::dkim::DkimReport) -> Self {
        DkimView {
            domain: r.domain,
            selector: r.selector,
            algorithm: r.algorithm,
            result: r.result.label().to_string(),
            reason: r.reason,
            body_hash_ok: r.body_hash_ok,
            key_source: r.key_source,
            signed_headers: r.signed_headers,
            unsigned_present: r.unsigned_present,
            flags: r.flags.iter().map(|f| f.describe()).collect(),
        }
    }
}

impl From<leakloupe_core::auth::arc::ArcReport> for ArcView {
    fn from(r: leakloupe_core::auth::arc::ArcReport) -> Self {
        ArcView { result: r.result.label().to_string(), reason: r.reason, sealers: r.sealers }
    }
}

impl From<leakloupe_core::diagnostic::Severity> for Severity {
    fn from(s: leakloupe_core::diagnostic::Severity) -> Self {
        use leakloupe_core::diagnostic::Severity as S;
        match s {
            S::Info => Severity::Info,
            S::Warning => Severity::Warning,
            S::Error => Severity::Error,
        }
    }
}

impl From<leakloupe_core::message::MailDate> for DateView {
    fn from(d: leakloupe_core::message::MailDate) -> Self {
        DateView { utc_unix: d.utc_unix, utc: d.utc_display(), offset: d.offset_display() }
    }
}

impl MessageRow {
    /// Build a list row from a core summary and where it was found.
    pub fn from_summary(
        id: MessageId,
        source: SourceId,
        span: &leakloupe_core::ingest::MessageSpan,
        s: &leakloupe_core::message::MessageSummary,
    ) -> Self {
        MessageRow {
            sha256: s.sha256.clone(),
            message_id: s.message_id.clone(),
            offset: span.offset,
            length: span.len,
            copies: 1,
            variant: false,
            parent: None,
            folder: None,
            flags: Vec::new(),
            id,
            source,
            date: s.date.map(DateView::from),
            from: s.from.clone(),
            to: s.to.clone(),
            subject: s.subject.clone(),
            attachments: s.attachment_count,
            size: s.size,
            problems: u32::try_from(s.problems.len()).unwrap_or(u32::MAX),
        }
    }
}

impl MessageView {
    /// Build the reader's view from a core detail; `row` is the message's list row as the UI has it
    /// and `attachment_bytes` gives each attachment's bytes.
    pub fn from_detail(
        row: MessageRow,
        source_name: String,
        d: leakloupe_core::message::MessageDetail,
        attachment_bytes: impl Fn(u32) -> Vec<u8>,
    ) -> Self {
        use leakloupe_core::message::BodySource;
        let id = row.id;
        MessageView {
            id,
            source_name,
            row,
            cc: d.cc,
            bcc: d.bcc,
            reply_to: d.reply_to,
            message_id: d.summary.message_id.clone(),
            date_raw: d.summary.date_raw.clone(),
            sha256: d.summary.sha256.clone(),
            headers: d
                .headers
                .into_iter()
                .map(|h| HeaderView { name: h.name, raw: h.raw, decoded: h.decoded })
                .collect(),
            body: d.body.text,
            body_kind: match d.body.source {
                BodySource::Plain => BodyKind::Plain,
                BodySource::HtmlAsText => BodyKind::HtmlAsText,
                BodySource::RtfAsText => BodyKind::RtfAsText,
                BodySource::None => BodyKind::None,
            },
            charset: d.body.charset,
            detected_charset: d.body.detected_charset,
            highlights: Vec::new(),
            children: Vec::new(),
            attachments: d
                .attachments
                .into_iter()
                .map(|a| {
                    let bytes = attachment_bytes(a.index);
                    let meta = leakloupe_core::metadata::extract(&bytes, a.filename.as_deref(), Some(&a.content_type));
                    let known = meta.kind != leakloupe_core::metadata::DocKind::Unknown;
                    AttachmentView {
                        bytes,
                        filename: a.filename,
                        content_type: a.content_type,
                        size: a.size,
                        sha256: a.sha256,
                        detected: known.then(|| meta.kind.label().to_string()),
                        metadata: meta
                            .fields
                            .into_iter()
                            .map(|f| MetaView {
                                label: f.label,
                                value: f.value,
                                scripts: f.scripts.iter().map(|s| s.name().to_string()).collect(),
                            })
                            .collect(),
                        metadata_problems: meta.problems.into_iter().map(|p| p.text).collect(),
                    }
                })
                .collect(),
            problems: d.summary.problems.iter().map(|p| p.text.clone()).collect(),
            locations: Vec::new(),
            variants: Vec::new(),
            dkim: Vec::new(),
            arc: None,
            recorded_auth: Vec::new(),
            raw: String::new(),
            raw_truncated: false,
            source_offset: 0,
            unquoted: false,
            mime: Vec::new(),
            hops: Vec::new(),
            findings: Vec::new(),
            fingerprint: Vec::new(),
            html: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_sets_hold_their_members_and_count_them_once() {
        let set = HitSet::from_ids([7, 0, 200_000, 7, 63]);
        assert_eq!(set.len(), 4);
        assert!(set.contains(&0) && set.contains(&7) && set.contains(&63) && set.contains(&200_000));
        assert!(!set.contains(&1) && !set.contains(&199_999) && !set.contains(&u32::MAX));
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 7, 63, 200_000]);
        let all = HitSet::from_ids(0..200_000);
        let bytes = postcard::to_allocvec(&all).expect("encodes");
        assert!(bytes.len() < 25_010, "200,000 hits take {} bytes", bytes.len());
        assert_eq!(postcard::from_bytes::<HitSet>(&bytes).expect("decodes"), all);
        assert!(HitSet::default().is_empty());
    }

    #[test]
    fn events_round_trip_through_postcard() {
        let ev = Event::Rows(vec![MessageRow {
            id: 7,
            source: 1,
            date: Some(DateView { utc_unix: 1, utc: "x".into(), offset: "+02:00".into() }),
            from: "Ä <a@b>".into(),
            to: String::new(),
            subject: "Grüße".into(),
            attachments: 2,
            size: 1234,
            problems: 0,
            sha256: "ab".into(),
            message_id: Some("<x@y>".into()),
            offset: 5,
            length: 1234,
            copies: 1,
            variant: false,
            parent: None,
            folder: Some("INBOX".into()),
            flags: vec!["seen".into()],
        }]);
        let bytes = postcard::to_allocvec(&ev).expect("encodes");
        let back: Event = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(ev, back);
    }

    #[test]
    fn attachment_bytes_survive() {
        let a = AttachmentView {
            filename: Some("a.png".into()),
            content_type: "image/png".into(),
            size: 3,
            sha256: "00".into(),
            bytes: vec![0, 255, 7],
            detected: None,
            metadata: vec![MetaView { label: "Author".into(), value: "Роша".into(), scripts: vec!["Cyrillic".into()] }],
            metadata_problems: vec![],
        };
        let bytes = postcard::to_allocvec(&a).expect("encodes");
        let back: AttachmentView = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(back.bytes, vec![0, 255, 7]);
    }

    #[test]
    fn raw_notes_are_told_apart_from_bytes() {
        let raw = raw_with_note("Not the bytes:\r\nrebuilt.", "From: a@b\r\n\r\nhi\n");
        assert_eq!(split_raw_note(&raw), (Some("Not the bytes:  rebuilt."), "From: a@b\r\n\r\nhi\n"));
        assert_eq!(split_raw_note(&raw_with_note("empty", "")), (Some("empty"), ""));
        for bytes in ["From: a@b\n\nhi\n", "", "\u{1}leakloupe-note\u{1}", "\u{1}x\u{1}\nb"] {
            assert_eq!(split_raw_note(bytes), (None, bytes));
        }
    }
}
