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
    /// What happened, and on failure what to change.
    pub message: String,
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

    fn step(&mut self, step: &'static str, status: StepStatus, message: impl Into<String>) {
        let message = message.into();
        if status == StepStatus::Warn {
            self.report.warnings.push(message.clone());
        }
        self.report.steps.push(Step {
            step,
            status,
            ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            message,
        });
        self.started = Instant::now();
    }

    /// Ends the probe: a failed step.
    fn fail(&mut self, step: &'static str, message: impl Into<String>) -> Report {
        self.step(step, StepStatus::Fail, message);
        self.report.result = Verdict::Fail;
        self.report.clone()
    }

    /// Ends the probe: could not test.
    fn error(&mut self, step: &'static str, message: impl Into<String>) -> Report {
        self.step(step, StepStatus::Fail, message);
        self.report.result = Verdict::Error;
        self.report.clone()
    }
}

/// The host's addresses: itself when it is an IP; else as the system gives it (the hosts
/// file, `localhost`), as a mail client on this machine would connect; else A and AAAA
/// through `resolver`.
async fn addresses(resolver: &Resolver, host: &str) -> Result<Vec<IpAddr>, String> {
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
            Answer::Failed(error) => failure = Some(error.to_string()),
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    Err(match failure {
        Some(error) => format!("cannot resolve {host}: DNS {error}"),
        None => format!("{host} has no A or AAAA record: check the host name"),
    })
}

/// Resolves the target, and refuses it when `policy` says so (before any connection).
/// Beside the addresses to dial, those of the host the policy leaves out.
async fn resolve_target(
    resolver: &Resolver,
    target: &Target,
    policy: Option<&Policy>,
) -> Result<(Result<Vec<IpAddr>, String>, Vec<IpAddr>), Refused> {
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
    resolved: Result<Vec<IpAddr>, String>,
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
                format!(
                    "the probe's {} s ran out after the {reached} step: the gateway answers too \
                     slowly; try the CLI with a longer --timeout",
                    deadline.as_secs()
                ),
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
        addresses
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    let timeout = request.timeout;

    // Connect: each address in turn until one answers.
    let mut last_error = String::new();
    let mut tcp = None;
    for ip in &addresses {
        let address = SocketAddr::new(*ip, target.port);
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                tcp = Some((stream, address));
                break;
            }
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                last_error = format!(
                    "{address} refused the connection: nothing listens on port {} there (check \
                     the port, or a firewall rejecting it)",
                    target.port
                );
            }
            Ok(Err(error)) => last_error = format!("cannot connect to {address}: {error}"),
            Err(_) => {
                last_error = format!(
                    "no answer from {address} within {} s: a firewall drops port {}, or the \
                     host is down (many networks block outgoing port 25)",
                    timeout.as_secs_f64(),
                    target.port
                )
            }
        }
    }
    let Some((tcp, address)) = tcp else {
        return recorder.error("connect", last_error);
    };
    let _ = tcp.set_nodelay(true);
    recorder.step(
        "connect",
        StepStatus::Pass,
        format!("connected to {address}"),
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
            let asked = if target.port == 465 {
                "port 465 expects implicit TLS".to_string()
            } else {
                format!("implicit TLS was asked for on port {}", target.port)
            };
            return recorder.fail(
                "tls",
                format!(
                    "{asked} but the server greeted in plain text: use security starttls \
                     (usually port 587), or none"
                ),
            );
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
            let hint = if target.port == 465 {
                ": port 465 usually expects implicit TLS — use security tls"
            } else {
                ": if this port expects implicit TLS (usually 465), use security tls"
            };
            return recorder.error(
                "greeting",
                format!(
                    "the server accepted the connection but sent no greeting within {} s{hint}",
                    limit.as_secs_f64()
                ),
            );
        }
        Err(Failure::Garbled(line)) if target.security != Security::Tls => {
            return recorder.fail(
                "greeting",
                format!(
                    "the server's first bytes are not an SMTP greeting ({line}): if it speaks \
                     TLS from the start, use security tls (usually port 465)"
                ),
            );
        }
        Err(error) => return recorder.error("greeting", format!("no greeting: {error}")),
    };
    if greeting.code != 220 {
        return recorder.fail(
            "greeting",
            format!(
                "the server refused the session: {}{}",
                greeting.text(),
                hint_suffix(&greeting, &target.host)
            ),
        );
    }
    recorder.step("greeting", StepStatus::Pass, greeting.text());

    let helo = request
        .helo
        .clone()
        .unwrap_or_else(|| "sendercheck.invalid".to_string());
    let mut extensions = match ehlo(&mut conversation, &helo, recorder, "").await {
        Ok(extensions) => extensions,
        Err(report) => return *report,
    };

    if target.security == Security::Starttls {
        if !has_extension(&extensions, "STARTTLS") {
            return recorder.fail(
                "starttls",
                format!(
                    "the server does not offer STARTTLS on port {}: use security tls if it \
                     speaks TLS on another port (465), or none to test without encryption",
                    target.port
                ),
            );
        }
        match conversation.command("STARTTLS").await {
            Ok(reply) if reply.code == 220 => {
                recorder.step("starttls", StepStatus::Pass, reply.text())
            }
            Ok(reply) => {
                return recorder.fail("starttls", format!("STARTTLS refused: {}", reply.text()));
            }
            Err(error) => return recorder.error("starttls", format!("STARTTLS: {error}")),
        }
        let plain = match conversation.into_stream() {
            Ok(Stream::Plain(tcp)) => tcp,
            Ok(Stream::Tls(_)) => unreachable!("STARTTLS is only sent over plain streams"),
            Err(error) => return recorder.fail("starttls", error.to_string()),
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
        extensions = match ehlo(&mut conversation, &helo, recorder, " (over TLS)").await {
            Ok(extensions) => extensions,
            Err(report) => return *report,
        };
    }
    recorder.report.extensions = extensions.clone();

    // AUTH.
    let encrypted = matches!(conversation.stream(), Stream::Tls(_));
    match (&request.username, &request.password) {
        (None, _) => recorder.step(
            "auth",
            StepStatus::Skipped,
            "no username given: the login was not tried",
        ),
        (Some(_), None) => {
            return recorder.fail(
                "auth",
                "a username was given without a password (--password-env VAR names the \
                 variable holding it)",
            );
        }
        (Some(_), Some(_)) if !encrypted && !request.allow_plaintext_auth => {
            return recorder.fail(
                "auth",
                "refusing to send the password over an unencrypted connection: use security \
                 starttls or tls (or --allow-plaintext-auth on a network you trust)",
            );
        }
        (Some(username), Some(password)) => {
            match authenticate(&mut conversation, &extensions, username, password).await {
                Ok(message) => recorder.step("auth", StepStatus::Pass, message),
                Err(AuthFailure::Refused(reply)) => {
                    let _ = conversation.command("QUIT").await;
                    return recorder.fail(
                        "auth",
                        format!(
                            "authentication failed: {}{}",
                            reply.text(),
                            hint_suffix(&reply, &target.host)
                        ),
                    );
                }
                Err(AuthFailure::NotOffered(message)) => {
                    let _ = conversation.command("QUIT").await;
                    return recorder.fail("auth", message);
                }
                Err(AuthFailure::Broken(error)) => {
                    return recorder.error("auth", format!("authentication: {error}"));
                }
            }
        }
    }

    match conversation.command("QUIT").await {
        Ok(reply) if reply.code == 221 => recorder.step("quit", StepStatus::Pass, reply.text()),
        Ok(reply) => recorder.step(
            "quit",
            StepStatus::Warn,
            format!("QUIT answered {} instead of 221", reply.text()),
        ),
        Err(Failure::Closed) => recorder.step(
            "quit",
            StepStatus::Warn,
            "the server closed the connection without answering QUIT",
        ),
        Err(error) => recorder.step("quit", StepStatus::Warn, format!("QUIT: {error}")),
    }
    recorder.report.clone()
}

fn hint_suffix(reply: &Reply, host: &str) -> String {
    presets::hint(reply.code, &reply.text(), host)
        .map(|hint| format!(" — {hint}"))
        .unwrap_or_default()
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
                format!("{} cannot be a TLS name: {error}", target.host),
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
            recorder.step("tls", StepStatus::Pass, format!("{version}, {cipher}"));
            recorder.report.tls = Some(TlsReport { version, cipher });
            Ok(stream)
        }
        Ok(Err(error)) => Err(Box::new(
            recorder.fail("tls", tls::handshake_failure(&error, target.port)),
        )),
        Err(_) => Err(Box::new(recorder.error(
            "tls",
            format!(
                "the TLS handshake did not finish within {} s",
                timeout.as_secs_f64()
            ),
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
            recorder.fail("certificate", "the server presented no certificate"),
        ));
    };
    let object = certificate.object;
    recorder.report.certificate = Some(object.clone());
    match certificate.problem {
        None => {
            recorder.step(
                "certificate",
                StepStatus::Pass,
                format!(
                    "trusted, for {}, valid until {}",
                    object.names.join(", "),
                    object
                        .not_after
                        .map(|at| at.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                ),
            );
            Ok(())
        }
        Some(problem) if request.insecure => {
            recorder.step(
                "certificate",
                StepStatus::Warn,
                format!("{problem} (accepted: --insecure)"),
            );
            Ok(())
        }
        Some(problem) => Err(Box::new(recorder.fail(
            "certificate",
            format!("{problem}. Mail clients refuse it; --insecure tests past it"),
        ))),
    }
}

/// EHLO; on a refusal, HELO (an old server), which offers no extensions.
async fn ehlo(
    conversation: &mut Conversation,
    helo: &str,
    recorder: &mut Recorder,
    context: &str,
) -> Result<Vec<String>, Box<Report>> {
    recorder.start();
    match conversation.command(&format!("EHLO {helo}")).await {
        Ok(reply) if reply.code == 250 => {
            let extensions: Vec<String> = reply.lines.iter().skip(1).cloned().collect();
            recorder.step(
                "ehlo",
                StepStatus::Pass,
                format!(
                    "{}{context}: {}",
                    reply.lines.first().cloned().unwrap_or_default(),
                    if extensions.is_empty() {
                        "no extensions".to_string()
                    } else {
                        extensions.join(", ")
                    }
                ),
            );
            Ok(extensions)
        }
        Ok(reply) => match conversation.command(&format!("HELO {helo}")).await {
            Ok(helo_reply) if helo_reply.code == 250 => {
                recorder.step(
                    "ehlo",
                    StepStatus::Warn,
                    format!(
                        "EHLO refused ({}), HELO accepted: an old server with no extensions \
                         (no STARTTLS, no AUTH)",
                        reply.text()
                    ),
                );
                Ok(Vec::new())
            }
            _ => Err(Box::new(
                recorder.fail("ehlo", format!("EHLO refused: {}", reply.text())),
            )),
        },
        Err(error) => Err(Box::new(
            recorder.error("ehlo", format!("EHLO{context}: {error}")),
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
    NotOffered(String),
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
) -> Result<String, AuthFailure> {
    let offered = mechanisms(extensions);
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    if offered.iter().any(|mechanism| mechanism == "PLAIN") {
        let token = encode(format!("\0{username}\0{}", password.expose()).as_bytes());
        let reply = conversation.command(&format!("AUTH PLAIN {token}")).await?;
        return if reply.code == 235 {
            Ok(format!("logged in as {username} (PLAIN): {}", reply.text()))
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
            Ok(format!("logged in as {username} (LOGIN): {}", reply.text()))
        } else {
            Err(AuthFailure::Refused(reply))
        };
    }
    Err(AuthFailure::NotOffered(if offered.is_empty() {
        "the server offers no AUTH on this connection: it does not take logins here (a relay \
         that trusts by IP address), or only on another port"
            .to_string()
    } else {
        format!(
            "the server offers only {} for AUTH; sendercheck logs in with PLAIN or LOGIN",
            offered.join(", ")
        )
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
        report.warnings.push(format!(
            "{} also resolves to {}, not dialled: not a public address, and no [smtp] allowed \
             pattern names it",
            target.host,
            listed.join(", ")
        ));
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
