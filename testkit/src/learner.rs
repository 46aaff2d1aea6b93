//! A learner's code on its own thread, and why it ended.
//!
//! A step that talks to a learner's server must not hang when the server
//! hangs, and must not blame the conversation when the real cause is that
//! the server panicked, returned early or reached a `todo!()`. [`Learner`]
//! runs one call on a thread, catches its panic with file and line, and
//! remembers how it ended; every failure the harness raises while it runs
//! says that first ([`Watch::fail`]). [`Server`] starts a TCP or UDP server
//! on a loopback port 0, knows its address and how to stop it, and stops
//! it when the step ends, even by a failure.

use std::any::Any;
use std::fmt::{Debug, Display};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::LineClient;
use crate::explain::{io_error, seconds};
use crate::lang::t;
use crate::step::{catch_quietly, is_todo, panic_text};

/// How long a failure waits for a learner's call that is ending right now
/// (a panic still unwinding) so that it can say why.
const GRACE: Duration = Duration::from_millis(500);

/// One panic report for every place that catches a learner's panic:
/// `panicked at src/lib.rs:42: boom`, or, for a `todo!()`, that this part
/// of the exercise is not written yet.
pub fn panic_report(payload: &(dyn Any + Send), place: Option<&str>) -> String {
    let message = panic_text(payload);
    match (is_todo(&message), place) {
        (true, Some(place)) => t!("panic-todo-at", place = place, message = message),
        (true, None) => t!("panic-todo", message = message),
        (false, Some(place)) => t!("panicked-at", place = place, message = message),
        (false, None) => t!("panicked", message = message),
    }
}

/// The `todo!()`s reached on threads the learner's code started itself
/// (not a step's thread, and not caught by the harness), in order. A server whose per-client thread reaches a `todo!()` keeps
/// running; the step's failure must still name that `todo!()` first.
/// Each is its place (`file:line`) and its message, worded when a failure
/// names it.
static STRAY_TODOS: Mutex<Vec<(Option<String>, String)>> = Mutex::new(Vec::new());

/// Called by the panic hook for every panic it does not catch quietly.
/// Only a `todo!()`'s own panic counts, not a report that names one (the
/// harness re-raises those on the step's thread).
pub(crate) fn note_stray_panic(place: Option<&str>, message: &str) {
    if message.starts_with("not yet implemented") {
        if let Ok(mut todos) = STRAY_TODOS.lock() {
            todos.push((place.map(str::to_owned), message.to_owned()));
        }
    }
}

fn stray_todos() -> usize {
    STRAY_TODOS.lock().map(|t| t.len()).unwrap_or(0)
}

/// How a learner's call ended, in words, and whether it returned.
#[derive(Debug, Clone)]
struct Ended {
    returned: bool,
    words: String,
}

/// What a failure needs to know about a learner's running call: its name
/// and, once it has ended, how. Cheap to clone; clients keep one.
#[derive(Debug, Clone)]
pub struct Watch {
    what: Arc<str>,
    ended: Arc<Mutex<Option<Ended>>>,
    /// How many stray `todo!()`s had been reached when the call started.
    todos_before: usize,
}

impl Watch {
    /// The call's name, e.g. `serve_greetings(.., Serial, ..)`.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// How the call ended (`returned Ok(())`, `panicked at ...`), if it has.
    pub fn ended(&self) -> Option<String> {
        self.ending().map(|e| e.words)
    }

    fn ending(&self) -> Option<Ended> {
        self.ended.lock().ok().and_then(|slot| slot.clone())
    }

    /// `message`, with how the call ended when it has (or ends in a
    /// moment): a panic or a `todo!()` comes first, as the cause; a return
    /// is noted after the message.
    pub fn explain(&self, message: impl Display) -> String {
        let start = Instant::now();
        while self.ended().is_none() && start.elapsed() < GRACE {
            thread::sleep(Duration::from_millis(10));
        }
        let stray = STRAY_TODOS
            .lock()
            .ok()
            .and_then(|t| t.get(self.todos_before).cloned());
        let and_so = || t!("and-so", message = message.to_string());
        match (self.ending(), stray) {
            (Some(end), _) if end.returned => format!(
                "{message}\n{}",
                t!("by-then", what = &*self.what, end = end.words)
            ),
            (Some(end), _) => format!("{} {}\n{}", self.what, end.words, and_so()),
            (None, Some((Some(place), todo))) => format!(
                "{}\n{}",
                t!(
                    "stray-todo-at",
                    what = &*self.what,
                    place = place,
                    message = todo
                ),
                and_so()
            ),
            (None, Some((None, todo))) => format!(
                "{}\n{}",
                t!("stray-todo", what = &*self.what, message = todo),
                and_so()
            ),
            (None, None) => message.to_string(),
        }
    }

    /// Fails the step with [`explain`](Self::explain)'s text.
    #[track_caller]
    pub fn fail(&self, message: impl Display) -> ! {
        panic!("{}", self.explain(message))
    }
}

/// A call into the learner's code running on its own thread: its panic is
/// caught and described, and whoever waits for it has a deadline.
#[derive(Debug)]
pub struct Learner<T> {
    watch: Watch,
    // In a Mutex so that threads may share a `&Learner`.
    result: Mutex<mpsc::Receiver<Result<T, String>>>,
}

impl<T: Debug + Send + 'static> Learner<T> {
    /// Starts `f` on a thread named `what` (the call as a learner would
    /// recognise it, e.g. `handle_client(stream)`).
    pub fn spawn(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Learner<T> {
        let watch = Watch {
            what: what.into(),
            ended: Arc::new(Mutex::new(None)),
            todos_before: stray_todos(),
        };
        let (tx, result) = mpsc::channel();
        let note = Arc::clone(&watch.ended);
        let lang = crate::lang::current();
        thread::Builder::new()
            .name(what.to_owned())
            .spawn(move || {
                let _lang = crate::lang::scoped(lang);
                let outcome = catch_quietly(f)
                    .map_err(|(payload, place)| panic_report(payload.as_ref(), place.as_deref()));
                let described = match &outcome {
                    Ok(value) => Ended {
                        returned: true,
                        words: t!("returned", value = format!("{value:?}")),
                    },
                    Err(panic) => Ended {
                        returned: false,
                        words: panic.clone(),
                    },
                };
                if let Ok(mut slot) = note.lock() {
                    *slot = Some(described);
                }
                let _ = tx.send(outcome);
            })
            .expect("start a thread for the learner's code");
        Learner {
            watch,
            result: Mutex::new(result),
        }
    }

    /// The call's name.
    pub fn what(&self) -> &str {
        self.watch.what()
    }

    /// A handle for failures raised elsewhere (a client, another thread).
    pub fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// How the call ended, if it has.
    pub fn ended(&self) -> Option<String> {
        self.watch.ended()
    }

    /// Fails the step with `message`, saying first how the call ended if it
    /// has.
    #[track_caller]
    pub fn fail(&self, message: impl Display) -> ! {
        self.watch.fail(message)
    }

    /// Waits up to `limit` for the call to return, and returns its value;
    /// `after` says what should have made it return.
    #[track_caller]
    pub fn wait(self, limit: Duration, after: &str) -> T {
        let result = match self.result.into_inner() {
            Ok(receiver) => receiver.recv_timeout(limit),
            Err(poisoned) => poisoned.into_inner().recv_timeout(limit),
        };
        match result {
            Ok(Ok(value)) => value,
            Ok(Err(panic)) => panic!("{} {panic}", self.watch.what),
            Err(_) => panic!(
                "{}",
                t!(
                    "did-not-return",
                    what = &*self.watch.what,
                    limit = seconds(limit),
                    after = after
                )
            ),
        }
    }
}

/// A learner's server on a loopback port 0, running on its own thread.
///
/// Dropping it asks it to stop (see [`stopped_by`](Self::stopped_by)), so no
/// server keeps serving after its step, whatever the step's outcome.
pub struct Server<T> {
    addr: SocketAddr,
    learner: Option<Learner<T>>,
    stopper: Option<(String, Arc<dyn Fn() + Send + Sync>)>,
}

impl<T> Debug for Server<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl<T: Debug + Send + 'static> Server<T> {
    /// Binds a TCP listener on `127.0.0.1`, port 0, and runs `serve` on it.
    pub fn tcp(what: &str, serve: impl FnOnce(TcpListener) -> T + Send + 'static) -> Server<T> {
        let (listener, addr) = crate::net::listener();
        Server::on(addr, what, move || serve(listener))
    }

    /// Binds a UDP socket on `127.0.0.1`, port 0, and runs `serve` on it.
    pub fn udp(what: &str, serve: impl FnOnce(UdpSocket) -> T + Send + 'static) -> Server<T> {
        Server::udp_on(Ipv4Addr::LOCALHOST.into(), what, serve)
    }

    /// Binds a UDP socket on `ip` (a loopback address), port 0, and runs
    /// `serve` on it.
    pub fn udp_on(
        ip: IpAddr,
        what: &str,
        serve: impl FnOnce(UdpSocket) -> T + Send + 'static,
    ) -> Server<T> {
        let socket = UdpSocket::bind((ip, 0)).expect("bind a loopback UDP socket on port 0");
        let addr = socket.local_addr().expect("a bound socket has an address");
        Server::on(addr, what, move || serve(socket))
    }

    /// Runs `serve`, which listens on `addr` already.
    pub fn on(
        addr: SocketAddr,
        what: &str,
        serve: impl FnOnce() -> T + Send + 'static,
    ) -> Server<T> {
        Server {
            addr,
            learner: Some(Learner::spawn(what, serve)),
            stopper: None,
        }
    }

    /// Says how to ask the server to stop (`how`, e.g. `shutdown()`, names
    /// it in messages); it is asked when the server is stopped or dropped.
    pub fn stopped_by(mut self, how: &str, stop: impl Fn() + Send + Sync + 'static) -> Server<T> {
        self.stopper = Some((how.to_owned(), Arc::new(stop)));
        self
    }

    /// Where clients connect (or send datagrams).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn learner(&self) -> &Learner<T> {
        self.learner.as_ref().expect("the server is running")
    }

    /// The learner's call, for failures raised elsewhere.
    pub fn watch(&self) -> Watch {
        self.learner().watch()
    }

    /// How the server's call ended, if it has.
    pub fn ended(&self) -> Option<String> {
        self.learner().ended()
    }

    /// Fails the step with `message`, saying first how the server ended if
    /// it has.
    #[track_caller]
    pub fn fail(&self, message: impl Display) -> ! {
        self.learner().fail(message)
    }

    /// Connects a line client called `name` to the server.
    #[track_caller]
    pub fn client(&self, name: &str) -> LineClient {
        self.client_via(self.addr, name)
    }

    /// Connects a line client called `name` to `addr` (a relay in front of
    /// the server), retrying while the server starts; if the server has
    /// ended, says how.
    #[track_caller]
    pub fn client_via(&self, addr: SocketAddr, name: &str) -> LineClient {
        let start = Instant::now();
        let limit = crate::DEFAULT_LIMIT;
        loop {
            if let Some(end) = self.ended() {
                panic!(
                    "{}",
                    t!(
                        "ended-before-connect",
                        what = self.learner().what(),
                        end = end,
                        name = name
                    )
                );
            }
            match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                Ok(stream) => return LineClient::new(name, stream).watching(self.watch()),
                Err(e) if start.elapsed() > limit => self.fail(t!(
                    "could-not-connect",
                    name = name,
                    addr = addr.to_string(),
                    error = io_error(&e, limit)
                )),
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Asks the server to stop, without waiting for it.
    pub fn request_stop(&self) {
        if let Some((_, stop)) = &self.stopper {
            stop();
        }
    }

    /// Asks the server to stop and waits up to `limit` for its call to
    /// return; returns what it returned.
    #[track_caller]
    pub fn stop(mut self, limit: Duration) -> T {
        self.request_stop();
        let how = self
            .stopper
            .as_ref()
            .map_or_else(|| t!("the-step-s-end"), |(how, _)| how.clone());
        let learner = self.learner.take().expect("the server is running");
        learner.wait(limit, &how)
    }

    /// Waits up to `limit` for the server's call to return by itself;
    /// `after` says what should make it return.
    #[track_caller]
    pub fn wait(mut self, limit: Duration, after: &str) -> T {
        let learner = self.learner.take().expect("the server is running");
        learner.wait(limit, after)
    }
}

impl<X, E> Server<Result<X, E>>
where
    X: Debug + Send + 'static,
    E: Display + Debug + Send + 'static,
{
    /// [`stop`](Self::stop), and fails the step if the server returned an
    /// error.
    #[track_caller]
    pub fn stop_ok(self, limit: Duration) -> X {
        let what = self.learner().what().to_owned();
        let how = self.stopper.as_ref().map(|(how, _)| how.clone());
        match self.stop(limit) {
            Ok(value) => value,
            Err(e) => match how {
                Some(how) => panic!(
                    "{}",
                    t!(
                        "returned-error-after",
                        what = what,
                        how = how,
                        error = e.to_string()
                    )
                ),
                None => panic!(
                    "{}",
                    t!("returned-error", what = what, error = e.to_string())
                ),
            },
        }
    }
}

impl<T> Drop for Server<T> {
    fn drop(&mut self) {
        if let Some((_, stop)) = &self.stopper {
            stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};
    use std::io;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_panic_is_reported_with_its_place() {
        let _en = scoped(Lang::En);
        let learner = Learner::spawn("serve(..)", || -> u8 { panic!("boom") });
        let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            learner.fail("the client got nothing")
        }))
        .unwrap_err();
        let text = panic_text(message.as_ref());
        assert!(
            text.starts_with("serve(..) panicked at testkit/src/learner.rs:"),
            "{text}"
        );
        assert!(
            text.ends_with("boom\n... and so: the client got nothing"),
            "{text}"
        );
    }

    #[test]
    fn a_return_is_noted_after_the_message() {
        let _en = scoped(Lang::En);
        let learner = Learner::spawn("serve(..)", || 7u8);
        let start = Instant::now();
        while learner.ended().is_none() && start.elapsed() < Duration::from_secs(10) {
            thread::sleep(Duration::from_millis(5));
        }
        let text = learner.watch().explain("the client got nothing");
        assert_eq!(
            text,
            "the client got nothing\n(by then serve(..) had returned 7)"
        );
    }

    #[test]
    fn a_todo_is_named_first() {
        let _en = scoped(Lang::En);
        let learner = Learner::spawn("serve(..)", || -> u8 { todo!() });
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            learner.wait(Duration::from_secs(2), "the test")
        }))
        .unwrap_err();
        let text = panic_text(got.as_ref());
        assert!(text.contains("serve(..) reached a `todo!()`"), "{text}");
        assert!(text.contains("not written yet"), "{text}");
    }

    #[test]
    fn a_todo_on_a_thread_the_learner_started_is_named() {
        let _en = scoped(Lang::En);
        let (joined, told) = mpsc::channel();
        let learner = Learner::spawn("serve(..)", move || {
            let _ = thread::spawn(|| -> u8 { todo!("handle the client") }).join();
            let _ = joined.send(());
            thread::sleep(Duration::from_secs(5));
        });
        told.recv_timeout(Duration::from_secs(10)).unwrap();
        let text = learner.watch().explain("the client got nothing");
        assert!(
            text.starts_with(
                "a thread that serve(..) started reached a `todo!()` at testkit/src/learner.rs:"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_server_stops_and_returns() {
        let _en = scoped(Lang::En);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let server = Server::tcp("accepting", move |listener| {
            listener.set_nonblocking(true).unwrap();
            while !flag.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(5));
            }
            Ok::<u8, io::Error>(7)
        })
        .stopped_by("the flag", move || stop.store(true, Ordering::SeqCst));
        assert!(server.addr().ip().is_loopback());
        assert_eq!(server.stop_ok(Duration::from_secs(5)), 7);
    }

    #[test]
    #[should_panic(expected = "did not return within 0.2 s after the step's end")]
    fn a_server_that_never_returns_fails_in_time() {
        let _en = scoped(Lang::En);
        let server = Server::udp("waiting", |_socket| thread::sleep(Duration::from_secs(5)));
        server.stop(Duration::from_millis(200));
    }
}
