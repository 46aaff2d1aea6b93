//! Running steps: one cargo build for every selected test binary, each
//! step in its own process group under the lesson's time limit, its output
//! and testkit's confirmations read back, and the outcome graded.

pub mod build;
pub mod grade;
pub mod libtest;
pub mod outcome;
pub mod process;
pub mod run;
