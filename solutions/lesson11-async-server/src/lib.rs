//! Lesson 11, the reference solution: lesson 02's greeting server as tokio
//! tasks.
//!
//! One task accepts; every connection gets a task of its own that reads
//! messages through a [`TextCodec`] (tokio-util's `LinesCodec`, or a
//! `LengthDelimitedCodec` for lesson 05's frames), with a deadline on every
//! read and every write. A [`Semaphore`] bounds how many connections are
//! served at once, and a [`CancellationToken`] tells every connection when
//! the server shuts down; [`serve`] then waits for them (a [`JoinSet`]), and
//! aborts any that has not ended after [`Config::drain_timeout`].

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio::time::{sleep, timeout};
use tokio_util::bytes::{BufMut, BytesMut};
use tokio_util::codec::{
    Decoder, Encoder, Framed, LengthDelimitedCodec, LinesCodec, LinesCodecError,
};
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

/// The server's answer to one message.
pub fn reply(message: &str) -> Reply {
    if message == "exit" {
        return Reply::Close;
    }
    if let Some(ms) = message.strip_prefix("wait ") {
        let digits = !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit());
        if let Some(ms) = digits.then(|| ms.parse::<u64>().ok()).flatten() {
            if ms <= MAX_WAIT_MS {
                return Reply::Wait(Duration::from_millis(ms));
            }
        }
    }
    Reply::Send(format!("Hello, {message}!"))
}

/// Reads and writes messages as text, in lines or in lesson 05's frames.
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
    /// A codec for `protocol` that refuses messages over `max_message`.
    pub fn new(protocol: Protocol, max_message: usize) -> TextCodec {
        match protocol {
            Protocol::Lines => TextCodec::Lines(LinesCodec::new_with_max_length(max_message)),
            Protocol::Frames(header) => {
                let mut builder = LengthDelimitedCodec::builder();
                builder
                    .length_field_length(Header::SIZE)
                    .max_frame_length(max_message);
                match header {
                    Header::I32Le => builder.little_endian(),
                    Header::U32Be => builder.big_endian(),
                };
                TextCodec::Frames {
                    decoder: builder.new_codec(),
                    header,
                }
            }
        }
    }
}

impl Decoder for TextCodec {
    type Item = String;
    type Error = MessageError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, MessageError> {
        match self {
            TextCodec::Lines(lines) => lines.decode(src).map_err(|e| match e {
                LinesCodecError::MaxLineLengthExceeded => MessageError::TooLong,
                LinesCodecError::Io(e) if e.kind() == io::ErrorKind::InvalidData => {
                    MessageError::NotText
                }
                LinesCodecError::Io(e) => MessageError::Io(e),
            }),
            TextCodec::Frames { decoder, .. } => match decoder.decode(src) {
                Ok(Some(frame)) => String::from_utf8(frame.to_vec())
                    .map(Some)
                    .map_err(|_| MessageError::NotText),
                Ok(None) => Ok(None),
                // The codec's only decoding error is a length over the limit.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(MessageError::TooLong),
                Err(e) => Err(MessageError::Io(e)),
            },
        }
    }
}

impl Encoder<String> for TextCodec {
    type Error = MessageError;

    fn encode(&mut self, text: String, dst: &mut BytesMut) -> Result<(), MessageError> {
        match self {
            TextCodec::Lines(lines) => lines.encode(text, dst).map_err(|e| match e {
                LinesCodecError::Io(e) => MessageError::Io(e),
                LinesCodecError::MaxLineLengthExceeded => MessageError::TooLong,
            }),
            TextCodec::Frames { header, .. } => {
                let head = header.encode(text.len())?;
                dst.reserve(head.len() + text.len());
                dst.put_slice(&head);
                dst.put_slice(text.as_bytes());
                Ok(())
            }
        }
    }
}

/// Sends one message within the write deadline.
async fn say(
    framed: &mut Framed<TcpStream, TextCodec>,
    config: &Config,
    text: impl Into<String>,
) -> Result<(), MessageError> {
    match timeout(config.write_timeout, framed.send(text.into())).await {
        Ok(sent) => sent,
        Err(_) => Err(MessageError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client did not read what the server wrote",
        ))),
    }
}

/// One client's conversation: [`GREETING`], then an answer to every
/// message as [`reply`] says, until `exit`, EOF, a silence longer than
/// [`Config::idle_timeout`], an error, or `stop`.
pub async fn converse(
    stream: TcpStream,
    config: &Config,
    stop: CancellationToken,
) -> Result<Ending, MessageError> {
    let mut framed = Framed::new(stream, TextCodec::new(config.protocol, config.max_message));
    say(&mut framed, config, GREETING).await?;
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => {
                say(&mut framed, config, GOODBYE).await?;
                return Ok(Ending::Shutdown);
            }
            next = timeout(config.idle_timeout, framed.next()) => next,
        };
        let message = match next {
            Err(_) => {
                say(&mut framed, config, TIMED_OUT).await?;
                return Ok(Ending::TimedOut);
            }
            Ok(None) => return Ok(Ending::Eof),
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(e))) => {
                let refusal = match e {
                    MessageError::TooLong => TOO_LONG,
                    MessageError::NotText => NOT_TEXT,
                    MessageError::Io(e) => return Err(MessageError::Io(e)),
                };
                // The connection ends with the error; a failed refusal
                // changes nothing.
                let _ = say(&mut framed, config, refusal).await;
                return Err(e);
            }
        };
        match reply(&message) {
            Reply::Send(text) => say(&mut framed, config, text).await?,
            Reply::Close => return Ok(Ending::Exit),
            Reply::Wait(time) => {
                let ms = time.as_millis();
                say(&mut framed, config, format!("Waiting {ms} ms")).await?;
                tokio::select! {
                    _ = stop.cancelled() => {
                        say(&mut framed, config, GOODBYE).await?;
                        return Ok(Ending::Shutdown);
                    }
                    _ = sleep(time) => say(&mut framed, config, format!("Done waiting {ms} ms")).await?,
                }
            }
        }
    }
}

/// Counts one finished connection task in `report`.
fn tally(report: &mut Report, done: Result<Result<Ending, MessageError>, JoinError>) {
    match done {
        Ok(Ok(Ending::Exit | Ending::Eof)) => report.completed += 1,
        Ok(Ok(Ending::TimedOut)) => report.timed_out += 1,
        Ok(Ok(Ending::Shutdown)) => report.said_goodbye += 1,
        Ok(Err(MessageError::TooLong | MessageError::NotText)) => report.refused += 1,
        Err(e) if e.is_cancelled() => report.aborted += 1,
        // An i/o error, or a panic in the task (a JoinError not cancelled).
        Ok(Err(MessageError::Io(_))) | Err(_) => report.failed += 1,
    }
}

/// The greeting server: accepts connections on `listener` until `shutdown`
/// completes, each served by [`converse`] in a task of its own, at most
/// [`Config::max_connections`] at once; then tells every connection
/// [`GOODBYE`], waits up to [`Config::drain_timeout`] for them to end,
/// aborts the rest, and returns what happened.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Report> {
    let config = Arc::new(config);
    let limit = Arc::new(Semaphore::new(config.max_connections));
    let stop = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let mut report = Report::default();
    tokio::pin!(shutdown);
    loop {
        // A free place first: beyond the limit, clients wait in the
        // listen backlog, connected but not yet accepted.
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = Arc::clone(&limit).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // closed: never, the server owns it
            },
        };
        let (stream, _peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // One failed accept (a client that gave up, no file
                    // descriptors left) must not end the server.
                    eprintln!("accept failed: {e}");
                    sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        report.accepted += 1;
        let config = Arc::clone(&config);
        let stop = stop.clone();
        tasks.spawn(async move {
            let _permit = permit; // the place is free again when the task ends
            converse(stream, &config, stop).await
        });
        while let Some(done) = tasks.try_join_next() {
            tally(&mut report, done);
        }
    }
    // Stop accepting at once: new clients are refused, not queued.
    drop(listener);
    stop.cancel();
    let drained = timeout(config.drain_timeout, async {
        while let Some(done) = tasks.join_next().await {
            tally(&mut report, done);
        }
    })
    .await;
    if drained.is_err() {
        tasks.abort_all();
        while let Some(done) = tasks.join_next().await {
            tally(&mut report, done);
        }
    }
    Ok(report)
}
