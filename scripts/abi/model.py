"""The ABI model: include/dstack.h read through the conventions of ffi/ABI.md
("Conventions the generator checks").

C cannot say which pointer is an input, which is an output, who frees what, or how long
a fixed-size array is. The header says it by naming and by a few doc-comment notations,
and this module derives it. Anything it cannot classify, or any name that breaks the
conventions, is an AbiError: a new function must follow the rules (or change them here
and in ABI.md), never be skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from cheader import BUILTIN_SCALARS, CType, Function, Header, Param


class AbiError(Exception):
    """The header breaks a convention; the message says where and how."""


# Kinds of field values (the `Kind: ...` line of each value's doc), with the suffix of the
# accessor that reads them.
FIELD_KINDS = {
    "bytes": ("bytes", "_get"),
    "text": ("text", "_get"),
    "bytes or text": ("bytes_or_text", "_get"),
    "list of bytes": ("list_of_bytes", "_item"),
    "list of text": ("list_of_text", "_item"),
    "u64": ("u64", "_u64"),
}

# Field enums and the handle whose accessors (`<handle>_get`, `_item`, `_u64`) read them:
# `dstack_field` selects a `dstack_response` field (dstack.h), `dstack_verification_field`
# a `dstack_verification` field (dstack_verify.h).
FIELD_ENUMS = {
    "dstack_field_e": "dstack_response",
    "dstack_verification_field_e": "dstack_verification",
}

# Value (non-pointer) parameter types and pointee types of scalar out-parameters.
SCALARS = ("bool", "uint32_t", "uint64_t", "int64_t", "size_t")

# Names that only make sense paired with the parameter they describe.
PAIR_SUFFIXES = ("_len", "_cap", "_count")
BARE_NAMES = ("len", "out", "count", "cap", "ptr")

STATUS_TYPE = "dstack_status"
ERROR_TYPE = "dstack_error"
RESPONSE_TYPE = "dstack_response"


def fail(where: str, msg: str) -> AbiError:
    return AbiError(f"{where}: {msg}")


def flat(doc: str) -> str:
    """The doc as one line (prose wraps at arbitrary points)."""
    return re.sub(r"\s+", " ", doc).strip()


def summary(doc: str) -> str:
    """The first sentence of a doc comment."""
    text = flat(doc)
    m = _SENTENCE_END.search(_mask_code(text))
    return text[: m.start() + 1] if m else text


# A period that ends a sentence: not part of "...", "e.g." or "i.e.".
_SENTENCE_END = re.compile(r"(?<!\.)(?<!\be\.g)(?<!\bi\.e)\.(?:\s|$)")


def _mask_code(text: str) -> str:
    """`text` with everything inside backticks and parentheses replaced by `_`, same length,
    so sentence and clause splitting never cuts inside code or a parenthesis."""
    out = []
    in_code = False
    depth = 0
    for ch in text:
        if ch == "`":
            in_code = not in_code
            out.append(ch)
        elif in_code:
            out.append("_")
        elif ch == "(":
            depth += 1
            out.append(ch)
        elif ch == ")":
            depth = max(0, depth - 1)
            out.append(ch)
        else:
            out.append("_" if depth else ch)
    return "".join(out)


def clauses(doc: str) -> List[str]:
    """Sentences and `;`-separated clauses of a doc, outside code spans and parentheses."""
    text = flat(doc)
    masked = _mask_code(text)
    parts = []
    start = 0
    for m in re.finditer(r"(?:(?<!\.)(?<!\be\.g)(?<!\bi\.e)\.|;)(?:\s|$)", masked):
        parts.append(text[start : m.end()].strip())
        start = m.end()
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


# `name[N]`, `name[other_param]`, `name[count][N]` in backticks: the size notation.
_SIZE = re.compile(r"`\*?([a-z_][a-z0-9_]*)((?:\[[a-z0-9_]+\])+)`")
_CODE = re.compile(r"`([^`]+)`")


def declared_sizes(fn: Function) -> Dict[str, List[str]]:
    """{param: [dims]} from the `name[...]` notation in a function's doc."""
    sizes: Dict[str, List[str]] = {}
    for m in _SIZE.finditer(flat(fn.doc)):
        name = m.group(1)
        dims = re.findall(r"\[([a-z0-9_]+)\]", m.group(2))
        if name in sizes and sizes[name] != dims:
            raise fail(
                fn.name,
                f"the doc gives `{name}` two sizes: [{']['.join(sizes[name])}] and "
                f"[{']['.join(dims)}]",
            )
        sizes[name] = dims
    return sizes


@dataclass
class Ctx:
    header: Header
    opaque: Dict[str, Any]
    structs: Dict[str, Any]
    typedefs: Dict[str, str]
    free_fns: Dict[str, str]


def scalar_of(ctx: Ctx, ty: CType) -> Optional[str]:
    """The builtin scalar behind a type name (`dstack_field` -> `uint32_t`), or None."""
    name = ty.name
    seen = set()
    while name in ctx.typedefs and name not in seen:
        seen.add(name)
        name = ctx.typedefs[name]
    return name if name in SCALARS else None


def classify(ctx: Ctx, fn: Function) -> List[Dict[str, Any]]:
    """Roles of a function's parameters, in order; raises on anything off-convention."""
    where = fn.name
    params = fn.params
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise fail(where, "duplicate parameter names")
    for name in names:
        if name in BARE_NAMES:
            raise fail(f"{where}({name})",
                       f"bare `{name}`: name it after what it describes (`x_len`, `out_x`)")
    fallible = bool(params) and params[-1].name == "out_error"
    sizes = declared_sizes(fn)
    for name, dims in sizes.items():
        if name not in names:
            raise fail(where, f"the doc gives a size for `{name}`, which is not a parameter")
        for d in dims:
            if not d.isdigit() and d not in names:
                raise fail(where, f"`{name}[{d}]`: `{d}` is neither a number nor a parameter")
    used_sizes = set()
    handle_params = [
        p.name for p in params if p.type.ptr == 1 and p.type.name in ctx.opaque
    ]
    borrowed_from = handle_params[0] if handle_params else None

    out: List[Dict[str, Any]] = []
    # `*_count` parameters that arrays name in the doc (`values[vars_count]`).
    count_refs: Dict[str, List[str]] = {}
    i = 0

    def nxt(k: int = 1) -> Optional[Param]:
        return params[i + k] if i + k < len(params) else None

    def is_size_t(p: Optional[Param], name: str, ptr: int = 0) -> bool:
        return (
            p is not None
            and p.name == name
            and p.type.base == "size_t"
            and p.type.ptr == ptr
            and not p.type.const
        )

    def entry(p: Param, role: str, direction: str, nullable: Optional[str], **extra: Any):
        e: Dict[str, Any] = {
            "name": p.name,
            "c_type": p.type.c(),
            "role": role,
            "direction": direction,
            "nullable": nullable,
        }
        e.update(extra)
        out.append(e)

    while i < len(params):
        p = params[i]
        t = p.type
        name = p.name
        pw = f"{where}({name})"
        is_out = name.startswith("out_")

        if name == "out_error":
            if t.c() != f"struct {ERROR_TYPE} **":
                raise fail(pw, f"`out_error` must be `struct {ERROR_TYPE} **`")
            if i != len(params) - 1:
                raise fail(pw, "`out_error` must be the last parameter")
            entry(p, "error", "out", "yes", ownership="owned", freed_by=f"{ERROR_TYPE}_free")
            i += 1
            continue

        # Handles.
        if t.name in ctx.opaque and t.base.startswith("struct "):
            if t.ptr == 2:
                if not is_out or t.const:
                    raise fail(pw, "a handle out-parameter is `struct T **out_x`")
                free = ctx.free_fns.get(t.name)
                if not free:
                    raise fail(pw, f"`{t.name}` has no `{t.name}_free`")
                entry(p, "out_handle", "out", "no", type=t.name, ownership="owned",
                      freed_by=free)
                i += 1
                continue
            if t.ptr == 1:
                if is_out:
                    raise fail(pw, "a handle input must not be named `out_*`")
                if fn.name == f"{t.name}_free":
                    if len(params) != 1 or t.const:
                        raise fail(pw, f"`{fn.name}` takes exactly one `struct {t.name} *`")
                    entry(p, "handle", "in", "yes", type=t.name, ownership="transferred",
                          mutable=True)
                else:
                    entry(p, "handle", "in", "no" if fallible else "yes", type=t.name,
                          ownership="borrowed", mutable=not t.const)
                i += 1
                continue
            raise fail(pw, f"cannot classify `{t.c()}`")

        # Byte pointers.
        if t.base == "uint8_t" and t.ptr == 1:
            if t.const:
                if is_out:
                    raise fail(pw, "an input must not be named `out_*`")
                if is_size_t(nxt(), f"{name}_len"):
                    if name in sizes:
                        raise fail(pw, f"`{name}` has `{name}_len`; drop the size notation")
                    entry(p, "bytes", "in", "if_empty", ownership="borrowed",
                          length_param=f"{name}_len")
                    entry(params[i + 1], "length", "in", None, length_of=name)
                    i += 2
                    continue
                if is_size_t(nxt(), f"{name}_count"):
                    dims = sizes.get(name)
                    if not dims or len(dims) != 2 or dims[0] != f"{name}_count" or not dims[1].isdigit():
                        raise fail(
                            pw,
                            f"an array of fixed-size byte strings needs "
                            f"`{name}[{name}_count][N]` in the doc",
                        )
                    used_sizes.add(name)
                    entry(p, "array", "in", "if_empty", ownership="borrowed",
                          element="uint8_t", element_size=int(dims[1]),
                          count_param=f"{name}_count")
                    entry(params[i + 1], "count", "in", None, count_of=[name])
                    i += 2
                    continue
                dims = sizes.get(name)
                if not dims:
                    raise fail(
                        pw,
                        f"`const uint8_t *{name}` has neither `{name}_len` nor a size "
                        f"(`{name}[N]`) in the doc",
                    )
                if len(dims) != 1 or not dims[0].isdigit():
                    raise fail(pw, f"`{name}[{']['.join(dims)}]`: a fixed input needs `[N]`")
                used_sizes.add(name)
                entry(p, "fixed_bytes", "in", "no", ownership="borrowed", size=int(dims[0]))
                i += 1
                continue
            # uint8_t *: an output buffer.
            if not is_out:
                raise fail(pw, f"a writable `uint8_t *` is an output: name it `out_{name}`")
            if is_size_t(nxt(), f"{name}_cap") and is_size_t(nxt(2), f"{name}_len", ptr=1):
                if name in sizes:
                    raise fail(pw, f"`{name}` has `{name}_cap`; drop the size notation")
                entry(p, "out_buffer", "out", "if_empty", ownership="caller",
                      capacity_param=f"{name}_cap", length_param=f"{name}_len")
                entry(params[i + 1], "capacity", "in", None, capacity_of=name)
                entry(params[i + 2], "out_length", "out", "no", length_of=name,
                      also_written_on="DSTACK_STATUS_BUFFER_TOO_SMALL")
                i += 3
                continue
            nx = nxt()
            if nx is not None and (nx.name.endswith("_cap") or nx.name.endswith("_len")):
                raise fail(
                    pw,
                    f"an output buffer is `uint8_t *{name}, size_t {name}_cap, "
                    f"size_t *{name}_len` (found `{nx.name}`)",
                )
            dims = sizes.get(name)
            if not dims or len(dims) != 1 or not dims[0].isdigit():
                raise fail(
                    pw,
                    f"`uint8_t *{name}` has neither `{name}_cap`/`{name}_len` nor a size "
                    f"(`{name}[N]`) in the doc",
                )
            used_sizes.add(name)
            entry(p, "out_fixed_bytes", "out", "no", ownership="caller", size=int(dims[0]))
            i += 1
            continue

        # Arrays of structs (input) and struct out-parameters.
        if t.name in ctx.structs and t.base.startswith("struct ") and t.ptr == 1:
            if t.const:
                if is_out:
                    raise fail(pw, "an input must not be named `out_*`")
                if is_size_t(nxt(), f"{name}_count"):
                    if name in sizes:
                        raise fail(pw, f"`{name}` has `{name}_count`; drop the size notation")
                    entry(p, "array", "in", "if_empty", ownership="borrowed",
                          element=t.name, count_param=f"{name}_count")
                    entry(params[i + 1], "count", "in", None, count_of=[name])
                    i += 2
                    continue
                dims = sizes.get(name)
                if dims and len(dims) == 1 and not dims[0].isdigit():
                    counter = next((q for q in params if q.name == dims[0]), None)
                    if not (dims[0].endswith("_count") and is_size_t(counter, dims[0])):
                        raise fail(pw, f"`{name}[{dims[0]}]`: `{dims[0]}` must be a `size_t *_count`")
                    count_refs.setdefault(dims[0], []).append(name)
                    used_sizes.add(name)
                    entry(p, "array", "in", "if_empty", ownership="borrowed",
                          element=t.name, count_param=dims[0])
                    i += 1
                    continue
                raise fail(
                    pw,
                    f"`const struct {t.name} *{name}` needs `{name}_count` or "
                    f"`{name}[count_param]` in the doc",
                )
            if not is_out:
                raise fail(pw, f"a writable `struct {t.name} *` is an output: name it `out_*`")
            if borrowed_from is None:
                raise fail(pw, "a struct out-parameter borrows from a handle; there is none")
            entry(p, "out_struct", "out", "no", type=t.name, ownership="borrowed",
                  borrowed_from=borrowed_from)
            i += 1
            continue

        # Scalars by pointer.
        sc = scalar_of(ctx, t)
        if t.ptr == 1 and sc:
            if t.const:
                if is_out:
                    raise fail(pw, "an input must not be named `out_*`")
                entry(p, "optional", "in", "yes", ownership="borrowed", type=t.name)
                i += 1
                continue
            if not is_out:
                raise fail(pw, f"a writable `{t.c()}` is an output: name it `out_{name}`")
            if name.endswith(("_len", "_cap")):
                raise fail(pw, f"`{name}` must follow the output buffer it describes")
            entry(p, "out_value", "out", "no", type=t.name)
            i += 1
            continue

        # Scalars by value.
        if t.ptr == 0 and not t.const and sc:
            if is_out:
                raise fail(pw, "a value parameter must not be named `out_*`")
            if name in count_refs and t.base == "size_t":
                entry(p, "count", "in", None, count_of=count_refs.pop(name))
                i += 1
                continue
            for suffix in PAIR_SUFFIXES:
                if name.endswith(suffix):
                    raise fail(
                        pw,
                        f"`{name}` must directly follow `{name[: -len(suffix)]}` "
                        f"(or be renamed: `*{suffix}` pairs with a pointer)",
                    )
            extra: Dict[str, Any] = {}
            if t.name != sc:
                extra["typedef"] = t.name
            entry(p, "value", "in", None, **extra)
            i += 1
            continue

        raise fail(pw, f"cannot classify `{t.c()}`")

    if count_refs:
        raise fail(where, f"arrays {sorted(count_refs.values())} name a count that precedes them")
    unused = set(sizes) - used_sizes
    if unused:
        raise fail(where, f"the doc gives a size for {sorted(unused)}, which take none")

    # Results come last: no input after the first output.
    seen_out = None
    for e in out:
        if e["direction"] == "out":
            seen_out = seen_out or e["name"]
        elif seen_out and e["role"] != "capacity":
            raise fail(where, f"input `{e['name']}` follows output `{seen_out}`")
    apply_null_markers(fn, out)
    return out


_NAME_LIST = r"`[^`]+`(?:(?:,\s+and\s+|,\s+|\s+and\s+)`[^`]+`)*"
_MUST = re.compile(rf"({_NAME_LIST})(?:,\s+which)?\s+must not be NULL")
_MAY = re.compile(rf"({_NAME_LIST})\s+may be NULL(\s+only\s+(?:with|if|when)\b)?")


def apply_null_markers(fn: Function, params: List[Dict[str, Any]]) -> None:
    """Doc markers that state nullability: "`a` and `b` must not be NULL" (also
    "..., which must not be NULL") and "`a` may be NULL" ("`a` may be NULL only with ..."
    for NULL-when-empty). The backticked names must directly precede the phrase. A marker
    that agrees with the convention changes nothing; one that differs wins and is recorded
    as `nullable_from_doc`. Every name in a marker must be a pointer parameter (catches
    docs left behind by a rename)."""
    by_name = {p["name"]: p for p in params}
    text = flat(fn.doc)
    for pattern, want in ((_MUST, "no"), (_MAY, None)):
        for m in pattern.finditer(text):
            names = [re.sub(r"\[.*$", "", c).lstrip("*") for c in _CODE.findall(m.group(1))]
            value = want or ("if_empty" if m.group(2) else "yes")
            if want is None:
                names = names[:1]  # "`x` may be NULL only with `x_cap` 0": x only
            for n in names:
                p = by_name.get(n)
                if p is None:
                    raise fail(fn.name, f"doc marks `{n}` ({m.group(0)!r}); no such parameter")
                if p["nullable"] is None:
                    raise fail(fn.name, f"doc marks `{n}` as to NULL; it is not a pointer")
                if p["nullable"] != value:
                    p["nullable"] = value
                    p["nullable_from_doc"] = True


def return_of(ctx: Ctx, fn: Function, params: List[Dict[str, Any]]) -> Dict[str, Any]:
    r = fn.ret
    where = f"{fn.name} (return)"
    fallible = bool(params) and params[-1]["role"] == "error"
    if r.c() == STATUS_TYPE:
        if fallible:
            return {"c_type": r.c(), "role": "status"}
        if fn.name.endswith("_status") and len(params) == 1 and params[0]["role"] == "handle":
            return {"c_type": r.c(), "role": "value", "typedef": STATUS_TYPE}
        raise fail(where, "returns dstack_status, so it must take `out_error` last")
    if fallible:
        raise fail(where, "takes `out_error`, so it must return dstack_status")
    if r.c() == "void":
        if fn.name.endswith("_free") and params and params[0]["ownership"] == "transferred":
            return {"c_type": "void", "role": "none"}
        raise fail(where, "only `T_free` returns void; other functions return dstack_status")
    if r.c() == "const char *":
        if not re.search(r"\bstatic\b", fn.doc, re.I):
            raise fail(where, "a `const char *` result must be documented as static")
        return {"c_type": r.c(), "role": "static_string", "ownership": "static"}
    if r.name in ctx.structs and r.ptr == 0:
        handles = [p for p in params if p["role"] == "handle"]
        if not handles:
            raise fail(where, "a struct result borrows from a handle; there is none")
        return {"c_type": r.c(), "role": "struct", "type": r.name, "ownership": "borrowed",
                "borrowed_from": handles[0]["name"]}
    if r.ptr == 0 and scalar_of(ctx, r):
        return {"c_type": r.c(), "role": "value"}
    raise fail(where, f"cannot classify the result `{r.c()}`")


def response_fields(fn: Function, short_fields: Dict[str, int], fields_of: Dict[str, List[str]]):
    """The `DSTACK_FIELD_*` names a response-returning function's doc promises:
    "Response field(s): `A`, `B`-`D`, ..." or "Response fields as for `dstack_other`"."""
    text = flat(fn.doc)
    m = re.search(r"Response fields? as for `(dstack_\w+)`", text)
    if m:
        other = m.group(1)
        if other not in fields_of:
            raise fail(fn.name, f"\"Response fields as for `{other}`\": {other} is not an "
                       "earlier response-returning function")
        return list(fields_of[other])
    for clause in clauses(fn.doc):
        m = re.match(r"Response fields?:", clause)
        if not m:
            continue
        names: List[str] = []
        body = clause[m.end():]
        for rm in re.finditer(r"`([A-Z][A-Z0-9_]*)`(?:\s*-\s*`([A-Z][A-Z0-9_]*)`)?", body):
            first, last = rm.group(1), rm.group(2)
            for n in (first, last):
                if n and n not in short_fields:
                    raise fail(fn.name, f"doc lists response field `{n}`: no DSTACK_FIELD_{n}")
            if last:
                lo, hi = short_fields[first], short_fields[last]
                if hi <= lo:
                    raise fail(fn.name, f"field range `{first}`-`{last}` is empty")
                by_value = {v: k for k, v in short_fields.items()}
                names.extend(by_value[v] for v in range(lo, hi + 1))
            else:
                names.append(first)
        if not names:
            raise fail(fn.name, "\"Response fields:\" lists no `FIELD`")
        return names
    raise fail(fn.name, "returns a dstack_response: its doc must say \"Response fields: `A`, "
               "`B`\" (or \"Response fields as for `dstack_other`\")")


def check_out_names(fn: Function, params: List[Dict[str, Any]]) -> None:
    """Every backticked `out`/`out_*` name in a function's doc is one of its parameters, so
    a rename cannot leave the prose behind."""
    names = {p["name"] for p in params}
    for code in _CODE.findall(flat(fn.doc)):
        n = re.sub(r"\[.*$", "", code).lstrip("*")
        if re.fullmatch(r"out(_[a-z0-9_]+)?", n) and n not in names:
            raise fail(fn.name, f"doc mentions `{code}`, which is not a parameter")


def enum_prefix(names: List[str]) -> str:
    """`DSTACK_STATUS_` of DSTACK_STATUS_OK, DSTACK_STATUS_IO, ...: the longest common
    prefix ending in `_`."""
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("_") + 1]


def build(header: Header, version: str, base: Optional[Tuple[str, Header, Dict[str, Any]]] = None,
          header_file: str = "include/dstack.h") -> Dict[str, Any]:
    """The whole model as plain data (the content of include/dstack.abi.json).

    `base` is given for a header that extends another (include/dstack_verify.h, which
    includes dstack.h): (the include name, the base header, its model). The base's types,
    handles and response fields are then known, but only the extension's own declarations
    are in the model. `header_file` is the header's path, for the `generated_by` note."""
    h = header
    base_h = base[1] if base else Header()
    allowed_includes = ["<stdbool.h>", "<stddef.h>", "<stdint.h>"]
    if base:
        allowed_includes.append(f'"{base[0]}"')
    for o in h.opaques:
        if not o.name.startswith("dstack_"):
            raise fail(o.name, "type names start with `dstack_`")
    for s in h.structs:
        if not s.name.startswith("dstack_"):
            raise fail(s.name, "type names start with `dstack_`")
    for t in h.typedefs:
        if not t.name.startswith("dstack_"):
            raise fail(t.name, "type names start with `dstack_`")
        if t.type.ptr or t.type.name not in BUILTIN_SCALARS:
            raise fail(t.name, f"typedefs name fixed-width integers; `{t.type.c()}` is not")
    for inc in h.includes:
        if inc not in allowed_includes:
            raise fail("header", f"unexpected #include {inc}")

    fn_names = [f.name for f in h.functions]
    if len(set(fn_names)) != len(fn_names):
        raise fail("header", "a function is declared twice")
    if set(fn_names) & {f.name for f in base_h.functions}:
        raise fail("header", "a function of the base header is declared again")
    free_fns = {o.name: f"{o.name}_free" for o in base_h.opaques}
    for o in h.opaques:
        if f"{o.name}_free" in fn_names:
            free_fns[o.name] = f"{o.name}_free"
        else:
            raise fail(o.name, f"every handle has exactly one `_free`; `{o.name}_free` is missing")
    ctx = Ctx(
        header=h,
        opaque={o.name: o for o in base_h.opaques + h.opaques},
        structs={s.name: s for s in base_h.structs + h.structs},
        typedefs={t.name: t.type.name for t in base_h.typedefs + h.typedefs},
        free_fns=free_fns,
    )

    # Enums and constants.
    enums = []
    constants: List[Dict[str, Any]] = []
    all_values: Dict[str, Tuple[int, str]] = {}
    typedef_names = {t.name for t in h.typedefs}
    fields_enum = None
    for e in h.enums:
        if not e.name.startswith("dstack_") or not e.name.endswith("_e"):
            raise fail(e.name, "enums are named `dstack_<thing>_e`")
        if h.enum_typedefs.get(e.name, "uint32_t") != "uint32_t":
            raise fail(e.name, "enums name uint32_t values")
        if not e.values:
            raise fail(e.name, "empty enum")
        typedef = e.name[: -len("_e")]
        typedef = typedef if typedef in typedef_names else None
        prefix = enum_prefix([v.name for v in e.values])
        seen_values: Dict[int, str] = {}
        values = []
        for v in e.values:
            if not v.name.startswith("DSTACK_"):
                raise fail(v.name, "constants start with `DSTACK_`")
            if v.value in seen_values:
                raise fail(e.name, f"{v.name} reuses the value of {seen_values[v.value]}")
            seen_values[v.value] = v.name
            if not v.doc:
                raise fail(v.name, "every constant has a doc comment")
            item: Dict[str, Any] = {
                "name": v.name,
                "short_name": v.name[len(prefix):],
                "value": v.value,
                "doc": flat(v.doc),
            }
            if e.name in FIELD_ENUMS:
                km = re.search(r"(?:^|\s)Kind: ([a-z0-9 ]+)\.\s*$", flat(v.doc))
                if not km or km.group(1) not in FIELD_KINDS:
                    raise fail(
                        v.name,
                        "a field's doc ends with `Kind: <kind>.`, kind one of "
                        + ", ".join(FIELD_KINDS),
                    )
                item["doc"] = flat(v.doc)[: km.start()].strip()
                kind, suffix = FIELD_KINDS[km.group(1)]
                item["kind"], item["accessor"] = kind, FIELD_ENUMS[e.name] + suffix
            values.append(item)
            all_values[v.name] = (v.value, typedef or "uint32_t")
            constants.append({
                "name": v.name, "type": typedef or "uint32_t", "value": v.value,
                "enum": e.name, "doc": item["doc"],
            })
        entry = {
            "name": e.name, "typedef": typedef, "underlying": "uint32_t", "prefix": prefix,
            "doc": flat(e.doc), "values": values,
        }
        enums.append(entry)
        if e.name == "dstack_field_e":
            fields_enum = entry
    if base:
        fields_enum = next(e for e in base[2]["enums"] if e["name"] == "dstack_field_e")
    if fields_enum is None:
        raise fail("header", "no dstack_field_e enum")
    if not base and not any(e["name"] == "dstack_status_e" for e in enums):
        raise fail("header", "no dstack_status_e enum")

    for d in h.defines:
        if not d.name.startswith("DSTACK_"):
            raise fail(d.name, "constants start with `DSTACK_`")
        if not d.doc:
            raise fail(d.name, "every constant has a doc comment")
        v = d.value
        if re.fullmatch(r"-?\d+", v):
            constants.append({"name": d.name, "type": "int", "value": int(v), "doc": flat(d.doc),
                              "macro": True})
        elif re.fullmatch(r'"[^"\\]*"', v):
            constants.append({"name": d.name, "type": "const char *", "value": v[1:-1],
                              "doc": flat(d.doc), "macro": True})
        elif v in all_values:
            value, ty = all_values[v]
            constants.append({"name": d.name, "type": ty, "value": value, "alias_of": v,
                              "doc": flat(d.doc), "macro": True})
        else:
            raise fail(d.name, f"unsupported #define value `{v}`")

    # Functions.
    short_fields = {v["short_name"]: v["value"] for v in fields_enum["values"]}
    fields_of: Dict[str, List[str]] = {}
    functions = []
    for f in h.functions:
        if not f.name.startswith("dstack_"):
            raise fail(f.name, "functions start with `dstack_`")
        if not f.doc:
            raise fail(f.name, "every function has a doc comment")
        params = classify(ctx, f)
        check_out_names(f, params)
        ret = return_of(ctx, f, params)
        item = {
            "name": f.name,
            "summary": summary(f.doc),
            "doc": f.doc,
            "returns": ret,
            "fallible": ret["role"] == "status",
            "blocking": any(p["name"] == "timeout_ms" and p["role"] == "value" for p in params),
            "params": params,
        }
        if any(p["role"] == "out_handle" and p["type"] == RESPONSE_TYPE for p in params):
            item["response_fields"] = response_fields(f, short_fields, fields_of)
            fields_of[f.name] = item["response_fields"]
        functions.append(item)

    # Types.
    types: List[Dict[str, Any]] = []
    for o in h.opaques:
        types.append({
            "name": o.name, "kind": "opaque", "doc": flat(o.doc), "freed_by": free_fns[o.name],
            "created_by": [
                f["name"] for f in functions
                if any(p["role"] == "out_handle" and p["type"] == o.name for p in f["params"])
            ],
        })
    for s in h.structs:
        types.append({
            "name": s.name, "kind": "struct", "doc": flat(s.doc),
            "fields": [{"name": x.name, "c_type": x.type.c(), "doc": flat(x.doc)} for x in s.fields],
        })
    for t in h.typedefs:
        enum = f"{t.name}_e" if any(e["name"] == f"{t.name}_e" for e in enums) else None
        types.append({"name": t.name, "kind": "typedef", "c_type": t.type.c(), "enum": enum,
                      "doc": flat(t.doc)})

    if not base:
        by_value = {v["short_name"]: v for v in fields_enum["values"]}
        for short, v in by_value.items():
            v["returned_by"] = [
                f["name"] for f in functions if short in f.get("response_fields", [])
            ]

    model: Dict[str, Any] = {
        "schema": "libdstack-abi/1",
        "generated_by": f"scripts/abi/gen.py from {header_file}; do not edit",
        "version": version,
    }
    if base:
        model["header"] = header_file
        model["extends"] = base[0]
    model.update(constants=constants, enums=enums, types=types, functions=functions)
    return model
