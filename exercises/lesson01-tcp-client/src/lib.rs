//! Lesson 01: a TCP client on a raw socket.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson01` (or `cargo checker 1`) to see which steps pass;
//! read `docs/src/01-tcp-client.md` alongside.
//!
//! The classic tutorials open a socket, `connect`, `send` an HTTP request by
//! hand and `recv` the answer. This lesson does the same with
//! [`std::net::TcpStream`], and does it correctly where the tutorials cut
//! corners:
//!
//! - one `recv` is not the whole answer: a client reads until the server
//!   closes (EOF), because TCP is a byte stream without message boundaries;
//! - the answer is bytes, not text: the body is kept binary-safe, and only
//!   the head is parsed as text;
//! - the network fails: a refused connection and a timeout are values the
//!   caller can match (Python's `connect_ex`), and a malformed or truncated
//!   response is a clear error, never a panic.
//!
//! The pieces build on each other: [`build_request`], [`read_until_eof`],
//! [`split_head`], [`parse_head`], [`parse_response`], [`read_response`], then
//! [`http_get`], [`save_body`], [`connect_ex`] and the time client [`fetch_time`].

use std::fmt;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// The most bytes a response head may take. A server that never sends the
/// blank line must not make the client buffer without end.
pub const MAX_HEAD: usize = 64 * 1024;

/// A parsed HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `HTTP/1.1` or `HTTP/1.0`, as the status line says.
    pub version: String,
    /// The three-digit status code, e.g. 200.
    pub status: u16,
    /// The reason phrase, e.g. `OK` (may be empty).
    pub reason: String,
    /// Header names and values in the order received, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name`, ignoring case (HTTP
    /// header names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let _ = name;
        todo!("return the value of the first header whose name equals `name`, ignoring ASCII case")
    }
}

/// Why a response could not be read or understood.
#[derive(Debug)]
pub enum HttpError {
    /// The bytes ended before the blank line that ends the head.
    NoHeaderEnd,
    /// The head grew past [`MAX_HEAD`] bytes without a blank line.
    HeadTooLarge,
    /// The first line is not `HTTP/x.y NNN reason`.
    BadStatusLine(String),
    /// A header line has no `:` or is not text.
    BadHeader(String),
    /// `Content-Length` promised more bytes than arrived.
    TruncatedBody {
        /// What `Content-Length` said.
        expected: usize,
        /// What arrived before the server closed.
        got: usize,
    },
    /// Reading or writing the socket failed.
    Io(io::Error),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::NoHeaderEnd => write!(f, "the response ended before its blank line"),
            HttpError::HeadTooLarge => write!(f, "the response head is over {MAX_HEAD} bytes"),
            HttpError::BadStatusLine(line) => write!(f, "malformed status line: {line:?}"),
            HttpError::BadHeader(line) => write!(f, "malformed header line: {line:?}"),
            HttpError::TruncatedBody { expected, got } => {
                write!(
                    f,
                    "body truncated: Content-Length {expected}, got {got} bytes"
                )
            }
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// Why a connection could not be made: Python's `connect_ex` returns these
/// as error numbers; here they are values to match.
#[derive(Debug)]
pub enum ConnectError {
    /// Nobody listens there: the peer answered with a reset (`ECONNREFUSED`).
    Refused,
    /// No answer at all before the timeout.
    TimedOut,
    /// Any other failure.
    Other(io::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Refused => write!(f, "connection refused"),
            ConnectError::TimedOut => write!(f, "connection timed out"),
            ConnectError::Other(e) => write!(f, "could not connect: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// Step 1. The request a minimal HTTP/1.1 client sends for `path` on
/// `host`, as bytes:
///
/// ```text
/// GET {path} HTTP/1.1\r\n
/// Host: {host}\r\n
/// Connection: close\r\n
/// \r\n
/// ```
///
/// Every line ends in `\r\n`; the empty line ends the head. `Connection:
/// close` asks the server to close when it is done, so EOF marks the end.
pub fn build_request(host: &str, path: &str) -> Vec<u8> {
    let _ = (host, path);
    todo!("format the request line, the Host and Connection headers and the blank line")
}

/// Step 2. Reads from `reader` until EOF and returns every byte.
///
/// One `read` returns *some* bytes (as few as one), not "the message": loop,
/// appending each piece, until `read` returns `Ok(0)`, which means the peer
/// closed. Retry when a read fails with `ErrorKind::Interrupted`; return
/// any other error. Python: `while chunk := s.recv(4096): data += chunk`.
pub fn read_until_eof<R: Read>(reader: &mut R) -> io::Result<Vec<u8>> {
    let _ = reader;
    todo!("read in a loop until Ok(0)")
}

/// Step 4. Splits a raw response at the FIRST blank line (`\r\n\r\n`)
/// into the head (without the blank line) and the body (everything after
/// it, untouched: it may be binary and may itself contain `\r\n\r\n`).
///
/// No blank line: `Err(HttpError::NoHeaderEnd)`, or
/// `Err(HttpError::HeadTooLarge)` if `raw` is longer than [`MAX_HEAD`].
pub fn split_head(raw: &[u8]) -> Result<(&[u8], &[u8]), HttpError> {
    let _ = raw;
    todo!("find b\"\\r\\n\\r\\n\" and split around it")
}

/// Step 5. Parses a head (status line and header lines separated by `\r\n`,
/// without the blank line) into a [`Response`] with an empty body.
///
/// - The status line is `VERSION CODE REASON`: `VERSION` is `HTTP/` then
///   digits `.` digits, `CODE` exactly three digits, `REASON` the rest of
///   the line (may contain spaces, may be empty). Anything else is
///   `Err(HttpError::BadStatusLine(line))` (step 12).
/// - Each other line is `Name: value`, split at the first `:`; the value is
///   trimmed. A line without `:` is `Err(HttpError::BadHeader(line))`.
pub fn parse_head(head: &[u8]) -> Result<Response, HttpError> {
    let _ = head;
    todo!("parse the status line, then each header line")
}

/// Step 6. Parses a whole response (as read until EOF): [`split_head`], then
/// [`parse_head`], then the body. With a `Content-Length: N` header the body
/// is the first `N` bytes after the head (fewer is
/// `Err(HttpError::TruncatedBody { expected: N, got })`); without one it is
/// everything after the head.
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let _ = raw;
    todo!("split, parse the head, then take the body")
}

/// Steps 7, 11, 13, 14. Reads ONE response from a stream, however its bytes
/// are split:
///
/// 1. read until the buffer holds `\r\n\r\n`; EOF first is
///    `Err(HttpError::NoHeaderEnd)`; more than [`MAX_HEAD`] bytes without it
///    is `Err(HttpError::HeadTooLarge)` (never buffer without end);
/// 2. parse the head with [`parse_head`];
/// 3. the body: with `Content-Length: N`, read until you hold exactly `N`
///    body bytes (EOF first is `Err(HttpError::TruncatedBody { .. })`);
///    without it, read until EOF.
///
/// Read errors become `HttpError::Io`.
pub fn read_response<R: Read>(reader: &mut R) -> Result<Response, HttpError> {
    let _ = reader;
    todo!("read the head, parse it, read the body")
}

/// Steps 9 and 10. Connects to `addr`, giving up after `timeout`
/// (`TcpStream::connect_timeout`), and turns the failure into a value:
/// `ConnectionRefused` is [`ConnectError::Refused`], `TimedOut` is
/// [`ConnectError::TimedOut`], anything else [`ConnectError::Other`].
/// Python: `s.settimeout(t); s.connect_ex(addr)`.
pub fn connect_ex(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
    let _ = (addr, timeout);
    todo!("connect_timeout and map the error kind")
}

/// Step 7. Fetches `path` from the HTTP server at `addr`, sending `host` as
/// the `Host` header: connect (with `timeout`), set read and write timeouts
/// of `timeout`, write the whole request ([`build_request`], `write_all`),
/// then [`read_response`] from the stream.
pub fn http_get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<Response, HttpError> {
    let _ = (addr, host, path, timeout);
    todo!("connect, send the request, read the response")
}

/// Step 8. Writes the response's body to the file at `path`, byte for byte.
pub fn save_body(response: &Response, path: &Path) -> io::Result<()> {
    let _ = (response, path);
    todo!("write the body's bytes to the file")
}

/// Step 3. The time client: connects to `addr` (with `timeout`), sets a read
/// timeout, reads everything the server sends until it closes
/// ([`read_until_eof`]) and returns it as text. Bytes that are not UTF-8 are
/// an `io::Error` of kind `InvalidData`.
pub fn fetch_time(addr: SocketAddr, timeout: Duration) -> io::Result<String> {
    let _ = (addr, timeout);
    todo!("connect, read until EOF, decode UTF-8")
}
