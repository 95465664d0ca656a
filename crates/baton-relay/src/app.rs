//! The application: shared state, the router with its layers, and serving.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::Notify;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clock::Clock;
use crate::log::RequestLog;
use crate::problem::{problems_only, Problem, ProblemCode};
use crate::store::Store;
use crate::{api, auth, openapi};

/// What every handler shares.
pub(crate) struct Shared {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// No trailing slash.
    pub public_url: String,
    /// Woken by every catch and done in this process (long-polls re-read).
    pub changes: Notify,
    /// How often a long-poll re-reads the database for other processes' changes.
    pub poll_interval: Duration,
    /// The OpenAPI document, as served.
    pub openapi: Bytes,
    /// Set on shutdown so that long-polls answer at once.
    pub stopping: AtomicBool,
    /// Known tokens' workspaces.
    pub tokens: auth::TokenCache,
}

impl Shared {
    /// `<public url>/api/catch/<id>`.
    pub fn pickup_url(&self, id: &str) -> String {
        format!("{}/api/catch/{id}", self.public_url)
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// The handlers' state: cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The routes with their OpenAPI operations; the document comes from here.
pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::pass))
        .routes(routes!(api::catch, api::catch_post))
        .routes(routes!(api::done))
        .routes(routes!(api::status))
        .routes(routes!(api::list))
        .routes(routes!(api::healthz))
        .routes(routes!(api::openapi))
}

/// The whole service: routes, CORS when configured, auth, body limit, and the
/// layers that make every error a problem document.
///
/// The layers wrap the router once, as one tower stack, rather than through
/// `Router::layer`, which wraps every route in each layer and so, per request
/// and per layer, clones a boxed service and boxes its future (about a quarter
/// of the HTTP threads' time at 64 clients: benchmarks/README.md).
pub(crate) fn router(
    state: AppState,
    routes: Router<AppState>,
    max_body: usize,
    cors: Option<CorsLayer>,
    log: Option<RequestLog>,
) -> Router {
    let routes = routes.fallback(api::no_route).with_state(state.clone());
    // Outermost first: CORS answers preflights (which carry no token) and
    // adds its headers to every answer, problems included; every error
    // becomes a problem document, a panic becomes a 500, the token is checked
    // before the body size (axum's `from_fn` takes a plain `Body`, so it sits
    // outside the limit), the body size before the handler.
    let service = ServiceBuilder::new()
        .option_layer(cors)
        .map_response(|response: Response<_>| problems_only(response.into_response()))
        .layer(CatchPanicLayer::custom(|_panic| {
            eprintln!("baton: a request handler panicked (a bug)");
            Problem::new(
                ProblemCode::InternalError,
                "the relay failed unexpectedly; this is a bug",
            )
            .into_response()
        }))
        .layer(middleware::from_fn_with_state(state, auth::require_token))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(DefaultBodyLimit::disable())
        .service(routes);
    let router = Router::new().fallback_service(service);
    match log {
        Some(log) => router.layer(middleware::from_fn_with_state(log, log_request)),
        None => router,
    }
}

/// One stderr line per request: method, path, status, time (never the query
/// or headers, so tokens are never logged).
async fn log_request(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    log.line(format!(
        "baton: {method} {path} {} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}
