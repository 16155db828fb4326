//! A request the server will not carry out, and the `error` frame that says
//! why. Both dispatchers (chat and support) answer a refusal the same way,
//! through [`Refusal::reply`], and the connection stays open.

use crate::{
    hub::{encode, Outbox},
    store::StoreError,
};
use app::{
    protocol::{ErrorCode, ServerFrame},
    validate::Invalid,
};

/// A request the server will not carry out, and why.
pub struct Refusal {
    pub(super) code: ErrorCode,
    pub(crate) message: String,
    pub(super) retry_after_ms: Option<u64>,
    pub(super) client_id: Option<String>,
}

impl Refusal {
    pub(super) fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
            retry_after_ms: None,
            client_id: None,
        }
    }

    pub(super) fn for_client(mut self, client_id: &str) -> Refusal {
        self.client_id = Some(client_id.to_owned());
        self
    }

    /// Queues the `error` frame for this refusal on the connection's outbox.
    pub(super) fn reply(self, outbox: &Outbox) {
        outbox.push(encode(&ServerFrame::Error {
            code: self.code,
            message: self.message,
            retry_after_ms: self.retry_after_ms,
            client_id: self.client_id,
        }));
    }
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Self {
        Refusal::new(ErrorCode::Invalid, e.to_string())
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store error while handling a frame");
        Refusal::new(ErrorCode::Internal, "internal error")
    }
}
