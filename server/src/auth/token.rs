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
