//! SQLite: one file in the data directory, WAL journal, `synchronous=FULL`.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StoreError;

/// The database file's name inside the data directory.
pub const FILE_NAME: &str = "baton.sqlite3";

/// Opens (creating when missing) `<dir>/baton.sqlite3`.
///
/// WAL lets readers run beside the one writer; `synchronous=FULL` syncs the WAL
/// at every commit, so a 200/201 is sent only after the write survives power
/// loss, not just a crash. Writers wait up to 10 s for the lock (another process
/// may share the file) before the request fails with 503.
pub(crate) async fn connect(dir: &Path) -> Result<SqlitePool, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::DataDir(dir.display().to_string(), e))?;
    let options = SqliteConnectOptions::new()
        .filename(dir.join(FILE_NAME))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
}
