//! The receiving SMTP side of test addresses (issue 27, in steps): `session` is the RFC 5321
//! state machine, a pure function of lines in and replies out; the listener, the verdicts
//! and the storage of received messages build on it.

pub mod listener;
pub mod session;
