//! Lesson 06: a `socketserver` of our own.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson06` (or `cargo checker 6`) to see which steps pass;
//! read `docs/src/06-socketserver.md` alongside.
//!
//! Python's `socketserver` splits a server in two: the *server* owns the
//! listening socket and the loop (`serve_forever`, `shutdown`), and a
//! *handler class* holds what to do with one request (`setup`, `handle`,
//! `finish`). A new handler is made for every request, so a handler keeps
//! per-connection state in `self` and never shares it by accident.
//!
//! The same shape in Rust:
//!
//! - a handler is a type that implements [`StreamHandler`] (TCP) or
//!   [`DatagramHandler`] (UDP); the server makes one per request with a
//!   factory, a closure `Fn() -> H`, as Python calls the class;
//! - a TCP request is a [`StreamRequest`]: a buffered reader `rfile`, a
//!   buffered writer `wfile` and the `client_address`; [`serve_stream`] runs
//!   `setup`, `handle`, `finish`, flushes and closes, and turns errors and
//!   panics into a [`HandlerError`];
//! - [`TcpServer`] serves one request at a time, [`ThreadingTcpServer`] a
//!   thread per request, [`UdpServer`] one datagram at a time;
//! - `serve_forever(poll_interval)` loops until a [`ShutdownHandle`], cloned
//!   to another thread, calls `shutdown()`;
//! - a failing or panicking handler is reported to the `handle_error` hook
//!   and the server goes on serving the next client.
//!
//! The demo's handler, [`ChatHandler`], speaks the tutorial's protocol: a
//! greeting, then every line back with `发送` ("sent") replaced by `接收`
//! ("received").
//!
//! The structs below already list the private fields a solution needs; you
//! may change them. The trait methods with a body are finished: Python's
//! defaults do nothing either.

use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

/// How many connections the kernel queues before `accept` takes them (the
/// `backlog` of `listen`). Python's `socketserver` uses 5, a value from the
/// days of small machines; a busy server wants more.
pub const REQUEST_QUEUE_SIZE: i32 = 128;

/// The largest datagram a [`UdpServer`] hands to its handler: Python's
/// `UDPServer.max_packet_size`. A longer one is reported and dropped.
pub const MAX_PACKET_SIZE: usize = 8192;

/// What the demo's server sends when a client connects ("connected....").
pub const GREETING: &str = "连接上了....\n";

/// The longest line [`ChatHandler`] accepts, newline included. A client that
/// sends more without a newline is cut off, so memory stays bounded.
pub const MAX_LINE: usize = 64 * 1024;

// ---------------------------------------------------------------------------
// Handlers and requests
// ---------------------------------------------------------------------------

/// One TCP connection as a handler sees it: Python's `StreamRequestHandler`
/// attributes.
#[derive(Debug)]
pub struct StreamRequest {
    /// Reads what the client sent, buffered: `read_line`, `read_until`,
    /// `read_exact` (Python's `self.rfile`). Read the client through it
    /// only: a read on the stream inside (`rfile.get_mut()`, Python's
    /// `self.request`) skips the bytes it has already buffered.
    pub rfile: BufReader<TcpStream>,
    /// Writes to the client, buffered: nothing leaves until a `flush` or the
    /// end of the request (Python's `self.wfile`).
    pub wfile: BufWriter<TcpStream>,
    /// The client's address and port (Python's `self.client_address`).
    pub client_address: SocketAddr,
}

impl StreamRequest {
    /// Step 2. Wraps an accepted connection for a handler, as Python's
    /// `makefile('rb')` and `makefile('wb')` do: `rfile` reads what this
    /// client sends and `wfile` writes to this same client, both buffered
    /// and usable at the same time; `client_address` is kept as given.
    ///
    /// Errors: the operating system could not give a second handle on the
    /// socket.
    pub fn new(stream: TcpStream, client_address: SocketAddr) -> io::Result<StreamRequest> {
        let _ = (stream, client_address);
        todo!("StreamRequest::new: a buffered reader and writer on the connection")
    }
}

/// What to do with one TCP connection: Python's `BaseRequestHandler`.
///
/// The server makes a fresh handler for every connection and calls `setup`,
/// then `handle`, then `finish` (even when `handle` failed or panicked).
/// Only `handle` must be written; the others do nothing by default.
pub trait StreamHandler {
    /// Runs first. An error here skips `handle` and `finish`.
    fn setup(&mut self, _request: &mut StreamRequest) -> io::Result<()> {
        Ok(())
    }

    /// Serves the connection: read from `request.rfile`, write to
    /// `request.wfile`. Returning ends the connection.
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()>;

    /// Runs last, after `handle` returned, failed or panicked: clean up here.
    fn finish(&mut self, _request: &mut StreamRequest) -> io::Result<()> {
        Ok(())
    }
}

/// One datagram as a handler sees it: Python's `self.request`, which for
/// UDP is the pair `(data, socket)`.
#[derive(Debug, Clone, Copy)]
pub struct DatagramRequest<'a> {
    /// The datagram's bytes, at most [`MAX_PACKET_SIZE`].
    pub data: &'a [u8],
    /// The server's socket, to answer on.
    pub socket: &'a UdpSocket,
    /// Who sent the datagram.
    pub client_address: SocketAddr,
}

impl DatagramRequest<'_> {
    /// Step 10. Sends `bytes` to `client_address` as one datagram from the
    /// server's socket (Python's `sendto`).
    ///
    /// Errors: the send failed, or sent fewer bytes than asked.
    pub fn reply(&self, bytes: &[u8]) -> io::Result<()> {
        let _ = bytes;
        todo!("DatagramRequest::reply: the bytes back to the client as one datagram")
    }
}

/// What to do with one datagram: Python's `BaseRequestHandler` under a
/// `UDPServer`. Called as [`StreamHandler`] is: `setup`, `handle`, `finish`.
pub trait DatagramHandler {
    /// Runs first. An error here skips `handle` and `finish`.
    fn setup(&mut self, _request: &DatagramRequest<'_>) -> io::Result<()> {
        Ok(())
    }

    /// Serves the datagram, usually with [`DatagramRequest::reply`].
    fn handle(&mut self, request: &DatagramRequest<'_>) -> io::Result<()>;

    /// Runs last, after `handle` returned, failed or panicked.
    fn finish(&mut self, _request: &DatagramRequest<'_>) -> io::Result<()> {
        Ok(())
    }
}

/// Why a request failed: what the `handle_error` hook receives.
#[derive(Debug)]
pub enum HandlerError {
    /// A handler method (or the socket under it) returned an error.
    Io(io::Error),
    /// A handler method panicked; the text is the panic's message.
    Panic(String),
    /// A datagram was longer than [`MAX_PACKET_SIZE`]; it was dropped.
    DatagramTooLarge,
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Io(e) => write!(f, "handler failed: {e}"),
            HandlerError::Panic(message) => write!(f, "handler panicked: {message}"),
            HandlerError::DatagramTooLarge => {
                write!(f, "datagram longer than {MAX_PACKET_SIZE} bytes dropped")
            }
        }
    }
}

impl std::error::Error for HandlerError {}

impl From<io::Error> for HandlerError {
    fn from(e: io::Error) -> Self {
        HandlerError::Io(e)
    }
}

/// Steps 3 and 11. Serves one TCP connection with `handler`: what Python's
/// handler constructor and the server's `shutdown_request` do together.
///
/// - The methods run in Python's order: `setup`; then `handle`; then
///   `finish`, which runs whether `handle` returned, failed or panicked (a
///   `try`/`finally`). A failed or panicking `setup` runs neither.
/// - Whatever happened, everything the handler wrote to `wfile` reaches the
///   client, and then the client sees EOF at once, even if the handler kept
///   a clone of the socket.
/// - Returns `Ok(())` when every method succeeded; otherwise the first
///   failure: [`HandlerError::Io`] for an error, [`HandlerError::Panic`]
///   with the panic's message for a panic. No panic escapes.
pub fn serve_stream<H: StreamHandler + ?Sized>(
    handler: &mut H,
    stream: TcpStream,
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let _ = (handler, stream, client_address);
    todo!("serve_stream: setup, handle, finish in Python's order, then flush and close")
}

/// Step 10. Serves one datagram with `handler`, as [`serve_stream`] does a
/// connection: `setup` (a failure stops there), `handle`, then `finish`
/// whether `handle` returned, failed or panicked. Returns the first failure,
/// an error as [`HandlerError::Io`], a panic as [`HandlerError::Panic`]; no
/// panic escapes.
pub fn serve_datagram<H: DatagramHandler + ?Sized>(
    handler: &mut H,
    socket: &UdpSocket,
    data: &[u8],
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let _ = (handler, socket, data, client_address);
    todo!("serve_datagram: setup, handle, finish in Python's order")
}

/// Step 11. Python's default `handle_error`: prints to stderr, between two
/// rulers of 40 `-`, `Exception occurred during processing of request from
/// {client_address}` and the error. The servers use it until
/// `set_handle_error` replaces it.
pub fn print_error(client_address: SocketAddr, error: &HandlerError) {
    let _ = (client_address, error);
    todo!("print_error: Python's report of a failed request, on stderr")
}

// ---------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------

#[allow(dead_code)] // the stub does not use its fields yet
#[derive(Debug, Default)]
struct ShutdownState {
    /// Set by `shutdown`, seen by the serving loop between polls.
    requested: AtomicBool,
    /// The thread inside `serve_forever`, if one is.
    serving: Mutex<Option<ThreadId>>,
    /// Signalled when `serve_forever` returns.
    stopped: Condvar,
}

/// Stops a server's `serve_forever` from another thread. Clone it freely:
/// every clone stops the same server.
#[allow(dead_code)] // the stub does not use its fields yet
#[derive(Debug, Clone, Default)]
pub struct ShutdownHandle {
    state: Arc<ShutdownState>,
}

impl ShutdownHandle {
    /// Step 6. Tells `serve_forever` to stop and returns only once it has
    /// returned, as Python's `shutdown()` does.
    ///
    /// - An idle server stops within about one poll interval; a serial
    ///   server first finishes the request it is serving (it is served
    ///   inside `serve_forever`), and `shutdown()` waits for that too.
    /// - Called on the serving thread itself (a handler of a serial server
    ///   stopping its own server), it only asks and returns at once: Python
    ///   deadlocks there; this one must not.
    /// - Called when nothing is serving, it returns at once (Python's waits
    ///   until some `serve_forever` has run). The request stands: the next
    ///   `serve_forever` returns immediately without serving, using it up.
    /// - The request is used up when `serve_forever` returns, however it
    ///   returns: a later `serve_forever` on the same server serves again
    ///   until the next `shutdown()`.
    pub fn shutdown(&self) {
        todo!("ShutdownHandle::shutdown: ask serve_forever to stop, wait until it has returned")
    }
}

// ---------------------------------------------------------------------------
// TCP servers
// ---------------------------------------------------------------------------

/// Makes one boxed handler per request; shared between threads.
type StreamFactory = Arc<dyn Fn() -> Box<dyn StreamHandler> + Send + Sync>;
/// The `handle_error` hook; shared between threads.
type ErrorHook = Arc<dyn Fn(SocketAddr, &HandlerError) + Send + Sync>;

/// Step 7. A TCP listener on `addr` (IPv4 or IPv6), listening with a
/// backlog of [`REQUEST_QUEUE_SIZE`], with `SO_REUSEADDR` set exactly when
/// `allow_reuse_address`: Python's `server_bind` and `server_activate`.
///
/// Errors: `AddrInUse` when `allow_reuse_address` is false and the port is
/// still held by a recently closed connection in `TIME_WAIT` (with it, the
/// bind succeeds); any other error of creating, binding or listening. The
/// option only counts if set before the bind: std's `TcpListener::bind`
/// sets it by itself on Unix and gives no choice, so turning it off or on
/// takes a crate that sets options before binding (the chapter shows it).
pub fn bind_listener(addr: SocketAddr, allow_reuse_address: bool) -> io::Result<TcpListener> {
    let _ = (addr, allow_reuse_address);
    todo!("bind_listener: a listening socket, SO_REUSEADDR only when asked")
}

/// A TCP server that serves one connection at a time: Python's
/// `socketserver.TCPServer`. While a handler runs, other clients wait in
/// the kernel's queue.
#[allow(dead_code)] // the stub does not use its fields yet
pub struct TcpServer {
    listener: TcpListener,
    factory: StreamFactory,
    on_error: ErrorHook,
    timeout: Option<Duration>,
    shutdown: ShutdownHandle,
}

impl fmt::Debug for TcpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpServer")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

impl TcpServer {
    /// Step 7. Listens on the first address `addr` resolves to that can be
    /// bound (without `SO_REUSEADDR`, as Python's default); `factory` makes
    /// one handler per connection.
    ///
    /// Errors: resolving failed, no address could be bound (the last bind
    /// error), or `addr` resolved to no address at all (`InvalidInput`).
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<TcpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (addr.to_socket_addrs(), factory);
        todo!("TcpServer::bind: a listener on the address, then a server on it")
    }

    /// Step 4. A server on a listener that is already bound and listening.
    /// `factory` is called once per connection, on whichever thread serves
    /// it. The error hook starts as [`print_error`], the timeout as `None`;
    /// nothing is accepted until `handle_request` or `serve_forever`.
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> TcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (listener, factory);
        todo!("TcpServer::from_listener: keep the listener and the factory")
    }

    /// Step 4. The address the server listens on, with the real port when it
    /// was bound to port 0 (Python's `server_address`).
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("TcpServer::server_address: the address listened on")
    }

    /// Step 6. A handle that stops this server's `serve_forever` from
    /// another thread; every handle taken stops the same server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("TcpServer::shutdown_handle: a handle on this server's shutdown")
    }

    /// Step 12. Sets a read and write timeout on every connection (Python's
    /// `StreamRequestHandler.timeout`): a client that goes quiet for longer
    /// makes its handler's read fail instead of holding the server. `None`,
    /// the default, waits for ever.
    ///
    /// Every accepted connection gets exactly this timeout, `None` included,
    /// and is in blocking mode: never the timeout `serve_forever` polls the
    /// listener with (an accepted socket inherits its listener's timeout,
    /// and off Linux its non-blocking mode too).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        let _ = timeout;
        todo!("TcpServer::set_timeout: the timeout of the connections to come")
    }

    /// Step 11. Replaces the `handle_error` hook, called with the client's
    /// address whenever a request fails or panics (every `Err` from
    /// [`serve_stream`]). The default is [`print_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("TcpServer::set_handle_error: the hook for the requests to come")
    }

    /// Step 4. Waits, without a time limit, for one connection and serves it
    /// to the end with a fresh handler (Python's `handle_request`). A failed
    /// request goes to the error hook, not to the caller: the only `Err` is
    /// an `accept` error.
    pub fn handle_request(&mut self) -> io::Result<()> {
        todo!("TcpServer::handle_request: one connection, served to the end")
    }

    /// Steps 5, 6 and 16. Serves connections one after another, each to its
    /// end on the calling thread, until a [`ShutdownHandle`] asks it to
    /// stop (Python waits in `select(poll_interval)` between clients).
    ///
    /// - While no client connects it sleeps in the kernel, waking at least
    ///   every `poll_interval` to look for a shutdown; it never spins.
    ///   `Duration::ZERO` means "look as often as you can" (still asleep in
    ///   the kernel between looks), not "never". (On Linux a read timeout on
    ///   the listening socket bounds `accept`; macOS and the BSDs ignore it
    ///   there: the chapter says what to do instead.)
    /// - An accept that times out, is interrupted, or meets a client that
    ///   left (`WouldBlock`, `TimedOut`, `Interrupted`, `ConnectionAborted`,
    ///   `ConnectionReset`) is no error: it goes on.
    /// - Returns `Ok(())` when shut down, or the error that broke the
    ///   listening socket. May be called again afterwards.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("TcpServer::serve_forever: serve connections in turn until shut down")
    }
}

/// A TCP server that serves every connection on a thread of its own:
/// Python's `socketserver.ThreadingTCPServer`. A slow client no longer
/// holds up the others.
#[allow(dead_code)] // the stub does not use its fields yet
pub struct ThreadingTcpServer {
    listener: TcpListener,
    factory: StreamFactory,
    on_error: ErrorHook,
    timeout: Option<Duration>,
    shutdown: ShutdownHandle,
    /// The handler threads, to join in `server_close`.
    workers: Vec<JoinHandle<()>>,
}

impl fmt::Debug for ThreadingTcpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadingTcpServer")
            .field("listener", &self.listener)
            .field("workers", &self.workers.len())
            .finish_non_exhaustive()
    }
}

impl ThreadingTcpServer {
    /// Steps 7 and 8. Binds `addr` and listens, as [`TcpServer::bind`].
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<ThreadingTcpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (addr.to_socket_addrs(), factory);
        todo!("ThreadingTcpServer::bind: a listener on the address, then a server on it")
    }

    /// Step 8. A server on a listener that is already bound and listening,
    /// as [`TcpServer::from_listener`].
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> ThreadingTcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (listener, factory);
        todo!("ThreadingTcpServer::from_listener: keep the listener and the factory")
    }

    /// Step 8. The address the server listens on.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("ThreadingTcpServer::server_address: the address listened on")
    }

    /// Step 8. A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("ThreadingTcpServer::shutdown_handle: a handle on this server's shutdown")
    }

    /// Step 8. Sets a read and write timeout on every connection; see
    /// [`TcpServer::set_timeout`].
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        let _ = timeout;
        todo!("ThreadingTcpServer::set_timeout: the timeout of the connections to come")
    }

    /// Step 11. Replaces the `handle_error` hook; see
    /// [`TcpServer::set_handle_error`]. The hook runs on the request's thread.
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("ThreadingTcpServer::set_handle_error: the hook for the requests to come")
    }

    /// Steps 8 and 16. Accepts connections until shut down, as
    /// [`TcpServer::serve_forever`] does (the same polling, the same
    /// errors), but serves each on a thread of its own (Python's
    /// `ThreadingMixIn.process_request`): a connected client never holds up
    /// the next one. Returns as soon as it is shut down, while handlers may
    /// still be running; the server remembers them for `server_close`
    /// without growing for ever on a long-running server.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("ThreadingTcpServer::serve_forever: a thread per connection until shut down")
    }

    /// Step 9. Stops listening, then returns only once every handler still
    /// running has finished (Python's `server_close` with
    /// `block_on_close`): the clients already connected are served to the
    /// end.
    pub fn server_close(self) {
        todo!("ThreadingTcpServer::server_close: stop listening, wait for the handlers")
    }
}

// ---------------------------------------------------------------------------
// UDP server
// ---------------------------------------------------------------------------

/// Makes one boxed datagram handler per request.
type DatagramFactory = Arc<dyn Fn() -> Box<dyn DatagramHandler> + Send + Sync>;

/// A UDP server that hands each datagram to a fresh handler: Python's
/// `socketserver.UDPServer`. There is no connection: every datagram is a
/// request of its own.
#[allow(dead_code)] // the stub does not use its fields yet
pub struct UdpServer {
    socket: UdpSocket,
    factory: DatagramFactory,
    on_error: ErrorHook,
    shutdown: ShutdownHandle,
}

impl fmt::Debug for UdpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpServer")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl UdpServer {
    /// Step 10. Binds a UDP socket to `addr`; `factory` makes one handler per
    /// datagram.
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<UdpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: DatagramHandler + 'static,
    {
        let _ = (addr.to_socket_addrs(), factory);
        todo!("UdpServer::bind: a UDP socket on the address, then a server on it")
    }

    /// Step 10. A server on a socket that is already bound; `factory` is
    /// called once per datagram. The hook starts as [`print_error`].
    pub fn from_socket<F, H>(socket: UdpSocket, factory: F) -> UdpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: DatagramHandler + 'static,
    {
        let _ = (socket, factory);
        todo!("UdpServer::from_socket: keep the socket and the factory")
    }

    /// Step 10. The address the server's socket is bound to.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("UdpServer::server_address: the address bound to")
    }

    /// Step 10. A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("UdpServer::shutdown_handle: a handle on this server's shutdown")
    }

    /// Step 11. Replaces the `handle_error` hook; see
    /// [`TcpServer::set_handle_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("UdpServer::set_handle_error: the hook for the datagrams to come")
    }

    /// Step 10. Waits, without a time limit, for one datagram and serves it
    /// as `serve_forever` would (Python's `handle_request`).
    pub fn handle_request(&mut self) -> io::Result<()> {
        todo!("UdpServer::handle_request: one datagram, served")
    }

    /// Steps 10, 11, 13 and 16. Serves datagrams, each with a fresh handler
    /// given the bytes and the sender's address, until a [`ShutdownHandle`]
    /// asks it to stop; polls as [`TcpServer::serve_forever`] does (asleep
    /// in the kernel between datagrams, never spinning).
    ///
    /// - A datagram longer than [`MAX_PACKET_SIZE`] is neither handled nor
    ///   answered: it is reported as [`HandlerError::DatagramTooLarge`]. An
    ///   empty datagram is a request like any other.
    /// - A failed request goes to the hook and serving goes on; a receive
    ///   that times out, is interrupted or reports an earlier datagram
    ///   refused (`ConnectionReset`) is no error.
    /// - Returns `Ok(())` when shut down, or the error that broke the socket.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("UdpServer::serve_forever: serve datagrams until shut down")
    }
}

// ---------------------------------------------------------------------------
// The demo's protocol
// ---------------------------------------------------------------------------

/// Step 1. The tutorial's answer to one line: the line with every `发送`
/// ("sent") replaced by `接收` ("received"), byte for byte otherwise.
///
/// A line that is not UTF-8 is answered too: its bytes pass through
/// unchanged, and any 发送 among them is still swapped (UTF-8 never puts a
/// character's bytes inside another's, so this cannot cut a character).
pub fn chat_reply(line: &[u8]) -> Vec<u8> {
    let _ = line;
    todo!("chat_reply: the line with every 发送 replaced by 接收")
}

/// Steps 14 and 15. Reads one line (up to and including `\n`) of at most
/// `max` bytes, newline included. `Ok(None)` at a clean EOF; the last line
/// may lack its `\n`. A longer line is an `InvalidData` error, and no more
/// than `max + 1` bytes are taken from `reader` to find that out: memory
/// stays bounded whatever the client sends.
pub fn read_line_limited<R: BufRead>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let _ = (reader, max);
    todo!("read_line_limited: one line, at most max bytes")
}

/// The demo server's handler. Step 14: the client gets [`GREETING`] as soon
/// as it connects, then the [`chat_reply`] to every line it sends, each as
/// soon as the line is complete, until it closes its side (a last line
/// without `\n` is answered too). Step 15: a line over [`MAX_LINE`] ends the
/// connection with an `InvalidData` error.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChatHandler;

impl StreamHandler for ChatHandler {
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        let _ = request;
        todo!("ChatHandler::handle: greet, then answer each line until EOF")
    }
}
