//! Lesson 01: a TCP client on a raw socket.
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
use std::io::{self, Read, Write};
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
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

/// The request a minimal HTTP/1.1 client sends for `path` on `host`:
/// `GET path HTTP/1.1`, a `Host` header, `Connection: close` (so the server
/// closes when done and EOF marks the end), and the blank line, every line
/// ending in `\r\n`.
pub fn build_request(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// Reads from `reader` until EOF and returns every byte, however the bytes
/// were split on the way. Python: `while chunk := s.recv(4096): data += chunk`.
pub fn read_until_eof<R: Read>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(data),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Splits a raw response at the first blank line (`\r\n\r\n`) into the head
/// (without the blank line) and the body.
pub fn split_head(raw: &[u8]) -> Result<(&[u8], &[u8]), HttpError> {
    match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => Ok((&raw[..i], &raw[i + 4..])),
        None if raw.len() > MAX_HEAD => Err(HttpError::HeadTooLarge),
        None => Err(HttpError::NoHeaderEnd),
    }
}

/// Parses a head (status line and header lines, `\r\n`-separated) into a
/// [`Response`] with an empty body.
pub fn parse_head(head: &[u8]) -> Result<Response, HttpError> {
    let text = std::str::from_utf8(head)
        .map_err(|_| HttpError::BadStatusLine(String::from_utf8_lossy(head).into_owned()))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let (version, status, reason) = parse_status_line(status_line)
        .ok_or_else(|| HttpError::BadStatusLine(status_line.to_owned()))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
            .ok_or_else(|| HttpError::BadHeader(line.to_owned()))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(Response {
        version,
        status,
        reason,
        headers,
        body: Vec::new(),
    })
}

/// `HTTP/1.1 200 OK` -> (`HTTP/1.1`, 200, `OK`): the version `HTTP/1.`
/// and one digit, a space, exactly three digits, then (after a space) the
/// reason, which may be empty or hold spaces.
fn parse_status_line(line: &str) -> Option<(String, u16, String)> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    let reason = parts.next().unwrap_or("");
    let minor = version.strip_prefix("HTTP/1.")?;
    if minor.len() != 1 || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `parse` alone would take `+99`: check the digits first.
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((version.to_owned(), code.parse().ok()?, reason.to_owned()))
}

/// A `Content-Length` value: ASCII digits that fit a `usize` (`parse`
/// alone would also take a leading `+`).
fn content_length(value: &str) -> Result<usize, HttpError> {
    value
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| value.parse().ok())
        .flatten()
        .ok_or_else(|| HttpError::BadHeader(format!("Content-Length: {value}")))
}

/// Refuses a body sent with a `Transfer-Encoding` (`chunked`, ...): this
/// client finds a body's end by `Content-Length` or EOF only, and taking a
/// chunked body as it is would keep the chunk sizes in it.
fn refuse_transfer_encoding(response: &Response) -> Result<(), HttpError> {
    match response.header("Transfer-Encoding") {
        Some(coding) => Err(HttpError::UnsupportedTransferEncoding(coding.to_owned())),
        None => Ok(()),
    }
}

/// Parses a whole response read until EOF: the head, then the body. With a
/// `Content-Length`, the body is that many bytes (fewer is
/// [`HttpError::TruncatedBody`]); without one, it is everything after the
/// head. A `Transfer-Encoding` is [`HttpError::UnsupportedTransferEncoding`].
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let (head, body) = split_head(raw)?;
    let mut response = parse_head(head)?;
    refuse_transfer_encoding(&response)?;
    match response.header("Content-Length") {
        Some(value) => {
            let expected = content_length(value)?;
            if body.len() < expected {
                return Err(HttpError::TruncatedBody {
                    expected,
                    got: body.len(),
                });
            }
            response.body = body[..expected].to_vec();
        }
        None => response.body = body.to_vec(),
    }
    Ok(response)
}

/// Reads one response from a stream: the head up to the blank line (at most
/// [`MAX_HEAD`] bytes, however the bytes were split), then the body: exactly
/// `Content-Length` bytes when the head gives one, else everything until EOF
/// (a `Transfer-Encoding` is refused, as [`parse_response`] does).
pub fn read_response<R: Read>(reader: &mut R) -> Result<Response, HttpError> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut scanned: usize = 0;
    let head_end = loop {
        // Only the new bytes (and the three before them) can complete the
        // blank line: scanning from the start each time would be quadratic.
        let from = scanned.saturating_sub(3);
        if let Some(i) = data[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            break from + i;
        }
        scanned = data.len();
        if data.len() > MAX_HEAD {
            return Err(HttpError::HeadTooLarge);
        }
        match reader.read(&mut buf) {
            Ok(0) => return Err(HttpError::NoHeaderEnd),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    };
    let mut response = parse_head(&data[..head_end])?;
    refuse_transfer_encoding(&response)?;
    let mut body = data.split_off(head_end + 4);
    match response.header("Content-Length") {
        Some(value) => {
            let expected = content_length(value)?;
            let missing = expected.saturating_sub(body.len()) as u64;
            reader.take(missing).read_to_end(&mut body)?;
            if body.len() < expected {
                return Err(HttpError::TruncatedBody {
                    expected,
                    got: body.len(),
                });
            }
            body.truncate(expected);
        }
        None => body.extend(read_until_eof(reader)?),
    }
    response.body = body;
    Ok(response)
}

/// Connects to `addr`, giving up after `timeout`, and tells a refused
/// connection from a timeout. Python: `s.settimeout(t); s.connect_ex(addr)`.
pub fn connect_ex(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
    TcpStream::connect_timeout(&addr, timeout).map_err(|e| match e.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectError::TimedOut,
        _ => ConnectError::Other(e),
    })
}

/// Fetches `path` from the HTTP server at `addr` (sending `host` as the
/// `Host` header): connect, send the request, read until EOF, parse. Every
/// read and write gives up after `timeout`.
pub fn http_get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<Response, HttpError> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&build_request(host, path))?;
    read_response(&mut stream)
}

/// Writes the response's body to `path`, byte for byte.
pub fn save_body(response: &Response, path: &Path) -> io::Result<()> {
    std::fs::write(path, &response.body)
}

/// The time client: connects to `addr`, reads everything the server sends
/// until it closes, and returns it as text (invalid UTF-8 is an error).
pub fn fetch_time(addr: SocketAddr, timeout: Duration) -> io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    let bytes = read_until_eof(&mut stream)?;
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
