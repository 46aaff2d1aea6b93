//! Lesson 04's graded steps: sticky packets, `send` vs `sendall`, delimiter
//! framing.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline. The "see it
//! happen" steps make merging and splitting certain (the test waits until
//! both messages sit in the receive buffer; the sender holds back the rest
//! of a message until the reader has returned), never a matter of timing.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use lesson04::*;
use rstest::rstest;
use socket2::SockRef;
use testkit::bytes::diff_report;
use testkit::chunking::{ChunkedReader, InterruptedOnce};
use testkit::learner::panic_report;
use testkit::relay::TcpRelay;
use testkit::step::catch_quietly;
use testkit::{
    Chunking, Learner, LineClient, Server, assert_bytes_eq, explain, net, peer, show, step, within,
};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A recognisable byte pattern of `len` bytes (never `\n`).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect()
}

/// Waits until `stream` holds at least `want` unread bytes, without
/// consuming them: `peek` looks into the receive buffer.
fn wait_until_buffered(stream: &TcpStream, want: usize) {
    let deadline = Instant::now() + LIMIT;
    let mut buf = vec![0u8; want + 1024];
    loop {
        match stream.peek(&mut buf) {
            Ok(n) if n >= want => return,
            Ok(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(2)),
            Ok(n) => panic!("only {n} of {want} bytes arrived within {LIMIT:?} (test setup)"),
            Err(e) => panic!("could not peek at the test's socket: {e} (test setup)"),
        }
    }
}

/// What one call of `next_message` gave.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Message(Vec<u8>),
    End,
    Error(io::ErrorKind),
}

impl Got {
    fn describe(&self) -> String {
        match self {
            Got::Message(m) => format!("Ok(Some({}))", show(m)),
            Got::End => "Ok(None)".to_owned(),
            Got::Error(kind) => format!("Err(kind {kind:?})"),
        }
    }
}

/// Calls `next_message` until it ends or fails, at most `most` times.
fn drain_messages<R: Read>(reader: &mut MessageReader<R>, most: usize) -> Vec<Got> {
    let mut got = Vec::new();
    while got.len() < most {
        let next = match reader.next_message() {
            Ok(Some(m)) => Got::Message(m),
            Ok(None) => Got::End,
            Err(e) => Got::Error(e.kind()),
        };
        let last = !matches!(next, Got::Message(_));
        got.push(next);
        if last {
            break;
        }
    }
    got
}

/// Compares the outcomes of successive `next_message` calls.
#[track_caller]
fn assert_outcomes(context: &str, expected: &[Got], got: &[Got]) {
    for (i, want) in expected.iter().enumerate() {
        let call = i + 1;
        match (want, got.get(i)) {
            (Got::Message(w), Some(Got::Message(g))) => assert_bytes_eq(
                &format!("{context}\ncall {call} of next_message returned the wrong message"),
                w,
                g,
            ),
            (w, Some(g)) if w == g => {}
            (w, Some(g)) => panic!(
                "{context}\ncall {call} of next_message: expected {}, got {}",
                w.describe(),
                g.describe()
            ),
            (w, None) => panic!(
                "{context}\ncall {call} of next_message: expected {}, but the calls stopped after {}",
                w.describe(),
                got.last().map(Got::describe).unwrap_or_default()
            ),
        }
    }
}

/// `messages`, each followed by `\n`.
fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(m);
        out.push(b'\n');
    }
    out
}

/// The outcomes a correct reader gives for `messages`, then a clean end.
fn expected_outcomes(messages: &[Vec<u8>]) -> Vec<Got> {
    let mut out: Vec<Got> = messages.iter().cloned().map(Got::Message).collect();
    out.push(Got::End);
    out
}

/// Messages of every kind: empty, text, UTF-8, binary, longer than a read.
fn sample_messages() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        b"world".to_vec(),
        Vec::new(),
        b"a longer message, with spaces and punctuation!".to_vec(),
        "h\u{e9}llo w\u{f6}rld \u{2713}".as_bytes().to_vec(),
        b"\x00\x01\r\xff binary \t".to_vec(),
        pattern(3000),
    ]
}

/// How a stream is cut, with the random cuts seeded by the step.
#[derive(Debug, Clone, Copy)]
enum Cut {
    Whole,
    Fixed(usize),
    Random(usize),
}

impl Cut {
    fn chunking(self, seed: u64) -> Chunking {
        match self {
            Cut::Whole => Chunking::Whole,
            Cut::Fixed(n) => Chunking::Fixed(n),
            Cut::Random(max) => Chunking::Random { seed, max },
        }
    }
}

// ---------------------------------------------------------------------------
// See it happen: the naive reader
// ---------------------------------------------------------------------------

#[test]
fn step01_two_writes_arrive_as_one_read() {
    let _step = step!(LESSON);
    let server = net::serve_one(|mut s| {
        // TCP_NODELAY: no Nagle, each write leaves at once. They merge anyway,
        // in the receiver's buffer.
        s.set_nodelay(true)?;
        s.write_all(b"hello")?;
        s.write_all(b"world")?;
        Ok(())
    });
    let client = net::connect(server.addr, LIMIT);
    // Like the tutorial's server, read only once both sends have arrived.
    wait_until_buffered(&client, 10);
    let (first, second) = within(LIMIT, "read_message_naive (twice)", move || {
        let mut client = client;
        let first = read_message_naive(&mut client);
        let second = read_message_naive(&mut client);
        (first, second)
    });
    let first = first.unwrap_or_else(|e| panic!("read_message_naive failed: {e}"));
    assert_bytes_eq(
        "the server sent b\"hello\" and b\"world\" in TWO writes; both sat in the receive buffer \
         when read_message_naive made its ONE read of up to 1024 bytes, which returns everything \
         waiting: the two messages stuck together",
        b"helloworld",
        &first,
    );
    let second = second.unwrap_or_else(|e| panic!("the second read_message_naive failed: {e}"));
    assert!(
        second.is_empty(),
        "then the server closed: the next read returns 0 bytes, and read_message_naive should \
         return an empty Vec (Python's b''), not an error. Got {}",
        show(&second)
    );
}

#[derive(Debug, Clone, Copy)]
enum Split {
    /// 3000 bytes in one write: more than the naive reader's 1024.
    BiggerThanTheBuffer,
    /// Through a relay that forwards one byte at a time; the sender holds
    /// back the second half until the reader has returned.
    OneByteAtATime,
    /// In memory: the first read fails with `Interrupted` (a signal), the
    /// next returns the message.
    Interrupted,
    /// In memory: the read fails with `ConnectionReset`.
    Reset,
}

#[rstest]
#[case::bigger_than_the_buffer(Split::BiggerThanTheBuffer)]
#[case::one_byte_at_a_time(Split::OneByteAtATime)]
#[case::interrupted(Split::Interrupted)]
#[case::reset(Split::Reset)]
fn step02_one_write_arrives_in_pieces(#[case] split: Split) {
    let _step = step!(LESSON);
    let (go_on, wait) = mpsc::channel::<()>();
    match split {
        Split::BiggerThanTheBuffer => {
            let message = pattern(3000);
            let sent = message.clone();
            let server = net::serve_one(move |mut s| {
                s.write_all(&sent)?;
                // Stay open until the test is done: no EOF to hide behind.
                let _ = wait.recv_timeout(LIMIT * 2);
                Ok(())
            });
            let client = net::connect(server.addr, LIMIT);
            wait_until_buffered(&client, message.len());
            let (first, second) = within(LIMIT, "read_message_naive (twice)", move || {
                let mut client = client;
                let first = read_message_naive(&mut client);
                let second = read_message_naive(&mut client);
                (first, second)
            });
            let _ = go_on.send(());
            let first = first.unwrap_or_else(|e| panic!("read_message_naive failed: {e}"));
            assert_bytes_eq(
                "the server sent ONE 3000-byte message and all of it was waiting: one read of \
                 up to NAIVE_BUF (1024) bytes returns just the first 1024",
                &message[..NAIVE_BUF],
                &first,
            );
            let second =
                second.unwrap_or_else(|e| panic!("the second read_message_naive failed: {e}"));
            assert_bytes_eq(
                "the next read returns the next 1024 bytes: the rest of the same message, which \
                 a 'one read = one message' program takes for a new message",
                &message[NAIVE_BUF..2 * NAIVE_BUF],
                &second,
            );
        }
        Split::OneByteAtATime => {
            let message = b"hello, world\n";
            let (head, tail) = message.split_at(7);
            let server = net::serve_one(move |mut s| {
                s.write_all(head)?;
                // The rest leaves only after the reader has returned.
                let _ = wait.recv_timeout(LIMIT * 2);
                s.write_all(tail)?;
                Ok(())
            });
            let relay = TcpRelay::start(server.addr, Chunking::Fixed(1));
            let client = net::connect(relay.addr(), LIMIT);
            let got = within(LIMIT, "read_message_naive", move || {
                let mut client = client;
                read_message_naive(&mut client)
            });
            let _ = go_on.send(());
            let got = got.unwrap_or_else(|e| panic!("read_message_naive failed: {e}"));
            assert!(
                !got.is_empty() && got.len() < message.len() && message.starts_with(&got),
                "the server wrote {} with ONE write call, but the network delivered it one byte \
                 at a time and the rest came later: one read can only return a first part of it \
                 (1 to 7 bytes). read_message_naive returned {}: make exactly one read",
                show(message),
                show(&got)
            );
        }
        Split::Interrupted => {
            let got = within(LIMIT, "read_message_naive", || {
                let chunks = ChunkedReader::new(b"hello".to_vec(), Chunking::Whole);
                read_message_naive(&mut InterruptedOnce::new(chunks, 1))
            });
            match got {
                Ok(got) if got == b"hello" => {}
                other => panic!(
                    "the first read failed with ErrorKind::Interrupted (a signal arrived: \
                     nothing was read, nothing lost), the next would return b\"hello\": \
                     expected Ok(b\"hello\"), got {other:?}. Make the read again after \
                     Interrupted; it does not count as the one read."
                ),
            }
        }
        Split::Reset => {
            let got = within(LIMIT, "read_message_naive on a reset connection", || {
                read_message_naive(&mut ResetReader { reads: 0 })
            });
            match got {
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
                other => panic!(
                    "the read failed with ErrorKind::ConnectionReset: expected that error \
                     back, got {other:?}. Only Interrupted is read again; any other error is \
                     returned as it is."
                ),
            }
        }
    }
}

/// A reader on a connection the peer reset: the first read fails; a read
/// made again after that finds nothing (`Ok(0)`), so a reader that retries
/// every error returns at once instead of spinning.
struct ResetReader {
    reads: usize,
}

impl Read for ResetReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.reads > 1 {
            return Ok(0);
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset by peer (the test's reader)",
        ))
    }
}

// ---------------------------------------------------------------------------
// write vs write_all: send_all
// ---------------------------------------------------------------------------

/// What a [`Fussy`] writer does on one call.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Take(usize),
    Interrupted,
    WouldBlock,
}

/// A writer that accepts a few bytes per call and sometimes says
/// "interrupted" or "not now", as a socket may.
struct Fussy {
    plan: Vec<Answer>,
    next: usize,
    accepted: Vec<u8>,
    calls: usize,
    errors: usize,
}

impl Fussy {
    fn new(plan: Vec<Answer>) -> Fussy {
        Fussy {
            plan,
            next: 0,
            accepted: Vec::new(),
            calls: 0,
            errors: 0,
        }
    }
}

impl Write for Fussy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if buf.is_empty() {
            return Ok(0);
        }
        let answer = self.plan[self.next % self.plan.len()];
        self.next += 1;
        match answer {
            Answer::Take(n) => {
                let n = n.min(buf.len());
                self.accepted.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            Answer::Interrupted => {
                self.errors += 1;
                Err(io::ErrorKind::Interrupted.into())
            }
            Answer::WouldBlock => {
                self.errors += 1;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Writer {
    ThreeBytesPerCall,
    Interrupted,
    WouldBlock,
    SeededMix,
    EmptyBuffer,
}

#[rstest]
#[case::three_bytes_per_call(Writer::ThreeBytesPerCall)]
#[case::interrupted(Writer::Interrupted)]
#[case::would_block(Writer::WouldBlock)]
#[case::seeded_mix(Writer::SeededMix)]
#[case::empty_buffer(Writer::EmptyBuffer)]
fn step03_send_all_retries_short_writes(#[case] kind: Writer) {
    let step = step!(LESSON);
    use Answer::*;
    let (plan, data, about) = match kind {
        Writer::ThreeBytesPerCall => (vec![Take(3)], pattern(1000), "takes 3 bytes per call"),
        Writer::Interrupted => (
            vec![Take(5), Interrupted, Take(2), Interrupted, Interrupted],
            pattern(1000),
            "takes a few bytes per call and sometimes fails with Interrupted",
        ),
        Writer::WouldBlock => (
            vec![WouldBlock, Take(17), WouldBlock, WouldBlock, Take(40)],
            pattern(1000),
            "takes a few bytes per call and often says WouldBlock (not now)",
        ),
        Writer::SeededMix => {
            let sizes = Chunking::Random {
                seed: step.seed(),
                max: 60,
            }
            .sizes(3000);
            let plan = sizes
                .iter()
                .map(|&n| match n % 9 {
                    0 => Interrupted,
                    4 => WouldBlock,
                    _ => Take(n),
                })
                .collect();
            (
                plan,
                pattern(4000),
                "takes 1 to 60 bytes per call, with seeded Interrupted and WouldBlock answers",
            )
        }
        Writer::EmptyBuffer => (vec![Take(3)], Vec::new(), "is given nothing to send"),
    };
    let sent = data.clone();
    let (writer, result) = within(LIMIT, "send_all", move || {
        let mut writer = Fussy::new(plan);
        let result = send_all(&mut writer, &sent);
        (writer, result)
    });
    if let Err(e) = result {
        panic!(
            "send_all over a writer that {about} returned an error: {e} (kind {:?}) after {} \
             write calls and {} bytes accepted. Interrupted means: try again now; WouldBlock \
             means: try again in a moment; a short count means: send the rest",
            e.kind(),
            writer.calls,
            writer.accepted.len()
        );
    }
    assert_bytes_eq(
        &format!(
            "send_all of {} bytes over a writer that {about} ({} write calls, {} of them answered \
             with an error)",
            data.len(),
            writer.calls,
            writer.errors
        ),
        &data,
        &writer.accepted,
    );
}

/// A socket writer that records what its `write` calls returned.
struct Recorder {
    stream: TcpStream,
    calls: usize,
    short: usize,
    would_block: usize,
    first_short: Option<(usize, usize)>,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        let result = self.stream.write(buf);
        match &result {
            Ok(n) if *n < buf.len() => {
                self.short += 1;
                self.first_short.get_or_insert((*n, buf.len()));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.would_block += 1,
            _ => {}
        }
        result
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl Recorder {
    fn summary(&self) -> String {
        let first = self
            .first_short
            .map(|(n, asked)| format!("; the first short one took {n} of {asked} bytes"))
            .unwrap_or_default();
        format!(
            "{} write calls, {} returned fewer bytes than asked, {} returned WouldBlock{first}",
            self.calls, self.short, self.would_block
        )
    }
}

#[test]
fn step04_send_all_fills_a_small_send_buffer() {
    let _step = step!(LESSON);
    let (listener, addr) = net::listener();
    let _ = SockRef::from(&listener).set_recv_buffer_size(4096);
    // A slow reader: 4 KiB at a time, with a pause after each read.
    let reader: JoinHandle<io::Result<Vec<u8>>> = thread::spawn(move || {
        let (mut s, _) = listener.accept()?;
        net::set_timeouts(&s, Duration::from_secs(10));
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf)?;
            if n == 0 {
                return Ok(got);
            }
            got.extend_from_slice(&buf[..n]);
            thread::sleep(Duration::from_millis(1));
        }
    });
    let client = net::connect(addr, LIMIT);
    SockRef::from(&client)
        .set_send_buffer_size(4096)
        .expect("set a small send buffer (test setup)");
    // With a write timeout, a write on a full buffer returns what it could
    // send (a short count), or WouldBlock if it sent nothing in time.
    client
        .set_write_timeout(Some(Duration::from_millis(50)))
        .expect("set a write timeout (test setup)");
    let data = pattern(256 * 1024);
    let sent = data.clone();
    let (recorder, result) = within(
        Duration::from_secs(15),
        "send_all of 256 KiB to a slow reader",
        move || {
            let mut recorder = Recorder {
                stream: client,
                calls: 0,
                short: 0,
                would_block: 0,
                first_short: None,
            };
            let result = send_all(&mut recorder, &sent);
            (recorder, result)
        },
    );
    if let Err(e) = result {
        panic!(
            "send_all of 256 KiB over a socket with a 4 KiB send buffer and a 50 ms write \
             timeout, to a slow reader, failed: {e} (kind {:?}). The socket's write calls: {}",
            e.kind(),
            recorder.summary()
        );
    }
    let summary = recorder.summary();
    let _ = recorder.stream.shutdown(std::net::Shutdown::Write);
    let received = within(Duration::from_secs(15), "the slow reader", move || {
        reader.join()
    });
    let received = match received {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => panic!("the slow reader failed: {e}; the socket's write calls: {summary}"),
        Err(_) => panic!("the slow reader panicked (test bug)"),
    };
    assert_bytes_eq(
        &format!(
            "what the slow reader received after send_all of 256 KiB returned Ok ({summary}): \
             after a short write, send the rest, starting where that write stopped"
        ),
        &data,
        &received,
    );
}

/// A writer that fails the way a dead or stuck peer makes a socket fail.
struct DeadWriter {
    kind: Dead,
    calls: usize,
    accepted: usize,
}

/// How a [`DeadWriter`] fails.
#[derive(Debug, Clone, Copy)]
enum Dead {
    /// Accepts nothing: `Ok(0)`.
    WriteZero,
    /// Takes 10 bytes, then the peer is gone: `BrokenPipe`.
    BrokenPipe,
    /// Never has room: `WouldBlock` forever.
    NeverReady,
}

impl Write for DeadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        match self.kind {
            Dead::WriteZero => Ok(0),
            Dead::BrokenPipe if self.accepted < 10 => {
                let n = buf.len().min(10 - self.accepted);
                self.accepted += n;
                Ok(n)
            }
            Dead::BrokenPipe => Err(io::ErrorKind::BrokenPipe.into()),
            Dead::NeverReady => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[rstest]
#[case::write_zero(Dead::WriteZero, io::ErrorKind::WriteZero)]
#[case::broken_pipe(Dead::BrokenPipe, io::ErrorKind::BrokenPipe)]
#[case::never_ready(Dead::NeverReady, io::ErrorKind::TimedOut)]
fn step05_send_all_gives_up_on_a_dead_writer(#[case] kind: Dead, #[case] expected: io::ErrorKind) {
    let _step = step!(LESSON);
    let about = match kind {
        Dead::WriteZero => "accepts nothing (write returns Ok(0))",
        Dead::BrokenPipe => "takes 10 bytes, then fails with BrokenPipe (the peer is gone)",
        Dead::NeverReady => "answers WouldBlock forever (a peer that never reads)",
    };
    let limit = STALL_LIMIT + Duration::from_secs(4);
    let started = Instant::now();
    let (writer, result) = within(limit, &format!("send_all over a writer that {about}"), {
        move || {
            let mut writer = DeadWriter {
                kind,
                calls: 0,
                accepted: 0,
            };
            let result = send_all(&mut writer, &pattern(100));
            (writer, result)
        }
    });
    let took = started.elapsed();
    match result {
        Err(e) if e.kind() == expected => {}
        Err(e) => panic!(
            "send_all over a writer that {about}: expected an error of kind {expected:?}, got \
             {e} (kind {:?}) after {} write calls",
            e.kind(),
            writer.calls
        ),
        Ok(()) => panic!(
            "send_all over a writer that {about} returned Ok(()), but not all 100 bytes were \
             accepted: expected an error of kind {expected:?}"
        ),
    }
    if let Dead::NeverReady = kind {
        assert!(
            took >= STALL_LIMIT / 2,
            "send_all gave up after {took:?}: a full buffer usually drains soon; keep retrying \
             (pausing RETRY_PAUSE) until STALL_LIMIT ({STALL_LIMIT:?}) has passed without progress"
        );
        assert!(
            writer.calls <= 100_000,
            "send_all called write {} times in {took:?}: that is a busy loop burning a CPU. \
             Sleep RETRY_PAUSE ({RETRY_PAUSE:?}) after each WouldBlock",
            writer.calls
        );
    }
}

// ---------------------------------------------------------------------------
// Delimiter framing: MessageReader
// ---------------------------------------------------------------------------

#[rstest]
#[case::merged(Cut::Whole)]
#[case::one_byte(Cut::Fixed(1))]
#[case::two_bytes(Cut::Fixed(2))]
#[case::seven_bytes(Cut::Fixed(7))]
#[case::random_small(Cut::Random(5))]
#[case::random_large(Cut::Random(700))]
fn step06_reader_reassembles_messages(#[case] cut: Cut) {
    let step = step!(LESSON);
    let chunking = cut.chunking(step.seed());
    let messages = sample_messages();
    let stream = framed(&messages);
    let expected = expected_outcomes(&messages);
    let most = expected.len() + 2;
    // The third read fails once with Interrupted (a signal): nothing lost.
    let source = InterruptedOnce::new(ChunkedReader::new(stream.clone(), chunking), 3);
    let got = within(LIMIT, "MessageReader::next_message", move || {
        let mut reader = MessageReader::new(source);
        drain_messages(&mut reader, most)
    });
    assert_outcomes(
        &format!(
            "{} messages, each ending in \\n ({} bytes), read {chunking}, the third read \
             failing once with ErrorKind::Interrupted (read again: nothing was lost)",
            messages.len(),
            stream.len()
        ),
        &expected,
        &got,
    );
}

#[derive(Debug, Clone, Copy)]
enum Sender {
    /// `TCP_NODELAY`, one byte per write.
    ByteByByte,
    /// All messages in one write.
    Merged,
    /// All messages in one write, re-cut by a relay at seeded random points.
    RelayRandom,
    /// Each message in its own write, re-cut by a relay into 3-byte pieces.
    RelayThreeBytes,
}

impl Sender {
    /// How a relay between the peers re-cuts the stream, if there is one.
    fn relay_chunking(self, seed: u64) -> Option<Chunking> {
        match self {
            Sender::ByteByByte | Sender::Merged => None,
            Sender::RelayRandom => Some(Chunking::Random { seed, max: 9 }),
            Sender::RelayThreeBytes => Some(Chunking::Fixed(3)),
        }
    }

    /// Starts this sender's relay (if any) in front of `target`; returns it,
    /// to keep it running, and the address to connect to.
    fn route(self, target: SocketAddr, seed: u64) -> (Option<TcpRelay>, SocketAddr) {
        let relay = self
            .relay_chunking(seed)
            .map(|chunking| TcpRelay::start(target, chunking));
        let addr = relay.as_ref().map_or(target, TcpRelay::addr);
        (relay, addr)
    }

    /// How the bytes travel, for failure messages.
    fn describe(self, seed: u64) -> String {
        let writes = match self {
            Sender::ByteByByte => "one byte per write",
            Sender::Merged | Sender::RelayRandom => "all in one write",
            Sender::RelayThreeBytes => "one write each",
        };
        match self.relay_chunking(seed) {
            Some(chunking) => format!("{writes}, re-cut {chunking}"),
            None => writes.to_owned(),
        }
    }

    /// Writes `messages` to `stream`, each followed by `\n`, this sender's way.
    fn send(self, stream: &mut TcpStream, messages: &[Vec<u8>]) -> io::Result<()> {
        let framed_messages: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| framed(std::slice::from_ref(m)))
            .collect();
        match self {
            Sender::ByteByByte => peer::write_byte_by_byte(stream, &framed_messages.concat()),
            Sender::Merged | Sender::RelayRandom => {
                let parts: Vec<&[u8]> = framed_messages.iter().map(Vec::as_slice).collect();
                peer::write_merged(stream, &parts)
            }
            Sender::RelayThreeBytes => {
                for m in &framed_messages {
                    stream.write_all(m)?;
                }
                Ok(())
            }
        }
    }
}

#[rstest]
#[case::byte_by_byte(Sender::ByteByByte)]
#[case::merged(Sender::Merged)]
#[case::relay_random(Sender::RelayRandom)]
#[case::relay_three_bytes(Sender::RelayThreeBytes)]
fn step07_reader_over_a_socket(#[case] sender: Sender) {
    let step = step!(LESSON);
    let messages: Vec<Vec<u8>> = sample_messages().into_iter().take(6).collect();
    let to_send = messages.clone();
    let server = net::serve_one(move |mut s| sender.send(&mut s, &to_send));
    let (_relay, addr) = sender.route(server.addr, step.seed());
    let how = sender.describe(step.seed());
    let client = net::connect(addr, LIMIT);
    let expected = expected_outcomes(&messages);
    let most = expected.len() + 2;
    let got = within(
        LIMIT,
        "MessageReader::next_message over a socket",
        move || {
            let mut reader = MessageReader::new(client);
            drain_messages(&mut reader, most)
        },
    );
    assert_outcomes(
        &format!(
            "a server sent {} messages ending in \\n ({how}) and closed",
            messages.len()
        ),
        &expected,
        &got,
    );
}

#[rstest]
#[case::nothing_at_all(b"".as_slice(), vec![Got::End])]
#[case::one_message(b"a\n".as_slice(), vec![Got::Message(b"a".to_vec()), Got::End])]
#[case::empty_messages(b"\n\n".as_slice(), vec![Got::Message(vec![]), Got::Message(vec![]), Got::End])]
#[case::cut_after_a_message(b"first\nsec".as_slice(), vec![Got::Message(b"first".to_vec()), Got::Error(io::ErrorKind::UnexpectedEof)])]
#[case::no_delimiter_at_all(b"abc".as_slice(), vec![Got::Error(io::ErrorKind::UnexpectedEof)])]
fn step08_clean_eof_ends_truncated_message_errors(
    #[case] input: &[u8],
    #[case] expected: Vec<Got>,
) {
    let _step = step!(LESSON);
    // In memory, two bytes per read; after a clean end, ask once more.
    let source = ChunkedReader::new(input.to_vec(), Chunking::Fixed(2));
    let most = expected.len() + 2;
    let got = within(LIMIT, "MessageReader::next_message", move || {
        let mut reader = MessageReader::new(source);
        let mut got = drain_messages(&mut reader, most);
        if got.last() == Some(&Got::End) {
            got.extend(drain_messages(&mut reader, 1));
        }
        got
    });
    let mut expected_twice = expected.clone();
    if expected.last() == Some(&Got::End) {
        expected_twice.push(Got::End);
    }
    assert_outcomes(
        &format!(
            "the stream {} (two bytes per read), then EOF; after Ok(None), next_message is called \
             once more and must say Ok(None) again",
            show(input)
        ),
        &expected_twice,
        &got,
    );
    // Over a socket: the server sends the bytes and closes.
    let sent = input.to_vec();
    let server = net::serve_one(move |mut s| s.write_all(&sent));
    let client = net::connect(server.addr, LIMIT);
    let got = within(
        LIMIT,
        "MessageReader::next_message over a socket",
        move || drain_messages(&mut MessageReader::new(client), most),
    );
    assert_outcomes(
        &format!("a server sent {} and closed", show(input)),
        &expected,
        &got,
    );
}

/// How much a peer that never sends a delimiter sends before it closes:
/// far more than any limit, yet finite, so that a reader without a limit
/// fails its step instead of eating the machine's memory.
const ENDLESS: usize = 4 * 1024 * 1024;

/// A peer that sends `a` and never a delimiter (until [`ENDLESS`] bytes,
/// then EOF); counts what it gave.
struct Endless {
    given: usize,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(ENDLESS - self.given);
        buf[..n].fill(b'a');
        self.given += n;
        Ok(n)
    }
}

#[rstest]
#[case::merged(Cut::Whole)]
#[case::one_byte(Cut::Fixed(1))]
#[case::random(Cut::Random(300))]
fn step09_oversized_message_is_refused(#[case] cut: Cut) {
    let step = step!(LESSON);
    const MAX: usize = 1000;
    // Exactly the limit is fine, after another message as at the start;
    // one byte more is not, even when its \n comes in the same read.
    let messages = vec![
        b"a".to_vec(),
        vec![b'x'; MAX],
        vec![b'y'; MAX + 1],
        b"after".to_vec(),
    ];
    let chunking = cut.chunking(step.seed());
    let source = ChunkedReader::new(framed(&messages), chunking);
    let got = within(LIMIT, "MessageReader::next_message", move || {
        drain_messages(&mut MessageReader::with_max_len(source, MAX), 5)
    });
    assert_outcomes(
        &format!(
            "with_max_len({MAX}) over a message of 1 byte, then one of {MAX} bytes (a \
             message's length counts from its own start), then one of {} bytes, read \
             {chunking}",
            MAX + 1
        ),
        &[
            Got::Message(b"a".to_vec()),
            Got::Message(vec![b'x'; MAX]),
            Got::Error(io::ErrorKind::InvalidData),
        ],
        &got,
    );
    // A peer that never sends \n must not make the reader buffer forever.
    let (got, given) = within(
        LIMIT,
        "MessageReader::next_message on a peer that never sends \\n",
        || {
            let mut reader = MessageReader::with_max_len(Endless { given: 0 }, MAX);
            let got = drain_messages(&mut reader, 2);
            (got, reader.get_ref().given)
        },
    );
    let bound = MAX + 64 * 1024;
    assert!(
        given <= bound,
        "with_max_len({MAX}) read {given} bytes from a peer that sends 'a' and never \\n, and \
         then returned {}: stop with InvalidData as soon as more than {MAX} bytes wait without a \
         \\n (at most one read later)",
        got.first().map(Got::describe).unwrap_or_default()
    );
    assert_outcomes(
        &format!("with_max_len({MAX}) over a peer that sends 'a' and never \\n"),
        &[Got::Error(io::ErrorKind::InvalidData)],
        &got,
    );
}

/// What any reader may take, whatever the baseline: a busy machine must not
/// fail a correct reader (which takes a fraction of a second).
const SLOW_FLOOR: Duration = Duration::from_secs(2);

#[test]
fn step10_long_message_in_tiny_pieces_is_linear() {
    let _step = step!(LESSON);
    let long = pattern(512 * 1024);
    let messages = vec![long.clone(), b"tail".to_vec()];
    let stream = framed(&messages);
    let baseline = testkit::chunking::one_byte_reads_baseline(&stream);
    let allowed = (baseline * testkit::chunking::SLOW_FACTOR).max(SLOW_FLOOR);
    let source = ChunkedReader::new(stream, Chunking::Fixed(1));
    let (done, outcome) = mpsc::channel();
    thread::spawn(move || {
        let started = Instant::now();
        let mut reader = MessageReader::with_max_len(source, 1024 * 1024);
        let got = catch_quietly(move || drain_messages(&mut reader, 4))
            .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()));
        let _ = done.send((started.elapsed(), got));
    });
    let about = "MessageReader::next_message on a 512 KiB message arriving one byte per read";
    let times = |took: Duration| took.as_secs_f64() / baseline.as_secs_f64().max(1e-9);
    let (took, got) = outcome.recv_timeout(allowed).unwrap_or_else(|_| {
        panic!(
            "{about} had not finished after {:.1} s, {:.0} times as long as the test took just \
             to read those bytes ({:.3} s): is the whole buffer searched again for \\n on every \
             read? Search only the bytes that arrived since the last search",
            allowed.as_secs_f64(),
            times(allowed),
            baseline.as_secs_f64()
        )
    });
    println!(
        "{about}: {:.3} s; the test's own reading of those bytes: {:.3} s ({:.0} times as long; \
         allowed: {:.1} s)",
        took.as_secs_f64(),
        baseline.as_secs_f64(),
        times(took),
        allowed.as_secs_f64()
    );
    let got = got.unwrap_or_else(|panic| panic!("{about}: next_message {panic}"));
    assert_outcomes(
        "with_max_len(1 MiB) over a 512 KiB message then b\"tail\", one byte per read",
        &expected_outcomes(&messages),
        &got,
    );
}

// ---------------------------------------------------------------------------
// The line server
// ---------------------------------------------------------------------------

/// ASCII letters upper-cased, like Python's `bytes.upper()`.
fn upper(line: &[u8]) -> Vec<u8> {
    line.iter().map(u8::to_ascii_uppercase).collect()
}

#[rstest]
#[case::word(b"hello".as_slice())]
#[case::sentence(b"Hello, World! 123".as_slice())]
#[case::empty(b"".as_slice())]
#[case::utf8(b"h\xc3\xa9llo".as_slice())]
#[case::not_text(b"\xff\xfeab\x00c".as_slice())]
fn step11_reply_upper_cases_ascii_only(#[case] line: &[u8]) {
    let _step = step!(LESSON);
    let input = line.to_vec();
    let got = within(LIMIT, "reply_to", move || reply_to(&input));
    let mut expected = upper(line);
    expected.push(b'\n');
    assert_bytes_eq(
        &format!(
            "reply_to({}): ASCII a-z upper-cased, every other byte kept, then \\n",
            show(line)
        ),
        &expected,
        &got,
    );
}

/// The learner's `serve` on a loopback port 0 (it never returns: the test
/// process ends it).
fn line_server() -> Server<()> {
    Server::tcp("serve(listener)", |listener| {
        serve(listener);
    })
}

/// Sends `line` + `\n` and expects it back upper-cased.
#[track_caller]
fn ask(client: &mut LineClient, line: &[u8]) {
    client.send(&[line, b"\n"].concat());
    client.expect(&[upper(line).as_slice(), b"\n"].concat());
}

/// Lines of every kind for the line server: text, empty, not UTF-8.
fn sample_lines() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        b"Hello, World!".to_vec(),
        Vec::new(),
        b"sticky packets are a myth of the receiver".to_vec(),
        b"\xff\xfe not UTF-8".to_vec(),
    ]
}

#[rstest]
#[case::byte_by_byte(Sender::ByteByByte)]
#[case::merged(Sender::Merged)]
#[case::relay_random(Sender::RelayRandom)]
#[case::relay_three_bytes(Sender::RelayThreeBytes)]
fn step12_line_server_answers_each_line(#[case] sender: Sender) {
    let step = step!(LESSON);
    let server = line_server();
    let (_relay, addr) = sender.route(server.addr(), step.seed());
    let mut client = server.client_via(addr, "the client");
    let lines = sample_lines();
    client.note(format!(
        "sends {} ({})",
        show(&framed(&lines)),
        sender.describe(step.seed())
    ));
    let mut writer = client
        .stream()
        .try_clone()
        .expect("clone the client's stream");
    if let Err(e) = sender.send(&mut writer, &lines) {
        client.fail(format!("could not send the lines: {e}"));
    }
    client.note(
        "one read may bring several of these lines at once: the bytes after a line's \\n are \
         the next lines, and must wait in the same MessageReader for its next call (one reader \
         for the whole connection: a new MessageReader per line loses them)",
    );
    for line in &lines {
        client.expect(&[upper(line).as_slice(), b"\n"].concat());
    }
    client.note("the connection stays open for more lines");
    ask(&mut client, b"one more");
}

#[test]
fn step13_line_server_serves_clients_at_once() {
    let _step = step!(LESSON);
    let server = line_server();
    let mut first = server.client("the first client");
    first.send(b"first ha");
    // The first client is mid-line and waits. A second one must be served.
    let mut second = server.client("a second client");
    second.note(
        "a first client is connected and has sent half a line (\"first ha\"): if no reply \
         comes, is the server busy waiting for the first client? Serve each client on its \
         own thread",
    );
    ask(&mut second, b"second");
    first.send(b"lf\n");
    first.expect(b"FIRST HALF\n");
}

/// What step 14 says when the line server resets a refused client.
const RESET_ADVICE: &str = "the server reset the connection. Closing a socket that still holds \
    unread bytes, or that receives more after it is closed, makes the kernel send a reset, which \
    may also destroy the reply before the client reads it. After TOO_LONG_REPLY: \
    shutdown(Write), then read and discard what the client sends until EOF, DRAIN_LIMIT bytes or \
    DRAIN_TIMEOUT, and only then close";

#[derive(Debug, Clone, Copy)]
enum Rude {
    /// Sends two lines and shuts down its writing half: wants both replies,
    /// then EOF.
    HalfClose,
    /// Sends a line and half a line, then half-closes: one reply, then EOF.
    TruncatedLine,
    /// Sends half a line, then resets the connection.
    ResetMidLine,
    /// Connects and resets at once.
    ResetAtOnce,
    /// Sends a line longer than MAX_MESSAGE.
    OversizedLine,
}

#[rstest]
#[case::half_close(Rude::HalfClose)]
#[case::truncated_line(Rude::TruncatedLine)]
#[case::reset_mid_line(Rude::ResetMidLine)]
#[case::reset_at_once(Rude::ResetAtOnce)]
#[case::oversized_line(Rude::OversizedLine)]
fn step14_line_server_survives_rude_clients(#[case] rude: Rude) {
    let _step = step!(LESSON);
    if let Rude::TruncatedLine = rude {
        truncated_line_is_returned();
    }
    let server = line_server();
    let mut bystander = server.client("a well-behaved client, connected first");
    ask(&mut bystander, b"before");
    let mut client = server.client(&format!("a rude client ({rude:?})"));
    match rude {
        Rude::HalfClose | Rude::TruncatedLine => {
            let (sent, expected): (&[u8], &[u8]) = match rude {
                Rude::HalfClose => (b"one\ntwo\n", b"ONE\nTWO\n"),
                _ => (b"one\ntw", b"ONE\n"),
            };
            client.send(sent);
            client.half_close();
            client.note("a reply per complete line, nothing for an unfinished one, then EOF");
            let (got, error) = client.read_to_end(64 * 1024);
            if let Some(e) = error {
                client.fail(format!(
                    "reading failed: {}. At EOF (Ok(None), or UnexpectedEof for an unfinished \
                     line) return from handle_client so that the connection closes",
                    explain::io_error(&e, LIMIT)
                ));
            }
            if got != expected {
                client.fail(format!(
                    "the replies before EOF are not the ones expected\n{}",
                    diff_report(expected, &got)
                ));
            }
        }
        Rude::ResetMidLine => {
            client.send(b"half a li");
            client.reset();
        }
        Rude::ResetAtOnce => client.reset(),
        Rude::OversizedLine => {
            let mut line = vec![b'a'; MAX_MESSAGE + 10_000];
            line.extend_from_slice(b"\nafter\n");
            client.note(format!(
                "MAX_MESSAGE is {MAX_MESSAGE}: expects TOO_LONG_REPLY; the client then goes on \
                 sending for a while, half-closes, and expects EOF"
            ));
            let mut writer = client
                .stream()
                .try_clone()
                .expect("clone the client's stream");
            let written = writer.write_all(&line);
            client.note(format!("sent {}", show(&line)));
            if let Err(e) = written {
                client.fail(format!("{}: {RESET_ADVICE}", explain::io_error(&e, LIMIT)));
            }
            match client.read_line() {
                Ok(reply) if reply == TOO_LONG_REPLY => {}
                Ok(reply) => client.fail(format!(
                    "expected TOO_LONG_REPLY\n{}",
                    diff_report(TOO_LONG_REPLY, &reply)
                )),
                Err(why) => client.fail(format!(
                    "expected TOO_LONG_REPLY, but {why}: if it was reset, {RESET_ADVICE}"
                )),
            }
            // A client does not stop at once: bytes already on their way,
            // or more lines, keep coming while the server closes. The
            // server must take them (drain) until EOF, not reset.
            for n in 1..=5 {
                thread::sleep(Duration::from_millis(50));
                let more = format!("still talking {n}\n");
                client.note(format!("> {}", show(more.as_bytes())));
                if let Err(e) = writer.write_all(more.as_bytes()) {
                    client.fail(format!(
                        "the client went on sending after TOO_LONG_REPLY, and its write failed: \
                         {}: {RESET_ADVICE}",
                        explain::io_error(&e, LIMIT)
                    ));
                }
            }
            client.half_close();
            let (got, error) = client.read_to_end(64 * 1024);
            if let Some(e) = error {
                client.fail(format!("{}: {RESET_ADVICE}", explain::io_error(&e, LIMIT)));
            }
            if !got.is_empty() {
                client.fail("after TOO_LONG_REPLY the server must send nothing more, only EOF");
            }
        }
    }
    bystander.note(format!("a rude client ({rude:?}) came and went"));
    ask(&mut bystander, b"still here");
    ask(
        &mut server.client("a new client, after the rude one"),
        b"next",
    );
}

// ---------------------------------------------------------------------------
// The line client
// ---------------------------------------------------------------------------

/// A well-behaved test server: reads `count` lines, answers all of them in
/// ONE write (so the replies arrive merged), then keeps the connection open
/// until the client closes. Returns the lines it read.
fn batch_server(count: usize) -> net::Server<io::Result<Vec<Vec<u8>>>> {
    net::serve_one(move |s| {
        let mut reader = BufReader::new(s.try_clone()?);
        let mut lines = Vec::new();
        let mut replies = Vec::new();
        for _ in 0..count {
            let mut line = Vec::new();
            reader.read_until(b'\n', &mut line)?;
            if line.last() != Some(&b'\n') {
                return Ok(lines);
            }
            line.pop();
            replies.extend(upper(&line));
            replies.push(b'\n');
            lines.push(line);
        }
        (&s).write_all(&replies)?;
        // Stay open: a client that waits for EOF waits in vain.
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        Ok(lines)
    })
}

#[rstest]
#[case::merged(Cut::Whole)]
#[case::one_byte(Cut::Fixed(1))]
#[case::random(Cut::Random(7))]
fn step15_client_reads_one_reply_per_line(#[case] cut: Cut) {
    let step = step!(LESSON);
    let chunking = cut.chunking(step.seed());
    let lines = vec![
        b"hello".to_vec(),
        b"world".to_vec(),
        Vec::new(),
        b"Sticky Packets".to_vec(),
    ];
    let server = batch_server(lines.len());
    let relay = TcpRelay::start(server.addr, chunking);
    let addr = relay.addr();
    let to_send = lines.clone();
    // exchange's own timeout runs out first: its error is the clue.
    let got = within(LIMIT * 2, "exchange", move || {
        let refs: Vec<&[u8]> = to_send.iter().map(Vec::as_slice).collect();
        exchange(addr, &refs, LIMIT)
    });
    let shown: Vec<String> = lines.iter().map(|l| show(l)).collect();
    let replies = got.unwrap_or_else(|e| {
        let clue = if testkit::is_timeout(&e) {
            format!(
                ". A read timed out ({LIMIT:?}) waiting for a reply that had come already, or \
                 for EOF: the server never closes, so stop reading once you hold one reply per \
                 line; and one read may bring several replies, so keep ONE MessageReader for \
                 the exchange (a new one per reply loses what the last one had buffered)"
            )
        } else {
            String::new()
        };
        panic!(
            "exchange sent the lines [{}] to a server that answers them all at once ({chunking}) \
             and stays connected; it failed: {e} (kind {:?}){clue}",
            shown.join(", "),
            e.kind()
        )
    });
    let expected: Vec<Vec<u8>> = lines.iter().map(|l| upper(l)).collect();
    assert_eq!(
        replies.len(),
        expected.len(),
        "exchange of {} lines must return one reply per line; it returned {}",
        lines.len(),
        replies.len()
    );
    for (i, (want, got)) in expected.iter().zip(&replies).enumerate() {
        assert_bytes_eq(
            &format!(
                "reply {} of exchange (the line {} upper-cased, without its \\n; the replies \
                 arrived {chunking})",
                i + 1,
                shown[i]
            ),
            want,
            got,
        );
    }
    let received = within(LIMIT, "the test server", move || server.thread.join());
    match received {
        Ok(Ok(received)) => {
            let received: Vec<String> = received.iter().map(|l| show(l)).collect();
            assert_eq!(
                received, shown,
                "the lines the server received from exchange: send each line exactly as given, \
                 followed by \\n"
            );
        }
        Ok(Err(e)) => panic!("the test server failed: {e}"),
        Err(_) => panic!("the test server panicked (test bug)"),
    }
}

#[derive(Debug, Clone, Copy)]
enum BadServer {
    /// The caller asks to send a line that contains `\n`.
    LineWithNewline,
    /// Answers one of two lines, then closes.
    ClosesEarly,
    /// Answers with more than MAX_MESSAGE bytes and no `\n`.
    EndlessReply,
    /// Reads the line and never answers.
    Silent,
}

#[rstest]
#[case::line_with_newline(BadServer::LineWithNewline, io::ErrorKind::InvalidInput)]
#[case::closes_early(BadServer::ClosesEarly, io::ErrorKind::UnexpectedEof)]
#[case::endless_reply(BadServer::EndlessReply, io::ErrorKind::InvalidData)]
#[case::silent(BadServer::Silent, io::ErrorKind::TimedOut)]
fn step16_client_rejects_bad_lines_and_bad_servers(
    #[case] bad: BadServer,
    #[case] expected: io::ErrorKind,
) {
    let _step = step!(LESSON);
    let lines: Vec<Vec<u8>> = match bad {
        BadServer::LineWithNewline => vec![b"two\nlines".to_vec()],
        _ => vec![b"first".to_vec(), b"second".to_vec()],
    };
    let server = net::serve_one(move |s| {
        let mut reader = BufReader::new(s.try_clone()?);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line)?;
        match bad {
            BadServer::ClosesEarly => {
                (&s).write_all(b"FIRST\n")?;
                return Ok(());
            }
            BadServer::EndlessReply => {
                let _ = (&s).write_all(&vec![b'r'; MAX_MESSAGE + 10_000]);
            }
            BadServer::LineWithNewline | BadServer::Silent => {}
        }
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        Ok(())
    });
    let (about, timeout) = match bad {
        BadServer::LineWithNewline => ("asked to send the line \"two\\nlines\"", LIMIT),
        BadServer::ClosesEarly => (
            "sent two lines; the server answered the first and closed",
            LIMIT,
        ),
        BadServer::EndlessReply => (
            "sent two lines; the server answered with more than MAX_MESSAGE bytes and no \\n",
            LIMIT,
        ),
        BadServer::Silent => (
            "sent two lines with a 300 ms timeout; the server never answers",
            Duration::from_millis(300),
        ),
    };
    let addr = server.addr;
    let got = within(LIMIT, "exchange", move || {
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        exchange(addr, &refs, timeout)
    });
    let timed_out =
        |kind: io::ErrorKind| matches!(kind, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock);
    match got {
        Err(e) if e.kind() == expected => {}
        Err(e) if expected == io::ErrorKind::TimedOut && timed_out(e.kind()) => {}
        Err(e) => panic!(
            "exchange {about}: expected an error of kind {expected:?}, got {e} (kind {:?})",
            e.kind()
        ),
        Ok(replies) => {
            let shown: Vec<String> = replies.iter().map(|r| show(r)).collect();
            panic!(
                "exchange {about}: expected an error of kind {expected:?}, got Ok([{}])",
                shown.join(", ")
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Timeouts: nothing lost, and a slow but steady peer is not a dead one
// ---------------------------------------------------------------------------

/// A reader that plays a script: some bytes, or an error, per call; then EOF.
struct Scripted {
    parts: std::collections::VecDeque<Result<Vec<u8>, io::ErrorKind>>,
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.parts.pop_front() {
            None => Ok(0),
            Some(Err(kind)) => Err(io::Error::new(kind, "the test's read timeout passed")),
            Some(Ok(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.parts.push_front(Ok(bytes.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

/// Calls `next_message` exactly `calls` times, errors or not.
fn call_next<R: Read>(reader: &mut MessageReader<R>, calls: usize) -> Vec<Got> {
    (0..calls)
        .map(|_| match reader.next_message() {
            Ok(Some(m)) => Got::Message(m),
            Ok(None) => Got::End,
            Err(e) => Got::Error(e.kind()),
        })
        .collect()
}

#[test]
fn step17_timeout_loses_nothing() {
    let _step = step!(LESSON);
    use io::ErrorKind::{TimedOut, WouldBlock};
    // In memory: the read timeout passes in the middle of a message.
    let script = vec![
        Ok(b"hel".to_vec()),
        Err(WouldBlock),
        Ok(b"lo\nwor".to_vec()),
        Err(TimedOut),
        Ok(b"ld\n".to_vec()),
    ];
    let source = Scripted {
        parts: script.into(),
    };
    let got = within(LIMIT, "MessageReader::next_message", move || {
        call_next(&mut MessageReader::new(source), 5)
    });
    assert_outcomes(
        "reads of \"hel\", then a read timeout (WouldBlock), then \"lo\\nwor\", then a read \
         timeout (TimedOut), then \"ld\\n\", then EOF; next_message is called again after each \
         timeout, as a caller that waits does, and must lose nothing: the bytes it had \
         buffered are the start of the message",
        &[
            Got::Error(WouldBlock),
            Got::Message(b"hello".to_vec()),
            Got::Error(TimedOut),
            Got::Message(b"world".to_vec()),
            Got::End,
        ],
        &got,
    );
    // What the reader holds across a timeout, as buffered() shows it.
    let source = Scripted {
        parts: vec![Ok(b"hello\nwor".to_vec()), Err(TimedOut)].into(),
    };
    let (got, held) = within(
        LIMIT,
        "MessageReader::next_message, then buffered()",
        move || {
            let mut reader = MessageReader::new(source);
            let got = call_next(&mut reader, 2);
            (got, reader.buffered().to_vec())
        },
    );
    assert_outcomes(
        "a read of \"hello\\nwor\", then a read timeout (TimedOut)",
        &[Got::Message(b"hello".to_vec()), Got::Error(TimedOut)],
        &got,
    );
    assert_bytes_eq(
        "buffered() after next_message returned b\"hello\" and then the read timed out: the \
         bytes received and not returned yet, the start of the next message",
        b"wor",
        &held,
    );
    // Over a socket with a read timeout: the rest of the message comes late.
    let (go_on, wait) = mpsc::channel::<()>();
    let server = net::serve_one(move |mut s| {
        s.set_nodelay(true)?;
        s.write_all(b"hel")?;
        let _ = wait.recv_timeout(LIMIT * 2);
        s.write_all(b"lo\n")?;
        Ok(())
    });
    let client = net::connect(server.addr, LIMIT);
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set a read timeout (test setup)");
    let (first, reader) = within(LIMIT, "MessageReader::next_message over a socket", {
        move || {
            let mut reader = MessageReader::new(client);
            let first = call_next(&mut reader, 1);
            (first, reader)
        }
    });
    let timed_out = matches!(
        first.first(),
        Some(Got::Error(kind)) if matches!(kind, WouldBlock | TimedOut)
    );
    assert!(
        timed_out,
        "a server sent \"hel\" and then nothing for a while; the socket's read timeout is 200 ms: \
         next_message must return the read's timeout error (kind WouldBlock or TimedOut), got {}",
        first.first().map(Got::describe).unwrap_or_default()
    );
    let _ = go_on.send(());
    let got = within(
        LIMIT,
        "MessageReader::next_message over a socket, after a timeout",
        move || {
            let mut reader = reader;
            let _ = reader.get_ref().set_read_timeout(Some(LIMIT));
            call_next(&mut reader, 2)
        },
    );
    assert_outcomes(
        "a server sent \"hel\"; next_message timed out (rightly); then the server sent \"lo\\n\" \
         and closed, and next_message was called again: a timeout loses nothing, so the \
         message is b\"hello\"",
        &[Got::Message(b"hello".to_vec()), Got::End],
        &got,
    );
}

/// A writer that accepts `per` bytes once every `every` and says
/// `WouldBlock` in between; after `stall_after` acceptances it says
/// `WouldBlock` for ever.
struct Trickle {
    every: Duration,
    per: usize,
    stall_after: usize,
    last: Instant,
    accepted: Vec<u8>,
    acceptances: usize,
}

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.acceptances >= self.stall_after || self.last.elapsed() < self.every {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.per);
        self.accepted.extend_from_slice(&buf[..n]);
        self.acceptances += 1;
        self.last = Instant::now();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[rstest]
#[case::steady_trickle(usize::MAX)]
#[case::progress_then_a_stall(3)]
fn step18_send_all_waits_while_a_writer_makes_progress(#[case] stall_after: usize) {
    let _step = step!(LESSON);
    let every = Duration::from_millis(200);
    let data = pattern(130);
    let sent = data.clone();
    let started = Instant::now();
    let (writer, result) = within(
        STALL_LIMIT * 3 + Duration::from_secs(4),
        "send_all over a slow writer",
        move || {
            let mut writer = Trickle {
                every,
                per: 10,
                stall_after,
                last: Instant::now(),
                accepted: Vec::new(),
                acceptances: 0,
            };
            let result = send_all(&mut writer, &sent);
            (writer, result)
        },
    );
    let took = started.elapsed();
    if stall_after == usize::MAX {
        match result {
            Ok(()) => assert_bytes_eq(
                "send_all over a writer that accepts 10 bytes every 200 ms",
                &data,
                &writer.accepted,
            ),
            Err(e) => panic!(
                "send_all of 130 bytes over a writer that accepts 10 bytes every 200 ms (2.6 s \
                 in all, but never more than 200 ms without progress) gave up after {took:.1?} \
                 and {} bytes: {e} (kind {:?}). STALL_LIMIT ({STALL_LIMIT:?}) is the longest \
                 time WITHOUT progress: measure it from the last byte accepted, not from the \
                 start",
                writer.accepted.len(),
                e.kind()
            ),
        }
    } else {
        match result {
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
            other => panic!(
                "send_all over a writer that accepted 10 bytes 3 times, 200 ms apart, then \
                 never again: expected an error of kind TimedOut about STALL_LIMIT \
                 ({STALL_LIMIT:?}) after the last byte accepted, got {other:?}"
            ),
        }
        let least = every * 3 + STALL_LIMIT / 2;
        assert!(
            took >= least,
            "send_all gave up after {took:.1?}: the writer made progress until 600 ms, so a \
             stall is only STALL_LIMIT ({STALL_LIMIT:?}) without a byte accepted after that"
        );
    }
}

// ---------------------------------------------------------------------------
// The polite close has an end: a deadline for the whole drain
// ---------------------------------------------------------------------------

/// How often step 19's client sends one more byte while the server drains:
/// far more often than any per-read timeout, so only a deadline for the
/// whole drain ends it.
const TRICKLE_EVERY: Duration = Duration::from_millis(100);

/// How long step 19 waits for `handle_client` to return: `DRAIN_TIMEOUT`
/// and a wide margin for a busy machine. A drain bounded per read only
/// runs for days against this client, so no margin could be too wide.
const DRAIN_WAIT: Duration = Duration::from_secs(12);

#[test]
fn step19_drain_ends_while_a_client_trickles() {
    let _step = step!(LESSON);
    let (server, mut client) = handle_one("a client that trickles");
    refused_line(&mut client);
    client.note(format!(
        "goes on sending one byte every {} ms, for ever: never a \\n, never a close",
        TRICKLE_EVERY.as_millis()
    ));
    let started = Instant::now();
    let mut trickled = 0usize;
    let mut writing = true;
    let mut next_report = Duration::from_secs(1);
    while server.ended().is_none() {
        let running = started.elapsed();
        if running >= DRAIN_WAIT {
            client.note(format!(
                "sent {trickled} bytes \"x\", one every {} ms",
                TRICKLE_EVERY.as_millis()
            ));
            client.fail(format!(
                "handle_client was still running {} s after it answered TOO_LONG_REPLY, while \
                 this client went on sending one byte every {} ms ({trickled} bytes so far) \
                 and never closed. The drain must end DRAIN_TIMEOUT ({} s) after it began, \
                 however slowly the client trickles: an overall deadline (an Instant taken \
                 when the drain starts; each read waits only for the time left), not a read \
                 timeout, which every byte starts again",
                running.as_secs(),
                TRICKLE_EVERY.as_millis(),
                DRAIN_TIMEOUT.as_secs()
            ));
        }
        if running >= next_report {
            println!(
                "handle_client still running after {} s (draining; the client has trickled \
                 {trickled} bytes; DRAIN_TIMEOUT is {} s)",
                next_report.as_secs(),
                DRAIN_TIMEOUT.as_secs()
            );
            next_report += Duration::from_secs(1);
        }
        if writing {
            // Once the server has closed its socket, a write fails (the
            // kernel answers a reset): the drain has ended.
            let mut w: &TcpStream = client.stream();
            match w.write_all(b"x") {
                Ok(()) => trickled += 1,
                Err(_) => writing = false,
            }
        }
        thread::sleep(TRICKLE_EVERY);
    }
    let took = started.elapsed();
    println!(
        "handle_client returned {:.1} s after TOO_LONG_REPLY (DRAIN_TIMEOUT: {} s); the client \
         had trickled {trickled} bytes",
        took.as_secs_f64(),
        DRAIN_TIMEOUT.as_secs()
    );
    match server.wait(LIMIT, "the drain's end") {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
        other => {
            client.note(format!(
                "sent {trickled} bytes \"x\", one every {} ms",
                TRICKLE_EVERY.as_millis()
            ));
            client.fail(format!(
                "handle_client, having refused a line over MAX_MESSAGE and drained, returned \
                 {other:?}: it must return the InvalidData error of the line too long"
            ))
        }
    }
    drain_stops_at_its_limit();
}

/// `handle_client` on one end of a loopback connection, and the test's
/// client on the other, watching it.
fn handle_one(name: &str) -> (Learner<io::Result<()>>, LineClient) {
    let (stream, accepted) = net::pair();
    let server = Learner::spawn("handle_client(stream)", move || handle_client(accepted));
    let client = LineClient::new(name, stream).watching(server.watch());
    (server, client)
}

/// Sends a line 1,000 bytes over MAX_MESSAGE and expects TOO_LONG_REPLY.
fn refused_line(client: &mut LineClient) {
    let mut line = vec![b'a'; MAX_MESSAGE + 1000];
    line.push(b'\n');
    client.send(&line);
    client.expect(TOO_LONG_REPLY);
}

/// `handle_client` itself, for a client whose last line is cut short by its
/// EOF: the reader's `UnexpectedEof` is what it returns, as it is.
fn truncated_line_is_returned() {
    let (server, mut client) = handle_one("a client whose last line is cut short");
    client.send(b"one\ntw");
    client.half_close();
    client.expect(b"ONE\n");
    match server.wait(LIMIT, "the client's EOF") {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {}
        other => client.fail(format!(
            "the client's EOF came in the middle of a line: handle_client must return the \
             reader's error of kind UnexpectedEof as it is, got {other:?}"
        )),
    }
}

/// How much step 19's flooding client offers after its refused line: far
/// more than DRAIN_LIMIT and all the socket buffers of both ends (a few MB
/// on loopback).
const FLOOD: usize = 64 * 1024 * 1024;

/// The drain's other bound: a client that floods after the refusal is cut
/// off once DRAIN_LIMIT bytes have been thrown away (the server's close
/// then turns the rest into a reset), long before it has sent FLOOD bytes.
fn drain_stops_at_its_limit() {
    let (server, mut client) = handle_one("a client that floods");
    refused_line(&mut client);
    let mut w: &TcpStream = client.stream();
    w.set_write_timeout(Some(LIMIT))
        .expect("set a write timeout (test setup)");
    let piece = vec![b'x'; 64 * 1024];
    let mut flooded = 0usize;
    while flooded < FLOOD {
        match w.write(&piece) {
            Ok(n) => flooded += n,
            Err(_) => break,
        }
    }
    client.note(format!(
        "then sent {flooded} bytes \"x\" as fast as the server took them, never a \\n"
    ));
    println!(
        "handle_client cut the flood off after {flooded} bytes had been sent (DRAIN_LIMIT: \
         {DRAIN_LIMIT}; the rest sat in the sockets' buffers)"
    );
    if flooded >= FLOOD {
        client.fail(format!(
            "handle_client took all {FLOOD} bytes this client sent after TOO_LONG_REPLY: the \
             drain must stop once it has thrown away DRAIN_LIMIT ({DRAIN_LIMIT}) bytes, and \
             close. Count the bytes each read returns, and end the drain when the count reaches \
             DRAIN_LIMIT"
        ));
    }
    match server.wait(LIMIT, "the drain's end") {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
        other => client.fail(format!(
            "handle_client, having refused a line over MAX_MESSAGE and drained, returned \
             {other:?}: it must return the InvalidData error of the line too long"
        )),
    }
}
