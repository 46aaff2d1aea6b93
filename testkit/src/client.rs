//! The line client a test plays against a learner's server, with the
//! transcript of its exchange.
//!
//! Every read and write has a deadline, and every failure shows the
//! exchange so far, one line per event, the way a protocol tester does:
//!
//! ```text
//! the exchange (the first client):
//!   > "Ann\n"            what the test sent
//!   < "Hello, Ann\n"     what came back
//!   ! "Hello, Ann!\n"    what the test expected instead
//!   # half-closed        what the test did
//! ```
//!
//! When the client watches the learner's server (a [`Watch`]), a failure
//! says first how the server ended, if it has: a panic or a `todo!()` is
//! the cause, the silent socket only its consequence. [`DatagramClient`]
//! does the same for UDP, one datagram an event.

use std::fmt::Display;
use std::io::{self, BufRead, BufReader, Read};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::bytes::{diff_report, show};
use crate::chunking::{Chunking, write_chunked};
use crate::explain::{io_error, is_timeout, seconds};
use crate::lang::t;
use crate::learner::Watch;

/// The longest line a client reads before it calls the line endless.
const MAX_LINE: u64 = 64 * 1024;

/// How many events a failure shows: the last ones, which led to it.
const SHOWN_EVENTS: usize = 24;

/// A client that speaks lines (`\n`-terminated) to a server.
#[derive(Debug)]
pub struct LineClient {
    name: String,
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    limit: Duration,
    transcript: Vec<String>,
    watch: Option<Watch>,
}

impl LineClient {
    /// Connects a client called `name` to `addr`, retrying while the server
    /// starts.
    pub fn connect(name: &str, addr: SocketAddr) -> LineClient {
        LineClient::new(name, crate::net::connect_retry(addr, crate::DEFAULT_LIMIT))
    }

    /// A client called `name` on a connected stream; reads and writes wait
    /// at most [`DEFAULT_LIMIT`](crate::DEFAULT_LIMIT).
    pub fn new(name: &str, stream: TcpStream) -> LineClient {
        let limit = crate::DEFAULT_LIMIT;
        crate::net::set_timeouts(&stream, limit);
        let reader = BufReader::new(stream.try_clone().expect("clone the client's stream"));
        LineClient {
            name: name.to_owned(),
            stream,
            reader,
            limit,
            transcript: Vec::new(),
            watch: None,
        }
    }

    /// Makes every failure say first how the learner's call `watch` ended.
    pub fn watching(mut self, watch: Watch) -> LineClient {
        self.watch = Some(watch);
        self
    }

    /// Lets every read and write wait up to `limit`.
    pub fn with_limit(mut self, limit: Duration) -> LineClient {
        crate::net::set_timeouts(&self.stream, limit);
        self.limit = limit;
        self
    }

    /// The client's name, as failures call it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client's socket (to half-close it, read its address, ...).
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// The client's own address: what the server sees as its peer.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream
            .local_addr()
            .expect("a connected socket has an address")
    }

    /// Records what the test did, for the transcript (`# text`).
    pub fn note(&mut self, text: impl Display) {
        self.transcript.push(format!("# {text}"));
    }

    /// The exchange so far, one event a line, indented.
    pub fn transcript(&self) -> String {
        let skip = self.transcript.len().saturating_sub(SHOWN_EVENTS);
        let mut out = t!("exchange", name = &*self.name);
        if skip > 0 {
            out.push_str(&format!("\n  {}", t!("earlier-events", count = skip)));
        }
        for event in &self.transcript[skip..] {
            out.push_str("\n  ");
            out.push_str(event);
        }
        if self.transcript.is_empty() {
            out.push_str(&format!("\n  {}", t!("nothing-yet")));
        }
        out
    }

    /// Fails the step: how the learner's server ended (if it has), then
    /// `message`, then the exchange.
    #[track_caller]
    pub fn fail(&self, message: impl Display) -> ! {
        let text = format!("{}: {message}\n{}", self.name, self.transcript());
        match &self.watch {
            Some(watch) => watch.fail(text),
            None => panic!("{text}"),
        }
    }

    /// Records in the transcript that the connection closed.
    fn push_closed(&mut self) {
        self.transcript.push(format!("< {}", t!("event-closed")));
    }

    /// Records in the transcript what was expected instead.
    fn push_expected(&mut self, expected: &[u8]) {
        self.transcript
            .push(format!("! {}   {}", show(expected), t!("event-expected")));
    }

    /// Sends `bytes` in one write.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        self.send_chunked(bytes, Chunking::Whole);
    }

    /// Sends `bytes` cut as `chunking` says.
    #[track_caller]
    pub fn send_chunked(&mut self, bytes: &[u8], chunking: Chunking) {
        let how = match chunking {
            Chunking::Whole => String::new(),
            other => format!("   ({other})"),
        };
        self.transcript.push(format!("> {}{how}", show(bytes)));
        if let Err(e) = write_chunked(&mut self.stream, bytes, chunking) {
            self.fail(t!("send-failed", error = io_error(&e, self.limit)));
        }
    }

    /// Reads one line, `\n` included; when none comes, says why in words
    /// (the connection closed, a line without end, nothing in time).
    pub fn read_line(&mut self) -> Result<Vec<u8>, String> {
        let mut got = Vec::new();
        // Watching the learner's server, the wait is cut into slices: a
        // server that has ended (a panic, a `todo!()`) is told at once, not
        // after the whole limit. What a slice read stays in `got`.
        let deadline = Instant::now() + self.limit;
        let mut server_ended = false;
        let read = loop {
            if self.watch.is_some() {
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = self
                    .stream
                    .set_read_timeout(Some(left.clamp(Duration::from_millis(1), SLICE)));
            }
            let read = (&mut self.reader)
                .take(MAX_LINE - got.len() as u64)
                .read_until(b'\n', &mut got);
            match (&read, &self.watch) {
                (Err(e), Some(watch)) if is_timeout(e) && Instant::now() < deadline => {
                    if watch.ended().is_some() {
                        server_ended = true;
                        break read;
                    }
                }
                _ => break read,
            }
        };
        if self.watch.is_some() {
            let _ = self.stream.set_read_timeout(Some(self.limit));
        }
        if !got.is_empty() {
            self.transcript.push(format!("< {}", show(&got)));
        }
        let ended = got.last() == Some(&b'\n');
        match read {
            Ok(_) if ended => Ok(got),
            Ok(0) if got.is_empty() => {
                self.push_closed();
                Err(t!("closed-without-a-word"))
            }
            Ok(_) if got.len() as u64 == MAX_LINE => Err(t!("line-too-long", count = got.len())),
            Ok(_) => {
                self.push_closed();
                Err(t!("closed-mid-line"))
            }
            Err(e) if is_timeout(&e) && server_ended => Err(t!("nothing-more-server-ended")),
            Err(e) if is_timeout(&e) && got.is_empty() => {
                Err(t!("nothing-came", limit = seconds(self.limit)))
            }
            Err(e) if is_timeout(&e) => Err(t!("part-of-a-line", limit = seconds(self.limit))),
            Err(e) => {
                self.transcript
                    .push(format!("< ({})", io_error(&e, self.limit)));
                Err(io_error(&e, self.limit))
            }
        }
    }

    /// Reads one line and checks that it is `expected` (which ends in
    /// `\n`).
    #[track_caller]
    pub fn expect(&mut self, expected: &[u8]) {
        match self.read_line() {
            Ok(got) if got == expected => {}
            Ok(got) => {
                self.push_expected(expected);
                self.fail(format!(
                    "{}\n{}",
                    t!("line-not-expected"),
                    diff_report(expected, &got)
                ))
            }
            Err(why) => {
                self.push_expected(expected);
                self.fail(t!("expected-but", expected = show(expected), why = why))
            }
        }
    }

    /// Reads exactly as many bytes as `expected` holds, with no line framing
    /// (a binary frame, say), and checks that they are `expected`.
    #[track_caller]
    pub fn expect_bytes(&mut self, expected: &[u8]) {
        let mut got = Vec::with_capacity(expected.len());
        let read = (&mut self.reader)
            .take(expected.len() as u64)
            .read_to_end(&mut got);
        if !got.is_empty() {
            self.transcript.push(format!("< {}", show(&got)));
        }
        let why = match read {
            Ok(_) if got == expected => return,
            Ok(_) if got.len() < expected.len() => {
                self.push_closed();
                t!(
                    "closed-after-bytes",
                    got = got.len(),
                    total = expected.len()
                )
            }
            Ok(_) => format!(
                "{}\n{}",
                t!("bytes-not-expected"),
                diff_report(expected, &got)
            ),
            Err(e) if is_timeout(&e) => t!(
                "bytes-then-nothing",
                got = got.len(),
                total = expected.len(),
                limit = seconds(self.limit)
            ),
            Err(e) => {
                let words = io_error(&e, self.limit);
                self.transcript.push(format!("< ({words})"));
                words
            }
        };
        self.push_expected(expected);
        self.fail(why)
    }

    /// Reads until the server closes the connection (at most `cap` bytes);
    /// returns what came and the error that ended the reading, if any.
    pub fn read_to_end(&mut self, cap: usize) -> (Vec<u8>, Option<io::Error>) {
        let mut got = Vec::new();
        let read = (&mut self.reader).take(cap as u64).read_to_end(&mut got);
        if !got.is_empty() {
            self.transcript.push(format!("< {}", show(&got)));
        }
        match read {
            Ok(_) if got.len() == cap => (got, None),
            Ok(_) => {
                self.push_closed();
                (got, None)
            }
            Err(e) => {
                self.transcript
                    .push(format!("< ({})", io_error(&e, self.limit)));
                (got, Some(e))
            }
        }
    }

    /// Checks that the server closes the connection (EOF, or a reset) and
    /// sends nothing more first.
    #[track_caller]
    pub fn expect_closed(&mut self) {
        let (got, error) = self.read_to_end(4096);
        match error {
            _ if !got.is_empty() => {
                self.transcript.push(format!(
                    "! {}   {}",
                    t!("event-closed-silently"),
                    t!("event-expected")
                ));
                self.fail(t!("expected-close-silently"))
            }
            None => {}
            Some(e) if !is_timeout(&e) => {} // a reset is a way of closing too
            Some(_) => {
                self.transcript.push(format!(
                    "! {}   {}",
                    t!("event-closed"),
                    t!("event-expected")
                ));
                self.fail(t!("expected-close", limit = seconds(self.limit)))
            }
        }
    }

    /// Checks that nothing arrives for `quiet` (the client waits its turn)
    /// and that the connection stays open; `why` says why it should.
    #[track_caller]
    pub fn expect_silence(&mut self, quiet: Duration, why: &str) {
        let pending = self.reader.buffer().to_vec();
        if !pending.is_empty() {
            self.transcript.push(format!("< {}", show(&pending)));
            self.fail(t!("should-hear-nothing", why = why));
        }
        self.stream
            .set_read_timeout(Some(quiet))
            .expect("set a read timeout");
        let mut buf = [0u8; 256];
        let read = self.reader.get_mut().read(&mut buf);
        self.stream
            .set_read_timeout(Some(self.limit))
            .expect("set a read timeout");
        match read {
            Err(e) if is_timeout(&e) => {
                self.note(t!("note-silence", quiet = seconds(quiet)));
            }
            Ok(0) => {
                self.push_closed();
                self.fail(t!("should-wait-closed", why = why))
            }
            Ok(n) => {
                self.transcript.push(format!("< {}", show(&buf[..n])));
                self.fail(t!("should-hear-nothing", why = why))
            }
            Err(e) => {
                let words = io_error(&e, quiet);
                self.transcript.push(format!("< ({words})"));
                self.fail(t!("should-wait-but", why = why, words = words))
            }
        }
    }

    /// Half-closes: no more bytes from this client (the server reads EOF),
    /// but it can still read the reply.
    #[track_caller]
    pub fn half_close(&mut self) {
        self.note(t!("note-half-close"));
        if let Err(e) = self.stream.shutdown(Shutdown::Write) {
            self.fail(t!("half-close-failed", error = io_error(&e, self.limit)));
        }
    }

    /// Closes abruptly: the server's next read or write fails with
    /// "connection reset" instead of seeing a clean EOF.
    pub fn reset(self) {
        let stream = self.stream.try_clone().expect("clone the client's stream");
        drop(self);
        let _ = crate::peer::reset(stream);
    }
}

/// How often a waiting [`DatagramClient`] looks at the learner's server.
const SLICE: Duration = Duration::from_millis(50);

/// A client that sends datagrams to a server and reads its replies, with
/// the transcript of the exchange in every failure.
#[derive(Debug)]
pub struct DatagramClient {
    name: String,
    socket: UdpSocket,
    server: SocketAddr,
    limit: Duration,
    transcript: Vec<String>,
    watch: Option<Watch>,
}

impl DatagramClient {
    /// A client called `name` on `ip` (a loopback address), port 0, that
    /// talks to `server`.
    pub fn new(name: &str, ip: IpAddr, server: SocketAddr) -> DatagramClient {
        let socket = UdpSocket::bind((ip, 0)).expect("bind a loopback UDP socket on port 0");
        socket
            .set_read_timeout(Some(SLICE))
            .expect("set a read timeout");
        DatagramClient {
            name: name.to_owned(),
            socket,
            server,
            limit: crate::DEFAULT_LIMIT,
            transcript: Vec::new(),
            watch: None,
        }
    }

    /// Makes every failure say first how the learner's call `watch` ended,
    /// and stops waiting for a reply as soon as it has.
    pub fn watching(mut self, watch: Watch) -> DatagramClient {
        self.watch = Some(watch);
        self
    }

    /// The client's own address: what the server sees as the sender.
    pub fn local_addr(&self) -> SocketAddr {
        self.socket
            .local_addr()
            .expect("a bound socket has an address")
    }

    /// Records what the test did, for the transcript (`# text`).
    pub fn note(&mut self, text: impl Display) {
        self.transcript.push(format!("# {text}"));
    }

    /// Fails the step: how the learner's server ended (if it has), then
    /// `message`, then the exchange.
    #[track_caller]
    pub fn fail(&self, message: impl Display) -> ! {
        let skip = self.transcript.len().saturating_sub(SHOWN_EVENTS);
        let mut text = format!(
            "{}: {message}\n{}",
            self.name,
            t!("exchange", name = &*self.name)
        );
        if skip > 0 {
            text.push_str(&format!("\n  {}", t!("earlier-datagrams", count = skip)));
        }
        for event in &self.transcript[skip..] {
            text.push_str("\n  ");
            text.push_str(event);
        }
        match &self.watch {
            Some(watch) => watch.fail(text),
            None => panic!("{text}"),
        }
    }

    /// Sends one datagram to the server.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        self.transcript.push(format!("> {}", show(bytes)));
        if let Err(e) = self.socket.send_to(bytes, self.server) {
            self.fail(t!("send-failed-datagram", error = io_error(&e, self.limit)));
        }
    }

    /// The next datagram and its sender, or `None` after `quiet` (or as
    /// soon as the watched server has ended).
    pub fn recv_within(&mut self, quiet: Duration) -> Option<(Vec<u8>, SocketAddr)> {
        let deadline = Instant::now() + quiet;
        let mut buf = vec![0u8; 65_536];
        loop {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let via = if from == self.server {
                        String::new()
                    } else {
                        format!("   {}", t!("event-from", from = from.to_string()))
                    };
                    self.transcript.push(format!("< {}{via}", show(&buf[..n])));
                    return Some((buf[..n].to_vec(), from));
                }
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.fail(t!("own-socket-failed", error = io_error(&e, self.limit))),
            }
            let ended = self.watch.as_ref().is_some_and(|w| w.ended().is_some());
            if ended || Instant::now() >= deadline {
                return None;
            }
        }
    }

    /// The next datagram and its sender; fails the step when none comes.
    #[track_caller]
    pub fn recv(&mut self) -> (Vec<u8>, SocketAddr) {
        match self.recv_within(self.limit) {
            Some(reply) => reply,
            None if self.watch.as_ref().is_some_and(|w| w.ended().is_some()) => {
                self.fail(t!("no-reply-ended"))
            }
            None => self.fail(t!("no-reply-within", limit = seconds(self.limit))),
        }
    }

    /// Sends `bytes` and returns the reply.
    #[track_caller]
    pub fn ask(&mut self, bytes: &[u8]) -> (Vec<u8>, SocketAddr) {
        self.send(bytes);
        self.recv()
    }

    /// Reads the next datagram and checks that it is `expected`, from the
    /// server's own address.
    #[track_caller]
    pub fn expect(&mut self, expected: &[u8]) {
        let (got, from) = self.recv();
        if got != expected {
            self.transcript
                .push(format!("! {}   {}", show(expected), t!("event-expected")));
            self.fail(format!(
                "{}\n{}",
                t!("reply-not-expected"),
                diff_report(expected, &got)
            ));
        }
        if from != self.server {
            self.fail(t!(
                "reply-from-elsewhere",
                from = from.to_string(),
                server = self.server.to_string()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};
    use crate::net;
    use std::io::Write;

    fn greeter() -> SocketAddr {
        let server = net::serve_one(|stream| {
            let mut reader = BufReader::new(stream.try_clone()?);
            let mut writer = stream;
            writer.write_all("你好\n".as_bytes())?;
            let mut line = String::new();
            reader.read_line(&mut line)?;
            writer.write_all(format!("Hello, {}\n", line.trim_end()).as_bytes())?;
            Ok(())
        });
        server.addr
    }

    #[test]
    fn a_datagram_client_asks_and_checks() {
        let _en = scoped(Lang::En);
        let (server, addr) = net::udp();
        std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            while let Ok((n, from)) = server.recv_from(&mut buf) {
                let _ = server.send_to(&buf[..n], from);
            }
        });
        let mut client = DatagramClient::new("a client", addr.ip(), addr);
        client.send("张三".as_bytes());
        client.expect("张三".as_bytes());
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client.send(b"x");
            client.expect(b"y")
        }))
        .unwrap_err();
        let text = crate::step::panic_text(got.as_ref());
        assert!(text.contains("> \"x\"\n  < \"x\"\n  ! \"y\""), "{text}");
    }

    #[test]
    fn a_polite_exchange_passes() {
        let _en = scoped(Lang::En);
        let mut client = LineClient::connect("the client", greeter());
        client.expect("你好\n".as_bytes());
        client.send(b"Ann\n");
        client.expect(b"Hello, Ann\n");
        client.expect_closed();
    }

    #[test]
    fn a_failure_shows_the_exchange() {
        let _en = scoped(Lang::En);
        let mut client = LineClient::connect("the client", greeter());
        client.expect("你好\n".as_bytes());
        client.send(b"Ann\n");
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client.expect(b"Hello, Ann!\n")
        }))
        .unwrap_err();
        let text = crate::step::panic_text(got.as_ref());
        let expected = "the exchange (the client):\n  < \"你好\\n\"\n  > \"Ann\\n\"\n  \
                        < \"Hello, Ann\\n\"\n  ! \"Hello, Ann!\\n\"   (expected)";
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("first difference at byte 10"), "{text}");
    }

    #[test]
    fn silence_and_a_closed_server_are_told_apart() {
        let _en = scoped(Lang::En);
        let (hang_up, told) = std::sync::mpsc::channel::<()>();
        let server = net::serve_one(move |stream| {
            let _ = told.recv_timeout(Duration::from_secs(10));
            drop(stream);
            Ok(())
        });
        let mut client = LineClient::connect("the waiting client", server.addr);
        client.expect_silence(Duration::from_millis(100), "the server waits");
        hang_up.send(()).unwrap();
        client.expect_closed();
    }
}
