//! The SMTP probe against real SMTP servers: Python's aiosmtpd (`tests/support/smtp_server.py`,
//! in a virtual environment made on first use) serving STARTTLS, implicit TLS, plain and an
//! expired certificate on 127.0.0.1, with certificates made here at test time (rcgen) for
//! `smtp.probe.example`, which the fixture DNS server resolves to 127.0.0.1.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use chrono::Datelike;
use serde_json::{Value, json};

use crate::support::{exit_code, fixture_nameserver, run};

const USER: &str = "customer@probe.example";
const PASSWORD: &str = "s3cret-Pa55word-never-shown";
const HOST: &str = "smtp.probe.example";

struct Servers {
    ports: HashMap<String, u16>,
    ca_file: PathBuf,
    _child: Mutex<Child>,
    _dir: tempfile::TempDir,
}

static SERVERS: OnceLock<Servers> = OnceLock::new();

/// Python with aiosmtpd: `SENDERCHECK_TEST_PYTHON`, else a virtual environment under
/// `target/`, made (and aiosmtpd installed from PyPI) when missing.
fn python() -> PathBuf {
    if let Ok(python) = std::env::var("SENDERCHECK_TEST_PYTHON") {
        return python.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv");
    let python = venv.join("bin/python");
    let ready = || {
        Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !ready() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(
            made.success(),
            "cannot make a virtual environment at {venv:?}"
        );
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "-q", "aiosmtpd==1.4.6"])
            .status()
            .expect("pip runs");
        assert!(installed.success(), "pip could not install aiosmtpd");
    }
    python
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A CA, a certificate for `smtp.probe.example` valid now, and an expired one.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let day = |offset: i64| {
        let date = chrono::Utc::now() + chrono::Duration::days(offset);
        rcgen::date_time_ymd(date.year(), date.month() as u8, date.day() as u8)
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "sendercheck test CA");
    ca.not_before = day(-90);
    ca.not_after = day(365);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = |from: i64, until: i64| {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![HOST.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, HOST);
        params.not_before = day(from);
        params.not_after = day(until);
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (good_cert, good_key) = leaf(-1, 30);
    let (old_cert, old_key) = leaf(-60, -2);
    (
        write(dir, "ca.pem", &ca_cert.pem()),
        write(dir, "cert.pem", &good_cert),
        write(dir, "key.pem", &good_key),
        write(dir, "expired.pem", &old_cert),
        write(dir, "expired-key.pem", &old_key),
    )
}

fn servers() -> &'static Servers {
    SERVERS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (ca_file, cert, key, expired_cert, expired_key) = certificates(dir.path());
        let config = write(
            dir.path(),
            "config.json",
            &json!({
                "cert": cert, "key": key,
                "expired_cert": expired_cert, "expired_key": expired_key,
                "user": USER, "password": PASSWORD,
            })
            .to_string(),
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut child = Command::new(python())
            // aiosmtpd warns about its own internals on every login.
            .args(["-W", "ignore"])
            .arg(script)
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP servers start");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports: HashMap<String, u16> =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("no ports: {line:?}"));
        Servers {
            ports,
            ca_file,
            _child: Mutex::new(child),
            _dir: dir,
        }
    })
}

pub(crate) fn port(name: &str) -> String {
    servers().ports[name].to_string()
}

/// `sendercheck smtp` with the fixture DNS server, JSON out; the exit code and the report.
fn probe(args: &[&str]) -> (i32, Value, String) {
    let nameserver = fixture_nameserver();
    let mut full = vec!["smtp", "--nameserver", &nameserver, "--format", "json"];
    if !args.contains(&"--timeout") {
        full.extend(["--timeout", "3s"]);
    }
    full.extend_from_slice(args);
    let output = command_with_password(&full);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "the password leaked: {stdout} {stderr}"
    );
    let report =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout} {stderr}"));
    (exit_code(&output), report, stderr)
}

fn command_with_password(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sendercheck"))
        .args(args)
        .env("SMTP_TEST_PASSWORD", PASSWORD)
        .env("SMTP_WRONG_PASSWORD", "not-the-password")
        .env("SENDERCHECK_LOG", "debug")
        .output()
        .expect("sendercheck runs")
}

fn steps(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            format!(
                "{}:{}",
                step["step"].as_str().unwrap(),
                step["status"].as_str().unwrap()
            )
        })
        .collect()
}

/// `field` of the last step called `name` ("" when there is none).
fn step_field(report: &Value, name: &str, field: &str) -> String {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|step| step["step"] == name)
        .map(|step| step[field].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn step_message(report: &Value, name: &str) -> String {
    step_field(report, name, "message")
}

fn step_code(report: &Value, name: &str) -> String {
    step_field(report, name, "code")
}

/// A STARTTLS probe that logs in with the wrong password, in `lang` when given.
fn wrong_password(lang: Option<&str>) -> (i32, Value, String) {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    let port = port("starttls");
    let mut args = Vec::new();
    if let Some(lang) = lang {
        args.extend(["--lang", lang]);
    }
    args.extend([
        HOST,
        "--port",
        &port,
        "--ca-file",
        &ca,
        "--username",
        USER,
        "--password-env",
        "SMTP_WRONG_PASSWORD",
    ]);
    probe(&args)
}

fn login(ca: &str) -> Vec<&str> {
    vec![
        "--ca-file",
        ca,
        "--username",
        USER,
        "--password-env",
        "SMTP_TEST_PASSWORD",
    ]
}

#[test]
fn starttls_with_a_trusted_certificate_and_the_right_password_passes() {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    let port = port("starttls");
    let mut args = vec![HOST, "--port", &port, "--security", "starttls"];
    args.extend(login(&ca));
    let (code, report, _) = probe(&args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["result"], "pass");
    assert_eq!(
        steps(&report),
        [
            "dns:pass",
            "connect:pass",
            "greeting:pass",
            "ehlo:pass",
            "starttls:pass",
            "tls:pass",
            "certificate:pass",
            "ehlo:pass",
            "auth:pass",
            "quit:pass"
        ]
    );
    assert_eq!(report["tls"]["version"], "TLS 1.3");
    assert_eq!(report["certificate"]["trusted"], true);
    assert_eq!(report["certificate"]["hostname_match"], true);
    assert_eq!(report["certificate"]["names"], json!([HOST]));
    assert!(
        report["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|extension| extension.as_str().unwrap().starts_with("AUTH")),
        "AUTH is offered after TLS: {report:#}"
    );
    assert!(step_message(&report, "auth").contains("logged in as"));
}

#[test]
fn implicit_tls_passes_and_so_does_plain_smtp_without_a_login() {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    let implicit = port("implicit");
    let mut args = vec![HOST, "--port", &implicit, "--security", "tls"];
    args.extend(login(&ca));
    let (code, report, _) = probe(&args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        steps(&report),
        [
            "dns:pass",
            "connect:pass",
            "tls:pass",
            "certificate:pass",
            "greeting:pass",
            "ehlo:pass",
            "auth:pass",
            "quit:pass"
        ]
    );
    let plain = port("plain");
    let (code, report, _) = probe(&[&format!("{HOST}:{plain}"), "--security", "none"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["tls"], Value::Null);
    assert_eq!(report["certificate"], Value::Null);
    assert!(steps(&report).contains(&"auth:skipped".to_string()));
}

#[test]
fn localhost_resolves_as_the_system_resolves_it() {
    // The fixture DNS server knows no `localhost`: the answer comes from the hosts file or
    // RFC 6761's loopback rule, before DNS is asked.
    let plain = port("plain");
    for host in ["localhost", "mail.localhost"] {
        let (code, report, _) = probe(&[&format!("{host}:{plain}"), "--security", "none"]);
        assert_eq!(code, 0, "{host}: {report:#}");
        assert!(
            steps(&report).starts_with(&["dns:pass".to_string(), "connect:pass".to_string()]),
            "{host}: {report:#}"
        );
        assert!(
            step_message(&report, "dns").contains("127.0.0.1"),
            "{host}: {report:#}"
        );
    }
}

#[test]
fn a_wrong_password_fails_at_auth_with_the_servers_words() {
    let (code, report, _) = wrong_password(None);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["result"], "fail");
    assert_eq!(steps(&report).last().unwrap(), "auth:fail");
    let message = step_message(&report, "auth");
    assert!(message.contains("authentication failed: 535"), "{message}");
    assert!(
        message.contains("rejected the username or password"),
        "{message}"
    );
    assert_eq!(step_code(&report, "auth"), "smtp.auth.refused");
}

/// The probe in French and Portuguese: the steps' words change, their codes, the step names,
/// the status words and the server's own words do not.
#[test]
fn the_probe_speaks_french_and_portuguese() {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    let port = port("starttls");
    let (code, french, _) = wrong_password(Some("fr"));
    assert_eq!(code, 2, "{french:#}");
    assert_eq!(steps(&french).last().unwrap(), "auth:fail");
    assert_eq!(step_code(&french, "auth"), "smtp.auth.refused");
    let message = step_message(&french, "auth");
    assert!(
        message.starts_with("échec de l'authentification : 535"),
        "{message}"
    );
    assert!(
        message.contains("Le serveur a refusé le nom d'utilisateur ou le mot de passe"),
        "{message}"
    );
    assert!(step_message(&french, "connect").starts_with("connecté à 127.0.0.1:"));
    let (_, portuguese, _) = wrong_password(Some("pt"));
    let message = step_message(&portuguese, "auth");
    assert!(
        message.starts_with("a autenticação falhou: 535"),
        "{message}"
    );
    assert!(
        message.contains("O servidor recusou o nome de usuário ou a senha"),
        "{message}"
    );

    // An untrusted certificate let through: the warning in Portuguese, its code beside it.
    let (code, report, _) = probe(&["--lang", "pt", HOST, "--port", &port, "--insecure"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        report["warning_codes"],
        json!(["smtp.certificate.accepted"])
    );
    let warning = report["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("o certificado não foi emitido por uma autoridade confiável")
            && warning.ends_with("(aceito: --insecure)"),
        "{warning}"
    );

    // The text output: labels in the language, step names and status words as in the JSON.
    let output = Command::new(env!("CARGO_BIN_EXE_sendercheck"))
        .args([
            "smtp",
            "--nameserver",
            &fixture_nameserver(),
            "--timeout",
            "3s",
        ])
        .args([HOST, "--port", &port, "--ca-file", &ca])
        .env("SENDERCHECK_LANG", "fr")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(exit_code(&output), 0, "{text}");
    assert!(
        text.contains(&format!("{HOST}:{port} (starttls) — réussi")),
        "{text}"
    );
    assert!(text.contains("  skip  auth"), "{text}");
    assert!(
        text.contains("aucun nom d'utilisateur donné : la connexion au compte n'a pas été essayée"),
        "{text}"
    );
    assert!(
        text.contains("Certificat : smtp.probe.example — émis par"),
        "{text}"
    );
    assert!(text.contains("de confiance, le nom correspond"), "{text}");
}

#[test]
fn the_other_tls_mode_is_named_as_the_fix() {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    // Implicit TLS asked of a STARTTLS port: the server greets in plain text.
    let starttls = port("starttls");
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &starttls,
        "--security",
        "tls",
        "--ca-file",
        &ca,
    ]);
    assert_eq!(code, 2, "{report:#}");
    let message = step_message(&report, "tls");
    assert!(
        message.contains("implicit TLS was asked for on port")
            && message.contains("but the server greeted in plain text"),
        "{message}"
    );
    assert!(message.contains("use security starttls"), "{message}");
    // STARTTLS asked of an implicit-TLS port: the server waits for TLS and never greets.
    let implicit = port("implicit");
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &implicit,
        "--security",
        "starttls",
        "--timeout",
        "1s",
    ]);
    assert_eq!(code, 3, "{report:#}");
    assert!(step_message(&report, "greeting").contains("sent no greeting"));
}

#[test]
fn an_untrusted_certificate_fails_unless_insecure_and_then_warns() {
    let port = port("starttls");
    // No --ca-file: the test CA is nobody's root.
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &port,
        "--username",
        USER,
        "--password-env",
        "SMTP_TEST_PASSWORD",
    ]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(steps(&report).last().unwrap(), "certificate:fail");
    assert!(
        !steps(&report).iter().any(|step| step.starts_with("auth")),
        "no password sent"
    );
    let message = step_message(&report, "certificate");
    assert!(
        message.contains("not issued by a trusted authority"),
        "{message}"
    );
    assert!(message.contains("sendercheck test CA"), "{message}");
    assert_eq!(report["certificate"]["trusted"], false);
    assert_eq!(report["certificate"]["hostname_match"], true);

    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &port,
        "--insecure",
        "--username",
        USER,
        "--password-env",
        "SMTP_TEST_PASSWORD",
    ]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["result"], "pass");
    assert!(steps(&report).contains(&"certificate:warn".to_string()));
    assert!(steps(&report).contains(&"auth:pass".to_string()));
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .contains("--insecure")
    );
}

#[test]
fn a_certificate_for_another_name_or_out_of_date_fails() {
    let ca = servers().ca_file.to_str().unwrap().to_string();
    let port_starttls = port("starttls");
    let (code, report, _) = probe(&[
        "other.probe.example",
        "--port",
        &port_starttls,
        "--ca-file",
        &ca,
    ]);
    assert_eq!(code, 2, "{report:#}");
    let message = step_message(&report, "certificate");
    assert!(
        message.contains("the certificate is for smtp.probe.example, not other.probe.example"),
        "{message}"
    );
    assert_eq!(report["certificate"]["hostname_match"], false);
    assert_eq!(report["certificate"]["trusted"], true);

    let expired = port("expired");
    let (code, report, _) = probe(&[HOST, "--port", &expired, "--ca-file", &ca]);
    assert_eq!(code, 2, "{report:#}");
    let message = step_message(&report, "certificate");
    assert!(message.contains("the certificate expired on"), "{message}");
    assert_eq!(report["certificate"]["trusted"], false);
}

#[test]
fn no_auth_offered_and_no_password_without_tls() {
    let plain = port("plain");
    // The plain server offers no AUTH at all.
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &plain,
        "--security",
        "none",
        "--allow-plaintext-auth",
        "--username",
        USER,
        "--password-env",
        "SMTP_TEST_PASSWORD",
    ]);
    assert_eq!(code, 2, "{report:#}");
    assert!(step_message(&report, "auth").contains("offers no AUTH"));
    // Without --allow-plaintext-auth the password is not sent over plain SMTP at all.
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &plain,
        "--security",
        "none",
        "--username",
        USER,
        "--password-env",
        "SMTP_TEST_PASSWORD",
    ]);
    assert_eq!(code, 2, "{report:#}");
    assert!(step_message(&report, "auth").contains("unencrypted connection"));
}

#[test]
fn a_closed_port_or_a_silent_server_cannot_be_tested() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let (code, report, _) = probe(&[HOST, "--port", &closed_port, "--security", "none"]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["result"], "error");
    assert!(step_message(&report, "connect").contains("refused the connection"));

    // Takes the connection and says nothing.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port().to_string();
    let holder = std::thread::spawn(move || {
        let (_socket, _) = silent.accept().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(3));
    });
    let (code, report, _) = probe(&[
        HOST,
        "--port",
        &silent_port,
        "--security",
        "starttls",
        "--timeout",
        "1s",
    ]);
    assert_eq!(code, 3, "{report:#}");
    assert!(step_message(&report, "greeting").contains("no greeting within 1 s"));
    holder.join().unwrap();

    // A name with no address.
    let (code, report, _) = probe(&["nowhere.probe.example"]);
    assert_eq!(code, 3, "{report:#}");
    assert!(step_message(&report, "dns").contains("has no A or AAAA record"));
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let output = run(&["smtp", "smtp.example", "--security", "ssl3"], None);
    assert_eq!(exit_code(&output), 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("not one of tls, starttls, none"));
    // A CA file without a certificate is bad input, told before any connection.
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_pem.path(), "not a certificate\n").unwrap();
    let output = run(
        &[
            "smtp",
            "127.0.0.1:1",
            "--ca-file",
            not_pem.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(exit_code(&output), 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("the CA file holds no certificate"));
    assert!(output.stdout.is_empty(), "no step was run");
    let output = run(&["smtp", "--preset", "hotmale"], None);
    assert_eq!(exit_code(&output), 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown preset"));
    let output = run(
        &[
            "smtp",
            "smtp.example",
            "--password-env",
            "NOPE_NOT_SET",
            "--username",
            "u",
        ],
        None,
    );
    assert_eq!(exit_code(&output), 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("NOPE_NOT_SET"));
}

/// The real daemon with `config` as its config file (and `env`); the guards keep the file and
/// the database while it runs.
struct ConfiguredDaemon {
    child: std::process::Child,
    base: String,
    logs: std::sync::mpsc::Receiver<String>,
    _config: tempfile::NamedTempFile,
    _db: tempfile::TempDir,
}

fn daemon_with_config(config: &str, env: &[(&str, &str)]) -> ConfiguredDaemon {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), config).unwrap();
    let (db_url, db) = crate::support::temp_db();
    let (child, base, logs) = crate::support::start_daemon_process_with_env(
        &db_url,
        &["--config", file.path().to_str().unwrap()],
        env,
    );
    ConfiguredDaemon {
        child,
        base,
        logs,
        _config: file,
        _db: db,
    }
}

#[tokio::test]
async fn the_api_probes_within_the_policy_and_never_shows_the_password() {
    let ca = std::fs::read_to_string(&servers().ca_file).unwrap();
    let ConfiguredDaemon {
        child: mut daemon,
        base,
        logs,
        _config: _kept_config,
        _db: _kept_db,
    } = daemon_with_config(
        "[smtp]\nallowed = [\"*\", \"127.0.0.1\"]\nper_minute = 100\n",
        &[("SENDERCHECK_LOG", "debug")],
    );
    let client = reqwest::Client::new();
    let probe = |body: Value| {
        let client = client.clone();
        let url = format!("{base}/v1/smtp/probe");
        async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (status, text)
        }
    };
    let (status, text) = probe(json!({
        "host": HOST, "port": servers().ports["starttls"], "security": "starttls",
        "username": USER, "password": PASSWORD, "ca_pem": ca, "timeout": 5,
    }))
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(PASSWORD));
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["result"], "pass", "{report:#}");
    assert_eq!(report["security"], "starttls");
    assert_eq!(steps(&report).last().unwrap(), "quit:pass");

    let (status, text) = probe(json!({
        "host": HOST, "port": servers().ports["starttls"], "username": USER,
        "password": "wrong-password-also-secret", "ca_pem": ca, "timeout": 5,
    }))
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("wrong-password-also-secret"));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["result"],
        "fail"
    );
    // In the language the client accepts; the code stays.
    let response = client
        .post(format!("{base}/v1/smtp/probe"))
        .header("Accept-Language", "pt-BR,pt;q=0.9,en;q=0.5")
        .json(&json!({
            "host": HOST, "port": servers().ports["starttls"], "username": USER,
            "password": "wrong-password-also-secret", "ca_pem": ca, "timeout": 5,
        }))
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        step_code(&report, "auth"),
        "smtp.auth.refused",
        "{report:#}"
    );
    assert!(
        step_message(&report, "auth").starts_with("a autenticação falhou: 535"),
        "{report:#}"
    );
    let response = client
        .post(format!("{base}/v1/smtp/probe?lang=xx"))
        .json(&json!({"host": HOST}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);

    let (status, text) = probe(json!({"host": HOST, "security": "ssl3"})).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid_probe"));
    let (status, text) = probe(json!({"host": HOST, "pasword": "typo"})).await;
    assert_eq!(status, 400, "{text}");

    // A private address not named in [smtp] allowed: refused before any connection.
    let (status, text) = probe(json!({"host": "10.0.0.1", "port": 25})).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("target_not_allowed") && text.contains("not a public address"));
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "sendercheck_smtp_probes_total{result=\"pass\"} 1",
        "sendercheck_smtp_probes_total{result=\"fail\"} 2",
        "sendercheck_smtp_probes_total{result=\"refused\"} 1",
    ] {
        assert!(metrics.contains(expected), "{expected} in {metrics}");
    }
    assert!(!metrics.contains(PASSWORD) && !metrics.contains(HOST));

    crate::support::signal(&daemon, "-TERM");
    daemon.wait().unwrap();
    let lines: Vec<String> = logs.try_iter().collect();
    assert!(
        lines.iter().any(|line| line.contains("smtp probe")),
        "{lines:#?}"
    );
    for line in &lines {
        assert!(
            !line.contains(PASSWORD) && !line.contains("wrong-password-also-secret"),
            "a password in the log: {line}"
        );
    }
}

#[tokio::test]
async fn an_address_pattern_opens_its_own_addresses_only() {
    // [smtp] allowed names 127.0.0.2 (nothing listens there); mixed.probe.example resolves to
    // it and to 127.0.0.1, where the test server listens. Only 127.0.0.2 may be dialled.
    let ConfiguredDaemon {
        child: mut daemon,
        base,
        logs: _logs,
        _config: _kept_config,
        _db: _kept_db,
    } = daemon_with_config(
        "[smtp]\nallowed = [\"*\", \"127.0.0.2\"]\nper_minute = 100\n",
        &[],
    );
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/smtp/probe"))
        .json(&json!({
            "host": "mixed.probe.example", "port": servers().ports["plain"],
            "security": "none", "timeout": 5,
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_ne!(
        report["result"], "pass",
        "127.0.0.1 was dialled: {report:#}"
    );
    assert_eq!(step_message(&report, "dns"), "127.0.0.2", "{report:#}");
    assert!(!text.contains("connected to 127.0.0.1"), "{report:#}");
    assert!(
        report["warnings"]
            .to_string()
            .contains("mixed.probe.example also resolves to 127.0.0.1, not dialled"),
        "{report:#}"
    );
    crate::support::signal(&daemon, "-TERM");
    daemon.wait().unwrap();
}

#[tokio::test]
async fn an_api_probe_ends_within_the_request_timeout_and_bad_input_costs_no_budget() {
    // A gateway that accepts the connection and never greets.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    let ConfiguredDaemon {
        child: mut daemon,
        base,
        logs: _logs,
        _config: _kept_config,
        _db: _kept_db,
    } = daemon_with_config(
        "[server]\nrequest_timeout = \"4s\"\n\
         [smtp]\nallowed = [\"*\", \"127.0.0.1\"]\nper_minute = 1\n",
        &[],
    );
    let client = reqwest::Client::new();
    let probe = |body: Value| {
        let client = client.clone();
        let url = format!("{base}/v1/smtp/probe");
        async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    // Bad input, told by the probe's own validation: 400, and the minute's one probe is kept.
    for _ in 0..2 {
        let (status, text) =
            probe(json!({"host": "127.0.0.1", "port": port, "helo": "x:25"})).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("invalid_probe"), "{text}");
    }
    // Steps of 10 s each against a 4 s request timeout: a report of how far it got, not a 503.
    let (status, text) = probe(json!({
        "host": "127.0.0.1", "port": port, "security": "none", "timeout": 10,
    }))
    .await;
    assert_eq!(status, 200, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["result"], "error", "{report:#}");
    assert_eq!(
        steps(&report)[..2],
        ["dns:pass".to_string(), "connect:pass".to_string()]
    );
    assert!(
        step_message(&report, "deadline").contains("ran out after the connect step"),
        "{report:#}"
    );
    crate::support::signal(&daemon, "-TERM");
    daemon.wait().unwrap();
}

#[tokio::test]
async fn the_default_policy_refuses_private_targets() {
    let app = crate::support::spawn_app(crate::support::AppOptions::default()).await;
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/v1/smtp/probe",
            Some(json!({"host": HOST, "port": 25})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "target_not_allowed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1")
    );
    app.stop().await;
}
