//! Argon2id password hashing, run on the blocking pool: a hash takes tens of
//! milliseconds of CPU and would stall every connection sharing the async thread.

use anyhow::Context;
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use rand::RngCore;
use std::sync::OnceLock;

fn argon2() -> Argon2<'static> {
    // argon2id v19 with the crate's defaults (19 MiB, 2 passes): OWASP's minimum.
    Argon2::default()
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    Ok(hash.to_string())
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .context("hashing task")?
}

/// A hash of a random password, verified against when the username does not
/// exist, so a failed login costs the same time either way and does not reveal
/// which usernames are registered.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut pw);
        hash_now(&hex::encode(pw)).expect("hashing a fixed-size random password")
    })
}

/// Checks `password` against `stored`, or against a dummy hash when there is no
/// account; true only for a real match.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let ok = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && exists)
    })
    .await
    .context("verifying task")?
}

/// Computes the dummy hash ahead of the first failed login.
pub fn warm_up() {
    tokio::task::spawn_blocking(|| {
        dummy_hash();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_unknown_user() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse!".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
