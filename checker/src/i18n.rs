//! The checker's language and its words.
//!
//! The checker speaks Simplified Chinese when `--lang zh-CN` is given, or
//! without `--lang` when the locale asks for it (the first non-empty of
//! `LC_ALL`, `LC_MESSAGES`, `LANG` starts with `zh`); `--lang en` keeps it
//! English whatever the locale. Its words are Fluent messages in
//! `checker/locales/{en,zh-CN}/checker.ftl`, looked up by id with [`t!`];
//! English is every message's fallback. Machine formats (JSON, JUnit,
//! Classroom, the CSV's columns) keep their English keys and values.
//!
//! Columns that hold these words are padded by display width
//! ([`width`], [`pad`]): a Chinese character takes two terminal columns.

use std::cell::Cell;
use std::ffi::OsString;
use std::sync::{LazyLock, OnceLock};

pub use testkit::lang::{Catalogue, FluentValue, Lang};
use unicode_width::UnicodeWidthStr;

static CHOSEN: OnceLock<Lang> = OnceLock::new();

thread_local! {
    static OVERRIDE: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Sets the checker's language for the rest of the process (once; `main`
/// does it before anything is printed).
pub fn set(lang: Lang) {
    let _ = CHOSEN.set(lang);
}

/// The checker's language: as set, else English.
pub fn lang() -> Lang {
    OVERRIDE
        .with(Cell::get)
        .or_else(|| CHOSEN.get().copied())
        .unwrap_or_default()
}

/// Speaks `lang` on this thread until the guard is dropped (for tests).
pub fn scoped(lang: Lang) -> Scoped {
    Scoped {
        before: OVERRIDE.with(|o| o.replace(Some(lang))),
    }
}

/// The guard [`scoped`] returns.
#[derive(Debug)]
pub struct Scoped {
    before: Option<Lang>,
}

impl Drop for Scoped {
    fn drop(&mut self) {
        OVERRIDE.with(|o| o.set(self.before));
    }
}

/// The language the command line asks for: the last `--lang X` (or
/// `--lang=X`) that names a language, else the locale's. Read before clap
/// parses, so that the help and clap's own errors can be in it too.
pub fn from_args(args: impl IntoIterator<Item = OsString>) -> Lang {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut chosen = None;
    for (i, arg) in args.iter().enumerate() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--lang") {
            Some("") => args.get(i + 1).map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if let Some(lang) = value.and_then(Lang::parse) {
            chosen = Some(lang);
        }
    }
    chosen.unwrap_or_else(Lang::from_locale_env)
}

/// `--lang`'s value parser: `en` or `zh-CN` (also `zh`, `zh_CN.UTF-8`, ...).
///
/// # Errors
///
/// For any other language, in words.
pub fn parse_lang(value: &str) -> Result<Lang, String> {
    Lang::parse(value).ok_or_else(|| crate::t!("error-lang", value = value))
}

/// The checker's catalogue.
pub static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::new([
        include_str!("../locales/en/checker.ftl"),
        include_str!("../locales/zh-CN/checker.ftl"),
    ])
});

/// A checker message in its current language: `t!("id")` or
/// `t!("id", name = value, ...)`; values are anything a
/// [`FluentValue`] is made from (text, numbers).
#[macro_export]
macro_rules! t {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::CATALOGUE.text(
            $crate::i18n::lang(),
            $id,
            &[$((stringify!($name), $crate::i18n::FluentValue::from($value))),*],
        )
    };
}
/// How many terminal columns `text` takes (a Chinese character takes two).
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` padded with spaces on the right to `columns` terminal columns.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// `text` padded with spaces on the left to `columns` terminal columns.
pub fn pad_left(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn lang_on_the_command_line_wins() {
        assert_eq!(
            from_args(args(&["checker", "--lang", "zh-CN", "1"])),
            Lang::ZhCn
        );
        assert_eq!(from_args(args(&["checker", "--lang=zh"])), Lang::ZhCn);
        assert_eq!(
            from_args(args(&["checker", "--lang", "zh-CN", "--lang", "en"])),
            Lang::En
        );
    }

    #[test]
    fn both_catalogues_have_the_same_messages() {
        let en = testkit::lang::message_ids(include_str!("../locales/en/checker.ftl"));
        let zh = testkit::lang::message_ids(include_str!("../locales/zh-CN/checker.ftl"));
        assert!(!en.is_empty());
        // The command line's help is in English as cli.rs's doc comments.
        let zh_without_help: Vec<&str> = zh
            .iter()
            .copied()
            .filter(|id| !id.starts_with("cli-"))
            .collect();
        assert_eq!(en, zh_without_help, "the same ids, in the same order");
        for id in en {
            assert!(
                CATALOGUE.has(Lang::En, id) && CATALOGUE.has(Lang::ZhCn, id),
                "{id}"
            );
        }
    }

    #[test]
    fn padding_counts_columns_not_bytes() {
        assert_eq!(width("进行中"), 6);
        assert_eq!(pad("进行中", 8), "进行中  ");
        assert_eq!(pad_left("完成", 5), " 完成");
        assert_eq!(pad("done", 6), "done  ");
    }
}
