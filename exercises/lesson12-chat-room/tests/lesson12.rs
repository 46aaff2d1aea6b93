//! Lesson 12's graded steps: a chat room.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first: the
//! pure functions, then the [`Room`] driven directly (every call under a
//! deadline), then the server over loopback TCP with testkit's line clients
//! (every read and write with a deadline, the exchange in every failure).
//!
//! The client that never reads is made small on the test's side: a small
//! receive buffer and a small maximum segment size (`TCP_MAXSEG`), which
//! keeps the kernel from growing the server's send buffer towards it. The
//! server's buffers for that one client then fill after some tens of KB
//! instead of a few MB, while every client that reads (late or not) has MBs
//! of room: no verdict depends on how fast the test's own threads run.

use std::collections::BTreeMap;
use std::io;
use std::net::TcpStream;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson12::*;
use rstest::rstest;
use socket2::{Domain, Protocol, Socket, Type};
use testkit::bytes::diff_report;
use testkit::step::{catch_quietly, panic_text};
use testkit::{Chunking, LineClient, Server, show, step, within};
use tokio::sync::{mpsc, oneshot};

const LESSON: &str = include_str!("../lesson.toml");
/// How long a learner's call, or a read or write of a test's client, may
/// take: generous, so that only a hang fails.
const LIMIT: Duration = Duration::from_secs(10);
/// How long `serve` may take to return after `stop.stop()`.
const STOP_LIMIT: Duration = Duration::from_secs(5);
/// The receive buffer of a client that never reads.
const SLOW_RECEIVE_BUFFER: usize = 1024;
/// The maximum segment size of a client that never reads: the server's send
/// buffer grows with the segment size, so it stays small (about 30 KB).
const SLOW_SEGMENT: u32 = 256;

// ---------------------------------------------------------------------------
// The lines of the protocol, written out here (not taken from the learner)
// ---------------------------------------------------------------------------

fn entered(name: &str) -> String {
    format!("* {name} has entered the room\n")
}

fn left(name: &str) -> String {
    format!("* {name} has left the room\n")
}

fn dropped(name: &str) -> String {
    format!("* {name} was dropped for not reading\n")
}

fn said(from: &str, text: &str) -> String {
    format!("[{from}] {text}\n")
}

fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        "* The room is empty\n".to_owned()
    } else {
        format!("* The room contains: {}\n", names.join(", "))
    }
}

// ---------------------------------------------------------------------------
// The room, driven directly
// ---------------------------------------------------------------------------

/// A learner's [`Room`], each call on its own thread under a deadline, and
/// the calls made so far for every failure.
struct TestRoom {
    room: Arc<Mutex<Room>>,
    calls: Vec<String>,
}

/// A member as the test holds it: its name and what `join` returned.
struct TestMember {
    name: String,
    joined: Joined,
}

impl TestRoom {
    fn new(queue: usize) -> TestRoom {
        let what = format!("Room::new({queue})");
        let room = within(LIMIT, &what, move || Room::new(queue));
        TestRoom {
            room: Arc::new(Mutex::new(room)),
            calls: vec![format!("let room = {what};")],
        }
    }

    /// Runs `f` on the room under a deadline, logged as `what`.
    fn call<T: Send + 'static>(
        &mut self,
        what: String,
        f: impl FnOnce(&mut Room) -> T + Send + 'static,
    ) -> T {
        self.calls.push(what.clone());
        let room = Arc::clone(&self.room);
        within(LIMIT, &what, move || {
            let mut room = room.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut room)
        })
    }

    #[track_caller]
    fn fail(&self, message: impl std::fmt::Display) -> ! {
        let skip = self.calls.len().saturating_sub(20);
        let mut text = format!("{message}\nwhat the test did with the room:");
        if skip > 0 {
            text.push_str(&format!("\n  ... {skip} earlier calls"));
        }
        for call in &self.calls[skip..] {
            text.push_str("\n  ");
            text.push_str(call);
        }
        panic!("{text}")
    }

    fn try_join(&mut self, name: &str) -> Result<Joined, NameError> {
        let owned = name.to_owned();
        self.call(format!("room.join({name:?})"), move |room| {
            room.join(&owned)
        })
    }

    #[track_caller]
    fn join(&mut self, name: &str) -> TestMember {
        match self.try_join(name) {
            Ok(joined) => TestMember {
                name: name.to_owned(),
                joined,
            },
            Err(e) => self.fail(format!(
                "room.join({name:?}) returned Err(NameError::{e:?}) (\"{e}\"), but {name:?} \
                 is a valid name and nobody in the room has it"
            )),
        }
    }

    fn say(&mut self, member: &TestMember, text: &str) {
        let (id, owned) = (member.joined.id, text.to_owned());
        self.call(
            format!("room.say({}, {text:?})", member.name),
            move |room| room.say(id, &owned),
        );
    }

    fn leave(&mut self, member: &TestMember) -> bool {
        let id = member.joined.id;
        self.call(format!("room.leave({})", member.name), move |room| {
            room.leave(id)
        })
    }

    fn names(&mut self) -> Vec<String> {
        self.call("room.names()".to_owned(), |room| room.names())
    }

    /// Takes every line waiting in `member`'s queue (without waiting) and
    /// checks that they are exactly `expected`.
    #[track_caller]
    fn expect_queue(&mut self, member: &mut TestMember, expected: &[String]) {
        let got = drain(&mut member.joined.inbox);
        self.calls.push(format!(
            "(the test takes {}'s queue: {} lines)",
            member.name,
            got.len()
        ));
        if got != expected {
            let own = got
                .iter()
                .any(|line| line.starts_with(&format!("[{}] ", member.name)));
            let why = if own {
                format!(
                    "{} got its own message back: a line goes to every member except the one \
                     who said it",
                    member.name
                )
            } else {
                format!("{}'s queue does not hold the lines expected", member.name)
            };
            self.fail(format!(
                "{why}\n  expected: {}\n  got:      {}",
                show_lines(expected),
                show_lines(&got)
            ));
        }
    }

    /// Checks that the room's members are exactly `expected`, in order.
    #[track_caller]
    fn expect_names(&mut self, expected: &[&str], why: &str) {
        let names = self.names();
        if names != expected {
            self.fail(format!(
                "room.names() returned {names:?}, expected {expected:?} ({why})"
            ));
        }
    }
}

/// Every line waiting in a queue, without waiting.
fn drain(inbox: &mut mpsc::Receiver<Arc<str>>) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(line) = inbox.try_recv() {
        lines.push(line.to_string());
    }
    lines
}

fn show_lines(lines: &[String]) -> String {
    if lines.is_empty() {
        return "(nothing)".to_owned();
    }
    let shown: Vec<String> = lines.iter().map(|l| show(l.as_bytes())).collect();
    shown.join(", ")
}

/// True while the room holds on to `member` (its `gone` has not completed).
fn still_held(member: &mut TestMember) -> bool {
    matches!(
        member.joined.gone.try_recv(),
        Err(oneshot::error::TryRecvError::Empty)
    )
}

// ---------------------------------------------------------------------------
// The server, over loopback
// ---------------------------------------------------------------------------

/// The learner's server on a loopback port, told `stop.stop()` when it is
/// stopped or its step ends.
fn chat_server(config: Config) -> Server<io::Result<()>> {
    let stop = Stop::new();
    let handle = stop.clone();
    let what = format!(
        "serve(listener, Config {{ queue: {}, max_line: {} }}, stop)",
        config.queue, config.max_line
    );
    Server::tcp(&what, move |listener| serve(listener, config, handle))
        .stopped_by("stop.stop()", move || stop.stop())
}

/// A client connected to `server`, with the step's generous deadline.
fn connect(server: &Server<io::Result<()>>, name: &str) -> LineClient {
    server.client(name).with_limit(LIMIT)
}

/// A client whose receive buffer and segments are small: when it stops
/// reading, the server's writes to it stall after some tens of KB.
///
/// Returns the client, and true when its segments could be made small.
fn connect_slow(server: &Server<io::Result<()>>, name: &str) -> (LineClient, bool) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("a socket");
    socket
        .set_recv_buffer_size(SLOW_RECEIVE_BUFFER)
        .expect("SO_RCVBUF");
    // Where TCP_MAXSEG cannot be set, the server buffers more (some MB) before
    // the client counts as slow; the steps allow for that.
    let small_segments = socket.set_tcp_mss(SLOW_SEGMENT).is_ok();
    let addr = server.addr();
    if let Err(e) = socket.connect_timeout(&addr.into(), LIMIT) {
        server.fail(format!(
            "{name} could not connect to {addr}: {}",
            testkit::explain::io_error(&e, LIMIT)
        ));
    }
    let stream: TcpStream = socket.into();
    let mut client = LineClient::new(name, stream)
        .watching(server.watch())
        .with_limit(LIMIT);
    client.note(format!(
        "this client's receive buffer is small ({SLOW_RECEIVE_BUFFER} bytes asked){}",
        if small_segments {
            format!(", and its segments too ({SLOW_SEGMENT} bytes)")
        } else {
            String::new()
        }
    ));
    (client, small_segments)
}

/// Connects `name`, reads the welcome, sends the name (cut as `chunking`
/// says) and checks the room list: `present`, in join order.
#[track_caller]
fn join_as(
    server: &Server<io::Result<()>>,
    name: &str,
    present: &[&str],
    chunking: Chunking,
) -> LineClient {
    let client = connect(server, name);
    finish_join(client, name, present, chunking)
}

#[track_caller]
fn finish_join(
    mut client: LineClient,
    name: &str,
    present: &[&str],
    chunking: Chunking,
) -> LineClient {
    client.expect(WELCOME.as_bytes());
    client.send_chunked(format!("{name}\n").as_bytes(), chunking);
    client.expect(listed(present).as_bytes());
    client
}

#[track_caller]
fn join(server: &Server<io::Result<()>>, name: &str, present: &[&str]) -> LineClient {
    join_as(server, name, present, Chunking::Whole)
}

/// Reads the next line of `client` (whose name in the room is `me`) and
/// checks that it is `expected`; a line of its own is named as such.
#[track_caller]
fn expect_line(client: &mut LineClient, me: &str, expected: &str) {
    match client.read_line() {
        Ok(got) if got == expected.as_bytes() => {}
        Ok(got) => {
            client.note(format!("expected {}", show(expected.as_bytes())));
            let text = String::from_utf8_lossy(&got);
            if let Some(name) = text
                .strip_prefix("* ")
                .and_then(|l| l.strip_suffix(" was dropped for not reading\n"))
            {
                client.fail(format!(
                    "{name} was dropped, though it reads every line: a client that reads must \
                     never be dropped, however fast the others send. Did a sender's burst fill \
                     the queues before the readers' tasks had a turn?"
                ));
            }
            if got.starts_with(format!("[{me}] ").as_bytes()) {
                client.fail(format!(
                    "{me} got its own message back: a line goes to every member except the one \
                     who sent it"
                ));
            }
            client.fail(format!(
                "the line that came is not the one expected\n{}",
                diff_report(expected.as_bytes(), &got)
            ))
        }
        Err(why) => {
            client.note(format!("expected {}", show(expected.as_bytes())));
            let maybe = if why.contains("closed the connection") {
                format!(
                    "\n(if the room dropped {me} as too slow, though it reads every line: did a \
                     sender's burst fill the queues before the readers' tasks had a turn?)"
                )
            } else {
                String::new()
            };
            client.fail(format!(
                "expected {}, but {why}{maybe}",
                show(expected.as_bytes())
            ))
        }
    }
}

// ---------------------------------------------------------------------------
// Pure functions
// ---------------------------------------------------------------------------

#[rstest]
#[case::one_letter("a", true)]
#[case::capitals("Alice", true)]
#[case::letters_and_digits("bob42", true)]
#[case::only_digits("007", true)]
#[case::sixteen("abcdefghijklmnop", true)]
#[case::empty("", false)]
#[case::seventeen("abcdefghijklmnopq", false)]
#[case::space("has space", false)]
#[case::punctuation("bob!", false)]
#[case::dash("-", false)]
#[case::underscore("snake_case", false)]
#[case::accent("José", false)]
#[case::chinese("张三", false)]
#[case::tab("tab\t", false)]
fn step01_validates_names(#[case] name: &'static str, #[case] valid: bool) {
    let _step = step!(LESSON);
    let got = within(LIMIT, &format!("valid_name({name:?})"), move || {
        valid_name(name)
    });
    assert_eq!(
        got,
        valid,
        "valid_name({name:?}) returned {got}: a name is 1 to 16 characters, each an ASCII letter \
         or digit, so {name:?} is {}",
        if valid { "valid" } else { "not valid" }
    );
}

#[test]
fn step02_formats_chat_lines() {
    let _step = step!(LESSON);
    let events = [
        (Event::Entered("alice".into()), entered("alice")),
        (Event::Left("bob".into()), left("bob")),
        (Event::Dropped("carol".into()), dropped("carol")),
        (
            Event::Said {
                from: "dave".into(),
                text: "hello, all".into(),
            },
            said("dave", "hello, all"),
        ),
        (
            Event::Said {
                from: "erin".into(),
                text: "你好 [not a name] * no star".into(),
            },
            said("erin", "你好 [not a name] * no star"),
        ),
    ];
    for (event, expected) in events {
        let what = format!("{event:?}.line()");
        let got = within(LIMIT, &what, move || event.line());
        testkit::assert_bytes_eq(&what, expected.as_bytes(), got.as_bytes());
    }
    let lists: [&[&str]; 3] = [&[], &["bob"], &["bob", "alice", "carol"]];
    for names in lists {
        let what = format!("room_list(&{names:?})");
        let owned: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let got = within(LIMIT, &what, move || {
            let names: Vec<&str> = owned.iter().map(String::as_str).collect();
            room_list(&names)
        });
        testkit::assert_bytes_eq(&what, listed(names).as_bytes(), got.as_bytes());
    }
}

// ---------------------------------------------------------------------------
// The room
// ---------------------------------------------------------------------------

#[test]
fn step03_room_lists_and_announces_joins() {
    let _step = step!(LESSON);
    let mut room = TestRoom::new(QUEUE);
    room.expect_names(&[], "a new room is empty");

    // Names chosen so that join order is not alphabetical order.
    let mut zed = room.join("zed");
    if !zed.joined.present.is_empty() {
        room.fail(format!(
            "the first member's `present` is {:?}: nobody was there before it",
            zed.joined.present
        ));
    }
    room.expect_queue(&mut zed, &[]);
    let mut amy = room.join("amy");
    if amy.joined.present != ["zed"] {
        room.fail(format!(
            "amy's `present` is {:?}, expected [\"zed\"]",
            amy.joined.present
        ));
    }
    room.expect_queue(&mut zed, &[entered("amy")]);
    room.expect_queue(&mut amy, &[]);
    let mut mo = room.join("mo");
    if mo.joined.present != ["zed", "amy"] {
        room.fail(format!(
            "mo's `present` is {:?}, expected [\"zed\", \"amy\"]: the members before it, in \
             the order they joined",
            mo.joined.present
        ));
    }
    room.expect_queue(&mut zed, &[entered("mo")]);
    room.expect_queue(&mut amy, &[entered("mo")]);
    room.expect_queue(&mut mo, &[]);
    room.expect_names(&["zed", "amy", "mo"], "every member, in join order");
    if amy.joined.id == zed.joined.id || mo.joined.id == amy.joined.id {
        room.fail("two members got the same MemberId: each join needs a new one");
    }

    for (name, error) in [
        ("amy", NameError::Taken),
        ("has space", NameError::Invalid),
        ("", NameError::Invalid),
        ("abcdefghijklmnopq", NameError::Invalid),
    ] {
        match room.try_join(name) {
            Err(e) if e == error => {}
            Err(e) => room.fail(format!(
                "room.join({name:?}) returned Err(NameError::{e:?}), expected \
                 Err(NameError::{error:?})"
            )),
            Ok(_) => room.fail(format!(
                "room.join({name:?}) let the name in; expected Err(NameError::{error:?})"
            )),
        }
    }
    room.expect_queue(&mut zed, &[]);
    room.expect_queue(&mut amy, &[]);
    room.expect_names(&["zed", "amy", "mo"], "a refused name changes nothing");

    if !room.leave(&amy) {
        room.fail("room.leave(amy) returned false, but amy was a member");
    }
    room.expect_queue(&mut zed, &[left("amy")]);
    room.expect_queue(&mut mo, &[left("amy")]);
    room.expect_names(&["zed", "mo"], "amy left");
    if room.leave(&amy) {
        room.fail("room.leave(amy) returned true a second time: amy had left already");
    }
    room.expect_queue(&mut zed, &[]);
    room.expect_queue(&mut mo, &[]);

    // The name is free again.
    let again = room.join("amy");
    if again.joined.present != ["zed", "mo"] {
        room.fail(format!(
            "amy (joining again)'s `present` is {:?}, expected [\"zed\", \"mo\"]",
            again.joined.present
        ));
    }
    room.expect_queue(&mut zed, &[entered("amy")]);
    room.expect_queue(&mut mo, &[entered("amy")]);
}

#[test]
fn step04_room_relays_to_everyone_but_the_sender() {
    let _step = step!(LESSON);
    let mut room = TestRoom::new(QUEUE);
    let mut alice = room.join("alice");
    let mut bob = room.join("bob");
    let mut carol = room.join("carol");
    drain(&mut alice.joined.inbox);
    drain(&mut bob.joined.inbox);

    room.say(&alice, "hello, all");
    room.expect_queue(&mut bob, &[said("alice", "hello, all")]);
    room.expect_queue(&mut carol, &[said("alice", "hello, all")]);
    room.expect_queue(&mut alice, &[]);

    room.say(&bob, "你好");
    room.say(&carol, "one");
    room.say(&carol, "two");
    room.say(&carol, "three");
    let carols: Vec<String> = ["one", "two", "three"]
        .iter()
        .map(|t| said("carol", t))
        .collect();
    let mut for_alice = vec![said("bob", "你好")];
    for_alice.extend(carols.iter().cloned());
    room.expect_queue(&mut alice, &for_alice);
    room.expect_queue(&mut bob, &carols);
    room.expect_queue(&mut carol, &[said("bob", "你好")]);

    if !room.leave(&bob) {
        room.fail("room.leave(bob) returned false, but bob was a member");
    }
    room.expect_queue(&mut alice, &[left("bob")]);
    room.expect_queue(&mut carol, &[left("bob")]);
    room.say(&bob, "a ghost speaks");
    room.expect_queue(&mut alice, &[]);
    room.expect_queue(&mut carol, &[]);
}

#[test]
fn step05_room_drops_a_member_whose_queue_is_full() {
    let _step = step!(LESSON);
    const BOUND: usize = 4;
    let mut room = TestRoom::new(BOUND);
    let mut alice = room.join("alice");
    let mut bob = room.join("bob");
    let mut carol = room.join("carol");
    drain(&mut alice.joined.inbox);
    drain(&mut bob.joined.inbox);

    // carol never reads: her queue fills with exactly BOUND lines.
    let texts: Vec<String> = (1..=BOUND + 1).map(|i| format!("line {i}")).collect();
    for text in &texts[..BOUND] {
        room.say(&alice, text);
        room.expect_queue(&mut bob, &[said("alice", text)]);
    }
    room.expect_names(
        &["alice", "bob", "carol"],
        "carol's queue holds 4 lines: it is full now, but nothing has been refused yet",
    );
    if !still_held(&mut carol) {
        room.fail("carol's `gone` completed while carol was still a member");
    }

    room.say(&alice, &texts[BOUND]);
    room.expect_names(
        &["alice", "bob"],
        "carol's queue was full when the 5th line came: the room must drop her, not wait, not \
         skip her line and keep her",
    );
    room.expect_queue(&mut bob, &[said("alice", &texts[BOUND]), dropped("carol")]);
    room.expect_queue(&mut alice, &[dropped("carol")]);
    if still_held(&mut carol) {
        room.fail(
            "carol was dropped but her `gone` has not completed: keep the oneshot sender in the \
             member, so that removing the member drops it",
        );
    }
    // What carol's queue held: the first BOUND lines, no more, then the end.
    let held: Vec<String> = texts[..BOUND].iter().map(|t| said("alice", t)).collect();
    room.expect_queue(&mut carol, &held);
    if !carol.joined.inbox.is_closed() {
        room.fail(
            "carol was dropped, but her queue is still open: removing her must drop the room's \
             sending half of it",
        );
    }
    if room.leave(&carol) {
        room.fail("room.leave(carol) returned true, but carol had been dropped already");
    }
    room.say(&carol, "still here?");
    room.expect_queue(&mut alice, &[]);
    room.expect_queue(&mut bob, &[]);

    // bob keeps up: however many lines come, he stays.
    for i in 0..(BOUND * 25) {
        let text = format!("more {i}");
        room.say(&alice, &text);
        room.expect_queue(&mut bob, &[said("alice", &text)]);
    }
    room.expect_names(&["alice", "bob"], "bob reads everything: he must stay");
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

#[rstest]
#[case::whole(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::random(Chunking::Random { seed: 0, max: 3 })]
fn step06_welcomes_and_lists_the_room(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let server = chat_server(Config::default());
    let _alice = join_as(&server, "alice", &[], chunking);
    let _bob = join_as(&server, "bob", &["alice"], chunking);
    let mut carol = connect(&server, "carol");
    carol.expect(WELCOME.as_bytes());
    carol.send_chunked(b"carol\r\n", chunking);
    carol.expect(listed(&["alice", "bob"]).as_bytes());
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step07_announces_joins_and_leaves() {
    let _step = step!(LESSON);
    let server = chat_server(Config::default());
    let mut alice = join(&server, "alice", &[]);
    let bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));
    let mut carol = join(&server, "carol", &["alice", "bob"]);
    expect_line(&mut alice, "alice", &entered("carol"));

    drop(bob);
    expect_line(&mut alice, "alice", &left("bob"));
    expect_line(&mut carol, "carol", &left("bob"));

    // The name is free again; the newcomer does not hear of its own entry.
    let mut bob = join(&server, "bob", &["alice", "carol"]);
    expect_line(&mut alice, "alice", &entered("bob"));
    expect_line(&mut carol, "carol", &entered("bob"));
    alice.send(b"welcome back\n");
    expect_line(&mut bob, "bob", &said("alice", "welcome back"));
    expect_line(&mut carol, "carol", &said("alice", "welcome back"));

    // A client that leaves before giving a name was never in the room.
    let mut shy = connect(&server, "a client that gives no name");
    shy.expect(WELCOME.as_bytes());
    drop(shy);
    let _dave = join(&server, "dave", &["alice", "carol", "bob"]);
    expect_line(&mut alice, "alice", &entered("dave"));
    server.stop_ok(STOP_LIMIT);
}

#[rstest]
#[case::whole(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::random(Chunking::Random { seed: 0, max: 5 })]
fn step08_relays_messages_to_others_only(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let server = chat_server(Config::default());
    let mut alice = join(&server, "alice", &[]);
    let mut bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));
    let mut carol = join(&server, "carol", &["alice", "bob"]);
    expect_line(&mut alice, "alice", &entered("carol"));
    expect_line(&mut bob, "bob", &entered("carol"));

    alice.send_chunked(b"hello, all\n", chunking);
    expect_line(&mut bob, "bob", &said("alice", "hello, all"));
    expect_line(&mut carol, "carol", &said("alice", "hello, all"));

    bob.send_chunked("你好\r\n".as_bytes(), chunking);
    // alice's next line is bob's: had her own come back, it would be first.
    expect_line(&mut alice, "alice", &said("bob", "你好"));
    expect_line(&mut carol, "carol", &said("bob", "你好"));

    carol.send_chunked(b"one\ntwo\n[x] three\n", chunking);
    for text in ["one", "two", "[x] three"] {
        expect_line(&mut alice, "alice", &said("carol", text));
        expect_line(&mut bob, "bob", &said("carol", text));
    }
    bob.send(b"over\n");
    expect_line(&mut alice, "alice", &said("bob", "over"));
    expect_line(&mut carol, "carol", &said("bob", "over"));
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step09_rejects_invalid_and_duplicate_names() {
    let _step = step!(LESSON);
    let server = chat_server(Config::default());
    let mut alice = join(&server, "alice", &[]);
    let bad: [&[u8]; 7] = [
        b"\n",
        b"has space\n",
        b"abcdefghijklmnopq\n",
        "名字\n".as_bytes(),
        b"bob!\n",
        b"-\n",
        b"\r\n",
    ];
    for line in bad {
        let mut rude = connect(&server, &format!("the client that says {}", show(line)));
        rude.expect(WELCOME.as_bytes());
        rude.send(line);
        rude.expect(INVALID_NAME.as_bytes());
        rude.expect_closed();
    }
    let mut twin = connect(&server, "a second alice");
    twin.expect(WELCOME.as_bytes());
    twin.send(b"alice\n");
    twin.expect(NAME_TAKEN.as_bytes());
    twin.expect_closed();

    // Nobody heard of them, and nobody joined.
    let _bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));
    server.stop_ok(STOP_LIMIT);
}

#[rstest]
#[case::close(false)]
#[case::reset(true)]
fn step10_drops_a_half_line_on_disconnect(#[case] reset: bool) {
    let step = step!(LESSON);
    let chunking = Chunking::Random { seed: 0, max: 4 }.seeded(&step);
    let server = chat_server(Config::default());
    let mut alice = join(&server, "alice", &[]);
    let mut bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));

    bob.send_chunked(b"a whole line\nand half a li", chunking);
    expect_line(&mut alice, "alice", &said("bob", "a whole line"));
    if reset {
        bob.reset();
    } else {
        bob.note("closes the connection");
        drop(bob);
    }
    // Had the half line been relayed, it would come before this.
    expect_line(&mut alice, "alice", &left("bob"));

    // A client that leaves in the middle of its name never joined.
    let mut shy = connect(&server, "a client that leaves mid-name");
    shy.expect(WELCOME.as_bytes());
    shy.send_chunked(b"car", chunking);
    if reset {
        shy.reset();
    } else {
        drop(shy);
    }
    let _carol = join(&server, "carol", &["alice"]);
    expect_line(&mut alice, "alice", &entered("carol"));
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step11_closes_a_client_with_an_overlong_line() {
    let _step = step!(LESSON);
    let config = Config::default();
    let server = chat_server(config);
    let mut alice = join(&server, "alice", &[]);
    let mut bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));

    // Exactly the limit is fine.
    let longest = "x".repeat(config.max_line);
    alice.send(format!("{longest}\n").as_bytes());
    expect_line(&mut bob, "bob", &said("alice", &longest));

    // One write, so that the server has read every byte before it closes.
    bob.note(format!(
        "sends {} bytes without a \\n",
        config.max_line + 100
    ));
    bob.send(&vec![b'y'; config.max_line + 100]);
    bob.expect(LINE_TOO_LONG.as_bytes());
    bob.expect_closed();
    expect_line(&mut alice, "alice", &left("bob"));

    // The same as a name: never in the room.
    let mut rude = connect(&server, "a client whose name line is too long");
    rude.expect(WELCOME.as_bytes());
    rude.send(&vec![b'z'; config.max_line + 100]);
    rude.expect(LINE_TOO_LONG.as_bytes());
    rude.expect_closed();

    let mut carol = join(&server, "carol", &["alice"]);
    expect_line(&mut alice, "alice", &entered("carol"));
    carol.send(b"still here\n");
    expect_line(&mut alice, "alice", &said("carol", "still here"));
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step12_stops_when_asked() {
    let _step = step!(LESSON);
    let server = chat_server(Config::default());
    let mut alice = join(&server, "alice", &[]);
    let mut bob = join(&server, "bob", &["alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));
    let mut waiting = connect(&server, "a client that has not given its name");
    waiting.expect(WELCOME.as_bytes());
    server.stop_ok(STOP_LIMIT);
    for client in [&mut alice, &mut bob, &mut waiting] {
        client.note("the server was stopped");
        client.expect_closed();
    }
}

/// One member of a crowd: its name, the lines it sends, and what it must
/// receive.
struct Chatter {
    client: LineClient,
    name: String,
    /// Lines to read before the chat starts (later joiners' entries).
    entries: Vec<String>,
}

/// The text of `sender`'s `n`th message.
fn message(sender: &str, n: usize) -> String {
    format!(
        "{sender} says {n:02}, in order, {}",
        "and at some length ".repeat(6)
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One chatter's part of [`chat_at_once`].
fn chat(
    chatter: &mut Chatter,
    senders: &[String],
    count: usize,
    chunking: Chunking,
    start: &Barrier,
    slow_notice: Option<&str>,
) {
    let me = chatter.name.clone();
    let client = &mut chatter.client;
    for entry in &chatter.entries {
        expect_line(client, &me, entry);
    }
    start.wait();
    let batch: String = (1..=count)
        .map(|n| format!("{}\n", message(&me, n)))
        .collect();
    client.send_chunked(batch.as_bytes(), chunking);
    // The next message expected from each other sender.
    let mut next: BTreeMap<&str, usize> = senders
        .iter()
        .filter(|s| **s != me)
        .map(|s| (s.as_str(), 1))
        .collect();
    let mut missing = next.len() * count;
    while missing > 0 {
        let line = match client.read_line() {
            Ok(line) => String::from_utf8_lossy(&line).into_owned(),
            Err(why) => client.fail(format!(
                "{missing} messages of the others had not come yet, but {why}"
            )),
        };
        if slow_notice == Some(line.as_str()) {
            continue;
        }
        if let Some(name) = line
            .strip_prefix("* ")
            .and_then(|l| l.strip_suffix(" was dropped for not reading\n"))
        {
            client.fail(format!(
                "{name} was dropped, though it reads every line: a client that reads must never \
                 be dropped, however fast the others send. Did a sender's burst fill the queues \
                 before their tasks had a turn?"
            ));
        }
        let Some((from, _)) = line
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("] "))
        else {
            client.fail(format!(
                "expected only the others' messages (`[NAME] text`), but got {}",
                show(line.as_bytes())
            ));
        };
        if from == me {
            client.fail(format!(
                "{me} got its own message back: a line goes to every member except the one who \
                 sent it"
            ));
        }
        let Some(expected) = next.get_mut(from) else {
            client.fail(format!("a message from {from}, who is not in this chat"));
        };
        let want = said(from, &message(from, *expected));
        if line != want {
            client.fail(format!(
                "{from}'s messages must arrive complete and in the order sent: expected {}, got {}",
                show(want.as_bytes()),
                show(line.as_bytes())
            ));
        }
        *expected += 1;
        missing -= 1;
    }
}

/// Runs `chatters` at once: each sends `count` messages cut as `chunking`
/// (seeded per chatter), then reads until it has every other chatter's
/// `count` messages. Checks each sender's order, and that nobody hears its
/// own message or of anyone dropped but `slow`.
fn chat_at_once(
    chatters: Vec<Chatter>,
    count: usize,
    chunking: Chunking,
    slow: Option<&str>,
) -> Vec<LineClient> {
    let senders: Vec<String> = chatters.iter().map(|c| c.name.clone()).collect();
    let start = Arc::new(Barrier::new(chatters.len()));
    let slow_notice = slow.map(dropped);
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for (i, mut chatter) in chatters.into_iter().enumerate() {
        let senders = senders.clone();
        let start = Arc::clone(&start);
        let slow_notice = slow_notice.clone();
        let chunking = match chunking {
            Chunking::Random { seed, max } => Chunking::Random {
                seed: seed + i as u64,
                max,
            },
            other => other,
        };
        let failures = Arc::clone(&failures);
        let thread = thread::Builder::new()
            .name(chatter.name.clone())
            .spawn(move || {
                // Caught here, so that a failure is recorded before this
                // client's connection closes (which the others then hear).
                let chatted = catch_quietly(|| {
                    chat(
                        &mut chatter,
                        &senders,
                        count,
                        chunking,
                        &start,
                        slow_notice.as_deref(),
                    )
                });
                if let Err((panic, _)) = chatted {
                    lock(&failures).push(panic_text(panic.as_ref()));
                }
                chatter
            })
            .expect("start a chatter's thread");
        threads.push(thread);
    }
    // Every connection stays open until every chatter is done.
    let mut done = Vec::new();
    for thread in threads {
        match thread.join() {
            Ok(chatter) => done.push(chatter),
            Err(panic) => lock(&failures).push(panic_text(panic.as_ref())),
        }
    }
    let failures = lock(&failures);
    if let Some(first) = failures.first() {
        panic!(
            "{first}\n({} of {} chatters failed)",
            failures.len(),
            senders.len()
        );
    }
    done.into_iter().map(|chatter| chatter.client).collect()
}

#[test]
fn step13_keeps_each_senders_order() {
    let step = step!(LESSON);
    let chunking = Chunking::Random { seed: 0, max: 16 }.seeded(&step);
    let server = chat_server(Config::default());
    let names = ["alice", "bob", "carol", "dave"];
    let mut chatters = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let client = join(&server, name, &names[..i]);
        chatters.push(Chatter {
            client,
            name: name.to_string(),
            entries: names[i + 1..].iter().map(|n| entered(n)).collect(),
        });
    }
    let mut clients = chat_at_once(chatters, 25, chunking, None);

    // A paste: more lines in one write than a queue holds. Each reader's
    // task must get its turn between the lines, not after all of them.
    const PASTE: usize = QUEUE + QUEUE / 2 + 100;
    let paste: String = (1..=PASTE).map(|n| format!("paste {n:03}\n")).collect();
    clients[0].note(format!("alice pastes {PASTE} lines in one write"));
    clients[0].send(paste.as_bytes());
    for (client, name) in clients.iter_mut().zip(names).skip(1) {
        client.note(format!(
            "alice pasted {PASTE} lines in one write; {name} reads them all"
        ));
        for n in 1..=PASTE {
            expect_line(client, name, &said("alice", &format!("paste {n:03}")));
        }
    }
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step14_drops_a_client_that_never_reads() {
    let step = step!(LESSON);
    let chunking = Chunking::Random { seed: 0, max: 600 }.seeded(&step);
    let config = Config::default();
    let server = chat_server(config);
    let (slow, small_segments) = connect_slow(&server, "slow");
    let mut slow = finish_join(slow, "slow", &[], Chunking::Whole);
    slow.note("from now on, slow reads nothing");
    let mut alice = join(&server, "alice", &["slow"]);
    let mut bob = join(&server, "bob", &["slow", "alice"]);
    expect_line(&mut alice, "alice", &entered("bob"));

    // alice chats, bob reads each line as it comes; slow reads nothing. The
    // server may hold no more than its queue and the sockets' buffers for
    // slow: some tens of KB of buffers (some MB where the segments could not
    // be made small) and `queue` lines here.
    let most: usize = if small_segments { 2_000 } else { 12_000 };
    let padding = "-".repeat(config.max_line - 100);
    let mut dropped_after = None;
    let started = Instant::now();
    let mut sent = 0;
    for i in 1..=most {
        let text = format!("line {i:04} {padding}");
        alice.send_chunked(format!("{text}\n").as_bytes(), chunking);
        sent += text.len() + 1;
        let mut line = bob.read_line();
        if dropped_after.is_none() && line.as_deref() == Ok(dropped("slow").as_bytes()) {
            dropped_after = Some(i);
            line = bob.read_line();
        }
        match line {
            Ok(got) if got == said("alice", &text).as_bytes() => {}
            Ok(got) => {
                bob.note(format!(
                    "expected {}",
                    show(said("alice", &text).as_bytes())
                ));
                bob.fail(format!(
                    "bob reads every line, and must get every line of alice's in order\n{}",
                    diff_report(said("alice", &text).as_bytes(), &got)
                ));
            }
            Err(why) => bob.fail(format!(
                "expected alice's line {i} while slow was {}, but {why}",
                if dropped_after.is_some() {
                    "gone"
                } else {
                    "not reading: a room that waits for its slowest reader stalls everyone"
                }
            )),
        }
        if dropped_after.is_some_and(|at| i >= at + 20) {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let Some(at) = dropped_after else {
        bob.fail(format!(
            "slow has read nothing of {sent} bytes of alice's lines ({} s), yet it is still in \
             the room: its queue must be bounded (Config.queue = {} lines), and a member whose \
             queue is full dropped with `* slow was dropped for not reading`",
            started.elapsed().as_secs(),
            config.queue
        ));
    };
    bob.note(format!("slow was dropped after alice's line {at}"));
    expect_line(&mut alice, "alice", &dropped("slow"));

    // The server must have let go of slow's connection: what slow can still
    // read ends, instead of waiting for ever.
    let (rest, error) = slow.read_to_end(16 * 1024 * 1024);
    if let Some(e) = error.filter(testkit::is_timeout) {
        slow.fail(format!(
            "slow was dropped, but its connection stayed open ({}; {} bytes were still \
             waiting for it): the dropped member's task must end and close its socket, even if \
             it is stuck writing to a client that does not read",
            testkit::explain::io_error(&e, LIMIT),
            rest.len()
        ));
    }
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step15_fifty_clients_and_one_that_never_reads() {
    let step = step!(LESSON);
    let chunking = Chunking::Random { seed: 0, max: 64 }.seeded(&step);
    let server = chat_server(Config::default());
    let (slow, _) = connect_slow(&server, "slow");
    let mut slow = finish_join(slow, "slow", &[], Chunking::Whole);
    slow.note("from now on, slow reads nothing");

    const CROWD: usize = 50;
    let names: Vec<String> = (0..CROWD).map(|i| format!("c{i:02}")).collect();
    let mut present: Vec<&str> = vec!["slow"];
    let mut chatters = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let client = join(&server, name, &present);
        present.push(name);
        chatters.push(Chatter {
            client,
            name: name.clone(),
            entries: names[i + 1..].iter().map(|n| entered(n)).collect(),
        });
    }
    let _clients = chat_at_once(chatters, 15, chunking, Some("slow"));
    drop(slow);
    server.stop_ok(STOP_LIMIT);
}
