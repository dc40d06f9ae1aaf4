//! X.509 v3 certificates (ECDSA P-256 / SHA-256) built with RustCrypto's `x509-cert`: the
//! agent's leaf certificates, the built-in CA and the mock PCK certificate in quotes.
//!
//! Certificates use the builder's `Manual` profile (feature `hazmat`), which adds no extension
//! of its own, so each one carries exactly the extensions its caller adds, in that order.

use der::asn1::{Any, GeneralizedTime, Ia5String, OctetString, SetOfVec, UtcTime};
use der::oid::{AssociatedOid, ObjectIdentifier};
use der::{Decode, Encode, Length, Tag, Writer};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

pub use x509_cert::builder::Error as BuildError;
pub use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};

/// The builder that `build`'s callback adds extensions to.
pub type CertBuilder<'a> = CertificateBuilder<'a, SigningKey>;

const OID_ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
pub const OID_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
pub const OID_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// An extension type with our criticality: `$inner`'s DER is the extension value.
macro_rules! extension {
    ($(#[$doc:meta])* $name:ident($inner:ty) = $oid:expr, critical = $critical:expr) => {
        $(#[$doc])*
        pub struct $name(pub $inner);

        impl AssociatedOid for $name {
            const OID: ObjectIdentifier = $oid;
        }

        impl Encode for $name {
            fn encoded_len(&self) -> der::Result<Length> {
                self.0.encoded_len()
            }
            fn encode(&self, writer: &mut impl Writer) -> der::Result<()> {
                self.0.encode(writer)
            }
        }

        impl AsExtension for $name {
            fn critical(&self, _subject: &Name, _extensions: &[Extension]) -> bool {
                $critical
            }
        }
    };
}

extension!(
    /// ExtendedKeyUsage, non-critical as the agent's (x509-cert's own type marks it critical).
    ExtKeyUsage(ExtendedKeyUsage) = ExtendedKeyUsage::OID,
    critical = false
);

// dstack's custom extensions (PROTOCOL §6.4) are non-critical and their value is the DER OCTET
// STRING of the content, so extnValue is an OCTET STRING wrapping an OCTET STRING.
extension!(
    /// `1.3.6.1.4.1.62397.1.3`: the app id.
    AppIdExt(OctetString) = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.3"),
    critical = false
);
extension!(
    /// `1.3.6.1.4.1.62397.1.4`: the certificate usage (`app:custom`).
    CertUsageExt(OctetString) = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.4"),
    critical = false
);
extension!(
    /// `1.3.6.1.4.1.62397.1.8`: a msgpack `VersionedAttestation` (RA-TLS).
    AttestationExt(OctetString) = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.8"),
    critical = false
);
extension!(
    /// `1.3.6.1.4.1.62397.1.9`: the msgpack app info.
    AppInfoExt(OctetString) = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62397.1.9"),
    critical = false
);

fn rdn(oid: ObjectIdentifier, value: &str) -> der::Result<RelativeDistinguishedName> {
    let atv = AttributeTypeAndValue {
        oid,
        value: Any::new(Tag::Utf8String, value.as_bytes())?,
    };
    Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?))
}

/// A Name with an optional O and a CN, each a UTF8String in its own RDN.
pub fn name(org: Option<&str>, cn: &str) -> Result<Name, String> {
    let mut rdns = Vec::new();
    if let Some(o) = org {
        rdns.push(rdn(OID_ORGANIZATION, o).map_err(|e| format!("subject O: {e}"))?);
    }
    rdns.push(rdn(OID_COMMON_NAME, cn).map_err(|e| format!("subject CN: {e}"))?);
    Ok(RdnSequence(rdns))
}

/// UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5).
pub fn time(unix: u64) -> Result<Time, String> {
    let out_of_range = |e: der::Error| format!("time {unix} is out of range: {e}");
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(unix))
        .map_err(out_of_range)?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(
            UtcTime::from_date_time(dt).map_err(out_of_range)?,
        ))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// SPKI DER of a P-256 key.
pub fn spki_der(key: &SigningKey) -> Result<Vec<u8>, String> {
    key.verifying_key()
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| format!("public key encoding: {e}"))
}

/// The subject Name of a DER certificate: the issuer of the leaves it signs.
pub fn subject_of(cert_der: &[u8]) -> Result<Name, String> {
    Certificate::from_der(cert_der)
        .map(|c| c.tbs_certificate.subject)
        .map_err(|e| format!("certificate: {e}"))
}

/// Refuses text with a control character (C0, DEL, C1): a NUL or line break inside a name
/// makes a certificate that different parsers read differently (the classic NUL-prefix name).
pub fn no_control(what: &str, text: &str) -> Result<(), String> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "{what} {text:?} contains a control character (U+{:04X})",
            c as u32
        )),
        None => Ok(()),
    }
}

/// A GeneralName for SubjectAltName: IP when the text parses as one, else a DNS name, which
/// must be non-empty ASCII (IA5String) without control characters.
pub fn general_name(alt: &str) -> Result<GeneralName, String> {
    if alt.is_empty() {
        return Err("alt name must not be empty".into());
    }
    no_control("alt name", alt)?;
    match alt.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(GeneralName::from(ip)),
        Err(_) => Ia5String::new(alt)
            .map(GeneralName::DnsName)
            .map_err(|_| format!("alt name {alt:?} is not an ASCII DNS name")),
    }
}

pub struct CertSpec<'a> {
    /// Big-endian magnitude; encoded as a positive INTEGER (at most 20 bytes).
    pub serial: &'a [u8],
    /// `None` for a self-signed certificate.
    pub issuer: Option<Name>,
    pub subject: Name,
    pub not_before: u64,
    pub not_after: u64,
    pub key: &'a VerifyingKey,
}

/// Builds a v3 certificate for `spec.key` signed by `signer`, with the extensions that
/// `extensions` adds; returns DER.
pub fn build(
    spec: CertSpec,
    signer: &SigningKey,
    extensions: impl FnOnce(&mut CertBuilder) -> Result<(), BuildError>,
) -> Result<Vec<u8>, String> {
    let err = |e: BuildError| format!("certificate: {e}");
    let serial = SerialNumber::new(spec.serial).map_err(|e| format!("serial number: {e}"))?;
    let validity = Validity {
        not_before: time(spec.not_before)?,
        not_after: time(spec.not_after)?,
    };
    let spki = SubjectPublicKeyInfoOwned::from_key(*spec.key)
        .map_err(|e| format!("public key encoding: {e}"))?;
    let mut b = CertificateBuilder::new(
        Profile::Manual {
            issuer: spec.issuer,
        },
        serial,
        validity,
        spec.subject,
        spki,
        signer,
    )
    .map_err(err)?;
    extensions(&mut b).map_err(err)?;
    let cert = b.build::<DerSignature>().map_err(err)?;
    cert.to_der().map_err(|e| format!("certificate: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(v: &impl Encode) -> Vec<u8> {
        v.to_der().unwrap()
    }

    #[test]
    fn time_encodings() {
        // RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ through 2049, GeneralizedTime after.
        let utc = |s: &str| [&[0x17, s.len() as u8][..], s.as_bytes()].concat();
        let gen = |s: &str| [&[0x18, s.len() as u8][..], s.as_bytes()].concat();
        assert_eq!(der(&time(0).unwrap()), utc("700101000000Z"));
        assert_eq!(der(&time(951782400).unwrap()), utc("000229000000Z"));
        assert_eq!(der(&time(2524607999).unwrap()), utc("491231235959Z"));
        assert_eq!(der(&time(2524608000).unwrap()), gen("20500101000000Z"));
        assert!(time(u64::MAX).is_err());
    }

    #[test]
    fn names_and_alt_names() {
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "a" } } }
        assert_eq!(
            der(&name(None, "a").unwrap()),
            [0x30, 12, 0x31, 10, 0x30, 8, 6, 3, 0x55, 4, 3, 0x0c, 1, b'a']
        );
        let n = der(&name(Some("O"), "C").unwrap());
        assert_eq!(&n[4..9], [0x30, 8, 6, 3, 0x55]);
        assert_eq!(n[9..11], [4, 10]);
        assert_eq!(
            der(&general_name("10.0.0.7").unwrap()),
            [0x87, 4, 10, 0, 0, 7]
        );
        assert_eq!(der(&general_name("::1").unwrap())[..2], [0x87, 16]);
        assert_eq!(
            der(&general_name("a.b").unwrap()),
            [0x82, 3, b'a', b'.', b'b']
        );
        assert!(general_name("bücher.example").is_err());
        assert_eq!(
            general_name("good.example\0.evil").unwrap_err(),
            r#"alt name "good.example\0.evil" contains a control character (U+0000)"#
        );
        for bad in ["a\nb", "a\tb", "a\u{7f}", "a\u{85}", "\r"] {
            assert!(general_name(bad).is_err(), "{bad:?}");
        }
        assert!(general_name("").is_err());
        assert!(general_name("*.a-b_c.example").is_ok());
    }

    #[test]
    fn certificate_layout() {
        use p256::ecdsa::signature::Verifier;
        let ca = SigningKey::from_slice(&[7; 32]).unwrap();
        let leaf = SigningKey::from_slice(&[9; 32]).unwrap();
        let issuer = name(Some("Org"), "CA").unwrap();
        let der_cert = build(
            CertSpec {
                serial: &[0x80, 1],
                issuer: Some(issuer.clone()),
                subject: name(None, "leaf").unwrap(),
                not_before: 1700000000,
                not_after: 2600000000,
                key: leaf.verifying_key(),
            },
            &ca,
            |b| {
                b.add_extension(&KeyUsage(KeyUsages::DigitalSignature.into()))?;
                b.add_extension(&ExtKeyUsage(ExtendedKeyUsage(vec![OID_SERVER_AUTH])))?;
                b.add_extension(&AppIdExt(OctetString::new([1, 2, 3])?))
            },
        )
        .unwrap();
        let c = Certificate::from_der(&der_cert).unwrap();
        let tbs = &c.tbs_certificate;
        assert_eq!(tbs.version, x509_cert::Version::V3);
        // A positive INTEGER: a 0x00 is prepended to a magnitude with the top bit set.
        assert_eq!(tbs.serial_number.as_bytes(), [0, 0x80, 1]);
        assert_eq!(tbs.issuer, issuer);
        assert_eq!(
            tbs.signature.oid,
            ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2")
        );
        assert!(tbs.signature.parameters.is_none());
        assert!(matches!(tbs.validity.not_before, Time::UtcTime(_)));
        assert!(matches!(tbs.validity.not_after, Time::GeneralTime(_)));
        let exts = tbs.extensions.as_ref().unwrap();
        // KeyUsage digitalSignature, critical: BIT STRING with 7 unused bits, 0x80.
        assert_eq!(exts[0].extn_id, ObjectIdentifier::new_unwrap("2.5.29.15"));
        assert!(exts[0].critical);
        assert_eq!(exts[0].extn_value.as_bytes(), [0x03, 2, 7, 0x80]);
        // ExtendedKeyUsage serverAuth, non-critical.
        assert_eq!(exts[1].extn_id, ObjectIdentifier::new_unwrap("2.5.29.37"));
        assert!(!exts[1].critical);
        assert_eq!(
            exts[1].extn_value.as_bytes(),
            [0x30, 10, 6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 1]
        );
        // Custom extension: non-critical, value = OCTET STRING of the content.
        assert_eq!(exts[2].extn_id, AppIdExt::OID);
        assert!(!exts[2].critical);
        assert_eq!(exts[2].extn_value.as_bytes(), [0x04, 3, 1, 2, 3]);
        // Signed by the CA over the TBS DER.
        let sig = p256::ecdsa::Signature::from_der(c.signature.raw_bytes()).unwrap();
        ca.verifying_key()
            .verify(&tbs.to_der().unwrap(), &sig)
            .unwrap();
        assert_eq!(
            c.tbs_certificate.subject_public_key_info.to_der().unwrap(),
            spki_der(&leaf).unwrap()
        );
    }
}
