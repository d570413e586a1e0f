//! The DNS transport: queries over UDP (TCP when an answer is truncated) that adapt to each
//! server instead of stalling when it drops them.
//!
//! Per server, an RFC 6298 smoothed RTT and variance give the retransmit timeout (floor
//! `MIN_RTO`, ceiling the configured attempt timeout), and an AIMD window caps the queries in
//! flight: it grows by one per window of answers and halves on a loss, and queries beyond it
//! wait for a slot instead of overflowing the server's receive buffer. A lost query is sent
//! again (a fresh ID, a fresh socket) as soon as its timeout passes, to the next server when
//! there are several, until the query's deadline.
//!
//! Spoofing resistance (RFC 5452) is kept while sockets are shared: queries go out from a pool
//! of sockets each bound to a random port and retired after `SOCKET_QUERIES` queries or
//! `SOCKET_LIFE` (direct queries to an authoritative server from a few sockets connected to
//! it, retired the same way, so the kernel reports a closed port); every query has a random 16-bit ID; an answer is taken only when it comes
//! from the server's address and port, with the query's ID and exactly its question; and the
//! name is sent in random letter case (DNS 0x20) that the answer must echo. A server that
//! folds the case is noticed (`CASE_STRIKES` answers in a row that match but for case) and is
//! then asked in lower case, logged once.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::proto::op::{Edns, Message, MessageType, OpCode, Query as WireQuery};
use hickory_resolver::proto::rr::{DNSClass, Name, RecordType};
use rand::RngExt as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{Notify, oneshot};

use super::health::{Failure, Health, Held};

/// The shortest retransmit timeout: loopback answers in microseconds, but a scheduler hiccup
/// must not read as loss.
pub const MIN_RTO: Duration = Duration::from_millis(50);
/// The window a server starts with, and its bounds.
const INITIAL_WINDOW: f64 = 64.0;
const MIN_WINDOW: f64 = 32.0;
const MAX_WINDOW: f64 = 4096.0;
/// Sockets a pool keeps open per address family.
const POOL_SIZE: usize = 16;
/// Sockets connected to one authoritative server kept open at once, and how long one with
/// nothing waiting on it stays open: an idle server holds no descriptor for long.
const CONNECTED_PER_SERVER: usize = 2;
const CONNECTED_IDLE: Duration = Duration::from_secs(1);
/// A socket is retired after this many queries or this long, whichever comes first, so its
/// port is a moving target. `SENDERCHECK_DNS_SOCKET_QUERIES` overrides the count (1 gives every
/// query a socket of its own: the benchmarks measure what the pool saves).
const SOCKET_QUERIES: u32 = 256;
const SOCKET_LIFE: Duration = Duration::from_secs(30);
/// Answers in a row that match but for the letter case before a server is taken to fold case.
const CASE_STRIKES: u32 = 8;
/// The EDNS payload size advertised (the DNS flag day 2020 value: no IP fragmentation).
const EDNS_PAYLOAD: u16 = 1232;
/// The largest UDP answer read.
const MAX_UDP: usize = 4096;

/// Why an exchange gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// No matching answer before the deadline.
    Timeout,
    /// Nothing listens at the server's port: an ICMP port-unreachable on the connected UDP
    /// socket of a direct query, or a refused TCP connection.
    Refused,
    /// The server is held back by the health memory and was not asked.
    HeldBack(Held),
    /// A socket or TCP failure.
    Io(String),
}

/// What one server's transport has seen, for `/metrics`.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerStats {
    pub server: SocketAddr,
    pub in_flight: usize,
    pub window: f64,
    pub srtt: Option<Duration>,
    pub rto: Duration,
    pub sent: u64,
    pub retransmits: u64,
    pub losses: u64,
    pub mismatched: u64,
    pub tcp: u64,
}

/// RTT estimate and window of one server (RFC 6298 §2).
#[derive(Debug)]
struct Congestion {
    srtt: Option<f64>,
    rttvar: f64,
    rto: Duration,
    window: f64,
    in_flight: usize,
    /// When the window was last halved: one loss event per retransmit timeout halves it once,
    /// as TCP reacts to a loss event rather than to each lost segment.
    last_decrease: Option<Instant>,
}

/// One server and what is known of it.
struct Server {
    addr: SocketAddr,
    state: Mutex<Congestion>,
    slot_freed: Notify,
    /// Consecutive answers that matched but for the letter case; at `CASE_STRIKES`, 0x20 is off.
    case_strikes: AtomicU32,
    folds_case: AtomicBool,
    sent: AtomicU64,
    retransmits: AtomicU64,
    losses: AtomicU64,
    mismatched: AtomicU64,
    tcp: AtomicU64,
    /// Sockets connected to this server, for direct queries (an authoritative server's).
    connected: Mutex<Vec<Arc<PooledSocket>>>,
}

impl Server {
    fn new(addr: SocketAddr, timeout: Duration) -> Self {
        Server {
            addr,
            state: Mutex::new(Congestion {
                srtt: None,
                rttvar: 0.0,
                // RFC 6298 §2.1 starts at 1 s; the configured timeout may be shorter.
                rto: Duration::from_secs(1).min(timeout).max(MIN_RTO),
                window: INITIAL_WINDOW,
                in_flight: 0,
                last_decrease: None,
            }),
            slot_freed: Notify::new(),
            case_strikes: AtomicU32::new(0),
            folds_case: AtomicBool::new(false),
            sent: AtomicU64::new(0),
            retransmits: AtomicU64::new(0),
            losses: AtomicU64::new(0),
            mismatched: AtomicU64::new(0),
            tcp: AtomicU64::new(0),
            connected: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Congestion> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a slot in the window, or until `deadline`.
    async fn acquire(self: &Arc<Self>, deadline: Instant) -> Option<Slot> {
        loop {
            let notified = self.slot_freed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                if (state.in_flight as f64) < state.window.floor().max(1.0) {
                    state.in_flight += 1;
                    return Some(Slot {
                        server: self.clone(),
                    });
                }
            }
            let remaining = deadline.checked_duration_since(Instant::now())?;
            if tokio::time::timeout(remaining, notified).await.is_err() {
                return None;
            }
        }
    }

    fn rto(&self) -> Duration {
        self.lock().rto
    }

    /// An answer that matched but for the letter case; `CASE_STRIKES` in a row turn 0x20 off.
    fn strike_case(&self) {
        let strikes = self.case_strikes.fetch_add(1, Ordering::Relaxed) + 1;
        if strikes >= CASE_STRIKES && !self.folds_case.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                server = %self.addr,
                "the DNS server does not echo the question's letter case; asking it in lower \
                 case from now on (DNS 0x20 off for it)"
            );
        }
    }

    /// An answer to a query sent once: an RTT sample (Karn: retransmitted queries give none,
    /// but each retransmission has its own ID, so its answer times that send alone).
    fn answered(&self, rtt: Duration, ceiling: Duration) {
        let mut state = self.lock();
        let sample = rtt.as_secs_f64();
        match state.srtt {
            None => {
                state.srtt = Some(sample);
                state.rttvar = sample / 2.0;
            }
            Some(srtt) => {
                state.rttvar = 0.75 * state.rttvar + 0.25 * (srtt - sample).abs();
                state.srtt = Some(0.875 * srtt + 0.125 * sample);
            }
        }
        let srtt = state.srtt.unwrap_or(sample);
        let rto = Duration::from_secs_f64(srtt + (4.0 * state.rttvar).max(0.001));
        state.rto = rto.clamp(MIN_RTO, ceiling.max(MIN_RTO));
        // Additive increase: one more slot per window of answers.
        state.window = (state.window + 1.0 / state.window).min(MAX_WINDOW);
    }

    /// A query went unanswered within its timeout: multiplicative decrease (once per loss
    /// event: losses within one timeout of the last decrease are the same event), and the
    /// timeout backs off (RFC 6298 §5.5) until an answer brings a new sample.
    fn lost(&self, ceiling: Duration) {
        self.losses.fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        let now = Instant::now();
        let same_event = state
            .last_decrease
            .is_some_and(|last| now.duration_since(last) < state.rto);
        if !same_event {
            state.window = (state.window / 2.0).max(MIN_WINDOW);
            state.last_decrease = Some(now);
            state.rto = (state.rto * 2).min(ceiling.max(MIN_RTO));
        }
    }

    fn stats(&self) -> ServerStats {
        let state = self.lock();
        ServerStats {
            server: self.addr,
            in_flight: state.in_flight,
            window: state.window,
            srtt: state.srtt.map(Duration::from_secs_f64),
            rto: state.rto,
            sent: self.sent.load(Ordering::Relaxed),
            retransmits: self.retransmits.load(Ordering::Relaxed),
            losses: self.losses.load(Ordering::Relaxed),
            mismatched: self.mismatched.load(Ordering::Relaxed),
            tcp: self.tcp.load(Ordering::Relaxed),
        }
    }
}

/// A place in a server's window, given back when dropped.
struct Slot {
    server: Arc<Server>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.server.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.server.slot_freed.notify_one();
    }
}

/// A query waiting for its answer on a socket: the answer, or `Refused` when the kernel
/// reports nothing listening at a connected socket's server.
struct Pending {
    server: SocketAddr,
    question: WireQuery,
    reply: oneshot::Sender<Result<Message, ExchangeError>>,
}

/// One UDP socket on a random port and the queries waiting on it, by ID: one of the shared
/// pool's (any server), or one connected to a single authoritative server (`peer`).
struct PooledSocket {
    socket: UdpSocket,
    /// The server a connected socket is connected to: only its datagrams reach the socket,
    /// and an ICMP port-unreachable comes back as an error on the socket.
    peer: Option<SocketAddr>,
    /// The server whose list holds a connected socket, to leave it on retiring.
    owner: std::sync::Weak<Server>,
    pending: Mutex<HashMap<u16, Pending>>,
    used: AtomicU32,
    /// Queries the socket carries before it is retired.
    limit: u32,
    born: Instant,
    /// No query is added once set; set under the `pending` lock.
    retired: AtomicBool,
    /// The servers by address, to count answers that match no query.
    servers: Servers,
}

/// Every server the transport has asked, by address: the configured ones, and the
/// authoritative servers met since (bounded by `MAX_DIRECT_SERVERS`).
type Servers = Arc<std::sync::RwLock<HashMap<SocketAddr, Arc<Server>>>>;

/// Authoritative servers whose RTT and window are remembered; beyond this many, one more is
/// asked with a fresh estimate each time.
const MAX_DIRECT_SERVERS: usize = 4096;

impl PooledSocket {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u16, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn worn(&self) -> bool {
        self.used.load(Ordering::Relaxed) >= self.limit || self.born.elapsed() >= SOCKET_LIFE
    }

    /// Reads answers and hands each to the query it answers; runs until the socket is retired
    /// and nothing waits on it. A connected socket retires itself once worn or idle for
    /// `CONNECTED_IDLE` with nothing waiting, so its descriptor is closed.
    async fn receive(self: Arc<Self>) {
        const TICK: Duration = Duration::from_millis(250);
        let mut buffer = vec![0u8; MAX_UDP];
        let mut quiet_since = Instant::now();
        let mut heard = false;
        // One timer for the socket's life, reset when it fires, rather than one per datagram.
        let tick = tokio::time::sleep(TICK);
        tokio::pin!(tick);
        loop {
            tokio::select! {
                biased;
                received = self.socket.recv_from(&mut buffer) => {
                    match received {
                        Ok((length, from)) => {
                            self.deliver(&buffer[..length], from);
                            heard = true;
                        }
                        // Nothing listens at the connected server's port: every query waiting
                        // here asked that port, and waiting longer cannot help them.
                        Err(error)
                            if self.peer.is_some()
                                && error.kind() == std::io::ErrorKind::ConnectionRefused =>
                        {
                            self.refuse_waiting();
                        }
                        // A transient failure (or an ICMP error on a shared socket, which
                        // cannot say whose query it was) is skipped: the waiting query times
                        // out and is sent again.
                        Err(_) => {}
                    }
                    continue;
                }
                () = &mut tick => {
                    tick.as_mut().reset(tokio::time::Instant::now() + TICK);
                }
            }
            {
                let pending = self.lock();
                if !pending.is_empty() {
                    quiet_since = Instant::now();
                    continue;
                }
                if std::mem::take(&mut heard) {
                    quiet_since = Instant::now();
                }
                // A connected socket whose server is no longer remembered (one beyond
                // `MAX_DIRECT_SERVERS`, asked with a fresh estimate) serves nobody after this.
                let done = self.retired.load(Ordering::Relaxed)
                    || (self.peer.is_some()
                        && (self.worn()
                            || quiet_since.elapsed() >= CONNECTED_IDLE
                            || self.owner.strong_count() == 0));
                if !done {
                    continue;
                }
                self.retired.store(true, Ordering::Relaxed);
            }
            // Out of its server's list (the pending lock released first: a sender takes the
            // list's lock, then the socket's), so the descriptor closes with this task.
            if let Some(owner) = self.owner.upgrade() {
                owner
                    .connected
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .retain(|socket| !Arc::ptr_eq(socket, &self));
            }
            return;
        }
    }

    /// Ends the wait of every query on the socket with `Refused`.
    fn refuse_waiting(&self) {
        for (_, waiting) in self.lock().drain() {
            let _ = waiting.reply.send(Err(ExchangeError::Refused));
        }
    }

    fn deliver(&self, bytes: &[u8], from: SocketAddr) {
        let Ok(message) = Message::from_vec(bytes) else {
            return;
        };
        let id = message.metadata.id;
        let mut pending = self.lock();
        let servers = self
            .servers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A datagram with a waiting query's ID counts against that query's server (a forger
        // guessing from another port included), any other against its sender.
        let waiting = pending.get(&id);
        let matched = waiting.map(|waiting| {
            if waiting.server == from {
                match_reply(&message, id, &waiting.question)
            } else {
                Match::No
            }
        });
        let known = servers.get(&waiting.map_or(from, |waiting| waiting.server));
        match matched {
            Some(Match::Exact) => {
                if let Some(waiting) = pending.remove(&id) {
                    if let Some(known) = known {
                        known.case_strikes.store(0, Ordering::Relaxed);
                    }
                    let _ = waiting.reply.send(Ok(message));
                }
            }
            Some(Match::ButCase) => {
                // Right ID and server, the name in another case: a spoofer guessing, or a
                // server that folds case. Not taken; enough in a row turn 0x20 off for it.
                if let Some(known) = known {
                    known.mismatched.fetch_add(1, Ordering::Relaxed);
                    known.strike_case();
                }
            }
            Some(Match::No) | None => {
                if let Some(known) = known {
                    known.mismatched.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Sockets on random ports, per address family, replaced as they wear out.
struct Pool {
    /// Queries a socket carries before it is retired.
    socket_queries: u32,
    v4: Mutex<Vec<Arc<PooledSocket>>>,
    v6: Mutex<Vec<Arc<PooledSocket>>>,
    servers: Servers,
}

impl Pool {
    /// A socket to send from: a random one of the family's pool, a fresh one in place of a
    /// worn one.
    fn socket(&self, server: SocketAddr) -> std::io::Result<Arc<PooledSocket>> {
        let sockets = if server.is_ipv4() { &self.v4 } else { &self.v6 };
        let mut sockets = sockets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pick(&mut sockets, POOL_SIZE, || self.open(server))
    }

    /// A socket connected to `server` for a direct query: one of the server's own (at most
    /// `CONNECTED_PER_SERVER`, each retired like the pool's), a fresh one in place of a worn
    /// or retired one.
    fn connected(&self, server: &Arc<Server>) -> std::io::Result<Arc<PooledSocket>> {
        let mut sockets = server
            .connected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sockets.retain(|socket| !socket.retired.load(Ordering::Relaxed));
        pick(&mut sockets, CONNECTED_PER_SERVER, || {
            self.open_connected(server)
        })
    }

    /// A socket bound to a random port (RFC 5452 §9.2), its receive task started.
    fn open(&self, server: SocketAddr) -> std::io::Result<Arc<PooledSocket>> {
        self.start(server, None)
    }

    /// As `open`, connected to `server`.
    fn open_connected(&self, server: &Arc<Server>) -> std::io::Result<Arc<PooledSocket>> {
        self.start(server.addr, Some(server))
    }

    fn start(
        &self,
        server: SocketAddr,
        owner: Option<&Arc<Server>>,
    ) -> std::io::Result<Arc<PooledSocket>> {
        let socket = Arc::new(PooledSocket {
            socket: bind_random(server, owner.is_some())?,
            peer: owner.map(|_| server),
            owner: owner.map_or_else(std::sync::Weak::new, Arc::downgrade),
            pending: Mutex::new(HashMap::new()),
            used: AtomicU32::new(0),
            limit: self.socket_queries,
            born: Instant::now(),
            retired: AtomicBool::new(false),
            servers: self.servers.clone(),
        });
        tokio::spawn(socket.clone().receive());
        Ok(socket)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for sockets in [&self.v4, &self.v6] {
            for socket in sockets
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .iter()
            {
                socket.retired.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// One of `sockets` at random, opening another while there are fewer than `size`, and a fresh
/// one in place of a worn one (retired: it closes once nothing waits on it).
fn pick(
    sockets: &mut Vec<Arc<PooledSocket>>,
    size: usize,
    open: impl Fn() -> std::io::Result<Arc<PooledSocket>>,
) -> std::io::Result<Arc<PooledSocket>> {
    if sockets.len() < size {
        let socket = open()?;
        sockets.push(socket.clone());
        return Ok(socket);
    }
    let index = rand::rng().random_range(0..sockets.len());
    if sockets[index].worn() {
        sockets[index].retired.store(true, Ordering::Relaxed);
        sockets[index] = open()?;
    }
    Ok(sockets[index].clone())
}

/// A UDP socket of the family of `server`, bound to a random port (RFC 5452 §9.2), connected
/// to `server` when `connect` is set.
fn bind_random(server: SocketAddr, connect: bool) -> std::io::Result<UdpSocket> {
    let ip: IpAddr = if server.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    let mut last_error = None;
    let mut bound = None;
    for _ in 0..16 {
        let port: u16 = rand::rng().random_range(1024..=65535);
        match std::net::UdpSocket::bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                bound = Some(socket);
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    let socket = match bound {
        Some(socket) => socket,
        None => {
            tracing::debug!(?last_error, "no random port free; the kernel picks one");
            std::net::UdpSocket::bind(SocketAddr::new(ip, 0))?
        }
    };
    if connect {
        socket.connect(server)?;
    }
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}

/// How an answer relates to the query it may answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    /// The query's ID and exactly its question, letter case included.
    Exact,
    /// The query's ID and question but for the letter case (0x20 not echoed).
    ButCase,
    No,
}

/// Whether `message`, from the expected server, answers the query `id` for `question`.
fn match_reply(message: &Message, id: u16, question: &WireQuery) -> Match {
    if message.metadata.message_type != MessageType::Response || message.metadata.id != id {
        return Match::No;
    }
    let Some(asked) = message.queries.first() else {
        return Match::No;
    };
    if asked.query_type() != question.query_type() || asked.query_class() != question.query_class()
    {
        return Match::No;
    }
    if asked.name().eq_case(question.name()) {
        Match::Exact
    } else if asked.name() == question.name() {
        Match::ButCase
    } else {
        Match::No
    }
}

/// Removes a query's entry from its socket when the wait ends, answered or not.
struct Waiting<'s> {
    socket: &'s PooledSocket,
    id: u16,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.socket.lock().remove(&self.id);
    }
}

/// Queries DNS servers over UDP and TCP, adapting to each.
pub struct Transport {
    /// The configured (recursive) servers, in order.
    servers: Vec<Arc<Server>>,
    pool: Pool,
    /// One attempt's ceiling (the configured timeout).
    timeout: Duration,
    /// Which authoritative servers gave no answer lately (direct queries only: the configured
    /// resolvers are always asked).
    health: Health,
}

/// How an exchange sends its queries.
#[derive(Clone, Copy)]
enum Route<'a> {
    /// From the shared pool of random-port sockets, recursion desired (the resolvers).
    Pooled,
    /// From a socket connected to the server (one of its few, retired like the pool's),
    /// recursion not desired (one authoritative server); the flag notes that a query went out.
    Direct(&'a AtomicBool),
}

/// Records what became of a direct exchange in the health memory, also when the exchange is
/// dropped (the check's budget ran out) after a query went out: a server that did not answer
/// within the budget is as good as silent for the checks that follow.
struct Outcome<'h> {
    health: &'h Health,
    server: SocketAddr,
    sent: AtomicBool,
    settled: bool,
}

impl Outcome<'_> {
    fn settle(&mut self, result: &Result<Message, ExchangeError>) {
        self.settled = true;
        let failure = match result {
            Ok(_) => {
                self.health.answered(self.server);
                return;
            }
            Err(ExchangeError::Timeout) => Failure::Timeout,
            Err(ExchangeError::Refused) => Failure::Refused,
            Err(ExchangeError::HeldBack(_) | ExchangeError::Io(_)) => return,
        };
        self.health
            .failed(self.server, failure, Instant::now(), chrono::Utc::now());
    }
}

impl Drop for Outcome<'_> {
    fn drop(&mut self) {
        if !self.settled && self.sent.load(Ordering::Relaxed) {
            self.health.failed(
                self.server,
                Failure::Timeout,
                Instant::now(),
                chrono::Utc::now(),
            );
        }
    }
}

impl Transport {
    pub fn new(servers: &[SocketAddr], timeout: Duration) -> Self {
        let servers: Vec<Arc<Server>> = servers
            .iter()
            .map(|addr| Arc::new(Server::new(*addr, timeout)))
            .collect();
        let by_addr: HashMap<SocketAddr, Arc<Server>> = servers
            .iter()
            .map(|server| (server.addr, server.clone()))
            .collect();
        Transport {
            pool: Pool {
                socket_queries: std::env::var("SENDERCHECK_DNS_SOCKET_QUERIES")
                    .ok()
                    .and_then(|value| value.parse::<u32>().ok())
                    .filter(|count| *count >= 1)
                    .unwrap_or(SOCKET_QUERIES),
                v4: Mutex::new(Vec::new()),
                v6: Mutex::new(Vec::new()),
                servers: Arc::new(std::sync::RwLock::new(by_addr)),
            },
            servers,
            timeout,
            health: Health::default(),
        }
    }

    pub fn stats(&self) -> Vec<ServerStats> {
        self.servers.iter().map(|server| server.stats()).collect()
    }

    /// Asks `name`/`record_type` of the configured servers (recursion desired) until one
    /// answers or `deadline` passes. Each send waits for a slot in the server's window; a send
    /// unanswered within the server's retransmit timeout is sent again (backed off) to the
    /// next server.
    pub async fn exchange(
        &self,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Message, ExchangeError> {
        if self.servers.is_empty() {
            return Err(ExchangeError::Io("no DNS server is configured".to_string()));
        }
        self.exchange_with(
            &self.servers,
            Route::Pooled,
            false,
            name,
            record_type,
            deadline,
        )
        .await
    }

    /// As `exchange` (`server` `None`) or `exchange_direct`, asking with DO and CD set: the
    /// answer carries its signatures and denial proofs, even those a validating resolver
    /// would refuse.
    pub async fn exchange_dnssec(
        &self,
        server: Option<SocketAddr>,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Message, ExchangeError> {
        match server {
            Some(server) => self.direct(server, true, name, record_type, deadline).await,
            None if self.servers.is_empty() => {
                Err(ExchangeError::Io("no DNS server is configured".to_string()))
            }
            None => {
                self.exchange_with(
                    &self.servers,
                    Route::Pooled,
                    true,
                    name,
                    record_type,
                    deadline,
                )
                .await
            }
        }
    }

    /// Asks one authoritative server directly, recursion not desired, with the same
    /// adaptation and the same defences as every other query. Each send goes out from a UDP
    /// socket on a random port connected to the server (at most `CONNECTED_PER_SERVER` at a
    /// time, each retired after `SOCKET_QUERIES` queries or `SOCKET_LIFE`, closed when idle),
    /// so an ICMP port-unreachable ends the wait at once (`Refused`, for every query waiting
    /// on that socket: they all asked the same port) instead of running out the deadline.
    /// A server the health memory holds back is not asked (`HeldBack`); the outcome (an
    /// answer, or none: timed out, refused, or the wait dropped after a send) is remembered.
    pub async fn exchange_direct(
        &self,
        server: SocketAddr,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Message, ExchangeError> {
        self.direct(server, false, name, record_type, deadline)
            .await
    }

    async fn direct(
        &self,
        server: SocketAddr,
        dnssec: bool,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Message, ExchangeError> {
        if let Some(held) = self.health.held(server, Instant::now()) {
            return Err(ExchangeError::HeldBack(held));
        }
        let state = self.direct_server(server);
        let mut outcome = Outcome {
            health: &self.health,
            server,
            sent: AtomicBool::new(false),
            settled: false,
        };
        let result = self
            .exchange_with(
                &[state],
                Route::Direct(&outcome.sent),
                dnssec,
                name,
                record_type,
                deadline,
            )
            .await;
        outcome.settle(&result);
        result
    }

    /// The health memory of the authoritative servers asked directly.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// The remembered state of an authoritative server, or a fresh one.
    fn direct_server(&self, addr: SocketAddr) -> Arc<Server> {
        if let Some(known) = self
            .pool
            .servers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&addr)
        {
            return known.clone();
        }
        let mut servers = self
            .pool
            .servers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let server = Arc::new(Server::new(addr, self.timeout));
        if servers.len() < MAX_DIRECT_SERVERS {
            return servers.entry(addr).or_insert(server).clone();
        }
        server
    }

    async fn exchange_with(
        &self,
        servers: &[Arc<Server>],
        route: Route<'_>,
        dnssec: bool,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Message, ExchangeError> {
        let recursion = matches!(route, Route::Pooled);
        let first = rand::rng().random_range(0..servers.len());
        let mut last_error = ExchangeError::Timeout;
        for attempt in 0usize.. {
            let server = &servers[(first + attempt) % servers.len()];
            let Some(slot) = server.acquire(deadline).await else {
                return Err(last_error);
            };
            // Each retransmission of this query waits twice as long as the one before, from
            // the server's current estimate (which answers to other queries keep fresh).
            let doublings = u32::try_from(attempt / servers.len())
                .unwrap_or(u32::MAX)
                .min(16);
            let rto = server
                .rto()
                .saturating_mul(1 << doublings)
                .min(self.timeout.max(MIN_RTO));
            let remaining = match deadline.checked_duration_since(Instant::now()) {
                Some(remaining) if !remaining.is_zero() => remaining,
                _ => return Err(last_error),
            };
            if attempt > 0 {
                server.retransmits.fetch_add(1, Ordering::Relaxed);
            }
            let wait = rto.min(remaining);
            if let Route::Direct(sent) = route {
                sent.store(true, Ordering::Relaxed);
            }
            let direct = matches!(route, Route::Direct(_));
            let sent = self
                .send_udp(server, direct, dnssec, name, record_type, wait)
                .await;
            match sent {
                Ok(Some((message, rtt))) => {
                    server.answered(rtt, self.timeout);
                    drop(slot);
                    if message.metadata.truncation {
                        server.tcp.fetch_add(1, Ordering::Relaxed);
                        // Boxed: the rare path, kept out of every query's future.
                        return Box::pin(tcp_exchange(
                            server.addr,
                            recursion,
                            dnssec,
                            name,
                            record_type,
                            deadline,
                        ))
                        .await;
                    }
                    return Ok(message);
                }
                Ok(None) => server.lost(self.timeout),
                // Nothing listens there: waiting longer cannot help.
                Err(ExchangeError::Refused) => return Err(ExchangeError::Refused),
                Err(error) => {
                    // The socket failed (no route, buffer full): try again after a pause
                    // rather than spinning.
                    last_error = error;
                    drop(slot);
                    let pause = MIN_RTO.min(remaining);
                    tokio::time::sleep(pause).await;
                }
            }
            if Instant::now() >= deadline {
                return Err(last_error);
            }
        }
        Err(last_error)
    }

    /// One UDP send and its wait: `Ok(None)` when no matching answer came within `wait`.
    /// A `direct` query (recursion not desired) goes out from a socket connected to the
    /// server, and ends with `Refused` when the kernel reports nothing listening there; any
    /// other from the shared pool. Either way a random port, a random ID, 0x20, and an answer
    /// taken only from the server's address and port with exactly the question asked.
    async fn send_udp(
        &self,
        server: &Arc<Server>,
        direct: bool,
        dnssec: bool,
        name: &Name,
        record_type: RecordType,
        wait: Duration,
    ) -> Result<Option<(Message, Duration)>, ExchangeError> {
        let io = |error: std::io::Error| {
            if error.kind() == std::io::ErrorKind::ConnectionRefused {
                ExchangeError::Refused
            } else {
                ExchangeError::Io(error.to_string())
            }
        };
        let asked = if server.folds_case.load(Ordering::Relaxed) {
            name.to_lowercase()
        } else {
            mixed_case(name)
        };
        let question = WireQuery::query(asked, record_type);
        let mut registered = None;
        // A connected socket may retire itself (idle, worn) between being picked and the
        // query's registration: then another is picked.
        for _ in 0..4 {
            let socket = if direct {
                self.pool.connected(server)
            } else {
                self.pool.socket(server.addr)
            }
            .map_err(io)?;
            let registration = {
                let mut pending = socket.lock();
                if socket.retired.load(Ordering::Relaxed) && direct {
                    continue;
                }
                let mut id: u16 = rand::random();
                while pending.contains_key(&id) {
                    id = rand::random();
                }
                let (reply, answer) = oneshot::channel();
                pending.insert(
                    id,
                    Pending {
                        server: server.addr,
                        question: question.clone(),
                        reply,
                    },
                );
                (id, answer)
            };
            registered = Some((socket, registration));
            break;
        }
        let Some((socket, (id, answer))) = registered else {
            return Err(ExchangeError::Io(
                "no open socket to the server could be kept".to_string(),
            ));
        };
        let _waiting = Waiting {
            socket: &socket,
            id,
        };
        let bytes = request(id, question, !direct, dnssec)
            .to_vec()
            .map_err(|e| ExchangeError::Io(e.to_string()))?;
        socket.used.fetch_add(1, Ordering::Relaxed);
        server.sent.fetch_add(1, Ordering::Relaxed);
        let sent_at = Instant::now();
        let sending = if direct {
            socket.socket.send(&bytes).await
        } else {
            socket.socket.send_to(&bytes, server.addr).await
        };
        if let Err(error) = sending {
            let error = io(error);
            if error == ExchangeError::Refused {
                // The kernel's report of an earlier query's ICMP error, taken by this send:
                // the queries waiting on the socket asked the same closed port.
                socket.refuse_waiting();
            }
            return Err(error);
        }
        match tokio::time::timeout(wait, answer).await {
            Ok(Ok(Ok(message))) => Ok(Some((message, sent_at.elapsed()))),
            Ok(Ok(Err(error))) => Err(error),
            Ok(Err(_)) | Err(_) => Ok(None),
        }
    }
}

/// A query for `question` with EDNS: recursive for a resolver, not for an authoritative server.
/// With `dnssec`, the DO bit asks for the signatures and denial proofs (RFC 3225), and CD
/// (RFC 4035 §3.2.2) asks a validating resolver to hand over even what it would refuse, so
/// sendercheck validates it itself and can say why it is bogus.
fn request(id: u16, question: WireQuery, recursion: bool, dnssec: bool) -> Message {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = recursion;
    message.metadata.checking_disabled = dnssec;
    message.add_query(question);
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    if dnssec {
        edns.enable_dnssec();
    }
    message.set_edns(edns);
    message
}

/// The name with each ASCII letter in a random case (DNS 0x20): about one bit of entropy per
/// letter that a forged answer must guess.
fn mixed_case(name: &Name) -> Name {
    let mut mixed = name.clone();
    mixed.randomize_label_case();
    mixed
}

/// The same question over TCP (RFC 7766), for an answer that did not fit in UDP.
async fn tcp_exchange(
    server: SocketAddr,
    recursion: bool,
    dnssec: bool,
    name: &Name,
    record_type: RecordType,
    deadline: Instant,
) -> Result<Message, ExchangeError> {
    let remaining = deadline
        .checked_duration_since(Instant::now())
        .ok_or(ExchangeError::Timeout)?;
    let exchange = async {
        let io = |error: std::io::Error| ExchangeError::Io(error.to_string());
        let mut stream = TcpStream::connect(server).await.map_err(io)?;
        let id: u16 = rand::random();
        let question = WireQuery::query(name.clone(), record_type);
        let bytes = request(id, question.clone(), recursion, dnssec)
            .to_vec()
            .map_err(|e| ExchangeError::Io(e.to_string()))?;
        let length = u16::try_from(bytes.len())
            .map_err(|_| ExchangeError::Io("query too long".to_string()))?;
        let mut framed = Vec::with_capacity(bytes.len() + 2);
        framed.extend_from_slice(&length.to_be_bytes());
        framed.extend_from_slice(&bytes);
        stream.write_all(&framed).await.map_err(io)?;
        loop {
            let length = stream.read_u16().await.map_err(io)?;
            let mut answer = vec![0u8; usize::from(length)];
            stream.read_exact(&mut answer).await.map_err(io)?;
            let Ok(message) = Message::from_vec(&answer) else {
                continue;
            };
            let same_question = message.queries.first().is_some_and(|q| {
                q.query_type() == record_type
                    && q.query_class() == DNSClass::IN
                    && q.name() == question.name()
            });
            if message.metadata.id == id && same_question {
                return Ok(message);
            }
        }
    };
    tokio::time::timeout(remaining, exchange)
        .await
        .unwrap_or(Err(ExchangeError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::op::ResponseCode;

    #[test]
    fn the_timeout_follows_the_rtt_and_loss_halves_the_window() {
        let server = Server::new("127.0.0.1:53".parse().unwrap(), Duration::from_secs(2));
        assert_eq!(server.rto(), Duration::from_secs(1));
        for _ in 0..20 {
            server.answered(Duration::from_micros(300), Duration::from_secs(2));
        }
        assert_eq!(server.rto(), MIN_RTO, "loopback RTTs floor at MIN_RTO");
        let window = server.lock().window;
        assert!(window > INITIAL_WINDOW, "{window}");
        server.lost(Duration::from_secs(2));
        assert_eq!(server.rto(), MIN_RTO * 2, "a loss backs the timeout off");
        assert!((server.lock().window - window / 2.0).abs() < 1e-9);
        // More losses within the same timeout are the same loss event.
        server.lost(Duration::from_secs(2));
        assert!((server.lock().window - window / 2.0).abs() < 1e-9);
        for _ in 0..40 {
            server.lock().last_decrease = None;
            server.lost(Duration::from_secs(2));
        }
        assert_eq!(
            server.rto(),
            Duration::from_secs(2),
            "capped at the attempt timeout"
        );
        assert_eq!(server.lock().window, MIN_WINDOW);
        for _ in 0..50 {
            server.answered(Duration::from_millis(80), Duration::from_secs(2));
        }
        let rto = server.rto();
        assert!(
            rto >= Duration::from_millis(80) && rto < Duration::from_millis(400),
            "{rto:?}"
        );
    }

    /// A UDP server on 127.0.0.1 answering every query with its own question (NOERROR, no
    /// records), first sending the answers `forged` makes for it; it counts the source ports
    /// it saw.
    async fn echo_server(
        forged: impl Fn(&Message) -> Vec<(bool, Message)> + Send + Sync + 'static,
    ) -> (SocketAddr, Arc<Mutex<std::collections::BTreeSet<u16>>>) {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let ports = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
        let seen = ports.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; MAX_UDP];
            while let Ok((length, client)) = socket.recv_from(&mut buffer).await {
                seen.lock().unwrap().insert(client.port());
                let Ok(query) = Message::from_vec(&buffer[..length]) else {
                    continue;
                };
                for (other_port, reply) in forged(&query) {
                    let from = if other_port { &other } else { &*socket };
                    let _ = from.send_to(&reply.to_vec().unwrap(), client).await;
                }
                let _ = socket
                    .send_to(
                        &echo(&query, query.queries[0].clone()).to_vec().unwrap(),
                        client,
                    )
                    .await;
            }
        });
        (addr, ports)
    }

    fn echo(query: &Message, question: WireQuery) -> Message {
        let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
        reply.metadata.authoritative = true;
        reply.add_query(question);
        reply
    }

    /// `count` direct TXT queries for shop.example sent to `server` at once.
    async fn at_once(
        transport: &Arc<Transport>,
        server: SocketAddr,
        count: usize,
    ) -> Vec<Result<Message, ExchangeError>> {
        let name = Name::from_ascii("shop.example.").unwrap();
        futures_util::future::join_all((0..count).map(|_| async {
            let deadline = Instant::now() + Duration::from_secs(10);
            transport
                .exchange_direct(server, &name, RecordType::TXT, deadline)
                .await
        }))
        .await
    }

    fn known(transport: &Transport, addr: SocketAddr) -> Arc<Server> {
        transport.pool.servers.read().unwrap()[&addr].clone()
    }

    #[tokio::test]
    async fn direct_queries_share_a_few_connected_sockets_retired_as_they_wear() {
        let (server, ports) = echo_server(|_| Vec::new()).await;
        let transport = Arc::new(Transport::new(&[], Duration::from_secs(2)));
        let name = Name::from_ascii("shop.example.").unwrap();
        let queries = 1000;
        let answered = at_once(&transport, server, queries).await;
        assert!(answered.iter().all(Result::is_ok), "{answered:?}");
        let ports = ports.lock().unwrap().len();
        // 1000 queries, each socket retired after 256: at least 4 ports, and far fewer than
        // a socket per query.
        let least = queries / SOCKET_QUERIES as usize;
        assert!(
            ports >= least && ports <= least + 4 * CONNECTED_PER_SERVER,
            "{ports} ports"
        );
        // Idle, the sockets close themselves.
        let sockets: Vec<Arc<PooledSocket>> =
            known(&transport, server).connected.lock().unwrap().clone();
        assert!(!sockets.is_empty());
        tokio::time::sleep(CONNECTED_IDLE + Duration::from_millis(600)).await;
        for socket in &sockets {
            assert!(socket.retired.load(Ordering::Relaxed));
            assert_eq!(Arc::strong_count(socket), 1, "the receive task has ended");
        }
        // And the next query opens a fresh one.
        let deadline = Instant::now() + Duration::from_secs(5);
        transport
            .exchange_direct(server, &name, RecordType::TXT, deadline)
            .await
            .unwrap();
        let fresh = known(&transport, server).connected.lock().unwrap().clone();
        assert!(
            fresh
                .iter()
                .all(|socket| !sockets.iter().any(|old| Arc::ptr_eq(old, socket)))
        );
    }

    #[tokio::test]
    async fn a_socket_of_a_server_no_longer_remembered_closes_without_waiting_to_idle() {
        let (server, _) = echo_server(|_| Vec::new()).await;
        let transport = Transport::new(&[], Duration::from_secs(2));
        // As `direct_server` gives one beyond MAX_DIRECT_SERVERS: not kept in the map.
        let forgotten = Arc::new(Server::new(server, Duration::from_secs(2)));
        let socket = transport.pool.connected(&forgotten).unwrap();
        drop(forgotten);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(
            socket.retired.load(Ordering::Relaxed),
            "closed before CONNECTED_IDLE"
        );
        assert_eq!(Arc::strong_count(&socket), 1, "the receive task has ended");
    }

    #[tokio::test]
    async fn a_direct_answer_from_another_port_or_in_another_case_is_refused() {
        let (server, _) = echo_server(|query| {
            let asked = query.queries[0].clone();
            let mut flipped = asked.clone();
            // Every letter in the other case.
            let swapped: String = (asked.name().to_ascii().bytes())
                .map(|byte| {
                    char::from(if byte.is_ascii_alphabetic() {
                        byte ^ 0x20
                    } else {
                        byte
                    })
                })
                .collect();
            flipped.set_name(Name::from_ascii(swapped).unwrap());
            // Each forgery says NXDOMAIN; only the real answer says NOERROR.
            let forged = |question: WireQuery, id: u16| {
                let mut reply = echo(query, question);
                reply.metadata.id = id;
                reply.metadata.response_code = ResponseCode::NXDomain;
                reply
            };
            let id = query.metadata.id;
            vec![
                (true, forged(asked.clone(), id)),
                (false, forged(flipped, id)),
                (false, forged(asked, id.wrapping_add(1))),
            ]
        })
        .await;
        let transport = Transport::new(&[], Duration::from_secs(2));
        let name = Name::from_ascii("shop.example.").unwrap();
        for _ in 0..3 {
            let deadline = Instant::now() + Duration::from_secs(5);
            let message = transport
                .exchange_direct(server, &name, RecordType::TXT, deadline)
                .await
                .unwrap();
            assert_eq!(message.metadata.response_code, ResponseCode::NoError);
            assert_eq!(message.queries[0].name(), &name);
        }
        let state = known(&transport, server);
        // The forger's port never reaches a connected socket; the case-flipped and the
        // wrong-ID answers are counted and not taken.
        let mismatched = state.mismatched.load(Ordering::Relaxed);
        assert!(mismatched >= 6, "{mismatched}");
        assert_eq!(
            state.sent.load(Ordering::Relaxed),
            3,
            "no query was sent again"
        );
    }

    #[tokio::test]
    async fn every_query_waiting_on_a_closed_port_is_refused_at_once() {
        // A port nobody listens on: bind, note the port, close.
        let closed = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let transport = Arc::new(Transport::new(&[], Duration::from_secs(5)));
        let started = Instant::now();
        let results = at_once(&transport, closed, 20).await;
        assert!(
            results.iter().all(|result| matches!(
                result,
                Err(ExchangeError::Refused | ExchangeError::HeldBack(_))
            )),
            "{results:?}"
        );
        assert!(
            results.contains(&Err(ExchangeError::Refused)),
            "{results:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn names_go_out_in_mixed_case_that_still_names_the_same_domain() {
        let name = Name::from_ascii("abcdefghijklmnopqrstuvwxyz.example.").unwrap();
        let mixed: Vec<Name> = (0..8).map(|_| mixed_case(&name)).collect();
        assert!(mixed.iter().all(|m| *m == name), "case-insensitively equal");
        assert!(
            mixed.iter().any(|m| !m.eq_case(&name)),
            "some letters changed case"
        );
        let distinct: std::collections::BTreeSet<String> =
            mixed.iter().map(Name::to_ascii).collect();
        assert!(distinct.len() > 1, "random, not fixed: {distinct:?}");
    }
}
