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
//!   retrying interrupted and "not now" writes (steps 3-5 and 18);
//! - [`MessageReader`] frames messages with a delimiter (`\n`): it keeps its
//!   own buffer, so a message comes out whole however the bytes were cut, and
//!   the bytes after it wait for the next call; it refuses messages over a
//!   limit without buffering them (steps 6-10 and 17);
//! - [`reply_to`], [`handle_client`] and [`serve`] are a line server on top
//!   of it: each line comes back upper-cased, like the tutorials'
//!   `data.upper()` (steps 11-14 and 19);
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

/// How long, in all, the line server drains a connection it refused (see
/// [`handle_client`]): a deadline for the whole drain, not for each read.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// Steps 1 and 2. The tutorials' reader, Python's `data = conn.recv(1024)`:
/// returns what ONE read of at most [`NAIVE_BUF`] bytes gives, taken to be
/// one message. It never waits for more than that one read.
///
/// The peer having closed (a read of 0 bytes) is an empty `Vec` (Python's
/// `b''`), not an error. A read that fails with `ErrorKind::Interrupted` is
/// made again; any other error is returned.
///
/// This is wrong on purpose: the steps show that one read may hold two
/// messages, or part of one.
pub fn read_message_naive<R: Read + ?Sized>(reader: &mut R) -> io::Result<Vec<u8>> {
    let _ = reader;
    todo!("one read of at most NAIVE_BUF bytes")
}

/// Steps 3, 4, 5 and 18. Writes every byte of `buf` to `w`, in order:
/// Python's `sendall`, std's `write_all` made to cope with non-blocking
/// writers. Returns `Ok(())` once the writer has accepted them all.
///
/// What a `write` may answer, and what each means here:
///
/// - fewer bytes than it was given: those are sent, the rest are not yet;
/// - `Ok(0)`: the writer accepts nothing: an error of kind
///   `ErrorKind::WriteZero`;
/// - `Interrupted` (a signal): nothing happened, try again at once;
/// - `WouldBlock` ("not now": a full non-blocking socket, or a write
///   timeout that passed): try again after [`RETRY_PAUSE`], never in a busy
///   loop. A writer that accepts no byte for [`STALL_LIMIT`] is dead: an
///   error of kind `ErrorKind::TimedOut`. STALL_LIMIT bounds the time
///   without progress, not the whole call: a slow writer that keeps
///   accepting bytes is waited for (step 18);
/// - any other error: returned as it is.
///
/// An empty `buf` needs no `write` at all. It does not flush.
pub fn send_all<W: Write + ?Sized>(w: &mut W, buf: &[u8]) -> io::Result<()> {
    let _ = (w, buf);
    todo!("write until every byte is accepted")
}

/// Reads `\n`-delimited messages from any byte stream (steps 6 to 10 and
/// 17).
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

    /// Steps 6 to 10 and 17. The next message, without its delimiter,
    /// however the stream's bytes were cut; `Ok(None)` when the stream ended
    /// cleanly between messages (and again on every later call).
    ///
    /// - Bytes that follow a message's delimiter belong to the next call:
    ///   none is lost, none is returned twice. It reads from `inner` only
    ///   when the bytes it holds contain no whole message.
    /// - A message longer than `max_len` is an error of kind `InvalidData`
    ///   (step 9), even when its delimiter came in the same read. It is
    ///   refused as soon as more than `max_len` bytes wait without a
    ///   delimiter, so memory stays bounded (the limit plus one read's
    ///   worth) whatever the peer sends.
    /// - The stream ending inside a message is an error of kind
    ///   `UnexpectedEof` (step 8); the messages before it come out first.
    /// - A read that fails with `Interrupted` is made again. Other read
    ///   errors are returned; a read timeout (`WouldBlock` or `TimedOut`)
    ///   loses nothing: the bytes already buffered stay, and the next call
    ///   goes on from them (step 17).
    /// - The work is linear in the bytes received: a long message that
    ///   arrives one byte per read must not cost a search of everything
    ///   buffered after every byte (step 10).
    pub fn next_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        todo!("return the next \\n-terminated message")
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
    todo!("the upper-cased line and the delimiter")
}

/// Steps 12 to 14 and 19. Serves one client of the line protocol until it
/// is done: each line `X\n` is answered with [`reply_to`]`(X)`, in order,
/// however the client's bytes are cut; the connection stays open between
/// lines. One [`MessageReader`] serves the whole connection: the bytes it
/// holds after a line are the start of the next one.
///
/// - The client closing (or half-closing) between lines ends it: `Ok(())`,
///   and the connection closes.
/// - A client silent for [`IDLE_TIMEOUT`], or that does not take a reply
///   within [`WRITE_TIMEOUT`], is dropped with that timeout error.
/// - A line over [`MAX_MESSAGE`] bytes is answered [`TOO_LONG_REPLY`], and
///   the connection is then closed politely: no more bytes from the server
///   (EOF for the client), while what the client still sends is read and
///   thrown away, until its EOF, an error, [`DRAIN_LIMIT`] bytes, or
///   [`DRAIN_TIMEOUT`] after the drain began, whichever comes first. The
///   client must see the reply and then EOF, never a reset: closing a
///   socket that holds unread bytes, or that receives more once closed,
///   makes the kernel send a reset, which can destroy the reply before the
///   client reads it. `DRAIN_TIMEOUT` bounds the whole drain, not each
///   read: a client that trickles a byte now and then must not keep it
///   going (step 19). Returns the `InvalidData` error.
/// - Any other error (a reset, a line cut short by EOF) ends this client:
///   it is returned.
pub fn handle_client(stream: TcpStream) -> io::Result<()> {
    let _ = stream;
    todo!("answer each line; refuse a line too long politely")
}

/// Steps 12 to 14. The line server: accepts clients for ever and serves
/// each with [`handle_client`], all at once: one slow or rude client never
/// holds up the others (step 13).
///
/// An error from `handle_client` ends that client only: it is printed
/// (`eprintln!`) and the server goes on. A failed `accept` (an aborted
/// handshake, no file descriptors left) is printed too, and the server goes
/// on after a short pause (say 50 ms). It never returns: `-> !`.
pub fn serve(listener: TcpListener) -> ! {
    let _ = listener;
    todo!("accept clients for ever and serve them all at once")
}

/// Steps 15 and 16. The line client: connects to `addr`, sends every line
/// (each followed by `\n`), and returns one reply per line, in order,
/// without their delimiters.
///
/// - A line that contains `\n` would arrive as two lines: an error of kind
///   `InvalidInput`, before anything is sent (or even connected).
/// - The server keeps the connection open for more lines: the client stops
///   reading as soon as it holds one reply per line (EOF never comes). One
///   read may bring several replies: one [`MessageReader`] reads them all,
///   keeping what follows a reply for the next call.
/// - The server closing before every reply came is `UnexpectedEof`; a reply
///   over [`MAX_MESSAGE`] bytes is `InvalidData`.
/// - No wait lasts longer than `timeout`: connecting, each write, each
///   read; a wait that runs out is returned as its error (`TimedOut` or
///   `WouldBlock`).
pub fn exchange(addr: SocketAddr, lines: &[&[u8]], timeout: Duration) -> io::Result<Vec<Vec<u8>>> {
    let _ = (addr, lines, timeout);
    todo!("send the lines, then read one reply per line")
}
