//! Image metadata beyond JPEG/TIFF ([`leakloupe_core::metadata`]), on files built here box by box and chunk
//! by chunk: PNG (text chunks, compressed text, XMP, `eXIf`, ImageMagick's raw profiles, `tIME`), HEIF/HEIC
//! (the EXIF item) and WebP (`EXIF`, `XMP `). Damaged and hostile ones give problems, not panics. (The
//! corpus's exiftool sample `PNG.png` is compared with exiftool's dump in `corpus_metadata.rs`.)

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

fn field(m: &DocMetadata, source: MetaSource, key: MetaKey) -> &str {
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

/// An ISO BMFF box.
fn bmff(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// A full box: version 0 (or `version`), no flags.
fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version, 0, 0, 0];
    b.extend_from_slice(body);
    bmff(kind, &b)
}

/// A HEIC as an iPhone lays it out, reduced to what carries the EXIF: `ftyp` (heic, mif1), `meta` with
/// `iinf` naming item 1 as `Exif` and `iloc` pointing into `mdat`, whose item starts with the 4-byte offset
/// of the TIFF header.
fn heic(tiff: &[u8]) -> Vec<u8> {
    let ftyp = bmff(b"ftyp", b"heic\0\0\0\0mif1heic");
    let infe = full(b"infe", 2, b"\0\x01\0\0Exif\0");
    let mut iinf_body = 1u16.to_be_bytes().to_vec();
    iinf_body.extend(infe);
    let iinf = full(b"iinf", 0, &iinf_body);
    let mut item = 6u32.to_be_bytes().to_vec();
    item.extend_from_slice(b"Exif\0\0");
    item.extend_from_slice(tiff);
    // iloc v0: offset and length 4 bytes, no base offset; item 1, data reference 0, one extent.
    let iloc_len = 8 + 4 + 2 + 2 + 2 + 2 + 2 + 4 + 4;
    let meta_len = 8 + 4 + iinf.len() + iloc_len;
    let offset = (ftyp.len() + meta_len + 8) as u32;
    let mut iloc_body = vec![0x44, 0x00];
    iloc_body.extend_from_slice(&1u16.to_be_bytes());
    iloc_body.extend_from_slice(&1u16.to_be_bytes());
    iloc_body.extend_from_slice(&0u16.to_be_bytes());
    iloc_body.extend_from_slice(&1u16.to_be_bytes());
    iloc_body.extend_from_slice(&offset.to_be_bytes());
    iloc_body.extend_from_slice(&(item.len() as u32).to_be_bytes());
    let iloc = full(b"iloc", 0, &iloc_body);
    assert_eq!(iloc.len(), iloc_len);
    let mut meta_body = iinf;
    meta_body.extend(iloc);
    let meta = full(b"meta", 0, &meta_body);
    let mut out = ftyp;
    out.extend(meta);
    out.extend(bmff(b"mdat", &item));
    out
}

/// A RIFF chunk, padded to an even length.
fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = kind.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    body.extend(riff_chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    for c in chunks {
        body.extend_from_slice(c);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn heic_exif_item() {
    let m = extract(&heic(&tiff_make_software("Apple", "17.1.2")), Some("IMG_0042.HEIC"), Some("image/heic"));
    assert_eq!(m.kind, DocKind::Heif, "{:?}", m.problems);
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::CameraMake), "Apple");
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::Software), "17.1.2");
    assert!(m.problems.is_empty(), "{:?}", m.problems);

    // A HEIC without its EXIF item says so; one cut inside its mdat says why nothing was read.
    let mut bare = bmff(b"ftyp", b"heic\0\0\0\0mif1heic");
    bare.extend(full(b"meta", 0, &full(b"iinf", 0, &0u16.to_be_bytes())));
    let m = extract(&bare, None, None);
    assert_eq!(m.kind, DocKind::Heif);
    assert!(m.problems.iter().any(|p| p.text == "HEIF image without EXIF metadata"), "{:?}", m.problems);
    let full_file = heic(&tiff_make_software("Apple", "17.1.2"));
    let m = extract(&full_file[..full_file.len() - 20], None, None);
    assert!(m.fields.is_empty());
    assert!(m.problems.iter().any(|p| p.text.starts_with("HEIF image: its EXIF cannot be found")), "{:?}", m.problems);

    // A video's ftyp is not HEIF; a HEIC renamed .jpg is named.
    assert_eq!(extract(&bmff(b"ftyp", b"isom\0\0\x02\0isomiso2mp41"), None, None).kind, DocKind::Unknown);
    let m = extract(&heic(&tiff_make_software("Apple", "17.1.2")), Some("IMG_0042.jpg"), None);
    assert!(m.problems.iter().any(|p| p.text.contains("says JPEG image, but the content is HEIF image (HEIC/AVIF)")), "{:?}", m.problems);
}

#[test]
fn webp_exif_and_xmp_chunks() {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff_make_software("Google", "HDR+ 1.0.540104767zd"));
    let m = extract(&webp(&[riff_chunk(b"EXIF", &exif), riff_chunk(b"XMP ", XMP.as_bytes())]), Some("photo.webp"), Some("image/webp"));
    assert_eq!(m.kind, DocKind::Webp, "{:?}", m.problems);
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::CameraMake), "Google");
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::Software), "HDR+ 1.0.540104767zd");
    assert_eq!(field(&m, MetaSource::Xmp, MetaKey::Author), "Роша Георгий");
    assert!(m.problems.is_empty(), "{:?}", m.problems);

    // The TIFF without the "Exif" prefix, after an odd-length chunk (padding is skipped).
    let m = extract(&webp(&[riff_chunk(b"ICCP", b"odd"), riff_chunk(b"EXIF", &tiff_make_software("Canon", "GIMP"))]), None, None);
    assert_eq!(field(&m, MetaSource::Exif, MetaKey::CameraMake), "Canon");

    // Nothing there, and a chunk running past the end.
    let m = extract(&webp(&[]), None, None);
    assert!(m.problems.iter().any(|p| p.text == "WebP image without EXIF or XMP metadata"), "{:?}", m.problems);
    let mut cut = webp(&[riff_chunk(b"XMP ", XMP.as_bytes())]);
    cut.truncate(cut.len() - 40);
    let m = extract(&cut, None, None);
    assert!(m.fields.is_empty());
    let texts: Vec<&str> = m.problems.iter().map(|p| p.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("it is cut short")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("chunk \"XMP \"") && t.contains("past the end of the file")), "{texts:?}");
}

/// Every prefix of each built file, and each with every byte in turn set to 0xFF, reads without a panic.
#[test]
fn cut_and_flipped_files_never_panic() {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff_make_software("Google", "HDR+"));
    let files = [
        heic(&tiff_make_software("Apple", "17.1.2")),
        webp(&[riff_chunk(b"EXIF", &exif), riff_chunk(b"XMP ", XMP.as_bytes())]),
        png(&[text("Author", b"Jeff"), itxt("XML:com.adobe.xmp", XMP, true), chunk(b"eXIf", &tiff_make_software("A", "B"))]),
    ];
    let mut read = 0;
    for f in &files {
        for n in 0..f.len() {
            let _ = extract(&f[..n], None, None);
            let mut b = f.clone();
            b[n] = 0xFF;
            let _ = extract(&b, None, None);
            read += 2;
        }
    }
    assert!(read > 2_000, "{read}");
}
