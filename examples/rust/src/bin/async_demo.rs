//! The official `dstack-sdk` crate's async usage, on libdstack: the same calls, with the
//! crate renamed (`dstack_sdk` → `libdstack`, `dstack_sdk_types::dstack` →
//! `libdstack::dstack_client`). The few lines that differ are marked `// differs:`;
//! libdstack's README lists every difference.
//!
//!     DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock \
//!         cargo run -p libdstack-examples --bin libdstack-async-demo

use libdstack::dstack_client::{DstackClient, TlsKeyConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The default endpoint: DSTACK_SIMULATOR_ENDPOINT, else /var/run/dstack.sock.
    let client = DstackClient::new(None);

    let info = client.info().await?;
    println!("app id:        {}", info.app_id);
    println!("instance id:   {}", info.instance_id);
    println!("app name:      {}", info.app_name);
    println!("compose hash:  {}", info.compose_hash);
    println!("tcb mrtd:      {}", info.tcb_info.mrtd);

    let response = client
        .get_key(Some("my-app".to_string()), Some("encryption".to_string()))
        .await?;
    // differs: `key` is secret bytes (no Display); `len()` counts bytes, not hex digits.
    println!("key length:    {} bytes", response.key.len());
    println!("chain length:  {}", response.signature_chain.len());
    let key_bytes = response.decode_key()?;
    println!("decoded key:   {} bytes", key_bytes.len());

    let response = client.get_quote(b"Hello, dstack world!".to_vec()).await?;
    // differs: `len()` counts bytes, not hex digits.
    println!("quote:         {} bytes", response.quote.len());
    println!("event log:     {} characters", response.event_log.len());
    let quote_bytes = response.decode_quote()?;
    println!("decoded quote: {} bytes", quote_bytes.len());
    // differs: the replay is the sound one (runtime events recomputed from payloads).
    for (idx, rtmr) in response.replay_rtmrs()?.iter() {
        println!("  RTMR{idx}: {rtmr}");
    }
    for (i, event) in response.decode_event_log()?.iter().enumerate().take(3) {
        println!(
            "  event {i}: IMR={}, type={}, event='{}'",
            event.imr, event.event_type, event.event
        );
    }

    match client
        .emit_event("AppStart".to_string(), b"Application started".to_vec())
        .await
    {
        Ok(()) => println!("event emitted"),
        Err(e) => println!("event not emitted: {e}"),
    }

    let tls_config = TlsKeyConfig::builder()
        .subject("my-app.example.com")
        .alt_names(vec![
            "www.my-app.com".to_string(),
            "api.my-app.com".to_string(),
        ])
        .usage_server_auth(true)
        .usage_client_auth(false)
        .usage_ra_tls(true)
        .build();
    let response = client.get_tls_key(tls_config).await?;
    println!("tls key:       {} characters of PEM", response.key.len());
    println!("certificates:  {}", response.certificate_chain.len());

    let data = b"my secret message".to_vec();
    let sign_resp = client.sign("secp256k1", data.clone()).await?;
    println!("signature:     {}", sign_resp.signature);
    println!("public key:    {}", sign_resp.public_key);
    // differs: checked locally (the agent's Verify RPC is gone from newer agents).
    let valid = sign_resp.verify(&data)?;
    println!("verified:      {valid}");
    Ok(())
}
