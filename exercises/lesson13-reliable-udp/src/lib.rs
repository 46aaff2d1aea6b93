//! Lesson 13: reliable, ordered delivery over a lossy datagram link, built
//! by hand.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson13` (or `cargo checker 13`) to see which steps pass;
//! read `docs/src/13-reliable-udp.md` alongside.
//!
//! UDP loses, duplicates and reorders datagrams; TCP promises a byte stream
//! that arrives whole, once and in order. Between the two lie the mechanisms
//! you build here, each a promise of TCP's: numbered datagrams, cumulative
//! acknowledgements, retransmission after a timeout, in-order delivery of
//! each datagram exactly once, a sliding window, and giving up on a peer
//! that is gone.
//!
//! # The wire format
//!
//! Every datagram is a 7-byte header and a payload:
//!
//! ```text
//!  0        1                 5          7
//!  +--------+-----------------+----------+---------------------------+
//!  |  kind  |  seq (u32, BE)  | len (u16,|  payload: len bytes,       |
//!  | 1 byte |                 |  BE)     |  at most MAX_PAYLOAD       |
//!  +--------+-----------------+----------+---------------------------+
//!  kind: 1 = DATA, 2 = ACK, 3 = FIN          (BE: big-endian, network order)
//! ```
//!
//! - `DATA seq`: bytes `seq * MAX_PAYLOAD ..` of the data, numbered from 0.
//! - `ACK n`: "every datagram before `n` has arrived; `n` is the next one I
//!   need" (cumulative, as TCP's acknowledgement number is).
//! - `FIN n`: "there were `n` DATA datagrams, and that is all"; it is
//!   numbered after the last DATA and acknowledged like one, with `ACK n + 1`.
//!
//! A transfer of 2500 bytes, with nothing lost:
//!
//! ```text
//!  sender                                   receiver
//!    | --- DATA 0 (1024 bytes) ------------> |
//!    | <-------------------------- ACK 1 --- |
//!    | --- DATA 1 (1024 bytes) ------------> |
//!    | <-------------------------- ACK 2 --- |
//!    | --- DATA 2 (452 bytes) -------------> |
//!    | <-------------------------- ACK 3 --- |
//!    | --- FIN 3 --------------------------> |
//!    | <-------------------------- ACK 4 --- |   the receiver stays a while
//! ```
//!
//! The pieces build on each other: [`encode`] and [`decode`], then the
//! stop-and-wait [`send_reliable`] and the receiver [`recv_reliable`], then
//! the sliding-window [`send_window`].

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

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

/// Step 1. The datagram for `packet`: [`Kind::byte`], then `seq` as a
/// big-endian `u32`, then the payload's length as a big-endian `u16`, then
/// the payload. Python: `struct.pack('!BIH', kind, seq, len(payload)) +
/// payload`.
///
/// A payload over [`MAX_PAYLOAD`] bytes is `Err(WireError::TooLarge { len })`
/// (the `u16` could hold its length, but no receiver takes it).
pub fn encode(packet: &Packet) -> Result<Vec<u8>, WireError> {
    let _ = packet;
    todo!("kind byte, seq.to_be_bytes(), (len as u16).to_be_bytes(), payload")
}

/// Steps 2 and 3. The packet in `datagram`, or why it is not one.
///
/// Anything may arrive on a UDP port, so check, in this order, and return
/// the first problem found; never panic, never index past the end:
///
/// 1. fewer than [`HEADER_LEN`] bytes: `TooShort { len }`;
/// 2. a kind byte other than 1, 2, 3: `UnknownKind(byte)`;
/// 3. a declared length over [`MAX_PAYLOAD`]: `TooLarge { len: declared }`;
/// 4. a declared length other than the bytes after the header:
///    `LengthMismatch { declared, actual }` (truncated, or trailing bytes).
///
/// Whatever `decode` accepts, [`encode`] turns back into the same bytes.
pub fn decode(datagram: &[u8]) -> Result<Packet, WireError> {
    let _ = datagram;
    todo!("split off the 7-byte header, check it, then the payload")
}

/// Steps 4, 7, 8, 10 and 12. Stop-and-wait: sends `data` to `peer`, one
/// datagram at a time, and returns when the receiver has acknowledged all of
/// it.
///
/// - Cut `data` into pieces of [`MAX_PAYLOAD`] bytes (the last may be
///   shorter); piece `i` goes as `DATA i`. After the last piece, `FIN n`,
///   `n` being the number of pieces (empty data: just `FIN 0`) (step 4).
///   Data that would need `u32::MAX` datagrams or more is
///   `Err(TransferError::TooLong { len })`.
/// - After sending datagram `s`, wait for `ACK s + 1` from `peer`; only
///   then send the next one. Skip everything else while waiting: datagrams
///   from other addresses, malformed ones, ACKs with another number (late
///   or duplicated ones) (steps 4, 10).
/// - Wait at most `config.rto` for it (a read timeout set to the time left
///   until the deadline; other datagrams do not move the deadline); when
///   the time is up, send the same datagram again (step 7).
/// - A datagram is sent at most `1 + config.max_retries` times; when that
///   many sends got no ACK, return `Err(TransferError::NoAck { seq, sends })`
///   (step 12).
/// - Return `Ok(Sent { datagrams, resent })`: every datagram sent, and how
///   many of those were retransmissions. Socket errors are
///   `TransferError::Io` (but skip `Interrupted`, and the
///   `ConnectionRefused` some systems report when an earlier datagram found
///   no one listening: the timer decides about a dead peer, not that error).
pub fn send_reliable(
    socket: &UdpSocket,
    peer: SocketAddr,
    data: &[u8],
    config: &Config,
) -> Result<Sent, TransferError> {
    let _ = (socket, peer, data, config);
    todo!("for each piece then the FIN: send, wait up to rto for its ACK, resend, give up")
}

/// Steps 13 and 14 (and 15). Go-back-N: like [`send_reliable`], same
/// datagrams, same [`Sent`] and errors, but up to `config.window` datagrams
/// may be sent and not yet acknowledged.
///
/// - Keep `base` (the oldest datagram not acknowledged) and `next` (the
///   next never sent). While `next < base + window` (and there is one),
///   send datagram `next`: the first `window` go out at once, before any
///   ACK (step 13).
/// - An `ACK n` from `peer` with `base < n <= next` acknowledges everything
///   before `n`: set `base = n`, and the window slides, letting out more.
///   Skip other ACKs and datagrams (step 13).
/// - One timer, for the oldest unacknowledged datagram: it starts again
///   when `base` moves, and when it runs out (`config.rto`), every datagram
///   in `base..next` is sent again (step 14).
/// - After `config.max_retries` timeouts in a row without `base` moving
///   (so `1 + max_retries` sends of datagram `base`), return
///   `Err(TransferError::NoAck { seq: base, sends })` (step 14).
/// - Done when the FIN is acknowledged: return `Ok(Sent { .. })`.
pub fn send_window(
    socket: &UdpSocket,
    peer: SocketAddr,
    data: &[u8],
    config: &Config,
) -> Result<Sent, TransferError> {
    let _ = (socket, peer, data, config);
    todo!("base and next; fill the window, slide it on each ACK, resend base..next on timeout")
}

/// Steps 5, 6, 8 to 12. Receives one transfer on `socket` and returns its
/// data: each DATA's payload once, in sequence order.
///
/// - Keep `expected`, the next sequence number needed (0 at first). Answer
///   every DATA with `ACK expected`, sent to the address that DATA came
///   from, after updating `expected` (step 5).
/// - `DATA expected`: deliver its payload, `expected += 1`. A DATA below
///   `expected` is a duplicate: do not deliver it again, but do ACK it (the
///   ACK it got first may be the one that was lost) (step 9).
/// - A DATA with `expected < seq < expected + config.window` arrived early:
///   keep it (once); when the gap before it is filled, deliver it too and
///   move `expected` past it. Further ahead: drop it (memory stays bounded).
///   Either way the ACK still says `expected` (step 11).
/// - `FIN n` with `n == expected`: answer `ACK n + 1`; the data is complete.
///   A FIN with another number means data is still missing: answer
///   `ACK expected`.
/// - After the FIN, stay, as TCP's TIME_WAIT does: answer every repeated
///   FIN with `ACK n + 1` again (the sender resends its FIN until it gets
///   that ACK), and return `Ok(data)` once nothing has arrived for
///   [`Config::patience`] (step 9).
/// - Before the FIN, nothing arriving for [`Config::patience`] means the
///   sender is gone: `Err(TransferError::Silence { waited })` (step 12).
/// - Skip malformed datagrams and ACKs. Socket errors are
///   `TransferError::Io` (skip `Interrupted`, `ConnectionRefused`,
///   `ConnectionReset`).
pub fn recv_reliable(socket: &UdpSocket, config: &Config) -> Result<Vec<u8>, TransferError> {
    let _ = (socket, config);
    todo!("expected, early datagrams, ACK every DATA, FIN, then linger for patience")
}
