//! The case: what an analyst adds to a set of sources (tags, stars and notes per message, saved searches,
//! imported DKIM keys), as a versioned JSON file that can be saved locally and imported on another machine
//! that has the same sources.
//!
//! Everything is keyed by content, never by position: messages by the SHA-256 of their bytes
//! ([`crate::message::MessageSummary::sha256`]), sources by the SHA-256 of the file. Dropping the same files
//! again (after a reload, or on another machine) finds the same keys, so the case applies again. Hashes are
//! lowercase hex; uppercase is accepted and lowered.
//!
//! The file (`Case::to_json`):
//!
//! ```json
//! {
//!   "format": "leakloupe-case",
//!   "version": 1,
//!   "sources": [{ "sha256": "…", "name": "leak.zip", "size": 1234 }],
//!   "annotations": {
//!     "<message sha256>": { "tags": ["hot"], "starred": true, "note": "…", "sources": ["<source sha256>"] }
//!   },
//!   "saved_searches": [{ "name": "Invoices", "query": "subject:invoice has:attachment" }],
//!   "dkim_keys": [{ "source": "pasted", "records": "sel._domainkey.example.com. IN TXT \"v=DKIM1; p=…\"" }]
//! }
//! ```
//!
//! Reading is strict about what it knows (a wrong type names the field) and ignores fields it does not
//! know, so a later version-1 writer may add some. A newer `version` is refused with a plain sentence.
//!
//! ```
//! use leakloupe_core::case::Case;
//! let msg = "a".repeat(64);
//! let src = "b".repeat(64);
//! let mut case = Case::new();
//! case.add_source(&src, "leak.mbox", 1234);
//! case.add_tag(&msg, &[&src], "  Board   minutes ");
//! case.set_starred(&msg, &[&src], true);
//! let back = Case::from_json(&case.to_json()).unwrap();
//! assert_eq!(back, case);
//! assert_eq!(back.annotation(&msg).unwrap().tags, ["Board minutes"]);
//! assert_eq!(Case::from_json("{}").unwrap_err().to_string(),
//!     "This file is JSON but not a Leakloupe case (it has no \"format\": \"leakloupe-case\").");
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// The `format` value of a case file.
pub const CASE_FORMAT: &str = "leakloupe-case";
/// The case file version this code writes and the newest it reads.
pub const CASE_VERSION: u64 = 1;
/// Longest tag, in characters (see [`normalize_tag`]).
pub const MAX_TAG_CHARS: usize = 64;

/// One source file of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSource {
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// The file name it had when added (informative: the hash identifies it).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What the analyst added to one message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Annotation {
    /// Tags, normalized ([`normalize_tag`]), without case-insensitive duplicates, in the order added.
    pub tags: Vec<String>,
    /// Starred.
    pub starred: bool,
    /// Free-text note ("" for none).
    pub note: String,
    /// SHA-256 of the sources the message was found in when annotated: what
    /// [`Case::restrict_to_sources`] goes by.
    pub sources: Vec<String>,
}

impl Annotation {
    /// No tag, no star, no note: such an annotation is not kept.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && !self.starred && self.note.is_empty()
    }
}

/// A named search query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedSearch {
    /// The name shown to the analyst (trimmed, never empty; unique ignoring case).
    pub name: String,
    /// The query text, as typed.
    pub query: String,
}

/// DKIM key records as the analyst imported them: the DNS TXT record lines, for
/// [`crate::auth::KeyStore::add_records`]`(records, source)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRecords {
    /// The label the records were imported under (a file name, "pasted").
    pub source: String,
    /// The record text, as imported.
    pub records: String,
}

/// A case; see the module documentation. Mutating methods keep the invariants: hashes lowercase, tags
/// normalized, no empty annotation, saved-search names unique ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Case {
    sources: Vec<CaseSource>,
    annotations: BTreeMap<String, Annotation>,
    saved_searches: Vec<SavedSearch>,
    dkim_keys: Vec<KeyRecords>,
}

/// Why a case file could not be read. Its `Display` is a plain sentence for the analyst.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseError {
    /// Not valid JSON; where the first problem is.
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Valid JSON, but not a case file (no `"format": "leakloupe-case"`).
    NotACase,
    /// A case file from a newer Leakloupe.
    NewerVersion {
        /// The version the file declares.
        version: u64,
    },
    /// A field of the wrong type or form.
    BadField {
        /// Where, e.g. `annotations["ab12…"].tags[2]`.
        field: String,
        /// What it should be, e.g. "text".
        expected: String,
        /// What it is, e.g. "a number".
        found: String,
    },
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseError::NotJson { line, column } => write!(
                f,
                "This file is not a Leakloupe case: it is not valid JSON (the first problem is at line {line}, column {column})."
            ),
            CaseError::NotACase => write!(
                f,
                "This file is JSON but not a Leakloupe case (it has no \"format\": \"{CASE_FORMAT}\")."
            ),
            CaseError::NewerVersion { version } => write!(
                f,
                "This case file is version {version}, from a newer Leakloupe; this one reads up to version {CASE_VERSION}. Update Leakloupe to open it."
            ),
            CaseError::BadField { field, expected, found } => write!(
                f,
                "The case file is damaged: {field} should be {expected}, but it is {found}."
            ),
        }
    }
}

impl std::error::Error for CaseError {}

/// What [`Case::merge`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergeReport {
    /// Sources that were not in the case.
    pub sources_added: usize,
    /// Annotations on messages that had none.
    pub annotations_added: usize,
    /// Existing annotations that changed (tags added, star set, note or sources extended).
    pub annotations_combined: usize,
    /// Of those, annotations whose two different notes were joined.
    pub notes_joined: usize,
    /// Saved searches added.
    pub searches_added: usize,
    /// Names of incoming saved searches not taken because a search of that name with another query exists.
    pub search_conflicts: Vec<String>,
    /// DKIM key imports added.
    pub keys_added: usize,
}

/// How many annotations refer to messages that are not loaded ([`Case::missing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MissingAnnotations {
    /// Annotations on messages not loaded.
    pub annotations: usize,
    /// Of those, with a note.
    pub notes: usize,
    /// Of those, starred.
    pub starred: usize,
    /// Of those, with tags.
    pub tagged: usize,
}

impl MissingAnnotations {
    /// "3 annotations refer to messages not loaded (2 notes, 1 star, 1 tagged)."; `None` when there are none.
    pub fn sentence(&self) -> Option<String> {
        if self.annotations == 0 {
            return None;
        }
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.notes > 0 {
            parts.push(plural(self.notes, "note", "notes"));
        }
        if self.starred > 0 {
            parts.push(plural(self.starred, "star", "stars"));
        }
        if self.tagged > 0 {
            parts.push(format!("{} tagged", self.tagged));
        }
        let head = if self.annotations == 1 {
            "1 annotation refers to a message not loaded".to_string()
        } else {
            format!(
                "{} annotations refer to messages not loaded",
                self.annotations
            )
        };
        Some(format!("{head} ({}).", parts.join(", ")))
    }
}

/// A tag as stored: control characters count as spaces, whitespace runs become one space, leading and
/// trailing spaces go, and it is cut to [`MAX_TAG_CHARS`] characters. Case is kept (tags compare ignoring
/// case). `None` when nothing is left.
///
/// ```
/// assert_eq!(leakloupe_core::case::normalize_tag("  Board \t\n minutes "), Some("Board minutes".into()));
/// assert_eq!(leakloupe_core::case::normalize_tag(" \u{7} "), None);
/// ```
pub fn normalize_tag(tag: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = 0usize;
    for word in tag
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= MAX_TAG_CHARS {
                break;
            }
            out.push(c);
            chars += 1;
        }
        if chars >= MAX_TAG_CHARS {
            break;
        }
    }
    let out = out.trim_end().to_string();
    (!out.is_empty()).then_some(out)
}

fn same_tag(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// Add normalized `tags` to `into`, skipping case-insensitive duplicates; returns whether any was added.
fn union_tags<'t>(into: &mut Vec<String>, tags: impl IntoIterator<Item = &'t str>) -> bool {
    let mut changed = false;
    for t in tags.into_iter().filter_map(normalize_tag) {
        if !into.iter().any(|x| same_tag(x, &t)) {
            into.push(t);
            changed = true;
        }
    }
    changed
}

fn union_hashes(into: &mut Vec<String>, hashes: &[&str]) -> bool {
    let mut changed = false;
    for h in hashes
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
    {
        if !into.contains(&h) {
            into.push(h);
            changed = true;
        }
    }
    changed
}

/// How two notes on one message become one.
#[derive(Debug, PartialEq, Eq)]
enum NoteMerge {
    /// Ours stands: equal, theirs empty, or ours already contains theirs (so merging twice changes nothing).
    Keep,
    /// Theirs replaces ours: ours is empty or contained in theirs.
    Take,
    /// Both, ours first, separated by a blank line.
    Join,
}

fn merge_notes(ours: &str, theirs: &str) -> NoteMerge {
    if theirs.trim().is_empty() || ours.contains(theirs) {
        NoteMerge::Keep
    } else if ours.trim().is_empty() || theirs.contains(ours) {
        NoteMerge::Take
    } else {
        NoteMerge::Join
    }
}

/// Apply [`merge_notes`] to `ours`; true if it changed.
fn merge_note_into(ours: &mut String, theirs: &str) -> NoteMerge {
    let how = merge_notes(ours, theirs);
    match how {
        NoteMerge::Keep => {}
        NoteMerge::Take => *ours = theirs.to_string(),
        NoteMerge::Join => *ours = format!("{ours}\n\n{theirs}"),
    }
    how
}

fn key(hash: &str) -> String {
    hash.trim().to_ascii_lowercase()
}

impl Case {
    /// An empty case.
    pub fn new() -> Self {
        Case::default()
    }

    /// Nothing in it.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
            && self.annotations.is_empty()
            && self.saved_searches.is_empty()
            && self.dkim_keys.is_empty()
    }

    /// The sources, in the order added.
    pub fn sources(&self) -> &[CaseSource] {
        &self.sources
    }

    /// Every annotation, by message SHA-256.
    pub fn annotations(&self) -> &BTreeMap<String, Annotation> {
        &self.annotations
    }

    /// The annotation of one message.
    pub fn annotation(&self, message_sha256: &str) -> Option<&Annotation> {
        self.annotations.get(&key(message_sha256))
    }

    /// The saved searches, in the order saved.
    pub fn saved_searches(&self) -> &[SavedSearch] {
        &self.saved_searches
    }

    /// The DKIM key imports, in the order added.
    pub fn dkim_keys(&self) -> &[KeyRecords] {
        &self.dkim_keys
    }

    /// Record a source file; false when a source with that hash is already there (its name is kept).
    pub fn add_source(&mut self, sha256: &str, name: &str, size: u64) -> bool {
        let sha256 = key(sha256);
        if sha256.is_empty() || self.sources.iter().any(|s| s.sha256 == sha256) {
            return false;
        }
        self.sources.push(CaseSource {
            sha256,
            name: name.to_string(),
            size,
        });
        true
    }

    /// Edit the annotation of a message found in `sources` (source SHA-256s, added to the annotation's),
    /// then restore the invariants: tags normalized and deduplicated, an empty annotation removed.
    pub fn edit(
        &mut self,
        message_sha256: &str,
        sources: &[&str],
        f: impl FnOnce(&mut Annotation),
    ) {
        let k = key(message_sha256);
        if k.is_empty() {
            return;
        }
        let mut a = self.annotations.remove(&k).unwrap_or_default();
        f(&mut a);
        let raw = std::mem::take(&mut a.tags);
        union_tags(&mut a.tags, raw.iter().map(String::as_str));
        let had = std::mem::take(&mut a.sources);
        union_hashes(
            &mut a.sources,
            &had.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        union_hashes(&mut a.sources, sources);
        if !a.is_empty() {
            self.annotations.insert(k, a);
        }
    }

    /// Add a tag (normalized; ignored if empty or already there, ignoring case); true if it was added.
    pub fn add_tag(&mut self, message_sha256: &str, sources: &[&str], tag: &str) -> bool {
        let mut added = false;
        self.edit(message_sha256, sources, |a| {
            added = union_tags(&mut a.tags, [tag])
        });
        added
    }

    /// Remove a tag (compared normalized and ignoring case); true if it was there.
    pub fn remove_tag(&mut self, message_sha256: &str, tag: &str) -> bool {
        let Some(tag) = normalize_tag(tag) else {
            return false;
        };
        let mut removed = false;
        self.edit(message_sha256, &[], |a| {
            let before = a.tags.len();
            a.tags.retain(|t| !same_tag(t, &tag));
            removed = a.tags.len() != before;
        });
        removed
    }

    /// Star or unstar a message.
    pub fn set_starred(&mut self, message_sha256: &str, sources: &[&str], starred: bool) {
        self.edit(message_sha256, sources, |a| a.starred = starred);
    }

    /// Set a message's note ("" removes it).
    pub fn set_note(&mut self, message_sha256: &str, sources: &[&str], note: &str) {
        self.edit(message_sha256, sources, |a| a.note = note.to_string());
    }

    /// Save a search under `name` (trimmed), replacing the query of a search of that name (ignoring case);
    /// false for an empty name.
    pub fn save_search(&mut self, name: &str, query: &str) -> bool {
        let name = name.trim();
        if name.is_empty() {
            return false;
        }
        match self
            .saved_searches
            .iter_mut()
            .find(|s| same_tag(&s.name, name))
        {
            Some(s) => s.query = query.to_string(),
            None => self.saved_searches.push(SavedSearch {
                name: name.to_string(),
                query: query.to_string(),
            }),
        }
        true
    }

    /// Remove the saved search of that name (ignoring case); true if there was one.
    pub fn remove_search(&mut self, name: &str) -> bool {
        let before = self.saved_searches.len();
        self.saved_searches
            .retain(|s| !same_tag(&s.name, name.trim()));
        self.saved_searches.len() != before
    }

    /// Keep DKIM key records imported under the label `source`; false when blank or the same text
    /// (ignoring surrounding whitespace) is already kept.
    pub fn add_dkim_keys(&mut self, source: &str, records: &str) -> bool {
        if records.trim().is_empty()
            || self
                .dkim_keys
                .iter()
                .any(|k| k.records.trim() == records.trim())
        {
            return false;
        }
        self.dkim_keys.push(KeyRecords {
            source: source.to_string(),
            records: records.to_string(),
        });
        true
    }

    /// Merge another case into this one: sources and annotations are united (tags unioned, starred if
    /// either is, notes joined by a blank line when they differ and neither contains the other, sources
    /// unioned), saved searches deduplicated by name (on a name clash with another query this case's query
    /// stays and the name is reported), DKIM keys deduplicated by text. Merging the same case again changes
    /// nothing.
    pub fn merge(&mut self, other: Case) -> MergeReport {
        let mut report = MergeReport::default();
        for s in other.sources {
            if self.add_source(&s.sha256, &s.name, s.size) {
                report.sources_added += 1;
            }
        }
        for (k, theirs) in other.annotations {
            let k = key(&k);
            let Some(ours) = self.annotations.get_mut(&k) else {
                let mut a = Annotation::default();
                union_tags(&mut a.tags, theirs.tags.iter().map(String::as_str));
                a.starred = theirs.starred;
                a.note = theirs.note;
                union_hashes(
                    &mut a.sources,
                    &theirs
                        .sources
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                );
                if !a.is_empty() && !k.is_empty() {
                    self.annotations.insert(k, a);
                    report.annotations_added += 1;
                }
                continue;
            };
            let mut changed = union_tags(&mut ours.tags, theirs.tags.iter().map(String::as_str));
            if theirs.starred && !ours.starred {
                ours.starred = true;
                changed = true;
            }
            match merge_note_into(&mut ours.note, &theirs.note) {
                NoteMerge::Keep => {}
                NoteMerge::Take => changed = true,
                NoteMerge::Join => {
                    changed = true;
                    report.notes_joined += 1;
                }
            }
            changed |= union_hashes(
                &mut ours.sources,
                &theirs
                    .sources
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            if changed {
                report.annotations_combined += 1;
            }
        }
        for s in other.saved_searches {
            match self
                .saved_searches
                .iter()
                .find(|x| same_tag(&x.name, &s.name))
            {
                Some(x) if x.query != s.query => report.search_conflicts.push(s.name),
                Some(_) => {}
                None => {
                    if self.save_search(&s.name, &s.query) {
                        report.searches_added += 1;
                    }
                }
            }
        }
        for k in other.dkim_keys {
            if self.add_dkim_keys(&k.source, &k.records) {
                report.keys_added += 1;
            }
        }
        report
    }

    /// Keep only what belongs to the sources `keep` (SHA-256s): those sources, and the annotations of
    /// messages found in one of them (their `sources` narrowed to `keep`). An annotation that records no
    /// source cannot be shown to belong and is dropped. Saved searches and DKIM keys are not tied to a
    /// source and stay.
    pub fn restrict_to_sources(&mut self, keep: &[&str]) {
        let keep: Vec<String> = keep.iter().map(|k| key(k)).collect();
        self.sources.retain(|s| keep.contains(&s.sha256));
        self.annotations.retain(|_, a| {
            a.sources.retain(|s| keep.contains(s));
            !a.sources.is_empty()
        });
    }

    /// A copy restricted to one source ([`Case::restrict_to_sources`]): what to store under that source's
    /// hash so that dropping the file again restores its part of the case.
    pub fn for_source(&self, source_sha256: &str) -> Case {
        let mut c = self.clone();
        c.restrict_to_sources(&[source_sha256]);
        c
    }

    /// Count the annotations whose message is not loaded; `is_loaded` answers for a message SHA-256, e.g.
    /// `|h| loaded.contains(h)` with a set of the loaded messages' hashes.
    pub fn missing(&self, is_loaded: impl Fn(&str) -> bool) -> MissingAnnotations {
        let mut m = MissingAnnotations::default();
        for (k, a) in &self.annotations {
            if is_loaded(k) {
                continue;
            }
            m.annotations += 1;
            m.notes += usize::from(!a.note.is_empty());
            m.starred += usize::from(a.starred);
            m.tagged += usize::from(!a.tags.is_empty());
        }
        m
    }

    /// The case file (pretty-printed JSON, keys in a stable order).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            format: &'static str,
            version: u64,
            sources: &'a [CaseSource],
            annotations: &'a BTreeMap<String, Annotation>,
            saved_searches: &'a [SavedSearch],
            dkim_keys: &'a [KeyRecords],
        }
        let file = File {
            format: CASE_FORMAT,
            version: CASE_VERSION,
            sources: &self.sources,
            annotations: &self.annotations,
            saved_searches: &self.saved_searches,
            dkim_keys: &self.dkim_keys,
        };
        // Strings, numbers, booleans and string-keyed maps always serialize; the fallback is unreachable.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Read a case file (see [`CaseError`] for what is refused). Tags are normalized on the way in and
    /// empty annotations dropped.
    pub fn from_json(text: &str) -> Result<Case, CaseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| CaseError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Some(root) = value.as_object() else {
            return Err(CaseError::NotACase);
        };
        if root.get("format").and_then(Value::as_str) != Some(CASE_FORMAT) {
            return Err(CaseError::NotACase);
        }
        let version = match root.get("version") {
            Some(v) => v
                .as_u64()
                .filter(|v| *v >= 1)
                .ok_or_else(|| bad("version", "a whole number from 1", v))?,
            None => return Err(missing("version", "a whole number from 1")),
        };
        if version > CASE_VERSION {
            return Err(CaseError::NewerVersion { version });
        }
        let mut case = Case::new();
        for (i, s) in list(root, "sources")?.iter().enumerate() {
            let path = format!("sources[{i}]");
            let o = object(s, &path)?;
            let sha = hash(o, "sha256", &path)?;
            let name = text_or_default(o, "name", &path)?;
            let size = match o.get("size") {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| bad(&format!("{path}.size"), "a whole number", v))?,
            };
            case.add_source(&sha, &name, size);
        }
        if let Some(v) = root.get("annotations").filter(|v| !v.is_null()) {
            let map = v
                .as_object()
                .ok_or_else(|| bad("annotations", "an object keyed by message SHA-256", v))?;
            for (k, v) in map {
                let path = format!("annotations[{k:?}]");
                if !is_sha256(k) {
                    return Err(CaseError::BadField {
                        field: path,
                        expected: "keyed by a message SHA-256 (64 hexadecimal digits)".to_string(),
                        found: format!("keyed by {k:?}"),
                    });
                }
                let o = object(v, &path)?;
                let tags = string_list(o, "tags", &path)?;
                let starred = match o.get("starred") {
                    None | Some(Value::Null) => false,
                    Some(v) => v
                        .as_bool()
                        .ok_or_else(|| bad(&format!("{path}.starred"), "true or false", v))?,
                };
                let note = text_or_default(o, "note", &path)?;
                let sources = string_list(o, "sources", &path)?;
                for (j, s) in sources.iter().enumerate() {
                    if !is_sha256(s) {
                        return Err(CaseError::BadField {
                            field: format!("{path}.sources[{j}]"),
                            expected: "a source SHA-256 (64 hexadecimal digits)".to_string(),
                            found: format!("{s:?}"),
                        });
                    }
                }
                let source_refs: Vec<&str> = sources.iter().map(String::as_str).collect();
                // Two keys differing only in case are one message: united as by `merge`.
                case.edit(k, &source_refs, |a| {
                    a.tags.extend(tags);
                    a.starred |= starred;
                    merge_note_into(&mut a.note, &note);
                });
            }
        }
        for (i, s) in list(root, "saved_searches")?.iter().enumerate() {
            let path = format!("saved_searches[{i}]");
            let o = object(s, &path)?;
            let name = required_text(o, "name", &path)?;
            let query = required_text(o, "query", &path)?;
            case.save_search(&name, &query);
        }
        for (i, k) in list(root, "dkim_keys")?.iter().enumerate() {
            let path = format!("dkim_keys[{i}]");
            let o = object(k, &path)?;
            let source = text_or_default(o, "source", &path)?;
            let records = required_text(o, "records", &path)?;
            case.add_dkim_keys(&source, &records);
        }
        Ok(case)
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How a JSON value is named to a person.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a text".to_string(),
        Value::String(s) => format!("the text {s:?}"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn bad(field: &str, expected: &str, found: &Value) -> CaseError {
    CaseError::BadField {
        field: field.to_string(),
        expected: expected.to_string(),
        found: kind(found),
    }
}

fn missing(field: &str, expected: &str) -> CaseError {
    CaseError::BadField {
        field: field.to_string(),
        expected: expected.to_string(),
        found: "missing".to_string(),
    }
}

fn list<'v>(root: &'v Map<String, Value>, name: &str) -> Result<&'v [Value], CaseError> {
    match root.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(bad(name, "a list", v)),
    }
}

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, CaseError> {
    v.as_object().ok_or_else(|| bad(path, "an object", v))
}

fn text_or_default(o: &Map<String, Value>, name: &str, path: &str) -> Result<String, CaseError> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(bad(&format!("{path}.{name}"), "text", v)),
    }
}

fn required_text(o: &Map<String, Value>, name: &str, path: &str) -> Result<String, CaseError> {
    match o.get(name) {
        None => Err(missing(&format!("{path}.{name}"), "text")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(bad(&format!("{path}.{name}"), "text", v)),
    }
}

fn hash(o: &Map<String, Value>, name: &str, path: &str) -> Result<String, CaseError> {
    let s = required_text(o, name, path)?;
    if is_sha256(&s) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(CaseError::BadField {
            field: format!("{path}.{name}"),
            expected: "a SHA-256 (64 hexadecimal digits)".to_string(),
            found: format!("{s:?}"),
        })
    }
}

fn string_list(o: &Map<String, Value>, name: &str, path: &str) -> Result<Vec<String>, CaseError> {
    let field = format!("{path}.{name}");
    match o.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(&format!("{field}[{i}]"), "text", v))
            })
            .collect(),
        Some(v) => Err(bad(&field, "a list of texts", v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn sample() -> Case {
        let (m1, m2, s1, s2) = (h('1'), h('2'), h('a'), h('b'));
        let mut c = Case::new();
        assert!(c.add_source(&s1, "leak.zip", 100));
        assert!(c.add_source(&s2.to_uppercase(), "old.mbox", 200));
        assert!(!c.add_source(&s2, "again.mbox", 200));
        c.add_tag(&m1, &[&s1], "hot");
        c.add_tag(&m1, &[&s1], "Legal  review");
        c.set_note(&m1, &[&s1, &s2], "first note");
        c.set_starred(&m2.to_uppercase(), &[&s2], true);
        c.save_search("Invoices", "subject:invoice");
        c.add_dkim_keys(
            "pasted",
            "sel._domainkey.example.com TXT \"v=DKIM1; p=abc\"\n",
        );
        c
    }

    #[test]
    fn json_round_trip_and_shape() {
        let c = sample();
        let text = c.to_json();
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v["format"], "leakloupe-case");
        assert_eq!(v["version"], 1);
        assert_eq!(v["sources"][1]["sha256"], h('b'));
        assert_eq!(v["sources"][1]["name"], "old.mbox");
        assert_eq!(
            v["annotations"][h('1')]["tags"],
            serde_json::json!(["hot", "Legal review"])
        );
        assert_eq!(
            v["annotations"][h('1')]["sources"],
            serde_json::json!([h('a'), h('b')])
        );
        assert_eq!(v["annotations"][h('2')]["starred"], true);
        assert_eq!(v["saved_searches"][0]["query"], "subject:invoice");
        assert_eq!(v["dkim_keys"][0]["source"], "pasted");
        assert_eq!(Case::from_json(&text), Ok(c));
    }

    #[test]
    fn errors_are_sentences_naming_the_field() {
        let err = |t: &str| Case::from_json(t).map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            err("{\"format\": "),
            "This file is not a Leakloupe case: it is not valid JSON (the first problem is at line 1, column 11)."
        );
        assert_eq!(err("[1]"), "This file is JSON but not a Leakloupe case (it has no \"format\": \"leakloupe-case\").");
        assert_eq!(err("{\"format\":\"other\",\"version\":1}"), err("[1]"));
        assert_eq!(
            err("{\"format\":\"leakloupe-case\",\"version\":2}"),
            "This case file is version 2, from a newer Leakloupe; this one reads up to version 1. Update Leakloupe to open it."
        );
        assert_eq!(
            err("{\"format\":\"leakloupe-case\"}"),
            "The case file is damaged: version should be a whole number from 1, but it is missing."
        );
        assert_eq!(
            err("{\"format\":\"leakloupe-case\",\"version\":\"1\"}"),
            "The case file is damaged: version should be a whole number from 1, but it is the text \"1\"."
        );
        let with = |field: &str| format!("{{\"format\":\"leakloupe-case\",\"version\":1,{field}}}");
        assert_eq!(
            err(&with(&format!("\"annotations\":{{\"{}\":{{\"tags\":[\"a\",3]}}}}", h('c')))),
            format!("The case file is damaged: annotations[\"{}\"].tags[1] should be text, but it is the number 3.", h('c'))
        );
        assert_eq!(
            err(&with(&format!("\"annotations\":{{\"{}\":{{\"starred\":\"yes\"}}}}", h('c')))),
            format!("The case file is damaged: annotations[\"{}\"].starred should be true or false, but it is the text \"yes\".", h('c'))
        );
        assert_eq!(
            err(&with("\"annotations\":{\"xyz\":{}}")),
            "The case file is damaged: annotations[\"xyz\"] should be keyed by a message SHA-256 (64 hexadecimal digits), but it is keyed by \"xyz\"."
        );
        assert_eq!(
            err(&with("\"sources\":[{\"sha256\":\"abc\"}]")),
            "The case file is damaged: sources[0].sha256 should be a SHA-256 (64 hexadecimal digits), but it is \"abc\"."
        );
        assert_eq!(
            err(&with(&format!("\"sources\":[{{\"sha256\":\"{}\",\"size\":-1}}]", h('a')))),
            "The case file is damaged: sources[0].size should be a whole number, but it is the number -1."
        );
        assert_eq!(
            err(&with("\"saved_searches\":[{\"name\":\"x\"}]")),
            "The case file is damaged: saved_searches[0].query should be text, but it is missing."
        );
        assert_eq!(
            err(&with("\"dkim_keys\":{}")),
            "The case file is damaged: dkim_keys should be a list, but it is an object."
        );
    }

    #[test]
    fn lenient_about_what_it_does_not_know() {
        let text = format!(
            "{{\"format\":\"leakloupe-case\",\"version\":1,\"future\":[1,2],\"annotations\":{{\"{}\":{{\"tags\":[\"  \",\"A\",\"a\"],\"color\":\"red\"}},\"{}\":{{}}}}}}",
            h('D'),
            h('e')
        );
        let c = Case::from_json(&text).unwrap_or_default();
        assert_eq!(c.annotations().len(), 1, "the empty annotation is dropped");
        assert_eq!(
            c.annotation(&h('d')).map(|a| a.tags.clone()),
            Some(vec!["A".to_string()])
        );
        assert!(c.sources().is_empty());
    }

    #[test]
    fn tags_are_normalized() {
        assert_eq!(normalize_tag("a\u{0}b"), Some("a b".into()));
        assert_eq!(
            normalize_tag("\u{3000}wide\u{3000}space\u{3000}"),
            Some("wide space".into())
        );
        assert_eq!(
            normalize_tag(&"x".repeat(100)).map(|t| t.chars().count()),
            Some(MAX_TAG_CHARS)
        );
        assert_eq!(
            normalize_tag(&format!("{} y", "x".repeat(63))),
            Some("x".repeat(63))
        );
        assert_eq!(normalize_tag(&"é".repeat(70)), Some("é".repeat(64)));
        let mut c = Case::new();
        assert!(c.add_tag(&h('1'), &[], "Hot"));
        assert!(!c.add_tag(&h('1'), &[], " hot "));
        assert!(!c.add_tag(&h('1'), &[], "   "));
        assert!(c.remove_tag(&h('1'), "HOT"));
        assert!(
            c.annotations().is_empty(),
            "nothing left: the annotation goes"
        );
        assert!(!c.remove_tag(&h('1'), "HOT"));
    }

    #[test]
    fn merge_unites_and_is_idempotent() {
        let mut ours = sample();
        let (m1, m2, m3, s1, s3) = (h('1'), h('2'), h('3'), h('a'), h('c'));
        let mut theirs = Case::new();
        theirs.add_source(&s1, "renamed.zip", 100);
        theirs.add_source(&s3, "new.pst", 300);
        theirs.add_tag(&m1, &[&s3], "HOT");
        theirs.add_tag(&m1, &[&s3], "privileged");
        theirs.set_starred(&m1, &[&s3], true);
        theirs.set_note(&m1, &[&s3], "second opinion");
        theirs.set_note(&m2, &[], "first note on 2");
        theirs.set_note(&m3, &[&s3], "new");
        theirs.save_search("invoices", "subject:facture");
        theirs.save_search("Big", "size:>1000000");
        theirs.add_dkim_keys(
            "other label",
            "  sel._domainkey.example.com TXT \"v=DKIM1; p=abc\"\n\n",
        );
        theirs.add_dkim_keys("other", "k2._domainkey.example.org TXT \"p=x\"");
        let report = ours.merge(theirs.clone());
        assert_eq!(
            report,
            MergeReport {
                sources_added: 1,
                annotations_added: 1,
                annotations_combined: 2,
                notes_joined: 1,
                searches_added: 1,
                search_conflicts: vec!["invoices".into()],
                keys_added: 1,
            }
        );
        let a1 = ours.annotation(&m1).cloned().unwrap_or_default();
        assert_eq!(a1.tags, ["hot", "Legal review", "privileged"]);
        assert!(a1.starred);
        assert_eq!(a1.note, "first note\n\nsecond opinion");
        assert_eq!(a1.sources, [h('a'), h('b'), h('c')]);
        let a2 = ours.annotation(&m2).cloned().unwrap_or_default();
        assert!(a2.starred);
        assert_eq!(a2.note, "first note on 2");
        assert_eq!(ours.sources()[0].name, "leak.zip");
        assert_eq!(ours.saved_searches()[0].query, "subject:invoice");
        assert_eq!(ours.dkim_keys().len(), 2);
        let snapshot = ours.clone();
        let again = ours.merge(theirs);
        assert_eq!(
            again.annotations_combined
                + again.annotations_added
                + again.sources_added
                + again.keys_added,
            0
        );
        assert_eq!(again.notes_joined, 0);
        assert_eq!(ours, snapshot);
        // A note that extends ours replaces it instead of repeating it.
        let mut longer = Case::new();
        longer.set_note(&m1, &[], "first note\n\nsecond opinion\n\nthird");
        let r = ours.merge(longer);
        assert_eq!((r.annotations_combined, r.notes_joined), (1, 0));
        assert_eq!(
            ours.annotation(&m1).map(|a| a.note.as_str()),
            Some("first note\n\nsecond opinion\n\nthird")
        );
    }

    #[test]
    fn restrict_and_missing() {
        let c = sample();
        let only_b = c.for_source(&h('B'));
        assert_eq!(only_b.sources().len(), 1);
        assert_eq!(only_b.sources()[0].name, "old.mbox");
        assert_eq!(
            only_b.annotations().keys().cloned().collect::<Vec<_>>(),
            [h('1'), h('2')]
        );
        assert_eq!(
            only_b.annotation(&h('1')).map(|a| a.sources.clone()),
            Some(vec![h('b')])
        );
        assert_eq!(only_b.saved_searches().len(), 1);
        let only_a = c.for_source(&h('a'));
        assert_eq!(only_a.annotations().len(), 1);
        let mut none = c.clone();
        none.restrict_to_sources(&[]);
        assert!(none.annotations().is_empty() && none.sources().is_empty());
        assert_eq!(none.dkim_keys().len(), 1);
        // Merging the per-source parts gives the case back.
        let mut rebuilt = Case::new();
        rebuilt.merge(only_a);
        rebuilt.merge(only_b);
        assert_eq!(rebuilt.annotations(), c.annotations());

        let loaded = [h('2')];
        let m = c.missing(|k| loaded.iter().any(|l| l == k));
        assert_eq!(
            m,
            MissingAnnotations {
                annotations: 1,
                notes: 1,
                starred: 0,
                tagged: 1
            }
        );
        assert_eq!(
            m.sentence().as_deref(),
            Some("1 annotation refers to a message not loaded (1 note, 1 tagged).")
        );
        let all = c.missing(|_| false);
        assert_eq!(
            all.sentence().as_deref(),
            Some("2 annotations refer to messages not loaded (1 note, 1 star, 1 tagged).")
        );
        assert_eq!(c.missing(|_| true).sentence(), None);
    }

    #[test]
    fn searches_by_name() {
        let mut c = Case::new();
        assert!(c.save_search(" Invoices ", "a"));
        assert!(c.save_search("INVOICES", "b"));
        assert!(!c.save_search("  ", "c"));
        assert_eq!(
            c.saved_searches(),
            [SavedSearch {
                name: "Invoices".into(),
                query: "b".into()
            }]
        );
        assert!(c.remove_search("invoices"));
        assert!(c.is_empty());
    }
}
