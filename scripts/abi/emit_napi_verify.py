"""The Node binding's second addon, dstack_verify.node, from include/dstack_verify.abi.json:

- bindings/node/addon/dstack_verify_gen.c: the Node-API wrappers of libdstack_verify's
  functions, written by emit_napi.py's per-role generator (same conventions, same runtime,
  addon/runtime.c), linked with libdstack_verify.a into a separate addon so that the main
  addon (and every app that only talks to the agent) stays without verification code;
- bindings/node/src/abi_verify.js: its constants and the table of addon functions the
  loader (src/verification.js) checks the addon against.

The wrappers are emit_napi.py's, run on a model that joins the extension's functions with
what they need from dstack.h: its structures and typedefs, the error type and the
functions that read errors (`dstack_error_status`, `_message`, `dstack_status_message`),
and `dstack_version`. One addition: `dn_error_value` also copies the failed check's name
and compared values (`dstack_error_check`, `_expected`, `_actual`) onto the JS error as
`check`, `expected` and `actual`.
"""

from __future__ import annotations

from typing import Any, Dict, List

import emit_napi
from emit_bindings import GENERATED, _js, class_name

# What the wrappers need from dstack.h besides the extension's own declarations.
_BASE_FUNCTIONS = ("dstack_version", "dstack_status_message", "dstack_error_status",
                   "dstack_error_message", "dstack_error_free")
_CHECK_ACCESSORS = ("dstack_error_check", "dstack_error_expected", "dstack_error_actual")


def joined(base: Dict[str, Any], ext: Dict[str, Any]) -> Dict[str, Any]:
    """The extension's model with the base's structures, typedefs, error type and
    error-reading functions: what emit_napi.py needs to write its wrappers."""
    err = "dstack_error"
    types = [t for t in base["types"] if t["kind"] in ("struct", "typedef") or t["name"] == err]
    fns = [f for f in base["functions"] if f["name"] in _BASE_FUNCTIONS]
    missing = set(_BASE_FUNCTIONS) - {f["name"] for f in fns}
    if missing:
        raise emit_napi.NapiError(f"dstack.h lacks {sorted(missing)}")
    names = {f["name"] for f in ext["functions"]}
    if not set(_CHECK_ACCESSORS) <= names:
        raise emit_napi.NapiError(f"{ext['header']} lacks {sorted(set(_CHECK_ACCESSORS) - names)}")
    # The check accessors read errors, which never reach JS as handles: no wrapper; the
    # generated dn_error_value calls them (and emit_napi.py expects one message getter).
    own = [f for f in ext["functions"] if f["name"] not in _CHECK_ACCESSORS]
    return dict(ext, types=types + ext["types"], functions=fns + own)


def addon_c(model: Dict[str, Any]) -> str:
    """dstack_verify_gen.c from the joined model."""
    text = emit_napi.addon_c(model)
    base_fn = "napi_value dn_error_value(napi_env env, dstack_status status, struct dstack_error *err) {"
    if text.count(base_fn) != 1:
        raise emit_napi.NapiError("emit_napi.py's dn_error_value changed: update emit_napi_verify.py")
    text = text.replace(base_fn, "static napi_value dn_error_value_plain(napi_env env, dstack_status status, "
                                 "struct dstack_error *err) {")
    text = text.replace("/* Node-API wrappers of every libdstack export, by parameter role. */",
                        "/* Node-API wrappers of every libdstack_verify export (include/dstack_verify.h), by\n"
                        "   parameter role: the second addon, dstack_verify.node. */")
    text = text.replace("/* From include/dstack.abi.json by scripts/abi/emit_napi.py;",
                        "/* From include/dstack_verify.abi.json by scripts/abi/emit_napi_verify.py over\n"
                        "   emit_napi.py;")
    text = text.replace('#include "runtime.h"\n', '#include "runtime.h"\n#include "dstack_verify.h"\n', 1)
    marker = "/* Result object shapes:"
    details = [
        "/* dn_error_value as in the main addon, plus the failed check and its compared values",
        "   (empty for errors that are not failed checks) as `check`, `expected` and `actual`. */",
        "napi_value dn_error_value(napi_env env, dstack_status status, struct dstack_error *err) {",
        "  static const char *const names[3] = {\"check\", \"expected\", \"actual\"};",
        "  napi_value parts[3] = {NULL, NULL, NULL};",
        "  if (err) {",
        "    struct dstack_slice s[3] = {dstack_error_check(err), dstack_error_expected(err), dstack_error_actual(err)};",
        "    for (int i = 0; i < 3; i++)",
        "      if (s[i].len && napi_create_string_utf8(env, (const char *)s[i].ptr, s[i].len, &parts[i]) != napi_ok)",
        "        parts[i] = NULL;",
        "  }",
        "  napi_value v = dn_error_value_plain(env, status, err); /* frees err */",
        "  napi_valuetype t;",
        "  if (v && parts[0] && napi_typeof(env, v, &t) == napi_ok && t == napi_object)",
        "    for (int i = 0; i < 3; i++)",
        "      if (parts[i]) napi_set_named_property(env, v, names[i], parts[i]);",
        "  return v;",
        "}",
        "",
        "",
    ]
    at = text.index(marker)
    return text[:at] + "\n".join(details) + text[at:]


def abi_js(model: Dict[str, Any]) -> str:
    """abi_verify.js: the extension's constants and the addon's function table."""
    own = model["enums"]
    out: List[str] = [
        "'use strict'",
        "// libdstack_verify's C ABI for the Node binding: its constants, and the functions of the",
        "// second Node-API addon (bindings/node/addon/dstack_verify_gen.c) with their JS arguments.",
        f"// {GENERATED.replace('include/dstack.h', model['header'])}",
        "// (scripts/abi/emit_napi_verify.py.) Descriptions are in include/dstack_verify.h.",
        "",
    ]
    exports: List[str] = []
    for e in own:
        cls = class_name(e["name"])
        out.append(f"/** `{e['typedef'] or e['name']}` values (`{e['prefix']}*`). */")
        out.append(f"const {cls} = Object.freeze({{")
        out += [f"  {v['short_name']}: {v['value']}," for v in e["values"]]
        out += ["})", ""]
        exports.append(cls)
    for e in own:
        if not e["name"].endswith("_field_e"):
            continue
        const = "VERIFICATION_FIELD_KINDS"
        out.append("/** Field name → kind: bytes, text, list_of_bytes, list_of_text, u64. */")
        out.append(f"const {const} = Object.freeze({{")
        out += [f"  {v['short_name']}: {_js(v['kind'])}," for v in e["values"]]
        out += ["})", ""]
        exports.append(const)
    plans = {fn["name"]: emit_napi.Plan(model, fn) for fn in emit_napi.wrapped(model)}
    out.append("/** Fingerprint of the wrappers' signatures; the addon carries the same (`abiFingerprint`). */")
    out.append(f"const ADDON_FINGERPRINT = {_js(emit_napi.fingerprint(model))}")
    out.append("")
    out.append("/** Addon function → `[JS arguments, result]`. Calling conventions: scripts/abi/emit_napi.py. */")
    out.append("const ADDON_FUNCTIONS = Object.freeze({")
    for plan in plans.values():
        args = ([plan.release["name"]] if plan.release else []) + plan.js_args
        tail = ", async: true" if plan.fn["blocking"] else ""
        out.append(f"  {plan.name}: {{ args: {emit_napi._js_list(args)}, returns: {_js(plan.returns_js(model))}{tail} }},")
    for plan, _counter in emit_napi._bulk_pairs(model, plans):
        args = [p["name"] for p in plan.inputs if p["name"] != "index"] + ["format"]
        out.append(f"  {plan.name}_all: {{ args: {emit_napi._js_list(args)}, returns: {_js(plan.returns_js(model) + '[]')} }},")
    out += ["})", ""]
    exports += ["ADDON_FINGERPRINT", "ADDON_FUNCTIONS"]
    out.append("module.exports = {")
    out += [f"  {name}," for name in exports]
    out += ["}", ""]
    return "\n".join(out)
