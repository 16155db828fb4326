//! Argon2id password hashing on a small pool of its own threads.
//!
//! A hash takes tens of milliseconds of CPU and ~19 MiB of memory, so it must
//! neither stall the async threads nor run unbounded: on Tokio's blocking pool
//! (up to 512 threads) 64 parallel logins for unknown users took the server
//! from 21 MiB to 1.2 GiB. Here at most `SWITCHBOARD_HASH_THREADS` hashes run
//! at once, each on a long-lived thread with its own working memory allocated
//! once (so memory is bounded by threads × 19 MiB), and at most `SWITCHBOARD_HASH_QUEUE` more wait
//! in a bounded queue. A job that finds the queue full is refused at once with
//! [`Busy`] — the caller answers 503 with `Retry-After` — instead of waiting
//! for seconds while holding a connection: the queue is short, so a queued job
//! waits at most a few hash-times.

use argon2::{
    password_hash::{Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version, ARGON2ID_IDENT,
};
use rand::RngCore;
use std::sync::{
    mpsc::{sync_channel, SyncSender, TrySendError},
    Arc, Mutex, OnceLock,
};
use thiserror::Error;
use tokio::sync::oneshot;

/// A hashing thread's working memory, allocated once and reused by every
/// hash it runs. Allocating it per hash (as `Argon2::hash_password` does) let
/// the allocator keep each freed 19 MiB in whichever of its per-thread arenas
/// served it: 64 logins left ~400 MiB resident with only two threads hashing.
type Memory = Vec<Block>;

fn memory_for(mem: &mut Memory, params: &Params) -> anyhow::Result<()> {
    let blocks = params.block_count();
    if mem.len() < blocks {
        mem.try_reserve_exact(blocks - mem.len())
            .map_err(|e| anyhow::anyhow!("hash memory: {e}"))?;
        mem.resize(blocks, Block::default());
    }
    Ok(())
}

fn hash_now(password: &str, mem: &mut Memory) -> anyhow::Result<String> {
    // argon2id v19 with the crate's defaults (19 MiB, 2 passes): OWASP's minimum.
    let params = Params::default();
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    memory_for(mem, &params)?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            &mut mem[..params.block_count()],
        )
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let phc = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// A hash of a random password, verified against when the username does not
/// exist, so a failed login costs the same time either way and does not reveal
/// which usernames are registered.
fn dummy_hash(mem: &mut Memory) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut pw);
        hash_now(&hex::encode(pw), mem).expect("hashing a fixed-size random password")
    })
}

/// Whether `password` matches the PHC string `stored`, computed in `mem`
/// with the parameters the hash was made with.
fn matches(password: &str, stored: &str, mem: &mut Memory) -> anyhow::Result<bool> {
    let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("stored hash: {e}");
    let phc = PasswordHash::new(stored).map_err(|e| bad(&e))?;
    let algorithm = Algorithm::try_from(phc.algorithm).map_err(|e| bad(&e))?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).map_err(|e| bad(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&phc).map_err(|e| bad(&e))?;
    let expected = phc.hash.ok_or_else(|| bad(&"no hash"))?;
    let mut salt = [0u8; 64];
    let salt = phc
        .salt
        .ok_or_else(|| bad(&"no salt"))?
        .decode_b64(&mut salt)
        .map_err(|e| bad(&e))?;
    let mut out = vec![0u8; expected.len()];
    memory_for(mem, &params)?;
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut mem[..params.block_count()],
        )
        .map_err(|e| bad(&e))?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(|e| bad(&e))? == expected)
}

fn verify_now(password: &str, stored: Option<&str>, mem: &mut Memory) -> anyhow::Result<bool> {
    let exists = stored.is_some();
    let ok = match stored {
        Some(stored) => matches(password, stored, mem)?,
        None => {
            let dummy = dummy_hash(mem);
            matches(password, dummy, mem)?
        }
    };
    Ok(ok && exists)
}

/// Why a hash job did not run.
#[derive(Debug, Error)]
pub enum HashError {
    /// Every hashing thread is busy and the queue is full: try again shortly.
    #[error("the server is busy checking passwords; try again in a moment")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

pub use HashError::Busy;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing pool: cheap to clone, shared by every request. Its threads end
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Hasher {
    /// A std channel, not a Tokio one: the receiving side is plain threads,
    /// and `try_send` on a full `sync_channel` is exactly "the queue is full".
    jobs: SyncSender<Job>,
}

impl Hasher {
    /// `threads` hashing threads (at least 1), and `queue` jobs that may wait.
    pub fn start(threads: usize, queue: usize) -> Hasher {
        let (jobs, rx) = sync_channel::<Job>(queue);
        // One receiver shared by the threads; the lock is held only while
        // taking a job, never while hashing.
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    let mut mem = Memory::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut mem),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                // Fewer threads only means slower logins; one is enough to work.
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        Hasher { jobs }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |mem| {
            let _ = tx.send(work(mem));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(Busy),
            Err(TrySendError::Disconnected(_)) => {
                return Err(anyhow::anyhow!("the hashing threads have stopped").into())
            }
        }
        rx.await
            .map_err(|_| anyhow::anyhow!("a hashing thread failed"))?
            .map_err(HashError::Failed)
    }

    /// The PHC string of a new salted hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move |mem| hash_now(&password, mem)).await
    }

    /// Checks `password` against `stored`, or against a dummy hash when there
    /// is no account; true only for a real match.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        self.run(move |mem| verify_now(&password, stored.as_deref(), mem))
            .await
    }

    /// Computes the dummy hash ahead of the first failed login.
    pub fn warm_up(&self) {
        // Queued like any job; if the queue is full the first login does it.
        let _ = self.jobs.try_send(Box::new(|mem| {
            dummy_hash(mem);
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_unknown_user() {
        let pool = Hasher::start(1, 4);
        let h = pool.hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(pool
            .verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!pool.verify("wrong horse!".into(), Some(h)).await.unwrap());
        assert!(!pool.verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut mem = Memory::new();
        let ours = hash_now("correct horse", &mut mem).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        // A hash made by the library (as stored by earlier versions) verifies here.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(matches("battery staple", &theirs, &mut mem).unwrap());
        assert!(!matches("battery stapler", &theirs, &mut mem).unwrap());
        assert_eq!(mem.len(), Params::default().block_count(), "memory reused");
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_not_waited_for() {
        // One thread and room for one waiting job: while the thread works and
        // one job waits, the next is refused at once.
        let pool = Hasher::start(1, 1);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocker: Job = Box::new(move |_| {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        assert!(pool.jobs.try_send(blocker).is_ok());
        started_rx.recv().unwrap();
        let (ran_tx, ran_rx) = std::sync::mpsc::channel();
        let waiting: Job = Box::new(move |_| ran_tx.send(()).unwrap());
        assert!(pool.jobs.try_send(waiting).is_ok(), "one may wait");
        assert!(matches!(pool.hash("x".into()).await, Err(HashError::Busy)));
        release_tx.send(()).unwrap();
        ran_rx.recv().unwrap();
        assert!(pool.hash("x".into()).await.is_ok(), "free again");
    }
}
