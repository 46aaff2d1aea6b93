//! Lesson 03's graded steps: a UDP echo server and a retrying client.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline; the learner's
//! server runs on its own thread and the test's own reads poll it, so a
//! server that panicked or never answers fails the step in seconds. The
//! client steps run against small test servers that lose, repeat and
//! confuse on purpose, and finally through the testkit's lossy relay.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson03::*;
use rstest::rstest;
use testkit::relay::{LossPlan, UdpRelay};
use testkit::{DatagramClient, Server, assert_bytes_eq, escape, net, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

/// The greeting, computed by the test (not by the learner's `greeting`).
fn hello(name: &[u8]) -> Vec<u8> {
    [b"Hello, ".as_slice(), name, b"!"].concat()
}

/// A test socket on `ip`, port 0, whose reads give up after `timeout`.
fn udp_on(ip: IpAddr, timeout: Duration) -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind((ip, 0)).expect("bind a loopback UDP socket on port 0");
    socket
        .set_read_timeout(Some(timeout))
        .expect("set a read timeout");
    let addr = socket.local_addr().expect("a bound socket has an address");
    (socket, addr)
}

/// Reads the next datagram on a test socket, or `None` after `limit`.
fn recv_within(socket: &UdpSocket, limit: Duration) -> Option<(Vec<u8>, SocketAddr)> {
    let deadline = Instant::now() + limit;
    let mut buf = vec![0u8; 65_536];
    while Instant::now() < deadline {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => return Some((buf[..n].to_vec(), from)),
            Err(e) if testkit::is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "the test's own socket failed: {}",
                testkit::explain::io_error(&e, limit)
            ),
        }
    }
    None
}

/// The learner's `serve` on a UDP socket on `ip`, port 0, stopped by its
/// flag when the step ends.
fn start(ip: IpAddr) -> Server<io::Result<Served>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    Server::udp_on(ip, "serve(socket, stop)", move |socket| {
        serve(&socket, &flag)
    })
    .stopped_by(
        "the stop flag was set (check it before every receive, and give the socket a read \
         timeout of POLL so that a receive cannot wait for ever)",
        move || stop.store(true, Ordering::SeqCst),
    )
}

/// A client called `name` on `ip` that talks to the learner's server.
fn client(server: &Server<io::Result<Served>>, ip: IpAddr, name: &str) -> DatagramClient {
    DatagramClient::new(name, ip, server.addr()).watching(server.watch())
}

/// Who sends a test server's datagram: its own socket, or another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sender {
    Server,
    Stranger,
}

/// A test server for the client steps: for each datagram it logs the name
/// and sends what `behave(name, times seen before)` returns.
struct TestServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
}

type Behaviour = dyn FnMut(&[u8], usize) -> Vec<(Sender, Vec<u8>)> + Send;

impl TestServer {
    fn start(ip: IpAddr, behave: Box<Behaviour>) -> TestServer {
        TestServer::start_chatty(ip, behave, None)
    }

    /// Like [`start`](Self::start), and while no datagram comes, sends
    /// `chatter` to the last client every 20 ms or so.
    fn start_chatty(
        ip: IpAddr,
        mut behave: Box<Behaviour>,
        chatter: Option<Vec<u8>>,
    ) -> TestServer {
        let (socket, addr) = udp_on(ip, Duration::from_millis(20));
        let (stranger, _) = udp_on(ip, Duration::from_millis(20));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (logged, stopping) = (Arc::clone(&log), Arc::clone(&stop));
        thread::spawn(move || {
            let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut buf = vec![0u8; 65_536];
            let mut last_client = None;
            while !stopping.load(Ordering::SeqCst) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    if let (Some(junk), Some(to)) = (&chatter, last_client) {
                        let _ = socket.send_to(junk, to);
                    }
                    continue;
                };
                last_client = Some(from);
                let name = buf[..n].to_vec();
                logged.lock().expect("log").push(name.clone());
                let count = seen.entry(name.clone()).or_default();
                for (sender, datagram) in behave(&name, *count) {
                    let via = if sender == Sender::Server {
                        &socket
                    } else {
                        &stranger
                    };
                    let _ = via.send_to(&datagram, from);
                }
                *count += 1;
            }
        });
        TestServer { addr, log, stop }
    }

    /// The names received so far, in order.
    fn log(&self) -> Vec<Vec<u8>> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The tutorial's server, done right: every name gets its greeting, once.
fn echo() -> Box<Behaviour> {
    Box::new(|name, _| vec![(Sender::Server, hello(name))])
}

/// Names as the test shows them: `["Michael", "Tracy"]`.
fn shown(names: &[Vec<u8>]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{}\"", escape(n))).collect();
    format!("[{}]", quoted.join(", "))
}

/// Runs the learner's `greet_all` under a deadline and returns its result
/// with the error as text.
fn run_greet_all(
    server: SocketAddr,
    names: &[&str],
    retry: Retry,
    limit: Duration,
) -> Result<Vec<String>, String> {
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    within(limit, "greet_all", move || {
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        greet_all(server, &names, retry).map_err(|e| format!("{e} ({e:?})"))
    })
}

/// Asserts that the client got exactly one greeting per name, in order.
fn assert_replies(context: &str, names: &[&str], got: &[String]) {
    let want: Vec<String> = names.iter().map(|n| format!("Hello, {n}!")).collect();
    assert_eq!(
        got, want,
        "{context}: greet_all({names:?}) must return exactly one greeting per name, in the \
         names' order"
    );
}

#[rstest]
#[case::tutorial(b"Michael".as_slice())]
#[case::empty(b"".as_slice())]
#[case::utf8("李雷".as_bytes())]
#[case::not_utf8(b"\xff\xfe\x00".as_slice())]
#[case::with_newline(b"Sarah\n".as_slice())]
fn step01_formats_the_greeting(#[case] name: &[u8]) {
    let _step = step!(LESSON);
    let input = name.to_vec();
    let got = within(LIMIT, "greeting", move || greeting(&input));
    assert_bytes_eq(
        &format!("greeting(b\"{}\")", escape(name)),
        &hello(name),
        &got,
    );
}

#[rstest]
#[case::tutorial(b"Michael".as_slice())]
#[case::empty(b"".as_slice())]
#[case::binary(b"\x00\x01\xff\r\n".as_slice())]
fn step02_receives_one_datagram(#[case] name: &[u8]) {
    let _step = step!(LESSON);
    let (server, server_addr) = net::udp();
    server.set_read_timeout(Some(LIMIT)).expect("read timeout");
    let (client, client_addr) = net::udp();
    client.send_to(name, server_addr).expect("send a datagram");
    let got = within(LIMIT, "recv_datagram(&socket, MAX_NAME)", move || {
        recv_datagram(&server, MAX_NAME).map_err(|e| e.to_string())
    });
    let (data, from) = got.unwrap_or_else(|e| {
        panic!(
            "a client sent the datagram \"{}\": recv_datagram failed: {e}",
            escape(name)
        )
    });
    assert_bytes_eq(
        &format!("a client sent the datagram \"{}\"", escape(name)),
        name,
        &data,
    );
    assert_eq!(
        from, client_addr,
        "recv_datagram must return the sender's address (what recv_from says)"
    );
}

#[test]
fn step03_keeps_message_boundaries() {
    let _step = step!(LESSON);
    let (server, server_addr) = net::udp();
    server.set_read_timeout(Some(LIMIT)).expect("read timeout");
    let (client, _) = net::udp();
    let names: [&[u8]; 3] = [b"Michael", b"Tracy", b"Sarah"];
    for name in names {
        client.send_to(name, server_addr).expect("send a datagram");
    }
    let got = within(LIMIT, "recv_datagram three times", move || {
        (0..3)
            .map(|_| {
                recv_datagram(&server, MAX_NAME)
                    .map(|(data, _)| data)
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let got = got.unwrap_or_else(|e| {
        panic!("three datagrams were waiting (Michael, Tracy, Sarah): recv_datagram failed: {e}")
    });
    for (i, (name, data)) in names.iter().zip(&got).enumerate() {
        assert_bytes_eq(
            &format!(
                "a client sent three datagrams back to back (Michael, Tracy, Sarah); call {} of \
                 recv_datagram must return datagram {} alone: UDP keeps boundaries, where TCP \
                 would have delivered \"MichaelTracySarah\"",
                i + 1,
                i + 1
            ),
            name,
            data,
        );
    }
}

#[rstest]
#[case::one_byte_over(MAX_NAME + 1)]
#[case::jumbo(9_000)]
#[case::largest_ipv4_datagram(65_507)]
fn step04_detects_oversized_datagrams(#[case] size: usize) {
    let _step = step!(LESSON);
    let (server, server_addr) = net::udp();
    server.set_read_timeout(Some(LIMIT)).expect("read timeout");
    let (client, client_addr) = net::udp();
    let exact = vec![b'e'; MAX_NAME];
    let oversized = vec![b'x'; size];
    for datagram in [&exact, &oversized, &b"Tracy".to_vec()] {
        client
            .send_to(datagram, server_addr)
            .expect("send a datagram");
    }
    let got = within(LIMIT, "recv_datagram three times", move || {
        (0..3)
            .map(|_| recv_datagram(&server, MAX_NAME))
            .collect::<Vec<_>>()
    });
    match &got[0] {
        Ok((data, _)) if *data == exact => {}
        Ok((data, _)) => panic!(
            "a datagram of exactly MAX_NAME ({MAX_NAME}) bytes fits: expected it whole, got {} \
             bytes",
            data.len()
        ),
        Err(e) => panic!(
            "a datagram of exactly MAX_NAME ({MAX_NAME}) bytes fits the limit, but \
             recv_datagram(&socket, MAX_NAME) returned Err({e})"
        ),
    }
    match &got[1] {
        Err(RecvError::TooLarge { from, limit }) => {
            assert_eq!(
                (*from, *limit),
                (client_addr, MAX_NAME),
                "RecvError::TooLarge must name the sender and the limit"
            );
        }
        Ok((data, _)) => panic!(
            "a client sent a {size}-byte datagram; recv_datagram(&socket, MAX_NAME) returned Ok \
             with {} bytes: it was cut short without a word. Expected \
             Err(RecvError::TooLarge {{ from: {client_addr}, limit: {MAX_NAME} }})",
            data.len()
        ),
        Err(e) => panic!(
            "a client sent a {size}-byte datagram: expected Err(RecvError::TooLarge {{ .. }}), \
             got Err({e:?})"
        ),
    }
    match &got[2] {
        Ok((data, _)) => assert_bytes_eq(
            &format!("after the {size}-byte datagram, the next call must return the next datagram"),
            b"Tracy",
            data,
        ),
        Err(e) => panic!(
            "after the {size}-byte datagram, the next datagram (\"Tracy\") is waiting, but \
             recv_datagram returned Err({e:?})"
        ),
    }
}

#[rstest]
#[case::ipv4(false)]
#[case::ipv6(true)]
fn step05_answers_each_sender(#[case] v6: bool) {
    let _step = step!(LESSON);
    let Some(ip) = net::loopback(v6) else { return };
    let server = start(ip);
    let mut client = client(&server, ip, "the client");
    for name in [b"Michael".as_slice(), b"Tracy", b"Sarah"] {
        client.send(name);
        client.expect(&hello(name));
    }
}

#[rstest]
#[case::while_idle(0)]
#[case::after_three_names(3)]
fn step06_stops_when_told(#[case] names: u64) {
    let _step = step!(LESSON);
    let ip = Ipv4Addr::LOCALHOST.into();
    let server = start(ip);
    let mut client = client(&server, ip, "the client");
    for i in 0..names {
        let name = format!("name-{i}");
        client.send(name.as_bytes());
        client.expect(&hello(name.as_bytes()));
    }
    if names == 0 {
        // Long enough that a server without a poll is blocked in recv_from;
        // a server that has already ended is told at once.
        let idle = std::time::Instant::now();
        while idle.elapsed() < Duration::from_millis(300) {
            if let Some(end) = server.ended() {
                panic!("nobody had sent anything yet, but serve {end}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
    match server.stop(Duration::from_secs(2)) {
        Ok(served) => assert_eq!(
            served,
            Served {
                answered: names,
                too_large: 0
            },
            "serve answered {names} names and refused none before it was stopped"
        ),
        Err(e) => panic!("serve returned an error when told to stop: {e}"),
    }
}

#[test]
fn step07_serves_interleaved_clients() {
    let _step = step!(LESSON);
    let ip = Ipv4Addr::LOCALHOST.into();
    let server = start(ip);
    let mut clients: Vec<(DatagramClient, String)> = (0..20)
        .map(|i| {
            let name = format!("client-{i:02}");
            let mut client = client(&server, ip, &name);
            client.note("20 clients each send their name before any reads its reply");
            (client, name)
        })
        .collect();
    // All the questions first, then all the answers: the server sees them
    // interleaved, one datagram per client.
    for (client, name) in &mut clients {
        client.send(name.as_bytes());
    }
    let mut chatty = client(&server, ip, "a client that sends three names at once");
    let three: [&[u8]; 3] = [b"Michael", b"Tracy", b"Sarah"];
    for name in three {
        chatty.send(name);
    }
    for (client, name) in &mut clients {
        client.expect(&hello(name.as_bytes()));
    }
    let mut replies: Vec<Vec<u8>> = three.iter().map(|_| chatty.recv().0).collect();
    replies.sort();
    let mut want: Vec<Vec<u8>> = three.iter().map(|name| hello(name)).collect();
    want.sort();
    if replies != want {
        chatty.fail(format!(
            "expected three separate greetings, one for each name, in any order: {}",
            shown(&want)
        ));
    }
    if chatty.recv_within(Duration::from_millis(200)).is_some() {
        chatty.fail(
            "three names were sent and a fourth datagram came: answer each datagram exactly once",
        );
    }
}

/// What step 8 does to the learner's server.
#[derive(Debug, Clone, Copy)]
enum Trouble {
    /// Clients send bad names, and one vanishes before its reply.
    BadDatagrams,
    /// The server's own socket fails for good.
    SocketCannotSend,
}

#[rstest]
#[case::bad_datagrams(Trouble::BadDatagrams)]
#[case::socket_cannot_send(Trouble::SocketCannotSend)]
fn step08_survives_bad_datagrams(#[case] trouble: Trouble) {
    let _step = step!(LESSON);
    match trouble {
        Trouble::BadDatagrams => serve_through_bad_datagrams(),
        Trouble::SocketCannotSend => serve_on_a_socket_that_cannot_send(),
    }
}

/// Nothing a client sends stops the server, and every refusal is counted.
fn serve_through_bad_datagrams() {
    let ip = Ipv4Addr::LOCALHOST.into();
    let server = start(ip);
    // A client that asks and vanishes before the reply comes.
    let (ghost, _) = net::udp();
    ghost.send_to(b"ghost", server.addr()).expect("send a name");
    drop(ghost);
    let mut client = client(&server, ip, "the client");
    client.note("another client sent \"ghost\" and closed its socket before the reply");
    for name in [b"".as_slice(), b"\xff\xfe\x00not utf-8"] {
        client.send(name);
        client.expect(&hello(name));
    }
    client.note("a name over MAX_NAME gets no reply: the next reply must be Sarah's");
    client.send(&vec![b'x'; MAX_NAME + 1]);
    client.send(b"Sarah");
    client.expect(b"Hello, Sarah!");
    let served = server
        .stop(Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("serve returned an error after bad datagrams: {e}"));
    assert_eq!(
        served.too_large, 1,
        "one name over MAX_NAME bytes was sent: Served::too_large must count it (got {served:?})"
    );
    assert!(
        (3..=4).contains(&served.answered),
        "the server answered an empty name, a non-UTF-8 name, Sarah (and a client that had \
         vanished): Served::answered should be 3 or 4, got {served:?}"
    );
}

/// A socket that fails for good ends the server with the error: the test
/// shuts the server's socket down for writing, so its first reply fails
/// (`BrokenPipe` on Linux and macOS). A server that skips every error would
/// go on receiving names it can never answer.
fn serve_on_a_socket_that_cannot_send() {
    let ip: IpAddr = Ipv4Addr::LOCALHOST.into();
    let (client, client_addr) = udp_on(ip, LIMIT);
    let (socket, addr) = udp_on(ip, LIMIT);
    // Connected to the one client, so that every system allows the
    // shutdown; it still receives that client's datagrams.
    socket
        .connect(client_addr)
        .expect("connect the server's socket to the test's client");
    socket2::SockRef::from(&socket)
        .shutdown(Shutdown::Write)
        .expect("shut the server's socket down for writing");
    let Err(failed) = socket.send_to(b"probe", client_addr) else {
        // This system still sends on such a socket: nothing to test here.
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let server = Server::on(addr, "serve(socket, stop)", move || serve(&socket, &flag))
        .stopped_by("the step's end", move || stop.store(true, Ordering::SeqCst));
    client
        .send_to(b"Michael", addr)
        .expect("send a name to the server");
    let after = format!(
        "the test sent \"Michael\" to a server whose socket it had shut down for writing, so \
         the reply could not be sent (send_to says: {failed}). Expected serve to return \
         Err with that error, without the stop flag: only a timeout (WouldBlock or TimedOut), \
         Interrupted, ConnectionRefused and ConnectionReset are skipped, any other socket error \
         ends serve (a server that skips it goes on receiving names it can never answer)"
    );
    match server.wait(LIMIT, &after) {
        Err(_) => {}
        Ok(served) => panic!("{after}; serve returned Ok({served:?}) though nobody had set stop"),
    }
}

#[rstest]
#[case::ipv4(false)]
#[case::ipv6(true)]
fn step09_client_gets_replies_in_order(#[case] v6: bool) {
    let _step = step!(LESSON);
    let Some(ip) = net::loopback(v6) else { return };
    let server = TestServer::start(ip, echo());
    let names = ["Michael", "Tracy", "Sarah"];
    let retry = Retry {
        timeout: Duration::from_secs(2),
        attempts: 3,
    };
    let got = run_greet_all(server.addr, &names, retry, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("greet_all({names:?}) against a server that answers: {e}"));
    assert_replies("a server that answers every name", &names, &got);
    let log = server.log();
    let mut first_seen: Vec<Vec<u8>> = Vec::new();
    for datagram in &log {
        assert!(
            names.iter().any(|n| n.as_bytes() == datagram),
            "the server received the datagram \"{}\": send each name's bytes alone, nothing \
             more (all it received: {})",
            escape(datagram),
            shown(&log)
        );
        if !first_seen.contains(datagram) {
            first_seen.push(datagram.clone());
        }
    }
    let want: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes().to_vec()).collect();
    assert_eq!(
        first_seen,
        want,
        "the server must receive the names in order; it received {}",
        shown(&log)
    );

    // The longest name the server answers: its greeting is MAX_REPLY bytes,
    // more than MAX_NAME, so a client that receives at most MAX_NAME bytes
    // never sees it whole.
    let longest = "n".repeat(MAX_NAME);
    let want = format!("Hello, {longest}!");
    match run_greet_all(
        server.addr,
        &[longest.as_str()],
        retry,
        Duration::from_secs(10),
    ) {
        Ok(got) if got.len() == 1 && got[0] == want => {}
        other => {
            let got = match other {
                Ok(got) => format!(
                    "Ok with {} greeting(s) of {:?} bytes",
                    got.len(),
                    got.iter().map(String::len).collect::<Vec<_>>()
                ),
                // The name, 1024 bytes, shown once, in the words above.
                Err(e) => e.replace(&longest, "nnn…n"),
            };
            panic!(
                "greet_all with one name of MAX_NAME ({MAX_NAME}) bytes, `nnn…n`, against a \
                 server that answers: expected its greeting `Hello, nnn…n!` ({} bytes, \
                 MAX_REPLY), got {got}. A reply can be MAX_REPLY bytes long (MAX_NAME + \
                 GREETING_OVERHEAD): receive into a buffer that holds MAX_REPLY bytes, not \
                 MAX_NAME",
                want.len()
            );
        }
    }
}

#[test]
fn step10_client_retries_lost_requests() {
    let _step = step!(LESSON);
    // Every name's first datagram is "lost": the server ignores it.
    let server = TestServer::start(
        Ipv4Addr::LOCALHOST.into(),
        Box::new(|name, seen| {
            if seen == 0 {
                vec![]
            } else {
                vec![(Sender::Server, hello(name))]
            }
        }),
    );
    let names = ["Michael", "Tracy", "Sarah"];
    let retry = Retry {
        timeout: Duration::from_millis(200),
        attempts: 4,
    };
    let got =
        run_greet_all(server.addr, &names, retry, Duration::from_secs(10)).unwrap_or_else(|e| {
            panic!(
                "the server ignores the first datagram of each name and answers the next: \
                 greet_all({names:?}) with {retry:?} failed: {e}"
            )
        });
    assert_replies("the first datagram of each name was lost", &names, &got);
    let log = server.log();
    for name in names {
        let sends = log
            .iter()
            .filter(|d| d.as_slice() == name.as_bytes())
            .count();
        assert!(
            (2..=4).contains(&sends),
            "\"{name}\" was sent {sends} times: expected a resend after the first went \
             unanswered, and no more than retry.attempts (4) sends (the server received {})",
            shown(&log)
        );
    }
}

#[test]
fn step11_client_ignores_stale_and_foreign_replies() {
    let _step = step!(LESSON);
    // Every send gets junk first: the right text from a stranger, a greeting
    // for someone else, a late answer to the previous name, an oversized
    // datagram and garbage. The real answer comes only to a name's second
    // send, so a client that takes any of the junk sends each name once.
    let mut previous: Vec<u8> = b"Nobody".to_vec();
    let server = TestServer::start(
        Ipv4Addr::LOCALHOST.into(),
        Box::new(move |name, seen| {
            let mut big = b"Hello, ".to_vec();
            big.resize(3000, b'x');
            big.push(b'!');
            let mut datagrams = vec![
                (Sender::Stranger, hello(name)),
                (Sender::Server, hello(b"Zed")),
                (Sender::Server, hello(&previous)),
                (Sender::Server, big),
                (Sender::Server, b"garbage".to_vec()),
            ];
            if seen > 0 {
                datagrams.push((Sender::Server, hello(name)));
                previous = name.to_vec();
            }
            datagrams
        }),
    );
    let names = ["Michael", "Tracy", "Sarah"];
    let retry = Retry {
        timeout: Duration::from_millis(300),
        attempts: 4,
    };
    let sent = "junk in reply to every send (\"Hello, <name>!\" from ANOTHER address, \
                \"Hello, Zed!\", a late \"Hello, <previous name>!\", a 3001-byte datagram, \
                \"garbage\"), and the real reply only to a name's second and later sends";
    let got = run_greet_all(server.addr, &names, retry, Duration::from_secs(15))
        .unwrap_or_else(|e| panic!("the server sent {sent}: greet_all({names:?}) failed: {e}"));
    let log = server.log();
    for name in names {
        let sends = log
            .iter()
            .filter(|d| d.as_slice() == name.as_bytes())
            .count();
        assert!(
            sends >= 2,
            "the server sent {sent}. \"{name}\" was sent only once, so your client took one of \
             the junk datagrams for the answer: accept only greeting(name), from `server` (the \
             server received {})",
            shown(&log)
        );
    }
    assert_replies(&format!("the server sent {sent}"), &names, &got);
}

/// Why step 12's client gets no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoAnswer {
    /// The server never answers.
    Silent,
    /// The server never answers, but keeps sending a stray greeting.
    Chatty,
    /// The client's own socket cannot receive.
    SocketCannotReceive,
}

#[rstest]
#[case::silent(NoAnswer::Silent)]
#[case::chatty(NoAnswer::Chatty)]
#[case::socket_cannot_receive(NoAnswer::SocketCannotReceive)]
fn step12_client_gives_up(#[case] why: NoAnswer) {
    let _step = step!(LESSON);
    if why == NoAnswer::SocketCannotReceive {
        return ask_on_a_socket_that_cannot_receive();
    }
    let chatty = why == NoAnswer::Chatty;
    // The server never answers; a chatty one sends "Hello, Zed!" to the
    // client every 20 ms or so, which must not keep it waiting.
    let chatter = chatty.then(|| hello(b"Zed"));
    let server =
        TestServer::start_chatty(Ipv4Addr::LOCALHOST.into(), Box::new(|_, _| vec![]), chatter);
    let retry = Retry {
        timeout: Duration::from_millis(200),
        attempts: 3,
    };
    let addr = server.addr;
    let about = if chatty {
        "a server that never answers, but sends a stray \"Hello, Zed!\" every 20 ms or so \
         (skipped datagrams must not extend the wait: keep a deadline for each attempt)"
    } else {
        "a server that never answers"
    };
    let started = Instant::now();
    let got = within(LIMIT, &format!("greet_all against {about}"), move || {
        greet_all(addr, &["Michael", "Tracy"], retry)
    });
    let took = started.elapsed();
    match &got {
        Err(ClientError::NoReply { name, attempts }) if name == "Michael" && *attempts == 3 => {}
        other => panic!(
            "{about}, {retry:?}: expected Err(ClientError::NoReply {{ name: \"Michael\", \
             attempts: 3 }}), got {other:?}"
        ),
    }
    assert!(
        took >= Duration::from_millis(480),
        "greet_all gave up after {took:?}: with 3 attempts of 200 ms each it should wait about \
         600 ms for a reply"
    );
    let log = server.log();
    let want = vec![b"Michael".to_vec(); 3];
    assert_eq!(
        log,
        want,
        "with attempts: 3, send \"Michael\" exactly 3 times, then give up without asking for \
         \"Tracy\"; the server received {}",
        shown(&log)
    );
}

/// A socket that fails for good ends `ask` at once with the error: the test
/// shuts the client's socket down for reading, so every receive fails
/// without waiting. A client that skips every error spins through its
/// attempts and reports `NoReply`, hiding the real failure.
fn ask_on_a_socket_that_cannot_receive() {
    let server = TestServer::start(Ipv4Addr::LOCALHOST.into(), Box::new(|_, _| vec![]));
    let addr = server.addr;
    let (socket, _) = udp_on(Ipv4Addr::LOCALHOST.into(), LIMIT);
    // Connected to the server, so that every system allows the shutdown;
    // it still sends to the server.
    socket
        .connect(addr)
        .expect("connect the client's socket to the test's server");
    socket2::SockRef::from(&socket)
        .shutdown(Shutdown::Read)
        .expect("shut the client's socket down for reading");
    let mut buf = [0u8; 64];
    let failed = match socket.recv_from(&mut buf) {
        Err(e) if !testkit::is_timeout(&e) && e.kind() != io::ErrorKind::Interrupted => e,
        // This system still receives (or waits) on such a socket: nothing
        // to test here.
        _ => return,
    };
    let retry = Retry {
        timeout: Duration::from_millis(200),
        attempts: 3,
    };
    let got = within(
        LIMIT,
        "ask(socket, server, \"Michael\", retry)",
        move || ask(&socket, addr, "Michael", retry),
    );
    match &got {
        Err(ClientError::Io(_)) => {}
        other => panic!(
            "the test shut the client's socket down for reading, so every receive on it fails at \
             once (recv_from says: {failed}). ask(socket, {addr}, \"Michael\", {retry:?}) must \
             return that error, Err(ClientError::Io(..)), as soon as it gets it; got {other:?}. \
             A timeout (WouldBlock or TimedOut) means \"no reply yet\"; other socket errors \
             are Err(ClientError::Io(e)), as ask's doc says"
        ),
    }
}

#[rstest]
#[case::distinct(0, &["Michael", "Tracy", "Sarah", "Bob", "Alice", "Lin", "Ana", "Kai", "Zoe", "Eve"])]
#[case::repeated_names(1, &["Bob", "Bob", "Alice", "Bob", "Alice", "Alice", "Bob", "Carol"])]
#[case::odd_names(2, &["", "李雷", "韩梅梅", "a b c", "x", "", "tab\there"])]
fn step13_client_survives_a_lossy_network(#[case] salt: u64, #[case] names: &[&str]) {
    let step = step!(LESSON);
    let server = TestServer::start(Ipv4Addr::LOCALHOST.into(), echo());
    let plan = LossPlan::lossy(step.seed().wrapping_add(salt));
    let relay = UdpRelay::start(server.addr, plan);
    let retry = Retry {
        timeout: Duration::from_millis(150),
        attempts: 20,
    };
    let got =
        run_greet_all(relay.addr(), names, retry, Duration::from_secs(30)).unwrap_or_else(|e| {
            panic!("through a lossy network ({plan}), greet_all({names:?}) with {retry:?}: {e}")
        });
    assert_replies(
        &format!("through a network that drops, duplicates and reorders ({plan})"),
        names,
        &got,
    );
}

/// Accepts one connection on `listener` within `limit`, or `None`.
fn accept_within(listener: &TcpListener, limit: Duration) -> Option<TcpStream> {
    listener.set_nonblocking(true).expect("non-blocking accept");
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking stream");
                net::set_timeouts(&stream, limit);
                return Some(stream);
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    None
}

#[rstest]
#[case::ipv4(false)]
#[case::ipv6(true)]
fn step14_binds_tcp_and_udp_on_one_port(#[case] v6: bool) {
    let _step = step!(LESSON);
    let Some(ip) = net::loopback(v6) else { return };
    // Eight pairs held at once: each needs a port free for both protocols.
    let pairs = within(LIMIT, "bind_both eight times", move || {
        (0..8)
            .map(|_| bind_both(ip).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap_or_else(|e| panic!("bind_both({ip}) failed: {e}"));
    for (tcp, udp) in &pairs {
        let tcp_addr = tcp.local_addr().expect("the listener's address");
        let udp_addr = udp.local_addr().expect("the UDP socket's address");
        assert_eq!(
            tcp_addr.port(),
            udp_addr.port(),
            "bind_both returned TCP {tcp_addr} and UDP {udp_addr}: the port numbers must be \
             the same"
        );
        assert!(
            tcp_addr.ip() == ip && udp_addr.ip() == ip,
            "bind_both({ip}) must bind both sockets on {ip}: got TCP {tcp_addr}, UDP {udp_addr}"
        );
        let port = tcp_addr.port();
        // The same port number, two protocols: a TCP connection and a datagram.
        let mut stream = net::connect(SocketAddr::new(ip, port), LIMIT);
        stream.write_all(b"over tcp").expect("write over TCP");
        let mut accepted = accept_within(tcp, LIMIT).unwrap_or_else(|| {
            panic!("connected to TCP port {port}, but the listener bind_both returned never saw it")
        });
        let mut got = [0u8; 8];
        net::set_timeouts(&accepted, LIMIT);
        if let Err(e) = accepted.read_exact(&mut got) {
            panic!(
                "the test sent \"over tcp\" to TCP port {port}; reading it from the connection \
                 the listener accepted failed: {}",
                testkit::explain::io_error(&e, LIMIT)
            );
        }
        assert_eq!(&got, b"over tcp", "the TCP connection on port {port}");
        let (sender, _) = udp_on(ip, LIMIT);
        sender
            .send_to(b"over udp", SocketAddr::new(ip, port))
            .expect("send over UDP");
        udp.set_read_timeout(Some(LIMIT)).expect("read timeout");
        let (datagram, _) = recv_within(udp, LIMIT).unwrap_or_else(|| {
            panic!(
                "sent a datagram to UDP port {port}: the UDP socket bind_both returned never got it"
            )
        });
        assert_bytes_eq(
            &format!("a datagram sent to UDP port {port}"),
            b"over udp",
            &datagram,
        );
    }
}
