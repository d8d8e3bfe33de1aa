//! The tokenizer shared by indexing and querying: Unicode words, case and diacritic folding, CJK bigrams and
//! e-mail addresses.
//!
//! - Words are runs of letters, digits and combining marks; everything else separates them ("January's" is
//!   `january` + `s`, "e-mail" is `e` + `mail`; the same rule on both sides makes a quoted phrase find them).
//! - Folding ([`fold`]): lower case, diacritics removed from Latin, Greek and Cyrillic letters ("Hervé" →
//!   `herve`, "Ærøskøbing" → `aeroskobing`, "ß" → `ss`, "ё" → `е`, but "й" stays), full-width ASCII made
//!   ASCII. Other scripts are only lower-cased (Hangul and kana are never decomposed).
//! - CJK (Han, kana, Hangul) runs are indexed as overlapping character bigrams plus single characters;
//!   a query of one character looks up the single character, a longer run becomes a phrase of its bigrams.
//! - An e-mail address is indexed whole (`john.smith@mail.example.com`), as its local part
//!   (`john.smith`), its domain (`mail.example.com`) and as the plain words of both
//!   (`john` `smith` `mail` `example` `com`). A query word that is an address looks up the whole address.
//!
//! Every token carries a position offset (for phrases) and the byte range it came from (for highlighting).
//!
//! ```
//! use leakloupe_core::search::tokenize::{tokens, Mode};
//! let t: Vec<String> = tokens("Hervé wrote to JOHN@Example.com", Mode::Query).into_iter().map(|t| t.term).collect();
//! assert_eq!(t, ["herve", "wrote", "to", "john@example.com"]);
//! ```

use std::ops::Range;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Tokens longer than this many bytes (after folding) are not indexed (base64 debris, hashes run together).
pub const MAX_WORD_BYTES: usize = 64;
/// Whole e-mail addresses longer than this many bytes are not indexed as one token.
pub const MAX_ADDRESS_BYTES: usize = 128;

/// Which side is tokenizing: the index emits every form of a token, a query only the most precise one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Indexing: e-mail addresses give the whole address, local part, domain and words; CJK runs give bigrams
    /// and single characters.
    Index,
    /// Querying: an e-mail address gives only the whole address; a CJK run gives its bigrams (one character
    /// alone gives that character).
    Query,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded term, e.g. "herve".
    pub term: String,
    /// Position offset from the start of the text (several tokens can share one, e.g. an address and its
    /// first word).
    pub offset: u32,
    /// Byte range of the original text the token came from.
    pub range: Range<usize>,
}

/// Tokenize `text` into a vector (convenience over [`tokenize`]).
pub fn tokens(text: &str, mode: Mode) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize(text, mode, &mut |term, offset, range| {
        out.push(Token {
            term: term.to_string(),
            offset,
            range,
        })
    });
    out
}

/// Fold a whole string the way terms are folded (lower case, no diacritics); characters that are not letters
/// or digits are kept as they are. Used for keyword values, tags and domains.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// Byte ranges of `text` whose tokens are one of `terms` (as given by
/// [`SearchIndex::highlight_terms`](super::SearchIndex::highlight_terms)), sorted and merged. Folding applies,
/// so the term `herve` highlights "Hervé".
pub fn highlight_ranges(text: &str, terms: &[String]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    if terms.is_empty() {
        return ranges;
    }
    tokenize(text, Mode::Index, &mut |term, _, range| {
        if terms.iter().any(|t| t == term) {
            ranges.push(range);
        }
    });
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Tokenize `text`, calling `sink(term, offset, byte_range)` for every token; returns the number of positions
/// used (the offset the next text should start at).
pub fn tokenize(text: &str, mode: Mode, sink: &mut dyn FnMut(&str, u32, Range<usize>)) -> u32 {
    let mut pos: u32 = 0;
    let mut buf = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let c = if b < 0x80 {
            if !b.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            char::from(b)
        } else {
            match text.get(i..).and_then(|s| s.chars().next()) {
                Some(c) => c,
                None => {
                    i += 1;
                    continue;
                }
            }
        };
        if is_cjk(c) {
            i = cjk_run(text, i, mode, &mut pos, &mut buf, sink);
            continue;
        }
        if !is_word_char(c) {
            i += c.len_utf8();
            continue;
        }
        // A word: ASCII fast path, then the general rule if a non-ASCII character follows.
        let mut end = i + 1;
        while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            end += 1;
        }
        if bytes.get(end).is_some_and(|b| *b >= 0x80) || b >= 0x80 {
            end = word_end(text, i);
        }
        // Only a word followed by '@' or a local-part character can start an address.
        if matches!(
            bytes.get(end),
            Some(b'@' | b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
        ) {
            if let Some((at, e)) = email_at(text, i) {
                i = email(text, i, at, e, mode, &mut pos, &mut buf, sink);
                continue;
            }
        }
        let word = text.get(i..end).unwrap_or_default();
        emit_folded(word, pos, i..end, MAX_WORD_BYTES, &mut buf, sink);
        pos = pos.saturating_add(1);
        i = end.max(i + 1);
    }
    pos
}

/// Fold `word` into `buf` and emit it unless it is too long.
fn emit_folded(
    word: &str,
    pos: u32,
    range: Range<usize>,
    max: usize,
    buf: &mut String,
    sink: &mut dyn FnMut(&str, u32, Range<usize>),
) {
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            fold_char(c, buf);
        }
    }
    if !buf.is_empty() && buf.len() <= max {
        sink(buf, pos, range);
    }
}

/// A run of CJK characters starting at `start`; returns where it ends.
fn cjk_run(
    text: &str,
    start: usize,
    mode: Mode,
    pos: &mut u32,
    buf: &mut String,
    sink: &mut dyn FnMut(&str, u32, Range<usize>),
) -> usize {
    let mut chars: Vec<(usize, char)> = Vec::new();
    let mut end = start;
    for (off, c) in text.get(start..).unwrap_or_default().char_indices() {
        if !is_cjk(c) {
            break;
        }
        chars.push((start + off, c));
        end = start + off + c.len_utf8();
    }
    let n = chars.len();
    for (k, &(at, c)) in chars.iter().enumerate() {
        let p = pos.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
        let c_end = at + c.len_utf8();
        if mode == Mode::Index || n == 1 {
            buf.clear();
            fold_char(c, buf);
            sink(buf, p, at..c_end);
        }
        if let Some(&(next_at, next)) = chars.get(k + 1) {
            buf.clear();
            fold_char(c, buf);
            fold_char(next, buf);
            sink(buf, p, at..next_at + next.len_utf8());
        }
    }
    *pos = pos.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    end
}

/// An e-mail address at `start` (local part up to `at`, domain up to `end`).
#[allow(clippy::too_many_arguments)]
fn email(
    text: &str,
    start: usize,
    at: usize,
    end: usize,
    mode: Mode,
    pos: &mut u32,
    buf: &mut String,
    sink: &mut dyn FnMut(&str, u32, Range<usize>),
) -> usize {
    let whole = text.get(start..end).unwrap_or_default();
    emit_folded(whole, *pos, start..end, MAX_ADDRESS_BYTES, buf, sink);
    let local = text.get(start..at).unwrap_or_default();
    let domain = text.get(at + 1..end).unwrap_or_default();
    let local_words = count_words(local);
    if mode == Mode::Index {
        if local_words > 1 {
            emit_folded(local, *pos, start..at, MAX_ADDRESS_BYTES, buf, sink);
        }
        if count_words(domain) > 1 {
            let p = pos.saturating_add(local_words);
            emit_folded(domain, p, at + 1..end, MAX_ADDRESS_BYTES, buf, sink);
        }
    }
    // The words of the address, at consecutive positions (emitted only when indexing).
    let mut i = start;
    while let Some(c) = text.get(i..end).and_then(|s| s.chars().next()) {
        if is_word_char(c) && !is_cjk(c) {
            let w_end = word_end(text, i).min(end);
            if mode == Mode::Index {
                let word = text.get(i..w_end).unwrap_or_default();
                emit_folded(word, *pos, i..w_end, MAX_WORD_BYTES, buf, sink);
            }
            *pos = pos.saturating_add(1);
            i = w_end.max(i + c.len_utf8());
        } else {
            i += c.len_utf8();
        }
    }
    end
}

fn count_words(s: &str) -> u32 {
    let mut n = 0u32;
    let mut in_word = false;
    for c in s.chars() {
        let w = is_word_char(c) && !is_cjk(c);
        if w && !in_word {
            n = n.saturating_add(1);
        }
        in_word = w;
    }
    n
}

/// End of the (non-CJK) word starting at `start`.
fn word_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or_default();
    for (off, c) in rest.char_indices() {
        if !is_word_char(c) || is_cjk(c) {
            return start + off;
        }
    }
    text.len()
}

/// An e-mail address starting at `start`: `Some((index of '@', end))`.
fn email_at(text: &str, start: usize) -> Option<(usize, usize)> {
    const SCAN: usize = 256;
    let rest = text.get(start..)?;
    let mut at = None;
    for (off, c) in rest.char_indices() {
        if off > SCAN {
            return None;
        }
        if c == '@' {
            at = Some(start + off);
            break;
        }
        if !(is_word_char(c) || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')) || is_cjk(c) {
            return None;
        }
    }
    let at = at?;
    let local = text.get(start..at)?;
    if local.is_empty() || local.ends_with('.') {
        return None;
    }
    let mut end = at + 1;
    for (off, c) in text.get(at + 1..)?.char_indices() {
        if off > SCAN {
            break;
        }
        if (is_word_char(c) && !is_cjk(c)) || matches!(c, '.' | '-') {
            end = at + 1 + off + c.len_utf8();
        } else {
            break;
        }
    }
    // A sentence may end right after the address: "write to a@b.com."
    while end > at + 1 && matches!(text.as_bytes().get(end - 1), Some(b'.' | b'-')) {
        end -= 1;
    }
    let domain = text.get(at + 1..end)?;
    let first = domain.chars().next()?;
    if !is_word_char(first) {
        return None;
    }
    Some((at, end))
}

/// Letters, digits and combining marks make words.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && is_combining_mark(c))
}

/// Han, kana, Hangul and friends: indexed as bigrams.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x31F0..=0x31FF   // Katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0x1100..=0x11FF   // Hangul jamo
        | 0x3130..=0x318F   // Hangul compatibility jamo
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // half-width Katakana
        | 0x20000..=0x2FA1F // CJK extensions B–F, compatibility supplement
    )
}

/// Fold one character into `out`.
pub(crate) fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let code = u32::from(c);
    // Full-width ASCII variants.
    if (0xFF01..=0xFF5E).contains(&code) {
        if let Some(a) = char::from_u32(code - 0xFEE0) {
            out.push(a.to_ascii_lowercase());
        }
        return;
    }
    // Combining diacritical marks on their own (decomposed input): dropped.
    if (0x0300..=0x036F).contains(&code) {
        return;
    }
    match c {
        'ß' | 'ẞ' => return out.push_str("ss"),
        'æ' | 'Æ' => return out.push_str("ae"),
        'œ' | 'Œ' => return out.push_str("oe"),
        'ø' | 'Ø' => return out.push('o'),
        'đ' | 'Đ' | 'ð' | 'Ð' => return out.push('d'),
        'ł' | 'Ł' => return out.push('l'),
        'þ' | 'Þ' => return out.push_str("th"),
        'ı' => return out.push('i'),
        'ς' => return out.push('σ'),
        'й' | 'Й' => return out.push('й'),
        _ => {}
    }
    let foldable = code < 0x0530 || (0x1E00..=0x1FFF).contains(&code);
    for l in c.to_lowercase() {
        if foldable {
            decompose_canonical(l, |d| {
                if !is_combining_mark(d) {
                    out.push(d);
                }
            });
        } else {
            out.push(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str, mode: Mode) -> Vec<(String, u32)> {
        tokens(s, mode)
            .into_iter()
            .map(|t| (t.term, t.offset))
            .collect()
    }

    #[test]
    fn folding_covers_latin_greek_cyrillic() {
        assert_eq!(
            fold("Hervé Ærøskøbing Straße ŁÓDŹ"),
            "herve aeroskobing strasse lodz"
        );
        assert_eq!(fold("Ελληνικά ΆΈ"), "ελληνικα αε");
        assert_eq!(fold("Ёлка Йод"), "елка йод");
        assert_eq!(fold("ＡＢＣ１"), "abc1");
        assert_eq!(fold("e\u{301}te\u{301}"), "ete");
        assert_eq!(fold("がぎ한국"), "がぎ한국");
    }

    #[test]
    fn email_positions_line_up_with_words() {
        let t = terms("to john.smith@mail.example.com now", Mode::Index);
        assert!(t.contains(&("john.smith@mail.example.com".into(), 1)));
        assert!(t.contains(&("john.smith".into(), 1)));
        assert!(t.contains(&("mail.example.com".into(), 3)));
        assert!(t.contains(&("example".into(), 4)));
        assert!(t.contains(&("now".into(), 6)));
        let q = terms("to john.smith@mail.example.com now", Mode::Query);
        assert_eq!(
            q,
            [
                ("to".into(), 0),
                ("john.smith@mail.example.com".into(), 1),
                ("now".into(), 6)
            ]
        );
    }

    #[test]
    fn sentence_end_after_address() {
        let q = terms("mail a@b.com.", Mode::Query);
        assert_eq!(q[1].0, "a@b.com");
    }
}
