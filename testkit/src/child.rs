//! What a learner's code writes to stderr or stdout, seen by a step.
//!
//! The test harness captures `print!` and `eprint!` inside a test, out of
//! the test's own reach. So a step that checks what the learner's code
//! prints runs itself again in a child process (the same test binary, the
//! same test, `--nocapture`), where the learner's call writes to the real
//! descriptors, and reads the child's output:
//!
//! ```ignore
//! if child::is_child("print_error") {
//!     print_error(addr, &error); // the child: just the call
//!     return;
//! }
//! let out = child::output_of("print_error", LIMIT); // the parent
//! ```

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The variable that tells the child which call to make.
pub const CHILD_ENV: &str = "TESTKIT_CHILD";

/// Whether this process is the child [`output_of`] started for `call`.
pub fn is_child(call: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == call)
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
/// to `call`, and returns its stderr. The test is named by the current
/// thread, as the harness names each test's thread. A child still running
/// after `limit` is killed, and the step fails saying so.
#[track_caller]
pub fn output_of(call: &str, limit: Duration) -> ChildOutput {
    let exe = std::env::current_exe().expect("the test binary's own path (test setup)");
    let test = thread::current()
        .name()
        .expect("the harness names each test's thread (test setup)")
        .to_owned();
    let mut child = Command::new(exe)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, call)
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
        if is_child("greeting") {
            eprintln!("hello from the child");
            return;
        }
        let out = output_of("greeting", Duration::from_secs(30));
        assert!(out.passed, "{out:?}");
        assert!(out.stderr.contains("hello from the child"), "{out:?}");
    }

    #[test]
    fn a_panicking_child_is_seen() {
        if is_child("panic") {
            panic!("the child's own panic");
        }
        let out = output_of("panic", Duration::from_secs(30));
        assert!(!out.passed, "{out:?}");
        assert!(out.stderr.contains("the child's own panic"), "{out:?}");
    }
}
