//! Outlook `.msg` files ([MS-OXMSG]): one message stored as MAPI properties in an OLE compound file.
//!
//! [`parse`] reads the whole file into an [`OutlookMessage`]: subject, sender, recipients (To / Cc / Bcc),
//! the Internet transport headers when Outlook kept them, the plain, HTML and compressed-RTF bodies,
//! submit / delivery times and the attachments, embedded `.msg` messages included (recursively). Unicode
//! strings (`001F`) are UTF-16LE; 8-bit strings (`001E`) are decoded in `PR_MESSAGE_CODEPAGE`, else the
//! code page implied by `PR_INTERNET_CPID`, else Windows-1252.
//!
//! The message list and the detail view get a [`MessageSummary`] / [`MessageDetail`] built straight from
//! those properties ([`summarize`], [`read`]); [`crate::message::read_message`] and friends route here when
//! their input starts with the OLE signature, so a `.msg` span's bytes (the whole file) can be passed to
//! them like any RFC 822 message.
//!
//! ```
//! use leakloupe_core::ingest::msg;
//! let err = msg::parse(b"Hello World").unwrap_err();
//! assert!(err.contains("not an OLE compound file"), "{err}");
//! ```

pub(crate) mod cfb;
pub(crate) mod rtf;

use std::collections::HashMap;

use encoding_rs::Encoding;

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::message::{
    headers_from_block, html_to_text, parse_date, sha256_hex, AttachmentInfo, Body, BodySource,
    HeaderField, MailDate, MessageDetail, MessageSummary,
};
use cfb::{Cfb, EntryKind};

pub(crate) use cfb::MAGIC;

/// Embedded messages nested this deep are listed but not opened: two levels beyond what ingest extracts
/// ([`crate::ingest::embedded::MAX_NESTING`]), so that the embedded-message walk still sees the first level
/// past its cap and names it, while a hostile chain of storages cannot make the reader recurse without end.
const MAX_DEPTH: usize = crate::ingest::embedded::MAX_NESTING as usize + 2;

/// Which recipient list a recipient is on (`PR_RECIPIENT_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    /// Primary recipient (MAPI_TO).
    To,
    /// Carbon copy (MAPI_CC).
    Cc,
    /// Blind carbon copy (MAPI_BCC).
    Bcc,
    /// Any other value (e.g. a meeting resource), as stored.
    Other(u32),
}

/// One recipient of an Outlook message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// To, Cc or Bcc.
    pub kind: RecipientKind,
    /// `PR_DISPLAY_NAME` ("" if none).
    pub name: String,
    /// `PR_SMTP_ADDRESS` if present, else `PR_EMAIL_ADDRESS` (may be an Exchange DN); "" if none.
    pub email: String,
}

impl Recipient {
    /// `Name <email>`, or whichever of the two exists.
    pub fn display(&self) -> String {
        mailbox(&self.name, &self.email)
    }
}

/// What an attachment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentContent {
    /// A file (`PR_ATTACH_DATA_BIN`).
    Bytes(Vec<u8>),
    /// An embedded Outlook message (attach method 5).
    Message(Box<OutlookMessage>),
    /// An embedded OLE object (attach method 6); its data is not extracted.
    Ole,
    /// No data (a reference to a file elsewhere, or damage).
    Missing,
}

/// One attachment of an Outlook message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// `PR_ATTACH_LONG_FILENAME`, else `PR_ATTACH_FILENAME`, else `PR_DISPLAY_NAME`; for an embedded
    /// message, its display name or subject.
    pub filename: Option<String>,
    /// `PR_ATTACH_MIME_TAG`, if present.
    pub mime_tag: Option<String>,
    /// `PR_ATTACH_CONTENT_ID`, if present (inline images).
    pub content_id: Option<String>,
    /// `PR_ATTACHMENT_HIDDEN` (true for inline images Outlook does not list).
    pub hidden: bool,
    /// The data.
    pub content: AttachmentContent,
}

/// An Outlook message read from its MAPI properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlookMessage {
    /// `PR_MESSAGE_CLASS`, e.g. "IPM.Note" ("" if none).
    pub message_class: String,
    /// `PR_SUBJECT` ("" if none).
    pub subject: String,
    /// `PR_SENDER_NAME`, else `PR_SENT_REPRESENTING_NAME` ("" if none).
    pub sender_name: String,
    /// `PR_SENDER_EMAIL_ADDRESS` as stored (may be an Exchange DN), else the sent-representing one.
    pub sender_email: String,
    /// `PR_SENDER_SMTP_ADDRESS`, if present.
    pub sender_smtp: Option<String>,
    /// Recipients, in storage order.
    pub recipients: Vec<Recipient>,
    /// `PR_DISPLAY_TO` / `PR_DISPLAY_CC` / `PR_DISPLAY_BCC` (used when there are no recipient storages).
    pub display_to: String,
    /// See `display_to`.
    pub display_cc: String,
    /// See `display_to`.
    pub display_bcc: String,
    /// `PR_TRANSPORT_MESSAGE_HEADERS`: the Internet headers, when the message came through SMTP.
    pub transport_headers: Option<String>,
    /// `PR_BODY`.
    pub body: Option<String>,
    /// `PR_BODY_HTML` (decoded in `PR_INTERNET_CPID`).
    pub body_html: Option<String>,
    /// `PR_RTF_COMPRESSED`, still compressed.
    pub rtf_compressed: Option<Vec<u8>>,
    /// `PR_CLIENT_SUBMIT_TIME` as Unix seconds.
    pub submit_time: Option<i64>,
    /// `PR_MESSAGE_DELIVERY_TIME` as Unix seconds.
    pub delivery_time: Option<i64>,
    /// `PR_INTERNET_MESSAGE_ID`.
    pub message_id: Option<String>,
    /// `PR_MESSAGE_FLAGS` (bit 0x8 = unsent).
    pub flags: Option<u32>,
    /// The code page used for 8-bit strings.
    pub codepage: u32,
    /// Attachments, in storage order.
    pub attachments: Vec<Attachment>,
    /// Damage found while reading.
    pub problems: Vec<Diagnostic>,
}

/// Read a whole `.msg` file. `Err` (a complete sentence) when it is not an OLE compound file, the compound
/// file is too damaged to open, or it holds no MAPI message.
pub fn parse(bytes: &[u8]) -> Result<OutlookMessage, String> {
    let cfb = Cfb::open(bytes)?;
    let names = child_names(&cfb, 0);
    let is_msg = names.keys().any(|n| {
        n.starts_with("__substg1.0_")
            || n == "__properties_version1.0"
            || n.starts_with("__recip_version1.0_")
    });
    if !is_msg {
        return Err(
            "this OLE compound file is not an Outlook message (no MAPI property streams; perhaps a Word, Excel or other Office document)"
                .into(),
        );
    }
    Ok(read_storage(&cfb, 0, 32, None, 0))
}

// ---------------------------------------------------------------------------------------------------------
// Property bags.

fn child_names(cfb: &Cfb<'_>, id: usize) -> HashMap<String, usize> {
    cfb.children(id)
        .into_iter()
        .filter_map(|c| cfb.entry(c).map(|e| (e.name.to_ascii_lowercase(), c)))
        .collect()
}

/// The properties of one storage (message, recipient or attachment).
struct Props<'c, 'a> {
    cfb: &'c Cfb<'a>,
    /// (property id, type) -> directory entry, from `__substg1.0_IIIITTTT` names.
    streams: HashMap<(u16, u16), usize>,
    /// property id -> (type, 8-byte value) from `__properties_version1.0`.
    fixed: HashMap<u16, (u16, [u8; 8])>,
    codepage: u32,
    /// Child storages that are not property streams (recipients, attachments), by lower-case name.
    storages: Vec<(String, usize)>,
}

impl<'c, 'a> Props<'c, 'a> {
    fn new(cfb: &'c Cfb<'a>, id: usize, header_len: usize, problems: &mut Vec<Diagnostic>) -> Self {
        let mut streams = HashMap::new();
        let mut fixed = HashMap::new();
        let mut storages = Vec::new();
        for c in cfb.children(id) {
            let Some(e) = cfb.entry(c) else { continue };
            let lower = e.name.to_ascii_lowercase();
            if e.kind == EntryKind::Storage {
                // Recipients, attachments and embedded messages (`__substg1.0_3701000D`).
                storages.push((lower, c));
            } else if let Some(hex) = lower.strip_prefix("__substg1.0_") {
                let id = hex.get(..4).and_then(|h| u16::from_str_radix(h, 16).ok());
                let ty = hex.get(4..8).and_then(|h| u16::from_str_radix(h, 16).ok());
                if let (Some(id), Some(ty)) = (id, ty) {
                    streams.insert((id, ty), c);
                }
            } else if lower == "__properties_version1.0" && e.kind == EntryKind::Stream {
                match cfb.read_stream(c) {
                    Ok(bytes) => {
                        for rec in bytes.get(header_len..).unwrap_or_default().chunks_exact(16) {
                            let ty = u16::from_le_bytes([rec[0], rec[1]]);
                            let pid = u16::from_le_bytes([rec[2], rec[3]]);
                            let mut v = [0u8; 8];
                            v.copy_from_slice(&rec[8..16]);
                            fixed.insert(pid, (ty, v));
                        }
                    }
                    Err(e) => problems.push(Diagnostic::warning(DiagnosticKind::Other, e)),
                }
            }
        }
        storages.sort();
        Props {
            cfb,
            streams,
            fixed,
            codepage: 1252,
            storages,
        }
    }

    fn stream(&self, id: u16, ty: u16, problems: &mut Vec<Diagnostic>) -> Option<Vec<u8>> {
        let entry = *self.streams.get(&(id, ty))?;
        match self.cfb.read_stream(entry) {
            Ok(b) => Some(b),
            Err(e) => {
                problems.push(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!("property 0x{id:04X}{ty:04X} could not be read: {e}"),
                ));
                None
            }
        }
    }

    /// A string property: Unicode (001F) or 8-bit (001E) in the bag's code page; trailing NULs dropped.
    fn string(&self, id: u16, problems: &mut Vec<Diagnostic>) -> Option<String> {
        if let Some(b) = self.stream(id, 0x001F, problems) {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            return Some(s.trim_end_matches('\0').to_string());
        }
        let b = self.stream(id, 0x001E, problems)?;
        let b = b.strip_suffix(&[0]).unwrap_or(&b);
        let (s, _, _) = encoding_for_codepage(self.codepage).decode(b);
        Some(s.trim_end_matches('\0').to_string())
    }

    fn nonempty(&self, id: u16, problems: &mut Vec<Diagnostic>) -> Option<String> {
        self.string(id, problems)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn binary(&self, id: u16, problems: &mut Vec<Diagnostic>) -> Option<Vec<u8>> {
        self.stream(id, 0x0102, problems)
    }

    fn long(&self, id: u16) -> Option<u32> {
        match self.fixed.get(&id) {
            Some((0x0003, v)) => Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]])),
            _ => None,
        }
    }

    fn boolean(&self, id: u16) -> Option<bool> {
        match self.fixed.get(&id) {
            Some((0x000B, v)) => Some(v[0] != 0),
            _ => None,
        }
    }

    /// A PT_SYSTIME (FILETIME, 100 ns since 1601) as Unix seconds; `None` for 0 and absurd values.
    fn time(&self, id: u16) -> Option<i64> {
        match self.fixed.get(&id) {
            Some((0x0040, v)) => {
                let ft = i64::from_le_bytes(*v);
                let unix = ft / 10_000_000 - 11_644_473_600;
                (ft > 0 && (-62_135_596_800..=253_402_300_799).contains(&unix)).then_some(unix)
            }
            _ => None,
        }
    }
}

/// The encoding for a Windows code page number (as in `PR_MESSAGE_CODEPAGE`, `PR_INTERNET_CPID` or RTF
/// `\ansicpg`). Unknown numbers give Windows-1252. The 7-bit ISO-2022-JP family maps to Shift_JIS because
/// Outlook stores the 8-bit strings of such mail in the Windows code page 932.
pub(crate) fn encoding_for_codepage(cp: u32) -> &'static Encoding {
    let label = match cp {
        65001 => "utf-8",
        1200 => "utf-16le",
        1201 => "utf-16be",
        932 | 50220 | 50221 | 50222 => "shift_jis",
        20932 | 51932 => "euc-jp",
        936 | 51936 => "gbk",
        54936 => "gb18030",
        949 | 51949 => "euc-kr",
        950 => "big5",
        874 => "windows-874",
        866 => "ibm866",
        20866 => "koi8-r",
        21866 => "koi8-u",
        10000 => "macintosh",
        10007 => "x-mac-cyrillic",
        1250..=1258 => {
            return Encoding::for_label(format!("windows-{cp}").as_bytes())
                .unwrap_or(encoding_rs::WINDOWS_1252)
        }
        28592..=28606 => {
            return Encoding::for_label(format!("iso-8859-{}", cp - 28590).as_bytes())
                .unwrap_or(encoding_rs::WINDOWS_1252)
        }
        _ => "windows-1252",
    };
    Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252)
}

// ---------------------------------------------------------------------------------------------------------
// Reading a message storage.

// Property ids used below ([MS-OXPROPS]).
const PR_MESSAGE_CLASS: u16 = 0x001A;
const PR_SUBJECT: u16 = 0x0037;
const PR_CLIENT_SUBMIT_TIME: u16 = 0x0039;
const PR_SENT_REPRESENTING_NAME: u16 = 0x0042;
const PR_SENT_REPRESENTING_EMAIL: u16 = 0x0065;
const PR_TRANSPORT_MESSAGE_HEADERS: u16 = 0x007D;
const PR_RECIPIENT_TYPE: u16 = 0x0C15;
const PR_SENDER_NAME: u16 = 0x0C1A;
const PR_SENDER_EMAIL: u16 = 0x0C1F;
const PR_DISPLAY_BCC: u16 = 0x0E02;
const PR_DISPLAY_CC: u16 = 0x0E03;
const PR_DISPLAY_TO: u16 = 0x0E04;
const PR_MESSAGE_DELIVERY_TIME: u16 = 0x0E06;
const PR_MESSAGE_FLAGS: u16 = 0x0E07;
const PR_BODY: u16 = 0x1000;
const PR_RTF_COMPRESSED: u16 = 0x1009;
const PR_BODY_HTML: u16 = 0x1013;
const PR_INTERNET_MESSAGE_ID: u16 = 0x1035;
const PR_DISPLAY_NAME: u16 = 0x3001;
const PR_EMAIL_ADDRESS: u16 = 0x3003;
const PR_ATTACH_DATA: u16 = 0x3701;
const PR_ATTACH_FILENAME: u16 = 0x3704;
const PR_ATTACH_METHOD: u16 = 0x3705;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
const PR_ATTACH_MIME_TAG: u16 = 0x370E;
const PR_ATTACH_CONTENT_ID: u16 = 0x3712;
const PR_SMTP_ADDRESS: u16 = 0x39FE;
const PR_INTERNET_CPID: u16 = 0x3FDE;
const PR_MESSAGE_CODEPAGE: u16 = 0x3FFD;
const PR_SENDER_SMTP_ADDRESS: u16 = 0x5D01;
const PR_RECIPIENT_DISPLAY_NAME: u16 = 0x5FF6;
const PR_ATTACHMENT_HIDDEN: u16 = 0x7FFE;

fn read_storage(
    cfb: &Cfb<'_>,
    id: usize,
    header_len: usize,
    parent_codepage: Option<u32>,
    depth: usize,
) -> OutlookMessage {
    let mut problems = Vec::new();
    let mut p = Props::new(cfb, id, header_len, &mut problems);
    let internet_cpid = p.long(PR_INTERNET_CPID);
    p.codepage = codepage_of(&p, parent_codepage);
    let pr = &mut problems;
    let sender_name = p
        .nonempty(PR_SENDER_NAME, pr)
        .or_else(|| p.nonempty(PR_SENT_REPRESENTING_NAME, pr))
        .unwrap_or_default();
    let sender_email = p
        .nonempty(PR_SENDER_EMAIL, pr)
        .or_else(|| p.nonempty(PR_SENT_REPRESENTING_EMAIL, pr))
        .unwrap_or_default();
    let body_html = match p.binary(PR_BODY_HTML, pr) {
        Some(b) => {
            let enc = internet_cpid.map_or(encoding_rs::UTF_8, encoding_for_codepage);
            let (text, _, _) = enc.decode(&b);
            Some(text.trim_end_matches('\0').to_string())
        }
        None => p.string(PR_BODY_HTML, pr),
    };
    let mut msg = OutlookMessage {
        message_class: p.nonempty(PR_MESSAGE_CLASS, pr).unwrap_or_default(),
        subject: p.string(PR_SUBJECT, pr).unwrap_or_default(),
        sender_name,
        sender_email,
        sender_smtp: p.nonempty(PR_SENDER_SMTP_ADDRESS, pr),
        recipients: Vec::new(),
        display_to: p.nonempty(PR_DISPLAY_TO, pr).unwrap_or_default(),
        display_cc: p.nonempty(PR_DISPLAY_CC, pr).unwrap_or_default(),
        display_bcc: p.nonempty(PR_DISPLAY_BCC, pr).unwrap_or_default(),
        transport_headers: p.nonempty(PR_TRANSPORT_MESSAGE_HEADERS, pr),
        body: p.string(PR_BODY, pr).filter(|s| !s.is_empty()),
        body_html: body_html.filter(|s| !s.trim().is_empty()),
        rtf_compressed: p.binary(PR_RTF_COMPRESSED, pr),
        submit_time: p.time(PR_CLIENT_SUBMIT_TIME),
        delivery_time: p.time(PR_MESSAGE_DELIVERY_TIME),
        message_id: p.nonempty(PR_INTERNET_MESSAGE_ID, pr),
        flags: p.long(PR_MESSAGE_FLAGS),
        codepage: p.codepage,
        attachments: Vec::new(),
        problems: Vec::new(),
    };
    for (name, child) in &p.storages {
        if name.starts_with("__recip_version1.0_") {
            let rp = {
                let mut r = Props::new(cfb, *child, 8, pr);
                r.codepage = p.codepage;
                r
            };
            let kind = match rp.long(PR_RECIPIENT_TYPE).map(|t| t & 0x0FFF_FFFF) {
                Some(1) => RecipientKind::To,
                Some(2) => RecipientKind::Cc,
                Some(3) => RecipientKind::Bcc,
                Some(other) => RecipientKind::Other(other),
                None => RecipientKind::To,
            };
            msg.recipients.push(Recipient {
                kind,
                name: rp
                    .nonempty(PR_DISPLAY_NAME, pr)
                    .or_else(|| rp.nonempty(PR_RECIPIENT_DISPLAY_NAME, pr))
                    .unwrap_or_default(),
                email: rp
                    .nonempty(PR_SMTP_ADDRESS, pr)
                    .or_else(|| rp.nonempty(PR_EMAIL_ADDRESS, pr))
                    .unwrap_or_default(),
            });
        } else if name.starts_with("__attach_version1.0_") {
            let index = msg.attachments.len();
            let a = read_attachment(cfb, *child, index, p.codepage, depth, pr);
            msg.attachments.push(a);
        }
    }
    msg.problems = problems;
    msg
}

/// The code page for a storage's 8-bit strings.
fn codepage_of(p: &Props<'_, '_>, parent: Option<u32>) -> u32 {
    p.long(PR_MESSAGE_CODEPAGE)
        .or_else(|| p.long(PR_INTERNET_CPID))
        .or(parent)
        .unwrap_or(1252)
}

/// Whether storage `id` holds at least one MAPI property stream (what every message storage has).
fn holds_properties(cfb: &Cfb<'_>, id: usize) -> bool {
    cfb.children(id).into_iter().any(|c| {
        cfb.entry(c).is_some_and(|e| {
            let lower = e.name.to_ascii_lowercase();
            e.kind == EntryKind::Stream
                && (lower.starts_with("__substg1.0_") || lower == "__properties_version1.0")
        })
    })
}

/// "attachment 2 (name)", 1-based, as the problems of a message name its attachments.
fn attachment_label(index: usize, filename: Option<&str>) -> String {
    match filename.filter(|f| !f.is_empty()) {
        Some(f) => format!("attachment {} ({f})", index + 1),
        None => format!("attachment {}", index + 1),
    }
}

/// Attachment number `index` (0-based, storage order) of a message.
fn read_attachment(
    cfb: &Cfb<'_>,
    id: usize,
    index: usize,
    codepage: u32,
    depth: usize,
    pr: &mut Vec<Diagnostic>,
) -> Attachment {
    let mut ap = Props::new(cfb, id, 8, pr);
    ap.codepage = codepage;
    let method = ap.long(PR_ATTACH_METHOD).unwrap_or(1);
    let embedded = ap
        .storages
        .iter()
        .find(|(n, _)| n == "__substg1.0_3701000d")
        .map(|(_, c)| *c);
    let mut filename = ap
        .nonempty(PR_ATTACH_LONG_FILENAME, pr)
        .or_else(|| ap.nonempty(PR_ATTACH_FILENAME, pr))
        .or_else(|| ap.nonempty(PR_DISPLAY_NAME, pr));
    let content = match embedded {
        _ if method == 6 => AttachmentContent::Ole,
        None if method == 5 && !ap.streams.contains_key(&(PR_ATTACH_DATA, 0x0102)) => {
            pr.push(Diagnostic::warning(
                DiagnosticKind::Other,
                format!(
                    "{} is an embedded Outlook message (attach method 5) but its message storage (__substg1.0_3701000D) is missing: the file is damaged; the message is not read",
                    attachment_label(index, filename.as_deref())
                ),
            ));
            AttachmentContent::Missing
        }
        Some(inner) if !holds_properties(cfb, inner) => {
            pr.push(Diagnostic::warning(
                DiagnosticKind::Other,
                format!(
                    "{} is an embedded Outlook message whose storage (__substg1.0_3701000D) holds no MAPI property: the storage is empty or its directory entries are damaged; the message is not read",
                    attachment_label(index, filename.as_deref())
                ),
            ));
            AttachmentContent::Missing
        }
        Some(_) if depth + 1 >= MAX_DEPTH => {
            pr.push(Diagnostic::warning(
                DiagnosticKind::Other,
                format!("an embedded message nested {MAX_DEPTH} levels deep was not opened"),
            ));
            AttachmentContent::Missing
        }
        Some(inner) => {
            let inner = read_storage(cfb, inner, 24, Some(codepage), depth + 1);
            if filename.is_none() && !inner.subject.is_empty() {
                filename = Some(inner.subject.clone());
            }
            AttachmentContent::Message(Box::new(inner))
        }
        None => match ap.binary(PR_ATTACH_DATA, pr) {
            Some(b) => AttachmentContent::Bytes(b),
            None => AttachmentContent::Missing,
        },
    };
    Attachment {
        filename,
        mime_tag: ap.nonempty(PR_ATTACH_MIME_TAG, pr),
        content_id: ap.nonempty(PR_ATTACH_CONTENT_ID, pr),
        hidden: ap.boolean(PR_ATTACHMENT_HIDDEN).unwrap_or(false),
        content,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Summary and detail.

/// A MIME type from a file name's extension, for attachments without `PR_ATTACH_MIME_TAG`.
/// `name="value"` for a MIME header parameter; a value that is not plain ASCII (or holds a quote, a
/// backslash or a line break) is written the RFC 2231 way, `name*=utf-8''percent-encoded`.
fn mime_param(name: &str, value: &str) -> String {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        return format!("{name}=\"{value}\"");
    }
    let encoded: String = value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{name}*=utf-8''{encoded}")
}

fn guess_type(filename: Option<&str>) -> &'static str {
    let ext = filename
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "htm" | "html" => "text/html",
        "csv" => "text/csv",
        "eml" => "message/rfc822",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ppt" => "application/vnd.ms-powerpoint",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

fn mailbox(name: &str, email: &str) -> String {
    let (name, email) = (name.trim(), email.trim());
    match (name.is_empty(), email.is_empty()) {
        (false, false) if !name.eq_ignore_ascii_case(email) => format!("{name} <{email}>"),
        (_, false) => email.to_string(),
        _ => name.to_string(),
    }
}

impl OutlookMessage {
    /// The sender as `Name <address>`, preferring the SMTP address over an Exchange DN.
    pub fn from_display(&self) -> String {
        let email = self
            .sender_smtp
            .as_deref()
            .filter(|_| !self.sender_email.contains('@'))
            .unwrap_or(&self.sender_email);
        mailbox(&self.sender_name, email)
    }

    /// The recipients of one kind, `Name <address>` comma-joined; falls back to `PR_DISPLAY_*` when the
    /// file has no recipient storages.
    pub fn recipients_display(&self, kind: RecipientKind) -> String {
        let list: Vec<String> = self
            .recipients
            .iter()
            .filter(|r| r.kind == kind)
            .map(Recipient::display)
            .filter(|s| !s.is_empty())
            .collect();
        if !list.is_empty() || !self.recipients.is_empty() {
            return list.join(", ");
        }
        match kind {
            RecipientKind::To => self.display_to.clone(),
            RecipientKind::Cc => self.display_cc.clone(),
            RecipientKind::Bcc => self.display_bcc.clone(),
            RecipientKind::Other(_) => String::new(),
        }
    }

    /// Whether Outlook marked the message unsent (a draft).
    pub fn is_unsent(&self) -> bool {
        self.flags.is_some_and(|f| f & 0x8 != 0)
    }

    /// The transport headers as header fields (empty when there are none).
    pub fn header_fields(&self) -> Vec<HeaderField> {
        match &self.transport_headers {
            Some(h) => headers_from_block(h.as_bytes()),
            None => Vec::new(),
        }
    }

    /// The date and the text shown as its raw form, with at most one problem.
    fn date(
        &self,
        headers: &[HeaderField],
    ) -> (Option<MailDate>, Option<String>, Option<Diagnostic>) {
        let header = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("Date"))
            .map(|h| h.decoded.clone());
        let from_header = header.as_deref().and_then(|v| parse_date(v).0);
        let property = self.submit_time.or(self.delivery_time);
        match (from_header, property) {
            // The header keeps the sender's UTC offset; use it when it agrees with Outlook's time.
            (Some(d), Some(t)) if (d.utc_unix - t).abs() <= 120 => (Some(d), header, None),
            (Some(d), None) => (Some(d), header, None),
            (_, Some(t)) => {
                let d = MailDate {
                    utc_unix: t,
                    offset_minutes: 0,
                };
                let raw = chrono::DateTime::from_timestamp(t, 0).map(|dt| dt.to_rfc2822());
                (Some(d), raw, None)
            }
            (None, None) => {
                let p = if self.is_unsent() {
                    Diagnostic::info(
                        DiagnosticKind::MissingDate,
                        "no submit or delivery time: the message was never sent (a draft)",
                    )
                } else {
                    Diagnostic::warning(
                        DiagnosticKind::MissingDate,
                        "no submit or delivery time (PR_CLIENT_SUBMIT_TIME / PR_MESSAGE_DELIVERY_TIME)",
                    )
                };
                (None, None, Some(p))
            }
        }
    }

    fn summary(&self, raw: &[u8], headers: &[HeaderField]) -> MessageSummary {
        let mut problems = self.problems.clone();
        let class = self.message_class.to_ascii_lowercase();
        if !class.is_empty() && !class.starts_with("ipm.note") && !class.starts_with("report.") {
            problems.push(Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "this Outlook item is of class {}, not an e-mail; it is shown as one",
                    self.message_class
                ),
            ));
        }
        let from = self.from_display();
        if from.is_empty() {
            problems.push(if self.is_unsent() {
                Diagnostic::info(
                    DiagnosticKind::MissingFrom,
                    "no sender: the message was never sent (a draft)",
                )
            } else {
                Diagnostic::warning(
                    DiagnosticKind::MissingFrom,
                    "no sender (PR_SENDER_NAME / PR_SENDER_EMAIL_ADDRESS)",
                )
            });
        }
        let (date, date_raw, date_problem) = self.date(headers);
        problems.extend(date_problem);
        let message_id = self.message_id.clone().or_else(|| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("Message-ID"))
                .map(|h| h.decoded.clone())
                .filter(|s| !s.is_empty())
        });
        MessageSummary {
            date,
            date_raw,
            from,
            to: self.recipients_display(RecipientKind::To),
            subject: self.subject.clone(),
            message_id,
            in_reply_to: header_ids(headers, "In-Reply-To"),
            references: header_ids(headers, "References"),
            attachment_count: u32::try_from(self.attachments.len()).unwrap_or(u32::MAX),
            may_embed_message: !self.attachments.is_empty(),
            size: raw.len() as u64,
            sha256: sha256_hex(raw),
            problems,
        }
    }

    fn body(&self, problems: &mut Vec<Diagnostic>) -> Body {
        if let Some(text) = &self.body {
            return Body {
                text: text.clone(),
                source: BodySource::Plain,
                charset: None,
                detected_charset: None,
            };
        }
        if let Some(html) = &self.body_html {
            return Body {
                text: html_to_text(html, problems),
                source: BodySource::HtmlAsText,
                charset: None,
                detected_charset: None,
            };
        }
        if let Some(compressed) = &self.rtf_compressed {
            match rtf::decompress(compressed) {
                Ok(doc) => {
                    return Body {
                        text: rtf_to_text(&doc),
                        source: BodySource::RtfAsText,
                        charset: None,
                        detected_charset: None,
                    };
                }
                Err(e) => problems.push(Diagnostic::warning(DiagnosticKind::BadEncoding, e)),
            }
        }
        Body {
            text: String::new(),
            source: BodySource::None,
            charset: None,
            detected_charset: None,
        }
    }

    /// This message rebuilt as an RFC 822 message (used for embedded messages' bytes): the envelope
    /// fields; the readable body as text/plain (with the HTML body beside it as text/html, when there is
    /// one); and every attachment, in storage order and so at the index the `.msg` gives it: files as
    /// base64 parts with their name and type, embedded messages as `message/rfc822` parts (rebuilt the
    /// same way), an OLE object or a missing one as an empty part saying so. Deterministic: the same
    /// message always gives the same bytes (its SHA-256 is the embedded message's).
    pub fn to_rfc822(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut field = |name: &str, value: &str| {
            let value = value.replace(['\r', '\n'], " ");
            if !value.trim().is_empty() {
                out.extend_from_slice(format!("{name}: {}\r\n", value.trim()).as_bytes());
            }
        };
        let headers = self.header_fields();
        let mut ignored = Vec::new();
        let (_, date_raw, _) = self.date(&headers);
        field("From", &self.from_display());
        field("To", &self.recipients_display(RecipientKind::To));
        field("Cc", &self.recipients_display(RecipientKind::Cc));
        field("Bcc", &self.recipients_display(RecipientKind::Bcc));
        field("Subject", &self.subject);
        field("Date", date_raw.as_deref().unwrap_or_default());
        field("Message-ID", self.message_id.as_deref().unwrap_or_default());
        field("MIME-Version", "1.0");
        field(
            "X-Leakloupe-Note",
            "rebuilt from an Outlook message embedded in a .msg file (its properties: envelope, body, attachments)",
        );
        let text = self.body(&mut ignored).text;
        let html = self.body_html.as_deref();
        let nested: Vec<Vec<u8>> = self
            .attachments
            .iter()
            .filter_map(|a| match &a.content {
                AttachmentContent::Message(m) => Some(m.to_rfc822()),
                _ => None,
            })
            .collect();
        if self.attachments.is_empty() && html.is_none() {
            field("Content-Type", "text/plain; charset=utf-8");
            field("Content-Transfer-Encoding", "8bit");
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(text.as_bytes());
            return out;
        }
        // A boundary found in none of the texts carried as they are (base64 never holds one).
        let carried: Vec<&[u8]> = [text.as_bytes(), html.unwrap_or_default().as_bytes()]
            .into_iter()
            .chain(nested.iter().map(Vec::as_slice))
            .collect();
        let boundary = (0u32..)
            .map(|n| format!("leakloupe-rebuild-{n}"))
            .find(|b| !carried.iter().any(|t| t.windows(b.len()).any(|w| w == b.as_bytes())))
            .unwrap_or_default();
        let (mixed, alternative) = (format!("{boundary}-m"), format!("{boundary}-a"));
        let (root, root_boundary) = match self.attachments.is_empty() {
            true => ("multipart/alternative", &alternative),
            false => ("multipart/mixed", &mixed),
        };
        field("Content-Type", &format!("{root}; boundary=\"{root_boundary}\""));
        out.extend_from_slice(b"\r\n");
        let text_part = |out: &mut Vec<u8>, subtype: &str, body: &str| {
            out.extend_from_slice(
                format!("Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").as_bytes(),
            );
            out.extend_from_slice(body.as_bytes());
            out.extend_from_slice(b"\r\n");
        };
        let body = |out: &mut Vec<u8>| match html {
            Some(html) => {
                if !self.attachments.is_empty() {
                    out.extend_from_slice(format!("Content-Type: multipart/alternative; boundary=\"{alternative}\"\r\n\r\n").as_bytes());
                }
                out.extend_from_slice(format!("--{alternative}\r\n").as_bytes());
                text_part(out, "plain", &text);
                out.extend_from_slice(format!("--{alternative}\r\n").as_bytes());
                text_part(out, "html", html);
                out.extend_from_slice(format!("--{alternative}--\r\n").as_bytes());
            }
            None => text_part(out, "plain", &text),
        };
        if self.attachments.is_empty() {
            body(&mut out);
            return out;
        }
        out.extend_from_slice(format!("--{mixed}\r\n").as_bytes());
        body(&mut out);
        let mut nested = nested.into_iter();
        for (i, a) in self.attachments.iter().enumerate() {
            out.extend_from_slice(format!("--{mixed}\r\n").as_bytes());
            let name = a.filename.clone().unwrap_or_else(|| format!("attachment-{}", i + 1));
            let name = mime_param("filename", &name);
            let cid = a.content_id.as_deref().map(|c| format!("Content-ID: <{}>\r\n", c.trim().trim_matches(['<', '>']).replace(['\r', '\n'], "")));
            let part_head = |ct: &str, cte: &str| {
                format!("Content-Type: {ct}\r\nContent-Disposition: attachment; {name}\r\n{}Content-Transfer-Encoding: {cte}\r\n", cid.clone().unwrap_or_default())
            };
            match &a.content {
                AttachmentContent::Bytes(data) => {
                    let ct = a
                        .mime_tag
                        .as_deref()
                        .map(|m| m.trim().to_ascii_lowercase())
                        .filter(|m| m.contains('/') && !m.contains(['\r', '\n', ';', '"']))
                        .unwrap_or_else(|| guess_type(a.filename.as_deref()).to_string());
                    out.extend_from_slice(part_head(&ct, "base64").as_bytes());
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(&crate::ingest::emlx_rebuild::base64_lines(data, b"\r\n"));
                    out.extend_from_slice(b"\r\n");
                }
                AttachmentContent::Message(_) => {
                    out.extend_from_slice(part_head("message/rfc822", "8bit").as_bytes());
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(&nested.next().unwrap_or_default());
                    out.extend_from_slice(b"\r\n");
                }
                AttachmentContent::Ole | AttachmentContent::Missing => {
                    let why = match a.content {
                        AttachmentContent::Ole => "an embedded OLE object: its data is not extracted",
                        _ => "the .msg file holds no data for this attachment",
                    };
                    out.extend_from_slice(part_head("application/octet-stream", "base64").as_bytes());
                    out.extend_from_slice(format!("Content-Description: {why}\r\n\r\n").as_bytes());
                }
            }
        }
        out.extend_from_slice(format!("--{mixed}--\r\n").as_bytes());
        out
    }

    /// The bytes of attachment `index` as [`read`] lists it: file data, a rebuilt RFC 822 text for an
    /// embedded message, or nothing for OLE objects and missing data.
    pub fn attachment_data(&self, index: usize) -> Option<Vec<u8>> {
        Some(match &self.attachments.get(index)?.content {
            AttachmentContent::Bytes(b) => b.clone(),
            AttachmentContent::Message(m) => m.to_rfc822(),
            AttachmentContent::Ole | AttachmentContent::Missing => Vec::new(),
        })
    }

    /// The detail view of this message; `raw` is the whole `.msg` file (for size and hash).
    pub fn detail(&self, raw: &[u8]) -> MessageDetail {
        let headers = self.header_fields();
        let mut summary = self.summary(raw, &headers);
        let problems = &mut summary.problems;
        if self.transport_headers.is_none() {
            problems.push(Diagnostic::info(
                DiagnosticKind::Other,
                "no Internet headers (PR_TRANSPORT_MESSAGE_HEADERS): sender, recipients and date come from Outlook's own properties",
            ));
        }
        let body = self.body(problems);
        let mut attachments = Vec::with_capacity(self.attachments.len());
        for (i, a) in self.attachments.iter().enumerate() {
            let data = self.attachment_data(i).unwrap_or_default();
            let content_type = match &a.content {
                AttachmentContent::Message(_) => "message/rfc822".to_string(),
                _ => a
                    .mime_tag
                    .as_deref()
                    .map(|m| m.trim().to_ascii_lowercase())
                    .filter(|m| m.contains('/'))
                    .unwrap_or_else(|| guess_type(a.filename.as_deref()).to_string()),
            };
            match &a.content {
                AttachmentContent::Ole => problems.push(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!("attachment {} is an embedded OLE object; its data is not extracted", i + 1),
                )),
                AttachmentContent::Missing => problems.push(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!("attachment {} has no data", i + 1),
                )),
                AttachmentContent::Message(_) => problems.push(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!(
                        "attachment {} is an embedded Outlook message; it is offered as an .eml rebuilt from its properties (envelope, body, attachments)",
                        i + 1
                    ),
                )),
                AttachmentContent::Bytes(_) => {}
            }
            attachments.push(AttachmentInfo {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                filename: a.filename.clone(),
                content_type,
                disposition: Some(if a.hidden { "inline" } else { "attachment" }.to_string()),
                size: data.len() as u64,
                sha256: sha256_hex(&data),
            });
        }
        let find = |name: &str| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.decoded.clone())
                .unwrap_or_default()
        };
        MessageDetail {
            cc: self.recipients_display(RecipientKind::Cc),
            bcc: self.recipients_display(RecipientKind::Bcc),
            reply_to: find("Reply-To"),
            headers,
            body,
            attachments,
            summary,
        }
    }
}

/// Message-IDs in a transport header (In-Reply-To, References), for threading.
fn header_ids(headers: &[HeaderField], name: &str) -> Vec<String> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| crate::thread::parse_references(&h.raw))
        .unwrap_or_default()
}

fn unreadable(raw: &[u8], reason: &str) -> MessageSummary {
    MessageSummary {
        date: None,
        date_raw: None,
        from: String::new(),
        to: String::new(),
        subject: String::new(),
        message_id: None,
        in_reply_to: Vec::new(),
        references: Vec::new(),
        attachment_count: 0,
        may_embed_message: false,
        size: raw.len() as u64,
        sha256: sha256_hex(raw),
        problems: vec![Diagnostic::error(
            DiagnosticKind::NotMail,
            format!("the Outlook message could not be read: {reason}"),
        )],
    }
}

/// Decompress a `PR_RTF_COMPRESSED` value ([MS-OXRTFCP]) to the RTF document's bytes.
pub fn decompress_rtf(data: &[u8]) -> Result<Vec<u8>, String> {
    rtf::decompress(data)
}

/// Readable text of an (already decompressed) RTF body: a crude reading that drops control words and
/// formatting; HTML encapsulated by Outlook (`\fromhtml1`) is de-encapsulated and converted to text.
pub fn rtf_to_text(rtf_document: &[u8]) -> String {
    match rtf::to_text(rtf_document) {
        rtf::RtfText::Text(t) => t,
        rtf::RtfText::Html(h) => html_to_text(&h, &mut Vec::new()),
    }
}

/// The list summary of an already parsed message; `raw` is the whole `.msg` file (for size and hash).
pub(crate) fn summary_of(m: &OutlookMessage, raw: &[u8]) -> MessageSummary {
    m.summary(raw, &m.header_fields())
}

/// The list summary of a whole `.msg` file. Never panics; an unreadable file gives an empty summary with
/// an Error problem.
pub fn summarize(raw: &[u8]) -> MessageSummary {
    match parse(raw) {
        Ok(m) => m.summary(raw, &m.header_fields()),
        Err(e) => unreadable(raw, &e),
    }
}

/// The detail view of a whole `.msg` file. Never panics.
pub fn read(raw: &[u8]) -> MessageDetail {
    match parse(raw) {
        Ok(m) => m.detail(raw),
        Err(e) => MessageDetail {
            summary: unreadable(raw, &e),
            cc: String::new(),
            bcc: String::new(),
            reply_to: String::new(),
            headers: Vec::new(),
            body: Body {
                text: String::new(),
                source: BodySource::None,
                charset: None,
                detected_charset: None,
            },
            attachments: Vec::new(),
        },
    }
}

/// The bytes of attachment `index` of a whole `.msg` file (see [`OutlookMessage::attachment_data`]).
/// Only that attachment is read, so saving every attachment of a large message stays linear.
pub fn attachment_bytes(raw: &[u8], index: u32) -> Option<Vec<u8>> {
    let cfb = Cfb::open(raw).ok()?;
    let mut ignored = Vec::new();
    let root = Props::new(&cfb, 0, 32, &mut ignored);
    let codepage = codepage_of(&root, None);
    let index = usize::try_from(index).ok()?;
    let (_, id) = root
        .storages
        .iter()
        .filter(|(n, _)| n.starts_with("__attach_version1.0_"))
        .nth(index)?;
    let a = read_attachment(&cfb, *id, index, codepage, 0, &mut ignored);
    Some(match a.content {
        AttachmentContent::Bytes(b) => b,
        AttachmentContent::Message(m) => m.to_rfc822(),
        AttachmentContent::Ole | AttachmentContent::Missing => Vec::new(),
    })
}
