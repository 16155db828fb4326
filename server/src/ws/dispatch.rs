//! What each client frame does. One [`Dispatch`] per connection holds what the
//! connection has joined; every refusal becomes an `error` frame and the
//! connection stays open.

use super::{
    refusal::Refusal,
    replay::{self, HISTORY_PAGE_BYTES},
    support::SupportDispatch,
};
use crate::{
    hub::{encode, Kick, Outbox, Topic},
    ingest::Submission,
    limits::Limit,
    state::AppState,
    store::{Change, NewMessage},
};
use app::{
    protocol::{
        AnnouncementId, ChangeId, ClientFrame, ErrorCode, MessageId, Role, RoomId, ServerFrame,
        User, UserId, JOIN_HISTORY, MAX_CHANGE_REPLAY, MAX_FRAME_BYTES, MAX_REPLAY,
    },
    validate::{ClientId, MessageBody},
};
use governor::clock::{Clock, DefaultClock};
use serde::Deserialize;
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

/// Typing notices from one connection for one room are relayed at most this often.
const TYPING_EVERY: Duration = Duration::from_secs(1);

/// The `type` of every client frame, to tell an unknown type from a bad field.
pub(crate) const CLIENT_TYPES: &[&str] = &[
    "join",
    "leave",
    "send",
    "typing",
    "edit",
    "delete",
    "read",
    "announcement_seen",
    "announcement_dismiss",
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

/// Counts one action against a per-user limit; over it, a `rate_limited`
/// refusal that says when to try again.
fn limited(limit: &Limit<UserId>, user: UserId, what: &str) -> Result<(), Refusal> {
    limit.check(&user).map_err(|wait| {
        let mut r = Refusal::new(
            ErrorCode::RateLimited,
            format!("{what} too fast; retry in {} ms", wait.millis()),
        );
        r.retry_after_ms = Some(wait.millis());
        r
    })
}

pub struct Dispatch {
    state: AppState,
    user: User,
    outbox: Outbox,
    /// Rooms this connection is subscribed to.
    joined: HashSet<RoomId>,
    last_typing: HashMap<RoomId, Instant>,
    /// The `support.*` frames (agents and admins; members are refused there).
    support: SupportDispatch,
}

impl Dispatch {
    pub fn new(state: AppState, user: User, outbox: Outbox) -> Dispatch {
        Dispatch {
            support: SupportDispatch::for_user(state.clone(), user.clone(), outbox.clone()),
            state,
            user,
            outbox,
            joined: HashSet::new(),
            last_typing: HashMap::new(),
        }
    }

    fn send(&self, frame: &ServerFrame) {
        self.outbox.push(encode(frame));
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
        match frame {
            ClientFrame::Join {
                room,
                since,
                changes_since,
            } => self.join(room, since, changes_since).await,
            ClientFrame::Leave { room } => self.leave(room).await,
            ClientFrame::Send {
                room,
                body,
                client_id,
            } => self.post(room, &body, &client_id).await,
            ClientFrame::Typing { room } => self.typing(room),
            ClientFrame::Edit { id, body } => self.edit(id, &body).await,
            ClientFrame::Delete { id } => self.delete(id).await,
            ClientFrame::Read { room, id } => self.read(room, id).await,
            ClientFrame::AnnouncementSeen { id } => self.seen(id, false).await,
            ClientFrame::AnnouncementDismiss { id } => self.seen(id, true).await,
            support => self.support.handle(support).await,
        }
    }

    fn require_joined(&self, room: RoomId) -> Result<(), Refusal> {
        if self.joined.contains(&room) {
            Ok(())
        } else {
            Err(Refusal::new(
                ErrorCode::NotJoined,
                format!("join room {room} before using it"),
            ))
        }
    }

    async fn join(
        &mut self,
        room: RoomId,
        since: Option<MessageId>,
        changes_since: Option<ChangeId>,
    ) -> Result<(), Refusal> {
        limited(&self.state.limits.join, self.user.id, "joining rooms")?;
        let store = &self.state.store;
        if !store.room_exists(room).await? {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("room {room} does not exist"),
            ));
        }
        store.join_room(room, self.user.id).await?;
        // Subscribe before reading history, so nothing falls between the two;
        // the client merges by id whatever arrives twice.
        let online = self.state.hub.subscribe(room, self.outbox.id);
        self.joined.insert(room);
        // The change counter is read after subscribing and before anything
        // else: every change up to it is then in the messages or the replay
        // read below, and every later one is committed after we subscribed,
        // so it reaches this connection live. That makes it the client's next
        // `changes_since`.
        let changes = store.last_change(room).await?;
        // Changes to messages up to `since`; later messages come in the
        // history itself, already as they are now. Too many: a fresh snapshot.
        let reset = match (since, changes_since) {
            (Some(since), Some(after)) => {
                let n = store
                    .count_changes_after(room, after, since, MAX_CHANGE_REPLAY + 1)
                    .await?;
                if n <= MAX_CHANGE_REPLAY {
                    // The replay goes before the history, whose `changes`
                    // then marks its end: a client cut off in the middle has
                    // not yet moved its cursor.
                    self.replay_changes(room, after, since, changes).await?;
                }
                n > MAX_CHANGE_REPLAY
            }
            _ => false,
        };
        match since.filter(|_| !reset) {
            Some(since) => self.replay_messages(room, since, changes).await?,
            None => {
                let mut m = store.messages_before(room, None, JOIN_HISTORY + 1).await?;
                let mut more = m.len() > JOIN_HISTORY;
                if more {
                    m.remove(0);
                }
                // Fifty of the largest messages would be 800 KiB: keep the
                // newest that fit a page; the client pages older ones in.
                more |= replay::keep_newest_within(&mut m, HISTORY_PAGE_BYTES);
                self.paced(&ServerFrame::History {
                    room,
                    messages: m,
                    more,
                    changes,
                    reset,
                    partial: false,
                })
                .await?;
            }
        }
        self.send(&ServerFrame::Presence { room, online });
        Ok(())
    }

    /// The edits and deletes after `after` of messages up to `since`, each
    /// message once in its current state, read a chunk at a time.
    async fn replay_changes(
        &self,
        room: RoomId,
        mut after: ChangeId,
        since: MessageId,
        changes: ChangeId,
    ) -> Result<(), Refusal> {
        // Bounded however many changes are committed meanwhile: those after
        // `changes` reach this connection live anyway.
        for _ in 0..=MAX_CHANGE_REPLAY / replay::READ_CHUNK {
            let chunk = self
                .state
                .store
                .changes_after(room, after, since, replay::READ_CHUNK)
                .await?;
            let last = chunk.len() < replay::READ_CHUNK;
            for change in chunk {
                let frame = match change {
                    Change::Edited { change, message } => {
                        after = change;
                        ServerFrame::Edited {
                            room,
                            id: message.id,
                            body: message.body,
                            edited_at: message.edited_at.unwrap_or(message.sent_at),
                            change,
                        }
                    }
                    Change::Deleted { change, room, id } => {
                        after = change;
                        ServerFrame::Deleted { room, id, change }
                    }
                };
                self.paced(&frame).await?;
            }
            if last || after >= changes {
                break;
            }
        }
        Ok(())
    }

    /// The messages after `since`, at most [`MAX_REPLAY`], in `history`
    /// pages; the last one says whether more are left (`more`: join again
    /// from its last id).
    async fn replay_messages(
        &self,
        room: RoomId,
        since: MessageId,
        changes: ChangeId,
    ) -> Result<(), Refusal> {
        let mut pager = replay::Pager::new(HISTORY_PAGE_BYTES);
        let mut cursor = since;
        let mut taken = 0;
        let more = loop {
            let left = MAX_REPLAY - taken;
            // One more than is left, to learn whether more exist.
            let want = replay::READ_CHUNK.min(left + 1);
            let chunk = self.state.store.messages_after(room, cursor, want).await?;
            let got = chunk.len();
            for m in chunk {
                if taken == MAX_REPLAY {
                    break;
                }
                taken += 1;
                cursor = m.id;
                if let Some(page) = pager.push(m) {
                    self.paced(&ServerFrame::History {
                        room,
                        messages: page,
                        more: true,
                        changes,
                        reset: false,
                        partial: true,
                    })
                    .await?;
                }
            }
            if got > left {
                break true;
            }
            if got < want || taken == MAX_REPLAY {
                break false;
            }
        };
        self.paced(&ServerFrame::History {
            room,
            messages: pager.finish(),
            more,
            changes,
            reset: false,
            partial: false,
        })
        .await
    }

    /// Queues a frame of a long answer once the connection's queue has room
    /// for it, leaving room for live frames. A client that does not read is
    /// closed as a slow consumer (4008) instead of being queued for.
    async fn paced(&self, frame: &ServerFrame) -> Result<(), Refusal> {
        let bytes = encode(frame);
        let level = self
            .outbox
            .byte_limit()
            .saturating_sub(bytes.len() + HISTORY_PAGE_BYTES);
        if !self.outbox.drained_to(level, replay::STALL).await {
            self.outbox.kick(Kick::SlowConsumer);
            return Err(Refusal::new(
                ErrorCode::Unavailable,
                "not reading; reconnect and resume with since",
            ));
        }
        self.outbox.push(bytes);
        Ok(())
    }

    async fn leave(&mut self, room: RoomId) -> Result<(), Refusal> {
        // Counted with joins: leaving and joining again must not get round it.
        limited(&self.state.limits.join, self.user.id, "leaving rooms")?;
        self.state.store.leave_room(room, self.user.id).await?;
        self.joined.remove(&room);
        self.state.hub.unsubscribe(room, self.outbox.id);
        self.send(&ServerFrame::Left { room });
        Ok(())
    }

    async fn post(&mut self, room: RoomId, body: &str, client_id: &str) -> Result<(), Refusal> {
        let cid = ClientId::parse(client_id)?;
        let cid_str = cid.as_str().to_owned();
        self.require_joined(room)
            .map_err(|r| r.for_client(&cid_str))?;
        let body = MessageBody::parse(body).map_err(|e| Refusal::from(e).for_client(&cid_str))?;
        if let Err(not_until) = self.state.limiter.check_key(&self.user.id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut r = Refusal::new(
                ErrorCode::RateLimited,
                format!("sending too fast; retry in {} ms", wait.as_millis().max(1)),
            )
            .for_client(&cid_str);
            r.retry_after_ms = Some(wait.as_millis().max(1) as u64);
            return Err(r);
        }
        let submission = Submission {
            message: NewMessage {
                room,
                author: self.user.id,
                author_name: self.user.username.clone(),
                body: body.into_string(),
                client_id: cid.into_string(),
            },
            reply: self.outbox.clone(),
        };
        self.state.ingest.submit(submission).await.map_err(|_| {
            Refusal::new(
                ErrorCode::Unavailable,
                "the server is shutting down; resend after reconnecting",
            )
            .for_client(&cid_str)
        })
    }

    fn typing(&mut self, room: RoomId) -> Result<(), Refusal> {
        self.require_joined(room)?;
        let now = Instant::now();
        if let Some(last) = self.last_typing.get(&room) {
            if now.duration_since(*last) < TYPING_EVERY {
                return Ok(());
            }
        }
        self.last_typing.insert(room, now);
        // Across rooms, per user: over it the notice is dropped, not refused.
        // It is a hint that expires by itself; an error would cost more.
        if self.state.limits.typing.check(&self.user.id).is_err() {
            return Ok(());
        }
        self.state.hub.publish_except(
            Topic::Room { room },
            ServerFrame::Typing {
                room,
                user: self.user.username.clone(),
            },
            self.outbox.id,
        );
        Ok(())
    }

    async fn edit(&mut self, id: MessageId, body: &str) -> Result<(), Refusal> {
        let body = MessageBody::parse(body)?;
        limited(&self.state.limits.edit, self.user.id, "editing")?;
        let store = &self.state.store;
        let gone = || Refusal::new(ErrorCode::NotFound, format!("message {id} does not exist"));
        let (_, author) = store.message(id).await?.ok_or_else(gone)?;
        if author != self.user.id {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you can edit only your own messages",
            ));
        }
        let (room, edited_at, change) = store
            .edit_message(id, body.as_str())
            .await?
            .ok_or_else(gone)?;
        self.state.hub.publish(
            Topic::Room { room },
            ServerFrame::Edited {
                room,
                id,
                body: body.into_string(),
                edited_at,
                change,
            },
        );
        Ok(())
    }

    async fn delete(&mut self, id: MessageId) -> Result<(), Refusal> {
        limited(&self.state.limits.edit, self.user.id, "deleting")?;
        let store = &self.state.store;
        let gone = || Refusal::new(ErrorCode::NotFound, format!("message {id} does not exist"));
        let (_, author) = store.message(id).await?.ok_or_else(gone)?;
        // Someone else's message: only an admin. The role is current: a role
        // change renews the connection (close code 4003).
        if author != self.user.id && self.user.role != Role::Admin {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you can delete only your own messages",
            ));
        }
        let (room, change) = store.delete_message(id).await?.ok_or_else(gone)?;
        self.state.hub.publish(
            Topic::Room { room },
            ServerFrame::Deleted { room, id, change },
        );
        Ok(())
    }

    async fn read(&mut self, room: RoomId, id: MessageId) -> Result<(), Refusal> {
        self.require_joined(room)?;
        // Over the limit a read mark is dropped, not refused: markers only
        // move forward, and the app sends the next one as the next message
        // is read (an error would only show the user a banner).
        if self.state.limits.mark.check(&self.user.id).is_err() {
            return Ok(());
        }
        self.state.store.mark_read(room, self.user.id, id).await?;
        Ok(())
    }

    /// Records that the user saw (or dismissed) an announcement addressed to them.
    async fn seen(&mut self, id: AnnouncementId, dismiss: bool) -> Result<(), Refusal> {
        limited(
            &self.state.limits.mark,
            self.user.id,
            "marking announcements",
        )?;
        // It decides whether "agents" announcements are theirs.
        let is_agent = self.user.role >= Role::Agent;
        let found = self
            .state
            .store
            .mark_seen(id, self.user.id, is_agent, dismiss, self.state.clock.now())
            .await?;
        if found {
            Ok(())
        } else {
            Err(Refusal::new(
                ErrorCode::NotFound,
                format!("announcement {id} does not exist or is not for you"),
            ))
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
