"""Loading libdstack: package, workspace and library versions agree, and anything else
named by LIBDSTACK_PATH fails at load with one error naming the library path, its version
and the expected version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

import dstack_sdk
from conftest import REPO

EXPECTED = "libdstack {}.x (package {})".format(
    ".".join(dstack_sdk.__version__.split(".")[:2]), dstack_sdk.__version__
)

# In a child process: load the library and print the LibraryNotFoundError, if any.
_CHILD = """
import dstack_sdk
try:
    dstack_sdk.library_version()
except dstack_sdk.LibraryNotFoundError as exc:
    print("LOAD-ERROR", exc)
else:
    print("LOADED")
"""


def _load_error(lib_path: Path) -> str:
    env = dict(os.environ, LIBDSTACK_PATH=str(lib_path))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert out.startswith("LOAD-ERROR "), out
    return out[len("LOAD-ERROR ") :]


def _shared_object(tmp_path: Path, name: str, source: str) -> Optional[Path]:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    src = tmp_path / f"{name}.c"
    out = tmp_path / f"{name}.so"
    src.write_text(source)
    if subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)], capture_output=True).returncode:
        return None
    return out


def test_versions_agree() -> None:
    cargo = (REPO / "Cargo.toml").read_text()
    workspace = re.search(r'^version\s*=\s*"([^"]+)"', cargo[cargo.index("[workspace.package]") :], re.M)
    header = re.search(r'#define DSTACK_VERSION "([^"]+)"', (REPO / "include" / "dstack.h").read_text())
    assert workspace and header
    assert dstack_sdk.__version__ == workspace.group(1)
    assert dstack_sdk.library_version() == header.group(1) == dstack_sdk.__version__
    assert Path(dstack_sdk.library_path()).is_file()


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "libdstack.so"
    msg = _load_error(missing)
    assert str(missing) in msg and EXPECTED in msg


def test_not_libdstack_libc(tmp_path: Path) -> None:
    # The C library this interpreter runs on, as the dynamic loader mapped it.
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc/self/maps")
    libc = next(
        (p for p in (line.split()[-1] for line in maps.read_text().splitlines() if "/" in line)
         if re.search(r"/libc[.-][^/]*so", p)),
        None,
    )
    if libc is None:
        pytest.skip("libc not found in /proc/self/maps")
    msg = _load_error(Path(libc))
    assert f"{libc} (LIBDSTACK_PATH) is not libdstack (no dstack_version)" in msg
    assert EXPECTED in msg


def test_other_version_refused(tmp_path: Path) -> None:
    lib = _shared_object(tmp_path, "libdstack_future", 'const char *dstack_version(void) { return "9.4.2"; }\n')
    if lib is None:
        pytest.skip("no C compiler")
    msg = _load_error(lib)
    assert f"{lib} (LIBDSTACK_PATH) is libdstack 9.4.2" in msg and EXPECTED in msg


def test_missing_exports_named(tmp_path: Path) -> None:
    lib = _shared_object(
        tmp_path,
        "libdstack_partial",
        f'const char *dstack_version(void) {{ return "{dstack_sdk.__version__}"; }}\n'
        'const char *dstack_status_message(unsigned s) { (void)s; return ""; }\n',
    )
    if lib is None:
        pytest.skip("no C compiler")
    msg = _load_error(lib)
    assert f"{lib} (LIBDSTACK_PATH) is libdstack {dstack_sdk.__version__} but lacks " in msg
    assert "dstack_client_get_key" in msg and "dstack_status_message," not in msg
    assert EXPECTED in msg


def test_installed_package_is_typed() -> None:
    # PEP 561: the installed package (not src/) ships the py.typed marker, and the public
    # API carries annotations for type checkers to read.
    pkg = Path(dstack_sdk.__file__).parent
    assert (pkg / "py.typed").is_file()
    hints = dstack_sdk.DstackClient.get_key.__annotations__
    assert {"path", "purpose", "algorithm", "return"} <= set(hints)
