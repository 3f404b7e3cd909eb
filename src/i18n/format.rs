//! Numbers, dates, times and country names as each language writes them,
//! from the CLDR data the ICU4X crates compile in. Times are shown in
//! Kazakhstan's time (Asia/Almaty); storage stays UTC.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Asia::Almaty;
use fluent_bundle::FluentValue;
use fluent_bundle::memoizer::MemoizerKind;
use icu_calendar::Iso;
use icu_collator::{Collator, CollatorBorrowed};
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{YM, YMD, YMDT};
use icu_datetime::input::{Date, DateTime as IcuDateTime, Time};
use icu_datetime::options::TimePrecision;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_locale::names::RegionDisplayName;
use icu_locale_core::LanguageIdentifier;
use icu_locale_core::subtags::Region;
use intl_memoizer::concurrent::IntlLangMemoizer;

/// Why a language's formatting data could not be loaded. Only a broken build can cause it.
#[derive(Debug, thiserror::Error)]
#[error("CLDR data for {0} is missing")]
pub struct FormatDataError(String);

/// One language's formatters, built once at start-up.
pub struct Formats {
    decimal: DecimalFormatter,
    date: DateTimeFormatter<YMD>,
    moment: DateTimeFormatter<YMDT>,
    month: DateTimeFormatter<YM>,
    /// Every assigned ISO 3166-1 country as (code, name), in the language's alphabetical order.
    countries: Vec<(&'static str, String)>,
}

impl Formats {
    /// The formats of a language by its BCP 47 code (`kk`, `ru`, `en`).
    pub fn load(code: &str) -> Result<Self, FormatDataError> {
        let missing = |what: &str| FormatDataError(format!("{code} ({what})"));
        let language: LanguageIdentifier = code.parse().map_err(|_| missing("language code"))?;
        let language = &language;
        let decimal = DecimalFormatter::try_new(language.into(), Default::default()).map_err(|_| missing("numbers"))?;
        let date = DateTimeFormatter::try_new(language.into(), YMD::long()).map_err(|_| missing("dates"))?;
        let moment =
            DateTimeFormatter::try_new(language.into(), YMDT::long().with_time_precision(TimePrecision::Minute))
                .map_err(|_| missing("times"))?;
        let month = DateTimeFormatter::try_new(language.into(), YM::long()).map_err(|_| missing("months"))?;
        let collator: CollatorBorrowed<'static> =
            Collator::try_new(language.into(), Default::default()).map_err(|_| missing("collation"))?;
        let mut countries: Vec<(&'static str, String)> = isocountry::CountryCode::iter()
            .filter_map(|country| {
                let code = country.alpha2();
                let region: Region = code.parse().ok()?;
                // CLDR names every assigned code; the English name is only a safety net.
                let name = RegionDisplayName::try_new_light(language.into(), region)
                    .map_or_else(|_| country.name().to_owned(), |name| name.to_string());
                Some((code, name))
            })
            .collect();
        countries.sort_by(|(_, a), (_, b)| collator.compare(a, b));
        Ok(Self { decimal, date, moment, month, countries })
    }

    /// `5000` as "5 000", "5 000" or "5,000".
    pub fn number(&self, n: i64) -> String {
        self.decimal.format(&Decimal::from(n)).to_string()
    }

    /// A calendar date, such as "30 November 2026".
    pub fn date(&self, date: NaiveDate) -> String {
        gregorian(date).map(|d| self.date.format(&d).to_string()).unwrap_or_else(|| date.to_string())
    }

    /// A stored UTC time as it was in Almaty, to the minute.
    pub fn moment(&self, utc: NaiveDateTime) -> String {
        let local = almaty(utc);
        let time = Time::try_new(local.hour() as u8, local.minute() as u8, 0, 0).ok();
        match (gregorian(local.date()), time) {
            (Some(date), Some(time)) => self.moment.format(&IcuDateTime { date, time }).to_string(),
            _ => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// The day a stored UTC time fell on in Almaty, month named.
    pub fn day(&self, utc: NaiveDateTime) -> String {
        self.date(almaty(utc).date())
    }

    /// A month of a year, such as "November 2026"; `month` is `YYYY-MM`.
    pub fn month(&self, month: &str) -> String {
        NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .ok()
            .and_then(gregorian)
            .map(|d| self.month.format(&d).to_string())
            .unwrap_or_else(|| month.to_owned())
    }

    pub fn countries(&self) -> &[(&'static str, String)] {
        &self.countries
    }

    /// The name of the country with this ISO code, or the code if it is not one.
    pub fn country(&self, code: &str) -> String {
        self.countries.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_owned(), |(_, name)| name.clone())
    }
}

/// CLDR grouping for the numbers inside messages ("{ $count } accounts"),
/// which Fluent alone prints as bare digits. Built once per language by the
/// bundle's memoizer.
struct GroupedNumbers(DecimalFormatter);

impl intl_memoizer::Memoizable for GroupedNumbers {
    type Args = ();
    type Error = FormatDataError;

    fn construct(language: unic_langid::LanguageIdentifier, _: ()) -> Result<Self, FormatDataError> {
        let missing = || FormatDataError(format!("{language} (numbers)"));
        let language: LanguageIdentifier = language.to_string().parse().map_err(|_| missing())?;
        DecimalFormatter::try_new((&language).into(), Default::default()).map(Self).map_err(|_| missing())
    }
}

/// The bundles' formatter for numeric arguments: whole numbers grouped as the
/// language writes them; anything else as Fluent would.
pub(super) fn fluent_number(value: &FluentValue<'_>, memoizer: &IntlLangMemoizer) -> Option<String> {
    let FluentValue::Number(number) = value else { return None };
    if number.value.fract() != 0.0 || number.value.abs() >= 1e15 {
        return None;
    }
    // Whole and well inside i64: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let whole = Decimal::from(number.value as i64);
    memoizer.with_try_get_threadsafe::<GroupedNumbers, _, _>((), |f| f.0.format(&whole).to_string()).ok()
}

fn almaty(utc: NaiveDateTime) -> NaiveDateTime {
    DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc).with_timezone(&Almaty).naive_local()
}

fn gregorian(date: NaiveDate) -> Option<Date<Iso>> {
    Date::try_new_iso(date.year(), u8::try_from(date.month()).ok()?, u8::try_from(date.day()).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(code: &str) -> Formats {
        Formats::load(code).unwrap()
    }

    #[test]
    fn numbers_are_grouped_as_each_language_writes_them() {
        assert_eq!(formats("en-GB").number(5000), "5,000");
        assert_eq!(formats("ru").number(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(formats("kk").number(5000), "5\u{a0}000");
        assert_eq!(formats("kk").number(12), "12");
    }

    #[test]
    fn dates_name_the_month_in_each_language() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(formats("en-GB").date(day), "30 November 2026");
        assert_eq!(formats("ru").date(day), "30 ноября 2026\u{202f}г.");
        assert_eq!(formats("kk").date(day), "2026\u{202f}ж. 30 қараша");
        assert_eq!(formats("ru").month("2026-11"), "ноябрь 2026\u{202f}г.");
        assert_eq!(formats("en-GB").month("2026-11"), "November 2026");
    }

    #[test]
    fn times_are_shown_in_almaty() {
        let utc = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(20, 5, 0).unwrap();
        // UTC+5: past midnight in Kazakhstan.
        assert_eq!(formats("en-GB").moment(utc), "1 December 2026 at 01:05");
        assert!(formats("ru").moment(utc).starts_with("1 декабря 2026"));
        assert_eq!(formats("en-GB").day(utc), "1 December 2026", "the day it is in Almaty");
    }

    #[test]
    fn countries_are_named_and_ordered_in_the_language() {
        let ru = formats("ru");
        assert_eq!(ru.country("DE"), "Германия");
        assert_eq!(formats("kk").country("DE"), "Германия");
        assert_eq!(formats("en-GB").country("GB"), "United Kingdom");
        assert!(ru.countries().len() > 240);
        let kk = formats("kk");
        let position = |name: &str| kk.countries().iter().position(|(_, n)| n == name).unwrap();
        // Kazakh letters sort in the Kazakh alphabet, not after Я.
        assert!(position("Әзірбайжан") < position("Бельгия"), "Ә comes right after А");
        assert!(position("Өзбекстан") < position("Польша"), "Ө comes after О");
    }
}
