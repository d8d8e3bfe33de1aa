//! DKIM verification (RFC 6376, RFC 8463 ed25519, RFC 8301 algorithm updates) against the local
//! [`KeyStore`], and "what is actually signed" for every `DKIM-Signature` of a message.
//!
//! For each signature [`verify_message`] always recomputes the body hash (no key needed: it tells whether
//! the body changed since signing), then checks the header signature when the key store knows the key
//! `<s>._domainkey.<d>`. Results use the RFC 8601 names ([`AuthResult`]), each with one plain sentence.
//!
//! Verdict policy (deliberate, to match what Mail-DKIM's test suite expects while still warning):
//! - rsa-sha1, keys under 1024 bits, `l=`, key testing mode (`t=y`) and pre-RFC signatures (no `v=`, or
//!   `v=0.5`, and `q=dns`) still verify, but carry a [`DkimFlag`] and a caveat in the reason;
//! - an expired signature (`x=` before the caller-supplied verification time) is `permerror` with
//!   [`DkimFlag::Expired`]; the reason says whether the signature was otherwise valid;
//! - the RFC 4871 key tags `g=` (granularity) and `t=s` (strict identity) are enforced;
//! - a key missing from the store is `neutral` (not a DNS fact: the user simply has not supplied it); the
//!   body hash is still reported in [`DkimReport::body_hash_ok`] and in the reason. A stored NXDOMAIN
//!   marker or a revoked/unusable key record is `permerror`, a stored timeout/SERVFAIL marker `temperror`.
//!
//! Why not a DKIM crate: `mail-auth` (Stalwart) verifies only through an async DNS resolver interface,
//! reads the system clock for `x=` with no way to pass the verification time (and `SystemTime::now`
//! panics on wasm32-unknown-unknown, so on wasm it switches to `web-time`/wasm-bindgen, web crates this
//! core must not depend on), and does not expose the header coverage details reported here; `cfdkim` is
//! built around a live `trust-dns` resolver. So verification is written here on RustCrypto primitives
//! (`rsa` PKCS#1 v1.5 verify with explicit DigestInfo prefixes, `ed25519-dalek`, `sha1`, `sha2`), which
//! need no RNG and build for wasm32-unknown-unknown.
//!
//! ```
//! use leakloupe_core::auth::{dkim::verify_message, AuthResult, KeyStore};
//! let reports = verify_message(b"From: a@example.com\r\n\r\nhi\r\n", &KeyStore::new(), None);
//! assert!(reports.is_empty()); // unsigned: nothing to report
//! let signed = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=eA==; b=eA==\r\nFrom: a@example.com\r\n\r\nhi\r\n";
//! let r = &verify_message(signed, &KeyStore::new(), None)[0];
//! assert_eq!(r.result, AuthResult::Neutral); // no key in the store for sel._domainkey.example.com ...
//! assert_eq!(r.body_hash_ok, Some(false)); // ... but bh=eA== is not the body's hash: no key needed for that
//! ```

use ed25519_dalek::{Signature as EdSignature, VerifyingKey};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::Digest;

use super::canon::{canon_body, split_message, Canon, HeaderField};
use super::tags::{colon_list, decode_base64, decode_dkim_qp, strip_fws, TagList};
use super::{AuthResult, KeyLookup, KeyStore};

/// A signing algorithm (`a=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// rsa-sha1: obsolete (RFC 8301), flagged as weak.
    RsaSha1,
    /// rsa-sha256.
    RsaSha256,
    /// ed25519-sha256 (RFC 8463).
    Ed25519Sha256,
}

impl Algorithm {
    /// Parses an `a=` value (case-insensitive).
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.to_ascii_lowercase().as_str() {
            "rsa-sha1" => Some(Algorithm::RsaSha1),
            "rsa-sha256" => Some(Algorithm::RsaSha256),
            "ed25519-sha256" => Some(Algorithm::Ed25519Sha256),
            _ => None,
        }
    }

    /// The `a=` name, e.g. "rsa-sha256".
    pub fn label(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    fn hash_name(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "sha1",
            _ => "sha256",
        }
    }

    fn key_type(self) -> KeyType {
        match self {
            Algorithm::Ed25519Sha256 => KeyType::Ed25519,
            _ => KeyType::Rsa,
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Algorithm::RsaSha1 => sha1::Sha1::digest(data).to_vec(),
            _ => sha2::Sha256::digest(data).to_vec(),
        }
    }
}

/// A caveat about a signature, shown next to its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DkimFlag {
    /// rsa-sha1: SHA-1 is broken for signatures (RFC 8301 forbids signing with it).
    WeakHash,
    /// `l=`: only the first `signed` bytes of the canonical body (of `total`) are covered; anything can be
    /// appended without breaking the signature.
    LengthLimit {
        /// Bytes covered (`l=`).
        signed: u64,
        /// Canonical body length now.
        total: u64,
    },
    /// `x=` lies before the verification time.
    Expired {
        /// The `x=` value (Unix seconds).
        at: i64,
    },
    /// An RSA key shorter than 1024 bits (can be factored; RFC 8301 says not to accept it).
    ShortKey(u32),
    /// The key record says the domain is testing DKIM (`t=y`).
    Testing,
    /// A pre-RFC signature (draft version: no `v=` tag, or `v=0.5`).
    LegacyVersion,
    /// A header field named in `h=` also appears in an instance that the signature does not cover (e.g. a
    /// second Subject added after signing, which a mail client may display instead of the signed one).
    UnsignedCopy(String),
}

impl DkimFlag {
    /// One plain sentence about the caveat.
    pub fn describe(&self) -> String {
        match self {
            DkimFlag::WeakHash => "signed with rsa-sha1, which is too weak to trust (RFC 8301)".into(),
            DkimFlag::LengthLimit { signed, total } => format!(
                "only the first {signed} of {total} body bytes are signed (l=), so content can be appended"
            ),
            DkimFlag::Expired { at } => format!("the signature expired at {} (x=)", unix_label(*at)),
            DkimFlag::ShortKey(bits) => format!("the key is only {bits} bits, short enough to be forged"),
            DkimFlag::Testing => "the key is marked as testing (t=y)".into(),
            DkimFlag::LegacyVersion => "a pre-standard draft DKIM signature (no v=1)".into(),
            DkimFlag::UnsignedCopy(name) => {
                format!("a copy of the signed {name} header is present but not covered by the signature")
            }
        }
    }
}

fn unix_label(t: i64) -> String {
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("@{t}"),
    }
}

/// The verdict on one `DKIM-Signature` header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimReport {
    /// 0-based position among the message's DKIM-Signature fields, top first.
    pub index: usize,
    /// `d=` as written ("" if missing).
    pub domain: String,
    /// `s=` as written ("" if missing).
    pub selector: String,
    /// `a=` as written ("" if missing).
    pub algorithm: String,
    /// The verdict.
    pub result: AuthResult,
    /// One plain sentence saying why.
    pub reason: String,
    /// Whether the body hash matches: `None` when it could not be computed (unreadable signature).
    pub body_hash_ok: Option<bool>,
    /// The DNS name of the key, `<s>._domainkey.<d>` ("" if `d=`/`s=` are missing).
    pub key_name: String,
    /// Label of the key store entry used, when the store had something for `key_name`.
    pub key_source: Option<String>,
    /// The signing identity (`i=`, decoded; defaults to `@<d>`).
    pub identity: String,
    /// `t=` (Unix seconds), if present.
    pub signed_at: Option<i64>,
    /// `x=` (Unix seconds), if present.
    pub expires_at: Option<i64>,
    /// The `h=` list as written, in order: the header fields the signature covers.
    pub signed_headers: Vec<String>,
    /// Names of header fields present in the message with at least one instance not covered.
    pub unsigned_present: Vec<String>,
    /// Names listed in `h=` more often than they occur: adding such a field would break the signature.
    pub oversigned: Vec<String>,
    /// Names listed in `h=` that occur more than once in the message.
    pub duplicated: Vec<String>,
    /// Caveats.
    pub flags: Vec<DkimFlag>,
}

/// Public key type (`k=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    Ed25519,
}

/// A usable public key.
#[derive(Debug, Clone)]
pub(crate) enum PublicKey {
    Rsa(RsaPublicKey),
    Ed25519(VerifyingKey),
}

impl PublicKey {
    pub(crate) fn rsa_bits(&self) -> Option<u32> {
        match self {
            PublicKey::Rsa(k) => Some(u32::try_from(k.n().bits()).unwrap_or(u32::MAX)),
            PublicKey::Ed25519(_) => None,
        }
    }
}

/// A parsed DKIM key record (RFC 6376 §3.6.1, plus RFC 4871's `g=`).
#[derive(Debug, Clone)]
pub(crate) struct KeyRecord {
    pub key: PublicKey,
    pub hashes: Option<Vec<String>>,
    pub services: Option<Vec<String>>,
    pub granularity: Option<String>,
    pub testing: bool,
    pub strict: bool,
}

/// Parses a key record; `Err` is a sentence fragment saying why it is unusable.
pub(crate) fn parse_key_record(text: &str, alg: Algorithm) -> Result<KeyRecord, String> {
    let tags = TagList::parse(text);
    if let Some(e) = tags.error {
        return Err(format!("it has a syntax error ({e})"));
    }
    if let Some(v) = tags.get("v") {
        if v != "DKIM1" {
            return Err(format!("its version v={v} is not DKIM1"));
        }
    }
    let k = tags.get("k").unwrap_or("rsa");
    let key_type = match k.to_ascii_lowercase().as_str() {
        "rsa" => KeyType::Rsa,
        "ed25519" => KeyType::Ed25519,
        _ => return Err(format!("its key type k={k} is not supported")),
    };
    if key_type != alg.key_type() {
        return Err(format!(
            "it holds a k={k} key but the signature uses {}",
            alg.label()
        ));
    }
    let Some(p) = tags.get("p") else {
        return Err("it has no p= public key".into());
    };
    let p = strip_fws(p);
    if p.is_empty() {
        return Err("the key has been revoked (empty p=)".into());
    }
    let der = decode_base64(&p).ok_or("its p= value is not base64")?;
    let key = match key_type {
        KeyType::Rsa => PublicKey::Rsa(
            RsaPublicKey::from_public_key_der(&der)
                .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
                .map_err(|_| "its p= value is not a readable RSA public key".to_string())?,
        ),
        KeyType::Ed25519 => {
            let bytes: [u8; 32] = der.as_slice().try_into().map_err(|_| {
                format!("its ed25519 key is {} bytes long instead of 32", der.len())
            })?;
            PublicKey::Ed25519(
                VerifyingKey::from_bytes(&bytes)
                    .map_err(|_| "its ed25519 key is not a valid point")?,
            )
        }
    };
    let flags = tags.get("t").map(colon_list).unwrap_or_default();
    Ok(KeyRecord {
        key,
        hashes: tags.get("h").map(colon_list),
        services: tags.get("s").map(colon_list),
        granularity: tags.get("g").map(|g| g.to_string()),
        testing: flags.iter().any(|f| f == "y"),
        strict: flags.iter().any(|f| f == "s"),
    })
}

const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Checks `sig` over the header `data` (hashing it with the algorithm's hash first).
pub(crate) fn check_signature(alg: Algorithm, key: &PublicKey, data: &[u8], sig: &[u8]) -> bool {
    let digest = alg.digest(data);
    match (key, alg) {
        (PublicKey::Rsa(k), Algorithm::RsaSha1 | Algorithm::RsaSha256) => {
            let prefix = if alg == Algorithm::RsaSha1 {
                SHA1_PREFIX
            } else {
                SHA256_PREFIX
            };
            let scheme = Pkcs1v15Sign {
                hash_len: Some(digest.len()),
                prefix: prefix.into(),
            };
            k.verify(scheme, &digest, sig).is_ok()
        }
        (PublicKey::Ed25519(k), Algorithm::Ed25519Sha256) => match EdSignature::from_slice(sig) {
            Ok(s) => k.verify_strict(&digest, &s).is_ok(),
            Err(_) => false,
        },
        _ => false,
    }
}

/// The signature field with the value of its `b=` tag removed (RFC 6376 §3.7).
pub(crate) fn strip_b_value(raw: &[u8]) -> Vec<u8> {
    let colon = raw
        .iter()
        .position(|&b| b == b':')
        .map_or(raw.len(), |p| p + 1);
    let mut out = raw[..colon].to_vec();
    for (n, segment) in raw[colon..].split(|&b| b == b';').enumerate() {
        if n > 0 {
            out.push(b';');
        }
        match segment.iter().position(|&b| b == b'=') {
            Some(eq)
                if segment[..eq]
                    .iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .eq(b"b".iter()) =>
            {
                out.extend_from_slice(&segment[..=eq]);
            }
            _ => out.extend_from_slice(segment),
        }
    }
    out
}

/// Which header fields `h=` selects: for each name, the last not-yet-used instance (bottom-up), or `None`
/// when there is none left (an over-signed name).
pub(crate) fn select_headers(headers: &[HeaderField], names: &[String]) -> Vec<Option<usize>> {
    let mut used = vec![false; headers.len()];
    names
        .iter()
        .map(|name| {
            let pick = (0..headers.len())
                .rev()
                .find(|&i| !used[i] && headers[i].is(name));
            if let Some(i) = pick {
                used[i] = true;
            }
            pick
        })
        .collect()
}

/// The bytes the header signature covers: selected fields, then the signature field itself (without its
/// final CRLF).
pub(crate) fn header_data(
    headers: &[HeaderField],
    picks: &[Option<usize>],
    sig_field: &HeaderField,
    canon: Canon,
) -> Vec<u8> {
    let mut data = Vec::new();
    for i in picks.iter().flatten() {
        data.extend_from_slice(&headers[*i].canonical(canon));
    }
    let own = HeaderField {
        name: sig_field.name.clone(),
        raw: strip_b_value(&sig_field.raw),
    };
    let mut own = own.canonical(canon);
    own.truncate(own.len().saturating_sub(2));
    data.extend_from_slice(&own);
    data
}

pub(crate) fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn parse_time(v: &str, tag: &str) -> Result<i64, String> {
    let v = strip_fws(v);
    if v.is_empty() || v.len() > 12 || !v.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "its {tag}= value \"{v}\" is not a number of seconds"
        ));
    }
    v.parse()
        .map_err(|_| format!("its {tag}= value is out of range"))
}

/// Matches an RFC 4871 `g=` pattern (at most one `*`) against a local part, case-sensitively.
fn granularity_matches(pattern: &str, local: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    match pattern.split_once('*') {
        None => pattern == local,
        Some((pre, post)) => {
            local.len() >= pre.len() + post.len() && local.starts_with(pre) && local.ends_with(post)
        }
    }
}

/// Canonical bodies, computed at most once per algorithm.
struct Bodies<'a> {
    body: &'a [u8],
    simple: Option<Vec<u8>>,
    relaxed: Option<Vec<u8>>,
}

impl Bodies<'_> {
    fn get(&mut self, canon: Canon) -> &[u8] {
        let body = self.body;
        let slot = match canon {
            Canon::Simple => &mut self.simple,
            Canon::Relaxed => &mut self.relaxed,
        };
        slot.get_or_insert_with(|| canon_body(body, canon))
    }
}

/// Verifies every `DKIM-Signature` of `raw` (one whole message, CRLF or LF line ends) with the keys in
/// `keys`. `now_unix` is the verification time for `x=` (e.g. the message's own Date); `None` skips the
/// expiry judgement (an `x=` is still reported in [`DkimReport::expires_at`]). Never panics.
pub fn verify_message(raw: &[u8], keys: &KeyStore, now_unix: Option<i64>) -> Vec<DkimReport> {
    let (headers, body) = split_message(raw);
    let mut bodies = Bodies {
        body,
        simple: None,
        relaxed: None,
    };
    headers
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is("DKIM-Signature"))
        .enumerate()
        .map(|(n, (at, _))| verify_one(&headers, at, n, &mut bodies, keys, now_unix))
        .collect()
}

/// The combined verdict of several signatures, as a message-level summary: `pass` if any passed, else
/// `fail` if any failed, else `temperror`, `permerror`, `policy`, `neutral` in that order; `none` when
/// there are no signatures.
pub fn overall(reports: &[DkimReport]) -> AuthResult {
    use AuthResult::*;
    [Pass, Fail, TempError, PermError, Policy, Neutral]
        .into_iter()
        .find(|r| reports.iter().any(|x| x.result == *r))
        .unwrap_or(None)
}

fn verify_one(
    headers: &[HeaderField],
    at: usize,
    index: usize,
    bodies: &mut Bodies<'_>,
    keys: &KeyStore,
    now_unix: Option<i64>,
) -> DkimReport {
    let field = &headers[at];
    let tags = TagList::parse(&field.value());
    let get = |t: &str| tags.get(t).map(|v| v.trim().to_string());
    let domain = get("d").unwrap_or_default();
    let selector = get("s").unwrap_or_default();
    let mut r = DkimReport {
        index,
        key_name: if domain.is_empty() || selector.is_empty() {
            String::new()
        } else {
            format!("{selector}._domainkey.{domain}").to_ascii_lowercase()
        },
        identity: get("i")
            .map(|i| decode_dkim_qp(&i))
            .unwrap_or_else(|| format!("@{domain}")),
        domain,
        selector,
        algorithm: get("a").unwrap_or_default(),
        result: AuthResult::PermError,
        reason: String::new(),
        body_hash_ok: None,
        key_source: None,
        signed_at: None,
        expires_at: None,
        signed_headers: tags.get("h").map(colon_list).unwrap_or_default(),
        unsigned_present: Vec::new(),
        oversigned: Vec::new(),
        duplicated: Vec::new(),
        flags: Vec::new(),
    };
    if let Err(why) = check(headers, at, &tags, bodies, keys, now_unix, &mut r) {
        r.result = AuthResult::PermError;
        r.reason = format!("The signature cannot be used: {why}.");
    }
    r
}

fn finish(r: &mut DkimReport, result: AuthResult, reason: String) -> Result<(), String> {
    r.result = result;
    r.reason = reason;
    Ok(())
}

/// Runs the checks, filling `r`; `Err(why)` means permerror with that explanation.
fn check(
    headers: &[HeaderField],
    at: usize,
    tags: &TagList,
    bodies: &mut Bodies<'_>,
    keys: &KeyStore,
    now_unix: Option<i64>,
    r: &mut DkimReport,
) -> Result<(), String> {
    if let Some(e) = &tags.error {
        return Err(format!("its tag list is malformed ({e})"));
    }
    match tags.get("v") {
        Some("1") => {}
        None | Some("0.5") => r.flags.push(DkimFlag::LegacyVersion),
        Some(v) => return Err(format!("its version v={v} is not supported (only v=1)")),
    }
    let a = tags.get("a").ok_or("it has no a= algorithm")?;
    let alg = Algorithm::parse(a).ok_or_else(|| format!("its algorithm a={a} is not supported"))?;
    if alg == Algorithm::RsaSha1 {
        r.flags.push(DkimFlag::WeakHash);
    }
    for required in ["b", "bh", "d", "h", "s"] {
        if tags.get(required).is_none() {
            let extra = if required == "bh" {
                " (a pre-standard draft signature)"
            } else {
                ""
            };
            return Err(format!("it has no {required}= tag{extra}"));
        }
    }
    if !valid_domain(&r.domain) {
        return Err(format!(
            "its d= value \"{}\" is not a domain name",
            r.domain
        ));
    }
    if !valid_domain(&r.selector) {
        return Err(format!(
            "its s= value \"{}\" is not a valid selector",
            r.selector
        ));
    }
    let (hc, bc) = match tags.get("c") {
        None => (Canon::Simple, Canon::Simple),
        Some(c) => {
            let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
            match (Canon::parse(h.trim()), Canon::parse(b.trim())) {
                (Some(h), Some(b)) => (h, b),
                _ => return Err(format!("its canonicalization c={c} is not supported")),
            }
        }
    };
    if let Some(q) = tags.get("q") {
        let ok = colon_list(q)
            .iter()
            .any(|m| m.eq_ignore_ascii_case("dns/txt") || m.eq_ignore_ascii_case("dns"));
        if !ok {
            return Err(format!(
                "its key query method q={q} is not supported (only dns/txt)"
            ));
        }
    }
    let (local, id_domain) = r
        .identity
        .rsplit_once('@')
        .ok_or("its i= identity has no @")?;
    let (local, id_domain) = (local.to_string(), id_domain.to_ascii_lowercase());
    let d = r.domain.to_ascii_lowercase();
    if id_domain != d && !id_domain.ends_with(&format!(".{d}")) {
        return Err(format!(
            "its identity i={} is not within the signing domain {d}",
            r.identity
        ));
    }
    if !r
        .signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("from"))
    {
        return Err("its h= list does not include the From header, which must be signed".into());
    }
    r.signed_at = tags.get("t").map(|t| parse_time(t, "t")).transpose()?;
    r.expires_at = tags.get("x").map(|x| parse_time(x, "x")).transpose()?;
    if let (Some(t), Some(x)) = (r.signed_at, r.expires_at) {
        if x < t {
            return Err("its expiry time x= is before its signing time t=".into());
        }
    }
    let length = tags.get("l").map(|l| parse_time(l, "l")).transpose()?;
    let sig =
        decode_base64(tags.get("b").unwrap_or_default()).ok_or("its b= signature is not base64")?;
    if sig.is_empty() {
        return Err("its b= signature is empty".into());
    }
    let bh = decode_base64(tags.get("bh").unwrap_or_default())
        .ok_or("its bh= body hash is not base64")?;

    // Body hash: needs no key.
    let canonical = bodies.get(bc);
    let total = canonical.len() as u64;
    let mut body_note = None;
    let hashed: &[u8] = match length {
        Some(l) => {
            r.flags.push(DkimFlag::LengthLimit {
                signed: l as u64,
                total,
            });
            if l as u64 > total {
                body_note = Some(format!(
                    "its l={l} is longer than the {total}-byte body, so the body was shortened"
                ));
                canonical
            } else {
                &canonical[..l as usize]
            }
        }
        None => canonical,
    };
    let body_ok = body_note.is_none() && alg.digest(hashed) == bh;
    r.body_hash_ok = Some(body_ok);

    // What is signed.
    let picks = select_headers(headers, &r.signed_headers);
    let mut covered = vec![false; headers.len()];
    for i in picks.iter().flatten() {
        covered[*i] = true;
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, f) in headers.iter().enumerate() {
        if i != at && !covered[i] && !seen.iter().any(|s| f.is(s)) {
            seen.push(f.name.clone());
        }
    }
    r.unsigned_present = seen;
    let mut oversigned: Vec<String> = Vec::new();
    let mut duplicated: Vec<String> = Vec::new();
    for (name, pick) in r.signed_headers.iter().zip(&picks) {
        let present = headers.iter().filter(|f| f.is(name)).count();
        if pick.is_none() && !oversigned.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            oversigned.push(name.clone());
        }
        if present > 1 && !duplicated.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            duplicated.push(name.clone());
            let uncovered = headers
                .iter()
                .enumerate()
                .any(|(i, f)| i != at && !covered[i] && f.is(name));
            if uncovered {
                r.flags.push(DkimFlag::UnsignedCopy(name.clone()));
            }
        }
    }
    r.oversigned = oversigned;
    r.duplicated = duplicated;

    let body_changed = || match &body_note {
        Some(n) => format!("The body was changed after signing: {n}."),
        None => "The body was changed after signing: its hash no longer matches bh=.".to_string(),
    };

    // The key.
    let name = r.key_name.clone();
    let record = match keys.lookup(&name) {
        KeyLookup::NotInStore => {
            let body = if body_ok {
                "it is unchanged since signing"
            } else {
                "it was changed after signing (its hash no longer matches bh=)"
            };
            return finish(
                r,
                AuthResult::Neutral,
                format!("No key for {name} is in the key store, so only the body could be checked: {body}."),
            );
        }
        KeyLookup::NxDomain { source } => {
            r.key_source = Some(source.clone());
            return finish(
                r,
                AuthResult::PermError,
                format!("The key store ({source}) says {name} does not exist (NXDOMAIN), so the signature cannot be checked."),
            );
        }
        KeyLookup::TempFail { reason, source } => {
            r.key_source = Some(source.clone());
            return finish(
                r,
                AuthResult::TempError,
                format!("Looking up the key {name} failed temporarily ({reason}, per {source}), so the signature could not be checked."),
            );
        }
        KeyLookup::Found { record, source } => {
            r.key_source = Some(source);
            record
        }
    };
    let key = parse_key_record(&record, alg)
        .map_err(|e| format!("the key record at {name} is unusable: {e}"))?;
    if let Some(h) = &key.hashes {
        if !h.iter().any(|x| x.eq_ignore_ascii_case(alg.hash_name())) {
            return Err(format!(
                "the key at {name} allows only h={} hashes, not {}",
                h.join(":"),
                alg.hash_name()
            ));
        }
    }
    if let Some(s) = &key.services {
        if !s
            .iter()
            .any(|x| x == "*" || x.eq_ignore_ascii_case("email"))
        {
            return Err(format!(
                "the key at {name} is not for email (s={})",
                s.join(":")
            ));
        }
    }
    if let Some(g) = &key.granularity {
        if !granularity_matches(g, &local) {
            return Err(format!(
                "the key at {name} is limited to g={g}, which does not match the identity {}",
                r.identity
            ));
        }
    }
    if key.strict && id_domain != d {
        return Err(format!(
            "the key at {name} is strict (t=s) but the identity {} is in a subdomain of {d}",
            r.identity
        ));
    }
    if key.testing {
        r.flags.push(DkimFlag::Testing);
    }
    if let Some(bits) = key.key.rsa_bits().filter(|b| *b < 1024) {
        r.flags.push(DkimFlag::ShortKey(bits));
    }
    if !body_ok {
        return finish(r, AuthResult::Fail, body_changed());
    }
    let data = header_data(headers, &picks, &headers[at], hc);
    if !check_signature(alg, &key.key, &data, &sig) {
        return finish(
            r,
            AuthResult::Fail,
            format!("The body is unchanged but the header signature does not verify with the key {name}: a signed header was changed, or this is not the signing key."),
        );
    }
    if let (Some(x), Some(now)) = (r.expires_at, now_unix) {
        if x < now {
            r.flags.push(DkimFlag::Expired { at: x });
            return finish(
                r,
                AuthResult::PermError,
                format!("The signature is cryptographically valid but expired at {} (x=), before the verification time {}.", unix_label(x), unix_label(now)),
            );
        }
    }
    let caveats: Vec<String> = r
        .flags
        .iter()
        .filter(|f| !matches!(f, DkimFlag::LegacyVersion))
        .map(|f| f.describe())
        .collect();
    let source = r.key_source.clone().unwrap_or_default();
    let mut reason = format!(
        "Headers and body are unchanged since {} signed them (key {name} from {source})",
        r.domain
    );
    if !caveats.is_empty() {
        reason.push_str(", but ");
        reason.push_str(&caveats.join("; "));
    }
    reason.push('.');
    finish(r, AuthResult::Pass, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_the_b_value() {
        assert_eq!(
            strip_b_value(b"DKIM-Signature: a=x; bh=abc; b=de\r\n f; c=y"),
            b"DKIM-Signature: a=x; bh=abc; b=; c=y"
        );
        assert_eq!(
            strip_b_value(b"DKIM-Signature: b = zz"),
            b"DKIM-Signature: b ="
        );
        assert_eq!(strip_b_value(b"no colon"), b"no colon");
    }

    #[test]
    fn selects_headers_bottom_up_and_oversigns() {
        let (h, _) = split_message(b"Subject: 1\r\nFrom: a\r\nSubject: 2\r\n\r\n");
        let picks = select_headers(
            &h,
            &[
                "subject".into(),
                "subject".into(),
                "subject".into(),
                "from".into(),
            ],
        );
        assert_eq!(picks, vec![Some(2), Some(0), None, Some(1)]);
    }

    #[test]
    fn granularity_patterns() {
        assert!(granularity_matches("jl*g", "jlong"));
        assert!(!granularity_matches("jl*g", "JLONG"));
        assert!(granularity_matches("*", ""));
        assert!(!granularity_matches("", "x"));
        assert!(!granularity_matches("*poe", "jlong"));
        assert!(!granularity_matches("ab*ba", "aba"));
    }

    #[test]
    fn key_record_errors() {
        let rsa = Algorithm::RsaSha256;
        for (rec, why) in [
            ("v=DKIM3; p=AAAA", "version"),
            ("k=rsa; t; p=AAAA", "syntax"),
            ("k=foobar; p=AAAA", "not supported"),
            ("k=rsa; p=", "revoked"),
            ("k=rsa", "no p="),
            ("k=rsa; p=!!", "base64"),
            ("k=rsa; p=AAAA", "RSA"),
            ("k=ed25519; p=AAAA", "signature uses"),
        ] {
            let e = parse_key_record(rec, rsa).unwrap_err();
            assert!(e.contains(why), "{rec}: {e}");
        }
        let e = parse_key_record("k=ed25519; p=AAAA", Algorithm::Ed25519Sha256).unwrap_err();
        assert!(e.contains("3 bytes"), "{e}");
        let ok = parse_key_record(
            "v=DKIM1; k=ed25519; t=y:s; s=email; h=sha256; g=*; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            Algorithm::Ed25519Sha256,
        )
        .unwrap();
        assert!(ok.testing && ok.strict && ok.granularity.as_deref() == Some("*"));
    }

    #[test]
    fn broken_signatures_are_reported_not_panicked() {
        let keys = KeyStore::new();
        for sig in [
            "",
            ";;;",
            "synerr",
            "v=2",
            "v=1; a=rsa-md5",
            "v=1; a=rsa-sha256",
            "v=1; a=rsa-sha256; b=; bh=; d=x; h=from; s=s",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x(y; h=from; s=s",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x; h=to; s=s",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x; h=from; s=s; c=nowsp",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x; h=from; s=s; l=99999999999999999",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x; h=from; s=s; i=a@y",
            "v=1; a=rsa-sha256; b=AA; bh=AA; d=x; h=from; s=s; t=5; x=4",
        ] {
            let raw = format!("DKIM-Signature: {sig}\r\nFrom: a@x\r\n\r\nbody\r\n");
            let r = verify_message(raw.as_bytes(), &keys, Some(0));
            assert_eq!(r.len(), 1);
            assert_ne!(r[0].result, AuthResult::Pass, "{sig}");
            assert!(r[0].reason.ends_with('.'), "{sig}: {}", r[0].reason);
        }
        assert!(verify_message(b"", &keys, None).is_empty());
        assert!(verify_message(b"DKIM-Signature:", &keys, None)[0].result == AuthResult::PermError);
    }
}
