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
            "{} is inside the workspace: export to a directory outside {}",
            dir.display(),
            root.display()
        );
    }
    if target.exists() {
        let mut entries = std::fs::read_dir(&target)
            .with_context(|| format!("{} is not a directory", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty: export into a new or empty directory",
                dir.display()
            );
        }
    }
    let template = root.join(CLASSROOM_TEMPLATE);
    if classroom && !template.is_file() {
        bail!(
            "--classroom needs the workflow template {CLASSROOM_TEMPLATE}, which this workspace lacks"
        );
    }

    let mut files = mirror::mirror(root, &target, &left_out)
        .with_context(|| format!("cannot copy the workspace to {}", dir.display()))?;

    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .context("cannot read the root Cargo.toml")?;
    std::fs::write(
        target.join("Cargo.toml"),
        manifest::without_solutions(&manifest)?,
    )
    .context("cannot write the copy's Cargo.toml")?;

    let readme = target.join("README.md");
    if let Ok(text) = std::fs::read_to_string(&readme) {
        std::fs::write(&readme, with_note(&text)).context("cannot write the copy's README.md")?;
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

/// The README with [`README_NOTE`] under its first heading.
fn with_note(readme: &str) -> String {
    let mut out = String::with_capacity(readme.len() + README_NOTE.len() + 2);
    let mut placed = false;
    for line in readme.split_inclusive('\n') {
        out.push_str(line);
        if !placed && line.starts_with("# ") {
            out.push('\n');
            out.push_str(README_NOTE);
            placed = true;
        }
    }
    if !placed {
        out = format!("{README_NOTE}\n{readme}");
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
            with_note("# Course\n\nText.\n"),
            format!("# Course\n\n{README_NOTE}\nText.\n")
        );
    }
}
