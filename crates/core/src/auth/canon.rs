//! Splitting a message into header fields and body the way DKIM sees it, and the two canonicalizations of
//! RFC 6376 §3.4 ("simple" and "relaxed") for header fields and bodies.
//!
//! Line ends: DKIM is defined on CRLF. Archives often store bare LF, so every line end (CRLF or LF) is read
//! as one CRLF, which is what Mail-DKIM, dkimpy and OpenDKIM do with such files.
//!
//! ```
//! use leakloupe_core::auth::canon::{canon_body, split_message, Canon};
//! let (headers, body) = split_message(b"Subject: hi\n there\n\nbody  \n\n\n");
//! assert_eq!(headers[0].relaxed(), b"subject:hi there\r\n");
//! assert_eq!(canon_body(body, Canon::Relaxed), b"body\r\n");
//! ```

/// One of the two canonicalization algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    /// "simple": nearly byte-exact.
    Simple,
    /// "relaxed": tolerant of whitespace changes and header case.
    Relaxed,
}

impl Canon {
    /// Parses "simple" or "relaxed" (case-insensitive).
    pub fn parse(s: &str) -> Option<Canon> {
        if s.eq_ignore_ascii_case("simple") {
            Some(Canon::Simple)
        } else if s.eq_ignore_ascii_case("relaxed") {
            Some(Canon::Relaxed)
        } else {
            None
        }
    }

    /// "simple" or "relaxed".
    pub fn label(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }
}

/// One header field as it appears in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    /// The field name as written (trailing whitespace before the colon removed).
    pub name: String,
    /// The whole field, folded lines joined with CRLF, without the final line end.
    pub raw: Vec<u8>,
}

impl HeaderField {
    /// The text after the first colon (still folded), lossily decoded.
    pub fn value(&self) -> String {
        let at = self
            .raw
            .iter()
            .position(|&b| b == b':')
            .map_or(self.raw.len(), |p| p + 1);
        String::from_utf8_lossy(&self.raw[at..]).into_owned()
    }

    /// True when the name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// "simple" canonical form: the field exactly as written, plus CRLF.
    pub fn simple(&self) -> Vec<u8> {
        let mut out = self.raw.clone();
        out.extend_from_slice(b"\r\n");
        out
    }

    /// "relaxed" canonical form: lower-case name, unfolded, whitespace runs as one space, no whitespace
    /// around the colon or at the end, plus CRLF.
    pub fn relaxed(&self) -> Vec<u8> {
        relaxed_header(&self.raw)
    }

    /// The canonical form for `canon`.
    pub fn canonical(&self, canon: Canon) -> Vec<u8> {
        match canon {
            Canon::Simple => self.simple(),
            Canon::Relaxed => self.relaxed(),
        }
    }
}

/// "relaxed" canonicalization of one raw header field (`Name: value`, possibly folded), with CRLF.
pub fn relaxed_header(raw: &[u8]) -> Vec<u8> {
    let colon = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
    let mut out: Vec<u8> = raw[..colon]
        .iter()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map(|b| b.to_ascii_lowercase())
        .collect();
    out.push(b':');
    let mut pending_space = false;
    let mut started = false;
    for &b in raw.get(colon + 1..).unwrap_or(&[]) {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => pending_space = started,
            _ => {
                if pending_space {
                    out.push(b' ');
                }
                pending_space = false;
                started = true;
                out.push(b);
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b) && b != b':')
}

/// Splits a raw message into header fields (in order) and the body (everything after the first empty line;
/// empty if there is none). Lines that are neither a field nor a continuation (e.g. an mbox `From ` line)
/// are skipped.
pub fn split_message(raw: &[u8]) -> (Vec<HeaderField>, &[u8]) {
    let mut fields: Vec<HeaderField> = Vec::new();
    let mut current: Option<usize> = None;
    let mut pos = 0;
    while pos < raw.len() {
        let (line_end, next) = match raw[pos..].iter().position(|&b| b == b'\n') {
            Some(i) => (pos + i, pos + i + 1),
            None => (raw.len(), raw.len()),
        };
        let mut line = &raw[pos..line_end];
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        pos = next;
        if line.is_empty() {
            return (fields, &raw[pos..]);
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some(f) = current.and_then(|i| fields.get_mut(i)) {
                f.raw.extend_from_slice(b"\r\n");
                f.raw.extend_from_slice(line);
            }
            continue;
        }
        let colon = line.iter().position(|&b| b == b':');
        let name = colon.map(|c| line[..c].trim_ascii_end());
        match name {
            Some(name) if is_field_name(name) => {
                fields.push(HeaderField {
                    name: String::from_utf8_lossy(name).into_owned(),
                    raw: line.to_vec(),
                });
                current = Some(fields.len() - 1);
            }
            _ => current = None,
        }
    }
    (fields, &raw[raw.len()..])
}

/// Canonicalizes a body (RFC 6376 §3.4.3 / §3.4.4). Bare LF line ends count as CRLF.
pub fn canon_body(body: &[u8], canon: Canon) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        lines.push(match canon {
            Canon::Simple => line.to_vec(),
            Canon::Relaxed => relaxed_body_line(line),
        });
        rest = next;
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    if lines.is_empty() {
        return match canon {
            Canon::Simple => b"\r\n".to_vec(),
            Canon::Relaxed => Vec::new(),
        };
    }
    let mut out = Vec::with_capacity(body.len() + lines.len());
    for line in lines {
        out.extend_from_slice(&line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn relaxed_body_line(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut pending_space = false;
    for &b in line {
        if matches!(b, b' ' | b'\t') {
            pending_space = true;
        } else {
            if pending_space {
                out.push(b' ');
            }
            pending_space = false;
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6376 §3.4.5 examples.
    const EXAMPLE: &[u8] = b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";

    #[test]
    fn rfc6376_example_relaxed() {
        let (h, body) = split_message(EXAMPLE);
        let headers: Vec<u8> = h.iter().flat_map(|f| f.relaxed()).collect();
        assert_eq!(headers, b"a:X\r\nb:Y Z\r\n");
        assert_eq!(canon_body(body, Canon::Relaxed), b" C\r\nD E\r\n");
    }

    #[test]
    fn rfc6376_example_simple() {
        let (h, body) = split_message(EXAMPLE);
        let headers: Vec<u8> = h.iter().flat_map(|f| f.simple()).collect();
        assert_eq!(headers, b"A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assert_eq!(canon_body(body, Canon::Simple), b" C \r\nD \t E\r\n");
        assert_eq!(h[1].name, "B");
    }

    #[test]
    fn empty_bodies_and_bare_lf() {
        assert_eq!(canon_body(b"", Canon::Simple), b"\r\n");
        assert_eq!(canon_body(b"", Canon::Relaxed), b"");
        assert_eq!(canon_body(b"\r\n\r\n", Canon::Simple), b"\r\n");
        assert_eq!(canon_body(b"  \n\t\n", Canon::Relaxed), b"");
        assert_eq!(canon_body(b"a\nb", Canon::Simple), b"a\r\nb\r\n");
        let (h, body) = split_message(b"From x Sat Jan  3 01:05:34 1996\nA:1\n b\nNoColon\n c\n");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].raw, b"A:1\r\n b");
        assert_eq!(body, b"");
        let (h, _) = split_message(b"");
        assert!(h.is_empty());
    }

    #[test]
    fn relaxed_header_edge_cases() {
        assert_eq!(relaxed_header(b"X-Empty:"), b"x-empty:\r\n");
        assert_eq!(relaxed_header(b"X:   \r\n  "), b"x:\r\n");
        assert_eq!(relaxed_header(b"NoColon"), b"nocolon:\r\n");
        assert_eq!(Canon::parse("Relaxed"), Some(Canon::Relaxed));
        assert_eq!(Canon::parse("nowsp"), None);
    }
}
