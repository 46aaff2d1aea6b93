//! Loopback sockets on port 0, connecting with retry, and learner servers.
//!
//! Tests run in parallel, so no test may choose a port: every listener binds
//! port 0 on loopback and the kernel picks a free one.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A TCP listener on `127.0.0.1`, port chosen by the kernel, and its address.
pub fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback listener on port 0");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    (listener, addr)
}

/// A UDP socket on `127.0.0.1`, port chosen by the kernel, and its address.
pub fn udp() -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP socket on port 0");
    let addr = socket.local_addr().expect("a bound socket has an address");
    (socket, addr)
}

/// Connects to `addr`, retrying while the connection is refused (a server
/// that is still starting), until `limit` has passed.
///
/// # Panics
///
/// When no connection could be made in time: the message says what the last
/// attempt answered.
pub fn connect_retry(addr: SocketAddr, limit: Duration) -> TcpStream {
    let start = Instant::now();
    loop {
        let left = limit.saturating_sub(start.elapsed());
        match TcpStream::connect_timeout(&addr, left.max(Duration::from_millis(10))) {
            Ok(stream) => return stream,
            Err(_) if start.elapsed() < limit => thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!(
                "{}",
                crate::lang::t!(
                    "connect-within",
                    addr = addr.to_string(),
                    limit = format!("{:.1} s", limit.as_secs_f64()),
                    error = e.to_string()
                )
            ),
        }
    }
}

/// Connects to `addr` and sets read and write timeouts of `limit`, so that a
/// test's own reads cannot hang.
pub fn connect(addr: SocketAddr, limit: Duration) -> TcpStream {
    let stream = connect_retry(addr, limit);
    set_timeouts(&stream, limit);
    stream
}

/// Sets read and write timeouts on a test's own stream.
pub fn set_timeouts(stream: &TcpStream, limit: Duration) {
    stream
        .set_read_timeout(Some(limit))
        .expect("set a read timeout");
    stream
        .set_write_timeout(Some(limit))
        .expect("set a write timeout");
}

/// A connected pair on loopback: (client, the server's side of it), no
/// timeouts set.
pub fn pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = listener();
    let client = connect_retry(addr, crate::DEFAULT_LIMIT);
    let (server, _) = listener.accept().expect("accept the test's own connection");
    (client, server)
}

/// A connected pair whose send and receive buffers are about `size` bytes
/// (set before `listen` and `connect`, so the window is small from the
/// start): a few times `size` bytes unread fill both ends, and a writer
/// stalls for certain.
pub fn pair_with_buffers(size: usize) -> (TcpStream, TcpStream) {
    use socket2::{Domain, Protocol, Socket, Type};
    let new_socket = || {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("a socket");
        s.set_send_buffer_size(size).expect("SO_SNDBUF");
        s.set_recv_buffer_size(size).expect("SO_RCVBUF");
        s
    };
    let listener = new_socket();
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
    listener.bind(&any.into()).expect("bind on port 0");
    listener.listen(8).expect("listen");
    let addr = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("a bound socket has an address");
    let client = new_socket();
    client
        .connect_timeout(&addr.into(), crate::DEFAULT_LIMIT)
        .expect("connect the pair");
    let (server, _) = listener.accept().expect("accept the pair");
    (client.into(), server.into())
}

/// Reads until EOF or an error; returns what arrived and the error, if
/// one ended the reading (a timeout included).
pub fn read_to_eof<R: io::Read>(reader: &mut R) -> (Vec<u8>, Option<io::Error>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (got, Some(e)),
        }
    }
}

/// The loopback address of one family: `127.0.0.1`, or `[::1]` when `v6`
/// and this machine has IPv6 on loopback. Without it, prints why and
/// returns `None`: the IPv6 case of a step then skips (and passes).
pub fn loopback(v6: bool) -> Option<IpAddr> {
    if !v6 {
        return Some(std::net::Ipv4Addr::LOCALHOST.into());
    }
    if ipv6_available() {
        Some(Ipv6Addr::LOCALHOST.into())
    } else {
        println!("skipped: this machine cannot bind [::1] (no IPv6 on loopback)");
        None
    }
}

/// True when this machine can use IPv6 on loopback (`[::1]` can be bound).
/// Steps that need IPv6 skip, with a printed reason, where it cannot.
pub fn ipv6_available() -> bool {
    TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
}

/// A TCP port that refuses connections: a socket bound to it but not
/// listening, so the kernel answers every connection attempt with a reset,
/// and no other test can take the port while this value lives.
#[derive(Debug)]
pub struct Refusing {
    /// Where a connection attempt is refused.
    pub addr: SocketAddr,
    _socket: socket2::Socket,
}

/// Makes a [`Refusing`] port on `ip` (an IPv6 one accepts IPv6 only).
///
/// # Panics
///
/// When no socket can be bound on `ip`: check [`ipv6_available`] first.
pub fn refusing(ip: IpAddr) -> Refusing {
    use socket2::{Domain, Socket, Type};
    let addr = SocketAddr::new(ip, 0);
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).expect("create a socket");
    if ip.is_ipv6() {
        socket.set_only_v6(true).expect("IPV6_V6ONLY");
    }
    socket
        .bind(&addr.into())
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    let addr = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("a bound socket has an address");
    Refusing {
        addr,
        _socket: socket,
    }
}

/// A listener whose accept queue is full and that never accepts: a new
/// connection to it is neither accepted nor refused, so `connect` waits until
/// its timeout. The loopback way to see a connect timeout.
#[derive(Debug)]
pub struct Unanswering {
    /// Where a connect attempt hangs.
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _queued: Vec<TcpStream>,
}

/// Makes an [`Unanswering`] listener: backlog 0, with the one queued slot
/// taken, so the kernel drops further connection requests.
pub fn unanswering() -> Unanswering {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("create a socket");
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback address");
    socket.bind(&any.into()).expect("bind on port 0");
    socket.listen(0).expect("listen with backlog 0");
    let addr = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("a bound socket has an address");
    let mut queued = Vec::new();
    // Fill the queue until an attempt goes unanswered.
    for _ in 0..4 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => queued.push(s),
            Err(_) => break,
        }
    }
    Unanswering {
        addr,
        _listener: socket,
        _queued: queued,
    }
}

/// A learner's server running on its own thread.
#[derive(Debug)]
pub struct Server<T> {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// The thread that runs the learner's serve function.
    pub thread: JoinHandle<T>,
}

/// Binds a loopback listener on port 0 and hands it to `serve` on a new
/// thread: the way to start a learner's server and learn its address.
pub fn spawn_server<T, F>(serve: F) -> Server<T>
where
    T: Send + 'static,
    F: FnOnce(TcpListener) -> T + Send + 'static,
{
    let (listener, addr) = listener();
    let thread = thread::Builder::new()
        .name(format!("server on {addr}"))
        .spawn(move || serve(listener))
        .expect("start the server thread");
    Server { addr, thread }
}

/// A server that accepts one connection and hands it to `f`; returns its
/// address and the thread, whose result is `f`'s.
pub fn serve_one<T, F>(f: F) -> Server<io::Result<T>>
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> io::Result<T> + Send + 'static,
{
    spawn_server(move |listener| {
        let (stream, _) = listener.accept()?;
        set_timeouts(&stream, Duration::from_secs(10));
        f(stream)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};
    use std::io::{Read, Write};

    #[test]
    fn a_pair_is_connected_and_reads_to_eof() {
        let _en = scoped(Lang::En);
        let (mut client, server) = pair();
        client.write_all(b"ping").unwrap();
        drop(client);
        let mut server = server;
        let (got, error) = read_to_eof(&mut server);
        assert_eq!(got, b"ping");
        assert!(error.is_none(), "{error:?}");
        let (small, _peer) = pair_with_buffers(4096);
        assert!(small.peer_addr().unwrap().ip().is_loopback());
        assert!(loopback(false).is_some_and(|ip| ip.is_loopback()));
    }

    #[test]
    fn listeners_get_distinct_ports() {
        let _en = scoped(Lang::En);
        let (_a, a) = listener();
        let (_b, b) = listener();
        assert_ne!(a.port(), b.port());
        assert!(a.ip().is_loopback());
    }

    #[test]
    fn a_served_connection_round_trips() {
        let _en = scoped(Lang::En);
        let server = serve_one(|mut s| {
            s.write_all(b"hi")?;
            Ok(())
        });
        let mut client = connect(server.addr, Duration::from_secs(2));
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"hi");
        server.thread.join().unwrap().unwrap();
    }

    #[test]
    fn an_unanswering_listener_makes_connect_time_out() {
        let _en = scoped(Lang::En);
        let quiet = unanswering();
        let err = TcpStream::connect_timeout(&quiet.addr, Duration::from_millis(150)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn a_refusing_port_refuses() {
        let _en = scoped(Lang::En);
        let port = refusing(std::net::Ipv4Addr::LOCALHOST.into());
        let err = TcpStream::connect_timeout(&port.addr, Duration::from_secs(2)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        if ipv6_available() {
            let v6 = refusing(Ipv6Addr::LOCALHOST.into());
            let err = TcpStream::connect_timeout(&v6.addr, Duration::from_secs(2)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        }
    }

    #[test]
    #[should_panic(expected = "Is the server listening?")]
    fn connecting_to_nothing_fails_in_time() {
        let _en = scoped(Lang::En);
        let (listener, addr) = listener();
        drop(listener);
        connect_retry(addr, Duration::from_millis(200));
    }
}
