//! Shutdown without dropping requests that already reached the process.
//!
//! poem's graceful shutdown drops the listener at once (connections still in the kernel's
//! accept queue are reset) and asks every connection to shut down at the same moment, which
//! closes a connection whose request bytes have arrived but were not parsed yet (hyper treats
//! it as idle). Under load that failed about 1 % of the requests in flight at SIGTERM
//! (`.ci/sigterm-load.sh`).
//!
//! [`DrainingAcceptor`] wraps the web listener: once `stop` is set it accepts what is already
//! queued, then closes the listener (new connections are refused: a proxy retries those).
//! [`Active`] counts open connections, so the server is told to shut down only when the
//! listener is closed and they have all finished, or after a bound (idle keep-alive
//! connections never finish on their own; hyper closes those when the server shuts down).
//! Connections that reach the queue in the few milliseconds between the signal and the close
//! are accepted when the queue drains in time, reset otherwise.

use std::io::Result as IoResult;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, watch};

/// After the stop, queued connections are accepted until none comes for this long (the
/// reactor has long seen those queued before the signal)...
const QUEUE_QUIET: Duration = Duration::from_millis(2);
/// ...or for at most this long (a bound under constant load); then the listener closes.
const QUEUE_MAX: Duration = Duration::from_millis(50);

/// The open connections of a [`DrainingAcceptor`], and whether its listener is closed.
#[derive(Debug, Clone, Default)]
pub struct Active {
    count: Arc<AtomicUsize>,
    closed: Arc<AtomicBool>,
    changed: Arc<Notify>,
}

impl Active {
    pub fn get(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits until the listener is closed and no connection is open, or `bound` has passed;
    /// returns the connections still open.
    pub async fn wait_idle(&self, bound: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.closed.load(Ordering::SeqCst) && self.get() == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.get();
            }
        }
    }

    fn open(&self) -> ConnectionGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        ConnectionGuard(self.clone())
    }
}

#[derive(Debug)]
struct ConnectionGuard(Active);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// A connection counted by [`Active`] until it is dropped.
pub struct Counted<T> {
    inner: T,
    _guard: ConnectionGuard,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<IoResult<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// See the module documentation.
pub struct DrainingAcceptor<A> {
    inner: Option<A>,
    addrs: Vec<LocalAddr>,
    stop: watch::Receiver<bool>,
    active: Active,
    drain_started: Option<tokio::time::Instant>,
}

impl<A: Acceptor> DrainingAcceptor<A> {
    pub fn new(inner: A, stop: watch::Receiver<bool>, active: Active) -> Self {
        let addrs = inner.local_addr();
        Self {
            inner: Some(inner),
            addrs,
            stop,
            active,
            drain_started: None,
        }
    }
}

impl<A: Acceptor> Acceptor for DrainingAcceptor<A> {
    type Io = Counted<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.addrs.clone()
    }

    async fn accept(&mut self) -> IoResult<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            let Some(inner) = self.inner.as_mut() else {
                // Closed: the server stops on its own signal.
                return std::future::pending().await;
            };
            let accepted = if *self.stop.borrow() {
                let started = *self
                    .drain_started
                    .get_or_insert_with(tokio::time::Instant::now);
                if started.elapsed() >= QUEUE_MAX {
                    None
                } else {
                    tokio::time::timeout(QUEUE_QUIET, inner.accept()).await.ok()
                }
            } else {
                tokio::select! {
                    r = inner.accept() => Some(r),
                    _ = self.stop.wait_for(|s| *s) => continue,
                }
            };
            match accepted {
                Some(r) => {
                    let (io, local, remote, scheme) = r?;
                    let counted = Counted {
                        inner: io,
                        _guard: self.active.open(),
                    };
                    return Ok((counted, local, remote, scheme));
                }
                None => {
                    // The queue is empty (or the bound passed): close the listener.
                    self.inner = None;
                    self.active.closed.store(true, Ordering::SeqCst);
                    self.active.changed.notify_waiters();
                    tracing::info!(
                        open_connections = self.active.get(),
                        "listener closed; finishing the connections already accepted"
                    );
                }
            }
        }
    }
}
