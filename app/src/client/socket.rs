//! The tab's one WebSocket to `/ws`: connecting, reading frames into a page's
//! state, writing the frames the UI sends, and reconnecting with backoff.
//!
//! [`Connection`] is what a page holds: the state its indicator shows, the
//! [`Link`] the UI sends through (the current connection's outgoing queue, or
//! nothing while disconnected) and, once started, the loop's [`Control`] to
//! wake it early (the user pressed "retry", the browser came back online) or to
//! stop it (the page closed). What the frames mean is the [`Session`]'s
//! business (the chat state, the support desk, the visitor), not this
//! module's. Outside the browser, [`start`] does nothing and `Link` sends
//! nothing.

use leptos::prelude::*;

use crate::protocol::ClientFrame;
use crate::state::LinkState;

/// What a page plugs into the connection loop: where frames go, and the
/// page's [`Connection`]. Implemented by cheap `Copy` handles (signals), like
/// [`crate::state::Chat`].
pub trait Session: Copy + 'static {
    /// What the page reads the server's frames into: [`crate::protocol::ServerFrame`],
    /// or a smaller type for a page that needs few of them (the visitor's
    /// [`crate::protocol::VisitorFrame`]), so its bundle carries less decoding code.
    type Frame: crate::protocol::wire::Frame;
    fn connection(&self) -> Connection;
    /// A frame arrived (`pong` too: it only proves the socket alive). Returns
    /// true when it is the server's greeting (`hello`, `support.hello`):
    /// after a greeting, a dropped connection retries at once.
    /// `first`: this is the page's first connection (not a reconnect).
    fn on_frame(&self, frame: Self::Frame, first: bool) -> bool;
    /// The subprotocol to offer on connecting: the widget's visitor token,
    /// where the visitor cookie may be blocked. Most pages offer none.
    fn protocol(&self) -> Option<String> {
        None
    }
    /// Asked when an upgrade failed before any greeting: is the login gone
    /// (then the loop stops and shows "signed out")? Pages without a login
    /// (support visitors) keep the default, never.
    #[allow(async_fn_in_trait)]
    async fn signed_out(&self) -> bool {
        false
    }
}

/// A page's handle on its connection, shared by its components. Cheap to copy:
/// handles to values in the reactive arena.
#[derive(Clone, Copy)]
pub struct Connection {
    /// What the indicator shows. Written by the loop, and by the session when
    /// the server greets it.
    pub state: RwSignal<LinkState>,
    pub link: Link,
    /// The running loop, once [`Connection::start`] ran.
    control: StoredValue<Option<Control>>,
}

impl Connection {
    pub fn new() -> Self {
        Connection {
            state: RwSignal::new(LinkState::Connecting),
            link: Link::new(),
            control: StoredValue::new(None),
        }
    }

    /// Starts the connection loop for `session` (browser only), once: later
    /// calls do nothing until [`Connection::disconnect`].
    pub fn start<S: Session>(&self, session: S) {
        if self.control.with_value(Option::is_none) {
            self.control.set_value(Some(start(session)));
        }
    }

    /// Reconnect now rather than after the backoff.
    pub fn reconnect_now(&self) {
        self.control.with_value(|c| {
            if let Some(c) = c {
                c.wake();
            }
        });
    }

    /// Closes the socket and ends the loop. `try_`: called from `on_cleanup`,
    /// when the page's values may already be gone.
    pub fn disconnect(&self) {
        if let Some(Some(c)) = self.control.try_update_value(Option::take) {
            c.stop();
        }
    }

    /// The server greeted the current connection. `try_`: timers may fire
    /// after the page (and its signals) is gone.
    pub fn online(&self) -> bool {
        self.state.try_get_untracked() == Some(LinkState::Online)
    }

    /// `try_`: the loop may finish after the page that owned it is gone.
    pub fn set_state(&self, state: LinkState) {
        let _ = self.state.try_set(state);
    }
}

impl Default for Connection {
    fn default() -> Self {
        Connection::new()
    }
}

/// The sending half of the current connection, shared by every component.
/// Cheap to copy: a handle to a value in the reactive arena.
#[derive(Clone, Copy)]
pub struct Link {
    #[cfg(target_arch = "wasm32")]
    outgoing: StoredValue<Option<futures_channel::mpsc::Sender<String>>, LocalStorage>,
}

impl Link {
    pub fn new() -> Self {
        Link {
            #[cfg(target_arch = "wasm32")]
            outgoing: StoredValue::new_local(None),
        }
    }

    /// Queues a frame on the open connection. Returns false when there is none
    /// (or its queue is full, which means the socket is not draining and is about
    /// to be dropped): the caller decides whether that loses anything.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            let Ok(text) = serde_json::to_string(frame) else {
                return false;
            };
            self.outgoing
                .try_update_value(|out| match out {
                    Some(tx) => tx.try_send(text).is_ok(),
                    None => false,
                })
                .unwrap_or(false)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = frame;
            false
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn attach(&self, tx: futures_channel::mpsc::Sender<String>) {
        self.outgoing.set_value(Some(tx));
    }

    /// `try_`: the loop may finish after the page that owned the link is gone.
    #[cfg(target_arch = "wasm32")]
    fn detach(&self) {
        self.outgoing.try_update_value(|out| *out = None);
    }
}

impl Default for Link {
    fn default() -> Self {
        Link::new()
    }
}

/// Steers a running connection loop. `Send + Sync`, so it can live in an
/// `on_cleanup` closure.
#[derive(Clone)]
pub struct Control {
    #[cfg(target_arch = "wasm32")]
    inner: std::sync::Arc<ControlInner>,
}

#[cfg(target_arch = "wasm32")]
struct ControlInner {
    stopped: std::sync::atomic::AtomicBool,
    /// Capacity 1: one pending wake-up is as good as many.
    wake: futures_channel::mpsc::Sender<()>,
}

impl Control {
    /// Reconnect now instead of waiting out the backoff.
    pub fn wake(&self) {
        #[cfg(target_arch = "wasm32")]
        {
            let _ = self.inner.wake.clone().try_send(());
        }
    }

    /// Close the socket and end the loop for good.
    pub fn stop(&self) {
        #[cfg(target_arch = "wasm32")]
        {
            self.inner
                .stopped
                .store(true, std::sync::atomic::Ordering::SeqCst);
            self.wake();
        }
    }
}

/// Starts the connection loop for a page's session; through
/// [`Connection::start`], which keeps the [`Control`].
fn start<S: Session>(chat: S) -> Control {
    #[cfg(target_arch = "wasm32")]
    {
        let (wake, wake_rx) = futures_channel::mpsc::channel(1);
        let inner = std::sync::Arc::new(ControlInner {
            stopped: std::sync::atomic::AtomicBool::new(false),
            wake,
        });
        let control = Control { inner };
        let looped = control.clone();
        leptos::task::spawn_local(async move { imp::run(chat, looped, wake_rx).await });
        control
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = chat;
        Control {}
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::sync::atomic::Ordering;

    use futures_channel::mpsc;
    use futures_util::{future::FutureExt, pin_mut, select_biased, SinkExt, StreamExt};
    use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
    use gloo_timers::future::TimeoutFuture;

    use super::{Control, Session};
    use crate::client::{backoff::Backoff, browser};
    use crate::protocol::close;
    use crate::state::LinkState;

    /// Frames the UI may queue before the socket drains them. Far above what a
    /// person produces; reaching it means the connection is stuck.
    const OUTGOING_QUEUE: usize = 256;

    /// Dead-socket detection. A socket whose network is gone can stay "open"
    /// for minutes (TCP has not noticed yet), and browsers hide the
    /// WebSocket's own pings from pages; so after this long without hearing
    /// anything, the app sends `ping`...
    const QUIET_MS: f64 = 5_000.0;
    /// ...and gives up on the socket when nothing (the `pong`, or any frame)
    /// arrives within this long after it; the same long wait applies to the
    /// server's greeting on a fresh socket. A dead socket is thus noticed
    /// within about 8 s, and at once when the browser reports going offline.
    const ANSWER_MS: f64 = 3_000.0;
    /// How often the watchdog looks.
    const WATCH_EVERY_MS: u32 = 500;

    enum Outcome {
        /// The socket closed or failed, or went silent (see [`QUIET_MS`]).
        /// `greeted`: the server said `hello` first.
        Dropped { greeted: bool },
        /// The server ended our session (logout elsewhere, account gone).
        SessionEnded,
        /// Our role changed: the server wants us back at once, to say `hello`
        /// with the new role.
        RoleChanged,
        /// We were told to stop.
        Stopped,
    }

    pub(super) async fn run<S: Session>(chat: S, control: Control, mut wake: mpsc::Receiver<()>) {
        let mut backoff = Backoff::new(500, 10_000);
        let mut first = true;
        loop {
            if control.inner.stopped.load(Ordering::SeqCst) {
                break;
            }
            chat.connection().set_state(if first {
                LinkState::Connecting
            } else {
                LinkState::Reconnecting
            });
            let outcome = connect_once(chat, &control, &mut wake, first).await;
            chat.connection().link.detach();
            match outcome {
                Outcome::Stopped => break,
                Outcome::SessionEnded => {
                    chat.connection().set_state(LinkState::SignedOut);
                    break;
                }
                Outcome::RoleChanged => {
                    first = false;
                    backoff.reset();
                    continue;
                }
                Outcome::Dropped { greeted: true } => {
                    first = false;
                    backoff.reset();
                }
                Outcome::Dropped { greeted: false } => {
                    // A refused upgrade looks like any network failure from
                    // here; ask over HTTP whether we are still logged in.
                    if chat.signed_out().await {
                        chat.connection().set_state(LinkState::SignedOut);
                        break;
                    }
                }
            }
            if control.inner.stopped.load(Ordering::SeqCst) {
                break;
            }
            chat.connection()
                .set_state(LinkState::Waiting { seconds: 1 });
            let delay = backoff.next_delay_ms(browser::random01());
            wait(chat, &control, &mut wake, f64::from(delay)).await;
        }
        chat.connection().link.detach();
    }

    /// Waits `delay_ms`, counting down on the indicator each second, or less if
    /// woken; and for as long as the browser reports no network (a socket
    /// opened then would be dropped at once by the watchdog), until it is
    /// back or someone wakes the loop.
    async fn wait<S: Session>(
        chat: S,
        control: &Control,
        wake: &mut mpsc::Receiver<()>,
        delay_ms: f64,
    ) {
        let until = browser::now_ms() + delay_ms;
        loop {
            if control.inner.stopped.load(Ordering::SeqCst) {
                return;
            }
            let left = until - browser::now_ms();
            let online = browser::online();
            if left <= 0.0 && online {
                return;
            }
            chat.connection().set_state(if online {
                LinkState::Waiting {
                    seconds: (left / 1000.0).ceil() as u32,
                }
            } else {
                LinkState::Offline
            });
            let tick = if online {
                (left % 1000.0).max(1.0)
            } else {
                500.0
            };
            let sleep = TimeoutFuture::new(tick as u32).fuse();
            let woken = wake.next().fuse();
            pin_mut!(sleep, woken);
            select_biased! {
                _ = woken => return,
                _ = sleep => {},
            }
        }
    }

    /// Returns when the socket should be given up: the browser went offline,
    /// or nothing arrived within [`ANSWER_MS`] of a `ping` (sent after
    /// [`QUIET_MS`] of quiet) or of opening. Dropping the socket closes it.
    async fn watch<S: Session>(
        chat: S,
        heard: &std::cell::Cell<f64>,
        greeted: &std::cell::Cell<bool>,
    ) {
        let mut pinged_at: Option<f64> = None;
        loop {
            TimeoutFuture::new(WATCH_EVERY_MS).await;
            if !browser::online() {
                return;
            }
            let now = browser::now_ms();
            let quiet = now - heard.get();
            if !greeted.get() {
                // Still waiting for the greeting: the server is slow, or the
                // upgrade is stuck (QUIET_MS + ANSWER_MS is generous for it).
                if quiet > QUIET_MS + ANSWER_MS {
                    return;
                }
                continue;
            }
            match pinged_at {
                // Something arrived since the ping: alive.
                Some(at) if heard.get() >= at => pinged_at = None,
                Some(at) if now - at > ANSWER_MS => return,
                Some(_) => {}
                None if quiet > QUIET_MS => {
                    // Through the same queue as every frame, so a ping cannot
                    // overtake the UI's frames.
                    if !chat
                        .connection()
                        .link
                        .send(&crate::protocol::ClientFrame::Ping {})
                    {
                        return;
                    }
                    pinged_at = Some(now);
                }
                None => {}
            }
        }
    }

    async fn connect_once<S: Session>(
        chat: S,
        control: &Control,
        wake: &mut mpsc::Receiver<()>,
        first: bool,
    ) -> Outcome {
        let url = browser::ws_url();
        let opened = match chat.protocol() {
            Some(protocol) => WebSocket::open_with_protocol(&url, &protocol),
            None => WebSocket::open(&url),
        };
        let socket = match opened {
            Ok(socket) => socket,
            Err(e) => {
                browser::warn(&format!("WebSocket could not open: {e}"));
                return Outcome::Dropped { greeted: false };
            }
        };
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::channel::<String>(OUTGOING_QUEUE);
        chat.connection().link.attach(tx);

        let greeted = std::cell::Cell::new(false);
        // When anything last arrived; a fresh socket counts from its opening.
        let heard = std::cell::Cell::new(browser::now_ms());
        let reader = async {
            while let Some(item) = stream.next().await {
                heard.set(browser::now_ms());
                match item {
                    Ok(Message::Text(text)) => {
                        match crate::protocol::wire::decode::<S::Frame>(&text) {
                            Ok(frame) => {
                                if chat.on_frame(frame, first) {
                                    greeted.set(true);
                                }
                            }
                            Err(e) => browser::warn(&format!("unreadable frame ({e}): {text}")),
                        }
                    }
                    Ok(Message::Bytes(_)) => browser::warn("ignored a binary frame"),
                    Err(WebSocketError::ConnectionClose(event)) => return Some(event.code),
                    // An `error` event is followed by `close`; wait for that.
                    Err(_) => {}
                }
            }
            None
        }
        .fuse();
        let writer = async {
            while let Some(text) = rx.next().await {
                if let Err(e) = sink.send(Message::Text(text)).await {
                    browser::warn(&format!("WebSocket send failed: {e}"));
                    break;
                }
            }
        }
        .fuse();
        let watchdog = watch(chat, &heard, &greeted).fuse();
        pin_mut!(reader, writer, watchdog);
        let code = loop {
            let woken = wake.next().fuse();
            pin_mut!(woken);
            // Biased: a stop must win over frames still queued on the socket,
            // which would otherwise reach a chat page that is gone.
            select_biased! {
                w = woken => {
                    // A wake-up while connected only matters if it means stop.
                    if w.is_none() || control.inner.stopped.load(Ordering::SeqCst) {
                        return Outcome::Stopped;
                    }
                }
                code = reader => break code,
                _ = writer => break None,
                _ = watchdog => break None,
            }
        };
        match code {
            Some(close::SESSION_ENDED) => Outcome::SessionEnded,
            Some(close::ROLE_CHANGED) => Outcome::RoleChanged,
            _ => Outcome::Dropped {
                greeted: greeted.get(),
            },
        }
    }
}
