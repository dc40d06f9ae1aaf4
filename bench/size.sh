#!/usr/bin/env bash
# Where the bytes of libdstack.so go (not part of `make bench`; about a minute).
#
#   bash bench/size.sh
#
# Prints the stripped size of the shipped build (target/release, what `cargo build
# --release -p dstack-ffi` makes: LTO, since dstack-ffi's crate types are cdylib and
# staticlib only), and breaks it down: ELF sections, then .text by crate from the symbol
# table (demangled names; the exported dstack_* functions count as the ffi crate). std's
# backtrace symbolizer (gimli, addr2line, object, miniz_oxide, rustc_demangle) is reached
# from the default panic hook, so every Rust library that can panic with panic=unwind
# carries it; only a std built without its "backtrace" feature (nightly -Zbuild-std) drops it.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
build_release >/dev/null
OUT="$ROOT/target"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
strip -o "$WORK/lto.so" "$OUT/release/libdstack.so"
echo "libdstack.so stripped, as cargo build --release -p dstack-ffi makes it (LTO): $(stat -c %s "$WORK/lto.so") bytes"
echo "libdstack.a: $(stat -c %s "$OUT/release/libdstack.a") bytes"
echo
echo "sections, stripped (bytes):"
size -A "$WORK/lto.so" | awk 'NR > 2 && $2 >= 1024 { printf "  %-20s %9d\n", $1, $2 }'
echo
nm --size-sort -S -C "$OUT/release/libdstack.so" | awk '$3 ~ /^[tTwW]$/' >"$WORK/syms"
python3 - "$WORK/syms" <<'EOF'
import re, sys
groups = [
    ("std: backtrace symbolizer (gimli, addr2line, object, miniz_oxide, rustc_demangle)",
     r"gimli|addr2line|backtrace|miniz_oxide|rustc_demangle|symbolize|std::.*object::|^object::"),
    ("std: formatting and number parsing (core::fmt, dec2flt, flt2dec)", r"core::fmt|fmt::|dec2flt|flt2dec|Display|Debug>"),
    ("std: panic and unwind runtime", r"panic|unwind|Unwind"),
    ("std: other (io, net, sync, thread, alloc, collections)", r"^(std|core|alloc)::|^<(std|core|alloc)::|^_<"),
]
crates = {}
def crate_of(name):
    if name.startswith("dstack_") and "::" not in name:
        return "ffi: exported dstack_* functions"
    for label, rx in groups:
        if re.search(rx, name):
            return label
    m = re.match(r"<?(?:&|\*const |\*mut |dyn )?([a-z_][a-z0-9_]*)::", name)
    if m:
        c = m.group(1)
        if c == "dstack":
            return "ffi: crate dstack (internal)"
        return c
    return "other (unnamed, compiler builtins)"
total = 0
for line in open(sys.argv[1]):
    parts = line.split(None, 3)
    if len(parts) < 4:
        continue
    size = int(parts[1], 16)
    total += size
    c = crate_of(parts[3].strip())
    crates[c] = crates.get(c, 0) + size
print(f".text by crate, LTO build ({total / 1024:.1f} KiB of named code):")
for c, s in sorted(crates.items(), key=lambda x: -x[1]):
    if s >= 1024:
        print(f"  {s / 1024:7.1f} KiB  {s * 100 / total:4.1f}%  {c}")
EOF
