//! Findings as data: a stable code and its parameters, never a finished sentence.
//!
//! The judging core (`checks/`, `message/`, `smtp/`, `dns/dnssec.rs`) says what it found as a
//! [`Text`] made by one of the constructors of [`codes`], which fix each code's parameters. The
//! words are chosen where output is made (CLI, API, pages) by [`Text::render`] in a [`Lang`],
//! from the Fluent catalogs beside this file (`en.ftl`, `fr.ftl`, `pt.ftl`). A code, once
//! published, keeps its meaning; `codes::ALL` lists them for `GET /v1/codes`, and the tests
//! below fail when a catalog lacks a code or names a parameter the code does not give.

pub mod codes;
mod lang;

pub use lang::{Lang, template, ui};

/// One finding: its code and the values its message needs. A message that lists several
/// findings keeps the first as its own and the others in `more`, rendered after it with "; ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub code: &'static str,
    pub args: Vec<(&'static str, Arg)>,
    pub more: Vec<Text>,
}

/// A parameter of a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A name, a term, a record: shown as it is, never translated.
    Str(String),
    /// A count, which may choose the plural form.
    Num(i64),
    /// Another finding, rendered in the same language.
    Text(Box<Text>),
    /// Several findings, rendered in the same language and joined as `Join` says.
    List(Vec<Text>, Join),
}

/// How the items of a list parameter are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// "a; b": separate findings.
    Semicolon,
    /// "a and b" in the language.
    And,
    /// "a; or b" in the language: alternatives.
    Or,
}

impl Arg {
    /// Items that all hold ("a and b").
    pub fn all(items: Vec<Text>) -> Self {
        Arg::List(items, Join::And)
    }

    /// Alternatives ("a; or b").
    pub fn any(items: Vec<Text>) -> Self {
        Arg::List(items, Join::Or)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Str(value.to_string())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Str(value)
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Str(value.clone())
    }
}

impl From<Text> for Arg {
    fn from(value: Text) -> Self {
        Arg::Text(Box::new(value))
    }
}

impl From<Vec<Text>> for Arg {
    fn from(value: Vec<Text>) -> Self {
        Arg::List(value, Join::Semicolon)
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Num(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(usize, u8, u16, u32, u64, i32, i64);

impl Text {
    /// A finding with its parameters (use the constructors of [`codes`]).
    pub fn new(code: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Text {
            code,
            args,
            more: Vec::new(),
        }
    }

    /// This finding followed by `other` (and whatever follows it).
    pub fn and(mut self, other: Text) -> Self {
        let Text {
            code,
            args,
            more: tail,
        } = other;
        self.more.push(Text {
            code,
            args,
            more: Vec::new(),
        });
        self.more.extend(tail);
        self
    }

    /// The findings as one message: the first with the others after it; `None` for none.
    pub fn join(findings: impl IntoIterator<Item = Text>) -> Option<Text> {
        let mut findings = findings.into_iter();
        let first = findings.next()?;
        Some(findings.fold(first, Text::and))
    }

    /// Every finding of this message, the first and those in `more`.
    pub fn findings(&self) -> impl Iterator<Item = &Text> {
        std::iter::once(self).chain(self.more.iter())
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        lang::render(self, lang)
    }

    /// The message in English (logs, tests).
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }

    /// Every code this message uses, nested parameters included (tests of the catalogs).
    pub fn all_codes(&self) -> Vec<&'static str> {
        let mut codes = Vec::new();
        for finding in self.findings() {
            codes.push(finding.code);
            for (_, arg) in &finding.args {
                match arg {
                    Arg::Text(text) => codes.extend(text.all_codes()),
                    Arg::List(list, _) => list.iter().for_each(|t| codes.extend(t.all_codes())),
                    Arg::Str(_) | Arg::Num(_) => {}
                }
            }
        }
        codes
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast;

    use super::lang::{SOURCES, message_id};
    use super::*;

    /// The variables a pattern names, terms and nested selections included.
    fn variables<'s>(pattern: &ast::Pattern<&'s str>, out: &mut BTreeSet<&'s str>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, out);
            }
        }
    }

    fn expression_variables<'s>(
        expression: &ast::Expression<&'s str>,
        out: &mut BTreeSet<&'s str>,
    ) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for variant in variants {
                    variables(&variant.value, out);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, out),
        }
    }

    fn inline_variables<'s>(inline: &ast::InlineExpression<&'s str>, out: &mut BTreeSet<&'s str>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name);
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, out)
            }
            _ => {}
        }
    }

    /// Each catalog's messages (id → variables), failing on any syntax error.
    fn catalog(lang: Lang) -> std::collections::BTreeMap<String, BTreeSet<&'static str>> {
        let source = SOURCES.iter().find(|(l, _)| *l == lang).unwrap().1;
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("{lang}.ftl does not parse: {errors:?}"));
        let mut messages = std::collections::BTreeMap::new();
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let mut found = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    variables(pattern, &mut found);
                }
                let previous = messages.insert(message.id.name.to_string(), found);
                assert!(
                    previous.is_none(),
                    "{lang}.ftl defines {} twice",
                    message.id.name
                );
            }
        }
        messages
    }

    #[test]
    fn codes_are_unique_dotted_and_lower_case() {
        let mut seen = BTreeSet::new();
        for code in codes::ALL {
            assert!(seen.insert(code.code), "{} is defined twice", code.code);
            assert!(
                code.code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_'),
                "{} is not lower case, digits, dots and underscores",
                code.code
            );
        }
    }

    #[test]
    fn every_language_has_every_code_with_only_its_parameters() {
        for lang in Lang::ALL {
            let messages = catalog(lang);
            for code in codes::ALL {
                let Some(used) = messages.get(&message_id(code.code)) else {
                    panic!("{lang}.ftl has no message for {}", code.code);
                };
                for variable in used {
                    assert!(
                        code.params.contains(variable),
                        "{lang}.ftl: {} names ${variable}, which the code does not give (it gives {:?})",
                        code.code,
                        code.params
                    );
                }
            }
            for id in messages.keys() {
                let known = codes::ALL.iter().any(|code| message_id(code.code) == *id)
                    || id.starts_with("join-")
                    || id.starts_with("ui-");
                assert!(known, "{lang}.ftl has {id}, which is no code");
            }
            // The interface's words: the same ids, with the same parameters, in every language.
            let english = catalog(Lang::En);
            let ui = |messages: &std::collections::BTreeMap<String, BTreeSet<&'static str>>| {
                messages
                    .iter()
                    .filter(|(id, _)| id.starts_with("ui-") || id.starts_with("join-"))
                    .map(|(id, used)| (id.clone(), used.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                ui(&messages),
                ui(&english),
                "{lang}.ftl: the ui- and join- messages differ from en.ftl"
            );
        }
    }

    #[test]
    fn a_finding_renders_with_its_values_and_plural_forms() {
        let flattened = codes::spf_fix_flattened("include:a.example", 1usize, "a.example", 10usize);
        assert_eq!(
            flattened.en(),
            "the suggested record replaces \"include:a.example\" with the address range a.example \
             publishes, to stay within 10 DNS lookups; when a.example changes them, this copy \
             goes stale"
        );
        let joined = Text::join([
            codes::spf_missing("a.example"),
            codes::mx_missing("a.example"),
        ])
        .unwrap();
        assert_eq!(joined.code, "spf.missing");
        assert_eq!(
            joined.en(),
            "no SPF record at a.example; no MX record at a.example"
        );
        let listed = codes::record_also_accepted(Arg::any(vec![
            codes::alternative_dkim_key("k1._domainkey.a.example"),
            codes::alternative_dmarc("_dmarc.a.example"),
        ]));
        assert_eq!(
            listed.en(),
            "also accepted instead: a TXT DKIM key at k1._domainkey.a.example; or DMARC at \
             _dmarc.a.example"
        );
        // No invisible isolation marks around values: the words are pasted into DNS panels.
        assert!(
            !codes::spf_missing("a.example")
                .render(Lang::Fr)
                .contains('\u{2068}')
        );
        assert_eq!(
            codes::spf_missing("a.example").render(Lang::Fr),
            "aucun enregistrement SPF à a.example"
        );
        assert_eq!(
            codes::spf_missing("a.example").render(Lang::Pt),
            "nenhum registro SPF em a.example"
        );
        // Plural forms by each language's rules (French counts 0 and 1 as one).
        let one = codes::spf_fix_flattened("ip4:x", 1usize, "a.example", 10usize);
        assert!(one.render(Lang::Fr).contains("par la plage d'adresses que"));
        assert!(one.render(Lang::Pt).contains("pela faixa de endereços que"));
        let many = codes::spf_fix_flattened("ip4:x", 3usize, "a.example", 10usize);
        assert!(
            many.render(Lang::Fr)
                .contains("par les 3 plages d'adresses que")
        );
        assert!(
            many.render(Lang::Pt)
                .contains("pelas 3 faixas de endereços que")
        );
        // Lists joined in the language.
        let listed = codes::spf_fix_corrects(Arg::all(vec![
            codes::spf_fix_corrected_term("a", "b"),
            codes::spf_fix_corrected_term("c", "d"),
        ]));
        assert_eq!(
            listed.render(Lang::Fr),
            "l'enregistrement proposé corrige \"a\" en \"b\" et \"c\" en \"d\""
        );
    }

    #[test]
    fn templates_are_shown_as_written() {
        assert_eq!(
            template("spf.missing", Lang::En).unwrap(),
            "no SPF record at { $domain }"
        );
    }
}
