//! mistake: read_line returns the bytes before EOF as a line, even without their \n
//! fails: step14_long_or_unfinished_lines_are_errors
//! says: Err(Truncated { got: 10 })
//! Lesson 02: a TCP server: bind, listen, accept in a loop, and a thread
//! per client.
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
//! [`serve_greetings`].

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::{Local, NaiveDateTime, Timelike};
use socket2::{Domain, Socket, Type};

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

/// A date and time as Python's `str(datetime)` writes it:
/// `YYYY-MM-DD HH:MM:SS.ffffff`, or without `.ffffff` when the microseconds
/// are 0. A `datetime` holds whole microseconds: nanoseconds below are cut.
pub fn format_time(t: NaiveDateTime) -> String {
    if t.nanosecond() / 1_000 == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// The local date and time now, as Python's `str(datetime.now())`.
pub fn now_text() -> String {
    format_time(Local::now().naive_local())
}

/// The greeting server's answer to one line (without its line ending):
/// `exit` closes, anything else `X` is answered `Hello, X!\n`. Bytes that
/// are not UTF-8 become U+FFFD (Python: `decode('utf-8', 'replace')`).
pub fn reply(line: &[u8]) -> Reply {
    if line == b"exit" {
        Reply::Close
    } else {
        Reply::Send(format!("Hello, {}!\n", String::from_utf8_lossy(line)))
    }
}

/// Reads one line from `reader`: the bytes before the next `\n`, without the
/// `\n` and without a `\r` just before it.
///
/// `Ok(None)` is a clean end: EOF before the first byte of a line. More than
/// `max` bytes without a `\n` is [`LineError::TooLong`], after reading at
/// most `max + 1` of them; EOF inside a line is [`LineError::Truncated`].
pub fn read_line<R: BufRead>(reader: &mut R, max: usize) -> Result<Option<Vec<u8>>, LineError> {
    let mut line = Vec::new();
    // `take` is what bounds the memory: read_until alone would follow a
    // line without a newline to the end of the client's patience.
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        return Ok(Some(line));
    }
    if line.len() > max {
        Err(LineError::TooLong { limit: max })
    } else {
        Ok(Some(line))
    }
}

/// The server's socket calls, in order: create a socket for `addr`'s family,
/// set `SO_REUSEADDR` (so a restarted server can bind while old connections
/// sit in TIME_WAIT), bind to `addr`, listen with room for `backlog`
/// connections that wait to be accepted.
///
/// A port already in use is `Err` with kind `AddrInUse`, for the caller to
/// report. Python: `socket()`, `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`,
/// `bind(addr)`, `listen(backlog)`.
pub fn bind(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // On Windows SO_REUSEADDR lets a second server steal a port in use;
    // there, as in std, leave it off.
    #[cfg(not(windows))]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(socket.into())
}

/// Accepts connections on `listener` and hands each, with the client's
/// address, to `on_client`, until `shutdown` is shut down; returns within
/// about [`POLL_INTERVAL`] of that.
///
/// The listener is put in non-blocking mode: a blocking `accept` would wait
/// for the next client and never see the flag. Accepted streams are made
/// blocking again. An error from one `accept` (a client that gave up, too
/// many open files) is logged and the loop goes on, as Python's
/// `socketserver` does.
pub fn accept_loop<F>(
    listener: &TcpListener,
    shutdown: &ShutdownHandle,
    mut on_client: F,
) -> io::Result<()>
where
    F: FnMut(TcpStream, SocketAddr),
{
    listener.set_nonblocking(true)?;
    while !shutdown.is_shutdown() {
        match listener.accept() {
            Ok((stream, peer)) => {
                // Linux gives accepted sockets blocking mode; BSD and macOS
                // copy the listener's non-blocking flag.
                match stream.set_nonblocking(false) {
                    Ok(()) => on_client(stream, peer),
                    Err(e) => eprintln!("{peer}: could not set up the connection: {e}"),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL_INTERVAL),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::ConnectionReset
                ) => {}
            Err(e) => {
                eprintln!("accept failed: {e}; trying again");
                thread::sleep(POLL_INTERVAL);
            }
        }
    }
    Ok(())
}

/// The time server: every client that connects is sent [`now_text`] and
/// closed, one after another, until `shutdown`.
pub fn serve_time(listener: TcpListener, shutdown: &ShutdownHandle) -> io::Result<()> {
    accept_loop(&listener, shutdown, |mut stream, peer| {
        let sent = stream
            .set_write_timeout(Some(WRITE_TIMEOUT))
            .and_then(|()| stream.write_all(now_text().as_bytes()));
        if let Err(e) = sent {
            eprintln!("{peer}: {e}");
        }
        // Dropping the stream closes it: the client reads EOF after the time.
    })
}

/// One client's conversation with the greeting server: send [`GREETING`],
/// then answer each line with [`reply`] until the client says `exit` or
/// closes between lines (both `Ok`). A line over [`MAX_LINE`], a close in
/// the middle of a line, a reset or a client silent for [`IDLE_TIMEOUT`]
/// end it with the [`LineError`]. The connection closes when this returns.
pub fn handle_client(stream: TcpStream) -> Result<(), LineError> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut writer = &stream;
    writer.write_all(GREETING.as_bytes())?;
    let mut reader = BufReader::new(&stream);
    while let Some(line) = read_line(&mut reader, MAX_LINE)? {
        match reply(&line) {
            Reply::Send(text) => writer.write_all(text.as_bytes())?,
            Reply::Close => return Ok(()),
        }
    }
    Ok(())
}

/// The greeting server: [`handle_client`] for every client, shared out as
/// `concurrency` says, until `shutdown`.
///
/// After shutdown the listener is closed at once (new clients are refused)
/// and this returns when the clients already connected (and, for a pool,
/// those waiting in its queue) have finished. A [`Concurrency::Serial`]
/// server notices shutdown only between clients.
pub fn serve_greetings(
    listener: TcpListener,
    concurrency: Concurrency,
    shutdown: &ShutdownHandle,
) -> io::Result<()> {
    match concurrency {
        Concurrency::Serial => accept_loop(&listener, shutdown, session),
        Concurrency::ThreadPerClient => serve_threads(listener, shutdown),
        Concurrency::Pool { workers, queue } => serve_pool(listener, workers, queue, shutdown),
    }
}

/// A thread per client; waits for them all after shutdown.
fn serve_threads(listener: TcpListener, shutdown: &ShutdownHandle) -> io::Result<()> {
    let mut sessions: Vec<JoinHandle<()>> = Vec::new();
    let result = accept_loop(&listener, shutdown, |stream, peer| {
        // Forget threads that are done, so a long-running server's list
        // does not grow with every client it ever had.
        sessions.retain(|s| !s.is_finished());
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || session(stream, peer));
        match spawned {
            Ok(s) => sessions.push(s),
            Err(e) => eprintln!("{peer}: no thread to serve it ({e}); closed"),
        }
    });
    drop(listener);
    for s in sessions {
        let _ = s.join();
    }
    result
}

/// `workers` threads take clients from a queue of `queue`; the accepting
/// thread turns away whoever does not fit.
fn serve_pool(
    listener: TcpListener,
    workers: usize,
    queue: usize,
    shutdown: &ShutdownHandle,
) -> io::Result<()> {
    let (waiting, jobs) = mpsc::sync_channel::<(TcpStream, SocketAddr)>(queue);
    let jobs = Arc::new(Mutex::new(jobs));
    let mut pool = Vec::new();
    for n in 0..workers.max(1) {
        let jobs = Arc::clone(&jobs);
        pool.push(
            thread::Builder::new()
                .name(format!("worker {n}"))
                .spawn(move || worker(&jobs))?,
        );
    }
    let result = accept_loop(&listener, shutdown, |stream, peer| {
        match waiting.try_send((stream, peer)) {
            Ok(()) => {}
            Err(
                TrySendError::Full((stream, peer)) | TrySendError::Disconnected((stream, peer)),
            ) => {
                turn_away(stream, peer);
            }
        }
    });
    drop(listener);
    // Closing the queue lets each worker end once the queue is empty.
    drop(waiting);
    for w in pool {
        let _ = w.join();
    }
    result
}

/// A pool thread: serve clients from the queue until it is closed and empty.
fn worker(jobs: &Mutex<mpsc::Receiver<(TcpStream, SocketAddr)>>) {
    loop {
        // The lock is held only while waiting for the next client.
        let next = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match next {
            Ok((stream, peer)) => session(stream, peer),
            Err(_) => return,
        }
    }
}

/// Tells a client there is no room, and closes.
fn turn_away(mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = stream.write_all(BUSY.as_bytes());
    eprintln!("Turned away {peer}: the server is busy.");
}

/// One client, logged as the tutorials do: the peer address is what tells
/// clients apart.
fn session(stream: TcpStream, peer: SocketAddr) {
    eprintln!("Accept new connection from {peer}...");
    match handle_client(stream) {
        Ok(()) => eprintln!("Connection from {peer} closed."),
        Err(e) => eprintln!("Connection from {peer} dropped: {e}."),
    }
}
