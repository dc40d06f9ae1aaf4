#!/usr/bin/env bash
# Build libdstack and the simulator, install dstack_sdk with pinned test
# dependencies into bindings/python/.venv, and run pytest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"

cd "$REPO"
if [[ -z "${LIBDSTACK_PATH:-}" || -z "${DSTACK_SIMULATOR_BIN:-}" ]]; then
    cargo build --release -p dstack-ffi -p dstack-simulator
fi
# libdstack_verify for dstack_sdk.verify (bundled by setup.py when built).
if [[ -z "${LIBDSTACK_VERIFY_PATH:-}" ]]; then
    cargo build --release -p dstack-verify-ffi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.3.1"
"$VENV/bin/python" -m pip install --quiet \
    "pytest==9.2.0" "eth-account==0.14.0" "solders==0.29.0" "cryptography==50.0.2" \
    "fastapi==0.115.12" "httpx==0.28.1"
# Non-editable install: exercises the packaging and bundles target/release/libdstack.so.
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$HERE"

cd "$HERE"
set +e
# Run from the tests directory so the installed package (not src/) is imported.
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "run-tests.sh: pytest collected no tests" >&2
    exit 1
fi
exit $status
