#!/usr/bin/env python3
"""Generates every derived description of libdstack's C ABI from include/dstack.h (and of
libdstack_verify's additions from include/dstack_verify.h, which extends it).

    python3 scripts/abi/gen.py           # rewrite the generated files
    python3 scripts/abi/gen.py --check   # fail if any of them differs from what it would write

include/dstack.h (itself generated from ffi/src by ffi/gen-header.sh) is the one
declaration. What C cannot express (direction, ownership, nullability, pairing, fixed
sizes) follows from the conventions in ffi/ABI.md ("Conventions the generator checks"),
enforced by model.py: a parameter it cannot classify stops the generator.

Besides the files, the generator refuses to renumber: a constant in the committed
include/dstack.abi.json whose value changes, or a retired value reused under another
name, is an error (`--allow-renumber` overrides, for a deliberate ABI break).

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from typing import Any, Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cheader  # noqa: E402
import emit_bindings  # noqa: E402
import emit_c  # noqa: E402
import emit_docs  # noqa: E402
import emit_napi  # noqa: E402
import emit_napi_verify  # noqa: E402
import model as abi_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
HEADER = "include/dstack.h"
JSON = "include/dstack.abi.json"
ABI_MD = "ffi/ABI.md"
# libdstack_verify's header extends dstack.h (it includes it): its model knows dstack.h's
# types but holds only its own declarations, and it gets its own generated files.
VERIFY_HEADER = "include/dstack_verify.h"
VERIFY_JSON = "include/dstack_verify.abi.json"
VERIFY_MD = "verify-ffi/ABI.md"


def read(rel: str) -> str:
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def outputs(model: Dict[str, Any]) -> List[Tuple[str, Callable[[], str]]]:
    """(path, render) of every generated file, in the order they are written."""
    return [
        (JSON, lambda: json.dumps(model, indent=2, ensure_ascii=False) + "\n"),
        ("include/dstack_decls.h", lambda: emit_c.decls_h(model)),
        (ABI_MD, lambda: emit_docs.abi_md(read(ABI_MD), model)),
        ("bindings/python/src/dstack_sdk/_abi.py", lambda: emit_bindings.python(model)),
        ("bindings/node/src/abi.js", lambda: emit_napi.abi_js(model)),
        ("bindings/node/src/abi.d.ts", lambda: emit_napi.abi_dts(model)),
        ("bindings/node/addon/dstack_gen.c", lambda: emit_napi.addon_c(model)),
        ("bindings/go/abi_gen.go", lambda: emit_bindings.go(model)),
    ]


def verify_outputs(model: Dict[str, Any], base: Dict[str, Any]) -> List[Tuple[str, Callable[[], str]]]:
    """The generated files of include/dstack_verify.h (`base`: dstack.h's model)."""
    node = lambda: emit_napi_verify.joined(base, model)  # noqa: E731
    return [
        (VERIFY_JSON, lambda: json.dumps(model, indent=2, ensure_ascii=False) + "\n"),
        ("include/dstack_verify_decls.h", lambda: emit_c.decls_h(model)),
        (VERIFY_MD, lambda: emit_docs.abi_md(read(VERIFY_MD), model, emit_docs.VERIFY_SECTIONS,
                                             VERIFY_MD, "verify-ffi/src")),
        ("bindings/python/src/dstack_sdk/_abi_verify.py", lambda: emit_bindings.python(model)),
        ("bindings/go/abi_verify_gen.go", lambda: emit_bindings.go(model)),
        ("bindings/node/src/abi_verify.js", lambda: emit_napi_verify.abi_js(node())),
        ("bindings/node/addon/dstack_verify_gen.c", lambda: emit_napi_verify.addon_c(node())),
    ]


def models() -> List[Tuple[str, Dict[str, Any], List[Tuple[str, Callable[[], str]]]]]:
    """(JSON path, model, outputs) of dstack.h and of dstack_verify.h."""
    header = cheader.parse(read(HEADER))
    version = next((d.value.strip('"') for d in header.defines if d.name == "DSTACK_VERSION"), None)
    if version is None:
        raise abi_model.AbiError("include/dstack.h has no DSTACK_VERSION")
    model = abi_model.build(header, version)
    verify = abi_model.build(
        cheader.parse(read(VERIFY_HEADER)), version,
        base=(os.path.basename(HEADER), header, model), header_file=VERIFY_HEADER,
    )
    return [(JSON, model, outputs(model)), (VERIFY_JSON, verify, verify_outputs(verify, model))]


def renumbered(old: Dict[str, Any], new: Dict[str, Any]) -> List[str]:
    """Constants whose value changed, and retired values reused, per enum."""
    problems = []
    old_enums = {e["name"]: e for e in old.get("enums", [])}
    for e in new["enums"]:
        before = old_enums.get(e["name"])
        if not before:
            continue
        was = {v["name"]: v["value"] for v in before["values"]}
        owner = {v["value"]: v["name"] for v in before["values"]}
        for v in e["values"]:
            if v["name"] in was and was[v["name"]] != v["value"]:
                problems.append(f"{v['name']} was {was[v['name']]}, now {v['value']}")
            elif v["name"] not in was and v["value"] in owner:
                problems.append(
                    f"{v['name']} = {v['value']} reuses the value of {owner[v['value']]}"
                )
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare, write nothing")
    ap.add_argument("--allow-renumber", action="store_true",
                    help="accept changed or reused constant values (an ABI break)")
    args = ap.parse_args()

    try:
        built = models()
        files = [(path, render()) for _, _, outs in built for path, render in outs]
    except (cheader.HeaderError, abi_model.AbiError, emit_docs.DocsError, emit_napi.NapiError) as e:
        print(f"gen.py: {e}", file=sys.stderr)
        return 1

    for json_rel, model, _ in built:
        json_path = os.path.join(ROOT, json_rel)
        if not os.path.exists(json_path) or args.allow_renumber:
            continue
        with open(json_path, encoding="utf-8") as f:
            try:
                old = json.load(f)
            except ValueError:
                old = {}
        problems = renumbered(old, model)
        if problems:
            for p in problems:
                print(f"gen.py: {p}: values are never renumbered or reused", file=sys.stderr)
            return 1

    stale = []
    for path, text in files:
        full = os.path.join(ROOT, path)
        current = None
        if os.path.exists(full):
            with open(full, encoding="utf-8") as f:
                current = f.read()
        if current == text:
            continue
        if args.check:
            stale.append(path)
            sys.stdout.writelines(difflib.unified_diff(
                (current or "").splitlines(True), text.splitlines(True),
                f"a/{path}", f"b/{path}", n=2,
            ))
        else:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {path}")
    if stale:
        print(f"gen.py: out of date: {', '.join(stale)}; run python3 scripts/abi/gen.py "
              "and commit", file=sys.stderr)
        return 1
    if args.check:
        n_fn = sum(len(m["functions"]) for _, m, _ in built)
        n_const = sum(len(m["constants"]) for _, m, _ in built)
        print(f"generated ABI files are up to date ({len(files)} files, "
              f"{n_fn} functions, {n_const} constants)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
