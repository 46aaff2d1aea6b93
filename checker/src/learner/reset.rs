//! `checker reset LESSON`: the lesson's stub back, from git.
//!
//! The stub is the lesson's `src/` as git holds it in the commit that added
//! the lesson's `src/lib.rs` (in a fresh clone or a GitHub Classroom
//! repository: the course as it was handed out), or in `--from REV`. The
//! learner's files are first copied to `.checker/backups/lessonNN-TIME/`,
//! so nothing is lost.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::class::mirror;
use crate::course::lesson::Lesson;
use crate::course::workspace::Workspace;
use crate::t;

/// Where backups go, relative to the workspace root.
pub const BACKUPS: &str = ".checker/backups";

/// What a reset did.
#[derive(Debug)]
pub enum Reset {
    /// The files were already the stub's.
    AlreadyStub,
    /// The stub was restored; the learner's files were saved in `backup`.
    Restored {
        /// The commit the stub came from (abbreviated).
        commit: String,
        /// The files restored, relative to the workspace root.
        files: Vec<String>,
        /// Where the learner's `src/` was saved, relative to the workspace root.
        backup: PathBuf,
    },
    /// The learner said no.
    Declined,
}

/// Restores `lesson`'s stub; asks first on a terminal unless `yes`.
///
/// # Errors
///
/// When git cannot give the stub (not a repository, git missing, no such
/// revision), when asking is needed but stdin is not a terminal, or when a
/// file cannot be written.
pub fn reset(
    workspace: &Workspace,
    lesson: &Lesson,
    yes: bool,
    from: Option<&str>,
) -> Result<Reset> {
    let root = &workspace.root;
    let src = lesson.exercise_dir().join("src");
    let src_text = src.display().to_string();
    let commit = match from {
        Some(rev) => git(
            root,
            &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
        )
        .with_context(|| format!("git knows no revision `{rev}`"))?,
        None => {
            let lib = src.join("lib.rs").display().to_string();
            let added = git(
                root,
                &[
                    "log",
                    "--diff-filter=A",
                    "--format=%H",
                    "-1",
                    "HEAD",
                    "--",
                    &lib,
                ],
            )?;
            if added.is_empty() {
                bail!("{}", t!("reset-no-commit", file = lib.as_str()));
            }
            added
        }
    };
    let commit = commit.trim().to_owned();
    let listing = git(
        root,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            &commit,
            "--",
            &format!("{src_text}/"),
        ],
    )?;
    let files: Vec<String> = listing.lines().map(str::to_owned).collect();
    if files.is_empty() {
        bail!(
            "{}",
            t!(
                "reset-no-src",
                commit = short(&commit),
                src = src_text.as_str()
            )
        );
    }

    // The stub as a tree in a scratch directory, to compare and copy from.
    let stub_dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let stub_src = stub_dir.path().join("src");
    for file in &files {
        let bytes = git_bytes(root, &["show", &format!("{commit}:{file}")])?;
        let relative = Path::new(file)
            .strip_prefix(&src)
            .unwrap_or(Path::new(file));
        let path = stub_src.join(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent"))?;
        std::fs::write(&path, bytes)?;
    }
    let learner_src = root.join(&src);
    let differing = mirror::differences(&stub_src, &learner_src);
    if differing.is_empty() {
        return Ok(Reset::AlreadyStub);
    }

    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("{}", t!("reset-needs-yes", src = src_text.as_str()));
        }
        let listed: Vec<String> = differing
            .iter()
            .map(|f| format!("{src_text}/{f}"))
            .collect();
        print!(
            "{} ",
            t!(
                "reset-ask",
                id = lesson.id.as_str(),
                files = listed.join(", ")
            )
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "是") {
            return Ok(Reset::Declined);
        }
    }

    let backup = Path::new(BACKUPS)
        .join(format!("{}-{}", lesson.id, timestamp()))
        .join("src");
    if learner_src.is_dir() {
        mirror::mirror(&learner_src, &root.join(&backup), &|_| false)
            .with_context(|| format!("cannot back up {src_text}/ to {}", backup.display()))?;
    }
    mirror::mirror(&stub_src, &learner_src, &|_| false)
        .with_context(|| format!("cannot write {src_text}/"))?;
    Ok(Reset::Restored {
        commit: short(&commit).to_owned(),
        files: differing
            .iter()
            .map(|f| format!("{src_text}/{f}"))
            .collect(),
        backup,
    })
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

/// Runs git in `root` and returns its stdout as text.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let bytes = git_bytes(root, args)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn git_bytes(root: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| anyhow::anyhow!("{}", t!("reset-no-git", error = e.to_string())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            bail!(
                "{}",
                t!("reset-not-a-repository", dir = root.display().to_string())
            );
        }
        bail!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            stderr.lines().next().unwrap_or("no message").trim()
        );
    }
    Ok(output.stdout)
}

/// Now in UTC as `20250131-235959`, for backup names that sort by time.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Days since 1970-01-01 as (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
