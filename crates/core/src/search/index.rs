//! [`SearchIndex`]: what is stored per message (the inverted index plus columns for filters and facets), and
//! the caller-managed keyword fields (tags, DKIM results, findings).

use std::collections::HashMap;
use std::fmt;

use super::postings::{Postings, FIRST_DOCS_ONLY_FIELD};
use super::query::{parse_with_keywords, Query, QueryError, TextField, FIELD_NAMES};
use super::tokenize::{fold, tokenize, Mode};
use super::{Addr, Doc};

/// Field number of sender/recipient domains (after the text fields; documents only, no positions).
pub(crate) const FIELD_DOMAIN: u8 = FIRST_DOCS_ONLY_FIELD;
/// Field number of attachment MIME types (documents only).
pub(crate) const FIELD_TYPE: u8 = FIRST_DOCS_ONLY_FIELD + 1;
/// Positions left empty between two parts of one field (two addresses, body and HTML text, …), so a phrase
/// never spans them.
const PART_GAP: u32 = 16;
/// Only the first this many bytes of each text part (body, HTML text, one attachment's text) are indexed.
pub const MAX_TEXT_BYTES_PER_PART: usize = 1 << 20;

pub(crate) const FLAG_ATTACHMENT: u8 = 1;
pub(crate) const FLAG_HTML: u8 = 2;
pub(crate) const NONE: u32 = u32::MAX;

/// Why [`SearchIndex::add`] or a keyword setter refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// Ids must be added in increasing order.
    OutOfOrder {
        /// The id refused.
        id: u32,
        /// The last id added.
        last: u32,
    },
    /// No message with this id was added.
    UnknownId(u32),
    /// A keyword name must be a letter then letters, digits, '-' or '_', and not a built-in field.
    BadKeywordName(String),
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::OutOfOrder { id, last } => write!(
                f,
                "message id {id} was added after id {last}: ids must be added in increasing order"
            ),
            IndexError::UnknownId(id) => write!(f, "no message with id {id} is in the search index"),
            IndexError::BadKeywordName(n) => write!(
                f,
                "'{n}' cannot be a keyword name: use a letter then letters, digits, '-' or '_', and not a built-in field name"
            ),
        }
    }
}

impl std::error::Error for IndexError {}

/// Strings numbered in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: HashMap<Box<str>, u32>,
    pub(crate) names: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(NONE);
        self.map.insert(s.into(), id);
        self.names.push(s.into());
        id
    }

    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.names.get(i))
            .map_or("", |b| b)
    }

    fn memory_bytes(&self) -> usize {
        // Two copies of each string, a map entry and a vector slot each, plus table slack.
        self.names.iter().map(|n| 2 * n.len()).sum::<usize>()
            + self.map.capacity() * 28
            + self.names.capacity() * 16
    }
}

/// The documents that have one keyword value: a sorted list while small, a bitmap once the list would be
/// larger than a bitmap of the whole index.
#[derive(Debug, Clone)]
pub(crate) enum DocSet {
    /// Internal document numbers, increasing.
    List(Vec<u32>),
    /// Bit `d` set for document `d`.
    Bits(Vec<u64>),
}

impl Default for DocSet {
    fn default() -> Self {
        DocSet::List(Vec::new())
    }
}

impl DocSet {
    /// Add document `d` of an index of `n` documents.
    fn insert(&mut self, d: u32, n: usize) {
        let Ok(i) = usize::try_from(d) else {
            return;
        };
        match self {
            DocSet::List(list) => {
                if let Err(at) = list.binary_search(&d) {
                    list.insert(at, d);
                }
                // A list costs 32 bits per document, a bitmap one bit per document of the index.
                if list.len() * 32 > n.max(i + 1).max(1024) {
                    let mut words = vec![0u64; n.max(i + 1).div_ceil(64)];
                    for &x in list.iter() {
                        if let Some(w) = usize::try_from(x).ok().and_then(|x| words.get_mut(x / 64))
                        {
                            *w |= 1 << (x % 64);
                        }
                    }
                    *self = DocSet::Bits(words);
                }
            }
            DocSet::Bits(words) => {
                if words.len() <= i / 64 {
                    words.resize(i / 64 + 1, 0);
                }
                if let Some(w) = words.get_mut(i / 64) {
                    *w |= 1 << (i % 64);
                }
            }
        }
    }

    fn remove(&mut self, d: u32) {
        match self {
            DocSet::List(list) => {
                if let Ok(at) = list.binary_search(&d) {
                    list.remove(at);
                }
            }
            DocSet::Bits(words) => {
                if let Some(w) = usize::try_from(d).ok().and_then(|i| words.get_mut(i / 64)) {
                    *w &= !(1 << (d % 64));
                }
            }
        }
    }

    /// Call `f` with each document, increasing.
    pub(crate) fn for_each(&self, mut f: impl FnMut(u32)) {
        match self {
            DocSet::List(list) => list.iter().for_each(|&d| f(d)),
            DocSet::Bits(words) => {
                for (i, &w) in words.iter().enumerate() {
                    let mut w = w;
                    while w != 0 {
                        let d = u32::try_from(i * 64)
                            .unwrap_or(NONE)
                            .saturating_add(w.trailing_zeros());
                        f(d);
                        w &= w - 1;
                    }
                }
            }
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            DocSet::List(v) => v.shrink_to_fit(),
            DocSet::Bits(v) => v.shrink_to_fit(),
        }
    }

    fn memory_bytes(&self) -> usize {
        match self {
            DocSet::List(v) => v.capacity() * 4,
            DocSet::Bits(v) => v.capacity() * 8,
        }
    }
}

/// One keyword name (e.g. "dkim"): its values and which messages have them.
#[derive(Debug, Default)]
pub(crate) struct KeywordField {
    /// Folded values.
    pub(crate) values: Interner,
    /// The value as first given (for facets).
    pub(crate) display: Vec<String>,
    /// Per value: internal document numbers.
    pub(crate) docs: Vec<DocSet>,
}

impl KeywordField {
    fn memory_bytes(&self) -> usize {
        self.values.memory_bytes()
            + self.display.capacity() * std::mem::size_of::<String>()
            + self.display.iter().map(String::capacity).sum::<usize>()
            + self.docs.capacity() * std::mem::size_of::<DocSet>()
            + self.docs.iter().map(DocSet::memory_bytes).sum::<usize>()
    }

    fn shrink_to_fit(&mut self) {
        self.display.shrink_to_fit();
        self.docs.shrink_to_fit();
        for d in &mut self.docs {
            d.shrink_to_fit();
        }
    }
}

/// The search index of one archive (see the [module docs](super)).
#[derive(Debug, Default)]
pub struct SearchIndex {
    pub(crate) postings: Postings,
    /// External id per internal document number (increasing).
    pub(crate) ids: Vec<u32>,
    /// Date (unix seconds, UTC) or `i64::MIN`.
    pub(crate) dates: Vec<i64>,
    /// Sizes; [`u32::MAX`] means "in `big_sizes`".
    pub(crate) sizes: Vec<u32>,
    /// (document, size) of the messages of 4 GiB or more, documents increasing.
    pub(crate) big_sizes: Vec<(u32, u64)>,
    pub(crate) flags: Vec<u8>,
    /// Sender address number or [`NONE`].
    pub(crate) sender: Vec<u32>,
    /// Recipient address numbers (To, Cc, Bcc; no duplicates), document `d` at `recip_at[d]..recip_at[d+1]`.
    pub(crate) recipients: Vec<u32>,
    pub(crate) recip_at: Vec<u32>,
    /// Attachment type numbers (no duplicates), like `recipients`.
    pub(crate) types: Vec<u32>,
    pub(crate) types_at: Vec<u32>,
    /// Lower-case addresses, their domain numbers, domains, attachment types.
    pub(crate) addresses: Interner,
    pub(crate) address_domain: Vec<u32>,
    pub(crate) domains: Interner,
    pub(crate) type_names: Interner,
    /// Keyword fields by name ("tag" holds the tags).
    pub(crate) keywords: Vec<KeywordField>,
    pub(crate) keyword_names: Interner,
    /// Scratch: (term, position) of the document being added.
    scratch: Vec<(u32, u32)>,
    /// The months facet counts months `month_base..month_base + month_span` (`year * 12 + month0`) of
    /// years 1 to 9999, the range the dates added so far cover.
    pub(crate) month_base: u32,
    pub(crate) month_span: u32,
    /// Facet counts over every document, for broad queries (see `facet_counts` in eval.rs).
    pub(crate) facet_totals: std::sync::Mutex<FacetTotals>,
}

/// Facet counts over all documents, valid while the index has `docs` documents (what facets count is
/// fixed when a document is added; tags are counted another way).
#[derive(Debug, Default)]
pub(crate) struct FacetTotals {
    pub(crate) docs: usize,
    /// Senders, recipients, sender domains, attachment types, months.
    pub(crate) kinds: [Option<Vec<u32>>; 5],
}

/// Month keys the months facet counts: years 1 to 9999.
const MONTHS_COUNTED: std::ops::Range<u32> = 12..120_000;

impl SearchIndex {
    /// An empty index.
    pub fn new() -> Self {
        SearchIndex::default()
    }

    /// Number of messages indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no message is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the index ran out of its 4 GiB address space: messages are still added (filters, facets), but
    /// new terms are no longer searchable.
    pub fn is_full(&self) -> bool {
        self.postings.full
    }

    /// Number of distinct (field, term) pairs.
    pub fn term_count(&self) -> u32 {
        self.postings.len()
    }

    /// Index message `id` (ids must increase from call to call; gaps are fine). Never panics.
    pub fn add(&mut self, id: u32, doc: &Doc) -> Result<(), IndexError> {
        if let Some(&last) = self.ids.last() {
            if id <= last {
                return Err(IndexError::OutOfOrder { id, last });
            }
        }
        let internal = u32::try_from(self.ids.len()).map_err(|_| IndexError::UnknownId(id))?;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let fields: [(TextField, Vec<&str>); 8] = [
            (TextField::Subject, vec![doc.subject.as_str()]),
            (TextField::From, Vec::new()),
            (TextField::To, Vec::new()),
            (TextField::Cc, Vec::new()),
            (TextField::Bcc, Vec::new()),
            (TextField::Body, vec![clip(&doc.body), clip(&doc.html_text)]),
            (
                TextField::Filename,
                doc.attachments
                    .iter()
                    .map(|a| a.filename.as_str())
                    .collect(),
            ),
            (
                TextField::AttachmentText,
                doc.attachments.iter().map(|a| clip(&a.text)).collect(),
            ),
        ];
        let mut lengths = [0u32; 8];
        for (field, parts) in &fields {
            let f = field.index();
            let addrs: &[Addr] = match field {
                TextField::From => &doc.from,
                TextField::To => &doc.to,
                TextField::Cc => &doc.cc,
                TextField::Bcc => &doc.bcc,
                _ => &[],
            };
            let mut base = 0u32;
            let mut add_part = |text: &str, base: &mut u32, scratch: &mut Vec<(u32, u32)>| {
                let b = *base;
                let used = tokenize(text, Mode::Index, &mut |term, offset, _| {
                    if let Some(t) = self.postings.intern(f, term) {
                        scratch.push((t, b.saturating_add(offset)));
                    }
                });
                *base = base.saturating_add(used).saturating_add(PART_GAP);
            };
            for part in parts {
                add_part(part, &mut base, &mut scratch);
            }
            for a in addrs {
                add_part(&a.name, &mut base, &mut scratch);
                add_part(&a.address, &mut base, &mut scratch);
            }
            if let Some(l) = lengths.get_mut(usize::from(f)) {
                *l = base.saturating_sub(PART_GAP);
            }
        }
        self.postings.set_lengths(internal, &lengths);
        // Structured columns.
        let mut flags = 0u8;
        if !doc.attachments.is_empty() {
            flags |= FLAG_ATTACHMENT;
        }
        if doc.has_html {
            flags |= FLAG_HTML;
        }
        let sender = doc
            .from
            .iter()
            .find(|a| !a.address.trim().is_empty())
            .map_or(NONE, |a| self.address(&a.address));
        let mut recips: Vec<u32> = doc
            .to
            .iter()
            .chain(&doc.cc)
            .chain(&doc.bcc)
            .filter(|a| !a.address.trim().is_empty())
            .map(|a| self.address(&a.address))
            .collect();
        recips.sort_unstable();
        recips.dedup();
        // Domains: every sender/recipient domain, its parent domains and its labels.
        let mut domain_terms: Vec<String> = Vec::new();
        for a in doc
            .from
            .iter()
            .chain(&doc.to)
            .chain(&doc.cc)
            .chain(&doc.bcc)
        {
            let Some((_, d)) = a.address.trim().rsplit_once('@') else {
                continue;
            };
            let d = fold(d.trim_end_matches('.'));
            let labels: Vec<&str> = d.split('.').filter(|l| !l.is_empty()).collect();
            for k in 0..labels.len() {
                if let (Some(suffix), Some(label)) = (labels.get(k..), labels.get(k)) {
                    domain_terms.push(suffix.join("."));
                    domain_terms.push((*label).to_string());
                }
            }
        }
        let mut type_ids: Vec<u32> = Vec::new();
        let mut type_terms: Vec<String> = Vec::new();
        for a in &doc.attachments {
            let t = fold(a.content_type.trim());
            if t.is_empty() {
                continue;
            }
            type_ids.push(self.type_names.intern(&t));
            if let Some((main, sub)) = t.split_once('/') {
                type_terms.push(main.to_string());
                type_terms.push(sub.to_string());
            }
            type_terms.push(t);
        }
        type_ids.sort_unstable();
        type_ids.dedup();
        for (f, terms) in [(FIELD_DOMAIN, &domain_terms), (FIELD_TYPE, &type_terms)] {
            for (k, t) in terms.iter().enumerate() {
                if let Some(id) = self.postings.intern(f, t) {
                    scratch.push((id, u32::try_from(k).unwrap_or(NONE)));
                }
            }
        }
        // Postings: group by term, positions ascending.
        scratch.sort_unstable();
        scratch.dedup();
        let mut positions: Vec<u32> = Vec::new();
        let mut k = 0;
        while let Some(&(term, _)) = scratch.get(k) {
            positions.clear();
            while let Some(&(t, p)) = scratch.get(k) {
                if t != term {
                    break;
                }
                positions.push(p);
                k += 1;
            }
            self.postings.append(term, internal, &positions);
        }
        self.scratch = scratch;
        self.ids.push(id);
        self.dates.push(doc.date.unwrap_or(i64::MIN));
        if let Some(m) = doc.date.map(month_key).filter(|m| MONTHS_COUNTED.contains(m)) {
            if self.month_span == 0 {
                (self.month_base, self.month_span) = (m, 1);
            } else if m < self.month_base {
                self.month_span += self.month_base - m;
                self.month_base = m;
            } else if m >= self.month_base + self.month_span {
                self.month_span = m - self.month_base + 1;
            }
        }
        match u32::try_from(doc.size).ok().filter(|s| *s != u32::MAX) {
            Some(s) => self.sizes.push(s),
            None => {
                self.sizes.push(u32::MAX);
                self.big_sizes.push((internal, doc.size));
            }
        }
        self.flags.push(flags);
        self.sender.push(sender);
        self.recipients.extend_from_slice(&recips);
        self.types.extend_from_slice(&type_ids);
        if self.recip_at.is_empty() {
            self.recip_at.push(0);
            self.types_at.push(0);
        }
        self.recip_at
            .push(u32::try_from(self.recipients.len()).unwrap_or(NONE));
        self.types_at
            .push(u32::try_from(self.types.len()).unwrap_or(NONE));
        Ok(())
    }

    fn address(&mut self, address: &str) -> u32 {
        let a = fold(address.trim());
        let before = self.addresses.names.len();
        let id = self.addresses.intern(&a);
        if self.addresses.names.len() > before {
            let domain = a.rsplit_once('@').map_or("", |(_, d)| d);
            let d = self.domains.intern(domain);
            self.address_domain.push(d);
        }
        id
    }

    /// Internal document number of message `id`.
    pub(crate) fn internal(&self, id: u32) -> Option<u32> {
        self.ids
            .binary_search(&id)
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Replace the tags of message `id` (matched by `tag:`/`label:` case- and accent-insensitively).
    pub fn set_tags(&mut self, id: u32, tags: &[String]) -> Result<(), IndexError> {
        let values: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.set_keywords(id, "tag", &values)
    }

    /// Set keyword `name` of message `id` to the single `value` (replacing what it had), e.g.
    /// `set_keyword(7, "dkim", "pass")` so that `dkim:pass` finds message 7.
    pub fn set_keyword(&mut self, id: u32, name: &str, value: &str) -> Result<(), IndexError> {
        self.set_keywords(id, name, &[value])
    }

    /// Set keyword `name` of message `id` to these values (replacing what it had; none clears it), e.g.
    /// several findings: `finding:late-date` and `finding:bcc-leak` both find it.
    pub fn set_keywords(&mut self, id: u32, name: &str, values: &[&str]) -> Result<(), IndexError> {
        let lname = name.trim().to_ascii_lowercase();
        let valid = lname
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && lname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && (lname == "tag" || !FIELD_NAMES.contains(&lname.as_str()));
        if !valid {
            return Err(IndexError::BadKeywordName(name.to_string()));
        }
        let doc = self.internal(id).ok_or(IndexError::UnknownId(id))?;
        let k = usize::try_from(self.keyword_names.intern(&lname)).unwrap_or(usize::MAX);
        if k >= self.keywords.len() {
            self.keywords.resize_with(k + 1, KeywordField::default);
        }
        let Some(field) = self.keywords.get_mut(k) else {
            return Ok(());
        };
        for set in &mut field.docs {
            set.remove(doc);
        }
        let n = self.ids.len();
        for value in values {
            let folded = fold(value.trim());
            if folded.is_empty() {
                continue;
            }
            let v = field.values.intern(&folded);
            let vi = usize::try_from(v).unwrap_or(usize::MAX);
            if vi >= field.docs.len() {
                field.docs.resize_with(vi + 1, DocSet::default);
                field.display.resize(vi + 1, String::new());
            }
            if let Some(d) = field.display.get_mut(vi) {
                if d.is_empty() {
                    *d = value.trim().to_string();
                }
            }
            if let Some(set) = field.docs.get_mut(vi) {
                set.insert(doc, n);
            }
        }
        Ok(())
    }

    /// The keyword names in use (e.g. "dkim", "tag"), for [`parse_with_keywords`].
    pub fn keyword_names(&self) -> Vec<&str> {
        self.keyword_names.names.iter().map(|n| &**n).collect()
    }

    /// Parse `q` knowing this index's keyword names (so `dkim:` is never mistaken for a typo).
    pub fn parse(&self, q: &str) -> Result<Query, QueryError> {
        parse_with_keywords(q, &self.keyword_names())
    }

    /// Give back the memory reserved for growth (vectors' spare capacity, the pool's last page, scratch
    /// buffers). Call it after the last [`add`](Self::add) of an ingest; adding afterwards still works (the
    /// structures grow again).
    pub fn shrink_to_fit(&mut self) {
        self.postings.shrink();
        for v in [
            &mut self.ids,
            &mut self.sizes,
            &mut self.sender,
            &mut self.recipients,
            &mut self.recip_at,
            &mut self.types,
            &mut self.types_at,
            &mut self.address_domain,
        ] {
            v.shrink_to_fit();
        }
        self.dates.shrink_to_fit();
        self.big_sizes.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.scratch = Vec::new();
        for k in &mut self.keywords {
            k.shrink_to_fit();
        }
    }

    /// Where the memory goes, in bytes: ("dictionary", …) (term entries with the streams of rare terms, term
    /// bytes, hash table), ("postings", …) (the pool and per-document field lengths), of which ("postings
    /// payload", …) is coded data and ("postings free extents", …) waits for reuse, ("keywords and tags", …),
    /// ("columns and facets", …). Those four add up to [`memory_bytes`](Self::memory_bytes).
    pub fn memory_report(&self) -> Vec<(&'static str, usize)> {
        let dictionary = self.postings.dictionary_bytes();
        let postings = self.postings.stream_bytes();
        let keywords = self.keyword_bytes();
        let total = self.memory_bytes();
        vec![
            ("dictionary", dictionary),
            ("postings", postings),
            (
                "postings payload",
                usize::try_from(self.postings.payload_bits.div_ceil(8)).unwrap_or(usize::MAX),
            ),
            ("postings free extents", self.postings.free_bytes()),
            ("keywords and tags", keywords),
            (
                "columns and facets",
                total.saturating_sub(dictionary + postings + keywords),
            ),
        ]
    }

    fn keyword_bytes(&self) -> usize {
        self.keywords
            .iter()
            .map(KeywordField::memory_bytes)
            .sum::<usize>()
            + self.keywords.capacity() * std::mem::size_of::<KeywordField>()
            + self.keyword_names.memory_bytes()
    }

    /// Estimate of the memory the index holds, in bytes (allocated capacity of every structure).
    pub fn memory_bytes(&self) -> usize {
        let columns = self.ids.capacity() * 4
            + self.dates.capacity() * 8
            + self.sizes.capacity() * 4
            + self.big_sizes.capacity() * 16
            + self.flags.capacity()
            + self.sender.capacity() * 4
            + (self.recipients.capacity() + self.recip_at.capacity()) * 4
            + (self.types.capacity() + self.types_at.capacity()) * 4
            + self.address_domain.capacity() * 4
            + self.scratch.capacity() * 8;
        self.postings.memory_bytes()
            + columns
            + self.addresses.memory_bytes()
            + self.domains.memory_bytes()
            + self.type_names.memory_bytes()
            + self.keyword_bytes()
    }
}

/// `year * 12 + month0` of a date (UTC), or [`NONE`] (before year 0 or out of range).
pub(crate) fn month_key(t: i64) -> u32 {
    // Years 0 to 9999 by integer arithmetic (H. Hinnant's civil_from_days), the rest by chrono.
    let days = t.div_euclid(86_400);
    if !(-719_468..2_932_897).contains(&days) {
        return month_key_chrono(t);
    }
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month0 = if mp < 10 { mp + 2 } else { mp - 10 };
    let year = yoe + era * 400 + i64::from(month0 <= 1);
    u32::try_from(year * 12 + month0).unwrap_or(NONE)
}

fn month_key_chrono(t: i64) -> u32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp(t, 0)
        .and_then(|d| {
            u32::try_from(d.year())
                .ok()?
                .checked_mul(12)?
                .checked_add(d.month0())
        })
        .unwrap_or(NONE)
}

/// At most [`MAX_TEXT_BYTES_PER_PART`] bytes of `s`, cut at a character boundary.
fn clip(s: &str) -> &str {
    if s.len() <= MAX_TEXT_BYTES_PER_PART {
        return s;
    }
    let mut end = MAX_TEXT_BYTES_PER_PART;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_key_agrees_with_chrono() {
        let mut t: i64 = -62_167_219_200 - 86_400 * 3; // just before 0000-01-01
        while t < 253_402_300_800 + 86_400 * 3 {
            assert_eq!(month_key(t), month_key_chrono(t), "{t}");
            t += 86_400 * 13 + 3_607;
        }
        for t in [i64::MIN, -1, 0, 1, 951_782_400, 4_107_542_400, i64::MAX] {
            assert_eq!(month_key(t), month_key_chrono(t), "{t}");
        }
    }
}
