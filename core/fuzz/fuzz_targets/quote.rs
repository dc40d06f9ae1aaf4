//! Quote parsing: any bytes give a quote whose accessors stay in bounds, or an error.
#![no_main]
use dstack_core::quote::Quote;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = Quote::parse(data) {
        let _ = (
            q.version(),
            q.attestation_key_type(),
            q.tee_type(),
            q.qe_svn(),
            q.pce_svn(),
        );
        let _ = (
            q.qe_vendor_id(),
            q.user_data(),
            q.tee_tcb_svn(),
            q.mr_seam(),
            q.mr_signer_seam(),
        );
        let _ = (
            q.seam_attributes(),
            q.td_attributes(),
            q.xfam(),
            q.mrtd(),
            q.mr_config_id(),
        );
        let _ = (
            q.mr_owner(),
            q.mr_owner_config(),
            q.rtmrs(),
            q.report_data(),
            q.tee_tcb_svn2(),
        );
        let _ = (
            q.mr_service_td(),
            q.auth_data(),
            q.trailing(),
            q.signed_data(),
            q.rtmr(4),
        );
        assert_eq!(
            q.signed_data().len() + 4 + q.auth_data().len() + q.trailing().len(),
            data.len()
        );
    }
});
