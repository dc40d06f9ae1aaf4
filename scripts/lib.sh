# Shared helpers for the demo and test scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIM_BIN="$ROOT/target/release/dstack-simulator"
export DSTACK_SIMULATOR_BIN="$SIM_BIN"
export LIBDSTACK_PATH="$ROOT/target/release/libdstack.so"

# The workspace version (Cargo.toml), which every package carries (scripts/check-version.sh).
workspace_version() { sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1; }

# build_release [cargo args…]: the release libdstack and simulator the scripts run against.
# ffi/build.rs gives libdstack.so the SONAME libdstack.so.MAJOR, so a C program linked with
# -L target/release -ldstack loads that name at run time: the symlink provides it.
# Two cargo runs: packages built in one run share one feature set per dependency, and the
# simulator's (std, pem, x509 features of k256, sha2, der, ...) made libdstack.so 8.5 KB
# larger than `cargo build --release -p dstack-ffi` alone, the build that is shipped
# (scripts/dist.sh). dstack-ffi builds only its cdylib and staticlib, so both get LTO.
# libdstack_verify (verify-ffi) has its own run for the same reason; the bindings' verify
# tests link or load it.
build_release() {
  (cd "$ROOT" && cargo build --release --locked -p dstack-ffi "$@" &&
    cargo build --release --locked -p dstack-simulator "$@" &&
    cargo build --release --locked -p dstack-verify-ffi "$@")
  local v; v="$(workspace_version)"
  ln -sf libdstack.so "$ROOT/target/release/libdstack.so.${v%%.*}"
  ln -sf libdstack_verify.so "$ROOT/target/release/libdstack_verify.so.${v%%.*}"
}

# Clean tree: `git status --porcelain` before a run (with a hash of each listed file, so a
# further change to an already modified file shows too) is compared with the one after, so
# a run that creates or changes files git does not ignore fails (scripts/test.sh).
tree_status() {
  local line f
  git -C "$ROOT" status --porcelain --untracked-files=all | while IFS= read -r line; do
    f="${line:3}"
    if [ -f "$ROOT/$f" ]; then echo "$line $(git -C "$ROOT" hash-object -- "$f")"; else echo "$line"; fi
  done
}
check_tree_unchanged() {
  local before="$1" after
  after="$(tree_status)"
  if [ "$before" != "$after" ]; then
    echo "the run changed the working tree (files created or modified that git does not ignore):"
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed -n -e 's/^< /  before: /p' -e 's/^> /  after:  /p'
    return 1
  fi
  echo "git status is the same as before the run"
}

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
