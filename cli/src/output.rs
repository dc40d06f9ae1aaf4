//! Human-readable and JSON renderings of results and failures, and the output macros.

/// `print!` to standard output, where a closed pipe (`dstack … | head`) ends the output
/// quietly instead of panicking; the exit status stays the command's.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `println!` as [`out!`].
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

use std::fmt::Write;

use dstack_verify as dv;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn or_none(b: &[u8]) -> String {
    if b.is_empty() {
        "(none)".into()
    } else {
        hex(b)
    }
}

/// The result, one fact a line.
pub fn human(v: &dv::Verification) -> String {
    let mut s = String::new();
    let what = match v.evidence {
        dv::Evidence::Quote => "quote",
        dv::Evidence::GetQuote => "GetQuote answer",
        dv::Evidence::AttestationV0 => "attestation (V0 SCALE)",
        dv::Evidence::AttestationV1 => "attestation (V1 msgpack)",
        dv::Evidence::RaTlsCert => "RA-TLS certificate",
    };
    let tee = match v.tee {
        dv::Tee::Tdx => "TDX",
        dv::Tee::Sgx => "SGX",
    };
    let _ = writeln!(s, "VERIFIED {what} ({tee} quote v{})", v.quote_version);
    let row = |s: &mut String, k: &str, val: &str| {
        let _ = writeln!(s, "  {k:<24} {val}");
    };
    if v.intel_signature_verified {
        let status = v.tcb_status.map(|t| t.name()).unwrap_or("?");
        row(
            &mut s,
            "Intel signature",
            "verified (DCAP, pinned Intel SGX Root CA)",
        );
        row(
            &mut s,
            "TCB status",
            &format!("{status} (accepted: {})", v.policy.names().join(", ")),
        );
        if !v.advisory_ids.is_empty() {
            row(&mut s, "advisories", &v.advisory_ids.join(", "));
        }
        if let (Some(f), Some(u)) = (v.collateral_valid_from, v.collateral_valid_until) {
            row(
                &mut s,
                "collateral valid",
                &format!("{} to {}", dv::format_unix(f), dv::format_unix(u)),
            );
        }
    } else {
        row(
            &mut s,
            "Intel signature",
            "NOT VERIFIED (--insecure-skip-intel-signature: development only)",
        );
    }
    row(&mut s, "verified at", &dv::format_unix(v.now));
    let rd = if v.report_data_checked {
        " (matches)"
    } else {
        ""
    };
    row(
        &mut s,
        "report data",
        &format!("{}{rd}", hex(&v.report_data)),
    );
    match &v.body {
        dv::QuoteBody::Td {
            mrtd,
            rtmrs,
            td_attributes,
            ..
        } => {
            row(&mut s, "MRTD", &hex(mrtd));
            for (i, r) in rtmrs.iter().enumerate() {
                let mark = if v.rtmrs_verified[i] {
                    " (replayed)"
                } else {
                    ""
                };
                row(&mut s, &format!("RTMR{i}"), &format!("{}{mark}", hex(r)));
            }
            row(&mut s, "TD attributes", &hex(td_attributes));
        }
        dv::QuoteBody::Enclave {
            mr_enclave,
            mr_signer,
            isv_prod_id,
            isv_svn,
            ..
        } => {
            row(&mut s, "MRENCLAVE", &hex(mr_enclave));
            row(&mut s, "MRSIGNER", &hex(mr_signer));
            row(
                &mut s,
                "ISV prod id / svn",
                &format!("{isv_prod_id} / {isv_svn}"),
            );
        }
    }
    if let Some(a) = &v.app {
        let _ = writeln!(s, "app");
        row(&mut s, "app_id", &or_none(&a.app_id));
        row(&mut s, "compose_hash", &or_none(&a.compose_hash));
        row(&mut s, "instance_id", &or_none(&a.instance_id));
        row(&mut s, "device_id", &hex(&a.device_id));
        let kp = if a.key_provider_name.is_empty() {
            "(none)".to_string()
        } else {
            format!("{} {}", a.key_provider_name, a.key_provider_id)
        };
        row(&mut s, "key provider", &kp);
        row(&mut s, "os_image_hash", &or_none(&a.os_image_hash));
        row(&mut s, "mr_system", &hex(&a.mr_system));
        row(&mut s, "mr_aggregated", &hex(&a.mr_aggregated));
        for h in &a.init_script_hashes {
            row(&mut s, "init_script_hash", &hex(h));
        }
        row(
            &mut s,
            "runtime events",
            &v.runtime_events.len().to_string(),
        );
    }
    if let Some(c) = &v.certificate {
        let _ = writeln!(s, "certificate");
        row(&mut s, "subject", &c.subject);
        row(&mut s, "issuer (not checked)", &c.issuer);
        row(
            &mut s,
            "key bound",
            "report data = SHA-512(\"ratls-cert:\" ‖ SubjectPublicKeyInfo)",
        );
        if let Some(u) = &c.usage {
            row(&mut s, "usage", u);
        }
    }
    s
}

/// A failure: the check, the sentence, the compared values.
pub fn failure_text(e: &dv::Error) -> String {
    let mut s = format!("FAILED {}: {}\n", e.check, e.message);
    if let Some(x) = &e.expected {
        let _ = writeln!(s, "  expected: {x}");
    }
    if let Some(x) = &e.actual {
        let _ = writeln!(s, "  got:      {x}");
    }
    s
}

/// A failure as JSON.
pub fn failure_json(e: &dv::Error) -> serde_json::Value {
    serde_json::json!({
        "valid": false,
        "check": e.check.name(),
        "message": e.message,
        "expected": e.expected,
        "actual": e.actual,
    })
}
