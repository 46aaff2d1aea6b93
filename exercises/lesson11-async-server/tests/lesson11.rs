//! Lesson 11's graded steps: lesson 02's greeting server as tokio tasks.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first. The
//! learner's async code runs on a tokio runtime of its own (two worker
//! threads, as on a small machine) on a testkit thread; the test talks to it
//! from ordinary blocking code with testkit's line client over real
//! loopback sockets, every read and write under a deadline. After a server
//! returns, the test counts the tasks still alive on its runtime: a server
//! that leaves one behind fails.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson11::*;
use rstest::rstest;
use testkit::relay::Route;
use testkit::{Chunking, LineClient, Server, escape, net, show, step, within};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};
use tokio_util::sync::CancellationToken;

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// How long a test listens to be sure that nothing arrives.
const QUIET: Duration = Duration::from_millis(300);
/// How long a server may take to return once its shutdown future completes
/// and its clients have been told (room for a loaded machine).
const STOP_LIMIT: Duration = Duration::from_secs(5);
/// How long the test waits, after a server returned, for the tasks it
/// spawned to be gone (a finished task is released a moment after its
/// `JoinHandle` hears of it).
const TASK_GRACE: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// The harness: the learner's async code on a runtime of its own
// ---------------------------------------------------------------------------

/// What an async call returned, and how many tasks were still alive on its
/// runtime after it returned (0 for a server that leaves nothing behind).
#[derive(Debug)]
struct Ran<T> {
    value: T,
    alive: usize,
}

/// Runs `make()`'s future to its end on a new two-worker runtime, on the
/// calling thread, then counts the tasks still alive.
fn run_async<T, F>(make: impl FnOnce() -> F) -> Ran<T>
where
    F: Future<Output = T>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("lesson11 worker")
        .enable_all()
        .build()
        .expect("start a tokio runtime");
    let value = runtime.block_on(make());
    let metrics = runtime.metrics();
    let start = Instant::now();
    while metrics.num_alive_tasks() > 0 && start.elapsed() < TASK_GRACE {
        thread::sleep(Duration::from_millis(10));
    }
    let alive = metrics.num_alive_tasks();
    // A task stuck in a blocking call must not hold this thread too.
    runtime.shutdown_background();
    Ran { value, alive }
}

/// A std listener, handed to tokio (inside a runtime).
fn tokio_listener(listener: std::net::TcpListener) -> io::Result<tokio::net::TcpListener> {
    listener.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(listener)
}

fn describe(config: &Config) -> String {
    format!(
        "serve(listener, Config {{ protocol: {:?}, max_message: {}, idle_timeout: {:?}, \
         max_connections: {}, drain_timeout: {:?}, .. }}, shutdown)",
        config.protocol,
        config.max_message,
        config.idle_timeout,
        config.max_connections,
        config.drain_timeout
    )
}

type Served = Server<Ran<io::Result<Report>>>;

/// The learner's `serve` on a loopback port 0, stopped by completing its
/// shutdown future.
fn start(config: Config) -> Served {
    let (listener, addr) = net::listener();
    start_on(listener, addr, config)
}

fn start_on(listener: std::net::TcpListener, addr: SocketAddr, config: Config) -> Served {
    let stop = CancellationToken::new();
    let signal = stop.clone();
    Server::on(addr, &describe(&config), move || {
        run_async(move || async move {
            let listener = tokio_listener(listener)?;
            serve(listener, config, signal.cancelled_owned()).await
        })
    })
    .stopped_by("the shutdown future completing", move || stop.cancel())
}

/// Completes the shutdown future, waits for `serve` to return, and checks
/// that it returned `Ok` and left no task behind.
#[track_caller]
fn stop(server: Served) -> Report {
    let what = server.watch().what().to_owned();
    let ran = server.stop(STOP_LIMIT);
    let report = ran
        .value
        .unwrap_or_else(|e| panic!("{what} returned an error after its shutdown: {e}"));
    check_no_task_left(&what, ran.alive);
    report
}

#[track_caller]
fn check_no_task_left(what: &str, alive: usize) {
    assert!(
        alive == 0,
        "{what} returned, but {alive} task(s) it spawned were still alive {} s later: \
         a server must not return before every connection task has ended. Keep them in a \
         JoinSet and join them all (aborting those still running after drain_timeout)",
        TASK_GRACE.as_secs()
    );
}

/// Every accepted connection counted once, in exactly one other field.
#[track_caller]
fn check_adds_up(report: &Report) {
    let ended = report.completed
        + report.timed_out
        + report.said_goodbye
        + report.refused
        + report.failed
        + report.aborted;
    assert_eq!(
        ended, report.accepted,
        "the Report's endings do not add up to its accepted connections: {report:?}. Count \
         every connection task's result once, as join_next (or try_join_next) returns it"
    );
}

type Conversed = Server<Ran<Result<Ending, MessageError>>>;

/// The learner's `converse` on the first connection to a loopback port 0,
/// with a stop token that is never cancelled.
fn start_converse(config: Config) -> Conversed {
    let quit = CancellationToken::new();
    let ended = quit.clone();
    Server::tcp("converse(stream, &config, stop)", move |listener| {
        run_async(move || async move {
            let talk = async move {
                let listener = tokio_listener(listener)?;
                let (stream, _) = listener.accept().await?;
                converse(stream, &config, CancellationToken::new()).await
            };
            tokio::select! {
                ended = talk => ended,
                _ = ended.cancelled() => Err(MessageError::Io(io::Error::other(
                    "the step ended first",
                ))),
            }
        })
    })
    .stopped_by("the step's end", move || quit.cancel())
}

/// Waits for `converse` to return, and checks how it ended.
#[track_caller]
fn check_ending(server: Conversed, after: &str, want: &str) {
    let ran = server.wait(LIMIT, after);
    let got = format!("{:?}", ran.value);
    assert!(
        got.starts_with(want),
        "converse should return {want}.. {after}; it returned {got}"
    );
    check_no_task_left("converse", ran.alive);
}

/// The bytes of one line as the server sends it.
fn line(text: &str) -> Vec<u8> {
    format!("{text}\n").into_bytes()
}

/// A whole polite conversation after the greeting: one name, `exit`.
#[track_caller]
fn converse_more(client: &mut LineClient, name: &str) {
    client.send(&line(name));
    client.expect(&line(&format!("Hello, {name}!")));
    client.send(b"exit\n");
    client.expect_closed();
}

/// Reads one line that must come now: `why` says what the server must not
/// be doing if it does not.
#[track_caller]
fn expect_promptly(client: &mut LineClient, expected: &str, why: &str) {
    let want = line(expected);
    match client.read_line() {
        Ok(got) if got == want => {}
        Ok(got) => {
            client.note(format!("expected {}", show(&want)));
            client.fail(format!("{} came instead of {}", show(&got), show(&want)))
        }
        Err(e) => {
            client.note(format!("expected {}", show(&want)));
            client.fail(format!("{e}\n{why}"))
        }
    }
}

// ---------------------------------------------------------------------------
// What to answer
// ---------------------------------------------------------------------------

#[rstest]
#[case::name("Michael", Some("Hello, Michael!"))]
#[case::with_spaces("Tracy Lee", Some("Hello, Tracy Lee!"))]
#[case::empty("", Some("Hello, !"))]
#[case::chinese("张三", Some("Hello, 张三!"))]
#[case::exit("exit", None)]
#[case::exit_with_space("exit ", Some("Hello, exit !"))]
#[case::exit_in_capitals("EXIT", Some("Hello, EXIT!"))]
#[case::wait("wait 250", Some("wait:250"))]
#[case::wait_zero("wait 0", Some("wait:0"))]
#[case::wait_longest("wait 60000", Some("wait:60000"))]
#[case::wait_too_long("wait 60001", Some("Hello, wait 60001!"))]
#[case::wait_huge(
    "wait 99999999999999999999999",
    Some("Hello, wait 99999999999999999999999!")
)]
#[case::wait_plus("wait +5", Some("Hello, wait +5!"))]
#[case::wait_negative("wait -5", Some("Hello, wait -5!"))]
#[case::wait_fraction("wait 1.5", Some("Hello, wait 1.5!"))]
#[case::wait_two_spaces("wait  5", Some("Hello, wait  5!"))]
#[case::wait_alone("wait", Some("Hello, wait!"))]
fn step01_replies_like_lesson02(#[case] message: &str, #[case] expected: Option<&str>) {
    let _step = step!(LESSON);
    let input = message.to_owned();
    let got = within(LIMIT, "reply", move || reply(&input));
    let want = match expected {
        None => Reply::Close,
        Some(wait) if wait.starts_with("wait:") => {
            Reply::Wait(Duration::from_millis(wait[5..].parse().expect("a number")))
        }
        Some(text) => Reply::Send(text.to_owned()),
    };
    assert_eq!(
        got, want,
        "reply({message:?}): no line ending in the answer (the codec adds it)"
    );
}

// ---------------------------------------------------------------------------
// The codec: lines
// ---------------------------------------------------------------------------

/// What happened when the test fed bytes to a codec: the messages decoded,
/// then how it ended.
fn decode_all(
    mut codec: TextCodec,
    input: &[u8],
    chunking: Chunking,
) -> (Vec<String>, Result<(), String>) {
    let mut buffer = BytesMut::new();
    let mut messages = Vec::new();
    for piece in chunking.split(input) {
        buffer.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(message)) => messages.push(message),
                Ok(None) => break,
                Err(e) => return (messages, Err(format!("{e:?}"))),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buffer) {
            Ok(Some(message)) => messages.push(message),
            Ok(None) => return (messages, Ok(())),
            Err(e) => return (messages, Err(format!("{e:?}"))),
        }
    }
}

/// [`decode_all`]'s result in words: `["Ann"] then Err(TooLong)`.
fn outcome(messages: &[String], end: &Result<(), String>) -> String {
    match end {
        Ok(()) => format!("{messages:?} then Ok"),
        Err(e) => format!("{messages:?} then Err({e})"),
    }
}

/// The lines the codec steps feed, and the messages they hold.
const LINES: &[u8] = b"Michael\nTracy\r\n\nSarah Connor\n\xe5\xbc\xa0\xe4\xb8\x89\r\n";
const MESSAGES: &[&str] = &["Michael", "Tracy", "", "Sarah Connor", "张三"];

#[rstest]
#[case::merged(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::three_bytes(Chunking::Fixed(3))]
#[case::random(Chunking::Random { seed: 0, max: 9 })]
fn step02_codec_reads_lines_however_split(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let (messages, end) = within(LIMIT, "TextCodec::new(Protocol::Lines, 1024)", move || {
        decode_all(TextCodec::new(Protocol::Lines, 1024), LINES, chunking)
    });
    assert!(
        messages == MESSAGES && end.is_ok(),
        "decoding \"{}\" ({chunking}) with TextCodec::new(Protocol::Lines, 1024): expected the \
         messages {MESSAGES:?} (no \\n, no \\r) and then a clean end, got {messages:?} then {end:?}",
        escape(LINES)
    );
    let encoded = within(LIMIT, "TextCodec::encode", || {
        let mut codec = TextCodec::new(Protocol::Lines, 1024);
        let mut out = BytesMut::new();
        codec
            .encode("Hello, 张三!".to_owned(), &mut out)
            .map(|()| out.to_vec())
            .map_err(|e| format!("{e:?}"))
    });
    match encoded {
        Ok(bytes) => testkit::assert_bytes_eq(
            "TextCodec (lines) encoding \"Hello, 张三!\": the text, then \\n",
            "Hello, 张三!\n".as_bytes(),
            &bytes,
        ),
        Err(e) => panic!("TextCodec (lines) could not encode \"Hello, 张三!\": {e}"),
    }
}

#[rstest]
#[case::at_the_limit(b"0123456789abcdef\n".as_slice(), "[\"0123456789abcdef\"] then Ok")]
#[case::cr_counts(b"0123456789abcdef\r\n".as_slice(), "[] then Err(TooLong")]
#[case::one_over(b"0123456789abcdefg\n".as_slice(), "[] then Err(TooLong")]
#[case::endless(&[b'a'; 4096], "[] then Err(TooLong")]
#[case::after_a_good_one(b"Ann\n0123456789abcdefghij\n".as_slice(), "[\"Ann\"] then Err(TooLong")]
#[case::not_utf8(b"caf\xe9\n".as_slice(), "[] then Err(NotText")]
#[case::unfinished(b"Ann\nBob".as_slice(), "[\"Ann\"] then Err(Io")]
fn step03_codec_refuses_long_lines_and_bad_text(#[case] input: &[u8], #[case] want: &str) {
    let _step = step!(LESSON);
    let data = input.to_vec();
    let (messages, end) = within(LIMIT, "TextCodec::new(Protocol::Lines, 16)", move || {
        decode_all(
            TextCodec::new(Protocol::Lines, 16),
            &data,
            Chunking::Fixed(7),
        )
    });
    let got = outcome(&messages, &end);
    assert!(
        got.starts_with(want),
        "decoding \"{}\" (then EOF) with TextCodec::new(Protocol::Lines, 16): expected {want}..), \
         got {got}\n(more than 16 bytes before the \\n is MessageError::TooLong, bytes that are \
         not UTF-8 are NotText, and bytes left at EOF without their \\n are an Io error: the \
         default decode_eof says so)",
        escape(input)
    );
}

// ---------------------------------------------------------------------------
// One conversation
// ---------------------------------------------------------------------------

/// What the test sends in step 4 and the bytes it expects back.
const CONVERSATION: &[u8] = b"Michael\nTracy\r\n\xe5\xbc\xa0\xe4\xb8\x89\nexit\n";
const TRANSCRIPT: &[u8] =
    b"Hello, I am server!\nHello, Michael!\nHello, Tracy!\nHello, \xe5\xbc\xa0\xe4\xb8\x89!\n";

#[rstest]
#[case::merged(Chunking::Whole, true)]
#[case::one_byte(Chunking::Fixed(1), true)]
#[case::random(Chunking::Random { seed: 0, max: 6 }, true)]
#[case::client_closes(Chunking::Whole, false)]
fn step04_converses_with_one_client(#[case] chunking: Chunking, #[case] says_exit: bool) {
    let step = step!(LESSON);
    let server = start_converse(Config::default());
    let route = Route::to(server.addr(), Some(chunking.seeded(&step)));
    let mut client = server.client_via(route.addr, &format!("the client ({})", route.how));
    if says_exit {
        client.send(CONVERSATION);
    } else {
        client.send(b"Michael\nTracy\r\n\xe5\xbc\xa0\xe4\xb8\x89\n");
        client.half_close();
    }
    let (got, error) = client.read_to_end(TRANSCRIPT.len() + 1024);
    if got != TRANSCRIPT || error.is_some() {
        client.fail(format!(
            "expected the greeting, one answer a name, and then the connection closed\n{}",
            testkit::bytes::diff_report(TRANSCRIPT, &got)
        ));
    }
    drop(route);
    if says_exit {
        check_ending(server, "the client said exit", "Ok(Exit)");
    } else {
        check_ending(server, "the client closed between lines", "Ok(Eof)");
    }
}

/// How a client goes quiet in step 5.
#[derive(Debug, Clone, Copy)]
enum Silence {
    NeverSpeaks,
    MidLine,
    AfterALine,
}

#[rstest]
#[case::never_speaks(Silence::NeverSpeaks)]
#[case::mid_line(Silence::MidLine)]
#[case::after_a_line(Silence::AfterALine)]
fn step05_silent_clients_are_timed_out(#[case] silence: Silence) {
    let _step = step!(LESSON);
    let config = Config {
        idle_timeout: Duration::from_millis(400),
        ..Config::default()
    };
    let server = start_converse(config);
    let mut client = server.client(&format!("a client that goes quiet ({silence:?})"));
    client.expect(&line(GREETING));
    match silence {
        Silence::NeverSpeaks => {}
        Silence::MidLine => client.send(b"Mich"),
        Silence::AfterALine => {
            client.send(b"Ann\n");
            client.expect(b"Hello, Ann!\n");
        }
    }
    client.note("says nothing more: idle_timeout is 0.4 s");
    expect_promptly(
        &mut client,
        TIMED_OUT,
        "every read waits at most config.idle_timeout: wrap it in tokio::time::timeout",
    );
    client.expect_closed();
    check_ending(server, "the client was silent", "Ok(TimedOut)");
}

#[rstest]
#[case::at_the_limit(&[b'a'; 64], None)]
#[case::one_over(&[b'a'; 65], Some(TOO_LONG))]
#[case::far_over(&[b'a'; 3000], Some(TOO_LONG))]
#[case::not_utf8(b"caf\xe9", Some(NOT_TEXT))]
fn step06_long_or_bad_lines_end_the_conversation(
    #[case] message: &[u8],
    #[case] refusal: Option<&str>,
) {
    let _step = step!(LESSON);
    let config = Config {
        max_message: 64,
        ..Config::default()
    };
    let server = start_converse(config);
    let mut client = server.client("the client (max_message is 64)");
    client.expect(&line(GREETING));
    client.send(&[message, b"\n"].concat());
    match refusal {
        None => {
            let text = String::from_utf8_lossy(message);
            client.expect(&line(&format!("Hello, {text}!")));
            client.send(b"exit\n");
            client.expect_closed();
            check_ending(server, "the client said exit", "Ok(Exit)");
        }
        Some(refusal) => {
            client.expect(&line(refusal));
            client.expect_closed();
            let want = if refusal == TOO_LONG {
                "Err(TooLong)"
            } else {
                "Err(NotText)"
            };
            check_ending(server, "the refusal", want);
        }
    }
}

// ---------------------------------------------------------------------------
// The server: a task per connection
// ---------------------------------------------------------------------------

#[test]
fn step07_serves_clients_as_tasks() {
    let _step = step!(LESSON);
    let server = start(Config::default());
    let mut clients: Vec<LineClient> = (1..=20)
        .map(|n| server.client(&format!("client {n} of 20")))
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.note(format!(
            "the {i} clients before it are connected and silent: each needs a task of its own"
        ));
        client.expect(&line(GREETING));
    }
    // Answers in any order: the last client first.
    for (i, client) in clients.iter_mut().enumerate().rev() {
        client.send(&line(&format!("guest{}", i + 1)));
        client.expect(&line(&format!("Hello, guest{}!", i + 1)));
    }
    for client in &mut clients {
        client.send(b"exit\n");
        client.expect_closed();
    }
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == 20 && report.completed == 20,
        "20 clients each said exit: expected a Report with accepted: 20, completed: 20, got \
         {report:?}"
    );
}

/// The ways a client misbehaves in step 8.
#[derive(Debug, Clone, Copy)]
enum Rude {
    /// Sends half a line, then closes its sending side.
    HalfCloseMidLine,
    /// Sends half a line, then resets the connection.
    ResetMidLine,
    /// A polite conversation, one byte at a time.
    ByteByByte,
    /// Connects and never says a word.
    NeverSpeaks,
    /// Sends a line that is not UTF-8.
    NotUtf8,
    /// Sends a megabyte without a newline.
    MegabyteLine,
}

#[rstest]
#[case::half_close_mid_line(Rude::HalfCloseMidLine)]
#[case::reset_mid_line(Rude::ResetMidLine)]
#[case::byte_by_byte(Rude::ByteByByte)]
#[case::never_speaks(Rude::NeverSpeaks)]
#[case::not_utf8(Rude::NotUtf8)]
#[case::megabyte_line(Rude::MegabyteLine)]
fn step08_rude_clients_do_not_disturb_others(#[case] rude: Rude) {
    let _step = step!(LESSON);
    // Only the silent client's case needs a short idle timeout; the others
    // keep the default, so the polite client may wait while the test deals
    // with the rude one.
    let config = match rude {
        Rude::NeverSpeaks => Config {
            idle_timeout: Duration::from_secs(2),
            ..Config::default()
        },
        _ => Config::default(),
    };
    let server = start(config);
    let mut good = server.client("a polite client");
    good.expect(&line(GREETING));
    let mut bad = server.client(&format!("the rude client ({rude:?})"));
    bad.expect(&line(GREETING));
    let (field, count): (&str, fn(&Report) -> usize) = match rude {
        Rude::HalfCloseMidLine => {
            bad.send(b"Mich");
            bad.half_close();
            bad.note("an unfinished line gets no answer");
            bad.expect_closed();
            ("failed", |r| r.failed)
        }
        Rude::ResetMidLine => {
            bad.send(b"Mich");
            bad.reset();
            ("failed", |r| r.failed)
        }
        Rude::ByteByByte => {
            bad.send_chunked(b"Michael\n", Chunking::Fixed(1));
            bad.expect(b"Hello, Michael!\n");
            bad.send_chunked(b"exit\n", Chunking::Fixed(1));
            bad.expect_closed();
            ("completed", |r| r.completed)
        }
        Rude::NeverSpeaks => {
            // The polite client is served while the rude one sits there
            // silent, and leaves before its own idle timeout could matter.
            good.note("another client is connected and silent");
            converse_more(&mut good, "Ann");
            bad.note("says nothing: idle_timeout is 2 s");
            expect_promptly(
                &mut bad,
                TIMED_OUT,
                "every read waits at most config.idle_timeout",
            );
            bad.expect_closed();
            ("timed_out", |r| r.timed_out)
        }
        Rude::NotUtf8 => {
            bad.send(b"caf\xe9 \xff\n");
            bad.expect(&line(NOT_TEXT));
            bad.expect_closed();
            ("refused", |r| r.refused)
        }
        Rude::MegabyteLine => {
            let mut writer = bad.stream().try_clone().expect("clone");
            let flood = thread::spawn(move || {
                // Fails once the server hangs up, as it should.
                let _ = writer.write_all(&[b'a'; 1024 * 1024]);
            });
            bad.note(format!(
                "sends 1 MiB without a newline (max_message is {} bytes)",
                Config::default().max_message
            ));
            // The server refuses and closes while bytes are still coming:
            // the kernel then resets the connection, and the refusal may be
            // lost with it. Either is a close.
            let (got, error) = bad.read_to_end(4096);
            let refused = got.is_empty() || got == line(TOO_LONG);
            if !refused || error.as_ref().is_some_and(testkit::is_timeout) {
                bad.fail(format!(
                    "expected {} and the connection closed (or reset)",
                    show(&line(TOO_LONG))
                ));
            }
            let _ = bad.stream().shutdown(Shutdown::Both);
            let _ = flood.join();
            ("refused", |r| r.refused)
        }
    };
    if !matches!(rude, Rude::NeverSpeaks) {
        good.note(format!("the rude client ({rude:?}) was dealt with"));
        converse_more(&mut good, "Ann");
    }
    let mut late = server.client("a client that connects after the rude one");
    late.expect(&line(GREETING));
    converse_more(&mut late, "Tracy");
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == 3 && report.completed >= 2 && count(&report) >= 1,
        "after a polite client, a late one and the rude one ({rude:?}), expected accepted: 3, \
         completed: 2 or more, and the rude one counted in `{field}`; got {report:?}"
    );
}

#[test]
fn step09_slow_work_does_not_stall_others() {
    let _step = step!(LESSON);
    let server = start(Config::default());
    let mut quick = server.client("a quick client");
    quick.expect(&line(GREETING));
    let mut slow = Vec::new();
    for n in 1..=2 {
        let mut client = server
            .client(&format!("slow client {n} of 2"))
            .with_limit(Duration::from_secs(15));
        client.expect(&line(GREETING));
        client.send(b"wait 5000\n");
        expect_promptly(
            &mut client,
            "Waiting 5000 ms",
            "the server answers `Waiting N ms` at once, then waits. Is another client's wait \
             holding the runtime's threads? A task that blocks its worker thread \
             (std::thread::sleep, a blocking read) stalls every task behind it: await \
             tokio::time::sleep instead",
        );
        slow.push(client);
    }
    quick.note("two clients asked the server to wait 5000 ms: their tasks sleep now");
    quick.send(b"Ann\n");
    expect_promptly(
        &mut quick,
        "Hello, Ann!",
        "while two clients wait 5000 ms, another client must be answered at once. The runtime \
         has 2 worker threads: a task that blocks its thread (std::thread::sleep, a blocking \
         read) stalls every task behind it; await tokio::time::sleep instead",
    );
    converse_more(&mut quick, "Bob");
    for client in &mut slow {
        client.note("both waits ran at the same time: about 5 s in all");
        client.expect(b"Done waiting 5000 ms\n");
        client.send(b"exit\n");
        client.expect_closed();
    }
    let report = stop(server);
    check_adds_up(&report);
}

#[test]
fn step10_bounded_connections_wait_their_turn() {
    let _step = step!(LESSON);
    let config = Config {
        max_connections: 3,
        ..Config::default()
    };
    let server = start(config);
    let mut served: Vec<LineClient> = (1..=3)
        .map(|n| server.client(&format!("client {n} (max_connections is 3)")))
        .collect();
    for client in &mut served {
        client.expect(&line(GREETING));
    }
    let mut fourth = server.client("client 4 (max_connections is 3)");
    fourth.expect_silence(
        QUIET,
        "3 connections are being served and max_connections is 3: the 4th waits, connected, \
         until one of them ends (take a Semaphore permit before accepting)",
    );
    let mut first = served.remove(0);
    first.send(b"exit\n");
    first.expect_closed();
    fourth.note("client 1 said exit: its place is free");
    expect_promptly(
        &mut fourth,
        GREETING,
        "a connection's permit must be released when its task ends (move the \
         OwnedSemaphorePermit into the task)",
    );
    for (i, client) in served.iter_mut().enumerate() {
        converse_more(client, &format!("guest{}", i + 2));
    }
    converse_more(&mut fourth, "guest4");
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == 4 && report.completed == 4,
        "4 clients, one after another took their turn and said exit: expected accepted: 4, \
         completed: 4, got {report:?}"
    );
}

/// A loopback listener with a backlog for hundreds of clients at once.
fn big_listener() -> (std::net::TcpListener, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
    socket.bind(&any.into()).expect("bind on port 0");
    socket.listen(1024).expect("listen");
    let listener: std::net::TcpListener = socket.into();
    let addr = listener.local_addr().expect("the listener's address");
    (listener, addr)
}

/// How many clients step 11 wants at once.
const CROWD: usize = 500;
/// How long step 11's 500 waits of 0.5 s may take in all (they take about
/// 0.5 s when they run at once; one after another, minutes).
const CROWD_LIMIT: Duration = Duration::from_secs(10);

#[test]
fn step11_answers_500_clients_at_once() {
    let _step = step!(LESSON);
    // Each client takes three descriptors (its socket and the line client's
    // reading clone here, the accepted socket in the server), and other
    // steps run at the same time.
    let soft = testkit::limits::raise_open_files((CROWD as u64) * 3 + 1024);
    let crowd = if soft == 0 {
        CROWD
    } else {
        CROWD.min((soft.saturating_sub(1024) / 3) as usize).max(50)
    };
    if crowd < CROWD {
        println!(
            "this process may open only {soft} files, and its hard limit stops the test from \
             raising it: {crowd} clients instead of {CROWD}"
        );
    }
    let (listener, addr) = big_listener();
    let server = start_on(listener, addr, Config::default());
    let mut clients: Vec<LineClient> = (1..=crowd)
        .map(|n| server.client(&format!("client {n} of {crowd}")))
        .collect();
    for client in &mut clients {
        client.expect(&line(GREETING));
    }
    let start = Instant::now();
    for client in &mut clients {
        client.send(b"wait 500\n");
    }
    // All the waits run at once: the whole crowd is done in about 0.5 s. A
    // server that waits for one client after another would take minutes;
    // it fails here, long before.
    let in_time = |client: &LineClient, n: usize, what: &str| {
        if start.elapsed() > CROWD_LIMIT {
            client.fail(format!(
                "{} s after {crowd} clients each asked for a wait of 0.5 s, only {n} of them \
                 had heard {what}: the waits must run at the same time, a task each, sleeping \
                 with tokio::time::sleep(..).await, never blocking a thread",
                CROWD_LIMIT.as_secs()
            ))
        }
    };
    for (n, client) in clients.iter_mut().enumerate() {
        in_time(client, n, "`Waiting 500 ms`");
        client.expect(b"Waiting 500 ms\n");
    }
    for (n, client) in clients.iter_mut().enumerate() {
        in_time(client, n, "`Done waiting 500 ms`");
        expect_promptly(
            client,
            "Done waiting 500 ms",
            "every client's wait runs at the same time as the others' (a task each, sleeping \
             with tokio::time::sleep(..).await)",
        );
    }
    let waited = start.elapsed();
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&line(&format!("guest{}", i + 1)));
    }
    for (i, client) in clients.iter_mut().enumerate() {
        client.expect(&line(&format!("Hello, guest{}!", i + 1)));
        client.send(b"exit\n");
    }
    for client in &mut clients {
        client.expect_closed();
    }
    println!(
        "{crowd} clients' waits of 0.5 s took {:.1} s in all",
        waited.as_secs_f64()
    );
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == crowd && report.completed == crowd,
        "{crowd} clients each said exit: expected accepted: {crowd}, completed: {crowd}, got \
         {report:?}"
    );
}

// ---------------------------------------------------------------------------
// Graceful shutdown
// ---------------------------------------------------------------------------

#[test]
fn step12_shutdown_says_goodbye_to_everyone() {
    let _step = step!(LESSON);
    let server = start(Config::default());
    // Nobody connected: the server returns at once.
    let report = stop(start(Config::default()));
    assert_eq!(
        report,
        Report::default(),
        "a server stopped before any client came should report nothing"
    );
    let mut left = server.client("a client that left before the shutdown");
    left.expect(&line(GREETING));
    converse_more(&mut left, "Zoë");
    let mut idle = server.client("an idle client");
    idle.expect(&line(GREETING));
    idle.send(b"Ann\n");
    idle.expect(b"Hello, Ann!\n");
    let mut silent = server.client("a client that never spoke");
    silent.expect(&line(GREETING));
    let mut mid_line = server.client("a client in the middle of a line");
    mid_line.expect(&line(GREETING));
    mid_line.send(b"Mich");
    let mut waiting = server.client("a client the server is waiting 60 s for");
    waiting.expect(&line(GREETING));
    waiting.send(b"wait 60000\n");
    waiting.expect(b"Waiting 60000 ms\n");
    server.request_stop();
    for client in [&mut idle, &mut silent, &mut mid_line, &mut waiting] {
        client.note("the server's shutdown future completed");
        expect_promptly(
            client,
            GOODBYE,
            "on shutdown every connection hears GOODBYE, whatever it is doing: select! on the \
             shutdown signal (a CancellationToken) wherever a task waits: a read, a wait",
        );
        client.expect_closed();
    }
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == 5
            && report.completed == 1
            && report.said_goodbye == 4
            && report.aborted == 0,
        "one client left, four were told GOODBYE: expected accepted: 5, completed: 1, \
         said_goodbye: 4, aborted: 0, got {report:?}"
    );
}

/// Bytes a stuck client writes, counted so the test can tell when the
/// server stopped reading.
fn flood(mut stream: TcpStream, written: Arc<AtomicUsize>) {
    let name: Vec<u8> = [&[b'x'; 1000][..], b"\n"].concat();
    let _ = stream.set_write_timeout(Some(Duration::from_secs(20)));
    for _ in 0..4000 {
        if stream.write_all(&name).is_err() {
            return;
        }
        written.fetch_add(name.len(), Ordering::SeqCst);
    }
}

#[test]
fn step13_shutdown_does_not_wait_for_ever() {
    let _step = step!(LESSON);
    use socket2::{Domain, Socket, Type};
    // Small buffers on both sides (set before listen and connect), so a
    // client that does not read stops the server's writes within a few
    // kilobytes.
    let small = |s: &Socket| {
        s.set_send_buffer_size(4096).expect("SO_SNDBUF");
        s.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    };
    let listening = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    small(&listening);
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
    listening.bind(&any.into()).expect("bind on port 0");
    listening.listen(16).expect("listen");
    let listener: std::net::TcpListener = listening.into();
    let addr = listener.local_addr().expect("the listener's address");
    let config = Config {
        drain_timeout: Duration::from_millis(500),
        write_timeout: Duration::from_secs(60),
        ..Config::default()
    };
    let server = start_on(listener, addr, config);
    let mut polite = server.client("an idle client");
    polite.expect(&line(GREETING));
    let stuck = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    small(&stuck);
    stuck
        .connect_timeout(&addr.into(), LIMIT)
        .expect("connect the stuck client");
    let stuck: TcpStream = stuck.into();
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let stream = stuck.try_clone().expect("clone");
        let written = Arc::clone(&written);
        thread::spawn(move || flood(stream, written))
    };
    // Wait until the server has stopped reading: its replies, never read,
    // fill the buffers, so its task hangs in a write.
    let start = Instant::now();
    let mut last = (0, Instant::now());
    loop {
        thread::sleep(Duration::from_millis(50));
        let now = written.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_millis(400) {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            server.fail(format!(
                "a client sent {now} bytes of names without reading a reply, and the server \
                 kept reading them for 20 s: its replies should have filled the buffers"
            ));
        }
    }
    server.request_stop();
    polite.note("the server's shutdown future completed");
    polite.expect(&line(GOODBYE));
    polite.expect_closed();
    let what = server.watch().what().to_owned();
    let stopped = Instant::now();
    let ran = server.wait(
        STOP_LIMIT,
        "its shutdown, with one client stuck in a write for 60 s (drain_timeout is 0.5 s: \
         abort the tasks still running after it)",
    );
    let took = stopped.elapsed();
    let report = ran
        .value
        .unwrap_or_else(|e| panic!("{what} returned an error after its shutdown: {e}"));
    check_no_task_left(&what, ran.alive);
    check_adds_up(&report);
    assert!(
        report.accepted == 2 && report.said_goodbye + report.aborted == 2,
        "an idle client was told GOODBYE and a stuck one aborted after drain_timeout: expected \
         accepted: 2, said_goodbye: 1, aborted: 1, got {report:?} (after {:.1} s)",
        took.as_secs_f64()
    );
    drop(stuck);
    let _ = writer.join();
}

// ---------------------------------------------------------------------------
// Lesson 05's frames
// ---------------------------------------------------------------------------

/// One frame as lesson 05 writes it.
fn frame(header: Header, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut bytes = match header {
        Header::I32Le => (len as i32).to_le_bytes().to_vec(),
        Header::U32Be => (len as u32).to_be_bytes().to_vec(),
    };
    bytes.extend_from_slice(payload);
    bytes
}

/// The tutorial's ten messages, each in a frame.
fn tutorial_frames(header: Header) -> (Vec<u8>, Vec<String>) {
    let messages: Vec<String> = (1..=10).map(|n| format!("这是第{n}次发送的数据")).collect();
    let bytes = messages
        .iter()
        .flat_map(|m| frame(header, m.as_bytes()))
        .collect();
    (bytes, messages)
}

#[rstest]
#[case::tutorial_merged(Header::I32Le, Chunking::Whole)]
#[case::tutorial_one_byte(Header::I32Le, Chunking::Fixed(1))]
#[case::network_random(Header::U32Be, Chunking::Random { seed: 0, max: 7 })]
fn step14_frame_codec_speaks_lesson05(#[case] header: Header, #[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let protocol = Protocol::Frames(header);
    let (bytes, messages) = tutorial_frames(header);
    let (got, end) = within(
        LIMIT,
        "TextCodec::new(Protocol::Frames(..), 1024)",
        move || decode_all(TextCodec::new(protocol, 1024), &bytes, chunking),
    );
    assert!(
        got == messages && end.is_ok(),
        "decoding the tutorial's ten frames ({header:?} headers, {chunking}) with \
         TextCodec::new({protocol:?}, 1024): expected {messages:?} and a clean end, got {got:?} \
         then {end:?}"
    );
    let encoded = within(LIMIT, "TextCodec::encode", move || {
        let mut codec = TextCodec::new(protocol, 1024);
        let mut out = BytesMut::new();
        codec
            .encode("Hello, 张三!".to_owned(), &mut out)
            .map(|()| out.to_vec())
            .map_err(|e| format!("{e:?}"))
    });
    match encoded {
        Ok(got) => testkit::assert_bytes_eq(
            &format!("a frame of \"Hello, 张三!\" with a {header:?} header"),
            &frame(header, "Hello, 张三!".as_bytes()),
            &got,
        ),
        Err(e) => panic!("TextCodec ({protocol:?}) could not encode \"Hello, 张三!\": {e}"),
    }
    // A header over the limit is refused as soon as it arrives, before any
    // payload: lesson 05's rule that a hostile header costs nothing.
    let mut refused = vec![
        (
            "a header announcing 1 GB".to_owned(),
            match header {
                Header::I32Le => (1u32 << 30).to_le_bytes().to_vec(),
                Header::U32Be => (1u32 << 30).to_be_bytes().to_vec(),
            },
            "Err(TooLong",
        ),
        (
            "a frame of 1025 bytes".to_owned(),
            frame(header, &[b'a'; 1025]),
            "Err(TooLong",
        ),
        (
            "a frame that is not UTF-8".to_owned(),
            frame(header, b"caf\xe9"),
            "Err(NotText",
        ),
        (
            "half a frame, then EOF".to_owned(),
            frame(header, b"Michael")[..7].to_vec(),
            "Err(Io",
        ),
    ];
    if header == Header::I32Le {
        refused.push((
            "a negative length".to_owned(),
            (-5i32).to_le_bytes().to_vec(),
            "Err(TooLong",
        ));
    }
    for (what, bytes, want) in refused {
        let input = bytes.clone();
        let (got, end) = within(LIMIT, "TextCodec::decode", move || {
            decode_all(TextCodec::new(protocol, 1024), &input, Chunking::Whole)
        });
        let shown = outcome(&got, &end);
        assert!(
            got.is_empty() && shown.contains(want),
            "decoding {what} ({}, then EOF) with TextCodec::new({protocol:?}, 1024): expected \
             {want}..), got {shown}",
            testkit::hex(&bytes[..bytes.len().min(16)])
        );
    }
}

#[rstest]
#[case::tutorial_one_byte(Header::I32Le, Chunking::Fixed(1))]
#[case::network_random(Header::U32Be, Chunking::Random { seed: 0, max: 5 })]
fn step15_serves_lesson05_frames(#[case] header: Header, #[case] chunking: Chunking) {
    let step = step!(LESSON);
    let config = Config {
        protocol: Protocol::Frames(header),
        max_message: 1024,
        ..Config::default()
    };
    let server = start(config);
    let route = Route::to(server.addr(), Some(chunking.seeded(&step)));
    let mut client = server.client_via(route.addr, &format!("a frame client ({})", route.how));
    client.note(format!("every message is a frame with a {header:?} header"));
    client.expect_bytes(&frame(header, GREETING.as_bytes()));
    for name in ["Michael", "张三", ""] {
        client.send(&frame(header, name.as_bytes()));
        client.expect_bytes(&frame(header, format!("Hello, {name}!").as_bytes()));
    }
    client.send(&frame(header, b"wait 10"));
    client.expect_bytes(&frame(header, b"Waiting 10 ms"));
    client.expect_bytes(&frame(header, b"Done waiting 10 ms"));
    client.send(&frame(header, b"exit"));
    client.expect_closed();
    let mut rude = server.client("a client whose header announces 1 GB");
    rude.expect_bytes(&frame(header, GREETING.as_bytes()));
    rude.send(&match header {
        Header::I32Le => (1u32 << 30).to_le_bytes(),
        Header::U32Be => (1u32 << 30).to_be_bytes(),
    });
    rude.expect_bytes(&frame(header, TOO_LONG.as_bytes()));
    rude.expect_closed();
    let mut idle = server.client("a frame client connected at the shutdown");
    idle.expect_bytes(&frame(header, GREETING.as_bytes()));
    drop(route);
    server.request_stop();
    idle.expect_bytes(&frame(header, GOODBYE.as_bytes()));
    idle.expect_closed();
    let report = stop(server);
    check_adds_up(&report);
    assert!(
        report.accepted == 3
            && report.completed == 1
            && report.refused == 1
            && report.said_goodbye == 1,
        "expected accepted: 3, completed: 1, refused: 1, said_goodbye: 1, got {report:?}"
    );
}
