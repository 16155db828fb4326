//! Search: finding the chat messages a user may read by their words. The
//! text side — the terms a message is indexed by, a query's conditions, the
//! highlighted snippet — is pure (`terms`, `highlight`); the store runs the
//! query on either database; who may read what is the rooms' rule
//! (a room's history is for its members, `rooms::RoomAction::ReadHistory`),
//! applied in the query itself so a result is never shown and then hidden.

pub mod highlight;
pub mod terms;

use crate::{
    refusal::Refusal,
    rooms::{self, RoomAction},
    state::AppState,
    store::{SearchFilter, Store},
};
use app::{
    protocol::{RoomId, SearchPage, SearchResult, User},
    validate::Invalid,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A search as asked, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub q: String,
    pub room: Option<RoomId>,
    /// A login name (any case).
    pub from: Option<String>,
    pub filter: SearchFilter,
    pub limit: usize,
}

/// The newest messages `user` may read that hold every word of `ask.q`,
/// narrowed by its filters, each with its highlighted snippet.
pub async fn search(state: &AppState, user: &User, ask: Ask) -> Result<SearchPage, Refusal> {
    state.limits.search.admit(&user.id, "searching")?;
    let query = terms::Query::parse(&ask.q)?;
    let mut filter = ask.filter;
    if let Some(room) = ask.room {
        // The query keeps to the user's rooms anyway; this says why a room
        // gives nothing (no such room, or not a member of it).
        rooms::check(&state.store, room, user, RoomAction::ReadHistory).await?;
        filter.room = Some(room);
    }
    if let Some(name) = ask.from {
        let found = state.store.profiles_by_name(&[name.clone()]).await?;
        let person = found.first().ok_or_else(|| Invalid {
            field: "from",
            problem: format!("nobody is named {name:?}"),
        })?;
        filter.author = Some(person.id);
    }
    let mut found = state
        .store
        .search_messages(
            user.id,
            &query.fts5(),
            &query.tsquery(),
            &filter,
            ask.limit + 1,
        )
        .await?;
    let more = found.len() > ask.limit;
    found.truncate(ask.limit);
    let results = found
        .into_iter()
        .map(|message| SearchResult {
            room: message.room,
            highlight: highlight::highlight(&message.body, &query),
            message,
        })
        .collect();
    Ok(SearchPage { results, more })
}

/// Indexes the messages stored before search existed, newest first (the
/// ones people look for most), a batch at a time with a pause between, so a
/// large database stays usable while it runs. Runs once at start.
pub async fn index_old_messages(store: Store, shutdown: CancellationToken) {
    let mut below = i64::MAX;
    let mut batches = 0u64;
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        match store.index_unsearchable(below).await {
            Ok(Some(lowest)) => {
                below = lowest;
                batches += 1;
                if batches == 1 {
                    tracing::info!("indexing messages stored before search existed");
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "indexing old messages for search stopped");
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if batches > 0 {
        tracing::info!(batches, "old messages are indexed for search");
    }
}
