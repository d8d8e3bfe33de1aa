//! Ingest: detect what a source is, split it into messages as its bytes stream in, and hand each message
//! (with a cheap summary) and every diagnostic to a caller-supplied [`IngestSink`].
//!
//! The worker reads a `File` in chunks and calls [`Ingester::push`] for each; memory stays bounded by the
//! largest single message, not the source. Each message is identified by a [`MessageSpan`] (byte range in
//! the source), so the detail view can re-read just those bytes later and pass them through
//! [`message_bytes`] to get exactly what the summarizer saw.
//!
//! ```
//! use leakloupe_core::ingest::{ingest_all, message_bytes};
//! let src = b"From a@b Sat Jan  3 01:05:34 1996\nSubject: one\n\n>From here\n\n";
//! let r = ingest_all(src, "x.mbox");
//! let (span, summary) = &r.messages[0];
//! let slice = &src[span.offset as usize..(span.offset + span.len) as usize];
//! assert_eq!(message_bytes(span, slice), b"Subject: one\n\nFrom here\n\n");
//! assert_eq!(summary.subject, "one");
//! ```

pub mod embedded;
pub(crate) mod emlx;
pub mod emlx_rebuild;
pub mod maildir;
pub(crate) mod mbox;
pub mod msg;
pub(crate) mod sniff;

pub use sniff::{sniff, Sniffed};

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::message::{summarize, MessageSummary};
use mbox::MboxSplitter;

/// The mail container formats the ingester can split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// One RFC 5322 message per source.
    Eml,
    /// Unix mbox (mboxo, mboxrd, mboxcl, mboxcl2), messages separated by `From ` postmark lines.
    Mbox,
    /// Apple Mail `.emlx` / `.partial.emlx`: a byte-count line, one RFC 822 message, an XML property list.
    Emlx,
    /// Outlook `.msg`: one message as MAPI properties in an OLE compound file.
    Msg,
}

impl SourceFormat {
    /// Short lower-case label: "eml", "mbox", "emlx" or "msg".
    pub fn label(self) -> &'static str {
        match self {
            SourceFormat::Eml => "eml",
            SourceFormat::Mbox => "mbox",
            SourceFormat::Emlx => "emlx",
            SourceFormat::Msg => "msg",
        }
    }
}

/// How the bytes of a [`MessageSpan`] are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SpanKind {
    /// An RFC 822 message (`.eml`, `.emlx`, one mbox message after [`message_bytes`]).
    #[default]
    Rfc822,
    /// A whole Outlook `.msg` file; [`crate::message::read_message`] recognises it by its OLE signature,
    /// and [`crate::message::read_any`] by this kind.
    OutlookMsg,
}

/// Single-message formats are buffered whole, up to this size.
pub const MAX_SINGLE_MESSAGE_SOURCE: usize = 512 * 1024 * 1024;

/// The envelope of an mbox message, from its `From ` postmark line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Envelope sender as written on the From_ line (may be empty).
    pub from: String,
    /// The From_ line's date as a Unix timestamp (UTC), if it was a real date.
    pub date_unix: Option<i64>,
}

/// Where one message lives in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSpan {
    /// 0-based index within the source.
    pub index: u64,
    /// Byte offset in the source of the message bytes (after the From_ line, for mbox).
    pub offset: u64,
    /// Length in bytes of the message in the source, EXCLUDING the From_ line.
    pub len: u64,
    /// Whether [`message_bytes`] must unquote `>From ` lines (mboxrd).
    pub mboxrd_unquote: bool,
    /// The mbox envelope, if the source is an mbox.
    pub envelope: Option<Envelope>,
    /// What the span's bytes are: an RFC 822 message or a whole Outlook `.msg` file.
    pub kind: SpanKind,
}

/// Receives what the ingester finds, as it finds it.
pub trait IngestSink {
    /// One message, with its location and summary.
    fn message(&mut self, span: MessageSpan, summary: MessageSummary);
    /// One diagnostic (about the source, or about a message when `diagnostic.message` is set).
    fn diagnostic(&mut self, diagnostic: Diagnostic);
    /// One message together with the bytes its summary was made from (the message as
    /// [`message_bytes`] gives it back; for an Outlook `.msg`, the whole file), for a sink that also
    /// indexes message text or looks for embedded messages. The ingester calls this; the default
    /// forgets the bytes and calls [`IngestSink::message`].
    fn message_with_bytes(&mut self, span: MessageSpan, summary: MessageSummary, raw: &[u8]) {
        let _ = raw;
        self.message(span, summary);
    }
}

/// Counts returned by [`Ingester::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestTotals {
    /// Number of messages emitted.
    pub messages: u64,
    /// Number of source bytes pushed.
    pub bytes: u64,
}

/// Streaming splitter + summarizer.
///
/// Bytes arrive in chunks of arbitrary size (could be 1 byte, could be 8 MiB); memory stays bounded by the
/// largest single message, not the source. The results do not depend on how the source is chunked.
/// Single-message formats (`.emlx`, `.msg`) are buffered whole, up to [`MAX_SINGLE_MESSAGE_SOURCE`] bytes;
/// a larger source gives an Error diagnostic and no message.
#[derive(Debug)]
pub struct Ingester {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Eml {
        buf: Vec<u8>,
    },
    Mbox(MboxSplitter),
    /// A one-message format read at `finish`.
    Whole {
        format: SourceFormat,
        buf: Vec<u8>,
        total: u64,
        too_big: bool,
        cap: usize,
    },
}

impl Ingester {
    /// A new ingester for a source of the given format (usually decided by [`sniff`]).
    pub fn new(format: SourceFormat) -> Self {
        let inner = match format {
            SourceFormat::Eml => Inner::Eml { buf: Vec::new() },
            SourceFormat::Mbox => Inner::Mbox(MboxSplitter::new()),
            SourceFormat::Emlx | SourceFormat::Msg => Inner::Whole {
                format,
                buf: Vec::new(),
                total: 0,
                too_big: false,
                cap: MAX_SINGLE_MESSAGE_SOURCE,
            },
        };
        Ingester { inner }
    }

    /// An ingester whose single-message buffer is capped at `cap` bytes (tests).
    #[cfg(test)]
    fn with_cap(format: SourceFormat, cap: usize) -> Self {
        let mut ing = Self::new(format);
        if let Inner::Whole { cap: c, .. } = &mut ing.inner {
            *c = cap;
        }
        ing
    }

    /// Feed the next chunk of the source. Messages completed by this chunk are sent to `sink`.
    pub fn push(&mut self, chunk: &[u8], sink: &mut dyn IngestSink) {
        match &mut self.inner {
            Inner::Eml { buf } => buf.extend_from_slice(chunk),
            Inner::Mbox(m) => m.push(chunk, sink),
            Inner::Whole {
                buf,
                total,
                too_big,
                cap,
                ..
            } => {
                *total += chunk.len() as u64;
                if *too_big {
                    return;
                }
                if buf.len().saturating_add(chunk.len()) > *cap {
                    *too_big = true;
                    *buf = Vec::new();
                } else {
                    buf.extend_from_slice(chunk);
                }
            }
        }
    }

    /// End of the source: flush the last message and report totals.
    pub fn finish(self, sink: &mut dyn IngestSink) -> IngestTotals {
        match self.inner {
            Inner::Eml { buf } => finish_eml(&buf, sink),
            Inner::Mbox(m) => m.finish(sink),
            Inner::Whole {
                format,
                total,
                too_big: true,
                cap,
                ..
            } => {
                sink.diagnostic(Diagnostic::error(
                    DiagnosticKind::Other,
                    format!(
                        "{}: the file is {total} bytes; a single-message file larger than {} MiB is not read",
                        format.label(),
                        cap >> 20
                    ),
                ));
                IngestTotals {
                    messages: 0,
                    bytes: total,
                }
            }
            Inner::Whole {
                format: SourceFormat::Msg,
                buf,
                ..
            } => finish_msg(&buf, sink),
            Inner::Whole { buf, .. } => emlx::finish(&buf, sink),
        }
    }
}

fn finish_msg(buf: &[u8], sink: &mut dyn IngestSink) -> IngestTotals {
    let total = buf.len() as u64;
    let parsed = match msg::parse(buf) {
        Ok(m) => m,
        Err(reason) => {
            sink.diagnostic(Diagnostic::error(
                DiagnosticKind::NotMail,
                format!("not an email: {reason}"),
            ));
            return IngestTotals {
                messages: 0,
                bytes: total,
            };
        }
    };
    let summary = msg::summary_of(&parsed, buf);
    let problems: Vec<Diagnostic> = summary
        .problems
        .iter()
        .map(|p| p.for_message(1, "msg: "))
        .collect();
    let span = MessageSpan {
        index: 0,
        offset: 0,
        len: total,
        mboxrd_unquote: false,
        envelope: None,
        kind: SpanKind::OutlookMsg,
    };
    // The whole file is the message's bytes (what `message_bytes` gives back for the span): a sink can
    // look inside it for embedded messages (`embedded::embedded_messages` reads `.msg` bytes).
    sink.message_with_bytes(span, summary, buf);
    for p in problems {
        sink.diagnostic(p);
    }
    IngestTotals {
        messages: 1,
        bytes: total,
    }
}

fn finish_eml(buf: &[u8], sink: &mut dyn IngestSink) -> IngestTotals {
    let total = buf.len() as u64;
    let body = sniff::skip_bom_and_blank(buf);
    if body.iter().all(u8::is_ascii_whitespace) {
        sink.diagnostic(Diagnostic::warning(
            DiagnosticKind::EmptySource,
            "eml: the file is empty",
        ));
        return IngestTotals {
            messages: 0,
            bytes: total,
        };
    }
    let offset = (buf.len() - body.len()) as u64;
    emit_single_rfc822(sink, offset, body, summarize(body), "eml: ");
    IngestTotals {
        messages: 1,
        bytes: total,
    }
}

/// Hand the one RFC 822 message of a single-message source (eml, emlx) to the sink, then its
/// problems numbered as message 1 with the format's prefix.
pub(crate) fn emit_single_rfc822(
    sink: &mut dyn IngestSink,
    offset: u64,
    message: &[u8],
    summary: MessageSummary,
    prefix: &str,
) {
    let problems: Vec<Diagnostic> = summary.problems.iter().map(|p| p.for_message(1, prefix)).collect();
    let span = MessageSpan {
        index: 0,
        offset,
        len: message.len() as u64,
        mboxrd_unquote: false,
        envelope: None,
        kind: SpanKind::Rfc822,
    };
    sink.message_with_bytes(span, summary, message);
    for p in problems {
        sink.diagnostic(p);
    }
}

/// Everything [`ingest_all`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestResult {
    /// What the source was detected as.
    pub sniffed: Sniffed,
    /// Every message, in source order.
    pub messages: Vec<(MessageSpan, MessageSummary)>,
    /// Every diagnostic, in the order emitted.
    pub diagnostics: Vec<Diagnostic>,
}

impl IngestSink for IngestResult {
    fn message(&mut self, span: MessageSpan, summary: MessageSummary) {
        self.messages.push((span, summary));
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Convenience for tests & small sources: sniff + ingest the whole buffer in one go.
pub fn ingest_all(bytes: &[u8], name: &str) -> IngestResult {
    let head = bytes.get(..bytes.len().min(64 * 1024)).unwrap_or(bytes);
    let sniffed = sniff(head, name);
    let mut result = IngestResult {
        sniffed: sniffed.clone(),
        messages: Vec::new(),
        diagnostics: Vec::new(),
    };
    match sniffed {
        Sniffed::Empty => result.diagnostics.push(Diagnostic::warning(
            DiagnosticKind::EmptySource,
            if bytes.is_empty() {
                "the file is empty (0 bytes)"
            } else {
                "the file contains only whitespace"
            },
        )),
        Sniffed::Rejected { reason } => result
            .diagnostics
            .push(Diagnostic::error(DiagnosticKind::NotMail, reason)),
        // Keys are not messages: the caller imports them into its key store.
        Sniffed::KeyRecords => result.diagnostics.push(Diagnostic::info(
            DiagnosticKind::Other,
            "DKIM key records, not mail: import them into the key store (auth::KeyStore::add_records)",
        )),
        // Archives are expanded in memory here (the convenience path); the worker streams them with
        // crate::container::walk instead. Spans are then relative to each entry's bytes.
        Sniffed::Container(kind) => crate::container::ingest_into(kind, bytes, name, &mut result),
        Sniffed::Mail(format) => {
            let mut ingester = Ingester::new(format);
            ingester.push(bytes, &mut result);
            ingester.finish(&mut result);
        }
    }
    result
}

/// Given the source bytes `[span.offset, span.offset + span.len)`, return exactly the message bytes the
/// summarizer saw (mboxrd: one '>' stripped from lines matching `^>+From `; "> From" and ">F" untouched).
/// For an Outlook `.msg` span these are the whole file, which [`crate::message::read_message`] accepts.
pub fn message_bytes(span: &MessageSpan, source_slice: &[u8]) -> Vec<u8> {
    if span.mboxrd_unquote {
        mbox::unquote(source_slice)
    } else {
        source_slice.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(src: &[u8], size: usize) -> IngestResult {
        let mut r = IngestResult {
            sniffed: Sniffed::Mail(SourceFormat::Mbox),
            messages: vec![],
            diagnostics: vec![],
        };
        let mut ing = Ingester::new(SourceFormat::Mbox);
        for c in src.chunks(size) {
            ing.push(c, &mut r);
        }
        let totals = ing.finish(&mut r);
        assert_eq!(totals.bytes, src.len() as u64);
        assert_eq!(totals.messages, r.messages.len() as u64);
        r
    }

    const SAMPLE: &[u8] = b"From god@heaven.af.mil Sat Jan  3 01:05:34 1996\nMessage 1\n\n\
From cras@irccrew.org  Tue Jul 23 19:39:23 2002\nMessage 2\n\n\
From test@test.com Tue Aug  6 13:34:34 2002\nMessage 3\n>From hello\n>>From world\n>>>From test\n\n\
From other@domain.com Mon Jan 15  15:30:00  2018\nMessage 4\n> From\n>F\n";

    #[test]
    fn chunk_size_does_not_matter() {
        let srcs: Vec<Vec<u8>> = vec![
            SAMPLE.to_vec(),
            SAMPLE.iter().map(|b| if *b == b'\n' { b'\r' } else { *b }).collect(),
            String::from_utf8_lossy(SAMPLE).replace('\n', "\r\n").into_bytes(),
            b"garbage\n\nFrom a@b Sat Jan  3 01:05:34 1996\nSubject: x\n\nbody\nFrom perl5-porters:\n".to_vec(),
        ];
        for src in &srcs {
            let whole = chunked(src, src.len().max(1));
            for size in [1, 2, 7, 4096] {
                assert_eq!(chunked(src, size), whole, "chunk size {size}");
            }
        }
    }

    #[test]
    fn sample_mbox_contents_and_envelopes() {
        let r = ingest_all(SAMPLE, "sample.mbox");
        let want: [(&str, i64, &[u8]); 4] = [
            ("god@heaven.af.mil", 820631134, b"Message 1\n\n"),
            ("cras@irccrew.org", 1027453163, b"Message 2\n\n"),
            (
                "test@test.com",
                1028640874,
                b"Message 3\nFrom hello\n>From world\n>>From test\n\n",
            ),
            ("other@domain.com", 1516030200, b"Message 4\n> From\n>F\n"),
        ];
        assert_eq!(r.messages.len(), 4);
        for ((span, summary), (from, date, contents)) in r.messages.iter().zip(want) {
            let env = span.envelope.as_ref().unwrap();
            assert_eq!(env.from, from);
            assert_eq!(env.date_unix, Some(date));
            let slice = &SAMPLE[span.offset as usize..(span.offset + span.len) as usize];
            let bytes = message_bytes(span, slice);
            assert_eq!(bytes, contents);
            assert_eq!(summary.size, contents.len() as u64);
            assert_eq!(summary.sha256, crate::message::sha256_hex(contents));
        }
        assert!(r.messages[2].0.mboxrd_unquote);
        assert!(!r.messages[3].0.mboxrd_unquote);
    }

    #[test]
    fn cr_only_and_crlf_mboxes() {
        let mac: Vec<u8> = b"From a@b Sat Jan  3 01:05:34 1996\nSubject: one\nFrom: x@y\n\nhi\n\nFrom c@d Sat Jan  3 01:05:35 1996\nSubject: two\n\n>From x\n"
            .iter()
            .map(|b| if *b == b'\n' { b'\r' } else { *b })
            .collect();
        let r = ingest_all(&mac, "mac.mbox");
        let subjects: Vec<&str> = r.messages.iter().map(|(_, s)| s.subject.as_str()).collect();
        assert_eq!(subjects, ["one", "two"]);
        assert_eq!(r.messages[0].1.from, "x@y");
        let (span, _) = &r.messages[1];
        let slice = &mac[span.offset as usize..(span.offset + span.len) as usize];
        assert_eq!(message_bytes(span, slice), b"Subject: two\r\rFrom x\r");
    }

    #[test]
    fn garbage_before_first_from_is_reported() {
        let r = ingest_all(
            b"This isn't an mbox, but:\n\nFrom a@b Sun Dec 25 21:33:37 2011\nSubject: x\n\nb\n",
            "t.mbox",
        );
        assert_eq!(r.messages.len(), 1);
        assert!(r
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::MboxGarbage));
    }

    #[test]
    fn body_from_lines_are_not_boundaries() {
        let src = b"From a@b Sat Jan  3 01:05:34 1996\nSubject: x\n\nFrom perl5-porters:\n\nFrom me to you, hello\n";
        let r = ingest_all(src, "x");
        assert_eq!(r.messages.len(), 1);
    }

    #[test]
    fn empty_and_rejected_sources() {
        let r = ingest_all(b"", "x.mbox");
        assert_eq!(r.sniffed, Sniffed::Empty);
        assert!(r.messages.is_empty());
        assert_eq!(r.diagnostics[0].kind, DiagnosticKind::EmptySource);
        let r = ingest_all(b"This isn't an mbox.\n", "test-not-an.mbox");
        assert!(r.messages.is_empty());
        assert_eq!(r.diagnostics[0].kind, DiagnosticKind::NotMail);
        assert_eq!(r.diagnostics[0].text, "not an email: no header block found");
    }

    #[test]
    fn single_message_sources_are_capped() {
        let mut r = IngestResult {
            sniffed: Sniffed::Mail(SourceFormat::Msg),
            messages: vec![],
            diagnostics: vec![],
        };
        let mut ing = Ingester::with_cap(SourceFormat::Msg, 3 << 20);
        for _ in 0..4 {
            ing.push(&[0u8; 1 << 20], &mut r);
        }
        let totals = ing.finish(&mut r);
        assert_eq!(
            totals,
            IngestTotals {
                messages: 0,
                bytes: 4 << 20
            }
        );
        assert_eq!(
            r.diagnostics[0].severity,
            crate::diagnostic::Severity::Error
        );
        assert_eq!(
            r.diagnostics[0].text,
            "msg: the file is 4194304 bytes; a single-message file larger than 3 MiB is not read"
        );
    }

    #[test]
    fn eml_problems_are_prefixed_and_numbered() {
        let r = ingest_all(b"\r\nSubject: only a subject\r\n\r\nbody", "x.eml");
        assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Eml));
        assert_eq!(r.messages[0].0.offset, 2);
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.kind == DiagnosticKind::MissingFrom)
            .unwrap();
        assert_eq!(d.message, Some(1));
        assert!(d.text.starts_with("eml: "), "{}", d.text);
    }
}
