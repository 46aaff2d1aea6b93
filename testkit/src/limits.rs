//! The process's limit on open files, and raising it.
//!
//! A step that holds hundreds of connections open needs two descriptors a
//! client on the test's side (the socket and the line client's reading
//! clone) and one on the server's. Many systems start a process with a soft
//! limit of 1024 open files and a much higher hard limit: a process may
//! raise its own soft limit up to the hard one, and [`raise_open_files`]
//! does that, so such a step runs where the defaults are small.

/// The soft and hard limits on open files (`RLIMIT_NOFILE`), or `None` when
/// the system will not say.
pub fn open_files() -> Option<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into the struct it is given.
    #[allow(unsafe_code)]
    let done = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    // rlim_t is u64 on Linux and macOS, but not on every system.
    #[allow(clippy::useless_conversion)]
    (done == 0).then(|| (u64::from(limit.rlim_cur), u64::from(limit.rlim_max)))
}

/// Raises the soft limit on open files to at least `want`, if the hard
/// limit allows (else as far as it allows); never lowers it. Returns the
/// soft limit now in force (0 when the system will not say).
pub fn raise_open_files(want: u64) -> u64 {
    let Some((soft, hard)) = open_files() else {
        return 0;
    };
    if soft >= want {
        return soft;
    }
    let target = want.min(hard);
    let limit = libc::rlimit {
        rlim_cur: target as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads only the struct it is given.
    #[allow(unsafe_code)]
    let done = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    if done == 0 { target } else { soft }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_never_lowers_and_stays_under_the_hard_limit() {
        let (soft, hard) = open_files().expect("the limits");
        assert!(soft <= hard);
        assert_eq!(raise_open_files(1), soft);
        let now = raise_open_files(soft.saturating_add(16).min(hard));
        assert!(now >= soft && now <= hard, "{now} {soft} {hard}");
    }
}
