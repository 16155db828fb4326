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
    /// A signed field holds a control character. The signed payload joins
    /// the fields with `\n`, so a field containing one could make a signature
    /// over (`a`, `b\nc`) verify as `external_id` `a\nb`: such input is not
    /// a bad signature but malformed, and is answered `invalid` naming it.
    #[error("{field}: must not contain control characters (new lines included)")]
    ControlCharacter { field: &'static str },
}

/// The fields of a signed identity, as `invalid` errors name them.
const SIGNED_FIELDS: [&str; 3] = ["identity.external_id", "identity.name", "identity.email"];

/// Refuses control characters in the fields joined by [`canonical`], so that
/// exactly one set of fields produces a given payload. Kept instead of
/// length-prefixing so that signatures made with the documented recipe keep
/// verifying.
fn check_fields(id: &SignedIdentity) -> Result<(), IdentityError> {
    let values = [
        Some(id.external_id.as_str()),
        id.name.as_deref(),
        id.email.as_deref(),
    ];
    for (field, value) in SIGNED_FIELDS.into_iter().zip(values) {
        if value.is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(IdentityError::ControlCharacter { field });
        }
    }
    Ok(())
}

/// Whether `ts` is within [`IDENTITY_MAX_AGE_SECS`] of `now`, either way.
/// Checked arithmetic: `ts` comes from the page, and `now - ts` overflows
/// for values near `i64::MIN`/`i64::MAX` (a panic in debug builds, a wrong
/// answer in release ones).
fn fresh(ts: i64, now: i64) -> bool {
    now.checked_sub(ts)
        .is_some_and(|d| d.unsigned_abs() <= IDENTITY_MAX_AGE_SECS.unsigned_abs())
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
/// Malformed fields are refused before the signature is looked at.
pub fn verify_identity(
    secret: Option<&str>,
    id: &SignedIdentity,
    now: i64,
) -> Result<(), IdentityError> {
    let secret = secret.ok_or(IdentityError::NotConfigured)?;
    if id.external_id.is_empty() || id.external_id.chars().count() > 256 {
        return Err(IdentityError::BadExternalId);
    }
    check_fields(id)?;
    let tag = hex::decode(id.signature.trim()).map_err(|_| IdentityError::Malformed)?;
    if !fresh(id.ts, now) {
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

    #[test]
    fn a_new_line_cannot_move_text_between_signed_fields() {
        // Signed for external_id "a" and name "b\nc"…
        let mut signed = SignedIdentity {
            external_id: "a".into(),
            name: Some("b\nc".into()),
            email: None,
            ts: 1_000_000,
            signature: String::new(),
        };
        signed.signature = sign_identity("site", &signed);
        // …the old check accepted it presented as external_id "a\nb", name "c".
        let shifted = SignedIdentity {
            external_id: "a\nb".into(),
            name: Some("c".into()),
            ..signed.clone()
        };
        assert_eq!(canonical(&shifted), canonical(&signed));
        assert_eq!(
            verify_identity(Some("site"), &shifted, 1_000_000),
            Err(IdentityError::ControlCharacter {
                field: "identity.external_id"
            })
        );
        assert_eq!(
            verify_identity(Some("site"), &signed, 1_000_000),
            Err(IdentityError::ControlCharacter {
                field: "identity.name"
            })
        );
        let mut email = signed.clone();
        email.name = None;
        email.email = Some("x@y.example\r".into());
        assert_eq!(
            verify_identity(Some("site"), &email, 1_000_000),
            Err(IdentityError::ControlCharacter {
                field: "identity.email"
            })
        );
        // Ordinary text, accents and spaces included, still verifies.
        let mut fine = signed.clone();
        fine.name = Some("Zoë O'Brien-Smith".into());
        fine.signature = sign_identity("site", &fine);
        assert_eq!(verify_identity(Some("site"), &fine, 1_000_000), Ok(()));
    }

    #[test]
    fn timestamps_at_the_extremes_are_stale_not_a_panic() {
        let extremes = [
            i64::MIN,
            i64::MIN + 1,
            i64::MIN / 2,
            -IDENTITY_MAX_AGE_SECS - 1,
            -1,
            0,
            1,
            IDENTITY_MAX_AGE_SECS + 1,
            i64::MAX / 2,
            i64::MAX - 1,
            i64::MAX,
        ];
        for &now in &extremes {
            for &ts in &extremes {
                let mut id = SignedIdentity {
                    external_id: "u".into(),
                    name: None,
                    email: None,
                    ts,
                    signature: String::new(),
                };
                id.signature = sign_identity("site", &id);
                let want_fresh =
                    (i128::from(now) - i128::from(ts)).abs() <= i128::from(IDENTITY_MAX_AGE_SECS);
                let got = verify_identity(Some("site"), &id, now);
                if want_fresh {
                    assert_eq!(got, Ok(()), "ts {ts} now {now}");
                } else {
                    assert_eq!(got, Err(IdentityError::Stale), "ts {ts} now {now}");
                }
            }
        }
        // The edges of the window, exactly.
        assert!(fresh(0, IDENTITY_MAX_AGE_SECS));
        assert!(fresh(IDENTITY_MAX_AGE_SECS, 0));
        assert!(!fresh(0, IDENTITY_MAX_AGE_SECS + 1));
        assert!(fresh(i64::MAX, i64::MAX) && fresh(i64::MIN, i64::MIN));
        assert!(!fresh(i64::MIN, i64::MAX) && !fresh(i64::MAX, i64::MIN));
    }
}
