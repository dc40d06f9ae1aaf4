//! Collateral JSON: any bytes parse into collateral with an ordered-or-empty window, or give
//! a collateral_format error; the PCCS answer assembly never panics either.
#![no_main]
use dstack_verify::{collateral, Check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match collateral::parse(data) {
        Ok(c) => {
            let _ = c.check_time(c.valid_from);
            let _ = c.check_time(u64::MAX);
        }
        Err(e) => assert_eq!(e.check, Check::CollateralFormat),
    }
    // The same bytes as every PCCS answer.
    let plan = collateral::PccsPlan {
        tee: "tdx",
        fmspc: "00906ED50000".into(),
        ca: "processor",
        pck_certificate_chain: String::new(),
    };
    let text = String::from_utf8_lossy(data).into_owned();
    let answers = collateral::PccsAnswers {
        pck_crl: data.to_vec(),
        pck_crl_issuer_chain: text.clone(),
        tcb_info: data.to_vec(),
        tcb_info_issuer_chain: text.clone(),
        qe_identity: data.to_vec(),
        qe_identity_issuer_chain: text,
        root_ca_crl: data.to_vec(),
    };
    let _ = collateral::collateral_from_pccs(&plan, &answers);
});
