//! The support desk's tables: visitors, conversations and their messages, agent
//! capacities, canned replies, business hours, and the server's own secrets.
//!
//! Every routing decision is a row change here (assignee, `reroute_at`,
//! `skip_agent_id`), made with conditional updates so two decisions about one
//! conversation cannot both win; the routing task only reads and applies them.

use super::files::{attach_files, Uploader};
use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use app::protocol::{
    AgentRef, AuthorKind, BusinessHours, CannedReply, ConversationId, ConversationRow,
    ConversationStatus, FileInfo, Rating, SupportMessage, SupportMessageId, SystemEvent, UserId,
    VisitorId, VisitorInfo, PREVIEW_CHARS,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What a stored support message is: the kinds of [`AuthorKind`] plus private notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Visitor,
    Agent,
    System,
    Note,
}

impl MessageKind {
    fn as_str(self) -> &'static str {
        match self {
            MessageKind::Visitor => "visitor",
            MessageKind::Agent => "agent",
            MessageKind::System => "system",
            MessageKind::Note => "note",
        }
    }
}

/// A message to store, already validated and authorised.
#[derive(Debug, Clone)]
pub struct NewSupportMessage {
    pub conversation: ConversationId,
    pub kind: MessageKind,
    /// The agent, for agent messages and notes.
    pub author_id: Option<UserId>,
    pub author_name: String,
    /// `v<visitor>` or `u<user>`; with `client_id` it deduplicates retries.
    pub author_key: Option<String>,
    pub client_id: Option<String>,
    pub body: String,
    /// For system lines: what the line says (stored as JSON).
    pub event: Option<SystemEvent>,
    /// Uploads to attach, checked to be `uploader`'s and unsent.
    pub files: Vec<FileInfo>,
    pub uploader: Option<Uploader>,
}

/// A stored message; `fresh` is false when the same author and `client_id`
/// had already stored it (then it is that earlier message).
#[derive(Debug, Clone)]
pub struct StoredSupport {
    pub message: SupportMessage,
    pub fresh: bool,
}

/// The fields routing and permission checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationState {
    pub id: ConversationId,
    pub visitor: VisitorId,
    pub status: ConversationStatus,
    pub assignee: Option<UserId>,
    pub reroute_at: Option<DateTime<Utc>>,
    pub skip_agent: Option<UserId>,
}

/// A conversation to start, with its first message.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub visitor: VisitorId,
    pub client_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
    pub page: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
    /// Uploads to attach to the first message, checked to be the visitor's
    /// (by `uploader_key`, their cookie's key) and unsent.
    pub files: Vec<FileInfo>,
    pub uploader_key: String,
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Unassigned and not resolved, oldest first: the queue.
    Queue,
    /// Assigned to this agent and not resolved, oldest first.
    Mine(UserId),
    /// Every conversation, newest first.
    All,
    /// Not resolved, and unassigned or assigned to this agent (or to anyone,
    /// for admins): what one console's live lists hold.
    Desk { agent: UserId, admin: bool },
}

#[derive(sqlx::FromRow)]
struct RowRow {
    id: i64,
    visitor_id: i64,
    visitor_name: Option<String>,
    status: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    last_preview: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    waiting_since: Option<DateTime<Utc>>,
    unanswered: i64,
    rating: Option<i16>,
    rating_comment: Option<String>,
}

fn status_of(s: &str) -> Result<ConversationStatus, StoreError> {
    ConversationStatus::parse(s).ok_or_else(|| {
        StoreError::Database(sqlx::Error::Decode(
            format!("unknown conversation status {s:?}").into(),
        ))
    })
}

impl RowRow {
    fn into_row(self) -> Result<ConversationRow, StoreError> {
        Ok(ConversationRow {
            id: ConversationId(self.id),
            visitor: VisitorId(self.visitor_id),
            visitor_name: self.visitor_name,
            status: status_of(&self.status)?,
            assignee: match (self.assignee_id, self.assignee_name) {
                (Some(id), Some(name)) => Some(AgentRef {
                    id: UserId(id),
                    name,
                }),
                _ => None,
            },
            last_message: self.last_preview,
            created_at: self.created_at,
            updated_at: self.updated_at,
            waiting_since: self.waiting_since,
            unread: self.unanswered,
            rating: self.rating.map(|s| Rating {
                score: u8::try_from(s).unwrap_or(0),
                comment: self.rating_comment,
            }),
        })
    }
}

const ROW: &str = "SELECT c.id, c.visitor_id, c.visitor_name, c.status, c.assignee_id,
                          u.username AS assignee_name, c.last_preview, c.created_at,
                          c.updated_at, c.waiting_since, c.unanswered,
                          c.rating, c.rating_comment
                     FROM support_conversations c LEFT JOIN users u ON u.id = c.assignee_id";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    conversation_id: i64,
    kind: String,
    author_name: String,
    body: String,
    client_id: Option<String>,
    sent_at: DateTime<Utc>,
    event: Option<String>,
}

impl MessageRow {
    fn into_message(self) -> Result<SupportMessage, StoreError> {
        let (author_kind, private) = match self.kind.as_str() {
            "visitor" => (AuthorKind::Visitor, false),
            "agent" => (AuthorKind::Agent, false),
            "note" => (AuthorKind::Agent, true),
            "system" => (AuthorKind::System, false),
            other => {
                return Err(StoreError::Database(sqlx::Error::Decode(
                    format!("unknown support message kind {other:?}").into(),
                )))
            }
        };
        Ok(SupportMessage {
            conversation: ConversationId(self.conversation_id),
            id: SupportMessageId(self.id),
            author: self.author_name,
            author_kind,
            private,
            body: self.body,
            sent_at: self.sent_at,
            client_id: self.client_id,
            // A line this version cannot read shows its English body.
            event: self.event.and_then(|e| serde_json::from_str(&e).ok()),
            files: Vec::new(),
        })
    }
}

const MESSAGE: &str = "SELECT id, conversation_id, kind, author_name, body, client_id, sent_at,
                                event
                         FROM support_messages";

#[derive(sqlx::FromRow)]
struct VisitorRow {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    verified: bool,
    external_id: Option<String>,
    page: Option<String>,
    user_agent: Option<String>,
    first_seen: DateTime<Utc>,
}

impl From<VisitorRow> for VisitorInfo {
    fn from(r: VisitorRow) -> Self {
        VisitorInfo {
            id: VisitorId(r.id),
            name: r.name,
            email: r.email,
            verified: r.verified,
            external_id: r.external_id,
            page: r.page,
            user_agent: r.user_agent,
            first_seen: r.first_seen,
        }
    }
}

const VISITOR: &str = "SELECT id, name, email, verified, external_id, page, user_agent, first_seen
                         FROM support_visitors";

#[derive(sqlx::FromRow)]
struct StateRow {
    id: i64,
    visitor_id: i64,
    status: String,
    assignee_id: Option<i64>,
    reroute_at: Option<DateTime<Utc>>,
    skip_agent_id: Option<i64>,
}

impl StateRow {
    fn into_state(self) -> Result<ConversationState, StoreError> {
        Ok(ConversationState {
            id: ConversationId(self.id),
            visitor: VisitorId(self.visitor_id),
            status: status_of(&self.status)?,
            assignee: self.assignee_id.map(UserId),
            reroute_at: self.reroute_at,
            skip_agent: self.skip_agent_id.map(UserId),
        })
    }
}

const STATE: &str = "SELECT id, visitor_id, status, assignee_id, reroute_at, skip_agent_id
                       FROM support_conversations";

/// The start of a body, for list rows.
fn preview(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

impl Store {
    // --- secrets -----------------------------------------------------------

    /// The secret called `name`; `generate` makes it the first time (and when
    /// two nodes race, both end up with the one stored first).
    pub async fn secret(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        let fresh = generate();
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2)
                         ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(&fresh)
                .execute(pool)
                .await?;
            Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?)
        })
    }

    // --- visitors ----------------------------------------------------------

    /// The visitor whose cookie carries `key`, created on first use. Called
    /// only when a visitor first writes: a cookie alone makes no row, so
    /// fresh cookies cost the database nothing.
    pub async fn ensure_visitor(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<VisitorInfo, StoreError> {
        let sql = format!("{VISITOR} WHERE cookie_key = $1");
        let row: VisitorRow = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO support_visitors (cookie_key, first_seen, last_seen)
                 VALUES ($1, $2, $2) ON CONFLICT (cookie_key) DO NOTHING",
            )
            .bind(key)
            .bind(now)
            .execute(pool)
            .await?;
            sqlx::query_as(&sql).bind(key).fetch_one(pool).await?
        });
        Ok(row.into())
    }

    /// The visitor whose cookie carries `key`, if they have written (or been
    /// identified) before. Never creates one.
    pub async fn visitor_by_key(&self, key: &str) -> Result<Option<VisitorInfo>, StoreError> {
        let sql = format!("{VISITOR} WHERE cookie_key = $1");
        let row: Option<VisitorRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(key).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// "Start over": the anonymous visitor whose cookie carries `key` is
    /// renamed to `fresh_key`, which nobody is given, so the old cookie or
    /// token (in this browser, or copied from it) no longer opens their
    /// conversations; agents keep them. A verified visitor is left alone:
    /// their identity, not a key, is what names them. Answers whether a row
    /// changed.
    pub async fn retire_visitor_key(&self, key: &str, fresh_key: &str) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_visitors SET cookie_key = $2
                  WHERE cookie_key = $1 AND NOT verified",
            )
            .bind(key)
            .bind(fresh_key)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    pub async fn visitor(&self, id: VisitorId) -> Result<Option<VisitorInfo>, StoreError> {
        let sql = format!("{VISITOR} WHERE id = $1");
        let row: Option<VisitorRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// A browser presents an identity a site vouched for; answers the key
    /// its cookie must carry from now on, and the visitor it names:
    /// - a visitor already known by `external_id` is that visitor (their
    ///   history follows them to any browser; name and email are updated);
    /// - otherwise a new visitor is started under `fresh_key`.
    ///
    /// The visitor the browser's cookie named before is never given the
    /// identity: it has conversations (a visitor's row is made when they first
    /// write), which must not follow an identity someone else can present —
    /// posting an attacker's identity from a victim's browser, or a second
    /// person signing in on a shared browser, starts a visitor of their own.
    /// (A visitor with no identity and no conversation has no row, so
    /// "attach the identity to it" and "start a new visitor under a fresh key"
    /// are the same thing; the fresh key means a cookie value known before,
    /// planted or seen on a shared computer, never names the identified visitor.)
    pub async fn identify_visitor(
        &self,
        external_id: &str,
        name: Option<&str>,
        email: Option<&str>,
        fresh_key: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, VisitorId), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Made here unless the identity is known; a concurrent first
            // sign-in with the same identity makes the insert a no-op.
            sqlx::query(
                "INSERT INTO support_visitors
                     (cookie_key, external_id, name, email, verified, first_seen, last_seen)
                 VALUES ($1, $2, $3, $4, TRUE, $5, $5)
                 ON CONFLICT (external_id) DO NOTHING",
            )
            .bind(fresh_key)
            .bind(external_id)
            .bind(name)
            .bind(email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (id, key): (i64, String) = sqlx::query_as(
                "UPDATE support_visitors SET name = $1, email = $2, verified = TRUE
                  WHERE external_id = $3 RETURNING id, cookie_key",
            )
            .bind(name)
            .bind(email)
            .bind(external_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((key, VisitorId(id)))
        })
    }

    /// Records a verified identity (`external_id` set) or the name and email a
    /// visitor typed (`verified` false: never overwrites a verified identity).
    pub async fn set_visitor_identity(
        &self,
        id: VisitorId,
        name: Option<&str>,
        email: Option<&str>,
        external_id: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            match external_id {
                Some(ext) => sqlx::query(
                    "UPDATE support_visitors SET name = $1, email = $2, external_id = $3,
                            verified = TRUE WHERE id = $4",
                )
                .bind(name)
                .bind(email)
                .bind(ext)
                .bind(id.0)
                .execute(pool)
                .await?,
                None => sqlx::query(
                    "UPDATE support_visitors SET name = COALESCE($1, name),
                            email = COALESCE($2, email) WHERE id = $3 AND verified = FALSE",
                )
                .bind(name)
                .bind(email)
                .bind(id.0)
                .execute(pool)
                .await?,
            };
        });
        Ok(())
    }

    /// Notes where the visitor is and with what browser.
    pub async fn touch_visitor(
        &self,
        id: VisitorId,
        page: Option<&str>,
        user_agent: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_visitors SET page = COALESCE($1, page),
                        user_agent = COALESCE($2, user_agent), last_seen = $3 WHERE id = $4",
            )
            .bind(page)
            .bind(user_agent)
            .bind(now)
            .bind(id.0)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    // --- conversations -----------------------------------------------------

    /// Starts a conversation with its first visitor message, in one
    /// transaction. A repeated `client_id` from the same visitor returns the
    /// conversation it opened before, with `fresh: false`.
    pub async fn open_conversation(
        &self,
        c: &NewConversation,
        author_name: &str,
        now: DateTime<Utc>,
    ) -> Result<(ConversationId, StoredSupport), StoreError> {
        let author_key = format!("v{}", c.visitor);
        let result = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO support_conversations
                     (visitor_id, open_client_id, status, visitor_name, visitor_email, verified,
                      page, user_agent, last_preview, unanswered, waiting_since,
                      created_at, updated_at)
                 VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, 1, $9, $9, $9)
                 ON CONFLICT (visitor_id, open_client_id) DO NOTHING
                 RETURNING id",
            )
            .bind(c.visitor.0)
            .bind(&c.client_id)
            .bind(&c.name)
            .bind(&c.email)
            .bind(c.verified)
            .bind(&c.page)
            .bind(&c.user_agent)
            .bind(preview(&c.body))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let result = match inserted {
                Some(id) => {
                    let mid: i64 = sqlx::query_scalar(
                        "INSERT INTO support_messages
                             (conversation_id, kind, author_name, author_key, client_id, body, sent_at)
                         VALUES ($1, 'visitor', $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(id)
                    .bind(author_name)
                    .bind(&author_key)
                    .bind(&c.client_id)
                    .bind(&c.body)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    let files = if c.files.is_empty() {
                        Vec::new()
                    } else {
                        let uploader = Uploader::Visitor(c.uploader_key.clone());
                        attach_files!(tx, "support_message_id", mid, &uploader, c.files, now)
                    };
                    let message = SupportMessage {
                        conversation: ConversationId(id),
                        id: SupportMessageId(mid),
                        author: author_name.to_owned(),
                        author_kind: AuthorKind::Visitor,
                        private: false,
                        body: c.body.clone(),
                        sent_at: now,
                        client_id: Some(c.client_id.clone()),
                        event: None,
                        files,
                    };
                    (ConversationId(id), StoredSupport { message, fresh: true })
                }
                None => {
                    let sql = format!(
                        "{MESSAGE} WHERE author_key = $1 AND client_id = $2 AND conversation_id =
                             (SELECT id FROM support_conversations
                               WHERE visitor_id = $3 AND open_client_id = $2)"
                    );
                    let row: MessageRow = sqlx::query_as(&sql)
                        .bind(&author_key)
                        .bind(&c.client_id)
                        .bind(c.visitor.0)
                        .fetch_one(&mut *tx)
                        .await?;
                    let message = row.into_message()?;
                    (message.conversation, StoredSupport { message, fresh: false })
                }
            };
            tx.commit().await?;
            result
        });
        let (conversation, mut stored) = result;
        if !stored.fresh {
            // A retried open answers with the message as stored, files and all.
            self.with_support_files(std::slice::from_mut(&mut stored.message))
                .await?;
        }
        Ok((conversation, stored))
    }

    /// Whether `visitor` already opened a conversation with `client_id` (a
    /// retried `support.open`, which opens nothing new).
    pub async fn opened_with(
        &self,
        visitor: VisitorId,
        client_id: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM support_conversations WHERE visitor_id = $1 AND open_client_id = $2",
            )
            .bind(visitor.0)
            .bind(client_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(found.is_some())
    }

    /// Stores a message and updates its conversation's row: the preview, the
    /// unanswered count and waiting time, the first response, and (an answer
    /// from the assignee) the re-routing deadline.
    pub async fn add_support_message(
        &self,
        m: &NewSupportMessage,
        now: DateTime<Utc>,
    ) -> Result<StoredSupport, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO support_messages
                     (conversation_id, kind, author_id, author_name, author_key, client_id, body,
                      sent_at, event)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (conversation_id, author_key, client_id) DO NOTHING
                 RETURNING id",
            )
            .bind(m.conversation.0)
            .bind(m.kind.as_str())
            .bind(m.author_id.map(|a| a.0))
            .bind(&m.author_name)
            .bind(&m.author_key)
            .bind(&m.client_id)
            .bind(&m.body)
            .bind(now)
            .bind(m.event.as_ref().and_then(|e| serde_json::to_string(e).ok()))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = inserted else {
                let sql = format!(
                    "{MESSAGE} WHERE conversation_id = $1 AND author_key = $2 AND client_id = $3"
                );
                let row: MessageRow = sqlx::query_as(&sql)
                    .bind(m.conversation.0)
                    .bind(&m.author_key)
                    .bind(&m.client_id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                let mut message = row.into_message()?;
                self.with_support_files(std::slice::from_mut(&mut message)).await?;
                return Ok(StoredSupport { message, fresh: false });
            };
            let files = match &m.uploader {
                Some(uploader) if !m.files.is_empty() => {
                    attach_files!(tx, "support_message_id", id, uploader, m.files, now)
                }
                _ => Vec::new(),
            };
            let update = match m.kind {
                MessageKind::Visitor => Some(
                    "UPDATE support_conversations
                        SET last_preview = $1, updated_at = $2, unanswered = unanswered + 1,
                            waiting_since = COALESCE(waiting_since, $2)
                      WHERE id = $3 AND $4 = $4",
                ),
                MessageKind::Agent => Some(
                    "UPDATE support_conversations
                        SET last_preview = $1, updated_at = $2, unanswered = 0,
                            waiting_since = NULL,
                            first_response_at = COALESCE(first_response_at, $2),
                            reroute_at = CASE WHEN assignee_id = $4 THEN NULL ELSE reroute_at END
                      WHERE id = $3",
                ),
                MessageKind::System => Some(
                    "UPDATE support_conversations SET updated_at = $2
                      WHERE id = $3 AND $1 = $1 AND $4 = $4",
                ),
                MessageKind::Note => None,
            };
            if let Some(sql) = update {
                sqlx::query(sql)
                    .bind(preview(&m.body))
                    .bind(now)
                    .bind(m.conversation.0)
                    .bind(m.author_id.map_or(0, |a| a.0))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            let (author_kind, private) = match m.kind {
                MessageKind::Visitor => (AuthorKind::Visitor, false),
                MessageKind::Agent => (AuthorKind::Agent, false),
                MessageKind::Note => (AuthorKind::Agent, true),
                MessageKind::System => (AuthorKind::System, false),
            };
            Ok(StoredSupport {
                message: SupportMessage {
                    conversation: m.conversation,
                    id: SupportMessageId(id),
                    author: m.author_name.clone(),
                    author_kind,
                    private,
                    body: m.body.clone(),
                    sent_at: now,
                    client_id: m.client_id.clone(),
                    event: m.event.clone(),
                    files,
                },
                fresh: true,
            })
        })
    }

    /// Moves the visitor's (`visitor`) or the staff's read marker of a
    /// conversation up to `id`; true when it moved.
    pub async fn mark_support_read(
        &self,
        conversation: ConversationId,
        visitor: bool,
        id: SupportMessageId,
    ) -> Result<bool, StoreError> {
        let sql = if visitor {
            "UPDATE support_conversations SET visitor_read_id = $2
              WHERE id = $1 AND visitor_read_id < $2
                AND $2 <= (SELECT COALESCE(MAX(m.id), 0) FROM support_messages m
                            WHERE m.conversation_id = $1)"
        } else {
            "UPDATE support_conversations SET staff_read_id = $2
              WHERE id = $1 AND staff_read_id < $2
                AND $2 <= (SELECT COALESCE(MAX(m.id), 0) FROM support_messages m
                            WHERE m.conversation_id = $1)"
        };
        let moved = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(conversation.0)
                .bind(id.0)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(moved > 0)
    }

    /// How far the visitor and the staff have read a conversation.
    pub async fn support_reads(
        &self,
        conversation: ConversationId,
    ) -> Result<(Option<SupportMessageId>, Option<SupportMessageId>), StoreError> {
        let row: Option<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT visitor_read_id, staff_read_id FROM support_conversations WHERE id = $1",
            )
            .bind(conversation.0)
            .fetch_optional(pool)
            .await?
        });
        let some = |id: i64| (id > 0).then_some(SupportMessageId(id));
        Ok(row.map_or((None, None), |(v, s)| (some(v), some(s))))
    }

    pub async fn conversation_state(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationState>, StoreError> {
        let sql = format!("{STATE} WHERE id = $1");
        let row: Option<StateRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.map(StateRow::into_state).transpose()
    }

    pub async fn conversation_row(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let sql = format!("{ROW} WHERE c.id = $1");
        let row: Option<RowRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.map(RowRow::into_row).transpose()
    }

    /// Conversation rows for a console list (at most 1,000).
    pub async fn list_conversations(
        &self,
        filter: ListFilter,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let (cond, order, agent) = match filter {
            ListFilter::Queue => (
                "c.assignee_id IS NULL AND c.status <> 'resolved' AND $1 = $1",
                "c.id ASC",
                0,
            ),
            ListFilter::Mine(me) => (
                "c.assignee_id = $1 AND c.status <> 'resolved'",
                "c.id ASC",
                me.0,
            ),
            ListFilter::All => ("$1 = $1", "c.id DESC", 0),
            ListFilter::Desk { agent, admin: true } => {
                ("c.status <> 'resolved' AND $1 = $1", "c.id ASC", agent.0)
            }
            ListFilter::Desk {
                agent,
                admin: false,
            } => (
                "c.status <> 'resolved' AND (c.assignee_id IS NULL OR c.assignee_id = $1)",
                "c.id ASC",
                agent.0,
            ),
        };
        let sql = format!("{ROW} WHERE {cond} ORDER BY {order} LIMIT 1000");
        let rows: Vec<RowRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(agent).fetch_all(pool).await?
        });
        rows.into_iter().map(RowRow::into_row).collect()
    }

    /// Resolved conversations, newest first: those with an id below `before`,
    /// at most `limit`; when `agent` is given, only those they may see
    /// (`support::access::may_see`: theirs, and unassigned ones).
    pub async fn resolved_conversations(
        &self,
        agent: Option<UserId>,
        before: Option<ConversationId>,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "{ROW} WHERE c.status = 'resolved' AND c.id < $1
                     AND ($2 IS NULL OR c.assignee_id = $2 OR c.assignee_id IS NULL)
               ORDER BY c.id DESC LIMIT $3"
        );
        let rows: Vec<RowRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(before.map_or(i64::MAX, |b| b.0))
                .bind(agent.map(|a| a.0))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(RowRow::into_row).collect()
    }

    /// Conversations whose visitor's name or email, or any of whose messages
    /// (notes included: staff wrote them), contain `text` in any case, newest
    /// first, at most `limit`; with `agent`, only those an agent may see
    /// (unassigned, or theirs: `support::access`). A scan of the desk's
    /// messages, not an index: a desk holds far fewer than the chat.
    pub async fn search_conversations(
        &self,
        text: &str,
        agent: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!(
            "{ROW} LEFT JOIN support_visitors v ON v.id = c.visitor_id
              WHERE ($2 IS NULL OR c.assignee_id = $2 OR c.assignee_id IS NULL)
                AND (lower(c.visitor_name) LIKE $1 ESCAPE '\\'
                     OR lower(v.name) LIKE $1 ESCAPE '\\'
                     OR lower(v.email) LIKE $1 ESCAPE '\\'
                     OR EXISTS (SELECT 1 FROM support_messages m
                                 WHERE m.conversation_id = c.id
                                   AND lower(m.body) LIKE $1 ESCAPE '\\'))
              ORDER BY c.id DESC LIMIT $3"
        );
        let pattern = format!("%{}%", super::rooms::escape_like(&text.to_lowercase()));
        let rows: Vec<RowRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(&pattern)
                .bind(agent.map(|a| a.0))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(RowRow::into_row).collect()
    }

    /// A visitor's conversations, newest first.
    pub async fn visitor_conversations(
        &self,
        visitor: VisitorId,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let sql = format!("{ROW} WHERE c.visitor_id = $1 ORDER BY c.id DESC LIMIT 200");
        let rows: Vec<RowRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(visitor.0).fetch_all(pool).await?
        });
        rows.into_iter().map(RowRow::into_row).collect()
    }

    /// Messages of a conversation, oldest first: those after `since` (at most
    /// `limit`), or the newest `limit`. Notes only when `notes` is set.
    pub async fn support_messages(
        &self,
        conversation: ConversationId,
        since: Option<SupportMessageId>,
        notes: bool,
        limit: usize,
    ) -> Result<Vec<SupportMessage>, StoreError> {
        let kinds = if notes { "" } else { " AND kind <> 'note'" };
        let rows: Vec<MessageRow> = match since {
            Some(since) => {
                let sql = format!(
                    "{MESSAGE} WHERE conversation_id = $1 AND id > $2{kinds} ORDER BY id ASC LIMIT $3"
                );
                on_pool!(self, pool => {
                    sqlx::query_as(&sql)
                        .bind(conversation.0)
                        .bind(since.0)
                        .bind(limit as i64)
                        .fetch_all(pool)
                        .await?
                })
            }
            None => {
                let sql = format!(
                    "{MESSAGE} WHERE conversation_id = $1 AND $2 = $2{kinds} ORDER BY id DESC LIMIT $3"
                );
                let mut rows: Vec<MessageRow> = on_pool!(self, pool => {
                    sqlx::query_as(&sql)
                        .bind(conversation.0)
                        .bind(0i64)
                        .bind(limit as i64)
                        .fetch_all(pool)
                        .await?
                });
                rows.reverse();
                rows
            }
        };
        let mut messages = rows
            .into_iter()
            .map(MessageRow::into_message)
            .collect::<Result<Vec<_>, _>>()?;
        self.with_support_files(&mut messages).await?;
        Ok(messages)
    }

    /// Assigns an unassigned, unresolved conversation; false when it was not
    /// (someone else got it first, or it was resolved meanwhile).
    pub async fn assign_if_unassigned(
        &self,
        id: ConversationId,
        agent: UserId,
        reroute_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_conversations
                    SET assignee_id = $1, reroute_at = $2, updated_at = $3
                  WHERE id = $4 AND assignee_id IS NULL AND status <> 'resolved'",
            )
            .bind(agent.0)
            .bind(reroute_at)
            .bind(now)
            .bind(id.0)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Assigns a conversation whatever its assignee (claims, transfers and
    /// admin assignments; `None` puts it back in the queue).
    pub async fn set_assignee(
        &self,
        id: ConversationId,
        agent: Option<UserId>,
        reroute_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_conversations
                    SET assignee_id = $1, reroute_at = $2, updated_at = $3
                  WHERE id = $4",
            )
            .bind(agent.map(|a| a.0))
            .bind(reroute_at)
            .bind(now)
            .bind(id.0)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Takes a conversation whose re-routing deadline has passed from its
    /// assignee (who is then skipped when routing it again). Returns that
    /// agent, or `None` when it was answered or reassigned meanwhile.
    pub async fn take_overdue(
        &self,
        id: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        let taken: Option<Option<i64>> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "UPDATE support_conversations
                    SET skip_agent_id = assignee_id, assignee_id = NULL, reroute_at = NULL,
                        updated_at = $1
                  WHERE id = $2 AND reroute_at IS NOT NULL AND reroute_at <= $1
                        AND assignee_id IS NOT NULL AND status <> 'resolved'
                  RETURNING skip_agent_id",
            )
            .bind(now)
            .bind(id.0)
            .fetch_optional(pool)
            .await?
        });
        Ok(taken.flatten().map(UserId))
    }

    /// Puts every conversation assigned to `agent` and not resolved back in
    /// the queue (their agent role was taken away). Returns them, by id.
    pub async fn unassign_all(
        &self,
        agent: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let mut ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "UPDATE support_conversations
                    SET assignee_id = NULL, reroute_at = NULL, updated_at = $1
                  WHERE assignee_id = $2 AND status <> 'resolved'
                  RETURNING id",
            )
            .bind(now)
            .bind(agent.0)
            .fetch_all(pool)
            .await?
        });
        ids.sort_unstable();
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Conversations whose assignee has not answered by the deadline.
    pub async fn overdue_conversations(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM support_conversations
                  WHERE reroute_at IS NOT NULL AND reroute_at <= $1 AND status <> 'resolved'
                  ORDER BY id LIMIT 500",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// The earliest re-routing deadline, if any.
    pub async fn next_reroute(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT reroute_at FROM support_conversations
                  WHERE reroute_at IS NOT NULL AND status <> 'resolved'
                  ORDER BY reroute_at LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The queue in arrival order, with the agent each one must skip.
    pub async fn queue(&self) -> Result<Vec<(ConversationId, Option<UserId>)>, StoreError> {
        let rows: Vec<(i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, skip_agent_id FROM support_conversations
                  WHERE assignee_id IS NULL AND status <> 'resolved' ORDER BY id LIMIT 1000",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, skip)| (ConversationId(id), skip.map(UserId)))
            .collect())
    }

    /// Open (assigned, not resolved) conversations per agent.
    pub async fn open_loads(&self) -> Result<HashMap<UserId, i64>, StoreError> {
        let rows: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT assignee_id, COUNT(*) FROM support_conversations
                  WHERE assignee_id IS NOT NULL AND status <> 'resolved' GROUP BY assignee_id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(a, n)| (UserId(a), n)).collect())
    }

    /// Changes the status; resolving stamps `resolved_at` and drops the
    /// re-routing deadline; reopening sets a new one (`reroute_at`). The rating
    /// stays (a new one replaces it).
    pub async fn set_conversation_status(
        &self,
        id: ConversationId,
        status: ConversationStatus,
        reroute_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            match status {
                ConversationStatus::Resolved => sqlx::query(
                    "UPDATE support_conversations
                        SET status = 'resolved', resolved_at = $1, updated_at = $1,
                            reroute_at = NULL
                      WHERE id = $2",
                )
                .bind(now)
                .bind(id.0)
                .execute(pool)
                .await?,
                ConversationStatus::Pending => sqlx::query(
                    "UPDATE support_conversations SET status = 'pending', updated_at = $1
                      WHERE id = $2",
                )
                .bind(now)
                .bind(id.0)
                .execute(pool)
                .await?,
                ConversationStatus::Open => sqlx::query(
                    "UPDATE support_conversations
                        SET status = 'open', updated_at = $1, resolved_at = NULL,
                            reroute_at = CASE WHEN assignee_id IS NULL THEN NULL ELSE $3 END
                      WHERE id = $2",
                )
                .bind(now)
                .bind(id.0)
                .bind(reroute_at)
                .execute(pool)
                .await?,
            };
        });
        Ok(())
    }

    /// The name and email a visitor left on one conversation.
    pub async fn set_conversation_contact(
        &self,
        id: ConversationId,
        name: Option<&str>,
        email: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_conversations
                    SET visitor_name = COALESCE($1, visitor_name), visitor_email = $2
                  WHERE id = $3",
            )
            .bind(name)
            .bind(email)
            .bind(id.0)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn rate_conversation(
        &self,
        id: ConversationId,
        score: u8,
        comment: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE support_conversations SET rating = $1, rating_comment = $2 WHERE id = $3",
            )
            .bind(i16::from(score))
            .bind(comment)
            .bind(id.0)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The first response, resolution and rating of a conversation.
    pub async fn conversation_times(
        &self,
        id: ConversationId,
    ) -> Result<Option<(Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<Rating>)>, StoreError>
    {
        #[derive(sqlx::FromRow)]
        struct Row {
            first_response_at: Option<DateTime<Utc>>,
            resolved_at: Option<DateTime<Utc>>,
            rating: Option<i16>,
            rating_comment: Option<String>,
        }
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT first_response_at, resolved_at, rating, rating_comment
                   FROM support_conversations WHERE id = $1",
            )
            .bind(id.0)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| {
            let rating = r.rating.map(|s| Rating {
                score: u8::try_from(s).unwrap_or(0),
                comment: r.rating_comment,
            });
            (r.first_response_at, r.resolved_at, rating)
        }))
    }

    // --- agents --------------------------------------------------------------

    /// Capacities set by admins (agents without one have the default).
    pub async fn capacities(&self) -> Result<HashMap<UserId, i64>, StoreError> {
        let rows: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT user_id, capacity FROM support_agents")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(u, c)| (UserId(u), c)).collect())
    }

    pub async fn set_capacity(&self, agent: UserId, capacity: i64) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO support_agents (user_id, capacity) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE SET capacity = excluded.capacity",
            )
            .bind(agent.0)
            .bind(capacity)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    // --- canned replies ------------------------------------------------------

    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, StoreError> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, title, body FROM support_canned_replies ORDER BY title, id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, title, body)| CannedReply { id, title, body })
            .collect())
    }

    pub async fn create_canned_reply(
        &self,
        title: &str,
        body: &str,
    ) -> Result<CannedReply, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO support_canned_replies (title, body, created_at)
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(title)
            .bind(body)
            .bind(Utc::now())
            .fetch_one(pool)
            .await?
        });
        Ok(CannedReply {
            id,
            title: title.to_owned(),
            body: body.to_owned(),
        })
    }

    /// Replaces a canned reply; false when there is none with that id.
    pub async fn update_canned_reply(
        &self,
        id: i64,
        title: &str,
        body: &str,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE support_canned_replies SET title = $1, body = $2 WHERE id = $3")
                .bind(title)
                .bind(body)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn delete_canned_reply(&self, id: i64) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM support_canned_replies WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    // --- business hours ------------------------------------------------------

    /// The stored business hours (the defaults when none were saved).
    pub async fn business_hours(&self) -> Result<BusinessHours, StoreError> {
        let json: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT hours FROM support_settings WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        match json {
            None => Ok(BusinessHours::default()),
            Some(j) => serde_json::from_str(&j).map_err(|e| {
                StoreError::Database(sqlx::Error::Decode(
                    format!("stored business hours: {e}").into(),
                ))
            }),
        }
    }

    pub async fn set_business_hours(&self, hours: &BusinessHours) -> Result<(), StoreError> {
        let json = serde_json::to_string(hours)
            .map_err(|e| StoreError::Config(format!("business hours: {e}")))?;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO support_settings (id, hours) VALUES (1, $1)
                 ON CONFLICT (id) DO UPDATE SET hours = excluded.hours",
            )
            .bind(json)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(super::preview("a\n  b"), "a b");
        let long = "x".repeat(200);
        let p = super::preview(&long);
        assert_eq!(p.chars().count(), app::protocol::PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
    }
}
