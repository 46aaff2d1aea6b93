//! Lesson 05: Python's `struct` and length-prefixed frames.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson05` (or `cargo checker 5`) to see which steps pass;
//! read `docs/src/05-struct-framing.md` alongside.
//!
//! TCP delivers bytes, not messages. The tutorials' second cure for "sticky
//! packets" is a length prefix: before each message, send its length as a
//! fixed-size binary integer, `struct.pack('i', len(data))`. The receiver
//! reads exactly the four header bytes, learns the length, then reads
//! exactly that many payload bytes.
//!
//! This lesson builds both halves of that idea:
//!
//! - steps 1 to 10: [`calcsize`], [`pack`] and [`unpack`], Python's `struct`
//!   module byte for byte (format strings, byte orders `@ = < > !`, native
//!   sizes and alignment, half floats), returning a [`StructError`]
//!   wherever CPython raises `struct.error`. The tests compare against
//!   vectors that CPython itself produced (`tests/vectors/struct.json`);
//! - steps 11 to 16: [`write_frame`] and [`read_frame`], length-prefixed
//!   frames with a configurable [`Header`], a maximum size a hostile header
//!   cannot get past, and a reader that loops until it holds the whole
//!   frame (the tutorials' bug is one `recv(length)`, which may return
//!   less).
//!
//! ## The format language, in short
//!
//! A format is an optional byte-order character, then codes, each with an
//! optional decimal repeat count (`3h` = `hhh`). Whitespace may separate
//! codes, but not a count from its code.
//!
//! | first char | byte order    | sizes    | alignment |
//! |------------|---------------|----------|-----------|
//! | `@` (or none) | native     | native   | native    |
//! | `=`        | native        | standard | none      |
//! | `<`        | little-endian | standard | none      |
//! | `>` or `!` | big-endian (network) | standard | none |
//!
//! | code | value ([`Value`]) | standard size | native size (64-bit Linux/macOS) |
//! |------|-------------------|---------------|----------------------|
//! | `x`  | none: a zero byte | 1 | 1 |
//! | `c`  | `Bytes` of length 1 | 1 | 1 |
//! | `b` `B` | `Int`, signed / unsigned | 1 | 1 |
//! | `?`  | any value: its truth | 1 | 1 |
//! | `h` `H` | `Int` | 2 | 2 |
//! | `i` `I` | `Int` | 4 | 4 |
//! | `l` `L` | `Int` | 4 | 8 (`c_long`) |
//! | `q` `Q` | `Int` | 8 | 8 |
//! | `n` `N` | `Int` | native only | 8 (`isize`) |
//! | `e`  | `Float`, IEEE binary16 | 2 | 2 |
//! | `f`  | `Float`, IEEE binary32 | 4 | 4 |
//! | `d`  | `Float`, IEEE binary64 | 8 | 8 |
//! | `s`  | one `Bytes`: `Ns` is N bytes | N | N |
//! | `p`  | one `Bytes`: `Np` is a length byte + N-1 bytes | N | N |
//!
//! In native mode an item whose alignment is more than 1 (its size, for
//! `h H i I l L q Q n N e f d ?`) starts at a multiple of its alignment:
//! zero bytes pad the gap. Nothing pads the start or the end.

use std::fmt;
use std::io::{self, Read, Write};

/// One value that [`pack`] takes or [`unpack`] returns: the Rust side of a
/// Python object passed to `struct.pack`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer, for `b B h H i I l L q Q n N` (Python `int`).
    Int(i128),
    /// A truth value: what `?` unpacks to (Python `bool`).
    Bool(bool),
    /// A floating-point number, for `e f d` (Python `float`).
    Float(f64),
    /// Raw bytes, for `c` (exactly one byte), `s` and `p` (Python `bytes`).
    Bytes(Vec<u8>),
}

/// Why a format, a value or a buffer was refused: where CPython raises
/// `struct.error` (or `OverflowError`), these say which rule was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StructError {
    /// A character that is not a format code here: an unknown letter, a
    /// byte-order character after the start, a space between a count and
    /// its code, or `n`/`N` outside native mode. Python: `bad char in
    /// struct format`.
    BadChar(char),
    /// The format ends in digits with no code after them. Python: `repeat
    /// count given without format specifier`.
    RepeatWithoutCode,
    /// The format describes more than `isize::MAX` bytes. Python: `total
    /// struct size too long`.
    TooLarge,
    /// [`pack`] got a different number of values than the format takes.
    /// Python: `pack expected 2 items for packing (got 1)`.
    WrongCount {
        /// How many values the format takes.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// The value at `index` is the wrong kind for `code`: not an integer for
    /// an integer code, not a float for `e f d`, not bytes for `s p`, not
    /// one byte for `c`. Python: `required argument is not an integer`.
    WrongType {
        /// The value's position in the argument list, from 0.
        index: usize,
        /// The format code it was packed with.
        code: char,
    },
    /// The integer at `index` does not fit `code`'s size and signedness.
    /// Python: `'h' format requires -32768 <= number <= 32767`.
    OutOfRange {
        /// The value's position in the argument list, from 0.
        index: usize,
        /// The format code it was packed with.
        code: char,
    },
    /// The float at `index` is finite but too large for `e` or `f`.
    /// Python's `OverflowError: float too large to pack with e format`.
    FloatTooLarge {
        /// The value's position in the argument list, from 0.
        index: usize,
        /// `e` or `f`.
        code: char,
    },
    /// [`unpack`] got a buffer whose length is not the format's size.
    /// Python: `unpack requires a buffer of 4 bytes`.
    BufferSize {
        /// The format's size, [`calcsize`].
        expected: usize,
        /// The buffer's length.
        got: usize,
    },
}

impl fmt::Display for StructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StructError::BadChar(c) => write!(f, "bad char in struct format: {c:?}"),
            StructError::RepeatWithoutCode => {
                write!(f, "repeat count given without format specifier")
            }
            StructError::TooLarge => write!(f, "total struct size too long"),
            StructError::WrongCount { expected, got } => {
                write!(f, "pack expected {expected} items for packing (got {got})")
            }
            StructError::WrongType { index, code } => {
                write!(
                    f,
                    "value {index} is the wrong type for format code {code:?}"
                )
            }
            StructError::OutOfRange { index, code } => {
                write!(f, "value {index} is out of range for format code {code:?}")
            }
            StructError::FloatTooLarge { index, code } => {
                write!(f, "value {index} is too large to pack with {code:?} format")
            }
            StructError::BufferSize { expected, got } => {
                write!(
                    f,
                    "unpack requires a buffer of {expected} bytes (got {got})"
                )
            }
        }
    }
}

impl std::error::Error for StructError {}

/// Steps 1, 5 and 9. The size in bytes of the struct `fmt` describes, as
/// Python's `struct.calcsize(fmt)`; [`pack`] and [`unpack`] read formats
/// the same way (the format language is at the top of this file).
///
/// - The first character may be one of `@ = < > !` (the mode); without
///   one the mode is `@`. Anywhere else those characters are
///   [`StructError::BadChar`].
/// - Whitespace (`' ' \t \n \r \x0b \x0c`) may separate codes, but not a
///   count from its code. Each code has an optional decimal count (default
///   1); for `s` and `p` the count is the length in bytes.
/// - Digits at the very end are [`StructError::RepeatWithoutCode`]; an
///   unknown code, or any character right after a count that is not a code
///   (a space, say), is [`StructError::BadChar`]; so are `n` and `N`
///   outside native mode.
/// - Native mode (`@`, or no mode) uses this machine's C sizes (`long` is
///   `std::ffi::c_long`, `size_t` is `usize`), and an item whose alignment
///   is more than 1 starts at a multiple of it, even with a count of 0
///   (`@b0i` is 4 bytes). Nothing pads the start or the end. The other
///   modes use the standard sizes and no padding.
/// - A count or a total over `isize::MAX` is [`StructError::TooLarge`]
///   (step 9), never a panic or a wrapped-around size.
///
/// ```text
/// calcsize("<hiq") == Ok(14)     calcsize("@bq") == Ok(16)
/// calcsize("<10s") == Ok(10)     calcsize("@b0i") == Ok(4)
/// ```
pub fn calcsize(fmt: &str) -> Result<usize, StructError> {
    let _ = fmt;
    todo!("the size of the struct fmt describes")
}

/// Steps 2, 4 to 8 and 10. Packs `values` as `fmt` describes: Python's
/// `struct.pack(fmt, *values)`.
///
/// - `x` takes no value, each `Ns` and `Np` takes one, every other code
///   takes `count`. A different number of values is
///   [`StructError::WrongCount`], whatever the values are.
/// - Integer codes take [`Value::Int`] (anything else: `WrongType`) that
///   fits their size and signedness (else `OutOfRange`), written in two's
///   complement in the mode's byte order.
/// - `?` takes any value and writes 1 or 0: its truth as Python's `bool()`
///   sees it (nonzero `Int` or `Float`, non-empty `Bytes`, `Bool(true)`).
/// - `e f d` take [`Value::Float`]: `d` as is, `f` rounded to the nearest
///   f32, `e` rounded to the nearest binary16, ties to even (step 7, see the
///   chapter). A finite value that rounds past the largest finite value of
///   its size is `FloatTooLarge`.
/// - `c` takes `Bytes` of length exactly 1. `Ns` takes `Bytes` and writes
///   exactly N bytes: cut, or padded with zeros. `Np` writes a length byte
///   `min(len, N - 1, 255)`, then the bytes cut or padded to `N - 1`.
/// - `x` and native alignment padding write zero bytes.
///
/// ```text
/// pack("!HI", &[Value::Int(8080), Value::Int(1)]) == Ok(vec![0x1f, 0x90, 0, 0, 0, 1])
/// pack("<5p", &[Value::Bytes(b"hi".to_vec())])    == Ok(vec![2, b'h', b'i', 0, 0])
/// ```
pub fn pack(fmt: &str, values: &[Value]) -> Result<Vec<u8>, StructError> {
    let _ = (fmt, values);
    todo!("the bytes of values packed as fmt says")
}

/// Steps 3 to 8 and 10. Unpacks `data` as `fmt` describes: Python's
/// `struct.unpack(fmt, data)`.
///
/// `data.len()` must equal [`calcsize`]`(fmt)`, or it is
/// [`StructError::BufferSize`], and nothing is read. Integers
/// come back as [`Value::Int`] (sign-extended for lowercase codes), `?` as
/// [`Value::Bool`] (ANY nonzero byte is true), `e f d` as [`Value::Float`],
/// `c` and `Ns` as [`Value::Bytes`] of 1 and N bytes, `Np` as the
/// [`Value::Bytes`] its length byte announces, but never more than `N - 1`.
/// `x` and padding produce no value.
///
/// ```text
/// unpack("<h?", &[0xfe, 0xff, 7]) == Ok(vec![Value::Int(-2), Value::Bool(true)])
/// ```
pub fn unpack(fmt: &str, data: &[u8]) -> Result<Vec<Value>, StructError> {
    let _ = (fmt, data);
    todo!("the values in data, unpacked as fmt says")
}

/// The largest payload [`Framing::TUTORIAL`] and [`Framing::NETWORK`]
/// accept: 16 MiB.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

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

    /// Step 11. The header for a payload of `len` bytes, as
    /// `struct.pack(self.format(), len)` gives it. A length the header
    /// cannot hold (over `i32::MAX` for `I32Le`, over `u32::MAX` for
    /// `U32Be`) is an `io::Error` of kind `InvalidInput`, never a length
    /// that wrapped around.
    pub fn encode(self, len: usize) -> io::Result<[u8; 4]> {
        let _ = len;
        todo!("the length as the header's format packs it")
    }

    /// Steps 12 and 16. The payload length a header announces, as
    /// `struct.unpack(self.format(), bytes)` gives it. A negative `I32Le`
    /// length is an `io::Error` of kind `InvalidData`.
    pub fn decode(self, bytes: [u8; 4]) -> io::Result<u64> {
        let _ = bytes;
        todo!("the length the header announces")
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

/// Steps 11 and 14. Writes one frame: the header
/// (`framing.header.encode(payload.len())`), then the payload, every byte
/// of both, even to a writer that takes a few bytes per call or is
/// sometimes interrupted. Python:
/// `s.sendall(struct.pack('i', len(data)) + data)`.
///
/// A payload over `framing.max_len` is an `io::Error` of kind
/// `InvalidInput`, and then nothing at all is written. Header and payload
/// should leave together, so the header does not travel alone in a segment.
pub fn write_frame<W: Write + ?Sized>(
    w: &mut W,
    framing: Framing,
    payload: &[u8],
) -> io::Result<()> {
    let _ = (w, framing, payload);
    todo!("write the header and the payload, if the payload is not too long")
}

/// Steps 12, 14, 15 and 16. Reads one frame and returns its payload,
/// however the stream's bytes are cut (one byte per read at worst);
/// `Ok(None)` when the stream ends cleanly before a new frame.
///
/// - It reads exactly the frame: the [`Header::SIZE`] header bytes, then
///   exactly the announced number of payload bytes, never fewer and never
///   more (the next frame's bytes stay in the reader for the next call).
/// - The stream ending after some of the frame's bytes (in the header or
///   in the payload) is an error of kind `UnexpectedEof`: never a short
///   payload, never `Ok(None)`.
/// - A header is untrusted: a negative length, or one over
///   `framing.max_len`, is an error of kind `InvalidData`, found before
///   anything more is read or allocated (step 16: a header that claims
///   4 GB must cost nothing). Memory grows with the bytes that really
///   arrive, not with what the header promised.
/// - A read interrupted by a signal (`ErrorKind::Interrupted`) is made
///   again; other read errors (a reset, a timeout) are returned.
pub fn read_frame<R: Read + ?Sized>(r: &mut R, framing: Framing) -> io::Result<Option<Vec<u8>>> {
    let _ = (r, framing);
    todo!("read one whole frame, refusing a hostile length")
}

/// Step 13. The tutorial's `n`th message: `这是第{n}次发送的数据` ("this
/// is the data sent the n-th time").
pub fn tutorial_message(n: usize) -> String {
    let _ = n;
    todo!("format the message")
}

/// Step 13. The tutorial's server side: messages 1 to 10
/// ([`tutorial_message`]), each as UTF-8 bytes in a [`Framing::TUTORIAL`]
/// frame ([`write_frame`]): the length is counted in bytes, not characters.
pub fn send_tutorial_messages<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    let _ = w;
    todo!("the ten messages, each in its frame")
}
