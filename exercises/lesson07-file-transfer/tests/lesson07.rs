//! Lesson 07's graded steps: file transfer, first as JSON + base64, then
//! streamed with a header frame and a checksum.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline; most network
//! steps also run through a relay that re-cuts the bytes, the way a real
//! network does. The test's own senders write what a Python peer written as
//! in the tutorials would write (`json.dumps`, `base64.b64encode`).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lesson07::*;
use rstest::rstest;
use sha2::{Digest, Sha256};
use testkit::chunking::ChunkedReader;
use testkit::net;
use testkit::relay::TcpRelay;
use testkit::step::{catch_quietly, panic_text};
use testkit::{Chunking, Server, assert_bytes_eq, escape, hex, peer, show, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// For the steps that move megabytes: a debug build on a loaded machine
/// needs more than a few seconds to encode, hash and copy them.
const LONG: Duration = Duration::from_secs(30);
/// For the steps whose bytes cross a relay in tiny pieces: each piece waits
/// a moment, and a loaded machine stretches every moment.
const NET: Duration = Duration::from_secs(10);
const MB5: usize = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------
// What a Python peer written as in the tutorials sends, built independently
// of the learner's code.

/// `json.dumps({"filename": name, "filedata": base64.b64encode(data).decode()})`.
fn python_message(name: &str, data: &[u8]) -> Vec<u8> {
    let name = serde_json::to_string(name).expect("a string is valid JSON");
    format!(
        "{{\"filename\": {name}, \"filedata\": \"{}\"}}",
        STANDARD.encode(data)
    )
    .into_bytes()
}

/// A header frame with this JSON text: its length as 4 bytes big-endian,
/// then the text.
fn frame_of(json: &[u8]) -> Vec<u8> {
    let mut frame = (json.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(json);
    frame
}

/// The streamed format's header frame around
/// `json.dumps({"name": name, "size": size})`.
fn header_frame(name: &str, size: u64) -> Vec<u8> {
    let name = serde_json::to_string(name).expect("a string is valid JSON");
    frame_of(format!("{{\"name\": {name}, \"size\": {size}}}").as_bytes())
}

/// A whole streamed transfer: header frame, the bytes, their SHA-256.
fn stream_frames(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = header_frame(name, data.len() as u64);
    out.extend_from_slice(data);
    out.extend_from_slice(&Sha256::digest(data));
    out
}

/// Every byte value once.
fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

/// Seeded bytes that look random (xorshift), so files are not all alike.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A file's content for a named size.
fn content(size: usize, seed: u64) -> Vec<u8> {
    if size == 256 {
        all_bytes()
    } else {
        noise(size, seed)
    }
}

/// A server that sends `bytes` to one client and closes, as the tutorials'
/// server does.
fn send_and_close(bytes: Vec<u8>) -> net::Server<io::Result<()>> {
    net::serve_one(move |mut s| {
        s.write_all(&bytes)?;
        Ok(())
    })
}

/// The names of the entries in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Asserts that the transfer that failed with `what` left nothing in `dir`.
fn assert_left_nothing(dir: &Path, what: &str) {
    let left = entries(dir);
    assert!(
        left.is_empty(),
        "{what}, yet the target directory now holds {left:?}: a failed transfer must leave \
         nothing behind (no file under the final name, no temporary file)"
    );
}

/// Reads the saved file and compares it with what was sent.
fn assert_saved(path: &Path, expected_path: &Path, sent: &[u8], context: &str) {
    assert_eq!(
        path, expected_path,
        "{context}: the returned path should be the target directory joined with the file's name"
    );
    let saved = std::fs::read(expected_path)
        .unwrap_or_else(|e| panic!("{context}: no file at {}: {e}", expected_path.display()));
    assert_bytes_eq(
        &format!(
            "{context}: the saved file against the {} bytes sent",
            sent.len()
        ),
        sent,
        &saved,
    );
}

/// What a failure should have been.
#[derive(Debug, Clone, Copy)]
enum Want {
    BadJson,
    BadBase64,
    TooLarge,
    Eof,
    Truncated { expected: u64, got: u64 },
    AnyIo,
}

impl Want {
    fn accepts(self, e: &TransferError) -> bool {
        match (self, e) {
            (Want::BadJson, TransferError::BadJson(_)) => true,
            (Want::BadBase64, TransferError::BadBase64(_)) => true,
            (Want::TooLarge, TransferError::TooLarge { .. }) => true,
            (Want::Eof, TransferError::Io(e)) => e.kind() == io::ErrorKind::UnexpectedEof,
            (
                Want::Truncated { expected, got },
                TransferError::Truncated {
                    expected: x,
                    got: g,
                },
            ) => expected == *x && got == *g,
            (Want::AnyIo, TransferError::Io(_)) => true,
            _ => false,
        }
    }

    fn describe(self) -> String {
        match self {
            Want::BadJson => "Err(TransferError::BadJson(..))".into(),
            Want::BadBase64 => "Err(TransferError::BadBase64(..))".into(),
            Want::TooLarge => "Err(TransferError::TooLarge { .. })".into(),
            Want::Eof => "Err(TransferError::Io(e)) with e.kind() == UnexpectedEof".into(),
            Want::Truncated { expected, got } => {
                format!("Err(TransferError::Truncated {{ expected: {expected}, got: {got} }})")
            }
            Want::AnyIo => "Err(TransferError::Io(..))".into(),
        }
    }
}

/// Asserts that `result` failed the way `want` says.
#[track_caller]
fn assert_fails<T: std::fmt::Debug>(result: &Result<T, TransferError>, want: Want, context: &str) {
    match result {
        Err(e) if want.accepts(e) => {}
        Err(e) => panic!(
            "{context}: expected {}, got Err({e:?}) ({e})",
            want.describe()
        ),
        Ok(v) => panic!("{context}: expected {}, got Ok({v:?})", want.describe()),
    }
}

// ---------------------------------------------------------------------------
// Part 1: the tutorials' JSON + base64 message.

#[rstest]
#[case::text("hello.txt", b"Hello, world!\n".as_slice(), r#"{"filename": "hello.txt", "filedata": "SGVsbG8sIHdvcmxkIQo="}"#)]
#[case::padding("a b.txt", b"ab".as_slice(), r#"{"filename": "a b.txt", "filedata": "YWI="}"#)]
#[case::empty_file("empty.bin", b"".as_slice(), r#"{"filename": "empty.bin", "filedata": ""}"#)]
#[case::quote_in_name("say \"hi\".txt", b"\x00\xff\xfe".as_slice(), r#"{"filename": "say \"hi\".txt", "filedata": "AP/+"}"#)]
fn step01_encodes_the_tutorial_json(#[case] name: &str, #[case] data: &[u8], #[case] python: &str) {
    let _step = step!(LESSON);
    let (n, d) = (name.to_owned(), data.to_vec());
    let got = within(LIMIT, "encode_message", move || encode_message(&n, &d));
    assert_bytes_eq(
        &format!(
            "encode_message({name:?}, b\"{}\") should be what Python's json.dumps writes",
            escape(data)
        ),
        python.as_bytes(),
        &got,
    );
}

#[rstest]
#[case::python(r#"{"filename": "a.txt", "filedata": "aGk="}"#, "a.txt")]
#[case::compact(r#"{"filename":"a.txt","filedata":"aGk="}"#, "a.txt")]
#[case::reordered_and_indented(
    "{\n  \"filedata\": \"aGk=\",\n  \"filename\": \"a.txt\"\n}\n",
    "a.txt"
)]
#[case::extra_key(r#"{"filename": "a.txt", "size": 2, "filedata": "aGk="}"#, "a.txt")]
#[case::escaped_unicode(r#"{"filename": "caf\u00e9.txt", "filedata": "aGk="}"#, "café.txt")]
fn step02_decodes_any_valid_json(#[case] json: &str, #[case] filename: &str) {
    let _step = step!(LESSON);
    let input = json.as_bytes().to_vec();
    let got = within(LIMIT, "decode_message", move || decode_message(&input));
    let shown = escape(json.as_bytes());
    match got {
        Ok(message) => {
            assert_eq!(
                message.filename, filename,
                "the filename of decode_message(\"{shown}\")"
            );
            assert_bytes_eq(
                &format!("the data of decode_message(\"{shown}\") (base64 \"aGk=\")"),
                b"hi",
                &message.data,
            );
        }
        Err(e) => panic!(
            "decode_message(\"{shown}\") failed: {e}. Any valid JSON spelling of the message must parse"
        ),
    }
}

#[rstest]
#[case::empty_file(0)]
#[case::every_byte_value(256)]
#[case::five_megabytes(MB5)]
fn step03_base64_is_binary_safe(#[case] size: usize) {
    let step = step!(LESSON);
    let data = content(size, step.seed());
    let d = data.clone();
    let encoded = within(LONG, "encode_message", move || {
        encode_message("file.bin", &d)
    });
    let parsed: serde_json::Value = serde_json::from_slice(&encoded).unwrap_or_else(|e| {
        panic!(
            "encode_message for a {size}-byte file did not write valid JSON ({e}): \"{}\"",
            escape(&encoded[..encoded.len().min(120)])
        )
    });
    let filedata = parsed["filedata"].as_str().unwrap_or_else(|| {
        panic!("encode_message's JSON has no string \"filedata\": {parsed:.100}")
    });
    let want = STANDARD.encode(&data);
    assert_eq!(
        filedata.len(),
        size.div_ceil(3) * 4,
        "base64 writes 4 characters for every 3 bytes (with = padding): {size} bytes should \
         become {} characters",
        size.div_ceil(3) * 4
    );
    assert_bytes_eq(
        &format!("\"filedata\" for a {size}-byte file, against Python's base64.b64encode"),
        want.as_bytes(),
        filedata.as_bytes(),
    );
    let python = python_message("file.bin", &data);
    let decoded = within(LONG, "decode_message", move || decode_message(&python));
    match decoded {
        Ok(message) => assert_bytes_eq(
            &format!("decode_message of a Python message carrying {size} bytes"),
            &data,
            &message.data,
        ),
        Err(e) => panic!("decode_message of a Python message carrying {size} bytes failed: {e}"),
    }
}

#[rstest]
#[case::plain("hello.txt")]
#[case::hidden_file(".bashrc")]
#[case::leading_dots("..hidden")]
#[case::dots_inside("a..b.tar.gz")]
#[case::not_ascii("résumé.pdf")]
#[case::spaces_and_quotes("my \"best\" photo.jpg")]
#[case::longest_allowed(&"x".repeat(MAX_NAME))]
fn step04_accepts_plain_names(#[case] name: &str) {
    let _step = step!(LESSON);
    let n = name.to_owned();
    let got = within(LIMIT, "check_name", move || check_name(&n));
    assert!(
        got.is_ok(),
        "check_name({name:?}) refused a plain file name ({got:?}); only names that would leave \
         the directory are refused"
    );
}

#[rstest]
#[case::empty("", NameError::Empty)]
#[case::nul("evil\0.txt", NameError::Nul)]
#[case::absolute("/etc/passwd", NameError::Absolute)]
#[case::absolute_windows("\\Windows\\evil.dll", NameError::Absolute)]
#[case::windows_drive("C:\\evil.dll", NameError::Absolute)]
#[case::drive_relative("c:evil.dll", NameError::Absolute)]
#[case::parent_path("../secret.txt", NameError::Separator)]
#[case::parent_path_windows("..\\..\\secret.txt", NameError::Separator)]
#[case::subdirectory("photos/cat.jpg", NameError::Separator)]
#[case::trailing_slash("notes/", NameError::Separator)]
#[case::parent("..", NameError::Dots)]
#[case::current(".", NameError::Dots)]
#[case::too_long(&"x".repeat(MAX_NAME + 1), NameError::TooLong { len: MAX_NAME + 1 })]
fn step05_rejects_unsafe_names(#[case] name: &str, #[case] want: NameError) {
    let _step = step!(LESSON);
    let n = name.to_owned();
    let got = within(LIMIT, "check_name", move || check_name(&n));
    assert_eq!(
        got,
        Err(want.clone()),
        "check_name(\"{}\") must be Err(NameError::{want:?}) (the rules are checked in the order \
         of NameError's variants)",
        escape(name.as_bytes())
    );
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::segment(Chunking::Fixed(1500))]
#[case::in_one_piece(Chunking::Whole)]
#[case::random(Chunking::Random { seed: 0x07_5eed, max: 300 })]
fn step06_reads_the_message_until_eof(#[case] chunking: Chunking) {
    let _step = step!(LESSON);
    let message = python_message("noise.bin", &noise(3000, 7));
    let len = message.len();
    let mut reader = ChunkedReader::new(message.clone(), chunking);
    let got = within(LIMIT, "read_message", move || {
        read_message(&mut reader, 1 << 20)
    });
    match got {
        Ok(bytes) => assert_bytes_eq(
            &format!("read_message over a {len}-byte message that arrives {chunking}"),
            &message,
            &bytes,
        ),
        Err(e) => panic!("read_message failed ({e}) on a {len}-byte message that simply ended"),
    }
    let mut reader = ChunkedReader::new(message, chunking);
    let exact = within(LIMIT, "read_message", move || {
        read_message(&mut reader, len)
    });
    assert!(
        exact.is_ok(),
        "read_message with limit {len} on a message of exactly {len} bytes must succeed, got {:?}",
        exact.map(|b| b.len())
    );
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::in_one_piece(Chunking::Whole)]
#[case::random(Chunking::Random { seed: 0, max: 100 })]
fn step07_receives_a_file_over_tcp(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let data = all_bytes();
    let server = send_and_close(python_message("photo.jpg", &data));
    let relay = TcpRelay::start(server.addr, chunking);
    let dir = tempdir();
    let (addr, target) = (relay.addr(), dir.path().to_path_buf());
    let got = within(NET, "receive_file", move || {
        receive_file(addr, &target, LIMIT)
    });
    let context = format!(
        "the server sent {{\"filename\": \"photo.jpg\", \"filedata\": <{} bytes in base64>}} {chunking} and closed",
        data.len()
    );
    let path = got.unwrap_or_else(|e| {
        let why = match e {
            TransferError::BadJson(_) | TransferError::BadBase64(_) => {
                "\n(the message only ends when the server closes: was the JSON parsed from what \
                 one read returned? Read until EOF first; one read is never the whole message)"
            }
            _ => "",
        };
        panic!("{context}: receive_file failed: {e}{why}")
    });
    assert_saved(&path, &dir.path().join("photo.jpg"), &data, &context);
}

/// The learner's `serve` of `file` on a loopback port 0.
fn file_server(file: PathBuf, format: Format) -> Server<io::Result<()>> {
    let what = format!(
        "serve(listener, {:?}, Format::{format:?})",
        file.file_name().unwrap_or_default()
    );
    Server::tcp(&what, move |listener| serve(listener, &file, format))
}

/// Runs `f` under a deadline; a failure says first how `server` ended, if
/// it has (a `todo!()` in `serve` is the cause, not the client's error).
fn within_server<T: Send + 'static>(
    server: &Server<io::Result<()>>,
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    catch_quietly(|| within(limit, what, f))
        .unwrap_or_else(|(payload, _)| server.fail(panic_text(payload.as_ref())))
}

/// A client that connects but does not read, with a small receive buffer so
/// the server's writes to it soon block.
fn stalled_client(server: &Server<io::Result<()>>) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let addr = server.addr();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a small receive buffer");
    if let Err(e) = socket.connect_timeout(&addr.into(), LIMIT) {
        server.fail(format!(
            "could not connect to serve(..) at {addr}: {}. It should accept clients until the \
             process ends",
            testkit::explain::io_error(&e, LIMIT)
        ));
    }
    let stream: TcpStream = socket.into();
    net::set_timeouts(&stream, LONG);
    stream
}

#[test]
fn step08_serves_each_client_on_its_own_thread() {
    let step = step!(LESSON);
    let data = noise(6 * 1024 * 1024, step.seed());
    let root = tempdir();
    let outbox = root.path().join("outbox");
    std::fs::create_dir(&outbox).expect("a directory");
    let file = outbox.join("report.bin");
    std::fs::write(&file, &data).expect("write the file to serve");
    let server = file_server(file, Format::Json);
    let addr = server.addr();
    let expected = python_message("report.bin", &data);
    // The first client does not read yet: a server that serves one client
    // at a time is stuck writing to it.
    let mut first = stalled_client(&server);
    let second = within_server(
        &server,
        NET,
        "a second client's download while the first client is not reading (is the server \
         still busy writing to the first?)",
        move || -> io::Result<Vec<u8>> {
            let mut s = net::connect(addr, LONG);
            let mut got = Vec::new();
            s.read_to_end(&mut got)?;
            Ok(got)
        },
    )
    .unwrap_or_else(|e| server.fail(format!("the second client's download failed: {e}")));
    assert_bytes_eq(
        "the second client's download: the server should send Python's json.dumps of \
         {\"filename\": \"report.bin\", \"filedata\": <6 MiB in base64>} and close",
        &expected,
        &second,
    );
    let first_got = within_server(
        &server,
        LONG,
        "the first client's download",
        move || -> io::Result<Vec<u8>> {
            let mut got = Vec::new();
            first.read_to_end(&mut got)?;
            Ok(got)
        },
    )
    .unwrap_or_else(|e| server.fail(format!("the first client's download failed: {e}")));
    assert_bytes_eq(
        "the first client's download, once it started reading",
        &expected,
        &first_got,
    );
}

#[rstest]
#[case::not_json(b"hello".as_slice(), Want::BadJson)]
#[case::nothing_at_all(b"".as_slice(), Want::BadJson)]
#[case::cut_in_half(br#"{"filename": "a.txt", "filedata": "aGVsbG8gd29y"#.as_slice(), Want::BadJson)]
#[case::missing_filedata(br#"{"filename": "a.txt"}"#.as_slice(), Want::BadJson)]
#[case::filedata_not_a_string(br#"{"filename": "a.txt", "filedata": 42}"#.as_slice(), Want::BadJson)]
#[case::just_a_string(br#""a.txt""#.as_slice(), Want::BadJson)]
#[case::not_base64(br#"{"filename": "a.txt", "filedata": "@@ not base64 @@"}"#.as_slice(), Want::BadBase64)]
#[case::missing_padding(br#"{"filename": "a.txt", "filedata": "aGk"}"#.as_slice(), Want::BadBase64)]
fn step09_bad_messages_are_errors(#[case] raw: &[u8], #[case] want: Want) {
    let _step = step!(LESSON);
    let input = raw.to_vec();
    let decoded = within(LIMIT, "decode_message", move || decode_message(&input));
    let shown = escape(raw);
    assert_fails(&decoded, want, &format!("decode_message(\"{shown}\")"));
    let server = send_and_close(raw.to_vec());
    let relay = TcpRelay::start(server.addr, Chunking::Fixed(3));
    let dir = tempdir();
    let (addr, target) = (relay.addr(), dir.path().to_path_buf());
    let got = within(NET, "receive_file", move || {
        receive_file(addr, &target, LIMIT)
    });
    let context = format!("the server sent \"{shown}\" and closed; receive_file");
    assert_fails(&got, want, &context);
    assert_left_nothing(dir.path(), &context);
}

#[rstest]
#[case::parent_path("../escape.txt", NameError::Separator)]
#[case::parent_path_windows("..\\escape.txt", NameError::Separator)]
#[case::absolute("<ROOT>/escape.txt", NameError::Absolute)]
#[case::parent("..", NameError::Dots)]
#[case::empty("", NameError::Empty)]
#[case::nul("escape.txt\0.jpg", NameError::Nul)]
fn step10_refuses_names_that_leave_the_directory(#[case] name: &str, #[case] want: NameError) {
    let _step = step!(LESSON);
    let root = tempdir();
    let target = root.path().join("downloads");
    std::fs::create_dir(&target).expect("a directory");
    let name = name.replace("<ROOT>", &root.path().to_string_lossy());
    let server = send_and_close(python_message(&name, b"owned!"));
    let relay = TcpRelay::start(server.addr, Chunking::Fixed(5));
    let (addr, dir) = (relay.addr(), target.clone());
    let got = within(NET, "receive_file", move || receive_file(addr, &dir, LIMIT));
    let shown = escape(name.as_bytes());
    match &got {
        Err(TransferError::UnsafeName { why, .. }) if *why == want => {}
        other => panic!(
            "the server sent the file name \"{shown}\": receive_file must refuse it with \
             Err(TransferError::UnsafeName {{ why: NameError::{want:?}, .. }}), got {other:?}"
        ),
    }
    assert_eq!(
        entries(root.path()),
        vec!["downloads".to_owned()],
        "receive_file wrote outside the target directory for the name \"{shown}\""
    );
    assert_left_nothing(&target, &format!("the name \"{shown}\" was refused"));
}

#[test]
fn step11_endless_silent_and_rude_peers_are_errors() {
    let _step = step!(LESSON);
    // The "endless" peers stop at a few times the limit, so that a program
    // without a cap fails its step instead of filling the machine's memory.
    // In memory: a peer that sends four times the limit.
    let limit = 1 << 20;
    let flood = 4 * limit as u64;
    let (got, sent) = within(
        LIMIT,
        "read_message on a stream far longer than its limit",
        move || {
            let mut peer = io::repeat(b'A').take(flood);
            let got = read_message(&mut peer, limit).map(|b| b.len());
            (got, flood - peer.limit())
        },
    );
    assert!(
        matches!(got, Err(TransferError::TooLarge { limit: l }) if l == limit),
        "read_message(limit {limit}) on a stream of {flood} bytes: expected \
         Err(TransferError::TooLarge {{ limit: {limit} }}), got {got:?}"
    );
    assert!(
        sent <= limit as u64 + 64 * 1024,
        "read_message read {sent} bytes before giving up: stop soon after the limit ({limit})"
    );

    // Over a socket: a server that sends twice MAX_MESSAGE.
    let flood = 2 * MAX_MESSAGE as u64;
    let endless = net::serve_one(move |mut s| {
        io::copy(&mut io::repeat(b'A').take(flood), &mut s)?;
        Ok(())
    });
    let dir = tempdir();
    let (addr, target) = (endless.addr, dir.path().to_path_buf());
    let got = within(Duration::from_secs(15), "receive_file", move || {
        receive_file(addr, &target, LIMIT)
    });
    assert!(
        matches!(got, Err(TransferError::TooLarge { limit }) if limit == MAX_MESSAGE),
        "a server sent {flood} bytes: receive_file must stop at MAX_MESSAGE ({MAX_MESSAGE} \
         bytes) with Err(TransferError::TooLarge {{ limit: {MAX_MESSAGE} }}), got {got:?}"
    );
    assert_left_nothing(dir.path(), "the server sent too much");

    // A server that sends half a message, then resets the connection.
    let half = python_message("a.bin", &noise(4000, 3));
    let rude = net::serve_one(move |mut s| {
        s.write_all(&half[..half.len() / 2])?;
        std::thread::sleep(Duration::from_millis(50));
        peer::reset(s)
    });
    let (addr, target) = (rude.addr, dir.path().to_path_buf());
    let got = within(NET, "receive_file", move || {
        receive_file(addr, &target, LIMIT)
    });
    assert_fails(
        &got,
        Want::AnyIo,
        "the server sent half a message, then reset the connection; receive_file",
    );
    assert_left_nothing(dir.path(), "the connection was reset");

    // A server that accepts and says nothing.
    let silent = net::serve_one(|s| {
        std::thread::sleep(Duration::from_secs(2));
        drop(s);
        Ok(())
    });
    let (addr, target) = (silent.addr, dir.path().to_path_buf());
    let got = within(LIMIT, "receive_file with a 300 ms timeout", move || {
        receive_file(addr, &target, Duration::from_millis(300))
    });
    assert!(
        matches!(&got, Err(TransferError::Io(e)) if testkit::is_timeout(e)),
        "a server accepted and sent nothing: receive_file(.., timeout 300 ms) must end with \
         Err(TransferError::Io(..)) of kind WouldBlock or TimedOut, got {got:?}"
    );
}

// ---------------------------------------------------------------------------
// Part 2: the streamed format: header frame, raw bytes, SHA-256 trailer.

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::three_bytes(Chunking::Fixed(3))]
#[case::in_one_piece(Chunking::Whole)]
fn step12_header_frame_round_trips(#[case] chunking: Chunking) {
    let _step = step!(LESSON);
    for (name, size) in [("a.bin", 5u64), ("über große datei.iso", 5_000_000_000)] {
        let header = Header {
            name: name.to_owned(),
            size,
        };
        let h = header.clone();
        let written = within(LIMIT, "write_header", move || {
            let mut out = Vec::new();
            write_header(&mut out, &h).map(|()| out)
        })
        .unwrap_or_else(|e| panic!("write_header({header:?}) failed: {e}"));
        assert!(
            written.len() >= 4,
            "write_header wrote {} bytes; a frame starts with a 4-byte length",
            written.len()
        );
        let (len, json) = written.split_at(4);
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        assert_eq!(
            len as usize,
            json.len(),
            "write_header({header:?}): the first 4 bytes ({}) must be the JSON's length, \
             big-endian; the JSON that followed was \"{}\"",
            hex(&written[..4]),
            escape(json)
        );
        let value: serde_json::Value = serde_json::from_slice(json).unwrap_or_else(|e| {
            panic!(
                "write_header({header:?}) wrote \"{}\", which is not JSON: {e}",
                escape(json)
            )
        });
        assert_eq!(
            value,
            serde_json::json!({ "name": name, "size": size }),
            "write_header({header:?}): the JSON must be an object with exactly `name` and `size`"
        );

        // Reading: a Python-spaced header, followed by the file's first bytes.
        let mut wire = header_frame(name, size);
        wire.extend_from_slice(b"FILE BYTES");
        let mut reader = ChunkedReader::new(wire.clone(), chunking);
        let (got, rest) = within(LIMIT, "read_header", move || {
            let got = read_header(&mut reader);
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
            (got, rest)
        });
        let shown = escape(&wire);
        match got {
            Ok(h) => assert_eq!(h, header, "read_header(\"{shown}\") arriving {chunking}"),
            Err(e) => panic!("read_header(\"{shown}\") arriving {chunking} failed: {e}"),
        }
        assert_bytes_eq(
            &format!(
                "after read_header(\"{shown}\"), the bytes left on the stream: read the frame \
                 and not one byte more"
            ),
            b"FILE BYTES",
            &rest,
        );
    }

    // The largest header allowed: MAX_HEADER is the most a header may take,
    // so a length of exactly MAX_HEADER is read; only one over it is refused
    // (step 13).
    let longest_name = "x".repeat(MAX_HEADER - (header_frame("", 5).len() - 4));
    let mut wire = header_frame(&longest_name, 5);
    assert_eq!(
        wire.len(),
        4 + MAX_HEADER,
        "the test's own frame should hold exactly MAX_HEADER bytes of JSON"
    );
    wire.extend_from_slice(b"FILE BYTES");
    let shown = show(&wire);
    let mut reader = ChunkedReader::new(wire, chunking);
    let (got, rest) = within(LIMIT, "read_header", move || {
        let got = read_header(&mut reader);
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        (got, rest)
    });
    let context = format!(
        "read_header({shown}) arriving {chunking}: its length prefix ({}) says {MAX_HEADER} bytes \
         of JSON, exactly MAX_HEADER",
        hex(&(MAX_HEADER as u32).to_be_bytes())
    );
    match got {
        Ok(h) => assert!(
            h.name == longest_name && h.size == 5,
            "{context}: expected Header {{ name: <{} x's>, size: 5 }}, got Header {{ name: <{} \
             bytes>, size: {} }}",
            longest_name.len(),
            h.name.len(),
            h.size
        ),
        Err(e) => panic!(
            "{context}: expected Ok(Header {{ name: <{} x's>, size: 5 }}), got Err({e:?}) ({e}). \
             MAX_HEADER is the most a header may take: refuse a length OVER it (`len > \
             MAX_HEADER`), not one equal to it",
            longest_name.len()
        ),
    }
    assert_bytes_eq(
        &format!("{context}; the bytes left on the stream after the frame"),
        b"FILE BYTES",
        &rest,
    );
}

#[rstest]
#[case::length_4_gib(vec![0xff, 0xff, 0xff, 0xff, b'{'], Want::TooLarge)]
#[case::length_just_over(((MAX_HEADER + 1) as u32).to_be_bytes().to_vec(), Want::TooLarge)]
#[case::not_json(frame_of(b"hello"), Want::BadJson)]
#[case::empty_json(frame_of(b""), Want::BadJson)]
#[case::missing_size(frame_of(br#"{"name": "a.bin"}"#), Want::BadJson)]
#[case::negative_size(frame_of(br#"{"name": "a.bin", "size": -1}"#), Want::BadJson)]
#[case::size_as_text(frame_of(br#"{"name": "a.bin", "size": "12"}"#), Want::BadJson)]
#[case::eof_in_length(vec![0, 0], Want::Eof)]
#[case::eof_in_json(frame_of(br#"{"name": "a.bin", "size": 12}"#)[..12].to_vec(), Want::Eof)]
fn step13_bad_header_is_an_error(#[case] wire: Vec<u8>, #[case] want: Want) {
    let _step = step!(LESSON);
    let shown = escape(&wire);
    let mut reader = ChunkedReader::new(wire, Chunking::Fixed(2));
    let got = within(LIMIT, "read_header", move || read_header(&mut reader));
    assert_fails(&got, want, &format!("read_header(\"{shown}\")"));
    if let Err(TransferError::TooLarge { limit }) = got {
        assert_eq!(limit, MAX_HEADER, "TooLarge's limit should be MAX_HEADER");
    }
}

/// The file's source for `send_stream`: counts the bytes taken from it.
struct Source {
    inner: ChunkedReader,
    taken: Arc<AtomicU64>,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
}

/// The socket for `send_stream`: records what was written, the largest
/// single write, and how far reading the file ran ahead of writing it.
struct Sink {
    bytes: Vec<u8>,
    largest_write: usize,
    most_ahead: u64,
    taken: Arc<AtomicU64>,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let ahead = self
            .taken
            .load(Ordering::SeqCst)
            .saturating_sub(self.bytes.len() as u64);
        self.most_ahead = self.most_ahead.max(ahead);
        self.largest_write = self.largest_write.max(buf.len());
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[rstest]
#[case::empty_file(0)]
#[case::every_byte_value(256)]
#[case::five_megabytes(MB5)]
fn step14_sends_header_bytes_and_checksum(#[case] size: usize) {
    let step = step!(LESSON);
    let data = content(size, step.seed());
    let taken = Arc::new(AtomicU64::new(0));
    let mut source = Source {
        inner: ChunkedReader::new(
            data.clone(),
            Chunking::Random {
                seed: step.seed(),
                max: 100_000,
            },
        ),
        taken: Arc::clone(&taken),
    };
    let mut sink = Sink {
        bytes: Vec::new(),
        largest_write: 0,
        most_ahead: 0,
        taken,
    };
    let (got, sink) = within(LONG, "send_stream", move || {
        let got = send_stream(&mut sink, "data.bin", size as u64, &mut source);
        (got, sink)
    });
    let checksum = got.unwrap_or_else(|e| panic!("send_stream of a {size}-byte file failed: {e}"));
    let want_sum: [u8; 32] = Sha256::digest(&data).into();
    assert_bytes_eq(
        &format!("send_stream's returned checksum: the SHA-256 of the {size} bytes"),
        &want_sum,
        &checksum,
    );
    let (header, after) = split_header(&sink.bytes);
    assert_eq!(
        header,
        serde_json::json!({ "name": "data.bin", "size": size }),
        "the header frame send_stream wrote"
    );
    assert_bytes_eq(
        &format!(
            "what send_stream wrote after the header: the {size} bytes, then their 32-byte SHA-256"
        ),
        &[data.as_slice(), &want_sum].concat(),
        after,
    );
    assert!(
        sink.largest_write <= 1 << 20,
        "send_stream passed {} bytes to one write: copy the file through a fixed buffer \
         (CHUNK bytes), so memory stays small whatever the file's size",
        sink.largest_write
    );
    assert!(
        sink.most_ahead <= 1 << 20,
        "send_stream read {} bytes of the file before writing them: stream through a fixed \
         buffer instead of loading the file into memory",
        sink.most_ahead
    );

    // A file that is shorter than announced.
    let short = data.len().min(100);
    let mut source = ChunkedReader::new(data[..short].to_vec(), Chunking::Whole);
    let got = within(LIMIT, "send_stream", move || {
        send_stream(&mut io::sink(), "data.bin", short as u64 + 50, &mut source)
    });
    assert_fails(
        &got,
        Want::Truncated {
            expected: short as u64 + 50,
            got: short as u64,
        },
        &format!(
            "send_stream announced {} bytes but the file held {short}",
            short + 50
        ),
    );
}

/// Splits what `send_stream` wrote into its header's JSON, parsed the
/// test's own way, and the bytes after the header frame; a failure shows
/// what was written.
fn split_header(written: &[u8]) -> (serde_json::Value, &[u8]) {
    let shown = || escape(&written[..written.len().min(80)]);
    let Some((len, rest)) = written.split_first_chunk::<4>() else {
        panic!(
            "send_stream wrote only \"{}\": expected a 4-byte length first",
            shown()
        )
    };
    let len = u32::from_be_bytes(*len) as usize;
    assert!(
        len <= MAX_HEADER && rest.len() >= len,
        "send_stream's first 4 bytes ({}) say the header is {len} bytes: \"{}\"",
        hex(&written[..4]),
        shown()
    );
    let (json, rest) = rest.split_at(len);
    let value = serde_json::from_slice(json).unwrap_or_else(|e| {
        panic!(
            "send_stream's header is not JSON ({e}): \"{}\"",
            escape(json)
        )
    });
    (value, rest)
}

/// Connects to `addr` and runs the learner's `receive_stream` into `dir`.
fn receive_over(addr: SocketAddr, dir: &Path, limit: Duration) -> Result<PathBuf, TransferError> {
    let target = dir.to_path_buf();
    within(limit, "receive_stream", move || {
        let mut stream = net::connect(addr, limit);
        receive_stream(&mut stream, &target)
    })
}

#[rstest]
#[case::every_byte_value_one_at_a_time(256, Chunking::Fixed(1))]
#[case::empty_file_in_one_piece(0, Chunking::Whole)]
#[case::in_segments(100_000, Chunking::Fixed(1500))]
#[case::five_megabytes_random_cuts(MB5, Chunking::Random { seed: 0, max: 65_536 })]
fn step15_receives_a_stream(#[case] size: usize, #[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let data = content(size, step.seed());
    let server = send_and_close(stream_frames("received.bin", &data));
    let relay = TcpRelay::start(server.addr, chunking);
    let dir = tempdir();
    let got = receive_over(relay.addr(), dir.path(), LONG);
    let context = format!(
        "a peer sent header {{\"name\": \"received.bin\", \"size\": {size}}}, the bytes and \
         their SHA-256, {chunking}"
    );
    let path = got.unwrap_or_else(|e| panic!("{context}: receive_stream failed: {e}"));
    assert_saved(&path, &dir.path().join("received.bin"), &data, &context);
    assert_eq!(
        entries(dir.path()),
        vec!["received.bin".to_owned()],
        "{context}: only the file should be left in the directory (remove temporary files)"
    );
}

#[rstest]
#[case::empty_file(0)]
#[case::five_megabytes(MB5)]
fn step16_streams_a_file_end_to_end(#[case] size: usize) {
    let step = step!(LESSON);
    let data = content(size, step.seed());
    let root = tempdir();
    let (outbox, inbox) = (root.path().join("outbox"), root.path().join("inbox"));
    std::fs::create_dir(&outbox).expect("a directory");
    std::fs::create_dir(&inbox).expect("a directory");
    let file = outbox.join("backup.tar");
    std::fs::write(&file, &data).expect("write the file to serve");
    let server = file_server(file, Format::Stream);
    let relay = TcpRelay::start(
        server.addr(),
        Chunking::Random {
            seed: step.seed(),
            max: 65_536,
        },
    );
    let (addr, target) = (relay.addr(), inbox.clone());
    let got = within_server(&server, LONG, "receive_file_streamed", move || {
        receive_file_streamed(addr, &target, LONG)
    });
    let context = format!(
        "serve(listener, \"outbox/backup.tar\", Format::Stream) with a {size}-byte file, then \
         receive_file_streamed into \"inbox\""
    );
    let path = got.unwrap_or_else(|e| server.fail(format!("{context}: {e}")));
    assert_saved(&path, &inbox.join("backup.tar"), &data, &context);
}

#[test]
fn step17_partial_file_has_a_temporary_name() {
    let step = step!(LESSON);
    let data = noise(200_000, step.seed());
    let wire = stream_frames("big.bin", &data);
    let half = header_frame("big.bin", 200_000).len() + 100_000;
    let (go_on, wait) = mpsc::channel::<()>();
    let server = net::serve_one(move |mut s| {
        s.write_all(&wire[..half])?;
        s.flush()?;
        // The rest only when the test has looked at the directory.
        let _ = wait.recv_timeout(Duration::from_secs(10));
        s.write_all(&wire[half..])?;
        Ok(())
    });
    let dir = tempdir();
    // Half the bytes are there: look for the temporary file, then let the
    // server send the rest.
    let watched = dir.path().to_path_buf();
    let watcher = std::thread::spawn(move || {
        let started = Instant::now();
        let mut seen = entries(&watched);
        while seen.is_empty() && started.elapsed() < LIMIT {
            std::thread::sleep(Duration::from_millis(10));
            seen = entries(&watched);
        }
        let _ = go_on.send(());
        seen
    });
    let (addr, target) = (server.addr, dir.path().to_path_buf());
    let got = within(LONG, "receive_file_streamed", move || {
        receive_file_streamed(addr, &target, LONG)
    });
    let seen = watcher.join().expect("the test's directory watcher");
    assert!(
        !seen.contains(&"big.bin".to_owned()),
        "with 100000 of 200000 bytes received, the directory already holds \"big.bin\" \
         ({seen:?}): write to a temporary file and rename it to the final name only when the \
         whole file has arrived and the checksum matches"
    );
    let context = "the server sent half the file, paused, then the rest and the checksum";
    let path = got.unwrap_or_else(|e| panic!("{context}: receive_file_streamed failed: {e}"));
    assert!(
        !seen.is_empty(),
        "with 100000 of 200000 bytes received, the target directory was still empty: write the \
         bytes as they come to a temporary file in the target directory (same directory, so \
         the final rename is atomic), not into memory"
    );
    assert_saved(&path, &dir.path().join("big.bin"), &data, context);
    assert_eq!(
        entries(dir.path()),
        vec!["big.bin".to_owned()],
        "{context}: the temporary file should have become \"big.bin\" (renamed, not copied)"
    );
}

#[rstest]
#[case::flipped_byte_in_the_data(true)]
#[case::flipped_byte_in_the_checksum(false)]
fn step18_corruption_is_detected(#[case] in_data: bool) {
    let step = step!(LESSON);
    let data = noise(100_000, step.seed());
    let mut wire = stream_frames("ledger.db", &data);
    let header_len = header_frame("ledger.db", 100_000).len();
    let at = if in_data {
        header_len + (step.seed() as usize % data.len())
    } else {
        wire.len() - 7
    };
    wire[at] ^= 0x20;
    let server = send_and_close(wire);
    let relay = TcpRelay::start(server.addr, Chunking::Fixed(1500));
    let dir = tempdir();
    let got = receive_over(relay.addr(), dir.path(), LONG);
    let context = format!(
        "a peer sent a 100000-byte file with byte {at} of the stream flipped (in the {})",
        if in_data { "data" } else { "checksum" }
    );
    assert!(
        matches!(got, Err(TransferError::ChecksumMismatch { .. })),
        "{context}: expected Err(TransferError::ChecksumMismatch {{ .. }}), got {got:?}"
    );
    assert_left_nothing(dir.path(), &context);
}

#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Close after this many bytes of the stream.
    CloseAfter(usize),
    /// Reset after this many bytes of the stream.
    ResetAfter(usize),
    /// Announce `u64::MAX` bytes, send this many, then close.
    HugeSize(usize),
}

#[rstest]
#[case::no_data_at_all(Cut::CloseAfter(0), Want::Truncated { expected: 100_000, got: 0 })]
#[case::cut_in_the_data(Cut::CloseAfter(60_000), Want::Truncated { expected: 100_000, got: 60_000 })]
#[case::cut_in_the_checksum(Cut::CloseAfter(100_010), Want::Eof)]
#[case::no_checksum(Cut::CloseAfter(100_000), Want::Eof)]
#[case::reset_in_the_data(Cut::ResetAfter(60_000), Want::AnyIo)]
#[case::huge_size_announced(Cut::HugeSize(1_000), Want::Truncated { expected: u64::MAX, got: 1_000 })]
fn step19_short_transfer_leaves_no_file(#[case] cut: Cut, #[case] want: Want) {
    let step = step!(LESSON);
    let data = noise(100_000, step.seed());
    let wire = stream_frames("movie.mkv", &data);
    let header_len = header_frame("movie.mkv", 100_000).len();
    let dir = tempdir();
    let (context, got) = match cut {
        Cut::CloseAfter(n) => {
            let server = send_and_close(wire[..header_len + n].to_vec());
            let relay = TcpRelay::start(server.addr, Chunking::Fixed(4000));
            (
                format!(
                    "a peer announced 100000 bytes, sent {n} bytes after the header, then closed"
                ),
                receive_over(relay.addr(), dir.path(), LONG),
            )
        }
        Cut::ResetAfter(n) => {
            let part = wire[..header_len + n].to_vec();
            let server = net::serve_one(move |mut s| {
                s.write_all(&part)?;
                std::thread::sleep(Duration::from_millis(100));
                peer::reset(s)
            });
            (
                format!(
                    "a peer announced 100000 bytes, sent {n} bytes after the header, then reset \
                     the connection"
                ),
                receive_over(server.addr, dir.path(), LONG),
            )
        }
        Cut::HugeSize(n) => {
            let mut wire = header_frame("movie.mkv", u64::MAX);
            wire.extend_from_slice(&data[..n]);
            let server = send_and_close(wire);
            let context = format!(
                "a peer announced {} bytes (u64::MAX), sent {n}, then closed",
                u64::MAX
            );
            let addr = server.addr;
            let target = dir.path().to_path_buf();
            let got = within(LONG, "receive_stream", move || {
                let mut stream = net::connect(addr, LONG);
                catch_quietly(|| receive_stream(&mut stream, &target))
            });
            let got = got.unwrap_or_else(|(payload, _)| {
                panic!(
                    "{context}: receive_stream panicked ({}). The size in the header comes from \
                     the network: never allocate or reserve memory by it; copy through a buffer \
                     of CHUNK bytes and let an early EOF end it as Truncated.",
                    panic_text(payload.as_ref())
                )
            });
            (context, got)
        }
    };
    assert_fails(&got, want, &format!("{context}; receive_stream"));
    assert_left_nothing(dir.path(), &context);
}
