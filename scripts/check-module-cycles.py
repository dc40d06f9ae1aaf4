#!/usr/bin/env python3
"""Fails if the modules of a Rust crate import each other in a cycle.

Usage: scripts/check-module-cycles.py [SRC_DIR ...]   (default: ffi/src)

Reads every top-level module `SRC_DIR/<name>.rs` (and `SRC_DIR/<name>/mod.rs`) and takes an
edge A -> B for each `crate::B` (or `$crate::B`, or `super::B` in a direct child) A names
outside comments and outside its `#[cfg(test)]` module: a `use` line, a path in code, a
macro body. A name the crate root re-exports (`pub use B::name;` in lib.rs, as
`crate::dstack_error`) is an edge to B. lib.rs itself is the root above every module and is
not a node. Prints the modules layer by layer (each uses only modules of lower layers) and
exits 1 with the cycle if there is one.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def strip(text):
    """The code of a module without comments, string literals and its test module."""
    text = re.sub(r"(?s)/\*.*?\*/", "", text)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    m = re.search(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s+\w+\s*\{", text)
    return text[: m.start()] if m else text


def modules(src):
    found = {}
    for p in sorted(src.glob("*.rs")):
        if p.stem not in ("lib", "main"):
            found[p.stem] = p
    for p in sorted(src.glob("*/mod.rs")):
        found[p.parent.name] = p
    return found


def graph(src):
    mods = modules(src)
    root = (src / "lib.rs").read_text() if (src / "lib.rs").exists() else ""
    # `pub use error::dstack_error;` in lib.rs: crate::dstack_error is module `error`.
    reexports = {}
    for m, names in re.findall(r"pub\s+use\s+(\w+)::\{?([\w\s,]+)\}?\s*;", strip(root)):
        for n in names.split(","):
            reexports[n.strip()] = m
    edges = {m: set() for m in mods}
    for m, path in mods.items():
        code = strip(path.read_text())
        for name in re.findall(r"(?:\$crate|\bcrate|\bsuper)::(\w+)", code):
            target = name if name in mods else reexports.get(name)
            if target and target != m:
                edges[m].add(target)
    return edges


def find_cycle(edges):
    state, stack = {}, []

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for d in sorted(edges[n]):
            if state.get(d) == "open":
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[n] = "done"
        return None

    for n in sorted(edges):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def layers(edges):
    level = {}

    def depth(n):
        if n not in level:
            level[n] = 1 + max((depth(d) for d in edges[n]), default=-1)
        return level[n]

    for n in edges:
        depth(n)
    out = {}
    for n, lv in level.items():
        out.setdefault(lv, []).append(n)
    return [sorted(out[k]) for k in sorted(out)]


def main(argv):
    dirs = [Path(a) for a in argv] or [ROOT / "ffi" / "src"]
    failed = False
    for src in dirs:
        edges = graph(src)
        cycle = find_cycle(edges)
        if cycle:
            print(f"{src}: import cycle: {' -> '.join(cycle)}")
            failed = True
            continue
        print(f"{src}: {len(edges)} modules, no import cycle; layers (each uses only lower ones):")
        for i, layer in enumerate(layers(edges)):
            print(f"  {i}: {', '.join(layer)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
