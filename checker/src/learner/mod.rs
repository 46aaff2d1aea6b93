//! The learner's loop: re-running a lesson on every save, and putting a
//! stub back.

pub mod reset;
pub mod watch;
