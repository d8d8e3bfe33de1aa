//! Tar reading: a sequential walk over 512-byte headers (ustar, GNU long names, pax `path`/`size`), shared by
//! plain tar (data skipped by seeking) and `.tar.gz` (data skipped by decompressing through). [`TarWalker`]
//! hands out one entry per call (what [`super::GzStream`] pulls); [`walk`] loops over it with a callback.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;

use super::{check_path, Entry, Limits, Loc, RaReader};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

const BLOCK: u64 = 512;
/// Largest GNU long name or pax header block read (they hold a name, not content).
const MAX_META: u64 = 1 << 20;

/// A sequential byte stream that knows its position and can skip forward.
pub(crate) trait TarSource: Read {
    /// Bytes consumed so far.
    fn position(&self) -> u64;
    /// Skip `n` bytes; fails with `UnexpectedEof` if the stream ends first.
    fn skip(&mut self, n: u64) -> io::Result<()>;
}

impl TarSource for RaReader<'_> {
    fn position(&self) -> u64 {
        self.pos
    }
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let target = self.pos.saturating_add(n);
        if target > self.len {
            self.seek(SeekFrom::Start(self.len))?;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.seek(SeekFrom::Start(target))?;
        Ok(())
    }
}

/// A forward-only stream (a decompressor) with its position counted; skipping reads through.
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    pub(crate) pos: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read> TarSource for Counted<R> {
    fn position(&self) -> u64 {
        self.pos
    }
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let got = io::copy(&mut self.by_ref().take(n), &mut io::sink())?;
        if got < n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Whether `block` (512 bytes) is a tar header: its checksum matches (unsigned or signed sum).
pub(crate) fn is_header(block: &[u8]) -> bool {
    if block.len() < 512 || block.iter().all(|b| *b == 0) {
        return false;
    }
    let Some(stored) = block.get(148..156).and_then(parse_octal) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, b) in block.iter().take(512).enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { *b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// An octal field (leading spaces, trailing NUL/space), or None if it is not one.
fn parse_octal(field: &[u8]) -> Option<u64> {
    let s: &[u8] = field.trim_ascii_start();
    let end = s
        .iter()
        .position(|b| *b == 0 || *b == b' ')
        .unwrap_or(s.len());
    let digits = s.get(..end)?;
    if digits.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for d in digits {
        if !(b'0'..=b'7').contains(d) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

/// A numeric field: octal, or GNU base-256 (high bit of the first byte set; negative values refused).
fn parse_number(field: &[u8]) -> Option<u64> {
    match field.first() {
        Some(first) if first & 0x80 != 0 => {
            if first & 0x40 != 0 {
                return None;
            }
            let mut v: u64 = u64::from(first & 0x3F);
            for b in field.get(1..)? {
                v = v.checked_mul(256)?.checked_add(u64::from(*b))?;
            }
            Some(v)
        }
        _ => parse_octal(field),
    }
}

/// The bytes of a NUL-terminated field.
fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    field.get(..end).unwrap_or_default()
}

/// `path` and `size` from pax extended header records ("LEN key=value\n").
fn parse_pax(data: &[u8], path: &mut Option<String>, size: &mut Option<u64>) {
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|b| *b == b' ') else {
            return;
        };
        let Some(len) = std::str::from_utf8(rest.get(..sp).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return;
        };
        let Some(record) = rest.get(sp + 1..len) else {
            return;
        };
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|b| *b == b'=') {
            let (key, value) = (
                record.get(..eq).unwrap_or_default(),
                record.get(eq + 1..).unwrap_or_default(),
            );
            match key {
                b"path" => *path = Some(String::from_utf8_lossy(value).into_owned()),
                b"size" => *size = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()),
                _ => {}
            }
        }
        rest = rest.get(len..).unwrap_or_default();
    }
}

fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK).saturating_mul(BLOCK)
}

/// What [`walk`] calls for each entry: the entry, a stream of its data, the diagnostics so far.
pub(crate) type Visitor<'v> =
    dyn FnMut(&Entry, &mut dyn Read, &mut Vec<Diagnostic>) -> ControlFlow<()> + 'v;

/// Read a whole block; `Ok(false)` at a clean end of stream.
fn read_block(src: &mut dyn TarSource, block: &mut [u8; 512]) -> io::Result<bool> {
    let mut got = 0;
    while got < 512 {
        let n = src.read(block.get_mut(got..).unwrap_or_default())?;
        if n == 0 {
            return if got == 0 {
                Ok(false)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        got += n;
    }
    Ok(true)
}

fn read_error(e: &io::Error, offset: u64) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        format!(
            "tar: the archive ends in the middle of the header at offset {offset}: it is truncated"
        )
    } else if e.kind() == io::ErrorKind::InvalidData {
        e.to_string()
    } else {
        format!("tar: read error at offset {offset}: {e}")
    }
}

/// A walk over a tar stream, pulled one entry at a time: what is carried from one header to the next (GNU
/// long names, pax records, the entry count) and where the data of the entry handed out last ends.
///
/// [`TarWalker::next_entry`] skips what is left of the previous entry's data, reads headers until the next
/// entry (or the end) and leaves the source at that entry's data; the caller may read any part of it.
#[derive(Debug, Default)]
pub(crate) struct TarWalker {
    index: u64,
    long_name: Option<String>,
    pax_path: Option<String>,
    pax_size: Option<u64>,
    /// The entry handed out last: the stream position where its padded data ends, and its path.
    pending: Option<(u64, String)>,
    done: bool,
}

impl TarWalker {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The next entry, with `src` positioned at the start of its data (`entry.size` bytes), or `None` at the
    /// end of the archive or after a problem that stops the walk (pushed to `diags`). `end` is the stream's
    /// length when known (plain tar), to report truncation before reading.
    pub(crate) fn next_entry(
        &mut self,
        src: &mut dyn TarSource,
        end: Option<u64>,
        limits: &Limits,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Entry> {
        if self.done {
            return None;
        }
        if let Some((next, path)) = self.pending.take() {
            let pos = src.position();
            if let Err(e) = src.skip(next.saturating_sub(pos)) {
                let text = if e.kind() == io::ErrorKind::UnexpectedEof {
                    format!("tar entry \"{path}\": the archive ends inside its data: it is truncated")
                } else {
                    read_error(&e, pos)
                };
                return self.stop(diags, text);
            }
        }
        let mut block = [0u8; 512];
        loop {
            let offset = src.position();
            match read_block(src, &mut block) {
                Ok(true) => {}
                Ok(false) => {
                    if self.index == 0 {
                        diags.push(Diagnostic::warning(
                            DiagnosticKind::Other,
                            "tar: the archive holds no entries",
                        ));
                    }
                    self.done = true;
                    return None;
                }
                Err(e) => return self.stop(diags, read_error(&e, offset)),
            }
            if block.iter().all(|b| *b == 0) {
                self.done = true;
                return None; // End-of-archive marker.
            }
            if !is_header(&block) {
                return self.stop(
                    diags,
                    format!("tar: the block at offset {offset} is not a valid header (bad checksum): the archive is damaged; reading stopped"),
                );
            }
            let kind = block[156];
            let Some(header_size) = parse_number(&block[124..136]) else {
                return self.stop(diags, format!("tar: the header at offset {offset} has an unreadable size field; reading stopped"));
            };
            let data_offset = offset + BLOCK;
            // Meta entries: the name or attributes of the next header.
            if matches!(kind, b'L' | b'K' | b'x' | b'g' | b'X') {
                if header_size > MAX_META {
                    return self.stop(diags, format!("tar: a {header_size}-byte long-name or pax header at offset {offset}; refusing it; reading stopped"));
                }
                let mut data = Vec::new();
                let n = src.take(header_size).read_to_end(&mut data);
                if n.is_err() || data.len() as u64 != header_size {
                    return self.stop(diags, format!("tar: the archive ends inside the extended header at offset {offset}: it is truncated"));
                }
                match kind {
                    b'L' => self.long_name = Some(String::from_utf8_lossy(cstr(&data)).into_owned()),
                    b'x' | b'X' => parse_pax(&data, &mut self.pax_path, &mut self.pax_size),
                    _ => {} // 'K' (long link target) and 'g' (global pax records) name nothing we show.
                }
                if let Err(e) = src.skip(padded(header_size) - header_size) {
                    return self.stop(diags, read_error(&e, src.position()));
                }
                continue;
            }
            if self.index >= limits.max_entries {
                return self.stop(
                    diags,
                    format!(
                        "tar: more than {} entries; the rest is not read",
                        limits.max_entries
                    ),
                );
            }
            let ustar = block[257..263] == *b"ustar\0";
            let mut name = cstr(&block[..100]).to_vec();
            if ustar {
                let prefix = cstr(&block[345..500]);
                if !prefix.is_empty() {
                    let mut full = prefix.to_vec();
                    full.push(b'/');
                    full.extend_from_slice(&name);
                    name = full;
                }
            }
            let path = self
                .pax_path
                .take()
                .or_else(|| self.long_name.take())
                .unwrap_or_else(|| String::from_utf8_lossy(&name).into_owned());
            self.long_name = None;
            let size = self.pax_size.take().unwrap_or(header_size);
            // Links, devices, directories and FIFOs have no data, whatever their size field says.
            let has_data = !matches!(kind, b'1' | b'2' | b'3' | b'4' | b'5' | b'6');
            let data_len = if has_data { size } else { 0 };
            let is_dir = kind == b'5' || (kind != b'1' && kind != b'2' && path.ends_with('/'));
            check_path("tar entry", &path, diags);
            if kind == b'S' {
                diags.push(Diagnostic::info(
                    DiagnosticKind::Other,
                    format!("tar entry \"{path}\" is a GNU sparse file: its stored data is shown without the holes"),
                ));
            }
            let truncated = end.is_some_and(|end| data_offset.saturating_add(data_len) > end);
            if truncated {
                diags.push(Diagnostic::error(
                    DiagnosticKind::Other,
                    format!("tar entry \"{path}\": its {data_len} bytes run past the end of the file: the archive is truncated"),
                ));
                // Its data is handed out as far as it goes; nothing follows it.
                self.done = true;
            } else {
                self.pending = Some((data_offset.saturating_add(padded(data_len)), path.clone()));
            }
            let entry = Entry {
                index: self.index,
                path,
                size: data_len,
                size_known: true,
                is_dir,
                encrypted: false,
                loc: Loc::Tar { data_offset },
            };
            self.index += 1;
            return Some(entry);
        }
    }

    /// Record the problem that ends the walk.
    fn stop(&mut self, diags: &mut Vec<Diagnostic>, text: String) -> Option<Entry> {
        self.done = true;
        diags.push(Diagnostic::error(DiagnosticKind::Other, text));
        None
    }
}

/// Walk the tar stream in `src` from its current position (0): a loop over [`TarWalker::next_entry`]. For
/// each entry, `visit` gets the entry, a stream of its data (which it may leave unread) and the diagnostics
/// so far; the walk then skips to the next header. `end` is the stream's length when known (plain tar).
pub(crate) fn walk(
    src: &mut dyn TarSource,
    end: Option<u64>,
    limits: &Limits,
    diags: &mut Vec<Diagnostic>,
    visit: &mut Visitor<'_>,
) {
    let mut walker = TarWalker::new();
    while let Some(entry) = walker.next_entry(src, end, limits, diags) {
        let mut data = (&mut *src).take(entry.size);
        if visit(&entry, &mut data, diags).is_break() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_octal(b"00000000012\0"), Some(10));
        assert_eq!(parse_octal(b"   12 \0"), Some(10));
        assert_eq!(parse_octal(b"\0\0\0"), Some(0));
        assert_eq!(parse_octal(b"9"), None);
        assert_eq!(parse_octal(b"77777777777777777777777777"), None);
        assert_eq!(
            parse_number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            Some(256)
        );
        assert_eq!(parse_number(&[0xFF; 12]), None);
        assert_eq!(
            parse_number(&[0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            None
        );
    }

    #[test]
    fn pax_records() {
        let (mut p, mut s) = (None, None);
        parse_pax(
            b"20 path=d/\xC3\xA9t\xC3\xA9.eml\n11 size=42\n6 a=b\n999 bad",
            &mut p,
            &mut s,
        );
        assert_eq!(p.as_deref(), Some("d/\u{e9}t\u{e9}.eml"));
        assert_eq!(s, Some(42));
    }

    #[test]
    fn garbage_is_not_a_header() {
        assert!(!is_header(&[b'a'; 512]));
        assert!(!is_header(&[0; 100]));
    }
}
