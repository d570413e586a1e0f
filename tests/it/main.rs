//! Integration tests: real DNS over UDP and TCP from an in-process authoritative server serving
//! `fixtures/zones/`, and the real `sendercheck` binary. One binary keeps link time down.

#[path = "../support/fixture_dns.rs"]
mod fixture_dns;

mod alerts;
mod authoritative;
mod check_cli;
mod conformance;
mod daemon;
mod dkim;
mod dkim_conformance;
mod dnssec;
mod faults;
mod fuzz_regressions;
mod hostile;
mod inbound;
mod languages;
mod lookalike;
mod package;
mod postgres;
mod probe;
mod propagation;
mod providers;
mod readme;
mod reference;
mod replicas;
mod scopes;
mod serve_cli;
mod signing;
mod smtp;
mod state;
mod store;
mod support;
mod test_messages;
mod transport;
mod web;
mod webhooks;
