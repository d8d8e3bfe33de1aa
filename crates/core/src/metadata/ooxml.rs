//! Office Open XML (.docx, .xlsx, .pptx): the package's core, extended (app) and custom properties.
//!
//! The parts are found through the package relationships (`_rels/.rels`), falling back to the usual
//! `docProps/core.xml`, `docProps/app.xml` and `docProps/custom.xml`.

use super::xml::{self, Element};
use super::{parse_iso_date, read_zip_entry, Ctx, MetaKey, MetaSource, Zip};

const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const CP: &str = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
const EXT: &str = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties";
const EXT_STRICT: &str = "http://purl.oclc.org/ooxml/officeDocument/extendedProperties";
const CUSTOM: &str = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties";
const CUSTOM_STRICT: &str = "http://purl.oclc.org/ooxml/officeDocument/customProperties";

/// Read the properties parts of an OOXML package.
pub(crate) fn read(zip: &mut Zip<'_>, names: &[String], ctx: &mut Ctx) {
    let (mut core, mut app, mut custom) = (None, None, None);
    if let Some(rels) = read_part(zip, "_rels/.rels", ctx) {
        let mut all = Vec::new();
        rels.walk(&mut all);
        for r in all
            .iter()
            .filter(|e| e.ns == RELS && e.local == "Relationship")
        {
            let (Some(ty), Some(target)) = (r.attr("", "Type"), r.attr("", "Target")) else {
                continue;
            };
            let target = target.trim_start_matches('/').to_string();
            if ty.ends_with("/metadata/core-properties") {
                core.get_or_insert(target);
            } else if ty.ends_with("/extended-properties") {
                app.get_or_insert(target);
            } else if ty.ends_with("/custom-properties") {
                custom.get_or_insert(target);
            }
        }
    }
    let pick = |found: Option<String>, default: &str| {
        found
            .filter(|t| names.iter().any(|n| n == t))
            .unwrap_or_else(|| default.to_string())
    };
    let core = pick(core, "docProps/core.xml");
    let app = pick(app, "docProps/app.xml");
    let custom = pick(custom, "docProps/custom.xml");
    if let Some(root) = read_part(zip, &core, ctx) {
        read_core(&root, ctx);
    }
    if let Some(root) = read_part(zip, &app, ctx) {
        read_app(&root, ctx);
    }
    if let Some(root) = read_part(zip, &custom, ctx) {
        read_custom(&root, ctx);
    }
}

fn read_part(zip: &mut Zip<'_>, name: &str, ctx: &mut Ctx) -> Option<Element> {
    let bytes = read_zip_entry(zip, name, ctx)?;
    let text = xml::decode_text(&bytes);
    xml::parse(&text, name, ctx)
}

fn read_core(root: &Element, ctx: &mut Ctx) {
    let s = MetaSource::OoxmlCore;
    for e in &root.children {
        let text = e.text.as_str();
        match (e.ns.as_str(), e.local.as_str()) {
            (DC, "creator") => ctx.text(s, MetaKey::Author, text),
            (CP, "lastModifiedBy") => ctx.text(s, MetaKey::LastModifiedBy, text),
            (DCTERMS, "created") => ctx.date(s, MetaKey::Created, "Created", text, parse_iso_date),
            (DCTERMS, "modified") => {
                ctx.date(s, MetaKey::Modified, "Modified", text, parse_iso_date)
            }
            (CP, "lastPrinted") => {
                ctx.date(s, MetaKey::Printed, "Last printed", text, parse_iso_date)
            }
            (CP, "revision") => ctx.text(s, MetaKey::Revision, text),
            (DC, "title") => ctx.text(s, MetaKey::Title, text),
            (DC, "subject") => ctx.text(s, MetaKey::Subject, text),
            (DC, "description") => ctx.text(s, MetaKey::Description, text),
            (CP, "keywords") => {
                // Plain text, or (rarely) <cp:value xml:lang=".."> children.
                let mut k = text.trim().to_string();
                for v in &e.children {
                    if !v.text.trim().is_empty() {
                        if !k.is_empty() {
                            k.push_str(", ");
                        }
                        k.push_str(v.text.trim());
                    }
                }
                ctx.text(s, MetaKey::Keywords, &k);
            }
            (CP, "category") => ctx.text(s, MetaKey::Category, text),
            _ => {}
        }
    }
}

fn read_app(root: &Element, ctx: &mut Ctx) {
    let s = MetaSource::OoxmlApp;
    for e in root
        .children
        .iter()
        .filter(|e| e.ns == EXT || e.ns == EXT_STRICT)
    {
        let text = e.text.as_str();
        match e.local.as_str() {
            "Application" => ctx.text(s, MetaKey::Application, text),
            "AppVersion" => ctx.text(s, MetaKey::AppVersion, text),
            "Company" => ctx.text(s, MetaKey::Company, text),
            "Manager" => ctx.text(s, MetaKey::Manager, text),
            "Template" => ctx.text(s, MetaKey::Template, text),
            "TotalTime" => {
                let mins = text.trim().parse::<u64>().ok();
                ctx.duration(
                    s,
                    "Total edit time (minutes)",
                    text,
                    mins.map(|m| m.saturating_mul(60)),
                );
            }
            _ => {}
        }
    }
}

fn read_custom(root: &Element, ctx: &mut Ctx) {
    for p in root
        .children
        .iter()
        .filter(|e| (e.ns == CUSTOM || e.ns == CUSTOM_STRICT) && e.local == "property")
    {
        let Some(name) = p.attr("", "name") else {
            continue;
        };
        let Some(v) = p.children.first() else {
            continue;
        };
        if matches!(v.local.as_str(), "filetime" | "date") {
            ctx.date(
                MetaSource::OoxmlCustom,
                MetaKey::Custom,
                name,
                &v.text,
                parse_iso_date,
            );
        } else {
            ctx.labeled(MetaSource::OoxmlCustom, MetaKey::Custom, name, &v.text);
        }
    }
}
