//! ARC chain validation (RFC 8617 §5.2) against the local [`KeyStore`]: the `cv=` result a receiver
//! would compute for the message's ARC sets, reusing the DKIM key and signature machinery.
//!
//! Steps: collect the ARC-Authentication-Results / ARC-Message-Signature / ARC-Seal fields; check the
//! structure (instances 1..N, exactly one of each per instance, N ≤ 50, `cv=none` on instance 1 and
//! `cv=pass` on the others, no `cv=fail`); verify the newest ARC-Message-Signature like a DKIM signature;
//! verify every ARC-Seal from the newest down (relaxed canonicalization of the sets 1..i). A missing key is
//! reported as `neutral` (offline: the key is simply not in the store), never as a chain failure. Unlike
//! DKIM (where Mail-DKIM's expectations are followed), RSA keys under 1024 bits fail the chain, as the
//! ARC test suite requires (RFC 8301).
//!
//! ```
//! use leakloupe_core::auth::{arc::validate_chain, AuthResult, KeyStore};
//! let r = validate_chain(b"From: a@example.com\r\n\r\nhi\r\n", &KeyStore::new());
//! assert_eq!(r.result, AuthResult::None);
//! let r = validate_chain(b"ARC-Seal: i=1; cv=pass\r\nFrom: a@example.com\r\n\r\nhi\r\n", &KeyStore::new());
//! assert_eq!(r.result, AuthResult::Fail);
//! ```

use super::canon::{canon_body, split_message, Canon, HeaderField};
use super::dkim::{
    check_signature, header_data, parse_key_record, select_headers, strip_b_value, valid_domain,
    Algorithm,
};
use super::tags::{colon_list, decode_base64, TagList};
use super::{AuthResult, KeyLookup, KeyStore};

/// The result of validating a message's ARC chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcReport {
    /// `none` (no ARC sets), `pass`, `fail`, `neutral` (a key is not in the store) or `temperror`.
    pub result: AuthResult,
    /// One plain sentence saying why.
    pub reason: String,
    /// Number of ARC sets (the highest instance), 0 when there are none.
    pub instances: u32,
    /// The sealing domains (`d=` of each ARC-Seal), instance 1 first.
    pub sealers: Vec<String>,
    /// Labels of the key store entries used.
    pub key_sources: Vec<String>,
}

struct Set<'a> {
    aar: Option<&'a HeaderField>,
    ams: Option<(&'a HeaderField, TagList)>,
    seal: Option<(&'a HeaderField, TagList)>,
}

fn instance_of(tags: &TagList) -> Option<u32> {
    let i = tags.get("i")?;
    if i.is_empty() || i.len() > 2 || !i.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    i.parse().ok().filter(|n| (1..=50).contains(n))
}

fn aar_instance(field: &HeaderField) -> Option<u32> {
    let value = field.value();
    let (first, _) = value.split_once(';')?;
    let (name, num) = first.split_once('=')?;
    if name.trim() != "i" {
        return None;
    }
    let num = num.trim();
    if num.is_empty() || num.len() > 2 || !num.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    num.parse().ok().filter(|n| (1..=50).contains(n))
}

enum Key {
    Ok(Box<super::dkim::KeyRecord>),
    Stop(AuthResult, String),
}

fn fetch_key(
    tags: &TagList,
    alg: Algorithm,
    keys: &KeyStore,
    what: &str,
    sources: &mut Vec<String>,
) -> Key {
    let (d, s) = (
        tags.get("d").unwrap_or_default(),
        tags.get("s").unwrap_or_default(),
    );
    let name = format!("{s}._domainkey.{d}").to_ascii_lowercase();
    match keys.lookup(&name) {
        KeyLookup::Found { record, source } => {
            sources.push(source);
            match parse_key_record(&record, alg) {
                Ok(k) if k.key.rsa_bits().is_some_and(|b| b < 1024) => Key::Stop(
                    AuthResult::Fail,
                    format!(
                        "the key at {name} for the {what} is too short to trust (under 1024 bits)"
                    ),
                ),
                Ok(k) => Key::Ok(Box::new(k)),
                Err(e) => Key::Stop(
                    AuthResult::Fail,
                    format!("the key record at {name} for the {what} is unusable: {e}"),
                ),
            }
        }
        KeyLookup::NotInStore => Key::Stop(
            AuthResult::Neutral,
            format!("no key for {name} is in the key store, so the {what} could not be checked"),
        ),
        KeyLookup::NxDomain { source } => {
            sources.push(source);
            Key::Stop(
                AuthResult::Fail,
                format!("the key store says {name} (key of the {what}) does not exist"),
            )
        }
        KeyLookup::TempFail { reason, source } => {
            sources.push(source);
            Key::Stop(
                AuthResult::TempError,
                format!("looking up {name} for the {what} failed temporarily ({reason})"),
            )
        }
    }
}

fn required(tags: &TagList, names: &[&str], what: &str) -> Result<(), String> {
    for n in names {
        // An empty h= is legal (nothing but the signature itself is signed); other tags need a value.
        if tags.get(n).is_none_or(|v| v.is_empty() && *n != "h") {
            return Err(format!("the {what} has no {n}= tag"));
        }
    }
    for n in ["d", "s"] {
        let v = tags.get(n).unwrap_or_default();
        if !valid_domain(v) {
            return Err(format!("the {what} has an invalid {n}={v}"));
        }
    }
    if let Some(t) = tags.get("t") {
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("the {what} has an invalid t= value"));
        }
    }
    Ok(())
}

/// Validates the ARC chain of `raw` (one whole message) with the keys in `keys`. Never panics.
pub fn validate_chain(raw: &[u8], keys: &KeyStore) -> ArcReport {
    let (headers, body) = split_message(raw);
    let mut report = ArcReport {
        result: AuthResult::None,
        reason: "The message has no ARC headers.".into(),
        instances: 0,
        sealers: Vec::new(),
        key_sources: Vec::new(),
    };
    let arc: Vec<&HeaderField> = headers
        .iter()
        .filter(|f| {
            f.is("ARC-Seal") || f.is("ARC-Message-Signature") || f.is("ARC-Authentication-Results")
        })
        .collect();
    if arc.is_empty() {
        return report;
    }
    match check_chain(&headers, &arc, body, keys, &mut report) {
        Ok(()) => {
            report.result = AuthResult::Pass;
            report.reason = format!(
                "All {} ARC sets verify: each sealer vouches for the message as it received it.",
                report.instances
            );
        }
        Err((result, why)) => {
            report.result = result;
            report.reason = format!(
                "The ARC chain {}: {why}.",
                if result == AuthResult::Fail {
                    "fails"
                } else {
                    "cannot be validated"
                }
            );
        }
    }
    report
}

fn check_chain(
    headers: &[HeaderField],
    arc: &[&HeaderField],
    body: &[u8],
    keys: &KeyStore,
    report: &mut ArcReport,
) -> Result<(), (AuthResult, String)> {
    let fail = |why: String| (AuthResult::Fail, why);
    let mut sets: Vec<Set> = Vec::new();
    for f in arc {
        let (n, tags) = if f.is("ARC-Authentication-Results") {
            (aar_instance(f), None)
        } else {
            let tags = TagList::parse(&f.value());
            if let Some(e) = &tags.error {
                return Err(fail(format!("an {} header is malformed ({e})", f.name)));
            }
            (instance_of(&tags), Some(tags))
        };
        let n = n.ok_or_else(|| {
            fail(format!(
                "an {} header has no valid instance i= (1 to 50)",
                f.name
            ))
        })? as usize;
        while sets.len() < n {
            sets.push(Set {
                aar: None,
                ams: None,
                seal: None,
            });
        }
        let set = &mut sets[n - 1];
        let dup = match tags {
            None => set.aar.replace(f).is_some(),
            Some(t) if f.is("ARC-Seal") => set.seal.replace((f, t)).is_some(),
            Some(t) => set.ams.replace((f, t)).is_some(),
        };
        if dup {
            return Err(fail(format!("instance {n} has two {} headers", f.name)));
        }
    }
    report.instances = sets.len() as u32;
    let mut complete = Vec::new();
    for (k, s) in sets.iter().enumerate() {
        match (s.aar, &s.ams, &s.seal) {
            (Some(aar), Some((ams, at)), Some((seal, st))) => {
                complete.push((aar, *ams, at, *seal, st))
            }
            _ => return Err(fail(format!("ARC set {} is incomplete", k + 1))),
        }
    }
    report.sealers = complete
        .iter()
        .map(|c| c.4.get("d").unwrap_or_default().to_string())
        .collect();
    for (k, c) in complete.iter().enumerate() {
        let cv = c.4.get("cv").unwrap_or_default();
        let want = if k == 0 { "none" } else { "pass" };
        if cv.eq_ignore_ascii_case("fail") {
            return Err(fail(format!(
                "ARC-Seal {} records that the chain had already failed (cv=fail)",
                k + 1
            )));
        }
        if !cv.eq_ignore_ascii_case(want) {
            return Err(fail(format!(
                "ARC-Seal {} has cv={cv} where cv={want} is required",
                k + 1
            )));
        }
    }

    // The newest ARC-Message-Signature, like a DKIM signature.
    let Some(&(_, ams, at, _, _)) = complete.last() else {
        return Err(fail("there are no ARC sets".into()));
    };
    let n = complete.len();
    let what = format!("ARC-Message-Signature {n}");
    required(at, &["a", "b", "bh", "d", "h", "s"], &what).map_err(fail)?;
    let a = at.get("a").unwrap_or_default();
    let alg = Algorithm::parse(a).ok_or_else(|| fail(format!("{what} uses unsupported a={a}")))?;
    let (hc, bc) = match at.get("c") {
        None => (Canon::Simple, Canon::Simple),
        Some(c) => {
            let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
            match (Canon::parse(h.trim()), Canon::parse(b.trim())) {
                (Some(h), Some(b)) => (h, b),
                _ => return Err(fail(format!("{what} has unsupported c={c}"))),
            }
        }
    };
    let h = colon_list(at.get("h").unwrap_or_default());
    if h.iter().any(|x| x.eq_ignore_ascii_case("arc-seal")) {
        return Err(fail(format!(
            "{what} signs an ARC-Seal header, which is not allowed"
        )));
    }
    let bh = decode_base64(at.get("bh").unwrap_or_default())
        .ok_or_else(|| fail(format!("{what} has a bh= that is not base64")))?;
    let sig = decode_base64(at.get("b").unwrap_or_default())
        .ok_or_else(|| fail(format!("{what} has a b= that is not base64")))?;
    if alg.digest(&canon_body(body, bc)) != bh {
        return Err(fail(format!("the body changed after {what} was added")));
    }
    let key = match fetch_key(at, alg, keys, &what, &mut report.key_sources) {
        Key::Ok(k) => k,
        Key::Stop(r, why) => return Err((r, why)),
    };
    let picks = select_headers(headers, &h);
    if !check_signature(alg, &key.key, &header_data(headers, &picks, ams, hc), &sig) {
        return Err(fail(format!(
            "{what} does not verify: a signed header changed after it was added"
        )));
    }

    // Every ARC-Seal, newest first.
    for i in (1..=n).rev() {
        let st = complete[i - 1].4;
        let what = format!("ARC-Seal {i}");
        required(st, &["a", "b", "cv", "d", "s"], &what).map_err(fail)?;
        if st.get("h").is_some() {
            return Err(fail(format!(
                "{what} has an h= tag, which seals may not have"
            )));
        }
        let a = st.get("a").unwrap_or_default();
        let alg =
            Algorithm::parse(a).ok_or_else(|| fail(format!("{what} uses unsupported a={a}")))?;
        let sig = decode_base64(st.get("b").unwrap_or_default())
            .ok_or_else(|| fail(format!("{what} has a b= that is not base64")))?;
        let mut data = Vec::new();
        for (j, (aar, ams, _, seal, _)) in complete.iter().take(i).enumerate() {
            data.extend(aar.canonical(Canon::Relaxed));
            data.extend(ams.canonical(Canon::Relaxed));
            if j + 1 == i {
                let mut own = HeaderField {
                    name: seal.name.clone(),
                    raw: strip_b_value(&seal.raw),
                }
                .relaxed();
                own.truncate(own.len().saturating_sub(2));
                data.extend(own);
            } else {
                data.extend(seal.canonical(Canon::Relaxed));
            }
        }
        let key = match fetch_key(st, alg, keys, &what, &mut report.key_sources) {
            Key::Ok(k) => k,
            Key::Stop(r, why) => return Err((r, why)),
        };
        if !check_signature(alg, &key.key, &data, &sig) {
            return Err(fail(format!(
                "{what} does not verify: the ARC headers changed after it was added"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_errors_fail_without_panicking() {
        let keys = KeyStore::new();
        for headers in [
            "ARC-Authentication-Results: i=1 lists.example.org\r\n",
            "ARC-Authentication-Results: i=0; x\r\n",
            "ARC-Seal: i=1; cv=none\r\nARC-Seal: i=1; cv=none\r\n",
            "ARC-Message-Signature: i=51\r\n",
            "ARC-Seal: i=1; cv=none; t=\r\n",
            "ARC-Seal: i==\r\n",
        ] {
            let raw = format!("{headers}From: a@b\r\n\r\nx\r\n");
            let r = validate_chain(raw.as_bytes(), &keys);
            assert_eq!(r.result, AuthResult::Fail, "{headers}");
            assert!(r.reason.ends_with('.'));
        }
    }
}
