//! `server`: serves the Switchboard web app, its HTTP API and `/ws`.
//! Settings come from the environment (see README "Configuration").

use anyhow::Context;
use switchboard::{config::Settings, startup, startup::Application};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    let settings = Settings::from_env().context("reading settings from the environment")?;
    let leptos_options = leptos::config::get_configuration(None)
        .context("reading the Leptos site configuration")?
        .leptos_options;
    tracing::info!(?settings, "starting");
    let app = Application::build(settings, leptos_options)
        .await
        .context("starting the server")?;
    tracing::info!("listening on http://{}", app.local_addr());
    app.run_until_stopped(startup::shutdown_signal()).await
}
