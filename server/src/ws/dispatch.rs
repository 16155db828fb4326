//! Client frames: parsed here, naming what is wrong when they cannot be, and
//! handed to the feature that does the work (`chat`, `support::session`,
//! `push`). Every refusal becomes an `error` frame and the connection stays
//! open.

use super::refusal::Reply;
use crate::limits::ClientIp;
use crate::{
    chat::{self, ChatSession},
    hub::Outbox,
    push,
    refusal::Refusal,
    state::AppState,
    support::session::SupportSession,
};
use app::protocol::{ClientFrame, ErrorCode, User, MAX_FRAME_BYTES};
use serde::Deserialize;

/// The `type` of every client frame, to tell an unknown type from a bad field.
pub(crate) const CLIENT_TYPES: &[&str] = &[
    "join",
    "leave",
    "send",
    "typing",
    "edit",
    "delete",
    "react",
    "unreact",
    "pin",
    "unpin",
    "read",
    "announcement_seen",
    "announcement_dismiss",
    "ping",
    "support.open",
    "support.join",
    "support.leave",
    "support.send",
    "support.typing",
    "support.rate",
    "support.contact",
    "support.note",
    "support.claim",
    "support.transfer",
    "support.assign",
    "support.pending",
    "support.resolve",
    "support.reopen",
    "support.availability",
    "support.subscribe",
];

/// Parses a text frame, naming what is wrong when it cannot.
pub fn parse(text: &str) -> Result<ClientFrame, Refusal> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(Refusal::new(
            ErrorCode::FrameTooLarge,
            format!(
                "frame is {} bytes; the limit is {MAX_FRAME_BYTES}",
                text.len()
            ),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        match serde_json::from_str::<Probe>(text) {
            Err(_) => Refusal::new(ErrorCode::BadFrame, format!("malformed frame: {e}")),
            Ok(Probe { kind: None }) => {
                Refusal::new(ErrorCode::BadFrame, "frame has no \"type\" field")
            }
            Ok(Probe { kind: Some(k) }) if !CLIENT_TYPES.contains(&k.as_str()) => Refusal::new(
                ErrorCode::UnknownType,
                format!(
                    "unknown frame type {k:?}; expected one of {}",
                    CLIENT_TYPES.join(", ")
                ),
            ),
            Ok(Probe { kind: Some(k) }) => {
                Refusal::new(ErrorCode::BadFrame, format!("bad {k:?} frame: {e}"))
            }
        }
    })
}

/// A signed-in connection's frames: chat for everyone, the desk for agents
/// and admins (members are refused there by the support session).
pub struct Dispatch {
    state: AppState,
    outbox: Outbox,
    chat: ChatSession,
    support: SupportSession,
}

impl Dispatch {
    pub fn new(state: AppState, user: User, outbox: Outbox, ip: ClientIp) -> Dispatch {
        Dispatch {
            support: SupportSession::for_user(state.clone(), user.clone(), outbox.clone()),
            chat: ChatSession::new(state.clone(), user, outbox.clone()).from_ip(ip),
            state,
            outbox,
        }
    }

    pub fn refuse(&self, code: ErrorCode, message: String) {
        Refusal::new(code, message).reply(&self.outbox);
    }

    pub async fn handle_text(&mut self, text: &str) {
        let result = match parse(text) {
            Ok(frame) => self.handle(frame).await,
            Err(r) => Err(r),
        };
        if let Err(r) = result {
            r.reply(&self.outbox);
        }
    }

    async fn handle(&mut self, frame: ClientFrame) -> Result<(), Refusal> {
        let chat = &mut self.chat;
        match frame {
            ClientFrame::Join {
                room,
                since,
                changes_since,
            } => chat.join(room, since, changes_since).await,
            ClientFrame::Leave { room } => chat.leave(room).await,
            ClientFrame::Send {
                room,
                body,
                client_id,
                files,
                thread,
                also_in_room,
            } => {
                let reply = thread.map(|parent| chat::Reply {
                    parent,
                    also_in_room,
                });
                chat.post(room, &body, &client_id, &files, reply).await
            }
            ClientFrame::Typing { room } => chat.typing(room).await,
            ClientFrame::Edit { id, body } => chat::edit(&self.state, chat.user(), id, &body).await,
            ClientFrame::Delete { id } => {
                chat::delete(&self.state, chat.user(), id, chat.ip()).await
            }
            ClientFrame::React { id, emoji } => {
                chat::react(&self.state, chat.user(), id, &emoji, true).await
            }
            ClientFrame::Unreact { id, emoji } => {
                chat::react(&self.state, chat.user(), id, &emoji, false).await
            }
            ClientFrame::Pin { id } => chat::pin(&self.state, chat.user(), id, true).await,
            ClientFrame::Unpin { id } => chat::pin(&self.state, chat.user(), id, false).await,
            ClientFrame::Read { room, id } => chat.read(room, id).await,
            ClientFrame::AnnouncementSeen { id } => {
                push::mark_seen(&self.state, chat.user(), id, false).await
            }
            ClientFrame::AnnouncementDismiss { id } => {
                push::mark_seen(&self.state, chat.user(), id, true).await
            }
            ClientFrame::Ping {} => {
                super::pong(&self.outbox);
                Ok(())
            }
            support => super::support::handle(&mut self.support, support).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> ErrorCode {
        match parse(text) {
            Ok(_) => panic!("{text} parsed"),
            Err(r) => r.code,
        }
    }

    #[test]
    fn every_listed_type_is_a_real_frame_type() {
        for t in CLIENT_TYPES {
            assert_eq!(
                code(&format!(r#"{{"type":"{t}","zzz":1}}"#)),
                ErrorCode::BadFrame,
                "{t}"
            );
        }
    }

    #[test]
    fn bad_frames_are_named() {
        assert_eq!(code("not json"), ErrorCode::BadFrame);
        assert_eq!(code(r#"{"room":1}"#), ErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"dance"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"send","room":1}"#), ErrorCode::BadFrame);
        let big = format!(
            r#"{{"type":"typing","room":1,"x":"{}"}}"#,
            "a".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(code(&big), ErrorCode::FrameTooLarge);
        assert!(parse(r#"{"type":"typing","room":1}"#).is_ok());
    }
}
