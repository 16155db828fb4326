//! Ingest's own database connection: where chat messages are written.
//!
//! Through the pool, each batch paid for sqlx's liveness pings (a round trip
//! to the connection's worker thread on the way out and another on the way
//! back) and ran on whichever connection was free, whose page cache the
//! others' writes had made stale: SQLite read some twenty pages back from the
//! WAL before every commit (docs/performance.md, "Session 29"). One
//! connection that only ingest uses keeps its cache and goes straight to work.
//!
//! On SQLite it also leaves WAL checkpoints to someone else. A commit that
//! takes the WAL past SQLite's threshold copies it into the database file
//! before returning, with two more fsyncs, and every message of that batch
//! (and of the batches queued behind it) waited for that. Here the writer
//! only counts its commits, and every [`CHECKPOINT_EVERY`] it nudges a task
//! on the server's runtime that checkpoints from a pool connection, beside
//! the writes rather than in their way ([`Store::checkpoint`]).
//!
//! And on SQLite its commits do not wait for the disk (`synchronous =
//! NORMAL` on this one connection): a committed batch is in the WAL, which
//! every connection reads and a crash of the server cannot lose, but only
//! [`WalSync::sync`] puts it on the disk, where a power cut cannot lose it
//! either. Ingest publishes a batch to the room when it is committed and
//! acknowledges it to its senders once it is synced, by a thread that syncs
//! for every batch committed meanwhile at once (`ingest::sync`). The fsync
//! was most of a quiet chat's delivery time (docs/performance.md, "Session
//! 29"), and its senders are a tenth of a room's recipients.

use super::{messages, Backend, Store, StoreError, Stored};
use crate::store::NewMessage;
use sqlx::{PgConnection, SqliteConnection};
use std::{fs::File, sync::Arc};
use tokio::sync::mpsc;

/// Commits between two checkpoints. A chat batch of a few messages writes
/// about 17 WAL pages (the message, its indexes and its search entry), so
/// this keeps the WAL near SQLite's own threshold of 1,000 pages; large
/// batches make it longer, never unbounded.
const CHECKPOINT_EVERY: u32 = 64;

/// Stores chat messages on a connection of its own (see the module).
pub struct MessageWriter {
    store: Store,
    /// `None` until the first batch, and after a failed one: that
    /// connection may be broken, so the next batch takes a new one.
    conn: Option<Conn>,
    /// Commits since the last checkpoint was asked for.
    commits: u32,
    /// Asks the checkpointer for one (SQLite only); a full channel means
    /// one is asked for already.
    checkpoint: Option<mpsc::Sender<()>>,
}

enum Conn {
    /// With the WAL to sync, when the database has one (not in memory).
    Sqlite(SqliteConnection, Option<WalSync>),
    Postgres(PgConnection),
}

/// A batch the writer committed.
pub struct Written {
    pub stored: Vec<Stored>,
    /// What still has to be synced before the batch may be acknowledged:
    /// `None` when the commit itself was durable (PostgreSQL, or a SQLite
    /// database without a WAL).
    pub unsynced: Option<WalSync>,
}

/// The writer's WAL file, to put its commits on the disk.
#[derive(Clone)]
pub struct WalSync(Arc<File>);

impl WalSync {
    /// Waits until everything committed so far is on the disk (blocking).
    /// Any handle on the file syncs all of it, whoever wrote it.
    pub fn sync(&self) -> std::io::Result<()> {
        self.0.sync_data()
    }

    /// Whether the two stand for the same open file.
    pub fn same(&self, other: &WalSync) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Store {
    /// The writer ingest stores messages with. On SQLite this starts its
    /// checkpointer on the current runtime; it stops when the writer goes.
    pub fn message_writer(&self) -> MessageWriter {
        let checkpoint = match &self.backend {
            Backend::Sqlite(_) => {
                let (tx, rx) = mpsc::channel(1);
                tokio::spawn(checkpoints(self.clone(), rx));
                Some(tx)
            }
            Backend::Postgres(_) => None,
        };
        MessageWriter {
            store: self.clone(),
            conn: None,
            commits: 0,
            checkpoint,
        }
    }
}

impl MessageWriter {
    /// Stores a batch as [`Store::insert_messages`] does, except that it
    /// may be left to sync ([`Written::unsynced`]).
    pub async fn insert_messages<M>(&mut self, batch: &[M]) -> Result<Written, StoreError>
    where
        M: std::borrow::Borrow<NewMessage> + Sync,
    {
        if batch.is_empty() {
            return Ok(Written {
                stored: Vec::new(),
                unsynced: None,
            });
        }
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.connect().await?),
        };
        let (stored, unsynced) = match conn {
            Conn::Sqlite(c, wal) => (messages::store_batch_sqlite(c, batch).await, wal.clone()),
            Conn::Postgres(c) => (messages::store_batch_postgres(c, batch).await, None),
        };
        match stored {
            Ok(stored) => {
                self.committed();
                Ok(Written {
                    stored: self.store.finish_stored(stored).await?,
                    unsynced,
                })
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    /// A connection taken out of the pool for good: the pool opens another
    /// in its place, and this one is closed when the writer is done with it.
    async fn connect(&self) -> Result<Conn, StoreError> {
        Ok(match &self.store.backend {
            Backend::Sqlite(pool) => {
                let mut c = pool.acquire().await?.detach();
                // Its commits never checkpoint: the checkpointer does.
                sqlx::query("PRAGMA wal_autocheckpoint = 0")
                    .execute(&mut c)
                    .await?;
                let wal = wal_of(&mut c).await?;
                if wal.is_some() {
                    // Ingest syncs the WAL itself before acknowledging.
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut c)
                        .await?;
                }
                Conn::Sqlite(c, wal)
            }
            Backend::Postgres(pool) => Conn::Postgres(pool.acquire().await?.detach()),
        })
    }

    fn committed(&mut self) {
        let Some(checkpoint) = &self.checkpoint else {
            return;
        };
        self.commits += 1;
        if self.commits >= CHECKPOINT_EVERY {
            self.commits = 0;
            let _ = checkpoint.try_send(());
        }
    }
}

/// The WAL file of the connection's main database, opened to sync it; `None`
/// when there is none (a database in memory, or not in WAL mode). It stays
/// the same file while the connection is open: SQLite deletes a WAL only when
/// its last connection closes.
async fn wal_of(c: &mut SqliteConnection) -> Result<Option<WalSync>, StoreError> {
    // A read opens the WAL (a new database has none before).
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut *c)
        .await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(None);
    }
    let path: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(&mut *c)
            .await?;
    if path.is_empty() {
        return Ok(None);
    }
    let wal = File::open(format!("{path}-wal")).map_err(|e| {
        StoreError::Config(format!("cannot open the database's WAL {path}-wal: {e}"))
    })?;
    Ok(Some(WalSync(Arc::new(wal))))
}

/// Checkpoints the WAL whenever the writer asks, until the writer is gone.
async fn checkpoints(store: Store, mut asked: mpsc::Receiver<()>) {
    while asked.recv().await.is_some() {
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// WAL frames (pages) past which a checkpoint also restarts the WAL: 32 MiB
/// with SQLite's 4 KiB pages.
const RESTART_AT: i64 = 8192;

impl Store {
    /// Copies the SQLite WAL into the database file as far as readers
    /// allow, and keeps the WAL from growing for ever. Nothing to do on
    /// PostgreSQL.
    ///
    /// PASSIVE first: it never makes a writer wait, and does nearly all the
    /// work. But SQLite starts the WAL over only when a writer begins while
    /// everything in it is copied, and a writer that keeps writing beside
    /// the checkpoint always has something newer: the WAL would grow as long
    /// as messages keep coming. Once it is past [`RESTART_AT`], RESTART
    /// holds the writers off while it copies the little that is left, and
    /// the next commit starts the WAL over.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        let Backend::Sqlite(pool) = &self.backend else {
            return Ok(());
        };
        let (_busy, log, _copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(pool)
                .await?;
        if log > RESTART_AT {
            sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}
