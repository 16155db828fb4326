//! Chat rooms: what a signed-in user does in them — join (with the replay of
//! what they missed), leave, post, edit, react, delete, typing, read marks — as
//! transport-free actions. `ws/` parses a frame and calls one of these; the
//! refusals come back as values ([`Refusal`]) for it to answer with.
//!
//! Every action stores first and then publishes through the hub
//! ([`crate::hub::Hub::publish`]); a posted message goes through the ingest
//! queue, which stores it in a batch and acknowledges it after the commit.
//! Who may do what in which room is [`crate::rooms`]' rule; which rooms a
//! connection follows is the hub's (a removal elsewhere takes them away), and
//! when it last relayed typing is the [`ChatSession`]'s: one per connection.

pub mod join;
pub mod replay;

use crate::limits::ClientIp;
use crate::{
    hub::{Outbox, Topic, Voice},
    ingest::Submission,
    refusal::Refusal,
    rooms::{self, RoomAction},
    state::AppState,
    store::{NewMessage, Pinned, Reacted, Uploader},
};
use app::{
    protocol::{
        AuditAction, ChangeId, ChatMessage, ErrorCode, FileId, MessageId, PinnedMessage, RoomId,
        ServerFrame, ThreadPage, User, UserId, MAX_PINS, MAX_REACTION_KINDS, RECEIPTS_MAX_MEMBERS,
    },
    validate::{ClientId, Emoji, Invalid, MessageBody},
};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// Typing notices from one connection for one room are relayed at most this often.
const TYPING_EVERY: Duration = Duration::from_secs(1);

/// One connection's chat: who it is and where its answers go. The rooms it
/// follows are the hub's to know ([`crate::hub::Hub::follows`]), not a copy
/// here: a removal published by any node takes a room away from it.
pub struct ChatSession {
    state: AppState,
    user: User,
    outbox: Outbox,
    last_typing: HashMap<RoomId, Instant>,
    /// The client's address when the socket opened, for the audit log.
    ip: Option<ClientIp>,
}

impl ChatSession {
    pub fn new(state: AppState, user: User, outbox: Outbox) -> ChatSession {
        ChatSession {
            state,
            user,
            outbox,
            last_typing: HashMap::new(),
            ip: None,
        }
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    /// The session's client address (as the rate limits see it), recorded
    /// with what it does that goes into the audit log.
    pub fn from_ip(mut self, ip: ClientIp) -> ChatSession {
        self.ip = Some(ip);
        self
    }

    pub fn ip(&self) -> Option<ClientIp> {
        self.ip
    }

    /// What lets a connection post, type and mark read in a room: it
    /// followed the room through a `join` that passed [`rooms::check`], and
    /// has not left or lost it since. No database read while it does.
    /// Answers what may still stop it posting there (archived, muted).
    async fn require_joined(&self, room: RoomId) -> Result<Voice, Refusal> {
        if let Some(voice) = self.state.hub.voice(self.outbox.id, room) {
            return Ok(voice);
        }
        let not_joined = || {
            Refusal::new(
                ErrorCode::NotJoined,
                format!("join room {room} before using it"),
            )
        };
        // Refused either way. For a room the user may not know exists the
        // answer is `not_found`, which takes a look in the database: counted
        // with joins, so a client cannot make refused frames cost a query
        // each without limit (past it, the cheaper `not_joined`).
        if self.state.limits.join.check(&self.user.id).is_err() {
            return Err(not_joined());
        }
        rooms::check(&self.state.store, room, &self.user, RoomAction::See).await?;
        Err(not_joined())
    }

    /// Joins a room: follows it and answers with its history (or, with
    /// `since`, what was missed; see [`join`]). Anyone may join a public room,
    /// which makes them a member; a private room or a DM only its members.
    pub async fn join(
        &mut self,
        room: RoomId,
        since: Option<MessageId>,
        changes_since: Option<ChangeId>,
    ) -> Result<(), Refusal> {
        let state = &self.state;
        state.limits.join.admit(&self.user.id, "joining rooms")?;
        let access = rooms::check(&state.store, room, &self.user, RoomAction::Join).await?;
        if access.is_public() {
            state.store.join_room(room, self.user.id).await?;
        }
        // Subscribe before reading history, so nothing falls between the two;
        // the client merges by id whatever arrives twice.
        state.hub.subscribe(room, self.outbox.id);
        // A removal, ban, archiving or mute committed between the check and
        // the subscription found nothing here to change; looking again now
        // closes that gap (one committed after this look publishes after the
        // subscription, and reaches it).
        let now = match rooms::access(&state.store, room, &self.user).await {
            Ok(now) => now,
            Err(refusal) => {
                state.hub.unsubscribe(room, self.outbox.id);
                return Err(refusal);
            }
        };
        if (!access.is_public() && now.role().is_none()) || now.is_banned() {
            state.hub.unsubscribe(room, self.outbox.id);
            return Err(match now.check(RoomAction::Join) {
                Err(refusal) => refusal,
                Ok(()) => rooms::no_such_room(room),
            });
        }
        state.hub.hear(self.outbox.id, room, now.voice());
        join::answer(state, &self.outbox, room, since, changes_since).await?;
        // Who is online as of now, not as of the subscription: a
        // `presence_changed` published while the history was read has
        // already gone out through the room, and a snapshot taken before it
        // would undo it on the client (seen in a cluster test).
        let online = state.hub.online(room);
        self.outbox
            .push(crate::hub::encode(&ServerFrame::Presence { room, online }));
        // Read after subscribing: a receipt published meanwhile is also in
        // the room's stream, and markers only move forward. Nothing to say
        // (nobody has read, or the room is too large): no frame.
        if let Some(receipts) = state.store.read_markers(room, RECEIPTS_MAX_MEMBERS).await? {
            if !receipts.is_empty() {
                self.outbox.push(crate::hub::encode(&ServerFrame::Receipts {
                    room,
                    receipts,
                }));
            }
        }
        Ok(())
    }

    /// Leaves a room: the membership ends and every connection of the user
    /// stops following it, each told with `left`. A DM's people are fixed:
    /// leaving one only stops this connection following it (it stays listed).
    pub async fn leave(&mut self, room: RoomId) -> Result<(), Refusal> {
        // Counted with joins: leaving and joining again must not get round it.
        self.state
            .limits
            .join
            .admit(&self.user.id, "leaving rooms")?;
        if !rooms::leave(&self.state, &self.user, room).await? {
            // No membership ended, so no publication told this connection.
            self.state.hub.unsubscribe(room, self.outbox.id);
            self.outbox
                .push(crate::hub::encode(&ServerFrame::Left { room }));
        }
        Ok(())
    }

    /// Queues a message for storage; the ingest task acknowledges it (or
    /// says why not) once it is committed. With `thread`, a reply in that
    /// message's thread (see [`Reply`]).
    pub async fn post(
        &mut self,
        room: RoomId,
        body: &str,
        client_id: &str,
        files: &[FileId],
        reply: Option<Reply>,
    ) -> Result<(), Refusal> {
        let cid = ClientId::parse(client_id)?;
        let cid_str = cid.as_str().to_owned();
        let voice = self
            .require_joined(room)
            .await
            .map_err(|r| r.for_client(&cid_str))?;
        rooms::may_post(room, voice, self.state.clock.now()).map_err(|r| r.for_client(&cid_str))?;
        let body = MessageBody::parse_with_files(body, files.len())
            .map_err(|e| Refusal::from(e).for_client(&cid_str))?;
        self.state
            .limits
            .messages
            .admit(&self.user.id, "sending")
            .map_err(|r| r.for_client(&cid_str))?;
        if let Some(reply) = reply {
            reply_parent(&self.state, room, reply.parent)
                .await
                .map_err(|r| r.for_client(&cid_str))?;
        }
        let files =
            crate::files::attachable(&self.state.store, &Uploader::User(self.user.id), files)
                .await
                .map_err(|r| r.for_client(&cid_str))?;
        let submission = Submission {
            message: NewMessage {
                room,
                author: self.user.id,
                author_name: self.user.username.clone(),
                body: body.into_string(),
                client_id: cid.into_string(),
                files,
                thread: reply.map(|r| r.parent),
                also_in_room: reply.is_some_and(|r| r.also_in_room),
            },
            reply: self.outbox.clone(),
            queued_at: Instant::now(),
        };
        self.state.ingest.submit(submission).await.map_err(|_| {
            Refusal::new(
                ErrorCode::Unavailable,
                "the server is shutting down; resend after reconnecting",
            )
            .for_client(&cid_str)
        })
    }

    /// Relays a typing notice to the room's other connections, at most once a
    /// second per room; over the per-user limit it is dropped, not refused:
    /// it is a hint that expires by itself, and an error would cost more.
    /// Dropped too where the user may not post (archived, muted).
    pub async fn typing(&mut self, room: RoomId) -> Result<(), Refusal> {
        let voice = self.require_joined(room).await?;
        if rooms::may_post(room, voice, self.state.clock.now()).is_err() {
            return Ok(());
        }
        let now = Instant::now();
        if let Some(last) = self.last_typing.get(&room) {
            if now.duration_since(*last) < TYPING_EVERY {
                return Ok(());
            }
        }
        self.last_typing.insert(room, now);
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

    /// Moves the user's read marker in a joined room. Over the limit a mark
    /// is dropped, not refused: markers only move forward, and the app sends
    /// the next one as the next message is read.
    pub async fn read(&mut self, room: RoomId, id: MessageId) -> Result<(), Refusal> {
        self.require_joined(room).await?;
        if self.state.limits.mark.check(&self.user.id).is_err() {
            return Ok(());
        }
        let store = &self.state.store;
        // The marker moved, so the room's members may see it (a read
        // receipt) where receipts apply: small rooms, and people who send them.
        if store.mark_read(room, self.user.id, id).await?
            && store
                .receipts_apply(room, self.user.id, RECEIPTS_MAX_MEMBERS)
                .await?
        {
            self.state.hub.publish(
                Topic::Room { room },
                ServerFrame::Receipt {
                    room,
                    user: self.user.username.clone(),
                    id,
                },
            );
        }
        Ok(())
    }
}

/// Where a posted message goes when it is a reply.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    /// The thread's first message.
    pub parent: MessageId,
    /// Shown in the room too.
    pub also_in_room: bool,
}

/// Checks that `parent` can have replies posted in `room`: a message of that
/// room that is not itself a reply (threads are one level deep, as in Slack
/// and Mattermost).
async fn reply_parent(state: &AppState, room: RoomId, parent: MessageId) -> Result<(), Refusal> {
    let (message, _) = state
        .store
        .message(parent)
        .await?
        .filter(|(m, _)| m.room == room)
        .ok_or_else(|| Invalid {
            field: "thread",
            problem: format!("message {parent} is not in room {room}"),
        })?;
    if let Some(top) = message.thread {
        return Err(Invalid {
            field: "thread",
            problem: format!("message {parent} is a reply; reply in its thread (message {top})"),
        }
        .into());
    }
    Ok(())
}

/// A page of the thread of message `parent` in `room`, for a user who may
/// read the room's history: the parent and up to `limit` replies below
/// `before`.
pub async fn thread(
    state: &AppState,
    user: &User,
    room: RoomId,
    parent: MessageId,
    before: Option<MessageId>,
    limit: usize,
) -> Result<ThreadPage, Refusal> {
    rooms::check(&state.store, room, user, RoomAction::ReadHistory).await?;
    let mut parent = state
        .store
        .message(parent)
        .await?
        .map(|(m, _)| m)
        .filter(|m| m.room == room && m.thread.is_none())
        .ok_or_else(|| {
            Refusal::new(
                ErrorCode::NotFound,
                format!("thread {parent} does not exist in room {room}"),
            )
        })?;
    let mut messages = state
        .store
        .thread_replies(parent.id, before, limit + 1)
        .await?;
    let more = messages.len() > limit;
    if more {
        messages.remove(0);
    }
    let store = &state.store;
    let one = std::slice::from_mut(&mut parent);
    store.with_reactions(one).await?;
    store.with_files(one).await?;
    store.with_participants(one).await?;
    Ok(ThreadPage {
        parent,
        messages,
        more,
    })
}

/// The refusal for a message that does not exist — or that is in a room the
/// user may not see: the two are answered alike.
fn no_such_message(id: MessageId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("message {id} does not exist"))
}

/// Message `id`, its author, and where `user` stands in its room: what
/// editing, reacting and deleting each start from. A message in a room the
/// user may not see does not exist for them.
async fn visible_message(
    state: &AppState,
    user: &User,
    id: MessageId,
) -> Result<(ChatMessage, UserId, rooms::Access), Refusal> {
    let (message, author) = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| no_such_message(id))?;
    let access = rooms::access(&state.store, message.room, user).await?;
    if !access.allows(RoomAction::See) {
        return Err(no_such_message(id));
    }
    Ok((message, author, access))
}

/// Edits `user`'s own message, in a room they may still write in, and
/// publishes the new text to its room.
pub async fn edit(state: &AppState, user: &User, id: MessageId, body: &str) -> Result<(), Refusal> {
    let body = MessageBody::parse(body)?;
    state.limits.edit.admit(&user.id, "editing")?;
    let (_, author, access) = visible_message(state, user, id).await?;
    if author != user.id {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "you can edit only your own messages",
        ));
    }
    access.check(RoomAction::Write)?;
    let (room, edited_at, change) = state
        .store
        .edit_message(id, body.as_str())
        .await?
        .ok_or_else(|| no_such_message(id))?;
    state.hub.publish(
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

/// Adds (`on`) or takes back `user`'s reaction to a message, in a room
/// whose history they may read and where they may write (not archived, not
/// muted), and tells the room. Doing what is already done changes nothing
/// and sends nothing.
pub async fn react(
    state: &AppState,
    user: &User,
    id: MessageId,
    emoji: &str,
    on: bool,
) -> Result<(), Refusal> {
    let emoji = Emoji::parse(emoji)?;
    state.limits.react.admit(&user.id, "reacting")?;
    let (_, _, access) = visible_message(state, user, id).await?;
    access.check(RoomAction::ReadHistory)?;
    access.check(RoomAction::Write)?;
    match state
        .store
        .react(id, user.id, emoji.as_str(), on, MAX_REACTION_KINDS)
        .await?
    {
        Reacted::Changed(room, change) => {
            state.hub.publish(
                Topic::Room { room },
                ServerFrame::Reaction {
                    room,
                    id,
                    emoji: emoji.into_string(),
                    user: user.username.clone(),
                    on,
                    change,
                },
            );
        }
        Reacted::Unchanged => {}
        Reacted::NoMessage => return Err(no_such_message(id)),
        Reacted::TooMany => {
            return Err(Invalid {
                field: "emoji",
                problem: format!("a message has at most {MAX_REACTION_KINDS} different reactions"),
            }
            .into())
        }
    }
    Ok(())
}

/// Pins (`on`) or unpins a message, for a member who may read the room's
/// history and write there (not archived, not muted) — in Slack and
/// Mattermost anyone in the conversation may — and tells the room. Doing
/// what is already done changes nothing and sends nothing.
pub async fn pin(state: &AppState, user: &User, id: MessageId, on: bool) -> Result<(), Refusal> {
    state.limits.react.admit(&user.id, "pinning")?;
    let (_, _, access) = visible_message(state, user, id).await?;
    access.check(RoomAction::ReadHistory)?;
    access.check(RoomAction::Write)?;
    match state.store.pin(id, user.id, on, MAX_PINS).await? {
        Pinned::Changed(room) => {
            state.hub.publish(
                Topic::Room { room },
                ServerFrame::Pinned {
                    room,
                    id,
                    user: user.username.clone(),
                    on,
                },
            );
            Ok(())
        }
        Pinned::Unchanged => Ok(()),
        Pinned::NoMessage => Err(no_such_message(id)),
        Pinned::TooMany => Err(Invalid {
            field: "id",
            problem: format!("a room has at most {MAX_PINS} pinned messages; unpin one first"),
        }
        .into()),
    }
}

/// A room's pinned messages, for someone who may read its history.
pub async fn pins(
    state: &AppState,
    user: &User,
    room: RoomId,
) -> Result<Vec<PinnedMessage>, Refusal> {
    rooms::check(&state.store, room, user, RoomAction::ReadHistory).await?;
    Ok(state.store.pins(room).await?)
}

/// Deletes a message — the user's own, or anyone's for the room's owners and
/// moderators and for admins (not in DMs: see [`rooms`]) — and tells its room.
/// `from` is the client's address, for the audit entry of a moderator's
/// deletion.
pub async fn delete(
    state: &AppState,
    user: &User,
    id: MessageId,
    from: Option<ClientIp>,
) -> Result<(), Refusal> {
    state.limits.edit.admit(&user.id, "deleting")?;
    let (message, author, access) = visible_message(state, user, id).await?;
    if author == user.id {
        access.check(RoomAction::Write)?;
    } else if !access.allows(RoomAction::Moderate) {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "you can delete only your own messages",
        ));
    }
    let deleted = state
        .store
        .delete_message(id)
        .await?
        .ok_or_else(|| no_such_message(id))?;
    let room = deleted.room;
    // In change order: a parent's replies, the message, a reply's parent.
    for (reply, change) in deleted.replies {
        state.hub.publish(
            Topic::Room { room },
            ServerFrame::Deleted {
                room,
                id: reply,
                change,
            },
        );
    }
    state.hub.publish(
        Topic::Room { room },
        ServerFrame::Deleted {
            room,
            id,
            change: deleted.change,
        },
    );
    if let Some(thread) = deleted.thread {
        state
            .hub
            .publish(Topic::Room { room }, ServerFrame::Thread(thread));
    }
    // Any files it had are unreachable now (their row lost its message):
    // the sweep removes their bytes. Asking costs one query, which is less
    // than reading every edited, reacted or deleted message's files first.
    state.files.sweep_soon();
    if author != user.id {
        let mut entry = crate::audit::by(user, AuditAction::MessageDeletedByModerator)
            .target(crate::audit::room(room))
            .detail(format!("message {id} by {}", message.author));
        if let Some(ip) = from {
            entry = entry.from_ip(ip);
        }
        crate::audit::record(state, entry).await;
    }
    Ok(())
}
