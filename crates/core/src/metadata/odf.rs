//! OpenDocument (.odt, .ods, .odp ...): `meta.xml`'s `office:meta` element.
//!
//! Note the ODF meaning of `dc:creator`: the person who *last modified* the document; the original author is
//! `meta:initial-creator`. So `dc:creator` becomes [`MetaKey::LastModifiedBy`].

use super::xml::{self, Element};
use super::{parse_iso_date, read_zip_entry, Ctx, MetaKey, MetaSource, Zip};

const OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const META: &str = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XLINK: &str = "http://www.w3.org/1999/xlink";

/// Read `meta.xml` of an OpenDocument package.
pub(crate) fn read(zip: &mut Zip<'_>, ctx: &mut Ctx) {
    let Some(bytes) = read_zip_entry(zip, "meta.xml", ctx) else {
        ctx.problem(crate::diagnostic::Diagnostic::info(
            crate::diagnostic::DiagnosticKind::Other,
            "OpenDocument without a readable meta.xml: no document properties",
        ));
        return;
    };
    let text = xml::decode_text(&bytes);
    let Some(root) = xml::parse(&text, "meta.xml", ctx) else {
        return;
    };
    let meta = if root.ns == OFFICE && root.local == "meta" {
        Some(&root)
    } else {
        root.child(OFFICE, "meta")
    };
    if let Some(meta) = meta {
        read_meta(meta, ctx);
    }
}

fn read_meta(meta: &Element, ctx: &mut Ctx) {
    let s = MetaSource::OdfMeta;
    let mut keywords: Vec<&str> = Vec::new();
    for e in &meta.children {
        let text = e.text.as_str();
        match (e.ns.as_str(), e.local.as_str()) {
            (META, "initial-creator") => ctx.labeled(s, MetaKey::Author, "Initial creator", text),
            (DC, "creator") => ctx.text(s, MetaKey::LastModifiedBy, text),
            (META, "creation-date") => {
                ctx.date(s, MetaKey::Created, "Created", text, parse_iso_date)
            }
            (DC, "date") => ctx.date(s, MetaKey::Modified, "Modified", text, parse_iso_date),
            (META, "print-date") => {
                ctx.date(s, MetaKey::Printed, "Last printed", text, parse_iso_date)
            }
            (META, "printed-by") => ctx.text(s, MetaKey::PrintedBy, text),
            (META, "generator") => ctx.text(s, MetaKey::Application, text),
            (META, "editing-duration") => {
                ctx.duration(s, "Total edit time", text, iso_duration(text.trim()))
            }
            (META, "editing-cycles") => ctx.labeled(s, MetaKey::Revision, "Editing cycles", text),
            (DC, "title") => ctx.text(s, MetaKey::Title, text),
            (DC, "subject") => ctx.text(s, MetaKey::Subject, text),
            (DC, "description") => ctx.text(s, MetaKey::Description, text),
            (META, "keyword") => keywords.push(text.trim()),
            (META, "template") => {
                let t = e
                    .attr(XLINK, "title")
                    .filter(|t| !t.trim().is_empty())
                    .or_else(|| e.attr(XLINK, "href"))
                    .unwrap_or_default();
                ctx.text(s, MetaKey::Template, t);
            }
            (META, "user-defined") => {
                if let Some(name) = e.attr(META, "name") {
                    ctx.labeled(s, MetaKey::Custom, name, text);
                }
            }
            _ => {}
        }
    }
    keywords.retain(|k| !k.is_empty());
    ctx.text(s, MetaKey::Keywords, &keywords.join(", "));
}

/// ISO 8601 duration "PT00H01M17S", "P1DT2H", "PT1.5S" to whole seconds (years = 365 days, months = 30).
pub(crate) fn iso_duration(s: &str) -> Option<u64> {
    let rest = s.strip_prefix('P')?;
    let mut secs = 0f64;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' | ',' => num.push(if c == ',' { '.' } else { c }),
            _ => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                let unit = match (c, in_time) {
                    ('Y', false) => 365.0 * 86_400.0,
                    ('M', false) => 30.0 * 86_400.0,
                    ('W', false) => 7.0 * 86_400.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
                secs += n * unit;
                any = true;
            }
        }
    }
    if !num.is_empty() || !any || !secs.is_finite() || secs > 1e12 {
        return None;
    }
    Some(secs.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(iso_duration("PT00H01M17S"), Some(77));
        assert_eq!(iso_duration("P1DT2H"), Some(93_600));
        assert_eq!(iso_duration("PT1.5S"), Some(2));
        assert_eq!(iso_duration("PT"), None);
        assert_eq!(iso_duration("P5"), None);
        assert_eq!(iso_duration("PT5X"), None);
        assert_eq!(iso_duration("7"), None);
    }
}
