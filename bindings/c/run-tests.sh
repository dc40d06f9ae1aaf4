#!/usr/bin/env bash
# Builds libdstack and the simulator, starts a normal and a --legacy simulator plus the
# hostile fake agent on temporary sockets, and runs every C test:
#   1. header drift check (ffi/gen-header.sh --check)
#   2. header hygiene: dstack.h alone compiles as C99 and C++11 with -Werror -pedantic
#   3. exported symbols: only dstack_* in libdstack.so
#   4. version macros match the workspace version
#   5. the C test program under -fsanitize=address,undefined
#   6. the same program under valgrind (zero errors, zero leaks)
#   6b. libdstack_verify: dstack_verify.h hygiene, its exports, test_verify.c under ASan and valgrind
#   7. the C examples build and run against the simulator
# Exits non-zero on any failure. The last line is "N passed, M failed".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
testdata="$root/testdata"
cd "$root"
CC="${CC:-cc}"
CXX="${CXX:-c++}"

work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
step() { # name, command...
    local name="$1"; shift
    if "$@" >"$work/step.log" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; tail -n 40 "$work/step.log"
    fi
}

cargo build --release -p dstack-ffi -p dstack-simulator >&2
# Its own run: built with dstack-ffi, its dependencies' features would change libdstack's.
cargo build --release -p dstack-verify-ffi >&2
ln -sf libdstack.so "$root/target/release/libdstack.so.$(sed -n 's/^version = "\([0-9]*\)\..*/\1/p' "$root/Cargo.toml" | head -n1)"  # the SONAME (ffi/build.rs) that C programs linked here load
ln -sf libdstack_verify.so "$root/target/release/libdstack_verify.so.$(sed -n 's/^version = "\([0-9]*\)\..*/\1/p' "$root/Cargo.toml" | head -n1)"  # likewise (verify-ffi/build.rs)
lib="$root/target/release"
inc="$root/include"

start_sim() { # dir, extra args...
    local dir="$1"; shift
    mkdir -p "$dir"
    "$lib/dstack-simulator" --dir "$dir" --app-keys "$testdata/fixtures/simulator_appkeys.json" \
        --app-id 5bb4ff9a3837357f19dc176407a5709c62eb6c56 "$@" >"$dir/out.txt" 2>"$dir/err.txt" &
    pids+=($!)
    for _ in $(seq 100); do grep -q '^ready' "$dir/out.txt" 2>/dev/null && return 0; sleep 0.05; done
    echo "simulator did not start: $(cat "$dir/err.txt")" >&2; return 1
}
start_sim "$work/sim" --listen 127.0.0.1:0
http_ep="http://$(sed -n 's/^http: //p' "$work/sim/out.txt")"
start_sim "$work/legacy" --legacy
mkdir -p "$work/fake"
python3 "$root/bindings/c/tests/fake_agent.py" "$work/fake" >"$work/fake/out.txt" 2>"$work/fake/err.txt" &
pids+=($!)
for _ in $(seq 100); do grep -q '^ready' "$work/fake/out.txt" 2>/dev/null && break; sleep 0.05; done
python3 "$root/bindings/c/tests/flatten_vectors.py" "$testdata/vectors" "$work/vectors.txt"

# 1. header drift
step "header up to date" "$root/ffi/gen-header.sh" --check

# 2. header hygiene
printf '#include "dstack.h"\nint main(void) { return dstack_version() == 0; }\n' >"$work/hygiene.c"
step "header compiles as C99 -Wall -Wextra -Werror -pedantic" \
    "$CC" -std=c99 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$work/hygiene.c" -o "$work/hygiene_c.o"
cp "$work/hygiene.c" "$work/hygiene.cpp"
step "header compiles as C++11 -Wall -Wextra -Werror -pedantic" \
    "$CXX" -std=c++11 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$work/hygiene.cpp" -o "$work/hygiene_cpp.o"

# 3. exported symbols
only_dstack() {
    local bad
    bad="$(nm -D --defined-only "$lib/libdstack.so" | awk '{print $NF}' | grep -v '^dstack_' || true)"
    [ -z "$bad" ] || { echo "non-dstack_ exports:"; echo "$bad"; return 1; }
    nm -D --defined-only "$lib/libdstack.so" | grep -q ' dstack_client_get_key$'
}
step "libdstack.so exports only dstack_* symbols" only_dstack

# 4. version macros
version_matches() {
    local v
    v="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"
    grep -q "^#define DSTACK_VERSION \"$v\"$" "$inc/dstack.h" &&
        grep -q "^#define DSTACK_VERSION_MAJOR ${v%%.*}$" "$inc/dstack.h"
}
step "header version macros match the crate version ($(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1))" version_matches

srcs=("$root/bindings/c/tests/test_dstack.c" "$root/bindings/c/tests/test_vectors.c")
args=("$work/sim" "$work/legacy" "$work/fake" "$work/vectors.txt" "$http_ep")

# 5. sanitizers (the library is Rust; ASan/UBSan instrument the C side and catch misuse of
# what the library hands out, e.g. reads past a returned slice)
"$CC" -std=c99 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -I"$inc" "${srcs[@]}" \
    -pthread -L"$lib" -ldstack -Wl,-rpath,"$lib" -o "$work/test_asan"
run_asan() { ASAN_OPTIONS=detect_leaks=1 "$work/test_asan" "${args[@]}" | tee "$work/asan.out"; tail -n1 "$work/asan.out" | grep -q ' 0 failed$'; }
step "C tests under ASan+UBSan" run_asan
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/asan.out" | sed 's/^/  asan: /' || true

# 6. valgrind
"$CC" -std=c99 -g -O0 -Wall -Wextra -Werror -I"$inc" "${srcs[@]}" -pthread -L"$lib" -ldstack -Wl,-rpath,"$lib" -o "$work/test_plain"
run_valgrind() {
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all \
        "$work/test_plain" "${args[@]}" >"$work/vg.out" 2>"$work/vg.err" || { tail -n 60 "$work/vg.err"; cat "$work/vg.out"; return 1; }
    tail -n1 "$work/vg.out"
    grep -q 'ERROR SUMMARY: 0 errors' "$work/vg.err" && tail -n1 "$work/vg.out" | grep -q ' 0 failed$'
}
step "C tests under valgrind (0 errors, 0 leaks)" run_valgrind

# 6b. libdstack_verify (dstack_verify.h): header hygiene, exports (a superset of libdstack's),
# and bindings/c/tests/test_verify.c (real Intel quotes, simulator evidence, forged variants)
# under ASan+UBSan and valgrind. The valgrind suppressions cover x509-parser's one-time
# statics only (see the file).
printf '#include "dstack_verify.h"\nint main(void) { return dstack_verification_json(0).len != 0; }\n' >"$work/hygiene_v.c"
cp "$work/hygiene_v.c" "$work/hygiene_v.cpp"
step "dstack_verify.h compiles as C99 and C++11 -Wall -Wextra -Werror -pedantic" sh -c \
    "$CC -std=c99 -Wall -Wextra -Werror -pedantic -I$inc -c $work/hygiene_v.c -o $work/hv.o && $CXX -std=c++11 -Wall -Wextra -Werror -pedantic -I$inc -c $work/hygiene_v.cpp -o $work/hvpp.o"
verify_exports() {
    nm -D --defined-only "$lib/libdstack_verify.so" | awk '{print $NF}' | sort >"$work/vexports.txt"
    nm -D --defined-only "$lib/libdstack.so" | awk '{print $NF}' | sort >"$work/exports.txt"
    ! grep -v '^dstack_' "$work/vexports.txt" && [ -z "$(comm -23 "$work/exports.txt" "$work/vexports.txt")" ] &&
        grep -qx dstack_verify_quote "$work/vexports.txt" && ! grep -qx -e dstack_verify_quote -e dstack_verification_free "$work/exports.txt" &&
        readelf -d "$lib/libdstack_verify.so" | grep -q 'SONAME.*libdstack_verify\.so\.'
}
step "libdstack_verify.so exports only dstack_*: libdstack's and the verify functions; libdstack.so has none of them" verify_exports
vargs=("$root/testdata" "$work/sim")
"$CC" -std=c99 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -I"$inc" \
    "$root/bindings/c/tests/test_verify.c" -L"$lib" -ldstack_verify -Wl,-rpath,"$lib" -o "$work/test_verify_asan"
run_verify_asan() { ASAN_OPTIONS=detect_leaks=1 "$work/test_verify_asan" "${vargs[@]}" | tee "$work/vasan.out"; tail -n1 "$work/vasan.out" | grep -q ' 0 failed$'; }
step "C verify tests under ASan+UBSan" run_verify_asan
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/vasan.out" | sed 's/^/  verify asan: /' || true
"$CC" -std=c99 -g -O0 -Wall -Wextra -Werror -I"$inc" "$root/bindings/c/tests/test_verify.c" -L"$lib" -ldstack_verify \
    -Wl,-rpath,"$lib" -o "$work/test_verify_plain"
run_verify_valgrind() {
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all \
        --suppressions="$root/bindings/c/tests/valgrind-verify.supp" \
        "$work/test_verify_plain" "${vargs[@]}" >"$work/vvg.out" 2>"$work/vvg.err" || { tail -n 60 "$work/vvg.err"; cat "$work/vvg.out"; return 1; }
    tail -n1 "$work/vvg.out"
    grep -q 'ERROR SUMMARY: 0 errors' "$work/vvg.err" && tail -n1 "$work/vvg.out" | grep -q ' 0 failed$'
}
step "C verify tests under valgrind (0 errors, 0 leaks)" run_verify_valgrind

# 7. examples
if [ -f "$root/examples/c/Makefile" ]; then
    run_examples() {
        make -s -C "$root/examples/c" LIBDIR="$lib" INCDIR="$inc" OUT="$work/examples" all &&
            DSTACK_SIMULATOR_ENDPOINT="$work/sim/dstack.sock" TAPPD_SIMULATOR_ENDPOINT="$work/sim/tappd.sock" \
            make -s -C "$root/examples/c" LIBDIR="$lib" INCDIR="$inc" OUT="$work/examples" run
    }
    step "C examples build and run against the simulator" run_examples
fi

# 8. install: pkg-config and CMake consumers
install_works() {
    local p="$work/prefix"
    SKIP_BUILD=1 "$root/bindings/c/install.sh" "$p" &&
        PKG_CONFIG_PATH="$p/lib/pkgconfig" "$CC" "$root/examples/c/compose.c" \
            $(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags --libs dstack) -o "$work/compose_pc" &&
        "$work/compose_pc" | grep -q '^compose hash (raw file' &&
        mkdir -p "$work/cmake" &&
        printf 'cmake_minimum_required(VERSION 3.10)\nproject(app C)\nfind_package(dstack %s REQUIRED)\nadd_executable(app %s)\ntarget_link_libraries(app PRIVATE dstack::dstack_static)\n' \
            "$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)" "$root/examples/c/compose.c" >"$work/cmake/CMakeLists.txt" &&
        cmake -S "$work/cmake" -B "$work/cmake/b" -DCMAKE_PREFIX_PATH="$p" &&
        cmake --build "$work/cmake/b" &&
        "$work/cmake/b/app" | grep -q '^compose hash (raw file'
}
if command -v pkg-config >/dev/null && command -v cmake >/dev/null; then
    step "install.sh: pkg-config and CMake (dstack::dstack_static) consumers build and run" install_works
else
    step "install.sh: pkg-config and CMake are available" false
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
