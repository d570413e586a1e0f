//! The command line: arguments, logging, and each command's run. Exit codes follow the
//! monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also bad usage).

mod check;
mod dkim;
mod profiles;
mod render;
mod serve;
mod smtp;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::checks::Outcome;

/// Exit code for bad usage and anything else that leaves the verdict unknown.
pub const EXIT_UNKNOWN: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "sendercheck",
    version,
    about = "Tells whether a sender domain's DNS records are ready for its email provider"
)]
pub struct Cli {
    /// Log format on standard error: text for people, json (one object per line) for shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "SENDERCHECK_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// The language of the words for people (messages, warnings, the table's labels): en, fr
    /// or pt. Default: SENDERCHECK_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG), else en.
    /// Codes, status words, JSON keys and DNS values are never translated.
    #[arg(long, global = true, value_name = "LANG", env = "SENDERCHECK_LANG", value_parser = parse_lang)]
    pub lang: Option<crate::text::Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one domain now, or many with --domains-file, and print the verdict.
    Check(CheckArgs),
    /// Run the daemon: HTTP API, background re-checks, status history.
    Serve(ServeArgs),
    /// The DKIM verdict for a raw message (RFC 5322), from FILE or standard input.
    Dkim(DkimArgs),
    /// The provider profiles (or one of them): parameters and required records.
    Profiles(ProfilesArgs),
    /// Test an SMTP gateway step by step: DNS, connect, TLS and certificate, greeting, EHLO,
    /// STARTTLS, AUTH, QUIT. No mail is sent.
    Smtp(SmtpArgs),
    /// Copy the SQLite store to PATH, consistent, while the daemon runs (PostgreSQL: use
    /// pg_dump).
    Backup(BackupArgs),
    /// API tokens for `[[tokens]]`: `hash` prints the sha256 of a token read on standard input,
    /// `new` a fresh random token and its sha256.
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub action: TokenAction,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Read a token on standard input (one line) and print its sha256, for `[[tokens]] sha256`.
    Hash,
    /// Print a fresh random token (give it to the client; it is not kept) and its sha256.
    New,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where the copy goes: a new file (never overwritten).
    pub path: PathBuf,
    /// Config file naming the store (else SENDERCHECK_STORE_URL, else sendercheck.db).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SmtpArgs {
    /// The gateway, `HOST` or `HOST:PORT` (the preset's host when left out).
    #[arg(required_unless_present = "preset")]
    pub host: Option<String>,
    /// Fill host, port and security for a provider: gmail, office365, outlook, yahoo, icloud,
    /// mandrill, sendgrid, mailgun, postmark, brevo, zoho, fastmail, ses-REGION.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// The port (default: 465 for tls, 587 for starttls, 25 for none).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// tls (implicit TLS, SMTPS), starttls, or none.
    #[arg(long, value_name = "MODE")]
    pub security: Option<String>,
    /// Log in as this user (PLAIN or LOGIN, whichever the server offers).
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,
    /// The environment variable holding the password (never on the command line).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// CA certificates (PEM) to trust beside the public roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Go on over an untrusted certificate (reported as a warning).
    #[arg(long)]
    pub insecure: bool,
    /// Send the password even without TLS.
    #[arg(long)]
    pub allow_plaintext_auth: bool,
    /// The name to send in EHLO (default sendercheck.invalid).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Each step's limit, e.g. 10s (default) or 500ms.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Ask only this DNS server (repeatable), over UDP with TCP fallback.
    #[arg(long = "nameserver", value_name = "IP:PORT")]
    pub nameservers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Config file (for DNS settings).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// One profile; without it, every profile.
    pub name: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Config file (its [profiles.NAME] tables are listed too).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DkimArgs {
    /// The raw message; `-` or nothing reads standard input. Bare LF line ends are fine.
    pub file: Option<PathBuf>,
    /// Ask only this DNS server (repeatable), over UDP with TCP fallback.
    #[arg(long = "nameserver", value_name = "IP:PORT")]
    pub nameservers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Config file (for DNS settings and limits.max_message_bytes).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Time one DNS query attempt may take, e.g. 2s or 500ms.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file; without it the built-in defaults apply (127.0.0.1:8080, sendercheck.db).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen on this address instead of server.listen.
    #[arg(long, value_name = "IP:PORT")]
    pub listen: Option<String>,
    #[command(flatten)]
    pub dnssec: DnssecArgs,
}

/// DNSSEC flags `check` and `serve` share.
#[derive(Debug, Args)]
pub struct DnssecArgs {
    /// Do not validate DNSSEC (default: the config's `[dns] dnssec`, on): records carry no
    /// `dnssec` status and a bogus zone is not failed.
    #[arg(long, conflicts_with = "trust_anchors")]
    pub no_dnssec: bool,
    /// Trust the DS or DNSKEY records of FILE (zone-file syntax) instead of the IANA root
    /// anchors, e.g. for a private DNS tree.
    #[arg(long, value_name = "FILE")]
    pub trust_anchors: Option<PathBuf>,
}

impl DnssecArgs {
    /// Applies the flags over the config's `[dns]` settings.
    pub fn apply(&self, config: &mut crate::config::Config) -> anyhow::Result<()> {
        if self.no_dnssec {
            config.dns.dnssec = false;
        }
        if let Some(path) = &self.trust_anchors {
            config.set_trust_anchors("--trust-anchors", path.clone())?;
            config.dns.dnssec = true;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["domain", "domains_file"]))]
pub struct CheckArgs {
    /// The sender domain, e.g. shop.example (Unicode names are converted to their A-label).
    pub domain: Option<String>,
    /// Check every `DOMAIN [TOKEN]` line of FILE (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["domain", "token"])]
    pub domains_file: Option<PathBuf>,
    /// The provider profile whose requirements apply (default: the config's
    /// `[defaults] profile`, mandrill).
    #[arg(long)]
    pub profile: Option<String>,
    /// The ownership token; without it the verification record is not judged. The same as
    /// `--param token=TOKEN`.
    #[arg(long)]
    pub token: Option<String>,
    /// A profile parameter (repeatable), e.g. `--param region=eu`; with --domains-file it
    /// applies to every line (each line's token is its own).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Ask only this DNS server (repeatable), over UDP with TCP fallback.
    #[arg(long = "nameserver", value_name = "IP:PORT")]
    pub nameservers: Vec<String>,
    /// Ask the resolver only, not the zone's authoritative servers (no `propagation`).
    #[arg(long)]
    pub no_authoritative: bool,
    /// The port the zone's authoritative servers are asked on (default: the config's
    /// `[dns] authoritative_port`, 53).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..), conflicts_with = "no_authoritative")]
    pub authoritative_port: Option<u16>,
    /// The most the authoritative view may add once the resolver has answered, e.g. 1s or
    /// 500ms (default: the config's `[dns] authoritative_budget`, 1s).
    #[arg(long, value_name = "DURATION", conflicts_with = "no_authoritative")]
    pub authoritative_budget: Option<String>,
    #[command(flatten)]
    pub dnssec: DnssecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Domains checked at once with --domains-file.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub concurrency: u16,
    /// Config file (for profiles and DNS settings).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Time one DNS query attempt may take, e.g. 2s or 500ms.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// Parses the arguments and runs the command; the process's exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_UNKNOWN),
            };
        }
    };
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        Command::Check(_)
        | Command::Dkim(_)
        | Command::Profiles(_)
        | Command::Smtp(_)
        | Command::Backup(_)
        | Command::Token(_) => "warn",
    };
    init_logging(default_level, cli.log_format);
    let lang = output_lang(cli.lang, |key| std::env::var(key).ok());
    // The daemon spreads its work over every core. A one-shot command runs on this thread
    // alone: its checks wait on sockets, and with worker threads every answer was an I/O
    // event on a worker waking this thread, so half of a bulk check's CPU was the kernel
    // switching threads (issue 31's profile of `check --domains-file`).
    let mut builder = match cli.command {
        Command::Serve(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sendercheck: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_UNKNOWN);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Check(args) => check::run(args, lang).await.map(Outcome::exit_code),
            Command::Serve(args) => serve::run(args).await.map(Outcome::exit_code),
            Command::Dkim(args) => dkim::run(args, lang).await,
            Command::Profiles(args) => profiles::run(args, lang),
            Command::Smtp(args) => smtp::run(args, lang).await,
            Command::Backup(args) => backup(args).await,
            Command::Token(args) => token(args),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("sendercheck: {error:#}");
            ExitCode::from(EXIT_UNKNOWN)
        }
    }
}

fn parse_lang(value: &str) -> Result<crate::text::Lang, String> {
    crate::text::Lang::parse(value)
        .ok_or_else(|| format!("\"{value}\" is not a language sendercheck speaks: en, fr or pt"))
}

/// The language of the CLI's words: `--lang` (or `SENDERCHECK_LANG`, which clap reads for
/// it), else the POSIX locale of messages (the first set of `LC_ALL`, `LC_MESSAGES`, `LANG`),
/// else English. A locale in a language without a catalog (or `C`) is English.
pub fn output_lang(
    asked: Option<crate::text::Lang>,
    env: impl Fn(&str) -> Option<String>,
) -> crate::text::Lang {
    asked
        .or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .into_iter()
                .filter_map(|key| env(key).filter(|value| !value.is_empty()))
                .next()
                .and_then(|locale| crate::text::Lang::from_locale(&locale))
        })
        .unwrap_or_default()
}

/// `sendercheck backup PATH`: a consistent copy of the SQLite store, made while the daemon
/// runs; prints where it went.
async fn backup(args: BackupArgs) -> anyhow::Result<u8> {
    let config =
        crate::config::Config::load(args.config.as_deref(), |key| std::env::var(key).ok())?;
    crate::store::backup(&config.store.url, &args.path).await?;
    println!(
        "backed up {} to {}",
        crate::redacted(&config.store.url),
        args.path.display()
    );
    Ok(0)
}

/// `sendercheck token hash|new`.
fn token(args: TokenArgs) -> anyhow::Result<u8> {
    use crate::auth::{digest, hex, new_token};
    match args.action {
        TokenAction::Hash => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the token on standard input")?;
            let token = line.trim();
            if token.is_empty() {
                anyhow::bail!(
                    "no token on standard input (e.g. `printf %s \"$TOKEN\" | sendercheck token hash`)"
                );
            }
            println!("{}", hex(&digest(token)));
        }
        TokenAction::New => {
            let token = new_token();
            println!("token   {token}");
            println!("sha256  {}", hex(&digest(&token)));
        }
    }
    Ok(0)
}

/// Logs to standard error, filtered by `SENDERCHECK_LOG` or `RUST_LOG`, else `default`.
fn init_logging(default: &str, format: LogFormat) {
    let filter = std::env::var("SENDERCHECK_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        // hickory's validator logs every bogus answer in full at WARN: sendercheck reports
        // them itself, with the cause.
        .unwrap_or_else(|| EnvFilter::new(format!("{default},hickory_net=error")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        // One JSON object per line, fields at the top level, as log shippers expect.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}

/// Parses `--nameserver` values.
fn parse_nameservers(values: &[String]) -> anyhow::Result<Vec<SocketAddr>> {
    values
        .iter()
        .map(|value| {
            crate::config::parse_nameserver("--nameserver", value).map_err(anyhow::Error::from)
        })
        .collect()
}

/// The worst of several outcomes, for a batch's exit code.
fn worst(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    outcomes.into_iter().max().unwrap_or(Outcome::Ok)
}
