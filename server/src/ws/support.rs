//! The `support.*` frames: each is parsed (in [`super::dispatch::parse`]) and
//! handed to the connection's [`SupportSession`], which decides permission
//! and does the work. Visitors' connections come here directly; accounts'
//! through the chat dispatch.

use super::{dispatch::parse, refusal::Reply};
use crate::{hub::Outbox, refusal::Refusal, support::session::SupportSession};
use app::protocol::{ClientFrame, ConversationStatus, ErrorCode};

/// A visitor's connection: support frames only.
pub struct VisitorDispatch {
    pub session: SupportSession,
    pub outbox: Outbox,
}

impl VisitorDispatch {
    pub async fn handle_text(&mut self, text: &str) {
        let result = match parse(text) {
            Ok(ClientFrame::Ping {}) => {
                super::pong(&self.outbox);
                Ok(())
            }
            Ok(frame) => handle(&mut self.session, frame).await,
            Err(r) => Err(r),
        };
        if let Err(r) = result {
            r.reply(&self.outbox);
        }
    }
}

/// Calls the session action a support frame asks for.
pub async fn handle(session: &mut SupportSession, frame: ClientFrame) -> Result<(), Refusal> {
    match frame {
        ClientFrame::SupportOpen {
            body,
            client_id,
            name,
            email,
            page,
            files,
        } => {
            session
                .open(&body, &client_id, name, email, page, &files)
                .await
        }
        ClientFrame::SupportJoin {
            conversation,
            since,
        } => session.join(conversation, since).await,
        ClientFrame::SupportLeave { conversation } => {
            session.leave(conversation);
            Ok(())
        }
        ClientFrame::SupportSend {
            conversation,
            body,
            client_id,
            files,
        } => session.send(conversation, &body, &client_id, &files).await,
        ClientFrame::SupportNote {
            conversation,
            body,
            client_id,
            files,
        } => session.note(conversation, &body, &client_id, &files).await,
        ClientFrame::SupportTyping { conversation } => session.typing(conversation).await,
        ClientFrame::SupportRead { conversation, id } => session.read(conversation, id).await,
        ClientFrame::SupportRate {
            conversation,
            score,
            comment,
        } => session.rate(conversation, score, comment).await,
        ClientFrame::SupportContact {
            conversation,
            email,
            name,
        } => session.contact(conversation, &email, name.as_deref()).await,
        ClientFrame::SupportClaim { conversation } => session.claim(conversation).await,
        ClientFrame::SupportTransfer {
            conversation,
            agent,
        } => session.transfer(conversation, agent).await,
        ClientFrame::SupportAssign {
            conversation,
            agent,
        } => session.assign(conversation, agent).await,
        ClientFrame::SupportPending { conversation } => {
            session
                .status(conversation, ConversationStatus::Pending)
                .await
        }
        ClientFrame::SupportResolve { conversation } => {
            session
                .status(conversation, ConversationStatus::Resolved)
                .await
        }
        ClientFrame::SupportReopen { conversation } => {
            session.status(conversation, ConversationStatus::Open).await
        }
        ClientFrame::SupportAvailability { status } => session.availability(status).await,
        ClientFrame::SupportSubscribe {} => session.subscribe().await,
        _ => Err(Refusal::new(
            ErrorCode::Forbidden,
            "visitors can use support frames only",
        )),
    }
}
