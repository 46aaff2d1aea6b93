//! Lesson 12: a chat room.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson12` (or `cargo checker 12`) to see which steps pass;
//! read `docs/src/12-chat-room.md` alongside.
//!
//! The tutorials' chat server keeps a list of sockets and, for every line
//! one client sends, calls `send` on all the others in a loop. It works
//! until one client stops reading: its socket's buffers fill, `send` blocks,
//! and the whole room waits for that one client. This lesson builds the
//! chat server a real service needs, with lesson 11's tokio tasks:
//!
//! - a [`Room`] that knows every member's name and gives each a **bounded
//!   queue** (`tokio::sync::mpsc::channel(queue)`) of lines to send it;
//! - **broadcast without waiting**: a line is put on every other member's
//!   queue with `try_send`, which never blocks; a member whose queue is
//!   full is dropped with a notice to the room ([`Event::Dropped`]), so one
//!   slow reader costs the room nothing and its memory stays bounded;
//! - one task per client, which reads the client's lines into the room and
//!   writes the client's queue to its socket ([`serve`]).
//!
//! # The protocol
//!
//! Lines end in `\n` (a `\r` before it is removed); the server's lines end
//! in `\n`.
//!
//! ```text
//! server -> client   Welcome to the chat room! What is your name?      (WELCOME)
//! client -> server   alice
//!   a valid, unused name (1-16 ASCII letters or digits, exact match):
//! server -> alice    * The room contains: bob, carol                   (room_list, join order)
//!                    * The room is empty                               (when nobody else is there)
//! server -> others   * alice has entered the room
//!   a name that breaks the rules:  * A name is 1 to 16 ASCII letters or digits. Goodbye.  + close
//!   a name that is in use:         * That name is taken. Goodbye.                          + close
//!
//! then each line alice sends, e.g.  hello, all
//! server -> others   [alice] hello, all            (never back to alice)
//!
//! alice closes (or is reset):        * alice has left the room          to the others
//! alice sends a line too long:       * That line is too long. Goodbye.  to alice, close,
//!                                    * alice has left the room          to the others
//! alice's queue is full (she stopped reading): alice is closed, and
//!                                    * alice was dropped for not reading to the others
//! ```
//!
//! A client that has not joined yet (no valid name) is not in the room:
//! nobody hears of it. A line without its `\n` when the client disconnects
//! is not a message: it is never relayed. Every member receives the room's
//! lines in one order, so each sender's lines arrive in the order sent.
//!
//! The pieces build on each other: [`valid_name`], [`Event::line`] and
//! [`room_list`]; then the [`Room`] ([`Room::join`], [`Room::say`],
//! [`Room::leave`], and dropping a member whose queue is full); then
//! [`serve`]. The constants and types that have no `todo!()` are complete:
//! use them.

use std::fmt;
use std::io;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

/// The first line the server sends on every connection.
pub const WELCOME: &str = "Welcome to the chat room! What is your name?\n";

/// What a client whose name breaks the rules hears before it is closed.
pub const INVALID_NAME: &str = "* A name is 1 to 16 ASCII letters or digits. Goodbye.\n";

/// What a client whose name is in use hears before it is closed.
pub const NAME_TAKEN: &str = "* That name is taken. Goodbye.\n";

/// What a client that sends a line longer than the limit hears before it
/// is closed.
pub const LINE_TOO_LONG: &str = "* That line is too long. Goodbye.\n";

/// The longest name, in characters (ASCII letters and digits only).
pub const MAX_NAME: usize = 16;

/// The longest line a client may send by default, in bytes, without its
/// `\n` (and without a `\r` before it).
pub const MAX_LINE: usize = 1000;

/// How many lines may wait for one client by default before the server
/// gives up on it.
pub const QUEUE: usize = 128;

/// How a [`serve`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The bound of every member's queue: how many lines may wait for a
    /// client that is not reading before it is dropped (at least 1).
    pub queue: usize,
    /// The longest line a client may send, in bytes, without its `\n`.
    pub max_line: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            queue: QUEUE,
            max_line: MAX_LINE,
        }
    }
}

/// Tells a running [`serve`] to stop. Clones share one switch, so the
/// server keeps one and whoever stops it keeps another.
#[derive(Debug, Clone)]
pub struct Stop {
    switch: Arc<watch::Sender<bool>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

impl Stop {
    /// A switch that has not been thrown.
    pub fn new() -> Stop {
        Stop {
            switch: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Asks every server watching this switch to stop. Safe to call from
    /// any thread, inside a runtime or not, any number of times.
    pub fn stop(&self) {
        self.switch.send_replace(true);
    }

    /// True once [`stop`](Self::stop) has been called on any clone.
    pub fn is_stopped(&self) -> bool {
        *self.switch.borrow()
    }

    /// Completes once [`stop`](Self::stop) has been called (at once if it
    /// has been already): a branch for `tokio::select!`.
    pub async fn stopped(&self) {
        let mut seen = self.switch.subscribe();
        // An error means the sender is gone, which cannot happen while
        // `self` holds it.
        let _ = seen.wait_for(|stopped| *stopped).await;
    }
}

/// Why a name cannot join the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// Not 1 to [`MAX_NAME`] ASCII letters or digits.
    Invalid,
    /// A member of the room has this name already.
    Taken,
}

impl NameError {
    /// The line the client hears before the server closes the connection:
    /// [`INVALID_NAME`] or [`NAME_TAKEN`].
    pub fn reply(self) -> &'static str {
        match self {
            NameError::Invalid => INVALID_NAME,
            NameError::Taken => NAME_TAKEN,
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Invalid => write!(f, "a name is 1 to {MAX_NAME} ASCII letters or digits"),
            NameError::Taken => write!(f, "that name is taken"),
        }
    }
}

impl std::error::Error for NameError {}

/// Something the room tells its members: one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A member joined.
    Entered(String),
    /// A member left (closed its connection, or was closed for a bad line).
    Left(String),
    /// A member was dropped because its queue was full: it stopped reading.
    Dropped(String),
    /// A member said something.
    Said {
        /// Who said it.
        from: String,
        /// What they said: the line without its `\n` (or `\r\n`).
        text: String,
    },
}

impl Event {
    /// Step 2. The line the other members receive, `\n` included:
    ///
    /// ```text
    /// Entered("alice")                       * alice has entered the room\n
    /// Left("alice")                          * alice has left the room\n
    /// Dropped("alice")                       * alice was dropped for not reading\n
    /// Said { from: "alice", text: "hi" }     [alice] hi\n
    /// ```
    ///
    /// The text is passed on as it is, whatever it holds.
    pub fn line(&self) -> String {
        todo!("one format! per variant, each line ending in \\n")
    }
}

/// Step 1. True when `name` may be used in the room: 1 to [`MAX_NAME`]
/// characters, each an ASCII letter or digit (`A-Z`, `a-z`, `0-9`).
/// Nothing else: no space, no punctuation, no letter outside ASCII.
pub fn valid_name(name: &str) -> bool {
    let _ = name;
    todo!("check the length (1..=MAX_NAME) and that every byte is ASCII alphanumeric")
}

/// Step 2. The line a new member gets after joining: who else is present,
/// in the order they joined, separated by `, `:
///
/// ```text
/// []                   * The room is empty\n
/// ["bob"]              * The room contains: bob\n
/// ["bob", "carol"]     * The room contains: bob, carol\n
/// ```
pub fn room_list(names: &[&str]) -> String {
    let _ = names;
    todo!("\"* The room is empty\\n\", or \"* The room contains: \" + the names joined by \", \"")
}

/// A member's number in the room; a later join gets a greater one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberId(u64);

/// What a member gets when it joins the room.
#[derive(Debug)]
pub struct Joined {
    /// Its number, for [`Room::say`] and [`Room::leave`].
    pub id: MemberId,
    /// The names of the members who were there before, in join order.
    pub present: Vec<String>,
    /// Its queue: every line the room sends it, in order. Its connection's
    /// task writes them to the socket.
    pub inbox: mpsc::Receiver<Arc<str>>,
    /// Completes (with an error: nothing is ever sent on it) when the room
    /// lets this member go: it left, it was dropped, or the room is gone.
    pub gone: oneshot::Receiver<()>,
}

/// One member, as the room sees it (a suggestion: change it as you like).
#[allow(dead_code)] // the stub does not use its fields yet
#[derive(Debug)]
struct Member {
    /// The member's name.
    name: String,
    /// The sending half of the member's queue (`mpsc::channel(queue)`).
    inbox: mpsc::Sender<Arc<str>>,
    /// The other half of [`Joined::gone`]: dropping the member drops it,
    /// and that completes `gone`.
    gone: oneshot::Sender<()>,
}

/// Who is in the room, and how to reach each of them.
///
/// Every method is synchronous and quick (no `.await`, no socket): the
/// server keeps the room in a `std::sync::Mutex` and never holds the lock
/// across an `.await`. Keep the members in join order (a
/// `BTreeMap<MemberId, Member>` does it: ids only grow).
#[allow(dead_code)] // the stub does not use its fields yet
#[derive(Debug)]
pub struct Room {
    members: std::collections::BTreeMap<MemberId, Member>,
    next_id: u64,
    queue: usize,
}

impl Room {
    /// Step 3. An empty room whose members' queues hold `queue` lines each
    /// (at least 1: `mpsc::channel(0)` panics).
    pub fn new(queue: usize) -> Room {
        let _ = queue;
        todo!("no members yet; remember the queue bound (at least 1)")
    }

    /// Step 3. The members' names, in the order they joined.
    pub fn names(&self) -> Vec<String> {
        todo!("the members' names, in join order")
    }

    /// Step 3. Adds a member called `name`, and tells every other member
    /// [`Event::Entered`] (not the new member itself).
    ///
    /// - `Err(NameError::Invalid)` when [`valid_name`] says no;
    /// - `Err(NameError::Taken)` when a member has this exact name;
    /// - a refused name changes nothing and is announced to nobody.
    ///
    /// The new member gets a new [`MemberId`], the names of those present
    /// before it, its queue's receiving half (`mpsc::channel(queue)`: the
    /// room keeps the sender) and the receiving half of a
    /// `oneshot::channel()` whose sender the room keeps with the member and
    /// drops when the member goes ([`Joined::gone`]).
    ///
    /// Announcing goes through the same path as [`Room::say`]: a member
    /// whose queue is full is dropped (see there).
    pub fn join(&mut self, name: &str) -> Result<Joined, NameError> {
        let _ = name;
        todo!("validate, check the name is free, announce Entered to the others, insert the member")
    }

    /// Steps 4 and 5. Sends [`Event::Said`] from member `from` (with its
    /// name) to every member but `from`. Does nothing when `from` is no
    /// longer a member.
    ///
    /// Never wait for a member: put the line on each queue with
    /// `try_send`. When a queue is full (`TrySendError::Full`), that member
    /// is too slow: remove it from the room (which drops its queue's sender
    /// and its `gone` sender) and tell the remaining members
    /// [`Event::Dropped`] with its name (that notice may fill another queue
    /// in turn: the same rule applies). A closed queue
    /// (`TrySendError::Closed`) belongs to a client that is leaving: skip
    /// it. Share one `Arc<str>` of the line between all the queues.
    pub fn say(&mut self, from: MemberId, text: &str) {
        let _ = (from, text);
        todo!("try_send [NAME] text to every other member; drop the ones whose queue is full")
    }

    /// Step 3. Removes member `id` and tells the others [`Event::Left`].
    /// Returns false (and tells nobody anything) when `id` is not a member:
    /// it left, or was dropped, already.
    pub fn leave(&mut self, id: MemberId) -> bool {
        let _ = id;
        todo!("remove the member; if it was there, announce Left to the others")
    }
}

/// Steps 6 to 15. Runs the chat server on `listener` (already bound and
/// listening) until `stop` is thrown; then closes every connection and
/// returns `Ok(())` (within a second).
///
/// It speaks the protocol at the top of this file, on a tokio runtime of
/// its own. Two promises besides the protocol:
///
/// - a client that stops reading never slows the others: it is dropped
///   once its queue (`config.queue` lines) is full;
/// - a client that reads everything is never dropped, however fast the
///   others send: a client that pastes 300 lines at once must not fill
///   every queue in one go.
///
/// One shape that keeps both:
///
/// - a runtime with one thread,
///   `tokio::runtime::Builder::new_current_thread().enable_all().build()?`,
///   and `block_on`
///   (`TcpListener::from_std` wants the listener non-blocking first): a
///   chat server waits, it does not compute, and on one thread the tasks
///   take turns in order;
/// - one `Room` in an `Arc<std::sync::Mutex<Room>>`, shared by all tasks;
///   never `.await` while holding its lock;
/// - the accept loop in a `tokio::select!` with `stop.stopped()`; a task
///   per client (`tokio::spawn`);
/// - a client's task: `set_nodelay(true)` (lesson 10: chat lines are small
///   and wanted at once), `into_split` the stream, read lines with
///   `FramedRead` and `LinesCodec::new_with_max_length(config.max_line)`
///   (lesson 11), write [`WELCOME`], read the name, [`Room::join`] (or
///   write [`NameError::reply`] and return), write [`room_list`], then loop
///   on a `biased` `select!`: first the next line of its `inbox` (to
///   `write_all`), then the next line from the client (to [`Room::say`],
///   followed by `tokio::task::yield_now().await`, so that the others
///   deliver it before this client's next line is read);
/// - the whole conversation in a `select!` with [`Joined::gone`]: a member
///   the room dropped must stop even in the middle of a `write_all` to a
///   client that never reads;
/// - at the end, [`Room::leave`] (it says nothing if the room dropped you).
///
/// Beware: `LinesCodec`'s `decode_eof` returns the unfinished last line of
/// a client that disconnects mid-line, and that must not be relayed.
///
/// An accept error (a connection that died in the queue, no file
/// descriptors left) must not end the server.
pub fn serve(listener: std::net::TcpListener, config: Config, stop: Stop) -> io::Result<()> {
    let _ = (listener, config, stop);
    todo!("build a current-thread runtime and block_on the accept loop until stop.stopped()")
}
