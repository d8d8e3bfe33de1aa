//! PDF: the header version, the trailer's Info dictionary, the catalog's XMP packet and Photoshop image
//! resources (Photoshop-made PDFs carry the picture's EXIF/IPTC/XMP there).
//!
//! Why not `lopdf`: with default features off it still pulls RustCrypto ciphers and `rand`/`getrandom` 0.3,
//! which does not build for wasm32-unknown-unknown without extra cfg flags, and it loads the whole object
//! graph of a document we only need three objects from (and needs rustc newer than ours in recent versions).
//! This is instead a small tolerant scanner: it indexes every `N G obj` in the file (later definitions win,
//! as with incremental updates), reads trailers and cross-reference stream dictionaries for `/Info` and
//! `/Root`, opens object streams (`/Type /ObjStm`) only when an object is not found directly, and parses just
//! the objects it needs with a bounded, depth-capped object parser. It does not need a valid xref table, so
//! damaged and truncated files still give their metadata. Earlier versions of the Info dictionary left by
//! incremental updates are reported too when their values differ ("... (earlier revision)").

use std::collections::HashMap;

use super::{exif, find, inflate_zlib, xmp, Ctx, MetaDate, MetaKey, MetaSource};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// A PDF object (only what metadata needs).
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    Null,
    Bool(bool),
    Num(f64),
    Str(Vec<u8>),
    Name(String),
    Array(Vec<Obj>),
    Dict(Vec<(String, Obj)>),
    Ref(u32, u16),
}

impl Obj {
    fn get(&self, key: &str) -> Option<&Obj> {
        match self {
            Obj::Dict(d) => d.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

const MAX_DEPTH: usize = 32;
const MAX_STRING: usize = 1 << 20;

/// A bounded recursive-descent parser over PDF object syntax.
struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
    budget: usize,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0C' | b'\0')
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Parser<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        Parser {
            b,
            pos,
            budget: 200_000,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b.get(self.pos..).is_some_and(|r| r.starts_with(s))
    }

    fn regular_token(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_ws(c) || is_delim(c) {
                break;
            }
            self.pos += 1;
        }
        &self.b[start..self.pos]
    }

    fn parse(&mut self, depth: usize) -> Option<Obj> {
        if depth > MAX_DEPTH || self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        self.skip_ws();
        let c = self.peek()?;
        match c {
            b'<' if self.starts_with(b"<<") => {
                self.pos += 2;
                let mut d = Vec::new();
                loop {
                    self.skip_ws();
                    if self.starts_with(b">>") {
                        self.pos += 2;
                        return Some(Obj::Dict(d));
                    }
                    match self.peek() {
                        Some(b'/') => {}
                        // Truncated or broken: keep what we have.
                        _ => return Some(Obj::Dict(d)),
                    }
                    let Some(Obj::Name(k)) = self.parse(depth + 1) else {
                        return Some(Obj::Dict(d));
                    };
                    self.skip_ws();
                    if self.starts_with(b">>") {
                        d.push((k, Obj::Null));
                        continue;
                    }
                    match self.parse(depth + 1) {
                        Some(v) => d.push((k, v)),
                        None => return Some(Obj::Dict(d)),
                    }
                }
            }
            b'<' => {
                self.pos += 1;
                let mut out = Vec::new();
                let mut half: Option<u8> = None;
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b'>' {
                        break;
                    }
                    let Some(v) = (c as char).to_digit(16) else {
                        continue;
                    };
                    match half.take() {
                        Some(h) => out.push(h << 4 | v as u8),
                        None => half = Some(v as u8),
                    }
                    if out.len() > MAX_STRING {
                        break;
                    }
                }
                if let Some(h) = half {
                    out.push(h << 4);
                }
                Some(Obj::Str(out))
            }
            b'(' => Some(Obj::Str(self.literal_string())),
            b'/' => {
                self.pos += 1;
                let raw = self.regular_token();
                let mut name = Vec::with_capacity(raw.len());
                let mut i = 0;
                while i < raw.len() {
                    if raw[i] == b'#' && i + 2 < raw.len() + 1 {
                        if let Some(h) = raw
                            .get(i + 1..i + 3)
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                        {
                            name.push(h);
                            i += 3;
                            continue;
                        }
                    }
                    name.push(raw[i]);
                    i += 1;
                }
                Some(Obj::Name(String::from_utf8_lossy(&name).into_owned()))
            }
            b'[' => {
                self.pos += 1;
                let mut a = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Some(Obj::Array(a));
                        }
                        None => return Some(Obj::Array(a)),
                        _ => match self.parse(depth + 1) {
                            Some(v) => a.push(v),
                            None => return Some(Obj::Array(a)),
                        },
                    }
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let tok = self.regular_token();
                let text = std::str::from_utf8(tok).ok()?;
                // "N G R"?
                if let Ok(num) = text.parse::<u32>() {
                    let save = self.pos;
                    self.skip_ws();
                    let gen_tok = self.regular_token();
                    if let Some(gen) = std::str::from_utf8(gen_tok)
                        .ok()
                        .and_then(|g| g.parse::<u16>().ok())
                    {
                        self.skip_ws();
                        if self.peek() == Some(b'R')
                            && self
                                .b
                                .get(self.pos + 1)
                                .is_none_or(|&c| is_ws(c) || is_delim(c))
                        {
                            self.pos += 1;
                            return Some(Obj::Ref(num, gen));
                        }
                    }
                    self.pos = save;
                }
                let n = text.parse::<f64>().ok().filter(|n| n.is_finite())?;
                Some(Obj::Num(n))
            }
            _ => {
                let tok = self.regular_token();
                match tok {
                    b"true" => Some(Obj::Bool(true)),
                    b"false" => Some(Obj::Bool(false)),
                    b"null" => Some(Obj::Null),
                    _ => None,
                }
            }
        }
    }

    fn literal_string(&mut self) -> Vec<u8> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut nest = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => {
                    nest += 1;
                    out.push(c);
                }
                b')' => {
                    if nest == 0 {
                        break;
                    }
                    nest -= 1;
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
            if out.len() > MAX_STRING {
                break;
            }
        }
        out
    }
}

/// PDFDocEncoding for 0x18..=0x1F and 0x80..=0xA0 (the rest is Latin-1).
fn pdfdoc_char(b: u8) -> char {
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    const HIGH: [char; 33] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚',
        '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}', '€',
    ];
    match b {
        0x18..=0x1F => LOW[usize::from(b - 0x18)],
        0x80..=0xA0 => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// A PDF text string: UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding.
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(b"\xFE\xFF") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let s = String::from_utf16_lossy(&units);
        // Drop language escapes: U+001B "xx" [ "yy" ] U+001B.
        let mut out = String::with_capacity(s.len());
        let mut in_escape = false;
        for c in s.chars() {
            if c == '\u{1B}' {
                in_escape = !in_escape;
            } else if !in_escape {
                out.push(c);
            }
        }
        out
    } else if let Some(rest) = b.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| pdfdoc_char(c)).collect()
    }
}

/// A PDF date "D:YYYYMMDDHHmmSSOHH'mm'" (everything after the year optional).
pub(crate) fn parse_pdf_date(s: &str) -> Option<MetaDate> {
    let s = s.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let b = s.as_bytes();
    let n_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(4..=14).contains(&n_digits) || n_digits % 2 != 0 {
        return None;
    }
    let num = |i: usize, def: u32| -> Option<u32> {
        if i + 2 <= n_digits {
            s.get(i..i + 2)?.parse().ok()
        } else {
            Some(def)
        }
    };
    let year: i32 = s.get(..4)?.parse().ok()?;
    let (mo, d, h, mi, sec) = (num(4, 1)?, num(6, 1)?, num(8, 0)?, num(10, 0)?, num(12, 0)?);
    let local = super::unix_from_parts(year, mo, d, h, mi, sec)?;
    let zone = &s[n_digits..];
    let offset = match zone.as_bytes().first() {
        None => None,
        Some(b'Z' | b'z') => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let digits: String = zone[1..]
                .chars()
                .filter(|c| c.is_ascii_digit())
                .take(4)
                .collect();
            let hh: i32 = digits.get(..2)?.parse().ok()?;
            let mm: i32 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            if hh > 23 || mm > 59 {
                return None;
            }
            Some(if sign == b'-' {
                -(hh * 60 + mm)
            } else {
                hh * 60 + mm
            })
        }
        Some(_) => return None,
    };
    Some(MetaDate {
        utc_unix: local - i64::from(offset.unwrap_or(0)) * 60,
        offset_minutes: offset,
    })
}

/// Where every `N G obj` starts (the position right after "obj"), all occurrences in file order.
fn index_objects(b: &[u8]) -> HashMap<(u32, u16), Vec<usize>> {
    let mut idx: HashMap<(u32, u16), Vec<usize>> = HashMap::new();
    let mut from = 0;
    while let Some(rel) = find(&b[from..], b"obj") {
        let at = from + rel;
        from = at + 3;
        if b.get(at + 3).is_some_and(|&c| !(is_ws(c) || is_delim(c))) {
            continue;
        }
        // Walk back: ws, gen digits, ws, num digits.
        let mut p = at;
        let back_ws = |p: &mut usize| {
            let start = *p;
            while *p > 0 && is_ws(b[*p - 1]) {
                *p -= 1;
            }
            *p < start
        };
        let back_digits = |p: &mut usize| -> Option<u64> {
            let end = *p;
            while *p > 0 && b[*p - 1].is_ascii_digit() && end - *p < 10 {
                *p -= 1;
            }
            std::str::from_utf8(&b[*p..end]).ok()?.parse().ok()
        };
        if !back_ws(&mut p) {
            continue;
        }
        let Some(gen) = back_digits(&mut p) else {
            continue;
        };
        if !back_ws(&mut p) {
            continue;
        }
        let Some(num) = back_digits(&mut p) else {
            continue;
        };
        if p > 0 && !(is_ws(b[p - 1]) || is_delim(b[p - 1])) {
            continue;
        }
        let (Ok(num), Ok(gen)) = (u32::try_from(num), u16::try_from(gen)) else {
            continue;
        };
        let v = idx.entry((num, gen)).or_default();
        if v.len() < 64 {
            v.push(at + 3);
        }
        if idx.len() > 2_000_000 {
            break;
        }
    }
    idx
}

struct Doc<'a, 'c, 'l> {
    b: &'a [u8],
    idx: HashMap<(u32, u16), Vec<usize>>,
    /// Objects found inside object streams: number -> (decoded stream, offset of the object).
    objstm: Option<HashMap<u32, (usize, usize)>>,
    objstm_data: Vec<Vec<u8>>,
    streams_read: usize,
    ctx: &'c mut Ctx<'l>,
}

impl Doc<'_, '_, '_> {
    /// The object `num gen`: its latest direct definition, else from an object stream.
    fn object(&mut self, num: u32, gen: u16) -> Option<(Obj, Option<usize>)> {
        if let Some(&at) = self.idx.get(&(num, gen)).and_then(|v| v.last()) {
            let mut p = Parser::new(self.b, at);
            let o = p.parse(0)?;
            return Some((o, Some(p.pos)));
        }
        if gen != 0 {
            return None;
        }
        self.load_objstms();
        let &(si, off) = self.objstm.as_ref()?.get(&num)?;
        let data = self.objstm_data.get(si)?;
        let o = Parser::new(data, off).parse(0)?;
        Some((o, None))
    }

    /// Every earlier direct definition of `num gen` (incremental updates), oldest first.
    fn earlier_versions(&self, num: u32, gen: u16) -> Vec<Obj> {
        let Some(v) = self.idx.get(&(num, gen)) else {
            return Vec::new();
        };
        v[..v.len().saturating_sub(1)]
            .iter()
            .filter_map(|&at| Parser::new(self.b, at).parse(0))
            .collect()
    }

    fn resolve(&mut self, o: &Obj) -> Option<Obj> {
        match o {
            Obj::Ref(n, g) => self.object(*n, *g).map(|(o, _)| o),
            other => Some(other.clone()),
        }
    }

    /// The decoded data of a stream object whose dictionary ended at `after_dict`.
    fn stream_data(&mut self, dict: &Obj, after_dict: usize, what: &str) -> Option<Vec<u8>> {
        if self.streams_read >= self.ctx.limits().max_pdf_streams {
            self.ctx.problem(Diagnostic::warning(
                DiagnosticKind::Other,
                format!(
                    "PDF: more than {} streams needed for metadata; the rest is not read",
                    self.ctx.limits().max_pdf_streams
                ),
            ));
            return None;
        }
        self.streams_read += 1;
        let mut p = Parser::new(self.b, after_dict);
        p.skip_ws();
        if !p.starts_with(b"stream") {
            return None;
        }
        let mut start = p.pos + 6;
        if self.b.get(start) == Some(&b'\r') {
            start += 1;
        }
        if self.b.get(start) == Some(&b'\n') {
            start += 1;
        }
        let declared = match dict.get("Length") {
            Some(Obj::Num(n)) => Some(*n),
            Some(r @ Obj::Ref(..)) => match self.resolve(r) {
                Some(Obj::Num(n)) => Some(n),
                _ => None,
            },
            _ => None,
        }
        .filter(|n| *n >= 0.0 && *n < 1e15)
        .map(|n| n as usize);
        let rest = self.b.get(start..)?;
        let end = match declared {
            Some(n)
                if n <= rest.len() && {
                    let mut q = Parser::new(rest, n);
                    q.skip_ws();
                    q.starts_with(b"endstream")
                } =>
            {
                n
            }
            _ => {
                let mut e = find(rest, b"endstream")?;
                while e > 0 && matches!(rest[e - 1], b'\r' | b'\n') {
                    e -= 1;
                }
                e
            }
        };
        let raw = &rest[..end];
        let filters: Vec<String> = match dict.get("Filter") {
            Some(Obj::Name(n)) => vec![n.clone()],
            Some(Obj::Array(a)) => a
                .iter()
                .filter_map(|f| match f {
                    Obj::Name(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        match filters.as_slice() {
            [] => {
                let cap = self.ctx.part_budget();
                if raw.len() as u64 > cap {
                    return None;
                }
                Some(raw.to_vec())
            }
            [f] if f == "FlateDecode" || f == "Fl" => inflate_zlib(raw, what, self.ctx),
            _ => {
                self.ctx.problem(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!(
                        "PDF: {what} uses filter {} which is not decoded",
                        filters.join(" + ")
                    ),
                ));
                None
            }
        }
    }

    fn load_objstms(&mut self) {
        if self.objstm.is_some() {
            return;
        }
        let mut map = HashMap::new();
        let candidates = self.objects_mentioning(b"/ObjStm");
        for at in candidates {
            let mut p = Parser::new(self.b, at);
            let Some(dict) = p.parse(0) else { continue };
            if dict.get("Type") != Some(&Obj::Name("ObjStm".into())) {
                continue;
            }
            let (Some(Obj::Num(n)), Some(Obj::Num(first))) = (dict.get("N"), dict.get("First"))
            else {
                continue;
            };
            let (n, first) = (*n as usize, *first as usize);
            let Some(data) = self.stream_data(&dict, p.pos, "object stream") else {
                continue;
            };
            let si = self.objstm_data.len();
            let mut hp = Parser::new(&data, 0);
            for _ in 0..n.min(100_000) {
                let (Some(Obj::Num(num)), Some(Obj::Num(off))) = (hp.parse(0), hp.parse(0)) else {
                    break;
                };
                if num >= 0.0 && off >= 0.0 {
                    let off = first.saturating_add(off as usize);
                    // Later streams (incremental updates) win, like direct objects.
                    map.insert(num as u32, (si, off));
                }
            }
            self.objstm_data.push(data);
        }
        self.objstm = Some(map);
    }

    /// Start of every object whose dictionary mentions `needle` within its first 4 KiB, in file order
    /// (found from the needle's occurrences, so large files are not parsed object by object).
    fn objects_mentioning(&self, needle: &[u8]) -> Vec<usize> {
        let mut starts: Vec<usize> = self.idx.values().flatten().copied().collect();
        starts.sort_unstable();
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(rel) = find(&self.b[from..], needle) {
            let q = from + rel;
            from = q + needle.len();
            let i = starts.partition_point(|&s| s <= q);
            if let Some(&start) = i.checked_sub(1).and_then(|i| starts.get(i)) {
                if q - start < 4096 && out.last() != Some(&start) {
                    out.push(start);
                }
            }
            if out.len() > 100_000 {
                break;
            }
        }
        out
    }

    /// Trailer dictionaries (classic `trailer` and cross-reference streams), in file order.
    fn trailers(&self) -> Vec<Obj> {
        let mut out: Vec<(usize, Obj)> = Vec::new();
        let mut from = 0;
        while let Some(rel) = find(&self.b[from..], b"trailer") {
            let at = from + rel + 7;
            from = at;
            if let Some(d @ Obj::Dict(_)) = Parser::new(self.b, at).parse(0) {
                out.push((at, d));
            }
        }
        for at in self.objects_mentioning(b"/XRef") {
            if let Some(d) = Parser::new(self.b, at).parse(0) {
                if d.get("Type") == Some(&Obj::Name("XRef".into())) {
                    out.push((at, d));
                }
            }
        }
        out.sort_by_key(|(at, _)| *at);
        out.into_iter().map(|(_, d)| d).collect()
    }
}

/// Read a PDF's metadata.
pub(crate) fn read(b: &[u8], ctx: &mut Ctx) {
    let s = MetaSource::PdfInfo;
    let head = &b[..b.len().min(1024)];
    if let Some(at) = find(head, b"%PDF-") {
        let v: String = b[at + 5..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .map(|&c| char::from(c))
            .collect();
        ctx.labeled(s, MetaKey::FormatVersion, "PDF version", &v);
    }
    let eofs = {
        let mut n = 0;
        let mut from = 0;
        while let Some(rel) = find(&b[from..], b"%%EOF") {
            n += 1;
            from += rel + 5;
        }
        n
    };
    let idx = index_objects(b);
    let mut doc = Doc {
        b,
        idx,
        objstm: None,
        objstm_data: Vec::new(),
        streams_read: 0,
        ctx,
    };
    let trailers = doc.trailers();
    let latest = |key: &str| trailers.iter().rev().find_map(|t| t.get(key).cloned());
    let encrypted = latest("Encrypt").is_some();
    if trailers.is_empty() {
        doc.ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            "PDF without a readable trailer: no Info dictionary",
        ));
    }
    if eofs > 1 {
        doc.ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            format!("PDF was saved incrementally ({eofs} %%EOF markers): earlier revisions are still inside the file"),
        ));
    }
    if encrypted {
        doc.ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            "encrypted PDF: the Info dictionary's strings are encrypted and not shown",
        ));
    }
    // Info dictionary.
    if let Some(info_ref) = latest("Info") {
        let info = doc.resolve(&info_ref);
        match info {
            Some(info @ Obj::Dict(_)) if !encrypted => {
                emit_info(&mut doc, &info, "");
                if let Obj::Ref(n, g) = info_ref {
                    for old in doc.earlier_versions(n, g) {
                        emit_changed(&mut doc, &old, &info);
                    }
                }
            }
            Some(Obj::Dict(_)) => {}
            _ => doc.ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                "PDF: the trailer's /Info does not lead to a dictionary",
            )),
        }
    }
    // The catalog's XMP packet.
    if let Some(Obj::Ref(n, g)) = latest("Root") {
        if let Some((root, _)) = doc.object(n, g) {
            if let Some(Obj::Ref(mn, mg)) = root.get("Metadata").cloned() {
                read_xmp_stream(&mut doc, mn, mg);
            }
        }
    }
    // Photoshop image resources (EXIF/IPTC/XMP of the source picture).
    let mut from = 0;
    let mut seen = 0;
    while let Some(rel) = find(&b[from..], b"/ImageResources") {
        from += rel + 15;
        seen += 1;
        if seen > 16 {
            break;
        }
        if let Some(Obj::Ref(n, g)) = Parser::new(b, from).parse(0) {
            if let Some(&at) = doc.idx.get(&(n, g)).and_then(|v| v.last()) {
                let mut p = Parser::new(b, at);
                if let Some(dict) = p.parse(0) {
                    if let Some(data) = doc.stream_data(&dict, p.pos, "Photoshop image resources") {
                        exif::read_photoshop_resources(&data, doc.ctx);
                    }
                }
            }
        }
    }
}

fn read_xmp_stream(doc: &mut Doc, n: u32, g: u16) {
    let Some(&at) = doc.idx.get(&(n, g)).and_then(|v| v.last()) else {
        // Metadata streams are never inside object streams (streams cannot be).
        return;
    };
    let mut p = Parser::new(doc.b, at);
    let Some(dict) = p.parse(0) else { return };
    if let Some(data) = doc.stream_data(&dict, p.pos, "XMP metadata stream") {
        xmp::read(&data, doc.ctx);
    }
}

const INFO_KEYS: &[(&str, MetaKey, &str)] = &[
    ("Title", MetaKey::Title, "Title"),
    ("Author", MetaKey::Author, "Author"),
    ("Subject", MetaKey::Subject, "Subject"),
    ("Keywords", MetaKey::Keywords, "Keywords"),
    ("Creator", MetaKey::Application, "Creator (application)"),
    ("Producer", MetaKey::Producer, "Producer"),
    ("CreationDate", MetaKey::Created, "Created"),
    ("ModDate", MetaKey::Modified, "Modified"),
];

fn info_text(doc: &mut Doc, v: &Obj) -> Option<String> {
    match doc.resolve(v)? {
        Obj::Str(s) => Some(text_string(&s)),
        Obj::Name(n) => Some(n),
        Obj::Num(n) => Some(n.to_string()),
        Obj::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn emit_info(doc: &mut Doc, info: &Obj, suffix: &str) {
    let Obj::Dict(entries) = info else { return };
    for (k, v) in entries {
        if k == "Trapped" {
            continue;
        }
        let Some(text) = info_text(doc, v) else {
            continue;
        };
        let s = MetaSource::PdfInfo;
        match INFO_KEYS.iter().find(|(name, _, _)| name == k) {
            Some(&(_, key, label)) if matches!(key, MetaKey::Created | MetaKey::Modified) => {
                doc.ctx
                    .date(s, key, &format!("{label}{suffix}"), &text, parse_pdf_date);
            }
            Some(&(_, key, label)) => doc.ctx.labeled(s, key, &format!("{label}{suffix}"), &text),
            None => doc
                .ctx
                .labeled(s, MetaKey::Custom, &format!("{k}{suffix}"), &text),
        }
    }
}

/// Report the values of an older Info dictionary that differ from the current one.
fn emit_changed(doc: &mut Doc, old: &Obj, current: &Obj) {
    let Obj::Dict(entries) = old else { return };
    let changed: Vec<(String, Obj)> = entries
        .iter()
        .filter(|(k, v)| current.get(k) != Some(v))
        .cloned()
        .collect();
    if !changed.is_empty() {
        emit_info(doc, &Obj::Dict(changed), " (earlier revision)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Limits;

    #[test]
    fn pdf_dates() {
        let d = parse_pdf_date("D:20050718143045-04'00'").expect("date");
        assert_eq!((d.utc_unix, d.offset_minutes), (1_121_711_445, Some(-240)));
        assert_eq!(
            parse_pdf_date("D:20090827222429Z00'00'").map(|d| d.offset_minutes),
            Some(Some(0))
        );
        assert_eq!(
            parse_pdf_date("D:2009").map(|d| d.offset_minutes),
            Some(None)
        );
        assert!(parse_pdf_date("D:20091345").is_none());
        assert!(parse_pdf_date("garbage").is_none());
        assert!(parse_pdf_date("D:20050718143045+99'00'").is_none());
    }

    #[test]
    fn strings_and_objects() {
        let mut p = Parser::new(
            br"<< /A (x\(y\) \101\n) /B <FEFF0416> /C [1 0 R 2] /D#20E 1 /Author 5 0 R >>",
            0,
        );
        let d = p.parse(0).expect("dict");
        assert_eq!(d.get("A"), Some(&Obj::Str(b"x(y) A\n".to_vec())));
        assert_eq!(
            d.get("B").map(|b| match b {
                Obj::Str(s) => text_string(s),
                _ => String::new(),
            }),
            Some("Ж".into())
        );
        assert_eq!(
            d.get("C"),
            Some(&Obj::Array(vec![Obj::Ref(1, 0), Obj::Num(2.0)]))
        );
        assert_eq!(d.get("D E"), Some(&Obj::Num(1.0)));
        assert_eq!(d.get("Author"), Some(&Obj::Ref(5, 0)));
        assert_eq!(text_string(b"\x80 caf\xE9"), "• café");
        // Hostile nesting does not recurse without bound.
        let deep = "[".repeat(100_000);
        assert!(Parser::new(deep.as_bytes(), 0).parse(0).is_some());
    }

    #[test]
    fn incremental_update_and_object_stream() {
        let mut pdf = b"%PDF-1.5\n1 0 obj\n<< /Author (Alice) /Producer (P1) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n".to_vec();
        pdf.extend_from_slice(b"1 0 obj\n<< /Author (Bob) /Producer (P1) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n");
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        read(&pdf, &mut ctx);
        let vals: Vec<(&str, &str)> = ctx
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            vals,
            [
                ("PDF version", "1.5"),
                ("Author", "Bob"),
                ("Producer", "P1"),
                ("Author (earlier revision)", "Alice")
            ]
        );
        assert!(ctx.problems.iter().any(|p| p.text.contains("2 %%EOF")));

        // Info inside a compressed object stream, found through a cross-reference stream.
        let body = b"7 0 << /Title (Deep) >>";
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, body).expect("zlib");
        let z = enc.finish().expect("zlib");
        let mut pdf =
            b"%PDF-1.5\n3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
                .to_vec();
        pdf.extend_from_slice(format!("{} >>\nstream\n", z.len()).as_bytes());
        pdf.extend_from_slice(&z);
        pdf.extend_from_slice(b"\nendstream\nendobj\n9 0 obj\n<< /Type /XRef /Info 7 0 R /Size 10 /Length 0 >>\nstream\n\nendstream\nendobj\n%%EOF\n");
        let mut ctx = Ctx::new(&limits);
        read(&pdf, &mut ctx);
        assert!(
            ctx.fields
                .iter()
                .any(|f| f.key == MetaKey::Title && f.value == "Deep"),
            "{:?}",
            ctx.fields
        );
    }

    #[test]
    fn pdf_stream_bomb_is_capped() {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &vec![b' '; 3 << 20]).expect("zlib");
        let z = enc.finish().expect("zlib");
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Metadata 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Metadata /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&z);
        pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        let limits = Limits {
            max_part_bytes: 1 << 20,
            ..Limits::default()
        };
        let mut ctx = Ctx::new(&limits);
        read(&pdf, &mut ctx);
        assert!(
            ctx.problems
                .iter()
                .any(|p| p.text.contains("decompression bomb guard")),
            "{:?}",
            ctx.problems
        );
    }
}
