"""Package smoke test (scripts/smoke.sh): offline verification through the libdstack_verify.so
inside the installed wheel (dstack_sdk.verify): the real Intel TDX quote QUOTE with its
collateral COLLATERAL at NOW (inside the collateral's window) must be UpToDate.
usage: python verify.py QUOTE COLLATERAL NOW
"""

import sys
from pathlib import Path

import dstack_sdk
from dstack_sdk import verify


def main() -> int:
    quote = Path(sys.argv[1]).read_bytes()
    collateral = Path(sys.argv[2]).read_bytes()
    v = verify.verify_quote(quote, collateral=collateral, now=int(sys.argv[3]))
    lib = Path(verify.library_path()).resolve()
    package = Path(dstack_sdk.__file__).resolve().parent
    if lib.parent != package:
        print(f"python: libdstack_verify loaded from {lib}, not from the package {package}")
        return 1
    print(f"python: verified the TDX quote offline: tcb_status {v.tcb_status} ({lib.name} in the wheel)")
    return 0 if v.tcb_status == "UpToDate" and v.quote_verified else 1


if __name__ == "__main__":
    sys.exit(main())
