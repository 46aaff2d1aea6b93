//! The maintainers' and instructors' commands that change or check the
//! course itself: `verify` (with the mistakes beside each solution), `new-lesson` and
//! `export-student`.

pub mod export;
pub mod mistakes;
pub mod new_lesson;
pub mod verify;
