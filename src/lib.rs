//! sendercheck: tells an email-sending platform whether each customer's sender domain is ready
//! to send, by resolving and judging the DNS records its provider profile requires.

pub mod checks;
pub mod cli;
pub mod config;
pub mod dns;
pub mod domain;
pub mod probe;
pub mod profile;
pub mod status;
pub mod store;
