//! Lesson 01's graded steps: a TCP client on a raw socket.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline, and every
//! network step also runs through a relay that re-cuts the bytes, the way a
//! real network does.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lesson01::*;
use rstest::rstest;
use testkit::chunking::{ChunkedReader, InterruptedOnce};
use testkit::http::{HttpServer, Response as Canned};
use testkit::learner::panic_report;
use testkit::relay::TcpRelay;
use testkit::step::catch_quietly;
use testkit::{Chunking, assert_bytes_eq, escape, net, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

/// Every byte value, four times: a body no text-only client survives.
fn binary_body() -> Vec<u8> {
    (0..1024u32).map(|i| (i % 256) as u8).collect()
}

#[rstest]
#[case("example.com", "/index.html")]
#[case("127.0.0.1:8080", "/")]
#[case("www.python.org", "/downloads/?lang=en")]
fn step01_builds_the_request(#[case] host: &str, #[case] path: &str) {
    let _step = step!(LESSON);
    let (h, p) = (host.to_owned(), path.to_owned());
    let request = within(LIMIT, "build_request", move || build_request(&h, &p));
    let text = String::from_utf8_lossy(&request);
    let shown = escape(&request);
    let line = format!("GET {path} HTTP/1.1\r\n");
    assert!(
        request.starts_with(line.as_bytes()),
        "build_request({host:?}, {path:?}) must start with the request line {:?}\n     got: \"{shown}\"",
        escape(line.as_bytes())
    );
    assert!(
        text.contains(&format!("\r\nHost: {host}\r\n")),
        "the request must name the server in a `Host: {host}` header line\n     got: \"{shown}\""
    );
    assert!(
        text.to_ascii_lowercase()
            .contains("\r\nconnection: close\r\n"),
        "the request must say `Connection: close`, so the server closes and EOF ends the body\n     got: \"{shown}\""
    );
    assert!(
        request.ends_with(b"\r\n\r\n"),
        "the head must end with a blank line (\\r\\n\\r\\n)\n     got: \"{shown}\""
    );
    let bare_newlines = text.replace("\r\n", "").contains('\n');
    assert!(
        !bare_newlines,
        "every line must end with \\r\\n, not a bare \\n\n     got: \"{shown}\""
    );
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1), false)]
#[case::two_bytes(Chunking::Fixed(2), false)]
#[case::seven_bytes(Chunking::Fixed(7), false)]
#[case::segment(Chunking::Fixed(1500), false)]
#[case::random(Chunking::Random { seed: 0, max: 300 }, false)]
#[case::interrupted_once(Chunking::Fixed(700), true)]
fn step02_reads_until_eof(#[case] chunking: Chunking, #[case] interrupted: bool) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    // The third read fails with Interrupted when `interrupted` is set.
    let at = if interrupted { 3 } else { 0 };
    let mut reader = InterruptedOnce::new(ChunkedReader::new(data.clone(), chunking), at);
    let got = within(LIMIT, "read_until_eof", move || read_until_eof(&mut reader));
    let about = if interrupted {
        format!("arrive {chunking}, the third read failing once with ErrorKind::Interrupted")
    } else {
        format!("arrive {chunking}")
    };
    match got {
        Ok(bytes) => assert_bytes_eq(
            &format!(
                "read_until_eof over a stream of {} bytes that {about}",
                data.len()
            ),
            &data,
            &bytes,
        ),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => panic!(
            "read_until_eof returned the error \"{e}\" (kind Interrupted) over a stream of {} \
             bytes that {about}: an interrupted read lost nothing, retry it",
            data.len()
        ),
        Err(e) => panic!(
            "read_until_eof failed ({e}, kind {:?}) on a stream that {about} and simply ended",
            e.kind()
        ),
    }
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::two_bytes(Chunking::Fixed(2))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::segment(Chunking::Fixed(1500))]
fn step03_time_client_reads_everything(#[case] chunking: Chunking) {
    let _step = step!(LESSON);
    let now = "2026-11-21 10:15:42.123456";
    let server = net::serve_one(move |mut s| s.write_all(now.as_bytes()));
    let relay = TcpRelay::start(server.addr, chunking);
    let addr = relay.addr();
    let got = within(LIMIT, "fetch_time", move || fetch_time(addr, LIMIT));
    match got {
        Ok(text) => assert_bytes_eq(
            &format!("the time server sent {now:?} ({chunking}) and closed"),
            now.as_bytes(),
            text.as_bytes(),
        ),
        Err(e) => panic!("fetch_time failed: {e}; the server sent {now:?} and closed"),
    }
}

#[rstest]
#[case::simple(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nhello".as_slice(), b"HTTP/1.1 200 OK\r\nA: b".as_slice(), b"hello".as_slice())]
#[case::blank_line_in_body(b"HTTP/1.1 200 OK\r\n\r\nline\r\n\r\nmore".as_slice(), b"HTTP/1.1 200 OK".as_slice(), b"line\r\n\r\nmore".as_slice())]
#[case::empty_body(b"HTTP/1.1 204 No Content\r\nX: y\r\n\r\n".as_slice(), b"HTTP/1.1 204 No Content\r\nX: y".as_slice(), b"".as_slice())]
#[case::binary_body(b"HTTP/1.0 200 OK\r\n\r\n\x00\xff\r\n\x89PNG".as_slice(), b"HTTP/1.0 200 OK".as_slice(), b"\x00\xff\r\n\x89PNG".as_slice())]
fn step04_splits_head_from_body(#[case] raw: &[u8], #[case] head: &[u8], #[case] body: &[u8]) {
    let _step = step!(LESSON);
    let input = raw.to_vec();
    let got = within(LIMIT, "split_head", move || {
        split_head(&input)
            .map(|(h, b)| (h.to_vec(), b.to_vec()))
            .map_err(|e| e.to_string())
    });
    let (got_head, got_body) = got.unwrap_or_else(|e| {
        panic!(
            "split_head(\"{}\") returned an error ({e}), but the blank line is there",
            escape(raw)
        )
    });
    let context = format!("split_head(\"{}\")", escape(raw));
    assert_bytes_eq(
        &format!("{context}: the head (without the blank line)"),
        head,
        &got_head,
    );
    assert_bytes_eq(
        &format!("{context}: the body (after the first blank line)"),
        body,
        &got_body,
    );
}

#[rstest]
#[case::ok("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5", "HTTP/1.1", 200, "OK", &[("Content-Type", "text/html"), ("Content-Length", "5")])]
#[case::not_found("HTTP/1.0 404 Not Found\r\nServer: SimpleHTTP/0.6", "HTTP/1.0", 404, "Not Found", &[("Server", "SimpleHTTP/0.6")])]
#[case::no_headers("HTTP/1.1 204 No Content", "HTTP/1.1", 204, "No Content", &[])]
#[case::value_with_colons("HTTP/1.1 301 Moved Permanently\r\nLocation:   http://x:81/a  ", "HTTP/1.1", 301, "Moved Permanently", &[("Location", "http://x:81/a")])]
fn step05_parses_status_line_and_headers(
    #[case] head: &str,
    #[case] version: &str,
    #[case] status: u16,
    #[case] reason: &str,
    #[case] headers: &[(&str, &str)],
) {
    let _step = step!(LESSON);
    let input = head.as_bytes().to_vec();
    let parsed = within(LIMIT, "parse_head", move || {
        parse_head(&input).map_err(|e| e.to_string())
    });
    let r = parsed
        .unwrap_or_else(|e| panic!("parse_head(\"{}\") failed: {e}", escape(head.as_bytes())));
    let shown = escape(head.as_bytes());
    assert_eq!(r.version, version, "the version in parse_head(\"{shown}\")");
    assert_eq!(
        r.status, status,
        "the status code in parse_head(\"{shown}\")"
    );
    assert_eq!(
        r.reason, reason,
        "the reason phrase in parse_head(\"{shown}\")"
    );
    let want: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        r.headers, want,
        "the headers (name, trimmed value) in parse_head(\"{shown}\")"
    );
    assert!(
        r.body.is_empty(),
        "parse_head sees no body; leave `body` empty"
    );
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let found = within(LIMIT, "Response::header", {
            let (r, lower) = (r.clone(), lower.clone());
            move || r.header(&lower).map(str::to_owned)
        });
        assert_eq!(
            found.as_deref(),
            Some(*value),
            "response.header({lower:?}) must find `{name}`: header names ignore case"
        );
    }
}

#[rstest]
#[case::content_length(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef".as_slice(), b"abc".as_slice())]
#[case::until_eof(b"HTTP/1.0 200 OK\r\n\r\n\x00\x01\r\n\r\n\x02".as_slice(), b"\x00\x01\r\n\r\n\x02".as_slice())]
#[case::zero_length(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".as_slice(), b"".as_slice())]
#[case::binary_with_length(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\x89PNG\xff\xfe\x00\xc3".as_slice(), b"\x89PNG\xff\xfe\x00\xc3".as_slice())]
#[case::binary_until_eof(b"HTTP/1.0 200 OK\r\n\r\n\xe4\xbd\xa0\xe5\xa5\xbd\xc0\x80\xff".as_slice(), b"\xe4\xbd\xa0\xe5\xa5\xbd\xc0\x80\xff".as_slice())]
fn step06_parse_response_honours_content_length(#[case] raw: &[u8], #[case] body: &[u8]) {
    let _step = step!(LESSON);
    let input = raw.to_vec();
    let parsed = within(LIMIT, "parse_response", move || {
        parse_response(&input).map_err(|e| e.to_string())
    });
    let r = parsed.unwrap_or_else(|e| panic!("parse_response(\"{}\") failed: {e}", escape(raw)));
    let binary = std::str::from_utf8(body).is_err();
    let note = if binary {
        " (the body is not UTF-8: keep it as bytes, only the head is text)"
    } else {
        ""
    };
    assert_bytes_eq(
        &format!("the body of parse_response(\"{}\"){note}", escape(raw)),
        body,
        &r.body,
    );
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::two_bytes(Chunking::Fixed(2))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::segment(Chunking::Fixed(1500))]
#[case::random(Chunking::Random { seed: 0, max: 700 })]
fn step07_fetches_over_a_socket(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let body = binary_body();
    let server = HttpServer::canned(Canned::ok(&body));
    let relay = TcpRelay::start(server.addr(), chunking);
    let addr = relay.addr();
    let got = within(LIMIT, "http_get", move || {
        http_get(addr, "example.com", "/data.bin", LIMIT)
    });
    let response = got.unwrap_or_else(|e| {
        panic!(
            "http_get failed: {e}\n(the server answered 200 with a {}-byte body, {chunking})",
            body.len()
        )
    });
    let requests = server.requests();
    let request = requests
        .first()
        .map(|r| escape(&r.raw_head))
        .unwrap_or_default();
    assert_eq!(
        requests
            .first()
            .map(|r| (r.method.as_str(), r.target.as_str())),
        Some(("GET", "/data.bin")),
        "the server should have received `GET /data.bin`; it received \"{request}\""
    );
    assert_eq!(response.status, 200, "the status code");
    assert_bytes_eq(
        &format!("the body of a 200 response sent {chunking} (you sent \"{request}\")"),
        &body,
        &response.body,
    );
}

#[test]
fn step08_saves_the_body_byte_for_byte() {
    let step = step!(LESSON);
    let body: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let server = HttpServer::canned(Canned::ok(&body).chunked(Chunking::Random {
        seed: step.seed(),
        max: 4000,
    }));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("download.bin");
    let (addr, path) = (server.addr(), out.clone());
    within(
        LIMIT,
        "http_get then save_body",
        move || -> Result<(), String> {
            let response = http_get(addr, "localhost", "/download.bin", LIMIT)
                .map_err(|e| format!("http_get: {e}"))?;
            save_body(&response, &path).map_err(|e| format!("save_body: {e}"))
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let saved = std::fs::read(&out)
        .unwrap_or_else(|e| panic!("save_body wrote no file at {}: {e}", out.display()));
    assert_bytes_eq(
        "the saved file against the 50000-byte body the server sent",
        &body,
        &saved,
    );
}

#[test]
fn step09_refused_is_a_value() {
    let _step = step!(LESSON);
    // A socket that is bound but not listening: the kernel answers a
    // connection attempt with a reset, which the client sees as "refused".
    let closed = net::refusing(std::net::Ipv4Addr::LOCALHOST.into());
    let addr = closed.addr;
    let got = within(LIMIT, "connect_ex", move || connect_ex(addr, LIMIT));
    match got {
        Err(ConnectError::Refused) => {}
        Err(other) => panic!(
            "connect_ex to a port where nothing listens: expected ConnectError::Refused, got {other:?}"
        ),
        Ok(_) => panic!("connect_ex to a port where nothing listens returned a connection"),
    }
    drop(closed);
}

#[test]
fn step10_connect_times_out() {
    let _step = step!(LESSON);
    let quiet = net::unanswering();
    let addr = quiet.addr;
    let started = std::time::Instant::now();
    let got = within(LIMIT, "connect_ex with a 300 ms timeout", move || {
        connect_ex(addr, Duration::from_millis(300))
    });
    let took = started.elapsed();
    match got {
        Err(ConnectError::TimedOut) => {}
        Err(other) => panic!(
            "connect_ex to a server that never answers: expected ConnectError::TimedOut, got {other:?}"
        ),
        Ok(_) => panic!("connect_ex to a server that never answers returned a connection"),
    }
    assert!(
        took < Duration::from_secs(2),
        "connect_ex was given 300 ms but took {took:?}"
    );
}

/// A server that sends `raw` (cut as `chunking`) and closes.
fn raw_server(raw: &[u8], chunking: Chunking) -> (HttpServer, TcpRelay) {
    let server = HttpServer::canned(Canned::raw(raw.to_vec()));
    let relay = TcpRelay::start(server.addr(), chunking);
    (server, relay)
}

#[rstest]
#[case::headers_then_eof(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n".as_slice())]
#[case::nothing_at_all(b"".as_slice())]
#[case::bare_newlines(b"HTTP/1.1 200 OK\nA: b\n\nbody".as_slice())]
fn step11_missing_blank_line_is_an_error(#[case] raw: &[u8]) {
    let _step = step!(LESSON);
    let input = raw.to_vec();
    let parsed = within(LIMIT, "parse_response", move || parse_response(&input));
    assert!(
        matches!(parsed, Err(HttpError::NoHeaderEnd)),
        "parse_response(\"{}\") has no blank line: expected Err(HttpError::NoHeaderEnd), got {parsed:?}",
        escape(raw)
    );
    let (_server, relay) = raw_server(raw, Chunking::Fixed(3));
    let addr = relay.addr();
    let fetched = within(LIMIT, "http_get", move || {
        http_get(addr, "localhost", "/", LIMIT)
    });
    assert!(
        matches!(fetched, Err(HttpError::NoHeaderEnd)),
        "the server sent \"{}\" and closed: expected Err(HttpError::NoHeaderEnd), got {fetched:?}",
        escape(raw)
    );
}

#[rstest]
#[case::not_http("HTP/1.1 200 OK")]
#[case::code_not_a_number("HTTP/1.1 abc OK")]
#[case::code_too_long("HTTP/1.1 2000 OK")]
#[case::no_code("HTTP/1.1")]
#[case::empty("")]
#[case::no_version(" 200 OK")]
#[case::not_http_x("HTTX/1.1 200 OK")]
#[case::lower_case("http/1.1 200 OK")]
#[case::http_2("HTTP/2.0 200 OK")]
#[case::no_minor_version("HTTP/1 200 OK")]
#[case::long_minor_version("HTTP/1.10 200 OK")]
#[case::code_too_short("HTTP/1.1 20 OK")]
#[case::code_with_a_sign("HTTP/1.1 +99 OK")]
#[case::two_spaces("HTTP/1.1  200 OK")]
fn step12_malformed_status_line_is_an_error(#[case] line: &str) {
    let _step = step!(LESSON);
    let raw = format!("{line}\r\nContent-Length: 0\r\n\r\n");
    let input = raw.clone().into_bytes();
    let parsed = within(LIMIT, "parse_response", move || parse_response(&input));
    assert!(
        matches!(parsed, Err(HttpError::BadStatusLine(_))),
        "the status line {line:?} is not `HTTP/1.x NNN reason` (the version `HTTP/1.` and one \
         digit, one space, exactly three digits, one space, the reason): expected \
         Err(HttpError::BadStatusLine(..)), got {parsed:?}"
    );
}

#[rstest]
#[case::in_one_piece(Chunking::Whole)]
#[case::seven_bytes(Chunking::Fixed(7))]
fn step13_short_body_is_an_error(#[case] chunking: Chunking) {
    let _step = step!(LESSON);
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789";
    // First in memory: a short body is an error, never a panic or a short body.
    let input = raw.to_vec();
    let parsed = within(LIMIT, "parse_response", move || {
        catch_quietly(|| parse_response(&input))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()))
    });
    match parsed {
        Ok(Err(HttpError::TruncatedBody {
            expected: 100,
            got: 10,
        })) => {}
        Err(panic) => panic!(
            "parse_response(\"{}\") {panic}\nContent-Length says 100 but only 10 body bytes \
             are there: check the length before slicing, and return \
             Err(HttpError::TruncatedBody {{ expected: 100, got: 10 }})",
            escape(raw)
        ),
        Ok(other) => panic!(
            "parse_response(\"{}\"): Content-Length says 100 but only 10 body bytes are there: \
             expected Err(HttpError::TruncatedBody {{ expected: 100, got: 10 }}), got {other:?}",
            escape(raw)
        ),
    }
    let (_server, relay) = raw_server(raw, chunking);
    let addr = relay.addr();
    let fetched = within(LIMIT, "http_get", move || {
        http_get(addr, "localhost", "/", LIMIT)
    });
    assert!(
        matches!(
            fetched,
            Err(HttpError::TruncatedBody {
                expected: 100,
                got: 10
            })
        ),
        "the server promised Content-Length: 100, sent 10 bytes and closed: expected \
         Err(HttpError::TruncatedBody {{ expected: 100, got: 10 }}), got {fetched:?}"
    );
}

/// A peer that sends header lines forever and never the blank line.
struct EndlessHead {
    sent: usize,
}

/// Where [`EndlessHead`] gives up: a reader without a limit fails here with
/// an error instead of eating the machine's memory.
const ENDLESS_CAP: usize = 8 * 1024 * 1024;

impl Read for EndlessHead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.sent >= ENDLESS_CAP {
            return Err(io::Error::other(
                "the test's endless head reached 8 MiB: read_response never gave up",
            ));
        }
        // The status line, then header lines for ever: up to 1000 bytes a
        // read, so that the bytes held go from 65,000 to 66,000 and never
        // equal MAX_HEAD (65,536): the limit is "more than", not "exactly".
        const STATUS: &[u8] = b"HTTP/1.1 200 OK\r\n";
        const LINE: &[u8] = b"X-Padding: aaaaaaaaaaaaaaaa\r\n";
        let n = buf.len().min(1000);
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            let at = self.sent + i;
            *byte = match at.checked_sub(STATUS.len()) {
                None => STATUS[at],
                Some(after) => LINE[after % LINE.len()],
            };
        }
        self.sent += n;
        Ok(n)
    }
}

#[test]
fn step14_endless_head_is_cut_off() {
    let _step = step!(LESSON);
    let got = within(LIMIT, "read_response on a head that never ends", || {
        let mut peer = EndlessHead { sent: 0 };
        let result = read_response(&mut peer);
        (result, peer.sent)
    });
    let (result, sent) = got;
    assert!(
        matches!(result, Err(HttpError::HeadTooLarge)),
        "a peer sent header lines without end: expected Err(HttpError::HeadTooLarge) once the head \
         passes MAX_HEAD ({MAX_HEAD} bytes), got {result:?}"
    );
    assert!(
        sent <= MAX_HEAD + 64 * 1024,
        "read_response read {sent} bytes before giving up: stop soon after MAX_HEAD ({MAX_HEAD})"
    );
    head_of_exactly_max_head_is_kept();
    // And over a real socket, a server that never closes is a timeout, not a hang.
    let server = net::serve_one(|mut s: TcpStream| {
        s.write_all(b"HTTP/1.1 200 OK\r\n")?;
        std::thread::sleep(Duration::from_secs(2));
        Ok(())
    });
    let addr = server.addr;
    let fetched = within(LIMIT, "http_get with a 500 ms timeout", move || {
        http_get(addr, "localhost", "/", Duration::from_millis(500))
    });
    assert!(
        matches!(&fetched, Err(HttpError::Io(e)) if testkit::is_timeout(e)),
        "a server sent half a head and went quiet: expected Err(HttpError::Io(..)) with a timeout after 500 ms, got {fetched:?}"
    );
}

/// The limit's edge: MAX_HEAD bytes without a blank line are not yet too
/// many. A response whose first MAX_HEAD bytes are the status and header
/// lines (ending in `\r\n`) and whose blank line's second half comes next
/// is valid, read in 4 KiB pieces (the reader then holds exactly MAX_HEAD
/// bytes at one point); `split_head` tells MAX_HEAD bytes without a blank
/// line (not finished yet) from one byte more (too large).
fn head_of_exactly_max_head_is_kept() {
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n".to_vec();
    let line = |len: usize| format!("X-Pad: {}\r\n", "p".repeat(len - 9)).into_bytes();
    while MAX_HEAD - raw.len() > 1000 {
        raw.extend(line(100));
    }
    raw.extend(line(MAX_HEAD - raw.len()));
    assert_eq!(raw.len(), MAX_HEAD, "the test's own head is MAX_HEAD bytes");
    let edge = raw.clone();
    let (split, split_over) = within(LIMIT, "split_head at MAX_HEAD", move || {
        let over = [edge.as_slice(), b"X"].concat();
        let verdict = |raw: &[u8]| split_head(raw).map(|(h, b)| (h.len(), b.len()));
        (verdict(&edge), verdict(&over))
    });
    assert!(
        matches!(split, Err(HttpError::NoHeaderEnd)),
        "split_head on exactly MAX_HEAD ({MAX_HEAD}) bytes with no blank line: expected \
         Err(HttpError::NoHeaderEnd) (HeadTooLarge is for MORE than MAX_HEAD), got {split:?}"
    );
    assert!(
        matches!(split_over, Err(HttpError::HeadTooLarge)),
        "split_head on MAX_HEAD + 1 ({}) bytes with no blank line: expected \
         Err(HttpError::HeadTooLarge), got {split_over:?}",
        MAX_HEAD + 1
    );
    raw.extend(b"\r\nok");
    let mut reader = ChunkedReader::new(raw, Chunking::Fixed(4096));
    let read = within(LIMIT, "read_response on a head at MAX_HEAD", move || {
        read_response(&mut reader)
    });
    match read {
        Ok(response) if response.status == 200 && response.body == b"ok" => {}
        other => panic!(
            "read_response, 4096 bytes a read, on a valid response whose first MAX_HEAD \
             ({MAX_HEAD}) bytes are its status and header lines and whose blank line ends \
             just after them: expected Ok (status 200, body \"ok\"), got {other:?}. Holding \
             exactly MAX_HEAD bytes is not too many: give up only when you hold MORE than \
             MAX_HEAD without a blank line."
        ),
    }
}

/// A whole response: `head` (without the blank line), the blank line, `body`.
fn response_bytes(head: &str, body: &[u8]) -> Vec<u8> {
    [head.as_bytes(), b"\r\n\r\n", body].concat()
}

/// The readers step 15 gives `read_response`.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// `Content-Length`, a binary body, one byte per read, a read of the
    /// head interrupted once.
    LengthInterruptedInTheHead,
    /// No `Content-Length`: a binary body until EOF, 16 bytes per read, a
    /// read of the body interrupted once.
    UntilEofInterruptedInTheBody,
    /// `Content-Length: 5`, then more bytes than that before EOF.
    LengthThenMore,
}

#[rstest]
#[case::length_interrupted_in_the_head(Source::LengthInterruptedInTheHead)]
#[case::until_eof_interrupted_in_the_body(Source::UntilEofInterruptedInTheBody)]
#[case::length_then_more(Source::LengthThenMore)]
fn step15_read_response_from_any_reader(#[case] source: Source) {
    let _step = step!(LESSON);
    let binary = binary_body();
    let (raw, body, chunking, interrupted_at, about) = match source {
        Source::LengthInterruptedInTheHead => (
            response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 1024", &binary),
            binary.clone(),
            Chunking::Fixed(1),
            5,
            "a response with Content-Length: 1024 and a binary body, one byte per read, the \
             fifth read (in the head) failing once with ErrorKind::Interrupted",
        ),
        Source::UntilEofInterruptedInTheBody => (
            response_bytes("HTTP/1.0 200 OK", &binary),
            binary.clone(),
            Chunking::Fixed(16),
            10,
            "a response without Content-Length and a binary body until EOF, 16 bytes per read, \
             the tenth read (in the body) failing once with ErrorKind::Interrupted",
        ),
        Source::LengthThenMore => (
            response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 5", b"helloEXTRA BYTES"),
            b"hello".to_vec(),
            Chunking::Fixed(3),
            0,
            "a response with Content-Length: 5 followed by more bytes (\"helloEXTRA BYTES\"), \
             3 bytes per read",
        ),
    };
    let mut reader = InterruptedOnce::new(ChunkedReader::new(raw, chunking), interrupted_at);
    let (got, left) = within(LIMIT, "read_response", move || {
        let got = read_response(&mut reader);
        let mut left = Vec::new();
        let _ = reader.read_to_end(&mut left);
        (got, left)
    });
    let response = match got {
        Ok(response) => response,
        Err(HttpError::Io(e)) if e.kind() == io::ErrorKind::Interrupted => panic!(
            "read_response over {about} returned Err(HttpError::Io({e})): a read interrupted \
             by a signal lost nothing, retry it"
        ),
        Err(e) => panic!("read_response over {about} failed: {e} ({e:?})"),
    };
    assert_bytes_eq(
        &format!("the body read_response returned over {about}"),
        &body,
        &response.body,
    );
    if let Source::LengthThenMore = source {
        assert_bytes_eq(
            "what the reader still held after read_response returned: the bytes after the \
             body belong to whatever comes next (on a kept-alive connection, the next \
             response), so read the body's rest as exactly the bytes missing \
             (reader.take(missing)), not until EOF",
            b"EXTRA BYTES",
            &left,
        );
    }
}

/// What step 16 asks of a client that nobody answers.
#[derive(Debug, Clone, Copy)]
enum Quiet {
    /// `fetch_time` on a server that sends half the time and keeps the
    /// connection open, saying nothing more.
    FetchTimeFromASilentServer,
    /// `fetch_time` on an address where the connection is never answered.
    FetchTimeFromNobody,
    /// `http_get` on an address where the connection is never answered.
    HttpGetFromNobody,
}

#[rstest]
#[case::fetch_time_from_a_silent_server(Quiet::FetchTimeFromASilentServer)]
#[case::fetch_time_from_nobody(Quiet::FetchTimeFromNobody)]
#[case::http_get_from_nobody(Quiet::HttpGetFromNobody)]
fn step16_gives_up_in_time(#[case] quiet: Quiet) {
    let _step = step!(LESSON);
    let timeout = Duration::from_millis(400);
    match quiet {
        Quiet::FetchTimeFromASilentServer => {
            let (release, hold) = std::sync::mpsc::channel::<()>();
            let server = net::serve_one(move |mut s: TcpStream| {
                s.write_all(b"2026-11-21 10:")?;
                // Keep the connection open, silent, until the step is over.
                let _ = hold.recv_timeout(Duration::from_secs(20));
                Ok(())
            });
            let addr = server.addr;
            let got = within(
                LIMIT,
                "fetch_time(addr, 400 ms) against a server that sent part of the time and then \
                 went quiet without closing (a read timeout must end the wait)",
                move || fetch_time(addr, timeout),
            );
            drop(release);
            match got {
                Err(e) if testkit::is_timeout(&e) => {}
                other => panic!(
                    "fetch_time(addr, 400 ms): the server sent \"2026-11-21 10:\" and then \
                     nothing, without closing. Expected an io::Error of kind WouldBlock or \
                     TimedOut after about 400 ms (a read timeout), got {other:?}"
                ),
            }
        }
        Quiet::FetchTimeFromNobody => {
            let nobody = net::unanswering();
            let addr = nobody.addr;
            let got = within(
                LIMIT,
                "fetch_time(addr, 400 ms) to an address that never answers the connection (the \
                 timeout must bound the connect too)",
                move || fetch_time(addr, timeout),
            );
            match got {
                Err(e) if testkit::is_timeout(&e) => {}
                other => panic!(
                    "fetch_time(addr, 400 ms) to an address that never answers the connection: \
                     expected an io::Error of kind TimedOut after about 400 ms, got {other:?}"
                ),
            }
        }
        Quiet::HttpGetFromNobody => {
            let nobody = net::unanswering();
            let addr = nobody.addr;
            let got = within(
                LIMIT,
                "http_get(addr, .., 400 ms) to an address that never answers the connection \
                 (the timeout must bound the connect too)",
                move || http_get(addr, "localhost", "/", timeout),
            );
            match got {
                Err(HttpError::Io(e)) if testkit::is_timeout(&e) => {}
                other => panic!(
                    "http_get(addr, .., 400 ms) to an address that never answers the \
                     connection: expected Err(HttpError::Io(..)) of kind TimedOut after about \
                     400 ms, got {other:?}"
                ),
            }
        }
    }
}

#[rstest]
#[case::no_colon("HTTP/1.1 200 OK\r\nContent-Length 5")]
#[case::length_not_a_number("HTTP/1.1 200 OK\r\nContent-Length: five")]
#[case::negative_length("HTTP/1.1 200 OK\r\nContent-Length: -1")]
#[case::empty_length("HTTP/1.1 200 OK\r\nContent-Length:")]
#[case::length_with_a_sign("HTTP/1.1 200 OK\r\nContent-Length: +5")]
#[case::length_past_usize("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999")]
#[case::empty_name("HTTP/1.1 200 OK\r\n: no name")]
#[case::space_in_name("HTTP/1.1 200 OK\r\nContent Length: 5")]
fn step17_bad_headers_are_errors(#[case] head: &str) {
    let _step = step!(LESSON);
    let raw = response_bytes(head, b"hello");
    let shown = escape(&raw);
    let input = raw.clone();
    let parsed = within(LIMIT, "parse_response", move || {
        catch_quietly(|| parse_response(&input))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()))
    });
    let rule = "a header line is `Name: value`, the name not empty and without spaces, and \
                Content-Length must be a number of bytes (digits only): anything else is \
                Err(HttpError::BadHeader(line))";
    match parsed {
        Ok(Err(HttpError::BadHeader(_))) => {}
        Err(panic) => panic!("parse_response(\"{shown}\") {panic}\n{rule}, never a panic"),
        Ok(other) => panic!("parse_response(\"{shown}\"): {rule}; got {other:?}"),
    }
    let mut reader = ChunkedReader::new(raw, Chunking::Fixed(5));
    let read = within(LIMIT, "read_response", move || {
        catch_quietly(|| read_response(&mut reader))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()))
    });
    match read {
        Ok(Err(HttpError::BadHeader(_))) => {}
        Err(panic) => panic!(
            "read_response over \"{shown}\" (5 bytes per read) {panic}\n{rule}, never a panic"
        ),
        Ok(other) => {
            panic!("read_response over \"{shown}\" (5 bytes per read): {rule}; got {other:?}")
        }
    }
}

/// How many bytes of header lines step 18's head holds: close to
/// `MAX_HEAD`, so that searching it again on every read is slow for certain.
const LONG_HEAD: usize = 60_000;

/// A valid response whose head is about [`LONG_HEAD`] bytes of header lines.
fn long_head_response() -> Vec<u8> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Length: 4");
    let mut n = 0;
    while head.len() < LONG_HEAD {
        head.push_str(&format!("\r\nX-Padding-{n:05}: {}", "p".repeat(40)));
        n += 1;
    }
    response_bytes(&head, b"body")
}

/// What any reader may take, whatever the baseline: a busy machine must not
/// fail a correct reader (which takes a few milliseconds).
const SLOW_FLOOR: Duration = Duration::from_secs(1);

#[test]
fn step18_long_head_in_tiny_pieces_is_linear() {
    let _step = step!(LESSON);
    let raw = long_head_response();
    let head_len = raw.len() - 8;
    let baseline = testkit::chunking::one_byte_reads_baseline(&raw);
    let allowed = (baseline * testkit::chunking::SLOW_FACTOR).max(SLOW_FLOOR);
    let (done, outcome) = std::sync::mpsc::channel();
    let mut reader = ChunkedReader::new(raw, Chunking::Fixed(1));
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let result = catch_quietly(|| read_response(&mut reader))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()));
        let _ = done.send((started.elapsed(), result));
    });
    let about = format!("read_response on a {head_len}-byte head arriving one byte per read");
    let times = |took: Duration| took.as_secs_f64() / baseline.as_secs_f64().max(1e-9);
    let (took, result) = outcome.recv_timeout(allowed).unwrap_or_else(|_| {
        panic!(
            "{about} had not finished after {:.1} s, {:.0} times as long as the test took just \
             to read those bytes ({:.3} s): is the whole buffer searched again for the blank \
             line on every read? Only the new bytes (and the 3 before them) can complete it",
            allowed.as_secs_f64(),
            times(allowed),
            baseline.as_secs_f64()
        )
    });
    println!(
        "{about}: {:.3} s; the test's own reading of those bytes: {:.3} s ({:.0} times as long; \
         allowed: {:.1} s)",
        took.as_secs_f64(),
        baseline.as_secs_f64(),
        times(took),
        allowed.as_secs_f64()
    );
    match result {
        Ok(Ok(response)) if response.body == b"body" => {}
        Err(panic) => panic!("{about} {panic}"),
        Ok(other) => panic!(
            "{about}: the response is valid (its head is under MAX_HEAD, {MAX_HEAD} bytes) and \
             its body is \"body\": expected Ok with that body, got {other:?}"
        ),
    }
}

/// A chunked body: two pieces, each after its size in hex, then the piece
/// of size 0 that ends it. Decoded, it is `hello world`.
const CHUNKED_BODY: &[u8] = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

#[rstest]
#[case::chunked("Transfer-Encoding: chunked")]
#[case::name_in_lower_case("transfer-encoding: chunked")]
#[case::gzip_then_chunked("Transfer-Encoding: gzip, chunked")]
#[case::with_a_content_length("Content-Length: 11\r\nTransfer-Encoding: chunked")]
fn step19_chunked_response_is_refused(#[case] header: &str) {
    let _step = step!(LESSON);
    let coding = header
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let raw = response_bytes(
        &format!("HTTP/1.1 200 OK\r\n{header}\r\nConnection: close"),
        CHUNKED_BODY,
    );
    let shown = escape(&raw);
    let expected = format!("Err(HttpError::UnsupportedTransferEncoding({coding:?}))");
    let why = format!(
        "A `Transfer-Encoding` header says the body is not plain bytes: chunked, it comes in \
         pieces, each after its size in hex (\"{}\" is `hello world`). This client does not \
         decode it, and taking it as it is would put the sizes into the body: after parsing \
         the head, before taking the body, look for a Transfer-Encoding header (names ignore \
         case), whatever its value and even beside a Content-Length, and return {expected}",
        escape(CHUNKED_BODY)
    );
    let refused = |got: &Result<Response, HttpError>| matches!(got, Err(HttpError::UnsupportedTransferEncoding(v)) if v.eq_ignore_ascii_case(&coding));
    let described = |got: &Result<Response, HttpError>| match got {
        Ok(r) => format!(
            "Ok: {} {} with the body \"{}\"",
            r.status,
            r.reason,
            escape(&r.body)
        ),
        Err(e) => format!("Err({e:?})"),
    };
    // First in memory.
    let input = raw.clone();
    let parsed = within(LIMIT, "parse_response", move || {
        catch_quietly(|| parse_response(&input))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()))
    });
    match parsed {
        Ok(got) if refused(&got) => {}
        Ok(got) => panic!(
            "parse_response(\"{shown}\"): expected {expected}, got {}.\n{why}",
            described(&got)
        ),
        Err(panic) => panic!("parse_response(\"{shown}\") {panic}\n{why}, never a panic"),
    }
    // Then over a socket: a server that answers the GET with a chunked body.
    let (server, relay) = raw_server(&raw, Chunking::Fixed(7));
    let addr = relay.addr();
    let fetched = within(LIMIT, "http_get", move || {
        http_get(addr, "localhost", "/", LIMIT)
    });
    let request = server
        .requests()
        .first()
        .map(|r| escape(&r.raw_head))
        .unwrap_or_default();
    assert!(
        refused(&fetched),
        "http_get sent \"{request}\"; the server answered \"{shown}\" (7 bytes at a time) and \
         closed: expected {expected}, got {}.\n{why}",
        described(&fetched)
    );
}
