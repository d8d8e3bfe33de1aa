//! PNG metadata ([`leakloupe_core::metadata`]): text chunks, compressed text, XMP, `eXIf`, ImageMagick's raw
//! profiles and `tIME`, on PNGs built here chunk by chunk; damaged and hostile ones give problems, not panics.
//! (The corpus's exiftool sample `PNG.png` is compared with exiftool's dump in `corpus_metadata.rs`.)

use std::io::Write;

use leakloupe_core::metadata::{extract, extract_with_limits, DocKind, DocMetadata, Limits, MetaKey, MetaSource};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// One chunk: length, type, data, CRC (left zero: metadata readers do not need it).
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&[0; 4]);
    c
}

fn png(chunks: &[Vec<u8>]) -> Vec<u8> {
    let ihdr = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    let mut out = SIGNATURE.to_vec();
    out.extend(ihdr);
    for c in chunks {
        out.extend_from_slice(c);
    }
    out.extend(chunk(b"IEND", &[]));
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn text(keyword: &str, value: &[u8]) -> Vec<u8> {
    let mut d = keyword.as_bytes().to_vec();
    d.push(0);
    d.extend_from_slice(value);
    chunk(b"tEXt", &d)
}

fn itxt(keyword: &str, value: &str, compressed: bool) -> Vec<u8> {
    let mut d = keyword.as_bytes().to_vec();
    d.extend_from_slice(&[0, u8::from(compressed), 0]);
    d.extend_from_slice(b"de\0Autor\0");
    if compressed {
        d.extend(zlib(value.as_bytes()));
    } else {
        d.extend_from_slice(value.as_bytes());
    }
    chunk(b"iTXt", &d)
}

/// A big-endian TIFF with IFD0 holding Make (ASCII) and Software (ASCII).
fn tiff_make_software(make: &str, software: &str) -> Vec<u8> {
    let mut t = b"MM\0*\0\0\0\x08".to_vec();
    let entries = 2u16;
    t.extend_from_slice(&entries.to_be_bytes());
    let data_at = 8 + 2 + 12 * u32::from(entries) + 4;
    let make_z = format!("{make}\0");
    let soft_z = format!("{software}\0");
    for (tag, value, at) in [(0x010Fu16, &make_z, data_at), (0x0131u16, &soft_z, data_at + make_z.len() as u32)] {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&2u16.to_be_bytes());
        t.extend_from_slice(&(value.len() as u32).to_be_bytes());
        t.extend_from_slice(&at.to_be_bytes());
    }
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(make_z.as_bytes());
    t.extend_from_slice(soft_z.as_bytes());
    t
}

fn field<'m>(m: &'m DocMetadata, source: MetaSource, key: MetaKey) -> &'m str {
    m.fields
        .iter()
        .find(|f| f.source == source && f.key == key)
        .map(|f| f.value.as_str())
        .unwrap_or_else(|| panic!("no {source:?}/{key:?} in {:#?}", m.fields))
}

const XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<dc:creator><rdf:Seq><rdf:li>Роша Георгий</rdf:li></rdf:Seq></dc:creator>
<xmp:CreatorTool>Adobe Photoshop CC 2017 (Windows)</xmp:CreatorTool>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;

#[test]
fn text_chunks_xmp_exif_and_time() {
    let mut ztxt = b"Description\0\0".to_vec();
    ztxt.extend(zlib("Floor plan, 3rd floor".as_bytes()));
    let bytes = png(&[
        text("Author", b"Ren\xe9 Dupont"), // Latin-1, as tEXt is
        text("Software", b"gnome-screenshot"),
        text("Creation Time", b"Sat, 19 May 2001 18:36:41 +0100"),
        chunk(b"zTXt", &ztxt),
        itxt("XML:com.adobe.xmp", XMP, true),
        itxt("Title", "Plan d'étage", false),
        chunk(b"eXIf", &tiff_make_software("Apple", "iOS 16.1")),
        chunk(b"tIME", &[0x07, 0xE1, 4, 27, 10, 2, 33]),
        text("comment", b"made on the laptop"),
    ]);
    let m = extract(&bytes, Some("plan.png"), Some("image/png"));
    assert_eq!(m.kind, DocKind::Png, "{:?}", m.problems);
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Author), "René Dupont");
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Software), "gnome-screenshot");
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Description), "Floor plan, 3rd floor");
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Title), "Plan d'étage");
    let created = m.fields.iter().find(|f| f.key == MetaKey::Created).unwrap();
    assert_eq!(created.date.unwrap().utc_display(), "2001-05-19 17:36:41 UTC");
    let modified = m.fields.iter().find(|f| f.key == MetaKey::Modified && f.source == MetaSource::Png).unwrap();
    assert_eq!(modified.value, "2017-04-27 10:02:33 UTC");
    assert_eq!(modified.date.unwrap().utc_display(), "2017-04-27 10:02:33 UTC");
    // XMP from the compressed iTXt: the Cyrillic author is a person field with its script.
    let xmp_author = m.fields.iter().find(|f| f.source == MetaSource::Xmp && f.key == MetaKey::Author).unwrap();
    assert_eq!(xmp_author.value, "Роша Георгий");
    assert_eq!(xmp_author.scripts.iter().map(|s| s.name()).collect::<Vec<_>>(), ["Cyrillic"]);
    assert!(m.fields.iter().any(|f| f.source == MetaSource::Xmp && f.value.contains("Photoshop CC 2017")), "{:#?}", m.fields);
    // eXIf.
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::CameraMake), "Apple");
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::Software), "iOS 16.1");
    // An unregistered keyword keeps its name.
    let comment = m.fields.iter().find(|f| f.key == MetaKey::Custom).unwrap();
    assert_eq!((comment.label.as_str(), comment.value.as_str()), ("comment", "made on the laptop"));
    // A PNG that says it is one: no claim mismatch, nothing wrong.
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn imagemagick_raw_exif_profile() {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff_make_software("NIKON CORPORATION", "GIMP 2.10"));
    let hex: String = exif.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().chunks(36).map(|l| l.concat() + "\n").collect();
    let profile = format!("\nexif\n{:8}\n{hex}", exif.len());
    let mut z = b"Raw profile type exif\0\0".to_vec();
    z.extend(zlib(profile.as_bytes()));
    let m = extract(&png(&[chunk(b"zTXt", &z)]), None, None);
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::CameraMake), "NIKON CORPORATION");
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::Software), "GIMP 2.10");
    assert!(m.problems.is_empty(), "{:?}", m.problems);
}

#[test]
fn a_png_without_metadata_and_a_disguised_one() {
    let m = extract(&png(&[]), Some("photo.jpg"), Some("image/jpeg"));
    assert_eq!(m.kind, DocKind::Png);
    assert!(m.fields.is_empty());
    let texts: Vec<&str> = m.problems.iter().map(|p| p.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("PNG without text, EXIF, XMP or time metadata")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("the file name \"photo.jpg\" says JPEG image, but the content is PNG image")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("the declared type image/jpeg says JPEG image, but the content is PNG image")), "{texts:?}");
}

#[test]
fn damage_is_reported_and_what_came_before_is_kept() {
    // Cut inside a chunk after the author: the author stays, the cut is named.
    let full = png(&[text("Author", b"Jeff"), text("Software", b"Paint.NET v4.3")]);
    let cut = &full[..full.len() - 30];
    let m = extract(cut, None, None);
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Author), "Jeff");
    assert!(m.problems.iter().any(|p| p.text.contains("past the end of the file")), "{:?}", m.problems);

    // A chunk length of 4 GB, a tEXt without its NUL, a tIME of the wrong size and an impossible date,
    // unknown compression: each said, none fatal.
    let mut huge = SIGNATURE.to_vec();
    huge.extend(chunk(b"tEXt", b"Author\0Jeff"));
    huge.extend(chunk(b"tEXt", b"no terminator"));
    huge.extend(chunk(b"tIME", &[7, 0xE1, 4]));
    huge.extend(chunk(b"tIME", &[7, 0xE1, 13, 40, 10, 2, 33]));
    huge.extend(chunk(b"zTXt", b"Comment\0\x05junk"));
    huge.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    huge.extend_from_slice(b"tEXt");
    huge.extend_from_slice(b"Software\0never read");
    let m = extract(&huge, None, None);
    assert_eq!(field(&m, MetaSource::Png, MetaKey::Author), "Jeff");
    let texts: Vec<&str> = m.problems.iter().map(|p| p.text.as_str()).collect();
    for want in [
        "PNG tEXt chunk has no keyword terminator",
        "PNG tIME chunk has 3 bytes, not 7",
        "PNG tIME \"2017-13-40 10:02:33 UTC\" is not a real date",
        "PNG zTXt \"Comment\" uses unknown compression method 5",
        "declares 4294967295 bytes, past the end of the file",
    ] {
        assert!(texts.iter().any(|t| t.contains(want)), "missing {want:?} in {texts:?}");
    }
    assert!(m.fields.iter().all(|f| f.value != "never read"));
}

#[test]
fn compressed_text_bombs_stop_at_the_budget() {
    let bomb = vec![b'A'; 8 << 20];
    let mut z = b"Comment\0\0".to_vec();
    z.extend(zlib(&bomb));
    let limits = Limits { max_part_bytes: 1 << 20, ..Limits::default() };
    let m = extract_with_limits(&png(&[chunk(b"zTXt", &z)]), None, None, &limits);
    assert!(m.fields.is_empty(), "{:?}", m.fields.iter().map(|f| f.value.len()).collect::<Vec<_>>());
    assert!(m.problems.iter().any(|p| p.text.contains("decompression bomb guard: PNG zTXt \"Comment\"")), "{:?}", m.problems);
}
