//! The relay's HTTP API against a real listener on 127.0.0.1:0: every endpoint,
//! every problem code, leases, expiry, idempotency, isolation and long-polls.
//! Runs on SQLite, or on PostgreSQL when `BATON_TEST_DATABASE_URL` is set.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use baton_core::{apply_patch, validate, Baton};
use baton_relay::{format_ms, ManualClock};
use common::{start, start_on, start_with, Reply};
use reqwest::Method;
use serde_json::{json, Value};

fn seed_baton() -> Value {
    json!({
        "goal": "Add user auth",
        "current_state": ["Routes created", "Tests passing"],
        "decision_log": ["Chose JWT over sessions"],
        "constraints": ["No breaking changes"],
        "work_scope": ["src/auth/*"],
        "artifacts": [],
        "open_questions": [],
        "acceptance": ["All auth tests green"]
    })
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn pass_answers_201_with_the_documented_shape() {
    let r = start().await;
    let t = r.token().await;
    let reply = r
        .post(
            "/api/pass",
            &t,
            &json!({"task": "Review and improve this draft", "output": {"draft": "Hello"}}),
        )
        .await;
    let body = reply.ok(201);
    assert_eq!(
        keys(&body),
        set(&["baton_id", "pickup_url", "status", "expires_at", "warnings"])
    );
    let id = body["baton_id"].as_str().unwrap();
    // SPEC §17.1: 10 base32 digits of the creation time, then 26 random ones.
    let digits = b"0123456789abcdefghjkmnpqrstvwxyz";
    assert_eq!(id.len(), 36, "{id}");
    assert!(id.bytes().all(|c| digits.contains(&c)), "{id}");
    let time = id.bytes().take(10).fold(0i64, |n, c| {
        n * 32 + digits.iter().position(|&d| d == c).unwrap() as i64
    });
    assert_eq!(time, r.now(), "{id}");
    assert_eq!(body["pickup_url"], format!("{}/api/catch/{id}", r.url));
    assert_eq!(body["status"], "pending");
    assert_eq!(body["expires_at"], format_ms(r.now() + 86_400_000));
    assert_eq!(body["warnings"], json!([]));
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/status/{id}").as_str())
    );
    assert_eq!(reply.header("idempotent-replayed"), None);
    let other = r.pass(&t, &json!({"task": "again"})).await;
    assert_ne!(other, id);
}

#[tokio::test]
async fn bodies_are_json_whatever_the_content_type() {
    let r = start().await;
    let t = r.token().await;
    let form = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "sent the way curl -d sends it"}"#),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    form.ok(201);
    let none = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "no type"}"#),
            &[],
        )
        .await;
    none.ok(201);
}

#[tokio::test]
async fn pass_checks_every_member_at_once() {
    let r = start().await;
    let t = r.token().await;
    let reply = r
        .post(
            "/api/pass",
            &t,
            &json!({"taks": "x", "to": " ", "ttl_seconds": 0, "lease_seconds": "60", "output": 1}),
        )
        .await;
    let p = reply.problem(422, "invalid_request");
    assert_eq!(
        p["errors"],
        json!([
            {"code": "type", "path": "/lease_seconds", "message": "`lease_seconds` must be an integer"},
            {"code": "unknown_field", "path": "/taks", "message": "unknown field `taks`, did you mean `task`?"},
            {"code": "required", "path": "/task", "message": "`task` is required"},
            {"code": "empty", "path": "/to", "message": "`to` must not be blank"},
            {"code": "range", "path": "/ttl_seconds", "message": "`ttl_seconds` must be between 1 and 2592000"},
        ])
    );
    let big = r
        .post(
            "/api/pass",
            &t,
            &json!({"task": "x", "ttl_seconds": 2_592_001, "lease_seconds": 86_401}),
        )
        .await;
    let p = big.problem(422, "invalid_request");
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
    let blank = r.post("/api/pass", &t, &json!({"task": "\u{200b} "})).await;
    assert_eq!(
        blank.problem(422, "invalid_request")["errors"][0]["code"],
        "empty"
    );
    let typed = r.post("/api/pass", &t, &json!({"task": ["x"]})).await;
    assert_eq!(
        typed.problem(422, "invalid_request")["errors"][0]["code"],
        "type"
    );
    // Nothing was stored.
    let list = r.get("/api/handoffs", &t).await.ok(200);
    assert_eq!(list["handoffs"], json!([]));
}

#[tokio::test]
async fn a_baton_is_validated_by_baton_core_and_stored_canonically() {
    let r = start().await;
    let t = r.token().await;
    let bad = json!({"goal": "x", "decison_log": [], "current_state": [""]});
    let reply = r
        .post("/api/pass", &t, &json!({"task": "t", "baton": bad}))
        .await;
    let p = reply.problem(422, "invalid_baton");
    assert_eq!(
        p["errors"],
        serde_json::to_value(validate(&bad).errors).unwrap()
    );
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);

    let duplicated = json!({"goal": "g", "constraints": ["same", "same"]});
    let reply = r
        .post("/api/pass", &t, &json!({"task": "t", "baton": duplicated}))
        .await;
    let body = reply.ok(201);
    let warnings = serde_json::to_value(validate(&duplicated).warnings).unwrap();
    assert_eq!(body["warnings"], warnings);
    assert_eq!(body["warnings"][0]["code"], "duplicate");

    let id = body["baton_id"].as_str().unwrap();
    let caught = r.catch(&t, id).await.ok(200);
    assert_eq!(
        caught["baton"],
        Baton::from_value(&duplicated).unwrap().to_value()
    );
}

#[tokio::test]
async fn catch_delivers_the_whole_payload_and_a_lease() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(
            &t,
            &json!({
                "task": "Review this draft email",
                "output": {"draft": "Hello...", "n": [1, 2.5, null]},
                "context": {"tone": "professional"},
                "constraints": ["short"],
                "baton": seed_baton(),
                "to": "reviewer",
                "lease_seconds": 120
            }),
        )
        .await;
    let caught = r.catch(&t, &id).await.ok(200);
    assert_eq!(
        keys(&caught),
        set(&[
            "baton_id",
            "task",
            "output",
            "context",
            "constraints",
            "baton",
            "to",
            "status",
            "lease_token",
            "lease_expires_at",
            "expires_at",
            "attempt"
        ])
    );
    assert_eq!(caught["baton_id"], id);
    assert_eq!(caught["task"], "Review this draft email");
    assert_eq!(
        caught["output"],
        json!({"draft": "Hello...", "n": [1, 2.5, null]})
    );
    assert_eq!(caught["context"], json!({"tone": "professional"}));
    assert_eq!(caught["constraints"], json!(["short"]));
    assert_eq!(
        caught["baton"],
        Baton::from_value(&seed_baton()).unwrap().to_value()
    );
    assert_eq!(caught["to"], "reviewer");
    assert_eq!(caught["status"], "caught");
    assert_eq!(caught["attempt"], 1);
    assert_eq!(caught["lease_expires_at"], format_ms(r.now() + 120_000));
    assert_eq!(caught["expires_at"], format_ms(r.now() + 86_400_000));
    let lease = caught["lease_token"].as_str().unwrap();
    assert!(lease.starts_with("lease_") && lease.len() == 28, "{lease}");

    // Defaults: null payload members, no baton, no addressee.
    let bare = r.pass(&t, &json!({"task": "bare"})).await;
    let caught = r
        .send(
            Method::POST,
            &format!("/api/catch/{bare}"),
            Some(&t),
            None,
            &[],
        )
        .await
        .ok(200);
    assert_eq!(
        (
            &caught["output"],
            &caught["context"],
            &caught["constraints"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&caught["baton"], &caught["to"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(caught["lease_expires_at"], format_ms(r.now() + 900_000));
}

#[tokio::test]
async fn a_second_catch_is_409_and_post_catch_takes_no_members() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    let bad = r
        .post(
            &format!("/api/catch/{id}"),
            &t,
            &json!({"lease_seconds": 5}),
        )
        .await;
    bad.problem(422, "invalid_request");
    r.post(&format!("/api/catch/{id}"), &t, &json!({}))
        .await
        .ok(200);
    r.catch(&t, &id).await.problem(409, "already_caught");
    r.post(&format!("/api/catch/{id}"), &t, &json!({}))
        .await
        .problem(409, "already_caught");
    assert_eq!(r.status(&t, &id).await["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_of_many_concurrent_catchers_wins() {
    let r = start().await;
    let t = r.token().await;
    for round in 0..3 {
        let id = r.pass(&t, &json!({"task": format!("round {round}")})).await;
        let mut tasks = Vec::new();
        for _ in 0..25 {
            let (client, url, t) = (
                r.client.clone(),
                format!("{}/api/catch/{id}", r.url),
                t.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let reply = client.get(url).bearer_auth(t).send().await.expect("send");
                let status = reply.status().as_u16();
                (status, reply.json::<Value>().await.expect("json"))
            }));
        }
        let mut winners = 0;
        for task in tasks {
            let (status, body) = task.await.expect("task");
            match status {
                200 => winners += 1,
                409 => assert_eq!(body["code"], "already_caught", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(winners, 1, "round {round}");
        assert_eq!(r.status(&t, &id).await["attempts"], 1);
    }
}

#[tokio::test]
async fn an_ended_lease_redelivers_and_the_old_token_is_stale() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t", "lease_seconds": 60})).await;
    let first = r.catch(&t, &id).await.ok(200);
    r.advance(59);
    r.catch(&t, &id).await.problem(409, "already_caught");
    r.advance(1);
    let status = r.status(&t, &id).await;
    assert_eq!(
        (status["status"].as_str(), status["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    let second = r.catch(&t, &id).await.ok(200);
    assert_eq!(second["attempt"], 2);
    assert_ne!(first["lease_token"], second["lease_token"]);

    let stale = r
        .done(
            &t,
            &id,
            &json!({"output": "late", "lease_token": first["lease_token"]}),
        )
        .await;
    stale.problem(409, "stale_lease");
    let status = r.status(&t, &id).await;
    assert_eq!(status["status"], "caught");
    assert_eq!(status["completed_at"], Value::Null);
    assert_eq!(status["output"], Value::Null);

    let done = r
        .done(
            &t,
            &id,
            &json!({"output": "on time", "lease_token": second["lease_token"]}),
        )
        .await
        .ok(200);
    assert_eq!(done["output"], "on time");
    // After done, a stale token is just a different done.
    r.done(&t, &id, &json!({"lease_token": first["lease_token"]}))
        .await
        .problem(409, "already_done");
}

#[tokio::test]
async fn a_done_without_token_is_accepted_while_caught() {
    let r = start().await;
    let t = r.token().await;
    // The lease ended but nobody caught it again: the seed's token-less done still lands.
    let id = r.pass(&t, &json!({"task": "t", "lease_seconds": 10})).await;
    r.catch(&t, &id).await.ok(200);
    r.advance(30);
    r.done(&t, &id, &json!({"output": {"result": "Done!"}}))
        .await
        .ok(200);
    // Re-caught by someone else: a token-less done is still accepted.
    let id = r.pass(&t, &json!({"task": "t", "lease_seconds": 10})).await;
    r.catch(&t, &id).await.ok(200);
    r.advance(30);
    r.catch(&t, &id).await.ok(200);
    r.done(&t, &id, &json!({})).await.ok(200);
}

#[tokio::test]
async fn the_same_done_again_gets_the_same_answer() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(&t, &json!({"task": "t", "baton": seed_baton()}))
        .await;
    let lease = r.catch(&t, &id).await.ok(200)["lease_token"].clone();
    let body = json!({"output": {"revised": "Dear colleague"}, "lease_token": lease, "baton_patch": {"current_state": {"add": ["Reviewed"]}}});
    let first = r.done(&t, &id, &body).await;
    let done = first.ok(200);
    assert_eq!(
        keys(&done),
        set(&["baton_id", "status", "completed_at", "output", "baton"])
    );
    assert_eq!(done["status"], "done");
    assert_eq!(done["completed_at"], format_ms(r.now()));
    r.advance(5);
    // The same body, with members in another order and other whitespace.
    let text = format!(
        "{{ \"baton_patch\": {{\"current_state\": {{\"add\": [\"Reviewed\"]}}}}, \"lease_token\": {lease},\n \"output\": {{\"revised\": \"Dear colleague\"}} }}"
    );
    let again = r
        .send(
            Method::POST,
            &format!("/api/done/{id}"),
            Some(&t),
            Some(&text),
            &[],
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.text, first.text,
        "a repeat answers byte for byte the same"
    );
    let different = r.done(&t, &id, &json!({"output": "other"})).await;
    different.problem(409, "already_done");
    r.catch(&t, &id).await.problem(409, "already_done");
    let status = r.status(&t, &id).await;
    assert_eq!(status["output"], json!({"revised": "Dear colleague"}));
}

#[tokio::test]
async fn done_needs_a_caught_live_handoff() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(
            &t,
            &json!({"task": "t", "ttl_seconds": 100, "lease_seconds": 60}),
        )
        .await;
    r.done(&t, &id, &json!({})).await.problem(409, "not_caught");
    // A live lease outlives the TTL: the catcher may finish late.
    r.advance(90);
    r.catch(&t, &id).await.ok(200);
    r.advance(30);
    assert_eq!(r.status(&t, &id).await["status"], "caught");
    r.done(&t, &id, &json!({"output": 1})).await.ok(200);

    // Past the TTL with no live lease: gone.
    let id = r
        .pass(
            &t,
            &json!({"task": "t", "ttl_seconds": 100, "lease_seconds": 10}),
        )
        .await;
    r.catch(&t, &id).await.ok(200);
    r.advance(101);
    r.done(&t, &id, &json!({})).await.problem(410, "expired");
}

#[tokio::test]
async fn a_baton_patch_is_applied_by_baton_core_with_stage_and_time() {
    let r = start().await;
    let t = r.token().await;
    let patch = json!({"decision_log": {"add": ["Refresh tokens rotate on use"]}, "open_questions": {"add": ["Rate-limit /login?"]}});
    let passed = Baton::from_value(&seed_baton()).unwrap();
    for (to, stage, recorded) in [
        (Some("implementer"), None, "implementer"),
        (Some("implementer"), Some("tester"), "tester"),
        (None, None, "relay"),
    ] {
        let mut pass = json!({"task": "t", "baton": seed_baton()});
        if let Some(to) = to {
            pass["to"] = json!(to);
        }
        let id = r.pass(&t, &pass).await;
        r.catch(&t, &id).await.ok(200);
        r.advance(1);
        let mut body = json!({"baton_patch": patch});
        if let Some(stage) = stage {
            body["stage"] = json!(stage);
        }
        let done = r.done(&t, &id, &body).await.ok(200);
        let expected = apply_patch(&passed, &patch, recorded, Some(&format_ms(r.now()))).unwrap();
        assert_eq!(done["baton"], expected.to_value());
        let history = done["baton"]["history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["stage"], recorded);
        assert_eq!(history.last().unwrap()["at"], format_ms(r.now()));
        let status = r.status(&t, &id).await;
        assert_eq!(status["baton"], done["baton"]);
        assert_eq!(status["status"], "done");
    }
    // Without a patch, done's baton is the passed one.
    let id = r
        .pass(&t, &json!({"task": "t", "baton": seed_baton()}))
        .await;
    r.catch(&t, &id).await.ok(200);
    let done = r.done(&t, &id, &json!({})).await.ok(200);
    assert_eq!(done["baton"], passed.to_value());
}

#[tokio::test]
async fn a_failing_patch_is_422_and_changes_nothing() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(&t, &json!({"task": "t", "baton": seed_baton()}))
        .await;
    r.catch(&t, &id).await.ok(200);
    let patch = json!({"decision_log": null, "goal": "", "colour": 1});
    let reply = r
        .done(&t, &id, &json!({"baton_patch": patch, "output": "x"}))
        .await;
    let p = reply.problem(422, "invalid_patch");
    let passed = Baton::from_value(&seed_baton()).unwrap();
    let core = apply_patch(&passed, &patch, "relay", None).unwrap_err();
    assert_eq!(p["errors"], serde_json::to_value(core.issues()).unwrap());
    let status = r.status(&t, &id).await;
    assert_eq!(
        (status["status"].as_str(), &status["output"]),
        (Some("caught"), &Value::Null)
    );
    r.done(&t, &id, &json!({"baton_patch": {"goal": "fixed"}}))
        .await
        .ok(200);

    let bare = r.pass(&t, &json!({"task": "no baton"})).await;
    r.catch(&t, &bare).await.ok(200);
    r.done(&t, &bare, &json!({"baton_patch": {"goal": "g"}}))
        .await
        .problem(422, "no_baton");
    r.done(&t, &bare, &json!({"stage": " "}))
        .await
        .problem(422, "invalid_request");
    r.done(&t, &bare, &json!({"lease_token": 5, "outptu": 1}))
        .await
        .problem(422, "invalid_request");
    assert_eq!(r.status(&t, &bare).await["status"], "caught");
}

#[tokio::test]
async fn expiry_is_absolute_and_checked_on_every_read() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t", "ttl_seconds": 10})).await;
    r.advance(9);
    assert_eq!(r.status(&t, &id).await["status"], "pending");
    r.advance(1);
    let status = r.status(&t, &id).await;
    assert_eq!(status["status"], "expired");
    let p = r.catch(&t, &id).await.problem(410, "expired");
    assert!(
        p["detail"].as_str().unwrap().contains(&format_ms(r.now())),
        "{p}"
    );
    r.done(&t, &id, &json!({})).await.problem(410, "expired");
    let list = r.get("/api/handoffs?status=expired", &t).await.ok(200);
    assert_eq!(list["handoffs"][0]["baton_id"], id);
}

#[tokio::test]
async fn a_token_sees_only_its_workspace() {
    let r = start().await;
    let (a, b) = (r.token().await, r.token().await);
    let id = r.pass(&a, &json!({"task": "private", "to": "x"})).await;
    let unknown = "01kbdbx3z35n0c4r7w2q9m1x8f6t3v0b2k7h";
    let ask = |token: String, id: String, kind: &'static str| {
        let r = &r;
        async move {
            match kind {
                "catch" => r.catch(&token, &id).await,
                "done" => r.done(&token, &id, &json!({})).await,
                _ => r.get(&format!("/api/status/{id}"), &token).await,
            }
        }
    };
    for kind in ["catch", "done", "status"] {
        let theirs: Reply = ask(b.clone(), id.clone(), kind).await;
        let nobodys: Reply = ask(b.clone(), unknown.to_owned(), kind).await;
        theirs.problem(404, "not_found");
        assert_eq!(
            theirs.text.replace(&id, "ID"),
            nobodys.text.replace(unknown, "ID"),
            "{kind}"
        );
        assert_eq!(
            theirs.headers.get("content-type"),
            nobodys.headers.get("content-type")
        );
        assert_eq!(
            theirs.headers.get("content-length"),
            nobodys.headers.get("content-length")
        );
        let malformed: Reply = ask(b.clone(), "not-a-uuid".to_owned(), kind).await;
        malformed.problem(404, "not_found");
    }
    let list = r.get("/api/handoffs?to=x", &b).await.ok(200);
    assert_eq!(list["handoffs"], json!([]));
    // Still there for its owner, untouched.
    assert_eq!(r.status(&a, &id).await["attempts"], 0);
}

#[tokio::test]
async fn every_api_call_needs_a_known_bearer_token() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    let cases: [(Option<&str>, &str); 5] = [
        (None, "/api/status/ID"),
        (Some("Basic dXNlcjpwYXNz"), "/api/status/ID"),
        (Some("Bearer baton_abc123..."), "/api/catch/ID"),
        (
            Some("Bearer baton_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "/api/handoffs",
        ),
        (Some("Bearer"), "/api/openapi.json"),
    ];
    for (auth, path) in cases {
        let path = path.replace("ID", &id);
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        let reply = r.send(Method::GET, &path, None, None, &headers).await;
        reply.problem(401, "unauthorized");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"baton\"")
        );
    }
    // Unknown routes and wrong methods under /api/ say nothing without a token.
    r.send(Method::GET, "/api/nothing", None, None, &[])
        .await
        .problem(401, "unauthorized");
    r.send(Method::DELETE, "/api/pass", None, None, &[])
        .await
        .problem(401, "unauthorized");
    r.send(
        Method::POST,
        "/api/pass",
        None,
        Some("{\"task\":\"t\"}"),
        &[],
    )
    .await
    .problem(401, "unauthorized");
    // The scheme is case-insensitive.
    let lower = r
        .send(
            Method::GET,
            &format!("/api/status/{id}"),
            None,
            None,
            &[("authorization", &format!("bearer {t}"))],
        )
        .await;
    lower.ok(200);
    // Nothing was caught by the refused calls.
    assert_eq!(r.status(&t, &id).await["attempts"], 0);
    let health = r
        .send(Method::GET, "/healthz", None, None, &[])
        .await
        .ok(200);
    assert_eq!(health, json!({"status": "ok"}));
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_pass() {
    let r = start().await;
    let t = r.token().await;
    let key = [("idempotency-key", "order-42")];
    let body = r#"{"task": "t", "output": {"a": 1, "b": 2}}"#;
    let first = r
        .send(Method::POST, "/api/pass", Some(&t), Some(body), &key)
        .await;
    first.ok(201);
    r.advance(3);
    let same = r#"{ "output": {"b": 2, "a": 1.0}, "task": "t" }"#;
    let again = r
        .send(Method::POST, "/api/pass", Some(&t), Some(same), &key)
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    let other = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "u"}"#),
            &key,
        )
        .await;
    other.problem(422, "idempotency_mismatch");
    // The key is per workspace; another key is another handoff.
    let elsewhere = r.token().await;
    let theirs = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&elsewhere),
            Some(body),
            &key,
        )
        .await
        .ok(201);
    assert_ne!(theirs["baton_id"], first.json()["baton_id"]);
    let fresh = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(body),
            &[("idempotency-key", "order-43")],
        )
        .await
        .ok(201);
    assert_ne!(fresh["baton_id"], first.json()["baton_id"]);
    let list = r.get("/api/handoffs", &t).await.ok(200);
    assert_eq!(list["handoffs"].as_array().unwrap().len(), 2);
    for bad in ["", "has space", &"k".repeat(256)] {
        let reply = r
            .send(
                Method::POST,
                "/api/pass",
                Some(&t),
                Some(body),
                &[("idempotency-key", bad)],
            )
            .await;
        reply.problem(422, "invalid_request");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_passes_with_one_key_store_one_handoff() {
    let r = start().await;
    let t = r.token().await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (client, url, t) = (r.client.clone(), format!("{}/api/pass", r.url), t.clone());
        tasks.push(tokio::spawn(async move {
            let reply = client
                .post(url)
                .bearer_auth(t)
                .header("idempotency-key", "same")
                .body(r#"{"task": "once"}"#)
                .send()
                .await
                .expect("send");
            (reply.status().as_u16(), reply.text().await.expect("text"))
        }));
    }
    let mut bodies = BTreeSet::new();
    for task in tasks {
        let (status, text) = task.await.expect("task");
        assert_eq!(status, 201, "{text}");
        bodies.insert(text);
    }
    assert_eq!(bodies.len(), 1);
    let list = r.get("/api/handoffs", &t).await.ok(200);
    assert_eq!(list["handoffs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn status_has_no_side_effects() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(
            &t,
            &json!({"task": "t", "to": "tester", "lease_seconds": 30}),
        )
        .await;
    let before = r.status(&t, &id).await;
    assert_eq!(
        keys(&before),
        set(&[
            "baton_id",
            "status",
            "task",
            "to",
            "created_at",
            "expires_at",
            "caught_at",
            "lease_expires_at",
            "completed_at",
            "attempts",
            "output",
            "baton"
        ])
    );
    assert_eq!(before["status"], "pending");
    assert_eq!(before["created_at"], format_ms(r.now()));
    for _ in 0..5 {
        assert_eq!(r.status(&t, &id).await, before);
    }
    r.catch(&t, &id).await.ok(200);
    let caught = r.status(&t, &id).await;
    assert_eq!(caught["caught_at"], format_ms(r.now()));
    assert_eq!(caught["lease_expires_at"], format_ms(r.now() + 30_000));
    for _ in 0..5 {
        assert_eq!(r.status(&t, &id).await, caught);
    }
    r.advance(31);
    let ended = r.status(&t, &id).await;
    assert_eq!(
        (ended["status"].as_str(), ended["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert_eq!(ended["caught_at"], caught["caught_at"]);
    // Reading did not extend, claim or finish anything.
    assert_eq!(r.catch(&t, &id).await.ok(200)["attempt"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_wakes_when_the_handoff_is_done() {
    // A database poll slower than the wait: only the in-process wake-up can answer in time.
    let r = start_with(|c| c.poll_interval = Duration::from_secs(60)).await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    r.catch(&t, &id).await.ok(200);
    let (client, url, token) = (
        r.client.clone(),
        format!("{}/api/status/{id}?wait=30", r.url),
        t.clone(),
    );
    let waiter = tokio::spawn(async move {
        let reply = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        reply.json::<Value>().await.expect("json")
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.done(&t, &id, &json!({"output": "finished"}))
        .await
        .ok(200);
    // Not a timing assertion: only a guard so that a waiter that never wakes
    // fails here instead of running to its 30 s deadline.
    let status = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the long-poll should answer when the handoff is done")
        .expect("task");
    assert_eq!(status["status"], "done");
    assert_eq!(status["output"], "finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_sees_changes_made_through_another_relay() {
    // Two relays on one database share no memory: the waiter on the first
    // can only learn of the second's catch by polling the database.
    let (database, dir) = common::fresh_database().await;
    let clock = Arc::new(ManualClock::starting_now());
    let one = start_on(database.clone(), dir, clock.clone(), |_| {}).await;
    let two = start_on(database, None, clock, |_| {}).await;
    let t = one.token().await;
    let id = one.pass(&t, &json!({"task": "t"})).await;
    let (client, url, token) = (
        one.client.clone(),
        format!("{}/api/status/{id}?wait=30", one.url),
        t.clone(),
    );
    let waiter = tokio::spawn(async move {
        client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
            .json::<Value>()
            .await
            .expect("json")
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    two.catch(&t, &id).await.ok(200);
    let status = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the long-poll should see the other relay's catch")
        .expect("task");
    assert_eq!(
        (status["status"].as_str(), status["attempts"].as_i64()),
        (Some("caught"), Some(1))
    );
}

#[tokio::test]
async fn a_long_poll_without_change_answers_the_current_state() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    let reply = r.get(&format!("/api/status/{id}?wait=1"), &t).await.ok(200);
    assert_eq!(reply["status"], "pending");
    for bad in ["wait=x", "wait=1.5", "wait=-1", "wait=1&wait=2", "wiat=1"] {
        r.get(&format!("/api/status/{id}?{bad}"), &t)
            .await
            .problem(422, "invalid_request");
    }
}

#[tokio::test]
async fn the_list_filters_by_addressee_and_status_and_pages() {
    let r = start().await;
    let t = r.token().await;
    let mut ids = Vec::new();
    for (i, to) in ["tester", "reviewer", "tester", "tester"]
        .iter()
        .enumerate()
    {
        ids.push(
            r.pass(&t, &json!({"task": format!("task {i}"), "to": to}))
                .await,
        );
        r.advance(1);
    }
    let no_to = r.pass(&t, &json!({"task": "nobody"})).await;
    let all = r.get("/api/handoffs", &t).await.ok(200);
    let listed: Vec<&str> = all["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["baton_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [&ids[0], &ids[1], &ids[2], &ids[3], &no_to]);
    assert_eq!(all["next"], Value::Null);
    let first = &all["handoffs"][0];
    assert_eq!(
        keys(first),
        set(&[
            "baton_id",
            "status",
            "task",
            "to",
            "created_at",
            "expires_at",
            "pickup_url"
        ])
    );
    assert_eq!(
        first["pickup_url"],
        format!("{}/api/catch/{}", r.url, ids[0])
    );
    assert_eq!(all["handoffs"][4]["to"], Value::Null);

    r.catch(&t, &ids[2]).await.ok(200);
    let pending = r
        .get("/api/handoffs?to=tester&status=pending", &t)
        .await
        .ok(200);
    let listed: Vec<&str> = pending["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["baton_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [&ids[0], &ids[3]]);
    let caught = r.get("/api/handoffs?status=caught", &t).await.ok(200);
    assert_eq!(caught["handoffs"].as_array().unwrap().len(), 1);
    assert_eq!(caught["handoffs"][0]["status"], "caught");
    assert_eq!(
        r.get("/api/handoffs?status=done", &t).await.ok(200)["handoffs"],
        json!([])
    );

    let page = r.get("/api/handoffs?limit=2", &t).await.ok(200);
    assert_eq!(page["handoffs"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = page["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["baton_id"].as_str().unwrap().to_owned())
        .collect();
    let mut next = page["next"].as_str().unwrap().to_owned();
    loop {
        let page = r
            .get(&format!("/api/handoffs?limit=2&after={next}"), &t)
            .await
            .ok(200);
        seen.extend(
            page["handoffs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["baton_id"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(n) => next = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[4], no_to);

    for bad in [
        "limit=0",
        "limit=201",
        "limit=x",
        "status=waiting",
        "after=nonsense",
        "to=",
        "colour=red",
    ] {
        r.get(&format!("/api/handoffs?{bad}"), &t)
            .await
            .problem(422, "invalid_request");
    }
}

#[tokio::test]
async fn every_problem_code_comes_as_problem_json() {
    let r = start_with(|c| c.max_body = 1024).await;
    let t = r.token().await;
    let mut seen = BTreeSet::new();
    let mut check = |reply: Reply, status: u16, code: &str| {
        reply.problem(status, code);
        seen.insert(code.to_owned());
    };
    macro_rules! post {
        ($path:expr, $body:expr) => {
            r.send(Method::POST, $path, Some(&t), Some($body), &[])
        };
    }
    check(post!("/api/pass", "{not json").await, 400, "malformed_body");
    check(post!("/api/pass", "[1]").await, 400, "malformed_body");
    check(post!("/api/pass", "").await, 400, "malformed_body");
    check(
        post!("/api/pass", r#"{"task":"a","task":"b"}"#).await,
        400,
        "malformed_body",
    );
    check(
        r.send(Method::GET, "/api/pass", None, None, &[]).await,
        401,
        "unauthorized",
    );
    check(r.get("/api/nothing/here", &t).await, 404, "not_found");
    check(
        r.send(Method::GET, "/nothing", None, None, &[]).await,
        404,
        "not_found",
    );
    let wrong = r.get("/api/pass", &t).await;
    assert_eq!(wrong.header("allow"), Some("POST"));
    check(wrong, 405, "method_not_allowed");
    check(
        r.send(Method::DELETE, "/api/status/x", Some(&t), None, &[])
            .await,
        405,
        "method_not_allowed",
    );
    let id = r
        .pass(
            &t,
            &json!({"task": "t", "ttl_seconds": 100, "lease_seconds": 10}),
        )
        .await;
    check(r.done(&t, &id, &json!({})).await, 409, "not_caught");
    let lease = r.catch(&t, &id).await.ok(200)["lease_token"].clone();
    check(r.catch(&t, &id).await, 409, "already_caught");
    check(
        r.done(&t, &id, &json!({"lease_token": "lease_stale"}))
            .await,
        409,
        "stale_lease",
    );
    check(
        r.done(&t, &id, &json!({"baton_patch": {}})).await,
        422,
        "no_baton",
    );
    r.done(&t, &id, &json!({"lease_token": lease}))
        .await
        .ok(200);
    check(r.catch(&t, &id).await, 409, "already_done");
    check(
        r.done(&t, &id, &json!({"output": 2})).await,
        409,
        "already_done",
    );
    let id = r.pass(&t, &json!({"task": "t", "ttl_seconds": 1})).await;
    r.advance(1);
    check(r.catch(&t, &id).await, 410, "expired");
    check(
        post!(
            "/api/pass",
            &format!("{{\"task\": \"{}\"}}", "x".repeat(2000))
        )
        .await,
        413,
        "payload_too_large",
    );
    check(post!("/api/pass", "{}").await, 422, "invalid_request");
    check(
        post!("/api/pass", r#"{"task": "t", "baton": {"goal": ""}}"#).await,
        422,
        "invalid_baton",
    );
    let id = r
        .pass(&t, &json!({"task": "t", "baton": {"goal": "g"}}))
        .await;
    r.catch(&t, &id).await.ok(200);
    check(
        r.done(&t, &id, &json!({"baton_patch": {"version": 2}}))
            .await,
        422,
        "invalid_patch",
    );
    let key = [("idempotency-key", "k")];
    r.send(
        Method::POST,
        "/api/pass",
        Some(&t),
        Some(r#"{"task": "a"}"#),
        &key,
    )
    .await
    .ok(201);
    check(
        r.send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "b"}"#),
            &key,
        )
        .await,
        422,
        "idempotency_mismatch",
    );
    r.store.close().await;
    check(
        r.send(Method::GET, "/healthz", None, None, &[]).await,
        503,
        "storage_unavailable",
    );
    check(r.get("/api/handoffs", &t).await, 503, "storage_unavailable");
    let expected: BTreeSet<String> = baton_relay::ProblemCode::ALL
        .iter()
        .filter(|c| **c != baton_relay::ProblemCode::InternalError)
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_large_chunked_body_is_413_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let r = start_with(|c| c.max_body = 1024).await;
    let t = r.token().await;
    let address = r.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let mut request = format!(
        "POST /api/pass HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {t}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    for _ in 0..20 {
        request.push_str(&format!("64\r\n{}\r\n", "x".repeat(100)));
    }
    request.push_str("0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains("\"code\":\"payload_too_large\""),
        "{answer}"
    );
}

#[tokio::test]
async fn the_sweeper_deletes_a_week_after_the_end() {
    let r = start_with(|c| c.sweep_interval = Duration::from_millis(50)).await;
    let t = r.token().await;
    let done = r.pass(&t, &json!({"task": "done"})).await;
    r.catch(&t, &done).await.ok(200);
    r.done(&t, &done, &json!({})).await.ok(200);
    let expired = r
        .pass(&t, &json!({"task": "expires", "ttl_seconds": 60}))
        .await;
    let waiting = r
        .pass(&t, &json!({"task": "waits", "ttl_seconds": 2_592_000}))
        .await;
    let key = [("idempotency-key", "swept")];
    let keyed = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "k", "ttl_seconds": 60}"#),
            &key,
        )
        .await
        .ok(201);
    r.advance(7 * 86_400 - 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(r.status(&t, &done).await["status"], "done");
    assert_eq!(r.status(&t, &expired).await["status"], "expired");
    r.advance(61);
    let mut gone = false;
    for _ in 0..100 {
        if r.get(&format!("/api/status/{expired}"), &t).await.status == 404 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        gone,
        "the sweeper should delete an expired handoff a week after expiry"
    );
    r.get(&format!("/api/status/{done}"), &t)
        .await
        .problem(404, "not_found");
    r.catch(&t, &done).await.problem(404, "not_found");
    assert_eq!(r.status(&t, &waiting).await["status"], "pending");
    // The swept handoff's idempotency key is free again.
    let again = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "k2"}"#),
            &key,
        )
        .await
        .ok(201);
    assert_ne!(again["baton_id"], keyed["baton_id"]);
}

#[tokio::test]
async fn the_openapi_document_is_served_as_committed() {
    let r = start().await;
    let t = r.token().await;
    let reply = r.get("/api/openapi.json", &t).await;
    assert_eq!(reply.status, 200);
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/openapi.json"
    ))
    .unwrap();
    assert_eq!(reply.text, committed);
    assert_eq!(reply.json()["openapi"], "3.1.0");
}

/// The seed's four curl examples, verbatim except the host (and the
/// placeholders `baton_abc123...` and `<baton_id>`, which stand for real values).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_curl_examples_work_verbatim() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: curl is not installed");
        return;
    }
    let r = start().await;
    let t = r.token().await;
    let pass = r#"curl -X POST https://b4ton.sh/api/pass \
-H "Authorization: Bearer baton_abc123..." \
-H "Content-Type: application/json" \
-d '{
"task": "Review this draft email",
"output": { "draft": "Hello..." },
"context": { "tone": "professional" }
}'"#;
    let catch = r#"curl https://b4ton.sh/api/catch/<baton_id> \
-H "Authorization: Bearer baton_abc123...""#;
    let done = r#"curl -X POST https://b4ton.sh/api/done/<baton_id> \
-H "Authorization: Bearer baton_abc123..." \
-H "Content-Type: application/json" \
-d '{ "output": { "result": "Done!" } }'"#;
    let status = r#"curl https://b4ton.sh/api/status/<baton_id> \
-H "Authorization: Bearer baton_abc123...""#;
    let run = |command: &str, id: &str| {
        let command = command
            .replace("https://b4ton.sh", &r.url)
            .replace("baton_abc123...", &t)
            .replace("<baton_id>", id);
        async move {
            let out = tokio::task::spawn_blocking(move || {
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(format!("{command} --silent --show-error"))
                    .output()
            })
            .await
            .expect("join")
            .expect("run curl");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<Value>(&out.stdout).expect("curl printed JSON")
        }
    };
    let passed = run(pass, "").await;
    assert_eq!(passed["status"], "pending");
    let id = passed["baton_id"].as_str().unwrap().to_owned();
    assert_eq!(passed["pickup_url"], format!("{}/api/catch/{id}", r.url));
    let caught = run(catch, &id).await;
    assert_eq!(caught["task"], "Review this draft email");
    assert_eq!(caught["output"], json!({"draft": "Hello..."}));
    assert_eq!(caught["context"], json!({"tone": "professional"}));
    assert_eq!(caught["status"], "caught");
    let finished = run(done, &id).await;
    assert_eq!(finished["status"], "done");
    let read = run(status, &id).await;
    assert_eq!(read["status"], "done");
    assert_eq!(read["output"], json!({"result": "Done!"}));
    assert_eq!(run(status, &id).await, read, "status has no side effects");
}

#[tokio::test]
async fn healthz_needs_no_token() {
    eprintln!("relay API tests run on {}", common::backend());
    let r = start().await;
    let health = r.send(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(health.ok(200), json!({"status": "ok"}));
    r.send(Method::POST, "/healthz", None, None, &[])
        .await
        .problem(405, "method_not_allowed");
}

#[tokio::test]
async fn head_never_claims() {
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    let head = r
        .send(
            Method::HEAD,
            &format!("/api/catch/{id}"),
            Some(&t),
            None,
            &[],
        )
        .await;
    assert_eq!(head.status, 405);
    assert_eq!(head.header("allow"), Some("GET,POST"));
    assert_eq!(r.status(&t, &id).await["attempts"], 0);
    // HEAD of a read is harmless and allowed.
    let read = r
        .send(
            Method::HEAD,
            &format!("/api/status/{id}"),
            Some(&t),
            None,
            &[],
        )
        .await;
    assert_eq!(read.status, 200);
    r.catch(&t, &id).await.ok(200);
}

#[tokio::test]
async fn the_token_is_checked_before_the_body_size() {
    let r = start_with(|c| c.max_body = 16).await;
    let big = format!("{{\"task\": \"{}\"}}", "x".repeat(100));
    let anonymous = r
        .send(Method::POST, "/api/pass", None, Some(&big), &[])
        .await;
    anonymous.problem(401, "unauthorized");
    let t = r.token().await;
    let known = r
        .send(Method::POST, "/api/pass", Some(&t), Some(&big), &[])
        .await;
    known.problem(413, "payload_too_large");
}

/// A body of exactly `len` bytes: `{"<member>":"xxx…"}`.
fn body_of(member: &str, len: usize) -> String {
    let pad = len - format!(r#"{{"{member}":""}}"#).len();
    format!(r#"{{"{member}":"{}"}}"#, "x".repeat(pad))
}

#[tokio::test]
async fn the_default_body_limit_is_one_mebibyte_and_a_413_changes_nothing() {
    const MIB: usize = 1024 * 1024;
    assert_eq!(baton_relay::DEFAULT_MAX_BODY, MIB);
    let r = start().await;
    let t = r.token().await;
    let id = r.pass(&t, &json!({"task": "t"})).await;
    r.catch(&t, &id).await.ok(200);
    let before = r.snapshot(&[&t]).await;
    let post = |path: String, body: String| {
        let (r, t) = (&r, &t);
        async move {
            r.send_bytes(Method::POST, &path, Some(t), Some(body.into_bytes()), &[])
                .await
        }
    };
    let done_path = format!("/api/done/{id}");
    post("/api/pass".into(), body_of("task", MIB + 1))
        .await
        .problem(413, "payload_too_large");
    post(done_path.clone(), body_of("output", MIB + 1))
        .await
        .problem(413, "payload_too_large");
    assert_eq!(r.snapshot(&[&t]).await, before, "a 413 writes nothing");
    // Exactly the limit is accepted, on both.
    post("/api/pass".into(), body_of("task", MIB)).await.ok(201);
    let done = post(done_path, body_of("output", MIB)).await;
    let output = done.ok(200)["output"].as_str().map(str::len);
    assert_eq!(output, Some(MIB - r#"{"output":""}"#.len()));
}

#[tokio::test]
async fn json_nested_100000_deep_is_a_400_on_pass_and_done() {
    let r = start().await;
    let t = r.token().await;
    let id = r
        .pass(&t, &json!({"task": "t", "baton": {"goal": "g"}}))
        .await;
    r.catch(&t, &id).await.ok(200);
    let before = r.snapshot(&[&t]).await;
    let n = 100_000;
    let arrays = "[".repeat(n) + &"]".repeat(n);
    let objects = "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
    let unclosed = "[".repeat(n);
    let pass_bodies = [
        arrays.clone(),
        objects.clone(),
        unclosed.clone(),
        format!(r#"{{"task":"t","output":{arrays}}}"#),
        format!(r#"{{"task":"t","context":{objects}}}"#),
        format!(r#"{{"task":"t","baton":{{"goal":"g","x-deep":{arrays}}}}}"#),
        format!(r#"{{"task":"t","constraints":{unclosed}"#),
    ];
    let done_bodies = [
        arrays.clone(),
        objects.clone(),
        format!(r#"{{"output":{objects}}}"#),
        format!(r#"{{"baton_patch":{{"x-deep":{arrays}}}}}"#),
        format!(r#"{{"baton_patch":{unclosed}"#),
    ];
    let paths = std::iter::repeat_n("/api/pass".to_owned(), pass_bodies.len()).chain(
        std::iter::repeat_n(format!("/api/done/{id}"), done_bodies.len()),
    );
    for (path, body) in paths.zip(pass_bodies.iter().chain(&done_bodies)) {
        assert!(body.len() < baton_relay::DEFAULT_MAX_BODY);
        let reply = r
            .send_bytes(
                Method::POST,
                &path,
                Some(&t),
                Some(body.clone().into_bytes()),
                &[],
            )
            .await;
        let p = reply.problem(400, "malformed_body");
        assert!(
            p["detail"].as_str().unwrap().contains("too_deep"),
            "{path}: {p}"
        );
    }
    assert_eq!(r.snapshot(&[&t]).await, before, "nothing was written");
    let healthz = r.send(Method::GET, "/healthz", None, None, &[]).await;
    healthz.ok(200);
    // The handoff is intact and can still be finished.
    let done = r
        .done(
            &t,
            &id,
            &json!({"baton_patch": {"current_state": ["after the deep ones"]}}),
        )
        .await;
    assert_eq!(
        done.ok(200)["baton"]["current_state"],
        json!(["after the deep ones"])
    );
}

/// Strings that break careless SQL, escaping or Unicode handling.
const NASTY: [&str; 10] = [
    "'; DROP TABLE handoffs; --",
    "Robert'); DELETE FROM tokens WHERE ('1'='1",
    "100% _done_ \\ back\\slash \\\\ \"quoted\" `tick` $1 ? :name /* c */ -- x",
    "NUL here: \u{0}, and at the end\u{0}",
    "\u{1F600} \u{1F389} \u{1D11E} \u{10348} (non-BMP)",
    "e\u{301} a\u{308}\u{332} \u{1100}\u{1161}\u{11A8} (combining)",
    "\u{202E}RTL override\u{202C} \u{5E2}\u{5D1}\u{5E8}\u{5D9}\u{5EA} \u{627}\u{644}\u{639}\u{631}\u{628}\u{64A}\u{629}",
    "zero\u{200B}width\u{200C}non\u{200D}joiner\u{2060}word\u{FEFF}joiner",
    "tab\tnew\nline\r\u{1}\u{1F}\u{7F}\u{2028}\u{2029}",
    "\u{FFFD}\u{FFFF}\u{10FFFF} and a very long tail: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
];

#[tokio::test]
async fn sql_metacharacters_and_unicode_are_stored_and_returned_verbatim() {
    let r = start().await;
    let t = r.token().await;
    let mut ids = Vec::new();
    for (i, s) in NASTY.iter().enumerate() {
        let baton = json!({
            "goal": s, "current_state": [s], "decision_log": [format!("{s} #{i}")],
            "constraints": [s], "work_scope": [s], "artifacts": [s], "open_questions": [s],
            "acceptance": [s], "x-note": {*s: [s, {"k": s}]}
        });
        let body = json!({
            "task": s, "to": s, "output": {*s: s, "list": [s, 1, null]}, "context": s,
            "constraints": [s, {*s: [s]}], "baton": baton, "ttl_seconds": 3600 + i
        });
        // An idempotency key holds visible ASCII only, SQL metacharacters included.
        let key = format!("';DROP-TABLE-handoffs;--%_\\{i}");
        let headers: [(&str, &[u8]); 1] = [("idempotency-key", key.as_bytes())];
        let text = body.to_string().into_bytes();
        let first = r
            .send_bytes(
                Method::POST,
                "/api/pass",
                Some(&t),
                Some(text.clone()),
                &headers,
            )
            .await;
        let passed = first.ok(201);
        let replay = r
            .send_bytes(Method::POST, "/api/pass", Some(&t), Some(text), &headers)
            .await;
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(replay.text, first.text);
        let id = passed["baton_id"].as_str().unwrap().to_owned();

        let status = r.status(&t, &id).await;
        assert_eq!((&status["task"], &status["to"]), (&json!(s), &json!(s)));
        let listed = r
            .client
            .get(format!("{}/api/handoffs", r.url))
            .query(&[("to", *s)])
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(
            listed["handoffs"].as_array().map(Vec::len),
            Some(1),
            "to={s:?}: {listed}"
        );
        assert_eq!(listed["handoffs"][0]["baton_id"], json!(id));
        assert_eq!(listed["handoffs"][0]["task"], json!(s));

        let caught = r.catch(&t, &id).await.ok(200);
        for member in ["task", "to", "output", "context", "constraints"] {
            assert_eq!(caught[member], body[member], "{member} of {s:?}");
        }
        assert_eq!(
            caught["baton"],
            Baton::from_value(&baton).unwrap().to_value()
        );

        let done = r
            .done(
                &t,
                &id,
                &json!({"output": {*s: s}, "stage": s, "lease_token": caught["lease_token"],
                        "baton_patch": {"decision_log": [format!("{s} (done)")]}}),
            )
            .await
            .ok(200);
        assert_eq!(done["output"], json!({*s: s}));
        let history = done["baton"]["history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["stage"], json!(s));
        assert_eq!(
            done["baton"]["decision_log"],
            json!([format!("{s} #{i}"), format!("{s} (done)")])
        );
        let read = r.status(&t, &id).await;
        assert_eq!(
            (&read["output"], &read["baton"]),
            (&done["output"], &done["baton"])
        );
        ids.push(id);
    }
    // Nothing was dropped or deleted along the way.
    let rows = common::dump(&r.database).await;
    assert_eq!(rows["handoffs"].as_array().map(Vec::len), Some(NASTY.len()));
    assert_eq!(
        rows["idempotency_keys"].as_array().map(Vec::len),
        Some(NASTY.len())
    );
    assert_eq!(rows["tokens"].as_array().map(Vec::len), Some(1));
    let list = r.get("/api/handoffs", &t).await.ok(200);
    let listed: Vec<&str> = list["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["baton_id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, sorted);
}

#[tokio::test]
async fn no_bad_request_changes_anything() {
    let r = start().await;
    let t = r.token().await;
    let other = r.token().await;
    // One handoff in each state, and one in another workspace.
    let expired = r
        .pass(&t, &json!({"task": "expired", "ttl_seconds": 1}))
        .await;
    r.advance(2);
    let pending = r
        .pass(&t, &json!({"task": "pending", "to": "tester"}))
        .await;
    let keyed = r
        .send(
            Method::POST,
            "/api/pass",
            Some(&t),
            Some(r#"{"task": "keyed"}"#),
            &[("idempotency-key", "k1")],
        )
        .await;
    keyed.ok(201);
    let caught = r
        .pass(&t, &json!({"task": "caught", "baton": seed_baton()}))
        .await;
    r.catch(&t, &caught).await.ok(200);
    let plain = r.pass(&t, &json!({"task": "caught without baton"})).await;
    r.catch(&t, &plain).await.ok(200);
    let done = r.pass(&t, &json!({"task": "done"})).await;
    r.catch(&t, &done).await.ok(200);
    r.done(&t, &done, &json!({"output": 1})).await.ok(200);
    let theirs = r
        .pass(&other, &json!({"task": "another workspace's"}))
        .await;
    let before = r.snapshot(&[&t, &other]).await;

    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let big = body_of("task", baton_relay::DEFAULT_MAX_BODY + 1);
    let unknown_token = format!("baton_{}", "A".repeat(43));
    let pass = "/api/pass".to_owned();
    let (p, c, d) = (
        |id: &str| format!("/api/status/{id}"),
        |id: &str| format!("/api/catch/{id}"),
        |id: &str| format!("/api/done/{id}"),
    );
    type Case<'a> = (
        Method,
        String,
        Option<&'a str>,
        Option<Vec<u8>>,
        Vec<(&'a str, Vec<u8>)>,
        u16,
        &'a str,
    );
    let b = |s: &str| Some(s.as_bytes().to_vec());
    let cases: Vec<Case> = vec![
        // Access.
        (
            Method::POST,
            pass.clone(),
            None,
            b(r#"{"task":"x"}"#),
            vec![],
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&unknown_token),
            b(r#"{"task":"x"}"#),
            vec![],
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            pass.clone(),
            Some("baton_short"),
            b(r#"{"task":"x"}"#),
            vec![],
            401,
            "unauthorized",
        ),
        (
            Method::GET,
            c(&pending),
            None,
            None,
            vec![],
            401,
            "unauthorized",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&unknown_token),
            b("{}"),
            vec![],
            401,
            "unauthorized",
        ),
        (
            Method::GET,
            c(&pending),
            Some(&other),
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            Method::POST,
            c(&pending),
            Some(&other),
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&other),
            b(r#"{"output":"x"}"#),
            vec![],
            404,
            "not_found",
        ),
        (
            Method::GET,
            p(&pending),
            Some(&other),
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            Method::GET,
            c(&theirs),
            Some(&t),
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            Method::GET,
            c(&pending.to_uppercase()),
            Some(&t),
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            Method::DELETE,
            p(&pending),
            Some(&t),
            None,
            vec![],
            405,
            "method_not_allowed",
        ),
        (
            Method::HEAD,
            c(&pending),
            Some(&t),
            None,
            vec![],
            405,
            "method_not_allowed",
        ),
        // Size.
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            Some(big.clone().into_bytes()),
            vec![],
            413,
            "payload_too_large",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            Some(big.into_bytes()),
            vec![],
            413,
            "payload_too_large",
        ),
        // Syntax.
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x",}"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"["task"]"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(""),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b("{\"task\":\"a\u{0}b\"}"),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            Some(b"{\"task\":\"\xff\xfe\"}".to_vec()),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"\ud800"}"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"a","task":"b"}"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            Some(deep.clone().into_bytes()),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            Some(deep.into_bytes()),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            b(r#"{"output":"#),
            vec![],
            400,
            "malformed_body",
        ),
        (
            Method::POST,
            c(&pending),
            Some(&t),
            b("[]"),
            vec![],
            400,
            "malformed_body",
        ),
        // Members, headers, queries.
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"taks":"x"}"#),
            vec![],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x","ttl_seconds":0}"#),
            vec![],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"\u200b"}"#),
            vec![],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x"}"#),
            vec![("idempotency-key", "ключ".as_bytes().to_vec())],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x"}"#),
            vec![("idempotency-key", b"'; DROP TABLE handoffs; --".to_vec())],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"another body"}"#),
            vec![("idempotency-key", b"k1".to_vec())],
            422,
            "idempotency_mismatch",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            b(r#"{"stage":" "}"#),
            vec![],
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            c(&pending),
            Some(&t),
            b(r#"{"x":1}"#),
            vec![],
            422,
            "invalid_request",
        ),
        (
            Method::GET,
            "/api/handoffs?stauts=pending".to_owned(),
            Some(&t),
            None,
            vec![],
            422,
            "invalid_request",
        ),
        // Batons and patches.
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x","baton":{"goal":""}}"#),
            vec![],
            422,
            "invalid_baton",
        ),
        (
            Method::POST,
            pass.clone(),
            Some(&t),
            b(r#"{"task":"x","baton":{"goal":"g","history":[{"stage":"s"}]}}"#),
            vec![],
            422,
            "invalid_baton",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            b(r#"{"baton_patch":{"version":2}}"#),
            vec![],
            422,
            "invalid_patch",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            b(r#"{"baton_patch":{"goal":""}}"#),
            vec![],
            422,
            "invalid_patch",
        ),
        (
            Method::POST,
            d(&plain),
            Some(&t),
            b(r#"{"baton_patch":{}}"#),
            vec![],
            422,
            "no_baton",
        ),
        // State.
        (
            Method::GET,
            c(&caught),
            Some(&t),
            None,
            vec![],
            409,
            "already_caught",
        ),
        (
            Method::POST,
            d(&caught),
            Some(&t),
            b(r#"{"lease_token":"lease_not_the_current_one"}"#),
            vec![],
            409,
            "stale_lease",
        ),
        (
            Method::POST,
            d(&pending),
            Some(&t),
            b("{}"),
            vec![],
            409,
            "not_caught",
        ),
        (
            Method::GET,
            c(&done),
            Some(&t),
            None,
            vec![],
            409,
            "already_done",
        ),
        (
            Method::POST,
            d(&done),
            Some(&t),
            b(r#"{"output":2}"#),
            vec![],
            409,
            "already_done",
        ),
        (
            Method::GET,
            c(&expired),
            Some(&t),
            None,
            vec![],
            410,
            "expired",
        ),
        (
            Method::POST,
            d(&expired),
            Some(&t),
            b("{}"),
            vec![],
            410,
            "expired",
        ),
    ];
    for (method, path, token, body, headers, status, code) in cases {
        let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        let what = format!("{method} {path} {code}");
        let reply = r
            .send_bytes(method.clone(), &path, token, body, &headers)
            .await;
        if method == Method::HEAD {
            assert_eq!(reply.status, status, "{what}");
        } else {
            reply.problem(status, code);
        }
        assert_eq!(
            r.snapshot(&[&t, &other]).await,
            before,
            "{what} changed something"
        );
    }
}

/// PostgreSQL only: connections cut while the relay is quiet (a database
/// restart, a proxy's idle timeout) are replaced before a request uses them,
/// the writers' and the readers' alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_while_quiet_are_replaced() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let (database, dir) = common::fresh_database().await;
    let name = common::unique("cut_");
    let baton_relay::Database::Postgres(relay_url) = database else {
        unreachable!("a PostgreSQL URL makes a PostgreSQL database");
    };
    let database = baton_relay::Database::Postgres(format!("{relay_url}&application_name={name}"));
    let r = start_on(database, dir, Arc::new(ManualClock::starting_now()), |_| {}).await;
    let t = r.token().await;
    let before = r.pass(&t, &json!({"task": "before the cut"})).await;
    assert_eq!(r.status(&t, &before).await["status"], "pending");

    let admin = sqlx::PgPool::connect(&url).await.expect("connect");
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1) AS t",
    )
    .bind(&name)
    .fetch_one(&admin)
    .await
    .expect("terminate the relay's connections");
    admin.close().await;
    assert!(cut >= 2, "the relay's connections were found ({cut})");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // More writes at once than the relay has writers, so every one is used.
    let mut passes = tokio::task::JoinSet::new();
    for n in 0..40 {
        let (client, url, t) = (r.client.clone(), r.url.clone(), t.clone());
        passes.spawn(async move {
            let reply = client
                .post(format!("{url}/api/pass"))
                .bearer_auth(t)
                .body(json!({"task": format!("after the cut {n}")}).to_string())
                .send()
                .await
                .expect("pass");
            (
                reply.status().as_u16(),
                reply.text().await.unwrap_or_default(),
            )
        });
    }
    while let Some(reply) = passes.join_next().await {
        let (status, text) = reply.expect("the pass task");
        assert_eq!(status, 201, "{text}");
    }
    assert_eq!(r.status(&t, &before).await["status"], "pending");
    r.catch(&t, &before).await.ok(200);
}
