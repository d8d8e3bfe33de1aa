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

use sha2::{Digest, Sha256};

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
///
/// Memory matters here: a 5 GB leak has millions of messages and this holds every one, so each is
/// kept as 16 bytes plus a number. A message's SHA-256 (given as 64 hex digits) is keyed by its first
/// 16 bytes, and a Message-ID by the first 16 bytes of the SHA-256 of its normalized text, not the text
/// itself: 128 bits of SHA-256 is still a collision-resistant digest (finding any two inputs that share
/// them takes about 2^64 hash evaluations), so two messages are never folded or called variants by
/// accident nor by a forger's design. Anything that is not a SHA-256 (tests, other digests) is kept as text.
#[derive(Debug, Default, Clone)]
pub struct DedupIndex {
    by_hash: HashMap<[u8; 16], u32>,
    by_other_hash: HashMap<String, u32>,
    /// Message-ID digest → the one message with it, or [`MANY`] + an index into `many`.
    by_message_id: HashMap<[u8; 16], u32>,
    /// The messages of each Message-ID seen more than once, in order found.
    many: Vec<Vec<u32>>,
}

/// Marks an index into [`DedupIndex::many`] (message ids stay far below 2^31: wasm memory ends at 4 GiB).
const MANY: u32 = 1 << 31;

/// The first 16 bytes of a SHA-256 written as 64 hex digits (either case).
fn digest_bytes(hex: &str) -> Option<[u8; 16]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *o = nibble(*pair.first()?)? << 4 | nibble(*pair.get(1)?)?;
    }
    Some(out)
}

/// The first 16 bytes of the SHA-256 of `bytes`: how a Message-ID is keyed here and in
/// [`crate::thread::Threader`] (see [`DedupIndex`] for why 128 bits are enough).
pub(crate) fn short_digest(bytes: &[u8]) -> [u8; 16] {
    let full = Sha256::digest(bytes);
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
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
        if let Some(first) = self.id_of(sha256) {
            return Seen::SameBytes { first };
        }
        match digest_bytes(sha256) {
            Some(d) => self.by_hash.insert(d, id),
            None => self.by_other_hash.insert(sha256.to_string(), id),
        };
        let Some(mid) = message_id.and_then(normalize_message_id) else {
            return Seen::New;
        };
        let key = short_digest(mid.as_bytes());
        let Some(slot) = self.by_message_id.get_mut(&key) else {
            self.by_message_id.insert(key, id);
            return Seen::New;
        };
        if *slot & MANY == 0 {
            let first = *slot;
            *slot = MANY | u32::try_from(self.many.len()).unwrap_or(MANY - 1);
            self.many.push(vec![first, id]);
            return Seen::Variant { of: vec![first] };
        }
        match self.many.get_mut((*slot & !MANY) as usize) {
            Some(ids) => {
                let seen = Seen::Variant { of: ids.clone() };
                ids.push(id);
                seen
            }
            None => Seen::New,
        }
    }

    /// The message with these bytes (lowercase hex SHA-256), if one was observed.
    pub fn id_of(&self, sha256: &str) -> Option<u32> {
        match digest_bytes(sha256) {
            Some(d) => self.by_hash.get(&d).copied(),
            None => self.by_other_hash.get(sha256).copied(),
        }
    }

    /// Every message recorded under the same Message-ID as `message_id`, in order found.
    pub fn variants(&self, message_id: &str) -> &[u32] {
        let Some(slot) = normalize_message_id(message_id).and_then(|m| self.by_message_id.get(&short_digest(m.as_bytes()))) else {
            return &[];
        };
        match slot & MANY {
            0 => std::slice::from_ref(slot),
            _ => self.many.get((slot & !MANY) as usize).map_or(&[], Vec::as_slice),
        }
    }

    /// Number of distinct messages recorded.
    pub fn len(&self) -> usize {
        self.by_hash.len() + self.by_other_hash.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty() && self.by_other_hash.is_empty()
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
    fn sha256_digests_are_kept_as_bytes_and_found_again() {
        let a = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let b = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
        let mut ix = DedupIndex::default();
        assert_eq!(ix.observe(0, a, Some("<m@x>")), Seen::New);
        assert_eq!(ix.observe(1, b, Some("m@x")), Seen::Variant { of: vec![0] });
        assert_eq!(ix.observe(2, "not-a-digest", Some("<M@X>")), Seen::Variant { of: vec![0, 1] });
        assert_eq!(ix.observe(3, a, None), Seen::SameBytes { first: 0 });
        assert_eq!(ix.observe(4, "not-a-digest", None), Seen::SameBytes { first: 2 });
        assert_eq!(ix.id_of(&a.to_uppercase()), Some(0));
        assert_eq!(ix.id_of(b), Some(1));
        assert_eq!(ix.id_of(&b.replace('6', "g")), None);
        assert_eq!(ix.variants("<m@x>"), [0, 1, 2]);
        assert_eq!(ix.len(), 3);
        assert!(digest_bytes(&a[..63]).is_none());
        assert_eq!(digest_bytes(a).map(|d| d[0]), Some(0x9f));
        assert!(digest_bytes(&a.replace('9', "+")).is_none(), "not hex");
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
