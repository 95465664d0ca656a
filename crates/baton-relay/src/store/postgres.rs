//! PostgreSQL: shared by any number of relay processes.
//!
//! Writes run on connections of their own, each held for good by one task
//! that takes writes from a queue shared by all of them. A connection from
//! sqlx's pool would cost two more round trips per write (sqlx 0.8 pings a
//! connection whenever it comes back, and by default when it is handed out), and
//! on two cores shared with PostgreSQL's backends those round trips, not the
//! disk, are the limit (benchmarks/README.md). Reads use a small pool.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _};
use tokio::sync::oneshot;

use super::{apply_postgres, StoreError, WriteOp, WriteResult};

/// The most connections one relay process opens unless told otherwise: several
/// relays must fit in PostgreSQL's default `max_connections` (100).
pub const DEFAULT_CONNECTIONS: u32 = 16;

/// How many writes may wait for a connection before senders wait too.
const QUEUE: usize = 4096;

/// How long a write may wait for a writer, or a writer for a new connection,
/// before the write fails with 503 (not made): a stalled database does not
/// make requests hang.
const WAIT: Duration = Duration::from_secs(5);

/// A connection idle longer than this is pinged before it is used, so that
/// one dropped while the relay was quiet (a PostgreSQL restart, say) is
/// replaced instead of failing a request. Under load no connection is idle
/// that long, and no write waits for a ping.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The connections `connections` splits into: a quarter (at least one) for
/// the pool of readers, the rest (at least one) for the writers.
fn split(connections: u32) -> (u32, u32) {
    let readers = (connections / 4).max(1);
    (readers, connections.saturating_sub(readers).max(1))
}

/// Connects to a `postgres://` or `postgresql://` URL: the readers' pool and
/// the writers, `connections` connections in all (at least two).
///
/// No TLS support is compiled in (`sslmode=prefer`, the default, falls back to
/// plain TCP; `sslmode=require` fails): run the relay next to its database or
/// behind a tunnel. A read that waits more than 5 s for a connection, or a
/// write for a writer, fails with 503 rather than hanging.
///
/// Every write is its own commit on one of the writers' connections;
/// PostgreSQL flushes the WAL of concurrent commits together, so several
/// in flight share one fsync.
pub(crate) async fn connect(url: &str, connections: u32) -> Result<(PgPool, Writers), StoreError> {
    let options: PgConnectOptions = url.parse()?;
    let (readers, writers) = split(connections);
    let pool = PgPoolOptions::new()
        .max_connections(readers)
        .acquire_timeout(WAIT)
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options.clone())
        .await?;
    let writers = Writers::start(&options, writers).await?;
    Ok((pool, writers))
}

type Reply = oneshot::Sender<Result<WriteResult, StoreError>>;

#[derive(Debug)]
enum Message {
    /// A write, its reply, and when it was queued.
    Write(Box<WriteOp>, Reply, Instant),
    /// Ends the one writer that takes it.
    Close(oneshot::Sender<()>),
}

/// The handle of the writer tasks; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Writers {
    queue: flume::Sender<Message>,
}

impl Writers {
    /// Opens `count` connections and starts a writer task on each.
    async fn start(options: &PgConnectOptions, count: u32) -> Result<Writers, StoreError> {
        let (queue, messages) = flume::bounded(QUEUE);
        for _ in 0..count {
            let connection = options.connect().await?;
            tokio::spawn(work(options.clone(), connection, messages.clone()));
        }
        Ok(Writers { queue })
    }

    /// Runs `op` on the next free writer (in a transaction when it is more
    /// than one statement); answers once it is committed.
    pub(crate) async fn submit(&self, op: WriteOp) -> Result<WriteResult, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send_async(Message::Write(Box::new(op), reply, Instant::now()))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets the writes already queued finish, then closes the connections;
    /// later writes fail with [`StoreError::Closed`] (once every writer has
    /// ended, the queue has no receiver).
    pub(crate) async fn close(&self) {
        let mut ended = Vec::new();
        // One `Close` per writer still running: a writer that ended early
        // (its task panicked) dropped its receiver, and a `Close` meant for
        // it would never be taken.
        for _ in 0..self.queue.receiver_count() {
            let (done, end) = oneshot::channel();
            if self.queue.send_async(Message::Close(done)).await.is_err() {
                break;
            }
            ended.push(end);
        }
        for end in ended {
            let _ = end.await;
        }
    }
}

/// One writer: runs the queue's writes on its connection until it takes a
/// `Close`. No statement fails because of the data it meets, so a failed
/// write means a failed connection or database: the connection is dropped
/// and the next write opens a new one.
async fn work(
    options: PgConnectOptions,
    connection: PgConnection,
    messages: flume::Receiver<Message>,
) {
    let mut connection = Some(connection);
    let mut used = Instant::now();
    while let Ok(message) = messages.recv_async().await {
        match message {
            Message::Write(op, reply, queued) => {
                if reply.is_closed() {
                    // The request is gone (its client hung up): nobody waits for it.
                    continue;
                }
                if queued.elapsed() > WAIT {
                    let _ = reply.send(Err(StoreError::Busy));
                    continue;
                }
                if used.elapsed() > PING_AFTER_IDLE {
                    if let Some(c) = &mut connection {
                        if c.ping().await.is_err() {
                            connection = None;
                        }
                    }
                }
                let result = write(&options, &mut connection, &op).await;
                if result.is_err() {
                    connection = None;
                }
                used = Instant::now();
                let _ = reply.send(result);
            }
            Message::Close(done) => {
                if let Some(c) = connection.take() {
                    let _ = c.close().await;
                }
                let _ = done.send(());
                return;
            }
        }
    }
}

async fn write(
    options: &PgConnectOptions,
    connection: &mut Option<PgConnection>,
    op: &WriteOp,
) -> Result<WriteResult, StoreError> {
    let c = match connection {
        Some(c) => c,
        None => {
            let fresh = tokio::time::timeout(WAIT, options.connect())
                .await
                .map_err(|_| StoreError::Busy)??;
            connection.insert(fresh)
        }
    };
    if op.is_compound() {
        let mut tx = c.begin().await?;
        let result = apply_postgres(&mut tx, op).await?;
        tx.commit().await?;
        Ok(result)
    } else {
        Ok(apply_postgres(c, op).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn the_connections_split_between_readers_and_writers() {
        assert_eq!(split(16), (4, 12));
        assert_eq!(split(4), (1, 3));
        assert_eq!(split(2), (1, 1));
        // One connection cannot be split: one each.
        assert_eq!(split(1), (1, 1));
    }
}
