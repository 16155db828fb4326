//! Search, on SQLite and on PostgreSQL: English words by their stem, Chinese
//! words inside sentences, only from rooms the searcher is a member of (never
//! a private room or DM they are not in), filters and pages, and an index
//! that follows edits and deletes.

use crate::helpers::*;
use crate::rooms_access::private_room;
use app::protocol::{ClientFrame, MessageId, RoomId, RoomSummary, SearchPage, ServerFrame};
use serde_json::json;

on_both_databases!(words_and_chinese_are_found_only_where_the_reader_may_read);
on_both_databases!(filters_pages_and_bad_searches);
on_both_databases!(the_index_follows_edits_and_deletes);

async fn search(app: &TestApp, token: &str, query: &str) -> SearchPage {
    app.ok("GET", &format!("/api/search?{query}"), token, None)
        .await
}

fn ids(page: &SearchPage) -> Vec<MessageId> {
    page.results.iter().map(|r| r.message.id).collect()
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn refused(app: &TestApp, token: &str, query: &str) -> (u16, String) {
    let resp = app
        .call("GET", &format!("/api/search?{query}"), token, None)
        .await;
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    (
        status,
        body["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn words_and_chinese_are_found_only_where_the_reader_may_read(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let general = app.create_room(&ann.token, "general").await.id;
    let secret = private_room(app, &ann.token, "secret").await.id;
    let dm: RoomSummary = app
        .ok(
            "POST",
            "/api/dms",
            &ann.token,
            Some(json!({"users": [carol.user.id]})),
        )
        .await;

    let mut a = app.connect(&ann.token).await;
    a.join(general, None).await;
    a.join(secret, None).await;
    a.join(dm.id, None).await;
    let deploying = a.post(general, "Deploying the servers tonight", "c1").await;
    let chinese = a.post(general, "我们今天开会讨论预算", "c2").await;
    a.post(general, "nothing to see", "c3").await;
    let html = a.post(general, "<b>deploy</b> & go", "c4").await;
    let in_secret = a.post(secret, "the secret deploy plan", "c5").await;
    let in_dm = a.post(dm.id, "deploy notes for carol", "c6").await;

    // Bob is in none of the rooms: he finds nothing, not even in the public
    // room (its history is for members).
    assert!(search(app, &bob.token, "q=deploy").await.results.is_empty());
    let mut b = app.connect(&bob.token).await;
    b.join(general, None).await;

    // English by its stem, newest first, the match marked and the rest escaped.
    let page = search(app, &bob.token, "q=deployed").await;
    assert_eq!(ids(&page), [html, deploying]);
    assert!(!page.more);
    assert_eq!(
        page.results[0].highlight,
        "&lt;b&gt;<mark>deploy</mark>&lt;/b&gt; &amp; go"
    );
    assert_eq!(
        page.results[1].highlight,
        "<mark>Deploying</mark> the servers tonight"
    );
    assert_eq!(page.results[1].room, general);
    assert_eq!(page.results[1].message.author, "ann");
    assert_eq!(page.results[1].message.client_id, None);
    // Every word is required.
    let both = search(app, &bob.token, &format!("q={}", q("servers deploy"))).await;
    assert_eq!(ids(&both), [deploying]);

    // Chinese, written without spaces: a two-character word inside the
    // sentence, a longer one, a single character; a pair that is not there
    // finds nothing.
    for word in ["开会", "今天开会", "预算", "会", "我们今天开会讨论预算"] {
        let page = search(app, &bob.token, &format!("q={}", q(word))).await;
        assert_eq!(ids(&page), [chinese], "{word}");
    }
    let page = search(app, &bob.token, &format!("q={}", q("开会"))).await;
    assert_eq!(
        page.results[0].highlight,
        "我们今天<mark>开会</mark>讨论预算"
    );
    for word in ["开预", "会议"] {
        let page = search(app, &bob.token, &format!("q={}", q(word))).await;
        assert!(page.results.is_empty(), "{word}");
    }

    // Ann finds hers everywhere; Carol the DM and nothing of the private
    // room; Bob neither.
    let all = search(app, &ann.token, "q=deploy").await;
    assert_eq!(ids(&all), [in_dm, in_secret, html, deploying]);
    let carols = search(app, &carol.token, "q=deploy").await;
    assert_eq!(ids(&carols), [in_dm]);
    let bobs = search(app, &bob.token, "q=deploy").await;
    assert_eq!(ids(&bobs), [html, deploying]);

    // Leaving the room takes its history out of his searches.
    b.send(&ClientFrame::Leave { room: general }).await;
    b.recv_until(|f| matches!(f, ServerFrame::Left { room } if *room == general))
        .await;
    assert!(search(app, &bob.token, "q=deploy").await.results.is_empty());
}

async fn filters_pages_and_bad_searches(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let general = app.create_room(&ann.token, "general").await.id;
    let random = app.create_room(&ann.token, "random").await.id;
    let secret = private_room(app, &ann.token, "secret").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    for room in [general, random] {
        a.join(room, None).await;
        b.join(room, None).await;
    }
    let first = a.post(general, "budget one", "a1").await;
    let bobs = b.post(general, "budget two", "b1").await;
    let elsewhere = a.post(random, "budget three", "a2").await;

    // In one room; from one person (any case); both.
    let page = search(app, &bob.token, &format!("q=budget&room={}", general.0)).await;
    assert_eq!(ids(&page), [bobs, first]);
    let page = search(app, &bob.token, "q=budget&from=ANN").await;
    assert_eq!(ids(&page), [elsewhere, first]);
    let page = search(
        app,
        &bob.token,
        &format!("q=budget&from=ann&room={}", general.0),
    )
    .await;
    assert_eq!(ids(&page), [first]);

    // Pages: `before` the last result's id.
    let page = search(app, &bob.token, "q=budget&limit=2").await;
    assert_eq!(ids(&page), [elsewhere, bobs]);
    assert!(page.more);
    let next = search(
        app,
        &bob.token,
        &format!("q=budget&limit=2&before={}", bobs.0),
    )
    .await;
    assert_eq!(ids(&next), [first]);
    assert!(!next.more);

    // Dates: before and after, as a day or an instant.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    assert_eq!(
        search(app, &bob.token, &format!("q=budget&before={tomorrow}"))
            .await
            .results
            .len(),
        3
    );
    assert!(
        search(app, &bob.token, &format!("q=budget&after={tomorrow}"))
            .await
            .results
            .is_empty()
    );
    let hour_ago = q(&(chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339());
    assert_eq!(
        search(app, &bob.token, &format!("q=budget&after={hour_ago}"))
            .await
            .results
            .len(),
        3
    );
    assert!(
        search(app, &bob.token, &format!("q=budget&before={hour_ago}"))
            .await
            .results
            .is_empty()
    );

    // What is wrong is named.
    assert_eq!(refused(app, &bob.token, "q=").await, (422, "q".into()));
    assert_eq!(
        refused(app, &bob.token, "q=%20%3F%21").await,
        (422, "q".into())
    );
    assert_eq!(
        refused(app, &bob.token, &format!("q={}", "x".repeat(201))).await,
        (422, "q".into())
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&limit=0").await,
        (422, "limit".into())
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&limit=51").await,
        (422, "limit".into())
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&from=nobody").await,
        (422, "from".into())
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&before=soon").await,
        (422, "before".into())
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&after=2026-13-01").await,
        (422, "after".into())
    );
    // A room he may not read answers as if it did not exist.
    assert_eq!(
        refused(app, &bob.token, &format!("q=budget&room={}", secret.0))
            .await
            .0,
        404
    );
    assert_eq!(
        refused(app, &bob.token, "q=budget&room=999999").await.0,
        404
    );
    assert_eq!(refused(app, "", "q=budget").await.0, 401);
}

async fn the_index_follows_edits_and_deletes(app: &TestApp) {
    let ann = app.register("ann").await;
    let room: RoomId = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    a.join(room, None).await;
    let id = a.post(room, "lunch at noon", "a1").await;
    let other = a.post(room, "lunch tomorrow", "a2").await;

    a.send(&ClientFrame::Edit {
        id,
        body: "dinner at eight 晚饭".into(),
    })
    .await;
    a.recv_until(|f| matches!(f, ServerFrame::Edited { id: e, .. } if *e == id))
        .await;
    assert_eq!(ids(&search(app, &ann.token, "q=lunch").await), [other]);
    assert_eq!(ids(&search(app, &ann.token, "q=dinner").await), [id]);
    assert_eq!(
        ids(&search(app, &ann.token, &format!("q={}", q("晚饭"))).await),
        [id]
    );

    a.send(&ClientFrame::Delete { id: other }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Deleted { id: d, .. } if *d == other))
        .await;
    assert!(search(app, &ann.token, "q=lunch").await.results.is_empty());
}

/// Messages stored before search existed have no terms: the start-up pass
/// indexes them, a batch at a time, and then they are found.
async fn old_messages_are_indexed(url: &str) {
    use sqlx::{Connection, Executor};
    use switchboard::store::{NewMessage, SearchFilter, Store};
    let store = Store::connect(url).await.unwrap();
    let ann = store.create_user("ann", "hash").await.unwrap();
    let room = store
        .create_room("general", ann.id, app::protocol::Visibility::Public)
        .await
        .unwrap()
        .id;
    let batch: Vec<NewMessage> = (0..1200)
        .map(|i| NewMessage {
            room,
            author: ann.id,
            author_name: "ann".into(),
            body: if i % 2 == 0 {
                format!("old note {i} 旧消息")
            } else {
                format!("other {i}")
            },
            client_id: format!("c{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        })
        .collect();
    store.insert_messages(&batch).await.unwrap();
    // As a database from before search: no terms anywhere.
    if url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        c.execute("UPDATE messages SET terms = NULL").await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        c.execute("UPDATE messages SET terms = NULL").await.unwrap();
    }
    let query = switchboard::search::terms::Query::parse("旧消息 note").unwrap();
    let find = || async {
        store
            .search_messages(
                ann.id,
                &query.fts5(),
                &query.tsquery(),
                &SearchFilter::default(),
                1000,
            )
            .await
            .unwrap()
            .len()
    };
    assert_eq!(find().await, 0);
    let mut below = i64::MAX;
    let mut batches = 0;
    while let Some(lowest) = store.index_unsearchable(below).await.unwrap() {
        below = lowest;
        batches += 1;
    }
    assert_eq!(batches, 3, "1,200 messages in batches of 500");
    assert_eq!(find().await, 600);
    store.close().await;
}

#[tokio::test]
async fn old_messages_are_indexed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    old_messages_are_indexed(&format!("sqlite://{}/old.db", dir.path().display())).await;
}

#[tokio::test]
async fn old_messages_are_indexed_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    old_messages_are_indexed(&url).await;
}
