//! Safe rendering of HTML mail: [`sanitize`] turns a message's HTML into a self-contained document for an
//! `<iframe sandbox srcdoc>` that can neither run code nor make a single network request, and reports every
//! remote resource it removed (a tracking pixel's URL often names the recipient: it is evidence).
//!
//! How it works, in three layers:
//!
//! 1. The HTML is parsed as a whole document with html5ever (as a browser with scripting disabled would).
//!    A walk over that tree records every resource reference in a loading position ([`BlockedResource`]),
//!    every link target ([`LinkTarget`]), and writes a cleaned copy: scripts, event handlers, frames,
//!    forms, objects, media, `<meta>`, `<link>`, `<base>` and SVG/MathML are gone (their URLs are still
//!    recorded, `<iframe srcdoc>` included); `cid:` images become `data:` URLs built from the message's own
//!    parts; `<a href>` keeps its text but not its target (moved to `data-href` and `title`); `<style>`
//!    blocks and `style` attributes are rewritten token by token (`cssparser`) without `@import`,
//!    `@font-face`, `url()`, `image-set()`, `expression()` and friends.
//! 2. That copy goes through `ammonia` with a strict allowlist (formatting tags, table attributes, `data:`
//!    as the only URL scheme, a final check of every `src` and `style`), the last gate.
//! 3. The document opens with a Content-Security-Policy ([`CSP`]) that forbids every load but `data:`
//!    images and inline styles, for the day a browser disagrees with the parsers above. The frame it goes
//!    into must also be sandboxed without `allow-scripts` and `allow-same-origin`.
//!
//! The document starts directly with the CSP `<meta>` (no doctype: like most mail clients, the mail is
//! laid out in quirks mode, which old table-based newsletters expect).
//!
//! ```
//! use leakloupe_core::html::{sanitize, ResourceKind};
//! let parts = |cid: &str| (cid == "logo@x").then(|| ("image/png".to_string(), vec![0x89, b'P', b'N', b'G']));
//! let safe = sanitize(
//!     r#"<p>Hi <b>Bob</b><img src="cid:logo@x"><img src="http://t.example/o.gif?u=bob" onerror="x()"></p>
//!        <script>alert(1)</script><a href="https://phish.example/">Your bank</a>"#,
//!     &parts,
//! );
//! assert!(safe.html.starts_with("<meta http-equiv=\"Content-Security-Policy\""));
//! assert!(safe.html.contains("<b>Bob</b>") && safe.html.contains("src=\"data:image/png;base64,iVBORw==\""));
//! assert!(!safe.html.contains("<script") && !safe.html.contains("onerror") && !safe.html.contains("http://"));
//! assert_eq!(safe.blocked.len(), 1);
//! assert_eq!((safe.blocked[0].kind, safe.blocked[0].url.as_str()), (ResourceKind::Image, "http://t.example/o.gif?u=bob"));
//! assert_eq!((safe.links[0].text.as_str(), safe.links[0].href.as_str()), ("Your bank", "https://phish.example/"));
//! assert_eq!(safe.removed_scripts, 1);
//! ```

mod css;
mod dom;
mod flat;
mod walk;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The Content-Security-Policy every [`SafeHtml::html`] document declares in its first `<meta>`: nothing may
/// load except `data:` images and inline styles; no form may submit, no `<base>` may apply.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

/// An inline part as the lookup of [`sanitize`] returns it: its MIME type (parameters allowed, e.g.
/// `image/png; name=logo.png`) and its decoded bytes.
pub type InlinePart = (String, Vec<u8>);

/// HTML inputs longer than this many bytes are cut (at a character boundary) before parsing; see
/// [`SafeHtml::truncated`].
pub const MAX_HTML_BYTES: usize = 32 * 1024 * 1024;

/// What a removed remote reference would have loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// An image: `<img src/srcset>`, `background=`, `poster=`, CSS `url()` in a property.
    Image,
    /// A style sheet: `<link rel=stylesheet>`, CSS `@import`.
    Stylesheet,
    /// A web font: `@font-face` `src`.
    Font,
    /// A frame: `<iframe>`, `<frame>` `src`.
    Frame,
    /// A form submission target: `<form action>`, `formaction=`.
    Form,
    /// A script: `<script src>`, SVG `<script href>`.
    Script,
    /// A hint that makes the browser connect or fetch ahead: `<link rel=prefetch|preload|preconnect|dns-prefetch|prerender|modulepreload>`.
    LinkPrefetch,
    /// Any other `<link href>` (icons are [`ResourceKind::Image`]), or `<html manifest>`.
    Link,
    /// Audio or video: `<video>`, `<audio>`, `<source>`, `<track>`, `<bgsound>` `src`.
    Media,
    /// A plugin: `<object data>`, `<embed src>`, `<applet>`, `<param>`.
    Object,
    /// A `<meta http-equiv=refresh>` redirect target.
    Refresh,
    /// A `<base href>` that would have re-rooted relative URLs.
    Base,
    /// An `<a ping>` beacon.
    Ping,
}

impl ResourceKind {
    /// Lower-case name: "image", "stylesheet", "font", "frame", "form", "script", "link-prefetch", "link",
    /// "media", "object", "refresh", "base" or "ping".
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Image => "image",
            ResourceKind::Stylesheet => "stylesheet",
            ResourceKind::Font => "font",
            ResourceKind::Frame => "frame",
            ResourceKind::Form => "form",
            ResourceKind::Script => "script",
            ResourceKind::LinkPrefetch => "link-prefetch",
            ResourceKind::Link => "link",
            ResourceKind::Media => "media",
            ResourceKind::Object => "object",
            ResourceKind::Refresh => "refresh",
            ResourceKind::Base => "base",
            ResourceKind::Ping => "ping",
        }
    }
}

/// One reference that would have made a request, removed from the output.
///
/// Everything in a loading position that is not `cid:`, a `data:image/...` URL, a `#fragment` or
/// `about:blank` counts, relative URLs and `javascript:` included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedResource {
    /// What it would have loaded.
    pub kind: ResourceKind,
    /// The URL as written in the mail (entities and CSS escapes decoded, trimmed; cut after 2,048
    /// characters with a trailing "…").
    pub url: String,
    /// Where it was, e.g. `img src`, `td style background-image`, `<style> @import`,
    /// `iframe srcdoc > img src`.
    pub context: String,
}

/// One link of the mail: its visible text and where it really points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The link's text (whitespace collapsed; image `alt` text when there is no text; cut after 500
    /// characters).
    pub text: String,
    /// The `href` as written (trimmed), whatever its scheme.
    pub href: String,
}

/// The result of [`sanitize`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SafeHtml {
    /// A complete document for `<iframe sandbox srcdoc=...>` (sandbox without `allow-scripts` and
    /// `allow-same-origin`). Starts with the [`CSP`] `<meta>`.
    pub html: String,
    /// Every removed remote reference, in document order; `blocked.len()` is the "N remote resources
    /// blocked" count.
    pub blocked: Vec<BlockedResource>,
    /// Every `<a href>` / `<area href>`, in document order. In the output, links keep their text but cannot
    /// navigate: the target moves to `data-href` and `title` (for `javascript:`, `vbscript:` and `data:`
    /// targets only a "script link removed" title remains).
    pub links: Vec<LinkTarget>,
    /// Number of `<script>` elements removed (SVG and `srcdoc` ones included).
    pub removed_scripts: usize,
    /// Number of `on...` event-handler attributes removed.
    pub removed_handlers: usize,
    /// Number of `cid:` images replaced by a `data:` URL from the message's own parts.
    pub inlined_images: usize,
    /// `cid:` references no part answered (or answered with a type that is not an image), without the
    /// `cid:` prefix, in document order.
    pub missing_cids: Vec<String>,
    /// Whether the input was longer than [`MAX_HTML_BYTES`] and was cut.
    pub truncated: bool,
    /// Whether the HTML was nested so deeply (over about a thousand levels, a denial-of-service shape) that
    /// only its text is shown, in one pre-wrapped `<div>`; blocked resources and links are still complete.
    pub flattened: bool,
}

/// Image types a `cid:` part may have to be inlined (SVG is left out: it is a document, not a picture).
const INLINE_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/x-ms-bmp",
    "image/avif",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "image/tiff",
    "image/apng",
];

/// Sanitizes one HTML body (see the module documentation). Never panics.
///
/// `parts` looks up an inline part by Content-ID: it gets the id without `cid:` and without angle
/// brackets, percent-decoded (`cid:logo%40x` asks for `logo@x`), and returns the part's MIME type and
/// decoded bytes. Each id is asked for once. Only the image types in a short raster list are inlined.
pub fn sanitize(html: &str, parts: &dyn Fn(&str) -> Option<InlinePart>) -> SafeHtml {
    let (html, truncated) = clip_input(html);
    let mut state = walk::State::new(parts);
    let body = walk::walk_document(html, &mut state, true, "", 0);
    let clean = final_pass(&body);
    let mut doc = String::with_capacity(clean.len() + 256);
    doc.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    doc.push_str(CSP);
    doc.push_str("\"><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\n");
    doc.push_str(&clean);
    doc.push('\n');
    SafeHtml {
        html: doc,
        blocked: state.blocked,
        links: state.links,
        removed_scripts: state.removed_scripts,
        removed_handlers: state.removed_handlers,
        inlined_images: state.inlined_images,
        missing_cids: state.missing_cids,
        truncated,
        flattened: state.flattened,
    }
}

/// Finds the HTML body of a raw RFC 822 message (the first `text/html` part that is not an attachment) and
/// [`sanitize`]s it, resolving `cid:` references against the message's own parts (by `Content-ID`).
/// `None` when the message has no HTML part or does not parse as MIME at all. Never panics.
pub fn sanitize_message(raw: &[u8]) -> Option<SafeHtml> {
    let mail = mailparse::parse_mail(raw).ok()?;
    let mut leaves = Vec::new();
    let mut stack = vec![&mail];
    while let Some(p) = stack.pop() {
        if p.subparts.is_empty() {
            leaves.push(p);
        } else {
            stack.extend(p.subparts.iter().rev());
        }
    }
    let html_part = leaves.iter().find(|p| {
        p.ctype.mimetype.eq_ignore_ascii_case("text/html")
            && p.get_content_disposition().disposition != mailparse::DispositionType::Attachment
    })?;
    let html = html_part.get_body().ok()?;
    let by_cid: HashMap<String, &mailparse::ParsedMail> = leaves
        .iter()
        .filter_map(|p| {
            let id = p
                .headers
                .iter()
                .find(|h| h.get_key_ref().eq_ignore_ascii_case("Content-ID"))?
                .get_value();
            Some((strip_angles(&id).to_string(), *p))
        })
        .collect();
    let parts = |cid: &str| {
        let p = by_cid.get(cid)?;
        Some((p.ctype.mimetype.clone(), p.get_body_raw().ok()?))
    };
    Some(sanitize(&html, &parts))
}

fn strip_angles(id: &str) -> &str {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    id.strip_suffix('>').unwrap_or(id).trim()
}

fn clip_input(html: &str) -> (&str, bool) {
    if html.len() <= MAX_HTML_BYTES {
        return (html, false);
    }
    let mut end = MAX_HTML_BYTES;
    while end > 0 && !html.is_char_boundary(end) {
        end -= 1;
    }
    (html.get(..end).unwrap_or(""), true)
}

/// Whether a `src` value may stay in the output: a `data:` URL of an allowed raster image type.
pub(crate) fn is_inline_image(url: &str) -> bool {
    let Some(head) = url.get(..url.len().min(64)) else {
        // Not a char boundary within 64 bytes: look at a shorter prefix.
        return url
            .char_indices()
            .nth(40)
            .and_then(|(i, _)| url.get(..i))
            .is_some_and(is_inline_image_head);
    };
    is_inline_image_head(head)
}

fn is_inline_image_head(head: &str) -> bool {
    let head = head.to_ascii_lowercase();
    let Some(rest) = head.strip_prefix("data:") else {
        return false;
    };
    let mime = rest.split([';', ',']).next().unwrap_or("");
    INLINE_IMAGE_TYPES.contains(&mime)
}

/// Builds a `data:` URL for a part, when its type is an allowed image type.
pub(crate) fn data_url(mime: &str, bytes: &[u8]) -> Option<String> {
    use base64::Engine as _;
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if bytes.is_empty() || !INLINE_IMAGE_TYPES.contains(&mime.as_str()) {
        return None;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!("data:{mime};base64,{b64}"))
}

/// Tags the output may contain (the walk emits nothing else; ammonia enforces it again).
pub(crate) const TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Attributes any output tag may carry (besides the per-tag ones of [`final_pass`]).
pub(crate) const GENERIC_ATTRS: &[&str] = &[
    "align",
    "valign",
    "bgcolor",
    "color",
    "face",
    "size",
    "width",
    "height",
    "border",
    "cellpadding",
    "cellspacing",
    "colspan",
    "rowspan",
    "dir",
    "lang",
    "title",
    "class",
    "id",
    "style",
    "nowrap",
    "span",
    "start",
    "type",
    "reversed",
    "abbr",
    "headers",
    "scope",
    "hspace",
    "vspace",
    "clear",
    "alt",
    "datetime",
    "open",
    "char",
    "charoff",
    "frame",
    "rules",
    "summary",
    "noshade",
    "compact",
    "value",
];

/// Attributes the walk itself adds.
pub(crate) const MARK_ATTRS: &[&str] = &["data-href", "data-ll-blocked", "data-ll-cid"];

/// ammonia, configured as the last gate over the walk's output.
fn final_pass(body: &str) -> String {
    let mut generic: HashSet<&str> = GENERIC_ATTRS.iter().copied().collect();
    generic.extend(MARK_ATTRS.iter().copied());
    let mut tag_attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
    tag_attrs.insert("img", ["src"].into_iter().collect());
    tag_attrs.insert("a", ["name"].into_iter().collect());
    tag_attrs.insert("style", ["media"].into_iter().collect());
    let mut b = ammonia::Builder::default();
    b.tags(TAGS.iter().copied().collect())
        .clean_content_tags(["script"].into_iter().collect())
        .generic_attributes(generic)
        .generic_attribute_prefixes(HashSet::new())
        .tag_attributes(tag_attrs)
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .url_schemes(["data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(None)
        .strip_comments(true)
        .id_prefix(None)
        .attribute_filter(|_element, attr, value| match attr {
            "src" => is_inline_image(value).then_some(Cow::Borrowed(value)),
            "style" => {
                let mut found = Vec::new();
                let s = css::sanitize_declarations(value, "", &mut found);
                (!s.is_empty()).then_some(Cow::Owned(s))
            }
            _ => Some(Cow::Borrowed(value)),
        });
    b.clean(body).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_image_check() {
        assert!(is_inline_image("data:image/png;base64,AAAA"));
        assert!(is_inline_image("DATA:image/GIF;base64,AAAA"));
        assert!(!is_inline_image("data:image/svg+xml;base64,AAAA"));
        assert!(!is_inline_image("data:text/html,<script>"));
        assert!(!is_inline_image("http://x/data:image/png"));
        assert!(!is_inline_image(&format!("data:{}", "é".repeat(100))));
    }

    #[test]
    fn data_urls_only_for_images() {
        assert_eq!(
            data_url("image/PNG; name=x", b"ab").as_deref(),
            Some("data:image/png;base64,YWI=")
        );
        assert_eq!(data_url("text/html", b"ab"), None);
        assert_eq!(data_url("image/svg+xml", b"<svg/>"), None);
        assert_eq!(data_url("image/png", b""), None);
    }

    #[test]
    fn clip_at_char_boundary() {
        assert_eq!(clip_input("abc"), ("abc", false));
    }
}
