"""Locate libdstack and declare its C ABI for ctypes.

ctypes is in the standard library: nothing to compile at install time and no
runtime dependency.  ctypes releases the GIL around every foreign call, so
blocking agent calls in worker threads run concurrently.

The shared library is the file named by ``LIBDSTACK_PATH`` when that is set,
otherwise the first of these that exists:
1. a copy bundled into this package at install time (``dstack_sdk/libdstack.so``);
2. ``target/release/libdstack.so`` of the source checkout this file lives in;
3. ``ctypes.util.find_library("dstack")`` (system library paths).

Loading is strict: every function of the generated prototype table
(``_abi.PROTOTYPES``, from include/dstack.h) is bound at load time and the
library's ``dstack_version()`` must be in this package's major.minor series.
Anything else raises one :class:`~dstack_sdk.errors.LibraryNotFoundError`
naming the library path, its version and the expected version.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import byref, c_size_t, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import _abi, errors
from ._version import __version__

if sys.platform == "darwin":
    _LIB_FILE = "libdstack.dylib"
elif sys.platform == "win32":
    _LIB_FILE = "dstack.dll"
else:
    _LIB_FILE = "libdstack.so"


# The C ABI's declarations come from the generated _abi.py (scripts/abi/gen.py reads
# include/dstack.h): structures, field ids, flags, status codes and every prototype.
Slice = _abi.Slice
Field = _abi.Field
KeyFlags = _abi.KeyFlags
Status = _abi.Status


def _candidates() -> List[Tuple[str, Path]]:
    env = os.environ.get("LIBDSTACK_PATH")
    if env:
        return [("LIBDSTACK_PATH", Path(env))]
    here = Path(__file__).resolve().parent
    found = [("bundled", here / _LIB_FILE)]
    # bindings/python/src/dstack_sdk/_lib.py -> repository root is four levels up.
    if len(here.parents) >= 4:
        found.append(("source tree", here.parents[3] / "target" / "release" / _LIB_FILE))
    system = ctypes.util.find_library("dstack")
    if system:
        found.append(("system", Path(system)))
    return found


def _series(version: Optional[str]) -> Optional[str]:
    """``"0.1"`` of ``"0.1.0"``: the C ABI is stable within one major.minor series."""
    parts = (version or "").split(".")
    if len(parts) < 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return f"{parts[0]}.{parts[1]}"


_EXPECTED = f"libdstack {_series(__version__)}.x (package {__version__})"


def _load_error(what: str) -> errors.LibraryNotFoundError:
    return errors.LibraryNotFoundError(
        f"{what}; this binding needs {_EXPECTED}. "
        "Build it with `cargo build --release -p dstack-ffi` or set LIBDSTACK_PATH."
    )


def _open() -> Tuple[ctypes.CDLL, str, str]:
    """Load, bind and check the library; returns ``(cdll, path, version)``."""
    candidates = _candidates()
    origin, path = next(
        ((o, p) for o, p in candidates if o == "system" or p.is_file()), candidates[0]
    )
    tried = ", ".join(f"{o}: {p}" for o, p in candidates)
    try:
        cdll = ctypes.CDLL(str(path))
    except OSError as exc:
        raise _load_error(f"cannot load libdstack (tried {tried}): {exc}") from exc
    missing = []
    for name, (restype, argtypes) in _abi.PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if "dstack_version" in missing or not cdll.dstack_version():
        raise _load_error(f"{path} ({origin}) is not libdstack (no dstack_version)")
    version = cdll.dstack_version().decode("utf-8", "replace")
    if _series(version) != _series(__version__):
        raise _load_error(f"{path} ({origin}) is libdstack {version}")
    if missing:
        raise _load_error(f"{path} ({origin}) is libdstack {version} but lacks {', '.join(missing)}")
    return cdll, str(path), version


class _Library:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cdll: Optional[ctypes.CDLL] = None
        self.path = ""
        self.version = ""

    def load(self) -> ctypes.CDLL:
        if self._cdll is None:
            with self._lock:
                if self._cdll is None:
                    self._cdll, self.path, self.version = _open()
        return self._cdll


LIB = _Library()


def lib() -> ctypes.CDLL:
    return LIB.load()


def function(name: str) -> Any:
    """The declared C function ``name`` (loads the library if needed)."""
    return getattr(lib(), name)


def library_path() -> str:
    """Path of the loaded libdstack (loads it if needed)."""
    LIB.load()
    return LIB.path


def library_version() -> str:
    """``dstack_version()`` of the loaded libdstack (loads it if needed)."""
    LIB.load()
    return LIB.version


def _raise(status: int, err: c_void_p) -> None:
    L = lib()
    message = ""
    if err.value:
        try:
            message = L.dstack_error_message(err).tobytes().decode("utf-8", "replace")
            status = L.dstack_error_status(err) or status
        finally:
            L.dstack_error_free(err)
    if not message:
        raw = L.dstack_status_message(status)
        message = raw.decode("utf-8", "replace") if raw else ""
    raise errors.error_for_status(status, message)


def call(name: str, *args: Any) -> None:
    """Call a fallible ABI function (``out_error`` appended) and raise on failure."""
    L = lib()
    fn = getattr(L, name)
    err = c_void_p()
    status = fn(*args, byref(err))
    if status != Status.OK:
        _raise(status, err)
    elif err.value:  # defensive: never leak an error handle
        L.dstack_error_free(err)


def call_buffer(name: str, *args: Any, initial: int = 256) -> bytes:
    """Call a function with a trailing ``out, out_cap, out_len`` buffer triple."""
    L = lib()
    fn = getattr(L, name)
    cap = initial
    for _ in range(3):
        buf = ctypes.create_string_buffer(max(cap, 1))
        out_len = c_size_t(0)
        err = c_void_p()
        status = fn(*args, buf, c_size_t(cap), byref(out_len), byref(err))
        if status == Status.OK:
            if err.value:
                L.dstack_error_free(err)
            return buf.raw[: out_len.value]
        if status == Status.BUFFER_TOO_SMALL and out_len.value > cap:
            if err.value:
                L.dstack_error_free(err)
            cap = out_len.value
            continue
        _raise(status, err)
    raise errors.DstackError(Status.BUFFER_TOO_SMALL, f"{name}: output size kept growing")


def new_handle(name: str, *args: Any) -> c_void_p:
    """Call a constructor-like function whose second-to-last parameter is ``T **out``."""
    out = c_void_p()
    call(name, *args, byref(out))
    return out


def byte_arg(data: Optional[bytes]) -> Tuple[Optional[bytes], int]:
    """``(ptr, len)`` pair for a byte input; None and b"" are both the empty value."""
    if not data:
        return None, 0
    return bytes(data), len(data)


def text_arg(text: Optional[str]) -> Tuple[Optional[bytes], int]:
    return byte_arg(text.encode("utf-8") if text else None)


def slices(items: Sequence[bytes]) -> Tuple[Any, List[bytes]]:
    """Array of ``dstack_slice`` over ``items``; keep the returned list alive during the call."""
    keep = [bytes(i) for i in items]
    arr = (Slice * max(len(keep), 1))()
    for i, item in enumerate(keep):
        if item:
            arr[i].ptr = ctypes.cast(ctypes.c_char_p(item), c_void_p).value
        arr[i].len = len(item)
    return arr, keep


class Handle:
    """Owns one C handle and frees it exactly once.

    A client handle is shared by threads (sync clients used from several threads,
    ``AsyncDstackClient`` calls running in worker threads).  Calls pin the handle
    while they run; ``close()`` during a call only marks it closing, and the last
    call to finish frees it, so a call never runs on a freed handle.
    """

    __slots__ = ("_ptr", "_free", "_lock", "_inflight", "_closing", "__weakref__")

    def __init__(self, ptr: c_void_p, free_name: str) -> None:
        self._ptr = ptr
        self._free: Callable[[Any], None] = function(free_name)
        self._lock = threading.Lock()
        self._inflight = 0
        self._closing = False

    @property
    def ptr(self) -> c_void_p:
        if not self._ptr or not self._ptr.value:
            raise errors.DstackError(Status.NULL_ARGUMENT, "handle already closed")
        return self._ptr

    @property
    def closed(self) -> bool:
        return self._closing or not self._ptr or not self._ptr.value

    def pin(self) -> c_void_p:
        """Keep the handle alive until the matching ``unpin()``; fails once closed."""
        with self._lock:
            if self._closing or not self._ptr or not self._ptr.value:
                raise errors.DstackError(Status.NULL_ARGUMENT, "handle already closed")
            self._inflight += 1
            return self._ptr

    def unpin(self) -> None:
        with self._lock:
            self._inflight -= 1
            ptr = self._take() if self._closing and self._inflight == 0 else None
        self._release(ptr)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            ptr = self._take() if self._inflight == 0 else None
        self._release(ptr)

    def _take(self) -> Optional[c_void_p]:
        ptr, self._ptr = self._ptr, None  # type: ignore[assignment]
        return ptr

    def _release(self, ptr: Optional[c_void_p]) -> None:
        if ptr is not None and ptr.value:
            self._free(ptr)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Response:
    """Reads fields of a ``dstack_response`` handle."""

    def __init__(self, ptr: c_void_p) -> None:
        self.handle = Handle(ptr, "dstack_response_free")

    def _lookup(self, name: str, *args: Any) -> bool:
        """Call a ``dstack_response_*`` accessor; False if the response lacks the field."""
        L = lib()
        err = c_void_p()
        status = getattr(L, name)(self.handle.ptr, *args, byref(err))
        if status == Status.NOT_FOUND:
            if err.value:
                L.dstack_error_free(err)
            return False
        if status != Status.OK:
            _raise(status, err)
        return True

    def raw(self, field: int) -> Optional[bytes]:
        out = Slice()
        return out.tobytes() if self._lookup("dstack_response_get", field, byref(out)) else None

    def hex(self, field: int, default: str = "") -> str:
        value = self.raw(field)
        return default if value is None else value.hex()

    def text(self, field: int, default: str = "") -> str:
        value = self.raw(field)
        return default if value is None else value.decode("utf-8", "replace")

    def items(self, field: int) -> List[bytes]:
        count = c_size_t(0)
        if not self._lookup("dstack_response_count", field, byref(count)):
            return []
        result = []
        for i in range(count.value):
            out = Slice()
            call("dstack_response_item", self.handle.ptr, field, i, byref(out))
            result.append(out.tobytes())
        return result

    def u64(self, field: int) -> Optional[int]:
        out = c_uint64(0)
        return out.value if self._lookup("dstack_response_u64", field, byref(out)) else None

    def close(self) -> None:
        self.handle.close()
