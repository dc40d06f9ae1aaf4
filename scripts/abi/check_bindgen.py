"""What bindgen generated from include/dstack.h, and what a Rust program built on it returns.

    python3 check_bindgen.py BINDGEN_DIR CONSTANTS_FROM_C EXPORTS_FILE PROGRAM [DSTACK_SOCKET]

BINDGEN_DIR holds plain.rs (`bindgen include/dstack.h`, no options) and tidy.rs (with
`--no-prepend-enum-name --allowlist-item 'dstack_.*|DSTACK_.*'`). CONSTANTS_FROM_C holds
`NAME=value` lines printed by a C program compiled against include/dstack.h; EXPORTS_FILE
lists the library's exported `dstack_*` symbols (nm). PROGRAM is scripts/abi/bindgen_check.rs
compiled against both files; its output is checked against independent facts (hashlib,
json, the agent's own JSON body). Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out_dir, constants_path, exports_path, program = sys.argv[1:5]
socket = sys.argv[5] if len(sys.argv) > 5 else None
with open(os.path.join(ROOT, "include/dstack.abi.json"), encoding="utf-8") as f:
    ABI = json.load(f)
checks = 0


def check(cond: bool, what: str) -> None:
    global checks
    if not cond:
        sys.exit(f"check_bindgen: FAILED: {what}")
    checks += 1


with open(constants_path, encoding="utf-8") as f:
    from_c = dict(line.strip().split("=") for line in f if line.strip())
with open(exports_path, encoding="utf-8") as f:
    exports = {line.strip() for line in f if line.strip()}
enum_of = {v["name"]: e["name"] for e in ABI["enums"] for v in e["values"]}
check(len(enum_of) >= 60, "dstack.abi.json lists the enumerators")

for variant, prefixed in (("plain", True), ("tidy", False)):
    with open(os.path.join(out_dir, variant + ".rs"), encoding="utf-8") as f:
        text = f.read()
    types = dict(re.findall(r"^pub type (\w+) = ([^;]+);$", text, re.M))
    consts = {n: (t, v) for n, t, v in re.findall(r"^pub const (\w+): (\w+) = (-?\d+);$", text, re.M)}
    fns = set(re.findall(r"^\s*pub fn (dstack_\w+)\(", text, re.M))
    # The ABI's integer typedefs, and each enum's own typedef, are plain u32.
    for name in ["dstack_status", "dstack_field"] + sorted({e["name"] for e in ABI["enums"]}):
        check(types.get(name) == "u32", f"{variant}: {name} is {types.get(name)!r}, not u32")
    # Every enumerator is a constant of its enum's u32 type with the C compiler's value:
    # `dstack_status_e_DSTACK_STATUS_OK` without options, `DSTACK_STATUS_OK` in tidy.
    for name, enum in enum_of.items():
        rust = f"{enum}_{name}" if prefixed else name
        check(rust in consts, f"{variant}: no constant {rust}")
        check(consts[rust] == (enum, from_c[name]),
              f"{variant}: {rust} is {consts[rust]}, C gives {enum} = {from_c[name]}")
    # The integer macros: u32 constants. DSTACK_OK (`#define DSTACK_OK DSTACK_STATUS_OK`, a
    # macro naming an enumerator) is the one bindgen leaves out: Rust code uses
    # DSTACK_STATUS_OK.
    for c in ABI["constants"]:
        if c.get("macro") and isinstance(c["value"], int) and c["name"] != "DSTACK_OK":
            check(consts.get(c["name"]) == ("u32", from_c[c["name"]]),
                  f"{variant}: {c['name']} is {consts.get(c['name'])}, C gives {from_c[c['name']]}")
    check("DSTACK_OK" not in consts, f"{variant}: bindgen now translates DSTACK_OK (update this check)")
    check(f'pub const DSTACK_VERSION: &[u8; {len(ABI["version"]) + 1}] = b"{ABI["version"]}\\0";'
          in text, f"{variant}: DSTACK_VERSION")
    # One declaration per export, no more.
    check(fns == exports, f"{variant}: functions differ from the exports: {sorted(fns ^ exports)}")
    if variant == "tidy":
        check(not re.search(r"^pub (const|type|struct|fn) (?![dD][sS][tT][aA][cC][kK]_)", text, re.M),
              "tidy: only dstack items")
    print(f"bindgen {variant}: {len(fns)} functions, {len(enum_of)} enumerators of u32 enum "
          f"typedefs, dstack_status and dstack_field are u32")

# The program's calls.
doc = {"z": [3, {"b": 1, "a": "x"}], "services": {"web": {"image": "nginx"}}, "m": "text"}
text = json.dumps(doc).encode()
canonical = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
run = subprocess.run([program] + ([socket] if socket else []), input=text, capture_output=True,
                     check=False)
check(run.returncode == 0, f"the bindgen program failed: {run.stderr.decode()}")
got = dict(line.split("=", 1) for line in run.stdout.decode().splitlines())
check(got["version"] == ABI["version"] == got["header_version"], f"dstack_version() {got['version']}")
check(got["compose_hash"] == hashlib.sha256(canonical).hexdigest(), "compose_hash = sha256(canonical)")
check(got["error_message"] != "", "error message")
if socket:
    agent = json.loads(bytes.fromhex(got["body"]))
    check(got["key"] == agent["key"].removeprefix("0x") and len(got["key"]) == 64,
          "KEY = the agent's hex key")
    check(int(got["signature_chain_count"]) == len(agent["signature_chain"]) > 0,
          "SIGNATURE_CHAIN count = the agent's")
print(f"bindgen program: dstack_version, compose_hash, an error{', GetKey' if socket else ''}; "
      f"check_bindgen: {checks} checks passed")
