//! Step 2: the event log against the quote (dstack-core's sound replay), the report data,
//! and the app identity decoded from the measured runtime events (docs/PROTOCOL.md §5.4, §6.3).

use dstack_core::eventlog;
use dstack_core::quote::Quote as CoreQuote;
use sha2::{Digest, Sha256};

use crate::attestation::RuntimeEvent;
use crate::error::{Check, Error, Result};

/// The app's identity, decoded from the runtime events measured into RTMR3 before
/// `system-ready` (later events are under the app's control), with the aggregate
/// measurements dstack derives. Field meanings are those of upstream dstack-verifier's
/// `details.app_info`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppInfo {
    /// Payload of the `app-id` event (20 bytes).
    pub app_id: Vec<u8>,
    /// Payload of the `compose-hash` event: SHA-256 of the app-compose.json the CVM ran.
    pub compose_hash: Vec<u8>,
    /// Payload of the `instance-id` event (empty when the app disables instance ids).
    pub instance_id: Vec<u8>,
    /// SHA-256 of the platform's PPID from the Intel-verified PCK certificate; SHA-256 of
    /// the empty string when the Intel signature was not verified.
    pub device_id: [u8; 32],
    /// The raw `key-provider` event payload (JSON `{"name":…,"id":…}`).
    pub key_provider_info: Vec<u8>,
    /// `name` of the key provider (`kms`, `local`, `none`, …); empty if absent.
    pub key_provider_name: String,
    /// `id` of the key provider (for `kms`, hex of the KMS CA's public key); empty if absent.
    pub key_provider_id: String,
    /// Payload of the `os-image-hash` event (measured; see README for the difference from
    /// upstream, which reads it from vm_config after recomputing the image measurements).
    pub os_image_hash: Vec<u8>,
    /// SHA-256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ SHA-256(key-provider payload) or 32 zeros).
    pub mr_system: [u8; 32],
    /// SHA-256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ RTMR3), with MRCONFIGID ‖ MROWNER ‖
    /// MROWNERCONFIG appended when any of them is non-zero.
    pub mr_aggregated: [u8; 32],
    /// Payloads of the `init-script-hash` events, in order.
    pub init_script_hashes: Vec<Vec<u8>>,
    /// Whether the log holds `system-ready` (if not, every event counts as the system's).
    pub system_ready: bool,
}

/// The inputs of app verification.
pub(crate) struct AppEvidence<'a> {
    pub quote: &'a [u8],
    pub event_log_json: &'a [u8],
    /// The attestation's own runtime-event list, which must equal the log's.
    pub runtime_events: Option<&'a [RuntimeEvent]>,
    /// The report data the attestation states, which must equal the quote's.
    pub stated_report_data: Option<[u8; 64]>,
    /// Certificates carry a log stripped to RTMR3 (and the ACPI DATA events): only RTMR3
    /// can be replayed.
    pub rtmr3_only: bool,
    pub ppid: &'a [u8],
}

/// What app verification established.
pub(crate) struct AppOutcome {
    pub rtmrs_verified: [bool; 4],
    pub runtime_events: Vec<RuntimeEvent>,
    pub app: AppInfo,
}

fn log_err(i: usize, e: dstack_core::Error) -> Error {
    Error::new(
        Check::EventLogFormat,
        format!("event {i} of the event log is malformed: {e}"),
    )
}

fn is_acpi_data(e: &eventlog::Event<'_>) -> bool {
    e.imr() == 0 && e.event_type() == 10 && e.payload_hex() == "414350492044415441"
}

pub(crate) fn verify(ev: &AppEvidence<'_>) -> Result<AppOutcome> {
    let q = CoreQuote::parse(ev.quote).map_err(|e| match e {
        dstack_core::Error::InvalidArgument(why) => Error::mismatch(
            Check::Unsupported,
            format!("app verification needs a TDX quote: {why}"),
            "a TDX quote (tee_type 0x81)",
            "an SGX quote",
        ),
        e => Error::new(
            Check::QuoteFormat,
            format!("the TDX quote does not parse: {e}"),
        ),
    })?;

    // Parse every event first, so a malformed log names the event.
    let mut covered = [false; 4];
    let mut counts = [0usize; 4];
    let mut log_events = Vec::new();
    for (i, e) in eventlog::events(ev.event_log_json).enumerate() {
        let e = e.map_err(|err| log_err(i, err))?;
        let imr = e.imr() as usize;
        counts[imr] += 1;
        if !is_acpi_data(&e) {
            covered[imr] = true;
        }
        if e.imr() == 3 && e.is_runtime() {
            let mut name = vec![0u8; e.name_len()];
            let name = e
                .name(&mut name)
                .map_err(|err| log_err(i, err))?
                .to_string();
            let mut payload = vec![0u8; e.payload_len()];
            e.payload(&mut payload).map_err(|err| log_err(i, err))?;
            log_events.push(RuntimeEvent {
                event: name,
                payload,
                version: e.version(),
            });
        }
    }
    let replayed = eventlog::replay_sound(ev.event_log_json).map_err(|e| {
        Error::new(
            Check::EventLogFormat,
            format!("the event log cannot be replayed: {e}"),
        )
    })?;
    eventlog::check_preimages(ev.event_log_json).map_err(|_| {
        Error::new(
            Check::EventPreimage,
            "a V2 event's preimage is not the canonical encoding of its name and payload",
        )
    })?;
    let quoted = q.rtmrs();
    let mut rtmrs_verified = [false; 4];
    for i in (0..4).rev() {
        let must = i == 3 || (covered[i] && !ev.rtmr3_only);
        if replayed[i] == quoted[i] {
            rtmrs_verified[i] = i == 3 || !ev.rtmr3_only;
        } else if must {
            return Err(Error::mismatch(
                Check::RtmrReplay,
                format!(
                    "replaying the {} RTMR{i} events of the log does not give the quote's RTMR{i}",
                    counts[i]
                ),
                hex::encode(quoted[i]),
                hex::encode(replayed[i]),
            ));
        }
    }

    if let Some(stated) = ev.runtime_events {
        if stated.len() != log_events.len() {
            return Err(Error::mismatch(
                Check::RuntimeEvents,
                "the attestation's runtime events differ from the RTMR3 runtime events of its \
                 event log",
                format!("{} events (the log's)", log_events.len()),
                format!("{} events", stated.len()),
            ));
        }
        for (i, (a, b)) in stated.iter().zip(&log_events).enumerate() {
            if a.event != b.event || a.payload != b.payload || a.version != b.version {
                return Err(Error::mismatch(
                    Check::RuntimeEvents,
                    format!("runtime event {i} differs from the event log's"),
                    format!("{:?} payload {}", b.event, hex::encode(&b.payload)),
                    format!("{:?} payload {}", a.event, hex::encode(&a.payload)),
                ));
            }
        }
    }

    if let Some(stated) = ev.stated_report_data {
        if &stated != q.report_data() {
            return Err(Error::mismatch(
                Check::AttestationReportData,
                "the report data the attestation states differs from the quote's",
                hex::encode(q.report_data()),
                hex::encode(stated),
            ));
        }
    }

    let app = identity(&q, &replayed[3], &log_events, ev.ppid);
    Ok(AppOutcome {
        rtmrs_verified,
        runtime_events: log_events,
        app,
    })
}

fn identity(q: &CoreQuote<'_>, rtmr3: &[u8; 48], events: &[RuntimeEvent], ppid: &[u8]) -> AppInfo {
    let ready = events.iter().position(|e| e.event == "system-ready");
    let system = &events[..ready.unwrap_or(events.len())];
    let find = |name: &str| {
        system
            .iter()
            .find(|e| e.event == name)
            .map(|e| e.payload.clone())
            .unwrap_or_default()
    };
    let key_provider_info = find("key-provider");
    let (name, id) = key_provider_fields(&key_provider_info);
    let mr_key_provider: [u8; 32] = if key_provider_info.is_empty() {
        [0; 32]
    } else {
        Sha256::digest(&key_provider_info).into()
    };
    let rtmrs = q.rtmrs();
    let mut h = Sha256::new();
    for part in [
        &q.mrtd()[..],
        &rtmrs[0],
        &rtmrs[1],
        &rtmrs[2],
        &mr_key_provider,
    ] {
        h.update(part);
    }
    let mr_system: [u8; 32] = h.finalize().into();
    let mut h = Sha256::new();
    for part in [&q.mrtd()[..], &rtmrs[0], &rtmrs[1], &rtmrs[2], &rtmr3[..]] {
        h.update(part);
    }
    let (cfg, owner, owner_cfg) = (q.mr_config_id(), q.mr_owner(), q.mr_owner_config());
    if [cfg, owner, owner_cfg]
        .iter()
        .any(|m| m.iter().any(|&b| b != 0))
    {
        h.update(cfg);
        h.update(owner);
        h.update(owner_cfg);
    }
    let mr_aggregated: [u8; 32] = h.finalize().into();
    AppInfo {
        app_id: find("app-id"),
        compose_hash: find("compose-hash"),
        instance_id: find("instance-id"),
        device_id: Sha256::digest(ppid).into(),
        key_provider_name: name,
        key_provider_id: id,
        key_provider_info,
        os_image_hash: find("os-image-hash"),
        mr_system,
        mr_aggregated,
        init_script_hashes: system
            .iter()
            .filter(|e| e.event == "init-script-hash")
            .map(|e| e.payload.clone())
            .collect(),
        system_ready: ready.is_some(),
    }
}

/// `name` and `id` of a key-provider payload; empty strings when it is not that JSON.
fn key_provider_fields(payload: &[u8]) -> (String, String) {
    #[derive(serde::Deserialize)]
    struct Kp {
        #[serde(default)]
        name: String,
        #[serde(default)]
        id: serde_json::Value,
    }
    match serde_json::from_slice::<Kp>(payload) {
        Ok(kp) => {
            let id = match kp.id {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (kp.name, id)
        }
        Err(_) => (String::new(), String::new()),
    }
}
