#!/usr/bin/env bash
# Regenerates include/dstack.h (from ffi/) and include/dstack_verify.h (from verify-ffi/)
# with the pinned cbindgen, installed into .tools/ if missing. `ffi/gen-header.sh --check`
# fails if a committed header differs from what the sources generate (run it in CI).
set -euo pipefail
CBINDGEN_VERSION=0.29.0
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
cbindgen="$tools/bin/cbindgen"

if [ ! -x "$cbindgen" ] || ! "$cbindgen" --version | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    echo "installing cbindgen $CBINDGEN_VERSION into $tools" >&2
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --root "$tools" >&2
fi

version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"
IFS=. read -r major minor patch <<<"$version"
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$patch" ] || { echo "cannot read the workspace version" >&2; exit 1; }

config="$(mktemp)"
out="$(mktemp)"
trap 'rm -f "$config" "$out"' EXIT
cat > "$config" <<TOML
after_includes = """

/** Major version of the libdstack this header belongs to (dstack_version() gives the library's). */
#define DSTACK_VERSION_MAJOR $major
/** Minor version of the libdstack this header belongs to. */
#define DSTACK_VERSION_MINOR $minor
/** Patch version of the libdstack this header belongs to. */
#define DSTACK_VERSION_PATCH $patch
/** Version of the libdstack this header belongs to, as text; equals dstack_version() of it. */
#define DSTACK_VERSION "$version"
"""
TOML
cat "$root/ffi/cbindgen.toml" >> "$config"

"$cbindgen" --quiet --config "$config" --crate dstack-ffi --output "$out" "$root/ffi"
# include/dstack_verify.h: libdstack_verify's own exports (verify-ffi); it includes dstack.h.
out_verify="$(mktemp)"
trap 'rm -f "$config" "$out" "$out_verify"' EXIT
"$cbindgen" --quiet --config "$root/verify-ffi/cbindgen.toml" --crate dstack-verify-ffi --output "$out_verify" "$root/verify-ffi"

stale=0
for pair in "dstack.h:$out" "dstack_verify.h:$out_verify"; do
    name="${pair%%:*}" generated="${pair#*:}"
    if [ "${1:-}" = "--check" ]; then
        if ! diff -u "$root/include/$name" "$generated"; then
            echo "include/$name is out of date: run ffi/gen-header.sh and commit it" >&2
            stale=1
        else
            echo "include/$name is up to date"
        fi
    else
        mkdir -p "$root/include"
        cp "$generated" "$root/include/$name"
        echo "wrote include/$name"
    fi
done
exit "$stale"
