//! Gzip: one compressed file (`.eml.gz`), or a `.tar.gz` when the first 512 decompressed bytes are a tar
//! header. Concatenated members are read as one stream. The ratio limit applies to the stream as a whole.
//! [`GzStream`] hands out the entries one at a time (the pass of `for_each` is a loop over it); `open`
//! re-reads one entry by decompressing from the start.

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

/// A gzip source read one entry at a time, as the caller pulls them: the entries of a `.tar.gz`, or the one
/// file of a plain `.gz`, each followed by its bytes ([`GzStream::data`]). It owns the decompressor, so each entry costs only its own bytes (unlike
/// [`super::open_entry`], which decompresses a `.tar.gz` from its start up to the entry), and the caller may
/// stop, or do other work, between any two reads.
///
/// Limits are those of [`super::for_each_entry`]: the expansion ratio and the total size over the whole
/// stream, the entry count of the tar. Entries come with the [`Entry`] (and location) that
/// [`super::for_each_entry`] gives, so [`super::open_entry`] and [`super::open_chain`] re-read them later; a
/// plain `.gz` without a stored name has an empty path (see [`super::strip_gz_suffix`]). What is found
/// (damage, truncation, a bomb, unsafe names) is collected for [`GzStream::take_diagnostics`], in the order
/// and with the texts [`super::for_each_entry`] returns.
///
/// ```
/// use leakloupe_core::container::{GzStream, Limits};
/// use std::io::{Read, Write};
/// let mut gz = flate2::GzBuilder::new().filename("note.eml").write(Vec::new(), flate2::Compression::default());
/// gz.write_all(b"Subject: x\n\nhello\n").unwrap();
/// let gz = gz.finish().unwrap();
/// let mut stream = GzStream::open(&gz, &Limits::default());
/// let entry = stream.next_entry().expect("one entry");
/// let mut text = String::new();
/// stream.data().read_to_string(&mut text).unwrap();
/// assert_eq!((entry.path.as_str(), text.as_str()), ("note.eml", "Subject: x\n\nhello\n"));
/// assert!(stream.next_entry().is_none());
/// assert!(stream.take_diagnostics().is_empty());
/// ```
pub struct GzStream<'a> {
    src: &'a dyn RandomAccess,
    limits: Limits,
    /// The gzip stream's own counters (ratio, total) and its first problem.
    shared: Rc<Shared>,
    /// The current tar entry's problem (size mismatch), apart from the stream's.
    entry_shared: Rc<Shared>,
    state: State<'a>,
    /// The path and size of the entry handed out last, until its data is asked for.
    current: Option<(String, u64)>,
    diags: Vec<Diagnostic>,
    /// The text of the diagnostic handed out last: a stream error met again by the next read is said once.
    last: Option<String>,
}

enum State<'a> {
    Tar {
        stream: tar::Counted<Guard<'a>>,
        walker: tar::TarWalker,
    },
    Single {
        stream: Guard<'a>,
        name: Option<String>,
        given: bool,
    },
    Done,
}

impl<'a> GzStream<'a> {
    /// Start reading the gzip source `src`: decompresses its first 512 bytes to tell a `.tar.gz` from a
    /// single compressed file. A source that is not a readable gzip stream gives no entry and one diagnostic.
    pub fn open(src: &'a dyn RandomAccess, limits: &Limits) -> Self {
        let shared = Rc::new(Shared::default());
        let mut diags = Vec::new();
        let state = match open_stream(src, limits, &shared) {
            Err(d) => {
                diags.push(d);
                State::Done
            }
            Ok(o) if holds_tar(&o.head) => State::Tar {
                stream: tar::Counted {
                    inner: o.stream,
                    pos: 0,
                },
                walker: tar::TarWalker::new(),
            },
            Ok(o) => State::Single {
                stream: o.stream,
                name: o.name,
                given: false,
            },
        };
        GzStream {
            src,
            limits: *limits,
            shared,
            entry_shared: Rc::new(Shared::default()),
            state,
            current: None,
            diags,
            last: None,
        }
    }

    /// The next entry (directories included), or `None` when the archive ends or a problem stops it.
    /// Whatever the caller left unread of the previous entry is decompressed through first.
    pub fn next_entry(&mut self) -> Option<Entry> {
        self.report();
        self.current = None;
        let limits = self.limits;
        let entry = match &mut self.state {
            State::Tar { stream, walker } => {
                walker.next_entry(stream, None, &limits, &mut self.diags)
            }
            State::Single { name, given, .. } if !*given => {
                *given = true;
                Some(single_entry(self.src, name.take()))
            }
            State::Single { .. } | State::Done => None,
        };
        match &entry {
            Some(e) => self.current = Some((e.path.clone(), e.size)),
            None => {
                self.state = State::Done;
                self.report();
            }
        }
        entry
    }

    /// The decompressed bytes of the entry the last [`GzStream::next_entry`] gave, to read whole, in part
    /// or not at all. Once per entry: a second call gives an empty stream. Read errors are sentences (a
    /// bomb, truncation, damaged data), also collected for [`GzStream::take_diagnostics`].
    pub fn data(&mut self) -> Box<dyn Read + '_> {
        let Some((path, size)) = self.current.take() else {
            return Box::new(io::empty());
        };
        match &mut self.state {
            State::Tar { stream, .. } => Box::new(Guard::new(
                Box::new((&mut *stream).take(size)),
                format!("tar entry {path}"),
                Some(size),
                None,
                RatioBase::None,
                // The stream below counts the total; this guard checks the entry's declared size.
                &Limits {
                    max_total_uncompressed: u64::MAX,
                    ..self.limits
                },
                &self.entry_shared,
            )),
            State::Single { stream, .. } => Box::new(stream),
            State::Done => Box::new(io::empty()),
        }
    }

    /// The diagnostics found since the last call (all of them after [`GzStream::next_entry`] gave `None`),
    /// the problems of the entry read last included.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        self.report();
        let mut out = Vec::new();
        for d in self.diags.drain(..) {
            // A stream error seen by both the entry and the walk.
            if self.last.as_deref() == Some(d.text.as_str()) {
                continue;
            }
            self.last = Some(d.text.clone());
            out.push(d);
        }
        out
    }

    /// Move the pending problems of the stream, then of the entry, into `diags`.
    fn report(&mut self) {
        self.shared.report(&mut self.diags);
        self.entry_shared.report(&mut self.diags);
    }
}

/// One pass over a gzip source (a loop over [`GzStream`]): the tar entries inside, or the single
/// decompressed file. With `listing`, `f` gets empty streams (a `.tar.gz` is still decompressed through to
/// find its headers).
pub(super) fn for_each(
    src: &dyn RandomAccess,
    limits: &Limits,
    listing: bool,
    f: &mut dyn FnMut(&Entry, &mut dyn Read) -> ControlFlow<()>,
) -> Vec<Diagnostic> {
    let mut stream = GzStream::open(src, limits);
    while let Some(entry) = stream.next_entry() {
        let flow = if listing {
            f(&entry, &mut io::empty())
        } else {
            f(&entry, &mut stream.data())
        };
        if flow.is_break() {
            break;
        }
    }
    stream.take_diagnostics()
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
