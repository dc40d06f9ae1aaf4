# Shared helpers for the demo and test scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
SIM_BIN="$ROOT/target/release/dstack-simulator"
export DSTACK_SIMULATOR_BIN="$SIM_BIN"
export LIBDSTACK_PATH="$ROOT/target/release/libdstack.so"

section() { printf '\n==== %s ====\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "missing tool: $1 ($2)" >&2; exit 1; }
}

# start_simulator DIR [extra args…]: starts the bundled simulator in DIR and waits for "ready".
start_simulator() {
  local dir="$1"; shift
  mkdir -p "$dir"
  "$SIM_BIN" --dir "$dir" "$@" >"$dir/sim.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 100); do
    grep -q '^ready' "$dir/sim.log" 2>/dev/null && return 0
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$dir/sim.log" >&2; return 1; }
    sleep 0.05
  done
  echo "simulator did not become ready" >&2; cat "$dir/sim.log" >&2; return 1
}

stop_simulator() {
  if [ -n "${SIM_PID:-}" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=; fi
}
