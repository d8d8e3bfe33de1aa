//! [`MboxWriter`]: messages as an mboxrd file that Leakloupe's own mbox reader gives back byte for byte.

use chrono::{DateTime, Datelike};

/// The envelope sender written when none is known (or nothing of it is usable).
const UNKNOWN_SENDER: &str = "MAILER-DAEMON";

/// Line-end convention of the mbox being written, fixed by its first message (as the reader fixes it from
/// the first line end of the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Lines end at LF (LF or CRLF messages).
    Lf,
    /// Classic Mac: lines end at a bare CR.
    Cr,
}

/// How a message's own lines end, from its first line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Lf,
    Crlf,
    Cr,
    /// No line end at all (empty or one unterminated line).
    None,
}

/// Incremental mbox writer (mboxrd): each [`MboxWriter::push`] returns the bytes to append.
///
/// Each message is written as a `From <sender> <asctime date>` postmark line, then the message with every
/// line matching `^>*From ` given one more `>` (mboxrd quoting, undone by any mboxrd reader). Nothing else is
/// added: no `Content-Length`, no header, no blank separator line. That is what makes the file round-trip
/// exactly through Leakloupe's reader ([`crate::ingest::Ingester`]), which keeps every byte up to the next
/// postmark line as part of a message (a blank line before the postmark included, since it cannot know
/// whether that line was the message's own). A message read from an mbox already ends with the blank line
/// that separated it in its source, so exporting it again gives a conventional-looking mbox; a message
/// from an `.eml` file ends with its own last line, and the next postmark follows it directly (readers that
/// assume a blank separator, like mutt's, then drop that message's final line end).
///
/// Line ends follow the messages: the postmark line ends like the message's first line (CRLF for a CRLF
/// message). The first message fixes the file's convention, as it does for the reader: if it uses bare CR
/// line ends (classic Mac) the whole file does, otherwise LF.
///
/// The one case that cannot be byte-exact: a postmark line must start a line, so when a message does not
/// end with a line end of the file's convention (no final newline; or a bare-CR message in an LF file, or
/// the reverse) and another message follows, that message gains one line end (`\n`, `\r\n` for a CRLF
/// message, `\n` after a lone final `\r`, or `\r` in a CR file). It is added only when the next message is
/// pushed, so the last message of a file stays exact, and [`MboxWriter::altered`] counts the messages that
/// gained one. Dates: `date` is the envelope date (Unix time, UTC); `None`, or a date outside years
/// 1..=9999, is written as the Unix epoch (`Thu Jan  1 00:00:00 1970`); pass the message's Date header
/// (`summary.date.map(|d| d.utc_unix)`) when there is no envelope.
///
/// ```
/// use leakloupe_core::export::MboxWriter;
/// use leakloupe_core::ingest::{ingest_all, message_bytes};
/// let originals: [&[u8]; 2] = [b"Subject: a\n\nFrom here\n>From there\n", b"Subject: b\n\nno final newline"];
/// let mut w = MboxWriter::new();
/// let mut mbox = w.push(originals[0], Some("a@example.com"), Some(820631134));
/// assert!(mbox.starts_with(b"From a@example.com Wed Jan  3 01:05:34 1996\nSubject: a\n\n>From here\n>>From there\n"));
/// mbox.extend(w.push(originals[1], None, None));
/// let r = ingest_all(&mbox, "export.mbox");
/// for ((span, _), original) in r.messages.iter().zip(originals) {
///     let slice = &mbox[span.offset as usize..(span.offset + span.len) as usize];
///     assert_eq!(message_bytes(span, slice), original);
/// }
/// assert_eq!(r.messages[0].0.envelope.as_ref().map(|e| e.from.as_str()), Some("a@example.com"));
/// assert_eq!(w.altered(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MboxWriter {
    mode: Option<Mode>,
    /// What must be written before the next postmark line so that it starts a line ("" when the last byte
    /// written already ends one).
    owed: &'static [u8],
    messages: u64,
    altered: u64,
}

impl MboxWriter {
    /// A writer that has written nothing yet.
    pub fn new() -> Self {
        MboxWriter::default()
    }

    /// The bytes to append for one message: (a line end owed to the previous message, see the type's
    /// documentation), the postmark line for `envelope_sender` (whitespace and control characters removed;
    /// `MAILER-DAEMON` when empty) and `date`, and the mboxrd-quoted message.
    pub fn push(
        &mut self,
        raw: &[u8],
        envelope_sender: Option<&str>,
        date: Option<i64>,
    ) -> Vec<u8> {
        let style = first_line_end(raw);
        let mode = *self.mode.get_or_insert(if style == Style::Cr {
            Mode::Cr
        } else {
            Mode::Lf
        });
        let mut out = Vec::with_capacity(raw.len() + raw.len() / 32 + 64);
        if !self.owed.is_empty() {
            out.extend_from_slice(self.owed);
            self.altered += 1;
        }
        out.extend_from_slice(b"From ");
        out.extend_from_slice(postmark_sender(envelope_sender).as_bytes());
        out.push(b' ');
        out.extend_from_slice(asctime(date).as_bytes());
        out.extend_from_slice(match (mode, style) {
            (Mode::Cr, _) => b"\r",
            (Mode::Lf, Style::Crlf) => b"\r\n",
            (Mode::Lf, _) => b"\n",
        });
        quote_into(&mut out, raw);
        self.owed = owed_after(raw, mode, style);
        self.messages += 1;
        out
    }

    /// Number of messages pushed.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Number of messages that gained a line end because they did not end with one and another message
    /// followed (0 when every message re-imports byte-exact).
    pub fn altered(&self) -> u64 {
        self.altered
    }
}

fn first_line_end(raw: &[u8]) -> Style {
    match memchr::memchr2(b'\n', b'\r', raw) {
        None => Style::None,
        Some(p) => match (raw.get(p), raw.get(p + 1)) {
            (Some(b'\n'), _) => Style::Lf,
            (Some(b'\r'), Some(b'\n')) => Style::Crlf,
            _ => Style::Cr,
        },
    }
}

/// What the next postmark line needs before it, after `raw` was written in a file of `mode`.
fn owed_after(raw: &[u8], mode: Mode, style: Style) -> &'static [u8] {
    let last = raw.last();
    match mode {
        // An empty message: its postmark line ended the line.
        _ if last.is_none() => b"",
        Mode::Lf if last == Some(&b'\n') => b"",
        Mode::Lf if last == Some(&b'\r') => b"\n",
        Mode::Lf if style == Style::Crlf => b"\r\n",
        Mode::Lf => b"\n",
        Mode::Cr if last == Some(&b'\r') => b"",
        Mode::Cr => b"\r",
    }
}

/// The envelope sender as one postmark token: no whitespace or control characters, no trailing `:` (the
/// reader takes `From perl5-porters: ...` for a body line).
fn postmark_sender(sender: Option<&str>) -> String {
    let cleaned: String = sender
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let cleaned = cleaned.trim_end_matches(':');
    if cleaned.is_empty() {
        UNKNOWN_SENDER.to_string()
    } else {
        cleaned.to_string()
    }
}

/// `Sat Jan  3 01:05:34 1996` (UTC); the epoch for no date or one outside years 1..=9999 (the reader wants
/// a four-digit year).
fn asctime(date: Option<i64>) -> String {
    date.and_then(|s| DateTime::from_timestamp(s, 0))
        .filter(|d| (1..=9999).contains(&d.year()))
        .unwrap_or(DateTime::UNIX_EPOCH)
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// Copy `raw` with one `>` added to every line matching `^>*From `. Lines are split exactly as the reader's
/// unquoting splits them (at LF, CRLF or a bare CR), so its unquoting is the exact inverse.
fn quote_into(out: &mut Vec<u8>, raw: &[u8]) {
    let mut start = 0usize;
    while let Some(rest) = raw.get(start..).filter(|r| !r.is_empty()) {
        let gts = rest.iter().take_while(|b| **b == b'>').count();
        if rest.get(gts..).is_some_and(|r| r.starts_with(b"From ")) {
            out.push(b'>');
        }
        let end = match memchr::memchr2(b'\n', b'\r', rest) {
            Some(p) if rest.get(p) == Some(&b'\r') && rest.get(p + 1) == Some(&b'\n') => p + 2,
            Some(p) => p + 1,
            None => rest.len(),
        };
        out.extend_from_slice(rest.get(..end).unwrap_or(rest));
        start += end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest_all, message_bytes, IngestResult, Ingester, Sniffed, SourceFormat};
    use crate::message::sha256_hex;

    /// Re-read an mbox with the core's reader (its sniffing included): every message's bytes and envelope.
    fn reread(mbox: &[u8]) -> Vec<(Vec<u8>, String, Option<i64>)> {
        let r = ingest_all(mbox, "export.mbox");
        assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Mbox));
        r.messages
            .iter()
            .map(|(span, summary)| {
                let start = usize::try_from(span.offset).unwrap_or(usize::MAX);
                let end = start + usize::try_from(span.len).unwrap_or(0);
                let bytes = message_bytes(span, &mbox[start..end]);
                assert_eq!(summary.sha256, sha256_hex(&bytes), "summary and span agree");
                let env = span
                    .envelope
                    .clone()
                    .unwrap_or_else(|| panic!("no envelope"));
                (bytes, env.from, env.date_unix)
            })
            .collect()
    }

    fn write_all(messages: &[&[u8]]) -> (Vec<u8>, MboxWriter) {
        let mut w = MboxWriter::new();
        let mut out = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let sender = format!("s{i}@example.com");
            out.extend(w.push(m, Some(&sender), Some(1_000_000_000 + i as i64)));
        }
        (out, w)
    }

    fn assert_exact(messages: &[&[u8]]) {
        let (mbox, w) = write_all(messages);
        let back = reread(&mbox);
        assert_eq!(
            back.len(),
            messages.len(),
            "count; mbox {:?}",
            String::from_utf8_lossy(&mbox)
        );
        for (i, ((bytes, from, date), original)) in back.iter().zip(messages).enumerate() {
            assert_eq!(
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(original),
                "message {i}"
            );
            assert_eq!(sha256_hex(bytes), sha256_hex(original));
            assert_eq!(from, &format!("s{i}@example.com"));
            assert_eq!(*date, Some(1_000_000_000 + i as i64));
        }
        assert_eq!(w.altered(), 0);
        assert_eq!(w.messages(), messages.len() as u64);
    }

    #[test]
    fn common_cases_are_exact() {
        let lf: &[u8] = b"Subject: lf\n\nbody\n";
        let crlf: &[u8] = b"Subject: crlf\r\n\r\nbody\r\n";
        let froms: &[u8] =
            b"Subject: f\n\nFrom here\n>From there\n>>From far\n> From not\n>Fromage\nFrom\n";
        let froms_crlf: &[u8] = b"Subject: f\r\n\r\nFrom x Sat Jan  3 01:05:34 1996\r\n>From y\r\n";
        let empty_body: &[u8] = b"Subject: empty\n\n";
        let headers_only: &[u8] = b"Subject: no blank line\n";
        let blank_end: &[u8] = b"Subject: sep\n\nbody\n\n\n";
        let empty: &[u8] = b"";
        let first_line_from: &[u8] = b"From a@b Sat Jan  3 01:05:34 1996\nSubject: x\n\n";
        let bare_cr_inside: &[u8] = b"Subject: x\n\na\rFrom b\r>From c\n";
        assert_exact(&[
            lf,
            crlf,
            froms,
            froms_crlf,
            empty_body,
            headers_only,
            blank_end,
            empty,
            first_line_from,
            bare_cr_inside,
            lf,
        ]);
        assert_exact(&[empty, lf]);
        assert_exact(&[crlf, lf, crlf]);
        assert_exact(&[empty]);
    }

    #[test]
    fn the_last_message_may_lack_a_final_newline() {
        assert_exact(&[b"Subject: a\n\nbody\n", b"Subject: b\n\nno newline"]);
        assert_exact(&[b"Subject: only\n\nFrom the end"]);
        assert_exact(&[b"Subject: a\r\n\r\nhalf a line end\r"]);
    }

    #[test]
    fn classic_mac_files_are_exact() {
        let a: &[u8] = b"Subject: mac\r\rFrom here\r>From there\r";
        let b: &[u8] = b"Subject: mac 2\r\r";
        assert_exact(&[a, b, a]);
        let (mbox, _) = write_all(&[a]);
        assert!(mbox.starts_with(b"From s0@example.com Sun Sep  9 01:46:40 2001\rSubject: mac\r\r>From here\r>>From there\r"));
    }

    #[test]
    fn a_missing_final_newline_before_another_message_is_the_one_alteration() {
        let cases: [(&[u8], &[u8], &[u8]); 4] = [
            (b"Subject: a\n\nno newline", b"Subject: b\n\n", b"\n"),
            (
                b"Subject: a\r\n\r\nno newline",
                b"Subject: b\r\n\r\n",
                b"\r\n",
            ),
            (b"Subject: a\r\n\r\ncut\r", b"Subject: b\n\n", b"\n"),
            // A bare-CR message in an LF file: its line ends are not the file's.
            (b"Subject: mac\r\rbody\r", b"Subject: b\n\n", b"\n"),
        ];
        for (first, second, gained) in cases {
            let (mbox, w) = write_all(&[b"Subject: lf first\n\n", first, second]);
            let back = reread(&mbox);
            assert_eq!(back.len(), 3);
            assert_eq!(
                back[1].0,
                [first, gained].concat(),
                "{:?}",
                String::from_utf8_lossy(first)
            );
            assert_eq!(back[2].0, second);
            assert_eq!(w.altered(), 1);
        }
        // In a CR file an LF message gains a CR.
        let (mbox, w) = write_all(&[b"Subject: mac\r\r", b"Subject: lf\n\n", b"Subject: mac\r\r"]);
        let back = reread(&mbox);
        assert_eq!(back[1].0, b"Subject: lf\n\n\r");
        assert_eq!(back[2].0, b"Subject: mac\r\r");
        assert_eq!(w.altered(), 1);
    }

    #[test]
    fn postmark_sender_and_date() {
        assert_eq!(postmark_sender(Some("a b\t@c\u{7}")), "ab@c");
        assert_eq!(postmark_sender(Some("perl5-porters:")), "perl5-porters");
        assert_eq!(postmark_sender(Some(" :: ")), UNKNOWN_SENDER);
        assert_eq!(postmark_sender(None), UNKNOWN_SENDER);
        assert_eq!(asctime(Some(820_631_134)), "Wed Jan  3 01:05:34 1996");
        assert_eq!(asctime(None), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(Some(i64::MAX)), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(Some(253_402_300_800)), "Thu Jan  1 00:00:00 1970"); // year 10000
                                                                                // Odd dates still make a postmark the reader recognises, with the same instant.
        for date in [-62_135_596_800, -1, 0, 253_402_300_799] {
            let mbox = MboxWriter::new().push(b"Subject: x\n\n", Some("weird sender:"), Some(date));
            let back = reread(&mbox);
            assert_eq!(back.len(), 1);
            assert_eq!(back[0].1, "weirdsender");
            assert_eq!(back[0].2, Some(date), "{}", String::from_utf8_lossy(&mbox));
        }
    }

    #[test]
    fn chunked_reading_agrees() {
        let (mbox, _) = write_all(&[
            b"Subject: a\r\n\r\nFrom x\r\n",
            b"Subject: b\n\n>From y\n",
            b"tail",
        ]);
        let whole = reread(&mbox);
        let mut r = IngestResult {
            sniffed: Sniffed::Mail(SourceFormat::Mbox),
            messages: vec![],
            diagnostics: vec![],
        };
        let mut ing = Ingester::new(SourceFormat::Mbox);
        for c in mbox.chunks(3) {
            ing.push(c, &mut r);
        }
        ing.finish(&mut r);
        let shas: Vec<String> = r.messages.iter().map(|(_, s)| s.sha256.clone()).collect();
        let want: Vec<String> = whole.iter().map(|(b, _, _)| sha256_hex(b)).collect();
        assert_eq!(shas, want);
        assert_eq!(want[2], sha256_hex(b"tail"));
    }
}
