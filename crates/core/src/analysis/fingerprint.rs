//! Sender fingerprints: how a message was written, and whether a sender's habits hold across a leak.
//!
//! [`fingerprint`] reads, from one message's headers, the mail program (X-Mailer / User-Agent), the form of
//! the Message-ID (Outlook's `<hex$hex$hex@host>`, Gmail's `<CA...@mail.gmail.com>`, a UUID, a Mutt-style
//! timestamp, ...), the Message-ID's domain against the From domain, and the Date's time-zone offset.
//!
//! [`SenderProfiles`], fed the fingerprints of many messages, groups them by From address and reports
//! [`Finding`]s per sender:
//!
//! | code | when |
//! | --- | --- |
//! | `fingerprint.mailer-change` | after an established history, a message comes from a mail program the sender never used before |
//! | `fingerprint.message-id-change` | a Message-ID form the sender never used before (a warning when the mail program stayed the same) |
//! | `fingerprint.timezone-change` | a time-zone offset more than [`ProfileOptions::timezone_tolerance_minutes`] from every earlier one (so summer time alone is not reported) |
//! | `fingerprint.message-id-domain` | the Message-ID domain never matches the From domain in any of the sender's messages |
//!
//! ```
//! use leakloupe_core::analysis::fingerprint::{fingerprint, MessageIdStyle, SenderProfiles};
//! use leakloupe_core::message::read_message;
//! let raw = b"From: Ann <ann@example.com>\nDate: Tue, 7 Jan 2003 13:55:09 +0100\nMessage-ID: <000001c2b64c$03af8740$56734151@example.com>\nX-Mailer: Microsoft Outlook, Build 10.0.4510\n\nhi\n";
//! let fp = fingerprint(&read_message(raw).headers);
//! assert_eq!(fp.message_id_style, MessageIdStyle::OutlookDollar);
//! assert_eq!(fp.mailer_family.as_deref(), Some("microsoft outlook"));
//! assert_eq!((fp.timezone_offset, fp.message_id_matches_from), (Some(60), Some(true)));
//! let mut profiles = SenderProfiles::default();
//! profiles.add(1, &fp, Some(1_041_944_109));
//! assert!(profiles.findings().is_empty());
//! ```

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::{fields, strip_comments, Finding};
use crate::diagnostic::Severity;
use crate::message::HeaderField;
use crate::thread::parse_references;

/// The form of a Message-ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum MessageIdStyle {
    /// No Message-ID.
    #[default]
    Missing,
    /// Gmail: `<CA+...@mail.gmail.com>`.
    Gmail,
    /// Outlook / Outlook Express / older Exchange: hex groups joined by "$", `<000001c2b64c$03af8740$56734151@host>`.
    OutlookDollar,
    /// Exchange Online: `<AM0PR02MB5555...@AM0PR02MB5555.eurprd02.prod.outlook.com>`.
    ExchangeOnline,
    /// Two hex runs joined by a dot, `<3E1A9807.3393A163@host>` (Netscape, Outlook-style generators).
    HexDotHex,
    /// A UUID local part (Apple Mail, Thunderbird, many libraries).
    Uuid,
    /// A timestamp and a sequence, `<20030107153054.GB21728@host>` (Mutt and similar).
    Timestamp,
    /// qmail: `<...qmail@host>`.
    Qmail,
    /// JavaMail: `<...JavaMail...@host>`.
    JavaMail,
    /// Anything else, with a coarse shape of its local part: each run of letters and digits becomes "h" if
    /// it is hexadecimal (digits included), "a" if letters only, "w" if mixed; other characters are kept
    /// (e.g. "a+w" for `avefva+gol5`), so ids from one generator share a shape.
    Other(String),
}

impl MessageIdStyle {
    /// Words that complete "the Message-ID is ...", e.g. "Outlook-style (hex$hex$hex)".
    pub fn label(&self) -> String {
        match self {
            MessageIdStyle::Missing => "missing".into(),
            MessageIdStyle::Gmail => "Gmail-style (…@mail.gmail.com)".into(),
            MessageIdStyle::OutlookDollar => "Outlook-style (hex$hex$hex)".into(),
            MessageIdStyle::ExchangeOnline => "Exchange Online-style (…prod.outlook.com)".into(),
            MessageIdStyle::HexDotHex => "hex.hex-style".into(),
            MessageIdStyle::Uuid => "UUID-style".into(),
            MessageIdStyle::Timestamp => "timestamp-style (Mutt-like)".into(),
            MessageIdStyle::Qmail => "qmail-style".into(),
            MessageIdStyle::JavaMail => "JavaMail-style".into(),
            MessageIdStyle::Other(shape) => format!("of an unrecognised form (shape \"{shape}\")"),
        }
    }
}

/// Classify a Message-ID (with or without angle brackets).
pub fn message_id_style(message_id: &str) -> MessageIdStyle {
    let Some(id) = parse_references(message_id).into_iter().next() else {
        let t = message_id.trim();
        return if t.is_empty() {
            MessageIdStyle::Missing
        } else {
            MessageIdStyle::Other(shape(t))
        };
    };
    let (local, domain) = match id.rsplit_once('@') {
        Some((l, d)) => (l, d.to_ascii_lowercase()),
        None => (id.as_str(), String::new()),
    };
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let lower = local.to_ascii_lowercase();
    if domain == "mail.gmail.com" {
        MessageIdStyle::Gmail
    } else if domain.ends_with(".prod.outlook.com")
        || domain.ends_with(".outlook.com") && local.len() > 30
    {
        MessageIdStyle::ExchangeOnline
    } else if local.contains('$') && local.split('$').all(hex) {
        MessageIdStyle::OutlookDollar
    } else if is_uuid(local) {
        MessageIdStyle::Uuid
    } else if lower.contains("javamail") {
        MessageIdStyle::JavaMail
    } else if lower.ends_with(".qmail") || lower.contains(".qmail.") {
        MessageIdStyle::Qmail
    } else if local.len() > 15
        && local.as_bytes()[..14].iter().all(|b| b.is_ascii_digit())
        && local.as_bytes()[14] == b'.'
        && local.starts_with(['1', '2'])
    {
        MessageIdStyle::Timestamp
    } else if local.split_once('.').is_some_and(|(a, b)| hex(a) && hex(b)) {
        MessageIdStyle::HexDotHex
    } else {
        MessageIdStyle::Other(shape(local))
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn shape(s: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let close = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        out.push(if run.bytes().all(|b| b.is_ascii_hexdigit()) {
            'h'
        } else if run.bytes().all(|b| b.is_ascii_alphabetic()) {
            'a'
        } else {
            'w'
        });
        run.clear();
    };
    for c in s.chars().take(200) {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            close(&mut run, &mut out);
            out.push(c);
        }
    }
    close(&mut run, &mut out);
    out
}

/// One message's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Fingerprint {
    /// The From address, lower case (e.g. "ann@example.com").
    pub from_address: Option<String>,
    /// The From address's domain, lower case.
    pub from_domain: Option<String>,
    /// X-Mailer, else User-Agent, else X-Newsreader, as written (decoded).
    pub mailer: Option<String>,
    /// [`Fingerprint::mailer`] without versions, build numbers and comments, lower case, e.g.
    /// "microsoft outlook express" for "Microsoft Outlook Express 6.00.2800.1106".
    pub mailer_family: Option<String>,
    /// The Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// Its form.
    pub message_id_style: MessageIdStyle,
    /// Its domain (after the last "@"), lower case.
    pub message_id_domain: Option<String>,
    /// Whether the Message-ID domain and the From domain share their organisational domain
    /// ("mail.gmail.com" matches "gmail.com"); `None` when either is unknown.
    pub message_id_matches_from: Option<bool>,
    /// The Date field's UTC offset in minutes (east positive); `None` when absent, unreadable or "-0000".
    pub timezone_offset: Option<i32>,
}

/// The fingerprint of one message's headers. Never panics.
pub fn fingerprint(headers: &[HeaderField]) -> Fingerprint {
    let from_address = fields(headers, "from")
        .next()
        .and_then(|h| address(&h.decoded).or_else(|| address(&h.raw)));
    let from_domain = from_address
        .as_deref()
        .and_then(|a| a.rsplit_once('@'))
        .map(|(_, d)| d.to_string());
    let mailer = ["x-mailer", "user-agent", "x-newsreader"]
        .iter()
        .find_map(|n| fields(headers, n).next())
        .map(|h| h.decoded.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|m| !m.is_empty());
    let mailer_family = mailer
        .as_deref()
        .map(mailer_family)
        .filter(|m| !m.is_empty());
    let raw_id = fields(headers, "message-id")
        .next()
        .map(|h| h.raw.trim().to_string());
    let message_id = raw_id
        .as_deref()
        .and_then(|r| parse_references(r).into_iter().next());
    let message_id_style = match &raw_id {
        Some(r) => message_id_style(r),
        None => MessageIdStyle::Missing,
    };
    let message_id_domain = message_id
        .as_deref()
        .and_then(|id| id.rsplit_once('@'))
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .filter(|d| !d.is_empty());
    let message_id_matches_from = match (&message_id_domain, &from_domain) {
        (Some(m), Some(f)) => Some(organisational_domain(m) == organisational_domain(f)),
        _ => None,
    };
    let timezone_offset = fields(headers, "date")
        .next()
        .and_then(|h| zone_offset_minutes(&h.raw));
    Fingerprint {
        from_address,
        from_domain,
        mailer,
        mailer_family,
        message_id,
        message_id_style,
        message_id_domain,
        message_id_matches_from,
        timezone_offset,
    }
}

/// The first address in a From value: inside angle brackets, else the first word with an "@".
fn address(value: &str) -> Option<String> {
    let inside = value
        .rfind('<')
        .and_then(|open| {
            let rest = &value[open + 1..];
            rest.find('>').map(|close| rest[..close].to_string())
        })
        .filter(|a| a.contains('@'));
    let found = match inside {
        Some(a) => a,
        None => strip_comments(value)
            .split([' ', ','])
            .find(|w| w.contains('@'))?
            .to_string(),
    };
    let found: String = strip_comments(&found)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let a = found
        .trim()
        .trim_matches(|c: char| c == '<' || c == '>' || c == '"' || c == '\'')
        .to_lowercase();
    let (local, domain) = a.rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(a.clone())
}

/// Lower-case family of a mailer string: comments, "/version" suffixes and version-like words removed.
pub fn mailer_family(mailer: &str) -> String {
    let no_comments = strip_comments(mailer);
    let mut words = Vec::new();
    for w in no_comments.split([' ', ',', ';']) {
        let name = w.split('/').next().unwrap_or("");
        let lname = name.to_lowercase();
        let mut chars = lname.chars();
        let versionish = match (chars.next(), chars.next()) {
            (Some(c), _) if c.is_ascii_digit() => true,
            (Some('v'), Some(d)) => d.is_ascii_digit(),
            _ => false,
        };
        if lname.is_empty() || versionish || matches!(lname.as_str(), "build" | "version") {
            continue;
        }
        words.push(lname);
    }
    words.join(" ")
}

/// The Date value's offset in minutes, from its numeric zone ("+0100") or a US / UT / GMT name.
fn zone_offset_minutes(date: &str) -> Option<i32> {
    let cleaned = strip_comments(date);
    let last = cleaned.split_whitespace().last()?;
    let b = last.as_bytes();
    if b.len() == 5 && (b[0] == b'+' || b[0] == b'-') && b[1..].iter().all(u8::is_ascii_digit) {
        if last == "-0000" {
            return None;
        }
        let n: i32 = last[1..].parse().ok()?;
        let minutes = (n / 100) * 60 + n % 100;
        return Some(if b[0] == b'-' { -minutes } else { minutes });
    }
    let hours = match last.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" | "CST" => {
            if last.eq_ignore_ascii_case("EDT") {
                -4
            } else {
                -6
            }
        }
        "CDT" | "MST" => {
            if last.eq_ignore_ascii_case("CDT") {
                -5
            } else {
                -7
            }
        }
        "MDT" | "PST" => {
            if last.eq_ignore_ascii_case("MDT") {
                -6
            } else {
                -8
            }
        }
        "PDT" => -7,
        _ => return None,
    };
    Some(hours * 60)
}

/// The organisational part of a domain: the last two labels, or three under a two-letter country code
/// with a generic second level ("example.co.uk").
fn organisational_domain(domain: &str) -> String {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return d;
    }
    let keep = if labels[n - 1].len() == 2
        && matches!(
            labels[n - 2],
            "co" | "com" | "net" | "org" | "ac" | "gov" | "edu" | "ne" | "or" | "go"
        ) {
        3
    } else {
        2
    };
    labels[n - keep..].join(".")
}

// ---------------------------------------------------------------------------------------------------------
// Per-sender aggregation.

/// Thresholds of [`SenderProfiles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileOptions {
    /// How many earlier messages (with the attribute known) make a habit: a new mailer, Message-ID form or
    /// time zone is reported only after this many; 2.
    pub min_history: usize,
    /// Offsets within this many minutes of an earlier one are the same zone (summer time); 60.
    pub timezone_tolerance_minutes: i32,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            min_history: 2,
            timezone_tolerance_minutes: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Observation {
    message: u32,
    date: Option<i64>,
    seq: usize,
    /// What the findings compare (the sender and the Message-ID itself left out), shared by every
    /// message that has the same: a sender's messages mostly look alike, so a dump of millions of
    /// messages keeps a few thousand of these rather than one each.
    fingerprint: Arc<Fingerprint>,
}

/// What a sender's messages look like, counted (most frequent first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderSummary {
    /// The From address.
    pub sender: String,
    /// How many messages.
    pub messages: usize,
    /// Mailer families and how often each was seen.
    pub mailers: Vec<(String, usize)>,
    /// Message-ID forms ([`MessageIdStyle::label`]) and how often.
    pub message_id_styles: Vec<(String, usize)>,
    /// Message-ID domains and how often.
    pub message_id_domains: Vec<(String, usize)>,
    /// UTC offsets in minutes and how often.
    pub timezones: Vec<(i32, usize)>,
    /// Messages per hour of the day on the sender's own clock (the Date's offset), 0–23; messages without a
    /// date or offset are not counted. A sender's working hours, against which one message at 4 a.m. stands out.
    pub hours: [usize; 24],
}

/// Messages per hour of the day on their own clock.
fn local_hours(obs: &[Observation]) -> [usize; 24] {
    let mut hours = [0usize; 24];
    for o in obs {
        if let (Some(t), Some(offset)) = (o.date, o.fingerprint.timezone_offset) {
            let local = t.saturating_add(i64::from(offset) * 60);
            // rem_euclid keeps dates before 1970 in 0..86,400.
            let hour = usize::try_from(local.rem_euclid(86_400) / 3_600).unwrap_or(0);
            hours[hour.min(23)] += 1;
        }
    }
    hours
}

/// A finding about one sender, with the message it was noticed on (if about one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderFinding {
    /// The From address.
    pub sender: String,
    /// The caller's id of the message where it was noticed, if it is about one message.
    pub message: Option<u32>,
    /// The finding.
    pub finding: Finding,
}

/// Fingerprints of many messages, grouped by From address. Add in any order; findings are computed in date
/// order (undated messages last, in the order added).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderProfiles {
    /// Thresholds.
    pub options: ProfileOptions,
    senders: BTreeMap<String, Vec<Observation>>,
    added: usize,
    /// The distinct fingerprints observed (see [`Observation::fingerprint`]).
    shared: HashSet<Arc<Fingerprint>>,
}

impl SenderProfiles {
    /// Empty profiles with the given thresholds.
    pub fn new(options: ProfileOptions) -> Self {
        SenderProfiles {
            options,
            ..SenderProfiles::default()
        }
    }

    /// Add one message (`message` is the caller's id, `date` its UTC seconds). Returns false (and keeps
    /// nothing) when the fingerprint has no From address.
    pub fn add(&mut self, message: u32, fingerprint: &Fingerprint, date: Option<i64>) -> bool {
        let Some(sender) = fingerprint.from_address.clone() else {
            return false;
        };
        self.added += 1;
        let compared = Fingerprint {
            from_address: None,
            from_domain: None,
            message_id: None,
            ..fingerprint.clone()
        };
        let shared = match self.shared.get(&compared) {
            Some(f) => Arc::clone(f),
            None => {
                let f = Arc::new(compared);
                self.shared.insert(Arc::clone(&f));
                f
            }
        };
        self.senders.entry(sender).or_default().push(Observation {
            message,
            date,
            seq: self.added,
            fingerprint: shared,
        });
        true
    }

    /// Number of distinct senders.
    pub fn len(&self) -> usize {
        self.senders.len()
    }

    /// Whether no message was added.
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }

    /// One summary per sender, by address.
    pub fn summaries(&self) -> Vec<SenderSummary> {
        fn counted<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<(T, usize)> {
            let mut m: BTreeMap<T, usize> = BTreeMap::new();
            for i in items {
                *m.entry(i).or_default() += 1;
            }
            let mut v: Vec<(T, usize)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        }
        self.senders
            .iter()
            .map(|(sender, obs)| SenderSummary {
                sender: sender.clone(),
                messages: obs.len(),
                mailers: counted(
                    obs.iter()
                        .filter_map(|o| o.fingerprint.mailer_family.clone()),
                ),
                message_id_styles: counted(
                    obs.iter().map(|o| o.fingerprint.message_id_style.label()),
                ),
                message_id_domains: counted(
                    obs.iter()
                        .filter_map(|o| o.fingerprint.message_id_domain.clone()),
                ),
                timezones: counted(obs.iter().filter_map(|o| o.fingerprint.timezone_offset)),
                hours: local_hours(obs),
            })
            .collect()
    }

    /// Inconsistencies per sender, senders in address order.
    pub fn findings(&self) -> Vec<SenderFinding> {
        let mut out = Vec::new();
        for (sender, obs) in &self.senders {
            let mut obs: Vec<&Observation> = obs.iter().collect();
            obs.sort_by_key(|o| (o.date.is_none(), o.date.unwrap_or(0), o.seq));
            self.sender_findings(sender, &obs, &mut out);
        }
        out
    }

    fn sender_findings(&self, sender: &str, obs: &[&Observation], out: &mut Vec<SenderFinding>) {
        let min = self.options.min_history.max(1);
        let push = |out: &mut Vec<SenderFinding>, message: Option<u32>, finding: Finding| {
            out.push(SenderFinding {
                sender: sender.to_string(),
                message,
                finding,
            });
        };

        // Mailer.
        let mut seen: Vec<&str> = Vec::new();
        let mut history = 0usize;
        for o in obs {
            let Some(m) = o.fingerprint.mailer_family.as_deref() else {
                continue;
            };
            if !seen.contains(&m) {
                if history >= min {
                    push(
                        out,
                        Some(o.message),
                        Finding::new(
                            Severity::Info,
                            "fingerprint.mailer-change",
                            format!(
                                "After {history} messages written with {}, {sender} suddenly sends one written with \"{}\".",
                                quoted_list(&seen),
                                o.fingerprint.mailer.as_deref().unwrap_or(m)
                            ),
                        ),
                    );
                }
                seen.push(m);
            }
            history += 1;
        }

        // Message-ID form (missing ids are not a form).
        let mut seen: Vec<&MessageIdStyle> = Vec::new();
        let mut history = 0usize;
        let mut prev_mailer: Option<&str> = None;
        for o in obs {
            let style = &o.fingerprint.message_id_style;
            let mailer = o.fingerprint.mailer_family.as_deref();
            if *style == MessageIdStyle::Missing {
                continue;
            }
            if !seen.contains(&style) {
                if history >= min {
                    let same_mailer = mailer.is_some() && mailer == prev_mailer;
                    let (severity, tail) = if same_mailer {
                        (
                            Severity::Warning,
                            " although the mail program stayed the same",
                        )
                    } else {
                        (Severity::Info, "")
                    };
                    push(
                        out,
                        Some(o.message),
                        Finding::new(
                            severity,
                            "fingerprint.message-id-change",
                            format!(
                                "After {history} messages whose Message-ID is {}, {sender} sends one whose Message-ID is {}{tail}.",
                                seen.iter().map(|s| s.label()).collect::<Vec<_>>().join(" or "),
                                style.label()
                            ),
                        ),
                    );
                }
                seen.push(style);
            }
            history += 1;
            prev_mailer = mailer;
        }

        // Time zone.
        let tol = self.options.timezone_tolerance_minutes.max(0);
        let mut seen: Vec<i32> = Vec::new();
        let mut history = 0usize;
        for o in obs {
            let Some(tz) = o.fingerprint.timezone_offset else {
                continue;
            };
            if seen.iter().all(|s| s.abs_diff(tz) > tol.unsigned_abs()) && history >= min {
                push(
                        out,
                        Some(o.message),
                        Finding::new(
                            Severity::Info,
                            "fingerprint.timezone-change",
                            format!(
                                "After {history} messages dated in UTC{}, {sender} sends one dated in UTC{}.",
                                seen.iter().map(|s| offset(*s)).collect::<Vec<_>>().join(" or UTC"),
                                offset(tz)
                            ),
                        ),
                    );
            }
            if !seen.contains(&tz) {
                seen.push(tz);
            }
            history += 1;
        }

        // Message-ID domain against From domain.
        let compared: Vec<&Observation> = obs
            .iter()
            .copied()
            .filter(|o| o.fingerprint.message_id_matches_from.is_some())
            .collect();
        if compared.len() >= min
            && compared
                .iter()
                .all(|o| o.fingerprint.message_id_matches_from == Some(false))
        {
            let mut domains: Vec<&str> = compared
                .iter()
                .filter_map(|o| o.fingerprint.message_id_domain.as_deref())
                .collect();
            domains.sort_unstable();
            domains.dedup();
            let n = compared.len();
            push(
                out,
                None,
                Finding::new(
                    Severity::Info,
                    "fingerprint.message-id-domain",
                    format!(
                        "None of the {n} message{} from {sender} has a Message-ID from the sender's own domain (seen: {}).",
                        if n == 1 { "" } else { "s" },
                        domains.join(", ")
                    ),
                ),
            );
        }
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_counted_on_the_senders_own_clock() {
        let mut p = SenderProfiles::default();
        for (id, date) in [
            (1, "Mon, 4 Mar 2024 09:12:40 +0100"),
            (2, "Tue, 5 Mar 2024 09:40:12 +0100"),
            (3, "Wed, 27 Mar 2024 06:58:14 -0500"),
            (4, "Wed, 31 Dec 1969 23:30:00 -0100"), // 00:30 UTC on 1 January 1970: local time before the epoch
        ] {
            let raw = format!("From: Anna <anna@example.org>\nDate: {date}\nMessage-ID: <{id}@example.org>\n\nx\n");
            let detail = crate::message::read_message(raw.as_bytes());
            p.add(id, &fingerprint(&detail.headers), detail.summary.date.map(|d| d.utc_unix));
        }
        let hours = p.summaries()[0].hours;
        assert_eq!((hours[9], hours[6], hours[23]), (2, 1, 1), "{hours:?}");
        assert_eq!(hours.iter().sum::<usize>(), 4);
    }

    #[test]
    fn styles() {
        for (id, want) in [
            ("<CA+abcDEF123=xyz@mail.gmail.com>", MessageIdStyle::Gmail),
            ("<000001c2b64c$03af8740$56734151@noos.fr>", MessageIdStyle::OutlookDollar),
            ("<3E1A9807.3393A163@earthlink.net>", MessageIdStyle::HexDotHex),
            (
                "<AM0PR02MB55551234ABCD5678EF901234567890AB@AM0PR02MB5555.eurprd02.prod.outlook.com>",
                MessageIdStyle::ExchangeOnline,
            ),
            ("<5F2B1C3A-1D2E-4F5A-9B8C-7D6E5F4A3B2C@example.com>", MessageIdStyle::Uuid),
            ("<20030107153054.GB21728@soto.kasei.com>", MessageIdStyle::Timestamp),
            ("<20030107145325.33120.qmail@web13704.mail.yahoo.com>", MessageIdStyle::Qmail),
            ("<123.456.JavaMail.root@host>", MessageIdStyle::JavaMail),
            ("<avefva+gol5@eGroups.com>", MessageIdStyle::Other("a+w".into())),
            ("<3.0.5.32.19980918083543.00935c30@x>", MessageIdStyle::Other("h.h.h.h.h.h".into())),
            ("", MessageIdStyle::Missing),
        ] {
            assert_eq!(message_id_style(id), want, "{id}");
        }
    }

    #[test]
    fn mailer_families() {
        assert_eq!(
            mailer_family("Microsoft Outlook Express 6.00.2800.1106"),
            "microsoft outlook express"
        );
        assert_eq!(mailer_family("Mutt/1.4i"), "mutt");
        assert_eq!(mailer_family("Apple Mail (2.1085)"), "apple mail");
        assert_eq!(
            mailer_family("Mozilla/5.0 (Windows; U) Gecko/20020823 Netscape/7.0"),
            "mozilla gecko netscape"
        );
        assert_eq!(
            mailer_family("QUALCOMM Windows Eudora Version 5.1"),
            "qualcomm windows eudora"
        );
    }

    #[test]
    fn zones_and_domains() {
        assert_eq!(
            zone_offset_minutes("Tue, 7 Jan 2003 16:48:35 +0300 (EAT)"),
            Some(180)
        );
        assert_eq!(
            zone_offset_minutes("Tue, 7 Jan 2003 16:48:35 -0530"),
            Some(-330)
        );
        assert_eq!(zone_offset_minutes("Tue, 7 Jan 2003 16:48:35 -0000"), None);
        assert_eq!(
            zone_offset_minutes("Tue, 7 Jan 2003 16:48:35 PDT"),
            Some(-420)
        );
        assert_eq!(
            zone_offset_minutes("Tue, 7 Jan 2003 16:48:35 EDT"),
            Some(-240)
        );
        assert_eq!(zone_offset_minutes(""), None);
        assert_eq!(organisational_domain("mail.gmail.com"), "gmail.com");
        assert_eq!(organisational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(organisational_domain("win98"), "win98");
        assert_eq!(
            address("\"Ann\" <Ann@Example.COM>").as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(
            address("bob@example.org (Bob)").as_deref(),
            Some("bob@example.org")
        );
        assert_eq!(address("undisclosed-recipients:;"), None);
    }
}
