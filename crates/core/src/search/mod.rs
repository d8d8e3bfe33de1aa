//! Full-text search over an archive: an in-memory inverted index built message by message while the worker
//! ingests, a Gmail/Thunderbird-style query language, filters and facets.
//!
//! - [`Doc`] is what the caller hands over per message (plain struct; [`Doc::from_detail`] and
//!   [`Doc::from_raw`] fill it from [`crate::message`]).
//! - [`SearchIndex`]: [`add`](SearchIndex::add) messages with increasing ids,
//!   [`set_tags`](SearchIndex::set_tags) / [`set_keyword`](SearchIndex::set_keyword) at any time,
//!   [`search`](SearchIndex::search) a parsed [`Query`], [`facets`](SearchIndex::facets) of the hits,
//!   [`highlight_terms`](SearchIndex::highlight_terms) + [`tokenize::highlight_ranges`] to mark matches,
//!   [`memory_bytes`](SearchIndex::memory_bytes), [`shrink_to_fit`](SearchIndex::shrink_to_fit) after the
//!   last add of an ingest.
//! - [`query`] parses the query language (see its table) into [`Query`] or a [`QueryError`] that explains
//!   itself; [`tokenize`] is the one tokenizer both sides use (folding, CJK bigrams, e-mail addresses).
//!
//! ```
//! use leakloupe_core::search::{Addr, Doc, FacetKind, SearchIndex, parse};
//! let mut index = SearchIndex::new();
//! let doc = Doc {
//!     subject: "Réunion budget".into(),
//!     from: vec![Addr::new("Hervé Dupont", "herve@example.fr")],
//!     body: "Le budget de janvier est prêt.".into(),
//!     date: Some(1_500_000_000),
//!     ..Doc::default()
//! };
//! index.add(0, &doc).unwrap();
//! index.set_keyword(0, "dkim", "pass").unwrap();
//! let q = parse("from:herve reunion \"budget de janvier\" dkim:pass after:2017").unwrap();
//! assert_eq!(index.search(&q).ids(), &[0]);
//! let hits = index.search(&parse("").unwrap());
//! assert_eq!(index.facets(&hits, FacetKind::SenderDomains), [("example.fr".to_string(), 1)]);
//! ```
//!
//! # Why an own index (and not a crate)
//!
//! Evaluated (versions current on crates.io when this was written), against the needs: wasm32 without
//! threads or a filesystem, incremental adds during ingest, positional phrases, boolean AND/OR/NOT, per-field
//! search, updatable tags and keyword fields, facets, never panicking, small memory:
//!
//! - **tantivy 0.25** (0.27 is newer but needs rustc 1.88, above our 1.85): even with
//!   `default-features = false` it pulls 113 crates on wasm32 (`cargo tree --target wasm32-unknown-unknown`),
//!   among them rayon, crossbeam and uuid → getrandom 0.2, which refuses to compile for
//!   `wasm32-unknown-unknown` without its `js` feature (a web crate in the core); its `IndexWriter` indexes on
//!   spawned threads, which wasm32-unknown-unknown does not have. Out.
//! - **probly-search 2.0.1**: pure Rust (hashbrown + typed-generational-arena), builds for wasm32, but it is
//!   a BM25-ranked *OR* engine: no positions (so no phrases), no AND/NOT, no per-document structured fields,
//!   `unwrap()`s on its own invariants, and a trie node per term character. Measured in
//!   `benches/search.rs` on the same 20,000 synthetic messages (subject + body, 45.8 MB of text, native,
//!   release profile): probly-search builds in 5.2 s and grows the process by 792 MB, a one-word query
//!   takes 31 ms; this index builds in 1.2 s into 17 MB (`memory_bytes`; RSS +17 MB) and answers the same
//!   query (same 9,504 hits) in 0.2 ms. It would cover only the plain-word part of the job, at 45× the
//!   memory.
//! - **fst 0.4.7**: an excellent *immutable* sorted set/map (great for a frozen term dictionary, prefix and
//!   fuzzy lookups), but it must be built from sorted keys in one go — no incremental adds while ingesting
//!   — and it holds no postings. Kept in mind for a later "freeze after ingest" step if the dictionary ever
//!   dominates memory (it does not: see the bench).
//!
//! So: an own inverted index (`postings.rs`): a hash-addressed term dictionary over a byte arena and two
//! bit streams per (field, term) — document gaps, and frequencies with positions, so word queries decode
//! nothing else — Rice-coded with parameters both sides derive from what is already written (the gaps'
//! from the term's mean gap, the positions' from the field's length in that message), kept in the
//! dictionary entry while small, then in one extent of a paged pool shared by both streams, then in
//! chains of blocks; queries evaluate to bitsets over internal document numbers. The only new dependency
//! is `unicode-normalization` (canonical decomposition for diacritic folding).
//!
//! # Memory
//!
//! [`SearchIndex::memory_bytes`] counts allocated capacity; [`SearchIndex::memory_report`] splits it.
//! Measured against the raw input (message bytes: headers, bodies, text attachments), native, release:
//!
//! - `benches/search.rs`, 200,000 synthetic messages (580.5 MB of raw text: a 260-byte header estimate,
//!   bodies, text attachments; binary attachments left out), 464,000 terms: **165.5 MB, 28.5%** after
//!   [`SearchIndex::shrink_to_fit`] (168.8 MB, 29.1% as built); the varint index it replaced took 272.2 MB
//!   (46.9%). Coded postings are 130 MB (document gaps 43 MB; frequencies and positions 87 MB, near the
//!   entropy of positions drawn uniformly in each message), 128.5 MB of it in the pool and the rest inline;
//!   then the dictionary 19.3 MB (28-byte entries: 61% of the terms occur in one message, 76% stay inline),
//!   the pool's slack and the field lengths 8.9 MB (extent tails, free extents, chain pointers), columns
//!   8.7 MB, keywords 0.1 MB. Build time unchanged (about 20 s; +3% CPU). Frequent words and boolean
//!   queries are 17–25% faster (fewer bytes to read), `dkim:fail tag:important` 60% (bitmap keyword sets);
//!   short lists and CJK phrases 10–40 µs slower (a few ns more per document to decode bits); the phrase
//!   "quarterly report" 5.3 ms either way; p95 over the bench queries 5.3 ms (was 5.2 ms).
//! - `memory_tests.rs`, the bench's generator (`benches/common/synth.rs`) scaled down 20 times in every
//!   dimension (10,000 messages, 26.5 MB of raw text by the same estimate): 28.6% (30.2% as built); the test
//!   asserts at most 30%.
//! - `tests/corpus_search.rs`, the 381 messages of the corpus's eml, emlx, maildir and mbox folders (0.94 MB):
//!   32.6% of the raw bytes (was 84.2%). They are parser fixtures — 14 new terms per message, where an
//!   archive adds a few — so the fixed cost per term (about 40 bytes) weighs more than in an archive.

pub mod eval;
pub mod index;
#[cfg(test)]
mod memory_tests;
pub(crate) mod postings;
pub mod query;
pub mod tokenize;

pub use eval::{FacetKind, Hits};
pub use index::{IndexError, SearchIndex, MAX_TEXT_BYTES_PER_PART};
pub use query::{parse, parse_with_keywords, Node, Query, QueryError, TextField};

use crate::message::{attachment_bytes, read_message, BodySource, MessageDetail};

/// One address: display name and address (either may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addr {
    /// Display name, e.g. "Hervé Dupont".
    pub name: String,
    /// Address, e.g. "herve@example.fr".
    pub address: String,
}

impl Addr {
    /// An address from its parts.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Self {
        Addr {
            name: name.into(),
            address: address.into(),
        }
    }

    /// The addresses of a decoded header value such as "Doug <doug@example.com>, b@example.org" (groups are
    /// flattened). Never fails: what cannot be read as an address is kept as a name.
    pub fn parse_list(s: &str) -> Vec<Addr> {
        if s.trim().is_empty() {
            return Vec::new();
        }
        if let Ok(list) = mailparse::addrparse(s) {
            let out = from_mail_addrs(&list);
            if !out.is_empty() {
                return out;
            }
        }
        split_addresses(s)
    }
}

/// The addresses of header `name`, read from the raw header fields (the comma-joined decoded string loses the
/// quotes of names like "Smith, Alice"); `joined` when the message has no such field (e.g. Outlook `.msg`).
fn header_addrs(d: &MessageDetail, name: &str, joined: &str) -> Vec<Addr> {
    let mut out = Vec::new();
    let mut seen = false;
    for h in d
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
    {
        seen = true;
        let line = format!("{name}: {}\r\n", h.raw);
        let parsed = mailparse::parse_header(line.as_bytes())
            .ok()
            .and_then(|(hdr, _)| mailparse::addrparse_header(&hdr).ok())
            .filter(|l| !l.is_empty());
        match parsed {
            Some(list) => out.extend(from_mail_addrs(&list)),
            None => out.extend(Addr::parse_list(&h.decoded)),
        }
    }
    if !seen {
        return Addr::parse_list(joined);
    }
    out
}

fn from_mail_addrs(list: &[mailparse::MailAddr]) -> Vec<Addr> {
    let mut out = Vec::new();
    for a in list {
        match a {
            mailparse::MailAddr::Single(i) => out.push(Addr::new(
                i.display_name.clone().unwrap_or_default(),
                i.addr.clone(),
            )),
            mailparse::MailAddr::Group(g) => {
                for i in &g.addrs {
                    out.push(Addr::new(
                        i.display_name.clone().unwrap_or_default(),
                        i.addr.clone(),
                    ));
                }
            }
        }
    }
    out
}

/// Addresses from a comma-joined display string ("A <a@x>, b@y"), best effort (quoted commas may
/// split a name). For callers that only have a summary's `from`/`to`.
pub fn parse_addr_list(s: &str) -> Vec<Addr> {
    split_addresses(s)
}

/// Tolerant fallback for lists mailparse refuses: split on commas outside quotes and angle brackets.
fn split_addresses(s: &str) -> Vec<Addr> {
    let mut pieces = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                pieces.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(s.get(start..).unwrap_or_default());
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match (p.rfind('<'), p.rfind('>')) {
            (Some(l), Some(r)) if l < r => Addr::new(
                p.get(..l)
                    .unwrap_or_default()
                    .trim()
                    .trim_matches('"')
                    .trim(),
                p.get(l + 1..r).unwrap_or_default().trim(),
            ),
            _ if p.contains('@') => Addr::new("", p),
            _ => Addr::new(p.trim_matches('"'), ""),
        })
        .collect()
}

/// One attachment as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocAttachment {
    /// File name ("" if none).
    pub filename: String,
    /// MIME type, e.g. "application/pdf".
    pub content_type: String,
    /// Text to index (text/* attachments; "" otherwise).
    pub text: String,
}

/// What the index takes from one message; the caller fills it (see [`Doc::from_detail`], [`Doc::from_raw`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Subject.
    pub subject: String,
    /// Senders (usually one; the first with an address is "the sender" for facets).
    pub from: Vec<Addr>,
    /// To recipients.
    pub to: Vec<Addr>,
    /// Cc recipients.
    pub cc: Vec<Addr>,
    /// Bcc recipients.
    pub bcc: Vec<Addr>,
    /// Plain body text.
    pub body: String,
    /// Text extracted from the HTML body (the caller converts it).
    pub html_text: String,
    /// Attachments; a non-empty list makes `has:attachment`.
    pub attachments: Vec<DocAttachment>,
    /// Date, unix seconds UTC.
    pub date: Option<i64>,
    /// Message size in bytes.
    pub size: u64,
    /// Whether the message has an HTML body (`has:html`).
    pub has_html: bool,
}

impl Doc {
    /// The document of a read message. Attachment texts are left empty ([`Doc::from_raw`] fills them).
    /// `has_html` is set when the body came from HTML, an attachment is text/html, or the top-level
    /// Content-Type is multipart/alternative (which in practice carries an HTML part).
    pub fn from_detail(d: &MessageDetail) -> Doc {
        let s = &d.summary;
        let html_body = d.body.source == BodySource::HtmlAsText;
        let alternative = d.headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("content-type")
                && h.decoded
                    .to_ascii_lowercase()
                    .contains("multipart/alternative")
        });
        Doc {
            subject: s.subject.clone(),
            from: header_addrs(d, "From", &s.from),
            to: header_addrs(d, "To", &s.to),
            cc: header_addrs(d, "Cc", &d.cc),
            bcc: header_addrs(d, "Bcc", &d.bcc),
            body: if html_body {
                String::new()
            } else {
                d.body.text.clone()
            },
            html_text: if html_body {
                d.body.text.clone()
            } else {
                String::new()
            },
            attachments: d
                .attachments
                .iter()
                .map(|a| DocAttachment {
                    filename: a.filename.clone().unwrap_or_default(),
                    content_type: a.content_type.clone(),
                    text: String::new(),
                })
                .collect(),
            date: s.date.map(|d| d.utc_unix),
            size: s.size,
            has_html: html_body
                || alternative
                || d.attachments.iter().any(|a| a.content_type == "text/html"),
        }
    }

    /// Read `raw` (one message, as [`read_message`] takes it) into a document, including the text of its
    /// text/* attachments up to [`MAX_TEXT_BYTES_PER_PART`] each (HTML ones converted to text). Never panics.
    pub fn from_raw(raw: &[u8]) -> Doc {
        Doc::from_raw_and_detail(raw, &read_message(raw))
    }

    /// [`Doc::from_raw`] for a caller that has already read the message (`detail` must be
    /// `read_message(raw)`): the message is not parsed a second time.
    pub fn from_raw_and_detail(raw: &[u8], detail: &MessageDetail) -> Doc {
        let mut doc = Doc::from_detail(detail);
        for (a, info) in doc.attachments.iter_mut().zip(&detail.attachments) {
            let t = info.content_type.as_str();
            if !t.starts_with("text/") || info.size > MAX_TEXT_BYTES_PER_PART as u64 {
                continue;
            }
            let Some(bytes) = attachment_bytes(raw, info.index) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            a.text = if t == "text/html" {
                crate::message::html_to_text(&text, &mut Vec::new())
            } else {
                text
            };
        }
        doc
    }
}
