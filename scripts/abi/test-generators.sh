#!/usr/bin/env bash
# The generated ABI descriptions work for the tools they are for:
#   1. the convention checker's own tests, and `gen.py --check`;
#   2. C: include/dstack_decls.h compiles alone, its prototypes are compatible with
#      include/dstack.h's, and the compiler's constant values are the ones cffi reads;
#   3. cffi reads dstack_decls.h as is and calls libdstack (pure functions, an error, an
#      owned handle, and GetKey/GetQuote against the bundled simulator);
#   4. koffi takes every line of dstack_decls.h as is and calls libdstack;
#   5. the generated binding files (_abi.py; abi.js with the Node-API addon built from
#      dstack_gen.c) bind every export and call it; libdstack_verify's dstack_verify_decls.h
#      and _abi_verify.py likewise (the addon of dstack_verify_gen.c: bindings/node's tests);
#      abi_gen.go is gofmt-clean (the Go suite compiles and vets it);
#   6. bindgen reads include/dstack.h (the header, as a Rust user would run it): the types and
#      constants it gives are asserted, and a Rust program built on its output calls
#      libdstack (version, compose hash, an error, GetKey against the simulator).
# cffi and koffi are installed into target/abi-test/ (pinned), not into the bindings' own
# environments (the Node binding no longer uses koffi: koffi here stands for any reader of
# dstack_decls.h). bindgen-cli and libclang (from PyPI) are installed into .tools/ (pinned).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
need python3 "install Python 3.10+"; need node "install Node 20"; need npm "install npm"
need cc "install gcc"; need nm "install binutils"; need rustc "install Rust with rustup"
CFFI_VERSION=2.1.1
KOFFI_VERSION=2.16.3
BINDGEN_VERSION=0.73.2
LIBCLANG_VERSION=18.1.1
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

section "libdstack_verify: dstack_verify_decls.h and _abi_verify.py"
(cd "$ROOT" && cargo build --release --locked -p dstack-verify-ffi)
printf '#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include "dstack_decls.h"\n#include "dstack_verify_decls.h"\n' >"$WORK/valone.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/valone.c" -o "$WORK/valone.o"
{ echo '#include "dstack_verify.h"'; grep -E '^[a-z].*\);$' include/dstack_verify_decls.h | grep -vE '^(typedef|enum) '; } >"$WORK/vsame.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$WORK/vsame.c" -o "$WORK/vsame.o"
# The two prototype tables together cover exactly the superset library's exports.
python3 - "$ROOT/target/release/libdstack_verify.so" <<'PY'
import ctypes, importlib, subprocess, sys
sys.path.insert(0, "bindings/python/src")
abi = importlib.import_module("dstack_sdk._abi")
vabi = importlib.import_module("dstack_sdk._abi_verify")
nm = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]], capture_output=True, text=True, check=True).stdout
exports = {line.split()[-1] for line in nm.splitlines() if line.split()[-1].startswith("dstack_")}
declared = set(abi.PROTOTYPES) | set(vabi.PROTOTYPES)
assert exports == declared, (sorted(exports - declared), sorted(declared - exports))
lib = ctypes.CDLL(sys.argv[1])
for name, (restype, argtypes) in vabi.PROTOTYPES.items():
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = restype, argtypes
print(f"dstack_verify_decls.h compiles and matches dstack_verify.h; _abi.py + _abi_verify.py bind all {len(exports)} exports")
PY

section "Go: abi_gen.go"
if command -v gofmt >/dev/null; then
  bad="$(gofmt -l bindings/go/abi_gen.go bindings/go/abi_verify_gen.go)"
  [ -z "$bad" ] || { echo "not gofmt-clean: $bad"; exit 1; }
  echo "bindings/go/abi_gen.go and abi_verify_gen.go are gofmt-clean"
else
  echo "gofmt not installed: skipped"
fi

section "bindgen $BINDGEN_VERSION (libclang $LIBCLANG_VERSION from PyPI): include/dstack.h as is"
# bindgen-cli loads libclang.so at run time from LIBCLANG_PATH. The machine has only LLVM's
# libclang-cpp, so libclang comes from the PyPI wheel `libclang` (clang/native/libclang.so,
# needs glibc 2.6) in a venv of its own; bindgen-cli is built from crates.io (--debug: it
# builds in about a third of the time and runs bindgen in well under a second). Both go to
# .tools/ (ignored by git, kept across runs and `cargo clean`): the first run takes 2-3 min
# (the build of bindgen-cli on 2 cores), later ones about 2 s.
# The wheel has no clang resource headers (stdbool.h, stddef.h, stdint.h), so clang is
# pointed at the C compiler's (`cc -print-file-name=include`, gcc's here), as a user with a
# bare libclang would do; the rest comes from /usr/include as for any C compiler.
BINDGEN_START=$(date +%s)
LIBCLANG_VENV="$ROOT/.tools/libclang"
BINDGEN="$ROOT/.tools/bin/bindgen"
if [ "$(cat "$LIBCLANG_VENV/pins" 2>/dev/null)" != "libclang==$LIBCLANG_VERSION" ]; then
  echo "installing libclang==$LIBCLANG_VERSION into $LIBCLANG_VENV"
  rm -rf "$LIBCLANG_VENV"
  python3 -m venv "$LIBCLANG_VENV"
  "$LIBCLANG_VENV/bin/pip" install --quiet --disable-pip-version-check "libclang==$LIBCLANG_VERSION"
  echo "libclang==$LIBCLANG_VERSION" >"$LIBCLANG_VENV/pins"
fi
LIBCLANG_PATH="$("$LIBCLANG_VENV/bin/python" -c 'import clang.native, os; print(os.path.dirname(clang.native.__file__))')"
export LIBCLANG_PATH
if [ "$("$BINDGEN" --version 2>/dev/null)" != "bindgen $BINDGEN_VERSION" ]; then
  echo "installing bindgen-cli $BINDGEN_VERSION into $ROOT/.tools"
  cargo install bindgen-cli --version "$BINDGEN_VERSION" --locked --debug --force --root "$ROOT/.tools" --quiet
fi
CLANG_INCLUDE="$(cc -print-file-name=include)"
mkdir -p "$WORK/bindgen"
# plain: what `bindgen include/dstack.h` gives with no options; tidy: the enumerators under
# their C names, dstack items only (what a -sys crate would use).
"$BINDGEN" include/dstack.h -o "$WORK/bindgen/plain.rs" -- -isystem "$CLANG_INCLUDE"
"$BINDGEN" include/dstack.h -o "$WORK/bindgen/tidy.rs" --no-prepend-enum-name \
  --allowlist-item 'dstack_.*|DSTACK_.*' -- -isystem "$CLANG_INCLUDE"
# Both must give every export, dstack_status/dstack_field and the enum typedefs as u32, each
# enumerator as a u32 constant with the C compiler's value (check_bindgen.py); DSTACK_OK, a
# macro naming an enumerator, is the one constant bindgen leaves out.
# The program: bindgen_check.rs includes both files (its compile-time asserts are the types
# bindgen gave) and links target/release/libdstack.so; built with rustc alone (no cargo
# project, no dependency).
DSTACK_BINDGEN_DIR="$WORK/bindgen" rustc --edition 2021 -D warnings --crate-name bindgen_check \
  -L "native=$ROOT/target/release" -l dylib=dstack -C "link-arg=-Wl,-rpath,$ROOT/target/release" \
  -o "$WORK/bindgen/bindgen_check" scripts/abi/bindgen_check.rs
start_simulator "$WORK/sim-bindgen"
python3 scripts/abi/check_bindgen.py "$WORK/bindgen" "$WORK/constants.txt" "$WORK/exports.txt" \
  "$WORK/bindgen/bindgen_check" "$WORK/sim-bindgen/dstack.sock"
stop_simulator
echo "bindgen section: $(( $(date +%s) - BINDGEN_START )) s"

echo "ABI generator tests passed"
