//! Event-log parsing and both replays: no panic, and the iterator agrees with the replay.
#![no_main]
use dstack_core::eventlog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sound = eventlog::replay_sound(data);
    let _ = eventlog::replay_from_digests(data);
    let _ = eventlog::check_preimages(data);
    let _ = eventlog::verify_against_quote(data, data, None);
    let mut all_ok = true;
    let mut buf = [0u8; 256];
    for ev in eventlog::events(data) {
        match ev {
            Ok(ev) => {
                let _ = ev.name(&mut buf);
                let _ = ev.payload(&mut buf);
                let _ = ev.digest(&mut buf);
                let _ = ev.preimage(&mut buf);
                let _ = (
                    ev.name_len(),
                    ev.name_plain(),
                    ev.payload_len(),
                    ev.digest_len(),
                );
                let _ = ev.check_preimage();
                if ev.replay_digest().is_err() {
                    all_ok = false;
                }
            }
            Err(_) => all_ok = false,
        }
    }
    // The sound replay succeeds exactly when every event parses and has a replay digest.
    assert_eq!(sound.is_ok(), all_ok);
});
