//! A minimal DER writer and X.509 v3 certificate builder (ECDSA P-256 / SHA-256), enough for
//! the agent's leaf certificates, the built-in CA and the mock PCK certificate in quotes.

use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        v.push(0x80 | (bytes.len() - skip) as u8);
        v.extend_from_slice(&bytes[skip..]);
    }
    v.extend_from_slice(content);
    v
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

/// Encodes a dotted OID.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap_or(0)).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut tmp = vec![(a & 0x7f) as u8];
        let mut x = a >> 7;
        while x > 0 {
            tmp.push(0x80 | (x & 0x7f) as u8);
            x >>= 7;
        }
        tmp.reverse();
        body.extend(tmp);
    }
    tlv(0x06, &body)
}

/// Positive INTEGER from big-endian magnitude.
pub fn uint(be: &[u8]) -> Vec<u8> {
    let skip = be
        .iter()
        .take_while(|&&b| b == 0)
        .count()
        .min(be.len().saturating_sub(1));
    let mut v = be[skip..].to_vec();
    if v.is_empty() {
        v.push(0);
    }
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

fn bit_string(b: &[u8]) -> Vec<u8> {
    let mut c = vec![0u8];
    c.extend_from_slice(b);
    tlv(0x03, &c)
}

/// Name with optional O and a CN (UTF8String).
pub fn name(org: Option<&str>, cn: &str) -> Vec<u8> {
    let mut rdns = Vec::new();
    if let Some(o) = org {
        rdns.extend(tlv(
            0x31,
            &seq(&[&oid("2.5.4.10"), &tlv(0x0c, o.as_bytes())]),
        ));
    }
    rdns.extend(tlv(
        0x31,
        &seq(&[&oid("2.5.4.3"), &tlv(0x0c, cn.as_bytes())]),
    ));
    tlv(0x30, &rdns)
}

/// UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5).
pub fn time(unix: u64) -> Vec<u8> {
    let days = (unix / 86400) as i64;
    let secs = unix % 86400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    let hms = format!("{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60);
    if (1950..2050).contains(&y) {
        tlv(0x17, format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{m:02}{d:02}{hms}").as_bytes())
    }
}

pub fn extension(id: &str, critical: bool, value_der: &[u8]) -> Vec<u8> {
    if critical {
        seq(&[&oid(id), &tlv(0x01, &[0xff]), &octets(value_der)])
    } else {
        seq(&[&oid(id), &octets(value_der)])
    }
}

pub fn spki_der(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default()
}

pub struct CertSpec<'a> {
    pub serial: &'a [u8],
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub not_before: u64,
    pub not_after: u64,
    pub spki: &'a [u8],
    pub extensions: Vec<Vec<u8>>,
}

/// Builds and signs a v3 certificate; returns DER.
pub fn build(spec: &CertSpec, signer: &SigningKey) -> Vec<u8> {
    let alg = seq(&[&oid("1.2.840.10045.4.3.2")]);
    let validity = seq(&[&time(spec.not_before), &time(spec.not_after)]);
    let mut tbs_parts: Vec<Vec<u8>> = vec![
        tlv(0xa0, &uint(&[2])),
        uint(spec.serial),
        alg.clone(),
        spec.issuer.to_vec(),
        validity,
        spec.subject.to_vec(),
        spec.spki.to_vec(),
    ];
    if !spec.extensions.is_empty() {
        tbs_parts.push(tlv(0xa3, &tlv(0x30, &spec.extensions.concat())));
    }
    let tbs = tlv(0x30, &tbs_parts.concat());
    let sig: Signature = signer.sign(&tbs);
    seq(&[&tbs, &alg, &bit_string(sig.to_der().as_bytes())])
}

/// Reads one TLV: (tag, whole element length, content range).
fn read_tlv(b: &[u8]) -> Result<(u8, usize, std::ops::Range<usize>), String> {
    let err = || "truncated DER".to_string();
    let tag = *b.first().ok_or_else(err)?;
    let l0 = *b.get(1).ok_or_else(err)? as usize;
    let (len, hdr) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return Err("unsupported DER length".into());
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i).ok_or_else(err)? as usize;
        }
        (len, 2 + n)
    };
    if b.len() < hdr + len {
        return Err(err());
    }
    Ok((tag, hdr + len, hdr..hdr + len))
}

/// The subject Name (raw DER) of a certificate, used as the issuer of the leaves it signs.
pub fn subject_of(cert_der: &[u8]) -> Result<Vec<u8>, String> {
    let (_, _, c) = read_tlv(cert_der)?;
    let cert = &cert_der[c];
    let (_, _, t) = read_tlv(cert)?;
    let mut tbs = &cert[t];
    // version [0] is optional; then serial, signature alg, issuer, validity, subject.
    let mut idx = 0;
    loop {
        let (tag, whole, _) = read_tlv(tbs)?;
        if tag == 0xa0 {
            tbs = &tbs[whole..];
            continue;
        }
        if idx == 4 {
            return Ok(tbs[..whole].to_vec());
        }
        tbs = &tbs[whole..];
        idx += 1;
    }
}

/// A GeneralName for SubjectAltName: IP when the text parses as one, else DNS.
pub fn general_name(alt: &str) -> Vec<u8> {
    match alt.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => tlv(0x87, &ip.octets()),
        Ok(std::net::IpAddr::V6(ip)) => tlv(0x87, &ip.octets()),
        Err(_) => tlv(0x82, alt.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_basics() {
        assert_eq!(
            oid("1.2.840.10045.4.3.2"),
            [6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2]
        );
        assert_eq!(uint(&[0, 0, 0x80]), [2, 2, 0, 0x80]);
        assert_eq!(tlv(4, &[0u8; 200])[..3], [4, 0x81, 200]);
        assert_eq!(time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(2524608000), tlv(0x18, b"20500101000000Z"));
        assert_eq!(time(951782400), tlv(0x17, b"000229000000Z"));
    }
}
