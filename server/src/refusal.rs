//! A request the server will not carry out, and why: what every feature
//! action (`chat`, `support::session`, …) answers instead of doing it. It
//! knows no transport: `ws/` turns it into an `error` frame (the connection
//! stays open), `http/` into a status code.

use crate::{limits::RetryAfter, store::StoreError};
use app::{protocol::ErrorCode, validate::Invalid};

/// A request the server will not carry out, and why.
#[derive(Debug)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_ms: Option<u64>,
    pub client_id: Option<String>,
    /// The input field a refused value came from (`invalid`), for HTTP's `field`.
    pub field: Option<&'static str>,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
            retry_after_ms: None,
            client_id: None,
            field: None,
        }
    }

    pub fn for_client(mut self, client_id: &str) -> Refusal {
        self.client_id = Some(client_id.to_owned());
        self
    }

    /// The refusal for a rate limit that engaged: `rate_limited`, saying when
    /// to try again.
    pub fn too_fast(wait: RetryAfter, what: &str) -> Refusal {
        let mut r = Refusal::new(
            ErrorCode::RateLimited,
            format!("{what} too fast; retry in {} ms", wait.millis()),
        );
        r.retry_after_ms = Some(wait.millis());
        r
    }
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Self {
        let mut r = Refusal::new(ErrorCode::Invalid, e.to_string());
        r.field = Some(e.field);
        r
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            // A uniqueness rule the user ran into ("a room with this name
            // exists"), not a failure.
            StoreError::Conflict(what) => Refusal::new(ErrorCode::Conflict, what),
            e => {
                tracing::error!(error = %e, "store error while handling a request");
                Refusal::new(ErrorCode::Internal, "internal error")
            }
        }
    }
}
