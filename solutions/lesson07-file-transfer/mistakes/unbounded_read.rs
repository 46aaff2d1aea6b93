//! mistake: read_message reads everything the peer sends and only then compares it with the limit
//! fails: step11_endless_silent_and_rude_peers_are_errors
//! says: stop soon after the limit
//! Lesson 07: sending a file over TCP, first as the tutorials do (one JSON
//! object with the bytes in base64), then as a professional would (a header
//! frame, the raw bytes streamed, a checksum).
//!
//! The tutorials' server reads a file, puts it in
//! `{"filename": ..., "filedata": <base64>}`, sends that and closes; the
//! client reads until EOF, parses the JSON, decodes the base64 and saves the
//! file. This lesson does the same, and does it safely:
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
//! The JSON message holds the whole file (and a third more) in memory. The
//! streamed format does not: a length-prefixed JSON [`Header`] (name and
//! size), then the raw bytes copied through a fixed buffer, then the
//! SHA-256 of those bytes ([`send_stream`], [`receive_stream`]). The
//! receiver writes to a temporary file in the target directory and renames
//! it only when the checksum matches, so a corrupted or cut-short transfer
//! never appears under the final name.
//!
//! [`serve`] is the threaded server for either format, [`receive_file`] and
//! [`receive_file_streamed`] the clients.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// The JSON message as it goes out: borrowed, nothing copied.
#[derive(Serialize)]
struct OutgoingMessage<'a> {
    filename: &'a str,
    filedata: &'a str,
}

/// The JSON message as it comes in. Other keys are ignored.
#[derive(Deserialize)]
struct IncomingMessage {
    filename: String,
    filedata: String,
}

/// Writes a JSON object the way Python's `json.dumps` does by default: a
/// space after every `,` and `:` (its `separators=(', ', ': ')`). Only the
/// object methods: the message holds two strings and no array.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// The tutorials' message for a file: `{"filename": "NAME", "filedata":
/// "BASE64"}` with Python's spacing and the standard base64 alphabet (with
/// `=` padding), as `json.dumps` and `base64.b64encode` write it.
pub fn encode_message(filename: &str, data: &[u8]) -> Vec<u8> {
    let filedata = STANDARD.encode(data);
    let message = OutgoingMessage {
        filename,
        filedata: &filedata,
    };
    let mut out = Vec::with_capacity(filedata.len() + filename.len() + 32);
    let mut json = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Two strings into a Vec: serde_json has nothing here that can fail.
    message
        .serialize(&mut json)
        .expect("serializing two strings into memory cannot fail");
    out
}

/// Parses a message in any valid JSON spelling (any spacing, any key order,
/// unknown keys ignored) and decodes its base64 `filedata`.
pub fn decode_message(bytes: &[u8]) -> Result<FileMessage, TransferError> {
    let message: IncomingMessage =
        serde_json::from_slice(bytes).map_err(|e| TransferError::BadJson(e.to_string()))?;
    let data = STANDARD
        .decode(message.filedata.as_bytes())
        .map_err(|e| TransferError::BadBase64(e.to_string()))?;
    Ok(FileMessage {
        filename: message.filename,
        data,
    })
}

/// Accepts `name` only if it names a file directly inside a directory:
/// `dir.join(name)` then cannot point anywhere else.
pub fn check_name(name: &str) -> Result<(), NameError> {
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.is_empty() {
        Err(NameError::Empty)
    } else if name.contains('\0') {
        Err(NameError::Nul)
    } else if name.starts_with(['/', '\\']) || drive {
        Err(NameError::Absolute)
    } else if name.contains(['/', '\\']) {
        Err(NameError::Separator)
    } else if name == "." || name == ".." {
        Err(NameError::Dots)
    } else if bytes.len() > MAX_NAME {
        Err(NameError::TooLong { len: bytes.len() })
    } else {
        Ok(())
    }
}

/// [`check_name`], as the error a transfer reports.
fn checked(name: &str) -> Result<(), TransferError> {
    check_name(name).map_err(|why| TransferError::UnsafeName {
        name: name.to_owned(),
        why,
    })
}

/// Reads until EOF, holding at most `limit` bytes: one byte more is
/// [`TransferError::TooLarge`].
pub fn read_message<R: Read>(reader: &mut R, limit: usize) -> Result<Vec<u8>, TransferError> {
    let mut data = Vec::new();
    // One byte past the limit tells "exactly `limit`" from "too much".
    reader.read_to_end(&mut data)?;
    if data.len() > limit {
        return Err(TransferError::TooLarge { limit });
    }
    Ok(data)
}

/// A temporary file in `dir`, removed if dropped before `persist`.
///
/// `NamedTempFile::new_in` creates it readable by its owner only, which is
/// right for a secret and wrong for a download: ask for the usual 0644 (the
/// umask still applies), as a file written with `open(name, "wb")` gets.
fn part_file(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".part-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

/// Writes `data` as `dir/name`, through a temporary file renamed at the
/// end, so the final name never holds half a file.
fn save(dir: &Path, name: &str, data: &[u8]) -> io::Result<PathBuf> {
    let mut part = part_file(dir)?;
    part.write_all(data)?;
    let path = dir.join(name);
    part.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// The tutorials' client: connects to `addr`, reads the JSON message until
/// the server closes (at most [`MAX_MESSAGE`] bytes), decodes it, checks the
/// name and saves the file in `dir`. Returns the saved file's path.
pub fn receive_file(
    addr: SocketAddr,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, TransferError> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    let raw = read_message(&mut stream, MAX_MESSAGE)?;
    let message = decode_message(&raw)?;
    checked(&message.filename)?;
    Ok(save(dir, &message.filename, &message.data)?)
}

/// Writes the streamed format's header frame: the JSON of `header`, after
/// its length as 4 bytes big-endian, in one write.
pub fn write_header<W: Write>(writer: &mut W, header: &Header) -> io::Result<()> {
    let json = serde_json::to_vec(header)?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|&n| n as usize <= MAX_HEADER)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the header is over {MAX_HEADER} bytes"),
            )
        })?;
    let mut frame = Vec::with_capacity(4 + json.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&json);
    writer.write_all(&frame)
}

/// Reads the streamed format's header frame. A length over [`MAX_HEADER`]
/// is [`TransferError::TooLarge`] (nothing is allocated for it), JSON that
/// is not a [`Header`] is [`TransferError::BadJson`], and EOF inside the
/// frame is an `UnexpectedEof` [`TransferError::Io`].
pub fn read_header<R: Read>(reader: &mut R) -> Result<Header, TransferError> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_HEADER {
        return Err(TransferError::TooLarge { limit: MAX_HEADER });
    }
    let mut json = vec![0u8; len];
    reader.read_exact(&mut json)?;
    serde_json::from_slice(&json).map_err(|e| TransferError::BadJson(e.to_string()))
}

/// Copies exactly `size` bytes from `from` to `to` through a [`CHUNK`]-byte
/// buffer and returns their SHA-256. EOF first is
/// [`TransferError::Truncated`].
fn copy_hashed<R: Read, W: Write>(
    from: &mut R,
    to: &mut W,
    size: u64,
) -> Result<[u8; CHECKSUM_LEN], TransferError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut copied: u64 = 0;
    while copied < size {
        let want = usize::try_from(size - copied).map_or(CHUNK, |left| left.min(CHUNK));
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(TransferError::Truncated {
                    expected: size,
                    got: copied,
                });
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        copied += n as u64;
    }
    Ok(hasher.finalize().into())
}

/// Sends a file in the streamed format: the header frame
/// ([`write_header`]), exactly `size` bytes from `data` copied through a
/// fixed buffer, then their SHA-256 (32 bytes). Returns the checksum sent.
/// `data` ending before `size` bytes is [`TransferError::Truncated`].
pub fn send_stream<W: Write, R: Read>(
    writer: &mut W,
    name: &str,
    size: u64,
    data: &mut R,
) -> Result<[u8; CHECKSUM_LEN], TransferError> {
    let header = Header {
        name: name.to_owned(),
        size,
    };
    write_header(writer, &header)?;
    let checksum = copy_hashed(data, writer, size)?;
    writer.write_all(&checksum)?;
    writer.flush()?;
    Ok(checksum)
}

/// Receives a file in the streamed format into `dir`: reads the header,
/// checks the name, copies the bytes into a temporary file in `dir` through
/// a fixed buffer while hashing them, reads the 32-byte trailer, and only
/// if it matches renames the file to `dir/name`. On any error the
/// temporary file is removed and `dir/name` is untouched.
pub fn receive_stream<R: Read>(reader: &mut R, dir: &Path) -> Result<PathBuf, TransferError> {
    let header = read_header(reader)?;
    checked(&header.name)?;
    // Removed when dropped: every early return below cleans up after itself.
    let mut part = part_file(dir)?;
    let mut out = BufWriter::with_capacity(CHUNK, &mut part);
    let computed = copy_hashed(reader, &mut out, header.size)?;
    out.flush()?;
    drop(out);
    let mut sent = [0u8; CHECKSUM_LEN];
    reader.read_exact(&mut sent)?;
    if sent != computed {
        return Err(TransferError::ChecksumMismatch { sent, computed });
    }
    let path = dir.join(&header.name);
    part.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// The streamed client: connects to `addr` and [`receive_stream`]s one file
/// into `dir`, every read giving up after `timeout`.
pub fn receive_file_streamed(
    addr: SocketAddr,
    dir: &Path,
    timeout: Duration,
) -> Result<PathBuf, TransferError> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    receive_stream(&mut stream, dir)
}

/// The file server: sends `file` to every client that connects, in
/// `format`, each on its own thread, then closes that connection. The name
/// sent is the file's own name without its directories (Python's
/// `os.path.basename`). The file is read anew for each client.
///
/// Runs until the process ends; returns at once with an `InvalidInput`
/// error if `file` has no name that is UTF-8.
pub fn serve(listener: TcpListener, file: &Path, format: Format) -> io::Result<()> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no UTF-8 file name to send", file.display()),
            )
        })?
        .to_owned();
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                // Often passing (a client gone before accept, or out of file
                // descriptors): wait a moment rather than spin.
                eprintln!("file server: accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let (file, name) = (file.to_path_buf(), name.clone());
        thread::spawn(move || {
            let peer = stream.peer_addr();
            if let Err(e) = send_file(stream, &file, &name, format) {
                match peer {
                    Ok(peer) => eprintln!("file server: sending to {peer} failed: {e}"),
                    Err(_) => eprintln!("file server: sending failed: {e}"),
                }
            }
        });
    }
    Ok(())
}

/// One client of [`serve`]: the whole file, then close.
fn send_file(
    mut stream: TcpStream,
    file: &Path,
    name: &str,
    format: Format,
) -> Result<(), TransferError> {
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    match format {
        Format::Json => {
            let data = fs::read(file)?;
            stream.write_all(&encode_message(name, &data))?;
        }
        Format::Stream => {
            let mut f = File::open(file)?;
            let size = f.metadata()?.len();
            send_stream(&mut stream, name, size, &mut f)?;
        }
    }
    Ok(())
}
