//! Reading a `struct` format string: its byte order, its codes with their
//! repeat counts, each code's size, and where native alignment inserts
//! padding. Both `pack` and `unpack` start from the [`Format`] this builds,
//! and [`calcsize`] is its total size.

use std::ffi::{c_int, c_long, c_longlong, c_short};
use std::mem::{align_of, size_of};

use crate::StructError;

/// The order of bytes inside one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    /// Least significant byte first (`<`; x86-64 and ARM natively).
    Little,
    /// Most significant byte first (`>`, `!`: network order).
    Big,
}

impl Endian {
    /// This machine's byte order, for `@` and `=`.
    pub(crate) const NATIVE: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
}

/// What one format code packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `x`: a zero byte, no value.
    Pad,
    /// `c`: one byte, from `bytes` of length 1.
    Char,
    /// `?`: one byte, 0 or 1.
    Bool,
    /// `b B h H i I l L q Q n N`.
    Int {
        /// Whether the code is signed (lowercase).
        signed: bool,
    },
    /// `e`: IEEE 754 binary16.
    Half,
    /// `f`: IEEE 754 binary32.
    Float,
    /// `d`: IEEE 754 binary64.
    Double,
    /// `s`: a byte string of exactly `count` bytes, one value.
    Str,
    /// `p`: a Pascal string: a length byte then `count - 1` bytes, one value.
    Pascal,
}

/// One code of a format with its repeat count, placed at its offset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    /// The format character, for error messages.
    pub code: char,
    /// What it packs.
    pub kind: Kind,
    /// The repeat count (the length, for `s` and `p`).
    pub count: usize,
    /// The size of one element in bytes.
    pub size: usize,
    /// Where the item starts, after any alignment padding.
    pub offset: usize,
}

/// A parsed format string.
#[derive(Debug, Clone)]
pub(crate) struct Format {
    /// The byte order of every number.
    pub endian: Endian,
    /// The codes, in order.
    pub items: Vec<Item>,
    /// The total size: what `calcsize` returns.
    pub size: usize,
    /// How many values `pack` takes and `unpack` returns.
    pub values: usize,
}

/// Returns the size in bytes of the struct that `fmt` describes, as
/// Python's `struct.calcsize(fmt)` does.
///
/// ```
/// assert_eq!(lesson05::calcsize("<hiq"), Ok(14));
/// assert_eq!(lesson05::calcsize("@bq"), Ok(16)); // native: q aligns to 8
/// ```
pub fn calcsize(fmt: &str) -> Result<usize, StructError> {
    parse(fmt).map(|f| f.size)
}

/// The whitespace CPython skips between codes (C's `isspace`).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Parses `fmt` the way CPython's `struct` does: an optional byte-order
/// character first, then codes, each with an optional decimal count,
/// whitespace allowed between codes (not between a count and its code).
pub(crate) fn parse(fmt: &str) -> Result<Format, StructError> {
    let mut chars = fmt.chars().peekable();
    let (native, endian) = match chars.peek() {
        Some('@') => (true, Endian::NATIVE),
        Some('=') => (false, Endian::NATIVE),
        Some('<') => (false, Endian::Little),
        Some('>' | '!') => (false, Endian::Big),
        _ => (true, Endian::NATIVE),
    };
    if matches!(chars.peek(), Some('@' | '=' | '<' | '>' | '!')) {
        chars.next();
    }
    let mut items = Vec::new();
    let mut size: usize = 0;
    let mut values: usize = 0;
    while let Some(c) = chars.next() {
        if is_space(c) {
            continue;
        }
        let (count, code) = match c.to_digit(10) {
            Some(first) => {
                let mut count = first as usize;
                loop {
                    match chars.next() {
                        Some(d @ '0'..='9') => {
                            count = count
                                .checked_mul(10)
                                .and_then(|n| n.checked_add(d as usize - '0' as usize))
                                .ok_or(StructError::TooLarge)?;
                        }
                        Some(code) => break (count, code),
                        None => return Err(StructError::RepeatWithoutCode),
                    }
                }
            }
            None => (1, c),
        };
        let (kind, item_size, align) = if native {
            native_code(code)
        } else {
            standard_code(code)
        }
        .ok_or(StructError::BadChar(code))?;
        // CPython aligns even a zero count ("0l" pads to a long boundary).
        // Offset 0 is aligned already, and standard codes align to 1.
        size = size
            .checked_next_multiple_of(align)
            .ok_or(StructError::TooLarge)?;
        let offset = size;
        size = count
            .checked_mul(item_size)
            .and_then(|n| n.checked_add(size))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or(StructError::TooLarge)?;
        values += match kind {
            Kind::Pad => 0,
            Kind::Str | Kind::Pascal => 1,
            _ => count,
        };
        items.push(Item {
            code,
            kind,
            count,
            size: item_size,
            offset,
        });
    }
    Ok(Format {
        endian,
        items,
        size,
        values,
    })
}

/// Kind, size and alignment of a code in the standard modes (`= < > !`):
/// fixed sizes, no alignment, no `n`/`N`.
fn standard_code(code: char) -> Option<(Kind, usize, usize)> {
    let (kind, size) = match code {
        'x' => (Kind::Pad, 1),
        'c' => (Kind::Char, 1),
        '?' => (Kind::Bool, 1),
        'b' | 'B' => (int(code), 1),
        'h' | 'H' => (int(code), 2),
        'i' | 'I' | 'l' | 'L' => (int(code), 4),
        'q' | 'Q' => (int(code), 8),
        'e' => (Kind::Half, 2),
        'f' => (Kind::Float, 4),
        'd' => (Kind::Double, 8),
        's' => (Kind::Str, 1),
        'p' => (Kind::Pascal, 1),
        _ => return None,
    };
    Some((kind, size, 1))
}

/// Kind, size and alignment of a code in native mode (`@` or no prefix):
/// the C compiler's sizes and alignments on this machine.
fn native_code(code: char) -> Option<(Kind, usize, usize)> {
    let (size, align) = match code {
        'x' | 'c' | 'b' | 'B' | 's' | 'p' => (1, 1),
        '?' => (size_of::<bool>(), align_of::<bool>()),
        'h' | 'H' | 'e' => (size_of::<c_short>(), align_of::<c_short>()),
        'i' | 'I' => (size_of::<c_int>(), align_of::<c_int>()),
        'l' | 'L' => (size_of::<c_long>(), align_of::<c_long>()),
        'q' | 'Q' => (size_of::<c_longlong>(), align_of::<c_longlong>()),
        'n' | 'N' => (size_of::<isize>(), align_of::<isize>()),
        'f' => (size_of::<f32>(), align_of::<f32>()),
        'd' => (size_of::<f64>(), align_of::<f64>()),
        _ => return None,
    };
    let kind = match code {
        'n' | 'N' => int(code),
        _ => standard_code(code)?.0,
    };
    Some((kind, size, align))
}

fn int(code: char) -> Kind {
    Kind::Int {
        signed: code.is_ascii_lowercase(),
    }
}
