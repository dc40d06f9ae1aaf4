"""The generated Python prototypes (bindings/python/src/dstack_sdk/_abi.py) bind every
export of libdstack and work for real calls. Standard library only.

    python3 check_ctypes.py LIBDSTACK EXPORTS_FILE

EXPORTS_FILE lists the library's exported `dstack_*` symbols (from nm): the header, and so
the prototypes, must cover exactly those.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    "_abi", os.path.join(ROOT, "bindings/python/src/dstack_sdk/_abi.py")
)
abi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(abi)

lib_path, exports_path = sys.argv[1], sys.argv[2]
with open(exports_path) as f:
    exports = {line.strip() for line in f if line.strip()}
checks = 0


def check(cond: bool, what: str) -> None:
    global checks
    if not cond:
        sys.exit(f"check_ctypes: FAILED: {what}")
    checks += 1


declared = set(abi.PROTOTYPES)
check(not exports - declared, f"exported but not in the header: {sorted(exports - declared)}")
check(not declared - exports, f"in the header but not exported: {sorted(declared - exports)}")

lib = ctypes.CDLL(lib_path)
for name, (restype, argtypes) in abi.PROTOTYPES.items():
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = restype, argtypes
check(lib.dstack_version().decode() == abi.HEADER_VERSION, "dstack_version()")

raw = b"app-compose bytes"
out = (ctypes.c_uint8 * 32)()
st = lib.dstack_compose_hash_raw(raw, len(raw), out, None)
check(st == abi.Status.OK, f"compose_hash_raw: {abi.STATUS_NAMES.get(st)}")
check(bytes(out) == hashlib.sha256(raw).digest(), "compose_hash_raw = sha256")

err = ctypes.c_void_p()
st = lib.dstack_compose_hash(b"[", 1, False, out, ctypes.byref(err))
check(abi.STATUS_NAMES[st] == "INVALID_ARGUMENT", f"not JSON: {abi.STATUS_NAMES.get(st)}")
check(lib.dstack_error_status(err) == st, "dstack_error_status")
check(lib.dstack_error_message(err).tobytes() != b"", "dstack_error_message (Slice.tobytes)")
lib.dstack_error_free(err)

log = json.dumps([{"imr": 3, "event_type": 134217729, "digest": "", "event": "app-id",
                   "event_payload": "c0ffee"}]).encode()
handle = ctypes.c_void_p()
check(lib.dstack_event_log_parse(log, len(log), ctypes.byref(handle), None) == abi.Status.OK,
      "event_log_parse")
ev = abi.Event()
check(lib.dstack_event_log_get(handle, 0, ctypes.byref(ev), None) == abi.Status.OK, "get")
check((ev.imr, ev.event_type) == (3, 0x08000001), "imr, event_type")
check(ev.event.tobytes() == b"app-id" and ev.event_payload.tobytes() == b"\xc0\xff\xee",
      "event name and payload")
lib.dstack_event_log_free(handle)

check(abi.FIELD_KINDS[abi.Field.SIGNATURE_CHAIN] == "list_of_bytes", "FIELD_KINDS")
check("dstack_client_get_key" in abi.BLOCKING and "dstack_compose_hash" not in abi.BLOCKING,
      "BLOCKING")
print(f"ctypes: _abi.py binds all {len(declared)} exports; {checks} checks passed")
