//! Who may do what in a room, and the actions that change who is in one:
//! creating rooms, opening direct messages, adding and removing members,
//! giving room roles. Transport-free like `chat`: `http/rooms.rs` and
//! `chat` (for the WebSocket) call these, and answer a [`Refusal`] as a status
//! or an `error` frame.
//!
//! Permission is one function, [`Access::check`], asked by every path that
//! reads or touches a room: listing and announcing rooms (as SQL and topics
//! that follow the same rule), `join`, HTTP history, edits, deletes, and the
//! membership actions here. `send`, `typing` and `read` ask the hub instead
//! whether their connection still follows the room ([`crate::hub::Hub::follows`]):
//! following is granted only by a `join` that passed the check, and taken
//! away on every node when the user leaves or is removed
//! ([`crate::hub::Event::Leave`]), so no message costs a database read.
//!
//! The rules:
//! - a **public** room is seen and joined by everyone; joining makes you a
//!   member. A **private** room or a **DM** exists only for its members: to
//!   anyone else it answers `not_found`, exactly like a room that never
//!   existed, so ids reveal nothing.
//! - owners and moderators add and remove members (a moderator removes plain
//!   members only); owners give roles; an admin does all of it in any room,
//!   private ones included — but reads a private room only once a member
//!   (adding themselves shows), and never a DM they are not in.
//! - a DM's people are fixed: nobody is added, removed or promoted; another
//!   set of people is another DM.
//! - owners and moderators (and admins) rename a room, set its topic, archive
//!   and reopen it, mute its members and ban them from a public room — a
//!   moderator acts on plain members only. An **archived** room is read-only
//!   for everyone; a **muted** member reads but cannot post, edit or type
//!   until the mute ends; a **banned** user cannot join the room again. What
//!   stops a follower posting travels with its subscription
//!   ([`crate::hub::Voice`]), so a `send` is still judged without a query.

use crate::{
    hub::{Event, Topic, Voice, VoiceChange},
    refusal::Refusal,
    state::AppState,
    store::{Standing, Store},
};
use app::{
    protocol::{
        ErrorCode, Role, RoomBan, RoomId, RoomKind, RoomMember, RoomRole, RoomSettings,
        RoomSummary, ServerFrame, UpdateRoom, User, UserId, Visibility, MAX_DM_PEOPLE,
        MAX_MUTE_MINUTES, MAX_TOPIC_CHARS,
    },
    validate::{Invalid, RoomName},
};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// What someone wants to do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomAction {
    /// Know it exists: find it in lists, be told it was created, get
    /// anything but `not_found` for it.
    See,
    /// Subscribe to it (`join`).
    Join,
    /// Page through its history over HTTP.
    ReadHistory,
    /// Edit one's own messages in it.
    Write,
    /// Delete other people's messages in it.
    Moderate,
    /// List its members.
    ListMembers,
    /// Add and remove members.
    ManageMembers,
    /// Change members' roles.
    SetRoles,
    /// Rename it, set its topic, archive or reopen it.
    Configure,
}

/// Where one user stands in one room, and what that allows.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub room: RoomId,
    standing: Standing,
    admin: bool,
    /// When it was read: a mute is judged against it.
    now: DateTime<Utc>,
}

impl Access {
    pub fn kind(&self) -> RoomKind {
        self.standing.kind
    }

    pub fn is_public(&self) -> bool {
        self.standing.visibility == Visibility::Public
    }

    /// The user's role in the room; `None` when not a member.
    pub fn role(&self) -> Option<RoomRole> {
        self.standing.role
    }

    /// Until when the user is muted here, if they are now.
    pub fn muted_until(&self) -> Option<DateTime<Utc>> {
        self.voice().muted_at(self.now)
    }

    /// What stops the user posting here, for the hub to keep with their
    /// subscription.
    pub fn voice(&self) -> Voice {
        Voice {
            archived: self.standing.archived,
            muted_until: self.standing.muted_until,
        }
    }

    pub fn is_banned(&self) -> bool {
        self.standing.banned
    }

    /// The rule itself (see the module's header).
    pub fn allows(&self, action: RoomAction) -> bool {
        let member = self.standing.role.is_some();
        let dm = self.standing.kind == RoomKind::Dm;
        let public = self.is_public();
        let room_role = self.standing.role;
        let silenced = self.standing.archived || self.muted_until().is_some();
        match action {
            // Admins see private rooms (to manage them), never others' DMs.
            RoomAction::See => public || member || (self.admin && !dm),
            RoomAction::Join => (public && !self.standing.banned) || member,
            RoomAction::Write => (public || member) && !silenced,
            // As before private rooms: the history is for members.
            RoomAction::ReadHistory => member,
            RoomAction::ListMembers => member || (self.admin && !dm),
            RoomAction::Moderate | RoomAction::ManageMembers => {
                !dm && (self.admin || room_role >= Some(RoomRole::Moderator))
            }
            RoomAction::SetRoles => !dm && (self.admin || room_role == Some(RoomRole::Owner)),
            RoomAction::Configure => !dm && (self.admin || room_role >= Some(RoomRole::Moderator)),
        }
    }

    /// `Ok` when [`Access::allows`] the action; otherwise `not_found` for a
    /// room the user may not even see, `forbidden` (saying why) for one they may.
    pub fn check(&self, action: RoomAction) -> Result<(), Refusal> {
        if self.allows(action) {
            return Ok(());
        }
        if !self.allows(RoomAction::See) {
            return Err(no_such_room(self.room));
        }
        let dm = self.standing.kind == RoomKind::Dm;
        if action == RoomAction::Write && (self.is_public() || self.role().is_some()) {
            if self.standing.archived {
                return Err(archived(self.room));
            }
            if let Some(until) = self.muted_until() {
                return Err(muted(self.room, until));
            }
        }
        if action == RoomAction::Join && self.standing.banned {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you are banned from this room",
            ));
        }
        let why = match action {
            RoomAction::Moderate if dm => "nobody moderates a direct message",
            RoomAction::ManageMembers | RoomAction::SetRoles if dm => {
                "the people in a direct message are fixed: open another one with another set of people"
            }
            RoomAction::ReadHistory if self.is_public() => "join the room to read its messages",
            RoomAction::See
            | RoomAction::Join
            | RoomAction::ReadHistory
            | RoomAction::Write
            | RoomAction::ListMembers => "the room is private: a member of it must add you",
            RoomAction::Moderate => "only the room's owners and moderators can do this",
            RoomAction::ManageMembers => {
                "only the room's owners and moderators can add and remove members"
            }
            RoomAction::SetRoles => "only the room's owners can change roles",
            RoomAction::Configure if dm => "a direct message has no name or topic to set",
            RoomAction::Configure => {
                "only the room's owners and moderators can rename, describe or archive it"
            }
        };
        Err(Refusal::new(ErrorCode::Forbidden, why))
    }
}

/// The refusal for a room that does not exist — or that the user may not know
/// exists: the two are answered alike.
pub fn no_such_room(room: RoomId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("room {room} does not exist"))
}

/// Posting, editing or typing in an archived room.
pub fn archived(room: RoomId) -> Refusal {
    Refusal::new(
        ErrorCode::RoomArchived,
        format!("room {room} is archived: it is read-only"),
    )
}

/// Posting, editing or typing while muted.
pub fn muted(room: RoomId, until: DateTime<Utc>) -> Refusal {
    Refusal::new(
        ErrorCode::Muted,
        format!(
            "a moderator muted you in room {room} until {}",
            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    )
}

/// Whether a connection whose voice in `room` is `voice` may post there at `now`.
pub fn may_post(room: RoomId, voice: Voice, now: DateTime<Utc>) -> Result<(), Refusal> {
    if voice.archived {
        return Err(archived(room));
    }
    if let Some(until) = voice.muted_at(now) {
        return Err(muted(room, until));
    }
    Ok(())
}

/// Where `user` stands in `room`; `not_found` when there is no such room.
pub async fn access(store: &Store, room: RoomId, user: &User) -> Result<Access, Refusal> {
    let standing = store
        .standing(room, user.id)
        .await?
        .ok_or_else(|| no_such_room(room))?;
    Ok(Access {
        room,
        standing,
        // The account role is current: a role change renews the user's
        // connections (close 4003), and HTTP reads it per request.
        admin: user.role == Role::Admin,
        now: Utc::now(),
    })
}

/// [`access`], then [`Access::check`] of `action`.
pub async fn check(
    store: &Store,
    room: RoomId,
    user: &User,
    action: RoomAction,
) -> Result<Access, Refusal> {
    let access = access(store, room, user).await?;
    access.check(action)?;
    Ok(access)
}

/// Creates a room; its creator is its owner. A public room is announced to
/// everyone (as a room they have not joined), a private one only to its creator.
pub async fn create_room(
    state: &AppState,
    user: &User,
    name: &str,
    visibility: Visibility,
) -> Result<RoomSummary, Refusal> {
    let name = RoomName::parse(name)?;
    // Tighter than other writes: a new public room is announced to everyone.
    state.limits.room_create.admit(&user.id, "creating rooms")?;
    let room = state
        .store
        .create_room(name.as_str(), user.id, visibility)
        .await?;
    let (topic, announced) = match visibility {
        Visibility::Public => (
            Topic::All,
            RoomSummary {
                joined: false,
                role: None,
                ..room.clone()
            },
        ),
        Visibility::Private => (Topic::User { user: user.id }, room.clone()),
    };
    state
        .hub
        .publish(topic, ServerFrame::RoomCreated { room: announced });
    Ok(room)
}

/// The DM between `user` and `others` (the caller is always in it; naming
/// them too changes nothing): found if these people already have one, made
/// otherwise — then announced to them all. Answers it as `user` sees it, and
/// whether it was made.
pub async fn open_dm(
    state: &AppState,
    user: &User,
    others: &[UserId],
) -> Result<(RoomSummary, bool), Refusal> {
    let ids: BTreeSet<UserId> = others
        .iter()
        .copied()
        .chain(std::iter::once(user.id))
        .collect();
    if ids.len() < 2 {
        return Err(invalid_users("must name at least one other person".into()));
    }
    if ids.len() > MAX_DM_PEOPLE {
        return Err(invalid_users(format!(
            "a direct message holds at most {MAX_DM_PEOPLE} people, you included; these are {}",
            ids.len()
        )));
    }
    let store = &state.store;
    let ids: Vec<UserId> = ids.into_iter().collect();
    let (room, created) = match store.find_dm(&ids).await? {
        Some(room) => (room, false),
        None => {
            let mut people = Vec::with_capacity(ids.len());
            for id in &ids {
                let person = store
                    .user(*id)
                    .await?
                    .ok_or_else(|| invalid_users(format!("user {id} does not exist")))?;
                // An existing DM stays readable; nobody starts a new one
                // with a deactivated account.
                if !person.active {
                    return Err(invalid_users(format!("user {id} is deactivated")));
                }
                people.push(person);
            }
            // Counted only when it makes one: reopening a DM is free. Every
            // new DM lands in other people's lists.
            state
                .limits
                .room_create
                .admit(&user.id, "opening direct messages")?;
            store.open_dm(&people, user.id).await?
        }
    };
    let summary = store
        .room_summary(room, user)
        .await?
        .ok_or_else(|| no_such_room(room))?;
    if created {
        // A new DM looks the same to each of its people: joined, unread 0,
        // a plain member.
        state.hub.publish(
            Topic::Users { users: ids },
            ServerFrame::RoomCreated {
                room: summary.clone(),
            },
        );
    }
    Ok((summary, created))
}

fn invalid_users(problem: String) -> Refusal {
    Invalid {
        field: "users",
        problem,
    }
    .into()
}

/// Adds `target` to `room` as a member, and tells their connections
/// (`member_added` with the room as they see it). Answers the member and
/// whether they were added (`false`: already a member, nothing changed).
pub async fn add_member(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
) -> Result<(RoomMember, bool), Refusal> {
    let store = &state.store;
    check(store, room, actor, RoomAction::ManageMembers).await?;
    let person = store
        .user(target)
        .await?
        .filter(|p| p.active)
        .ok_or_else(|| {
            Refusal::from(Invalid {
                field: "user",
                problem: format!("user {target} does not exist or is deactivated"),
            })
        })?;
    let added = store.add_member(room, target, RoomRole::Member).await?;
    if added {
        let summary = store
            .room_summary(room, &person)
            .await?
            .ok_or_else(|| no_such_room(room))?;
        state.hub.publish(
            Topic::User { user: target },
            ServerFrame::MemberAdded { room: summary },
        );
    }
    let member = member_of(store, room, person).await?;
    Ok((member, added))
}

/// Why someone stops being a member, which decides the frame their
/// connections get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// They left (the `leave` frame): `left`.
    Left,
    /// Someone — possibly they themselves, over HTTP — removed them:
    /// `member_removed`.
    Removed,
    /// A moderator banned them: `member_removed` with `banned`.
    Banned,
}

/// Ends `target`'s membership of `room`. Owners and moderators (and admins)
/// remove others — a moderator only plain members —; anyone may remove
/// themselves, except from a DM. Every connection of `target`, on every
/// node, stops following the room at once and is told.
pub async fn remove_member(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
    why: Departure,
) -> Result<(), Refusal> {
    let store = &state.store;
    let access = access(store, room, actor).await?;
    if target == actor.id {
        access.check(RoomAction::See)?;
        if access.kind() == RoomKind::Dm {
            // The same refusal as for managing a DM's people.
            access.check(RoomAction::ManageMembers)?;
        }
    } else {
        access.check(RoomAction::ManageMembers)?;
    }
    let not_member = || {
        Refusal::new(
            ErrorCode::NotFound,
            format!("user {target} is not a member of room {room}"),
        )
    };
    let target_role = store
        .standing(room, target)
        .await?
        .and_then(|s| s.role)
        .ok_or_else(not_member)?;
    // A moderator removes plain members; removing a moderator or an owner
    // takes an owner (or an admin).
    let outranks = actor.role == Role::Admin || access.role() == Some(RoomRole::Owner);
    if target != actor.id && target_role >= RoomRole::Moderator && !outranks {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "only the room's owners can remove its moderators and owners",
        ));
    }
    if !store.remove_member(room, target).await? {
        return Err(not_member());
    }
    depart(state, room, target, why);
    Ok(())
}

/// The user leaves `room` (the `leave` frame): ends their membership and
/// stops every connection of theirs following it, each told with `left`.
/// Answers false when there was no membership to end — no such room, not a
/// member, or a DM, whose people are fixed — and then nothing was done.
pub async fn leave(state: &AppState, user: &User, room: RoomId) -> Result<bool, Refusal> {
    let store = &state.store;
    let Some(standing) = store.standing(room, user.id).await? else {
        return Ok(false);
    };
    if standing.role.is_none() || standing.kind == RoomKind::Dm {
        return Ok(false);
    }
    if !store.remove_member(room, user.id).await? {
        return Ok(false);
    }
    depart(state, room, user.id, Departure::Left);
    Ok(true)
}

/// After the membership is gone from the database: the user's connections
/// on every node unfollow the room and get the frame that says why. Stored
/// first, then published, so a `join` racing the removal either sees the
/// membership gone or is subscribed before this arrives (see `chat::join`).
fn depart(state: &AppState, room: RoomId, user: UserId, why: Departure) {
    let frame = match why {
        Departure::Left => ServerFrame::Left { room },
        Departure::Removed => ServerFrame::MemberRemoved {
            room,
            banned: false,
        },
        Departure::Banned => ServerFrame::MemberRemoved { room, banned: true },
    };
    state
        .hub
        .publish(Topic::User { user }, Event::Leave { room, frame });
}

/// Gives `target` another role in `room` (owners and admins), and tells
/// their connections (`member_role`).
pub async fn set_role(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
    role: RoomRole,
) -> Result<RoomMember, Refusal> {
    let store = &state.store;
    check(store, room, actor, RoomAction::SetRoles).await?;
    let not_member = || {
        Refusal::new(
            ErrorCode::NotFound,
            format!("user {target} is not a member of room {room}"),
        )
    };
    if !store.set_member_role(room, target, role).await? {
        return Err(not_member());
    }
    let person = store.user(target).await?.ok_or_else(not_member)?;
    state.hub.publish(
        Topic::User { user: target },
        ServerFrame::MemberRole {
            room,
            user: target,
            role,
        },
    );
    member_of(store, room, person).await
}

/// `person` as a member of `room` — their role and any mute now — the way
/// [`members`] lists them (a mute outlives leaving, so a member added back
/// may still be muted).
async fn member_of(store: &Store, room: RoomId, person: User) -> Result<RoomMember, Refusal> {
    let standing = store.standing(room, person.id).await?;
    let now = Utc::now();
    Ok(RoomMember {
        id: person.id,
        username: person.username,
        role: standing.and_then(|s| s.role).unwrap_or(RoomRole::Member),
        muted_until: standing
            .and_then(|s| s.muted_until)
            .filter(|until| *until > now),
    })
}

/// What [`update_room`] changed, for the caller to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomUpdate {
    pub before: RoomSettings,
    pub after: RoomSettings,
}

/// Renames a room, sets its topic, archives or reopens it (owners,
/// moderators, admins; never a DM), then tells everyone who may list it
/// (`room_updated`: everyone for a public room, its members for a private
/// one). Archiving or reopening also changes, on every node, whether its
/// followers may post.
pub async fn update_room(
    state: &AppState,
    actor: &User,
    room: RoomId,
    change: &UpdateRoom,
) -> Result<RoomUpdate, Refusal> {
    if change.name.is_none() && change.topic.is_none() && change.archived.is_none() {
        return Err(Invalid {
            field: "name",
            problem: "give a name, topic or archived (or several)".into(),
        }
        .into());
    }
    let name = change.name.as_deref().map(RoomName::parse).transpose()?;
    let topic = change.topic.as_deref().map(parse_topic).transpose()?;
    let store = &state.store;
    let access = check(store, room, actor, RoomAction::Configure).await?;
    let before = store
        .room_settings(room)
        .await?
        .ok_or_else(|| no_such_room(room))?;
    let after = store
        .update_room(
            room,
            name.as_ref().map(|n| n.as_str()),
            topic.as_deref(),
            change.archived,
            state.clock.now(),
        )
        .await?
        .ok_or_else(|| no_such_room(room))?;
    let audience = if access.is_public() {
        Topic::All
    } else {
        let members = store.room_members(room).await?;
        Topic::Users {
            users: members.into_iter().map(|m| m.id).collect(),
        }
    };
    let frame = ServerFrame::RoomUpdated(after.clone());
    if before.archived != after.archived {
        state.hub.publish(
            audience,
            Event::Voice {
                room,
                change: VoiceChange::Archived(after.archived),
                frame,
            },
        );
    } else if before != after {
        state.hub.publish(audience, frame);
    }
    Ok(RoomUpdate { before, after })
}

/// A topic as given: trimmed, one line, at most [`MAX_TOPIC_CHARS`].
fn parse_topic(topic: &str) -> Result<String, Invalid> {
    let topic = topic.trim();
    let problem = if topic.chars().count() > MAX_TOPIC_CHARS {
        Some(format!("must be at most {MAX_TOPIC_CHARS} characters"))
    } else if topic.chars().any(char::is_control) {
        Some("must be one line, without control characters".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Invalid {
            field: "topic",
            problem,
        }),
        None => Ok(topic.to_owned()),
    }
}

/// The checks shared by mute and ban: the actor moderates the room, the
/// target exists and is not the actor, and a moderator acts on plain members
/// only (an owner or an admin on anyone). Answers the target.
async fn moderate(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
) -> Result<(Access, User), Refusal> {
    let store = &state.store;
    let access = check(store, room, actor, RoomAction::Moderate).await?;
    if target == actor.id {
        return Err(Invalid {
            field: "user",
            problem: "you cannot mute or ban yourself".into(),
        }
        .into());
    }
    let person = store.user(target).await?.ok_or_else(|| {
        Refusal::from(Invalid {
            field: "user",
            problem: format!("user {target} does not exist"),
        })
    })?;
    let target_role = store.standing(room, target).await?.and_then(|s| s.role);
    let outranks = actor.role == Role::Admin || access.role() == Some(RoomRole::Owner);
    if !outranks && (target_role >= Some(RoomRole::Moderator) || person.role == Role::Admin) {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "only the room's owners can mute or ban its moderators, owners and admins",
        ));
    }
    Ok((access, person))
}

/// Mutes `target` in `room` for `minutes` (1 to [`MAX_MUTE_MINUTES`]): they
/// keep reading it but cannot post, edit or type there until then, on every
/// connection and node at once (`muted` tells them until when). Answers the
/// end of the mute.
pub async fn mute(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
    minutes: i64,
) -> Result<(User, DateTime<Utc>), Refusal> {
    if !(1..=MAX_MUTE_MINUTES).contains(&minutes) {
        return Err(Invalid {
            field: "minutes",
            problem: format!("must be 1 to {MAX_MUTE_MINUTES} (30 days)"),
        }
        .into());
    }
    let (_, person) = moderate(state, actor, room, target).await?;
    // To the second: what PostgreSQL keeps (microseconds) and the frame
    // says then agree, and nobody needs a mute finer than that.
    let until = chrono::SubsecRound::trunc_subsecs(
        state.clock.now() + chrono::Duration::minutes(minutes),
        0,
    );
    state.store.mute(room, target, until, actor.id).await?;
    tell_muted(state, room, target, Some(until));
    Ok((person, until))
}

/// Lifts `target`'s mute in `room` (the same people as [`mute`]). False
/// when they were not muted.
pub async fn unmute(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
) -> Result<bool, Refusal> {
    moderate(state, actor, room, target).await?;
    let lifted = state.store.unmute(room, target).await?;
    if lifted {
        tell_muted(state, room, target, None);
    }
    Ok(lifted)
}

fn tell_muted(state: &AppState, room: RoomId, user: UserId, until: Option<DateTime<Utc>>) {
    state.hub.publish(
        Topic::User { user },
        Event::Voice {
            room,
            change: VoiceChange::Muted(until),
            frame: ServerFrame::Muted { room, until },
        },
    );
}

/// Bans `target` from a public room: their membership ends, every
/// connection of theirs stops following it (`member_removed` with
/// `banned`), and joining it again is refused until [`unban`]. A private
/// room is members only already: remove the member instead.
pub async fn ban(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
) -> Result<RoomBan, Refusal> {
    let (access, person) = moderate(state, actor, room, target).await?;
    if !access.is_public() {
        return Err(Invalid {
            field: "user",
            problem: "a private room is for its members only: remove them instead".into(),
        }
        .into());
    }
    let banned_at = state
        .store
        .ban(room, target, actor.id, state.clock.now())
        .await?;
    depart(state, room, target, Departure::Banned);
    Ok(RoomBan {
        id: person.id,
        username: person.username,
        banned_at,
    })
}

/// Lifts `target`'s ban from `room`; false when there was none. They may
/// join again (they are not made a member).
pub async fn unban(
    state: &AppState,
    actor: &User,
    room: RoomId,
    target: UserId,
) -> Result<bool, Refusal> {
    check(&state.store, room, actor, RoomAction::Moderate).await?;
    Ok(state.store.unban(room, target).await?)
}

/// Who is banned from `room` (for its owners, moderators and admins).
pub async fn bans(state: &AppState, actor: &User, room: RoomId) -> Result<Vec<RoomBan>, Refusal> {
    check(&state.store, room, actor, RoomAction::Moderate).await?;
    Ok(state.store.room_bans(room).await?)
}

/// A room's members and their roles.
pub async fn members(
    state: &AppState,
    actor: &User,
    room: RoomId,
) -> Result<Vec<RoomMember>, Refusal> {
    check(&state.store, room, actor, RoomAction::ListMembers).await?;
    Ok(state.store.room_members(room).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(
        kind: RoomKind,
        visibility: Visibility,
        role: Option<RoomRole>,
        admin: bool,
    ) -> Access {
        Access {
            room: RoomId(1),
            standing: Standing {
                kind,
                visibility,
                role,
                archived: false,
                muted_until: None,
                banned: false,
            },
            admin,
            now: Utc::now(),
        }
    }

    fn code(a: &Access, action: RoomAction) -> Option<ErrorCode> {
        a.check(action).err().map(|r| r.code)
    }

    #[test]
    fn outsiders_of_private_rooms_and_dms_are_told_nothing_exists() {
        use RoomAction::*;
        for (kind, admin) in [
            (RoomKind::Room, false),
            (RoomKind::Dm, false),
            (RoomKind::Dm, true),
        ] {
            let outsider = access(kind, Visibility::Private, None, admin);
            for action in [
                See,
                Join,
                ReadHistory,
                Write,
                Moderate,
                ListMembers,
                ManageMembers,
                SetRoles,
                Configure,
            ] {
                assert_eq!(
                    code(&outsider, action),
                    Some(ErrorCode::NotFound),
                    "{kind:?} admin={admin} {action:?}"
                );
            }
        }
    }

    #[test]
    fn an_admin_manages_a_private_room_without_reading_it() {
        use RoomAction::*;
        let admin = access(RoomKind::Room, Visibility::Private, None, true);
        for action in [
            See,
            ListMembers,
            ManageMembers,
            SetRoles,
            Moderate,
            Configure,
        ] {
            assert!(admin.allows(action), "{action:?}");
        }
        for action in [Join, ReadHistory, Write] {
            assert_eq!(
                code(&admin, action),
                Some(ErrorCode::Forbidden),
                "{action:?}"
            );
        }
    }

    #[test]
    fn room_roles_grant_in_order() {
        use RoomAction::*;
        let private = |role| access(RoomKind::Room, Visibility::Private, Some(role), false);
        let member = private(RoomRole::Member);
        let moderator = private(RoomRole::Moderator);
        let owner = private(RoomRole::Owner);
        for action in [See, Join, ReadHistory, Write, ListMembers] {
            assert!(member.allows(action) && moderator.allows(action) && owner.allows(action));
        }
        assert_eq!(code(&member, ManageMembers), Some(ErrorCode::Forbidden));
        assert_eq!(code(&member, Moderate), Some(ErrorCode::Forbidden));
        assert!(moderator.allows(ManageMembers) && moderator.allows(Moderate));
        assert_eq!(code(&moderator, SetRoles), Some(ErrorCode::Forbidden));
        assert!(owner.allows(SetRoles));
    }

    #[test]
    fn public_rooms_are_open_but_their_history_is_for_members() {
        use RoomAction::*;
        let passer_by = access(RoomKind::Room, Visibility::Public, None, false);
        assert!(passer_by.allows(See) && passer_by.allows(Join) && passer_by.allows(Write));
        assert_eq!(code(&passer_by, ReadHistory), Some(ErrorCode::Forbidden));
        assert_eq!(code(&passer_by, ManageMembers), Some(ErrorCode::Forbidden));
    }

    #[test]
    fn a_dms_people_are_fixed_even_for_admins_in_it() {
        use RoomAction::*;
        let me = access(
            RoomKind::Dm,
            Visibility::Private,
            Some(RoomRole::Member),
            true,
        );
        assert!(me.allows(Join) && me.allows(ReadHistory) && me.allows(ListMembers));
        for action in [Moderate, ManageMembers, SetRoles, Configure] {
            assert_eq!(code(&me, action), Some(ErrorCode::Forbidden), "{action:?}");
        }
    }

    #[test]
    fn moderators_configure_rooms_and_members_do_not() {
        use RoomAction::*;
        let public = |role| access(RoomKind::Room, Visibility::Public, role, false);
        assert!(public(Some(RoomRole::Moderator)).allows(Configure));
        assert!(public(Some(RoomRole::Owner)).allows(Configure));
        assert_eq!(
            code(&public(Some(RoomRole::Member)), Configure),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(code(&public(None), Configure), Some(ErrorCode::Forbidden));
        assert!(access(RoomKind::Room, Visibility::Public, None, true).allows(Configure));
    }

    #[test]
    fn archived_rooms_and_muted_members_are_read_but_not_written() {
        use RoomAction::*;
        let mut member = access(
            RoomKind::Room,
            Visibility::Public,
            Some(RoomRole::Member),
            false,
        );
        member.standing.archived = true;
        assert!(member.allows(Join) && member.allows(ReadHistory));
        assert_eq!(code(&member, Write), Some(ErrorCode::RoomArchived));
        assert!(may_post(member.room, member.voice(), member.now).is_err());
        member.standing.archived = false;
        member.standing.muted_until = Some(member.now + chrono::Duration::minutes(5));
        assert!(member.allows(ReadHistory));
        assert_eq!(code(&member, Write), Some(ErrorCode::Muted));
        assert_eq!(
            may_post(member.room, member.voice(), member.now)
                .err()
                .map(|r| r.code),
            Some(ErrorCode::Muted)
        );
        member.standing.muted_until = Some(member.now - chrono::Duration::seconds(1));
        assert!(member.allows(Write), "a mute that has run out is over");
        assert!(may_post(member.room, member.voice(), member.now).is_ok());
        // An outsider of a private archived room still learns nothing.
        let mut outsider = access(RoomKind::Room, Visibility::Private, None, false);
        outsider.standing.archived = true;
        assert_eq!(code(&outsider, Write), Some(ErrorCode::NotFound));
    }

    #[test]
    fn a_banned_user_sees_a_public_room_but_cannot_join_it() {
        use RoomAction::*;
        let mut banned = access(RoomKind::Room, Visibility::Public, None, false);
        banned.standing.banned = true;
        assert!(banned.allows(See));
        assert_eq!(code(&banned, Join), Some(ErrorCode::Forbidden));
    }

    #[test]
    fn a_join_keeps_the_stricter_voice() {
        let now = Utc::now();
        let mut v = Voice {
            archived: false,
            muted_until: Some(now + chrono::Duration::minutes(1)),
        };
        v.merge(Voice {
            archived: true,
            muted_until: None,
        });
        assert!(v.archived);
        assert_eq!(v.muted_until, Some(now + chrono::Duration::minutes(1)));
        v.apply(VoiceChange::Muted(None));
        v.apply(VoiceChange::Archived(false));
        assert_eq!(v, Voice::default());
    }
}
