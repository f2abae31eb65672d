"""ctypes bindings of libmecsim.so, the C ABI of mecsim's Go environments (package capi)."""

import ctypes
import os
import threading

import numpy as np

ABI_VERSION = 1

# Status codes of libmecsim.h.
OK = 0
ERR_CONFIG = 1
ERR_ARGUMENT = 2
ERR_STATE = 3
ERR_ENV = 4
ERR_INTERNAL = 5


class MecsimError(RuntimeError):
    """A call into libmecsim failed; code is its MECSIM_ERR code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class ConfigError(MecsimError, ValueError):
    """The experiment file or text is bad (MECSIM_ERR_CONFIG)."""


class ArgumentError(MecsimError, ValueError):
    """A bad argument: wrong-shaped or out-of-range actions, a masked action, a closed
    environment (MECSIM_ERR_ARGUMENT)."""


class StateError(MecsimError):
    """A call out of order: step before reset, or past an episode's end without
    auto-reset (MECSIM_ERR_STATE)."""


_ERRORS = {ERR_CONFIG: ConfigError, ERR_ARGUMENT: ArgumentError, ERR_STATE: StateError}

_lib = None
_load_lock = threading.Lock()

_p_i64 = ctypes.POINTER(ctypes.c_int64)
_p_f32 = ctypes.POINTER(ctypes.c_float)
_p_f64 = ctypes.POINTER(ctypes.c_double)
_p_u8 = ctypes.POINTER(ctypes.c_uint8)


def library_path():
    """The shared library: $MECSIM_LIB, else libmecsim.so beside this file."""
    return os.environ.get("MECSIM_LIB") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "libmecsim.so")


def lib():
    """Load libmecsim.so once and declare its functions."""
    global _lib
    with _load_lock:
        if _lib is not None:
            return _lib
        path = library_path()
        if not os.path.exists(path):
            raise OSError(
                f"{path} not found: build it with `make python` (or `go build -buildmode=c-shared "
                f"-o python/mecsim/libmecsim.so ./capi`) from the mecsim repository"
            )
        L = ctypes.CDLL(path)
        sig = {
            "mecsim_abi_version": (ctypes.c_int32, []),
            "mecsim_make": (ctypes.c_int64, [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_int64, ctypes.c_int32, ctypes.c_int32]),
            "mecsim_close": (ctypes.c_int32, [ctypes.c_int64]),
            "mecsim_shape": (ctypes.c_int32, [ctypes.c_int64, _p_i64]),
            "mecsim_reset": (ctypes.c_int32, [ctypes.c_int64, ctypes.c_uint64, ctypes.c_int32, _p_f32, _p_u8]),
            "mecsim_step": (ctypes.c_int32, [ctypes.c_int64, _p_i64, ctypes.c_int64, _p_f32, _p_u8, _p_f64, _p_f64, _p_u8, _p_u8, _p_f32]),
            "mecsim_set_preferences": (ctypes.c_int32, [ctypes.c_int64, _p_f64, ctypes.c_int64]),
            "mecsim_rollout": (ctypes.c_int64, [ctypes.c_int64, ctypes.c_uint64, _p_i64, ctypes.c_int64, _p_f64]),
            "mecsim_episode_seed": (ctypes.c_uint64, [ctypes.c_uint64, ctypes.c_uint64]),
            "mecsim_last_error": (ctypes.c_int64, [ctypes.c_char_p, ctypes.c_int64]),
        }
        for name, (res, args) in sig.items():
            f = getattr(L, name)
            f.restype, f.argtypes = res, args
        v = L.mecsim_abi_version()
        if v != ABI_VERSION:
            raise OSError(f"{path} has ABI version {v}, this package needs {ABI_VERSION}: rebuild it with `make python`")
        _lib = L
        return L


def last_error():
    """The message of the most recent failure in the process (the library keeps one: two
    threads failing at once may read each other's)."""
    L = lib()
    n = L.mecsim_last_error(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    L.mecsim_last_error(buf, n + 1)
    return buf.value.decode("utf-8", "replace")


def raise_for(code):
    """Raise the exception of a nonzero status, with the library's message."""
    raise _ERRORS.get(code, MecsimError)(code, last_error())


def ptr(a, ctype):
    """The data pointer of a contiguous numpy array (None for None)."""
    if a is None:
        return None
    return a.ctypes.data_as(ctype)
