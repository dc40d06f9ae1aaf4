"""cffi reads include/dstack_decls.h as is and calls libdstack through it.

    python check_cffi.py LIBDSTACK CONSTANTS_FROM_C [DSTACK_SOCKET]

CONSTANTS_FROM_C holds `NAME=value` lines printed by a C program compiled against
include/dstack.h: the values cffi parses must be the C compiler's. Results are checked
against independent facts (hashlib, json, the report data sent to the simulator, the
agent's own JSON body), never against libdstack's own earlier output.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import cffi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
lib_path, constants_path = sys.argv[1], sys.argv[2]
socket = sys.argv[3] if len(sys.argv) > 3 else None

with open(os.path.join(ROOT, "include/dstack.abi.json"), encoding="utf-8") as f:
    ABI = json.load(f)
with open(os.path.join(ROOT, "include/dstack_decls.h"), encoding="utf-8") as f:
    DECLS = f.read()

ffi = cffi.FFI()
ffi.cdef(DECLS)  # as is: no preprocessing, no edits
lib = ffi.dlopen(lib_path)

checks = 0


def check(cond: bool, what: str) -> None:
    global checks
    if not cond:
        sys.exit(f"check_cffi: FAILED: {what}")
    checks += 1


# Every function of the JSON is declared, and every constant has the C compiler's value.
for fn in ABI["functions"]:
    check(callable(getattr(lib, fn["name"])), f"{fn['name']} is declared")
with open(constants_path, encoding="utf-8") as f:
    from_c = dict(line.strip().split("=") for line in f if line.strip())
check(len(from_c) >= 60, "the C program printed the constants")
for name, value in from_c.items():
    check(getattr(lib, name) == int(value), f"{name}: cffi {getattr(lib, name)}, C {value}")

OK = lib.DSTACK_STATUS_OK


def status_ok(st: int, what: str) -> None:
    check(st == OK, f"{what}: status {st}")


# dstack_version: the string the header was generated for.
check(ffi.string(lib.dstack_version()).decode() == ABI["version"], "dstack_version()")

# A pure function with a fixed-size output: SHA-256 of raw bytes.
raw = b'{"services": {"web": {"image": "nginx"}}}\n'
out_hash = ffi.new("uint8_t[32]")
status_ok(lib.dstack_compose_hash_raw(raw, len(raw), out_hash, ffi.NULL), "compose_hash_raw")
check(bytes(out_hash) == hashlib.sha256(raw).digest(), "compose_hash_raw = sha256")

# An output buffer: too small first (the needed size comes back), then right.
doc = {"z": [3, {"b": 1, "a": "x"}], "a": {"y": True, "x": None}, "m": "text"}
text = json.dumps(doc).encode()
expected = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
out_len = ffi.new("size_t *")
st = lib.dstack_compose_canonical_json(text, len(text), False, ffi.NULL, 0, out_len, ffi.NULL)
check(st == lib.DSTACK_STATUS_BUFFER_TOO_SMALL, f"cap 0 gives BUFFER_TOO_SMALL (got {st})")
check(out_len[0] == len(expected), f"needed size {out_len[0]} = {len(expected)}")
buf = ffi.new("uint8_t[]", out_len[0])
status_ok(lib.dstack_compose_canonical_json(text, len(text), False, buf, out_len[0], out_len,
                                            ffi.NULL), "compose_canonical_json")
check(ffi.buffer(buf, out_len[0])[:] == expected, "canonical JSON = sorted, compact json.dumps")
status_ok(lib.dstack_compose_hash(text, len(text), False, out_hash, ffi.NULL), "compose_hash")
check(bytes(out_hash) == hashlib.sha256(expected).digest(), "compose_hash = sha256(canonical)")

# The error out-parameter: a handle with the status and a message, freed by its _free.
err = ffi.new("dstack_error **")
st = lib.dstack_compose_hash(b"not json", 8, False, out_hash, err)
check(st == lib.DSTACK_STATUS_INVALID_ARGUMENT, f"not JSON gives INVALID_ARGUMENT (got {st})")
check(err[0] != ffi.NULL, "*out_error is set on failure")
check(lib.dstack_error_status(err[0]) == st, "dstack_error_status")
msg = lib.dstack_error_message(err[0])
check(msg.len > 0 and len(ffi.buffer(msg.ptr, msg.len)[:]) == msg.len, "dstack_error_message")
lib.dstack_error_free(err[0])
check(ffi.string(lib.dstack_status_message(st)) != b"", "dstack_status_message")

# An owned handle and a struct out-parameter borrowed from it.
log = json.dumps([{"imr": 1, "event_type": 2, "digest": "ab" * 48, "event": "e1",
                   "event_payload": "0102"}]).encode()
out_log = ffi.new("dstack_event_log **")
status_ok(lib.dstack_event_log_parse(log, len(log), out_log, ffi.NULL), "event_log_parse")
check(lib.dstack_event_log_count(out_log[0]) == 1, "one event")
ev = ffi.new("dstack_event *")
status_ok(lib.dstack_event_log_get(out_log[0], 0, ev, ffi.NULL), "event_log_get")
check((ev.imr, ev.event_type, ev.version) == (1, 2, 1), "imr, event_type, default version")
check(ffi.buffer(ev.digest.ptr, ev.digest.len)[:] == b"\xab" * 48, "digest decoded from hex")
check(ffi.buffer(ev.event.ptr, ev.event.len)[:] == b"e1", "event name")
check(ffi.buffer(ev.event_payload.ptr, ev.event_payload.len)[:] == b"\x01\x02", "payload")
lib.dstack_event_log_free(out_log[0])


def read_field(resp, short: str, kind: str):
    """A response field read with the accessor its kind names (dstack.abi.json)."""
    field = getattr(lib, "DSTACK_FIELD_" + short)
    if kind.startswith("list_of_"):
        n = ffi.new("size_t *")
        status_ok(lib.dstack_response_count(resp, field, n, ffi.NULL), f"count {short}")
        items = []
        for i in range(n[0]):
            s = ffi.new("dstack_slice *")
            status_ok(lib.dstack_response_item(resp, field, i, s, ffi.NULL), f"item {short}")
            items.append(ffi.buffer(s.ptr, s.len)[:])
        return items
    if kind == "u64":
        v = ffi.new("uint64_t *")
        status_ok(lib.dstack_response_u64(resp, field, v, ffi.NULL), f"u64 {short}")
        return v[0]
    s = ffi.new("dstack_slice *")
    status_ok(lib.dstack_response_get(resp, field, s, ffi.NULL), f"get {short}")
    return ffi.buffer(s.ptr, s.len)[:]


KINDS = {v["short_name"]: v["kind"] for e in ABI["enums"] if e["name"] == "dstack_field_e"
         for v in e["values"]}
PROMISED = {f["name"]: f.get("response_fields", []) for f in ABI["functions"]}

if socket:
    client = ffi.new("dstack_client **")
    ep = socket.encode()
    status_ok(lib.dstack_client_new(ep, len(ep), client, ffi.NULL), "client_new")
    ep_slice = lib.dstack_client_endpoint(client[0])
    check(ffi.buffer(ep_slice.ptr, ep_slice.len)[:] == ep, "dstack_client_endpoint")

    # GetKey: every field its doc promises, read by kind; KEY equals the agent's JSON.
    resp = ffi.new("dstack_response **")
    status_ok(lib.dstack_client_get_key(client[0], b"abi/test", 8, b"cffi", 4, ffi.NULL, 0, 0,
                                        resp, ffi.NULL), "GetKey")
    fields = {f: read_field(resp[0], f, KINDS[f]) for f in PROMISED["dstack_client_get_key"]}
    body = lib.dstack_response_body(resp[0])
    agent = json.loads(ffi.buffer(body.ptr, body.len)[:])
    check(fields["KEY"] == bytes.fromhex(agent["key"]), "KEY = the agent's hex key")
    check([bytes.fromhex(s.removeprefix("0x")) for s in agent["signature_chain"]]
          == fields["SIGNATURE_CHAIN"], "SIGNATURE_CHAIN = the agent's chain")
    check(fields["PURPOSE"] == b"cffi", "PURPOSE is the request's")
    app_key, kms_key = ffi.new("uint8_t[33]"), ffi.new("uint8_t[33]")
    status_ok(lib.dstack_response_verify_signature_chain(resp[0], ffi.NULL, 0, ffi.NULL, 0,
                                                         app_key, kms_key, ffi.NULL),
              "the GetKey chain verifies")
    check(bytes(kms_key)[0] in (2, 3), "a compressed KMS key")
    lib.dstack_response_free(resp[0])

    # GetQuote, then quote parse: every promised field of the parse is there by kind, and
    # the report data is what was sent, zero-padded (the agent pads).
    status_ok(lib.dstack_client_get_quote(client[0], b"abi-test", 8, 0, resp, ffi.NULL),
              "GetQuote")
    quote = read_field(resp[0], "QUOTE", KINDS["QUOTE"])
    lib.dstack_response_free(resp[0])
    status_ok(lib.dstack_quote_parse(quote, len(quote), resp, ffi.NULL), "quote_parse")
    parsed = {f: read_field(resp[0], f, KINDS[f]) for f in PROMISED["dstack_quote_parse"]}
    check(parsed["REPORT_DATA"] == b"abi-test".ljust(64, b"\0"), "REPORT_DATA = what was sent")
    check(parsed["QUOTE"] == quote, "QUOTE = the input")
    check(all(len(parsed[r]) == 48 for r in ("MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3")),
          "48-byte measurements")
    lib.dstack_response_free(resp[0])
    lib.dstack_client_free(client[0])

print(f"cffi: dstack_decls.h parsed as is; {checks} checks passed"
      + (" (with the simulator)" if socket else ""))
