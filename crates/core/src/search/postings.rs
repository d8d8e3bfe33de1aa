//! Compact, append-only storage of the inverted index: a term dictionary (open addressing over an arena of
//! term bytes) and one growing posting stream per (field, term) kept in linked blocks of a paged byte pool.
//!
//! Each (field, term) has two streams, so that a word query never decodes positions:
//! - documents (internal numbers, strictly increasing): `varint(doc_delta << 1 | tf_is_one)`, then
//!   `varint(tf)` when tf > 1;
//! - positions: per document, tf varints (the first position, then deltas).
//!
//! Blocks grow from 16 bytes to 2 KiB, each ending in the 4-byte address of the next block, so a term seen
//! once costs one 16-byte block and a frequent one a chain of 2 KiB blocks; pages of 256 KiB never move, so
//! the pool does not double its memory when it grows (a `Vec` would); only the first page starts small, so a
//! small archive gets a small index.

/// Bits of an address that select the byte within a page.
const PAGE_BITS: u32 = 18;
const PAGE_SIZE: usize = 1 << PAGE_BITS;
/// Block sizes by level, the 4-byte next pointer included: growing by about 1.5 (less slack in the last
/// block than doubling), up to 2 KiB.
const BLOCK_SIZES: [u32; 15] = [
    16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
];

/// The paged byte pool.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    /// Pages; all but the last are full-size, the last grows up to [`PAGE_SIZE`].
    pages: Vec<Vec<u8>>,
    /// Bytes used in the last page.
    used: usize,
}

impl Pool {
    /// A fresh block of `size` bytes; `None` when the 4 GiB address space is exhausted.
    fn alloc(&mut self, size: u32) -> Option<u32> {
        let size = usize::try_from(size).ok()?;
        if self.pages.is_empty() || self.used + size > PAGE_SIZE {
            if self.pages.len() >= (1usize << (32 - PAGE_BITS)) - 1 {
                return None;
            }
            if let Some(last) = self.pages.last_mut() {
                last.resize(PAGE_SIZE, 0);
            }
            let first = if self.pages.is_empty() {
                4096
            } else {
                PAGE_SIZE
            };
            self.pages.push(Vec::with_capacity(first));
            self.used = 0;
        }
        let page = self.pages.len() - 1;
        let addr = (page << PAGE_BITS) | self.used;
        self.used += size;
        if let Some(last) = self.pages.last_mut() {
            if last.capacity() < self.used {
                last.reserve_exact((last.capacity() * 2).clamp(self.used, PAGE_SIZE) - last.len());
            }
            last.resize(self.used, 0);
        }
        u32::try_from(addr).ok()
    }

    /// Bytes `start..end` (within one page).
    fn slice(&self, start: u32, end: u32) -> &[u8] {
        let page = usize::try_from(start >> PAGE_BITS).unwrap_or(usize::MAX);
        let mask = (1u32 << PAGE_BITS) - 1;
        let (s, e) = (start & mask, end.saturating_sub(start & !mask));
        self.pages
            .get(page)
            .and_then(|p| p.get(usize::try_from(s).ok()?..usize::try_from(e).ok()?))
            .unwrap_or_default()
    }

    fn slice_mut(&mut self, start: u32, len: usize) -> &mut [u8] {
        let page = usize::try_from(start >> PAGE_BITS).unwrap_or(usize::MAX);
        let s = usize::try_from(start & ((1u32 << PAGE_BITS) - 1)).unwrap_or(usize::MAX);
        self.pages
            .get_mut(page)
            .and_then(|p| p.get_mut(s..s.saturating_add(len)))
            .unwrap_or_default()
    }

    fn read_u32(&self, addr: u32) -> Option<u32> {
        let b = self.slice(addr, addr.checked_add(4)?);
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    fn write_u32(&mut self, addr: u32, v: u32) {
        let b = self.slice_mut(addr, 4);
        if b.len() == 4 {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.pages.iter().map(Vec::capacity).sum::<usize>()
            + self.pages.capacity() * std::mem::size_of::<Vec<u8>>()
    }
}

/// One growing stream: its first block, the next byte to write, the end of the current block's data.
#[derive(Debug, Clone, Copy, Default)]
struct Stream {
    head: u32,
    tail: u32,
    end: u32,
    level: u8,
}

/// One (field, term): where its text is and where its two streams are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TermEntry {
    /// Offset of the term's bytes in the arena.
    text: u32,
    /// Last document written, plus one (0: none yet).
    last_doc: u32,
    docs: Stream,
    positions: Stream,
    /// Length of the term's bytes.
    len: u8,
    /// Field number.
    pub(crate) field: u8,
}

const CHUNK_BITS: usize = 12;

/// The term dictionary and the posting streams.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    /// Term entries in chunks of 4096 (no doubling of one huge vector).
    terms: Vec<Vec<TermEntry>>,
    term_count: u32,
    /// Term bytes.
    arena: Vec<u8>,
    /// Open addressing table of term numbers + 1 (0: empty); its length is a power of two.
    slots: Vec<u32>,
    pool: Pool,
    /// Encoded positions of the document being appended.
    buf: Vec<u8>,
    /// Bytes written into streams (payload, without block slack and next pointers).
    pub(crate) payload: u64,
    /// Set when the pool or the arena is full: later terms are not indexed.
    pub(crate) full: bool,
}

fn hash(field: u8, term: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = u64::from(field).wrapping_mul(K);
    let mut chunks = term.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(chunks.remainder()) {
        *d = *s;
    }
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w) ^ (term.len() as u64)).wrapping_mul(K);
    // Final mix (murmur3's fmix64): the table is indexed by the low bits.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

impl Postings {
    pub(crate) fn entry(&self, id: u32) -> Option<&TermEntry> {
        let id = usize::try_from(id).ok()?;
        self.terms
            .get(id >> CHUNK_BITS)?
            .get(id & ((1 << CHUNK_BITS) - 1))
    }

    fn entry_mut(&mut self, id: u32) -> Option<&mut TermEntry> {
        let id = usize::try_from(id).ok()?;
        self.terms
            .get_mut(id >> CHUNK_BITS)?
            .get_mut(id & ((1 << CHUNK_BITS) - 1))
    }

    fn text_of(&self, e: &TermEntry) -> &[u8] {
        let start = usize::try_from(e.text).unwrap_or(usize::MAX);
        self.arena
            .get(start..start.saturating_add(usize::from(e.len)))
            .unwrap_or_default()
    }

    /// The term's text.
    #[cfg(test)]
    pub(crate) fn term_text(&self, id: u32) -> &str {
        self.entry(id)
            .map(|e| std::str::from_utf8(self.text_of(e)).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Number of (field, term) entries.
    pub(crate) fn len(&self) -> u32 {
        self.term_count
    }

    /// The term number of (field, term), if indexed.
    pub(crate) fn find(&self, field: u8, term: &str) -> Option<u32> {
        self.find_hashed(field, term, hash(field, term.as_bytes()))
    }

    fn find_hashed(&self, field: u8, term: &str, h: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = usize::try_from(h).unwrap_or(0) & mask;
        loop {
            let s = *self.slots.get(i)?;
            if s == 0 {
                return None;
            }
            let e = self.entry(s - 1)?;
            if e.field == field && self.text_of(e) == term.as_bytes() {
                return Some(s - 1);
            }
            i = (i + 1) & mask;
        }
    }

    fn new_stream(&mut self) -> Option<Stream> {
        let head = self.pool.alloc(BLOCK_SIZES[0])?;
        Some(Stream {
            head,
            tail: head,
            end: head + BLOCK_SIZES[0] - 4,
            level: 0,
        })
    }

    /// The term number of (field, term), adding it if new; `None` when the index is full or the term too long.
    pub(crate) fn intern(&mut self, field: u8, term: &str) -> Option<u32> {
        let h = hash(field, term.as_bytes());
        if let Some(id) = self.find_hashed(field, term, h) {
            return Some(id);
        }
        if self.full || term.len() > usize::from(u8::MAX) {
            return None;
        }
        if (self.term_count as usize + 1) * 10 > self.slots.len() * 7 {
            self.grow_slots();
        }
        let text = u32::try_from(self.arena.len())
            .ok()
            .filter(|t| t.checked_add(255).is_some());
        let (Some(text), Some(docs), Some(positions)) =
            (text, self.new_stream(), self.new_stream())
        else {
            self.full = true;
            return None;
        };
        self.arena.extend_from_slice(term.as_bytes());
        let entry = TermEntry {
            text,
            last_doc: 0,
            docs,
            positions,
            len: u8::try_from(term.len()).unwrap_or(u8::MAX),
            field,
        };
        let id = self.term_count;
        if self.terms.last().is_none_or(|c| c.len() >= 1 << CHUNK_BITS) {
            let cap = if self.terms.is_empty() {
                64
            } else {
                1 << CHUNK_BITS
            };
            self.terms.push(Vec::with_capacity(cap));
        }
        if let Some(chunk) = self.terms.last_mut() {
            chunk.push(entry);
        }
        self.term_count += 1;
        self.place(id, h);
        Some(id)
    }

    fn place(&mut self, id: u32, h: u64) {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = usize::try_from(h).unwrap_or(0) & mask;
        for _ in 0..self.slots.len() {
            match self.slots.get_mut(i) {
                Some(s) if *s == 0 => {
                    *s = id + 1;
                    return;
                }
                Some(_) => i = (i + 1) & mask,
                None => return,
            }
        }
    }

    fn grow_slots(&mut self) {
        let n = (self.slots.len() * 2).max(1024);
        self.slots = vec![0; n];
        for id in 0..self.term_count {
            let Some(e) = self.entry(id).copied() else {
                continue;
            };
            let h = hash(e.field, self.text_of(&e));
            self.place(id, h);
        }
    }

    /// Append `bytes` to stream `s`, growing it block by block.
    fn write(&mut self, s: &mut Stream, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            if s.tail >= s.end {
                let level = (usize::from(s.level) + 1).min(BLOCK_SIZES.len() - 1);
                let size = BLOCK_SIZES.get(level).copied().unwrap_or(2048);
                let Some(block) = self.pool.alloc(size) else {
                    self.full = true;
                    return false;
                };
                self.pool.write_u32(s.end, block);
                s.level = u8::try_from(level).unwrap_or(0);
                s.tail = block;
                s.end = block + size - 4;
            }
            let room = usize::try_from(s.end - s.tail).unwrap_or(0);
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            let dst = self.pool.slice_mut(s.tail, now.len());
            if dst.len() != now.len() {
                return false;
            }
            dst.copy_from_slice(now);
            s.tail += u32::try_from(now.len()).unwrap_or(0);
            self.payload += now.len() as u64;
            bytes = rest;
        }
        true
    }

    /// Append document `doc` with its sorted `positions` to term `id`'s streams. Documents must come in
    /// increasing order; an out-of-order one is ignored.
    pub(crate) fn append(&mut self, id: u32, doc: u32, positions: &[u32]) {
        let Some(mut e) = self.entry(id).copied() else {
            return;
        };
        let Some(cur) = doc.checked_add(1).filter(|c| *c > e.last_doc) else {
            return;
        };
        let tf = positions.len().max(1) as u64;
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        put_varint(
            &mut buf,
            (u64::from(cur - e.last_doc) << 1) | u64::from(tf == 1),
        );
        if tf > 1 {
            put_varint(&mut buf, tf);
        }
        let head_len = buf.len();
        let mut prev = 0u32;
        for (k, &p) in positions.iter().enumerate() {
            put_varint(
                &mut buf,
                u64::from(if k == 0 { p } else { p.saturating_sub(prev) }),
            );
            prev = p;
        }
        if positions.is_empty() {
            buf.push(0);
        }
        let (head, pos) = buf.split_at(head_len);
        let ok = self.write(&mut e.docs, head) && self.write(&mut e.positions, pos);
        self.buf = buf;
        if ok {
            e.last_doc = cur;
        }
        if let Some(slot) = self.entry_mut(id) {
            *slot = e;
        }
    }

    fn stream_reader(&self, s: &Stream) -> StreamReader<'_> {
        let mut r = StreamReader {
            pool: &self.pool,
            data: &[],
            next: 0,
            level: 0,
            stop: s.tail,
            last: false,
        };
        r.enter(s.head, 0);
        r
    }

    /// A reader over term `id`'s streams.
    pub(crate) fn reader(&self, id: u32) -> Reader<'_> {
        let e = self.entry(id).copied();
        let empty = Stream::default();
        Reader {
            docs: self.stream_reader(e.as_ref().map_or(&empty, |e| &e.docs)),
            positions: self.stream_reader(e.as_ref().map_or(&empty, |e| &e.positions)),
            doc_plus1: 0,
            tf: 0,
            skip: 0,
        }
    }

    /// Bytes held by the dictionary and the streams.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.terms.iter().map(|c| c.capacity()).sum::<usize>() * std::mem::size_of::<TermEntry>()
            + self.terms.capacity() * std::mem::size_of::<Vec<TermEntry>>()
            + self.arena.capacity()
            + self.slots.capacity() * 4
            + self.buf.capacity()
            + self.pool.memory_bytes()
    }

    /// Bytes of the dictionary alone (entries, term bytes, hash table).
    pub(crate) fn dictionary_bytes(&self) -> usize {
        self.memory_bytes() - self.pool.memory_bytes() - self.buf.capacity()
    }
}

/// Reads one stream block by block.
struct StreamReader<'a> {
    pool: &'a Pool,
    /// The rest of the current block's data.
    data: &'a [u8],
    /// Address of the current block's next pointer.
    next: u32,
    level: usize,
    stop: u32,
    /// Whether the current block is the last one.
    last: bool,
}

impl StreamReader<'_> {
    fn enter(&mut self, start: u32, level: usize) {
        let size = BLOCK_SIZES.get(level).copied().unwrap_or(2048);
        let end = start.saturating_add(size - 4);
        self.level = level;
        self.next = end;
        self.last = start <= self.stop && self.stop <= end;
        self.data = self
            .pool
            .slice(start, if self.last { self.stop } else { end });
    }

    /// Move to the next block when the current one is used up; false at the end of the stream.
    fn refill(&mut self) -> bool {
        while self.data.is_empty() {
            if self.last {
                return false;
            }
            let Some(next) = self.pool.read_u32(self.next) else {
                self.last = true;
                return false;
            };
            self.enter(next, (self.level + 1).min(BLOCK_SIZES.len() - 1));
        }
        true
    }

    #[inline]
    fn byte(&mut self) -> Option<u8> {
        if self.data.is_empty() && !self.refill() {
            return None;
        }
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// Skip `n` varints.
    fn skip(&mut self, mut n: u64) {
        while n > 0 {
            if !self.refill() {
                return;
            }
            let mut used = self.data.len();
            for (k, b) in self.data.iter().enumerate() {
                if b & 0x80 == 0 {
                    n -= 1;
                    if n == 0 {
                        used = k + 1;
                        break;
                    }
                }
            }
            self.data = self.data.get(used..).unwrap_or_default();
        }
    }
}

/// Decodes one (field, term): [`Reader::next_doc`], then [`Reader::positions`] if wanted (positions of
/// documents not asked for are skipped lazily, only if positions are read later).
pub(crate) struct Reader<'a> {
    docs: StreamReader<'a>,
    positions: StreamReader<'a>,
    doc_plus1: u32,
    /// Term frequency of the current document.
    tf: u64,
    /// Positions to skip before the current document's.
    skip: u64,
}

impl Reader<'_> {
    /// The next document and its term frequency.
    pub(crate) fn next_doc(&mut self) -> Option<(u32, u32)> {
        self.skip = self.skip.saturating_add(self.tf);
        self.tf = 0;
        let head = self.docs.varint()?;
        let delta = u32::try_from(head >> 1).ok()?;
        let tf = if head & 1 == 1 {
            1
        } else {
            self.docs.varint()?
        };
        self.doc_plus1 = self.doc_plus1.checked_add(delta)?;
        self.tf = tf;
        Some((
            self.doc_plus1.checked_sub(1)?,
            u32::try_from(tf).unwrap_or(u32::MAX),
        ))
    }

    /// The positions of the current document (call at most once per document).
    pub(crate) fn positions(&mut self, out: &mut Vec<u32>) {
        out.clear();
        self.positions.skip(std::mem::take(&mut self.skip));
        let mut p = 0u32;
        for k in 0..std::mem::take(&mut self.tf) {
            let Some(d) = self.positions.varint() else {
                return;
            };
            let d = u32::try_from(d).unwrap_or(u32::MAX);
            p = if k == 0 { d } else { p.saturating_add(d) };
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_round_trip_across_blocks() {
        let mut p = Postings::default();
        let a = p.intern(5, "alpha").unwrap_or(u32::MAX);
        let b = p.intern(5, "beta").unwrap_or(u32::MAX);
        assert_eq!(p.intern(5, "alpha"), Some(a));
        assert_ne!(p.intern(6, "alpha"), Some(a));
        for doc in 0..3000u32 {
            p.append(a, doc * 3, &[doc % 7, doc % 7 + 200]);
            if doc % 100 == 0 {
                p.append(b, doc, &[1]);
            }
        }
        let mut r = p.reader(a);
        let mut pos = Vec::new();
        for doc in 0..3000u32 {
            assert_eq!(r.next_doc(), Some((doc * 3, 2)));
            if doc % 2 == 0 {
                r.positions(&mut pos);
                assert_eq!(pos, [doc % 7, doc % 7 + 200]);
            }
        }
        assert_eq!(r.next_doc(), None);
        let mut r = p.reader(b);
        let mut n = 0;
        while r.next_doc().is_some() {
            n += 1;
        }
        assert_eq!(n, 30);
        assert_eq!(p.term_text(b), "beta");
        // Positions read only now and then: the skipped ones are stepped over across blocks.
        let mut r = p.reader(a);
        while let Some((doc, _)) = r.next_doc() {
            if doc % 999 == 0 {
                r.positions(&mut pos);
                assert_eq!(pos, [doc / 3 % 7, doc / 3 % 7 + 200]);
            }
        }
    }

    #[test]
    fn many_terms_span_pages() {
        let mut p = Postings::default();
        let ids: Vec<u32> = (0..30_000u32)
            .map(|i| p.intern(1, &format!("t{i}")).unwrap_or(u32::MAX))
            .collect();
        for (doc, &id) in ids.iter().enumerate() {
            p.append(id, doc as u32, &[doc as u32 % 300]);
        }
        assert!(p.pool.pages.len() > 2);
        assert!(p.memory_bytes() < 4 * 1024 * 1024);
        for (doc, &id) in ids.iter().enumerate().step_by(1234) {
            assert_eq!(p.find(1, &format!("t{doc}")), Some(id));
            let mut r = p.reader(id);
            assert_eq!(r.next_doc(), Some((doc as u32, 1)));
            let mut pos = Vec::new();
            r.positions(&mut pos);
            assert_eq!(pos, [doc as u32 % 300]);
            assert_eq!(r.next_doc(), None);
        }
        let small = Postings::default();
        assert!(small.memory_bytes() < 1024);
    }
}
