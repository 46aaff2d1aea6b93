//! The course as files: the workspace, each lesson's `lesson.toml`, and the
//! manifests the checker rewrites.

pub mod lesson;
pub mod manifest;
pub mod workspace;
