//! A small, read-only reader for OLE compound files ([MS-CFB], "structured storage"), the container of
//! Outlook `.msg` files: header, FAT / DIFAT / mini FAT, the directory tree, and stream contents.
//!
//! Written here rather than taken from the `cfb` crate (which the tests use to *write* fixtures) because
//! this reader must never panic, loop or balloon on hostile input (the app's release build aborts on a
//! panic, taking the worker down): `cfb` has had panics and hangs on fuzzed files (rust-cfb issues #3, #7,
//! #18). Every index here is checked, every sector chain is bounded by the number of sectors in the file,
//! every directory walk remembers what it has visited, and the bytes handed out are capped at twice the
//! file's size (overlapping streams).

use std::cell::Cell;
use std::collections::HashSet;

/// The 8-byte signature every compound file starts with.
pub(crate) const MAGIC: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

const MAX_REG_SECT: u32 = 0xFFFF_FFFA;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const NO_STREAM: u32 = 0xFFFF_FFFF;
const HEADER_DIFAT_ENTRIES: usize = 109;

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A storage (folder).
    Storage,
    /// A stream (file).
    Stream,
    /// The root storage (entry 0).
    Root,
}

/// One directory entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The entry's name (UTF-16 decoded).
    pub name: String,
    /// Storage, stream or root.
    pub kind: EntryKind,
    left: u32,
    right: u32,
    child: u32,
    start: u32,
    size: u64,
}

/// An opened compound file borrowing the file's bytes.
#[derive(Debug)]
pub(crate) struct Cfb<'a> {
    data: &'a [u8],
    sector_shift: u32,
    mini_shift: u32,
    mini_cutoff: u64,
    fat: Vec<u32>,
    minifat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<Entry>,
    /// Bytes still allowed to be handed out by [`Cfb::read_stream`]. Streams of a sound file never add up
    /// to more than the file, but a hostile one can point thousands of entries at the same sectors.
    budget: Cell<usize>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

fn bad(what: &str) -> String {
    format!("damaged OLE compound file: {what}")
}

impl<'a> Cfb<'a> {
    /// Open a compound file. Errors are complete sentences naming what is wrong.
    pub(crate) fn open(data: &'a [u8]) -> Result<Self, String> {
        if !data.starts_with(MAGIC) {
            return Err("not an OLE compound file (no D0 CF 11 E0 A1 B1 1A E1 signature)".into());
        }
        if data.len() < 512 {
            return Err(bad(&format!(
                "the file is only {} bytes, shorter than the 512-byte header",
                data.len()
            )));
        }
        let field = |at: usize| u32_at(data, at).unwrap_or(0);
        let major = u16_at(data, 0x1A).unwrap_or(0);
        let sector_shift = u32::from(u16_at(data, 0x1E).unwrap_or(0));
        let mini_shift = u32::from(u16_at(data, 0x20).unwrap_or(0));
        if !(major == 3 && sector_shift == 9 || major == 4 && sector_shift == 12) {
            return Err(bad(&format!(
                "unsupported version {major} with sector shift {sector_shift}"
            )));
        }
        if mini_shift != 6 {
            return Err(bad(&format!("unsupported mini sector shift {mini_shift}")));
        }
        let mut cfb = Cfb {
            data,
            sector_shift,
            mini_shift,
            mini_cutoff: u64::from(field(0x38)),
            fat: Vec::new(),
            minifat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
            budget: Cell::new(data.len().saturating_mul(2).saturating_add(16 << 20)),
        };
        cfb.read_fat(field(0x2C), field(0x44))?;
        let dir = cfb.chain_bytes(field(0x30), "directory")?;
        cfb.read_directory(&dir, major)?;
        let minifat_bytes = if field(0x40) == 0 || field(0x3C) > MAX_REG_SECT {
            Vec::new()
        } else {
            cfb.chain_bytes(field(0x3C), "mini FAT")?
        };
        cfb.minifat = minifat_bytes
            .chunks_exact(4)
            .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
            .collect();
        let root = cfb
            .entries
            .first()
            .cloned()
            .ok_or_else(|| bad("no root entry"))?;
        if root.start <= MAX_REG_SECT && root.size > 0 {
            let mut ms = cfb.chain_bytes(root.start, "mini stream")?;
            ms.truncate(usize::try_from(root.size).unwrap_or(usize::MAX));
            cfb.mini_stream = ms;
        }
        Ok(cfb)
    }

    fn sector_size(&self) -> usize {
        1usize << self.sector_shift
    }

    /// Number of whole or partial sectors after the header: a bound for every chain.
    fn sector_count(&self) -> usize {
        (self.data.len() >> self.sector_shift) + 1
    }

    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let size = self.sector_size();
        let start = usize::try_from(id)
            .ok()?
            .checked_add(1)?
            .checked_mul(size)?;
        let data: &'a [u8] = self.data;
        if start >= data.len() {
            return None;
        }
        // The last sector may be cut short (some writers do not pad the file).
        data.get(start..start.saturating_add(size).min(data.len()))
    }

    fn read_fat(&mut self, fat_sectors: u32, difat_start: u32) -> Result<(), String> {
        let limit = self.sector_count();
        let mut fat_ids: Vec<u32> = (0..HEADER_DIFAT_ENTRIES)
            .filter_map(|i| u32_at(self.data, 0x4C + 4 * i))
            .filter(|s| *s <= MAX_REG_SECT)
            .collect();
        let mut next = difat_start;
        let mut seen = HashSet::new();
        let per = self.sector_size() / 4 - 1;
        while next <= MAX_REG_SECT {
            if !seen.insert(next) || seen.len() > limit {
                return Err(bad("the DIFAT chain loops"));
            }
            let s = self.sector(next).ok_or_else(|| {
                bad(&format!(
                    "DIFAT sector {next} lies beyond the end of the file"
                ))
            })?;
            fat_ids.extend(
                (0..per)
                    .filter_map(|i| u32_at(s, 4 * i))
                    .filter(|s| *s <= MAX_REG_SECT),
            );
            next = u32_at(s, 4 * per).unwrap_or(END_OF_CHAIN);
        }
        fat_ids.truncate(fat_sectors as usize);
        if fat_ids.is_empty() {
            return Err(bad("the header lists no FAT sector"));
        }
        if fat_ids.len() > limit {
            return Err(bad("more FAT sectors than the file has sectors"));
        }
        let mut fat = Vec::with_capacity(fat_ids.len() * (per + 1));
        for id in fat_ids {
            let s = self
                .sector(id)
                .ok_or_else(|| bad(&format!("FAT sector {id} lies beyond the end of the file")))?;
            fat.extend(
                s.chunks_exact(4)
                    .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes)),
            );
        }
        self.fat = fat;
        Ok(())
    }

    /// Follow a FAT chain; errors on loops and on sectors outside the FAT or the file.
    fn chain(&self, start: u32, what: &str) -> Result<Vec<u32>, String> {
        let limit = self.fat.len().min(self.sector_count());
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut s = start;
        while s <= MAX_REG_SECT {
            if !seen.insert(s) || out.len() > limit {
                return Err(bad(&format!("the {what} sector chain loops")));
            }
            out.push(s);
            s = *self.fat.get(s as usize).ok_or_else(|| {
                bad(&format!(
                    "the {what} chain points outside the FAT (sector {s})"
                ))
            })?;
        }
        if s != END_OF_CHAIN {
            return Err(bad(&format!(
                "the {what} chain ends with a free or reserved sector"
            )));
        }
        Ok(out)
    }

    fn chain_bytes(&self, start: u32, what: &str) -> Result<Vec<u8>, String> {
        let chain = self.chain(start, what)?;
        let mut out = Vec::with_capacity(chain.len() * self.sector_size());
        for id in chain {
            let s = self.sector(id).ok_or_else(|| {
                bad(&format!(
                    "a {what} sector lies beyond the end of the file (the file is truncated)"
                ))
            })?;
            out.extend_from_slice(s);
        }
        Ok(out)
    }

    fn read_directory(&mut self, dir: &[u8], major: u16) -> Result<(), String> {
        for raw in dir.chunks_exact(128) {
            let kind = match raw.get(66) {
                Some(1) => Some(EntryKind::Storage),
                Some(2) => Some(EntryKind::Stream),
                Some(5) => Some(EntryKind::Root),
                _ => None,
            };
            let name_len = usize::from(u16_at(raw, 64).unwrap_or(0)).min(64);
            let units: Vec<u16> = raw
                .get(..name_len)
                .unwrap_or_default()
                .chunks_exact(2)
                .filter_map(|c| c.try_into().ok().map(u16::from_le_bytes))
                .take_while(|u| *u != 0)
                .collect();
            let mut size = u64_at(raw, 120).unwrap_or(0);
            if major == 3 {
                size &= 0xFFFF_FFFF;
            }
            self.entries.push(Entry {
                name: String::from_utf16_lossy(&units),
                // Unallocated entries are kept (as streams nobody points to) so ids stay positions.
                kind: kind.unwrap_or(EntryKind::Stream),
                left: u32_at(raw, 68).unwrap_or(NO_STREAM),
                right: u32_at(raw, 72).unwrap_or(NO_STREAM),
                child: u32_at(raw, 76).unwrap_or(NO_STREAM),
                start: u32_at(raw, 116).unwrap_or(END_OF_CHAIN),
                size,
            });
        }
        match self.entries.first() {
            Some(e) if e.kind == EntryKind::Root => Ok(()),
            _ => Err(bad("the first directory entry is not the root storage")),
        }
    }

    /// The entry with id `id`.
    pub(crate) fn entry(&self, id: usize) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// The ids of the direct children of storage `id` (in tree order; unordered for callers).
    pub(crate) fn children(&self, id: usize) -> Vec<usize> {
        let Some(e) = self.entries.get(id) else {
            return Vec::new();
        };
        if e.kind == EntryKind::Stream {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![e.child];
        while let Some(c) = stack.pop() {
            let Ok(c) = usize::try_from(c) else { continue };
            let Some(child) = self.entries.get(c) else {
                continue;
            };
            if c == 0 || !seen.insert(c) {
                continue;
            }
            out.push(c);
            stack.push(child.left);
            stack.push(child.right);
        }
        out
    }

    /// The contents of stream `id`. Streams below the mini-stream cutoff live in the mini stream.
    pub(crate) fn read_stream(&self, id: usize) -> Result<Vec<u8>, String> {
        let e = self
            .entries
            .get(id)
            .ok_or_else(|| bad("a directory entry is missing"))?;
        let size = usize::try_from(e.size).unwrap_or(usize::MAX);
        if size == 0 {
            return Ok(Vec::new());
        }
        let left = self.budget.get();
        if size > left {
            return Err(bad(&format!(
                "stream \"{}\" would take the data read past twice the file's size (streams overlap)",
                e.name
            )));
        }
        self.budget.set(left - size);
        if e.size < self.mini_cutoff {
            let mini = 1usize << self.mini_shift;
            let limit = self.minifat.len();
            let mut out = Vec::with_capacity(size.min(self.mini_stream.len()));
            let mut s = e.start;
            let mut steps = 0usize;
            while s <= MAX_REG_SECT && out.len() < size {
                steps += 1;
                if steps > limit {
                    return Err(bad(&format!(
                        "the mini-stream chain of \"{}\" loops",
                        e.name
                    )));
                }
                let at = (s as usize).saturating_mul(mini);
                let chunk = self
                    .mini_stream
                    .get(at..at.saturating_add(mini))
                    .ok_or_else(|| {
                        bad(&format!("\"{}\" points outside the mini stream", e.name))
                    })?;
                out.extend_from_slice(chunk);
                s = *self
                    .minifat
                    .get(s as usize)
                    .ok_or_else(|| bad(&format!("\"{}\" points outside the mini FAT", e.name)))?;
            }
            if out.len() < size {
                return Err(bad(&format!(
                    "stream \"{}\" is shorter than its stated size",
                    e.name
                )));
            }
            out.truncate(size);
            Ok(out)
        } else {
            let mut out = self.chain_bytes(e.start, &format!("stream \"{}\"", e.name))?;
            if out.len() < size {
                return Err(bad(&format!(
                    "stream \"{}\" is shorter than its stated size",
                    e.name
                )));
            }
            out.truncate(size);
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(Cfb::open(b"Hello World").is_err());
        let mut h = MAGIC.to_vec();
        assert!(Cfb::open(&h)
            .unwrap_err()
            .contains("shorter than the 512-byte header"));
        h.resize(512, 0xFF);
        assert!(Cfb::open(&h).is_err());
        // Plausible header, every sector pointer wild.
        let mut h = MAGIC.to_vec();
        h.resize(2048, 0);
        h[0x1A] = 3;
        h[0x1E] = 9;
        h[0x20] = 6;
        h[0x2C] = 1;
        for (i, b) in h.iter_mut().enumerate().skip(0x4C).take(436) {
            *b = (i % 7) as u8;
        }
        let _ = Cfb::open(&h);
        for cut in [513, 700, 1024, 1500] {
            let _ = Cfb::open(&h[..cut]);
        }
    }
}
