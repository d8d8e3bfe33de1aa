//! Compact, append-only storage of the inverted index: a term dictionary (open addressing over an arena of
//! term bytes) and two growing bit streams per (field, term), kept in the dictionary entry while small, then
//! in a paged byte pool.
//!
//! Each (field, term) has two streams, so that a word query decodes nothing but document gaps:
//! - documents (internal numbers, strictly increasing): the first one Elias-delta coded, then each gap
//!   minus one Rice-coded with the parameter `k = ⌊log2(last / count)⌋` that both sides derive from what is
//!   already written (a word in every message costs one bit per message, a rare one about log2 of its mean
//!   gap plus two);
//! - positions (text fields only), per document: the term frequency, then tf Rice codes of the first
//!   position and of the gaps minus one, the parameter derived from tf and the length of that field in that
//!   document (kept as its bit length, 4 bits per text field and document in [`Postings::lengths`]), so a
//!   word once in a 1,000-word body costs about 11 bits. The frequency is a flag bit (plus the Elias gamma
//!   of tf - 1 when above one), or, for terms in fewer than one message in 32 (`k` ≥ [`ESCAPE_K`]), folded
//!   into the first position: tf = 1 codes the position plus one, 0 escapes to tf - 1 and the position.
//!
//! Domains and attachment types (fields from [`FIRST_DOCS_ONLY_FIELD`] on) keep documents only.
//!
//! A Rice code is `q = v >> k` one bits, a zero and the low `k` bits of `v`; a quotient of [`QMAX`] or more
//! is written as [`QMAX`] one bits and `v` in 32 bits, so no code is longer than 56 bits. Bits are packed
//! least significant first.
//!
//! Where the bits live, as a term grows:
//! 1. inline: 96 bits shared by both streams inside the 28-byte dictionary entry — enough for most terms
//!    seen once or a few times, the majority of an archive's terms (61% of the bench's occur in one
//!    message, 76% stay inline);
//! 2. one extent of the pool shared by both streams, documents written from its front and positions from
//!    its back, in size classes growing by about 1.1 ([`EXTENT_SIZES`], 24 bytes to 2 KiB); a term that
//!    outgrows its extent moves to a larger class and the old extent goes to a free list, reused by the
//!    next term that needs that class or a little less (one partly empty tail per term rather than per
//!    stream, and no pointers);
//! 3. past 2 KiB the extent stays where it is, with a 12-byte header (the bits of each stream it holds and
//!    where each continues), and each stream continues in its own chain of blocks (64 bytes to 1 KiB,
//!    growing with the stream, see [`CHAIN_STEP`]) that end in the 4-byte address of the next.
//!
//! Pages of 256 KiB never move (the pool does not double its memory when it grows, as a `Vec` would); only
//! the first page starts small, so a small archive gets a small index.

use std::collections::HashMap;

/// Bits of an address that select the byte within a page.
const PAGE_BITS: u32 = 18;
const PAGE_SIZE: usize = 1 << PAGE_BITS;
/// Size classes of the extents that hold both streams of a term (bytes, growing by about 1.1).
const EXTENT_SIZES: [u32; 40] = [
    24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 112, 128, 144, 160, 176, 200, 224, 248, 272, 304, 336,
    376, 416, 464, 512, 568, 624, 688, 760, 840, 928, 1024, 1128, 1240, 1368, 1504, 1656, 1824,
    2008, 2048,
];
/// The largest class, the one whose extent heads the chains.
const LAST_CLASS: u8 = EXTENT_SIZES.len() as u8 - 1;
/// Header of a chained term's extent: documents' and positions' bits in the extent (u16 each), then the
/// address of each stream's first chain block (u32 each).
const HEADER: u32 = 12;
/// Chain blocks (the 4-byte next pointer included) are `CHAIN_STEP` times their level (1 for the first
/// block, counting up to 255) bytes, at least [`CHAIN_MIN`] and at most [`CHAIN_MAX`]: a block about the
/// square root of eight times what the stream already holds, which balances the next pointers (more, in
/// smaller blocks) against the last block's free tail (larger, in larger ones).
const CHAIN_STEP: u32 = 4;
const CHAIN_MIN: u32 = 64;
const CHAIN_MAX: u32 = 1024;
/// Fields from this number on (domains, attachment types) keep documents only.
pub(crate) const FIRST_DOCS_ONLY_FIELD: u8 = 8;
/// Bits of both streams kept inside the dictionary entry.
const INLINE_BITS: u32 = 96;
/// Flags in [`TermEntry::field`]: the streams are in the pool (an extent), and continue in chains.
const IN_POOL: u8 = 0x80;
const CHAINED: u8 = 0x40;
/// A Rice quotient from this value on is written as this many one bits and the value in 32 bits.
const QMAX: u32 = 24;
/// From this Rice parameter of the gaps on (a term in fewer than one message in 32), the term frequency is
/// folded into the first position rather than flagged.
const ESCAPE_K: u32 = 5;
/// A term needing an extent takes a free one up to this many classes larger.
const REUSE_CLASSES: u8 = 5;
/// No address (empty free list).
const NIL: u32 = u32::MAX;

/// The paged byte pool.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    /// Pages; all but the last are full (up to a block's size of tail), the last grows up to [`PAGE_SIZE`].
    pages: Vec<Vec<u8>>,
    /// Bytes used in the last page.
    used: usize,
}

impl Pool {
    /// A fresh block of `size` bytes (zeroed); `None` when the 4 GiB address space is exhausted.
    fn alloc(&mut self, size: u32) -> Option<u32> {
        let size = usize::try_from(size).ok()?;
        if self.pages.is_empty() || self.used + size > PAGE_SIZE {
            if self.pages.len() >= (1usize << (32 - PAGE_BITS)) - 1 {
                return None;
            }
            if let Some(last) = self.pages.last_mut() {
                // The tail that no block fitted in is never addressed: give it back.
                last.shrink_to_fit();
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

    fn byte_mut(&mut self, addr: u32) -> Option<&mut u8> {
        let page = usize::try_from(addr >> PAGE_BITS).ok()?;
        let s = usize::try_from(addr & ((1u32 << PAGE_BITS) - 1)).ok()?;
        self.pages.get_mut(page)?.get_mut(s)
    }

    fn read_u32(&self, addr: u32) -> Option<u32> {
        let b = self.slice(addr, addr.checked_add(4)?);
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    fn write_u32(&mut self, addr: u32, v: u32) {
        for (k, b) in v.to_le_bytes().into_iter().enumerate() {
            if let Some(dst) = addr.checked_add(k as u32).and_then(|a| self.byte_mut(a)) {
                *dst = b;
            }
        }
    }

    /// Bytes `start..start + len` (within one page), empty if out of range.
    fn slice_mut(&mut self, start: u32, len: u32) -> &mut [u8] {
        let page = usize::try_from(start >> PAGE_BITS).unwrap_or(usize::MAX);
        let s = usize::try_from(start & ((1u32 << PAGE_BITS) - 1)).unwrap_or(usize::MAX);
        let e = s.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        self.pages
            .get_mut(page)
            .and_then(|p| p.get_mut(s..e))
            .unwrap_or_default()
    }

    /// Copy `src` to `addr` (within one page).
    fn copy_in(&mut self, addr: u32, src: &[u8]) {
        let page = usize::try_from(addr >> PAGE_BITS).unwrap_or(usize::MAX);
        let s = usize::try_from(addr & ((1u32 << PAGE_BITS) - 1)).unwrap_or(usize::MAX);
        if let Some(dst) = self
            .pages
            .get_mut(page)
            .and_then(|p| p.get_mut(s..s.saturating_add(src.len())))
        {
            dst.copy_from_slice(src);
        }
    }

    /// Give back the growth slack of the last page.
    fn shrink(&mut self) {
        if let Some(last) = self.pages.last_mut() {
            last.shrink_to_fit();
        }
        self.pages.shrink_to_fit();
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.pages.iter().map(Vec::capacity).sum::<usize>()
            + self.pages.capacity() * std::mem::size_of::<Vec<u8>>()
    }
}

/// Where a chained stream is written next: the address of its current block's next pointer (the end of the
/// block's data; before the first block, the header field that will point to it), the bits still free in
/// that block and the block's level (0 before the first block).
#[derive(Debug, Clone, Copy)]
struct Cursor {
    end: u32,
    room: u32,
    level: u8,
}

fn chain_size(level: u8) -> u32 {
    (CHAIN_STEP * u32::from(level)).clamp(CHAIN_MIN, CHAIN_MAX) & !7
}

fn extent_size(class: u8) -> u32 {
    EXTENT_SIZES
        .get(usize::from(class))
        .copied()
        .unwrap_or(2048)
}

/// Bytes of an extent of `class` that hold stream bits.
fn extent_room(class: u8) -> u32 {
    extent_size(class) - if class >= LAST_CLASS { HEADER } else { 0 }
}

/// One (field, term): where its text is, what was written, and its two streams (28 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TermEntry {
    /// Offset of the term's bytes in the arena.
    text: u32,
    /// Last document written, plus one (0: none yet).
    last_doc: u32,
    /// Number of documents written.
    df: u32,
    /// Length of the term's bytes.
    len: u8,
    /// Field number, with [`IN_POOL`] and [`CHAINED`].
    field: u8,
    /// Inline: bits used of the documents stream; in an extent: its class; chained: the documents
    /// chain's level.
    docs_fill: u8,
    /// Inline: bits used of the positions stream; chained: the positions chain's level.
    pos_fill: u8,
    /// Inline: 96 bits, the documents stream from the lowest bit up and the positions stream from the
    /// highest bit down. In an extent: its address, the documents' bits, the positions' bits. Chained: the
    /// documents' and positions' cursor ends and their free bits (low and high half of `w[2]`); the
    /// extent's address is in [`Postings::chain_heads`].
    w: [u32; 3],
}

/// Where a term's streams are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Inline,
    Extent,
    Chained,
}

impl TermEntry {
    /// Field number.
    pub(crate) fn field(&self) -> u8 {
        self.field & !(IN_POOL | CHAINED)
    }

    fn mode(&self) -> Mode {
        if self.field & CHAINED != 0 {
            Mode::Chained
        } else if self.field & IN_POOL != 0 {
            Mode::Extent
        } else {
            Mode::Inline
        }
    }

    fn has_positions(&self) -> bool {
        self.field() < FIRST_DOCS_ONLY_FIELD
    }

    /// Inline: the 96 bits.
    fn inline_bits(&self) -> u128 {
        u128::from(self.w[0]) | (u128::from(self.w[1]) << 32) | (u128::from(self.w[2]) << 64)
    }

    fn set_inline_bits(&mut self, v: u128) {
        self.w = [v as u32, (v >> 32) as u32, (v >> 64) as u32];
    }

    /// Inline: the documents stream and the positions stream, each low bit first.
    fn inline_streams(&self) -> (u128, u128) {
        let v = self.inline_bits();
        let docs = v & mask128(u32::from(self.docs_fill));
        let pos = (v << 32).reverse_bits() & mask128(u32::from(self.pos_fill));
        (docs, pos)
    }

    /// Chained: the cursors of the documents and positions streams.
    fn cursors(&self) -> (Cursor, Cursor) {
        (
            Cursor {
                end: self.w[0],
                room: self.w[2] & 0xffff,
                level: self.docs_fill,
            },
            Cursor {
                end: self.w[1],
                room: self.w[2] >> 16,
                level: self.pos_fill,
            },
        )
    }

    fn set_cursors(&mut self, d: Cursor, p: Cursor) {
        self.w = [d.end, p.end, (d.room & 0xffff) | (p.room << 16)];
        self.docs_fill = d.level;
        self.pos_fill = p.level;
    }
}

const CHUNK_BITS: usize = 12;

/// Bits being assembled before they go into a stream.
#[derive(Debug, Default)]
struct BitBuf {
    bytes: Vec<u8>,
    acc: u64,
    /// Bits pending in `acc` (below 8 between calls).
    n: u32,
}

fn mask128(n: u32) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

fn mask(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// `⌊log2 v⌋` (0 for 0).
fn floor_lg(v: u64) -> u32 {
    63 - v.max(1).leading_zeros()
}

impl BitBuf {
    fn clear(&mut self) {
        self.bytes.clear();
        self.acc = 0;
        self.n = 0;
    }

    /// Append the low `n` (at most 32) bits of `v`.
    fn put(&mut self, v: u64, n: u32) {
        let n = n.min(32);
        self.acc |= (v & mask(n)) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn ones(&mut self, mut q: u32) {
        while q > 0 {
            let c = q.min(32);
            self.put(mask(c), c);
            q -= c;
        }
    }

    fn rice(&mut self, v: u64, k: u32) {
        let q = v.checked_shr(k).unwrap_or(0);
        if q >= u64::from(QMAX) {
            self.ones(QMAX);
            self.put(v, 32);
        } else {
            self.ones(q as u32);
            self.put(0, 1);
            self.put(v, k);
        }
    }

    /// Elias gamma of `v` (at least 1).
    fn gamma(&mut self, v: u64) {
        let v = v.max(1);
        let m = floor_lg(v);
        self.ones(m);
        self.put(0, 1);
        self.put(v, m);
    }

    /// Elias delta of `v` (at least 1).
    fn delta(&mut self, v: u64) {
        let v = v.max(1);
        let m = floor_lg(v);
        self.gamma(u64::from(m) + 1);
        self.put(v, m);
    }

    /// Flush the partial byte; the number of bits written.
    fn finish(&mut self) -> u32 {
        let bits = u32::try_from(self.bytes.len() * 8).unwrap_or(u32::MAX) + self.n;
        if self.n > 0 {
            self.bytes.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
        bits
    }

    /// The bits as one number (when at most 128).
    fn as_u128(&self) -> u128 {
        let mut w = [0u8; 16];
        for (d, s) in w.iter_mut().zip(&self.bytes) {
            *d = *s;
        }
        u128::from_le_bytes(w)
    }
}

/// The term dictionary and the posting streams.
#[derive(Debug)]
pub(crate) struct Postings {
    /// Term entries in chunks of 4096 (no doubling of one huge vector).
    terms: Vec<Vec<TermEntry>>,
    term_count: u32,
    /// Term bytes.
    arena: Vec<u8>,
    /// Open addressing table (linear probing) of term numbers + 1 (0: empty), at most 70% full.
    slots: Vec<u32>,
    pool: Pool,
    /// Per extent class: the first free extent (each free extent starts with the address of the next), or
    /// [`NIL`].
    free: [u32; EXTENT_SIZES.len()],
    /// Bytes in free extents.
    free_bytes: usize,
    /// Extent address of each chained term.
    chain_heads: HashMap<u32, u32>,
    /// Per document: the bit length of each text field's length in positions (4 bits per field, capped at
    /// 15), which sets the Rice parameter of its positions.
    lengths: Vec<u32>,
    /// Encoded documents and positions of the document being appended.
    docs_buf: BitBuf,
    pos_buf: BitBuf,
    /// Bits of stream data in the pool (without free space, headers and next pointers).
    pub(crate) payload_bits: u64,
    /// Set when the pool or the arena is full: later terms are not indexed.
    pub(crate) full: bool,
}

impl Default for Postings {
    fn default() -> Self {
        Postings {
            terms: Vec::new(),
            term_count: 0,
            arena: Vec::new(),
            slots: Vec::new(),
            pool: Pool::default(),
            free: [NIL; EXTENT_SIZES.len()],
            free_bytes: 0,
            chain_heads: HashMap::new(),
            lengths: Vec::new(),
            docs_buf: BitBuf::default(),
            pos_buf: BitBuf::default(),
            payload_bits: 0,
            full: false,
        }
    }
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
    // Final mix (murmur3's fmix64): the table is indexed by the high bits of `h * len`.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The home slot of hash `h` in a table of `n` slots (the high bits of `h * n`: any table size works).
fn slot_of(h: u64, n: usize) -> usize {
    ((u128::from(h) * n as u128) >> 64) as usize
}

/// Rice parameter of the next document gap after `count` documents, the last being `last` (plus one).
fn docs_k(last: u32, count: u32) -> u32 {
    floor_lg(u64::from(last / count.max(1)))
}

/// Rice parameter of the positions of a document where the field's length has bit length `bits` and the
/// term occurs `tf` times.
fn positions_k(bits: u32, tf: u32) -> u32 {
    bits.saturating_sub(1 + floor_lg(u64::from(tf) + 1))
}

/// Bit length of a field length, capped to 4 bits.
fn length_bits(len: u32) -> u32 {
    (32 - len.leading_zeros()).min(15)
}

/// The smallest extent class with room for `bytes`.
fn class_for(bytes: u32) -> Option<u8> {
    (0..=LAST_CLASS).find(|&c| extent_room(c) >= bytes)
}

/// Copy `n` bits of `src` from bit `from` into `dst` from bit `at` (least significant first), keeping the
/// bits of `dst` below `at` and clearing those above the copy in its last byte (left there by an earlier,
/// failed or moved write).
fn copy_bits(dst: &mut [u8], at: u32, src: &[u8], from: u32, n: u32) {
    let (mut at, mut from, end) = (at, from, from + n);
    while from < end {
        let off = at % 8;
        let take = (8 - off).min(end - from);
        let i = usize::try_from(from / 8).unwrap_or(usize::MAX);
        let pair = u16::from(src.get(i).copied().unwrap_or(0))
            | (u16::from(src.get(i.saturating_add(1)).copied().unwrap_or(0)) << 8);
        let bits = ((pair >> (from % 8)) as u8) & (mask(take) as u8);
        if let Some(b) = dst.get_mut(usize::try_from(at / 8).unwrap_or(usize::MAX)) {
            *b = (*b & (mask(off) as u8)) | (bits << off);
        }
        at += take;
        from += take;
    }
}

/// Write `nbits` bits of `src` into an extent region from bit `at`: forward from `base`, or backward from
/// the byte before `base` (the positions region, which grows down from the end of the extent).
fn write_region(pool: &mut Pool, base: u32, backward: bool, at: u32, src: &[u8], nbits: u32) {
    if nbits == 0 {
        return;
    }
    if !backward {
        let first = base + at / 8;
        let len = (at % 8 + nbits).div_ceil(8);
        copy_bits(pool.slice_mut(first, len), at % 8, src, 0, nbits);
        return;
    }
    // Backward: byte j of the stream is at base - 1 - j, its bits in the usual order.
    let (first, last) = (at / 8, (at + nbits - 1) / 8);
    let dst = pool.slice_mut(base.wrapping_sub(1 + last), last - first + 1);
    dst.reverse();
    copy_bits(dst, at % 8, src, 0, nbits);
    dst.reverse();
}

/// Append `nbits` bits of `src` to the chained stream at `c`, growing it block by block.
fn write_chain(pool: &mut Pool, c: &mut Cursor, src: &[u8], nbits: u32) -> bool {
    let mut done = 0u32;
    while done < nbits {
        if c.room == 0 {
            let level = c.level.saturating_add(1);
            let size = chain_size(level);
            let Some(block) = pool.alloc(size) else {
                return false;
            };
            pool.write_u32(c.end, block);
            *c = Cursor {
                end: block + size - 4,
                room: (size - 4) * 8,
                level,
            };
        }
        let data = chain_size(c.level) - 4;
        let at = (data * 8).saturating_sub(c.room);
        let take = c.room.min(nbits - done);
        let block = pool.slice_mut(c.end - data, data);
        copy_bits(block, at, src, done, take);
        c.room -= take;
        done += take;
    }
    true
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
        let n = self.slots.len();
        let mut i = slot_of(h, n);
        for _ in 0..n {
            let s = *self.slots.get(i)?;
            if s == 0 {
                return None;
            }
            let e = self.entry(s - 1)?;
            if e.field() == field && self.text_of(e) == term.as_bytes() {
                return Some(s - 1);
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
        None
    }

    /// The term number of (field, term), adding it if new; `None` when the index is full or the term too long.
    pub(crate) fn intern(&mut self, field: u8, term: &str) -> Option<u32> {
        let h = hash(field, term.as_bytes());
        if let Some(id) = self.find_hashed(field, term, h) {
            return Some(id);
        }
        if self.full || term.len() > usize::from(u8::MAX) || field >= CHAINED {
            return None;
        }
        if (self.term_count as usize + 1) * 10 > self.slots.len() * 7 {
            self.grow_slots();
        }
        let Some(text) = u32::try_from(self.arena.len())
            .ok()
            .filter(|t| t.checked_add(255).is_some())
        else {
            self.full = true;
            return None;
        };
        self.arena.extend_from_slice(term.as_bytes());
        let entry = TermEntry {
            text,
            last_doc: 0,
            df: 0,
            len: u8::try_from(term.len()).unwrap_or(u8::MAX),
            field,
            docs_fill: 0,
            pos_fill: 0,
            w: [0; 3],
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
            if chunk.len() == chunk.capacity() {
                // Double, but never past a chunk (after `shrink` the capacity is no longer a power of two).
                let more = chunk.len().max(64).min((1 << CHUNK_BITS) - chunk.len());
                chunk.reserve_exact(more);
            }
            chunk.push(entry);
        }
        self.term_count += 1;
        self.place(id, h);
        Some(id)
    }

    fn place(&mut self, id: u32, h: u64) {
        let n = self.slots.len();
        let mut i = slot_of(h, n);
        for _ in 0..n {
            match self.slots.get_mut(i) {
                Some(s) if *s == 0 => {
                    *s = id + 1;
                    return;
                }
                Some(_) => {
                    i += 1;
                    if i == n {
                        i = 0;
                    }
                }
                None => return,
            }
        }
    }

    /// Grow the table by half (not doubling: less of it stands empty on average).
    fn grow_slots(&mut self) {
        let n = (self.slots.len() + self.slots.len() / 2).max(1024);
        self.slots = vec![0; n];
        for id in 0..self.term_count {
            let Some(e) = self.entry(id).copied() else {
                continue;
            };
            let h = hash(e.field(), self.text_of(&e));
            self.place(id, h);
        }
    }

    /// Record the lengths in positions of the text fields (by field number) of document `doc`, before its
    /// postings are appended.
    pub(crate) fn set_lengths(&mut self, doc: u32, lengths: &[u32]) {
        let Ok(d) = usize::try_from(doc) else {
            return;
        };
        let mut word = 0u32;
        for (f, &len) in lengths.iter().enumerate().take(8) {
            word |= length_bits(len) << (4 * f);
        }
        if self.lengths.len() <= d {
            self.lengths.resize(d + 1, 0);
        }
        if let Some(w) = self.lengths.get_mut(d) {
            *w = word;
        }
    }

    /// Append document `doc` with its strictly increasing `positions` to term `id`'s streams. Documents must
    /// come in increasing order; an out-of-order one is ignored.
    pub(crate) fn append(&mut self, id: u32, doc: u32, positions: &[u32]) {
        let Some(mut e) = self.entry(id).copied() else {
            return;
        };
        let Some(cur) = doc.checked_add(1).filter(|c| *c > e.last_doc) else {
            return;
        };
        let has_pos = e.has_positions();
        let tf = if has_pos {
            u32::try_from(positions.len()).unwrap_or(u32::MAX).max(1)
        } else {
            1
        };
        let mut d = std::mem::take(&mut self.docs_buf);
        let mut p = std::mem::take(&mut self.pos_buf);
        d.clear();
        p.clear();
        // Documents: the gap alone.
        let escape = if e.df == 0 {
            d.delta(u64::from(cur));
            false
        } else {
            let k = docs_k(e.last_doc, e.df);
            d.rice(u64::from(cur - e.last_doc - 1), k);
            k >= ESCAPE_K
        };
        // Positions, after the term frequency.
        if has_pos {
            let word = usize::try_from(doc)
                .ok()
                .and_then(|i| self.lengths.get(i))
                .copied()
                .unwrap_or(0);
            let bits = (word >> (4 * u32::from(e.field()))) & 15;
            let k = positions_k(bits, tf);
            let first = u64::from(positions.first().copied().unwrap_or(0));
            if escape {
                // A rare term: with tf = 1, the first position plus one; else 0 (with the parameter of
                // tf = 1), then tf - 1.
                if tf == 1 {
                    p.rice(first + 1, k);
                } else {
                    p.rice(0, positions_k(bits, 1));
                    p.gamma(u64::from(tf - 1));
                    p.rice(first, k);
                }
            } else {
                p.put(u64::from(tf > 1), 1);
                if tf > 1 {
                    p.gamma(u64::from(tf - 1));
                }
                p.rice(first, k);
            }
            for pair in positions.windows(2) {
                if let [a, b] = pair {
                    p.rice(u64::from(b.saturating_sub(*a).saturating_sub(1)), k);
                }
            }
        }
        let (db, pb) = (d.finish(), p.finish());
        let ok = self.write_entry(id, &mut e, (&d, db), (&p, pb));
        self.docs_buf = d;
        self.pos_buf = p;
        if ok {
            e.df += 1;
            e.last_doc = cur;
        } else {
            // The pool is full: the document is not recorded, but the entry may have moved (its old extent
            // is already free), so it is stored all the same.
            self.full = true;
        }
        if let Some(slot) = self.entry_mut(id) {
            *slot = e;
        }
    }

    /// Append the encoded bits to the entry's streams, moving them along as they outgrow their place. On
    /// `false` (the pool is full) the entry may have moved but holds what it held.
    fn write_entry(
        &mut self,
        id: u32,
        e: &mut TermEntry,
        (d, db): (&BitBuf, u32),
        (p, pb): (&BitBuf, u32),
    ) -> bool {
        loop {
            match e.mode() {
                Mode::Inline => {
                    let (df, pf) = (u32::from(e.docs_fill), u32::from(e.pos_fill));
                    if df + db + pf + pb <= INLINE_BITS {
                        let mut v = e.inline_bits();
                        if db > 0 {
                            v |= (d.as_u128() & mask128(db)) << df;
                        }
                        if pb > 0 {
                            // Bit j of the positions stream is bit 95 - j.
                            let rev = (p.as_u128() & mask128(pb)).reverse_bits() >> (128 - pb);
                            v |= rev << (INLINE_BITS - pf - pb);
                        }
                        e.set_inline_bits(v);
                        e.docs_fill = (df + db) as u8;
                        e.pos_fill = (pf + pb) as u8;
                        return true;
                    }
                    let need = (df + db).div_ceil(8) + (pf + pb).div_ceil(8);
                    if !self.move_to_extent(e, class_for(need).unwrap_or(LAST_CLASS)) {
                        return false;
                    }
                }
                Mode::Extent => {
                    let (class, head, dbits, pbits) = (e.docs_fill, e.w[0], e.w[1], e.w[2]);
                    let need = (dbits + db).div_ceil(8) + (pbits + pb).div_ceil(8);
                    if need <= extent_room(class) {
                        let front = head + extent_size(class) - extent_room(class);
                        let back = head + extent_size(class);
                        write_region(&mut self.pool, front, false, dbits, &d.bytes, db);
                        write_region(&mut self.pool, back, true, pbits, &p.bytes, pb);
                        e.w[1] = dbits + db;
                        e.w[2] = pbits + pb;
                        self.payload_bits += u64::from(db) + u64::from(pb);
                        return true;
                    }
                    let moved = match class_for(need) {
                        Some(c) => self.move_to_extent(e, c),
                        None if class < LAST_CLASS => self.move_to_extent(e, LAST_CLASS),
                        None => {
                            self.start_chains(id, e);
                            true
                        }
                    };
                    if !moved {
                        return false;
                    }
                }
                Mode::Chained => {
                    let (mut dc, mut pc) = e.cursors();
                    let ok = write_chain(&mut self.pool, &mut dc, &d.bytes, db)
                        && (!e.has_positions()
                            || write_chain(&mut self.pool, &mut pc, &p.bytes, pb));
                    if ok {
                        e.set_cursors(dc, pc);
                        self.payload_bits += u64::from(db) + u64::from(pb);
                    }
                    return ok;
                }
            }
        }
    }

    /// A free extent of `class` or a little larger (a free one is better used than left waiting), else a
    /// fresh one of `class`; its address and class.
    fn alloc_extent(&mut self, class: u8) -> Option<(u32, u8)> {
        for c in class..=class.saturating_add(REUSE_CLASSES).min(LAST_CLASS) {
            let Some(f) = self.free.get_mut(usize::from(c)) else {
                break;
            };
            let head = *f;
            if head != NIL {
                *f = self.pool.read_u32(head).unwrap_or(NIL);
                self.free_bytes = self.free_bytes.saturating_sub(extent_size(c) as usize);
                return Some((head, c));
            }
        }
        Some((self.pool.alloc(extent_size(class))?, class))
    }

    fn free_extent(&mut self, head: u32, class: u8) {
        if let Some(f) = self.free.get_mut(usize::from(class)) {
            let next = *f;
            *f = head;
            self.pool.write_u32(head, next);
            self.free_bytes += extent_size(class) as usize;
        }
    }

    /// Move an inline or extent term to a fresh extent of `class` (large enough for what it holds).
    fn move_to_extent(&mut self, e: &mut TermEntry, class: u8) -> bool {
        let Some((head, class)) = self.alloc_extent(class) else {
            return false;
        };
        let front = head + extent_size(class) - extent_room(class);
        let back = head + extent_size(class);
        match e.mode() {
            Mode::Inline => {
                let (df, pf) = (u32::from(e.docs_fill), u32::from(e.pos_fill));
                let (docs, pos) = e.inline_streams();
                write_region(&mut self.pool, front, false, 0, &docs.to_le_bytes(), df);
                write_region(&mut self.pool, back, true, 0, &pos.to_le_bytes(), pf);
                self.payload_bits += u64::from(df) + u64::from(pf);
                e.w[1] = df;
                e.w[2] = pf;
            }
            Mode::Extent => {
                let (old_class, old, dbits, pbits) = (e.docs_fill, e.w[0], e.w[1], e.w[2]);
                let old_front = old + extent_size(old_class) - extent_room(old_class);
                let old_back = old + extent_size(old_class);
                let (dn, pn) = (dbits.div_ceil(8), pbits.div_ceil(8));
                let mut tmp = [0u8; 2048];
                for (from, to, n) in [(old_front, front, dn), (old_back - pn, back - pn, pn)] {
                    let src = self.pool.slice(from, from + n);
                    let len = src.len().min(tmp.len());
                    if let (Some(t), Some(s)) = (tmp.get_mut(..len), src.get(..len)) {
                        t.copy_from_slice(s);
                    }
                    self.pool.copy_in(to, tmp.get(..len).unwrap_or_default());
                }
                self.free_extent(old, old_class);
            }
            Mode::Chained => return false,
        }
        e.field = e.field() | IN_POOL;
        e.docs_fill = class;
        e.pos_fill = 0;
        e.w[0] = head;
        true
    }

    /// Freeze a full extent of the last class: its header records what it holds, and both streams continue
    /// in chains.
    fn start_chains(&mut self, id: u32, e: &mut TermEntry) {
        let (head, dbits, pbits) = (e.w[0], e.w[1], e.w[2]);
        self.chain_heads.insert(id, head);
        let mut header = [0u8; HEADER as usize];
        header[0..2].copy_from_slice(&(dbits as u16).to_le_bytes());
        header[2..4].copy_from_slice(&(pbits as u16).to_le_bytes());
        header[4..8].copy_from_slice(&NIL.to_le_bytes());
        header[8..12].copy_from_slice(&NIL.to_le_bytes());
        self.pool.copy_in(head, &header);
        e.field = e.field() | IN_POOL | CHAINED;
        let empty = |end| Cursor {
            end,
            room: 0,
            level: 0,
        };
        e.set_cursors(empty(head + 4), empty(head + 8));
    }

    fn reader_of(&self, id: u32, with_positions: bool) -> Reader<'_> {
        let e = self.entry(id).copied();
        let pool = &self.pool;
        let (docs, positions) = match e {
            None => (BitReader::inline(pool, 0, 0), BitReader::inline(pool, 0, 0)),
            Some(e) => match e.mode() {
                Mode::Inline => {
                    let (docs, pos) = e.inline_streams();
                    (
                        BitReader::inline(pool, docs, e.docs_fill),
                        BitReader::inline(pool, pos, e.pos_fill),
                    )
                }
                Mode::Extent => {
                    let (class, head) = (e.docs_fill, e.w[0]);
                    let front = head + extent_size(class) - extent_room(class);
                    let back = head + extent_size(class);
                    (
                        BitReader::region(pool, front, e.w[1], false),
                        BitReader::region(pool, back, e.w[2], true),
                    )
                }
                Mode::Chained => {
                    let head = self.chain_heads.get(&id).copied().unwrap_or(NIL);
                    let header = pool.slice(head, head + 4);
                    let bits = |k: usize| {
                        u32::from(header.get(k).copied().unwrap_or(0))
                            | (u32::from(header.get(k + 1).copied().unwrap_or(0)) << 8)
                    };
                    let front = head + HEADER;
                    let back = head + extent_size(LAST_CLASS);
                    let (dc, pc) = e.cursors();
                    (
                        BitReader::chained(pool, front, bits(0), false, head + 4, dc.end),
                        BitReader::chained(pool, back, bits(2), true, head + 8, pc.end),
                    )
                }
            },
        };
        let has_pos = e.is_some_and(|e| e.has_positions());
        Reader {
            docs,
            positions: (with_positions && has_pos).then_some(positions),
            lengths: &self.lengths,
            shift: 4 * u32::from(e.map_or(0, |e| e.field())),
            df: e.map_or(0, |e| e.df),
            count: 0,
            doc_plus1: 0,
            k: 0,
            escape: false,
            pending: false,
        }
    }

    /// A reader over term `id`'s documents.
    pub(crate) fn reader(&self, id: u32) -> Reader<'_> {
        self.reader_of(id, false)
    }

    /// A reader over term `id`'s documents and positions (for phrases).
    pub(crate) fn phrase_reader(&self, id: u32) -> Reader<'_> {
        self.reader_of(id, true)
    }

    /// Give back growth slack (the last page's, the per-document lengths', the scratch buffers').
    pub(crate) fn shrink(&mut self) {
        self.pool.shrink();
        self.lengths.shrink_to_fit();
        self.arena.shrink_to_fit();
        if let Some(last) = self.terms.last_mut() {
            last.shrink_to_fit();
        }
        self.terms.shrink_to_fit();
        self.chain_heads.shrink_to_fit();
        self.docs_buf = BitBuf::default();
        self.pos_buf = BitBuf::default();
    }

    /// Bytes held by the dictionary, the streams and the per-document lengths.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.dictionary_bytes() + self.stream_bytes()
    }

    /// Bytes of the dictionary alone (entries with their inline streams, term bytes, hash table).
    pub(crate) fn dictionary_bytes(&self) -> usize {
        self.terms.iter().map(|c| c.capacity()).sum::<usize>() * std::mem::size_of::<TermEntry>()
            + self.terms.capacity() * std::mem::size_of::<Vec<TermEntry>>()
            + self.arena.capacity()
            + self.slots.capacity() * 4
    }

    /// Bytes in free extents (part of the pool, waiting for reuse).
    pub(crate) fn free_bytes(&self) -> usize {
        self.free_bytes
    }

    /// Bytes of the pool, the per-document lengths and the encoding buffers.
    pub(crate) fn stream_bytes(&self) -> usize {
        self.pool.memory_bytes()
            + self.lengths.capacity() * 4
            + (self.chain_heads.capacity() * 8 / 7 + 16) * 9
            + self.docs_buf.bytes.capacity()
            + self.pos_buf.bytes.capacity()
    }
}

/// Reads one stream bit by bit: inline bits, or a region of an extent (the positions region backward), then
/// for a chained term the blocks of its chain.
#[derive(Clone)]
struct BitReader<'a> {
    pool: &'a Pool,
    /// Bits not yet consumed, low first; `n` of them are valid (the rest are zero).
    acc: u64,
    n: u32,
    /// Bytes not yet loaded of the current region or block.
    data: &'a [u8],
    /// Whether `data` is read from its end.
    backward: bool,
    /// Where the address of the next block is.
    next: u32,
    /// Chain level of the current block (0: the extent).
    level: u8,
    /// Next-pointer address of the stream's last block.
    stop: u32,
    /// Whether no block follows `data` (and `tail`).
    last: bool,
    /// Bits loaded after `data` (an inline stream's beyond 64, a region's last partial byte), low first.
    tail: u64,
    tail_bits: u32,
}

impl<'a> BitReader<'a> {
    fn inline(pool: &'a Pool, bits: u128, fill: u8) -> Self {
        let n = u32::from(fill).min(128);
        let bits = bits & mask128(n);
        BitReader {
            pool,
            acc: bits as u64,
            n: n.min(64),
            data: &[],
            backward: false,
            next: 0,
            level: 0,
            stop: 0,
            last: true,
            tail: (bits >> 64) as u64,
            tail_bits: n.saturating_sub(64),
        }
    }

    /// The `bits` bits of an extent region: forward from `start`, or backward from `start` (its end).
    fn region(pool: &'a Pool, start: u32, bits: u32, backward: bool) -> Self {
        let full = bits / 8;
        let (data, tail) = if backward {
            let s = start.saturating_sub(full);
            (pool.slice(s, start), pool.slice(s.saturating_sub(1), s))
        } else {
            let e = start.saturating_add(full);
            (pool.slice(start, e), pool.slice(e, e.saturating_add(1)))
        };
        BitReader {
            data,
            backward,
            tail: u64::from(tail.first().copied().unwrap_or(0)),
            tail_bits: bits % 8,
            ..BitReader::inline(pool, 0, 0)
        }
    }

    /// A region followed by the chain whose first block's address is at `next`, the last block's next
    /// pointer being at `stop`.
    fn chained(
        pool: &'a Pool,
        start: u32,
        bits: u32,
        backward: bool,
        next: u32,
        stop: u32,
    ) -> Self {
        BitReader {
            next,
            stop,
            last: next == stop,
            ..BitReader::region(pool, start, bits, backward)
        }
    }

    /// Fill `acc` with at least 57 bits, or all that is left.
    #[inline(never)]
    fn refill(&mut self) {
        while self.n <= 56 {
            let len = self.data.len();
            if len >= 8 {
                let take = (63 - self.n) / 8;
                let t = take as usize;
                let (w, rest) = if self.backward {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(self.data.get(len - 8..).unwrap_or(&[0; 8]));
                    (u64::from_be_bytes(w), self.data.get(..len - t))
                } else {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(self.data.get(..8).unwrap_or(&[0; 8]));
                    (u64::from_le_bytes(w), self.data.get(t..))
                };
                self.acc |= (w & mask(take * 8)) << self.n;
                self.n += take * 8;
                self.data = rest.unwrap_or_default();
                return;
            }
            let byte = if self.backward {
                self.data.split_last()
            } else {
                self.data.split_first()
            };
            if let Some((&b, rest)) = byte {
                self.acc |= u64::from(b) << self.n;
                self.n += 8;
                self.data = rest;
                continue;
            }
            if self.tail_bits > 0 {
                let take = self.tail_bits.min(64 - self.n);
                self.acc |= (self.tail & mask(take)) << self.n;
                self.n += take;
                self.tail = self.tail.checked_shr(take).unwrap_or(0);
                self.tail_bits -= take;
                continue;
            }
            if self.last {
                return;
            }
            match self.pool.read_u32(self.next) {
                Some(block) => {
                    let level = self.level.saturating_add(1);
                    let end = block.saturating_add(chain_size(level) - 4);
                    self.level = level;
                    self.next = end;
                    self.last = end == self.stop;
                    self.backward = false;
                    self.data = self.pool.slice(block, end);
                }
                None => {
                    self.last = true;
                    return;
                }
            }
        }
    }

    #[inline]
    fn consume(&mut self, c: u32) {
        let c = c.min(self.n);
        self.acc = self.acc.checked_shr(c).unwrap_or(0);
        self.n -= c;
    }

    /// The next `k` (at most 32) bits.
    #[inline]
    fn bits(&mut self, k: u32) -> u64 {
        if k == 0 {
            return 0;
        }
        if self.n < k {
            self.refill();
        }
        let v = self.acc & mask(k);
        self.consume(k);
        v
    }

    /// Count one bits up to a zero (consumed) or up to `max` ones (no zero consumed).
    #[inline]
    fn unary(&mut self, max: u32) -> u32 {
        let mut q = 0;
        loop {
            if self.n == 0 {
                self.refill();
                if self.n == 0 {
                    return q;
                }
            }
            let ones = (!self.acc).trailing_zeros().min(self.n);
            let take = ones.min(max - q);
            self.consume(take);
            q += take;
            if q >= max {
                return q;
            }
            if self.n > 0 {
                self.consume(1);
                return q;
            }
        }
    }

    /// A Rice code with parameter `k` (at most 31).
    #[inline(always)]
    fn rice(&mut self, k: u32) -> u64 {
        match self.rice_in_acc(k) {
            Some(v) => v,
            None => self.rice_slow(k),
        }
    }

    /// The next Rice code, when it lies whole in `acc` (bits above `n` are zero, so `q` ≤ `n`).
    #[inline(always)]
    fn rice_in_acc(&mut self, k: u32) -> Option<u64> {
        let q = (!self.acc).trailing_zeros();
        let len = q + 1 + k;
        if len <= self.n && q < QMAX && k < 32 {
            let v = ((self.acc >> (q + 1)) & ((1u64 << k) - 1)) | (u64::from(q) << k);
            // len ≤ 24 + 1 + 31 < 64.
            self.acc >>= len;
            self.n -= len;
            return Some(v);
        }
        None
    }

    #[cold]
    #[inline(never)]
    fn rice_slow(&mut self, k: u32) -> u64 {
        self.refill();
        if let Some(v) = self.rice_in_acc(k) {
            return v;
        }
        let q = self.unary(QMAX);
        if q >= QMAX {
            self.bits(32)
        } else {
            (u64::from(q) << k) | self.bits(k)
        }
    }

    /// One bit.
    #[inline(always)]
    fn bit(&mut self) -> bool {
        if self.n == 0 {
            self.refill();
            if self.n == 0 {
                return false;
            }
        }
        let b = self.acc & 1 == 1;
        self.acc >>= 1;
        self.n -= 1;
        b
    }

    /// An Elias gamma code.
    #[inline(always)]
    fn gamma(&mut self) -> u64 {
        let m = (!self.acc).trailing_zeros();
        if m < 32 && 2 * m < self.n {
            let v = (1u64 << m) | ((self.acc >> (m + 1)) & ((1u64 << m) - 1));
            self.acc >>= 2 * m + 1;
            self.n -= 2 * m + 1;
            return v;
        }
        self.gamma_slow()
    }

    #[cold]
    #[inline(never)]
    fn gamma_slow(&mut self) -> u64 {
        let m = self.unary(40).min(32);
        (1u64 << m) | self.bits(m)
    }

    fn delta(&mut self) -> u64 {
        let m = u32::try_from(self.gamma() - 1).unwrap_or(32).min(32);
        (1u64 << m) | self.bits(m)
    }
}

/// Decodes one (field, term): [`Reader::next_doc`], then [`Reader::positions`] if it is a
/// [phrase reader](Postings::phrase_reader).
pub(crate) struct Reader<'a> {
    docs: BitReader<'a>,
    positions: Option<BitReader<'a>>,
    lengths: &'a [u32],
    /// Shift of the field's 4 bits in a `lengths` word.
    shift: u32,
    /// Documents in the stream, documents read.
    df: u32,
    count: u32,
    doc_plus1: u32,
    /// Rice parameter of the next gap.
    k: u32,
    /// Whether the current document's term frequency is escaped (rather than flagged).
    escape: bool,
    /// Whether the current document's positions are still unread.
    pending: bool,
}

impl Reader<'_> {
    /// The next document.
    #[inline]
    pub(crate) fn next_doc(&mut self) -> Option<u32> {
        if self.pending {
            self.read_positions(None);
        }
        if self.count >= self.df {
            return None;
        }
        let gap = if self.count == 0 {
            self.docs.delta()
        } else {
            self.docs.rice(self.k) + 1
        };
        self.escape = self.count > 0 && self.k >= ESCAPE_K;
        self.doc_plus1 = self
            .doc_plus1
            .checked_add(u32::try_from(gap).ok()?)
            .filter(|d| *d > 0)?;
        self.count += 1;
        // k = ⌊log2(doc_plus1 / count)⌋, moved step by step (no division).
        let (l, c) = (u64::from(self.doc_plus1), u64::from(self.count));
        while self.k < 31 && c << (self.k + 1) <= l {
            self.k += 1;
        }
        while self.k > 0 && c << self.k > l {
            self.k -= 1;
        }
        self.pending = self.positions.is_some();
        Some(self.doc_plus1 - 1)
    }

    /// The positions of the current document, increasing (empty unless this is a phrase reader; call at
    /// most once per document).
    pub(crate) fn positions(&mut self, out: &mut Vec<u32>) {
        out.clear();
        if self.pending {
            self.read_positions(Some(out));
        }
    }

    /// Decode (or step over) the current document's positions.
    #[inline]
    fn read_positions(&mut self, out: Option<&mut Vec<u32>>) {
        self.pending = false;
        let Some(r) = &mut self.positions else {
            return;
        };
        let word = usize::try_from(self.doc_plus1 - 1)
            .ok()
            .and_then(|d| self.lengths.get(d))
            .copied()
            .unwrap_or(0);
        let bits = (word >> self.shift) & 15;
        let mut tf = 1u64;
        let mut first = None;
        if self.escape {
            match r.rice(positions_k(bits, 1)) {
                0 => tf = r.gamma() + 1,
                v => first = Some(v - 1),
            }
        } else if r.bit() {
            tf = r.gamma() + 1;
        }
        let tf = u32::try_from(tf).unwrap_or(u32::MAX);
        let k = positions_k(bits, tf);
        let first = match first {
            Some(v) => v,
            None => r.rice(k),
        };
        let mut p = u32::try_from(first).unwrap_or(u32::MAX);
        match out {
            Some(o) => {
                o.push(p);
                for _ in 1..tf {
                    let v = u32::try_from(r.rice(k)).unwrap_or(u32::MAX);
                    p = p.saturating_add(v).saturating_add(1);
                    o.push(p);
                }
            }
            None => {
                for _ in 1..tf {
                    r.rice(k);
                }
            }
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
        for doc in 0..9000u32 {
            p.set_lengths(doc, &[0, 0, 0, 0, 0, 300, 0, 0]);
        }
        for doc in 0..3000u32 {
            p.append(a, doc * 3, &[doc % 7, doc % 7 + 200]);
            if doc % 100 == 0 {
                p.append(b, doc, &[1]);
            }
        }
        let mut r = p.phrase_reader(a);
        let mut pos = Vec::new();
        for doc in 0..3000u32 {
            assert_eq!(r.next_doc(), Some(doc * 3));
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
        let mut r = p.phrase_reader(a);
        while let Some(doc) = r.next_doc() {
            if doc % 999 == 0 {
                r.positions(&mut pos);
                assert_eq!(pos, [doc / 3 % 7, doc / 3 % 7 + 200]);
            }
        }
        // A documents-only reader yields no positions.
        let mut r = p.reader(a);
        assert_eq!(r.next_doc(), Some(0));
        r.positions(&mut pos);
        assert!(pos.is_empty());
    }

    #[test]
    fn many_terms_span_pages() {
        let mut p = Postings::default();
        let ids: Vec<u32> = (0..30_000u32)
            .map(|i| p.intern(1, &format!("t{i}")).unwrap_or(u32::MAX))
            .collect();
        for (doc, &id) in ids.iter().enumerate() {
            p.set_lengths(doc as u32, &[0, 300]);
            p.append(id, doc as u32, &[doc as u32 % 300]);
            // Every 5th term again in a few later documents, with many positions: into the pool.
            if doc % 5 == 0 {
                for later in 1..4u32 {
                    let positions: Vec<u32> = (0..100).map(|k| k * 3 + later).collect();
                    p.append(id, doc as u32 + 30_000 * later, &positions);
                }
            }
        }
        assert!(p.pool.pages.len() > 2);
        assert!(p.memory_bytes() < 4 * 1024 * 1024);
        for (doc, &id) in ids.iter().enumerate().step_by(1234) {
            assert_eq!(p.find(1, &format!("t{doc}")), Some(id));
            let mut r = p.phrase_reader(id);
            assert_eq!(r.next_doc(), Some(doc as u32));
            let mut pos = Vec::new();
            r.positions(&mut pos);
            assert_eq!(pos, [doc as u32 % 300]);
            if doc % 5 == 0 {
                for later in 1..4u32 {
                    assert_eq!(r.next_doc(), Some(doc as u32 + 30_000 * later));
                    r.positions(&mut pos);
                    assert_eq!(pos.len(), 100);
                    assert_eq!(pos.first(), Some(&later));
                    assert_eq!(pos.last(), Some(&(99 * 3 + later)));
                }
            }
            assert_eq!(r.next_doc(), None);
        }
        let small = Postings::default();
        assert!(small.memory_bytes() < 1024);
    }

    #[test]
    fn codes_round_trip_extreme_values() {
        let mut b = BitBuf::default();
        let values = [0u64, 1, 2, 3, 127, 128, 1 << 20, u64::from(u32::MAX) - 1];
        for &v in &values {
            for k in [0, 1, 5, 17, 31] {
                b.rice(v, k);
            }
            b.gamma(v + 1);
            b.delta(v + 1);
        }
        let n = b.finish();
        let mut pool = Pool::default();
        let at = pool
            .alloc(u32::try_from(b.bytes.len()).unwrap_or(0))
            .unwrap_or(0);
        pool.copy_in(at, &b.bytes);
        let mut r = BitReader::region(&pool, at, n, false);
        for &v in &values {
            for k in [0, 1, 5, 17, 31] {
                assert_eq!(r.rice(k), v, "rice {v} {k}");
            }
            assert_eq!(r.gamma(), v + 1);
            assert_eq!(r.delta(), v + 1);
        }
        assert!(n > 0);
    }

    #[test]
    fn terms_move_from_inline_to_extents_and_chains_at_any_point() {
        // Documents and positions of varied sizes: each term crosses from its entry to the pool somewhere.
        let mut p = Postings::default();
        let mut want: Vec<Vec<(u32, Vec<u32>)>> = vec![Vec::new(); 50];
        let ids: Vec<u32> = (0..50)
            .map(|i| p.intern(0, &format!("w{i}")).unwrap_or(u32::MAX))
            .collect();
        let dom = p.intern(8, "example.com").unwrap_or(u32::MAX);
        let mut seed = 1u64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n.max(1)
        };
        for doc in 0..4000u32 {
            let len = 1 + rnd(5000) as u32;
            p.set_lengths(doc, &[len]);
            for (t, &id) in ids.iter().enumerate() {
                if rnd(50) <= t as u64 / 8 {
                    let tf = 1 + rnd(if t % 3 == 0 { 1 } else { 6 });
                    let mut ps: Vec<u32> = (0..tf).map(|_| rnd(u64::from(len)) as u32).collect();
                    ps.sort_unstable();
                    ps.dedup();
                    p.append(id, doc, &ps);
                    if let Some(w) = want.get_mut(t) {
                        w.push((doc, ps));
                    }
                }
            }
            if doc % 7 == 0 {
                p.append(dom, doc, &[0, 1, 2]);
            }
        }
        for (t, &id) in ids.iter().enumerate() {
            let mut r = p.phrase_reader(id);
            let mut pos = Vec::new();
            for (k, (doc, ps)) in want[t].iter().enumerate() {
                assert_eq!(r.next_doc(), Some(*doc), "term {t}");
                if k % 3 != 1 {
                    r.positions(&mut pos);
                    assert_eq!(&pos, ps, "term {t} doc {doc}");
                }
            }
            assert_eq!(r.next_doc(), None);
        }
        let mut r = p.phrase_reader(dom);
        let mut n = 0;
        while let Some(doc) = r.next_doc() {
            assert_eq!(doc, n * 7);
            r.positions(&mut Vec::new());
            n += 1;
        }
        assert_eq!(n, 572);
    }
}
