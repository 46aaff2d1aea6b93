//! Lesson 13's graded steps: reliable, ordered delivery over UDP.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first: the
//! wire format, then a stop-and-wait sender and a receiver played against by
//! the test itself (it speaks the wire format with its own encoder, and
//! loses, repeats and withholds on purpose), then the learner's sender and
//! receiver talking to each other through the testkit's seeded UDP relay,
//! then the sliding window. Every call into the learner's code runs on its
//! own thread under a deadline. No verdict depends on timing: the window is
//! checked by counting the datagrams the test receives before it answers,
//! and the deadlines only tell a hang from slowness.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use lesson13::*;
use rstest::rstest;
use testkit::bytes::diff_report;
use testkit::relay::{LossPlan, UdpRelay};
use testkit::{DatagramClient, Learner, show, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// How long a whole transfer through the relay may take before the step
/// calls it a hang: far more than it needs on a loaded machine.
const TRANSFER_LIMIT: Duration = Duration::from_secs(90);
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

// The wire format, written again here so that the test does not depend on
// the learner's encode and decode.
const DATA: u8 = 1;
const ACK: u8 = 2;
const FIN: u8 = 3;

/// The datagram for kind, seq and payload, by the test's own hand.
fn wire(kind: u8, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The test's own reading of a datagram: kind, seq, payload; `None` when it
/// is not a well-formed datagram of the protocol.
fn parse(d: &[u8]) -> Option<(u8, u32, Vec<u8>)> {
    if d.len() < 7 || !(1..=3).contains(&d[0]) {
        return None;
    }
    let seq = u32::from_be_bytes([d[1], d[2], d[3], d[4]]);
    let len = usize::from(u16::from_be_bytes([d[5], d[6]]));
    (len == d.len() - 7 && len <= MAX_PAYLOAD).then(|| (d[0], seq, d[7..].to_vec()))
}

/// A datagram in words, for transcripts: `DATA 3 (1024 bytes)`, `ACK 4`.
fn describe(d: &[u8]) -> String {
    match parse(d) {
        Some((DATA, seq, p)) if p.len() <= 32 => format!("DATA {seq} ({})", show(&p)),
        Some((DATA, seq, p)) => format!("DATA {seq} ({} bytes)", p.len()),
        Some((ACK, seq, _)) => format!("ACK {seq}"),
        Some((_, seq, _)) => format!("FIN {seq}"),
        None => format!("not a datagram of the protocol: {}", testkit::hex(d)),
    }
}

/// Reproducible bytes that look like a file (splitmix64 from `seed`).
fn file(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    out.truncate(len);
    out
}

/// Readable bytes for the steps where the test plays the peer, so that its
/// transcript shows text: numbered lines.
fn text(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut n = 0;
    while out.len() < len {
        out.extend_from_slice(format!("line {n:04}: sent reliably over UDP\n").as_bytes());
        n += 1;
    }
    out.truncate(len);
    out
}

/// A configuration. The steps give the sender a patience of seconds
/// (`rto × (max_retries + 1)`) wherever the other side is alive, so that a
/// thread of the test's that the machine's load holds back for a moment
/// is never taken for a dead peer.
fn config(rto_ms: u64, max_retries: u32, window: usize) -> Config {
    Config {
        rto: Duration::from_millis(rto_ms),
        max_retries,
        window,
    }
}

/// A loopback UDP socket on port 0 for the learner's code, and its address.
fn learner_socket() -> (UdpSocket, SocketAddr) {
    testkit::net::udp()
}

/// The test playing the other side of a transfer: a datagram client that
/// talks to the learner's socket and notes every datagram in words.
struct Peer {
    client: DatagramClient,
}

impl Peer {
    /// A peer for the learner's socket at `learner`; `local` is where the
    /// learner must send.
    fn new(name: &str, learner: SocketAddr) -> Peer {
        Peer {
            client: DatagramClient::new(name, LOOPBACK, learner),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.client.local_addr()
    }

    fn watching<T: std::fmt::Debug + Send + 'static>(mut self, learner: &Learner<T>) -> Peer {
        self.client = self.client.watching(learner.watch());
        self
    }

    fn send(&mut self, kind: u8, seq: u32, payload: &[u8]) {
        let datagram = wire(kind, seq, payload);
        self.client
            .note(format!("the test sends {}", describe(&datagram)));
        self.client.send(&datagram);
    }

    /// The next datagram, parsed; fails the step when none comes within
    /// `limit` or it is malformed.
    #[track_caller]
    fn recv(&mut self, limit: Duration, waiting_for: &str) -> (u8, u32, Vec<u8>) {
        let Some((datagram, _)) = self.client.recv_within(limit) else {
            self.fail(format!(
                "nothing came within {:.1} s while the test waited for {waiting_for}",
                limit.as_secs_f64()
            ))
        };
        self.client
            .note(format!("the test got {}", describe(&datagram)));
        parse(&datagram).unwrap_or_else(|| {
            self.fail(format!(
                "this datagram is not one of the protocol (kind byte, u32 seq, u16 length, \
                 payload): {}",
                testkit::hex(&datagram)
            ))
        })
    }

    /// The next datagram within `quiet`, or `None`.
    fn recv_within(&mut self, quiet: Duration) -> Option<(u8, u32, Vec<u8>)> {
        let (datagram, _) = self.client.recv_within(quiet)?;
        self.client
            .note(format!("the test got {}", describe(&datagram)));
        parse(&datagram)
    }

    #[track_caller]
    fn expect_ack(&mut self, seq: u32, after: &str) {
        let (kind, got, _) = self.recv(LIMIT, &format!("ACK {seq}"));
        if kind != ACK || got != seq {
            let meaning = if seq == 0 {
                "DATA 0 has not arrived yet".to_owned()
            } else {
                format!("every datagram before {seq} has arrived")
            };
            self.fail(format!(
                "after {after} the receiver must answer ACK {seq} (the next sequence number it \
                 expects: {meaning}), but it sent {}",
                describe(&wire(kind, got, &[]))
            ));
        }
    }

    #[track_caller]
    fn fail(&self, message: impl std::fmt::Display) -> ! {
        self.client.fail(message)
    }
}

/// The learner's sender on its own thread, sending `data` to `peer` with
/// `send_reliable` (or `send_window` when `window`).
fn spawn_sender(
    socket: UdpSocket,
    peer: SocketAddr,
    data: Vec<u8>,
    cfg: Config,
    window: bool,
) -> Learner<Result<Sent, TransferError>> {
    if window {
        let what = format!("send_window(socket, {peer}, {} bytes, {cfg:?})", data.len());
        Learner::spawn(&what, move || send_window(&socket, peer, &data, &cfg))
    } else {
        let what = format!(
            "send_reliable(socket, {peer}, {} bytes, {cfg:?})",
            data.len()
        );
        Learner::spawn(&what, move || send_reliable(&socket, peer, &data, &cfg))
    }
}

fn spawn_receiver(socket: UdpSocket, cfg: Config) -> Learner<Result<Vec<u8>, TransferError>> {
    Learner::spawn(&format!("recv_reliable(socket, {cfg:?})"), move || {
        recv_reliable(&socket, &cfg)
    })
}

// ---------------------------------------------------------------- the wire

#[test]
fn step01_encodes_the_header() {
    let _step = step!(LESSON);
    let cases: Vec<(Packet, Vec<u8>)> = vec![
        (
            Packet {
                kind: Kind::Data,
                seq: 0x0102_0304,
                payload: b"hi".to_vec(),
            },
            vec![1, 1, 2, 3, 4, 0, 2, b'h', b'i'],
        ),
        (
            Packet {
                kind: Kind::Ack,
                seq: 7,
                payload: Vec::new(),
            },
            vec![2, 0, 0, 0, 7, 0, 0],
        ),
        (
            Packet {
                kind: Kind::Fin,
                seq: 300,
                payload: Vec::new(),
            },
            vec![3, 0, 0, 1, 44, 0, 0],
        ),
        (
            Packet {
                kind: Kind::Data,
                seq: u32::MAX,
                payload: vec![b'z'; MAX_PAYLOAD],
            },
            [
                vec![1, 255, 255, 255, 255],
                (MAX_PAYLOAD as u16).to_be_bytes().to_vec(),
                vec![b'z'; MAX_PAYLOAD],
            ]
            .concat(),
        ),
    ];
    for (packet, expected) in cases {
        let shown = format!("{packet:?}");
        let got = within(LIMIT, &format!("encode({shown})"), move || encode(&packet));
        match got {
            Ok(got) if got == expected => {}
            Ok(got) => panic!(
                "encode({shown}) gave the wrong bytes: the header is kind (1 byte: DATA 1, \
                 ACK 2, FIN 3), seq (u32, big-endian), payload length (u16, big-endian), then \
                 the payload\nexpected: {}\ngot:      {}",
                testkit::hex(&expected),
                testkit::hex(&got)
            ),
            Err(e) => panic!("encode({shown}) returned Err({e:?}); it is a valid packet"),
        }
    }
    let over = Packet {
        kind: Kind::Data,
        seq: 1,
        payload: vec![0; MAX_PAYLOAD + 1],
    };
    let got = within(
        LIMIT,
        "encode(a packet with MAX_PAYLOAD + 1 bytes)",
        move || encode(&over),
    );
    if got
        != Err(WireError::TooLarge {
            len: MAX_PAYLOAD + 1,
        })
    {
        panic!(
            "encode of a payload of {} bytes (over MAX_PAYLOAD) must be \
             Err(WireError::TooLarge {{ len: {} }}), got {got:?}: the u16 length could hold it, \
             but the receiver's buffer could not",
            MAX_PAYLOAD + 1,
            MAX_PAYLOAD + 1
        );
    }
}

#[test]
fn step02_decodes_what_encode_wrote() {
    let _step = step!(LESSON);
    let cases = vec![
        (DATA, 0, b"hello".to_vec()),
        (DATA, 0x0102_0304, Vec::new()),
        (DATA, u32::MAX, vec![0xff; MAX_PAYLOAD]),
        (ACK, 42, Vec::new()),
        (FIN, 1 << 20, Vec::new()),
        (DATA, 9, "滑动窗口".as_bytes().to_vec()),
    ];
    for (kind, seq, payload) in cases {
        let datagram = wire(kind, seq, &payload);
        let expected = Packet {
            kind: match kind {
                DATA => Kind::Data,
                ACK => Kind::Ack,
                _ => Kind::Fin,
            },
            seq,
            payload,
        };
        let bytes = datagram.clone();
        let got = within(LIMIT, "decode(datagram)", move || decode(&bytes));
        if got.as_ref() != Ok(&expected) {
            panic!(
                "decode({}) must give Ok({expected:?})\ngot {got:?}",
                testkit::hex(&datagram[..datagram.len().min(24)])
            );
        }
        let again = expected.clone();
        let round = within(LIMIT, "encode(decode(datagram))", move || encode(&again));
        if round.as_ref() != Ok(&datagram) {
            panic!(
                "encode(decode(d)) must give d back: {expected:?} encoded as {round:?}, \
                 the datagram was {}",
                testkit::hex(&datagram[..datagram.len().min(24)])
            );
        }
    }
}

#[test]
fn step03_rejects_malformed_datagrams() {
    let step = step!(LESSON);
    let mut oversized = wire(DATA, 1, &[]);
    oversized[5..7].copy_from_slice(&2000u16.to_be_bytes());
    oversized.extend_from_slice(&[7; 2000]);
    let mut claims_too_much = wire(DATA, 1, &[]);
    claims_too_much[5..7].copy_from_slice(&1025u16.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>, WireError)> = vec![
        ("an empty datagram", vec![], WireError::TooShort { len: 0 }),
        (
            "6 bytes (a header needs 7)",
            vec![1, 0, 0, 0, 0, 0],
            WireError::TooShort { len: 6 },
        ),
        (
            "kind 0",
            vec![0, 0, 0, 0, 1, 0, 0],
            WireError::UnknownKind(0),
        ),
        ("kind 9", wire(9, 1, b"xy"), WireError::UnknownKind(9)),
        (
            "a header that declares 5 payload bytes, and 3 follow (truncated)",
            [wire(DATA, 4, b"abcde")[..10].to_vec()].concat(),
            WireError::LengthMismatch {
                declared: 5,
                actual: 3,
            },
        ),
        (
            "a header that declares 2 payload bytes, and 4 follow (trailing junk)",
            [wire(DATA, 4, b"ab"), b"cd".to_vec()].concat(),
            WireError::LengthMismatch {
                declared: 2,
                actual: 4,
            },
        ),
        (
            "a payload of 2000 bytes (over MAX_PAYLOAD)",
            oversized,
            WireError::TooLarge { len: 2000 },
        ),
        (
            "a header that declares 1025 bytes and has none",
            claims_too_much,
            WireError::TooLarge { len: 1025 },
        ),
    ];
    for (what, datagram, expected) in cases {
        let bytes = datagram.clone();
        let got = within(LIMIT, &format!("decode({what})"), move || decode(&bytes));
        if got != Err(expected.clone()) {
            panic!(
                "decode of {what} must be Err({expected:?}), got {got:?}\nthe datagram: {}\n\
                 check in this order: at least HEADER_LEN bytes, a known kind, a declared \
                 length of at most MAX_PAYLOAD, then exactly that many bytes after the header",
                testkit::hex(&datagram[..datagram.len().min(24)])
            );
        }
    }
    // Seeded junk: whatever arrives, decode answers; never a panic.
    let mut seed = step.seed();
    for i in 0..3000 {
        let junk = file(seed, (seed % 24) as usize);
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
        let mut junk = junk;
        if let Some(first) = junk.first_mut() {
            *first %= 5;
        }
        if junk.len() >= 7 && i % 2 == 0 {
            let len = (junk.len() - 7) as u16;
            junk[5..7].copy_from_slice(&len.to_be_bytes());
        }
        let bytes = junk.clone();
        let got = match testkit::step::catch_quietly(move || decode(&bytes)) {
            Ok(got) => got,
            Err((payload, place)) => panic!(
                "decode({}) {}: a datagram from the network must never crash the program; \
                 return a WireError",
                testkit::hex(&junk),
                testkit::learner::panic_report(payload.as_ref(), place.as_deref())
            ),
        };
        if let Ok(packet) = got {
            if parse(&junk).is_none() || encode(&packet).as_ref() != Ok(&junk) {
                panic!(
                    "decode({}) accepted {packet:?}, but that datagram is malformed (or does \
                     not encode back to the same bytes)",
                    testkit::hex(&junk)
                );
            }
        }
    }
}

// ------------------------------------------------------ stop-and-wait, by hand

#[test]
fn step04_sender_numbers_its_datagrams() {
    let _step = step!(LESSON);
    let data = text(2 * MAX_PAYLOAD + 452);
    let (socket, at) = learner_socket();
    let peer = Peer::new("the test's receiver", at);
    let cfg = config(50, 100, 1);
    let sender = spawn_sender(socket, peer.addr(), data.clone(), cfg, false);
    let mut peer = peer.watching(&sender);
    let pieces: Vec<&[u8]> = data.chunks(MAX_PAYLOAD).collect();
    // Every datagram that arrives, copies included, to hold Sent against.
    let mut arrived = 0u64;
    let mut seq = 0u32;
    while seq <= pieces.len() as u32 {
        let last = seq == pieces.len() as u32;
        let wanted = if last {
            format!("FIN {seq}")
        } else {
            format!("DATA {seq}")
        };
        let (kind, got, payload) = peer.recv(LIMIT, &wanted);
        arrived += 1;
        if seq > 0 && got == seq - 1 {
            continue; // a late copy of the one just acknowledged
        }
        let expected_kind = if last { FIN } else { DATA };
        if kind != expected_kind || got != seq {
            peer.fail(format!(
                "expected {wanted}: {} bytes are sent as DATA 0, 1, 2 (each at most \
                 MAX_PAYLOAD bytes, numbered from 0), then FIN 3 (the number of DATA datagrams)",
                data.len()
            ));
        }
        if !last && payload != pieces[seq as usize] {
            peer.fail(format!(
                "DATA {seq} must carry bytes {}..{} of the data\n{}",
                seq as usize * MAX_PAYLOAD,
                seq as usize * MAX_PAYLOAD + pieces[seq as usize].len(),
                diff_report(pieces[seq as usize], &payload)
            ));
        }
        seq += 1;
        peer.send(ACK, seq, &[]);
    }
    let outcome = sender.wait(LIMIT, "the ACK of its FIN");
    // A copy the sender sent before it saw the last ACK is already here
    // (loopback delivers as it sends).
    while peer.recv_within(Duration::from_millis(100)).is_some() {
        arrived += 1;
    }
    let sent = match outcome {
        Ok(sent) => sent,
        Err(e) => panic!(
            "every datagram and the FIN were acknowledged, yet send_reliable returned Err: {e}"
        ),
    };
    // Each of the datagrams was sent once, and any copy beyond that (a
    // resend when a timer ran out before the test's ACK came) is a resend.
    let distinct = pieces.len() as u64 + 1;
    let expected = Sent {
        datagrams: arrived,
        resent: arrived - distinct,
    };
    if sent != expected {
        peer.fail(format!(
            "{arrived} datagrams arrived ({distinct} different ones: DATA 0..{} and FIN {}), so \
             send_reliable must return {expected:?}, but it returned {sent:?}: datagrams counts \
             every send, resent only the sends after a datagram's first",
            pieces.len() - 1,
            pieces.len()
        ));
    }
}

#[test]
fn step05_receiver_acks_and_delivers() {
    let _step = step!(LESSON);
    let (socket, at) = learner_socket();
    let peer = Peer::new("the test's sender", at);
    let cfg = config(100, 40, 1);
    let receiver = spawn_receiver(socket, cfg);
    let mut peer = peer.watching(&receiver);
    let pieces: [&[u8]; 3] = [b"Hello, ", "滑动".as_bytes(), b" window!"];
    // First a DATA 0 one byte too long: its header declares MAX_PAYLOAD
    // bytes and MAX_PAYLOAD + 1 follow (LengthMismatch). A receive buffer
    // of exactly HEADER_LEN + MAX_PAYLOAD bytes cuts the extra byte off
    // unseen, and the datagram then looks whole.
    let mut too_long = wire(DATA, 0, &[b'X'; MAX_PAYLOAD]);
    too_long.push(b'X');
    peer.client.note(format!(
        "the test sends a malformed datagram: DATA 0 declaring {MAX_PAYLOAD} payload bytes, \
         followed by {} ({} bytes in all)",
        MAX_PAYLOAD + 1,
        too_long.len()
    ));
    peer.client.send(&too_long);
    if let Some((kind, seq, _)) = peer.recv_within(Duration::from_millis(300)) {
        peer.fail(format!(
            "the receiver answered {} to a malformed datagram of {} bytes (its header declares \
             {MAX_PAYLOAD} payload bytes, {} follow): it must be skipped. Is the receive buffer \
             exactly HEADER_LEN + MAX_PAYLOAD bytes? recv_from cuts a longer datagram to fit, \
             so decode never sees the extra byte: make the buffer at least one byte larger",
            describe(&wire(kind, seq, &[])),
            too_long.len(),
            MAX_PAYLOAD + 1
        ));
    }
    // A FIN that comes too early says data is still missing.
    peer.send(FIN, 3, &[]);
    match peer.recv_within(LIMIT) {
        Some((ACK, 0, _)) => {}
        other => peer.fail(format!(
            "FIN 3 came before any DATA: a FIN whose number is not `expected` means data is \
             still missing, and the answer is ACK expected, here ACK 0; got {}",
            other.map_or("nothing".to_owned(), |(kind, seq, _)| describe(&wire(
                kind,
                seq,
                &[]
            )))
        )),
    }
    for (seq, piece) in pieces.iter().enumerate() {
        peer.send(DATA, seq as u32, piece);
        peer.expect_ack(seq as u32 + 1, &format!("DATA {seq}"));
    }
    peer.send(FIN, 3, &[]);
    peer.expect_ack(4, "FIN 3 (the ACK of a FIN is its seq + 1)");
    let got = match receiver.wait(
        cfg.patience() * 4 + LIMIT,
        "the FIN was acknowledged and nothing more came",
    ) {
        Ok(got) => got,
        Err(e) => panic!("recv_reliable returned Err({e:?}) after a complete transfer"),
    };
    let expected = pieces.concat();
    if got.starts_with(b"XXXXXXXX") {
        panic!(
            "recv_reliable delivered the payload of the malformed DATA 0 ({} bytes after a \
             header declaring {MAX_PAYLOAD}): it must be skipped. recv_from cuts a datagram \
             longer than the buffer to fit: give it a buffer at least HEADER_LEN + MAX_PAYLOAD \
             + 1 bytes, so that decode sees the extra byte\n{}",
            MAX_PAYLOAD + 1,
            diff_report(&expected, &got)
        );
    }
    if got != expected {
        panic!(
            "recv_reliable must return the payloads of DATA 0, 1, 2 in order\n{}",
            diff_report(&expected, &got)
        );
    }
}

// ------------------------------------------------------------- through the relay

/// The learner's sender and receiver, talking through a relay that treats
/// datagrams as `plan` says; returns what the sender reported.
fn transfer(plan: LossPlan, data: &[u8], cfg: Config, window: bool) -> Sent {
    let (rx_socket, rx_addr) = learner_socket();
    let relay = UdpRelay::start(rx_addr, plan);
    let (tx_socket, _) = learner_socket();
    let receiver = spawn_receiver(rx_socket, cfg);
    let sender = spawn_sender(tx_socket, relay.addr(), data.to_vec(), cfg, window);
    let started = Instant::now();
    let network = format!("through a network that does this: {plan}");
    let sent = match sender.wait(TRANSFER_LIMIT, &network) {
        Ok(sent) => sent,
        Err(e) => panic!(
            "{network}, the sender failed: {e}\n(by then the receiver had {})",
            receiver
                .ended()
                .unwrap_or_else(|| "not returned".to_owned())
        ),
    };
    let elapsed = started.elapsed();
    let packets = data.chunks(MAX_PAYLOAD).count() as u64 + 1;
    if sent.datagrams != packets + sent.resent {
        panic!(
            "{network}, the sender returned {sent:?}: each of the {packets} datagrams (the DATA \
             and the FIN) goes out once, and each retransmission once more, so datagrams = \
             {packets} + resent. Count every send in Sent::datagrams, and every resend in \
             Sent::resent too"
        );
    }
    let got = match receiver.wait(
        cfg.patience() * 4 + LIMIT,
        "its FIN was acknowledged and the sender had returned",
    ) {
        Ok(got) => got,
        Err(e) => panic!("{network}, the sender succeeded but the receiver failed: {e}"),
    };
    if got != data {
        let why = if got.len() > data.len() {
            "more bytes than were sent: a duplicated or resent datagram was delivered twice"
        } else if got.len() < data.len() {
            "fewer bytes than were sent: a datagram was lost (acknowledged but not delivered?)"
        } else {
            "the same size but other bytes: datagrams delivered out of order?"
        };
        panic!(
            "{network}, {} bytes went in and {} came out: {why}\n{}",
            data.len(),
            got.len(),
            diff_report(data, &got)
        );
    }
    println!(
        "{} bytes {network} in {:.2} s: {} datagrams sent, {} of them resent",
        data.len(),
        elapsed.as_secs_f64(),
        sent.datagrams,
        sent.resent
    );
    sent
}

fn plan(seed: u64, drop: f64, duplicate: f64, reorder: f64) -> LossPlan {
    LossPlan {
        seed,
        drop,
        duplicate,
        reorder,
    }
}

#[test]
fn step06_perfect_link() {
    let step = step!(LESSON);
    let data = file(step.seed(), 50_000);
    transfer(
        LossPlan::perfect(step.seed()),
        &data,
        config(20, 150, 1),
        false,
    );
}

#[test]
fn step07_sender_retransmits_after_timeout() {
    let _step = step!(LESSON);
    let data = text(3 * MAX_PAYLOAD);
    let (socket, at) = learner_socket();
    let peer = Peer::new(
        "the test's receiver (it ignores the first copy of each)",
        at,
    );
    let cfg = config(20, 250, 1);
    let sender = spawn_sender(socket, peer.addr(), data.clone(), cfg, false);
    let mut peer = peer.watching(&sender);
    // The first copy of each datagram is "lost": the test does not answer
    // it. Until the test has answered datagram k, the sender may only send
    // k again.
    let mut acked = 0u32;
    let mut copies = 0;
    let total = data.len().div_ceil(MAX_PAYLOAD) as u32 + 1;
    while acked < total {
        let (kind, seq, _) = peer.recv(
            LIMIT,
            &format!(
                "datagram {acked} again: it was never acknowledged, so after rto ({} ms) the \
                 sender must send it again",
                cfg.rto.as_millis()
            ),
        );
        if seq + 1 == acked {
            continue; // a late copy of the one just acknowledged
        }
        if seq != acked {
            peer.fail(format!(
                "got {} while datagram {acked} is not acknowledged yet: stop-and-wait sends \
                 the next one only after the ACK of this one",
                describe(&wire(kind, seq, &[]))
            ));
        }
        copies += 1;
        if copies == 2 {
            acked += 1;
            copies = 0;
            peer.send(ACK, acked, &[]);
        }
    }
    match sender.wait(LIMIT, "the ACK of its FIN") {
        Ok(sent) if sent.resent >= u64::from(total) => {}
        Ok(sent) => panic!(
            "send_reliable returned {sent:?}, but it sent each of its {total} datagrams twice: \
             Sent::resent must count the {total} retransmissions"
        ),
        Err(e) => panic!("every datagram was acknowledged in the end, yet it returned Err: {e}"),
    }
}

#[rstest]
#[case::a(1)]
#[case::b(2)]
fn step08_loss_10_percent(#[case] salt: u64) {
    let step = step!(LESSON);
    let data = file(step.seed() ^ salt, 100_000);
    transfer(
        plan(step.seed() ^ salt, 0.1, 0.0, 0.0),
        &data,
        config(20, 150, 1),
        false,
    );
}

#[test]
fn step09_duplicates_are_delivered_once() {
    let _step = step!(LESSON);
    let (socket, at) = learner_socket();
    let peer = Peer::new("the test's sender (it repeats itself)", at);
    let cfg = config(100, 40, 1);
    let receiver = spawn_receiver(socket, cfg);
    let mut peer = peer.watching(&receiver);
    peer.send(DATA, 0, b"ab");
    peer.expect_ack(1, "DATA 0");
    peer.send(DATA, 0, b"ab");
    peer.expect_ack(
        1,
        "DATA 0 a second time (a duplicate: do not deliver it again, but acknowledge it again, \
         since the first ACK may have been lost)",
    );
    peer.send(DATA, 1, b"cd");
    peer.expect_ack(2, "DATA 1");
    peer.send(DATA, 0, b"ab");
    peer.expect_ack(
        2,
        "a late copy of DATA 0 (old news: ACK what you expect next)",
    );
    peer.send(DATA, 1, b"cd");
    peer.expect_ack(2, "DATA 1 again");
    peer.send(FIN, 2, &[]);
    peer.expect_ack(3, "FIN 2");
    peer.send(FIN, 2, &[]);
    peer.expect_ack(
        3,
        "FIN 2 again (the sender did not get the ACK: stay and answer it, as TCP's TIME_WAIT does)",
    );
    let got = match receiver.wait(
        cfg.patience() * 4 + LIMIT,
        "the FIN was acknowledged and nothing more came",
    ) {
        Ok(got) => got,
        Err(e) => panic!("recv_reliable returned Err({e:?}) after a complete transfer"),
    };
    if got != b"abcd" {
        peer.fail(format!(
            "the data was \"ab\" (DATA 0) and \"cd\" (DATA 1), each sent several times; each \
             must be delivered once\n{}",
            diff_report(b"abcd", &got)
        ));
    }
}

#[rstest]
#[case::a(1)]
#[case::b(2)]
#[case::c(3)]
fn step10_loss_30_with_duplication_and_reordering(#[case] salt: u64) {
    let step = step!(LESSON);
    let data = file(step.seed() ^ salt, 40_000);
    transfer(
        plan(step.seed() ^ salt, 0.3, 0.2, 0.2),
        &data,
        config(20, 150, 1),
        false,
    );
}

#[test]
fn step11_keeps_early_datagrams_and_acks_cumulatively() {
    let _step = step!(LESSON);
    let (socket, at) = learner_socket();
    let peer = Peer::new("the test's sender (out of order)", at);
    let cfg = config(100, 40, 8);
    let receiver = spawn_receiver(socket, cfg);
    let mut peer = peer.watching(&receiver);
    peer.send(DATA, 1, b"cd");
    peer.expect_ack(
        0,
        "DATA 1 before DATA 0 (an ACK is cumulative: ACK 0 says 'I still need 0'; ACK 2 would \
         claim DATA 0 had arrived)",
    );
    peer.send(DATA, 2, b"ef");
    peer.expect_ack(0, "DATA 2, with DATA 0 still missing");
    // Too far ahead: 8 is not below expected (0) + the window (8).
    peer.send(DATA, 8, b"qr");
    peer.expect_ack(
        0,
        "DATA 8, just beyond the window: dropped, and 0 is still missing",
    );
    peer.send(DATA, 0, b"ab");
    peer.expect_ack(
        3,
        "DATA 0, the missing one (1 and 2 arrived early and were kept, within the window of 8, \
         so everything before 3 is here now)",
    );
    let piece = |seq: u32| [b'a' + 2 * seq as u8, b'b' + 2 * seq as u8];
    peer.client.note(
        "DATA 8 came early, just beyond the window (0 + 8), and was dropped (memory stays \
         bounded): after DATA 7 the receiver still needs it",
    );
    for seq in 3..8 {
        peer.send(DATA, seq, &piece(seq));
        peer.expect_ack(seq + 1, &format!("DATA {seq}"));
    }
    peer.send(DATA, 8, &piece(8));
    peer.expect_ack(9, "DATA 8, sent again");
    peer.send(FIN, 9, &[]);
    peer.expect_ack(10, "FIN 9");
    let got = match receiver.wait(
        cfg.patience() * 4 + LIMIT,
        "the FIN was acknowledged and nothing more came",
    ) {
        Ok(got) => got,
        Err(e) => panic!("recv_reliable returned Err({e:?}) after a complete transfer"),
    };
    let all = b"abcdefghijklmnopqr";
    if got != all {
        peer.fail(format!(
            "DATA 1, 2 came before 0: the data is still delivered in sequence order\n{}",
            diff_report(all, &got)
        ));
    }
}

#[test]
fn step12_gives_up_on_a_dead_peer() {
    let _step = step!(LESSON);
    // A sender whose receiver never answers.
    let (socket, at) = learner_socket();
    let peer = Peer::new("a dead receiver (it never answers)", at);
    let cfg = config(20, 5, 1);
    let sender = spawn_sender(socket, peer.addr(), b"anyone there?".to_vec(), cfg, false);
    let mut peer = peer.watching(&sender);
    let outcome = sender.wait(
        cfg.patience() * 10 + LIMIT,
        &format!(
            "{} sends without an answer: it must give up, not retry for ever",
            cfg.max_retries + 1
        ),
    );
    let mut copies = 0;
    while let Some((kind, seq, _)) = peer.recv_within(Duration::from_millis(100)) {
        if kind != DATA || seq != 0 {
            peer.fail("only DATA 0 may be sent while DATA 0 is not acknowledged");
        }
        copies += 1;
    }
    match outcome {
        Err(TransferError::NoAck { seq: 0, sends }) if sends == cfg.max_retries + 1 => {}
        other => peer.fail(format!(
            "with max_retries = {}, send_reliable must send DATA 0 {} times and then return \
             Err(TransferError::NoAck {{ seq: 0, sends: {} }}); it returned {other:?}",
            cfg.max_retries,
            cfg.max_retries + 1,
            cfg.max_retries + 1
        )),
    }
    if copies != cfg.max_retries + 1 {
        peer.fail(format!(
            "DATA 0 arrived {copies} times: with max_retries = {} it is sent once and resent {} \
             times, {} in all",
            cfg.max_retries,
            cfg.max_retries,
            cfg.max_retries + 1
        ));
    }
    // A receiver whose sender never comes.
    let (socket, _) = learner_socket();
    let cfg = config(20, 10, 1);
    let receiver = spawn_receiver(socket, cfg);
    match receiver.wait(
        cfg.patience() * 10 + LIMIT,
        "nothing arriving for Config::patience()",
    ) {
        Err(TransferError::Silence { .. }) => {}
        other => panic!(
            "nothing was ever sent to recv_reliable: after patience() ({} ms) of silence it \
             must return Err(TransferError::Silence {{ .. }}), it returned {other:?}",
            cfg.patience().as_millis()
        ),
    }
    // A receiver whose socket fails: shut down for reading, a UDP socket's
    // recv_from fails at once, every time (InvalidInput on Linux). That is
    // no silence of the sender's: it must end the transfer as an error.
    let (socket, _) = learner_socket();
    // Linux shuts an unconnected socket down and still says "not
    // connected"; what matters is that receiving fails afterwards.
    let _ = socket2::SockRef::from(&socket).shutdown(std::net::Shutdown::Read);
    // The test tries first: a system where such a socket only waits (no
    // error within a second) cannot play this part, and skips it.
    let probe = socket
        .set_read_timeout(Some(Duration::from_secs(1)))
        .and_then(|()| socket.recv_from(&mut [0u8; 16]));
    match probe {
        Err(e) if !testkit::is_timeout(&e) => {}
        other => {
            println!(
                "a socket shut down for reading gave {other:?} here, not an error: the failing \
                 socket's part of this step is skipped"
            );
            return;
        }
    }
    let cfg = config(20, 10, 1);
    let receiver = spawn_receiver(socket, cfg);
    match receiver.wait(
        cfg.patience() * 10 + LIMIT,
        "its socket failing on every receive",
    ) {
        Err(TransferError::Io(_)) => {}
        other => panic!(
            "recv_reliable was given a socket shut down for reading, on which every recv_from \
             fails at once: it must return Err(TransferError::Io(..)) with that error, but it \
             returned {other:?}. Only a timeout (WouldBlock or TimedOut) means silence, and \
             only Interrupted, ConnectionRefused and ConnectionReset are skipped: return any \
             other error"
        ),
    }
}

// ------------------------------------------------------------ the sliding window

/// Reads datagrams while the test withholds its ACKs, until every number in
/// `new_from..upto` has come (each checked against `data`); earlier numbers
/// are copies of ones already seen and are skipped. Fails if a number at or
/// past `upto` comes: that would be more than `window` in flight after the
/// last ACK, `acked`.
fn collect_window(
    peer: &mut Peer,
    data: &[u8],
    acked: u32,
    new_from: u32,
    upto: u32,
    window: usize,
) {
    let pieces: Vec<&[u8]> = data.chunks(MAX_PAYLOAD).collect();
    let since = if acked == 0 {
        "before any ACK".to_owned()
    } else {
        format!("after ACK {acked}")
    };
    let mut seen = BTreeSet::new();
    while seen.len() < (upto - new_from) as usize {
        let Some((kind, seq, payload)) = peer.recv_within(LIMIT) else {
            let missing: Vec<u32> = (new_from..upto).filter(|s| !seen.contains(s)).collect();
            peer.fail(format!(
                "{since} the sender may have {acked}..{upto} in flight (a window of \
                 {window}), and datagrams {missing:?} of those never came: the test sends no \
                 ACK until they do (a stop-and-wait sender waits for an ACK after each one; a \
                 window that never slides waits for ever)"
            ))
        };
        if seq >= upto {
            peer.fail(format!(
                "got datagram {seq}, but {since} only {acked}..{upto} may be in \
                 flight: the window is {window} datagrams"
            ));
        }
        if seq < new_from || !seen.insert(seq) {
            continue;
        }
        let (want_kind, want) = match pieces.get(seq as usize) {
            Some(piece) => (DATA, *piece),
            None => (FIN, &[][..]),
        };
        if kind != want_kind || payload != want {
            peer.fail(format!(
                "datagram {seq} must be {}",
                describe(&wire(want_kind, seq, want))
            ));
        }
    }
}

#[test]
fn step13_window_pipelines() {
    let _step = step!(LESSON);
    let window = 8;
    let data = text(20 * MAX_PAYLOAD);
    let (socket, at) = learner_socket();
    let peer = Peer::new("the test's receiver (it holds its ACKs)", at);
    // A timer so long that nothing is resent while the test looks: what the
    // test sees is what the window lets out, whatever the machine's load.
    let cfg = config(10_000, 2, window);
    let sender = spawn_sender(socket, peer.addr(), data.clone(), cfg, true);
    let mut peer = peer.watching(&sender);
    collect_window(&mut peer, &data, 0, 0, 8, window);
    // Neither a datagram that is no ACK nor an ACK of what was never sent
    // moves the window.
    peer.send(DATA, 5, b"not an ACK");
    peer.send(ACK, 30, &[]);
    if let Some((_, seq, _)) = peer.recv_within(Duration::from_millis(300)) {
        peer.fail(format!(
            "got datagram {seq} after the test sent DATA 5 and ACK 30: neither acknowledges \
             anything in flight (0..8 were sent), so the window must not move. Only an ACK \
             whose number is above the oldest unacknowledged datagram, and at most the next \
             to send, slides it"
        ));
    }
    peer.client
        .note("all of 0..8 came before any ACK: the test now sends ACK 3");
    peer.send(ACK, 3, &[]);
    collect_window(&mut peer, &data, 3, 8, 11, window);
    peer.client
        .note("the window slid by 3: the test now sends ACK 11 (cumulative)");
    peer.send(ACK, 11, &[]);
    collect_window(&mut peer, &data, 11, 11, 19, window);
    peer.send(ACK, 19, &[]);
    collect_window(&mut peer, &data, 19, 19, 21, window);
    peer.send(ACK, 21, &[]);
    match sender.wait(LIMIT, "the ACK of its FIN") {
        Ok(sent) if sent.datagrams == 21 && sent.resent == 0 => {}
        Ok(sent) if sent.resent > 0 => panic!(
            "send_window returned {sent:?}: it resent datagrams though every ACK came long \
             before its timer of 10 s could run out. When an ACK slides the window, the timer \
             starts again at Instant::now() + rto, in the future"
        ),
        Ok(sent) => panic!(
            "send_window returned {sent:?}: it sent 20 DATA and the FIN, each once (its timer \
             of 10 s never ran out), so Sent {{ datagrams: 21, resent: 0 }}. Count every \
             datagram sent, and the retransmissions among them"
        ),
        Err(e) => panic!("every datagram was acknowledged, yet send_window returned Err: {e}"),
    }
}

#[rstest]
#[case::a(1)]
#[case::b(2)]
fn step14_window_through_30_percent_loss(#[case] salt: u64) {
    let step = step!(LESSON);
    let data = file(step.seed() ^ salt, 200_000);
    transfer(
        plan(step.seed() ^ salt, 0.3, 0.2, 0.2),
        &data,
        config(20, 150, 8),
        true,
    );
    // And a window whose receiver is dead ends too.
    let (socket, at) = learner_socket();
    let peer = Peer::new("a dead receiver (it never answers)", at);
    let cfg = config(20, 4, 4);
    let sender = spawn_sender(socket, peer.addr(), text(10 * MAX_PAYLOAD), cfg, true);
    let mut peer = peer.watching(&sender);
    let outcome = sender.wait(
        cfg.patience() * 10 + LIMIT,
        "every datagram of the window went unanswered 5 times",
    );
    let mut copies = [0u32; 4];
    while let Some((_, seq, _)) = peer.recv_within(Duration::from_millis(100)) {
        match copies.get_mut(seq as usize) {
            Some(n) => *n += 1,
            None => peer.fail(format!(
                "datagram {seq} was sent, but with a window of 4 and no ACK only 0..4 may be"
            )),
        }
    }
    match outcome {
        Err(TransferError::NoAck { seq: 0, sends: 5 }) => {}
        other => peer.fail(format!(
            "with max_retries = 4 and nothing answering, send_window must give up with \
             Err(TransferError::NoAck {{ seq: 0, sends: 5 }}); it returned {other:?}"
        )),
    }
    if copies != [5; 4] {
        peer.fail(format!(
            "datagrams 0..4 arrived {copies:?} times: each is sent once, then on each of the 4 \
             timeouts every unacknowledged datagram is sent again (go-back-N), 5 times each"
        ));
    }
    stale_acks_do_not_hold_the_timer();
}

/// A receiver that only repeats ACK 0 ("still waiting for 0": nothing new
/// acknowledged) every 50 ms: datagram 0's timer (200 ms) runs out all the
/// same, and the window is sent again.
fn stale_acks_do_not_hold_the_timer() {
    let (socket, at) = learner_socket();
    let peer = Peer::new("a receiver that repeats ACK 0", at);
    let data = text(10 * MAX_PAYLOAD);
    let cfg = config(200, 2, 4);
    let sender = spawn_sender(socket, peer.addr(), data.clone(), cfg, true);
    let mut peer = peer.watching(&sender);
    collect_window(&mut peer, &data, 0, 0, 4, 4);
    let start = Instant::now();
    loop {
        peer.send(ACK, 0, &[]);
        if let Some((_, 0, _)) = peer.recv_within(Duration::from_millis(50)) {
            break;
        }
        if start.elapsed() > LIMIT {
            peer.fail(format!(
                "only ACK 0 came back, every 50 ms, for {} s, and datagram 0 was never sent \
                 again: its timer is 200 ms. An ACK that acknowledges nothing new (its number \
                 is not above the oldest unacknowledged datagram) must not restart the timer",
                LIMIT.as_secs()
            ));
        }
    }
    // Nothing more answers: it gives up, as the dead receiver's sender did.
    let _ = sender.wait(cfg.patience() * 10 + LIMIT, "no more ACKs came");
}

#[test]
fn step15_one_megabyte_through_30_percent_loss() {
    let step = step!(LESSON);
    let data = file(step.seed(), 1 << 20);
    transfer(
        plan(step.seed(), 0.3, 0.2, 0.2),
        &data,
        config(20, 150, 16),
        true,
    );
}
