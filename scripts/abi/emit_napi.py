"""The Node binding's glue, from the ABI model (include/dstack.abi.json):

- bindings/node/addon/dstack_gen.c: one Node-API wrapper per exported function, written
  from each parameter's role, over the hand-written runtime in bindings/node/addon/runtime.c;
- bindings/node/src/abi.js: the constants, and the table of addon functions the loader
  checks the addon against;
- bindings/node/src/abi.d.ts: abi.js's declarations, the constants with their numbers
  (index.d.ts refers to them instead of keeping a copy).

JS calling convention of a wrapper `lib.<function>(...)`:
  arguments   the C inputs in C order without lengths and counts (derived from the JS
              values): handles (objects made by the addon), byte views for `bytes`,
              `fixed_bytes` and `uint8_t` arrays (one view of N-byte items), arrays of byte
              views for `dstack_slice` arrays, integers (Number or BigInt, range-checked
              against the C type) and booleans for values, null/undefined for an absent
              optional; then one optional capacity hint per output buffer (the wrapper
              retries once with the size the library asks for); then `format` when the
              function has byte outputs (0 Uint8Array, 1 UTF-8 string, 2 hex string, or an
              object naming outputs / struct fields).
  result      no output: undefined; one: that value; several: an object keyed by the output
              names without `out_`. Handles are objects whose finalizer calls the type's
              `_free` unless the `_free` wrapper ran first; uint64 values are BigInts,
              size_t values Numbers.
  failure     the error out becomes a thrown (or rejected) value made by the JS factory the
              package registers (`setErrorFactory((status, message) => DstackError)`).
  blocking    functions marked `blocking` return a Promise and run on the libuv thread pool;
              their inputs are copied into the job and their handles pinned until it ends.
Besides, a getter `X_get(handle, ..., size_t index, out_struct)` with a counter
`X_count(handle, ...)` gets `X_get_all(handle, ..., format)`: every item in one call.

The error type's own functions (`dstack_error_*`) have no wrapper: errors never reach JS as
handles; the generated `dn_error_value` reads and frees them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional, Tuple

from emit_bindings import GENERATED, _enum, _js, class_name

# Conventions of the generated wrappers (above); part of the fingerprint the loader checks.
PROTOCOL = 1

SCALARS = ("bool", "uint32_t", "uint64_t", "int64_t", "size_t")
ARG_FN = {"uint32_t": "dn_arg_u32", "uint64_t": "dn_arg_u64", "int64_t": "dn_arg_i64",
          "size_t": "dn_arg_size", "bool": "dn_arg_bool"}
VALUE_FN = {"uint32_t": "dn_u32_value", "uint64_t": "dn_u64_value", "size_t": "dn_size_value",
            "bool": "dn_bool_value"}
JS_TYPE = {"uint32_t": "number", "uint64_t": "bigint", "size_t": "number", "bool": "boolean"}


class NapiError(Exception):
    """A construct of the ABI the addon generator does not handle (yet)."""


def _js_list(items: List[str]) -> str:
    return "[" + ", ".join(_js(x) for x in items) + "]"


def _short(name: str) -> str:
    return name[len("out_"):] if name.startswith("out_") else name


def _scalar(model: Dict[str, Any], c_type: str) -> str:
    for t in model["types"]:
        if t["kind"] == "typedef" and t["name"] == c_type:
            c_type = t["c_type"]
    if c_type not in SCALARS:
        raise NapiError(f"no JS conversion for the C type {c_type}")
    return c_type


def _struct(model: Dict[str, Any], name: str) -> Dict[str, Any]:
    return next(t for t in model["types"] if t["kind"] == "struct" and t["name"] == name)


def _slice_fields(model: Dict[str, Any], name: str) -> List[str]:
    return [f["name"] for f in _struct(model, name)["fields"] if f["c_type"] == "struct dstack_slice"]


def _error_type(model: Dict[str, Any]) -> str:
    names = {p["c_type"].replace("struct ", "").rstrip(" *")
             for fn in model["functions"] for p in fn["params"] if p["role"] == "error"}
    if len(names) != 1:
        raise NapiError(f"expected one error type, found {sorted(names)}")
    return names.pop()


def _handle_types(model: Dict[str, Any]) -> List[Dict[str, Any]]:
    err = _error_type(model)
    return [t for t in model["types"] if t["kind"] == "opaque" and t["name"] != err]


def _is_error_fn(model: Dict[str, Any], fn: Dict[str, Any]) -> bool:
    err = _error_type(model)
    return any(p["role"] == "handle" and p.get("type") == err for p in fn["params"])


def wrapped(model: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The functions that get a JS wrapper, in header order."""
    return [fn for fn in model["functions"] if not _is_error_fn(model, fn)]


def _tag(name: str) -> Tuple[str, str]:
    d = hashlib.sha256(f"libdstack node addon type {name}".encode()).hexdigest()
    return f"0x{d[:16]}ULL", f"0x{d[16:32]}ULL"


def fingerprint(model: Dict[str, Any]) -> str:
    """Changes whenever a wrapper's JS signature or C call could: the loader compares the
    addon's copy with abi.js's, so a stale build is refused by name."""
    desc = {
        "protocol": PROTOCOL,
        "functions": [
            [fn["name"], fn["returns"]["c_type"], fn["blocking"],
             [[p["name"], p["c_type"], p["role"], p.get("size"), p.get("element_size")] for p in fn["params"]]]
            for fn in model["functions"]
        ],
        "structs": [[t["name"], [[f["name"], f["c_type"]] for f in t["fields"]]]
                    for t in model["types"] if t["kind"] == "struct"],
    }
    return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- per-function plan

class Plan:
    """What a wrapper takes and gives, derived from the parameters' roles."""

    def __init__(self, model: Dict[str, Any], fn: Dict[str, Any]):
        self.fn = fn
        self.name = fn["name"]
        self.params = fn["params"]
        self.by = {p["name"]: p for p in self.params}
        self.inputs: List[Dict[str, Any]] = []   # JS arguments from C inputs
        self.hints: List[Dict[str, Any]] = []    # capacity params
        self.outputs: List[Dict[str, Any]] = []  # out_* params
        self.error: Optional[Dict[str, Any]] = None
        self.release: Optional[Dict[str, Any]] = None  # the handle a `_free` takes back
        for p in self.params:
            role = p["role"]
            if role == "handle" and p.get("ownership") == "transferred":
                self.release = p
            elif role in ("handle", "bytes", "fixed_bytes", "value", "array", "optional"):
                if role == "optional" and p.get("type") != "uint64_t":
                    raise NapiError(f"{self.name}: optional {p['type']} is not supported")
                if role == "array" and p["element"] != "dstack_slice" and not p.get("element_size"):
                    raise NapiError(f"{self.name}: array {p['name']} of {p['element']} without a size")
                self.inputs.append(p)
            elif role in ("length", "count", "out_length"):
                continue
            elif role == "capacity":
                self.hints.append(p)
            elif role in ("out_handle", "out_buffer", "out_fixed_bytes", "out_value", "out_struct"):
                self.outputs.append(p)
            elif role == "error":
                self.error = p
            else:
                raise NapiError(f"{self.name}: parameter {p['name']} has the role {role}, which has no JS form")
        ret = fn["returns"]
        self.ret = ret if ret["role"] in ("value", "static_string", "struct") else None
        if self.ret and self.outputs:
            raise NapiError(f"{self.name}: a returned value and out parameters together")
        if self.ret and self.ret["role"] == "struct" and self.ret["type"] != "dstack_slice":
            raise NapiError(f"{self.name}: returns struct {self.ret['type']}")
        # Byte outputs the `format` argument names (struct outputs by their slice fields).
        self.fmt_names: List[str] = []
        self.fmt_index: Dict[str, int] = {}
        for p in self.outputs:
            self.fmt_index[p["name"]] = len(self.fmt_names)
            if p["role"] in ("out_buffer", "out_fixed_bytes") or (p["role"] == "out_struct" and p["type"] == "dstack_slice"):
                self.fmt_names.append(_short(p["name"]))
            elif p["role"] == "out_struct":
                self.fmt_names += _slice_fields(model, p["type"])
        if self.ret and self.ret["role"] == "struct":
            self.fmt_index["result"] = 0
            self.fmt_names.append("result")
        if len(set(self.fmt_names)) != len(self.fmt_names):
            raise NapiError(f"{self.name}: two byte outputs share a name: {self.fmt_names}")
        self.js_args = [p["name"] for p in self.inputs] + [p["name"] for p in self.hints]
        if self.fmt_names:
            self.js_args.append("format")
        if fn["blocking"]:
            for p in self.outputs:
                if p["role"] not in ("out_handle", "out_value", "out_fixed_bytes"):
                    raise NapiError(f"{self.name}: a blocking function with an {p['role']} output is not supported")
            if self.hints or self.ret or self.release:
                raise NapiError(f"{self.name}: a blocking function must return a status and take no capacity")
            if sum(1 for p in self.inputs if p["role"] == "handle") > 2:
                raise NapiError(f"{self.name}: more handles than a job pins (DN_MAX_PINS)")

    def returns_js(self, model: Dict[str, Any]) -> str:
        """What the JS call gives, for abi.js."""
        def one(p: Dict[str, Any]) -> str:
            role = p["role"]
            if role == "out_handle":
                return p["type"]
            if role == "out_value":
                return JS_TYPE[_scalar(model, p["type"])]
            if role == "out_struct" and p["type"] != "dstack_slice":
                return p["type"]
            return "bytes"
        if self.release:
            return "undefined"
        if self.ret:
            r = self.ret
            if r["role"] == "static_string":
                return "string"
            return "bytes" if r["role"] == "struct" else JS_TYPE[_scalar(model, r.get("typedef") or r["c_type"])]
        if not self.outputs:
            return "undefined"
        if len(self.outputs) == 1:
            return one(self.outputs[0])
        return "{ " + ", ".join(f"{_short(p['name'])}: {one(p)}" for p in self.outputs) + " }"


# ---------------------------------------------------------------- C emission

# Result object shapes (struct fields, several outputs), collected while the wrappers are
# written; their table is emitted before them.
_SHAPES: Dict[Tuple[str, ...], int] = {}


def _shape(names: List[str]) -> str:
    key = tuple(names)
    _SHAPES.setdefault(key, len(_SHAPES))
    return f"DN_S_{_SHAPES[key]}"


def _shape_js(names: Tuple[str, ...]) -> str:
    args = ", ".join(f"a{i}" for i in range(len(names)))
    props = ", ".join(f"{json.dumps(n)}: a{i}" for i, n in enumerate(names))
    return f"(function ({args}) {{ return {{ {props} }}; }})"


def _what(plan: Plan, name: str) -> str:
    return json.dumps(f"{plan.name}: {name}")


def _arg_lines(model: Dict[str, Any], plan: Plan, decl: List[str], conv: List[str], fail: str) -> None:
    """Declarations and conversions of the JS arguments into a_<name> locals."""
    for i, p in enumerate(plan.inputs):
        n, role, what = p["name"], p["role"], _what(plan, p["name"])
        if role == "handle":
            decl.append(f"  dn_box *a_{n} = NULL;")
            conv.append(f"  if (!dn_arg_handle(env, argv[{i}], &dn_type_{p['type']}, {str(p['nullable'] == 'yes').lower()}, {what}, &a_{n})) {fail}")
        elif role == "bytes":
            decl.append(f"  dn_bytes a_{n} = {{NULL, 0}};")
            conv.append(f"  if (!dn_arg_bytes(env, argv[{i}], {str(p['nullable'] != 'no').lower()}, {what}, &a_{n})) {fail}")
        elif role == "fixed_bytes":
            decl.append(f"  dn_bytes a_{n} = {{NULL, 0}};")
            conv.append(f"  if (!dn_arg_fixed(env, argv[{i}], {p['size']}, {what}, &a_{n})) {fail}")
        elif role == "array" and p["element"] == "dstack_slice":
            decl.append(f"  struct dstack_slice *a_{n} = NULL;")
            decl.append(f"  size_t a_{n}_n = 0, a_{n}_total = 0;")
            conv.append(f"  if (!dn_arg_slices(env, argv[{i}], {what}, &a_{n}, &a_{n}_n, &a_{n}_total)) {fail}")
        elif role == "array":
            decl.append(f"  dn_bytes a_{n} = {{NULL, 0}};")
            decl.append(f"  size_t a_{n}_n = 0;")
            conv.append(f"  if (!dn_arg_items(env, argv[{i}], {p['element_size']}, {what}, &a_{n}, &a_{n}_n)) {fail}")
        elif role == "optional":
            decl.append(f"  uint64_t a_{n} = 0;")
            decl.append(f"  bool a_{n}_set = false;")
            conv.append(f"  if (!dn_arg_opt_u64(env, argv[{i}], {what}, &a_{n}, &a_{n}_set)) {fail}")
        elif role == "value":
            ty = _scalar(model, p.get("typedef") or p["c_type"])
            decl.append(f"  {ty} a_{n} = 0;")
            conv.append(f"  if (!{ARG_FN[ty]}(env, argv[{i}], {what}, &a_{n})) {fail}")
    base = len(plan.inputs)
    for k, p in enumerate(plan.hints):
        decl.append(f"  size_t a_{p['name']} = 0;")
        conv.append(f"  if (!dn_arg_capacity(env, argv[{base + k}], {_what(plan, p['name'])}, 256, &a_{p['name']})) {fail}")
    # Arrays sharing one count must have the same length.
    for p in plan.params:
        if p["role"] == "count" and len(p["count_of"]) > 1:
            first, *rest = p["count_of"]
            for other in rest:
                names = " and ".join(p["count_of"])
                conv.append(f"  if (a_{first}_n != a_{other}_n) {{")
                conv.append(f"    dn_throw(env, DSTACK_STATUS_INVALID_ARGUMENT, \"{plan.name}: {names} must have the same length\");")
                conv.append(f"    {fail}")
                conv.append("  }")
    if plan.fmt_names:
        names = ", ".join(json.dumps(n) for n in plan.fmt_names)
        decl.append(f"  static const char *const fmt_names[] = {{{names}}};")
        decl.append(f"  int fmt[{len(plan.fmt_names)}];")
        conv.append(f"  if (!dn_arg_format(env, argv[{len(plan.js_args) - 1}], fmt_names, {len(plan.fmt_names)}, fmt)) {fail}")


def _call_args(plan: Plan, at: str, error: str) -> str:
    """The C call's argument list; `at` prefixes stored values ("a_" locals or "j->")."""
    out = []
    for p in plan.params:
        n, role = p["name"], p["role"]
        if role == "handle":
            out.append(f"{at}{n}" if at == "j->" else f"a_{n} ? a_{n}->ptr : NULL")
        elif role in ("bytes", "fixed_bytes"):
            out.append(f"{at}{n}.ptr")
        elif role == "length":
            out.append(f"{at}{p['length_of']}.len")
        elif role == "array":
            out.append(f"{at}{n}" if p["element"] == "dstack_slice" else f"{at}{n}.ptr")
        elif role == "count":
            out.append(f"{at}{p['count_of'][0]}_n")
        elif role == "optional":
            out.append(f"{at}{n}_set ? &{at}{n} : NULL")
        elif role in ("value", "capacity", "out_buffer", "out_fixed_bytes"):
            out.append(f"{at}{n}")
        elif role in ("out_handle", "out_value", "out_struct", "out_length"):
            out.append(f"&{at}{n}")
        elif role == "error":
            out.append(error)
    return ", ".join(out)


def _out_decl(model: Dict[str, Any], p: Dict[str, Any], prefix: str = "a_") -> List[str]:
    """Declaration of an output; locals (prefix a_) start zeroed, job fields are calloc'd."""
    n, role = p["name"], p["role"]
    z = (lambda v: f" = {v}") if prefix else (lambda v: "")
    if role == "out_handle":
        return [f"struct {p['type']} *{prefix}{n}{z('NULL')};"]
    if role == "out_buffer":
        return [f"uint8_t *{prefix}{n}{z('NULL')};", f"size_t {prefix}{p['length_param']}{z('0')};"]
    if role == "out_fixed_bytes":
        return [f"uint8_t {prefix}{n}[{p['size']}];"]
    if role == "out_value":
        return [f"{_scalar(model, p['type'])} {prefix}{n}{z('0')};"]
    return [f"struct {p['type']} {prefix}{n}{z('{0}')};"]  # out_struct


def _convert(model: Dict[str, Any], plan: Plan, p: Dict[str, Any], at: str, fmt: str) -> str:
    """JS value of one output."""
    n, role = p["name"], p["role"]
    f = f"{fmt}[{plan.fmt_index.get(n, 0)}]"
    if role == "out_handle":
        return f"dn_handle_value(env, &dn_type_{p['type']}, {at}{n})"
    if role == "out_buffer":
        return f"dn_bytes_value(env, {at}{n}, {at}{p['length_param']}, {f})"
    if role == "out_fixed_bytes":
        return f"dn_bytes_value(env, {at}{n}, {p['size']}, {f})"
    if role == "out_value":
        return f"{VALUE_FN[_scalar(model, p['type'])]}(env, {at}{n})"
    if p["type"] == "dstack_slice":
        return f"dn_bytes_value(env, {at}{n}.ptr, {at}{n}.len, {f})"
    return f"dn_struct_{p['type']}(env, &{at}{n}, {fmt} + {plan.fmt_index[n]})"


def _result_lines(model: Dict[str, Any], plan: Plan, at: str, fmt: str, target: str) -> List[str]:
    # Handles first: once wrapped, a later failure leaves them to the garbage collector.
    outs = sorted(plan.outputs, key=lambda p: p["role"] != "out_handle")
    if not outs:
        return [f"  napi_get_undefined(env, &{target});"]
    if len(outs) == 1:
        return [f"  {target} = {_convert(model, plan, outs[0], at, fmt)};"]
    # One statement per value: C leaves the order of an initializer list's evaluation open.
    names = [_short(p["name"]) for p in plan.outputs]
    lines = [f"  napi_value v[{len(outs)}];"]
    lines += [f"  v[{names.index(_short(p['name']))}] = {_convert(model, plan, p, at, fmt)};" for p in outs]
    lines.append(f"  {target} = dn_shape(env, {_shape(names)}, {len(outs)}, v);")
    return lines


def _header_comment(model: Dict[str, Any], plan: Plan) -> str:
    args = ", ".join(plan.js_args)
    ret = plan.returns_js(model)
    if plan.fn["blocking"]:
        ret = f"Promise<{ret}>"
    return f"/* {plan.name}({args}) -> {ret} */"


def _sync_wrapper(model: Dict[str, Any], plan: Plan, err_type: str, err_free: str) -> List[str]:
    name = plan.name
    nargs = len(plan.js_args) + (1 if plan.release else 0)
    head = _header_comment(model, plan)
    if plan.release:
        head = f"/* {name}({plan.release['name']}): frees now, or when its running calls end; null and freed are no-ops */"
    lines = [head,
             f"static napi_value w_{name}(napi_env env, napi_callback_info info) {{",
             f"  napi_value argv[{max(nargs, 1)}], ret = NULL;"]
    if plan.release:
        p = plan.release
        lines += [f"  if (!dn_args(env, info, 1, argv, \"{name}\")) return NULL;",
                  f"  if (!dn_release(env, argv[0], &dn_type_{p['type']}, {_what(plan, p['name'])})) return NULL;",
                  "  napi_get_undefined(env, &ret);",
                  "  return ret;",
                  "}", ""]
        return lines
    decl: List[str] = []
    conv: List[str] = []
    _arg_lines(model, plan, decl, conv, "goto done;")
    for p in plan.outputs:
        decl += [f"  {d}" for d in _out_decl(model, p)]
    cleanup: List[str] = []
    for p in plan.inputs:
        if p["role"] == "array" and p["element"] == "dstack_slice":
            cleanup.append(f"  free(a_{p['name']});")
    for p in plan.outputs:
        if p["role"] == "out_buffer":
            cleanup.append(f"  dn_out_free(a_{p['name']}, a_{p['capacity_param']});")
        elif p["role"] == "out_fixed_bytes":
            cleanup.append(f"  dn_wipe(a_{p['name']}, sizeof a_{p['name']});")
    call = f"{name}({_call_args(plan, 'a_', '&error')})"
    body: List[str] = []
    buffers = [p for p in plan.outputs if p["role"] == "out_buffer"]
    if plan.error:
        decl.append(f"  struct {err_type} *error = NULL;")
        decl.append("  dstack_status status;")
        if buffers:
            # One retry with the sizes the library asked for (out_*_len on BUFFER_TOO_SMALL).
            body.append("  for (int attempt = 0;; attempt++) {")
            for p in buffers:
                body.append(f"    if (!(a_{p['name']} = dn_out_alloc(env, a_{p['capacity_param']}))) goto done;")
            body.append(f"    status = {call};")
            body.append("    if (status != DSTACK_STATUS_BUFFER_TOO_SMALL || attempt) break;")
            body.append(f"    {err_free}(error);")
            body.append("    error = NULL;")
            for p in buffers:
                n, cap, ln = p["name"], p["capacity_param"], p["length_param"]
                body.append(f"    dn_out_free(a_{n}, a_{cap});")
                body.append(f"    a_{n} = NULL;")
                body.append(f"    if (a_{ln} > a_{cap}) a_{cap} = a_{ln};")
            body.append("  }")
        else:
            body.append(f"  status = {call};")
        body.append("  if (status != DSTACK_STATUS_OK) {")
        body.append("    dn_throw_status(env, status, error);")
        body.append("    goto done;")
        body.append("  }")
        body += _result_lines(model, plan, "a_", "fmt", "ret")
    elif plan.ret:
        r = plan.ret
        if r["role"] == "static_string":
            body.append(f"  ret = dn_cstring_value(env, {call});")
        elif r["role"] == "struct":
            decl.append("  struct dstack_slice result;")
            body.append(f"  result = {call};")
            body.append("  ret = dn_bytes_value(env, result.ptr, result.len, fmt[0]);")
        else:
            ty = _scalar(model, r.get("typedef") or r["c_type"])
            body.append(f"  ret = {VALUE_FN[ty]}(env, {call});")
    else:
        body.append(f"  {call};")
        body.append("  napi_get_undefined(env, &ret);")
    lines += decl
    lines.append(f"  if (!dn_args(env, info, {len(plan.js_args)}, argv, \"{name}\")) return NULL;")
    lines += conv
    lines += body
    uses_done = any("goto done" in x for x in conv + body)
    if uses_done:
        lines.append("done:")
    lines += cleanup
    lines += ["  return ret;", "}", ""]
    return lines


def _async_wrapper(model: Dict[str, Any], plan: Plan) -> List[str]:
    name = plan.name
    job = f"j_{name}"
    fields = ["  dn_job job;"]
    for p in plan.inputs:
        n, role = p["name"], p["role"]
        if role == "handle":
            ctype = p["c_type"]
            fields.append(f"  {ctype}{'' if ctype.endswith('*') else ' '}{n};")
        elif role in ("bytes", "fixed_bytes") or (role == "array" and p["element"] != "dstack_slice"):
            fields.append(f"  dn_bytes {n};")
            if role == "array":
                fields.append(f"  size_t {n}_n;")
        elif role == "array":
            fields.append(f"  const struct dstack_slice *{n};")
            fields.append(f"  size_t {n}_n;")
        elif role == "optional":
            fields.append(f"  uint64_t {n};")
            fields.append(f"  bool {n}_set;")
        elif role == "value":
            fields.append(f"  {_scalar(model, p.get('typedef') or p['c_type'])} {n};")
    for p in plan.outputs:
        fields += [f"  {d}" for d in _out_decl(model, p, "")]
    if plan.fmt_names:
        fields.append(f"  int fmt[{len(plan.fmt_names)}];")
    lines = [f"typedef struct {{", *fields, f"}} {job};", ""]
    lines += [f"static void x_{name}(dn_job *job) {{",
              f"  {job} *j = ({job} *)job;",
              f"  job->status = {name}({_call_args(plan, 'j->', '&job->error')});",
              "}", "",
              f"static napi_value r_{name}(napi_env env, dn_job *job) {{",
              f"  {job} *j = ({job} *)job;",
              "  napi_value ret = NULL;"]
    if not plan.outputs:
        lines.append("  (void)j;")
    lines += _result_lines(model, plan, "j->", "j->fmt", "ret")
    lines += ["  return ret;", "}", ""]

    decl: List[str] = []
    conv: List[str] = []
    _arg_lines(model, plan, decl, conv, "goto done;")
    arena = []
    copy = []
    pins = []
    cleanup = []
    for i, p in enumerate(plan.inputs):
        n, role = p["name"], p["role"]
        if role == "handle":
            pins.append(f"  if (!dn_job_pin(env, &j->job, argv[{i}], a_{n})) goto done;")
            copy.append(f"  j->{n} = a_{n} ? a_{n}->ptr : NULL;")
        elif role in ("bytes", "fixed_bytes"):
            arena.append(f"a_{n}.len")
            copy.append(f"  j->{n} = dn_job_copy(&j->job, a_{n});")
        elif role == "array" and p["element"] == "dstack_slice":
            arena.append(f"dn_slices_arena(a_{n}_n, a_{n}_total)")
            copy.append(f"  j->{n} = dn_job_copy_slices(&j->job, a_{n}, a_{n}_n);")
            copy.append(f"  j->{n}_n = a_{n}_n;")
            cleanup.append(f"  free(a_{n});")
        elif role == "array":
            arena.append(f"a_{n}.len")
            copy.append(f"  j->{n} = dn_job_copy(&j->job, a_{n});")
            copy.append(f"  j->{n}_n = a_{n}_n;")
        elif role == "optional":
            copy.append(f"  j->{n} = a_{n};")
            copy.append(f"  j->{n}_set = a_{n}_set;")
        else:
            copy.append(f"  j->{n} = a_{n};")
    if plan.fmt_names:
        copy.append("  memcpy(j->fmt, fmt, sizeof fmt);")
    lines += [_header_comment(model, plan),
              f"static napi_value w_{name}(napi_env env, napi_callback_info info) {{",
              f"  napi_value argv[{max(len(plan.js_args), 1)}], ret = NULL;",
              f"  {job} *j = NULL;"]
    lines += decl
    lines.append(f"  if (!dn_args(env, info, {len(plan.js_args)}, argv, \"{name}\")) return NULL;")
    lines += conv
    lines.append(f"  if (!(j = dn_job_new(env, sizeof *j, {' + '.join(arena) or '0'}))) goto done;")
    lines += pins
    lines += copy
    lines += [f"  j->job.exec = x_{name};",
              f"  j->job.result = r_{name};",
              f"  ret = dn_job_start(env, &j->job, \"{name}\");",
              "  j = NULL;",
              "done:",
              "  if (j) dn_job_discard(env, &j->job);"]
    lines += cleanup
    lines += ["  return ret;", "}", ""]
    return lines


def _bulk_pairs(model: Dict[str, Any], plans: Dict[str, Plan]) -> List[Tuple[Plan, Dict[str, Any]]]:
    """(getter, counter) pairs: `X_verb(h, keys..., size_t index, out_struct)` with `X_count(h, keys...)`."""
    fns = {fn["name"]: fn for fn in model["functions"]}
    pairs = []
    for plan in plans.values():
        ps = plan.params
        if plan.fn["blocking"] or not plan.error or len(ps) < 4:
            continue
        *head, index, out, err = ps
        if not (head and head[0]["role"] == "handle" and all(p["role"] == "value" for p in head[1:])
                and index["role"] == "value" and index["name"] == "index" and index["c_type"] == "size_t"
                and out["role"] == "out_struct" and err["role"] == "error"):
            continue
        counter = fns.get(plan.name.rsplit("_", 1)[0] + "_count")
        if not counter:
            continue
        cps = counter["params"]
        keys = [(p["name"], p["role"], p["c_type"]) for p in head]
        if counter["returns"]["role"] == "value" and counter["returns"]["c_type"] == "size_t":
            ok = [(p["name"], p["role"], p["c_type"].replace("const ", "")) for p in cps] == \
                 [(n, r, c.replace("const ", "")) for n, r, c in keys]
        else:
            ok = (len(cps) == len(head) + 2 and cps[-1]["role"] == "error"
                  and cps[-2]["role"] == "out_value" and cps[-2]["type"] == "size_t"
                  and [(p["name"], p["role"]) for p in cps[:-2]] == [(n, r) for n, r, _ in keys])
        if ok:
            pairs.append((plan, counter))
    return pairs


def _bulk_wrapper(model: Dict[str, Any], plan: Plan, counter: Dict[str, Any], err_type: str) -> List[str]:
    name = plan.name
    out = plan.outputs[0]
    keys = [p for p in plan.params if p["role"] in ("handle", "value") and p["name"] != "index"]
    # The plan of the wrapper: the getter's arguments without the index.
    sub = Plan.__new__(Plan)
    sub.__dict__.update(plan.__dict__)
    sub.inputs = keys
    sub.js_args = [p["name"] for p in keys] + ["format"]
    decl: List[str] = []
    conv: List[str] = []
    _arg_lines(model, sub, decl, conv, "goto done;")
    key_args = ", ".join([f"a_{keys[0]['name']}->ptr"] + [f"a_{p['name']}" for p in keys[1:]])
    lines = [f"/* {name}_all({', '.join(sub.js_args)}) -> {plan.returns_js(model)}[]: every item, one call */",
             f"static napi_value w_{name}_all(napi_env env, napi_callback_info info) {{",
             f"  napi_value argv[{len(sub.js_args)}], ret = NULL, arr, item;",
             f"  struct {err_type} *error = NULL;",
             "  dstack_status status;",
             "  size_t count = 0;",
             f"  struct {out['type']} a_{out['name']};"]
    lines += decl
    lines.append(f"  if (!dn_args(env, info, {len(sub.js_args)}, argv, \"{name}_all\")) return NULL;")
    lines += conv
    if counter["returns"]["role"] == "value":
        lines.append(f"  count = {counter['name']}({key_args});")
    else:
        lines += [f"  status = {counter['name']}({key_args}, &count, &error);",
                  "  if (status != DSTACK_STATUS_OK) {",
                  "    dn_throw_status(env, status, error);",
                  "    goto done;",
                  "  }"]
    lines += ["  if (count > UINT32_MAX) {",
              f"    dn_throw(env, DSTACK_STATUS_LIMIT_EXCEEDED, \"{name}_all: %zu items\", count);",
              "    goto done;",
              "  }",
              "  if (napi_create_array_with_length(env, count, &arr) != napi_ok) goto done;",
              "  for (size_t i = 0; i < count; i++) {",
              f"    memset(&a_{out['name']}, 0, sizeof a_{out['name']});",
              f"    status = {name}({key_args}, i, &a_{out['name']}, &error);",
              "    if (status != DSTACK_STATUS_OK) {",
              "      dn_throw_status(env, status, error);",
              "      goto done;",
              "    }",
              f"    item = {_convert(model, plan, out, 'a_', 'fmt')};",
              "    if (!item || napi_set_element(env, arr, (uint32_t)i, item) != napi_ok) goto done;",
              "  }",
              "  ret = arr;",
              "done:",
              "  return ret;",
              "}", ""]
    return lines


def _struct_converter(model: Dict[str, Any], name: str) -> List[str]:
    t = _struct(model, name)
    fields = t["fields"]
    lines = [f"static napi_value dn_struct_{name}(napi_env env, const struct {name} *s, const int *fmt) {{",
             f"  napi_value v[{len(fields)}];"]
    k = 0
    for i, f in enumerate(fields):
        if f["c_type"] == "struct dstack_slice":
            lines.append(f"  v[{i}] = dn_bytes_value(env, s->{f['name']}.ptr, s->{f['name']}.len, fmt[{k}]);")
            k += 1
        else:
            lines.append(f"  v[{i}] = {VALUE_FN[_scalar(model, f['c_type'])]}(env, s->{f['name']});")
    lines.append(f"  return dn_shape(env, {_shape([f['name'] for f in fields])}, {len(fields)}, v);")
    lines += ["}", ""]
    return lines


def _error_value(model: Dict[str, Any], err_type: str) -> List[str]:
    """dn_error_value from the error type's accessors, found by shape."""
    fns = model["functions"]

    def find(pred, what):
        found = [f for f in fns if pred(f)]
        if len(found) != 1:
            raise NapiError(f"expected one {what}, found {[f['name'] for f in found]}")
        return found[0]["name"]

    def on_error(f):
        return len(f["params"]) == 1 and f["params"][0]["role"] == "handle" and f["params"][0].get("type") == err_type

    status_of = find(lambda f: on_error(f) and f["returns"]["c_type"] == "dstack_status", f"{err_type} status getter")
    message_of = find(lambda f: on_error(f) and f["returns"]["role"] == "struct", f"{err_type} message getter")
    status_message = find(lambda f: f["returns"]["role"] == "static_string" and len(f["params"]) == 1
                          and f["params"][0].get("typedef") == "dstack_status", "status message function")
    free = next(t["freed_by"] for t in model["types"] if t["name"] == err_type)
    return [
        "/* The error out of a failed call: its status (or the call's) and message (or the",
        "   status's), through the package's error factory; frees the error. */",
        "napi_value dn_error_value(napi_env env, dstack_status status, struct dstack_error *err) {",
        "  uint32_t st = status;",
        "  struct dstack_slice msg = {NULL, 0};",
        "  napi_value v;",
        "  if (err) {",
        f"    uint32_t s = {status_of}(err);",
        "    if (s) st = s;",
        f"    msg = {message_of}(err);",
        "  }",
        "  if (msg.len) {",
        "    v = dn_make_error(env, st, msg.ptr, msg.len);",
        "  } else {",
        f"    const char *m = {status_message}(status);",
        "    char buf[40];",
        "    if (!m || !*m) {",
        "      snprintf(buf, sizeof buf, \"libdstack status %u\", (unsigned)status);",
        "      m = buf;",
        "    }",
        "    v = dn_make_error(env, st, (const uint8_t *)m, strlen(m));",
        "  }",
        f"  {free}(err);",
        "  return v;",
        "}",
        "",
    ]


def addon_c(model: Dict[str, Any]) -> str:
    err_type = _error_type(model)
    err_free = next(t["freed_by"] for t in model["types"] if t["name"] == err_type)
    plans = {fn["name"]: Plan(model, fn) for fn in wrapped(model)}
    _SHAPES.clear()
    out: List[str] = [
        f"/* Node-API wrappers of every libdstack export, by parameter role. */",
        f"/* {GENERATED} */",
        "/* From include/dstack.abi.json by scripts/abi/emit_napi.py; the conventions are in its",
        "   docstring, the shared runtime in runtime.c. */",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "#include <string.h>",
        "",
        '#include "runtime.h"',
        "",
        f"const char dn_abi_fingerprint[] = \"{fingerprint(model)}\";",
        "",
        "/* Handle types: each object's finalizer calls the `_free` unless the `_free` wrapper ran. */",
    ]
    for t in _handle_types(model):
        hi, lo = _tag(t["name"])
        out += [f"static void dn_free_{t['name']}(void *p) {{ {t['freed_by']}((struct {t['name']} *)p); }}",
                f"static const dn_type dn_type_{t['name']} = {{\"{t['name']}\", {{{hi}, {lo}}}, dn_free_{t['name']}}};"]
    out.append("")
    out += _error_value(model, err_type)
    body: List[str] = []
    structs = sorted({p["type"] for pl in plans.values() for p in pl.outputs
                      if p["role"] == "out_struct" and p["type"] != "dstack_slice"})
    for s in structs:
        body += _struct_converter(model, s)
    exports: List[str] = []
    for plan in plans.values():
        if plan.fn["blocking"]:
            body += _async_wrapper(model, plan)
        else:
            body += _sync_wrapper(model, plan, err_type, err_free)
        exports.append(plan.name)
    for plan, counter in _bulk_pairs(model, plans):
        body += _bulk_wrapper(model, plan, counter, err_type)
        exports.append(plan.name + "_all")
    out.append("/* Result object shapes: JS functions the runtime compiles once per environment. */")
    out.append("enum {")
    out += [f"  DN_S_{i}, /* {', '.join(names)} */" for names, i in _SHAPES.items()]
    out.append("};")
    out.append("const char *const dn_shape_sources[] = {")
    out += [f"    {json.dumps(_shape_js(names))}," for names in _SHAPES]
    out.append("};")
    out.append("const size_t dn_shape_count = sizeof dn_shape_sources / sizeof dn_shape_sources[0];")
    out.append("")
    out += body
    out.append("const dn_export dn_exports[] = {")
    out += [f"    {{\"{n}\", w_{n}}}," for n in exports]
    out += ["};", "const size_t dn_export_count = sizeof dn_exports / sizeof dn_exports[0];", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- abi.js

def abi_js(model: Dict[str, Any]) -> str:
    out: List[str] = [
        "'use strict'",
        "// libdstack's C ABI for the Node binding: constants, and the functions of the Node-API",
        "// addon (bindings/node/addon/dstack_gen.c) with their JS arguments.",
        f"// {GENERATED}",
        "// (scripts/abi/emit_napi.py.) Descriptions are in include/dstack.h; directions,",
        "// ownership and sizes in include/dstack.abi.json.",
        "",
        f"const HEADER_VERSION = {_js(next(c['value'] for c in model['constants'] if c['name'] == 'DSTACK_VERSION'))}",
        "",
    ]
    exports = ["HEADER_VERSION"]
    for e in model["enums"]:
        cls = class_name(e["name"])
        out.append(f"/** `{e['typedef'] or e['name']}` values (`{e['prefix']}*`). */")
        out.append(f"const {cls} = Object.freeze({{")
        out += [f"  {v['short_name']}: {v['value']}," for v in e["values"]]
        out += ["})", ""]
        exports.append(cls)
    status = _enum(model, "dstack_status_e")
    fields = _enum(model, "dstack_field_e")
    out.append("/** Status code → name without DSTACK_STATUS_ (`'NULL_ARGUMENT'`). */")
    out.append("const STATUS_NAMES = Object.freeze({")
    out += [f"  {v['value']}: {_js(v['short_name'])}," for v in status["values"]]
    out += ["})", ""]
    out.append("/** Status code → the header's description. */")
    out.append("const STATUS_DOCS = Object.freeze({")
    out += [f"  {v['value']}: {_js(v['doc'])}," for v in status["values"]]
    out += ["})", ""]
    out.append("/** Field name → kind: bytes, text, bytes_or_text, list_of_bytes, list_of_text, u64. */")
    out.append("const FIELD_KINDS = Object.freeze({")
    out += [f"  {v['short_name']}: {_js(v['kind'])}," for v in fields["values"]]
    out += ["})", ""]
    exports += ["STATUS_NAMES", "STATUS_DOCS", "FIELD_KINDS"]

    plans = {fn["name"]: Plan(model, fn) for fn in wrapped(model)}
    out.append("/** Fingerprint of the wrappers' signatures; the addon carries the same (`abiFingerprint`). */")
    out.append(f"const ADDON_FINGERPRINT = {_js(fingerprint(model))}")
    out.append("")
    out.append("/**")
    out.append(" * Addon function → `[JS arguments, result]`; `async` ones return a Promise of the result.")
    out.append(" * Calling conventions: scripts/abi/emit_napi.py.")
    out.append(" */")
    out.append("const ADDON_FUNCTIONS = Object.freeze({")
    for plan in plans.values():
        args = ([plan.release["name"]] if plan.release else []) + plan.js_args
        tail = ", async: true" if plan.fn["blocking"] else ""
        out.append(f"  {plan.name}: {{ args: {_js_list(args)}, returns: {_js(plan.returns_js(model))}{tail} }},")
    for plan, _counter in _bulk_pairs(model, plans):
        args = [p["name"] for p in plan.inputs if p["name"] != "index"] + ["format"]
        out.append(f"  {plan.name}_all: {{ args: {_js_list(args)}, returns: {_js(plan.returns_js(model) + '[]')} }},")
    out += ["})", ""]
    out.append("/** Functions that talk to the agent (they take `timeout_ms`) and block: the addon runs them async. */")
    out.append("const BLOCKING = Object.freeze([")
    out += [f"  {_js(fn['name'])}," for fn in model["functions"] if fn["blocking"]]
    out += ["])", ""]
    exports += ["ADDON_FINGERPRINT", "ADDON_FUNCTIONS", "BLOCKING"]
    out.append("module.exports = {")
    out += [f"  {name}," for name in exports]
    out += ["}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- abi.d.ts

def abi_dts(model: Dict[str, Any]) -> str:
    """Declarations of abi.js, so index.d.ts types its constants from the header (no
    hand-kept copy of a number)."""
    out: List[str] = [
        "// Types of abi.js (libdstack's C ABI constants for the Node binding).",
        f"// {GENERATED}",
        "// (scripts/abi/emit_napi.py.)",
        "",
        f"export declare const HEADER_VERSION: {_js(next(c['value'] for c in model['constants'] if c['name'] == 'DSTACK_VERSION'))}",
    ]
    for e in model["enums"]:
        cls = class_name(e["name"])
        out.append(f"/** `{e['typedef'] or e['name']}` values (`{e['prefix']}*`). */")
        out.append(f"export declare const {cls}: Readonly<{{")
        out += [f"  {v['short_name']}: {v['value']}" for v in e["values"]]
        out.append("}>")
    out += [
        "export declare const STATUS_NAMES: Readonly<Record<number, string>>",
        "export declare const STATUS_DOCS: Readonly<Record<number, string>>",
        "export declare const FIELD_KINDS: Readonly<Record<string, string>>",
        "export declare const ADDON_FINGERPRINT: string",
        "export declare const ADDON_FUNCTIONS: Readonly<Record<string, { args: string[]; returns: string; async?: true }>>",
        "export declare const BLOCKING: readonly string[]",
        "",
    ]
    return "\n".join(out)
