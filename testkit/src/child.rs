//! What a learner's code writes to stderr or stdout, seen by a step.
//!
//! The test harness captures `print!` and `eprint!` inside a test, out of
//! the test's own reach. So a step that checks what the learner's code
//! prints runs itself again in a child process (the same test binary, the
//! same test, `--nocapture`), where the learner's call writes to the real
//! descriptors, and reads the child's output:
//!
//! ```text
//! if let Some(port) = child::called("print_error") {
//!     print_error(addr(&port), &error); // the child: just the call
//!     return;
//! }
//! let port = rand::random::<u16>().to_string(); // fresh each run
//! let out = child::output_of("print_error", &port, LIMIT); // the parent
//! ```
//!
//! The parent passes the call's arguments down (fresh values, so no
//! program can print a remembered answer). The child gets no confirmation
//! channel (see [`crate::confirm`]): only the parent's steps confirm.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The variable that tells the child which call to make, and with what:
/// `CALL:ARGUMENTS`.
pub const CHILD_ENV: &str = "TESTKIT_CHILD";

/// In the child [`output_of`] started for `call`: the arguments the parent
/// passed. `None` in any other process.
pub fn called(call: &str) -> Option<String> {
    let value = std::env::var(CHILD_ENV).ok()?;
    let (name, arguments) = value.split_once(':')?;
    (name == call).then(|| arguments.to_owned())
}

/// What the child printed, and how it ended.
#[derive(Debug)]
pub struct ChildOutput {
    /// Everything it wrote to stderr (the harness's own lines go to stdout).
    pub stderr: String,
    /// Whether its test passed: `false` when the learner's call panicked.
    pub passed: bool,
}

/// Runs the current test again in a child process, with [`CHILD_ENV`] set
/// to `call` and `arguments`, and returns its stderr. The test is named by the current
/// thread, as the harness names each test's thread. A child still running
/// after `limit` is killed, and the step fails saying so.
#[track_caller]
pub fn output_of(call: &str, arguments: &str, limit: Duration) -> ChildOutput {
    // The path the harness was started with; /proc's link as a fallback.
    let exe = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| std::env::current_exe().ok())
        .expect("the test binary's own path (test setup)");
    let test = thread::current()
        .name()
        .expect("the harness names each test's thread (test setup)")
        .to_owned();
    let mut child = Command::new(exe)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{call}:{arguments}"))
        .env_remove(crate::confirm::FD_VAR)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the test binary again as a child (test setup)");
    let mut pipe = child
        .stderr
        .take()
        .expect("the child's stderr (test setup)");
    let reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < limit => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{call} was still running after {} s in a child process: it must print and \
                     return",
                    limit.as_secs_f64()
                );
            }
        }
    };
    let stderr = reader.join().unwrap_or_default();
    ChildOutput {
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        passed: status.success(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_child_writes_to_a_real_stderr() {
        if let Some(name) = called("greeting") {
            eprintln!("hello from the child, {name}");
            return;
        }
        let out = output_of("greeting", "Ada", Duration::from_secs(30));
        assert!(out.passed, "{out:?}");
        assert!(out.stderr.contains("hello from the child, Ada"), "{out:?}");
        assert_eq!(called("greeting"), None, "the parent is no child");
    }

    #[test]
    fn a_panicking_child_is_seen() {
        if called("panic").is_some() {
            panic!("the child's own panic");
        }
        let out = output_of("panic", "", Duration::from_secs(30));
        assert!(!out.passed, "{out:?}");
        assert!(out.stderr.contains("the child's own panic"), "{out:?}");
    }
}
