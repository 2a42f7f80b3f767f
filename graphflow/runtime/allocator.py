"""Keep freed tensor buffers in the process between runs (glibc ``mallopt``), as TF's allocator does.

glibc serves a request above its *dynamic* mmap threshold with a fresh ``mmap`` and unmaps it on
free, so every run of a training step pays the kernel's page faults and page zeroing again for each
large intermediate (a [550, 14, 14, 64] float32 conv output is 27.6 MB).  TF1 keeps its tensors in
its own BFC allocator and never pays this twice.  The first Session fixes glibc's thresholds: blocks up
to 32 MB (the largest fixed mmap threshold glibc accepts on 64-bit) come from the heap and free heap
memory is returned to the system only above 256 MB.  Measured on the notes' CNN training step:
220 -> 195 ms at batch 550, 24.2 -> 23.8 ms at batch 64, with the same peak RSS (608 vs 615 MB).

Blocks above 32 MB are still mmapped by glibc; the big-output kernels (convolutions, pooling and
their gradients, large elementwise ops) take those from ``empty``: a process-wide pool of large
buffers, each handed out again once no array views it any more (its reference count says so), as
TF's BFC allocator reuses its chunks.  Measured on the notes' CNN: MaxPoolGrad of [550, 28, 28, 64]
15.8 -> 5.5 ms (page faults gone).  Idle buffers above ``POOL_IDLE_BYTES`` are dropped, least
recently used first; ``release_idle()`` drops them all (``Session.close`` calls it).

Only on glibc (a no-op elsewhere); ``GRAPHFLOW_MALLOC_TUNING=0`` in the environment leaves the
allocator as it is (and turns the pool off).  The numbers never depend on this.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading

import numpy as np

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024

_state: dict = {"done": False, "applied": False}


def _opted_out() -> bool:
    """``GRAPHFLOW_MALLOC_TUNING=0`` (or false/no/off): leave malloc's thresholds and the pool off."""
    return os.environ.get("GRAPHFLOW_MALLOC_TUNING", "1").strip().lower() in ("0", "false", "no", "off")


def tune_malloc() -> bool:
    """Apply the thresholds once per process; True when they are in effect."""
    if _state["done"]:
        return _state["applied"]
    _state["done"] = True
    if _opted_out():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    _state["applied"] = ok
    return ok


# -- the pool of large buffers --------------------------------------------------------------------
POOL_MIN_BYTES = MMAP_THRESHOLD  # smaller blocks come back from malloc's heap already
POOL_IDLE_BYTES = 1 << 30
_FIT = 1.25  # a buffer serves requests down to 1/1.25 of its size (repeated plans ask exact sizes)
_pool: list[np.ndarray] = []  # uint8 bases, least recently handed out first
_pool_lock = threading.Lock()


def _idle(i: int) -> bool:
    """No array views ``_pool[i]``: the only references are the pool's list and getrefcount's
    argument (so no local name may hold the buffer while this is asked)."""
    return sys.getrefcount(_pool[i]) == 2


def empty(shape, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``; at least ``POOL_MIN_BYTES`` come from the pool of large buffers."""
    dt = np.dtype(dtype)
    nbytes = math.prod(shape) * dt.itemsize
    if nbytes < POOL_MIN_BYTES or _opted_out():
        return np.empty(shape, dtype=dt)
    with _pool_lock:
        best = -1
        for i in range(len(_pool)):
            size = _pool[i].nbytes
            if nbytes <= size <= nbytes * _FIT and _idle(i) and (best < 0 or size < _pool[best].nbytes):
                best = i
        if best < 0:
            _evict(POOL_IDLE_BYTES - nbytes)
            chosen = np.empty(nbytes, dtype=np.uint8)
        else:
            chosen = _pool.pop(best)
        _pool.append(chosen)
        return chosen[:nbytes].view(dt).reshape(shape)


def _evict(keep: int) -> None:
    """Drop idle buffers, oldest first, until at most ``keep`` idle bytes remain (lock held)."""
    idle = [i for i in range(len(_pool)) if _idle(i)]
    total = sum(_pool[i].nbytes for i in idle)
    drop = set()
    for i in idle:
        if total <= keep:
            break
        drop.add(i)
        total -= _pool[i].nbytes
    _pool[:] = [base for i, base in enumerate(_pool) if i not in drop]


def release_idle() -> None:
    """Return every idle pooled buffer to the system."""
    with _pool_lock:
        _evict(0)


def pooled_bytes() -> int:
    """Bytes held by the pool, busy or idle (for tests and memory reports)."""
    with _pool_lock:
        return sum(base.nbytes for base in _pool)
