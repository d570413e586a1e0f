//! The receiving SMTP side of test addresses: `session` is the RFC 5321 state machine, a
//! pure function of lines in and replies out; `listener` serves it on TCP (limits, timeouts,
//! STARTTLS); `inbox` decides recipients from the store's test addresses and keeps each
//! message with its verdict (`crate::message::judge`).

pub mod inbox;
pub mod listener;
pub mod session;
