//! DKIM across a dump: for each signing domain and key (selector), how many messages verify, fail or cannot
//! be checked, month by month, and what the pattern means.
//!
//! One failing signature says little; the pattern says a lot. A key that was replaced makes *every*
//! message after some date fail or go unchecked, whoever wrote them; an altered message fails *alone*,
//! among messages signed with the same key in the same period that verify. Journalists verifying the
//! Podesta and Hunter Biden mail argued exactly this way. [`SignatureTimeline::keys`] gives each key's
//! counts, period and [`KeyPattern`]; [`SignatureTimeline::findings`] flags each isolated failure
//! (`dkim.isolated-failure`, a warning on that message) so it can be searched.
//!
//! ```
//! use leakloupe_core::analysis::signatures::{KeyPattern, SignatureTimeline};
//! use leakloupe_core::auth::AuthResult;
//! let mut t = SignatureTimeline::default();
//! use AuthResult::{Fail, Pass};
//! for (id, result) in [(1, Pass), (2, Pass), (3, Fail), (4, Pass), (5, Pass)] {
//!     t.add(id, Some(1_700_000_000 + i64::from(id) * 86_400), &[("example.org", "s1", result)]);
//! }
//! let keys = t.keys();
//! assert_eq!(keys[0].pattern, KeyPattern::IsolatedFailures);
//! assert_eq!(t.findings()[0].0, 3);
//! ```

use std::collections::BTreeMap;

use super::Finding;
use crate::auth::AuthResult;
use crate::diagnostic::Severity;

/// What a key's verdicts, taken together, suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPattern {
    /// Every signature verifies.
    AllVerified,
    /// A few fail while most, with the same key, verify: those messages were changed after signing.
    IsolatedFailures,
    /// Every checkable signature fails: the key at hand is probably not the one that signed (replaced
    /// under the same selector), not proof that each message was altered.
    AllFail,
    /// Verified up to a date, failing from then on: the key changed under the same selector.
    FailsFromADate,
    /// The key is not in the store: nothing could be checked (unverified, not forged).
    KeyMissing,
    /// Anything else (errors, a mix without a clear order).
    Mixed,
}

impl KeyPattern {
    /// One sentence for people.
    pub fn explain(self) -> &'static str {
        match self {
            KeyPattern::AllVerified => "every signature verifies",
            KeyPattern::IsolatedFailures => {
                "a few signatures fail while the others made with the same key verify: those messages were changed after signing"
            }
            KeyPattern::AllFail => {
                "every signature fails: the key at hand is probably not the one that signed (replaced under the same name), which is not proof that each message was altered"
            }
            KeyPattern::FailsFromADate => {
                "signatures verify up to a date and fail after it: the key changed under the same name; the later messages need the later key"
            }
            KeyPattern::KeyMissing => {
                "the key is not in the key store: these signatures could not be checked (unverified is not forged); add the archived key record"
            }
            KeyPattern::Mixed => "a mix of verdicts without a clear pattern",
        }
    }

    /// Stable short name ("isolated-failures").
    pub fn label(self) -> &'static str {
        match self {
            KeyPattern::AllVerified => "all-verified",
            KeyPattern::IsolatedFailures => "isolated-failures",
            KeyPattern::AllFail => "all-fail",
            KeyPattern::FailsFromADate => "fails-from-a-date",
            KeyPattern::KeyMissing => "key-missing",
            KeyPattern::Mixed => "mixed",
        }
    }
}

/// Verdict counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Verified.
    pub pass: u32,
    /// Failed (body or signature).
    pub fail: u32,
    /// Not checkable (key not in the store).
    pub neutral: u32,
    /// Errors (syntax, expired, policy).
    pub error: u32,
}

impl Counts {
    fn add(&mut self, r: AuthResult) {
        match r {
            AuthResult::Pass => self.pass += 1,
            AuthResult::Fail => self.fail += 1,
            AuthResult::Neutral | AuthResult::None => self.neutral += 1,
            AuthResult::PermError | AuthResult::TempError | AuthResult::Policy => self.error += 1,
        }
    }

    /// All signatures counted.
    pub fn total(&self) -> u32 {
        self.pass + self.fail + self.neutral + self.error
    }
}

/// One signing key (domain + selector) across the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// All its signatures.
    pub counts: Counts,
    /// Per month ("2024-03"; "undated" for messages without a date), in order.
    pub months: Vec<(String, Counts)>,
    /// Earliest and latest message date (Unix seconds).
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
    /// What the verdicts suggest.
    pub pattern: KeyPattern,
    /// The messages whose signature failed.
    pub failing: Vec<u32>,
}

/// One signature, kept small (12 bytes): a dump of millions of signed messages keeps one per signature.
#[derive(Debug, Clone)]
struct Seen {
    message: u32,
    /// Minutes since 1970 ([`NO_DATE`] for none): the patterns need no finer time.
    minute: i32,
    result: AuthResult,
}

const NO_DATE: i32 = i32::MIN;

impl Seen {
    fn date(&self) -> Option<i64> {
        (self.minute != NO_DATE).then(|| i64::from(self.minute) * 60)
    }
}

/// The DKIM verdicts of a dump, fed message by message.
#[derive(Debug, Clone, Default)]
pub struct SignatureTimeline {
    keys: BTreeMap<(String, String), Vec<Seen>>,
}

fn month(date: Option<i64>) -> String {
    date.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "undated".to_string(), |d| d.format("%Y-%m").to_string())
}

impl SignatureTimeline {
    /// One message's signatures: (domain, selector, verdict) each, dated by the message.
    pub fn add(&mut self, message: u32, date: Option<i64>, signatures: &[(&str, &str, AuthResult)]) {
        for (domain, selector, result) in signatures {
            if domain.is_empty() {
                continue;
            }
            let key = (domain.to_ascii_lowercase(), selector.to_ascii_lowercase());
            let minute = date.and_then(|d| i32::try_from(d.div_euclid(60)).ok()).filter(|m| *m != NO_DATE).unwrap_or(NO_DATE);
            self.keys.entry(key).or_default().push(Seen { message, minute, result: *result });
        }
    }

    /// Every key seen, most signatures first.
    pub fn keys(&self) -> Vec<KeySummary> {
        let mut out: Vec<KeySummary> = self
            .keys
            .iter()
            .map(|((domain, selector), seen)| {
                let mut counts = Counts::default();
                let mut months: BTreeMap<String, Counts> = BTreeMap::new();
                for s in seen {
                    counts.add(s.result);
                    months.entry(month(s.date())).or_default().add(s.result);
                }
                let dates = seen.iter().filter_map(Seen::date);
                let failing: Vec<u32> = seen.iter().filter(|s| s.result == AuthResult::Fail).map(|s| s.message).collect();
                KeySummary {
                    domain: domain.clone(),
                    selector: selector.clone(),
                    counts,
                    months: months.into_iter().collect(),
                    first: dates.clone().min(),
                    last: dates.max(),
                    pattern: pattern(seen, &counts),
                    failing,
                }
            })
            .collect();
        out.sort_by(|a, b| b.counts.total().cmp(&a.counts.total()).then_with(|| a.domain.cmp(&b.domain)));
        out
    }

    /// `dkim.isolated-failure` for each message whose signature fails while others with the same key verify.
    pub fn findings(&self) -> Vec<(u32, Finding)> {
        let mut out = Vec::new();
        for k in self.keys() {
            if k.pattern != KeyPattern::IsolatedFailures {
                continue;
            }
            for &m in &k.failing {
                out.push((
                    m,
                    Finding::new(
                        Severity::Warning,
                        "dkim.isolated-failure",
                        format!(
                            "The DKIM signature of {} (s={}) fails on this message while {} other {} signed with the same key verify: this message was changed after it was signed.",
                            k.domain,
                            k.selector,
                            k.counts.pass,
                            if k.counts.pass == 1 { "message" } else { "messages" }
                        ),
                    ),
                ));
            }
        }
        out
    }
}

/// The pattern of one key's verdicts.
fn pattern(seen: &[Seen], c: &Counts) -> KeyPattern {
    let checked = c.pass + c.fail;
    if checked == 0 {
        return if c.neutral > 0 && c.error == 0 { KeyPattern::KeyMissing } else { KeyPattern::Mixed };
    }
    if c.fail == 0 {
        return if c.error == 0 && c.neutral == 0 { KeyPattern::AllVerified } else { KeyPattern::Mixed };
    }
    if c.pass == 0 {
        return KeyPattern::AllFail;
    }
    // Passes and failures: do the failures all come after the last pass (a key replaced under the same
    // selector), or among the passes?
    let last_pass = seen.iter().filter(|s| s.result == AuthResult::Pass).filter_map(Seen::date).max();
    let first_fail = seen.iter().filter(|s| s.result == AuthResult::Fail).filter_map(Seen::date).min();
    let all_dated = seen.iter().all(|s| s.minute != NO_DATE);
    match (last_pass, first_fail) {
        (Some(lp), Some(ff)) if all_dated && ff > lp && c.fail >= 2 => KeyPattern::FailsFromADate,
        _ if c.fail * 4 <= c.pass => KeyPattern::IsolatedFailures,
        _ => KeyPattern::Mixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AuthResult::*;

    const DAY: i64 = 86_400;

    fn timeline(verdicts: &[AuthResult]) -> SignatureTimeline {
        let mut t = SignatureTimeline::default();
        for (i, r) in verdicts.iter().enumerate() {
            t.add(i as u32, Some(1_700_000_000 + i as i64 * DAY), &[("Example.org", "S1", *r)]);
        }
        t
    }

    #[test]
    fn a_signature_takes_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Seen>(), 12);
    }

    #[test]
    fn patterns() {
        assert_eq!(timeline(&[Pass, Pass, Pass]).keys()[0].pattern, KeyPattern::AllVerified);
        assert_eq!(timeline(&[Pass, Pass, Fail, Pass, Pass]).keys()[0].pattern, KeyPattern::IsolatedFailures);
        assert_eq!(timeline(&[Fail, Fail]).keys()[0].pattern, KeyPattern::AllFail);
        assert_eq!(timeline(&[Pass, Pass, Pass, Fail, Fail, Fail]).keys()[0].pattern, KeyPattern::FailsFromADate);
        assert_eq!(timeline(&[Neutral, Neutral]).keys()[0].pattern, KeyPattern::KeyMissing);
        assert_eq!(timeline(&[Pass, Fail, Pass, Fail]).keys()[0].pattern, KeyPattern::Mixed);
        assert_eq!(timeline(&[PermError]).keys()[0].pattern, KeyPattern::Mixed);
    }

    #[test]
    fn isolated_failures_are_findings_and_nothing_else_is() {
        let t = timeline(&[Pass, Pass, Pass, Fail, Pass]);
        let f = t.findings();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, 3);
        assert_eq!(f[0].1.code, "dkim.isolated-failure");
        assert!(f[0].1.reason.contains("example.org (s=s1)") && f[0].1.reason.contains("4 other messages"), "{}", f[0].1.reason);
        assert!(timeline(&[Pass, Pass, Pass, Fail, Fail, Fail]).findings().is_empty());
        assert!(timeline(&[Fail, Fail]).findings().is_empty());
    }

    #[test]
    fn keys_months_and_counts() {
        let mut t = SignatureTimeline::default();
        t.add(1, Some(1_709_539_200), &[("a.example", "s", Pass), ("b.example", "k", Neutral)]); // 2024-03-04
        t.add(2, Some(1_712_000_000), &[("a.example", "s", Pass)]); // 2024-04-01
        t.add(3, Option::None, &[("a.example", "s", Fail), ("", "x", Pass)]);
        let keys = t.keys();
        assert_eq!(keys.len(), 2);
        let a = &keys[0];
        assert_eq!((a.domain.as_str(), a.counts.pass, a.counts.fail), ("a.example", 2, 1));
        assert_eq!(a.months.iter().map(|(m, c)| (m.as_str(), c.total())).collect::<Vec<_>>(), [("2024-03", 1), ("2024-04", 1), ("undated", 1)]);
        // Kept to the minute.
        assert_eq!((a.first, a.last), (Some(1_709_539_200), Some(1_712_000_000 / 60 * 60)));
        assert_eq!(a.failing, [3]);
        assert_eq!(keys[1].pattern, KeyPattern::KeyMissing);
    }
}
