//! Attachments, on SQLite and on PostgreSQL: an upload is its uploader's
//! until sent, then its message's readers' and nobody else's; what a file is
//! comes from its bytes; only safe pictures are served inline; deleting the
//! message deletes the file; visitors and agents send each other files; two
//! nodes sharing a directory serve each other's uploads.

use crate::helpers::*;
use crate::support::{agent_online, make_agent, visitor, visitor_cookie};
use app::protocol::{
    ClientFrame, ConversationId, FileId, FileInfo, RoomId, ServerFrame, SupportMessage,
    VISITOR_TOKEN_HEADER,
};
use std::time::Duration;

on_both_databases!(files_go_to_the_rooms_readers_and_nobody_else);
on_both_databases!(what_a_file_is_comes_from_its_bytes_and_decides_how_it_is_served);
on_both_databases!(visitors_and_agents_send_each_other_files);

/// A PNG of `w` × `h` pixels.
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let picture = image::RgbaImage::from_pixel(w, h, image::Rgba([10, 120, 200, 255]));
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A `multipart/form-data` body with one field `field` holding `bytes`
/// named `name`; returns the content type and the body.
fn multipart(field: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----switchboard-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
             filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `POST /api/files` with `auth` applied (a bearer token or a cookie).
async fn upload_as(
    app: &TestApp,
    auth: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (content_type, body) = multipart("file", name, bytes);
    auth(app.http.post(app.url("/api/files")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> FileInfo {
    let resp = upload_as(app, |r| r.bearer_auth(token), name, bytes).await;
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(status, 201, "upload {name}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn send(room: RoomId, body: &str, cid: &str, files: &[&FileInfo]) -> ClientFrame {
    ClientFrame::Send {
        room,
        body: body.into(),
        client_id: cid.into(),
        files: files.iter().map(|f| f.id.clone()).collect(),
        thread: None,
        also_in_room: false,
    }
}

/// The `error` frame answering `cid`.
async fn refusal(c: &mut Client, cid: &str) -> (app::protocol::ErrorCode, String) {
    match c
        .recv_until(|f| matches!(f, ServerFrame::Error(e) if e.client_id.as_deref() == Some(cid)))
        .await
    {
        ServerFrame::Error(e) => (e.code, e.message),
        _ => unreachable!(),
    }
}

async fn files_go_to_the_rooms_readers_and_nobody_else(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;

    let shot = upload(app, &ann.token, "screen shot.png", &png(800, 400)).await;
    assert_eq!(shot.content_type, "image/png");
    assert_eq!((shot.width, shot.height), (Some(800), Some(400)));
    assert_eq!(shot.url, format!("/api/files/{}", shot.id));
    let thumb_url = shot
        .thumbnail_url
        .clone()
        .expect("a picture has a thumbnail");

    // Before it is sent it is ann's alone.
    assert_eq!(get(app, &shot.url, &ann.token).await.status(), 200);
    assert_eq!(get(app, &shot.url, &bob.token).await.status(), 404);

    // Sent with no text: the room gets the message with the file.
    a.send(&send(room, "", "f1", &[&shot])).await;
    let live = match b
        .recv_until(
            |f| matches!(f, ServerFrame::Message(m) if m.client_id.is_none() || m.author == "ann"),
        )
        .await
    {
        ServerFrame::Message(m) => m,
        _ => unreachable!(),
    };
    assert_eq!(live.body, "");
    assert_eq!(live.files, vec![shot.clone()]);

    // Now the room's readers get it; a non-member does not.
    let resp = get(app, &shot.url, &bob.token).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''screen%20shot.png"),
        "{disposition}"
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png(800, 400));
    let thumb = get(app, &thumb_url, &bob.token).await;
    assert_eq!(thumb.status(), 200);
    let small = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (360, 180));
    assert_eq!(get(app, &shot.url, &carol.token).await.status(), 404);
    assert_eq!(get(app, &thumb_url, &carol.token).await.status(), 404);
    assert_eq!(
        app.http
            .get(app.url(&shot.url))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "nobody logged in"
    );

    // History carries the files.
    let (history, _) = app.connect(&bob.token).await.join(room, None).await;
    assert_eq!(history.last().unwrap().files, vec![shot.clone()]);

    // Search finds it by its file's name, and `has=file` keeps to such messages.
    a.post(room, "screen time is over", "t1").await;
    let bob_token = bob.token.clone();
    let search = |q: &'static str| {
        let token = bob_token.clone();
        async move {
            let path = format!("/api/search?q={q}");
            app.ok::<serde_json::Value>("GET", &path, &token, None)
                .await
        }
    };
    let all = search("screen").await;
    assert_eq!(all["results"].as_array().unwrap().len(), 2, "{all}");
    let with_file = search("screen&has=file").await;
    let results = with_file["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{with_file}");
    assert_eq!(results[0]["message"]["id"], live.id.0);
    assert_eq!(results[0]["message"]["files"][0]["name"], "screen shot.png");
    // An edit keeps it found by its file's name.
    a.send(&ClientFrame::Edit {
        id: live.id,
        body: "look at this".into(),
    })
    .await;
    a.recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await;
    let again = search("screen&has=file").await;
    assert_eq!(
        again["results"][0]["message"]["body"], "look at this",
        "{again}"
    );

    // A file goes with one message; nobody sends someone else's upload.
    a.send(&send(room, "again", "f2", &[&shot])).await;
    let (code, why) = refusal(&mut a, "f2").await;
    assert_eq!(code, app::protocol::ErrorCode::Invalid);
    assert!(why.contains("files:"), "{why}");
    let anns = upload(app, &ann.token, "notes.txt", b"meeting at noon\n").await;
    b.send(&send(room, "mine now", "b1", &[&anns])).await;
    assert_eq!(
        refusal(&mut b, "b1").await.0,
        app::protocol::ErrorCode::Invalid
    );
    // Without files, an empty body is still refused.
    a.send(&send(room, "  ", "f3", &[])).await;
    assert_eq!(
        refusal(&mut a, "f3").await.0,
        app::protocol::ErrorCode::Invalid
    );

    // Deleting the message deletes its file: at once for readers, and the
    // sweep removes its row (and bytes) soon after.
    a.send(&ClientFrame::Delete { id: live.id }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await;
    assert_eq!(get(app, &shot.url, &ann.token).await.status(), 404);
    let store = &app.state.store;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while store.file(&shot.id.0).await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the file was never swept"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn what_a_file_is_comes_from_its_bytes_and_decides_how_it_is_served(app: &TestApp) {
    let ann = app.register("ann").await;
    let bearer = |r: reqwest::RequestBuilder| r.bearer_auth(&ann.token);

    // Text named like a picture is text, and a download.
    let fake = upload(app, &ann.token, "cat.png", b"not a picture at all\n").await;
    assert_eq!(fake.content_type, "text/plain");
    assert!(fake.thumbnail_url.is_none());

    // HTML and SVG are kept, but never served as something a browser runs.
    for (name, bytes, kind) in [
        (
            "page.html",
            &b"<!doctype html><script>alert(1)</script>"[..],
            "text/html",
        ),
        (
            "logo.svg",
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
            "image/svg+xml",
        ),
    ] {
        let f = upload(app, &ann.token, name, bytes).await;
        assert_eq!(f.content_type, kind);
        let resp = get(app, &f.url, &ann.token).await;
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        let disposition = h["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment;"),
            "{name}: {disposition}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
    }

    // A program is not among the accepted types.
    let mut elf = vec![
        0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0,
    ];
    elf.resize(128, 0);
    let resp = upload_as(app, bearer, "tool", &elf).await;
    assert_eq!(resp.status(), 415);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "file");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("application/x-executable"),
        "{body}"
    );

    // A broken picture, an empty file, a missing field.
    let mut broken = png(50, 50);
    broken.truncate(60);
    let resp = upload_as(app, bearer, "broken.png", &broken).await;
    assert_eq!(resp.status(), 422);
    let resp = upload_as(app, bearer, "empty.txt", b"").await;
    assert_eq!(resp.status(), 422);
    let (content_type, body) = multipart("other", "x.txt", b"hello");
    let resp = app
        .http
        .post(app.url("/api/files"))
        .bearer_auth(&ann.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);

    // Over the limit (25 MB by default) while it streams in.
    let big = vec![b'a'; (25 << 20) + 10];
    let resp = upload_as(app, bearer, "big.txt", &big).await;
    assert_eq!(resp.status(), 413);

    // Ids that are not ours, and ids nobody has.
    assert_eq!(
        get(app, "/api/files/../../etc/passwd", &ann.token)
            .await
            .status(),
        404
    );
    let nobody = format!("/api/files/{}", "0".repeat(32));
    assert_eq!(get(app, &nobody, &ann.token).await.status(), 404);
}

/// A visitor's `support.message` for `conversation`, as the agent gets it.
async fn support_message(c: &mut Client, conversation: ConversationId) -> SupportMessage {
    match c
        .recv_until(|f| matches!(f, ServerFrame::SupportMessage(m) if m.conversation == conversation && !m.files.is_empty()))
        .await
    {
        ServerFrame::SupportMessage(m) => m,
        _ => unreachable!(),
    }
}

async fn history(c: &mut Client) -> Vec<SupportMessage> {
    match c
        .recv_until(|f| matches!(f, ServerFrame::SupportHistory(_)))
        .await
    {
        ServerFrame::SupportHistory(h) => h.messages,
        _ => unreachable!(),
    }
}

async fn visitors_and_agents_send_each_other_files(app: &TestApp) {
    let admin = app.register("boss").await;
    let agent = app.register("alice").await;
    let member = app.register("mel").await;
    make_agent(app, &admin.token, agent.user.id).await;
    let mut desk = agent_online(app, &agent.token).await;

    // The visitor uploads with their cookie and opens with the picture alone.
    let cookie = visitor_cookie(app).await;
    let (mut v, _) = visitor(app, &cookie).await;
    let resp = upload_as(
        app,
        |r| r.header("cookie", &cookie),
        "error.png",
        &png(64, 48),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let shot: FileInfo = resp.json().await.unwrap();
    v.send(&ClientFrame::SupportOpen {
        body: String::new(),
        client_id: "open1".into(),
        name: Some("Vic".into()),
        email: None,
        page: None,
        files: vec![shot.id.clone()],
    })
    .await;
    let conversation = match v
        .recv_until(|f| matches!(f, ServerFrame::SupportAck(_)))
        .await
    {
        ServerFrame::SupportAck(a) => a.conversation,
        _ => unreachable!(),
    };
    desk.send(&ClientFrame::SupportJoin {
        conversation,
        since: None,
    })
    .await;
    let opened = history(&mut desk).await;
    assert_eq!(opened[0].files, vec![shot.clone()]);
    assert_eq!(get(app, &shot.url, &agent.token).await.status(), 200);
    assert_eq!(get(app, &shot.url, &member.token).await.status(), 404);
    let other = visitor_cookie(app).await;
    let resp = app
        .http
        .get(app.url(&shot.url))
        .header("cookie", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "another visitor");

    // The agent answers with a PDF; the visitor gets it, with the cookie or
    // with the token the widget uses where cookies are blocked.
    let pdf = upload(
        app,
        &agent.token,
        "invoice.pdf",
        b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n",
    )
    .await;
    assert_eq!(pdf.content_type, "application/pdf");
    desk.send(&ClientFrame::SupportSend {
        conversation,
        body: "Here is your invoice".into(),
        client_id: "a1".into(),
        files: vec![pdf.id.clone()],
    })
    .await;
    let got = support_message(&mut v, conversation).await;
    assert_eq!(got.files, vec![pdf.clone()]);
    let resp = app
        .http
        .get(app.url(&pdf.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let token = cookie.split_once('=').unwrap().1;
    let resp = app
        .http
        .get(app.url(&pdf.url))
        .header(VISITOR_TOKEN_HEADER, token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "by the visitor token");

    // A private note may carry a file too: staff read it; for the visitor,
    // by cookie or token, it does not exist.
    let memo = upload(app, &agent.token, "memo.txt", b"VIP customer\n").await;
    desk.send(&ClientFrame::SupportNote {
        conversation,
        body: "see the memo".into(),
        client_id: "n1".into(),
        files: vec![memo.id.clone()],
    })
    .await;
    let noted = match desk
        .recv_until(|f| matches!(f, ServerFrame::SupportMessage(m) if m.private))
        .await
    {
        ServerFrame::SupportMessage(m) => m,
        _ => unreachable!(),
    };
    assert_eq!(noted.files, vec![memo.clone()]);
    assert_eq!(get(app, &memo.url, &agent.token).await.status(), 200);
    for (name, value) in [("cookie", cookie.as_str()), (VISITOR_TOKEN_HEADER, token)] {
        let resp = app
            .http
            .get(app.url(&memo.url))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "the visitor, by {name}");
    }

    // The conversation's history carries them (the note's not for the visitor).
    let (mut again, _) = visitor(app, &cookie).await;
    again
        .send(&ClientFrame::SupportJoin {
            conversation,
            since: None,
        })
        .await;
    let history = history(&mut again).await;
    let with_files: Vec<Vec<FileId>> = history
        .iter()
        .filter(|m| !m.files.is_empty())
        .map(|m| m.files.iter().map(|f| f.id.clone()).collect())
        .collect();
    assert_eq!(
        with_files,
        vec![vec![shot.id.clone()], vec![pdf.id.clone()]]
    );
}

/// Two nodes on one PostgreSQL database and one shared directory: a file
/// uploaded and sent through one is served by the other.
#[tokio::test]
async fn two_nodes_sharing_a_directory_serve_each_others_files() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    let shared = tempfile::tempdir().unwrap();
    let at = shared.path().display().to_string();
    let one = spawn_app_with(Db::Url(url.clone()), |s| s.files = Some(at.clone())).await;
    let two = spawn_app_with(Db::Url(url), |s| s.files = Some(at.clone())).await;
    let ann = one.register("ann").await;
    let room = one.create_room(&ann.token, "general").await.id;
    let mut a = one.connect(&ann.token).await;
    a.join(room, None).await;
    let f = upload(&one, &ann.token, "plan.txt", b"the plan\n").await;
    a.send(&send(room, "the plan", "p1", &[&f])).await;
    a.recv_until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    let resp = get(&two, &f.url, &ann.token).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "the plan\n");
}

/// A `moto_server` (an S3 look-alike from PyPI, `pip install 'moto[server]'`)
/// on a free port, with an empty bucket; stopped on drop. `None` when it is
/// not installed — a failure when `REQUIRE_S3=1` (as in CI, whose `make
/// tools` installs it).
struct FakeS3 {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for FakeS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn fake_s3(bucket: &str) -> Option<FakeS3> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("REQUIRE_S3").as_deref() != Ok("1"),
                "REQUIRE_S3=1 but moto_server does not start: {e}"
            );
            eprintln!("SKIPPED: moto_server is not installed ({e}); `make tools` installs it");
            return None;
        }
    };
    let s3 = FakeS3 {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(resp) = http.put(format!("{}/{bucket}", s3.endpoint)).send().await {
            assert!(
                resp.status().is_success(),
                "making the bucket: {}",
                resp.status()
            );
            return Some(s3);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "moto_server did not listen in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The S3 store: a server whose `SWITCHBOARD_FILES` is `s3://bucket/prefix`
/// keeps the upload and its thumbnail in the bucket under the prefix,
/// serves them, and removes them with their message.
#[tokio::test]
async fn an_s3_store_keeps_serves_and_removes_files() {
    let Some(s3) = fake_s3("switchboard-files").await else {
        return;
    };
    let server = start_server_binary(&[
        ("SWITCHBOARD_FILES", "s3://switchboard-files/node"),
        ("AWS_ENDPOINT", &s3.endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ])
    .await;
    let http = reqwest::Client::new();
    let ann = register_at(&http, server.addr, "ann").await;
    let base = format!("http://{}", server.addr);
    let (content_type, body) = multipart("file", "chart.png", &png(500, 250));
    let resp = http
        .post(format!("{base}/api/files"))
        .bearer_auth(&ann.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let f: FileInfo = resp.json().await.unwrap();
    let keys = || async {
        http.get(format!("{}/switchboard-files?list-type=2", s3.endpoint))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let listed = keys().await;
    let fan = &f.id.0[..2];
    assert!(
        listed.contains(&format!("<Key>node/{fan}/{}</Key>", f.id)),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("<Key>node/{fan}/{}.thumb.png</Key>", f.id)),
        "{listed}"
    );
    let got = http
        .get(format!("{base}{}", f.url))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), png(500, 250));
    let thumb = http
        .get(format!("{base}{}", f.thumbnail_url.as_deref().unwrap()))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);

    // Sent and deleted: the sweep empties the bucket.
    let room = create_room_at(&http, server.addr, &ann.token, "general").await;
    let mut c = Client::connect(server.addr, &ann.token, None).await;
    c.join(room.id, None).await;
    c.send(&send(room.id, "", "s1", &[&f])).await;
    let id = match c
        .recv_until(|fr| matches!(fr, ServerFrame::Ack { .. }))
        .await
    {
        ServerFrame::Ack { id, .. } => id,
        _ => unreachable!(),
    };
    c.send(&ClientFrame::Delete { id }).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while keys().await.contains("<Key>") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bucket was never emptied"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
