//! Cross-origin access (`--cors-origin`): what a browser needs to let a page
//! on another origin call the relay, and nothing of it when it is off.
//! Runs on SQLite, or on PostgreSQL when `BATON_TEST_DATABASE_URL` is set.

mod common;

use baton_relay::AllowedOrigins;
use common::{start, start_with, Reply, TestRelay};
use reqwest::Method;
use serde_json::json;

const APP: &str = "http://app.example:5173";

/// What a browser sends before a `POST /api/pass` with a token from `origin`.
async fn preflight(relay: &TestRelay, origin: &str) -> Reply {
    relay
        .send(
            Method::OPTIONS,
            "/api/pass",
            None,
            None,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization,content-type,idempotency-key",
                ),
            ],
        )
        .await
}

/// A `POST /api/pass` from a page on `origin`.
async fn pass_from(relay: &TestRelay, origin: &str, token: Option<&str>) -> Reply {
    relay
        .send(
            Method::POST,
            "/api/pass",
            token,
            Some(r#"{"task": "from a page"}"#),
            &[("origin", origin), ("content-type", "application/json")],
        )
        .await
}

fn names(reply: &Reply, header: &str) -> Vec<String> {
    reply
        .header(header)
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn no_cors_headers_unless_configured() {
    let relay = start().await;
    let token = relay.token().await;
    let reply = pass_from(&relay, APP, Some(&token)).await;
    reply.ok(201);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    // A preflight is an unauthenticated request like any other here.
    let reply = preflight(&relay, APP).await;
    reply.problem(401, "unauthorized");
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_listed_origin_may_call_the_api_from_a_browser() {
    let relay = start_with(|c| {
        c.cors = AllowedOrigins::parse(&["http://App.Example:5173"]).expect("origin");
    })
    .await;
    let token = relay.token().await;

    // The preflight carries no token and is answered before auth.
    let reply = preflight(&relay, APP).await;
    assert!(
        (200..300).contains(&reply.status),
        "{} {}",
        reply.status,
        reply.text
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    let methods = names(&reply, "access-control-allow-methods");
    assert!(methods.contains(&"post".to_owned()), "{methods:?}");
    assert!(methods.contains(&"get".to_owned()), "{methods:?}");
    let allowed = names(&reply, "access-control-allow-headers");
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(&header.to_owned()), "{allowed:?}");
    }
    assert_eq!(reply.header("access-control-max-age"), Some("600"));

    // The call itself: the page may read the answer and its Location.
    let reply = pass_from(&relay, APP, Some(&token)).await;
    let id = reply.ok(201)["baton_id"].as_str().expect("id").to_owned();
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    let exposed = names(&reply, "access-control-expose-headers");
    assert!(exposed.contains(&"location".to_owned()), "{exposed:?}");
    assert!(
        exposed.contains(&"idempotent-replayed".to_owned()),
        "{exposed:?}"
    );
    assert!(names(&reply, "vary").contains(&"origin".to_owned()));

    // Failures too, so a page can show why a call failed.
    let reply = pass_from(&relay, APP, None).await;
    reply.problem(401, "unauthorized");
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    let reply = relay
        .send(
            Method::GET,
            &format!("/api/status/{id}"),
            Some(&relay.token().await),
            None,
            &[("origin", APP)],
        )
        .await;
    reply.problem(404, "not_found");
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let relay = start_with(|c| {
        c.cors = AllowedOrigins::parse(&[APP]).expect("origin");
    })
    .await;
    let token = relay.token().await;
    for origin in [
        "http://evil.example",
        "http://app.example:5174",
        "https://app.example:5173",
    ] {
        let reply = preflight(&relay, origin).await;
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
        // CORS only tells browsers what a page may read; the token is what
        // admits a request, from anywhere.
        let reply = pass_from(&relay, origin, Some(&token)).await;
        reply.ok(201);
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn any_origin() {
    let relay = start_with(|c| c.cors = AllowedOrigins::Any).await;
    let token = relay.token().await;
    let reply = preflight(&relay, "http://anywhere.example").await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let reply = pass_from(&relay, "http://anywhere.example", Some(&token)).await;
    reply.ok(201);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let id = reply.json()["baton_id"].as_str().expect("id").to_owned();
    let caught = relay
        .send(
            Method::POST,
            &format!("/api/catch/{id}"),
            Some(&token),
            Some(&json!({}).to_string()),
            &[("origin", "http://elsewhere.example")],
        )
        .await;
    caught.ok(200);
    assert_eq!(caught.header("access-control-allow-origin"), Some("*"));
}
