//! Certificates: the `ca_cert_pem` option parsed once into the roots TLS verifies against.

use std::sync::Arc;

use ureq::tls::{Certificate, RootCerts};

use crate::error::Error;

/// The certificates of `ca_cert_pem`, parsed once when the options are read and shared by
/// every TLS configuration built from them.
#[derive(Debug, Clone)]
pub struct CaCerts(Arc<Vec<Certificate<'static>>>);

impl CaCerts {
    /// Parses `pem`: at least one certificate, nothing unparsable.
    pub fn parse(pem: &str) -> Result<CaCerts, Error> {
        parse_ca_certs(pem).map(|c| CaCerts(Arc::new(c)))
    }

    /// The roots that TLS verifies the server against: exactly these certificates.
    pub fn root_certs(&self) -> RootCerts {
        RootCerts::new_with_certs(&self.0)
    }
}

/// Parses `ca_cert_pem`: at least one certificate, nothing unparsable.
pub fn parse_ca_certs(pem: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(Error::invalid(format!("ca_cert_pem is not valid PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid("ca_cert_pem contains no certificate"));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_must_hold_a_certificate() {
        assert!(parse_ca_certs("").is_err());
        assert!(parse_ca_certs("not pem").is_err());
    }
}
