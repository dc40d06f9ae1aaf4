"""Reads include/dstack.h as cbindgen writes it: doc comments, #defines, enums, typedefs,
structs and function prototypes, with their C types.

This is not a general C parser. It accepts the small, regular subset cbindgen emits and
raises HeaderError on anything else, so a construct the generator does not understand
can never be skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


class HeaderError(Exception):
    """The header contains something this reader does not accept."""


# C types the generator knows without a declaration in the header.
BUILTIN_SCALARS = ("bool", "uint8_t", "uint32_t", "uint64_t", "int64_t", "size_t", "char", "void")


@dataclass(frozen=True)
class CType:
    """A C type as cbindgen spells it: `[const] base *...`. `base` keeps a `struct ` prefix."""

    base: str
    const: bool = False
    ptr: int = 0

    @property
    def name(self) -> str:
        """The base without `struct `: `dstack_client` for `struct dstack_client`."""
        return self.base[len("struct "):] if self.base.startswith("struct ") else self.base

    def c(self, keep_struct: bool = True) -> str:
        base = self.base if keep_struct else self.name
        text = ("const " if self.const else "") + base
        return text + (" " + "*" * self.ptr if self.ptr else "")

    def declare(self, name: str, keep_struct: bool = True) -> str:
        """`const uint8_t *name`: a declaration of `name` with this type."""
        text = self.c(keep_struct)
        return text + name if text.endswith("*") else f"{text} {name}"


@dataclass
class Define:
    name: str
    value: str
    doc: str


@dataclass
class Enumerator:
    name: str
    value: int
    doc: str


@dataclass
class Enum:
    name: str
    doc: str
    underlying: Optional[str]
    values: List[Enumerator]


@dataclass
class Typedef:
    name: str
    type: CType
    doc: str


@dataclass
class Field:
    name: str
    type: CType
    doc: str


@dataclass
class Struct:
    name: str
    doc: str
    fields: List[Field]


@dataclass
class Opaque:
    name: str
    doc: str


@dataclass
class Param:
    name: str
    type: CType


@dataclass
class Function:
    name: str
    doc: str
    ret: CType
    params: List[Param]


@dataclass
class Header:
    includes: List[str] = field(default_factory=list)
    defines: List[Define] = field(default_factory=list)
    enums: List[Enum] = field(default_factory=list)
    typedefs: List[Typedef] = field(default_factory=list)
    structs: List[Struct] = field(default_factory=list)
    opaques: List[Opaque] = field(default_factory=list)
    functions: List[Function] = field(default_factory=list)
    # Typedefs cbindgen adds for C only (`typedef uint32_t dstack_status_e;` after an enum).
    enum_typedefs: Dict[str, str] = field(default_factory=dict)


_TOKEN = re.compile(
    r"""
    (?P<doc>/\*\*.*?\*/)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<directive>^[ \t]*\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>0[xX][0-9a-fA-F]+|\d+)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<punct>[{}()\[\];,*=:])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.S | re.M | re.X,
)


def clean_doc(raw: str) -> str:
    """The text of a `/** ... */` comment: one line per comment line, ` * ` stripped."""
    body = raw[3:-2]
    lines = []
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("*"):
            line = line[1:]
            if line.startswith(" "):
                line = line[1:]
        lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def tokenize(text: str) -> List[Tuple[str, str, int]]:
    """(kind, text, line) tokens of the parts of the header a C compiler sees; directives
    are evaluated here (`__cplusplus` undefined), `#define NAME VALUE` becomes a token."""
    out: List[Tuple[str, str, int]] = []
    # Stack of (active, what): one entry per open #if.
    stack: List[Tuple[bool, str]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        value = m.group()
        line = _line_of(text, m.start())
        if kind in ("space", "comment"):
            continue
        if kind == "other":
            raise HeaderError(f"line {line}: unexpected character {value!r}")
        if kind == "directive":
            d = value.strip()[1:].strip()
            words = d.split()
            if not words:
                raise HeaderError(f"line {line}: empty directive")
            if words[0] in ("ifdef", "ifndef") and len(words) == 2:
                name = words[1]
                if name == "__cplusplus":
                    stack.append((words[0] == "ifndef", d))
                elif words[0] == "ifndef" and re.fullmatch(r"[A-Z_]+_H", name):
                    stack.append((True, d))  # the include guard
                else:
                    raise HeaderError(f"line {line}: unsupported conditional `#{d}`")
                continue
            if words[0] == "endif":
                if not stack:
                    raise HeaderError(f"line {line}: #endif without #if")
                stack.pop()
                continue
            if words[0] in ("if", "elif", "else", "undef", "pragma", "error"):
                raise HeaderError(f"line {line}: unsupported directive `#{d}`")
            if not all(active for active, _ in stack):
                continue
            if words[0] == "include":
                out.append(("include", d[len("include"):].strip(), line))
            elif words[0] == "define":
                dm = re.fullmatch(r"define\s+([A-Za-z_]\w*)(?:\s+(.+))?", d)
                if not dm:
                    raise HeaderError(f"line {line}: unsupported #define `{d}`")
                if dm.group(2) is None:
                    continue  # the include guard's own #define
                out.append(("define", f"{dm.group(1)} {dm.group(2).strip()}", line))
            else:
                raise HeaderError(f"line {line}: unsupported directive `#{d}`")
            continue
        if not all(active for active, _ in stack):
            continue
        out.append((kind, value, line))
    if stack:
        raise HeaderError(f"unterminated #{stack[-1][1]}")
    return out


class _Parser:
    def __init__(self, tokens: List[Tuple[str, str, int]]) -> None:
        self.toks = tokens
        self.i = 0
        self.h = Header()

    def peek(self, k: int = 0) -> Tuple[str, str, int]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "", -1)

    def take(self, expect: Optional[str] = None) -> Tuple[str, str, int]:
        tok = self.peek()
        if tok[0] == "eof":
            raise HeaderError("unexpected end of header")
        if expect is not None and tok[1] != expect:
            raise HeaderError(f"line {tok[2]}: expected `{expect}`, found `{tok[1]}`")
        self.i += 1
        return tok

    def ident(self) -> str:
        tok = self.take()
        if tok[0] != "ident":
            raise HeaderError(f"line {tok[2]}: expected a name, found `{tok[1]}`")
        return tok[1]

    def doc(self) -> str:
        """The doc comment(s) right before the next declaration, joined."""
        docs = []
        while self.peek()[0] == "doc":
            docs.append(clean_doc(self.take()[1]))
        return "\n\n".join(d for d in docs if d)

    def ctype(self, tokens: List[Tuple[str, str, int]]) -> CType:
        words = [t[1] for t in tokens]
        line = tokens[0][2] if tokens else -1
        const = False
        if words and words[0] == "const":
            const = True
            words = words[1:]
        ptr = 0
        while words and words[-1] == "*":
            ptr += 1
            words = words[:-1]
        if "const" in words or "*" in words:
            raise HeaderError(f"line {line}: unsupported type `{' '.join(t[1] for t in tokens)}`")
        if words[:1] == ["struct"] and len(words) == 2:
            base = "struct " + words[1]
        elif len(words) == 1:
            base = words[0]
        else:
            raise HeaderError(f"line {line}: unsupported type `{' '.join(t[1] for t in tokens)}`")
        return CType(base, const, ptr)

    def run(self) -> Header:
        while self.peek()[0] != "eof":
            doc = self.doc()
            kind, value, line = self.peek()
            if kind == "eof":
                break
            if kind == "include":
                self.take()
                self.h.includes.append(value)
            elif kind == "define":
                self.take()
                name, val = value.split(" ", 1)
                self.h.defines.append(Define(name, val, doc))
            elif value == "enum":
                self.enum(doc)
            elif value == "typedef":
                self.typedef(doc)
            else:
                self.function(doc)
        return self.h

    def enum(self, doc: str) -> None:
        self.take("enum")
        name = self.ident()
        underlying = None
        if self.peek()[1] == ":":  # only in C++, which tokenize() evaluates away
            self.take(":")
            underlying = self.ident()
        self.take("{")
        values: List[Enumerator] = []
        while self.peek()[1] != "}":
            vdoc = self.doc()
            vname = self.ident()
            self.take("=")
            tok = self.take()
            if tok[0] != "number":
                raise HeaderError(f"line {tok[2]}: enumerator {vname} needs a literal value")
            values.append(Enumerator(vname, int(tok[1], 0), vdoc))
            if self.peek()[1] == ",":
                self.take(",")
        self.take("}")
        self.take(";")
        self.h.enums.append(Enum(name, doc, underlying, values))

    def typedef(self, doc: str) -> None:
        self.take("typedef")
        if self.peek()[1] == "struct" and self.peek(2)[1] == "{":
            self.take("struct")
            tag = self.ident()
            self.take("{")
            fields: List[Field] = []
            while self.peek()[1] != "}":
                fdoc = self.doc()
                toks = []
                while self.peek()[1] != ";":
                    toks.append(self.take())
                self.take(";")
                if len(toks) < 2 or toks[-1][0] != "ident":
                    raise HeaderError(f"line {toks[0][2] if toks else '?'}: malformed struct field")
                fields.append(Field(toks[-1][1], self.ctype(toks[:-1]), fdoc))
            self.take("}")
            alias = self.ident()
            self.take(";")
            if alias != tag:
                raise HeaderError(f"struct {tag} is typedef'd as {alias}: names must match")
            self.h.structs.append(Struct(tag, doc, fields))
            return
        toks = []
        while self.peek()[1] != ";":
            toks.append(self.take())
        self.take(";")
        if len(toks) < 2 or toks[-1][0] != "ident":
            raise HeaderError(f"line {toks[0][2] if toks else '?'}: malformed typedef")
        name = toks[-1][1]
        ty = self.ctype(toks[:-1])
        if ty.base == "struct " + name and not ty.ptr and not ty.const:
            self.h.opaques.append(Opaque(name, doc))
        elif any(e.name == name for e in self.h.enums) and not doc:
            self.h.enum_typedefs[name] = ty.c()
        else:
            self.h.typedefs.append(Typedef(name, ty, doc))

    def function(self, doc: str) -> None:
        toks = []
        while self.peek()[1] != "(":
            tok = self.take()
            if tok[1] in (";", "{", "}", "="):
                raise HeaderError(f"line {tok[2]}: unexpected `{tok[1]}` (not a declaration)")
            toks.append(tok)
        if len(toks) < 2 or toks[-1][0] != "ident":
            raise HeaderError(f"line {toks[0][2] if toks else '?'}: malformed declaration")
        name = toks[-1][1]
        ret = self.ctype(toks[:-1])
        self.take("(")
        params: List[Param] = []
        if self.peek()[1] == "void" and self.peek(1)[1] == ")":
            self.take("void")
        while self.peek()[1] != ")":
            ptoks = []
            while self.peek()[1] not in (",", ")"):
                tok = self.take()
                if tok[1] in ("[", "]", "(", ";"):
                    raise HeaderError(
                        f"line {tok[2]}: {name}: unsupported parameter syntax `{tok[1]}`"
                    )
                ptoks.append(tok)
            if len(ptoks) < 2 or ptoks[-1][0] != "ident":
                raise HeaderError(f"{name}: every parameter needs a type and a name")
            params.append(Param(ptoks[-1][1], self.ctype(ptoks[:-1])))
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        self.take(";")
        self.h.functions.append(Function(name, doc, ret, params))


def parse(text: str) -> Header:
    return _Parser(tokenize(text)).run()
