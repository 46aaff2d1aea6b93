//! Length-prefixed frames: the tutorials' cure for sticky packets.
//!
//! ```text
//!  header (4 bytes)      payload (length bytes)
//! +----+----+----+----+-------------------------+----+----+----+----+---
//! | length, packed    |  the message's bytes    | next header       | ...
//! +----+----+----+----+-------------------------+----+----+----+----+---
//! ```
//!
//! The receiver reads exactly the header, then exactly the payload, looping
//! over `read` because one read returns whatever has arrived: maybe a part
//! of the header, maybe the end of one frame and the start of the next. A
//! header is untrusted input: its length is checked against a maximum
//! before a single payload byte is buffered.

use std::io::{self, Read, Write};

use crate::{Value, pack, unpack};

/// The largest payload [`Framing::TUTORIAL`] and [`Framing::NETWORK`]
/// accept: 16 MiB.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// How much payload memory [`read_frame`] sets aside before bytes arrive:
/// a header may promise more than the peer ever sends.
const FIRST_RESERVE: usize = 64 * 1024;

/// The length header in front of every frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// The tutorials' `struct.pack('i', len)`: 4 bytes, signed, little-endian
    /// (native order and size on x86-64 and ARM). A negative length is
    /// invalid.
    I32Le,
    /// `struct.pack('!I', len)`: 4 bytes, unsigned, network (big-endian)
    /// order.
    U32Be,
}

impl Header {
    /// Every header is 4 bytes long.
    pub const SIZE: usize = 4;

    /// The `struct` format of the header: `<i` or `!I`.
    pub const fn format(self) -> &'static str {
        match self {
            Header::I32Le => "<i",
            Header::U32Be => "!I",
        }
    }

    /// The header for a payload of `len` bytes: `pack(self.format(), [len])`.
    /// A length the header cannot hold is an `InvalidInput` error.
    pub fn encode(self, len: usize) -> io::Result<[u8; 4]> {
        let too_long = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a payload of {len} bytes does not fit a {:?} header",
                    self.format()
                ),
            )
        };
        let len = i128::try_from(len).map_err(|_| too_long())?;
        let bytes = pack(self.format(), &[Value::Int(len)]).map_err(|_| too_long())?;
        bytes.try_into().map_err(|_| too_long())
    }

    /// The payload length a header announces: `unpack(self.format(), bytes)`.
    /// A negative length is an `InvalidData` error.
    pub fn decode(self, bytes: [u8; 4]) -> io::Result<u64> {
        let values = unpack(self.format(), &bytes)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        match values.as_slice() {
            [Value::Int(n)] => u64::try_from(*n).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the frame header announces a negative length ({n})"),
                )
            }),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the frame header is not one integer",
            )),
        }
    }
}

/// How frames are written and read: the header and the largest payload
/// accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// The length header in front of each payload.
    pub header: Header,
    /// The largest payload [`read_frame`] accepts and [`write_frame`] sends.
    pub max_len: usize,
}

impl Framing {
    /// The tutorials' framing: `struct.pack('i', len)`, up to [`MAX_FRAME`].
    pub const TUTORIAL: Framing = Framing {
        header: Header::I32Le,
        max_len: MAX_FRAME,
    };

    /// Network order: `struct.pack('!I', len)`, up to [`MAX_FRAME`].
    pub const NETWORK: Framing = Framing {
        header: Header::U32Be,
        max_len: MAX_FRAME,
    };

    /// The same framing with another maximum payload size.
    pub const fn with_max_len(self, max_len: usize) -> Framing {
        Framing {
            header: self.header,
            max_len,
        }
    }
}

/// Writes one frame: the header for `payload.len()`, then the payload.
///
/// Both go out in one `write_all`, so the header never waits alone in a
/// segment for the payload (Nagle's algorithm). A payload over
/// `framing.max_len` is an `InvalidInput` error and nothing is written.
pub fn write_frame<W: Write + ?Sized>(
    w: &mut W,
    framing: Framing,
    payload: &[u8],
) -> io::Result<()> {
    if payload.len() > framing.max_len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a payload of {} bytes is over the frame limit of {} bytes",
                payload.len(),
                framing.max_len
            ),
        ));
    }
    let header = framing.header.encode(payload.len())?;
    let mut frame = Vec::with_capacity(Header::SIZE + payload.len());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(payload);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame and returns its payload; `Ok(None)` when the stream
/// ends cleanly before a new frame.
///
/// Reads exactly [`Header::SIZE`] bytes, then exactly the announced number
/// of payload bytes, however the bytes are split. Errors:
///
/// - EOF inside the header or the payload: `UnexpectedEof`;
/// - a negative length or one over `framing.max_len`: `InvalidData`,
///   returned before any payload is read or buffered;
/// - read errors (a reset, a timeout) as they come.
pub fn read_frame<R: Read + ?Sized>(r: &mut R, framing: Framing) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; Header::SIZE];
    let mut filled = 0;
    while filled < header.len() {
        match r.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the stream ended after {filled} of the {} header bytes",
                        Header::SIZE
                    ),
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = framing.header.decode(header)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= framing.max_len)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the frame header announces {len} bytes, over the limit of {}",
                    framing.max_len
                ),
            )
        })?;
    // Grow with what actually arrives, not with what the header promised.
    let mut payload = Vec::with_capacity(len.min(FIRST_RESERVE));
    (&mut *r).take(len as u64).read_to_end(&mut payload)?;
    if payload.len() < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the stream ended after {} of the {len} payload bytes",
                payload.len()
            ),
        ));
    }
    Ok(Some(payload))
}

/// The tutorial's `n`th message: `这是第{n}次发送的数据` ("this is the data
/// sent the n-th time").
pub fn tutorial_message(n: usize) -> String {
    format!("这是第{n}次发送的数据")
}

/// The tutorial's server side: messages 1 to 10 ([`tutorial_message`]),
/// each as UTF-8 in a [`Framing::TUTORIAL`] frame.
pub fn send_tutorial_messages<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    for n in 1..=10 {
        write_frame(w, Framing::TUTORIAL, tutorial_message(n).as_bytes())?;
    }
    Ok(())
}
