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

/// Step 1. Turns the result of one `read` on a socket in `mode` into a
/// [`ReadOutcome`]:
///
/// - `Ok(0)` is [`ReadOutcome::Eof`], `Ok(n)` is [`ReadOutcome::Data`]`(n)`;
/// - an error of kind `WouldBlock` is [`ReadOutcome::WouldBlock`] when the
///   mode is [`Mode::NonBlocking`] (or `Timeout(ZERO)`, which means the
///   same), and [`ReadOutcome::TimedOut`] when the mode is `Timeout(t)`:
///   on Unix a read timeout is reported as `EAGAIN`, i.e. `WouldBlock`;
/// - `TimedOut` (how Windows reports a read timeout) is
///   [`ReadOutcome::TimedOut`] in `Timeout` mode;
/// - every other error, and `WouldBlock`/`TimedOut` in a mode that cannot
///   explain them (`Blocking`: there a `TimedOut` is a dead connection), is
///   returned unchanged as `Err`.
pub fn classify(result: io::Result<usize>, mode: Mode) -> io::Result<ReadOutcome> {
    let _ = (result, mode);
    todo!("match the result and the error kind against the mode")
}

/// A TCP stream that remembers its [`Mode`], as a Python socket remembers
/// its timeout (`s.gettimeout()`).
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    mode: Mode,
}

impl Conn {
    /// Step 2. Wraps `stream` and puts it in [`Mode::Blocking`] with
    /// [`Conn::set_mode`], whatever state it was left in.
    pub fn new(stream: TcpStream) -> io::Result<Conn> {
        let _ = Conn {
            stream,
            mode: Mode::Blocking,
        };
        todo!("build the Conn, then set_mode(Mode::Blocking)")
    }

    /// Step 2. Switches the socket's mode: Python's `settimeout` /
    /// `setblocking`. Sets all three switches every time:
    ///
    /// | mode          | `set_nonblocking` | read and write timeouts |
    /// |---------------|-------------------|-------------------------|
    /// | `Blocking`    | `false`           | `None`                  |
    /// | `Timeout(t)`  | `false`           | `Some(t)`               |
    /// | `NonBlocking` | `true`            | `None`                  |
    ///
    /// `Timeout(ZERO)` is treated, and stored, as `NonBlocking` (std's
    /// `set_read_timeout` rejects a zero duration). Remember the mode for
    /// [`Conn::mode`] and [`Conn::read_once`].
    pub fn set_mode(&mut self, mode: Mode) -> io::Result<()> {
        let _ = (&self.stream, self.mode, mode);
        todo!("set the non-blocking flag and both timeouts, then store the mode")
    }

    /// Step 2. The mode last set (`Timeout(0)` reads back as `NonBlocking`).
    pub fn mode(&self) -> Mode {
        todo!("return the stored mode")
    }

    /// Step 3. Reads once into `buf` and says what happened: one
    /// `self.stream.read(buf)` (retried only if it fails with
    /// `ErrorKind::Interrupted`), passed to [`classify`] with this socket's
    /// mode.
    pub fn read_once(&mut self, buf: &mut [u8]) -> io::Result<ReadOutcome> {
        let _ = buf;
        todo!("read once, retry on Interrupted, classify")
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

/// Step 4. Writes all of `data` to `stream`, each write waiting at most
/// `timeout` (`set_write_timeout`).
///
/// Loop on `stream.write(&data[sent..])` yourself (not `write_all`), adding
/// each `Ok(n)` to `sent`. A write that fails with `WouldBlock` or
/// `TimedOut` means the peer stopped reading:
/// `Err(TransferError::WriteTimedOut { sent })` with exactly the bytes the
/// kernel took. Retry `Interrupted`; `Ok(0)` is an error (`WriteZero`);
/// other errors are `TransferError::Io`. Unlike Python's `sendall`, the
/// caller learns how much got out.
pub fn write_all_timeout(
    stream: &mut TcpStream,
    data: &[u8],
    timeout: Duration,
) -> Result<(), TransferError> {
    let _ = (stream, data, timeout);
    todo!("set the write timeout, write in a loop, count the bytes")
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
/// `s.getsockname()` and `s.getpeername()` (`local_addr`, `peer_addr`).
pub fn endpoints(stream: &TcpStream) -> io::Result<Endpoints> {
    let _ = stream;
    todo!("local_addr and peer_addr")
}

/// Step 6. Sends `request`, half-closes and reads the reply until the peer
/// closes:
///
/// 1. set read and write timeouts of `timeout`;
/// 2. write the whole request ([`write_all_timeout`]);
/// 3. `stream.shutdown(Shutdown::Write)`: the peer reads EOF and knows the
///    request is complete, while this side can still read;
/// 4. read until `Ok(0)`. More than `max_reply` bytes is
///    `Err(TransferError::TooLarge { limit: max_reply })` (stop reading
///    then: never buffer without end); a read timeout (`WouldBlock` or
///    `TimedOut`) is `Err(TransferError::ReadTimedOut { received })`.
pub fn request_until_eof(
    stream: &mut TcpStream,
    request: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, request, max_reply, timeout);
    todo!("write, shutdown(Write), read until EOF with a limit")
}

/// Step 7. Connects to `addr` (`TcpStream::connect_timeout` with `timeout`)
/// with Nagle's algorithm off (`set_nodelay(true)`, `TCP_NODELAY`) and read
/// and write timeouts of `timeout`.
pub fn connect_low_latency(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let _ = (addr, timeout);
    todo!("connect_timeout, set_nodelay, timeouts")
}

/// Step 7. Sends one message made of a `header` and a `body` with ONE
/// write: put both in one buffer, then `write_all` it. Two small writes
/// leave as two segments (with `TCP_NODELAY`), or the second waits for the
/// first one's ACK (with Nagle), about 40 ms on Linux.
pub fn send_message(stream: &mut TcpStream, header: &[u8], body: &[u8]) -> io::Result<()> {
    let _ = (stream, header, body);
    todo!("one buffer, one write_all")
}

/// Step 8. Creates a TCP listener on `addr` with `SO_REUSEADDR` on or off,
/// as asked, and a backlog of [`BACKLOG`].
///
/// `TcpListener::bind` cannot do this (on Unix it always turns
/// `SO_REUSEADDR` on): use `socket2::Socket::new(Domain::for_address(addr),
/// Type::STREAM, Some(Protocol::TCP))`, `set_reuse_address(reuse)` BEFORE
/// `bind(&addr.into())`, `listen(BACKLOG)`, then `.into()` a `TcpListener`.
pub fn bind_listener(addr: SocketAddr, reuse: bool) -> io::Result<TcpListener> {
    let _ = (addr, reuse);
    todo!("socket2: new, set_reuse_address, bind, listen, into")
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

/// Steps 9 and 10. An echo server for many clients on ONE thread, with
/// non-blocking sockets: Python's `setblocking(False)` loop. Returns its
/// [`ServeStats`] once `stop` is set (check it on every pass).
///
/// - `listener.set_nonblocking(true)`, and the same for every accepted
///   stream: accepted sockets do NOT inherit the listener's mode.
/// - Each pass: accept until `WouldBlock`; then give every client one
///   turn: one read, then one write of the bytes waiting to be echoed.
///   `WouldBlock` means "not now", never "done"; a write may take only part
///   of the pending bytes, so keep the rest for the next pass.
/// - `Ok(0)` from a read: the client closed its side; send what is pending,
///   then drop (close) it. A read or write error (reset): drop that client,
///   never stop the server.
/// - Bounded memory: do not read from a client while [`MAX_PENDING`] or
///   more bytes wait to be echoed to it.
/// - A pass in which nothing happened ends with `thread::sleep(IDLE_PAUSE)`.
/// - Count `accepted`, the largest number of clients open at once
///   (`most_open`) and the bytes `echoed`.
pub fn serve_nonblocking(listener: TcpListener, stop: &AtomicBool) -> io::Result<ServeStats> {
    let _ = (listener, stop);
    todo!("a readiness loop over non-blocking sockets")
}

/// Step 11. The tutorial's exchange: set read and write timeouts of
/// `timeout`, write ALL of `data` ([`write_all_timeout`]), half-close
/// (`shutdown(Write)`), then read the reply until EOF (at most `max_reply`
/// bytes). These are the very steps of [`request_until_eof`]: call it.
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
    todo!("write everything, shutdown(Write), then read until EOF")
}

/// Steps 12 and 13. The deadlock-free exchange: read the reply on a second
/// thread WHILE writing `data`, so the peer's writes always drain.
///
/// Set read and write timeouts of `timeout`. In a `std::thread::scope`,
/// spawn a reader that reads until EOF from `&TcpStream` (`Read` and `Write`
/// are implemented for `&TcpStream`, so both threads can use one stream),
/// with the limit and errors of [`request_until_eof`]; meanwhile write all
/// of `data` on this thread (a timeout is `WriteTimedOut { sent }`), then
/// `shutdown(Write)`, then join the reader.
///
/// Errors (step 13): when the reader fails (too much data, reset) it shuts
/// the stream down (`Shutdown::Both`) so the writer stops too; when the
/// writer fails, shut down as well, so the reader does not wait out its
/// timeout. Report the reader's `TooLarge` first, else the writer's error,
/// else the reader's result.
pub fn exchange(
    stream: &mut TcpStream,
    data: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    let _ = (stream, data, max_reply, timeout);
    todo!("a reader thread while this thread writes")
}
