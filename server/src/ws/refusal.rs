//! How a refusal is answered on a WebSocket: an `error` frame on the
//! connection's queue; the connection stays open.

use crate::{
    hub::{encode, Outbox},
    refusal::Refusal,
};
use app::protocol::{ErrorFrame, ServerFrame};

pub trait Reply {
    /// Queues the `error` frame for this refusal on the connection's outbox.
    fn reply(self, outbox: &Outbox);
}

impl Reply for Refusal {
    fn reply(self, outbox: &Outbox) {
        outbox.push(encode(&ServerFrame::Error(ErrorFrame {
            code: self.code,
            message: self.message,
            retry_after_ms: self.retry_after_ms,
            client_id: self.client_id,
        })));
    }
}
