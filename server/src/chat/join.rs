//! A join's answer: the room's latest history, or — for a client resuming
//! with `since` (and `changes_since`) — the edits and deletes it missed and
//! the messages after its last one, in bounded pages ([`super::replay`]).
//!
//! The caller has already subscribed the connection to the room, so nothing
//! falls between the live frames and this answer; the client merges by id.

use super::replay::{self, HISTORY_PAGE_BYTES};
use crate::{
    hub::{encode, Kick, Outbox},
    refusal::Refusal,
    state::AppState,
    store::Change,
};
use app::protocol::{
    ChangeId, ErrorCode, MessageId, RoomId, ServerFrame, ThreadState, JOIN_HISTORY,
    MAX_CHANGE_REPLAY, MAX_REPLAY,
};

/// How far before `since` a resume reaches in a cluster: longer than a node
/// takes to be declared dead (`hub::peers::PEER_TTL`) plus the nodes' clock
/// skew.
pub const RESUME_OVERLAP: chrono::Duration = chrono::Duration::seconds(60);

/// Sends the history (or replay) that answers a join of `room`.
pub async fn answer(
    state: &AppState,
    outbox: &Outbox,
    room: RoomId,
    since: Option<MessageId>,
    changes_since: Option<ChangeId>,
) -> Result<(), Refusal> {
    let store = &state.store;
    let out = Paced { state, outbox };
    // In a cluster, a client may hold `since` and lack a message just before
    // it (committed on another node, delivered later, or lost with a node):
    // resume from a little earlier. The client merges by id what it has.
    let since = match since {
        Some(s) if state.bus.is_some() => Some(
            store
                .resume_floor(room, s, RESUME_OVERLAP)
                .await?
                .map_or(s, |floor| MessageId(floor.0 - 1)),
        ),
        other => other,
    };
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
                out.changes(room, after, since, changes).await?;
            }
            n > MAX_CHANGE_REPLAY
        }
        _ => false,
    };
    match since.filter(|_| !reset) {
        Some(since) => out.messages(room, since, changes).await,
        None => {
            let mut m = store.messages_before(room, None, JOIN_HISTORY + 1).await?;
            let mut more = m.len() > JOIN_HISTORY;
            if more {
                m.remove(0);
            }
            // Fifty of the largest messages would be 800 KiB: keep the
            // newest that fit a page; the client pages older ones in.
            more |= replay::keep_newest_within(&mut m, HISTORY_PAGE_BYTES);
            out.send(&ServerFrame::History {
                room,
                messages: m,
                more,
                changes,
                reset,
                partial: false,
            })
            .await
        }
    }
}

/// A long answer's way to its connection: each frame waits for room in the
/// connection's queue.
struct Paced<'a> {
    state: &'a AppState,
    outbox: &'a Outbox,
}

impl Paced<'_> {
    /// Queues a frame once the connection's queue has room for it, leaving
    /// room for live frames. A client that does not read is closed as a slow
    /// consumer (4008) instead of being queued for.
    async fn send(&self, frame: &ServerFrame) -> Result<(), Refusal> {
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

    /// The edits and deletes after `after` of messages up to `since`, each
    /// message once in its current state, read a chunk at a time.
    async fn changes(
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
                match change {
                    // The change may have been an edit or a reaction: the
                    // message's state says both (an `edited` only for a
                    // message that was edited, so a reaction does not make
                    // one look edited).
                    Change::Edited { change, message } => {
                        after = change;
                        if let Some(edited_at) = message.edited_at {
                            self.send(&ServerFrame::Edited {
                                room,
                                id: message.id,
                                body: message.body,
                                edited_at,
                                change,
                            })
                            .await?;
                        }
                        self.send(&ServerFrame::Reactions {
                            room,
                            id: message.id,
                            reactions: message.reactions,
                            change,
                        })
                        .await?;
                        // A parent whose thread changed (a reply came or
                        // went): its counts now. Any message that ever had
                        // a reply keeps its last reply's time.
                        if message.last_reply_at.is_some() {
                            self.send(&ServerFrame::Thread(ThreadState {
                                room,
                                id: message.id,
                                replies: message.replies,
                                last_reply_at: message.last_reply_at,
                                participants: message.participants,
                                change,
                            }))
                            .await?;
                        }
                    }
                    Change::Deleted { change, room, id } => {
                        after = change;
                        self.send(&ServerFrame::Deleted { room, id, change })
                            .await?;
                    }
                }
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
    async fn messages(
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
                    self.send(&ServerFrame::History {
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
        self.send(&ServerFrame::History {
            room,
            messages: pager.finish(),
            more,
            changes,
            reset: false,
            partial: false,
        })
        .await
    }
}
