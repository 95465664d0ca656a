//! `baton serve` and `baton token create` as processes: the first-start token,
//! durability across `kill -9` (also in the middle of a load of passes), and
//! two relay processes sharing one database (PostgreSQL with
//! `BATON_TEST_DATABASE_URL`, else one SQLite file), where 400 concurrent
//! catches of 200 handoffs across both have exactly one winner each.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// `baton token ARGS --data-dir D`, with `stdin`; (exit code, stdout, stderr).
fn token_cmd(args: &[&str], d: &str, stdin: &str) -> (Option<i32>, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(BATON)
        .arg("token")
        .args(args)
        .args(["--data-dir", d])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn token_list_shows_ids_never_tokens_and_revoke_deletes_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let a1 = token_create("team-a", &["--data-dir", d]);
    let a2 = token_create("team-a", &["--data-dir", d]);
    let b = token_create("team-b", &["--data-dir", d]);

    let (code, all, _) = token_cmd(&["list"], d, "");
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    for line in &lines {
        let fields: Vec<&str> = line.split("  ").collect();
        assert_eq!(fields.len(), 3, "id, creation time, workspace: {line}");
        assert!(fields[0].len() == 12 && fields[0].bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(fields[1].ends_with('Z'), "{line}");
    }
    for token in [&a1, &a2, &b] {
        assert!(!all.contains(&token[6..]), "a token was shown: {all}");
    }

    let out = Command::new(BATON)
        .args([
            "--json",
            "token",
            "list",
            "--workspace",
            "team-a",
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let team_a = listed["tokens"].as_array().unwrap();
    assert_eq!(team_a.len(), 2);
    assert!(team_a.iter().all(|t| t["workspace"] == "team-a"));

    // By the token, read from stdin so that it stays out of the arguments.
    let (code, revoked, err) = token_cmd(&["revoke", "-"], d, &format!("{a1}\n"));
    assert_eq!(code, Some(0), "{err}");
    assert!(revoked.starts_with("revoked ") && revoked.trim_end().ends_with("team-a"));
    let id_a1 = team_a[0]["id"].as_str().unwrap();
    assert!(
        revoked.contains(id_a1),
        "the oldest team-a token: {revoked}"
    );
    // By id.
    let id_a2 = team_a[1]["id"].as_str().unwrap();
    let (code, _, err) = token_cmd(&["revoke", id_a2], d, "");
    assert_eq!(code, Some(0), "{err}");
    let (_, left, _) = token_cmd(&["list"], d, "");
    assert_eq!(left.lines().count(), 1, "{left}");
    assert!(left.trim_end().ends_with("team-b"));

    let (code, _, err) = token_cmd(&["revoke", id_a2], d, "");
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: no token with id"), "{err}");
    let (code, _, err) = token_cmd(&["revoke", "abc"], d, "");
    assert_eq!(code, Some(2));
    assert!(err.contains("neither a token"), "{err}");
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

#[test]
fn serve_refuses_a_cors_origin_that_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let cases: [(&[&str], Option<&str>, &str); 3] = [
        (&["--cors-origin", "http://app.example/"], None, "trailing"),
        (
            &["--cors-origin", "*", "--cors-origin", "http://app.example"],
            None,
            "alone",
        ),
        (&[], Some("http://ok.example, app.example"), "http://"),
    ];
    for (flags, env, reason) in cases {
        let mut command = Command::new(BATON);
        command.args(["serve", "--data-dir", d]).args(flags);
        if let Some(env) = env {
            command.env("BATON_CORS_ORIGINS", env);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?} {env:?}: {stderr}");
        assert!(
            stderr.contains("--cors-origin") && stderr.contains(reason),
            "{stderr}"
        );
    }
    // Refused before anything is opened: no database was made.
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
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
    // The default --max-body is 1 MiB.
    let (status, problem) = call(
        reqwest::Method::POST,
        format!("{}/api/pass", server.url),
        &token,
        Some(json!({"task": "x".repeat(1024 * 1024)})),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (413, Some("payload_too_large"))
    );

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

/// The storage flags of a fresh database: a new PostgreSQL schema when
/// `BATON_TEST_DATABASE_URL` is set, else a new SQLite data directory.
async fn fresh_storage() -> (Vec<String>, Option<tempfile::TempDir>) {
    match std::env::var("BATON_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(base) => (
            vec!["--database".into(), postgres_schema(&base).await],
            None,
        ),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path().to_str().unwrap().to_owned();
            (vec!["--data-dir".into(), d], Some(dir))
        }
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_deliver_each_of_200_handoffs_to_exactly_one_of_400_catchers() {
    let (storage, _dir) = fresh_storage().await;
    eprintln!(
        "two relay processes on one {}",
        storage[0].trim_start_matches("--")
    );
    let one = Server::start(&strs(&storage));
    let token = one
        .token
        .clone()
        .expect("the first relay on an empty database prints a token");
    let two = Server::start(&strs(&storage));
    assert_eq!(two.token, None);
    let urls = [one.url.clone(), two.url.clone()];
    let http = reqwest::Client::new();

    // 200 handoffs, passed through both relays.
    let mut passes = Vec::new();
    for n in 0..200 {
        let (http, url, token) = (http.clone(), urls[n % 2].clone(), token.clone());
        passes.push(tokio::spawn(async move {
            let reply = http
                .post(format!("{url}/api/pass"))
                .bearer_auth(token)
                .body(json!({"task": format!("handoff {n}")}).to_string())
                .send()
                .await
                .expect("pass");
            assert_eq!(reply.status().as_u16(), 201);
            let body: Value = reply.json().await.expect("json");
            body["baton_id"].as_str().expect("id").to_owned()
        }));
    }
    let mut ids = Vec::new();
    for pass in passes {
        ids.push(pass.await.unwrap());
    }
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 200);

    // 400 catches, two per handoff (one through each relay), released together.
    let gate = Arc::new(tokio::sync::Barrier::new(400));
    let mut catches = Vec::new();
    for (n, id) in ids.iter().flat_map(|id| [(0, id), (1, id)]) {
        let (http, gate) = (http.clone(), gate.clone());
        let (url, token, id) = (
            format!("{}/api/catch/{id}", urls[n]),
            token.clone(),
            id.clone(),
        );
        catches.push(tokio::spawn(async move {
            gate.wait().await;
            let reply = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("catch");
            let status = reply.status().as_u16();
            (id, status, reply.json::<Value>().await.expect("json"))
        }));
    }
    let mut outcomes: BTreeMap<String, Vec<(u16, String)>> = BTreeMap::new();
    for catch in catches {
        let (id, status, body) = catch.await.unwrap();
        let code = body["code"].as_str().unwrap_or_default().to_owned();
        if status == 200 {
            assert_eq!(
                (body["baton_id"].as_str(), &body["attempt"]),
                (Some(id.as_str()), &json!(1))
            );
        }
        outcomes.entry(id).or_default().push((status, code));
    }
    assert_eq!(outcomes.len(), 200);
    for (id, mut answers) in outcomes {
        answers.sort();
        assert_eq!(
            answers,
            [(200, String::new()), (409, "already_caught".to_owned())],
            "{id}: exactly one catch wins, the other is already_caught"
        );
        let (status, read) = call(
            reqwest::Method::GET,
            format!("{}/api/status/{id}", urls[1]),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (status, &read["attempts"], read["status"].as_str()),
            (200, &json!(1), Some("caught"))
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

/// The pass body number `i` of passer `p`: every member set, all distinct.
fn crash_body(p: usize, i: usize) -> Value {
    json!({
        "task": format!("crash {p}.{i}: '; DROP TABLE handoffs; -- \u{1F600} e\u{301} \u{0}"),
        "to": format!("agent-{p}"),
        "output": {"p": p, "i": i, "draft": "x".repeat(300 + i % 7)},
        "context": {"n": i, "nested": [p, {"deep": [i]}]},
        "constraints": [format!("c{i}"), null, 1.5],
        "baton": {"goal": format!("goal {p}.{i}"), "decision_log": [format!("d {p}.{i}")]},
        "ttl_seconds": 3600 + i,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_answered_201_survive_a_kill_9_in_the_middle_of_a_load() {
    let (storage, _dir) = fresh_storage().await;
    eprintln!(
        "kill -9 under load on {}",
        storage[0].trim_start_matches("--")
    );
    let server = Server::start(&strs(&storage));
    let token = server.token.clone().expect("a first start prints a token");
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, Value)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let mut passers = Vec::new();
    for p in 0..8 {
        let (url, token) = (server.url.clone(), token.clone());
        let (acknowledged, count) = (acknowledged.clone(), count.clone());
        passers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0.. {
                let body = crash_body(p, i);
                let sent = http
                    .post(format!("{url}/api/pass"))
                    .bearer_auth(&token)
                    .body(body.to_string())
                    .send()
                    .await;
                // Once the server is killed, requests fail: that passer stops.
                let Ok(reply) = sent else { break };
                let status = reply.status().as_u16();
                let Ok(answer) = reply.json::<Value>().await else {
                    break;
                };
                assert_eq!(status, 201, "{answer}");
                let id = answer["baton_id"].as_str().expect("id").to_owned();
                acknowledged.lock().unwrap().push((id, body));
                count.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // Kill while every passer has a request in flight.
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < 200 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the passes do not progress"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    for passer in passers {
        passer.await.expect("a passer");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 200);

    let again = Server::start(&strs(&storage));
    assert_eq!(again.token, None);
    let by_task: BTreeMap<String, Value> = (0..8)
        .flat_map(|p| (0..acknowledged.len() + 64).map(move |i| crash_body(p, i)))
        .map(|b| (b["task"].as_str().unwrap().to_owned(), b))
        .collect();
    // Every handoff in the store is whole and is one that was sent, whether
    // or not its 201 arrived before the kill.
    let mut listed = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let query = after
            .as_ref()
            .map_or(String::new(), |a| format!("&after={a}"));
        let (status, page) = call(
            reqwest::Method::GET,
            format!("{}/api/handoffs?limit=200{query}", again.url),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        for h in page["handoffs"].as_array().unwrap() {
            listed.insert(h["baton_id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let acked: BTreeSet<String> = acknowledged.iter().map(|(id, _)| id.clone()).collect();
    assert!(
        acked.is_subset(&listed),
        "{} handoffs answered 201 are missing",
        acked.difference(&listed).count()
    );
    let sent: BTreeMap<&str, &Value> = acknowledged
        .iter()
        .map(|(id, b)| (id.as_str(), b))
        .collect();
    for id in &listed {
        let (status, read) = call(
            reqwest::Method::GET,
            format!("{}/api/status/{id}", again.url),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (status, read["status"].as_str()),
            (200, Some("pending")),
            "{read}"
        );
        let task = read["task"].as_str().expect("task");
        let body = by_task
            .get(task)
            .unwrap_or_else(|| panic!("{id}: unknown task {task:?}"));
        if let Some(acked_body) = sent.get(id.as_str()) {
            assert_eq!(acked_body, &body, "{id}: the task of another pass");
        }
        assert_eq!(read["to"], body["to"]);
        let (status, caught) = call(
            reqwest::Method::GET,
            format!("{}/api/catch/{id}", again.url),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{caught}");
        for member in ["task", "to", "output", "context", "constraints"] {
            assert_eq!(caught[member], body[member], "{id}: {member}");
        }
        let baton = baton_core::Baton::from_value(&body["baton"])
            .unwrap()
            .to_value();
        assert_eq!(caught["baton"], baton, "{id}: baton");
    }
    eprintln!(
        "{} passes answered 201 before the kill, {} stored",
        acked.len(),
        listed.len()
    );
}
