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

use crate::{
    hub::{Event, Topic},
    refusal::Refusal,
    state::AppState,
    store::{Standing, Store},
};
use app::{
    protocol::{
        ErrorCode, Role, RoomId, RoomKind, RoomMember, RoomRole, RoomSummary, ServerFrame, User,
        UserId, Visibility, MAX_DM_PEOPLE,
    },
    validate::{Invalid, RoomName},
};
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
}

/// Where one user stands in one room, and what that allows.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub room: RoomId,
    standing: Standing,
    admin: bool,
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

    /// The rule itself (see the module's header).
    pub fn allows(&self, action: RoomAction) -> bool {
        let member = self.standing.role.is_some();
        let dm = self.standing.kind == RoomKind::Dm;
        let public = self.is_public();
        let room_role = self.standing.role;
        match action {
            // Admins see private rooms (to manage them), never others' DMs.
            RoomAction::See => public || member || (self.admin && !dm),
            RoomAction::Join | RoomAction::Write => public || member,
            // As before private rooms: the history is for members.
            RoomAction::ReadHistory => member,
            RoomAction::ListMembers => member || (self.admin && !dm),
            RoomAction::Moderate | RoomAction::ManageMembers => {
                !dm && (self.admin || room_role >= Some(RoomRole::Moderator))
            }
            RoomAction::SetRoles => !dm && (self.admin || room_role == Some(RoomRole::Owner)),
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
        };
        Err(Refusal::new(ErrorCode::Forbidden, why))
    }
}

/// The refusal for a room that does not exist — or that the user may not know
/// exists: the two are answered alike.
pub fn no_such_room(room: RoomId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("room {room} does not exist"))
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
    let role = if added {
        let summary = store
            .room_summary(room, &person)
            .await?
            .ok_or_else(|| no_such_room(room))?;
        state.hub.publish(
            Topic::User { user: target },
            ServerFrame::MemberAdded { room: summary },
        );
        RoomRole::Member
    } else {
        store
            .standing(room, target)
            .await?
            .and_then(|s| s.role)
            .unwrap_or(RoomRole::Member)
    };
    Ok((
        RoomMember {
            id: person.id,
            username: person.username,
            role,
        },
        added,
    ))
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
        Departure::Removed => ServerFrame::MemberRemoved { room },
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
    Ok(RoomMember {
        id: person.id,
        username: person.username,
        role,
    })
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
            },
            admin,
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
        for action in [See, ListMembers, ManageMembers, SetRoles, Moderate] {
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
        for action in [Moderate, ManageMembers, SetRoles] {
            assert_eq!(code(&me, action), Some(ErrorCode::Forbidden), "{action:?}");
        }
    }
}
