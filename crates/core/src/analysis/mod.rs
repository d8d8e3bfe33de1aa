//! Forensic analyses of one message's headers, and of many messages of one sender.
//!
//! - [`received`] reads the Received chain hop by hop, in the order the message travelled, with per-hop
//!   delays, and flags clock skew, impossible orders, private addresses after public ones, a Date far from
//!   the first hop, or no Received at all.
//! - [`fingerprint`] summarises how a message was written (mailer, Message-ID form and domain, time zone)
//!   and [`fingerprint::SenderProfiles`] flags senders whose fingerprint changes or never matches.
//! - [`authors::DumpAuthors`] tables the authors and editors of a dump's attachments, finds edit bursts (many
//!   documents last saved by one editor within minutes) and flags names in another script than the mailbox's.
//! - [`anachronism::check`] flags what a message carries that did not exist at its date (an Ed25519 DKIM
//!   signature in 2016, Outlook 16.0 in 2012, TLS 1.3 in 2015), as `date.anachronism` in the Received findings.
//! - [`signatures::SignatureTimeline`] takes the DKIM verdicts of a whole dump per signing key and month and
//!   tells a replaced key (everything fails from a date) from altered messages (one fails among passes).
//!
//! Every analysis reports [`Finding`]s: a severity, a stable machine-readable code and one plain sentence.
//! Nothing here does I/O, reads the clock or panics, whatever the input.
//!
//! ```
//! use leakloupe_core::analysis::{format_duration, Finding};
//! use leakloupe_core::diagnostic::Severity;
//! let f = Finding::new(Severity::Info, "received.none", "The message has no Received header.");
//! assert_eq!(f.to_string(), "The message has no Received header.");
//! assert_eq!(format_duration(3 * 3600 + 125), "3 h 2 min");
//! ```

use std::fmt;

use crate::diagnostic::Severity;
use crate::message::HeaderField;

pub mod anachronism;
pub mod authors;
pub mod fingerprint;
pub mod received;
pub mod signatures;

/// One thing an analysis noticed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// Stable machine-readable code, e.g. "received.negative-delay".
    pub code: &'static str,
    /// One plain sentence saying what was seen.
    pub reason: String,
}

impl Finding {
    /// A finding.
    pub fn new(severity: Severity, code: &'static str, reason: impl Into<String>) -> Self {
        Finding {
            severity,
            code,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// A duration in seconds (sign ignored) for a sentence: "45 s", "12 min 5 s", "3 h 2 min", "4 days 1 h".
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec} s"),
        (0, 0, _) if sec == 0 => format!("{m} min"),
        (0, 0, _) => format!("{m} min {sec} s"),
        (0, _, _) => format!("{h} h {m} min"),
        (1, _, _) => format!("1 day {h} h"),
        _ => format!("{d} days {h} h"),
    }
}

/// The header fields named `name` (case-insensitive), in message order.
pub(crate) fn fields<'a>(
    headers: &'a [HeaderField],
    name: &'a str,
) -> impl Iterator<Item = &'a HeaderField> + 'a {
    headers
        .iter()
        .filter(move |h| h.name.trim().eq_ignore_ascii_case(name))
}

/// `s` without parenthesised comments (nested ones too), whitespace collapsed.
pub(crate) fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(format_duration(0), "0 s");
        assert_eq!(format_duration(-45), "45 s");
        assert_eq!(format_duration(600), "10 min");
        assert_eq!(format_duration(605), "10 min 5 s");
        assert_eq!(format_duration(86_400 + 3600), "1 day 1 h");
        assert!(!format_duration(i64::MIN).is_empty());
        assert_eq!(strip_comments("a (b (c)) d)"), "a d)");
    }
}
