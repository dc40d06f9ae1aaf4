#!/usr/bin/env bash
# Where a GetKey call through libdstack from C spends its time and its heap allocations,
# against the canned agent (not part of `make bench`; about two minutes).
#
#   bash bench/profile.sh [CALLS]        (default 100000)
#
# Builds libdstack with line tables into target/bench-profile (same profile otherwise), then:
#   1. user and system CPU per call, raw floor vs libdstack (/usr/bin/time over CALLS calls)
#   2. system calls per call (strace -c over 1000 calls)
#   3. user-space time by category (perf record --all-user, DWARF call graphs), when perf works
#   4. every heap allocation made on each call, with its stack (valgrind DHAT over 1000 calls)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
CALLS="${1:-100000}"
BIN="$ROOT/.tools/bench/bin"
PROF="$ROOT/target/bench-profile"
WORK="$(mktemp -d)"
AGENT_PID=""
trap '[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
build_release >/dev/null
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR="$PROF" \
  cargo build --quiet --release --locked -p dstack-ffi
mkdir -p "$BIN" "$WORK/lib"
cp "$PROF/release/libdstack.so" "$WORK/lib/libdstack.so.0"
CF=(-std=c11 -O2 -Wall -Wextra -Werror)
cc "${CF[@]}" bench/agent.c -o "$BIN/canned-agent"
cc "${CF[@]}" bench/floor.c -o "$BIN/raw-floor"
cc "${CF[@]}" -g -Iinclude bench/getkey.c -L"$WORK/lib" -l:libdstack.so.0 -Wl,-rpath,"$WORK/lib" -ldl -o "$WORK/getkey-c"
SOCK="$WORK/agent.sock"
"$BIN/canned-agent" "$SOCK" --answer /GetKey=bench/fixtures/getkey.json --record "$WORK/request.bin" >"$WORK/agent.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do grep -q '^ready' "$WORK/agent.out" 2>/dev/null && break; sleep 0.05; done
"$WORK/getkey-c" getkey "$SOCK" 1 0 >/dev/null

section "1. CPU per call, user and system ($CALLS calls after 1000)"
for c in floor libdstack; do
  if [ "$c" = floor ]; then cmd=("$BIN/raw-floor" "$SOCK" "$WORK/request.bin" "$CALLS" 1000); else cmd=("$WORK/getkey-c" getkey "$SOCK" "$CALLS" 1000); fi
  /usr/bin/time -f "%U %S" -o "$WORK/time" "${cmd[@]}" >/dev/null
  read -r u s <"$WORK/time"
  awk -v c="$c" -v u="$u" -v s="$s" -v n="$CALLS" 'BEGIN { printf "%-10s user %.2f µs/call, system %.2f µs/call\n", c, u * 1e6 / n, s * 1e6 / n }'
done

section "2. system calls per call (strace -c, 1000 calls)"
for c in floor libdstack; do
  if [ "$c" = floor ]; then cmd=("$BIN/raw-floor" "$SOCK" "$WORK/request.bin" 1000 0); else cmd=("$WORK/getkey-c" getkey "$SOCK" 1000 0); fi
  strace -c -o "$WORK/strace" "${cmd[@]}" >/dev/null
  printf '%-10s' "$c"
  awk '$NF ~ /^(read|write|sendto|recvfrom|poll|ppoll|setsockopt|getsockopt|clock_gettime|futex|epoll_wait)$/ { printf " %s %.2f", $NF, $4 / 1000 }' "$WORK/strace"
  echo
done

section "3. user-space time by category (perf, libdstack)"
if command -v perf >/dev/null && perf record --all-user -F 10000 -g --call-graph dwarf,16384 -o "$WORK/perf.data" \
     "$WORK/getkey-c" getkey "$SOCK" 50000 1000 >/dev/null 2>"$WORK/perf.err"; then
  perf report -i "$WORK/perf.data" --no-children --sort sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' >"$WORK/syms"
  python3 - "$WORK/syms" <<'EOF'
import re, sys
cats = [
    ("wipe (zeroize of buffers, secret drops)", r"zeroize|SecretBytes|Zeroiz"),
    ("request writing (JSON body, HTTP head)", r"json::write|write_post|write_body|write_request|Rpc>::validate|BufSink"),
    ("response JSON (parse, hex decode, UTF-8 checks)", r"json::read|json::fields|key_and_chain|hex::decode|from_utf8|View>::parse|Parser"),
    ("response HTTP head (httparse, framing)", r"ResponseParser|httparse"),
    ("heap (malloc, free, calloc, RawVec)", r"malloc|_int_free|cfree|calloc|realloc|RawVec|tcache|from_elem|malloc_consolidate|unlink_chunk|rdl_alloc|rust_alloc|rust_dealloc"),
    ("memset (calloc zeroing, wipes)", r"memset"),
    ("memcpy (copies)", r"memmove|memcpy|copy_from_slice"),
    ("system call wrappers (user side)", r"__libc_recv|__send|__poll|recvfrom|sendto"),
    ("clock (deadline)", r"clock_gettime|Instant|Timespec"),
    ("pool lock", r"Mutex|futex"),
]
tot, top = {}, []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d.]+)%\s+\[\.\]\s+(.*)", line)
    if not m:
        continue
    p, s = float(m.group(1)), m.group(2)
    k = "other (FFI glue, response handle, client/agent/transport control flow)"
    for c, rx in cats:
        if re.search(rx, s):
            k = c
            break
    tot[k] = tot.get(k, 0) + p
    if len(top) < 25:
        top.append(f"  {p:5.2f}%  {s[:110]}")
for k, v in sorted(tot.items(), key=lambda x: -x[1]):
    print(f"{v:5.1f}%  {k}")
print("top symbols:")
print("\n".join(top))
EOF
else
  echo "perf is not usable here: $(tail -n1 "$WORK/perf.err")"
fi

section "4. heap allocations on each call, with their stacks (valgrind DHAT, 1000 calls)"
valgrind --tool=dhat --dhat-out-file="$WORK/dhat.json" --num-callers=24 "$WORK/getkey-c" getkey "$SOCK" 1000 0 >/dev/null 2>&1
python3 - "$WORK/dhat.json" 1001 <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
ftbl = d["ftbl"]
def short(f):
    f = re.sub(r"0x[0-9A-F]+: ", "", f)
    f = re.sub(r" \(in [^)]*\)", "", f)
    f = re.sub(r"/rustc/[0-9a-f]+/library/", "", f)
    return re.sub(r"/root/.cargo/registry/src/[^/]+/", "", f)
skip = ("vg_replace_malloc", "alloc/src/alloc.rs", "raw_vec", "alloc/src/slice.rs", "string.rs", "convert/mod.rs",
        "spec_from_iter", "spec_from_elem", "vec/mod.rs", "boxed.rs", "catch_unwind", "do_call", "call_once", "unwind_safe",
        "iter/adapters", "iter/traits", "str.rs")
blocks = size = 0
for p in sorted(d["pps"], key=lambda p: -p["tb"]):
    if p["tbk"] < n * 0.9:
        continue
    blocks += p["tbk"]
    size += p["tb"]
    frames = [short(ftbl[i]) for i in p["fs"]]
    frames = [f for f in frames if not any(s in f for s in skip)][:5]
    print(f"{p['tbk'] / n:5.2f}/call {p['tb'] / n:6.0f} B/call  " + " <- ".join(f[:80] for f in frames))
print(f"total: {blocks / n:.2f} allocations and {size / n:.0f} bytes per call")
EOF
