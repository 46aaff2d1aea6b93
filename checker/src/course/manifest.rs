//! The root `Cargo.toml` of a workspace without `solutions/`: the learner's
//! copy (`export-student`) and `grade`'s scratch workspace.
//!
//! `members` loses its `solutions/...` entries and `default-members`, if
//! there is one, becomes `["exercises/*"]`, so `cargo test` at the root runs
//! every lesson's tests against the learner's code. The opening comment is
//! replaced by a note saying so; the rest of the file, comments included, is
//! kept as it is: the arrays are replaced in the text.

use anyhow::{Context, Result, bail};

/// The comment put on top of the learner's manifest.
const NOTE: &str = "# The learner's copy of the course (made by `cargo checker export-student`):\n\
# there is no solutions/, and `cargo test` at the root (the default members)\n\
# runs every lesson's tests against your code in exercises/.\n";

/// `manifest` (the course's root `Cargo.toml`) without the solutions.
///
/// # Errors
///
/// When the manifest does not parse or has no `[workspace] members` array.
pub fn without_solutions(manifest: &str) -> Result<String> {
    let table: toml::Table = manifest
        .parse()
        .context("the root Cargo.toml does not parse")?;
    let workspace = table
        .get("workspace")
        .and_then(|w| w.as_table())
        .context("the root Cargo.toml has no [workspace]")?;
    let members = strings(workspace.get("members")).context("[workspace] has no members array")?;
    let members: Vec<String> = members.into_iter().filter(|m| !is_solutions(m)).collect();
    let mut text = replace_array(manifest, "members", &members)?;
    let default_members = vec!["exercises/*".to_owned()];
    if workspace.contains_key("default-members") {
        text = replace_array(&text, "default-members", &default_members)?;
    }
    // The course's opening comment describes the course's layout: the note replaces it.
    let body = text.trim_start_matches(|c: char| c.is_whitespace());
    let mut rest = body;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    let text = format!("{NOTE}{rest}");

    // The rewrite is textual: make sure it says what was meant.
    let check: toml::Table = text
        .parse()
        .context("the rewritten Cargo.toml does not parse")?;
    let ws = check.get("workspace").and_then(|w| w.as_table());
    let got = ws.and_then(|w| strings(w.get("members")));
    if got.as_ref() != Some(&members) {
        bail!("could not rewrite [workspace] members in the root Cargo.toml");
    }
    Ok(text)
}

/// `manifest` for `grade`'s scratch tree: members without the solutions
/// and the checker, and the directories of the members other than the
/// lessons (the support crates to copy, such as `testkit`).
///
/// # Errors
///
/// As [`without_solutions`].
pub fn for_grading(manifest: &str) -> Result<(String, Vec<String>)> {
    let text = without_solutions(manifest)?;
    let table: toml::Table = text.parse().context("the root Cargo.toml does not parse")?;
    let members = table
        .get("workspace")
        .and_then(|w| w.as_table())
        .and_then(|w| strings(w.get("members")))
        .context("[workspace] has no members array")?;
    let members: Vec<String> = members.into_iter().filter(|m| m != "checker").collect();
    let support = members
        .iter()
        .filter(|m| !m.contains('*') && !m.starts_with("exercises"))
        .cloned()
        .collect();
    Ok((replace_array(&text, "members", &members)?, support))
}

fn is_solutions(member: &str) -> bool {
    member == "solutions" || member.starts_with("solutions/")
}

fn strings(value: Option<&toml::Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Replaces `key = [ ... ]` (on one line or several) in the `[workspace]` table.
fn replace_array(text: &str, key: &str, values: &[String]) -> Result<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut in_workspace = false;
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && !trimmed.starts_with("[[") && trimmed.ends_with(']') {
            in_workspace = trimmed == "[workspace]";
            continue;
        }
        let is_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if in_workspace && is_key {
            start = Some(i);
            break;
        }
    }
    let Some(start) = start else {
        bail!("the root Cargo.toml has no `{key} = [...]` under [workspace]");
    };
    let mut end = start;
    while !lines[end].contains(']') {
        end += 1;
        if end == lines.len() {
            bail!("`{key}` in the root Cargo.toml has no closing `]`");
        }
    }
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    let mut out: String = lines[..start].concat();
    out.push_str(&format!("{key} = [{}]\n", quoted.join(", ")));
    out.push_str(&lines[end + 1..].concat());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_solutions() {
        let course = "# top\n[workspace]\nresolver = \"3\"\nmembers = [\"exercises/*\", \"solutions/*\", \"checker\"]\ndefault-members = [\n  \"solutions/*\",\n  \"checker\",\n]\n\n[workspace.dependencies]\nx = \"1\" # members = [\"no\"]\n";
        let student = without_solutions(course).unwrap();
        assert!(student.starts_with(&format!("{NOTE}[workspace]\n")));
        assert!(student.ends_with(
            "\n[workspace]\nresolver = \"3\"\nmembers = [\"exercises/*\", \"checker\"]\ndefault-members = [\"exercises/*\"]\n\n[workspace.dependencies]\nx = \"1\" # members = [\"no\"]\n"
        ));
    }

    #[test]
    fn grading_keeps_lessons_and_support_crates() {
        let course = "[workspace]\nmembers = [\"exercises/*\", \"solutions/*\", \"checker\", \"testkit\"]\n[workspace.lints.rust]\nunsafe_code = \"deny\"\n";
        let (text, support) = for_grading(course).unwrap();
        assert!(text.contains("members = [\"exercises/*\", \"testkit\"]"));
        assert_eq!(support, ["testkit"]);
    }

    #[test]
    fn without_default_members_adds_none() {
        let course = "[workspace]\nmembers = [\"exercises/*\", \"solutions/*\"]\n";
        let student = without_solutions(course).unwrap();
        assert!(student.ends_with("[workspace]\nmembers = [\"exercises/*\"]\n"));
    }
}
