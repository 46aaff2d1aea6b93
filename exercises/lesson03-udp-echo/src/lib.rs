//! Lesson 03: a UDP echo server and a client that survives a bad network.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson03` (or `cargo checker 3`) to see which steps pass;
//! read `docs/src/03-udp-echo.md` alongside.
//!
//! The classic tutorials end their socket chapter with UDP: a server that
//! `recvfrom`s a name and `sendto`s `Hello, X!` back to whoever sent it, and
//! a client that `sendto`s three names and prints three replies. There is no
//! connection, no `listen`, no `accept`: every datagram carries its sender's
//! address, and every reply is addressed by hand.
//!
//! You will do the same with [`std::net::UdpSocket`], and do what the
//! tutorials leave out:
//!
//! - a datagram is a message: one send is one receive, boundaries kept, and a
//!   datagram bigger than the buffer is cut short *silently*; you detect it
//!   (read one byte more than you accept) and report
//!   [`RecvError::TooLarge`];
//! - UDP loses, duplicates and reorders: the client waits with a timeout,
//!   retries a bounded number of times, and accepts only the reply that
//!   answers its question, from the server it asked;
//! - the server runs until told to stop: it polls a flag between reads;
//! - TCP and UDP ports are separate: one port number, two sockets.
//!
//! The pieces build on each other: [`greeting`], [`recv_datagram`],
//! [`answer_one`], [`serve`], then the client [`ask`] and [`greet_all`], and
//! [`bind_both`].

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The longest name the server accepts, in bytes: the tutorials'
/// `recvfrom(1024)`.
pub const MAX_NAME: usize = 1024;

/// What [`greeting`] adds around a name: `Hello, ` (7 bytes) and `!` (1).
pub const GREETING_OVERHEAD: usize = 8;

/// The longest reply the server sends: a greeting for a [`MAX_NAME`]-byte
/// name.
pub const MAX_REPLY: usize = MAX_NAME + GREETING_OVERHEAD;

/// How often [`serve`] looks at its stop flag: the read timeout it sets on
/// its socket.
pub const POLL: Duration = Duration::from_millis(100);

/// How many TCP ports [`bind_both`] tries before it gives up.
pub const BIND_BOTH_TRIES: usize = 16;

/// Why a datagram could not be received or answered.
#[derive(Debug)]
pub enum RecvError {
    /// A datagram from `from` was longer than `limit` bytes: the receive
    /// buffer would have cut it short, so it is refused whole.
    TooLarge {
        /// Who sent it (on Windows, which reports the error without the
        /// sender, the receiving socket's own address).
        from: SocketAddr,
        /// The most bytes the receiver accepts.
        limit: usize,
    },
    /// The socket failed, or its read timeout passed (`WouldBlock` or
    /// `TimedOut`, depending on the platform).
    Io(io::Error),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::TooLarge { from, limit } => {
                write!(f, "a datagram from {from} is over {limit} bytes")
            }
            RecvError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for RecvError {}

impl From<io::Error> for RecvError {
    fn from(e: io::Error) -> Self {
        RecvError::Io(e)
    }
}

/// What a server did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    /// Datagrams answered with a greeting.
    pub answered: u64,
    /// Datagrams refused because they were over [`MAX_NAME`] bytes.
    pub too_large: u64,
}

/// How long a client waits for a reply, and how often it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// How long to wait for the reply to one send before sending again.
    pub timeout: Duration,
    /// How many times to send a name in all (the first send included).
    pub attempts: u32,
}

impl Default for Retry {
    /// One second per attempt, five attempts.
    fn default() -> Self {
        Retry {
            timeout: Duration::from_secs(1),
            attempts: 5,
        }
    }
}

/// Why a client got no answer.
#[derive(Debug)]
pub enum ClientError {
    /// Every attempt for `name` went unanswered.
    NoReply {
        /// The name that was asked.
        name: String,
        /// How many times it was sent.
        attempts: u32,
    },
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NoReply { name, attempts } => {
                write!(f, "no reply for {name:?} after {attempts} attempts")
            }
            ClientError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// Step 1. The reply to `name`: `Hello, ` + `name` + `!`, byte for byte, as
/// Python's `b'Hello, %s!' % data` builds it.
///
/// Do not decode the name: an empty name gives `Hello, !`, and bytes that
/// are not UTF-8 are copied as they are.
pub fn greeting(name: &[u8]) -> Vec<u8> {
    let _ = name;
    todo!("the greeting's bytes around the name's bytes")
}

/// Steps 2, 3 and 4. Receives ONE datagram of at most `limit` bytes and
/// returns it with its sender's address. Python: `data, addr =
/// s.recvfrom(limit)`.
///
/// - It returns exactly one datagram, whole: never part of one, never two
///   (step 3). An empty datagram is `Ok` with no bytes: for UDP, 0 bytes
///   does not mean "closed" (step 2). The address is the datagram's sender.
/// - A datagram of more than `limit` bytes is refused whole:
///   `Err(RecvError::TooLarge { from, limit })`, never a datagram cut to
///   `limit` bytes (which is what `recv_from` does, without a word, with a
///   buffer of `limit` bytes). A datagram of exactly `limit` bytes is fine.
///   The refused datagram is consumed: the next call returns the next one
///   (step 4).
/// - A receive interrupted by a signal (`ErrorKind::Interrupted`) is made
///   again; any other error (the socket's read timeout included) is
///   `Err(RecvError::Io(e))`.
pub fn recv_datagram(socket: &UdpSocket, limit: usize) -> Result<(Vec<u8>, SocketAddr), RecvError> {
    let _ = (socket, limit);
    todo!("receive one datagram of at most limit bytes")
}

/// Step 5. Receives one name (at most [`MAX_NAME`] bytes, as
/// [`recv_datagram`] says) and sends its [`greeting`] back to the address
/// that very datagram came from; returns that address. Python:
/// `data, addr = s.recvfrom(1024); s.sendto(b'Hello, %s!' % data, addr)`.
///
/// A name over [`MAX_NAME`] bytes gets no reply: the result is the
/// [`RecvError::TooLarge`]. Send errors are `RecvError::Io`. The socket's
/// read timeout, if it has one, applies.
pub fn answer_one(socket: &UdpSocket) -> Result<SocketAddr, RecvError> {
    let _ = socket;
    todo!("receive a name, greet its sender")
}

/// Steps 5 to 8. The echo server: answers every datagram as [`answer_one`]
/// does until `stop` is set (`stop.load(Ordering::SeqCst)`), then returns
/// `Ok` with what it did.
///
/// - It returns within about [`POLL`] of `stop` being set, even when no
///   datagram ever comes: it may never wait longer than that for one
///   (step 6). A wait that ends without a datagram is not an error.
/// - [`Served::answered`] counts the datagrams answered, and
///   [`Served::too_large`] the names refused for being over [`MAX_NAME`];
///   neither stops the server (steps 6 and 8).
/// - Every datagram may come from another client: each reply goes to its
///   own datagram's sender (step 7).
/// - Nothing a client does stops it: an empty or non-UTF-8 name is greeted;
///   a vanished client may cause `ConnectionRefused` or `ConnectionReset`
///   on some systems, which are skipped (as `Interrupted` is). Only other
///   socket errors are returned, as `Err` (step 8).
pub fn serve(socket: &UdpSocket, stop: &AtomicBool) -> io::Result<Served> {
    let _ = (socket, stop);
    todo!("answer datagrams until stop is set, and count them")
}

/// Steps 10 to 12. Sends `name` to `server` and returns the server's reply,
/// `Hello, {name}!`, as a `String`.
///
/// - An attempt sends the name's bytes (nothing more) once, then waits up
///   to `retry.timeout` for the reply. No reply in that time: another
///   attempt, at most `retry.attempts` in all; then
///   `Err(ClientError::NoReply { name, attempts })` (step 12).
/// - The reply is the datagram from `server`'s own address that is exactly
///   [`greeting`]`(name)`. Every other datagram is skipped: one from another
///   address, one over [`MAX_REPLY`] bytes, one that greets someone else (a
///   late or duplicated reply to an earlier name) (step 11).
/// - Skipped datagrams do not extend the wait: an attempt lasts
///   `retry.timeout` from its send, whatever arrives meanwhile, so a peer
///   that keeps sending junk cannot keep the client waiting (step 12).
/// - Other socket errors are `Err(ClientError::Io(e))`.
pub fn ask(
    socket: &UdpSocket,
    server: SocketAddr,
    name: &str,
    retry: Retry,
) -> Result<String, ClientError> {
    let _ = (socket, server, name, retry);
    todo!("ask, wait for the matching reply, ask again, give up")
}

/// Steps 9, 12 and 13. The client: one UDP socket on a port the kernel
/// chooses, of `server`'s family (IPv4 or IPv6), [`ask`]s each name in turn
/// and returns the replies in the names' order. The first name that gets no
/// reply ends it with that error: the names after it are not sent.
pub fn greet_all(
    server: SocketAddr,
    names: &[&str],
    retry: Retry,
) -> Result<Vec<String>, ClientError> {
    let _ = (server, names, retry);
    todo!("one socket, then ask each name in turn")
}

/// Step 14. Binds a TCP listener AND a UDP socket to the same port number on
/// `ip`: TCP's port 9999 and UDP's port 9999 are two separate ports.
///
/// The port is one the kernel finds free for TCP (never a fixed number).
/// The same number may already be taken for UDP by someone else
/// (`AddrInUse`): then another port is tried, up to [`BIND_BOTH_TRIES`]
/// ports in all, and after that the last error is returned. Any other error
/// is returned at once. Both sockets are bound on `ip` itself.
pub fn bind_both(ip: IpAddr) -> io::Result<(TcpListener, UdpSocket)> {
    let _ = ip;
    todo!("one port number, a TCP listener and a UDP socket on it")
}
