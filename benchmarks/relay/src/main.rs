//! `cargo run --release -p baton-relay-bench`: full pass → catch → done cycles
//! against the relay on SQLite and on PostgreSQL, side by side with a bare axum
//! endpoint that answers the same JSON without storage (the framework's own
//! limit), at 64 concurrent keep-alive clients.
//!
//! Each server runs in this process on its own tokio runtime (2 worker
//! threads, like `baton serve` on a 2-core machine), the load generator on
//! another; both share the machine's cores. PostgreSQL comes from
//! `BATON_BENCH_DATABASE_URL`, else a throwaway durable cluster started through
//! `scripts/postgres-test.sh` (this program re-runs itself under the script),
//! else it is skipped. Nothing here asserts a timing.
//!
//! Options: `--seconds N` (measured, default 10), `--warmup N` (default 2),
//! `--clients N` (default 64), `--only bare,sqlite,postgres`, `--log` (the
//! relay's request log on, written to stderr), `--workers N` (the servers'
//! worker threads, default 2), `--pg-connections N` (the relay's
//! `--db-connections`; default the relay's own default, 16).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use baton_relay::{create_token, Clock, Config, Database, Relay, SystemClock};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// The threads of one side (server or load generator).
const THREADS: usize = 2;

#[derive(Clone, Debug)]
enum Target {
    Bare,
    Sqlite,
    Postgres(String),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Bare => "bare axum (no storage)",
            Target::Sqlite => "relay, SQLite",
            Target::Postgres(_) => "relay, PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
struct Options {
    seconds: u64,
    warmup: u64,
    clients: usize,
    only: Vec<String>,
    log: bool,
    /// The servers' worker threads (default [`THREADS`]).
    workers: usize,
    /// The relay's PostgreSQL pool size, when not the relay's default.
    pg_connections: Option<u32>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        seconds: 10,
        warmup: 2,
        clients: 64,
        only: vec!["bare".into(), "sqlite".into(), "postgres".into()],
        log: false,
        workers: THREADS,
        pg_connections: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seconds" => o.seconds = value("--seconds")?.parse().map_err(|e| format!("{e}"))?,
            "--warmup" => o.warmup = value("--warmup")?.parse().map_err(|e| format!("{e}"))?,
            "--clients" => o.clients = value("--clients")?.parse().map_err(|e| format!("{e}"))?,
            "--only" => o.only = value("--only")?.split(',').map(str::to_owned).collect(),
            "--log" => o.log = true,
            "--workers" => o.workers = value("--workers")?.parse().map_err(|e| format!("{e}"))?,
            "--pg-connections" => {
                o.pg_connections = Some(
                    value("--pg-connections")?
                        .parse()
                        .map_err(|e| format!("{e}"))?,
                )
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let wants = |name: &str| o.only.iter().any(|m| m == name);
    let mut targets = Vec::new();
    if wants("bare") {
        targets.push(Target::Bare);
    }
    if wants("sqlite") {
        targets.push(Target::Sqlite);
    }
    if wants("postgres") {
        match postgres_url() {
            PgUrl::Url(url) => targets.push(Target::Postgres(url)),
            PgUrl::ReRun => std::process::exit(rerun_under_postgres_script()),
            PgUrl::None(why) => eprintln!("PostgreSQL skipped: {why}"),
        }
    }
    println!(
        "{} concurrent clients, {} s measured after {} s warm-up; server and load generator \
         share this machine's {} cores ({} tokio workers serve, {THREADS} load)\n",
        o.clients,
        o.seconds,
        o.warmup,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        o.workers
    );
    let mut results = Vec::new();
    for target in targets {
        eprintln!("== {}", target.name());
        match run(&target, &o) {
            Ok(r) => results.push((target, r)),
            Err(e) => {
                eprintln!("error: {}: {e}", target.name());
                std::process::exit(1);
            }
        }
    }
    report(&results, o.seconds);
}

enum PgUrl {
    Url(String),
    ReRun,
    None(String),
}

const UNDER_SCRIPT: &str = "BATON_BENCH_UNDER_POSTGRES_SCRIPT";

fn postgres_url() -> PgUrl {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) = env("BATON_BENCH_DATABASE_URL") {
        return PgUrl::Url(url);
    }
    if env(UNDER_SCRIPT).is_some() {
        return match env("BATON_TEST_DATABASE_URL") {
            Some(url) => PgUrl::Url(url),
            None => PgUrl::None("scripts/postgres-test.sh set no URL".into()),
        };
    }
    if std::path::Path::new(SCRIPT).exists() {
        PgUrl::ReRun
    } else {
        PgUrl::None(format!(
            "set BATON_BENCH_DATABASE_URL (no {SCRIPT} to start one)"
        ))
    }
}

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/postgres-test.sh"
);

/// Runs this program again under `scripts/postgres-test.sh`, which starts a
/// throwaway cluster (durable: fsync on, as a real deployment), sets
/// `BATON_TEST_DATABASE_URL`, and deletes the cluster afterwards.
fn rerun_under_postgres_script() -> i32 {
    let Ok(me) = std::env::current_exe() else {
        eprintln!("error: cannot find this program's path");
        return 1;
    };
    let status = Command::new("bash")
        .arg(SCRIPT)
        .arg(me)
        .args(std::env::args().skip(1))
        .env(UNDER_SCRIPT, "1")
        .env("BATON_PG_DURABLE", "1")
        .status();
    match status {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("error: cannot run {SCRIPT}: {e}");
            1
        }
    }
}

/// Latencies in microseconds.
#[derive(Default)]
struct Samples {
    pass: Vec<u32>,
    catch: Vec<u32>,
    done: Vec<u32>,
    cycle: Vec<u32>,
}

impl Samples {
    fn extend(&mut self, other: Samples) {
        self.pass.extend(other.pass);
        self.catch.extend(other.catch);
        self.done.extend(other.done);
        self.cycle.extend(other.cycle);
    }
}

struct Result_ {
    samples: Samples,
    /// CPU seconds per thread group during the measured window.
    cpu: BTreeMap<String, f64>,
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn runtime(name: &str, threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn run(target: &Target, o: &Options) -> Result<Result_, AnyError> {
    let dir = tempfile::tempdir()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(SocketAddr, String), String>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_target = target.clone();
    let data_dir = dir.path().to_path_buf();
    let (log, workers, pg_connections) = (o.log, o.workers, o.pg_connections);
    let server = std::thread::spawn(move || {
        runtime("bench-server", workers).block_on(async move {
            let stop = async {
                let _ = stop_rx.await;
            };
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
            };
            let Ok(addr) = listener.local_addr() else {
                return drop(ready_tx.send(Err("no local address".into())));
            };
            let database = match server_target {
                Target::Bare => {
                    let _ = ready_tx.send(Ok((addr, "baton_bare".into())));
                    let _ = axum::serve(listener, bare_router(addr))
                        .with_graceful_shutdown(stop)
                        .await;
                    return;
                }
                Target::Sqlite => Database::Sqlite(data_dir),
                Target::Postgres(url) => match fresh_schema(&url).await {
                    Ok(url) => Database::Postgres(url),
                    Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
                },
            };
            let mut config = Config::new(database);
            config.log_requests = log;
            // The relay's default (16 connections) unless told otherwise: a
            // pool of 64, one connection per client, was no faster (more
            // backends on the same two cores).
            if let Some(n) = pg_connections {
                config.postgres_connections = n;
            }
            let relay = match Relay::open(config).await {
                Ok(r) => r,
                Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
            };
            match create_token(relay.store(), "bench", SystemClock.now_ms()).await {
                Ok(token) => drop(ready_tx.send(Ok((addr, token)))),
                Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
            }
            let _ = relay.serve(listener, stop).await;
        });
    });
    let (addr, token) = ready_rx.recv()??;
    let result = runtime("bench-client", THREADS).block_on(load(addr, token.into(), o));
    let _ = stop_tx.send(());
    let _ = server.join();
    result
}

/// A new schema in the database, so that runs do not meet old rows.
async fn fresh_schema(url: &str) -> Result<String, AnyError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let schema: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let schema = format!("bench_{schema}");
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
}

async fn load(addr: SocketAddr, token: Arc<str>, o: &Options) -> Result<Result_, AnyError> {
    let begin = Instant::now();
    let start = begin + Duration::from_secs(o.warmup);
    let end = start + Duration::from_secs(o.seconds);
    let mut clients = Vec::new();
    for n in 0..o.clients {
        clients.push(tokio::spawn(client(addr, token.clone(), n, start, end)));
    }
    tokio::time::sleep_until(start.into()).await;
    let cpu_start = thread_cpu();
    tokio::time::sleep_until(end.into()).await;
    let cpu_end = thread_cpu();
    let mut samples = Samples::default();
    for c in clients {
        samples.extend(c.await??);
    }
    let mut cpu = BTreeMap::new();
    for (group, t) in cpu_end {
        let before = cpu_start.get(&group).copied().unwrap_or(0.0);
        cpu.insert(group, t - before);
    }
    Ok(Result_ { samples, cpu })
}

#[derive(Deserialize)]
struct Passed<'a> {
    baton_id: &'a str,
}

#[derive(Deserialize)]
struct Caught<'a> {
    lease_token: &'a str,
}

async fn client(
    addr: SocketAddr,
    token: Arc<str>,
    n: usize,
    start: Instant,
    end: Instant,
) -> Result<Samples, AnyError> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut send, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let auth = HeaderValue::from_str(&format!("Bearer {token}"))?;
    let mut s = Samples::default();
    for i in 0u64.. {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        let body = format!(
            r#"{{"task":"Review this draft email ({n}.{i})","output":{{"draft":"Hello..."}},"context":{{"tone":"professional"}}}}"#
        );
        let passed = call(&mut send, Method::POST, "/api/pass", &auth, Some(body), 201).await?;
        let id = serde_json::from_slice::<Passed>(&passed)?
            .baton_id
            .to_owned();
        let t1 = Instant::now();
        let caught = call(
            &mut send,
            Method::GET,
            &format!("/api/catch/{id}"),
            &auth,
            None,
            200,
        )
        .await?;
        let lease = serde_json::from_slice::<Caught>(&caught)?
            .lease_token
            .to_owned();
        let t2 = Instant::now();
        let body = format!(r#"{{"output":{{"result":"Done!"}},"lease_token":"{lease}"}}"#);
        call(
            &mut send,
            Method::POST,
            &format!("/api/done/{id}"),
            &auth,
            Some(body),
            200,
        )
        .await?;
        let t3 = Instant::now();
        if t0 >= start && t3 <= end {
            s.pass.push(micros(t1 - t0));
            s.catch.push(micros(t2 - t1));
            s.done.push(micros(t3 - t2));
            s.cycle.push(micros(t3 - t0));
        }
    }
    Ok(s)
}

async fn call(
    send: &mut SendRequest<Full<Bytes>>,
    method: Method,
    path: &str,
    auth: &HeaderValue,
    body: Option<String>,
    expect: u16,
) -> Result<Bytes, AnyError> {
    send.ready().await?;
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1")
        .header(header::AUTHORIZATION, auth);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
    let response = send.send_request(request).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    if status != expect {
        return Err(format!(
            "{path}: expected {expect}, got {status}: {}",
            String::from_utf8_lossy(&bytes)
        )
        .into());
    }
    Ok(bytes)
}

/// The relay's answers, canned: same shapes and sizes, no work behind them.
fn bare_router(addr: SocketAddr) -> Router {
    let id = "01kbdbx3z35n0c4r7w2q9m1x8f6t3v0b2k7h";
    let pass: Bytes = format!(
        r#"{{"baton_id":"{id}","pickup_url":"http://{addr}/api/catch/{id}","status":"pending","expires_at":"2026-12-02T16:28:33.123Z","warnings":[]}}"#
    )
    .into();
    let catch: Bytes = format!(
        r#"{{"baton_id":"{id}","task":"Review this draft email (0.0)","output":{{"draft":"Hello..."}},"context":{{"tone":"professional"}},"constraints":null,"baton":null,"to":null,"status":"caught","lease_token":"lease_0123456789abcdefghijkl","lease_expires_at":"2026-12-01T16:43:33.123Z","expires_at":"2026-12-02T16:28:33.123Z","attempt":1}}"#
    )
    .into();
    let done: Bytes = format!(
        r#"{{"baton_id":"{id}","status":"done","completed_at":"2026-12-01T16:28:33.456Z","output":{{"result":"Done!"}},"baton":null}}"#
    )
    .into();
    let location: HeaderValue = HeaderValue::from_str(&format!("/api/status/{id}"))
        .unwrap_or(HeaderValue::from_static("/"));
    let json = |status: StatusCode, body: Bytes| -> Response {
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    Router::new()
        .route(
            "/api/pass",
            post(move |_body: Bytes| {
                let (pass, location) = (pass.clone(), location.clone());
                async move {
                    let mut r = json(StatusCode::CREATED, pass);
                    r.headers_mut().insert(header::LOCATION, location);
                    r
                }
            }),
        )
        .route(
            "/api/catch/{id}",
            get(move |Path(_id): Path<String>| {
                let catch = catch.clone();
                async move { json(StatusCode::OK, catch) }
            }),
        )
        .route(
            "/api/done/{id}",
            post(move |Path(_id): Path<String>, _body: Bytes| {
                let done = done.clone();
                async move { json(StatusCode::OK, done) }
            }),
        )
}

/// CPU seconds (user + system) used so far by this process's threads, grouped
/// by thread name without its trailing number.
fn thread_cpu() -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime are fields 14 and 15 of stat(5); here 0-based after the name: 11, 12.
        let ticks: f64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
            .sum();
        *out.entry(name.to_owned()).or_insert(0.0) += ticks / 100.0;
    }
    out
}

fn percentile(sorted: &[u32], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    f64::from(sorted[i]) / 1000.0
}

fn report(results: &[(Target, Result_)], seconds: u64) {
    let bare_rate = results.iter().find_map(|(t, r)| {
        matches!(t, Target::Bare).then(|| r.samples.cycle.len() as f64 * 3.0 / seconds as f64)
    });
    println!("| server | cycles/s | requests/s | vs bare (req/s) | cycle p50 / p99 | pass p50 / p99 | catch p50 / p99 | done p50 / p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (target, r) in results {
        let mut s = Samples {
            pass: r.samples.pass.clone(),
            catch: r.samples.catch.clone(),
            done: r.samples.done.clone(),
            cycle: r.samples.cycle.clone(),
        };
        for v in [&mut s.pass, &mut s.catch, &mut s.done, &mut s.cycle] {
            v.sort_unstable();
        }
        let cycles = s.cycle.len() as f64 / seconds as f64;
        let requests = cycles * 3.0;
        let ratio = match bare_rate {
            Some(b) if b > 0.0 => format!("{:.2}", requests / b),
            _ => "–".into(),
        };
        let pair = |v: &[u32]| format!("{:.2} / {:.2} ms", percentile(v, 50), percentile(v, 99));
        println!(
            "| {} | {cycles:.0} | {requests:.0} | {ratio} | {} | {} | {} | {} |",
            target.name(),
            pair(&s.cycle),
            pair(&s.pass),
            pair(&s.catch),
            pair(&s.done)
        );
    }
    println!("\nCPU during the measured window (seconds of CPU per second of wall time):\n");
    for (target, r) in results {
        let parts: Vec<String> = r
            .cpu
            .iter()
            .filter(|(_, t)| **t > 0.0)
            .map(|(name, t)| format!("{name} {:.2}", t / seconds as f64))
            .collect();
        let requests = r.samples.cycle.len() as f64 * 3.0;
        let server: f64 = r
            .cpu
            .iter()
            .filter(|(name, _)| !name.starts_with("bench-client"))
            .map(|(_, t)| t)
            .sum();
        let per_request = if requests > 0.0 {
            server / requests * 1e6
        } else {
            0.0
        };
        println!(
            "- {}: {} (server side ≈ {per_request:.0} µs CPU per request)",
            target.name(),
            parts.join(", ")
        );
    }
}
