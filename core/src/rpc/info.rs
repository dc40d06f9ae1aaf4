//! The `Info` answer (docs/PROTOCOL.md §2.4) and the `tcb_info` JSON it carries.
//!
//! One view serves every agent generation: v0.5.3+ `AppInfo`, v0.4.2–v0.5.2 `WorkerInfo`
//! (`mr_image` instead of `os_image_hash`) and the 0.3.x tappd `WorkerInfo` (only
//! `app_id`, `instance_id`, `app_cert`, `tcb_info`, `app_name`). Fields a generation does
//! not send read as `""` / empty.

use super::View;
use crate::error::{Error, Result};
use crate::json::{self, opt_hex, opt_str, req_hex, req_str, Scratch, Value};

/// The `Info` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoResponse<'a> {
    /// App id (20 bytes on current agents).
    pub app_id: &'a [u8],
    /// Instance id (20 bytes, or empty with `no_instance_id`).
    pub instance_id: &'a [u8],
    /// The demo certificate PEM; `""` until the agent has one.
    pub app_cert: &'a str,
    /// The TCB info: pretty-printed JSON text, `""` when not published (external
    /// listener without `public_tcbinfo`). Parse it with [`TcbInfo::parse`].
    pub tcb_info: &'a str,
    /// App name from app-compose.
    pub app_name: &'a str,
    /// Device id (`sha256("")` on current agents).
    pub device_id: &'a [u8],
    /// Aggregated measurement (32 bytes); empty from older agents.
    pub mr_aggregated: &'a [u8],
    /// OS image hash (`mr_image` on v0.4.2–v0.5.2); empty from older agents.
    pub os_image_hash: &'a [u8],
    /// Key provider JSON text (`{"name":"kms","id":"…"}`); `""` from older agents.
    pub key_provider_info: &'a str,
    /// Compose hash (32 bytes); empty from older agents.
    pub compose_hash: &'a [u8],
    /// VM configuration JSON text; `""` from older agents.
    pub vm_config: &'a str,
    /// DMI system vendor; `""` from older agents.
    pub cloud_vendor: &'a str,
    /// DMI product name; `""` from older agents.
    pub cloud_product: &'a str,
}

impl<'a> View<'a> for InfoResponse<'a> {
    /// Parses a 200 body; `scratch.len() >= body.len()` always suffices. `app_id` and
    /// `tcb_info` are required (every generation sends them); the rest default.
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [app_id, instance_id, app_cert, tcb_info, app_name, device_id, mr_aggregated, os_image_hash, mr_image, key_provider_info, compose_hash, vm_config, cloud_vendor, cloud_product] =
            json::fields(
                body,
                [
                    "app_id",
                    "instance_id",
                    "app_cert",
                    "tcb_info",
                    "app_name",
                    "device_id",
                    "mr_aggregated",
                    "os_image_hash",
                    "mr_image",
                    "key_provider_info",
                    "compose_hash",
                    "vm_config",
                    "cloud_vendor",
                    "cloud_product",
                ],
            )?;
        let mut s = Scratch::new(scratch, body.len());
        let os_image_hash = match json::optional(os_image_hash) {
            Some(v) => json::as_hex(v, &mut s)?,
            None => opt_hex(mr_image, &mut s)?,
        };
        Ok(InfoResponse {
            app_id: req_hex(app_id, &mut s)?,
            instance_id: opt_hex(instance_id, &mut s)?,
            app_cert: opt_str(app_cert, &mut s)?,
            tcb_info: req_str(tcb_info, &mut s)?,
            app_name: opt_str(app_name, &mut s)?,
            device_id: opt_hex(device_id, &mut s)?,
            mr_aggregated: opt_hex(mr_aggregated, &mut s)?,
            os_image_hash,
            key_provider_info: opt_str(key_provider_info, &mut s)?,
            compose_hash: opt_hex(compose_hash, &mut s)?,
            vm_config: opt_str(vm_config, &mut s)?,
            cloud_vendor: opt_str(cloud_vendor, &mut s)?,
            cloud_product: opt_str(cloud_product, &mut s)?,
        })
    }
}

/// The parsed `tcb_info` of an `Info` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcbInfo<'a> {
    /// MRTD.
    pub mrtd: [u8; 48],
    /// RTMR0.
    pub rtmr0: [u8; 48],
    /// RTMR1.
    pub rtmr1: [u8; 48],
    /// RTMR2.
    pub rtmr2: [u8; 48],
    /// RTMR3.
    pub rtmr3: [u8; 48],
    /// Aggregated measurement; empty on 0.3/0.4 agents.
    pub mr_aggregated: &'a [u8],
    /// OS image hash; empty on older agents.
    pub os_image_hash: &'a [u8],
    /// Compose hash; empty on older agents.
    pub compose_hash: &'a [u8],
    /// Device id; empty on older agents.
    pub device_id: &'a [u8],
    /// Root filesystem hash of 0.3 agents; empty otherwise.
    pub rootfs_hash: &'a [u8],
    /// The raw app-compose.json text; `""` when absent.
    pub app_compose: &'a str,
    /// The full (unstripped) event log as JSON array text, for the `eventlog` module.
    pub event_log: &'a str,
}

impl<'a> TcbInfo<'a> {
    /// Parses `InfoResponse::tcb_info`; `scratch.len() >= text.len()` always suffices.
    /// An empty `tcb_info` (not published) is `MalformedResponse`.
    pub fn parse(text: &'a str, scratch: &'a mut [u8]) -> Result<Self> {
        let body = text.as_bytes();
        let [mrtd, rtmr0, rtmr1, rtmr2, rtmr3, mr_aggregated, os_image_hash, compose_hash, device_id, rootfs_hash, app_compose, event_log] =
            json::fields(
                body,
                [
                    "mrtd",
                    "rtmr0",
                    "rtmr1",
                    "rtmr2",
                    "rtmr3",
                    "mr_aggregated",
                    "os_image_hash",
                    "compose_hash",
                    "device_id",
                    "rootfs_hash",
                    "app_compose",
                    "event_log",
                ],
            )?;
        let mut s = Scratch::new(scratch, body.len());
        let mr = |v: Option<Value<'a>>, s: &mut Scratch<'a>| {
            json::as_hex_array::<48>(json::required(v)?, s)
        };
        let event_log = match json::required(event_log)? {
            // The array text is a slice of `text` between ASCII brackets: valid UTF-8.
            Value::Arr(raw) => core::str::from_utf8(raw).map_err(|_| Error::MalformedResponse)?,
            // Tolerate an agent that embeds the log as a JSON string.
            v @ Value::Str(_) => json::as_str(v, &mut s)?,
            _ => return Err(Error::MalformedResponse),
        };
        Ok(TcbInfo {
            mrtd: mr(mrtd, &mut s)?,
            rtmr0: mr(rtmr0, &mut s)?,
            rtmr1: mr(rtmr1, &mut s)?,
            rtmr2: mr(rtmr2, &mut s)?,
            rtmr3: mr(rtmr3, &mut s)?,
            mr_aggregated: opt_hex(mr_aggregated, &mut s)?,
            os_image_hash: opt_hex(os_image_hash, &mut s)?,
            compose_hash: opt_hex(compose_hash, &mut s)?,
            device_id: opt_hex(device_id, &mut s)?,
            rootfs_hash: opt_hex(rootfs_hash, &mut s)?,
            app_compose: opt_str(app_compose, &mut s)?,
            event_log,
        })
    }
}
