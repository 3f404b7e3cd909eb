//! The owner-facing languages and their message catalogues.
//!
//! Catalogues are Fluent files in `locales/` (kk.ftl, ru.ftl, en.ftl):
//! translators edit them without touching code. They are compiled into the
//! binary and parsed at start-up; a test checks that every catalogue has
//! every message, so a page never shows a message id. Numbers, dates and
//! country names come from CLDR ([`format`]).

mod format;

use crate::domain::string_enum;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
pub use format::FormatDataError;
use format::Formats;
use unic_langid::LanguageIdentifier;

string_enum! {
    /// A language of the owner forms. Kazakh first: the state language.
    pub enum Lang: UnknownLang {
        Kk = "kk",
        Ru = "ru",
        En = "en",
    }
}

impl Lang {
    /// The language's catalogue, compiled into the binary.
    fn source(self) -> &'static str {
        match self {
            Lang::Kk => include_str!("../../locales/kk.ftl"),
            Lang::Ru => include_str!("../../locales/ru.ftl"),
            Lang::En => include_str!("../../locales/en.ftl"),
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::Kk => unic_langid::langid!("kk"),
            Lang::Ru => unic_langid::langid!("ru"),
            Lang::En => unic_langid::langid!("en"),
        }
    }

    /// The CLDR locale for numbers and dates: English as written in Britain,
    /// so that English pages too put the day first and use a 24-hour clock, as Kazakhstan does.
    fn formats_locale(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en-GB",
        }
    }

    /// The language for a request: an explicit `?lang=`, then the `lang`
    /// cookie, then the browser's languages (best first, as ranked from
    /// `Accept-Language`), then Kazakh.
    pub fn negotiate<'a>(
        query: Option<&str>,
        cookie: Option<&str>,
        accepted: impl IntoIterator<Item = &'a str>,
    ) -> Lang {
        query
            .and_then(|code| code.parse().ok())
            .or_else(|| cookie.and_then(|code| code.parse().ok()))
            .or_else(|| {
                accepted.into_iter().find_map(|tag| {
                    let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
                    primary.parse().ok()
                })
            })
            .unwrap_or(Lang::Kk)
    }
}

/// Why a catalogue could not be loaded. Only a broken build can cause it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the {lang} message catalogue is invalid: {reason}")]
    Messages { lang: Lang, reason: String },
    #[error(transparent)]
    Formats(#[from] FormatDataError),
}

type Bundle = FluentBundle<FluentResource>;

/// One language's messages and formats.
struct Catalogue {
    messages: Bundle,
    formats: Formats,
}

/// All catalogues, parsed once.
pub struct Catalogues {
    kk: Catalogue,
    ru: Catalogue,
    en: Catalogue,
}

impl Catalogues {
    pub fn load() -> Result<Self, CatalogueError> {
        Ok(Self { kk: Self::parse(Lang::Kk)?, ru: Self::parse(Lang::Ru)?, en: Self::parse(Lang::En)? })
    }

    fn parse(lang: Lang) -> Result<Catalogue, CatalogueError> {
        Ok(Catalogue { messages: Self::messages(lang)?, formats: Formats::load(lang.formats_locale())? })
    }

    fn messages(lang: Lang) -> Result<Bundle, CatalogueError> {
        let error = |reason: String| CatalogueError::Messages { lang, reason };
        let resource = FluentResource::try_new(lang.source().to_owned())
            .map_err(|(_, errors)| error(format!("{} syntax error(s)", errors.len())))?;
        let mut bundle = FluentBundle::new_concurrent(vec![lang.id()]);
        // Left-to-right languages only: no Unicode isolation marks around values.
        bundle.set_use_isolating(false);
        bundle.set_formatter(Some(format::fluent_number));
        bundle.add_resource(resource).map_err(|e| error(format!("{e:?}")))?;
        Ok(bundle)
    }

    fn catalogue(&self, lang: Lang) -> &Catalogue {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    /// The message, or its id if it is missing (the completeness test prevents that).
    pub fn text(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = &self.catalogue(lang).messages;
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(message.id = id, lang = lang.as_str(), "missing message");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

/// A language with its catalogue: what a page renders with.
#[derive(Clone, Copy)]
pub struct Texts<'a> {
    pub lang: Lang,
    catalogues: &'a Catalogues,
    /// The page's path and query, for language links that keep them.
    here: Option<(&'a str, &'a str)>,
    /// Whether the page's form `answers` goes along with a language switch.
    keeps_answers: bool,
}

impl<'a> Texts<'a> {
    pub fn new(catalogues: &'a Catalogues, lang: Lang) -> Self {
        Self { lang, catalogues, here: None, keeps_answers: false }
    }

    /// The texts of the page at `path` with `query` (as the request has them).
    pub fn at(self, path: &'a str, query: &'a str) -> Self {
        Self { here: Some((path, query)), ..self }
    }

    /// The texts of a page whose language switch posts its form `answers`,
    /// so that typed answers survive the switch (no JavaScript needed).
    pub fn keeping_answers(self) -> Self {
        Self { keeps_answers: true, ..self }
    }

    pub fn keeps_answers(&self) -> bool {
        self.keeps_answers
    }

    /// `{{ t.switch_to("kk") }}`: this page in `lang`, its path and query
    /// kept, so a switch never loses where the visitor is.
    pub fn switch_to(&self, lang: &str) -> String {
        // Only a path of this site: never `//host`, which a browser would leave for.
        let here = self.here.filter(|(path, _)| path.starts_with('/') && !path.starts_with("//"));
        let Some((path, query)) = here else { return format!("?lang={lang}") };
        let kept: String = query
            .split('&')
            .filter(|pair| !pair.is_empty() && *pair != "lang" && !pair.starts_with("lang="))
            .map(|pair| format!("{pair}&"))
            .collect();
        format!("{path}?{kept}lang={lang}")
    }

    fn formats(&self) -> &'a Formats {
        &self.catalogues.catalogue(self.lang).formats
    }

    /// A number as the language writes it: `{{ t.number(threshold) }}`.
    pub fn number(&self, n: impl std::borrow::Borrow<i64>) -> String {
        self.formats().number(*n.borrow())
    }

    /// A calendar date, month named.
    pub fn date(&self, date: impl std::borrow::Borrow<chrono::NaiveDate>) -> String {
        self.formats().date(*date.borrow())
    }

    /// A stored UTC time as the clock in Almaty showed it, to the minute.
    pub fn moment(&self, utc: impl std::borrow::Borrow<chrono::NaiveDateTime>) -> String {
        self.formats().moment(*utc.borrow())
    }

    /// The day a stored UTC time fell on in Almaty, month named.
    pub fn day(&self, utc: impl std::borrow::Borrow<chrono::NaiveDateTime>) -> String {
        self.formats().day(*utc.borrow())
    }

    /// A `YYYY-MM` month, named.
    pub fn month(&self, month: &str) -> String {
        self.formats().month(month)
    }

    /// Every country as (ISO code, name), in the language's alphabetical order.
    pub fn countries(&self) -> &'a [(&'static str, String)] {
        self.formats().countries()
    }

    /// A country's name from its ISO code.
    pub fn country(&self, code: &str) -> String {
        self.formats().country(code)
    }

    /// `{{ t.get("home-title") }}` in templates.
    pub fn get(&self, id: &str) -> String {
        self.catalogues.text(self.lang, id, None)
    }

    /// A message with one text argument, such as a date.
    pub fn with(&self, id: &str, name: &'static str, value: String) -> String {
        let mut args = FluentArgs::new();
        args.set(name, value);
        self.catalogues.text(self.lang, id, Some(&args))
    }

    /// A message with one numeric argument, for counts (plural forms differ per language).
    /// Takes `i64` or `&i64`: templates pass their fields by reference.
    pub fn count(&self, id: &str, count: impl std::borrow::Borrow<i64>) -> String {
        let mut args = FluentArgs::new();
        args.set("count", *count.borrow());
        self.catalogues.text(self.lang, id, Some(&args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id of a language's catalogue.
    fn ids(lang: Lang) -> Vec<String> {
        let source = lang.source();
        let mut ids: Vec<String> = source
            .lines()
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id))
            .filter(|id| !id.is_empty() && !id.starts_with([' ', '#', '*', '[']))
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn every_catalogue_has_every_message() {
        let catalogues = Catalogues::load().unwrap();
        let english = ids(Lang::En);
        assert!(english.len() > 20, "the English catalogue is read");
        for lang in [Lang::Kk, Lang::Ru] {
            assert_eq!(ids(lang), english, "{lang} has the same messages as en");
        }
        for lang in Lang::ALL {
            for id in &english {
                assert_ne!(&catalogues.text(*lang, id, None), id, "{lang}: {id} renders");
            }
        }
    }

    #[test]
    fn the_language_comes_from_query_then_cookie_then_browser_then_kazakh() {
        assert_eq!(Lang::negotiate(Some("en"), Some("ru"), ["kk"]), Lang::En);
        assert_eq!(Lang::negotiate(Some("de"), Some("ru"), []), Lang::Ru, "an unknown query is ignored");
        assert_eq!(Lang::negotiate(None, Some("ru"), ["en"]), Lang::Ru);
        assert_eq!(Lang::negotiate(None, None, ["de-DE", "ru", "en"]), Lang::Ru);
        assert_eq!(Lang::negotiate(None, None, ["en-GB"]), Lang::En);
        assert_eq!(Lang::negotiate(None, None, ["KK_kz"]), Lang::Kk);
        assert_eq!(Lang::negotiate(None, None, ["de", "fr"]), Lang::Kk);
        assert_eq!(Lang::negotiate(None, None, []), Lang::Kk);
    }

    #[test]
    fn counts_use_each_languages_plural_forms() {
        let catalogues = Catalogues::load().unwrap();
        let here = Texts::new(&catalogues, Lang::En).at("/claim/identify", "type=resident&lang=en");
        assert_eq!(here.switch_to("kk"), "/claim/identify?type=resident&lang=kk");
        assert_eq!(Texts::new(&catalogues, Lang::En).at("/my", "").switch_to("ru"), "/my?lang=ru");
        assert_eq!(Texts::new(&catalogues, Lang::En).at("//evil.example/", "").switch_to("ru"), "?lang=ru");
        let ru = Texts::new(&catalogues, Lang::Ru);
        assert_eq!(ru.count("accounts-count", 1), "1 аккаунт");
        assert_eq!(ru.count("accounts-count", 3), "3 аккаунта");
        assert_eq!(ru.count("accounts-count", 5), "5 аккаунтов");
        let en = Texts::new(&catalogues, Lang::En);
        assert_eq!(en.count("accounts-count", 1), "1 account");
        assert_eq!(en.count("accounts-count", 2), "2 accounts");
        assert_eq!(en.count("accounts-count", 12_345), "12,345 accounts", "counts are grouped");
        assert_eq!(ru.count("accounts-count", 5000), "5\u{a0}000 аккаунтов");
    }
}
