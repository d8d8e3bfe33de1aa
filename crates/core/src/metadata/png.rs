//! PNG images: the text chunks (`tEXt`, `zTXt`, `iTXt`: Author, Software, Creation Time, Comment …), the
//! `eXIf` chunk (EXIF, as phones and macOS screenshots write it), XMP (`iTXt` keyword `XML:com.adobe.xmp`),
//! ImageMagick's hex-encoded EXIF/XMP profiles (`Raw profile type …`) and the `tIME` chunk (last change, UTC).
//!
//! Screenshots are the images a leak is full of, and they are PNGs: which program made one, when, and on
//! whose machine is evidence. Written by hand, since the walk is forty lines over a bounds-checked chunk
//! list (PNG 3rd edition §5.3) and the crates that read PNG decode pixels too; EXIF and XMP go to the
//! readers the JPEG path uses (kamadak-exif, quick-xml), compressed text to flate2 within the budget.

use super::{exif, inflate_zlib, parse_iso_date, utf8_or_1252, xmp, Ctx, MetaDate, MetaKey, MetaSource};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// The eight bytes every PNG starts with.
pub(crate) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Most chunks walked (a real file has a few dozen; image data may be split into thousands of IDATs).
const MAX_CHUNKS: usize = 100_000;

/// Read a PNG's metadata chunks. Text chunks after the image data count too (PNG allows them there).
pub(crate) fn read(bytes: &[u8], ctx: &mut Ctx) {
    let mut pos = SIGNATURE.len();
    let mut chunks = 0;
    let mut found_any = false;
    let mut ended = false;
    while pos + 12 <= bytes.len() {
        chunks += 1;
        if chunks > MAX_CHUNKS {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::Other,
                format!("PNG has more than {MAX_CHUNKS} chunks; the rest is not read"),
            ));
            break;
        }
        let len = u32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let Some(data) = bytes.get(pos + 8..).and_then(|rest| rest.get(..len)) else {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!(
                    "PNG: chunk \"{}\" at byte {pos} declares {len} bytes, past the end of the file; metadata after it is not read",
                    String::from_utf8_lossy(kind)
                ),
            ));
            break;
        };
        match kind {
            b"tEXt" => found_any |= text_chunk(data, ctx),
            b"zTXt" => found_any |= ztxt_chunk(data, ctx),
            b"iTXt" => found_any |= itxt_chunk(data, ctx),
            b"eXIf" => {
                found_any = true;
                exif::read_exif(data, ctx);
            }
            b"tIME" => found_any |= time_chunk(data, ctx),
            b"IEND" => {
                ended = true;
                break;
            }
            _ => {}
        }
        pos += 12 + len;
    }
    if !ended && pos + 12 > bytes.len() {
        ctx.problem(Diagnostic::info(
            DiagnosticKind::BadEncoding,
            "PNG ends without its IEND chunk: the file is cut short",
        ));
    }
    if !found_any {
        ctx.problem(Diagnostic::info(DiagnosticKind::Other, "PNG without text, EXIF, XMP or time metadata"));
    }
}

/// `tEXt`: keyword, NUL, Latin-1 text.
fn text_chunk(data: &[u8], ctx: &mut Ctx) -> bool {
    let Some((keyword, text)) = split_keyword(data, "tEXt", ctx) else {
        return false;
    };
    emit(&keyword, &latin1(text), ctx);
    true
}

/// `zTXt`: keyword, NUL, compression method (0 = zlib), compressed Latin-1 text.
fn ztxt_chunk(data: &[u8], ctx: &mut Ctx) -> bool {
    let Some((keyword, rest)) = split_keyword(data, "zTXt", ctx) else {
        return false;
    };
    let Some((&method, compressed)) = rest.split_first() else {
        return bad(ctx, format!("PNG zTXt \"{keyword}\" has no compression method"));
    };
    if method != 0 {
        return bad(ctx, format!("PNG zTXt \"{keyword}\" uses unknown compression method {method}"));
    }
    let Some(text) = inflate_zlib(compressed, &format!("PNG zTXt \"{keyword}\""), ctx) else {
        return false;
    };
    emit(&keyword, &latin1(&text), ctx);
    true
}

/// `iTXt`: keyword, NUL, compression flag, method, language tag, NUL, translated keyword, NUL, UTF-8 text.
fn itxt_chunk(data: &[u8], ctx: &mut Ctx) -> bool {
    let Some((keyword, rest)) = split_keyword(data, "iTXt", ctx) else {
        return false;
    };
    let [flag, method, rest @ ..] = rest else {
        return bad(ctx, format!("PNG iTXt \"{keyword}\" is cut short"));
    };
    // Language tag and translated keyword: skipped (the keyword itself says what the text is).
    let Some(text) = nth_after_nul(rest, 2) else {
        return bad(ctx, format!("PNG iTXt \"{keyword}\" is cut short"));
    };
    let text = match (flag, method) {
        (0, _) => text.to_vec(),
        (1, 0) => match inflate_zlib(text, &format!("PNG iTXt \"{keyword}\""), ctx) {
            Some(t) => t,
            None => return false,
        },
        _ => return bad(ctx, format!("PNG iTXt \"{keyword}\" uses unknown compression {flag}/{method}")),
    };
    if keyword == "XML:com.adobe.xmp" {
        xmp::read(&text, ctx);
    } else {
        emit(&keyword, &utf8_or_1252(&text), ctx);
    }
    true
}

/// `tIME`: the image's last modification, year (2 bytes), month, day, hour, minute, second, in UTC.
fn time_chunk(data: &[u8], ctx: &mut Ctx) -> bool {
    let [y0, y1, mo, d, h, mi, s] = data else {
        return bad(ctx, format!("PNG tIME chunk has {} bytes, not 7", data.len()));
    };
    let year = u16::from_be_bytes([*y0, *y1]);
    let value = format!("{year:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC");
    let date = chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(*mo), u32::from(*d))
        .and_then(|day| day.and_hms_opt(u32::from(*h), u32::from(*mi), u32::from(*s).min(59)));
    match date {
        Some(t) => ctx.parsed_date(
            MetaSource::Png,
            MetaKey::Modified,
            &value,
            MetaDate { utc_unix: t.and_utc().timestamp(), offset_minutes: Some(0) },
        ),
        None => {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadDate,
                format!("PNG tIME \"{value}\" is not a real date"),
            ));
            ctx.text(MetaSource::Png, MetaKey::Modified, &value);
        }
    }
    true
}

/// One text chunk's keyword → the field it fills. The keywords are PNG's registered ones; any other is kept
/// under its own name.
fn emit(keyword: &str, text: &str, ctx: &mut Ctx) {
    let source = MetaSource::Png;
    // The registered keywords are case-sensitive by the spec; writers are not always careful, and a lower-case
    // "author" still names the author.
    match canonical(keyword) {
        "Title" => ctx.text(source, MetaKey::Title, text),
        "Author" => ctx.text(source, MetaKey::Author, text),
        "Description" => ctx.text(source, MetaKey::Description, text),
        "Copyright" => ctx.text(source, MetaKey::Copyright, text),
        "Software" => ctx.text(source, MetaKey::Software, text),
        "Creation Time" => ctx.date(source, MetaKey::Created, MetaKey::Created.label(), text, parse_png_date),
        "Source" => ctx.labeled(source, MetaKey::CameraModel, "Source (device)", text),
        "XML:com.adobe.xmp" => xmp::read(text.as_bytes(), ctx),
        _ if keyword.starts_with("Raw profile type ") => raw_profile(keyword, text, ctx),
        // ImageMagick's "date:create" / "date:modify" are the converting machine's file times, not the
        // image's; kept under their own names like every other keyword.
        _ => ctx.labeled(source, MetaKey::Custom, keyword, text),
    }
}

/// ImageMagick's profiles: "\nexif\n    1234\n" then hex digits (the bytes of the profile). EXIF (with or
/// without its "Exif\0\0" prefix) and XMP are read; others are named.
fn raw_profile(keyword: &str, text: &str, ctx: &mut Ctx) {
    let profile = keyword.trim_start_matches("Raw profile type ").to_ascii_lowercase();
    let mut lines = text.trim_start().splitn(3, '\n');
    let (_name, declared, hex) = (lines.next(), lines.next(), lines.next().unwrap_or_default());
    let declared: Option<usize> = declared.and_then(|d| d.trim().parse().ok());
    let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    let bytes: Vec<u8> = digits
        .chunks_exact(2)
        .map(|p| (hex_val(p[0]) << 4) | hex_val(p[1]))
        .collect();
    if declared.is_some_and(|n| n != bytes.len()) {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!(
                "PNG \"{keyword}\" declares {} bytes but holds {}",
                declared.unwrap_or_default(),
                bytes.len()
            ),
        ));
    }
    match profile.as_str() {
        "exif" | "app1" if bytes.starts_with(b"Exif\0\0") => exif::read_exif(&bytes[6..], ctx),
        "exif" | "app1" if bytes.starts_with(b"http://ns.adobe.com/xap/1.0/\0") => xmp::read(&bytes[29..], ctx),
        "exif" => exif::read_exif(&bytes, ctx),
        "xmp" => xmp::read(&bytes, ctx),
        _ => ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            format!("PNG carries a {profile} profile ({} bytes); its contents are not read", bytes.len()),
        )),
    }
}

/// A registered keyword written in another case, in its registered spelling; any other keyword as it is.
fn canonical(keyword: &str) -> &str {
    const REGISTERED: &[&str] = &["Title", "Author", "Description", "Copyright", "Software", "Creation Time", "Source"];
    REGISTERED.iter().find(|k| k.eq_ignore_ascii_case(keyword)).copied().unwrap_or(keyword)
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// "Creation Time" is free text; the spec recommends RFC 1123 ("Sat, 19 May 2001 18:36:41 +0100"), programs
/// also write ISO 8601 and EXIF's "2001:05:19 18:36:41".
fn parse_png_date(s: &str) -> Option<MetaDate> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc2822(s) {
        return Some(MetaDate { utc_unix: t.timestamp(), offset_minutes: Some(t.offset().local_minus_utc() / 60) });
    }
    parse_iso_date(s).or_else(|| exif::parse_exif_date(s))
}

/// Split a chunk at its keyword's NUL (1–79 Latin-1 bytes by the spec).
fn split_keyword<'a>(data: &'a [u8], chunk: &str, ctx: &mut Ctx) -> Option<(String, &'a [u8])> {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        bad(ctx, format!("PNG {chunk} chunk has no keyword terminator"));
        return None;
    };
    if nul == 0 || nul > 79 {
        ctx.problem(Diagnostic::info(
            DiagnosticKind::BadEncoding,
            format!("PNG {chunk} keyword of {nul} bytes (the format allows 1 to 79)"),
        ));
    }
    Some((latin1(&data[..nul]), &data[nul + 1..]))
}

/// The bytes after the `n`th NUL.
fn nth_after_nul(data: &[u8], n: usize) -> Option<&[u8]> {
    let mut rest = data;
    for _ in 0..n {
        let nul = rest.iter().position(|&b| b == 0)?;
        rest = &rest[nul + 1..];
    }
    Some(rest)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn bad(ctx: &mut Ctx, text: String) -> bool {
    ctx.problem(Diagnostic::warning(DiagnosticKind::BadEncoding, text));
    false
}
