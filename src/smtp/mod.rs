//! The SMTP gateway probe: does a customer's gateway take a connection, speak TLS with a good
//! certificate, and accept the login — and if not, which step fails and what to change. It
//! speaks RFC 5321 (EHLO, QUIT), RFC 3207 (STARTTLS) and RFC 4954 (AUTH PLAIN, LOGIN) itself:
//! the steps are few, and no SMTP client library reports each one. No mail is sent.
//!
//! Steps, in order: `dns`, `connect`, then for implicit TLS `tls` and `certificate` before
//! `greeting`; `ehlo`; for STARTTLS `starttls`, `tls`, `certificate` and `ehlo` again; `auth`;
//! `quit`. A step that cannot run because an earlier one failed is not listed.

mod conversation;
pub mod policy;
pub mod presets;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::checks::{Answer, Query, QueryType};
use crate::config::Secret;
use crate::dns::Resolver;
use crate::text::{Arg, Lang, Text, codes};
use conversation::{Conversation, Failure, Reply, Stream};

pub use policy::{Policy, Refused};

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS from the first byte (SMTPS, port 465).
    Tls,
    /// Plain SMTP upgraded with STARTTLS after EHLO (submission, port 587).
    Starttls,
    /// Plain SMTP (port 25).
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::Starttls => "starttls",
            Security::None => "none",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::None => 25,
        }
    }

    /// The mode a port usually means, when none is given.
    fn for_port(port: u16) -> Security {
        match port {
            465 => Security::Tls,
            25 => Security::None,
            _ => Security::Starttls,
        }
    }
}

impl std::str::FromStr for Security {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" | "ssl/tls" | "smtps" => Ok(Security::Tls),
            "starttls" => Ok(Security::Starttls),
            "none" | "plain" => Ok(Security::None),
            other => Err(format!(
                "security {other:?} is not one of tls, starttls, none"
            )),
        }
    }
}

/// What to probe, as asked (CLI flags or the API's body).
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Host name or IP; may carry `:PORT`. Filled by the preset when absent.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub preset: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Extra CA certificates to trust (PEM).
    pub ca_pem: Option<String>,
    /// Go on over an untrusted certificate, reported as a warning.
    pub insecure: bool,
    /// Send the password over a connection without TLS.
    pub allow_plaintext_auth: bool,
    pub helo: Option<String>,
    /// Each step's limit.
    pub timeout: Duration,
    /// The whole probe's limit after DNS (`None`: only each step's). The API sets it below
    /// its request timeout, so a slow gateway gives a report of how far it got, not a 503.
    pub deadline: Option<Duration>,
}

/// A request with the preset and defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl Request {
    /// Host, port and security: explicit values first, then the preset's, then the defaults
    /// (the security a port usually means, the port a security usually uses).
    /// Everything wrong with the request that can be told before a connection: the target,
    /// the HELO name, the CA file.
    pub fn validate(&self) -> Result<Target, String> {
        self.prepare().map(|(target, _)| target)
    }

    /// `validate`, keeping the TLS connector it built from the CA file.
    fn prepare(&self) -> Result<(Target, tls::Connector), String> {
        let target = self.target()?;
        if let Some(helo) = &self.helo {
            split_host_port(helo)
                .ok()
                .filter(|(_, port)| port.is_none())
                .ok_or_else(|| format!("--helo {helo:?} is not a host name"))?;
        }
        let connector = tls::Connector::new(self.ca_pem.as_deref())?;
        Ok((target, connector))
    }

    pub fn target(&self) -> Result<Target, String> {
        let preset = self.preset.as_deref().map(presets::preset).transpose()?;
        let (host, inline_port) = match self.host.as_deref().map(str::trim) {
            Some(host) if !host.is_empty() => split_host_port(host)?,
            _ => match &preset {
                Some(preset) => (preset.host.clone(), None),
                None => return Err("a host is required (or a preset)".to_string()),
            },
        };
        let port = self
            .port
            .or(inline_port)
            .or_else(|| preset.as_ref().map(|preset| preset.port));
        let security = self
            .security
            .or_else(|| preset.as_ref().map(|preset| preset.security))
            .or_else(|| port.map(Security::for_port))
            .unwrap_or(Security::Starttls);
        let port = port.unwrap_or_else(|| security.default_port());
        if port == 0 {
            return Err("port 0 is not a port".to_string());
        }
        Ok(Target {
            host,
            port,
            security,
        })
    }
}

/// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
fn split_host_port(text: &str) -> Result<(String, Option<u16>), String> {
    let invalid = || format!("{text:?} is not a host name, IP address or HOST:PORT");
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok((ip.to_string(), None));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok((address.ip().to_string(), Some(address.port())));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| invalid())?)),
        None => (text, None),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        });
    if !valid {
        return Err(invalid());
    }
    Ok((host, port))
}

/// One step's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Pass,
    Fail,
    Warn,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `dns`, `connect`, `greeting`, `ehlo`, `starttls`, `tls`, `certificate`, `auth`, `quit`.
    pub step: &'static str,
    pub status: StepStatus,
    /// How long it took, in milliseconds.
    pub ms: u64,
    /// The stable code of `message` (`smtp.auth.refused`), the same in every language.
    pub code: &'static str,
    /// What happened, and on failure what to change.
    pub message: String,
    /// `message` as a finding, to put it in another language (not part of the JSON).
    #[serde(skip)]
    #[schema(ignore)]
    pub text: Text,
}

/// The probe's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every step passed (warnings aside).
    Pass,
    /// A step failed: the gateway is reachable but will not work as configured.
    Fail,
    /// Could not test: DNS, connection refused or a timeout.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TlsReport {
    /// `TLS 1.3`, `TLS 1.2`.
    pub version: String,
    pub cipher: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertificateObject {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339.
    pub not_after: Option<DateTime<Utc>>,
    /// The names it is for.
    pub names: Vec<String>,
    /// Chains to a trusted root (the public roots, plus `ca_pem`) and is within its dates.
    pub trusted: bool,
    pub hostname_match: bool,
}

/// What the probe found: the JSON of `sendercheck smtp --format json` and
/// `POST /v1/smtp/probe`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub result: Verdict,
    pub steps: Vec<Step>,
    pub tls: Option<TlsReport>,
    pub certificate: Option<CertificateObject>,
    /// The EHLO extensions (after STARTTLS, the second EHLO's).
    pub extensions: Vec<String>,
    pub warnings: Vec<String>,
    /// The codes of `warnings`, in the same order.
    pub warning_codes: Vec<&'static str>,
    /// `warnings` as findings (not part of the JSON).
    #[serde(skip)]
    #[schema(ignore)]
    pub warning_texts: Vec<Text>,
}

impl Report {
    /// 0 pass, 1 pass with warnings, 2 fail, 3 could not test.
    pub fn exit_code(&self) -> u8 {
        match self.result {
            Verdict::Pass if self.warnings.is_empty() => 0,
            Verdict::Pass => 1,
            Verdict::Fail => 2,
            Verdict::Error => 3,
        }
    }

    /// Adds a warning that belongs to no step.
    fn warn(&mut self, text: Text) {
        self.warnings.push(text.en());
        self.warning_codes.push(text.code);
        self.warning_texts.push(text);
    }

    /// The steps' messages and the warnings in `lang` (they are made in English).
    pub fn localize(&mut self, lang: Lang) {
        for step in &mut self.steps {
            step.message = step.text.render(lang);
        }
        self.warnings = self.warning_texts.iter().map(|t| t.render(lang)).collect();
    }
}

/// Builds the report as the steps go.
struct Recorder {
    report: Report,
    started: Instant,
}

impl Recorder {
    fn start(&mut self) {
        self.started = Instant::now();
    }

    fn step(&mut self, step: &'static str, status: StepStatus, text: Text) {
        if status == StepStatus::Warn {
            self.report.warn(text.clone());
        }
        self.report.steps.push(Step {
            step,
            status,
            ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            code: text.code,
            message: text.en(),
            text,
        });
        self.started = Instant::now();
    }

    /// Ends the probe: a failed step.
    fn fail(&mut self, step: &'static str, text: Text) -> Report {
        self.step(step, StepStatus::Fail, text);
        self.report.result = Verdict::Fail;
        self.report.clone()
    }

    /// Ends the probe: could not test.
    fn error(&mut self, step: &'static str, text: Text) -> Report {
        self.step(step, StepStatus::Fail, text);
        self.report.result = Verdict::Error;
        self.report.clone()
    }
}

/// The host's addresses: itself when it is an IP; else as the system gives it (the hosts
/// file, `localhost`), as a mail client on this machine would connect; else A and AAAA
/// through `resolver`.
async fn addresses(resolver: &Resolver, host: &str) -> Result<Vec<IpAddr>, Text> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if let Some(found) = crate::dns::system_hosts(host) {
        return Ok(found);
    }
    let (query_a, query_aaaa) = (
        Query::new(host, QueryType::A),
        Query::new(host, QueryType::Aaaa),
    );
    let (a, aaaa) = tokio::join!(resolver.resolve(&query_a), resolver.resolve(&query_aaaa));
    let mut found = Vec::new();
    let mut failure = None;
    for answer in [a, aaaa] {
        match answer {
            Answer::Records(records) => found.extend(
                records
                    .iter()
                    .filter_map(|record| record.parse::<IpAddr>().ok()),
            ),
            Answer::NxDomain | Answer::NoData => {}
            Answer::Failed(error) => failure = Some(crate::checks::failure_text(&error)),
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    Err(match failure {
        Some(error) => codes::smtp_dns_failed(host, error),
        None => codes::smtp_dns_no_address(host),
    })
}

/// Resolves the target, and refuses it when `policy` says so (before any connection).
/// Beside the addresses to dial, those of the host the policy leaves out.
async fn resolve_target(
    resolver: &Resolver,
    target: &Target,
    policy: Option<&Policy>,
) -> Result<(Result<Vec<IpAddr>, Text>, Vec<IpAddr>), Refused> {
    let found = addresses(resolver, &target.host).await;
    match (policy, found) {
        // Only the addresses the policy allows are dialled.
        (Some(policy), Ok(found)) => {
            let dialled = policy.check(&target.host, &found)?;
            let left_out = found
                .into_iter()
                .filter(|address| !dialled.contains(address))
                .collect();
            Ok((Ok(dialled), left_out))
        }
        (_, found) => Ok((found, Vec::new())),
    }
}

/// Runs the probe against `target`, whose addresses were looked up already (`resolved`:
/// the addresses or why there are none; `dns_ms` the lookup's time).
async fn probe(
    request: &Request,
    connector: &tls::Connector,
    target: &Target,
    resolved: Result<Vec<IpAddr>, Text>,
    dns_time: Duration,
) -> Report {
    let mut recorder = Recorder {
        report: Report {
            host: target.host.clone(),
            port: target.port,
            security: target.security,
            result: Verdict::Pass,
            steps: Vec::new(),
            tls: None,
            certificate: None,
            extensions: Vec::new(),
            warnings: Vec::new(),
            warning_codes: Vec::new(),
            warning_texts: Vec::new(),
        },
        started: Instant::now() - dns_time,
    };
    let addresses = match resolved {
        Ok(addresses) => addresses,
        Err(message) => return recorder.error("dns", message),
    };
    // The steps record themselves as they finish; past the total deadline the one under way
    // is dropped, and the report says how far the probe got.
    let Some(deadline) = request.deadline else {
        return steps(request, connector, target, addresses, &mut recorder).await;
    };
    let run = steps(request, connector, target, addresses, &mut recorder);
    match tokio::time::timeout(deadline, run).await {
        Ok(report) => report,
        Err(_) => {
            let reached = recorder.report.steps.last().map_or("dns", |step| step.step);
            recorder.error(
                "deadline",
                codes::smtp_deadline(deadline.as_secs(), reached),
            )
        }
    }
}

/// The probe's steps after DNS, each recorded in `recorder` as it ends.
async fn steps(
    request: &Request,
    connector: &tls::Connector,
    target: &Target,
    addresses: Vec<IpAddr>,
    recorder: &mut Recorder,
) -> Report {
    recorder.step(
        "dns",
        StepStatus::Pass,
        codes::smtp_dns_resolved(
            addresses
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    );
    let timeout = request.timeout;

    // Connect: each address in turn until one answers.
    let mut last_error = None;
    let mut tcp = None;
    for ip in &addresses {
        let address = SocketAddr::new(*ip, target.port);
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                tcp = Some((stream, address));
                break;
            }
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                last_error = Some(codes::smtp_connect_refused(
                    address.to_string(),
                    target.port,
                ));
            }
            Ok(Err(error)) => {
                last_error = Some(codes::smtp_connect_failed(
                    address.to_string(),
                    error.to_string(),
                ))
            }
            Err(_) => {
                last_error = Some(codes::smtp_connect_timeout(
                    address.to_string(),
                    timeout.as_secs_f64().to_string(),
                    target.port,
                ))
            }
        }
    }
    let Some((tcp, address)) = tcp else {
        // `addresses` is never empty: DNS gave at least one, or the probe ended there.
        let error = last_error.unwrap_or_else(|| codes::smtp_dns_no_address(&target.host));
        return recorder.error("connect", error);
    };
    let _ = tcp.set_nodelay(true);
    recorder.step(
        "connect",
        StepStatus::Pass,
        codes::smtp_connect_ok(address.to_string()),
    );

    let mut conversation = if target.security == Security::Tls {
        // A plain SMTP server greets at once; a TLS server waits for the client's hello.
        let mut first = [0u8; 4];
        let greeted = tokio::time::timeout(
            timeout.min(Duration::from_millis(500)),
            tcp.peek(&mut first),
        )
        .await;
        if let Ok(Ok(read)) = greeted
            && read >= 3
            && first[..3].iter().all(u8::is_ascii_digit)
        {
            return recorder.fail("tls", codes::smtp_tls_plain_greeting(target.port));
        }
        let stream = match handshake(connector, tcp, target, timeout, recorder).await {
            Ok(stream) => stream,
            Err(report) => return *report,
        };
        if let Err(report) = judge_certificate(connector, request, target, recorder) {
            return *report;
        }
        Conversation::new(Stream::Tls(Box::new(stream)), timeout)
    } else {
        Conversation::new(Stream::Plain(tcp), timeout)
    };

    // Greeting.
    let greeting = match conversation.read_reply().await {
        Ok(reply) => reply,
        Err(Failure::Timeout(limit)) => {
            // A server speaking TLS from the first byte waits for the client's hello.
            return recorder.error(
                "greeting",
                codes::smtp_greeting_timeout(limit.as_secs_f64().to_string(), target.port),
            );
        }
        Err(Failure::Garbled(line)) if target.security != Security::Tls => {
            return recorder.fail("greeting", codes::smtp_greeting_garbled(line));
        }
        Err(error) => return recorder.error("greeting", codes::smtp_greeting_failed(error.text())),
    };
    if greeting.code != 220 {
        let refused = codes::smtp_greeting_refused(greeting.text());
        return recorder.fail("greeting", with_hint(refused, &greeting, &target.host));
    }
    recorder.step(
        "greeting",
        StepStatus::Pass,
        codes::smtp_greeting_ok(greeting.text()),
    );

    let helo = request
        .helo
        .clone()
        .unwrap_or_else(|| "sendercheck.invalid".to_string());
    let mut extensions = match ehlo(&mut conversation, &helo, recorder, false).await {
        Ok(extensions) => extensions,
        Err(report) => return *report,
    };

    if target.security == Security::Starttls {
        if !has_extension(&extensions, "STARTTLS") {
            return recorder.fail("starttls", codes::smtp_starttls_not_offered(target.port));
        }
        match conversation.command("STARTTLS").await {
            Ok(reply) if reply.code == 220 => recorder.step(
                "starttls",
                StepStatus::Pass,
                codes::smtp_starttls_ok(reply.text()),
            ),
            Ok(reply) => {
                return recorder.fail("starttls", codes::smtp_starttls_refused(reply.text()));
            }
            Err(error) => {
                return recorder.error("starttls", codes::smtp_starttls_failed(error.text()));
            }
        }
        let plain = match conversation.into_stream() {
            Ok(Stream::Plain(tcp)) => tcp,
            Ok(Stream::Tls(_)) => unreachable!("STARTTLS is only sent over plain streams"),
            Err(error) => {
                return recorder.fail("starttls", codes::smtp_starttls_failed(error.text()));
            }
        };
        let stream = match handshake(connector, plain, target, timeout, recorder).await {
            Ok(stream) => stream,
            Err(report) => return *report,
        };
        if let Err(report) = judge_certificate(connector, request, target, recorder) {
            return *report;
        }
        conversation = Conversation::new(Stream::Tls(Box::new(stream)), timeout);
        // RFC 3207: what was learnt before TLS is forgotten; ask again.
        extensions = match ehlo(&mut conversation, &helo, recorder, true).await {
            Ok(extensions) => extensions,
            Err(report) => return *report,
        };
    }
    recorder.report.extensions = extensions.clone();

    // AUTH.
    let encrypted = matches!(conversation.stream(), Stream::Tls(_));
    match (&request.username, &request.password) {
        (None, _) => recorder.step("auth", StepStatus::Skipped, codes::smtp_auth_skipped()),
        (Some(_), None) => return recorder.fail("auth", codes::smtp_auth_no_password()),
        (Some(_), Some(_)) if !encrypted && !request.allow_plaintext_auth => {
            return recorder.fail("auth", codes::smtp_auth_plaintext_refused());
        }
        (Some(username), Some(password)) => {
            match authenticate(&mut conversation, &extensions, username, password).await {
                Ok(message) => recorder.step("auth", StepStatus::Pass, message),
                Err(AuthFailure::Refused(reply)) => {
                    let _ = conversation.command("QUIT").await;
                    let refused = codes::smtp_auth_refused(reply.text());
                    return recorder.fail("auth", with_hint(refused, &reply, &target.host));
                }
                Err(AuthFailure::NotOffered(message)) => {
                    let _ = conversation.command("QUIT").await;
                    return recorder.fail("auth", message);
                }
                Err(AuthFailure::Broken(error)) => {
                    return recorder.error("auth", codes::smtp_auth_failed(error.text()));
                }
            }
        }
    }

    match conversation.command("QUIT").await {
        Ok(reply) if reply.code == 221 => {
            recorder.step("quit", StepStatus::Pass, codes::smtp_quit_ok(reply.text()))
        }
        Ok(reply) => recorder.step(
            "quit",
            StepStatus::Warn,
            codes::smtp_quit_unexpected(reply.text()),
        ),
        Err(Failure::Closed) => recorder.step("quit", StepStatus::Warn, codes::smtp_quit_closed()),
        Err(error) => recorder.step(
            "quit",
            StepStatus::Warn,
            codes::smtp_quit_failed(error.text()),
        ),
    }
    recorder.report.clone()
}

/// `finding`, followed by the plain explanation of `reply` when one is known.
fn with_hint(finding: Text, reply: &Reply, host: &str) -> Text {
    match presets::hint(reply.code, &reply.text(), host) {
        Some(hint) => finding.and(hint),
        None => finding,
    }
}

async fn handshake(
    connector: &tls::Connector,
    tcp: tokio::net::TcpStream,
    target: &Target,
    timeout: Duration,
    recorder: &mut Recorder,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Box<Report>> {
    recorder.start();
    let name = match rustls::pki_types::ServerName::try_from(target.host.clone()) {
        Ok(name) => name,
        Err(error) => {
            return Err(Box::new(recorder.fail(
                "tls",
                codes::smtp_tls_bad_name(&target.host, error.to_string()),
            )));
        }
    };
    match tokio::time::timeout(timeout, connector.connector().connect(name, tcp)).await {
        Ok(Ok(stream)) => {
            let (_, connection) = stream.get_ref();
            let version = connection
                .protocol_version()
                .map(tls::version_name)
                .unwrap_or_default();
            let cipher = connection
                .negotiated_cipher_suite()
                .map(|suite| format!("{:?}", suite.suite()))
                .unwrap_or_default();
            recorder.step(
                "tls",
                StepStatus::Pass,
                codes::smtp_tls_ok(&version, &cipher),
            );
            recorder.report.tls = Some(TlsReport { version, cipher });
            Ok(stream)
        }
        Ok(Err(error)) => Err(Box::new(
            recorder.fail("tls", tls::handshake_failure(&error, target.port)),
        )),
        Err(_) => Err(Box::new(recorder.error(
            "tls",
            codes::smtp_tls_timeout(timeout.as_secs_f64().to_string()),
        ))),
    }
}

/// The certificate step: pass, warn (`insecure`), or the end of the probe.
fn judge_certificate(
    connector: &tls::Connector,
    request: &Request,
    target: &Target,
    recorder: &mut Recorder,
) -> Result<(), Box<Report>> {
    let Some(certificate) = connector.certificate(&target.host) else {
        return Err(Box::new(
            recorder.fail("certificate", codes::smtp_certificate_none()),
        ));
    };
    let object = certificate.object;
    recorder.report.certificate = Some(object.clone());
    match certificate.problem {
        None => {
            recorder.step(
                "certificate",
                StepStatus::Pass,
                codes::smtp_certificate_ok(
                    object.names.join(", "),
                    object
                        .not_after
                        .map(|at| at.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                ),
            );
            Ok(())
        }
        Some(problem) if request.insecure => {
            recorder.step(
                "certificate",
                StepStatus::Warn,
                codes::smtp_certificate_accepted(problem),
            );
            Ok(())
        }
        Some(problem) => Err(Box::new(
            recorder.fail("certificate", codes::smtp_certificate_refused(problem)),
        )),
    }
}

/// EHLO; on a refusal, HELO (an old server), which offers no extensions.
async fn ehlo(
    conversation: &mut Conversation,
    helo: &str,
    recorder: &mut Recorder,
    over_tls: bool,
) -> Result<Vec<String>, Box<Report>> {
    recorder.start();
    match conversation.command(&format!("EHLO {helo}")).await {
        Ok(reply) if reply.code == 250 => {
            let extensions: Vec<String> = reply.lines.iter().skip(1).cloned().collect();
            let listed = if extensions.is_empty() {
                Arg::from(codes::smtp_ehlo_no_extensions())
            } else {
                Arg::from(extensions.join(", "))
            };
            let first = reply.lines.first().cloned().unwrap_or_default();
            let ok = if over_tls {
                codes::smtp_ehlo_ok_tls(first, listed)
            } else {
                codes::smtp_ehlo_ok(first, listed)
            };
            recorder.step("ehlo", StepStatus::Pass, ok);
            Ok(extensions)
        }
        Ok(reply) => match conversation.command(&format!("HELO {helo}")).await {
            Ok(helo_reply) if helo_reply.code == 250 => {
                recorder.step(
                    "ehlo",
                    StepStatus::Warn,
                    codes::smtp_ehlo_helo_only(reply.text()),
                );
                Ok(Vec::new())
            }
            _ => Err(Box::new(
                recorder.fail("ehlo", codes::smtp_ehlo_refused(reply.text())),
            )),
        },
        Err(error) => Err(Box::new(
            recorder.error("ehlo", codes::smtp_ehlo_failed(error.text())),
        )),
    }
}

fn has_extension(extensions: &[String], name: &str) -> bool {
    extensions.iter().any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|keyword| keyword.eq_ignore_ascii_case(name))
    })
}

/// The AUTH mechanisms offered (`AUTH PLAIN LOGIN`, or the old `AUTH=LOGIN`).
fn mechanisms(extensions: &[String]) -> Vec<String> {
    extensions
        .iter()
        .filter_map(|line| {
            let upper = line.to_ascii_uppercase();
            upper
                .strip_prefix("AUTH ")
                .or_else(|| upper.strip_prefix("AUTH="))
                .map(|rest| {
                    rest.split_whitespace()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
        })
        .flatten()
        .collect()
}

enum AuthFailure {
    Refused(Reply),
    NotOffered(Text),
    Broken(Failure),
}

impl From<Failure> for AuthFailure {
    fn from(error: Failure) -> Self {
        AuthFailure::Broken(error)
    }
}

/// AUTH PLAIN, else AUTH LOGIN (RFC 4954), whichever the server offers.
async fn authenticate(
    conversation: &mut Conversation,
    extensions: &[String],
    username: &str,
    password: &Secret,
) -> Result<Text, AuthFailure> {
    let offered = mechanisms(extensions);
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    if offered.iter().any(|mechanism| mechanism == "PLAIN") {
        let token = encode(format!("\0{username}\0{}", password.expose()).as_bytes());
        let reply = conversation.command(&format!("AUTH PLAIN {token}")).await?;
        return if reply.code == 235 {
            Ok(codes::smtp_auth_ok(username, "PLAIN", reply.text()))
        } else {
            Err(AuthFailure::Refused(reply))
        };
    }
    if offered.iter().any(|mechanism| mechanism == "LOGIN") {
        let reply = conversation.command("AUTH LOGIN").await?;
        if reply.code != 334 {
            return Err(AuthFailure::Refused(reply));
        }
        let reply = conversation.command(&encode(username.as_bytes())).await?;
        if reply.code != 334 {
            return Err(AuthFailure::Refused(reply));
        }
        let reply = conversation
            .command(&encode(password.expose().as_bytes()))
            .await?;
        return if reply.code == 235 {
            Ok(codes::smtp_auth_ok(username, "LOGIN", reply.text()))
        } else {
            Err(AuthFailure::Refused(reply))
        };
    }
    Err(AuthFailure::NotOffered(if offered.is_empty() {
        codes::smtp_auth_not_offered()
    } else {
        codes::smtp_auth_mechanisms(offered.join(", "))
    }))
}

/// The whole probe: resolve (refused by `policy` when given), then the steps.
pub async fn run(
    resolver: &Resolver,
    request: &Request,
    policy: Option<&Policy>,
) -> Result<Report, ProbeError> {
    // A bad target, HELO name or CA file is bad input, told before anything is connected to.
    let (target, connector) = request.prepare().map_err(ProbeError::Invalid)?;
    let started = Instant::now();
    let (resolved, left_out) = resolve_target(resolver, &target, policy)
        .await
        .map_err(ProbeError::Refused)?;
    let mut report = probe(request, &connector, &target, resolved, started.elapsed()).await;
    if !left_out.is_empty() {
        let listed: Vec<String> = left_out.iter().map(IpAddr::to_string).collect();
        report.warn(codes::smtp_not_dialled(&target.host, listed.join(", ")));
    }
    Ok(report)
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Refused(Refused),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(host: Option<&str>) -> Request {
        Request {
            host: host.map(str::to_string),
            timeout: Duration::from_secs(5),
            ..Request::default()
        }
    }

    #[test]
    fn targets_take_explicit_values_then_the_preset_then_defaults() {
        let target = |request: Request| request.target();
        assert_eq!(
            target(request(Some("smtp.example"))).unwrap(),
            Target {
                host: "smtp.example".into(),
                port: 587,
                security: Security::Starttls
            }
        );
        assert_eq!(
            target(request(Some("smtp.example:465"))).unwrap().security,
            Security::Tls
        );
        assert_eq!(
            target(Request {
                security: Some(Security::Tls),
                ..request(Some("smtp.example"))
            })
            .unwrap()
            .port,
            465
        );
        assert_eq!(
            target(Request {
                security: Some(Security::None),
                ..request(Some("[::1]:2525"))
            })
            .unwrap(),
            Target {
                host: "::1".into(),
                port: 2525,
                security: Security::None
            }
        );
        let gmail = target(Request {
            preset: Some("gmail".into()),
            ..request(None)
        })
        .unwrap();
        assert_eq!(gmail.host, "smtp.gmail.com");
        assert!(target(request(None)).is_err());
        assert!(target(request(Some("bad host:25"))).is_err());
        assert!(target(request(Some("smtp.example:99999"))).is_err());
    }

    #[test]
    fn auth_mechanisms_are_read_in_both_spellings() {
        let extensions = vec![
            "PIPELINING".to_string(),
            "AUTH PLAIN LOGIN".to_string(),
            "AUTH=XOAUTH2".to_string(),
            "STARTTLS".to_string(),
        ];
        assert_eq!(mechanisms(&extensions), ["PLAIN", "LOGIN", "XOAUTH2"]);
        assert!(has_extension(&extensions, "starttls"));
        assert!(!has_extension(&extensions, "SMTPUTF8"));
    }
}
