//! Lesson 13, the reference solution: reliable, ordered delivery over a
//! lossy datagram link, built by hand.
//!
//! UDP loses, duplicates and reorders datagrams. TCP's promises (numbered
//! segments, acknowledgements, retransmission, in-order delivery, a sliding
//! window) are built here on top of it, in the same order as the steps: a
//! wire format ([`encode`], [`decode`]), a stop-and-wait sender
//! ([`send_reliable`]), a receiver that delivers in order exactly once
//! ([`recv_reliable`]), and a go-back-N sender with a window
//! ([`send_window`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The header's size: kind (1 byte), sequence number (4), payload length (2).
pub const HEADER_LEN: usize = 7;

/// The most payload bytes one DATA datagram carries.
pub const MAX_PAYLOAD: usize = 1024;

/// What a datagram is, its first byte on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `1`: a piece of the data, numbered by `seq`.
    Data,
    /// `2`: "I have every datagram before `seq`": a cumulative
    /// acknowledgement, `seq` being the next one the receiver expects.
    Ack,
    /// `3`: "there is nothing after datagram `seq - 1`": `seq` is the number
    /// of DATA datagrams, and the FIN is acknowledged with `ACK seq + 1`.
    Fin,
}

impl Kind {
    /// The byte that stands for this kind on the wire.
    pub fn byte(self) -> u8 {
        match self {
            Kind::Data => 1,
            Kind::Ack => 2,
            Kind::Fin => 3,
        }
    }
}

/// One datagram of the protocol, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// DATA, ACK or FIN.
    pub kind: Kind,
    /// The sequence number (see [`Kind`] for what it means in each kind).
    pub seq: u32,
    /// The data carried: at most [`MAX_PAYLOAD`] bytes; empty in ACK and FIN.
    pub payload: Vec<u8>,
}

/// Why a datagram is not a [`Packet`], or a packet cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Fewer than [`HEADER_LEN`] bytes: not even a whole header.
    TooShort {
        /// The datagram's size.
        len: usize,
    },
    /// The first byte is none of DATA (1), ACK (2), FIN (3).
    UnknownKind(u8),
    /// A payload over [`MAX_PAYLOAD`] bytes (declared in a header, or given
    /// to [`encode`]).
    TooLarge {
        /// The payload's size.
        len: usize,
    },
    /// The header's length field does not match the bytes after the header.
    LengthMismatch {
        /// What the header says.
        declared: usize,
        /// What the datagram has.
        actual: usize,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooShort { len } => write!(
                f,
                "a datagram of {len} bytes is shorter than the {HEADER_LEN}-byte header"
            ),
            WireError::UnknownKind(byte) => write!(
                f,
                "kind byte {byte} is none of DATA (1), ACK (2) or FIN (3)"
            ),
            WireError::TooLarge { len } => write!(
                f,
                "a payload of {len} bytes is over the limit of {MAX_PAYLOAD}"
            ),
            WireError::LengthMismatch { declared, actual } => write!(
                f,
                "the header declares {declared} payload bytes but {actual} follow it"
            ),
        }
    }
}

impl std::error::Error for WireError {}

/// How a transfer behaves: its timer, its patience and its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The retransmission timeout: how long a sender waits for an
    /// acknowledgement before it sends again.
    pub rto: Duration,
    /// How many times in a row a sender may time out without the
    /// acknowledgement moving before it gives up: a datagram is sent at most
    /// `1 + max_retries` times.
    pub max_retries: u32,
    /// How many datagrams [`send_window`] may have sent and not yet seen
    /// acknowledged; how far ahead of the next expected one [`recv_reliable`]
    /// keeps datagrams that arrive early.
    pub window: usize,
}

impl Config {
    /// How long silence means the other side is gone:
    /// `rto × (max_retries + 1)`, the time a sender keeps trying.
    pub fn patience(&self) -> Duration {
        self.rto.saturating_mul(self.max_retries.saturating_add(1))
    }
}

impl Default for Config {
    /// Loopback values: a 20 ms timer, 50 retries (a second of silence), a
    /// window of 16 datagrams.
    fn default() -> Config {
        Config {
            rto: Duration::from_millis(20),
            max_retries: 50,
            window: 16,
        }
    }
}

/// What a sender did, for the curious and for measurements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Datagrams sent, DATA and FIN, retransmissions included.
    pub datagrams: u64,
    /// Of those, how many were retransmissions.
    pub resent: u64,
}

/// Why a transfer failed.
#[derive(Debug)]
pub enum TransferError {
    /// The sender sent datagram `seq` `sends` times (1 + `max_retries`) and
    /// no acknowledgement came: the receiver is gone.
    NoAck {
        /// The oldest datagram not acknowledged.
        seq: u32,
        /// How many times it was sent.
        sends: u32,
    },
    /// The receiver heard nothing from the sender for `waited`
    /// ([`Config::patience`]) before the FIN: the sender is gone.
    Silence {
        /// How long it waited.
        waited: Duration,
    },
    /// The data needs more datagrams than sequence numbers exist.
    TooLong {
        /// The data's size.
        len: usize,
    },
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::NoAck { seq, sends } => write!(
                f,
                "no acknowledgement for datagram {seq} after sending it {sends} times: the peer is gone"
            ),
            TransferError::Silence { waited } => write!(
                f,
                "nothing from the sender for {:.1} s: the sender is gone",
                waited.as_secs_f64()
            ),
            TransferError::TooLong { len } => {
                write!(f, "{len} bytes need more datagrams than u32 numbers")
            }
            TransferError::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for TransferError {
    fn from(e: io::Error) -> TransferError {
        TransferError::Io(e)
    }
}

/// Step 1. The datagram for `packet`: kind byte, `seq` as a big-endian
/// `u32`, the payload's length as a big-endian `u16`, then the payload.
pub fn encode(packet: &Packet) -> Result<Vec<u8>, WireError> {
    let len = packet.payload.len();
    if len > MAX_PAYLOAD {
        return Err(WireError::TooLarge { len });
    }
    let mut out = Vec::with_capacity(HEADER_LEN + len);
    out.push(packet.kind.byte());
    out.extend_from_slice(&packet.seq.to_be_bytes());
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&packet.payload);
    Ok(out)
}

/// Steps 2 and 3. The packet in `datagram`, or why it is not one.
pub fn decode(datagram: &[u8]) -> Result<Packet, WireError> {
    let Some((header, payload)) = datagram.split_first_chunk::<HEADER_LEN>() else {
        return Err(WireError::TooShort {
            len: datagram.len(),
        });
    };
    let [kind, s0, s1, s2, s3, l0, l1] = *header;
    let kind = match kind {
        1 => Kind::Data,
        2 => Kind::Ack,
        3 => Kind::Fin,
        other => return Err(WireError::UnknownKind(other)),
    };
    let declared = usize::from(u16::from_be_bytes([l0, l1]));
    if declared > MAX_PAYLOAD {
        return Err(WireError::TooLarge { len: declared });
    }
    if declared != payload.len() {
        return Err(WireError::LengthMismatch {
            declared,
            actual: payload.len(),
        });
    }
    Ok(Packet {
        kind,
        seq: u32::from_be_bytes([s0, s1, s2, s3]),
        payload: payload.to_vec(),
    })
}

/// The largest datagram of the protocol.
const MAX_DATAGRAM: usize = HEADER_LEN + MAX_PAYLOAD;

/// Sends `packet` to `to`.
fn send(socket: &UdpSocket, packet: &Packet, to: SocketAddr) -> Result<(), TransferError> {
    // Every packet built here is within the limits, so encode cannot fail;
    // say so with an error rather than a panic all the same.
    let datagram = encode(packet).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    socket.send_to(&datagram, to)?;
    Ok(())
}

/// The next packet from `from`'s address until `deadline`, or `None` when
/// the deadline passes. Malformed datagrams and strangers' are skipped.
fn recv_until(
    socket: &UdpSocket,
    from: Option<SocketAddr>,
    deadline: Instant,
) -> Result<Option<(Packet, SocketAddr)>, TransferError> {
    let mut buf = [0u8; MAX_DATAGRAM + 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, sender)) => {
                if from.is_some_and(|f| f != sender) {
                    continue;
                }
                if let Ok(packet) = decode(&buf[..n]) {
                    return Ok(Some((packet, sender)));
                }
            }
            Err(e) if is_timeout(&e) => return Ok(None),
            // Interrupted, or an ICMP "port unreachable" from an earlier
            // send reported here: the timer decides, not this error.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted
                        | io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::ConnectionReset
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The datagrams of a transfer: DATA 0..n, then FIN n.
fn packets(data: &[u8]) -> Result<Vec<Packet>, TransferError> {
    let chunks = data.chunks(MAX_PAYLOAD);
    let n = u32::try_from(chunks.len())
        .ok()
        .filter(|&n| n < u32::MAX)
        .ok_or(TransferError::TooLong { len: data.len() })?;
    let mut all: Vec<Packet> = chunks
        .zip(0..)
        .map(|(chunk, seq)| Packet {
            kind: Kind::Data,
            seq,
            payload: chunk.to_vec(),
        })
        .collect();
    all.push(Packet {
        kind: Kind::Fin,
        seq: n,
        payload: Vec::new(),
    });
    Ok(all)
}

/// Steps 4, 7, 8 and 10. Stop-and-wait: sends `data` to `peer` one datagram
/// at a time, each resent every `config.rto` until its acknowledgement
/// comes; the FIN last.
pub fn send_reliable(
    socket: &UdpSocket,
    peer: SocketAddr,
    data: &[u8],
    config: &Config,
) -> Result<Sent, TransferError> {
    let mut sent = Sent::default();
    for packet in packets(data)? {
        let mut sends = 0;
        'this_one: loop {
            if sends > config.max_retries {
                return Err(TransferError::NoAck {
                    seq: packet.seq,
                    sends,
                });
            }
            send(socket, &packet, peer)?;
            sent.datagrams += 1;
            if sends > 0 {
                sent.resent += 1;
            }
            sends += 1;
            let deadline = Instant::now() + config.rto;
            while let Some((reply, _)) = recv_until(socket, Some(peer), deadline)? {
                if reply.kind == Kind::Ack && reply.seq == packet.seq.wrapping_add(1) {
                    break 'this_one;
                }
                // An old or duplicated ACK: keep waiting for ours.
            }
        }
    }
    Ok(sent)
}

/// Steps 12 and 13. Go-back-N: keeps up to `config.window` datagrams sent
/// and not yet acknowledged; each cumulative ACK slides the window; when
/// the oldest one's timer runs out, every unacknowledged datagram is sent
/// again.
pub fn send_window(
    socket: &UdpSocket,
    peer: SocketAddr,
    data: &[u8],
    config: &Config,
) -> Result<Sent, TransferError> {
    let all = packets(data)?;
    let total = all.len();
    let window = config.window.max(1);
    let mut sent = Sent::default();
    // [base, next): sent and not acknowledged.
    let (mut base, mut next) = (0usize, 0usize);
    let mut retries = 0;
    // The oldest unacknowledged datagram's timer: started here, as the
    // first window goes out, and again by every ACK that slides the window
    // and every retransmission.
    let mut deadline = Instant::now() + config.rto;
    while base < total {
        while next < total && next < base + window {
            send(socket, &all[next], peer)?;
            sent.datagrams += 1;
            next += 1;
        }
        match recv_until(socket, Some(peer), deadline)? {
            Some((reply, _)) if reply.kind == Kind::Ack => {
                let acked = reply.seq as usize;
                if acked > base && acked <= next {
                    base = acked;
                    retries = 0;
                    deadline = Instant::now() + config.rto;
                }
            }
            Some(_) => {}
            None => {
                if retries == config.max_retries {
                    return Err(TransferError::NoAck {
                        seq: all[base].seq,
                        sends: retries + 1,
                    });
                }
                retries += 1;
                for packet in &all[base..next] {
                    send(socket, packet, peer)?;
                    sent.datagrams += 1;
                    sent.resent += 1;
                }
                deadline = Instant::now() + config.rto;
            }
        }
    }
    Ok(sent)
}

/// Steps 5, 6 and 9 to 11. Receives one transfer on `socket` and returns its
/// data, each datagram's payload once, in sequence order.
pub fn recv_reliable(socket: &UdpSocket, config: &Config) -> Result<Vec<u8>, TransferError> {
    let patience = config.patience();
    let mut data = Vec::new();
    let mut expected: u32 = 0;
    let mut early: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut finished = false;
    loop {
        let Some((packet, from)) = recv_until(socket, None, Instant::now() + patience)? else {
            if finished {
                // TIME_WAIT's reason: no FIN came back for as long as the
                // sender would keep resending it, so our last ACK arrived.
                return Ok(data);
            }
            return Err(TransferError::Silence { waited: patience });
        };
        match packet.kind {
            Kind::Data if !finished => {
                if packet.seq == expected {
                    data.extend_from_slice(&packet.payload);
                    expected += 1;
                    while let Some(payload) = early.remove(&expected) {
                        data.extend_from_slice(&payload);
                        expected += 1;
                    }
                } else if packet.seq > expected
                    && u64::from(packet.seq) < u64::from(expected) + config.window as u64
                {
                    early.entry(packet.seq).or_insert(packet.payload);
                }
                // Older (a duplicate) or too far ahead: not delivered, but
                // acknowledged, in case our previous ACK was lost.
                send(socket, &ack(expected), from)?;
            }
            Kind::Fin if packet.seq == expected => {
                finished = true;
                send(socket, &ack(expected.wrapping_add(1)), from)?;
            }
            // A FIN before all the data: say what is still missing.
            Kind::Fin if !finished => send(socket, &ack(expected), from)?,
            Kind::Data => send(socket, &ack(expected.wrapping_add(1)), from)?,
            Kind::Fin | Kind::Ack => {}
        }
    }
}

fn ack(seq: u32) -> Packet {
    Packet {
        kind: Kind::Ack,
        seq,
        payload: Vec::new(),
    }
}
