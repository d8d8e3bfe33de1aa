//! Offline mail authentication: DKIM ([`dkim`]) and ARC ([`arc`]) verification against keys the user
//! supplies in a [`KeyStore`]. Nothing here queries DNS or reads the clock: keys come only from the store
//! and the verification time is passed in by the caller.
//!
//! Verdicts use the result names of RFC 8601 ([`AuthResult`]).
//!
//! - [`keystore`]: the key store and the pasted-record formats it reads.
//! - [`dkim`]: per-signature DKIM verdicts plus what each signature actually covers.
//! - [`arc`]: ARC chain validation (`cv=`), reusing the DKIM machinery.
//! - [`canon`], [`tags`]: canonicalization and tag-list parsing shared by both.
//! - [`sign`]: Ed25519 signing, for the built-in demo leak.

pub mod arc;
pub mod canon;
pub mod dkim;
pub mod keystore;
pub mod sign;
pub mod tags;

pub use keystore::{KeyLookup, KeyStore};

use std::fmt;

/// An authentication result, named as in RFC 8601 §2.7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthResult {
    /// The signature verified.
    Pass,
    /// The signature or body hash did not verify: the message changed after signing (or was forged).
    Fail,
    /// Signed, but it could not be checked (e.g. the key is not in the store).
    Neutral,
    /// Signed and verifiable, but not acceptable by policy.
    Policy,
    /// A permanent error: the signature or its key record is unusable (syntax, revoked key, expired ...).
    PermError,
    /// A temporary error: the key lookup failed in a way that may succeed later.
    TempError,
    /// Nothing to verify (no signature).
    None,
}

impl AuthResult {
    /// The RFC 8601 keyword: "pass", "fail", "neutral", "policy", "permerror", "temperror" or "none".
    pub fn label(self) -> &'static str {
        match self {
            AuthResult::Pass => "pass",
            AuthResult::Fail => "fail",
            AuthResult::Neutral => "neutral",
            AuthResult::Policy => "policy",
            AuthResult::PermError => "permerror",
            AuthResult::TempError => "temperror",
            AuthResult::None => "none",
        }
    }
}

impl fmt::Display for AuthResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
