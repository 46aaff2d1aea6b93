//! CPU time of one thread, read from another: tells a server that sleeps
//! while it waits from one that spins, by the work the server itself did
//! rather than by the machine's load (a loaded machine gives a spinning
//! thread less time, never a sleeping one more).

use std::time::Duration;

/// The CPU clock of one thread (Linux's `pthread_getcpuclockid`).
#[derive(Debug, Clone, Copy)]
pub struct ThreadClock {
    #[cfg(target_os = "linux")]
    id: libc::clockid_t,
}

impl ThreadClock {
    /// The calling thread's clock: call it on the thread to be watched.
    /// `None` where the platform cannot read another thread's CPU time.
    pub fn current() -> Option<ThreadClock> {
        #[cfg(target_os = "linux")]
        {
            let mut id: libc::clockid_t = 0;
            // SAFETY: pthread_self is always valid; `id` is a valid out-pointer.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
            (rc == 0).then_some(ThreadClock { id })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// The CPU time the thread has used so far. Read it only while the
    /// thread runs: `None` once it has ended.
    pub fn used(&self) -> Option<Duration> {
        #[cfg(target_os = "linux")]
        {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid out-pointer; a stale clock id fails with EINVAL.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::clock_gettime(self.id, &mut ts) };
            let secs = u64::try_from(ts.tv_sec).ok()?;
            let nanos = u32::try_from(ts.tv_nsec).ok()?;
            (rc == 0).then(|| Duration::new(secs, nanos))
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}
