//! mistake: UnixServer::bind takes any failed connect for a stale socket, so it removes a live datagram socket's file
//! fails: step17_bind_spares_live_sockets_and_other_files
//! says: only a refused connection means the socket is stale
//! Lesson 09: addresses and names.
//!
//! Every socket program names its peer somehow: a dotted quad, an IPv6
//! address in brackets, a host name, a path on disk. This lesson takes those
//! names apart, the way the classic tutorials do with `socket.inet_aton`,
//! `struct.unpack("!I", ...)`, `socket.getaddrinfo` and `AF_UNIX`:
//!
//! - an IPv4 address is a 32-bit number written as four 8-bit parts:
//!   [`format_ipv4`] and [`parse_ipv4`] go both ways, and the parser says
//!   exactly what is wrong with `256.1.1.1` or `1.2.3`;
//! - some addresses are special: [`classify`] tells loopback, private,
//!   link-local, multicast, documentation and global addresses apart, for
//!   IPv4 and IPv6; [`service_name`] and [`port_range`] do the same for ports;
//! - a socket address is an IP address and a port: [`parse_socket_addr`]
//!   reads `127.0.0.1:80`, `[::1]:8080` and `[fe80::1%2]:80`, with clear
//!   errors, and [`format_socket_addr`] writes them back;
//! - a host name becomes a *list* of addresses, as `getaddrinfo` returns
//!   it: [`resolve`] filters it by [`Family`], and [`connect_first`] /
//!   [`connect_host`] try each address in turn until one answers, keeping
//!   the error of every failed attempt;
//! - a Unix domain socket is named by a path: [`UnixServer`] binds it
//!   (replacing a stale socket file, never a live one or a regular file),
//!   echoes, and removes the file when dropped; [`unix_request`] is its
//!   client.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, SocketAddrV6, TcpStream, ToSocketAddrs,
};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------
// IPv4 addresses as 32-bit numbers
// ---------------------------------------------------------------------------

/// The longest dotted quad: `255.255.255.255`.
pub const MAX_DOTTED_QUAD: usize = 15;

/// Why a text is not a dotted-quad IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ipv4Error {
    /// Longer than [`MAX_DOTTED_QUAD`] bytes: holds the length.
    TooLong(usize),
    /// Not four parts separated by dots: holds how many parts there were.
    PartCount(usize),
    /// A part is empty, as in `1..2.3` or `.1.2.3`.
    EmptyPart,
    /// A part holds something other than the ASCII digits `0`-`9`
    /// (`x1`, ` 1`, `+1`, `0x7f`, `4\n`): holds the part.
    NotDecimal(String),
    /// A part has a leading zero (`01`): C's `inet_aton` reads it as octal,
    /// so it is refused rather than guessed. Holds the part.
    LeadingZero(String),
    /// A part is over 255: holds the part.
    OutOfRange(String),
}

impl fmt::Display for Ipv4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ipv4Error::TooLong(len) => write!(
                f,
                "{len} bytes is too long for an IPv4 address (at most {MAX_DOTTED_QUAD})"
            ),
            Ipv4Error::PartCount(n) => {
                write!(f, "an IPv4 address has 4 parts separated by dots, not {n}")
            }
            Ipv4Error::EmptyPart => write!(f, "an IPv4 address has an empty part"),
            Ipv4Error::NotDecimal(part) => write!(f, "{part:?} is not a decimal number"),
            Ipv4Error::LeadingZero(part) => {
                write!(f, "{part:?} has a leading zero (octal in inet_aton)")
            }
            Ipv4Error::OutOfRange(part) => write!(f, "{part} is over 255"),
        }
    }
}

impl std::error::Error for Ipv4Error {}

/// Step 1. Writes the 32-bit number `n` as a dotted quad: the four bytes
/// from the most significant down, in decimal (`0x7f000001` is
/// `127.0.0.1`). Python: `socket.inet_ntoa(struct.pack("!I", n))`.
pub fn format_ipv4(n: u32) -> String {
    let [a, b, c, d] = n.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// Steps 2 and 3. Reads a dotted quad into its 32-bit number
/// (`127.0.0.1` is `0x7f000001`). Python:
/// `struct.unpack("!I", socket.inet_aton(text))[0]`, but strict: exactly
/// four parts of 1 to 3 ASCII digits, each at most 255, no leading zeros,
/// no spaces or signs.
///
/// Checks in this order, returning the first problem found: the length
/// ([`Ipv4Error::TooLong`]), the number of parts ([`Ipv4Error::PartCount`]),
/// then each part from the left: empty, not decimal, leading zero, over 255.
pub fn parse_ipv4(text: &str) -> Result<u32, Ipv4Error> {
    if text.len() > MAX_DOTTED_QUAD {
        return Err(Ipv4Error::TooLong(text.len()));
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return Err(Ipv4Error::PartCount(parts.len()));
    }
    let mut n = 0u32;
    for part in parts {
        n = (n << 8) | u32::from(parse_octet(part)?);
    }
    Ok(n)
}

/// One part of a dotted quad, 0 to 255.
fn parse_octet(part: &str) -> Result<u8, Ipv4Error> {
    if part.is_empty() {
        return Err(Ipv4Error::EmptyPart);
    }
    // `u8::from_str` would accept "+1": check the digits by hand.
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Ipv4Error::NotDecimal(part.to_owned()));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(Ipv4Error::LeadingZero(part.to_owned()));
    }
    // At most 15 bytes in all, so a part has at most 13 digits: fits a u64.
    let value = part
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    u8::try_from(value).map_err(|_| Ipv4Error::OutOfRange(part.to_owned()))
}

// ---------------------------------------------------------------------------
// Special addresses
// ---------------------------------------------------------------------------

/// What kind of address an IP address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrClass {
    /// `0.0.0.0` or `::`: "no address"; a server binds it to mean "every
    /// interface".
    Unspecified,
    /// `127.0.0.0/8` or `::1`: this machine, never leaves it.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, or IPv6's unique
    /// local `fc00::/7`: not routed on the Internet (NAT shares a public one).
    Private,
    /// `169.254.0.0/16` or `fe80::/10`: valid on one link only.
    LinkLocal,
    /// `224.0.0.0/4` or `ff00::/8`: a group of receivers.
    Multicast,
    /// `255.255.255.255`: every host on this network (IPv4 only).
    Broadcast,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` or
    /// `2001:db8::/32`: reserved for examples in documentation.
    Documentation,
    /// Anything else: a public address.
    Global,
}

impl fmt::Display for AddrClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddrClass::Unspecified => "unspecified",
            AddrClass::Loopback => "loopback",
            AddrClass::Private => "private",
            AddrClass::LinkLocal => "link-local",
            AddrClass::Multicast => "multicast",
            AddrClass::Broadcast => "broadcast",
            AddrClass::Documentation => "documentation",
            AddrClass::Global => "global",
        })
    }
}

/// Steps 4 and 5. The class of `ip`, by the ranges listed on [`AddrClass`].
/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address it
/// carries, and is classed as that.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

/// True when the top `len` bits of `n` equal those of `net`.
fn in_prefix(n: u32, net: u32, len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    n & mask == net & mask
}

fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    let n = u32::from(ip);
    let within = |net: [u8; 4], len| in_prefix(n, u32::from_be_bytes(net), len);
    if n == 0 {
        AddrClass::Unspecified
    } else if n == u32::MAX {
        AddrClass::Broadcast
    } else if within([127, 0, 0, 0], 8) {
        AddrClass::Loopback
    } else if within([10, 0, 0, 0], 8)
        || within([172, 16, 0, 0], 12)
        || within([192, 168, 0, 0], 16)
    {
        AddrClass::Private
    } else if within([169, 254, 0, 0], 16) {
        AddrClass::LinkLocal
    } else if within([224, 0, 0, 0], 4) {
        AddrClass::Multicast
    } else if within([192, 0, 2, 0], 24)
        || within([198, 51, 100, 0], 24)
        || within([203, 0, 113, 0], 24)
    {
        AddrClass::Documentation
    } else {
        AddrClass::Global
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddrClass {
    let s = ip.segments();
    if ip.is_unspecified() {
        AddrClass::Unspecified
    } else if ip.is_loopback() {
        AddrClass::Loopback
    } else if s[0] & 0xfe00 == 0xfc00 {
        AddrClass::Private
    } else if s[0] & 0xffc0 == 0xfe80 {
        AddrClass::LinkLocal
    } else if s[0] & 0xff00 == 0xff00 {
        AddrClass::Multicast
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        AddrClass::Documentation
    } else {
        AddrClass::Global
    }
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

/// A few services every network programmer meets, by port (the names are
/// this course's; `/etc/services` calls 53 `domain`).
pub const SERVICES: [(u16, &str); 7] = [
    (21, "ftp"),
    (22, "ssh"),
    (25, "smtp"),
    (53, "dns"),
    (80, "http"),
    (443, "https"),
    (3306, "mysql"),
];

/// The three ranges the port numbers are divided into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortRange {
    /// 0 to 1023: well-known services; binding one needs privileges on Unix.
    WellKnown,
    /// 1024 to 49151: registered services (MySQL's 3306, ...).
    Registered,
    /// 49152 to 65535: dynamic, the ephemeral ports clients are given.
    Dynamic,
}

/// Step 6. The range `port` falls in.
pub fn port_range(port: u16) -> PortRange {
    match port {
        0..=1023 => PortRange::WellKnown,
        1024..=49151 => PortRange::Registered,
        _ => PortRange::Dynamic,
    }
}

/// Step 6. The service [`SERVICES`] names for `port`, if any. Python:
/// `socket.getservbyport(port)`.
pub fn service_name(port: u16) -> Option<&'static str> {
    SERVICES
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, name)| *name)
}

// ---------------------------------------------------------------------------
// Socket addresses
// ---------------------------------------------------------------------------

/// Why a text is not a socket address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketAddrError {
    /// No `:PORT` at the end (`127.0.0.1`, `[::1]`, `[::1]80`).
    MissingPort,
    /// The port is not 1 to 5 ASCII digits with a value up to 65535: holds
    /// the port text (`65536`, `http`, `+80`, or empty).
    BadPort(String),
    /// The host part is not an IP address of the right family: holds it
    /// (`300.1.1.1`, `localhost`: names are resolved, not parsed).
    BadIp(String),
    /// An IPv6 address without brackets (`::1:80`): its own colons would
    /// make the port ambiguous. Holds the whole text.
    Unbracketed(String),
    /// A `[` without its `]`.
    UnclosedBracket,
    /// The scope id after `%` is not a decimal number (`%eth0`): holds it.
    BadScope(String),
}

impl fmt::Display for SocketAddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketAddrError::MissingPort => {
                write!(f, "no :PORT at the end: write 127.0.0.1:80 or [::1]:80")
            }
            SocketAddrError::BadPort(p) => write!(f, "{p:?} is not a port (0 to 65535)"),
            SocketAddrError::BadIp(ip) => write!(
                f,
                "{ip:?} is not an IP address of the right family: IPv4 bare, IPv6 in \
                 [brackets]; host names are resolved, not parsed"
            ),
            SocketAddrError::Unbracketed(text) => {
                write!(
                    f,
                    "{text:?}: write an IPv6 address in brackets, as [::1]:80"
                )
            }
            SocketAddrError::UnclosedBracket => write!(f, "a '[' without its ']'"),
            SocketAddrError::BadScope(s) => write!(
                f,
                "scope id {s:?} is not a number: give the interface's index, as in %2"
            ),
        }
    }
}

impl std::error::Error for SocketAddrError {}

/// Step 7. Writes a socket address: `127.0.0.1:80` for IPv4,
/// `[::1]:8080` for IPv6, with the scope id when it is not 0:
/// `[fe80::1%2]:80`. [`parse_socket_addr`] reads it back.
pub fn format_socket_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) if a.scope_id() != 0 => {
            format!("[{}%{}]:{}", a.ip(), a.scope_id(), a.port())
        }
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// Steps 7 and 8. Reads a socket address written as `IPV4:PORT` or
/// `[IPV6]:PORT` or `[IPV6%SCOPE]:PORT`.
///
/// - Text starting with `[`: up to the `]` (none: `UnclosedBracket`) is the
///   IPv6 address, with an optional `%SCOPE` (decimal, else `BadScope`);
///   then exactly `:PORT` must follow (else `MissingPort`).
/// - Other text splits at its LAST `:` (none: `MissingPort`); a host part
///   that still holds a `:` is an IPv6 address without brackets
///   (`Unbracketed`); otherwise it must be an IPv4 address.
/// - An address that does not parse is `BadIp`; the port is 1 to 5 ASCII
///   digits up to 65535, else `BadPort`.
pub fn parse_socket_addr(text: &str) -> Result<SocketAddr, SocketAddrError> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or(SocketAddrError::UnclosedBracket)?;
        let port = after
            .strip_prefix(':')
            .ok_or(SocketAddrError::MissingPort)?;
        let (ip, scope) = match inside.split_once('%') {
            Some((ip, scope)) => (ip, Some(scope)),
            None => (inside, None),
        };
        let ip: Ipv6Addr = ip
            .parse()
            .map_err(|_| SocketAddrError::BadIp(ip.to_owned()))?;
        let scope_id = match scope {
            None => 0,
            Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse()
                .map_err(|_| SocketAddrError::BadScope(s.to_owned()))?,
            Some(s) => return Err(SocketAddrError::BadScope(s.to_owned())),
        };
        let port = parse_port(port)?;
        return Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope_id)));
    }
    let (host, port) = text.rsplit_once(':').ok_or(SocketAddrError::MissingPort)?;
    if host.contains(':') {
        return Err(SocketAddrError::Unbracketed(text.to_owned()));
    }
    let ip: Ipv4Addr = host
        .parse()
        .map_err(|_| SocketAddrError::BadIp(host.to_owned()))?;
    Ok(SocketAddr::new(IpAddr::V4(ip), parse_port(port)?))
}

/// A port: 1 to 5 ASCII digits, at most 65535.
fn parse_port(text: &str) -> Result<u16, SocketAddrError> {
    let bad = || SocketAddrError::BadPort(text.to_owned());
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse().map_err(|_| bad())
}

// ---------------------------------------------------------------------------
// Name resolution
// ---------------------------------------------------------------------------

/// Which address families a lookup keeps: `getaddrinfo`'s `AF_UNSPEC`,
/// `AF_INET` and `AF_INET6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Both IPv4 and IPv6 (`AF_UNSPEC`).
    Any,
    /// IPv4 only (`AF_INET`).
    V4,
    /// IPv6 only (`AF_INET6`).
    V6,
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Any => "any family",
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// The longest host name DNS allows, in bytes.
pub const MAX_HOST_LEN: usize = 253;

/// The longest label (the part between two dots) of a host name.
pub const MAX_LABEL_LEN: usize = 63;

/// Why a host name gave no address.
#[derive(Debug)]
pub enum ResolveError {
    /// The name cannot be a host name, so it was not looked up: says why.
    BadHost(&'static str),
    /// The resolver failed (unknown name, no DNS server, ...).
    Lookup {
        /// The name that was looked up.
        host: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The name has addresses, but none of the family asked for.
    NoAddress {
        /// The name that was looked up.
        host: String,
        /// The family asked for.
        family: Family,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::BadHost(why) => write!(f, "not a host name: {why}"),
            ResolveError::Lookup { host, source } => {
                write!(f, "could not look up {host:?}: {source}")
            }
            ResolveError::NoAddress { host, family } => {
                write!(f, "{host:?} has no {family} address")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Refuses what cannot be a host name before it reaches the resolver.
fn check_host(host: &str) -> Result<(), ResolveError> {
    if host.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    // A scoped IPv6 literal, `fe80::1%2` or `fe80::1%eth0`: the resolver
    // turns the interface name into its number.
    if let Some((ip, scope)) = host.split_once('%') {
        let scope_ok = !scope.is_empty()
            && scope.len() <= MAX_LABEL_LEN
            && scope.bytes().all(|b| b.is_ascii_alphanumeric());
        if ip.parse::<Ipv6Addr>().is_ok() && scope_ok {
            return Ok(());
        }
    }
    if host.is_empty() {
        return Err(ResolveError::BadHost("the name is empty"));
    }
    if host.len() > MAX_HOST_LEN {
        return Err(ResolveError::BadHost("the name is over 253 bytes"));
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if !host.bytes().all(allowed) {
        return Err(ResolveError::BadHost(
            "a host name holds only letters, digits, '-', '_' and dots",
        ));
    }
    // One trailing dot is allowed: `localhost.` is the fully qualified form.
    let labels = host.strip_suffix('.').unwrap_or(host);
    for label in labels.split('.') {
        if label.is_empty() {
            return Err(ResolveError::BadHost("the name has an empty label (..)"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(ResolveError::BadHost("a label is over 63 bytes"));
        }
    }
    Ok(())
}

/// Steps 9 and 10. Resolves `host` and `port` to socket addresses, as
/// `socket.getaddrinfo(host, port, family, SOCK_STREAM)` does, in the
/// resolver's order, without duplicates, keeping only `family`'s. Rust's
/// way to call `getaddrinfo` is `(host, port).to_socket_addrs()`.
///
/// A name that cannot be a host name is refused before any lookup
/// ([`ResolveError::BadHost`]): empty, over [`MAX_HOST_LEN`] bytes, bytes
/// other than ASCII letters, digits, `-`, `_` and `.`, or a label (between
/// dots; one trailing dot is allowed) empty or over [`MAX_LABEL_LEN`] bytes.
/// An IP literal (`127.0.0.1`, `::1`) is always accepted, and so is an IPv6
/// literal with a scope of ASCII letters and digits (`fe80::1%2`,
/// `fe80::1%eth0`). A failed lookup
/// is [`ResolveError::Lookup`]; no address of `family` is
/// [`ResolveError::NoAddress`].
pub fn resolve(host: &str, port: u16, family: Family) -> Result<Vec<SocketAddr>, ResolveError> {
    check_host(host)?;
    let found = (host, port)
        .to_socket_addrs()
        .map_err(|source| ResolveError::Lookup {
            host: host.to_owned(),
            source,
        })?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for addr in found {
        let wanted = match family {
            Family::Any => true,
            Family::V4 => addr.is_ipv4(),
            Family::V6 => addr.is_ipv6(),
        };
        if wanted && !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    if addrs.is_empty() {
        return Err(ResolveError::NoAddress {
            host: host.to_owned(),
            family,
        });
    }
    Ok(addrs)
}

/// Why no connection could be made.
#[derive(Debug)]
pub enum ConnectError {
    /// The host name gave no address to try.
    Resolve(ResolveError),
    /// Every address was tried and failed: each with its error, in the order
    /// tried. Empty when there was no address to try.
    AllFailed(Vec<(SocketAddr, io::Error)>),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Resolve(e) => write!(f, "{e}"),
            ConnectError::AllFailed(attempts) if attempts.is_empty() => {
                write!(f, "no addresses to try")
            }
            ConnectError::AllFailed(attempts) => {
                write!(
                    f,
                    "could not connect to any of {} addresses",
                    attempts.len()
                )?;
                for (addr, e) in attempts {
                    write!(f, "; {addr}: {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<ResolveError> for ConnectError {
    fn from(e: ResolveError) -> Self {
        ConnectError::Resolve(e)
    }
}

/// Steps 11 to 13. Tries each address in turn, each with
/// `TcpStream::connect_timeout(addr, timeout)`, and returns the first
/// connection made. When all fail: [`ConnectError::AllFailed`] with every
/// address and its error, in order. Python: `socket.create_connection`
/// (with `all_errors=True`).
pub fn connect_first(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, ConnectError> {
    let mut failures = Vec::new();
    for &addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => failures.push((addr, e)),
        }
    }
    Err(ConnectError::AllFailed(failures))
}

/// Steps 11 and 13. Resolves `host` and `port` ([`resolve`], keeping
/// `family`) and connects to the first address that answers
/// ([`connect_first`]). A failed resolution is [`ConnectError::Resolve`].
pub fn connect_host(
    host: &str,
    port: u16,
    family: Family,
    timeout: Duration,
) -> Result<TcpStream, ConnectError> {
    let addrs = resolve(host, port, family)?;
    connect_first(&addrs, timeout)
}

// ---------------------------------------------------------------------------
// Unix domain sockets
// ---------------------------------------------------------------------------

/// The most bytes [`unix_request`] sends. It writes the whole message
/// before reading the echo, which is only safe while the message fits in the
/// sockets' buffers: a bigger one could leave both sides waiting for the
/// other to read (the framing deadlock of lesson 10).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// The most bytes [`unix_request`] accepts in a reply.
pub const MAX_REPLY: usize = 1024 * 1024;

/// A Unix domain socket server (`AF_UNIX`, `SOCK_STREAM`) bound to a path.
/// Dropping it removes the socket file.
#[derive(Debug)]
pub struct UnixServer {
    listener: UnixListener,
    path: PathBuf,
}

impl UnixServer {
    /// Steps 14, 16 and 17. Binds a listening Unix socket at `path`.
    ///
    /// A socket file left at `path` by a server that is gone (a *stale*
    /// file: connecting to it is refused) is removed first. Nothing else is
    /// ever removed: a socket a server still listens on is
    /// `ErrorKind::AddrInUse`, and a file that is not a socket is
    /// `ErrorKind::AlreadyExists`. Python's tutorial calls `os.unlink(path)`
    /// unconditionally, which steals a live server's name.
    pub fn bind(path: &Path) -> io::Result<UnixServer> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
            Ok(meta) if !meta.file_type().is_socket() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a socket", path.display()),
                ));
            }
            Ok(_) => match UnixStream::connect(path) {
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!("a server is listening on {}", path.display()),
                    ));
                }
                // Connecting failed: nobody is there, the file is stale.
                Err(_) => {
                    std::fs::remove_file(path)?;
                }
            },
        }
        let listener = UnixListener::bind(path)?;
        Ok(UnixServer {
            listener,
            path: path.to_owned(),
        })
    }

    /// The path the server is bound to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The listening socket.
    pub fn listener(&self) -> &UnixListener {
        &self.listener
    }

    /// Steps 14 and 18. Accepts `clients` connections, one after the
    /// other, and echoes each: every byte read is written back, until the
    /// client closes its side (EOF). Each connection gets read and write
    /// timeouts of `idle`; a timeout or an error on one connection (a client
    /// that went silent or vanished) ends that connection only. A failed
    /// `accept` is returned.
    pub fn serve_echo(&self, clients: usize, idle: Duration) -> io::Result<()> {
        for _ in 0..clients {
            let (mut stream, _) = self.listener.accept()?;
            // One client's failure is not the server's: drop it and go on.
            let _ = echo(&mut stream, idle);
        }
        Ok(())
    }
}

impl Drop for UnixServer {
    /// Step 16. Removes the socket file: the name would outlive the server.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Echoes one connection until EOF, in a fixed-size buffer.
fn echo(stream: &mut UnixStream, idle: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(idle))?;
    stream.set_write_timeout(Some(idle))?;
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => stream.write_all(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Step 15. The echo client: connects to the Unix socket at `path`, sets
/// read and write timeouts of `timeout`, writes all of `message`, closes its
/// writing side (`shutdown(Write)`, so the server reads EOF) and reads the
/// reply until the server closes. A message over [`MAX_MESSAGE`] bytes is
/// an error of kind `InvalidInput` (nothing is sent); a reply over
/// [`MAX_REPLY`] bytes is an error of kind `InvalidData`.
pub fn unix_request(path: &Path, message: &[u8], timeout: Duration) -> io::Result<Vec<u8>> {
    if message.len() > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a message is at most {MAX_MESSAGE} bytes"),
        ));
    }
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(message)?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    // Take one byte more than allowed, to tell "exactly MAX_REPLY" from "more".
    let limit = u64::try_from(MAX_REPLY)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    (&mut stream).take(limit).read_to_end(&mut reply)?;
    if reply.len() > MAX_REPLY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the reply is over {MAX_REPLY} bytes"),
        ));
    }
    Ok(reply)
}
