//! Authors and editors across a dump: who wrote and last saved the attachments, in which writing system their
//! names are, and who saved many documents within a few minutes.
//!
//! In 2017 the MacronLeaks spreadsheets named Cyrillic editors, and many were last saved within the same few
//! minutes. [`DumpAuthors`] is fed while a dump is indexed, one attachment's metadata
//! ([`DumpAuthors::add_document`]) and one sender display name ([`DumpAuthors::add_sender_name`]) at a time,
//! in any order, and answers:
//!
//! - [`DumpAuthors::authors`]: one [`AuthorRow`] per distinct person name of the documents' person fields
//!   ([`MetaKey::is_person`]: author, last modified by, manager, company, caption writer, copyright ...), with
//!   how many documents name it in each field, in how many messages, its scripts, its date range and where it
//!   was seen;
//! - [`DumpAuthors::dominant_script`]: the writing system of most names (document names and sender names);
//! - [`DumpAuthors::edit_bursts`]: [`EditBurst`]s, several documents last saved by one editor within minutes;
//! - [`DumpAuthors::script_findings`]: per message, [`Finding`]s for names in another script than the
//!   mailbox's, and for names that mix look-alike alphabets (a Latin name with one Cyrillic letter).
//!
//! Choices, in one place:
//!
//! | what | rule |
//! | --- | --- |
//! | one name | trimmed, inner whitespace collapsed, compared case-insensitively; shown in its most frequent spelling |
//! | one document | the same content SHA-256 when the caller gives one; otherwise the same file name, modification and creation instants and person fields. Give the hash for every attachment or for none |
//! | a name's occurrences | one per distinct document naming it (whatever the number of fields), plus one per message whose sender display name it is |
//! | dominant script | the script found in most occurrences of names that contain letters; it is *clear* when it is in at least [`AuthorOptions::dominant_percent`] (60) % of at least [`AuthorOptions::min_named`] (5) occurrences |
//! | script mismatch | a name with letters, none of them in the clear dominant script; nothing is flagged while the dominant script is not clear |
//! | look-alike mix | a name mixing two of Latin, Cyrillic, Greek ([`mixes_lookalikes`]); flagged whatever the dominant script |
//! | last saved | the first dated Modified field; else the first dated Created field (a document saved once) |
//! | editor | the first Last modified by field; else the first Author field (the creator), said so in [`BurstDoc::editor_field`] |
//! | burst | per editor, by last-saved time: from the earliest document, every document saved within the window of it (bounds included); kept when at least `min_docs` (never under 2) documents; the next burst starts after it |
//!
//! Memory stays proportional to the distinct names, file names and documents, plus a few integers per
//! attachment and per sender name: names and file names are stored once, a row keeps at most
//! [`AuthorOptions::max_refs`] places (with the total), a name at most 8 spellings. Nothing here does I/O,
//! reads the clock or panics.
//!
//! ```
//! use leakloupe_core::analysis::authors::{AuthorOptions, DumpAuthors};
//! use leakloupe_core::metadata::{extract, MetaKey};
//! let pdf = |minute: u32| format!("%PDF-1.4\n1 0 obj\n<< /Author (Jeff) /ModDate (D:2017042710{minute}00Z) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n");
//! let mut dump = DumpAuthors::new(AuthorOptions::default());
//! for (message, minute) in [12u32, 14, 16].into_iter().enumerate() {
//!     let meta = extract(pdf(minute).as_bytes(), Some("memo.pdf"), None);
//!     dump.add_document(message as u32, 0, "memo.pdf", &meta, None);
//! }
//! let rows = dump.authors();
//! assert_eq!((rows[0].name.as_str(), rows[0].role_count(MetaKey::Author), rows[0].messages), ("Jeff", 3, 3));
//! let bursts = dump.edit_bursts(3, 5);
//! assert_eq!(bursts[0].reason, "3 documents created by Jeff (no last editor recorded) were last saved within 4 min (2017-04-27 10:12–10:16 UTC).");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{format_duration, Finding};
use crate::diagnostic::Severity;
use crate::metadata::script::{mixes_lookalikes, script_of, scripts, Script};
use crate::metadata::{DocMetadata, MetaKey};

/// Most spellings remembered per name; later new spellings are not counted.
const MAX_SPELLINGS: usize = 8;
/// Most characters kept of a name or a file name.
const MAX_NAME_CHARS: usize = 256;
/// Most distinct (field, name) pairs kept per document.
const MAX_PEOPLE_PER_DOC: usize = 64;

/// Thresholds of [`DumpAuthors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorOptions {
    /// Most places ([`DocRef`]) kept per [`AuthorRow`]; the total is counted anyway. 20.
    pub max_refs: usize,
    /// Fewest name occurrences (with letters) before a dominant script counts as clear. 5.
    pub min_named: usize,
    /// Share, in percent, of those occurrences the dominant script needs to be clear; values under 51 are read
    /// as 51 (a majority). 60.
    pub dominant_percent: u32,
}

impl Default for AuthorOptions {
    fn default() -> Self {
        AuthorOptions {
            max_refs: 20,
            min_named: 5,
            dominant_percent: 60,
        }
    }
}

/// Where a document was seen: the caller's message id and the attachment's index in that message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocRef {
    /// The caller's message id.
    pub message: u32,
    /// The attachment's index in the message.
    pub attachment: u32,
}

/// One distinct person name of the documents, with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorRow {
    /// The name in its most frequent spelling (ties: the first seen).
    pub name: String,
    /// How many spellings (differing in case or spacing) were seen, at most 8.
    pub spellings: usize,
    /// Per person field: in how many distinct documents the name fills it, in [`MetaKey`] order.
    pub roles: Vec<(MetaKey, usize)>,
    /// Distinct documents naming it in any person field.
    pub documents: usize,
    /// Distinct messages carrying such a document.
    pub messages: usize,
    /// Messages whose sender display name is this name (see [`DumpAuthors::add_sender_name`]).
    pub sender_messages: usize,
    /// The scripts of its letters, in order of appearance.
    pub scripts: Vec<Script>,
    /// The earliest creation or modification instant of its documents (Unix seconds, UTC as stated).
    pub first_date: Option<i64>,
    /// The latest creation or modification instant of its documents.
    pub last_date: Option<i64>,
    /// The first places it was seen (every attachment carrying one of its documents), at most
    /// [`AuthorOptions::max_refs`].
    pub refs: Vec<DocRef>,
    /// How many places there are in all.
    pub refs_total: usize,
    /// Its letters are all outside the mailbox's clear dominant script (see [`DumpAuthors::clear_dominant_script`]).
    pub differs_from_dominant: bool,
    /// It mixes look-alike alphabets (two of Latin, Cyrillic, Greek): a possible homoglyph disguise.
    pub mixes_lookalikes: bool,
}

impl AuthorRow {
    /// In how many documents the name fills field `key` (0 if never).
    pub fn role_count(&self, key: MetaKey) -> usize {
        self.roles
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n)
    }

    /// Whether either script flag is set.
    pub fn flagged(&self) -> bool {
        self.differs_from_dominant || self.mixes_lookalikes
    }
}

/// One document of an [`EditBurst`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurstDoc {
    /// The first place the document was seen.
    pub doc: DocRef,
    /// How many attachments carry this very document.
    pub copies: usize,
    /// Its file name as first seen.
    pub file_name: String,
    /// When it was last saved (Unix seconds; wall-clock time read as UTC when no zone is stated).
    pub saved: i64,
    /// Whether the file states the time zone of [`BurstDoc::saved`].
    pub zone_known: bool,
    /// Where [`BurstDoc::saved`] comes from: [`MetaKey::Modified`], or [`MetaKey::Created`] when the document
    /// has no modification date.
    pub saved_field: MetaKey,
    /// Where the editor's name comes from: [`MetaKey::LastModifiedBy`], or [`MetaKey::Author`] (the creator)
    /// when the document records no last editor.
    pub editor_field: MetaKey,
}

/// Several distinct documents last saved by one editor within a short window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditBurst {
    /// The editor's name (most frequent spelling).
    pub editor: String,
    /// The documents, by last-saved time.
    pub docs: Vec<BurstDoc>,
    /// The first last-saved instant (Unix seconds).
    pub start: i64,
    /// The last last-saved instant.
    pub end: i64,
    /// `end - start` in seconds.
    pub span_secs: i64,
    /// How many documents name the editor only as their creator.
    pub via_creator: usize,
    /// One plain sentence, e.g. "5 documents last saved by Роша Георгий within 4 min (2017-04-27 10:12–10:16 UTC)."
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Name {
    /// Spellings and how often each was seen, in order first seen.
    spellings: Vec<(String, usize)>,
    scripts: Vec<Script>,
    roles: BTreeMap<MetaKey, usize>,
    documents: usize,
    messages: usize,
    sender_messages: usize,
    first: Option<i64>,
    last: Option<i64>,
    refs: Vec<DocRef>,
    refs_total: usize,
}

impl Name {
    fn display(&self) -> &str {
        let mut best: Option<&(String, usize)> = None;
        for s in &self.spellings {
            if best.is_none_or(|b| s.1 > b.1) {
                best = Some(s);
            }
        }
        best.map_or("", |b| b.0.as_str())
    }

    fn count_spelling(&mut self, spelling: &str) {
        if let Some(s) = self.spellings.iter_mut().find(|s| s.0 == spelling) {
            s.1 += 1;
        } else if self.spellings.len() < MAX_SPELLINGS {
            self.spellings.push((spelling.to_string(), 1));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Saved {
    unix: i64,
    zone_known: bool,
    field: MetaKey,
}

#[derive(Debug, Clone, PartialEq)]
struct Doc {
    file_name: usize,
    first_ref: DocRef,
    copies: usize,
    /// Distinct (field, name id) pairs in field order.
    people: Vec<(MetaKey, usize)>,
    saved: Option<Saved>,
    editor: Option<(usize, MetaKey)>,
}

impl Doc {
    /// Distinct name ids in order of first field.
    fn names(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for &(_, id) in &self.people {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DocKey {
    Hash(String),
    Fields {
        file_name: usize,
        modified: Option<i64>,
        created: Option<i64>,
        people: Vec<(MetaKey, usize)>,
    },
}

/// The authors, editors and sender names of a dump, added one attachment and one message at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DumpAuthors {
    /// Thresholds.
    pub options: AuthorOptions,
    names: Vec<Name>,
    name_index: HashMap<String, usize>,
    file_names: Vec<String>,
    file_index: HashMap<String, usize>,
    docs: Vec<Doc>,
    doc_index: HashMap<DocKey, usize>,
    /// Every (message, attachment) kept, with its document.
    occurrences: Vec<(DocRef, usize)>,
    seen_refs: HashSet<DocRef>,
    /// (name, message) pairs already counted in [`Name::messages`].
    name_messages: HashSet<(usize, u32)>,
    /// (message, name) of sender display names, in order added.
    senders: Vec<(u32, usize)>,
    sender_pairs: HashSet<(u32, usize)>,
    script_counts: BTreeMap<Script, usize>,
    named: usize,
}

/// Trim, collapse inner whitespace, cut to [`MAX_NAME_CHARS`].
fn normalize(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > MAX_NAME_CHARS {
        let mut cut: String = joined.chars().take(MAX_NAME_CHARS).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

impl DumpAuthors {
    /// Nothing added yet, with these thresholds.
    pub fn new(options: AuthorOptions) -> Self {
        DumpAuthors {
            options,
            ..DumpAuthors::default()
        }
    }

    /// Number of distinct documents kept (those with at least one person name).
    pub fn documents(&self) -> usize {
        self.docs.len()
    }

    /// Whether nothing was kept (no document with a person name and no sender name).
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty() && self.senders.is_empty()
    }

    fn intern_name(&mut self, spelling: &str) -> usize {
        let key = spelling.to_lowercase();
        if let Some(&id) = self.name_index.get(&key) {
            return id;
        }
        let id = self.names.len();
        self.names.push(Name {
            spellings: Vec::new(),
            scripts: scripts(spelling),
            roles: BTreeMap::new(),
            documents: 0,
            messages: 0,
            sender_messages: 0,
            first: None,
            last: None,
            refs: Vec::new(),
            refs_total: 0,
        });
        self.name_index.insert(key, id);
        id
    }

    fn intern_file(&mut self, file_name: &str) -> usize {
        let f = normalize(file_name);
        if let Some(&id) = self.file_index.get(&f) {
            return id;
        }
        let id = self.file_names.len();
        self.file_names.push(f.clone());
        self.file_index.insert(f, id);
        id
    }

    /// One occurrence of a name with these scripts (a document or a sender message).
    fn count_scripts(&mut self, id: usize) {
        let Some(name) = self.names.get(id) else {
            return;
        };
        if name.scripts.is_empty() {
            return;
        }
        self.named += 1;
        for s in &name.scripts {
            *self.script_counts.entry(*s).or_default() += 1;
        }
    }

    /// Add attachment `attachment` of message `message`, named `file_name`, with its metadata. Pass the
    /// SHA-256 of its bytes (any text form, e.g. lower-case hex) as `content_sha256` to recognise the same
    /// document in other messages; without it, the same file name, dates and person fields mean the same
    /// document. Returns false (and keeps nothing) when the metadata names nobody, or when this very
    /// (message, attachment) was already added.
    pub fn add_document(
        &mut self,
        message: u32,
        attachment: u32,
        file_name: &str,
        meta: &DocMetadata,
        content_sha256: Option<&str>,
    ) -> bool {
        let here = DocRef {
            message,
            attachment,
        };
        if self.seen_refs.contains(&here) {
            return false;
        }
        // The document's people: (field, name id, spelling), distinct by (field, name).
        let mut people: Vec<(MetaKey, usize, String)> = Vec::new();
        for f in meta.fields.iter().filter(|f| f.key.is_person()) {
            let spelling = normalize(&f.value);
            if spelling.is_empty() {
                continue;
            }
            let id = self.intern_name(&spelling);
            if people.len() < MAX_PEOPLE_PER_DOC
                && !people.iter().any(|p| p.0 == f.key && p.1 == id)
            {
                people.push((f.key, id, spelling));
            }
        }
        if people.is_empty() {
            return false;
        }
        self.seen_refs.insert(here);
        let modified = meta.all(MetaKey::Modified).find_map(|f| f.date);
        let created = meta.all(MetaKey::Created).find_map(|f| f.date);
        let pairs: Vec<(MetaKey, usize)> = people.iter().map(|p| (p.0, p.1)).collect();
        let key = match content_sha256.map(str::trim).filter(|h| !h.is_empty()) {
            Some(h) => DocKey::Hash(h.chars().take(128).collect::<String>().to_lowercase()),
            None => {
                let mut sorted = pairs.clone();
                sorted.sort_unstable();
                DocKey::Fields {
                    file_name: self.intern_file(file_name),
                    modified: modified.map(|d| d.utc_unix),
                    created: created.map(|d| d.utc_unix),
                    people: sorted,
                }
            }
        };
        let doc_id = match self.doc_index.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.docs.len();
                let file_name = self.intern_file(file_name);
                let saved = modified
                    .map(|d| (d, MetaKey::Modified))
                    .or(created.map(|d| (d, MetaKey::Created)))
                    .map(|(d, field)| Saved {
                        unix: d.utc_unix,
                        zone_known: d.offset_minutes.is_some(),
                        field,
                    });
                let editor = [MetaKey::LastModifiedBy, MetaKey::Author]
                    .into_iter()
                    .find_map(|k| pairs.iter().find(|p| p.0 == k).map(|p| (p.1, k)));
                let doc = Doc {
                    file_name,
                    first_ref: here,
                    copies: 0,
                    people: pairs,
                    saved,
                    editor,
                };
                // Per distinct name: document count, dates, spelling, scripts.
                let dates: Vec<i64> = [created, modified]
                    .iter()
                    .flatten()
                    .map(|d| d.utc_unix)
                    .collect();
                for name_id in doc.names() {
                    if let Some(spelling) =
                        people.iter().find(|p| p.1 == name_id).map(|p| p.2.clone())
                    {
                        if let Some(n) = self.names.get_mut(name_id) {
                            n.documents += 1;
                            n.count_spelling(&spelling);
                            for &d in &dates {
                                n.first = Some(n.first.map_or(d, |f| f.min(d)));
                                n.last = Some(n.last.map_or(d, |l| l.max(d)));
                            }
                        }
                    }
                    self.count_scripts(name_id);
                }
                for &(k, name_id) in &doc.people {
                    if let Some(n) = self.names.get_mut(name_id) {
                        *n.roles.entry(k).or_default() += 1;
                    }
                }
                self.docs.push(doc);
                self.doc_index.insert(key, id);
                id
            }
        };
        let Some(doc) = self.docs.get_mut(doc_id) else {
            return false;
        };
        doc.copies += 1;
        let names = doc.names();
        self.occurrences.push((here, doc_id));
        for name_id in names {
            let new_message = self.name_messages.insert((name_id, message));
            if let Some(n) = self.names.get_mut(name_id) {
                if new_message {
                    n.messages += 1;
                }
                if n.refs.len() < self.options.max_refs {
                    n.refs.push(here);
                }
                n.refs_total += 1;
            }
        }
        true
    }

    /// Add the sender display name of message `message` (e.g. the phrase of its From field). Returns false
    /// (and keeps nothing) for a name without letters, an e-mail address, or a name already added for this
    /// message. Sender names weigh in [`DumpAuthors::dominant_script`] and get [`DumpAuthors::script_findings`];
    /// they make no [`AuthorRow`] of their own.
    pub fn add_sender_name(&mut self, message: u32, display_name: &str) -> bool {
        let trimmed = display_name
            .trim()
            .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
        let spelling = normalize(trimmed);
        if spelling.contains('@') || scripts(&spelling).is_empty() {
            return false;
        }
        let id = self.intern_name(&spelling);
        if !self.sender_pairs.insert((message, id)) {
            return false;
        }
        if let Some(n) = self.names.get_mut(id) {
            n.sender_messages += 1;
            n.count_spelling(&spelling);
        }
        self.count_scripts(id);
        self.senders.push((message, id));
        true
    }

    /// How many name occurrences contain each script, most frequent first (a name in two scripts counts for
    /// both). See the module documentation for what an occurrence is.
    pub fn script_counts(&self) -> Vec<(Script, usize)> {
        let mut v: Vec<(Script, usize)> =
            self.script_counts.iter().map(|(s, n)| (*s, *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// How many name occurrences contain letters (the base of the dominant share).
    pub fn named_occurrences(&self) -> usize {
        self.named
    }

    /// The script of most name occurrences, document names and sender names together; `None` when no name
    /// has letters. Ties go to the script listed first in [`Script`].
    pub fn dominant_script(&self) -> Option<Script> {
        self.script_counts().first().map(|(s, _)| *s)
    }

    /// The dominant script when it is clear: in at least [`AuthorOptions::dominant_percent`] % of at least
    /// [`AuthorOptions::min_named`] occurrences. Only then are names flagged for another script.
    pub fn clear_dominant_script(&self) -> Option<Script> {
        self.dominant_share().map(|(s, _)| s)
    }

    /// The clear dominant script and its share in whole percent.
    fn dominant_share(&self) -> Option<(Script, u64)> {
        let (script, count) = *self.script_counts().first()?;
        let named = self.named as u64;
        let count = count as u64;
        let percent = u64::from(self.options.dominant_percent.clamp(51, 100));
        let clear = self.named >= self.options.min_named.max(1) && count * 100 >= percent * named;
        clear.then(|| (script, count * 100 / named.max(1)))
    }

    fn differs(&self, id: usize, dominant: Option<Script>) -> bool {
        match (dominant, self.names.get(id)) {
            (Some(d), Some(n)) => !n.scripts.is_empty() && !n.scripts.contains(&d),
            _ => false,
        }
    }

    fn display(&self, id: usize) -> &str {
        self.names.get(id).map_or("", Name::display)
    }

    /// One row per distinct person name of the documents, by document count (most first), then name.
    pub fn authors(&self) -> Vec<AuthorRow> {
        let dominant = self.clear_dominant_script();
        let mut rows: Vec<AuthorRow> = self
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.documents > 0)
            .map(|(id, n)| AuthorRow {
                name: n.display().to_string(),
                spellings: n.spellings.len(),
                roles: n.roles.iter().map(|(k, c)| (*k, *c)).collect(),
                documents: n.documents,
                messages: n.messages,
                sender_messages: n.sender_messages,
                scripts: n.scripts.clone(),
                first_date: n.first,
                last_date: n.last,
                refs: n.refs.clone(),
                refs_total: n.refs_total,
                differs_from_dominant: self.differs(id, dominant),
                mixes_lookalikes: mixes_lookalikes(&n.scripts),
            })
            .collect();
        rows.sort_by_cached_key(|r| {
            (
                std::cmp::Reverse(r.documents),
                r.name.to_lowercase(),
                r.name.clone(),
            )
        });
        rows
    }

    /// Per editor, maximal groups of at least `min_docs` (never under 2) distinct documents whose last-saved
    /// instants lie within `window_minutes` of the group's first (bounds included); non-overlapping, by
    /// start. Documents without an editor or without a date are left out.
    pub fn edit_bursts(&self, min_docs: usize, window_minutes: u32) -> Vec<EditBurst> {
        let min_docs = min_docs.max(2);
        let window = i64::from(window_minutes) * 60;
        let mut by_editor: BTreeMap<usize, Vec<(i64, usize)>> = BTreeMap::new();
        for (i, d) in self.docs.iter().enumerate() {
            if let (Some((editor, _)), Some(saved)) = (d.editor, d.saved) {
                by_editor.entry(editor).or_default().push((saved.unix, i));
            }
        }
        let mut out = Vec::new();
        for (editor, mut docs) in by_editor {
            docs.sort_unstable();
            let mut i = 0;
            while i < docs.len() {
                let start = docs[i].0;
                let mut j = i;
                while j < docs.len() && docs[j].0.saturating_sub(start) <= window {
                    j += 1;
                }
                if j - i >= min_docs {
                    out.push(self.burst(editor, &docs[i..j]));
                    i = j;
                } else {
                    i += 1;
                }
            }
        }
        out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.editor.cmp(&b.editor)));
        out
    }

    fn burst(&self, editor: usize, group: &[(i64, usize)]) -> EditBurst {
        let docs: Vec<BurstDoc> = group
            .iter()
            .filter_map(|&(_, i)| {
                let d = self.docs.get(i)?;
                let saved = d.saved?;
                Some(BurstDoc {
                    doc: d.first_ref,
                    copies: d.copies,
                    file_name: self
                        .file_names
                        .get(d.file_name)
                        .cloned()
                        .unwrap_or_default(),
                    saved: saved.unix,
                    zone_known: saved.zone_known,
                    saved_field: saved.field,
                    editor_field: d.editor.map_or(MetaKey::LastModifiedBy, |e| e.1),
                })
            })
            .collect();
        let start = docs.first().map_or(0, |d| d.saved);
        let end = docs.last().map_or(0, |d| d.saved);
        let span_secs = end.saturating_sub(start);
        let via_creator = docs
            .iter()
            .filter(|d| d.editor_field != MetaKey::LastModifiedBy)
            .count();
        let name = self.display(editor).to_string();
        let n = docs.len();
        let within = if span_secs == 0 {
            "at the same time".to_string()
        } else {
            format!("within {}", format_duration(span_secs))
        };
        let zoned = docs.iter().filter(|d| d.zone_known).count();
        let range = time_range(start, end);
        let when = if zoned == n {
            format!("({range} UTC)")
        } else if zoned == 0 {
            format!("({range}, no time zone stated)")
        } else {
            let missing = n - zoned;
            if missing == 1 {
                format!("({range} UTC; one of the times states no time zone)")
            } else {
                format!("({range} UTC; {missing} of the times state no time zone)")
            }
        };
        let reason = if via_creator == 0 {
            format!("{n} documents last saved by {name} {within} {when}.")
        } else if via_creator == n {
            format!("{n} documents created by {name} (no last editor recorded) were last saved {within} {when}.")
        } else {
            format!(
                "{n} documents last saved by {name} ({via_creator} of them name {name} only as creator, no last editor being recorded) {within} {when}."
            )
        };
        EditBurst {
            editor: name,
            docs,
            start,
            end,
            span_secs,
            via_creator,
            reason,
        }
    }

    /// Per message (by message id), a [`Severity::Warning`] [`Finding`] for each document person name and
    /// sender display name written in another script than the clear dominant one
    /// (`authors.name-script-mismatch`), and for each that mixes look-alike alphabets
    /// (`authors.lookalike-mix`). A document attached twice to one message is reported once.
    pub fn script_findings(&self) -> Vec<(u32, Finding)> {
        let dominant = self.dominant_share();
        let share = |script: Script, pct: u64| {
            format!(
                "while {pct}% of the {} names in this mailbox are {}",
                self.named,
                script.name()
            )
        };
        // (message, 0 = sender / 1 = document, attachment, order) -> finding
        let mut out: Vec<((u32, u8, u32, usize), Finding)> = Vec::new();
        for (order, &(message, id)) in self.senders.iter().enumerate() {
            let Some(n) = self.names.get(id) else {
                continue;
            };
            let name = n.display();
            let key = (message, 0, 0, order);
            if let Some((d, pct)) = dominant.filter(|(d, _)| self.differs(id, Some(*d))) {
                out.push((
                    key,
                    Finding::new(
                        Severity::Warning,
                        "authors.name-script-mismatch",
                        format!(
                            "The sender name \"{name}\" is written in {}, {}.",
                            letters(&n.scripts),
                            share(d, pct)
                        ),
                    ),
                ));
            }
            if mixes_lookalikes(&n.scripts) {
                out.push((
                    key,
                    Finding::new(
                        Severity::Warning,
                        "authors.lookalike-mix",
                        format!("The sender name \"{name}\" is {}.", lookalike_phrase(name)),
                    ),
                ));
            }
        }
        let mut reported: HashSet<(u32, usize)> = HashSet::new();
        for (order, &(here, doc_id)) in self.occurrences.iter().enumerate() {
            if !reported.insert((here.message, doc_id)) {
                continue;
            }
            let Some(doc) = self.docs.get(doc_id) else {
                continue;
            };
            let file = self
                .file_names
                .get(doc.file_name)
                .map_or("", String::as_str);
            let of_file = if file.is_empty() {
                format!("of attachment {} (no name)", u64::from(here.attachment) + 1)
            } else {
                format!("of \"{file}\"")
            };
            let key = (here.message, 1, here.attachment, order);
            for id in doc.names() {
                let Some(n) = self.names.get(id) else {
                    continue;
                };
                let name = n.display();
                let fields: Vec<&str> = doc
                    .people
                    .iter()
                    .filter(|p| p.1 == id)
                    .map(|p| p.0.label())
                    .collect();
                let field_phrase = if fields.len() == 1 {
                    format!("The {} field", fields.join(""))
                } else {
                    format!("The {} fields", and_list(&fields))
                };
                if let Some((d, pct)) = dominant.filter(|(d, _)| self.differs(id, Some(*d))) {
                    out.push((
                        key,
                        Finding::new(
                            Severity::Warning,
                            "authors.name-script-mismatch",
                            format!(
                                "{field_phrase} {of_file} name{} \"{name}\", written in {}, {}.",
                                if fields.len() == 1 { "s" } else { "" },
                                letters(&n.scripts),
                                share(d, pct)
                            ),
                        ),
                    ));
                }
                if mixes_lookalikes(&n.scripts) {
                    out.push((
                        key,
                        Finding::new(
                            Severity::Warning,
                            "authors.lookalike-mix",
                            format!(
                                "{field_phrase} {of_file} name{} \"{name}\", {}.",
                                if fields.len() == 1 { "s" } else { "" },
                                lookalike_phrase(name)
                            ),
                        ),
                    ));
                }
            }
        }
        out.sort_by_key(|(k, _)| *k);
        out.into_iter().map(|((m, ..), f)| (m, f)).collect()
    }
}

/// "Cyrillic letters", "Cyrillic and Greek letters".
fn letters(found: &[Script]) -> String {
    let names: Vec<&str> = found.iter().map(|s| s.name()).collect();
    format!("{} letters", and_list(&names))
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "a Latin name with 1 Cyrillic letter: a look-alike character can disguise a name".
fn lookalike_phrase(name: &str) -> String {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for c in name.chars() {
        if let Some(s) =
            script_of(c).filter(|s| matches!(s, Script::Latin | Script::Cyrillic | Script::Greek))
        {
            match counts.iter_mut().find(|e| e.0 == s) {
                Some(e) => e.1 += 1,
                None => counts.push((s, 1)),
            }
        }
    }
    // The main alphabet: most letters, ties to the first seen.
    let mut main = 0;
    for (i, e) in counts.iter().enumerate() {
        if counts.get(main).is_some_and(|m| e.1 > m.1) {
            main = i;
        }
    }
    let main_name = counts.get(main).map_or("", |e| e.0.name());
    let others: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != main)
        .map(|(_, (s, n))| format!("{n} {} letter{}", s.name(), if *n == 1 { "" } else { "s" }))
        .collect();
    let others: Vec<&str> = others.iter().map(String::as_str).collect();
    let hint = if others.len() == 1
        && counts
            .iter()
            .enumerate()
            .any(|(i, e)| i != main && e.1 == 1)
    {
        "a look-alike character can disguise a name"
    } else {
        "look-alike characters or a transliteration"
    };
    format!("a {main_name} name with {}: {hint}", and_list(&others))
}

/// "2017-04-27 10:12–10:16", "2017-04-27 10:12", "2017-04-27 23:58 – 2017-04-28 00:03".
fn time_range(start: i64, end: i64) -> String {
    let (Some(a), Some(b)) = (
        chrono::DateTime::from_timestamp(start, 0),
        chrono::DateTime::from_timestamp(end, 0),
    ) else {
        return format!("@{start}–@{end}");
    };
    let first = a.format("%Y-%m-%d %H:%M").to_string();
    if a.date_naive() != b.date_naive() {
        format!("{first} – {}", b.format("%Y-%m-%d %H:%M"))
    } else if a.format("%H:%M").to_string() == b.format("%H:%M").to_string() {
        first
    } else {
        format!("{first}–{}", b.format("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{DocKind, MetaDate, MetaField, MetaSource};

    /// 2017-04-27 10:12:00 UTC.
    const T0: i64 = 1_493_287_920;

    fn field(key: MetaKey, value: &str) -> MetaField {
        MetaField {
            key,
            label: key.label().to_string(),
            value: value.to_string(),
            source: MetaSource::OoxmlCore,
            date: None,
            duration_secs: None,
            number: None,
            scripts: if key.is_person() {
                scripts(value)
            } else {
                Vec::new()
            },
        }
    }

    fn date(key: MetaKey, unix: i64, zone: bool) -> MetaField {
        MetaField {
            date: Some(MetaDate {
                utc_unix: unix,
                offset_minutes: zone.then_some(0),
            }),
            ..field(key, "(date)")
        }
    }

    /// A document with these person fields, last saved at `modified` (UTC) if given.
    fn doc(people: &[(MetaKey, &str)], modified: Option<i64>) -> DocMetadata {
        let mut fields: Vec<MetaField> = people.iter().map(|(k, v)| field(*k, v)).collect();
        if let Some(m) = modified {
            fields.push(date(MetaKey::Modified, m, true));
        }
        DocMetadata {
            kind: DocKind::Ooxml,
            fields,
            problems: Vec::new(),
        }
    }

    fn editor(name: &str, modified: i64) -> DocMetadata {
        doc(
            &[
                (MetaKey::Author, "Someone"),
                (MetaKey::LastModifiedBy, name),
            ],
            Some(modified),
        )
    }

    const ROSHA: &str = "Роша Георгий";

    #[test]
    fn burst_boundary_exactly_at_the_window() {
        let mut d = DumpAuthors::default();
        for (i, t) in [0, 60, 240, 300, 301].into_iter().enumerate() {
            let i = i as u32;
            assert!(d.add_document(i, 0, &format!("f{i}.xlsx"), &editor(ROSHA, T0 + t), None));
        }
        // Window 5 min: 0..=300 holds 4 documents; 301 is one second too late.
        let b = d.edit_bursts(4, 5);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].docs.len(), 4);
        assert_eq!((b[0].start, b[0].end, b[0].span_secs), (T0, T0 + 300, 300));
        assert_eq!(
            b[0].docs
                .iter()
                .map(|x| x.file_name.as_str())
                .collect::<Vec<_>>(),
            ["f0.xlsx", "f1.xlsx", "f2.xlsx", "f3.xlsx"]
        );
        assert_eq!(b[0].editor, ROSHA);
        assert_eq!(b[0].via_creator, 0);
        assert_eq!(b[0].docs[0].editor_field, MetaKey::LastModifiedBy);
        assert_eq!(b[0].docs[0].saved_field, MetaKey::Modified);
        assert_eq!(
            b[0].reason,
            "4 documents last saved by Роша Георгий within 5 min (2017-04-27 10:12–10:17 UTC)."
        );
        // Five documents need 301 s: not within 5 min, but within 6.
        assert!(d.edit_bursts(5, 5).is_empty());
        assert_eq!(d.edit_bursts(5, 6)[0].docs.len(), 5);
        // Window 0: only documents saved at the same second.
        assert!(d.edit_bursts(2, 0).is_empty());
    }

    #[test]
    fn the_issue_example_sentence() {
        let mut d = DumpAuthors::default();
        for (i, t) in [0, 45, 100, 180, 240].into_iter().enumerate() {
            d.add_document(i as u32, 1, "x.xls", &editor(ROSHA, T0 + t), None);
        }
        let b = d.edit_bursts(5, 10);
        assert_eq!(
            b[0].reason,
            "5 documents last saved by Роша Георгий within 4 min (2017-04-27 10:12–10:16 UTC)."
        );
        assert_eq!(
            b[0].docs[4].doc,
            DocRef {
                message: 4,
                attachment: 1
            }
        );
    }

    #[test]
    fn two_editors_interleaved() {
        let mut d = DumpAuthors::default();
        let mut m = 0;
        for t in [0, 60, 120] {
            d.add_document(m, 0, &format!("a{t}.docx"), &editor("Alice", T0 + t), None);
            d.add_document(
                m + 1,
                0,
                &format!("b{t}.docx"),
                &editor("Bob", T0 + 30 + t),
                None,
            );
            m += 2;
        }
        let b = d.edit_bursts(3, 5);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].editor.as_str(), b[0].start, b[0].docs.len()),
            ("Alice", T0, 3)
        );
        assert_eq!(
            (b[1].editor.as_str(), b[1].start, b[1].docs.len()),
            ("Bob", T0 + 30, 3)
        );
        assert!(b[0].docs.iter().all(|x| x.file_name.starts_with('a')));
        assert!(b[1].docs.iter().all(|x| x.file_name.starts_with('b')));
        // Together they would be 6 within 150 s, but bursts are per editor.
        assert!(d.edit_bursts(4, 5).is_empty());
    }

    #[test]
    fn greedy_bursts_do_not_overlap() {
        let mut d = DumpAuthors::default();
        // Two clusters of 3, 20 minutes apart, plus a straggler.
        for (i, t) in [0, 60, 120, 1200, 1260, 1320, 5000].into_iter().enumerate() {
            d.add_document(
                i as u32,
                0,
                &format!("{i}.doc"),
                &editor("Eve", T0 + t),
                None,
            );
        }
        let b = d.edit_bursts(3, 5);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].start, b[0].end), (T0, T0 + 120));
        assert_eq!((b[1].start, b[1].end), (T0 + 1200, T0 + 1320));
        // A 30-minute window swallows both clusters into one burst from the first document.
        let b = d.edit_bursts(3, 30);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].docs.len(), 6);
        assert_eq!(
            b[0].reason,
            "6 documents last saved by Eve within 22 min (2017-04-27 10:12–10:34 UTC)."
        );
        // min_docs under 2 is read as 2: a lone document is no burst.
        assert_eq!(d.edit_bursts(0, 5).len(), 2);
        assert_eq!(d.edit_bursts(1, 5), d.edit_bursts(2, 5));
    }

    #[test]
    fn same_document_twice() {
        let mut d = DumpAuthors::default();
        let m = editor(ROSHA, T0);
        // Same bytes (hash) in two messages, one of them carrying it twice.
        assert!(d.add_document(1, 0, "budget.xlsx", &m, Some("AB12")));
        assert!(d.add_document(2, 3, "budget (2).xlsx", &m, Some("ab12")));
        assert!(d.add_document(2, 4, "budget.xlsx", &m, Some("ab12")));
        // The very same place again is ignored.
        assert!(!d.add_document(2, 4, "budget.xlsx", &m, Some("ab12")));
        assert!(d.add_document(3, 0, "other.xlsx", &editor(ROSHA, T0 + 60), Some("cd34")));
        assert_eq!(d.documents(), 2);
        let b = d.edit_bursts(2, 5);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].docs.len(), 2);
        assert_eq!(b[0].docs[0].copies, 3);
        assert_eq!(
            b[0].docs[0].doc,
            DocRef {
                message: 1,
                attachment: 0
            }
        );
        assert_eq!(b[0].docs[0].file_name, "budget.xlsx");
        // Three copies of one document do not make a burst on their own.
        assert!(d.edit_bursts(3, 5).is_empty());
        let rows = d.authors();
        let r = rows.iter().find(|r| r.name == ROSHA).expect("row");
        assert_eq!((r.documents, r.messages, r.refs_total), (2, 3, 4));
        assert_eq!(r.role_count(MetaKey::LastModifiedBy), 2);
        assert_eq!(
            r.refs,
            [
                DocRef {
                    message: 1,
                    attachment: 0
                },
                DocRef {
                    message: 2,
                    attachment: 3
                },
                DocRef {
                    message: 2,
                    attachment: 4
                },
                DocRef {
                    message: 3,
                    attachment: 0
                },
            ]
        );

        // Without hashes: same file name, dates and people = one document; another name = another one.
        let mut d = DumpAuthors::default();
        d.add_document(1, 0, "a.docx", &m, None);
        d.add_document(2, 0, "a.docx", &m, None);
        assert_eq!(d.documents(), 1);
        d.add_document(3, 0, "b.docx", &m, None);
        assert_eq!(d.documents(), 2);
        d.add_document(4, 0, "a.docx", &editor(ROSHA, T0 + 1), None);
        assert_eq!(d.documents(), 3);
    }

    #[test]
    fn documents_without_dates_or_names() {
        let mut d = DumpAuthors::default();
        let undated = doc(
            &[(MetaKey::Author, "Jeff"), (MetaKey::LastModifiedBy, "Jeff")],
            None,
        );
        for i in 0..4 {
            assert!(d.add_document(i, 0, &format!("{i}.pdf"), &undated, None));
        }
        // Nobody named: nothing kept.
        assert!(!d.add_document(9, 0, "scan.pdf", &doc(&[], Some(T0)), None));
        assert!(d.edit_bursts(2, 60).is_empty());
        let rows = d.authors();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.name.as_str(), r.documents, r.messages), ("Jeff", 4, 4));
        assert_eq!((r.first_date, r.last_date), (None, None));
        assert_eq!(
            r.roles,
            [(MetaKey::Author, 4), (MetaKey::LastModifiedBy, 4)]
        );
        // One occurrence per document, not per field.
        assert_eq!(d.named_occurrences(), 4);
        assert_eq!(d.documents(), 4);
    }

    #[test]
    fn creator_fallback_and_created_dates() {
        let mut d = DumpAuthors::default();
        let created_only = DocMetadata {
            kind: DocKind::Pdf,
            fields: vec![
                field(MetaKey::Author, "Jeff"),
                date(MetaKey::Created, T0 + 120, false),
            ],
            problems: Vec::new(),
        };
        d.add_document(
            0,
            0,
            "a.pdf",
            &doc(&[(MetaKey::Author, "Jeff")], Some(T0)),
            None,
        );
        d.add_document(1, 0, "b.pdf", &editor("Jeff", T0 + 60), None);
        d.add_document(2, 0, "c.pdf", &created_only, None);
        let b = d.edit_bursts(3, 2);
        assert_eq!(b.len(), 1);
        let kinds: Vec<(MetaKey, MetaKey, bool)> = b[0]
            .docs
            .iter()
            .map(|x| (x.editor_field, x.saved_field, x.zone_known))
            .collect();
        assert_eq!(
            kinds,
            [
                (MetaKey::Author, MetaKey::Modified, true),
                (MetaKey::LastModifiedBy, MetaKey::Modified, true),
                (MetaKey::Author, MetaKey::Created, false),
            ]
        );
        assert_eq!(b[0].via_creator, 2);
        assert_eq!(
            b[0].reason,
            "3 documents last saved by Jeff (2 of them name Jeff only as creator, no last editor being recorded) within 2 min (2017-04-27 10:12–10:14 UTC; one of the times states no time zone)."
        );
        let rows = d.authors();
        assert_eq!(
            (rows[0].first_date, rows[0].last_date),
            (Some(T0), Some(T0 + 120))
        );

        let mut d = DumpAuthors::default();
        for i in 0..2 {
            d.add_document(
                i,
                0,
                &format!("{i}"),
                &doc(&[(MetaKey::Author, "Ann")], Some(T0)),
                None,
            );
        }
        assert_eq!(
            d.edit_bursts(2, 1)[0].reason,
            "2 documents created by Ann (no last editor recorded) were last saved at the same time (2017-04-27 10:12 UTC)."
        );
    }

    #[test]
    fn mixed_scripts_flag_against_a_clear_dominant() {
        let mut d = DumpAuthors::default();
        for (i, n) in ["Jean Dupont", "Marie Curie", "Paul Martin", "Anne Leroy"]
            .into_iter()
            .enumerate()
        {
            d.add_sender_name(i as u32, n);
        }
        for i in 0..5u32 {
            d.add_document(
                10 + i,
                0,
                &format!("{i}.docx"),
                &editor("Emmanuel", T0),
                None,
            );
        }
        d.add_document(20, 2, "budget.xlsx", &editor(ROSHA, T0 + 600), None);
        // Occurrences: 4 senders + 5 docs x {Someone, Emmanuel} + 1 doc x {Someone, Роша}.
        assert_eq!(d.named_occurrences(), 16);
        assert_eq!(
            d.script_counts(),
            [(Script::Latin, 15), (Script::Cyrillic, 1)]
        );
        assert_eq!(d.dominant_script(), Some(Script::Latin));
        assert_eq!(d.clear_dominant_script(), Some(Script::Latin));
        let rows = d.authors();
        let names: Vec<(&str, usize)> = rows
            .iter()
            .map(|r| (r.name.as_str(), r.documents))
            .collect();
        assert_eq!(names, [("Someone", 6), ("Emmanuel", 5), (ROSHA, 1)]);
        assert_eq!(rows[2].scripts, [Script::Cyrillic]);
        assert!(rows[2].differs_from_dominant && !rows[2].mixes_lookalikes);
        assert!(rows.iter().take(2).all(|r| !r.flagged()));
        let f = d.script_findings();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, 20);
        assert_eq!(f[0].1.severity, Severity::Warning);
        assert_eq!(f[0].1.code, "authors.name-script-mismatch");
        assert_eq!(
            f[0].1.reason,
            "The Last modified by field of \"budget.xlsx\" names \"Роша Георгий\", written in Cyrillic letters, while 93% of the 16 names in this mailbox are Latin."
        );
        // A Cyrillic sender is flagged too, and sorted by message, senders first.
        assert!(d.add_sender_name(20, "\"Ковальчук Наталья\""));
        let f = d.script_findings();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].0, 20);
        assert_eq!(
            f[0].1.reason,
            "The sender name \"Ковальчук Наталья\" is written in Cyrillic letters, while 88% of the 17 names in this mailbox are Latin."
        );
        assert!(f[1].1.reason.starts_with("The Last modified by field"));
    }

    #[test]
    fn several_fields_one_sentence() {
        let mut d = DumpAuthors::default();
        for i in 0..5 {
            d.add_sender_name(i, "John Smith");
        }
        let m = doc(
            &[
                (MetaKey::Author, ROSHA),
                (MetaKey::LastModifiedBy, "роша георгий"),
            ],
            Some(T0),
        );
        d.add_document(7, 0, "", &m, None);
        let f = d.script_findings();
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].1.reason,
            "The Author and Last modified by fields of attachment 1 (no name) name \"Роша Георгий\", written in Cyrillic letters, while 83% of the 6 names in this mailbox are Latin."
        );
        let rows = d.authors();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].spellings, 1); // one spelling counted per document: the first field's
        assert_eq!(
            rows[0].roles,
            [(MetaKey::Author, 1), (MetaKey::LastModifiedBy, 1)]
        );
        assert_eq!(rows[0].sender_messages, 0);
    }

    #[test]
    fn tiny_dump_has_no_clear_dominant_script() {
        let mut d = DumpAuthors::default();
        assert_eq!(d.dominant_script(), None);
        assert!(d.is_empty());
        d.add_sender_name(0, "Jean Dupont");
        d.add_sender_name(1, "Marie Curie");
        d.add_document(2, 0, "x.docx", &editor(ROSHA, T0), None);
        // Latin 3 (2 senders + "Someone"), Cyrillic 1: dominant but 4 < 5 occurrences.
        assert_eq!(d.dominant_script(), Some(Script::Latin));
        assert_eq!(d.clear_dominant_script(), None);
        assert!(d.script_findings().is_empty());
        assert!(d.authors().iter().all(|r| !r.flagged()));
        // A fifth occurrence makes it clear (4 of 5 = 80%).
        d.add_sender_name(3, "Paul Martin");
        assert_eq!(d.clear_dominant_script(), Some(Script::Latin));
        assert_eq!(d.script_findings().len(), 1);

        // Half and half is never clear, whatever the size.
        let mut d = DumpAuthors::default();
        for i in 0..10 {
            d.add_sender_name(i, if i % 2 == 0 { "Anna" } else { "Анна" });
        }
        assert_eq!(d.named_occurrences(), 10);
        assert_eq!(d.clear_dominant_script(), None);
        assert!(d.script_findings().is_empty());
        // 60% is enough (bound included), 59% is not.
        let mut d = DumpAuthors::default();
        for i in 0..100 {
            d.add_sender_name(i, if i < 60 { "Anna" } else { "Анна" });
        }
        assert_eq!(d.clear_dominant_script(), Some(Script::Latin));
        let mut d = DumpAuthors::default();
        for i in 0..100 {
            d.add_sender_name(i, if i < 59 { "Anna" } else { "Анна" });
        }
        assert_eq!(d.clear_dominant_script(), None);
    }

    #[test]
    fn homoglyph_name() {
        let mut d = DumpAuthors::default();
        // "Jeff" with U+0435 CYRILLIC SMALL LETTER IE, in a dump far too small for a dominant script.
        let fake = "J\u{435}ff";
        d.add_document(
            3,
            1,
            "memo.docx",
            &doc(&[(MetaKey::LastModifiedBy, fake)], Some(T0)),
            None,
        );
        d.add_document(
            4,
            0,
            "memo2.docx",
            &doc(&[(MetaKey::LastModifiedBy, "Jeff")], Some(T0)),
            None,
        );
        let rows = d.authors();
        assert_eq!(rows.len(), 2);
        let r = rows.iter().find(|r| r.name == fake).expect("homoglyph row");
        assert_eq!(r.scripts, [Script::Latin, Script::Cyrillic]);
        assert!(r.mixes_lookalikes && !r.differs_from_dominant);
        assert!(!rows
            .iter()
            .find(|r| r.name == "Jeff")
            .expect("jeff")
            .flagged());
        let f = d.script_findings();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, 3);
        assert_eq!(f[0].1.code, "authors.lookalike-mix");
        assert_eq!(
            f[0].1.reason,
            format!("The Last modified by field of \"memo.docx\" names \"{fake}\", a Latin name with 1 Cyrillic letter: a look-alike character can disguise a name.")
        );
        // A sender name too; a transliteration next to the original reads differently.
        d.add_sender_name(5, "John Smith (Джон Смит)");
        let f = d.script_findings();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[1].1.reason,
            "The sender name \"John Smith (Джон Смит)\" is a Latin name with 8 Cyrillic letters: look-alike characters or a transliteration."
        );
    }

    #[test]
    fn names_fold_case_and_spacing() {
        let mut d = DumpAuthors::default();
        d.add_document(
            0,
            0,
            "a",
            &doc(&[(MetaKey::Author, "  jeff   SMITH ")], None),
            None,
        );
        d.add_document(
            1,
            0,
            "b",
            &doc(&[(MetaKey::Author, "Jeff Smith")], None),
            None,
        );
        d.add_document(
            2,
            0,
            "c",
            &doc(&[(MetaKey::Author, "Jeff\tSmith")], None),
            None,
        );
        d.add_document(3, 0, "d", &doc(&[(MetaKey::Company, "ACME")], None), None);
        d.add_sender_name(9, "JEFF SMITH");
        let rows = d.authors();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Jeff Smith");
        assert_eq!(
            (
                rows[0].documents,
                rows[0].spellings,
                rows[0].sender_messages
            ),
            (3, 3, 1)
        );
        assert_eq!(
            (rows[1].name.as_str(), rows[1].role_count(MetaKey::Company)),
            ("ACME", 1)
        );
    }

    #[test]
    fn sender_names_are_filtered() {
        let mut d = DumpAuthors::default();
        assert!(!d.add_sender_name(0, "ann@example.com"));
        assert!(!d.add_sender_name(0, "  \"\"  "));
        assert!(!d.add_sender_name(0, "12345"));
        assert!(d.add_sender_name(0, "Ann"));
        assert!(!d.add_sender_name(0, "ANN"));
        assert!(d.add_sender_name(1, "Ann"));
        assert_eq!(d.named_occurrences(), 2);
        // Sender names make no author row.
        assert!(d.authors().is_empty());
        assert!(!d.is_empty());
    }

    #[test]
    fn refs_are_capped_with_a_total() {
        let mut d = DumpAuthors::new(AuthorOptions {
            max_refs: 2,
            ..AuthorOptions::default()
        });
        for i in 0..5 {
            d.add_document(
                i,
                i,
                &format!("{i}"),
                &doc(&[(MetaKey::Author, "Jeff")], None),
                None,
            );
        }
        let r = &d.authors()[0];
        assert_eq!(
            r.refs,
            [
                DocRef {
                    message: 0,
                    attachment: 0
                },
                DocRef {
                    message: 1,
                    attachment: 1
                }
            ]
        );
        assert_eq!((r.refs_total, r.documents, r.messages), (5, 5, 5));
    }

    #[test]
    fn hostile_values_do_not_panic() {
        let mut d = DumpAuthors::default();
        let long = "x".repeat(10_000);
        let m = doc(
            &[(MetaKey::Author, &long), (MetaKey::LastModifiedBy, "Z")],
            Some(i64::MAX),
        );
        d.add_document(0, 0, &long, &m, Some(&long));
        d.add_document(
            1,
            0,
            "b",
            &doc(&[(MetaKey::LastModifiedBy, "Z")], Some(i64::MIN)),
            None,
        );
        d.add_document(
            2,
            0,
            "c",
            &doc(&[(MetaKey::LastModifiedBy, "Z")], Some(i64::MAX - 1)),
            None,
        );
        let rows = d.authors();
        assert_eq!(rows[1].name.chars().count(), MAX_NAME_CHARS + 1);
        let b = d.edit_bursts(2, u32::MAX);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].docs.len(), 2);
        assert_eq!(
            b[0].reason,
            format!(
                "2 documents last saved by Z within 1 s (@{}–@{} UTC).",
                i64::MAX - 1,
                i64::MAX
            )
        );
        assert!(d.script_findings().is_empty());
    }

    #[test]
    fn helpers() {
        assert_eq!(and_list(&[]), "");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(
            letters(&[Script::Cyrillic, Script::Greek]),
            "Cyrillic and Greek letters"
        );
        assert_eq!(
            time_range(T0, T0 + 86_400),
            "2017-04-27 10:12 – 2017-04-28 10:12"
        );
        assert_eq!(
            lookalike_phrase("Αlpha"),
            "a Latin name with 1 Greek letter: a look-alike character can disguise a name"
        );
    }
}
