//! Compose hashing against `testdata/vectors/compose_hash.json`: byte-equal to the JS
//! SDK's canonical JSON (`js.normalize_*`), as the vectors README requires.

mod common;
use common::*;
use dstack_core::compose::{
    compose_canonical_json, compose_hash, compose_hash_raw, compose_scratch_len,
};
use dstack_core::Error;
use sha2::{Digest, Sha256};

#[test]
fn compose_hash_vectors_match_js() {
    let doc = load("vectors/compose_hash.json");
    let mut n = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let input = case["input_json"].as_str().unwrap().as_bytes();
        let need = compose_scratch_len(input).unwrap();
        assert!(need <= 4 * input.len(), "{id}: scratch bound");
        let mut scratch = vec![0u8; need];
        for (key, normalize) in [("normalize_false", false), ("normalize_true", true)] {
            let js = &case["js"][key];
            if let Some(err) = js["error"].as_str() {
                panic!("{id}: the JS SDK errored ({err}); no case is expected to");
            }
            let want = js["canonical_json"].as_str().unwrap();
            let mut out = vec![0u8; want.len() + 16];
            let len = compose_canonical_json(input, normalize, &mut scratch, &mut out)
                .unwrap_or_else(|e| panic!("{id}/{key}: {e:?}"));
            assert_eq!(
                std::str::from_utf8(&out[..len]).unwrap(),
                want,
                "{id}/{key}"
            );
            let h = compose_hash(input, normalize, &mut scratch).unwrap();
            assert_eq!(tohex(&h), js["hash"].as_str().unwrap(), "{id}/{key} hash");
            // Exact-size output works; one byte less reports the exact need.
            let mut exact = vec![0u8; len];
            assert_eq!(
                compose_canonical_json(input, normalize, &mut scratch, &mut exact),
                Ok(len)
            );
            if len > 0 {
                let mut short = vec![0u8; len - 1];
                assert_eq!(
                    compose_canonical_json(input, normalize, &mut scratch, &mut short),
                    Err(Error::BufferTooSmall { needed: len })
                );
            }
            n += 1;
        }
        // Scratch one byte short of the need is a clear error (when any is needed).
        if need > 0 {
            let mut small = vec![0u8; need - 1];
            assert_eq!(
                compose_hash(input, false, &mut small),
                Err(Error::LimitExceeded),
                "{id}"
            );
        }
    }
    assert_eq!(n, 2 * doc["num_cases"].as_u64().unwrap() as usize);
}

#[test]
fn raw_hash_is_sha256_of_file_bytes() {
    let bytes = std::fs::read(testdata("fixtures/simulator_app-compose.json")).unwrap();
    assert_eq!(compose_hash_raw(&bytes)[..], Sha256::digest(&bytes)[..]);
    // The vectors record the raw-file hash of the same upstream file.
    let doc = load("vectors/compose_hash.json");
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "upstream_simulator_app_compose")
        .unwrap();
    assert_eq!(
        tohex(&compose_hash_raw(&bytes)),
        case["info_raw_file_bytes_sha256"].as_str().unwrap()
    );
    // FIPS 180-2 test vector.
    assert_eq!(
        tohex(&compose_hash_raw(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn malformed_and_deep_inputs() {
    let mut scratch = [0u8; 256];
    for bad in [
        "",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "[1,]",
        "{\"a\":1} x",
        "{'a':1}",
        "{\"a\":01}",
        "\"\\x\"",
        "\"\u{1}\"",
    ] {
        assert!(
            matches!(
                compose_hash(bad.as_bytes(), false, &mut scratch),
                Err(Error::InvalidArgument(_))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        compose_hash(b"{\"a\":\"\xff\"}", false, &mut scratch),
        Err(Error::InvalidArgument(_))
    ));
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(
        compose_hash(deep.as_bytes(), false, &mut scratch),
        Err(Error::LimitExceeded)
    );
    assert_eq!(
        compose_scratch_len(deep.as_bytes()),
        Err(Error::LimitExceeded)
    );
    let ok = "[".repeat(100) + &"]".repeat(100);
    compose_hash(ok.as_bytes(), false, &mut scratch).unwrap();
    // Objects count towards the same nesting bound (128) as arrays.
    let deep_obj = "{\"a\":".repeat(200) + "1" + &"}".repeat(200);
    assert_eq!(
        compose_hash(deep_obj.as_bytes(), false, &mut scratch),
        Err(Error::LimitExceeded)
    );
    let ok_obj = "{\"a\":".repeat(100) + "1" + &"}".repeat(100);
    let mut big = vec![0u8; compose_scratch_len(ok_obj.as_bytes()).unwrap()];
    compose_hash(ok_obj.as_bytes(), false, &mut big).unwrap();
}
