//! Unicode script detection for person-name fields: which writing systems a name uses.
//!
//! A Cyrillic editor name in a French campaign's spreadsheet is evidence; so is a "Latin" name that hides one
//! Cyrillic letter (a homoglyph). [`scripts`] lists the scripts of the letters in a string, in order of first
//! appearance; digits, punctuation, spaces and combining marks (Unicode "Common" and "Inherited") are ignored.
//! The table covers the scripts seen in real document metadata; anything else is [`Script::Other`].
//!
//! ```
//! use leakloupe_core::metadata::script::{scripts, Script};
//! assert_eq!(scripts("Jeff"), vec![Script::Latin]);
//! assert_eq!(scripts("Роша Георгий"), vec![Script::Cyrillic]);
//! assert_eq!(scripts("Jеff"), vec![Script::Latin, Script::Cyrillic]); // Cyrillic "е"
//! assert_eq!(scripts("山田 たろう 42"), vec![Script::Han, Script::Hiragana]);
//! ```

/// A writing system (a subset of Unicode's Script property).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Script {
    /// Latin letters, including accented ones and full-width forms.
    Latin,
    /// Cyrillic (Russian, Ukrainian, Bulgarian, Serbian ...).
    Cyrillic,
    /// Greek and Coptic.
    Greek,
    /// Armenian.
    Armenian,
    /// Georgian.
    Georgian,
    /// Hebrew.
    Hebrew,
    /// Arabic (Arabic, Persian, Urdu ...), including presentation forms.
    Arabic,
    /// Syriac.
    Syriac,
    /// Thaana (Dhivehi).
    Thaana,
    /// Devanagari (Hindi, Marathi, Nepali ...).
    Devanagari,
    /// Bengali.
    Bengali,
    /// Gurmukhi (Punjabi).
    Gurmukhi,
    /// Gujarati.
    Gujarati,
    /// Oriya.
    Oriya,
    /// Tamil.
    Tamil,
    /// Telugu.
    Telugu,
    /// Kannada.
    Kannada,
    /// Malayalam.
    Malayalam,
    /// Sinhala.
    Sinhala,
    /// Thai.
    Thai,
    /// Lao.
    Lao,
    /// Tibetan.
    Tibetan,
    /// Myanmar (Burmese).
    Myanmar,
    /// Khmer.
    Khmer,
    /// Mongolian.
    Mongolian,
    /// Ethiopic (Amharic, Tigrinya ...).
    Ethiopic,
    /// Hangul (Korean).
    Hangul,
    /// Hiragana (Japanese).
    Hiragana,
    /// Katakana (Japanese), including half-width forms.
    Katakana,
    /// Bopomofo (Zhuyin).
    Bopomofo,
    /// Han ideographs (Chinese characters, Japanese kanji, Korean hanja).
    Han,
    /// A letter of a script this table does not name.
    Other,
}

impl Script {
    /// English name, e.g. "Cyrillic".
    pub fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Cyrillic => "Cyrillic",
            Script::Greek => "Greek",
            Script::Armenian => "Armenian",
            Script::Georgian => "Georgian",
            Script::Hebrew => "Hebrew",
            Script::Arabic => "Arabic",
            Script::Syriac => "Syriac",
            Script::Thaana => "Thaana",
            Script::Devanagari => "Devanagari",
            Script::Bengali => "Bengali",
            Script::Gurmukhi => "Gurmukhi",
            Script::Gujarati => "Gujarati",
            Script::Oriya => "Oriya",
            Script::Tamil => "Tamil",
            Script::Telugu => "Telugu",
            Script::Kannada => "Kannada",
            Script::Malayalam => "Malayalam",
            Script::Sinhala => "Sinhala",
            Script::Thai => "Thai",
            Script::Lao => "Lao",
            Script::Tibetan => "Tibetan",
            Script::Myanmar => "Myanmar",
            Script::Khmer => "Khmer",
            Script::Mongolian => "Mongolian",
            Script::Ethiopic => "Ethiopic",
            Script::Hangul => "Hangul",
            Script::Hiragana => "Hiragana",
            Script::Katakana => "Katakana",
            Script::Bopomofo => "Bopomofo",
            Script::Han => "Han",
            Script::Other => "other",
        }
    }
}

/// (first, last, script) for the letter ranges we know; sorted by `first`, non-overlapping.
const RANGES: &[(u32, u32, Script)] = &[
    (0x0041, 0x005A, Script::Latin),
    (0x0061, 0x007A, Script::Latin),
    (0x00AA, 0x00AA, Script::Latin),
    (0x00BA, 0x00BA, Script::Latin),
    (0x00C0, 0x00D6, Script::Latin),
    (0x00D8, 0x00F6, Script::Latin),
    (0x00F8, 0x024F, Script::Latin),
    (0x0250, 0x02AF, Script::Latin), // IPA extensions
    (0x0370, 0x0373, Script::Greek),
    (0x0376, 0x03FF, Script::Greek),
    (0x0400, 0x052F, Script::Cyrillic),
    (0x0531, 0x058F, Script::Armenian),
    (0x0591, 0x05FF, Script::Hebrew),
    (0x0600, 0x06FF, Script::Arabic),
    (0x0700, 0x074F, Script::Syriac),
    (0x0750, 0x077F, Script::Arabic),
    (0x0780, 0x07BF, Script::Thaana),
    (0x0870, 0x08FF, Script::Arabic),
    (0x0900, 0x097F, Script::Devanagari),
    (0x0980, 0x09FF, Script::Bengali),
    (0x0A00, 0x0A7F, Script::Gurmukhi),
    (0x0A80, 0x0AFF, Script::Gujarati),
    (0x0B00, 0x0B7F, Script::Oriya),
    (0x0B80, 0x0BFF, Script::Tamil),
    (0x0C00, 0x0C7F, Script::Telugu),
    (0x0C80, 0x0CFF, Script::Kannada),
    (0x0D00, 0x0D7F, Script::Malayalam),
    (0x0D80, 0x0DFF, Script::Sinhala),
    (0x0E00, 0x0E7F, Script::Thai),
    (0x0E80, 0x0EFF, Script::Lao),
    (0x0F00, 0x0FFF, Script::Tibetan),
    (0x1000, 0x109F, Script::Myanmar),
    (0x10A0, 0x10FF, Script::Georgian),
    (0x1100, 0x11FF, Script::Hangul),
    (0x1200, 0x139F, Script::Ethiopic),
    (0x1780, 0x17FF, Script::Khmer),
    (0x1800, 0x18AF, Script::Mongolian),
    (0x1C80, 0x1C8F, Script::Cyrillic),
    (0x1C90, 0x1CBF, Script::Georgian),
    (0x1D00, 0x1D2B, Script::Latin),
    (0x1D2C, 0x1D6A, Script::Latin),
    (0x1D6B, 0x1D77, Script::Latin),
    (0x1D79, 0x1DBF, Script::Latin),
    (0x1E00, 0x1EFF, Script::Latin),
    (0x1F00, 0x1FFF, Script::Greek),
    (0x2C60, 0x2C7F, Script::Latin),
    (0x2D00, 0x2D2F, Script::Georgian),
    (0x2D80, 0x2DDF, Script::Ethiopic),
    (0x2DE0, 0x2DFF, Script::Cyrillic),
    (0x2E80, 0x2FDF, Script::Han),
    (0x3005, 0x3005, Script::Han),
    (0x3007, 0x3007, Script::Han),
    (0x3021, 0x3029, Script::Han),
    (0x3038, 0x303B, Script::Han),
    (0x3041, 0x309F, Script::Hiragana),
    (0x30A1, 0x30FA, Script::Katakana),
    (0x30FD, 0x30FF, Script::Katakana),
    (0x3105, 0x312F, Script::Bopomofo),
    (0x3131, 0x318E, Script::Hangul),
    (0x31A0, 0x31BF, Script::Bopomofo),
    (0x31F0, 0x31FF, Script::Katakana),
    (0x3400, 0x4DBF, Script::Han),
    (0x4E00, 0x9FFF, Script::Han),
    (0xA640, 0xA69F, Script::Cyrillic),
    (0xA720, 0xA7FF, Script::Latin),
    (0xA960, 0xA97F, Script::Hangul),
    (0xAB30, 0xAB6F, Script::Latin),
    (0xAC00, 0xD7FF, Script::Hangul),
    (0xF900, 0xFAFF, Script::Han),
    (0xFB00, 0xFB06, Script::Latin),
    (0xFB13, 0xFB17, Script::Armenian),
    (0xFB1D, 0xFB4F, Script::Hebrew),
    (0xFB50, 0xFDFF, Script::Arabic),
    (0xFE70, 0xFEFF, Script::Arabic),
    (0xFF21, 0xFF3A, Script::Latin),
    (0xFF41, 0xFF5A, Script::Latin),
    (0xFF66, 0xFF6F, Script::Katakana),
    (0xFF71, 0xFF9F, Script::Katakana),
    (0xFFA0, 0xFFDC, Script::Hangul),
    (0x1B000, 0x1B0FF, Script::Katakana),
    (0x1E900, 0x1E95F, Script::Other), // Adlam
    (0x20000, 0x323AF, Script::Han),
];

/// The script of one character, or `None` for characters that belong to no particular script (digits,
/// punctuation, symbols, spaces, combining marks).
pub fn script_of(c: char) -> Option<Script> {
    let cp = u32::from(c);
    if cp < 0x41 {
        return None;
    }
    let idx = RANGES.partition_point(|&(first, _, _)| first <= cp);
    if idx > 0 {
        let (first, last, script) = RANGES[idx - 1];
        if (first..=last).contains(&cp) {
            return Some(script);
        }
    }
    // Letters of scripts outside the table.
    if c.is_alphabetic() && !(0x0300..=0x036F).contains(&cp) {
        Some(Script::Other)
    } else {
        None
    }
}

/// The distinct scripts of the letters in `s`, in order of first appearance.
pub fn scripts(s: &str) -> Vec<Script> {
    let mut out: Vec<Script> = Vec::new();
    for c in s.chars() {
        if let Some(script) = script_of(c) {
            if !out.contains(&script) {
                out.push(script);
            }
        }
    }
    out
}

/// True when `found` mixes look-alike alphabets (two or more of Latin, Cyrillic and Greek): a sign of a
/// homoglyph name such as "Jеff" with a Cyrillic "е", or of a transliterated name pasted next to the original.
pub fn mixes_lookalikes(found: &[Script]) -> bool {
    found
        .iter()
        .filter(|s| matches!(s, Script::Latin | Script::Cyrillic | Script::Greek))
        .count()
        > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_disjoint() {
        for w in RANGES.windows(2) {
            assert!(w[0].0 <= w[0].1, "{:x}", w[0].0);
            assert!(w[0].1 < w[1].0, "{:x} overlaps {:x}", w[0].1, w[1].0);
        }
    }

    #[test]
    fn names_in_many_scripts() {
        let cases: &[(&str, &[Script])] = &[
            ("Phil Harvey", &[Script::Latin]),
            ("Émilie Brontë-Ødegård", &[Script::Latin]),
            ("Ian Britton - FreeFoto.com", &[Script::Latin]),
            ("Роша Георгий Петрович", &[Script::Cyrillic]),
            ("Ковальчук Наталья", &[Script::Cyrillic]),
            ("Σωκράτης", &[Script::Greek]),
            ("محمد علي", &[Script::Arabic]),
            ("דוד לוי", &[Script::Hebrew]),
            ("王小明", &[Script::Han]),
            ("山田太郎", &[Script::Han]),
            ("やまだ タロウ", &[Script::Hiragana, Script::Katakana]),
            ("ﾔﾏﾀﾞ", &[Script::Katakana]),
            ("김철수", &[Script::Hangul]),
            ("देवनागरी", &[Script::Devanagari]),
            ("ქართული", &[Script::Georgian]),
            ("Հայերեն", &[Script::Armenian]),
            ("ไทย", &[Script::Thai]),
            ("ＡＢＣ", &[Script::Latin]),
            ("", &[]),
            ("12:30 - © 2004 ™ ✓", &[]),
            ("John Smith (Джон Смит)", &[Script::Latin, Script::Cyrillic]),
            // Combining accent after a Latin letter stays Latin only.
            ("Rene\u{301}", &[Script::Latin]),
        ];
        for (s, want) in cases {
            assert_eq!(scripts(s), *want, "{s}");
        }
    }

    #[test]
    fn homoglyphs_are_flagged() {
        // "Jeff" with U+0435 CYRILLIC SMALL LETTER IE.
        let s = scripts("J\u{0435}ff");
        assert_eq!(s, [Script::Latin, Script::Cyrillic]);
        assert!(mixes_lookalikes(&s));
        assert!(!mixes_lookalikes(&scripts("山田 たろう")));
        assert!(!mixes_lookalikes(&scripts("Jeff")));
        assert!(mixes_lookalikes(&scripts("Αlpha"))); // Greek capital alpha
    }

    #[test]
    fn other_letters_and_names() {
        assert_eq!(script_of('\u{13A0}'), Some(Script::Other)); // Cherokee
        assert_eq!(script_of('7'), None);
        assert_eq!(script_of('\u{301}'), None);
        assert_eq!(Script::Cyrillic.name(), "Cyrillic");
    }
}
