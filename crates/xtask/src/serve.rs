//! `xtask serve`: a tiny static HTTP/1.1 server for `dist/`, bound to 127.0.0.1 only.
//!
//! GET and HEAD only, one thread per connection, `Connection: close`. Paths are confined to the
//! served directory (no `..`, no hidden files, symlinks must resolve inside it) and directories
//! are never listed (`/` and `dir/` serve their `index.html`). Every response carries
//! [`SERVED_CSP`], except an HTML file with its own `<meta>` CSP (the single file), whose header
//! repeats that policy: two policies would both be enforced and block its inline scripts.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::page::SERVED_CSP;
use crate::Result;

/// How many ports after the requested one to try when it is taken.
const PORT_ATTEMPTS: u16 = 20;

/// Serve `dir` until the process is interrupted.
pub fn serve(dir: &Path, port: u16) -> Result<()> {
    let root = dir.canonicalize().map_err(|e| {
        format!(
            "cannot serve {}: {e} (run `make dist` first)",
            dir.display()
        )
    })?;
    if !root.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html (run `make dist` first)",
            root.display()
        ));
    }
    let listener = (0..PORT_ATTEMPTS)
        .filter_map(|i| port.checked_add(i))
        .find_map(|p| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).ok())
        .ok_or_else(|| {
            format!(
                "ports {port}..{} are all taken",
                port.saturating_add(PORT_ATTEMPTS - 1)
            )
        })?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("Leakloupe is running at http://127.0.0.1:{bound}/");
    eprintln!("(serving {}; press Ctrl-C to stop)", root.display());
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
    Ok(())
}

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; bodies are not accepted (GET/HEAD only).
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            SERVED_CSP,
            b"method not allowed\n",
            head,
            &[("Allow", "GET, HEAD")],
        );
    }
    let Some(path) = resolve(root, target) else {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            SERVED_CSP,
            b"not found\n",
            head,
            &[],
        );
    };
    let Ok(body) = fs::read(&path) else {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            SERVED_CSP,
            b"not found\n",
            head,
            &[],
        );
    };
    let content_type = content_type(&path);
    let own_csp = if content_type.starts_with("text/html") {
        meta_csp(&body)
    } else {
        None
    };
    let csp = own_csp.as_deref().unwrap_or(SERVED_CSP);
    respond(&mut stream, "200 OK", content_type, csp, &body, head, &[])
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    csp: &str,
    body: &[u8],
    head: bool,
    extra: &[(&str, &str)],
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {csp}\r\nX-Content-Type-Options: nosniff\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head {
        bytes.extend_from_slice(body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

/// Map a request target to a regular file inside `root`, or `None`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains('\\') || segment.contains('\0') {
            return None;
        }
        file.push(segment);
    }
    if decoded.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    let real = file.canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "sha256" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The policy in an HTML file's `<meta http-equiv="Content-Security-Policy" content="…">`.
fn meta_csp(html: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&html[..html.len().min(64 * 1024)]);
    let start = head.find("http-equiv=\"Content-Security-Policy\" content=\"")? + 46;
    let len = head[start..].find('"')?;
    Some(head[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confines_paths() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        fs::create_dir_all(dir.join("static")).unwrap();
        fs::write(dir.join("index.html"), "x").unwrap();
        fs::write(dir.join("static/a.css"), "x").unwrap();
        let root = dir.canonicalize().unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/static/a.css?v=1"),
            Some(root.join("static/a.css"))
        );
        assert_eq!(
            resolve(&root, "/static/%61.css"),
            Some(root.join("static/a.css"))
        );
        assert_eq!(resolve(&root, "/static/"), None); // no listing, no index.html there
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&root, "/static/..%2f..%2fetc"), None);
        assert_eq!(resolve(&root, "http://x/index.html"), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_meta_csp() {
        let html = br#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'">"#;
        assert_eq!(meta_csp(html).as_deref(), Some("default-src 'none'"));
    }
}
