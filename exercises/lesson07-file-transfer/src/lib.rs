//! Lesson 07: sending a file over TCP, first as the tutorials do (one JSON
//! object with the bytes in base64), then as a professional would (a header
//! frame, the raw bytes streamed, a checksum).
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson07` (or `cargo checker 7`) to see which steps pass;
//! read `docs/src/07-file-transfer.md` alongside. The crates you need are
//! already dependencies: `serde` and `serde_json` (JSON), `base64` (its
//! `engine::general_purpose::STANDARD`), `sha2` (`Sha256`) and `tempfile`
//! (`NamedTempFile`).
//!
//! The tutorials' server reads a file, puts it in
//! `{"filename": ..., "filedata": <base64>}`, sends that and closes; the
//! client reads until EOF, parses the JSON, decodes the base64 and saves the
//! file. Part 1 (steps 1-11) does the same, and does it safely:
//!
//! - JSON is text and cannot hold raw bytes, so the file goes in base64:
//!   [`encode_message`] writes the tutorial's exact form, [`decode_message`]
//!   reads any valid JSON;
//! - a file name that came from the network is untrusted: [`check_name`]
//!   keeps every file inside the target directory;
//! - a peer may send too much, too little or garbage: [`read_message`] caps
//!   what it buffers, and every failure is a [`TransferError`], never a
//!   panic.
//!
//! The JSON message holds the whole file (and a third more) in memory. Part
//! 2 (steps 12-19) is the streamed format, which does not:
//!
//! ```text
//! +----------------+---------------------------+-------------------+-------------+
//! | length: u32 BE | {"name": ..., "size": N}  | N raw file bytes  | SHA-256 (32)|
//! +----------------+---------------------------+-------------------+-------------+
//!   the header frame (write_header / read_header)   streamed          the trailer
//! ```
//!
//! The receiver writes to a temporary file in the target directory and
//! renames it only when the checksum matches, so a corrupted or cut-short
//! transfer never appears under the final name.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The most bytes a JSON message may take. The client buffers the whole
/// message, so a server that never stops sending must not fill its memory.
/// Base64 makes a file a third larger: this allows files up to about 12 MB.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// The longest file name accepted, in bytes (most file systems' limit).
pub const MAX_NAME: usize = 255;

/// The most bytes the streamed format's JSON header may take.
pub const MAX_HEADER: usize = 4096;

/// The buffer the streamed format copies through: the most file bytes held
/// in memory at once, whatever the file's size.
pub const CHUNK: usize = 64 * 1024;

/// The length of the streamed format's checksum trailer: a SHA-256 digest.
pub const CHECKSUM_LEN: usize = 32;

/// How long the server waits on a client that stops reading.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A file as the JSON message carries it, after decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMessage {
    /// The name the sender gave the file (untrusted: see [`check_name`]).
    pub filename: String,
    /// The file's bytes, decoded from base64.
    pub data: Vec<u8>,
}

/// The streamed format's header: the JSON inside the length-prefixed frame
/// that comes before the file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The file's name (untrusted on the receiving side).
    pub name: String,
    /// How many bytes of file follow the header.
    pub size: u64,
}

/// Which wire format a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The tutorials' `{"filename": ..., "filedata": <base64>}`, then close.
    Json,
    /// Header frame, raw bytes, SHA-256 trailer.
    Stream,
}

/// Why a file name from the network was refused. [`check_name`] tests the
/// rules in the order of the variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name is the empty string.
    Empty,
    /// The name contains a NUL byte, which ends a path in C and the OS.
    Nul,
    /// The name starts with `/` or `\`, or a drive such as `C:`.
    Absolute,
    /// The name contains `/` or `\`: it names a path, not a file.
    Separator,
    /// The name is `.` or `..`: a directory, not a file.
    Dots,
    /// The name is longer than [`MAX_NAME`] bytes.
    TooLong {
        /// The name's length in bytes.
        len: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the name is empty"),
            NameError::Nul => write!(f, "the name contains a NUL byte"),
            NameError::Absolute => write!(f, "the name is an absolute path"),
            NameError::Separator => write!(f, "the name contains a path separator (/ or \\)"),
            NameError::Dots => write!(f, "`.` and `..` name directories, not files"),
            NameError::TooLong { len } => {
                write!(f, "the name is {len} bytes long, over {MAX_NAME}")
            }
        }
    }
}

impl std::error::Error for NameError {}

/// Why a transfer failed.
#[derive(Debug)]
pub enum TransferError {
    /// Connecting, reading, writing or saving failed (a timeout, a reset,
    /// EOF inside a header or the checksum, a full disk...).
    Io(io::Error),
    /// The peer sent more than `limit` bytes where at most that was allowed.
    TooLarge {
        /// The limit that was passed.
        limit: usize,
    },
    /// The message or header is not the JSON it should be.
    BadJson(String),
    /// `filedata` is not standard base64.
    BadBase64(String),
    /// The file name would not stay inside the target directory.
    UnsafeName {
        /// The name as received.
        name: String,
        /// The rule it broke.
        why: NameError,
    },
    /// The file's bytes ended before the size the header announced.
    Truncated {
        /// The size the header announced.
        expected: u64,
        /// How many bytes came before EOF.
        got: u64,
    },
    /// The bytes received do not hash to the checksum the sender sent.
    ChecksumMismatch {
        /// The trailer the sender sent.
        sent: [u8; CHECKSUM_LEN],
        /// The SHA-256 of the bytes received.
        computed: [u8; CHECKSUM_LEN],
    },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::Io(e) => write!(f, "i/o error: {e}"),
            TransferError::TooLarge { limit } => write!(f, "the peer sent over {limit} bytes"),
            TransferError::BadJson(e) => write!(f, "malformed JSON: {e}"),
            TransferError::BadBase64(e) => write!(f, "filedata is not base64: {e}"),
            TransferError::UnsafeName { name, why } => {
                write!(f, "refusing the file name {name:?}: {why}")
            }
            TransferError::Truncated { expected, got } => {
                write!(f, "transfer cut short: got {got} of {expected} bytes")
            }
            TransferError::ChecksumMismatch { sent, computed } => write!(
                f,
                "checksum mismatch: the sender's SHA-256 is {}, the bytes received hash to {}",
                to_hex(sent),
                to_hex(computed)
            ),
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Io(e) => Some(e),
            TransferError::UnsafeName { why, .. } => Some(why),
            _ => None,
        }
    }
}

impl From<io::Error> for TransferError {
    fn from(e: io::Error) -> Self {
        TransferError::Io(e)
    }
}

/// Lower-case hex, for checksums in messages.
fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Step 1. The tutorials' message for a file, as Python writes it with
/// `json.dumps({"filename": filename, "filedata": base64.b64encode(data).decode()})`:
///
/// ```text
/// {"filename": "hello.txt", "filedata": "SGVsbG8sIHdvcmxkIQo="}
/// ```
///
/// The keys in that order, a space after each `:` and `,` (serde_json's
/// compact output has none), the name as a JSON string (quotes and
/// backslashes escaped), the data in standard base64 with `=` padding.
pub fn encode_message(filename: &str, data: &[u8]) -> Vec<u8> {
    let _ = (filename, data);
    todo!("encode_message: the tutorial's JSON, byte for byte")
}

/// Steps 2, 3, 9. Parses a message in any valid JSON spelling (any spacing,
/// any key order, unknown keys ignored) and decodes its base64 `filedata`
/// with the standard alphabet.
///
/// Not JSON, or not an object with string `filename` and `filedata`:
/// `Err(TransferError::BadJson(..))`. `filedata` not valid base64:
/// `Err(TransferError::BadBase64(..))`.
pub fn decode_message(bytes: &[u8]) -> Result<FileMessage, TransferError> {
    let _ = bytes;
    todo!("decode_message: the name and the decoded bytes, or why not")
}

/// Steps 4 and 5. Accepts `name` only if it names a file directly inside a
/// directory, so that `dir.join(name)` cannot point anywhere else. The
/// rules, tested in this order (the first that fails is the error):
///
/// 1. empty: [`NameError::Empty`];
/// 2. contains a NUL (`'\0'`): [`NameError::Nul`];
/// 3. starts with `/` or `\`, or with an ASCII letter and `:` (a Windows
///    drive, `C:`): [`NameError::Absolute`];
/// 4. contains `/` or `\` anywhere: [`NameError::Separator`];
/// 5. is exactly `.` or `..`: [`NameError::Dots`];
/// 6. is longer than [`MAX_NAME`] bytes: [`NameError::TooLong`].
///
/// Everything else is fine: `.bashrc`, `..hidden`, `résumé.pdf`, spaces.
pub fn check_name(name: &str) -> Result<(), NameError> {
    let _ = name;
    todo!("check_name: the first rule the name breaks, if any")
}

/// Steps 6 and 11. Reads until EOF (the server closes when it has sent the
/// message), however the bytes are split, holding at most `limit` bytes:
/// more than `limit` is `Err(TransferError::TooLarge { limit })`, exactly
/// `limit` is fine, and no more than `limit + 1` bytes are ever taken from
/// `reader` (a peer that never stops must not fill memory). Read errors
/// are `TransferError::Io`. Python's `while chunk := s.recv(4096)`, with a
/// cap.
pub fn read_message<R: Read>(reader: &mut R, limit: usize) -> Result<Vec<u8>, TransferError> {
    let _ = (reader, limit);
    todo!("read_message: everything until EOF, at most limit bytes")
}

/// Steps 7, 9, 10, 11. The tutorials' client: connects to `addr` and
/// receives one JSON message, which ends when the server closes, at most
/// [`MAX_MESSAGE`] bytes; saves its file as `dir/filename` and returns that
/// path.
///
/// Connecting and every read give up after `timeout`. Errors: those of
/// [`read_message`] and [`decode_message`]; a name [`check_name`] refuses
/// is `Err(TransferError::UnsafeName { name, why })`. A failure writes no
/// file at all.
pub fn receive_file(
    addr: SocketAddr,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, TransferError> {
    let _ = (addr, dir, timeout);
    todo!("receive_file: one message received, checked and saved")
}

/// Step 12. Writes the streamed format's header frame: the JSON of
/// `header` (`{"name": ..., "size": ...}`, any spacing) preceded by its
/// length in bytes as a 4-byte big-endian unsigned integer. Python:
/// `j = json.dumps(h).encode(); s.sendall(struct.pack("!I", len(j)) + j)`.
pub fn write_header<W: Write>(writer: &mut W, header: &Header) -> io::Result<()> {
    let _ = (writer, header);
    todo!("write_header: the length-prefixed JSON header")
}

/// Steps 12 and 13. Reads one header frame, and not one byte more: the
/// file's bytes follow it on the same stream.
///
/// - a length over [`MAX_HEADER`] is `Err(TransferError::TooLarge { limit:
///   MAX_HEADER })`, checked before allocating anything;
/// - JSON that is not a [`Header`] is `Err(TransferError::BadJson(..))`;
/// - EOF inside the frame is `Err(TransferError::Io(e))` with
///   `e.kind() == UnexpectedEof` (what `read_exact` returns).
pub fn read_header<R: Read>(reader: &mut R) -> Result<Header, TransferError> {
    let _ = reader;
    todo!("read_header: one header frame, no byte more")
}

/// Step 14. Sends a file in the streamed format: the header frame
/// ([`write_header`] with `name` and `size`), then exactly `size` bytes
/// taken from `data`, then the SHA-256 of those bytes (32 bytes). Returns
/// the checksum sent. Memory stays bounded by [`CHUNK`] bytes of file,
/// whatever the file's size.
///
/// `data` ending before `size` bytes is
/// `Err(TransferError::Truncated { expected: size, got })`.
pub fn send_stream<W: Write, R: Read>(
    writer: &mut W,
    name: &str,
    size: u64,
    data: &mut R,
) -> Result<[u8; CHECKSUM_LEN], TransferError> {
    let _ = (writer, name, size, data);
    todo!("send_stream: header, the bytes, their checksum")
}

/// Steps 15, 17, 18, 19. Receives one file in the streamed format into
/// `dir` and returns its path, `dir/name`.
///
/// - The name is checked first ([`check_name`]; a refusal is
///   `Err(TransferError::UnsafeName { .. })`).
/// - The bytes are written as they arrive, under a temporary name in `dir`
///   itself; the file appears under `dir/name` only once the checksum
///   matches, and never half-written.
/// - Memory stays bounded by [`CHUNK`] bytes of file, whatever size the
///   header announces: the size comes from the network.
/// - Errors: those of [`read_header`]; EOF before `size` bytes is
///   `Err(TransferError::Truncated { expected: size, got })`; EOF inside the
///   32-byte trailer is an `UnexpectedEof` `TransferError::Io`; a trailer
///   that is not the SHA-256 of the bytes received is
///   `Err(TransferError::ChecksumMismatch { sent, computed })`.
/// - On every error the directory is left as it was: no temporary file, no
///   `dir/name`.
pub fn receive_stream<R: Read>(reader: &mut R, dir: &Path) -> Result<PathBuf, TransferError> {
    let _ = (reader, dir);
    todo!("receive_stream: one file, saved only if whole and intact")
}

/// Steps 16 and 17. The streamed client: connects to `addr` and receives
/// one file into `dir` as [`receive_stream`] does; connecting and every
/// read give up after `timeout`.
pub fn receive_file_streamed(
    addr: SocketAddr,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, TransferError> {
    let _ = (addr, dir, timeout);
    todo!("receive_file_streamed: connect, then receive one file")
}

/// Steps 8 and 16. The file server: every client that `listener` accepts
/// gets `file` in `format` ([`Format::Json`]: [`encode_message`]'s message;
/// [`Format::Stream`]: [`send_stream`]'s frames), then the connection
/// closes: that close is how a JSON client knows the message ended.
///
/// - Clients are served at the same time: one that does not read holds up
///   nobody else. Writes to a client give up after [`CLIENT_TIMEOUT`].
/// - The name sent is the file's own name without its directories (Python's
///   `os.path.basename`); the file is read anew for each client.
/// - A failed client is reported on stderr and the server carries on. Runs
///   until the process ends; returns at once with an `InvalidInput` error
///   if `file` has no UTF-8 file name.
pub fn serve(listener: TcpListener, file: &Path, format: Format) -> io::Result<()> {
    let _ = (listener, file, format);
    todo!("serve: the file to every client, each on its own")
}
