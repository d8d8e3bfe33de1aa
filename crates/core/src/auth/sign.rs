//! DKIM signing with Ed25519 (RFC 8463), relaxed/relaxed: what the built-in demo leak ([`crate::demo`]) uses
//! to sign its mail, so that a trainer can show a signature that verifies, one that fails after a body was
//! changed, and one whose key is gone. Ed25519 signatures are deterministic: the same message and seed give
//! the same bytes, and the core still never needs a random number generator or the clock.
//!
//! It signs with the very canonicalization the verifier uses ([`super::canon`]), so sign → verify is tested
//! against one implementation, and the corpus's third-party signatures test the verifier on its own.

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use super::canon::{canon_body, relaxed_header, split_message, Canon};

/// One signing identity: domain, selector and the 32-byte Ed25519 seed.
#[derive(Debug, Clone)]
pub struct Ed25519Signer {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    key: SigningKey,
}

impl Ed25519Signer {
    /// A signer from a fixed seed.
    pub fn new(domain: &str, selector: &str, seed: [u8; 32]) -> Self {
        Ed25519Signer { domain: domain.into(), selector: selector.into(), key: SigningKey::from_bytes(&seed) }
    }

    /// The DNS TXT record that publishes the public key, as a zone-file line the key store reads:
    /// `sel._domainkey.example.org. IN TXT "v=DKIM1; k=ed25519; p=…"`.
    pub fn dns_record(&self) -> String {
        let p = base64::engine::general_purpose::STANDARD.encode(self.key.verifying_key().as_bytes());
        format!("{}._domainkey.{}. IN TXT \"v=DKIM1; k=ed25519; p={p}\"", self.selector, self.domain)
    }

    /// `message` (CRLF line ends) with a `DKIM-Signature` field in front, covering the fields named in
    /// `headers` (the last instance of each, as RFC 6376 §5.4.2 says) and the whole body; `t=` is the
    /// signing time when given.
    pub fn sign(&self, message: &[u8], headers: &[&str], t: Option<i64>) -> Vec<u8> {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let (fields, body) = split_message(message);
        let bh = b64(&Sha256::digest(canon_body(body, Canon::Relaxed)));
        let mut data = Vec::new();
        let mut used = vec![false; fields.len()];
        for name in headers {
            if let Some(i) = (0..fields.len()).rev().find(|&i| !used[i] && fields[i].is(name)) {
                used[i] = true;
                data.extend(fields[i].relaxed());
            }
        }
        let time = t.map(|t| format!(" t={t};")).unwrap_or_default();
        let unsigned = format!(
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d={}; s={};{time}\r\n h={}; bh={bh};\r\n b=",
            self.domain,
            self.selector,
            headers.join(":")
        );
        let mut own = relaxed_header(unsigned.as_bytes());
        own.truncate(own.len() - 2); // the signature's own field enters without its CRLF
        data.extend(own);
        let sig = self.key.sign(&Sha256::digest(&data));
        let mut out = format!("{unsigned}{}\r\n", b64(&sig.to_bytes())).into_bytes();
        out.extend_from_slice(message);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{dkim, AuthResult, KeyStore};

    #[test]
    fn signed_mail_verifies_and_a_changed_body_fails() {
        let signer = Ed25519Signer::new("example.org", "s1", [9; 32]);
        let mail = b"From: A <a@example.org>\r\nTo: b@example.net\r\nSubject: Hello\r\nDate: Mon, 4 Mar 2024 09:00:00 +0100\r\n\r\nThe amount is 1.2 million.\r\n";
        let signed = signer.sign(mail, &["from", "to", "subject", "date"], Some(1_709_539_200));
        let mut keys = KeyStore::default();
        keys.add_records(&signer.dns_record(), "test");
        let r = dkim::verify_message(&signed, &keys, None);
        assert_eq!(dkim::overall(&r), AuthResult::Pass, "{r:?}");
        let text = String::from_utf8(signed.clone()).unwrap().replace("1.2 million", "2.1 million");
        let r = dkim::verify_message(text.as_bytes(), &keys, None);
        assert_eq!(dkim::overall(&r), AuthResult::Fail, "{r:?}");
        let text = String::from_utf8(signed.clone()).unwrap().replace("Subject: Hello", "Subject: Hullo");
        assert_eq!(dkim::overall(&dkim::verify_message(text.as_bytes(), &keys, None)), AuthResult::Fail);
        // Without the key: signed, but not checkable.
        let r = dkim::verify_message(&signed, &KeyStore::default(), None);
        assert_eq!(dkim::overall(&r), AuthResult::Neutral, "{r:?}");
        // Deterministic.
        assert_eq!(signed, signer.sign(mail, &["from", "to", "subject", "date"], Some(1_709_539_200)));
    }
}
