//! `checker export-student DIR`: the workspace as learners get it.
//!
//! Everything but `solutions/`, build output (`target/`), version control
//! (`.git/`), the maintainers' CI (`.ci/`, `.github/`: they need the
//! solutions) and the instructors' `classroom/` templates. The root
//! `Cargo.toml` is rewritten by [`crate::course::manifest`] so the copy still
//! builds, and the README gets a note saying what differs.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::class::mirror;
use crate::course::manifest;
use crate::course::workspace::Workspace;
use crate::t;

/// Top-level entries a learner's copy leaves out.
pub const LEFT_OUT: &[&str] = &[
    "solutions",
    "target",
    ".git",
    ".ci",
    ".github",
    ".checker",
    "classroom",
];

/// The GitHub Classroom workflow template, relative to the workspace root.
pub const CLASSROOM_TEMPLATE: &str = "classroom/autograding.yml";

/// Where `--classroom` installs the template in the copy.
pub const CLASSROOM_WORKFLOW: &str = ".github/workflows/classroom.yml";

/// The note put under the README's title.
const README_NOTE: &str =
    "> **This is your copy of the course.** It has no `solutions/`: `cargo test`
> at the root runs every lesson's tests against your code, and fails until
> you have solved them all. `cargo checker` shows where you stand and what to
> do next, and `cargo checker watch` re-runs the lesson you are editing each
> time you save.
";

/// The same note for the Chinese README.
const README_NOTE_ZH: &str =
    "> **这是你的课程副本。** 它没有 `solutions/`：在根目录运行 `cargo test`
> 会用你的代码跑每一课的测试，在你全部做完之前都会失败。`cargo checker`
> 显示你做到了哪里、下一步做什么，`cargo checker watch` 在你每次保存时
> 重新运行你正在做的那一课。
";

/// What was exported.
#[derive(Debug)]
pub struct Exported {
    /// The copy's root.
    pub dir: PathBuf,
    /// How many files it holds.
    pub files: usize,
    /// Whether the Classroom workflow was installed.
    pub classroom: bool,
}

/// True for the paths (relative to the root) a copy for learners or a
/// scratch workspace leaves out: [`LEFT_OUT`] at the top, any `target/`,
/// and the book's build output.
pub fn left_out(relative: &Path) -> bool {
    let mut components = relative.components();
    let first = components.next();
    let top_level = components.next().is_none();
    let is = |c: Option<Component<'_>>, name: &str| c.is_some_and(|c| c.as_os_str() == name);
    (top_level && LEFT_OUT.iter().any(|name| is(first, name)))
        || relative.file_name().is_some_and(|n| n == "target")
        || relative == Path::new("docs/book")
}

/// Writes the learner's copy of `workspace` into `dir`, which must be empty
/// or new and outside the workspace.
///
/// # Errors
///
/// When `dir` is not empty or lies inside the workspace, or a file cannot
/// be copied.
pub fn export(workspace: &Workspace, dir: &Path, classroom: bool) -> Result<Exported> {
    let root = &workspace.root;
    let target = absolute(dir)?;
    if target.starts_with(root) {
        bail!(
            "{}",
            t!(
                "export-inside",
                dir = dir.display().to_string(),
                root = root.display().to_string()
            )
        );
    }
    if target.exists() {
        let mut entries = std::fs::read_dir(&target)
            .with_context(|| format!("{} is not a directory", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{}",
                t!("export-not-empty", dir = dir.display().to_string())
            );
        }
    }
    let template = root.join(CLASSROOM_TEMPLATE);
    if classroom && !template.is_file() {
        bail!(
            "{}",
            t!("export-no-template", template = CLASSROOM_TEMPLATE)
        );
    }

    // What git has at HEAD, never the working tree: a solved `lib.rs` or an
    // untracked file must not reach the learners.
    let edited = edited_files(root)?;
    if !edited.is_empty() {
        bail!("{}", t!("export-edited", files = edited.join(", ")));
    }
    let head = tempfile::tempdir().context("cannot create a temporary directory")?;
    archive_head(root, head.path())?;
    let mut files = mirror::mirror(head.path(), &target, &left_out)
        .with_context(|| format!("cannot copy the workspace to {}", dir.display()))?;
    for_learners(&target)?;

    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .context("cannot read the root Cargo.toml")?;
    std::fs::write(
        target.join("Cargo.toml"),
        manifest::without_solutions(&manifest)?,
    )
    .context("cannot write the copy's Cargo.toml")?;

    for (name, note) in [
        ("README.md", README_NOTE),
        ("README.zh-CN.md", README_NOTE_ZH),
    ] {
        let readme = target.join(name);
        if let Ok(text) = std::fs::read_to_string(&readme) {
            std::fs::write(&readme, with_note(&text, note))
                .with_context(|| format!("cannot write the copy's {name}"))?;
        }
    }

    if classroom {
        let workflow = target.join(CLASSROOM_WORKFLOW);
        std::fs::create_dir_all(workflow.parent().expect("has a parent"))?;
        std::fs::copy(&template, &workflow)
            .with_context(|| format!("cannot write {CLASSROOM_WORKFLOW}"))?;
        files += 1;
    }
    Ok(Exported {
        dir: target,
        files,
        classroom,
    })
}

/// The tracked or untracked files that differ from HEAD (`git status`).
fn edited_files(root: &Path) -> Result<Vec<String>> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--untracked-files=all"])
        .output()
        .context("export-student needs git, to export what the course's repository has at HEAD")?;
    if !output.status.success() {
        bail!(
            "{}",
            t!("export-not-a-repository", dir = root.display().to_string())
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.get(3..))
        .map(str::to_owned)
        .filter(|f| !left_out(Path::new(f.trim_end_matches('/'))))
        .collect())
}

/// Unpacks the files git tracks at HEAD into `dir`.
fn archive_head(root: &Path, dir: &Path) -> Result<()> {
    let archive = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", "HEAD"])
        .output()
        .context("cannot run git archive")?;
    if !archive.status.success() {
        bail!(
            "git archive HEAD failed: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        );
    }
    let mut tar = std::process::Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .context("cannot run tar")?;
    std::io::Write::write_all(tar.stdin.as_mut().expect("piped"), &archive.stdout)
        .context("cannot unpack git's archive")?;
    drop(tar.stdin.take());
    if !tar.wait().context("cannot wait for tar")?.success() {
        bail!("tar could not unpack git's archive of HEAD");
    }
    Ok(())
}

/// The book and README in the learners' copy: demos run their own code
/// (`-p lessonNN`), since the copy has no `lessonNN-solution`, and the
/// sentences that offer the solution instead are left out.
fn for_learners(target: &Path) -> Result<()> {
    let mut files = vec![target.join("README.md"), target.join("README.zh-CN.md")];
    if let Ok(entries) = std::fs::read_dir(target.join("docs/src")) {
        files.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md")),
        );
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rewritten = without_solution_runs(&text);
        if rewritten != text {
            std::fs::write(&file, rewritten)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
    }
    Ok(())
}

/// `text` with each sentence that mentions a `-solution` package and
/// `instead` dropped, and every other `-p lessonNN-solution` made
/// `-p lessonNN`.
pub fn without_solution_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Sentences offering the other package: from a capital letter after a
    // sentence end to the next `.` that ends one.
    while let Some(at) = rest.find("-solution") {
        let (before, after) = rest.split_at(at);
        let start = sentence_start(before);
        let end = after
            .find(". ")
            .or_else(|| after.find(".\n"))
            .map_or(after.len(), |i| i + 1);
        let sentence = format!("{}{}", &before[start..], &after[..end]);
        if sentence.contains("instead") && !sentence.contains("```") {
            out.push_str(before[..start].trim_end_matches(' '));
            rest = after[end..].trim_start_matches(' ');
            continue;
        }
        // Not such a sentence: make the package the learner's and go on.
        let digits = before
            .rsplit_once("-p lesson")
            .map(|(_, n)| n)
            .filter(|n| n.len() == 2 && n.chars().all(|c| c.is_ascii_digit()));
        out.push_str(before);
        if digits.is_none() {
            out.push_str("-solution");
        }
        rest = &after["-solution".len()..];
    }
    out.push_str(rest);
    out
}

/// Where the sentence that `before` ends in starts.
fn sentence_start(before: &str) -> usize {
    let candidates = [". ", ".\n", "\n\n", ") ", ":\n"];
    candidates
        .iter()
        .filter_map(|c| before.rfind(c).map(|i| i + c.len()))
        .max()
        .unwrap_or(0)
}

/// The README with `note` under its first heading.
fn with_note(readme: &str, note: &str) -> String {
    let mut out = String::with_capacity(readme.len() + note.len() + 2);
    let mut placed = false;
    for line in readme.split_inclusive('\n') {
        out.push_str(line);
        if !placed && line.starts_with("# ") {
            out.push('\n');
            out.push_str(note);
            placed = true;
        }
    }
    if !placed {
        out = format!("{note}\n{readme}");
    }
    out
}

/// `path` made absolute, with `..` and symbolic links resolved as far as it exists.
fn absolute(path: &Path) -> Result<PathBuf> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    // Resolve the longest existing ancestor; the rest does not exist yet.
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = existing
        .canonicalize()
        .with_context(|| format!("cannot open {}", existing.display()))?;
    for name in rest.into_iter().rev() {
        if name == ".." {
            resolved.pop();
        } else {
            resolved.push(name);
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demos_run_the_learners_code() {
        let text = "Run it:\n\n```sh\ncargo run -q -p lesson02-solution --example echo -- 1\n```\n\nUse `-p lesson02` instead of `-p lesson02-solution` to run your own code. Then read on.\n";
        assert_eq!(
            without_solution_runs(text),
            "Run it:\n\n```sh\ncargo run -q -p lesson02 --example echo -- 1\n```\n\nThen read on.\n"
        );
    }

    #[test]
    fn leaves_out_what_learners_do_not_need() {
        for path in [
            "solutions",
            "target",
            ".git",
            "exercises/lesson01-x/target",
            "docs/book",
        ] {
            assert!(left_out(Path::new(path)), "{path}");
        }
        for path in ["exercises", "docs/solutions", "checker", "README.md"] {
            assert!(!left_out(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn the_note_goes_under_the_title() {
        assert_eq!(
            with_note("# Course\n\nText.\n", README_NOTE),
            format!("# Course\n\n{README_NOTE}\nText.\n")
        );
    }
}
