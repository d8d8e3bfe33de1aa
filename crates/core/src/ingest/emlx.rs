//! Apple Mail `.emlx` / `.partial.emlx` files: one message per file, laid out as
//!
//! ```text
//! 2945␠␠␠␠␠␠            <- decimal byte count of the RFC 822 message (space-padded)
//! Return-Path: ...      <- exactly that many bytes of message
//! ...
//! <?xml version="1.0" encoding="UTF-8"?>   <- an XML property list: flags, date-received, ...
//! ```
//!
//! The message's span points at the RFC 822 bytes, so [`super::message_bytes`] and the ordinary reader
//! work unchanged. A `.partial.emlx` has its attachment bodies stripped (their parts keep only headers and an
//! `X-Apple-Content-Length`); Apple Mail stores them in `Attachments/<id>/<part>/<file>` beside the
//! `Messages/` folder. That is reported; rebuilding the full message from the folder is not done here.
//!
//! A byte count that does not match (seen in real files) is reported, and the message is then taken to end
//! where the property list starts.

use super::{IngestSink, IngestTotals};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::message::summarize;

/// If `head` starts with an emlx byte-count line (digits, optional padding, line end), the count and the
/// offset where the message starts.
pub(crate) fn count_line(head: &[u8]) -> Option<(u64, usize)> {
    let digits = head.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 15 {
        return None;
    }
    let pad = head
        .get(digits..)?
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let after = digits + pad;
    let start = match (head.get(after), head.get(after + 1)) {
        (Some(b'\n'), _) => after + 1,
        (Some(b'\r'), Some(b'\n')) => after + 2,
        _ => return None,
    };
    let count = std::str::from_utf8(head.get(..digits)?)
        .ok()?
        .parse()
        .ok()?;
    Some((count, start))
}

/// Where the message and the property list are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    start: usize,
    end: usize,
    plist: Option<usize>,
    /// A warning about the byte count, if it did not match.
    count_problem: Option<String>,
}

fn is_plist_start(s: &[u8]) -> bool {
    let s = s.trim_ascii_start();
    s.starts_with(b"<?xml") || s.starts_with(b"<plist") || s.starts_with(b"<!DOCTYPE plist")
}

/// The start of the trailing property list: the `<?xml` declaration (or, without one, the `<plist`
/// element) at the start of a line, before the last `</plist>`.
fn find_plist(buf: &[u8], from: usize) -> Option<usize> {
    let tail = buf.get(from..)?;
    let close = tail.windows(8).rposition(|w| w == b"</plist>")?;
    let upto = tail.get(..close)?;
    let line_start = |i: usize| i == 0 || matches!(upto.get(i - 1), Some(b'\n' | b'\r'));
    let last = |pat: &[u8], below: usize| {
        upto.get(..below)?
            .windows(pat.len())
            .enumerate()
            .filter(|(i, w)| *w == pat && line_start(*i))
            .map(|(i, _)| i)
            .next_back()
    };
    let found = match last(b"<plist", upto.len()) {
        // The declaration and DOCTYPE usually sit right before the element.
        Some(p) => match last(b"<?xml", p) {
            Some(x) if p - x < 400 => x,
            _ => p,
        },
        None => last(b"<?xml", upto.len())?,
    };
    Some(from + found)
}

fn layout(buf: &[u8]) -> Result<Layout, String> {
    let Some((count, start)) = count_line(buf) else {
        return Err(
            "the file does not start with the byte-count line of Apple Mail's .emlx format".into(),
        );
    };
    let available = buf.len() - start;
    let claimed = usize::try_from(count).unwrap_or(usize::MAX);
    if claimed <= available && is_plist_start_or_end(buf.get(start + claimed..).unwrap_or_default())
    {
        let end = start + claimed;
        let plist = (end < buf.len()).then_some(end);
        return Ok(Layout {
            start,
            end,
            plist,
            count_problem: None,
        });
    }
    match find_plist(buf, start) {
        Some(p) => Ok(Layout {
            start,
            end: p,
            plist: Some(p),
            count_problem: Some(format!(
                "the first line says the message is {count} bytes, but {} bytes precede the property list; the message was taken to end there",
                p - start
            )),
        }),
        None if claimed <= available => Ok(Layout {
            start,
            end: start + claimed,
            plist: None,
            count_problem: Some(format!(
                "{} bytes after the {count}-byte message are not an XML property list; they were ignored",
                available - claimed
            )),
        }),
        None => Ok(Layout {
            start,
            end: buf.len(),
            plist: None,
            count_problem: Some(format!(
                "the first line says the message is {count} bytes, but the file holds only {available} after it and no property list; the message is truncated"
            )),
        }),
    }
}

fn is_plist_start_or_end(rest: &[u8]) -> bool {
    rest.iter().all(u8::is_ascii_whitespace) || is_plist_start(rest)
}

/// The integer value after `<key>name</key>` in a property list, if any.
fn plist_integer(plist: &[u8], name: &str) -> Option<i64> {
    let key = format!("<key>{name}</key>");
    let at = plist.windows(key.len()).position(|w| w == key.as_bytes())? + key.len();
    let rest = plist.get(at..)?.trim_ascii_start();
    let rest = rest.strip_prefix(b"<integer>")?;
    let end = rest.iter().position(|b| *b == b'<')?;
    std::str::from_utf8(rest.get(..end)?)
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A one-line reading of the plist's `date-received` and `flags`, if present.
fn plist_note(plist: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(t) = plist_integer(plist, "date-received") {
        if let Some(dt) = chrono::DateTime::from_timestamp(t, 0) {
            parts.push(format!("received {}", dt.format("%Y-%m-%d %H:%M:%S UTC")));
        }
    }
    if let Some(flags) = plist_integer(plist, "flags") {
        const NAMES: &[(u32, &str)] = &[
            (0, "read"),
            (1, "deleted"),
            (2, "answered"),
            (3, "encrypted"),
            (4, "flagged"),
            (6, "draft"),
            (8, "forwarded"),
            (9, "redirected"),
            (23, "signed"),
            (24, "junk"),
        ];
        let set: Vec<&str> = NAMES
            .iter()
            .filter(|(bit, _)| flags >> bit & 1 == 1)
            .map(|(_, n)| *n)
            .collect();
        let attachments = (flags >> 10) & 0x3F;
        let mut text = if set.is_empty() {
            "flags: none".to_string()
        } else {
            format!("flags: {}", set.join(", "))
        };
        // 63 (all six bits set) is what Apple Mail writes when it has not counted.
        if attachments != 63 {
            text.push_str(&format!("; {attachments} attachment(s) per Apple Mail"));
        }
        parts.push(text);
    }
    (!parts.is_empty()).then(|| format!("Apple Mail property list: {}", parts.join("; ")))
}

/// Number of MIME parts whose body Apple Mail stored outside the file (`X-Apple-Content-Length`).
fn stripped_parts(message: &[u8]) -> usize {
    message
        .split(|b| *b == b'\n')
        .filter(|l| {
            l.len() >= 23
                && l.get(..23)
                    .is_some_and(|h| h.eq_ignore_ascii_case(b"X-Apple-Content-Length:"))
        })
        .count()
}

/// Emit the one message of a buffered `.emlx` source.
pub(crate) fn finish(buf: &[u8], sink: &mut dyn IngestSink) -> IngestTotals {
    let total = buf.len() as u64;
    let layout = match layout(buf) {
        Ok(l) => l,
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
    let message = buf.get(layout.start..layout.end).unwrap_or_default();
    let mut summary = summarize(message);
    if let Some(p) = layout.count_problem {
        summary
            .problems
            .push(Diagnostic::warning(DiagnosticKind::Other, p));
    }
    let stripped = stripped_parts(message);
    if stripped > 0 {
        summary.problems.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "partial emlx: attachment bodies are stored separately in Attachments/<id>/ ({stripped} part(s) here have headers only)"
            ),
        ));
    }
    if let Some(note) = layout.plist.and_then(|p| buf.get(p..)).and_then(plist_note) {
        summary
            .problems
            .push(Diagnostic::info(DiagnosticKind::Other, note));
    }
    super::emit_single_rfc822(sink, layout.start as u64, message, summary, "emlx: ");
    IngestTotals {
        messages: 1,
        bytes: total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest_all, message_bytes, Sniffed, SourceFormat};

    const PLIST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>date-received</key>\n\t<integer>1303394185</integer>\n\t<key>flags</key>\n\t<integer>8589935617</integer>\n</dict>\n</plist>\n";

    fn emlx(count: Option<usize>, msg: &str) -> Vec<u8> {
        let n = count.unwrap_or(msg.len());
        format!("{n:<10}\n{msg}{PLIST}").into_bytes()
    }

    #[test]
    fn count_line_shapes() {
        assert_eq!(count_line(b"2945      \nFrom: x"), Some((2945, 11)));
        assert_eq!(count_line(b"12\r\nX"), Some((12, 4)));
        assert_eq!(count_line(b"12 x\n"), None);
        assert_eq!(count_line(b"Subject: 1\n"), None);
        assert_eq!(count_line(b"99999999999999999999\n"), None);
    }

    #[test]
    fn exact_count_gives_the_message_and_a_note() {
        let msg = "From: a@b\nSubject: hi\nDate: Thu, 21 Apr 2011 15:55:37 +0200\n\nbody\n";
        let src = emlx(None, msg);
        let r = ingest_all(&src, "1.emlx");
        assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Emlx));
        let (span, s) = &r.messages[0];
        let slice = &src[span.offset as usize..(span.offset + span.len) as usize];
        assert_eq!(message_bytes(span, slice), msg.as_bytes());
        assert_eq!(s.subject, "hi");
        let note = r
            .diagnostics
            .iter()
            .find(|d| d.text.contains("property list"))
            .unwrap();
        assert_eq!(
            note.text,
            "emlx: Apple Mail property list: received 2011-04-21 13:56:25 UTC; flags: read; 1 attachment(s) per Apple Mail"
        );
    }

    #[test]
    fn wrong_counts_fall_back_to_the_plist() {
        let msg = "From: a@b\nSubject: hi\n\nbody\n";
        for count in [msg.len() + 500, msg.len() - 3] {
            let src = emlx(Some(count), msg);
            let r = ingest_all(&src, "x.emlx");
            let (span, _) = &r.messages[0];
            assert_eq!(span.len as usize, msg.len(), "count {count}");
            assert!(r
                .diagnostics
                .iter()
                .any(|d| d.text.contains("bytes precede the property list")));
        }
        // No plist at all, count too large: truncated.
        let src = format!("{}\n{msg}", msg.len() + 10).into_bytes();
        let r = ingest_all(&src, "x.emlx");
        assert_eq!(r.messages[0].0.len as usize, msg.len());
        assert!(r.diagnostics.iter().any(|d| d.text.contains("truncated")));
    }

    #[test]
    fn partial_emlx_is_reported() {
        let msg = "From: a@b\nSubject: p\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nhi\n--B\nContent-Type: application/pdf; name=x.pdf\nContent-Disposition: attachment; filename=x.pdf\nX-Apple-Content-Length: 1234\n\n\n--B--\n";
        let r = ingest_all(&emlx(None, msg), "5.partial.emlx");
        assert!(r.diagnostics.iter().any(|d| d.text.starts_with(
            "emlx: partial emlx: attachment bodies are stored separately in Attachments/<id>/"
        )));
        assert_eq!(r.messages[0].1.attachment_count, 1);
    }

    #[test]
    fn odd_inputs() {
        for src in [&b"0\n"[..], b"5\n", b"1\n</plist>", b"3\n<?xml</plist>"] {
            let mut sink = crate::ingest::IngestResult {
                sniffed: Sniffed::Empty,
                messages: vec![],
                diagnostics: vec![],
            };
            finish(src, &mut sink);
        }
    }
}
