//! An authoritative DNS server on 127.0.0.1 (UDP and TCP on one port) serving the zone files in
//! `fixtures/zones/`, for tests, benchmarks and trying sendercheck by hand. Zones can be edited
//! while it runs, to show that a check sees DNS as it is now.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::TXT;
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordType, RrKey};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog, MessageResponseBuilder, ZoneHandler, ZoneType,
};

/// A way for the server to misbehave for a name and everything under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Never answer (over UDP and TCP).
    Timeout,
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Answer NXDOMAIN, as if the name were deleted.
    NxDomain,
    /// Over UDP, answer an empty truncated reply (TC set), forcing the client to TCP.
    TruncateUdp,
    /// Answer correctly, after a delay.
    Slow(Duration),
}

type Faults = Arc<RwLock<HashMap<String, Fault>>>;

/// The zones' catalog with faults injected in front of it.
struct FaultyCatalog {
    catalog: Catalog,
    faults: Faults,
    asked: Asked,
}

/// Every question the server was asked, in order: name (lower case, no trailing dot), type.
type Asked = Arc<std::sync::Mutex<Vec<(String, String)>>>;

impl FaultyCatalog {
    fn fault_for(&self, request: &Request) -> Option<Fault> {
        let name = request.queries.queries().first()?.name().to_string();
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let faults = self
            .faults
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        faults
            .iter()
            .find(|(faulty, _)| name == **faulty || name.ends_with(&format!(".{faulty}")))
            .map(|(_, fault)| *fault)
    }
}

#[async_trait::async_trait]
impl RequestHandler for FaultyCatalog {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let respond_with = |code: ResponseCode, truncated: bool| {
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = code;
            metadata.truncation = truncated;
            metadata
        };
        if let Some(query) = request.queries.queries().first() {
            let name = query.name().to_string();
            self.asked
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push((
                    name.trim_end_matches('.').to_ascii_lowercase(),
                    query.query_type().to_string(),
                ));
        }
        let metadata = match self.fault_for(request) {
            None => {
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await;
            }
            Some(Fault::Timeout) => return std::future::pending().await,
            Some(Fault::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await;
            }
            Some(Fault::TruncateUdp) if request.protocol() != Protocol::Udp => {
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await;
            }
            Some(Fault::TruncateUdp) => respond_with(ResponseCode::NoError, true),
            Some(Fault::ServFail) => respond_with(ResponseCode::ServFail, false),
            Some(Fault::Refused) => respond_with(ResponseCode::Refused, false),
            Some(Fault::NxDomain) => respond_with(ResponseCode::NXDomain, false),
        };
        let response = MessageResponseBuilder::new(&request.queries, request.edns.as_ref())
            .build_no_records(metadata);
        match response_handle.send_response(response).await {
            Ok(info) => info,
            // The client went away; there is no one to answer.
            Err(_) => std::future::pending().await,
        }
    }
}

/// The directory of the zone files the tests serve.
pub fn zone_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones")
}

/// A running fixture server. It lives on its own thread and runtime, so tests on any runtime
/// can share one.
pub struct FixtureDns {
    pub addr: SocketAddr,
    zones: BTreeMap<String, Arc<InMemoryZoneHandler>>,
    faults: Faults,
    asked: Asked,
}

impl FixtureDns {
    /// Loads every `*.zone` file of `dir` and serves them on `listen` (port 0 picks one).
    pub fn start(dir: &Path, listen: SocketAddr) -> std::io::Result<FixtureDns> {
        let mut zones = BTreeMap::new();
        let mut catalog = Catalog::new();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "zone"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)?;
            let (origin, records) = Parser::new(text, Some(path.clone()), None)
                .parse()
                .map_err(|error| invalid(format!("{}: {error}", path.display())))?;
            let handler = Arc::new(
                InMemoryZoneHandler::new(
                    origin.clone(),
                    records,
                    ZoneType::Primary,
                    AxfrPolicy::Deny,
                )
                .map_err(invalid)?,
            );
            catalog.upsert(
                LowerName::new(&origin),
                vec![handler.clone() as Arc<dyn ZoneHandler>],
            );
            zones.insert(origin.to_ascii().to_ascii_lowercase(), handler);
        }
        let faults = Faults::default();
        let asked = Asked::default();
        let handler = FaultyCatalog {
            catalog,
            faults: faults.clone(),
            asked: asked.clone(),
        };
        let (udp, tcp) = bind_pair(listen)?;
        let addr = udp.local_addr()?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name(format!("fixture-dns-{addr}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the fixture DNS server");
                runtime.block_on(async move {
                    let mut server = Server::new(handler);
                    server.register_socket(
                        tokio::net::UdpSocket::from_std(udp).expect("UDP socket to tokio"),
                    );
                    server.register_listener(
                        tokio::net::TcpListener::from_std(tcp).expect("TCP listener to tokio"),
                        Duration::from_secs(5),
                        64,
                    );
                    let _ = ready_tx.send(());
                    std::future::pending::<()>().await;
                });
            })?;
        ready_rx
            .recv()
            .map_err(|_| invalid("the fixture DNS server did not start".to_string()))?;
        Ok(FixtureDns {
            addr,
            zones,
            faults,
            asked,
        })
    }

    /// Makes the server misbehave for `name` and every name under it (`None` heals it). Use a
    /// server of the test's own (`start`), not the shared one.
    pub fn set_fault(&self, name: &str, fault: Option<Fault>) {
        let mut faults = self
            .faults
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match fault {
            Some(fault) => faults.insert(name, fault),
            None => faults.remove(&name),
        };
    }

    /// Every question asked of this server so far, in order: (name in lower case without the
    /// trailing dot, type), e.g. `("_dmarc.shop.example", "SOA")`.
    pub fn asked(&self) -> Vec<(String, String)> {
        self.asked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// A server of one test's own, on a random port, serving the fixture zones.
    pub fn start_own() -> FixtureDns {
        FixtureDns::start(&zone_dir(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("a fixture DNS server")
    }

    /// The server every test of this process shares, on a random port.
    pub fn shared() -> &'static FixtureDns {
        static SHARED: std::sync::OnceLock<FixtureDns> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            FixtureDns::start(&zone_dir(), SocketAddr::from(([127, 0, 0, 1], 0)))
                .expect("the fixture DNS server starts")
        })
    }

    /// Publishes a TXT record while the server runs, as a customer fixing DNS would.
    pub async fn add_txt(&self, name: &str, value: &str) {
        let name = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).expect("a name");
        let zone = self
            .zones
            .iter()
            .filter(|(origin, _)| {
                let origin = Name::from_ascii(origin.as_str()).expect("an origin");
                origin.zone_of(&name)
            })
            .max_by_key(|(origin, _)| origin.len())
            .map(|(_, zone)| zone.clone())
            .expect("a zone that holds the name");
        let record = Record::from_rdata(name, 60, RData::TXT(TXT::new(vec![value.to_string()])));
        assert!(zone.upsert(record, 2).await, "the record was added");
    }
}

impl FixtureDns {
    /// Replaces every TXT record at `name` with `values`, each given as its character-strings
    /// (none: the name keeps no TXT record), as a customer publishing a fix would.
    pub async fn replace_txt(&self, name: &str, values: &[Vec<String>]) {
        let name = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).expect("a name");
        let zone = self.zone_of(&name);
        {
            let mut records = zone.records_mut().await;
            records.remove(&RrKey::new(LowerName::new(&name), RecordType::TXT));
        }
        for strings in values {
            let record =
                Record::from_rdata(name.clone(), 60, RData::TXT(TXT::new(strings.clone())));
            assert!(zone.upsert(record, 3).await, "the record was added");
        }
    }

    /// Adds a record while the server runs (the zone's serial unchanged: see `set_serial`).
    pub async fn add_record(&self, name: &str, ttl: u32, data: RData) {
        let name = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).expect("a name");
        let zone = self.zone_of(&name);
        assert!(
            zone.upsert(Record::from_rdata(name, ttl, data), 4).await,
            "the record was added"
        );
    }

    /// Sets the serial of the zone at `apex`, as a primary does on each change.
    pub async fn set_serial(&self, apex: &str, serial: u32) {
        let apex = Name::from_ascii(format!("{}.", apex.trim_end_matches('.'))).expect("a name");
        let zone = self.zone_of(&apex);
        let mut records = zone.records_mut().await;
        let key = RrKey::new(LowerName::new(&apex), RecordType::SOA);
        let set = records.get(&key).expect("the zone's SOA").clone();
        let mut soa_record = set.records_without_rrsigs().next().expect("a SOA").clone();
        if let RData::SOA(soa) = &mut soa_record.data {
            soa.serial = serial;
        }
        let mut replaced = hickory_server::proto::rr::RecordSet::new(apex, RecordType::SOA, serial);
        replaced.insert(soa_record, serial);
        records.insert(key, Arc::new(replaced));
    }

    fn zone_of(&self, name: &Name) -> Arc<InMemoryZoneHandler> {
        self.zones
            .iter()
            .filter(|(origin, _)| {
                let origin = Name::from_ascii(origin.as_str()).expect("an origin");
                origin.zone_of(name)
            })
            .max_by_key(|(origin, _)| origin.len())
            .map(|(_, zone)| zone.clone())
            .expect("a zone that holds the name")
    }
}

/// Binds UDP and TCP on the same port, retrying when a random port is taken for TCP.
fn bind_pair(listen: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last_error = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind(listen)?;
        match TcpListener::bind(udp.local_addr()?) {
            Ok(tcp) => {
                udp.set_nonblocking(true)?;
                tcp.set_nonblocking(true)?;
                return Ok((udp, tcp));
            }
            Err(error) if listen.port() == 0 => last_error = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| invalid("no free port".to_string())))
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// A "server" that takes queries over UDP and TCP and never answers: the worst DNS failure.
pub struct SilentDns {
    pub addr: SocketAddr,
}

impl SilentDns {
    pub fn start() -> std::io::Result<SilentDns> {
        let (udp, tcp) = bind_pair(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = udp.local_addr()?;
        udp.set_nonblocking(false)?;
        tcp.set_nonblocking(false)?;
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while udp.recv_from(&mut buffer).is_ok() {}
        });
        std::thread::spawn(move || {
            // Accept and hold every connection without a reply.
            let mut held = Vec::new();
            for stream in tcp.incoming().flatten() {
                held.push(stream);
            }
        });
        Ok(SilentDns { addr })
    }
}
