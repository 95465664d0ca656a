//! `baton serve` and `baton token create` as processes: the first-start token,
//! durability across `kill -9`, and (with `BATON_TEST_DATABASE_URL`) two relay
//! processes sharing PostgreSQL, where concurrent catches across both still
//! have exactly one winner.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

const BATON: &str = env!("CARGO_BIN_EXE_baton");

/// A `baton serve` process; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    url: String,
    /// The token printed on stdout at first start, if any.
    token: Option<String>,
    stderr: Receiver<String>,
}

impl Server {
    fn start(storage: &[&str]) -> Server {
        let mut child = Command::new(BATON)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(storage)
            .env_remove("BATON_DATABASE_URL")
            .env_remove("BATON_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn baton serve");
        let (out_tx, out_rx) = channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        let (err_tx, err_rx) = channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let url = loop {
            // A bound on start-up, not a timing assertion: a relay that never
            // gets ready fails here instead of hanging the suite.
            match err_rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => match line.strip_prefix("baton: listening on ") {
                    Some(url) => break url.to_owned(),
                    None => seen.push(line),
                },
                Err(_) => panic!(
                    "baton serve did not get ready; stderr: {seen:?}; exit: {:?}",
                    child.try_wait()
                ),
            }
        };
        let created = seen
            .iter()
            .find_map(|l| l.strip_prefix("baton: created a token for workspace default: "))
            .map(str::to_owned);
        // The bare token on stdout precedes the stderr line announcing it.
        let token = created.map(|announced| {
            let printed = out_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("the token on stdout");
            assert_eq!(printed, announced);
            printed
        });
        Server {
            child,
            url,
            token,
            stderr: err_rx,
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

fn token_create(workspace: &str, storage: &[&str]) -> String {
    let out = Command::new(BATON)
        .args(["token", "create", "--workspace", workspace])
        .args(storage)
        .env_remove("BATON_DATABASE_URL")
        .env_remove("BATON_DATA_DIR")
        .output()
        .expect("run baton token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let token = stdout.trim_end().to_owned();
    assert_eq!(stdout, format!("{token}\n"), "only the token, on one line");
    token
}

#[test]
fn token_create_prints_a_new_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let a = token_create("team-a", &["--data-dir", d]);
    let b = token_create("team-a", &["--data-dir", d]);
    assert_ne!(a, b);
    for token in [&a, &b] {
        assert!(token.starts_with("baton_") && token.len() == 49, "{token}");
    }
    let db = std::fs::read(dir.path().join("baton.sqlite3")).unwrap();
    let wal = std::fs::read(dir.path().join("baton.sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(a.len()).any(|w| w == a.as_bytes()),
            "the token itself is never stored"
        );
    }
    let out = Command::new(BATON)
        .args([
            "--json",
            "token",
            "create",
            "--workspace",
            "team-b",
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["workspace"], "team-b");
    let bad = Command::new(BATON)
        .args([
            "token",
            "create",
            "--workspace",
            "no spaces",
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: invalid workspace name"));
}

#[test]
fn serve_refuses_bad_flags_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["serve", "--database", "mysql://h/db"],
        vec!["serve", "--data-dir", d, "--listen", "not an address"],
        vec!["serve", "--data-dir", d, "--public-url", "relay.example"],
        vec!["serve", "--data-dir", d, "--database", "postgres://h/db"],
    ] {
        let out = Command::new(BATON).args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoffs_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_owned();
    let server = Server::start(&["--data-dir", &d]);
    let token = server.token.clone().expect("a first start prints a token");
    let health = client()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let (status, passed) = call(
        reqwest::Method::POST,
        format!("{}/api/pass", server.url),
        &token,
        Some(json!({"task": "survive", "output": {"n": 1}})),
    )
    .await;
    assert_eq!(status, 201, "{passed}");
    let id = passed["baton_id"].as_str().unwrap().to_owned();
    let (_, second) = call(
        reqwest::Method::POST,
        format!("{}/api/pass", server.url),
        &token,
        Some(json!({"task": "finished", "baton": {"goal": "g"}})),
    )
    .await;
    let done_id = second["baton_id"].as_str().unwrap().to_owned();
    let (status, caught) = call(
        reqwest::Method::GET,
        format!("{}/api/catch/{done_id}", server.url),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{caught}");
    let (status, done) = call(
        reqwest::Method::POST,
        format!("{}/api/done/{done_id}", server.url),
        &token,
        Some(json!({"output": "ok", "baton_patch": {"current_state": {"add": ["done"]}}, "lease_token": caught["lease_token"]})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    server.kill();

    let again = Server::start(&["--data-dir", &d]);
    assert_eq!(again.token, None, "tokens exist, so no new one is made");
    let (status, read) = call(
        reqwest::Method::GET,
        format!("{}/api/status/{id}", again.url),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["status"].as_str(), read["task"].as_str()),
        (Some("pending"), Some("survive"))
    );
    let (_, read) = call(
        reqwest::Method::GET,
        format!("{}/api/status/{done_id}", again.url),
        &token,
        None,
    )
    .await;
    assert_eq!(read["status"], "done");
    assert_eq!(read["baton"], done["baton"]);
    let (status, caught) = call(
        reqwest::Method::GET,
        format!("{}/api/catch/{id}", again.url),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{caught}");
    assert_eq!(caught["output"], json!({"n": 1}));
    // The request log goes to stderr, one line per request.
    let log: Vec<String> = again.stderr.try_iter().collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("baton: GET /api/status/") && l.contains(" 200 ")),
        "{log:?}"
    );
}

/// A new schema in the test database, so that this test's relays start empty.
async fn postgres_schema(url: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    let schema = format!(
        "cli_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let pool = sqlx::PgPool::connect(url)
        .await
        .expect("connect to BATON_TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .expect("create schema");
    pool.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_on_one_postgres_deliver_exactly_once() {
    let Some(base) = std::env::var("BATON_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        eprintln!("skipped: BATON_TEST_DATABASE_URL is not set (scripts/postgres-test.sh sets it)");
        return;
    };
    let url = postgres_schema(&base).await;
    let one = Server::start(&["--database", &url]);
    let token = one
        .token
        .clone()
        .expect("the first relay on an empty database prints a token");
    let two = Server::start(&["--database", &url]);
    assert_eq!(two.token, None);
    let urls = [one.url.clone(), two.url.clone()];
    for round in 0..5 {
        let (status, passed) = call(
            reqwest::Method::POST,
            format!("{}/api/pass", urls[round % 2]),
            &token,
            Some(json!({"task": format!("round {round}")})),
        )
        .await;
        assert_eq!(status, 201, "{passed}");
        let id = passed["baton_id"].as_str().unwrap().to_owned();
        let mut tasks = Vec::new();
        for i in 0..24 {
            let url = format!("{}/api/catch/{id}", urls[i % 2]);
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                call(reqwest::Method::GET, url, &token, None).await
            }));
        }
        let mut winners = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                200 => winners += 1,
                409 => assert_eq!(body["code"], "already_caught"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(
            winners, 1,
            "round {round}: exactly one catch wins across both relays"
        );
    }
    // A long-poll on one relay sees a done made through the other.
    let (_, passed) = call(
        reqwest::Method::POST,
        format!("{}/api/pass", urls[0]),
        &token,
        Some(json!({"task": "watched"})),
    )
    .await;
    let id = passed["baton_id"].as_str().unwrap().to_owned();
    call(
        reqwest::Method::GET,
        format!("{}/api/catch/{id}", urls[1]),
        &token,
        None,
    )
    .await;
    let waiter = {
        let (url, token) = (
            format!("{}/api/status/{id}?wait=30", urls[0]),
            token.clone(),
        );
        tokio::spawn(async move { call(reqwest::Method::GET, url, &token, None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{}/api/done/{id}", urls[1]),
        &token,
        Some(json!({"output": "x"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, read) = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the long-poll answers")
        .unwrap();
    assert_eq!((status, read["status"].as_str()), (200, Some("done")));
}
