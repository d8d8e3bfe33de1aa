//! The Received chain: where a message went, when, and what does not add up.
//!
//! Every server that relays a message prepends a Received field, so the fields read top-down are the
//! journey backwards. [`analyze`] parses each one ([`parse_received`]: from, by, via, with, id, for, the
//! connecting IP and the date, tolerating qmail, Exchange, Postfix, sendmail, Exim, Gmail and many broken
//! shapes), orders the hops as the message travelled (bottom field = first hop), computes per-hop delays and
//! reports [`Finding`]s:
//!
//! | code | when |
//! | --- | --- |
//! | `received.none` | no Received field at all |
//! | `received.negative-delay` | a hop is dated more than [`ReceivedOptions::max_backwards_seconds`] before the hop below it |
//! | `received.impossible-order` | a hop is dated before a non-adjacent earlier hop (the chain's times cannot be a journey) |
//! | `received.reversed-order` | every dated hop is earlier than the one below it (fields appended, not prepended) |
//! | `received.private-after-public` | a hop's connecting IP is private or reserved although an earlier hop already came from a public one |
//! | `received.date-mismatch` | the Date field is more than [`ReceivedOptions::max_date_offset_seconds`] from the first hop's time |
//! | `received.undated` | a hop has no readable date |
//!
//! ```
//! use leakloupe_core::analysis::received::{analyze, ReceivedOptions};
//! use leakloupe_core::message::read_message;
//! let raw = b"Received: from mx1.example.org (mx1.example.org [203.0.113.7]) by mail.example.net (Postfix) with ESMTPS id 4Wk3 for <john@example.org>; Tue, 10 Jul 2018 01:03:14 +0000\n\
//! Received: from relay.example.com (relay.example.com [198.51.100.44]) by mx1.example.org (Postfix) with ESMTP id 8Bc1; Tue, 10 Jul 2018 01:03:12 +0000\n\
//! Date: Tue, 10 Jul 2018 01:03:10 +0000\n\nhi\n";
//! let chain = analyze(&read_message(raw).headers, &ReceivedOptions::default());
//! assert_eq!(chain.hops.len(), 2);
//! assert_eq!(chain.hops[0].by.as_deref(), Some("mx1.example.org")); // first hop = bottom field
//! assert_eq!(chain.hops[1].delay_seconds, Some(2));
//! assert_eq!(chain.hops[1].from_ip, Some("203.0.113.7".parse().unwrap()));
//! // 203.0.113.0/24 and 198.51.100.0/24 are documentation ranges: never public, but no public hop came first.
//! assert!(chain.findings.is_empty());
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{fields, format_duration, Finding};
use crate::diagnostic::Severity;
use crate::message::{parse_date, HeaderField, MailDate};

/// Thresholds of [`analyze`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedOptions {
    /// How far a hop may be dated before the previous one (clock skew) before it is reported; 5 min.
    pub max_backwards_seconds: i64,
    /// How far the Date field may be from the first hop's time before it is reported; 1 h.
    pub max_date_offset_seconds: i64,
}

impl Default for ReceivedOptions {
    fn default() -> Self {
        ReceivedOptions {
            max_backwards_seconds: 5 * 60,
            max_date_offset_seconds: 3600,
        }
    }
}

/// One Received field, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hop {
    /// Position in travel order: 0 is the first hop (the bottom-most Received field).
    pub index: usize,
    /// The unfolded field value as written.
    pub raw: String,
    /// The "from" clause: the name the client gave (HELO/EHLO), as written, e.g. "mail.example.org" or
    /// "[10.0.0.1]".
    pub from: Option<String>,
    /// The comments after "from", joined with " / " (usually reverse DNS and IP: "mx.example.org [1.2.3.4]").
    pub from_detail: Option<String>,
    /// The connecting client's IP: the one the receiving server saw (its comment) if given, else an IP
    /// literal in the "from" name.
    pub from_ip: Option<IpAddr>,
    /// The "by" clause: the receiving server.
    pub by: Option<String>,
    /// An IP in the "by" clause (Gmail writes "by 10.36.47.16").
    pub by_ip: Option<IpAddr>,
    /// The "via" clause (e.g. "HTTP", "TCP", "Frontend Transport").
    pub via: Option<String>,
    /// The "with" clause: the protocol, e.g. "ESMTPS", "LMTPA", "Microsoft SMTP Server".
    pub with: Option<String>,
    /// The "id" clause: the server's queue id.
    pub id: Option<String>,
    /// The "for" clause: the envelope recipient, without angle brackets.
    pub for_addr: Option<String>,
    /// Every IP found in the "from" and "by" clauses, in order, without repeats.
    pub ips: Vec<IpAddr>,
    /// Comments that belong to no clause (e.g. "qmail 31873 invoked by uid 60001").
    pub comments: Vec<String>,
    /// The date after the last ";", parsed.
    pub date: Option<MailDate>,
    /// The date text as written, if any.
    pub date_raw: Option<String>,
    /// Seconds since the nearest earlier hop that has a date (negative: dated before it); `None` for the
    /// first dated hop or an undated one.
    pub delay_seconds: Option<i64>,
}

impl Hop {
    /// A short name for sentences: "hop 2 (by mx.example.org)".
    pub fn describe(&self) -> String {
        match &self.by {
            Some(by) => format!("hop {} (by {by})", self.index + 1),
            None => format!("hop {}", self.index + 1),
        }
    }
}

/// The analysed chain of one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceivedChain {
    /// The hops in travel order (first hop first).
    pub hops: Vec<Hop>,
    /// The message's Date field, if readable.
    pub date: Option<MailDate>,
    /// Seconds from the first to the last dated hop, if at least two are dated.
    pub transit_seconds: Option<i64>,
    /// What does not add up.
    pub findings: Vec<Finding>,
}

/// What kind of address an IP is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpClass {
    /// Globally routable.
    Public,
    /// RFC 1918 private IPv4 (10/8, 172.16/12, 192.168/16).
    Private,
    /// Loopback (127/8, ::1).
    Loopback,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// Carrier-grade NAT shared space (100.64/10).
    SharedCgnat,
    /// Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20).
    Documentation,
    /// IPv6 unique local addresses (fc00::/7).
    UniqueLocal,
    /// Any other special-purpose address: unspecified, "this network", benchmarking, multicast, reserved,
    /// broadcast, IETF protocol assignments, discard-only.
    Reserved,
}

impl IpClass {
    /// Whether the address is globally routable.
    pub fn is_public(self) -> bool {
        self == IpClass::Public
    }

    /// Words for a sentence, e.g. "a private (RFC 1918) address".
    pub fn label(self) -> &'static str {
        match self {
            IpClass::Public => "a public address",
            IpClass::Private => "a private (RFC 1918) address",
            IpClass::Loopback => "a loopback address",
            IpClass::LinkLocal => "a link-local address",
            IpClass::SharedCgnat => "a carrier-grade NAT (100.64.0.0/10) address",
            IpClass::Documentation => "a documentation-only address",
            IpClass::UniqueLocal => "an IPv6 unique local address",
            IpClass::Reserved => "a reserved special-purpose address",
        }
    }
}

/// Classify an IP address (IPv4-mapped IPv6 addresses are classified as their IPv4 address).
pub fn ip_class(ip: IpAddr) -> IpClass {
    match ip {
        IpAddr::V4(v4) => ipv4_class(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ipv4_class(v4),
            None => ipv6_class(v6),
        },
    }
}

fn ipv4_class(ip: Ipv4Addr) -> IpClass {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => IpClass::Private,
        (127, _, _) => IpClass::Loopback,
        (169, 254, _) => IpClass::LinkLocal,
        (100, 64..=127, _) => IpClass::SharedCgnat,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => IpClass::Documentation,
        (0, _, _) | (192, 0, 0) | (198, 18..=19, _) | (224..=255, _, _) => IpClass::Reserved,
        _ => IpClass::Public,
    }
}

fn ipv6_class(ip: Ipv6Addr) -> IpClass {
    let s = ip.segments();
    if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_unspecified()
        || s[0] & 0xff00 == 0xff00
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0])
    {
        IpClass::Reserved
    } else if s[0] & 0xffc0 == 0xfe80 {
        IpClass::LinkLocal
    } else if s[0] & 0xfe00 == 0xfc00 {
        IpClass::UniqueLocal
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || s[0] & 0xfff0 == 0x3ff0 {
        IpClass::Documentation
    } else if s[0] & 0xffc0 == 0xfec0 || (s[0] == 0 && s[1..6] == [0, 0, 0, 0, 0]) {
        // deprecated site-local, and IPv4-compatible / other ::/80 forms
        IpClass::Reserved
    } else {
        IpClass::Public
    }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing one field.

#[derive(Debug)]
enum Token {
    Word(String),
    Comment(String),
}

/// Split the clause part of a Received value into words and (balanced) comments; brackets `[...]` and angle
/// addresses `<...>` stay whole words. An unbalanced "(" is skipped.
fn tokenize(s: &str) -> Vec<Token> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    // Precomputed in linear time, so that hostile runs of "(" or "[" cannot make this quadratic: the ")"
    // matching each "(", and the next "]" and ">" at or after each position.
    let mut matching: Vec<Option<usize>> = vec![None; n];
    let mut open: Vec<usize> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' => open.push(i),
            ')' => {
                if let Some(o) = open.pop() {
                    matching[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    let mut next_bracket: Vec<Option<usize>> = vec![None; n + 1];
    let mut next_angle: Vec<Option<usize>> = vec![None; n + 1];
    for i in (0..n).rev() {
        next_bracket[i] = if chars[i] == ']' {
            Some(i)
        } else {
            next_bracket[i + 1]
        };
        next_angle[i] = if chars[i] == '>' {
            Some(i)
        } else {
            next_angle[i + 1]
        };
    }
    let mut out = Vec::new();
    let mut word = String::new();
    let mut i = 0;
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            i += 1;
        } else if c == '(' {
            flush(&mut word, &mut out);
            match matching[i] {
                Some(j) => {
                    let inner: String = chars[i + 1..j].iter().collect();
                    out.push(Token::Comment(
                        inner.split_whitespace().collect::<Vec<_>>().join(" "),
                    ));
                    i = j + 1;
                }
                None => i += 1, // unbalanced: skip the "(" alone
            }
        } else if c == '[' || c == '<' {
            let close = if c == '[' {
                next_bracket[i]
            } else {
                next_angle[i]
            };
            match close {
                Some(k) => {
                    word.extend(&chars[i..=k]);
                    i = k + 1;
                }
                None => {
                    word.push(c);
                    i += 1;
                }
            }
        } else {
            word.push(c);
            i += 1;
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Index of the ";" that starts the date: the last one outside comments, else the last one at all.
fn date_split(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut last_outside = None;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            ';' if depth == 0 => last_outside = Some(i),
            _ => {}
        }
    }
    last_outside.or_else(|| s.rfind(';'))
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parse a date text leniently: `None` unless [`parse_date`] read it with at most an Info remark.
fn read_date(text: &str) -> Option<MailDate> {
    match parse_date(text) {
        (Some(d), None) => Some(d),
        (Some(d), Some(p)) if p.severity == Severity::Info => Some(d),
        _ => None,
    }
}

/// When there is no ";", find a date at the end: the longest readable tail (among the last 12 words)
/// starting at a weekday or at a day number followed by a month name. Returns the byte offset where it starts and the date.
fn trailing_date(s: &str) -> Option<(usize, MailDate)> {
    let words: Vec<(usize, &str)> = s
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
        .collect();
    // A date is a handful of words: only the last ones are tried (bounded work on hostile input).
    let first = words.len().saturating_sub(12);
    for (k, &(start, w)) in words.iter().enumerate().skip(first) {
        let lw = w.trim_end_matches(',').to_ascii_lowercase();
        let starts = WEEKDAYS.contains(&lw.as_str())
            || (lw.len() <= 2
                && lw.bytes().all(|b| b.is_ascii_digit())
                && words.get(k + 1).is_some_and(|(_, m)| {
                    MONTHS.contains(&m.get(..3).unwrap_or("").to_ascii_lowercase().as_str())
                }));
        if starts {
            if let Some(d) = read_date(&s[start..]) {
                return Some((start, d));
            }
        }
    }
    None
}

fn is_keyword(w: &str) -> Option<usize> {
    ["from", "by", "via", "with", "id", "for"]
        .iter()
        .position(|k| w.eq_ignore_ascii_case(k))
}

/// An IP from text such as "[1.2.3.4]", "[IPv6:2001:db8::1]", "(1.2.3.4)", "fe80::1%7", "?10.0.1.6?".
fn ip_from(text: &str) -> Option<IpAddr> {
    let t = text
        .trim()
        .trim_matches(|c| c == '[' || c == ']' || c == '?');
    let t = if t.len() >= 5 && t[..5].eq_ignore_ascii_case("ipv6:") {
        &t[5..]
    } else {
        t
    };
    let t = t.split('%').next().unwrap_or("").trim_end_matches('.');
    if !(t.contains(':') || t.bytes().filter(|&b| b == b'.').count() == 3) {
        return None;
    }
    t.parse().ok()
}

/// The IPs in a clause's comment: bracketed ones, or the whole comment when it is an IP.
fn ips_in_comment(comment: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut rest = comment;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        out.extend(ip_from(&after[..close]));
        rest = &after[close + 1..];
    }
    if out.is_empty() {
        out.extend(ip_from(comment));
    }
    out
}

/// Parse one Received field value (unfolded). Never panics; whatever cannot be read is left `None`.
/// The hop's `index` and `delay_seconds` are set by [`analyze`].
pub fn parse_received(value: &str) -> Hop {
    let value = value.trim();
    let mut hop = Hop {
        raw: value.to_string(),
        ..Hop::default()
    };
    let clauses = match date_split(value) {
        Some(i) => {
            let text = value[i + 1..].trim();
            if !text.is_empty() {
                hop.date_raw = Some(text.to_string());
                hop.date = read_date(text);
            }
            &value[..i]
        }
        None => match trailing_date(value) {
            Some((start, date)) => {
                hop.date_raw = Some(value[start..].trim().to_string());
                hop.date = Some(date);
                &value[..start]
            }
            None => value,
        },
    };

    // Walk the clauses: words after a keyword are its value; comments attach to the current clause.
    let mut values: [Vec<String>; 6] = Default::default();
    let mut comments: [Vec<String>; 6] = Default::default();
    let mut current: Option<usize> = None;
    for token in tokenize(clauses) {
        match token {
            Token::Word(w) => match is_keyword(&w) {
                Some(k) if values[k].is_empty() => current = Some(k),
                _ => match current {
                    Some(k) => values[k].push(w),
                    None => hop.comments.push(w),
                },
            },
            Token::Comment(c) => match current {
                Some(k) => comments[k].push(c),
                None => hop.comments.push(c),
            },
        }
    }
    let joined = |v: &Vec<String>| {
        let s = v.join(" ");
        (!s.is_empty()).then_some(s)
    };
    let [from, by, via, with, id, for_] = &values;
    hop.from = joined(from);
    hop.by = joined(by);
    hop.via = joined(via);
    hop.with = joined(with);
    hop.id = joined(id).map(|s| s.trim_matches(|c| c == '<' || c == '>').to_string());
    hop.for_addr = joined(for_).map(|s| {
        s.trim_end_matches([',', ';'])
            .trim_matches(|c| c == '<' || c == '>')
            .to_string()
    });
    hop.from_detail = (!comments[0].is_empty()).then(|| comments[0].join(" / "));

    let from_comment_ips: Vec<IpAddr> =
        comments[0].iter().flat_map(|c| ips_in_comment(c)).collect();
    let from_value_ips: Vec<IpAddr> = from.iter().filter_map(|w| ip_from(w)).collect();
    let by_ips: Vec<IpAddr> = by
        .iter()
        .filter_map(|w| ip_from(w))
        .chain(comments[1].iter().flat_map(|c| ips_in_comment(c)))
        .collect();
    // "really [ip]" (bigpond) and "(rdns [ip])" are what the server saw; the name is only claimed.
    hop.from_ip = from_comment_ips.first().or(from_value_ips.first()).copied();
    hop.by_ip = by_ips.first().copied();
    for ip in from_value_ips
        .into_iter()
        .chain(from_comment_ips)
        .chain(by_ips)
    {
        if !hop.ips.contains(&ip) {
            hop.ips.push(ip);
        }
    }
    hop
}

// ---------------------------------------------------------------------------------------------------------
// The chain.

/// Parse every Received field of a message, in travel order, and report what does not add up.
/// The Date field is read from `headers` too. Never panics.
pub fn analyze(headers: &[HeaderField], options: &ReceivedOptions) -> ReceivedChain {
    let date = fields(headers, "date")
        .next()
        .and_then(|h| read_date(&h.raw));
    let mut hops: Vec<Hop> = fields(headers, "received")
        .map(|h| parse_received(&h.raw))
        .collect();
    hops.reverse();
    let mut last_dated: Option<i64> = None;
    for (i, hop) in hops.iter_mut().enumerate() {
        hop.index = i;
        if let Some(d) = hop.date {
            hop.delay_seconds = last_dated.map(|prev| d.utc_unix.saturating_sub(prev));
            last_dated = Some(d.utc_unix);
        }
    }
    let dated: Vec<(usize, i64)> = hops
        .iter()
        .filter_map(|h| h.date.map(|d| (h.index, d.utc_unix)))
        .collect();
    let transit_seconds = match (dated.first(), dated.last()) {
        (Some(a), Some(b)) if dated.len() >= 2 => Some(b.1.saturating_sub(a.1)),
        _ => None,
    };
    let mut found = findings(&hops, date, options);
    // The dates of what the message carries, beside the dates of its relays.
    found.extend(super::anachronism::check(headers, date.map(|d| d.utc_unix)));
    let mut chain = ReceivedChain {
        findings: found,
        hops,
        date,
        transit_seconds,
    };
    chain
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    chain
}

fn findings(hops: &[Hop], date: Option<MailDate>, options: &ReceivedOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    if hops.is_empty() {
        out.push(Finding::new(
            Severity::Info,
            "received.none",
            "The message has no Received field, so no mail server recorded handling it (a draft, a sent copy, an export, or a fabricated message).",
        ));
        return out;
    }
    let tol = options.max_backwards_seconds.max(0);

    for hop in hops {
        if hop.date.is_none() {
            let reason = match &hop.date_raw {
                Some(raw) => format!("The date of {} (\"{raw}\") cannot be read.", hop.describe()),
                None => format!("{} carries no date.", capitalize(&hop.describe())),
            };
            out.push(Finding::new(Severity::Info, "received.undated", reason));
        }
    }

    // Times: adjacent steps backwards, then steps behind an earlier, non-adjacent hop.
    let dated: Vec<(&Hop, i64)> = hops
        .iter()
        .filter_map(|h| h.date.map(|d| (h, d.utc_unix)))
        .collect();
    let mut backwards = 0usize;
    let mut max_before: Option<(&Hop, i64)> = None;
    let mut order_reported = false;
    for (k, &(hop, t)) in dated.iter().enumerate() {
        if k > 0 {
            let (prev, pt) = dated[k - 1];
            if t < pt.saturating_sub(tol) {
                backwards += 1;
                out.push(Finding::new(
                    Severity::Warning,
                    "received.negative-delay",
                    format!(
                        "{} is dated {} before {}, which handed the message on: a clock is wrong or the field was altered.",
                        capitalize(&hop.describe()),
                        format_duration(pt.saturating_sub(t)),
                        prev.describe()
                    ),
                ));
            } else if let (Some((earlier, et)), 0, false) = (max_before, backwards, order_reported)
            {
                // Only without an adjacent step backwards (that one is the better explanation): small skews
                // that add up beyond the tolerance.
                if t < et.saturating_sub(tol) {
                    order_reported = true;
                    out.push(Finding::new(
                        Severity::Warning,
                        "received.impossible-order",
                        format!(
                            "{} is dated {} before {}, which is listed below it and so handled the message earlier: the times cannot describe one journey.",
                            capitalize(&hop.describe()),
                            format_duration(et.saturating_sub(t)),
                            earlier.describe()
                        ),
                    ));
                }
            }
            // The running maximum over hops before the previous one.
            if max_before.is_none_or(|(_, m)| pt > m) {
                max_before = Some((prev, pt));
            }
        }
    }
    if dated.len() >= 3 && backwards == dated.len() - 1 {
        out.push(Finding::new(
            Severity::Warning,
            "received.reversed-order",
            "Every hop is dated earlier than the one below it: the Received fields read as if appended at the bottom instead of prepended, which mail servers do not do.",
        ));
    }

    // Private or reserved client addresses after the message reached a public one.
    if let Some(first_public) = hops
        .iter()
        .find(|h| h.from_ip.is_some_and(|ip| ip_class(ip).is_public()))
    {
        for hop in &hops[first_public.index + 1..] {
            let Some(ip) = hop.from_ip else { continue };
            let class = ip_class(ip);
            if class.is_public() {
                continue;
            }
            let internal = matches!(
                class,
                IpClass::Private
                    | IpClass::Loopback
                    | IpClass::LinkLocal
                    | IpClass::SharedCgnat
                    | IpClass::UniqueLocal
            );
            let (severity, why) = if internal {
                (
                    Severity::Info,
                    "usually a relay inside the receiving organisation (e.g. a content filter), but possibly an inserted field",
                )
            } else {
                (
                    Severity::Warning,
                    "such an address never carries real traffic, so the field is likely fabricated or anonymised",
                )
            };
            out.push(Finding::new(
                severity,
                "received.private-after-public",
                format!(
                    "{} came from {ip}, {}, after {} had already come from the public address {}: {why}.",
                    capitalize(&hop.describe()),
                    class.label(),
                    first_public.describe(),
                    first_public.from_ip.map(|i| i.to_string()).unwrap_or_default()
                ),
            ));
        }
    }

    // The Date field against the first hop's time.
    if let (Some(date), Some(&(first, t))) = (date, dated.first()) {
        let diff = t.saturating_sub(date.utc_unix);
        if diff.saturating_abs() > options.max_date_offset_seconds.max(0) {
            let side = if diff > 0 { "before" } else { "after" };
            out.push(Finding::new(
                Severity::Warning,
                "received.date-mismatch",
                format!(
                    "The Date field ({}) is {} {side} the first server received the message ({}, {}).",
                    date.utc_display(),
                    format_duration(diff),
                    first.describe(),
                    first.date.map(|d| d.utc_display()).unwrap_or_default()
                ),
            ));
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_classes() {
        let c = |s: &str| ip_class(s.parse().unwrap());
        assert_eq!(c("10.1.2.3"), IpClass::Private);
        assert_eq!(c("172.31.0.1"), IpClass::Private);
        assert_eq!(c("172.32.0.1"), IpClass::Public);
        assert_eq!(c("192.168.4.253"), IpClass::Private);
        assert_eq!(c("127.0.0.1"), IpClass::Loopback);
        assert_eq!(c("169.254.1.1"), IpClass::LinkLocal);
        assert_eq!(c("100.64.0.1"), IpClass::SharedCgnat);
        assert_eq!(c("100.128.0.1"), IpClass::Public);
        assert_eq!(c("203.0.113.7"), IpClass::Documentation);
        assert_eq!(c("0.0.0.0"), IpClass::Reserved);
        assert_eq!(c("255.255.255.255"), IpClass::Reserved);
        assert_eq!(c("8.8.8.8"), IpClass::Public);
        assert_eq!(c("::1"), IpClass::Loopback);
        assert_eq!(c("fe80::1"), IpClass::LinkLocal);
        assert_eq!(c("fd12:3456::1"), IpClass::UniqueLocal);
        assert_eq!(c("2001:db8::1"), IpClass::Documentation);
        assert_eq!(c("::ffff:192.168.1.1"), IpClass::Private);
        assert_eq!(c("2603:10b6:5:28d::22"), IpClass::Public);
        assert_eq!(c("ff02::1"), IpClass::Reserved);
    }

    #[test]
    fn ip_text_forms() {
        assert_eq!(ip_from("[IPv6:2001:db8::1]"), "2001:db8::1".parse().ok());
        assert_eq!(
            ip_from("[fe80::1c2b:3d4e:5f6a:7b8c%7]"),
            "fe80::1c2b:3d4e:5f6a:7b8c".parse().ok()
        );
        assert_eq!(ip_from("?10.0.1.6?"), "10.0.1.6".parse().ok());
        assert_eq!(ip_from("127.0.01"), None);
        assert_eq!(ip_from("8.14.3/8.14.3"), None);
        assert_eq!(ip_from("12:08:10"), None);
        assert_eq!(ips_in_comment("SAVSMTP 3.1.1.32"), Vec::<IpAddr>::new());
    }
}
