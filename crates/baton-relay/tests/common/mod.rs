//! A relay on 127.0.0.1:0 for tests: SQLite in a temporary directory, or, when
//! `BATON_TEST_DATABASE_URL` is set, PostgreSQL in a schema of its own.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use baton_relay::{create_token, Clock, Config, Database, ManualClock, Relay, Store};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

/// A running relay and what a test needs to drive it.
pub struct TestRelay {
    pub url: String,
    pub clock: Arc<ManualClock>,
    pub store: Store,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// Which database the tests run on, for messages.
pub fn backend() -> &'static str {
    if postgres_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("BATON_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A random lowercase name, for workspaces and schemas.
pub fn unique(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// A fresh database: a temporary SQLite directory, or a new PostgreSQL schema
/// (so that tests running at once, and the sweeper's deletes, do not meet).
pub async fn fresh_database() -> (Database, Option<tempfile::TempDir>) {
    match postgres_url() {
        Some(url) => {
            let schema = unique("t_");
            let pool = sqlx::PgPool::connect(&url)
                .await
                .expect("connect to BATON_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&pool)
                .await
                .expect("create schema");
            pool.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            (
                Database::Postgres(format!("{url}{sep}options=-c%20search_path%3D{schema}")),
                None,
            )
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            (Database::Sqlite(dir.path().to_path_buf()), Some(dir))
        }
    }
}

pub async fn start() -> TestRelay {
    start_with(|_| {}).await
}

/// Starts a relay whose clock is a [`ManualClock`] at the current time.
pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestRelay {
    let (database, dir) = fresh_database().await;
    start_on(
        database,
        dir,
        Arc::new(ManualClock::starting_now()),
        configure,
    )
    .await
}

/// Starts a relay on a given database (a second relay on the same database
/// stands for a second process: it shares no memory with the first).
pub async fn start_on(
    database: Database,
    dir: Option<tempfile::TempDir>,
    clock: Arc<ManualClock>,
    configure: impl FnOnce(&mut Config),
) -> TestRelay {
    let mut config = Config::new(database);
    config.clock = clock.clone();
    config.poll_interval = Duration::from_millis(100);
    configure(&mut config);
    let relay = Relay::open(config).await.expect("open the relay");
    let store = relay.store().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(relay.serve(listener, async {
        let _ = stopped.await;
    }));
    TestRelay {
        url,
        clock,
        store,
        client: reqwest::Client::new(),
        stop: Some(stop),
        _dir: dir,
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem document with this status and code; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let p = self.json();
        assert_eq!(p["code"], code, "{}", self.text);
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], format!("urn:baton:problem:{code}"));
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()));
        p
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.text
        );
        self.json()
    }
}

impl TestRelay {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// A new token for a new workspace.
    pub async fn token(&self) -> String {
        self.token_for(&unique("ws-")).await
    }

    pub async fn token_for(&self, workspace: &str) -> String {
        create_token(&self.store, workspace, self.now())
            .await
            .expect("create token")
    }

    /// Sends a request with an optional token and raw body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body.to_owned());
        }
        let response = request.send().await.expect("send");
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            Method::POST,
            path,
            Some(token),
            Some(&body.to_string()),
            &[("content-type", "application/json")],
        )
        .await
    }

    /// Passes and returns the handoff id.
    pub async fn pass(&self, token: &str, body: &Value) -> String {
        let reply = self.post("/api/pass", token, body).await;
        reply.ok(201)["baton_id"]
            .as_str()
            .expect("baton_id")
            .to_owned()
    }

    pub async fn catch(&self, token: &str, id: &str) -> Reply {
        self.get(&format!("/api/catch/{id}"), token).await
    }

    pub async fn done(&self, token: &str, id: &str, body: &Value) -> Reply {
        self.post(&format!("/api/done/{id}"), token, body).await
    }

    pub async fn status(&self, token: &str, id: &str) -> Value {
        self.get(&format!("/api/status/{id}"), token).await.ok(200)
    }
}
