//! Archive containers: zip, tar, and gzip (a single `.gz` file or a `.tar.gz`), read without I/O of their own.
//!
//! Leaks arrive as multi-GB archives, and the worker runs in wasm32 whose memory ends at 4 GB: an archive is
//! never held in memory. The caller owns the bytes and lends them through [`RandomAccess`] (the worker over a
//! browser `File` with `Blob.slice` + `FileReaderSync`, tests over a `Vec<u8>`). Reads go through a read-ahead
//! buffer, so each `read_at` asks for a large block.
//!
//! - [`list`] names the entries of an archive (zip: from its central directory; tar: by walking its headers
//!   and seeking over the data; `.tar.gz`: by decompressing through once).
//! - [`for_each_entry`] visits every entry and its decompressed bytes in one sequential pass (what ingest
//!   uses); [`walk`] does the same and also opens nested archives (a zip inside a zip), up to
//!   [`Limits::max_depth`].
//! - [`GzStream`] hands out the entries of a gzip source (`.tar.gz` or a single `.gz`) one at a time, each
//!   with a stream of its bytes, for a caller that stops or yields between entries (the worker).
//! - [`open_entry`] streams one entry again later (for the detail view). For a `.tar.gz` this decompresses
//!   from the start of the archive up to the entry: its cost grows with the entry's position.
//!
//! Archives are hostile: every problem (damaged central directory, truncation, `../` names, encrypted
//! entries, absurd counts) comes back as a [`Diagnostic`], and [`Limits`] are enforced *while* bytes are
//! decompressed, so a zip bomb stops with an error instead of filling memory. Read errors of the streams this
//! module hands out are `io::Error`s whose text is a complete sentence (turn one into a diagnostic with
//! [`io_error_diagnostic`]).
//!
//! ```
//! use leakloupe_core::container::{detect, list, open_entry, ContainerKind, Limits};
//! use std::io::Read;
//! // A one-entry tar, written by hand: a 512-byte ustar header, the data padded to 512, two zero blocks.
//! let mut tar = vec![0u8; 512];
//! tar[..5].copy_from_slice(b"a.eml");
//! tar[100..108].copy_from_slice(b"0000644\0");
//! tar[124..136].copy_from_slice(b"00000000013\0"); // 11 bytes, in octal
//! tar[156] = b'0';
//! tar[257..263].copy_from_slice(b"ustar\0");
//! tar[263..265].copy_from_slice(b"00");
//! tar[148..156].copy_from_slice(b"        ");
//! let sum: u32 = tar.iter().map(|b| u32::from(*b)).sum();
//! tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
//! tar.extend_from_slice(b"Subject: x\n");
//! tar.resize(512 * 4, 0);
//! assert_eq!(detect(&tar), Some(ContainerKind::Tar));
//! let (entries, problems) = list(ContainerKind::Tar, &tar, &Limits::default());
//! assert!(problems.is_empty());
//! assert_eq!((entries[0].path.as_str(), entries[0].size), ("a.eml", 11));
//! let mut text = String::new();
//! open_entry(ContainerKind::Tar, &tar, &entries[0], &Limits::default())
//!     .unwrap()
//!     .read_to_string(&mut text)
//!     .unwrap();
//! assert_eq!(text, "Subject: x\n");
//! ```

mod gz;
mod tar;
mod zip;

pub use gz::GzStream;

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ingest::{sniff, IngestResult, Ingester, Sniffed};

/// Random access to a source the caller owns: the worker implements it over a browser `File` (`Blob.slice`
/// + `FileReaderSync`), tests and nested archives over bytes in memory.
pub trait RandomAccess {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether the source holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Read up to `buf.len()` bytes at `offset`; returns how many were read (0 only at or past the end).
    /// The error is a complete sentence.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String>;
}

impl RandomAccess for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = self.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }
}

/// A borrowed slice, so that `&bytes` (with `bytes: &[u8]`) can be passed as a `&dyn RandomAccess`.
impl RandomAccess for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        (**self).read_at(offset, buf)
    }
}

impl RandomAccess for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        self.as_slice().read_at(offset, buf)
    }
}

/// The archive formats Leakloupe opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// A zip archive (read from its central directory).
    Zip,
    /// An uncompressed tar archive (ustar, GNU or pax).
    Tar,
    /// A gzip stream: a single compressed file (`.eml.gz`, `.mbox.gz`) or, when its first 512 decompressed
    /// bytes are a tar header, a `.tar.gz` / `.tgz` whose entries are the tar's.
    Gzip,
}

impl ContainerKind {
    /// Short lower-case label: "zip", "tar" or "gzip".
    pub fn label(self) -> &'static str {
        match self {
            ContainerKind::Zip => "zip",
            ContainerKind::Tar => "tar",
            ContainerKind::Gzip => "gzip",
        }
    }
}

/// Guards against hostile archives. Every limit is checked while reading, not only from declared sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries listed or visited in one archive (default 1 000 000).
    pub max_entries: u64,
    /// Most bytes decompressed in one pass over an archive (default 64 GiB).
    pub max_total_uncompressed: u64,
    /// Largest expansion allowed: decompressed bytes per compressed byte (default 200), for each zip entry
    /// and for a gzip stream as a whole.
    pub max_ratio: u64,
    /// Below this many decompressed bytes the ratio is not checked (default 1 MiB): small, very repetitive
    /// files are normal.
    pub ratio_exempt_below: u64,
    /// How many archives deep [`walk`] opens nested archives (default 4; the outer archive is depth 1).
    pub max_depth: u32,
    /// Largest nested archive [`walk`] reads into memory to open it (default 256 MiB).
    pub max_in_memory_nested: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_total_uncompressed: 64 << 30,
            max_ratio: 200,
            ratio_exempt_below: 1 << 20,
            max_depth: 4,
            max_in_memory_nested: 256 << 20,
        }
    }
}

/// One entry of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 0-based position in the archive (zip: central directory order; tar: header order).
    pub index: u64,
    /// Path inside the archive, '/'-separated, decoded as UTF-8 (lossily) or, for zip names without the UTF-8
    /// flag, as CP437. Exactly as stored otherwise: `../` names are kept (and reported), nothing is written
    /// to disk. For a plain `.gz` it is the name stored in the gzip header, or empty when there is none.
    pub path: String,
    /// Uncompressed size in bytes, as declared (see `size_known`).
    pub size: u64,
    /// Whether `size` is declared by the archive (zip, tar). A plain `.gz` only stores its size modulo
    /// 4 GiB: `size` is then that hint and `size_known` is false.
    pub size_known: bool,
    /// Whether the entry is a directory.
    pub is_dir: bool,
    /// Whether the entry is encrypted (zip); its bytes cannot be read.
    pub encrypted: bool,
    pub(crate) loc: Loc,
}

/// Where an entry's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Zip: compressed data at `data_start` in the source.
    Zip {
        data_start: u64,
        compressed_size: u64,
        method: ZipMethod,
        crc32: u32,
    },
    /// Tar (plain, or inside a gzip stream): data at `data_offset` of the (decompressed) tar stream.
    Tar { data_offset: u64 },
    /// The whole decompressed gzip stream.
    Gz,
    /// Listed, but its bytes cannot be reached; the sentence says why.
    Unreadable(String),
}

/// A zip entry's compression method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ZipMethod {
    Stored,
    Deflated,
    Other(String),
}

/// An entry together with the kind of archive it is in: one link of a [`Visit::chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The kind of the archive holding `entry`.
    pub kind: ContainerKind,
    /// The entry.
    pub entry: Entry,
}

/// What [`walk`] tells its callback about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit<'v> {
    /// "leak.zip › inbox/0017.eml", or "leak.zip › old.zip › 1.eml" for a nested archive.
    pub display_path: &'v str,
    /// The file's name for [`crate::ingest::sniff`]: the last component of its path (for a plain `.gz`
    /// without a stored name, the archive's name without `.gz`).
    pub name: &'v str,
    /// From the outermost archive's entry to this file's entry (more than one link inside nested
    /// archives). Reopen the file with [`open_chain`].
    pub chain: &'v [Located],
}

/// Decide from the first bytes of a source (at least 512 for a tar) whether it is an archive this module
/// opens.
pub fn detect(head: &[u8]) -> Option<ContainerKind> {
    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return Some(ContainerKind::Zip);
    }
    if head.starts_with(b"\x1F\x8B") {
        return Some(ContainerKind::Gzip);
    }
    if head.get(..512).is_some_and(tar::is_header) {
        return Some(ContainerKind::Tar);
    }
    None
}

/// Whether `head` starts a zip that is a document rather than an archive of files: Office Open XML
/// (`.docx`, `.xlsx`, `.pptx`), OpenDocument, EPUB, Java archives. [`walk`] hands these to its callback as
/// files instead of opening them. Judged from the first local header's name.
pub fn is_zip_document(head: &[u8]) -> bool {
    if !head.starts_with(b"PK\x03\x04") {
        return false;
    }
    let len = head
        .get(26..28)
        .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    let Some(name) = head.get(30..30 + len) else {
        return false;
    };
    [
        b"[Content_Types].xml".as_slice(),
        b"_rels/",
        b"docProps/",
        b"word/",
        b"xl/",
        b"ppt/",
        b"mimetype",
        b"META-INF/",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// "leak.zip › inbox/0017.eml": how a file inside an archive is named to a person. An empty `inner` gives
/// `outer`.
pub fn entry_display_path(outer: &str, inner: &str) -> String {
    if inner.is_empty() {
        outer.to_string()
    } else if outer.is_empty() {
        inner.to_string()
    } else {
        format!("{outer} \u{203A} {inner}")
    }
}

/// A diagnostic for an error raised by a stream of this module (its text is already a sentence).
pub fn io_error_diagnostic(e: &io::Error) -> Diagnostic {
    Diagnostic::error(DiagnosticKind::Other, e.to_string())
}

/// List the entries of an archive. Problems (a damaged or missing central directory, truncation, `../`
/// names, absurd counts, encrypted entries) come back as diagnostics alongside the best-effort list.
///
/// Zip reads only the central directory and each entry's local header; plain tar walks the headers and
/// seeks over the data; a `.tar.gz` is decompressed through once.
pub fn list(
    kind: ContainerKind,
    src: &dyn RandomAccess,
    limits: &Limits,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    match kind {
        ContainerKind::Zip => zip::list(src, limits),
        ContainerKind::Tar => {
            let mut entries = Vec::new();
            let mut diags = Vec::new();
            let mut r = RaReader::new(src);
            tar::walk(
                &mut r,
                Some(src.len()),
                limits,
                &mut diags,
                &mut |e, _, _| {
                    entries.push(e.clone());
                    ControlFlow::Continue(())
                },
            );
            (entries, diags)
        }
        ContainerKind::Gzip => {
            let mut entries = Vec::new();
            let diags = gz::for_each(src, limits, true, &mut |e, _| {
                entries.push(e.clone());
                ControlFlow::Continue(())
            });
            (entries, diags)
        }
    }
}

/// Stream one entry's decompressed bytes (for an entry from [`list`] or [`for_each_entry`] over the same
/// source). Limits are enforced while reading: a bomb, a size that does not match the declared one or a
/// CRC mismatch makes `read` fail with a specific error.
///
/// Cost: zip and plain tar seek straight to the entry; a `.tar.gz` is decompressed from its start up to
/// the entry. A directory gives an empty stream.
pub fn open_entry<'a>(
    kind: ContainerKind,
    src: &'a dyn RandomAccess,
    entry: &Entry,
    limits: &Limits,
) -> Result<Box<dyn Read + 'a>, Diagnostic> {
    let shared = Rc::new(Shared::default());
    open_with(kind, src, entry, limits, &shared)
}

fn open_with<'a>(
    kind: ContainerKind,
    src: &'a dyn RandomAccess,
    entry: &Entry,
    limits: &Limits,
    shared: &Rc<Shared>,
) -> Result<Box<dyn Read + 'a>, Diagnostic> {
    if entry.is_dir {
        return Ok(Box::new(io::empty()));
    }
    match (&entry.loc, kind) {
        (Loc::Unreadable(why), _) => Err(Diagnostic::error(DiagnosticKind::Other, why.clone())),
        (Loc::Zip { .. }, ContainerKind::Zip) => zip::open(src, entry, limits, shared),
        (Loc::Tar { data_offset }, ContainerKind::Tar) => {
            let mut r = RaReader::new(src);
            r.seek(SeekFrom::Start(*data_offset))
                .map_err(|e| io_error_diagnostic(&e))?;
            Ok(Box::new(Guard::new(
                Box::new(r.take(entry.size)),
                format!("tar entry {}", entry.path),
                Some(entry.size),
                None,
                RatioBase::None,
                limits,
                shared,
            )))
        }
        (Loc::Tar { .. } | Loc::Gz, ContainerKind::Gzip) => gz::open(src, entry, limits, shared),
        _ => Err(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "{}: entry \"{}\" does not come from a {} archive",
                kind.label(),
                entry.path,
                kind.label()
            ),
        )),
    }
}

/// Visit every entry (directories included, with an empty stream) in one sequential pass, with its
/// decompressed bytes. The callback may read all, part or none of the stream; `Break` stops the pass.
/// Entries that cannot be read (encrypted, unsupported compression) are not visited: a diagnostic says so.
/// Errors met while the callback reads (bomb, truncation, CRC) are also returned as diagnostics.
pub fn for_each_entry(
    kind: ContainerKind,
    src: &dyn RandomAccess,
    limits: &Limits,
    f: &mut dyn FnMut(&Entry, &mut dyn Read) -> ControlFlow<()>,
) -> Vec<Diagnostic> {
    match kind {
        ContainerKind::Zip => zip::for_each(src, limits, f),
        ContainerKind::Tar => {
            let shared = Rc::new(Shared::default());
            let mut diags = Vec::new();
            let mut r = RaReader::new(src);
            tar::walk(
                &mut r,
                Some(src.len()),
                limits,
                &mut diags,
                &mut |e, data, diags| {
                    let mut g = Guard::new(
                        Box::new(data),
                        format!("tar entry {}", e.path),
                        Some(e.size),
                        None,
                        RatioBase::None,
                        limits,
                        &shared,
                    );
                    let flow = f(e, &mut g);
                    drop(g);
                    shared.report(diags);
                    flow
                },
            );
            diags
        }
        ContainerKind::Gzip => gz::for_each(src, limits, false, f),
    }
}

/// Like [`for_each_entry`], and nested archives are opened too: a file whose first bytes are an archive
/// ([`detect`]; not a zip-based document, see [`is_zip_document`]) is read into memory (up to [`Limits::max_in_memory_nested`]) and walked, up to
/// [`Limits::max_depth`] archives deep; beyond either limit a diagnostic says so and it is skipped.
/// Directories are not visited. `outer_name` is the archive's own name, used in display paths.
pub fn walk(
    kind: ContainerKind,
    src: &dyn RandomAccess,
    outer_name: &str,
    limits: &Limits,
    f: &mut dyn FnMut(&Visit<'_>, &mut dyn Read) -> ControlFlow<()>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut chain = Vec::new();
    let _ = walk_inner(
        kind, src, outer_name, outer_name, 1, limits, &mut chain, &mut diags, f,
    );
    diags
}

/// What [`walk`] (and a caller reading nested archives its own way) says of an archive at `path` nested
/// deeper than [`Limits::max_depth`].
pub fn nested_too_deep(path: &str, kind: ContainerKind, limits: &Limits) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticKind::Other,
        format!("{path}: a {} archive nested more than {} deep; not opened", kind.label(), limits.max_depth),
    )
}

/// What [`walk`] says of a nested archive larger than [`Limits::max_in_memory_nested`].
pub fn nested_too_large(path: &str, kind: ContainerKind, limits: &Limits) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticKind::Other,
        format!(
            "{path}: a nested {} archive larger than {} MiB; not opened (extract it and add it on its own)",
            kind.label(),
            limits.max_in_memory_nested >> 20
        ),
    )
}

/// How many bytes [`walk`] peeks at to recognise a nested archive (and what [`crate::ingest::sniff`] wants).
const PEEK: usize = 64 * 1024;

#[allow(clippy::too_many_arguments)]
fn walk_inner(
    kind: ContainerKind,
    src: &dyn RandomAccess,
    display: &str,
    leaf_name: &str,
    depth: u32,
    limits: &Limits,
    chain: &mut Vec<Located>,
    diags: &mut Vec<Diagnostic>,
    f: &mut dyn FnMut(&Visit<'_>, &mut dyn Read) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut flow = ControlFlow::Continue(());
    let mut inner_diags = Vec::new();
    let pass = for_each_entry(kind, src, limits, &mut |entry, reader| {
        if entry.is_dir {
            return ControlFlow::Continue(());
        }
        let mut entry = entry.clone();
        if entry.path.is_empty() {
            entry.path = strip_gz_suffix(leaf_name).to_string();
        }
        let path = entry_display_path(display, &entry.path);
        let name = entry
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut head = Vec::new();
        if reader.take(PEEK as u64).read_to_end(&mut head).is_err() {
            return ControlFlow::Continue(());
        }
        chain.push(Located { kind, entry });
        let nested = detect(&head).filter(|_| !is_zip_document(&head));
        let step = match nested {
            Some(inner_kind) => {
                if depth >= limits.max_depth {
                    inner_diags.push(nested_too_deep(&path, inner_kind, limits));
                    ControlFlow::Continue(())
                } else {
                    let cap = limits.max_in_memory_nested;
                    let mut bytes = head;
                    let rest = cap.saturating_add(1).saturating_sub(bytes.len() as u64);
                    match reader.take(rest).read_to_end(&mut bytes) {
                        Err(_) => ControlFlow::Continue(()),
                        Ok(_) if bytes.len() as u64 > cap => {
                            inner_diags.push(nested_too_large(&path, inner_kind, limits));
                            ControlFlow::Continue(())
                        }
                        Ok(_) => walk_inner(
                            inner_kind,
                            &bytes,
                            &path,
                            &name,
                            depth + 1,
                            limits,
                            chain,
                            &mut inner_diags,
                            f,
                        ),
                    }
                }
            }
            None => {
                let visit = Visit {
                    display_path: &path,
                    name: &name,
                    chain,
                };
                let mut all = io::Cursor::new(head).chain(reader);
                f(&visit, &mut all)
            }
        };
        chain.pop();
        if step.is_break() {
            flow = ControlFlow::Break(());
        }
        step
    });
    // The pass's own findings name the entry but not the archive: prefix them.
    for d in pass {
        diags.push(Diagnostic {
            text: entry_display_path(display, "") + ": " + &d.text,
            ..d
        });
    }
    diags.append(&mut inner_diags);
    flow
}

/// Stream the file at the end of `chain` (from a [`Visit`]) again. With one link this is [`open_entry`];
/// inside nested archives each enclosing archive is read into memory (up to
/// [`Limits::max_in_memory_nested`]) and so is the file itself.
pub fn open_chain<'a>(
    src: &'a dyn RandomAccess,
    chain: &[Located],
    limits: &Limits,
) -> Result<Box<dyn Read + 'a>, Diagnostic> {
    let Some((first, rest)) = chain.split_first() else {
        return Err(Diagnostic::error(
            DiagnosticKind::Other,
            "archive: empty entry chain",
        ));
    };
    let reader = open_entry(first.kind, src, &first.entry, limits)?;
    if rest.is_empty() {
        return Ok(reader);
    }
    let mut bytes = read_capped(reader, &first.entry.path, limits)?;
    for link in rest {
        let inner = open_entry(link.kind, &bytes, &link.entry, limits)?;
        let next = read_capped(inner, &link.entry.path, limits)?;
        bytes = next;
    }
    Ok(Box::new(io::Cursor::new(bytes)))
}

fn read_capped(
    reader: Box<dyn Read + '_>,
    path: &str,
    limits: &Limits,
) -> Result<Vec<u8>, Diagnostic> {
    let cap = limits.max_in_memory_nested;
    let mut bytes = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error_diagnostic(&e))?;
    if bytes.len() as u64 > cap {
        return Err(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "{path}: larger than {} MiB; not read into memory",
                cap >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// Expand an archive held in memory into `result`, for [`crate::ingest::ingest_all`]: every file (nested
/// archives included) is sniffed and ingested. Message spans are relative to their file's decompressed
/// bytes; message indexes and numbers run across the archive; diagnostics are prefixed with the file's
/// display path ("leak.zip › inbox/1.eml: ..."). Files that are not mail are reported as Info.
pub(crate) fn ingest_into(
    kind: ContainerKind,
    bytes: &[u8],
    name: &str,
    result: &mut IngestResult,
) {
    let mut files = 0u64;
    let found = walk(
        kind,
        &bytes,
        name,
        &Limits::default(),
        &mut |visit, reader| {
            files += 1;
            let mut data = Vec::new();
            if reader.read_to_end(&mut data).is_err() {
                return ControlFlow::Continue(()); // The walk reports why.
            }
            let path = visit.display_path;
            let skipped = |why: String| {
                Diagnostic::info(DiagnosticKind::NotMail, format!("{path}: skipped: {why}"))
            };
            match sniff(
                data.get(..data.len().min(PEEK)).unwrap_or_default(),
                visit.name,
            ) {
                Sniffed::Mail(format) => {
                    let mut sub = IngestResult {
                        sniffed: Sniffed::Mail(format),
                        messages: Vec::new(),
                        diagnostics: Vec::new(),
                    };
                    let mut ingester = Ingester::new(format);
                    ingester.push(&data, &mut sub);
                    ingester.finish(&mut sub);
                    let base = result.messages.len() as u64;
                    for (mut span, summary) in sub.messages {
                        span.index += base;
                        result.messages.push((span, summary));
                    }
                    for d in sub.diagnostics {
                        result.diagnostics.push(Diagnostic {
                            message: d.message.map(|m| m + base),
                            text: format!("{path}: {}", d.text),
                            ..d
                        });
                    }
                }
                Sniffed::Empty => result.diagnostics.push(skipped("the file is empty".into())),
                Sniffed::KeyRecords => result.diagnostics.push(skipped(
                    "DKIM key records, not mail (import them into the key store)".into(),
                )),
                Sniffed::Rejected { reason } => result.diagnostics.push(skipped(reason)),
                Sniffed::Container(_) if is_zip_document(&data) => result.diagnostics.push(
                    skipped("an office document or other zip-based file, not mail".into()),
                ),
                Sniffed::Container(k) => result.diagnostics.push(skipped(format!(
                    "a {} archive that was not opened",
                    k.label()
                ))),
            }
            ControlFlow::Continue(())
        },
    );
    result.diagnostics.extend(found);
    if files == 0 {
        result.diagnostics.push(Diagnostic::warning(
            DiagnosticKind::EmptySource,
            format!("{name}: the {} archive holds no files", kind.label()),
        ));
    }
}

/// "x.eml.gz" → "x.eml"; other names unchanged. What [`walk`] names the file of a plain `.gz` whose header
/// stores no name (its [`Entry::path`] is empty).
pub fn strip_gz_suffix(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for suffix in [".gz", ".gzip"] {
        if lower.ends_with(suffix) {
            return name.get(..name.len() - suffix.len()).unwrap_or(name);
        }
    }
    name
}

/// Diagnostics for a name that would escape an extraction folder (`../`, absolute, drive letter) or holds
/// control characters. Nothing is extracted here; the name is reported because it is a forensic signal.
pub(crate) fn check_path(what: &str, path: &str, diags: &mut Vec<Diagnostic>) {
    let absolute = path.starts_with('/')
        || path.starts_with('\\')
        || (path.len() >= 2
            && path.as_bytes().get(1) == Some(&b':')
            && path.as_bytes()[0].is_ascii_alphabetic());
    let traversal = path.split(['/', '\\']).any(|c| c == "..");
    if absolute || traversal {
        diags.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!(
                "{what} \"{path}\" has an unsafe name ({}): an extraction tool could write it outside its folder (a path-traversal attempt or a careless archiver); listed as is",
                if traversal { "it climbs with \"..\"" } else { "it is an absolute path" }
            ),
        ));
    }
    if path.chars().any(|c| c.is_control()) {
        diags.push(Diagnostic::warning(
            DiagnosticKind::Other,
            format!("{what} {path:?} has control characters in its name"),
        ));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Reading machinery.

/// Size of the read-ahead buffer over a [`RandomAccess`]: each `read_at` may be a browser call.
const READ_AHEAD: usize = 256 * 1024;

/// `Read + Seek` over a [`RandomAccess`], with a read-ahead buffer.
pub(crate) struct RaReader<'a> {
    src: &'a dyn RandomAccess,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

impl<'a> RaReader<'a> {
    pub(crate) fn new(src: &'a dyn RandomAccess) -> Self {
        RaReader {
            src,
            len: src.len(),
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        // Near the end of the source, read the last block whole: zip readers scan backwards from the end.
        let start = if self.pos.saturating_add(READ_AHEAD as u64) > self.len {
            self.len.saturating_sub(READ_AHEAD as u64).min(self.pos)
        } else {
            self.pos
        };
        let want = usize::try_from((self.len - start).min(READ_AHEAD as u64)).unwrap_or(READ_AHEAD);
        self.buf.resize(want, 0);
        let mut got = 0;
        while got < want {
            let dst = self.buf.get_mut(got..).unwrap_or_default();
            let n = self
                .src
                .read_at(start + got as u64, dst)
                .map_err(io::Error::other)?
                .min(dst.len());
            if n == 0 {
                break;
            }
            got += n;
        }
        self.buf.truncate(got);
        self.buf_start = start;
        Ok(())
    }
}

impl Read for RaReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        let in_buf =
            self.pos >= self.buf_start && self.pos < self.buf_start + self.buf.len() as u64;
        if !in_buf {
            if out.len() >= READ_AHEAD {
                let n = self
                    .src
                    .read_at(self.pos, out)
                    .map_err(io::Error::other)?
                    .min(out.len());
                self.pos += n as u64;
                return Ok(n);
            }
            self.fill()?;
        }
        let at = usize::try_from(self.pos - self.buf_start).unwrap_or(usize::MAX);
        let avail = self.buf.get(at..).unwrap_or_default();
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RaReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the archive",
            )),
        }
    }
}

/// State shared by the guarded streams of one pass: bytes decompressed so far, and the first problem met
/// (for [`for_each_entry`] to report after the callback returns).
#[derive(Debug, Default)]
pub(crate) struct Shared {
    total: Cell<u64>,
    problem: RefCell<Option<String>>,
    reported: RefCell<Option<String>>,
}

impl Shared {
    /// Move a pending problem into `diags` (once per distinct sentence in a row).
    pub(crate) fn report(&self, diags: &mut Vec<Diagnostic>) {
        if let Some(p) = self.problem.borrow_mut().take() {
            let mut last = self.reported.borrow_mut();
            if last.as_deref() != Some(p.as_str()) {
                diags.push(Diagnostic::error(DiagnosticKind::Other, p.clone()));
                *last = Some(p);
            }
        }
    }
}

/// What decompressed bytes are compared with for the ratio limit.
pub(crate) enum RatioBase {
    /// Not compressed.
    None,
    /// A declared compressed size (zip entry).
    Fixed(u64),
    /// Compressed bytes consumed so far (gzip stream).
    Counted(Rc<Cell<u64>>),
}

/// The error a [`Guard`] raises: a complete sentence.
#[derive(Debug)]
struct GuardError(String);

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuardError {}

/// Enforces [`Limits`], the declared size and the CRC on a decompressing stream; errors are sentences.
pub(crate) struct Guard<'a> {
    inner: Box<dyn Read + 'a>,
    what: String,
    produced: u64,
    declared: Option<u64>,
    crc: Option<(u32, crc32fast::Hasher)>,
    ratio: RatioBase,
    limits: Limits,
    shared: Rc<Shared>,
    failed: Option<String>,
}

impl<'a> Guard<'a> {
    pub(crate) fn new(
        inner: Box<dyn Read + 'a>,
        what: String,
        declared: Option<u64>,
        crc: Option<u32>,
        ratio: RatioBase,
        limits: &Limits,
        shared: &Rc<Shared>,
    ) -> Self {
        Guard {
            inner,
            what,
            produced: 0,
            declared,
            crc: crc.map(|c| (c, crc32fast::Hasher::new())),
            ratio,
            limits: *limits,
            shared: Rc::clone(shared),
            failed: None,
        }
    }

    fn fail(&mut self, text: String) -> io::Error {
        *self.shared.problem.borrow_mut() = Some(text.clone());
        self.failed = Some(text.clone());
        io::Error::new(io::ErrorKind::InvalidData, GuardError(text))
    }

    fn check(&mut self, n: usize) -> Result<(), String> {
        let what = &self.what;
        if let Some(declared) = self.declared {
            if self.produced > declared {
                return Err(format!(
                    "{what}: decompresses to more than the {declared} bytes its archive declares; reading stopped (a zip bomb or a damaged archive)"
                ));
            }
        }
        let base = match &self.ratio {
            RatioBase::None => None,
            RatioBase::Fixed(c) => Some(*c),
            RatioBase::Counted(c) => Some(c.get()),
        };
        if let Some(base) = base {
            if self.produced > self.limits.ratio_exempt_below
                && self.produced > base.saturating_mul(self.limits.max_ratio)
            {
                return Err(format!(
                    "{what}: expands more than {}-fold ({base} compressed bytes gave over {} bytes): this looks like a zip bomb; reading stopped",
                    self.limits.max_ratio, self.produced
                ));
            }
        }
        let total = self.shared.total.get().saturating_add(n as u64);
        self.shared.total.set(total);
        if total > self.limits.max_total_uncompressed {
            return Err(format!(
                "{what}: the archive decompresses to more than {} bytes in all, the limit; reading stopped",
                self.limits.max_total_uncompressed
            ));
        }
        if n == 0 {
            if let Some(declared) = self.declared {
                if self.produced < declared {
                    return Err(format!(
                        "{what}: ends after {} of its {declared} declared bytes: the archive is truncated or damaged",
                        self.produced
                    ));
                }
            }
            if let Some((want, h)) = &self.crc {
                let got = h.clone().finalize();
                if got != *want {
                    return Err(format!(
                        "{what}: CRC-32 mismatch (stored {want:08x}, computed {got:08x}): the entry is damaged"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Read for Guard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(text) = &self.failed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                GuardError(text.clone()),
            ));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let text = if e.get_ref().is_some_and(|inner| inner.is::<GuardError>()) {
                    // Already a sentence, from a guard below (the gzip stream of a .tar.gz).
                    e.to_string()
                } else if e.kind() == io::ErrorKind::UnexpectedEof {
                    format!(
                        "{}: the data ends early: the archive is truncated",
                        self.what
                    )
                } else {
                    format!("{}: unreadable compressed data ({e})", self.what)
                };
                return Err(self.fail(text));
            }
        };
        self.produced += n as u64;
        if let Some((_, h)) = &mut self.crc {
            h.update(buf.get(..n).unwrap_or_default());
        }
        match self.check(n) {
            Ok(()) => Ok(n),
            Err(text) => Err(self.fail(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that counts its `read_at` calls.
    struct Counting(Vec<u8>, Cell<usize>);
    impl RandomAccess for Counting {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
            self.1.set(self.1.get() + 1);
            self.0.read_at(offset, buf)
        }
    }

    #[test]
    fn reader_reads_ahead_and_seeks() {
        let data: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        let src = Counting(data.clone(), Cell::new(0));
        let mut r = RaReader::new(&src);
        let mut out = Vec::new();
        let mut small = [0u8; 100];
        loop {
            let n = r.read(&mut small).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&small[..n]);
        }
        assert_eq!(out, data);
        assert!(src.1.get() <= 4, "{} read_at calls", src.1.get());
        r.seek(SeekFrom::End(-10)).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, data[data.len() - 10..]);
        assert!(r.seek(SeekFrom::Current(-1_000_000)).is_err());
        r.seek(SeekFrom::Start(10_000_000)).unwrap();
        assert_eq!(r.read(&mut small).unwrap(), 0);
    }

    #[test]
    fn slices_read_at_any_offset() {
        let s: &[u8] = b"hello";
        let mut b = [0u8; 3];
        assert_eq!(s.read_at(3, &mut b), Ok(2));
        assert_eq!(&b[..2], b"lo");
        assert_eq!(s.read_at(u64::MAX, &mut b), Ok(0));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(
            entry_display_path("leak.zip", "inbox/0017.eml"),
            "leak.zip \u{203A} inbox/0017.eml"
        );
        assert_eq!(entry_display_path("x.gz", ""), "x.gz");
        assert_eq!(strip_gz_suffix("a.EML.GZ"), "a.EML");
        assert_eq!(strip_gz_suffix("a.eml"), "a.eml");
        let mut d = Vec::new();
        check_path("zip entry", "../../etc/passwd", &mut d);
        check_path("zip entry", "/etc/passwd", &mut d);
        check_path("zip entry", "C:\\x", &mut d);
        check_path("zip entry", "ok/..x/y", &mut d);
        assert_eq!(d.len(), 3);
        assert!(d[0].text.contains("climbs"));
        assert!(d[1].text.contains("absolute"));
    }

    #[test]
    fn detects_kinds() {
        assert_eq!(detect(b"PK\x03\x04..."), Some(ContainerKind::Zip));
        assert_eq!(detect(b"PK\x05\x06"), Some(ContainerKind::Zip));
        assert_eq!(detect(b"\x1F\x8B\x08"), Some(ContainerKind::Gzip));
        assert_eq!(detect(&[0u8; 1024]), None);
        assert_eq!(detect(b"From: a\n\nx"), None);
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(26, 0);
        docx.extend_from_slice(&19u16.to_le_bytes());
        docx.extend_from_slice(&[0, 0]);
        docx.extend_from_slice(b"[Content_Types].xml");
        assert!(is_zip_document(&docx));
        docx[30] = b'x';
        assert!(!is_zip_document(&docx));
        assert!(!is_zip_document(b"PK\x03\x04"));
    }

    #[test]
    fn guard_reports_truncation_and_crc() {
        let shared = Rc::new(Shared::default());
        let data: &[u8] = b"abc";
        let mut g = Guard::new(
            Box::new(data),
            "e".into(),
            Some(5),
            None,
            RatioBase::None,
            &Limits::default(),
            &shared,
        );
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(
            err.to_string()
                .contains("ends after 3 of its 5 declared bytes"),
            "{err}"
        );
        let mut d = Vec::new();
        shared.report(&mut d);
        shared.report(&mut d);
        assert_eq!(d.len(), 1);
        let mut g = Guard::new(
            Box::new(data),
            "e".into(),
            Some(3),
            Some(1),
            RatioBase::None,
            &Limits::default(),
            &shared,
        );
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("CRC-32 mismatch"), "{err}");
        let mut g = Guard::new(
            Box::new(data),
            "e".into(),
            Some(3),
            Some(crc32fast::hash(data)),
            RatioBase::None,
            &Limits::default(),
            &shared,
        );
        assert_eq!(io::copy(&mut g, &mut io::sink()).unwrap(), 3);
    }
}
