//! The grader against cheating learners: each cheat below is one
//! submission of one class, graded with the course's real lesson01 beside
//! honest submissions. Every cheat must end with 0 points for lesson01 (or
//! be flagged), every honest submission keeps all its points, and nothing a
//! submission made (files, processes) outlives the run.
//!
//! These tests need bubblewrap. Where `bwrap` is missing or cannot make a
//! sandbox they say so and skip, unless `CHECKER_REQUIRE_SANDBOX` is set
//! (as CI sets it), where they fail instead: they never pass silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const LESSON: &str = "lesson01-tcp-client";

/// Lesson 01's points, as its lesson.toml gives them: what honest work earns.
fn full() -> u64 {
    let text =
        std::fs::read_to_string(repo().join("exercises").join(LESSON).join("lesson.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table["step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["points"].as_integer().unwrap() as u64)
        .sum()
}

/// One class at a time: each run builds the whole course once.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn stub() -> String {
    std::fs::read_to_string(repo().join("exercises").join(LESSON).join("src/lib.rs")).unwrap()
}

/// The stub with every `todo!(...)` replaced by a call to `cheat()`, and
/// `extra` (which defines `cheat`) appended.
fn cheating(extra: &str) -> String {
    let stub = stub();
    let mut out = String::new();
    let mut rest = stub.as_str();
    while let Some(at) = rest.find("todo!(") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "todo!(".len()..];
        // Skip to the `)` that closes the call, stepping over its string.
        let mut quoted = false;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ')' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str("crate::cheat()");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    assert!(out.contains("crate::cheat()"), "the stub has no todo!()");
    format!("{out}\n{extra}\n")
}

/// What a test runner prints for a pass of every test it was asked to run
/// (their names are its arguments), written where libtest does not capture.
const FAKE: &str = r#"
fn fake() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let names: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let _ = writeln!(out, "\nrunning {} tests", names.len());
    for name in &names {
        let _ = writeln!(out, "test {name} ... ok");
    }
    let _ = writeln!(out, "\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n", names.len());
    let _ = out.flush();
}
"#;

/// A submission directory with lesson01's `src/lib.rs`.
fn submission(class: &Path, name: &str, lib: &str) -> PathBuf {
    let dir = class.join(name);
    let src = dir.join("exercises").join(LESSON).join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    dir
}

/// True when a sandbox can be made here; else says why (and fails when
/// `CHECKER_REQUIRE_SANDBOX` is set).
fn sandbox_available() -> bool {
    let works = Command::new("bwrap")
        .args(["--unshare-all", "--ro-bind", "/", "/", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        let why = "bubblewrap (bwrap) is missing or cannot make a sandbox here";
        if std::env::var_os("CHECKER_REQUIRE_SANDBOX").is_some() {
            panic!("{why}, and CHECKER_REQUIRE_SANDBOX is set");
        }
        eprintln!("SKIPPED: {why}: the red-team tests did not run");
    }
    works
}

/// Grades `submissions` with the course's own lessons; returns the CSV's
/// rows by name (lesson01's points, status, notes) and the output folder.
fn grade(
    class: &Path,
    submissions: &[PathBuf],
    extra: &[&str],
) -> Vec<(String, u64, String, String)> {
    let out = class.join("out");
    let output = Command::new(assert_cmd::cargo::cargo_bin("checker"))
        .current_dir(repo())
        .arg("grade")
        .args(submissions)
        .arg("--out")
        .arg(&out)
        .args(["--lessons", "1", "--build-timeout", "30", "--timeout", "60"])
        .args(["--lang", "en"])
        .args(extra)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "grade failed: {stderr}");
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (l1, status) = (col("lesson01"), col("status"));
    lines
        .map(|line| {
            let fields = split_csv(line);
            (
                fields[0].clone(),
                fields[l1].parse().unwrap(),
                fields[status].clone(),
                fields[status + 1].clone(),
            )
        })
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                fields.last_mut().unwrap().push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Files under `dir` whose names contain `marker`.
fn leftovers(dir: &Path, marker: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().contains(marker))
                .collect()
        })
        .unwrap_or_default()
}

/// Processes whose command line contains `marker`.
fn processes(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(marker) && !cmdline.contains("cargo") {
                found.push(cmdline);
            }
        }
    }
    found
}

#[test]
fn every_cheat_earns_nothing_and_honest_work_keeps_its_points() {
    if !sandbox_available() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let class = tempfile::tempdir().unwrap();
    let class = class.path();
    let solution =
        std::fs::read_to_string(repo().join("solutions").join(LESSON).join("src/lib.rs")).unwrap();
    let honest = submission(class, "honest", &solution);
    let solution_path = repo().join("solutions").join(LESSON).join("src/lib.rs");
    let classmate_path = honest.join("exercises").join(LESSON).join("src/lib.rs");
    let mut cheats: Vec<(&str, String)> = vec![
        (
            "fake-output-exit",
            cheating(&format!(
                "{FAKE}\nfn cheat() -> ! {{ fake(); std::process::exit(0) }}"
            )),
        ),
        (
            "aliased-exit",
            cheating(&format!(
                "{FAKE}\nuse std::process::exit as leave;\nfn cheat() -> ! {{ fake(); let f: fn(i32) -> ! = leave; f(0) }}"
            )),
        ),
        (
            "panic-hook",
            cheating(&format!(
                "{FAKE}\nfn cheat() -> ! {{ std::panic::set_hook(Box::new(|_| {{ fake(); std::process::exit(0) }})); panic!(\"x\") }}"
            )),
        ),
        (
            "constructor",
            cheating(&format!(
                "{FAKE}\nfn cheat() -> ! {{ panic!() }}\n#[allow(unsafe_code)]\n#[unsafe(link_section = \".init_array\")]\n#[used]\nstatic INIT: extern \"C\" fn() = init;\nextern \"C\" fn init() {{ fake(); }}"
            )),
        ),
        (
            "runs-another-binary",
            cheating(
                "fn cheat() -> ! { let _ = std::process::Command::new(\"/usr/bin/env\").status(); panic!() }",
            ),
        ),
        (
            "path-to-solution",
            format!(
                "#[path = \"../../../solutions/{LESSON}/src/lib.rs\"]\nmod sol;\npub use sol::*;\n"
            ),
        ),
        (
            "absolute-path-to-solution",
            format!("#[path = {:?}]\nmod sol;\npub use sol::*;\n", solution_path),
        ),
        (
            "path-to-classmate",
            format!(
                "#[path = {:?}]\nmod other;\npub use other::*;\n",
                classmate_path
            ),
        ),
        (
            "reads-a-root-only-file",
            cheating(
                "const SECRET: &str = include_str!(\"/etc/shadow\");\nfn cheat() -> ! { panic!(\"{}\", SECRET) }",
            ),
        ),
        (
            "endless-const",
            cheating(
                "#[allow(long_running_const_eval)]\nconst FOREVER: u64 = { let mut i = 0u64; loop { i = i.wrapping_add(1); } };\nfn cheat() -> ! { panic!(\"{}\", FOREVER) }",
            ),
        ),
    ];
    // Right after the endless const: grading must have gone on.
    let mut names: Vec<PathBuf> = Vec::new();
    for (name, lib) in cheats.drain(..) {
        names.push(submission(class, name, &lib));
        if name == "endless-const" {
            names.push(submission(class, "honest-after-endless", &solution));
        }
    }
    names.push(submission(
        class,
        "huge-const",
        &cheating("const BIG: [u8; 1 << 34] = [7; 1 << 34];\nfn cheat() -> ! { panic!(\"{}\", BIG[BIG.len() - 1]) }"),
    ));
    let linked = class.join("src-symlink").join("exercises").join(LESSON);
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(
        repo().join("solutions").join(LESSON).join("src"),
        linked.join("src"),
    )
    .unwrap();
    names.push(class.join("src-symlink"));
    names.insert(0, honest.clone());

    let rows = grade(class, &names, &[]);
    for (name, points, status, notes) in &rows {
        if name.starts_with("honest") {
            assert_eq!(*points, full(), "{name} ({status}): {notes}");
        } else {
            assert_eq!(*points, 0, "{name} earned {points} ({status}): {notes}");
        }
    }
    let status = |n: &str| rows.iter().find(|r| r.0 == n).map(|r| r.2.clone()).unwrap();
    for flagged in [
        "fake-output-exit",
        "aliased-exit",
        "panic-hook",
        "constructor",
        "runs-another-binary",
        "path-to-solution",
        "absolute-path-to-solution",
        "path-to-classmate",
        "src-symlink",
    ] {
        assert_eq!(status(flagged), "flagged", "{flagged}");
    }
    let report =
        std::fs::read_to_string(class.join("out/reads-a-root-only-file.json")).unwrap_or_default();
    assert!(
        !report.contains("root:"),
        "a root-only file reached the report"
    );
    let huge = status("huge-const");
    assert!(
        huge == "build over memory" || huge == "does not build",
        "huge-const: {huge}"
    );
    let endless = status("endless-const");
    assert!(
        endless == "build timed out" || endless == "does not build",
        "endless-const: {endless}"
    );
    let _: Value =
        serde_json::from_str(&std::fs::read_to_string(class.join("out/honest.json")).unwrap())
            .unwrap();
}

#[test]
fn forged_output_does_not_pass_even_when_allowed_and_nothing_is_left_behind() {
    if !sandbox_available() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let class = tempfile::tempdir().unwrap();
    let class = class.path();
    let marker = format!("redteam{}", std::process::id());
    let solution =
        std::fs::read_to_string(repo().join("solutions").join(LESSON).join("src/lib.rs")).unwrap();
    let names = vec![
        submission(
            class,
            "fake-output-exit",
            &cheating(&format!(
                "{FAKE}\nfn cheat() -> ! {{ fake(); std::process::exit(0) }}"
            )),
        ),
        submission(
            class,
            "litter",
            &cheating(&format!(
                "fn cheat() -> ! {{\n    for dir in [\"/tmp\", \"/dev/shm\"] {{ let _ = std::fs::write(format!(\"{{dir}}/{marker}\"), [0u8; 1024]); }}\n    let _ = std::process::Command::new(\"/bin/sh\").args([\"-c\", \"sleep 300; : {marker}\"]).spawn();\n    panic!()\n}}"
            )),
        ),
        submission(class, "honest", &solution),
    ];
    let rows = grade(class, &names, &["--allow-flagged"]);
    let points = |n: &str| rows.iter().find(|r| r.0 == n).map(|r| r.1).unwrap();
    assert_eq!(points("fake-output-exit"), 0, "{rows:?}");
    assert_eq!(points("litter"), 0, "{rows:?}");
    assert_eq!(points("honest"), full(), "{rows:?}");
    let forged = rows.iter().find(|r| r.0 == "fake-output-exit").unwrap();
    assert!(forged.3.contains("unconfirmed"), "{forged:?}");
    for dir in ["/tmp", "/dev/shm"] {
        assert!(
            leftovers(Path::new(dir), &marker).is_empty(),
            "files left in {dir}"
        );
    }
    assert!(
        processes(&marker).is_empty(),
        "processes left: {:?}",
        processes(&marker)
    );
}
