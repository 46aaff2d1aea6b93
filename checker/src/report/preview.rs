//! "grade would flag this": the constructs `grade` flags (see
//! `class::flags`), looked for in a learner's own `src/` so that they hear
//! of it before an instructor does.
//!
//! This is a preview by text, cheap enough to run on every `cargo checker`;
//! `grade` itself asks the compiler (clippy's `disallowed-*` lints, rustc's
//! list of files read), which no renaming gets past.

use std::path::Path;

use crate::t;

/// What a lesson never needs, as it is usually written, with what to say.
const PATTERNS: &[(&str, &str)] = &[
    ("process::exit", "`std::process::exit`"),
    ("process::abort", "`std::process::abort`"),
    ("set_hook", "`std::panic::set_hook`"),
    ("take_hook", "`std::panic::take_hook`"),
    ("Command::new", "`std::process::Command`"),
    ("current_exe", "`std::env::current_exe`"),
    ("env::args", "`std::env::args`"),
    ("include!", "`include!`"),
    ("include_str!", "`include_str!`"),
    ("include_bytes!", "`include_bytes!`"),
    ("#[path", "flag-path-attribute"),
    ("unsafe", "flag-unsafe"),
];

/// Each use of a flagged construct in the `.rs` files under `src`, as
/// `src/lib.rs:12: std::process::exit`.
pub fn would_flag(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    scan(src, Path::new("src"), &mut found);
    found
}

fn scan(dir: &Path, shown: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = shown.join(entry.file_name());
        if path.is_dir() {
            scan(&path, &name, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (pattern, what) in PATTERNS {
                if code.contains(pattern) {
                    // Two are words, looked up in the checker's language.
                    let what = match *what {
                        "flag-path-attribute" => t!("flag-path-attribute"),
                        "flag-unsafe" => t!("flag-unsafe"),
                        code => code.to_owned(),
                    };
                    found.push(format!("{}:{}: {what}", name.display(), i + 1));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_constructs_outside_comments() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lib.rs"),
            "// std::process::exit is not for lessons\nfn f() { std::process::exit(0) }\n#[path = \"x.rs\"] mod x;\n",
        )
        .unwrap();
        assert_eq!(
            would_flag(dir.path()),
            [
                "src/lib.rs:2: `std::process::exit`",
                "src/lib.rs:3: the `#[path]` attribute"
            ]
        );
    }
}
