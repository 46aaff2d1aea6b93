//! Lesson 05: Python's `struct` and length-prefixed frames.
//!
//! TCP delivers bytes, not messages. The tutorials' second cure for "sticky
//! packets" is a length prefix: before each message, send its length as a
//! fixed-size binary integer, `struct.pack('i', len(data))`. The receiver
//! reads exactly the four header bytes, learns the length, then reads
//! exactly that many payload bytes.
//!
//! This crate has the two halves of that idea:
//!
//! - [`calcsize`], [`pack`] and [`unpack`]: Python's `struct` module, byte
//!   for byte (format strings, byte orders `@ = < > !`, native sizes and
//!   alignment, half floats), with [`StructError`] wherever CPython raises
//!   `struct.error`;
//! - [`write_frame`] and [`read_frame`]: length-prefixed frames with a
//!   configurable [`Header`], a maximum size a hostile header cannot get
//!   past, and a reader that loops until it holds the whole frame (the
//!   tutorials' bug is one `recv(length)`, which may return less).
//!
//! The modules: `format` reads a format string, `half` converts binary16,
//! `codec` packs and unpacks, `frame` frames.

use std::fmt;

mod codec;
mod format;
mod frame;
mod half;

pub use codec::{pack, unpack};
pub use format::calcsize;
pub use frame::{
    Framing, Header, MAX_FRAME, read_frame, send_tutorial_messages, tutorial_message, write_frame,
};

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
