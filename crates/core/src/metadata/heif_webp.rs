//! HEIF/HEIC/AVIF and WebP images: the photos phones send today. Their EXIF (camera, software, dates, GPS)
//! goes to the same reader as a JPEG's.
//!
//! HEIF is an ISO base media file whose EXIF is an item located through the `meta` box's `iinf`/`iloc`:
//! kamadak-exif's container reader finds it (bounds-checked, no allocation from a declared size it cannot
//! read). WebP is a RIFF file whose `EXIF` and `XMP ` chunks are walked here by hand (twenty lines; the crate
//! reads only the EXIF one).

use std::io::Cursor;

use super::{exif, xmp, Ctx};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// Brands (major or compatible, in `ftyp`) of HEIF still images and image sequences, HEIC and AVIF included.
const HEIF_BRANDS: &[&[u8; 4]] = &[b"mif1", b"msf1", b"heic", b"heix", b"heim", b"heis", b"avif", b"avis"];

/// Most RIFF chunks walked in a WebP (a real file has a handful; animations have one per frame).
const MAX_CHUNKS: usize = 100_000;

/// True for an ISO BMFF file whose `ftyp` names a HEIF brand (a video's `ftyp` does not).
pub(crate) fn is_heif(bytes: &[u8]) -> bool {
    if bytes.get(4..8) != Some(b"ftyp") {
        return false;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let Some(ftyp) = bytes.get(8..size.clamp(8, bytes.len().min(4096))) else {
        return false;
    };
    // Major brand, minor version, then compatible brands.
    let major = ftyp.get(..4);
    let compatible = ftyp.get(8..).unwrap_or_default().chunks_exact(4);
    major.into_iter().chain(compatible).any(|b| HEIF_BRANDS.iter().any(|h| b == h.as_slice()))
}

/// True for a RIFF file of type WEBP.
pub(crate) fn is_webp(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"
}

/// Read a HEIF image's EXIF item.
pub(crate) fn read_heif(bytes: &[u8], ctx: &mut Ctx) {
    let found = ::exif::Reader::new().continue_on_error(true).read_from_container(&mut Cursor::new(bytes));
    match found {
        Ok(e) => exif::read_exif(e.buf(), ctx),
        Err(::exif::Error::PartialResult(p)) => {
            let (e, _) = p.into_inner();
            exif::read_exif(e.buf(), ctx);
        }
        Err(::exif::Error::NotFound(_)) => ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            "HEIF image without EXIF metadata",
        )),
        Err(e) => ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("HEIF image: its EXIF cannot be found ({e})"),
        )),
    }
}

/// Read a WebP's `EXIF` and `XMP ` chunks.
pub(crate) fn read_webp(bytes: &[u8], ctx: &mut Ctx) {
    let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let end = declared.saturating_add(8);
    if end > bytes.len() {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("WebP declares {end} bytes but the file has {}: it is cut short", bytes.len()),
        ));
    }
    let end = end.min(bytes.len());
    let mut pos = 12;
    let mut found_any = false;
    let mut chunks = 0;
    while pos + 8 <= end {
        chunks += 1;
        if chunks > MAX_CHUNKS {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::Other,
                format!("WebP has more than {MAX_CHUNKS} chunks; the rest is not read"),
            ));
            break;
        }
        let kind = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]) as usize;
        let Some(data) = bytes[..end].get(pos + 8..).and_then(|rest| rest.get(..len)) else {
            ctx.problem(Diagnostic::warning(
                DiagnosticKind::BadEncoding,
                format!(
                    "WebP: chunk \"{}\" at byte {pos} declares {len} bytes, past the end of the file; metadata after it is not read",
                    String::from_utf8_lossy(kind)
                ),
            ));
            break;
        };
        match kind {
            b"EXIF" => {
                found_any = true;
                // Some writers keep JPEG's "Exif\0\0" in front of the TIFF structure.
                exif::read_exif(data.strip_prefix(b"Exif\0\0").unwrap_or(data), ctx);
            }
            b"XMP " => {
                found_any = true;
                xmp::read(data, ctx);
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        pos += 8 + len + (len & 1);
    }
    if !found_any {
        ctx.problem(Diagnostic::info(DiagnosticKind::Other, "WebP image without EXIF or XMP metadata"));
    }
}
