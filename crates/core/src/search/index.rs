//! [`SearchIndex`]: what is stored per message (the inverted index plus columns for filters and facets), and
//! the caller-managed keyword fields (tags, DKIM results, findings).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::postings::Postings;
use super::query::{parse_with_keywords, Query, QueryError, TextField, FIELD_NAMES};
use super::tokenize::{fold, tokenize, Mode};
use super::{Addr, Doc};

/// Field number of sender/recipient domains (after the text fields).
pub(crate) const FIELD_DOMAIN: u8 = 8;
/// Field number of attachment MIME types.
pub(crate) const FIELD_TYPE: u8 = 9;
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

/// One keyword name (e.g. "dkim"): its values and which messages have them.
#[derive(Debug, Default)]
pub(crate) struct KeywordField {
    /// Folded values.
    pub(crate) values: Interner,
    /// The value as first given (for facets).
    pub(crate) display: Vec<String>,
    /// Per value: internal document numbers.
    pub(crate) docs: Vec<BTreeSet<u32>>,
    /// (document, value) pairs, to replace a message's values.
    by_doc: BTreeSet<(u32, u32)>,
}

impl KeywordField {
    fn memory_bytes(&self) -> usize {
        let entries: usize =
            self.docs.iter().map(BTreeSet::len).sum::<usize>() + self.by_doc.len() * 2;
        self.values.memory_bytes()
            + self.display.iter().map(|d| d.len() + 24).sum::<usize>()
            + entries * 8
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
    /// Month of the date as `year * 12 + month0`, or [`NONE`] (for the months facet).
    pub(crate) months: Vec<u32>,
    pub(crate) sizes: Vec<u64>,
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
}

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
        }
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
        self.months.push(month_key(doc.date));
        self.sizes.push(doc.size);
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
        let old: Vec<(u32, u32)> = field
            .by_doc
            .range((doc, 0)..=(doc, NONE))
            .copied()
            .collect();
        for (d, v) in old {
            field.by_doc.remove(&(d, v));
            if let Some(set) = usize::try_from(v).ok().and_then(|v| field.docs.get_mut(v)) {
                set.remove(&d);
            }
        }
        for value in values {
            let folded = fold(value.trim());
            if folded.is_empty() {
                continue;
            }
            let v = field.values.intern(&folded);
            let vi = usize::try_from(v).unwrap_or(usize::MAX);
            if vi >= field.docs.len() {
                field.docs.resize_with(vi + 1, BTreeSet::new);
                field.display.resize(vi + 1, String::new());
            }
            if let Some(d) = field.display.get_mut(vi) {
                if d.is_empty() {
                    *d = value.trim().to_string();
                }
            }
            if let Some(set) = field.docs.get_mut(vi) {
                set.insert(doc);
            }
            field.by_doc.insert((doc, v));
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

    /// Where the memory goes, in bytes: ("dictionary", …), ("postings", …) (the block pool, of which
    /// "postings payload" is written data), ("columns and facets", …), ("keywords and tags", …).
    pub fn memory_report(&self) -> Vec<(&'static str, usize)> {
        let dictionary = self.postings.dictionary_bytes();
        let postings = self.postings.memory_bytes() - dictionary;
        let keywords: usize = self
            .keywords
            .iter()
            .map(KeywordField::memory_bytes)
            .sum::<usize>()
            + self.keyword_names.memory_bytes();
        let total = self.memory_bytes();
        vec![
            ("dictionary", dictionary),
            ("postings", postings),
            (
                "postings payload",
                usize::try_from(self.postings.payload).unwrap_or(usize::MAX),
            ),
            ("keywords and tags", keywords),
            (
                "columns and facets",
                total.saturating_sub(dictionary + postings + keywords),
            ),
        ]
    }

    /// Estimate of the memory the index holds, in bytes (allocated capacity of every structure).
    pub fn memory_bytes(&self) -> usize {
        let columns = self.ids.capacity() * 4
            + self.dates.capacity() * 8
            + self.months.capacity() * 4
            + self.sizes.capacity() * 8
            + self.flags.capacity()
            + self.sender.capacity() * 4
            + (self.recipients.capacity() + self.recip_at.capacity()) * 4
            + (self.types.capacity() + self.types_at.capacity()) * 4
            + self.address_domain.capacity() * 4
            + self.scratch.capacity() * 8;
        let keywords: usize = self.keywords.iter().map(KeywordField::memory_bytes).sum();
        self.postings.memory_bytes()
            + columns
            + self.addresses.memory_bytes()
            + self.domains.memory_bytes()
            + self.type_names.memory_bytes()
            + self.keyword_names.memory_bytes()
            + keywords
    }
}

/// `year * 12 + month0` of a date, or [`NONE`].
fn month_key(date: Option<i64>) -> u32 {
    use chrono::Datelike;
    date.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
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
