//! SQLite: one file in the data directory, WAL journal, `synchronous=FULL`,
//! and group commit.
//!
//! A commit with `synchronous=FULL` waits for an fsync of the WAL, which costs
//! milliseconds on most disks; one commit per request would cap the relay at a
//! few hundred writes a second. So every write goes to one writer thread that
//! owns the only writing connection: it takes all the writes waiting, runs
//! them in one `BEGIN IMMEDIATE` transaction in arrival order (each one's
//! conditions see the writes before it), commits once, and only then answers
//! each of them. Reads run beside it on a pool (WAL readers never wait for the
//! writer).
//!
//! The writer is a plain thread calling SQLite directly (rusqlite, the same
//! libsqlite3 as sqlx's): a batch of 50 writes is 50 statement executions,
//! not 100 wake-ups of async tasks on a busy runtime.
//!
//! No statement fails because of the data it meets (conflicts are conditions
//! or `ON CONFLICT DO NOTHING`), so a statement error means the database
//! failed. Then the batch is rolled back and each write runs again in a
//! transaction of its own, so that only the writes that really fail answer
//! with an error.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Connection, OpenFlags};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::ConnectOptions as _;
use tokio::sync::{mpsc, oneshot};

use super::{
    Finished, HandoffRow, Inserted, StoreError, WriteOp, WriteResult, CLAIM_SQL, COMPLETE_SQL,
    DELETE_TOKEN_SQL, FINISH_SQL, INSERT_HANDOFF_SQL, INSERT_KEY_SQL, INSERT_TOKEN_SQL,
    SELECT_KEY_SQL, SWEEP_HANDOFFS_SQL, SWEEP_KEYS_SQL,
};

/// The database file's name inside the data directory.
pub const FILE_NAME: &str = "baton.sqlite3";

/// The most writes committed together.
const MAX_BATCH: usize = 512;

/// How many writes may wait for the writer before senders wait too.
const QUEUE: usize = 4096;

/// How long a connection waits for another process's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating when missing) `<dir>/baton.sqlite3`: the pool of readers,
/// and a connection to run the migrations on before [`Writer::start`].
///
/// WAL lets readers run beside the writer; `synchronous=FULL` (set by the
/// writer) syncs the WAL at every commit, so a 200/201 is sent only after the
/// write survives power loss, not just a crash.
pub(crate) async fn connect(dir: &Path) -> Result<(SqlitePool, SqliteConnection), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::DataDir(dir.display().to_string(), e))?;
    let options = SqliteConnectOptions::new()
        .filename(dir.join(FILE_NAME))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT);
    let setup = options.connect().await?;
    let readers = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await?;
    Ok((readers, setup))
}

type Reply = oneshot::Sender<Result<WriteResult, StoreError>>;

#[derive(Debug)]
enum Message {
    Write(Box<WriteOp>, Reply),
    Close(oneshot::Sender<()>),
}

/// The handle of the writer thread; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Message>,
}

impl Writer {
    /// Opens the writing connection and starts the writer thread.
    pub(crate) fn start(dir: &Path) -> Result<Writer, StoreError> {
        let connection = Connection::open_with_flags(
            dir.join(FILE_NAME),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
        connection.set_prepared_statement_cache_capacity(32);
        let (queue, messages) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("baton-sqlite-writer".into())
            .spawn(move || run(connection, messages))
            .map_err(StoreError::Thread)?;
        Ok(Writer { queue })
    }

    /// Runs `op` in the next batch; answers once the batch is committed.
    pub(crate) async fn submit(&self, op: WriteOp) -> Result<WriteResult, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Message::Write(Box::new(op), reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets the writes already queued finish, then closes the connection;
    /// later writes fail with [`StoreError::Closed`].
    pub(crate) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Message::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }
}

fn run(connection: Connection, mut messages: mpsc::Receiver<Message>) {
    let mut batch: Vec<(Box<WriteOp>, Reply)> = Vec::new();
    let mut closing = None;
    while closing.is_none() {
        let Some(first) = messages.blocking_recv() else {
            break;
        };
        match first {
            Message::Write(op, reply) => batch.push((op, reply)),
            Message::Close(done) => closing = Some(done),
        }
        while closing.is_none() && batch.len() < MAX_BATCH {
            match messages.try_recv() {
                Ok(Message::Write(op, reply)) => batch.push((op, reply)),
                Ok(Message::Close(done)) => closing = Some(done),
                Err(_) => break,
            }
        }
        commit(&connection, &mut batch);
    }
    messages.close();
    while let Some(message) = messages.blocking_recv() {
        match message {
            Message::Write(_, reply) => {
                let _ = reply.send(Err(StoreError::Closed));
            }
            Message::Close(done) => {
                let _ = done.send(());
            }
        }
    }
    let _ = connection.close();
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

/// Why a batch did not commit.
enum Failed {
    /// `BEGIN` failed (e.g. another process held the lock for 10 s): nothing ran.
    Begin(rusqlite::Error),
    /// A statement or the commit failed: the batch is rolled back.
    Statement,
}

/// Commits `batch` (emptying it) and answers every write in it.
fn commit(connection: &Connection, batch: &mut Vec<(Box<WriteOp>, Reply)>) {
    if batch.len() == 1 {
        // Alone: no need for a batch transaction around it.
        if let Some((op, reply)) = batch.pop() {
            let _ = reply.send(alone(connection, &op));
        }
        return;
    }
    match run_batch(connection, batch) {
        Ok(results) => {
            for ((_, reply), result) in batch.drain(..).zip(results) {
                let _ = reply.send(Ok(result));
            }
        }
        Err(Failed::Begin(e)) => {
            eprintln!("baton: storage error: {e}");
            let message = e.to_string();
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(StoreError::Batch(message.clone())));
            }
        }
        Err(Failed::Statement) => {
            let _ = execute(connection, "ROLLBACK", &[]);
            for (op, reply) in batch.drain(..) {
                let _ = reply.send(alone(connection, &op));
            }
        }
    }
}

fn run_batch(
    connection: &Connection,
    batch: &[(Box<WriteOp>, Reply)],
) -> Result<Vec<WriteResult>, Failed> {
    execute(connection, "BEGIN IMMEDIATE", &[]).map_err(Failed::Begin)?;
    let mut results = Vec::with_capacity(batch.len());
    for (op, _) in batch {
        match apply(connection, op) {
            Ok(result) => results.push(result),
            Err(_) => return Err(Failed::Statement),
        }
    }
    execute(connection, "COMMIT", &[]).map_err(|_| Failed::Statement)?;
    Ok(results)
}

/// One write in a transaction of its own (a single statement commits by itself).
fn alone(connection: &Connection, op: &WriteOp) -> Result<WriteResult, StoreError> {
    if !op.is_compound() {
        return Ok(apply(connection, op)?);
    }
    execute(connection, "BEGIN IMMEDIATE", &[])?;
    let result = apply(connection, op).and_then(|r| execute(connection, "COMMIT", &[]).map(|_| r));
    if result.is_err() {
        let _ = execute(connection, "ROLLBACK", &[]);
    }
    Ok(result?)
}

/// The names of positional parameters: the SQL text is shared with
/// PostgreSQL, whose placeholders are `$1`, `$2`, ...
const PARAMETERS: [&str; 12] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12",
];

/// A cached statement with `args` bound to `$1`, `$2`, ... by name (a name
/// may appear several times, or first after a later one).
fn prepare<'c>(
    connection: &'c Connection,
    sql: &str,
    args: &[&dyn ToSql],
) -> rusqlite::Result<CachedStatement<'c>> {
    let mut statement = connection.prepare_cached(sql)?;
    for (name, arg) in PARAMETERS.iter().zip(args) {
        if let Some(index) = statement.parameter_index(name)? {
            statement.raw_bind_parameter(index, arg)?;
        }
    }
    Ok(statement)
}

/// Runs a statement that returns no rows; how many rows it changed.
fn execute(connection: &Connection, sql: &str, args: &[&dyn ToSql]) -> rusqlite::Result<usize> {
    prepare(connection, sql, args)?.raw_execute()
}

/// A handoff from a row of `SELECT {COLUMNS}` (or `RETURNING {COLUMNS}`).
fn handoff(r: &rusqlite::Row<'_>) -> rusqlite::Result<HandoffRow> {
    Ok(HandoffRow {
        id: r.get(0)?,
        task: r.get(1)?,
        to_name: r.get(2)?,
        output: r.get(3)?,
        context: r.get(4)?,
        constraints: r.get(5)?,
        baton: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        lease_ms: r.get(9)?,
        attempts: r.get(10)?,
        caught_at: r.get(11)?,
        lease_expires_at: r.get(12)?,
        lease_hash: r.get(13)?,
        completed_at: r.get(14)?,
        done_hash: r.get(15)?,
        result_output: r.get(16)?,
        result_baton: r.get(17)?,
        version: r.get(18)?,
    })
}

/// Runs a [`WriteOp`]'s statements (inside whatever transaction is open): the
/// same statements as `apply_postgres`.
fn apply(c: &Connection, op: &WriteOp) -> rusqlite::Result<WriteResult> {
    match op {
        WriteOp::Insert(h, idempotency) => {
            if let Some(rec) = idempotency {
                let inserted = execute(
                    c,
                    INSERT_KEY_SQL,
                    &[
                        &h.workspace,
                        &rec.key,
                        &rec.request_hash,
                        &h.id,
                        &rec.response,
                    ],
                )?;
                if inserted == 0 {
                    let mut statement = prepare(c, SELECT_KEY_SQL, &[&h.workspace, &rec.key])?;
                    let mut rows = statement.raw_query();
                    let row = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                    return Ok(WriteResult::Inserted(Inserted::Existing {
                        request_hash: row.get(0)?,
                        response: row.get(1)?,
                        handoff_id: row.get(2)?,
                    }));
                }
            }
            execute(
                c,
                INSERT_HANDOFF_SQL,
                &[
                    &h.id,
                    &h.workspace,
                    &h.task,
                    &h.to_name,
                    &h.output,
                    &h.context,
                    &h.constraints,
                    &h.baton,
                    &h.created_at,
                    &h.expires_at,
                    &h.lease_ms,
                ],
            )?;
            Ok(WriteResult::Inserted(Inserted::Created))
        }
        WriteOp::Claim {
            workspace,
            id,
            now,
            lease_hash,
        } => {
            let mut statement = prepare(c, &CLAIM_SQL, &[id, workspace, now, lease_hash])?;
            let mut rows = statement.raw_query();
            let row = match rows.next()? {
                Some(r) => Some(Box::new(handoff(r)?)),
                None => None,
            };
            Ok(WriteResult::Claimed(row))
        }
        WriteOp::Finish {
            workspace,
            id,
            lease_hash,
            completion: x,
        } => {
            let args: [&dyn ToSql; 6] = [
                id,
                workspace,
                &x.completed_at,
                &x.done_hash,
                &x.output,
                lease_hash,
            ];
            let mut statement = prepare(c, FINISH_SQL, &args)?;
            let mut rows = statement.raw_query();
            Ok(WriteResult::Finished(match rows.next()? {
                Some(row) => Finished::Done(row.get(0)?),
                None => Finished::NotNow,
            }))
        }
        WriteOp::Complete {
            workspace,
            id,
            version,
            completion: x,
        } => {
            let n = execute(
                c,
                COMPLETE_SQL,
                &[
                    id,
                    workspace,
                    version,
                    &x.completed_at,
                    &x.done_hash,
                    &x.output,
                    &x.baton,
                ],
            )?;
            Ok(WriteResult::Completed(n == 1))
        }
        WriteOp::Token {
            hash,
            workspace,
            now,
        } => {
            execute(c, INSERT_TOKEN_SQL, &[hash, workspace, now])?;
            Ok(WriteResult::Token)
        }
        WriteOp::RevokeToken { hash } => {
            let n = execute(c, DELETE_TOKEN_SQL, &[hash])?;
            Ok(WriteResult::Revoked(n > 0))
        }
        WriteOp::Sweep { cutoff } => {
            execute(c, &SWEEP_KEYS_SQL, &[cutoff])?;
            let n = execute(c, &SWEEP_HANDOFFS_SQL, &[cutoff])?;
            Ok(WriteResult::Swept(u64::try_from(n).unwrap_or(u64::MAX)))
        }
    }
}
