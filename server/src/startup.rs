//! Building and running the application: bind the listener, open the store,
//! start the ingest task, assemble the routes; then serve until told to stop
//! and shut down in order (stop accepting → close sockets with "going away" →
//! store what was accepted → close the database).

use crate::{
    auth::password,
    config::Settings,
    http,
    hub::Hub,
    ingest::Ingest,
    limits::Limits,
    scheduler::{self, Clock, Scheduler, SystemClock},
    serve::{self, ServeLimits},
    state::{AppState, Shared},
    store::Store,
    support::{
        identity::{random_secret, CookieSigner},
        Desk, DeskConfig,
    },
    ws,
};
use anyhow::Context;
use axum::{routing::get, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// How long open WebSockets get to close at shutdown.
const SOCKET_DRAIN: Duration = Duration::from_secs(10);

pub struct Application {
    listener: TcpListener,
    state: AppState,
    ingest_task: JoinHandle<()>,
    scheduler_task: JoinHandle<()>,
    desk_task: JoinHandle<()>,
    /// The bus task and what stops it: after ingest has drained, so the
    /// node's goodbye follows its last publication.
    bus_task: Option<(JoinHandle<()>, CancellationToken)>,
}

impl Application {
    /// Opens the database named in `settings` and binds `settings.addr`
    /// (port 0 picks a free port: see [`Application::local_addr`]).
    pub async fn build(
        settings: Settings,
        leptos_options: LeptosOptions,
    ) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, leptos_options, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`], with the scheduler on the given clock
    /// (tests pass a [`scheduler::ManualClock`]).
    pub async fn build_with_clock(
        settings: Settings,
        leptos_options: LeptosOptions,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "opening {}",
                    crate::config::redact_url(&settings.database_url)
                )
            })?;
        Self::build_with_store(settings, leptos_options, store, clock).await
    }

    pub async fn build_with_store(
        settings: Settings,
        leptos_options: LeptosOptions,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("binding {}", settings.addr))?;
        let shutdown = CancellationToken::new();
        crate::metrics::install();
        let hub = Arc::new(Hub::new());
        let (ingest, ingest_task) = Ingest::start(store.clone(), hub.clone(), shutdown.clone())
            .context("starting the ingest thread")?;
        let grace = chrono::Duration::from_std(settings.push_grace)
            .context("SWITCHBOARD_PUSH_GRACE_SECS is too large")?;
        let (scheduler, scheduler_task) = Scheduler::start(
            scheduler::Context {
                store: store.clone(),
                hub: hub.clone(),
                clock: clock.clone(),
                grace,
            },
            shutdown.clone(),
        );
        // Visitors must stay known across restarts: without a configured
        // secret, the one made on first start is kept in the database.
        let secret = match &settings.secret {
            Some(s) => s.clone(),
            None => store
                .secret("visitor_cookie", random_secret)
                .await
                .context("reading the visitor-cookie secret")?,
        };
        let (desk, desk_task) = Desk::start(
            store.clone(),
            hub.clone(),
            clock.clone(),
            DeskConfig {
                reroute_after: chrono::Duration::from_std(settings.support_reroute)
                    .context("SWITCHBOARD_SUPPORT_REROUTE_SECS is too large")?,
                default_capacity: settings.support_capacity,
                signer: CookieSigner::new(&secret),
            },
            shutdown.clone(),
        )
        .await
        .context("starting the support desk")?;
        let (bus, bus_task) = match &settings.bus {
            None => (None, None),
            Some(url) => {
                // Several processes cannot share one SQLite file safely.
                if store.backend_name() != "postgres" {
                    anyhow::bail!(
                        "SWITCHBOARD_BUS is set but DATABASE_URL is SQLite: a cluster needs \
                         PostgreSQL (DATABASE_URL=postgres://…); unset SWITCHBOARD_BUS for one node"
                    );
                }
                let leave = CancellationToken::new();
                let (status, task) = crate::bus::start(
                    url,
                    &settings.bus_prefix,
                    hub.clone(),
                    desk.clone(),
                    store.clone(),
                    leave.clone(),
                )
                .await
                .with_context(|| {
                    format!("joining the bus at {}", crate::config::redact_url(url))
                })?;
                (Some(status), Some((task, leave)))
            }
        };
        let files_at = settings
            .files
            .clone()
            .unwrap_or_else(|| default_files_dir(&settings.database_url));
        let storage = crate::files::storage::Storage::open(&files_at)
            .context("opening the file store (SWITCHBOARD_FILES)")?;
        if settings.bus.is_some() && settings.files.is_none() {
            tracing::warn!(
                at = %storage.describe,
                "SWITCHBOARD_FILES is not set: attachments go to this node's own directory, \
                 which the cluster's other nodes cannot read; set a shared directory or s3://…"
            );
        }
        let files = crate::files::Files::new(
            storage,
            settings.file_max_bytes,
            settings.file_types.clone(),
        );
        let passwords = password::Hasher::start(settings.hash_threads, settings.hash_queue);
        passwords.warm_up();
        // A fresh install on a public address prints its setup link here.
        let setup = crate::auth::setup::SetupToken::for_start(listener.local_addr()?, &store)
            .await
            .context("checking for a first run")?;
        let state = AppState::new(Shared {
            leptos_options,
            limits: Arc::new(Limits::new(&settings)),
            setup,
            passwords,
            settings: Arc::new(settings),
            store,
            hub,
            ingest,
            shutdown,
            sockets: TaskTracker::new(),
            clock,
            scheduler,
            desk,
            files,
            bus,
        });
        Ok(Application {
            listener,
            state,
            ingest_task,
            scheduler_task,
            desk_task,
            bus_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state (tests use it to look inside).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` resolves, then shuts down gracefully.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            ingest_task,
            scheduler_task,
            desk_task,
            bus_task,
        } = self;
        let shutdown = state.shutdown.clone();
        let app = router(state.clone());
        // Forget rate-limit keys that are full again, so an address seen once
        // does not stay in memory.
        let limits = state.limits.clone();
        let forget = shutdown.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = forget.cancelled() => break,
                    _ = tick.tick() => limits.forget_idle(),
                }
            }
        });
        tokio::spawn(purge_expired_sessions(
            state.store.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(crate::metrics::upkeep(shutdown.clone()));
        tokio::spawn(crate::files::sweep(state.clone(), shutdown.clone()));
        tokio::spawn(crate::search::index_old_messages(
            state.store.clone(),
            shutdown.clone(),
        ));
        let settings = &state.settings;
        let serve_limits = ServeLimits {
            header_timeout: settings.header_timeout,
            idle_timeout: settings.idle_timeout,
            max_connections: serve::connections_that_fit(settings.max_connections),
            max_connections_per_ip: settings.max_connections_per_ip,
            exempt: settings.trusted_proxies.clone(),
        };
        let hub = state.hub.clone();
        serve::serve(listener, app, serve_limits, async move {
            stop.await;
            tracing::info!("shutting down");
            shutdown.cancel();
            hub.shut_down_connections();
        })
        .await;
        state.sockets.close();
        if tokio::time::timeout(SOCKET_DRAIN, state.sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("some WebSockets did not close in time");
        }
        ingest_task.await.context("ingest task")?;
        scheduler_task.await.context("scheduler task")?;
        desk_task.await.context("support routing task")?;
        if let Some((bus, leave)) = bus_task {
            // Everything accepted is stored and published: now say goodbye.
            leave.cancel();
            bus.await.context("bus task")?;
        }
        state.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// How often expired login sessions are deleted (also once at start).
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes expired sessions at start and then every [`SESSION_PURGE_EVERY`]:
/// an expired session no longer logs anyone in, but its row would stay forever.
async fn purge_expired_sessions(store: Store, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(SESSION_PURGE_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => match store.purge_expired_sessions(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
            },
        }
    }
}

/// Every route: the API, the WebSocket, and the Leptos pages and assets.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    // `/support` is hydrated by the visitor bundle: the same page options
    // with that bundle's name.
    let mut visitor_options = state.leptos_options.clone();
    visitor_options.output_name = app::VISITOR_BUNDLE.into();
    Router::new()
        .route(
            "/support",
            get(leptos_axum::render_app_to_stream_with_context(
                http::headers::page_context,
                move || app::visitor_shell(visitor_options.clone()),
            )),
        )
        .route("/widget.js", get(http::visitor::widget_js))
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(crate::metrics::render))
        .nest(
            "/api",
            http::api().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                http::throttle::throttle,
            )),
        )
        // Pages set their `script-src` with the nonce of their inline scripts.
        .leptos_routes_with_context(&state, routes, http::headers::page_context, move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(http::headers::page_context, app::shell))
        // `/support` pages: the visitor cookie and who may frame them.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::visitor::support_pages,
        ))
        // The WASM bundle is megabytes; compressed it is a fraction. Brotli's
        // own default (11) takes seconds per response: 4 is the usual choice
        // for compressing on the fly.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // Unsafe methods with cookies only from our own pages.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::origin_guard::origin_guard,
        ))
        // Outermost, so every answer above gets them, refusals included.
        .layer(axum::middleware::from_fn(http::headers::security_headers))
        // Added after the layers, so the upgrade passes through none of them.
        .route("/ws", get(ws::upgrade))
        .with_state(state)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Where attachments go unless `SWITCHBOARD_FILES` says: `files/` next to
/// the SQLite database file, or `data/files` (PostgreSQL, in-memory SQLite).
fn default_files_dir(database_url: &str) -> String {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|p| !p.is_empty() && !p.contains(":memory:"));
    match path.and_then(|p| std::path::Path::new(p).parent()) {
        Some(dir) => dir.join("files").to_string_lossy().into_owned(),
        None => "data/files".into(),
    }
}
