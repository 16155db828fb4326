//! The connection to the broker, Redis pub/sub or core NATS: one
//! subscription per node, on a pattern that covers every subject the cluster
//! publishes on, and a way to publish. Both are at most once: a message
//! published while a node is disconnected is gone for it, which the bus
//! detects (`seq` gaps) and repairs by resyncing its clients.
//!
//! What arrives is handed on as [`Inbound`]: payloads, and the connection
//! going down and coming back up.

use bytes::Bytes;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What the broker connection reports to the bus.
#[derive(Debug)]
pub enum Inbound {
    /// A payload published on one of the cluster's subjects.
    Message(Bytes),
    /// Subscribed (first time, or again after a fault).
    Up,
    /// The connection broke; reconnecting.
    Down,
}

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often an idle Redis subscription is pinged, so a broker that vanished
/// without closing the socket is noticed.
const PING_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("nats: {0}")]
    Nats(String),
    #[error("the broker connection is down")]
    Down,
}

/// The publishing side of a broker connection.
pub enum Broker {
    Redis {
        client: redis::Client,
        /// `None` after a failure, until the next publish reconnects.
        conn: Option<redis::aio::MultiplexedConnection>,
    },
    Nats(async_nats::Client),
}

impl Broker {
    /// Connects to `url` and starts the node's one subscription (on
    /// `prefix.*`) in the background; everything it hears goes to `inbound`.
    /// Returns at once: a broker that is not up yet is retried with backoff.
    pub async fn start(
        url: &str,
        prefix: &str,
        inbound: mpsc::Sender<Inbound>,
        stop: CancellationToken,
    ) -> Result<Broker, BrokerError> {
        if url.starts_with("nats://") {
            let events = inbound.clone();
            let client = async_nats::ConnectOptions::new()
                .retry_on_initial_connect()
                .max_reconnects(None)
                .reconnect_delay_callback(|attempt| backoff(attempt as u32))
                .connection_timeout(Duration::from_secs(2))
                // A burst of frames is never dropped by the client while the
                // bus task reads them (the bus's own queue is bounded too).
                .subscription_capacity(64 * 1024)
                .event_callback(move |event| {
                    let events = events.clone();
                    async move {
                        let report = match event {
                            async_nats::Event::Connected => Some(Inbound::Up),
                            async_nats::Event::Disconnected => Some(Inbound::Down),
                            async_nats::Event::SlowConsumer(_) => {
                                tracing::warn!(
                                    "the bus subscription fell behind; frames were dropped"
                                );
                                None
                            }
                            other => {
                                tracing::info!(event = %other, "nats");
                                None
                            }
                        };
                        if let Some(r) = report {
                            let _ = events.send(r).await;
                        }
                    }
                })
                .connect(url)
                .await
                .map_err(|e| BrokerError::Nats(e.to_string()))?;
            let subscriber = client
                .subscribe(format!("{prefix}.>"))
                .await
                .map_err(|e| BrokerError::Nats(e.to_string()))?;
            tokio::spawn(nats_receive(subscriber, inbound, stop));
            Ok(Broker::Nats(client))
        } else {
            let client = redis::Client::open(url)?;
            tokio::spawn(redis_receive(
                client.clone(),
                format!("{prefix}.*"),
                inbound,
                stop,
            ));
            Ok(Broker::Redis { client, conn: None })
        }
    }

    /// Waits (briefly) until what was published has left this process: the
    /// NATS client buffers, and a goodbye must not die in its buffer.
    pub async fn flush(&mut self) {
        if let Broker::Nats(client) = self {
            let _ = tokio::time::timeout(Duration::from_secs(1), client.flush()).await;
        }
    }

    pub async fn publish(&mut self, subject: String, payload: Bytes) -> Result<(), BrokerError> {
        match self {
            Broker::Nats(client) => client
                .publish(subject, payload)
                .await
                .map_err(|e| BrokerError::Nats(e.to_string())),
            Broker::Redis { client, conn } => {
                if conn.is_none() {
                    let fresh = tokio::time::timeout(
                        Duration::from_secs(2),
                        client.get_multiplexed_async_connection(),
                    )
                    .await
                    .map_err(|_| BrokerError::Down)??;
                    *conn = Some(fresh);
                }
                let c = conn.as_mut().expect("connected above");
                let sent: Result<i64, _> = tokio::time::timeout(
                    Duration::from_secs(2),
                    redis::cmd("PUBLISH")
                        .arg(&subject)
                        .arg(payload.as_ref())
                        .query_async(c),
                )
                .await
                .map_err(|_| BrokerError::Down)
                .and_then(|r| r.map_err(BrokerError::from));
                if sent.is_err() {
                    *conn = None;
                }
                sent.map(|_| ())
            }
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let ms = 100u64.saturating_mul(1 << attempt.min(6));
    Duration::from_millis(ms).min(MAX_BACKOFF)
}

async fn nats_receive(
    mut subscriber: async_nats::Subscriber,
    inbound: mpsc::Sender<Inbound>,
    stop: CancellationToken,
) {
    // The client resubscribes by itself after a reconnect; up and down are
    // reported by its event callback.
    let _ = inbound.send(Inbound::Up).await;
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return,
            next = subscriber.next() => next,
        };
        let Some(msg) = next else { return };
        if inbound.send(Inbound::Message(msg.payload)).await.is_err() {
            return;
        }
    }
}

async fn redis_receive(
    client: redis::Client,
    pattern: String,
    inbound: mpsc::Sender<Inbound>,
    stop: CancellationToken,
) {
    let mut attempt = 0;
    loop {
        let subscribed = async {
            let pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
                .await
                .map_err(|_| BrokerError::Down)??;
            let (mut sink, stream) = pubsub.split();
            sink.psubscribe(&pattern).await?;
            Ok::<_, BrokerError>((sink, stream))
        };
        let (mut sink, mut stream) = tokio::select! {
            _ = stop.cancelled() => return,
            s = subscribed => match s {
                Ok(s) => s,
                Err(e) => {
                    if attempt == 0 {
                        tracing::warn!(error = %e, "cannot reach the bus; retrying");
                    }
                    attempt += 1;
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(backoff(attempt)) => continue,
                    }
                }
            },
        };
        attempt = 0;
        if inbound.send(Inbound::Up).await.is_err() {
            return;
        }
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                msg = stream.next() => match msg {
                    Some(m) => {
                        let payload = Bytes::copy_from_slice(m.get_payload_bytes());
                        if inbound.send(Inbound::Message(payload)).await.is_err() {
                            return;
                        }
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    // In subscribed mode the answer is a pubsub "pong"
                    // message; any answer proves the connection alive.
                    let pong = tokio::time::timeout(
                        Duration::from_secs(2),
                        sink.ping::<redis::Value>(),
                    )
                    .await;
                    if !matches!(pong, Ok(Ok(_))) {
                        break;
                    }
                }
            }
        }
        tracing::warn!("lost the bus connection; reconnecting");
        if inbound.send(Inbound::Down).await.is_err() {
            return;
        }
    }
}
