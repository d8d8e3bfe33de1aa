//! A small, capped XML tree for metadata parts (OOXML docProps, ODF meta.xml, XMP packets).
//!
//! Built on quick-xml's namespace-aware reader, so elements are matched by namespace URI and local name, not
//! by whatever prefix a writer chose. No DTD is processed and no external or custom entity is expanded (no
//! billion-laughs, no XXE); only the five predefined entities and character references are resolved. Depth
//! and element count are capped by [`Limits`]; malformed XML yields the tree read so far plus a warning.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{Ctx, Limits};
use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// One element: namespace URI, local name, attributes, its own text (all text and CDATA children
/// concatenated) and child elements.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub ns: String,
    pub local: String,
    pub attrs: Vec<Attr>,
    pub text: String,
    pub children: Vec<Element>,
}

/// One attribute (namespace declarations excluded).
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub ns: String,
    pub local: String,
    pub value: String,
}

impl Element {
    /// First child element with this namespace and local name.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.ns == ns && c.local == local)
    }

    /// Value of the attribute with this namespace ("" = none) and local name.
    pub fn attr(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Every descendant (and self) in document order.
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a Element>) {
        // Iterative, so hostile depth cannot overflow the stack (depth is capped anyway).
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
    }
}

/// Turn bytes into text: UTF-8 (with or without BOM) or UTF-16 with BOM or with a leading `<` byte pattern.
pub(crate) fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let (enc, skip) = if bytes.starts_with(b"\xEF\xBB\xBF") {
        (encoding_rs::UTF_8, 3)
    } else if bytes.starts_with(b"\xFE\xFF") {
        (encoding_rs::UTF_16BE, 2)
    } else if bytes.starts_with(b"\xFF\xFE") {
        (encoding_rs::UTF_16LE, 2)
    } else if bytes.len() >= 2 && bytes[0] == 0 && bytes[1] != 0 {
        (encoding_rs::UTF_16BE, 0)
    } else if bytes.len() >= 2 && bytes[0] != 0 && bytes[1] == 0 {
        (encoding_rs::UTF_16LE, 0)
    } else {
        (encoding_rs::UTF_8, 0)
    };
    let (text, _) = enc.decode_without_bom_handling(&bytes[skip..]);
    text
}

fn resolved_ns(r: &ResolveResult<'_>) -> String {
    match r {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        _ => String::new(),
    }
}

fn make_element(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Element {
    let (ns, local) = reader.resolver().resolve_element(start.name());
    let mut e = Element {
        ns: resolved_ns(&ns),
        local: String::from_utf8_lossy(local.as_ref()).into_owned(),
        ..Element::default()
    };
    for attr in start.attributes().with_checks(false).flatten() {
        let key = attr.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let (ans, alocal) = reader.resolver().resolve_attribute(attr.key);
        let value = attr
            .unescape_value()
            .map(Cow::into_owned)
            .unwrap_or_else(|_| String::from_utf8_lossy(&attr.value).into_owned());
        e.attrs.push(Attr {
            ns: resolved_ns(&ans),
            local: String::from_utf8_lossy(alocal.as_ref()).into_owned(),
            value,
        });
    }
    e
}

/// Parse `text` into its root element. `what` names the part in diagnostics (e.g. "docProps/core.xml").
pub(crate) fn parse(text: &str, what: &str, ctx: &mut Ctx) -> Option<Element> {
    let limits: Limits = ctx.limits().clone();
    let mut reader = NsReader::from_reader(text.as_bytes());
    reader.config_mut().check_end_names = false;
    let max_text = limits.max_value_chars.saturating_mul(4).max(1024);
    // stack[0] is a synthetic document node.
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut skipped_depth = 0usize; // elements opened beyond the depth cap
    let mut count = 0usize;
    let mut capped = false;
    loop {
        let ev = reader.read_event();
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                ctx.problem(Diagnostic::warning(
                    DiagnosticKind::BadEncoding,
                    format!("{what}: malformed XML ({e}); using what was read before the error"),
                ));
                break;
            }
        };
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let empty = matches!(ev, Event::Empty(_));
                count += 1;
                if skipped_depth > 0
                    || stack.len() > limits.max_xml_depth
                    || count > limits.max_xml_elements
                {
                    if !capped {
                        capped = true;
                        ctx.problem(Diagnostic::warning(
                            DiagnosticKind::Other,
                            format!(
                                "{what}: XML deeper than {} levels or with more than {} elements; the excess is ignored",
                                limits.max_xml_depth, limits.max_xml_elements
                            ),
                        ));
                    }
                    if !empty {
                        skipped_depth += 1;
                    }
                    continue;
                }
                let e = make_element(&reader, s);
                if empty {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(e);
                    }
                } else {
                    stack.push(e);
                }
            }
            Event::End(_) => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                } else if stack.len() > 1 {
                    if let Some(done) = stack.pop() {
                        if let Some(parent) = stack.last_mut() {
                            parent.children.push(done);
                        }
                    }
                }
            }
            Event::Text(t) if skipped_depth == 0 => {
                let s = t
                    .decode()
                    .map(Cow::into_owned)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t.into_inner()).into_owned());
                push_text(&mut stack, &s, max_text);
            }
            Event::CData(t) if skipped_depth == 0 => {
                let s = String::from_utf8_lossy(&t.into_inner()).into_owned();
                push_text(&mut stack, &s, max_text);
            }
            Event::GeneralRef(r) if skipped_depth == 0 => {
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = String::from_utf8_lossy(&r.into_inner()).into_owned();
                        match name.as_str() {
                            "amp" => "&".to_string(),
                            "lt" => "<".to_string(),
                            "gt" => ">".to_string(),
                            "quot" => "\"".to_string(),
                            "apos" => "'".to_string(),
                            _ => format!("&{name};"),
                        }
                    }
                };
                push_text(&mut stack, &s, max_text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Close whatever is still open (truncated or malformed input).
    while stack.len() > 1 {
        if let Some(done) = stack.pop() {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(done);
            }
        }
    }
    let doc = stack.pop()?;
    let root = doc.children.into_iter().next();
    if root.is_none() {
        ctx.problem(Diagnostic::warning(
            DiagnosticKind::BadEncoding,
            format!("{what}: no XML element found"),
        ));
    }
    root
}

fn push_text(stack: &mut [Element], s: &str, max: usize) {
    if let Some(top) = stack.last_mut() {
        if top.text.len() < max {
            top.text.push_str(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_entities_and_limits() {
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        let root = parse(
            r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "AAAA">]><a:r xmlns:a="urn:x" xmlns:q="urn:y"><q:v q:k="1&amp;2">x &lt; y &#1046; &a;</q:v><![CDATA[<raw>]]></a:r>"#,
            "t",
            &mut ctx,
        )
        .expect("root");
        assert_eq!((root.ns.as_str(), root.local.as_str()), ("urn:x", "r"));
        let v = root.child("urn:y", "v").expect("v");
        assert_eq!(v.text, "x < y Ж &a;");
        assert_eq!(v.attr("urn:y", "k"), Some("1&2"));
        assert_eq!(root.text, "<raw>");

        let deep = "<a>".repeat(10_000);
        let small = Limits {
            max_xml_depth: 8,
            ..Limits::default()
        };
        let mut ctx = Ctx::new(&small);
        let root = parse(&deep, "deep", &mut ctx).expect("root");
        let mut all = Vec::new();
        root.walk(&mut all);
        assert_eq!(all.len(), 8);
        assert!(ctx
            .problems
            .iter()
            .any(|p| p.text.contains("deeper than 8")));
    }

    #[test]
    fn utf16_detection() {
        let s = "<x>é</x>";
        let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_text(&be), s);
        assert_eq!(decode_text(&le), s);
        assert_eq!(decode_text(s.as_bytes()), s);
    }
}
