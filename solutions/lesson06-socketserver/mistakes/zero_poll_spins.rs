//! mistake: serve_forever(Duration::ZERO) makes the listener non-blocking and retries accept at once, so an idle server burns a core
//! fails: step16_idle_servers_do_not_spin
//! says: A zero poll interval means
//! Lesson 06: a `socketserver` of our own.
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

use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

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
    /// Wraps an accepted connection: `rfile` reads from one handle of the
    /// socket, `wfile` writes to another (`try_clone`), as Python's
    /// `makefile('rb')` and `makefile('wb')` do.
    pub fn new(stream: TcpStream, client_address: SocketAddr) -> io::Result<StreamRequest> {
        let reader = stream.try_clone()?;
        Ok(StreamRequest {
            rfile: BufReader::new(reader),
            wfile: BufWriter::new(stream),
            client_address,
        })
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
    /// Sends `bytes` back to the client as one datagram (`sendto`).
    pub fn reply(&self, bytes: &[u8]) -> io::Result<()> {
        let sent = self.socket.send_to(bytes, self.client_address)?;
        if sent != bytes.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {sent} of {} bytes", bytes.len()),
            ));
        }
        Ok(())
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

/// Runs `f`, turning a panic into [`HandlerError::Panic`] with its message.
fn catch_panic<T>(f: impl FnOnce() -> Result<T, HandlerError>) -> Result<T, HandlerError> {
    // The handler is thrown away after a panic, so no broken state survives it.
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "(a panic without a message)".to_owned()
        };
        Err(HandlerError::Panic(message))
    })
}

/// Serves one TCP connection with `handler`: what Python's handler
/// constructor and the server's `shutdown_request` do together.
///
/// Wraps `stream` in a [`StreamRequest`], calls `setup` (an error stops
/// there), `handle`, then `finish` even if `handle` failed or panicked,
/// flushes `wfile` so whatever the handler wrote reaches the client, and
/// closes the connection. The first error, or a panic in any method, is
/// returned.
pub fn serve_stream<H: StreamHandler + ?Sized>(
    handler: &mut H,
    stream: TcpStream,
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let mut request = StreamRequest::new(stream, client_address)?;
    // Python's `try: handle() finally: finish()`: finish runs after a panic too.
    let outcome = catch_panic(|| Ok(handler.setup(&mut request)?)).and_then(|()| {
        let handled = catch_panic(|| Ok(handler.handle(&mut request)?));
        let finished = catch_panic(|| Ok(handler.finish(&mut request)?));
        handled.and(finished)
    });
    let flushed = request.wfile.flush();
    // Send FIN now, as Python's `shutdown_request` does, even if the
    // handler kept a clone of the socket somewhere.
    let _ = request.wfile.get_ref().shutdown(Shutdown::Write);
    outcome?;
    flushed.map_err(HandlerError::from)
}

/// Serves one datagram with `handler`: `setup`, `handle`, then `finish` even
/// if `handle` failed or panicked. The first error, or a panic, is returned.
pub fn serve_datagram<H: DatagramHandler + ?Sized>(
    handler: &mut H,
    socket: &UdpSocket,
    data: &[u8],
    client_address: SocketAddr,
) -> Result<(), HandlerError> {
    let request = DatagramRequest {
        data,
        socket,
        client_address,
    };
    catch_panic(|| Ok(handler.setup(&request)?)).and_then(|()| {
        let handled = catch_panic(|| Ok(handler.handle(&request)?));
        let finished = catch_panic(|| Ok(handler.finish(&request)?));
        handled.and(finished)
    })
}

/// Python's default `handle_error`: prints what went wrong and for which
/// client to stderr, between two rulers, and lets the server go on.
pub fn print_error(client_address: SocketAddr, error: &HandlerError) {
    let ruler = "-".repeat(40);
    eprintln!(
        "{ruler}\nException occurred during processing of request from {client_address}\n{error}\n{ruler}"
    );
}

// ---------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------

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
#[derive(Debug, Clone, Default)]
pub struct ShutdownHandle {
    state: Arc<ShutdownState>,
}

impl ShutdownHandle {
    /// Tells `serve_forever` to stop and waits until it has returned, as
    /// Python's `shutdown()` does: within one poll interval, plus the
    /// request being served by a serial server.
    ///
    /// Unlike Python's, it does not deadlock when called from the serving
    /// thread itself (a handler of a serial server): it only asks, and the
    /// loop stops after that request. Called when nothing is serving, it
    /// returns at once (Python's waits until some `serve_forever` has run);
    /// the request stands, so the next `serve_forever` returns immediately,
    /// using it up.
    pub fn shutdown(&self) {
        self.state.requested.store(true, Ordering::SeqCst);
        let me = thread::current().id();
        let serving = self
            .state
            .serving
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *serving == Some(me) {
            return;
        }
        let _stopped = self
            .state
            .stopped
            .wait_while(serving, |s| s.is_some())
            .unwrap_or_else(PoisonError::into_inner);
    }

    fn requested(&self) -> bool {
        self.state.requested.load(Ordering::SeqCst)
    }

    /// Marks the current thread as serving until the guard drops.
    fn begin(&self) -> Serving<'_> {
        *self
            .state
            .serving
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(thread::current().id());
        Serving(self)
    }
}

/// Ends a `serve_forever`, however it returns: clears the request so the
/// server can serve again and wakes every waiting `shutdown`.
struct Serving<'a>(&'a ShutdownHandle);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        let state = &self.0.state;
        let mut serving = state.serving.lock().unwrap_or_else(PoisonError::into_inner);
        state.requested.store(false, Ordering::SeqCst);
        *serving = None;
        state.stopped.notify_all();
    }
}

// ---------------------------------------------------------------------------
// TCP servers
// ---------------------------------------------------------------------------

type StreamFactory = Arc<dyn Fn() -> Box<dyn StreamHandler> + Send + Sync>;
type ErrorHook = Arc<dyn Fn(SocketAddr, &HandlerError) + Send + Sync>;

/// Creates a TCP socket, sets `SO_REUSEADDR` if `allow_reuse_address`,
/// binds it to `addr` and listens with a backlog of
/// [`REQUEST_QUEUE_SIZE`]: Python's `server_bind` and `server_activate`.
///
/// Without `SO_REUSEADDR` the kernel refuses (`AddrInUse`) a port that a
/// recently closed connection still holds in `TIME_WAIT`; with it, a
/// restarted server gets its port back at once.
pub fn bind_listener(addr: SocketAddr, allow_reuse_address: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(allow_reuse_address)?;
    socket.bind(&addr.into())?;
    socket.listen(REQUEST_QUEUE_SIZE)?;
    Ok(socket.into())
}

/// Tries [`bind_listener`] on each address `addr` resolves to.
fn bind_any(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match bind_listener(a, false) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")))
}

/// True for accept and receive errors that end a poll, not the server: the
/// poll interval passed, a signal arrived, or a client left before we
/// answered.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// What both TCP servers hold: the listening socket, the handler factory,
/// the error hook, the per-connection timeout and the shutdown state.
struct Core {
    listener: TcpListener,
    factory: StreamFactory,
    on_error: ErrorHook,
    timeout: Option<Duration>,
    shutdown: ShutdownHandle,
}

impl Core {
    fn new<F, H>(listener: TcpListener, factory: F) -> Core
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        Core {
            listener,
            factory: Arc::new(move || Box::new(factory()) as Box<dyn StreamHandler>),
            on_error: Arc::new(print_error),
            timeout: None,
            shutdown: ShutdownHandle::default(),
        }
    }

    fn server_address(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Waits at most `poll` (forever if `None`) for a connection.
    ///
    /// `SO_RCVTIMEO` on a listening socket bounds `accept` on Linux (see
    /// socket(7)): std's way to do Python's `select(poll)` there. macOS and
    /// the BSDs ignore it in `accept` (the chapter says what to do there).
    fn accept(&self, poll: Option<Duration>) -> io::Result<Option<(TcpStream, SocketAddr)>> {
        // Zero means "as often as you can": never wait at all.
        let zero = poll == Some(Duration::ZERO);
        self.listener.set_nonblocking(zero)?;
        if !zero {
            SockRef::from(&self.listener).set_read_timeout(poll)?;
        }
        match self.listener.accept() {
            Ok(pair) => Ok(Some(pair)),
            Err(e) if is_transient(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Everything a request needs, for the thread that serves it.
    fn job(&self) -> Job {
        Job {
            factory: Arc::clone(&self.factory),
            on_error: Arc::clone(&self.on_error),
            timeout: self.timeout,
        }
    }
}

/// One request's work, movable to another thread.
struct Job {
    factory: StreamFactory,
    on_error: ErrorHook,
    timeout: Option<Duration>,
}

impl Job {
    /// Makes a handler, serves the connection, reports any failure.
    fn run(self, stream: TcpStream, client_address: SocketAddr) {
        let outcome = catch_panic(|| {
            // The accepted socket inherits the listener's poll timeout:
            // replace it with the server's own (None = wait for ever). Off
            // Linux it also inherits a non-blocking listener's mode: a
            // handler's reads must block.
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(self.timeout)?;
            stream.set_write_timeout(self.timeout)?;
            let mut handler = (self.factory)();
            serve_stream(handler.as_mut(), stream, client_address)
        });
        if let Err(e) = outcome {
            (self.on_error)(client_address, &e);
        }
    }
}

/// The `serve_forever` loop both TCP servers share: poll, hand each
/// connection to `process`, stop when shut down.
fn serve_loop(
    core: &Core,
    poll_interval: Duration,
    mut process: impl FnMut(TcpStream, SocketAddr),
) -> io::Result<()> {
    let _serving = core.shutdown.begin();
    let poll = poll_interval;
    while !core.shutdown.requested() {
        if let Some((stream, client_address)) = core.accept(Some(poll))? {
            process(stream, client_address);
        }
    }
    Ok(())
}

/// A TCP server that serves one connection at a time: Python's
/// `socketserver.TCPServer`. While a handler runs, other clients wait in
/// the kernel's queue.
pub struct TcpServer {
    core: Core,
}

impl fmt::Debug for TcpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpServer")
            .field("listener", &self.core.listener)
            .finish_non_exhaustive()
    }
}

impl TcpServer {
    /// Binds `addr` (without `SO_REUSEADDR`, as Python's default) and
    /// listens; `factory` makes one handler per connection.
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<TcpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        Ok(TcpServer::from_listener(bind_any(addr)?, factory))
    }

    /// Serves on a listener that is already bound and listening (for example
    /// one from [`bind_listener`] with `allow_reuse_address`).
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> TcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        TcpServer {
            core: Core::new(listener, factory),
        }
    }

    /// The address the server listens on, with the real port when it was
    /// bound to port 0 (Python's `server_address`).
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        self.core.server_address()
    }

    /// A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.core.shutdown.clone()
    }

    /// Sets a read and write timeout on every connection (Python's
    /// `StreamRequestHandler.timeout`): a client that goes quiet for longer
    /// makes its handler's read fail instead of holding the server. `None`,
    /// the default, waits for ever.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.core.timeout = timeout;
    }

    /// Replaces the `handle_error` hook, called with the client's address
    /// whenever a request fails or panics. The default is [`print_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        self.core.on_error = Arc::new(hook);
    }

    /// Waits for one connection and serves it to the end (Python's
    /// `handle_request`). A failed request goes to the hook, not to the
    /// caller; an `accept` error is returned.
    pub fn handle_request(&mut self) -> io::Result<()> {
        loop {
            if let Some((stream, client_address)) = self.core.accept(None)? {
                self.core.job().run(stream, client_address);
                return Ok(());
            }
        }
    }

    /// Serves connections one after another until a [`ShutdownHandle`] asks
    /// it to stop; looks for that request every `poll_interval` while no
    /// client is connecting. Returns `Ok(())` when shut down, or the error
    /// that broke the listening socket.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let core = &self.core;
        serve_loop(core, poll_interval, |stream, client_address| {
            core.job().run(stream, client_address);
        })
    }
}

/// A TCP server that serves every connection on a thread of its own:
/// Python's `socketserver.ThreadingTCPServer`. A slow client no longer
/// holds up the others.
pub struct ThreadingTcpServer {
    core: Core,
    workers: Vec<JoinHandle<()>>,
}

impl fmt::Debug for ThreadingTcpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadingTcpServer")
            .field("listener", &self.core.listener)
            .field("workers", &self.workers.len())
            .finish_non_exhaustive()
    }
}

impl ThreadingTcpServer {
    /// Binds `addr` and listens, as [`TcpServer::bind`].
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<ThreadingTcpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        Ok(ThreadingTcpServer::from_listener(bind_any(addr)?, factory))
    }

    /// Serves on a listener that is already bound and listening.
    pub fn from_listener<F, H>(listener: TcpListener, factory: F) -> ThreadingTcpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: StreamHandler + 'static,
    {
        ThreadingTcpServer {
            core: Core::new(listener, factory),
            workers: Vec::new(),
        }
    }

    /// The address the server listens on.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        self.core.server_address()
    }

    /// A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.core.shutdown.clone()
    }

    /// Sets a read and write timeout on every connection; see
    /// [`TcpServer::set_timeout`].
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.core.timeout = timeout;
    }

    /// Replaces the `handle_error` hook; see [`TcpServer::set_handle_error`].
    /// The hook runs on the request's thread.
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        self.core.on_error = Arc::new(hook);
    }

    /// Accepts connections until shut down, starting a thread for each
    /// (Python's `ThreadingMixIn.process_request`). Returns as soon as it is
    /// shut down, while handlers may still be running: see
    /// [`ThreadingTcpServer::server_close`].
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let core = &self.core;
        let workers = &mut self.workers;
        serve_loop(core, poll_interval, |stream, client_address| {
            // Forget finished threads, so a long-running server stays small.
            workers.retain(|w| !w.is_finished());
            let job = core.job();
            let on_error = Arc::clone(&job.on_error);
            let spawned = thread::Builder::new()
                .name(format!("request from {client_address}"))
                .spawn(move || job.run(stream, client_address));
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(e) => on_error(client_address, &HandlerError::Io(e)),
            }
        })
    }

    /// Closes the listening socket and waits for the handlers still running
    /// (Python's `server_close` with `block_on_close`): the clients already
    /// connected are served to the end.
    pub fn server_close(self) {
        let ThreadingTcpServer { core, workers } = self;
        drop(core);
        for worker in workers {
            // A handler's panic was already caught and reported.
            let _ = worker.join();
        }
    }
}

// ---------------------------------------------------------------------------
// UDP server
// ---------------------------------------------------------------------------

type DatagramFactory = Arc<dyn Fn() -> Box<dyn DatagramHandler> + Send + Sync>;

/// A UDP server that hands each datagram to a fresh handler: Python's
/// `socketserver.UDPServer`. There is no connection: every datagram is a
/// request of its own.
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
    /// Binds a UDP socket to `addr`; `factory` makes one handler per datagram.
    pub fn bind<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<UdpServer>
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: DatagramHandler + 'static,
    {
        Ok(UdpServer::from_socket(UdpSocket::bind(addr)?, factory))
    }

    /// Serves on a socket that is already bound.
    pub fn from_socket<F, H>(socket: UdpSocket, factory: F) -> UdpServer
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: DatagramHandler + 'static,
    {
        UdpServer {
            socket,
            factory: Arc::new(move || Box::new(factory()) as Box<dyn DatagramHandler>),
            on_error: Arc::new(print_error),
            shutdown: ShutdownHandle::default(),
        }
    }

    /// The address the server's socket is bound to.
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// A handle that stops `serve_forever` from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Replaces the `handle_error` hook; see [`TcpServer::set_handle_error`].
    pub fn set_handle_error<E>(&mut self, hook: E)
    where
        E: Fn(SocketAddr, &HandlerError) + Send + Sync + 'static,
    {
        self.on_error = Arc::new(hook);
    }

    /// Waits at most `poll` (forever if `None`) for one datagram and serves
    /// it. `Ok(false)` when the wait ended without one.
    fn serve_one(&self, poll: Option<Duration>) -> io::Result<bool> {
        self.socket.set_read_timeout(poll)?;
        // One byte more than allowed: a datagram that fills it was too long
        // (the kernel cut it to fit), and is refused instead of served cut.
        let mut buf = [0u8; MAX_PACKET_SIZE + 1];
        let (len, client_address) = match self.socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if is_transient(&e) => return Ok(false),
            Err(e) => return Err(e),
        };
        let outcome = if len > MAX_PACKET_SIZE {
            Err(HandlerError::DatagramTooLarge)
        } else {
            catch_panic(|| {
                let mut handler = (self.factory)();
                serve_datagram(handler.as_mut(), &self.socket, &buf[..len], client_address)
            })
        };
        if let Err(e) = outcome {
            (self.on_error)(client_address, &e);
        }
        Ok(true)
    }

    /// Waits for one datagram and serves it (Python's `handle_request`).
    pub fn handle_request(&mut self) -> io::Result<()> {
        while !self.serve_one(None)? {}
        Ok(())
    }

    /// Serves datagrams until a [`ShutdownHandle`] asks it to stop, looking
    /// for that request every `poll_interval` while none arrives.
    pub fn serve_forever(&mut self, poll_interval: Duration) -> io::Result<()> {
        let _serving = self.shutdown.begin();
        let poll = poll_interval.max(Duration::from_millis(1));
        while !self.shutdown.requested() {
            self.serve_one(Some(poll))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The demo's protocol
// ---------------------------------------------------------------------------

/// The tutorial's answer to one line: the line with every `发送` ("sent")
/// replaced by `接收` ("received"), byte for byte otherwise.
///
/// Works on bytes, so a line that is not UTF-8 passes through: UTF-8 never
/// puts a character's bytes inside another's, so the replacement cannot cut
/// a character in two.
pub fn chat_reply(line: &[u8]) -> Vec<u8> {
    const SENT: &[u8] = "发送".as_bytes();
    const RECEIVED: &[u8] = "接收".as_bytes();
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if rest.starts_with(SENT) {
            out.extend_from_slice(RECEIVED);
            rest = &rest[SENT.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// Reads one line (up to and including `\n`) of at most `max` bytes.
/// `Ok(None)` at a clean EOF; the last line may lack its `\n`. A longer line
/// is an `InvalidData` error, after reading no more than `max + 1` bytes.
pub fn read_line_limited<R: BufRead>(reader: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {max} bytes"),
        ));
    }
    Ok(Some(line))
}

/// The demo server's handler: sends [`GREETING`], then answers every line
/// with [`chat_reply`], flushing after each so the client sees it at once,
/// until the client closes. Lines over [`MAX_LINE`] end the connection.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChatHandler;

impl StreamHandler for ChatHandler {
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        request.wfile.write_all(GREETING.as_bytes())?;
        request.wfile.flush()?;
        while let Some(line) = read_line_limited(&mut request.rfile, MAX_LINE)? {
            request.wfile.write_all(&chat_reply(&line))?;
            request.wfile.flush()?;
        }
        Ok(())
    }
}
