#!/usr/bin/env bash
# The generated ABI descriptions work for the tools they are for:
#   1. the convention checker's own tests, and `gen.py --check`;
#   2. C: include/dstack_decls.h compiles alone, its prototypes are compatible with
#      include/dstack.h's, and the compiler's constant values are the ones cffi reads;
#   3. cffi reads dstack_decls.h as is and calls libdstack (pure functions, an error, an
#      owned handle, and GetKey/GetQuote against the bundled simulator);
#   4. koffi takes every line of dstack_decls.h as is and calls libdstack;
#   5. the generated binding files (_abi.py; abi.js with the Node-API addon built from
#      dstack_gen.c) bind every export and call it;
#      abi_gen.go is gofmt-clean (the Go suite compiles and vets it).
# cffi and koffi are installed into target/abi-test/ (pinned), not into the bindings' own
# environments (the Node binding no longer uses koffi: koffi here stands for any reader of
# dstack_decls.h).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
need python3 "install Python 3.10+"; need node "install Node 20"; need npm "install npm"
need cc "install gcc"; need nm "install binutils"
CFFI_VERSION=2.1.1
KOFFI_VERSION=2.16.3
CACHE="$ROOT/target/abi-test"
WORK="$(mktemp -d)"
cleanup() { stop_simulator; rm -rf "$WORK"; }
trap cleanup EXIT

section "ABI generator: convention checks and generated files"
python3 -m unittest discover -s scripts/abi -p 'test_*.py'
python3 scripts/abi/gen.py --check

build_release
LIB="$ROOT/target/release/libdstack.so"

section "C: dstack_decls.h alone, and against dstack.h"
printf '#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include "dstack_decls.h"\n' >"$WORK/alone.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/alone.c" -o "$WORK/alone.o"
# Each function line of dstack_decls.h redeclares one of dstack.h: the compiler rejects any
# difference in a parameter or result type.
{
  echo '#include "dstack.h"'
  grep -E '^[a-z].*\);$' include/dstack_decls.h | grep -vE '^(typedef|enum) '
} >"$WORK/same.c"
[ "$(grep -c ');$' "$WORK/same.c")" -gt 60 ] || { echo "too few function lines in dstack_decls.h"; exit 1; }
cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/same.c" -o "$WORK/same.o"
python3 - "$WORK/constants.c" <<'PY'
import json, sys
abi = json.load(open("include/dstack.abi.json"))
lines = ['#include <stdio.h>', '#include "dstack.h"', 'int main(void) {']
for c in abi["constants"]:
    if isinstance(c["value"], int):
        lines.append(f'  printf("%s=%lld\\n", "{c["name"]}", (long long){c["name"]});')
open(sys.argv[1], "w").write("\n".join(lines + ["  return 0;", "}", ""]))
PY
cc -std=c99 -Wall -Werror -Iinclude "$WORK/constants.c" -o "$WORK/constants"
"$WORK/constants" >"$WORK/constants.txt"
echo "dstack_decls.h compiles; $(grep -c ');$' "$WORK/same.c") prototypes match dstack.h; $(wc -l <"$WORK/constants.txt") constants printed by C"
nm -D --defined-only "$LIB" | awk '{print $NF}' | grep '^dstack_' | sort >"$WORK/exports.txt"

section "cffi $CFFI_VERSION: dstack_decls.h as is"
VENV="$CACHE/venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import cffi, sys; sys.exit(cffi.__version__ != '$CFFI_VERSION')" 2>/dev/null \
  || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "cffi==$CFFI_VERSION"
start_simulator "$WORK/sim"
"$VENV/bin/python" scripts/abi/check_cffi.py "$LIB" "$WORK/constants.txt" "$WORK/sim/dstack.sock"
stop_simulator

section "koffi $KOFFI_VERSION: dstack_decls.h as is"
NODE_DIR="$CACHE/node"
if ! [ "$(node -p "try { require('$NODE_DIR/node_modules/koffi/package.json').version } catch { '' }")" = "$KOFFI_VERSION" ]; then
  mkdir -p "$NODE_DIR"
  echo '{"private": true}' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --silent --no-audit --no-fund --no-save "koffi@$KOFFI_VERSION")
fi
NODE_PATH="$NODE_DIR/node_modules" node scripts/abi/check_koffi.js "$LIB"

section "Node-API addon: the generated dstack_gen.c and abi.js"
OUT="$WORK/dstack.node" bash bindings/node/build-addon.sh
node scripts/abi/check_abi_js.js "$WORK/dstack.node"

section "Python ctypes: the generated _abi.py"
python3 scripts/abi/check_ctypes.py "$LIB" "$WORK/exports.txt"

section "Go: abi_gen.go"
if command -v gofmt >/dev/null; then
  bad="$(gofmt -l bindings/go/abi_gen.go)"
  [ -z "$bad" ] || { echo "not gofmt-clean: $bad"; exit 1; }
  echo "bindings/go/abi_gen.go is gofmt-clean"
else
  echo "gofmt not installed: skipped"
fi

section "bindgen: not run"
# bindgen (the crate and bindgen-cli) parses through libclang.so at run time. This machine
# (and CI) has LLVM's libclang-cpp but not the C libclang bindgen loads; installing it
# (apt-get install libclang-dev) would be a machine change. cffi and koffi above cover
# readers without a preprocessor; bindgen would read dstack.h itself.
if ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so* >/dev/null 2>&1; then
  echo "a libclang.so is installed here, but this suite does not run bindgen"
else
  echo "no libclang.so installed: bindgen cannot run here"
fi
echo "ABI generator tests passed"
