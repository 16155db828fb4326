//! The support desk over real WebSockets: routing by load and capacity, queue
//! order, re-routing on a manual clock, availability, visitor isolation,
//! signed identities, private notes, reopening, resume after reconnect for
//! both sides; the visitor cookie and widget; the agents' HTTP API; and the
//! store's contract on SQLite and PostgreSQL.

use crate::helpers::*;
use app::protocol::{
    AgentStatus, AuthorKind, Availability, AwayReason, ClientFrame, ConversationId,
    ConversationRow, ConversationStatus, ErrorCode, ErrorFrame, ServerFrame, SignedIdentity,
    SupportAck, SupportAssigned, SupportAway, SupportHello, SupportHistory, SupportMessage,
    SupportMessageId, SupportStatus, SupportTyping, SystemEvent, UserId, VisitorSession,
};
use chrono::{Duration, SubsecRound, Utc};
use serde_json::json;
use std::sync::Arc;
use switchboard::{
    scheduler::ManualClock,
    store::{ListFilter, MessageKind, NewConversation, NewSupportMessage, Store, StoreError},
    support::identity::sign_identity,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

/// A desk: an admin (the first account) and agents, each with a token.
pub(crate) struct Staff {
    pub admin: String,
    pub agents: Vec<(UserId, String)>,
}

pub(crate) async fn staff(app: &TestApp, agents: &[&str]) -> Staff {
    let admin = app.register("boss").await.token;
    let mut out = Vec::new();
    for name in agents {
        let a = app.register(name).await;
        make_agent(app, &admin, a.user.id).await;
        out.push((a.user.id, a.token));
    }
    Staff { admin, agents: out }
}

/// `PATCH /api/users/{user} {role: "agent"}` as `admin`.
pub(crate) async fn make_agent(app: &TestApp, admin: &str, user: UserId) {
    let path = format!("/api/users/{}", user);
    let resp = app
        .call("PATCH", &path, admin, Some(json!({"role": "agent"})))
        .await;
    assert_eq!(resp.status(), 200);
}

/// A visitor cookie, as `GET /support` issues it.
pub(crate) async fn visitor_cookie(app: &TestApp) -> String {
    let resp = app.http.get(app.url("/support")).send().await.unwrap();
    let set = resp
        .headers()
        .get("set-cookie")
        .expect("GET /support sets the visitor cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    set.split(';').next().unwrap().to_owned()
}

/// The `name=value` of a response's `Set-Cookie`.
pub(crate) fn set_cookie(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("set-cookie")
        .expect("a cookie is set")
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// A visitor's socket: the first frame is `support.hello`.
pub(crate) async fn visitor(app: &TestApp, cookie: &str) -> (Client, Vec<ConversationRow>) {
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("cookie", HeaderValue::from_str(cookie).unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("visitor ws connects");
    let mut c = Client::new(ws);
    match c.recv().await {
        ServerFrame::SupportHello(SupportHello { conversations, .. }) => (c, conversations),
        other => panic!("expected support.hello, got {other:?}"),
    }
}

/// An agent's socket, online and subscribed to the desk.
pub(crate) async fn agent_online(app: &TestApp, token: &str) -> Client {
    let mut c = app.connect(token).await;
    c.send(&ClientFrame::SupportSubscribe {}).await;
    c.recv_until(|f| matches!(f, ServerFrame::SupportDesk { .. }))
        .await;
    set_availability(&mut c, Availability::Online).await;
    c
}

pub(crate) async fn set_availability(c: &mut Client, status: Availability) {
    c.send(&ClientFrame::SupportAvailability { status }).await;
    // Our own status comes back on the desk feed.
    c.recv_until(
        |f| matches!(f, ServerFrame::SupportAgent(AgentStatus { availability, .. }) if *availability == status),
    )
    .await;
}

/// Opens a conversation; returns its id (from the ack).
pub(crate) async fn open(c: &mut Client, body: &str, cid: &str) -> ConversationId {
    c.send(&ClientFrame::SupportOpen {
        body: body.into(),
        client_id: cid.into(),
        name: Some(format!("visitor-{cid}")),
        email: None,
        page: Some("https://shop.example/cart".into()),
        files: Vec::new(),
    })
    .await;
    match c
        .recv_until(|f| {
            matches!(f, ServerFrame::SupportAck(SupportAck { client_id, .. }) if client_id == cid)
                || matches!(f, ServerFrame::Error { .. })
        })
        .await
    {
        ServerFrame::SupportAck(SupportAck { conversation, .. }) => conversation,
        other => panic!("expected support.ack, got {other:?}"),
    }
}

/// Sends a message or note and returns its stored id.
pub(crate) async fn say(c: &mut Client, frame: ClientFrame) -> SupportMessageId {
    let cid = match &frame {
        ClientFrame::SupportSend { client_id, .. } | ClientFrame::SupportNote { client_id, .. } => {
            client_id.clone()
        }
        _ => unreachable!(),
    };
    c.send(&frame).await;
    match c
        .recv_until(|f| {
            matches!(f, ServerFrame::SupportAck(SupportAck { client_id, .. }) if *client_id == cid)
                || matches!(f, ServerFrame::Error { .. })
        })
        .await
    {
        ServerFrame::SupportAck(SupportAck { id, .. }) => id,
        other => panic!("expected support.ack, got {other:?}"),
    }
}

pub(crate) fn send(conversation: ConversationId, body: &str, cid: &str) -> ClientFrame {
    ClientFrame::SupportSend {
        conversation,
        body: body.into(),
        client_id: cid.into(),
        files: Vec::new(),
    }
}

/// The next `support.assigned` for a conversation: the agent's id.
pub(crate) async fn assigned(c: &mut Client, conversation: ConversationId) -> Option<UserId> {
    match c
        .recv_until(|f| matches!(f, ServerFrame::SupportAssigned(SupportAssigned { conversation: x, .. }) if *x == conversation))
        .await
    {
        ServerFrame::SupportAssigned(SupportAssigned { agent, .. }) => agent.map(|a| a.id),
        _ => unreachable!(),
    }
}

pub(crate) async fn join(
    c: &mut Client,
    conversation: ConversationId,
    since: Option<SupportMessageId>,
) -> Vec<SupportMessage> {
    c.send(&ClientFrame::SupportJoin {
        conversation,
        since,
    })
    .await;
    match c
        .recv_until(|f| {
            matches!(f, ServerFrame::SupportHistory(SupportHistory { conversation: x, .. }) if *x == conversation)
                || matches!(f, ServerFrame::Error { .. })
        })
        .await
    {
        ServerFrame::SupportHistory(SupportHistory { messages, .. }) => messages,
        other => panic!("expected support.history, got {other:?}"),
    }
}

pub(crate) async fn expect_error(c: &mut Client, code: ErrorCode) {
    match c
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame {
            code: got, message, ..
        }) => assert_eq!(got, code, "{message}"),
        _ => unreachable!(),
    }
}

pub(crate) async fn queue(app: &TestApp, token: &str) -> Vec<ConversationId> {
    let rows: Vec<ConversationRow> = app
        .ok("GET", "/api/support/conversations?tab=queue", token, None)
        .await;
    rows.into_iter().map(|r| r.id).collect()
}

async fn set_capacity(app: &TestApp, admin: &str, agent: UserId, capacity: i64) {
    let path = format!("/api/support/agents/{agent}");
    let body = json!({ "capacity": capacity });
    let resp = app.call("PATCH", &path, admin, Some(body)).await;
    assert_eq!(resp.status(), 200);
}

async fn routing_by_load_capacity_and_queue_order(db: Db) {
    let app = spawn_app_with(db, |_| {}).await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    set_capacity(&app, &s.admin, ann, 1).await;
    set_capacity(&app, &s.admin, bob, 2).await;
    let mut ann_ws = agent_online(&app, &s.agents[0].1).await;
    let _bob_ws = agent_online(&app, &s.agents[1].1).await;

    let mut visitors = Vec::new();
    let mut convs = Vec::new();
    for i in 0..5 {
        let cookie = visitor_cookie(&app).await;
        let (mut v, _) = visitor(&app, &cookie).await;
        let c = open(&mut v, &format!("help {i}"), &format!("o{i}")).await;
        if i < 3 {
            convs.push((c, assigned(&mut v, c).await));
        } else {
            app.state.desk.settle().await;
            convs.push((c, None));
        }
        visitors.push(v);
    }
    // Both empty: the lower id (ann) first; then ann is full (capacity 1) and
    // bob takes two; then both are full and the rest wait.
    assert_eq!(convs[0].1, Some(ann));
    assert_eq!(convs[1].1, Some(bob));
    assert_eq!(convs[2].1, Some(bob));
    assert_eq!(queue(&app, &s.admin).await, vec![convs[3].0, convs[4].0]);

    // Ann resolves: the oldest queued conversation is hers, the next waits.
    ann_ws
        .send(&ClientFrame::SupportResolve {
            conversation: convs[0].0,
        })
        .await;
    assert_eq!(assigned(&mut visitors[3], convs[3].0).await, Some(ann));
    app.state.desk.settle().await;
    assert_eq!(queue(&app, &s.admin).await, vec![convs[4].0]);
    // Every assignment is a system line in the conversation.
    let history = join(&mut ann_ws, convs[3].0, None).await;
    assert!(history
        .iter()
        .any(|m| m.author_kind == AuthorKind::System && m.body.contains("Assigned to ann")));
    app.stop().await;
}

#[tokio::test]
async fn routing_follows_load_and_capacity_and_the_queue_keeps_arrival_order() {
    routing_by_load_capacity_and_queue_order(Db::Sqlite).await;
}

#[tokio::test]
async fn routing_follows_load_and_capacity_on_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        routing_by_load_capacity_and_queue_order(Db::Url(url)).await;
    }
}

#[tokio::test]
async fn an_unanswered_conversation_is_rerouted_after_the_timeout() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = spawn_app_with_clock(Db::Sqlite, clock.clone(), |s| {
        s.support_reroute = std::time::Duration::from_secs(180);
    })
    .await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    let mut ann_ws = agent_online(&app, &s.agents[0].1).await;
    let mut bob_ws = agent_online(&app, &s.agents[1].1).await;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "anyone?", "o1").await;
    assert_eq!(assigned(&mut v, c).await, Some(ann));

    // Not yet due: nothing moves.
    clock.advance(Duration::seconds(179));
    app.state.desk.settle().await;
    assert!(queue(&app, &s.admin).await.is_empty());
    // Due: back to routing, and to the other agent; ann is told.
    clock.advance(Duration::seconds(2));
    assert_eq!(assigned(&mut v, c).await, None);
    assert_eq!(assigned(&mut v, c).await, Some(bob));
    match ann_ws
        .recv_until(|f| matches!(f, ServerFrame::SupportRerouted { .. }))
        .await
    {
        ServerFrame::SupportRerouted {
            conversation,
            reason,
            seconds,
        } => {
            assert_eq!(conversation, c);
            // English for API clients, the deadline for the UI's own words.
            assert_eq!(reason, "not answered within 3 minutes");
            assert_eq!(seconds, 180);
        }
        _ => unreachable!(),
    }
    // Bob answers in time: no further re-routing.
    bob_ws
        .send(&ClientFrame::SupportJoin {
            conversation: c,
            since: None,
        })
        .await;
    say(&mut bob_ws, send(c, "here!", "b1")).await;
    clock.advance(Duration::seconds(600));
    app.state.desk.settle().await;
    let rows: Vec<ConversationRow> = app
        .ok(
            "GET",
            "/api/support/conversations?tab=mine",
            &s.agents[1].1,
            None,
        )
        .await;
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c]);
    let lines = join(&mut bob_ws, c, None).await;
    assert!(lines
        .iter()
        .any(|m| m.author_kind == AuthorKind::System && m.body.contains("did not answer")));
    app.stop().await;
}

#[tokio::test]
async fn availability_is_shown_to_agents_and_decides_routing() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    let mut ann_ws = agent_online(&app, &s.agents[0].1).await;

    // Bob connects but is away: conversations wait; the visitor is told.
    let mut bob_ws = app.connect(&s.agents[1].1).await;
    bob_ws.send(&ClientFrame::SupportSubscribe {}).await;
    bob_ws
        .recv_until(|f| matches!(f, ServerFrame::SupportDesk { .. }))
        .await;
    set_availability_seen(&mut bob_ws, &mut ann_ws, bob, Availability::Away).await;
    set_availability_seen(&mut ann_ws, &mut bob_ws, ann, Availability::Away).await;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "hello?", "o1").await;
    match v
        .recv_until(|f| matches!(f, ServerFrame::SupportAway { .. }))
        .await
    {
        ServerFrame::SupportAway(SupportAway { reason, .. }) => {
            assert_eq!(reason, AwayReason::NoAgents)
        }
        _ => unreachable!(),
    }
    // The visitor leaves an email address to be answered later.
    v.send(&ClientFrame::SupportContact {
        conversation: c,
        email: "not an address".into(),
        name: None,
    })
    .await;
    expect_error(&mut v, ErrorCode::Invalid).await;
    v.send(&ClientFrame::SupportContact {
        conversation: c,
        email: "vera@home.example".into(),
        name: Some("Vera".into()),
    })
    .await;
    v.recv_until(
        |f| matches!(f, ServerFrame::SupportMessage(m) if m.body.contains("vera@home.example")),
    )
    .await;
    app.state.desk.settle().await;
    assert_eq!(queue(&app, &s.admin).await, vec![c]);
    let d: serde_json::Value = app
        .ok(
            "GET",
            &format!("/api/support/conversations/{c}"),
            &s.admin,
            None,
        )
        .await;
    assert_eq!(d["visitor"]["email"], "vera@home.example");
    assert_eq!(d["row"]["visitor_name"], "Vera");

    // Bob comes online: the queue drains to him.
    set_availability_seen(&mut bob_ws, &mut ann_ws, bob, Availability::Online).await;
    assert_eq!(assigned(&mut v, c).await, Some(bob));

    // Bob's last connection closes: he drops to offline, and ann sees it.
    drop(bob_ws);
    ann_ws
        .recv_until(|f| {
            matches!(f, ServerFrame::SupportAgent(a) if a.id == bob && a.availability == Availability::Offline)
        })
        .await;
    let agents: Vec<AgentStatus> = app
        .ok("GET", "/api/support/agents", &s.agents[0].1, None)
        .await;
    let b = agents.iter().find(|a| a.id == bob).unwrap();
    assert_eq!((b.availability, b.open), (Availability::Offline, 1));
    app.stop().await;
}

/// Sets `who`'s availability on `c` and waits until `other` (a console) sees it.
async fn set_availability_seen(c: &mut Client, other: &mut Client, who: UserId, a: Availability) {
    c.send(&ClientFrame::SupportAvailability { status: a })
        .await;
    other
        .recv_until(
            |f| matches!(f, ServerFrame::SupportAgent(s) if s.id == who && s.availability == a),
        )
        .await;
}

#[tokio::test]
async fn a_visitor_cannot_read_or_write_another_visitors_conversation() {
    let app = spawn_app().await;
    let (mut v1, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let (mut v2, hello) = visitor(&app, &visitor_cookie(&app).await).await;
    assert!(hello.is_empty());
    let c = open(&mut v1, "my secret order", "o1").await;
    v2.send(&ClientFrame::SupportJoin {
        conversation: c,
        since: None,
    })
    .await;
    expect_error(&mut v2, ErrorCode::NotFound).await;
    v2.send(&send(c, "hijack", "x1")).await;
    expect_error(&mut v2, ErrorCode::NotFound).await;
    v2.send(&ClientFrame::SupportTyping { conversation: c })
        .await;
    expect_error(&mut v2, ErrorCode::NotFound).await;
    // Agent frames and chat frames are not for visitors.
    v2.send(&ClientFrame::SupportClaim { conversation: c })
        .await;
    expect_error(&mut v2, ErrorCode::Forbidden).await;
    v2.send(&ClientFrame::SupportSubscribe {}).await;
    expect_error(&mut v2, ErrorCode::Forbidden).await;
    v2.send(&ClientFrame::Join {
        room: app::protocol::RoomId(1),
        since: None,
        changes_since: None,
    })
    .await;
    expect_error(&mut v2, ErrorCode::Forbidden).await;
    // The owner still reads it; nothing of v2's reached it.
    let history = join(&mut v1, c, None).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].body, "my secret order");
    // A forged cookie is no visitor at all.
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "cookie",
        HeaderValue::from_static("sb_visitor=00112233445566778899aabbccddeeff.00"),
    );
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    // Members of the chat have no access to the desk either.
    app.register("boss").await; // the first account is admin
    let member = app.register("mallory").await;
    let mut m = app.connect(&member.token).await;
    m.send(&ClientFrame::SupportJoin {
        conversation: c,
        since: None,
    })
    .await;
    expect_error(&mut m, ErrorCode::Forbidden).await;
    app.stop().await;
}

#[tokio::test]
async fn a_forged_identity_signature_is_rejected_and_a_good_one_verified() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.widget_secret = Some("site-secret".into());
    })
    .await;
    let cookie = visitor_cookie(&app).await;
    let mut identity = SignedIdentity {
        external_id: "cust-42".into(),
        name: Some("Ann Customer".into()),
        email: Some("ann@shop.example".into()),
        ts: Utc::now().timestamp(),
        signature: String::new(),
    };
    let session = |identity: &SignedIdentity| {
        app.http
            .post(app.url("/api/support/session"))
            .header("cookie", &cookie)
            .json(&json!({ "identity": identity }))
            .send()
    };
    for signature in [
        sign_identity("wrong-secret", &identity),
        "not hex".into(),
        String::new(),
    ] {
        identity.signature = signature;
        let resp = session(&identity).await.unwrap();
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_signature");
    }
    // Signed for another name: rejected too.
    identity.signature = sign_identity("site-secret", &identity);
    let mut tampered = identity.clone();
    tampered.name = Some("Eve".into());
    assert_eq!(session(&tampered).await.unwrap().status(), 401);
    // Nothing unverified was recorded as verified.
    let (_, _) = visitor(&app, &cookie).await;
    let resp = session(&identity).await.unwrap();
    assert_eq!(resp.status(), 200);
    // The identity is a new visitor: the cookie changes with it.
    let cookie = set_cookie(&resp);
    let s: VisitorSession = resp.json().await.unwrap();
    assert!(s.verified);
    assert_eq!(s.name.as_deref(), Some("Ann Customer"));
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut c = Client::new(ws);
    match c.recv().await {
        ServerFrame::SupportHello(SupportHello { verified, name, .. }) => {
            assert!(verified);
            assert_eq!(name.as_deref(), Some("Ann Customer"));
        }
        other => panic!("{other:?}"),
    }
    // A typed name never replaces the verified one.
    let conv = open(&mut c, "hi", "o1").await;
    let h = join(&mut c, conv, None).await;
    assert_eq!(h[0].author, "Ann Customer");
    app.stop().await;
}

#[tokio::test]
async fn private_notes_never_reach_the_visitor() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann"]).await;
    let mut ann = agent_online(&app, &s.agents[0].1).await;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "refund please", "o1").await;
    assigned(&mut v, c).await;
    join(&mut ann, c, None).await;
    say(
        &mut ann,
        ClientFrame::SupportNote {
            conversation: c,
            body: "NOTE: customer is on the watch list".into(),
            client_id: "n1".into(),
            files: vec![],
        },
    )
    .await;
    say(&mut ann, send(c, "Looking into it", "a1")).await;
    // The visitor's next message frame is the reply, not the note.
    match v
        .recv_until(|f| matches!(f, ServerFrame::SupportMessage(_)))
        .await
    {
        ServerFrame::SupportMessage(m) => assert_eq!(m.body, "Looking into it"),
        _ => unreachable!(),
    }
    let history = join(&mut v, c, None).await;
    assert!(history
        .iter()
        .all(|m| !m.private && !m.body.contains("NOTE")));
    let from_zero = join(&mut v, c, Some(SupportMessageId(0))).await;
    assert!(from_zero.iter().all(|m| !m.body.contains("NOTE")));
    // Agents see it, marked private.
    let agent_view = join(&mut ann, c, None).await;
    assert!(agent_view
        .iter()
        .any(|m| m.private && m.body.contains("NOTE")));
    // A visitor cannot write notes.
    v.send(&ClientFrame::SupportNote {
        conversation: c,
        body: "x".into(),
        client_id: "vn".into(),
        files: vec![],
    })
    .await;
    expect_error(&mut v, ErrorCode::Forbidden).await;
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_message_reopens_a_resolved_conversation_and_ratings_are_kept() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann"]).await;
    let mut ann = agent_online(&app, &s.agents[0].1).await;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "question", "o1").await;
    assigned(&mut v, c).await;
    // Rating an open conversation is refused.
    v.send(&ClientFrame::SupportRate {
        conversation: c,
        score: 5,
        comment: None,
    })
    .await;
    expect_error(&mut v, ErrorCode::Invalid).await;
    ann.send(&ClientFrame::SupportResolve { conversation: c })
        .await;
    let status = |want: ConversationStatus| move |f: &ServerFrame| matches!(f, ServerFrame::SupportStatus(SupportStatus { status, .. }) if *status == want);
    v.recv_until(status(ConversationStatus::Resolved)).await;
    v.send(&ClientFrame::SupportRate {
        conversation: c,
        score: 4,
        comment: Some("quick".into()),
    })
    .await;
    v.recv_until(|f| matches!(f, ServerFrame::SupportMessage(m) if m.body.contains("4/5")))
        .await;
    // Issue 11.2: a reloaded page learns it was rated, so it does not ask again.
    v.send(&ClientFrame::SupportJoin {
        conversation: c,
        since: None,
    })
    .await;
    match v
        .recv_until(|f| matches!(f, ServerFrame::SupportHistory { .. }))
        .await
    {
        ServerFrame::SupportHistory(SupportHistory { rating, .. }) => {
            let rating = rating.expect("the rating comes with the history");
            assert_eq!(
                (rating.score, rating.comment.as_deref()),
                (4, Some("quick"))
            );
        }
        _ => unreachable!(),
    }
    // Issue 11.3: agents see the score and the comment in the Resolved list.
    let resolved: Vec<ConversationRow> = app
        .ok(
            "GET",
            "/api/support/conversations?tab=resolved",
            &s.agents[0].1,
            None,
        )
        .await;
    let row = resolved.iter().find(|r| r.id == c).expect("listed");
    let rating = row.rating.as_ref().expect("rated");
    assert_eq!(
        (rating.score, rating.comment.as_deref()),
        (4, Some("quick"))
    );
    // The reopening is published before the ack, so wait for it directly.
    v.send(&send(c, "one more thing", "v2")).await;
    v.recv_until(status(ConversationStatus::Open)).await;
    let path = format!("/api/support/conversations/{c}");
    let d: serde_json::Value = app.ok("GET", &path, &s.agents[0].1, None).await;
    assert_eq!(d["row"]["status"], "open");
    assert_eq!(d["rating"]["score"], 4);
    assert!(d["resolved_at"].is_null());
    assert_eq!(d["visitor"]["page"], "https://shop.example/cart");
    assert!(d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["body"].as_str().unwrap().contains("reopened")));
    app.stop().await;
}

#[tokio::test]
async fn both_sides_resume_after_a_reconnect_and_retries_store_once() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann"]).await;
    let mut ann = agent_online(&app, &s.agents[0].1).await;
    let cookie = visitor_cookie(&app).await;
    let (mut v, _) = visitor(&app, &cookie).await;
    let c = open(&mut v, "first", "o1").await;
    assigned(&mut v, c).await;
    // The same open again is the same conversation and message.
    assert_eq!(open(&mut v, "first", "o1").await, c);
    let last_seen = say(&mut v, send(c, "second", "v2")).await;
    assert_eq!(
        say(&mut v, send(c, "second", "v2")).await,
        last_seen,
        "deduplicated"
    );
    drop(v);

    // While the visitor is away, the agent answers twice.
    join(&mut ann, c, None).await;
    let a1 = say(&mut ann, send(c, "answer one", "a1")).await;
    let a2 = say(&mut ann, send(c, "answer two", "a2")).await;

    // Same cookie: the conversation is listed, and `since` replays exactly the gap.
    let (mut v, hello) = visitor(&app, &cookie).await;
    assert_eq!(hello.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c]);
    let missed = join(&mut v, c, Some(last_seen)).await;
    let ids: Vec<_> = missed
        .iter()
        .filter(|m| m.author_kind != AuthorKind::System)
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![a1, a2]);

    // Now the agent drops; the visitor writes; the agent resumes both the
    // desk (snapshot) and the conversation (since).
    drop(ann);
    let v3 = say(&mut v, send(c, "thanks, and…", "v3")).await;
    let mut ann = app.connect(&s.agents[0].1).await;
    ann.send(&ClientFrame::SupportSubscribe {}).await;
    match ann
        .recv_until(|f| matches!(f, ServerFrame::SupportDesk { .. }))
        .await
    {
        ServerFrame::SupportDesk { conversations, .. } => {
            let row = conversations.iter().find(|r| r.id == c).expect("listed");
            assert_eq!(row.unread, 1);
            assert_eq!(row.last_message.as_deref(), Some("thanks, and…"));
        }
        _ => unreachable!(),
    }
    let missed = join(&mut ann, c, Some(a2)).await;
    assert_eq!(missed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![v3]);
    // Typing reaches the other side.
    v.send(&ClientFrame::SupportTyping { conversation: c })
        .await;
    ann.recv_until(|f| {
        matches!(
            f,
            ServerFrame::SupportTyping(SupportTyping {
                kind: AuthorKind::Visitor,
                ..
            })
        )
    })
    .await;
    app.stop().await;
}

/// `/support` (and the widget's iframe) is hydrated by the visitor bundle,
/// other pages by the main one: each HTML names only its own files.
#[tokio::test]
async fn the_support_page_loads_the_visitor_bundle_and_other_pages_the_main_one() {
    let app = spawn_app().await;
    for path in ["/support", "/support?embed=1"] {
        let resp = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("/pkg/visitor.js"), "{path}: {html}");
        // `visitor_bg.wasm` when the server was not built by cargo-leptos
        // (as here): leptos names the file by LEPTOS_OUTPUT_NAME at compile time.
        assert!(
            html.contains("/pkg/visitor.wasm") || html.contains("/pkg/visitor_bg.wasm"),
            "{path}: {html}"
        );
        assert!(!html.contains("/pkg/switchboard.js"), "{path}: {html}");
        // The page itself is rendered, in the visitor's shell.
        assert!(html.contains("visitor-page"), "{path}: {html}");
    }
    for path in ["/login", "/"] {
        let html = app
            .http
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("/pkg/switchboard.js"), "{path}: {html}");
        assert!(!html.contains("/pkg/visitor."), "{path}: {html}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_support_page_sets_the_cookie_and_only_listed_sites_embed_the_widget() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.widget_origins = vec!["https://shop.example".into()];
    })
    .await;
    let resp = app.http.get(app.url("/support")).send().await.unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example"),
        "{csp}"
    );
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("sb_visitor=") && cookie.contains("SameSite=Lax"));
    // Not issued again when present.
    let again = app
        .http
        .get(app.url("/support"))
        .header("cookie", cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_none());

    let js = |referer: &'static str| {
        app.http
            .get(app.url("/widget.js"))
            .header("referer", referer)
            .send()
    };
    let ok = js("https://shop.example/products/1").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("/support?"));
    assert_eq!(js("https://evil.example/").await.unwrap().status(), 403);
    let framed = |referer: &'static str| {
        app.http
            .get(app.url("/support?embed=1"))
            .header("referer", referer)
            .send()
    };
    assert_ne!(framed("https://shop.example/").await.unwrap().status(), 403);
    assert_eq!(framed("https://evil.example/").await.unwrap().status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn the_agents_api_lists_downloads_and_manages_the_desk() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann"]).await;
    let agent = &s.agents[0].1;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "where is my parcel", "o1").await;
    app.state.desk.settle().await;
    assert_eq!(queue(&app, agent).await, vec![c]);
    // Claiming from the queue; the visitor sees who answers.
    let mut ann = app.connect(agent).await;
    ann.send(&ClientFrame::SupportClaim { conversation: c })
        .await;
    assert_eq!(assigned(&mut v, c).await, Some(s.agents[0].0));
    // "all" is for admins.
    let all = "/api/support/conversations?tab=all";
    assert_eq!(app.call("GET", all, agent, None).await.status(), 403);
    assert_eq!(app.call("GET", all, &s.admin, None).await.status(), 200);
    // Transcript download.
    let path = format!("/api/support/conversations/{c}/transcript");
    let t = app.call("GET", &path, agent, None).await;
    assert_eq!(t.status(), 200);
    assert!(t.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let text = t.text().await.unwrap();
    assert!(text.contains("where is my parcel"));
    // Whole seconds, and system lines named as such (issue 11, rough edges).
    let started = text.lines().find(|l| l.starts_with("Started ")).unwrap();
    assert!(
        started.ends_with(" UTC") && !started.contains('.'),
        "{started}"
    );
    assert!(text.contains("(system): "), "{text}");
    assert!(!text.contains("] --:"), "{text}");
    // Canned replies: admins write, agents read.
    let new = json!({"title": "Greeting", "body": "Hello! How can I help?"});
    let post = |token| app.call("POST", "/api/support/canned", token, Some(new.clone()));
    assert_eq!(post(agent).await.status(), 403);
    assert_eq!(post(&s.admin).await.status(), 201);
    let list: Vec<serde_json::Value> = app.ok("GET", "/api/support/canned", agent, None).await;
    assert_eq!(list[0]["title"], "Greeting");
    // Business hours: closed (a holiday today, everywhere) → visitors are told.
    let today = Utc::now().date_naive();
    let hours = json!({
        "zone": "UTC",
        "periods": [{"day": "mon", "from": "09:00", "to": "17:00"}],
        "holidays": [today, today.pred_opt().unwrap(), today.succ_opt().unwrap()],
        "away_message": "We are closed today."
    });
    let put = |body| app.call("PUT", "/api/support/hours", &s.admin, Some(body));
    assert_eq!(put(hours).await.status(), 200);
    assert_eq!(put(json!({"zone": "Nowhere/City"})).await.status(), 422);
    let (mut v2, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c2 = open(&mut v2, "anyone?", "o2").await;
    match v2
        .recv_until(|f| matches!(f, ServerFrame::SupportAway { .. }))
        .await
    {
        ServerFrame::SupportAway(SupportAway {
            conversation,
            reason,
            message,
        }) => {
            assert_eq!((conversation, reason), (c2, AwayReason::Closed));
            assert_eq!(message, "We are closed today.");
        }
        _ => unreachable!(),
    }
    app.state.desk.settle().await;
    assert_eq!(queue(&app, agent).await, vec![c2], "stored and queued");
    app.stop().await;
}

#[tokio::test]
async fn resolved_conversations_page_newest_first_agents_see_their_own() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann", "bob"]).await;
    let ann = s.agents[0].0;
    let (ann_token, bob_token) = (&s.agents[0].1, &s.agents[1].1);
    let mut ann_ws = agent_online(&app, ann_token).await;
    let mut convs = Vec::new();
    for i in 0..3 {
        let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
        let c = open(&mut v, "help", &format!("r{i}")).await;
        assert_eq!(assigned(&mut v, c).await, Some(ann));
        ann_ws
            .send(&ClientFrame::SupportResolve { conversation: c })
            .await;
        v.recv_until(|f| {
            matches!(
                f,
                ServerFrame::SupportStatus(SupportStatus {
                    status: ConversationStatus::Resolved,
                    ..
                })
            )
        })
        .await;
        convs.push(c);
    }
    let page = |token: &str, query: &str| {
        let path = format!("/api/support/conversations?tab=resolved{query}");
        let token = token.to_owned();
        let app = &app;
        async move {
            let rows: Vec<ConversationRow> = app.ok("GET", &path, &token, None).await;
            rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    let (c1, c2, c3) = (convs[0], convs[1], convs[2]);
    assert_eq!(page(ann_token, "&limit=2").await, vec![c3, c2]);
    assert_eq!(
        page(ann_token, &format!("&limit=2&before={c2}")).await,
        vec![c1]
    );
    assert_eq!(page(&s.admin, "").await, vec![c3, c2, c1]);
    assert!(page(bob_token, "").await.is_empty(), "not bob's");
    for bad in ["0", "201", "x"] {
        let path = format!("/api/support/conversations?tab=resolved&limit={bad}");
        let resp = app.call("GET", &path, ann_token, None).await;
        assert_eq!(resp.status(), 400, "limit={bad}");
    }
    let member = app.register("plain").await;
    let path = "/api/support/conversations?tab=resolved";
    let resp = app.call("GET", path, &member.token, None).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn transfers_by_the_assignee_and_assignments_by_admins_are_recorded() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    let mut ann_ws = agent_online(&app, &s.agents[0].1).await;
    let mut bob_ws = app.connect(&s.agents[1].1).await;
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "help", "o1").await;
    assert_eq!(assigned(&mut v, c).await, Some(ann));
    // Bob is not the assignee and not an admin: no transfer, no assign, no
    // claim. Ann's conversation is hers: to bob it does not exist.
    bob_ws
        .send(&ClientFrame::SupportTransfer {
            conversation: c,
            agent: bob,
        })
        .await;
    expect_error(&mut bob_ws, ErrorCode::NotFound).await;
    bob_ws
        .send(&ClientFrame::SupportAssign {
            conversation: c,
            agent: bob,
        })
        .await;
    expect_error(&mut bob_ws, ErrorCode::Forbidden).await;
    bob_ws
        .send(&ClientFrame::SupportClaim { conversation: c })
        .await;
    expect_error(&mut bob_ws, ErrorCode::NotFound).await;
    // Ann transfers to bob; a non-agent target is refused.
    let member = app.register("plain").await;
    ann_ws
        .send(&ClientFrame::SupportTransfer {
            conversation: c,
            agent: member.user.id,
        })
        .await;
    expect_error(&mut ann_ws, ErrorCode::Invalid).await;
    ann_ws
        .send(&ClientFrame::SupportTransfer {
            conversation: c,
            agent: bob,
        })
        .await;
    assert_eq!(assigned(&mut v, c).await, Some(bob));
    // Ann's console hears the row leave her.
    ann_ws
        .recv_until(|f| matches!(f, ServerFrame::SupportConversation(r) if r.id == c && r.assignee.as_ref().map(|a| a.id) == Some(bob)))
        .await;
    // The admin assigns it back to ann.
    let mut admin_ws = app.connect(&s.admin).await;
    admin_ws
        .send(&ClientFrame::SupportAssign {
            conversation: c,
            agent: ann,
        })
        .await;
    assert_eq!(assigned(&mut v, c).await, Some(ann));
    let system: Vec<SupportMessage> = join(&mut admin_ws, c, None)
        .await
        .into_iter()
        .filter(|m| m.author_kind == AuthorKind::System)
        .collect();
    let lines: Vec<&str> = system.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        lines,
        vec![
            "Assigned to ann",
            "ann transferred the conversation to bob",
            "boss transferred the conversation from bob to ann",
        ]
    );
    // Each line also says what happened, so clients can word it in the
    // reader's language, and visitors learn who answers now (issue 11).
    let events: Vec<Option<SystemEvent>> = system.into_iter().map(|m| m.event).collect();
    assert_eq!(
        events,
        vec![
            Some(SystemEvent::Assigned { to: "ann".into() }),
            Some(SystemEvent::Transferred {
                by: "ann".into(),
                from: Some("ann".into()),
                to: "bob".into()
            }),
            Some(SystemEvent::Transferred {
                by: "boss".into(),
                from: Some("bob".into()),
                to: "ann".into()
            }),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_demoted_while_online_leaves_the_desk_at_once() {
    let app = spawn_app().await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    let mut ann_ws = agent_online(&app, &s.agents[0].1).await;
    let mut bob_ws = agent_online(&app, &s.agents[1].1).await;
    // Both are free and ann has the lower id: routing gives her the first one.
    let (mut v1, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c1 = open(&mut v1, "help", "d0").await;
    assert_eq!(assigned(&mut v1, c1).await, Some(ann));
    let path = format!("/api/users/{ann}");
    let demoted = app
        .call("PATCH", &path, &s.admin, Some(json!({"role": "member"})))
        .await;
    assert_eq!(demoted.status(), 200);
    assert_eq!(ann_ws.closed().await, app::protocol::close::ROLE_CHANGED);
    // Other consoles drop her from the agent list.
    let removed = ServerFrame::SupportAgentRemoved { id: ann };
    assert_eq!(bob_ws.recv_until(|f| *f == removed).await, removed);
    // Her conversation goes back to routing, which gives it to bob, and a
    // new one goes to bob too: only he is an agent now.
    assert_eq!(assigned(&mut v1, c1).await, None);
    assert_eq!(assigned(&mut v1, c1).await, Some(bob));
    let history = join(&mut bob_ws, c1, None).await;
    assert!(history.iter().any(|m| m.author_kind == AuthorKind::System
        && m.body == "ann is no longer an agent; back to routing"));
    let (mut v, _) = visitor(&app, &visitor_cookie(&app).await).await;
    let c = open(&mut v, "help", "d1").await;
    assert_eq!(assigned(&mut v, c).await, Some(bob));
    // Ann's new socket is a member's: the desk refuses her.
    let mut ann_ws = app.connect(&s.agents[0].1).await;
    ann_ws.send(&ClientFrame::SupportSubscribe {}).await;
    expect_error(&mut ann_ws, ErrorCode::Forbidden).await;
    // Promoted again: consoles list her at once, offline until she says otherwise.
    let promoted = app
        .call("PATCH", &path, &s.admin, Some(json!({"role": "agent"})))
        .await;
    assert_eq!(promoted.status(), 200);
    bob_ws
        .recv_until(|f| {
            matches!(f, ServerFrame::SupportAgent(a) if a.id == ann && a.availability == Availability::Offline)
        })
        .await;
    assert_eq!(ann_ws.closed().await, app::protocol::close::ROLE_CHANGED);
}

#[tokio::test]
async fn a_restart_keeps_visitors_the_queue_and_reroute_deadlines() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = spawn_app_with_clock(Db::Sqlite, clock.clone(), |_| {}).await;
    let s = staff(&app, &["ann", "bob"]).await;
    let (ann, bob) = (s.agents[0].0, s.agents[1].0);
    let _ann_ws = agent_online(&app, &s.agents[0].1).await;
    let cookie = visitor_cookie(&app).await;
    let (mut v, _) = visitor(&app, &cookie).await;
    let c1 = open(&mut v, "assigned before the restart", "o1").await;
    assert_eq!(assigned(&mut v, c1).await, Some(ann));
    drop(v);
    drop(_ann_ws);
    let url = app.db_url.clone();
    let _dir = app.stop().await;

    let app = spawn_app_with_clock(Db::Url(url), clock.clone(), |_| {}).await;
    // The visitor cookie still works (the secret was kept), with its history.
    let (mut v, hello) = visitor(&app, &cookie).await;
    assert_eq!(hello.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c1]);
    join(&mut v, c1, None).await;
    let _bob_ws = agent_online(&app, &s.agents[1].1).await;
    // The deadline set before the restart still moves it to bob.
    clock.advance(Duration::seconds(181));
    assert_eq!(assigned(&mut v, c1).await, None);
    assert_eq!(assigned(&mut v, c1).await, Some(bob));
    app.stop().await;
}

/// The store's support contract, the same on both backends.
fn ids(rows: Result<Vec<ConversationRow>, StoreError>) -> Vec<ConversationId> {
    rows.unwrap().into_iter().map(|r| r.id).collect()
}

async fn support_store_contract(store: Store) {
    let admin = store.create_user("boss", "h").await.unwrap();
    let ann = store.create_user("ann", "h").await.unwrap();
    // PostgreSQL keeps microseconds.
    let now = Utc::now().trunc_subsecs(6);
    assert_eq!(
        store.visitor_by_key("k1").await.unwrap(),
        None,
        "looking makes no row"
    );
    let v = store.ensure_visitor("k1", now).await.unwrap();
    assert_eq!(store.ensure_visitor("k1", now).await.unwrap().id, v.id);
    assert_eq!(
        store.visitor_by_key("k1").await.unwrap().map(|i| i.id),
        Some(v.id)
    );
    // An identity is its own visitor: made under the fresh key the first
    // time, found (with its own key, name updated) after that.
    let (key, id) = store
        .identify_visitor("ext-1", Some("Ann"), None, "k2", now)
        .await
        .unwrap();
    assert_eq!(key, "k2");
    assert_ne!(id, v.id);
    let (key, again) = store
        .identify_visitor("ext-1", Some("Ann B"), Some("a@b.example"), "k3", now)
        .await
        .unwrap();
    assert_eq!((key.as_str(), again), ("k2", id));
    let info = store.visitor(id).await.unwrap().unwrap();
    assert!(info.verified);
    assert_eq!(info.name.as_deref(), Some("Ann B"));
    assert_eq!(store.visitor_by_key("k3").await.unwrap(), None);
    let new = |cid: &str| NewConversation {
        visitor: v.id,
        client_id: cid.into(),
        name: Some("V".into()),
        email: None,
        verified: false,
        page: None,
        user_agent: None,
        body: format!("body {cid}"),
        files: Vec::new(),
        uploader_key: String::new(),
    };
    assert!(!store.opened_with(v.id, "a").await.unwrap());
    let (c1, m1) = store.open_conversation(&new("a"), "V", now).await.unwrap();
    assert!(store.opened_with(v.id, "a").await.unwrap());
    let (again, m1b) = store.open_conversation(&new("a"), "V", now).await.unwrap();
    assert!(m1.fresh && !m1b.fresh);
    assert_eq!((again, m1b.message.id), (c1, m1.message.id));
    let (c2, _) = store.open_conversation(&new("b"), "V", now).await.unwrap();
    assert_eq!(
        store.queue().await.unwrap(),
        vec![(c1, None), (c2, None)],
        "arrival order"
    );
    // Only one of two assignments of an unassigned conversation wins.
    let deadline = now + Duration::minutes(3);
    assert!(store
        .assign_if_unassigned(c1, ann.id, Some(deadline), now)
        .await
        .unwrap());
    assert!(!store
        .assign_if_unassigned(c1, admin.id, None, now)
        .await
        .unwrap());
    assert_eq!(store.open_loads().await.unwrap()[&ann.id], 1);
    assert_eq!(store.next_reroute().await.unwrap(), Some(deadline));
    // Overdue: taken back once, and the agent is remembered to skip.
    let later = deadline + Duration::seconds(1);
    assert_eq!(store.overdue_conversations(later).await.unwrap(), vec![c1]);
    assert_eq!(store.take_overdue(c1, later).await.unwrap(), Some(ann.id));
    assert_eq!(store.take_overdue(c1, later).await.unwrap(), None);
    assert_eq!(store.queue().await.unwrap()[0], (c1, Some(ann.id)));
    // Messages: dedupe per author and client_id; an agent answer clears the
    // unanswered count and the deadline.
    store
        .assign_if_unassigned(c1, admin.id, Some(deadline), now)
        .await
        .unwrap();
    let msg = |kind, author: Option<UserId>, key: &str, cid: &str| NewSupportMessage {
        conversation: c1,
        kind,
        author_id: author,
        author_name: "x".into(),
        author_key: Some(key.into()),
        client_id: Some(cid.into()),
        body: format!("m {cid}"),
        event: None,
        files: Vec::new(),
        uploader: None,
    };
    let a = store
        .add_support_message(&msg(MessageKind::Visitor, None, "v1", "c"), now)
        .await
        .unwrap();
    let b = store
        .add_support_message(&msg(MessageKind::Visitor, None, "v1", "c"), now)
        .await
        .unwrap();
    assert!(a.fresh && !b.fresh && a.message.id == b.message.id);
    assert_eq!(store.conversation_row(c1).await.unwrap().unwrap().unread, 2);
    store
        .add_support_message(&msg(MessageKind::Note, Some(admin.id), "u1", "n"), now)
        .await
        .unwrap();
    store
        .add_support_message(&msg(MessageKind::Agent, Some(admin.id), "u1", "c"), now)
        .await
        .unwrap();
    let row = store.conversation_row(c1).await.unwrap().unwrap();
    assert_eq!((row.unread, row.waiting_since), (0, None));
    assert_eq!(row.last_message.as_deref(), Some("m c"));
    assert_eq!(
        store
            .conversation_state(c1)
            .await
            .unwrap()
            .unwrap()
            .reroute_at,
        None
    );
    let visible = store.support_messages(c1, None, false, 100).await.unwrap();
    let all = store.support_messages(c1, None, true, 100).await.unwrap();
    assert_eq!((visible.len(), all.len()), (3, 4));
    let after = store
        .support_messages(c1, Some(all[1].id), true, 100)
        .await
        .unwrap();
    assert_eq!(after.len(), 2);
    // Status and lists.
    store
        .set_conversation_status(c1, ConversationStatus::Resolved, None, now)
        .await
        .unwrap();
    assert!(store.open_loads().await.unwrap().is_empty());
    assert!(store
        .list_conversations(ListFilter::Mine(admin.id))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .list_conversations(ListFilter::All)
            .await
            .unwrap()
            .len(),
        2
    );
    // Resolved ones, newest first, paged by id, an agent's own or all.
    assert_eq!(
        ids(store.resolved_conversations(None, None, 10).await),
        vec![c1]
    );
    assert_eq!(
        ids(store.resolved_conversations(Some(admin.id), None, 10).await),
        vec![c1]
    );
    assert!(ids(store.resolved_conversations(Some(ann.id), None, 10).await).is_empty());
    assert!(ids(store.resolved_conversations(None, Some(c1), 10).await).is_empty());
    // Taking the role away returns the agent's unresolved conversations to
    // the queue (c2), not the resolved ones (c1).
    assert!(store
        .assign_if_unassigned(c2, admin.id, Some(deadline), now)
        .await
        .unwrap());
    assert_eq!(store.unassign_all(admin.id, now).await.unwrap(), vec![c2]);
    assert_eq!(store.unassign_all(admin.id, now).await.unwrap(), vec![]);
    let c1_state = store.conversation_state(c1).await.unwrap().unwrap();
    assert_eq!(c1_state.assignee, Some(admin.id));
    assert_eq!(store.queue().await.unwrap(), vec![(c2, None)]);
    store.rate_conversation(c1, 5, Some("great")).await.unwrap();
    let (_, resolved, rating) = store.conversation_times(c1).await.unwrap().unwrap();
    assert!(resolved.is_some());
    assert_eq!(rating.unwrap().score, 5);
    // An unassigned conversation resolved from the queue is in every agent's
    // resolved list (support::access::may_see); another agent's is not.
    store
        .set_conversation_status(c2, ConversationStatus::Resolved, None, now)
        .await
        .unwrap();
    assert_eq!(
        ids(store.resolved_conversations(Some(ann.id), None, 10).await),
        vec![c2]
    );
    // Secrets are made once.
    let s1 = store.secret("k", || "one".into()).await.unwrap();
    let s2 = store.secret("k", || "two".into()).await.unwrap();
    assert_eq!((s1.as_str(), s2.as_str()), ("one", "one"));
    store.set_capacity(ann.id, 3).await.unwrap();
    store.set_capacity(ann.id, 4).await.unwrap();
    assert_eq!(store.capacities().await.unwrap()[&ann.id], 4);
    store.close().await;
}

#[tokio::test]
async fn the_support_store_keeps_its_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/s.db", dir.path().display());
    support_store_contract(Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn the_support_store_keeps_its_contract_on_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        support_store_contract(Store::connect(&url).await.unwrap()).await;
    }
}

#[tokio::test]
async fn announcements_to_visitors_reach_connected_visitors_only() {
    let app = spawn_app().await;
    let staff = staff(&app, &["ann"]).await;
    let cookie = visitor_cookie(&app).await;
    let (mut v, _) = visitor(&app, &cookie).await;
    let mut agent = app.connect(&staff.agents[0].1).await;

    let push = json!({"body": "We are back **online**", "target": {"kind": "visitors"}});
    let resp = app
        .call("POST", "/api/push", &staff.admin, Some(push))
        .await;
    assert_eq!(resp.status(), 201);
    let sent: app::protocol::PushResponse = resp.json().await.unwrap();
    assert_eq!(sent.connections, 1, "one visitor connected");
    match v
        .recv_until(|f| matches!(f, ServerFrame::Announcement(_)))
        .await
    {
        ServerFrame::Announcement(a) => {
            assert_eq!(a.id, sent.id);
            assert!(
                a.body_html.contains("<strong>online</strong>"),
                "{}",
                a.body_html
            );
        }
        _ => unreachable!(),
    }

    // The agent's socket did not get it: the next announcement it sees is one
    // pushed to it afterwards.
    let marker: app::protocol::PushResponse = app
        .call(
            "POST",
            "/api/push",
            &staff.admin,
            Some(json!({"body": "marker", "target": {"kind": "agents"}})),
        )
        .await
        .json()
        .await
        .unwrap();
    match agent
        .recv_until(|f| matches!(f, ServerFrame::Announcement(_)))
        .await
    {
        ServerFrame::Announcement(a) => assert_eq!(a.id, marker.id),
        _ => unreachable!(),
    }
}

on_both_databases!(conversations_are_found_by_visitor_name_email_and_content);

async fn conversations_are_found_by_visitor_name_email_and_content(app: &TestApp) {
    let s = staff(app, &["ann", "bob"]).await;
    let ann = s.agents[0].0;
    let (ann_token, bob_token) = (&s.agents[0].1, &s.agents[1].1);
    let _ann_ws = agent_online(app, ann_token).await;
    let (mut v1, _) = visitor(app, &visitor_cookie(app).await).await;
    let c1 = open(&mut v1, "我的订单没有发货", "s1").await;
    let (mut v2, _) = visitor(app, &visitor_cookie(app).await).await;
    v2.send(&ClientFrame::SupportOpen {
        body: "I would like a Refund please".into(),
        client_id: "s2".into(),
        name: Some("Pat".into()),
        email: Some("pat@example.com".into()),
        page: None,
        files: Vec::new(),
    })
    .await;
    let c2 = match v2
        .recv_until(|f| matches!(f, ServerFrame::SupportAck(_)))
        .await
    {
        ServerFrame::SupportAck(SupportAck { conversation, .. }) => conversation,
        _ => unreachable!(),
    };
    for (v, c) in [(&mut v1, c1), (&mut v2, c2)] {
        assert_eq!(assigned(v, c).await, Some(ann));
    }
    let found = |token: &str, q: &str| {
        let path = format!(
            "/api/support/conversations?tab=search&q={}",
            form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let token = token.to_owned();
        async move {
            let rows: Vec<ConversationRow> = app.ok("GET", &path, &token, None).await;
            rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found(ann_token, "订单").await, vec![c1]);
    assert_eq!(found(ann_token, "REFUND").await, vec![c2]);
    assert_eq!(found(ann_token, "pat@EXAMPLE").await, vec![c2]);
    assert_eq!(found(ann_token, "visitor-s1").await, vec![c1]);
    assert_eq!(found(ann_token, "a").await, vec![c2, c1], "newest first");
    assert!(found(ann_token, "nothing like it").await.is_empty());
    assert!(
        found(ann_token, "100%").await.is_empty(),
        "% is a character"
    );
    // Bob may not see Ann's conversations; an admin sees every one.
    assert!(found(bob_token, "订单").await.is_empty());
    assert_eq!(found(&s.admin, "订单").await, vec![c1]);
    for bad in ["", "%20%20", &"x".repeat(101)] {
        let path = format!("/api/support/conversations?tab=search&q={bad}");
        let resp = app.call("GET", &path, ann_token, None).await;
        assert_eq!(resp.status(), 422, "q={bad}");
    }
    let member = app.register("plain").await;
    let resp = app
        .call(
            "GET",
            "/api/support/conversations?tab=search&q=a",
            &member.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 403);
}
