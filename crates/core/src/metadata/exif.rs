//! Images: EXIF (camera, software, dates, GPS) via kamadak-exif, plus the XMP and IPTC blocks of JPEG files.
//!
//! A JPEG is walked segment by segment (bounds-checked, stops at the image data): APP1 `Exif` holds a TIFF
//! structure, APP1 `http://ns.adobe.com/xap/1.0/` an XMP packet, APP13 `Photoshop 3.0` Photoshop image
//! resources, whose resource 0x0404 is IPTC-IIM (and 0x0422 / 0x0424 EXIF / XMP, as Photoshop writes them into
//! PDFs too, see [`read_photoshop_resources`]). A TIFF file is itself the EXIF structure.

use exif::{In, Tag, Value};

use super::{utf8_or_1252, xmp, Ctx, MetaDate, MetaKey, MetaSource};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// Most JPEG segments walked before giving up (real files have a handful).
const MAX_SEGMENTS: usize = 4_096;

/// Read a JPEG's EXIF, XMP and IPTC.
pub(crate) fn read_jpeg(bytes: &[u8], ctx: &mut Ctx) {
    let mut pos = 2; // after SOI
    let mut segments = 0;
    let mut found_any = false;
    while pos + 4 <= bytes.len() {
        segments += 1;
        if segments > MAX_SEGMENTS {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::Other,
                format!("JPEG has more than {MAX_SEGMENTS} segments before the image data; the rest is ignored"),
            ));
            break;
        }
        if bytes[pos] != 0xFF {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!(
                    "JPEG: expected a segment marker at byte {pos}; metadata after it is not read"
                ),
            ));
            break;
        }
        let marker = bytes[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            pos += 2;
            continue;
        }
        if marker == 0xD9 || marker == 0xDA {
            break; // end of image / start of scan: no metadata after this
        }
        let len = usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
        if len < 2 || pos + 2 + len > bytes.len() {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!("JPEG: segment 0x{marker:02X} at byte {pos} runs past the end of the file"),
            ));
            break;
        }
        let payload = &bytes[pos + 4..pos + 2 + len];
        match marker {
            0xE1 if payload.starts_with(b"Exif\0") => {
                found_any = true;
                let tiff = payload.get(6..).unwrap_or_default();
                read_exif(tiff, ctx);
            }
            0xE1 if payload.starts_with(b"http://ns.adobe.com/xap/1.0/\0") => {
                found_any = true;
                xmp::read(&payload[29..], ctx);
            }
            0xED if payload.starts_with(b"Photoshop 3.0\0") => {
                found_any = true;
                read_photoshop_resources(&payload[14..], ctx);
            }
            _ => {}
        }
        pos += 2 + len;
    }
    if !found_any {
        ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            "JPEG without EXIF, XMP or IPTC metadata",
        ));
    }
}

/// Read a TIFF file's tags.
pub(crate) fn read_tiff(bytes: &[u8], ctx: &mut Ctx) {
    read_exif(bytes, ctx);
}

/// Parse a TIFF-structured EXIF block and emit its fields.
pub(crate) fn read_exif(tiff: &[u8], ctx: &mut Ctx) {
    let exif = match exif::Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
    {
        Ok(e) => e,
        Err(exif::Error::PartialResult(p)) => {
            let (e, errors) = p.into_inner();
            if let Some(first) = errors.first() {
                ctx.problem(Diagnostic::warning(
                    DiagnosticKind::BadEncoding,
                    format!(
                        "EXIF partly damaged ({} errors, first: {first})",
                        errors.len()
                    ),
                ));
            }
            e
        }
        Err(e) => {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!("unreadable EXIF block: {e}"),
            ));
            return;
        }
    };
    let s = MetaSource::Exif;
    let get = |tag: Tag| exif.get_field(tag, In::PRIMARY).map(|f| &f.value);
    let text = |tag: Tag| get(tag).and_then(ascii);
    let offset = |tag: Tag| text(tag).and_then(|t| super::parse_zone(&t).ok().flatten());

    for (tag, key, label) in [
        (Tag::Make, MetaKey::CameraMake, "Camera make"),
        (Tag::Model, MetaKey::CameraModel, "Camera model"),
        (Tag::Software, MetaKey::Software, "Software"),
        (Tag::Artist, MetaKey::Author, "Artist"),
        (Tag::Copyright, MetaKey::Copyright, "Copyright"),
        (
            Tag::ImageDescription,
            MetaKey::Description,
            "Image description",
        ),
        (Tag::CameraOwnerName, MetaKey::Owner, "Camera owner"),
        (
            Tag::BodySerialNumber,
            MetaKey::SerialNumber,
            "Camera serial number",
        ),
        (Tag::LensModel, MetaKey::LensModel, "Lens"),
    ] {
        if let Some(v) = text(tag) {
            ctx.labeled(s, key, label, &v);
        }
    }
    // Windows Explorer's "Authors" (XPAuthor, UCS-2 bytes in IFD0).
    if let Some(Value::Byte(b)) = get(Tag(exif::Context::Tiff, 0x9C9D)) {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        ctx.labeled(
            s,
            MetaKey::Author,
            "Authors (Windows)",
            &String::from_utf16_lossy(&units),
        );
    }
    for (tag, off_tag, key, label) in [
        (
            Tag::DateTimeOriginal,
            Tag::OffsetTimeOriginal,
            MetaKey::DateTimeOriginal,
            "Taken",
        ),
        (
            Tag::DateTimeDigitized,
            Tag::OffsetTimeDigitized,
            MetaKey::Created,
            "Digitized",
        ),
        (
            Tag::DateTime,
            Tag::OffsetTime,
            MetaKey::Modified,
            "Modified",
        ),
    ] {
        if let Some(v) = text(tag) {
            let parsed = parse_exif_date(&v).map(|d| match offset(off_tag) {
                Some(off) => MetaDate {
                    utc_unix: d.utc_unix - i64::from(off) * 60,
                    offset_minutes: Some(off),
                },
                None => d,
            });
            if parsed.is_none() {
                ctx.date(s, key, label, &v, |_| None);
            } else {
                ctx.push(s, key, label, &v, parsed, None, None);
            }
        }
    }
    // GPS.
    let coord = |tag: Tag, ref_tag: Tag, neg: &[u8]| -> Option<f64> {
        let Value::Rational(r) = get(tag)? else {
            return None;
        };
        let part = |i: usize| r.get(i).filter(|x| x.denom != 0).map(|x| x.to_f64());
        let v = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
        let sign = match get(ref_tag).and_then(ascii) {
            Some(t) if t.as_bytes().first().is_some_and(|c| neg.contains(c)) => -1.0,
            _ => 1.0,
        };
        Some(sign * v).filter(|v| v.is_finite())
    };
    if let Some(lat) = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, b"Ss") {
        ctx.number(s, MetaKey::GpsLatitude, &format!("{lat:.6}"), lat);
    }
    if let Some(lon) = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, b"Ww") {
        ctx.number(s, MetaKey::GpsLongitude, &format!("{lon:.6}"), lon);
    }
    if let Some(Value::Rational(r)) = get(Tag::GPSAltitude) {
        if let Some(a) = r.first().filter(|x| x.denom != 0).map(|x| x.to_f64()) {
            let below =
                matches!(get(Tag::GPSAltitudeRef), Some(Value::Byte(b)) if b.first() == Some(&1));
            let alt = if below { -a } else { a };
            ctx.number(s, MetaKey::GpsAltitude, &format!("{alt:.1}"), alt);
        }
    }
    if let (Some(date), Some(Value::Rational(t))) =
        (text(Tag::GPSDateStamp), get(Tag::GPSTimeStamp))
    {
        let part = |i: usize| t.get(i).filter(|x| x.denom != 0).map(|x| x.to_f64());
        if let (Some(h), Some(m), Some(sec)) = (part(0), part(1), part(2)) {
            let value = format!("{date} {:02}:{:02}:{:02}", h as u32, m as u32, sec as u32);
            let parsed = parse_exif_date(&value).map(|d| MetaDate {
                utc_unix: d.utc_unix,
                offset_minutes: Some(0),
            });
            ctx.push(
                s,
                MetaKey::GpsTimestamp,
                "GPS time (UTC)",
                &value,
                parsed,
                None,
                None,
            );
        }
    }
}

/// The first non-empty ASCII string of a value (EXIF "ASCII" is often UTF-8 or Windows-1252 in practice).
fn ascii(v: &Value) -> Option<String> {
    match v {
        Value::Ascii(parts) => parts
            .iter()
            .map(|p| utf8_or_1252(p))
            .find(|t| !t.trim().trim_matches('\0').is_empty()),
        Value::Undefined(b, _) | Value::Byte(b) => {
            Some(utf8_or_1252(b)).filter(|t| !t.trim().trim_matches('\0').is_empty())
        }
        _ => None,
    }
}

/// EXIF "YYYY:MM:DD HH:MM:SS" (no zone).
pub(crate) fn parse_exif_date(s: &str) -> Option<MetaDate> {
    let d = super::parse_iso_date(s.trim())?;
    // EXIF itself never carries a zone in the string.
    Some(MetaDate {
        utc_unix: d.utc_unix,
        offset_minutes: d.offset_minutes,
    })
}

/// Photoshop image resource blocks ("8BIM" + id + Pascal name + size + data): IPTC (0x0404), EXIF (0x0422,
/// 0x0423) and XMP (0x0424).
pub(crate) fn read_photoshop_resources(data: &[u8], ctx: &mut Ctx) {
    let mut pos = 0usize;
    let mut blocks = 0;
    while pos + 12 <= data.len() && blocks < 10_000 {
        blocks += 1;
        if &data[pos..pos + 4] != b"8BIM" {
            break;
        }
        let id = u16::from_be_bytes([data[pos + 4], data[pos + 5]]);
        let name_len = usize::from(data[pos + 6]);
        let mut p = pos + 6 + 1 + name_len;
        if (1 + name_len) % 2 == 1 {
            p += 1;
        }
        let Some(size_bytes) = data.get(p..p + 4) else {
            break;
        };
        let size = u32::from_be_bytes([size_bytes[0], size_bytes[1], size_bytes[2], size_bytes[3]])
            as usize;
        let start = p + 4;
        let Some(block) = start.checked_add(size).and_then(|end| data.get(start..end)) else {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!("Photoshop resource 0x{id:04X} runs past the end of its data"),
            ));
            break;
        };
        match id {
            0x0404 => read_iptc(block, ctx),
            0x0422 | 0x0423 => {
                // Photoshop stores EXIF with or without the "Exif\0\0" header.
                let tiff = block.strip_prefix(b"Exif\0\0").unwrap_or(block);
                read_exif(tiff, ctx);
            }
            0x0424 => xmp::read(block, ctx),
            _ => {}
        }
        pos = start + size + (size % 2);
    }
}

/// IPTC-IIM datasets of record 2 (application record).
fn read_iptc(data: &[u8], ctx: &mut Ctx) {
    let s = MetaSource::Iptc;
    let mut utf8 = false;
    let mut pos = 0usize;
    let mut keywords: Vec<String> = Vec::new();
    let (mut date, mut time) = (None, None);
    while pos + 5 <= data.len() {
        if data[pos] != 0x1C {
            break;
        }
        let (record, dataset) = (data[pos + 1], data[pos + 2]);
        let len = usize::from(u16::from_be_bytes([data[pos + 3], data[pos + 4]]));
        if len & 0x8000 != 0 {
            // Extended-length dataset (used for huge binary blobs, never for text we read): stop.
            break;
        }
        let Some(value) = data.get(pos + 5..pos + 5 + len) else {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                "IPTC dataset runs past the end of its block",
            ));
            break;
        };
        pos += 5 + len;
        if record == 1 && dataset == 90 {
            utf8 = value == b"\x1B%G";
            continue;
        }
        if record != 2 {
            continue;
        }
        let text = if utf8 {
            String::from_utf8_lossy(value).into_owned()
        } else {
            utf8_or_1252(value)
        };
        match dataset {
            5 => ctx.labeled(s, MetaKey::Title, "Object name", &text),
            25 => keywords.push(text),
            55 => date = Some(text),
            60 => time = Some(text),
            80 => ctx.labeled(s, MetaKey::Author, "By-line", &text),
            90 => ctx.text(s, MetaKey::City, &text),
            95 => ctx.text(s, MetaKey::State, &text),
            101 => ctx.text(s, MetaKey::Country, &text),
            110 => ctx.text(s, MetaKey::Credit, &text),
            116 => ctx.text(s, MetaKey::Copyright, &text),
            120 => ctx.labeled(s, MetaKey::Description, "Caption", &text),
            122 => ctx.labeled(s, MetaKey::CaptionWriter, "Writer/editor", &text),
            _ => {}
        }
    }
    keywords.retain(|k| !k.trim().is_empty());
    ctx.text(s, MetaKey::Keywords, &keywords.join(", "));
    if let Some(d) = date {
        let value = match &time {
            Some(t) => format!("{} {}", d.trim(), t.trim()),
            None => d.trim().to_string(),
        };
        ctx.date(s, MetaKey::Created, "Date created", &value, parse_iptc_date);
    }
}

/// IPTC "CCYYMMDD" optionally followed by " HHMMSS±HHMM".
fn parse_iptc_date(s: &str) -> Option<MetaDate> {
    let (d, t) = s.split_once(' ').unwrap_or((s, ""));
    if d.len() != 8 || !d.is_ascii() {
        return None;
    }
    let mut iso = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]);
    if t.len() >= 6 && t.is_ascii() {
        iso.push_str(&format!(
            "T{}:{}:{}{}",
            &t[..2],
            &t[2..4],
            &t[4..6],
            &t[6..]
        ));
    }
    super::parse_iso_date(&iso)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Limits;

    #[test]
    fn iptc_records_and_dates() {
        let mut d = Vec::new();
        for (ds, v) in [
            (80u8, "Phil Harvey".as_bytes()),
            (25, b"a"),
            (25, b"b"),
            (55, b"20040226"),
            (60, b"093646+0100"),
        ] {
            d.extend_from_slice(&[0x1C, 2, ds]);
            d.extend_from_slice(&(v.len() as u16).to_be_bytes());
            d.extend_from_slice(v);
        }
        d.extend_from_slice(&[0x1C, 2, 5, 0, 200]); // truncated dataset
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        read_iptc(&d, &mut ctx);
        let vals: Vec<(MetaKey, &str)> = ctx
            .fields
            .iter()
            .map(|f| (f.key, f.value.as_str()))
            .collect();
        assert_eq!(
            vals,
            [
                (MetaKey::Author, "Phil Harvey"),
                (MetaKey::Keywords, "a, b"),
                (MetaKey::Created, "20040226 093646+0100")
            ]
        );
        assert_eq!(ctx.fields[2].date.map(|d| d.utc_unix), Some(1_077_784_606));
        assert_eq!(ctx.problems.len(), 1);
    }

    #[test]
    fn hostile_jpeg_segments() {
        let limits = Limits::default();
        for bytes in [
            &b"\xFF\xD8\xFF\xE1\xFF\xFFExif\0\0"[..],
            b"\xFF\xD8\xFF\xE1\x00\x01",
            b"\xFF\xD8\xFF\xED\x00\x20Photoshop 3.0\08BIM\x04\x04\0\0\xFF\xFF\xFF\xFF",
            b"\xFF\xD8\xFF\xE1\x00\x10Exif\0\0II*\0\xFF\xFF\xFF\x7F",
            b"\xFF\xD8\xFF",
        ] {
            let mut ctx = Ctx::new(&limits);
            read_jpeg(bytes, &mut ctx);
            assert!(ctx.fields.is_empty());
            assert!(!ctx.problems.is_empty());
        }
    }
}
