//! mistake: read_frame reads the payload with one read, trusting it to return the whole announced length (the tutorials' recv(length))
//! fails: step12_reads_frames_however_they_arrive
//! says: arriving one byte at a time: read_frame failed
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

mod codec {
    //! `pack` and `unpack`: values to bytes and back, item by item, as a parsed
    //! format lays them out. Every integer is range-checked before it is
    //! written; every buffer is size-checked before it is read, so neither can
    //! panic or read out of bounds.

    use crate::format::{Endian, Item, Kind, parse};
    use crate::{StructError, Value, half};

    /// Packs `values` into bytes as `fmt` describes, as Python's
    /// `struct.pack(fmt, *values)` does.
    ///
    /// Integer codes take [`Value::Int`]; `e f d` take [`Value::Float`]; `c`
    /// takes one byte and `s`/`p` any bytes ([`Value::Bytes`]); `?` takes any
    /// value and packs its truth, as Python's `bool()` would.
    ///
    /// ```
    /// use lesson05::{Value, pack};
    /// assert_eq!(pack("!HI", &[Value::Int(8080), Value::Int(1)]).unwrap(),
    ///            [0x1f, 0x90, 0, 0, 0, 1]);
    /// ```
    pub fn pack(fmt: &str, values: &[Value]) -> Result<Vec<u8>, StructError> {
        let format = parse(fmt)?;
        if values.len() != format.values {
            return Err(StructError::WrongCount {
                expected: format.values,
                got: values.len(),
            });
        }
        let mut out = Vec::new();
        out.try_reserve_exact(format.size)
            .map_err(|_| StructError::TooLarge)?;
        let mut args = values.iter().enumerate();
        for item in &format.items {
            // Alignment padding (native mode only) is zero bytes.
            out.resize(item.offset, 0);
            match item.kind {
                Kind::Pad => out.resize(item.offset + item.count, 0),
                Kind::Str | Kind::Pascal => {
                    let (index, value) = args.next().ok_or(StructError::TooLarge)?;
                    let Value::Bytes(bytes) = value else {
                        return Err(StructError::WrongType {
                            index,
                            code: item.code,
                        });
                    };
                    pack_string(&mut out, item, bytes);
                }
                _ => {
                    for _ in 0..item.count {
                        let (index, value) = args.next().ok_or(StructError::TooLarge)?;
                        pack_one(&mut out, item, format.endian, index, value)?;
                    }
                }
            }
        }
        Ok(out)
    }

    /// `s`: the bytes, cut or padded with zeros to `count`. `p`: a length byte
    /// (at most `count - 1` and 255), then the bytes cut or padded to
    /// `count - 1`. A zero-length `p` writes nothing.
    fn pack_string(out: &mut Vec<u8>, item: &Item, bytes: &[u8]) {
        let end = item.offset + item.count;
        let data = match item.kind {
            Kind::Pascal if item.count > 0 => {
                let n = bytes.len().min(item.count - 1);
                out.push(n.min(255) as u8);
                &bytes[..n]
            }
            Kind::Pascal => &[][..],
            _ => &bytes[..bytes.len().min(item.count)],
        };
        out.extend_from_slice(data);
        out.resize(end, 0);
    }

    /// Packs one value of a fixed-size code.
    fn pack_one(
        out: &mut Vec<u8>,
        item: &Item,
        endian: Endian,
        index: usize,
        value: &Value,
    ) -> Result<(), StructError> {
        let code = item.code;
        let wrong_type = StructError::WrongType { index, code };
        match item.kind {
            Kind::Bool => out.push(u8::from(truth(value))),
            Kind::Char => match value {
                Value::Bytes(b) if b.len() == 1 => out.push(b[0]),
                _ => return Err(wrong_type),
            },
            Kind::Int { signed } => {
                let Value::Int(n) = *value else {
                    return Err(wrong_type);
                };
                let bits = 8 * item.size as u32;
                let (min, max) = if signed {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                if n < min || n > max {
                    return Err(StructError::OutOfRange { index, code });
                }
                // Two's complement: the low `size` bytes of the wide value.
                let le = (n as u128).to_le_bytes();
                put(out, &le[..item.size], endian);
            }
            Kind::Half | Kind::Float | Kind::Double => {
                let Value::Float(x) = *value else {
                    return Err(wrong_type);
                };
                let too_large = StructError::FloatTooLarge { index, code };
                match item.kind {
                    Kind::Half => {
                        let h = half::encode(x).ok_or(too_large)?;
                        put(out, &h.to_le_bytes(), endian);
                    }
                    Kind::Float => {
                        let y = x as f32; // rounds to nearest, ties to even
                        if y.is_infinite() && x.is_finite() {
                            return Err(too_large);
                        }
                        put(out, &y.to_le_bytes(), endian);
                    }
                    _ => put(out, &x.to_le_bytes(), endian),
                }
            }
            Kind::Pad | Kind::Str | Kind::Pascal => unreachable!("packed by `pack`"),
        }
        Ok(())
    }

    /// Python's `bool(value)`: nonzero numbers and non-empty bytes are true
    /// (and NaN, which is not zero).
    fn truth(value: &Value) -> bool {
        match value {
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Float(x) => *x != 0.0,
            Value::Bytes(b) => !b.is_empty(),
        }
    }

    /// Appends little-endian bytes `le` in the format's byte order.
    fn put(out: &mut Vec<u8>, le: &[u8], endian: Endian) {
        match endian {
            Endian::Little => out.extend_from_slice(le),
            Endian::Big => out.extend(le.iter().rev()),
        }
    }

    /// Unpacks `data` into values as `fmt` describes, as Python's
    /// `struct.unpack(fmt, data)` does. `data` must be exactly
    /// [`calcsize`](crate::calcsize)`(fmt)` bytes long.
    ///
    /// Integers come back as [`Value::Int`], `?` as [`Value::Bool`] (any
    /// nonzero byte is true), `e f d` as [`Value::Float`], `c s p` as
    /// [`Value::Bytes`]; `x` and padding produce nothing.
    ///
    /// ```
    /// use lesson05::{Value, unpack};
    /// assert_eq!(unpack("<h?", &[0xfe, 0xff, 7]).unwrap(),
    ///            [Value::Int(-2), Value::Bool(true)]);
    /// ```
    pub fn unpack(fmt: &str, data: &[u8]) -> Result<Vec<Value>, StructError> {
        let format = parse(fmt)?;
        if data.len() != format.size {
            return Err(StructError::BufferSize {
                expected: format.size,
                got: data.len(),
            });
        }
        // Every value but a `0s`/`0p` takes at least one byte of `data`, so
        // this is bounded by the input, not by what the format claims.
        let mut values = Vec::with_capacity(format.values.min(data.len() + format.items.len()));
        for item in &format.items {
            let bytes = &data[item.offset..item.offset + item.count * item.size];
            match item.kind {
                Kind::Pad => {}
                Kind::Str => values.push(Value::Bytes(bytes.to_vec())),
                Kind::Pascal => values.push(Value::Bytes(unpack_pascal(bytes))),
                _ => {
                    for one in bytes.chunks_exact(item.size) {
                        values.push(unpack_one(item.kind, one, format.endian));
                    }
                }
            }
        }
        Ok(values)
    }

    /// A Pascal string's bytes: as many as the length byte says, but no more
    /// than the field holds.
    fn unpack_pascal(field: &[u8]) -> Vec<u8> {
        match field.split_first() {
            Some((&n, rest)) => rest[..usize::from(n).min(rest.len())].to_vec(),
            None => Vec::new(),
        }
    }

    /// Unpacks one fixed-size value.
    fn unpack_one(kind: Kind, bytes: &[u8], endian: Endian) -> Value {
        let mut le = [0u8; 8];
        for (i, &b) in bytes.iter().enumerate() {
            let at = match endian {
                Endian::Little => i,
                Endian::Big => bytes.len() - 1 - i,
            };
            le[at] = b;
        }
        let raw = u64::from_le_bytes(le);
        match kind {
            Kind::Bool => Value::Bool(raw != 0),
            Kind::Char => Value::Bytes(bytes.to_vec()),
            Kind::Int { signed } => {
                let bits = 8 * bytes.len() as u32;
                // Shift the sign bit to the top, then back: sign extension.
                let n = if signed {
                    i128::from(((raw << (64 - bits)) as i64) >> (64 - bits))
                } else {
                    i128::from(raw)
                };
                Value::Int(n)
            }
            Kind::Half => Value::Float(half::decode(raw as u16)),
            Kind::Float => Value::Float(f64::from(f32::from_bits(raw as u32))),
            Kind::Double => Value::Float(f64::from_bits(raw)),
            Kind::Pad | Kind::Str | Kind::Pascal => unreachable!("unpacked by `unpack`"),
        }
    }
}
mod format {
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
}
mod frame {
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
    pub fn read_frame<R: Read + ?Sized>(
        r: &mut R,
        framing: Framing,
    ) -> io::Result<Option<Vec<u8>>> {
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
        let mut payload = vec![0u8; len.min(FIRST_RESERVE)];
        let n = r.read(&mut payload)?;
        payload.truncate(n);
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
}
mod half {
    //! IEEE 754 binary16, the `e` code: 1 sign bit, 5 exponent bits (bias 15),
    //! 10 fraction bits. Converting from `f64` drops 42 fraction bits, so it
    //! must round; like CPython's `PyFloat_Pack2`, it rounds to the nearest
    //! half float and, on a tie, to the one whose last bit is 0 (half to even).
    //! Done on the bits, so every step is exact.

    /// The bits of the half float nearest to `x`, or `None` when `x` is finite
    /// but rounds past the largest half float (65504): Python raises
    /// `OverflowError` there. Infinities stay infinite; any NaN becomes the
    /// quiet NaN with `x`'s sign.
    pub(crate) fn encode(x: f64) -> Option<u16> {
        let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
        if x.is_nan() {
            return Some(sign | 0x7e00);
        }
        if x.is_infinite() {
            return Some(sign | 0x7c00);
        }
        let bits = x.abs().to_bits();
        let exp_bits = (bits >> 52) as i32;
        if exp_bits == 0 {
            // Zero, or an f64 subnormal: far below half the smallest half float.
            return Some(sign);
        }
        // |x| = m * 2^(e - 52), with m's leading 1 at bit 52.
        let e = exp_bits - 1023;
        let m = (bits & ((1 << 52) - 1)) | (1 << 52);
        if e >= 16 {
            return None;
        }
        let (shift, exponent) = if e >= -14 {
            // Normal: keep 11 significant bits (the leading 1 and 10 more).
            (42, (e + 15) as u64)
        } else if e >= -25 {
            // Subnormal: count units of 2^-24, the smallest half float.
            ((28 - e) as u32, 0)
        } else {
            // Below 2^-25, half of the smallest half float: rounds to zero.
            return Some(sign);
        };
        let kept = m >> shift;
        let rest = m & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        let rounded = if rest > half || (rest == half && kept & 1 == 1) {
            kept + 1
        } else {
            kept
        };
        // For a normal number `rounded` holds the implicit leading 1 at bit 10;
        // adding the biased exponent minus one puts it in place, and a carry
        // out of the fraction (rounded == 2048) moves into the exponent by
        // itself. A subnormal that rounds up to 1024 becomes the smallest normal
        // the same way.
        let magnitude = if exponent == 0 {
            rounded
        } else {
            ((exponent - 1) << 10) + rounded
        };
        if magnitude >= 0x7c00 {
            return None;
        }
        Some(sign | magnitude as u16)
    }

    /// The value of the half float with these bits, exactly.
    pub(crate) fn decode(h: u16) -> f64 {
        let negative = h & 0x8000 != 0;
        let exponent = i32::from((h >> 10) & 0x1f);
        let fraction = f64::from(h & 0x3ff);
        let magnitude = match exponent {
            0 => fraction * pow2(-24),
            31 if fraction == 0.0 => f64::INFINITY,
            31 => f64::NAN,
            _ => (1024.0 + fraction) * pow2(exponent - 25),
        };
        if negative { -magnitude } else { magnitude }
    }

    /// 2^k, exactly, for the normal range of f64.
    fn pow2(k: i32) -> f64 {
        f64::from_bits(((k + 1023) as u64) << 52)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_half_float_round_trips() {
            for h in 0..=u16::MAX {
                let x = decode(h);
                if x.is_nan() {
                    continue;
                }
                assert_eq!(encode(x), Some(h), "{h:#06x} -> {x}");
            }
        }

        #[test]
        fn ties_go_to_even() {
            assert_eq!(encode(1.0 + 2f64.powi(-11)), Some(0x3c00));
            assert_eq!(encode(1.0 + 3.0 * 2f64.powi(-11)), Some(0x3c02));
            assert_eq!(encode(2f64.powi(-25)), Some(0));
            assert_eq!(encode(65519.99), Some(0x7bff));
            assert_eq!(encode(65520.0), None);
        }
    }
}

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
