//! XMP packets (Adobe's RDF/XML metadata) as embedded in PDF, JPEG and Photoshop resources.
//!
//! Properties are read from every `rdf:Description`, both as attributes (`xmp:CreatorTool="..."`) and as child
//! elements; list values (`rdf:Seq`, `rdf:Bag`, `rdf:Alt`) are joined with ", " (for `rdf:Alt` the
//! `x-default` entry comes first). Packets may be UTF-8 or UTF-16.

use super::xml::{self, Element};
use super::{parse_iso_date, Ctx, MetaKey, MetaSource};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const XMP_MM: &str = "http://ns.adobe.com/xap/1.0/mm/";
const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// What a property means: (namespace, local name, key, is a date).
const PROPS: &[(&str, &str, MetaKey, bool)] = &[
    (DC, "creator", MetaKey::Author, false),
    (DC, "title", MetaKey::Title, false),
    (DC, "description", MetaKey::Description, false),
    (DC, "subject", MetaKey::Keywords, false),
    (DC, "rights", MetaKey::Copyright, false),
    (XMP, "CreatorTool", MetaKey::Application, false),
    (XMP, "CreateDate", MetaKey::Created, true),
    (XMP, "ModifyDate", MetaKey::Modified, true),
    (XMP, "MetadataDate", MetaKey::MetadataDate, true),
    (PDF, "Producer", MetaKey::Producer, false),
    (PDF, "Keywords", MetaKey::Keywords, false),
    (PHOTOSHOP, "CaptionWriter", MetaKey::CaptionWriter, false),
    (PHOTOSHOP, "Credit", MetaKey::Credit, false),
    (PHOTOSHOP, "City", MetaKey::City, false),
    (PHOTOSHOP, "State", MetaKey::State, false),
    (PHOTOSHOP, "Country", MetaKey::Country, false),
    (PHOTOSHOP, "DateCreated", MetaKey::Created, true),
    (TIFF, "Make", MetaKey::CameraMake, false),
    (TIFF, "Model", MetaKey::CameraModel, false),
    (TIFF, "Artist", MetaKey::Author, false),
    (XMP_MM, "DocumentID", MetaKey::DocumentId, false),
    (XMP_MM, "InstanceID", MetaKey::InstanceId, false),
    (
        XMP_MM,
        "OriginalDocumentID",
        MetaKey::OriginalDocumentId,
        false,
    ),
];

/// Read one XMP packet (raw bytes as stored).
pub(crate) fn read(bytes: &[u8], ctx: &mut Ctx) {
    let text = xml::decode_text(bytes);
    // Skip anything before the packet (e.g. a JPEG APP1 namespace header already removed, or padding).
    let start = text
        .find("<x:xmpmeta")
        .or_else(|| text.find("<rdf:RDF"))
        .or_else(|| text.find('<'))
        .unwrap_or(0);
    let Some(root) = xml::parse(&text[start..], "XMP packet", ctx) else {
        return;
    };
    let mut all = Vec::new();
    root.walk(&mut all);
    for desc in all
        .into_iter()
        .filter(|e| e.ns == RDF && e.local == "Description")
    {
        for a in &desc.attrs {
            if let Some(&(_, _, key, is_date)) =
                PROPS.iter().find(|p| p.0 == a.ns && p.1 == a.local)
            {
                emit(ctx, key, is_date, &a.value);
            }
        }
        for c in &desc.children {
            if let Some(&(_, _, key, is_date)) =
                PROPS.iter().find(|p| p.0 == c.ns && p.1 == c.local)
            {
                emit(ctx, key, is_date, &value_of(c));
            }
        }
    }
}

fn emit(ctx: &mut Ctx, key: MetaKey, is_date: bool, value: &str) {
    if is_date {
        ctx.date(MetaSource::Xmp, key, key.label(), value, parse_iso_date);
    } else {
        ctx.text(MetaSource::Xmp, key, value);
    }
}

/// A property's value: its list items joined, or its text.
fn value_of(prop: &Element) -> String {
    for list in ["Seq", "Bag", "Alt"] {
        if let Some(l) = prop.child(RDF, list) {
            let mut items: Vec<&Element> = l
                .children
                .iter()
                .filter(|li| li.ns == RDF && li.local == "li")
                .collect();
            if list == "Alt" {
                // x-default first.
                items.sort_by_key(|li| li.attr(XML_NS, "lang") != Some("x-default"));
                items.truncate(1);
            }
            return items
                .iter()
                .map(|li| li.text.trim())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
        }
    }
    prop.text.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Limits;

    #[test]
    fn attributes_lists_and_utf16() {
        let packet = r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Word" xmp:CreateDate="2017-05-03T18:02:11+03:00"/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:creator><rdf:Seq><rdf:li>Роша Георгий</rdf:li><rdf:li>Bob</rdf:li></rdf:Seq></dc:creator>
<dc:title><rdf:Alt><rdf:li xml:lang="fr">Titre</rdf:li><rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;
        for bytes in [
            packet.as_bytes().to_vec(),
            packet.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ] {
            let limits = Limits::default();
            let mut ctx = Ctx::new(&limits);
            read(&bytes, &mut ctx);
            let get = |k: MetaKey| {
                ctx.fields
                    .iter()
                    .find(|f| f.key == k)
                    .map(|f| f.value.clone())
                    .unwrap_or_default()
            };
            assert_eq!(get(MetaKey::Application), "Word");
            assert_eq!(get(MetaKey::Author), "Роша Георгий, Bob");
            assert_eq!(get(MetaKey::Title), "Title");
            let created = ctx
                .fields
                .iter()
                .find(|f| f.key == MetaKey::Created)
                .expect("created");
            assert_eq!(created.date.map(|d| d.utc_unix), Some(1_493_823_731));
        }
    }
}
