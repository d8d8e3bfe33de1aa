//! Duplicates across sources, as a leak analyst needs them.
//!
//! The same raw bytes seen twice (the same .eml in two folders, one mbox dropped twice) are ONE
//! message with several locations. The same Message-ID with *different* bytes is kept as separate
//! variants and flagged: in a leak that is a forensic signal (a message altered, re-sent, or
//! exported by two different clients), not noise. [`DedupIndex::observe`] decides which case a newly
//! found message is; [`differing_headers`] says in which headers two variants differ.
//!
//! ```
//! use leakloupe_core::dedup::{DedupIndex, Seen};
//! let mut ix = DedupIndex::default();
//! assert_eq!(ix.observe(0, "aa", Some("<x@y>")), Seen::New);
//! assert_eq!(ix.observe(1, "aa", Some("<x@y>")), Seen::SameBytes { first: 0 });
//! assert_eq!(ix.observe(2, "bb", Some("<x@y>")), Seen::Variant { of: vec![0] });
//! ```

use std::collections::HashMap;

use crate::message::HeaderField;

/// What a newly found message is, relative to the ones seen before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: a new message.
    New,
    /// Byte-identical to message `first`: the same message at another location.
    SameBytes {
        /// The message it duplicates.
        first: u32,
    },
    /// A different message with the same Message-ID as the messages in `of` (in order found).
    Variant {
        /// The earlier variants.
        of: Vec<u32>,
    },
}

/// Remembers message hashes and Message-IDs.
#[derive(Debug, Default, Clone)]
pub struct DedupIndex {
    by_hash: HashMap<String, u32>,
    by_message_id: HashMap<String, Vec<u32>>,
}

/// Message-IDs compare without angle brackets and surrounding space; the local part is case
/// sensitive in theory, but clients and archives differ in case so often that a variant check
/// must not be fooled by it.
fn normalize_message_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>').trim();
    (!id.is_empty()).then(|| id.to_ascii_lowercase())
}

impl DedupIndex {
    /// Record message `id` with its raw-bytes SHA-256 (hex) and Message-ID, and say what it is.
    /// A byte-identical duplicate is not recorded under its own id: callers keep `first`.
    pub fn observe(&mut self, id: u32, sha256: &str, message_id: Option<&str>) -> Seen {
        if let Some(&first) = self.by_hash.get(sha256) {
            return Seen::SameBytes { first };
        }
        self.by_hash.insert(sha256.to_string(), id);
        let Some(mid) = message_id.and_then(normalize_message_id) else {
            return Seen::New;
        };
        let ids = self.by_message_id.entry(mid).or_default();
        let seen = if ids.is_empty() { Seen::New } else { Seen::Variant { of: ids.clone() } };
        ids.push(id);
        seen
    }

    /// The message with these bytes (lowercase hex SHA-256), if one was observed.
    pub fn id_of(&self, sha256: &str) -> Option<u32> {
        self.by_hash.get(sha256).copied()
    }

    /// Every message recorded under the same Message-ID as `message_id`, in order found.
    pub fn variants(&self, message_id: &str) -> &[u32] {
        normalize_message_id(message_id)
            .and_then(|m| self.by_message_id.get(&m))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Number of distinct messages recorded.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// Names of the header fields whose values differ between two variants, in the order they first
/// appear in `a` then `b`. Fields present in one only count as differing. Trace fields that every
/// hop adds (Received, Return-Path, Delivered-To, X-*) are compared too: a forensic diff hides
/// nothing, the UI decides what to emphasise.
pub fn differing_headers(a: &[HeaderField], b: &[HeaderField]) -> Vec<String> {
    fn values<'h>(hs: &'h [HeaderField], name: &str) -> Vec<&'h str> {
        hs.iter().filter(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.raw.trim()).collect()
    }
    let mut out: Vec<String> = Vec::new();
    for h in a.iter().chain(b.iter()) {
        if out.iter().any(|n| n.eq_ignore_ascii_case(&h.name)) {
            continue;
        }
        if values(a, &h.name) != values(b, &h.name) {
            out.push(h.name.clone());
        }
    }
    out
}

/// Whether two messages are the same text once CRLF and lone CR line ends are read as LF: the
/// usual difference between one message exported by two clients.
pub fn same_apart_from_line_endings(a: &[u8], b: &[u8]) -> bool {
    fn lines(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
        let mut i = 0;
        std::iter::from_fn(move || {
            let c = *bytes.get(i)?;
            i += 1;
            if c == b'\r' {
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                return Some(b'\n');
            }
            Some(c)
        })
    }
    lines(a).eq(lines(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, raw: &str) -> HeaderField {
        HeaderField { name: name.into(), raw: raw.into(), decoded: raw.into() }
    }

    #[test]
    fn identical_bytes_are_one_message() {
        let mut ix = DedupIndex::default();
        assert_eq!(ix.observe(0, "h1", None), Seen::New);
        assert_eq!(ix.observe(1, "h1", None), Seen::SameBytes { first: 0 });
        assert_eq!(ix.len(), 1);
    }

    #[test]
    fn same_message_id_different_bytes_are_variants() {
        let mut ix = DedupIndex::default();
        assert_eq!(ix.observe(0, "h1", Some("<A@x>")), Seen::New);
        assert_eq!(ix.observe(1, "h2", Some(" <a@x> ")), Seen::Variant { of: vec![0] });
        assert_eq!(ix.observe(2, "h3", Some("a@x")), Seen::Variant { of: vec![0, 1] });
        assert_eq!(ix.variants("<a@X>"), &[0, 1, 2]);
        assert_eq!(ix.observe(3, "h4", Some("<>")), Seen::New, "an empty Message-ID links nothing");
    }

    #[test]
    fn line_endings_alone_do_not_make_a_different_text() {
        assert!(same_apart_from_line_endings(b"a\r\nb\r\n", b"a\nb\n"));
        assert!(same_apart_from_line_endings(b"a\rb\r", b"a\nb\n"));
        assert!(!same_apart_from_line_endings(b"a\nb\n", b"a\nc\n"));
        assert!(!same_apart_from_line_endings(b"a\n\n", b"a\n"));
    }

    #[test]
    fn header_diff_names_changed_added_and_removed_fields() {
        let a = vec![h("From", "a@x"), h("Subject", "Hi"), h("Received", "one"), h("X-Only-A", "1")];
        let b = vec![h("From", "a@x"), h("subject", "Hi!"), h("Received", "one"), h("Received", "two")];
        assert_eq!(differing_headers(&a, &b), vec!["Subject", "Received", "X-Only-A"]);
        assert!(differing_headers(&a, &a).is_empty());
    }
}
