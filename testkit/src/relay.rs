//! Relays that stand between a test and a learner's program and behave like
//! a real network.
//!
//! [`TcpRelay`] accepts connections and forwards each to the target,
//! re-cutting the stream in both directions, so real sockets see the
//! fragmentation a WAN produces. [`UdpRelay`] forwards datagrams both ways
//! and drops, duplicates and reorders them by a seeded [`LossPlan`].

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::chunking::{Chunking, PIECE_PAUSE};
use crate::lang::t;

/// A TCP relay on loopback that re-chunks both directions.
#[derive(Debug)]
pub struct TcpRelay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    writes: Writes,
}

/// The sizes of the relay's writes, per direction, over all connections.
#[derive(Debug, Clone, Default)]
struct Writes {
    to_server: Arc<Mutex<Vec<usize>>>,
    to_client: Arc<Mutex<Vec<usize>>>,
}

impl TcpRelay {
    /// Starts a relay to `target`; every piece either side writes is re-cut
    /// by `chunking` (a random chunking gets a fresh stream of cuts per
    /// direction and connection, all derived from its seed).
    pub fn start(target: SocketAddr, chunking: Chunking) -> TcpRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay on port 0");
        let addr = listener.local_addr().expect("relay address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let writes = Writes::default();
        let log = writes.clone();
        thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(5)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let n = n as u64;
                let _ = pump_both(client, server, chunking, n, &log);
            }
        });
        TcpRelay { addr, stop, writes }
    }

    /// Where the test (or the learner's client) connects.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The size of every write the relay made toward the server so far, in
    /// order: the pieces the server was sent.
    pub fn writes_to_server(&self) -> Vec<usize> {
        self.writes
            .to_server
            .lock()
            .map(|w| w.clone())
            .unwrap_or_default()
    }

    /// The size of every write the relay made toward the client so far.
    pub fn writes_to_client(&self) -> Vec<usize> {
        self.writes
            .to_client
            .lock()
            .map(|w| w.clone())
            .unwrap_or_default()
    }
}

/// Where a test connects: straight to a server, or to a relay in front of
/// it that re-cuts the bytes; and how, in words, for messages.
#[derive(Debug)]
pub struct Route {
    /// Where to connect.
    pub addr: SocketAddr,
    /// `directly`, or `through a relay, one byte at a time`.
    pub how: String,
    /// The relay, kept running while the route lives.
    pub relay: Option<TcpRelay>,
}

impl Route {
    /// A route to `target`: through a relay cutting as `chunking` says, or
    /// directly when it is `None`.
    pub fn to(target: SocketAddr, chunking: Option<Chunking>) -> Route {
        match chunking {
            None => Route {
                addr: target,
                how: t!("route-direct"),
                relay: None,
            },
            Some(chunking) => {
                let relay = TcpRelay::start(target, chunking);
                Route {
                    addr: relay.addr(),
                    how: t!("route-relay", chunking = chunking.to_string()),
                    relay: Some(relay),
                }
            }
        }
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

fn pump_both(
    client: TcpStream,
    server: TcpStream,
    chunking: Chunking,
    n: u64,
    writes: &Writes,
) -> io::Result<()> {
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let reseed = |salt: u64| match chunking {
        Chunking::Random { seed, max } => Chunking::Random {
            seed: seed ^ (n << 8) ^ salt,
            max,
        },
        other => other,
    };
    let (c2, s2) = (client.try_clone()?, server.try_clone()?);
    let up = reseed(1);
    let down = reseed(2);
    let (to_server, to_client) = (Arc::clone(&writes.to_server), Arc::clone(&writes.to_client));
    thread::spawn(move || pump(client, server, up, &to_server));
    thread::spawn(move || pump(s2, c2, down, &to_client));
    Ok(())
}

/// Copies `from` to `to`, re-cut; passes EOF on as a half-close and an
/// error as a full shutdown.
fn pump(mut from: TcpStream, mut to: TcpStream, chunking: Chunking, log: &Mutex<Vec<usize>>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut cuts = match chunking {
        Chunking::Random { seed, .. } => Some(ChaCha8Rng::seed_from_u64(seed)),
        _ => None,
    };
    loop {
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                let mut rest = &buf[..n];
                while !rest.is_empty() {
                    let take = match chunking {
                        Chunking::Whole => rest.len(),
                        Chunking::Fixed(k) => k.max(1).min(rest.len()),
                        Chunking::Random { max, .. } => {
                            let rng = cuts.as_mut().expect("random chunking has a generator");
                            rng.random_range(1..=max.max(1)).min(rest.len())
                        }
                    };
                    if let Ok(mut sizes) = log.lock() {
                        sizes.push(take);
                    }
                    if to.write_all(&rest[..take]).is_err() {
                        let _ = from.shutdown(Shutdown::Both);
                        return;
                    }
                    rest = &rest[take..];
                    if !rest.is_empty() {
                        thread::sleep(PIECE_PAUSE);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// What a [`UdpRelay`] does to datagrams, each with its own probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossPlan {
    /// Replays the same fate for the same sequence of datagrams.
    pub seed: u64,
    /// Chance that a datagram is dropped.
    pub drop: f64,
    /// Chance that a datagram is delivered twice.
    pub duplicate: f64,
    /// Chance that a datagram is held back and delivered after the next one.
    pub reorder: f64,
}

impl LossPlan {
    /// A network that delivers everything once, in order.
    pub fn perfect(seed: u64) -> LossPlan {
        LossPlan {
            seed,
            drop: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
        }
    }

    /// A bad network: a quarter dropped, a fifth duplicated, a fifth reordered.
    pub fn lossy(seed: u64) -> LossPlan {
        LossPlan {
            seed,
            drop: 0.25,
            duplicate: 0.2,
            reorder: 0.2,
        }
    }
}

impl std::fmt::Display for LossPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let percent = |share: f64| format!("{:.0}", share * 100.0);
        f.write_str(&t!(
            "loss-plan",
            drop = percent(self.drop),
            duplicate = percent(self.duplicate),
            reorder = percent(self.reorder),
            seed = self.seed.to_string()
        ))
    }
}

/// A UDP relay on loopback that forwards datagrams between clients and a
/// server and mistreats them as its [`LossPlan`] says.
#[derive(Debug)]
pub struct UdpRelay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

/// One direction's fate-keeper: decides, and holds a datagram back to
/// deliver it after the next.
struct Mangler {
    plan: LossPlan,
    rng: ChaCha8Rng,
    held: Option<(Vec<u8>, SocketAddr)>,
}

impl Mangler {
    fn new(plan: LossPlan, salt: u64) -> Mangler {
        Mangler {
            plan,
            rng: ChaCha8Rng::seed_from_u64(plan.seed ^ salt),
            held: None,
        }
    }

    /// Sends `data` to `to` from `socket`, or not, or twice, or later.
    fn pass(&mut self, socket: &UdpSocket, data: &[u8], to: SocketAddr) {
        let roll: f64 = self.rng.random();
        if roll < self.plan.drop {
            return;
        }
        let roll: f64 = self.rng.random();
        if roll < self.plan.reorder && self.held.is_none() {
            self.held = Some((data.to_vec(), to));
            return;
        }
        let _ = socket.send_to(data, to);
        let roll: f64 = self.rng.random();
        if roll < self.plan.duplicate {
            let _ = socket.send_to(data, to);
        }
        self.flush(socket);
    }

    /// Delivers a held datagram, late.
    fn flush(&mut self, socket: &UdpSocket) {
        if let Some((data, to)) = self.held.take() {
            let _ = socket.send_to(&data, to);
        }
    }
}

impl UdpRelay {
    /// Starts a relay to the UDP server at `target`.
    pub fn start(target: SocketAddr, plan: LossPlan) -> UdpRelay {
        let front = UdpSocket::bind("127.0.0.1:0").expect("bind the UDP relay on port 0");
        let addr = front.local_addr().expect("relay address");
        front
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("relay timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        thread::spawn(move || {
            // Per client: the socket toward the server and that direction's fate.
            let mut backs: HashMap<SocketAddr, (UdpSocket, Mangler)> = HashMap::new();
            let mut buf = vec![0u8; 65_536];
            while !stopping.load(Ordering::SeqCst) {
                match front.recv_from(&mut buf) {
                    Ok((n, client)) => {
                        let count = backs.len() as u64 + 1;
                        let (back, upstream) = backs.entry(client).or_insert_with(|| {
                            let back = open_back(&front, client, target, plan, count, &stopping);
                            (back, Mangler::new(plan, 0x5eed ^ count))
                        });
                        upstream.pass(back, &buf[..n], target);
                    }
                    Err(_) => {
                        // Quiet for a moment: deliver what was held back, so
                        // the last datagram of a burst is late, not lost.
                        for (back, upstream) in backs.values_mut() {
                            upstream.flush(back);
                        }
                    }
                }
            }
        });
        UdpRelay { addr, stop }
    }

    /// Where clients send their datagrams.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// The relay's socket toward the server for one client, and the thread that
/// carries the server's replies back to that client.
fn open_back(
    front: &UdpSocket,
    client: SocketAddr,
    target: SocketAddr,
    plan: LossPlan,
    n: u64,
    stop: &Arc<AtomicBool>,
) -> UdpSocket {
    let back = UdpSocket::bind("127.0.0.1:0").expect("bind a relay back socket");
    back.set_read_timeout(Some(Duration::from_millis(20)))
        .expect("relay timeout");
    let reader = back.try_clone().expect("clone the back socket");
    let front = front.try_clone().expect("clone the front socket");
    let stop = Arc::clone(stop);
    thread::spawn(move || {
        let mut downstream = Mangler::new(plan, 0xd0 ^ (n << 16));
        let mut buf = vec![0u8; 65_536];
        while !stop.load(Ordering::SeqCst) {
            match reader.recv_from(&mut buf) {
                Ok((len, from)) if from == target => downstream.pass(&front, &buf[..len], client),
                Ok(_) => {}
                Err(_) => downstream.flush(&front),
            }
        }
    });
    back
}

impl Drop for UdpRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};
    use crate::net;
    use rstest::rstest;

    #[rstest]
    #[case(Chunking::Fixed(1))]
    #[case(Chunking::Fixed(7))]
    #[case(Chunking::Random { seed: 3, max: 40 })]
    fn the_tcp_relay_keeps_bytes_and_order(#[case] chunking: Chunking) {
        let _en = scoped(Lang::En);
        let server = net::serve_one(|mut s| {
            let mut got = Vec::new();
            s.read_to_end(&mut got)?;
            s.write_all(&got)?;
            Ok(got.len())
        });
        let relay = TcpRelay::start(server.addr, chunking);
        let mut client = net::connect(relay.addr(), Duration::from_secs(5));
        let data: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
        client.write_all(&data).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(server.thread.join().unwrap().unwrap(), 2000);
    }

    #[test]
    fn the_tcp_relay_really_splits() {
        let _en = scoped(Lang::En);
        // Whether the server's reads see the pieces apart depends on the
        // machine's load; the relay's own writes do not.
        let server = net::serve_one(|mut s| {
            let mut got = Vec::new();
            s.read_to_end(&mut got)?;
            Ok(got)
        });
        let relay = TcpRelay::start(server.addr, Chunking::Fixed(1));
        let mut client = net::connect(relay.addr(), Duration::from_secs(5));
        client.write_all(b"0123456789").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(server.thread.join().unwrap().unwrap(), b"0123456789");
        assert_eq!(relay.writes_to_server(), vec![1; 10]);
        assert!(relay.writes_to_client().is_empty());
    }

    fn udp_echo() -> SocketAddr {
        let (server, addr) = net::udp();
        thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = server.recv_from(&mut buf) {
                let _ = server.send_to(&buf[..n], from);
            }
        });
        addr
    }

    #[test]
    fn a_perfect_udp_relay_delivers_everything_in_order() {
        let _en = scoped(Lang::En);
        let relay = UdpRelay::start(udp_echo(), LossPlan::perfect(1));
        let (client, _) = net::udp();
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        for i in 0..20u8 {
            client.send_to(&[i], relay.addr()).unwrap();
            let mut buf = [0u8; 8];
            let (n, _) = client.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], &[i]);
        }
    }

    #[test]
    fn a_lossy_udp_relay_loses_and_repeats_but_invents_nothing() {
        let _en = scoped(Lang::En);
        let relay = UdpRelay::start(udp_echo(), LossPlan::lossy(9));
        let (client, _) = net::udp();
        // Quiet for a whole second means the relay has nothing more: a
        // shorter wait could end early on a loaded machine.
        client
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        for i in 0..60u8 {
            client.send_to(&[i], relay.addr()).unwrap();
            thread::sleep(Duration::from_millis(2));
        }
        let mut seen = Vec::new();
        let mut buf = [0u8; 8];
        while let Ok((n, _)) = client.recv_from(&mut buf) {
            assert_eq!(n, 1);
            seen.push(buf[0]);
        }
        assert!(seen.iter().all(|&b| b < 60));
        assert!(seen.len() < 120, "every datagram came back twice: {seen:?}");
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert!(unique.len() < 60, "nothing was dropped: {seen:?}");
        assert!(unique.len() > 10, "almost everything was dropped: {seen:?}");
    }
}
