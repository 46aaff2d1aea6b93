//! I/O errors in words a learner can act on.
//!
//! The operating system says "Resource temporarily unavailable (os error
//! 11)" when a read with a timeout saw nothing; a learner needs to read
//! "timed out: no data within 3 s". [`io_error`] words every error the
//! harness meets that way, and [`is_timeout`] recognises a timeout on every
//! platform (Unix says `WouldBlock`, Windows `TimedOut`).

use std::io::{self, ErrorKind};
use std::time::Duration;

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
        return format!("timed out: no data within {}", seconds(limit));
    }
    // An error made by a program (not the OS) already says what it means.
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        return e.to_string();
    }
    let words = match e.kind() {
        ErrorKind::ConnectionReset => {
            "the connection was reset: the other side closed it abruptly, without a clean goodbye"
        }
        ErrorKind::ConnectionAborted => "the connection was aborted on this side",
        ErrorKind::ConnectionRefused => {
            "connection refused: nothing listens on that port (has the server stopped?)"
        }
        ErrorKind::BrokenPipe => {
            "broken pipe: the other side has closed the connection, so nothing more can be sent"
        }
        ErrorKind::NotConnected => {
            "not connected: the socket's connection is gone (closed, or shut down already)"
        }
        ErrorKind::UnexpectedEof => "the connection ended (EOF) in the middle of a message",
        ErrorKind::AddrInUse => "address in use: another socket already holds that port",
        ErrorKind::AddrNotAvailable => "that address does not belong to this machine",
        ErrorKind::Interrupted => "interrupted by a signal (try the call again)",
        ErrorKind::InvalidInput => "invalid input to the call",
        ErrorKind::InvalidData => "the data was not valid",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::OutOfMemory => "out of memory",
        _ => return format!("{e} ({:?})", e.kind()),
    };
    words.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_says_how_long() {
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
        let e = io::Error::from(ErrorKind::NotConnected);
        assert!(io_error(&e, Duration::ZERO).starts_with("not connected"));
        assert!(!io_error(&e, Duration::ZERO).contains("os error"));
    }

    #[test]
    fn a_program_s_own_message_is_kept() {
        let e = io::Error::other("the line is too long");
        assert_eq!(io_error(&e, Duration::ZERO), "the line is too long");
    }
}
