//! Messages inside messages: forwarded mail, bounces and digests are evidence too.
//!
//! [`embedded_messages`] finds every message carried as an attachment of a message and returns each one's
//! own bytes, ready for [`crate::message::summarize`] / [`crate::message::read_message`] and for
//! [`crate::dedup`] like any other message, with the messages embedded in *it* as children:
//!
//! - `message/rfc822` (and `message/global`) MIME parts, whatever their transfer encoding (7bit, 8bit,
//!   base64, quoted-printable), including the implicit ones of a `multipart/digest`;
//! - attachments named `*.eml`, whatever type they were sent as;
//! - generic binary attachments (`application/octet-stream`) whose bytes are plainly a mail message;
//! - Outlook `.msg` files attached to a message (kept whole: [`SpanKind::OutlookMsg`]);
//! - messages embedded inside an Outlook `.msg` (attach method 5), as the `.msg` reader rebuilds them
//!   (RFC 822 with the body and every attachment in storage order,
//!   [`crate::ingest::msg::OutlookMessage::to_rfc822`]); their own attachments are searched through the
//!   `.msg` structure, at the same indexes as in the rebuild.
//!
//! Each [`Embedded`] is located by its [`Embedded::path`]: the attachment index (as
//! [`crate::message::read_message`] numbers attachments, i.e. what [`crate::message::attachment_bytes`]
//! takes) at each level from the top message down. [`embedded_at`] gives one embedded message back from
//! the top message's bytes and a path, so a caller need not keep the bytes. An embedded message's bytes
//! are exactly what the parent's `attachment_bytes(.., index)` saves (except that damaged base64 is decoded
//! as far as it is valid), so the hash the caller computes from them matches the parent's attachment hash.
//!
//! **What is hashed.** A message's SHA-256 is always that of the bytes it is read from, saved and
//! exported as: a top-level `.msg` is the whole file (so its hash is the file's), a `.msg` attached to a
//! mail is that attachment's whole file. A message embedded *inside* a `.msg` (attach method 5) has no
//! bytes of its own in the file (it is a storage, a folder of property streams, inside the compound
//! file), so its bytes are its RFC 822 rebuild ([`msg::OutlookMessage::to_rfc822`]): deterministic, the
//! same as the parent's attachment hash and Save, and what an mbox or .eml export writes (re-importing
//! the export gives the same hash). Two copies of one embedded message are therefore byte-identical
//! copies; the same message found as a standalone `.msg` file is a variant (same Message-ID, other bytes).
//! Damage inside an embedded storage is reported as that embedded message's diagnostics; a storage that
//! holds no property at all is reported by the parent (see [`crate::ingest::msg`]) and not extracted.
//!
//! Nesting is capped in depth, count and total bytes ([`EmbeddedLimits`]); what a cap stops, or what is
//! declared a message but holds none, is reported as a [`Diagnostic`] rather than dropped silently.
//!
//! ```
//! use leakloupe_core::ingest::embedded::embedded_messages;
//! use leakloupe_core::message::summarize;
//! let raw = b"From: a@example.com\nSubject: Fwd: plan\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee below\n--B\nContent-Type: message/rfc822\n\nFrom: b@example.com\nSubject: plan\n\nthe plan\n--B--\n";
//! let scan = embedded_messages(raw);
//! assert_eq!(scan.messages.len(), 1);
//! assert_eq!(scan.messages[0].path, vec![0]);
//! assert_eq!(summarize(&scan.messages[0].bytes).subject, "plan");
//! ```

use std::borrow::Cow;

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ingest::msg::{self, AttachmentContent, OutlookMessage};
use crate::ingest::sniff::{header_field_name, skip_bom_and_blank};
use crate::ingest::{sniff, Sniffed, SourceFormat, SpanKind};
use crate::message::{attachment_bytes, attachments_listed, MessageDetail};

/// How an embedded message was carried by its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmbeddedOrigin {
    /// A `message/rfc822` or `message/global` MIME part (forwarded as attachment, bounce, digest entry).
    MessagePart,
    /// An attachment named `*.eml` (of any declared type).
    EmlFile,
    /// A generic binary attachment (`application/octet-stream`, or an Outlook attachment without a type)
    /// whose bytes are a mail message.
    SniffedFile,
    /// A whole Outlook `.msg` file attached to the parent.
    MsgFile,
    /// A message embedded inside an Outlook `.msg` (attach method 5), rebuilt by the `.msg` reader as an
    /// RFC 822 message with its body and its own attachments (those are searched for embedded messages
    /// through the `.msg` structure, and listed as its children).
    OutlookEmbedded,
}

impl EmbeddedOrigin {
    /// Short label: "message/rfc822 part", ".eml attachment", "attachment that is a message",
    /// ".msg attachment" or "Outlook embedded message".
    pub fn label(self) -> &'static str {
        match self {
            EmbeddedOrigin::MessagePart => "message/rfc822 part",
            EmbeddedOrigin::EmlFile => ".eml attachment",
            EmbeddedOrigin::SniffedFile => "attachment that is a message",
            EmbeddedOrigin::MsgFile => ".msg attachment",
            EmbeddedOrigin::OutlookEmbedded => "Outlook embedded message",
        }
    }
}

/// One message found inside another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// Where it is: the 0-based attachment index at each level, from the top message down (`[2]` =
    /// attachment 2 of the top message; `[2, 0]` = attachment 0 of that one). The index is the one
    /// [`crate::message::read_message`] / [`crate::ingest::msg`] give the attachment in its parent, except
    /// below an [`EmbeddedOrigin::OutlookEmbedded`] message, where it indexes the embedded message's own
    /// `.msg` attachments (its rebuilt RFC 822 bytes carry none). Pass it to [`embedded_at`].
    pub path: Vec<u32>,
    /// The attachment's file name in the parent, if any.
    pub filename: Option<String>,
    /// The attachment's MIME type in the parent, lower case (e.g. "message/rfc822").
    pub content_type: String,
    /// How the parent carried it.
    pub origin: EmbeddedOrigin,
    /// What `bytes` are: an RFC 822 message, or a whole Outlook `.msg` file. Both can be passed to
    /// [`crate::message::summarize`] and [`crate::message::read_message`] (they route `.msg` bytes by
    /// their signature).
    pub kind: SpanKind,
    /// The message itself, transfer encoding removed.
    pub bytes: Vec<u8>,
    /// Messages embedded in this one, in attachment order.
    pub children: Vec<Embedded>,
    /// What was odd about extracting this message or its children (damaged base64, a declared message
    /// that holds none, a cap reached). Damage inside the message itself is what
    /// [`crate::message::summarize`] reports on `bytes`.
    pub diagnostics: Vec<Diagnostic>,
}

impl Embedded {
    /// A human location, e.g. "attachment 3 (fwd.eml) › attachment 1 (message/rfc822)".
    pub fn location(&self) -> String {
        let last = self.path.last().copied().unwrap_or(0);
        format!(
            "attachment {} ({})",
            last.saturating_add(1),
            self.filename.as_deref().unwrap_or(&self.content_type)
        )
    }
}

/// Caps on what [`embedded_messages_with`] extracts from one top message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedLimits {
    /// Deepest nesting extracted (1 = only messages attached directly to the top message).
    pub max_depth: u32,
    /// Most embedded messages extracted in all.
    pub max_messages: u32,
    /// Most bytes of embedded messages extracted in all (each level's bytes count, so a forward of a
    /// forward counts twice).
    pub max_total_bytes: u64,
}

/// The default [`EmbeddedLimits::max_depth`]: forwards of forwards (and Outlook messages embedded in
/// Outlook messages) are extracted 8 levels deep. The `.msg` reader opens embedded storages two levels
/// deeper than this, no more.
pub const MAX_NESTING: u32 = 8;

impl Default for EmbeddedLimits {
    /// 8 levels ([`MAX_NESTING`]), 1000 messages, 128 MiB.
    fn default() -> Self {
        EmbeddedLimits {
            max_depth: MAX_NESTING,
            max_messages: 1000,
            max_total_bytes: 128 << 20,
        }
    }
}

/// Everything [`embedded_messages`] found in one top message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbeddedScan {
    /// The messages attached directly to the top message (each with its own children).
    pub messages: Vec<Embedded>,
    /// Findings about the top message's attachments (a declared message that holds none, a cap reached).
    pub diagnostics: Vec<Diagnostic>,
    /// Number of embedded messages at all levels.
    pub count: u32,
    /// Sum of their sizes in bytes.
    pub total_bytes: u64,
}

impl EmbeddedScan {
    /// Every embedded message at every level, parents before children, in attachment order.
    pub fn iter(&self) -> impl Iterator<Item = &Embedded> {
        let mut stack: Vec<&Embedded> = self.messages.iter().rev().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.children.iter().rev());
            Some(next)
        })
    }

    /// Every diagnostic, the top message's first, then each embedded message's in [`Self::iter`] order,
    /// its text prefixed with where it is (e.g. "embedded message 2.1: ").
    pub fn all_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.diagnostics.clone();
        for e in self.iter() {
            let at = e
                .path
                .iter()
                .map(|i| (u64::from(*i) + 1).to_string())
                .collect::<Vec<_>>()
                .join(".");
            for d in &e.diagnostics {
                let mut d = d.clone();
                d.text = format!("embedded message {at}: {}", d.text);
                out.push(d);
            }
        }
        out
    }
}

/// Cheap test on a message's raw bytes: false when it certainly carries no embedded message (no
/// `message/rfc822`, digest, `.eml` / `.msg` name, octet-stream part or encoded file name anywhere), so a
/// caller can skip the full read. True for every Outlook `.msg` file.
pub fn may_contain_embedded(raw: &[u8]) -> bool {
    if raw.starts_with(msg::MAGIC) {
        return true;
    }
    const NEEDLES: &[&[u8]] = &[
        b"message/",
        b"multipart/digest",
        b"octet-stream",
        b"vnd.ms-outlook",
        b".eml",
        b".msg",
        // Encoded file names (RFC 2047 words, RFC 2231 parameters) can hide an extension.
        b"=?",
        b"*=",
        b"*0",
    ];
    NEEDLES.iter().any(|n| contains_ignore_case(raw, n))
}

/// [`embedded_messages_with`] under the default [`EmbeddedLimits`]. Never panics.
pub fn embedded_messages(raw: &[u8]) -> EmbeddedScan {
    embedded_messages_with(raw, None, &EmbeddedLimits::default())
}

/// The messages embedded in the message `raw` (RFC 822 bytes, or a whole Outlook `.msg` file), at every
/// level down to the limits. `detail` may be the caller's `read_message(raw)` result, which saves reading
/// the message again (it is only used for RFC 822 bytes). Never panics.
pub fn embedded_messages_with(
    raw: &[u8],
    detail: Option<&MessageDetail>,
    limits: &EmbeddedLimits,
) -> EmbeddedScan {
    let mut walker = Walker {
        limits,
        count: 0,
        total: 0,
        count_reported: false,
    };
    let mut diagnostics = Vec::new();
    let messages = match Node::open(Cow::Borrowed(raw), detail) {
        Some(node) => walker.children(&node.as_parent(), &[], 1, &mut diagnostics),
        None => Vec::new(),
    };
    EmbeddedScan {
        messages,
        diagnostics,
        count: walker.count,
        total_bytes: walker.total,
    }
}

/// The embedded message at `path` (see [`Embedded::path`]) inside the message `raw`, read exactly as
/// [`embedded_messages`] reads it but without its children (`children` is empty; its `diagnostics` are
/// those about itself). `None` if the path does not lead to an embedded message. Never panics.
pub fn embedded_at(raw: &[u8], path: &[u32]) -> Option<Embedded> {
    let (last, steps) = path.split_last()?;
    let mut node = Node::open(Cow::Borrowed(raw), None)?;
    let mut ignored = Vec::new();
    let mut at: Vec<u32> = Vec::with_capacity(path.len());
    for step in steps {
        at.push(*step);
        let child = extract(&node.as_parent(), *step, &mut ignored)?;
        node = child.into_node()?;
    }
    at.push(*last);
    let child = extract(&node.as_parent(), *last, &mut ignored)?;
    Some(child.into_embedded(at, Vec::new()))
}

// ---------------------------------------------------------------------------------------------------------
// Parents and children.

/// A message whose attachments are searched.
enum Node<'a> {
    /// RFC 822 bytes and their attachment list (file name, MIME type), as read_message numbers them.
    Mime {
        raw: Cow<'a, [u8]>,
        attachments: Vec<Meta>,
    },
    /// An Outlook message (a whole `.msg` file parsed, or one embedded in another).
    Outlook(Box<Cow<'a, OutlookMessage>>),
}

/// What a parent says about one attachment.
struct Meta {
    index: u32,
    filename: Option<String>,
    content_type: String,
    /// Decoded size as the reader lists it (0 when not decoded: then it cannot be a message).
    size: u64,
    /// The decoded bytes, when the listing already decoded them.
    bytes: Option<Vec<u8>>,
}

/// A borrowed view of a [`Node`].
enum Parent<'p> {
    Mime {
        raw: &'p [u8],
        attachments: &'p [Meta],
    },
    Outlook(&'p OutlookMessage),
}

impl<'a> Node<'a> {
    /// The node for message bytes: a `.msg` file is parsed; RFC 822 bytes are read for their attachment
    /// list (unless `detail` already holds it, or the bytes cannot carry an embedded message).
    fn open(raw: Cow<'a, [u8]>, detail: Option<&MessageDetail>) -> Option<Node<'a>> {
        if raw.starts_with(msg::MAGIC) {
            return msg::parse(&raw)
                .ok()
                .map(|m| Node::Outlook(Box::new(Cow::Owned(m))));
        }
        let attachments = match detail {
            Some(d) => metas(d),
            None if may_contain_embedded(&raw) => listed(&raw),
            None => Vec::new(),
        };
        Some(Node::Mime { raw, attachments })
    }

    fn as_parent(&self) -> Parent<'_> {
        match self {
            Node::Mime { raw, attachments } => Parent::Mime { raw, attachments },
            Node::Outlook(m) => Parent::Outlook(m.as_ref()),
        }
    }
}

fn metas(detail: &MessageDetail) -> Vec<Meta> {
    detail
        .attachments
        .iter()
        .map(|a| Meta {
            index: a.index,
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            bytes: None,
        })
        .collect()
}

/// The attachment list from one light parse, with the bytes of only those that might be a message (the
/// rest are not decoded; their size is not needed).
fn listed(raw: &[u8]) -> Vec<Meta> {
    attachments_listed(raw, &|ct, name| hint(ct, name).is_some())
        .into_iter()
        .map(|a| Meta {
            index: a.index,
            size: a.bytes.as_ref().map_or(0, |b| b.len() as u64),
            filename: a.filename,
            content_type: a.content_type,
            bytes: a.bytes,
        })
        .collect()
}

/// One extracted embedded message, before it is placed in the tree.
struct Child<'p> {
    filename: Option<String>,
    content_type: String,
    origin: EmbeddedOrigin,
    kind: SpanKind,
    bytes: Vec<u8>,
    /// The parsed Outlook message, for `.msg` files and Outlook embedded messages.
    outlook: Option<Cow<'p, OutlookMessage>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'p> Child<'p> {
    /// The child as a parent of its own, owning what it holds (for [`embedded_at`]'s descent).
    fn into_node(self) -> Option<Node<'static>> {
        match self.outlook {
            Some(m) => Some(Node::Outlook(Box::new(Cow::Owned(m.into_owned())))),
            None => Node::open(Cow::Owned(self.bytes), None),
        }
    }

    fn into_embedded(self, path: Vec<u32>, children: Vec<Embedded>) -> Embedded {
        Embedded {
            path,
            filename: self.filename,
            content_type: self.content_type,
            origin: self.origin,
            kind: self.kind,
            bytes: self.bytes,
            children,
            diagnostics: self.diagnostics,
        }
    }
}

struct Walker<'l> {
    limits: &'l EmbeddedLimits,
    count: u32,
    total: u64,
    count_reported: bool,
}

impl Walker<'_> {
    /// The embedded messages of `parent` at `depth` (1 = attached to the top message), with their
    /// children. Findings about attachments that are not extracted go to `diags` (the parent's).
    fn children(
        &mut self,
        parent: &Parent<'_>,
        path: &[u32],
        depth: u32,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Embedded> {
        let mut out = Vec::new();
        for c in candidates(parent) {
            let remaining = self.limits.max_total_bytes.saturating_sub(self.total);
            if c.size > remaining {
                // Too big to keep (not extracted). Only say so when it was declared a message.
                if c.hint != Hint::Generic {
                    diags.push(self.too_big(&c.label, c.size));
                }
                continue;
            }
            let index = c.index;
            let Some(child) = extract(parent, index, diags) else {
                continue;
            };
            let label = c.label;
            if depth > self.limits.max_depth {
                diags.push(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!(
                        "{label} is a message nested {depth} levels deep; messages nested more than {} level(s) deep are not extracted",
                        self.limits.max_depth
                    ),
                ));
                continue;
            }
            if self.count >= self.limits.max_messages {
                if !self.count_reported {
                    self.count_reported = true;
                    diags.push(Diagnostic::warning(
                        DiagnosticKind::Other,
                        format!(
                            "{label} and any later embedded messages are not extracted: {} embedded messages were already extracted from this message, the limit",
                            self.limits.max_messages
                        ),
                    ));
                }
                continue;
            }
            let size = child.bytes.len() as u64;
            if self.total.saturating_add(size) > self.limits.max_total_bytes {
                diags.push(self.too_big(&label, size));
                continue;
            }
            self.count += 1;
            self.total += size;
            let mut child_path = path.to_vec();
            child_path.push(index);
            // The child's own attachments: through the .msg structure, or by reading its bytes.
            let mut child_diags = Vec::new();
            let grandchildren = match &child.outlook {
                Some(m) => self.children(
                    &Parent::Outlook(m.as_ref()),
                    &child_path,
                    depth + 1,
                    &mut child_diags,
                ),
                None => match Node::open(Cow::Borrowed(&child.bytes), None) {
                    Some(node) => {
                        self.children(&node.as_parent(), &child_path, depth + 1, &mut child_diags)
                    }
                    None => Vec::new(),
                },
            };
            let mut embedded = child.into_embedded(child_path, grandchildren);
            embedded.diagnostics.extend(child_diags);
            out.push(embedded);
        }
        out
    }
}

impl Walker<'_> {
    fn too_big(&self, label: &str, size: u64) -> Diagnostic {
        Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "{label} ({size} bytes) is not read as a message: the embedded messages of this message would exceed {} bytes in all",
                self.limits.max_total_bytes
            ),
        )
    }
}

/// "attachment 3 (fwd.eml)", 1-based, naming the file or else the type.
fn label(index: u32, filename: Option<&str>, content_type: &str) -> String {
    let what = filename
        .filter(|f| !f.is_empty())
        .unwrap_or(if content_type.is_empty() {
            "no type"
        } else {
            content_type
        });
    format!("attachment {} ({what})", u64::from(index) + 1)
}

/// Why an attachment might be a message, from what its parent declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// `message/rfc822` or `message/global`.
    Declared,
    /// Named `*.eml`.
    EmlName,
    /// Named `*.msg`, or typed as an Outlook message.
    MsgName,
    /// A generic binary type: only its bytes can tell.
    Generic,
}

/// Whether an attachment with this content type and file name is looked at as a possible message (what
/// [`crate::message::MessageSummary::may_embed_message`] is made of).
pub(crate) fn could_be_message(content_type: &str, filename: Option<&str>) -> bool {
    hint(content_type, filename).is_some()
}

fn hint(content_type: &str, filename: Option<&str>) -> Option<Hint> {
    let ct = content_type.trim().to_ascii_lowercase();
    let name = filename
        .map(|f| f.trim().to_lowercase())
        .unwrap_or_default();
    if ct == "message/rfc822" || ct == "message/global" {
        Some(Hint::Declared)
    } else if name.ends_with(".eml") {
        Some(Hint::EmlName)
    } else if name.ends_with(".msg") || ct == "application/vnd.ms-outlook" {
        Some(Hint::MsgName)
    } else if matches!(
        ct.as_str(),
        "" | "application/octet-stream" | "binary/octet-stream" | "application/x-octet-stream"
    ) {
        Some(Hint::Generic)
    } else {
        None
    }
}

/// An attachment that might be a message, from what its parent declares (no bytes decoded yet).
struct Candidate {
    index: u32,
    hint: Hint,
    /// Its size as listed (0 for an Outlook embedded message, which is rebuilt small).
    size: u64,
    label: String,
}

fn candidates(parent: &Parent<'_>) -> Vec<Candidate> {
    match parent {
        Parent::Mime { attachments, .. } => attachments
            .iter()
            .filter_map(|a| {
                Some(Candidate {
                    index: a.index,
                    hint: hint(&a.content_type, a.filename.as_deref())?,
                    size: a.size,
                    label: label(a.index, a.filename.as_deref(), &a.content_type),
                })
            })
            .collect(),
        Parent::Outlook(m) => m
            .attachments
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let index = u32::try_from(i).ok()?;
                let ct = a.mime_tag.as_deref().unwrap_or_default();
                let (hint, size) = match &a.content {
                    AttachmentContent::Message(_) => (Hint::Declared, 0),
                    AttachmentContent::Bytes(b) => {
                        (hint(ct, a.filename.as_deref())?, b.len() as u64)
                    }
                    AttachmentContent::Ole | AttachmentContent::Missing => return None,
                };
                Some(Candidate {
                    index,
                    hint,
                    size,
                    label: label(index, a.filename.as_deref(), ct),
                })
            })
            .collect(),
    }
}

/// Attachment `index` of `parent` as an embedded message, or `None` (with a finding in `diags` when the
/// parent declared it a message).
fn extract<'p>(parent: &Parent<'p>, index: u32, diags: &mut Vec<Diagnostic>) -> Option<Child<'p>> {
    match parent {
        Parent::Mime { raw, attachments } => {
            let meta = attachments.iter().find(|a| a.index == index)?;
            let h = hint(&meta.content_type, meta.filename.as_deref())?;
            let bytes = match &meta.bytes {
                Some(b) => b.clone(),
                None => attachment_bytes(raw, index)?,
            };
            classify(
                bytes,
                h,
                meta.filename.clone(),
                meta.content_type.clone(),
                index,
                diags,
            )
        }
        Parent::Outlook(m) => {
            let m: &'p OutlookMessage = m;
            let a = m.attachments.get(usize::try_from(index).ok()?)?;
            match &a.content {
                // Damage found inside the embedded storage (a property stream that cannot be read, an
                // embedded message of its own that is missing) would be lost with the rebuilt bytes: it
                // travels as this message's diagnostics.
                AttachmentContent::Message(inner) => Some(Child {
                    filename: a.filename.clone(),
                    content_type: "message/rfc822".into(),
                    origin: EmbeddedOrigin::OutlookEmbedded,
                    kind: SpanKind::Rfc822,
                    bytes: inner.to_rfc822(),
                    outlook: Some(Cow::Borrowed(&**inner)),
                    diagnostics: inner.problems.clone(),
                }),
                AttachmentContent::Bytes(b) => {
                    let ct = a
                        .mime_tag
                        .as_deref()
                        .map(|t| t.trim().to_ascii_lowercase())
                        .unwrap_or_default();
                    let h = hint(&ct, a.filename.as_deref())?;
                    classify(b.clone(), h, a.filename.clone(), ct, index, diags)
                }
                AttachmentContent::Ole | AttachmentContent::Missing => None,
            }
        }
    }
}

/// Decide from its bytes whether an attachment is a message.
fn classify<'p>(
    bytes: Vec<u8>,
    h: Hint,
    filename: Option<String>,
    content_type: String,
    index: u32,
    diags: &mut Vec<Diagnostic>,
) -> Option<Child<'p>> {
    let label = label(index, filename.as_deref(), &content_type);
    let child = |origin, kind, bytes, outlook, diagnostics| {
        Some(Child {
            filename: filename.clone(),
            content_type: content_type.clone(),
            origin,
            kind,
            bytes,
            outlook,
            diagnostics,
        })
    };
    if bytes.starts_with(msg::MAGIC) {
        return match msg::parse(&bytes) {
            Ok(m) => child(
                EmbeddedOrigin::MsgFile,
                SpanKind::OutlookMsg,
                bytes,
                Some(Cow::Owned(m)),
                Vec::new(),
            ),
            Err(e) => {
                if h != Hint::Generic {
                    diags.push(Diagnostic::warning(
                        DiagnosticKind::Other,
                        format!("{label} is an OLE compound file but not a readable Outlook message ({e}); not read as a message"),
                    ));
                }
                None
            }
        };
    }
    match h {
        Hint::Declared => {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                diags.push(Diagnostic::info(
                    DiagnosticKind::BadMime,
                    format!("{label} is declared a message but is empty"),
                ));
                return None;
            }
            if starts_with_header(&bytes) {
                return child(
                    EmbeddedOrigin::MessagePart,
                    SpanKind::Rfc822,
                    bytes,
                    None,
                    Vec::new(),
                );
            }
            if let Some((decoded, note)) = lenient_base64(&bytes) {
                if starts_with_header(&decoded) {
                    let d = Diagnostic::warning(
                        DiagnosticKind::BadEncoding,
                        format!("its base64 is damaged ({note}); it was decoded as far as it was valid ({} bytes)", decoded.len()),
                    );
                    return child(
                        EmbeddedOrigin::MessagePart,
                        SpanKind::Rfc822,
                        decoded,
                        None,
                        vec![d],
                    );
                }
            }
            diags.push(Diagnostic::warning(
                DiagnosticKind::BadMime,
                format!("{label} is declared a message but holds no header fields; not read as a message"),
            ));
            None
        }
        Hint::EmlName => {
            let head = bytes.get(..bytes.len().min(64 * 1024)).unwrap_or(&bytes);
            let sniffed = sniff(head, filename.as_deref().unwrap_or("x.eml"));
            if matches!(
                sniffed,
                Sniffed::Mail(SourceFormat::Eml | SourceFormat::Mbox)
            ) || starts_with_header(&bytes)
            {
                return child(
                    EmbeddedOrigin::EmlFile,
                    SpanKind::Rfc822,
                    bytes,
                    None,
                    Vec::new(),
                );
            }
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                diags.push(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!("{label} is named like a message but holds no header block; not read as a message"),
                ));
            }
            None
        }
        Hint::MsgName | Hint::Generic => {
            if looks_like_message(&bytes) {
                let origin = if h == Hint::Generic {
                    EmbeddedOrigin::SniffedFile
                } else {
                    EmbeddedOrigin::EmlFile
                };
                return child(origin, SpanKind::Rfc822, bytes, None, Vec::new());
            }
            if h == Hint::MsgName && !bytes.is_empty() {
                diags.push(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!("{label} is named or typed like an Outlook message but is neither an OLE compound file nor a mail message; not read as a message"),
                ));
            }
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Byte tests.

/// The first line (after a BOM and blank lines, and after an mbox `From ` line) is a header field.
fn starts_with_header(bytes: &[u8]) -> bool {
    let body = skip_bom_and_blank(bytes);
    let mut lines = body
        .split(|b| *b == b'\n' || *b == b'\r')
        .filter(|l| !l.is_empty());
    match lines.next() {
        Some(first) if first.starts_with(b"From ") && header_field_name(first).is_none() => {
            lines.next().is_some_and(|l| header_field_name(l).is_some())
        }
        Some(first) => header_field_name(first).is_some(),
        None => false,
    }
}

/// Header names of real mail; a generic attachment needs two of them (one of the first four) to be taken
/// for a message.
const MAIL_HEADERS: &[&str] = &[
    "from",
    "date",
    "message-id",
    "received",
    "to",
    "cc",
    "subject",
    "return-path",
    "mime-version",
    "sender",
    "reply-to",
    "in-reply-to",
    "references",
    "delivered-to",
];

/// Strict reading for attachments that do not say they are messages: a header block (before the first
/// blank line, at most 200 lines) holding at least two distinct well-known mail fields, one of them From,
/// Date, Message-ID or Received, and nothing that is not a header field before it.
fn looks_like_message(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(64 * 1024)).unwrap_or(bytes);
    if !matches!(
        sniff(head, ""),
        Sniffed::Mail(SourceFormat::Eml | SourceFormat::Mbox)
    ) {
        return false;
    }
    let body = skip_bom_and_blank(head);
    let mut seen: Vec<&str> = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').take(200).enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            continue;
        }
        if i == 0 && line.starts_with(b"From ") && header_field_name(line).is_none() {
            continue;
        }
        let Some(name) = header_field_name(line) else {
            return false;
        };
        if let Some(known) = MAIL_HEADERS
            .iter()
            .find(|h| name.eq_ignore_ascii_case(h.as_bytes()))
        {
            if !seen.contains(known) {
                seen.push(known);
            }
        }
    }
    seen.len() >= 2
        && seen
            .iter()
            .any(|h| MAIL_HEADERS.get(..4).unwrap_or_default().contains(h))
}

/// Decode base64 text that a strict decoder refused: characters outside the alphabet end it (after
/// whitespace is dropped), and a trailing partial group is decoded as far as it goes. `None` unless the
/// bytes are base64 text (alphabet, padding and whitespace only, at least one full group). Returns the
/// bytes and what was wrong.
fn lenient_base64(text: &[u8]) -> Option<(Vec<u8>, String)> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    if !text
        .iter()
        .all(|c| value(*c).is_some() || *c == b'=' || c.is_ascii_whitespace())
    {
        return None;
    }
    let chars: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let data_len = chars.iter().position(|c| *c == b'=').unwrap_or(chars.len());
    let data = chars.get(..data_len).unwrap_or_default();
    if data.len() < 4 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for group in data.chunks(4) {
        let mut acc = 0u32;
        for (k, c) in group.iter().enumerate() {
            acc |= value(*c).unwrap_or(0) << (18 - 6 * k as u32);
        }
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        let n = match group.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(bytes.get(..n).unwrap_or_default());
    }
    let note = if data.len() % 4 == 1 {
        format!(
            "{} base64 characters, one too many for whole bytes: the text is truncated",
            data.len()
        )
    } else if data.len() % 4 != 0 {
        format!(
            "{} base64 characters, not a multiple of four: the text is truncated",
            data.len()
        )
    } else if data_len < chars.len()
        && chars
            .get(data_len..)
            .is_some_and(|rest| rest.iter().any(|c| *c != b'='))
    {
        "padding in the middle of the text".to_string()
    } else {
        "the decoder refused it".to_string()
    };
    Some((out, note))
}

/// ASCII case-insensitive substring test.
fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(first) = needle.first() else {
        return true;
    };
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let tail = needle.get(1..).unwrap_or_default();
    memchr::memchr2_iter(lo, up, hay).any(|i| {
        hay.get(i + 1..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(tail))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{read_message, sha256_hex, summarize};

    /// A forward (as base64 message/rfc822) of a forward (7bit message/rfc822) of an original.
    fn forward_of_forward(crlf: bool) -> Vec<u8> {
        let original = "From: Carol <carol@example.org>\nTo: bob@example.net\nSubject: Budget 2024\nDate: Mon, 1 Jan 2024 09:00:00 +0100\nMessage-ID: <orig@example.org>\n\nThe numbers are final.\n";
        let first = format!(
            "From: Bob <bob@example.net>\nTo: alice@example.com\nSubject: Fwd: Budget 2024\nDate: Tue, 2 Jan 2024 10:00:00 +0100\nMessage-ID: <fwd1@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"inner\"\n\n--inner\nContent-Type: text/plain\n\nFYI\n--inner\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n{original}--inner--\n"
        );
        let first = if crlf {
            first.replace('\n', "\r\n")
        } else {
            first
        };
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(first.as_bytes());
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let outer = format!(
            "From: Alice <alice@example.com>\nTo: dave@example.com\nSubject: Fwd: Fwd: Budget 2024\nDate: Wed, 3 Jan 2024 11:00:00 +0100\nMessage-ID: <fwd2@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\nContent-Type: text/plain\n\nsee attached\n--outer\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--outer\nContent-Type: message/rfc822; name=\"Fwd: Budget 2024.eml\"\nContent-Transfer-Encoding: base64\n\n{}\n--outer--\n",
            wrapped.join("\n")
        );
        let outer = if crlf {
            outer.replace('\n', "\r\n")
        } else {
            outer
        };
        outer.into_bytes()
    }

    #[test]
    fn forward_of_a_forward_nests() {
        for crlf in [false, true] {
            let raw = forward_of_forward(crlf);
            let scan = embedded_messages(&raw);
            assert_eq!((scan.count, scan.messages.len()), (2, 1), "crlf {crlf}");
            let first = &scan.messages[0];
            assert_eq!(first.path, vec![1]);
            assert_eq!(first.origin, EmbeddedOrigin::MessagePart);
            assert_eq!(first.kind, SpanKind::Rfc822);
            assert_eq!(first.filename.as_deref(), Some("Fwd: Budget 2024.eml"));
            assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
            let s = summarize(&first.bytes);
            assert_eq!(
                (s.subject.as_str(), s.message_id.as_deref()),
                ("Fwd: Budget 2024", Some("<fwd1@example.net>"))
            );
            // The bytes are what the parent's attachment saves as, so hashes agree.
            assert_eq!(Some(first.bytes.clone()), attachment_bytes(&raw, 1));
            let parent_att = &read_message(&raw).attachments[1];
            assert_eq!(parent_att.sha256, sha256_hex(&first.bytes));
            let second = &first.children[0];
            assert_eq!(second.path, vec![1, 0]);
            assert!(second.children.is_empty());
            let s = summarize(&second.bytes);
            assert_eq!(
                (s.subject.as_str(), s.from.as_str()),
                ("Budget 2024", "Carol <carol@example.org>")
            );
            assert!(s.problems.is_empty(), "{:?}", s.problems);
            assert_eq!(
                read_message(&second.bytes).body.text.trim_end(),
                "The numbers are final."
            );
            assert_eq!(
                scan.total_bytes,
                (first.bytes.len() + second.bytes.len()) as u64
            );
            // Pre-order iteration and lookup by path give the same messages back.
            let paths: Vec<Vec<u32>> = scan.iter().map(|e| e.path.clone()).collect();
            assert_eq!(paths, [vec![1], vec![1, 0]]);
            for e in scan.iter() {
                let again = embedded_at(&raw, &e.path).expect("path resolves");
                assert_eq!(again.bytes, e.bytes);
                assert_eq!((again.origin, again.kind), (e.origin, e.kind));
            }
            assert_eq!(embedded_at(&raw, &[0]), None, "the PDF is no message");
            assert_eq!(embedded_at(&raw, &[1, 5]), None);
            assert_eq!(embedded_at(&raw, &[]), None);
        }
    }

    #[test]
    fn dedup_treats_embedded_bytes_like_any_message() {
        let raw = forward_of_forward(false);
        let scan = embedded_messages(&raw);
        let inner = &scan.messages[0].children[0];
        let standalone_same = inner.bytes.clone();
        let mut ix = crate::dedup::DedupIndex::default();
        let s = summarize(&raw);
        assert_eq!(
            ix.observe(0, &s.sha256, s.message_id.as_deref()),
            crate::dedup::Seen::New
        );
        let si = summarize(&inner.bytes);
        assert_eq!(
            ix.observe(1, &si.sha256, si.message_id.as_deref()),
            crate::dedup::Seen::New
        );
        // The same original found as a standalone .eml elsewhere: one message, two locations.
        let again = summarize(&standalone_same);
        assert_eq!(
            ix.observe(2, &again.sha256, again.message_id.as_deref()),
            crate::dedup::Seen::SameBytes { first: 1 }
        );
        // The original with a trailing newline (as saved to disk): same Message-ID, other bytes.
        let mut saved = inner.bytes.clone();
        saved.extend_from_slice(b"\n");
        let v = summarize(&saved);
        assert_eq!(
            ix.observe(3, &v.sha256, v.message_id.as_deref()),
            crate::dedup::Seen::Variant { of: vec![1] }
        );
    }

    #[test]
    fn truncated_and_damaged_embedded_messages() {
        // Base64 cut short in the middle of the inner message: decoded as far as it goes, reported.
        use base64::Engine as _;
        let inner = b"From: x@example.org\nSubject: cut short\nDate: Mon, 1 Jan 2024 09:00:00 +0000\n\nThis body is never finished because the transfer was cut";
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        let cut = b64.get(..b64.len() - 7).unwrap_or_default();
        let raw = format!("From: a@b\nSubject: outer\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{cut}\n--B--\n");
        let scan = embedded_messages(raw.as_bytes());
        assert_eq!(scan.count, 1);
        let e = &scan.messages[0];
        assert!(
            inner.starts_with(&e.bytes) && e.bytes.len() + 6 >= inner.len() - 5,
            "{}",
            String::from_utf8_lossy(&e.bytes)
        );
        assert_eq!(e.diagnostics.len(), 1);
        assert_eq!(e.diagnostics[0].kind, DiagnosticKind::BadEncoding);
        assert!(
            e.diagnostics[0].text.starts_with("its base64 is damaged ("),
            "{}",
            e.diagnostics[0].text
        );
        assert_eq!(summarize(&e.bytes).subject, "cut short");
        let all = scan.all_diagnostics();
        assert!(
            all[0]
                .text
                .starts_with("embedded message 1: its base64 is damaged"),
            "{}",
            all[0].text
        );

        // A message/rfc822 part cut inside its header block by the closing delimiter: still a message,
        // and the reader says its headers are truncated.
        let raw = b"From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: nested\nFrom: c@d\n--b--\n";
        let scan = embedded_messages(raw);
        assert_eq!(scan.count, 1);
        assert_eq!(scan.messages[0].bytes, b"Subject: nested\nFrom: c@d");
        let s = summarize(&scan.messages[0].bytes);
        assert_eq!(s.subject, "nested");
        assert!(
            s.problems
                .iter()
                .any(|p| p.kind == DiagnosticKind::TruncatedHeaders),
            "{:?}",
            s.problems
        );

        // Declared messages that hold none: reported on the parent, nothing extracted.
        let raw = b"From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nbm8gaGVhZGVycyBhdCBhbGw=\n--b\nContent-Type: message/rfc822\n\n\n--b--\n";
        let scan = embedded_messages(raw);
        assert_eq!(scan.count, 0);
        let texts: Vec<&str> = scan.diagnostics.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "attachment 1 (message/rfc822) is declared a message but holds no header fields; not read as a message",
                "attachment 2 (message/rfc822) is declared a message but is empty",
            ]
        );
    }

    #[test]
    fn eml_files_and_sniffed_attachments() {
        let inner = "From: x@example.org\r\nTo: y@example.org\r\nSubject: saved\r\nDate: Mon, 1 Jan 2024 09:00:00 +0000\r\n\r\nhello\r\n";
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        let notes =
            base64::engine::general_purpose::STANDARD.encode("Name: Bob\nAge: 42\n\nnot mail\n");
        let raw = format!(
            "From: a@b\nSubject: files\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/octet-stream; name=\"saved.EML\"\nContent-Transfer-Encoding: base64\n\n{b64}\n--b\nContent-Type: application/octet-stream; name=blob.bin\nContent-Transfer-Encoding: base64\n\n{b64}\n--b\nContent-Type: application/octet-stream; name=notes.bin\nContent-Transfer-Encoding: base64\n\n{notes}\n--b\nContent-Type: text/plain; name=notes.txt\n\nFrom: not@a.message\nDate: today\n\n--b--\n"
        );
        let scan = embedded_messages(raw.as_bytes());
        let got: Vec<(Vec<u32>, EmbeddedOrigin)> =
            scan.iter().map(|e| (e.path.clone(), e.origin)).collect();
        assert_eq!(
            got,
            [
                (vec![0], EmbeddedOrigin::EmlFile),
                (vec![1], EmbeddedOrigin::SniffedFile)
            ]
        );
        assert!(scan.iter().all(|e| e.bytes == inner.as_bytes()));
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        assert!(!may_contain_embedded(
            b"From: a@b\nSubject: x\nContent-Type: text/plain\n\nhello\n"
        ));
        assert!(may_contain_embedded(b"Content-Type: MESSAGE/RFC822\n"));
    }

    #[test]
    fn digests_and_caps() {
        let mut raw = String::from("From: list@example.org\nSubject: digest\nContent-Type: multipart/digest; boundary=D\n\n");
        for i in 0..5 {
            raw.push_str(&format!(
                "--D\n\nFrom: m{i}@example.org\nSubject: entry {i}\n\nbody {i}\n"
            ));
        }
        raw.push_str("--D--\n");
        let scan = embedded_messages(raw.as_bytes());
        let subjects: Vec<String> = scan.iter().map(|e| summarize(&e.bytes).subject).collect();
        assert_eq!(
            subjects,
            ["entry 0", "entry 1", "entry 2", "entry 3", "entry 4"]
        );
        let limits = EmbeddedLimits {
            max_messages: 3,
            ..EmbeddedLimits::default()
        };
        let scan = embedded_messages_with(raw.as_bytes(), None, &limits);
        assert_eq!(scan.count, 3);
        assert_eq!(scan.diagnostics.len(), 1, "{:?}", scan.diagnostics);
        assert!(scan.diagnostics[0].text.starts_with(
            "attachment 4 (message/rfc822) and any later embedded messages are not extracted"
        ));
        let size = scan.messages[0].bytes.len() as u64;
        let limits = EmbeddedLimits {
            max_total_bytes: size * 2,
            ..EmbeddedLimits::default()
        };
        let scan = embedded_messages_with(raw.as_bytes(), None, &limits);
        assert_eq!((scan.count, scan.diagnostics.len()), (2, 3));
        assert_eq!(
            scan.diagnostics[0].text,
            format!("attachment 3 (message/rfc822) ({size} bytes) is not read as a message: the embedded messages of this message would exceed {} bytes in all", size * 2)
        );
        // Depth: a forward of a forward with depth 1 keeps only the outer forward.
        let fwd = forward_of_forward(false);
        let limits = EmbeddedLimits {
            max_depth: 1,
            ..EmbeddedLimits::default()
        };
        let scan = embedded_messages_with(&fwd, None, &limits);
        assert_eq!(scan.count, 1);
        let d = &scan.messages[0].diagnostics;
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "attachment 1 (message/rfc822) is a message nested 2 levels deep; messages nested more than 1 level(s) deep are not extracted");
    }

    #[test]
    fn a_whole_message_that_is_a_message_part() {
        // The body of the top message is itself message/rfc822 (attachment 0), nested twice, encoded.
        let raw = b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nQ29udGVudC1UeXBlOiBtZXNzYWdlL3JmYzgyMgoKU3ViamVjdDogaW5uZXIKCmJvZHkK\n";
        let scan = embedded_messages(raw);
        let got: Vec<(Vec<u32>, String)> = scan
            .iter()
            .map(|e| (e.path.clone(), summarize(&e.bytes).subject))
            .collect();
        assert_eq!(
            got,
            [(vec![0], String::new()), (vec![0, 0], "inner".to_string())]
        );
        assert_eq!(
            scan.messages[0].children[0].bytes,
            b"Subject: inner\n\nbody\n"
        );
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        for raw in [
            &b""[..],
            b"\r\r",
            b"Content-Type: message/rfc822\n\n",
            b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n====\n",
            b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nQQ\n",
            b"Content-Type: application/octet-stream; name=x.msg\n\n\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1junk",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        ] {
            let scan = embedded_messages(raw);
            for e in scan.iter() {
                let _ = summarize(&e.bytes);
            }
            let _ = embedded_at(raw, &[0, 0, 0]);
        }
        assert_eq!(lenient_base64(b"QUJD").map(|r| r.0), Some(b"ABC".to_vec()));
        assert_eq!(
            lenient_base64(b"QUJDRA").map(|r| r.0),
            Some(b"ABCD".to_vec())
        );
        assert_eq!(lenient_base64(b"no: colon"), None);
        assert!(contains_ignore_case(
            b"xx Message/RFC822",
            b"message/rfc822"
        ));
        assert!(!contains_ignore_case(b"message/rfc82", b"message/rfc822"));
    }
}
