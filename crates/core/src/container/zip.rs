//! Zip: the `zip` crate reads the central directory (over a buffered [`RaReader`], so only the end of the
//! file and each entry's local header are read); entry data is decompressed here (stored or deflate) under a
//! [`Guard`], so limits, the declared size and the CRC are checked while reading.
//!
//! When the central directory is missing or damaged (a truncated download), the local headers are walked
//! from the start of the file instead, recovering the entries before the damage.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::rc::Rc;

use ::zip::{CompressionMethod, ZipArchive};
use flate2::read::DeflateDecoder;

use super::{
    check_path, Entry, Guard, Limits, Loc, RaReader, RandomAccess, RatioBase, Shared, ZipMethod,
};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// Read up to `buf.len()` bytes at `offset`, looping over short reads.
fn read_full(src: &dyn RandomAccess, offset: u64, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        match src.read_at(offset + got as u64, buf.get_mut(got..).unwrap_or_default()) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    got
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The entry count the end-of-central-directory record (or its zip64 form) declares, read before the
/// `zip` crate allocates for it.
fn declared_entries(src: &dyn RandomAccess) -> Option<u64> {
    let len = src.len();
    let tail_len = len.min(22 + 65_535);
    let start = len - tail_len;
    let mut tail = vec![0u8; usize::try_from(tail_len).ok()?];
    let got = read_full(src, start, &mut tail);
    tail.truncate(got);
    let p = tail
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .filter(|p| p + 22 <= tail.len())?;
    let count = u16_at(&tail, p + 10)?;
    if count != 0xFFFF {
        return Some(u64::from(count));
    }
    let loc = p.checked_sub(20)?;
    if tail.get(loc..loc + 4)? != b"PK\x06\x07" {
        return Some(u64::from(count));
    }
    let at = u64_at(&tail, loc + 8)?;
    let mut rec = [0u8; 56];
    if read_full(src, at, &mut rec) < 56 || rec.get(..4)? != b"PK\x06\x06" {
        return None;
    }
    u64_at(&rec, 32)
}

fn method_of(m: CompressionMethod) -> ZipMethod {
    if m == CompressionMethod::Stored {
        ZipMethod::Stored
    } else if m == CompressionMethod::Deflated {
        ZipMethod::Deflated
    } else {
        ZipMethod::Other(m.to_string())
    }
}

fn error(text: String) -> Diagnostic {
    Diagnostic::error(DiagnosticKind::Other, text)
}

/// Checks shared by both listing paths.
fn check_entry(entry: &Entry, src_len: u64, diags: &mut Vec<Diagnostic>) {
    check_path("zip entry", &entry.path, diags);
    if entry.encrypted {
        diags.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "zip entry \"{}\" is encrypted: Leakloupe does not decrypt archives; it is listed but not read",
                entry.path
            ),
        ));
        return;
    }
    if let Loc::Zip {
        data_start,
        compressed_size,
        method,
        ..
    } = &entry.loc
    {
        if data_start.saturating_add(*compressed_size) > src_len {
            diags.push(error(format!(
                "zip entry \"{}\": its data runs past the end of the file: the archive is truncated",
                entry.path
            )));
        }
        if let ZipMethod::Other(m) = method {
            if !entry.is_dir {
                diags.push(error(format!(
                    "zip entry \"{}\" uses the {m} compression method, which Leakloupe does not read (only stored and deflate)",
                    entry.path
                )));
            }
        }
    }
}

/// List from the central directory; fall back to walking local headers when it cannot be read.
pub(super) fn list(src: &dyn RandomAccess, limits: &Limits) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if let Some(n) = declared_entries(src) {
        if n > limits.max_entries {
            diags.push(error(format!(
                "zip: the archive claims {n} entries, more than the limit of {}; it is not opened",
                limits.max_entries
            )));
            return (Vec::new(), diags);
        }
    }
    let mut archive = match ZipArchive::new(RaReader::new(src)) {
        Ok(a) => a,
        Err(e) => {
            diags.push(error(format!(
                "zip: the central directory (the archive's table of contents, at its end) is missing or damaged ({e}): the file is probably truncated; entries are recovered from their local headers, up to the damage"
            )));
            let entries = recover(src, limits, &mut diags);
            return (entries, diags);
        }
    };
    let mut entries = Vec::new();
    let mut declared_total = 0u64;
    for i in 0..archive.len() {
        if i as u64 >= limits.max_entries {
            diags.push(error(format!(
                "zip: more than {} entries; the rest is not listed",
                limits.max_entries
            )));
            break;
        }
        let fallback = archive
            .name_for_index(i)
            .unwrap_or_default()
            .replace('\\', "/");
        let entry = match archive.by_index_raw(i) {
            Ok(f) => {
                let path = f.name().replace('\\', "/");
                let is_dir = f.is_dir();
                let loc = match f.data_start() {
                    Some(data_start) => Loc::Zip {
                        data_start,
                        compressed_size: f.compressed_size(),
                        method: method_of(f.compression()),
                        crc32: f.crc32(),
                    },
                    None => Loc::Unreadable(format!(
                        "zip entry \"{path}\": where its data starts is unknown"
                    )),
                };
                Entry {
                    index: i as u64,
                    path,
                    size: f.size(),
                    size_known: true,
                    is_dir,
                    encrypted: f.encrypted(),
                    loc,
                }
            }
            Err(e) => {
                let why = format!("zip entry \"{fallback}\": its local header cannot be read ({e}): the archive is damaged");
                diags.push(error(why.clone()));
                Entry {
                    index: i as u64,
                    is_dir: fallback.ends_with('/'),
                    path: fallback,
                    size: 0,
                    size_known: false,
                    encrypted: false,
                    loc: Loc::Unreadable(why),
                }
            }
        };
        declared_total = declared_total.saturating_add(entry.size);
        check_entry(&entry, src.len(), &mut diags);
        entries.push(entry);
    }
    if declared_total > limits.max_total_uncompressed {
        diags.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "zip: the entries declare {declared_total} bytes uncompressed in all, more than the limit of {}; reading will stop there",
                limits.max_total_uncompressed
            ),
        ));
    }
    (entries, diags)
}

/// Walk local headers from the start of the file (no central directory). An entry whose size is only in a
/// trailing data descriptor is measured by decompressing it (deflate); a stored one ends the walk.
fn recover(src: &dyn RandomAccess, limits: &Limits, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut offset = 0u64;
    let len = src.len();
    loop {
        let mut h = [0u8; 30];
        if read_full(src, offset, &mut h) < 30 || h.get(..4) != Some(b"PK\x03\x04".as_slice()) {
            break;
        }
        if entries.len() as u64 >= limits.max_entries {
            diags.push(error(format!(
                "zip: more than {} entries; the rest is not listed",
                limits.max_entries
            )));
            break;
        }
        let field = |at| u16_at(&h, at).unwrap_or(0);
        let (flags, method) = (field(6), field(8));
        let crc = u32_at(&h, 14).unwrap_or(0);
        let mut csize = u64::from(u32_at(&h, 18).unwrap_or(0));
        let mut usize_ = u64::from(u32_at(&h, 22).unwrap_or(0));
        let (nlen, xlen) = (usize::from(field(26)), usize::from(field(28)));
        let mut name = vec![0u8; nlen];
        let mut extra = vec![0u8; xlen];
        if read_full(src, offset + 30, &mut name) < nlen
            || read_full(src, offset + 30 + nlen as u64, &mut extra) < xlen
        {
            break;
        }
        // Zip64 sizes.
        let mut x = 0;
        while let (Some(id), Some(size)) = (u16_at(&extra, x), u16_at(&extra, x + 2)) {
            if id == 1 {
                if let (Some(u), Some(c)) = (u64_at(&extra, x + 4), u64_at(&extra, x + 12)) {
                    usize_ = u;
                    csize = c;
                }
            }
            x += 4 + usize::from(size);
        }
        let path = if flags & 0x800 != 0 {
            String::from_utf8_lossy(&name).into_owned()
        } else {
            name.iter().map(|b| cp437(*b)).collect()
        }
        .replace('\\', "/");
        let data_start = offset + 30 + nlen as u64 + xlen as u64;
        let mut crc32 = crc;
        let mut after = data_start.saturating_add(csize);
        if flags & 0x08 != 0 && csize == 0 {
            if method != 8 {
                diags.push(error(format!(
                    "zip entry \"{path}\": its size is only given after its data, which cannot be found without the central directory; recovery stops here"
                )));
                break;
            }
            let Some((c, u)) = measure_deflate(src, data_start, limits) else {
                diags.push(error(format!("zip entry \"{path}\": its compressed data is damaged or cut off; recovery stops here")));
                break;
            };
            csize = c;
            usize_ = u;
            after = data_start + c;
            // Data descriptor: optional signature, CRC, sizes (4 or 8 bytes each).
            let mut d = [0u8; 24];
            let got = read_full(src, after, &mut d);
            let sig = d.get(..4) == Some(b"PK\x07\x08".as_slice());
            let base = if sig { 4 } else { 0 };
            crc32 = u32_at(&d, base).unwrap_or(0);
            let small = u32_at(&d, base + 4).map(u64::from) == Some(c);
            let desc_len = base + 4 + if small { 8 } else { 16 };
            after += desc_len.min(got) as u64;
        }
        let entry = Entry {
            index: entries.len() as u64,
            is_dir: path.ends_with('/'),
            path,
            size: usize_,
            size_known: true,
            encrypted: flags & 1 != 0,
            loc: Loc::Zip {
                data_start,
                compressed_size: csize,
                method: match method {
                    0 => ZipMethod::Stored,
                    8 => ZipMethod::Deflated,
                    m => ZipMethod::Other(format!("#{m}")),
                },
                crc32,
            },
        };
        check_entry(&entry, len, diags);
        entries.push(entry);
        if after > len {
            break;
        }
        offset = after;
    }
    diags.push(Diagnostic::warning(
        DiagnosticKind::Other,
        format!(
            "zip: {} entries recovered from local headers",
            entries.len()
        ),
    ));
    entries
}

/// Decompress a raw deflate stream at `start` to learn its compressed and decompressed lengths.
fn measure_deflate(src: &dyn RandomAccess, start: u64, limits: &Limits) -> Option<(u64, u64)> {
    let mut r = RaReader::new(src);
    r.seek(SeekFrom::Start(start)).ok()?;
    let mut d = flate2::Decompress::new(false);
    let mut input = vec![0u8; 64 * 1024];
    let mut out = vec![0u8; 64 * 1024];
    let (mut have, mut used) = (0usize, 0usize);
    loop {
        if used == have {
            have = r.read(&mut input).ok()?;
            used = 0;
            if have == 0 {
                return None;
            }
        }
        let before = d.total_in();
        let status = d
            .decompress(
                input.get(used..have)?,
                &mut out,
                flate2::FlushDecompress::None,
            )
            .ok()?;
        used += usize::try_from(d.total_in() - before).ok()?;
        if d.total_out() > limits.max_total_uncompressed {
            return None;
        }
        if status == flate2::Status::StreamEnd {
            return Some((d.total_in(), d.total_out()));
        }
    }
}

/// CP437, the zip default for names without the UTF-8 flag (printable ASCII as is).
fn cp437(b: u8) -> char {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if b < 0x80 {
        char::from(b)
    } else {
        HIGH.chars()
            .nth(usize::from(b - 0x80))
            .unwrap_or('\u{FFFD}')
    }
}

/// Stream one entry: stored data as is, deflate decompressed, under a [`Guard`].
pub(super) fn open<'a>(
    src: &'a dyn RandomAccess,
    entry: &Entry,
    limits: &Limits,
    shared: &Rc<Shared>,
) -> Result<Box<dyn Read + 'a>, Diagnostic> {
    let Loc::Zip {
        data_start,
        compressed_size,
        method,
        crc32,
    } = &entry.loc
    else {
        return Err(error(format!(
            "zip: entry \"{}\" does not come from a zip archive",
            entry.path
        )));
    };
    if entry.encrypted {
        return Err(error(format!(
            "zip entry \"{}\" is encrypted: Leakloupe does not decrypt archives",
            entry.path
        )));
    }
    let mut r = RaReader::new(src);
    r.seek(SeekFrom::Start(*data_start))
        .map_err(|e| error(format!("zip entry \"{}\": {e}", entry.path)))?;
    let raw = r.take(*compressed_size);
    let (inner, ratio): (Box<dyn Read + 'a>, RatioBase) = match method {
        ZipMethod::Stored => (Box::new(raw), RatioBase::None),
        ZipMethod::Deflated => (Box::new(DeflateDecoder::new(raw)), RatioBase::Fixed(*compressed_size)),
        ZipMethod::Other(m) => {
            return Err(error(format!(
                "zip entry \"{}\" uses the {m} compression method, which Leakloupe does not read (only stored and deflate)",
                entry.path
            )))
        }
    };
    Ok(Box::new(Guard::new(
        inner,
        format!("zip entry {}", entry.path),
        Some(entry.size),
        Some(*crc32),
        ratio,
        limits,
        shared,
    )))
}

/// One pass: list, then stream each readable entry in central-directory order.
pub(super) fn for_each(
    src: &dyn RandomAccess,
    limits: &Limits,
    f: &mut dyn FnMut(&Entry, &mut dyn Read) -> ControlFlow<()>,
) -> Vec<Diagnostic> {
    let (entries, mut diags) = list(src, limits);
    let shared = Rc::new(Shared::default());
    for entry in &entries {
        if shared.total.get() > limits.max_total_uncompressed {
            break;
        }
        if entry.is_dir {
            if f(entry, &mut io::empty()).is_break() {
                break;
            }
            continue;
        }
        // Encrypted, unreadable and unsupported entries were reported by `list`.
        let skip = entry.encrypted
            || matches!(
                entry.loc,
                Loc::Unreadable(_)
                    | Loc::Zip {
                        method: ZipMethod::Other(_),
                        ..
                    }
            );
        if skip {
            continue;
        }
        match open(src, entry, limits, &shared) {
            Ok(mut r) => {
                let flow = f(entry, &mut r);
                drop(r);
                shared.report(&mut diags);
                if flow.is_break() {
                    break;
                }
            }
            Err(d) => {
                if !diags.iter().any(|x| x.text == d.text) {
                    diags.push(d);
                }
            }
        }
    }
    diags
}
