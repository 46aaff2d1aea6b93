//! Graded hints: how many levels of a step's hints the learner has seen.
//!
//! A failure shows a step's first hint, a nudge. Each `cargo checker hint`
//! on the same failing step shows one level more, up to the recipe; the
//! count is kept in `target/checker/hints.json`, so it survives between
//! runs and goes with `cargo clean`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn state_file(root: &Path) -> PathBuf {
    root.join("target").join("checker").join("hints.json")
}

/// The level to show now for `step` of `lesson` (1-based, at most `max`),
/// one more than last time; remembered for the next call.
pub fn next_level(root: &Path, lesson: &str, step: &str, max: usize) -> usize {
    let file = state_file(root);
    let mut seen: BTreeMap<String, usize> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let key = format!("{lesson}/{step}");
    let level = (seen.get(&key).copied().unwrap_or(0) + 1).clamp(1, max.max(1));
    seen.insert(key, level);
    // A learner's run must not fail because the state cannot be kept.
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_string_pretty(&seen) {
        let _ = std::fs::write(&file, text);
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_shows_one_level_more_up_to_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let levels: Vec<usize> = (0..4)
            .map(|_| next_level(dir.path(), "lesson01", "step02_x", 3))
            .collect();
        assert_eq!(levels, [1, 2, 3, 3]);
        assert_eq!(next_level(dir.path(), "lesson01", "step03_y", 3), 1);
    }
}
