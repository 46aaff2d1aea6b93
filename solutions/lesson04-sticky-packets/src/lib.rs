//! Lesson 04: sticky packets, `send` vs `sendall`, and delimiter framing.
//!
//! TCP delivers a stream of bytes, not a sequence of messages. Two `send`s
//! may arrive as one `recv` ("sticky packets"), one `send` may arrive as
//! several, and one `send` may even accept only part of what it was given.
//! This lesson sees each of those happen, then does it right:
//!
//! - [`read_message_naive`] is the tutorials' "one `recv(1024)` = one
//!   message", kept to show how it breaks;
//! - [`send_all`] is Python's `sendall`: it loops until every byte is
//!   accepted, retrying interrupted and "not now" writes;
//! - [`MessageReader`] frames messages with a delimiter (`\n`): it keeps its
//!   own buffer, so a message is returned whole however the bytes were cut,
//!   and the bytes after it wait for the next call; it refuses messages over a
//!   limit without buffering them;
//! - [`handle_client`] and [`serve`] are a line server on top of it (each
//!   line comes back upper-cased, like the tutorials' `data.upper()`), and
//!   [`exchange`] its client, which stops reading once it has one reply per
//!   line it sent.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

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

/// The size of the chunks a [`MessageReader`] reads at a time.
const CHUNK: usize = 8 * 1024;

/// The tutorials' reader: ONE read of up to [`NAIVE_BUF`] bytes, taken to be
/// one message. An empty result means the peer closed.
///
/// This is wrong on purpose: TCP keeps no message boundaries, so the bytes
/// of one read may be two messages, or half of one.
pub fn read_message_naive<R: Read + ?Sized>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; NAIVE_BUF];
    loop {
        match reader.read(&mut buf) {
            Ok(n) => return Ok(buf[..n].to_vec()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes every byte of `buf` to `w`: Python's `sendall`, `write_all` with
/// non-blocking writers in mind.
///
/// A single `write` may accept fewer bytes than it was given; this loops,
/// sending the rest, until all are accepted. `Interrupted` is retried at
/// once; `WouldBlock` ("not now": a full non-blocking socket, or a write
/// timeout) is retried after [`RETRY_PAUSE`], until no byte has been
/// accepted for [`STALL_LIMIT`], which is an error of kind `TimedOut`. A
/// write that accepts nothing (`Ok(0)`) is `WriteZero`; other errors are
/// returned as they are. It does not flush.
pub fn send_all<W: Write + ?Sized>(w: &mut W, buf: &[u8]) -> io::Result<()> {
    let mut sent = 0;
    let mut last_progress = Instant::now();
    while sent < buf.len() {
        match w.write(&buf[sent..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!(
                        "the writer accepted nothing after {sent} of {} bytes",
                        buf.len()
                    ),
                ));
            }
            Ok(n) => {
                sent += n;
                last_progress = Instant::now();
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if last_progress.elapsed() >= STALL_LIMIT {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "no byte accepted for {:.1} s; {sent} of {} bytes sent",
                            STALL_LIMIT.as_secs_f64(),
                            buf.len()
                        ),
                    ));
                }
                thread::sleep(RETRY_PAUSE);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads `\n`-delimited messages from any byte stream.
///
/// It keeps the bytes it has read but not yet returned in its own buffer:
/// the start of the next message often arrives with the end of this one.
/// Memory stays bounded: at most the message limit plus one read's worth.
///
/// ```
/// use lesson04::MessageReader;
///
/// let mut messages = MessageReader::new(&b"hello\nworld\n"[..]);
/// assert_eq!(messages.next_message()?, Some(b"hello".to_vec()));
/// assert_eq!(messages.next_message()?, Some(b"world".to_vec()));
/// assert_eq!(messages.next_message()?, None);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct MessageReader<R> {
    inner: R,
    /// Bytes read: `buf[..start]` were returned, `buf[start..]` are pending.
    buf: Vec<u8>,
    start: usize,
    /// `buf[start..scanned]` holds no delimiter: never search it twice.
    scanned: usize,
    max_len: usize,
    chunk: Box<[u8]>,
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
            start: 0,
            scanned: 0,
            max_len,
            chunk: vec![0; CHUNK].into_boxed_slice(),
        }
    }

    /// The next message, without its delimiter; `Ok(None)` when the stream
    /// ended cleanly between messages.
    ///
    /// Errors: `UnexpectedEof` when the stream ends inside a message;
    /// `InvalidData` when a message is longer than the limit (found without
    /// buffering it whole); the stream's own errors. A read timeout
    /// (`WouldBlock` / `TimedOut`) loses nothing: call again to go on. After
    /// any other error the stream is out of step: drop the reader.
    pub fn next_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = self.buf[self.scanned..]
                .iter()
                .position(|&b| b == DELIMITER)
            {
                let end = self.scanned + i;
                if end - self.start > self.max_len {
                    return Err(self.too_long());
                }
                let message = self.buf[self.start..end].to_vec();
                self.start = end + 1;
                self.scanned = self.start;
                return Ok(Some(message));
            }
            self.scanned = self.buf.len();
            if self.buf.len() - self.start > self.max_len {
                return Err(self.too_long());
            }
            self.compact();
            let n = loop {
                match self.inner.read(&mut self.chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                let partial = self.buffered().len();
                if partial == 0 {
                    return Ok(None);
                }
                // Forget the fragment: the next call sees a clean end.
                self.buf.clear();
                self.start = 0;
                self.scanned = 0;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the stream ended inside a message ({partial} bytes without a \\n)"),
                ));
            }
            self.buf.extend_from_slice(&self.chunk[..n]);
        }
    }

    /// Moves the pending bytes to the front of the buffer. Done only before
    /// a read, so each byte moves at most once per message returned.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
    }

    fn too_long(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message is longer than {} bytes", self.max_len),
        )
    }
}

impl<R> MessageReader<R> {
    /// Bytes received but not returned yet: the start of the next message.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
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

/// The line server's answer to one line: the line with ASCII letters
/// upper-cased (other bytes, even invalid UTF-8, kept as they are: Python's
/// `bytes.upper()`), then the delimiter.
pub fn reply_to(line: &[u8]) -> Vec<u8> {
    let mut reply = line.to_ascii_uppercase();
    reply.push(DELIMITER);
    reply
}

/// Serves one client of the line protocol until it closes: each line `X\n`
/// is answered `reply_to(X)` ([`reply_to`]).
///
/// - At a clean end (the client closed or half-closed between lines)
///   returns `Ok(())`; the connection closes when the stream is dropped.
/// - A line over [`MAX_MESSAGE`] bytes is answered [`TOO_LONG_REPLY`], then
///   the connection is closed politely: shut down the writing half, read and
///   throw away what the client still sends (at most [`DRAIN_LIMIT`] bytes,
///   for at most [`DRAIN_TIMEOUT`] in all). Closing a socket with unread
///   bytes makes the kernel send a reset, which may destroy the error line
///   before the client reads it. Returns the `InvalidData` error.
/// - Any other error (a reset, a line cut short by EOF, an idle client past
///   [`IDLE_TIMEOUT`]) ends this client with that error.
pub fn handle_client(stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut lines = MessageReader::new(stream);
    loop {
        match lines.next_message() {
            Ok(Some(line)) => send_all(lines.get_mut(), &reply_to(&line))?,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let stream = lines.into_inner();
                send_all(&mut &stream, TOO_LONG_REPLY)?;
                close_gracefully(&stream);
                return Err(e);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("client idle for {} s", IDLE_TIMEOUT.as_secs()),
                ));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Half-closes, then drains what the peer still sends, so that closing
/// does not turn into a reset that destroys our last reply. The drain ends
/// at the peer's EOF, an error, [`DRAIN_LIMIT`] bytes or [`DRAIN_TIMEOUT`]
/// after it began.
fn close_gracefully(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut sink = [0u8; CHUNK];
    let mut drained = 0;
    let mut reader = stream;
    while drained < DRAIN_LIMIT {
        // Each read waits only for the time left: a read timeout alone
        // starts again with every byte, and a peer trickling one byte a
        // second would keep the drain going for days.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match reader.read(&mut sink) {
            Ok(0) => return,
            Ok(n) => drained += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The line server: accepts clients forever, each on its own thread running
/// [`handle_client`], so that one slow or rude client never holds up the
/// others. A failed `accept` (an aborted handshake, no file descriptors
/// left) is reported and the loop goes on after a short pause.
pub fn serve(listener: TcpListener) -> ! {
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                let spawned =
                    thread::Builder::new()
                        .name(format!("client {peer}"))
                        .spawn(move || {
                            if let Err(e) = handle_client(stream) {
                                eprintln!("line server: {peer}: {e}");
                            }
                        });
                if let Err(e) = spawned {
                    eprintln!("line server: no thread for {peer}: {e}");
                }
            }
            Err(e) => {
                eprintln!("line server: accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The line client: connects to `addr`, sends every line (each followed by
/// `\n`, all in one [`send_all`]), and returns one reply per line, without
/// their delimiters.
///
/// It stops reading once it has as many replies as lines: the server keeps
/// the connection open, so waiting for EOF would wait forever. A line that
/// contains `\n` would be read as two lines: `InvalidInput`, nothing sent.
/// The server closing early is `UnexpectedEof`; a reply over
/// [`MAX_MESSAGE`] is `InvalidData`. Connecting, each read and each write
/// give up after `timeout`.
pub fn exchange(addr: SocketAddr, lines: &[&[u8]], timeout: Duration) -> io::Result<Vec<Vec<u8>>> {
    if let Some(bad) = lines.iter().find(|line| line.contains(&DELIMITER)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the line {:?} contains \\n, which would end it early",
                String::from_utf8_lossy(bad)
            ),
        ));
    }
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        request.extend_from_slice(line);
        request.push(DELIMITER);
    }
    send_all(&mut &stream, &request)?;
    let mut replies = MessageReader::new(&stream);
    let mut got = Vec::with_capacity(lines.len());
    while got.len() < lines.len() {
        match replies.next_message()? {
            Some(reply) => got.push(reply),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the server closed after {} of {} replies",
                        got.len(),
                        lines.len()
                    ),
                ));
            }
        }
    }
    Ok(got)
}
