//! Limits, an unprivileged user and a clean environment for learner code
//! that `grade` runs.
//!
//! Each test process gets resource limits (`setrlimit`, set in the child
//! between `fork` and `exec`): CPU time, data memory, file size, the number
//! of processes, and no core files. The wall-time limit and the kill of the
//! whole process group stay with [`crate::steps::process`] and [`crate::steps::run`].
//!
//! `RLIMIT_NPROC` counts every process and thread of a *user*, and does not
//! apply to root at all. So when the checker runs as root (as CI and
//! containers often do) the test processes run as `nobody`, whose count
//! starts near zero; otherwise they run as the instructor, with the limit
//! set to the user's current count plus the allowance. Either way the
//! allowance is shared by the steps of one submission that run at once.
//!
//! The environment is cleared but for `PATH`, `LANG`, `TESTKIT_*` and
//! `CHECKER_*`, so learner code cannot read the instructor's secrets, and
//! `HOME` and `TMPDIR` point at a private directory emptied between
//! submissions. Every test process carries a tag in its environment, and
//! [`Sandbox::sweep`] kills whatever still carries it (or, as `nobody`, was
//! started by that user since the checker began) once a submission is done.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::t;

/// How much one test process may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// CPU seconds (`RLIMIT_CPU`): `SIGXCPU` at this, `SIGKILL` 2 s later.
    pub cpu_seconds: u64,
    /// Bytes of data memory: heap and stacks (`RLIMIT_DATA` on Linux,
    /// `RLIMIT_AS` elsewhere, where `RLIMIT_DATA` does not cover `mmap`).
    pub memory_bytes: u64,
    /// The largest file it may write (`RLIMIT_FSIZE`).
    pub file_size_bytes: u64,
    /// Processes and threads on top of those the user already has (`RLIMIT_NPROC`).
    pub processes: u64,
}

/// The user the test processes run as, when it is not the checker's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    /// Its name, for messages.
    pub name: &'static str,
    /// Its user id.
    pub uid: u32,
    /// Its group id.
    pub gid: u32,
}

/// Where and how learner code runs.
#[derive(Debug)]
pub struct Sandbox {
    limits: Limits,
    user: Option<User>,
    tmp: PathBuf,
    tag: String,
    /// The `RLIMIT_NPROC` value, counted afresh for each submission (0: not set).
    nproc: AtomicU64,
    /// True when every process runs in a bubblewrap sandbox, which ends
    /// them all itself: [`Sandbox::sweep`] then kills only by tag, never
    /// every process of the user (another grader may be running as it).
    jailed: bool,
}

/// The environment variable every sandboxed process carries.
pub const TAG_VAR: &str = "CHECKER_GRADE_RUN";

impl Sandbox {
    /// A sandbox with `limits` and the private temporary directory `tmp`.
    ///
    /// When the checker runs as root, test processes will run as `nobody`
    /// (its ids from `/etc/passwd`, else 65534) and files the checker makes
    /// are made readable to it.
    pub fn new(limits: Limits, tmp: PathBuf) -> Sandbox {
        let user = sys::is_root().then(nobody);
        if user.is_some() {
            // Cargo and the checker must make files the unprivileged user can read.
            sys::umask_022();
        }
        let tag = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        Sandbox {
            limits,
            user,
            tmp,
            tag,
            nproc: AtomicU64::new(0),
            jailed: false,
        }
    }

    /// Says that every process runs in a bubblewrap sandbox (see `jailed`).
    pub fn jailed(mut self) -> Sandbox {
        self.jailed = true;
        self
    }

    /// The user test processes run as, when not the checker's own.
    pub fn user(&self) -> Option<User> {
        self.user
    }

    /// One line for the instructor: who runs the tests, under which limits.
    pub fn describe(&self) -> String {
        let who = match self.user {
            Some(user) => t!("sandbox-as-uid", user = user.name, uid = user.uid),
            None => t!("sandbox-as-current"),
        };
        let mib = |b: u64| b / (1024 * 1024);
        let processes = if self.nproc.load(Ordering::SeqCst) == 0 {
            t!("sandbox-processes-unlimited")
        } else {
            t!("sandbox-processes", count = self.limits.processes)
        };
        t!(
            "sandbox-describe",
            who = who,
            cpu = self.limits.cpu_seconds,
            memory = mib(self.limits.memory_bytes),
            files = mib(self.limits.file_size_bytes),
            processes = processes
        )
    }

    /// Gets ready for the next submission: kills what the last one left,
    /// empties the private temporary directory and counts the user's
    /// processes for the process limit.
    ///
    /// # Errors
    ///
    /// When the temporary directory cannot be made.
    pub fn begin(&self) -> io::Result<()> {
        self.sweep();
        if self.tmp.exists() {
            std::fs::remove_dir_all(&self.tmp)?;
        }
        std::fs::create_dir_all(&self.tmp)?;
        if let Some(user) = self.user {
            std::os::unix::fs::chown(&self.tmp, Some(user.uid), Some(user.gid))?;
        }
        let uid = self.user.map_or_else(sys::uid, |u| u.uid);
        // Without /proc the count is unknown; a limit below it would stop
        // every spawn, so only a fresh user (nobody) gets a limit then.
        let nproc = match (count_tasks(uid), self.user) {
            (Some(n), _) => n + self.limits.processes,
            (None, Some(_)) => self.limits.processes,
            (None, None) => 0,
        };
        self.nproc.store(nproc, Ordering::SeqCst);
        Ok(())
    }

    /// Makes `command` run under the limits, as the sandbox's user, with the
    /// sandbox's environment.
    pub fn apply(&self, command: &mut Command) {
        command.env_clear();
        let keep = |name: &OsString| {
            let name = name.to_string_lossy();
            name == "PATH" || name == "LANG" || name.starts_with("TESTKIT_") || {
                name.starts_with("CHECKER_") && name != TAG_VAR
            }
        };
        for (name, value) in std::env::vars_os().filter(|(name, _)| keep(name)) {
            command.env(name, value);
        }
        if std::env::var_os("PATH").is_none() {
            command.env("PATH", "/usr/local/bin:/usr/bin:/bin");
        }
        command
            .env("HOME", &self.tmp)
            .env("TMPDIR", &self.tmp)
            .env(TAG_VAR, &self.tag);
        if let Some(user) = self.user {
            std::os::unix::process::CommandExt::uid(command, user.uid);
            std::os::unix::process::CommandExt::gid(command, user.gid);
        }
        self.limit(command);
    }

    /// Puts `command` (and every process it starts) under the limits only.
    pub fn limit(&self, command: &mut Command) {
        sys::limit_child(command, self.limits, self.nproc.load(Ordering::SeqCst));
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Kills every process a test left running outside its process group:
    /// those carrying this run's tag, and, when tests run as `nobody`, that
    /// user's processes started since the checker began. Returns how many.
    /// Only on systems with `/proc`; elsewhere the process groups are all.
    pub fn sweep(&self) -> usize {
        let mut killed = 0;
        let own_start = start_time(Path::new("/proc/self"));
        let needle = format!("{TAG_VAR}={}", self.tag);
        // A process may fork while we look: look again until none is found.
        for _ in 0..20 {
            let mut found = 0;
            let Ok(entries) = std::fs::read_dir("/proc") else {
                return killed;
            };
            for entry in entries.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<i32>().ok())
                else {
                    continue;
                };
                if pid == std::process::id() as i32 {
                    continue;
                }
                let dir = entry.path();
                // A zombie is dead already; it waits for a parent to reap it.
                if is_zombie(&dir) {
                    continue;
                }
                let tagged = std::fs::read(dir.join("environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == needle.as_bytes()));
                let stray = !self.jailed
                    && self.user.is_some_and(|user| {
                        real_uid(&dir) == Some(user.uid) && start_time(&dir) >= own_start
                    });
                if tagged || stray {
                    sys::kill(pid);
                    found += 1;
                }
            }
            if found == 0 {
                break;
            }
            killed += found;
            std::thread::sleep(Duration::from_millis(20));
        }
        killed
    }
}

/// `nobody` from `/etc/passwd`, else the customary 65534.
fn nobody() -> User {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let ids = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            ["nobody", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
            _ => None,
        }
    });
    let (uid, gid) = ids.unwrap_or((65534, 65534));
    User {
        name: "nobody",
        uid,
        gid,
    }
}

/// How many tasks (processes and threads: what `RLIMIT_NPROC` counts) the
/// user `uid` has, or `None` without `/proc`.
fn count_tasks(uid: u32) -> Option<u64> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut tasks = 0;
    let mut any = false;
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(char::is_numeric)
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        any = true;
        if status_field(&status, "Uid:") == Some(uid as u64) {
            tasks += status_field(&status, "Threads:").unwrap_or(1);
        }
    }
    any.then_some(tasks)
}

/// The first number after `key` in `/proc/PID/status`.
fn status_field(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

fn real_uid(proc_dir: &Path) -> Option<u32> {
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    status_field(&status, "Uid:").map(|u| u as u32)
}

/// True when the process has exited but is not reaped yet (or is gone).
fn is_zombie(proc_dir: &Path) -> bool {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_none_or(|state| state == "Z" || state == "X")
}

/// When the process started, in clock ticks since boot (0 if unknown).
fn start_time(proc_dir: &Path) -> u64 {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
    // The command name may hold spaces and parentheses: count from the last ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The system calls std does not offer, kept in one small unsafe corner.
#[allow(unsafe_code)]
mod sys {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use super::Limits;

    /// True when the checker runs as root.
    pub fn is_root() -> bool {
        // SAFETY: geteuid takes nothing and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    /// The checker's real user id.
    pub fn uid() -> u32 {
        // SAFETY: getuid takes nothing and cannot fail.
        unsafe { libc::getuid() }
    }

    /// Files made from now on are readable by everyone (not writable).
    pub fn umask_022() {
        // SAFETY: umask only swaps an integer in the process's state.
        unsafe {
            libc::umask(0o022);
        }
    }

    /// `kill(pid, SIGKILL)`, ignoring a process already gone.
    pub fn kill(pid: i32) {
        if pid > 1 {
            // SAFETY: plain integers, no memory touched.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    /// Sets the limits in the child between fork and exec (`nproc` 0: no
    /// process limit).
    pub fn limit_child(command: &mut Command, limits: Limits, nproc: u64) {
        #[cfg(target_os = "linux")]
        let memory = libc::RLIMIT_DATA;
        #[cfg(not(target_os = "linux"))]
        let memory = libc::RLIMIT_AS;
        let cpu = limits.cpu_seconds;
        let table = [
            (libc::RLIMIT_CPU, cpu, cpu.saturating_add(2)),
            (memory, limits.memory_bytes, limits.memory_bytes),
            (
                libc::RLIMIT_FSIZE,
                limits.file_size_bytes,
                limits.file_size_bytes,
            ),
            (libc::RLIMIT_CORE, 0, 0),
            (libc::RLIMIT_NPROC, nproc, nproc),
        ];
        let hook = move || {
            for (resource, soft, hard) in table {
                if resource == libc::RLIMIT_NPROC && soft == 0 {
                    continue;
                }
                let limit = libc::rlimit {
                    rlim_cur: soft as libc::rlim_t,
                    rlim_max: hard as libc::rlim_t,
                };
                // SAFETY: setrlimit is async-signal-safe and reads only
                // `limit`, which lives on this stack; nothing here allocates.
                if unsafe { libc::setrlimit(resource, &limit) } != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        };
        // SAFETY: the hook runs in the forked child before exec and only
        // calls setrlimit (see above); it shares no locks with the parent.
        unsafe {
            command.pre_exec(hook);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields() {
        let status = "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nThreads:\t7\n";
        assert_eq!(status_field(status, "Uid:"), Some(1000));
        assert_eq!(status_field(status, "Threads:"), Some(7));
        assert_eq!(status_field(status, "Gid:"), None);
    }

    #[test]
    fn a_limited_child_dies_of_its_cpu_limit() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::new(
            Limits {
                cpu_seconds: 1,
                memory_bytes: 512 << 20,
                file_size_bytes: 1 << 20,
                processes: 64,
            },
            dir.path().join("tmp"),
        );
        sandbox.begin().unwrap();
        let mut command = Command::new("sh");
        command.args(["-c", "while :; do :; done"]);
        sandbox.apply(&mut command);
        let finished = crate::steps::process::run(
            command,
            std::time::Instant::now() + Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(
            finished.ending,
            crate::steps::process::Ending::Signal(libc::SIGXCPU)
        );
    }
}
