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
/// microsecond are cut, never rounded (so 999 ns is a whole second, and
/// 999 999 999 ns is `.999999`). The year has four digits (`0987`).
pub fn format_time(t: NaiveDateTime) -> String {
    let _ = t;
    todo!("the date and time as Python's str(datetime) writes them")
}

/// Step 8. The local date and time now (this machine's time zone, not UTC),
/// as Python's `str(datetime.now())` writes it ([`format_time`]).
pub fn now_text() -> String {
    todo!("the local time now, as format_time writes it")
}

/// Step 2. The greeting server's answer to one line (given without its line
/// ending):
///
/// - exactly `exit` (no trimming, no other case: `exit ` and `EXIT` are
///   names): [`Reply::Close`];
/// - anything else `X`: [`Reply::Send`] of `Hello, X!\n`. Each byte sequence
///   that is not UTF-8 becomes U+FFFD, the replacement character (Python:
///   `decode('utf-8', 'replace')`); an empty line is the empty name
///   (`Hello, !\n`).
pub fn reply(line: &[u8]) -> Reply {
    let _ = line;
    todo!("Close for exactly exit, else the greeting")
}

/// Steps 3 and 14. Reads one line from `reader`: the bytes before the next
/// `\n`, without the `\n` and without a `\r` just before it.
///
/// - `Ok(Some(line))`: a whole line, however its bytes were split on the way;
/// - `Ok(None)`: a clean end: EOF before the first byte of a line;
/// - `Err(LineError::TooLong { limit: max })`: more than `max` bytes without
///   a `\n` (a `\r` counts). It finds out having read at most `max + 1`
///   bytes of the line: a client cannot make the server buffer without end;
/// - `Err(LineError::Truncated { got })`: EOF after `got` bytes of a line
///   (an unfinished line is never returned as a line);
/// - `Err(LineError::Io(e))`: the read failed.
pub fn read_line<R: BufRead>(reader: &mut R, max: usize) -> Result<Option<Vec<u8>>, LineError> {
    let _ = (reader, max);
    todo!("read one line of at most max bytes")
}

/// Steps 4, 5 and 6. A listening TCP socket on `addr` (IPv4 or IPv6, as
/// `addr` is; port 0 lets the kernel choose), with room for `backlog`
/// connections waiting to be accepted. Python: `socket()`,
/// `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`, `bind(addr)`, `listen(backlog)`.
///
/// - A restarted server must bind its port again at once, while the
///   connections its previous run closed wait in TIME_WAIT (step 6): that
///   is what `SO_REUSEADDR` allows (std's `TcpListener::bind` sets it by
///   itself on Unix, but offers no way to set an option before binding;
///   `socket2` does).
/// - A port another socket listens on is refused: `Err` of kind
///   `AddrInUse`, returned to the caller, never unwrapped or retried
///   (step 5).
pub fn bind(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let _ = (addr, backlog);
    todo!("a listening socket with SO_REUSEADDR")
}

/// Step 7. The accept loop: accepts connections on `listener` and calls
/// `on_client(stream, peer)` for each (`peer` is the client's address and
/// port: what tells one client from another), until
/// `shutdown.is_shutdown()`; then returns `Ok(())`.
///
/// - It returns within about [`POLL_INTERVAL`] of the shutdown, even when
///   no client ever comes: it may never block waiting for a client.
/// - The streams it hands to `on_client` are in blocking mode, whatever
///   mode the listener is in (some systems copy the listener's mode).
/// - An error from one `accept` is about one connection or a passing
///   shortage (an aborted handshake, no file descriptors left): it is
///   printed and the loop goes on, after a poll interval's pause.
pub fn accept_loop<F>(
    listener: &TcpListener,
    shutdown: &ShutdownHandle,
    on_client: F,
) -> io::Result<()>
where
    F: FnMut(TcpStream, SocketAddr),
{
    let _ = (listener, shutdown, on_client);
    todo!("accept clients until shutdown, never blocking for long")
}

/// Step 8. The time server: every client that connects is sent
/// [`now_text`], and then its connection is closed (the close is how the
/// client knows it has everything), one client after another, until
/// `shutdown`. A failed write is that client's problem: printed, and the
/// server goes on. A client that does not read must not hold the server
/// for longer than [`WRITE_TIMEOUT`].
pub fn serve_time(listener: TcpListener, shutdown: &ShutdownHandle) -> io::Result<()> {
    let _ = (listener, shutdown);
    todo!("send each client the time, then close its connection")
}

/// Step 9. One client's conversation with the greeting server: it is sent
/// [`GREETING`], then each line it sends (as [`read_line`] reads it, up to
/// [`MAX_LINE`] bytes, however its bytes are split) is answered as [`reply`]
/// says, until it says `exit` or closes between lines: both are `Ok(())`.
///
/// - A client silent for [`IDLE_TIMEOUT`], or that does not take a reply
///   within [`WRITE_TIMEOUT`], is dropped: a client must not hold a thread
///   for ever.
/// - Any [`LineError`] (a line too long, a close in the middle of a line, a
///   reset, a timeout) ends the conversation and is returned, never a
///   panic.
/// - The connection is closed when this returns.
pub fn handle_client(stream: TcpStream) -> Result<(), LineError> {
    let _ = stream;
    todo!("greet, then answer each line until exit or the end")
}

/// Steps 10 to 13 and 15. The greeting server: [`handle_client`] for every
/// client that connects, until `shutdown`, shared out as `concurrency`
/// says:
///
/// - [`Concurrency::Serial`] (step 10): one client at a time; the next one
///   waits, connected but not greeted, until this one leaves;
/// - [`Concurrency::ThreadPerClient`] (step 11): every client at once, 50
///   and more;
/// - [`Concurrency::Pool`] (step 12): at most `workers` clients served at
///   once; up to `queue` more wait, connected and not greeted, in arrival
///   order, and are served as workers come free; any client beyond that is
///   sent [`BUSY`] and closed at once. No more than `workers` threads serve
///   clients, however many come.
///
/// Shutdown (step 13): new clients are refused from the moment the server
/// stops accepting (the listener is closed then, not later); the server
/// returns only when the clients already connected (and, for a pool, those
/// waiting in its queue) have finished. A serial server notices shutdown
/// only between clients.
///
/// Errors (step 15): one client's error, whatever the mode, ends that
/// client only: it is printed and the server goes on.
pub fn serve_greetings(
    listener: TcpListener,
    concurrency: Concurrency,
    shutdown: &ShutdownHandle,
) -> io::Result<()> {
    let _ = (listener, concurrency, shutdown);
    todo!("serve greetings: serial, a thread per client, or a pool")
}
