//! Persistence: one [`Store`] in front of SQLite or PostgreSQL, chosen by the
//! scheme of `DATABASE_URL`. Both backends run the same SQL (SQLite accepts
//! PostgreSQL's `$1` placeholders); each has its own `migrations/` folder for the
//! schema, where the two dialects differ.
//!
//! The store owns SQL and row mapping only; who may do what is decided by callers.

mod api_keys;
mod audit;
pub(crate) mod files;
mod invites;
mod messages;
mod password_resets;
mod pins;
mod profiles;
pub(crate) mod push;
mod reactions;
mod rooms;
mod schedules;
mod search;
mod sessions;
pub(crate) mod support;
mod threads;
mod users;
mod writer;

pub use audit::NewAuditEntry;
pub use files::{FileHome, NewFile, StoredFile, Uploader};
pub use messages::{Change, Deleted, NewMessage, Stored};
pub use pins::Pinned;
pub use profiles::ProfileChange;
pub use push::{Author, NewAnnouncement};
pub use reactions::Reacted;
pub use rooms::{RoomPage, Standing};
pub use schedules::{Claim, ScheduleFields, StoredSchedule};
pub use search::SearchFilter;
pub use sessions::{session_id, SessionOrigin};
pub use support::{
    ConversationState, ListFilter, MessageKind, NewConversation, NewSupportMessage, StoredSupport,
};
pub use users::{Admission, SignUpError, SignUpRefusal};
pub use writer::{MessageWriter, WalSync, Written};

use sqlx::{
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};
use std::{str::FromStr, time::Duration};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the text says which (e.g. "username is taken").
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
}

/// A cheap-to-clone handle on the database pool.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has. The body is
/// compiled once per backend, so the same query text is type-checked for both.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Starts a transaction that is going to write.
///
/// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`). A deferred
/// transaction that reads first and writes later fails with "database is
/// locked" straight away — `busy_timeout` does not apply to that upgrade —
/// whenever another connection committed in between (say, the scheduler
/// recording deliveries while a user marks the same announcement seen).
/// Waiting for the lock up front turns that into a short queue.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for sqlx::PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Turns a unique-constraint violation into [`StoreError::Conflict`].
fn conflict(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(what.to_owned())
        }
        _ => StoreError::Database(e),
    }
}

/// A lock every node of a cluster respects, held while this value lives. On
/// PostgreSQL a transaction-scoped advisory lock: dropping the value (on any
/// path, an error's included) rolls the transaction back and frees it. On
/// SQLite, which serves one node, there is nobody to exclude.
pub struct ClusterLock {
    _tx: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

/// The advisory-lock keys the nodes agree on.
pub mod locks {
    /// One support routing pass at a time across the cluster, so two nodes
    /// cannot both give an agent their last free slot.
    pub const ROUTING: i64 = 0x5357_0001;
}

impl Store {
    /// Takes the cluster-wide lock `key`, waiting for it.
    pub async fn cluster_lock(&self, key: i64) -> Result<ClusterLock, StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(ClusterLock { _tx: None }),
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                Ok(ClusterLock { _tx: Some(tx) })
            }
        }
    }

    /// Connects to `url` and brings the schema up to date. On PostgreSQL
    /// sqlx's migrator holds an advisory lock while it runs, so nodes that
    /// start together migrate once, one after the other.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before we acknowledge a message, so
                // even a power loss keeps acknowledged messages. Group commit in
                // `ingest` keeps the fsync cost per batch, not per message.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Config(format!(
                            "cannot create the database folder {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                // sqlx pings a connection each time it leaves the pool: a
                // round trip to its worker thread before every query. An
                // embedded database's connection does not drop.
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
            Store {
                backend: Backend::Sqlite(pool),
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Store {
                backend: Backend::Postgres(pool),
            }
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::Config(format!(
                "DATABASE_URL: unsupported scheme {scheme:?}; use sqlite:// or postgres://"
            )));
        };
        Ok(store)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))?;
        Ok(())
    }

    /// "sqlite" or "postgres", for logs and benchmarks.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Waits for in-flight queries and closes the pool (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
