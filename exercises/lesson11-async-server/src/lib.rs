//! Lesson 11: lesson 02's greeting server again, as tokio tasks instead of
//! threads.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson11` (or `cargo checker 11`) to see which steps pass;
//! read `docs/src/11-async-server.md` alongside.
//!
//! Lesson 02 gave every client a thread. Here every client gets a *task*: a
//! future the tokio runtime polls on a few worker threads, which costs a few
//! hundred bytes instead of a thread's stack. The protocol is lesson 02's,
//! with one command more (`wait N`, standing for slow work):
//!
//! ```text
//! server: Hello, I am server!
//! client: Michael             server: Hello, Michael!
//! client: wait 500            server: Waiting 500 ms        (at once)
//!                             server: Done waiting 500 ms   (0.5 s later)
//! client: exit                server closes the connection
//! ```
//!
//! and it is done the way a real server must:
//!
//! - messages are framed by a codec ([`TextCodec`]): tokio-util's
//!   `LinesCodec` with a maximum length (lesson 04's delimiter), or a
//!   `LengthDelimitedCodec` for lesson 05's length-prefixed frames;
//! - every read waits at most [`Config::idle_timeout`] and every write at
//!   most [`Config::write_timeout`] (`tokio::time::timeout`);
//! - no task ever blocks its thread: a wait is `tokio::time::sleep(..).await`;
//! - at most [`Config::max_connections`] clients are served at once (a
//!   `tokio::sync::Semaphore`); the next ones wait in the listen backlog;
//! - shutdown is graceful: when the `shutdown` future completes, [`serve`]
//!   stops accepting, tells every connection [`GOODBYE`] (a
//!   `tokio_util::sync::CancellationToken` each task `select!`s on), waits
//!   for their tasks, aborts those still running after
//!   [`Config::drain_timeout`], and returns a [`Report`]. No task outlives
//!   it: the tests count them.
//!
//! The pieces build on each other: [`reply`], [`TextCodec`] (lines, then
//! frames), [`converse`] (one client), then [`serve`]. The constants and
//! types down to [`Report`] are complete: use them.

use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec, LinesCodec};
use tokio_util::sync::CancellationToken;

/// What the server says to every client that connects.
pub const GREETING: &str = "Hello, I am server!";

/// What every connected client hears when the server shuts down.
pub const GOODBYE: &str = "The server is shutting down. Goodbye!";

/// What a client hears when it stays silent longer than
/// [`Config::idle_timeout`].
pub const TIMED_OUT: &str = "You said nothing for too long. Goodbye!";

/// What a client hears when it sends a message longer than
/// [`Config::max_message`].
pub const TOO_LONG: &str = "Your message is too long. Goodbye!";

/// What a client hears when its message is not UTF-8 text.
pub const NOT_TEXT: &str = "Your message is not UTF-8 text. Goodbye!";

/// The longest wait a client may ask for with `wait N` (milliseconds).
pub const MAX_WAIT_MS: u64 = 60_000;

/// How a connection frames its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Lines ending in `\n` (a `\r` before it is dropped): lessons 02 and 04.
    Lines,
    /// Length-prefixed frames: lesson 05's 4-byte header, then the payload.
    Frames(Header),
}

/// Lesson 05's frame headers: 4 bytes holding the payload's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// The tutorials' `struct.pack('i', len)`: signed, in the machine's own
    /// byte order, which is little-endian on the x86 and ARM they ran on.
    I32Le,
    /// `struct.pack('!I', len)`: unsigned, network (big-endian) order.
    U32Be,
}

impl Header {
    /// Every header is 4 bytes long.
    pub const SIZE: usize = 4;

    /// The header for a payload of `len` bytes; a length the header cannot
    /// hold is an `InvalidInput` error.
    pub fn encode(self, len: usize) -> io::Result<[u8; 4]> {
        let too_long = || io::Error::new(io::ErrorKind::InvalidInput, "frame too long");
        match self {
            Header::I32Le => i32::try_from(len)
                .map(i32::to_le_bytes)
                .map_err(|_| too_long()),
            Header::U32Be => u32::try_from(len)
                .map(u32::to_be_bytes)
                .map_err(|_| too_long()),
        }
    }
}

/// How a server runs: its framing, its limits and its deadlines.
#[derive(Debug, Clone)]
pub struct Config {
    /// Lines or frames.
    pub protocol: Protocol,
    /// The longest message (line without its `\n`, or frame payload) a
    /// client may send.
    pub max_message: usize,
    /// How long a read may wait for the client's next message.
    pub idle_timeout: Duration,
    /// How long one write to a client may take.
    pub write_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
    /// After shutdown, how long connections get to end before they are
    /// aborted.
    pub drain_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            protocol: Protocol::Lines,
            max_message: 64 * 1024,
            idle_timeout: Duration::from_secs(300),
            write_timeout: Duration::from_secs(10),
            max_connections: 1024,
            drain_timeout: Duration::from_secs(5),
        }
    }
}

/// What the server does with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Send this text.
    Send(String),
    /// Wait this long (slow work), then say so.
    Wait(Duration),
    /// The client said `exit`: close the connection.
    Close,
}

/// Why a message could not be read or written.
#[derive(Debug)]
pub enum MessageError {
    /// Longer than [`Config::max_message`].
    TooLong,
    /// Not UTF-8 text.
    NotText,
    /// The socket failed, timed out, or closed in the middle of a message.
    Io(io::Error),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::TooLong => write!(f, "a message was longer than the limit"),
            MessageError::NotText => write!(f, "a message was not UTF-8 text"),
            MessageError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for MessageError {}

impl From<io::Error> for MessageError {
    fn from(e: io::Error) -> Self {
        MessageError::Io(e)
    }
}

/// How a conversation ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The client said `exit`.
    Exit,
    /// The client closed the connection between messages.
    Eof,
    /// The client was silent longer than [`Config::idle_timeout`].
    TimedOut,
    /// The server shut down and said [`GOODBYE`].
    Shutdown,
}

/// What [`serve`] did, counted when it returns. Every accepted connection
/// is counted once more, in exactly one of the other fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Connections accepted.
    pub accepted: usize,
    /// Ended by the client: [`Ending::Exit`] or [`Ending::Eof`].
    pub completed: usize,
    /// [`Ending::TimedOut`].
    pub timed_out: usize,
    /// [`Ending::Shutdown`]: told [`GOODBYE`].
    pub said_goodbye: usize,
    /// Ended by [`MessageError::TooLong`] or [`MessageError::NotText`].
    pub refused: usize,
    /// Ended by [`MessageError::Io`], or by a panic in its task.
    pub failed: usize,
    /// Still running [`Config::drain_timeout`] after shutdown: aborted.
    pub aborted: usize,
}

/// Step 1. The server's answer to one message (given without its line
/// ending or frame header):
///
/// - exactly `exit` (no trimming, no other case): [`Reply::Close`];
/// - `wait N`, where `N` is one or more ASCII digits (no sign, no point,
///   one space before it) whose value is at most [`MAX_WAIT_MS`]:
///   [`Reply::Wait`] of `N` milliseconds;
/// - anything else `X` (a `wait` that breaks those rules included):
///   [`Reply::Send`] of `Hello, X!`. No `\n`: the codec adds the framing.
pub fn reply(message: &str) -> Reply {
    let _ = message;
    todo!("Close for exactly \"exit\", Wait for `wait N`, else Send(\"Hello, X!\")")
}

/// Reads and writes messages as text, in lines or in lesson 05's frames:
/// the one place that knows the framing. `Framed::new(stream, codec)` turns
/// a socket into a `Stream` of messages and a `Sink` for answers.
#[derive(Debug)]
pub enum TextCodec {
    /// Lines, through a `LinesCodec` with a maximum length.
    Lines(LinesCodec),
    /// Frames: read through a `LengthDelimitedCodec` (4-byte header, the
    /// maximum payload); written with `header` in front of the payload.
    Frames {
        /// Decodes incoming frames.
        decoder: LengthDelimitedCodec,
        /// The header written in front of outgoing payloads.
        header: Header,
    },
}

impl TextCodec {
    /// Steps 2 and 14. A codec for `protocol` that refuses messages longer
    /// than `max_message` bytes:
    ///
    /// - for [`Protocol::Lines`], `LinesCodec::new_with_max_length(max_message)`;
    /// - for [`Protocol::Frames`], `LengthDelimitedCodec::builder()` with
    ///   `length_field_length(Header::SIZE)`, `max_frame_length(max_message)`
    ///   and `.little_endian()` for [`Header::I32Le`] or `.big_endian()` for
    ///   [`Header::U32Be`], then `.new_codec()`.
    pub fn new(protocol: Protocol, max_message: usize) -> TextCodec {
        let _ = (protocol, max_message);
        todo!("a LinesCodec with a maximum length, or a LengthDelimitedCodec for the header")
    }
}

impl Decoder for TextCodec {
    type Item = String;
    type Error = MessageError;

    /// Steps 2, 3 and 14. The next whole message in `src`, `Ok(None)` while
    /// it has not all arrived (the bytes stay in `src` for the next call).
    ///
    /// - Lines: the `LinesCodec`'s `decode` (it drops the `\n` and a `\r`
    ///   before it). Its errors become [`MessageError`]:
    ///   `MaxLineLengthExceeded` is [`MessageError::TooLong`]; an `Io` error
    ///   of kind `InvalidData` (not UTF-8) is [`MessageError::NotText`];
    ///   any other is [`MessageError::Io`].
    /// - Frames: the `LengthDelimitedCodec`'s `decode`. Its error of kind
    ///   `InvalidData` (a length over the maximum, or a negative one read as
    ///   a huge one) is [`MessageError::TooLong`], and it comes as soon as
    ///   the header has arrived. A payload that is not UTF-8 is
    ///   [`MessageError::NotText`].
    ///
    /// Do not write `decode_eof`: the trait's own calls `decode` and makes
    /// bytes left at EOF (half a line, half a frame) an `Io` error, which
    /// is what this lesson wants (lesson 02: an unfinished line gets no
    /// answer).
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, MessageError> {
        let _ = src;
        todo!("pass the call to the inner codec and turn its errors into MessageError")
    }
}

impl Encoder<String> for TextCodec {
    type Error = MessageError;

    /// Steps 2 and 14. Appends one message to `dst`: for lines, the text
    /// and `\n` (the `LinesCodec`'s `encode`); for frames,
    /// `header.encode(text.len())` and then the text's bytes (`BufMut`'s
    /// `put_slice`). The limit is only for what clients send: an answer is
    /// never refused for its length.
    fn encode(&mut self, text: String, dst: &mut BytesMut) -> Result<(), MessageError> {
        let _ = (text, dst);
        todo!("the text and a newline, or the header and the text")
    }
}

/// Steps 4 to 6, 9 and 12. One client's conversation:
///
/// 1. wrap `stream` in
///    `Framed::new(stream, TextCodec::new(config.protocol, config.max_message))`,
///    and send [`GREETING`];
/// 2. read the next message (`StreamExt::next`), waiting at most
///    [`Config::idle_timeout`] (`tokio::time::timeout`), and act on it:
///    - [`Reply::Send`]: send the text;
///    - [`Reply::Wait`] of `N` ms: send `Waiting N ms` at once, wait
///      (`tokio::time::sleep(..).await`, never `std::thread::sleep`: that
///      blocks a worker thread and every task behind it), then send
///      `Done waiting N ms`;
///    - [`Reply::Close`]: return `Ok(Ending::Exit)`;
/// 3. the stream ends between messages: `Ok(Ending::Eof)`; the deadline
///    passes: send [`TIMED_OUT`], `Ok(Ending::TimedOut)`; a
///    [`MessageError::TooLong`] or [`MessageError::NotText`]: send
///    [`TOO_LONG`] or [`NOT_TEXT`] and return that error; a
///    [`MessageError::Io`]: return it;
/// 4. `stop` is cancelled (the server shuts down) while the task waits
///    for a message or in a `wait`: send [`GOODBYE`],
///    `Ok(Ending::Shutdown)`. `tokio::select!` on `stop.cancelled()`
///    beside the read and beside the sleep.
///
/// Every send (`SinkExt::send`) waits at most [`Config::write_timeout`];
/// past it, `Err(MessageError::Io)` of kind `TimedOut`. The connection
/// closes when the `Framed` is dropped, as this returns.
pub async fn converse(
    stream: TcpStream,
    config: &Config,
    stop: CancellationToken,
) -> Result<Ending, MessageError> {
    let _ = (stream, config, stop);
    todo!("greet, then answer each message until exit, EOF, a timeout, an error or stop")
}

/// Steps 7 to 13 and 15. The server: until `shutdown` completes, accept
/// connections on `listener` and serve each with [`converse`] in a task of
/// its own (a `tokio::task::JoinSet` keeps them), then shut down
/// gracefully:
///
/// - **bounded** (step 10): take a permit from a `Semaphore` of
///   [`Config::max_connections`] *before* accepting
///   (`Arc<Semaphore>::acquire_owned`), and move it into the connection's
///   task, so it is released when the task ends. Clients beyond the limit
///   wait in the listen backlog, connected, hearing nothing.
/// - **never stuck**: `tokio::select!` the shutdown future against both
///   waits (the permit and `accept`). A failed `accept` does not end the
///   server: print it, sleep 50 ms, go on.
/// - **graceful shutdown** (steps 12 and 13): once `shutdown` completes,
///   drop the listener (new clients are refused), cancel the
///   `CancellationToken` every task holds a clone of (each says
///   [`GOODBYE`]), and join the tasks; those still running after
///   [`Config::drain_timeout`] are aborted (`JoinSet::abort_all`) and
///   joined too. Return only when no task is left.
/// - **the [`Report`]**: count every accepted connection, and every task's
///   result once: `Ok(Exit | Eof)` completed, `Ok(TimedOut)` timed_out,
///   `Ok(Shutdown)` said_goodbye, `Err(TooLong | NotText)` refused,
///   `Err(Io(..))` or a panicked task failed, an aborted task
///   (`JoinError::is_cancelled`) aborted. Collect tasks that finished while
///   serving with `JoinSet::try_join_next`, so the set does not grow.
///
/// Python: `asyncio.start_server(handle, ..)` and `serve_forever()`, with
/// an `asyncio.Semaphore` and a shutdown `Event` (see the chapter).
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Report> {
    let _ = (listener, config, shutdown);
    todo!("accept in a loop (a permit first), a task per client, then a graceful shutdown")
}
