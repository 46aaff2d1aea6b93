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
