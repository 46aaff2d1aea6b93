//! Lesson 05's graded steps: Python's `struct` and length-prefixed frames.
//!
//! Steps 1 to 10 check `calcsize`, `pack` and `unpack` against vectors that
//! CPython itself produced (`tests/vectors/generate.py` wrote
//! `tests/vectors/struct.json`; `tests/vectors/mod.rs` reads and runs them). Steps 11 to 16 check the frames: byte for
//! byte against Python's `struct.pack('i', len) + data`, through readers and
//! relays that cut the stream anywhere, and against truncated and hostile
//! input. Every call into the learner's code runs under a deadline.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lesson05::*;
use rstest::rstest;
use testkit::chunking::{ChunkedReader, write_chunked};
use testkit::relay::TcpRelay;
use testkit::{Chunking, assert_bytes_eq, escape, hex, net, step, within};
use vectors::{Dir, call_calcsize, check_group, unhex, vectors};

mod vectors;

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

// ---------------------------------------------------------------------------
// Steps 1 to 10: struct
// ---------------------------------------------------------------------------

#[test]
fn step01_calcsize_adds_up_sizes() {
    let _step = step!(LESSON);
    check_group("calcsize", Dir::Both);
}

#[test]
fn step02_packs_integers() {
    let _step = step!(LESSON);
    check_group("integers", Dir::Pack);
}

#[test]
fn step03_unpacks_integers() {
    let _step = step!(LESSON);
    check_group("integers", Dir::Unpack);
}

#[test]
fn step04_byte_orders() {
    let _step = step!(LESSON);
    check_group("orders", Dir::Both);
}

#[test]
fn step05_native_sizes_and_alignment() {
    let _step = step!(LESSON);
    check_group("native", Dir::Both);

    // The vectors only apply on a machine like the one that made them; these
    // hold on any machine, so the step checks something everywhere.
    let long = std::mem::size_of::<std::ffi::c_long>();
    let long_align = std::mem::align_of::<std::ffi::c_long>();
    let size = std::mem::size_of::<usize>();
    for (fmt, want) in [
        ("@l", long),
        ("@lb", long + 1),
        ("@bl", long_align + long),
        ("@N", size),
    ] {
        let got = call_calcsize(fmt);
        assert_eq!(
            got,
            Ok(want),
            "calcsize({fmt:?}) on this machine, where C's `long` is {long} bytes aligned to \
             {long_align} and `size_t` is {size} bytes"
        );
    }
}

#[test]
fn step06_floats() {
    let _step = step!(LESSON);
    check_group("floats", Dir::Both);
}

#[test]
fn step07_half_floats() {
    let _step = step!(LESSON);
    check_group("half", Dir::Both);
}

#[test]
fn step08_bytes_and_padding() {
    let _step = step!(LESSON);
    check_group("bytes", Dir::Both);
}

#[test]
fn step09_bad_formats_are_errors() {
    let _step = step!(LESSON);
    check_group("formats", Dir::Both);
}

#[test]
fn step10_bad_values_are_errors() {
    let _step = step!(LESSON);
    check_group("values", Dir::Both);
}

// ---------------------------------------------------------------------------
// Steps 11 to 16: length-prefixed frames
// ---------------------------------------------------------------------------

fn payloads() -> Vec<Vec<u8>> {
    vectors().frames.payloads.iter().map(|p| unhex(p)).collect()
}

/// CPython's bytes for all the payloads, framed with `header`.
fn python_stream(header: Header) -> Vec<u8> {
    let frames = vectors().frames;
    match header {
        Header::I32Le => unhex(&frames.i32_le),
        Header::U32Be => unhex(&frames.u32_be),
    }
}

fn framing(header: Header) -> Framing {
    match header {
        Header::I32Le => Framing::TUTORIAL,
        Header::U32Be => Framing::NETWORK,
    }
}

fn python_call(header: Header) -> &'static str {
    match header {
        Header::I32Le => "struct.pack('i', len(p)) + p",
        Header::U32Be => "struct.pack('!I', len(p)) + p",
    }
}

/// A writer that takes at most 3 bytes per call and is interrupted every
/// fourth call, as a busy socket may be.
#[derive(Default)]
struct TrickleWriter {
    written: Vec<u8>,
    calls: usize,
}

impl Write for TrickleWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 4 == 0 {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "a signal"));
        }
        let n = buf.len().min(3);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[rstest]
fn step11_writes_frames_like_python(
    #[values(Header::I32Le, Header::U32Be)] header: Header,
    #[values(false, true)] trickle: bool,
) {
    let _step = step!(LESSON);
    let payloads = payloads();
    let want = python_stream(header);
    let framing = framing(header);
    let written = within(LIMIT, "write_frame for each payload", move || {
        let mut out = TrickleWriter::default();
        for p in &payloads {
            if trickle {
                write_frame(&mut out, framing, p)?;
            } else {
                write_frame(&mut out.written, framing, p)?;
            }
        }
        io::Result::Ok(out.written)
    });
    let how = if trickle {
        " into a writer that takes 3 bytes per call and is sometimes Interrupted"
    } else {
        " into a Vec<u8>"
    };
    match written {
        Ok(bytes) => assert_bytes_eq(
            &format!(
                "write_frame with {header:?} ({:?}) of {} payloads{how}; CPython wrote \
                 `{}` for each",
                header.format(),
                vectors().frames.payloads.len(),
                python_call(header)
            ),
            &want,
            &bytes,
        ),
        Err(e) => panic!("write_frame failed{how}: {e}"),
    }
    // The header's own limits: the largest length it holds, and one more.
    let (top, label) = match header {
        Header::I32Le => (i32::MAX as u64, "i32::MAX"),
        Header::U32Be => (u64::from(u32::MAX), "u32::MAX"),
    };
    let fits = usize::try_from(top).expect("a 64-bit or 32-bit usize holds u32::MAX");
    let largest = within(LIMIT, "Header::encode", move || header.encode(fits));
    let want = match header {
        Header::I32Le => i32::MAX.to_le_bytes(),
        Header::U32Be => u32::MAX.to_be_bytes(),
    };
    match largest {
        Ok(bytes) if bytes == want => {}
        other => panic!(
            "{header:?}.encode({label} = {top}): the largest length a {:?} header holds; \
             expected Ok([{}]), got {other:?}",
            header.format(),
            hex(&want)
        ),
    }
    if let Ok(over) = usize::try_from(top + 1) {
        let refused = within(LIMIT, "Header::encode", move || header.encode(over));
        match refused {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {}
            other => panic!(
                "{header:?}.encode({label} + 1 = {over}): a {:?} header cannot hold that length \
                 (as a cast it would wrap around to another length); expected an error of kind \
                 InvalidInput, got {other:?}",
                header.format()
            ),
        }
    }
    // Over the limit: an error, and not a byte on the wire.
    let small = framing.with_max_len(4);
    let (result, out) = within(
        LIMIT,
        "write_frame with a payload over max_len",
        move || {
            let mut out = Vec::new();
            let result = write_frame(&mut out, small, b"hello");
            (result, out)
        },
    );
    match result {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => assert!(
            out.is_empty(),
            "write_frame refused a 5-byte payload over max_len 4, but first wrote [{}]: check \
             the size before writing anything",
            hex(&out)
        ),
        other => panic!(
            "write_frame of a 5-byte payload with max_len 4: expected an error of kind \
             InvalidInput, got {other:?} (wrote [{}])",
            hex(&out)
        ),
    }
}

/// How a step cuts the stream it delivers.
#[derive(Debug, Clone, Copy)]
enum Cut {
    OneByte,
    Merged,
    Threes,
    Random,
    /// Two bytes per read, and every fifth read interrupted by a signal.
    Interrupted,
}

impl Cut {
    fn chunking(self, seed: u64) -> Chunking {
        match self {
            Cut::OneByte => Chunking::Fixed(1),
            Cut::Interrupted => Chunking::Fixed(2),
            Cut::Merged => Chunking::Whole,
            Cut::Threes => Chunking::Fixed(3),
            Cut::Random => Chunking::Random { seed, max: 40 },
        }
    }
}

/// A reader whose every `every`th read (none when `every` is 0) fails with
/// `ErrorKind::Interrupted`, as a read does when a signal arrives: nothing
/// is lost, the caller retries.
struct Interrupting<R> {
    inner: R,
    calls: usize,
    every: usize,
}

impl<R: Read> Read for Interrupting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.every > 0 && self.calls % self.every == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "interrupted by a signal (the test's reader: retry the read)",
            ));
        }
        self.inner.read(buf)
    }
}

/// Reads frames until `Ok(None)` (at most `limit` of them).
fn read_all<R: Read>(r: &mut R, framing: Framing, limit: usize) -> io::Result<Vec<Vec<u8>>> {
    let mut frames = Vec::new();
    while let Some(frame) = read_frame(r, framing)? {
        frames.push(frame);
        if frames.len() > limit {
            break;
        }
    }
    Ok(frames)
}

fn check_frames(context: &str, want: &[Vec<u8>], got: io::Result<Vec<Vec<u8>>>) {
    let got =
        got.unwrap_or_else(|e| panic!("{context}: read_frame failed: {e} (kind {:?})", e.kind()));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_bytes_eq(&format!("{context}: frame {i}'s payload"), w, g);
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{context}: expected {} frames and then Ok(None), got {} frames",
        want.len(),
        got.len()
    );
}

#[rstest]
fn step12_reads_frames_however_they_arrive(
    #[values(Header::I32Le, Header::U32Be)] header: Header,
    #[values(Cut::OneByte, Cut::Merged, Cut::Threes, Cut::Random, Cut::Interrupted)] cut: Cut,
) {
    let step = step!(LESSON);
    let chunking = cut.chunking(step.seed());
    let want = payloads();
    let mut reader = Interrupting {
        inner: ChunkedReader::new(python_stream(header), chunking),
        calls: 0,
        every: if matches!(cut, Cut::Interrupted) {
            5
        } else {
            0
        },
    };
    let how = match cut {
        Cut::Interrupted => format!(
            "{chunking}, every fifth read failing with ErrorKind::Interrupted (a signal: nothing \
             was lost, retry the read)"
        ),
        _ => chunking.to_string(),
    };
    let framing = framing(header);
    let limit = want.len();
    let got = within(LIMIT, "read_frame until Ok(None)", move || {
        read_all(&mut reader, framing, limit)
    });
    check_frames(
        &format!(
            "{} frames made by `{}`, arriving {how}",
            want.len(),
            python_call(header)
        ),
        &want,
        got,
    );
}

#[test]
fn step13_sends_the_tutorial_messages() {
    let _step = step!(LESSON);
    for (n, text) in [(1, "这是第1次发送的数据"), (10, "这是第10次发送的数据")] {
        let got = within(LIMIT, "tutorial_message", move || tutorial_message(n));
        assert_eq!(got, text, "tutorial_message({n})");
    }
    let want = unhex(&vectors().tutorial);
    let sent = within(LIMIT, "send_tutorial_messages into a Vec<u8>", || {
        let mut out = Vec::new();
        send_tutorial_messages(&mut out).map(|()| out)
    });
    let sent = sent.unwrap_or_else(|e| panic!("send_tutorial_messages failed: {e}"));
    assert_bytes_eq(
        "send_tutorial_messages against the tutorial's Python server: for n in 1..10, \
         data = f'这是第{n}次发送的数据'.encode('utf-8'); send(struct.pack('i', len(data))); send(data)",
        &want,
        &sent,
    );
}

#[rstest]
#[case::one_byte(Cut::OneByte)]
#[case::merged(Cut::Merged)]
#[case::random(Cut::Random)]
fn step14_frames_over_a_socket(#[case] cut: Cut) {
    let step = step!(LESSON);
    let chunking = cut.chunking(step.seed());
    let want = payloads();
    let stream = python_stream(Header::I32Le);

    // The test's server sends CPython's frames; the learner reads them.
    let server = net::serve_one(move |mut s: TcpStream| write_chunked(&mut s, &stream, chunking));
    let relay = TcpRelay::start(server.addr, chunking);
    let addr = relay.addr();
    let limit = want.len();
    let got = within(LIMIT, "read_frame on a TcpStream", move || {
        let mut s = net::connect(addr, LIMIT);
        read_all(&mut s, Framing::TUTORIAL, limit)
    });
    check_frames(
        &format!("a server sent CPython's frames over TCP, {chunking}, then closed"),
        &want,
        got,
    );

    // The learner writes frames; the test's server reads until EOF.
    let server = net::serve_one(|mut s: TcpStream| {
        let mut got = Vec::new();
        s.read_to_end(&mut got)?;
        Ok(got)
    });
    let relay = TcpRelay::start(server.addr, chunking);
    let addr = relay.addr();
    let payloads = want.clone();
    within(LIMIT, "write_frame on a TcpStream", move || {
        let mut s = net::connect(addr, LIMIT);
        for p in &payloads {
            write_frame(&mut s, Framing::TUTORIAL, p)?;
        }
        io::Result::Ok(())
    })
    .unwrap_or_else(|e| panic!("write_frame on a TcpStream failed: {e}"));
    let received = server
        .thread
        .join()
        .expect("the test's server thread")
        .expect("the test's server reads until EOF");
    assert_bytes_eq(
        &format!(
            "what a server received from your write_frame calls over TCP ({chunking}), against \
             CPython's `struct.pack('i', len(p)) + p`"
        ),
        &python_stream(Header::I32Le),
        &received,
    );
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as i32).to_le_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

#[rstest]
#[case::nothing_at_all(vec![], &[], None)]
#[case::one_frame_then_eof(frame(b"hello"), &["hello"], None)]
#[case::half_a_header(vec![5, 0], &[], Some(io::ErrorKind::UnexpectedEof))]
#[case::three_header_bytes(vec![5, 0, 0], &[], Some(io::ErrorKind::UnexpectedEof))]
#[case::short_payload(b"\x05\x00\x00\x00hel".to_vec(), &[], Some(io::ErrorKind::UnexpectedEof))]
#[case::frame_then_a_byte(
    [frame(b"hi"), vec![7]].concat(), &["hi"], Some(io::ErrorKind::UnexpectedEof)
)]
#[case::frame_then_short_payload(
    [frame(b"one"), b"\x03\x00\x00\x00t".to_vec()].concat(), &["one"], Some(io::ErrorKind::UnexpectedEof)
)]
fn step15_eof_inside_a_frame_is_an_error(
    #[case] stream: Vec<u8>,
    #[case] whole: &[&str],
    #[case] error: Option<io::ErrorKind>,
) {
    let _step = step!(LESSON);
    let want: Vec<Vec<u8>> = whole.iter().map(|p| p.as_bytes().to_vec()).collect();
    let sent = escape(&stream);
    let count = want.len();
    let mut reader = ChunkedReader::new(stream, Chunking::Fixed(2));
    let (frames, last) = within(LIMIT, "read_frame until it stops", move || {
        let mut frames = Vec::new();
        let last = loop {
            match read_frame(&mut reader, Framing::TUTORIAL) {
                Ok(Some(f)) if frames.len() <= count => frames.push(f),
                other => break other,
            }
        };
        (frames, last)
    });
    let context = format!("the stream \"{sent}\" (then EOF), read with Framing::TUTORIAL");
    assert_eq!(
        frames, want,
        "{context}: the complete frames before the end"
    );
    match (error, &last) {
        (None, Ok(None)) => {}
        (Some(kind), Err(e)) if e.kind() == kind => {}
        (None, other) => panic!(
            "{context}: the stream ends cleanly between frames, so read_frame must return \
             Ok(None) there, got {other:?}"
        ),
        (Some(kind), other) => panic!(
            "{context}: the stream ends inside a frame, so read_frame must fail with an error of \
             kind {kind:?}, got {other:?}. Never return part of a frame."
        ),
    }

    // And over TCP, a peer that resets the connection mid-frame is an error.
    let server = net::serve_one(|mut s: TcpStream| {
        s.write_all(b"\x10\x00\x00\x00only half")?;
        std::thread::sleep(Duration::from_millis(50));
        testkit::peer::reset(s)
    });
    let addr = server.addr;
    let got = within(LIMIT, "read_frame from a peer that resets", move || {
        let mut s = net::connect(addr, LIMIT);
        read_frame(&mut s, Framing::TUTORIAL)
    });
    assert!(
        got.is_err(),
        "a peer announced 16 bytes, sent 9 and reset the connection: read_frame must fail, got {got:?}"
    );
}

thread_local! {
    /// The largest single allocation made on this thread since reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, noting each thread's largest request: the only
/// way to see that `read_frame` never allocates what a hostile header
/// claims. (Test code; the lesson itself has no `unsafe`.)
struct Watching;

#[allow(unsafe_code)]
// SAFETY: every method forwards to `System` unchanged; the bookkeeping only
// touches a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// A peer that sends a header, then junk without end: code that believes
/// the header keeps reading. Counts what was read; refuses past 1 MiB.
struct Hostile {
    header: [u8; 4],
    read: usize,
}

impl Read for Hostile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= 4 + 1024 * 1024 {
            return Err(io::Error::other(
                "the test's peer: you read 1 MiB past a header you should have refused",
            ));
        }
        let n = buf.len().min(64 * 1024);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = self.read + i;
            *b = if at < 4 { self.header[at] } else { b'A' };
        }
        // Never more than the header in the first read, like a real peer.
        let n = if self.read < 4 {
            n.min(4 - self.read)
        } else {
            n
        };
        self.read += n;
        Ok(n)
    }
}

#[rstest]
#[case::four_gigabytes(Framing::NETWORK, [0xff, 0xff, 0xff, 0xff], "4294967295 (4 GB)")]
#[case::two_gigabytes(Framing::TUTORIAL, [0xff, 0xff, 0xff, 0x7f], "2147483647 (2 GB)")]
#[case::minus_one(Framing::TUTORIAL, [0xff, 0xff, 0xff, 0xff], "-1")]
#[case::most_negative(Framing::TUTORIAL, [0x00, 0x00, 0x00, 0x80], "-2147483648")]
#[case::just_over_the_limit(Framing::TUTORIAL.with_max_len(10), [11, 0, 0, 0], "11, with max_len 10")]
#[case::just_over_in_network_order(Framing::NETWORK.with_max_len(1000), [0, 0, 0x03, 0xe9], "1001, with max_len 1000")]
fn step16_hostile_lengths_are_refused(
    #[case] framing: Framing,
    #[case] header: [u8; 4],
    #[case] claim: &str,
) {
    let _step = step!(LESSON);
    let (result, read, largest) = within(LIMIT, "read_frame on a hostile header", move || {
        let mut peer = Hostile { header, read: 0 };
        LARGEST.with(|l| l.set(0));
        let result = read_frame(&mut peer, framing);
        let largest = LARGEST.with(Cell::get);
        (result.map(|p| p.map(|p| p.len())), peer.read, largest)
    });
    let context = format!(
        "a {:?} header [{}] announces a payload of {claim} bytes",
        framing.header.format(),
        hex(&header)
    );
    match &result {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
        other => panic!(
            "{context}: read_frame must refuse it with an error of kind InvalidData, got {other:?} \
             (after reading {read} bytes)"
        ),
    }
    assert_eq!(
        read, 4,
        "{context}: read_frame read {read} bytes; it must stop after the 4 header bytes"
    );
    assert!(
        largest < 1024 * 1024,
        "{context}: read_frame allocated {largest} bytes at once before refusing it: check the \
         length before allocating"
    );

    // The other side of the boundary: a frame of exactly max_len is fine.
    let small = Framing::TUTORIAL.with_max_len(10);
    let mut stream = frame(b"0123456789");
    stream.extend(frame(b""));
    let mut reader = ChunkedReader::new(stream, Chunking::Whole);
    let got = within(LIMIT, "read_frame", move || read_all(&mut reader, small, 2));
    check_frames(
        "a 10-byte frame read with max_len 10, then an empty frame",
        &[b"0123456789".to_vec(), Vec::new()],
        got,
    );
}
