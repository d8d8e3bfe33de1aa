//! Tag lists (RFC 6376 §3.2): the `tag=value; tag=value` syntax shared by DKIM-Signature, ARC headers and
//! DKIM key records, plus the two value encodings DKIM uses: base64 with folding whitespace and
//! "dkim-quoted-printable" (`i=`).
//!
//! ```
//! use leakloupe_core::auth::tags::TagList;
//! let t = TagList::parse("v=1; a=rsa-sha256;\r\n\tbh = abc\r\n de ;");
//! assert!(t.error.is_none());
//! assert_eq!(t.get("a"), Some("rsa-sha256"));
//! assert_eq!(t.get("bh"), Some("abc\r\n de"));
//! ```

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// A parsed tag list: every well-formed tag in order, and the first syntax problem (if any).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagList {
    /// `(name, value)` pairs in order; values trimmed of surrounding folding whitespace, inner text kept.
    pub tags: Vec<(String, String)>,
    /// The first syntax problem, as a sentence fragment (e.g. "tag \"t\" has no '='"); `None` when clean.
    pub error: Option<String>,
}

fn is_fws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

impl TagList {
    /// Parses a tag list leniently: malformed or duplicate tags are skipped and the first problem is
    /// recorded in [`TagList::error`], so callers can still report `d=` / `s=` of a broken signature.
    pub fn parse(text: &str) -> TagList {
        let mut out = TagList::default();
        let segments: Vec<&str> = text.split(';').collect();
        for (n, segment) in segments.iter().enumerate() {
            if segment.chars().all(is_fws) {
                // Only the last segment may be empty (one trailing ';').
                if n + 1 < segments.len() && segments.len() > 1 {
                    out.note("an empty tag (\";;\")".to_string());
                }
                continue;
            }
            let Some(eq) = segment.find('=') else {
                out.note(format!(
                    "tag \"{}\" has no '='",
                    segment.trim_matches(is_fws)
                ));
                continue;
            };
            let name = segment[..eq].trim_matches(is_fws);
            let value = segment[eq + 1..].trim_matches(is_fws);
            let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_name {
                out.note(format!("\"{name}\" is not a valid tag name"));
                continue;
            }
            if out.get(name).is_some() {
                out.note(format!("tag \"{name}\" appears twice"));
                continue;
            }
            out.tags.push((name.to_string(), value.to_string()));
        }
        out
    }

    fn note(&mut self, problem: String) {
        if self.error.is_none() {
            self.error = Some(problem);
        }
    }

    /// The value of tag `name` (case-sensitive, as RFC 6376 requires), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Removes all folding whitespace (space, tab, CR, LF) from a value, as for `b=`, `bh=` and `p=`.
pub fn strip_fws(value: &str) -> String {
    value.chars().filter(|c| !is_fws(*c)).collect()
}

/// Decodes base64 after removing folding whitespace; padding is optional. `None` if it is not base64.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(strip_fws(value)).ok()
}

/// Decodes "dkim-quoted-printable" (RFC 6376 §2.11): `=XX` hex escapes, folding whitespace dropped. An `=`
/// not followed by two hex digits is kept as written.
pub fn decode_dkim_qp(value: &str) -> String {
    let bytes: Vec<u8> = strip_fws(value).into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a colon-separated list (`h=`, `q=`, key `h=` / `s=` / `t=`), trimming each item; empty items dropped.
pub fn colon_list(value: &str) -> Vec<String> {
    value
        .split(':')
        .map(|s| s.trim_matches(is_fws).to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_with_fws_and_trailing_semicolon() {
        let t = TagList::parse(" v=1 ;\r\n a = rsa-sha1 ; h=From : To;\t");
        assert_eq!(t.error, None);
        assert_eq!(t.get("v"), Some("1"));
        assert_eq!(t.get("a"), Some("rsa-sha1"));
        assert_eq!(colon_list(t.get("h").unwrap()), vec!["From", "To"]);
        assert_eq!(t.get("V"), None, "tag names are case-sensitive");
    }

    #[test]
    fn records_syntax_errors_but_keeps_good_tags() {
        let t = TagList::parse("k=rsa; t; p=abc");
        assert_eq!(t.get("p"), Some("abc"));
        assert!(t.error.unwrap().contains("no '='"));
        let t = TagList::parse("a=1; a=2");
        assert_eq!(t.get("a"), Some("1"));
        assert!(t.error.unwrap().contains("twice"));
        let t = TagList::parse("1x=2");
        assert!(t.error.is_some());
        let t = TagList::parse("");
        assert!(t.tags.is_empty() && t.error.is_none());
        let t = TagList::parse("a=1;; b=2");
        assert_eq!(t.get("b"), Some("2"));
        assert!(t.error.unwrap().contains("empty tag"));
        let t = TagList::parse("x1 = extra ; t = y:n:extra; ");
        assert_eq!(t.get("x1"), Some("extra"));
        assert_eq!(t.error, None);
    }

    #[test]
    fn decodes_values() {
        assert_eq!(decode_base64("aGVs\r\n bG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_dkim_qp("=6Along@messiah=2Eedu"), "jlong@messiah.edu");
        assert_eq!(decode_dkim_qp("a=4"), "a=4");
        assert_eq!(decode_dkim_qp("="), "=");
        assert_eq!(decode_dkim_qp("x=ZZ"), "x=ZZ");
    }
}
