"""CRC-32C (Castagnoli): the x86-64 SSE4.2 ``crc32`` instruction when the host has it, else a
Numba slicing-by-8 kernel; plus TF's CRC masking.

Polynomial 0x1EDC6F41 (reflected 0x82F63B78), init 0xFFFFFFFF, final xor 0xFFFFFFFF:
``crc32c(b"123456789") == 0xE3069283``.  ``crc`` arguments and results are *finalized*
CRC values, so ``crc32c(a + b) == extend(crc32c(a), b)``.

The 8x256 lookup table is built with NumPy at import (about 1 ms); the kernel itself is
compiled lazily on first call and cached on disk (``cache=True``), so importing this module
compiles nothing.  Inputs (bytes, bytearray, memoryview, any C-contiguous ndarray) are viewed
as uint8 without copying.

TF stores CRCs *masked* (so that a CRC of data containing CRCs stays well distributed):
``mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8  (mod 2**32)``.
"""

from __future__ import annotations

import platform

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["crc32c", "extend", "value", "mask", "unmask", "masked_crc32c", "as_uint8"]

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8
_M32 = 0xFFFFFFFF


def _build_table() -> np.ndarray:
    """Build the 8x256 slicing-by-8 table with vectorized NumPy."""
    t = np.zeros((8, 256), dtype=np.uint32)
    c = np.arange(256, dtype=np.uint32)
    poly = np.uint32(_POLY)
    for _ in range(8):
        c = np.where(c & np.uint32(1), (c >> np.uint32(1)) ^ poly, c >> np.uint32(1)).astype(np.uint32)
    t[0] = c
    for k in range(1, 8):
        prev = t[k - 1]
        t[k] = (prev >> np.uint32(8)) ^ t[0][prev & np.uint32(0xFF)]
    return t


_TABLE = _build_table()


@numba.njit(cache=True, nogil=True)
def _crc32c_update(crc, data, table):  # pragma: no cover - compiled
    """Raw (non-finalized) CRC-32C update over a uint8 array, slicing-by-8."""
    c = np.uint32(crc)
    n = data.shape[0]
    i = 0
    t0 = table[0]
    t1 = table[1]
    t2 = table[2]
    t3 = table[3]
    t4 = table[4]
    t5 = table[5]
    t6 = table[6]
    t7 = table[7]
    # align nothing: byte loads are cheap in numba; process 8 bytes per iteration
    while i + 8 <= n:
        lo = c ^ (
            np.uint32(data[i])
            | (np.uint32(data[i + 1]) << np.uint32(8))
            | (np.uint32(data[i + 2]) << np.uint32(16))
            | (np.uint32(data[i + 3]) << np.uint32(24))
        )
        c = (
            t7[lo & np.uint32(0xFF)]
            ^ t6[(lo >> np.uint32(8)) & np.uint32(0xFF)]
            ^ t5[(lo >> np.uint32(16)) & np.uint32(0xFF)]
            ^ t4[lo >> np.uint32(24)]
            ^ t3[data[i + 4]]
            ^ t2[data[i + 5]]
            ^ t1[data[i + 6]]
            ^ t0[data[i + 7]]
        )
        i += 8
    while i < n:
        c = t0[(c ^ np.uint32(data[i])) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
        i += 1
    return c


# -- the SSE4.2 ``crc32`` instruction (x86-64): 39 MB in 4.5 ms instead of 19.7 ms -------------
def _host_has_sse42() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        import llvmlite.binding as ll

        return bool(ll.get_host_cpu_features().get("sse4.2", False))
    except Exception:  # noqa: BLE001 - unknown host: the table kernel is always correct
        return False


HARDWARE = _host_has_sse42()


def _crc32_instruction(llvm_name: str, crc_bits: int, data_bits: int):
    """A numba intrinsic ``crc(crc, data)`` calling the LLVM x86 intrinsic ``llvm_name``."""

    def crc32(typingctx, crc, data):  # pragma: no cover - compiled
        crc_t = getattr(types, f"uint{crc_bits}")
        sig = crc_t(crc_t, getattr(types, f"uint{data_bits}"))

        def codegen(context, builder, signature, args):
            fnty = ir.FunctionType(ir.IntType(crc_bits), [ir.IntType(crc_bits), ir.IntType(data_bits)])
            return builder.call(cgutils.get_or_insert_function(builder.module, fnty, llvm_name), args)

        return sig, codegen

    return intrinsic(crc32)


_crc32c_u64 = _crc32_instruction("llvm.x86.sse42.crc32.64.64", 64, 64)
_crc32c_u8 = _crc32_instruction("llvm.x86.sse42.crc32.32.8", 32, 8)


@numba.njit(cache=True, nogil=True)
def _crc32c_update_hw(crc, data):  # pragma: no cover - compiled (only on SSE4.2 hosts)
    """Raw CRC-32C update with the ``crc32`` instruction: 8 bytes per step, bytes at the ends."""
    c = np.uint32(crc)
    n = data.shape[0]
    i = 0
    while i < n and (i & 7) != 0:
        c = _crc32c_u8(c, data[i])
        i += 1
    nw = (n - i) // 8
    if nw > 0:
        words = data[i:i + nw * 8].view(np.uint64)
        c64 = np.uint64(c)
        for k in range(nw):
            c64 = _crc32c_u64(c64, words[k])
        c = np.uint32(c64)
        i += nw * 8
    while i < n:
        c = _crc32c_u8(c, data[i])
        i += 1
    return c


def as_uint8(data) -> np.ndarray:
    """View bytes-like or C-contiguous ndarray data as a 1-D uint8 array without copying."""
    if isinstance(data, np.ndarray):
        if data.dtype == np.uint8 and data.ndim == 1:
            return data
        if not data.flags.c_contiguous:
            raise ValueError("crc32c needs a C-contiguous array (use np.ascontiguousarray)")
        if data.dtype.hasobject:
            raise TypeError("crc32c cannot checksum an object array")
        return data.reshape(-1).view(np.uint8)
    if isinstance(data, (bytes, bytearray)):
        return np.frombuffer(data, dtype=np.uint8)
    mv = memoryview(data)
    if not mv.c_contiguous:
        raise ValueError("crc32c needs a C-contiguous buffer")
    if mv.nbytes == 0:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(mv.cast("B") if mv.format != "B" or mv.ndim != 1 else mv, dtype=np.uint8)


# Below this size the Python loop beats the kernel call overhead (and avoids compiling
# the kernel for tiny inputs such as SSTable trailers of empty blocks).
_SMALL = 16


def extend(crc: int, data) -> int:
    """Extend a finalized CRC-32C value ``crc`` with ``data``; return the new finalized CRC."""
    arr = as_uint8(data)
    raw = (int(crc) ^ _M32) & _M32
    n = arr.shape[0]
    if n == 0:
        return int(crc) & _M32
    if n < _SMALL:
        t0 = _TABLE[0]
        for b in arr.tolist():
            raw = int(t0[(raw ^ b) & 0xFF]) ^ (raw >> 8)
        return raw ^ _M32
    if HARDWARE:
        return int(_crc32c_update_hw(np.uint32(raw), arr)) ^ _M32
    return int(_crc32c_update(np.uint32(raw), arr, _TABLE)) ^ _M32


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C of ``data`` (continuing from finalized ``crc``, default a fresh CRC)."""
    return extend(crc, data)


def value(data) -> int:
    """CRC-32C of ``data`` (TF's ``crc32c::Value``)."""
    return extend(0, data)


def mask(crc: int) -> int:
    """Mask a CRC as TF stores it: rotate right by 15 and add 0xa282ead8 (mod 2**32)."""
    crc = int(crc) & _M32
    return ((((crc >> 15) | (crc << 17)) & _M32) + _MASK_DELTA) & _M32


def unmask(masked: int) -> int:
    """Invert :func:`mask`."""
    rot = (int(masked) - _MASK_DELTA) & _M32
    return ((rot >> 17) | (rot << 15)) & _M32


def masked_crc32c(data) -> int:
    """Masked CRC-32C of ``data`` (the value stored in TF files)."""
    return mask(extend(0, data))
