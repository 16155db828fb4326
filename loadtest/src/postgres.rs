//! Fresh PostgreSQL databases for cluster runs, one per measurement, so that
//! no run reads another's rooms or history. Created and dropped with `psql`:
//! the nodes bring their own driver and migrations, and the tool needs no
//! database client of its own for two statements.

use anyhow::{bail, Context};
use std::{
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

/// Seconds `psql` may take to connect (`PGCONNECT_TIMEOUT`).
const CONNECT_TIMEOUT_SECS: &str = "5";

/// A database made for one measurement. Dropped (with `FORCE`, which ends
/// the connections of nodes that are still going) when the handle is.
pub struct Database {
    /// `DATABASE_URL` for the nodes.
    pub url: String,
    pub name: String,
    /// The existing database `psql` connects to for `CREATE`/`DROP DATABASE`.
    admin_url: String,
}

impl Database {
    /// Creates `loadtest_<pid>_<n>_<tag>` on the server of `admin_url` (a URL of
    /// an existing database there, e.g. `postgres://postgres@127.0.0.1:5432/test`).
    pub fn create(admin_url: &str, tag: &str) -> anyhow::Result<Database> {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!("loadtest_{}_{n}_{tag}", std::process::id());
        let base = server_url(admin_url)?;
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(Database {
            url: format!("{base}/{name}"),
            name,
            admin_url: admin_url.to_owned(),
        })
    }
}

impl Drop for Database {
    /// Blocks for the few milliseconds `psql` takes: a drop cannot await, and
    /// dropping here (not only on the happy path) is what keeps a failed run
    /// from leaving databases behind.
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = psql(&self.admin_url, &sql) {
            eprintln!("loadtest: could not drop database {}: {e:#}", self.name);
        }
    }
}

/// `postgres://user@host:port/db?opts` → `postgres://user@host:port`.
fn server_url(url: &str) -> anyhow::Result<String> {
    let without_query = url.split('?').next().unwrap_or(url);
    let rest = without_query
        .strip_prefix("postgres://")
        .or_else(|| without_query.strip_prefix("postgresql://"))
        .with_context(|| format!("{url}: not a postgres:// URL"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(format!("postgres://{authority}"))
}

fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-qc", sql])
        .env("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_SECS)
        .output()
        .context("running psql (postgresql-client)")?;
    if !out.status.success() {
        bail!(
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::server_url;

    #[test]
    fn the_server_part_of_a_url() {
        assert_eq!(
            server_url("postgres://postgres@127.0.0.1:5432/test").unwrap(),
            "postgres://postgres@127.0.0.1:5432"
        );
        assert_eq!(
            server_url("postgresql://u:p@h/db?sslmode=disable").unwrap(),
            "postgres://u:p@h"
        );
        assert!(server_url("sqlite://x.db").is_err());
    }
}
