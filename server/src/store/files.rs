//! Attachments' rows (migration 0017): what an upload is, who uploaded it,
//! and which message holds it. The bytes are in the file store
//! (`files::storage`); this is the part every node reads the same.
//!
//! An upload is unattached until a send names it; a send attaches only its
//! own sender's unattached uploads (`attach_files!`, inside the send's
//! transaction). Deleting a message or a conversation sets the file's
//! message column to NULL by the foreign key, which makes the file an
//! orphan: gone for every reader at once, its bytes and row removed by the
//! next sweep ([`Store::sweepable_files`]).

use super::{on_pool, Store, StoreError};
use app::protocol::{
    file_url, thumbnail_url, ChatMessage, ConversationId, FileId, FileInfo, MessageId, RoomId,
    SupportMessage, UserId, VisitorId,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Messages' files are read in chunks of this many ids (one query each).
const IDS_PER_QUERY: usize = 500;

/// Who uploaded a file: an account, or a support visitor by their cookie's
/// key (a visitor may upload before their first message makes their row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uploader {
    User(UserId),
    Visitor(String),
}

impl Uploader {
    pub(super) fn columns(&self) -> (Option<i64>, Option<&str>) {
        match self {
            Uploader::User(id) => (Some(id.0), None),
            Uploader::Visitor(key) => (None, Some(key.as_str())),
        }
    }
}

/// A stored upload, about to get its row.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub info: FileInfo,
    pub has_thumbnail: bool,
    pub uploader: Uploader,
}

/// Where a file is: what decides who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileHome {
    /// Uploaded, not yet sent: its uploader's alone.
    Unattached(Uploader),
    /// On a chat message in `room`.
    Chat { room: RoomId, message: MessageId },
    /// On a support message.
    Support {
        conversation: ConversationId,
        visitor: VisitorId,
        assignee: Option<UserId>,
        /// A private note: agents only.
        note: bool,
    },
    /// Its message was deleted: it is about to be swept.
    Gone,
}

/// A file's row.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub info: FileInfo,
    pub has_thumbnail: bool,
    pub home: FileHome,
}

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: String,
    name: String,
    size: i64,
    content_type: String,
    width: Option<i32>,
    height: Option<i32>,
    has_thumbnail: bool,
}

impl From<InfoRow> for FileInfo {
    fn from(r: InfoRow) -> FileInfo {
        let id = FileId(r.id);
        FileInfo {
            url: file_url(&id),
            thumbnail_url: r.has_thumbnail.then(|| thumbnail_url(&id)),
            id,
            name: r.name,
            size: r.size.max(0) as u64,
            content_type: r.content_type,
            width: r.width.map(|w| w.max(0) as u32),
            height: r.height.map(|h| h.max(0) as u32),
        }
    }
}

#[derive(sqlx::FromRow)]
struct FileRow {
    #[sqlx(flatten)]
    info: InfoRow,
    uploader_id: Option<i64>,
    uploader_key: Option<String>,
    attached: bool,
    room_id: Option<i64>,
    message_id: Option<i64>,
    conversation_id: Option<i64>,
    kind: Option<String>,
    visitor_id: Option<i64>,
    assignee_id: Option<i64>,
}

const INFO: &str = "f.id, f.name, f.size, f.content_type, f.width, f.height, f.has_thumbnail";

/// Attaches `files` (checked beforehand to be `uploader`'s) to a message
/// inside the transaction that stores it: `column` is `message_id` or
/// `support_message_id`. Only files still unattached and still the
/// uploader's are taken, so a file sent twice at once goes with one message;
/// evaluates to the files attached, in their order. A macro so the same text
/// compiles for both backends inside `on_pool!` (like `record_change!`).
macro_rules! attach_files {
    ($tx:expr, $column:literal, $message:expr, $uploader:expr, $files:expr, $now:expr) => {{
        let message: i64 = $message;
        let uploader: &$crate::store::Uploader = $uploader;
        let (uploader_id, uploader_key) = uploader.columns();
        let mut attached: Vec<app::protocol::FileInfo> = Vec::new();
        for (position, file) in $files.iter().enumerate() {
            let done = sqlx::query(concat!(
                "UPDATE files SET ",
                $column,
                " = $1, attached_at = $2, position = $3
                  WHERE id = $4 AND attached_at IS NULL
                    AND (uploader_id = $5 OR uploader_key = $6)"
            ))
            .bind(message)
            .bind($now)
            .bind(position as i32)
            .bind(&file.id.0)
            .bind(uploader_id)
            .bind(uploader_key)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if done == 1 {
                attached.push(file.clone());
            }
        }
        attached
    }};
}
pub(crate) use attach_files;

impl Store {
    /// Records an upload, unattached.
    pub async fn insert_file(&self, f: &NewFile, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (uploader_id, uploader_key) = f.uploader.columns();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO files (id, name, size, content_type, width, height, has_thumbnail,
                                    uploader_id, uploader_key, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&f.info.id.0)
            .bind(&f.info.name)
            .bind(f.info.size as i64)
            .bind(&f.info.content_type)
            .bind(f.info.width.map(|w| w as i32))
            .bind(f.info.height.map(|h| h as i32))
            .bind(f.has_thumbnail)
            .bind(uploader_id)
            .bind(uploader_key)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// File `id` and where it is.
    pub async fn file(&self, id: &str) -> Result<Option<StoredFile>, StoreError> {
        let sql = format!(
            "SELECT {INFO}, f.uploader_id, f.uploader_key,
                    (f.attached_at IS NOT NULL) AS attached,
                    m.room_id, f.message_id, sm.conversation_id, sm.kind,
                    c.visitor_id, c.assignee_id
               FROM files f
               LEFT JOIN messages m ON m.id = f.message_id
               LEFT JOIN support_messages sm ON sm.id = f.support_message_id
               LEFT JOIN support_conversations c ON c.id = sm.conversation_id
              WHERE f.id = $1"
        );
        let row: Option<FileRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(|r| {
            let home = if !r.attached {
                match (r.uploader_id, r.uploader_key) {
                    (Some(user), _) => FileHome::Unattached(Uploader::User(UserId(user))),
                    (None, Some(key)) => FileHome::Unattached(Uploader::Visitor(key)),
                    // The uploading account was removed: nobody's.
                    (None, None) => FileHome::Gone,
                }
            } else if let (Some(room), Some(message)) = (r.room_id, r.message_id) {
                FileHome::Chat {
                    room: RoomId(room),
                    message: MessageId(message),
                }
            } else if let (Some(conversation), Some(visitor)) = (r.conversation_id, r.visitor_id) {
                FileHome::Support {
                    conversation: ConversationId(conversation),
                    visitor: VisitorId(visitor),
                    assignee: r.assignee_id.map(UserId),
                    note: r.kind.as_deref() == Some("note"),
                }
            } else {
                FileHome::Gone
            };
            StoredFile {
                has_thumbnail: r.info.has_thumbnail,
                info: r.info.into(),
                home,
            }
        }))
    }

    /// Those of `ids` that `uploader` uploaded and has not sent yet, in the
    /// order of `ids` (the order they are attached in).
    pub async fn unattached_files(
        &self,
        uploader: &Uploader,
        ids: &[FileId],
    ) -> Result<Vec<FileInfo>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (uploader_id, uploader_key) = uploader.columns();
        let rows: Vec<InfoRow> = on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(format!(
                "SELECT {INFO} FROM files f WHERE f.attached_at IS NULL AND (f.uploader_id = "
            ));
            query.push_bind(uploader_id);
            query.push(" OR f.uploader_key = ");
            query.push_bind(uploader_key);
            query.push(") AND f.id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(id.0.as_str());
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        let mut found: HashMap<String, FileInfo> =
            rows.into_iter().map(|r| (r.id.clone(), r.into())).collect();
        Ok(ids.iter().filter_map(|id| found.remove(&id.0)).collect())
    }

    /// Fills in the files of chat `messages`.
    pub async fn with_files(&self, messages: &mut [ChatMessage]) -> Result<(), StoreError> {
        let ids: Vec<i64> = messages.iter().map(|m| m.id.0).collect();
        let mut found = self.files_of("message_id", &ids).await?;
        for m in messages {
            if let Some(files) = found.remove(&m.id.0) {
                m.files = files;
            }
        }
        Ok(())
    }

    /// Fills in the files of support `messages`.
    pub async fn with_support_files(
        &self,
        messages: &mut [SupportMessage],
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = messages.iter().map(|m| m.id.0).collect();
        let mut found = self.files_of("support_message_id", &ids).await?;
        for m in messages {
            if let Some(files) = found.remove(&m.id.0) {
                m.files = files;
            }
        }
        Ok(())
    }

    /// The files on messages `ids` (by `column`), each message's in order.
    async fn files_of(
        &self,
        column: &'static str,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<FileInfo>>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            owner: i64,
            #[sqlx(flatten)]
            info: InfoRow,
        }
        let mut found: HashMap<i64, Vec<FileInfo>> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows: Vec<Row> = on_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(format!(
                    "SELECT f.{column} AS owner, {INFO} FROM files f WHERE f.{column} IN ("
                ));
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(format!(") ORDER BY f.{column}, f.position"));
                query.build_query_as().fetch_all(pool).await?
            });
            for row in rows {
                found.entry(row.owner).or_default().push(row.info.into());
            }
        }
        Ok(found)
    }

    /// Up to `limit` files to remove: uploads never sent and uploaded before
    /// `unsent_before`, and files whose message was deleted.
    pub async fn sweepable_files(
        &self,
        unsent_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(FileId, bool)>, StoreError> {
        let rows: Vec<(String, bool)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, has_thumbnail FROM files
                  WHERE attached_at IS NOT NULL AND message_id IS NULL
                    AND support_message_id IS NULL
                 UNION ALL
                 SELECT id, has_thumbnail FROM files
                  WHERE attached_at IS NULL AND uploaded_at < $1
                 LIMIT $2",
            )
            .bind(unsent_before)
            .bind(limit as i64)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id, t)| (FileId(id), t)).collect())
    }

    /// Forgets file `id` (its bytes are already removed).
    pub async fn delete_file(&self, id: &FileId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM files WHERE id = $1")
                .bind(&id.0)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
