//! Lesson 12 (reference solution): a chat room.
//!
//! One tokio task per client; a [`Room`] behind a `std::sync::Mutex` that
//! knows every member's name and the sending half of its bounded queue
//! (`tokio::sync::mpsc::channel(config.queue)`). A message is put on every
//! other member's queue with `try_send`, which never waits: a member whose
//! queue is full is too slow to keep up, and is dropped on the spot with a
//! notice to the others. Each client's task writes its own queue to its own
//! socket, so a client that stops reading stalls nobody but itself.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, FramedRead, LinesCodec, LinesCodecError};

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
    /// The line the other members receive, `\n` included.
    pub fn line(&self) -> String {
        match self {
            Event::Entered(name) => format!("* {name} has entered the room\n"),
            Event::Left(name) => format!("* {name} has left the room\n"),
            Event::Dropped(name) => format!("* {name} was dropped for not reading\n"),
            Event::Said { from, text } => format!("[{from}] {text}\n"),
        }
    }
}

/// True when `name` may be used in the room: 1 to [`MAX_NAME`] characters,
/// each an ASCII letter or digit.
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The line a new member gets after joining: who else is present, in the
/// order they joined.
pub fn room_list(names: &[&str]) -> String {
    if names.is_empty() {
        "* The room is empty\n".to_owned()
    } else {
        format!("* The room contains: {}\n", names.join(", "))
    }
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

/// One member, as the room sees it.
#[derive(Debug)]
struct Member {
    name: String,
    inbox: mpsc::Sender<Arc<str>>,
    /// Dropped with the member: that is what completes its `gone`.
    _gone: oneshot::Sender<()>,
}

/// Who is in the room, and how to reach each of them.
///
/// Every method is synchronous and quick (no `.await`, no socket): the
/// server keeps the room in a `std::sync::Mutex` and never holds the lock
/// across an `.await`.
#[derive(Debug)]
pub struct Room {
    /// In join order: ids only grow.
    members: BTreeMap<MemberId, Member>,
    next_id: u64,
    queue: usize,
}

impl Room {
    /// An empty room whose members' queues hold `queue` lines each (at
    /// least 1).
    pub fn new(queue: usize) -> Room {
        Room {
            members: BTreeMap::new(),
            next_id: 0,
            queue: queue.max(1),
        }
    }

    /// The members' names, in the order they joined.
    pub fn names(&self) -> Vec<String> {
        self.members.values().map(|m| m.name.clone()).collect()
    }

    /// Adds a member called `name`, and tells every other member
    /// [`Event::Entered`].
    pub fn join(&mut self, name: &str) -> Result<Joined, NameError> {
        if !valid_name(name) {
            return Err(NameError::Invalid);
        }
        if self.members.values().any(|m| m.name == name) {
            return Err(NameError::Taken);
        }
        let present = self.names();
        self.broadcast(None, &Event::Entered(name.to_owned()));
        let id = MemberId(self.next_id);
        self.next_id += 1;
        let (inbox, receiver) = mpsc::channel(self.queue);
        let (gone_sender, gone) = oneshot::channel();
        self.members.insert(
            id,
            Member {
                name: name.to_owned(),
                inbox,
                _gone: gone_sender,
            },
        );
        Ok(Joined {
            id,
            present,
            inbox: receiver,
            gone,
        })
    }

    /// Sends [`Event::Said`] from `from` to every member but `from`. Does
    /// nothing when `from` is no longer a member.
    pub fn say(&mut self, from: MemberId, text: &str) {
        if let Some(member) = self.members.get(&from) {
            let event = Event::Said {
                from: member.name.clone(),
                text: text.to_owned(),
            };
            self.broadcast(Some(from), &event);
        }
    }

    /// Removes member `id` and tells the others [`Event::Left`]. Returns
    /// false (and says nothing) when `id` is not a member: it left, or was
    /// dropped, already.
    pub fn leave(&mut self, id: MemberId) -> bool {
        match self.members.remove(&id) {
            Some(member) => {
                self.broadcast(None, &Event::Left(member.name));
                true
            }
            None => false,
        }
    }

    /// Puts `event`'s line on the queue of every member but `except`,
    /// without waiting for any. A member whose queue is full is dropped
    /// and the others hear [`Event::Dropped`], which may fill another
    /// queue in turn: hence the work list.
    fn broadcast(&mut self, except: Option<MemberId>, event: &Event) {
        let mut work = VecDeque::from([(except, Arc::<str>::from(event.line()))]);
        while let Some((except, line)) = work.pop_front() {
            let mut slow = Vec::new();
            for (&id, member) in &self.members {
                if Some(id) == except {
                    continue;
                }
                match member.inbox.try_send(Arc::clone(&line)) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => slow.push(id),
                    // Its task has ended and will `leave` in a moment.
                    Err(mpsc::error::TrySendError::Closed(_)) => {}
                }
            }
            for id in slow {
                if let Some(member) = self.members.remove(&id) {
                    let notice = Event::Dropped(member.name).line();
                    work.push_back((None, Arc::from(notice)));
                }
            }
        }
    }
}

/// Runs the chat server on `listener` until `stop` is thrown, on a tokio
/// runtime of its own; then closes every connection and returns `Ok(())`.
pub fn serve(listener: std::net::TcpListener, config: Config, stop: Stop) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    // One thread: a chat server waits on sockets, it does not compute, and
    // on one thread the tasks take turns in order (see `chat`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Dropping the runtime at the end cancels every client's task, and
    // with them their sockets close.
    runtime.block_on(run(listener, config, stop))
}

/// The accept loop: a task per client, until `stop`.
async fn run(listener: std::net::TcpListener, config: Config, stop: Stop) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let room = Arc::new(Mutex::new(Room::new(config.queue)));
    loop {
        tokio::select! {
            _ = stop.stopped() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(client(stream, Arc::clone(&room), config.max_line));
                }
                // Out of file descriptors, or a connection that died in
                // the queue: not the server's end. Breathe, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// The room, even if a task panicked while holding it (its data is still
/// consistent: every method leaves it so before anything can panic).
fn lock(room: &Mutex<Room>) -> MutexGuard<'_, Room> {
    room.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `LinesCodec` with a limit, except at the end of the stream: a line
/// without its `\n` when the client disconnects is not a message, and is
/// dropped (`LinesCodec::decode_eof` would hand it over).
struct ChatLines(LinesCodec);

impl Decoder for ChatLines {
    type Item = String;
    type Error = LinesCodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<String>, LinesCodecError> {
        self.0.decode(buf)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<String>, LinesCodecError> {
        let line = self.0.decode(buf)?;
        if line.is_none() {
            buf.clear();
        }
        Ok(line)
    }
}

/// The lines a client sends, at most `max_line` bytes each.
type Lines = FramedRead<OwnedReadHalf, ChatLines>;

/// One client's connection, from the welcome to its end.
async fn client(stream: TcpStream, room: Arc<Mutex<Room>>, max_line: usize) {
    // Chat lines are small and wanted now: no Nagle (lesson 10), so that a
    // line never waits for the acknowledgement of the one before.
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut lines = FramedRead::new(read, ChatLines(LinesCodec::new_with_max_length(max_line)));
    if write.write_all(WELCOME.as_bytes()).await.is_err() {
        return;
    }
    let name = match lines.next().await {
        Some(Ok(name)) => name,
        Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
            let _ = write.write_all(LINE_TOO_LONG.as_bytes()).await;
            return;
        }
        // Gone before giving a name, or a name that is not UTF-8.
        Some(Err(_)) | None => return,
    };
    let joined = lock(&room).join(&name);
    let Joined {
        id,
        present,
        mut inbox,
        gone,
    } = match joined {
        Ok(joined) => joined,
        Err(e) => {
            let _ = write.write_all(e.reply().as_bytes()).await;
            return;
        }
    };
    let present: Vec<&str> = present.iter().map(String::as_str).collect();
    let list = room_list(&present);
    tokio::select! {
        // The room let us go (too slow): stop at once, even in the middle
        // of a write to a client that does not read.
        _ = gone => {}
        _ = chat(&mut lines, &mut write, &mut inbox, &room, id, &list) => {}
    }
    lock(&room).leave(id);
    // `lines` and `write` drop here: the connection closes.
}

/// A member's conversation: its lines to the room, its queue to its socket,
/// until it leaves, sends a bad line or its socket fails.
async fn chat(
    lines: &mut Lines,
    write: &mut OwnedWriteHalf,
    inbox: &mut mpsc::Receiver<Arc<str>>,
    room: &Mutex<Room>,
    id: MemberId,
    list: &str,
) -> io::Result<()> {
    write.write_all(list.as_bytes()).await?;
    loop {
        tokio::select! {
            // Deliver what waits for this client before reading more of it.
            biased;
            Some(line) = inbox.recv() => write.write_all(line.as_bytes()).await?,
            line = lines.next() => match line {
                Some(Ok(text)) => {
                    lock(room).say(id, &text);
                    // One line a turn: the others deliver it before this
                    // client's next line (a pasted burst of 300 lines
                    // would otherwise fill every queue at once).
                    tokio::task::yield_now().await;
                }
                Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                    write.write_all(LINE_TOO_LONG.as_bytes()).await?;
                    return Ok(());
                }
                // The client left (EOF), was reset, or sent bytes that
                // are not UTF-8.
                Some(Err(_)) | None => return Ok(()),
            },
        }
    }
}
