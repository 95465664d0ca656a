//! The HTTP handlers. Each reads its request, makes at most a few storage calls
//! and answers; every baton rule is a baton-core call (`validate`,
//! `Baton::from_value`, `apply_patch`, `to_json`).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_core::{apply_patch, to_json, validate, Baton, Value};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::app::AppState;
use crate::auth::Workspace;
use crate::clock::format_ms;
use crate::ids::{self, sha256_hex};
use crate::model::{
    CatchResponse, DoneResponse, HandoffList, HandoffStatus, HandoffSummary, Health, Json,
    PassResponse, StatusResponse,
};
use crate::problem::{FieldIssue, Problem, ProblemCode};
use crate::request::{self, body_object};
use crate::store::{
    Completion, Finished, HandoffRow, IdempotencyRecord, Inserted, ListQuery, NewHandoff,
    StoreError,
};

type ApiResult = Result<Response, Problem>;

/// How often a done re-reads a handoff that changed under it before giving up.
const MAX_RETRIES: usize = 5;

fn storage(e: StoreError) -> Problem {
    Problem::storage(&e)
}

fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_bytes(status, bytes),
        Err(e) => Problem::new(
            ProblemCode::InternalError,
            format!("cannot write the response: {e}"),
        )
        .into_response(),
    }
}

fn json_bytes(status: StatusCode, bytes: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, bytes.into()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Stored canonical JSON, sent as-is.
fn raw(text: &str) -> Result<Json, Problem> {
    RawValue::from_string(text.to_owned())
        .map_err(|e| Problem::storage(&format!("stored JSON is unreadable: {e}")))
}

fn raw_opt(text: Option<&str>) -> Result<Option<Json>, Problem> {
    text.map(raw).transpose()
}

/// A string as stored: canonical JSON text, so that every string (U+0000
/// included) is kept verbatim by both databases.
fn json_string(s: &str) -> String {
    to_json(&Value::String(s.to_owned()), false)
}

/// The handoff id of the path, or the 404 every unusable id gets.
fn handoff_id(path: Result<Path<String>, PathRejection>) -> Result<String, Problem> {
    match path {
        Ok(Path(id)) if ids::is_handoff_id(&id) => Ok(id),
        Ok(Path(id)) => Err(Problem::no_handoff(&id)),
        Err(_) => Err(Problem::new(ProblemCode::NotFound, "no such route")),
    }
}

fn query_pairs(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, Problem> {
    query.map(|Query(pairs)| pairs).map_err(|e| {
        Problem::with_errors(
            ProblemCode::InvalidRequest,
            "the query string could not be read",
            vec![FieldIssue::new("type", "", e.body_text())],
        )
    })
}

fn issues(list: &[baton_core::Issue]) -> Vec<FieldIssue> {
    list.iter().map(FieldIssue::from).collect()
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("the {what} has 1 error")
    } else {
        format!("the {what} has {n} errors")
    }
}

fn expired(row: &HandoffRow) -> Problem {
    Problem::new(
        ProblemCode::Expired,
        format!("the handoff expired at {}", format_ms(row.expires_at)),
    )
}

/// Hand off a task: stores it and answers with where to catch it.
#[utoipa::path(
    post,
    path = "/api/pass",
    tag = "handoffs",
    request_body(content = crate::model::PassRequest, description = "The handoff. Parsed as JSON whatever the Content-Type."),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body returns the first response.")),
    responses(
        (status = 201, description = "Stored (or replayed for a repeated Idempotency-Key, with `Idempotent-Replayed: true`).", body = PassResponse,
            headers(("Location" = String, description = "`/api/status/<id>`"), ("Idempotent-Replayed" = Option<String>, description = "`true` on a replay"))),
        (status = 400, description = "`malformed_body`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_request`, `invalid_baton` or `idempotency_mismatch`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn pass(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let map = body_object(body, false)?;
    let input = request::pass_input(&map)?;
    let key = request::idempotency_key(&headers)?;
    let (baton, warnings) = match &input.baton {
        None => (None, Vec::new()),
        Some(document) => {
            let report = validate(document);
            if !report.is_valid() {
                return Err(Problem::with_errors(
                    ProblemCode::InvalidBaton,
                    count(report.errors.len(), "baton"),
                    issues(&report.errors),
                ));
            }
            let baton = Baton::from_value(document).map_err(|e| {
                Problem::with_errors(
                    ProblemCode::InvalidBaton,
                    count(e.issues().len(), "baton"),
                    issues(e.issues()),
                )
            })?;
            (Some(baton.to_json()), issues(&report.warnings))
        }
    };
    let now = app.clock.now_ms();
    let id = ids::handoff_id(now)?;
    let expires_at = now.saturating_add(input.ttl_seconds * 1000);
    let response = PassResponse {
        baton_id: id.clone(),
        pickup_url: app.pickup_url(&id),
        status: HandoffStatus::Pending,
        expires_at: format_ms(expires_at),
        warnings,
    };
    let response = serde_json::to_string(&response).map_err(|e| {
        Problem::new(
            ProblemCode::InternalError,
            format!("cannot write the response: {e}"),
        )
    })?;
    let request_hash = key
        .as_ref()
        .map(|_| sha256_hex(&to_json(&Value::Object(map), false)));
    let record = key
        .zip(request_hash.clone())
        .map(|(key, request_hash)| IdempotencyRecord {
            key,
            request_hash,
            response: response.clone(),
        });
    let handoff = NewHandoff {
        id: id.clone(),
        workspace,
        task: json_string(&input.task),
        to_name: input.to.as_deref().map(json_string),
        output: to_json(&input.output, false),
        context: to_json(&input.context, false),
        constraints: to_json(&input.constraints, false),
        baton,
        created_at: now,
        expires_at,
        lease_ms: input.lease_seconds * 1000,
    };
    match app
        .store
        .insert_handoff(handoff, record)
        .await
        .map_err(storage)?
    {
        Inserted::Created => Ok(created(&id, response, false)),
        Inserted::Existing {
            request_hash: first_hash,
            response,
            handoff_id,
        } => {
            if request_hash.is_some_and(|h| h == first_hash) {
                Ok(created(&handoff_id, response, true))
            } else {
                Err(Problem::new(
                    ProblemCode::IdempotencyMismatch,
                    "this `Idempotency-Key` was used with a different body; use a new key for a new handoff",
                ))
            }
        }
    }
}

fn created(id: &str, body: String, replayed: bool) -> Response {
    let mut response = json_bytes(StatusCode::CREATED, body);
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/status/{id}")) {
        headers.insert(LOCATION, location);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Claim a handoff: exactly one catcher wins; the lease lets it be caught again
/// if the winner does not finish in time.
#[utoipa::path(
    get,
    path = "/api/catch/{id}",
    tag = "handoffs",
    params(("id" = String, Path, description = "The handoff id.")),
    responses(
        (status = 200, description = "Caught: the payload and a fresh lease.", body = CatchResponse),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: unknown, another workspace's, swept or malformed id", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`already_caught` (a live lease) or `already_done`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn catch(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    method: Method,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult {
    // axum answers HEAD with the GET handler; here that would claim the
    // handoff (a link prefetcher could take work nobody sees).
    if method == Method::HEAD {
        let mut problem = Problem::new(
            ProblemCode::MethodNotAllowed,
            "HEAD would claim the handoff; catch with GET or POST",
        );
        problem.allow = Some(HeaderValue::from_static("GET,POST"));
        return Err(problem);
    }
    claim(&app, &workspace, handoff_id(id)?).await
}

/// The same claim as `GET`, for clients that send catches as POST.
#[utoipa::path(
    post,
    path = "/api/catch/{id}",
    tag = "handoffs",
    params(("id" = String, Path, description = "The handoff id.")),
    request_body(content = Option<Object>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "Caught: the payload and a fresh lease.", body = CatchResponse),
        (status = 400, description = "`malformed_body`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: unknown, another workspace's, swept or malformed id", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`already_caught` (a live lease) or `already_done`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_request`: a body with members", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn catch_post(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    request::catch_input(&body_object(body, true)?)?;
    claim(&app, &workspace, handoff_id(id)?).await
}

async fn claim(app: &AppState, workspace: &str, id: String) -> ApiResult {
    for _ in 0..MAX_RETRIES {
        let now = app.clock.now_ms();
        let lease_token = ids::lease_token()?;
        let claimed = app
            .store
            .claim(workspace, &id, now, sha256_hex(&lease_token))
            .await
            .map_err(storage)?;
        if let Some(row) = claimed {
            app.changes.notify_waiters();
            let lease_expires_at = row
                .lease_expires_at
                .unwrap_or(now.saturating_add(row.lease_ms));
            return Ok(json_response(
                StatusCode::OK,
                &CatchResponse {
                    baton_id: row.id.clone(),
                    task: raw(&row.task)?,
                    output: raw(&row.output)?,
                    context: raw(&row.context)?,
                    constraints: raw(&row.constraints)?,
                    baton: raw_opt(row.baton.as_deref())?,
                    to: raw_opt(row.to_name.as_deref())?,
                    status: HandoffStatus::Caught,
                    lease_token,
                    lease_expires_at: format_ms(lease_expires_at),
                    expires_at: format_ms(row.expires_at),
                    attempt: row.attempts,
                },
            ));
        }
        let Some(row) = app.store.get(workspace, &id).await.map_err(storage)? else {
            return Err(Problem::no_handoff(&id));
        };
        match row.status(now) {
            HandoffStatus::Done => {
                return Err(Problem::new(
                    ProblemCode::AlreadyDone,
                    "the handoff is already done",
                ))
            }
            HandoffStatus::Caught => {
                let until = format_ms(row.lease_expires_at.unwrap_or(now));
                return Err(Problem::new(
                    ProblemCode::AlreadyCaught,
                    format!("another catcher holds the handoff until {until}"),
                ));
            }
            HandoffStatus::Expired => return Err(expired(&row)),
            // Claimable after all (another process's lease just ended): try again.
            HandoffStatus::Pending => {}
        }
    }
    Err(Problem::new(
        ProblemCode::AlreadyCaught,
        "the handoff is being caught by others; retry",
    ))
}

/// Finish a caught handoff, optionally with an output and a baton patch.
#[utoipa::path(
    post,
    path = "/api/done/{id}",
    tag = "handoffs",
    params(("id" = String, Path, description = "The handoff id.")),
    request_body(content = crate::model::DoneRequest, description = "Parsed as JSON whatever the Content-Type; empty means `{}`."),
    responses(
        (status = 200, description = "Done (also the answer to a repeat of the same done).", body = DoneResponse),
        (status = 400, description = "`malformed_body`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`not_caught`, `stale_lease` or `already_done`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_request`, `invalid_patch` or `no_baton`; nothing changed", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn done(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let map = body_object(body, true)?;
    let input = request::done_input(&map)?;
    let id = handoff_id(id)?;
    let done_hash = sha256_hex(&to_json(&Value::Object(map), false));
    let lease_hash = input.lease_token.as_deref().map(sha256_hex);
    let output = to_json(&input.output, false);
    if input.baton_patch.is_none() {
        // Without a patch nothing needs the stored record, so the usual done
        // is one conditional write and no read; when the write's conditions
        // refuse it, the checks below read the record and say why.
        let now = app.clock.now_ms();
        let completion = Completion {
            completed_at: now,
            done_hash: done_hash.clone(),
            output: output.clone(),
            baton: None,
        };
        let finished = app
            .store
            .finish(&workspace, &id, lease_hash.clone(), completion)
            .await
            .map_err(storage)?;
        if let Finished::Done(baton) = finished {
            app.changes.notify_waiters();
            return done_response(&id, now, Some(&output), baton.as_deref());
        }
    }
    for _ in 0..MAX_RETRIES {
        let now = app.clock.now_ms();
        let Some(row) = app.store.get(&workspace, &id).await.map_err(storage)? else {
            return Err(Problem::no_handoff(&id));
        };
        if row.completed_at.is_some() {
            if row.done_hash.as_deref() == Some(done_hash.as_str()) {
                return done_response(
                    &row.id,
                    row.completed_at.unwrap_or(now),
                    row.result_output.as_deref(),
                    row.result_baton.as_deref(),
                );
            }
            return Err(Problem::new(
                ProblemCode::AlreadyDone,
                "the handoff is already done with a different body",
            ));
        }
        if row.attempts == 0 {
            if now >= row.expires_at {
                return Err(expired(&row));
            }
            return Err(Problem::new(
                ProblemCode::NotCaught,
                "nobody has caught the handoff; catch it first",
            ));
        }
        if lease_hash.is_some() && lease_hash != row.lease_hash {
            return Err(Problem::new(
                ProblemCode::StaleLease,
                "the lease token is not the current one: the handoff was caught again after this lease",
            ));
        }
        if !row.lease_live(now) && now >= row.expires_at {
            return Err(expired(&row));
        }
        let baton = match (&input.baton_patch, &row.baton) {
            (None, baton) => baton.clone(),
            (Some(_), None) => {
                return Err(Problem::new(
                    ProblemCode::NoBaton,
                    "the handoff was passed without a baton, so there is nothing to patch",
                ))
            }
            (Some(patch), Some(stored)) => {
                let current = Baton::from_json(stored)
                    .map_err(|e| Problem::storage(&format!("the stored baton is invalid: {e}")))?;
                let stage = input
                    .stage
                    .clone()
                    .or_else(|| {
                        row.to_name
                            .as_deref()
                            .and_then(|to| serde_json::from_str::<String>(to).ok())
                    })
                    .unwrap_or_else(|| "relay".to_owned());
                match apply_patch(&current, patch, &stage, Some(&format_ms(now))) {
                    Ok(next) => Some(next.to_json()),
                    Err(e) => {
                        return Err(Problem::with_errors(
                            ProblemCode::InvalidPatch,
                            count(e.issues().len(), "baton patch"),
                            issues(e.issues()),
                        ))
                    }
                }
            }
        };
        let completion = Completion {
            completed_at: now,
            done_hash: done_hash.clone(),
            output: output.clone(),
            baton: baton.clone(),
        };
        if app
            .store
            .complete(&workspace, &id, row.version, completion)
            .await
            .map_err(storage)?
        {
            app.changes.notify_waiters();
            return done_response(&id, now, Some(&output), baton.as_deref());
        }
        // A concurrent catch or done changed the handoff since it was read: look again.
    }
    Err(Problem::new(
        ProblemCode::StorageUnavailable,
        "the handoff kept changing while this done was applied; retry",
    ))
}

fn done_response(
    id: &str,
    completed_at: i64,
    output: Option<&str>,
    baton: Option<&str>,
) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &DoneResponse {
            baton_id: id.to_owned(),
            status: HandoffStatus::Done,
            completed_at: format_ms(completed_at),
            output: raw(output.unwrap_or("null"))?,
            baton: raw_opt(baton)?,
        },
    ))
}

/// Read a handoff without changing anything; `?wait=N` long-polls for a change.
#[utoipa::path(
    get,
    path = "/api/status/{id}",
    tag = "handoffs",
    params(
        ("id" = String, Path, description = "The handoff id."),
        ("wait" = Option<u64>, Query, minimum = 0, description = "Seconds to wait for `status` or `attempts` to change (above 60 counts as 60)."),
    ),
    responses(
        (status = 200, description = "The current state (after the wait, changed or not).", body = StatusResponse),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_request`: a bad query", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn status(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let wait = request::wait_seconds(&query_pairs(query)?)?;
    let id = handoff_id(id)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let mut first = None;
    loop {
        // Registered before the read, so a change right after it still wakes us.
        let notified = app.changes.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = app.clock.now_ms();
        let Some(row) = app.store.get(&workspace, &id).await.map_err(storage)? else {
            return Err(Problem::no_handoff(&id));
        };
        let seen = (row.status(now), row.attempts);
        let first = *first.get_or_insert(seen);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if seen != first || left.is_zero() || app.stopping() {
            return status_response(&row, now);
        }
        // Another process's change shows up at the next poll of the database.
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep(left.min(app.poll_interval)) => {}
        }
    }
}

fn status_response(row: &HandoffRow, now: i64) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &StatusResponse {
            baton_id: row.id.clone(),
            status: row.status(now),
            task: raw(&row.task)?,
            to: raw_opt(row.to_name.as_deref())?,
            created_at: format_ms(row.created_at),
            expires_at: format_ms(row.expires_at),
            caught_at: row.caught_at.map(format_ms),
            lease_expires_at: row.lease_expires_at.map(format_ms),
            completed_at: row.completed_at.map(format_ms),
            attempts: row.attempts,
            output: raw_opt(row.result_output.as_deref())?,
            baton: raw_opt(row.result_baton.as_deref())?,
        },
    ))
}

/// List the workspace's handoffs, oldest first, filtered by addressee and status.
#[utoipa::path(
    get,
    path = "/api/handoffs",
    tag = "handoffs",
    params(
        ("to" = Option<String>, Query, description = "Only handoffs addressed to this name."),
        ("status" = Option<HandoffStatus>, Query, description = "Only handoffs with this derived status."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (default 50)."),
        ("after" = Option<String>, Query, description = "The `next` value of the previous page."),
    ),
    responses(
        (status = 200, description = "A page.", body = HandoffList),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_request`: a bad query", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    Workspace(workspace): Workspace,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let input = request::list_input(&query_pairs(query)?)?;
    let now = app.clock.now_ms();
    let query = ListQuery {
        to: input.to.as_deref().map(json_string),
        status: input.status,
        after: input.after,
        limit: input.limit,
    };
    let mut rows = app
        .store
        .list(&workspace, now, &query)
        .await
        .map_err(storage)?;
    let more = rows.len() > usize::try_from(input.limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(input.limit).unwrap_or(usize::MAX));
    let next = match rows.last() {
        Some(last) if more => Some(request::encode_cursor(last.created_at, &last.id)),
        _ => None,
    };
    let mut handoffs = Vec::with_capacity(rows.len());
    for row in &rows {
        handoffs.push(HandoffSummary {
            baton_id: row.id.clone(),
            status: row.status(now),
            task: raw(&row.task)?,
            to: raw_opt(row.to_name.as_deref())?,
            created_at: format_ms(row.created_at),
            expires_at: format_ms(row.expires_at),
            pickup_url: app.pickup_url(&row.id),
        });
    }
    Ok(json_response(
        StatusCode::OK,
        &HandoffList { handoffs, next },
    ))
}

/// Liveness and database reachability; no token needed.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    security(()),
    responses(
        (status = 200, description = "The relay and its database answer.", body = Health),
        (status = 503, description = "`storage_unavailable`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn healthz(State(app): State<AppState>) -> ApiResult {
    app.store.ping().await.map_err(storage)?;
    Ok(json_response(
        StatusCode::OK,
        &Health {
            status: "ok".to_owned(),
        },
    ))
}

/// This document: the OpenAPI 3.1 description of the relay.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI document (also committed as `schema/openapi.json`).", body = Object),
        (status = 401, description = "`unauthorized`", body = crate::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn openapi(State(app): State<AppState>, _workspace: Workspace) -> Response {
    json_bytes(StatusCode::OK, app.openapi.clone())
}

/// Any other path.
pub(crate) async fn no_route() -> Problem {
    Problem::new(ProblemCode::NotFound, "no such route")
}
