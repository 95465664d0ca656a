//! PostgreSQL: shared by any number of relay processes.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;

/// Connects to a `postgres://` or `postgresql://` URL.
///
/// No TLS support is compiled in (`sslmode=prefer`, the default, falls back to
/// plain TCP; `sslmode=require` fails): run the relay next to its database or
/// behind a tunnel. A request that waits more than 5 s for a connection fails
/// with 503 rather than hanging.
pub(crate) async fn connect(url: &str) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?)
}
