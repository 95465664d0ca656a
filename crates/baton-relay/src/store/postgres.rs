//! PostgreSQL: shared by any number of relay processes.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;

/// The most connections one relay process opens unless told otherwise: several
/// relays must fit in PostgreSQL's default `max_connections` (100).
pub const DEFAULT_CONNECTIONS: u32 = 16;

/// Connects to a `postgres://` or `postgresql://` URL.
///
/// No TLS support is compiled in (`sslmode=prefer`, the default, falls back to
/// plain TCP; `sslmode=require` fails): run the relay next to its database or
/// behind a tunnel. A request that waits more than 5 s for a connection fails
/// with 503 rather than hanging.
///
/// The pool holds up to `connections`: every write is its own commit, and
/// PostgreSQL flushes the WAL of concurrent commits together, so the more
/// commits can be in flight, the more share one fsync (on 2 cores, 8 to 64
/// measured the same: benchmarks/README.md).
pub(crate) async fn connect(url: &str, connections: u32) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?)
}
