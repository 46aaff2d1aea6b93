//! The toolbox every lesson's graded tests are built from.
//!
//! A lesson's tests must never hang, must explain a failure to a learner who
//! has never seen the test's code, and must exercise the learner's program the
//! way a real network does: split, merged, slow, lossy, rude. Each module here
//! holds one of those concerns:
//!
//! - [`step`]: ties a test to its step in `lesson.toml`, so a failure ends
//!   with the step's hint and the seed to replay it;
//! - [`confirm`]: tells the checker that a step really passed, on a channel
//!   the code under test cannot write to;
//! - [`deadline`]: runs a learner's call under a time limit;
//! - [`cpu`]: a thread's CPU time, to tell a sleeping wait from a spinning one;
//! - [`learner`]: a learner's call or server on its own thread: its panic
//!   caught with file and line, a deadline, a stop, and why it ended in
//!   every failure;
//! - [`client`]: the line client a test plays, with the transcript of its
//!   exchange in every failure;
//! - [`limits`]: the process's limit on open files, raised for steps that
//!   hold many connections;
//! - [`net`]: loopback listeners and sockets on port 0, connecting with retry;
//! - [`chunking`]: seeded ways to split a byte stream, and readers and writers
//!   that deliver it that way;
//! - [`peer`]: rude peers: half-close, reset, slow writers;
//! - [`relay`]: a TCP relay that re-chunks both directions and a UDP relay
//!   that drops, duplicates and reorders datagrams;
//! - [`bytes`]: assertions that show what was sent, expected and received;
//! - [`child`]: the step run again in a child process, to see what the
//!   learner's code prints to stderr;
//! - [`explain`]: I/O errors in words a learner can act on;
//! - [`lang`]: English or Simplified Chinese, and the catalogues of phrases;
//! - [`http`]: a small HTTP/1.1 server with canned or computed responses.

pub mod bytes;
pub mod child;
pub mod chunking;
pub mod client;
pub mod confirm;
pub mod cpu;
pub mod deadline;
pub mod explain;
pub mod http;
pub mod lang;
pub mod learner;
pub mod limits;
pub mod net;
pub mod peer;
pub mod relay;
pub mod step;

pub use bytes::{assert_bytes_eq, escape, hex, show};
pub use chunking::Chunking;
pub use client::{DatagramClient, LineClient};
pub use deadline::within;
pub use explain::is_timeout;
pub use learner::{Learner, Server, Watch};
pub use step::Step;

/// The deadline most learner calls get: generous for a loaded machine, short
/// enough that a stuck program fails its step quickly.
pub const DEFAULT_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);
