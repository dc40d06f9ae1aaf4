"""Prints the table of `make bench` from the results file bench/run.sh writes.

Lines of the results file:
  SEQ <client> <cpu µs/call> <wall µs/call> <calls>     one round of one client
  ALLOCS <allocations/call> <bytes/call> <frees/call>  LD_PRELOAD counter, libdstack from C
  VALGRIND <allocations/call> <bytes/call>              valgrind totals, 2N minus N calls
  SIZE <what> <bytes> <stripped bytes>
  COLD <client> <median wall ms> <median max RSS KiB>
  NOTE <text>
  CONFIG <calls> <warm-up> <rounds> <quote calls> <cold runs> <smoke> <cores> <load averages>
"""

import statistics
import sys
from collections import defaultdict

seq = defaultdict(list)
cold = {}
size = {}
notes = []
allocs = valgrind = config = None
for line in open(sys.argv[1], encoding="utf-8"):
    kind, _, rest = line.rstrip("\n").partition(" ")
    f = rest.split()
    if kind == "SEQ":
        seq[f[0]].append((float(f[1]), float(f[2])))
    elif kind == "ALLOCS":
        allocs = [float(x) for x in f]
    elif kind == "VALGRIND":
        valgrind = [float(x) for x in f]
    elif kind == "SIZE":
        size[f[0]] = (int(f[1]), int(f[2]))
    elif kind == "COLD":
        cold[f[0]] = (float(f[1]), float(f[2]))
    elif kind == "NOTE":
        notes.append(rest)
    elif kind == "CONFIG":
        config = f

calls, warm, rounds, qcalls, cold_runs, smoke, cores = config[:7]
load = " ".join(config[7:])


def med(name, i):
    v = [r[i] for r in seq.get(name, [])]
    return statistics.median(v) if v else None


def cpu(name):
    """The least CPU per call over the rounds: interference from other processes on a
    shared machine (caches, the other hyperthread, frequency) only ever adds CPU time."""
    v = [r[0] for r in seq.get(name, [])]
    return min(v) if v else None


def fmt(x, digits=1):
    return "–" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def spread(name):
    v = [r[0] for r in seq.get(name, [])]
    if len(v) < 2:
        return ""
    return f" ({statistics.median(v):.1f}, {max(v):.1f})"


floor, c = cpu("floor"), cpu("c")
goals = []  # (goal, measured, met)


def goal(text, value, limit, unit="×"):
    if value is None:
        goals.append((text, "not measured here", None))
    else:
        shown = f"{value:.2f}×" if unit == "×" else f"{value:,.2f} {unit}" if unit == "allocations" else f"{value:,.0f} {unit}"
        goals.append((text, shown, value <= limit))


ROWS = [
    # (label, client, official client, compared with C, goal text, limit against what)
    ("raw C floor (keep-alive, prebuilt request, reads by Content-Length)", "floor", None),
    ("libdstack from C", "c", None),
    ("Rust client (libdstack crate)", "rust", None),
    ("Go binding", "go", "go-official"),
    ("official Go SDK", "go-official", None),
    ("Python binding", "py", "py-official"),
    ("official Python SDK (dstack-sdk)", "py-official", None),
    ("Node binding", "node", "node-official"),
    ("official JS SDK (@phala/dstack-sdk)", "node-official", None),
    ("Go binding, 16 goroutines", "go16", "go16-official"),
    ("official Go SDK, 16 goroutines", "go16-official", None),
    ("Node binding: getQuote + decodeEventLog()", "nodeq", "nodeq-official"),
    ("official JS SDK: getQuote + JSON.parse(event_log)", "nodeq-official", None),
]
mode = "SMOKE RUN (50 calls: the figures mean nothing)" if smoke == "1" else f"best of {rounds} rounds"
print(f"### Client cost per call against the canned agent ({mode})")
print()
print(f"{calls} calls after {warm} warm-up calls per client and round ({qcalls} after {qcalls and int(qcalls) // 5} for getQuote);")
print(f"CPU = user + system time of the client process over the measured calls; {cores} cores, load average {load} at the end.")
print("CPU is the least of the rounds, with (median, most) beside it; every ratio divides those least figures of this")
print("run (interference only ever adds CPU time). Wall time is the median of the rounds.")
print()
print("| client | CPU µs/call | wall µs/call | × raw floor | × libdstack C | × official |")
print("|---|---:|---:|---:|---:|---:|")
for label, name, official in ROWS:
    if name not in seq:
        if name.endswith("official"):
            print(f"| {label} | not installed | | | | |")
        continue
    x = cpu(name)
    quote = name.startswith("nodeq")
    print(
        f"| {label} | {fmt(x)}{spread(name)} | {fmt(med(name, 1))} | {'' if quote else ratio(x, floor)} | "
        f"{'' if quote or name in ('floor', 'c') else ratio(x, c)} | {ratio(x, cpu(official)) if official else ''} |"
    )
print()

print("### Heap and size")
print()
print("| what | figure |")
print("|---|---|")
if allocs:
    print(f"| heap allocations per GetKey, libdstack from C, steady state (LD_PRELOAD counter over the measured calls) | "
          f"{allocs[0]:.2f} allocations, {allocs[1]:,.0f} bytes, {allocs[2]:.2f} frees |")
if valgrind:
    print(f"| the same by valgrind (totals of 400 calls minus 200, over 200) | {valgrind[0]:.2f} allocations, {valgrind[1]:,.0f} bytes |")
if "so" in size:
    b, s = size["so"]
    print(f"| `libdstack.so` / stripped | {b:,} / **{s:,} bytes** ({s / 1024:,.0f} KiB) |")
if "a" in size:
    print(f"| `libdstack.a` | {size['a'][0]:,} bytes |")
if "static-example" in size:
    b, s = size["static-example"]
    print(f"| C example statically linked with `libdstack.a` (`--gc-sections`, libc dynamic) / stripped | {b:,} / {s:,} bytes |")
print()

print(f"### Cold start: create a client, one GetKey, exit (median of {cold_runs} runs)")
print()
print("| language | ours: wall ms | ours: max RSS MiB | official: wall ms | official: max RSS MiB | wall × official | RSS × official |")
print("|---|---:|---:|---:|---:|---:|---:|")
for label, name in (("C (libdstack)", "c"), ("Rust (libdstack crate)", "rust"), ("Go", "go"), ("Node", "node"), ("Python", "py")):
    o, off = cold.get(name), cold.get(name + "-official")
    if o is None:
        continue
    offcell = f"{off[0]:.1f} | {off[1] / 1024:.1f}" if off else ("– | –" if name in ("c", "rust") else "not installed | ")
    print(f"| {label} | {o[0]:.1f} | {o[1] / 1024:.1f} | {offcell} | "
          f"{ratio(o[0], off[0]) if off else ''} | {ratio(o[1], off[1]) if off else ''} |")
print()

goal("libdstack from C: CPU per GetKey ≤ 1.5 × raw floor", c / floor if c and floor else None, 1.5)
if allocs:
    goal("heap allocations per GetKey ≤ 2", allocs[0], 2, "allocations")
for n, lang in (("go", "Go"), ("py", "Python"), ("node", "Node")):
    x = cpu(n)
    goal(f"{lang} binding: CPU per call ≤ 2 × libdstack from C", x / c if x and c else None, 2)
q, qo = cpu("nodeq"), cpu("nodeq-official")
goal("Node getQuote + event-log decode ≤ 0.5 × the official SDK's", q / qo if q and qo else None, 0.5)
g, go_ = cpu("go16"), cpu("go16-official")
goal("Go under 16 goroutines ≤ 0.7 × the official SDK's CPU per call", g / go_ if g and go_ else None, 0.7)
if "so" in size:
    goal("libdstack.so stripped ≤ 512 KiB (524,288 bytes)", size["so"][1], 524288, "bytes")
print("### Goals")
print()
print("| goal | measured | met |")
print("|---|---:|---|")
for text, value, met in goals:
    print(f"| {text} | {value} | {'–' if met is None else ('yes' if met else '**no**')} |")
for n in notes:
    print()
    print(f"Note: {n}")
