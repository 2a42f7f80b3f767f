"""Shared helpers for declaring ops: static broadcasting, standard inference functions and the
host-side wrappers that call the generic Numba kernels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphflow import dtypes
from graphflow.framework import graph as graph_mod
from graphflow.framework import tensor_shape
from graphflow.framework.op_registry import InferenceError
from graphflow.framework.tensor import Tensor
from graphflow.ops.constant_op import convert_to_tensor
from graphflow.runtime import allocator
from graphflow.runtime import threads as _threads


def dims_of(t: Tensor) -> tuple | None:
    """The static dims of ``t`` as a tuple (None entries unknown), or None for unknown rank."""
    return t.shape.as_tuple()


def broadcast_dims(a: tuple | None, b: tuple | None) -> tuple | None:
    """Static broadcast of two dim tuples with TF's rules; InferenceError when incompatible."""
    if a is None or b is None:
        return None
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        elif x == y:
            out.append(x)
        else:
            raise InferenceError(f"Dimensions must be equal, but are {x} and {y}")
    return tuple(out)


def same_dtype_check(op_type: str, inputs: list, arg_names: tuple = ("x", "y")) -> Any:
    """TF's 'Input y of Op has type int32 that does not match type float32 of argument x'."""
    first = inputs[0].dtype.base_dtype
    for name, t in zip(arg_names[1:], inputs[1:]):
        if t.dtype.base_dtype != first:
            raise TypeError(
                f"Input '{name}' of '{op_type}' Op has type {t.dtype.base_dtype.name} that does not match "
                f"type {first.name} of argument '{arg_names[0]}'."
            )
    return first


def infer_unary(inputs, attrs):
    """Output like input 0."""
    t = inputs[0]
    return [(t.dtype.base_dtype, t.shape)]


def infer_binary(inputs, attrs):
    """Broadcast of inputs 0 and 1, dtype of input 0."""
    a, b = inputs
    return [(a.dtype.base_dtype, tensor_shape.as_shape(broadcast_dims(dims_of(a), dims_of(b))))]


def infer_compare(inputs, attrs):
    """Broadcast of inputs 0 and 1, bool."""
    a, b = inputs
    return [(dtypes.bool, tensor_shape.as_shape(broadcast_dims(dims_of(a), dims_of(b))))]


def convert_binary_inputs(op_type: str, x: Any, y: Any, names=("x", "y")) -> tuple[Tensor, Tensor]:
    """Convert ``x`` then ``y`` (to x's dtype) as TF's op helper does for a shared type attr.

    As in TF1, ``x`` fixes the type: ``tf.add(1, float_tensor)`` and ``tf.add(np.int64(3), int32_tensor)``
    raise TypeError ("Input 'y' of 'AddV2' Op has type ... that does not match type ... of argument 'x'").
    """
    x = convert_to_tensor(x, name=names[0])
    try:
        y = convert_to_tensor(y, dtype=x.dtype.base_dtype, name=names[1])
    except ValueError:
        y = convert_to_tensor(y, name=names[1])
    same_dtype_check(op_type, [x, y], names)
    return x, y


def make_op(op_type: str, inputs: list, attrs: dict | None = None, name: str | None = None) -> Tensor:
    """Create an op in the inputs' graph (else the default graph); return its first output."""
    g = inputs[0].graph if inputs else graph_mod.get_default_graph()
    op = g.create_op(op_type, inputs, attrs or {}, name=name)
    return op._outputs[0] if op._outputs else op


def as_array(result: Any, np_dtype) -> np.ndarray:
    """Numba returns 0-d results as Python scalars: make every kernel output an ndarray."""
    if type(result) is np.ndarray:
        return result
    return np.asarray(result, dtype=np_dtype)


def elementwise_build(kernel, out_dtype_of=None):
    """A PureKernel build for an elementwise kernel: ``kernel(*arrays)`` with 0-d fix-up."""

    def build(op):
        np_dtype = op._outputs[0].dtype.as_numpy_dtype
        arity = len(op._inputs)
        if arity == 1:
            def run1(a):
                r = kernel(a)
                return r if type(r) is np.ndarray else np.asarray(r, dtype=np_dtype)

            return run1
        if arity == 2:
            def run2(a, b):
                r = kernel(a, b)
                return r if type(r) is np.ndarray else np.asarray(r, dtype=np_dtype)

            return run2

        def run(*args):
            r = kernel(*args)
            return r if type(r) is np.ndarray else np.asarray(r, dtype=np_dtype)

        return run

    return build


def op_scope(name: str | None, default_name: str, values: list | None = None):
    """TF's ``name_scope(name, default_name, values)`` used by every op creator."""
    return graph_mod.name_scope(name, default_name, values)


def create_in_scope(op_type: str, inputs: list, attrs: dict | None, scope: str):
    """Create an op named exactly after the open scope (``"add/"`` -> op ``add``)."""
    g = inputs[0].graph if inputs else graph_mod.get_default_graph()
    if scope:
        return g.create_op(op_type, inputs, attrs or {}, name=scope[:-1], exact_name=True)
    return g.create_op(op_type, inputs, attrs or {}, name=op_type)


def apply_op(op_type: str, inputs: list, attrs: dict | None = None, name: str | None = None):
    """Convert nothing; create ``op_type`` under ``name`` (default: the op type) and return it."""
    with op_scope(name, op_type, inputs) as scope:
        return create_in_scope(op_type, inputs, attrs, scope)


def normalize_axes(axes, ndim: int) -> list[int]:
    """Python list of non-negative, unique, sorted axes; InferenceError when out of range."""
    arr = np.asarray(axes).reshape(-1)
    out = []
    for a in arr.tolist():
        if a < -ndim or a >= ndim:
            raise InferenceError(f"Invalid reduction dimension {a} for input with {ndim} dimensions")
        a = a + ndim if a < 0 else a
        if a not in out:
            out.append(a)
    return sorted(out)


# -- flat / coalesced elementwise hosts (math_ops; usable by any family) ---------------------------
def check_dtype(param: str, t: Tensor, allowed) -> None:
    """TF's op-def type check: TypeError naming the parameter and the allowed dtypes."""
    dt = t.dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dt.name} not in list of "
                        f"allowed values: {names}")


def check_exact_dtype(op_type: str, param: str, t: Tensor, expected) -> None:
    """TF's check for an input of fixed type (LogicalNot's bool input...)."""
    dt = t.dtype.base_dtype
    if dt != expected:
        raise TypeError(f"Input '{param}' of '{op_type}' Op has type {dt.name} that does not match "
                        f"expected type of {expected.name}.")


# Inputs at most this many elements run through the NumPy ufunc instead of the numba kernel: below
# it the ufunc call (~0.3 us) beats numba's dispatch and result boxing (~0.7-1 us); measured on a
# 2-core Xeon, the two are even from about 1e4-1e5 contiguous float32 elements, and NumPy is several
# times slower on large broadcasts.  Only IEEE-exact operations use it (add, sub, mul, true divide,
# comparisons; negative, square, sqrt, floor, ceil), so both paths give bit-identical results, NaN
# payloads included (tests/kernels/test_fast_paths.py).  Pow is left out: powf(x, 2) differs from
# x * x in the last bit for some inputs, and NumPy's SIMD transcendental loops differ from libm.
FAST_PATH_MAX = 8192
# The numba kernels never warn nor raise on floating-point flags (division by zero, overflow,
# invalid): the ufunc runs under NumPy's "ignore" error state, entered through the context
# variable np.errstate itself sets (0.4 us cheaper than entering an np.errstate per call).
# Without that private hook (a future NumPy) the fast paths are off.
try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _IGNORE_FP = _make_extobj(all="ignore")
    _set_fp = _extobj_contextvar.set
    _reset_fp = _extobj_contextvar.reset
    _get_fp = _extobj_contextvar.get
except (ImportError, AttributeError, TypeError):  # pragma: no cover - depends on NumPy's internals
    _IGNORE_FP = None


def enter_quiet_fp():
    """Enter NumPy's ``all="ignore"`` error state; returns the token for :func:`exit_quiet_fp`.

    The executor runs a whole plan in it (the kernels, like TF's, never warn nor raise on
    floating-point flags), so the fast paths below find it already set and skip their own.
    """
    return _set_fp(_IGNORE_FP) if _IGNORE_FP is not None else None


def exit_quiet_fp(token) -> None:
    """Restore the error state :func:`enter_quiet_fp` replaced."""
    if token is not None:
        _reset_fp(token)
_FAST_FLOAT = (np.dtype(np.float32), np.dtype(np.float64))
_FAST_INT = (np.dtype(np.int32), np.dtype(np.int64))
_F16 = np.dtype(np.float16)


if _IGNORE_FP is not None:
    def quiet_call(fn, *args):
        """``fn(*args)`` under ``np.errstate(all="ignore")``, entered at a quarter of its cost."""
        if _get_fp() is _IGNORE_FP:
            return fn(*args)
        token = _set_fp(_IGNORE_FP)
        try:
            return fn(*args)
        finally:
            _reset_fp(token)
else:  # pragma: no cover - depends on NumPy's internals
    def quiet_call(fn, *args):
        """``fn(*args)`` under ``np.errstate(all="ignore")``."""
        with np.errstate(all="ignore"):
            return fn(*args)


def _flat(a: np.ndarray) -> np.ndarray:
    """A C-contiguous 1-D view (a copy only when ``a`` is not C-contiguous); float16 goes via float32."""
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    return np.ascontiguousarray(a).reshape(-1)


def unary_build(kernel_fn, ufunc=None, ints=True):
    """PureKernel build for a flat 1-D unary kernel: one compiled signature per dtype, any rank.

    ``ufunc`` (the NumPy ufunc computing exactly what ``kernel_fn`` computes) runs inputs of at most
    ``FAST_PATH_MAX`` float32/float64 elements (and int32/int64 when ``ints``) directly.
    """

    def build(op):
        np_dtype = np.dtype(op._outputs[0].dtype.as_numpy_dtype)

        def run(a):
            r = kernel_fn(_flat(a)).reshape(a.shape)
            return r if r.dtype == np_dtype else r.astype(np_dtype)

        inputs = getattr(op, "_inputs", None)
        in_dt = np.dtype(inputs[0].dtype.base_dtype.as_numpy_dtype) if inputs else None
        if ufunc is None or _IGNORE_FP is None or not (in_dt in _FAST_FLOAT or (ints and in_dt in _FAST_INT)):
            return run
        limit = FAST_PATH_MAX
        ignore = _IGNORE_FP

        def run_fast(a):
            da = a.dtype
            if a.size <= limit and (da is in_dt or da == in_dt):
                if _get_fp() is ignore:  # inside a plan run
                    r = ufunc(a)
                else:
                    token = _set_fp(ignore)
                    try:
                        r = ufunc(a)
                    finally:
                        _reset_fp(token)
                if type(r) is not np.ndarray:
                    r = np.asarray(r)
                return r if r.dtype == np_dtype else r.astype(np_dtype)
            return run(a)

        return run_fast

    return build


def coalesce_broadcast(sa: tuple, sb: tuple) -> tuple:
    """``(out_shape, a_view_shape, b_view_shape)``: the fewest dims that describe ``sa`` x ``sb``.

    Adjacent dimensions merge when each operand is either full or broadcast (size 1) in both, so
    ``[n, m] + [m]`` becomes ``(n, m) + (1, m)`` and ``[a, b, c] + [a, b, c]`` becomes 1-D.
    Raises ValueError (TF's "Incompatible shapes") when the shapes do not broadcast.
    """
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    out = []
    va, vb, pat = [], [], []
    for x, y in zip(pa, pb):
        if x == y:
            d = x
        elif x == 1:
            d = y
        elif y == 1:
            d = x
        else:
            raise ValueError(f"Incompatible shapes: [{','.join(map(str, sa))}] vs. "
                             f"[{','.join(map(str, sb))}]")
        out.append(d)
        if d == 1:
            continue
        p = (x == d, y == d)
        if pat and pat[-1] == p:
            va[-1] *= x
            vb[-1] *= y
        else:
            pat.append(p)
            va.append(x)
            vb.append(y)
    if not va:
        va, vb = [1], [1]
    return tuple(out), tuple(va), tuple(vb)


def _scalar_operand(sa: tuple, sb: tuple, out_shape: tuple) -> int:
    """1 (2) when operand b (a) has one element and the other already has the output's shape."""
    if sa == sb:
        return 0
    if sa == out_shape and all(d == 1 for d in sb):
        return 1
    if sb == out_shape and all(d == 1 for d in sa):
        return 2
    return 0


def _threaded_binary(a, b, va, vb, ufunc, rows_kernel):
    """A large float binary op split over the session's threads, or None when not applicable:
    equal shapes through ``ufunc`` on flat blocks, a row broadcast (``[n, m] + [m]``, a bias add)
    through ``rows_kernel`` on row blocks.  Each element is computed alone, so the bits do not
    depend on the thread count (and equal the numba kernel's: one IEEE operation)."""
    if a.dtype != b.dtype or a.dtype not in _FAST_FLOAT or _threads.split < 2:
        return None
    if len(va) == 1 and va == vb and ufunc is not None:
        a1, b1 = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
        out = allocator.empty(a1.shape, a.dtype)

        def flat_block(lo, hi):
            with np.errstate(all="ignore"):  # per thread: NumPy's error state is thread-local
                ufunc(a1[lo:hi], b1[lo:hi], out=out[lo:hi])

        _threads.for_blocks(out.size, flat_block)
        return out
    if len(va) == 2 and rows_kernel is not None and va[1] == vb[1] and (va[0] == 1) != (vb[0] == 1):
        rows, cols = max(va[0], vb[0]), va[1]
        a2, b2 = np.ascontiguousarray(a).reshape(va), np.ascontiguousarray(b).reshape(vb)
        out = allocator.empty((rows, cols), a.dtype)
        _threads.for_blocks(rows, lambda lo, hi: rows_kernel(a2, b2, out, lo, hi), unit=cols)
        return out
    return None


def _flat_memo(run, kernel_fn, check, layouts: dict, in_dt, np_dtype):
    """``run`` (a ``binary_build`` kernel without ufunc or threads: Pow, Maximum...) remembering
    the previous call's shapes when they coalesce to 1-D: the same ``kernel_fn`` call on the
    ``ravel()`` views, without re-deriving the layout (0.15 of 1.35 µs for a [20,1] Pow)."""
    flat_shapes = (None, None, None)  # (a.shape, b.shape, output shape); one tuple, replaced whole
    ndarray = np.ndarray

    def run_flat(a, b):
        nonlocal flat_shapes
        sa = a.shape
        sb = b.shape
        seen = flat_shapes
        if sa == seen[0] and sb == seen[1] and a.dtype is in_dt and b.dtype is in_dt:
            if check is not None:
                check(a, b)
            r = kernel_fn(a.ravel(), b.ravel())
            if type(r) is not ndarray:
                r = np.asarray(r)
            r = r.reshape(seen[2])
            return r if r.dtype == np_dtype else r.astype(np_dtype)
        r = run(a, b)
        lay = layouts.get((sa, sb))
        if lay is not None and len(lay[1]) == 1 and a.dtype is in_dt and b.dtype is in_dt:
            flat_shapes = (sa, sb, lay[0])
        return r

    return run_flat


def binary_build(kernel_fn, check=None, ufunc=None, ints=True, rows_kernel=None):
    """PureKernel build for a broadcasting binary kernel over coalesced C-contiguous views.

    Equal shapes and scalar operands run 1-D; other broadcasts run at their coalesced rank
    (2-D for a bias add).  ``check(a, b)`` may raise for bad values (integer division by zero).
    The layout of each distinct pair of input shapes is computed once per op.  ``ufunc`` (the NumPy
    ufunc computing exactly what ``kernel_fn`` computes) runs small float32/float64 inputs (and
    int32/int64 when ``ints``) directly, skipping numba's dispatch.  Large float32/float64 inputs
    of equal shapes (with ``ufunc``) or a row broadcast (with ``rows_kernel(a, b, out, r0, r1)``)
    run in blocks over the session's threads (memory-bound: a 400 MB bias add took 140 ms).
    A plan runs an op on the same shapes every time, so the fast path remembers the previous
    call's shapes and mode (and the 0-d view of a size-1 operand that owns its data, a [1,1] bias
    variable), and a kernel-only op its flat layout (``_flat_memo``).
    """

    def build(op):
        np_dtype = np.dtype(op._outputs[0].dtype.as_numpy_dtype)
        layouts: dict = {}
        threaded = ufunc is not None or rows_kernel is not None

        def run(a, b):
            if check is not None:
                check(a, b)
            key = (a.shape, b.shape)
            lay = layouts.get(key)
            if lay is None:
                if len(layouts) > 64:
                    layouts.clear()
                lay = layouts[key] = coalesce_broadcast(a.shape, b.shape)
            out_shape, va, vb = lay
            if a.dtype == _F16:
                a, b = a.astype(np.float32), b.astype(np.float32)
            big = _threads.ELEMENTWISE_PAR_ELEMS
            if threaded and (a.size >= big or b.size >= big):
                r = _threaded_binary(a, b, va, vb, ufunc, rows_kernel)
                if r is not None:
                    r = r.reshape(out_shape)
                    return r if r.dtype == np_dtype else r.astype(np_dtype)
            if len(va) == 1:  # flat operands: ravel() is reshape(va) of the C-contiguous array, 3x cheaper
                r = kernel_fn(a.ravel(), b.ravel())
            else:
                r = kernel_fn(np.ascontiguousarray(a).reshape(va), np.ascontiguousarray(b).reshape(vb))
            if type(r) is not np.ndarray:
                r = np.asarray(r)
            r = r.reshape(out_shape)
            return r if r.dtype == np_dtype else r.astype(np_dtype)

        inputs = getattr(op, "_inputs", None)
        in_dt = np.dtype(inputs[0].dtype.base_dtype.as_numpy_dtype) if inputs else None
        if not threaded and in_dt is not None and in_dt != _F16 and in_dt.kind in "biuf":
            return _flat_memo(run, kernel_fn, check, layouts, in_dt, np_dtype)
        if ufunc is None or check is not None or _IGNORE_FP is None or not (
                in_dt in _FAST_FLOAT or (ints and in_dt in _FAST_INT)):
            return run
        limit = FAST_PATH_MAX
        ignore = _IGNORE_FP
        # (a.shape, b.shape) -> -1 (too large: the kernel), 0 (the ufunc as is), 1 (b as 0-d), 2 (a as 0-d);
        # the sizes follow from the shapes, so they are checked once per pair of shapes
        modes: dict = {}

        def fast_mode(key):
            sha, shb = key
            sa = math.prod(sha)
            sb = math.prod(shb)
            if sa <= limit and sb <= limit and (sa == 1 or sb == 1 or sha == shb or sa * sb <= limit):
                lay = layouts.get(key)
                if lay is None:  # first sight of these shapes: validate them, cache the layout
                    if len(layouts) > 64:  # (not through ``run``: no numba compile on a cold cache)
                        layouts.clear()
                    lay = layouts[key] = coalesce_broadcast(sha, shb)
                mode = _scalar_operand(sha, shb, lay[0])
            else:
                mode = -1
            if len(modes) > 64:
                modes.clear()
            modes[key] = mode
            return mode

        ndarray = np.ndarray
        get_fp = _get_fp
        # (a size-1 operand that owns its data, its 0-d view): a variable read (a [1,1] bias) is the
        # same array every run, so its view is made once; one tuple, replaced whole (the kernel is
        # shared by every session and thread)
        last_0d = (None, None)
        last_mode = (None, None, -1)  # (a.shape, b.shape, mode) of the previous call: 65 ns below ``modes``

        def run_fast(a, b):
            nonlocal last_0d, last_mode
            sa = a.shape
            sb = b.shape
            seen = last_mode
            if sa == seen[0] and sb == seen[1]:
                mode = seen[2]
            else:
                key = (sa, sb)
                mode = modes.get(key)
                if mode is None:
                    mode = fast_mode(key)
                last_mode = (sa, sb, mode)
            da = a.dtype
            db = b.dtype
            if mode >= 0 and (da is in_dt or da == in_dt) and (db is in_dt or db == in_dt):
                if mode:  # a size-1 operand broadcasts fastest as a 0-d array
                    one = b if mode == 1 else a
                    seen = last_0d
                    if seen[0] is one:
                        view = seen[1]
                    else:
                        view = one.reshape(())
                        if one.base is None:
                            last_0d = (one, view)
                    if mode == 1:
                        b = view
                    else:
                        a = view
                if get_fp() is ignore:  # inside a plan run
                    r = ufunc(a, b)
                else:
                    token = _set_fp(ignore)
                    try:
                        r = ufunc(a, b)
                    finally:
                        _reset_fp(token)
                if type(r) is ndarray and r.dtype is np_dtype:
                    return r
                if type(r) is not ndarray:
                    r = np.asarray(r)
                return r if r.dtype == np_dtype else r.astype(np_dtype)
            return run(a, b)

        return run_fast

    return build
