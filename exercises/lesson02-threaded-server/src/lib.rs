//! Lesson 02: a TCP server: bind, listen, accept in a loop, and a thread
//! per client.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson02` (or `cargo checker 2`) to see which steps pass;
//! read `docs/src/02-threaded-server.md` alongside.
//!
//! The classic tutorials write two servers: a time server that sends
//! `str(datetime.now())` to each client and hangs up, and a greeting server
//! that says `Hello, I am server!`, answers every name with `Hello, NAME!`
//! and ends a conversation on `exit`, serving each client on its own thread.
//! This lesson builds both with [`std::net::TcpListener`], and does it
//! correctly where the tutorials cut corners:
//!
//! - the socket calls come in their order: create, `SO_REUSEADDR`, bind,
//!   listen with a backlog ([`bind`]); a port in use is an error returned to
//!   the caller, not a crash;
//! - the accept loop can be stopped: [`ShutdownHandle::shutdown`] makes
//!   [`accept_loop`] return within a poll interval, while clients already
//!   connected finish their conversation;
//! - TCP carries bytes, not lines: [`read_line`] collects a line however the
//!   bytes were split, accepts `\r\n`, and refuses a line longer than
//!   [`MAX_LINE`] instead of buffering without end;
//! - one thread per client serves many at once, and a bounded pool
//!   ([`Concurrency::Pool`]) keeps a flood of clients from starting a flood
//!   of threads: the client beyond capacity hears [`BUSY`] and is closed.
//!
//! The pieces build on each other: [`format_time`], [`reply`], [`read_line`],
//! [`bind`], [`accept_loop`], then [`serve_time`], [`handle_client`] and
//! [`serve_greetings`]. The constants and types below are complete: use them.

use std::fmt;
use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;

/// What the greeting server says to every client that connects.
pub const GREETING: &str = "Hello, I am server!\n";

/// What a pool server says to a client it has no room for, before closing.
pub const BUSY: &str = "Sorry, the server is busy. Try again later.\n";

/// The most bytes a line may hold before its `\n` (a `\r` counts). A client
/// that sends more without a newline is dropped: the server never buffers
/// more than this for one line.
pub const MAX_LINE: usize = 64 * 1024;

/// How often a waiting accept loop looks at its [`ShutdownHandle`].
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long a client may stay silent before the server hangs up on it: a
/// client that connects and says nothing must not hold a thread for ever.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long one write to a client may block (a client that stops reading).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Tells a running server to stop accepting. Clones share one flag, so the
/// server keeps one and whoever stops it keeps another.
#[derive(Debug, Clone, Default)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
}

impl ShutdownHandle {
    /// A handle that has not been shut down.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every accept loop watching this handle to stop accepting.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// True once [`shutdown`](Self::shutdown) has been called on any clone.
    pub fn is_shutdown(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// How [`serve_greetings`] shares its time between clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// One client at a time, on the accepting thread: the next client waits
    /// in the listen backlog until the current one leaves.
    Serial,
    /// A new thread for every client: all are served at once.
    ThreadPerClient,
    /// `workers` threads serve clients; up to `queue` more accepted clients
    /// wait (in arrival order) for a free worker, and any client beyond
    /// that is sent [`BUSY`] and closed.
    Pool {
        /// Threads that serve clients.
        workers: usize,
        /// Accepted clients that may wait for a worker.
        queue: usize,
    },
}

/// What the greeting server does with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Send this text to the client.
    Send(String),
    /// The client said `exit`: close the connection.
    Close,
}

/// Why a line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// More than `limit` bytes arrived without a `\n`.
    TooLong {
        /// The limit that was passed.
        limit: usize,
    },
    /// The peer closed in the middle of a line (bytes without their `\n`).
    Truncated {
        /// How many bytes of the unfinished line arrived.
        got: usize,
    },
    /// Reading or writing the socket failed (a reset, a timeout).
    Io(io::Error),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { limit } => {
                write!(f, "a line passed {limit} bytes without a newline")
            }
            LineError::Truncated { got } => {
                write!(
                    f,
                    "the connection closed after {got} bytes of an unfinished line"
                )
            }
            LineError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for LineError {}

impl From<io::Error> for LineError {
    fn from(e: io::Error) -> Self {
        LineError::Io(e)
    }
}

/// Step 1. A date and time as Python's `str(datetime)` writes it:
///
/// ```text
/// 2026-11-21 10:15:42.123456     microseconds not 0: six digits after a dot
/// 2026-11-21 10:15:42            microseconds 0: no dot, no digits
/// ```
///
/// A Python `datetime` holds whole microseconds: nanoseconds below a
/// microsecond are cut (`t.nanosecond() / 1000` are the microseconds).
/// chrono's `format` knows `%Y-%m-%d %H:%M:%S` and `%.6f` (a dot and six
/// digits).
pub fn format_time(t: NaiveDateTime) -> String {
    let _ = t;
    todo!("format as %Y-%m-%d %H:%M:%S, adding %.6f only when the microseconds are not 0")
}

/// Step 8. The local date and time now, as Python's `str(datetime.now())`:
/// [`format_time`] of `chrono::Local::now().naive_local()`.
pub fn now_text() -> String {
    todo!("format_time of the local time now")
}

/// Step 2. The greeting server's answer to one line (given without its line
/// ending):
///
/// - exactly `exit` (no trimming, no other case): [`Reply::Close`];
/// - anything else `X`: [`Reply::Send`] of `Hello, X!\n`. Bytes that are not
///   UTF-8 become U+FFFD (`String::from_utf8_lossy`; Python:
///   `decode('utf-8', 'replace')`).
pub fn reply(line: &[u8]) -> Reply {
    let _ = line;
    todo!("Close for exactly b\"exit\", else Send(\"Hello, X!\\n\")")
}

/// Steps 3 and 14. Reads one line from `reader`: the bytes before the next
/// `\n`, without the `\n` and without a `\r` just before it.
///
/// - `Ok(Some(line))`: a whole line, however its bytes were split on the way;
/// - `Ok(None)`: a clean end: EOF before the first byte of a line;
/// - `Err(LineError::TooLong { limit: max })`: more than `max` bytes without
///   a `\n`. Read at most `max + 1` bytes to find out (`Read::take`), so a
///   client cannot make the server buffer without end;
/// - `Err(LineError::Truncated { got })`: EOF after `got` bytes of a line;
/// - `Err(LineError::Io(e))`: the read failed.
pub fn read_line<R: BufRead>(reader: &mut R, max: usize) -> Result<Option<Vec<u8>>, LineError> {
    let _ = (reader, max);
    todo!("read_until b'\\n' through take(max + 1), then strip \\n and \\r")
}

/// Steps 4, 5 and 6. The server's socket calls, in order, with `socket2`:
///
/// 1. `Socket::new(Domain::for_address(addr), Type::STREAM, None)`;
/// 2. `set_reuse_address(true)`: `SO_REUSEADDR`, so a restarted server can
///    bind while its old connections wait in TIME_WAIT;
/// 3. `bind(&addr.into())`;
/// 4. `listen(backlog)`: room for `backlog` connections waiting to be
///    accepted;
/// 5. `.into()` a `std::net::TcpListener`.
///
/// Any failure is returned, never unwrapped: a port already in use is `Err`
/// with kind `AddrInUse`, for the caller to report. Python: `socket()`,
/// `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`, `bind(addr)`, `listen(backlog)`.
pub fn bind(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let _ = (addr, backlog);
    todo!("socket, SO_REUSEADDR, bind, listen")
}

/// Step 7. The accept loop: accepts connections on `listener` and calls
/// `on_client(stream, peer)` for each (`peer` is the client's address and
/// port: what tells one client from another), until
/// `shutdown.is_shutdown()`; then returns `Ok(())`, within about
/// [`POLL_INTERVAL`] of the shutdown.
///
/// A blocking `accept` waits for the next client and would never see the
/// flag, so:
///
/// - `listener.set_nonblocking(true)` first;
/// - `accept()` failing with `ErrorKind::WouldBlock` means nobody is
///   waiting: sleep [`POLL_INTERVAL`], look at the flag, try again;
/// - an accepted stream: `set_nonblocking(false)` (on some systems it
///   inherits the listener's mode), then `on_client`;
/// - any other `accept` error is about one connection or a passing
///   shortage: print it, pause a poll interval, and go on.
pub fn accept_loop<F>(
    listener: &TcpListener,
    shutdown: &ShutdownHandle,
    on_client: F,
) -> io::Result<()>
where
    F: FnMut(TcpStream, SocketAddr),
{
    let _ = (listener, shutdown, on_client);
    todo!("non-blocking accept in a loop until shutdown")
}

/// Step 8. The time server: with [`accept_loop`], send every client
/// [`now_text`] and close its connection (drop the stream), one client after
/// another, until `shutdown`. A failed write is that client's problem: print
/// it and go on.
pub fn serve_time(listener: TcpListener, shutdown: &ShutdownHandle) -> io::Result<()> {
    let _ = (listener, shutdown);
    todo!("accept_loop, write the time, drop the stream")
}

/// Step 9. One client's conversation with the greeting server:
///
/// 1. set a read timeout of [`IDLE_TIMEOUT`] and a write timeout of
///    [`WRITE_TIMEOUT`];
/// 2. send [`GREETING`];
/// 3. read lines with [`read_line`] (limit [`MAX_LINE`]) and answer each as
///    [`reply`] says; return `Ok(())` on [`Reply::Close`] or at a clean EOF.
///
/// Any [`LineError`] ends the conversation and is returned. The connection
/// closes when the stream is dropped, as this returns.
pub fn handle_client(stream: TcpStream) -> Result<(), LineError> {
    let _ = stream;
    todo!("greet, then read lines and answer them until exit or EOF")
}

/// Steps 10 to 13 and 15. The greeting server: [`handle_client`] for every
/// client [`accept_loop`] hands over, shared out as `concurrency` says, until
/// `shutdown`:
///
/// - [`Concurrency::Serial`] (step 10): call `handle_client` right in
///   `on_client`; the next client waits until this one leaves;
/// - [`Concurrency::ThreadPerClient`] (step 11): spawn a thread per client
///   and keep its `JoinHandle`;
/// - [`Concurrency::Pool`] (step 12): start `workers` threads that take
///   clients from a `std::sync::mpsc::sync_channel(queue)`; `on_client`
///   `try_send`s each client, and a client that does not fit (the channel is
///   full) is sent [`BUSY`] and closed.
///
/// Step 13: after shutdown, drop the listener at once (new clients are
/// refused), then return when the clients already connected (and, for a
/// pool, those waiting in its queue) have finished. A serial server notices
/// shutdown only between clients. Step 15: one client's error ends that
/// client only; print it and go on.
pub fn serve_greetings(
    listener: TcpListener,
    concurrency: Concurrency,
    shutdown: &ShutdownHandle,
) -> io::Result<()> {
    let _ = (listener, concurrency, shutdown);
    todo!("accept_loop with handle_client: serial, a thread per client, or a pool")
}
