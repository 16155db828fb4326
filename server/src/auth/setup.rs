//! The first-run setup token. A fresh install reached over a public address
//! must not be taken over by whoever finds it first: when the server listens
//! on anything but a loopback address and no account exists yet, making the
//! first (admin) account needs a one-time token that only the person who can
//! read the server's log has. On loopback (`make run`) only people on this
//! machine can reach the server, so no token is asked for.

use super::token;
use crate::store::Store;
use std::{net::SocketAddr, sync::Arc};

/// The token, kept in memory only: it is printed once at start, is useless
/// once the first account exists, and a restart before then prints a new one.
#[derive(Clone)]
pub struct SetupToken {
    token: Arc<str>,
}

impl SetupToken {
    /// A new token when one is needed: `addr` (the bound address) is not a
    /// loopback address and the store has no account. Logs the link to use.
    pub async fn for_start(addr: SocketAddr, store: &Store) -> anyhow::Result<Option<SetupToken>> {
        if addr.ip().is_loopback() || store.has_users().await? {
            return Ok(None);
        }
        let setup = SetupToken {
            token: token::generate().into(),
        };
        // An unspecified address (0.0.0.0, ::) is not something to browse to.
        let host = if addr.ip().is_unspecified() {
            format!("<this-server>:{}", addr.port())
        } else {
            addr.to_string()
        };
        tracing::warn!(
            "first-run setup: open http://{host}/register?setup={} to create the first (admin) account; \
             until then nobody can register",
            setup.token
        );
        Ok(Some(setup))
    }

    /// Whether `given` is the token. Compares SHA-256 digests, so the time
    /// taken says nothing about how much of the token was right.
    pub fn matches(&self, given: &str) -> bool {
        token::digest(given) == token::digest(&self.token)
    }

    /// The token itself (tests read it instead of the log).
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for SetupToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetupToken(***)")
    }
}
