//! The languages sendercheck speaks, how one is chosen, and the Fluent catalogs that give a
//! finding its words.

use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use super::{Arg, Join, Text};

/// A language of the catalogs. French and Portuguese join English once their catalogs hold
/// every code (the catalog tests require all of them for each language listed here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 1] = [Lang::En];

    /// The language's tag as the contract writes it (`en`, `fr`, `pt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
        }
    }

    /// The language's own name, for the pages' language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
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

    /// The best language of an HTTP `Accept-Language` value (RFC 9110 §12.5.4): the one with
    /// the highest weight that has a catalog; `None` when none has.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> = Self::ALL
            .iter()
            .filter_map(|lang| lang.as_str().parse().ok())
            .collect();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            None,
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|id| Self::parse(id.language.as_str()))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The catalogs as they are compiled in, per language.
pub(super) const SOURCES: [(Lang, &str); 1] = [(Lang::En, include_str!("en.ftl"))];

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

fn render_one(text: &Text, lang: Lang) -> String {
    let mut args = FluentArgs::new();
    for (name, arg) in &text.args {
        let value = match arg {
            Arg::Str(value) => FluentValue::from(value.clone()),
            Arg::Num(value) => FluentValue::from(*value),
            Arg::Text(inner) => FluentValue::from(render(inner, lang)),
            Arg::List(list, join) => FluentValue::from(render_list(list, *join, lang)),
        };
        args.set(*name, value);
    }
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
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse("not a tag!"), None);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("en_GB@euro"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C.UTF-8"), None);
        assert_eq!(Lang::from_locale("POSIX"), None);
        assert_eq!(Lang::negotiate("de-DE, en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::negotiate("en-US;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de, ja"), None);
        assert_eq!(Lang::negotiate(""), None);
    }
}
