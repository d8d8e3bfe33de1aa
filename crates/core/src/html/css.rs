//! CSS rewriting for [`super::sanitize`]: `<style>` blocks and `style` attributes are tokenized with
//! `cssparser` (so escapes such as `u\72l(` are seen for what they are), every reference to another
//! resource is removed and reported, and what is left is serialized again from tokens.
//!
//! What goes: `@import` (reported as a stylesheet), `@font-face` (its `src` URLs reported as fonts), every
//! declaration whose value holds a `url()` (reported as an image) or any function outside a short list of
//! value functions (`image-set()`, `expression()`, `paint()`, ...), `behavior` / `-moz-binding`, every
//! at-rule other than `@media`, `@supports`, `@container`, `@layer`, `@scope`, `@keyframes` and `@page`,
//! anything that cannot be tokenized cleanly, and anything containing `<` (so the result can never close
//! its `<style>` element). Nothing else is judged: colours, fonts, layout and selectors survive.

use cssparser::{ParseError, Parser, ToCss, Token, TokenSerializationType};

/// One resource reference found (and removed) while rewriting CSS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Kind of resource, as in [`super::BlockedResource::kind`].
    pub kind: &'static str,
    /// The URL as written (after CSS unescaping).
    pub url: String,
    /// Where it was: the property or at-rule name.
    pub what: String,
}

/// Value functions that never fetch anything.
const SAFE_FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "color-mix",
    "light-dark",
    "calc",
    "min",
    "max",
    "clamp",
    "var",
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "repeating-conic-gradient",
    "-webkit-linear-gradient",
    "-webkit-radial-gradient",
    "-moz-linear-gradient",
    "-moz-radial-gradient",
    "-o-linear-gradient",
    "translate",
    "translatex",
    "translatey",
    "translatez",
    "translate3d",
    "scale",
    "scalex",
    "scaley",
    "scalez",
    "scale3d",
    "rotate",
    "rotatex",
    "rotatey",
    "rotatez",
    "rotate3d",
    "skew",
    "skewx",
    "skewy",
    "matrix",
    "matrix3d",
    "perspective",
    "cubic-bezier",
    "steps",
    "rect",
    "inset",
    "circle",
    "ellipse",
    "polygon",
    "blur",
    "brightness",
    "contrast",
    "drop-shadow",
    "grayscale",
    "hue-rotate",
    "invert",
    "opacity",
    "saturate",
    "sepia",
    "minmax",
    "repeat",
    "fit-content",
    "counter",
    "counters",
];

/// Functions whose string arguments are URLs.
const URL_FUNCTIONS: &[&str] = &[
    "url",
    "src",
    "image-set",
    "-webkit-image-set",
    "image",
    "cross-fade",
];

/// Properties that run code or bind behaviour in some engine.
const BAD_PROPERTIES: &[&str] = &[
    "behavior",
    "-ms-behavior",
    "-moz-binding",
    "-webkit-binding",
];

/// At-rules whose block is again a list of rules.
const GROUP_RULES: &[&str] = &[
    "media",
    "supports",
    "container",
    "layer",
    "scope",
    "starting-style",
    "keyframes",
    "-webkit-keyframes",
    "-moz-keyframes",
    "-o-keyframes",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    Paren,
    Square,
    Curly,
}

#[derive(Debug, Clone)]
enum K {
    Semi,
    Colon,
    At(String),
    Ident(String),
    Str(String),
    Url(String),
    Bad,
    Other,
}

#[derive(Debug, Clone)]
enum C {
    Ws,
    Tok {
        css: String,
        ty: TokenSerializationType,
        k: K,
    },
    Block {
        open: String,
        ty: TokenSerializationType,
        close: Close,
        func: Option<String>,
        kids: Vec<C>,
    },
}

fn parse_list(p: &mut Parser<'_>, out: &mut Vec<C>) {
    while let Ok(tok) = p.next_including_whitespace_and_comments() {
        let tok = tok.clone();
        let ty = tok.serialization_type();
        let (close, func) = match &tok {
            Token::Function(name) => (Some(Close::Paren), Some(name.to_ascii_lowercase())),
            Token::ParenthesisBlock => (Some(Close::Paren), None),
            Token::SquareBracketBlock => (Some(Close::Square), None),
            Token::CurlyBracketBlock => (Some(Close::Curly), None),
            _ => (None, None),
        };
        if let Some(close) = close {
            let mut kids = Vec::new();
            let r: Result<(), ParseError<()>> = p.parse_nested_block(|q| {
                parse_list(q, &mut kids);
                Ok(())
            });
            if r.is_err() {
                // Too deeply nested: keep nothing of it, but remember it was there.
                kids.clear();
                kids.push(C::Tok {
                    css: String::new(),
                    ty,
                    k: K::Bad,
                });
            }
            out.push(C::Block {
                open: tok.to_css_string(),
                ty,
                close,
                func,
                kids,
            });
            continue;
        }
        let k = match &tok {
            Token::WhiteSpace(_) | Token::Comment(_) | Token::CDO | Token::CDC => {
                if !matches!(out.last(), Some(C::Ws)) {
                    out.push(C::Ws);
                }
                continue;
            }
            Token::Semicolon => K::Semi,
            Token::Colon => K::Colon,
            Token::AtKeyword(n) => K::At(n.to_ascii_lowercase()),
            Token::Ident(n) => K::Ident(n.to_ascii_lowercase()),
            Token::QuotedString(s) => K::Str(s.to_string()),
            Token::UnquotedUrl(u) | Token::BadUrl(u) => K::Url(u.to_string()),
            Token::BadString(_)
            | Token::CloseParenthesis
            | Token::CloseSquareBracket
            | Token::CloseCurlyBracket => K::Bad,
            _ => K::Other,
        };
        out.push(C::Tok {
            css: tok.to_css_string(),
            ty,
            k,
        });
    }
}

fn parse(css: &str) -> Vec<C> {
    let mut p = Parser::new(css);
    let mut out = Vec::new();
    parse_list(&mut p, &mut out);
    out
}

/// Collects the URLs referenced anywhere in `items`. `strings` says whether bare strings count as URLs here
/// (`@import "x.css"`, `image-set("x.png" 1x)`).
fn collect_urls(
    items: &[C],
    strings: bool,
    kind: &'static str,
    what: &str,
    found: &mut Vec<Found>,
) {
    for item in items {
        match item {
            C::Tok { k: K::Url(u), .. } => push_found(found, kind, u, what),
            C::Tok { k: K::Str(s), .. } if strings => push_found(found, kind, s, what),
            C::Block { func, kids, .. } => {
                let urlish = func.as_deref().is_some_and(|f| URL_FUNCTIONS.contains(&f));
                collect_urls(kids, urlish, kind, what, found);
            }
            _ => {}
        }
    }
}

fn push_found(found: &mut Vec<Found>, kind: &'static str, url: &str, what: &str) {
    let url = url.trim();
    if !url.is_empty() {
        found.push(Found {
            kind,
            url: url.to_string(),
            what: what.to_string(),
        });
    }
}

/// Whether `items` may be kept: no URL, no unknown function, no broken token, no `<`.
fn clean(items: &[C]) -> bool {
    items.iter().all(|item| match item {
        C::Ws => true,
        C::Tok { css, k, .. } => !matches!(k, K::Url(_) | K::Bad) && !css.contains('<'),
        C::Block { func, kids, .. } => {
            func.as_deref().is_none_or(|f| SAFE_FUNCTIONS.contains(&f)) && clean(kids)
        }
    })
}

/// Selector-side check: as [`clean`], but any function is fine (`:not()`, `:nth-child()`) unless it
/// fetches.
fn clean_prelude(items: &[C]) -> bool {
    items.iter().all(|item| match item {
        C::Ws => true,
        C::Tok { css, k, .. } => !matches!(k, K::Url(_) | K::Bad | K::Semi) && !css.contains('<'),
        C::Block {
            func, kids, close, ..
        } => {
            *close != Close::Curly
                && func.as_deref().is_none_or(|f| !URL_FUNCTIONS.contains(&f))
                && clean_prelude(kids)
        }
    })
}

struct Out {
    s: String,
    last: TokenSerializationType,
}

impl Out {
    fn new() -> Self {
        Out {
            s: String::new(),
            last: TokenSerializationType::Nothing,
        }
    }

    fn raw(&mut self, text: &str) {
        self.s.push_str(text);
        self.last = TokenSerializationType::Nothing;
    }

    fn items(&mut self, items: &[C]) {
        for item in items {
            match item {
                C::Ws => self.raw(" "),
                C::Tok { css, ty, .. } => self.tok(css, *ty),
                C::Block {
                    open,
                    ty,
                    close,
                    kids,
                    ..
                } => {
                    self.tok(open, *ty);
                    self.items(kids);
                    self.raw(match close {
                        Close::Paren => ")",
                        Close::Square => "]",
                        Close::Curly => "}",
                    });
                }
            }
        }
    }

    fn tok(&mut self, css: &str, ty: TokenSerializationType) {
        if self.last.needs_separator_when_before(ty) {
            self.s.push_str("/**/");
        }
        self.s.push_str(css);
        self.last = ty;
    }
}

fn trim(items: &[C]) -> &[C] {
    let start = items
        .iter()
        .position(|c| !matches!(c, C::Ws))
        .unwrap_or(items.len());
    let end = items
        .iter()
        .rposition(|c| !matches!(c, C::Ws))
        .map_or(start, |e| e + 1);
    items.get(start..end.max(start)).unwrap_or(&[])
}

/// Rewrites a declaration list (a `style` attribute, or the inside of a rule). `owner` names where it
/// came from, for [`Found::what`].
fn declarations(items: &[C], owner: &str, found: &mut Vec<Found>, out: &mut Out) {
    for decl in items.split(|c| matches!(c, C::Tok { k: K::Semi, .. })) {
        let decl = trim(decl);
        if decl.is_empty() {
            continue;
        }
        let name = match decl.first() {
            Some(C::Tok { k: K::Ident(n), .. }) => n.clone(),
            _ => {
                // A nested rule, an at-rule or junk: dropped, its URLs reported.
                collect_urls(decl, false, "image", owner, found);
                continue;
            }
        };
        let rest = trim(decl.get(1..).unwrap_or(&[]));
        let value = match rest.first() {
            Some(C::Tok { k: K::Colon, .. }) => trim(rest.get(1..).unwrap_or(&[])),
            _ => {
                collect_urls(decl, false, "image", owner, found);
                continue;
            }
        };
        let what = if owner.is_empty() {
            name.clone()
        } else {
            format!("{owner} {name}")
        };
        let kind = if name == "src" { "font" } else { "image" };
        if BAD_PROPERTIES.contains(&name.as_str()) || !clean(value) {
            collect_urls(value, false, kind, &what, found);
            continue;
        }
        let Some(C::Tok {
            css: name_css, ty, ..
        }) = decl.first()
        else {
            continue;
        };
        out.tok(name_css, *ty);
        out.raw(":");
        out.items(value);
        out.raw(";");
    }
}

/// Rewrites a list of rules (a style sheet, or the block of a grouping at-rule).
fn rules(items: &[C], found: &mut Vec<Found>, out: &mut Out) {
    let mut i = 0;
    while i < items.len() {
        // One rule: up to and including a top-level `{}` block, or up to a `;` for an at-rule.
        while matches!(items.get(i), Some(C::Ws)) {
            i += 1;
        }
        let start = i;
        let is_at = matches!(items.get(i), Some(C::Tok { k: K::At(_), .. }));
        let mut end = None;
        while let Some(item) = items.get(i) {
            i += 1;
            match item {
                C::Block {
                    close: Close::Curly,
                    ..
                } => {
                    end = Some(i);
                    break;
                }
                C::Tok { k: K::Semi, .. } if is_at => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let rule = trim(items.get(start..end.unwrap_or(i)).unwrap_or(&[]));
        if rule.is_empty() {
            continue;
        }
        if end.is_none() {
            // Unterminated trailing junk.
            collect_urls(rule, false, "image", "style", found);
            continue;
        }
        rule_one(rule, found, out);
    }
}

fn rule_one(rule: &[C], found: &mut Vec<Found>, out: &mut Out) {
    let (prelude, block) = match rule.last() {
        Some(C::Block {
            close: Close::Curly,
            kids,
            ..
        }) => (rule.get(..rule.len() - 1).unwrap_or(&[]), Some(kids)),
        _ => (rule, None),
    };
    if let Some(C::Tok {
        k: K::At(name),
        css,
        ty,
    }) = rule.first()
    {
        let at_prelude = trim(prelude.get(1..).unwrap_or(&[]));
        let at_prelude = match at_prelude.last() {
            Some(C::Tok { k: K::Semi, .. }) => {
                trim(at_prelude.get(..at_prelude.len() - 1).unwrap_or(&[]))
            }
            _ => at_prelude,
        };
        let what = format!("@{name}");
        match name.as_str() {
            "import" => collect_urls(rule, true, "stylesheet", &what, found),
            "font-face" => collect_urls(rule, true, "font", &what, found),
            "charset" | "namespace" => {}
            n if GROUP_RULES.contains(&n) && clean_prelude(at_prelude) => {
                out.tok(css, *ty);
                out.raw(" ");
                out.items(at_prelude);
                match block {
                    Some(kids) => {
                        out.raw("{");
                        rules(kids, found, out);
                        out.raw("}");
                    }
                    None => out.raw(";"),
                }
            }
            "page" if clean_prelude(at_prelude) && block.is_some() => {
                out.tok(css, *ty);
                out.raw(" ");
                out.items(at_prelude);
                out.raw("{");
                if let Some(kids) = block {
                    declarations(kids, "@page", found, out);
                }
                out.raw("}");
            }
            _ => collect_urls(rule, false, "image", &what, found),
        }
        return;
    }
    let prelude = trim(prelude);
    match block {
        Some(kids) if clean_prelude(prelude) && !prelude.is_empty() => {
            let mut decls = Out::new();
            declarations(kids, "", found, &mut decls);
            if !decls.s.is_empty() {
                out.items(prelude);
                out.raw("{");
                out.raw(&decls.s);
                out.raw("}\n");
            }
        }
        _ => collect_urls(rule, false, "image", "style", found),
    }
}

/// Rewrites a whole style sheet (the text of a `<style>` element).
pub(crate) fn sanitize_stylesheet(css: &str, found: &mut Vec<Found>) -> String {
    let items = parse(css);
    let mut out = Out::new();
    rules(&items, found, &mut out);
    finish(out.s)
}

/// Rewrites a declaration list (the value of a `style` attribute). `owner` names the element, for the
/// reports.
pub(crate) fn sanitize_declarations(css: &str, owner: &str, found: &mut Vec<Found>) -> String {
    let items = parse(css);
    let mut out = Out::new();
    declarations(&items, owner, found, &mut out);
    finish(out.s)
}

/// Last guard: the output goes inside `<style>` or a quoted attribute, so it never holds `<`.
fn finish(s: String) -> String {
    let s = s.trim();
    if s.contains('<') {
        s.replace('<', " ")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(css: &str) -> (String, Vec<String>) {
        let mut f = Vec::new();
        let s = sanitize_declarations(css, "td", &mut f);
        (
            s,
            f.into_iter()
                .map(|f| format!("{}:{}", f.kind, f.url))
                .collect(),
        )
    }

    fn sheet(css: &str) -> (String, Vec<String>) {
        let mut f = Vec::new();
        let s = sanitize_stylesheet(css, &mut f);
        (
            s,
            f.into_iter()
                .map(|f| format!("{}:{}", f.kind, f.url))
                .collect(),
        )
    }

    #[test]
    fn declarations_keep_safe_drop_urls() {
        let (s, f) = decl("color: red; background: #fff url('http://t.example/p.gif') no-repeat; font-weight:bold");
        assert_eq!(s, "color:red;font-weight:bold;");
        assert_eq!(f, ["image:http://t.example/p.gif"]);
    }

    #[test]
    fn escaped_url_function_is_seen() {
        let (s, f) = decl(r"background-image: u\72l(http://t.example/x.png); color: blue");
        assert_eq!(s, "color:blue;");
        assert_eq!(f, ["image:http://t.example/x.png"]);
        let (s, f) = decl("background: u/**/rl(http://t.example/y.png)");
        assert!(!s.contains("url("), "{s}");
        let _ = f;
    }

    #[test]
    fn image_set_and_expression_dropped() {
        let (s, f) = decl(
            r#"background-image: image-set("http://t.example/a.png" 1x); width: expression(alert(1)); behavior: url(x.htc); height: calc(100% - 2px)"#,
        );
        assert_eq!(s, "height:calc(100% - 2px);");
        assert_eq!(f, ["image:http://t.example/a.png", "image:x.htc"]);
    }

    #[test]
    fn stylesheet_import_font_face_and_urls() {
        let (s, f) = sheet(
            "@import url(http://t.example/a.css);\n@import 'http://t.example/b.css' screen;\n\
             @font-face { font-family: X; src: url(https://fonts.example/x.woff2) format('woff2'); }\n\
             body { color: #333; background: url(//t.example/bg.png) }\n\
             @media (max-width: 600px) { .a { width: 100% !important; list-style-image: url(http://t.example/li.png) } }\n\
             p > b { font-weight: bold }",
        );
        assert!(
            !s.contains("url") && !s.contains("@import") && !s.contains("font-face"),
            "{s}"
        );
        assert!(s.contains("body{color:#333;}"), "{s}");
        assert!(
            s.contains("@media (max-width: 600px){.a{width:100% !important;}"),
            "{s}"
        );
        assert!(s.contains("p > b{font-weight:bold;}"), "{s}");
        assert_eq!(
            f,
            [
                "stylesheet:http://t.example/a.css",
                "stylesheet:http://t.example/b.css",
                "font:https://fonts.example/x.woff2",
                "image://t.example/bg.png",
                "image:http://t.example/li.png",
            ]
        );
    }

    #[test]
    fn never_closes_the_style_element() {
        let (s, _) = sheet(r#"a { content: "\3c/style><script>x</script>" } b { color: red }"#);
        assert!(!s.contains('<'), "{s}");
        assert!(s.contains("b{color:red;}"), "{s}");
        let (s, _) = sheet(r"\3c/style\3e { color: red }");
        assert!(!s.contains('<'), "{s}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let css = format!(
            "a {{ width: {}1{} }}",
            "calc(".repeat(5000),
            ")".repeat(5000)
        );
        let (s, _) = sheet(&css);
        assert_eq!(s, "");
        let (s, _) = decl(&"(".repeat(100_000));
        assert_eq!(s, "");
    }
}
