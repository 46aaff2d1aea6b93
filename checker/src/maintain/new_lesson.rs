//! `checker new-lesson NN slug "Title"`: a new lesson's files, sound from
//! the start.
//!
//! It writes the exercise (stub, `lesson.toml`, a test file built on
//! testkit), the solution (its manifest pointing at the exercise's tests),
//! one mistake, the chapter with its step table, the book's `SUMMARY.md`
//! entry and the README's row. The one step it starts with fails against
//! the stub and passes against the solution, and its mistake is caught, so
//! `cargo checker verify` passes before the maintainer writes a line; then
//! the recipe in `CONTRIBUTING.md` takes over.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::course::workspace::Workspace;
use crate::t;

/// What was written, relative to the workspace root.
#[derive(Debug)]
pub struct Created {
    /// Files made.
    pub files: Vec<PathBuf>,
    /// Files a line was added to.
    pub edited: Vec<PathBuf>,
}

/// Writes lesson `number` (`slug`, `title`) into `workspace`.
///
/// # Errors
///
/// When the number or slug is malformed, the lesson exists already, or a
/// file cannot be written. Nothing is written unless all checks pass.
pub fn create(workspace: &Workspace, number: u32, slug: &str, title: &str) -> Result<Created> {
    if !(1..=99).contains(&number) {
        bail!("{}", t!("new-lesson-number", number = number));
    }
    let valid_slug = !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !valid_slug {
        bail!("{}", t!("new-lesson-slug", slug = slug));
    }
    if title.trim().is_empty() || title.contains('"') || title.contains('\n') {
        bail!("{}", t!("new-lesson-title"));
    }
    let nn = format!("{number:02}");
    if let Some(existing) = workspace.lessons.iter().find(|l| l.number == number) {
        bail!(
            "{}",
            t!(
                "new-lesson-exists",
                number = nn.as_str(),
                dir = existing.dir_name.as_str()
            )
        );
    }
    let id = format!("lesson{nn}");
    let dir = format!("{id}-{slug}");
    let exercise = PathBuf::from("exercises").join(&dir);
    let solution = PathBuf::from("solutions").join(&dir);
    let chapter = PathBuf::from("docs/src").join(format!("{nn}-{slug}.md"));
    for path in [&exercise, &solution, &chapter] {
        if workspace.path(path).exists() {
            bail!(
                "{}",
                t!("new-lesson-path-exists", path = path.display().to_string())
            );
        }
    }
    let files: Vec<(PathBuf, String)> = vec![
        (exercise.join("Cargo.toml"), exercise_manifest(&id, title)),
        (exercise.join("lesson.toml"), lesson_toml(title, &chapter)),
        (exercise.join("src/lib.rs"), stub(&nn, title, &chapter)),
        (exercise.join(format!("tests/{id}.rs")), tests(&nn, &id)),
        (
            solution.join("Cargo.toml"),
            solution_manifest(&id, &dir, title),
        ),
        (solution.join("src/lib.rs"), solution_lib(&nn, title)),
        (solution.join("mistakes/answers_zero.patch"), mistake()),
        (chapter.clone(), chapter_text(number, &nn, title, &dir, &id)),
    ];
    let summary = PathBuf::from("docs/src/SUMMARY.md");
    // The book numbers lessons in their titles ("Lesson 14: ..."), not by mdBook.
    let summary_line = format!("- [Lesson {number}: {title}]({nn}-{slug}.md)");
    let readme = PathBuf::from("README.md");
    let readme_line = format!(
        "| {nn} | [{title}]({}) | the tutorial program it re-does |",
        chapter.display()
    );
    let summary_text = add_after_last(
        &read(workspace, &summary)?,
        |l| l.starts_with("- [Lesson "),
        &summary_line,
    )
    .context("SUMMARY.md has no lesson entry (`- [Lesson 1: ...](01-...md)`) to add after")?;
    let readme_text = add_after_last(
        &read(workspace, &readme)?,
        |l| l.starts_with("| ") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()),
        &readme_line,
    )
    .context("README.md has no lessons table (`| 01 | ...`) to add a row to")?;

    let mut created = Created {
        files: Vec::new(),
        edited: Vec::new(),
    };
    for (path, text) in files {
        let full = workspace.path(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&full, text).with_context(|| format!("cannot write {}", path.display()))?;
        created.files.push(path);
    }
    // The stub's fingerprint, so that an untouched stub is not built.
    let toml = workspace.path(exercise.join("lesson.toml"));
    let text = std::fs::read_to_string(&toml).context("cannot read the new lesson.toml")?;
    let fingerprint = crate::course::lesson::fingerprint(&workspace.path(exercise.join("src")));
    std::fs::write(&toml, crate::course::lesson::with_stub(&text, &fingerprint))
        .context("cannot write the new lesson.toml")?;
    for (path, text) in [(summary, summary_text), (readme, readme_text)] {
        std::fs::write(workspace.path(&path), text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        created.edited.push(path);
    }
    Ok(created)
}

fn read(workspace: &Workspace, path: &Path) -> Result<String> {
    std::fs::read_to_string(workspace.path(path))
        .with_context(|| format!("cannot read {}", path.display()))
}

/// `text` with `line` added after the last line that `is_entry` accepts.
fn add_after_last(text: &str, is_entry: impl Fn(&str) -> bool, line: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| is_entry(l))?;
    let mut out: Vec<&str> = lines[..=last].to_vec();
    out.push(line);
    out.extend_from_slice(&lines[last + 1..]);
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    Some(joined)
}

const PACKAGE_COMMON: &str = "edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true
";

const DEV_DEPENDENCIES: &str = "[dependencies]

[dev-dependencies]
testkit.workspace = true

[lints]
workspace = true
";

fn exercise_manifest(id: &str, title: &str) -> String {
    format!(
        "[package]\nname = \"{id}\"\nversion = \"0.1.0\"\ndescription = \"{title} (your code).\"\n{PACKAGE_COMMON}\n# `cargo test -p lessonNN` runs the graded steps in tests/: the library has no\n# unit tests or doctests of its own, and building them would slow every run.\n[lib]\ntest = false\ndoctest = false\n\n{DEV_DEPENDENCIES}"
    )
}

fn solution_manifest(id: &str, dir: &str, title: &str) -> String {
    format!(
        "[package]\nname = \"{id}-solution\"\nversion = \"0.1.0\"\ndescription = \"{title}: the reference solution, graded by the exercise's own tests.\"\n{PACKAGE_COMMON}\n[lib]\nname = \"{id}\"\n\n# The one copy of the tests and demos lives in the exercise.\n[[test]]\nname = \"{id}\"\npath = \"../../exercises/{dir}/tests/{id}.rs\"\n\n{DEV_DEPENDENCIES}"
    )
}

fn lesson_toml(title: &str, chapter: &Path) -> String {
    format!(
        "title = \"{title}\"\nchapter = \"{}\"\n\n[[step]]\nname = \"step01_answers\"\npoints = 1\nhints = [\n    \"Read what `answer` must return in its doc comment.\",\n    \"Return the number the doc comment names.\",\n]\nhints-zh-CN = [\n    \"看看 `answer` 的文档注释里说它必须返回什么。\",\n    \"返回文档注释里写明的那个数。\",\n]\n",
        chapter.display()
    )
}

fn stub(nn: &str, title: &str, chapter: &Path) -> String {
    format!(
        "//! Lesson {nn}: {title}.\n//!\n//! YOUR TASK: replace every `todo!()` in this file, step by step. Run\n//! `cargo test -p lesson{nn}` (or `cargo checker {nn}`) to see which steps pass;\n//! read `{}` alongside.\n\n/// The answer: 42.\npub fn answer() -> u32 {{\n    todo!(\"return the answer\")\n}}\n",
        chapter.display()
    )
}

fn solution_lib(nn: &str, title: &str) -> String {
    format!(
        "//! Lesson {nn}: {title} (the reference solution).\n\n/// The answer: 42.\npub fn answer() -> u32 {{\n    42\n}}\n"
    )
}

/// The one mistake: a patch against [`solution_lib`] (as
/// `scripts/mistake-to-patch.sh` writes them), after the three header lines.
fn mistake() -> String {
    "//! mistake: returns a placeholder instead of the answer\n//! fails: step01_answers\n//! says: the answer\n\
     --- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -2,5 +2,5 @@\n \n /// The answer: 42.\n pub fn answer() -> u32 {\n-    42\n+    0\n }\n"
        .to_owned()
}

fn tests(nn: &str, id: &str) -> String {
    format!(
        "//! Lesson {nn}'s graded steps.\n//!\n//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first, and\n//! starts with `testkit::step!`. Use testkit's harness (`Server`,\n//! `LineClient`, `within`, ...): a lesson's tests hold its steps, not a\n//! harness of their own.\n\nuse {id}::*;\nuse testkit::{{DEFAULT_LIMIT, step, within}};\n\nconst LESSON: &str = include_str!(\"../lesson.toml\");\n\n#[test]\nfn step01_answers() {{\n    let _step = step!(LESSON);\n    let got = within(DEFAULT_LIMIT, \"answer()\", answer);\n    assert_eq!(got, 42, \"answer() returned {{got}}: the answer is 42\");\n}}\n"
    )
}

/// The chapter: its title, the stub shown in the page (mdBook's include: a
/// link to the file would leave the book's folder and be dead where the book
/// is served), and the step table.
fn chapter_text(number: u32, nn: &str, title: &str, dir: &str, id: &str) -> String {
    let stub = format!("exercises/{dir}/src/lib.rs");
    format!(
        "# Lesson {number}: {title}\n\nWhat the lesson teaches, in plain words; the tutorial's Python program and\nthe Rust one side by side, with a mapping table.\n\nExercise: [`{stub}`](#exercise), the stub you fill in;\nunfold it here to read its signatures and doc comments.\n\n<details id=\"exercise\">\n<summary><code>{stub}</code></summary>\n\n```rust,ignore\n{{{{#include ../../{stub}}}}}\n```\n\n</details>\n\n## The steps\n\nWork in `{stub}`; run `cargo test -p {id}` or\n`cargo checker {nn}`.\n\n| step | what it checks |\n|------|----------------|\n| `step01_answers` | `answer` returns the answer |\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_after_the_last_entry() {
        let text = "# S\n\n- [Lesson 1: A](01-a.md)\n- [Lesson 2: B](02-b.md)\n\n# More\n";
        let out = add_after_last(
            text,
            |l| l.starts_with("- [Lesson "),
            "- [Lesson 3: C](03-c.md)",
        )
        .unwrap();
        assert_eq!(
            out,
            "# S\n\n- [Lesson 1: A](01-a.md)\n- [Lesson 2: B](02-b.md)\n- [Lesson 3: C](03-c.md)\n\n# More\n"
        );
        assert!(add_after_last("none\n", |l| l.starts_with("- [Lesson "), "x").is_none());
    }

    #[test]
    fn the_mistake_applies_to_the_solution_and_breaks_the_answer() {
        let text = mistake();
        let file = PathBuf::from("solutions/lesson14-echo/mistakes/answers_zero.patch");
        let m = crate::maintain::mistakes::parse(file, &text).unwrap();
        assert_eq!(m.fails, "step01_answers");
        let program =
            crate::maintain::mistakes::program(&m, &solution_lib("14", "Echo"), &text).unwrap();
        assert!(program.starts_with("//! mistake: returns a placeholder"));
        assert!(program.contains("pub fn answer() -> u32 {\n    0\n}\n"));
    }

    #[test]
    fn the_first_step_has_hints_in_both_languages_level_for_level() {
        let text = lesson_toml("Echo", Path::new("docs/src/14-echo.md"));
        let step = &toml::from_str::<toml::Table>(&text).unwrap()["step"][0];
        let en = step["hints"].as_array().unwrap();
        let zh = step["hints-zh-CN"].as_array().unwrap();
        assert_eq!(en.len(), zh.len());
        assert!(zh.iter().all(|h| h.as_str().unwrap().contains("文档注释")));
    }

    #[test]
    fn the_chapter_shows_its_stub_and_links_inside_the_book() {
        let text = chapter_text(14, "14", "Echo", "lesson14-echo", "lesson14");
        assert!(text.starts_with("# Lesson 14: Echo\n"));
        assert!(text.contains("{{#include ../../exercises/lesson14-echo/src/lib.rs}}"));
        assert!(text.contains("](#exercise)") && text.contains("<details id=\"exercise\">"));
        assert!(
            !text.contains("](../"),
            "no link may leave the book's folder"
        );
    }
}
