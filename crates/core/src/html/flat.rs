//! The fallback for absurdly nested HTML: html5ever's tree builder (like every HTML parser) spends time
//! quadratic in the nesting depth, so a mail of 50,000 unclosed `<div>`s would freeze the worker. Such input
//! (estimated by [`nesting_estimate`], a cheap byte scan) is read by the tokenizer alone: evidence is recorded
//! exactly as in the tree walk, and only the text is shown (no markup at all).

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::walk::State;
use super::LinkTarget;

/// Above this estimated nesting depth, HTML is shown as text only. (Browsers stop nesting at 512.)
pub(crate) const MAX_NESTING: usize = 1000;

/// Elements that never nest (void elements, and elements whose end tag is implied by the next sibling).
const NON_NESTING: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd",
    "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "caption", "rb",
    "rt", "rtc", "rp", "a", "html", "head", "body",
];

/// A cheap over-estimate of the deepest element nesting in `html`: start tags minus end tags, not counting
/// elements that cannot nest.
pub(crate) fn nesting_estimate(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    let mut name = [0u8; 10];
    while i < b.len() {
        if b.get(i) != Some(&b'<') {
            i += 1;
            continue;
        }
        i += 1;
        let close = b.get(i) == Some(&b'/');
        if close {
            i += 1;
        }
        let mut len = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_alphanumeric()) {
            if let Some(slot) = name.get_mut(len) {
                *slot = c.to_ascii_lowercase();
            }
            len += 1;
            i += 1;
        }
        if len == 0 {
            continue;
        }
        let n = name.get(..len.min(name.len())).unwrap_or(&[]);
        if len <= name.len() && NON_NESTING.iter().any(|t| t.as_bytes() == n) {
            continue;
        }
        if close {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Raw {
    Script,
    Style,
    Ignore,
}

struct Flat<'s, 'p> {
    st: &'s mut State<'p>,
    prefix: &'s str,
    depth: u8,
    emit: bool,
    out: String,
    raw: Option<(Raw, String)>,
    style: String,
    link: Option<(usize, String)>,
}

struct Sink<'s, 'p>(RefCell<Flat<'s, 'p>>);

impl Flat<'_, '_> {
    fn close_link(&mut self) {
        if let Some((i, text)) = self.link.take() {
            if let Some(l) = self.st.links.get_mut(i) {
                let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
                l.text = t.chars().take(500).collect();
            }
        }
    }

    fn text(&mut self, t: &str) {
        match self.raw.as_ref().map(|r| r.0) {
            Some(Raw::Style) => self.style.push_str(t),
            Some(_) => {}
            None => {
                if self.emit {
                    super::walk::escape_text(t, &mut self.out);
                }
                if let Some((_, text)) = self.link.as_mut().filter(|(_, text)| text.len() < 4000) {
                    text.push_str(t);
                }
            }
        }
    }

    fn token(&mut self, token: Token) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if tag.kind == TagKind::EndTag {
                    if self.raw.as_ref().is_some_and(|(_, n)| n == name) {
                        if self.raw.take().is_some_and(|(r, _)| r == Raw::Style) {
                            let css = std::mem::take(&mut self.style);
                            let _ = self.st.style_sheet(self.prefix, &css);
                        }
                    } else if name == "a" {
                        self.close_link();
                    }
                    if is_block(name) {
                        self.out.push('\n');
                    }
                    return TokenSinkResult::Continue;
                }
                let _ = self
                    .st
                    .record_attrs(self.prefix, self.depth, name, "", &tag.attrs);
                if matches!(name, "a" | "area") {
                    self.close_link();
                    let href = tag
                        .attrs
                        .iter()
                        .find(|a| &*a.name.local == "href")
                        .map(|a| a.value.trim().to_string());
                    if let Some(href) = href.filter(|h| !h.is_empty()) {
                        self.st.links.push(LinkTarget {
                            text: String::new(),
                            href,
                        });
                        if name == "a" {
                            self.link = Some((self.st.links.len() - 1, String::new()));
                        }
                    }
                }
                if is_block(name) {
                    self.out.push('\n');
                }
                if tag.self_closing {
                    return TokenSinkResult::Continue;
                }
                let (raw, kind) = match name {
                    "script" => {
                        self.st.removed_scripts += 1;
                        (Raw::Script, RawKind::ScriptData)
                    }
                    "style" => (Raw::Style, RawKind::Rawtext),
                    "title" | "textarea" => (Raw::Ignore, RawKind::Rcdata),
                    "xmp" | "iframe" | "noembed" | "noframes" => (Raw::Ignore, RawKind::Rawtext),
                    "plaintext" => return TokenSinkResult::Plaintext,
                    _ => return TokenSinkResult::Continue,
                };
                self.raw = Some((raw, name.to_string()));
                TokenSinkResult::RawData(kind)
            }
            Token::CharacterTokens(t) => {
                self.text(&t);
                TokenSinkResult::Continue
            }
            Token::EOFToken => {
                self.close_link();
                if !self.style.is_empty() {
                    let css = std::mem::take(&mut self.style);
                    let _ = self.st.style_sheet(self.prefix, &css);
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "tr"
            | "li"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "table"
            | "blockquote"
            | "pre"
            | "hr"
    )
}

impl TokenSink for Sink<'_, '_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        match self.0.try_borrow_mut() {
            Ok(mut flat) => flat.token(token),
            Err(_) => TokenSinkResult::Continue,
        }
    }
}

/// Reads `html` with the tokenizer only: records evidence into `st` and, when `emit`, returns its text in a
/// `<div style="white-space:pre-wrap">` (else an empty string).
pub(crate) fn flatten(
    html: &str,
    st: &mut State<'_>,
    emit: bool,
    prefix: &str,
    depth: u8,
) -> String {
    let flat = Flat {
        st,
        prefix,
        depth,
        emit,
        out: String::new(),
        raw: None,
        style: String::new(),
        link: None,
    };
    let tok = Tokenizer::new(Sink(RefCell::new(flat)), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tok.feed(&input);
    tok.end();
    let text = std::mem::take(&mut tok.sink.0.borrow_mut().out);
    if !emit {
        return String::new();
    }
    format!("<div style=\"white-space:pre-wrap\">{}</div>", text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_counts_real_nesting_only() {
        assert_eq!(
            nesting_estimate("<div><div></div><p>a<p>b<br><img></div>"),
            2
        );
        assert_eq!(nesting_estimate(&"<div>".repeat(5000)), 5000);
        assert_eq!(nesting_estimate(&"<a href=x>".repeat(5000)), 0);
        assert_eq!(nesting_estimate("< a <> </> <1"), 1);
    }
}
