"""Package smoke test (scripts/smoke.sh): run with the Python of a virtual environment the
wheel was installed into, it makes one GetKey and one GetQuote call to the agent at SOCKET,
checks the answers, and checks that the library loaded is the one inside the package.
usage: python app.py SOCKET
"""

import sys
from pathlib import Path

import dstack_sdk
from dstack_sdk import DstackClient


def main() -> int:
    client = DstackClient(sys.argv[1])
    key = client.get_key("smoke/test", "signing")
    secret = key.decode_key()
    chain = key.decode_signature_chain()
    quote = client.get_quote(b"smoke").decode_quote()
    lib = Path(dstack_sdk.library_path()).resolve()
    package = Path(dstack_sdk.__file__).resolve().parent
    print(
        f"python: dstack_sdk {dstack_sdk.__version__}, libdstack {dstack_sdk.library_version()} "
        f"from {lib}: key {len(secret)} bytes, signature chain {len(chain)}, quote {len(quote)} bytes"
    )
    ok = (
        len(secret) == 32
        and len(chain) == 2
        and len(quote) > 0
        and lib.parent == package
        and dstack_sdk.library_version() == dstack_sdk.__version__
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
