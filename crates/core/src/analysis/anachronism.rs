//! Anachronisms: a message that carries something which did not exist at the date it claims. A forger
//! who back-dates a message rarely back-dates the software and the standards that handled it: an Ed25519
//! DKIM signature on mail "from 2016", an Outlook 16.0 mailer in 2012, a TLS 1.3 relay in 2015, an
//! iPhone in 2006.
//!
//! Each check in [`MARKERS`] names what it looks for, the earliest date it can honestly appear and the
//! public event that sets that date (with margin: the first drafts and betas, not the final releases, so
//! that early adopters are not flagged). A hit is a `date.anachronism` warning: the date or the header is
//! not what it seems. No date, no finding.
//!
//! ```
//! use leakloupe_core::analysis::anachronism::check;
//! use leakloupe_core::message::read_message;
//! let raw = b"From: a@example.org\nDate: Tue, 3 May 2016 10:00:00 +0000\nDKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s; h=from; bh=x; b=y\n\nhi\n";
//! let f = check(&read_message(raw).headers, Some(1_462_269_600));
//! assert_eq!(f[0].code, "date.anachronism");
//! assert!(f[0].reason.contains("RFC 8463"));
//! ```

use super::{fields, Finding};
use crate::diagnostic::Severity;
use crate::message::HeaderField;

/// One check: what, from when, why that date, and how to see it in the headers.
pub struct Marker {
    /// What the message carries, in words ("an Ed25519 DKIM signature").
    pub what: &'static str,
    /// The earliest plausible date (Unix seconds, UTC).
    pub since: i64,
    /// The event that sets it ("RFC 8463 (September 2018); its drafts from 2017").
    pub because: &'static str,
    /// Whether the headers carry it; the text that shows it, for the reason.
    pub find: fn(&[HeaderField]) -> Option<String>,
}

/// 2005-07-01, 2016-01-01 … as Unix seconds.
const fn ymd(y: i64, m: i64, d: i64) -> i64 {
    // Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

fn first_value(headers: &[HeaderField], name: &str, pred: impl Fn(&str) -> bool) -> Option<String> {
    fields(headers, name).map(|h| h.raw.split_whitespace().collect::<Vec<_>>().join(" ")).find(|v| pred(v))
}

fn short(v: &str) -> String {
    let mut s: String = v.chars().take(60).collect();
    if v.chars().count() > 60 {
        s.push('…');
    }
    s
}

fn mailer(headers: &[HeaderField]) -> Option<String> {
    fields(headers, "x-mailer").chain(fields(headers, "user-agent")).map(|h| h.raw.trim().to_string()).next()
}

/// "Microsoft Outlook 16.0", "Microsoft Office Outlook 12.0", "Microsoft Outlook 15.0" → the major version.
fn outlook_major(m: &str) -> Option<u32> {
    let lower = m.to_ascii_lowercase();
    let at = lower.find("outlook")?;
    lower[at..]
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .find(|t| t.contains('.'))
        .and_then(|t| t.split('.').next())
        .and_then(|n| n.parse().ok())
}

fn outlook_version(headers: &[HeaderField], major: u32) -> Option<String> {
    mailer(headers).filter(|m| outlook_major(m) == Some(major))
}

/// The checks, oldest first.
pub const MARKERS: &[Marker] = &[
    Marker {
        what: "an iPhone Mail client",
        since: ymd(2007, 6, 1),
        because: "the iPhone went on sale on 29 June 2007",
        find: |h| mailer(h).filter(|m| m.to_ascii_lowercase().contains("iphone mail")),
    },
    Marker {
        what: "a Thunderbird mail client",
        since: ymd(2003, 7, 1),
        because: "Thunderbird 0.1 came out on 28 July 2003",
        find: |h| mailer(h).filter(|m| m.to_ascii_lowercase().contains("thunderbird")),
    },
    Marker {
        what: "a DKIM signature",
        since: ymd(2005, 7, 1),
        because: "DKIM's first draft is of July 2005 (RFC 4871, May 2007)",
        find: |h| first_value(h, "dkim-signature", |_| true).map(|v| short(&v)),
    },
    Marker {
        what: "Outlook 2007 (Outlook 12.0)",
        since: ymd(2006, 1, 1),
        because: "Office 2007's first betas date from 2006",
        find: |h| outlook_version(h, 12),
    },
    Marker {
        what: "Outlook 2010 (Outlook 14.0)",
        since: ymd(2009, 1, 1),
        because: "Office 2010's first previews date from 2009",
        find: |h| outlook_version(h, 14),
    },
    Marker {
        what: "a Message-ID of Exchange Online (Office 365)",
        since: ymd(2011, 1, 1),
        because: "Office 365 opened in June 2011, after a 2010 beta",
        find: |h| first_value(h, "message-id", |v| v.to_ascii_lowercase().contains(".prod.outlook.com")),
    },
    Marker {
        what: "Outlook 2013 (Outlook 15.0)",
        since: ymd(2012, 7, 1),
        because: "Office 2013's preview came out in July 2012",
        find: |h| outlook_version(h, 15),
    },
    Marker {
        what: "Outlook 2016 or later (Outlook 16.0)",
        since: ymd(2015, 1, 1),
        because: "Office 2016's first previews date from early 2015",
        find: |h| outlook_version(h, 16),
    },
    Marker {
        what: "an ARC seal",
        since: ymd(2016, 1, 1),
        because: "ARC was first drafted in 2016 (RFC 8617, July 2019)",
        find: |h| first_value(h, "arc-seal", |_| true).map(|v| short(&v)),
    },
    Marker {
        what: "an Ed25519 DKIM signature",
        since: ymd(2017, 1, 1),
        because: "Ed25519 for DKIM is RFC 8463 (September 2018); its drafts date from 2017",
        find: |h| first_value(h, "dkim-signature", |v| v.to_ascii_lowercase().replace(' ', "").contains("a=ed25519")).map(|v| short(&v)),
    },
    Marker {
        what: "a relay speaking TLS 1.3",
        since: ymd(2018, 1, 1),
        because: "TLS 1.3 is RFC 8446 (August 2018), in mail servers from 2018 on",
        find: |h| {
            first_value(h, "received", |v| {
                let l = v.to_ascii_lowercase();
                l.contains("tls1_3") || l.contains("tlsv1.3") || l.contains("tls 1.3")
            })
            .map(|v| short(&v))
        },
    },
];

/// The anachronisms of a message dated `date` (Unix seconds); none without a date.
pub fn check(headers: &[HeaderField], date: Option<i64>) -> Vec<Finding> {
    let Some(date) = date else { return Vec::new() };
    MARKERS
        .iter()
        .filter(|m| date < m.since)
        .filter_map(|m| {
            let seen = (m.find)(headers)?;
            let day = chrono::DateTime::from_timestamp(date, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
            Some(Finding::new(
                Severity::Warning,
                "date.anachronism",
                format!(
                    "The message is dated {day} but carries {} (\"{seen}\"), and {}: the date or the header is not what it seems.",
                    m.what, m.because
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::read_message;

    fn headers(extra: &str) -> Vec<HeaderField> {
        read_message(format!("From: a@example.org\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n{extra}\n\nbody\n").as_bytes()).headers
    }

    #[test]
    fn dates_are_right() {
        assert_eq!(ymd(1970, 1, 1), 0);
        assert_eq!(ymd(2018, 9, 1), 1_535_760_000);
        assert_eq!(ymd(2000, 3, 1), 951_868_800);
    }

    #[test]
    fn each_marker_fires_before_its_date_and_not_after() {
        let cases = [
            ("X-Mailer: iPhone Mail (4A102)", ymd(2007, 6, 1)),
            ("User-Agent: Mozilla Thunderbird 1.0.2 (Windows/20050317)", ymd(2003, 7, 1)),
            ("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=x; b=y", ymd(2005, 7, 1)),
            ("X-Mailer: Microsoft Office Outlook 12.0", ymd(2006, 1, 1)),
            ("X-Mailer: Microsoft Outlook 14.0", ymd(2009, 1, 1)),
            ("Message-ID: <AM0PR02MB5555ABCDEF@AM0PR02MB5555.eurprd02.prod.outlook.com>", ymd(2011, 1, 1)),
            ("X-Mailer: Microsoft Outlook 15.0", ymd(2012, 7, 1)),
            ("X-Mailer: Microsoft Outlook 16.0", ymd(2015, 1, 1)),
            ("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=s; b=x", ymd(2016, 1, 1)),
            ("Received: from a (a [192.0.2.1]) by b with ESMTPS (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384); Mon, 1 Jan 2001 00:00:00 +0000", ymd(2018, 1, 1)),
        ];
        for (header, since) in cases {
            let h = headers(header);
            let before = check(&h, Some(since - 86_400));
            assert!(!before.is_empty(), "{header}: nothing before {since}");
            assert!(before.iter().all(|f| f.code == "date.anachronism" && f.severity == Severity::Warning));
            assert!(check(&h, Some(since + 86_400)).is_empty(), "{header}: flagged after {since}");
        }
        // Ed25519 is one more marker on top of DKIM itself.
        let ed = headers("DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s; h=from; bh=x; b=y");
        assert_eq!(check(&ed, Some(ymd(2016, 6, 1))).len(), 1);
        assert_eq!(check(&ed, Some(ymd(2004, 6, 1))).len(), 2);
        assert!(check(&ed, Some(ymd(2019, 1, 1))).is_empty());
    }

    #[test]
    fn no_date_no_finding_and_ordinary_mail_is_quiet() {
        assert!(check(&headers("X-Mailer: Microsoft Outlook 16.0"), None).is_empty());
        let plain = headers("X-Mailer: Microsoft Outlook Express 6.00.2800.1106\nMessage-ID: <000001c2b64c$03af8740$56734151@example.com>");
        assert!(check(&plain, Some(ymd(2003, 1, 1))).is_empty());
        // "Outlook 11" in 2003 is fine, and an Outlook Express build number is not an Outlook version.
        assert!(check(&headers("X-Mailer: Microsoft Office Outlook, Build 11.0.5510"), Some(ymd(2003, 1, 1))).is_empty());
    }
}
