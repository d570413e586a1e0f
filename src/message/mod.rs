//! The one place that judges a raw message. `dkim` verifies its DKIM signatures (the paste
//! box of the pages and `POST /v1/dkim/verify`); with a connection's context — the client's
//! address, HELO and MAIL FROM — the inbound listener's messages get SPF, DMARC alignment and
//! ARC verdicts as well.

pub mod dkim;
