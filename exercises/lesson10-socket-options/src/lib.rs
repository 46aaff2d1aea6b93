//! Lesson 10: socket options.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson10` (or `cargo checker 10`) to see which steps pass;
//! read `docs/src/10-socket-options.md` alongside.
//!
//! The same socket behaves very differently depending on a few switches, and
//! the classic tutorials mostly leave them at their defaults. This lesson
//! turns each one on purpose:
//!
//! - **timeouts** (Python's `settimeout`): a blocking read that waits at
//!   most so long. On Unix a timed-out read fails with `WouldBlock`
//!   (`EAGAIN`), the same error a non-blocking read with no data gives, so
//!   [`classify`] tells them apart by the socket's [`Mode`];
//! - **non-blocking mode** (`setblocking(False)`): calls return at once, and
//!   one thread can serve many clients with a readiness loop
//!   ([`serve_nonblocking`]);
//! - **Nagle's algorithm** and `TCP_NODELAY`: small writes are held back
//!   while earlier data is unacknowledged; [`connect_low_latency`] turns that
//!   off and [`send_message`] makes one write of one message;
//! - **`SO_REUSEADDR`** ([`bind_listener`]): restart a server while its old
//!   connections wait in `TIME_WAIT`;
//! - **the four values** of a connection ([`endpoints`]) and **half-close**
//!   ([`request_until_eof`]): end a request with `shutdown(Write)` and still
//!   read the reply;
//! - **the framing deadlock**: two peers that both write everything before
//!   reading stall once both buffers are full ([`write_then_read`] notices
//!   it with a write timeout); [`exchange`] reads on a second thread while
//!   it writes, and finishes.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The most echo bytes [`serve_nonblocking`] holds for one client before it
/// stops reading from that client: a client that sends without reading
/// must not make the server buffer without end.
pub const MAX_PENDING: usize = 64 * 1024;

/// How long [`serve_nonblocking`] sleeps after a pass over its sockets in
/// which nothing happened, so that an idle server does not spin a core.
pub const IDLE_PAUSE: Duration = Duration::from_millis(1);

/// The listen backlog [`bind_listener`] asks for.
pub const BACKLOG: i32 = 128;

/// How a socket waits, in Python's three flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Wait as long as it takes: `s.settimeout(None)` (the default).
    Blocking,
    /// Wait at most this long, then fail: `s.settimeout(t)`. A zero
    /// duration means [`Mode::NonBlocking`], as `settimeout(0.0)` does.
    Timeout(Duration),
    /// Never wait: `s.setblocking(False)`, or `settimeout(0.0)`.
    NonBlocking,
}

/// What one read on a socket gave, with the two kinds of "nothing" told
/// apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes arrived (at least one).
    Data(usize),
    /// The peer closed its sending side: `recv` returned `b''`.
    Eof,
    /// A socket with a timeout waited that long and nothing came: Python
    /// raises `socket.timeout` (`TimeoutError`).
    TimedOut,
    /// A non-blocking socket had nothing to give right now: Python raises
    /// `BlockingIOError`.
    WouldBlock,
}

/// Step 1. Says what the result of one `read` on a socket in `mode` meant,
/// as a [`ReadOutcome`]: data, EOF, "timed out" (the mode has a timeout) or
/// "nothing yet" (the mode is non-blocking; `Timeout(ZERO)` means the same).
///
/// Facts to build on: on Unix a read that hits its timeout fails with
/// `WouldBlock` (`EAGAIN`), the very error a non-blocking read with no data
/// gives, so only the mode tells them apart; Windows reports a read timeout
/// as `TimedOut`. An error the mode cannot explain (any other kind, or
/// `WouldBlock`/`TimedOut` on a `Blocking` socket, where `TimedOut` is a
/// dead connection) is returned unchanged as `Err`.
pub fn classify(result: io::Result<usize>, mode: Mode) -> io::Result<ReadOutcome> {
    let _ = (result, mode);
    todo!("classify: what the read result means in this mode")
}

/// A TCP stream that remembers its [`Mode`], as a Python socket remembers
/// its timeout (`s.gettimeout()`).
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    mode: Mode,
}

impl Conn {
    /// Step 2. Wraps `stream` and puts it in [`Mode::Blocking`], whatever
    /// non-blocking flag or timeouts it was left with.
    pub fn new(stream: TcpStream) -> io::Result<Conn> {
        let _ = Conn {
            stream,
            mode: Mode::Blocking,
        };
        todo!("Conn::new: a Conn in Blocking mode")
    }

    /// Step 2. Switches the socket's mode: Python's `settimeout` /
    /// `setblocking`. Afterwards the socket itself is in exactly that mode,
    /// whatever the previous one was:
    ///
    /// | mode          | non-blocking flag | read and write timeouts |
    /// |---------------|-------------------|-------------------------|
    /// | `Blocking`    | off               | none                    |
    /// | `Timeout(t)`  | off               | `t`                     |
    /// | `NonBlocking` | on                | none                    |
    ///
    /// `Timeout(ZERO)` means `NonBlocking`, and reads back as it (std refuses
    /// a zero timeout). Errors: the socket refused an option.
    pub fn set_mode(&mut self, mode: Mode) -> io::Result<()> {
        let _ = (&self.stream, self.mode, mode);
        todo!("Conn::set_mode: the socket in exactly this mode")
    }

    /// Step 2. The mode last set (`Timeout(Duration::ZERO)` reads back as `NonBlocking`).
    pub fn mode(&self) -> Mode {
        todo!("Conn::mode: the mode last set")
    }

    /// Step 3. One read into `buf`, and what it meant in this socket's mode
    /// (see [`classify`]): waits as the mode says, no longer. A read
    /// interrupted by a signal does not count: it is made again.
    pub fn read_once(&mut self, buf: &mut [u8]) -> io::Result<ReadOutcome> {
        let _ = buf;
        todo!("Conn::read_once: one read, and what it meant")
    }

    /// The stream inside, to write to it or read its options.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }
}

/// Why a transfer with a deadline failed.
#[derive(Debug)]
pub enum TransferError {
    /// A write waited the whole timeout without the peer taking a byte: the
    /// peer is not reading. `sent` bytes were handed to the kernel first.
    WriteTimedOut {
        /// Bytes written before the stall.
        sent: usize,
    },
    /// A read waited the whole timeout and nothing came.
    ReadTimedOut {
        /// Bytes received before the silence.
        received: usize,
    },
    /// The peer sent more than the caller allowed.
    TooLarge {
        /// The most bytes the caller would take.
        limit: usize,
    },
    /// Any other socket error (reset, refused, ...).
    Io(io::Error),
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::WriteTimedOut { sent } => {
                write!(
                    f,
                    "write timed out after {sent} bytes: the peer is not reading"
                )
            }
            TransferError::ReadTimedOut { received } => {
                write!(
                    f,
                    "read timed out after {received} bytes: the peer went quiet"
                )
            }
            TransferError::TooLarge { limit } => {
                write!(f, "the peer sent more than {limit} bytes")
            }
            TransferError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for TransferError {
    fn from(e: io::Error) -> Self {
        TransferError::Io(e)
    }
}

/// Step 4. Writes all of `data` to `stream`, no single write waiting more
/// than `timeout` for the peer to make room.
///
/// Unlike Python's `sendall`, a failure says how much got out: when the
/// peer stops reading and a write waits out the timeout, the result is
/// `Err(TransferError::WriteTimedOut { sent })` with exactly the number of
/// bytes the kernel took, no more, no fewer. A write the kernel takes
/// nothing of (`Ok(0)`) is a `WriteZero` error; a signal is no error; any
/// other failure is [`TransferError::Io`].
///
/// Takes `&TcpStream`, which implements `Write` as `TcpStream` does, so
/// that one thread can write while another reads the same stream
/// ([`exchange`]); a `&mut TcpStream` passes as well.
pub fn write_all_timeout(
    stream: &TcpStream,
    data: &[u8],
    timeout: Duration,
) -> Result<(), TransferError> {
    let _ = (stream, data, timeout);
    todo!("write_all_timeout: every byte, or how many got out before the stall")
}

/// Steps 6 and 12. Reads `stream` until the peer closes (EOF), each read
/// waiting at most the stream's own read timeout (the caller sets it).
///
/// Never keeps more than `limit` bytes: once more arrive the result is
/// `Err(TransferError::TooLarge { limit })`, and no more is read. A read
/// that times out is `Err(TransferError::ReadTimedOut { received })` with
/// the count received so far; a signal is no error; any other failure is
/// [`TransferError::Io`].
///
/// Takes `&TcpStream`, which implements `Read`, so that one thread can read
/// while another writes the same stream ([`exchange`]).
pub fn read_to_end_limited(stream: &TcpStream, limit: usize) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, limit);
    todo!("read_to_end_limited: everything until EOF, at most limit bytes")
}

/// Both ends of a connection as seen from one socket: two of the four
/// values that name a TCP connection each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    /// This side's address and port: `getsockname()`.
    pub local: SocketAddr,
    /// The other side's address and port: `getpeername()`.
    pub peer: SocketAddr,
}

impl fmt::Display for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <-> {}", self.local, self.peer)
    }
}

/// Step 5. The local and peer address of a connected stream: Python's
/// `s.getsockname()` and `s.getpeername()`. Errors: the socket is not
/// connected.
pub fn endpoints(stream: &TcpStream) -> io::Result<Endpoints> {
    let _ = stream;
    todo!("endpoints: both ends of the connection")
}

/// Step 6. Sends `request`, tells the peer the request is complete by
/// closing this side's direction only (half-close: the peer reads EOF,
/// this side can still read), and returns the reply, read until the peer
/// closes.
///
/// Every read and every write waits at most `timeout`: a peer that stops
/// reading gives `WriteTimedOut { sent }`, one that never answers (nor
/// closes) gives `ReadTimedOut { received }` after about `timeout`, never
/// a hang. A reply over `max_reply` bytes is `TooLarge { limit: max_reply }`,
/// found out without reading much past the limit; other failures are
/// [`TransferError::Io`].
pub fn request_until_eof(
    stream: &mut TcpStream,
    request: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, request, max_reply, timeout);
    todo!("request_until_eof: the request, a half-close, the reply until EOF")
}

/// Steps 7 and 16. Connects to `addr`, giving up after `timeout` (the
/// connect itself: timeouts set on the stream come too late for it), and
/// returns a stream with Nagle's algorithm off (`TCP_NODELAY`: small writes
/// leave at once) and read and write timeouts of `timeout`.
///
/// Errors: a server that never answers the handshake gives `TimedOut`
/// after about `timeout`; any other error of connecting or setting options.
pub fn connect_low_latency(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let _ = (addr, timeout);
    todo!("connect_low_latency: a connection without Nagle, with timeouts")
}

/// Step 7. Sends one message made of a `header` and a `body` so that it
/// leaves as one piece: the peer's first read of it returns the whole
/// message (it is small). Two small writes leave as two segments (with
/// `TCP_NODELAY`), or the second waits for the first one's ACK (with
/// Nagle), about 40 ms on Linux. Errors: the write failed.
pub fn send_message(stream: &mut TcpStream, header: &[u8], body: &[u8]) -> io::Result<()> {
    let _ = (stream, header, body);
    todo!("send_message: header and body, leaving as one")
}

/// Step 8. A TCP listener on `addr` (IPv4 or IPv6) with `SO_REUSEADDR` on
/// exactly when `reuse`, listening with a backlog of [`BACKLOG`].
///
/// Errors: `AddrInUse` when `reuse` is false and a connection in
/// `TIME_WAIT` still holds the port (with `reuse` the bind succeeds); any
/// other error of creating, binding or listening. `TcpListener::bind`
/// cannot honour `reuse = false`: on Unix it always turns the option on
/// (the chapter shows the crate that can choose).
pub fn bind_listener(addr: SocketAddr, reuse: bool) -> io::Result<TcpListener> {
    let _ = (addr, reuse);
    todo!("bind_listener: a listening socket, SO_REUSEADDR only when asked")
}

/// What [`serve_nonblocking`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServeStats {
    /// Connections accepted.
    pub accepted: usize,
    /// The most connections open at one time.
    pub most_open: usize,
    /// Bytes echoed back, over all clients.
    pub echoed: u64,
}

/// Steps 9, 10, 14, 15 and 17. An echo server for many clients on ONE thread,
/// with non-blocking sockets: Python's `setblocking(False)` loop. Returns
/// its [`ServeStats`] soon after `stop` is set.
///
/// - No client waits on another: the server never blocks on one socket
///   (accepted sockets do not inherit the listener's non-blocking mode).
/// - Every byte a client sends comes back to it, in order, none lost, even
///   when the client reads slowly: a write may take only part of what it
///   is given, or nothing (`WouldBlock`: "not now", never "done").
/// - A client that closes its side gets the rest of its echo, then is
///   closed; one whose connection fails (reset) is dropped. Neither stops
///   the server, and the rest of an echo goes out as every write does,
///   without waiting: a closed client that reads slowly, or not at all,
///   holds up no one.
/// - Bounded memory: no more than about [`MAX_PENDING`] bytes held for one
///   client; a client that sends without reading is no longer read from.
/// - An idle server rests: a pass over the sockets in which nothing
///   happened is followed by a sleep of [`IDLE_PAUSE`], never spinning.
/// - [`ServeStats`]: connections `accepted`, the most open at one time
///   (`most_open`), bytes `echoed`. Errors: only a failing listener.
pub fn serve_nonblocking(listener: TcpListener, stop: &AtomicBool) -> io::Result<ServeStats> {
    let _ = (listener, stop);
    todo!("serve_nonblocking: one thread, many clients, until stop")
}

/// Step 11. The tutorial's exchange: write ALL of `data`, half-close, then
/// read the reply until EOF (at most `max_reply` bytes), each call waiting
/// at most `timeout`: exactly what [`request_until_eof`] does.
///
/// Fine for small messages. When both peers do this with more data than the
/// two socket buffers hold, both block in `write` and neither reads: the
/// framing deadlock. The write timeout turns the hang into
/// `Err(TransferError::WriteTimedOut { sent })`.
pub fn write_then_read(
    stream: &mut TcpStream,
    data: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, data, max_reply, timeout);
    todo!("write_then_read: everything written, then the reply")
}

/// Steps 12 and 13. The deadlock-free exchange: sends all of `data`, then
/// half-closes, and returns the peer's reply (until EOF, at most
/// `max_reply` bytes), reading the reply WHILE writing, so that it
/// finishes however much both sides send (10 MB each way over tiny
/// buffers included). Each read and write waits at most `timeout`.
///
/// Errors (step 13), as [`request_until_eof`]'s: `TooLarge`,
/// `ReadTimedOut`, `WriteTimedOut`, `Io`. When one direction fails, the
/// other stops at once too, never waiting out its own timeout (a reply too
/// large while the peer reads nothing returns promptly). When both fail,
/// a `TooLarge` reply is the one reported, else the writing side's error.
pub fn exchange(
    stream: &mut TcpStream,
    data: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, data, max_reply, timeout);
    todo!("exchange: write and read at the same time")
}
