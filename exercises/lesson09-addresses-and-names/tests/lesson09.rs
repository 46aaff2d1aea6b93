//! Lesson 09's graded steps: addresses, ports, names and Unix sockets.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline. The steps that
//! need IPv6 on loopback skip (and pass) with a printed reason on a machine
//! without it.

use std::io::{self, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener,
};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use lesson09::*;
use rstest::rstest;
use socket2::{Domain, Socket, Type};
use testkit::chunking::write_chunked;
use testkit::{Chunking, Learner, assert_bytes_eq, escape, net, show, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

// ---------------------------------------------------------------------------
// IPv4 as a 32-bit number
// ---------------------------------------------------------------------------

#[rstest]
#[case(0, "0.0.0.0")]
#[case(0x7f00_0001, "127.0.0.1")]
#[case(0x0102_0304, "1.2.3.4")]
#[case(3_232_235_777, "192.168.1.1")]
#[case(167_772_161, "10.0.0.1")]
#[case(0xc633_6407, "198.51.100.7")]
#[case(u32::MAX, "255.255.255.255")]
fn step01_formats_u32_as_dotted_quad(#[case] n: u32, #[case] want: &str) {
    let _step = step!(LESSON);
    let got = within(LIMIT, "format_ipv4", move || format_ipv4(n));
    assert_eq!(
        got, want,
        "format_ipv4({n}) (hex {n:#010x}): the four bytes, most significant first, in decimal"
    );
}

#[rstest]
#[case("0.0.0.0", 0)]
#[case("127.0.0.1", 0x7f00_0001)]
#[case("1.2.3.4", 0x0102_0304)]
#[case("192.168.1.1", 3_232_235_777)]
#[case("10.0.0.1", 167_772_161)]
#[case("255.255.255.255", u32::MAX)]
#[case("8.8.4.4", 0x0808_0404)]
fn step02_parses_dotted_quad(#[case] text: &str, #[case] want: u32) {
    let step = step!(LESSON);
    let t = text.to_owned();
    let got = within(LIMIT, "parse_ipv4", move || parse_ipv4(&t));
    match got {
        Ok(n) => assert_eq!(
            n, want,
            "parse_ipv4({text:?}): expected {want} ({want:#010x}), got {n} ({n:#010x})"
        ),
        Err(e) => panic!("parse_ipv4({text:?}) failed ({e}); it is a valid address"),
    }
    // And back again, for 500 numbers the seed spreads over the whole range
    // (multiplying by an odd constant scatters consecutive values).
    let seed = step.seed() as u32;
    let numbers: Vec<u32> = (0..500u32)
        .map(|i| (seed ^ i).wrapping_mul(0x9e37_79b9))
        .collect();
    let round = within(LIMIT, "format_ipv4 then parse_ipv4", move || {
        numbers
            .into_iter()
            .map(|n| (n, format_ipv4(n), parse_ipv4(&format_ipv4(n))))
            .find(|(n, _, back)| back.as_ref() != Ok(n))
    });
    if let Some((n, text, back)) = round {
        panic!("parse_ipv4(format_ipv4({n})) = parse_ipv4({text:?}) gave {back:?}, not Ok({n})");
    }
}

#[rstest]
#[case::empty("", Ipv4Error::PartCount(1))]
#[case::three_parts("1.2.3", Ipv4Error::PartCount(3))]
#[case::five_parts("1.2.3.4.5", Ipv4Error::PartCount(5))]
#[case::empty_part("1..2.3", Ipv4Error::EmptyPart)]
#[case::trailing_dot("1.2.3.", Ipv4Error::EmptyPart)]
#[case::over_255("256.1.1.1", Ipv4Error::OutOfRange("256".into()))]
#[case::last_over_255("1.2.3.999", Ipv4Error::OutOfRange("999".into()))]
#[case::leading_zero("01.2.3.4", Ipv4Error::LeadingZero("01".into()))]
#[case::leading_junk("x1.2.3.4", Ipv4Error::NotDecimal("x1".into()))]
#[case::leading_space(" 1.2.3.4", Ipv4Error::NotDecimal(" 1".into()))]
#[case::trailing_newline("1.2.3.4\n", Ipv4Error::NotDecimal("4\n".into()))]
#[case::plus_sign("+1.2.3.4", Ipv4Error::NotDecimal("+1".into()))]
#[case::minus_sign("1.2.3.-4", Ipv4Error::NotDecimal("-4".into()))]
#[case::hex("0x7f.0.0.1", Ipv4Error::NotDecimal("0x7f".into()))]
#[case::fullwidth_digit("\u{ff11}.2.3.4", Ipv4Error::NotDecimal("\u{ff11}".into()))]
#[case::sixteen_bytes("255.255.255.2555", Ipv4Error::TooLong(16))]
#[case::huge(&"1".repeat(100_000), Ipv4Error::TooLong(100_000))]
fn step03_rejects_bad_dotted_quads(#[case] text: &str, #[case] want: Ipv4Error) {
    let _step = step!(LESSON);
    let t = text.to_owned();
    let got = within(LIMIT, "parse_ipv4", move || parse_ipv4(&t));
    assert_eq!(
        got,
        Err(want.clone()),
        "parse_ipv4({}) must fail with Err({want:?}) ({want})",
        show(text.as_bytes())
    );
}

// ---------------------------------------------------------------------------
// Special addresses and ports
// ---------------------------------------------------------------------------

#[rstest]
#[case("0.0.0.0", AddrClass::Unspecified)]
#[case("127.0.0.1", AddrClass::Loopback)]
#[case("127.255.255.254", AddrClass::Loopback)]
#[case("10.1.2.3", AddrClass::Private)]
#[case("11.0.0.1", AddrClass::Global)]
#[case("172.16.0.1", AddrClass::Private)]
#[case("172.31.255.255", AddrClass::Private)]
#[case("172.15.255.255", AddrClass::Global)]
#[case("172.32.0.1", AddrClass::Global)]
#[case("192.168.0.1", AddrClass::Private)]
#[case("192.169.0.1", AddrClass::Global)]
#[case("169.254.10.20", AddrClass::LinkLocal)]
#[case("224.0.0.1", AddrClass::Multicast)]
#[case("239.255.255.250", AddrClass::Multicast)]
#[case("255.255.255.255", AddrClass::Broadcast)]
#[case("192.0.2.1", AddrClass::Documentation)]
#[case("198.51.100.7", AddrClass::Documentation)]
#[case("203.0.113.200", AddrClass::Documentation)]
#[case("8.8.8.8", AddrClass::Global)]
#[case("93.184.216.34", AddrClass::Global)]
fn step04_classifies_ipv4(#[case] text: &str, #[case] want: AddrClass) {
    let _step = step!(LESSON);
    let ip: IpAddr = text.parse().expect("a valid test address");
    let got = within(LIMIT, "classify", move || classify(ip));
    assert_eq!(got, want, "classify({text}): expected {want}, got {got}");
}

#[rstest]
#[case("::", AddrClass::Unspecified)]
#[case("::1", AddrClass::Loopback)]
#[case("fe80::1", AddrClass::LinkLocal)]
#[case("febf::1", AddrClass::LinkLocal)]
#[case("fc00::1", AddrClass::Private)]
#[case("fd12:3456:789a::1", AddrClass::Private)]
#[case("ff02::1", AddrClass::Multicast)]
#[case("2001:db8::1", AddrClass::Documentation)]
#[case("2001:db9::1", AddrClass::Global)]
#[case("2606:4700:4700::1111", AddrClass::Global)]
#[case("::ffff:192.168.1.1", AddrClass::Private)]
#[case("::ffff:127.0.0.1", AddrClass::Loopback)]
#[case("::ffff:8.8.8.8", AddrClass::Global)]
fn step05_classifies_ipv6(#[case] text: &str, #[case] want: AddrClass) {
    let _step = step!(LESSON);
    let ip: IpAddr = text.parse().expect("a valid test address");
    let got = within(LIMIT, "classify", move || classify(ip));
    assert_eq!(got, want, "classify({text}): expected {want}, got {got}");
}

#[rstest]
#[case(21, Some("ftp"), PortRange::WellKnown)]
#[case(22, Some("ssh"), PortRange::WellKnown)]
#[case(25, Some("smtp"), PortRange::WellKnown)]
#[case(53, Some("dns"), PortRange::WellKnown)]
#[case(80, Some("http"), PortRange::WellKnown)]
#[case(443, Some("https"), PortRange::WellKnown)]
#[case(3306, Some("mysql"), PortRange::Registered)]
#[case(0, None, PortRange::WellKnown)]
#[case(1023, None, PortRange::WellKnown)]
#[case(1024, None, PortRange::Registered)]
#[case(8080, None, PortRange::Registered)]
#[case(49151, None, PortRange::Registered)]
#[case(49152, None, PortRange::Dynamic)]
#[case(65535, None, PortRange::Dynamic)]
fn step06_knows_ports(
    #[case] port: u16,
    #[case] service: Option<&'static str>,
    #[case] range: PortRange,
) {
    let _step = step!(LESSON);
    let got = within(LIMIT, "service_name", move || service_name(port));
    assert_eq!(got, service, "service_name({port})");
    let got = within(LIMIT, "port_range", move || port_range(port));
    assert_eq!(got, range, "port_range({port})");
}

// ---------------------------------------------------------------------------
// Socket addresses
// ---------------------------------------------------------------------------

fn v4(a: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(a), port))
}

fn v6(ip: &str, port: u16, scope: u32) -> SocketAddr {
    let ip: Ipv6Addr = ip.parse().expect("a valid test address");
    SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope))
}

#[rstest]
#[case("127.0.0.1:80", v4([127, 0, 0, 1], 80))]
#[case("0.0.0.0:0", v4([0, 0, 0, 0], 0))]
#[case("255.255.255.255:65535", v4([255; 4], 65535))]
#[case("[::1]:8080", v6("::1", 8080, 0))]
#[case("[::]:443", v6("::", 443, 0))]
#[case("[fe80::1%2]:80", v6("fe80::1", 80, 2))]
#[case("[::ffff:10.0.0.1]:22", v6("::ffff:10.0.0.1", 22, 0))]
#[case("[2001:db8::8a2e:370:7334]:443", v6("2001:db8::8a2e:370:7334", 443, 0))]
fn step07_parses_and_formats_socket_addrs(#[case] text: &str, #[case] want: SocketAddr) {
    let _step = step!(LESSON);
    let t = text.to_owned();
    let got = within(LIMIT, "parse_socket_addr", move || parse_socket_addr(&t));
    match got {
        Ok(addr) => assert_eq!(
            addr, want,
            "parse_socket_addr({text:?}) (for IPv6 the scope id after % counts too)"
        ),
        Err(e) => panic!("parse_socket_addr({text:?}) failed ({e}); it is a valid address"),
    }
    let written = within(LIMIT, "format_socket_addr", move || {
        format_socket_addr(want)
    });
    assert_eq!(
        written, text,
        "format_socket_addr({want:?}): IPv6 goes in brackets, with %SCOPE when the scope id is not 0"
    );
}

#[rstest]
#[case::no_port("127.0.0.1", SocketAddrError::MissingPort)]
#[case::no_port_v6("[::1]", SocketAddrError::MissingPort)]
#[case::no_colon_after_bracket("[::1]80", SocketAddrError::MissingPort)]
#[case::empty("", SocketAddrError::MissingPort)]
#[case::huge(&"9".repeat(100_000), SocketAddrError::MissingPort)]
#[case::port_too_big("127.0.0.1:65536", SocketAddrError::BadPort("65536".into()))]
#[case::port_empty("127.0.0.1:", SocketAddrError::BadPort(String::new()))]
#[case::port_named("127.0.0.1:http", SocketAddrError::BadPort("http".into()))]
#[case::port_signed("127.0.0.1:+80", SocketAddrError::BadPort("+80".into()))]
#[case::port_six_digits("127.0.0.1:000080", SocketAddrError::BadPort("000080".into()))]
#[case::port_v6_huge("[::1]:99999999999999999999", SocketAddrError::BadPort("99999999999999999999".into()))]
#[case::bad_ipv4("300.1.1.1:80", SocketAddrError::BadIp("300.1.1.1".into()))]
#[case::a_name("localhost:80", SocketAddrError::BadIp("localhost".into()))]
#[case::v4_in_brackets("[127.0.0.1]:80", SocketAddrError::BadIp("127.0.0.1".into()))]
#[case::unbracketed("::1:80", SocketAddrError::Unbracketed("::1:80".into()))]
#[case::unclosed("[::1:80", SocketAddrError::UnclosedBracket)]
#[case::named_scope("[fe80::1%eth0]:80", SocketAddrError::BadScope("eth0".into()))]
#[case::empty_scope("[fe80::1%]:80", SocketAddrError::BadScope(String::new()))]
#[case::signed_scope("[fe80::1%+2]:80", SocketAddrError::BadScope("+2".into()))]
fn step08_rejects_bad_socket_addrs(#[case] text: &str, #[case] want: SocketAddrError) {
    let _step = step!(LESSON);
    let t = text.to_owned();
    let got = within(LIMIT, "parse_socket_addr", move || parse_socket_addr(&t));
    assert_eq!(
        got,
        Err(want.clone()),
        "parse_socket_addr({}) must fail with Err({want:?}) ({want}); a port is 1 to 5 ASCII \
         digits up to 65535 and a scope id ASCII digits only: test the bytes yourself, as \
         str::parse accepts a '+' sign",
        show(text.as_bytes())
    );
}

// ---------------------------------------------------------------------------
// Name resolution
// ---------------------------------------------------------------------------

/// What a lookup should give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exactly these addresses, in this order.
    Exactly(&'static [&'static str]),
    /// At least one address, all loopback, of the family asked for, no
    /// duplicates; `must` among them.
    Loopback(Option<&'static str>),
    /// `ResolveError::NoAddress`.
    NoAddress,
}

#[rstest]
#[case::v4_literal("127.0.0.1", Family::Any, Expect::Exactly(&["127.0.0.1:8080"]))]
#[case::v4_literal_as_v4("127.0.0.1", Family::V4, Expect::Exactly(&["127.0.0.1:8080"]))]
#[case::v6_literal("::1", Family::Any, Expect::Exactly(&["[::1]:8080"]))]
#[case::v6_literal_as_v6("::1", Family::V6, Expect::Exactly(&["[::1]:8080"]))]
#[case::v4_literal_as_v6("127.0.0.1", Family::V6, Expect::NoAddress)]
#[case::v6_literal_as_v4("::1", Family::V4, Expect::NoAddress)]
#[case::scoped_v6_literal("fe80::1%2", Family::Any, Expect::Exactly(&["[fe80::1%2]:8080"]))]
#[case::localhost_v4("localhost", Family::V4, Expect::Loopback(Some("127.0.0.1:8080")))]
#[case::localhost_any("localhost", Family::Any, Expect::Loopback(None))]
fn step09_resolves_literals_and_localhost(
    #[case] host: &str,
    #[case] family: Family,
    #[case] expect: Expect,
) {
    let _step = step!(LESSON);
    let h = host.to_owned();
    let got = within(LIMIT, "resolve", move || resolve(&h, 8080, family));
    let call = format!("resolve({host:?}, 8080, Family::{family:?})");
    match (expect, got) {
        (Expect::Exactly(want), Ok(addrs)) => {
            let want: Vec<SocketAddr> =
                want.iter().map(|a| a.parse().expect("test addr")).collect();
            assert_eq!(addrs, want, "{call}");
        }
        (Expect::Loopback(must), Ok(addrs)) => {
            assert!(!addrs.is_empty(), "{call} returned no address");
            for a in &addrs {
                assert!(
                    a.ip().is_loopback() && a.port() == 8080,
                    "{call} returned {a}: localhost is a loopback address, and the port is 8080"
                );
                let family_ok = match family {
                    Family::Any => true,
                    Family::V4 => a.is_ipv4(),
                    Family::V6 => a.is_ipv6(),
                };
                assert!(family_ok, "{call} returned {a}, which is not {family}");
            }
            for (i, a) in addrs.iter().enumerate() {
                assert!(
                    !addrs[..i].contains(a),
                    "{call} returned {a} twice: {addrs:?}"
                );
            }
            if let Some(must) = must {
                let must: SocketAddr = must.parse().expect("test addr");
                assert!(addrs.contains(&must), "{call} = {addrs:?} lacks {must}");
            }
        }
        (Expect::NoAddress, Err(ResolveError::NoAddress { .. })) => {}
        (Expect::NoAddress, other) => panic!(
            "{call}: the host has no address of that family: expected \
             Err(ResolveError::NoAddress {{ .. }}), got {other:?}"
        ),
        (_, Err(e @ ResolveError::BadHost(_))) => panic!(
            "{call} failed: {e}; {host:?} is an IP literal (an IPv6 one may carry a scope id, \
             as %2 or %eth0): accept it before the host-name rules and let the resolver read it"
        ),
        (_, Err(e)) => panic!("{call} failed: {e}"),
    }
}

/// A host name of four labels of the given lengths, all zeros but for the
/// last digits: `inet_aton`, which the resolver tries before
/// asking DNS, reads each label as an octal number (`0177` is 127), so the
/// name is the address 127.0.0.1 and no DNS server is asked. A valid host
/// name all the same: digits and dots.
fn octal_loopback(lengths: [usize; 4]) -> String {
    let [a, b, c, d] = lengths;
    format!(
        "{}177.{}.{}.{}1",
        "0".repeat(a - 3),
        "0".repeat(b),
        "0".repeat(c),
        "0".repeat(d - 1)
    )
}

#[rstest]
#[case::empty(String::new(), true)]
#[case::space("exa mple.com".to_owned(), true)]
#[case::empty_label("a..example.com".to_owned(), true)]
#[case::leading_dot(".example.com".to_owned(), true)]
#[case::nul_byte("bad\0host".to_owned(), true)]
#[case::slash("host/name".to_owned(), true)]
#[case::long_label(format!("{}.com", "a".repeat(64)), true)]
#[case::too_long("a.".repeat(127), true)]
#[case::huge("x".repeat(1_000_000), true)]
#[case::empty_scope("fe80::1%".to_owned(), true)]
#[case::scoped_ipv4("127.0.0.1%2".to_owned(), true)]
#[case::label_of_exactly_63(octal_loopback([63, 1, 1, 1]), false)]
#[case::name_of_exactly_253(octal_loopback([63, 63, 63, 61]), false)]
fn step10_refuses_bad_host_names(#[case] host: String, #[case] refuse: bool) {
    let _step = step!(LESSON);
    let shown = show(host.as_bytes());
    let longest = host.split('.').map(str::len).max().unwrap_or(0);
    let len = host.len();
    let got = within(LIMIT, "resolve", move || resolve(&host, 80, Family::Any));
    if refuse {
        assert!(
            matches!(got, Err(ResolveError::BadHost(_))),
            "resolve({shown}, 80, Family::Any): that cannot be a host name, refuse it before any \
             lookup: expected Err(ResolveError::BadHost(..)), got {got:?}"
        );
    } else {
        assert!(
            !matches!(got, Err(ResolveError::BadHost(_))),
            "resolve({shown}, 80, Family::Any): {len} bytes, its longest label {longest}: a name \
             of up to MAX_HOST_LEN ({MAX_HOST_LEN}) bytes with labels of up to MAX_LABEL_LEN \
             ({MAX_LABEL_LEN}) is a host name (refuse only longer ones: > not >=): expected it \
             looked up (the resolver reads these zeros and digits as 127.0.0.1), got {got:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Trying each address in turn
// ---------------------------------------------------------------------------

/// Prints why an IPv6 step is skipped. A skipped step counts as passed.
fn skip_without_ipv6(step: &str) -> bool {
    if testkit::net::ipv6_available() {
        return false;
    }
    println!("{step}: skipped, this machine cannot bind [::1] (no IPv6 on loopback)");
    true
}

/// A socket bound to `addr` but not listening, as `net::refusing` makes,
/// but on a port of the test's choosing (`net::refusing` takes port 0).
fn refusing_socket(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.bind(&addr.into())?;
    Ok(socket)
}

/// A listener on one loopback family whose port, on the other family's
/// loopback, refuses connections (when the machine has IPv6): a server that
/// listens on one family only, whatever else the port may hold.
struct OneFamily {
    listener: TcpListener,
    addr: SocketAddr,
    /// The same port on the other family, refusing; `None` without IPv6.
    other: Option<(Socket, SocketAddr)>,
}

fn one_family_listener(ip: IpAddr) -> OneFamily {
    let other_ip: IpAddr = if ip.is_ipv4() {
        Ipv6Addr::LOCALHOST.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    for _ in 0..50 {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback listener on port 0");
        let addr = listener.local_addr().expect("a listener has an address");
        if !testkit::net::ipv6_available() {
            return OneFamily {
                listener,
                addr,
                other: None,
            };
        }
        let other_addr = SocketAddr::new(other_ip, addr.port());
        if let Ok(socket) = refusing_socket(other_addr) {
            return OneFamily {
                listener,
                addr,
                other: Some((socket, other_addr)),
            };
        }
    }
    panic!("could not find a port free on both 127.0.0.1 and [::1]");
}

/// Accepts one connection on `listener`, sends `tag` and closes.
fn greet_one(listener: TcpListener, tag: String) -> JoinHandle<io::Result<SocketAddr>> {
    thread::spawn(move || {
        let (mut stream, peer) = listener.accept()?;
        stream.write_all(tag.as_bytes())?;
        Ok(peer)
    })
}

/// Reads everything a connection made by the learner's code sends.
fn read_all(mut stream: std::net::TcpStream) -> io::Result<Vec<u8>> {
    net::set_timeouts(&stream, LIMIT);
    let mut got = Vec::new();
    stream.read_to_end(&mut got)?;
    Ok(got)
}

#[rstest]
#[case::first_answers(0)]
#[case::second_answers(1)]
#[case::fourth_answers(3)]
fn step11_tries_each_address_in_turn(#[case] refused_before: usize) {
    let _step = step!(LESSON);
    let server = one_family_listener(Ipv4Addr::LOCALHOST.into());
    let target = server.addr;
    let greeter = greet_one(server.listener, "hello from the listener".into());
    let refusers: Vec<net::Refusing> = (0..refused_before)
        .map(|_| net::refusing(Ipv4Addr::LOCALHOST.into()))
        .collect();
    let mut addrs: Vec<SocketAddr> = refusers.iter().map(|r| r.addr).collect();
    addrs.push(target);
    let list = addrs.clone();
    let got = within(LIMIT, "connect_first", move || connect_first(&list, LIMIT));
    let stream = got.unwrap_or_else(|e| {
        panic!(
            "connect_first({addrs:?}) failed ({e}); {target} listens: when an address fails, \
                 try the next one"
        )
    });
    assert_eq!(
        stream.peer_addr().ok(),
        Some(target),
        "connect_first({addrs:?}) connected elsewhere: only {target} listens"
    );
    let greeting = read_all(stream).unwrap_or_default();
    assert_bytes_eq(
        "what the listening server sent",
        b"hello from the listener",
        &greeting,
    );
    let _ = greeter.join();

    // By name: "localhost" may resolve to [::1] first; that port refuses there.
    let server = one_family_listener(Ipv4Addr::LOCALHOST.into());
    let port = server.addr.port();
    let greeter = greet_one(server.listener, "hello, localhost".into());
    let got = within(LIMIT, "connect_host", move || {
        connect_host("localhost", port, Family::Any, LIMIT)
    });
    let stream = got.unwrap_or_else(|e| {
        panic!("connect_host(\"localhost\", {port}, Family::Any) failed ({e}); 127.0.0.1:{port} listens")
    });
    let greeting = read_all(stream).unwrap_or_default();
    assert_bytes_eq(
        &format!("connect_host(\"localhost\", {port}, Family::Any), then read"),
        b"hello, localhost",
        &greeting,
    );
    drop(server.other);
    let _ = greeter.join();
}

#[test]
fn step12_falls_back_between_families() {
    let _step = step!(LESSON);
    if skip_without_ipv6("step12_falls_back_between_families") {
        return;
    }
    // Only one family's loopback listens; the other's, on the same port,
    // refuses and comes first in the list.
    for (ip, family, greeting) in [
        (IpAddr::from(Ipv4Addr::LOCALHOST), "IPv4", "IPv4 here"),
        (IpAddr::from(Ipv6Addr::LOCALHOST), "IPv6", "IPv6 here"),
    ] {
        let server = one_family_listener(ip);
        let (_refuser, other_addr) = server.other.expect("IPv6 is available");
        let list = vec![other_addr, server.addr];
        let greeter = greet_one(server.listener, greeting.into());
        let l = list.clone();
        let got = within(LIMIT, "connect_first", move || connect_first(&l, LIMIT));
        let stream = got.unwrap_or_else(|e| {
            panic!(
                "connect_first({list:?}) failed ({e}); only the {family} address listens, try it next"
            )
        });
        assert_eq!(
            stream.peer_addr().ok(),
            Some(list[1]),
            "connect_first({list:?})"
        );
        assert_bytes_eq(
            &format!("what the {family} server sent"),
            greeting.as_bytes(),
            &read_all(stream).unwrap_or_default(),
        );
        let _ = greeter.join();
    }

    // By name and family: "::1" as IPv6 reaches an IPv6-only server.
    let server = one_family_listener(Ipv6Addr::LOCALHOST.into());
    let port = server.addr.port();
    let greeter = greet_one(server.listener, "still IPv6".into());
    let got = within(LIMIT, "connect_host", move || {
        connect_host("::1", port, Family::V6, LIMIT)
    });
    let stream = got.unwrap_or_else(|e| panic!("connect_host(\"::1\", {port}, Family::V6): {e}"));
    assert_bytes_eq(
        "what the IPv6 server sent",
        b"still IPv6",
        &read_all(stream).unwrap_or_default(),
    );
    let _ = greeter.join();
}

#[test]
fn step13_reports_every_failed_attempt() {
    let _step = step!(LESSON);
    let first = net::refusing(Ipv4Addr::LOCALHOST.into());
    let quiet = net::unanswering();
    let last = net::refusing(Ipv4Addr::LOCALHOST.into());
    let list = vec![first.addr, quiet.addr, last.addr];
    let l = list.clone();
    let got = Learner::spawn("connect_first with a 300 ms timeout", move || {
        connect_first(&l, Duration::from_millis(300))
    })
    .wait(
        LIMIT,
        "trying three addresses, the middle one never answers: each attempt must give up after \
         `timeout` (connect_timeout), not after the minutes a plain connect waits",
    );
    let attempts = match got {
        Err(ConnectError::AllFailed(attempts)) => attempts,
        other => panic!(
            "connect_first({list:?}): the first and last refuse, the middle one never answers: \
             expected Err(ConnectError::AllFailed(..)) with three attempts, got {other:?}"
        ),
    };
    let tried: Vec<SocketAddr> = attempts.iter().map(|(a, _)| *a).collect();
    assert_eq!(
        tried, list,
        "ConnectError::AllFailed must hold every address tried, in order, with its error"
    );
    let kinds: Vec<io::ErrorKind> = attempts.iter().map(|(_, e)| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::TimedOut,
            io::ErrorKind::ConnectionRefused
        ],
        "each attempt's own error: refused, timed out (after the 300 ms timeout), refused"
    );

    let got = within(LIMIT, "connect_first(&[])", || connect_first(&[], LIMIT));
    assert!(
        matches!(&got, Err(ConnectError::AllFailed(a)) if a.is_empty()),
        "connect_first(&[]): nothing to try: expected Err(ConnectError::AllFailed(vec![])), got {got:?}"
    );
    // Resolve errors, on a port that refuses should the code connect anyway.
    let port = first.addr.port();
    let got = within(LIMIT, "connect_host", move || {
        connect_host("", port, Family::Any, LIMIT)
    });
    assert!(
        matches!(got, Err(ConnectError::Resolve(ResolveError::BadHost(_)))),
        "connect_host(\"\", ..): expected Err(ConnectError::Resolve(ResolveError::BadHost(..))), got {got:?}"
    );
    let got = within(LIMIT, "connect_host", move || {
        connect_host("127.0.0.1", port, Family::V6, LIMIT)
    });
    assert!(
        matches!(
            got,
            Err(ConnectError::Resolve(ResolveError::NoAddress { .. }))
        ),
        "connect_host(\"127.0.0.1\", {port}, Family::V6): expected \
         Err(ConnectError::Resolve(ResolveError::NoAddress {{ .. }})), got {got:?}"
    );
}

// ---------------------------------------------------------------------------
// Unix domain sockets
// ---------------------------------------------------------------------------

/// A temporary directory for socket files, removed with everything in it.
fn socket_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("echo.sock");
    (dir, path)
}

/// True when `path` names a socket file.
fn is_socket_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .map(|m| m.file_type().is_socket())
        .unwrap_or(false)
}

/// Binds the learner's server at `path` under a deadline.
fn bind_server(path: &Path) -> UnixServer {
    let p = path.to_owned();
    within(LIMIT, "UnixServer::bind", move || UnixServer::bind(&p))
        .unwrap_or_else(|e| panic!("UnixServer::bind({}) failed: {e}", path.display()))
}

/// A test client: connects to `path`, writes `message` cut as `chunking`,
/// half-closes and reads the reply to EOF, on its own thread.
fn echo_client(
    path: &Path,
    message: Vec<u8>,
    chunking: Chunking,
) -> JoinHandle<io::Result<Vec<u8>>> {
    let path = path.to_owned();
    thread::spawn(move || {
        let mut stream = UnixStream::connect(&path)?;
        stream.set_read_timeout(Some(LIMIT))?;
        stream.set_write_timeout(Some(LIMIT))?;
        write_chunked(&mut stream, &message, chunking)?;
        stream.shutdown(Shutdown::Write)?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply)?;
        Ok(reply)
    })
}

/// A test server at `path` for one client: reads the request to EOF, then
/// echoes it cut as `chunking` and closes; gives back what it read.
fn reading_echo_server(path: &Path, chunking: Chunking) -> JoinHandle<io::Result<Vec<u8>>> {
    let listener = UnixListener::bind(path).expect("bind a test server");
    thread::spawn(move || -> io::Result<Vec<u8>> {
        let (mut stream, _) = listener.accept()?;
        // Longer than the client's timeout: a client that never half-closes
        // meets its own timeout first.
        stream.set_read_timeout(Some(LIMIT * 2))?;
        stream.set_write_timeout(Some(LIMIT))?;
        let mut got = Vec::new();
        stream.read_to_end(&mut got)?;
        write_chunked(&mut stream, &got, chunking)?;
        Ok(got)
    })
}

/// Text lines and every byte value: what an echo must return unchanged.
fn echo_message() -> Vec<u8> {
    let mut message = b"hello over AF_UNIX\nsecond line\r\n".to_vec();
    message.extend((0..=255u8).chain((0..=255u8).rev()));
    message.extend_from_slice(b"\nthe end\n");
    message
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::merged(Chunking::Whole)]
#[case::random(Chunking::Random { seed: 0, max: 100 })]
fn step14_unix_echo_round_trip(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = match chunking {
        Chunking::Random { max, .. } => Chunking::Random {
            seed: step.seed(),
            max,
        },
        other => other,
    };
    let (_dir, path) = socket_dir();
    let server = bind_server(&path);
    assert!(
        is_socket_file(&path),
        "after UnixServer::bind, {} should be a socket file",
        path.display()
    );
    let message = echo_message();
    let client = echo_client(&path, message.clone(), chunking);
    let (server, served) = within(LIMIT, "serve_echo for one client", move || {
        let served = server.serve_echo(1, LIMIT);
        (server, served)
    });
    if let Err(e) = served {
        panic!("serve_echo(1, ..) failed: {e}");
    }
    let reply = client
        .join()
        .expect("the test client")
        .unwrap_or_else(|e| panic!("the client's exchange failed: {e}"));
    assert_bytes_eq(
        &format!(
            "the echo of {} bytes sent {chunking} then EOF",
            message.len()
        ),
        &message,
        &reply,
    );
    drop(server);
}

#[rstest]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::whole(Chunking::Whole)]
#[case::random(Chunking::Random { seed: 0, max: 64 })]
fn step15_unix_client_reads_the_whole_echo(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = match chunking {
        Chunking::Random { max, .. } => Chunking::Random {
            seed: step.seed(),
            max,
        },
        other => other,
    };
    let (_dir, path) = socket_dir();
    let server = reading_echo_server(&path, chunking);
    let message = echo_message();
    let (p, m) = (path.clone(), message.clone());
    let got = within(LIMIT * 3, "unix_request", move || {
        unix_request(&p, &m, LIMIT)
    });
    let reply = got.unwrap_or_else(|e| {
        panic!(
            "unix_request failed: {e}\n(the server reads until EOF, then echoes {chunking} and \
             closes: after the message, shut down the writing side so that it sees EOF)"
        )
    });
    let heard = within(
        LIMIT,
        "the test server (waiting for unix_request to connect, send and shutdown(Write))",
        move || server.join().expect("the test server"),
    );
    match heard {
        Ok(heard) => assert_bytes_eq(
            "what the server read before EOF (write the whole message, then shutdown(Write))",
            &message,
            &heard,
        ),
        Err(e) => panic!("the server could not read the request to EOF: {e}"),
    }
    assert_bytes_eq(&format!("the reply, echoed {chunking}"), &message, &reply);

    // Exactly MAX_MESSAGE bytes is still allowed: only more is refused
    // (echoed whole: the size is the point here).
    let (_dir2, path) = socket_dir();
    let server = reading_echo_server(&path, Chunking::Whole);
    let message: Vec<u8> = (0..MAX_MESSAGE).map(|i| (i % 251) as u8).collect();
    let (p, m) = (path.clone(), message.clone());
    let got = within(
        LIMIT * 3,
        "unix_request with MAX_MESSAGE bytes",
        move || unix_request(&p, &m, LIMIT),
    );
    let reply = got.unwrap_or_else(|e| {
        panic!(
            "unix_request with a message of exactly MAX_MESSAGE ({MAX_MESSAGE}) bytes failed: \
             {e}\n(the limit itself is allowed: refuse only a message over MAX_MESSAGE, > not >=)"
        )
    });
    assert_bytes_eq(
        &format!("the reply to a message of exactly MAX_MESSAGE ({MAX_MESSAGE}) bytes"),
        &message,
        &reply,
    );
    let _ = within(LIMIT, "the test server, after its echo", move || {
        server.join()
    });

    // Too big to write before reading: refused before connecting.
    let nowhere = path.with_file_name("nobody-listens.sock");
    let got = within(LIMIT, "unix_request with a huge message", move || {
        unix_request(&nowhere, &vec![b'x'; MAX_MESSAGE + 1], LIMIT)
    });
    assert!(
        matches!(&got, Err(e) if e.kind() == io::ErrorKind::InvalidInput),
        "unix_request with {} bytes (MAX_MESSAGE + 1): expected an error of kind InvalidInput, got {got:?}",
        MAX_MESSAGE + 1
    );
}

#[test]
fn step16_socket_file_is_removed_and_stale_ones_replaced() {
    let _step = step!(LESSON);
    let (_dir, path) = socket_dir();
    let server = bind_server(&path);
    assert!(
        is_socket_file(&path),
        "bind should create {}",
        path.display()
    );
    drop(server);
    assert!(
        !path.exists(),
        "{} is still there after the UnixServer was dropped: remove it in Drop",
        path.display()
    );

    // A stale file: its server is gone, the name is left behind.
    let old = UnixListener::bind(&path).expect("bind a server that will go away");
    drop(old);
    assert!(path.exists(), "a dropped UnixListener leaves its file");
    let server = bind_server(&path);
    let stream = UnixStream::connect(&path);
    assert!(
        stream.is_ok(),
        "after binding over a stale socket file, connecting to {} failed: {stream:?}",
        path.display()
    );
    drop(stream);
    drop(server);
    assert!(
        !path.exists(),
        "{} is still there after the UnixServer was dropped",
        path.display()
    );
}

#[test]
fn step17_bind_spares_live_sockets_and_other_files() {
    let _step = step!(LESSON);
    let (_dir, path) = socket_dir();
    let live = UnixListener::bind(&path).expect("bind a live server");
    live.set_nonblocking(true).expect("non-blocking accept");
    let p = path.clone();
    let got = within(LIMIT, "UnixServer::bind", move || {
        UnixServer::bind(&p).map(drop)
    });
    assert!(
        matches!(&got, Err(e) if e.kind() == io::ErrorKind::AddrInUse),
        "UnixServer::bind on a path where a server still listens: expected an error of kind \
         AddrInUse, got {got:?}"
    );
    let still = UnixStream::connect(&path).and_then(|_client| live.accept().map(drop));
    assert!(
        still.is_ok(),
        "the live server at {} no longer gets connections ({still:?}): bind removed its socket file",
        path.display()
    );
    drop(live);

    let file = path.with_file_name("notes.txt");
    std::fs::write(&file, "precious").expect("write a regular file");
    let f = file.clone();
    let got = within(LIMIT, "UnixServer::bind", move || {
        UnixServer::bind(&f).map(drop)
    });
    assert!(
        matches!(&got, Err(e) if e.kind() == io::ErrorKind::AlreadyExists),
        "UnixServer::bind on a regular file: expected an error of kind AlreadyExists, got {got:?}"
    );
    let kept = std::fs::read(&file).unwrap_or_default();
    assert_bytes_eq(
        "the regular file UnixServer::bind was pointed at must be left alone",
        b"precious",
        &kept,
    );

    // A live datagram socket: connecting a stream to it fails, but is not
    // refused, so it is not stale.
    let dgram_path = path.with_file_name("datagrams.sock");
    let dgram = UnixDatagram::bind(&dgram_path).expect("bind a datagram socket");
    let connect_error = match UnixStream::connect(&dgram_path) {
        Ok(_) => panic!("a stream connected to a datagram socket: this test assumes it cannot"),
        Err(e) => e,
    };
    let d = dgram_path.clone();
    let got = within(LIMIT, "UnixServer::bind", move || {
        UnixServer::bind(&d).map(drop)
    });
    assert!(
        got.is_err(),
        "UnixServer::bind on a path a live datagram socket is bound to (connecting a stream to \
         it fails with \"{connect_error}\", not ConnectionRefused): expected an error, got \
         {got:?}: only a refused connection means the socket is stale; return any other error \
         and leave the file alone"
    );
    dgram.set_read_timeout(Some(LIMIT)).expect("a read timeout");
    let reached = UnixDatagram::unbound()
        .and_then(|sender| sender.send_to(b"still mine", &dgram_path))
        .and_then(|_| {
            let mut buf = [0u8; 64];
            dgram.recv(&mut buf).map(|n| buf[..n].to_vec())
        });
    assert!(
        matches!(&reached, Ok(got) if got == b"still mine"),
        "the live datagram socket at {} no longer gets datagrams ({reached:?}): bind removed its \
         socket file",
        dgram_path.display()
    );
}

#[test]
fn step18_survives_rude_peers() {
    let _step = step!(LESSON);
    let (_dir, path) = socket_dir();
    let server = bind_server(&path);
    // A client that connects and says nothing, and keeps the connection open.
    let silent = UnixStream::connect(&path).expect("connect the silent client");
    // A client that sends 50 kB and vanishes without reading the echo.
    {
        let mut vanishing = UnixStream::connect(&path).expect("connect the vanishing client");
        vanishing
            .set_write_timeout(Some(LIMIT))
            .expect("write timeout");
        let _ = vanishing.write_all(&vec![b'v'; 50_000]);
    }
    // Then a polite one.
    let polite = echo_client(&path, b"still there?".to_vec(), Chunking::Whole);
    let served = within(
        LIMIT,
        "serve_echo(3 clients, idle 300 ms): a silent one, a vanishing one, a polite one",
        move || {
            let served = server.serve_echo(3, Duration::from_millis(300));
            (server, served)
        },
    );
    let (server, served) = served;
    if let Err(e) = served {
        panic!(
            "serve_echo failed ({e}): one client's timeout or broken pipe must end that client only"
        );
    }
    let reply = polite
        .join()
        .expect("the polite client")
        .unwrap_or_else(|e| panic!("the polite client got no echo: {e}"));
    assert_bytes_eq(
        "the polite client's echo, after a silent and a vanishing client",
        b"still there?",
        &reply,
    );
    drop((server, silent));

    // A reply of exactly MAX_REPLY bytes is still allowed: only more is not.
    let (_dir4, path) = socket_dir();
    let listener = UnixListener::bind(&path).expect("bind a test server");
    let full: Vec<u8> = (0..MAX_REPLY).map(|i| (i % 253) as u8).collect();
    let sent = full.clone();
    let server = thread::spawn(move || -> io::Result<()> {
        let (mut stream, _) = listener.accept()?;
        stream.set_read_timeout(Some(LIMIT))?;
        stream.set_write_timeout(Some(LIMIT))?;
        let mut request = Vec::new();
        stream.read_to_end(&mut request)?;
        stream.write_all(&sent)
    });
    let p = path.clone();
    let got = within(
        LIMIT,
        "unix_request to a server that sends MAX_REPLY bytes",
        move || unix_request(&p, b"the most", LIMIT),
    );
    let reply = got.unwrap_or_else(|e| {
        panic!(
            "a server sent exactly MAX_REPLY ({MAX_REPLY}) bytes and closed: unix_request failed \
             ({e}); the limit itself is allowed: fail only when you got more than MAX_REPLY \
             (> not >=)"
        )
    });
    assert_bytes_eq(
        &format!("a reply of exactly MAX_REPLY ({MAX_REPLY}) bytes"),
        &full,
        &reply,
    );
    let _ = within(LIMIT, "the test server, after its reply", move || {
        server.join()
    });

    // A server that never stops talking.
    let (_dir2, path) = socket_dir();
    let listener = UnixListener::bind(&path).expect("bind a test server");
    let flood = thread::spawn(move || -> io::Result<()> {
        let (mut stream, _) = listener.accept()?;
        stream.set_write_timeout(Some(LIMIT))?;
        let chunk = vec![b'f'; 64 * 1024];
        loop {
            stream.write_all(&chunk)?;
        }
    });
    let p = path.clone();
    let got = within(LIMIT, "unix_request to an endless server", move || {
        unix_request(&p, b"hi", LIMIT).map(|v| v.len())
    });
    assert!(
        matches!(&got, Err(e) if e.kind() == io::ErrorKind::InvalidData),
        "a server sent more than MAX_REPLY ({MAX_REPLY}) bytes: expected an error of kind \
         InvalidData, got {got:?}"
    );
    drop(flood);

    // A server that accepts and never answers.
    let (_dir3, path) = socket_dir();
    let listener = UnixListener::bind(&path).expect("bind a test server");
    let p = path.clone();
    let got = within(LIMIT, "unix_request with a 300 ms timeout", move || {
        unix_request(&p, b"anyone?", Duration::from_millis(300))
    });
    assert!(
        matches!(&got, Err(e) if testkit::is_timeout(e)),
        "a server accepted and never answered: expected a timeout error after 300 ms, got {:?}",
        got.map(|v| escape(&v))
    );
    drop(listener);
}
