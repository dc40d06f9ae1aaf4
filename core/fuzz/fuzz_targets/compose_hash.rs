//! Compose canonicalization: no panic; hash == SHA-256 of the canonical text; the
//! canonical text is a fixed point; buffer sizing is exact.
#![no_main]
use dstack_core::compose;
use dstack_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let normalize = data.first().is_some_and(|b| b & 1 == 1);
    let mut scratch = [0u8; 4096];
    let mut out = [0u8; 8192];
    let need = compose::compose_scratch_len(data);
    let canon = compose::compose_canonical_json(data, normalize, &mut scratch, &mut out);
    let hash = compose::compose_hash(data, normalize, &mut scratch);
    match (&canon, &hash) {
        (Ok(n), Ok(h)) => {
            assert!(need.is_ok());
            let text = out[..*n].to_vec();
            assert_eq!(&compose::compose_hash_raw(&text), h);
            let mut again = [0u8; 8192];
            let m =
                compose::compose_canonical_json(&text, false, &mut scratch, &mut again).unwrap();
            assert_eq!(&again[..m], &text[..]);
        }
        (Err(Error::BufferTooSmall { needed }), Ok(_)) => assert!(*needed > out.len()),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("canonical {canon:?} vs hash {hash:?}"),
    }
});
