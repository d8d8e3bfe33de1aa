//! Safe HTML rendering against hostile mail: every `.eml` of `tests/hostile-html/` (repository root) is
//! sanitized and checked against the invariants (no script, no handler, no `javascript:`, nothing in a
//! loading position but `data:` images) and against its `.expect` sidecar (blocked URLs, links, counts,
//! benign content). Every HTML part of the shared corpus (`$LEAKLOUPE_CORPUS/eml`) must come out clean too.

mod common;

use std::path::{Path, PathBuf};

use leakloupe_core::html::{sanitize, sanitize_message, ResourceKind, SafeHtml, CSP};

fn hostile_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/hostile-html"
    ))
}

/// One tag of the (ammonia-serialized) output.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Reads the output the way a browser would, enough to check it: start tags with their attributes, and
/// the raw text of `<style>` elements. Text outside tags is skipped (the serializer escapes `<` there).
fn scan(html: &str) -> (Vec<Tag>, Vec<String>) {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut styles = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if b.get(i) == Some(&b'/') || b.get(i) == Some(&b'!') {
            while i < b.len() && b[i] != b'>' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let s = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
                i += 1;
            }
            let an = html[s..i].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                let q = b.get(i).copied();
                if q == Some(b'"') || q == Some(b'\'') {
                    i += 1;
                    let s = i;
                    while i < b.len() && Some(b[i]) != q {
                        i += 1;
                    }
                    value = html[s..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let s = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[s..i].to_string();
                }
            }
            attrs.push((an, value.replace("&quot;", "\"").replace("&amp;", "&")));
        }
        if name == "style" {
            let end = html[i.min(html.len())..]
                .find("</style")
                .map_or(html.len(), |e| e + i);
            styles.push(html[i.min(end)..end].to_string());
            i = end;
        }
        tags.push(Tag { name, attrs });
    }
    (tags, styles)
}

/// Attributes the output may carry at all (the three leading `<meta>` excepted).
const OK_ATTRS: &[&str] = &[
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
    "data-href",
    "data-ll-blocked",
    "data-ll-cid",
    "src",
    "name",
    "media",
];

fn css_is_inert(css: &str) -> Result<(), String> {
    let lower = css.to_ascii_lowercase();
    for bad in [
        "url(",
        "@import",
        "image-set",
        "expression",
        "binding",
        "behavior",
        "@font-face",
        "<",
        "src(",
        "\\",
    ] {
        if lower.contains(bad) {
            return Err(format!("CSS contains {bad:?}: {css}"));
        }
    }
    Ok(())
}

/// The invariants every output must hold. `strict` (hostile corpus) also forbids `javascript:` anywhere.
fn check_invariants(label: &str, safe: &SafeHtml, strict: bool) {
    let html = &safe.html;
    let prefix = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">");
    assert!(
        html.starts_with(&prefix),
        "{label}: output does not start with the CSP meta"
    );
    assert!(CSP.starts_with("default-src 'none'; img-src data:; style-src 'unsafe-inline'"));
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{label}: <script in output");
    if strict {
        assert!(
            !lower.contains("javascript:"),
            "{label}: javascript: in output"
        );
        assert!(!lower.contains("vbscript:"), "{label}: vbscript: in output");
    }
    for bad in [
        "<iframe",
        "<frame",
        "<object",
        "<embed",
        "<form",
        "<base",
        "<link",
        "<svg",
        "<math",
        "<video",
        "<audio",
        "<source",
        "<input",
        "<applet",
        "<portal",
        "<template",
    ] {
        assert!(!lower.contains(bad), "{label}: {bad} in output");
    }
    let (tags, styles) = scan(html);
    for (n, tag) in tags.iter().enumerate() {
        if n < 3 {
            assert_eq!(tag.name, "meta", "{label}: head");
            continue;
        }
        assert_ne!(tag.name, "meta", "{label}: <meta> in body");
        for (a, v) in &tag.attrs {
            let is_handler = a.len() > 2
                && a.starts_with("on")
                && a[2..].bytes().all(|c| c.is_ascii_lowercase());
            assert!(!is_handler, "{label}: handler {a} on <{}>", tag.name);
            assert!(
                OK_ATTRS.contains(&a.as_str()),
                "{label}: attribute {a}={v:?} on <{}>",
                tag.name
            );
            match a.as_str() {
                "src" => {
                    assert_eq!(tag.name, "img", "{label}: src on <{}>", tag.name);
                    let v = v.to_ascii_lowercase();
                    assert!(
                        v.starts_with("data:image/") && !v.starts_with("data:image/svg"),
                        "{label}: img src {v:?}"
                    );
                }
                "style" => {
                    css_is_inert(v).unwrap_or_else(|e| panic!("{label}: style attribute: {e}"))
                }
                "data-href" | "title" | "alt" | "data-ll-cid" => {}
                _ => {
                    let v = v.to_ascii_lowercase();
                    assert!(
                        !v.contains("http:")
                            && !v.contains("https:")
                            && !v.contains("//")
                            && !v.contains("url("),
                        "{label}: {a}={v:?}"
                    );
                }
            }
        }
    }
    for s in &styles {
        css_is_inert(s).unwrap_or_else(|e| panic!("{label}: <style>: {e}"));
        let l = s.to_ascii_lowercase();
        assert!(
            !l.contains("http:") && !l.contains("https:") && !l.contains("//"),
            "{label}: remote URL in <style>: {s}"
        );
    }
}

/// Checks one hostile file against its `.expect` sidecar; returns the number of expectations checked.
fn check_expectations(label: &str, safe: &SafeHtml, expect: &str) -> usize {
    let mut checked = 0;
    for line in expect.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, arg) = line.split_once(' ').unwrap_or((line, ""));
        let num = || {
            arg.trim()
                .parse::<usize>()
                .unwrap_or_else(|_| panic!("{label}: bad number in {line:?}"))
        };
        match key {
            "blocked" => {
                let (kind, url) = arg
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("{label}: bad line {line:?}"));
                assert!(
                    safe.blocked
                        .iter()
                        .any(|b| b.kind.label() == kind && b.url == url),
                    "{label}: expected blocked {kind} {url}, got {:#?}",
                    safe.blocked
                );
            }
            "blocked-count" => assert_eq!(
                safe.blocked.len(),
                num(),
                "{label}: blocked {:#?}",
                safe.blocked
            ),
            "link" => assert!(
                safe.links.iter().any(|l| l.href == arg),
                "{label}: expected link {arg}, got {:#?}",
                safe.links
            ),
            "links" => assert_eq!(safe.links.len(), num(), "{label}: links {:#?}", safe.links),
            "keep" => assert!(
                safe.html.contains(arg),
                "{label}: expected {arg:?} in\n{}",
                safe.html
            ),
            "scripts" => assert!(
                safe.removed_scripts >= num(),
                "{label}: removed_scripts {}",
                safe.removed_scripts
            ),
            "handlers" => assert!(
                safe.removed_handlers >= num(),
                "{label}: removed_handlers {}",
                safe.removed_handlers
            ),
            "inlined" => assert_eq!(
                safe.inlined_images,
                num(),
                "{label}: inlined_images (missing {:?})",
                safe.missing_cids
            ),
            _ => panic!("{label}: unknown expectation {line:?}"),
        }
        checked += 1;
    }
    checked
}

#[test]
fn hostile_corpus() {
    let dir = hostile_dir();
    let files = common::files_under(&dir, &|p: &Path| p.extension().is_some_and(|e| e == "eml"));
    let readme =
        std::fs::read_to_string(dir.join("README.md")).expect("tests/hostile-html/README.md");
    let mut total = 0;
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let label = name.to_string();
        assert!(
            readme.contains(&format!("`{name}`")),
            "{label} is not listed in README.md"
        );
        let raw = std::fs::read(path).unwrap();
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|e| panic!("{label}: missing .expect sidecar: {e}"));
        let safe = sanitize_message(&raw).unwrap_or_else(|| panic!("{label}: no HTML part found"));
        check_invariants(&label, &safe, true);
        for benign in [
            "Benign text: quarterly figures for <b>ACME</b>, see the table.",
            "<td>Cell A1</td>",
            "<i>Cell B1</i>",
            "<table",
        ] {
            assert!(
                safe.html.contains(benign),
                "{label}: benign {benign:?} lost in\n{}",
                safe.html
            );
        }
        assert!(
            !safe.html.contains("canary.leakloupe.test/") || !safe.html.contains("src=\"http"),
            "{label}"
        );
        total += check_expectations(&label, &safe, &expect);
    }
    println!(
        "hostile corpus: {} files, {total} expectations",
        files.len()
    );
}

#[test]
fn every_expect_has_its_eml() {
    for p in common::files_under(&hostile_dir(), &|p: &Path| {
        p.extension().is_some_and(|e| e == "expect")
    }) {
        assert!(
            p.with_extension("eml").is_file(),
            "{} has no .eml",
            p.display()
        );
    }
}

fn png_part(cid: &str) -> Option<(String, Vec<u8>)> {
    match cid {
        "logo@x" => Some((
            "image/png".to_string(),
            vec![0x89, b'P', b'N', b'G', 13, 10],
        )),
        "doc@x" => Some((
            "text/html".to_string(),
            b"<script>parent.__ll_pwned=1</script>".to_vec(),
        )),
        "vec@x" => Some(("image/svg+xml".to_string(), b"<svg onload='x()'/>".to_vec())),
        _ => None,
    }
}

#[test]
fn cid_images_become_data_urls() {
    let asked = std::cell::RefCell::new(Vec::new());
    let parts = |cid: &str| {
        asked.borrow_mut().push(cid.to_string());
        png_part(cid)
    };
    let safe = sanitize(
        r#"<img src="cid:logo@x" alt=a><img src="CID:logo%40x"><img src="cid:<logo@x>"><img src="cid:doc@x">
           <img src="cid:vec@x"><img src="cid:nope@x" alt="gone">"#,
        &parts,
    );
    check_invariants("cid", &safe, true);
    assert_eq!(
        safe.html
            .matches("src=\"data:image/png;base64,iVBORw0K\"")
            .count(),
        3,
        "{}",
        safe.html
    );
    assert_eq!(safe.inlined_images, 3);
    assert_eq!(safe.missing_cids, ["doc@x", "vec@x", "nope@x"]);
    assert!(safe.blocked.is_empty(), "{:?}", safe.blocked);
    assert!(
        !safe.html.contains("text/html") && !safe.html.contains("svg"),
        "{}",
        safe.html
    );
    assert!(safe.html.contains("data-ll-cid=\"nope@x\"") && safe.html.contains("alt=\"gone\""));
    // Each id is asked for once.
    assert_eq!(*asked.borrow(), ["logo@x", "doc@x", "vec@x", "nope@x"]);
}

#[test]
fn css_urls_are_stripped_and_recorded() {
    let safe = sanitize(
        r#"<style>@import "http://a.example/x.css"; .k { color: red; background: url(http://a.example/bg.png) }
           @font-face { font-family: F; src: url(https://a.example/f.woff) }</style>
           <p style="color: blue; background-image: url('//a.example/p.png'); margin: 0 auto">x</p>"#,
        &|_: &str| None,
    );
    check_invariants("css", &safe, true);
    let got: Vec<(&str, &str, &str)> = safe
        .blocked
        .iter()
        .map(|b| (b.kind.label(), b.url.as_str(), b.context.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("stylesheet", "http://a.example/x.css", "<style> @import"),
            ("image", "http://a.example/bg.png", "<style> background"),
            ("font", "https://a.example/f.woff", "<style> @font-face"),
            ("image", "//a.example/p.png", "p style background-image"),
        ]
    );
    assert!(safe.html.contains(".k{color:red;}"), "{}", safe.html);
    assert!(
        safe.html
            .contains("<p style=\"color:blue;margin:0 auto;\">x</p>"),
        "{}",
        safe.html
    );
}

#[test]
fn links_are_kept_as_text_only() {
    let safe = sanitize(
        r#"<a href="https://bank.example/login" title="Your bank" target=_blank>Your <b>bank</b></a>
           <a href="javascript:alert(1)">click</a><a name="top">anchor</a>"#,
        &|_: &str| None,
    );
    check_invariants("links", &safe, true);
    assert_eq!(safe.links.len(), 2);
    assert_eq!(
        (safe.links[0].text.as_str(), safe.links[0].href.as_str()),
        ("Your bank", "https://bank.example/login")
    );
    assert_eq!(safe.links[1].href, "javascript:alert(1)");
    assert!(safe.html.contains(
        r#"<a data-href="https://bank.example/login" title="https://bank.example/login">Your <b>bank</b></a>"#
    ), "{}", safe.html);
    assert!(
        safe.html
            .contains(r#"<a title="script link removed" data-ll-blocked="link">click</a>"#),
        "{}",
        safe.html
    );
    assert!(
        safe.html.contains(r#"<a name="top">anchor</a>"#),
        "{}",
        safe.html
    );
    assert_eq!(safe.blocked.len(), 0);
    assert_eq!(ResourceKind::LinkPrefetch.label(), "link-prefetch");
}

#[test]
fn pathological_inputs_do_not_panic() {
    let none = |_: &str| None;
    let deep = "<div>".repeat(50_000) + "x" + &"</div>".repeat(50_000);
    let cases = [
        String::new(),
        "\0\0<\0img src=\0>".to_string(),
        deep,
        "<table>".repeat(10_000),
        "<a href=x>".repeat(5_000) + "t",
        "<b><i><u><s>".repeat(5_000) + &"</p>".repeat(5_000),
        format!("<style>{}</style>", "{".repeat(100_000)),
        format!("<p style=\"{}\">x</p>", "(".repeat(100_000)),
        format!(
            "<iframe srcdoc=\"{}\"></iframe>",
            "&lt;iframe srcdoc=&quot;".repeat(200)
        ),
        "<svg><foreignObject><math><mi><svg><desc><table><td><img src=http://x/>".repeat(200),
        "\u{feff}<img src=\"\u{0}http://x/\"><img src=\"cid:\">".to_string(),
    ];
    for (i, c) in cases.iter().enumerate() {
        let t = std::time::Instant::now();
        let safe = sanitize(c, &none);
        println!("pathological case {i}: {:?}", t.elapsed());
        if i == 2 {
            assert!(
                safe.flattened
                    && safe
                        .html
                        .contains("<div style=\"white-space:pre-wrap;\">x</div>"),
                "{}",
                &safe.html[..300.min(safe.html.len())]
            );
        }
        check_invariants(&format!("pathological {i}"), &safe, true);
    }
}

#[test]
fn shared_corpus_html_parts() {
    let Some(root) = common::corpus_root() else {
        return;
    };
    let dir = root.join("eml");
    if !dir.is_dir() {
        println!("corpus has no eml folder at {}: skipping", dir.display());
        return;
    }
    let files = common::files_under(&dir, &|_: &Path| true);
    let (mut parts_seen, mut blocked) = (0usize, 0usize);
    for path in &files {
        let raw = std::fs::read(path).unwrap();
        let Ok(mail) = mailparse::parse_mail(&raw) else {
            continue;
        };
        let mut stack = vec![&mail];
        while let Some(p) = stack.pop() {
            stack.extend(p.subparts.iter());
            if !p.subparts.is_empty() || !p.ctype.mimetype.eq_ignore_ascii_case("text/html") {
                continue;
            }
            let Ok(html) = p.get_body() else { continue };
            let safe = sanitize(&html, &|_: &str| {
                Some(("image/gif".to_string(), b"GIF89a".to_vec()))
            });
            check_invariants(&path.display().to_string(), &safe, false);
            parts_seen += 1;
            blocked += safe.blocked.len();
        }
        // And the whole-message entry point never panics.
        let _ = sanitize_message(&raw);
    }
    println!(
        "shared corpus: {} files, {parts_seen} HTML parts, {blocked} resources blocked",
        files.len()
    );
    assert!(parts_seen > 0, "no HTML part found in {}", dir.display());
}
