//! The local key store: DKIM public keys (DNS TXT records) that the user pasted in. Leakloupe never queries
//! DNS, so this store is the only source of keys; every answer carries the label of where it came from.
//!
//! [`KeyStore::add_records`] reads, line by line:
//! - zone-file / `dig` answer lines: `sel._domainkey.example.com. [ttl] [IN] TXT "v=DKIM1; k=rsa; " "p=..."`
//!   (quoted strings are concatenated; BIND-style `( ... )` may span lines; `$ORIGIN` completes relative
//!   names; `;` starts a comment outside quotes, so dig's `;; ANSWER SECTION:` lines are skipped);
//!   `CNAME` lines are followed at lookup time; other record types are ignored;
//! - plain `name value` lines (the rest of the line is the TXT value, one quoted string is unquoted);
//! - the markers of Mail-DKIM's FAKE_DNS.dat: a value of `NXDOMAIN` records that the name does not exist,
//!   `~~reason~~` (e.g. `~~SERVFAIL~~`, `~~Query timed out~~`) records a temporary lookup failure.
//!
//! Lines starting with `#` are comments. Names are case-insensitive and a trailing dot is ignored.
//!
//! ```
//! use leakloupe_core::auth::{KeyLookup, KeyStore};
//! let mut keys = KeyStore::new();
//! let problems = keys.add_records(
//!     "sel._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=ed25519; \" \"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n\
//!      gone._domainkey.example.com NXDOMAIN\n",
//!     "pasted by me",
//! );
//! assert!(problems.is_empty());
//! match keys.lookup("SEL._domainkey.example.com.") {
//!     KeyLookup::Found { record, source } => {
//!         assert!(record.starts_with("v=DKIM1; k=ed25519; p="));
//!         assert_eq!(source, "pasted by me");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert!(matches!(keys.lookup("gone._domainkey.example.com"), KeyLookup::NxDomain { .. }));
//! assert_eq!(keys.lookup("other._domainkey.example.com"), KeyLookup::NotInStore);
//! ```

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, DiagnosticKind};

/// What the store knows about one DNS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLookup {
    /// A TXT record (strings already concatenated).
    Found {
        /// The TXT value, e.g. "v=DKIM1; k=rsa; p=MIGf...".
        record: String,
        /// The label given when the record was added.
        source: String,
    },
    /// The store says the name does not exist (NXDOMAIN).
    NxDomain {
        /// The label given when the marker was added.
        source: String,
    },
    /// The store says the lookup failed temporarily (timeout, SERVFAIL).
    TempFail {
        /// What failed, e.g. "SERVFAIL".
        reason: String,
        /// The label given when the marker was added.
        source: String,
    },
    /// The store has nothing for this name: the key is simply unknown here (not a DNS fact).
    NotInStore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Txt(String),
    NxDomain,
    TempFail(String),
    Cname(String),
}

/// Keys the user supplied, by DNS name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStore {
    entries: BTreeMap<String, (Entry, String)>,
}

/// Lower-case, trailing dot removed.
fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Splits a line into tokens: quoted strings (unescaped, flagged as quoted) and bare words; stops at a `;`
/// comment outside quotes. Parentheses are returned as their own bare tokens.
fn tokenize(line: &str) -> (Vec<(String, bool)>, Option<&'static str>) {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                chars.next();
            }
            ';' => break,
            '(' | ')' => {
                chars.next();
                out.push((c.to_string(), false));
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            let digits: String = chars.clone().take(3).collect();
                            if digits.len() == 3 && digits.chars().all(|d| d.is_ascii_digit()) {
                                if let Some(ch) = digits.parse::<u8>().ok().map(char::from) {
                                    s.push(ch);
                                }
                                for _ in 0..3 {
                                    chars.next();
                                }
                            } else if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        _ => s.push(c),
                    }
                }
                out.push((s, true));
                if !closed {
                    return (out, Some("a quoted string is not closed"));
                }
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '\r' | '\n' | '"' | '(' | ')' | ';') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push((s, false));
            }
        }
    }
    (out, None)
}

fn is_class(token: &str) -> bool {
    ["IN", "CH", "HS", "CS"]
        .iter()
        .any(|c| token.eq_ignore_ascii_case(c))
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of names known (records and markers).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds one TXT record (strings already joined) for `name`, replacing what was there.
    pub fn add_txt(&mut self, name: &str, value: &str, source_label: &str) {
        self.insert(name, Entry::Txt(value.to_string()), source_label);
    }

    fn insert(&mut self, name: &str, entry: Entry, source: &str) -> bool {
        self.entries
            .insert(normalize(name), (entry, source.to_string()))
            .is_some()
    }

    /// Reads pasted records (see the module docs for the accepted forms) and returns the problems found,
    /// one [`Diagnostic`] per unreadable line; every readable line is added with `source_label`.
    pub fn add_records(&mut self, text: &str, source_label: &str) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut origin: Option<String> = None;
        let mut last_name: Option<String> = None;
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let first_line = i + 1;
            let mut line = lines[i].to_string();
            i += 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let (mut tokens, mut bad) = tokenize(&line);
            // BIND-style parentheses: keep reading lines until they balance.
            let depth = |t: &[(String, bool)]| {
                t.iter().filter(|(s, q)| !q && s == "(").count() as i64
                    - t.iter().filter(|(s, q)| !q && s == ")").count() as i64
            };
            while depth(&tokens) > 0 && i < lines.len() && bad.is_none() {
                line.push(' ');
                line.push_str(lines[i]);
                i += 1;
                (tokens, bad) = tokenize(&line);
            }
            let say = |what: String| {
                Diagnostic::warning(
                    DiagnosticKind::Other,
                    format!("key store ({source_label}) line {first_line}: {what}"),
                )
            };
            if let Some(b) = bad {
                problems.push(say(b.to_string()));
                continue;
            }
            if depth(&tokens) != 0 {
                problems.push(say("unbalanced parentheses".to_string()));
                continue;
            }
            tokens.retain(|(s, q)| *q || (s != "(" && s != ")"));
            let starts_blank = line.starts_with([' ', '\t']);
            let Some((first, _)) = tokens.first().cloned() else {
                continue;
            };
            if first.eq_ignore_ascii_case("$ORIGIN") {
                origin = tokens.get(1).map(|(o, _)| normalize(o));
                continue;
            }
            if first.starts_with('$') {
                continue;
            }
            // Zone files may leave the owner name blank to repeat the previous one.
            let (name_token, rest) = if starts_blank {
                match &last_name {
                    Some(n) => (n.clone(), &tokens[..]),
                    None => {
                        problems.push(say("a record with no owner name".to_string()));
                        continue;
                    }
                }
            } else {
                (first.clone(), &tokens[1..])
            };
            let name = match (&origin, name_token.ends_with('.'), name_token.as_str()) {
                (Some(o), _, "@") => o.clone(),
                (Some(o), false, n) if !starts_blank => format!("{}.{o}", n),
                _ => name_token.clone(),
            };
            last_name = Some(format!("{}.", normalize(&name)));
            // Skip TTL and class, in either order.
            let mut k = 0;
            while k < rest.len()
                && k < 2
                && !rest[k].1
                && (rest[k].0.chars().all(|c| c.is_ascii_digit()) || is_class(&rest[k].0))
            {
                k += 1;
            }
            let rest = &rest[k..];
            let rtype = rest
                .first()
                .filter(|(_, q)| !q)
                .map(|(t, _)| t.to_ascii_uppercase());
            match rtype.as_deref() {
                Some("TXT") => {
                    if rest.len() < 2 {
                        problems.push(say(format!("TXT record for \"{name}\" has no value")));
                        continue;
                    }
                    let value: String = rest[1..].iter().map(|(s, _)| s.as_str()).collect();
                    self.replace_noting(
                        &name,
                        Entry::Txt(value),
                        source_label,
                        first_line,
                        &mut problems,
                    );
                }
                Some("CNAME") => match rest.get(1) {
                    Some((target, _)) => {
                        self.replace_noting(
                            &name,
                            Entry::Cname(normalize(target)),
                            source_label,
                            first_line,
                            &mut problems,
                        );
                    }
                    None => problems.push(say(format!("CNAME for \"{name}\" has no target"))),
                },
                Some(t)
                    if k > 0
                        && t.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
                {
                    // Another record type in a zone file or dig answer (A, MX, SOA, RRSIG ...): not a key.
                }
                _ => {
                    // Plain `name value` line: absolute name, the rest of the original line is the value.
                    let name = if starts_blank {
                        name.clone()
                    } else {
                        name_token.clone()
                    };
                    let raw_rest = plain_value(&line, &name_token, starts_blank);
                    let value = raw_rest.trim();
                    if value.is_empty() {
                        problems.push(say(format!("no record value after \"{name}\"")));
                        continue;
                    }
                    let entry = if value == "NXDOMAIN" {
                        Entry::NxDomain
                    } else if value.len() >= 4 && value.starts_with("~~") && value.ends_with("~~") {
                        Entry::TempFail(value.trim_matches('~').trim().to_string())
                    } else if value.starts_with('"') {
                        let (toks, _) = tokenize(value);
                        Entry::Txt(
                            toks.iter()
                                .filter(|(_, q)| *q)
                                .map(|(s, _)| s.as_str())
                                .collect(),
                        )
                    } else {
                        Entry::Txt(value.to_string())
                    };
                    self.replace_noting(&name, entry, source_label, first_line, &mut problems);
                }
            }
        }
        problems
    }

    fn replace_noting(
        &mut self,
        name: &str,
        entry: Entry,
        source: &str,
        line: usize,
        problems: &mut Vec<Diagnostic>,
    ) {
        if self.insert(name, entry, source) {
            problems.push(Diagnostic::info(
                DiagnosticKind::Other,
                format!("key store ({source}) line {line}: \"{}\" was already known; the new record replaces it", normalize(name)),
            ));
        }
    }

    /// What the store knows about `name` (e.g. "sel._domainkey.example.com"), following CNAMEs.
    pub fn lookup(&self, name: &str) -> KeyLookup {
        let mut name = normalize(name);
        for _ in 0..8 {
            match self.entries.get(&name) {
                None => return KeyLookup::NotInStore,
                Some((Entry::Txt(v), s)) => {
                    return KeyLookup::Found {
                        record: v.clone(),
                        source: s.clone(),
                    }
                }
                Some((Entry::NxDomain, s)) => return KeyLookup::NxDomain { source: s.clone() },
                Some((Entry::TempFail(r), s)) => {
                    return KeyLookup::TempFail {
                        reason: r.clone(),
                        source: s.clone(),
                    }
                }
                Some((Entry::Cname(t), _)) => name = t.clone(),
            }
        }
        KeyLookup::NotInStore
    }
}

/// The part of `line` after the owner name (for `name value` lines), comments not removed: DKIM values
/// contain `;`.
fn plain_value<'a>(line: &'a str, name: &str, starts_blank: bool) -> &'a str {
    let t = line.trim_start();
    if starts_blank {
        return t;
    }
    t.strip_prefix(name).unwrap_or_else(|| {
        let cut = t.find([' ', '\t']).unwrap_or(t.len());
        &t[cut..]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(store: &KeyStore, name: &str) -> String {
        match store.lookup(name) {
            KeyLookup::Found { record, .. } => record,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn zone_file_forms() {
        let mut s = KeyStore::new();
        let text = "$ORIGIN example.com.\n\
            default._domainkey IN TXT ( \"v=DKIM1; h=sha256; k=rsa; \"\n   \"p=AAAA\" )  ; ----- DKIM key default\n\
            b._domainkey.example.org. 3600 TXT \"a\\\"b\\059c\"\n";
        assert_eq!(s.add_records(text, "zone"), vec![]);
        assert_eq!(
            found(&s, "default._domainkey.example.com"),
            "v=DKIM1; h=sha256; k=rsa; p=AAAA"
        );
        assert_eq!(found(&s, "b._domainkey.example.org"), "a\"b;c");
    }

    #[test]
    fn dig_answer_section_and_cname() {
        let text = "; <<>> DiG 9.18 <<>> txt sel._domainkey.example.com\n;; ANSWER SECTION:\n\
            sel._domainkey.example.com. 300 IN CNAME sel.keys.example.net.\n\
            sel.keys.example.net.\t300\tIN\tTXT\t\"v=DKIM1; k=rsa; \" \"p=QUJD\"\n\
            example.net. 300 IN A 192.0.2.1\n";
        let mut s = KeyStore::new();
        assert_eq!(s.add_records(text, "dig"), vec![]);
        assert_eq!(
            found(&s, "sel._domainkey.example.com"),
            "v=DKIM1; k=rsa; p=QUJD"
        );
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn fake_dns_markers_and_plain_lines() {
        let text = "# comment\nx._domainkey.a.b  v=DKIM1; k=rsa; p=QUJD ; \n\
            nx._domainkey.a.b NXDOMAIN\nt._domainkey.a.b ~~Query timed out~~\ne._domainkey.a.b  \"\"\n";
        let mut s = KeyStore::new();
        assert_eq!(s.add_records(text, "fake"), vec![]);
        assert_eq!(found(&s, "X._DOMAINKEY.A.B."), "v=DKIM1; k=rsa; p=QUJD ;");
        assert_eq!(
            s.lookup("nx._domainkey.a.b"),
            KeyLookup::NxDomain {
                source: "fake".into()
            }
        );
        assert_eq!(
            s.lookup("t._domainkey.a.b"),
            KeyLookup::TempFail {
                reason: "Query timed out".into(),
                source: "fake".into()
            }
        );
        assert_eq!(found(&s, "e._domainkey.a.b"), "");
    }

    #[test]
    fn reports_problems_without_panicking() {
        let mut s = KeyStore::new();
        let d = s.add_records(
            "lonely\nq._domainkey.x TXT \"unclosed\nr._domainkey.x IN TXT ( \"a\"\n",
            "bad",
        );
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].text.contains("line 1"));
        let d = s.add_records("a.b v=1\na.b v=2\n", "dup");
        assert_eq!(d.len(), 1);
        assert_eq!(found(&s, "a.b"), "v=2");
        for junk in [
            "\"",
            "(",
            ")",
            "\\",
            "x \"\\",
            "$ORIGIN",
            "  indented",
            "@ TXT",
            "a 1 IN",
        ] {
            let _ = KeyStore::new().add_records(junk, "junk");
        }
    }
}
