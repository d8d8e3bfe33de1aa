//! The result set as a table: one [`ExportRow`] per message, written as CSV ([`CsvWriter`], [`csv`]) or
//! JSON Lines ([`JsonlWriter`], [`jsonl`]).
//!
//! Both formats have the same fields, named as in [`COLUMNS`]. In JSON Lines list fields are arrays,
//! `starred` is a boolean and an unknown date is `null`; values are exactly the row's. In CSV list fields
//! are joined with `"; "`, `starred` is `true`/`false` and an unknown date is an empty cell; text cells are
//! defused for spreadsheets (see [`CsvWriter`]), so use JSON Lines when exact values matter.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;

/// One message of the result set, as exported. Plain data: the caller fills it from the message summary,
/// its locations and the case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportRow {
    /// Lowercase hex SHA-256 of the message bytes.
    pub sha256: String,
    /// The message date as seconds since the Unix epoch (UTC), if known. The export also gives it as
    /// RFC 3339 UTC text (`date_utc`, see [`rfc3339_utc`]).
    pub date_unix: Option<i64>,
    /// Decoded From.
    pub from: String,
    /// Decoded To addresses.
    pub to: String,
    /// Decoded Cc addresses.
    pub cc: String,
    /// Decoded Subject.
    pub subject: String,
    /// The Message-ID as written ("" if none).
    pub message_id: String,
    /// Size of the message bytes.
    pub size: u64,
    /// Number of attachments.
    pub attachment_count: u32,
    /// Attachment file names (possibly fewer than `attachment_count`: not every attachment has a name).
    pub attachment_names: Vec<String>,
    /// Every place the message was found, e.g. "leak.zip › inbox/0017.eml", "archive.mbox @ byte 1234"
    /// (see [`crate::export::mbox_location`]).
    pub locations: Vec<String>,
    /// SHA-256 of every source file the message was found in.
    pub source_sha256: Vec<String>,
    /// The case's tags on the message.
    pub tags: Vec<String>,
    /// Whether the message is starred in the case.
    pub starred: bool,
    /// The case's note on the message.
    pub note: String,
    /// The DKIM verdict, e.g. "pass", "fail", "none".
    pub dkim: String,
    /// Codes of the findings on the message.
    pub findings: Vec<String>,
}

/// The field names, in CSV column order (also the JSON Lines keys).
pub const COLUMNS: [&str; 18] = [
    "sha256",
    "date_unix",
    "date_utc",
    "from",
    "to",
    "cc",
    "subject",
    "message_id",
    "size",
    "attachment_count",
    "attachment_names",
    "locations",
    "source_sha256",
    "tags",
    "starred",
    "note",
    "dkim",
    "findings",
];

/// `1996-01-03T01:05:34Z` for Unix time 820631134; `None` outside the dates chrono can represent.
pub fn rfc3339_utc(unix: i64) -> Option<String> {
    DateTime::from_timestamp(unix, 0).map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The row as it is serialized (the RFC 3339 date is derived, never stored apart from the Unix time).
#[derive(Serialize)]
struct RowView<'a> {
    sha256: &'a str,
    date_unix: Option<i64>,
    date_utc: Option<String>,
    from: &'a str,
    to: &'a str,
    cc: &'a str,
    subject: &'a str,
    message_id: &'a str,
    size: u64,
    attachment_count: u32,
    attachment_names: &'a [String],
    locations: &'a [String],
    source_sha256: &'a [String],
    tags: &'a [String],
    starred: bool,
    note: &'a str,
    dkim: &'a str,
    findings: &'a [String],
}

impl<'a> From<&'a ExportRow> for RowView<'a> {
    fn from(r: &'a ExportRow) -> Self {
        RowView {
            sha256: &r.sha256,
            date_unix: r.date_unix,
            date_utc: r.date_unix.and_then(rfc3339_utc),
            from: &r.from,
            to: &r.to,
            cc: &r.cc,
            subject: &r.subject,
            message_id: &r.message_id,
            size: r.size,
            attachment_count: r.attachment_count,
            attachment_names: &r.attachment_names,
            locations: &r.locations,
            source_sha256: &r.source_sha256,
            tags: &r.tags,
            starred: r.starred,
            note: &r.note,
            dkim: &r.dkim,
            findings: &r.findings,
        }
    }
}

/// Incremental CSV writer (RFC 4180: comma-separated, CRLF line ends, a header line first, a field quoted
/// with `"` doubled when it holds a comma, a quote, CR or LF).
///
/// Spreadsheet safety: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be
/// run as a formula by Excel, LibreOffice or Google Sheets (CSV injection), so such a cell gets a leading
/// apostrophe (`'=1+1`), which spreadsheets show as text. Numeric cells (`date_unix`, `size`,
/// `attachment_count`) are never altered, so a date before 1970 stays a negative number. The apostrophe
/// is part of the file: a script reading the CSV sees it (JSON Lines has the exact values).
///
/// ```
/// use leakloupe_core::export::{CsvWriter, ExportRow};
/// let mut w = CsvWriter::new();
/// let first = w.push(&ExportRow { subject: "a, b".into(), ..ExportRow::default() });
/// assert!(first.starts_with("sha256,")); // the header comes with the first row
/// assert!(first.contains(",\"a, b\","));
/// assert_eq!(w.finish(), ""); // nothing more to add
/// assert_eq!(CsvWriter::new().finish().lines().count(), 1); // no rows: just the header
/// ```
#[derive(Debug, Clone, Default)]
pub struct CsvWriter {
    header_written: bool,
}

impl CsvWriter {
    /// A writer that has written nothing yet.
    pub fn new() -> Self {
        CsvWriter::default()
    }

    /// The text to append for `row`: the header line first if this is the first call, then the row line.
    pub fn push(&mut self, row: &ExportRow) -> String {
        let mut out = String::new();
        self.header_into(&mut out);
        let v = RowView::from(row);
        let date_unix = v.date_unix.map(|d| d.to_string()).unwrap_or_default();
        let date_utc = v.date_utc.unwrap_or_default();
        let (size, count) = (v.size.to_string(), v.attachment_count.to_string());
        let (names, locations) = (v.attachment_names.join("; "), v.locations.join("; "));
        let (sources, tags) = (v.source_sha256.join("; "), v.tags.join("; "));
        let findings = v.findings.join("; ");
        // (value, is text): text cells are defused, numeric ones never.
        let cells: [(&str, bool); COLUMNS.len()] = [
            (v.sha256, true),
            (&date_unix, false),
            (&date_utc, true),
            (v.from, true),
            (v.to, true),
            (v.cc, true),
            (v.subject, true),
            (v.message_id, true),
            (&size, false),
            (&count, false),
            (&names, true),
            (&locations, true),
            (&sources, true),
            (&tags, true),
            (if v.starred { "true" } else { "false" }, false),
            (v.note, true),
            (v.dkim, true),
            (&findings, true),
        ];
        for (i, (value, text)) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(&mut out, value, *text);
        }
        out.push_str("\r\n");
        out
    }

    /// The text still to append at the end: the header line when no row was pushed, else nothing.
    pub fn finish(mut self) -> String {
        let mut out = String::new();
        self.header_into(&mut out);
        out
    }

    fn header_into(&mut self, out: &mut String) {
        if !self.header_written {
            self.header_written = true;
            out.push_str(&COLUMNS.join(","));
            out.push_str("\r\n");
        }
    }
}

/// Append one CSV field: defused (when `guard`) and quoted as needed.
fn push_field(out: &mut String, value: &str, guard: bool) {
    let defuse = guard && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if defuse {
        out.push('\'');
    }
    if quote {
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The whole CSV text of `rows` (header line included, even for no rows).
pub fn csv(rows: &[ExportRow]) -> String {
    let mut w = CsvWriter::new();
    let mut out = String::new();
    for r in rows {
        out.push_str(&w.push(r));
    }
    out.push_str(&w.finish());
    out
}

/// Incremental JSON Lines writer: one JSON object per row, each line ending in `\n`; keys as in
/// [`COLUMNS`] (the exact values, no spreadsheet defusing).
///
/// ```
/// use leakloupe_core::export::{ExportRow, JsonlWriter};
/// let line = JsonlWriter::new().push(&ExportRow { date_unix: Some(0), tags: vec!["x".into()], ..ExportRow::default() });
/// assert!(line.contains("\"date_utc\":\"1970-01-01T00:00:00Z\""));
/// assert!(line.contains("\"tags\":[\"x\"]"));
/// assert!(line.ends_with("}\n"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct JsonlWriter {
    _private: (),
}

impl JsonlWriter {
    /// A new writer.
    pub fn new() -> Self {
        JsonlWriter::default()
    }

    /// The line to append for `row`, with its `\n`.
    pub fn push(&mut self, row: &ExportRow) -> String {
        // A struct of strings, numbers and string lists always serializes; the fallback is unreachable.
        let mut line =
            serde_json::to_string(&RowView::from(row)).unwrap_or_else(|_| "{}".to_string());
        line.push('\n');
        line
    }
}

/// The whole JSON Lines text of `rows` ("" for no rows).
pub fn jsonl(rows: &[ExportRow]) -> String {
    let mut w = JsonlWriter::new();
    rows.iter().map(|r| w.push(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ExportRow {
        ExportRow {
            sha256: "ab".repeat(32),
            date_unix: Some(820_631_134),
            from: "Doug <doug@example.com>".into(),
            to: "a@x, b@y".into(),
            cc: String::new(),
            subject: "Re: \"quotes\", commas\nand lines".into(),
            message_id: "<1@x>".into(),
            size: 1234,
            attachment_count: 2,
            attachment_names: vec!["a.pdf".into(), "b.png".into()],
            locations: vec![
                "leak.zip \u{203A} inbox/0017.eml".into(),
                "archive.mbox @ byte 1234".into(),
            ],
            source_sha256: vec!["cd".repeat(32)],
            tags: vec!["hot".into(), "legal".into()],
            starred: true,
            note: "-check this".into(),
            dkim: "pass".into(),
            findings: vec!["date-mismatch".into()],
        }
    }

    #[test]
    fn csv_header_and_quoting() {
        let text = csv(&[sample()]);
        let mut lines = text.split("\r\n");
        assert_eq!(
            lines.next(),
            Some(
                "sha256,date_unix,date_utc,from,to,cc,subject,message_id,size,attachment_count,attachment_names,\
                 locations,source_sha256,tags,starred,note,dkim,findings"
            )
        );
        let expected_row = format!(
            "{},820631134,1996-01-03T01:05:34Z,Doug <doug@example.com>,\"a@x, b@y\",,\"Re: \"\"quotes\"\", commas\nand lines\",\
             <1@x>,1234,2,a.pdf; b.png,leak.zip \u{203A} inbox/0017.eml; archive.mbox @ byte 1234,{},hot; legal,true,'-check this,pass,date-mismatch\r\n",
            "ab".repeat(32),
            "cd".repeat(32)
        );
        assert_eq!(
            text.split_once("\r\n").map(|(_, r)| r),
            Some(expected_row.as_str())
        );
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn formula_cells_are_defused_but_numbers_are_not() {
        for (value, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("=a,b", "\"'=a,b\""),
            ("a=b", "a=b"),
            (" =x", " =x"),
        ] {
            let mut out = String::new();
            push_field(&mut out, value, true);
            assert_eq!(out, want, "{value:?}");
        }
        let row = ExportRow {
            date_unix: Some(-86_400),
            tags: vec!["=x".into(), "y".into()],
            ..ExportRow::default()
        };
        let text = csv(&[row]);
        let line = text.lines().nth(1).unwrap_or_default();
        assert!(line.starts_with(",-86400,1969-12-31T00:00:00Z,"), "{line}");
        assert!(line.contains(",'=x; y,"), "{line}");
    }

    #[test]
    fn incremental_csv_equals_one_shot() {
        let rows = vec![sample(), ExportRow::default(), sample()];
        let mut w = CsvWriter::new();
        let mut streamed: String = rows.iter().map(|r| w.push(r)).collect();
        streamed.push_str(&w.finish());
        assert_eq!(streamed, csv(&rows));
        assert_eq!(streamed.matches("\r\n").count(), 4); // header + 3 rows (the LF inside a subject stays LF)
        assert_eq!(csv(&[]), format!("{}\r\n", COLUMNS.join(",")));
    }

    #[test]
    fn jsonl_has_exact_values() {
        let text = jsonl(&[sample(), ExportRow::default()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
        assert_eq!(v["date_unix"], 820_631_134);
        assert_eq!(v["date_utc"], "1996-01-03T01:05:34Z");
        assert_eq!(v["note"], "-check this"); // no apostrophe in JSON
        assert_eq!(v["subject"], "Re: \"quotes\", commas\nand lines");
        assert_eq!(v["attachment_names"][1], "b.png");
        assert_eq!(v["starred"], true);
        assert_eq!(v["size"], 1234);
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut want: Vec<&str> = COLUMNS.to_vec();
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want);
        let empty: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
        assert_eq!(empty["date_unix"], serde_json::Value::Null);
        assert_eq!(empty["date_utc"], serde_json::Value::Null);
        assert_eq!(jsonl(&[]), "");
    }

    #[test]
    fn out_of_range_dates_have_no_text() {
        assert_eq!(rfc3339_utc(i64::MAX), None);
        assert_eq!(rfc3339_utc(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }
}
