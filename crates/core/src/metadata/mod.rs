//! Attachment metadata: who wrote a document, with which program, when, and where a photo was taken.
//!
//! [`extract`] looks at an attachment's bytes, decides what it is **by content** (the file name and the declared
//! MIME type are only compared against it, since leaks are full of renamed files) and reads the metadata a
//! journalist uses as evidence:
//!
//! | kind | where the metadata lives |
//! |---|---|
//! | [`DocKind::Ooxml`] (.docx/.xlsx/.pptx) | `docProps/core.xml`, `app.xml`, `custom.xml` inside the zip |
//! | [`DocKind::Odf`] (.odt/.ods/.odp) | `meta.xml` inside the zip |
//! | [`DocKind::Pdf`] | the trailer's Info dictionary, the catalog's XMP packet, Photoshop resources |
//! | [`DocKind::Jpeg`], [`DocKind::Tiff`] | EXIF (incl. GPS), XMP, IPTC |
//! | [`DocKind::Png`] | text chunks (Author, Software, Creation Time …), `eXIf`, XMP, `tIME` |
//! | [`DocKind::Heif`] (.heic/.avif), [`DocKind::Webp`] | EXIF (incl. GPS); WebP also XMP |
//! | [`DocKind::Ole2`] (.doc/.xls/.ppt) | the `\x05SummaryInformation` and `\x05DocumentSummaryInformation` streams |
//!
//! Every value is returned as the file states it ([`MetaField::value`]), dates also parsed to a UTC instant
//! when possible ([`MetaField::date`]), and person-name fields carry the Unicode scripts of their letters
//! ([`MetaField::scripts`]): in 2017 the MacronLeaks spreadsheets gave themselves away by Cyrillic editor
//! names. Attachments are hostile: decompression is capped ([`Limits`]) against zip bombs, every parser is
//! bounds-checked, and damage is reported in [`DocMetadata::problems`] instead of failing.
//!
//! ```
//! use leakloupe_core::metadata::{extract, DocKind, MetaKey};
//! let pdf = b"%PDF-1.4\n1 0 obj\n<< /Author (Jeff) /Creator (Writer) /CreationDate (D:20240102081500+01'00') >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n";
//! let m = extract(pdf, Some("report.pdf"), Some("application/pdf"));
//! assert_eq!(m.kind, DocKind::Pdf);
//! assert_eq!(m.get(MetaKey::Author).unwrap().value, "Jeff");
//! let created = m.get(MetaKey::Created).unwrap();
//! assert_eq!(created.date.unwrap().utc_display(), "2024-01-02 07:15:00 UTC");
//! ```

use std::io::{Cursor, Read};

use crate::diagnostic::{Diagnostic, DiagnosticKind};

mod exif;
mod heif_webp;
mod odf;
mod ole;
mod ooxml;
mod pdf;
mod png;
pub mod script;
mod xml;
mod xmp;

pub use script::Script;

/// What kind of document the bytes are (decided by content, not by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// Office Open XML: a zip with `[Content_Types].xml` / `docProps/` (.docx, .xlsx, .pptx ...).
    Ooxml,
    /// OpenDocument: a zip whose `mimetype` is `application/vnd.oasis.opendocument.*` (.odt, .ods ...).
    Odf,
    /// A PDF file.
    Pdf,
    /// A JPEG image (EXIF, XMP and IPTC are read).
    Jpeg,
    /// A TIFF image (its IFDs are EXIF).
    Tiff,
    /// A PNG image (text chunks, EXIF, XMP, modification time).
    Png,
    /// A HEIF image: HEIC (iPhone photos) or AVIF (EXIF).
    Heif,
    /// A WebP image (EXIF, XMP).
    Webp,
    /// An OLE2 compound file (legacy .doc, .xls, .ppt; also .msg and Thumbs.db).
    Ole2,
    /// A zip archive that is neither OOXML nor ODF.
    Zip,
    /// Anything else: no metadata is read.
    Unknown,
}

impl DocKind {
    /// Short human name, e.g. "OOXML (Office 2007+)".
    pub fn label(self) -> &'static str {
        match self {
            DocKind::Ooxml => "OOXML (Office 2007+)",
            DocKind::Odf => "OpenDocument",
            DocKind::Pdf => "PDF",
            DocKind::Jpeg => "JPEG image",
            DocKind::Tiff => "TIFF image",
            DocKind::Png => "PNG image",
            DocKind::Heif => "HEIF image (HEIC/AVIF)",
            DocKind::Webp => "WebP image",
            DocKind::Ole2 => "OLE2 compound file (legacy Office)",
            DocKind::Zip => "zip archive",
            DocKind::Unknown => "unknown format",
        }
    }
}

/// Which metadata field a value is; the same key is used across formats (PDF `/Author`, OOXML `dc:creator`,
/// EXIF `Artist` and OLE `PIDSI_AUTHOR` are all [`MetaKey::Author`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetaKey {
    /// The author / creator (a person); EXIF Artist, IPTC By-line, XMP dc:creator.
    Author,
    /// Who saved the document last.
    LastModifiedBy,
    /// The company / organisation the software is registered to.
    Company,
    /// The document's manager (OOXML, OLE).
    Manager,
    /// Who wrote the caption (IPTC Writer-Editor, XMP photoshop:CaptionWriter).
    CaptionWriter,
    /// The camera owner's name (EXIF CameraOwnerName).
    Owner,
    /// Who printed the document last (ODF).
    PrintedBy,
    /// A copyright notice (often names a person).
    Copyright,
    /// A credit line (IPTC / XMP).
    Credit,
    /// When the document was created (EXIF: when the image was digitized).
    Created,
    /// When the document was last saved.
    Modified,
    /// When the document was last printed.
    Printed,
    /// When the metadata itself was last changed (XMP).
    MetadataDate,
    /// When the photo was taken (EXIF DateTimeOriginal).
    DateTimeOriginal,
    /// Revision number / editing cycles.
    Revision,
    /// Total editing time; see [`MetaField::duration_secs`].
    TotalEditTime,
    /// The application that created the document (PDF /Creator, XMP CreatorTool, OOXML Application ...).
    Application,
    /// The application's version (OOXML AppVersion).
    AppVersion,
    /// The program that wrote the PDF (often differs from the application).
    Producer,
    /// The template the document was based on.
    Template,
    /// The software that last processed an image (EXIF Software).
    Software,
    /// The file format version (e.g. PDF version from the header).
    FormatVersion,
    /// Title.
    Title,
    /// Subject.
    Subject,
    /// Description / comments / caption.
    Description,
    /// Keywords.
    Keywords,
    /// Category.
    Category,
    /// Camera maker (EXIF Make).
    CameraMake,
    /// Camera model (EXIF Model).
    CameraModel,
    /// Lens model.
    LensModel,
    /// Camera body serial number: links photos to one device.
    SerialNumber,
    /// GPS latitude in signed decimal degrees (north positive).
    GpsLatitude,
    /// GPS longitude in signed decimal degrees (east positive).
    GpsLongitude,
    /// GPS altitude in metres (negative below sea level).
    GpsAltitude,
    /// GPS date and time (UTC by definition).
    GpsTimestamp,
    /// City (IPTC / XMP).
    City,
    /// Province or state (IPTC / XMP).
    State,
    /// Country (IPTC / XMP).
    Country,
    /// XMP document ID (shared by all versions of one document).
    DocumentId,
    /// XMP instance ID (one saved version).
    InstanceId,
    /// XMP original document ID (the document this one was derived from).
    OriginalDocumentId,
    /// A user-defined property (OOXML custom.xml, ODF meta:user-defined, non-standard PDF Info keys); the
    /// property's name is in [`MetaField::label`].
    Custom,
}

impl MetaKey {
    /// The default human label, e.g. "Last modified by".
    pub fn label(self) -> &'static str {
        match self {
            MetaKey::Author => "Author",
            MetaKey::LastModifiedBy => "Last modified by",
            MetaKey::Company => "Company",
            MetaKey::Manager => "Manager",
            MetaKey::CaptionWriter => "Caption writer",
            MetaKey::Owner => "Camera owner",
            MetaKey::PrintedBy => "Printed by",
            MetaKey::Copyright => "Copyright",
            MetaKey::Credit => "Credit",
            MetaKey::Created => "Created",
            MetaKey::Modified => "Modified",
            MetaKey::Printed => "Last printed",
            MetaKey::MetadataDate => "Metadata changed",
            MetaKey::DateTimeOriginal => "Taken",
            MetaKey::Revision => "Revision",
            MetaKey::TotalEditTime => "Total edit time",
            MetaKey::Application => "Application",
            MetaKey::AppVersion => "Application version",
            MetaKey::Producer => "Producer",
            MetaKey::Template => "Template",
            MetaKey::Software => "Software",
            MetaKey::FormatVersion => "Format version",
            MetaKey::Title => "Title",
            MetaKey::Subject => "Subject",
            MetaKey::Description => "Description",
            MetaKey::Keywords => "Keywords",
            MetaKey::Category => "Category",
            MetaKey::CameraMake => "Camera make",
            MetaKey::CameraModel => "Camera model",
            MetaKey::LensModel => "Lens",
            MetaKey::SerialNumber => "Camera serial number",
            MetaKey::GpsLatitude => "GPS latitude",
            MetaKey::GpsLongitude => "GPS longitude",
            MetaKey::GpsAltitude => "GPS altitude (m)",
            MetaKey::GpsTimestamp => "GPS time (UTC)",
            MetaKey::City => "City",
            MetaKey::State => "State / province",
            MetaKey::Country => "Country",
            MetaKey::DocumentId => "Document ID",
            MetaKey::InstanceId => "Instance ID",
            MetaKey::OriginalDocumentId => "Original document ID",
            MetaKey::Custom => "Custom property",
        }
    }

    /// True for fields that name a person or organisation; those get [`MetaField::scripts`].
    pub fn is_person(self) -> bool {
        matches!(
            self,
            MetaKey::Author
                | MetaKey::LastModifiedBy
                | MetaKey::Company
                | MetaKey::Manager
                | MetaKey::CaptionWriter
                | MetaKey::Owner
                | MetaKey::PrintedBy
                | MetaKey::Copyright
                | MetaKey::Credit
        )
    }
}

/// Where in the file a value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaSource {
    /// OOXML `docProps/core.xml` (Dublin Core properties).
    OoxmlCore,
    /// OOXML `docProps/app.xml` (extended properties).
    OoxmlApp,
    /// OOXML `docProps/custom.xml` (custom properties).
    OoxmlCustom,
    /// ODF `meta.xml`.
    OdfMeta,
    /// The PDF header or trailer's Info dictionary.
    PdfInfo,
    /// An XMP packet (PDF catalog, JPEG APP1, Photoshop resources).
    Xmp,
    /// EXIF/TIFF tags (JPEG APP1, TIFF IFDs, Photoshop resources).
    Exif,
    /// IPTC-IIM records (JPEG APP13 / Photoshop resources).
    Iptc,
    /// PNG chunks (`tEXt`, `zTXt`, `iTXt`, `tIME`).
    Png,
    /// OLE2 `\x05SummaryInformation`.
    OleSummary,
    /// OLE2 `\x05DocumentSummaryInformation`.
    OleDocSummary,
}

impl MetaSource {
    /// Human name, e.g. "docProps/core.xml".
    pub fn label(self) -> &'static str {
        match self {
            MetaSource::OoxmlCore => "docProps/core.xml",
            MetaSource::OoxmlApp => "docProps/app.xml",
            MetaSource::OoxmlCustom => "docProps/custom.xml",
            MetaSource::OdfMeta => "meta.xml",
            MetaSource::PdfInfo => "PDF Info dictionary",
            MetaSource::Xmp => "XMP",
            MetaSource::Exif => "EXIF",
            MetaSource::Iptc => "IPTC",
            MetaSource::Png => "PNG text chunks",
            MetaSource::OleSummary => "SummaryInformation",
            MetaSource::OleDocSummary => "DocumentSummaryInformation",
        }
    }
}

/// A parsed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetaDate {
    /// The instant as seconds since the Unix epoch. When the file states no time zone
    /// (`offset_minutes == None`), this is the wall-clock time read as if it were UTC.
    pub utc_unix: i64,
    /// The stated offset from UTC in minutes (east positive); `None` when the file gives none (EXIF dates,
    /// many ODF dates): the true instant is then unknown within ±14 hours.
    pub offset_minutes: Option<i32>,
}

impl MetaDate {
    /// e.g. "2005-07-18 18:30:45 UTC", or "2001-05-19 18:36:41 (no time zone)".
    pub fn utc_display(&self) -> String {
        match chrono::DateTime::from_timestamp(self.utc_unix, 0) {
            Some(dt) if self.offset_minutes.is_some() => {
                dt.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            }
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S (no time zone)").to_string(),
            None => format!("@{} (out of range)", self.utc_unix),
        }
    }
}

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaField {
    /// What it is.
    pub key: MetaKey,
    /// Human label, e.g. "Author", "Artist" (EXIF's name for it) or a custom property's own name.
    pub label: String,
    /// The value as the file states it (trimmed; binary values rendered, e.g. OLE FILETIMEs as ISO 8601 and
    /// GPS as signed decimal degrees).
    pub value: String,
    /// Where it was found.
    pub source: MetaSource,
    /// For date fields: the parsed date, when the text could be read.
    pub date: Option<MetaDate>,
    /// For [`MetaKey::TotalEditTime`]: the duration in seconds, when it could be read.
    pub duration_secs: Option<u64>,
    /// For GPS fields: the value as a number.
    pub number: Option<f64>,
    /// For person-name fields ([`MetaKey::is_person`]): the scripts of its letters, in order of appearance.
    pub scripts: Vec<Script>,
}

/// Everything [`extract`] found about one attachment.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMetadata {
    /// What the bytes are.
    pub kind: DocKind,
    /// The values found, grouped by source in file order.
    pub fields: Vec<MetaField>,
    /// Damage, hostile structures that hit a [`Limits`] cap, name/type mismatches.
    pub problems: Vec<Diagnostic>,
}

impl DocMetadata {
    /// The first field with this key, if any.
    pub fn get(&self, key: MetaKey) -> Option<&MetaField> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// All fields with this key.
    pub fn all(&self, key: MetaKey) -> impl Iterator<Item = &MetaField> {
        self.fields.iter().filter(move |f| f.key == key)
    }
}

/// Caps that keep hostile attachments (zip bombs, endless structures) from eating the browser tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most entries a zip's central directory may declare; above it the zip is not opened.
    pub max_zip_entries: u64,
    /// Most bytes one part may inflate to (a zip entry, a PDF stream, an OLE stream).
    pub max_part_bytes: u64,
    /// Most bytes all parts of one document may inflate to together.
    pub max_total_inflated: u64,
    /// Most PDF streams that are inflated while looking for metadata.
    pub max_pdf_streams: usize,
    /// Most fields returned.
    pub max_fields: usize,
    /// Longest value kept, in characters; longer ones are cut.
    pub max_value_chars: usize,
    /// Deepest XML nesting read.
    pub max_xml_depth: usize,
    /// Most XML elements read from one part.
    pub max_xml_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_zip_entries: 20_000,
            max_part_bytes: 8 << 20,
            max_total_inflated: 64 << 20,
            max_pdf_streams: 1_000,
            max_fields: 1_000,
            max_value_chars: 4_096,
            max_xml_depth: 64,
            max_xml_elements: 100_000,
        }
    }
}

/// Read the metadata of one attachment with the default [`Limits`]. `filename` and `declared_type` (the MIME
/// type the mail claims) are only used to report a mismatch with the content. Never panics.
pub fn extract(bytes: &[u8], filename: Option<&str>, declared_type: Option<&str>) -> DocMetadata {
    extract_with_limits(bytes, filename, declared_type, &Limits::default())
}

/// [`extract`] with explicit caps.
pub fn extract_with_limits(
    bytes: &[u8],
    filename: Option<&str>,
    declared_type: Option<&str>,
    limits: &Limits,
) -> DocMetadata {
    let mut ctx = Ctx::new(limits);
    let kind = match sniff(bytes) {
        Sniff::Zip => zip_document(bytes, &mut ctx),
        Sniff::Pdf => {
            pdf::read(bytes, &mut ctx);
            DocKind::Pdf
        }
        Sniff::Jpeg => {
            exif::read_jpeg(bytes, &mut ctx);
            DocKind::Jpeg
        }
        Sniff::Tiff => {
            exif::read_tiff(bytes, &mut ctx);
            DocKind::Tiff
        }
        Sniff::Png => {
            png::read(bytes, &mut ctx);
            DocKind::Png
        }
        Sniff::Heif => {
            heif_webp::read_heif(bytes, &mut ctx);
            DocKind::Heif
        }
        Sniff::Webp => {
            heif_webp::read_webp(bytes, &mut ctx);
            DocKind::Webp
        }
        Sniff::Ole => {
            ole::read(bytes, &mut ctx);
            DocKind::Ole2
        }
        Sniff::Unknown => {
            ctx.problem(Diagnostic::info(
                DiagnosticKind::Other,
                "no document metadata read: the content is not OOXML, OpenDocument, PDF, JPEG, PNG, HEIF, WebP, TIFF or OLE2",
            ));
            DocKind::Unknown
        }
    };
    check_claims(kind, filename, declared_type, &mut ctx);
    DocMetadata {
        kind,
        fields: ctx.fields,
        problems: ctx.problems,
    }
}

/// Whether [`extract`] reads anything from content like this (its own test of the first bytes): a caller
/// that holds many attachments can skip the rest without decoding them twice.
pub fn reads_kind(bytes: &[u8]) -> bool {
    !matches!(sniff(bytes), Sniff::Unknown)
}

enum Sniff {
    Zip,
    Pdf,
    Jpeg,
    Tiff,
    Png,
    Heif,
    Webp,
    Ole,
    Unknown,
}

const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn sniff(bytes: &[u8]) -> Sniff {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Sniff::Zip
    } else if find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        Sniff::Pdf
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Sniff::Jpeg
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Sniff::Tiff
    } else if bytes.starts_with(png::SIGNATURE) {
        Sniff::Png
    } else if heif_webp::is_heif(bytes) {
        Sniff::Heif
    } else if heif_webp::is_webp(bytes) {
        Sniff::Webp
    } else if bytes.starts_with(OLE_MAGIC) {
        Sniff::Ole
    } else {
        Sniff::Unknown
    }
}

/// The kind a file name or a MIME type promises, if it promises one of ours.
fn claimed_kind(filename: Option<&str>, declared_type: Option<&str>) -> Vec<(DocKind, String)> {
    let mut out = Vec::new();
    if let Some(name) = filename {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let kind = match ext.as_str() {
            "docx" | "docm" | "dotx" | "dotm" | "xlsx" | "xlsm" | "xltx" | "pptx" | "pptm"
            | "ppsx" | "potx" => Some(DocKind::Ooxml),
            "odt" | "ods" | "odp" | "odg" | "odf" | "ott" | "ots" | "otp" => Some(DocKind::Odf),
            "pdf" => Some(DocKind::Pdf),
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(DocKind::Jpeg),
            "tif" | "tiff" => Some(DocKind::Tiff),
            "png" => Some(DocKind::Png),
            "heic" | "heif" | "hif" | "avif" => Some(DocKind::Heif),
            "webp" => Some(DocKind::Webp),
            "doc" | "dot" | "xls" | "xlt" | "ppt" | "pps" | "pot" | "msg" | "vsd" | "pub" => {
                Some(DocKind::Ole2)
            }
            _ => None,
        };
        if let Some(k) = kind {
            out.push((k, format!("the file name \"{name}\"")));
        }
    }
    if let Some(mime) = declared_type {
        let m = mime
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let kind = if m.starts_with("application/vnd.openxmlformats-officedocument.") {
            Some(DocKind::Ooxml)
        } else if m.starts_with("application/vnd.oasis.opendocument.") {
            Some(DocKind::Odf)
        } else if m == "application/pdf" {
            Some(DocKind::Pdf)
        } else if m == "image/jpeg" || m == "image/jpg" || m == "image/pjpeg" {
            Some(DocKind::Jpeg)
        } else if m == "image/tiff" {
            Some(DocKind::Tiff)
        } else if m == "image/png" {
            Some(DocKind::Png)
        } else if matches!(m.as_str(), "image/heic" | "image/heif" | "image/heic-sequence" | "image/heif-sequence" | "image/avif") {
            Some(DocKind::Heif)
        } else if m == "image/webp" {
            Some(DocKind::Webp)
        } else if m == "application/msword"
            || m == "application/vnd.ms-excel"
            || m == "application/vnd.ms-powerpoint"
            || m == "application/vnd.ms-outlook"
        {
            Some(DocKind::Ole2)
        } else {
            None
        };
        if let Some(k) = kind {
            out.push((k, format!("the declared type {m}")));
        }
    }
    out
}

fn check_claims(kind: DocKind, filename: Option<&str>, declared_type: Option<&str>, ctx: &mut Ctx) {
    for (claimed, by) in claimed_kind(filename, declared_type) {
        // An encrypted OOXML file is an OLE2 container: that is not a disguise.
        let excused = claimed == DocKind::Ooxml && kind == DocKind::Ole2;
        if claimed != kind && !excused {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::Other,
                format!(
                    "{by} says {}, but the content is {}",
                    claimed.label(),
                    kind.label()
                ),
            ));
        }
    }
}

/// Open a zip and decide OOXML / ODF / plain zip.
fn zip_document(bytes: &[u8], ctx: &mut Ctx) -> DocKind {
    let Some(mut zip) = open_zip(bytes, ctx) else {
        return DocKind::Zip;
    };
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("mimetype") {
        if let Some(m) = read_zip_entry(&mut zip, "mimetype", ctx) {
            let m = String::from_utf8_lossy(&m);
            if m.trim().starts_with("application/vnd.oasis.opendocument.") {
                odf::read(&mut zip, ctx);
                return DocKind::Odf;
            }
        }
    }
    if has("[Content_Types].xml") || names.iter().any(|n| n.starts_with("docProps/")) {
        ooxml::read(&mut zip, &names, ctx);
        return DocKind::Ooxml;
    }
    if has("meta.xml") && has("META-INF/manifest.xml") {
        // An OpenDocument file whose mimetype entry is missing or damaged.
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::Other,
            "zip has meta.xml and META-INF/manifest.xml but no OpenDocument mimetype entry: read as OpenDocument",
        ));
        odf::read(&mut zip, ctx);
        return DocKind::Odf;
    }
    ctx.problem(Diagnostic::info(
        DiagnosticKind::Other,
        format!(
            "zip archive with {} entries and no document properties (not OOXML or OpenDocument)",
            names.len()
        ),
    ));
    DocKind::Zip
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The number of entries the end-of-central-directory record declares, read without trusting anything.
fn declared_zip_entries(bytes: &[u8]) -> Option<u64> {
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    let pos = rfind(tail, b"PK\x05\x06")?;
    let eocd = tail.get(pos..pos + 22)?;
    let entries = u64::from(u16::from_le_bytes([eocd[10], eocd[11]]));
    if entries != 0xFFFF {
        return Some(entries);
    }
    // Zip64: the locator sits just before the EOCD and points at the zip64 EOCD record.
    let loc_start = (tail_start + pos).checked_sub(20)?;
    let loc = bytes.get(loc_start..loc_start + 20)?;
    if &loc[..4] != b"PK\x06\x07" {
        return Some(entries);
    }
    let off = usize::try_from(u64::from_le_bytes(loc[8..16].try_into().ok()?)).ok()?;
    let rec = bytes.get(off..off.checked_add(56)?)?;
    if &rec[..4] != b"PK\x06\x06" {
        return Some(entries);
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

fn open_zip<'a>(bytes: &'a [u8], ctx: &mut Ctx) -> Option<Zip<'a>> {
    if let Some(n) = declared_zip_entries(bytes) {
        if n > ctx.limits.max_zip_entries {
            ctx.problem(Diagnostic::error(
                DiagnosticKind::Other,
                format!(
                    "zip bomb guard: the archive declares {n} entries, more than the limit of {}; not opened",
                    ctx.limits.max_zip_entries
                ),
            ));
            return None;
        }
    }
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => Some(z),
        Err(e) => {
            ctx.problem(Diagnostic::error(
                DiagnosticKind::BadEncoding,
                format!("unreadable zip archive: {e}"),
            ));
            None
        }
    }
}

/// Read one zip entry by name, inflating at most the per-part and remaining total budget.
fn read_zip_entry(zip: &mut Zip<'_>, name: &str, ctx: &mut Ctx) -> Option<Vec<u8>> {
    let mut file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return None,
        Err(e) => {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!("zip entry \"{name}\" cannot be read: {e}"),
            ));
            return None;
        }
    };
    let cap = ctx.part_budget();
    let declared = file.size();
    if declared > cap {
        ctx.problem(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "zip bomb guard: entry \"{name}\" declares {declared} bytes uncompressed, more than the limit of {cap}; skipped"
            ),
        ));
        return None;
    }
    let mut out = Vec::new();
    let res = (&mut file).take(cap + 1).read_to_end(&mut out);
    drop(file);
    ctx.spend(out.len() as u64);
    if out.len() as u64 > cap {
        ctx.problem(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "zip bomb guard: entry \"{name}\" inflates past the limit of {cap} bytes (its header claimed {declared}); skipped"
            ),
        ));
        return None;
    }
    if let Err(e) = res {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("zip entry \"{name}\" is damaged: {e}"),
        ));
        return None;
    }
    Some(out)
}

/// Inflate a zlib (PDF FlateDecode) stream within the budget. `Err(true)` = over the limit.
fn inflate_zlib(data: &[u8], what: &str, ctx: &mut Ctx) -> Option<Vec<u8>> {
    let cap = ctx.part_budget();
    let mut out = Vec::new();
    let res = flate2::read::ZlibDecoder::new(data)
        .take(cap + 1)
        .read_to_end(&mut out);
    ctx.spend(out.len() as u64);
    if out.len() as u64 > cap {
        ctx.problem(Diagnostic::error(
            DiagnosticKind::Other,
            format!(
                "decompression bomb guard: {what} inflates past the limit of {cap} bytes; skipped"
            ),
        ));
        return None;
    }
    if res.is_err() && out.is_empty() {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("{what}: damaged compressed data"),
        ));
        return None;
    }
    // A truncated stream still gives its readable start.
    Some(out)
}

/// The collector every format reader writes into.
pub(crate) struct Ctx<'l> {
    limits: &'l Limits,
    fields: Vec<MetaField>,
    problems: Vec<Diagnostic>,
    inflated: u64,
    warned_fields: bool,
}

impl<'l> Ctx<'l> {
    fn new(limits: &'l Limits) -> Self {
        Ctx {
            limits,
            fields: Vec::new(),
            problems: Vec::new(),
            inflated: 0,
            warned_fields: false,
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        self.limits
    }

    pub(crate) fn problem(&mut self, d: Diagnostic) {
        // Hostile files can repeat one fault endlessly; a few hundred findings are enough.
        if self.problems.len() < 200 && !self.problems.contains(&d) {
            self.problems.push(d);
        }
    }

    /// Bytes the next part may inflate to.
    pub(crate) fn part_budget(&self) -> u64 {
        self.limits
            .max_part_bytes
            .min(self.limits.max_total_inflated.saturating_sub(self.inflated))
    }

    fn spend(&mut self, n: u64) {
        self.inflated = self.inflated.saturating_add(n);
    }

    /// Add a text field with the key's default label.
    pub(crate) fn text(&mut self, source: MetaSource, key: MetaKey, value: &str) {
        self.push(source, key, key.label(), value, None, None, None);
    }

    /// Add a text field with its own label.
    pub(crate) fn labeled(&mut self, source: MetaSource, key: MetaKey, label: &str, value: &str) {
        self.push(source, key, label, value, None, None, None);
    }

    /// Add a date field; `parse` reads the text. A date that cannot be read is kept as text with a warning.
    pub(crate) fn date(
        &mut self,
        source: MetaSource,
        key: MetaKey,
        label: &str,
        value: &str,
        parse: fn(&str) -> Option<MetaDate>,
    ) {
        let value = clean(value);
        if value.is_empty() {
            return;
        }
        let parsed = parse(&value);
        if parsed.is_none() {
            self.problem(Diagnostic::warning(
                DiagnosticKind::BadDate,
                format!(
                    "{}: {label} \"{value}\" is not a readable date",
                    source.label()
                ),
            ));
        }
        self.push(source, key, label, &value, parsed, None, None);
    }

    /// Add a duration field.
    pub(crate) fn duration(
        &mut self,
        source: MetaSource,
        label: &str,
        value: &str,
        secs: Option<u64>,
    ) {
        self.push(
            source,
            MetaKey::TotalEditTime,
            label,
            value,
            None,
            secs,
            None,
        );
    }

    /// Add a numeric (GPS) field.
    pub(crate) fn number(&mut self, source: MetaSource, key: MetaKey, value: &str, n: f64) {
        self.push(source, key, key.label(), value, None, None, Some(n));
    }

    /// Add a field that already carries a parsed date (binary formats).
    pub(crate) fn parsed_date(
        &mut self,
        source: MetaSource,
        key: MetaKey,
        value: &str,
        d: MetaDate,
    ) {
        self.push(source, key, key.label(), value, Some(d), None, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        source: MetaSource,
        key: MetaKey,
        label: &str,
        value: &str,
        date: Option<MetaDate>,
        duration_secs: Option<u64>,
        number: Option<f64>,
    ) {
        let mut value = clean(value);
        if value.is_empty() {
            return;
        }
        if self.fields.len() >= self.limits.max_fields {
            if !self.warned_fields {
                self.warned_fields = true;
                self.problem(Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!(
                        "more than {} metadata fields: the rest are not shown",
                        self.limits.max_fields
                    ),
                ));
            }
            return;
        }
        if value.chars().count() > self.limits.max_value_chars {
            value = value.chars().take(self.limits.max_value_chars).collect();
            value.push('…');
            self.problem(Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "{}: {label} is longer than {} characters and was cut",
                    source.label(),
                    self.limits.max_value_chars
                ),
            ));
        }
        let label = truncate_chars(label, 200);
        if self
            .fields
            .iter()
            .any(|f| f.source == source && f.key == key && f.label == label && f.value == value)
        {
            return;
        }
        let scripts = if key.is_person() {
            script::scripts(&value)
        } else {
            Vec::new()
        };
        if script::mixes_lookalikes(&scripts) {
            let names: Vec<&str> = scripts.iter().map(|s| s.name()).collect();
            self.problem(Diagnostic::info(
                DiagnosticKind::Other,
                format!(
                    "{}: {label} \"{value}\" mixes {} letters (possible look-alike characters or a transliteration)",
                    source.label(),
                    names.join(" and ")
                ),
            ));
        }
        self.fields.push(MetaField {
            key,
            label,
            value,
            source,
            date,
            duration_secs,
            number,
            scripts,
        });
    }
}

/// Trim whitespace and NULs, and drop other control characters (keep line breaks and tabs as spaces).
fn clean(s: &str) -> String {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    t.chars()
        .filter(|&c| c != '\0')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Position of the first `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Position of the last `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Decode text that should be UTF-8 but may be Windows-1252 (EXIF ASCII, IPTC without a charset).
pub(crate) fn utf8_or_1252(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn unix_from_parts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    let date = chrono::NaiveDate::from_ymd_opt(y, mo, d)?;
    // Leap second 60 is clamped.
    Some(date.and_hms_opt(h, mi, s.min(59))?.and_utc().timestamp())
}

fn digits(s: &str, n: usize) -> Option<u32> {
    let b = s.as_bytes().get(..n)?;
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.get(..n)?.parse().ok()
}

/// Parse a trailing "Z", "+hh:mm", "+hhmm" or "+hh" zone; `None` inside = no zone; `Err` = junk.
fn parse_zone(z: &str) -> Result<Option<i32>, ()> {
    let z = z.trim();
    if z.is_empty() {
        return Ok(None);
    }
    if z == "Z" || z == "z" {
        return Ok(Some(0));
    }
    let sign = match z.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(()),
    };
    let rest: String = z[1..].chars().filter(|c| *c != ':').collect();
    let (h, m) = match rest.len() {
        2 => (digits(&rest, 2).ok_or(())?, 0),
        4 => (
            digits(&rest, 2).ok_or(())?,
            digits(&rest[2..], 2).ok_or(())?,
        ),
        _ => return Err(()),
    };
    if h > 23 || m > 59 {
        return Err(());
    }
    Ok(Some(sign * (h as i32 * 60 + m as i32)))
}

/// ISO 8601 / W3CDTF: "2009-10-24T01:41:00Z", "2010-04-19T11:16:49.13", "2004-02-26", "2005-07-18T14:30:45-04:00".
/// EXIF-style "2004:02:26 09:36:46" is accepted too (XMP writers mix them).
pub(crate) fn parse_iso_date(s: &str) -> Option<MetaDate> {
    let s = s.trim();
    if s.len() < 4 || !s.is_char_boundary(4) {
        return None;
    }
    let y = i32::try_from(digits(s, 4)?).ok()?;
    let rest = &s[4..];
    let (mo, d, rest) = if rest.is_empty() {
        (1, 1, "")
    } else {
        let sep = rest.as_bytes()[0];
        if sep != b'-' && sep != b':' {
            return None;
        }
        let mo = digits(rest.get(1..)?, 2)?;
        let rest = rest.get(3..)?;
        if rest.is_empty() {
            (mo, 1, "")
        } else {
            if rest.as_bytes()[0] != sep {
                return None;
            }
            (mo, digits(rest.get(1..)?, 2)?, rest.get(3..)?)
        }
    };
    let (h, mi, sec, zone) = if rest.is_empty() {
        (0, 0, 0, "")
    } else {
        let t = rest.get(1..)?;
        if !matches!(rest.as_bytes()[0], b'T' | b't' | b' ') {
            return None;
        }
        let h = digits(t, 2)?;
        if t.as_bytes().get(2) != Some(&b':') {
            return None;
        }
        let mi = digits(t.get(3..)?, 2)?;
        let mut t = t.get(5..)?;
        let mut sec = 0;
        if t.as_bytes().first() == Some(&b':') {
            sec = digits(t.get(1..)?, 2)?;
            t = t.get(3..)?;
            if t.as_bytes().first() == Some(&b'.') || t.as_bytes().first() == Some(&b',') {
                let frac_end = t[1..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(t.len(), |i| i + 1);
                t = &t[frac_end..];
            }
        }
        (h, mi, sec, t)
    };
    let offset = parse_zone(zone).ok()?;
    let local = unix_from_parts(y, mo, d, h, mi, sec)?;
    Some(MetaDate {
        utc_unix: local - i64::from(offset.unwrap_or(0)) * 60,
        offset_minutes: offset,
    })
}

/// A Windows FILETIME (100 ns ticks since 1601-01-01 UTC); `None` for 0 (= never) and absurd values.
pub(crate) fn filetime(ticks: u64) -> Option<MetaDate> {
    if ticks == 0 {
        return None;
    }
    let secs = i64::try_from(ticks / 10_000_000).ok()? - 11_644_473_600;
    // Before 1980 or after 2200: not a real document date.
    if !(315_532_800..=7_258_118_400).contains(&secs) {
        return None;
    }
    Some(MetaDate {
        utc_unix: secs,
        offset_minutes: Some(0),
    })
}

/// Render a UTC instant as ISO 8601 with "Z".
pub(crate) fn iso_utc(unix: i64) -> String {
    match chrono::DateTime::from_timestamp(unix, 0) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("@{unix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        // A stored (uncompressed) zip written by hand, so the tests need no zip writer.
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            let crc = crc32(data);
            let mut local = Vec::new();
            local.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00");
            local.extend_from_slice(&crc.to_le_bytes());
            local.extend_from_slice(&(data.len() as u32).to_le_bytes());
            local.extend_from_slice(&(data.len() as u32).to_le_bytes());
            local.extend_from_slice(&(name.len() as u16).to_le_bytes());
            local.extend_from_slice(&0u16.to_le_bytes());
            local.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&local);
            out.extend_from_slice(data);
            central
                .extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00");
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Роша Георгий</dc:creator><cp:lastModifiedBy>J&#x0435;ff &amp; co</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2017-04-27T10:02:00Z</dcterms:created></cp:coreProperties>"#;

    #[test]
    fn ooxml_from_hand_made_zip_with_scripts() {
        let z = zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("docProps/core.xml", CORE.as_bytes()),
        ]);
        let m = extract(&z, Some("x.docx"), None);
        assert_eq!(m.kind, DocKind::Ooxml);
        let a = m.get(MetaKey::Author).expect("author");
        assert_eq!(a.value, "Роша Георгий");
        assert_eq!(a.scripts, [Script::Cyrillic]);
        let l = m.get(MetaKey::LastModifiedBy).expect("lmb");
        assert_eq!(l.value, "J\u{435}ff & co");
        assert_eq!(l.scripts, [Script::Latin, Script::Cyrillic]);
        assert!(m
            .problems
            .iter()
            .any(|p| p.text.contains("mixes Latin and Cyrillic")));
        let c = m.get(MetaKey::Created).expect("created");
        assert_eq!(c.date.map(|d| d.utc_unix), Some(1_493_287_320));
    }

    #[test]
    fn zip_bomb_entry_over_part_cap_is_skipped() {
        // A deflated entry of 4 MiB zeros: ~4 KiB compressed, over a 1 MiB part cap.
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &vec![0u8; 4 << 20]).expect("deflate");
        let deflated = enc.finish().expect("deflate");
        let mut z = zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("docProps/core.xml", &deflated),
        ]);
        // Patch entry 2 to "deflated" (method 8) in both headers, with a lying uncompressed size of 100.
        let local2 = find(&z[4..], b"PK\x03\x04").expect("local 2") + 4;
        z[local2 + 8] = 8;
        z[local2 + 22..local2 + 26].copy_from_slice(&100u32.to_le_bytes());
        let central2 = rfind(&z, b"PK\x01\x02").expect("central 2");
        z[central2 + 10] = 8;
        z[central2 + 24..central2 + 28].copy_from_slice(&100u32.to_le_bytes());
        let limits = Limits {
            max_part_bytes: 1 << 20,
            ..Limits::default()
        };
        let m = extract_with_limits(&z, None, None, &limits);
        assert_eq!(m.kind, DocKind::Ooxml);
        assert!(m.fields.is_empty());
        assert!(
            m.problems
                .iter()
                .any(|p| p.text.contains("zip bomb guard") && p.text.contains("docProps/core.xml")),
            "{:?}",
            m.problems
        );
    }

    #[test]
    fn zip_bomb_declared_size_and_total_budget() {
        let z = zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("docProps/core.xml", CORE.as_bytes()),
        ]);
        let limits = Limits {
            max_part_bytes: 100,
            ..Limits::default()
        };
        let m = extract_with_limits(&z, None, None, &limits);
        assert!(
            m.problems.iter().any(|p| p.text.contains("declares")),
            "{:?}",
            m.problems
        );
        assert!(m.get(MetaKey::Author).is_none());
        let limits = Limits {
            max_total_inflated: 10,
            ..Limits::default()
        };
        let m = extract_with_limits(&z, None, None, &limits);
        assert!(m.get(MetaKey::Author).is_none());
        assert!(m.problems.iter().any(|p| p.text.contains("zip bomb guard")));
    }

    #[test]
    fn zip_entry_count_cap() {
        let names: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let z = zip_with(&entries);
        assert_eq!(declared_zip_entries(&z), Some(50));
        let limits = Limits {
            max_zip_entries: 10,
            ..Limits::default()
        };
        let m = extract_with_limits(&z, None, None, &limits);
        assert_eq!(m.kind, DocKind::Zip);
        assert!(
            m.problems[0].text.contains("declares 50 entries"),
            "{:?}",
            m.problems
        );
        // Under the cap: a plain zip.
        let m = extract(&z, None, None);
        assert_eq!(m.kind, DocKind::Zip);
    }

    #[test]
    fn dates() {
        let d = parse_iso_date("2009-10-24T01:41:00Z").expect("z");
        assert_eq!((d.utc_unix, d.offset_minutes), (1_256_348_460, Some(0)));
        let d = parse_iso_date("2005-07-18T14:30:45-04:00").expect("off");
        assert_eq!(d.utc_unix, 1_121_711_445);
        assert_eq!(d.utc_display(), "2005-07-18 18:30:45 UTC");
        let d = parse_iso_date("2010-04-19T11:16:49.13").expect("floating");
        assert_eq!(d.offset_minutes, None);
        assert_eq!(d.utc_display(), "2010-04-19 11:16:49 (no time zone)");
        assert!(parse_iso_date("2004-02-26").is_some());
        assert!(parse_iso_date("2004:02:26 09:36:46").is_some());
        assert!(parse_iso_date("yesterday").is_none());
        assert!(parse_iso_date("2004-13-45").is_none());
        assert!(parse_iso_date("2004-02-26T09:36:46+99:00").is_none());
        assert!(parse_iso_date("2é").is_none());
        assert_eq!(filetime(0), None);
        assert_eq!(
            filetime(130_416_885_000_000_000).map(|d| iso_utc(d.utc_unix)),
            Some("2014-04-11T11:15:00Z".to_string())
        );
    }

    #[test]
    fn mismatch_and_unknown() {
        let m = extract(b"GIF89a\x01\0\x01\0....", Some("scan.pdf"), Some("application/pdf"));
        assert_eq!(m.kind, DocKind::Unknown);
        assert_eq!(
            m.problems
                .iter()
                .filter(|p| p.text.contains("says PDF, but the content is unknown"))
                .count(),
            2
        );
        let m = extract(b"\x89PNG\r\n\x1a\n....", Some("scan.pdf"), None);
        assert_eq!(m.kind, DocKind::Png);
        assert!(m.problems.iter().any(|p| p.text.contains("says PDF, but the content is PNG image")));
        let m = extract(b"", None, None);
        assert_eq!(m.kind, DocKind::Unknown);
        assert!(m.fields.is_empty());
    }

    #[test]
    fn long_values_are_cut_and_fields_capped() {
        let limits = Limits {
            max_value_chars: 5,
            max_fields: 1,
            ..Limits::default()
        };
        let mut ctx = Ctx::new(&limits);
        ctx.text(MetaSource::PdfInfo, MetaKey::Title, "abcdefgh");
        ctx.text(MetaSource::PdfInfo, MetaKey::Subject, "x");
        assert_eq!(ctx.fields.len(), 1);
        assert_eq!(ctx.fields[0].value, "abcde…");
        assert_eq!(ctx.problems.len(), 2);
    }
}
