//! The simulated TD: a boot event log, runtime events in RTMR3, synthetic TDX v4 quotes whose
//! registers are the replay of that log, and the attestation encodings (PROTOCOL §5, §7).

use crate::util::{hex, sha256, sha384};
use serde_json::{json, Value};

pub const RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;

#[derive(Clone)]
pub struct Event {
    pub imr: u32,
    pub event_type: u32,
    pub digest: Vec<u8>,
    pub event: String,
    pub payload: Vec<u8>,
}

impl Event {
    /// A V1 runtime event: digest = SHA-384(type LE ‖ ":" ‖ name ‖ ":" ‖ payload).
    pub fn runtime(name: &str, payload: &[u8]) -> Event {
        let digest = sha384(&[
            &RUNTIME_EVENT_TYPE.to_le_bytes(),
            b":",
            name.as_bytes(),
            b":",
            payload,
        ])
        .to_vec();
        Event {
            imr: 3,
            event_type: RUNTIME_EVENT_TYPE,
            digest,
            event: name.into(),
            payload: payload.to_vec(),
        }
    }

    fn is_acpi_data(&self) -> bool {
        self.imr == 0 && self.event_type == 10 && self.payload == b"ACPI DATA"
    }

    /// `TdxEvent::stripped` as GetQuote applies it (§5.3).
    pub fn stripped(&self) -> Event {
        let mut e = self.clone();
        if e.event_type == RUNTIME_EVENT_TYPE {
            e.digest.clear();
        } else if !e.is_acpi_data() {
            e.payload.clear();
        }
        e
    }

    pub fn to_json(&self) -> Value {
        json!({
            "imr": self.imr,
            "event_type": self.event_type,
            "digest": hex(&self.digest),
            "event": self.event,
            "event_payload": hex(&self.payload),
        })
    }
}

/// Boot-time events on RTMR0–2, shaped like a real dstack OS log (UEFI variables,
/// separators, the three ACPI DATA tables, boot loader, kernel and initrd).
pub fn boot_events() -> Vec<Event> {
    let ev = |imr: u32, event_type: u32, name: &str, payload: &[u8]| Event {
        imr,
        event_type,
        digest: sha384(&[payload]).to_vec(),
        event: name.into(),
        payload: payload.to_vec(),
    };
    vec![
        ev(0, 0x8000_000b, "", b"EV_EFI_HANDOFF_TABLES2: TdHob"),
        ev(0, 0x8000_000a, "", b"EV_EFI_PLATFORM_FIRMWARE_BLOB2: Cfv"),
        ev(
            0,
            0x8000_0001,
            "",
            b"EV_EFI_VARIABLE_DRIVER_CONFIG: SecureBoot",
        ),
        ev(0, 0x8000_0001, "", b"EV_EFI_VARIABLE_DRIVER_CONFIG: PK"),
        ev(0, 0x8000_0001, "", b"EV_EFI_VARIABLE_DRIVER_CONFIG: KEK"),
        ev(0, 0x8000_0001, "", b"EV_EFI_VARIABLE_DRIVER_CONFIG: db"),
        ev(0, 0x8000_0001, "", b"EV_EFI_VARIABLE_DRIVER_CONFIG: dbx"),
        ev(0, 0x4, "", &[0, 0, 0, 0]),
        Event {
            imr: 0,
            event_type: 10,
            digest: sha384(&[b"dstack-simulator acpi loader"]).to_vec(),
            event: "acpi-loader".into(),
            payload: b"ACPI DATA".to_vec(),
        },
        Event {
            imr: 0,
            event_type: 10,
            digest: sha384(&[b"dstack-simulator acpi rsdp"]).to_vec(),
            event: "acpi-rsdp".into(),
            payload: b"ACPI DATA".to_vec(),
        },
        Event {
            imr: 0,
            event_type: 10,
            digest: sha384(&[b"dstack-simulator acpi tables"]).to_vec(),
            event: "acpi-tables".into(),
            payload: b"ACPI DATA".to_vec(),
        },
        ev(
            1,
            0x8000_0003,
            "",
            b"EV_EFI_BOOT_SERVICES_APPLICATION: bootloader",
        ),
        ev(0, 0x8000_0002, "", b"EV_EFI_VARIABLE_BOOT: BootOrder"),
        ev(0, 0x8000_0002, "", b"EV_EFI_VARIABLE_BOOT: Boot0000"),
        ev(
            1,
            0x8000_0007,
            "",
            b"EV_EFI_ACTION: Calling EFI Application from Boot Option",
        ),
        ev(1, 0x4, "", &[0, 0, 0, 0]),
        ev(2, 0x6, "", b"EV_EVENT_TAG: kernel command line"),
        ev(2, 0x6, "", b"EV_EVENT_TAG: initrd"),
        ev(
            1,
            0x8000_0007,
            "",
            b"EV_EFI_ACTION: Exit Boot Services Invocation",
        ),
        ev(
            1,
            0x8000_0007,
            "",
            b"EV_EFI_ACTION: Exit Boot Services Returned with Success",
        ),
    ]
}

/// What the TD measured: the log and its registers. Shared behind a mutex.
pub struct Td {
    pub events: Vec<Event>,
    pub rtmr: [[u8; 48]; 4],
    pub mrtd: [u8; 48],
}

impl Td {
    pub fn new(events: Vec<Event>) -> Td {
        let mut td = Td {
            events: Vec::new(),
            rtmr: [[0; 48]; 4],
            mrtd: sha384(&[b"dstack-simulator MRTD v1"]),
        };
        for e in events {
            td.extend(e);
        }
        td
    }

    /// RTMR[imr] = SHA-384(RTMR ‖ digest) and the event joins the log.
    pub fn extend(&mut self, e: Event) {
        let i = (e.imr as usize).min(3);
        let mut d = [0u8; 48];
        let n = e.digest.len().min(48);
        d[..n].copy_from_slice(&e.digest[..n]);
        self.rtmr[i] = sha384(&[&self.rtmr[i], &d]);
        self.events.push(e);
    }

    /// mr_aggregated (§6.3); MRCONFIGID/MROWNER/MROWNERCONFIG are zero here so not appended.
    pub fn mr_aggregated(&self) -> [u8; 32] {
        sha256(&[
            &self.mrtd,
            &self.rtmr[0],
            &self.rtmr[1],
            &self.rtmr[2],
            &self.rtmr[3],
        ])
    }

    pub fn mr_system(&self, key_provider_payload: &[u8]) -> [u8; 32] {
        let kp = sha256(&[key_provider_payload]);
        sha256(&[&self.mrtd, &self.rtmr[0], &self.rtmr[1], &self.rtmr[2], &kp])
    }

    pub fn event_log_json(&self, stripped: bool) -> Value {
        Value::Array(
            self.events
                .iter()
                .map(|e| {
                    if stripped {
                        e.stripped().to_json()
                    } else {
                        e.to_json()
                    }
                })
                .collect(),
        )
    }
}

/// Mock quoting enclave keys: the quote is signed for real by an attestation key whose
/// QE report is signed by a mock PCK key with a self-signed certificate. None of it chains to
/// Intel, so a DCAP verifier rejects it, but every structure parses.
pub struct QuotingKeys {
    att_key: p256::ecdsa::SigningKey,
    pck_key: p256::ecdsa::SigningKey,
    pck_cert_pem: String,
}

impl QuotingKeys {
    pub fn new() -> QuotingKeys {
        let k = |label: &[u8]| {
            let s = sha256(&[crate::keys::DEV_SEED, label]);
            p256::ecdsa::SigningKey::from_bytes((&s).into()).unwrap_or_else(|_| {
                p256::ecdsa::SigningKey::from_bytes((&sha256(&[&s])).into())
                    .expect("valid P-256 scalar")
            })
        };
        let att_key = k(b":quote-attestation-key");
        let pck_key = k(b":quote-pck-key");
        let subject =
            crate::cert::name(Some("dstack-simulator"), "Mock PCK Certificate (not Intel)");
        let der = crate::cert::build(
            &crate::cert::CertSpec {
                serial: &[1],
                issuer: &subject,
                subject: &subject,
                not_before: 1735689600,
                not_after: 2082758400,
                spki: &crate::cert::spki_der(&pck_key),
                extensions: vec![],
            },
            &pck_key,
        );
        QuotingKeys {
            att_key,
            pck_key,
            pck_cert_pem: crate::util::pem("CERTIFICATE", &der),
        }
    }
}

/// Intel's QE vendor id, as in real quotes.
const QE_VENDOR_ID: [u8; 16] = [
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];

/// A TDX v4 quote (§7.1) over the TD's current registers and `report_data`.
pub fn quote(td: &Td, qk: &QuotingKeys, report_data: &[u8; 64]) -> Vec<u8> {
    use p256::ecdsa::{signature::Signer, Signature};
    let mut q = Vec::with_capacity(5200);
    q.extend_from_slice(&4u16.to_le_bytes());
    q.extend_from_slice(&2u16.to_le_bytes());
    q.extend_from_slice(&0x81u32.to_le_bytes());
    q.extend_from_slice(&[0; 4]); // qe_svn, pce_svn
    q.extend_from_slice(&QE_VENDOR_ID);
    q.extend_from_slice(&[0; 20]); // user_data
                                   // TD report body (584 B)
    q.extend_from_slice(&[5, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // tee_tcb_svn
    q.extend_from_slice(&sha384(&[b"dstack-simulator MR_SEAM"])); // mr_seam
    q.extend_from_slice(&[0; 48]); // mr_signer_seam
    q.extend_from_slice(&[0; 8]); // seam_attributes
    q.extend_from_slice(&[0; 8]); // td_attributes: not debug
    q.extend_from_slice(&[0xe7, 0x02, 0x06, 0, 0, 0, 0, 0]); // xfam
    q.extend_from_slice(&td.mrtd);
    q.extend_from_slice(&[0; 48 * 3]); // mr_config_id, mr_owner, mr_owner_config
    for r in &td.rtmr {
        q.extend_from_slice(r);
    }
    q.extend_from_slice(report_data);
    debug_assert_eq!(q.len(), 632);

    let sig: Signature = qk.att_key.sign(&q);
    let att_pub = qk.att_key.verifying_key().to_encoded_point(false);
    let att_pub = &att_pub.as_bytes()[1..];
    let qe_auth: Vec<u8> = (0u8..32).collect();
    let mut qe_report = vec![0u8; 384];
    qe_report[320..352].copy_from_slice(&sha256(&[att_pub, &qe_auth]));
    let qe_sig: Signature = qk.pck_key.sign(&qe_report);
    let pem = qk.pck_cert_pem.as_bytes();
    let mut cert_data = qe_report;
    cert_data.extend_from_slice(&qe_sig.to_bytes());
    cert_data.extend_from_slice(&(qe_auth.len() as u16).to_le_bytes());
    cert_data.extend_from_slice(&qe_auth);
    cert_data.extend_from_slice(&5u16.to_le_bytes());
    cert_data.extend_from_slice(&(pem.len() as u32).to_le_bytes());
    cert_data.extend_from_slice(pem);
    let mut auth = sig.to_bytes().to_vec();
    auth.extend_from_slice(att_pub);
    auth.extend_from_slice(&6u16.to_le_bytes());
    auth.extend_from_slice(&(cert_data.len() as u32).to_le_bytes());
    auth.extend_from_slice(&cert_data);
    q.extend_from_slice(&(auth.len() as u32).to_le_bytes());
    q.extend_from_slice(&auth);
    q
}

/// Minimal MessagePack writer for the attestation and app-info encodings.
pub mod msgpack {
    pub enum V<'a> {
        U(u64),
        S(&'a str),
        B(&'a [u8]),
        A(Vec<V<'a>>),
        M(Vec<(&'a str, V<'a>)>),
    }

    fn len_prefix(
        out: &mut Vec<u8>,
        n: usize,
        fix: Option<(u8, usize)>,
        m8: Option<u8>,
        m16: u8,
        m32: u8,
    ) {
        match (fix, m8) {
            (Some((base, max)), _) if n <= max => out.push(base | n as u8),
            (_, Some(t)) if n <= 0xff => out.extend_from_slice(&[t, n as u8]),
            _ if n <= 0xffff => {
                out.push(m16);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            _ => {
                out.push(m32);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
        }
    }

    pub fn write(out: &mut Vec<u8>, v: &V) {
        match v {
            V::U(n) => match *n {
                0..=0x7f => out.push(*n as u8),
                0x80..=0xff => out.extend_from_slice(&[0xcc, *n as u8]),
                0x100..=0xffff => {
                    out.push(0xcd);
                    out.extend_from_slice(&(*n as u16).to_be_bytes())
                }
                0x1_0000..=0xffff_ffff => {
                    out.push(0xce);
                    out.extend_from_slice(&(*n as u32).to_be_bytes())
                }
                _ => {
                    out.push(0xcf);
                    out.extend_from_slice(&n.to_be_bytes())
                }
            },
            V::S(s) => {
                len_prefix(out, s.len(), Some((0xa0, 31)), Some(0xd9), 0xda, 0xdb);
                out.extend_from_slice(s.as_bytes());
            }
            V::B(b) => {
                len_prefix(out, b.len(), None, Some(0xc4), 0xc5, 0xc6);
                out.extend_from_slice(b);
            }
            V::A(items) => {
                len_prefix(out, items.len(), Some((0x90, 15)), None, 0xdc, 0xdd);
                for i in items {
                    write(out, i);
                }
            }
            V::M(items) => {
                len_prefix(out, items.len(), Some((0x80, 15)), None, 0xde, 0xdf);
                for (k, val) in items {
                    write(out, &V::S(k));
                    write(out, val);
                }
            }
        }
    }

    pub fn encode(v: &V) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, v);
        out
    }
}

/// `VersionedAttestation` V1 (§7.3): msgpack map `{version, platform{kind:"tdx", data{quote,
/// event_log}}, stack{kind:"dstack", data{report_data, runtime_events, config}}}`.
pub fn versioned_attestation(
    quote: &[u8],
    events: &[Event],
    report_data: &[u8; 64],
    config: &str,
) -> Vec<u8> {
    use msgpack::V;
    let log: Vec<V> = events
        .iter()
        .map(|e| {
            V::M(vec![
                ("imr", V::U(e.imr as u64)),
                ("event_type", V::U(e.event_type as u64)),
                ("digest", V::B(&e.digest)),
                ("event", V::S(&e.event)),
                ("event_payload", V::B(&e.payload)),
            ])
        })
        .collect();
    let runtime: Vec<V> = events
        .iter()
        .filter(|e| e.event_type == RUNTIME_EVENT_TYPE)
        .map(|e| {
            V::M(vec![
                ("event", V::S(&e.event)),
                ("payload", V::B(&e.payload)),
            ])
        })
        .collect();
    msgpack::encode(&V::M(vec![
        ("version", V::U(1)),
        (
            "platform",
            V::M(vec![
                ("kind", V::S("tdx")),
                (
                    "data",
                    V::M(vec![("quote", V::B(quote)), ("event_log", V::A(log))]),
                ),
            ]),
        ),
        (
            "stack",
            V::M(vec![
                ("kind", V::S("dstack")),
                (
                    "data",
                    V::M(vec![
                        ("report_data", V::B(report_data)),
                        ("runtime_events", V::A(runtime)),
                        ("config", V::S(config)),
                    ]),
                ),
            ]),
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_digest_matches_definition() {
        let e = Event::runtime("app-id", &[1, 2]);
        let mut pre = vec![1, 0, 0, 8, b':'];
        pre.extend_from_slice(b"app-id:");
        pre.extend_from_slice(&[1, 2]);
        assert_eq!(e.digest, sha384(&[&pre]).to_vec());
    }

    #[test]
    fn msgpack_headers() {
        use msgpack::V;
        assert_eq!(msgpack::encode(&V::A((0..9).map(V::U).collect()))[0], 0x99);
        assert_eq!(msgpack::encode(&V::B(&[0; 300]))[..3], [0xc5, 1, 44]);
        assert_eq!(msgpack::encode(&V::S(&"x".repeat(40)))[..2], [0xd9, 40]);
        assert_eq!(msgpack::encode(&V::U(300)), [0xcd, 1, 44]);
    }

    #[test]
    fn stripping_rules() {
        let acpi = &boot_events()[8];
        assert_eq!(acpi.stripped().payload, b"ACPI DATA");
        let uefi = &boot_events()[0];
        assert!(uefi.stripped().payload.is_empty() && !uefi.stripped().digest.is_empty());
        let rt = Event::runtime("x", b"y").stripped();
        assert!(rt.digest.is_empty() && rt.payload == b"y");
    }
}
