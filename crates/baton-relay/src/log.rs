//! The request log: one stderr line per request, written by a thread of its
//! own so that a request pays for formatting a line and a channel send, not
//! for a write to stderr. The thread writes whatever lines are waiting in one
//! go and flushes whenever it has caught up, so an idle relay's log is always
//! complete. If stderr cannot keep up (more than [`BACKLOG`] lines behind),
//! lines are dropped and counted rather than slowing requests down.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

/// How many lines may wait for the writer thread.
const BACKLOG: usize = 65_536;

enum Entry {
    Line(String),
    Flush(mpsc::Sender<()>),
}

/// A handle to the log thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct RequestLog {
    lines: SyncSender<Entry>,
    dropped: Arc<AtomicU64>,
}

impl RequestLog {
    /// Starts the writer thread; `None` if the thread cannot be started (then
    /// nothing is logged).
    pub(crate) fn start() -> Option<RequestLog> {
        let (lines, entries) = mpsc::sync_channel(BACKLOG);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        std::thread::Builder::new()
            .name("baton-log".into())
            .spawn(move || write_lines(&entries, &counter))
            .ok()?;
        Some(RequestLog { lines, dropped })
    }

    /// Queues one line (without its newline).
    pub(crate) fn line(&self, line: String) {
        match self.lines.try_send(Entry::Line(line)) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits (at most a second) until every line queued so far is written.
    pub(crate) fn flush(&self) {
        let (done, written) = mpsc::channel();
        if self.lines.send(Entry::Flush(done)).is_ok() {
            let _ = written.recv_timeout(Duration::from_secs(1));
        }
    }
}

fn write_lines(entries: &Receiver<Entry>, dropped: &AtomicU64) {
    let stderr = std::io::stderr();
    while let Ok(first) = entries.recv() {
        let mut out = stderr.lock();
        let mut waiting = Vec::new();
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Line(line) => {
                    let _ = writeln!(out, "{line}");
                }
                Entry::Flush(done) => waiting.push(done),
            }
            next = entries.try_recv().ok();
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            let _ = writeln!(
                out,
                "baton: {lost} request log lines dropped (stderr was too slow)"
            );
        }
        let _ = out.flush();
        drop(out);
        for done in waiting {
            let _ = done.send(());
        }
    }
}
