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
    /// [`revoke_token`] was given neither a token nor a token id.
    #[error("`{0}` is neither a token (`baton_` and 43 characters) nor a token id (8 to 64 hex digits, as `baton token list` shows)")]
    NotATokenOrId(String),
    /// No stored token has this token or id.
    #[error("no token {0} is stored")]
    NoSuchToken(String),
    /// A token id prefix that more than one stored token starts with.
    #[error("the token id {0} is ambiguous ({1} tokens start with it): give more digits")]
    AmbiguousId(String, usize),
}

/// How many hex digits of a token's SHA-256 `baton token list` shows as its id.
pub const TOKEN_ID_LEN: usize = 12;

/// The shortest token id prefix [`revoke_token`] accepts.
const MIN_ID_LEN: usize = 8;

/// A stored token as the command line shows it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The first [`TOKEN_ID_LEN`] hex digits of the token's SHA-256.
    pub id: String,
    /// The workspace the token opens.
    pub workspace: String,
    /// When it was made, in ms since the Unix epoch.
    pub created_at: i64,
}

impl TokenInfo {
    fn new((hash, workspace, created_at): (String, String, i64)) -> TokenInfo {
        TokenInfo {
            id: hash.get(..TOKEN_ID_LEN).unwrap_or(&hash).to_owned(),
            workspace,
            created_at,
        }
    }
}

/// The stored tokens, of one workspace when given, oldest first.
///
/// # Errors
///
/// [`TokenError`] for a bad workspace name or a failed database.
pub async fn list_tokens(
    store: &Store,
    workspace: Option<&str>,
) -> Result<Vec<TokenInfo>, TokenError> {
    if let Some(w) = workspace.filter(|w| !check_workspace(w)) {
        return Err(TokenError::Workspace(w.to_owned()));
    }
    let rows = store.tokens("", workspace).await?;
    Ok(rows.into_iter().map(TokenInfo::new).collect())
}

/// Deletes a token, named by the token itself or by a prefix of its id (at
/// least 8 hex digits) that no other token shares; returns what it deleted.
/// A relay that accepted the token in the last minute (its token cache)
/// keeps accepting it until the minute is over.
///
/// # Errors
///
/// [`TokenError::NotATokenOrId`], [`TokenError::NoSuchToken`],
/// [`TokenError::AmbiguousId`], or a failed database.
pub async fn revoke_token(store: &Store, token_or_id: &str) -> Result<TokenInfo, TokenError> {
    let given = token_or_id.trim();
    let (prefix, shown) = if ids::is_token_shaped(given) {
        (sha256_hex(given), "with that value".to_owned())
    } else if (MIN_ID_LEN..=64).contains(&given.len())
        && given.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let id = given.to_ascii_lowercase();
        let shown = format!("with id {id}");
        (id, shown)
    } else if given.starts_with("baton_") {
        // Near enough to a token to be one mistyped: never echo it.
        return Err(TokenError::NotATokenOrId("baton_…".to_owned()));
    } else {
        return Err(TokenError::NotATokenOrId(given.to_owned()));
    };
    let mut found = store.tokens(&prefix, None).await?;
    let row = match found.len() {
        0 => return Err(TokenError::NoSuchToken(shown)),
        1 => found.swap_remove(0),
        n => return Err(TokenError::AmbiguousId(prefix, n)),
    };
    if !store.delete_token(&row.0).await? {
        // Deleted by someone else between the lookup and now.
        return Err(TokenError::NoSuchToken(shown));
    }
    Ok(TokenInfo::new(row))
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
