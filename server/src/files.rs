//! Attachments as transport-free actions: [`upload`] a file, check the ones
//! a send names ([`attachable`]), [`open`] one for a reader, and the sweep
//! that removes what nobody can reach any more ([`sweep`]).
//!
//! The rules:
//! - what a file is comes from its bytes (`kind`), and must be one of
//!   `SWITCHBOARD_FILE_TYPES`; at most `SWITCHBOARD_FILE_MAX_MB`;
//! - uploading costs what sending a message costs (the same rate limit);
//! - before it is sent a file is its uploader's alone; once sent it is for
//!   whoever may read its message: the room's readers (`rooms::RoomAction::
//!   ReadHistory`), or the conversation's visitor (not for private notes)
//!   and the staff who may see the conversation (`support::access`);
//!   anyone else is told it does not exist;
//! - deleting the message deletes its files.

pub mod kind;
pub mod storage;
pub mod thumbnail;

use crate::{
    refusal::Refusal,
    rooms::{self, RoomAction},
    state::AppState,
    store::{FileHome, NewFile, Store, Uploader},
    support::access::may_see,
};
use app::protocol::{
    file_url, thumbnail_url, ErrorCode, FileId, FileInfo, User, VisitorId, FILES_PER_MESSAGE,
};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::{sync::Arc, time::Duration};
use storage::{Storage, StorageError};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

/// Uploads received at once by one node; more are told to retry.
const UPLOADS_AT_ONCE: usize = 16;
/// How long an upload may wait to be sent before the sweep removes it.
const UNSENT_FOR: Duration = Duration::from_secs(24 * 3600);
/// How often the sweep runs when nothing wakes it.
const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// Files one sweep pass removes before looking again.
const SWEEP_BATCH: usize = 200;

/// The file store and its settings.
pub struct Files {
    pub storage: Storage,
    max_bytes: u64,
    types: Vec<String>,
    uploads: Arc<Semaphore>,
    /// Wakes the sweep (a message with files was deleted).
    sweep: Notify,
}

impl Files {
    pub fn new(storage: Storage, max_bytes: u64, types: Vec<String>) -> Files {
        Files {
            storage,
            max_bytes,
            types,
            uploads: Arc::new(Semaphore::new(UPLOADS_AT_ONCE)),
            sweep: Notify::new(),
        }
    }

    /// The largest upload, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Asks the sweep to run now.
    pub fn sweep_soon(&self) {
        self.sweep.notify_one();
    }
}

/// Who is uploading or reading: an account, or a support visitor (by their
/// cookie's key, and their row once they have written).
#[derive(Debug, Clone)]
pub enum Caller {
    User(User),
    Visitor {
        key: String,
        visitor: Option<VisitorId>,
    },
}

impl Caller {
    fn uploader(&self) -> Uploader {
        match self {
            Caller::User(u) => Uploader::User(u.id),
            Caller::Visitor { key, .. } => Uploader::Visitor(key.clone()),
        }
    }
}

/// Why reading an upload's body failed.
#[derive(Debug)]
pub enum BodyError {
    /// The request's body limit cut it off.
    TooLarge,
    /// The connection broke, or the multipart encoding is wrong.
    Broken(String),
}

fn too_large(max: u64) -> Refusal {
    let mut r = Refusal::new(
        ErrorCode::PayloadTooLarge,
        format!("a file may be at most {} MB", max >> 20),
    );
    r.field = Some("file");
    r
}

fn invalid_file(problem: impl Into<String>) -> Refusal {
    let mut r = Refusal::new(ErrorCode::Invalid, format!("file {}", problem.into()));
    r.field = Some("file");
    r
}

fn store_failed(e: StorageError) -> Refusal {
    tracing::error!(error = %e, "file store failed");
    Refusal::new(
        ErrorCode::Internal,
        "the file could not be stored; try again",
    )
}

/// A new file id: 128 random bits, hex.
fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// Stores an upload called `name` whose bytes come from `body`, and
/// answers what it is. The file is its uploader's until a send attaches it.
pub async fn upload<S>(
    state: &AppState,
    caller: &Caller,
    name: &str,
    mut body: S,
) -> Result<FileInfo, Refusal>
where
    S: Stream<Item = Result<Bytes, BodyError>> + Unpin,
{
    match caller {
        Caller::User(u) => state.limits.messages.admit(&u.id, "uploading")?,
        Caller::Visitor { key, .. } => state.limits.visitor_messages.admit(key, "uploading")?,
    }
    let files = &state.files;
    let _permit = files.uploads.clone().try_acquire_owned().map_err(|_| {
        let mut r = Refusal::new(
            ErrorCode::Unavailable,
            "too many uploads at once; try again in a moment",
        );
        r.retry_after_ms = Some(2000);
        r
    })?;
    let max = files.max_bytes;
    let next = |chunk: Option<Result<Bytes, BodyError>>| match chunk {
        None => Ok(None),
        Some(Ok(bytes)) => Ok(Some(bytes)),
        Some(Err(BodyError::TooLarge)) => Err(too_large(max)),
        Some(Err(BodyError::Broken(why))) => Err(invalid_file(format!("could not be read: {why}"))),
    };

    // Enough of the start to tell what it is, before anything is stored.
    let mut head: Vec<u8> = Vec::new();
    let mut ended = false;
    while head.len() < kind::SNIFF_BYTES {
        match next(body.next().await)? {
            Some(bytes) => head.extend_from_slice(&bytes),
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.is_empty() {
        return Err(invalid_file("is empty"));
    }
    let content_type = kind::detect(&head);
    if !kind::allowed(content_type, &files.types) {
        let mut r = Refusal::new(
            ErrorCode::UnsupportedType,
            format!("file: {content_type} files are not accepted here"),
        );
        r.field = Some("file");
        return Err(r);
    }
    // Pictures are kept whole for their thumbnail (bounded by `max`).
    let picture = app::protocol::is_inline_image(content_type);

    let id = new_id();
    let mut writer = files.storage.writer(&id).await.map_err(store_failed)?;
    let mut size = head.len() as u64;
    let mut whole = if picture { Some(head.clone()) } else { None };
    writer.write(&head);
    drop(head);
    let written: Result<(), Refusal> = async {
        if size > max {
            return Err(too_large(max));
        }
        if ended {
            return Ok(());
        }
        while let Some(bytes) = next(body.next().await)? {
            size += bytes.len() as u64;
            if size > max {
                return Err(too_large(max));
            }
            if let Some(whole) = &mut whole {
                whole.extend_from_slice(&bytes);
            }
            // Bounded: waits while the store is behind by more than a few parts.
            writer
                .wait_for_capacity(4)
                .await
                .map_err(|e| store_failed(e.into()))?;
            writer.put(bytes);
        }
        Ok(())
    }
    .await;
    if let Err(r) = written {
        let _ = writer.abort().await;
        return Err(r);
    }
    writer.finish().await.map_err(|e| store_failed(e.into()))?;

    let mut info = FileInfo {
        url: file_url(&FileId(id.clone())),
        id: FileId(id.clone()),
        name: kind::file_name(name),
        size,
        content_type: content_type.to_owned(),
        thumbnail_url: None,
        width: None,
        height: None,
    };
    if let Some(whole) = whole {
        let made = tokio::task::spawn_blocking(move || thumbnail::make(&whole))
            .await
            .map_err(|e| Refusal::new(ErrorCode::Internal, format!("thumbnail failed: {e}")))?;
        match made {
            Ok(t) => {
                files
                    .storage
                    .put_thumbnail(&id, t.png)
                    .await
                    .map_err(store_failed)?;
                info.thumbnail_url = Some(thumbnail_url(&info.id));
                info.width = Some(t.width);
                info.height = Some(t.height);
            }
            // Kept, and shown as a file rather than a picture.
            Err(thumbnail::NoThumbnail::TooLarge) => {}
            Err(thumbnail::NoThumbnail::Broken(why)) => {
                let _ = files.storage.remove(&id, false).await;
                return Err(invalid_file(format!(
                    "is not a picture it claims to be: {why}"
                )));
            }
        }
    }
    let new = NewFile {
        has_thumbnail: info.thumbnail_url.is_some(),
        info: info.clone(),
        uploader: caller.uploader(),
    };
    if let Err(e) = state.store.insert_file(&new, state.clock.now()).await {
        let _ = files.storage.remove(&id, new.has_thumbnail).await;
        return Err(e.into());
    }
    tracing::info!(file = %id, size, content_type, "file uploaded");
    Ok(info)
}

/// The files `ids` a send by `uploader` may attach: each uploaded by them
/// and not sent yet, at most [`FILES_PER_MESSAGE`], none twice.
pub async fn attachable(
    store: &Store,
    uploader: &Uploader,
    ids: &[FileId],
) -> Result<Vec<FileInfo>, Refusal> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let invalid = |problem: String| {
        let mut r = Refusal::new(ErrorCode::Invalid, format!("files: {problem}"));
        r.field = Some("files");
        r
    };
    if ids.len() > FILES_PER_MESSAGE {
        return Err(invalid(format!(
            "a message has at most {FILES_PER_MESSAGE} files"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(*id)) {
        return Err(invalid(format!("{twice} is named twice")));
    }
    let found = store.unattached_files(uploader, ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|f| &f.id == *id)) {
        return Err(invalid(format!(
            "{missing} is not an upload of yours waiting to be sent (upload with POST /api/files; each file goes with one message)"
        )));
    }
    Ok(found)
}

/// A file to send to a reader.
pub struct Download {
    pub info: FileInfo,
    pub bytes: futures_util::stream::BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// File `id` (or its thumbnail) for `caller`, if they may read it; to anyone
/// else it does not exist.
pub async fn open(
    state: &AppState,
    caller: &Caller,
    id: &str,
    thumbnail: bool,
) -> Result<Download, Refusal> {
    let gone = || Refusal::new(ErrorCode::NotFound, format!("file {id} does not exist"));
    // Ids are ours: anything else is not one, and needs no query.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let file = state.store.file(id).await?.ok_or_else(gone)?;
    let may = match (&file.home, caller) {
        (FileHome::Unattached(uploader), caller) => *uploader == caller.uploader(),
        (FileHome::Chat { room, .. }, Caller::User(user)) => {
            rooms::access(&state.store, *room, user)
                .await?
                .allows(RoomAction::ReadHistory)
        }
        (FileHome::Support { assignee, .. }, Caller::User(user)) => {
            may_see(user.id, user.role, *assignee)
        }
        (
            FileHome::Support { visitor, note, .. },
            Caller::Visitor {
                visitor: Some(me), ..
            },
        ) => visitor == me && !note,
        _ => false,
    };
    if !may || (thumbnail && !file.has_thumbnail) {
        return Err(gone());
    }
    let bytes = state.files.storage.read(id, thumbnail).await.map_err(|e| {
        if e.is_not_found() {
            // Swept meanwhile.
            gone()
        } else {
            store_failed(e)
        }
    })?;
    Ok(Download {
        info: file.info,
        bytes,
    })
}

/// Removes, now and then, the files nobody can reach: uploads never sent
/// within [`UNSENT_FOR`], and the files of deleted messages and
/// conversations. Bytes first, then the row, so a crash between the two
/// leaves a row the next pass finishes. Several nodes may sweep the same
/// files; each step tolerates the other having done it.
pub async fn sweep(state: AppState, shutdown: CancellationToken) {
    loop {
        let cutoff = state.clock.now()
            - chrono::Duration::from_std(UNSENT_FOR).unwrap_or(chrono::Duration::days(1));
        match state.store.sweepable_files(cutoff, SWEEP_BATCH).await {
            Ok(batch) => {
                let full = batch.len() == SWEEP_BATCH;
                let mut removed = 0;
                for (id, thumbnail) in batch {
                    match state.files.storage.remove(&id.0, thumbnail).await {
                        Ok(()) => match state.store.delete_file(&id).await {
                            Ok(()) => removed += 1,
                            Err(e) => {
                                tracing::warn!(file = %id, error = %e, "forgetting a swept file failed")
                            }
                        },
                        Err(e) => tracing::warn!(file = %id, error = %e, "removing a file failed"),
                    }
                }
                if removed > 0 {
                    tracing::info!(removed, "swept files nobody can reach");
                }
                // More are waiting, and this pass got somewhere: go on.
                if full && removed > 0 {
                    continue;
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing files to sweep failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = state.files.sweep.notified() => {}
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}
