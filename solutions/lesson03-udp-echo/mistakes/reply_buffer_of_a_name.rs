//! mistake: the client receives replies into a buffer of MAX_NAME bytes, though a greeting is GREETING_OVERHEAD bytes longer
//! fails: step09_client_gets_replies_in_order
//! says: receive into a buffer that holds MAX_REPLY bytes
//! Lesson 03: a UDP echo server and a client that survives a bad network.
//!
//! The classic tutorials end their socket chapter with UDP: a server that
//! `recvfrom`s a name and `sendto`s `Hello, X!` back to whoever sent it, and
//! a client that `sendto`s three names and prints three replies. There is no
//! connection, no `listen`, no `accept`: every datagram carries its sender's
//! address, and every reply is addressed by hand.
//!
//! This lesson does the same with [`std::net::UdpSocket`], and does what the
//! tutorials leave out:
//!
//! - a datagram is a message: one send is one receive, boundaries kept, and a
//!   datagram bigger than the buffer is cut short *silently*; here it is
//!   detected ([`recv_datagram`] reads one byte more than it accepts) and
//!   reported as [`RecvError::TooLarge`];
//! - UDP loses, duplicates and reorders: the client waits with a timeout,
//!   retries a bounded number of times, and accepts only the reply that
//!   answers its question, from the server it asked ([`ask`]);
//! - the server runs until told to stop: it polls a flag between reads, so a
//!   caller (a test, a signal handler) can end it ([`serve`]);
//! - TCP and UDP ports are separate: one port number, two sockets
//!   ([`bind_both`]).
//!
//! The pieces: [`greeting`], [`recv_datagram`], [`answer_one`], [`serve`],
//! then the client [`ask`] and [`greet_all`], and [`bind_both`].

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

/// The reply to `name`: `Hello, ` + `name` + `!`, byte for byte, as Python's
/// `b'Hello, %s!' % data` builds it. The name is not decoded: an empty name
/// or bytes that are not UTF-8 are greeted as they are.
pub fn greeting(name: &[u8]) -> Vec<u8> {
    let mut reply = Vec::with_capacity(name.len() + GREETING_OVERHEAD);
    reply.extend_from_slice(b"Hello, ");
    reply.extend_from_slice(name);
    reply.push(b'!');
    reply
}

/// Receives ONE datagram of at most `limit` bytes and returns it with its
/// sender's address. Python: `data, addr = s.recvfrom(limit)`.
///
/// A datagram is a message: one receive returns exactly one whole datagram,
/// never part of one and never two. But a datagram longer than the buffer is
/// truncated without a word (Linux, macOS) or fails (Windows). So the buffer
/// is one byte longer than `limit`: if that byte gets used, the datagram was
/// too long, and the result is [`RecvError::TooLarge`]: the datagram is
/// consumed and refused whole, the next receive reads the next one.
pub fn recv_datagram(socket: &UdpSocket, limit: usize) -> Result<(Vec<u8>, SocketAddr), RecvError> {
    let mut buf = vec![0u8; limit.saturating_add(1)];
    let (n, from) = loop {
        match socket.recv_from(&mut buf) {
            Ok(got) => break got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_message_too_long(&e) => {
                // Windows says so instead of truncating, but also without
                // the sender's address: all we know is our own socket.
                let from = socket.local_addr()?;
                return Err(RecvError::TooLarge { from, limit });
            }
            Err(e) => return Err(e.into()),
        }
    };
    if n > limit {
        return Err(RecvError::TooLarge { from, limit });
    }
    buf.truncate(n);
    Ok((buf, from))
}

/// `WSAEMSGSIZE`: how Windows reports a datagram longer than the buffer.
fn is_message_too_long(e: &io::Error) -> bool {
    cfg!(windows) && e.raw_os_error() == Some(10040)
}

/// Receives one name (at most [`MAX_NAME`] bytes) and sends its
/// [`greeting`] back to the address it came from; returns that address.
/// Python: `data, addr = s.recvfrom(1024); s.sendto(b'Hello, %s!' % data, addr)`.
///
/// A name over [`MAX_NAME`] bytes gets no reply: it is
/// [`RecvError::TooLarge`]. The read timeout set on `socket`, if any,
/// applies.
pub fn answer_one(socket: &UdpSocket) -> Result<SocketAddr, RecvError> {
    let (name, from) = recv_datagram(socket, MAX_NAME)?;
    socket.send_to(&greeting(&name), from)?;
    Ok(from)
}

/// The echo server: answers every datagram with [`answer_one`] until `stop`
/// is set, then returns what it did.
///
/// It sets a read timeout of [`POLL`] on `socket`, so a receive that waits in
/// vain returns in time to look at `stop` again. Nothing a client sends stops
/// it: an oversized name is counted and refused, and the errors a vanished
/// peer can cause (`ConnectionRefused`/`ConnectionReset`, from ICMP "port
/// unreachable" on some systems) are skipped. Only an unexpected socket
/// failure is returned as an error.
pub fn serve(socket: &UdpSocket, stop: &AtomicBool) -> io::Result<Served> {
    socket.set_read_timeout(Some(POLL))?;
    let mut served = Served::default();
    while !stop.load(Ordering::SeqCst) {
        match answer_one(socket) {
            Ok(_) => served.answered += 1,
            Err(RecvError::TooLarge { .. }) => served.too_large += 1,
            Err(RecvError::Io(e)) if is_transient(&e) => {}
            Err(RecvError::Io(e)) => return Err(e),
        }
    }
    Ok(served)
}

/// Errors after which a UDP socket is still fine: a timeout (time to poll),
/// a signal, or news that an earlier peer has gone.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
    )
}

/// Sends `name` to `server` and returns the server's reply, `Hello, {name}!`.
///
/// Each attempt sends the name once, then waits up to `retry.timeout` for
/// the reply; after `retry.attempts` unanswered attempts the result is
/// [`ClientError::NoReply`]. While waiting, every datagram that is not the
/// answer is ignored: one from another address, one over [`MAX_REPLY`]
/// bytes, or one that greets another name (a late or duplicated answer to an
/// earlier question). Datagrams that are ignored do not extend the wait.
///
/// With the same name asked twice in a row, a duplicate of the first answer
/// is indistinguishable from the second: the text is right, but it may not
/// prove the second request arrived. The tutorials' protocol has no request
/// number to tell them apart; real protocols (DNS, for one) add one.
pub fn ask(
    socket: &UdpSocket,
    server: SocketAddr,
    name: &str,
    retry: Retry,
) -> Result<String, ClientError> {
    let expected = greeting(name.as_bytes());
    for _ in 0..retry.attempts {
        socket.send_to(name.as_bytes(), server)?;
        let deadline = Instant::now() + retry.timeout;
        while let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
        {
            socket.set_read_timeout(Some(left))?;
            match recv_datagram(socket, MAX_NAME) {
                Ok((reply, from)) if from == server && reply == expected => {
                    return Ok(format!("Hello, {name}!"));
                }
                Ok(_) | Err(RecvError::TooLarge { .. }) => {}
                Err(RecvError::Io(e)) if is_transient(&e) => {}
                Err(RecvError::Io(e)) => return Err(e.into()),
            }
        }
    }
    Err(ClientError::NoReply {
        name: name.to_owned(),
        attempts: retry.attempts,
    })
}

/// The client: binds one UDP socket on an ephemeral port (the unspecified
/// address of `server`'s family, as Python's first `sendto` does), then
/// [`ask`]s each name in turn and returns the replies in the names' order.
/// The first name that gets no reply ends it with the error.
pub fn greet_all(
    server: SocketAddr,
    names: &[&str],
    retry: Retry,
) -> Result<Vec<String>, ClientError> {
    let any: IpAddr = match server {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let socket = UdpSocket::bind((any, 0))?;
    names
        .iter()
        .map(|name| ask(&socket, server, name, retry))
        .collect()
}

/// Binds a TCP listener AND a UDP socket to the same port number on `ip`:
/// TCP's port 9999 and UDP's port 9999 are two separate ports.
///
/// The kernel picks a free TCP port (port 0); the UDP socket then binds the
/// same number. That number may already be taken for UDP by someone else, so
/// on `AddrInUse` both are let go and a fresh TCP port is tried, up to
/// [`BIND_BOTH_TRIES`] times.
pub fn bind_both(ip: IpAddr) -> io::Result<(TcpListener, UdpSocket)> {
    let mut last = None;
    for _ in 0..BIND_BOTH_TRIES {
        let tcp = TcpListener::bind((ip, 0))?;
        let port = tcp.local_addr()?.port();
        match UdpSocket::bind((ip, port)) {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)))
}
