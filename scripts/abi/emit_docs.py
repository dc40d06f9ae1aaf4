"""The generated tables of ffi/ABI.md: status codes, response fields, functions. Each sits
between `<!-- BEGIN GENERATED name -->` and `<!-- END GENERATED name -->`; the prose
around them is hand-written and left alone."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List



def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def status_table(model: Dict[str, Any]) -> str:
    enum = next(e for e in model["enums"] if e["name"] == "dstack_status_e")
    rows = ["| value | name | meaning |", "|---|---|---|"]
    for v in enum["values"]:
        rows.append(f"| {v['value']} | `{v['name']}` | {_cell(v['doc'])} |")
    return "\n".join(rows)


def field_table(model: Dict[str, Any]) -> str:
    enum = next(e for e in model["enums"] if e["name"] == "dstack_field_e")
    rows = [
        "Kinds: `bytes`, `text` (UTF-8) and `bytes_or_text` (depends on the call) are read with",
        "`dstack_response_get`; `list_of_bytes` and `list_of_text` with `dstack_response_count`",
        "and `dstack_response_item`; `u64` with `dstack_response_u64`.",
        "",
        "| value | field | kind | returned by | meaning |",
        "|---|---|---|---|---|",
    ]
    for v in enum["values"]:
        by = ", ".join(f"`{f}`" for f in v["returned_by"]) or "(none)"
        rows.append(
            f"| {v['value']} | `{v['short_name']}` | {v['kind']} | {by} | {_cell(v['doc'])} |"
        )
    return "\n".join(rows)


def _input(p: Dict[str, Any], params: Dict[str, Dict[str, Any]]) -> str:
    role = p["role"]
    n = p["name"]
    if role == "handle":
        freed = " (freed)" if p["ownership"] == "transferred" else ""
        return f"`{n}`: `{p['type']}`{freed}"
    if role == "bytes":
        return f"`{n}[{p['length_param']}]`"
    if role == "array":
        if p["element"] == "uint8_t":
            return f"`{n}[{p['count_param']}][{p['element_size']}]`"
        return f"`{n}[{p['count_param']}]`: `{p['element']}`"
    if role == "fixed_bytes":
        return f"`{n}[{p['size']}]`"
    if role == "optional":
        return f"`{n}?`: `{p['type']}`"
    if role == "value":
        return f"`{n}`: `{p.get('typedef') or p['c_type']}`"
    raise AssertionError(role)


def _output(p: Dict[str, Any]) -> str:
    role = p["role"]
    n = p["name"]
    if role == "out_handle":
        return f"`*{n}`: `{p['type']}` (owned, `{p['freed_by']}`)"
    if role == "out_fixed_bytes":
        return f"`{n}[{p['size']}]`"
    if role == "out_buffer":
        return f"`{n}[{p['capacity_param']}]`, `*{p['length_param']}`"
    if role == "out_value":
        return f"`*{n}`: `{p['type']}`"
    if role == "out_struct":
        return f"`*{n}`: `{p['type']}` (borrowed from `{p['borrowed_from']}`)"
    raise AssertionError(role)


def _returns(r: Dict[str, Any]) -> str:
    role = r["role"]
    if role == "static_string":
        return f"returns `{r['c_type']}` (static)"
    if role == "struct":
        return f"returns `{r['type']}` (borrowed from `{r['borrowed_from']}`)"
    if role == "value":
        return f"returns `{r['c_type']}`"
    return ""


def function_table(model: Dict[str, Any]) -> str:
    rows = [
        "Notation: `x[x_len]` input bytes (NULL only with length 0); `x[N]` exactly N bytes;",
        "`x[n][N]` n items of N bytes; `x[n]`: `dstack_slice` n slices; `x?` optional value by",
        "pointer (NULL = absent). Outputs: `*out_x` written on success; `out_x[N]` a caller",
        "buffer of N bytes; `out_x[out_x_cap]`, `*out_x_len` a caller buffer and its length",
        "(the needed size on `DSTACK_STATUS_BUFFER_TOO_SMALL`). Owned handles name their `_free`;",
        "borrowed values live until the handle they come from is freed. Every function that",
        "returns `dstack_status` takes `dstack_error **out_error` last (not repeated below);",
        "those with a `timeout_ms` talk to the agent and block.",
        "",
        "| function | inputs | outputs | summary |",
        "|---|---|---|---|",
    ]
    for fn in model["functions"]:
        params = {p["name"]: p for p in fn["params"]}
        ins = [
            _input(p, params)
            for p in fn["params"]
            if p["direction"] == "in" and p["role"] not in ("length", "count", "capacity")
        ]
        outs = [
            _output(p)
            for p in fn["params"]
            if p["direction"] == "out" and p["role"] not in ("error", "out_length")
        ]
        ret = _returns(fn["returns"])
        if ret:
            outs.append(ret)
        rows.append(
            f"| `{fn['name']}` | {', '.join(ins) or '—'} | {', '.join(outs) or '—'} "
            f"| {_cell(fn['summary'])} |"
        )
    return "\n".join(rows)


def verification_field_table(model: Dict[str, Any]) -> str:
    enum = next(e for e in model["enums"] if e["name"] == "dstack_verification_field_e")
    rows = [
        "Kinds: `bytes` and `text` (UTF-8) are read with `dstack_verification_get`;",
        "`list_of_bytes` and `list_of_text` with `dstack_verification_count` and",
        "`dstack_verification_item`; `u64` (booleans 0/1) with `dstack_verification_u64`.",
        "",
        "| value | field | kind | meaning |",
        "|---|---|---|---|",
    ]
    for v in enum["values"]:
        rows.append(f"| {v['value']} | `{v['short_name']}` | {v['kind']} | {_cell(v['doc'])} |")
    return "\n".join(rows)


def constants_table(model: Dict[str, Any]) -> str:
    """Every enum but the field enums (which have their own table), value by value."""
    rows = ["| enum | value | name | meaning |", "|---|---|---|---|"]
    for e in model["enums"]:
        if e["name"].endswith("_field_e"):
            continue
        for v in e["values"]:
            rows.append(f"| `{e['typedef'] or e['name']}` | {v['value']} | `{v['name']}` "
                        f"| {_cell(v['doc'])} |")
    return "\n".join(rows)


SECTIONS: Dict[str, Callable[[Dict[str, Any]], str]] = {
    "status-codes": status_table,
    "response-fields": field_table,
    "functions": function_table,
}

# The generated sections of verify-ffi/ABI.md (include/dstack_verify.h).
VERIFY_SECTIONS: Dict[str, Callable[[Dict[str, Any]], str]] = {
    "constants": constants_table,
    "verification-fields": verification_field_table,
    "functions": function_table,
}


class DocsError(Exception):
    pass


def abi_md(current: str, model: Dict[str, Any],
           sections: Dict[str, Callable[[Dict[str, Any]], str]] = SECTIONS,
           path: str = "ffi/ABI.md", source: str = "ffi/src") -> str:
    """`current` with every generated section replaced; each must appear exactly once.
    `path` names the file in errors; `source` is where the header comes from."""
    text = current
    header = model.get("header", "include/dstack.h")
    note = f"<!-- generated by scripts/abi/gen.py from {header}: edit {source}, regenerate -->"
    for name, render in sections.items():
        begin = f"<!-- BEGIN GENERATED {name} -->"
        end = f"<!-- END GENERATED {name} -->"
        if text.count(begin) != 1 or text.count(end) != 1:
            raise DocsError(f"{path} needs exactly one `{begin}` ... `{end}` pair")
        a = text.index(begin) + len(begin)
        b = text.index(end)
        if b < a:
            raise DocsError(f"{path}: `{end}` comes before `{begin}`")
        text = text[:a] + "\n" + note + "\n\n" + render(model) + "\n\n" + text[b:]
    unknown = set(re.findall(r"<!-- BEGIN GENERATED ([\w-]+) -->", text)) - set(sections)
    if unknown:
        raise DocsError(f"{path} has unknown generated sections {sorted(unknown)}")
    return text
