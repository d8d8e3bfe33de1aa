//! [`EmlZipWriter`]: selected messages as a zip of `.eml` files, each byte-exact, with a manifest of
//! SHA-256 hashes.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Timelike};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::message::sha256_hex;

/// Longest subject part of an entry name, in characters.
const MAX_SUBJECT_CHARS: usize = 80;

/// Name of the manifest entry (CSV: number, file, size, sha256).
pub const MANIFEST_NAME: &str = "MANIFEST.csv";
/// Name of the checksum entry, in `sha256sum -c` format.
pub const SHA256SUMS_NAME: &str = "SHA256SUMS";

/// A failure of the zip writer (its text is a sentence). With an in-memory output it means an entry or
/// the archive exceeded what the zip format can describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExportError {}

fn zip_error(what: &str, e: impl std::fmt::Display) -> ExportError {
    ExportError {
        message: format!("The zip could not be written ({what}: {e})."),
    }
}

/// How entries are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryCompression {
    /// Deflate (smaller; mail text compresses well).
    #[default]
    Deflated,
    /// No compression (faster).
    Stored,
}

/// One `.eml` entry written, as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntryInfo {
    /// The entry name, e.g. "0001 - Quarterly numbers.eml".
    pub name: String,
    /// Size of the message bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the message bytes (the message's identity elsewhere in Leakloupe too).
    pub sha256: String,
}

/// The output: the zip writer appends here and [`EmlZipWriter`] hands out what accumulated.
#[derive(Debug, Clone, Default)]
struct Spool(Arc<Mutex<Vec<u8>>>);

impl Spool {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Incremental zip-of-`.eml` writer: [`EmlZipWriter::push`] each message, then [`EmlZipWriter::finish`];
/// the returned byte chunks, concatenated in order, are the zip (written as a stream: sizes and CRCs follow
/// each entry in a data descriptor, which every unzip tool reads).
///
/// Entries hold the message bytes unchanged and are named `NNNN - <subject>.eml`, numbered from 0001 in
/// push order (wider numbers past 9999), which keeps names unique and in order. The subject part (see
/// [`eml_entry_name`]) has no path separators, control, format or bidirectional characters, nor characters
/// Windows forbids in file names, and at most 80 characters. After the messages come two entries a
/// recipient can check them with: `MANIFEST.csv` (number, file, size, sha256; CRLF lines) and `SHA256SUMS`
/// (for `sha256sum -c SHA256SUMS`). Entry times are the message dates (UTC; zip cannot store dates before
/// 1980 or after 2107, which get 1980-01-01), never the clock.
///
/// ```
/// use leakloupe_core::export::{EmlZipWriter, EntryCompression};
/// let mut w = EmlZipWriter::new(EntryCompression::Deflated);
/// let mut zip = w.push(b"Subject: hi\n\nbody\n", "hi / there", Some(820631134)).unwrap();
/// assert_eq!(w.entries()[0].name, "0001 - hi there.eml");
/// zip.extend(w.finish().unwrap());
/// assert!(zip.starts_with(b"PK\x03\x04"));
/// ```
pub struct EmlZipWriter {
    zip: ZipWriter<zip::write::StreamWriter<Spool>>,
    spool: Spool,
    compression: EntryCompression,
    entries: Vec<ZipEntryInfo>,
}

impl std::fmt::Debug for EmlZipWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmlZipWriter")
            .field("compression", &self.compression)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl EmlZipWriter {
    /// A writer with no entries yet.
    pub fn new(compression: EntryCompression) -> Self {
        let spool = Spool::default();
        EmlZipWriter {
            zip: ZipWriter::new_stream(spool.clone()),
            spool,
            compression,
            entries: Vec::new(),
        }
    }

    /// Add one message (`raw`, its decoded `subject` for the entry name, its `date` as Unix time for the
    /// entry time); returns the bytes to append (part of an entry may come with the next call).
    pub fn push(
        &mut self,
        raw: &[u8],
        subject: &str,
        date: Option<i64>,
    ) -> Result<Vec<u8>, ExportError> {
        let number = self.entries.len() as u64 + 1;
        let name = eml_entry_name(number, subject);
        self.write_entry(&name, raw, date)?;
        self.entries.push(ZipEntryInfo {
            name,
            size: raw.len() as u64,
            sha256: sha256_hex(raw),
        });
        Ok(self.spool.take())
    }

    /// The entries written so far.
    pub fn entries(&self) -> &[ZipEntryInfo] {
        &self.entries
    }

    /// Write `MANIFEST.csv`, `SHA256SUMS` and the central directory; returns the last bytes of the zip.
    pub fn finish(mut self) -> Result<Vec<u8>, ExportError> {
        let mut manifest = String::from("number,file,size,sha256\r\n");
        let mut sums = String::new();
        for (i, e) in self.entries.iter().enumerate() {
            // Names never need quoting for a spreadsheet (they start with a digit) but may hold commas.
            let file = if e.name.contains([',', '"']) {
                format!("\"{}\"", e.name.replace('"', "\"\""))
            } else {
                e.name.clone()
            };
            manifest.push_str(&format!("{},{file},{},{}\r\n", i + 1, e.size, e.sha256));
            sums.push_str(&format!("{}  {}\n", e.sha256, e.name));
        }
        self.write_entry(MANIFEST_NAME, manifest.as_bytes(), None)?;
        self.write_entry(SHA256SUMS_NAME, sums.as_bytes(), None)?;
        self.zip
            .finish()
            .map_err(|e| zip_error("central directory", e))?;
        Ok(self.spool.take())
    }

    fn write_entry(
        &mut self,
        name: &str,
        bytes: &[u8],
        date: Option<i64>,
    ) -> Result<(), ExportError> {
        let method = match self.compression {
            EntryCompression::Deflated => CompressionMethod::Deflated,
            EntryCompression::Stored => CompressionMethod::Stored,
        };
        // DEFAULT, not default(): the latter reads the clock when the zip crate's `time` feature is on.
        let options = SimpleFileOptions::DEFAULT
            .compression_method(method)
            .last_modified_time(zip_time(date))
            .unix_permissions(0o644)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        self.zip
            .start_file(name, options)
            .map_err(|e| zip_error(name, e))?;
        self.zip.write_all(bytes).map_err(|e| zip_error(name, e))
    }
}

fn zip_time(date: Option<i64>) -> zip::DateTime {
    date.and_then(|s| DateTime::from_timestamp(s, 0))
        .and_then(|d| {
            zip::DateTime::from_date_and_time(
                u16::try_from(d.year()).ok()?,
                u8::try_from(d.month()).ok()?,
                u8::try_from(d.day()).ok()?,
                u8::try_from(d.hour()).ok()?,
                u8::try_from(d.minute()).ok()?,
                u8::try_from(d.second()).ok()?,
            )
            .ok()
        })
        .unwrap_or(zip::DateTime::DEFAULT)
}

/// The entry name of message `number` (from 1): `0001 - <subject>.eml`, or `0001.eml` for an empty
/// subject. The subject keeps letters, digits, punctuation and spaces; path separators (`/`, `\`), the
/// characters Windows forbids (`< > : " | ? *`), control characters and invisible format characters
/// (zero-width, bidirectional overrides such as U+202E that could disguise `gpj.exe` as `exe.jpg`) are
/// dropped, whitespace runs become one space, leading and trailing dots and spaces go, and it is cut to
/// 80 characters.
pub fn eml_entry_name(number: u64, subject: &str) -> String {
    let mut clean = String::new();
    let mut space = false;
    for c in subject.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() || is_format_char(c) || "/\\<>:\"|?*".contains(c) {
            continue;
        }
        if space && !clean.is_empty() {
            clean.push(' ');
        }
        space = false;
        clean.push(c);
    }
    let cut: String = clean.chars().take(MAX_SUBJECT_CHARS).collect();
    let cut = cut.trim_matches(|c: char| c == '.' || c == ' ');
    if cut.is_empty() {
        format!("{number:04}.eml")
    } else {
        format!("{number:04} - {cut}.eml")
    }
}

/// Invisible Unicode format characters (category Cf) that matter in file names.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{61C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn read_back(zip: Vec<u8>) -> Vec<(String, Vec<u8>, CompressionMethod, zip::DateTime)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap_or_else(|e| panic!("{e}"));
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap_or_else(|e| panic!("{e}"));
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).unwrap_or_else(|e| panic!("{e}"));
                let time = f.last_modified().unwrap_or_default();
                (f.name().to_string(), bytes, f.compression(), time)
            })
            .collect()
    }

    #[test]
    fn entries_are_byte_exact_with_a_manifest() {
        let a: &[u8] = b"Subject: a\r\n\r\nFrom here\r\nno final newline";
        let b: &[u8] = b"";
        let c = vec![0xFFu8, 0, 13, 10, 0x80];
        for compression in [EntryCompression::Deflated, EntryCompression::Stored] {
            let mut w = EmlZipWriter::new(compression);
            let mut zip = Vec::new();
            zip.extend(
                w.push(a, "Quarterly numbers", Some(1_000_000_000))
                    .unwrap_or_default(),
            );
            zip.extend(w.push(b, "", None).unwrap_or_default());
            zip.extend(
                w.push(&c, "Quarterly numbers", Some(-5))
                    .unwrap_or_default(),
            );
            zip.extend(w.finish().unwrap_or_default());
            let got = read_back(zip);
            let names: Vec<&str> = got.iter().map(|(n, ..)| n.as_str()).collect();
            assert_eq!(
                names,
                [
                    "0001 - Quarterly numbers.eml",
                    "0002.eml",
                    "0003 - Quarterly numbers.eml",
                    "MANIFEST.csv",
                    "SHA256SUMS"
                ]
            );
            assert_eq!(got[0].1, a);
            assert_eq!(got[1].1, b);
            assert_eq!(got[2].1, c);
            let method = if compression == EntryCompression::Stored {
                CompressionMethod::Stored
            } else {
                CompressionMethod::Deflated
            };
            assert_eq!(got[0].2, method);
            let t = got[0].3;
            assert_eq!(
                (
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                ),
                (2001, 9, 9, 1, 46, 40)
            );
            assert_eq!(got[2].3, zip::DateTime::DEFAULT); // 1969: not representable
            let manifest = String::from_utf8(got[3].1.clone()).unwrap_or_default();
            assert_eq!(
                manifest,
                format!(
                    "number,file,size,sha256\r\n1,0001 - Quarterly numbers.eml,{},{}\r\n2,0002.eml,0,{}\r\n3,0003 - Quarterly numbers.eml,5,{}\r\n",
                    a.len(),
                    sha256_hex(a),
                    sha256_hex(b),
                    sha256_hex(&c)
                )
            );
            let sums = String::from_utf8(got[4].1.clone()).unwrap_or_default();
            assert_eq!(
                sums.lines().nth(1),
                Some(format!("{}  0002.eml", sha256_hex(b"")).as_str())
            );
        }
    }

    #[test]
    fn empty_zip_is_still_a_zip() {
        let zip = EmlZipWriter::new(EntryCompression::Deflated)
            .finish()
            .unwrap_or_default();
        let got = read_back(zip);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, b"number,file,size,sha256\r\n");
        assert!(got[1].1.is_empty());
    }

    #[test]
    fn names_are_safe() {
        assert_eq!(
            eml_entry_name(1, "Re: ../../etc/passwd"),
            "0001 - Re ....etcpasswd.eml"
        );
        assert_eq!(eml_entry_name(2, "a\\b/c"), "0002 - abc.eml");
        assert_eq!(eml_entry_name(3, "  ..hidden.. "), "0003 - hidden.eml");
        assert_eq!(eml_entry_name(4, "x\u{202E}gpj.exe"), "0004 - xgpj.exe.eml");
        assert_eq!(
            eml_entry_name(5, "tab\there\r\nnew  line\u{0}"),
            "0005 - tab here new line.eml"
        );
        assert_eq!(eml_entry_name(6, "<>:\"|?*"), "0006.eml");
        assert_eq!(eml_entry_name(12345, "x"), "12345 - x.eml");
        let long = eml_entry_name(7, &"é".repeat(500));
        assert_eq!(long, format!("0007 - {}.eml", "é".repeat(80)));
        assert_eq!(
            eml_entry_name(8, "naïve, \"quoted\" résumé"),
            "0008 - naïve, quoted résumé.eml"
        );
    }

    #[test]
    fn manifest_quotes_commas() {
        let mut w = EmlZipWriter::new(EntryCompression::Stored);
        let mut zip = w.push(b"x", "a, b", None).unwrap_or_default();
        zip.extend(w.finish().unwrap_or_default());
        let got = read_back(zip);
        let manifest = String::from_utf8(got[1].1.clone()).unwrap_or_default();
        assert_eq!(
            manifest.lines().nth(1),
            Some(format!("1,\"0001 - a, b.eml\",1,{}", sha256_hex(b"x")).as_str())
        );
    }
}
