//! CPython's `struct` vectors and the check that runs them.
//!
//! `generate.py` asked CPython for `calcsize`, `pack` and `unpack` answers
//! and wrote them to `struct.json`; this module reads them and runs every
//! case of a group through the learner's functions (each under a deadline),
//! failing with the first few answers that differ from CPython's.

use std::time::Duration;

use lesson05::*;
use serde::Deserialize;
use testkit::bytes::diff_report;
use testkit::{escape, hex, within};

const VECTORS: &str = include_str!("struct.json");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

#[derive(Debug, Deserialize)]
pub(crate) struct Vectors {
    python: String,
    machine: String,
    cases: Vec<Case>,
    pub(crate) frames: Frames,
    pub(crate) tutorial: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Frames {
    pub(crate) payloads: Vec<String>,
    #[serde(rename = "I32Le")]
    pub(crate) i32_le: String,
    #[serde(rename = "U32Be")]
    pub(crate) u32_be: String,
}

#[derive(Debug, Deserialize)]
struct Case {
    group: String,
    op: String,
    fmt: String,
    #[serde(default)]
    call: String,
    #[serde(default)]
    values: Vec<Tagged>,
    #[serde(default)]
    hex: String,
    #[serde(default)]
    unpacked: Vec<Tagged>,
    size: Option<usize>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    python: String,
}

/// A value as the generator wrote it: integers as text, floats as their
/// f64 bits in hex, bytes in hex.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Tagged {
    Int(String),
    Bool(bool),
    Float(String),
    Bytes(String),
}

pub(crate) fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("tests/vectors/struct.json parses")
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex in struct.json"))
        .collect()
}

fn value(t: &Tagged) -> Value {
    match t {
        Tagged::Int(n) => Value::Int(n.parse().expect("an integer in struct.json")),
        Tagged::Bool(b) => Value::Bool(*b),
        Tagged::Float(bits) => Value::Float(f64::from_bits(
            u64::from_str_radix(bits, 16).expect("f64 bits in struct.json"),
        )),
        Tagged::Bytes(h) => Value::Bytes(unhex(h)),
    }
}

fn values(ts: &[Tagged]) -> Vec<Value> {
    ts.iter().map(value).collect()
}

/// Equal as Python sees it, but strict about floats: NaN equals NaN, and
/// -0.0 is not 0.0.
fn same(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Value::Float(x), Value::Float(y)) => {
                (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
            }
            _ => x == y,
        })
}

/// A value as Rust code would write it.
fn show_value(v: &Value) -> String {
    match v {
        Value::Int(n) => format!("Int({n})"),
        Value::Bool(b) => format!("Bool({b})"),
        Value::Float(x) if x.is_nan() => "Float(f64::NAN)".to_owned(),
        Value::Float(x) if x.is_infinite() => {
            format!("Float({}f64::INFINITY)", if *x < 0.0 { "-" } else { "" })
        }
        Value::Float(x) => format!("Float({x:?})"),
        Value::Bytes(b) => format!("Bytes(b\"{}\")", escape(b)),
    }
}

fn show_values(vs: &[Value]) -> String {
    let inner: Vec<String> = vs.iter().map(show_value).collect();
    format!("[{}]", inner.join(", "))
}

/// The vectors were made on a 64-bit little-endian machine: native-mode
/// cases only apply where C's `long` and `size_t` are 8 bytes, little-endian.
fn native_like_vectors() -> bool {
    cfg!(target_endian = "little")
        && std::mem::size_of::<std::ffi::c_long>() == 8
        && std::mem::size_of::<usize>() == 8
}

fn is_native_format(fmt: &str) -> bool {
    !fmt.starts_with(['<', '>', '!'])
}

/// Which half of a pack case a step checks.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Dir {
    Pack,
    Unpack,
    Both,
}

fn err_kind(e: &StructError) -> &'static str {
    match e {
        StructError::BadChar(_) => "BadChar",
        StructError::RepeatWithoutCode => "RepeatWithoutCode",
        StructError::TooLarge => "TooLarge",
        StructError::WrongCount { .. } => "WrongCount",
        StructError::WrongType { .. } => "WrongType",
        StructError::OutOfRange { .. } => "OutOfRange",
        StructError::FloatTooLarge { .. } => "FloatTooLarge",
        StructError::BufferSize { .. } => "BufferSize",
    }
}

fn show_unpacked(got: &Result<Vec<Value>, StructError>) -> String {
    match got {
        Ok(vs) => format!("Ok({})", show_values(vs)),
        Err(e) => format!("Err({e:?})"),
    }
}

pub(crate) fn call_calcsize(fmt: &str) -> Result<usize, StructError> {
    let f = fmt.to_owned();
    within(LIMIT, &format!("calcsize({fmt:?})"), move || calcsize(&f))
}

fn call_pack(fmt: &str, vs: &[Value]) -> Result<Vec<u8>, StructError> {
    let (f, v) = (fmt.to_owned(), vs.to_vec());
    let what = format!("pack({fmt:?}, &{})", show_values(vs));
    within(LIMIT, &what, move || pack(&f, &v))
}

fn call_unpack(fmt: &str, data: &[u8]) -> Result<Vec<Value>, StructError> {
    let (f, d) = (fmt.to_owned(), data.to_vec());
    let what = format!("unpack({fmt:?}, &[{}])", hex(data));
    within(LIMIT, &what, move || unpack(&f, &d))
}

/// Runs every CPython vector of `group` (in direction `dir`) through the
/// learner's code and fails with the first few mismatches.
pub(crate) fn check_group(group: &str, dir: Dir) {
    let vectors = vectors();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for case in vectors.cases.iter().filter(|c| c.group == group) {
        if is_native_format(&case.fmt) && !native_like_vectors() {
            skipped += 1;
            continue;
        }
        checked += 1;
        let fmt = case.fmt.as_str();
        match case.op.as_str() {
            "calcsize" => {
                let want = case.size.expect("a calcsize case has a size");
                let got = call_calcsize(fmt);
                if got != Ok(want) {
                    failures.push(format!(
                        "calcsize({fmt:?})\n  CPython: struct.calcsize({fmt:?}) == {want}\n  got: {got:?}"
                    ));
                }
            }
            "pack" => {
                let vs = values(&case.values);
                let want = unhex(&case.hex);
                if dir != Dir::Unpack {
                    let got = call_pack(fmt, &vs);
                    if got.as_deref() != Ok(want.as_slice()) {
                        let detail = match &got {
                            Ok(bytes) => diff_report(&want, bytes),
                            Err(e) => {
                                format!("expected the bytes [{}], got Err({e:?})", hex(&want))
                            }
                        };
                        failures.push(format!(
                            "pack({fmt:?}, &{})\n  CPython: struct.pack gives [{}]\n{detail}",
                            show_values(&vs),
                            hex(&want)
                        ));
                    }
                }
                if dir != Dir::Pack {
                    let back = values(&case.unpacked);
                    let got = call_unpack(fmt, &want);
                    if !matches!(&got, Ok(vs) if same(vs, &back)) {
                        failures.push(format!(
                            "unpack({fmt:?}, &[{}])\n  CPython: struct.unpack gives {}\n  got: {}",
                            hex(&want),
                            show_values(&back),
                            show_unpacked(&got)
                        ));
                    }
                }
            }
            "unpack" if dir != Dir::Pack => {
                let data = unhex(&case.hex);
                let want = values(&case.values);
                let got = call_unpack(fmt, &data);
                if !matches!(&got, Ok(vs) if same(vs, &want)) {
                    failures.push(format!(
                        "unpack({fmt:?}, &[{}])\n  CPython: struct.unpack gives {}\n  got: {}",
                        hex(&data),
                        show_values(&want),
                        show_unpacked(&got)
                    ));
                }
            }
            "unpack" => checked -= 1,
            "error" => {
                let (call, got) = match case.call.as_str() {
                    "calcsize" => (
                        format!("calcsize({fmt:?})"),
                        call_calcsize(fmt).map(|n| format!("Ok({n})")),
                    ),
                    "pack" => {
                        let vs = values(&case.values);
                        let got = call_pack(fmt, &vs);
                        (
                            format!("pack({fmt:?}, &{})", show_values(&vs)),
                            got.map(|b| format!("Ok([{}])  (hex)", hex(&b))),
                        )
                    }
                    _ => {
                        let data = unhex(&case.hex);
                        let got = call_unpack(fmt, &data);
                        (
                            format!("unpack({fmt:?}, &[{}])", hex(&data)),
                            got.map(|v| format!("Ok({})", show_values(&v))),
                        )
                    }
                };
                let ok = matches!(&got, Err(e) if err_kind(e) == case.kind);
                if !ok {
                    let shown = match &got {
                        Ok(v) => v.clone(),
                        Err(e) => format!("Err(StructError::{e:?})"),
                    };
                    failures.push(format!(
                        "{call} must fail with StructError::{}\n  CPython raises {}\n  got: {shown}",
                        case.kind, case.python
                    ));
                }
            }
            other => panic!("struct.json: unknown op {other:?}"),
        }
    }
    if skipped > 0 {
        eprintln!(
            "note: skipped {skipped} native-mode vectors: they were made on {}, and this machine's \
             C sizes or byte order differ",
            vectors.machine
        );
    }
    if !failures.is_empty() {
        let shown = failures.len().min(4);
        let more = if failures.len() > shown {
            format!("\n\n...and {} more.", failures.len() - shown)
        } else {
            String::new()
        };
        panic!(
            "{} of {checked} vectors failed. The expected answers are CPython {}'s, from \
             tests/vectors/struct.json:\n\n{}{more}",
            failures.len(),
            vectors.python,
            failures[..shown].join("\n\n"),
        );
    }
}
