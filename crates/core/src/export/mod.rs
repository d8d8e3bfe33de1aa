//! Export: the current result set as a table ([`ExportRow`] as CSV or JSON Lines), selected messages as an
//! mbox ([`MboxWriter`]) or as a zip of `.eml` files ([`EmlZipWriter`]).
//!
//! Every writer is incremental: each `push` returns the bytes to append, so the worker can stream a large
//! export into Blob parts without ever holding all of it; the one-shot functions ([`csv`], [`jsonl`]) are
//! conveniences over them. Nothing here reads a clock or a file: dates come from the caller.
//!
//! Message bytes are never altered. The mbox is written so that Leakloupe's own reader gives back every
//! message byte for byte (same SHA-256); the one case it cannot is documented on [`MboxWriter`]. The zip
//! holds each message exactly as it was, with a manifest of SHA-256 hashes a recipient can check.
//!
//! ```
//! use leakloupe_core::export::{csv, ExportRow};
//! let row = ExportRow { subject: "=HYPERLINK(\"x\")".into(), size: 12, ..ExportRow::default() };
//! let text = csv(&[row]);
//! assert!(text.starts_with("sha256,date_unix,date_utc,"));
//! // A cell a spreadsheet would run as a formula is defused with a leading apostrophe.
//! assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","));
//! ```

mod emlzip;
mod mbox;
mod table;

pub use emlzip::{
    eml_entry_name, EmlZipWriter, EntryCompression, ExportError, ZipEntryInfo, MANIFEST_NAME,
    SHA256SUMS_NAME,
};
pub use mbox::MboxWriter;
pub use table::{csv, jsonl, rfc3339_utc, CsvWriter, ExportRow, JsonlWriter, COLUMNS};

/// How a message inside an mbox is named to a person: "archive.mbox @ byte 1234" (the offset of the
/// message bytes, as in [`crate::ingest::MessageSpan::offset`]). Archive entries use
/// [`crate::container::entry_display_path`] ("leak.zip › inbox/0017.eml").
pub fn mbox_location(source_name: &str, offset: u64) -> String {
    format!("{source_name} @ byte {offset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_documented() {
        assert_eq!(
            mbox_location("archive.mbox", 1234),
            "archive.mbox @ byte 1234"
        );
        assert_eq!(
            crate::container::entry_display_path("leak.zip", "inbox/0017.eml"),
            "leak.zip \u{203A} inbox/0017.eml"
        );
    }
}
