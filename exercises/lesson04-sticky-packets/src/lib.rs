//! Lesson 04: sticky packets, `send` vs `sendall`, and delimiter framing.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson04` (or `cargo checker 4`) to see which steps pass;
//! read `docs/src/04-sticky-packets.md` alongside.
//!
//! TCP delivers a stream of bytes, not a sequence of messages. Two `send`s
//! may arrive as one `recv` ("sticky packets"), one `send` may arrive as
//! several, and one `send` may even accept only part of what it was given.
//! This lesson sees each of those happen, then does it right:
//!
//! - [`read_message_naive`] is the tutorials' "one `recv(1024)` = one
//!   message", written to watch it break (steps 1-2);
//! - [`send_all`] is Python's `sendall`: loop until every byte is accepted,
//!   retrying interrupted and "not now" writes (steps 3-5);
//! - [`MessageReader`] frames messages with a delimiter (`\n`): it keeps its
//!   own buffer, so a message comes out whole however the bytes were cut, and
//!   the bytes after it wait for the next call; it refuses messages over a
//!   limit without buffering them (steps 6-10);
//! - [`reply_to`], [`handle_client`] and [`serve`] are a line server on top
//!   of it: each line comes back upper-cased, like the tutorials'
//!   `data.upper()` (steps 11-14);
//! - [`exchange`] is its client, which stops reading once it has one reply
//!   per line it sent (steps 15-16).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The buffer size of the naive reader: the tutorials' `recv(1024)`.
pub const NAIVE_BUF: usize = 1024;

/// The byte that ends every message on the wire.
pub const DELIMITER: u8 = b'\n';

/// The longest message (delimiter not counted) a [`MessageReader::new`]
/// accepts, and so the longest line the line server answers.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// How long [`send_all`] waits before retrying a write that said
/// `WouldBlock` ("not now").
pub const RETRY_PAUSE: Duration = Duration::from_millis(1);

/// How long [`send_all`] keeps retrying `WouldBlock` without a single byte
/// accepted before it gives up with `TimedOut`.
pub const STALL_LIMIT: Duration = Duration::from_secs(2);

/// What the line server answers to a line longer than [`MAX_MESSAGE`],
/// before it closes that connection.
pub const TOO_LONG_REPLY: &[u8] = b"ERROR line too long\n";

/// How long the line server waits for a client's next bytes before it
/// drops that client.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the line server waits for a client to take a reply.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes the line server reads and throws away while closing a
/// connection it refused (see [`handle_client`]).
pub const DRAIN_LIMIT: usize = 1024 * 1024;

/// How long the line server waits for more bytes while draining.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// Steps 1 and 2. The tutorials' reader: ONE `read` of up to [`NAIVE_BUF`]
/// bytes, taken to be one message. Python: `data = conn.recv(1024)`.
///
/// Make a `[0u8; NAIVE_BUF]` buffer, call `reader.read` once and return the
/// bytes it filled (`buf[..n]`). `Ok(0)` means the peer closed: return an
/// empty `Vec` (Python's `b''`), not an error. Retry only when the read
/// fails with `ErrorKind::Interrupted`; return any other error.
///
/// This is wrong on purpose: the steps show that one read may hold two
/// messages, or part of one.
pub fn read_message_naive<R: Read + ?Sized>(reader: &mut R) -> io::Result<Vec<u8>> {
    let _ = reader;
    todo!("one read into a NAIVE_BUF-byte buffer; return what it filled")
}

/// Steps 3, 4 and 5. Writes every byte of `buf` to `w`: Python's
/// `sendall`, std's `write_all` made to cope with non-blocking writers.
///
/// One `write` may accept fewer bytes than it was given (it returns how
/// many). Keep a count of the bytes sent and loop while some remain, each
/// time writing the rest, `&buf[sent..]`:
///
/// - `Ok(n)` with `n > 0`: `n` more bytes are sent;
/// - `Ok(0)`: the writer accepts nothing: return an error of kind
///   `ErrorKind::WriteZero`;
/// - `Err` of kind `Interrupted` (a signal arrived): try again at once;
/// - `Err` of kind `WouldBlock` ("not now": a full non-blocking socket, or
///   a write timeout that passed): sleep [`RETRY_PAUSE`] and try again; but
///   once no byte has been accepted for [`STALL_LIMIT`] (measure with
///   `Instant`), give up with an error of kind `ErrorKind::TimedOut`;
/// - any other error: return it.
///
/// An empty `buf` is sent without calling `write`. Do not flush.
pub fn send_all<W: Write + ?Sized>(w: &mut W, buf: &[u8]) -> io::Result<()> {
    let _ = (w, buf);
    todo!("loop until every byte is accepted")
}

/// Reads `\n`-delimited messages from any byte stream (steps 6 to 10).
///
/// It keeps the bytes it has read but not yet returned in its own buffer:
/// the start of the next message often arrives with the end of this one.
/// Memory stays bounded: at most the message limit plus one read's worth.
///
/// The fields below are a start; add what you need (for example how far
/// you have already searched for the delimiter, step 10).
pub struct MessageReader<R> {
    inner: R,
    /// Bytes read from `inner` but not returned yet.
    buf: Vec<u8>,
    max_len: usize,
}

impl<R> fmt::Debug for MessageReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageReader")
            .field("buffered", &self.buffered().len())
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl<R: Read> MessageReader<R> {
    /// A reader of messages of at most [`MAX_MESSAGE`] bytes.
    pub fn new(inner: R) -> Self {
        Self::with_max_len(inner, MAX_MESSAGE)
    }

    /// A reader of messages of at most `max_len` bytes (delimiter not
    /// counted).
    pub fn with_max_len(inner: R, max_len: usize) -> Self {
        MessageReader {
            inner,
            buf: Vec::new(),
            max_len,
        }
    }

    /// Steps 6 to 10. The next message, without its delimiter; `Ok(None)`
    /// when the stream ended cleanly between messages.
    ///
    /// 1. Look for [`DELIMITER`] in the buffered bytes. Found at `i`: the
    ///    message is the bytes before it; keep the bytes after it for the
    ///    next call and return `Ok(Some(message))`. A message longer than
    ///    `max_len` is an error of kind `InvalidData` (step 9), even when its
    ///    delimiter came in the same read.
    /// 2. Not found: if more than `max_len` bytes are waiting, return the
    ///    `InvalidData` error now, without reading further: memory must stay
    ///    bounded whatever the peer sends (step 9). Otherwise read a chunk
    ///    (a few KiB) from `inner`, append what arrived, and go to 1.
    ///    Retry a read that fails with `Interrupted`; return other errors.
    /// 3. A read of `Ok(0)` is the end of the stream: with no bytes waiting
    ///    it is `Ok(None)` (and stays `Ok(None)` if called again); with a
    ///    partial message waiting it is an error of kind `UnexpectedEof`
    ///    (step 8).
    ///
    /// Search only the bytes you have not searched yet: a long message that
    /// arrives one byte per read must not cost a search of the whole buffer
    /// per byte (step 10). Make errors with
    /// `io::Error::new(io::ErrorKind::InvalidData, "message too long")`.
    pub fn next_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        todo!("return the next \\n-terminated message, reading more only when needed")
    }
}

impl<R> MessageReader<R> {
    /// Bytes received but not returned yet: the start of the next message.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// The longest message this reader accepts.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The stream underneath, to write to it or set its options. Reading
    /// from it directly would skip the buffered bytes.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The stream underneath; the buffered bytes are dropped.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// `for message in reader { ... }`: each item is one message or the error
/// that ended the stream.
impl<R: Read> Iterator for MessageReader<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

/// Step 11. The line server's answer to one line: the line with ASCII
/// letters upper-cased, every other byte (even invalid UTF-8) kept as it is
/// (Python's `bytes.upper()`), then [`DELIMITER`]. `b"hi!"` -> `b"HI!\n"`.
pub fn reply_to(line: &[u8]) -> Vec<u8> {
    let _ = line;
    todo!("upper-case the ASCII letters and add the delimiter")
}

/// Steps 12 to 14. Serves one client of the line protocol until it is done:
/// each line `X\n` is answered with [`reply_to`]`(X)`.
///
/// - Set a read timeout of [`IDLE_TIMEOUT`] and a write timeout of
///   [`WRITE_TIMEOUT`]. Read lines with a [`MessageReader`] over the stream
///   and write each reply with [`send_all`] (`get_mut()` gives you the
///   stream to write to; or `try_clone()` it first).
/// - `Ok(None)` (the client closed or half-closed between lines): return
///   `Ok(())`; dropping the stream closes the connection.
/// - A line over [`MAX_MESSAGE`] bytes (`InvalidData`): send
///   [`TOO_LONG_REPLY`], then close politely: `shutdown(Shutdown::Write)`,
///   set a read timeout of [`DRAIN_TIMEOUT`], and read and throw away what
///   the client still sends, until EOF, an error, or [`DRAIN_LIMIT`] bytes.
///   Only then drop the stream and return the `InvalidData` error. (Closing
///   a socket that still holds unread bytes makes the kernel send a reset,
///   which can destroy the error line before the client reads it.)
/// - Any other error (a reset, a line cut short by EOF, a timeout) ends
///   this client: return it.
pub fn handle_client(stream: TcpStream) -> io::Result<()> {
    let _ = stream;
    todo!("read lines, answer each, close politely on a line too long")
}

/// Steps 12 to 14. The line server: accepts clients forever, running
/// [`handle_client`] for each on its own thread (`std::thread::spawn`), so
/// that one slow or rude client never holds up the others (step 13).
///
/// An error from `handle_client` ends that client only: print it
/// (`eprintln!`) and go on. A failed `accept` (an aborted handshake, no
/// file descriptors left) is printed too, and the loop goes on after a
/// short pause (say 50 ms). It never returns: `-> !`.
pub fn serve(listener: TcpListener) -> ! {
    let _ = listener;
    todo!("accept in a loop; a thread per client running handle_client")
}

/// Steps 15 and 16. The line client: connects to `addr`, sends every line
/// (each followed by `\n`, all of them in one [`send_all`]), and returns one
/// reply per line, without their delimiters.
///
/// - First, a line that contains `\n` would arrive as two lines: return an
///   error of kind `InvalidInput` and send nothing.
/// - Connect with `TcpStream::connect_timeout(&addr, timeout)` and set read
///   and write timeouts of `timeout`.
/// - Read the replies with a [`MessageReader`] (over `&stream`: `&TcpStream`
///   implements `Read`), calling `next_message` exactly `lines.len()` times.
///   Do not read until EOF: the server keeps the connection open for more
///   lines, so EOF would never come.
/// - `Ok(None)` before every reply came: an error of kind `UnexpectedEof`.
///   Other errors (a reply too long, a timeout) are returned as they are.
pub fn exchange(addr: SocketAddr, lines: &[&[u8]], timeout: Duration) -> io::Result<Vec<Vec<u8>>> {
    let _ = (addr, lines, timeout);
    todo!("send all lines, then read exactly one reply per line")
}
