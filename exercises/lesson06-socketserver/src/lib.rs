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
    /// `read_exact` (Python's `self.rfile`).
    pub rfile: BufReader<TcpStream>,
    /// Writes to the client, buffered: nothing leaves until a `flush` or the
    /// end of the request (Python's `self.wfile`).
    pub wfile: BufWriter<TcpStream>,
    /// The client's address and port (Python's `self.client_address`).
    pub client_address: SocketAddr,
}

impl StreamRequest {
    /// Step 2. Wraps an accepted connection: `rfile` is a `BufReader` over
    /// one handle of the socket, `wfile` a `BufWriter` over another
    /// (`stream.try_clone()`), as Python's `makefile('rb')` and
    /// `makefile('wb')` do; `client_address` is kept as given.
    pub fn new(stream: TcpStream, client_address: SocketAddr) -> io::Result<StreamRequest> {
        let _ = (stream, client_address);
        todo!("try_clone the stream; BufReader on one handle, BufWriter on the other")
    }
}

/// What to do with one TCP connection: Python's `BaseRequestHandler`.
///
/// The server makes a fresh handler for every connection and calls `setup`,
/// then `handle`, then `finish` (even when `handle` failed). Only `handle`
/// must be written; the others do nothing by default.
pub trait StreamHandler {
    /// Runs first. An error here skips `handle` and `finish`.
    fn setup(&mut self, _request: &mut StreamRequest) -> io::Result<()> {
        Ok(())
    }

    /// Serves the connection: read from `request.rfile`, write to
    /// `request.wfile`. Returning ends the connection.
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()>;

    /// Runs last, after `handle` returned or failed: clean up here.
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
    /// Step 10. Sends `bytes` back to the client as one datagram:
    /// `socket.send_to(bytes, client_address)` (Python's `sendto`).
    pub fn reply(&self, bytes: &[u8]) -> io::Result<()> {
        let _ = bytes;
        todo!("send_to the client's address")
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

    /// Runs last, after `handle` returned or failed.
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
/// 1. wrap `stream` in a [`StreamRequest`];
/// 2. call `setup`; if it fails, stop there (no `handle`, no `finish`);
/// 3. call `handle`, then `finish` even if `handle` failed;
/// 4. whatever happened, flush `wfile` (so what the handler wrote reaches
///    the client) and close the connection (`shutdown(Shutdown::Write)`
///    sends the FIN at once);
/// 5. return the first error as [`HandlerError::Io`].
///
/// A panic in a handler method must not escape: run the calls inside
/// `std::panic::catch_unwind(AssertUnwindSafe(|| ...))` and return
/// [`HandlerError::Panic`] with the panic's message (the payload is a `&str`
/// or a `String`: try `downcast_ref` on both).
pub fn serve_stream<H: StreamHandler + ?Sized>(
    handler: &mut H,
    stream: TcpStream,
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let _ = (handler, stream, client_address);
    todo!("StreamRequest::new, setup, handle, finish, flush, close; catch panics")
}

/// Step 10. Serves one datagram with `handler`, as [`serve_stream`] does a
/// connection: `setup` (an error stops there), `handle`, then `finish` even
/// if `handle` failed. The first error is returned as [`HandlerError::Io`],
/// a panic as [`HandlerError::Panic`].
pub fn serve_datagram<H: DatagramHandler + ?Sized>(
    handler: &mut H,
    socket: &UdpSocket,
    data: &[u8],
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let _ = (handler, socket, data, client_address);
    todo!("build the DatagramRequest, call setup, handle, finish; catch panics")
}

/// Step 11. Python's default `handle_error`: prints to stderr, between two
/// rulers of 40 `-`, `Exception occurred during processing of request from
/// {client_address}` and the error. The servers use it until
/// `set_handle_error` replaces it.
pub fn print_error(client_address: SocketAddr, error: &HandlerError) {
    let _ = (client_address, error);
    todo!("eprintln! the client's address and the error")
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
    /// Step 6. Tells `serve_forever` to stop and waits until it has
    /// returned, as Python's `shutdown()` does.
    ///
    /// Set `requested`; then, unless the current thread is the one serving
    /// (a handler of a serial server calling its own server's shutdown:
    /// Python deadlocks there, you only ask), wait on `stopped` until
    /// `serving` is `None`. Called when nothing is serving, it returns at
    /// once.
    ///
    /// `serve_forever`'s side: on entry, store its thread's id in `serving`;
    /// on the way out, however it leaves (a guard with `Drop` is the sure
    /// way), clear `requested` and `serving` and `notify_all`.
    pub fn shutdown(&self) {
        todo!("set the flag, then wait (Condvar::wait_while) until serve_forever has returned")
    }
}

// ---------------------------------------------------------------------------
// TCP servers
// ---------------------------------------------------------------------------

/// Makes one boxed handler per request; shared between threads.
type StreamFactory = Arc<dyn Fn() -> Box<dyn StreamHandler> + Send + Sync>;
/// The `handle_error` hook; shared between threads.
type ErrorHook = Arc<dyn Fn(SocketAddr, &HandlerError) + Send + Sync>;

/// Step 7. Creates a TCP socket, sets `SO_REUSEADDR` if
/// `allow_reuse_address`, binds it to `addr` and listens with a backlog of
/// [`REQUEST_QUEUE_SIZE`]: Python's `server_bind` and `server_activate`.
///
/// Use `socket2::Socket` (std cannot set an option before `bind`):
/// `Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))`,
/// `set_reuse_address`, `bind(&addr.into())`, `listen`, then `.into()` a
/// `TcpListener`. Without `SO_REUSEADDR` the kernel refuses (`AddrInUse`) a
/// port that a recently closed connection still holds in `TIME_WAIT`.
pub fn bind_listener(addr: SocketAddr, allow_reuse_address: bool) -> io::Result<TcpListener> {
    let _ = (addr, allow_reuse_address);
    todo!("socket2: new, set_reuse_address, bind, listen, into TcpListener")
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
    /// Step 7. Binds `addr` (without `SO_REUSEADDR`, as Python's default)
    /// and listens; `factory` makes one handler per connection. Try
    /// [`bind_listener`] on each address `addr.to_socket_addrs()` gives.
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<TcpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (addr.to_socket_addrs(), factory);
        todo!("bind_listener on the address, then from_listener")
    }

    /// Step 4. Serves on a listener that is already bound and listening.
    /// Box the handlers the factory makes, so that one field holds any
    /// factory: `Arc::new(move || Box::new(factory()) as Box<dyn StreamHandler>)`.
    /// The error hook starts as [`print_error`], the timeout as `None`.
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> TcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (listener, factory);
        todo!("store the listener, the boxed factory, print_error, no timeout, a ShutdownHandle")
    }

    /// Step 4. The address the server listens on, with the real port when it
    /// was bound to port 0 (Python's `server_address`).
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("the listener's local address")
    }

    /// Step 6. A handle that stops `serve_forever` from another thread (a
    /// clone of the server's own).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("clone the server's ShutdownHandle")
    }

    /// Step 12. Sets a read and write timeout on every connection (Python's
    /// `StreamRequestHandler.timeout`): a client that goes quiet for longer
    /// makes its handler's read fail instead of holding the server. `None`,
    /// the default, waits for ever.
    ///
    /// Apply it to each accepted stream (`set_read_timeout`,
    /// `set_write_timeout`) even when it is `None`: an accepted socket
    /// inherits the listener's timeout, which `serve_forever` uses to poll.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        let _ = timeout;
        todo!("remember the timeout")
    }

    /// Step 11. Replaces the `handle_error` hook, called with the client's
    /// address whenever a request fails or panics (every `Err` from
    /// [`serve_stream`]). The default is [`print_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("store Arc::new(hook)")
    }

    /// Step 4. Waits for one connection and serves it to the end (Python's
    /// `handle_request`): `accept`, make a handler with the factory,
    /// [`serve_stream`], and give an `Err` to the error hook. An `accept`
    /// error is returned.
    pub fn handle_request(&mut self) -> io::Result<()> {
        todo!("accept one connection and serve it")
    }

    /// Steps 5 and 6. Serves connections one after another until a
    /// [`ShutdownHandle`] asks it to stop. Returns `Ok(())` when shut down,
    /// or the error that broke the listening socket.
    ///
    /// Python waits in `select(poll_interval)`; here, set the listener's
    /// read timeout to `poll_interval` (`socket2::SockRef::from(&listener)
    /// .set_read_timeout(..)`: on Linux it bounds `accept` too). Then loop
    /// while no shutdown is requested: `accept`; `WouldBlock` or `TimedOut`
    /// (the poll interval passed), `Interrupted` and `ConnectionAborted`
    /// just go round again; a connection is served to the end on this
    /// thread, as in `handle_request`.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("poll accept, serve each connection, stop when shut down")
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
        todo!("bind_listener on the address, then from_listener")
    }

    /// Step 8. Serves on a listener that is already bound and listening, as
    /// [`TcpServer::from_listener`].
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> ThreadingTcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        let _ = (listener, factory);
        todo!("as TcpServer::from_listener, with no workers yet")
    }

    /// Step 8. The address the server listens on.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("the listener's local address")
    }

    /// Step 8. A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("clone the server's ShutdownHandle")
    }

    /// Step 8. Sets a read and write timeout on every connection; see
    /// [`TcpServer::set_timeout`].
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        let _ = timeout;
        todo!("remember the timeout")
    }

    /// Step 11. Replaces the `handle_error` hook; see
    /// [`TcpServer::set_handle_error`]. The hook runs on the request's thread.
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("store Arc::new(hook)")
    }

    /// Step 8. Accepts connections until shut down, as
    /// [`TcpServer::serve_forever`], but serves each on a new thread
    /// (Python's `ThreadingMixIn.process_request`) and goes straight back to
    /// `accept`. The thread gets clones of the `Arc`s it needs (factory,
    /// hook) and the timeout. Keep each `JoinHandle` in `workers`, dropping
    /// the finished ones (`is_finished`) so the list stays small. Returns as
    /// soon as it is shut down, while handlers may still be running.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("poll accept, spawn a thread per connection, stop when shut down")
    }

    /// Step 9. Closes the listening socket and waits for the handlers still
    /// running (Python's `server_close` with `block_on_close`): the clients
    /// already connected are served to the end. Drop the listener, then
    /// `join` every worker.
    pub fn server_close(self) {
        todo!("drop the listener, join the workers")
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
        todo!("UdpSocket::bind, then from_socket")
    }

    /// Step 10. Serves on a socket that is already bound. Box the factory's
    /// handlers as [`TcpServer::from_listener`] does.
    pub fn from_socket<F, H>(socket: UdpSocket, factory: F) -> UdpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: DatagramHandler + 'static,
    {
        let _ = (socket, factory);
        todo!("store the socket, the boxed factory, print_error, a ShutdownHandle")
    }

    /// Step 10. The address the server's socket is bound to.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        todo!("the socket's local address")
    }

    /// Step 10. A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        todo!("clone the server's ShutdownHandle")
    }

    /// Step 11. Replaces the `handle_error` hook; see
    /// [`TcpServer::set_handle_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        let _ = hook;
        todo!("store Arc::new(hook)")
    }

    /// Step 10. Waits for one datagram and serves it (Python's
    /// `handle_request`), as one round of `serve_forever` without a timeout.
    pub fn handle_request(&mut self) -> io::Result<()> {
        todo!("receive one datagram and serve it")
    }

    /// Steps 10, 11 and 13. Serves datagrams until a [`ShutdownHandle`] asks
    /// it to stop.
    ///
    /// Set the socket's read timeout to `poll_interval`; loop while no
    /// shutdown is requested: `recv_from` into a buffer of
    /// `MAX_PACKET_SIZE + 1` bytes (`WouldBlock`, `TimedOut`, `Interrupted`
    /// and `ConnectionReset` go round again); more than [`MAX_PACKET_SIZE`]
    /// bytes means the datagram was too long: report
    /// [`HandlerError::DatagramTooLarge`] to the hook and answer nothing.
    /// Otherwise make a handler with the factory and [`serve_datagram`];
    /// an `Err` goes to the hook.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _ = poll_interval;
        todo!("poll recv_from, serve each datagram, stop when shut down")
    }
}

// ---------------------------------------------------------------------------
// The demo's protocol
// ---------------------------------------------------------------------------

/// Step 1. The tutorial's answer to one line: the line with every `发送`
/// ("sent") replaced by `接收` ("received"), byte for byte otherwise.
///
/// Work on bytes, so a line that is not UTF-8 passes through: UTF-8 never
/// puts a character's bytes inside another's, so replacing the 6 bytes of
/// `"发送".as_bytes()` by those of `"接收".as_bytes()` cannot cut a
/// character in two.
pub fn chat_reply(line: &[u8]) -> Vec<u8> {
    let _ = line;
    todo!("copy the line, replacing each 发送 by 接收")
}

/// Steps 14 and 15. Reads one line (up to and including `\n`) of at most
/// `max` bytes. `Ok(None)` at a clean EOF; the last line may lack its `\n`.
/// A longer line is an `InvalidData` error, after reading no more than
/// `max + 1` bytes: `reader.by_ref().take(max as u64 + 1).read_until(b'\n', ..)`.
pub fn read_line_limited<R: BufRead>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let _ = (reader, max);
    todo!("read_until through take(max + 1); empty = EOF, too long = InvalidData")
}

/// The demo server's handler. Step 14: `handle` writes [`GREETING`] and
/// flushes, then answers every line ([`read_line_limited`] with
/// [`MAX_LINE`]) with [`chat_reply`], flushing after each so the client sees
/// it at once, until the client closes (`Ok(None)`). A line over
/// [`MAX_LINE`] ends the connection with the `InvalidData` error (step 15).
#[derive(Debug, Default, Clone, Copy)]
pub struct ChatHandler;

impl StreamHandler for ChatHandler {
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        let _ = request;
        todo!("greet, then answer each line with chat_reply until EOF")
    }
}
