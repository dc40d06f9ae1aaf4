"""Packaging of dstack_sdk with libdstack inside.

Every wheel holds the library as dstack_sdk/libdstack.so, taken from the first of:
1. $LIBDSTACK_PATH, a prebuilt library (`make dist` passes the portable, stripped one);
2. target/release/libdstack.so of the checkout this directory belongs to;
3. a cargo build of the Rust sources: the checkout's, or the copy that an sdist carries
   in rust/ (core/, ffi/, verify/, verify-ffi/, include/, Cargo.toml, Cargo.lock).
libdstack_verify.so (dstack_sdk.verify) goes beside it as dstack_sdk/libdstack_verify.so,
from $LIBDSTACK_VERIFY_PATH or target/release of the checkout when there is one; the
build from an sdist (3.) compiles it too, in a cargo run of its own.
With none of these and no cargo on PATH the build stops with a message that says what is
missing; it never produces a package without its library.

Nothing is compiled against Python (ctypes loads the library), so wheels are tagged
py3-none-PLATFORM: one wheel serves every Python 3.10+. `make dist` builds the wheel
from the glibc-2.17 library and retags it manylinux with auditwheel.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
LIB_FILE = "libdstack.dylib" if sys.platform == "darwin" else "libdstack.so"
VERIFY_LIB_FILE = "libdstack_verify.so"
# The sdist copies the crate of the C library (ffi/) and the path crates it depends on,
# each whole but for these top-level folders (build output, crates outside the workspace).
SKIP_DIRS = {"target", "fuzz", "nostd-check"}
RUST_MISSING = """
libdstack-sdk: cannot build libdstack, the Rust library this package loads.
This is a source package: it compiles libdstack with cargo, the Rust toolchain,
and cargo is not on PATH. Either
  - install Rust (https://rustup.rs, version 1.85 or newer), open a new shell so
    that cargo is on PATH, and install again; or
  - install the prebuilt wheel instead (libdstack_sdk-*-manylinux_*_x86_64.whl
    from the libdstack release, made by `make dist`); or
  - set LIBDSTACK_PATH to a libdstack.so that you built.
"""


def _workspace():
    """The Rust workspace to build from: the sdist's copy, else the checkout's; None if neither."""
    for root in (HERE / "rust", HERE.parent.parent):
        if (root / "Cargo.toml").is_file() and (root / "ffi" / "Cargo.toml").is_file():
            return root
    return None


def _prebuilt():
    env = os.environ.get("LIBDSTACK_PATH")
    if env:
        if not Path(env).is_file():
            raise SystemExit(f"libdstack-sdk: LIBDSTACK_PATH={env} is not a file")
        return Path(env)
    built = HERE.parent.parent / "target" / "release" / LIB_FILE
    return built if built.is_file() else None


def _prebuilt_verify():
    """libdstack_verify.so: $LIBDSTACK_VERIFY_PATH, else the checkout's target/release; None if neither."""
    env = os.environ.get("LIBDSTACK_VERIFY_PATH")
    if env:
        if not Path(env).is_file():
            raise SystemExit(f"libdstack-sdk: LIBDSTACK_VERIFY_PATH={env} is not a file")
        return Path(env)
    built = HERE.parent.parent / "target" / "release" / VERIFY_LIB_FILE
    return built if built.is_file() else None


def _cargo_build(workspace, package="dstack-ffi", lib_file=LIB_FILE):
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    if not cargo:
        raise SystemExit(RUST_MISSING)
    in_checkout = workspace == HERE.parent.parent
    cmd = [cargo, "build", "--release", "-p", package, "--manifest-path", str(workspace / "Cargo.toml")]
    env = dict(os.environ)
    if in_checkout:
        # The checkout's Cargo.lock is exact; the sdist's lists the workspace's other
        # members too, which cargo drops (keeping every other locked version).
        cmd.append("--locked")
    else:
        env["CARGO_PROFILE_RELEASE_STRIP"] = "symbols"
    print(f"building {lib_file}:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env)
    target = Path(env.get("CARGO_TARGET_DIR") or workspace / "target")
    if not target.is_absolute():
        target = workspace / target
    lib = target / "release" / lib_file
    if not lib.is_file():
        raise SystemExit(f"libdstack-sdk: cargo finished but {lib} is missing")
    return lib


class BuildPyWithLibrary(build_py):
    """Copies libdstack into the package (building it with cargo if need be)."""

    def run(self):
        super().run()
        lib = _prebuilt()
        built = False
        if lib is None:
            workspace = _workspace()
            if workspace is None:
                raise SystemExit(
                    "libdstack-sdk: no libdstack to bundle: set LIBDSTACK_PATH to a built "
                    "libdstack.so, or build from the libdstack repository or its sdist"
                )
            lib = _cargo_build(workspace)
            built = True
        dest = Path(self.build_lib) / "dstack_sdk" / LIB_FILE
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib, dest)
        print(f"bundled {lib} -> {dest}", flush=True)
        # libdstack_verify (dstack_sdk.verify): the prebuilt one when there is one; compiled
        # here (its own cargo run: packages built together share dependency features, which
        # would grow libdstack.so) when libdstack was, from sources that include verify-ffi/.
        vlib = _prebuilt_verify()
        if vlib is None and built and (workspace / "verify-ffi" / "Cargo.toml").is_file():
            vlib = _cargo_build(workspace, "dstack-verify-ffi", VERIFY_LIB_FILE)
        if vlib is not None:
            vdest = dest.parent / VERIFY_LIB_FILE
            shutil.copyfile(vlib, vdest)
            print(f"bundled {vlib} -> {vdest}", flush=True)


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        # The bundled native library makes the package platform-specific (platlib).
        return True


class PlatformWheel(bdist_wheel):
    """A platform wheel for any Python 3: py3-none-PLATFORM (no Python ABI is involved)."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class SdistWithRust(sdist):
    """Adds rust/: the workspace pieces that libdstack and libdstack_verify are built from."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        src = _workspace()
        if src is None:
            raise SystemExit("libdstack-sdk: the sdist needs the libdstack repository (its Rust sources)")
        dest = Path(base_dir) / "rust"
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir()
        crates = sorted(set(_path_crates(src, "ffi")) | set(_path_crates(src, "verify-ffi")))
        for crate in crates:
            if any(crate.startswith(other + "/") for other in crates):
                continue  # inside a crate copied whole (ffi/rlib in ffi)
            top = str(src / crate)
            shutil.copytree(
                top, dest / crate, ignore=lambda d, names, top=top: SKIP_DIRS & set(names) if d == top else set()
            )
        shutil.copytree(src / "include", dest / "include")
        shutil.copyfile(src / "Cargo.lock", dest / "Cargo.lock")
        shutil.copyfile(src / "LICENSE", dest / "LICENSE")
        (dest / "Cargo.toml").write_text(_trim_workspace((src / "Cargo.toml").read_text(), crates))


def _toml(path):
    try:
        import tomllib
    except ImportError:  # Python 3.10: pyproject.toml's build requirements add tomli
        import tomli as tomllib
    with open(path, "rb") as f:
        return tomllib.load(f)


def _path_crates(root, start):
    """`start` and every crate it reaches through path dependencies (normal, build and dev,
    also target-specific ones, directly or through [workspace.dependencies]), as folders
    relative to the workspace root, in a stable order."""
    workspace_paths = {
        name: spec["path"]
        for name, spec in _toml(root / "Cargo.toml").get("workspace", {}).get("dependencies", {}).items()
        if isinstance(spec, dict) and "path" in spec
    }
    found, todo = [], [start]
    while todo:
        crate = todo.pop()
        if crate in found:
            continue
        found.append(crate)
        manifest = _toml(root / crate / "Cargo.toml")
        tables = [manifest] + list(manifest.get("target", {}).values())
        for table in tables:
            for kind in ("dependencies", "build-dependencies", "dev-dependencies"):
                for name, spec in table.get(kind, {}).items():
                    if not isinstance(spec, dict):
                        continue
                    if "path" in spec:
                        path = os.path.normpath(os.path.join(crate, spec["path"]))
                    elif spec.get("workspace") and name in workspace_paths:
                        path = os.path.normpath(workspace_paths[name])
                    else:
                        continue
                    if path.startswith(".."):
                        raise SystemExit(f"libdstack-sdk: {crate} depends on {path}, outside the workspace")
                    todo.append(path)
    return sorted(found)


def _trim_workspace(manifest, crates):
    """The workspace manifest with only `crates` as members (and no exclude list)."""
    members = "members = [" + ", ".join(f'"{c}"' for c in crates) + "]"
    out, n = re.subn(r"(?ms)^members\s*=\s*\[.*?\]", members, manifest, count=1)
    if n != 1:
        raise SystemExit("libdstack-sdk: cannot find the workspace members in Cargo.toml")
    out = re.sub(r"(?ms)^(exclude|default-members)\s*=\s*\[.*?\]\n", "", out)
    return out


setup(
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel, "sdist": SdistWithRust},
    distclass=BinaryDistribution,
)
