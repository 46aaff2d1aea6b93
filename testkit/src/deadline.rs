//! Runs a learner's call under a deadline.
//!
//! A program that waits for bytes that never come must fail its step within
//! seconds and say why, not hang the whole suite. [`within`] runs the call on
//! its own thread and gives up waiting when the time is over; the stuck
//! thread is abandoned (it ends with the test process).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::lang::t;
use crate::learner::panic_report;
use crate::step::catch_quietly;

/// Runs `f` on a fresh thread and returns its result, or panics with a
/// message that names `what` if it takes longer than `limit`.
///
/// A panic inside `f` is re-raised here with its message, so it reaches the
/// test's thread and the step's hint.
#[track_caller]
pub fn within<T, F>(limit: Duration, what: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let lang = crate::lang::current();
    let spawned = thread::Builder::new()
        .name(format!("deadline: {what}"))
        .spawn(move || {
            let _lang = crate::lang::scoped(lang);
            let _ = tx.send(catch_quietly(f));
        });
    if let Err(e) = spawned {
        panic!("{}", t!("no-thread", what = what, error = e.to_string()));
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err((payload, place))) => {
            panic!(
                "{what} {}",
                panic_report(payload.as_ref(), place.as_deref())
            )
        }
        Err(_) => panic!(
            "{}",
            t!(
                "no-result",
                what = what,
                limit = crate::explain::seconds(limit)
            )
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};

    #[test]
    fn returns_the_value_in_time() {
        assert_eq!(within(Duration::from_secs(1), "adding", || 2 + 2), 4);
    }

    #[test]
    #[should_panic(expected = "sleeping gave no result within 0.1 s")]
    fn a_stuck_call_fails_with_a_message() {
        let _en = scoped(Lang::En);
        within(Duration::from_millis(100), "sleeping", || {
            thread::sleep(Duration::from_secs(5))
        });
    }

    #[test]
    #[should_panic(expected = "parsing panicked at testkit/src/deadline.rs")]
    fn a_panic_is_carried_to_the_caller() {
        let _en = scoped(Lang::En);
        within(Duration::from_secs(1), "parsing", || -> () {
            panic!("boom")
        });
    }

    #[test]
    #[should_panic(expected = "sleeping 在 0.1 s 内没有给出结果")]
    fn a_stuck_call_fails_in_chinese_too() {
        let _zh = scoped(Lang::ZhCn);
        within(Duration::from_millis(100), "sleeping", || {
            thread::sleep(Duration::from_secs(5))
        });
    }

    #[test]
    #[should_panic(expected = "reached a `todo!()`")]
    fn todo_is_named() {
        let _en = scoped(Lang::En);
        within(Duration::from_secs(1), "parsing", || -> u8 { todo!() });
    }
}
