//! Lesson 10's graded steps: socket options.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline; the steps that
//! wait on purpose (timeouts, stalls) give the learner's code a short
//! timeout and the call a deadline well above it.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson10::*;
use rstest::rstest;
use socket2::SockRef;
use testkit::cpu::ThreadClock;
use testkit::relay::{Route, TcpRelay};
use testkit::{
    Chunking, Learner, LineClient, Server, assert_bytes_eq, explain, net, peer, show, step, within,
};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

/// The socket buffer size the deadlock steps ask for: small, so that a few
/// hundred kilobytes fill both ends and a stall is certain.
const TINY_BUFFER: usize = 32 * 1024;

/// Bytes that show where they came from: position `i` holds `i * k mod p`.
fn pattern(len: usize, k: usize, p: usize) -> Vec<u8> {
    (0..len).map(|i| (i * k % p) as u8).collect()
}

/// A random chunking seeded by the step.
fn random_cuts(seed: u64, max: usize) -> Chunking {
    Chunking::Random { seed, max }
}

/// Reads exactly `len` bytes with the stream's own timeouts.
fn read_n(stream: &mut TcpStream, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

/// True when two durations agree within 20 ms: the kernel keeps socket
/// timeouts in clock ticks and may round them.
fn about(a: Option<Duration>, b: Duration) -> bool {
    a.is_some_and(|a| a.abs_diff(b) <= Duration::from_millis(20))
}

/// The socket's `O_NONBLOCK` flag, where the platform can tell.
fn nonblocking_flag(stream: &TcpStream) -> Option<bool> {
    #[cfg(unix)]
    {
        SockRef::from(stream).nonblocking().ok()
    }
    #[cfg(not(unix))]
    {
        let _ = stream;
        None
    }
}

#[rstest]
#[case::data(Ok(5), Mode::Blocking, Ok(ReadOutcome::Data(5)))]
#[case::eof(Ok(0), Mode::Timeout(Duration::from_secs(1)), Ok(ReadOutcome::Eof))]
#[case::eof_nonblocking(Ok(0), Mode::NonBlocking, Ok(ReadOutcome::Eof))]
#[case::nothing_yet(
    Err(io::ErrorKind::WouldBlock),
    Mode::NonBlocking,
    Ok(ReadOutcome::WouldBlock)
)]
#[case::unix_timeout(
    Err(io::ErrorKind::WouldBlock),
    Mode::Timeout(Duration::from_millis(200)),
    Ok(ReadOutcome::TimedOut)
)]
#[case::windows_timeout(
    Err(io::ErrorKind::TimedOut),
    Mode::Timeout(Duration::from_millis(200)),
    Ok(ReadOutcome::TimedOut)
)]
#[case::zero_timeout_is_nonblocking(
    Err(io::ErrorKind::WouldBlock),
    Mode::Timeout(Duration::ZERO),
    Ok(ReadOutcome::WouldBlock)
)]
#[case::reset_is_an_error(
    Err(io::ErrorKind::ConnectionReset),
    Mode::Timeout(Duration::from_secs(1)),
    Err(io::ErrorKind::ConnectionReset)
)]
#[case::blocking_timed_out_is_a_dead_connection(
    Err(io::ErrorKind::TimedOut),
    Mode::Blocking,
    Err(io::ErrorKind::TimedOut)
)]
fn step01_classifies_read_results(
    #[case] read: Result<usize, io::ErrorKind>,
    #[case] mode: Mode,
    #[case] expected: Result<ReadOutcome, io::ErrorKind>,
) {
    let _step = step!(LESSON);
    let got = within(LIMIT, "classify", move || {
        classify(read.map_err(io::Error::from), mode).map_err(|e| e.kind())
    });
    assert_eq!(
        got, expected,
        "classify(read result {read:?}, {mode:?}): expected {expected:?}, got {got:?}"
    );
}

#[test]
fn step02_sets_python_style_modes() {
    let _step = step!(LESSON);
    let (client, _server) = net::pair();
    // A stream someone left non-blocking: Conn::new must make it blocking.
    client.set_nonblocking(true).expect("set_nonblocking");
    client
        .set_read_timeout(Some(Duration::from_secs(7)))
        .expect("set_read_timeout");
    let conn = within(LIMIT, "Conn::new", move || Conn::new(client))
        .unwrap_or_else(|e| panic!("Conn::new failed: {e}"));
    let check = |conn: &Conn,
                 what: &str,
                 mode: Mode,
                 nonblocking: bool,
                 timeout: Option<Duration>| {
        assert_eq!(conn.mode(), mode, "after {what}, conn.mode()");
        let s = conn.stream();
        if let Some(flag) = nonblocking_flag(s) {
            assert_eq!(
                flag, nonblocking,
                "after {what}, the socket's non-blocking flag (set_nonblocking) should be {nonblocking}"
            );
        }
        let (read, write) = (
            s.read_timeout().expect("read_timeout"),
            s.write_timeout().expect("write_timeout"),
        );
        match timeout {
            None => assert!(
                read.is_none() && write.is_none(),
                "after {what}, both timeouts should be None; read {read:?}, write {write:?}"
            ),
            Some(t) => assert!(
                about(read, t) && about(write, t),
                "after {what}, read and write timeouts should be {t:?}; read {read:?}, write {write:?}"
            ),
        }
    };
    check(&conn, "Conn::new", Mode::Blocking, false, None);
    let t = Duration::from_millis(300);
    let plan = [
        (Mode::Timeout(t), Mode::Timeout(t), false, Some(t)),
        (Mode::NonBlocking, Mode::NonBlocking, true, None),
        (Mode::Timeout(t), Mode::Timeout(t), false, Some(t)),
        (Mode::Timeout(Duration::ZERO), Mode::NonBlocking, true, None),
        (Mode::Blocking, Mode::Blocking, false, None),
    ];
    let mut conn = conn;
    let mut history = String::from("Conn::new");
    for (set, reads_back, nonblocking, timeout) in plan {
        history.push_str(&format!(", set_mode({set:?})"));
        let (back, result) = within(LIMIT, "Conn::set_mode", move || {
            let r = conn.set_mode(set);
            (conn, r)
        });
        conn = back;
        if let Err(e) = result {
            panic!("{history} failed: {e}");
        }
        check(&conn, &history, reads_back, nonblocking, timeout);
    }
}

/// Runs `conn.read_once` under a deadline; returns the conn, the outcome,
/// the bytes read and how long it took.
fn read_once_within(mut conn: Conn) -> (Conn, io::Result<ReadOutcome>, Vec<u8>, Duration) {
    within(LIMIT, "Conn::read_once", move || {
        let mut buf = [0u8; 64];
        let started = Instant::now();
        let got = conn.read_once(&mut buf);
        let took = started.elapsed();
        let bytes = match got {
            Ok(ReadOutcome::Data(n)) => buf[..n.min(buf.len())].to_vec(),
            _ => Vec::new(),
        };
        (conn, got, bytes, took)
    })
}

/// Sets a mode, panicking with a message if the learner's code fails.
fn set_mode_within(mut conn: Conn, mode: Mode) -> Conn {
    let (conn, r) = within(LIMIT, "Conn::set_mode", move || {
        let r = conn.set_mode(mode);
        (conn, r)
    });
    r.unwrap_or_else(|e| panic!("set_mode({mode:?}) failed: {e}"));
    conn
}

#[test]
fn step03_read_timeout_is_not_would_block() {
    let _step = step!(LESSON);
    let (client, mut server) = net::pair();
    let conn = within(LIMIT, "Conn::new", move || Conn::new(client))
        .unwrap_or_else(|e| panic!("Conn::new failed: {e}"));

    // 1. A silent peer and a 300 ms timeout: the read waits, then times out.
    let conn = set_mode_within(conn, Mode::Timeout(Duration::from_millis(300)));
    let (conn, got, _, took) = read_once_within(conn);
    assert!(
        matches!(got, Ok(ReadOutcome::TimedOut)),
        "the peer sent nothing and the timeout is 300 ms: expected Ok(ReadOutcome::TimedOut), got {got:?}"
    );
    assert!(
        took >= Duration::from_millis(200),
        "read_once with a 300 ms timeout returned TimedOut after only {took:?}: it did not wait \
         (is the socket still non-blocking?)"
    );

    // 2. The same silence, non-blocking: nothing *yet*, at once.
    let mut conn = conn;
    for mode in [Mode::NonBlocking, Mode::Timeout(Duration::ZERO)] {
        conn = set_mode_within(conn, mode);
        let (back, got, _, _) = read_once_within(conn);
        conn = back;
        assert!(
            matches!(got, Ok(ReadOutcome::WouldBlock)),
            "the peer sent nothing and the socket is {mode:?}: expected Ok(ReadOutcome::WouldBlock) \
             (Python's BlockingIOError), got {got:?}"
        );
    }

    // 3. Data arrives: a read with a timeout returns it.
    server.write_all(b"hello").expect("the test writes");
    let conn = set_mode_within(conn, Mode::Timeout(Duration::from_secs(2)));
    let (conn, got, bytes, _) = read_once_within(conn);
    assert!(
        matches!(got, Ok(ReadOutcome::Data(5))),
        "the peer sent b\"hello\": expected Ok(ReadOutcome::Data(5)), got {got:?}"
    );
    assert_bytes_eq("the bytes read_once put in buf", b"hello", &bytes);

    // 4. Non-blocking, polled: WouldBlock until the data is there.
    server.write_all(b"again").expect("the test writes");
    let mut conn = set_mode_within(conn, Mode::NonBlocking);
    let started = Instant::now();
    let bytes = loop {
        let (back, got, bytes, _) = read_once_within(conn);
        conn = back;
        match got {
            Ok(ReadOutcome::Data(_)) => break bytes,
            Ok(ReadOutcome::WouldBlock) if started.elapsed() < LIMIT => {
                thread::sleep(Duration::from_millis(5))
            }
            other => panic!(
                "polling a non-blocking socket after the peer sent b\"again\": expected WouldBlock \
                 then Data(5), got {other:?}"
            ),
        }
    };
    assert_bytes_eq("a non-blocking read_once after polling", b"again", &bytes);

    // 5. The peer closes: EOF, in either mode.
    drop(server);
    let conn = set_mode_within(conn, Mode::Timeout(Duration::from_secs(2)));
    let (_conn, got, _, _) = read_once_within(conn);
    assert!(
        matches!(got, Ok(ReadOutcome::Eof)),
        "the peer closed: expected Ok(ReadOutcome::Eof) (recv returned b''), got {got:?}"
    );
}

#[test]
fn step04_write_times_out_on_a_peer_that_never_reads() {
    let _step = step!(LESSON);
    // A peer that never reads: only the two small socket buffers take bytes.
    let (client, mut server) = net::pair_with_buffers(TINY_BUFFER);
    let total = 8 * 1024 * 1024;
    let data = pattern(total, 7, 251);
    let (client, result) = within(LIMIT, "write_all_timeout to a peer that never reads", {
        let data = data.clone();
        move || {
            let r = write_all_timeout(&client, &data, Duration::from_millis(300));
            (client, r)
        }
    });
    let sent = match result {
        Err(TransferError::WriteTimedOut { sent }) => sent,
        other => panic!(
            "the peer never reads, so after the socket buffers fill a write waits 300 ms and fails: \
             expected Err(TransferError::WriteTimedOut {{ sent }}), got {other:?}"
        ),
    };
    assert!(
        sent > 0 && sent < total,
        "WriteTimedOut {{ sent: {sent} }}: the kernel took some bytes (more than 0) and not all {total}"
    );
    // Everything the kernel took reaches the peer, and nothing more.
    drop(client);
    net::set_timeouts(&server, LIMIT);
    let (got, err) = within(LIMIT, "the test draining the peer", move || {
        net::read_to_eof(&mut server)
    });
    assert!(err.is_none(), "draining the peer failed: {err:?}");
    assert_eq!(
        got.len(),
        sent,
        "write_all_timeout said it sent {sent} bytes but the peer received {}: add up what each \
         write() returned",
        got.len()
    );
    assert_bytes_eq("what the peer received", &data[..sent], &got);

    // A peer that has reset the connection: the write fails with the
    // connection's own error, which is no timeout.
    let (client, server) = net::pair();
    testkit::peer::reset(server).expect("reset the test's end (test setup)");
    let got = within(LIMIT, "write_all_timeout to a peer that reset", move || {
        write_all_timeout(&client, &pattern(1 << 20, 3, 251), Duration::from_secs(2))
    });
    if !matches!(got, Err(TransferError::Io(_))) {
        panic!(
            "the peer reset the connection (SO_LINGER 0, then close) before the write: expected \
             Err(TransferError::Io(..)) with the connection's error (a reset or a broken pipe), \
             got {got:?}. Only a write that waits out its timeout is WriteTimedOut"
        );
    }

    // A peer that reads: everything arrives, no error.
    let (client, mut server) = net::pair_with_buffers(TINY_BUFFER);
    net::set_timeouts(&server, LIMIT);
    let reader = thread::spawn(move || net::read_to_eof(&mut server));
    let data = pattern(300_000, 13, 253);
    let sent = within(LIMIT, "write_all_timeout to a reading peer", {
        let data = data.clone();
        move || {
            let r = write_all_timeout(&client, &data, Duration::from_secs(2));
            drop(client);
            r
        }
    });
    if let Err(e) = sent {
        panic!("write_all_timeout of 300000 bytes to a peer that reads failed: {e}");
    }
    let (got, err) = within(LIMIT, "the peer's reader", move || {
        reader.join().expect("the reader thread")
    });
    assert!(err.is_none(), "the peer's read failed: {err:?}");
    assert_bytes_eq("what a reading peer received", &data, &got);
}

#[rstest]
#[case::ipv4(Ipv4Addr::LOCALHOST.into())]
#[case::ipv6(Ipv6Addr::LOCALHOST.into())]
fn step05_names_both_ends_of_a_connection(#[case] ip: IpAddr) {
    let _step = step!(LESSON);
    if ip.is_ipv6() && !net::ipv6_available() {
        println!("step05: skipped on {ip}, this machine has no IPv6 on loopback");
        return;
    }
    let listener = TcpListener::bind((ip, 0)).expect("bind a loopback listener on port 0");
    let server_addr = listener.local_addr().expect("listener address");
    let client = net::connect_retry(server_addr, LIMIT);
    let (server, accepted_from) = listener.accept().expect("accept");
    let (client_view, server_view) = within(LIMIT, "endpoints", move || {
        (endpoints(&client), endpoints(&server))
    });
    let client_view = client_view.unwrap_or_else(|e| panic!("endpoints(client) failed: {e}"));
    let server_view = server_view.unwrap_or_else(|e| panic!("endpoints(server) failed: {e}"));
    assert_eq!(
        client_view.peer, server_addr,
        "the client's peer is the address it connected to"
    );
    assert_eq!(
        server_view.local, server_addr,
        "the accepted socket's local address is the listener's address (and port)"
    );
    assert_eq!(
        server_view.peer, accepted_from,
        "the accepted socket's peer is the address accept() returned"
    );
    assert_eq!(
        client_view.local, server_view.peer,
        "what the client calls local, the server calls peer (client {client_view}, server {server_view})"
    );
    assert_eq!(
        client_view.peer, server_view.local,
        "what the client calls peer, the server calls local (client {client_view}, server {server_view})"
    );
    assert_ne!(
        client_view.local.port(),
        0,
        "the client has a real (ephemeral) port once connected"
    );
}

/// What the half-close server replies to `request`: it answers only once it
/// has read everything, so it says how much that was.
fn half_close_reply(request: &[u8]) -> Vec<u8> {
    let mut reply = format!("got {} bytes: ", request.len()).into_bytes();
    reply.extend(request.iter().rev());
    reply
}

#[rstest]
#[case::in_one_piece(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::random(random_cuts(0, 50))]
fn step06_half_close_ends_the_request(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = match chunking {
        Chunking::Random { max, .. } => random_cuts(step.seed(), max),
        other => other,
    };
    // The server reads until EOF, then answers: no EOF, no answer.
    let server = net::serve_one(|mut s| {
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let (request, err) = net::read_to_eof(&mut s);
        if let Some(e) = err {
            return Err(e);
        }
        s.write_all(&half_close_reply(&request))?;
        Ok(request)
    });
    let relay = TcpRelay::start(server.addr, chunking);
    let request: Vec<u8> = b"GET the report\nplease, all of it\n".repeat(6);
    let mut stream = net::connect_retry(relay.addr(), LIMIT);
    let got = within(LIMIT, "request_until_eof", {
        let request = request.clone();
        move || request_until_eof(&mut stream, &request, 64 * 1024, Duration::from_secs(2))
    });
    let reply = got.unwrap_or_else(|e| {
        panic!(
            "request_until_eof failed: {e}\n(the server answers only after it reads EOF: did you \
             shutdown(Write) after the request? bytes travel {chunking})"
        )
    });
    assert_bytes_eq(
        &format!(
            "the reply to a {}-byte request sent then half-closed ({chunking})",
            request.len()
        ),
        &half_close_reply(&request),
        &reply,
    );
    if matches!(chunking, Chunking::Whole) {
        silent_server_times_out();
    }
}

/// A server that reads the request and then neither answers nor closes:
/// `request_until_eof` must give up after its timeout.
fn silent_server_times_out() {
    let server = net::serve_one(|mut s| {
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let (request, _) = net::read_to_eof(&mut s);
        thread::sleep(Duration::from_millis(2_500));
        Ok(request)
    });
    let mut stream = net::connect_retry(server.addr, LIMIT);
    let started = Instant::now();
    let got = within(
        LIMIT,
        "request_until_eof against a server that never answers",
        move || {
            request_until_eof(
                &mut stream,
                b"anyone there?",
                1024,
                Duration::from_millis(300),
            )
        },
    );
    let took = started.elapsed();
    if !matches!(got, Err(TransferError::ReadTimedOut { received: 0 })) || took > LIMIT / 2 {
        panic!(
            "request_until_eof(.., timeout 300 ms) against a server that reads the request and \
             then says nothing (it closes only 2.5 s later): expected \
             Err(TransferError::ReadTimedOut {{ received: 0 }}) after about 300 ms, got {:?} \
             after {took:?}. Every read must wait at most `timeout`: set the read timeout too, \
             not only the write timeout.",
            got.as_ref().map(Vec::len)
        );
    }
}

#[test]
fn step07_nodelay_and_one_write_per_message() {
    let _step = step!(LESSON);
    const ROUNDS: usize = 20;
    let messages: Vec<(Vec<u8>, Vec<u8>)> = (0..ROUNDS)
        .map(|i| {
            let body = pattern(10 + i * 45, 31 + i, 251);
            (format!("{:04}:", body.len()).into_bytes(), body)
        })
        .collect();
    let sizes: Vec<usize> = messages.iter().map(|(h, b)| h.len() + b.len()).collect();
    // The server records how much its first read of each message returned,
    // reads the rest, and acknowledges with one byte.
    let server = net::serve_one({
        let sizes = sizes.clone();
        move |mut s| {
            let mut first_reads = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            for size in sizes {
                let n = s.read(&mut buf)?;
                first_reads.push(n);
                if n == 0 {
                    break;
                }
                if n < size {
                    s.read_exact(&mut buf[n..size])?;
                }
                s.write_all(b"k")?;
            }
            Ok(first_reads)
        }
    });
    let addr = server.addr;
    let stream = within(LIMIT, "connect_low_latency", move || {
        connect_low_latency(addr, Duration::from_secs(2))
    })
    .unwrap_or_else(|e| panic!("connect_low_latency to a listening server failed: {e}"));
    let nodelay = SockRef::from(&stream)
        .tcp_nodelay()
        .expect("read TCP_NODELAY");
    assert!(
        nodelay,
        "connect_low_latency must turn Nagle's algorithm off: TCP_NODELAY is off on the stream"
    );
    let (read, write) = (
        stream.read_timeout().expect("read_timeout"),
        stream.write_timeout().expect("write_timeout"),
    );
    assert!(
        about(read, Duration::from_secs(2)) && about(write, Duration::from_secs(2)),
        "connect_low_latency(addr, 2 s) should set read and write timeouts of 2 s; got read {read:?}, write {write:?}"
    );
    let result = within(LIMIT * 2, "send_message, 20 times", move || {
        let mut stream = stream;
        for (i, (header, body)) in messages.iter().enumerate() {
            send_message(&mut stream, header, body)
                .map_err(|e| format!("send_message #{i} failed: {e}"))?;
            let mut ack = [0u8; 1];
            stream
                .read_exact(&mut ack)
                .map_err(|e| format!("no acknowledgement after message #{i}: {e}"))?;
        }
        Ok::<(), String>(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let first_reads = within(LIMIT, "the test's server", move || {
        server.thread.join().expect("the server thread")
    })
    .unwrap_or_else(|e| panic!("the test's server failed: {e}"));
    for (i, (&got, &size)) in first_reads.iter().zip(&sizes).enumerate() {
        assert_eq!(
            got, size,
            "message #{i} ({size} bytes: a 5-byte header and a body) reached the server in pieces: \
             its first read returned {got} bytes. Write header and body with ONE write"
        );
    }
}

#[test]
fn step08_reuse_address_rebinds_a_port_in_time_wait() {
    let _step = step!(LESSON);
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
    let first = within(LIMIT, "bind_listener(127.0.0.1:0, reuse)", move || {
        bind_listener(any, true)
    })
    .unwrap_or_else(|e| panic!("bind_listener(127.0.0.1:0, true) failed: {e}"));
    let addr = first.local_addr().expect("listener address");
    assert_ne!(addr.port(), 0, "port 0 asks the kernel to pick a port");

    // One connection that the SERVER closes first: its side goes to TIME_WAIT.
    let mut client = net::connect(addr, LIMIT);
    let (server_side, _) = within(LIMIT, "accept on the listener", move || {
        let r = first.accept();
        drop(first);
        r
    })
    .unwrap_or_else(|e| panic!("the listener from bind_listener did not accept: {e}"));
    drop(server_side);
    let (_, err) = net::read_to_eof(&mut client);
    assert!(err.is_none(), "the client should see EOF, got {err:?}");
    drop(client);

    let plain = within(LIMIT, "bind_listener(port, no reuse)", move || {
        bind_listener(addr, false)
    });
    match plain {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
        Err(e) => panic!(
            "without SO_REUSEADDR, binding {addr} while an old connection is in TIME_WAIT should fail \
             with AddrInUse, got {e}"
        ),
        Ok(_) => panic!(
            "bind_listener({addr}, false) succeeded although the port has a connection in TIME_WAIT: \
             it must NOT set SO_REUSEADDR (TcpListener::bind always does on Unix; use socket2)"
        ),
    }
    let again = within(LIMIT, "bind_listener(port, reuse)", move || {
        bind_listener(addr, true)
    })
    .unwrap_or_else(|e| {
        panic!("with SO_REUSEADDR, binding {addr} during TIME_WAIT should succeed, got {e}")
    });
    let mut client = net::connect(addr, LIMIT);
    let accepted = within(LIMIT, "accept on the restarted listener", move || {
        again.accept()
    });
    let (mut conn, _) =
        accepted.unwrap_or_else(|e| panic!("the restarted server did not accept: {e}"));
    conn.write_all(b"back").expect("write");
    drop(conn);
    let (got, _) = net::read_to_eof(&mut client);
    assert_bytes_eq("what the restarted server sent", b"back", &got);
}

/// `serve_nonblocking` on a loopback port 0, stopped by its flag when the
/// step ends.
fn start_echo_server() -> Server<io::Result<ServeStats>> {
    let (listener, addr) = net::listener();
    echo_server_on(listener, addr)
}

/// `serve_nonblocking` on a listener the test has prepared, at `addr`.
fn echo_server_on(listener: TcpListener, addr: SocketAddr) -> Server<io::Result<ServeStats>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    Server::on(addr, "serve_nonblocking(listener, stop)", move || {
        serve_nonblocking(listener, &flag)
    })
    .stopped_by("`stop` was set", move || stop.store(true, Ordering::SeqCst))
}

/// Sends `line` and expects it back; a failure says whether the server hung
/// up or stayed silent.
#[track_caller]
fn echo_round(client: &mut LineClient, line: &[u8]) {
    client.send(line);
    match client.read_line() {
        Ok(got) if got == line => {}
        Ok(got) => client.fail(format!(
            "the echo is not the line sent\n{}",
            testkit::bytes::diff_report(line, &got)
        )),
        Err(why) if why.contains("closed") => {
            client.note(format!("expected the echo {}", show(line)));
            client.fail(format!(
                "the server hung up on this client ({why}) instead of echoing {}. Only a read \
                 that returns Ok(0) (the client closed) or fails ends a client: WouldBlock on a \
                 read or a write means \"not now\", and a client is closed only once its \
                 pending bytes are sent.",
                show(line)
            ))
        }
        Err(why) => {
            client.note(format!("expected the echo {}", show(line)));
            client.fail(format!(
                "expected the echo {}, but {why}. Several clients are connected: does the \
                 server wait on one of them (a blocking read or accept) while this one is ready?",
                show(line)
            ))
        }
    }
}

#[rstest]
#[case::direct(None, 300_000)]
#[case::one_byte(Some(Chunking::Fixed(1)), 2_000)]
#[case::random(Some(random_cuts(0, 4096)), 100_000)]
fn step09_serves_many_clients_from_one_thread(
    #[case] chunking: Option<Chunking>,
    #[case] big: usize,
) {
    let step = step!(LESSON);
    const CLIENTS: usize = 4;
    let server = start_echo_server();
    let route = Route::to(server.addr(), chunking.map(|c| c.seeded(&step)));
    let how = &route.how;
    // All clients connect first; then they take turns, LAST one first, so a
    // server that waits on client 0 never answers client 3.
    let mut clients: Vec<LineClient> = (0..CLIENTS)
        .map(|i| server.client_via(route.addr, &format!("client {i} ({how})")))
        .collect();
    let mut total = 0u64;
    for round in 0..3 {
        for (i, client) in clients.iter_mut().enumerate().rev() {
            let message = format!("round {round} from client {i}: {}\n", "x".repeat(i * 3));
            echo_round(client, message.as_bytes());
            total += message.len() as u64;
        }
    }
    // A big message: the echo must be written in parts while the client is
    // still sending, and no byte may be lost on a partial write.
    let data = pattern(big, 17, 241);
    let mut writer = clients[1].stream().try_clone().expect("clone");
    let mut reader = clients[1].stream().try_clone().expect("clone");
    let sending = data.clone();
    thread::spawn(move || writer.write_all(&sending));
    let echoed = within(LIMIT * 3, "the echo of a big message", move || {
        read_n(&mut reader, big)
    })
    .unwrap_or_else(|e| {
        server.fail(format!(
            "client 1 sent {big} bytes and did not get them all back ({how}): {}",
            explain::io_error(&e, LIMIT)
        ))
    });
    assert_bytes_eq(&format!("the echo of {big} bytes ({how})"), &data, &echoed);
    // A client that half-closes gets its echo, then EOF.
    let last = &mut clients[CLIENTS - 1];
    last.send(b"goodbye\n");
    last.half_close();
    let (got, err) = last.read_to_end(4096);
    if got != b"goodbye\n" || err.is_some() {
        last.fail("expected the echo \"goodbye\\n\", then EOF (the server closes cleanly)");
    }
    drop(clients);
    drop(route);
    let stats = server.stop_ok(LIMIT);
    assert!(
        stats.accepted >= CLIENTS && stats.most_open >= CLIENTS,
        "{CLIENTS} clients were connected at once: expected accepted >= {CLIENTS} and most_open >= \
         {CLIENTS}, got {stats:?}"
    );
    total += big as u64 + b"goodbye\n".len() as u64;
    assert_eq!(
        stats.echoed, total,
        "the clients were sent back {total} bytes in all (12 lines, {big} bytes, \"goodbye\\n\"): \
         ServeStats::echoed counts every byte a write took, got {stats:?}"
    );
}

#[test]
fn step10_nonblocking_server_survives_rude_clients() {
    let _step = step!(LESSON);
    let server = start_echo_server();
    let mut good = server.client("a polite client");
    echo_round(&mut good, b"hello before the trouble\n");

    // A client that sends half a line and resets the connection.
    let mut rude = server.client("a rude client");
    rude.send(b"half a li");
    rude.reset();

    // A client that sends without ever reading its echo.
    const FLOOD: usize = 48 * 1024 * 1024;
    let hog = server.client("a client that never reads");
    let mut hog_stream = hog.stream().try_clone().expect("clone");
    hog_stream
        .set_write_timeout(Some(Duration::from_secs(1)))
        .expect("write timeout");
    let hog_writer = thread::spawn(move || {
        let chunk = pattern(64 * 1024, 3, 256);
        let mut sent = 0;
        while sent < FLOOD {
            match hog_stream.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        sent
    });

    good.note("another client floods the server without reading");
    for i in 0..5 {
        echo_round(&mut good, format!("still there? {i}\n").as_bytes());
    }
    let sent = within(Duration::from_secs(15), "the flooding client", move || {
        hog_writer.join().expect("the flooding thread")
    });
    assert!(
        sent < FLOOD,
        "a client sent {FLOOD} bytes without reading a single echo and the server took them all: \
         stop reading from a client while MAX_PENDING ({MAX_PENDING}) bytes wait for it"
    );
    drop(hog);
    good.note("the others left");
    echo_round(&mut good, b"and after it left\n");
    drop(good);
    let stats = server.stop_ok(LIMIT);
    assert!(
        stats.accepted >= 3,
        "three clients connected, stats say {stats:?}"
    );
    broken_listener_ends_the_loop();
}

/// "Errors: only a failing listener": the listening socket shut down under
/// the loop makes accept fail with an error that is not `WouldBlock`
/// (EINVAL), which `serve_nonblocking` returns.
fn broken_listener_ends_the_loop() {
    let (listener, addr) = net::listener();
    let same = listener
        .try_clone()
        .expect("a second handle on the listening socket (test setup)");
    let server = echo_server_on(listener, addr);
    let mut client = server.client("a client before the listener breaks");
    echo_round(&mut client, b"hello\n");
    drop(client);
    SockRef::from(&same)
        .shutdown(std::net::Shutdown::Both)
        .expect("shut the listening socket down (test setup)");
    let after = "the listening socket was shut down under serve_nonblocking: its accept fails \
                 with an error that is not WouldBlock (EINVAL), and serve_nonblocking must \
                 return it (\"Errors: only a failing listener\"), not go on";
    if let Ok(stats) = server.wait(LIMIT, after) {
        panic!("{after}; it returned Ok({stats:?}), though nobody set `stop`");
    }
}

#[rstest]
#[case::small(1_000, true)]
#[case::ten_megabytes(10 * 1024 * 1024, false)]
fn step11_write_then_read_stalls_and_says_so(#[case] size: usize, #[case] fits: bool) {
    let _step = step!(LESSON);
    let (a, b) = net::pair_with_buffers(TINY_BUFFER);
    let (data_a, data_b) = (pattern(size, 7, 251), pattern(size, 11, 239));
    let timeout = Duration::from_millis(500);
    let (ra, rb) = within(Duration::from_secs(10), "write_then_read on both peers", {
        let (data_a, data_b) = (data_a.clone(), data_b.clone());
        move || {
            let (mut a, mut b) = (a, b);
            thread::scope(|s| {
                let other = s.spawn(|| write_then_read(&mut b, &data_b, 2 * size, timeout));
                let mine = write_then_read(&mut a, &data_a, 2 * size, timeout);
                let other = other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (mine, other)
            })
        }
    });
    if fits {
        let ra = ra.unwrap_or_else(|e| panic!("write_then_read with 1000 bytes each failed: {e}"));
        let rb = rb.unwrap_or_else(|e| panic!("write_then_read with 1000 bytes each failed: {e}"));
        assert_bytes_eq("what peer A received from B", &data_b, &ra);
        assert_bytes_eq("what peer B received from A", &data_a, &rb);
        return;
    }
    for (name, r) in [("A", &ra), ("B", &rb)] {
        match r {
            Err(TransferError::WriteTimedOut { sent }) if *sent < size => {}
            other => panic!(
                "peers A and B each write {size} bytes before reading; the socket buffers hold far \
                 less, so both writes stall. Peer {name}: expected Err(WriteTimedOut {{ sent }}) \
                 after the 500 ms write timeout, got {:?}",
                other.as_ref().map(Vec::len)
            ),
        }
    }
}

#[rstest]
#[case::tiny_buffers(None, 10 * 1024 * 1024)]
#[case::one_byte(Some(Chunking::Fixed(1)), 2_000)]
#[case::random(Some(random_cuts(0, 8192)), 300_000)]
fn step12_exchange_reads_while_writing(#[case] chunking: Option<Chunking>, #[case] size: usize) {
    let step = step!(LESSON);
    let chunking = chunking.map(|c| match c {
        Chunking::Random { max, .. } => random_cuts(step.seed(), max),
        other => other,
    });
    let (a, b, relay) = match chunking {
        None => {
            let (a, b) = net::pair_with_buffers(TINY_BUFFER);
            (a, b, None)
        }
        Some(c) => {
            let (listener, addr) = net::listener();
            let relay = TcpRelay::start(addr, c);
            let a = net::connect_retry(relay.addr(), LIMIT);
            let (b, _) = listener.accept().expect("accept");
            (a, b, Some(relay))
        }
    };
    let how = chunking.map_or("tiny socket buffers".to_owned(), |c| {
        format!("through a relay, {c}")
    });
    let (data_a, data_b) = (pattern(size, 7, 251), pattern(size + 1, 11, 239));
    let timeout = Duration::from_secs(5);
    let (ra, rb) = within(Duration::from_secs(30), "exchange on both peers", {
        let (data_a, data_b) = (data_a.clone(), data_b.clone());
        move || {
            let (mut a, mut b) = (a, b);
            thread::scope(|s| {
                let other = s.spawn(|| exchange(&mut b, &data_b, 2 * size + 2, timeout));
                let mine = exchange(&mut a, &data_a, 2 * size + 2, timeout);
                let other = other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (mine, other)
            })
        }
    });
    drop(relay);
    let why = |e: &TransferError, expected: usize| match e {
        TransferError::ReadTimedOut { received } if *received == expected => {
            "\n(the whole reply came but no EOF: once everything is written, exchange must \
             half-close (shutdown(Write)), or the other side, reading until EOF, never ends)"
        }
        _ => "",
    };
    let ra = ra.unwrap_or_else(|e| {
        panic!(
            "peer A: exchange of {size} bytes each way ({how}) failed: {e}{}",
            why(&e, data_b.len())
        )
    });
    let rb = rb.unwrap_or_else(|e| {
        panic!(
            "peer B: exchange of {size} bytes each way ({how}) failed: {e}{}",
            why(&e, data_a.len())
        )
    });
    assert_bytes_eq(
        &format!("what peer A received from B ({how})"),
        &data_b,
        &ra,
    );
    assert_bytes_eq(
        &format!("what peer B received from A ({how})"),
        &data_a,
        &rb,
    );
}

/// `read_to_end_limited` at its limit's edge: exactly `limit` bytes are
/// kept, one more is `TooLarge`, and so is a peer whose bytes jump past it.
fn read_limit_edge() {
    let limit = 10_000;
    for (size, fits) in [(limit, true), (limit + 1, false), (limit + 5_000, false)] {
        let (client, mut server) = net::pair();
        net::set_timeouts(&client, LIMIT);
        let data = pattern(size, 11, 251);
        let sent = data.clone();
        let writer = thread::spawn(move || {
            let _ = server.write_all(&sent);
        });
        let got = within(LIMIT, "read_to_end_limited", move || {
            read_to_end_limited(&client, limit)
        });
        let _ = writer.join();
        let what = format!(
            "read_to_end_limited(stream, {limit}) on a peer that sends {size} bytes and closes"
        );
        match (fits, &got) {
            (true, Ok(kept)) => assert_bytes_eq(&format!("{what}: every byte"), &data, kept),
            (false, Err(TransferError::TooLarge { limit: l })) if *l == limit => {}
            (true, _) => panic!(
                "{what}: expected all {size} bytes (exactly the limit is allowed: TooLarge is for \
                 MORE than limit), got {:?}",
                got.map(|v| v.len())
            ),
            (false, _) => panic!(
                "{what}: expected Err(TransferError::TooLarge {{ limit: {limit} }}) (more than \
                 limit, however the reads cut the bytes: compare the total, not one read), got \
                 {:?}",
                got.map(|v| v.len())
            ),
        }
    }
}

#[test]
fn step13_exchange_rejects_bad_peers() {
    let _step = step!(LESSON);
    read_limit_edge();
    let limit = 64 * 1024;
    let request = pattern(1_000, 5, 251);

    // A peer that answers with far more than the caller allows.
    for which in ["exchange", "request_until_eof"] {
        let server = net::serve_one(|mut s| {
            let mut r = s.try_clone()?;
            thread::spawn(move || net::read_to_eof(&mut r));
            let flood = pattern(64 * 1024, 1, 256);
            for _ in 0..16 {
                if s.write_all(&flood).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let mut stream = net::connect_retry(server.addr, LIMIT);
        let req = request.clone();
        let got = within(LIMIT, which, move || match which {
            "exchange" => exchange(&mut stream, &req, limit, Duration::from_secs(2)),
            _ => request_until_eof(&mut stream, &req, limit, Duration::from_secs(2)),
        });
        assert!(
            matches!(got, Err(TransferError::TooLarge { limit: l }) if l == limit),
            "{which} with max_reply = {limit} against a peer that sends 1 MiB: expected \
             Err(TransferError::TooLarge {{ limit: {limit} }}), got {:?}",
            got.as_ref().map(Vec::len)
        );
    }

    // A peer that floods without reading, while the request is too big for
    // the buffers: the reader's TooLarge must stop the blocked writer too.
    let (listener, addr) = net::listener();
    let flooder = thread::spawn(move || {
        let (s, _) = listener.accept()?;
        SockRef::from(&s).set_recv_buffer_size(TINY_BUFFER)?;
        s.set_write_timeout(Some(Duration::from_secs(5)))?;
        let flood = pattern(64 * 1024, 1, 256);
        let mut w = &s;
        for _ in 0..16 {
            if w.write_all(&flood).is_err() {
                break;
            }
        }
        // Keep the connection open (and unread) well past the step's deadline.
        thread::sleep(Duration::from_secs(6));
        Ok::<(), io::Error>(())
    });
    let stream = net::connect_retry(addr, LIMIT);
    SockRef::from(&stream)
        .set_send_buffer_size(TINY_BUFFER)
        .expect("SO_SNDBUF");
    let big = pattern(16 * 1024 * 1024, 3, 251);
    let exchanging = Learner::spawn("exchange(.., timeout 10 s)", move || {
        let mut stream = stream;
        exchange(&mut stream, &big, limit, Duration::from_secs(10)).map(|r| r.len())
    });
    let got = exchanging.wait(
        LIMIT,
        "its reader got more than max_reply bytes while its writer was blocked on a peer that \
         reads nothing. When the reader fails, shut the stream down (both ways) so that the \
         writer's blocked write fails at once, instead of waiting out its 10 s timeout",
    );
    assert!(
        matches!(got, Err(TransferError::TooLarge { limit: l }) if l == limit),
        "exchange with max_reply = {limit} against a peer that floods without reading: expected \
         Err(TransferError::TooLarge {{ limit: {limit} }}), got {got:?}"
    );
    drop(flooder);

    // A peer that reads everything and then says nothing, without closing.
    for which in ["exchange", "request_until_eof"] {
        let server = net::serve_one(|mut s| {
            let (got, _) = net::read_to_eof(&mut s);
            thread::sleep(Duration::from_secs(2));
            Ok(got.len())
        });
        let mut stream = net::connect_retry(server.addr, LIMIT);
        let req = request.clone();
        let got = within(LIMIT, which, move || match which {
            "exchange" => exchange(&mut stream, &req, limit, Duration::from_millis(300)),
            _ => request_until_eof(&mut stream, &req, limit, Duration::from_millis(300)),
        });
        assert!(
            matches!(got, Err(TransferError::ReadTimedOut { received: 0 })),
            "{which} with a 300 ms timeout against a peer that never answers: expected \
             Err(TransferError::ReadTimedOut {{ received: 0 }}), got {:?}",
            got.as_ref().map(Vec::len)
        );
    }

    // A peer that reads the request, sends a little, and resets.
    let server = net::serve_one(|mut s| {
        let _ = net::read_to_eof(&mut s);
        s.write_all(b"partial answ")?;
        thread::sleep(Duration::from_millis(50));
        peer::reset(s)
    });
    let mut stream = net::connect_retry(server.addr, LIMIT);
    let req = request.clone();
    let got = within(LIMIT, "exchange", move || {
        exchange(&mut stream, &req, limit, Duration::from_secs(2))
    });
    assert!(
        matches!(got, Err(TransferError::Io(_))),
        "exchange against a peer that resets the connection mid-answer: expected \
         Err(TransferError::Io(..)) (connection reset), got {:?}",
        got.as_ref().map(Vec::len)
    );
}

/// A client whose receive buffer is tiny and which reads slowly, so that the
/// server's writes fill its send buffer: they come back `WouldBlock`, or
/// take only part of what they are given.
fn slow_reader(addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .expect("create a socket");
    socket.set_recv_buffer_size(4 * 1024).expect("SO_RCVBUF");
    socket
        .connect_timeout(&addr.into(), LIMIT)
        .expect("connect to the learner's server");
    let stream: TcpStream = socket.into();
    net::set_timeouts(&stream, LIMIT);
    stream
}

#[test]
fn step14_slow_readers_get_every_byte() {
    let _step = step!(LESSON);
    const TOTAL: usize = 2 * 1024 * 1024;
    // The server's sockets get a small send buffer (accepted sockets inherit
    // the listener's), which the kernel then cannot grow past the echo.
    let (listener, addr) = net::listener();
    SockRef::from(&listener)
        .set_send_buffer_size(16 * 1024)
        .expect("SO_SNDBUF on the listener");
    let server = echo_server_on(listener, addr);
    let stream = slow_reader(addr);
    let data = pattern(TOTAL, 29, 251);
    let mut writer = stream.try_clone().expect("clone");
    let sending = data.clone();
    thread::spawn(move || {
        let sent = writer.write_all(&sending);
        let _ = writer.shutdown(std::net::Shutdown::Write);
        sent
    });
    let (echoed, error) = within(
        Duration::from_secs(20),
        "reading the echo slowly",
        move || {
            let mut stream = stream;
            let mut echoed = Vec::with_capacity(TOTAL);
            let mut buf = [0u8; 1024];
            let mut reads = 0u32;
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => return (echoed, None),
                    Ok(n) => echoed.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return (echoed, Some(e)),
                }
                reads += 1;
                if reads % 64 == 0 {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        },
    );
    let how = "the server's sockets have a 16 KiB send buffer; a client with a 4 KiB \
               receive buffer sends 2 MiB and reads the echo slowly, so the server's writes \
               often take only part of the pending bytes, or none (WouldBlock)";
    let hung_up = match &error {
        None => echoed.len() < TOTAL && data.starts_with(&echoed),
        Some(e) => matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
        ),
    };
    if hung_up {
        server.fail(format!(
            "{how}: the server hung up on the client after echoing {} of {TOTAL} bytes{}. A \
             write that fails with WouldBlock means the client's buffer is full for now: keep \
             the bytes and try again on a later pass; never drop the client for it.",
            echoed.len(),
            error.map_or(String::new(), |e| format!(
                " ({})",
                explain::io_error(&e, LIMIT)
            ))
        ));
    }
    if let Some(e) = error {
        server.fail(format!(
            "{how}: after {} of {TOTAL} bytes of echo, reading failed: {}",
            echoed.len(),
            explain::io_error(&e, LIMIT)
        ));
    }
    if echoed != data {
        let at = testkit::bytes::first_difference(&data, &echoed).unwrap_or(0);
        server.fail(format!(
            "{how}: the echo ({} bytes) differs from what was sent ({TOTAL} bytes) from byte \
             {at} on: bytes went missing. A write may take only part of what it is given: keep \
             the rest pending for the next pass.",
            echoed.len()
        ));
    }
    drop(server);
}

/// How long step 15 watches an idle server. A pass over no clients
/// followed by a sleep of [`IDLE_PAUSE`] costs a few microseconds and ends
/// asleep; a loop without the sleep never sleeps (see `testkit::cpu`).
const IDLE: Duration = Duration::from_secs(1);

#[test]
fn step15_idle_server_does_not_spin() {
    let _step = step!(LESSON);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let (tx, clock) = std::sync::mpsc::channel();
    let server = Server::tcp("serve_nonblocking(listener, stop)", move |listener| {
        let _ = tx.send(ThreadClock::current());
        serve_nonblocking(listener, &flag)
    })
    .stopped_by("`stop` was set", move || stop.store(true, Ordering::SeqCst));
    let mut client = server.client("a client before the server is left idle");
    echo_round(&mut client, b"hello\n");
    drop(client);
    let Ok(Some(clock)) = clock.recv_timeout(LIMIT) else {
        eprintln!("note: this platform cannot watch a thread's work; the spin check is skipped");
        return;
    };
    thread::sleep(Duration::from_millis(100));
    let before = clock.usage();
    thread::sleep(IDLE);
    if let Some(end) = server.ended() {
        server.fail(format!(
            "serve_nonblocking ended while no client was connected: {end}"
        ));
    }
    let (Some(before), Some(after)) = (before, clock.usage()) else {
        server.fail("the server's thread ended while it was idle");
    };
    let used = after.since(before);
    eprintln!(
        "serve_nonblocking: {} in {IDLE:?} with no client",
        used.describe()
    );
    if used.spins() {
        server.fail(format!(
            "serve_nonblocking used {} in {IDLE:?} with no client at all: it spins. A \
             non-blocking loop must rest when a pass over its sockets did nothing: sleep \
             IDLE_PAUSE ({IDLE_PAUSE:?}) then.",
            used.describe()
        ));
    }
    let stats = server.stop_ok(LIMIT);
    assert!(
        stats.accepted >= 1,
        "one client connected, stats say {stats:?}"
    );
}

/// The timeout step 16 gives `connect_low_latency`, and how long the call
/// may take in all: far more than the timeout, far less than the minutes an
/// unbounded connect waits (Linux retries its SYN for about two).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const CONNECT_LIMIT: Duration = Duration::from_secs(5);

#[test]
fn step16_connect_gives_up_after_its_timeout() {
    let _step = step!(LESSON);
    let quiet = net::unanswering();
    let addr = quiet.addr;
    let got = Learner::spawn(
        &format!("connect_low_latency({addr}, {CONNECT_TIMEOUT:?})"),
        move || connect_low_latency(addr, CONNECT_TIMEOUT),
    )
    .wait(
        CONNECT_LIMIT,
        "connecting to a server that never answers the handshake (its accept queue is full). \
         Expected Err(TimedOut) after about 300 ms. A timeout set on the stream comes too late: \
         the connect itself must be bounded, with TcpStream::connect_timeout",
    );
    match got {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) => {}
        Err(e) => panic!(
            "connect_low_latency({addr}, {CONNECT_TIMEOUT:?}) to a server that never answers the \
             handshake: expected an error of kind TimedOut, got {:?} ({e})",
            e.kind()
        ),
        Ok(stream) => panic!(
            "connect_low_latency({addr}, {CONNECT_TIMEOUT:?}) to a server that never answers the \
             handshake returned a connection ({:?}): expected Err(TimedOut)",
            stream.peer_addr()
        ),
    }
    drop(quiet);
}

/// How much the closing client of step 17 sends: less than [`MAX_PENDING`],
/// so the server reads all of it and sees the EOF, and more than the
/// server's small send buffer and the client's small receive buffer hold,
/// so part of its echo must wait in the server.
const UNREAD: usize = 60 * 1024;

#[test]
fn step17_closing_client_that_does_not_read_stalls_nobody() {
    let _step = step!(LESSON);
    let (listener, addr) = net::listener();
    SockRef::from(&listener)
        .set_send_buffer_size(16 * 1024)
        .expect("SO_SNDBUF on the listener");
    let server = echo_server_on(listener, addr);
    let mut other = server.client("a client connected first");
    echo_round(&mut other, b"hello\n");

    let closing = slow_reader(addr);
    let data = pattern(UNREAD, 37, 251);
    if let Err(e) = (&closing).write_all(&data) {
        server.fail(format!(
            "a second client could not send {UNREAD} bytes: {}",
            explain::io_error(&e, LIMIT)
        ));
    }
    closing
        .shutdown(std::net::Shutdown::Write)
        .expect("half-close");
    other.note(format!(
        "a second client sent {UNREAD} bytes, half-closed, and reads none of its echo yet"
    ));
    // Time for the server to read that client's EOF: a busy machine can only
    // make a wrong server pass here, never a right one fail.
    thread::sleep(Duration::from_millis(500));
    for line in [&b"still served?\n"[..], b"and again?\n"] {
        other.send(line);
        match other.read_line() {
            Ok(got) if got == line => {}
            Ok(got) => other.fail(format!(
                "the echo is not the line sent\n{}",
                testkit::bytes::diff_report(line, &got)
            )),
            Err(why) => {
                other.note(format!("expected the echo {}", show(line)));
                other.fail(format!(
                    "expected the echo {}, but {why}\nAnother client half-closed with most of its \
                     echo ({} KiB) unread: the server must keep those bytes pending and write \
                     them on later passes, without waiting. A blocking write of the rest at EOF \
                     (the Python server's setblocking(True), then sendall) stalls every client \
                     until that one reads.",
                    show(line),
                    UNREAD / 1024
                ))
            }
        }
    }
    drop(other);
    let mut closing = closing;
    let (echoed, error) = within(Duration::from_secs(10), "reading the echo", move || {
        net::read_to_eof(&mut closing)
    });
    if let Some(e) = error {
        server.fail(format!(
            "the client that half-closed then read its echo: reading failed after {} of {UNREAD} \
             bytes ({}). Keep a closed client until its echo is sent, then close it.",
            echoed.len(),
            explain::io_error(&e, LIMIT)
        ));
    }
    assert_bytes_eq(
        &format!(
            "the echo of {UNREAD} bytes, read after the client half-closed (then EOF): none may be \
             lost"
        ),
        &data,
        &echoed,
    );
    let stats = server.stop_ok(LIMIT);
    assert!(
        stats.accepted >= 2,
        "two clients connected, stats say {stats:?}"
    );
}
