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
    pub database: Database,
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
    let database = config.database.clone();
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
        database,
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

/// Runs `$body` with `$pool` bound to a new pool on the database (compiled
/// once per database, so row types stay concrete).
macro_rules! on_pool {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            Database::Sqlite(dir) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(dir.join(baton_relay::SQLITE_FILE_NAME));
                let $pool = sqlx::SqlitePool::connect_with(options)
                    .await
                    .expect("open the file");
                $body
            }
            Database::Postgres(url) => {
                let $pool = sqlx::PgPool::connect(url).await.expect("connect");
                $body
            }
        }
    };
}

/// Every row of the relay's tables, read straight from the database, as JSON
/// (tables in a fixed order, rows by key): what "nothing was written" compares.
pub async fn dump(database: &Database) -> Value {
    use sqlx::Row;
    const HANDOFFS: &str = "SELECT id, workspace, task, to_name, output, context, constraints, \
        baton, created_at, expires_at, lease_ms, attempts, caught_at, lease_expires_at, lease_hash, \
        completed_at, done_hash, result_output, result_baton, version FROM handoffs ORDER BY id";
    const TEXT: [&str; 12] = [
        "id",
        "workspace",
        "task",
        "to_name",
        "output",
        "context",
        "constraints",
        "baton",
        "lease_hash",
        "done_hash",
        "result_output",
        "result_baton",
    ];
    const INTS: [&str; 8] = [
        "created_at",
        "expires_at",
        "lease_ms",
        "attempts",
        "caught_at",
        "lease_expires_at",
        "completed_at",
        "version",
    ];
    const KEYS: &str = "SELECT workspace, idem_key, request_hash, handoff_id, response \
        FROM idempotency_keys ORDER BY workspace, idem_key";
    const TOKENS: &str = "SELECT hash, workspace FROM tokens ORDER BY hash";
    macro_rules! rows {
        ($pool:expr) => {{
            let mut handoffs = Vec::new();
            for r in sqlx::query(HANDOFFS).fetch_all(&$pool).await.expect("read handoffs") {
                let mut row = serde_json::Map::new();
                for c in TEXT {
                    let v: Option<String> = r.try_get(c).expect("a text column");
                    row.insert(c.to_owned(), v.map_or(Value::Null, Value::String));
                }
                for c in INTS {
                    let v: Option<i64> = r.try_get(c).expect("an integer column");
                    row.insert(c.to_owned(), v.map_or(Value::Null, Value::from));
                }
                handoffs.push(Value::Object(row));
            }
            let mut keys = Vec::new();
            for r in sqlx::query(KEYS).fetch_all(&$pool).await.expect("read keys") {
                let mut row = Vec::new();
                for i in 0..5 {
                    row.push(Value::String(r.try_get::<String, _>(i).expect("text")));
                }
                keys.push(Value::Array(row));
            }
            let mut tokens = Vec::new();
            for r in sqlx::query(TOKENS).fetch_all(&$pool).await.expect("read tokens") {
                tokens.push(Value::Array(vec![
                    Value::String(r.try_get::<String, _>(0).expect("text")),
                    Value::String(r.try_get::<String, _>(1).expect("text")),
                ]));
            }
            $pool.close().await;
            serde_json::json!({"handoffs": handoffs, "idempotency_keys": keys, "tokens": tokens})
        }};
    }
    on_pool!(database, pool => rows!(pool))
}

impl TestRelay {
    /// What the API shows of these tokens' workspaces (every page of the list,
    /// every listed handoff's status) and every row of every table.
    pub async fn snapshot(&self, tokens: &[&str]) -> Value {
        let mut api = Vec::new();
        for token in tokens {
            let mut handoffs = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let path = match &after {
                    Some(next) => format!("/api/handoffs?limit=200&after={next}"),
                    None => "/api/handoffs?limit=200".to_owned(),
                };
                let page = self.get(&path, token).await.ok(200);
                for h in page["handoffs"].as_array().expect("handoffs") {
                    let id = h["baton_id"].as_str().expect("id");
                    handoffs.push(
                        serde_json::json!({"listed": h, "status": self.status(token, id).await}),
                    );
                }
                match page["next"].as_str() {
                    Some(next) => after = Some(next.to_owned()),
                    None => break,
                }
            }
            api.push(Value::Array(handoffs));
        }
        serde_json::json!({"api": api, "rows": dump(&self.database).await})
    }
}

impl TestRelay {
    /// Sends raw bytes, with header values given as bytes (so that non-ASCII
    /// header values can be sent).
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &[u8])],
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            let value = reqwest::header::HeaderValue::from_bytes(value).expect("a header value");
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("send");
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }
}

/// Runs one statement straight on the database (to set up what the API cannot).
pub async fn execute_sql(database: &Database, sql: &str) {
    on_pool!(database, pool => {
        sqlx::query(sql).execute(&pool).await.expect("execute");
        pool.close().await;
    })
}
