//! Ties a running test to its step in `lesson.toml`.
//!
//! Every graded test starts with `let _step = testkit::step!(LESSON);` where
//! `LESSON` is the lesson's `lesson.toml` text (`include_str!`). From then on
//! a panic on the test's thread is followed by the step's hint and, when the
//! test used randomness, the seed that replays it. A panic that comes from a
//! `todo!()` left in the learner's code is explained as such.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Once;

use serde::Deserialize;

use crate::lang::{FluentValue, Lang, every, t};

/// The environment variable that overrides every step's seed.
pub const SEED_VAR: &str = "TESTKIT_SEED";

#[derive(Debug, Deserialize)]
struct LessonFile {
    #[serde(default, rename = "step")]
    steps: Vec<StepEntry>,
}

#[derive(Debug, Deserialize)]
struct StepEntry {
    name: String,
    /// A one-level hint (older lessons).
    #[serde(default)]
    hint: String,
    /// Graded hints: a nudge first, more with each `cargo checker hint`.
    #[serde(default)]
    hints: Vec<String>,
    /// The same hints in Simplified Chinese, shown when the testkit
    /// speaks it (English when a step has none).
    #[serde(default, rename = "hints-zh-CN")]
    hints_zh_cn: Vec<String>,
}

impl StepEntry {
    /// The first level in `lang`: what a failure shows; and whether more
    /// follow.
    fn nudge(self, lang: Lang) -> (String, bool) {
        let hints = match lang {
            Lang::ZhCn if !self.hints_zh_cn.is_empty() => &self.hints_zh_cn,
            _ => &self.hints,
        };
        match hints.split_first() {
            Some((first, rest)) => (first.clone(), !rest.is_empty()),
            None => (self.hint, false),
        }
    }
}

#[derive(Debug, Clone)]
struct Current {
    name: String,
    hint: String,
    /// True when `lesson.toml` has more hint levels than the first.
    more: bool,
    seed: Option<u64>,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    /// Set while [`catch_quietly`] runs: the hook records where a panic
    /// happened instead of printing it, because the caller re-raises it.
    static QUIET: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs `f`, catching a panic without printing it; returns the panic's
/// payload and where it happened (`file:line`), for the caller to re-raise
/// with more context.
pub fn catch_quietly<T>(
    f: impl FnOnce() -> T,
) -> Result<T, (Box<dyn std::any::Any + Send>, Option<String>)> {
    install_hook();
    QUIET.with(|q| *q.borrow_mut() = Some(None));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let place = QUIET.with(|q| q.borrow_mut().take()).flatten();
    outcome.map_err(|payload| (payload, place))
}

static HOOK: Once = Once::new();

/// The step a test is running; dropping it detaches the hint from the thread.
#[derive(Debug)]
pub struct Step {
    name: String,
}

/// Starts a step: `let _step = testkit::step!(LESSON);`.
///
/// The step's name is the enclosing test function's name, found without
/// repeating it by hand.
#[macro_export]
macro_rules! step {
    ($lesson_toml:expr) => {{
        fn here() {}
        $crate::step::Step::enter($lesson_toml, ::std::any::type_name_of_val(&here))
    }};
}

impl Step {
    /// Registers the step named in `fn_path` (a function path such as
    /// `lesson01::step03_x::here`) with the hint that `lesson_toml` gives it.
    ///
    /// # Panics
    ///
    /// When `lesson.toml` does not parse or does not list the step: the
    /// course itself is broken, and maintainers must hear of it.
    pub fn enter(lesson_toml: &str, fn_path: &str) -> Step {
        install_hook();
        crate::confirm::open();
        let name = step_name(fn_path).unwrap_or_else(|| {
            panic!("testkit::step!: `{fn_path}` is not inside a `stepNN_...` test")
        });
        let file: LessonFile = toml::from_str(lesson_toml)
            .unwrap_or_else(|e| panic!("lesson.toml does not parse: {e}"));
        let hint = file
            .steps
            .into_iter()
            .find(|s| s.name == name)
            .map(|entry| entry.nudge(crate::lang::current()))
            .unwrap_or_else(|| panic!("lesson.toml has no [[step]] named `{name}`"));
        let (hint, more) = hint;
        CURRENT.with(|c| {
            *c.borrow_mut() = Some(Current {
                name: name.clone(),
                hint,
                more,
                seed: None,
            })
        });
        Step { name }
    }

    /// The step's name, e.g. `step03_splits_head_from_body`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This step's seed: `TESTKIT_SEED` when set, else one derived from the
    /// step's name, so a run is the same every time and a failure can be
    /// replayed. The seed is printed if the step fails.
    pub fn seed(&self) -> u64 {
        let seed = std::env::var(SEED_VAR)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                let mut h = DefaultHasher::new();
                self.name.hash(&mut h);
                h.finish() % 1_000_000
            });
        CURRENT.with(|c| {
            if let Some(cur) = c.borrow_mut().as_mut() {
                cur.seed = Some(seed);
            }
        });
        seed
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        // Keep the hint while unwinding: the hook has already printed it.
        if !std::thread::panicking() {
            CURRENT.with(|c| c.borrow_mut().take());
            // The test body ran to its end: tell the checker (see `confirm`).
            crate::confirm::passed(&self.name);
        }
    }
}

/// Finds `stepNN_what` in a function path such as `lesson01::step03_x::here`.
fn step_name(fn_path: &str) -> Option<String> {
    fn_path
        .split("::")
        .find(|seg| seg.starts_with("step") && seg[4..].starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_owned)
}

/// The text a panic carried, if it was a string.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a non-text payload)".to_owned()
    }
}

/// True when a panic message is the one `todo!()` raises, or a report
/// that names one (in any language).
pub fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented")
        || every("todo-mark")
            .iter()
            .any(|mark| message.contains(mark.as_str()))
}

/// The text of message `id` up to its first value (all of it when it has
/// none), in every language: how a line the hook printed starts.
fn leads(id: &str, values: &[&str]) -> Vec<String> {
    const CUT: &str = "\u{0}";
    let args: Vec<(&str, FluentValue<'_>)> = values
        .iter()
        .map(|v| (*v, FluentValue::from(CUT)))
        .collect();
    Lang::ALL
        .iter()
        .map(|lang| {
            let text = crate::lang::TESTKIT.text(*lang, id, &args);
            text.split(CUT).next().unwrap_or_default().to_owned()
        })
        .collect()
}

/// True when `line` is the first line of a step's hint as the panic hook
/// prints it after a failure (`hint (step01_x): ...`, in any language).
/// The checker shows hints itself, from `lesson.toml`.
pub fn is_hint_line(line: &str) -> bool {
    leads("hook-hint", &["step", "hint"])
        .iter()
        .any(|lead| line.starts_with(lead.as_str()))
}

/// True when `line` is one the panic hook prints after a failure, in any
/// language: the hint, the replay seed, or that a `todo!()` was reached.
pub fn is_hook_line(line: &str) -> bool {
    let todo = every("hook-todo").into_iter().map(|line| {
        // Up to the `todo!()` itself: the rest of the sentence may change.
        match line.find("`todo!()`") {
            Some(at) => line[..at + "`todo!()`".len()].to_owned(),
            None => line,
        }
    });
    is_hint_line(line)
        || leads("hook-replay", &["var", "seed"])
            .into_iter()
            .chain(todo)
            .any(|lead| line.starts_with(lead.as_str()))
}

fn install_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            let quiet = QUIET.with(|q| match q.borrow_mut().as_mut() {
                Some(slot) => {
                    *slot = place.clone();
                    true
                }
                None => false,
            });
            if quiet {
                return;
            }
            default(info);
            let message = panic_text(info.payload());
            // Not a step's own thread: a thread the learner's code started.
            if CURRENT.with(|c| c.borrow().is_none()) {
                crate::learner::note_stray_panic(place.as_deref(), &message);
            }
            if is_todo(&message) {
                eprintln!("\n{}", t!("hook-todo"));
            }
            CURRENT.with(|c| {
                if let Some(cur) = c.borrow().as_ref() {
                    if !cur.hint.trim().is_empty() {
                        eprintln!(
                            "\n{}",
                            t!(
                                "hook-hint",
                                step = cur.name.as_str(),
                                hint = cur.hint.trim()
                            )
                        );
                        if cur.more {
                            eprintln!("{}", t!("hook-more"));
                        }
                    }
                    if let Some(seed) = cur.seed {
                        eprintln!(
                            "{}",
                            t!("hook-replay", var = SEED_VAR, seed = seed.to_string())
                        );
                    }
                }
            });
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};

    #[test]
    fn finds_the_step_in_a_function_path() {
        let _en = scoped(Lang::En);
        assert_eq!(
            step_name("lesson01::step03_split::here").as_deref(),
            Some("step03_split")
        );
        assert_eq!(
            step_name("lesson01::step10_x::case_1::here").as_deref(),
            Some("step10_x")
        );
        assert_eq!(step_name("lesson01::helper::here"), None);
        assert_eq!(step_name("lesson01::stepper::here"), None);
    }

    #[test]
    fn reads_the_hint_and_derives_a_stable_seed() {
        let _en = scoped(Lang::En);
        let toml = "[[step]]\nname = \"step01_a\"\nhint = \"read until EOF\"\npoints = 1\n";
        let step = Step::enter(toml, "lesson99::step01_a::here");
        assert_eq!(step.name(), "step01_a");
        let hint = CURRENT.with(|c| c.borrow().as_ref().map(|c| c.hint.clone()));
        assert_eq!(hint.as_deref(), Some("read until EOF"));
        if std::env::var(SEED_VAR).is_err() {
            assert_eq!(step.seed(), step.seed());
        }
    }

    #[test]
    fn a_failure_shows_the_first_of_graded_hints() {
        let _en = scoped(Lang::En);
        let toml = "[[step]]\nname = \"step01_a\"\nhints = [\"look at EOF\", \"loop until read returns 0\"]\npoints = 1\n";
        let _step = Step::enter(toml, "lesson99::step01_a::here");
        let current = CURRENT.with(|c| c.borrow().as_ref().map(|c| (c.hint.clone(), c.more)));
        assert_eq!(current, Some(("look at EOF".to_owned(), true)));
    }

    #[test]
    #[should_panic(expected = "no [[step]] named `step02_b`")]
    fn an_unlisted_step_is_a_course_bug() {
        let _en = scoped(Lang::En);
        let _ = Step::enter("[[step]]\nname = \"step01_a\"\n", "l::step02_b::here");
    }

    #[test]
    fn recognises_todo_panics() {
        let _en = scoped(Lang::En);
        assert!(is_todo("not yet implemented"));
        assert!(is_todo("not yet implemented: parse the status line"));
        assert!(!is_todo("index out of bounds"));
    }

    #[test]
    fn a_chinese_failure_shows_the_chinese_hint_else_the_english_one() {
        let _zh = scoped(Lang::ZhCn);
        let toml = "[[step]]\nname = \"step01_a\"\nhints = [\"look at EOF\", \"loop\"]\n\
                    hints-zh-CN = [\"看看 EOF\", \"循环读\"]\npoints = 1\n\n\
                    [[step]]\nname = \"step02_b\"\nhints = [\"only English\"]\npoints = 1\n";
        let _step = Step::enter(toml, "lesson99::step01_a::here");
        let current = CURRENT.with(|c| c.borrow().as_ref().map(|c| (c.hint.clone(), c.more)));
        assert_eq!(current, Some(("看看 EOF".to_owned(), true)));
        let _step = Step::enter(toml, "lesson99::step02_b::here");
        let current = CURRENT.with(|c| c.borrow().as_ref().map(|c| c.hint.clone()));
        assert_eq!(current.as_deref(), Some("only English"));
    }

    #[test]
    fn the_hook_s_lines_are_recognised_in_every_language() {
        for line in [
            "hint (step01_a): read until EOF",
            "提示（step01_a）：读到 EOF 为止",
            "replay this run with TESTKIT_SEED=42",
            "重放这次运行：TESTKIT_SEED=42",
            "This step reached a `todo!()` in your code: that part of the exercise is not written yet.",
            "本步骤执行到了你代码里的 `todo!()`：这部分练习还没有写。",
        ] {
            assert!(is_hook_line(line), "{line}");
        }
        assert!(is_hint_line("提示（step01_a）：x"));
        assert!(!is_hint_line("replay this run with TESTKIT_SEED=42"));
        assert!(!is_hook_line("hinting at something"));
        assert!(!is_hook_line("the answer is 42"));
    }

    #[test]
    fn recognises_todo_reports_in_chinese() {
        assert!(is_todo(
            "在 src/lib.rs:3 执行到了 `todo!()`（not yet implemented）：这部分练习还没有写"
        ));
    }
}
