//! # baton-relay
//!
//! The relay service behind `baton serve`: one agent passes a task (and
//! optionally a [baton](baton_core)), another catches it, works, and marks it
//! done; the passer reads the status or long-polls for it. The wire contract is
//! SPEC.md §17; every baton rule is baton-core's.
//!
//! ```no_run
//! use baton_relay::{Config, Database, Relay};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let relay = Relay::open(Config::new(Database::Sqlite("./baton-data".into()))).await?;
//! if let Some(token) = relay.first_token().await? {
//!     println!("{token}"); // a token for workspace `default`, shown once
//! }
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:7878").await?;
//! relay.serve(listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```
//!
//! Storage is SQLite (WAL, `synchronous=FULL`, group commit: one writer
//! thread commits all waiting changes with one fsync) in a data directory, or
//! PostgreSQL shared by several relay processes. Claims are one conditional
//! `UPDATE ... RETURNING`, so exactly one of any number of concurrent catchers
//! wins, across processes too. Time comes from an injectable [`Clock`].

#![deny(missing_docs)]

mod api;
mod app;
mod auth;
mod clock;
mod cors;
mod ids;
mod log;
pub mod model;
mod openapi;
mod problem;
mod request;
mod store;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

pub use auth::{
    check_workspace, create_token, list_tokens, revoke_token, TokenError, TokenInfo, TOKEN_ID_LEN,
};
pub use clock::{format_ms, Clock, ManualClock, SystemClock};
pub use cors::{AllowedOrigins, InvalidOrigin};
pub use openapi::document as openapi_document;
pub use problem::{FieldIssue, Problem, ProblemBody, ProblemCode, PROBLEM_JSON};
pub use store::{Database, Store, StoreError, DEFAULT_POSTGRES_CONNECTIONS, SQLITE_FILE_NAME};

/// The largest request body accepted by default: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How long a done or expired handoff stays readable before the sweeper deletes it.
pub const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How the relay runs.
#[derive(Clone)]
pub struct Config {
    /// Where state lives.
    pub database: Database,
    /// The base of `pickup_url`s, e.g. `https://relay.example`; default
    /// `http://<the listener's address>`.
    pub public_url: Option<String>,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How often a long-poll re-reads the database (changes made by other
    /// processes show up within this time; this process's own wake it at once).
    pub poll_interval: Duration,
    /// How often the sweeper runs.
    pub sweep_interval: Duration,
    /// Whether to log one line per request to stderr.
    pub log_requests: bool,
    /// The most PostgreSQL connections this process opens.
    pub postgres_connections: u32,
    /// The web origins whose pages may call the API from a browser (CORS).
    pub cors: AllowedOrigins,
}

impl Config {
    /// The defaults: system clock, 1 MiB bodies, 500 ms polls, a sweep a
    /// minute, no request log, no cross-origin access.
    pub fn new(database: Database) -> Config {
        Config {
            database,
            public_url: None,
            max_body: DEFAULT_MAX_BODY,
            clock: Arc::new(SystemClock),
            poll_interval: Duration::from_millis(500),
            sweep_interval: Duration::from_secs(60),
            log_requests: false,
            postgres_connections: DEFAULT_POSTGRES_CONNECTIONS,
            cors: AllowedOrigins::None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &"…")
            .field("public_url", &self.public_url)
            .field("max_body", &self.max_body)
            .field("poll_interval", &self.poll_interval)
            .field("sweep_interval", &self.sweep_interval)
            .field("log_requests", &self.log_requests)
            .field("postgres_connections", &self.postgres_connections)
            .field("cors", &self.cors)
            .finish_non_exhaustive()
    }
}

/// An opened relay: connected and migrated, ready to serve.
#[derive(Debug)]
pub struct Relay {
    config: Config,
    store: Store,
}

impl Relay {
    /// Connects to the database and runs the migrations.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be opened or migrated.
    pub async fn open(config: Config) -> Result<Relay, StoreError> {
        let store = Store::open_with(&config.database, config.postgres_connections).await?;
        Ok(Relay { config, store })
    }

    /// The database, e.g. for [`create_token`].
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates a token for workspace `default` when the store has none, and
    /// returns it (the only time it is shown); `None` when tokens exist.
    ///
    /// # Errors
    ///
    /// [`TokenError`] when the database fails.
    pub async fn first_token(&self) -> Result<Option<String>, TokenError> {
        if self.store.token_count().await? > 0 {
            return Ok(None);
        }
        let now = self.config.clock.now_ms();
        create_token(&self.store, "default", now).await.map(Some)
    }

    /// Deletes what completed or expired more than [`RETENTION`] ago; returns how many.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub async fn sweep(&self) -> Result<u64, StoreError> {
        sweep(&self.store, self.config.clock.as_ref()).await
    }

    /// Serves on `listener` until `shutdown` completes, sweeping in the
    /// background. Long-polls answer at once when shutdown begins.
    ///
    /// # Errors
    ///
    /// The listener's I/O errors.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let address = listener.local_addr()?;
        let public_url = self
            .config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let (routes, api) = app::api_routes().split_for_parts();
        let document = baton_core::to_json(&openapi::finish(&api), true) + "\n";
        let state = app::AppState(Arc::new(app::Shared {
            store: self.store.clone(),
            clock: self.config.clock.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            changes: Notify::new(),
            poll_interval: self.config.poll_interval,
            openapi: document.into(),
            stopping: AtomicBool::new(false),
            tokens: auth::TokenCache::default(),
        }));
        let log = if self.config.log_requests {
            log::RequestLog::start()
        } else {
            None
        };
        let router = app::router(
            state.clone(),
            routes,
            self.config.max_body,
            self.config.cors.layer(),
            log.clone(),
        );
        let sweeper = tokio::spawn(sweep_forever(
            self.store.clone(),
            self.config.clock.clone(),
            self.config.sweep_interval,
        ));
        let stop_state = state.clone();
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stop_state.stopping.store(true, Ordering::SeqCst);
                stop_state.changes.notify_waiters();
            })
            .await;
        sweeper.abort();
        self.store.close().await;
        if let Some(log) = log {
            let _ = tokio::task::spawn_blocking(move || log.flush()).await;
        }
        result
    }
}

async fn sweep(store: &Store, clock: &dyn Clock) -> Result<u64, StoreError> {
    let retention = i64::try_from(RETENTION.as_millis()).unwrap_or(i64::MAX);
    store.sweep(clock.now_ms().saturating_sub(retention)).await
}

async fn sweep_forever(store: Store, clock: Arc<dyn Clock>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match sweep(&store, clock.as_ref()).await {
            Ok(0) => {}
            Ok(n) => eprintln!("baton: swept {n} handoffs"),
            Err(e) => eprintln!("baton: sweep failed: {e}"),
        }
    }
}
