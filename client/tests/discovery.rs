//! Endpoint discovery from the environment, in a test binary of its own: it sets
//! process environment variables, which no other test may race with.

mod common;

use common::*;
use libdstack::{DstackClient, TappdClient};

#[test]
fn discovery_from_the_environment() {
    let sim = Sim::start();
    std::env::set_var("DSTACK_SIMULATOR_ENDPOINT", sim.dstack());
    std::env::set_var("TAPPD_SIMULATOR_ENDPOINT", sim.tappd());
    let c = DstackClient::new(None);
    let t = TappdClient::default();
    std::env::remove_var("DSTACK_SIMULATOR_ENDPOINT");
    std::env::remove_var("TAPPD_SIMULATOR_ENDPOINT");
    assert_eq!(c.endpoint(), sim.dstack());
    assert_eq!(t.endpoint(), sim.tappd());
    assert_eq!(c.get_key("a", "p").unwrap().key.to_hex().as_str(), KEY_AP);
    assert!(t.is_reachable());

    // Unset or empty: the first existing well-known socket, else /var/run/dstack.sock.
    std::env::set_var("DSTACK_SIMULATOR_ENDPOINT", "");
    let known = [
        "/var/run/dstack.sock",
        "/run/dstack.sock",
        "/var/run/dstack/dstack.sock",
        "/run/dstack/dstack.sock",
    ];
    let ep = DstackClient::new(None).endpoint().to_string();
    std::env::remove_var("DSTACK_SIMULATOR_ENDPOINT");
    assert!(known.contains(&ep.as_str()), "{ep}");
    assert!(TappdClient::new(Some(""))
        .endpoint()
        .ends_with("tappd.sock"));
    // An explicit endpoint wins over the environment.
    std::env::set_var("DSTACK_SIMULATOR_ENDPOINT", sim.dstack());
    assert_eq!(DstackClient::new(Some("/x.sock")).endpoint(), "/x.sock");
    std::env::remove_var("DSTACK_SIMULATOR_ENDPOINT");
}
