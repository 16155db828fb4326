//! The audit log's one way in: who did what, to what, from where. Handlers
//! record an entry after the action has committed; a failure to record is
//! logged as an error and does not undo or fail the action (the client would
//! otherwise retry something that already happened).

use crate::{auth::Pusher, limits::ClientIp, state::AppState, store::NewAuditEntry};
use app::protocol::{AuditAction, RoomId, User};

/// An entry for `action` done by `actor`.
pub fn by(actor: &User, action: AuditAction) -> NewAuditEntry {
    NewAuditEntry {
        actor: Some((actor.id, actor.username.clone())),
        ..anonymous(action)
    }
}

/// An entry for `action` by whoever pushes: an admin, or an API key (named in
/// the detail; it has no account).
pub fn by_pusher(pusher: &Pusher, action: AuditAction) -> NewAuditEntry {
    match pusher {
        Pusher::Admin(u) => by(u, action),
        Pusher::Key(k) => anonymous(action).detail(format!("API key {} ({})", k.id, k.name)),
    }
}

/// An entry for `action` with nobody logged in (a sign-up, a failed login).
pub fn anonymous(action: AuditAction) -> NewAuditEntry {
    NewAuditEntry {
        at: chrono::Utc::now(),
        actor: None,
        action,
        target: None,
        detail: None,
        ip: None,
    }
}

impl NewAuditEntry {
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn from_ip(mut self, ip: ClientIp) -> Self {
        self.ip = Some(ip.0.to_string());
        self
    }
}

/// "user 7 (bob)"
pub fn user(u: &User) -> String {
    format!("user {} ({})", u.id, u.username)
}

/// "room 3"
pub fn room(id: RoomId) -> String {
    format!("room {id}")
}

/// Appends `entry`, stamped with the server's clock.
pub async fn record(state: &AppState, mut entry: NewAuditEntry) {
    entry.at = state.clock.now();
    if let Err(e) = state.store.append_audit(&entry).await {
        tracing::error!(error = %e, action = entry.action.as_str(), "recording an audit entry");
    }
}
