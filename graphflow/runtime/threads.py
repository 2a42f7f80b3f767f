"""Sizing the BLAS thread pool NumPy's matrix products run on (R-P7).

``tf.ConfigProto(intra_op_parallelism_threads=n)`` sets the threads of the kernels of that
session: graphflow's large contractions are NumPy's OpenBLAS calls, so a session with ``n > 0``
switches OpenBLAS to ``n`` threads while it runs (a cheap integer compare when the count is
already right).  ``n == 0`` (the default) leaves the pool as the environment sized it
(``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``), capped by the CPU quota of the cgroup when one
is set (a container limited to 1.5 CPUs gets 2 threads, not one per host core).

numpy exposes no API for this: ``threadpoolctl`` is not a dependency, so the setter is looked up
with ctypes in NumPy's bundled OpenBLAS (``scipy_openblas_set_num_threads64_`` in the wheels,
``openblas_set_num_threads`` elsewhere).  When no OpenBLAS is found everything is a no-op.
Parallel products: OpenBLAS's own pool spin-waits, and on a shared or loaded machine two spinning
BLAS threads made a [64,3136]x[3136,1024] SGEMM 3-6x slower than one thread (TF's blocking Eigen
pool does not suffer).  So a session with ``n >= 2`` threads keeps OpenBLAS at one thread and
:func:`dot` splits a large product into ``n`` row or column blocks run on graphflow's own
blocking workers (:func:`run_workers`; ``np.dot`` releases the GIL).  Each block is the same
single-threaded GEMM, so a float32 result is bit-identical for every ``n`` (measured), which
OpenBLAS's own threading does not guarantee:
the thread count can change the last bits of a product (OpenBLAS picks its blocking per thread
count: a [1024,784]x[784,256] SGEMM differs between 1 and 2 threads), so the count is a fixed
function of the config and the environment, never of the machine's load: a given config and
seed give the same numbers on every run.
"""

from __future__ import annotations

import ctypes
import glob
import math
import os
import threading

import numpy as np

from graphflow.runtime import allocator

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")

_set = None
_get = None
_loaded = False
current: int | None = None  # the count graphflow last set (None: untouched)
_default: int | None = None
split = 1  # row blocks of a large product (the running session's intra-op threads)
_team_lock = threading.Lock()
_MIN_SPLIT_MACS = 4 * 1024 * 1024  # about 50 µs of single-threaded SGEMM; smaller: one call
_MIN_BLOCK_MACS = 2 * 1024 * 1024  # OpenBLAS's small-matrix SGEMM kernel stays below ~1M


def _load() -> None:
    global _set, _get, _loaded
    _loaded = True
    try:
        import numpy as np

        base = os.path.dirname(os.path.dirname(np.__file__))
        candidates = sorted(glob.glob(os.path.join(base, "numpy.libs", "*openblas*")))
        candidates += sorted(glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*")))
        for path in candidates:
            lib = ctypes.CDLL(path)
            for name in _SETTERS:
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.argtypes = [ctypes.c_int]
                    fn.restype = None
                    _set = fn
                    break
            for name in _GETTERS:
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.argtypes = []
                    fn.restype = ctypes.c_int
                    _get = fn
                    break
            if _set is not None:
                return
    except Exception:  # pragma: no cover - exotic builds: leave BLAS alone
        _set = _get = None


def cgroup_cpu_limit() -> int | None:
    """CPUs allowed by the cgroup quota (rounded up), or None when unlimited/unknown."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota == "max":
            return None
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
            quota = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
            period = int(f.read())
        return max(1, math.ceil(quota / period)) if quota > 0 else None
    except (OSError, ValueError):
        return None


def get_threads() -> int | None:
    """OpenBLAS's current thread count, or None without OpenBLAS."""
    if not _loaded:
        _load()
    return int(_get()) if _get is not None else None


def set_threads(n: int) -> None:
    """Run OpenBLAS on ``n`` threads (no-op without OpenBLAS or when already ``n``)."""
    global current
    if n == current:
        return
    global split
    default_threads()  # remember the environment's count before the first change
    if _set is not None and n > 0:
        _set(1)
        split = int(n)
    current = n


def dot(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.dot(a, b[, out])`` for 2-D operands, split into row or column blocks over the
    session's threads when the product is large (bit-identical to one single-threaded call).

    Row blocks when ``a`` is tall (``m >= 4n``), column blocks otherwise: a [64,3136]x[3136,1024]
    SGEMM takes 2.07 ms in two row blocks of 32 rows and 1.39 ms in two column blocks (one thread:
    2.78 ms; OpenBLAS's own two threads: 1.43 ms).  Each block is the same single-threaded GEMM
    over the full ``k``: float32 blocks of at least ``_MIN_BLOCK_MACS`` give the bits of one call
    (tested; smaller ones take OpenBLAS's small-matrix kernel, which sums differently).  float64
    blocks can differ from one call in the last bit (DGEMM's edge tiles depend on where a block
    starts), so a float64 product is the same bits for a given thread count, not across counts."""
    n = split
    macs = a.shape[0] * a.shape[1] * b.shape[1] if a.ndim == 2 and b.ndim == 2 else 0
    if (n < 2 or macs < _MIN_SPLIT_MACS or macs < n * _MIN_BLOCK_MACS or a.dtype != b.dtype
            or a.dtype.kind != "f"
            or (out is not None and (out.dtype != a.dtype or not out.flags.c_contiguous))):
        return np.dot(a, b) if out is None else np.dot(a, b, out=out)
    m, cols = a.shape[0], b.shape[1]
    by_rows = m >= 4 * cols
    size = m if by_rows else cols
    if size < 32 * n:
        return np.dot(a, b) if out is None else np.dot(a, b, out=out)
    if out is None:
        out = allocator.empty((m, cols), a.dtype)
    # block edges on multiples of 16 (whole SIMD panels); they depend only on the shape and n
    edges = [min(size, (size * i // n + 8) // 16 * 16) for i in range(n)] + [size]
    if by_rows:
        def block(i):
            np.dot(a[edges[i]:edges[i + 1]], b, out=out[edges[i]:edges[i + 1]])
    else:
        def block(i):
            np.matmul(a, b[:, edges[i]:edges[i + 1]], out=out[:, edges[i]:edges[i + 1]])
    run_workers(n, block)
    return out


def workers(work: int, min_work: int) -> int:
    """How many of the session's threads to use for ``work`` units (1 below ``min_work``).

    Callers split their work into pieces whose boundaries do not depend on this count, so the
    result is bit-identical for every count; only the speed changes."""
    return split if split >= 2 and work >= min_work else 1


class _Worker:
    """A daemon thread running one function at a time, handed over through two locks (a
    handoff measured 4.7 µs; ``ThreadPoolExecutor.submit`` + ``result`` 10-19 µs, which is
    most of a split 0.2 ms GEMM's gain)."""

    def __init__(self) -> None:
        self._go = threading.Lock()
        self._go.acquire()
        self._done = threading.Lock()
        self._done.acquire()
        self._fn = None
        self._arg = 0
        self._error: BaseException | None = None
        threading.Thread(target=self._loop, name="graphflow-worker", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            try:
                self._fn(self._arg)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                self._error = e
            self._fn = None
            self._done.release()

    def start(self, fn, arg: int) -> None:
        self._fn, self._arg, self._error = fn, arg, None
        self._go.release()

    def finish(self) -> BaseException | None:
        self._done.acquire()
        return self._error


class _Team:
    """Persistent workers used by one caller at a time (``mutex``); a concurrent or nested
    caller runs its pieces on its own thread instead (the cores are busy anyway, and a nested
    wait on the same workers would deadlock)."""

    def __init__(self, size: int) -> None:
        self.mutex = threading.Lock()
        self.workers = [_Worker() for _ in range(size)]


_team: _Team | None = None


def _forget_team() -> None:  # a forked child has the locks but not the threads
    global _team
    _team = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_team)


def _get_team(size: int) -> _Team:
    global _team
    with _team_lock:
        if _team is None or len(_team.workers) < size:
            old = _team
            _team = _Team(size if old is None else max(size, len(old.workers)))
        return _team


def run_workers(n: int, fn) -> None:
    """Call ``fn(t)`` for ``t in range(n)``: ``t = 0`` on the calling thread, the rest on
    graphflow's workers (the functions must release the GIL to run in parallel: numba ``nogil``
    kernels, ``np.dot``).  Exceptions are re-raised in the caller."""
    if n < 2:
        fn(0)
        return
    team = _get_team(n - 1)
    if team.mutex.acquire(blocking=False):
        try:
            helpers = team.workers[: n - 1]
            for t, w in enumerate(helpers, 1):
                w.start(fn, t)
            try:
                fn(0)
            finally:
                errors = [w.finish() for w in helpers]
        finally:
            team.mutex.release()
        for e in errors:
            if e is not None:
                raise e
        return
    for t in range(n):  # the team is busy (another session's thread, or a nested call): inline
        fn(t)


# Elements of a memory-bound elementwise op below which it runs on one thread (~0.1 ms of work).
ELEMENTWISE_PAR_ELEMS = 1 << 18


def for_blocks(size: int, fn, min_size: int | None = None, *, unit: int = 1, align: int = 64) -> None:
    """Call ``fn(lo, hi)`` on contiguous blocks covering ``range(size)``, one block per thread
    (one block when ``size * unit`` elements are fewer than ``min_size``, default
    ``ELEMENTWISE_PAR_ELEMS``); ``unit`` is the elements per index (a row's columns, an image's
    values) and block edges fall on multiples of ``align``.  For elementwise work each
    element's result does not depend on the block it falls in, so the bits are the same for
    any thread count."""
    nt = min(size, workers(size * unit, ELEMENTWISE_PAR_ELEMS if min_size is None else min_size))
    if nt < 2:
        fn(0, size)
        return
    edges = [min(size, (size * t // nt) // align * align) for t in range(nt)] + [size]
    run_workers(nt, lambda t: fn(edges[t], edges[t + 1]))


def default_threads() -> int | None:
    """The count a session without ``intra_op_parallelism_threads`` uses: the environment's
    choice (OpenBLAS sized itself from it), capped by the cgroup CPU quota; None = leave as is."""
    global _default
    if _default is None:
        have = get_threads()
        if have is None:
            return None
        limit = cgroup_cpu_limit()
        _default = min(have, limit) if limit else have
    return _default


def threads_for(config) -> int | None:
    """The BLAS thread count for a session created with ``config`` (None: leave the pool alone)."""
    n = getattr(config, "intra_op_parallelism_threads", 0) if config is not None else 0
    try:
        n = int(n or 0)
    except (TypeError, ValueError):
        n = 0
    return n if n > 0 else default_threads()
