//! `bare`: the reference server the load tool measures Switchboard against.
//!
//! axum 0.8, one `/ws` route, a `tokio::sync::broadcast` channel per room; no
//! storage, no auth, no protocol. Every text frame a client sends is broadcast,
//! unchanged, to every connection of its room (the sender included). The room
//! is `/ws?room=N` (0 without one: the fan-out test puts everyone there; the
//! chat benchmark spreads connections over rooms).
//!
//! It does what any fan-out server has to and nothing more, with the same
//! transport settings as Switchboard so the ratio between them measures what
//! Switchboard adds, not a tuning difference:
//! - the same 4 KiB WebSocket read buffer and `TCP_NODELAY` on accepted sockets;
//! - a frame is shared (reference-counted) by all recipients, never copied;
//! - each connection writes whatever is queued and flushes once per burst;
//! - a reader that falls more than [`QUEUE`] frames behind is disconnected
//!   with close code 4008, as Switchboard does a slow consumer.

use anyhow::Context;
use axum::{
    extract::{
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
        RawQuery, State, WebSocketUpgrade,
    },
    response::Response,
    routing::get,
    serve::ListenerExt,
    Router,
};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

/// Frames a connection may fall behind by; Switchboard's default outbound queue.
const QUEUE: usize = 1024;
/// Frames written before one flush (Switchboard's writer does the same).
const WRITE_BATCH: usize = 256;
/// The close code Switchboard uses for a client that stopped reading.
const SLOW_CONSUMER: u16 = 4008;

#[derive(Parser)]
#[command(about = "Bare axum + broadcast WebSocket server (load-test reference)")]
struct Args {
    /// Address to listen on (port 0 picks a free one; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let app = Router::new()
        .route("/ws", get(upgrade))
        .with_state(Rooms::default());
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("listening on {local}");
    axum::serve(listener, app).await.context("serving")
}

/// Each room's channel, made when its first connection comes.
#[derive(Clone, Default)]
struct Rooms(Arc<Mutex<HashMap<u32, broadcast::Sender<Utf8Bytes>>>>);

impl Rooms {
    fn channel(&self, room: u32) -> broadcast::Sender<Utf8Bytes> {
        let mut rooms = self.0.lock().unwrap_or_else(|p| p.into_inner());
        rooms
            .entry(room)
            .or_insert_with(|| broadcast::channel(QUEUE).0)
            .clone()
    }
}

/// The room asked for in `?room=N`; 0 without one.
fn room_of(query: Option<&str>) -> u32 {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("room=")?.parse().ok())
        .unwrap_or(0)
}

async fn upgrade(
    State(rooms): State<Rooms>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let tx = rooms.channel(room_of(query.as_deref()));
    ws.read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| connection(socket, tx))
}

async fn connection(socket: WebSocket, tx: broadcast::Sender<Utf8Bytes>) {
    let rx = tx.subscribe();
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write_loop(sink, rx));
    loop {
        tokio::select! {
            next = stream.next() => match next {
                Some(Ok(Message::Text(text))) => {
                    // Err only when no receiver exists, and this connection is one.
                    let _ = tx.send(text);
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = &mut writer => return,
        }
    }
    writer.abort();
}

async fn write_loop(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut rx: broadcast::Receiver<Utf8Bytes>,
) {
    loop {
        let first = match rx.recv().await {
            Ok(frame) => frame,
            Err(RecvError::Lagged(_)) => break,
            Err(RecvError::Closed) => return,
        };
        let write = async {
            sink.feed(Message::Text(first)).await?;
            for _ in 1..WRITE_BATCH {
                match rx.try_recv() {
                    Ok(frame) => sink.feed(Message::Text(frame)).await?,
                    Err(TryRecvError::Lagged(_)) => return Err(None),
                    Err(_) => break,
                }
            }
            sink.flush().await.map_err(Some)
        };
        match write.await {
            Ok(()) => {}
            Err(Some(_broken)) => return,
            Err(None) => break,
        }
    }
    let close = CloseFrame {
        code: SLOW_CONSUMER,
        reason: Utf8Bytes::from_static("slow consumer"),
    };
    let _ = sink.send(Message::Close(Some(close))).await;
}

#[cfg(test)]
mod tests {
    use super::room_of;

    #[test]
    fn the_room_comes_from_the_query() {
        assert_eq!(room_of(None), 0);
        assert_eq!(room_of(Some("room=7")), 7);
        assert_eq!(room_of(Some("x=1&room=12")), 12);
        assert_eq!(room_of(Some("room=no")), 0);
    }
}
