//! Who a visitor is: the signed visitor cookie the server issues, and the
//! verified identities embedding sites sign with their widget secret.
//!
//! The cookie is `<key>.<mac>`: a random key naming the visitor's row and an
//! HMAC-SHA256 of it under the server secret, so a visitor cannot forge or
//! guess another's cookie. It holds no personal data.

use app::protocol::SignedIdentity;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// The visitor cookie's name.
pub const VISITOR_COOKIE: &str = "sb_visitor";
/// How old a signed identity's `ts` may be (and how far in the future).
pub const IDENTITY_MAX_AGE_SECS: i64 = 24 * 3600;
/// How long the visitor cookie lasts (a year; renewed on each visit).
pub const VISITOR_COOKIE_SECS: u64 = 365 * 24 * 3600;

fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    for p in parts {
        m.update(p);
    }
    m
}

/// Signs and checks visitor cookies with the server secret.
#[derive(Clone)]
pub struct CookieSigner {
    secret: Vec<u8>,
}

impl CookieSigner {
    pub fn new(secret: &str) -> CookieSigner {
        CookieSigner {
            secret: secret.as_bytes().to_vec(),
        }
    }

    /// A cookie value for a new visitor, and its key.
    pub fn issue(&self) -> (String, String) {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let key = hex::encode(bytes);
        (self.sign(&key), key)
    }

    /// The cookie value for an existing key.
    pub fn sign(&self, key: &str) -> String {
        let tag = mac(&self.secret, &[b"visitor:", key.as_bytes()]).finalize();
        format!("{key}.{}", hex::encode(tag.into_bytes()))
    }

    /// The key inside a correctly signed cookie value (constant-time check).
    pub fn verify<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (key, tag) = value.split_once('.')?;
        if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tag = hex::decode(tag).ok()?;
        mac(&self.secret, &[b"visitor:", key.as_bytes()])
            .verify_slice(&tag)
            .ok()
            .map(|_| key)
    }
}

/// A new random server secret (stored in the database when none is configured).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Why a signed identity was refused. Each is answered with `bad_signature`;
/// an identity is never stored unless it verifies.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("identity: this server has no widget secret, so it accepts no signed identity")]
    NotConfigured,
    #[error("identity: external_id must be 1 to 256 characters")]
    BadExternalId,
    #[error("identity: the signature is not hex")]
    Malformed,
    #[error("identity: the timestamp is more than a day away from now; sign it again")]
    Stale,
    #[error("identity: the signature does not match")]
    Mismatch,
}

/// The exact bytes a site signs: `"{ts}\n{external_id}\n{name}\n{email}"`,
/// absent fields as empty strings.
pub fn canonical(id: &SignedIdentity) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        id.ts,
        id.external_id,
        id.name.as_deref().unwrap_or(""),
        id.email.as_deref().unwrap_or("")
    )
}

/// Checks a signed identity against the widget secret at `now` (Unix seconds).
pub fn verify_identity(
    secret: Option<&str>,
    id: &SignedIdentity,
    now: i64,
) -> Result<(), IdentityError> {
    let secret = secret.ok_or(IdentityError::NotConfigured)?;
    if id.external_id.is_empty() || id.external_id.chars().count() > 256 {
        return Err(IdentityError::BadExternalId);
    }
    let tag = hex::decode(id.signature.trim()).map_err(|_| IdentityError::Malformed)?;
    if (now - id.ts).abs() > IDENTITY_MAX_AGE_SECS {
        return Err(IdentityError::Stale);
    }
    mac(secret.as_bytes(), &[canonical(id).as_bytes()])
        .verify_slice(&tag)
        .map_err(|_| IdentityError::Mismatch)
}

/// Signs an identity as an embedding site would (tests and docs).
pub fn sign_identity(secret: &str, id: &SignedIdentity) -> String {
    hex::encode(
        mac(secret.as_bytes(), &[canonical(id).as_bytes()])
            .finalize()
            .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_verify_only_untouched() {
        let s = CookieSigner::new("k1");
        let (value, key) = s.issue();
        assert_eq!(s.verify(&value), Some(key.as_str()));
        assert_eq!(CookieSigner::new("k2").verify(&value), None);
        let forged = format!("{}.{}", "ab".repeat(16), &value[33..]);
        assert_eq!(s.verify(&forged), None);
        assert_eq!(s.verify("nonsense"), None);
    }

    #[test]
    fn identities_verify_only_with_the_right_secret_and_fields() {
        let mut id = SignedIdentity {
            external_id: "u-42".into(),
            name: Some("Ann".into()),
            email: None,
            ts: 1_000_000,
            signature: String::new(),
        };
        id.signature = sign_identity("site", &id);
        assert_eq!(canonical(&id), "1000000\nu-42\nAnn\n");
        assert_eq!(verify_identity(Some("site"), &id, 1_000_100), Ok(()));
        assert_eq!(
            verify_identity(None, &id, 1_000_100),
            Err(IdentityError::NotConfigured)
        );
        assert_eq!(
            verify_identity(Some("other"), &id, 1_000_100),
            Err(IdentityError::Mismatch)
        );
        assert_eq!(
            verify_identity(Some("site"), &id, 1_000_000 + 2 * IDENTITY_MAX_AGE_SECS),
            Err(IdentityError::Stale)
        );
        let mut renamed = id.clone();
        renamed.name = Some("Eve".into());
        assert_eq!(
            verify_identity(Some("site"), &renamed, 1_000_100),
            Err(IdentityError::Mismatch)
        );
        renamed.signature = "zz".into();
        assert_eq!(
            verify_identity(Some("site"), &renamed, 1_000_100),
            Err(IdentityError::Malformed)
        );
    }
}
