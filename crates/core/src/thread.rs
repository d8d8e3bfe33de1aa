//! Conversation threading: Jamie Zawinski's algorithm (<https://www.jwz.org/doc/threading.html>) over
//! Message-ID / In-Reply-To / References, with his subject fallback for the root set.
//!
//! Unlike a mail client, a leak inspector must show what is *not* there: a message that is referenced but
//! absent from the leak stays in the tree as a placeholder (`missing parent <id>`, [`Node::missing_id`]),
//! messages threaded only by subject are grouped under a placeholder with neither message nor id, and every
//! message whose threading headers are odd (duplicate Message-ID, cyclic or self references, In-Reply-To
//! that disagrees with References, ...) carries [`LinkIssue`]s.
//!
//! Differences from JWZ, all in the direction of showing evidence rather than tidying it away:
//! - empty containers that have children are never pruned or promoted (JWZ step 4): each one is a message
//!   the leak does not contain; only childless ones (left over after re-parenting) are dropped;
//! - In-Reply-To, when present, names the direct parent (JWZ only uses it when References is absent);
//! - a message with no References nor In-Reply-To keeps the parent that other messages' References gave it;
//! - subject grouping never files a message under a *missing* message: roots that share a base subject and
//!   have no unprefixed real message to hang under are gathered in a subject group.
//!
//! Everything is iterative (no recursion), so hostile inputs with very deep chains cannot exhaust the
//! stack; a message's References are capped at [`MAX_REFERENCES`] ids (the nearest ones are kept).
//!
//! ```
//! use leakloupe_core::thread::{build, ThreadInput};
//! let msg = |id, mid: &str, irt: Option<&str>, subject: &str, date| ThreadInput {
//!     id,
//!     message_id: Some(mid.to_string()),
//!     in_reply_to: irt.map(str::to_string),
//!     references: Vec::new(),
//!     subject: subject.to_string(),
//!     date: Some(date),
//! };
//! let t = build(&[
//!     msg(1, "<b@x>", Some("<a@x>"), "Re: plan", 200),
//!     msg(2, "<c@x>", Some("<b@x>"), "Re: plan", 300),
//! ]);
//! // <a@x> is not in the set: it is shown as a placeholder above message 1.
//! assert_eq!(t.flatten(), vec![
//!     (0, None, Some("a@x".to_string())),
//!     (1, Some(1), None),
//!     (2, Some(2), None),
//! ]);
//! assert_eq!(t.roots[0].label().as_deref(), Some("missing parent <a@x>"));
//! assert_eq!(t.thread_of(2), Some(0));
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::dedup::short_digest;
use crate::diagnostic::Severity;
use crate::message::HeaderField;

/// At most this many References ids of one message are used (the last ones, nearest to the message).
pub const MAX_REFERENCES: usize = 1000;

/// What threading needs to know about one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadInput {
    /// The caller's identifier for the message (e.g. its index in the leak); returned in [`Node::message`].
    pub id: u32,
    /// The Message-ID, with or without angle brackets.
    pub message_id: Option<String>,
    /// The In-Reply-To header as written (its first message id is used).
    pub in_reply_to: Option<String>,
    /// The References ids, oldest first; each element may be a bare id, a bracketed id, or a whole raw
    /// References header (it is run through [`parse_references`]).
    pub references: Vec<String>,
    /// The decoded Subject ("" if none).
    pub subject: String,
    /// The message's date, seconds since the Unix epoch (UTC), if known.
    pub date: Option<i64>,
}

impl ThreadInput {
    /// Gather the input from a message's header fields: Message-ID, In-Reply-To, References and Subject
    /// (decoded values); `date` is passed in (e.g. [`crate::message::MailDate::utc_unix`]).
    pub fn from_headers(id: u32, headers: &[HeaderField], date: Option<i64>) -> Self {
        let find = |name: &str| {
            headers
                .iter()
                .find(|h| h.name.trim().eq_ignore_ascii_case(name))
        };
        ThreadInput {
            id,
            message_id: find("message-id").map(|h| h.raw.trim().to_string()),
            in_reply_to: find("in-reply-to").map(|h| h.raw.trim().to_string()),
            references: headers
                .iter()
                .filter(|h| h.name.trim().eq_ignore_ascii_case("references"))
                .flat_map(|h| parse_references(&h.raw))
                .collect(),
            subject: find("subject")
                .map(|h| h.decoded.clone())
                .unwrap_or_default(),
            date,
        }
    }
}

/// Something odd about how one message (or placeholder) is linked into its thread.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkIssue {
    /// The message has no (usable) Message-ID: nothing can reply to it by id.
    NoMessageId,
    /// An earlier message of the set has the same Message-ID; replies are attached to the earlier one.
    DuplicateMessageId {
        /// The shared id.
        id: String,
    },
    /// The message references its own Message-ID; that reference was ignored.
    SelfReference,
    /// Linking the message under this parent would close a cycle (A refs B refs A); the link was dropped.
    CycleBroken {
        /// The parent id that was refused.
        parent: String,
    },
    /// In-Reply-To names a different message than the last References entry; In-Reply-To was trusted.
    InReplyToMismatch {
        /// The In-Reply-To id.
        in_reply_to: String,
        /// The last References id.
        last_reference: String,
    },
    /// The References header listed more ids than [`MAX_REFERENCES`]; the oldest were ignored.
    ReferencesTruncated {
        /// How many ids the header had.
        total: usize,
    },
    /// The message replies to a message that is not in the set (its parent is a placeholder).
    ParentMissing {
        /// The missing parent's id.
        id: String,
    },
    /// Placed only because its subject matches (JWZ's subject fallback), not by any header.
    GroupedBySubject,
}

impl LinkIssue {
    /// Machine-readable code, e.g. "thread.cycle".
    pub fn code(&self) -> &'static str {
        match self {
            LinkIssue::NoMessageId => "thread.no-message-id",
            LinkIssue::DuplicateMessageId { .. } => "thread.duplicate-message-id",
            LinkIssue::SelfReference => "thread.self-reference",
            LinkIssue::CycleBroken { .. } => "thread.cycle",
            LinkIssue::InReplyToMismatch { .. } => "thread.in-reply-to-mismatch",
            LinkIssue::ReferencesTruncated { .. } => "thread.references-truncated",
            LinkIssue::ParentMissing { .. } => "thread.parent-missing",
            LinkIssue::GroupedBySubject => "thread.grouped-by-subject",
        }
    }

    /// How much it matters: broken or contradictory headers are warnings, the rest is information.
    pub fn severity(&self) -> Severity {
        match self {
            LinkIssue::DuplicateMessageId { .. }
            | LinkIssue::SelfReference
            | LinkIssue::CycleBroken { .. }
            | LinkIssue::InReplyToMismatch { .. } => Severity::Warning,
            _ => Severity::Info,
        }
    }

    /// One plain sentence.
    pub fn reason(&self) -> String {
        match self {
            LinkIssue::NoMessageId => "The message has no Message-ID, so no reply can point to it.".into(),
            LinkIssue::DuplicateMessageId { id } => format!(
                "Another message of the set has the same Message-ID <{id}>; replies were attached to the first one."
            ),
            LinkIssue::SelfReference => {
                "The message lists its own Message-ID among its references; that reference was ignored.".into()
            }
            LinkIssue::CycleBroken { parent } => format!(
                "Placing the message under <{parent}> would make a reference cycle, so that link was ignored."
            ),
            LinkIssue::InReplyToMismatch {
                in_reply_to,
                last_reference,
            } => format!(
                "In-Reply-To names <{in_reply_to}> but References ends with <{last_reference}>; In-Reply-To was used as the parent."
            ),
            LinkIssue::ReferencesTruncated { total } => format!(
                "The References header lists {total} ids; only the last {MAX_REFERENCES} were used."
            ),
            LinkIssue::ParentMissing { id } => {
                format!("The message replies to <{id}>, which is not in the set.")
            }
            LinkIssue::GroupedBySubject => {
                "Placed here only because its subject matches; no header links it.".into()
            }
        }
    }
}

impl fmt::Display for LinkIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

/// One node of a thread tree. Exactly one of three kinds:
/// - a message: `message` is `Some`;
/// - a missing message (referenced, not in the set): `message` is `None`, `missing_id` is `Some`;
/// - a subject group (roots gathered by subject): both are `None`.
///
/// Dropping, cloning and comparing are iterative, so arbitrarily deep trees are safe.
pub struct Node {
    /// The caller's [`ThreadInput::id`] of the message, or `None` for a placeholder.
    pub message: Option<u32>,
    /// For a missing message: its id (without angle brackets).
    pub missing_id: Option<String>,
    /// Oddities about how this node is linked.
    pub issues: Vec<LinkIssue>,
    /// Replies, sorted by date (undated last).
    pub children: Vec<Node>,
}

impl Node {
    /// Whether this node is a placeholder (a missing message or a subject group).
    pub fn is_placeholder(&self) -> bool {
        self.message.is_none()
    }

    /// Whether this node gathers roots that share a subject.
    pub fn is_subject_group(&self) -> bool {
        self.message.is_none() && self.missing_id.is_none()
    }

    /// A label for a placeholder: `missing parent <id>` or "messages grouped by subject"; `None` for a
    /// message.
    pub fn label(&self) -> Option<String> {
        match (&self.message, &self.missing_id) {
            (Some(_), _) => None,
            (None, Some(id)) => Some(format!("missing parent <{id}>")),
            (None, None) => Some("messages grouped by subject".to_string()),
        }
    }

    /// This node and all its descendants, depth-first in display order, with depths (this node at 0).
    pub fn walk(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::new();
        let mut stack = vec![(0usize, self)];
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            for child in node.children.iter().rev() {
                stack.push((depth + 1, child));
            }
        }
        out
    }

    /// Number of real messages in this subtree.
    pub fn message_count(&self) -> usize {
        self.walk()
            .iter()
            .filter(|(_, n)| n.message.is_some())
            .count()
    }

    fn shallow(&self) -> Node {
        Node {
            message: self.message,
            missing_id: self.missing_id.clone(),
            issues: self.issues.clone(),
            children: Vec::new(),
        }
    }
}

/// Rebuild trees from a depth-first list of childless nodes with their depths.
fn assemble(preorder: Vec<(usize, Node)>) -> Vec<Node> {
    let mut roots = Vec::new();
    let mut stack: Vec<(usize, Node)> = Vec::new();
    let close = |stack: &mut Vec<(usize, Node)>, roots: &mut Vec<Node>| {
        if let Some((_, done)) = stack.pop() {
            match stack.last_mut() {
                Some((_, parent)) => parent.children.push(done),
                None => roots.push(done),
            }
        }
    };
    for (depth, node) in preorder {
        while stack.last().is_some_and(|(d, _)| *d >= depth) {
            close(&mut stack, &mut roots);
        }
        stack.push((depth, node));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

impl Drop for Node {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

impl Clone for Node {
    fn clone(&self) -> Self {
        let flat = self
            .walk()
            .into_iter()
            .map(|(d, n)| (d, n.shallow()))
            .collect();
        assemble(flat).pop().unwrap_or_else(|| self.shallow())
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.walk(), other.walk());
        a.len() == b.len()
            && a.iter().zip(b.iter()).all(|((da, na), (db, nb))| {
                da == db
                    && na.message == nb.message
                    && na.missing_id == nb.missing_id
                    && na.issues == nb.issues
                    && na.children.len() == nb.children.len()
            })
    }
}

impl Eq for Node {}

impl fmt::Debug for Node {
    /// Shallow: children are shown as a count (deep trees would otherwise recurse).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("message", &self.message)
            .field("missing_id", &self.missing_id)
            .field("issues", &self.issues)
            .field("children", &self.children.len())
            .finish()
    }
}

/// Counts over a [`Threads`] result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadCounts {
    /// Number of threads (roots).
    pub threads: usize,
    /// Number of real messages.
    pub messages: usize,
    /// Number of placeholders for referenced messages that are not in the set.
    pub missing: usize,
    /// Number of subject-group placeholders.
    pub subject_groups: usize,
    /// Number of nodes that carry at least one [`LinkIssue`].
    pub with_issues: usize,
    /// Threads with more than one message.
    pub conversations: usize,
    /// Messages in the largest thread.
    pub largest: usize,
    /// Greatest depth of any node (roots are at 0).
    pub deepest: usize,
}

/// The result of [`build`]: a forest of threads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Threads {
    /// Thread roots, sorted by the earliest date in each thread (undated threads last).
    pub roots: Vec<Node>,
    thread_index: HashMap<u32, usize>,
}

impl Threads {
    /// Index in [`Threads::roots`] of the thread that holds message `id`.
    pub fn thread_of(&self, id: u32) -> Option<usize> {
        self.thread_index.get(&id).copied()
    }

    /// Every node of every thread, depth-first, as `(depth, message, missing_id)` rows for a list view;
    /// a subject group is `(depth, None, None)`.
    pub fn flatten(&self) -> Vec<(usize, Option<u32>, Option<String>)> {
        self.roots
            .iter()
            .flat_map(|r| r.walk())
            .map(|(d, n)| (d, n.message, n.missing_id.clone()))
            .collect()
    }

    /// Every node of every thread with its issues, as `(thread index, node)`, for a findings list.
    pub fn issues(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::new();
        for (i, root) in self.roots.iter().enumerate() {
            for (_, node) in root.walk() {
                if !node.issues.is_empty() {
                    out.push((i, node));
                }
            }
        }
        out
    }

    /// Counts of threads, messages, placeholders and issues.
    pub fn counts(&self) -> ThreadCounts {
        let mut c = ThreadCounts {
            threads: self.roots.len(),
            ..ThreadCounts::default()
        };
        for root in &self.roots {
            let mut in_thread = 0;
            for (depth, node) in root.walk() {
                c.deepest = c.deepest.max(depth);
                if !node.issues.is_empty() {
                    c.with_issues += 1;
                }
                match (&node.message, &node.missing_id) {
                    (Some(_), _) => in_thread += 1,
                    (None, Some(_)) => c.missing += 1,
                    (None, None) => c.subject_groups += 1,
                }
            }
            c.messages += in_thread;
            c.largest = c.largest.max(in_thread);
            if in_thread > 1 {
                c.conversations += 1;
            }
        }
        c
    }
}

// ---------------------------------------------------------------------------------------------------------
// Message ids.

/// The message ids in a References / In-Reply-To / Message-ID value, in order, without angle brackets,
/// duplicates dropped (first kept). Never panics.
///
/// Tolerant of real-world damage: text and comments between ids are ignored ("<a@b> (Joe's message of
/// Tuesday)"), whitespace folded into an id is removed, doubled brackets ("<<a@b>>") and an unterminated last
/// id ("<a@b") are accepted, and a value with no brackets at all is read as bare ids only if every word looks
/// like one ("a@b, c@d"), so prose such as "joe@example.com's message of ..." yields nothing.
///
/// ```
/// use leakloupe_core::thread::parse_references;
/// assert_eq!(parse_references("<a@b> junk\n <c@\n d> <a@b>"), vec!["a@b", "c@d"]);
/// assert_eq!(parse_references("x@y z@w"), vec!["x@y", "z@w"]);
/// assert!(parse_references("Your message of Tue").is_empty());
/// ```
pub fn parse_references(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |id: String, out: &mut Vec<String>| {
        if !id.is_empty() && id != "@" && seen.insert(id.clone()) {
            out.push(id);
        }
    };
    if raw.contains('<') {
        let mut current: Option<String> = None;
        let mut depth = 0u32; // parenthesised comment depth, outside brackets
        for c in raw.chars() {
            match (&mut current, c) {
                (None, '(') => depth += 1,
                (None, ')') => depth = depth.saturating_sub(1),
                (None, '<') if depth == 0 => current = Some(String::new()),
                (None, _) => {}
                (Some(cur), '<') => {
                    // a new id starts inside an unterminated one: keep the fragment if it looks like an id
                    let fragment = cur.split_whitespace().next().unwrap_or("").to_string();
                    if fragment.contains('@') {
                        push(fragment, &mut out);
                    }
                    cur.clear();
                }
                (Some(cur), '>') => {
                    let id: String = cur.chars().filter(|c| !c.is_whitespace()).collect();
                    push(id, &mut out);
                    current = None;
                }
                (Some(cur), c) => {
                    if cur.len() < 2048 {
                        cur.push(c);
                    }
                }
            }
        }
        if let Some(cur) = current {
            let fragment = cur.split_whitespace().next().unwrap_or("").to_string();
            if fragment.contains('@') {
                push(fragment, &mut out);
            }
        }
        return out;
    }
    let words: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let looks_like_id = |w: &str| {
        let mut parts = w.splitn(2, '@');
        let (l, d) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        !l.is_empty()
            && !d.is_empty()
            && !d.contains('@')
            && !w.contains(['"', '\'', '(', ')', '[', ']'])
            && !w.ends_with('.')
    };
    if !words.is_empty() && words.iter().all(|w| looks_like_id(w)) {
        for w in words {
            push(w.to_string(), &mut out);
        }
    }
    out
}

/// One id from a Message-ID-like value: the first parsed id, else the trimmed value if it is one word.
fn normalize_id(raw: &str) -> Option<String> {
    if let Some(first) = parse_references(raw).into_iter().next() {
        return Some(first);
    }
    let t = raw.trim().trim_matches(|c| c == '<' || c == '>').trim();
    (!t.is_empty() && !t.contains(char::is_whitespace)).then(|| t.to_string())
}

// ---------------------------------------------------------------------------------------------------------
// Subjects.

/// Prefix words stripped from subjects (compared lower case): Re, Fwd and their translations.
const PREFIXES: &[&str] = &[
    "re", "fw", "fwd", "aw", "sv", "vs", "r", "rif", "wg", "antw", "tr", "odp", "ynt", "vb", "ref",
    "res", "enc",
];

/// The base subject used for grouping (prefixes like "Re:", "Fwd:", "AW:", "SV:", "R:", `Re[2]:` and
/// `[list]` tags stripped, whitespace collapsed, lower case), and whether a reply/forward prefix was found.
///
/// ```
/// use leakloupe_core::thread::base_subject;
/// assert_eq!(base_subject("RE: [p5ml] Re: Hello  World"), ("hello world".to_string(), true));
/// assert_eq!(base_subject("[list] Hello"), ("hello".to_string(), false));
/// ```
pub fn base_subject(subject: &str) -> (String, bool) {
    let mut s = subject.trim_start();
    let mut prefixed = false;
    for _ in 0..64 {
        if let Some(rest) = s.strip_prefix('[') {
            match rest.find(']') {
                Some(end) if end <= 100 && !rest[end + 1..].trim().is_empty() => {
                    s = rest[end + 1..].trim_start();
                    continue;
                }
                _ => break,
            }
        }
        let word_len = s
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphabetic())
            .map_or(s.len(), |(i, _)| i);
        if word_len == 0 || word_len > 4 {
            break;
        }
        let word = s[..word_len].to_ascii_lowercase();
        if !PREFIXES.contains(&word.as_str()) {
            break;
        }
        let mut rest = &s[word_len..];
        // counters: Re[2]: Re(2): Re^2:
        for (open, close) in [("[", "]"), ("(", ")")] {
            if let Some(r) = rest.strip_prefix(open) {
                if let Some(end) = r.find(close) {
                    if end > 0 && r[..end].bytes().all(|b| b.is_ascii_digit()) {
                        rest = &r[end + 1..];
                    }
                }
            }
        }
        if let Some(r) = rest.strip_prefix('^') {
            rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let Some(after) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) else {
            break;
        };
        s = after.trim_start();
        prefixed = true;
    }
    let base = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (base, prefixed)
}

// ---------------------------------------------------------------------------------------------------------
// The algorithm.

/// "None" in the compact `u32` fields below.
const NONE: u32 = u32::MAX;
/// Set in [`Entry::subject`] when the subject had a reply/forward prefix.
const PREFIXED: u32 = 1 << 31;

/// A Message-ID (given or only referenced), a message without one, or (while finishing) a subject group.
#[derive(Clone, Copy)]
struct Container {
    /// Index into [`Threader::entries`], or [`NONE`] for a placeholder.
    message: u32,
    parent: u32,
    /// Number of containers whose parent this is (kept by [`Threader::set_parent`]).
    children: u32,
}

/// What the later steps need of one input message: 16 bytes.
#[derive(Clone, Copy)]
struct Entry {
    /// Seconds since the epoch; `i64::MIN` for undated.
    date: i64,
    /// The caller's [`ThreadInput::id`].
    id: u32,
    /// 1 + the interned base subject (0 when empty), [`PREFIXED`] set for "Re:"-like prefixes.
    subject: u32,
}

/// JWZ threading fed one message at a time, so a caller holding millions of messages keeps only what
/// threading needs, compactly: each Message-ID as a 16-byte digest (the first half of its SHA-256, as in
/// [`crate::dedup::DedupIndex`]) mapped to a container number, the text only of ids no message has
/// (yet), each distinct base subject once: about 50 bytes per message; no [`ThreadInput`] is kept.
/// Linking (JWZ step 1) happens as messages are pushed; [`Threader::finish`] and [`Threader::flatten`] do
/// the rest on a copy, so more messages can be pushed afterwards and the whole set threaded again.
///
/// ```
/// use leakloupe_core::thread::{build, ThreadInput, Threader};
/// let a = ThreadInput { id: 7, message_id: Some("<a@x>".into()), subject: "plan".into(), ..ThreadInput::default() };
/// let b = ThreadInput { id: 9, message_id: Some("<b@x>".into()), in_reply_to: Some("<a@x>".into()), ..ThreadInput::default() };
/// let mut t = Threader::default();
/// t.push(&a);
/// t.push(&b);
/// assert_eq!(t.flatten(), vec![(0, Some(7), None), (1, Some(9), None)]);
/// assert_eq!(t.finish(), build(&[a, b]));
/// ```
#[derive(Default, Clone)]
pub struct Threader {
    containers: Vec<Container>,
    entries: Vec<Entry>,
    /// Every Message-ID seen, given or referenced, by its digest, and its container.
    by_id: HashMap<[u8; 16], u32>,
    /// The text of each id only referenced so far (a placeholder), for `missing parent <id>`.
    names: HashMap<u32, Box<str>>,
    /// Every distinct non-empty base subject and its number.
    subjects: HashMap<Box<str>, u32>,
    /// Issues found while linking, by container (few have any).
    issues: HashMap<u32, Vec<LinkIssue>>,
}

impl fmt::Debug for Threader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Threader")
            .field("messages", &self.entries.len())
            .field("containers", &self.containers.len())
            .finish()
    }
}

/// The shape steps 2 to 4 give the containers of a [`Threader`] (subject groups follow its containers).
struct Layout {
    /// Issues added while finishing (parent missing, grouped by subject).
    added: HashMap<u32, Vec<LinkIssue>>,
    /// Children of each container in display order.
    tree: Tree,
    /// Thread roots in display order.
    roots: Vec<u32>,
}

impl Threader {
    /// Number of messages pushed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no message was pushed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Add one message.
    pub fn push(&mut self, m: &ThreadInput) {
        self.push_parts(m.id, m.message_id.as_deref(), m.in_reply_to.as_deref(), &m.references, &m.subject, m.date);
    }

    /// Add one message from its parts, as in [`ThreadInput`] (a date of `i64::MIN` counts as undated).
    pub fn push_parts(
        &mut self,
        id: u32,
        message_id: Option<&str>,
        in_reply_to: Option<&str>,
        references: &[String],
        subject: &str,
        date: Option<i64>,
    ) {
        let input = u32::try_from(self.entries.len()).unwrap_or(NONE - 1);
        let mid = message_id.and_then(normalize_id);
        let this = match &mid {
            Some(own) => match self.by_id.get(&short_digest(own.as_bytes())).copied() {
                Some(c) if self.containers[c as usize].message == NONE => {
                    self.containers[c as usize].message = input;
                    self.names.remove(&c);
                    c
                }
                Some(_) => {
                    let c = self.add(input);
                    self.issue(c, LinkIssue::DuplicateMessageId { id: own.clone() });
                    c
                }
                None => {
                    let c = self.add(input);
                    self.by_id.insert(short_digest(own.as_bytes()), c);
                    c
                }
            },
            None => {
                let c = self.add(input);
                self.issue(c, LinkIssue::NoMessageId);
                c
            }
        };

        let mut refs: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for r in references {
            let mut ids = parse_references(r);
            if ids.is_empty() {
                ids.extend(normalize_id(r));
            }
            for id in ids {
                if seen.insert(id.clone()) {
                    refs.push(id);
                }
            }
        }
        let irt = in_reply_to.and_then(|v| parse_references(v).into_iter().next());
        let mut self_ref = false;
        if let Some(own) = &mid {
            let before = refs.len();
            refs.retain(|r| r != own);
            self_ref = refs.len() != before;
        }
        match irt {
            Some(irt) if mid.as_ref() == Some(&irt) => self_ref = true,
            Some(irt) => {
                if let Some(last) = refs.last().cloned() {
                    if last != irt {
                        if let Some(pos) = refs.iter().position(|r| *r == irt) {
                            refs.remove(pos);
                            self.issue(this, LinkIssue::InReplyToMismatch { in_reply_to: irt.clone(), last_reference: last });
                        }
                        refs.push(irt);
                    }
                } else {
                    refs.push(irt);
                }
            }
            None => {}
        }
        if self_ref {
            self.issue(this, LinkIssue::SelfReference);
        }
        if refs.len() > MAX_REFERENCES {
            let total = refs.len();
            refs.drain(..total - MAX_REFERENCES);
            self.issue(this, LinkIssue::ReferencesTruncated { total });
        }

        // Link consecutive references, never changing existing links nor closing a loop.
        let mut prev: Option<u32> = None;
        for r in &refs {
            let key = short_digest(r.as_bytes());
            let c = match self.by_id.get(&key) {
                Some(&c) => c,
                None => {
                    let c = self.add(NONE);
                    self.by_id.insert(key, c);
                    self.names.insert(c, r.as_str().into());
                    c
                }
            };
            if let Some(p) = prev {
                if self.containers[c as usize].parent == NONE && c != this && !self.is_ancestor_or_self(c, p) {
                    self.set_parent(c, p);
                }
            }
            prev = Some(c);
        }
        // The message's own parent is the last reference (overriding a guess from others' References).
        if let Some(last) = prev {
            if self.is_ancestor_or_self(this, last) {
                let parent = refs.last().cloned().unwrap_or_default();
                self.issue(this, LinkIssue::CycleBroken { parent });
            } else {
                self.set_parent(this, last);
            }
        }

        let (base, prefixed) = base_subject(subject);
        let subject = if base.is_empty() {
            0
        } else {
            let number = match self.subjects.get(base.as_str()) {
                Some(&n) => n,
                None => {
                    let n = u32::try_from(self.subjects.len() + 1).unwrap_or(PREFIXED - 1).min(PREFIXED - 1);
                    self.subjects.insert(base.into_boxed_str(), n);
                    n
                }
            };
            number | if prefixed { PREFIXED } else { 0 }
        };
        self.entries.push(Entry { date: date.unwrap_or(i64::MIN), id, subject });
    }

    fn add(&mut self, message: u32) -> u32 {
        self.containers.push(Container { message, parent: NONE, children: 0 });
        u32::try_from(self.containers.len() - 1).unwrap_or(NONE - 1)
    }

    fn issue(&mut self, container: u32, issue: LinkIssue) {
        self.issues.entry(container).or_default().push(issue);
    }

    fn set_parent(&mut self, child: u32, parent: u32) {
        let old = std::mem::replace(&mut self.containers[child as usize].parent, parent);
        if old != NONE {
            let o = &mut self.containers[old as usize];
            o.children = o.children.saturating_sub(1);
        }
        self.containers[parent as usize].children += 1;
    }

    /// Whether `a` is `b` or one of its ancestors.
    fn is_ancestor_or_self(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        if self.containers[a as usize].children == 0 {
            return false; // a leaf is nobody's ancestor: skips the walk in the common case
        }
        let mut cur = b;
        let mut steps = 0usize;
        while cur != NONE {
            if cur == a {
                return true;
            }
            steps += 1;
            if steps > self.containers.len() {
                return true; // cannot happen (links are acyclic); refuse the link to be safe
            }
            cur = self.containers.get(cur as usize).map_or(NONE, |c| c.parent);
        }
        false
    }

    /// The input message in container `c` ([`NONE`] for placeholders and subject groups).
    fn message_in(&self, c: u32) -> u32 {
        self.containers.get(c as usize).map_or(NONE, |c| c.message)
    }

    fn date_in(&self, c: u32) -> Option<i64> {
        let m = self.message_in(c);
        let date = self.entries.get(m as usize)?.date;
        (date != i64::MIN).then_some(date)
    }

    /// JWZ steps 2 to 4 on a copy of the links: prune, subject fallback, sort. The issues found on the way
    /// are kept only `with_issues` (a flattened order has no use for them).
    fn layout(&self, with_issues: bool) -> Layout {
        let n0 = self.containers.len();
        let mut parent: Vec<u32> = self.containers.iter().map(|c| c.parent).collect();

        // Step 2: drop childless empty containers (left over after re-parenting), bottom up.
        let mut live = vec![true; n0];
        let mut child_count = vec![0u32; n0];
        for &p in &parent {
            if p != NONE {
                child_count[p as usize] += 1;
            }
        }
        let mut queue: Vec<u32> = (0..n0 as u32).filter(|&i| self.message_in(i) == NONE && child_count[i as usize] == 0).collect();
        while let Some(i) = queue.pop() {
            live[i as usize] = false;
            let p = std::mem::replace(&mut parent[i as usize], NONE);
            if p != NONE {
                let count = &mut child_count[p as usize];
                *count = count.saturating_sub(1);
                if *count == 0 && self.message_in(p) == NONE && live[p as usize] {
                    queue.push(p);
                }
            }
        }
        drop(child_count);
        let mut added: HashMap<u32, Vec<LinkIssue>> = HashMap::new();
        for i in 0..n0 as u32 {
            let p = parent[i as usize];
            if with_issues && live[i as usize] && self.message_in(i) != NONE && p != NONE && self.message_in(p) == NONE {
                let id = self.names.get(&p).map(|s| s.to_string()).unwrap_or_default();
                added.entry(i).or_default().push(LinkIssue::ParentMissing { id });
            }
        }

        // Step 3: subject fallback over the root set.
        let tree = Tree::of(&parent, &live);
        let roots: Vec<u32> = (0..n0 as u32).filter(|&i| live[i as usize] && parent[i as usize] == NONE).collect();
        // (root, base subject number, prefixed)
        let mut root_subjects: Vec<(u32, u32, bool)> = Vec::new();
        for &r in &roots {
            let first_message = match self.message_in(r) {
                NONE => tree.subtree(r).into_iter().map(|x| self.message_in(x)).filter(|&m| m != NONE).min(),
                m => Some(m),
            };
            let Some(subject) = first_message.and_then(|m| self.entries.get(m as usize)).map(|e| e.subject) else { continue };
            if subject == 0 {
                continue;
            }
            // A placeholder root is never an "original" message, whatever its first reply says.
            let prefixed = subject & PREFIXED != 0 || self.message_in(r) == NONE;
            root_subjects.push((r, subject & !PREFIXED, prefixed));
        }
        drop(tree);
        // base subject -> (container, is an unprefixed real message, is a subject group)
        let mut table: HashMap<u32, (u32, bool, bool)> = HashMap::new();
        for &(r, base, prefixed) in &root_subjects {
            let best = !prefixed;
            match table.get(&base) {
                Some((_, existing_best, _)) if *existing_best || !best => {}
                _ => {
                    table.insert(base, (r, best, false));
                }
            }
        }
        for &(r, base, prefixed) in &root_subjects {
            let Some(&(t, t_best, t_group)) = table.get(&base) else { continue };
            if t == r {
                continue;
            }
            let mut grouped = |c: u32| {
                if with_issues {
                    added.entry(c).or_default().push(LinkIssue::GroupedBySubject);
                }
            };
            if t_group || (t_best && prefixed) {
                parent[r as usize] = t;
                grouped(r);
            } else {
                let g = u32::try_from(parent.len()).unwrap_or(NONE - 1);
                parent.push(NONE);
                live.push(true);
                parent[t as usize] = g;
                grouped(t);
                parent[r as usize] = g;
                grouped(r);
                table.insert(base, (g, false, true));
            }
        }
        drop((table, root_subjects));

        // Step 4: sort.
        let mut tree = Tree::of(&parent, &live);
        let n = parent.len();
        let mut roots: Vec<u32> = (0..n as u32).filter(|&i| live[i as usize] && parent[i as usize] == NONE).collect();
        drop(live);
        let mut order = Vec::with_capacity(n);
        for &r in &roots {
            order.extend(tree.subtree(r));
        }
        // Earliest date and first input index per subtree, children before parents.
        let mut earliest: Vec<i64> = (0..n as u32).map(|i| self.date_in(i).unwrap_or(i64::MIN)).collect();
        let mut first: Vec<u32> = (0..n as u32).map(|i| self.message_in(i)).collect();
        for &i in order.iter().rev() {
            let i = i as usize;
            for &c in tree.children(i) {
                let c = c as usize;
                earliest[i] = match (earliest[i], earliest[c]) {
                    (i64::MIN, b) => b,
                    (a, i64::MIN) => a,
                    (a, b) => a.min(b),
                };
                first[i] = first[i].min(first[c]);
            }
        }
        drop(order);
        let key = |i: u32, own: bool| {
            let d = match own {
                true => self.date_in(i).unwrap_or(earliest[i as usize]),
                false => earliest[i as usize],
            };
            (d == i64::MIN, if d == i64::MIN { 0 } else { d }, first[i as usize], i)
        };
        for i in 0..n {
            tree.children_mut(i).sort_by_key(|&c| key(c, true));
        }
        roots.sort_by_key(|&r| key(r, false));
        Layout { added, tree, roots }
    }

    /// Thread everything pushed so far (steps 2 to 4 of JWZ on a copy: more can be pushed after).
    pub fn finish(&self) -> Threads {
        let layout = self.layout(true);
        let mut thread_index = HashMap::new();
        let mut result_roots = Vec::with_capacity(layout.roots.len());
        for (ti, &r) in layout.roots.iter().enumerate() {
            let mut flat = Vec::new();
            layout.tree.visit(r, |depth, c| {
                let (message, missing_id) = self.shown(c);
                if let Some(id) = message {
                    thread_index.entry(id).or_insert(ti);
                }
                let mut issues = self.issues.get(&c).cloned().unwrap_or_default();
                issues.extend(layout.added.get(&c).into_iter().flatten().cloned());
                flat.push((depth, Node { message, missing_id, issues, children: Vec::new() }));
            });
            result_roots.extend(assemble(flat));
        }
        Threads { roots: result_roots, thread_index }
    }

    /// What `self.finish().flatten()` gives, without building the trees: every node of every thread,
    /// depth-first, as `(depth, message, missing_id)`; a subject group is `(depth, None, None)`.
    pub fn flatten(&self) -> Vec<(usize, Option<u32>, Option<String>)> {
        let layout = self.layout(false);
        let mut out = Vec::with_capacity(layout.tree.len());
        for &r in &layout.roots {
            layout.tree.visit(r, |depth, c| {
                let (message, missing_id) = self.shown(c);
                out.push((depth, message, missing_id));
            });
        }
        out
    }

    /// What container `c` shows: the caller's id of its message, or the id of the missing message it
    /// stands for (neither for a subject group).
    fn shown(&self, c: u32) -> (Option<u32>, Option<String>) {
        match self.entries.get(self.message_in(c) as usize) {
            Some(e) => (Some(e.id), None),
            None => (None, self.names.get(&c).map(|s| s.to_string())),
        }
    }
}

/// Thread `messages` (any order). Never panics; roots are sorted by the earliest date in each thread,
/// children by date, undated ones last, ties in input order.
pub fn build(messages: &[ThreadInput]) -> Threads {
    let mut t = Threader::default();
    for m in messages {
        t.push(m);
    }
    t.finish()
}

/// The live children of every container: `kids[start[i]..start[i + 1]]` (compact: two vectors of `u32`
/// for millions of containers, not a vector each).
struct Tree {
    start: Vec<u32>,
    kids: Vec<u32>,
}

impl Tree {
    /// Children in container order.
    fn of(parent: &[u32], live: &[bool]) -> Tree {
        let n = parent.len();
        let linked = |i: usize| live[i] && parent[i] != NONE;
        let mut start = vec![0u32; n + 1];
        for i in (0..n).filter(|&i| linked(i)) {
            start[parent[i] as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill: Vec<u32> = start[..n].to_vec();
        let mut kids = vec![0u32; start[n] as usize];
        for i in (0..n).filter(|&i| linked(i)) {
            let at = &mut fill[parent[i] as usize];
            kids[*at as usize] = i as u32;
            *at += 1;
        }
        Tree { start, kids }
    }

    /// Number of containers.
    fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i] as usize..self.start[i + 1] as usize
    }

    fn children(&self, i: usize) -> &[u32] {
        &self.kids[self.range(i)]
    }

    fn children_mut(&mut self, i: usize) -> &mut [u32] {
        let range = self.range(i);
        &mut self.kids[range]
    }

    /// Visit `root` and its descendants depth-first in order, with depths (root at 0).
    fn visit(&self, root: u32, mut visit: impl FnMut(usize, u32)) {
        let mut stack = vec![(0usize, root)];
        while let Some((depth, c)) = stack.pop() {
            visit(depth, c);
            stack.extend(self.children(c as usize).iter().rev().map(|&ch| (depth + 1, ch)));
        }
    }

    /// `root` and all its descendants, depth-first.
    fn subtree(&self, root: u32) -> Vec<u32> {
        let mut out = Vec::new();
        self.visit(root, |_, c| out.push(c));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_references_shapes() {
        assert_eq!(parse_references(""), Vec::<String>::new());
        assert_eq!(parse_references("<<a@b>>"), vec!["a@b"]);
        assert_eq!(parse_references("<a@b"), vec!["a@b"]);
        assert_eq!(parse_references("<a@b <c@d>"), vec!["a@b", "c@d"]);
        assert_eq!(
            parse_references("<a@b> (comment <x@y>) <c@d>"),
            vec!["a@b", "c@d"]
        );
        assert_eq!(
            parse_references("joe@example.com's message of Tue"),
            Vec::<String>::new()
        );
        assert_eq!(parse_references("<>"), Vec::<String>::new());
        assert_eq!(parse_references("<no-at-sign>"), vec!["no-at-sign"]);
    }

    #[test]
    fn base_subject_prefixes() {
        for (s, want, pre) in [
            ("Re: x", "x", true),
            ("RE: RE: x", "x", true),
            ("AW: SV: R: Fwd: x", "x", true),
            ("Re[2]: x", "x", true),
            ("Re(3): x", "x", true),
            ("[list] Re: [list] x", "x", true),
            ("Regarding: x", "regarding: x", false),
            ("Re:", "", true),
            ("[only tag]", "[only tag]", false),
            ("Réponse: x", "réponse: x", false),
        ] {
            assert_eq!(base_subject(s), (want.to_string(), pre), "{s}");
        }
    }

    #[test]
    fn deep_tree_clone_eq_drop() {
        let mut node = Node {
            message: Some(0),
            missing_id: None,
            issues: Vec::new(),
            children: Vec::new(),
        };
        for i in 1..200_000 {
            node = Node {
                message: Some(i),
                missing_id: None,
                issues: Vec::new(),
                children: vec![node],
            };
        }
        let copy = node.clone();
        assert!(copy == node);
        assert_eq!(copy.message_count(), 200_000);
    }
}
