//! One message: a cheap [`summarize`] for the message list, and a full [`read_message`] (all headers,
//! readable body text, attachments) for the detail view, plus [`attachment_bytes`] to save one attachment.
//!
//! Everything is best-effort: damaged headers, missing separators, broken MIME and undecodable encodings are
//! recorded as [`Diagnostic`]s in [`MessageSummary::problems`] while whatever could be recovered is returned.
//! HTML bodies are turned into plain text; nothing here ever produces markup.
//!
//! ```
//! use leakloupe_core::message::{summarize, read_message, BodySource};
//! let raw = b"From: Doug <doug@example.com>\nSubject: =?utf-8?q?caf=C3=A9?=\nDate: Wed, 17 May 2000 19:35:05 -0400\n\nHello\n";
//! let s = summarize(raw);
//! assert_eq!(s.subject, "café");
//! assert_eq!(s.from, "Doug <doug@example.com>");
//! assert_eq!(s.date.unwrap().utc_display(), "2000-05-17 23:35:05 UTC");
//! assert_eq!(s.date.unwrap().offset_display(), "-04:00");
//! let d = read_message(raw);
//! assert_eq!((d.body.text.as_str(), d.body.source), ("Hello\n", BodySource::Plain));
//! ```

use std::borrow::Cow;

use mailparse::{MailAddr, MailHeader, ParsedMail};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ingest::msg;
use crate::ingest::sniff::header_field_name;
use crate::ingest::{MessageSpan, SpanKind};

/// A parsed Date header: the instant plus the sender's stated UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailDate {
    /// The instant, as seconds since the Unix epoch (UTC).
    pub utc_unix: i64,
    /// The sender's offset from UTC in minutes (east positive); 0 when unknown.
    pub offset_minutes: i32,
}

impl MailDate {
    /// The instant in UTC, e.g. "2000-05-17 23:35:05 UTC".
    pub fn utc_display(&self) -> String {
        match chrono::DateTime::from_timestamp(self.utc_unix, 0) {
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            None => format!("@{} (out of range)", self.utc_unix),
        }
    }

    /// The stated offset, e.g. "-04:00" or "+05:30".
    pub fn offset_display(&self) -> String {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let m = self.offset_minutes.unsigned_abs();
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

/// What the message list needs about one message; cheap to compute (no attachment decoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    /// The parsed Date header, if it could be read.
    pub date: Option<MailDate>,
    /// The Date header as written (unfolded, trimmed), if present.
    pub date_raw: Option<String>,
    /// Decoded From, e.g. "Doug Sauder <doug@example.com>"; "" if none.
    pub from: String,
    /// Decoded To addresses, comma-joined; "" if none.
    pub to: String,
    /// RFC 2047-decoded Subject; "" if none.
    pub subject: String,
    /// The Message-ID as written (with angle brackets), if present.
    pub message_id: Option<String>,
    /// Message-IDs this one answers (In-Reply-To), without angle brackets, for threading.
    pub in_reply_to: Vec<String>,
    /// Message-IDs of the conversation so far (References), oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Number of attachments (see [`read_message`] for what counts).
    pub attachment_count: u32,
    /// Whether an attachment could be a message of its own: declared `message/rfc822`, named `.eml` or
    /// `.msg`, or of no particular type. When false, [`crate::ingest::embedded::embedded_messages`] finds
    /// nothing, so a caller can skip it (it parses the message again). True for an Outlook `.msg` with
    /// attachments.
    pub may_embed_message: bool,
    /// Size of the message bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the message bytes.
    pub sha256: String,
    /// Damage found, with `message: None`; the ingester re-emits them numbered and prefixed.
    pub problems: Vec<Diagnostic>,
}

/// One header field, in message order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    /// The field name as written.
    pub name: String,
    /// The unfolded raw value (encoded words left as they are).
    pub raw: String,
    /// The decoded value (RFC 2047 words decoded, raw UTF-8 accepted).
    pub decoded: String,
}

/// Where the body text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySource {
    /// A text/plain part.
    Plain,
    /// A text/html part converted to plain text.
    HtmlAsText,
    /// An RTF body (Outlook `.msg` compressed RTF) converted crudely to plain text.
    RtfAsText,
    /// No readable text part.
    None,
}

/// The readable body of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Plain text (never markup).
    pub text: String,
    /// Where it came from.
    pub source: BodySource,
    /// The charset the part declared, if any.
    pub charset: Option<String>,
    /// The charset the bytes look like, when it disagrees with the declared one (or none was declared and the
    /// text is not plain ASCII); `None` when they agree. See [`detect_charset`].
    pub detected_charset: Option<String>,
}

/// One attachment: a leaf MIME part that is not the chosen body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// 0-based index, in MIME pre-order; pass it to [`attachment_bytes`].
    pub index: u32,
    /// File name (Content-Disposition filename or Content-Type name, RFC 2231 / 2047 decoded).
    pub filename: Option<String>,
    /// MIME type, lower case, e.g. "application/pdf".
    pub content_type: String,
    /// Content-Disposition type ("attachment", "inline", ...), if the header is present.
    pub disposition: Option<String>,
    /// Decoded size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the decoded bytes.
    pub sha256: String,
}

/// Everything the detail view shows about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDetail {
    /// The summary; its `problems` also include decoding problems found while reading body and attachments.
    pub summary: MessageSummary,
    /// Decoded Cc addresses, comma-joined.
    pub cc: String,
    /// Decoded Bcc addresses, comma-joined (rarely present in received mail; Outlook `.msg` drafts and sent
    /// items keep them).
    pub bcc: String,
    /// Decoded Reply-To addresses, comma-joined.
    pub reply_to: String,
    /// All top-level header fields, in order.
    pub headers: Vec<HeaderField>,
    /// The readable body.
    pub body: Body,
    /// Attachments, in MIME order.
    pub attachments: Vec<AttachmentInfo>,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Summarize one message (the bytes between mbox separators, or a whole `.eml`). Never panics.
///
/// Input starting with the OLE compound-file signature is read as a whole Outlook `.msg` file.
pub fn summarize(raw: &[u8]) -> MessageSummary {
    if raw.starts_with(msg::MAGIC) {
        return msg::summarize(raw);
    }
    let prepared = prepare(raw);
    match parse(&prepared.input) {
        Ok(parsed) => {
            let mut problems = prepared.problems;
            let tree = classify(&parsed, &mut problems);
            summary_from(raw, &parsed.headers, tree.attachments.len(), tree.may_embed_message(), problems)
        }
        Err((headers, problem)) => {
            let mut problems = prepared.problems;
            problems.push(problem);
            summary_from(raw, &headers, 0, false, problems)
        }
    }
}

/// Read one message fully: headers, body text, attachments. Never panics.
///
/// Input starting with the OLE compound-file signature is read as a whole Outlook `.msg` file (see
/// [`crate::ingest::msg`]); anything else as an RFC 822 message.
pub fn read_message(raw: &[u8]) -> MessageDetail {
    if raw.starts_with(msg::MAGIC) {
        return msg::read(raw);
    }
    let prepared = prepare(raw);
    let mut problems = prepared.problems;
    let parsed = match parse(&prepared.input) {
        Ok(p) => p,
        Err((headers, problem)) => {
            problems.push(problem);
            let summary = summary_from(raw, &headers, 0, false, problems);
            return MessageDetail {
                summary,
                cc: addresses(&headers, "Cc"),
                bcc: addresses(&headers, "Bcc"),
                reply_to: addresses(&headers, "Reply-To"),
                headers: header_fields(&headers),
                body: Body {
                    text: String::new(),
                    source: BodySource::None,
                    charset: None,
                    detected_charset: None,
                },
                attachments: Vec::new(),
            };
        }
    };
    let tree = classify(&parsed, &mut problems);
    let body = match tree.body {
        Some((part, source)) => read_body(part, source, &mut problems),
        None => Body {
            text: String::new(),
            source: BodySource::None,
            charset: None,
            detected_charset: None,
        },
    };
    let mut attachments = Vec::with_capacity(tree.attachments.len());
    for (i, part) in tree.attachments.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let bytes = decoded_bytes(part, &mut problems);
        let disposition = first_header(&part.headers, "Content-Disposition").map(|h| {
            let d = part.get_content_disposition().disposition;
            match d {
                mailparse::DispositionType::Inline => "inline".to_string(),
                mailparse::DispositionType::Attachment => "attachment".to_string(),
                mailparse::DispositionType::FormData => "form-data".to_string(),
                mailparse::DispositionType::Extension(e) => {
                    if e.is_empty() {
                        h.get_value().trim().to_string()
                    } else {
                        e
                    }
                }
            }
        });
        attachments.push(AttachmentInfo {
            index,
            filename: filename(part),
            content_type: part.ctype.mimetype.clone(),
            disposition,
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    let summary = summary_from(raw, &parsed.headers, attachments.len(), tree.may_embed_message(), problems);
    MessageDetail {
        summary,
        cc: addresses(&parsed.headers, "Cc"),
        bcc: addresses(&parsed.headers, "Bcc"),
        reply_to: addresses(&parsed.headers, "Reply-To"),
        headers: header_fields(&parsed.headers),
        body,
        attachments,
    }
}

/// One MIME part in the structure view: where it sits, what it declares, what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimePart {
    /// Nesting depth (0 = the message itself).
    pub depth: u32,
    /// Part number as IMAP numbers them ("1", "1.2", ...; "" for the message itself).
    pub number: String,
    /// Declared content type, e.g. "multipart/mixed", "text/plain".
    pub content_type: String,
    /// Declared charset, if any.
    pub charset: Option<String>,
    /// Content-Transfer-Encoding as declared ("7bit" when absent).
    pub encoding: String,
    /// Content-Disposition type, if declared.
    pub disposition: Option<String>,
    /// File name, if declared.
    pub filename: Option<String>,
    /// Byte offset of the part's first header line within the message (as parsed: CR-only mail is read
    /// with LF line ends).
    pub offset: u64,
    /// Size of the part's raw bytes (headers and body, still encoded).
    pub raw_size: u64,
    /// Size of the decoded body (0 for multipart containers).
    pub decoded_size: u64,
    /// Lowercase hex SHA-256 of the decoded body ("" for multipart containers).
    pub sha256: String,
    /// Number of header fields of the part.
    pub header_count: u32,
}

/// The MIME structure of a message, depth first, in order. Empty for an Outlook `.msg` (it has no
/// MIME structure) and for a message mailparse cannot parse at all.
pub fn mime_tree(raw: &[u8]) -> Vec<MimePart> {
    if raw.starts_with(msg::MAGIC) {
        return Vec::new();
    }
    let prepared = prepare(raw);
    let Ok(parsed) = parse(&prepared.input) else { return Vec::new() };
    let base = prepared.input.as_ptr() as usize;
    let mut out = Vec::new();
    fn walk(part: &ParsedMail<'_>, depth: u32, number: String, base: usize, out: &mut Vec<MimePart>) {
        if out.len() >= 10_000 {
            return;
        }
        let is_multi = !part.subparts.is_empty();
        let mut ignored = Vec::new();
        let decoded = if is_multi { Vec::new() } else { decoded_bytes(part, &mut ignored) };
        let disposition = first_header(&part.headers, "Content-Disposition")
            .map(|h| h.get_value().split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        out.push(MimePart {
            depth,
            number: number.clone(),
            content_type: part.ctype.mimetype.clone(),
            charset: part.ctype.params.get("charset").cloned(),
            encoding: first_header(&part.headers, "Content-Transfer-Encoding")
                .map(|h| h.get_value().trim().to_ascii_lowercase())
                .unwrap_or_else(|| "7bit".into()),
            disposition,
            filename: filename(part),
            offset: (part.raw_bytes.as_ptr() as usize).saturating_sub(base) as u64,
            raw_size: part.raw_bytes.len() as u64,
            decoded_size: decoded.len() as u64,
            sha256: if is_multi { String::new() } else { sha256_hex(&decoded) },
            header_count: u32::try_from(part.headers.len()).unwrap_or(u32::MAX),
        });
        for (i, sub) in part.subparts.iter().enumerate() {
            let n = if number.is_empty() { format!("{}", i + 1) } else { format!("{number}.{}", i + 1) };
            walk(sub, depth + 1, n, base, out);
        }
    }
    walk(&parsed, 0, String::new(), base, &mut out);
    out
}

/// The decoded bytes of attachment `index` (as numbered in [`read_message`]), or `None` if there is no such
/// attachment. Undecodable transfer encodings give the raw bytes. Like [`read_message`], routes a whole
/// Outlook `.msg` file to the `.msg` reader.
pub fn attachment_bytes(raw: &[u8], index: u32) -> Option<Vec<u8>> {
    if raw.starts_with(msg::MAGIC) {
        return msg::attachment_bytes(raw, index);
    }
    let prepared = prepare(raw);
    let parsed = parse(&prepared.input).ok()?;
    let mut problems = Vec::new();
    let tree = classify(&parsed, &mut problems);
    let part = tree.attachments.get(usize::try_from(index).ok()?)?;
    Some(decoded_bytes(part, &mut problems))
}

/// One attachment of an RFC 822 message as [`read_message`] numbers it, listed by [`attachments_listed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAttachment {
    /// 0-based index, as in [`read_message`] and [`attachment_bytes`].
    pub index: u32,
    /// File name (Content-Disposition filename or Content-Type name, decoded).
    pub filename: Option<String>,
    /// MIME type, lower case.
    pub content_type: String,
    /// The decoded bytes (what [`attachment_bytes`] gives), only for the attachments the caller asked for.
    pub bytes: Option<Vec<u8>>,
}

/// The attachments of an RFC 822 message from one parse, numbered as [`read_message`] numbers them, with
/// the decoded bytes of only those `decode` picks by content type and file name. Unlike [`read_message`]
/// it reads no body text and hashes nothing: the embedded-message scan at ingest runs it on every message
/// that may carry one, and a full read there halved ingest speed. Empty for an Outlook `.msg` and for
/// bytes mailparse cannot parse. Never panics.
pub fn attachments_listed(raw: &[u8], decode: &dyn Fn(&str, Option<&str>) -> bool) -> Vec<ListedAttachment> {
    if raw.starts_with(msg::MAGIC) {
        return Vec::new();
    }
    let prepared = prepare(raw);
    let Ok(parsed) = parse(&prepared.input) else { return Vec::new() };
    let mut problems = Vec::new();
    let tree = classify(&parsed, &mut problems);
    tree.attachments
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let filename = filename(part);
            let content_type = part.ctype.mimetype.clone();
            let bytes = decode(&content_type, filename.as_deref()).then(|| decoded_bytes(part, &mut problems));
            ListedAttachment { index: u32::try_from(i).unwrap_or(u32::MAX), filename, content_type, bytes }
        })
        .collect()
}

/// Read the message a span points at, given the bytes [`crate::ingest::message_bytes`] returned for it:
/// an Outlook `.msg` span is read from its MAPI properties, anything else as RFC 822. Never panics.
pub fn read_any(span: &MessageSpan, bytes: &[u8]) -> MessageDetail {
    match span.kind {
        SpanKind::OutlookMsg => msg::read(bytes),
        SpanKind::Rfc822 => read_message(bytes),
    }
}

/// [`attachment_bytes`] for the message a span points at (see [`read_any`]).
pub fn attachment_bytes_any(span: &MessageSpan, bytes: &[u8], index: u32) -> Option<Vec<u8>> {
    match span.kind {
        SpanKind::OutlookMsg => msg::attachment_bytes(bytes, index),
        SpanKind::Rfc822 => attachment_bytes(bytes, index),
    }
}

/// Header fields of a raw header block (e.g. Outlook's `PR_TRANSPORT_MESSAGE_HEADERS`), decoded as for a
/// message's own headers.
pub(crate) fn headers_from_block(block: &[u8]) -> Vec<HeaderField> {
    // The block usually lacks the blank line that ends a header block; add it so nothing is "truncated".
    let mut terminated = block.to_vec();
    if !block.ends_with(b"\n\n") && !block.ends_with(b"\r\n\r\n") {
        terminated.extend_from_slice(b"\r\n\r\n");
    }
    let prepared = prepare(&terminated);
    match mailparse::parse_headers(&prepared.input) {
        Ok((headers, _)) => header_fields(&headers),
        Err(_) => Vec::new(),
    }
}

/// HTML to plain text for display (never markup); a failure is recorded and gives "".
pub(crate) fn html_to_text(html: &str, problems: &mut Vec<Diagnostic>) -> String {
    match html2text::from_read(html.as_bytes(), 100) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Diagnostic::warning(
                DiagnosticKind::Other,
                format!("the HTML body could not be converted to text ({e})"),
            ));
            String::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Preparation: repair the header block so mailparse sees something it can read, recording the damage.

/// Largest header block read (1 MiB); real ones are kilobytes (Postfix refuses more than 100 KB).
pub const MAX_HEADER_BLOCK: usize = 1 << 20;

struct Prepared<'a> {
    input: Cow<'a, [u8]>,
    problems: Vec<Diagnostic>,
}

/// Lines of `s` with their terminators ('\n'; a preceding '\r' stays in the line).
fn split_lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let (line, tail) = rest.split_at(end.min(rest.len()));
        rest = tail;
        Some(line)
    })
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn uses_bare_cr(raw: &[u8]) -> bool {
    match raw.iter().position(|b| *b == b'\n' || *b == b'\r') {
        Some(p) => raw.get(p) == Some(&b'\r') && raw.get(p + 1) != Some(&b'\n'),
        None => false,
    }
}

/// Replace every bare CR (not followed by LF) with LF.
fn normalize_bare_cr(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\r' && raw.get(i + 1) != Some(&b'\n') {
            out.push(b'\n');
        } else {
            out.push(*b);
        }
    }
    out
}

fn shorten(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let s = s.trim_end();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(60).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

fn trim_start_ws(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

fn prepare(raw: &[u8]) -> Prepared<'_> {
    let mut problems = Vec::new();
    let mut input: Cow<'_, [u8]> = Cow::Borrowed(raw);
    if uses_bare_cr(raw) {
        input = Cow::Owned(normalize_bare_cr(raw));
    }
    // An mbox From_ line left at the top of a saved message.
    let first = split_lines(&input).next().unwrap_or_default();
    if first.starts_with(b"From ") && header_field_name(strip_eol(first)).is_none() {
        problems.push(Diagnostic::info(
            DiagnosticKind::Other,
            format!(
                "an mbox separator line precedes the headers (\"{}\"); ignored",
                shorten(first)
            ),
        ));
        let skip = first.len();
        input = Cow::Owned(input.get(skip..).unwrap_or_default().to_vec());
    }

    // A header block far larger than any mail server accepts (a hostile or broken file): read its first
    // MAX_HEADER_BLOCK bytes, keep the body, say so. Walking and parsing 100 MB of headers would take
    // seconds and hundreds of MB in the browser.
    let header_end = memchr::memmem::find(&input, b"\n\n")
        .map(|p| (p + 1, p + 2))
        .or_else(|| memchr::memmem::find(&input, b"\n\r\n").map(|p| (p + 1, p + 3)));
    let header_len = header_end.map_or(input.len(), |(h, _)| h);
    if header_len > MAX_HEADER_BLOCK {
        let cut = input[..MAX_HEADER_BLOCK].iter().rposition(|b| *b == b'\n').map_or(MAX_HEADER_BLOCK, |p| p + 1);
        let mut out = input[..cut].to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
        if let Some((_, body)) = header_end {
            out.extend_from_slice(&input[body..]);
        }
        problems.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "the header block is {} bytes, more than any mail server accepts: only its first {} bytes are read{}",
                header_len,
                cut,
                if header_end.is_some() { "" } else { " (and it never ends: there is no body)" }
            ),
        ));
        input = Cow::Owned(out);
    }

    let mut kept: Vec<u8> = Vec::new();
    let mut changed = false;
    let mut fields = 0usize;
    let mut pos = 0usize;
    let mut body_start: Option<usize> = None;
    // Only the header block is walked (lazily): bodies can be large.
    let mut lines = split_lines(&input).peekable();
    let mut i = 0usize;
    while let Some(line) = lines.next() {
        let content = strip_eol(line);
        if content.is_empty() {
            body_start = Some(pos);
            break;
        }
        let is_cont = matches!(content.first(), Some(b' ' | b'\t'));
        let indented = trim_start_ws(line);
        if is_cont && fields > 0 {
            kept.extend_from_slice(line);
        } else if !is_cont && header_field_name(content).is_some() {
            fields += 1;
            kept.extend_from_slice(line);
        } else if is_cont && fields == 0 && header_field_name(strip_eol(indented)).is_some() {
            problems.push(Diagnostic::warning(
                DiagnosticKind::BadHeader,
                format!(
                    "line {} of the header block is an indented header field: \"{}\"",
                    i + 1,
                    shorten(content)
                ),
            ));
            fields += 1;
            changed = true;
            kept.extend_from_slice(indented);
        } else {
            let next_is_header = lines.peek().map(|l| strip_eol(l)).is_some_and(|n| {
                !n.is_empty()
                    && (header_field_name(n).is_some()
                        || (fields == 0 && header_field_name(trim_start_ws(n)).is_some()))
            });
            if next_is_header || (is_cont && fields == 0) {
                problems.push(Diagnostic::warning(
                    DiagnosticKind::BadHeader,
                    format!(
                        "line {} of the header block is not a header field: \"{}\"",
                        i + 1,
                        shorten(content)
                    ),
                ));
                changed = true;
            } else {
                if fields == 0 {
                    problems.push(Diagnostic::warning(
                        DiagnosticKind::MissingSeparator,
                        "no header block: the message starts with body text",
                    ));
                } else {
                    problems.push(Diagnostic::warning(
                        DiagnosticKind::MissingSeparator,
                        format!(
                            "no blank line between headers and body; body taken to start at line {}: \"{}\"",
                            i + 1,
                            shorten(content)
                        ),
                    ));
                }
                kept.push(b'\n');
                changed = true;
                body_start = Some(pos);
                break;
            }
        }
        pos += line.len();
        i += 1;
    }
    drop(lines);
    match body_start {
        Some(start) => {
            if changed {
                let mut out = kept;
                out.extend_from_slice(input.get(start..).unwrap_or_default());
                input = Cow::Owned(out);
            }
        }
        None => {
            if fields > 0 {
                let complete = input.ends_with(b"\n");
                let d = if complete {
                    Diagnostic::info(
                        DiagnosticKind::TruncatedHeaders,
                        "headers only: no blank line and no body before the end of the message",
                    )
                } else {
                    Diagnostic::warning(
                        DiagnosticKind::TruncatedHeaders,
                        "truncated headers (no blank line before end of file)",
                    )
                };
                problems.push(d);
            }
            if changed {
                input = Cow::Owned(kept);
            }
        }
    }
    Prepared { input, problems }
}

/// Parse with mailparse; on failure, recover the headers if possible and describe what went wrong.
fn parse(input: &[u8]) -> Result<ParsedMail<'_>, (Vec<MailHeader<'_>>, Diagnostic)> {
    match mailparse::parse_mail(input) {
        Ok(p) => Ok(p),
        Err(e) => {
            let headers = mailparse::parse_headers(input)
                .map(|(h, _)| h)
                .unwrap_or_default();
            Err((
                headers,
                Diagnostic::error(
                    DiagnosticKind::BadMime,
                    format!(
                        "the MIME structure could not be read ({e}); only the headers are shown"
                    ),
                ),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Headers.

fn first_header<'a>(headers: &'a [MailHeader<'a>], name: &str) -> Option<&'a MailHeader<'a>> {
    headers
        .iter()
        .find(|h| h.get_key_ref().trim_end().eq_ignore_ascii_case(name))
}

fn all_headers<'a>(
    headers: &'a [MailHeader<'a>],
    name: &str,
) -> impl Iterator<Item = &'a MailHeader<'a>> {
    let name = name.to_string();
    headers
        .iter()
        .filter(move |h| h.get_key_ref().trim_end().eq_ignore_ascii_case(&name))
}

fn decoded(h: &MailHeader<'_>) -> String {
    let raw = h.get_value_raw();
    if !raw.is_ascii() && raw.windows(2).any(|w| w == b"=?") {
        if let Some(fixed) = escape_8bit_in_encoded_words(raw) {
            if let Ok((header, _)) = mailparse::parse_header(&fixed) {
                return header.get_value().trim().to_string();
            }
        }
    }
    h.get_value().trim().to_string()
}

/// Raw 8-bit bytes inside RFC 2047 encoded words (`=?iso-8859-1?Q?Fr\xF6sche?=`, common in old mailers)
/// are dropped by the decoder; re-encode them as `=XX` inside Q words so they decode in the word's charset.
/// Returns a synthetic header line `X: <value>`, or `None` if nothing needed fixing.
fn escape_8bit_in_encoded_words(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = b"X: ".to_vec();
    let mut i = 0usize;
    let mut changed = false;
    while i < raw.len() {
        if raw.get(i..i + 2) == Some(b"=?".as_slice()) {
            // =?charset?X?text?=
            let rest = raw.get(i + 2..).unwrap_or_default();
            let q1 = rest.iter().position(|b| *b == b'?');
            let word = q1.and_then(|q1| {
                let enc = rest.get(q1 + 1).copied()?;
                if rest.get(q1 + 2) != Some(&b'?') {
                    return None;
                }
                let text_start = q1 + 3;
                let end = rest
                    .get(text_start..)?
                    .windows(2)
                    .position(|w| w == b"?=")?
                    + text_start;
                Some((text_start, end, enc))
            });
            if let Some((text_start, end, enc)) = word {
                out.extend_from_slice(raw.get(i..i + 2 + text_start).unwrap_or_default());
                for b in rest.get(text_start..end).unwrap_or_default() {
                    if *b >= 0x80 && matches!(enc, b'q' | b'Q') {
                        out.extend_from_slice(format!("={b:02X}").as_bytes());
                        changed = true;
                    } else {
                        out.push(*b);
                    }
                }
                out.extend_from_slice(b"?=");
                i += 2 + end + 2;
                continue;
            }
        }
        out.push(raw.get(i).copied().unwrap_or(b' '));
        i += 1;
    }
    changed.then_some(out)
}

fn format_addr(a: &MailAddr) -> String {
    match a {
        MailAddr::Single(s) => match s.display_name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => format!("{n} <{}>", s.addr),
            _ => s.addr.clone(),
        },
        MailAddr::Group(g) => {
            let members: Vec<String> = g
                .addrs
                .iter()
                .map(|s| format_addr(&MailAddr::Single(s.clone())))
                .collect();
            format!("{}: {};", g.group_name.trim(), members.join(", "))
        }
    }
}

/// All addresses of every `name` header, decoded and comma-joined; unparsable values are shown decoded.
fn addresses(headers: &[MailHeader<'_>], name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for h in all_headers(headers, name) {
        match mailparse::addrparse_header(h) {
            Ok(list) if !list.is_empty() => out.extend(list.iter().map(format_addr)),
            _ => {
                let v = decoded(h);
                if !v.is_empty() {
                    out.push(v);
                }
            }
        }
    }
    out.join(", ")
}

fn raw_value(h: &MailHeader<'_>) -> String {
    let bytes = h.get_value_raw();
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    };
    // Unfold: drop line breaks that are followed by whitespace.
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if c == '\n' {
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

fn header_fields(headers: &[MailHeader<'_>]) -> Vec<HeaderField> {
    headers
        .iter()
        .map(|h| HeaderField {
            name: h.get_key().trim_end().to_string(),
            raw: raw_value(h),
            decoded: decoded(h),
        })
        .collect()
}

fn summary_from(
    raw: &[u8],
    headers: &[MailHeader<'_>],
    attachment_count: usize,
    may_embed_message: bool,
    mut problems: Vec<Diagnostic>,
) -> MessageSummary {
    let from = addresses(headers, "From");
    if first_header(headers, "From").is_none() {
        problems.push(Diagnostic::warning(
            DiagnosticKind::MissingFrom,
            "no From header",
        ));
    }
    let (date, date_raw) = match first_header(headers, "Date") {
        Some(h) => {
            let value = decoded(h);
            let (date, problem) = parse_date(&value);
            problems.extend(problem);
            (date, Some(value))
        }
        None => {
            problems.push(Diagnostic::warning(
                DiagnosticKind::MissingDate,
                "no Date header",
            ));
            (None, None)
        }
    };
    let message_id = first_header(headers, "Message-ID")
        .map(decoded)
        .filter(|s| !s.is_empty());
    MessageSummary {
        date,
        date_raw,
        from,
        to: addresses(headers, "To"),
        subject: first_header(headers, "Subject")
            .map(decoded)
            .unwrap_or_default(),
        message_id,
        in_reply_to: first_header(headers, "In-Reply-To")
            .map(|h| crate::thread::parse_references(&raw_value(h)))
            .unwrap_or_default(),
        references: first_header(headers, "References")
            .map(|h| crate::thread::parse_references(&raw_value(h)))
            .unwrap_or_default(),
        attachment_count: u32::try_from(attachment_count).unwrap_or(u32::MAX),
        may_embed_message,
        size: raw.len() as u64,
        sha256: sha256_hex(raw),
        problems,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Dates.

/// Remove RFC 5322 comments "(...)" (nesting allowed) and collapse whitespace.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parse a Date header value. Returns the date (if any could be recovered) and at most one problem.
///
/// RFC 2822 via chrono first; then an asctime-like reading (`Wed Dec 18 19:59:02 2002`); then mailparse's
/// lenient parser, whose result is UTC with the sender's offset lost (noted as an Info problem).
pub fn parse_date(value: &str) -> (Option<MailDate>, Option<Diagnostic>) {
    let cleaned = strip_comments(value);
    if let Ok(dt) = chrono::DateTime::parse_from_rfc2822(&cleaned) {
        let offset_minutes = dt.offset().local_minus_utc() / 60;
        return (
            Some(MailDate {
                utc_unix: dt.timestamp(),
                offset_minutes,
            }),
            None,
        );
    }
    // chrono also checks the weekday; a wrong one is common and harmless: drop it and say so.
    if let Some((day, rest)) = cleaned.split_once(',') {
        if day.trim().len() == 3 && day.trim().chars().all(|c| c.is_ascii_alphabetic()) {
            if let Ok(dt) = chrono::DateTime::parse_from_rfc2822(rest.trim()) {
                let offset_minutes = dt.offset().local_minus_utc() / 60;
                let date = MailDate {
                    utc_unix: dt.timestamp(),
                    offset_minutes,
                };
                return (
                    Some(date),
                    Some(Diagnostic::info(
                        DiagnosticKind::BadDate,
                        format!("Date header \"{value}\" names the wrong weekday; the date itself was used"),
                    )),
                );
            }
        }
    }
    let tokens: Vec<&str> = cleaned.split_ascii_whitespace().collect();
    if let Some((Some(utc_unix), zone)) = crate::ingest::mbox::parse_date_tokens(&tokens) {
        let (offset_minutes, note) = match zone {
            Some(z) => (i32::try_from(z / 60).unwrap_or(0), "read leniently"),
            None => (0, "time zone missing or unreadable, taken as UTC"),
        };
        let date = MailDate {
            utc_unix,
            offset_minutes,
        };
        return (
            Some(date),
            Some(Diagnostic::info(
                DiagnosticKind::BadDate,
                format!(
                    "Date header \"{value}\" is not in RFC 5322 form; {note} ({})",
                    date.utc_display()
                ),
            )),
        );
    }
    // mailparse's parser loops once per year and returns 0 when it found no year: guard both.
    let sane_numbers = tokens
        .iter()
        .all(|t| !t.bytes().all(|b| b.is_ascii_digit()) || t.len() <= 4);
    if let Some(utc_unix) = mailparse::dateparse(&cleaned)
        .ok()
        .filter(|t| sane_numbers && *t != 0)
    {
        let date = MailDate {
            utc_unix,
            offset_minutes: 0,
        };
        return (
            Some(date),
            Some(Diagnostic::info(
                DiagnosticKind::BadDate,
                format!(
                    "Date header \"{value}\" is malformed; read as {} but the sender's UTC offset was not recoverable",
                    date.utc_display()
                ),
            )),
        );
    }
    (
        None,
        Some(Diagnostic::warning(
            DiagnosticKind::BadDate,
            format!("unreadable Date header \"{value}\""),
        )),
    )
}

// ---------------------------------------------------------------------------------------------------------
// MIME tree.

struct Tree<'p, 'a> {
    body: Option<(&'p ParsedMail<'a>, BodySource)>,
    attachments: Vec<&'p ParsedMail<'a>>,
}

impl Tree<'_, '_> {
    /// Whether an attachment could be a message of its own (see [`MessageSummary::may_embed_message`]).
    fn may_embed_message(&self) -> bool {
        self.attachments
            .iter()
            .any(|p| crate::ingest::embedded::could_be_message(&p.ctype.mimetype, filename(p).as_deref()))
    }
}

fn filename(part: &ParsedMail<'_>) -> Option<String> {
    let disp = part.get_content_disposition();
    disp.params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn is_attachment_like(part: &ParsedMail<'_>) -> bool {
    matches!(
        part.get_content_disposition().disposition,
        mailparse::DispositionType::Attachment
    ) || filename(part).is_some()
}

fn collect_leaves<'p, 'a>(
    part: &'p ParsedMail<'a>,
    depth: usize,
    out: &mut Vec<&'p ParsedMail<'a>>,
    problems: &mut Vec<Diagnostic>,
) {
    if part.subparts.is_empty() {
        if part.ctype.mimetype.starts_with("multipart/") {
            let text = match part.ctype.params.get("boundary") {
                None => format!(
                    "{} part without a boundary parameter; read as plain text",
                    part.ctype.mimetype
                ),
                Some(b) => format!(
                    "{} part whose boundary \"{b}\" never occurs; read as plain text",
                    part.ctype.mimetype
                ),
            };
            problems.push(Diagnostic::warning(DiagnosticKind::BadMime, text));
        }
        out.push(part);
        return;
    }
    if part.ctype.mimetype.starts_with("multipart/") && depth == 0 {
        // Only report a missing closing boundary for the outermost multipart: cheap and usually the cause.
        if let Some(b) = part.ctype.params.get("boundary") {
            let closing = format!("--{b}--");
            // Searched from the end, where the closing boundary is (a byte-by-byte scan from the start
            // was 38% of ingest time).
            if memchr::memmem::rfind(part.raw_bytes, closing.as_bytes()).is_none() {
                problems.push(Diagnostic::info(
                    DiagnosticKind::BadMime,
                    format!(
                        "{} has no closing boundary \"{closing}\"",
                        part.ctype.mimetype
                    ),
                ));
            }
        }
    }
    for sub in &part.subparts {
        collect_leaves(sub, depth + 1, out, problems);
    }
}

fn classify<'p, 'a>(parsed: &'p ParsedMail<'a>, problems: &mut Vec<Diagnostic>) -> Tree<'p, 'a> {
    let mut leaves = Vec::new();
    collect_leaves(parsed, 0, &mut leaves, problems);
    let is_plain = |p: &ParsedMail<'_>| {
        p.ctype.mimetype == "text/plain" || p.ctype.mimetype.starts_with("multipart/")
    };
    let body = leaves
        .iter()
        .find(|p| is_plain(p) && !is_attachment_like(p))
        .map(|p| (*p, BodySource::Plain))
        .or_else(|| {
            leaves
                .iter()
                .find(|p| p.ctype.mimetype == "text/html" && !is_attachment_like(p))
                .map(|p| (*p, BodySource::HtmlAsText))
        });
    let attachments = leaves
        .iter()
        .filter(|p| !body.is_some_and(|(b, _)| std::ptr::eq::<ParsedMail<'_>>(**p, b)))
        .filter(|p| {
            let t = &p.ctype.mimetype;
            is_attachment_like(p) || !(t.starts_with("text/") || t.starts_with("multipart/"))
        })
        .copied()
        .collect();
    Tree { body, attachments }
}

/// Decode a part's transfer encoding; on failure, record it and return the raw bytes.
fn decoded_bytes(part: &ParsedMail<'_>, problems: &mut Vec<Diagnostic>) -> Vec<u8> {
    check_transfer_encoding(part, problems);
    match part.get_body_raw() {
        Ok(b) => b,
        Err(e) => {
            problems.push(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!(
                    "a {} part could not be decoded ({e}); its raw bytes are used",
                    part.ctype.mimetype
                ),
            ));
            match part.get_body_encoded() {
                mailparse::body::Body::Base64(b) | mailparse::body::Body::QuotedPrintable(b) => {
                    b.get_raw().to_vec()
                }
                mailparse::body::Body::SevenBit(b) | mailparse::body::Body::EightBit(b) => {
                    b.get_raw().to_vec()
                }
                mailparse::body::Body::Binary(b) => b.get_raw().to_vec(),
            }
        }
    }
}

fn check_transfer_encoding(part: &ParsedMail<'_>, problems: &mut Vec<Diagnostic>) {
    if let Some(h) = first_header(&part.headers, "Content-Transfer-Encoding") {
        let v = decoded(h).to_ascii_lowercase();
        if !matches!(
            v.as_str(),
            "7bit" | "8bit" | "binary" | "base64" | "quoted-printable"
        ) {
            problems.push(Diagnostic::info(
                DiagnosticKind::BadEncoding,
                format!("unknown Content-Transfer-Encoding \"{v}\"; the part is read as is"),
            ));
        }
    }
}

/// Decode text bytes in the declared charset; undeclared / us-ascii text that is valid UTF-8 is read as UTF-8.
fn decode_text(bytes: &[u8], declared: Option<&str>, problems: &mut Vec<Diagnostic>) -> String {
    let label = declared.map(|s| s.trim().trim_matches('"').to_ascii_lowercase());
    let fallback = |bytes: &[u8]| match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => charset::Charset::for_label(b"windows-1252")
            .map(|c| c.decode(bytes).0.into_owned())
            .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned()),
    };
    match label.as_deref() {
        None | Some("us-ascii" | "ascii" | "") => fallback(bytes),
        Some(l) => match charset::Charset::for_label(l.as_bytes()) {
            Some(cs) => {
                let (text, _, had_errors) = cs.decode(bytes);
                if had_errors {
                    problems.push(Diagnostic::info(
                        DiagnosticKind::BadEncoding,
                        format!("the body is not valid {l}; undecodable bytes were replaced"),
                    ));
                }
                text.into_owned()
            }
            None => {
                problems.push(Diagnostic::info(
                    DiagnosticKind::BadEncoding,
                    format!("unknown charset \"{l}\"; the body is shown as UTF-8 / Windows-1252"),
                ));
                fallback(bytes)
            }
        },
    }
}

fn read_body(part: &ParsedMail<'_>, source: BodySource, problems: &mut Vec<Diagnostic>) -> Body {
    let bytes = decoded_bytes(part, problems);
    let charset = part.ctype.params.get("charset").cloned();
    let detected = detect_charset(&bytes, charset.as_deref());
    let text = match &detected {
        // The declared charset cannot decode these bytes but another one clearly can: read it in that one,
        // and say so (a mislabelled body is common in leaked mail and unreadable otherwise).
        Some(d) if d.use_detected => {
            problems.push(Diagnostic::info(
                DiagnosticKind::BadEncoding,
                match charset.as_deref() {
                    Some(declared) => format!(
                        "the body declares charset {declared} but its bytes are not valid in it; it is shown as {}, which they look like",
                        d.name
                    ),
                    None => format!("the body declares no charset; it is shown as {}, which its bytes look like", d.name),
                },
            ));
            decode_text(&bytes, Some(d.name), &mut Vec::new())
        }
        _ => decode_text(&bytes, charset.as_deref(), problems),
    };
    let text = match source {
        BodySource::HtmlAsText => html_to_text(&text, problems),
        _ => text,
    };
    Body {
        text,
        source,
        charset,
        detected_charset: detected.map(|d| d.name.to_string()),
    }
}

/// What [`detect_charset`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedCharset {
    /// The WHATWG name of the charset the bytes look like (e.g. "UTF-8", "windows-1251", "Shift_JIS").
    pub name: &'static str,
    /// True when the declared charset cannot decode the bytes without errors while the detected one can, and
    /// the detector is confident: the text is then better read in the detected charset.
    pub use_detected: bool,
}

/// The charset text bytes look like, when it disagrees with `declared`.
///
/// Plain ASCII never disagrees. Valid UTF-8 with non-ASCII bytes is UTF-8. Otherwise the guess is
/// `chardetng`'s (Firefox's detector, built on `encoding_rs`). A declared label the WHATWG Encoding Standard
/// maps to the same encoding as the guess agrees with it (so "iso-8859-1" and "windows-1252" are one), and
/// so does any charset that decodes these bytes to the same text (KOI8-R and KOI8-U on Russian text).
/// ISO-2022-JP is 7-bit and reads as ASCII.
/// Undeclared text that is not ASCII is reported with its guess, since the reader then had to choose.
///
/// ```
/// use leakloupe_core::message::detect_charset;
/// assert_eq!(detect_charset(b"plain words", Some("koi8-r")), None);
/// assert_eq!(detect_charset("Café".as_bytes(), Some("utf-8")), None);
/// assert_eq!(detect_charset("Café".as_bytes(), Some("iso-8859-1")).map(|d| d.name), Some("UTF-8"));
/// ```
pub fn detect_charset(bytes: &[u8], declared: Option<&str>) -> Option<DetectedCharset> {
    if bytes.is_ascii() {
        return None;
    }
    let declared_enc = declared
        .map(|l| l.trim().trim_matches('"'))
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("us-ascii") && !l.eq_ignore_ascii_case("ascii"))
        .and_then(|l| {
            encoding_rs::Encoding::for_label(l.as_bytes()).or_else(|| {
                // Labels only the charset crate knows (its extended mail labels); UTF-7 has no encoding_rs twin.
                charset::Charset::for_label(l.as_bytes())
                    .and_then(|c| encoding_rs::Encoding::for_label(c.name().as_bytes()))
            })
        });
    let (guess, confident) = if std::str::from_utf8(bytes).is_ok() {
        (encoding_rs::UTF_8, true)
    } else {
        let mut det = chardetng::EncodingDetector::new();
        det.feed(bytes, true);
        det.guess_assess(None, true)
    };
    match declared_enc {
        Some(d) if d == guess => None,
        Some(d) => {
            let (as_declared, _, declared_errors) = d.decode(bytes);
            let (as_guessed, _, guess_errors) = guess.decode(bytes);
            if as_declared == as_guessed {
                // Same text either way (KOI8-R vs KOI8-U on Russian text, GBK vs GB18030): no disagreement.
                return None;
            }
            if !declared_errors && !confident {
                // Decodes cleanly as declared and the detector is unsure: trust the declaration.
                return None;
            }
            Some(DetectedCharset { name: guess.name(), use_detected: declared_errors && !guess_errors && confident })
        }
        // Undeclared: the reader falls back to UTF-8 or Windows-1252; a confident other guess reads better.
        None => Some(DetectedCharset {
            name: guess.name(),
            use_detected: confident && guess != encoding_rs::UTF_8 && guess != encoding_rs::WINDOWS_1252,
        }),
    }
}

#[cfg(test)]
mod mime_tree_tests {
    use super::*;

    #[test]
    fn parts_are_numbered_with_offsets_sizes_and_hashes() {
        let raw = b"From: a@b\nSubject: t\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain; charset=utf-8\n\nhello\n--X\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--X--\n";
        let t = mime_tree(raw);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].depth, t[0].number.as_str(), t[0].content_type.as_str()), (0, "", "multipart/mixed"));
        assert_eq!((t[1].number.as_str(), t[1].charset.as_deref()), ("1", Some("utf-8")));
        assert_eq!((t[2].number.as_str(), t[2].encoding.as_str(), t[2].decoded_size), ("2", "base64", 4));
        assert_eq!(t[2].sha256, sha256_hex(b"%PDF"));
        assert_eq!(t[2].filename.as_deref(), Some("a.pdf"));
        let off = t[2].offset as usize;
        assert!(raw[off..].starts_with(b"Content-Type: application/pdf"), "offset points at the part's headers");
        assert!(mime_tree(b"\x00\x01").len() <= 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &MessageSummary) -> Vec<DiagnosticKind> {
        s.problems.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn dates_and_offsets() {
        let (d, p) = parse_date("Wed, 17 May 2000 19:35:05 -0400");
        let d = d.unwrap();
        assert!(p.is_none());
        assert_eq!(d.utc_display(), "2000-05-17 23:35:05 UTC");
        assert_eq!(d.offset_display(), "-04:00");
        let (d, _) = parse_date("Mon, 22 Mar 1993 09:41:09 -0800 (PST)");
        assert_eq!(d.unwrap().offset_minutes, -480);
        let (d, _) = parse_date("Thu, 1 Jan 2004 10:00:00 +0530");
        assert_eq!(d.unwrap().offset_display(), "+05:30");
        // asctime-like, no zone: UTC assumed, noted.
        let (d, p) = parse_date("Wed Dec 18 19:59:02 2002");
        assert_eq!(d.unwrap().utc_display(), "2002-12-18 19:59:02 UTC");
        assert_eq!(p.unwrap().kind, DiagnosticKind::BadDate);
        let (d, p) = parse_date("Mon, 13 Feb 2018 12:00:00 -0400");
        assert_eq!(d.unwrap().utc_unix, 1518537600);
        assert!(p.unwrap().text.contains("wrong weekday"));
        let (d, p) = parse_date("not a date at all");
        assert!(d.is_none());
        assert_eq!(p.unwrap().severity, crate::diagnostic::Severity::Warning);
        let s = summarize(b"From: a@b\n\nx");
        assert!(kinds(&s).contains(&DiagnosticKind::MissingDate));
    }

    #[test]
    fn rfc2047_subject_and_utf8_headers() {
        let s = summarize(b"From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\nTo: a@b, \"C D\" <c@d>\nSubject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\n  =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=\nDate: Thu, 1 Jan 2004 10:00:00 +0000\n\nx");
        assert_eq!(
            s.subject,
            "If you can read this you understand the example."
        );
        assert_eq!(s.from, "André Pirard <PIRARD@vm1.ulg.ac.be>");
        assert_eq!(s.to, "a@b, C D <c@d>");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let s = summarize(b"Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr\xF6sche?=\n\n");
        assert_eq!(s.subject, "Die Hasen und die Frösche");
        let s = summarize("Subject: Grüße 日本\nFrom: Jörg <j@example.de>\n\nx".as_bytes());
        assert_eq!(s.subject, "Grüße 日本");
        assert_eq!(s.from, "Jörg <j@example.de>");
    }

    const MIXED: &[u8] = b"From: a@b\r\nDate: Thu, 1 Jan 2004 10:00:00 +0000\r\nSubject: att\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9\r\n--XX\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--XX--\r\n";

    #[test]
    fn attachments_are_hashed_and_extracted() {
        let d = read_message(MIXED);
        assert_eq!(d.body.text, "Café");
        assert_eq!(d.body.charset.as_deref(), Some("iso-8859-1"));
        assert_eq!(d.attachments.len(), 2);
        let a = &d.attachments[0];
        assert_eq!(a.filename.as_deref(), Some("résumé.bin"));
        assert_eq!(a.content_type, "application/octet-stream");
        assert_eq!(a.disposition.as_deref(), Some("attachment"));
        assert_eq!(a.size, 11);
        assert_eq!(a.sha256, sha256_hex(b"hello world"));
        assert_eq!(attachment_bytes(MIXED, 0).unwrap(), b"hello world");
        assert_eq!(d.attachments[1].content_type, "message/rfc822");
        assert_eq!(
            attachment_bytes(MIXED, 1).unwrap(),
            b"Subject: inner\r\n\r\ninner body"
        );
        assert_eq!(attachment_bytes(MIXED, 2), None);
        let s = summarize(MIXED);
        assert_eq!(s.attachment_count, 2);
        assert_eq!(s.sha256, sha256_hex(MIXED));
        assert_eq!(d.summary.attachment_count, 2);
        assert_eq!(d.headers[3].name, "Content-Type");
        assert_eq!(d.headers[3].raw, "multipart/mixed; boundary=\"XX\"");
    }

    #[test]
    fn attachments_listed_number_as_the_reader_and_decode_only_what_is_asked() {
        let d = read_message(MIXED);
        let listed = attachments_listed(MIXED, &|ct, _| ct.starts_with("message/"));
        assert_eq!(listed.len(), d.attachments.len());
        for (l, a) in listed.iter().zip(&d.attachments) {
            assert_eq!((l.index, &l.filename, &l.content_type), (a.index, &a.filename, &a.content_type));
        }
        assert_eq!(listed[0].bytes, None, "the octet-stream part was not asked for");
        assert_eq!(listed[1].bytes, attachment_bytes(MIXED, 1));
        let by_name = attachments_listed(MIXED, &|_, name| name.is_some_and(|n| n.ends_with(".bin")));
        assert_eq!(by_name[0].bytes.as_deref(), Some(b"hello world".as_slice()));
        assert_eq!(by_name[1].bytes, None);
        assert!(attachments_listed(b"From: a@b\n\nplain", &|_, _| true).is_empty());
    }

    #[test]
    fn may_embed_message_follows_the_attachments() {
        assert!(summarize(MIXED).may_embed_message, "octet-stream and message/rfc822 parts");
        assert!(read_message(MIXED).summary.may_embed_message);
        let png = b"From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nhi\n--B\nContent-Type: image/png; name=x.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--B--\n";
        let s = summarize(png);
        assert_eq!((s.attachment_count, s.may_embed_message), (1, false));
        let named = String::from_utf8_lossy(png).replace("image/png; name=x.png", "image/png; name=fwd.EML");
        assert!(summarize(named.as_bytes()).may_embed_message, "a .eml name counts whatever the type");
        assert!(!summarize(b"From: a@b\n\nplain").may_embed_message);
    }

    #[test]
    fn html_only_body_becomes_text() {
        let d = read_message(
            b"From: a@b\nContent-Type: text/html\n\n<p>Hello <b>world</b></p><script>x</script>",
        );
        assert_eq!(d.body.source, BodySource::HtmlAsText);
        assert!(d.body.text.contains("Hello"), "{}", d.body.text);
        assert!(!d.body.text.contains('<'));
    }

    #[test]
    fn damaged_headers_are_reported_and_recovered() {
        let s = summarize(b"Subject: one\nthis is not a header\nFrom: a@b\n\nbody");
        assert!(kinds(&s).contains(&DiagnosticKind::BadHeader));
        assert_eq!(s.from, "a@b");
        let d =
            read_message(b"Subject: two\nFrom: a@b\nHello there, no blank line.\nSecond line.\n");
        assert!(d
            .summary
            .problems
            .iter()
            .any(|p| p.kind == DiagnosticKind::MissingSeparator));
        assert_eq!(d.body.text, "Hello there, no blank line.\nSecond line.\n");
        let s = summarize(b"Subject: three\nFrom: a@b");
        let t = s
            .problems
            .iter()
            .find(|p| p.kind == DiagnosticKind::TruncatedHeaders)
            .unwrap();
        assert_eq!(
            t.text,
            "truncated headers (no blank line before end of file)"
        );
        assert_eq!(s.subject, "three");
        let s = summarize(b"\x00\x01\x02 binary \xff\xfe junk");
        assert!(s.subject.is_empty());
        let s = summarize(b"Content-Type: multipart/mixed\n\nno boundary");
        assert!(kinds(&s).contains(&DiagnosticKind::BadMime));
    }

    #[test]
    fn declared_and_detected_charsets() {
        let cyrillic = "Привет, коллеги! Документы по бюджету готовы, посмотрите их до пятницы, пожалуйста.";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(cyrillic);
        // Declares UTF-8, is Windows-1251: detected, and read as what it is.
        let mut raw = b"From: a@b\nSubject: s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n".to_vec();
        raw.extend_from_slice(&cp1251);
        let d = read_message(&raw);
        assert_eq!(d.body.charset.as_deref(), Some("utf-8"));
        assert_eq!(d.body.detected_charset.as_deref(), Some("windows-1251"));
        assert!(d.body.text.starts_with("Привет, коллеги!"), "{}", d.body.text);
        assert!(d.summary.problems.iter().any(|p| p.text.contains("declares charset utf-8") && p.text.contains("windows-1251")));
        // Declared right: nothing to say.
        let mut raw = b"From: a@b\nSubject: s\nContent-Type: text/plain; charset=windows-1251\n\n".to_vec();
        raw.extend_from_slice(&cp1251);
        let d = read_message(&raw);
        assert_eq!(d.body.detected_charset, None);
        assert!(d.body.text.starts_with("Привет"));
        // KOI8-R declared as such agrees; ISO-8859-1 and Windows-1252 are one encoding (WHATWG).
        let (koi, _, _) = encoding_rs::KOI8_R.encode(cyrillic);
        assert_eq!(detect_charset(&koi, Some("koi8-r")), None);
        assert_eq!(detect_charset("Déjà vu, café crème".as_bytes(), Some("utf-8")), None);
        let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("Déjà vu, le café crème est prêt à côté de la fenêtre.");
        assert_eq!(detect_charset(&latin, Some("iso-8859-1")), None);
        // Undeclared Windows-1251 is read as Windows-1251, not as Windows-1252 mojibake.
        let mut raw = b"From: a@b\nSubject: s\n\n".to_vec();
        raw.extend_from_slice(&cp1251);
        let d = read_message(&raw);
        assert_eq!((d.body.charset.as_deref(), d.body.detected_charset.as_deref()), (None, Some("windows-1251")));
        assert!(d.body.text.starts_with("Привет"));
    }

    #[test]
    fn a_huge_header_block_is_cut_and_said() {
        let mut raw = b"From: a@b\nSubject: huge\n".to_vec();
        while raw.len() < 3 * MAX_HEADER_BLOCK {
            raw.extend_from_slice(b"X-Filler: 0123456789012345678901234567890123456789\n");
        }
        raw.extend_from_slice(b"\nthe body survives\n");
        let d = read_message(&raw);
        assert_eq!(d.summary.subject, "huge");
        assert_eq!(d.body.text.trim(), "the body survives");
        assert!(d.headers.len() < 30_000, "{} header fields read", d.headers.len());
        assert!(d.summary.problems.iter().any(|p| p.text.starts_with("the header block is 3") && p.text.contains("only its first")), "{:?}", d.summary.problems);
        // One endless header line, no body.
        let mut raw = b"From: a@b\nSubject: ".to_vec();
        raw.extend(std::iter::repeat_n(b'x', 2 * MAX_HEADER_BLOCK));
        let s = summarize(&raw);
        assert!(s.subject.len() < MAX_HEADER_BLOCK);
        assert!(s.problems.iter().any(|p| p.text.contains("it never ends")), "{:?}", s.problems);
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        for raw in [
            &b""[..],
            b"\r",
            b"\n",
            b"\r\r\r",
            b" leading space\n",
            b"A:\n\r",
            b"Content-Type: multipart/mixed; boundary=a\n\n--a",
            b"Content-Type: multipart/mixed; boundary=a\n\n--a\n",
            b"Content-Type: text/plain; charset=x-nope\nContent-Transfer-Encoding: base64\n\n!!!!",
            b"Date: Sun, 31 Dec 9999 23:59:59 -2359\n\n",
        ] {
            let _ = summarize(raw);
            let d = read_message(raw);
            let _ = attachment_bytes(raw, 0);
            for p in &d.summary.problems {
                assert!(!p.text.is_empty());
            }
        }
        let deep: String = (0..300)
            .map(|i| format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"))
            .collect();
        let d = read_message(deep.as_bytes());
        assert!(d
            .summary
            .problems
            .iter()
            .any(|p| p.severity == crate::diagnostic::Severity::Error));
    }
}
