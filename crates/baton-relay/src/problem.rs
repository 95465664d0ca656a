//! RFC 9457 problem details: every error the relay sends, with a stable `code`.

use axum::http::header::{ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A stable problem code (SPEC §17). The wire form is the snake_case name, and
/// the problem `type` is `urn:baton:problem:<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    /// 400: the body is not JSON, or not a JSON object.
    MalformedBody,
    /// 401: a missing, malformed or unknown token.
    Unauthorized,
    /// 404: no such handoff in this workspace (or no such route).
    NotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: another catcher holds a live lease.
    AlreadyCaught,
    /// 409: the handoff is done (and this is not a repeat of the same done).
    AlreadyDone,
    /// 409: done on a handoff nobody caught.
    NotCaught,
    /// 409: done with a lease token that is not the current one.
    StaleLease,
    /// 410: the handoff expired.
    Expired,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 422: a request member or query parameter breaks its rule.
    InvalidRequest,
    /// 422: the passed baton fails baton-core validation.
    InvalidBaton,
    /// 422: baton-core rejects the `baton_patch`.
    InvalidPatch,
    /// 422: a `baton_patch` for a handoff passed without a baton.
    NoBaton,
    /// 422: an `Idempotency-Key` reused with a different body.
    IdempotencyMismatch,
    /// 503: the database (or the system's random generator) failed.
    StorageUnavailable,
    /// 500: a bug in the relay (a handler panicked); never sent by design.
    InternalError,
}

impl ProblemCode {
    /// Every code, in the order SPEC §17 lists them.
    pub const ALL: [ProblemCode; 17] = [
        ProblemCode::MalformedBody,
        ProblemCode::Unauthorized,
        ProblemCode::NotFound,
        ProblemCode::MethodNotAllowed,
        ProblemCode::AlreadyCaught,
        ProblemCode::AlreadyDone,
        ProblemCode::NotCaught,
        ProblemCode::StaleLease,
        ProblemCode::Expired,
        ProblemCode::PayloadTooLarge,
        ProblemCode::InvalidRequest,
        ProblemCode::InvalidBaton,
        ProblemCode::InvalidPatch,
        ProblemCode::NoBaton,
        ProblemCode::IdempotencyMismatch,
        ProblemCode::StorageUnavailable,
        ProblemCode::InternalError,
    ];

    /// The wire name, e.g. `"already_caught"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::MalformedBody => "malformed_body",
            ProblemCode::Unauthorized => "unauthorized",
            ProblemCode::NotFound => "not_found",
            ProblemCode::MethodNotAllowed => "method_not_allowed",
            ProblemCode::AlreadyCaught => "already_caught",
            ProblemCode::AlreadyDone => "already_done",
            ProblemCode::NotCaught => "not_caught",
            ProblemCode::StaleLease => "stale_lease",
            ProblemCode::Expired => "expired",
            ProblemCode::PayloadTooLarge => "payload_too_large",
            ProblemCode::InvalidRequest => "invalid_request",
            ProblemCode::InvalidBaton => "invalid_baton",
            ProblemCode::InvalidPatch => "invalid_patch",
            ProblemCode::NoBaton => "no_baton",
            ProblemCode::IdempotencyMismatch => "idempotency_mismatch",
            ProblemCode::StorageUnavailable => "storage_unavailable",
            ProblemCode::InternalError => "internal_error",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ProblemCode::MalformedBody => StatusCode::BAD_REQUEST,
            ProblemCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemCode::NotFound => StatusCode::NOT_FOUND,
            ProblemCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemCode::AlreadyCaught
            | ProblemCode::AlreadyDone
            | ProblemCode::NotCaught
            | ProblemCode::StaleLease => StatusCode::CONFLICT,
            ProblemCode::Expired => StatusCode::GONE,
            ProblemCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemCode::InvalidRequest
            | ProblemCode::InvalidBaton
            | ProblemCode::InvalidPatch
            | ProblemCode::NoBaton
            | ProblemCode::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemCode::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ProblemCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem `title`: fixed per code (RFC 9457 §3.1.3).
    pub fn title(self) -> &'static str {
        match self {
            ProblemCode::MalformedBody => "The request body is not a JSON object",
            ProblemCode::Unauthorized => "A valid bearer token is required",
            ProblemCode::NotFound => "Not found",
            ProblemCode::MethodNotAllowed => "Method not allowed",
            ProblemCode::AlreadyCaught => "The handoff is already caught",
            ProblemCode::AlreadyDone => "The handoff is already done",
            ProblemCode::NotCaught => "The handoff has not been caught",
            ProblemCode::StaleLease => "The lease is no longer current",
            ProblemCode::Expired => "The handoff has expired",
            ProblemCode::PayloadTooLarge => "The request body is too large",
            ProblemCode::InvalidRequest => "The request is invalid",
            ProblemCode::InvalidBaton => "The baton is invalid",
            ProblemCode::InvalidPatch => "The baton patch is invalid",
            ProblemCode::NoBaton => "The handoff has no baton to patch",
            ProblemCode::IdempotencyMismatch => "The idempotency key was used with another body",
            ProblemCode::StorageUnavailable => "Storage is unavailable",
            ProblemCode::InternalError => "Internal error",
        }
    }

    /// The problem `type` URI.
    pub fn type_uri(self) -> String {
        format!("urn:baton:problem:{}", self.as_str())
    }
}

/// One finding about a request, a baton or a patch: `{code, path, message}`,
/// the shape baton-core reports its issues in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldIssue {
    /// A stable code: baton-core's codes, plus `range` for request numbers.
    pub code: String,
    /// An RFC 6901 JSON Pointer into the request body, the baton or the patch.
    pub path: String,
    /// What, in English (lowercase, no trailing period).
    pub message: String,
}

impl FieldIssue {
    /// Builds an issue.
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldIssue {
            code: code.to_owned(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl From<&baton_core::Issue> for FieldIssue {
    fn from(issue: &baton_core::Issue) -> Self {
        FieldIssue {
            code: issue.code.as_str().to_owned(),
            path: issue.path.clone(),
            message: issue.message.clone(),
        }
    }
}

/// The body of an error response (RFC 9457 `application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// `urn:baton:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A fixed summary of the code.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case.
    pub detail: String,
    /// The stable code programs match on.
    pub code: String,
    /// The individual findings, for `invalid_request`, `invalid_baton` and `invalid_patch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldIssue>>,
}

/// An error response waiting to be sent.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The stable code.
    pub code: ProblemCode,
    /// The case-specific detail.
    pub detail: String,
    /// Findings, for the codes that carry them.
    pub errors: Option<Vec<FieldIssue>>,
    /// The `Allow` header of a 405.
    pub allow: Option<HeaderValue>,
}

impl Problem {
    /// A problem with a detail and no findings.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Problem {
            code,
            detail: detail.into(),
            errors: None,
            allow: None,
        }
    }

    /// A problem carrying findings.
    pub fn with_errors(
        code: ProblemCode,
        detail: impl Into<String>,
        errors: Vec<FieldIssue>,
    ) -> Self {
        Problem {
            errors: Some(errors),
            ..Problem::new(code, detail)
        }
    }

    /// The 404 for a handoff id: the same text whether the id is unknown,
    /// malformed or another workspace's.
    pub fn no_handoff(id: &str) -> Self {
        Problem::new(ProblemCode::NotFound, format!("no handoff `{id}`"))
    }

    /// The 503 for a failed database call; the cause goes to the log, not the client.
    pub fn storage(error: &dyn std::fmt::Display) -> Self {
        eprintln!("baton: storage error: {error}");
        Problem::new(
            ProblemCode::StorageUnavailable,
            "the database did not answer; retry later",
        )
    }

    /// The body.
    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            type_uri: self.code.type_uri(),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl From<crate::ids::RandomError> for Problem {
    fn from(e: crate::ids::RandomError) -> Self {
        eprintln!("baton: {e}");
        Problem::new(
            ProblemCode::StorageUnavailable,
            "the server could not make a random id; retry later",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (self.code.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.code == ProblemCode::Unauthorized {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"baton\""),
            );
        }
        if let Some(allow) = self.allow {
            headers.insert(ALLOW, allow);
        }
        response
    }
}

/// Turns every error response that is not yet a problem (axum's own 404s, 405s
/// and 413s, a caught panic's 500) into one, so that no error leaves the relay
/// without a stable code.
pub(crate) fn problems_only(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ProblemCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
        StatusCode::UNAUTHORIZED => ProblemCode::Unauthorized,
        StatusCode::SERVICE_UNAVAILABLE => ProblemCode::StorageUnavailable,
        s if s.is_client_error() => ProblemCode::MalformedBody,
        _ => ProblemCode::InternalError,
    };
    let mut problem = Problem::new(code, default_detail(code));
    problem.allow = response.headers().get(ALLOW).cloned();
    problem.into_response()
}

fn default_detail(code: ProblemCode) -> &'static str {
    match code {
        ProblemCode::NotFound => "no such route",
        ProblemCode::MethodNotAllowed => {
            "the route does not accept this method; see the `Allow` header"
        }
        ProblemCode::PayloadTooLarge => "the request body is larger than the server accepts",
        ProblemCode::InternalError => "the relay failed unexpectedly; this is a bug",
        _ => "the request could not be read",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_matching_types() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            assert!(seen.insert(code.as_str()));
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(
                code.type_uri(),
                format!("urn:baton:problem:{}", code.as_str())
            );
        }
    }
}
