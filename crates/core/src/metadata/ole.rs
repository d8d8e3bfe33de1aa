//! OLE2 compound files (legacy .doc, .xls, .ppt): the `\x05SummaryInformation` and
//! `\x05DocumentSummaryInformation` property-set streams at the root of the file ([MS-OLEPS]).
//!
//! The container is read with the crate's own panic-free compound-file reader (`ingest::msg::cfb`, also
//! used for Outlook .msg; the `cfb` crate would bring a wasm-bindgen clock into the core); the property
//! sets are parsed here, bounds-checked. 8-bit
//! strings are decoded with the property set's own code page (PID 1), which is how a Cyrillic (1251) or
//! Japanese (932) author name comes out right. Embedded objects (e.g. an Excel sheet inside a Word file,
//! which has its own SummaryInformation under `ObjectPool/`) are not read: only the outer document's.

use super::{filetime, iso_utc, Ctx, MetaKey, MetaSource};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ingest::msg::cfb::{Cfb, EntryKind};

const SUMMARY: &str = "/\u{5}SummaryInformation";
const DOC_SUMMARY: &str = "/\u{5}DocumentSummaryInformation";

/// Read an OLE2 compound file's summary information.
pub(crate) fn read(bytes: &[u8], ctx: &mut Ctx) {
    let comp = match Cfb::open(bytes) {
        Ok(c) => c,
        Err(e) => {
            ctx.problem(Diagnostic::error(
                DiagnosticKind::BadEncoding,
                format!("unreadable OLE2 compound file: {e}"),
            ));
            return;
        }
    };
    let root: Vec<(usize, String)> = comp
        .children(0)
        .into_iter()
        .take(10_000)
        .filter_map(|id| comp.entry(id).map(|e| (id, e.name.clone())))
        .collect();
    if root.iter().any(|(_, n)| n == "EncryptionInfo") {
        ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            "password-protected Office document (an encrypted OOXML package inside OLE2): its properties are encrypted",
        ));
    }
    let mut found = false;
    for (path, source) in [
        (SUMMARY, MetaSource::OleSummary),
        (DOC_SUMMARY, MetaSource::OleDocSummary),
    ] {
        let name = &path[1..];
        let Some(id) = root.iter().find(|(id, n)| {
            n == name && comp.entry(*id).map(|e| e.kind == EntryKind::Stream).unwrap_or(false)
        }).map(|(id, _)| *id) else {
            continue;
        };
        found = true;
        let cap = ctx.part_budget();
        let data = match comp.read_stream(id) {
            Ok(mut d) => {
                if d.len() as u64 > cap {
                    ctx.problem(Diagnostic::error(
                        DiagnosticKind::Other,
                        format!(
                            "OLE2 stream {} holds {} bytes, more than the limit of {cap}; skipped",
                            &path[2..],
                            d.len()
                        ),
                    ));
                    continue;
                }
                d.truncate(cap as usize);
                d
            }
            Err(e) => {
                ctx.problem(Diagnostic::warning(
                    DiagnosticKind::BadEncoding,
                    format!("OLE2 stream {} is damaged: {e}", &path[2..]),
                ));
                continue;
            }
        };
        ctx.spend(data.len() as u64);
        read_property_set(&data, source, ctx);
    }
    if !found {
        ctx.problem(Diagnostic::info(
            DiagnosticKind::Other,
            "OLE2 compound file without SummaryInformation: no document properties",
        ));
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A typed property value.
enum Prop {
    Int(i64),
    Text(Vec<u8>), // VT_LPSTR: code-page bytes
    Wide(String),  // VT_LPWSTR
    Time(u64),     // VT_FILETIME ticks
}

fn read_property_set(data: &[u8], source: MetaSource, ctx: &mut Ctx) {
    let bad = |ctx: &mut Ctx, why: &str| {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("{}: {why}", source.label()),
        ));
    };
    if u16_at(data, 0) != Some(0xFFFE) {
        return bad(ctx, "not a property set (bad byte-order mark)");
    }
    // The first section holds the standard properties (the second, in DocumentSummaryInformation, the
    // user-defined ones, which we do not read).
    let Some(section) = u32_at(data, 44).map(|o| o as usize) else {
        return bad(ctx, "truncated header");
    };
    let Some(count) = u32_at(data, section.saturating_add(4)) else {
        return bad(ctx, "section offset points past the end");
    };
    let count = (count as usize).min(1_000);
    let mut props: Vec<(u32, Prop)> = Vec::new();
    let mut codepage: u16 = 1252;
    for i in 0..count {
        let (Some(id), Some(off)) = (
            u32_at(data, section.saturating_add(8 + i * 8)),
            u32_at(data, section.saturating_add(12 + i * 8)),
        ) else {
            bad(ctx, "property table runs past the end");
            break;
        };
        let at = section.saturating_add(off as usize);
        let Some(vt) = u16_at(data, at) else {
            continue;
        };
        let v = at.saturating_add(4);
        let prop = match vt {
            2 => u16_at(data, v).map(|x| Prop::Int(i64::from(x as i16))),
            3 => u32_at(data, v).map(|x| Prop::Int(i64::from(x as i32))),
            0x13 => u32_at(data, v).map(|x| Prop::Int(i64::from(x))),
            30 => u32_at(data, v).and_then(|n| {
                let n = n as usize;
                data.get(v.saturating_add(4)..v.saturating_add(4).checked_add(n)?)
                    .map(|b| Prop::Text(b.to_vec()))
            }),
            31 => u32_at(data, v).and_then(|n| {
                let n = (n as usize).checked_mul(2)?;
                let b = data.get(v.saturating_add(4)..v.saturating_add(4).checked_add(n)?)?;
                let units: Vec<u16> = b
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                Some(Prop::Wide(String::from_utf16_lossy(&units)))
            }),
            64 => u64_at(data, v).map(Prop::Time),
            _ => None,
        };
        if let Some(p) = prop {
            if id == 1 {
                if let Prop::Int(cp) = p {
                    codepage = cp as u16;
                }
                continue;
            }
            props.push((id, p));
        }
    }
    let summary = source == MetaSource::OleSummary;
    for (id, p) in props {
        let text = match &p {
            Prop::Text(b) => decode_codepage(b, codepage),
            Prop::Wide(s) => s.clone(),
            Prop::Int(n) => n.to_string(),
            Prop::Time(_) => String::new(),
        };
        match (summary, id, &p) {
            (true, 2, _) => ctx.text(source, MetaKey::Title, &text),
            (true, 3, _) => ctx.text(source, MetaKey::Subject, &text),
            (true, 4, _) => ctx.text(source, MetaKey::Author, &text),
            (true, 5, _) => ctx.text(source, MetaKey::Keywords, &text),
            (true, 6, _) => ctx.labeled(source, MetaKey::Description, "Comments", &text),
            (true, 7, _) => ctx.text(source, MetaKey::Template, &text),
            (true, 8, _) => ctx.text(source, MetaKey::LastModifiedBy, &text),
            (true, 9, _) => ctx.text(source, MetaKey::Revision, &text),
            (true, 18, _) => ctx.text(source, MetaKey::Application, &text),
            (true, 10, Prop::Time(t)) => {
                // An interval, not a date: 100 ns ticks.
                let secs = t / 10_000_000;
                let value = format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
                ctx.duration(source, "Total edit time", &value, Some(secs));
            }
            (true, 11..=13, Prop::Time(t)) => {
                let key = match id {
                    11 => MetaKey::Printed,
                    12 => MetaKey::Created,
                    _ => MetaKey::Modified,
                };
                if let Some(d) = filetime(*t) {
                    ctx.parsed_date(source, key, &iso_utc(d.utc_unix), d);
                }
            }
            (false, 2, _) => ctx.text(source, MetaKey::Category, &text),
            (false, 14, _) => ctx.text(source, MetaKey::Manager, &text),
            (false, 15, _) => ctx.text(source, MetaKey::Company, &text),
            _ => {}
        }
    }
}

/// Decode an 8-bit property string with the property set's code page.
fn decode_codepage(b: &[u8], codepage: u16) -> String {
    let b = match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    };
    let enc = match codepage {
        65001 => encoding_rs::UTF_8,
        1200 => encoding_rs::UTF_16LE,
        1201 => encoding_rs::UTF_16BE,
        874 => encoding_rs::WINDOWS_874,
        932 => encoding_rs::SHIFT_JIS,
        936 => encoding_rs::GBK,
        949 => encoding_rs::EUC_KR,
        950 => encoding_rs::BIG5,
        1250 => encoding_rs::WINDOWS_1250,
        1251 => encoding_rs::WINDOWS_1251,
        1253 => encoding_rs::WINDOWS_1253,
        1254 => encoding_rs::WINDOWS_1254,
        1255 => encoding_rs::WINDOWS_1255,
        1256 => encoding_rs::WINDOWS_1256,
        1257 => encoding_rs::WINDOWS_1257,
        1258 => encoding_rs::WINDOWS_1258,
        10000 => encoding_rs::MACINTOSH,
        20866 => encoding_rs::KOI8_R,
        21866 => encoding_rs::KOI8_U,
        28591 => encoding_rs::WINDOWS_1252,
        28592 => encoding_rs::ISO_8859_2,
        28595 => encoding_rs::ISO_8859_5,
        _ => encoding_rs::WINDOWS_1252,
    };
    enc.decode_without_bom_handling(b).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Limits;

    /// A SummaryInformation stream with code page 1251, a Cyrillic author and a creation FILETIME.
    fn summary(author: &[u8], codepage: u16) -> Vec<u8> {
        let mut d = vec![0xFE, 0xFF, 0, 0, 5, 1, 2, 0];
        d.extend_from_slice(&[0; 16]); // CLSID
        d.extend_from_slice(&1u32.to_le_bytes());
        d.extend_from_slice(&[
            0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27,
            0xB3, 0xD9,
        ]);
        d.extend_from_slice(&48u32.to_le_bytes());
        assert_eq!(d.len(), 48);
        let mut props: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut cp = 2u32.to_le_bytes().to_vec();
        cp.extend_from_slice(&codepage.to_le_bytes());
        cp.extend_from_slice(&[0, 0]);
        props.push((1, cp));
        let mut a = 30u32.to_le_bytes().to_vec();
        a.extend_from_slice(&(author.len() as u32 + 1).to_le_bytes());
        a.extend_from_slice(author);
        a.push(0);
        while a.len() % 4 != 0 {
            a.push(0);
        }
        props.push((4, a));
        let mut t = 64u32.to_le_bytes().to_vec();
        t.extend_from_slice(&130_416_885_000_000_000u64.to_le_bytes());
        props.push((12, t));
        props.push((99, vec![0xFF, 0xFF])); // garbage, truncated
        let header_len = 8 + props.len() * 8;
        let mut body = Vec::new();
        let mut table = Vec::new();
        for (id, v) in &props {
            table.extend_from_slice(&id.to_le_bytes());
            table.extend_from_slice(&((header_len + body.len()) as u32).to_le_bytes());
            body.extend_from_slice(v);
        }
        d.extend_from_slice(&((header_len + body.len()) as u32).to_le_bytes());
        d.extend_from_slice(&(props.len() as u32).to_le_bytes());
        d.extend_from_slice(&table);
        d.extend_from_slice(&body);
        d
    }

    #[test]
    fn cyrillic_author_via_codepage() {
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        // "Роша" in Windows-1251.
        read_property_set(
            &summary(b"\xD0\xEE\xF8\xE0", 1251),
            MetaSource::OleSummary,
            &mut ctx,
        );
        assert_eq!(ctx.fields[0].value, "Роша");
        assert_eq!(ctx.fields[0].scripts, [crate::metadata::Script::Cyrillic]);
        assert_eq!(ctx.fields[1].key, MetaKey::Created);
        assert_eq!(ctx.fields[1].value, "2014-04-11T11:15:00Z");
    }

    #[test]
    fn truncated_property_sets_never_panic() {
        let full = summary(b"Laurence Ipsum", 1252);
        let limits = Limits::default();
        for n in 0..full.len() {
            let mut ctx = Ctx::new(&limits);
            read_property_set(&full[..n], MetaSource::OleSummary, &mut ctx);
        }
        let mut bad = full.clone();
        bad[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut ctx = Ctx::new(&limits);
        read_property_set(&bad, MetaSource::OleSummary, &mut ctx);
        assert!(!ctx.problems.is_empty());
    }
}
