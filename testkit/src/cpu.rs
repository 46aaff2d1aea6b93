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

/// One thread, watched (Linux: its CPU clock and its `/proc` entry).
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
    /// call, slept): Linux's `voluntary_ctxt_switches`.
    pub sleeps: u64,
}

/// CPU time below which a thread is idle enough, whatever it does.
const NEGLIGIBLE: Duration = Duration::from_millis(10);
/// The most CPU time a thread that waits properly spends between two
/// sleeps: a pass over a few sockets costs microseconds.
const WORK_PER_SLEEP: Duration = Duration::from_millis(1);

impl Usage {
    /// What was done between `before` and `self`.
    pub fn since(&self, before: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(before.cpu),
            sleeps: self.sleeps.saturating_sub(before.sleeps),
        }
    }

    /// True when this much work looks like a thread spinning: more than a
    /// negligible amount of CPU time, and more than a millisecond of it for
    /// each time the thread went to sleep.
    pub fn spins(&self) -> bool {
        let per_sleep =
            WORK_PER_SLEEP.saturating_mul(u32::try_from(self.sleeps + 1).unwrap_or(u32::MAX));
        self.cpu > NEGLIGIBLE && self.cpu > per_sleep
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
            let status =
                std::fs::read_to_string(format!("/proc/self/task/{}/status", self.tid)).ok()?;
            let sleeps = status
                .lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|n| n.trim().parse().ok())?;
            Some(Usage { cpu, sleeps })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}
