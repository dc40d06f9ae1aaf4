"""libdstack Python demo: app info, a key with a verified signature chain, a Sign
result checked locally, and a quote whose event log is replayed soundly and
checked against the quote.

Run against the bundled simulator:
    cargo build --release -p dstack-ffi -p dstack-simulator
    target/release/dstack-simulator --dir /tmp/sim --app-id 5bb4ff9a3837357f19dc176407a5709c62eb6c56 --app-keys testdata/fixtures/simulator_appkeys.json &
    pip install ./bindings/python
    DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock python examples/python/demo.py [TRUSTED_KMS_KEY_HEX]
"""

import sys

from dstack_sdk import DstackClient, DstackError, verify_signature


def main() -> int:
    trusted_kms_key = sys.argv[1] if len(sys.argv) > 1 else None
    client = DstackClient()
    if not client.is_reachable():
        print(f"dstack agent not reachable at {client.endpoint}", file=sys.stderr)
        return 1

    info = client.info()
    print("app id:      ", info.app_id)
    print("app name:    ", info.app_name)
    print("compose hash:", info.compose_hash)

    key = client.get_key("demo/wallet", "ethereum")
    chain = key.verify_signature_chain(info.app_id, trusted_kms_key)
    print("key:          derived, public", key.public_key().hex())
    print("chain:        app key", chain.app_public_key.hex())
    print("              kms key", chain.kms_public_key.hex(),
          "(trusted)" if trusted_kms_key else "(compare with the KMS key you trust)")

    signed = client.sign("secp256k1", "demo message")
    if not verify_signature("secp256k1", "demo message", signed.signature, signed.public_key):
        print("sign:         signature does NOT verify", file=sys.stderr)
        return 1
    print("sign:         signature verified locally, key", signed.public_key)

    quote = client.get_quote(b"libdstack demo")
    rtmrs = quote.verify_event_log(b"libdstack demo")
    print("quote:       ", len(quote.decode_quote()), "bytes; event log replay matches the quote")
    for index, value in rtmrs.items():
        print(f"  rtmr{index}: {value}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DstackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
