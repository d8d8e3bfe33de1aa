//! Outlook's compressed RTF ([MS-OXRTFCP], "LZFu") and a crude RTF-to-text reading.
//!
//! The decompressor is written here, not taken from the `compressed-rtf` crate: that crate (1.0.1) slices its
//! input without checks (`&data[..16]`, `&data[16..raw_size + 16]`) and so panics on short or lying input,
//! which would abort the app's worker; the algorithm itself is a 4 KiB ring buffer and a few lines.
//!
//! The text reading is deliberately crude: control words are dropped, destinations such as font and
//! colour tables, pictures and `{\*...}` groups are skipped, `\par`/`\line`/`\tab` become line breaks and
//! tabs, `\'hh` bytes are decoded in the document's `\ansicpg` code page and `\uN` as Unicode. RTF that
//! encapsulates HTML (`\fromhtml1`, what Outlook stores for HTML mail) is de-encapsulated to HTML, which the
//! caller turns into text. Tables, fields and lists lose their layout.

/// The dictionary's initial contents ([MS-OXRTFCP] 3.1.3.1).
const PREBUF: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

const LZFU: u32 = 0x7546_5A4C;
const MELA: u32 = 0x414C_454D;

/// Decompress a `PR_RTF_COMPRESSED` value. Errors are human sentences.
pub(crate) fn decompress(data: &[u8]) -> Result<Vec<u8>, String> {
    let word = |at: usize| {
        data.get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(_comp_size), Some(raw_size), Some(kind)) = (word(0), word(4), word(8)) else {
        return Err("the compressed RTF body is shorter than its 16-byte header".into());
    };
    let body = data.get(16..).unwrap_or_default();
    // Outlook never writes more than this; a larger claim only limits the pre-allocation.
    let raw_size = usize::try_from(raw_size).unwrap_or(usize::MAX);
    match kind {
        MELA => Ok(body
            .get(..raw_size.min(body.len()))
            .unwrap_or(body)
            .to_vec()),
        LZFU => {
            let mut dict = [0u8; 4096];
            for (d, b) in dict.iter_mut().zip(PREBUF) {
                *d = *b;
            }
            let mut write = PREBUF.len();
            let mut out = Vec::with_capacity(raw_size.min(body.len().saturating_mul(8)));
            let mut i = 0usize;
            'outer: while let Some(&control) = body.get(i) {
                i += 1;
                for bit in 0..8 {
                    if control & (1 << bit) == 0 {
                        let Some(&b) = body.get(i) else {
                            break 'outer;
                        };
                        i += 1;
                        out.push(b);
                        if let Some(d) = dict.get_mut(write) {
                            *d = b;
                        }
                        write = (write + 1) % 4096;
                    } else {
                        let (Some(&hi), Some(&lo)) = (body.get(i), body.get(i + 1)) else {
                            break 'outer;
                        };
                        i += 2;
                        let v = u16::from_be_bytes([hi, lo]);
                        let offset = usize::from(v >> 4);
                        let len = usize::from(v & 0xF) + 2;
                        if offset == write {
                            break 'outer;
                        }
                        for k in 0..len {
                            let b = dict.get((offset + k) % 4096).copied().unwrap_or(0);
                            out.push(b);
                            if let Some(d) = dict.get_mut(write) {
                                *d = b;
                            }
                            write = (write + 1) % 4096;
                        }
                    }
                    if out.len() >= raw_size {
                        break 'outer;
                    }
                }
            }
            out.truncate(raw_size);
            Ok(out)
        }
        other => Err(format!(
            "the compressed RTF body has an unknown compression type 0x{other:08X}"
        )),
    }
}

/// What [`to_text`] made of an RTF document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RtfText {
    /// Plain text.
    Text(String),
    /// HTML de-encapsulated from `\fromhtml1` RTF; the caller converts it.
    Html(String),
}

/// Destinations whose contents are not body text.
const SKIP_DESTINATIONS: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "header",
    "footer",
    "headerl",
    "headerr",
    "footerl",
    "footerr",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "fldinst",
];

/// Decode an RTF document (bytes, as decompressed) into text or encapsulated HTML. Never panics.
pub(crate) fn to_text(rtf: &[u8]) -> RtfText {
    let mut p = Parser {
        rtf,
        i: 0,
        out: Vec::new(),
        pending: Vec::new(),
        codepage: 1252,
        fromhtml: false,
    };
    p.run();
    p.flush();
    let text = String::from_utf16_lossy(&p.out);
    if p.fromhtml {
        RtfText::Html(text)
    } else {
        RtfText::Text(text)
    }
}

#[derive(Debug, Clone, Copy)]
struct Group {
    /// Contents are not shown.
    skip: bool,
    /// `\htmlrtf` is on: RTF-only content of encapsulated HTML, not shown.
    htmlrtf: bool,
    /// Characters to skip after `\uN`.
    uc: usize,
}

struct Parser<'a> {
    rtf: &'a [u8],
    i: usize,
    /// UTF-16 output.
    out: Vec<u16>,
    /// `\'hh` bytes waiting to be decoded together (multi-byte code pages).
    pending: Vec<u8>,
    codepage: u16,
    fromhtml: bool,
}

impl Parser<'_> {
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let enc = super::encoding_for_codepage(u32::from(self.codepage));
        let (text, _) = enc.decode_without_bom_handling(&self.pending);
        self.out.extend(text.encode_utf16());
        self.pending.clear();
    }

    fn emit(&mut self, s: &str, g: &Group) {
        if g.skip || g.htmlrtf {
            return;
        }
        self.flush();
        self.out.extend(s.encode_utf16());
    }

    fn run(&mut self) {
        let mut stack: Vec<Group> = Vec::new();
        let mut g = Group {
            skip: false,
            htmlrtf: false,
            uc: 1,
        };
        let mut skip_chars = 0usize;
        // Whether the next control word opens a group (`{\word`), which decides destinations.
        let mut group_start = false;
        while let Some(&c) = self.rtf.get(self.i) {
            self.i += 1;
            match c {
                b'{' => {
                    if stack.len() > 1000 {
                        // Absurd nesting: stop rather than grow without bound.
                        return;
                    }
                    stack.push(g);
                    group_start = true;
                    skip_chars = 0;
                    continue;
                }
                b'}' => {
                    g = stack.pop().unwrap_or(g);
                    skip_chars = 0;
                }
                b'\\' => {
                    let was_start = group_start;
                    group_start = false;
                    self.control(&mut g, was_start, &mut skip_chars);
                    continue;
                }
                b'\r' | b'\n' => {}
                _ => {
                    if skip_chars > 0 {
                        skip_chars -= 1;
                    } else if !(g.skip || g.htmlrtf) {
                        self.flush();
                        self.out.push(u16::from(c));
                    }
                }
            }
            group_start = false;
        }
    }

    fn control(&mut self, g: &mut Group, group_start: bool, skip_chars: &mut usize) {
        let Some(&c) = self.rtf.get(self.i) else {
            return;
        };
        if !c.is_ascii_alphabetic() {
            self.i += 1;
            match c {
                b'\'' => {
                    let hex = self.rtf.get(self.i..self.i + 2).unwrap_or_default();
                    self.i += hex.len();
                    let byte = std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    if *skip_chars > 0 {
                        *skip_chars -= 1;
                    } else if let Some(b) = byte {
                        if !(g.skip || g.htmlrtf) {
                            self.pending.push(b);
                        }
                    }
                }
                b'*' => {
                    // `{\*\dest ...}`: an optional destination. Kept only for encapsulated HTML tags.
                    if self.starts_htmltag() {
                        // Tag text is HTML even where the surrounding RTF is `\htmlrtf`-only.
                        g.htmlrtf = false;
                    } else {
                        g.skip = true;
                    }
                }
                b'~' => self.emit("\u{a0}", g),
                b'-' => {}
                b'_' => self.emit("-", g),
                b'\\' | b'{' | b'}' => {
                    if *skip_chars > 0 {
                        *skip_chars -= 1;
                    } else {
                        let s = char::from(c).to_string();
                        self.emit(&s, g);
                    }
                }
                b'\r' | b'\n' => self.emit("\n", g),
                _ => {}
            }
            return;
        }
        let start = self.i;
        while self.rtf.get(self.i).is_some_and(u8::is_ascii_alphabetic) && self.i - start < 32 {
            self.i += 1;
        }
        let word = std::str::from_utf8(self.rtf.get(start..self.i).unwrap_or_default())
            .unwrap_or_default()
            .to_string();
        let num_start = self.i;
        if self.rtf.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        while self.rtf.get(self.i).is_some_and(u8::is_ascii_digit) && self.i - num_start < 11 {
            self.i += 1;
        }
        let param: Option<i64> =
            std::str::from_utf8(self.rtf.get(num_start..self.i).unwrap_or_default())
                .ok()
                .and_then(|s| s.parse().ok());
        if self.rtf.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
        match word.as_str() {
            "par" | "line" | "sect" | "page" => self.emit("\n", g),
            "row" => self.emit("\n", g),
            "tab" | "cell" => self.emit("\t", g),
            "emdash" => self.emit("\u{2014}", g),
            "endash" => self.emit("\u{2013}", g),
            "bullet" => self.emit("\u{2022}", g),
            "lquote" => self.emit("\u{2018}", g),
            "rquote" => self.emit("\u{2019}", g),
            "ldblquote" => self.emit("\u{201c}", g),
            "rdblquote" => self.emit("\u{201d}", g),
            "ansicpg" => {
                if let Some(cp) = param.and_then(|p| u16::try_from(p).ok()) {
                    self.flush();
                    self.codepage = cp;
                }
            }
            "fromhtml" => self.fromhtml = param != Some(0),
            "bin" => {
                let n = param.and_then(|p| usize::try_from(p).ok()).unwrap_or(0);
                self.i = self.i.saturating_add(n);
            }
            "htmlrtf" => g.htmlrtf = param != Some(0),
            "uc" => {
                g.uc = param
                    .and_then(|p| usize::try_from(p).ok())
                    .unwrap_or(1)
                    .min(8)
            }
            "u" => {
                if let Some(p) = param {
                    // Negative values are UTF-16 code units written as signed 16-bit numbers.
                    let unit = if p < 0 { p + 65536 } else { p };
                    if let Ok(unit) = u16::try_from(unit) {
                        if !(g.skip || g.htmlrtf) {
                            self.flush();
                            self.out.push(unit);
                        }
                    }
                    *skip_chars = g.uc;
                }
            }
            w if group_start && SKIP_DESTINATIONS.contains(&w) => g.skip = true,
            _ => {}
        }
    }

    /// After `\*`: is the destination an `\htmltag` (or `\mhtmltag`) of encapsulated HTML?
    fn starts_htmltag(&self) -> bool {
        let rest = self.rtf.get(self.i..).unwrap_or_default();
        let rest = rest.strip_prefix(b"\\").unwrap_or_default();
        self.fromhtml && (rest.starts_with(b"htmltag") || rest.starts_with(b"mhtmltag"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompresses_the_spec_example() {
        // [MS-OXRTFCP] 4.1 "Compressing / decompressing a simple RTF".
        let data: &[u8] = &[
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
            0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
            0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
            0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let out = decompress(data).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
        );
        assert_eq!(to_text(&out), RtfText::Text("hello world".to_string()));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for d in [
            &b""[..],
            b"\x01\x00\x00\x00",
            &[0u8; 16],
            b"\xff\xff\xff\xff\xff\xff\xff\xff\x4c\x5a\x46\x75\0\0\0\0\xff\xff",
        ] {
            let _ = decompress(d);
        }
        for r in [
            &b"{"[..],
            b"\\",
            b"\\'",
            b"\\'zz",
            b"}}}{\\u-1",
            b"{\\*\\fonttbl x}y\\u",
        ] {
            let _ = to_text(r);
        }
    }

    #[test]
    fn text_and_encapsulated_html() {
        let rtf = b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}\\pard Caf\\'e9 \\u8364?x\\par next\\tab t}";
        assert_eq!(
            to_text(rtf),
            RtfText::Text("Caf\u{e9} \u{20ac}x\nnext\tt".to_string())
        );
        let html = b"{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag19 <html>}\\htmlrtf {\\htmlrtf0 Hi\\htmlrtf\\par}\\htmlrtf0 {\\*\\htmltag21 </html>}}";
        assert_eq!(to_text(html), RtfText::Html("<html>Hi</html>".to_string()));
    }
}
