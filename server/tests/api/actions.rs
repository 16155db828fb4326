//! The feature modules' actions called directly, with no socket: a
//! connection here is only an outbox registered with the hub, the way
//! `ws/connection.rs` registers one. What these prove is that the business
//! rules live in `chat` and `support::session`, not in the WebSocket layer.

use crate::helpers::{spawn_app, TestApp, WAIT};
use app::protocol::{
    ConversationStatus, ErrorCode, ServerFrame, SupportAck, SupportAssigned, User,
};
use switchboard::{
    chat::{self, ChatSession},
    hub::{Feed, Outbox},
    support::session::SupportSession,
};

/// A registered user with a hub connection and its feed.
struct Conn {
    user: User,
    outbox: Outbox,
    feed: Feed,
}

async fn signed_in(app: &TestApp, name: &str, session: &str) -> Conn {
    let user = app.register(name).await.user;
    let hub = &app.state.hub;
    let (outbox, feed) = Outbox::new(hub.next_conn_id(), 1024, 4 << 20);
    hub.connect(user.id, &user.username, user.role, session, outbox.clone());
    Conn { user, outbox, feed }
}

/// The next frame on a feed, waiting up to [`WAIT`].
async fn next(feed: &mut Feed) -> ServerFrame {
    let text = tokio::time::timeout(WAIT, feed.recv())
        .await
        .expect("a frame in time")
        .expect("feed open")
        .expect("not lagged");
    serde_json::from_slice(text.payload()).expect("a server frame")
}

async fn next_matching(feed: &mut Feed, pred: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
    loop {
        let f = next(feed).await;
        if pred(&f) {
            return f;
        }
    }
}

#[tokio::test]
async fn chat_actions_store_publish_and_refuse_without_a_socket() {
    let app = spawn_app().await;
    let mut ann = signed_in(&app, "ann", "s-ann").await;
    let mut bob = signed_in(&app, "bob", "s-bob").await;
    let room = app
        .create_room(&app.register("carol").await.token, "lobby")
        .await
        .id;

    let mut ann_chat = ChatSession::new(app.state.clone(), ann.user.clone(), ann.outbox.clone());
    let mut bob_chat = ChatSession::new(app.state.clone(), bob.user.clone(), bob.outbox.clone());
    // Posting before joining is refused, naming the room.
    let refused = ann_chat
        .post(room, "hi", "c-0", &[], None)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotJoined);
    assert_eq!(refused.client_id.as_deref(), Some("c-0"));

    ann_chat.join(room, None, None).await.unwrap();
    bob_chat.join(room, None, None).await.unwrap();
    next_matching(&mut ann.feed, |f| matches!(f, ServerFrame::History { .. })).await;

    ann_chat
        .post(room, "hello bob", "c-1", &[], None)
        .await
        .unwrap();
    let id = match next_matching(&mut ann.feed, |f| matches!(f, ServerFrame::Ack { .. })).await {
        ServerFrame::Ack { id, client_id, .. } => {
            assert_eq!(client_id, "c-1");
            id
        }
        _ => unreachable!(),
    };
    match next_matching(&mut bob.feed, |f| matches!(f, ServerFrame::Message(_))).await {
        ServerFrame::Message(m) => assert_eq!((m.id, m.body.as_str()), (id, "hello bob")),
        _ => unreachable!(),
    }

    // Only the author edits; only the author or an admin deletes.
    let e = chat::edit(&app.state, &bob.user, id, "mine now")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = chat::delete(&app.state, &bob.user, id, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    chat::edit(&app.state, &ann.user, id, "hello, bob")
        .await
        .unwrap();
    match next_matching(&mut bob.feed, |f| matches!(f, ServerFrame::Edited { .. })).await {
        ServerFrame::Edited {
            id: edited, body, ..
        } => assert_eq!((edited, body.as_str()), (id, "hello, bob")),
        _ => unreachable!(),
    }
    let stored = app
        .state
        .store
        .messages_before(room, None, 10)
        .await
        .unwrap();
    assert_eq!(stored.last().map(|m| m.body.as_str()), Some("hello, bob"));
    chat::delete(&app.state, &ann.user, id, None).await.unwrap();
    assert!(matches!(
        next_matching(&mut bob.feed, |f| matches!(f, ServerFrame::Deleted { .. })).await,
        ServerFrame::Deleted { id: gone, .. } if gone == id
    ));
    let e = chat::edit(&app.state, &ann.user, id, "again")
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    app.stop().await;
}

#[tokio::test]
async fn two_agents_claiming_at_once_give_one_assignment() {
    let app = spawn_app().await;
    // The first account is the admin; make two agents.
    let admin = app.register("boss").await;
    let mut agents = Vec::new();
    for name in ["ann", "bob"] {
        let u = app.register(name).await.user;
        app.state
            .store
            .set_role(u.id, app::protocol::Role::Agent)
            .await
            .unwrap();
        let mut u = u;
        u.role = app::protocol::Role::Agent;
        agents.push(u);
    }
    assert_eq!(admin.user.role, app::protocol::Role::Admin);

    // A visitor opens a conversation through the same session type the
    // widget's socket uses.
    let hub = &app.state.hub;
    let (v_out, mut v_feed) = Outbox::new(hub.next_conn_id(), 1024, 4 << 20);
    hub.connect_visitor(v_out.clone());
    let visitor = switchboard::auth::Visitor {
        info: None,
        key: "key-actions-1".into(),
        ip: switchboard::limits::ClientIp(std::net::Ipv4Addr::LOCALHOST.into()),
        user_agent: None,
    };
    let mut v = SupportSession::for_visitor(app.state.clone(), visitor, v_out);
    v.open("my order is late", "v-1", None, None, None, &[])
        .await
        .unwrap();
    let conversation =
        match next_matching(&mut v_feed, |f| matches!(f, ServerFrame::SupportAck { .. })).await {
            ServerFrame::SupportAck(SupportAck { conversation, .. }) => conversation,
            _ => unreachable!(),
        };

    let mut sessions: Vec<SupportSession> = agents
        .iter()
        .map(|a| {
            let (o, _f) = Outbox::new(hub.next_conn_id(), 1024, 4 << 20);
            SupportSession::for_user(app.state.clone(), a.clone(), o)
        })
        .collect();
    let (a, b) = sessions.split_at_mut(1);
    let (ra, rb) = tokio::join!(a[0].claim(conversation), b[0].claim(conversation));
    let outcomes = [ra.map_err(|r| r.code), rb.map_err(|r| r.code)];
    assert_eq!(
        outcomes.iter().filter(|r| r.is_ok()).count(),
        1,
        "exactly one claim wins: {outcomes:?}"
    );
    // The loser hears "just taken" if it looked first, or "not found" if the
    // winner's assignment was committed before it looked.
    assert!(
        outcomes.contains(&Err(ErrorCode::Conflict))
            || outcomes.contains(&Err(ErrorCode::NotFound)),
        "{outcomes:?}"
    );
    let state = app
        .state
        .store
        .conversation_state(conversation)
        .await
        .unwrap()
        .unwrap();
    assert!(state.assignee.is_some());
    // The loser may not resolve what is now someone else's: to them it does
    // not exist.
    let loser = if outcomes[0].is_ok() { 1 } else { 0 };
    let e = sessions[loser]
        .status(conversation, ConversationStatus::Resolved)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    // The visitor heard who took it.
    next_matching(&mut v_feed, |f| {
        matches!(
            f,
            ServerFrame::SupportAssigned(SupportAssigned { agent: Some(_), .. })
        )
    })
    .await;
    app.stop().await;
}
