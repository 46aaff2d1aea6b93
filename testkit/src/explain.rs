//! I/O errors in words a learner can act on.
//!
//! The operating system says "Resource temporarily unavailable (os error
//! 11)" when a read with a timeout saw nothing; a learner needs to read
//! "timed out: no data within 3 s". [`io_error`] words every error the
//! harness meets that way, and [`is_timeout`] recognises a timeout on every
//! platform (Unix says `WouldBlock`, Windows `TimedOut`).

use std::io::{self, ErrorKind};
use std::time::Duration;

use crate::lang::t;

/// True when `e` is what a read or write with a timeout returns when the
/// time ran out: `WouldBlock` on Unix, `TimedOut` on Windows.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Seconds as a learner reads them: `3 s`, `0.3 s`, `2.5 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// What `e` means, in words: `limit` is how long the call was allowed to
/// wait (it is named when the call timed out).
pub fn io_error(e: &io::Error, limit: Duration) -> String {
    if is_timeout(e) {
        return t!("io-timeout", limit = seconds(limit));
    }
    // An error made by a program (not the OS) already says what it means.
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        return e.to_string();
    }
    let id = match e.kind() {
        ErrorKind::ConnectionReset => "io-reset",
        ErrorKind::ConnectionAborted => "io-aborted",
        ErrorKind::ConnectionRefused => "io-refused",
        ErrorKind::BrokenPipe => "io-broken-pipe",
        ErrorKind::NotConnected => "io-not-connected",
        ErrorKind::UnexpectedEof => "io-eof",
        ErrorKind::AddrInUse => "io-addr-in-use",
        ErrorKind::AddrNotAvailable => "io-addr-not-available",
        ErrorKind::Interrupted => "io-interrupted",
        ErrorKind::InvalidInput => "io-invalid-input",
        ErrorKind::InvalidData => "io-invalid-data",
        ErrorKind::PermissionDenied => "io-permission-denied",
        ErrorKind::OutOfMemory => "io-out-of-memory",
        _ => return format!("{e} ({:?})", e.kind()),
    };
    crate::lang::TESTKIT.text(crate::lang::current(), id, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};

    #[test]
    fn a_timeout_says_how_long() {
        let _en = scoped(Lang::En);
        let e = io::Error::from_raw_os_error(11);
        if is_timeout(&e) {
            assert_eq!(
                io_error(&e, Duration::from_secs(2)),
                "timed out: no data within 2 s"
            );
        }
        let e = io::Error::from(ErrorKind::TimedOut);
        assert_eq!(
            io_error(&e, Duration::from_millis(300)),
            "timed out: no data within 0.3 s"
        );
    }

    #[test]
    fn os_errors_are_worded() {
        let _en = scoped(Lang::En);
        let e = io::Error::from(ErrorKind::NotConnected);
        assert!(io_error(&e, Duration::ZERO).starts_with("not connected"));
        assert!(!io_error(&e, Duration::ZERO).contains("os error"));
    }

    #[test]
    fn a_program_s_own_message_is_kept() {
        let e = io::Error::other("the line is too long");
        assert_eq!(io_error(&e, Duration::ZERO), "the line is too long");
    }

    #[test]
    fn errors_are_worded_in_chinese_too() {
        let _zh = scoped(Lang::ZhCn);
        let e = io::Error::from(ErrorKind::TimedOut);
        assert_eq!(
            io_error(&e, Duration::from_secs(3)),
            "超时：3 s 内没有收到数据"
        );
        let e = io::Error::from(ErrorKind::ConnectionReset);
        assert!(io_error(&e, Duration::ZERO).starts_with("连接被重置"));
    }
}
