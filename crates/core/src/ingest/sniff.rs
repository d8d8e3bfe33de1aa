//! Source detection: decide from the first bytes (and the file name) whether a source is an `.eml`, an mbox,
//! an Apple Mail `.emlx`, an Outlook `.msg` (any OLE compound file; one that holds no message is rejected
//! by the ingester), an archive to open ([`Sniffed::Container`]), empty, or something that is not mail at all
//! (with a specific reason).
//!
//! ```
//! use leakloupe_core::ingest::{sniff, Sniffed, SourceFormat};
//! assert_eq!(sniff(b"From: a@b\nSubject: x\n\nhi", "a.eml"), Sniffed::Mail(SourceFormat::Eml));
//! assert_eq!(sniff(b"", "a.eml"), Sniffed::Empty);
//! assert!(matches!(sniff(b"%PDF-1.4", "a.eml"), Sniffed::Rejected { .. }));
//! ```

use super::mbox::parse_postmark;
use super::SourceFormat;

/// What [`sniff`] decided about a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Mail in the given format.
    Mail(SourceFormat),
    /// Zero bytes, or only whitespace.
    Empty,
    /// A text file of DNS TXT records holding DKIM keys (zone-file lines, `dig` answers or
    /// `name value` lines), for the offline key store (`crate::auth::KeyStore::add_records`).
    KeyRecords,
    /// An archive (zip, tar, gzip) to open with [`crate::container`]; its entries are sniffed one by one.
    Container(crate::container::ContainerKind),
    /// Not mail, or a format not supported yet.
    Rejected {
        /// Complete human sentence saying why, e.g. "not an email: this is a PNG image".
        reason: String,
    },
}

/// Magic numbers of common non-mail files, with the reason given when one is found.
const MAGICS: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "not an email: this is a PNG image"),
    (b"%PDF-", "not an email: this is a PDF document"),
    (b"\xFF\xD8\xFF", "not an email: this is a JPEG image"),
    (b"GIF87a", "not an email: this is a GIF image"),
    (b"GIF89a", "not an email: this is a GIF image"),
    (
        b"BZh",
        "not an email: this is a bzip2-compressed file; compressed files are not opened yet",
    ),
    (
        b"\xFD7zXZ\x00",
        "not an email: this is an xz-compressed file; compressed files are not opened yet",
    ),
    (
        b"7z\xBC\xAF\x27\x1C",
        "not an email: this is a 7-Zip archive; archives are not opened yet",
    ),
    (
        b"Rar!\x1A\x07",
        "not an email: this is a RAR archive; archives are not opened yet",
    ),
    (
        b"!BDN",
        "not an email: this is an Outlook .pst/.ost mailbox; not supported yet",
    ),
    (b"II*\x00", "not an email: this is a TIFF image"),
    (b"MM\x00*", "not an email: this is a TIFF image"),
    (b"BM", "not an email: this is a BMP image"),
];

/// DKIM key records: text naming a `_domainkey` owner and a DKIM key tag, without a header block.
fn looks_like_key_records(body: &[u8]) -> bool {
    let head = body.get(..body.len().min(64 * 1024)).unwrap_or(body);
    // A chunk boundary (or a stray byte) may break UTF-8: judge the valid prefix.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default(),
    };
    let lower = text.to_ascii_lowercase();
    lower.contains("._domainkey")
        && (lower.contains("v=dkim1") || lower.contains("p=") || lower.contains("nxdomain"))
        && !looks_like_header_block(body)
}

/// Decide from the first bytes of a source (up to 64 KiB, may be shorter) and its file name.
///
/// Rejections by magic number carry specific reasons; a source starting (after an optional BOM and blank
/// lines) with `From ` is an mbox; a plausible RFC 5322 header block is an `.eml`; otherwise, a postmark
/// `From ` line after a blank line further down still makes an mbox (with leading garbage).
pub fn sniff(head: &[u8], name: &str) -> Sniffed {
    let body = skip_bom_and_blank(head);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Sniffed::Empty;
    }
    if head.starts_with(super::msg::MAGIC) {
        return Sniffed::Mail(SourceFormat::Msg);
    }
    // Zip, gzip (.gz, .tar.gz) and tar (by its header checksum) are opened by crate::container.
    if let Some(kind) = crate::container::detect(head) {
        return Sniffed::Container(kind);
    }
    for (magic, reason) in MAGICS {
        // "BM" is too short to trust on its own: also require a binary byte soon after.
        if *magic == b"BM" && !head.iter().take(16).any(|b| *b == 0) {
            continue;
        }
        if head.starts_with(magic) {
            return Sniffed::Rejected {
                reason: (*reason).to_string(),
            };
        }
    }
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        return Sniffed::Rejected {
            reason:
                "not an email: this is a tar archive whose first header is damaged (bad checksum)"
                    .to_string(),
        };
    }
    let lower = name.to_ascii_lowercase();
    // Apple Mail .emlx: a decimal byte count on the first line, then a header block.
    if let Some((_, start)) = super::emlx::count_line(head) {
        if looks_like_header_block(head.get(start..).unwrap_or_default()) {
            return Sniffed::Mail(SourceFormat::Emlx);
        }
    }
    if body.starts_with(b"From ") {
        return Sniffed::Mail(SourceFormat::Mbox);
    }
    if looks_like_key_records(body) {
        return Sniffed::KeyRecords;
    }
    if looks_like_header_block(body) {
        return Sniffed::Mail(SourceFormat::Eml);
    }
    // A file that says it is a message gets the benefit of the doubt when its header block is damaged but
    // still holds at least one header field: showing a broken message beats rejecting it.
    if (lower.ends_with(".eml") || lower.ends_with(".msg.txt")) && has_any_header_field(body) {
        return Sniffed::Mail(SourceFormat::Eml);
    }
    if has_postmark_after_blank(body) {
        return Sniffed::Mail(SourceFormat::Mbox);
    }
    if lower.ends_with(".emlx") {
        return Sniffed::Rejected {
            reason: "not an email: this .emlx file does not start with a byte-count line followed by a header block, as Apple Mail writes them".to_string(),
        };
    }
    if lower.ends_with(".msg") {
        return Sniffed::Rejected {
            reason: "not an email: this .msg file is not an Outlook message (those are OLE compound files starting with D0 CF 11 E0) and holds no header block".to_string(),
        };
    }
    if body.contains(&0) {
        return Sniffed::Rejected {
            reason: "not an email: this looks like a binary file".to_string(),
        };
    }
    Sniffed::Rejected {
        reason: "not an email: no header block found".to_string(),
    }
}

/// Skip a UTF-8 BOM and leading blank lines (not leading spaces on a non-blank line).
pub(crate) fn skip_bom_and_blank(head: &[u8]) -> &[u8] {
    let mut s = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(head);
    loop {
        let line = first_line_with_end(s);
        if !line.is_empty()
            && line
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            && line.len() < s.len()
        {
            s = s.get(line.len()..).unwrap_or_default();
        } else {
            return s;
        }
    }
}

/// The first line, without its terminator (LF, CRLF or CR).
fn first_line(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .unwrap_or(s.len());
    s.get(..end).unwrap_or_default()
}

/// The first line including its terminator.
fn first_line_with_end(s: &[u8]) -> &[u8] {
    let Some(pos) = s.iter().position(|b| *b == b'\n' || *b == b'\r') else {
        return s;
    };
    let end = if s.get(pos) == Some(&b'\r') && s.get(pos + 1) == Some(&b'\n') {
        pos + 2
    } else {
        pos + 1
    };
    s.get(..end).unwrap_or(s)
}

/// Iterate lines (without terminators) of a possibly truncated head, any line ending.
fn lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let with_end = first_line_with_end(rest);
        let line = first_line(rest);
        rest = rest.get(with_end.len()..).unwrap_or_default();
        Some(line)
    })
}

/// Is `line` a header field "Name: value" with a field-name of printable ASCII (no space)?
/// Returns the name.
pub(crate) fn header_field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|b| *b == b':')?;
    let name = line.get(..colon)?;
    // Tolerate whitespace between the name and the colon ("Subject : x"), as many parsers do.
    let trimmed = trim_end_ws(name);
    if trimmed.is_empty() || !trimmed.iter().all(|b| (33..=126).contains(b)) {
        return None;
    }
    Some(trimmed)
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(0, |p| p + 1);
    s.get(..end).unwrap_or_default()
}

/// Header names that make a single-field header block plausible on their own.
const WELL_KNOWN: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "delivered-to",
    "reply-to",
    "sender",
    "x-mailer",
    "in-reply-to",
    "references",
];

fn looks_like_header_block(s: &[u8]) -> bool {
    let mut fields = 0usize;
    let mut known = false;
    let mut terminated = false;
    for (i, line) in lines(s).enumerate() {
        if line.contains(&0) {
            return false;
        }
        if line.is_empty() {
            terminated = true;
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if i == 0 {
                return false;
            }
            continue;
        }
        match header_field_name(line) {
            Some(name) => {
                fields += 1;
                let n = String::from_utf8_lossy(name).to_ascii_lowercase();
                known |= WELL_KNOWN.contains(&n.as_str()) || n.starts_with("x-");
            }
            None if i == 0 => return false,
            // A non-header line: the headers (if any) ended without a separator.
            None => break,
        }
        if fields >= 2 {
            return true;
        }
    }
    fields >= 2 || (fields == 1 && known && (terminated || s.len() < 4096))
}

/// Any header field (possibly indented) among the lines before the first blank line (at most 100 lines).
fn has_any_header_field(s: &[u8]) -> bool {
    lines(s)
        .take(100)
        .take_while(|l| !l.is_empty())
        .any(|l| !l.contains(&0) && header_field_name(l.trim_ascii_start()).is_some())
}

/// A postmark From_ line that follows a blank line somewhere in the head.
fn has_postmark_after_blank(s: &[u8]) -> bool {
    let mut prev_blank = false;
    for line in lines(s) {
        if prev_blank && line.starts_with(b"From ") && parse_postmark(line).is_some() {
            return true;
        }
        prev_blank = line.iter().all(|b| matches!(b, b' ' | b'\t'));
    }
    false
}

#[cfg(test)]
mod key_record_tests {
    use super::*;

    #[test]
    fn dkim_key_files_are_recognised() {
        let zone = b"brisbane._domainkey.football.example.com. IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n";
        assert_eq!(sniff(zone, "keys.txt"), Sniffed::KeyRecords);
        let plain = b"selector1._domainkey.example.com v=DKIM1; k=rsa; p=MIGf\n";
        assert_eq!(sniff(plain, "keys"), Sniffed::KeyRecords);
        assert!(matches!(sniff(b"just some notes about _domainkey\n", "n.txt"), Sniffed::Rejected { .. }));
        let mail = b"From: a@b\nSubject: our p=1 plan for x._domainkey\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n\nbody\n";
        assert_eq!(sniff(mail, "m.eml"), Sniffed::Mail(SourceFormat::Eml));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(head: &[u8], name: &str) -> String {
        match sniff(head, name) {
            Sniffed::Rejected { reason } => reason,
            other => panic!("expected a rejection for {name}, got {other:?}"),
        }
    }

    #[test]
    fn rejects_by_magic_with_specific_reasons() {
        assert_eq!(
            rejected(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.eml"),
            "not an email: this is a PNG image"
        );
        assert!(rejected(b"%PDF-1.7\n", "a.mbox").contains("PDF"));
        assert!(rejected(b"\xFF\xD8\xFF\xE0", "x").contains("JPEG"));
        assert!(rejected(b"GIF89a...", "x").contains("GIF"));
        assert!(rejected(b"7z\xBC\xAF\x27\x1C\0\x04", "x").contains("7-Zip"));
        assert_eq!(
            sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "m.doc"),
            Sniffed::Mail(SourceFormat::Msg)
        );
    }

    #[test]
    fn rejects_text_without_header_block() {
        assert_eq!(
            rejected(b"This isn't an mbox.\n", "test-not-an.mbox"),
            "not an email: no header block found"
        );
        assert!(rejected(b"Hello World", "bad_outlook.msg")
            .starts_with("not an email: this .msg file is not an Outlook message"));
        assert!(
            rejected(b"this is an invalid .emlx structure\n", "invalid.emlx")
                .starts_with("not an email: this .emlx file does not start with a byte-count line")
        );
        assert_eq!(
            rejected(b"Note: buy milk\nand eggs\n", "n.txt"),
            "not an email: no header block found"
        );
    }

    #[test]
    fn detects_mail_formats() {
        assert_eq!(
            sniff(b"From a@b Sat Jan  3 01:05:34 1996\n", "x"),
            Sniffed::Mail(SourceFormat::Mbox)
        );
        assert_eq!(
            sniff(b"\xEF\xBB\xBF\r\n\r\nFrom a@b Sat", "x"),
            Sniffed::Mail(SourceFormat::Mbox)
        );
        assert_eq!(
            sniff(b"Return-Path: <a@b>\r\nReceived: x\r\n", "x"),
            Sniffed::Mail(SourceFormat::Eml)
        );
        assert_eq!(
            sniff(b"Subject: hi\n\nbody", "x"),
            Sniffed::Mail(SourceFormat::Eml)
        );
        let attached =
            b"This isn't an mbox, but:\n\nFrom abc@gmail.com Sun Dec 25 21:33:37 2011\nDate: x\n";
        assert_eq!(
            sniff(attached, "test-attached.mbox"),
            Sniffed::Mail(SourceFormat::Mbox)
        );
        // Damaged header blocks: strict for unknown names, lenient for files named .eml.
        let damaged = b"garbage line\n Subject: x\n\nbody";
        assert_eq!(sniff(damaged, "m.eml"), Sniffed::Mail(SourceFormat::Eml));
        assert!(matches!(sniff(damaged, "m.txt"), Sniffed::Rejected { .. }));
        assert_eq!(
            sniff(b"From: a@b\nFr\0om: c@d\n\nx", "n.eml"),
            Sniffed::Mail(SourceFormat::Eml)
        );
    }

    #[test]
    fn detects_emlx_by_content() {
        let emlx = b"2945      \nReturn-Path: <a@b>\nFrom: a@b\n\nx";
        assert_eq!(sniff(emlx, "x"), Sniffed::Mail(SourceFormat::Emlx));
        assert_eq!(
            sniff(b"12\r\nSubject: x\r\n\r\n", "x.emlx"),
            Sniffed::Mail(SourceFormat::Emlx)
        );
        assert!(matches!(
            sniff(b"12\nno header here\n", "a.txt"),
            Sniffed::Rejected { .. }
        ));
    }

    #[test]
    fn archives_are_containers() {
        use crate::container::ContainerKind;
        assert_eq!(
            sniff(b"PK\x03\x04rest", "x.eml"),
            Sniffed::Container(ContainerKind::Zip)
        );
        assert_eq!(
            sniff(b"PK\x05\x06\0\0", "x"),
            Sniffed::Container(ContainerKind::Zip)
        );
        assert_eq!(
            sniff(b"\x1F\x8B\x08\0", "x.gz"),
            Sniffed::Container(ContainerKind::Gzip)
        );
        let mut tar = vec![0u8; 1024];
        tar[..5].copy_from_slice(b"a.eml");
        tar[124..135].copy_from_slice(b"00000000000");
        tar[156] = b'0';
        tar[257..263].copy_from_slice(b"ustar\0");
        tar[148..156].copy_from_slice(b"        ");
        let sum: u32 = tar[..512].iter().map(|b| u32::from(*b)).sum();
        tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert_eq!(sniff(&tar, "x"), Sniffed::Container(ContainerKind::Tar));
        // "ustar" at 257 without a valid header checksum is not opened.
        tar[0] = b'b';
        assert!(rejected(&tar, "x").contains("tar archive whose first header is damaged"));
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(sniff(b"", "x"), Sniffed::Empty);
        assert_eq!(sniff(b" \r\n\t\n", "x"), Sniffed::Empty);
        assert_eq!(sniff(b"\xEF\xBB\xBF", "x"), Sniffed::Empty);
    }
}
