//! The store's contract, run against SQLite and PostgreSQL alike: each backend
//! gets a fresh database and the same checks.

use app::protocol::{ChangeId, MessageId, Role, RoomId, Visibility};
use chrono::{Duration, Utc};
use switchboard::store::{Change, NewMessage, RoomPage, Store, StoreError};

fn every_room() -> RoomPage {
    RoomPage {
        limit: 200,
        ..RoomPage::default()
    }
}

async fn exercise(store: Store) {
    // Accounts: the first is admin, names are unique regardless of case.
    let ann = store.create_user("Ann", "hash-a").await.unwrap();
    let bob = store.create_user("bob", "hash-b").await.unwrap();
    assert_eq!((ann.role, bob.role), (Role::Admin, Role::Member));
    assert!(matches!(
        store.create_user("ANN", "x").await,
        Err(StoreError::Conflict(_))
    ));
    let (found, hash) = store.user_with_hash("ann").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (ann.id, "hash-a"));
    assert_eq!(
        store
            .set_role(bob.id, Role::Agent)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Agent
    );
    assert_eq!(store.admin_count().await.unwrap(), 1);
    assert_eq!(store.list_users().await.unwrap().len(), 2);

    // Sessions expire.
    store
        .create_session(
            "live",
            ann.id,
            Utc::now() + Duration::hours(1),
            &Default::default(),
        )
        .await
        .unwrap();
    store
        .create_session(
            "dead",
            ann.id,
            Utc::now() - Duration::seconds(1),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.session_user("live").await.unwrap().unwrap().id,
        ann.id
    );
    assert!(store.session_user("dead").await.unwrap().is_none());
    store.delete_session("live").await.unwrap();
    assert!(store.session_user("live").await.unwrap().is_none());

    // Rooms and membership.
    let general = store
        .create_room("General", ann.id, Visibility::Public)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_room("general", bob.id, Visibility::Public)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.is_member(general.id, ann.id).await.unwrap());
    assert!(!store.is_member(general.id, bob.id).await.unwrap());
    store.join_room(general.id, bob.id).await.unwrap();
    store.join_room(general.id, bob.id).await.unwrap(); // idempotent
    assert!(store.room_exists(general.id).await.unwrap());
    assert!(!store.room_exists(RoomId(424242)).await.unwrap());

    // Messages: batch insert in order, dedupe by (author, client_id).
    let msg = |author: &app::protocol::User, cid: &str| NewMessage {
        room: general.id,
        author: author.id,
        author_name: author.username.clone(),
        body: format!("body {cid}"),
        client_id: cid.into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    };
    let stored = store
        .insert_messages(&[
            msg(&ann, "a1"),
            msg(&ann, "a2"),
            msg(&bob, "a1"),
            msg(&ann, "a1"),
        ])
        .await
        .unwrap();
    assert!(stored[0].fresh && stored[1].fresh && stored[2].fresh && !stored[3].fresh);
    assert!(
        stored[0].message.id < stored[1].message.id && stored[1].message.id < stored[2].message.id
    );
    assert_eq!(
        stored[3].message.id, stored[0].message.id,
        "a repeat returns the first"
    );
    let ids: Vec<MessageId> = stored[..3].iter().map(|s| s.message.id).collect();

    let after = store.messages_after(general.id, ids[0], 10).await.unwrap();
    assert_eq!(
        after.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[1..].to_vec()
    );
    let before = store
        .messages_before(general.id, Some(ids[2]), 10)
        .await
        .unwrap();
    assert_eq!(
        before.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    let newest = store.messages_before(general.id, None, 2).await.unwrap();
    assert_eq!(
        newest.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[1..].to_vec()
    );
    assert_eq!(newest[1].author, "bob");

    // Unread: others' messages after the marker.
    let rooms = store.list_rooms(&bob, &every_room()).await.unwrap();
    assert_eq!(
        (rooms[0].unread, rooms[0].last_message_id),
        (2, Some(ids[2]))
    );
    store.mark_read(general.id, bob.id, ids[1]).await.unwrap();
    store.mark_read(general.id, bob.id, ids[0]).await.unwrap(); // never backwards
    assert_eq!(
        store
            .room_summary(general.id, &bob)
            .await
            .unwrap()
            .unwrap()
            .unread,
        0
    );
    assert_eq!(
        store
            .room_summary(general.id, &ann)
            .await
            .unwrap()
            .unwrap()
            .unread,
        1
    );
    // Mentions: unread ones that say @bob as a whole name, in any case.
    let said = |cid: &str, body: &str| NewMessage {
        body: body.into(),
        ..msg(&ann, cid)
    };
    let talk = store
        .insert_messages(&[
            said("m1", "@Bob can you look?"),
            said("m2", "@bobby is someone else"),
            said("m3", "write to x@bob.com"),
        ])
        .await
        .unwrap();
    let seen = store.room_summary(general.id, &bob).await.unwrap().unwrap();
    assert_eq!((seen.unread, seen.mentions), (3, 1));
    assert_eq!(
        store.list_rooms(&bob, &every_room()).await.unwrap()[0].mentions,
        1
    );
    let newest = talk[2].message.id;
    store.mark_read(general.id, bob.id, newest).await.unwrap();
    let seen = store.room_summary(general.id, &bob).await.unwrap().unwrap();
    assert_eq!((seen.unread, seen.mentions), (0, 0));

    // Edit and delete.
    let (m, author) = store.message(ids[0]).await.unwrap().unwrap();
    assert_eq!((m.body.as_str(), author), ("body a1", ann.id));
    assert_eq!(store.last_change(general.id).await.unwrap(), ChangeId(0));
    let (room, _, change) = store.edit_message(ids[0], "edited").await.unwrap().unwrap();
    assert_eq!((room, change), (general.id, ChangeId(1)));
    let (m, _) = store.message(ids[0]).await.unwrap().unwrap();
    assert!(m.edited_at.is_some() && m.body == "edited");
    let deleted = store.delete_message(ids[0]).await.unwrap().unwrap();
    assert_eq!((deleted.room, deleted.change), (general.id, ChangeId(2)));
    assert!(deleted.replies.is_empty() && deleted.thread.is_none());
    assert!(store.message(ids[0]).await.unwrap().is_none());
    // Gone: neither edited nor deleted again, and no change id is used up.
    assert!(store.edit_message(ids[0], "again").await.unwrap().is_none());
    assert!(store.delete_message(ids[0]).await.unwrap().is_none());
    store.edit_message(ids[1], "one").await.unwrap();
    store.edit_message(ids[1], "two").await.unwrap();
    assert_eq!(store.last_change(general.id).await.unwrap(), ChangeId(4));
    // The replay: each message once, at its newest change, in change order;
    // only messages up to `up_to`, only changes after `after`.
    let changes = store
        .changes_after(general.id, ChangeId(0), ids[2], 10)
        .await
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0],
        Change::Deleted {
            change: ChangeId(2),
            room: general.id,
            id: ids[0]
        }
    );
    match &changes[1] {
        Change::Edited { change, message } => {
            assert_eq!((*change, message.id), (ChangeId(4), ids[1]));
            assert_eq!(message.body, "two");
            assert!(message.edited_at.is_some());
        }
        other => panic!("expected an edit, got {other:?}"),
    }
    // Counted, capped, with the same conditions (a resume decides by it).
    let count = |after, up_to, cap| store.count_changes_after(general.id, after, up_to, cap);
    assert_eq!(count(ChangeId(0), ids[2], 10).await.unwrap(), 2);
    assert_eq!(count(ChangeId(0), ids[2], 1).await.unwrap(), 1);
    assert_eq!(count(ChangeId(2), ids[2], 10).await.unwrap(), 1);
    assert_eq!(count(ChangeId(4), ids[2], 10).await.unwrap(), 0);
    let later = store.changes_after(general.id, ChangeId(2), ids[2], 10);
    assert_eq!(later.await.unwrap().len(), 1);
    let below = store.changes_after(general.id, ChangeId(0), ids[0], 10);
    assert_eq!(below.await.unwrap().len(), 1);
    let capped = store.changes_after(general.id, ChangeId(0), ids[2], 1);
    assert_eq!(capped.await.unwrap().len(), 1);
    assert!(store
        .changes_after(general.id, ChangeId(4), ids[2], 10)
        .await
        .unwrap()
        .is_empty());

    assert!(store.remove_member(general.id, bob.id).await.unwrap());
    let rooms = store.list_rooms(&bob, &every_room()).await.unwrap();
    assert!(!rooms[0].joined && rooms[0].unread == 0);

    // Pages by name (case-insensitively), membership filters and search.
    for name in ["alpha", "Beta_x", "betaxx", "delta"] {
        store
            .create_room(name, ann.id, Visibility::Public)
            .await
            .unwrap();
    }
    store.join_room(general.id, bob.id).await.unwrap();
    let names = |rooms: Vec<app::protocol::RoomSummary>| {
        rooms.into_iter().map(|r| r.name).collect::<Vec<_>>()
    };
    let page = |after: Option<&str>, limit, joined, search: Option<&str>| RoomPage {
        after: after.map(Into::into),
        after_id: None,
        limit,
        joined,
        search: search.map(Into::into),
    };
    let first = store.list_rooms(&bob, &page(None, 2, None, None)).await;
    assert_eq!(names(first.unwrap()), ["alpha", "Beta_x"]);
    let next = store
        .list_rooms(&bob, &page(Some("BETA_X"), 2, None, None))
        .await;
    assert_eq!(names(next.unwrap()), ["betaxx", "delta"]);
    let last = store
        .list_rooms(&bob, &page(Some("delta"), 2, None, None))
        .await;
    assert_eq!(names(last.unwrap()), ["General"]);
    let joined = store
        .list_rooms(&bob, &page(None, 10, Some(true), None))
        .await;
    assert_eq!(names(joined.unwrap()), ["General"]);
    let others = store
        .list_rooms(&bob, &page(None, 10, Some(false), None))
        .await;
    assert_eq!(others.unwrap().len(), 4);
    // `_` is a letter here, not LIKE's wildcard.
    let found = store
        .list_rooms(&bob, &page(None, 10, None, Some("TA_")))
        .await;
    assert_eq!(names(found.unwrap()), ["Beta_x"]);

    // A retry stored in an earlier batch, between new ones (at the end, in
    // a room of its own, so the checks above stay as they are): the new ones
    // in order after everything before, the retry with its first id.
    let other = store
        .create_room("Other", ann.id, Visibility::Public)
        .await
        .unwrap();
    let elsewhere = |author: &app::protocol::User, cid: &str| NewMessage {
        room: other.id,
        ..msg(author, cid)
    };
    let later = store
        .insert_messages(&[
            elsewhere(&ann, "b1"),
            elsewhere(&ann, "a2"),
            elsewhere(&bob, "b1"),
        ])
        .await
        .unwrap();
    assert!(later[0].fresh && !later[1].fresh && later[2].fresh);
    assert_eq!(later[1].message.id, ids[1]);
    assert_eq!(
        later[1].message.room, general.id,
        "the stored one, where it was sent"
    );
    assert!(ids[2] < later[0].message.id && later[0].message.id < later[2].message.id);
    assert_eq!(later[2].message.author, "bob");

    // Ingest's writer stores the same way, on a connection of its own; on
    // SQLite it leaves the fsync to its caller. What it commits, every other
    // connection reads at once.
    let mut writer = store.message_writer();
    let written = writer
        .insert_messages(&[elsewhere(&bob, "w1"), elsewhere(&ann, "a2")])
        .await
        .unwrap();
    assert_eq!(
        written.unsynced.is_some(),
        store.backend_name() == "sqlite",
        "only SQLite's commits wait for a sync"
    );
    if let Some(wal) = &written.unsynced {
        wal.sync().unwrap();
    }
    assert!(written.stored[0].fresh && !written.stored[1].fresh);
    assert_eq!(
        written.stored[1].message.id, ids[1],
        "a repeat returns the first"
    );
    let seen = store
        .messages_after(other.id, later[2].message.id, 10)
        .await
        .unwrap();
    assert_eq!(
        seen.iter().map(|m| m.id).collect::<Vec<_>>(),
        [written.stored[0].message.id]
    );
    drop(writer);
    store.close().await;
}

#[tokio::test]
async fn store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/store.db", dir.path().display()))
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "sqlite");
    exercise(store).await;
}

/// Ingest's writer never checkpoints the WAL itself (a commit that did
/// waited for it): a task beside it does, so the WAL stays short however
/// long the writer writes.
#[tokio::test]
async fn the_message_writer_s_wal_is_checkpointed_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/wal.db", dir.path().display()))
        .await
        .unwrap();
    let ann = store.create_user("ann", "h").await.unwrap();
    let room = store
        .create_room("general", ann.id, Visibility::Public)
        .await
        .unwrap();
    let mut writer = store.message_writer();
    let wal = dir.path().join("wal.db-wal");
    let mut longest = 0;
    // Each commit writes about 13 pages (53 KiB): 3,000 of them, never
    // checkpointed or never started over, would make a WAL of 110 MiB; it
    // starts over past 32 MiB.
    for i in 0..3000 {
        let m = NewMessage {
            room: room.id,
            author: ann.id,
            author_name: "ann".into(),
            body: format!("message number {i} with a few words to index"),
            client_id: format!("c{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        };
        let written = writer.insert_messages(&[m]).await.unwrap();
        written.unsynced.expect("a WAL to sync").sync().unwrap();
        if i % 50 == 0 {
            // Let the checkpointing task run.
            tokio::task::yield_now().await;
        }
        longest = longest.max(std::fs::metadata(&wal).unwrap().len());
    }
    assert!(longest < 48 << 20, "the WAL grew to {longest} bytes");
    assert_eq!(
        store
            .messages_after(room.id, MessageId(0), 5000)
            .await
            .unwrap()
            .len(),
        3000
    );
}

#[tokio::test]
async fn store_on_postgres() {
    let Some(url) = crate::helpers::fresh_postgres_database().await else {
        return;
    };
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.backend_name(), "postgres");
    exercise(store).await;
}

#[tokio::test]
async fn an_unknown_scheme_is_named() {
    let err = Store::connect("mysql://x").await.err().unwrap().to_string();
    assert!(
        err.contains("mysql") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

/// Many first sign-ups at once: exactly one becomes admin.
async fn one_first_admin(store: Store) {
    // Open the pool's connections first, so the sign-ups really overlap.
    let warm = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.admin_count().await })
    });
    for w in warm {
        w.await.unwrap().unwrap();
    }
    let signups = (0..64).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.create_user(&format!("u{i}"), "hash").await })
    });
    let mut admins = 0;
    for s in signups {
        if s.await.unwrap().unwrap().role == Role::Admin {
            admins += 1;
        }
    }
    assert_eq!(admins, 1);
    store.close().await;
}

#[tokio::test]
async fn simultaneous_first_sign_ups_make_one_admin_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/first.db", dir.path().display());
    one_first_admin(Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn simultaneous_first_sign_ups_make_one_admin_on_postgres() {
    let Some(url) = crate::helpers::fresh_postgres_database().await else {
        return;
    };
    one_first_admin(Store::connect(&url).await.unwrap()).await;
}

/// Sign-ups under each admission, and invites: uses, expiry, revocation.
async fn sign_ups_and_invites(store: Store) {
    use app::protocol::{InviteState, Role};
    use switchboard::store::{Admission, SignUpError, SignUpRefusal};
    let now = Utc::now();
    let refused = |r: Result<app::protocol::User, SignUpError>| match r {
        Err(SignUpError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    };
    // The first account needs `may_be_first`, whatever the admission.
    let r = store.sign_up("eve", "h", Admission::Open, false, now).await;
    assert_eq!(refused(r), SignUpRefusal::SetupRequired);
    assert!(!store.has_users().await.unwrap(), "nothing was written");
    let ann = store
        .sign_up("ann", "h", Admission::Closed, true, now)
        .await
        .unwrap();
    assert_eq!(ann.role, Role::Admin);
    assert!(store.has_users().await.unwrap());

    // Later ones follow the admission.
    let r = store
        .sign_up("bob", "h", Admission::Closed, true, now)
        .await;
    assert_eq!(refused(r), SignUpRefusal::Closed);
    let r = store
        .sign_up("bob", "h", Admission::Invite(None), true, now)
        .await;
    assert_eq!(refused(r), SignUpRefusal::InviteRequired);
    let agent = store
        .sign_up("bob", "h", Admission::ByAdmin(Role::Agent), false, now)
        .await
        .unwrap();
    assert_eq!(agent.role, Role::Agent);

    // An invite for two, valid for an hour.
    let invite = store
        .create_invite("digest-2", 2, now + Duration::hours(1), ann.id, now)
        .await
        .unwrap();
    assert_eq!((invite.uses, invite.state), (0, InviteState::Valid));
    assert_eq!(invite.created_by.as_deref(), Some("ann"));
    let with = Admission::Invite(Some("digest-2"));
    // A taken name rolls the use back.
    assert!(matches!(
        store.sign_up("BOB", "h", with, true, now).await,
        Err(SignUpError::Store(StoreError::Conflict(_)))
    ));
    for name in ["carol", "dave"] {
        let u = store.sign_up(name, "h", with, true, now).await.unwrap();
        assert_eq!(u.role, Role::Member);
    }
    let r = store.sign_up("erin", "h", with, true, now).await;
    assert_eq!(refused(r), SignUpRefusal::Invite(InviteState::UsedUp));
    assert_eq!(
        store.invite_state("digest-2", now).await.unwrap(),
        InviteState::UsedUp
    );
    let r = store
        .sign_up("erin", "h", Admission::Invite(Some("nope")), true, now)
        .await;
    assert_eq!(refused(r), SignUpRefusal::Invite(InviteState::Unknown));

    // Expiry is read against the given time.
    let later = store
        .create_invite("digest-t", 5, now + Duration::hours(1), ann.id, now)
        .await
        .unwrap();
    let after = now + Duration::hours(2);
    let timed = Admission::Invite(Some("digest-t"));
    let r = store.sign_up("erin", "h", timed, true, after).await;
    assert_eq!(refused(r), SignUpRefusal::Invite(InviteState::Expired));
    assert_eq!(
        store.invite_state("digest-t", after).await.unwrap(),
        InviteState::Expired
    );
    // Revoked beats everything, and twice keeps the first time.
    let revoked = store.revoke_invite(later.id, now).await.unwrap().unwrap();
    assert_eq!(revoked.state, InviteState::Revoked);
    let again = store
        .revoke_invite(later.id, now + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.revoked_at, revoked.revoked_at);
    let r = store.sign_up("erin", "h", timed, true, now).await;
    assert_eq!(refused(r), SignUpRefusal::Invite(InviteState::Revoked));
    assert!(store
        .revoke_invite(app::protocol::InviteId(9999), now)
        .await
        .unwrap()
        .is_none());

    let listed = store.list_invites(now).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![later.id, invite.id],
        "newest first"
    );
    assert_eq!(listed[1].uses, 2);

    // Many sign-ups race for one single-use invite: one wins.
    store
        .create_invite("digest-1", 1, now + Duration::hours(1), ann.id, now)
        .await
        .unwrap();
    let racers = (0..32).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .sign_up(
                    &format!("racer{i}"),
                    "h",
                    Admission::Invite(Some("digest-1")),
                    true,
                    Utc::now(),
                )
                .await
        })
    });
    let mut won = 0;
    for r in racers {
        match r.await.unwrap() {
            Ok(_) => won += 1,
            Err(SignUpError::Refused(SignUpRefusal::Invite(InviteState::UsedUp))) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    store.close().await;
}

#[tokio::test]
async fn sign_ups_and_invites_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/invites.db", dir.path().display());
    sign_ups_and_invites(Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn sign_ups_and_invites_on_postgres() {
    let Some(url) = crate::helpers::fresh_postgres_database().await else {
        return;
    };
    sign_ups_and_invites(Store::connect(&url).await.unwrap()).await;
}
