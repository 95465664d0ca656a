//! Storage: SQLite by default, PostgreSQL for several relay processes. The SQL
//! text is shared (`$1` placeholders work in both).
//!
//! Every state change is one [`WriteOp`] whose statements re-check the state
//! they depend on, so concurrent requests (in one process or in several sharing
//! the database) cannot both win. On PostgreSQL each is its own commit on one
//! of the writer tasks' connections (PostgreSQL itself flushes concurrent
//! commits together; see `postgres.rs`). On
//! SQLite they go to one writer task that commits every pending write in one
//! transaction, so one fsync makes a whole batch durable (see `sqlite.rs`).

mod postgres;
mod sqlite;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::LazyLock;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{PgPool, Row, SqlitePool};

use crate::model::HandoffStatus;

pub use postgres::DEFAULT_CONNECTIONS as DEFAULT_POSTGRES_CONNECTIONS;
pub use sqlite::FILE_NAME as SQLITE_FILE_NAME;

/// Where the relay keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// `<dir>/baton.sqlite3`, created when missing.
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL.
    Postgres(String),
}

impl Database {
    /// PostgreSQL when `url` is given (it must start with `postgres://` or
    /// `postgresql://`), else SQLite in `data_dir`.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnsupportedUrl`] for any other URL.
    pub fn choose(url: Option<String>, data_dir: PathBuf) -> Result<Database, StoreError> {
        match url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres(url))
            }
            Some(url) => Err(StoreError::UnsupportedUrl(redact(&url))),
            None => Ok(Database::Sqlite(data_dir)),
        }
    }
}

/// A URL's scheme and host part, without a password, for messages.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://…@{host}"),
        _ => url.to_owned(),
    }
}

/// Why a storage call failed. Requests answer these with 503.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// The write batch this write was part of failed before it ran.
    #[error("database error: {0}")]
    Batch(String),
    /// The writer thread could not be started.
    #[error("cannot start the database writer: {0}")]
    Thread(std::io::Error),
    /// SQLite refused or failed (the writer's connection).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No connection was free in time (PostgreSQL): the write was not made.
    #[error("the database is busy: no connection was free in time")]
    Busy,
    /// The store was closed (the server is stopping).
    #[error("the database is closed")]
    Closed,
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The data directory could not be created.
    #[error("cannot create the data directory `{0}`: {1}")]
    DataDir(String, std::io::Error),
    /// `--database` is not a PostgreSQL URL.
    #[error("unsupported database URL `{0}`: expected postgres://...")]
    UnsupportedUrl(String),
}

#[derive(Debug, Clone)]
enum Backend {
    /// Readers share a pool; every write goes through the one writer.
    Sqlite {
        readers: SqlitePool,
        writer: sqlite::Writer,
    },
    /// Readers share a small pool; writes go to the writer tasks.
    Postgres {
        readers: PgPool,
        writers: postgres::Writers,
    },
}

/// Runs `$body` with `$p` bound to the pool that reads; the body is compiled
/// once per database, so row and argument types stay concrete.
macro_rules! on_reader {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.backend {
            Backend::Sqlite { readers: $p, .. } => $body,
            Backend::Postgres { readers: $p, .. } => $body,
        }
    };
}

/// The columns of a handoff, in [`HandoffRow`]'s order.
const COLUMNS: &str = "id, task, to_name, output, context, constraints, baton, created_at, \
     expires_at, lease_ms, attempts, caught_at, lease_expires_at, lease_hash, completed_at, \
     done_hash, result_output, result_baton, version";

/// Reads a [`HandoffRow`] from a row of `SELECT {COLUMNS}`.
macro_rules! handoff_row {
    ($row:expr) => {{
        let r = &$row;
        HandoffRow {
            id: r.try_get("id")?,
            task: r.try_get("task")?,
            to_name: r.try_get("to_name")?,
            output: r.try_get("output")?,
            context: r.try_get("context")?,
            constraints: r.try_get("constraints")?,
            baton: r.try_get("baton")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            lease_ms: r.try_get("lease_ms")?,
            attempts: r.try_get("attempts")?,
            caught_at: r.try_get("caught_at")?,
            lease_expires_at: r.try_get("lease_expires_at")?,
            lease_hash: r.try_get("lease_hash")?,
            completed_at: r.try_get("completed_at")?,
            done_hash: r.try_get("done_hash")?,
            result_output: r.try_get("result_output")?,
            result_baton: r.try_get("result_baton")?,
            version: r.try_get("version")?,
        }
    }};
}

/// One handoff as stored. JSON members, `task` and `to_name` included, are
/// canonical JSON text (`task` a JSON string: so every string survives both
/// databases verbatim, U+0000 too, which PostgreSQL's `text` cannot hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HandoffRow {
    pub id: String,
    pub task: String,
    pub to_name: Option<String>,
    pub output: String,
    pub context: String,
    pub constraints: String,
    pub baton: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub lease_ms: i64,
    pub attempts: i64,
    pub caught_at: Option<i64>,
    pub lease_expires_at: Option<i64>,
    pub lease_hash: Option<String>,
    pub completed_at: Option<i64>,
    pub done_hash: Option<String>,
    pub result_output: Option<String>,
    pub result_baton: Option<String>,
    pub version: i64,
}

impl HandoffRow {
    /// Whether a catcher holds a lease that has not ended at `now`.
    pub fn lease_live(&self, now: i64) -> bool {
        self.completed_at.is_none() && self.lease_expires_at.is_some_and(|end| end > now)
    }

    /// The derived status at `now` (SPEC §17): the same rule as [`status_condition`].
    pub fn status(&self, now: i64) -> HandoffStatus {
        if self.completed_at.is_some() {
            HandoffStatus::Done
        } else if self.lease_live(now) {
            HandoffStatus::Caught
        } else if now >= self.expires_at {
            HandoffStatus::Expired
        } else {
            HandoffStatus::Pending
        }
    }
}

/// The SQL condition for a derived status, with `$now` as the placeholder of now.
fn status_condition(status: HandoffStatus, now: &str) -> String {
    let no_live_lease = format!("(lease_expires_at IS NULL OR lease_expires_at <= {now})");
    match status {
        HandoffStatus::Done => "completed_at IS NOT NULL".to_owned(),
        HandoffStatus::Caught => format!("completed_at IS NULL AND lease_expires_at > {now}"),
        HandoffStatus::Expired => {
            format!("completed_at IS NULL AND expires_at <= {now} AND {no_live_lease}")
        }
        HandoffStatus::Pending => {
            format!("completed_at IS NULL AND expires_at > {now} AND {no_live_lease}")
        }
    }
}

/// A handoff to insert.
#[derive(Debug, Clone)]
pub(crate) struct NewHandoff {
    pub id: String,
    pub workspace: String,
    pub task: String,
    pub to_name: Option<String>,
    pub output: String,
    pub context: String,
    pub constraints: String,
    pub baton: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub lease_ms: i64,
}

/// The idempotency record of a pass.
#[derive(Debug, Clone)]
pub(crate) struct IdempotencyRecord {
    pub key: String,
    pub request_hash: String,
    pub response: String,
}

/// What [`Store::insert_handoff`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// The handoff is stored.
    Created,
    /// The idempotency key was used before: nothing was stored.
    Existing {
        request_hash: String,
        response: String,
        handoff_id: String,
    },
}

/// The result of a done, to store.
#[derive(Debug, Clone)]
pub(crate) struct Completion {
    pub completed_at: i64,
    pub done_hash: String,
    pub output: String,
    pub baton: Option<String>,
}

/// A page request of [`Store::list`].
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    pub to: Option<String>,
    pub status: Option<HandoffStatus>,
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// A bind argument of a query built at run time.
enum Arg {
    Text(String),
    Int(i64),
}

/// A state change: run as a whole, and deciding on the state it finds.
#[derive(Debug, Clone)]
pub(crate) enum WriteOp {
    /// Insert a handoff, with its idempotency record when the pass had a key.
    Insert(NewHandoff, Option<IdempotencyRecord>),
    /// Claim a handoff that is pending at `now`.
    Claim {
        workspace: String,
        id: String,
        now: i64,
        lease_hash: String,
    },
    /// Mark a handoff done without reading it first: only a done without a
    /// patch that rules 1 to 4 of SPEC §17.6 accept (see [`FINISH_SQL`]).
    Finish {
        workspace: String,
        id: String,
        /// The SHA-256 of the done's lease token, when it has one.
        lease_hash: Option<String>,
        /// Its `baton` is not used: the result's baton is the stored one.
        completion: Completion,
    },
    /// Mark a handoff done if it is still at `version`.
    Complete {
        workspace: String,
        id: String,
        version: i64,
        completion: Completion,
    },
    /// Store a token's hash.
    Token {
        hash: String,
        workspace: String,
        now: i64,
    },
    /// Delete a token by its hash.
    RevokeToken { hash: String },
    /// Delete what ended at or before `cutoff`.
    Sweep { cutoff: i64 },
}

impl WriteOp {
    /// Whether the op is more than one statement (and so needs a transaction
    /// of its own when it runs alone).
    fn is_compound(&self) -> bool {
        matches!(self, WriteOp::Insert(_, Some(_)) | WriteOp::Sweep { .. })
    }
}

/// What a [`WriteOp`] did.
#[derive(Debug)]
pub(crate) enum WriteResult {
    Inserted(Inserted),
    Claimed(Option<Box<HandoffRow>>),
    Finished(Finished),
    Completed(bool),
    Token,
    /// Whether a token was deleted.
    Revoked(bool),
    Swept(u64),
}

/// Inserts an idempotency record unless the key exists.
const INSERT_KEY_SQL: &str = "INSERT INTO idempotency_keys \
    (workspace, idem_key, request_hash, handoff_id, response) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace, idem_key) DO NOTHING";

/// Reads the idempotency record of a key.
const SELECT_KEY_SQL: &str = "SELECT request_hash, response, handoff_id FROM idempotency_keys \
    WHERE workspace = $1 AND idem_key = $2";

/// Inserts a handoff.
const INSERT_HANDOFF_SQL: &str = "INSERT INTO handoffs (id, workspace, task, to_name, output, \
    context, constraints, baton, created_at, expires_at, lease_ms) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// What a [`WriteOp::Finish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finished {
    /// Done now; the result's baton (the stored one).
    Done(Option<String>),
    /// Not done: one of the rules refused it as it stands, or it is a repeat.
    /// Reading the row tells which.
    NotNow,
}

/// The condition of every statement on one handoff: its id, in its workspace.
///
/// `workspace || ''` is not indexable, so the primary key is the only index
/// PostgreSQL can read for it. With `workspace = $2` a plan made while the
/// table had no statistics yet (a new database: every estimate ties) could
/// read `handoffs_by_workspace` instead, and PostgreSQL keeps a prepared
/// statement's generic plan until the next `ANALYZE`: every claim then scanned
/// the whole workspace (measured: 1,500 cycles/s instead of 3,800, in one run
/// of two). SQLite plans the same text with the primary key either way.
macro_rules! by_id {
    () => {
        "id = $1 AND workspace || '' = $2"
    };
}

/// A done without a patch in one statement. Its conditions are the accepting
/// side of SPEC §17.6's rules 1 to 4, as `HandoffRow`'s fields say them: not
/// done (1), caught at least once (2), the latest lease's token or none (3),
/// and a live lease or not yet expired (4). So a row comes back exactly when
/// the read-then-write path would accept the same done; without a patch that
/// path's result baton is the stored one, which `result_baton = baton` keeps.
/// `$3` is now; `$6` the lease token's hash or NULL.
const FINISH_SQL: &str = concat!(
    "UPDATE handoffs SET completed_at = $3, done_hash = $4, \
    result_output = $5, result_baton = baton, version = version + 1 \
    WHERE ",
    by_id!(),
    " AND completed_at IS NULL AND attempts > 0 \
    AND (CAST($6 AS TEXT) IS NULL OR lease_hash = $6) \
    AND (lease_expires_at > $3 OR expires_at > $3) \
    RETURNING result_baton"
);

/// Marks a handoff done if it is still at the version read.
const COMPLETE_SQL: &str = concat!(
    "UPDATE handoffs SET completed_at = $4, done_hash = $5, \
    result_output = $6, result_baton = $7, version = version + 1 WHERE ",
    by_id!(),
    " AND version = $3 AND completed_at IS NULL"
);

/// Stores a token's hash.
const INSERT_TOKEN_SQL: &str =
    "INSERT INTO tokens (hash, workspace, created_at) VALUES ($1, $2, $3)";

/// Deletes a token by its hash.
const DELETE_TOKEN_SQL: &str = "DELETE FROM tokens WHERE hash = $1";

/// Deletes the idempotency keys of what the sweeper deletes.
static SWEEP_KEYS_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM idempotency_keys WHERE handoff_id IN (SELECT id FROM handoffs WHERE {SWEPT})"
    )
});

/// Deletes what ended long enough ago.
static SWEEP_HANDOFFS_SQL: LazyLock<String> =
    LazyLock::new(|| format!("DELETE FROM handoffs WHERE {SWEPT}"));

/// Runs a [`WriteOp`]'s statements on a PostgreSQL connection (inside
/// whatever transaction the caller holds). No statement fails because of the
/// data (conflicts are `ON CONFLICT DO NOTHING` or conditions), so an error
/// means the database failed. `sqlite::apply` is the same on SQLite.
async fn apply_postgres(
    c: &mut sqlx::PgConnection,
    op: &WriteOp,
) -> Result<WriteResult, sqlx::Error> {
    match op {
        WriteOp::Insert(h, idempotency) => {
            if let Some(rec) = idempotency {
                let inserted = sqlx::query(INSERT_KEY_SQL)
                    .bind(&h.workspace)
                    .bind(&rec.key)
                    .bind(&rec.request_hash)
                    .bind(&h.id)
                    .bind(&rec.response)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
                if inserted == 0 {
                    let row = sqlx::query(SELECT_KEY_SQL)
                        .bind(&h.workspace)
                        .bind(&rec.key)
                        .fetch_one(&mut *c)
                        .await?;
                    return Ok(WriteResult::Inserted(Inserted::Existing {
                        request_hash: row.try_get("request_hash")?,
                        response: row.try_get("response")?,
                        handoff_id: row.try_get("handoff_id")?,
                    }));
                }
            }
            sqlx::query(INSERT_HANDOFF_SQL)
                .bind(&h.id)
                .bind(&h.workspace)
                .bind(&h.task)
                .bind(&h.to_name)
                .bind(&h.output)
                .bind(&h.context)
                .bind(&h.constraints)
                .bind(&h.baton)
                .bind(h.created_at)
                .bind(h.expires_at)
                .bind(h.lease_ms)
                .execute(&mut *c)
                .await?;
            Ok(WriteResult::Inserted(Inserted::Created))
        }
        WriteOp::Claim {
            workspace,
            id,
            now,
            lease_hash,
        } => {
            let row = sqlx::query(&CLAIM_SQL)
                .bind(id)
                .bind(workspace)
                .bind(*now)
                .bind(lease_hash)
                .fetch_optional(&mut *c)
                .await?;
            Ok(WriteResult::Claimed(match row {
                Some(r) => Some(Box::new(handoff_row!(r))),
                None => None,
            }))
        }
        WriteOp::Finish {
            workspace,
            id,
            lease_hash,
            completion: x,
        } => {
            let row = sqlx::query(FINISH_SQL)
                .bind(id)
                .bind(workspace)
                .bind(x.completed_at)
                .bind(&x.done_hash)
                .bind(&x.output)
                .bind(lease_hash)
                .fetch_optional(&mut *c)
                .await?;
            Ok(WriteResult::Finished(match row {
                Some(r) => Finished::Done(r.try_get("result_baton")?),
                None => Finished::NotNow,
            }))
        }
        WriteOp::Complete {
            workspace,
            id,
            version,
            completion: x,
        } => {
            let n = sqlx::query(COMPLETE_SQL)
                .bind(id)
                .bind(workspace)
                .bind(*version)
                .bind(x.completed_at)
                .bind(&x.done_hash)
                .bind(&x.output)
                .bind(&x.baton)
                .execute(&mut *c)
                .await?
                .rows_affected();
            Ok(WriteResult::Completed(n == 1))
        }
        WriteOp::Token {
            hash,
            workspace,
            now,
        } => {
            sqlx::query(INSERT_TOKEN_SQL)
                .bind(hash)
                .bind(workspace)
                .bind(*now)
                .execute(&mut *c)
                .await?;
            Ok(WriteResult::Token)
        }
        WriteOp::RevokeToken { hash } => {
            let n = sqlx::query(DELETE_TOKEN_SQL)
                .bind(hash)
                .execute(&mut *c)
                .await?
                .rows_affected();
            Ok(WriteResult::Revoked(n > 0))
        }
        WriteOp::Sweep { cutoff } => {
            sqlx::query(&SWEEP_KEYS_SQL)
                .bind(*cutoff)
                .execute(&mut *c)
                .await?;
            let n = sqlx::query(&SWEEP_HANDOFFS_SQL)
                .bind(*cutoff)
                .execute(&mut *c)
                .await?
                .rows_affected();
            Ok(WriteResult::Swept(n))
        }
    }
}

/// What the sweeper deletes: done, or expired without a live lease, at or
/// before `$1`. The first condition reads `handoffs_by_end` (the time a
/// handoff ended, or will expire); the second leaves out the expired ones
/// whose lease is still live.
const SWEPT: &str = "COALESCE(completed_at, expires_at) <= $1 AND \
     (completed_at IS NOT NULL OR lease_expires_at IS NULL OR lease_expires_at <= $1)";

/// The claim: one conditional UPDATE, so of any number of concurrent catchers
/// exactly one gets the row back.
static CLAIM_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE handoffs SET attempts = attempts + 1, caught_at = $3, \
         lease_expires_at = $3 + lease_ms, lease_hash = $4, version = version + 1 \
         WHERE {} AND {} RETURNING {COLUMNS}",
        by_id!(),
        status_condition(HandoffStatus::Pending, "$3")
    )
});

/// One handoff by id, in its workspace.
static GET_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM handoffs WHERE {}", by_id!()));

/// The migrations, compiled in (no files are read at run time).
#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async {
            Ok(vec![
                Migration::new(
                    1,
                    "init".into(),
                    MigrationType::Simple,
                    include_str!("../../migrations/0001_init.sql").into(),
                    false,
                ),
                Migration::new(
                    2,
                    "one sweep index".into(),
                    MigrationType::Simple,
                    include_str!("../../migrations/0002_one_sweep_index.sql").into(),
                    false,
                ),
            ])
        })
    }
}

/// The relay's database: tokens, handoffs and idempotency keys.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Connects and runs the migrations (safe to run from several processes at
    /// once: PostgreSQL takes an advisory lock, SQLite a write lock). On SQLite
    /// this starts the writer task on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be reached or migrated.
    pub async fn open(database: &Database) -> Result<Store, StoreError> {
        Store::open_with(database, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// [`Store::open`] with `postgres_connections` connections to PostgreSQL
    /// (at least two: a quarter read, the rest write; ignored for SQLite,
    /// which writes through one connection).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be reached or migrated.
    pub async fn open_with(
        database: &Database,
        postgres_connections: u32,
    ) -> Result<Store, StoreError> {
        let migrator = Migrator::new(Embedded).await?;
        let backend = match database {
            Database::Sqlite(dir) => {
                let (readers, mut setup) = sqlite::connect(dir).await?;
                migrator.run(&mut setup).await?;
                sqlx::Connection::close(setup).await?;
                Backend::Sqlite {
                    readers,
                    writer: sqlite::Writer::start(dir)?,
                }
            }
            Database::Postgres(url) => {
                let (readers, writers) = postgres::connect(url, postgres_connections).await?;
                migrator.run(&readers).await?;
                Backend::Postgres { readers, writers }
            }
        };
        Ok(Store { backend })
    }

    /// Closes the database: running writes finish, later calls fail.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { readers, writer } => {
                writer.close().await;
                readers.close().await;
            }
            Backend::Postgres { readers, writers } => {
                writers.close().await;
                readers.close().await;
            }
        }
    }

    /// Runs a state change: on SQLite through the writer (committed with the
    /// other pending writes), on PostgreSQL by the next free writer task.
    pub(crate) async fn write(&self, op: WriteOp) -> Result<WriteResult, StoreError> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => writer.submit(op).await,
            Backend::Postgres { writers, .. } => writers.submit(op).await,
        }
    }

    /// Whether the database answers.
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        on_reader!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// How many tokens exist, in all workspaces.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub async fn token_count(&self) -> Result<i64, StoreError> {
        let n: i64 = on_reader!(self, p => sqlx::query("SELECT COUNT(*) AS n FROM tokens")
            .fetch_one(p)
            .await?
            .try_get("n")?);
        Ok(n)
    }

    /// Stores the hash of a token for a workspace.
    pub(crate) async fn insert_token(
        &self,
        hash: &str,
        workspace: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(WriteOp::Token {
            hash: hash.to_owned(),
            workspace: workspace.to_owned(),
            now,
        })
        .await
        .map(|_| ())
    }

    /// Deletes the token with this hash; whether there was one.
    pub(crate) async fn delete_token(&self, hash: &str) -> Result<bool, StoreError> {
        match self
            .write(WriteOp::RevokeToken {
                hash: hash.to_owned(),
            })
            .await?
        {
            WriteResult::Revoked(deleted) => Ok(deleted),
            other => Err(unexpected(&other)),
        }
    }

    /// The stored tokens whose hash starts with `prefix` (lowercase hex), in
    /// `workspace` when given, oldest first: (hash, workspace, created_at).
    pub(crate) async fn tokens(
        &self,
        prefix: &str,
        workspace: Option<&str>,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        // `substr` rather than LIKE: the prefix is plain text on both databases.
        const SQL: &str = "SELECT hash, workspace, created_at FROM tokens \
            WHERE substr(hash, 1, $1) = $2 AND (CAST($3 AS TEXT) IS NULL OR workspace = $3) \
            ORDER BY created_at, hash";
        let length = i32::try_from(prefix.len()).unwrap_or(i32::MAX);
        let rows = on_reader!(self, p => {
            let mut out = Vec::new();
            for r in sqlx::query(SQL)
                .bind(length)
                .bind(prefix)
                .bind(workspace)
                .fetch_all(p)
                .await?
            {
                out.push((r.try_get("hash")?, r.try_get("workspace")?, r.try_get("created_at")?));
            }
            out
        });
        Ok(rows)
    }

    /// The workspace of a token hash.
    pub(crate) async fn token_workspace(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let row = on_reader!(self, p => match sqlx::query("SELECT workspace FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(p)
            .await? {
            Some(r) => Some(r.try_get::<String, _>("workspace")?),
            None => None,
        });
        Ok(row)
    }

    /// Inserts a handoff, with its idempotency record when the pass had a key.
    /// The record goes in first, in the same transaction: of two passes with one
    /// key, the second finds the first's record and stores nothing.
    pub(crate) async fn insert_handoff(
        &self,
        h: NewHandoff,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<Inserted, StoreError> {
        match self.write(WriteOp::Insert(h, idempotency)).await? {
            WriteResult::Inserted(i) => Ok(i),
            other => Err(unexpected(&other)),
        }
    }

    /// A workspace's handoff.
    pub(crate) async fn get(
        &self,
        workspace: &str,
        id: &str,
    ) -> Result<Option<HandoffRow>, StoreError> {
        let row = on_reader!(self, p => match sqlx::query(&GET_SQL)
            .bind(id)
            .bind(workspace)
            .fetch_optional(p)
            .await? {
            Some(r) => Some(handoff_row!(r)),
            None => None,
        });
        Ok(row)
    }

    /// Claims a handoff (one conditional UPDATE); `None` when it was not claimable.
    pub(crate) async fn claim(
        &self,
        workspace: &str,
        id: &str,
        now: i64,
        lease_hash: String,
    ) -> Result<Option<HandoffRow>, StoreError> {
        let op = WriteOp::Claim {
            workspace: workspace.to_owned(),
            id: id.to_owned(),
            now,
            lease_hash,
        };
        match self.write(op).await? {
            WriteResult::Claimed(row) => Ok(row.map(|r| *r)),
            other => Err(unexpected(&other)),
        }
    }

    /// Marks a caught handoff done without reading it (a done without a
    /// patch; see [`FINISH_SQL`]).
    pub(crate) async fn finish(
        &self,
        workspace: &str,
        id: &str,
        lease_hash: Option<String>,
        completion: Completion,
    ) -> Result<Finished, StoreError> {
        let op = WriteOp::Finish {
            workspace: workspace.to_owned(),
            id: id.to_owned(),
            lease_hash,
            completion,
        };
        match self.write(op).await? {
            WriteResult::Finished(finished) => Ok(finished),
            other => Err(unexpected(&other)),
        }
    }

    /// Marks a handoff done if it has not changed since `version` was read.
    /// Returns whether it did.
    pub(crate) async fn complete(
        &self,
        workspace: &str,
        id: &str,
        version: i64,
        completion: Completion,
    ) -> Result<bool, StoreError> {
        let op = WriteOp::Complete {
            workspace: workspace.to_owned(),
            id: id.to_owned(),
            version,
            completion,
        };
        match self.write(op).await? {
            WriteResult::Completed(done) => Ok(done),
            other => Err(unexpected(&other)),
        }
    }

    /// A page of a workspace's handoffs, oldest first; one more row than
    /// `limit` when there is a next page.
    pub(crate) async fn list(
        &self,
        workspace: &str,
        now: i64,
        q: &ListQuery,
    ) -> Result<Vec<HandoffRow>, StoreError> {
        let mut args = vec![Arg::Text(workspace.to_owned())];
        let mut sql = format!("SELECT {COLUMNS} FROM handoffs WHERE workspace = $1");
        if let Some(to) = &q.to {
            args.push(Arg::Text(to.clone()));
            sql.push_str(&format!(" AND to_name = ${}", args.len()));
        }
        if let Some(status) = q.status {
            args.push(Arg::Int(now));
            let now = format!("${}", args.len());
            sql.push_str(&format!(" AND {}", status_condition(status, &now)));
        }
        if let Some((created_at, id)) = &q.after {
            args.push(Arg::Int(*created_at));
            let c = args.len();
            args.push(Arg::Text(id.clone()));
            let i = args.len();
            sql.push_str(&format!(
                " AND (created_at > ${c} OR (created_at = ${c} AND id > ${i}))"
            ));
        }
        args.push(Arg::Int(q.limit + 1));
        sql.push_str(&format!(" ORDER BY created_at, id LIMIT ${}", args.len()));
        let rows = on_reader!(self, p => {
            let mut query = sqlx::query(&sql);
            for arg in args {
                query = match arg {
                    Arg::Text(s) => query.bind(s),
                    Arg::Int(n) => query.bind(n),
                };
            }
            let mut out = Vec::new();
            for r in query.fetch_all(p).await? {
                out.push(handoff_row!(r));
            }
            out
        });
        Ok(rows)
    }

    /// Deletes the handoffs that completed, or expired without a live lease,
    /// at or before `cutoff`, and their idempotency keys. Returns how many.
    pub(crate) async fn sweep(&self, cutoff: i64) -> Result<u64, StoreError> {
        match self.write(WriteOp::Sweep { cutoff }).await? {
            WriteResult::Swept(n) => Ok(n),
            other => Err(unexpected(&other)),
        }
    }
}

/// A result that does not belong to its op: a bug, answered as a storage failure.
fn unexpected(result: &WriteResult) -> StoreError {
    StoreError::Batch(format!("unexpected write result {result:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(lease_end: Option<i64>, completed: Option<i64>) -> HandoffRow {
        HandoffRow {
            id: "x".into(),
            task: "t".into(),
            to_name: None,
            output: "null".into(),
            context: "null".into(),
            constraints: "null".into(),
            baton: None,
            created_at: 0,
            expires_at: 100,
            lease_ms: 10,
            attempts: i64::from(lease_end.is_some()),
            caught_at: lease_end.map(|e| e - 10),
            lease_expires_at: lease_end,
            lease_hash: None,
            completed_at: completed,
            done_hash: None,
            result_output: None,
            result_baton: None,
            version: 0,
        }
    }

    #[test]
    fn the_derived_status_follows_leases_and_expiry() {
        assert_eq!(row(None, None).status(0), HandoffStatus::Pending);
        assert_eq!(row(None, None).status(100), HandoffStatus::Expired);
        assert_eq!(row(Some(50), None).status(49), HandoffStatus::Caught);
        assert_eq!(row(Some(50), None).status(50), HandoffStatus::Pending);
        // A live lease outlives the TTL; once it ends the handoff is expired.
        assert_eq!(row(Some(105), None).status(101), HandoffStatus::Caught);
        assert_eq!(row(Some(105), None).status(105), HandoffStatus::Expired);
        assert_eq!(row(Some(50), Some(60)).status(1_000), HandoffStatus::Done);
    }

    #[test]
    fn only_postgres_urls_are_accepted() {
        let dir = PathBuf::from("d");
        assert_eq!(
            Database::choose(None, dir.clone()).unwrap(),
            Database::Sqlite(dir.clone())
        );
        assert!(matches!(
            Database::choose(Some("postgresql://h/db".into()), dir.clone()),
            Ok(Database::Postgres(_))
        ));
        let err = Database::choose(Some("mysql://u:secret@h/db".into()), dir).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
