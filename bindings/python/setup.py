"""Bundle libdstack into the package when one is available at build time.

The library is taken from $LIBDSTACK_PATH, else from the checkout's
target/release/.  Without either, the package installs pure-Python and finds
the library at run time (see dstack_sdk/_lib.py).
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
LIB_FILE = "libdstack.dylib" if sys.platform == "darwin" else "libdstack.so"


def _library():
    env = os.environ.get("LIBDSTACK_PATH")
    if env and Path(env).is_file():
        return Path(env)
    built = HERE.parent.parent / "target" / "release" / LIB_FILE
    return built if built.is_file() else None


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        lib = _library()
        if lib is not None:
            dest = Path(self.build_lib) / "dstack_sdk" / LIB_FILE
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lib, dest)
            print(f"bundled {lib} -> {dest}")


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        # A bundled native library makes the wheel platform-specific.
        return _library() is not None


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution)
