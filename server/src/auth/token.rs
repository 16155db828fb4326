//! Session tokens: 256 random bits, given to the client once; only their
//! SHA-256 is stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token, as 64 hex characters.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What every API key starts with, so a bearer token is known to be a key
/// (and a leaked one is easy to find in logs and code).
pub const API_KEY_PREFIX: &str = "sbk_";

/// A new API key: the prefix and 256 random bits in hex.
pub fn generate_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", generate())
}

/// What the database keeps of a token.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_unique_and_digests_stable() {
        let (a, b) = (super::generate(), super::generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(super::digest(&a), super::digest(&a));
        assert_ne!(super::digest(&a), a);
    }
}
