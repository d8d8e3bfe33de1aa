//! Assembling `dist/` from the page template (`index.html`) and `static/`.
//!
//! The template has three placeholders, `{{CSP}}`, `{{STYLE}}` and `{{SCRIPTS}}`; its HTML comments
//! are for developers and are dropped. Two flavours:
//! - served (`dist/index.html` + files): see [`SERVED_CSP`];
//! - single file (`dist/leakloupe.html`): CSS, both glues, both wasm modules (base64) and
//!   `static/boot.js` inline, under a hash-based CSP built by [`single_file_csp`]. The worker glue
//!   sits in an inert `<script type="text/plain" id="ll-worker-glue">`; boot.js starts it from a
//!   Blob URL as a classic worker.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::build::{Built, BINS};
use crate::{human_size, read, read_text, sha256_hex, step, write, Result};

/// Content-Security-Policy of the served build: the `<meta>` of `dist/index.html` and the header
/// of every `xtask serve` response. Nothing but the app's own origin; `'wasm-unsafe-eval'` lets
/// it compile its wasm; `blob:` workers and frames are for the single-file worker and a later
/// sandboxed HTML viewer.
pub const SERVED_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self' blob:; connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src blob:";

/// The single file's Content-Security-Policy: only the listed inline scripts and style run
/// (by SHA-256), no network at all (`connect-src 'none'`), workers only from `blob:` URLs.
/// A blob: worker inherits this policy; its own script is governed by `worker-src`, and it
/// compiles its wasm under the same `'wasm-unsafe-eval'`.
pub fn single_file_csp(script_hashes: &[String], style_hashes: &[String]) -> String {
    format!(
        "default-src 'none'; script-src {} 'wasm-unsafe-eval'; worker-src blob:; connect-src 'none'; \
         style-src {}; img-src data: blob:; font-src 'none'; object-src 'none'; base-uri 'none'; \
         form-action 'none'; frame-src blob:",
        script_hashes.join(" "),
        style_hashes.join(" ")
    )
}

/// The served build: `dist/index.html`, the glue and wasm of each binary, `worker-boot.js` at the
/// root (so its `importScripts("worker.js")` resolves) and a copy of `static/`.
pub fn served(root: &Path, built: &Built) -> Result<()> {
    let dist = root.join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    let html = fill(
        &read_text(&root.join("index.html"))?,
        &[
            ("CSP", SERVED_CSP.to_string()),
            (
                "STYLE",
                r#"<link rel="stylesheet" href="static/style.css">"#.to_string(),
            ),
            (
                "SCRIPTS",
                r#"<script src="app.js"></script><script src="static/boot.js"></script>"#
                    .to_string(),
            ),
        ],
    )?;
    write(&dist.join("index.html"), html)?;
    for bin in BINS {
        for file in [format!("{bin}.js"), format!("{bin}_bg.wasm")] {
            write(&dist.join(&file), read(&built.dir.join(&file))?)?;
        }
    }
    write(
        &dist.join("worker-boot.js"),
        read(&root.join("static/worker-boot.js"))?,
    )?;
    copy_dir(&root.join("static"), &dist.join("static"))?;
    step("dist/ assembled (served build: index.html, app.js, worker.js, *_bg.wasm, worker-boot.js, static/)");
    Ok(())
}

/// `dist/leakloupe.html` (+ `dist/leakloupe.html.sha256`): everything in one file.
pub fn single_file(root: &Path, built: &Built) -> Result<()> {
    let css = read_text(&root.join("static/style.css"))?;
    if css.to_ascii_lowercase().contains("</style") {
        return Err("static/style.css contains \"</style\"".into());
    }
    let glue = |bin: &str| -> Result<String> {
        escape_script(&read_text(&built.dir.join(format!("{bin}.js")))?)
    };
    let wasm = |bin: &str| -> Result<String> {
        Ok(base64::engine::general_purpose::STANDARD
            .encode(read(&built.dir.join(format!("{bin}_bg.wasm")))?))
    };
    let app_glue = glue("app")?;
    let worker_glue = glue("worker")?;
    let embedded = format!(
        "window.LEAKLOUPE_EMBEDDED={{appWasm:\"{}\",workerWasm:\"{}\"}};",
        wasm("app")?,
        wasm("worker")?
    );
    let boot = escape_script(&read_text(&root.join("static/boot.js"))?)?;

    let scripts = format!(
        "<script>{app_glue}</script>\n\
         <script type=\"text/plain\" id=\"ll-worker-glue\">{worker_glue}</script>\n\
         <script>{embedded}</script>\n\
         <script>{boot}</script>"
    );
    let csp = single_file_csp(
        &[csp_hash(&app_glue), csp_hash(&embedded), csp_hash(&boot)],
        &[csp_hash(&css)],
    );
    let html = fill(
        &read_text(&root.join("index.html"))?,
        &[
            ("CSP", csp),
            ("STYLE", format!("<style>{css}</style>")),
            ("SCRIPTS", scripts),
        ],
    )?;
    let path = root.join("dist/leakloupe.html");
    write(&path, &html)?;
    let sum = sha256_hex(html.as_bytes());
    write(
        &root.join("dist/leakloupe.html.sha256"),
        format!("{sum}  leakloupe.html\n"),
    )?;
    step(&format!(
        "dist/leakloupe.html: {} ({} bytes)",
        human_size(html.len() as u64),
        html.len()
    ));
    println!("{sum}  dist/leakloupe.html");
    Ok(())
}

/// A CSP source expression for an inline `<script>`/`<style>` body: `'sha256-<base64>'`.
pub fn csp_hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Make JavaScript safe to inline in `<script>`: `</script` becomes `<\/script` (the same string
/// to JS, in string literals, regexes and comments). `<!--` would need more care, so it is refused.
pub fn escape_script(js: &str) -> Result<String> {
    if js.contains("<!--") {
        return Err("script contains \"<!--\"; cannot inline it safely".into());
    }
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(i) = rest.to_ascii_lowercase().find("</script") {
        out.push_str(&rest[..i]);
        out.push_str("<\\/");
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Drop the template's HTML comments, then replace each `{{KEY}}` in one pass (inserted text is
/// never re-scanned). Every key must occur exactly once; unknown placeholders are an error.
pub fn fill(template: &str, values: &[(&str, String)]) -> Result<String> {
    let mut src = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("<!--") {
        src.push_str(&rest[..start]);
        let end = rest[start..]
            .find("-->")
            .ok_or("index.html: unterminated <!-- comment")?;
        rest = &rest[start + end + 3..];
    }
    src.push_str(rest);

    let mut out = String::with_capacity(src.len());
    let mut used = vec![0usize; values.len()];
    let mut rest = src.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .ok_or("index.html: unterminated {{")?
            + start;
        let key = &rest[start + 2..end];
        let i = values
            .iter()
            .position(|(k, _)| *k == key)
            .ok_or_else(|| format!("index.html: unknown placeholder {{{{{key}}}}}"))?;
        out.push_str(&values[i].1);
        used[i] += 1;
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    for ((key, _), n) in values.iter().zip(used) {
        if n != 1 {
            return Err(format!(
                "index.html: placeholder {{{{{key}}}}} occurs {n} times, want 1"
            ));
        }
    }
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", from.display()))?;
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            write(&to.join(entry.file_name()), read(&path)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_closing_script_tags() {
        assert_eq!(
            escape_script("a='</script>';b='</SCRIPT'").unwrap(),
            "a='<\\/script>';b='<\\/SCRIPT'"
        );
        assert!(escape_script("x<!--y").is_err());
    }

    #[test]
    fn fills_placeholders_once_and_drops_comments() {
        let t = "<!-- {{CSP}} {{STYLE}} -->a{{CSP}}b{{STYLE}}c";
        let out = fill(t, &[("CSP", "{{STYLE}}".into()), ("STYLE", "s".into())]).unwrap();
        assert_eq!(out, "a{{STYLE}}bsc");
        assert!(fill("{{X}}", &[]).is_err());
        assert!(fill("{{A}}{{A}}", &[("A", String::new())]).is_err());
    }

    #[test]
    fn hashes_like_browsers() {
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn served_csp_has_no_remote_origin() {
        assert!(
            !SERVED_CSP.contains("http") && !SERVED_CSP.contains('"') && !SERVED_CSP.contains('*')
        );
    }
}
