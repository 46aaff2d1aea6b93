//! What one thread did while it should have been idle, read from another
//! thread: its CPU time and how often it went to sleep of its own accord.
//!
//! It tells a server that sleeps while it waits from one that spins, by
//! the server's own work rather than by the machine's load. CPU time alone
//! will not do: a loaded machine gives a spinning thread little of it. But
//! a thread that waits properly goes to sleep (a voluntary context switch)
//! after every little piece of work, whereas a spinning one never sleeps:
//! much CPU time per sleep is spinning, however loaded the machine.

use std::time::Duration;

/// One thread, watched (Linux: its CPU clock and, where there is one, its
/// `/proc` entry).
#[derive(Debug, Clone, Copy)]
pub struct ThreadClock {
    #[cfg(target_os = "linux")]
    id: libc::clockid_t,
    #[cfg(target_os = "linux")]
    tid: i64,
}

/// What a thread has done so far (or, from [`Usage::since`], in between).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// CPU time used.
    pub cpu: Duration,
    /// How many times it went to sleep of its own accord (blocked in a
    /// call, slept): Linux's `voluntary_ctxt_switches`, read from `/proc`.
    /// `None` where there is no `/proc`, as in the grader's sandbox.
    pub sleeps: Option<u64>,
}

/// CPU time below which a thread is idle enough, whatever it does.
const NEGLIGIBLE: Duration = Duration::from_millis(10);
/// The most CPU time a thread that waits properly spends between two
/// sleeps: a pass over a few sockets costs microseconds.
const WORK_PER_SLEEP: Duration = Duration::from_millis(1);

/// Without a count of sleeps: the CPU time over which a thread watched for
/// about a second spins.
pub const UNCOUNTED_LIMIT: Duration = Duration::from_millis(50);

impl Usage {
    /// What was done between `before` and `self`.
    pub fn since(&self, before: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(before.cpu),
            sleeps: self
                .sleeps
                .zip(before.sleeps)
                .map(|(a, b)| a.saturating_sub(b)),
        }
    }

    /// True when this much work looks like a thread spinning: more than a
    /// negligible amount of CPU time, and more than a millisecond of it for
    /// each time the thread went to sleep. Where the sleeps cannot be
    /// counted, more than [`UNCOUNTED_LIMIT`] of CPU time: what a second of
    /// spinning gets even on a machine loaded four times over, and fifty
    /// times what a server that polls every 10 ms spends.
    pub fn spins(&self) -> bool {
        match self.sleeps {
            Some(sleeps) => {
                let per_sleep =
                    WORK_PER_SLEEP.saturating_mul(u32::try_from(sleeps + 1).unwrap_or(u32::MAX));
                self.cpu > NEGLIGIBLE && self.cpu > per_sleep
            }
            None => self.cpu > UNCOUNTED_LIMIT,
        }
    }

    /// In words, for a step's message: `12ms of CPU time and 40 sleeps`.
    pub fn describe(&self) -> String {
        match self.sleeps {
            Some(sleeps) => format!("{:?} of CPU time and {sleeps} sleeps", self.cpu),
            None => format!(
                "{:?} of CPU time (its sleeps cannot be counted here: no /proc)",
                self.cpu
            ),
        }
    }
}

impl ThreadClock {
    /// The calling thread: call it on the thread to be watched. `None`
    /// where the platform cannot watch another thread.
    pub fn current() -> Option<ThreadClock> {
        #[cfg(target_os = "linux")]
        {
            let mut id: libc::clockid_t = 0;
            // SAFETY: pthread_self is always valid; `id` is a valid out-pointer.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
            // SAFETY: gettid takes no argument and cannot fail.
            #[allow(unsafe_code)]
            let tid = i64::from(unsafe { libc::syscall(libc::SYS_gettid) } as i32);
            (rc == 0).then_some(ThreadClock { id, tid })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// What the thread has done so far. Read it only while the thread
    /// runs: `None` once it has ended.
    pub fn usage(&self) -> Option<Usage> {
        #[cfg(target_os = "linux")]
        {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid out-pointer; a stale clock id fails with EINVAL.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::clock_gettime(self.id, &mut ts) };
            if rc != 0 {
                return None;
            }
            let cpu = Duration::new(
                u64::try_from(ts.tv_sec).ok()?,
                u32::try_from(ts.tv_nsec).ok()?,
            );
            if !std::path::Path::new("/proc/self").exists() {
                // The grader's sandbox: no /proc (see `confirm`), so CPU
                // time alone.
                return Some(Usage { cpu, sleeps: None });
            }
            // With /proc, a thread that has ended has no entry left.
            let status =
                std::fs::read_to_string(format!("/proc/self/task/{}/status", self.tid)).ok()?;
            let sleeps = status
                .lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|n| n.trim().parse().ok())?;
            Some(Usage {
                cpu,
                sleeps: Some(sleeps),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(cpu_ms: u64, sleeps: Option<u64>) -> Usage {
        Usage {
            cpu: Duration::from_millis(cpu_ms),
            sleeps,
        }
    }

    #[test]
    fn much_work_per_sleep_spins() {
        assert!(usage(200, Some(3)).spins());
        assert!(!usage(200, Some(1000)).spins());
        assert!(!usage(5, Some(0)).spins());
    }

    #[test]
    fn without_a_count_of_sleeps_cpu_time_decides() {
        assert!(usage(200, None).spins());
        assert!(!usage(20, None).spins());
        assert!(usage(200, None).describe().contains("cannot be counted"));
    }

    #[test]
    fn since_keeps_an_unknown_count_unknown() {
        let before = usage(10, None);
        assert_eq!(usage(30, Some(5)).since(before).sleeps, None);
        assert_eq!(usage(30, Some(5)).since(usage(10, Some(2))).sleeps, Some(3));
    }

    #[test]
    fn this_thread_is_watched() {
        let Some(clock) = ThreadClock::current() else {
            return;
        };
        let used = clock.usage().expect("this thread runs");
        assert_eq!(
            used.sleeps.is_some(),
            std::path::Path::new("/proc/self").exists()
        );
    }
}
