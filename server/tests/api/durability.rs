//! Nothing acknowledged is lost: across a graceful restart, across `kill -9`,
//! and on PostgreSQL as on SQLite.

use crate::helpers::*;
use app::protocol::{close, MessageId, MessagePage, ServerFrame};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_graceful_restart_says_going_away_and_keeps_every_message() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "restart").await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(a.post(room.id, &format!("m{i}"), &format!("g{i}")).await);
    }
    let url = app.db_url.clone();
    let stopping = tokio::spawn(app.stop());
    let code = loop {
        match tokio::time::timeout(WAIT, a.ws.next()).await.unwrap() {
            Some(Ok(Message::Close(f))) => break f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            other => panic!("expected close, got {other:?}"),
        }
    };
    assert_eq!(code, Some(close::SERVICE_RESTART));
    let _dir = stopping.await.unwrap();

    let app = spawn_app_with(Db::Url(url), |_| {}).await;
    let login: app::protocol::AuthResponse = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "ann", "password": "password123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut c = app.connect(&login.token).await;
    let (replayed, _) = c.join(room.id, Some(ids[9])).await;
    assert_eq!(
        replayed.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[10..].to_vec()
    );
    // Ids keep increasing after a restart.
    let next = c.post(room.id, "after", "after").await;
    assert!(next > *ids.last().unwrap());
}

/// Runs the real binary, acknowledges messages, kills it with SIGKILL right
/// after the last ack, and checks every acknowledged message on restart.
#[tokio::test]
async fn kill_9_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/crash.db", dir.path().display());
    let env = [
        ("DATABASE_URL", db.as_str()),
        ("SWITCHBOARD_RATE_PER_SEC", "100000"),
        ("SWITCHBOARD_RATE_BURST", "100000"),
    ];
    let mut server = start_server_binary(&env).await;
    let addr = server.addr;
    let http = reqwest::Client::new();
    let auth = register_at(&http, addr, "ann").await;
    let room = create_room_at(&http, addr, &auth.token, "crash").await;
    let mut c = Client::connect(addr, &auth.token, None).await;
    c.join(room.id, None).await;
    // Pipeline many sends, so some are in flight when the process dies.
    for i in 0..300 {
        c.send(&app::protocol::ClientFrame::Send {
            room: room.id,
            body: format!("m{i}"),
            client_id: format!("k{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        })
        .await;
    }
    let mut acked: Vec<MessageId> = Vec::new();
    while acked.len() < 150 {
        if let ServerFrame::Ack { id, .. } = c.recv().await {
            acked.push(id);
        }
    }
    server.kill9();

    // The same database (the entry above replaces the fresh one), a new port.
    let server = start_server_binary(&env).await;
    let base = format!("http://{}", server.addr);
    let auth: app::protocol::AuthResponse = http
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": "ann", "password": "password123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut stored = Vec::new();
    let mut before: Option<MessageId> = None;
    loop {
        let mut url = format!("{base}/api/rooms/{}/messages?limit=200", room.id);
        if let Some(b) = before {
            url.push_str(&format!("&before={b}"));
        }
        let page: MessagePage = http
            .get(url)
            .bearer_auth(&auth.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        before = page.messages.first().map(|m| m.id);
        stored.extend(page.messages.iter().map(|m| m.id));
        if !page.more {
            break;
        }
    }
    for id in &acked {
        assert!(stored.contains(id), "acknowledged message {id} was lost");
    }
}

#[tokio::test]
async fn two_users_chat_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let app = spawn_app_with(Db::Url(url), |_| {}).await;
    crate::chat::two_users_chat(&app).await;
}

#[tokio::test]
async fn a_resume_replays_edits_and_deletes_made_while_away_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let app = spawn_app_with(Db::Url(url), |_| {}).await;
    crate::chat::a_resume_replays_edits_and_deletes_made_while_away(&app).await;
}
