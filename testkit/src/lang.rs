//! The language people read: English or Simplified Chinese.
//!
//! The checker and the testkit speak the learner's language. Which one is
//! the POSIX rule for messages: the first non-empty of `LC_ALL`,
//! `LC_MESSAGES` and `LANG`; a value starting with `zh` means Simplified
//! Chinese, anything else (or nothing) English. The testkit's phrases
//! follow `TESTKIT_LANG` first ([`LANG_VAR`]), which the checker sets to
//! its own language when it runs a lesson's tests.
//!
//! The words themselves live in Fluent catalogues (`locales/en/*.ftl`,
//! `locales/zh-CN/*.ftl`), embedded in the binary and looked up by id with
//! [`Catalogue::text`]; a message the Chinese catalogue lacks falls back to
//! English. The checker keeps its own catalogues and uses the same
//! [`Catalogue`] and the same rule ([`Lang::from_locale_env`]).

use std::cell::Cell;
use std::sync::{LazyLock, OnceLock};

use fluent_bundle::FluentResource;
pub use fluent_bundle::FluentValue;
use fluent_bundle::concurrent::FluentBundle;
use unic_langid::LanguageIdentifier;

/// The environment variable that picks the testkit's language (`en`,
/// `zh-CN`); the checker sets it for every test process it starts.
pub const LANG_VAR: &str = "TESTKIT_LANG";

/// A language the course speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English: the course's own language, and every message's fallback.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// Every language, English (the fallback) first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// Reads a language tag or a locale: `en`, `en-US`, `C`, `POSIX`,
    /// `zh`, `zh-CN`, `zh_CN.UTF-8`, `zh-Hans`. `None` for anything else.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        let base = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's tag: `en` or `zh-CN` (what `--lang` and
    /// [`LANG_VAR`] take, and the catalogues' folder names).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language the locale variables ask for (see the module's doc):
    /// `get` reads one variable.
    pub fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        let chosen = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|value| !value.trim().is_empty());
        match chosen {
            Some(value) if value.trim().starts_with("zh") => Lang::ZhCn,
            _ => Lang::En,
        }
    }

    /// The language this process's locale variables ask for.
    pub fn from_locale_env() -> Lang {
        Lang::from_locale_vars(|name| std::env::var(name).ok())
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::ZhCn => 1,
        }
    }
}

thread_local! {
    static OVERRIDE: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// The testkit's language on this thread: the one [`scoped`] set, else
/// [`LANG_VAR`], else the locale's.
pub fn current() -> Lang {
    static FROM_ENV: OnceLock<Lang> = OnceLock::new();
    OVERRIDE.with(Cell::get).unwrap_or_else(|| {
        *FROM_ENV.get_or_init(|| {
            std::env::var(LANG_VAR)
                .ok()
                .and_then(|tag| Lang::parse(&tag))
                .unwrap_or_else(Lang::from_locale_env)
        })
    })
}

/// Speaks `lang` on this thread until the guard is dropped (tests that
/// check phrases say which language they expect this way).
pub fn scoped(lang: Lang) -> Scoped {
    let before = OVERRIDE.with(|o| o.replace(Some(lang)));
    Scoped { before }
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

/// A message catalogue in every [`Lang`]: Fluent resources looked up by id.
pub struct Catalogue {
    bundles: Vec<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue").finish_non_exhaustive()
    }
}

impl Catalogue {
    /// A catalogue from the Fluent source of each language, in
    /// [`Lang::ALL`]'s order (English first).
    ///
    /// # Panics
    ///
    /// When a source does not parse or defines an id twice: the catalogues
    /// are part of the program, and their tests load them.
    pub fn new(sources: [&str; 2]) -> Catalogue {
        let bundles = Lang::ALL
            .iter()
            .zip(sources)
            .map(|(lang, source)| {
                let id: LanguageIdentifier = lang.code().parse().expect("a valid language tag");
                let resource =
                    FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errors)| {
                        panic!("the {} catalogue does not parse: {errors:?}", lang.code())
                    });
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // No Unicode isolation marks around values: terminals show
                // them as stray characters and they would break alignment.
                bundle.set_use_isolating(false);
                bundle.add_resource(resource).unwrap_or_else(|errors| {
                    panic!("the {} catalogue is not sound: {errors:?}", lang.code())
                });
                bundle
            })
            .collect();
        Catalogue { bundles }
    }

    /// The message `id` in `lang` with `args`, falling back to English when
    /// `lang` lacks it (and to the id itself when English lacks it too).
    pub fn text(&self, lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = fluent_bundle::FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for bundle in [&self.bundles[lang.index()], &self.bundles[0]] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                return text.into_owned();
            }
        }
        id.to_owned()
    }

    /// True when `lang`'s own catalogue has the message `id`.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles[lang.index()].has_message(id)
    }
}

/// The ids a Fluent source defines (`id = ...` at a line's start), for
/// tests that check two catalogues have the same messages.
pub fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim()))
        .collect()
}

/// The testkit's own catalogue (`testkit/locales/*/testkit.ftl`).
pub(crate) static TESTKIT: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::new([
        include_str!("../locales/en/testkit.ftl"),
        include_str!("../locales/zh-CN/testkit.ftl"),
    ])
});

/// A testkit phrase in the current language: `t!("id")` or
/// `t!("id", name = value, ...)`.
macro_rules! t {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::lang::TESTKIT.text(
            $crate::lang::current(),
            $id,
            &[$((stringify!($name), $crate::lang::FluentValue::from($value))),*],
        )
    };
}
pub(crate) use t;

/// The phrase `id` in every language (for recognising it in output
/// whatever language printed it).
pub(crate) fn every(id: &str) -> Vec<String> {
    Lang::ALL
        .iter()
        .map(|lang| TESTKIT.text(*lang, id, &[]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_order_first_non_empty_wins() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_TW.UTF-8")])),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN")])),
            Lang::En
        );
    }

    #[test]
    fn tags_and_locales_parse() {
        for tag in ["zh", "zh-CN", "zh_CN.UTF-8", "ZH-cn", "zh-Hans"] {
            assert_eq!(Lang::parse(tag), Some(Lang::ZhCn), "{tag}");
        }
        for tag in ["en", "en-US", "en_GB.UTF-8", "C", "POSIX", "C.UTF-8"] {
            assert_eq!(Lang::parse(tag), Some(Lang::En), "{tag}");
        }
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn a_scope_sets_the_thread_s_language_and_restores_it() {
        let _outer = scoped(Lang::En);
        {
            let _inner = scoped(Lang::ZhCn);
            assert_eq!(current(), Lang::ZhCn);
        }
        assert_eq!(current(), Lang::En);
    }

    #[test]
    fn both_catalogues_have_the_same_messages() {
        let en = message_ids(include_str!("../locales/en/testkit.ftl"));
        let zh = message_ids(include_str!("../locales/zh-CN/testkit.ftl"));
        assert!(!en.is_empty());
        assert_eq!(en, zh, "the same ids, in the same order");
        for id in en {
            assert!(
                TESTKIT.has(Lang::En, id) && TESTKIT.has(Lang::ZhCn, id),
                "{id}"
            );
        }
    }

    #[test]
    fn a_missing_message_falls_back_to_english_then_to_its_id() {
        let catalogue = Catalogue::new(["a = A { $n }\nb = B\n", "a = 甲 { $n }\n"]);
        let n = [("n", FluentValue::from(3))];
        assert_eq!(catalogue.text(Lang::ZhCn, "a", &n), "甲 3");
        assert_eq!(catalogue.text(Lang::ZhCn, "b", &[]), "B");
        assert_eq!(catalogue.text(Lang::En, "c", &[]), "c");
    }
}
