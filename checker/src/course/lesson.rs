//! A lesson: its `lesson.toml` (title, chapter, graded steps) and where it lives.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::i18n::Lang;
use crate::t;

/// One graded step: a test function (or an rstest function and its cases).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Step {
    /// The test function's name, `stepNN_what_it_checks`.
    pub name: String,
    /// Points earned when every case of the step passes.
    pub points: u32,
    /// Graded hints: the first (a nudge: what to look at) is shown when the
    /// step fails, each `cargo checker hint` shows one more.
    #[serde(default)]
    pub hints: Vec<String>,
    /// The same hints in Simplified Chinese (`hints-zh-CN`), level for
    /// level; empty when the step has none (the English ones are shown).
    #[serde(default, rename = "hints-zh-CN")]
    pub hints_zh_cn: Vec<String>,
    /// A single hint, as older lessons give it: read as `hints = [hint]`.
    #[serde(default, skip_serializing)]
    hint: Option<String>,
}

impl Step {
    /// A step with its graded hints.
    pub fn new(name: &str, points: u32, hints: &[&str]) -> Step {
        Step {
            name: name.to_owned(),
            points,
            hints: hints.iter().map(|h| (*h).to_owned()).collect(),
            hints_zh_cn: Vec::new(),
            hint: None,
        }
    }

    /// The hints in `lang`: the Chinese ones when asked for and given, else
    /// the English ones.
    pub fn hints_in(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::ZhCn if !self.hints_zh_cn.is_empty() => &self.hints_zh_cn,
            _ => &self.hints,
        }
    }

    /// The hints in the checker's language (see [`Step::hints_in`]).
    pub fn hints_shown(&self) -> &[String] {
        self.hints_in(crate::i18n::lang())
    }

    /// The first level of hint, in the checker's language: what a failure shows.
    pub fn hint(&self) -> &str {
        self.hints_shown().first().map_or("", |h| h.trim())
    }
}

/// The contents of `lesson.toml`.
#[derive(Debug, Clone, Deserialize)]
struct LessonFile {
    title: String,
    chapter: String,
    #[serde(default)]
    stub: Option<String>,
    #[serde(rename = "step", default)]
    steps: Vec<Step>,
}

/// A lesson found under `exercises/`.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The lesson's number (`5` for `lesson05-...`).
    pub number: u32,
    /// `lesson05`: the exercise package's name, its test target's name and the
    /// lesson's id in reports.
    pub id: String,
    /// The directory name under `exercises/` and `solutions/`, `lesson05-struct-framing`.
    pub dir_name: String,
    /// The title from `lesson.toml`.
    pub title: String,
    /// The docs chapter, relative to the workspace root.
    pub chapter: String,
    /// The graded steps, in file order.
    pub steps: Vec<Step>,
    /// The fingerprint of `src/` as the course ships it (`stub = "..."` in
    /// `lesson.toml`, kept by `cargo checker verify --update-stubs`): a
    /// `src/` that still has it passes no step and is not built.
    pub stub: Option<String>,
    /// True when the lesson's tests use testkit (a dependency in the
    /// instructor's `Cargo.toml`): then a step passes only when testkit
    /// confirms each case on its channel (see `testkit::confirm`).
    pub confirms: bool,
}

impl Lesson {
    /// The exercise package, the learner's code: `lesson05`.
    pub fn package(&self) -> &str {
        &self.id
    }

    /// The reference solution's package: `lesson05-solution`.
    pub fn solution_package(&self) -> String {
        format!("{}-solution", self.id)
    }

    /// The integration test target both packages build: `lesson05`.
    pub fn test_target(&self) -> &str {
        &self.id
    }

    /// `exercises/lesson05-slug`, relative to the workspace root.
    pub fn exercise_dir(&self) -> PathBuf {
        Path::new("exercises").join(&self.dir_name)
    }

    /// `solutions/lesson05-slug`, relative to the workspace root.
    pub fn solution_dir(&self) -> PathBuf {
        Path::new("solutions").join(&self.dir_name)
    }

    /// `exercises/lesson05-slug/tests/lesson05.rs`, relative to the workspace root.
    pub fn test_file(&self) -> PathBuf {
        self.exercise_dir()
            .join("tests")
            .join(format!("{}.rs", self.id))
    }

    /// The sum of every step's points.
    pub fn max_points(&self) -> u32 {
        self.steps.iter().map(|s| s.points).sum()
    }

    /// The step named `name`.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// Loads `<root>/exercises/<dir_name>/lesson.toml`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, does not parse, or breaks a rule: a
    /// title, a chapter and at least one step, each named `stepNN_...` once.
    pub fn load(root: &Path, dir_name: &str, number: u32, digits: &str) -> Result<Lesson> {
        let rel = Path::new("exercises").join(dir_name).join("lesson.toml");
        let text = std::fs::read_to_string(root.join(&rel))
            .with_context(|| t!("error-cannot-read", path = rel.display().to_string()))?;
        let file: LessonFile = toml::from_str(&text).map_err(|e| {
            let what = e.message().trim().to_owned();
            let line = e
                .span()
                .map(|span| 1 + text[..span.start].matches('\n').count());
            match line {
                Some(line) => anyhow::anyhow!("{}:{line}: {what}", rel.display()),
                None => anyhow::anyhow!("{}: {what}", rel.display()),
            }
        })?;
        let problem = |what: String| anyhow::anyhow!("{}: {what}", rel.display());
        if file.title.trim().is_empty() {
            return Err(problem(t!("toml-empty", key = "title")));
        }
        if file.chapter.trim().is_empty() {
            return Err(problem(t!("toml-empty", key = "chapter")));
        }
        if file.steps.is_empty() {
            return Err(problem(t!("toml-no-step")));
        }
        let mut steps = file.steps;
        for step in &mut steps {
            match (step.hint.take(), step.hints.is_empty()) {
                (Some(hint), true) => step.hints = vec![hint],
                (Some(_), false) => {
                    return Err(problem(t!(
                        "toml-hint-and-hints",
                        step = step.name.as_str()
                    )));
                }
                (None, _) => {}
            }
        }
        let file = LessonFile { steps, ..file };
        for (i, step) in file.steps.iter().enumerate() {
            if !is_step_name(&step.name) {
                return Err(problem(t!("toml-step-name", step = step.name.as_str())));
            }
            if file.steps[..i].iter().any(|s| s.name == step.name) {
                return Err(problem(t!("toml-step-twice", step = step.name.as_str())));
            }
        }
        Ok(Lesson {
            number,
            id: format!("lesson{digits}"),
            dir_name: dir_name.to_owned(),
            title: file.title.trim().to_owned(),
            chapter: file.chapter.trim().to_owned(),
            steps: file.steps,
            stub: file.stub.clone(),
            confirms: uses_testkit(&root.join("exercises").join(dir_name).join("Cargo.toml")),
        })
    }
}

/// The fingerprint of a `src/` tree: SHA-256 over each file's path
/// (relative, `/`-separated, sorted) and bytes.
pub fn fingerprint(src: &Path) -> String {
    use sha2::{Digest, Sha256};
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                let name: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push((name.join("/"), path));
            }
        }
    }
    let mut files = Vec::new();
    walk(src, src, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for (name, path) in files {
        let bytes = std::fs::read(&path).unwrap_or_default();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `lesson.toml`'s text with `stub = "fingerprint"` set (after `chapter`).
pub fn with_stub(text: &str, fingerprint: &str) -> String {
    let line = format!("stub = \"{fingerprint}\"");
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("stub ") && !l.trim_start().starts_with("stub="))
        .map(str::to_owned)
        .collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("chapter"))
        .map_or(0, |i| i + 1);
    lines.insert(at, line);
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// True when the package's manifest lists `testkit` among its dependencies.
fn uses_testkit(manifest: &Path) -> bool {
    let Ok(table) = std::fs::read_to_string(manifest).map(|t| t.parse::<toml::Table>()) else {
        return false;
    };
    let Ok(table) = table else { return false };
    ["dependencies", "dev-dependencies"].iter().any(|section| {
        table
            .get(*section)
            .and_then(toml::Value::as_table)
            .is_some_and(|deps| deps.contains_key("testkit"))
    })
}

/// `step` + digits + `_` + a Rust identifier's rest.
pub fn is_step_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("step") else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0
        && rest[digits..].starts_with('_')
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads `lessonNN-slug` as its number and the digits as written.
pub fn parse_dir_name(dir_name: &str) -> Option<(u32, &str)> {
    let rest = dir_name.strip_prefix("lesson")?;
    let digits_len = rest.chars().take_while(char::is_ascii_digit).count();
    if digits_len == 0 {
        return None;
    }
    let (digits, tail) = rest.split_at(digits_len);
    if !(tail.is_empty() || tail.starts_with('-')) {
        return None;
    }
    Some((digits.parse().ok()?, digits))
}

/// Finds the lesson a command-line argument names: `lesson05`, `05`, `5`,
/// `lesson5` or the directory name `lesson05-struct-framing`.
///
/// # Errors
///
/// When no lesson matches, listing the ones there are.
pub fn select<'a>(lessons: &'a [Lesson], arg: &str) -> Result<&'a Lesson> {
    let arg = arg.trim().trim_end_matches('/');
    let arg = arg.rsplit('/').next().unwrap_or(arg);
    let number = arg
        .strip_prefix("lesson")
        .unwrap_or(arg)
        .split('-')
        .next()
        .and_then(|n| n.parse::<u32>().ok());
    let found = lessons
        .iter()
        .find(|l| l.dir_name == arg || Some(l.number) == number);
    match found {
        Some(lesson) => Ok(lesson),
        None if lessons.is_empty() => bail!("{}", t!("error-unknown-lesson-none", arg = arg)),
        None => bail!(
            "{}",
            t!(
                "error-unknown-lesson",
                arg = arg,
                lessons = lessons
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(n: u32) -> Lesson {
        Lesson {
            number: n,
            id: format!("lesson{n:02}"),
            dir_name: format!("lesson{n:02}-x"),
            title: "T".into(),
            chapter: "c.md".into(),
            steps: vec![],
            stub: None,
            confirms: false,
        }
    }

    #[test]
    fn step_names() {
        assert!(is_step_name("step01_reads"));
        assert!(is_step_name("step12_a_b"));
        assert!(!is_step_name("step_a"));
        assert!(!is_step_name("stepx_a"));
        assert!(!is_step_name("step01"));
        assert!(!is_step_name("test01_a"));
    }

    #[test]
    fn dir_names() {
        assert_eq!(parse_dir_name("lesson05-struct"), Some((5, "05")));
        assert_eq!(parse_dir_name("lesson10"), Some((10, "10")));
        assert_eq!(parse_dir_name("lessonx"), None);
        assert_eq!(parse_dir_name("lesson05x"), None);
    }

    #[test]
    fn selects_by_any_spelling() {
        let all = [lesson(1), lesson(5)];
        for arg in [
            "lesson05",
            "05",
            "5",
            "lesson5",
            "lesson05-x",
            "exercises/lesson05-x/",
        ] {
            assert_eq!(select(&all, arg).unwrap().number, 5, "{arg}");
        }
        let err = select(&all, "7").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown lesson `7`: expected one of lesson01, lesson05"
        );
    }
}
