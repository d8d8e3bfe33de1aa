//! The mbox splitter: finds `From ` postmark lines in a byte stream that arrives in chunks of any size, and
//! cuts it into messages (mboxo / mboxrd / mboxcl / mboxcl2). A Content-Length (mboxcl/mboxcl2) is checked,
//! not trusted: postmark-shaped lines inside the body it declares are held back, and they stay in the message
//! only if the length proves right at the next boundary; otherwise (it lies in real archives) the message is
//! split at those lines after all, and the disagreement is reported.
//!
//! A boundary is a line starting with `From ` whose rest has the postmark shape `From <sender> <date>`
//! (asctime-like or RFC 2822-like date). It normally follows a blank line; a missing blank line is tolerated
//! but a body line such as `From perl5-porters: blah` is never a boundary. Line endings (LF, CRLF or CR-only)
//! are detected once per source. Memory is bounded by the largest message plus one line.

use chrono::NaiveDate;

use super::{Envelope, IngestSink, IngestTotals, MessageSpan};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::message::summarize;

/// Parse a From_ line (without its line terminator): `From <sender> <date...>`.
///
/// Returns `None` when the line does not have the postmark shape. A shape-valid line whose date is not a
/// real calendar date gives an envelope with `date_unix: None`.
pub(crate) fn parse_postmark(line: &[u8]) -> Option<Envelope> {
    let rest = line.strip_prefix(b"From ")?;
    let text = String::from_utf8_lossy(rest);
    let tokens: Vec<&str> = text.split_ascii_whitespace().collect();
    let (first, after) = tokens.split_first()?;
    // Normal case: sender then date. Tolerate an empty sender ("From  Mon Jan ...").
    if let Some(date) = parse_asctime_like(after) {
        if first.ends_with(':') || first.chars().any(char::is_control) {
            return None;
        }
        return Some(Envelope {
            from: (*first).to_string(),
            date_unix: date,
        });
    }
    if is_weekday(first) {
        if let Some(date) = parse_asctime_like(&tokens) {
            return Some(Envelope {
                from: String::new(),
                date_unix: date,
            });
        }
    }
    None
}

fn is_weekday(t: &str) -> bool {
    let t = t.trim_end_matches(',').to_ascii_lowercase();
    t.len() >= 3
        && t.is_char_boundary(3)
        && ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(&&t[..3])
        && t.chars().all(|c| c.is_ascii_alphabetic())
}

fn month_number(t: &str) -> Option<u32> {
    let t = t.trim_end_matches(',').to_ascii_lowercase();
    if t.len() < 3 || t.len() > 9 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| t.starts_with(m))
        .and_then(|p| u32::try_from(p + 1).ok())
}

/// Offset in seconds east of UTC for a time-zone token, if it is one.
fn zone_offset(t: &str) -> Option<i64> {
    let t = t.trim_end_matches(',');
    let bytes = t.as_bytes();
    if bytes.len() == 5
        && matches!(bytes.first(), Some(b'+' | b'-'))
        && t[1..].bytes().all(|b| b.is_ascii_digit())
    {
        let h: i64 = t[1..3].parse().ok()?;
        let m: i64 = t[3..5].parse().ok()?;
        let secs = h * 3600 + m * 60;
        return Some(if bytes.first() == Some(&b'-') {
            -secs
        } else {
            secs
        });
    }
    let upper = t
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_ascii_uppercase();
    let known = match upper.as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "CET" | "MET" | "BST" => 1,
        "CEST" | "MEST" | "EET" => 2,
        _ => {
            // Unknown alphabetic zone names are accepted as zones of unknown offset (taken as UTC).
            if (1..=5).contains(&upper.len()) && upper.chars().all(|c| c.is_ascii_alphabetic()) {
                0
            } else {
                return None;
            }
        }
    };
    Some(known * 3600)
}

/// Parse the date part of a postmark. Accepts asctime order (`[Wdy] Mon DD HH:MM[:SS] [TZ] YYYY [TZ]`) and
/// RFC 2822 order (`[Wdy,] DD Mon YYYY HH:MM[:SS] [zone]`), any spacing, and trailing words after a complete
/// date ("remote from host"). Outer `None`: not a date; inner `None`: date-shaped but not a real instant.
fn parse_asctime_like(tokens: &[&str]) -> Option<Option<i64>> {
    parse_date_tokens(tokens).map(|(instant, _)| instant)
}

/// Like [`parse_asctime_like`], also giving the zone offset in seconds when one was written.
pub(crate) fn parse_date_tokens(tokens: &[&str]) -> Option<(Option<i64>, Option<i64>)> {
    let mut month = None;
    let mut day: Option<u32> = None;
    let mut time: Option<(u32, u32, u32)> = None;
    let mut year: Option<i32> = None;
    let mut zone: Option<i64> = None;
    let mut seen_weekday = false;
    for tok in tokens {
        let complete = month.is_some() && day.is_some() && time.is_some() && year.is_some();
        if complete {
            if zone.is_none() {
                if let Some(z) = zone_offset(tok) {
                    zone = Some(z);
                    continue;
                }
            }
            break; // trailing words are fine once the date is complete
        }
        let t = tok.trim_end_matches(',');
        if !seen_weekday && month.is_none() && day.is_none() && is_weekday(t) {
            seen_weekday = true;
        } else if month.is_none() && month_number(t).is_some() {
            month = month_number(t);
        } else if t.contains(':') {
            if time.is_some() {
                return None;
            }
            let parts: Vec<&str> = t.split(':').collect();
            if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2)
            {
                return None;
            }
            let nums: Option<Vec<u32>> = parts.iter().map(|p| p.parse::<u32>().ok()).collect();
            let nums = nums?;
            time = Some((nums[0], nums[1], nums.get(2).copied().unwrap_or(0)));
        } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            if t.len() == 4 && year.is_none() {
                year = t.parse().ok();
            } else if t.len() <= 2 && day.is_none() {
                day = t.parse().ok();
            } else if t.len() <= 2 && year.is_none() && time.is_some() {
                let y: i32 = t.parse().ok()?;
                year = Some(if y < 50 { 2000 + y } else { 1900 + y });
            } else {
                return None;
            }
        } else if zone.is_none() && time.is_some() {
            zone = Some(zone_offset(tok)?);
        } else {
            return None;
        }
    }
    let (month, day, (h, mi, s), year) = (month?, day?, time?, year?);
    let instant = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(h, mi, s.min(59)))
        .map(|dt| dt.and_utc().timestamp() - zone.unwrap_or(0));
    Some((instant, zone))
}

/// Does this line (without terminator) need one '>' removed (mboxrd: `^>+From `)?
pub(crate) fn is_quoted_from(line: &[u8]) -> bool {
    let gts = line.iter().take_while(|b| **b == b'>').count();
    gts > 0 && line.get(gts..).is_some_and(|r| r.starts_with(b"From "))
}

/// Line-ending convention of a source, detected from its first line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    Unknown,
    /// LF or CRLF: lines end at '\n'.
    Lf,
    /// Classic Mac: lines end at a bare '\r'.
    Cr,
}

/// The message being collected.
#[derive(Debug)]
struct Current {
    offset: u64,
    len: u64,
    envelope: Envelope,
    /// Unquoted bytes as the summarizer will see them.
    bytes: Vec<u8>,
    quoted: bool,
    /// Whether its header block is still being read (a Content-Length is looked for at its end).
    in_headers: bool,
    /// The source offset where its Content-Length says the body ends, if it declared one (up to
    /// [`MAX_HELD_BODY`]).
    declared_end: Option<u64>,
    /// Postmark-shaped lines met inside that declared body, held as body lines: (source offset of the line,
    /// its length, where it starts in `bytes`, its envelope).
    held: Vec<(u64, u64, usize, Envelope)>,
}

/// A Content-Length larger than this is not used to hold back From_ lines (what it would hold stays in
/// memory until the length is proved right or wrong).
const MAX_HELD_BODY: u64 = 64 << 20;

impl Current {
    fn new(offset: u64, envelope: Envelope) -> Self {
        Current { offset, len: 0, envelope, bytes: Vec::new(), quoted: false, in_headers: true, declared_end: None, held: Vec::new() }
    }

    /// The messages this one is when its held-back From_ lines are boundaries after all.
    fn split_at_held(self) -> Vec<Current> {
        let end = self.offset + self.len;
        let mut out = Vec::with_capacity(self.held.len() + 1);
        let (mut offset, mut at, mut envelope) = (self.offset, 0usize, self.envelope);
        let mut piece = |offset: u64, to: u64, bytes: &[u8], envelope: Envelope| {
            let mut c = Current::new(offset, envelope);
            c.len = to.saturating_sub(offset);
            c.bytes = bytes.to_vec();
            c.quoted = c.len != c.bytes.len() as u64;
            c.in_headers = false;
            out.push(c);
        };
        for (line_offset, line_len, line_at, next) in self.held {
            piece(offset, line_offset, self.bytes.get(at..line_at).unwrap_or_default(), envelope);
            offset = line_offset + line_len;
            at = line_at + usize::try_from(line_len).unwrap_or(usize::MAX);
            envelope = next;
        }
        piece(offset, end, self.bytes.get(at..).unwrap_or_default(), envelope);
        out
    }
}

/// Streaming mbox splitter; see the module documentation.
#[derive(Debug)]
pub(crate) struct MboxSplitter {
    eol: Eol,
    pending: Vec<u8>,
    pending_offset: u64,
    scan_from: usize,
    prev_blank: bool,
    garbage_bytes: u64,
    garbage_text: bool,
    garbage_reported: bool,
    current: Option<Current>,
    index: u64,
    total: u64,
}

impl MboxSplitter {
    pub(crate) fn new() -> Self {
        MboxSplitter {
            eol: Eol::Unknown,
            pending: Vec::new(),
            pending_offset: 0,
            scan_from: 0,
            prev_blank: true,
            garbage_bytes: 0,
            garbage_text: false,
            garbage_reported: false,
            current: None,
            index: 0,
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, chunk: &[u8], sink: &mut dyn IngestSink) {
        self.total += chunk.len() as u64;
        self.pending.extend_from_slice(chunk);
        self.drain_lines(sink, false);
    }

    pub(crate) fn finish(mut self, sink: &mut dyn IngestSink) -> IngestTotals {
        self.drain_lines(sink, true);
        if !self.pending.is_empty() {
            let last = std::mem::take(&mut self.pending);
            let off = self.pending_offset;
            self.line(&last, off, sink);
        }
        self.emit_current(sink);
        if self.index == 0 {
            if self.garbage_text {
                sink.diagnostic(Diagnostic::error(
                    DiagnosticKind::MboxGarbage,
                    format!(
                        "mbox: no From_ line found; {} bytes are not mail",
                        self.garbage_bytes
                    ),
                ));
            } else {
                sink.diagnostic(Diagnostic::info(
                    DiagnosticKind::EmptySource,
                    "mbox: no messages in this source",
                ));
            }
        }
        IngestTotals {
            messages: self.index,
            bytes: self.total,
        }
    }

    fn detect_eol(&mut self, at_end: bool) {
        if self.eol != Eol::Unknown {
            return;
        }
        let Some(pos) = self.pending.iter().position(|b| *b == b'\n' || *b == b'\r') else {
            return;
        };
        self.eol = match (self.pending.get(pos), self.pending.get(pos + 1)) {
            (Some(b'\n'), _) => Eol::Lf,
            (Some(b'\r'), Some(b'\n')) => Eol::Lf,
            (Some(b'\r'), Some(_)) => Eol::Cr,
            _ if at_end => Eol::Cr,
            _ => Eol::Unknown,
        };
    }

    fn drain_lines(&mut self, sink: &mut dyn IngestSink, at_end: bool) {
        self.detect_eol(at_end);
        let term = match self.eol {
            Eol::Unknown => return,
            Eol::Lf => b'\n',
            Eol::Cr => b'\r',
        };
        let mut start = 0usize;
        let mut scan = self.scan_from;
        let pending = std::mem::take(&mut self.pending);
        while let Some(rel) = pending
            .get(scan..)
            .and_then(|r| memchr::memchr(term, r))
        {
            let end = scan + rel + 1;
            let line = pending.get(start..end).unwrap_or_default();
            let off = self.pending_offset + start as u64;
            self.line(line, off, sink);
            start = end;
            scan = end;
        }
        let mut pending = pending;
        pending.drain(..start.min(pending.len()));
        self.pending_offset += start as u64;
        self.scan_from = pending.len();
        self.pending = pending;
    }

    /// Handle one line (with its terminator) that starts at absolute offset `off`.
    fn line(&mut self, line: &[u8], off: u64, sink: &mut dyn IngestSink) {
        let content = strip_eol(line);
        if content.starts_with(b"From ") {
            if let Some(envelope) = parse_postmark(content) {
                match &mut self.current {
                    // Inside the body a Content-Length declares: held as a body line until it is proved.
                    Some(cur) if cur.declared_end.is_some_and(|end| off < end) => {
                        cur.held.push((off, line.len() as u64, cur.bytes.len(), envelope));
                    }
                    _ => {
                        self.emit_current(sink);
                        self.report_garbage(sink);
                        self.current = Some(Current::new(off + line.len() as u64, envelope));
                        self.prev_blank = false;
                        return;
                    }
                }
            }
        }
        self.prev_blank = content.iter().all(|b| matches!(b, b' ' | b'\t'));
        match &mut self.current {
            Some(cur) => {
                if cur.in_headers && content.is_empty() {
                    cur.in_headers = false;
                    let body_start = off + line.len() as u64;
                    cur.declared_end = declared_length(&cur.bytes).filter(|&n| n <= MAX_HELD_BODY).map(|n| body_start + n);
                }
                cur.len += line.len() as u64;
                // Unquote with the same line splitting as `message_bytes` uses, so both agree byte for byte.
                if line.contains(&b'>') {
                    let unquoted = unquote(line);
                    cur.quoted |= unquoted.len() != line.len();
                    cur.bytes.extend_from_slice(&unquoted);
                } else {
                    cur.bytes.extend_from_slice(line);
                }
            }
            None => {
                self.garbage_bytes += line.len() as u64;
                if !line.iter().all(u8::is_ascii_whitespace) {
                    self.garbage_text = true;
                }
            }
        }
    }

    fn report_garbage(&mut self, sink: &mut dyn IngestSink) {
        if self.garbage_text && !self.garbage_reported {
            self.garbage_reported = true;
            sink.diagnostic(Diagnostic::warning(
                DiagnosticKind::MboxGarbage,
                format!(
                    "mbox: {} bytes before the first From_ line are not part of any message (skipped)",
                    self.garbage_bytes
                ),
            ));
        }
    }

    fn emit_current(&mut self, sink: &mut dyn IngestSink) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if cur.held.is_empty() {
            return self.emit(cur, sink);
        }
        if content_length_mismatch(&cur.bytes).is_some() {
            // The length was wrong: the From_ lines it held back are boundaries after all (each piece that
            // disagrees with it is reported by `emit`).
            for piece in cur.split_at_held() {
                self.emit(piece, sink);
            }
            return;
        }
        let held = cur.held.len() as u64;
        let number = self.index + 1;
        self.emit(cur, sink);
        sink.diagnostic(
            Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "mbox message {number}: its body holds {} shaped like a From_ line; its Content-Length (mboxcl2), which matches the body, keeps them in the message",
                    if held == 1 { "1 line".to_string() } else { format!("{held} lines") }
                ),
            )
            .for_message(number, ""),
        );
    }

    fn emit(&mut self, cur: Current, sink: &mut dyn IngestSink) {
        let summary = summarize(&cur.bytes);
        let number = self.index + 1;
        let prefix = format!("mbox message {number}: ");
        let problems: Vec<Diagnostic> = summary
            .problems
            .iter()
            .map(|p| p.for_message(number, &prefix))
            .collect();
        let span = MessageSpan {
            index: self.index,
            offset: cur.offset,
            len: cur.len,
            mboxrd_unquote: cur.quoted,
            envelope: Some(cur.envelope),
            kind: super::SpanKind::Rfc822,
        };
        self.index += 1;
        let lying_length = content_length_mismatch(&cur.bytes);
        sink.message_with_bytes(span, summary, &cur.bytes);
        for p in problems {
            sink.diagnostic(p);
        }
        if let Some((declared, actual)) = lying_length {
            sink.diagnostic(Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "{prefix}its Content-Length says {declared} bytes but the body up to the next From_ line has {actual}; \
                     the message was split at the From_ line (mboxcl2 lengths are not trusted)"
                ),
            ).for_message(number, ""));
        }
    }
}

/// An mboxcl/mboxcl2 `Content-Length` header that disagrees with the body the From_-line split
/// found: `(declared, actual)`. The body is counted without the blank separator line before the
/// next From_ line (either line-end convention), which mboxcl2 writers do not include.
fn content_length_mismatch(message: &[u8]) -> Option<(u64, u64)> {
    let (head_end, body_start) = memchr::memmem::find(message, b"\n\n")
        .map(|i| (i, i + 2))
        .or_else(|| memchr::memmem::find(message, b"\r\n\r\n").map(|i| (i, i + 4)))?;
    let declared = declared_length(message.get(..head_end)?)?;
    let body = message.get(body_start..)?;
    let trimmed = body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")).unwrap_or(body);
    let close = |n: u64| n == declared;
    (!(close(body.len() as u64) || close(trimmed.len() as u64))).then_some((declared, trimmed.len() as u64))
}

/// The Content-Length a header block declares, if any.
fn declared_length(head: &[u8]) -> Option<u64> {
    head.split(|&b| b == b'\n').find_map(|l| {
        let l = std::str::from_utf8(l).ok()?;
        let (name, value) = l.split_once(':')?;
        name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
    })
}

/// The line without its terminator (LF, CRLF or CR).
fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Undo mboxrd quoting: remove one '>' from every line matching `^>+From `; any line ending.
pub(crate) fn unquote(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut start = 0usize;
    while start < bytes.len() {
        let rest = bytes.get(start..).unwrap_or_default();
        let end = match rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            Some(p) => {
                if rest.get(p) == Some(&b'\r') && rest.get(p + 1) == Some(&b'\n') {
                    p + 2
                } else {
                    p + 1
                }
            }
            None => rest.len(),
        };
        let line = rest.get(..end).unwrap_or(rest);
        if is_quoted_from(strip_eol(line)) {
            out.extend_from_slice(line.get(1..).unwrap_or_default());
        } else {
            out.extend_from_slice(line);
        }
        start += end.max(1);
    }
    out
}

#[cfg(test)]
mod content_length_tests {
    use super::*;

    #[test]
    fn a_lying_content_length_is_reported() {
        assert_eq!(content_length_mismatch(b"Subject: a\nContent-Length: 4\n\nabc\n\n"), None);
        assert_eq!(content_length_mismatch(b"Subject: a\nContent-Length: 4\n\nabc\n"), None);
        assert_eq!(content_length_mismatch(b"Subject: a\nContent-Length: 99\n\nabc\n\n"), Some((99, 4)));
        assert_eq!(content_length_mismatch(b"Subject: a\n\nabc\n"), None);
    }

    /// Split `mbox` pushed in pieces of `size` bytes: (span, subject) of each message, and the
    /// diagnostics' texts.
    fn split(mbox: &[u8], size: usize) -> (Vec<(MessageSpan, String)>, Vec<String>) {
        let mut r = crate::ingest::IngestResult {
            sniffed: crate::ingest::Sniffed::Mail(crate::ingest::SourceFormat::Mbox),
            messages: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut splitter = MboxSplitter::new();
        for piece in mbox.chunks(size) {
            splitter.push(piece, &mut r);
        }
        splitter.finish(&mut r);
        let messages = r.messages.into_iter().map(|(span, summary)| (span, summary.subject)).collect();
        (messages, r.diagnostics.into_iter().map(|d| d.text).collect())
    }

    const EXCERPT: &str = "From archive@example.org Mon Jan  1 10:00:00 2001";

    /// mboxcl2 does not quote From_ lines in bodies: a right Content-Length keeps a postmark-shaped
    /// body line in its message (said once), whatever the chunk size; the span reads back those bytes.
    #[test]
    fn a_right_content_length_keeps_a_from_line_in_the_body() {
        let body = format!("Here is the old mbox:\n{EXCERPT}\nSubject: inner\n\nold text\n");
        let mbox = format!(
            "From a@example.org Mon Jan  1 10:00:00 2024\nSubject: first\nContent-Length: {}\n\n{body}\nFrom b@example.org Mon Jan  1 11:00:00 2024\nSubject: second\n\nbye\n",
            body.len()
        );
        for size in [1, 7, 64, mbox.len()] {
            let (messages, diags) = split(mbox.as_bytes(), size);
            let subjects: Vec<&str> = messages.iter().map(|(_, s)| s.as_str()).collect();
            assert_eq!(subjects, ["first", "second"], "pieces of {size}");
            let (span, _) = &messages[0];
            let read = &mbox.as_bytes()[span.offset as usize..(span.offset + span.len) as usize];
            assert!(String::from_utf8_lossy(read).contains(EXCERPT), "pieces of {size}");
            assert!(diags.iter().any(|d| d.contains("1 line shaped like a From_ line") && d.contains("matches the body")), "{diags:?}");
            assert!(!diags.iter().any(|d| d.contains("Content-Length says")), "{diags:?}");
        }
    }

    /// A Content-Length that is wrong (here: far too long, past two real boundaries) holds nothing back
    /// in the end: the messages are split at their From_ lines and the lie is reported.
    #[test]
    fn a_wrong_content_length_falls_back_to_from_lines() {
        let mbox = format!(
            "From a@example.org Mon Jan  1 10:00:00 2024\nSubject: first\nContent-Length: 5000\n\nhello\n\nFrom b@example.org Mon Jan  1 11:00:00 2024\nSubject: second\n\nbye\n\n{EXCERPT}\nSubject: third\n\nend\n"
        );
        for size in [1, 5, mbox.len()] {
            let (messages, diags) = split(mbox.as_bytes(), size);
            let subjects: Vec<&str> = messages.iter().map(|(_, s)| s.as_str()).collect();
            assert_eq!(subjects, ["first", "second", "third"], "pieces of {size}");
            let ends: Vec<u64> = messages.iter().map(|(s, _)| s.offset + s.len).collect();
            assert_eq!(*ends.last().unwrap(), mbox.len() as u64);
            for (span, subject) in &messages {
                let read = &mbox.as_bytes()[span.offset as usize..(span.offset + span.len) as usize];
                assert!(String::from_utf8_lossy(read).starts_with(&format!("Subject: {subject}")), "{subject}: {read:?}");
            }
            assert!(diags.iter().any(|d| d.contains("its Content-Length says 5000 bytes")), "{diags:?}");
            assert!(!diags.iter().any(|d| d.contains("shaped like a From_ line")), "{diags:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postmarks() {
        let e = parse_postmark(b"From god@heaven.af.mil Sat Jan  3 01:05:34 1996").unwrap();
        assert_eq!(e.from, "god@heaven.af.mil");
        assert_eq!(e.date_unix, Some(820631134));
        let e = parse_postmark(b"From other@domain.com Mon Jan 15  15:30:00  2018").unwrap();
        assert_eq!(e.date_unix, Some(1516030200));
        let e =
            parse_postmark(b"From daemon@orphan.zombinet Sun, 11 Nov 2007 06:58:35 +0200").unwrap();
        assert_eq!(e.date_unix, Some(1194757115));
        let e = parse_postmark(b"From x@y Mon Jan 15 15:30:00 PST 2018 remote from z").unwrap();
        assert_eq!(e.date_unix, Some(1516030200 + 8 * 3600));
        assert!(parse_postmark(b"From  Mon Jan 15 15:30:00 2018").is_some());
        assert!(parse_postmark(b"From perl5-porters:").is_none());
        assert!(parse_postmark(b"From perl5-porters: blah Jan 15 15:30:00 2018").is_none());
        assert!(parse_postmark(b"From the desk of the president").is_none());
        assert!(parse_postmark(b"From hello").is_none());
        // Shape-valid but impossible date: still a boundary, no instant.
        assert_eq!(
            parse_postmark(b"From a@b Mon Feb 31 10:00:00 2001")
                .unwrap()
                .date_unix,
            None
        );
    }

    #[test]
    fn quoted_from_lines() {
        assert!(is_quoted_from(b">From hello"));
        assert!(is_quoted_from(b">>>From test"));
        assert!(!is_quoted_from(b"> From"));
        assert!(!is_quoted_from(b">F"));
        assert!(!is_quoted_from(b"From x"));
        assert_eq!(
            unquote(b"a\r\n>From b\r\n>>From c\r>F\n> From"),
            b"a\r\nFrom b\r\n>From c\r>F\n> From"
        );
    }
}
