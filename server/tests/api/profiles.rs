//! Profiles, on SQLite and on PostgreSQL: a display name, a status line and
//! a time zone (checked, cleared with an empty string), avatars resized to
//! 128 px and served with a URL that changes with the picture, and every
//! change reaching other people's open sockets as `profile_updated`.

use crate::helpers::*;
use app::protocol::{Profile, ServerFrame, AVATAR_PX};
use serde_json::json;
use std::io::Cursor;

on_both_databases!(a_profile_changes_how_a_person_shows);
on_both_databases!(an_avatar_is_resized_served_and_replaced);

async fn updated(c: &mut Client, username: &str) -> Profile {
    let f = c
        .recv_until(|f| matches!(f, ServerFrame::ProfileUpdated { profile } if profile.username == username))
        .await;
    match f {
        ServerFrame::ProfileUpdated { profile } => profile,
        _ => unreachable!(),
    }
}

async fn refused(app: &TestApp, token: &str, body: serde_json::Value) -> (u16, String) {
    let resp = app
        .call("PATCH", "/api/me/profile", token, Some(body))
        .await;
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        body["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn a_profile_changes_how_a_person_shows(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let mut bobs_tab = app.connect(&bob.token).await;

    let mine: Profile = app.ok("GET", "/api/me/profile", &ann.token, None).await;
    assert_eq!(
        (mine.username.as_str(), mine.display_name.as_deref()),
        ("ann", None)
    );
    let change =
        json!({"display_name": "  Ann Lee ", "status": "On call", "time_zone": "Europe/Berlin"});
    let after: Profile = app
        .ok("PATCH", "/api/me/profile", &ann.token, Some(change))
        .await;
    assert_eq!(after.display_name.as_deref(), Some("Ann Lee"));
    assert_eq!(after.status.as_deref(), Some("On call"));
    assert_eq!(after.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(after.shown_name(), "Ann Lee");
    // Bob's open page hears of it.
    assert_eq!(updated(&mut bobs_tab, "ann").await, after);

    // Anyone logged in looks people up by login name, in any case.
    let found: Vec<Profile> = app
        .ok(
            "GET",
            "/api/profiles?users=ann,BOB,nobody",
            &bob.token,
            None,
        )
        .await;
    let names: Vec<_> = found.iter().map(|p| p.shown_name()).collect();
    assert_eq!(names, ["Ann Lee", "bob"]);
    assert_eq!(
        app.call("GET", "/api/profiles?users=ann", "", None)
            .await
            .status(),
        401
    );
    let many = (0..101)
        .map(|i| format!("u{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let too_many = app
        .call(
            "GET",
            &format!("/api/profiles?users={many}"),
            &bob.token,
            None,
        )
        .await;
    assert_eq!(too_many.status(), 422);

    // Each bad field is named.
    let long = "x".repeat(65);
    assert_eq!(
        refused(app, &ann.token, json!({"display_name": long})).await,
        (422, "display_name".into())
    );
    assert_eq!(
        refused(app, &ann.token, json!({"status": "a\u{7}b"})).await,
        (422, "status".into())
    );
    assert_eq!(
        refused(app, &ann.token, json!({"time_zone": "Mars/Olympus"})).await,
        (422, "time_zone".into())
    );
    assert_eq!(refused(app, &ann.token, json!({})).await.0, 422);

    // An empty string clears one field; the others stay.
    let cleared: Profile = app
        .ok(
            "PATCH",
            "/api/me/profile",
            &ann.token,
            Some(json!({"status": ""})),
        )
        .await;
    assert_eq!(cleared.status, None);
    assert_eq!(cleared.display_name.as_deref(), Some("Ann Lee"));
    assert_eq!(cleared.time_zone.as_deref(), Some("Europe/Berlin"));
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([20, 120, 200]));
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn put_avatar(app: &TestApp, token: &str, body: Vec<u8>) -> reqwest::Response {
    app.http
        .put(app.url("/api/me/avatar"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn an_avatar_is_resized_served_and_replaced(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let mut bobs_tab = app.connect(&bob.token).await;

    let resp = put_avatar(app, &ann.token, png(300, 200)).await;
    assert_eq!(resp.status(), 200);
    let first: Profile = resp.json().await.unwrap();
    let url = first.avatar.clone().expect("an avatar URL");
    assert!(
        url.starts_with(&format!("/api/avatars/{}?v=", ann.user.id)),
        "{url}"
    );
    assert_eq!(
        updated(&mut bobs_tab, "ann").await.avatar,
        Some(url.clone())
    );

    // Served to anyone, cacheable for good under its versioned URL, as a
    // 128-pixel square PNG of our own encoding.
    let served = app.http.get(app.url(&url)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(served.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let bytes = served.bytes().await.unwrap();
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (AVATAR_PX, AVATAR_PX));

    // What is not a picture is refused by its content, with the field named.
    for body in [b"<svg/>".to_vec(), Vec::new(), png(10, 10)[..30].to_vec()] {
        let resp = put_avatar(app, &ann.token, body).await;
        assert_eq!(resp.status(), 422);
        let error: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(error["error"]["field"], "avatar");
    }
    let huge = put_avatar(app, &ann.token, vec![0u8; 6 * 1024 * 1024]).await;
    assert_eq!(huge.status(), 413);

    // A new picture is a new URL (at once: versions only go up); removing
    // it goes back to initials.
    let second: Profile = put_avatar(app, &ann.token, png(64, 64))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(second.avatar, first.avatar);
    let removed: Profile = app.ok("DELETE", "/api/me/avatar", &ann.token, None).await;
    assert_eq!(removed.avatar, None);
    // Bob hears of the second picture, then of its removal.
    assert_eq!(updated(&mut bobs_tab, "ann").await.avatar, second.avatar);
    assert_eq!(updated(&mut bobs_tab, "ann").await.avatar, None);
    let gone = app
        .http
        .get(app.url(&format!("/api/avatars/{}", ann.user.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}
