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
    /// `HTTP/1.1` or `HTTP/1.0` (`HTTP/1.` and one digit), as the status line
    /// says.
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
        todo!("find the first header called `name`, ignoring ASCII case")
    }
}

/// Why a response could not be read or understood.
#[derive(Debug)]
pub enum HttpError {
    /// The bytes ended before the blank line that ends the head.
    NoHeaderEnd,
    /// The head grew past [`MAX_HEAD`] bytes without a blank line.
    HeadTooLarge,
    /// The first line is not `HTTP/1.x NNN reason`.
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
    /// The response has a `Transfer-Encoding` header (`chunked`, say): its
    /// body is not plain bytes, and this client does not decode it. Holds
    /// the header's value.
    UnsupportedTransferEncoding(String),
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
            HttpError::UnsupportedTransferEncoding(coding) => write!(
                f,
                "the body is sent with Transfer-Encoding: {coding}, which this client does not decode"
            ),
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

/// Step 2. Reads `reader` to its end (EOF: a read returns `Ok(0)`, the peer
/// closed) and returns every byte, in order, however the reader split them:
/// one read may return as little as one byte.
///
/// A read that fails with `ErrorKind::Interrupted` (a signal) lost nothing
/// and does not end the reading; any other error is returned. Python:
/// `while chunk := s.recv(4096): data += chunk`.
pub fn read_until_eof<R: Read>(reader: &mut R) -> io::Result<Vec<u8>> {
    let _ = reader;
    todo!("read until the end of the stream")
}

/// Step 4. Splits a raw response at its FIRST blank line (`\r\n\r\n`)
/// into the head (without the blank line) and the body (everything after
/// it, untouched: it may be binary and may itself contain `\r\n\r\n`).
///
/// No blank line: `Err(HttpError::NoHeaderEnd)`, or
/// `Err(HttpError::HeadTooLarge)` if `raw` is longer than [`MAX_HEAD`]. A
/// bare `\n\n` is not a blank line.
pub fn split_head(raw: &[u8]) -> Result<(&[u8], &[u8]), HttpError> {
    let _ = raw;
    todo!("split at the first blank line")
}

/// Steps 5, 12 and 17. Parses a head (status line and header lines
/// separated by `\r\n`, without the blank line) into a [`Response`] with an
/// empty body.
///
/// - The status line is `VERSION CODE REASON`, one space between the
///   parts: `VERSION` is `HTTP/1.` and one digit (HTTP/1.x: `HTTP/2.0`,
///   `HTTX/1.1` and `http/1.1` are not); `CODE` is exactly three ASCII
///   digits (no sign); `REASON` is the rest of the line, which may contain
///   spaces or be empty. Anything else is
///   `Err(HttpError::BadStatusLine(line))`.
/// - Each other line is `Name: value`: the name is what comes before the
///   first `:` (not empty, no spaces), the value what follows it, trimmed.
///   A line without `:`, or whose name is empty or holds a space, is
///   `Err(HttpError::BadHeader(line))`.
/// - A head that is not UTF-8 is a `BadStatusLine`.
pub fn parse_head(head: &[u8]) -> Result<Response, HttpError> {
    let _ = head;
    todo!("parse the status line, then each header line")
}

/// Steps 6, 11 to 13, 17 and 19. Parses a whole response (as read until
/// EOF): the head as [`split_head`] and [`parse_head`] say, then the body.
///
/// - The body is bytes, byte for byte: it may be binary (not UTF-8).
/// - With a `Content-Length: N` header it is the first `N` bytes after the
///   head; fewer than `N` is `Err(HttpError::TruncatedBody { expected: N,
///   got })`, never a panic and never a shorter body. Without the header it
///   is everything after the head.
/// - `N` must be a number of bytes: ASCII digits that fit a `usize`.
///   Anything else (`five`, `-1`, nothing) is `Err(HttpError::BadHeader(..))`.
/// - This client knows only those two ways to find the body's end. A
///   `Transfer-Encoding` header (any value: `chunked`, `gzip, chunked`, ...)
///   says the body is sent another way (chunked: pieces, each after its
///   size in hex, up to a piece of size 0), which it does not decode:
///   `Err(HttpError::UnsupportedTransferEncoding(value))`, even when there
///   is a `Content-Length` too (step 19).
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let _ = raw;
    todo!("split the response, parse its head, take its body")
}

/// Steps 7, 11, 13 to 15, 17 to 19. Reads ONE response from any reader,
/// however its bytes are split (one byte per read at worst), with the same
/// result and errors as [`parse_response`] on the same bytes, and:
///
/// - The head: EOF before its blank line is `Err(HttpError::NoHeaderEnd)`.
///   More than [`MAX_HEAD`] bytes without a blank line is
///   `Err(HttpError::HeadTooLarge)`, having read at most one read's worth
///   past `MAX_HEAD`: memory stays bounded whatever the peer sends.
/// - The body: with `Content-Length: N`, exactly `N` bytes, even when the
///   reader has more after them; EOF first is `TruncatedBody`. Without it,
///   everything until EOF. A `Transfer-Encoding` header is
///   `Err(HttpError::UnsupportedTransferEncoding(value))`, as in
///   [`parse_response`], without reading the body.
/// - A read that fails with `ErrorKind::Interrupted` lost nothing: it does
///   not end the reading. Other read errors (a read timeout included) are
///   `Err(HttpError::Io(e))`.
/// - The work is linear in the response's size: a long head arriving one
///   byte per read must not cost a search of everything received so far
///   after every byte. After each read, search for the blank line only in
///   the bytes that read brought and the 3 before them (a `\r\n\r\n` can
///   straddle two reads) (step 18).
pub fn read_response<R: Read>(reader: &mut R) -> Result<Response, HttpError> {
    let _ = reader;
    todo!("read the head, parse it, read the body")
}

/// Steps 9 and 10. Connects to `addr`, waiting at most `timeout`, and
/// returns the failure as a value: nobody listening (the connection is
/// refused) is [`ConnectError::Refused`], no answer within `timeout` is
/// [`ConnectError::TimedOut`], anything else [`ConnectError::Other`]. Never
/// a panic, never a retry. Python: `s.settimeout(t); s.connect_ex(addr)`.
pub fn connect_ex(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
    let _ = (addr, timeout);
    todo!("connect within the timeout; tell refused from timed out")
}

/// Steps 7, 11, 13, 14, 16 and 19. Fetches `path` from the HTTP server at
/// `addr`: sends the whole request [`build_request`]`(host, path)` and
/// returns the response as [`read_response`] reads it from the connection
/// (so a server that answers `Transfer-Encoding: chunked` is
/// `Err(HttpError::UnsupportedTransferEncoding(..))`).
///
/// No wait lasts longer than `timeout`: not connecting (a server that never
/// answers), not a write, not a read (a server that stops sending without
/// closing). A wait that runs out is `Err(HttpError::Io(e))`, `e` as the
/// socket gave it: of kind `TimedOut` (a connect timeout) or `WouldBlock`
/// (a read or write timeout on Linux and other Unixes: `EAGAIN`).
pub fn http_get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<Response, HttpError> {
    let _ = (addr, host, path, timeout);
    todo!("connect, send the request, read the response")
}

/// Step 8. Writes the response's body to the file at `path`, byte for byte
/// (a binary body stays binary).
pub fn save_body(response: &Response, path: &Path) -> io::Result<()> {
    let _ = (response, path);
    todo!("write the body's bytes to the file")
}

/// Steps 3 and 16. The time client: connects to `addr`, reads everything
/// the server sends until it closes, and returns it as text. Bytes that are
/// not UTF-8 are an `io::Error` of kind `InvalidData`.
///
/// No wait lasts longer than `timeout`: not connecting, not a read. A
/// server that never answers, or sends part of the time and then goes
/// quiet without closing, ends in the socket's own `io::Error`: of kind
/// `TimedOut` (a connect timeout) or `WouldBlock` (a read timeout on Linux
/// and other Unixes: `EAGAIN`).
pub fn fetch_time(addr: SocketAddr, timeout: Duration) -> io::Result<String> {
    let _ = (addr, timeout);
    todo!("connect, read until the server closes, decode the text")
}
