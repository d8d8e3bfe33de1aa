//! Apple Mail `.partial.emlx`: put the attachment bodies Apple Mail stored apart back into the message.
//!
//! Apple Mail keeps large attachments out of the message file: in `Messages/NNN.partial.emlx` such a MIME
//! part keeps its headers (plus `X-Apple-Content-Length`, the encoded size it had) and an empty body, and the
//! decoded file sits in `Attachments/NNN/<part number>/<file name>` beside the `Messages/` folder. When a
//! whole mail folder is dropped, [`pair_partials`] says which attachment files belong to which partial
//! message, and [`rebuild_partial`] returns the complete RFC 822 message: each stripped part's file,
//! encoded as its `Content-Transfer-Encoding` says (base64, quoted-printable, or as is), placed in the
//! part's empty body; every other byte is the partial message's own, unchanged. Parts without a file stay
//! empty and are listed as [`MissingPart`]s.
//!
//! The encoded bodies decode to exactly the files' bytes (the quoted-printable writer escapes line breaks
//! that are not CRLF, so nothing is "normalized"); hashes of the rebuilt attachments equal the files'.
//!
//! ```
//! use leakloupe_core::ingest::emlx_rebuild::rebuild_partial;
//! use leakloupe_core::message::{read_message, sha256_hex};
//! let msg = "From: a@example.com\nSubject: report\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\nContent-Type: application/pdf; name=r.pdf\nContent-Transfer-Encoding: base64\nX-Apple-Content-Length: 12\n\n\n--B--\n";
//! let emlx = format!("{}\n{msg}", msg.len());
//! let r = rebuild_partial(emlx.as_bytes(), &[("2/r.pdf".to_string(), b"%PDF-1.4 ...".to_vec())]);
//! assert!(r.missing.is_empty());
//! let d = read_message(&r.bytes);
//! assert_eq!(d.attachments[0].sha256, sha256_hex(b"%PDF-1.4 ..."));
//! ```

use std::collections::HashMap;

use base64::Engine as _;
use mailparse::{MailHeaderMap, ParsedMail};
use unicode_normalization::UnicodeNormalization;

use super::{IngestSink, MessageSpan};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::message::{sha256_hex, MessageSummary};

/// A MIME part whose body Apple Mail stored outside the message (it has `X-Apple-Content-Length` and an
/// empty body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrippedPart {
    /// Part number as IMAP (and Apple Mail's `Attachments/NNN/` folder) numbers it: "2", "2.4"; "1" for a
    /// message that is a single part.
    pub part: String,
    /// Declared file name (Content-Disposition filename, else Content-Type name; RFC 2231 / 2047 decoded).
    pub filename: Option<String>,
    /// Declared MIME type, lower case.
    pub content_type: String,
    /// Declared Content-Transfer-Encoding, lower case ("7bit" when absent).
    pub encoding: String,
    /// `X-Apple-Content-Length`: the size the encoded body had, if readable.
    pub apple_length: Option<u64>,
}

/// A stripped part that [`rebuild_partial`] filled from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledPart {
    /// The part.
    pub stripped: StrippedPart,
    /// The attachment file used, as the caller named it (relative to `Attachments/NNN/`).
    pub file: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the file (= of the rebuilt part's decoded body).
    pub sha256: String,
    /// Where the encoded file was put in [`Rebuilt::bytes`]: byte offset ...
    pub offset: u64,
    /// ... and length of the inserted bytes.
    pub len: u64,
}

/// A stripped part that stays empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPart {
    /// The part.
    pub stripped: StrippedPart,
    /// Why no file was used, as a complete sentence.
    pub reason: String,
}

/// What [`rebuild_partial`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// The rebuilt RFC 822 message (without the emlx byte-count line and property list).
    pub bytes: Vec<u8>,
    /// Stripped parts filled from files, in message order.
    pub filled: Vec<FilledPart>,
    /// Stripped parts left empty, in message order.
    pub missing: Vec<MissingPart>,
    /// Attachment files given that no stripped part used, as named by the caller.
    pub unused: Vec<String>,
    /// What happened, as sentences (one Info summary line, a Warning per missing part, notes on file
    /// names and sizes that do not match what the message declares).
    pub diagnostics: Vec<Diagnostic>,
}

impl Rebuilt {
    /// True when no stripped part is left empty.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The RFC 822 message inside `.emlx` bytes, located as the ingester locates it (byte count, or the
/// property list when the count is wrong); bytes without an emlx count line are taken as the message.
fn message_of(input: &[u8]) -> &[u8] {
    struct Capture(Option<(u64, u64)>);
    impl IngestSink for Capture {
        fn message(&mut self, span: MessageSpan, _summary: MessageSummary) {
            self.0 = Some((span.offset, span.len));
        }
        fn diagnostic(&mut self, _diagnostic: Diagnostic) {}
    }
    if super::emlx::count_line(input).is_none() {
        return input;
    }
    let mut capture = Capture(None);
    super::emlx::finish(input, &mut capture);
    match capture.0 {
        Some((offset, len)) => {
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
            input.get(start..end).unwrap_or(input)
        }
        None => input,
    }
}

/// One leaf part of the parsed message with `X-Apple-Content-Length`, located in the message bytes.
struct Leaf {
    stripped: StrippedPart,
    /// Body range in the message (empty for a stripped part, or whitespace only).
    body_start: usize,
    body_end: usize,
    /// The part's header block ends with a blank line.
    has_separator: bool,
    /// The body holds something besides whitespace.
    has_body: bool,
    /// Boundaries of the enclosing multiparts.
    boundaries: Vec<String>,
}

fn first_value(part: &ParsedMail<'_>, name: &str) -> Option<String> {
    part.headers
        .get_first_value(name)
        .map(|v| v.trim().to_string())
}

fn stripped_leaves(message: &[u8], parsed: &ParsedMail<'_>) -> Vec<Leaf> {
    fn walk(
        base: usize,
        len: usize,
        part: &ParsedMail<'_>,
        number: String,
        boundaries: &mut Vec<String>,
        out: &mut Vec<Leaf>,
    ) {
        if !part.subparts.is_empty() {
            let b = part
                .ctype
                .params
                .get("boundary")
                .cloned()
                .unwrap_or_default();
            boundaries.push(b);
            for (i, sub) in part.subparts.iter().enumerate() {
                let n = if number.is_empty() {
                    format!("{}", i + 1)
                } else {
                    format!("{number}.{}", i + 1)
                };
                walk(base, len, sub, n, boundaries, out);
            }
            boundaries.pop();
            return;
        }
        let Some(apple) = first_value(part, "X-Apple-Content-Length") else {
            return;
        };
        let header_len = match mailparse::parse_headers(part.raw_bytes) {
            Ok((_, ix)) => ix,
            Err(_) => return,
        };
        let hb = part.raw_bytes.get(..header_len).unwrap_or_default();
        let start = (part.raw_bytes.as_ptr() as usize).wrapping_sub(base);
        let body_start = start.saturating_add(header_len);
        let body_end = start.saturating_add(part.raw_bytes.len());
        if start > len || body_end > len || body_start > body_end {
            return;
        }
        let disposition = part.get_content_disposition();
        let filename = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        out.push(Leaf {
            stripped: StrippedPart {
                part: if number.is_empty() {
                    "1".to_string()
                } else {
                    number
                },
                filename,
                content_type: part.ctype.mimetype.clone(),
                encoding: first_value(part, "Content-Transfer-Encoding")
                    .map(|e| e.to_ascii_lowercase())
                    .filter(|e| !e.is_empty())
                    .unwrap_or_else(|| "7bit".to_string()),
                apple_length: apple.parse().ok(),
            },
            body_start,
            body_end,
            has_separator: hb.ends_with(b"\n\n")
                || hb.ends_with(b"\r\n\r\n")
                || hb.ends_with(b"\r\r"),
            has_body: !part
                .raw_bytes
                .get(hb.len()..)
                .unwrap_or_default()
                .iter()
                .all(u8::is_ascii_whitespace),
            boundaries: boundaries.clone(),
        });
    }
    let mut out = Vec::new();
    walk(
        message.as_ptr() as usize,
        message.len(),
        parsed,
        String::new(),
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// The parts of a partial message (RFC 822 or `.emlx` bytes) whose bodies Apple Mail stored apart, in
/// message order. Empty when there are none or the message cannot be parsed. Never panics.
pub fn stripped_parts(message_or_emlx: &[u8]) -> Vec<StrippedPart> {
    let message = message_of(message_or_emlx);
    match mailparse::parse_mail(message) {
        Ok(parsed) => stripped_leaves(message, &parsed)
            .into_iter()
            .filter(|l| !l.has_body)
            .map(|l| l.stripped)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// NFC, for comparing file names (macOS file systems hand out decomposed names, mail headers either form).
fn nfc(s: &str) -> String {
    s.nfc().collect()
}

fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (nfc(a.trim()), nfc(b.trim()));
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// `dir/name` split at the first separator (`/` or `\`), after dropping a leading `./` or `/`.
fn split_relative(path: &str) -> (String, String) {
    let p = path.replace('\\', "/");
    let p = p.trim_start_matches("./").trim_start_matches('/');
    match p.split_once('/') {
        Some((dir, name)) => (dir.to_string(), name.to_string()),
        None => (String::new(), p.to_string()),
    }
}

/// Rebuild the complete message from a `.partial.emlx` file (or its RFC 822 message) and the files of its
/// `Attachments/NNN/` folder, each given as (path relative to that folder, e.g. `"2/photo.jpg"`, bytes).
///
/// A stripped part takes the file in its part-number folder: the only one there, else the one named as the
/// part declares (Unicode-normalization and case insensitive). Files are encoded as the part's
/// Content-Transfer-Encoding says; the lines use the message's own line ends. Never panics.
pub fn rebuild_partial(partial_emlx: &[u8], attachments: &[(String, Vec<u8>)]) -> Rebuilt {
    let message = message_of(partial_emlx);
    let mut diagnostics = Vec::new();
    let parsed = match mailparse::parse_mail(message) {
        Ok(p) => p,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                DiagnosticKind::BadMime,
                format!(
                    "partial emlx: the MIME structure could not be read ({e}); nothing was rebuilt"
                ),
            ));
            return Rebuilt {
                bytes: message.to_vec(),
                filled: Vec::new(),
                missing: Vec::new(),
                unused: attachments.iter().map(|(p, _)| p.clone()).collect(),
                diagnostics,
            };
        }
    };
    let eol: &[u8] = match message.iter().position(|b| *b == b'\n') {
        Some(p) if p > 0 && message.get(p - 1) == Some(&b'\r') => b"\r\n",
        _ => b"\n",
    };
    /// One attachment file: its part folder, its name, and what the caller gave.
    struct Given<'g> {
        dir: String,
        name: String,
        path: &'g str,
        data: &'g [u8],
    }
    let files: Vec<Given<'_>> = attachments
        .iter()
        .map(|(path, data)| {
            let (dir, name) = split_relative(path);
            Given {
                dir,
                name,
                path,
                data,
            }
        })
        .collect();
    let mut used = vec![false; files.len()];
    let mut filled = Vec::new();
    let mut missing = Vec::new();
    // (body range, inserted bytes, index into `filled`)
    let mut edits: Vec<(usize, usize, Vec<u8>, usize)> = Vec::new();
    let leaves = stripped_leaves(message, &parsed);
    let total = leaves.iter().filter(|l| !l.has_body).count();
    for leaf in leaves {
        let sp = leaf.stripped;
        let what = match &sp.filename {
            Some(f) => format!("part {} ({f})", sp.part),
            None => format!("part {} ({})", sp.part, sp.content_type),
        };
        if leaf.has_body {
            diagnostics.push(Diagnostic::info(
                DiagnosticKind::Other,
                format!("partial emlx: {what} has X-Apple-Content-Length but also a body; it was kept as it is"),
            ));
            continue;
        }
        let in_folder: Vec<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.dir == sp.part)
            .map(|(i, _)| i)
            .collect();
        let chosen = match (in_folder.as_slice(), &sp.filename) {
            ([], _) => Err(format!("no file in its folder \"{}/\"", sp.part)),
            ([only], declared) => {
                let name = &files[*only].name;
                if let Some(d) = declared.as_deref().filter(|d| !same_name(d, name)) {
                    diagnostics.push(Diagnostic::info(
                        DiagnosticKind::Other,
                        format!("partial emlx: {what} was filled from \"{name}\", the only file in its folder, though the message names it \"{d}\""),
                    ));
                }
                Ok(*only)
            }
            (several, Some(declared)) => {
                let named: Vec<usize> = several
                    .iter()
                    .copied()
                    .filter(|i| same_name(declared, &files[*i].name))
                    .collect();
                match named.as_slice() {
                    [one] => Ok(*one),
                    _ => Err(format!(
                        "{} files in its folder \"{}/\" and not exactly one is named \"{declared}\"",
                        several.len(),
                        sp.part
                    )),
                }
            }
            (several, None) => Err(format!(
                "{} files in its folder \"{}/\" and the part names none",
                several.len(),
                sp.part
            )),
        };
        let i = match chosen {
            Ok(i) => i,
            Err(reason) => {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!("partial emlx: {what} stays empty: {reason}"),
                ));
                let mut chars = reason.chars();
                let sentence = match chars.next() {
                    Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
                    None => String::new(),
                };
                missing.push(MissingPart {
                    stripped: sp,
                    reason: sentence,
                });
                continue;
            }
        };
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        let Given {
            name,
            path: file,
            data,
            ..
        } = &files[i];
        let mut encoded = Vec::new();
        if !leaf.has_separator {
            encoded.extend_from_slice(eol);
        }
        let (body, counted) = match sp.encoding.as_str() {
            "base64" => {
                let b = base64_lines(data, eol);
                let n = b.len();
                (b, Some(n))
            }
            "quoted-printable" => (qp_encode(data, eol), None),
            "7bit" | "8bit" | "binary" => (data.to_vec(), Some(data.len())),
            other => {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticKind::BadEncoding,
                    format!("partial emlx: {what} declares the unknown transfer encoding \"{other}\"; the file was inserted as it is"),
                ));
                (data.to_vec(), None)
            }
        };
        if let (Some(apple), Some(n)) = (sp.apple_length, counted) {
            let n = n as u64;
            if apple != n && apple != n + eol.len() as u64 {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!(
                        "partial emlx: {what}: Apple Mail recorded {apple} encoded bytes, the file \"{name}\" gives {n}; it may not be the file that was stored for this message"
                    ),
                ));
            }
        }
        for b in &leaf.boundaries {
            let line = format!("--{b}");
            if !b.is_empty()
                && body
                    .split(|c| *c == b'\n')
                    .any(|l| l.starts_with(line.as_bytes()))
            {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticKind::BadMime,
                    format!("partial emlx: {what}: the file \"{name}\" holds the boundary line of an enclosing multipart; the rebuilt message's structure may be broken"),
                ));
            }
        }
        let lead = encoded.len();
        encoded.extend_from_slice(&body);
        if leaf.body_end == message.len()
            && sp.encoding != "7bit"
            && sp.encoding != "8bit"
            && sp.encoding != "binary"
        {
            encoded.extend_from_slice(eol);
        }
        filled.push(FilledPart {
            stripped: sp,
            file: file.to_string(),
            size: data.len() as u64,
            sha256: sha256_hex(data),
            offset: lead as u64,
            len: body.len() as u64,
        });
        edits.push((leaf.body_start, leaf.body_end, encoded, filled.len() - 1));
    }
    // Splice, front to back, fixing up the offsets of the inserted bodies.
    let mut bytes =
        Vec::with_capacity(message.len() + edits.iter().map(|e| e.2.len()).sum::<usize>());
    let mut pos = 0usize;
    for (start, end, insert, k) in edits {
        bytes.extend_from_slice(message.get(pos..start).unwrap_or_default());
        if let Some(f) = filled.get_mut(k) {
            f.offset += bytes.len() as u64;
        }
        bytes.extend_from_slice(&insert);
        pos = end;
    }
    bytes.extend_from_slice(message.get(pos..).unwrap_or_default());
    let unused: Vec<String> = files
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(f, _)| f.path.to_string())
        .collect();
    if !unused.is_empty() {
        diagnostics.push(Diagnostic::info(
            DiagnosticKind::Other,
            format!(
                "partial emlx: {} attachment file(s) match no stripped part: {}",
                unused.len(),
                unused.join(", ")
            ),
        ));
    }
    if total > 0 {
        diagnostics.insert(
            0,
            Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "partial emlx: rebuilt with {} of {total} stored attachment bodies from Apple Mail's Attachments folder",
                    filled.len()
                ),
            ),
        );
    }
    Rebuilt {
        bytes,
        filled,
        missing,
        unused,
        diagnostics,
    }
}

/// Base64 in lines of 76 characters joined by `eol` (no line end after the last).
pub(crate) fn base64_lines(data: &[u8], eol: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::with_capacity(text.len() + text.len() / 76 * eol.len() + 2);
    for (i, chunk) in text.as_bytes().chunks(76).enumerate() {
        if i > 0 {
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(chunk);
    }
    out
}

/// Quoted-printable that decodes back to exactly `data`: CRLF pairs become line ends (`eol`); a lone LF or
/// CR is escaped (`=0A`, followed by a soft line break so lines stay readable); lines stay within 76
/// characters; blanks before a line end are escaped.
fn qp_encode(data: &[u8], eol: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(data.len() + data.len() / 8 + 8);
    let mut col = 0usize;
    let mut i = 0usize;
    while let Some(&b) = data.get(i) {
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            out.extend_from_slice(eol);
            col = 0;
            i += 2;
            continue;
        }
        let before_break = match data.get(i + 1) {
            None => true,
            Some(b'\r') => data.get(i + 2) == Some(&b'\n'),
            Some(_) => false,
        };
        let literal =
            ((33..=126).contains(&b) && b != b'=') || (matches!(b, b' ' | b'\t') && !before_break);
        let width = if literal { 1 } else { 3 };
        if col + width > 75 {
            out.push(b'=');
            out.extend_from_slice(eol);
            col = 0;
        }
        if literal {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        col += width;
        i += 1;
        if b == b'\n' && i < data.len() {
            out.push(b'=');
            out.extend_from_slice(eol);
            col = 0;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Pairing the files of a dropped folder.

/// One attachment file of a partial message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    /// The path as the caller gave it.
    pub path: String,
    /// The path relative to `Attachments/NNN/` (e.g. "2/photo.jpg"), as [`rebuild_partial`] takes it.
    pub relative: String,
}

/// A `.partial.emlx` file and the attachment files stored for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialSet {
    /// The `Messages/NNN.partial.emlx` path as the caller gave it.
    pub emlx: String,
    /// The message number NNN.
    pub id: String,
    /// Its files under the sibling `Attachments/NNN/`, sorted by relative path (may be empty).
    pub attachments: Vec<AttachmentFile>,
}

/// What [`pair_partials`] found in a list of paths.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartialFolder {
    /// Every partial message, in the order the paths were given.
    pub partials: Vec<PartialSet>,
    /// Files under an `Attachments/NNN/` folder that belong to no `.partial.emlx` given (for instance those
    /// Apple Mail keeps for complete `.emlx` messages, whose bodies are in the message already).
    pub unpaired_attachments: Vec<String>,
}

/// Pair the `Messages/NNN.partial.emlx` files among `paths` (relative paths of a dropped folder, `/` or `\`
/// separated) with the files under the `Attachments/NNN/` folder beside their `Messages/` folder, at any
/// depth (Apple Mail nests both in numbered folders in large mailboxes). A caller ingests each partial set
/// through [`rebuild_partial`] instead of its files one by one. Never panics.
///
/// ```
/// use leakloupe_core::ingest::emlx_rebuild::pair_partials;
/// let f = pair_partials(&["Inbox.mbox/Data/Messages/7.partial.emlx", "Inbox.mbox/Data/Attachments/7/2/a.pdf",
///                         "Inbox.mbox/Data/Messages/8.emlx", "Inbox.mbox/Data/Attachments/8/2/b.pdf"]);
/// assert_eq!(f.partials[0].id, "7");
/// assert_eq!(f.partials[0].attachments[0].relative, "2/a.pdf");
/// assert_eq!(f.unpaired_attachments, ["Inbox.mbox/Data/Attachments/8/2/b.pdf"]);
/// ```
pub fn pair_partials<S: AsRef<str>>(paths: &[S]) -> PartialFolder {
    let segments = |p: &str| -> Vec<String> {
        p.split(['/', '\\'])
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect()
    };
    let mut folder = PartialFolder::default();
    // (folder holding Messages/ and Attachments/, id) -> index of the partial.
    let mut keys: HashMap<(Vec<String>, String), usize> = HashMap::new();
    for p in paths {
        let p = p.as_ref();
        let segs = segments(p);
        let Some((file, dirs)) = segs.split_last() else {
            continue;
        };
        let Some((messages, parent)) = dirs.split_last() else {
            continue;
        };
        if !messages.eq_ignore_ascii_case("Messages") {
            continue;
        }
        let lower = file.to_ascii_lowercase();
        let Some(id) = lower.strip_suffix(".partial.emlx") else {
            continue;
        };
        if id.is_empty() || id.contains('.') {
            continue;
        }
        let id = file.get(..id.len()).unwrap_or(id).to_string();
        keys.entry((parent.to_vec(), id.clone()))
            .or_insert(folder.partials.len());
        folder.partials.push(PartialSet {
            emlx: p.to_string(),
            id,
            attachments: Vec::new(),
        });
    }
    for p in paths {
        let p = p.as_ref();
        let segs = segments(p);
        // The last `Attachments` segment followed by an id and at least a part folder and a file.
        let Some(at) = segs
            .iter()
            .enumerate()
            .rev()
            .find(|(i, s)| s.eq_ignore_ascii_case("Attachments") && segs.len() >= i + 4)
            .map(|(i, _)| i)
        else {
            continue;
        };
        let parent = segs.get(..at).unwrap_or_default().to_vec();
        let id = segs.get(at + 1).cloned().unwrap_or_default();
        let relative = segs.get(at + 2..).unwrap_or_default().join("/");
        match keys.get(&(parent, id)).copied() {
            Some(k) => {
                if let Some(set) = folder.partials.get_mut(k) {
                    set.attachments.push(AttachmentFile {
                        path: p.to_string(),
                        relative,
                    });
                }
            }
            None => folder.unpaired_attachments.push(p.to_string()),
        }
    }
    for set in &mut folder.partials {
        set.attachments.sort_by(|a, b| a.relative.cmp(&b.relative));
    }
    folder
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{attachment_bytes, mime_tree, read_message};

    const PARTIAL: &str = "From: Anna <anna@example.com>\nSubject: Unterlagen\nDate: Mon, 3 Jun 2024 17:05:00 +0200\nContent-Type: multipart/mixed; boundary=\"Apple-Mail=_X1\"\n\n--Apple-Mail=_X1\nContent-Type: text/plain; charset=utf-8\n\nAnbei.\n--Apple-Mail=_X1\nContent-Type: application/pdf; name=Angebot.pdf\nContent-Disposition: attachment; filename=Angebot.pdf\nContent-Transfer-Encoding: base64\nX-Apple-Content-Length: 32\n\n\n--Apple-Mail=_X1\nContent-Type: text/plain; charset=utf-8; name=notiz.txt\nContent-Disposition: attachment; filename*=utf-8''Notiz%20f%C3%BCr%20Bj%C3%B6rn.txt\nContent-Transfer-Encoding: quoted-printable\nX-Apple-Content-Length: 80\n\n\n--Apple-Mail=_X1\nContent-Type: text/plain; name=kurz.txt\nContent-Disposition: attachment; filename=kurz.txt\nContent-Transfer-Encoding: 7bit\nX-Apple-Content-Length: 6\n\n\n--Apple-Mail=_X1--\n";

    fn emlx(msg: &str) -> Vec<u8> {
        format!("{}\n{msg}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict/></plist>\n", msg.len()).into_bytes()
    }

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("2/Angebot.pdf".into(), b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec()),
            ("3/Notiz fu\u{308}r Bjo\u{308}rn.txt".into(), "Zeile eins\nZeile zwei mit Gr\u{fc}\u{df}en = viel  \r\nCRLF-Zeile\tund Tab \nEnde ohne Umbruch ".as_bytes().to_vec()),
            ("4/kurz.txt".into(), b"kurz.\n".to_vec()),
        ]
    }

    #[test]
    fn parts_are_filled_and_decode_to_the_files() {
        for crlf in [false, true] {
            let msg = if crlf {
                PARTIAL.replace('\n', "\r\n")
            } else {
                PARTIAL.to_string()
            };
            let src = emlx(&msg);
            let stripped = stripped_parts(&src);
            let numbers: Vec<&str> = stripped.iter().map(|s| s.part.as_str()).collect();
            assert_eq!(numbers, ["2", "3", "4"]);
            assert_eq!(stripped[1].filename.as_deref(), Some("Notiz für Björn.txt"));
            assert_eq!(
                (stripped[0].encoding.as_str(), stripped[0].apple_length),
                ("base64", Some(32))
            );
            let r = rebuild_partial(&src, &files());
            assert!(r.is_complete(), "{:?}", r.missing);
            assert!(r.unused.is_empty());
            let texts: Vec<&str> = r.diagnostics.iter().map(|d| d.text.as_str()).collect();
            assert_eq!(texts, ["partial emlx: rebuilt with 3 of 3 stored attachment bodies from Apple Mail's Attachments folder"]);
            let d = read_message(&r.bytes);
            assert_eq!(d.summary.subject, "Unterlagen");
            assert_eq!(d.attachments.len(), 3);
            for ((a, f), (_, data)) in d.attachments.iter().zip(&r.filled).zip(files()) {
                assert_eq!(a.sha256, sha256_hex(&data), "{}", f.file);
                assert_eq!(f.sha256, a.sha256);
                assert_eq!(attachment_bytes(&r.bytes, a.index), Some(data.clone()));
            }
            // Byte-exact elsewhere: cutting the inserted bodies out gives the partial message back.
            let mut rest = Vec::new();
            let mut pos = 0usize;
            for f in &r.filled {
                rest.extend_from_slice(&r.bytes[pos..f.offset as usize]);
                pos = (f.offset + f.len) as usize;
            }
            rest.extend_from_slice(&r.bytes[pos..]);
            assert_eq!(rest, msg.as_bytes());
            // Lines stay short and use the message's line ends.
            for f in r.filled.iter().filter(|f| f.stripped.encoding != "7bit") {
                let body = &r.bytes[f.offset as usize..(f.offset + f.len) as usize];
                let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
                assert!(lines.len() > 1 || f.stripped.encoding == "base64");
                for (k, line) in lines.iter().enumerate() {
                    assert!(line.len() <= 77, "{}", String::from_utf8_lossy(line));
                    assert_eq!(
                        line.ends_with(b"\r"),
                        crlf && k + 1 < lines.len(),
                        "{}",
                        f.file
                    );
                }
            }
            let tree = mime_tree(&r.bytes);
            assert_eq!(
                tree.iter()
                    .find(|p| p.number == "2")
                    .map(|p| p.decoded_size),
                Some(files()[0].1.len() as u64)
            );
        }
    }

    #[test]
    fn missing_and_ambiguous_files_are_reported_per_part() {
        let src = emlx(PARTIAL);
        let mut given = files();
        given.remove(0);
        given.push(("4/other.txt".into(), b"x".to_vec()));
        given.push(("9/stray.bin".into(), b"y".to_vec()));
        let r = rebuild_partial(&src, &given);
        let missing: Vec<(&str, &str)> = r
            .missing
            .iter()
            .map(|m| (m.stripped.part.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(missing, [("2", "No file in its folder \"2/\".")]);
        let filled: Vec<&str> = r.filled.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            filled,
            ["3/Notiz fu\u{308}r Bjo\u{308}rn.txt", "4/kurz.txt"]
        );
        assert_eq!(r.unused, ["4/other.txt", "9/stray.bin"]);
        let texts: Vec<&str> = r.diagnostics.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "partial emlx: rebuilt with 2 of 3 stored attachment bodies from Apple Mail's Attachments folder",
                "partial emlx: part 2 (Angebot.pdf) stays empty: no file in its folder \"2/\"",
                "partial emlx: 2 attachment file(s) match no stripped part: 4/other.txt, 9/stray.bin",
            ]
        );
        // The empty part is still there, with no bytes.
        let d = read_message(&r.bytes);
        assert_eq!(d.attachments[0].size, 0);
        // Two files, neither named as declared: ambiguous.
        let r = rebuild_partial(
            &src,
            &[("2/a.pdf".into(), vec![1]), ("2/b.pdf".into(), vec![2])],
        );
        assert_eq!(
            r.missing[0].reason,
            "2 files in its folder \"2/\" and not exactly one is named \"Angebot.pdf\"."
        );
        // A single file with another name is used, and the difference noted; a wrong size is noted too.
        let r = rebuild_partial(&src, &[("2/Angebot-1.pdf".into(), vec![0; 100])]);
        assert_eq!(r.filled.len(), 1);
        let texts: Vec<&str> = r.diagnostics.iter().map(|d| d.text.as_str()).collect();
        assert!(texts.contains(&"partial emlx: part 2 (Angebot.pdf) was filled from \"Angebot-1.pdf\", the only file in its folder, though the message names it \"Angebot.pdf\""), "{texts:?}");
        assert!(texts.contains(&"partial emlx: part 2 (Angebot.pdf): Apple Mail recorded 32 encoded bytes, the file \"Angebot-1.pdf\" gives 137; it may not be the file that was stored for this message"), "{texts:?}");
        // Nothing given: the message comes back unchanged.
        let r = rebuild_partial(&src, &[]);
        assert_eq!(r.bytes, PARTIAL.as_bytes());
        assert_eq!(r.missing.len(), 3);
    }

    #[test]
    fn quoted_printable_round_trips_exactly() {
        let samples: [&[u8]; 6] = [
            b"",
            b"a",
            b" \t ",
            b"line\nline\r\nline\rline\n",
            b"=====================================================================================",
            &[0u8, 255, 10, 13, 32, 61, 46, 13, 10, 32],
        ];
        let long: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 256) as u8).collect();
        for data in samples.iter().copied().chain([long.as_slice()]) {
            for eol in [&b"\n"[..], b"\r\n"] {
                let enc = qp_encode(data, eol);
                assert!(enc.split(|b| *b == b'\n').all(|l| l.len() <= 77));
                let dec = quoted_printable_decode(&enc);
                assert_eq!(dec, data, "{}", String::from_utf8_lossy(&enc));
            }
        }
    }

    /// Decode as the message reader does (mailparse, robust quoted-printable).
    fn quoted_printable_decode(enc: &[u8]) -> Vec<u8> {
        let mut raw = b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: quoted-printable\n\n".to_vec();
        raw.extend_from_slice(enc);
        mailparse::parse_mail(&raw)
            .and_then(|p| p.get_body_raw())
            .unwrap_or_default()
    }

    #[test]
    fn single_part_messages_and_odd_inputs() {
        let msg = "From: a@b\nSubject: only a file\nContent-Type: image/png; name=p.png\nContent-Transfer-Encoding: base64\nX-Apple-Content-Length: 8\n\n";
        let r = rebuild_partial(msg.as_bytes(), &[("1/p.png".into(), b"\x89PNG".to_vec())]);
        assert!(r.is_complete());
        assert_eq!(
            read_message(&r.bytes).attachments[0].sha256,
            sha256_hex(b"\x89PNG")
        );
        for src in [&b""[..], b"5\n", b"garbage", b"12\nContent-Type: multipart/mixed; boundary=a\n\n--a\nX-Apple-Content-Length: 1\n\n--a--"] {
            let r = rebuild_partial(src, &[("1/x".into(), vec![1, 2, 3])]);
            let _ = read_message(&r.bytes);
        }
    }

    #[test]
    fn pairing_a_dropped_folder() {
        let f = pair_partials(&[
            "Mail/V10/X.mbox/Data/1/2/Messages/1201.partial.emlx",
            "Mail/V10/X.mbox/Data/1/2/Attachments/1201/3/b.txt",
            "Mail/V10/X.mbox/Data/1/2/Attachments/1201/2/a.pdf",
            "Mail\\V10\\X.mbox\\Data\\Messages\\7.partial.emlx",
            "Mail/V10/X.mbox/Data/Messages/8.emlx",
            "Mail/V10/X.mbox/Data/Attachments/8/2/c.pdf",
            "Mail/V10/X.mbox/Data/Attachments/1201/2/elsewhere.pdf",
            "Mail/V10/X.mbox/Data/Attachments/README",
            "Messages/notes.partial.emlx.bak",
        ]);
        let got: Vec<(&str, Vec<&str>)> = f
            .partials
            .iter()
            .map(|s| {
                (
                    s.id.as_str(),
                    s.attachments.iter().map(|a| a.relative.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(got, [("1201", vec!["2/a.pdf", "3/b.txt"]), ("7", vec![])]);
        assert_eq!(
            f.partials[0].attachments[0].path,
            "Mail/V10/X.mbox/Data/1/2/Attachments/1201/2/a.pdf"
        );
        assert_eq!(
            f.unpaired_attachments,
            [
                "Mail/V10/X.mbox/Data/Attachments/8/2/c.pdf",
                "Mail/V10/X.mbox/Data/Attachments/1201/2/elsewhere.pdf"
            ]
        );
    }
}
