//! Bearer tokens: every `/api/` request names a workspace through its token.
//! Only SHA-256 digests of tokens are stored.
//!
//! Tokens never change once made, so a known token's workspace is kept in
//! memory for [`CACHE_TTL`] after a lookup (a token deleted from the database
//! by hand stops working within that time). Unknown tokens are not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::ids::{self, sha256_hex};
use crate::problem::{Problem, ProblemCode};
use crate::store::{Store, StoreError};

/// The workspace of the request's token, put in the request by [`require_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Workspace(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Workspace {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Workspace>()
            .cloned()
            .ok_or_else(|| Problem::new(ProblemCode::Unauthorized, "a bearer token is required"))
    }
}

/// Middleware: every path under `/api/` needs a known token, including unknown
/// routes and wrong methods there, so nothing about the API shows without one.
pub(crate) async fn require_token(
    State(app): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    match authenticate(&app.store, &app.tokens, request.headers()).await {
        Ok(workspace) => {
            request.extensions_mut().insert(workspace);
            next.run(request).await
        }
        Err(problem) => problem.into_response(),
    }
}

async fn authenticate(
    store: &Store,
    cache: &TokenCache,
    headers: &HeaderMap,
) -> Result<Workspace, Problem> {
    let unauthorized = |detail: &str| Problem::new(ProblemCode::Unauthorized, detail);
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(unauthorized("send `Authorization: Bearer baton_...`"));
    };
    let value = value.to_str().unwrap_or_default().trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(unauthorized(
                "the `Authorization` header must be `Bearer baton_...`",
            ))
        }
    };
    if !ids::is_token_shaped(token) {
        return Err(unauthorized(
            "the token is malformed; tokens look like `baton_` and 43 characters",
        ));
    }
    let hash = sha256_hex(token);
    if let Some(workspace) = cache.get(&hash) {
        return Ok(Workspace(workspace));
    }
    match store.token_workspace(&hash).await {
        Ok(Some(workspace)) => {
            cache.insert(hash, workspace.clone());
            Ok(Workspace(workspace))
        }
        Ok(None) => Err(unauthorized("the token is not known to this server")),
        Err(e) => Err(Problem::storage(&e)),
    }
}

/// How long a looked-up token's workspace is remembered.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);

/// The most tokens remembered at once (the cache starts over when full).
const CACHE_SIZE: usize = 10_000;

/// Token hash → (workspace, when it was looked up).
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, (String, Instant)>>);

impl TokenCache {
    fn get(&self, hash: &str) -> Option<String> {
        let map = self.0.lock().ok()?;
        let (workspace, seen) = map.get(hash)?;
        (seen.elapsed() < CACHE_TTL).then(|| workspace.clone())
    }

    fn insert(&self, hash: String, workspace: String) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHE_SIZE {
                map.clear();
            }
            map.insert(hash, (workspace, Instant::now()));
        }
    }
}

/// Why [`create_token`] failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The workspace name breaks [`check_workspace`]'s rule.
    #[error("invalid workspace name `{0}`: use 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit")]
    Workspace(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness.
    #[error(transparent)]
    Random(#[from] ids::RandomError),
}

/// Whether `name` is a workspace name: 1 to 64 ASCII letters, digits, `.`, `_`
/// or `-`, starting with a letter or digit.
pub fn check_workspace(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Makes a new token for `workspace`, stores its SHA-256 and returns the token:
/// the only time it exists in clear.
///
/// # Errors
///
/// [`TokenError`] for a bad workspace name or a failed database.
pub async fn create_token(
    store: &Store,
    workspace: &str,
    now_ms: i64,
) -> Result<String, TokenError> {
    if !check_workspace(workspace) {
        return Err(TokenError::Workspace(workspace.to_owned()));
    }
    let token = ids::workspace_token()?;
    store
        .insert_token(&sha256_hex(&token), workspace, now_ms)
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_names_are_short_and_plain() {
        assert!(check_workspace("default"));
        assert!(check_workspace("team-a.prod_2"));
        assert!(!check_workspace(""));
        assert!(!check_workspace("-x"));
        assert!(!check_workspace("a b"));
        assert!(!check_workspace(&"a".repeat(65)));
    }
}
