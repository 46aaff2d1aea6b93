//! Lesson 10: socket options.
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
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

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

/// Turns the result of one `read` on a socket in `mode` into a
/// [`ReadOutcome`].
///
/// On Unix a read that hits its timeout fails with `WouldBlock` (`EAGAIN`),
/// the very error a non-blocking socket gives when no data is there: only
/// the mode tells which happened. Windows reports a timeout as `TimedOut`.
/// Any other error, and `WouldBlock` or `TimedOut` where the mode cannot
/// explain them (a blocking socket's `TimedOut` is a connection that died),
/// is returned unchanged.
pub fn classify(result: io::Result<usize>, mode: Mode) -> io::Result<ReadOutcome> {
    let e = match result {
        Ok(0) => return Ok(ReadOutcome::Eof),
        Ok(n) => return Ok(ReadOutcome::Data(n)),
        Err(e) => e,
    };
    match (e.kind(), normalize(mode)) {
        (io::ErrorKind::WouldBlock, Mode::NonBlocking) => Ok(ReadOutcome::WouldBlock),
        (io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut, Mode::Timeout(_)) => {
            Ok(ReadOutcome::TimedOut)
        }
        _ => Err(e),
    }
}

/// `Timeout(Duration::ZERO)` is non-blocking, as in Python.
fn normalize(mode: Mode) -> Mode {
    match mode {
        Mode::Timeout(d) if d.is_zero() => Mode::NonBlocking,
        other => other,
    }
}

/// A TCP stream that remembers its [`Mode`], as a Python socket remembers
/// its timeout (`s.gettimeout()`).
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    mode: Mode,
}

impl Conn {
    /// Wraps `stream` and puts it in [`Mode::Blocking`], whatever it was.
    pub fn new(stream: TcpStream) -> io::Result<Conn> {
        let mut conn = Conn {
            stream,
            mode: Mode::Blocking,
        };
        conn.set_mode(Mode::Blocking)?;
        Ok(conn)
    }

    /// Switches the socket's mode: Python's `settimeout` / `setblocking`.
    ///
    /// `Blocking` clears both timeouts and the non-blocking flag;
    /// `Timeout(t)` clears the flag and sets read and write timeouts of `t`;
    /// `NonBlocking` (or `Timeout(Duration::ZERO)`, which is stored as `NonBlocking`) sets
    /// the flag and clears the timeouts.
    pub fn set_mode(&mut self, mode: Mode) -> io::Result<()> {
        let mode = normalize(mode);
        let (nonblocking, timeout) = match mode {
            Mode::Blocking => (false, None),
            Mode::Timeout(t) => (false, Some(t)),
            Mode::NonBlocking => (true, None),
        };
        self.stream.set_nonblocking(nonblocking)?;
        self.stream.set_read_timeout(timeout)?;
        self.stream.set_write_timeout(timeout)?;
        self.mode = mode;
        Ok(())
    }

    /// The mode last set (`Timeout(Duration::ZERO)` reads back as `NonBlocking`).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Reads once into `buf` and says what happened, by [`classify`] in
    /// this socket's mode. A read interrupted by a signal is retried.
    pub fn read_once(&mut self, buf: &mut [u8]) -> io::Result<ReadOutcome> {
        loop {
            match self.stream.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return classify(result, self.mode),
            }
        }
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

/// True for the errors a socket timeout produces: `WouldBlock` on Unix,
/// `TimedOut` on Windows.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Writes all of `data` to `stream`, each write waiting at most `timeout`
/// (`SO_SNDTIMEO`). Unlike Python's `sendall`, a timeout says how much was
/// sent: [`TransferError::WriteTimedOut`] with the count of bytes the
/// kernel took.
///
/// Takes `&TcpStream` (which implements `Write`), so that one thread can
/// write while another reads the same stream, as [`exchange`] does.
pub fn write_all_timeout(
    stream: &TcpStream,
    data: &[u8],
    timeout: Duration,
) -> Result<(), TransferError> {
    stream.set_write_timeout(Some(timeout))?;
    let mut w = stream;
    let mut sent = 0;
    while sent < data.len() {
        match w.write(&data[sent..]) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(TransferError::WriteTimedOut { sent }),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Reads `stream` until EOF, each read waiting at most the stream's own
/// read timeout: more than `limit` bytes is [`TransferError::TooLarge`]
/// (and no more is read), a read timeout is
/// [`TransferError::ReadTimedOut`] with the count received so far.
///
/// Takes `&TcpStream` (which implements `Read`), so that one thread can
/// read while another writes the same stream, as [`exchange`] does.
pub fn read_to_end_limited(stream: &TcpStream, limit: usize) -> Result<Vec<u8>, TransferError> {
    let mut r = stream;
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(data),
            Ok(n) if data.len() + n > limit => return Err(TransferError::TooLarge { limit }),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => {
                return Err(TransferError::ReadTimedOut {
                    received: data.len(),
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
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

/// The local and peer address of a connected stream: Python's
/// `s.getsockname()` and `s.getpeername()`.
pub fn endpoints(stream: &TcpStream) -> io::Result<Endpoints> {
    Ok(Endpoints {
        local: stream.local_addr()?,
        peer: stream.peer_addr()?,
    })
}

/// Sends `request`, half-closes (`shutdown(Write)`: the peer reads EOF and
/// knows the request is complete) and reads the reply until the peer closes.
/// Every read and write waits at most `timeout`; a reply over `max_reply`
/// bytes is [`TransferError::TooLarge`].
pub fn request_until_eof(
    stream: &mut TcpStream,
    request: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    stream.set_read_timeout(Some(timeout))?;
    write_all_timeout(stream, request, timeout)?;
    stream.shutdown(Shutdown::Write)?;
    read_to_end_limited(stream, max_reply)
}

/// Connects to `addr` (giving up after `timeout`) with Nagle's algorithm
/// off (`TCP_NODELAY`) and read and write timeouts of `timeout`.
pub fn connect_low_latency(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// Sends one message made of a `header` and a `body` with ONE write, so it
/// leaves in one segment: two small writes would go out as two (with
/// `TCP_NODELAY`) or keep the body waiting for an acknowledgement (with
/// Nagle).
pub fn send_message(stream: &mut TcpStream, header: &[u8], body: &[u8]) -> io::Result<()> {
    let message = [header, body].concat();
    stream.write_all(&message)?;
    stream.flush()
}

/// Creates a TCP listener on `addr` with `SO_REUSEADDR` on or off, as asked,
/// and a backlog of [`BACKLOG`]. `TcpListener::bind` cannot do this: on Unix
/// it always turns `SO_REUSEADDR` on.
pub fn bind_listener(addr: SocketAddr, reuse: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(reuse)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
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

/// One client of the readiness loop: its socket and the bytes read from it
/// that are not yet echoed.
struct Client {
    stream: TcpStream,
    pending: Vec<u8>,
    eof: bool,
}

/// What one turn on a client did.
enum Turn {
    Idle,
    Busy,
    Done,
}

impl Client {
    /// One read (if there is room for its echo) and one write, neither of
    /// which may wait.
    fn turn(&mut self, buf: &mut [u8], echoed: &mut u64) -> Turn {
        let mut busy = false;
        if !self.eof && self.pending.len() < MAX_PENDING {
            match self.stream.read(buf) {
                Ok(0) => {
                    self.eof = true;
                    busy = true;
                }
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    busy = true;
                }
                Err(e) if is_retry(&e) => {}
                Err(_) => return Turn::Done,
            }
        }
        if !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(0) => return Turn::Done,
                Ok(n) => {
                    self.pending.drain(..n);
                    *echoed += n as u64;
                    busy = true;
                }
                Err(e) if is_retry(&e) => {}
                Err(_) => return Turn::Done,
            }
        }
        match (self.eof && self.pending.is_empty(), busy) {
            (true, _) => Turn::Done,
            (false, true) => Turn::Busy,
            (false, false) => Turn::Idle,
        }
    }
}

/// "Nothing now, try later" on a non-blocking socket.
fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// An echo server for many clients on ONE thread: Python's
/// `setblocking(False)` loop.
///
/// The listener and every accepted socket are non-blocking. Each pass
/// accepts whatever connections wait, then gives every client one turn: a
/// read (only while fewer than [`MAX_PENDING`] bytes wait to be echoed) and
/// a write of what is pending; `WouldBlock` just means "not now". A client
/// that closes gets its remaining echo and is then closed; one that fails
/// (reset) is dropped. A pass where nothing happened ends with a short
/// sleep ([`IDLE_PAUSE`]). Returns when `stop` is set.
pub fn serve_nonblocking(listener: TcpListener, stop: &AtomicBool) -> io::Result<ServeStats> {
    listener.set_nonblocking(true)?;
    let mut stats = ServeStats::default();
    let mut clients: Vec<Client> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        let mut busy = false;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    busy = true;
                    stats.accepted += 1;
                    // Accepted sockets do not inherit the listener's mode.
                    if stream.set_nonblocking(true).is_ok() {
                        clients.push(Client {
                            stream,
                            pending: Vec::new(),
                            eof: false,
                        });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        stats.most_open = stats.most_open.max(clients.len());
        clients.retain_mut(|client| match client.turn(&mut buf, &mut stats.echoed) {
            Turn::Idle => true,
            Turn::Busy => {
                busy = true;
                true
            }
            Turn::Done => {
                busy = true;
                false
            }
        });
        if !busy {
            thread::sleep(IDLE_PAUSE);
        }
    }
    Ok(stats)
}

/// The tutorial's exchange: write ALL of `data`, half-close, then read the
/// reply until EOF (at most `max_reply` bytes), each call waiting at most
/// `timeout`. These are the very steps of [`request_until_eof`].
///
/// Fine for small messages. When both peers do this with more data than the
/// two socket buffers hold, both block in `write` and neither reads: the
/// framing deadlock. The write timeout turns the hang into
/// [`TransferError::WriteTimedOut`].
pub fn write_then_read(
    stream: &mut TcpStream,
    data: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    request_until_eof(stream, data, max_reply, timeout)
}

/// The deadlock-free exchange: reads the reply on a second thread WHILE
/// writing `data`, so the peer's writes always drain. The writer half-closes
/// when done; the reader reads until EOF (at most `max_reply` bytes). Each
/// read and write waits at most `timeout`.
///
/// If the reader fails (too much data, reset), it shuts the socket down so
/// the writer stops too; the reader's `TooLarge` wins over the writer's
/// error, otherwise the writer's error is reported first.
pub fn exchange(
    stream: &mut TcpStream,
    data: &[u8],
    max_reply: usize,
    timeout: Duration,
) -> Result<Vec<u8>, TransferError> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let stream: &TcpStream = stream;
    thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let got = read_to_end_limited(stream, max_reply);
            if got.is_err() {
                // The writer may be blocked on a peer that does not read.
                let _ = stream.shutdown(Shutdown::Both);
            }
            got
        });
        let written = write_all_timeout(stream, data, timeout).and_then(|()| {
            stream
                .shutdown(Shutdown::Write)
                .map_err(TransferError::from)
        });
        if written.is_err() {
            // The reader would otherwise wait out its timeout.
            let _ = stream.shutdown(Shutdown::Both);
        }
        let received = reader.join().unwrap_or_else(|_| {
            Err(TransferError::Io(io::Error::other(
                "the reader thread panicked",
            )))
        });
        match (written, received) {
            (_, Err(e @ TransferError::TooLarge { .. })) => Err(e),
            (Err(e), _) => Err(e),
            (Ok(()), received) => received,
        }
    })
}
