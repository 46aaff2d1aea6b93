//! The checker in Simplified Chinese: chosen by `--lang` or the locale,
//! its columns aligned with Chinese in them, the hints of each language,
//! the testkit's language in the tests it runs, and `verify`'s check that
//! every step has its Chinese hints.

mod fixture;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use fixture::Lesson;
use unicode_width::UnicodeWidthStr;

const SOLVED: &str = "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n";

const SOLVED_TESTS: &str = r#"
#[test]
fn step01_answers() {
    assert_eq!(lesson01::answer(), 42);
}
"#;

const HALF: &str = "/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b + 1\n}\n";

/// Its second step fails with the language the checker gave the testkit.
const HALF_TESTS: &str = r#"
#[test]
fn step01_runs() {
    assert!(lesson02::add(0, 0) < 10);
}

#[test]
fn step02_adds() {
    let lang = std::env::var("TESTKIT_LANG").unwrap_or_default();
    assert_eq!(lesson02::add(2, 3), 5, "TESTKIT_LANG={lang}");
}
"#;

/// A workspace with a solved lesson whose title is Chinese and a lesson
/// half done; lesson02's first step has no Chinese hints.
fn course() -> &'static Path {
    static COURSE: OnceLock<PathBuf> = OnceLock::new();
    COURSE.get_or_init(|| {
        let root = fixture::persistent_dir("lang");
        fixture::workspace(
            &root,
            &[
                Lesson {
                    number: 1,
                    slug: "echo",
                    title: "回显服务器",
                    steps: &[("step01_answers", 1)],
                    stub: SOLVED,
                    solution: Some(SOLVED),
                    tests: SOLVED_TESTS,
                    chapter: true,
                },
                Lesson {
                    number: 2,
                    slug: "adding",
                    title: "Adding",
                    steps: &[("step01_runs", 1), ("step02_adds", 2)],
                    stub: HALF,
                    solution: None,
                    tests: HALF_TESTS,
                    chapter: true,
                },
            ],
        );
        let toml = root.join("exercises/lesson02-adding/lesson.toml");
        let text = std::fs::read_to_string(&toml).unwrap().replacen(
            "hints-zh-CN = [\"step01_runs 的提示。\"]\n",
            "",
            1,
        );
        fixture::write(&toml, &text);
        root
    })
}

/// Runs the checker on the course; returns its exit code and stdout.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = fixture::checker(course());
    command.args(args).timeout(Duration::from_secs(300));
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The display column at which `needle` starts in `line`.
fn column(line: &str, needle: &str) -> usize {
    let at = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {line:?}"));
    line[..at].width()
}

#[test]
fn lang_zh_cn_speaks_chinese_with_aligned_columns() {
    let (code, text) = run(&["--lang", "zh-CN"], &[]);
    assert_eq!(code, Some(1), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("#   课程"), "{text}");
    assert!(lines[1].starts_with("01  回显服务器"), "{text}");
    assert!(lines[2].starts_with("02  Adding"), "{text}");
    // Each column starts at the same terminal column on every line,
    // however many bytes or characters the Chinese before it has.
    for (i, header) in ["步骤", "得分", "状态"].iter().enumerate() {
        let at = column(lines[0], header);
        let cells = [["1/1", "1/1", "已完成"], ["1/2", "1/3", "进行中"]];
        for (row, cell) in [(1, cells[0][i]), (2, cells[1][i])] {
            // The points are the row's last fraction, the steps its first.
            let start = match i {
                1 => lines[row][..lines[row].rfind(cell).unwrap()].width(),
                _ => column(lines[row], cell),
            };
            let end = start + cell.width();
            if i < 2 {
                // Numbers are right-aligned under their header.
                assert_eq!(end, at + header.width(), "{header} in {text}");
            } else {
                assert_eq!(column(lines[row], cell), at, "{header} in {text}");
            }
        }
    }
    assert!(
        text.contains("步骤 2/3，已完成课程 1/2，得分 2/4"),
        "{text}"
    );
    assert!(
        text.contains("下一步： lesson02，Adding（进行中）"),
        "{text}"
    );
    assert!(text.contains("  step02_adds 失败："), "{text}");
    assert!(text.contains("  提示： step02_adds 的提示。"), "{text}");
    assert!(text.contains("  阅读： docs/src/02-adding.md"), "{text}");
}

#[test]
fn a_zh_cn_locale_speaks_chinese_and_tells_the_tests_to() {
    let (code, text) = run(&["2"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with(
            "lesson02: Adding  （进行中：步骤 1/2，得分 1/3）\n章节： docs/src/02-adding.md\n"
        ),
        "{text}"
    );
    assert!(text.contains("  通过  step01_runs\n"), "{text}");
    assert!(text.contains("  失败  step02_adds\n"), "{text}");
    // The test process was told the checker's language.
    assert!(text.contains("TESTKIT_LANG=zh-CN"), "{text}");
    assert!(
        text.ends_with("提示（step02_adds）： step02_adds 的提示。\n"),
        "{text}"
    );

    // LC_ALL comes before LANG, and the first non-empty one decides.
    let (_, text) = run(&["2"], &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")]);
    assert!(text.starts_with("lesson02: Adding  (in progress"), "{text}");
    let (_, text) = run(&["2"], &[("LC_ALL", ""), ("LC_MESSAGES", "zh_CN.UTF-8")]);
    assert!(text.starts_with("lesson02: Adding  （进行中"), "{text}");
}

#[test]
fn lang_en_overrides_a_chinese_locale() {
    let (code, text) = run(&["--lang", "en", "2"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("lesson02: Adding  (in progress: 1/2 steps, 1/3 points)\n"),
        "{text}"
    );
    assert!(text.contains("TESTKIT_LANG=en"), "{text}");
    assert!(
        text.ends_with("Hint (step02_adds): Hint for step02_adds.\n"),
        "{text}"
    );
    assert!(!text.contains("提示"), "{text}");
}

#[test]
fn hints_fall_back_to_english_where_a_step_has_no_chinese_ones() {
    let (code, text) = run(&["hint", "2", "--all"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text,
        "lesson02: Adding\n  step01_runs （1 分）\n    Hint for step01_runs.\n  \
         step02_adds （2 分）\n    step02_adds 的提示。\n阅读： docs/src/02-adding.md\n"
    );
    let (_, text) = run(&["hint", "2", "--all", "--lang", "en"], &[]);
    assert!(
        text.contains("  step01_runs (1 point)\n    Hint for step01_runs.\n"),
        "{text}"
    );
    assert!(
        text.contains("  step02_adds (2 points)\n    Hint for step02_adds.\n"),
        "{text}"
    );
}

#[test]
fn usage_errors_and_help_speak_chinese() {
    let (code, _) = run(&["--lang", "zh-CN", "7"], &[]);
    assert_eq!(code, Some(2));
    let output = fixture::checker(course())
        .args(["--lang", "zh-CN", "7"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("checker：错误： 没有课程 `7`：应为 lesson01, lesson02 之一"),
        "{stderr}"
    );

    let output = fixture::checker(course())
        .args(["--lang", "fr"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("use en or zh-CN"), "{stderr}");

    let (code, text) = run(&["--help"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(code, Some(0));
    assert!(
        text.starts_with("为课程的练习评分，并告诉你下一步做什么。"),
        "{text}"
    );
    assert!(text.contains("  verify  "), "{text}");
    assert!(text.contains("打印帮助"), "{text}");
}

/// A lesson whose solution passes only when its tests speak English, as
/// `verify` must run them (each mistake's `says:` is an English phrase).
const ENGLISH_TESTS: &str = r#"
#[test]
fn step01_doubles() {
    let lang = std::env::var("TESTKIT_LANG").unwrap_or_default();
    assert_eq!(lang, "en", "verify runs the tests in English");
    assert_eq!(lesson01::double(2), 4);
}
"#;

#[test]
fn verify_fails_a_step_without_chinese_hints_and_runs_tests_in_english() {
    let root = fixture::persistent_dir("lang-verify");
    let lessons = [
        Lesson {
            number: 1,
            slug: "doubles",
            title: "Doubles",
            steps: &[("step01_doubles", 1)],
            stub: "/// Doubles.\npub fn double(x: u32) -> u32 {\n    let _ = x;\n    todo!()\n}\n",
            solution: Some("/// Doubles.\npub fn double(x: u32) -> u32 {\n    x * 2\n}\n"),
            tests: ENGLISH_TESTS,
            chapter: true,
        },
        Lesson {
            number: 2,
            slug: "halves",
            title: "Halves",
            steps: &[("step01_halves", 1), ("step02_rounds", 1)],
            stub: "/// Halves.\npub fn half(x: u32) -> u32 {\n    let _ = x;\n    todo!()\n}\n",
            solution: Some("/// Halves.\npub fn half(x: u32) -> u32 {\n    x / 2\n}\n"),
            tests: "#[test]\nfn step01_halves() {\n    assert_eq!(lesson02::half(4), 2);\n}\n\n\
                    #[test]\nfn step02_rounds() {\n    assert_eq!(lesson02::half(5), 2);\n}\n",
            chapter: true,
        },
    ];
    fixture::workspace(&root, &lessons);
    let verify = |lang: &str| {
        let output = fixture::checker(&root)
            .args(["verify", "--update-stubs", "--lang", lang])
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.code(), text)
    };
    // Both languages everywhere, and the tests in English: sound, even
    // when the checker speaks Chinese.
    let (code, text) = verify("zh-CN");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("lesson01  ok  1 个步骤在骨架代码上失败、在参考答案上通过"),
        "{text}"
    );
    assert!(text.contains("verify: 全部 2 课都没有问题"), "{text}");

    // One step without Chinese hints, another with a level too many.
    let toml = root.join("exercises/lesson02-halves/lesson.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = text
        .replacen("hints-zh-CN = [\"step01_halves 的提示。\"]\n", "", 1)
        .replacen(
            "hints-zh-CN = [\"step02_rounds 的提示。\"]",
            "hints-zh-CN = [\"一\", \"二\"]",
            1,
        );
    fixture::write(&toml, &text);
    let (code, text) = verify("en");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "lesson02  2 problems\n  - step01_halves has no Chinese hints in lesson.toml: add \
             `hints-zh-CN = [...]`, one for each level of `hints`\n  - step02_rounds has 2 levels \
             of Chinese hints (`hints-zh-CN`) but 1 of English ones (`hints`): give each level in \
             both\n"
        ),
        "{text}"
    );
    let (code, text) = verify("zh-CN");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("step01_halves 在 lesson.toml 里没有中文提示"),
        "{text}"
    );
    assert!(
        text.contains("verify: 2 课中有 1 课有问题（共 2 个）"),
        "{text}"
    );
}
