//! The languages sendercheck speaks, how one is chosen, and the Fluent catalogs that give a
//! finding its words.

use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use super::{Arg, Join, Text};

/// A language of the catalogs (each holds every code: the catalog tests require it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Pt];

    /// The language's tag as the contract writes it (`en`, `fr`, `pt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Pt => "pt",
        }
    }

    /// The language's own name, for the pages' language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Pt => "Português",
        }
    }

    /// A language tag (`fr`, `fr-CA`, `pt_BR`, `PT`); `None` for a language without a catalog
    /// or what is not a tag.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().replace('_', "-");
        let id: LanguageIdentifier = tag.parse().ok()?;
        Self::ALL
            .into_iter()
            .find(|lang| id.language.as_str() == lang.as_str())
    }

    /// The language of a POSIX locale (`fr_FR.UTF-8`, `pt_BR@euro`); `None` for `C`, `POSIX`,
    /// an empty value or a language without a catalog.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let name = locale.split(['.', '@']).next().unwrap_or_default();
        match name {
            "" | "C" | "POSIX" => None,
            name => Self::parse(name),
        }
    }

    /// The best language of an HTTP `Accept-Language` value (RFC 9110 §12.5.4): the tag of
    /// highest weight that has a catalog (`q=0` is "not acceptable"; equal weights keep their
    /// order); `None` when none has.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut ranges: Vec<(u16, &str)> = accept_language
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let weight = parts
                    .filter_map(|param| param.trim().strip_prefix("q="))
                    .next()
                    .map_or(Some(1000), quality)?;
                (!tag.is_empty() && weight > 0).then_some((weight, tag))
            })
            .collect();
        ranges.sort_by_key(|range| std::cmp::Reverse(range.0));
        ranges.into_iter().find_map(|(_, tag)| Self::parse(tag))
    }
}

/// A weight (`qvalue`: 0 to 1, at most three decimals) in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    let value = whole * 1000 + thousandths;
    (value <= 1000).then_some(value)
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The catalogs as they are compiled in, per language.
pub(super) const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("en.ftl")),
    (Lang::Fr, include_str!("fr.ftl")),
    (Lang::Pt, include_str!("pt.ftl")),
];

struct Catalog {
    bundle: FluentBundle<FluentResource>,
}

static CATALOGS: LazyLock<Vec<(Lang, Catalog)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, source)| (*lang, Catalog::new(*lang, source)))
        .collect()
});

impl Catalog {
    fn new(lang: Lang, source: &str) -> Self {
        // A catalog that does not parse is a build error in practice: the tests parse each
        // one and fail on any error. Whatever parsed is kept.
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
        let id: LanguageIdentifier = lang.as_str().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // The words are copied into DNS panels and e-mails: no invisible isolation marks.
        bundle.set_use_isolating(false);
        let _ = bundle.add_resource(resource);
        Catalog { bundle }
    }

    fn message(&self, code: &str, args: Option<&FluentArgs>) -> Option<String> {
        let message = self.bundle.get_message(&message_id(code))?;
        let pattern = message.value()?;
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }
}

/// The Fluent identifier of a code: Fluent identifiers have no dots, codes have no hyphens.
pub(super) fn message_id(code: &str) -> String {
    code.replace('.', "-")
}

fn catalog(lang: Lang) -> &'static Catalog {
    let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    &CATALOGS[index].1
}

/// A word or sentence of the interface (a label of the CLI's table, of a page): its catalog
/// id starts with `ui-`, and the catalog tests require it in every language with the same
/// parameters. Falls back to English, then to the id.
pub fn ui(lang: Lang, id: &str, args: &[(&'static str, Arg)]) -> String {
    let fluent = fluent_args(args, lang);
    catalog(lang)
        .message(id, Some(&fluent))
        .or_else(|| catalog(Lang::En).message(id, Some(&fluent)))
        .unwrap_or_else(|| id.to_string())
}

/// A message template as the catalog writes it (`GET /v1/codes`).
pub fn template(code: &str, lang: Lang) -> Option<String> {
    let message = catalog(lang).bundle.get_message(&message_id(code))?;
    let pattern = message.value()?;
    Some(super::codes::pattern_source(pattern))
}

/// The words of `text` in `lang`; a language lacking the code falls back to English, and a
/// code no catalog has (the tests prevent it) is shown as the code with its values.
pub(super) fn render(text: &Text, lang: Lang) -> String {
    let mut out = render_one(text, lang);
    for more in &text.more {
        out.push_str("; ");
        out.push_str(&render_one(more, lang));
    }
    out
}

/// The items in `lang`, joined: "; " between findings, the language's "and" or "or" between
/// the items of one.
fn render_list(list: &[Text], join: Join, lang: Lang) -> String {
    let separator = match join {
        Join::Semicolon => {
            return list
                .iter()
                .map(|t| render(t, lang))
                .collect::<Vec<_>>()
                .join("; ");
        }
        Join::And => "join-and",
        Join::Or => "join-or",
    };
    let separator = catalog(lang)
        .message(separator, None)
        .unwrap_or_else(|| " / ".to_string());
    list.iter()
        .map(|t| render(t, lang))
        .collect::<Vec<_>>()
        .join(&separator)
}

/// The parameters as Fluent values, nested findings rendered in `lang`.
fn fluent_args<'a>(args: &'a [(&'static str, Arg)], lang: Lang) -> FluentArgs<'a> {
    let mut fluent = FluentArgs::new();
    for (name, arg) in args {
        let value = match arg {
            Arg::Str(value) => FluentValue::from(value.as_str()),
            Arg::Num(value) => FluentValue::from(*value),
            Arg::Text(inner) => FluentValue::from(render(inner, lang)),
            Arg::List(list, join) => FluentValue::from(render_list(list, *join, lang)),
        };
        fluent.set(*name, value);
    }
    fluent
}

fn render_one(text: &Text, lang: Lang) -> String {
    let args = fluent_args(&text.args, lang);
    catalog(lang)
        .message(text.code, Some(&args))
        .or_else(|| catalog(Lang::En).message(text.code, Some(&args)))
        .unwrap_or_else(|| {
            let values: Vec<String> = text
                .args
                .iter()
                .map(|(name, arg)| match arg {
                    Arg::Str(value) => format!("{name}={value}"),
                    Arg::Num(value) => format!("{name}={value}"),
                    Arg::Text(inner) => format!("{name}={}", render(inner, lang)),
                    Arg::List(list, _) => format!("{name}={}", list.len()),
                })
                .collect();
            format!("{} ({})", text.code, values.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_locales_and_accept_language_choose_a_catalog() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::parse("PT_br"), Some(Lang::Pt));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse("not a tag!"), None);
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("pt_BR@euro"), Some(Lang::Pt));
        assert_eq!(Lang::from_locale("C.UTF-8"), None);
        assert_eq!(Lang::from_locale("POSIX"), None);
        assert_eq!(Lang::negotiate("de-DE, fr;q=0.8, en;q=0.5"), Some(Lang::Fr));
        assert_eq!(
            Lang::negotiate("pt-BR,pt;q=0.9,en-US;q=0.8"),
            Some(Lang::Pt)
        );
        assert_eq!(Lang::negotiate("en;q=0.2, pt;q=0.9"), Some(Lang::Pt));
        assert_eq!(Lang::negotiate("de, ja"), None);
        assert_eq!(Lang::negotiate(""), None);
        assert_eq!(Lang::negotiate("fr;q=0, pt;q=0.1"), Some(Lang::Pt));
        assert_eq!(Lang::negotiate("*, fr;q=0.5"), Some(Lang::Fr));
        assert_eq!(Lang::negotiate("fr;q=2, pt"), Some(Lang::Pt));
    }
}
