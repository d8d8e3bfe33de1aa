//! Gzip: one compressed file (`.eml.gz`), or a `.tar.gz` when the first 512 decompressed bytes are a tar
//! header. Concatenated members are read as one stream. The ratio limit applies to the stream as a whole.

use std::cell::Cell;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

use super::{tar, Entry, Guard, Limits, Loc, RaReader, RandomAccess, RatioBase, Shared};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// Counts the compressed bytes the decoder has taken from the source.
struct CountingRa<'a> {
    inner: RaReader<'a>,
    consumed: Rc<Cell<u64>>,
}

impl Read for CountingRa<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

/// The decompressed stream (guarded), its first bytes (up to 512, already read and replayed by the stream),
/// and the file name stored in the gzip header.
struct Opened<'a> {
    stream: Guard<'a>,
    head: Vec<u8>,
    name: Option<String>,
}

fn open_stream<'a>(
    src: &'a dyn RandomAccess,
    limits: &Limits,
    shared: &Rc<Shared>,
) -> Result<Opened<'a>, Diagnostic> {
    let consumed = Rc::new(Cell::new(0));
    let mut dec = MultiGzDecoder::new(CountingRa {
        inner: RaReader::new(src),
        consumed: Rc::clone(&consumed),
    });
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut dec).take(512).read_to_end(&mut head) {
        return Err(Diagnostic::error(
            DiagnosticKind::Other,
            if e.kind() == io::ErrorKind::UnexpectedEof {
                format!(
                    "gzip: the file ends after {} decompressed bytes: it is truncated",
                    head.len()
                )
            } else {
                format!("gzip: not a readable gzip stream ({e})")
            },
        ));
    }
    let name = dec
        .header()
        .and_then(|h| h.filename())
        .map(|n| String::from_utf8_lossy(n).replace('\\', "/"));
    let stream = Guard::new(
        Box::new(io::Cursor::new(head.clone()).chain(dec)),
        "gzip stream".to_string(),
        None,
        None,
        RatioBase::Counted(consumed),
        limits,
        shared,
    );
    Ok(Opened { stream, head, name })
}

fn holds_tar(head: &[u8]) -> bool {
    head.len() == 512 && tar::is_header(head)
}

/// The single entry of a plain `.gz`; its size is the trailer's hint (size modulo 4 GiB).
fn single_entry(src: &dyn RandomAccess, name: Option<String>) -> Entry {
    let mut trailer = [0u8; 4];
    let hint = match src
        .len()
        .checked_sub(4)
        .map(|at| src.read_at(at, &mut trailer))
    {
        Some(Ok(4)) => u64::from(u32::from_le_bytes(trailer)),
        _ => 0,
    };
    Entry {
        index: 0,
        path: name.unwrap_or_default(),
        size: hint,
        size_known: false,
        is_dir: false,
        encrypted: false,
        loc: Loc::Gz,
    }
}

/// One pass over a gzip source: the tar entries inside, or the single decompressed file. With `listing`,
/// `f` gets empty streams (a `.tar.gz` is still decompressed through to find its headers).
pub(super) fn for_each(
    src: &dyn RandomAccess,
    limits: &Limits,
    listing: bool,
    f: &mut dyn FnMut(&Entry, &mut dyn Read) -> ControlFlow<()>,
) -> Vec<Diagnostic> {
    let shared = Rc::new(Shared::default());
    let mut diags = Vec::new();
    let opened = match open_stream(src, limits, &shared) {
        Ok(o) => o,
        Err(d) => return vec![d],
    };
    if holds_tar(&opened.head) {
        let entry_shared = Rc::new(Shared::default());
        let mut counted = tar::Counted {
            inner: opened.stream,
            pos: 0,
        };
        tar::walk(
            &mut counted,
            None,
            limits,
            &mut diags,
            &mut |e, data, diags| {
                let flow = if listing {
                    f(e, &mut io::empty())
                } else {
                    let mut g = Guard::new(
                        Box::new(data),
                        format!("tar entry {}", e.path),
                        Some(e.size),
                        None,
                        RatioBase::None,
                        &Limits {
                            max_total_uncompressed: u64::MAX,
                            ..*limits
                        },
                        &entry_shared,
                    );
                    f(e, &mut g)
                };
                shared.report(diags);
                entry_shared.report(diags);
                flow
            },
        );
        shared.report(&mut diags);
        // The walk may stop at the end-of-archive marker; a damaged or bomb stream shows up while reading.
        return dedup(diags);
    }
    let entry = single_entry(src, opened.name);
    if listing {
        let _ = f(&entry, &mut io::empty());
    } else {
        let mut stream = opened.stream;
        let _ = f(&entry, &mut stream);
        shared.report(&mut diags);
    }
    diags
}

/// Drop a diagnostic repeating the one before it (a stream error seen by both the entry and the walk).
fn dedup(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.dedup_by(|b, a| a.text == b.text);
    diags
}

/// Stream one entry: the whole file, or a tar entry found by decompressing from the start up to it.
pub(super) fn open<'a>(
    src: &'a dyn RandomAccess,
    entry: &Entry,
    limits: &Limits,
    shared: &Rc<Shared>,
) -> Result<Box<dyn Read + 'a>, Diagnostic> {
    let opened = open_stream(src, limits, shared)?;
    match entry.loc {
        Loc::Gz => Ok(Box::new(opened.stream)),
        Loc::Tar { data_offset } => {
            let mut stream = opened.stream;
            let skipped = io::copy(&mut (&mut stream).take(data_offset), &mut io::sink())
                .map_err(|e| super::io_error_diagnostic(&e))?;
            if skipped < data_offset {
                return Err(Diagnostic::error(
                    DiagnosticKind::Other,
                    format!(
                        "tar entry {}: the archive ends before it: it is truncated",
                        entry.path
                    ),
                ));
            }
            // Its own counters: the stream below already counts the total.
            let entry_shared = Rc::new(Shared::default());
            Ok(Box::new(Guard::new(
                Box::new(stream.take(entry.size)),
                format!("tar entry {}", entry.path),
                Some(entry.size),
                None,
                RatioBase::None,
                limits,
                &entry_shared,
            )))
        }
        _ => Err(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "gzip: entry \"{}\" does not come from a gzip file",
                entry.path
            ),
        )),
    }
}
