//! The receiving side of an SMTP session (RFC 5321) as a pure state machine: a line in, the
//! replies and actions out. No sockets, no clock, no store: the listener reads lines (bounded),
//! asks `Session::line`, writes the replies, and acts on what it is told (start TLS, judge a
//! message, close). Being pure, it is what the fuzz target drives.
//!
//! What it accepts: EHLO/HELO, STARTTLS (when offered, once, before a transaction), MAIL FROM
//! with the SIZE parameter (RFC 1870), RCPT TO, DATA (dot-unstuffing, the size limit counted as
//! the message arrives), RSET, NOOP, QUIT, VRFY (252: never confirms an address), HELP. Every
//! recipient is asked of the caller (`Action::CheckRecipient`, answered with
//! `Session::recipient`, so the lookup may wait on a store): a test address is accepted, anything
//! else is refused — unknown or expired with 550 5.1.1, another domain with 550 5.7.1 (never a
//! relay).

/// The limits of one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest message accepted (SIZE advertised; 552 beyond it).
    pub max_message_bytes: usize,
    /// Recipients of one message (RFC 5321 §4.5.3.1.8 asks for at least 100).
    pub max_recipients: usize,
    /// Commands refused in a row before the session is closed (421).
    pub max_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 10 * 1024 * 1024,
            max_recipients: 100,
            max_errors: 10,
        }
    }
}

/// The longest command line, CRLF included (RFC 5321 §4.5.3.1.4: 512 octets).
pub const MAX_COMMAND_LINE: usize = 512;
/// The longest text line in DATA, CRLF included (RFC 5321 §4.5.3.1.6: 1000 octets); a longer
/// one is read in pieces by the listener and counted against the size, never refused alone.
pub const MAX_TEXT_LINE: usize = 1000;

/// What the caller says of a recipient address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A live test address.
    Accepted,
    /// In the test domain, but unknown or expired.
    Unknown,
    /// Not in the test domain: the listener relays nothing.
    NotLocal,
    /// Could not be decided now (the store is unreachable): try again later.
    Unavailable,
}

/// A message received whole: the envelope and the data, dot-unstuffed, CRLF line ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub helo: String,
    /// The reverse path without brackets; empty for the null sender (`<>`).
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub data: Vec<u8>,
    /// Whether the message came over TLS (STARTTLS completed).
    pub tls: bool,
}

/// What the listener does after a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write this reply (complete, CRLF-terminated lines).
    Reply(String),
    /// Decide this recipient (lower case, no brackets) and answer with `Session::recipient`.
    CheckRecipient(String),
    /// Write the 220 reply already given, then start TLS on the connection and call
    /// `Session::tls_started` once the handshake completes.
    StartTls,
    /// DATA may start: take room for one more message arriving (the listener bounds how many
    /// are buffered at once) and answer with `Session::data_opened`.
    OpenData,
    /// Judge and store this message; then write the reply `Session::delivered` gives.
    Deliver(Box<Received>),
    /// Close the connection (after writing any reply given with it).
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before EHLO/HELO.
    Fresh,
    /// Greeted, no transaction.
    Ready,
    /// After MAIL FROM.
    Mail,
    /// After at least one accepted RCPT TO.
    Rcpt,
    /// A recipient is being decided (`Action::CheckRecipient`).
    Deciding,
    /// Reading the message's lines.
    Data,
    /// QUIT given, or closed for errors.
    Closed,
}

/// One SMTP session's state.
#[derive(Debug)]
pub struct Session {
    host: String,
    limits: Limits,
    tls_offered: bool,
    tls: bool,
    state: State,
    helo: String,
    esmtp: bool,
    mail_from: String,
    recipients: Vec<String>,
    data: Vec<u8>,
    /// The message passed the limit: the rest of DATA is read and dropped, then 552.
    oversize: bool,
    errors: usize,
    /// The recipient being decided, and the state to return to.
    deciding: Option<(String, State)>,
}

impl Session {
    /// A session of the listener at `host`; STARTTLS is offered when `tls_offered`.
    pub fn new(host: &str, limits: Limits, tls_offered: bool) -> Self {
        Session {
            host: host.to_string(),
            limits,
            tls_offered,
            tls: false,
            state: State::Fresh,
            helo: String::new(),
            esmtp: false,
            mail_from: String::new(),
            recipients: Vec::new(),
            data: Vec::new(),
            oversize: false,
            errors: 0,
            deciding: None,
        }
    }

    /// The greeting to send first.
    pub fn greeting(&self) -> String {
        format!(
            "220 {} ESMTP sendercheck: test messages only, no relay\r\n",
            self.host
        )
    }

    /// Whether the listener reads DATA lines (text lines up to `MAX_TEXT_LINE`) rather than
    /// commands (up to `MAX_COMMAND_LINE`).
    pub fn in_data(&self) -> bool {
        self.state == State::Data
    }

    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The handshake STARTTLS asked for completed: the session starts over (RFC 3207 §4.2).
    pub fn tls_started(&mut self) {
        self.tls = true;
        self.reset();
        self.state = State::Fresh;
        self.helo.clear();
    }

    /// The reply to a message handed over by `Action::Deliver`: accepted (250) or not
    /// (451, the listener could not store it).
    pub fn delivered(&mut self, stored: bool) -> String {
        self.reset();
        self.state = State::Ready;
        if stored {
            "250 2.0.0 Message received and checked; see its verdict on the domain page\r\n"
                .to_string()
        } else {
            "451 4.3.0 The message could not be stored; try again later\r\n".to_string()
        }
    }

    /// The listener read a line longer than the limit (its end still unread, then dropped).
    pub fn line_too_long(&mut self) -> Vec<Action> {
        if self.state == State::Data {
            // A long text line is data like any other: counted against the size.
            self.oversize |= self.data.len() + MAX_TEXT_LINE > self.limits.max_message_bytes;
            return Vec::new();
        }
        self.refuse("500 5.5.2 Line too long\r\n")
    }

    /// One line as read, without its line end.
    pub fn line(&mut self, line: &[u8]) -> Vec<Action> {
        match self.state {
            State::Closed => vec![Action::Close],
            State::Data => self.data_line(line),
            // The listener answers a recipient before it reads on.
            State::Deciding => self.refuse("503 5.5.1 A recipient is being checked\r\n"),
            _ => self.command(line),
        }
    }

    /// What the caller decided of the recipient `Action::CheckRecipient` named.
    pub fn recipient(&mut self, verdict: Recipient) -> Vec<Action> {
        let Some((address, before)) = self.deciding.take() else {
            return Vec::new();
        };
        self.state = before;
        match verdict {
            Recipient::Accepted => {
                self.recipients.push(address);
                self.state = State::Rcpt;
                self.ok("250 2.1.5 Recipient OK\r\n")
            }
            Recipient::Unknown => self.refuse(
                "550 5.1.1 No such test address, or it has expired: ask the domain page for a new one\r\n",
            ),
            Recipient::NotLocal => self.refuse("550 5.7.1 Relaying denied\r\n"),
            Recipient::Unavailable => {
                self.refuse("451 4.3.0 The address cannot be checked now: try again later\r\n")
            }
        }
    }

    fn data_line(&mut self, line: &[u8]) -> Vec<Action> {
        if line == b"." {
            if self.oversize {
                self.reset();
                self.state = State::Ready;
                return vec![Action::Reply(format!(
                    "552 5.3.4 Message too big: at most {} bytes\r\n",
                    self.limits.max_message_bytes
                ))];
            }
            let received = Received {
                helo: self.helo.clone(),
                mail_from: self.mail_from.clone(),
                recipients: self.recipients.clone(),
                data: std::mem::take(&mut self.data),
                tls: self.tls,
            };
            return vec![Action::Deliver(Box::new(received))];
        }
        // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
        let line = line.strip_prefix(b".").unwrap_or(line);
        if self.oversize || self.data.len() + line.len() + 2 > self.limits.max_message_bytes {
            self.oversize = true;
            self.data = Vec::new();
            return Vec::new();
        }
        self.data.extend_from_slice(line);
        self.data.extend_from_slice(b"\r\n");
        Vec::new()
    }

    fn command(&mut self, line: &[u8]) -> Vec<Action> {
        let Ok(text) = std::str::from_utf8(line) else {
            return self.refuse("500 5.5.2 Command not ASCII\r\n");
        };
        if !text.is_ascii() || text.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return self.refuse("500 5.5.2 Command not ASCII\r\n");
        }
        let (verb, argument) = match text.split_once(' ') {
            Some((verb, argument)) => (verb, argument.trim()),
            None => (text.trim(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => self.hello(argument, true),
            "HELO" => self.hello(argument, false),
            "STARTTLS" => self.starttls(argument),
            "MAIL" => self.mail(argument),
            "RCPT" => self.rcpt(argument),
            "DATA" => self.data_command(argument),
            "RSET" => {
                self.reset();
                if self.state != State::Fresh {
                    self.state = State::Ready;
                }
                self.ok("250 2.0.0 OK\r\n")
            }
            "NOOP" => self.ok("250 2.0.0 OK\r\n"),
            "QUIT" => {
                self.state = State::Closed;
                vec![
                    Action::Reply(format!("221 2.0.0 {} closing\r\n", self.host)),
                    Action::Close,
                ]
            }
            "VRFY" => self.ok("252 2.5.0 Cannot verify addresses; try RCPT\r\n"),
            "HELP" => self.ok(
                "214 2.0.0 Test messages only: send to an address given by the domain page\r\n",
            ),
            "" => self.refuse("500 5.5.2 Empty command\r\n"),
            _ => self.refuse("502 5.5.1 Command not implemented\r\n"),
        }
    }

    fn hello(&mut self, argument: &str, esmtp: bool) -> Vec<Action> {
        if self.state == State::Data {
            return self.refuse("503 5.5.1 Bad sequence of commands\r\n");
        }
        let name = argument.split_whitespace().next().unwrap_or_default();
        if name.is_empty() || name.len() > 255 {
            return self.refuse("501 5.5.4 A domain or address literal is required\r\n");
        }
        self.reset();
        self.helo = name.to_string();
        self.esmtp = esmtp;
        self.state = State::Ready;
        if !esmtp {
            return self.ok(&format!("250 {}\r\n", self.host));
        }
        let mut lines = vec![
            self.host.clone(),
            format!("SIZE {}", self.limits.max_message_bytes),
            "8BITMIME".to_string(),
            "ENHANCEDSTATUSCODES".to_string(),
            "PIPELINING".to_string(),
        ];
        if self.tls_offered && !self.tls {
            lines.push("STARTTLS".to_string());
        }
        let last = lines.len() - 1;
        let reply: String = lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let separator = if index == last { ' ' } else { '-' };
                format!("250{separator}{line}\r\n")
            })
            .collect();
        self.ok(&reply)
    }

    fn starttls(&mut self, argument: &str) -> Vec<Action> {
        if !self.tls_offered || self.tls {
            return self.refuse("502 5.5.1 STARTTLS not available\r\n");
        }
        if !argument.is_empty() {
            return self.refuse("501 5.5.4 STARTTLS takes no parameter\r\n");
        }
        if !matches!(self.state, State::Ready | State::Fresh) {
            return self.refuse("503 5.5.1 STARTTLS inside a transaction\r\n");
        }
        self.errors = 0;
        vec![
            Action::Reply("220 2.0.0 Ready to start TLS\r\n".to_string()),
            Action::StartTls,
        ]
    }

    fn mail(&mut self, argument: &str) -> Vec<Action> {
        match self.state {
            State::Fresh => return self.refuse("503 5.5.1 Say EHLO or HELO first\r\n"),
            State::Ready => {}
            _ => return self.refuse("503 5.5.1 A transaction is already open\r\n"),
        }
        let Some((path, parameters)) = path_after(argument, "FROM:") else {
            return self.refuse("501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
        };
        for parameter in parameters.split_whitespace() {
            let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" if self.esmtp => match value.parse::<u64>() {
                    Ok(size) if size > self.limits.max_message_bytes as u64 => {
                        return self.refuse(&format!(
                            "552 5.3.4 Message too big: at most {} bytes\r\n",
                            self.limits.max_message_bytes
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => return self.refuse("501 5.5.4 SIZE needs a number\r\n"),
                },
                "BODY" if self.esmtp => {}
                _ => return self.refuse("555 5.5.4 Parameter not recognised\r\n"),
            }
        }
        self.mail_from = path;
        self.state = State::Mail;
        self.ok("250 2.1.0 Sender OK\r\n")
    }

    fn rcpt(&mut self, argument: &str) -> Vec<Action> {
        if !matches!(self.state, State::Mail | State::Rcpt) {
            return self.refuse("503 5.5.1 Need MAIL before RCPT\r\n");
        }
        let Some((path, parameters)) = path_after(argument, "TO:") else {
            return self.refuse("501 5.5.4 Syntax: RCPT TO:<address>\r\n");
        };
        if !parameters.is_empty() {
            return self.refuse("555 5.5.4 Parameter not recognised\r\n");
        }
        if path.is_empty() || !path.contains('@') {
            return self.refuse("501 5.1.3 A mailbox address is required\r\n");
        }
        if self.recipients.len() >= self.limits.max_recipients {
            return self.refuse("452 4.5.3 Too many recipients\r\n");
        }
        self.deciding = Some((path.clone(), self.state));
        self.state = State::Deciding;
        vec![Action::CheckRecipient(path)]
    }

    fn data_command(&mut self, argument: &str) -> Vec<Action> {
        if !argument.is_empty() {
            return self.refuse("501 5.5.4 DATA takes no parameter\r\n");
        }
        match self.state {
            State::Rcpt => vec![Action::OpenData],
            State::Mail => self.refuse("554 5.5.1 No valid recipients\r\n"),
            _ => self.refuse("503 5.5.1 Need MAIL and RCPT before DATA\r\n"),
        }
    }

    /// The answer to `Action::OpenData`: with room, the message may come (354); without, the
    /// client is told to try again shortly (452, RFC 5321 §4.2.2) and the transaction stays
    /// as it was, so DATA may be sent again.
    pub fn data_opened(&mut self, room: bool) -> Vec<Action> {
        if self.state != State::Rcpt {
            return Vec::new();
        }
        if room {
            self.state = State::Data;
            self.errors = 0;
            vec![Action::Reply(
                "354 Start mail input; end with <CRLF>.<CRLF>\r\n".to_string(),
            )]
        } else {
            vec![Action::Reply(
                "452 4.3.1 Too many messages arriving at once; try again shortly\r\n".to_string(),
            )]
        }
    }

    /// A successful command: the error count starts over.
    fn ok(&mut self, reply: &str) -> Vec<Action> {
        self.errors = 0;
        vec![Action::Reply(reply.to_string())]
    }

    /// A refused command; too many in a row close the session (421).
    fn refuse(&mut self, reply: &str) -> Vec<Action> {
        self.errors += 1;
        if self.errors >= self.limits.max_errors {
            self.state = State::Closed;
            return vec![
                Action::Reply(format!(
                    "421 4.7.0 {} Too many errors, closing\r\n",
                    self.host
                )),
                Action::Close,
            ];
        }
        vec![Action::Reply(reply.to_string())]
    }

    fn reset(&mut self) {
        self.mail_from.clear();
        self.recipients.clear();
        self.data = Vec::new();
        self.oversize = false;
    }
}

/// `FROM:<path> PARAMETERS` (the keyword case-insensitive, a space allowed after the colon as
/// many clients send it): the path without brackets, and the parameters.
fn path_after<'a>(argument: &'a str, keyword: &str) -> Option<(String, &'a str)> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let (path, parameters) = rest.split_once('>')?;
    if path.len() > 256 || path.contains(['<', ' ', '"']) {
        return None;
    }
    // A source route (RFC 5321 §4.1.2, `@a,@b:user@host`) is dropped, as §3.3 allows.
    let path = path.rsplit_once(':').map_or(path, |(_, mailbox)| mailbox);
    Some((path.to_ascii_lowercase(), parameters.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(address: &str) -> Recipient {
        match address {
            "t-abc@tests.example" => Recipient::Accepted,
            other if other.ends_with("@tests.example") => Recipient::Unknown,
            _ => Recipient::NotLocal,
        }
    }

    /// A line, with any recipient decided by `local`.
    fn say(session: &mut Session, line: &str) -> Vec<Action> {
        let actions = session.line(line.as_bytes());
        match actions.first() {
            Some(Action::CheckRecipient(address)) => {
                let verdict = local(address);
                session.recipient(verdict)
            }
            Some(Action::OpenData) => session.data_opened(true),
            _ => actions,
        }
    }

    #[test]
    fn data_waits_for_room_and_may_be_sent_again() {
        let mut session = greeted(false);
        say(&mut session, "MAIL FROM:<a@shop.example>");
        say(&mut session, "RCPT TO:<t-abc@tests.example>");
        assert_eq!(session.line(b"DATA"), vec![Action::OpenData]);
        assert!(reply(&session.data_opened(false)).starts_with("452 4.3.1"));
        assert!(!session.in_data());
        assert_eq!(session.line(b"DATA"), vec![Action::OpenData]);
        assert!(reply(&session.data_opened(true)).starts_with("354"));
        assert!(session.in_data());
        assert!(session.data_opened(true).is_empty(), "asked once");
    }

    fn reply(actions: &[Action]) -> &str {
        match actions.first() {
            Some(Action::Reply(text)) => text,
            other => panic!("no reply: {other:?}"),
        }
    }

    fn greeted(tls: bool) -> Session {
        let mut session = Session::new("mx.tests.example", Limits::default(), tls);
        assert!(reply(&say(&mut session, "EHLO client.example")).starts_with("250-"));
        session
    }

    #[test]
    fn a_whole_transaction_delivers_the_unstuffed_message() {
        let mut session = greeted(false);
        assert!(
            reply(&say(
                &mut session,
                "MAIL FROM:<Bounce@Shop.Example> SIZE=120"
            ))
            .starts_with("250")
        );
        assert!(reply(&say(&mut session, "RCPT TO:<t-abc@tests.example>")).starts_with("250"));
        assert!(reply(&say(&mut session, "DATA")).starts_with("354"));
        assert!(session.in_data());
        assert!(say(&mut session, "Subject: hi").is_empty());
        assert!(say(&mut session, "").is_empty());
        assert!(say(&mut session, "..a line that began with a dot").is_empty());
        let actions = say(&mut session, ".");
        let Some(Action::Deliver(received)) = actions.first() else {
            panic!("{actions:?}");
        };
        assert_eq!(received.mail_from, "bounce@shop.example");
        assert_eq!(received.helo, "client.example");
        assert_eq!(received.recipients, vec!["t-abc@tests.example"]);
        assert_eq!(
            received.data,
            b"Subject: hi\r\n\r\n.a line that began with a dot\r\n".to_vec()
        );
        assert!(session.delivered(true).starts_with("250"));
        // A second transaction on the same session.
        assert!(reply(&say(&mut session, "MAIL FROM:<>")).starts_with("250"));
    }

    #[test]
    fn unknown_and_foreign_recipients_are_refused_never_relayed() {
        let mut session = greeted(false);
        say(&mut session, "MAIL FROM:<a@b.example>");
        assert!(reply(&say(&mut session, "RCPT TO:<old@tests.example>")).starts_with("550 5.1.1"));
        assert!(
            reply(&say(&mut session, "RCPT TO:<victim@elsewhere.example>"))
                .starts_with("550 5.7.1")
        );
        assert!(reply(&say(&mut session, "DATA")).starts_with("554"));
    }

    #[test]
    fn size_is_enforced_when_announced_and_while_data_arrives() {
        let limits = Limits {
            max_message_bytes: 100,
            ..Limits::default()
        };
        let mut session = Session::new("mx", limits, false);
        say(&mut session, "EHLO c");
        assert!(reply(&say(&mut session, "MAIL FROM:<a@b.example> SIZE=101")).starts_with("552"));
        say(&mut session, "MAIL FROM:<a@b.example>");
        say(&mut session, "RCPT TO:<t-abc@tests.example>");
        say(&mut session, "DATA");
        for _ in 0..10 {
            assert!(say(&mut session, "0123456789abcdef").is_empty());
        }
        assert!(reply(&say(&mut session, ".")).starts_with("552 5.3.4"));
        assert!(!session.in_data());
    }

    #[test]
    fn commands_out_of_order_get_503_and_too_many_errors_close() {
        let mut session = Session::new("mx", Limits::default(), false);
        assert!(reply(&say(&mut session, "MAIL FROM:<a@b.example>")).starts_with("503"));
        assert!(reply(&say(&mut session, "HELO")).starts_with("501"));
        assert!(reply(&say(&mut session, "BDAT 10")).starts_with("502"));
        for _ in 0..6 {
            say(&mut session, "DATA");
        }
        let actions = say(&mut session, "DATA");
        assert!(reply(&actions).starts_with("421"));
        assert_eq!(actions.last(), Some(&Action::Close));
        assert!(session.is_closed());
    }

    #[test]
    fn starttls_is_offered_once_and_starts_the_session_over() {
        let mut session = greeted(true);
        let actions = say(&mut session, "STARTTLS");
        assert_eq!(actions[1], Action::StartTls);
        session.tls_started();
        assert!(reply(&say(&mut session, "MAIL FROM:<a@b.example>")).starts_with("503"));
        let ehlo = say(&mut session, "EHLO again");
        assert!(!reply(&ehlo).contains("STARTTLS"));
        assert!(reply(&say(&mut session, "STARTTLS")).starts_with("502"));
        let mut plain = greeted(false);
        assert!(reply(&say(&mut plain, "STARTTLS")).starts_with("502"));
    }

    #[test]
    fn quit_closes_and_hostile_lines_are_refused() {
        let mut session = greeted(false);
        assert!(reply(&session.line(b"NOOP\xff")).starts_with("500"));
        assert!(reply(&say(&mut session, "RCPT TO:<x@tests.example>")).starts_with("503"));
        assert!(reply(&session.line_too_long()).starts_with("500 5.5.2"));
        let actions = say(&mut session, "quit");
        assert!(reply(&actions).starts_with("221"));
        assert_eq!(actions.last(), Some(&Action::Close));
    }
}
