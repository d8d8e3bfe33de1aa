//! The walk of [`super::sanitize`]: records every reference in a loading position and writes a cleaned copy
//! of the document (allowed tags and attributes only), without recursion.

use std::collections::HashMap;

use html5ever::{ns, Attribute};

use super::css;
use super::dom::{Data, Dom, Id};
use super::{
    data_url, is_inline_image, BlockedResource, InlinePart, LinkTarget, ResourceKind,
    GENERIC_ATTRS, TAGS,
};

/// `srcdoc` documents inside `srcdoc` documents are read this deep for evidence.
const MAX_SRCDOC_DEPTH: u8 = 3;
const MAX_URL_CHARS: usize = 2048;
const MAX_LINK_TEXT_CHARS: usize = 500;

/// What the walk found, shared by nested `srcdoc` walks.
pub(crate) struct State<'p> {
    parts: &'p dyn Fn(&str) -> Option<InlinePart>,
    cids: HashMap<String, Option<String>>,
    pub blocked: Vec<BlockedResource>,
    pub links: Vec<LinkTarget>,
    pub removed_scripts: usize,
    pub removed_handlers: usize,
    pub inlined_images: usize,
    pub missing_cids: Vec<String>,
    pub flattened: bool,
}

impl<'p> State<'p> {
    pub(crate) fn new(parts: &'p dyn Fn(&str) -> Option<InlinePart>) -> Self {
        State {
            parts,
            cids: HashMap::new(),
            blocked: Vec::new(),
            links: Vec::new(),
            removed_scripts: 0,
            removed_handlers: 0,
            inlined_images: 0,
            missing_cids: Vec::new(),
            flattened: false,
        }
    }

    /// Records `url` as blocked unless it cannot make a request.
    fn record(&mut self, kind: ResourceKind, url: &str, context: String) {
        let url = url.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_control());
        if url.is_empty() || is_local(url) {
            return;
        }
        self.blocked.push(BlockedResource {
            kind,
            url: clip(url, MAX_URL_CHARS),
            context,
        });
    }

    /// The `data:` URL for a `cid:` reference, if the message has such an image part.
    fn resolve_cid(&mut self, src: &str) -> Option<String> {
        let id = cid_of(src)?;
        if let Some(hit) = self.cids.get(&id) {
            return hit.clone();
        }
        let url = (self.parts)(&id).and_then(|(mime, bytes)| data_url(&mime, &bytes));
        self.cids.insert(id, url.clone());
        url
    }

    /// Records the references in an element's attributes; returns the rewritten `style` value.
    pub(crate) fn record_attrs(
        &mut self,
        prefix: &str,
        depth: u8,
        tag: &str,
        parent: &str,
        attrs: &[Attribute],
    ) -> Option<String> {
        let ctx = |tag: &str, what: &str| format!("{prefix}{tag} {what}");
        let mut style = None;
        for a in attrs {
            let n: &str = &a.name.local;
            let v: &str = &a.value;
            match n {
                _ if n.len() > 2 && n.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on")) => {
                    self.removed_handlers += 1;
                }
                "style" => {
                    let mut found = Vec::new();
                    let s = css::sanitize_declarations(v, "", &mut found);
                    for f in found {
                        let what = format!("style {}", f.what);
                        self.record(css_kind(f.kind), &f.url, ctx(tag, &what));
                    }
                    style = Some(s);
                }
                "src" => self.record(src_kind(tag, parent), v, ctx(tag, n)),
                "background" | "lowsrc" | "dynsrc" | "poster" => {
                    self.record(ResourceKind::Image, v, ctx(tag, n))
                }
                "srcset" | "imagesrcset" => {
                    let kind = if tag == "source" && parent != "picture" {
                        ResourceKind::Media
                    } else {
                        ResourceKind::Image
                    };
                    for u in srcset_urls(v) {
                        self.record(kind, u, ctx(tag, n));
                    }
                }
                "href" => match tag {
                    "a" | "area" => {}
                    "link" => {
                        let kind = link_kind(attr(attrs, "rel").unwrap_or(""));
                        let what =
                            format!("href (rel={})", attr(attrs, "rel").unwrap_or("").trim());
                        self.record(kind, v, ctx(tag, &what));
                    }
                    "base" => self.record(ResourceKind::Base, v, ctx(tag, n)),
                    "script" => self.record(ResourceKind::Script, v, ctx(tag, n)),
                    _ => self.record(ResourceKind::Image, v, ctx(tag, n)),
                },
                "action" | "formaction" => self.record(ResourceKind::Form, v, ctx(tag, n)),
                "data" if tag == "object" => self.record(ResourceKind::Object, v, ctx(tag, n)),
                "code" | "codebase" | "archive" if matches!(tag, "applet" | "object") => {
                    for u in v.split([' ', ',']).filter(|u| !u.is_empty()) {
                        self.record(ResourceKind::Object, u, ctx(tag, n));
                    }
                }
                "value" if tag == "param" => {
                    let pname = attr(attrs, "name").unwrap_or("").to_ascii_lowercase();
                    if matches!(
                        pname.as_str(),
                        "movie" | "src" | "url" | "filename" | "data" | "code" | "href"
                    ) {
                        self.record(ResourceKind::Object, v, ctx(tag, "value"));
                    }
                }
                "ping" => {
                    for u in v.split_ascii_whitespace() {
                        self.record(ResourceKind::Ping, u, ctx(tag, n));
                    }
                }
                "manifest" if tag == "html" => self.record(ResourceKind::Link, v, ctx(tag, n)),
                "content" if tag == "meta" => {
                    let equiv = attr(attrs, "http-equiv").unwrap_or("");
                    if equiv.trim().eq_ignore_ascii_case("refresh") {
                        if let Some(u) = refresh_url(v) {
                            self.record(ResourceKind::Refresh, u, ctx(tag, "http-equiv=refresh"));
                        }
                    }
                }
                "srcdoc" if depth < MAX_SRCDOC_DEPTH => {
                    let prefix = format!("{prefix}{tag} srcdoc > ");
                    let _ = walk_document(v, self, false, &prefix, depth + 1);
                }
                _ => {}
            }
        }
        style
    }

    /// Rewrites a style sheet, recording what it referenced; returns the rewritten sheet.
    pub(crate) fn style_sheet(&mut self, prefix: &str, text: &str) -> String {
        let mut found = Vec::new();
        let css = css::sanitize_stylesheet(text, &mut found);
        for f in found {
            self.record(
                css_kind(f.kind),
                &f.url,
                format!("{prefix}<style> {}", f.what),
            );
        }
        css
    }
}

/// The Content-ID a `cid:` URL names (RFC 2392: percent-encoded, no angle brackets).
fn cid_of(src: &str) -> Option<String> {
    let src = src.trim();
    let rest = src
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cid:"))
        .and_then(|_| src.get(4..))?;
    let rest = super::strip_angles(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// References that cannot make a request: `cid:`, `data:image/...` (inlined or dropped, never fetched),
/// fragments, `about:blank`.
fn is_local(url: &str) -> bool {
    let lower: String = url
        .chars()
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    ["cid:", "#", "about:blank", "data:image/"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

/// The scheme of a link target as a browser would read it (tabs, newlines and controls ignored).
fn scheme(href: &str) -> String {
    let mut s = String::new();
    for c in href.chars() {
        if c == ':' {
            return s;
        }
        if c.is_ascii_whitespace() || c.is_control() {
            continue;
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) || s.len() > 32 {
            return String::new();
        }
        s.push(c.to_ascii_lowercase());
    }
    String::new()
}

fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

fn link_kind(rel: &str) -> ResourceKind {
    let rel = rel.to_ascii_lowercase();
    let has = |t: &str| rel.split_ascii_whitespace().any(|r| r == t);
    if has("stylesheet") {
        ResourceKind::Stylesheet
    } else if [
        "prefetch",
        "preload",
        "prerender",
        "dns-prefetch",
        "preconnect",
        "modulepreload",
        "next",
    ]
    .iter()
    .any(|t| has(t))
    {
        ResourceKind::LinkPrefetch
    } else if has("icon")
        || has("apple-touch-icon")
        || has("apple-touch-icon-precomposed")
        || has("mask-icon")
    {
        ResourceKind::Image
    } else {
        ResourceKind::Link
    }
}

/// The URL of a `<meta http-equiv=refresh content="5; url=...">`.
fn refresh_url(content: &str) -> Option<&str> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let rest = if rest.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("url")) {
        rest.get(3..)?.trim_start().strip_prefix('=')?.trim_start()
    } else {
        rest
    };
    Some(rest.trim_matches(|c| c == '\'' || c == '"' || char::is_whitespace(c)))
}

/// The URLs of a `srcset` value.
fn srcset_urls(v: &str) -> impl Iterator<Item = &str> {
    v.split(',')
        .filter_map(|c| c.split_ascii_whitespace().next())
}

fn src_kind(tag: &str, parent: &str) -> ResourceKind {
    match tag {
        "script" => ResourceKind::Script,
        "iframe" | "frame" | "portal" | "fencedframe" => ResourceKind::Frame,
        "embed" | "object" | "applet" => ResourceKind::Object,
        "source" if parent == "picture" => ResourceKind::Image,
        "video" | "audio" | "source" | "track" | "bgsound" => ResourceKind::Media,
        _ => ResourceKind::Image,
    }
}

pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

enum Step {
    Enter(Id, bool),
    Close(&'static str),
}

struct Walk<'d, 's, 'p> {
    dom: &'d Dom,
    st: &'s mut State<'p>,
    prefix: &'d str,
    depth: u8,
    out: String,
    stack: Vec<Step>,
    visited: Vec<bool>,
}

/// Parses `html` as a document and walks it. With `emit` false only evidence is gathered (the returned
/// string is empty). `prefix` starts every recorded context; `depth` is the `srcdoc` nesting.
pub(crate) fn walk_document(
    html: &str,
    st: &mut State<'_>,
    emit: bool,
    prefix: &str,
    depth: u8,
) -> String {
    if super::flat::nesting_estimate(html) > super::flat::MAX_NESTING {
        st.flattened |= emit;
        return super::flat::flatten(html, st, emit, prefix, depth);
    }
    let dom = Dom::parse(html);
    let mut w = Walk {
        visited: vec![false; dom.nodes.len()],
        dom: &dom,
        st,
        prefix,
        depth,
        out: String::with_capacity(if emit { html.len() } else { 0 }),
        stack: vec![Step::Enter(0, emit)],
    };
    w.run();
    w.out
}

impl Walk<'_, '_, '_> {
    fn run(&mut self) {
        while let Some(step) = self.stack.pop() {
            match step {
                Step::Close(tag) => {
                    self.out.push_str("</");
                    self.out.push_str(tag);
                    self.out.push('>');
                }
                Step::Enter(id, emit) => {
                    match self.visited.get_mut(id) {
                        Some(v) if !*v => *v = true,
                        _ => continue,
                    }
                    self.enter(id, emit);
                }
            }
        }
    }

    fn children(&mut self, id: Id, emit: bool) {
        if let Some(n) = self.dom.get(id) {
            self.stack
                .extend(n.children.iter().rev().map(|&c| Step::Enter(c, emit)));
        }
    }

    fn tag_of(&self, id: Option<Id>) -> &str {
        match id.and_then(|i| self.dom.get(i)).map(|n| &n.data) {
            Some(Data::Element { name, .. }) => &name.local,
            _ => "",
        }
    }

    /// All text under `id` (and `alt` of images when there is no text), whitespace collapsed.
    fn text_of(&self, id: Id) -> String {
        let mut text = String::new();
        let mut alts = String::new();
        let mut stack = vec![id];
        let mut seen = 0usize;
        while let Some(i) = stack.pop() {
            seen += 1;
            if seen > 100_000 || text.len() > 4 * MAX_LINK_TEXT_CHARS {
                break;
            }
            let Some(n) = self.dom.get(i) else { continue };
            match &n.data {
                Data::Text(t) => {
                    text.push_str(t);
                    text.push(' ');
                }
                Data::Element { name, attrs, .. } => {
                    if &*name.local == "img" {
                        if let Some(a) = attr(attrs, "alt") {
                            alts.push_str(a);
                            alts.push(' ');
                        }
                    }
                    if !matches!(&*name.local, "script" | "style" | "title") {
                        stack.extend(n.children.iter().rev());
                    }
                }
                _ => stack.extend(n.children.iter().rev()),
            }
        }
        let pick = if text.trim().is_empty() { alts } else { text };
        clip(
            &pick.split_whitespace().collect::<Vec<_>>().join(" "),
            MAX_LINK_TEXT_CHARS,
        )
    }

    fn enter(&mut self, id: Id, emit: bool) {
        let dom = self.dom;
        let Some(node) = dom.get(id) else { return };
        match &node.data {
            Data::Document | Data::Other => self.children(id, emit),
            Data::Text(t) => {
                if emit {
                    escape_text(t, &mut self.out);
                }
            }
            Data::Element {
                name,
                attrs,
                template,
            } => {
                let tag: &str = &name.local;
                let parent = self.tag_of(node.parent).to_string();
                let style = self
                    .st
                    .record_attrs(self.prefix, self.depth, tag, &parent, attrs);
                if name.ns != ns!(html) {
                    // SVG and MathML: nothing of it is shown, everything in it is evidence.
                    if tag == "script" {
                        self.st.removed_scripts += 1;
                    }
                    if tag == "a" {
                        self.link(id, attrs);
                    }
                    if tag == "style" {
                        self.style_element(id, false);
                    }
                    self.children(id, false);
                    return;
                }
                match tag {
                    "script" => self.st.removed_scripts += 1,
                    "style" => self.style_element(id, emit),
                    "title" | "textarea" | "select" | "datalist" | "option" | "optgroup"
                    | "input" | "iframe" | "frame" | "frameset" | "noframes" | "object"
                    | "embed" | "applet" | "param" | "video" | "audio" | "source" | "track"
                    | "bgsound" | "meta" | "link" | "base" | "canvas" | "area" | "portal"
                    | "fencedframe" | "noembed" | "keygen" | "output" | "dialog" | "slot" => {
                        if tag == "area" {
                            self.link(id, attrs);
                        }
                        self.children(id, false);
                    }
                    "template" => {
                        if let Some(t) = template {
                            self.stack.push(Step::Enter(*t, false));
                        }
                        self.children(id, false);
                    }
                    "a" => {
                        self.link(id, attrs);
                        if emit {
                            self.emit_anchor(attrs, style.as_deref());
                            self.stack.push(Step::Close("a"));
                        }
                        self.children(id, emit);
                    }
                    "img" | "image" => {
                        if emit {
                            self.emit_img(attrs, style.as_deref());
                        } else if let Some(src) = attr(attrs, "src") {
                            // Evidence only: still say which cid images were there.
                            let _ = self.st.resolve_cid(src);
                        }
                    }
                    "xmp" | "plaintext" | "listing" => {
                        if emit {
                            self.out.push_str("<pre>");
                            self.stack.push(Step::Close("pre"));
                        }
                        self.children(id, emit);
                    }
                    _ => match TAGS.iter().find(|t| **t == tag) {
                        Some(&t) if emit && t != "style" && t != "img" && t != "a" => {
                            self.emit_open(t, attrs, style.as_deref(), &[]);
                            if !is_void(t) {
                                self.stack.push(Step::Close(t));
                            }
                            self.children(id, emit);
                        }
                        // html, head, body, noscript, form, picture, button, map, label, fieldset, unknown
                        // and custom elements: the element goes, its content stays.
                        _ => self.children(id, emit),
                    },
                }
            }
        }
    }

    fn style_element(&mut self, id: Id, emit: bool) {
        let Some(node) = self.dom.get(id) else { return };
        let mut text = String::new();
        for &c in &node.children {
            if let Some(Data::Text(t)) = self.dom.get(c).map(|n| &n.data) {
                text.push_str(t);
            }
        }
        let css = self.st.style_sheet(self.prefix, &text);
        if emit && !css.is_empty() {
            self.out.push_str("<style>");
            self.out.push_str(&css);
            self.out.push_str("</style>");
        }
    }

    fn link(&mut self, id: Id, attrs: &[Attribute]) {
        let href = attr(attrs, "href").unwrap_or("").trim();
        if !href.is_empty() {
            let text = self.text_of(id);
            self.st.links.push(LinkTarget {
                text,
                href: clip(href, MAX_URL_CHARS),
            });
        }
    }

    fn emit_anchor(&mut self, attrs: &[Attribute], style: Option<&str>) {
        let href = attr(attrs, "href").unwrap_or("").trim();
        let mut extra: Vec<(&str, String)> = Vec::new();
        if let Some(name) = attr(attrs, "name") {
            extra.push(("name", name.to_string()));
        }
        if !href.is_empty() {
            if matches!(
                scheme(href).as_str(),
                "javascript" | "vbscript" | "livescript" | "mocha" | "data"
            ) {
                extra.push(("title", "script link removed".to_string()));
                extra.push(("data-ll-blocked", "link".to_string()));
            } else {
                extra.push(("data-href", href.to_string()));
                extra.push(("title", href.to_string()));
            }
        }
        self.emit_open("a", attrs, style, &extra);
    }

    fn emit_img(&mut self, attrs: &[Attribute], style: Option<&str>) {
        let mut extra: Vec<(&str, String)> = Vec::new();
        if let Some(src) = attr(attrs, "src").map(str::trim).filter(|s| !s.is_empty()) {
            if cid_of(src).is_some() {
                match self.st.resolve_cid(src) {
                    Some(data) => {
                        self.st.inlined_images += 1;
                        extra.push(("src", data));
                    }
                    None => {
                        let id = cid_of(src).unwrap_or_default();
                        extra.push(("data-ll-cid", id.clone()));
                        self.st.missing_cids.push(id);
                    }
                }
            } else if is_inline_image(src) {
                extra.push(("src", src.to_string()));
            } else {
                extra.push(("data-ll-blocked", "image".to_string()));
            }
        } else if attrs
            .iter()
            .any(|a| matches!(&*a.name.local, "srcset" | "lowsrc" | "dynsrc"))
        {
            extra.push(("data-ll-blocked", "image".to_string()));
        }
        self.emit_open("img", attrs, style, &extra);
    }

    /// Writes a start tag with the generic attributes of `attrs` that are allowed, the rewritten style,
    /// then `extra` (which overrides same-named ones).
    fn emit_open(
        &mut self,
        tag: &str,
        attrs: &[Attribute],
        style: Option<&str>,
        extra: &[(&str, String)],
    ) {
        self.out.push('<');
        self.out.push_str(tag);
        for a in attrs {
            let n: &str = &a.name.local;
            if a.name.ns != ns!()
                || n == "style"
                || !GENERIC_ATTRS.contains(&n)
                || extra.iter().any(|(e, _)| *e == n)
            {
                continue;
            }
            self.push_attr(n, &a.value);
        }
        if let Some(s) = style.filter(|s| !s.is_empty()) {
            self.push_attr("style", s);
        }
        for (n, v) in extra {
            self.push_attr(n, v);
        }
        self.out.push('>');
    }

    fn push_attr(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attr(value, &mut self.out);
        self.out.push('"');
    }
}

fn css_kind(kind: &str) -> ResourceKind {
    match kind {
        "stylesheet" => ResourceKind::Stylesheet,
        "font" => ResourceKind::Font,
        _ => ResourceKind::Image,
    }
}

fn is_void(tag: &str) -> bool {
    matches!(tag, "br" | "hr" | "img" | "col" | "wbr")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cid_forms() {
        assert_eq!(cid_of("cid:logo@x").as_deref(), Some("logo@x"));
        assert_eq!(cid_of(" CID:<logo%40x> ").as_deref(), Some("logo@x"));
        assert_eq!(cid_of("cid:a%4").as_deref(), Some("a%4"));
        assert_eq!(cid_of("http://x"), None);
        assert_eq!(cid_of("ci"), None);
    }

    #[test]
    fn schemes() {
        assert_eq!(scheme("java\tscript:alert(1)"), "javascript");
        assert_eq!(scheme(" JavaScript:x"), "javascript");
        assert_eq!(scheme("https://x"), "https");
        assert_eq!(scheme("/x:y"), "");
    }

    #[test]
    fn refresh_targets() {
        assert_eq!(refresh_url("0; URL='http://x/'"), Some("http://x/"));
        assert_eq!(refresh_url("5;url=http://y"), Some("http://y"));
        assert_eq!(refresh_url("5"), None);
    }
}
