//! Findings in the customer's language: the CLI (`--lang`, `SENDERCHECK_LANG`, the locale) and
//! the API (`Accept-Language`, `?lang=`, `[defaults] lang`) in French and Portuguese, the
//! codes the same in every language, and English unchanged when nothing asks for another.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    AppOptions, exit_code, fixture_nameserver, json, run_env, spawn_app, stderr, stdout,
};

/// `sendercheck check broken-spf.example` with these arguments and environment.
fn check(extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let nameserver = fixture_nameserver();
    let mut args = vec!["check", "broken-spf.example", "--nameserver", &nameserver];
    args.extend_from_slice(extra);
    run_env(&args, None, env)
}

#[test]
fn the_cli_speaks_french_and_portuguese_from_the_flag_the_variable_or_the_locale() {
    let english = stdout(&check(&[], &[]));
    assert!(
        english.starts_with("broken-spf.example (profile mandrill): not ready"),
        "{english}"
    );
    assert!(english.contains("SPF record does not include spf.mandrillapp.com"));

    let french = check(&["--lang", "fr"], &[]);
    assert_eq!(exit_code(&french), 2);
    let french = stdout(&french);
    for words in [
        "broken-spf.example (profil mandrill) : pas prêt, 1 enregistrement sur 4 demande une action",
        "l'enregistrement SPF n'inclut pas spf.mandrillapp.com",
        "attendu : include:spf.mandrillapp.com dans l'enregistrement SPF",
        // The DNS values are exactly the English output's.
        "correctif : remplacer broken-spf.example. IN TXT \"v=spf1 a include:spf.mandrillapp.com -all\"",
        "(à la place de \"v=spf1 a -all\")",
        "avertissement : la politique none ne fait que surveiller",
        "donnez --token pour le vérifier",
    ] {
        assert!(french.contains(words), "{words:?} not in:\n{french}");
    }
    // Status words and column titles stay as they are, for scripts.
    assert!(
        french.contains("STATUS") && french.contains(" fail "),
        "{french}"
    );

    let portuguese = stdout(&check(&[], &[("SENDERCHECK_LANG", "pt-BR")]));
    for words in [
        "(perfil mandrill): não está pronto, 1 de 4 registros precisa de atenção",
        "o registro SPF não inclui spf.mandrillapp.com",
        "esperado: include:spf.mandrillapp.com no registro SPF",
        "correção: substituir broken-spf.example. IN TXT",
    ] {
        assert!(
            portuguese.contains(words),
            "{words:?} not in:\n{portuguese}"
        );
    }
    // The locale, by POSIX precedence: LC_ALL over LC_MESSAGES over LANG.
    let by_locale = stdout(&check(
        &[],
        &[("LC_ALL", "fr_FR.UTF-8"), ("LANG", "pt_BR.UTF-8")],
    ));
    assert!(by_locale.contains("pas prêt"), "{by_locale}");
    let by_lang = stdout(&check(&[], &[("LANG", "pt_BR.UTF-8")]));
    assert!(by_lang.contains("não está pronto"), "{by_lang}");
    let c_locale = stdout(&check(&[], &[("LANG", "C.UTF-8")]));
    assert_eq!(c_locale, english);
    // The flag wins over the variable.
    let flag = stdout(&check(&["--lang", "en"], &[("SENDERCHECK_LANG", "fr")]));
    assert_eq!(flag, english);

    // JSON: the words translated, codes and values not.
    let english = json(&check(&["--format", "json"], &[]));
    let french = json(&check(&["--format", "json", "--lang", "fr"], &[]));
    let (en_spf, fr_spf) = (&english["records"][0], &french["records"][0]);
    assert_eq!(fr_spf["code"], "spf.include_missing");
    assert_eq!(fr_spf["code"], en_spf["code"]);
    assert_eq!(fr_spf["status"], en_spf["status"]);
    assert_eq!(fr_spf["fix"], en_spf["fix"]);
    assert_eq!(
        fr_spf["message"],
        "l'enregistrement SPF n'inclut pas spf.mandrillapp.com"
    );
    assert_eq!(
        english["records"][3]["warning_codes"],
        json!(["dmarc.policy_none"])
    );
    assert_eq!(
        french["records"][3]["warning_codes"],
        json!(["dmarc.policy_none"])
    );

    // A language sendercheck does not speak is bad input, said so.
    for (args, env) in [
        (vec!["--lang", "de"], vec![]),
        (vec![], vec![("SENDERCHECK_LANG", "klingon!")]),
    ] {
        let refused = check(&args, &env);
        assert_ne!(exit_code(&refused), 0);
        assert!(
            stderr(&refused).contains("is not a language sendercheck speaks: en, fr or pt"),
            "{}",
            stderr(&refused)
        );
    }
}

#[tokio::test]
async fn the_api_answers_in_the_accepted_language_and_keeps_codes() {
    let app = spawn_app(AppOptions::default()).await;
    let check = |lang: Option<&'static str>| {
        let mut request = app
            .client
            .post(app.url("/v1/check"))
            .json(&json!({"domain": "broken-spf.example"}));
        if let Some(lang) = lang {
            request = request.header("Accept-Language", lang);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let english = check(None).await;
    let french = check(Some("fr-CA, en;q=0.5")).await;
    let portuguese = check(Some("de, pt-BR;q=0.8")).await;
    let spf = |report: &Value| report["records"][0].clone();
    assert_eq!(
        spf(&english)["message"],
        "SPF record does not include spf.mandrillapp.com"
    );
    assert_eq!(
        spf(&french)["message"],
        "l'enregistrement SPF n'inclut pas spf.mandrillapp.com"
    );
    assert_eq!(
        spf(&portuguese)["message"],
        "o registro SPF não inclui spf.mandrillapp.com"
    );
    for report in [&french, &portuguese] {
        assert_eq!(spf(report)["code"], spf(&english)["code"]);
        assert_eq!(spf(report)["fix"], spf(&english)["fix"]);
        assert_eq!(spf(report)["status"], "fail");
    }
    assert_eq!(
        spf(&portuguese)["expected"],
        "include:spf.mandrillapp.com no registro SPF"
    );

    // A stored result, in the asked language; the default's cached body is not mixed up.
    assert_eq!(app.register("broken-spf.example", None).await.0, 201);
    let stored = app.until_checked("broken-spf.example").await;
    assert_eq!(
        stored["records"][0]["message"],
        "SPF record does not include spf.mandrillapp.com"
    );
    let get = |lang: &'static str| {
        let request = app
            .client
            .get(app.url("/v1/domains/broken-spf.example"))
            .header("Accept-Language", lang);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let french = get("fr").await;
    assert_eq!(
        french["records"][0]["message"],
        "l'enregistrement SPF n'inclut pas spf.mandrillapp.com"
    );
    assert_eq!(french["records"][0]["code"], "spf.include_missing");
    let english = app.get("/v1/domains/broken-spf.example").await.1;
    assert_eq!(
        english["records"][0]["message"],
        "SPF record does not include spf.mandrillapp.com"
    );
    // The history's reasons, stored as codes, in each language.
    let reason = |body: Value| body["transitions"][0]["reason"].clone();
    let history = "/v1/domains/broken-spf.example/history";
    assert_eq!(reason(app.get(history).await.1), "registered");
    let (_, french) = app.get(&format!("{history}?lang=fr")).await;
    assert_eq!(reason(french), "inscrit");
    let (_, portuguese) = app.get(&format!("{history}?lang=pt")).await;
    assert_eq!(reason(portuguese), "cadastrado");

    // The code list in each language.
    let (status, codes) = app.get("/v1/codes?lang=pt").await;
    assert_eq!(status, 200);
    let template = codes["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|code| code["code"] == "spf.include_missing")
        .unwrap()["message"]
        .clone();
    assert_eq!(template, "o registro SPF não inclui { $provider }");
    let (status, refused) = app.call(Method::GET, "/v1/codes?lang=de", None).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("invalid_parameter"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_configured_default_language_answers_requests_that_ask_for_none() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sendercheck.toml");
    std::fs::write(&config, "[defaults]\nlang = \"pt\"\n").unwrap();
    let loaded = sendercheck::config::Config::load(Some(&config), |_| None).unwrap();
    assert_eq!(loaded.lang, sendercheck::text::Lang::Pt);
    std::fs::write(&config, "[defaults]\nlang = \"de\"\n").unwrap();
    let error = sendercheck::config::Config::load(Some(&config), |_| None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("defaults.lang"), "{error}");

    let app = spawn_app(AppOptions {
        lang: sendercheck::text::Lang::Pt,
        ..AppOptions::default()
    })
    .await;
    let (_, report) = app
        .call(
            Method::POST,
            "/v1/check",
            Some(json!({"domain": "broken-spf.example"})),
        )
        .await;
    assert_eq!(
        report["records"][0]["message"],
        "o registro SPF não inclui spf.mandrillapp.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn webhook_bodies_speak_the_configured_language() {
    let receiver = crate::webhooks::Receiver::start().await;
    let app = spawn_app(AppOptions {
        lang: sendercheck::text::Lang::Fr,
        webhooks: vec![crate::webhooks::endpoint(receiver.url())],
        ..AppOptions::default()
    })
    .await;
    assert_eq!(app.register("broken-spf.example", None).await.0, 201);
    app.until_checked("broken-spf.example").await;
    let (status, _) = app
        .call(Method::DELETE, "/v1/domains/broken-spf.example", None)
        .await;
    assert_eq!(status, 204);
    app.dispatcher.tick().await.unwrap();
    let seen = receiver.seen();
    let deleted = seen
        .iter()
        .find(|event| event.body["type"] == "domain.deleted")
        .expect("a domain.deleted event");
    let spf = &deleted.body["domain"]["records"][0];
    assert_eq!(spf["code"], "spf.include_missing");
    assert_eq!(
        spf["message"],
        "l'enregistrement SPF n'inclut pas spf.mandrillapp.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn dkim_signature_verdicts_carry_codes_and_speak_the_accepted_language() {
    use crate::signing::{Signing, message, rsa_signature};
    let app = spawn_app(AppOptions::default()).await;
    let msg = message();
    let verify = |lang: &'static str, raw: String| {
        let request = app
            .client
            .post(app.url("/v1/dkim/verify"))
            .header("content-type", "message/rfc822")
            .header("Accept-Language", lang)
            .body(raw);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let missing = format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("nokey")));
    let english = verify("en", missing.clone()).await;
    let french = verify("fr", missing.clone()).await;
    let portuguese = verify("pt-BR", missing).await;
    let signature = |verdict: &Value| verdict["signatures"][0].clone();
    assert_eq!(signature(&english)["code"], "dkim.sig.key_not_found");
    assert_eq!(signature(&french)["code"], "dkim.sig.key_not_found");
    assert_eq!(signature(&english)["result"], "permerror");
    assert_eq!(
        signature(&english)["reason"],
        "key not found: no TXT record at nokey._domainkey.signer.example"
    );
    assert_eq!(
        signature(&french)["reason"],
        "clé introuvable : aucun enregistrement TXT à nokey._domainkey.signer.example"
    );
    assert_eq!(
        signature(&portuguese)["reason"],
        "chave não encontrada: nenhum registro TXT em nokey._domainkey.signer.example"
    );
    // The header a receiver would add is the same whatever the language.
    assert_eq!(
        english["authentication_results"],
        french["authentication_results"]
    );
    // The CLI too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.eml");
    let signed = format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("nokey")));
    std::fs::write(&path, signed).unwrap();
    let nameserver = fixture_nameserver();
    let output = run_env(
        &[
            "dkim",
            path.to_str().unwrap(),
            "--nameserver",
            &nameserver,
            "--format",
            "json",
            "--lang",
            "pt",
        ],
        None,
        &[],
    );
    let verdict = json(&output);
    assert_eq!(signature(&verdict)["code"], "dkim.sig.key_not_found");
    assert_eq!(
        signature(&verdict)["reason"],
        "chave não encontrada: nenhum registro TXT em nokey._domainkey.signer.example"
    );
    app.stop().await;
}

/// `sendercheck dkim` as text speaks the asked language in every sentence it writes, not only
/// in the reasons; the result words, names and the Authentication-Results header stay as they
/// are.
#[test]
fn the_dkim_command_writes_its_text_in_the_asked_language() {
    use crate::signing::{Signing, message, rsa_signature};
    let msg = message();
    let dir = tempfile::tempdir().unwrap();
    let signed = dir.path().join("signed.eml");
    std::fs::write(
        &signed,
        format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("nokey"))),
    )
    .unwrap();
    let unsigned = dir.path().join("unsigned.eml");
    std::fs::write(&unsigned, &msg).unwrap();
    let nameserver = fixture_nameserver();
    let text = |path: &std::path::Path, lang: &str| {
        let output = run_env(
            &[
                "dkim",
                path.to_str().unwrap(),
                "--nameserver",
                &nameserver,
                "--lang",
                lang,
            ],
            None,
            &[],
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let cases = [
        (
            "en",
            [
                "DKIM: permerror (one signature), From domain signer.example",
                "DMARC: DKIM does not satisfy DMARC for this message",
                "key not fetched; aligned with From (strict)",
                "The message has no DKIM-Signature header.",
            ],
        ),
        (
            "fr",
            [
                "DKIM : permerror (une signature), domaine From signer.example",
                "DMARC : DKIM ne suffit pas à DMARC pour ce message",
                "clé non obtenue; alignée sur From (strict)",
                "Le message n'a pas d'en-tête DKIM-Signature.",
            ],
        ),
        (
            "pt",
            [
                "DKIM: permerror (uma assinatura), domínio From signer.example",
                "DMARC: o DKIM não satisfaz o DMARC para esta mensagem",
                "chave não obtida; alinhada com o From (estrito)",
                "A mensagem não tem cabeçalho DKIM-Signature.",
            ],
        ),
    ];
    let zero = [
        (
            "en",
            "DKIM: none (no signature), From domain signer.example",
        ),
        (
            "fr",
            "DKIM : none (aucune signature), domaine From signer.example",
        ),
        (
            "pt",
            "DKIM: none (nenhuma assinatura), domínio From signer.example",
        ),
    ];
    for ((lang, [heading, dmarc, key, none]), (_, zero)) in cases.into_iter().zip(zero) {
        let out = text(&signed, lang);
        for expected in [heading, dmarc, key] {
            assert!(out.contains(expected), "{lang}: {expected:?} in\n{out}");
        }
        assert!(
            out.contains("Authentication-Results: dkim=permerror"),
            "{lang}: {out}"
        );
        let out_unsigned = text(&unsigned, lang);
        for expected in [zero, none] {
            assert!(
                out_unsigned.contains(expected),
                "{lang}: {expected:?} in\n{out_unsigned}"
            );
        }
        if lang != "en" {
            // The header a receiver would add is the same in every language.
            let sentences: String = format!("{out}{out_unsigned}")
                .lines()
                .filter(|line| !line.starts_with("Authentication-Results:"))
                .collect();
            for english in [
                "one signature",
                "no signature",
                "From domain",
                "aligned with",
                "satisfy",
                "key not fetched",
                "has no",
            ] {
                assert!(
                    !sentences.contains(english),
                    "{lang}: English {english:?} in\n{out}{out_unsigned}"
                );
            }
        }
    }
}

/// What a profile expects, in the asked language, through the API and the CLI; the DNS names
/// and values stay as they are.
#[tokio::test]
async fn profiles_say_what_they_expect_in_the_asked_language() {
    let app = spawn_app(AppOptions::default()).await;
    let expected = |body: &Value, kind: &str| {
        body["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|record| record["kind"] == kind)
            .map(|record| record["expected"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (status, english) = app.get("/v1/profiles/mandrill").await;
    assert_eq!(status, 200, "{english}");
    assert_eq!(expected(&english, "dmarc"), "a valid DMARC record");
    let (_, french) = app.get("/v1/profiles/mandrill?lang=fr").await;
    assert_eq!(expected(&french, "dmarc"), "un enregistrement DMARC valide");
    assert_eq!(french["records"][0]["name"], english["records"][0]["name"]);
    let portuguese = app
        .client
        .get(app.url("/v1/profiles"))
        .header("Accept-Language", "pt-PT, en;q=0.5")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let mandrill = portuguese["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|profile| profile["name"] == "mandrill")
        .unwrap()
        .clone();
    assert!(
        expected(&mandrill, "spf").contains("spf.mandrillapp.com")
            && !expected(&mandrill, "spf").contains("an SPF record"),
        "{mandrill:#}"
    );
    app.stop().await;

    let output = run_env(&["profiles", "mandrill", "--lang", "fr"], None, &[]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("  paramètre token"), "{text}");
    assert!(text.contains("un enregistrement DMARC valide"), "{text}");
    assert!(text.contains("[si token]"), "{text}");
    let output = run_env(&["profiles", "mandrill"], None, &[]);
    let text = stdout(&output);
    assert!(
        text.contains("  param token") && text.contains("[when token]"),
        "{text}"
    );
}
