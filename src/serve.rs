//! `keyledger serve`: the web front end and API over a store.

use std::{net::SocketAddr, path::Path, time::Duration};

use anyhow::{Context, Result, bail};
use keyledger_query::Ledger;
use keyledger_store::Store;
use keyledger_web::{AppState, Auth, WebConfig};
use serde::Deserialize;

use crate::cli::ServeArgs;

/// The config file (TOML).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (the `--listen` flag wins).
    pub listen: Option<String>,
    #[serde(default)]
    pub web: Option<WebConfig>,
    /// Pack signing key and schedules.
    #[serde(default)]
    pub packs: Option<keyledger_web::pack::PacksConfig>,
}

pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("{} is not a valid keyledger config", path.display()))
}

/// Serve the store until interrupted.
pub async fn run(args: ServeArgs) -> Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let listen = args
        .listen
        .clone()
        .or(config.listen)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen:?} is not an address:port"))?;
    let web = config.web.unwrap_or_default();
    let packs = config
        .packs
        .unwrap_or_default()
        .load()
        .map_err(anyhow::Error::msg)?;
    let auth = if args.no_auth {
        if !addr.ip().is_loopback() {
            bail!(
                "--no-auth is refused on {addr}: without authentication keyledger only listens on a loopback address"
            );
        }
        Auth::Off
    } else {
        if web.tokens.is_empty() {
            bail!(
                "no tokens configured: add [[web.tokens]] to --config (see `keyledger token new`), or use --no-auth on a loopback address"
            );
        }
        Auth::from_config(&web.tokens)
    };
    let store = Store::open(&args.store.store)?;
    let ledger = Ledger::open(&store).await?;
    serve(
        AppState::new(ledger, auth, web).with_packs(packs),
        addr,
        args.refresh_seconds,
    )
    .await
}

/// Bind, announce, and serve with periodic refresh and integrity checks.
pub async fn serve(state: AppState, addr: SocketAddr, refresh_seconds: u64) -> Result<u8> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    eprintln!(
        "keyledger is serving {url}/ ({}) — store commit {}; Ctrl-C stops it",
        if state.open_access() {
            "authentication off"
        } else {
            "bearer tokens required"
        },
        state.ledger().snapshot().sequence
    );
    if !state.packs_settings().schedules.is_empty() {
        let scheduler = state.clone();
        tokio::spawn(async move {
            // At start (catching up on runs missed while down), then every minute.
            loop {
                match keyledger_web::pack::schedule::run_due(&scheduler, chrono::Utc::now()).await {
                    Ok(made) if !made.is_empty() => {
                        eprintln!("scheduled packs: {}", made.join(", "))
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "a scheduled pack failed"),
                }
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
    }
    let background = state.clone();
    tokio::spawn(async move {
        background.check_integrity().await;
        if refresh_seconds == 0 {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_secs(refresh_seconds)).await;
            match background.refresh().await {
                Ok(true) => {
                    tracing::info!("new commits: serving the latest snapshot");
                    background.check_integrity().await;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not refresh the snapshot"),
            }
        }
    });
    axum::serve(listener, keyledger_web::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(0)
}
