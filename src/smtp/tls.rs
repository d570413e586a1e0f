//! TLS for the probe (rustls, ring): the handshake always completes when the server's key
//! signs it, and the certificate's verdict (chain to a trusted root, host name, dates) is
//! recorded beside it instead of aborting, so the report can say exactly what is wrong. The
//! probe itself refuses to go on (and never sends a password) over a certificate that failed,
//! unless told `insecure`.

use std::sync::{Arc, Mutex};

use crate::text::{Arg, Text, codes};
use chrono::DateTime;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

/// What the certificate check found: the report's certificate object, and why it is not
/// trusted or not for this host, in plain words (`None` when it is fine).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateReport {
    pub object: super::CertificateObject,
    pub problem: Option<Text>,
}

/// The certificate presented (DER) and webpki's verdict on it.
type Verdict = (Vec<u8>, Result<(), Error>);

/// The verifier: webpki's, run for its verdict, which is kept rather than enforced.
#[derive(Debug)]
struct Recording {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    verdict: Mutex<Option<Verdict>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        *self
            .verdict
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((end_entity.to_vec(), verdict));
        Ok(ServerCertVerified::assertion())
    }

    // The handshake's signatures are checked for real: the server must hold the key of the
    // certificate it presented.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A connector for one probe, trusting the public roots (Mozilla's, from webpki-roots) and
/// the CA certificates of `ca_pem`.
pub struct Connector {
    config: Arc<rustls::ClientConfig>,
    recording: Arc<Recording>,
}

impl Connector {
    pub fn new(ca_pem: Option<&str>) -> Result<Connector, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = ca_pem {
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|error| format!("the CA file is not PEM: {error}"))?;
                roots
                    .add(cert)
                    .map_err(|error| format!("the CA file holds a bad certificate: {error}"))?;
                added += 1;
            }
            if added == 0 {
                return Err("the CA file holds no certificate".to_string());
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|error| error.to_string())?;
        let recording = Arc::new(Recording {
            inner,
            verdict: Mutex::new(None),
        });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| error.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(recording.clone())
            .with_no_client_auth();
        Ok(Connector {
            config: Arc::new(config),
            recording,
        })
    }

    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config.clone())
    }

    /// The certificate the server presented and what webpki made of it, for `host`.
    pub fn certificate(&self, host: &str) -> Option<CertificateReport> {
        let (der, verdict) = self
            .recording
            .verdict
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()?;
        Some(describe(&der, host, verdict))
    }
}

/// The words for a certificate and its verdict.
fn describe(der: &[u8], host: &str, verdict: Result<(), Error>) -> CertificateReport {
    let parsed = x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, cert)| cert);
    let subject = parsed
        .as_ref()
        .map_or_else(String::new, |cert| cert.subject().to_string());
    let issuer = parsed
        .as_ref()
        .map_or_else(String::new, |cert| cert.issuer().to_string());
    let not_after = parsed
        .as_ref()
        .and_then(|cert| DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0));
    let mut names: Vec<String> = parsed
        .as_ref()
        .and_then(|cert| cert.subject_alternative_name().ok().flatten())
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    x509_parser::extensions::GeneralName::DNSName(dns) => Some(dns.to_string()),
                    x509_parser::extensions::GeneralName::IPAddress(ip) => match ip.len() {
                        4 => Some(
                            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).ok()?).to_string(),
                        ),
                        16 => Some(
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).ok()?).to_string(),
                        ),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty()
        && let Some(cn) = parsed.as_ref().and_then(|cert| {
            cert.subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok().map(str::to_string))
        })
    {
        names.push(cn);
    }
    // The name is checked on its own, so a certificate that is both untrusted and for another
    // host says both.
    let hostname_match = match (
        rustls::server::ParsedCertificate::try_from(&CertificateDer::from(der)),
        ServerName::try_from(host.to_string()),
    ) {
        (Ok(cert), Ok(name)) => rustls::client::verify_server_name(&cert, &name).is_ok(),
        _ => false,
    };
    let for_names = || {
        if names.is_empty() {
            Arg::from(codes::smtp_certificate_no_name())
        } else {
            Arg::from(names.join(", "))
        }
    };
    let (trusted, problem) = match verdict {
        Ok(()) => (true, None),
        Err(Error::InvalidCertificate(error)) => match error {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                (true, None)
            }
            CertificateError::UnknownIssuer => {
                (false, Some(codes::smtp_certificate_untrusted(&issuer)))
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                false,
                Some(match not_after {
                    Some(at) => codes::smtp_certificate_expired_on(
                        at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    ),
                    None => codes::smtp_certificate_expired(),
                }),
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                (false, Some(codes::smtp_certificate_not_yet_valid()))
            }
            CertificateError::Revoked => (false, Some(codes::smtp_certificate_revoked())),
            other => (
                false,
                Some(codes::smtp_certificate_unverifiable(format!("{other:?}"))),
            ),
        },
        Err(other) => (
            false,
            Some(codes::smtp_certificate_unverifiable(other.to_string())),
        ),
    };
    let problem = match (problem, hostname_match) {
        (Some(problem), true) => Some(problem),
        (Some(problem), false) => {
            Some(problem.and(codes::smtp_certificate_also_wrong_name(for_names(), host)))
        }
        (None, false) => Some(codes::smtp_certificate_wrong_name(for_names(), host)),
        (None, true) => None,
    };
    CertificateReport {
        object: super::CertificateObject {
            subject,
            issuer,
            not_after,
            names,
            trusted,
            hostname_match,
        },
        problem,
    }
}

/// What a failed handshake means, to act on.
pub fn handshake_failure(error: &std::io::Error, port: u16) -> Text {
    let text = error.to_string();
    let inner = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>());
    match inner {
        Some(Error::InvalidMessage(_)) | Some(Error::InappropriateMessage { .. }) => {
            codes::smtp_tls_not_tls(text, port)
        }
        Some(Error::PeerIncompatible(_)) | Some(Error::AlertReceived(_)) => {
            codes::smtp_tls_no_shared(text)
        }
        _ => codes::smtp_tls_failed(text),
    }
}

/// `TLSv1_3` → `TLS 1.3`.
pub fn version_name(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_string(),
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_string(),
        other => format!("{other:?}"),
    }
}
