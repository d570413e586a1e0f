//! Test addresses end to end: the daemon with its inbound SMTP listener on 127.0.0.1, real
//! messages sent by Python's `smtplib` from 127.0.0.x source addresses, signed by the test
//! signer (`signing.rs`) with keys the fixture DNS server publishes, and judged as a receiver
//! would: SPF for the client and MAIL FROM, DKIM, DMARC alignment, ARC. The verdicts come back
//! through `GET /v1/domains/{d}/messages`, the domain's `proven_at` and the
//! `domain.test_message` webhook.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::fixture_dns::FixtureDns;
use crate::signing::{self, Signing};
use crate::support::{AppOptions, TestApp, spawn_app};
use crate::webhooks::{Receiver, endpoint};

/// The domain of test addresses.
pub(crate) const INBOUND: &str = "in.sendercheck.test";
/// The provider's bounce domain: its SPF allows 127.0.0.2 only.
pub(crate) const BOUNCE: &str = "bounces@bounce.signer.example";

/// The fixture zones plus what these tests need: SPF for the bounce domain, DMARC for the
/// signer and for a customer whose mail the "provider" (signer.example) signs.
pub(crate) async fn dns() -> FixtureDns {
    let dns = FixtureDns::start_own();
    dns.add_txt("bounce.signer.example", "v=spf1 ip4:127.0.0.2 -all")
        .await;
    dns.add_txt("_dmarc.signer.example", "v=DMARC1; p=reject")
        .await;
    dns.add_txt("_dmarc.shop.example.net", "v=DMARC1; p=quarantine")
        .await;
    dns
}

pub(crate) fn inbound(
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
) -> sendercheck::config::InboundConfig {
    sendercheck::config::InboundConfig {
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        domain: Some(sendercheck::domain::DomainName::parse(INBOUND).unwrap()),
        tls_cert: tls.as_ref().map(|(cert, _)| cert.clone()),
        tls_key: tls.map(|(_, key)| key),
        max_message_bytes: 16 * 1024,
        ..Default::default()
    }
}

async fn app_with(dns: &FixtureDns, options: AppOptions) -> TestApp {
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        ..options
    })
    .await;
    for domain in ["signer.example", "shop.example.net"] {
        let (code, body) = app.register(domain, None).await;
        assert!(code == 201 || code == 200, "{body}");
    }
    app
}

async fn test_address(app: &TestApp, domain: &str) -> String {
    let (code, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/domains/{domain}/test-address"),
            None,
        )
        .await;
    assert_eq!(code, 201, "{body}");
    let address = body["address"].as_str().unwrap().to_string();
    assert!(address.ends_with(&format!("@{INBOUND}")), "{address}");
    assert!(address.len() > 30, "an unguessable local part: {address}");
    address
}

/// A message From `from`, signed by the signer (d=signer.example, the RSA key) unless
/// `signed` is false.
pub(crate) fn message(from: &str, to: &str, subject: &str, signed: bool) -> String {
    let message = format!(
        "From: Test <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{subject}@signer.example>\r\n\r\n\
         Hello,\r\nthis is a test message.\r\n"
    );
    if signed {
        format!(
            "{}{message}",
            signing::rsa_signature(&message, Signing::relaxed("rsa"))
        )
    } else {
        message
    }
}

/// Sends `data` with smtplib from `source` (a 127.0.0.x address), MAIL FROM `sender`, to each
/// of `recipients`; prints what each step answered. STARTTLS first when `tls`.
fn send(
    smtp: SocketAddr,
    source: &str,
    sender: &str,
    recipients: &[&str],
    data: &str,
    tls: bool,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.eml");
    std::fs::write(&path, data).unwrap();
    let recipients: Vec<String> = recipients.iter().map(|r| format!("'{r}'")).collect();
    let script = format!(
        "import smtplib, ssl\n\
         s = smtplib.SMTP('127.0.0.1', {port}, local_hostname='mail.signer.example', \
         source_address=('{source}', 0), timeout=60)\n\
         if {tls}:\n\
         \x20   s.starttls(context=ssl._create_unverified_context())\n\
         data = open('{path}', 'rb').read()\n\
         try:\n\
         \x20   refused = s.sendmail('{sender}', [{recipients}], data)\n\
         \x20   print('sent', sorted(refused.items()))\n\
         except smtplib.SMTPRecipientsRefused as e:\n\
         \x20   print('refused', sorted((k, v[0], v[1].decode()) for k, v in e.recipients.items()))\n\
         except smtplib.SMTPSenderRefused as e:\n\
         \x20   print('sender refused', e.smtp_code)\n\
         except smtplib.SMTPDataError as e:\n\
         \x20   print('data refused', e.smtp_code)\n\
         s.quit()\n",
        port = smtp.port(),
        tls = if tls { "True" } else { "False" },
        path = path.display(),
        recipients = recipients.join(", "),
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

pub(crate) async fn send_async(
    smtp: SocketAddr,
    source: &'static str,
    sender: &'static str,
    recipients: Vec<String>,
    data: String,
    tls: bool,
) -> String {
    tokio::task::spawn_blocking(move || {
        let recipients: Vec<&str> = recipients.iter().map(String::as_str).collect();
        send(smtp, source, sender, &recipients, &data, tls)
    })
    .await
    .unwrap()
}

async fn messages(app: &TestApp, domain: &str) -> Vec<Value> {
    let (code, body) = app.get(&format!("/v1/domains/{domain}/messages")).await;
    assert_eq!(code, 200, "{body}");
    body["messages"].as_array().unwrap().clone()
}

/// The newest message of `domain` whose subject is `subject`.
async fn verdict_of(app: &TestApp, domain: &str, subject: &str) -> Value {
    messages(app, domain)
        .await
        .into_iter()
        .find(|message| message["subject"] == subject)
        .unwrap_or_else(|| panic!("no message {subject:?} for {domain}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_messages_get_spf_dkim_dmarc_verdicts_and_prove_the_domain() {
    let dns = dns().await;
    let receiver = Receiver::start().await;
    let mut hook = endpoint(receiver.url());
    hook.events = vec!["domain.test_message".to_string()];
    let app = app_with(
        &dns,
        AppOptions {
            inbound: Some(inbound(None)),
            webhooks: vec![hook],
            ..Default::default()
        },
    )
    .await;
    let smtp = app.smtp.expect("the listener runs");
    let (_, before) = app.get("/v1/domains/signer.example").await;
    assert_eq!(before["proven_at"], Value::Null);
    let signer = test_address(&app, "signer.example").await;
    let shop = test_address(&app, "shop.example.net").await;

    // 1. Signed by the domain's own key, from the address its bounce domain's SPF allows.
    let good = message("test@signer.example", &signer, "good", true);
    let out = send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![signer.clone()],
        good.clone(),
        false,
    )
    .await;
    assert_eq!(out, "sent []");
    let m = verdict_of(&app, "signer.example", "good").await;
    assert_eq!(m["verdict"], "pass", "{m:#}");
    assert_eq!(m["spf"]["result"], "pass");
    assert_eq!(m["spf"]["domain"], "bounce.signer.example");
    assert_eq!(m["spf"]["aligned"], true);
    assert_eq!(
        m["spf"]["helo"], "none",
        "mail.signer.example publishes no SPF: {m:#}"
    );
    assert_eq!(m["dkim"]["result"], "pass");
    assert_eq!(m["dkim"]["signatures"][0]["aligned"], true);
    assert_eq!(m["dmarc"]["result"], "pass");
    assert_eq!(m["dmarc"]["policy"], "reject");
    assert_eq!(
        (
            m["dmarc"]["spf_aligned"].clone(),
            m["dmarc"]["dkim_aligned"].clone()
        ),
        (Value::Bool(true), Value::Bool(true))
    );
    assert_eq!(m["client_ip"], "127.0.0.2");
    assert_eq!(m["helo"], "mail.signer.example");
    assert_eq!(m["mail_from"], BOUNCE);
    assert_eq!(m["from"], "test@signer.example");
    assert_eq!(m["arc"]["result"], "none");
    assert_eq!(m["tls"], false);
    let results = m["authentication_results"].as_str().unwrap();
    for clause in [
        INBOUND,
        "spf=pass smtp.mailfrom=bounce.signer.example",
        "dkim=pass header.d=signer.example header.s=rsa",
        "dmarc=pass (p=reject) header.from=signer.example",
        "arc=none",
    ] {
        assert!(results.contains(clause), "{clause:?} in {results}");
    }
    assert!(
        m["headers"]
            .as_str()
            .unwrap()
            .starts_with("DKIM-Signature:")
    );
    assert!(
        !m["headers"]
            .as_str()
            .unwrap()
            .contains("this is a test message"),
        "the body is not kept"
    );
    let (_, domain) = app.get("/v1/domains/signer.example").await;
    assert_eq!(domain["proven_at"], m["received_at"], "{domain:#}");

    // 2. The same message from a server SPF does not allow: SPF fails, DKIM still aligns.
    let spf_fail = message("test@signer.example", &signer, "spf-fail", true);
    send_async(
        smtp,
        "127.0.0.3",
        BOUNCE,
        vec![signer.clone()],
        spf_fail,
        false,
    )
    .await;
    let m = verdict_of(&app, "signer.example", "spf-fail").await;
    assert_eq!(m["spf"]["result"], "fail", "{m:#}");
    assert!(
        m["spf"]["reason"]
            .as_str()
            .unwrap()
            .contains("127.0.0.3 is not allowed"),
        "{m:#}"
    );
    assert_eq!(m["dmarc"]["result"], "pass");
    assert_eq!(m["dmarc"]["spf_aligned"], false);
    assert_eq!(m["verdict"], "pass");

    // 3. The body changed after signing, from a server SPF refuses: nothing passes.
    let altered = message("test@signer.example", &signer, "altered", true)
        .replace("this is a test message.", "this is NOT the signed message.");
    send_async(
        smtp,
        "127.0.0.3",
        BOUNCE,
        vec![signer.clone()],
        altered,
        false,
    )
    .await;
    let m = verdict_of(&app, "signer.example", "altered").await;
    assert_eq!(m["dkim"]["result"], "fail", "{m:#}");
    assert!(
        m["dkim"]["signatures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("body hash")
    );
    assert_eq!(m["dmarc"]["result"], "fail");
    assert_eq!(m["verdict"], "fail");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("DMARC fails for signer.example"),
        "{m:#}"
    );

    // 4. The customer's mail signed by the provider's domain only: DKIM passes, not aligned.
    let provider_only = message("news@shop.example.net", &shop, "provider-only", true);
    send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![shop.clone()],
        provider_only,
        false,
    )
    .await;
    let m = verdict_of(&app, "shop.example.net", "provider-only").await;
    assert_eq!(m["dkim"]["result"], "pass", "{m:#}");
    assert_eq!(m["dkim"]["signatures"][0]["aligned"], false);
    assert_eq!(m["spf"]["result"], "pass");
    assert_eq!(m["spf"]["aligned"], false);
    assert_eq!(m["dmarc"]["result"], "fail");
    assert_eq!(m["dmarc"]["policy"], "quarantine");
    assert_eq!(m["verdict"], "fail");
    let reason = m["reason"].as_str().unwrap();
    assert!(
        reason.contains("DKIM passes only for signer.example"),
        "{reason}"
    );
    let (_, shop_domain) = app.get("/v1/domains/shop.example.net").await;
    assert_eq!(shop_domain["proven_at"], Value::Null);

    // 5. A message From another domain than the one the address was made for.
    let elsewhere = message("test@signer.example", &shop, "from-elsewhere", true);
    send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![shop.clone()],
        elsewhere,
        false,
    )
    .await;
    let m = verdict_of(&app, "shop.example.net", "from-elsewhere").await;
    assert_eq!(m["dmarc"]["result"], "pass", "{m:#}");
    assert_eq!(m["verdict"], "fail");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("From signer.example, not shop.example.net"),
        "{m:#}"
    );

    // Two From header fields: receivers refuse such mail, whatever the signatures say.
    let doubled = format!(
        "From: other@signer.example\r\n{}",
        message("test@shop.example.net", &shop, "two-froms", false)
    );
    send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![shop.clone()],
        doubled,
        false,
    )
    .await;
    let m = verdict_of(&app, "shop.example.net", "two-froms").await;
    assert_eq!(m["dmarc"]["result"], "permerror", "{m:#}");
    assert_eq!(m["verdict"], "fail");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("2 From header fields"),
        "{m:#}"
    );

    // Newest first, limit honoured and checked.
    let listed = messages(&app, "signer.example").await;
    assert_eq!(listed[0]["subject"], "altered");
    assert_eq!(listed.len(), 3);
    let (code, body) = app.get("/v1/domains/signer.example/messages?limit=1").await;
    assert_eq!((code, body["messages"].as_array().unwrap().len()), (200, 1));
    for bad in ["limit=0", "limit=101", "limit=x", "since=1"] {
        let (code, body) = app
            .get(&format!("/v1/domains/signer.example/messages?{bad}"))
            .await;
        assert_eq!(code, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_parameter");
    }
    let (code, _) = app.get("/v1/domains/unknown.example/messages").await;
    assert_eq!(code, 404);

    // The stored verdicts in French and Portuguese: the words change, the result words and
    // the Authentication-Results line do not.
    let (code, body) = app.get("/v1/domains/signer.example/messages?lang=fr").await;
    assert_eq!(code, 200, "{body}");
    let altered = &body["messages"][0];
    assert_eq!(altered["verdict"], "fail");
    assert_eq!(altered["dmarc"]["result"], "fail");
    let reason = altered["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("DMARC échoue pour signer.example : ni DKIM ni SPF ne réussit"),
        "{reason}"
    );
    let spf = altered["spf"]["reason"].as_str().unwrap();
    assert!(
        spf.starts_with("127.0.0.3 n'est pas autorisé par l'enregistrement SPF de"),
        "{spf}"
    );
    assert!(
        altered["dkim"]["signatures"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("l'empreinte du corps ne correspond pas")
    );
    assert!(
        altered["authentication_results"]
            .as_str()
            .unwrap()
            .contains("dmarc=fail")
    );
    let (_, body) = app
        .get("/v1/domains/signer.example/messages?lang=pt&limit=3")
        .await;
    let passed = &body["messages"][2];
    assert_eq!(passed["verdict"], "pass", "{passed:#}");
    assert!(
        passed["reason"]
            .as_str()
            .unwrap()
            .starts_with("o DMARC passa para signer.example: alinhado: DKIM (d=signer.example, alinhamento flexível)"),
        "{passed:#}"
    );
    assert_eq!(passed["arc"]["reason"], "a mensagem não traz conjuntos ARC");

    // Every message went out as a signed domain.test_message event, with no transition.
    for _ in 0..3 {
        app.dispatcher.tick().await.unwrap();
    }
    let seen = receiver.seen();
    let events: Vec<&Value> = seen
        .iter()
        .filter(|received| received.signature_valid)
        .map(|received| &received.body)
        .collect();
    assert_eq!(events.len(), 6, "{seen:#?}");
    assert!(events.iter().all(|event| {
        event["type"] == "domain.test_message"
            && event["transition"].is_null()
            && event["message"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("msg_"))
    }));
    let first = events
        .iter()
        .find(|event| event["message"]["subject"] == "good")
        .unwrap();
    assert_eq!(first["message"]["verdict"], "pass");
    assert_eq!(first["domain"]["domain"], "signer.example");
    assert!(first["domain"]["proven_at"].is_string());

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("sendercheck_inbound_messages_total{verdict=\"pass\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sendercheck_inbound_messages_total{verdict=\"fail\"} 4"),
        "{metrics}"
    );

    // A registration change starts over: not proven until a new message passes.
    let (code, body) = app.register("signer.example", Some("NEWTOKEN")).await;
    assert_eq!(code, 200, "{body}");
    let (_, changed) = app.get("/v1/domains/signer.example").await;
    assert_eq!(changed["proven_at"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_and_foreign_recipients_are_refused_and_size_is_bounded() {
    let dns = dns().await;
    let app = app_with(
        &dns,
        AppOptions {
            inbound: Some(inbound(None)),
            ..Default::default()
        },
    )
    .await;
    let smtp = app.smtp.unwrap();
    let signer = test_address(&app, "signer.example").await;
    let data = message("test@signer.example", &signer, "refusals", true);

    let unknown = format!("chk-doesnotexist@{INBOUND}");
    let out = send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![unknown.clone()],
        data.clone(),
        false,
    )
    .await;
    assert!(out.contains(&format!("('{unknown}', 550, '5.1.1")), "{out}");
    let out = send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec!["victim@elsewhere.example".into()],
        data.clone(),
        false,
    )
    .await;
    assert!(
        out.contains("550, '5.7.1 Relaying denied"),
        "never a relay: {out}"
    );

    // Over the size: 552, whether SIZE announced it or the data ran over.
    let big = format!("{data}{}", "x".repeat(70).repeat(300));
    let out = send_async(smtp, "127.0.0.2", BOUNCE, vec![signer.clone()], big, false).await;
    assert_eq!(out, "sender refused 552");

    // Expired a week later.
    app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 1));
    let out = send_async(smtp, "127.0.0.2", BOUNCE, vec![signer.clone()], data, false).await;
    assert!(out.contains("550, '5.1.1"), "expired: {out}");
    assert!(
        messages(&app, "signer.example").await.is_empty(),
        "nothing kept"
    );

    // The API side: unregistered domain 404; without [inbound] domain, 409.
    let (code, body) = app
        .call(
            reqwest::Method::POST,
            "/v1/domains/unknown.example/test-address",
            None,
        )
        .await;
    assert_eq!(code, 404, "{body}");
    let plain = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        ..Default::default()
    })
    .await;
    plain.register("signer.example", None).await;
    let (code, body) = plain
        .call(
            reqwest::Method::POST,
            "/v1/domains/signer.example/test-address",
            None,
        )
        .await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["error"]["code"], "inbound_not_configured");
    assert!(plain.smtp.is_none());
}

/// A self-signed certificate and key for the listener, written as PEM files.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec![INBOUND.to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.join("inbound.crt"), dir.join("inbound.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_an_arc_sealed_forwarded_message() {
    let dns = dns().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(
        &dns,
        AppOptions {
            inbound: Some(inbound(Some(certificate(dir.path())))),
            ..Default::default()
        },
    )
    .await;
    let smtp = app.smtp.unwrap();
    let signer = test_address(&app, "signer.example").await;

    // Forwarded: sealed by a hop (ARC, the Ed25519 key), then sent on from a server the
    // domain's SPF does not know — DKIM and the ARC chain still verify.
    // As the forwarder sends: from a server and a bounce address of its own, over STARTTLS.
    let forward = |sealed: String| {
        send_async(
            smtp,
            "127.0.0.3",
            "forwarder@elsewhere.example",
            vec![signer.clone()],
            sealed,
            true,
        )
    };
    let original = message("test@signer.example", &signer, "forwarded", true);
    let out = forward(arc_seal(&original)).await;
    assert_eq!(out, "sent []");
    let m = verdict_of(&app, "signer.example", "forwarded").await;
    assert_eq!(m["tls"], true, "came over STARTTLS");
    assert_eq!(m["arc"]["result"], "pass", "{m:#}");
    assert_eq!(m["arc"]["sets"], 1);
    assert!(
        m["authentication_results"]
            .as_str()
            .unwrap()
            .ends_with("arc=pass")
    );
    assert_eq!(m["dkim"]["result"], "pass");
    assert_eq!(m["verdict"], "pass");

    // A seal over a changed message does not verify.
    let broken = arc_seal(&original).replace("Subject: forwarded", "Subject: forwarded-broken");
    send_async(
        smtp,
        "127.0.0.2",
        BOUNCE,
        vec![signer.clone()],
        broken,
        true,
    )
    .await;
    let m = verdict_of(&app, "signer.example", "forwarded-broken").await;
    assert_eq!(m["arc"]["result"], "fail", "{m:#}");

    // A hop whose set names the selector twice, `s=nokey; S=ed`: tag names are case-sensitive,
    // so receivers look for the key at nokey._domainkey (there is none) and the chain fails for
    // them, while mail-auth, reading tags in any case, would verify it with the `ed` key.
    let original = message("test@signer.example", &signer, "forwarded-twice", true);
    let sealed = arc_seal_with(&original, "nokey; S=ed");
    assert!(sealed.contains("s=nokey; S=ed"), "{sealed}");
    forward(sealed).await;
    let m = verdict_of(&app, "signer.example", "forwarded-twice").await;
    assert_eq!(m["arc"]["result"], "fail", "{m:#}");
    let reason = m["arc"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("ARC-Seal of ARC set 1 has both s= and S="),
        "{reason}"
    );
    assert!(
        m["authentication_results"]
            .as_str()
            .unwrap()
            .ends_with("arc=fail")
    );
}

/// `message` as a forwarding hop would pass it on: one ARC set (AAR, AMS, AS) by
/// signer.example with its Ed25519 key (selector `ed`), made by mail-auth's sealer.
fn arc_seal(message: &str) -> String {
    arc_seal_with(message, "ed")
}

/// As `arc_seal`, with `selector` written as the sets' `s=` value as it is.
fn arc_seal_with(message: &str, selector: &str) -> String {
    use mail_auth::arc::ArcSealer;
    use mail_auth::common::crypto::Ed25519Key;
    use mail_auth::common::headers::HeaderWriter;
    use mail_auth::{ArcOutput, AuthenticatedMessage, AuthenticationResults};
    let key = Ed25519Key::from_pkcs8_maybe_unchecked_der(&signing::pem_der("ed25519.pem")).unwrap();
    let parsed = AuthenticatedMessage::parse(message.as_bytes()).unwrap();
    let results = AuthenticationResults::new("forwarder.signer.example");
    let set = ArcSealer::from_key(key)
        .domain("signer.example")
        .selector(selector)
        .headers(["From", "To", "Subject", "DKIM-Signature"])
        .seal(&parsed, &results, &ArcOutput::default())
        .expect("sealed");
    format!("{}{message}", set.to_header())
}

/// The last line of one (possibly multi-line) SMTP reply.
async fn reply(stream: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> String {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sessions_at_once_are_all_answered() {
    use tokio::io::{AsyncWriteExt, BufReader};
    let dns = dns().await;
    let app = app_with(
        &dns,
        AppOptions {
            inbound: Some(sendercheck::config::InboundConfig {
                max_sessions_per_client: 250,
                ..inbound(None)
            }),
            ..Default::default()
        },
    )
    .await;
    let smtp = app.smtp.unwrap();
    let address = test_address(&app, "signer.example").await;
    let sessions = (0..200).map(|n| {
        let address = address.clone();
        tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(smtp).await.unwrap();
            let mut stream = BufReader::new(stream);
            let mut replies = Vec::new();
            replies.push(reply(&mut stream).await);
            for command in [
                "EHLO load.example\r\n".to_string(),
                format!("MAIL FROM:<{BOUNCE}>\r\n"),
                format!("RCPT TO:<{address}>\r\n"),
                "RSET\r\n".to_string(),
                "QUIT\r\n".to_string(),
            ] {
                stream
                    .get_mut()
                    .write_all(command.as_bytes())
                    .await
                    .unwrap();
                replies.push(reply(&mut stream).await);
            }
            (n, replies)
        })
    });
    let done = tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::future::join_all(sessions),
    )
    .await
    .expect("every session answered within 2 minutes");
    for result in done {
        let (n, replies) = result.unwrap();
        let codes: Vec<&str> = replies.iter().map(|reply| &reply[..3]).collect();
        assert_eq!(
            codes,
            ["220", "250", "250", "250", "250", "221"],
            "session {n}: {replies:?}"
        );
    }
}
