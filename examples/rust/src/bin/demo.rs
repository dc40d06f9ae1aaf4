//! Demo of libdstack for Rust (blocking client): prints the CVM info, a derived key with
//! its signature chain verified back to the KMS, a signature checked locally, and a quote
//! whose event log is replayed and checked against it.
//!
//!     dstack-simulator --dir /tmp/sim &   # or run inside a dstack CVM
//!     DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock \
//!         cargo run -p libdstack-examples --bin libdstack-demo [trusted-kms-key-hex]

use libdstack::{verify, DstackClient, HexBytes};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = DstackClient::new(None);
    println!("endpoint:     {}", client.endpoint());

    let info = client.info()?;
    println!("app_id:       {}", info.app_id);
    println!("app_name:     {}", info.app_name);
    println!("compose_hash: {}", info.compose_hash);

    let key = client.get_key("demo/wallet", "ethereum")?;
    // Key material is never printed by `Debug`; show only that it is there.
    println!("key:          {:?}", key.key);
    // The trusted KMS key must come from outside the CVM (on-chain or pinned). Without
    // one, the demo shows the key the chain recovers.
    match std::env::args().nth(1) {
        Some(trusted) => {
            let trusted = HexBytes::from_hex(&trusted)?;
            let chain = key.verify_signature_chain(&info.app_id, Some(&trusted))?;
            println!(
                "chain:        verified (app key {}, KMS key {})",
                chain.app_key, chain.kms_key
            );
        }
        None => {
            let chain = key.verify_signature_chain(&info.app_id, None)?;
            println!(
                "chain:        recovers KMS key {}; pass the trusted KMS key (hex) as the first argument to verify it",
                chain.kms_key
            );
        }
    }
    println!("eth address:  {}", key.to_ethereum_address()?);

    let msg = b"libdstack demo";
    let signed = client.sign("secp256k1", msg)?;
    let valid = verify::verify_signature(
        "secp256k1",
        msg,
        &signed.signature[..64],
        &signed.public_key,
    )?;
    if !valid {
        return Err("the agent's signature does not verify".into());
    }
    println!(
        "signature:    verified locally (public key {})",
        signed.public_key
    );

    let quote = client.get_quote(msg)?;
    let rtmrs = quote.replay_rtmrs()?;
    quote.verify_event_log()?;
    println!(
        "quote:        {} bytes; event log replays to the quoted RTMRs",
        quote.quote.len()
    );
    println!("rtmr3:        {}", rtmrs[&3]);
    Ok(())
}
