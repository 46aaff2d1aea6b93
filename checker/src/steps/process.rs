//! Runs one child process under a deadline, in its own process group.
//!
//! Learner code may loop forever, flood its output, spawn threads or
//! processes that outlive it, or kill itself. None of that may hang the
//! checker or leave a process behind, so every child:
//!
//! - starts as the leader of a new process group, and the whole group is
//!   killed with `SIGKILL` when the deadline passes and again once the child
//!   has exited (taking threads' and grandchildren's leftovers with it);
//! - has its stdout and stderr drained by two threads that keep a bounded
//!   head and tail of each stream and throw the middle away, so a flood
//!   neither blocks the child nor fills memory;
//! - is never waited on for longer than its deadline, and its pipes are
//!   given only a short grace period to reach end-of-file afterwards.

use std::io::{self, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Bytes kept from the start of each stream.
pub const HEAD_BYTES: usize = 48 * 1024;
/// Bytes kept from the end of each stream (where libtest's summary is).
pub const TAIL_BYTES: usize = 16 * 1024;
/// How long the pipes may stay open after the process group is gone.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it (abort, segfault, ...).
    Signal(i32),
    /// Its deadline passed and the checker killed its process group.
    TimedOut,
}

/// What a finished child left behind.
#[derive(Debug, Clone)]
pub struct Finished {
    /// How it ended.
    pub ending: Ending,
    /// Its standard output, head and tail kept (see [`Captured`]).
    pub stdout: String,
    /// Its standard error, head and tail kept.
    pub stderr: String,
    /// The steps testkit confirmed on the channel, once per passed case
    /// (empty when the process was run without one: see [`run_confirmed`]).
    pub confirmed: Vec<String>,
}

/// Runs `command` until it exits or `deadline` passes, capturing its output.
///
/// Stdin is closed; stdout and stderr are captured with their middles cut
/// when they exceed [`HEAD_BYTES`] + [`TAIL_BYTES`].
///
/// # Errors
///
/// When the process cannot be spawned or waited for.
pub fn run(command: Command, deadline: Instant) -> io::Result<Finished> {
    run_inner(command, deadline, None)
}

/// [`run`], with testkit's confirmation channel (see `testkit::confirm`):
/// one end of a socket pair at descriptor [`testkit::confirm::FD`], a fresh
/// token written into it, and the steps confirmed with that token read back.
///
/// # Errors
///
/// As [`run`], and when the socket pair cannot be made.
pub fn run_confirmed(mut command: Command, deadline: Instant) -> io::Result<Finished> {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let (mut ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    let token = token()?;
    ours.write_all(token.as_bytes())?;
    command.env(testkit::confirm::FD_VAR, testkit::confirm::FD.to_string());
    sys::give_fd(&mut command, theirs.as_raw_fd(), testkit::confirm::FD);
    let channel = Channel {
        ours,
        theirs,
        token,
    };
    run_inner(command, deadline, Some(channel))
}

/// The checker's end of a confirmation channel, the child's end (closed in
/// the checker once the child has it) and the token.
struct Channel {
    ours: std::os::unix::net::UnixStream,
    theirs: std::os::unix::net::UnixStream,
    token: String,
}

/// A fresh random token of [`testkit::confirm::TOKEN_LEN`] hex digits.
fn token() -> io::Result<String> {
    let mut bytes = [0u8; testkit::confirm::TOKEN_LEN / 2];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The step names confirmed with `token` on `stream`, read until every
/// writer is gone or `grace` passes; at most 64 KiB is read.
fn confirmations(stream: std::os::unix::net::UnixStream, token: String) -> Drain {
    let drain = drain(Some(stream.take(64 * 1024)));
    Drain {
        filter: Some(token),
        ..drain
    }
}

fn run_inner(
    mut command: Command,
    deadline: Instant,
    channel: Option<Channel>,
) -> io::Result<Finished> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    sys::forward_interrupts();
    let mut child = command.spawn()?;
    let pgid = child.id() as i32;
    let _registered = sys::Registered::new(pgid);
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let confirmed = channel.map(
        |Channel {
             ours,
             theirs,
             token,
         }| {
            // Only the child may hold its end now: EOF comes when it is gone.
            drop(theirs);
            confirmations(ours, token)
        },
    );

    let ending = match wait_until(&mut child, pgid, deadline) {
        Ok(ending) => ending,
        Err(e) => {
            kill_group(pgid);
            let _ = child.wait();
            return Err(e);
        }
    };
    let grace = Instant::now() + PIPE_GRACE;
    Ok(Finished {
        ending,
        stdout: stdout.finish(grace),
        stderr: stderr.finish(grace),
        confirmed: confirmed.map(|c| c.confirmed(grace)).unwrap_or_default(),
    })
}

/// Waits for the child, killing its group when `deadline` passes.
///
/// The child is only reaped after its group has been killed: until then its
/// pid stays a zombie, so the group id cannot be reused by another process.
fn wait_until(child: &mut Child, pgid: i32, deadline: Instant) -> io::Result<Ending> {
    let mut nap = Duration::from_millis(1);
    loop {
        if sys::has_exited(pgid)? {
            kill_group(pgid);
            let status = child.wait()?;
            return Ok(match (status.code(), status.signal()) {
                (Some(code), _) => Ending::Code(code),
                (None, Some(signal)) => Ending::Signal(signal),
                (None, None) => Ending::Code(-1),
            });
        }
        let now = Instant::now();
        if now >= deadline {
            kill_group(pgid);
            child.wait()?;
            return Ok(Ending::TimedOut);
        }
        thread::sleep(nap.min(deadline - now));
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// Sends `SIGKILL` to every process in the group; a group already gone is fine.
pub fn kill_group(pgid: i32) {
    sys::killpg(pgid);
}

/// A stream being drained by a thread into a bounded buffer.
struct Drain {
    buffer: Arc<Mutex<Captured>>,
    done: mpsc::Receiver<()>,
    /// For a confirmation channel: the token its lines must start with.
    filter: Option<String>,
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Drain {
    let buffer = Arc::new(Mutex::new(Captured::default()));
    let (tx, done) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        let buffer = Arc::clone(&buffer);
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => buffer.lock().expect("capture lock").push(&chunk[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    }
    Drain {
        buffer,
        done,
        filter: None,
    }
}

impl Drain {
    /// The text captured once the pipe closed, or at `grace` if it never did
    /// (a process that escaped the group still holds it open).
    fn finish(self, grace: Instant) -> String {
        let left = grace.saturating_duration_since(Instant::now());
        let _ = self.done.recv_timeout(left);
        self.buffer.lock().expect("capture lock").text()
    }

    /// The step names on the lines that start with the channel's token.
    fn confirmed(self, grace: Instant) -> Vec<String> {
        let token = self.filter.clone().unwrap_or_default();
        let text = self.finish(grace);
        text.lines()
            .filter_map(|line| line.strip_prefix(token.as_str())?.strip_prefix(' '))
            .map(str::to_owned)
            .collect()
    }
}

/// A stream's bytes with the middle cut out once it grows too long.
#[derive(Debug, Default)]
pub struct Captured {
    head: Vec<u8>,
    tail: Vec<u8>,
    cut: u64,
}

impl Captured {
    /// Appends bytes, keeping the first [`HEAD_BYTES`] and the last [`TAIL_BYTES`].
    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.head.len() < HEAD_BYTES {
            let n = bytes.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.is_empty() {
            return;
        }
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * TAIL_BYTES {
            let excess = self.tail.len() - TAIL_BYTES;
            self.tail.drain(..excess);
            self.cut += excess as u64;
        }
    }

    /// The captured text (lossy UTF-8), with a marker line where bytes were cut.
    pub fn text(&self) -> String {
        let mut tail: &[u8] = &self.tail;
        let mut cut = self.cut;
        if tail.len() > TAIL_BYTES {
            cut += (tail.len() - TAIL_BYTES) as u64;
            tail = &tail[tail.len() - TAIL_BYTES..];
        }
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if cut > 0 {
            // Restart the tail at a line boundary so the marker stands alone.
            let start = tail.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
            cut += start as u64;
            tail = &tail[start..];
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("[... {cut} bytes of output cut ...]\n"));
        }
        text.push_str(&String::from_utf8_lossy(tail));
        text
    }
}

/// The two system calls std does not offer, kept in one small unsafe corner.
#[allow(unsafe_code)]
mod sys {
    use std::io;
    use std::sync::Once;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// True when the process `pid` (our child) has exited, without reaping it.
    pub fn has_exited(pid: i32) -> io::Result<bool> {
        // SAFETY: waitid only writes into `info`, a zeroed siginfo_t we own;
        // WNOWAIT leaves the child to be reaped by std's Child::wait.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        loop {
            // SAFETY: see above; `pid` is a child of this process.
            let rc = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) };
            if rc == 0 {
                // SAFETY: waitid succeeded, so `info` is initialised; si_pid is
                // 0 when the child has not changed state yet.
                return Ok(unsafe { info.si_pid() } != 0);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// Makes `fd` (open in the checker, close-on-exec) the child's
    /// descriptor `at`, inherited across exec.
    pub fn give_fd(command: &mut std::process::Command, fd: i32, at: i32) {
        let hook = move || {
            // SAFETY: dup2 and fcntl are async-signal-safe and take plain
            // integers; `fd` is open in the forked child as in the parent.
            let rc = unsafe {
                if fd == at {
                    libc::fcntl(at, libc::F_SETFD, 0)
                } else {
                    libc::dup2(fd, at)
                }
            };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        };
        // SAFETY: the hook only calls dup2 or fcntl (see above).
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(command, hook);
        }
    }

    /// `killpg(pgid, SIGKILL)`, ignoring a group that no longer exists.
    pub fn killpg(pgid: i32) {
        if pgid > 1 {
            // SAFETY: killpg takes plain integers and touches no memory.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }

    /// The process groups running now, for the interrupt handler. Children
    /// in their own groups do not get the terminal's Ctrl-C, so the checker
    /// must kill them itself when it is interrupted.
    static RUNNING: [AtomicI32; 256] = [const { AtomicI32::new(0) }; 256];
    static INSTALLED: Once = Once::new();

    /// A process group listed in [`RUNNING`] while this lives.
    pub struct Registered(Option<usize>);

    impl Registered {
        pub fn new(pgid: i32) -> Registered {
            let slot = RUNNING.iter().position(|slot| {
                slot.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            });
            Registered(slot)
        }
    }

    impl Drop for Registered {
        fn drop(&mut self) {
            if let Some(slot) = self.0 {
                RUNNING[slot].store(0, Ordering::SeqCst);
            }
        }
    }

    /// On SIGINT, SIGTERM or SIGHUP: kill every running group, then die of
    /// the same signal.
    pub fn forward_interrupts() {
        INSTALLED.call_once(|| {
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                // SAFETY: `on_signal` only makes async-signal-safe calls
                // (atomic loads, killpg, signal, raise).
                unsafe {
                    libc::signal(
                        signal,
                        on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
                    );
                }
            }
        });
    }

    extern "C" fn on_signal(signal: libc::c_int) {
        for slot in &RUNNING {
            let pgid = slot.load(Ordering::SeqCst);
            if pgid > 1 {
                // SAFETY: async-signal-safe; plain integers.
                unsafe {
                    libc::killpg(pgid, libc::SIGKILL);
                }
            }
        }
        // SAFETY: async-signal-safe; restore the default action and re-raise
        // so the checker's parent sees it die of the signal.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// A human name for the signals learner code is likely to die of.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "abort",
        libc::SIGSEGV => "segmentation fault",
        libc::SIGBUS => "bus error",
        libc::SIGILL => "illegal instruction",
        libc::SIGFPE => "arithmetic error",
        libc::SIGKILL => "killed",
        libc::SIGTERM => "terminated",
        libc::SIGTRAP => "trap",
        libc::SIGPIPE => "broken pipe",
        libc::SIGXCPU => "CPU time limit exceeded",
        libc::SIGXFSZ => "file size limit exceeded",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn captures_exit_code_and_output() {
        let f = run(
            sh("echo out; echo err >&2; exit 3"),
            Instant::now() + Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(f.ending, Ending::Code(3));
        assert_eq!(f.stdout, "out\n");
        assert_eq!(f.stderr, "err\n");
    }

    #[test]
    fn reports_a_signal() {
        let f = run(
            sh("kill -ABRT $$"),
            Instant::now() + Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(f.ending, Ending::Signal(libc::SIGABRT));
    }

    #[test]
    fn kills_the_group_at_the_deadline_and_after_exit() {
        let start = Instant::now();
        // The background sleep keeps the pipes open: it must die with the group.
        let f = run(
            sh("sleep 30 & sleep 30"),
            start + Duration::from_millis(300),
        )
        .unwrap();
        assert_eq!(f.ending, Ending::TimedOut);
        assert!(start.elapsed() < Duration::from_secs(5));

        let start = Instant::now();
        let f = run(sh("sleep 30 & echo bye"), start + Duration::from_secs(20)).unwrap();
        assert_eq!(f.ending, Ending::Code(0));
        assert_eq!(f.stdout, "bye\n");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_flood_is_cut_in_the_middle() {
        let f = run(
            sh("head -c 5000000 /dev/zero | tr '\\0' x; echo; echo the-end"),
            Instant::now() + Duration::from_secs(20),
        )
        .unwrap();
        assert!(f.stdout.len() <= HEAD_BYTES + TAIL_BYTES + 100);
        assert!(f.stdout.contains("bytes of output cut"));
        assert!(f.stdout.ends_with("the-end\n"));
    }

    #[test]
    fn short_output_is_kept_whole() {
        let mut c = Captured::default();
        c.push(b"hello ");
        c.push(b"world");
        assert_eq!(c.text(), "hello world");
    }
}
