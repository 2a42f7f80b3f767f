"""Math ops: elementwise arithmetic, comparisons and logic, unary math, reductions, scans,
matmul/tensordot/einsum, cast, and TF1's composite helpers (clip_by_value, norm, logsumexp...).

Each op type is declared once here (dtype check + static shape inference, kernel, gradient or an
explicit ``NOT_DIFFERENTIABLE``) next to its public function.  Gradients follow TF's
``math_grad`` formulas, built from public ops so that gradients of gradients work.  Operators on
tensors (``+ - * / // % ** @ < & | ^ ~``) are installed on :class:`Tensor` at import, as TF's
``_override_operator`` does (``x + y`` builds ``AddV2`` named ``add``; ``tf.add`` builds ``Add``).

Kernels: unary ops run a flat 1-D kernel, binary ops a kernel over coalesced broadcast views
(``op_util.unary_build`` / ``binary_build``), reductions and scans a 3-D ``(outer, reduced,
inner)`` kernel; so each kernel compiles once per dtype, whatever the graph.

Departures from DESIGN's "numba kernels" rule, measured on [128, 256] float32: transcendental
unary ops (exp, log, tanh, sin, ...; sigmoid as exp(-|x|) arithmetic) call NumPy's SIMD ufuncs,
which are 5-90x faster than numba's scalar libm calls (tanh: 8 us vs 730 us); max/min/argmax/argmin
use NumPy's SIMD reductions on the same 3-D view (4x faster than a select loop, with the same NaN
propagation and first-index rule; argmax/argmin skip NaNs as TF's comparisons do); Round is
``np.rint`` (half to even, keeps the sign of zero).

Departures from TF: ``einsum`` and ``tensordot`` build one ``Einsum`` op (TF 2's op type; TF 1.15
composed transposes, reshapes and MatMul), whose kernel is NumPy's BLAS-backed einsum.
"""

from __future__ import annotations

import builtins
import string as _string

import numpy as np

from graphflow import dtypes, errors
from graphflow.framework import graph as graph_mod
from graphflow.framework import op_registry, tensor_shape
from graphflow.framework.op_registry import NOT_DIFFERENTIABLE, InferenceError, simple_op
from graphflow.framework.tensor import Tensor
from graphflow.kernels import elementwise as ek
from graphflow.kernels import reduction as rk
from graphflow.kernels import scan as sk
from graphflow.kernels import tile_gemm
from graphflow.kernels import tile_matmul as tk
from graphflow.ops import op_util
from graphflow.ops.constant_op import constant, constant_value, convert_to_tensor
from graphflow.ops.op_util import (
    binary_build,
    check_dtype,
    check_exact_dtype,
    convert_binary_inputs,
    create_in_scope,
    op_scope,
    quiet_call,
    unary_build,
)
from graphflow.runtime import allocator
from graphflow.runtime import threads as _threads
from graphflow.runtime.threads import dot as _gemm

__all__ = [
    # binary arithmetic
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "div", "floordiv", "floormod", "mod",
    "truncatediv", "pow", "maximum", "minimum", "squared_difference", "atan2", "scalar_mul",
    # comparisons and logic
    "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    # unary
    "negative", "abs", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "sign", "reciprocal",
    "floor", "ceil", "round", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
    "sigmoid", "erf", "lgamma", "digamma", "polygamma", "is_nan", "is_inf", "is_finite",
    # reductions, scans, contractions
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "count_nonzero", "argmax", "argmin", "cumsum", "cumprod", "norm", "l2_normalize",
    "matmul", "tensordot", "einsum", "add_n", "accumulate_n", "clip_by_value",
    # cast
    "cast", "to_float", "to_double", "to_int32", "to_int64", "saturate_cast",
]


def _types(names: str) -> tuple:
    return tuple(dtypes.as_dtype(n) for n in names.split())


_FLOAT = _types("bfloat16 float16 float32 float64")
_FLOAT_COMPLEX = _types("bfloat16 float16 float32 float64 complex64 complex128")
_NUMERIC_SIGNED = _types("bfloat16 float16 float32 float64 int8 int16 int32 int64 complex64 complex128")
_COMPARE = _types("float32 float64 int32 uint8 int16 int8 int64 bfloat16 uint16 float16 uint32 uint64")
_REDUCE = _types("float32 float64 int32 uint8 int16 int8 complex64 int64 bfloat16 uint16 complex128 float16 "
                 "uint32 uint64")
_MINMAX_REDUCE = _types("float32 float64 int32 uint8 int16 int8 int64 bfloat16 uint16 float16 uint32 uint64")
_BINARY_TYPES = {
    "Add": _types("bfloat16 float16 float32 float64 uint8 int8 int16 int32 int64 complex64 complex128 "
                  "string"),
    "AddV2": _types("bfloat16 float16 float32 float64 uint8 uint16 uint32 uint64 int8 int16 int32 int64 "
                    "complex64 complex128"),
    "Sub": _types("bfloat16 float16 float32 float64 uint8 int8 uint16 int16 int32 int64 complex64 complex128 "
                  "uint32 uint64"),
    "Mul": _types("bfloat16 float16 float32 float64 uint8 int8 uint16 int16 int32 uint32 uint64 int64 "
                  "complex64 complex128"),
    "RealDiv": _types("bfloat16 float16 float32 float64 uint8 int8 uint16 int16 int32 uint32 uint64 int64 "
                      "complex64 complex128"),
    "FloorDiv": _types("bfloat16 float16 float32 float64 uint8 int8 uint16 int16 int32 uint32 uint64 int64 "
                       "complex64 complex128"),
    "TruncateDiv": _types("bfloat16 float16 float32 float64 uint8 int8 uint16 int16 int32 uint32 uint64 "
                          "int64 complex64 complex128"),
    "FloorMod": _types("int8 int16 int32 int64 uint8 uint16 uint32 uint64 bfloat16 float16 float32 float64"),
    "Pow": _types("bfloat16 float32 float16 float64 int8 int16 int32 int64 complex64 complex128"),
    "Maximum": _types("bfloat16 float16 float32 float64 int8 uint8 int16 uint16 int32 uint32 int64 uint64"),
    "Minimum": _types("bfloat16 float16 float32 float64 int8 uint8 int16 uint16 int32 uint32 int64 uint64"),
    "SquaredDifference": _types("bfloat16 float16 float32 float64 int32 int64 complex64 complex128"),
    "Atan2": _FLOAT,
    "Polygamma": _types("float32 float64"),
    "Less": _COMPARE, "LessEqual": _COMPARE, "Greater": _COMPARE, "GreaterEqual": _COMPARE,
}


# -- gradient helpers (lazy: grad_util and array_ops import this module) ---------------------------
def _unbroadcast(grad, x):
    from graphflow.ops.grad_util import unbroadcast

    return unbroadcast(grad, x)


def _array_ops():
    from graphflow.ops import array_ops

    return array_ops


def _zeros_like(x):
    return _array_ops().zeros_like(x)


def _ones_like(x):
    return _array_ops().ones_like(x)


def _where(cond, x, y):
    return _array_ops().where(cond, x, y)


def _const_like(value, t: Tensor) -> Tensor:
    return constant(value, dtype=t.dtype.base_dtype)


def _dims_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


# -- host-side value checks (runtime errors carry TF's text) --------------------------------------
def _check_int_divisor(a, b):
    if not b.all():
        raise errors.InvalidArgumentError(None, None, "Integer division by zero")


def _check_int_pow(a, b):
    if (b < 0).any():
        raise errors.InvalidArgumentError(None, None, "Integers to negative integer powers are not allowed")


def _is_int(dt) -> bool:
    return dt.is_integer


# -- binary ops -----------------------------------------------------------------------------------
def _infer_binary_typed(op_type: str, out_bool: bool = False, param: str = "x"):
    allowed = _BINARY_TYPES.get(op_type)

    def infer(inputs, attrs):
        a, b = inputs
        op_util.same_dtype_check(op_type, inputs, (param, "y" if param == "x" else "x"))
        if allowed is not None:
            check_dtype(param, a, allowed)
        dims = op_util.broadcast_dims(a.shape.as_tuple(), b.shape.as_tuple())
        return [(dtypes.bool if out_bool else a.dtype.base_dtype, tensor_shape.as_shape(dims))]

    return infer


def _infer_logical_binary(op_type: str):
    def infer(inputs, attrs):
        a, b = inputs
        check_exact_dtype(op_type, "x", a, dtypes.bool)
        check_exact_dtype(op_type, "y", b, dtypes.bool)
        dims = op_util.broadcast_dims(a.shape.as_tuple(), b.shape.as_tuple())
        return [(dtypes.bool, tensor_shape.as_shape(dims))]

    return infer


def _rows(code: int):
    """``rows_kernel(a, b, out, r0, r1)`` of ``binary_build`` for one ``ROWS_*`` operation."""

    def rows_kernel(a, b, out, r0, r1):
        return ek.binary_rows(a, b, out, r0, r1, code)

    return rows_kernel


def _by_dtype(float_kernel, int_kernel=None, int_check=None, float_ufunc=None, rows_kernel=None):
    """A build choosing the kernel by the op's input dtype (integer division differs)."""
    float_build = binary_build(float_kernel, ufunc=float_ufunc, ints=False, rows_kernel=rows_kernel)
    int_build = binary_build(int_kernel or float_kernel, check=int_check)

    def build(op):
        dt = op.inputs[0].dtype.base_dtype
        return int_build(op) if _is_int(dt) else float_build(op)

    return build


def _add_grad(op, grad):
    x, y = op.inputs
    return [_unbroadcast(grad, x), _unbroadcast(grad, y)]


def _sub_grad(op, grad):
    x, y = op.inputs
    return [_unbroadcast(grad, x), _unbroadcast(negative(grad), y)]


def _mul_grad(op, grad):
    x, y = op.inputs
    return [_unbroadcast(multiply(grad, y), x), _unbroadcast(multiply(x, grad), y)]


def _realdiv_grad(op, grad):
    x, y = op.inputs
    gx = realdiv(grad, y)
    gy = multiply(grad, realdiv(realdiv(negative(x), y), y))
    return [_unbroadcast(gx, x), _unbroadcast(gy, y)]


def _floormod_grad(op, grad):
    x, y = op.inputs
    gy = multiply(grad, negative(floordiv(x, y)))
    return [_unbroadcast(grad, x), _unbroadcast(gy, y)]


def _pow_grad(op, grad):
    x, y = op.inputs
    z = op.outputs[0]
    gx = multiply(multiply(grad, y), pow(x, subtract(y, _const_like(1, y))))
    # Avoid the false singularity at x <= 0: log is taken of a safe value and masked.
    mask = greater(x, _zeros_like(x))
    safe_x = _where(mask, x, _ones_like(x))
    log_x = _where(mask, log(safe_x), _zeros_like(x))
    gy = multiply(multiply(grad, z), log_x)
    return [_unbroadcast(gx, x), _unbroadcast(gy, y)]


def _select_grads(op, grad, xmask):
    x, y = op.inputs
    zeros = _zeros_like(grad)
    gx = _where(xmask, grad, zeros)
    gy = _where(xmask, zeros, grad)
    return [_unbroadcast(gx, x), _unbroadcast(gy, y)]


def _maximum_grad(op, grad):
    x, y = op.inputs
    return _select_grads(op, grad, greater_equal(x, y))


def _minimum_grad(op, grad):
    x, y = op.inputs
    return _select_grads(op, grad, less_equal(x, y))


def _squared_difference_grad(op, grad):
    x, y = op.inputs
    gx = multiply(multiply(_const_like(2, grad), grad), subtract(x, y))
    return [_unbroadcast(gx, x), _unbroadcast(negative(gx), y)]


def _atan2_grad(op, grad):
    y, x = op.inputs
    grad_inv = realdiv(grad, add(square(x), square(y)))
    return [_unbroadcast(multiply(x, grad_inv), y), _unbroadcast(multiply(negative(y), grad_inv), x)]


def _polygamma_grad(op, grad):
    a, x = op.inputs
    return [None, _unbroadcast(multiply(grad, polygamma(add(a, _const_like(1, a)), x)), x)]


def _build_polygamma(op):
    np_dtype = op.outputs[0].dtype.as_numpy_dtype

    def run(a, x):
        aa, xx = np.broadcast_arrays(a, x)
        r = ek.polygamma(np.ascontiguousarray(aa).reshape(-1), np.ascontiguousarray(xx).reshape(-1))
        return r.reshape(xx.shape).astype(np_dtype, copy=False)

    return run


def _build_pow(op):
    dt = op.inputs[0].dtype.base_dtype
    return binary_build(ek.power, check=_check_int_pow if _is_int(dt) else None)(op)


for _type, _build, _grad in [
    ("Add", binary_build(ek.add, ufunc=np.add, rows_kernel=_rows(ek.ROWS_ADD)), _add_grad),
    ("AddV2", binary_build(ek.add, ufunc=np.add, rows_kernel=_rows(ek.ROWS_ADD)), _add_grad),
    ("Sub", binary_build(ek.subtract, ufunc=np.subtract, rows_kernel=_rows(ek.ROWS_SUBTRACT)), _sub_grad),
    ("Mul", binary_build(ek.multiply, ufunc=np.multiply, rows_kernel=_rows(ek.ROWS_MULTIPLY)), _mul_grad),
    ("RealDiv",
     _by_dtype(ek.real_div, ek.truncate_div_int, _check_int_divisor, np.true_divide, _rows(ek.ROWS_DIVIDE)),
     _realdiv_grad),
    ("TruncateDiv", _by_dtype(ek.real_div, ek.truncate_div_int, _check_int_divisor), NOT_DIFFERENTIABLE),
    ("FloorDiv", _by_dtype(ek.floor_div_float, ek.floor_div_int, _check_int_divisor), NOT_DIFFERENTIABLE),
    ("FloorMod", _by_dtype(ek.floor_mod_float, ek.floor_mod_int, _check_int_divisor), _floormod_grad),
    ("Pow", _build_pow, _pow_grad),
    ("Maximum", binary_build(ek.maximum), _maximum_grad),
    ("Minimum", binary_build(ek.minimum), _minimum_grad),
    ("SquaredDifference", binary_build(ek.squared_difference), _squared_difference_grad),
    ("Atan2", binary_build(ek.atan2), _atan2_grad),
    ("Polygamma", _build_polygamma, _polygamma_grad),
]:
    _param = {"Atan2": "y", "Polygamma": "a"}.get(_type, "x")
    simple_op(_type, _infer_binary_typed(_type, param=_param), build=_build, grad=_grad)

for _type, _k, _uf in [("Less", ek.less, np.less), ("LessEqual", ek.less_equal, np.less_equal),
                       ("Greater", ek.greater, np.greater),
                       ("GreaterEqual", ek.greater_equal, np.greater_equal),
                       ("Equal", ek.equal, np.equal), ("NotEqual", ek.not_equal, np.not_equal)]:
    simple_op(_type, _infer_binary_typed(_type, out_bool=True), build=binary_build(_k, ufunc=_uf),
              grad=NOT_DIFFERENTIABLE)

simple_op("LogicalAnd", _infer_logical_binary("LogicalAnd"), build=binary_build(ek.logical_and),
          grad=NOT_DIFFERENTIABLE)
simple_op("LogicalOr", _infer_logical_binary("LogicalOr"), build=binary_build(ek.logical_or),
          grad=NOT_DIFFERENTIABLE)


def _binary(op_type: str, default_name: str, x, y, name, names=("x", "y")) -> Tensor:
    with op_scope(name, default_name, [x, y]) as scope:
        x, y = convert_binary_inputs(op_type, x, y, names)
        return create_in_scope(op_type, [x, y], None, scope)._outputs[0]


def add(x, y, name=None) -> Tensor:
    """``tf.add``: x + y with broadcasting (op type ``Add``)."""
    return _binary("Add", "Add", x, y, name)


def _add_v2(x, y, name=None) -> Tensor:
    """``x + y``: op type ``AddV2`` (TF 1.15's ``Tensor.__add__``)."""
    if isinstance(x, Tensor) and x.dtype.base_dtype == dtypes.string:
        return add(x, y, name=name)
    return _binary("AddV2", "AddV2", x, y, name)


def subtract(x, y, name=None) -> Tensor:
    """``tf.subtract``: x - y with broadcasting."""
    return _binary("Sub", "Sub", x, y, name)


def multiply(x, y, name=None) -> Tensor:
    """``tf.multiply``: x * y with broadcasting."""
    return _binary("Mul", "Mul", x, y, name)


def scalar_mul(scalar, x, name=None) -> Tensor:
    """``tf.scalar_mul``: a scalar times a tensor."""
    with op_scope(name, "scalar_mul", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        s = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
        if s.shape.ndims not in (None, 0):
            raise ValueError(f"Only scalar multiply works, got shape {s.shape}")
        return multiply(s, x, name=scope)


def realdiv(x, y, name=None) -> Tensor:
    """``tf.realdiv``: x / y (integers divide truncating toward zero, as TF's RealDiv)."""
    return _binary("RealDiv", "RealDiv", x, y, name)


def truncatediv(x, y, name=None) -> Tensor:
    """``tf.truncatediv``: division rounding toward zero."""
    return _binary("TruncateDiv", "TruncateDiv", x, y, name)


def floordiv(x, y, name=None) -> Tensor:
    """``tf.floordiv`` (``//``): floor(x / y); integer division by zero is an error."""
    with op_scope(name, "floordiv", [x, y]) as scope:
        x, y = convert_binary_inputs("FloorDiv", x, y)
        return create_in_scope("FloorDiv", [x, y], None, scope)._outputs[0]


def floormod(x, y, name=None) -> Tensor:
    """``tf.floormod`` / ``tf.mod``: remainder with the divisor's sign."""
    return _binary("FloorMod", "FloorMod", x, y, name)


mod = floormod


def pow(x, y, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """``tf.pow``: x ** y."""
    return _binary("Pow", "Pow", x, y, name)


def maximum(x, y, name=None) -> Tensor:
    """``tf.maximum``."""
    return _binary("Maximum", "Maximum", x, y, name)


def minimum(x, y, name=None) -> Tensor:
    """``tf.minimum``."""
    return _binary("Minimum", "Minimum", x, y, name)


def squared_difference(x, y, name=None) -> Tensor:
    """``tf.squared_difference``: (x - y)^2."""
    return _binary("SquaredDifference", "SquaredDifference", x, y, name)


def atan2(y, x, name=None) -> Tensor:
    """``tf.atan2(y, x)``: the angle of (x, y), elementwise."""
    return _binary("Atan2", "Atan2", y, x, name, names=("y", "x"))


def polygamma(a, x, name=None) -> Tensor:
    """``tf.polygamma(a, x)``: the a-th derivative of digamma (a a non-negative integer value)."""
    return _binary("Polygamma", "Polygamma", a, x, name, names=("a", "x"))


def less(x, y, name=None) -> Tensor:
    """``tf.less``."""
    return _binary("Less", "Less", x, y, name)


def less_equal(x, y, name=None) -> Tensor:
    """``tf.less_equal``."""
    return _binary("LessEqual", "LessEqual", x, y, name)


def greater(x, y, name=None) -> Tensor:
    """``tf.greater``."""
    return _binary("Greater", "Greater", x, y, name)


def greater_equal(x, y, name=None) -> Tensor:
    """``tf.greater_equal``."""
    return _binary("GreaterEqual", "GreaterEqual", x, y, name)


def equal(x, y, name=None) -> Tensor:
    """``tf.equal``."""
    return _binary("Equal", "Equal", x, y, name)


def not_equal(x, y, name=None) -> Tensor:
    """``tf.not_equal``."""
    return _binary("NotEqual", "NotEqual", x, y, name)


def _logical(op_type: str, x, y, name) -> Tensor:
    with op_scope(name, op_type, [x, y]) as scope:
        x = convert_to_tensor(x, dtype=dtypes.bool, name="x") if not isinstance(x, Tensor) else x
        y = convert_to_tensor(y, dtype=dtypes.bool, name="y") if not isinstance(y, Tensor) else y
        return create_in_scope(op_type, [x, y], None, scope)._outputs[0]


def logical_and(x, y, name=None) -> Tensor:
    """``tf.logical_and``."""
    return _logical("LogicalAnd", x, y, name)


def logical_or(x, y, name=None) -> Tensor:
    """``tf.logical_or``."""
    return _logical("LogicalOr", x, y, name)


def logical_xor(x, y, name="LogicalXor") -> Tensor:
    """``tf.logical_xor``: (x | y) & ~(x & y), composed as TF does."""
    with op_scope(name, "LogicalXor", [x, y]) as scope:
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=scope)


_TRUEDIV_FLOAT = {
    dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32, dtypes.int16: dtypes.float32,
    dtypes.uint16: dtypes.float32, dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64,
}


def truediv(x, y, name=None) -> Tensor:
    """``tf.truediv``: integer inputs are cast to float (int32/int64 -> float64) first."""
    with op_scope(name, "truediv", [x, y]) as scope:
        x, y = convert_binary_inputs("RealDiv", x, y)
        target = _TRUEDIV_FLOAT.get(x.dtype.base_dtype)
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return create_in_scope("RealDiv", [x, y], None, scope)._outputs[0]


def divide(x, y, name=None) -> Tensor:
    """``tf.divide``: same as ``x / y`` (truediv)."""
    if name is not None:
        return truediv(x, y, name=name)
    return truediv(x, y)


def div(x, y, name=None) -> Tensor:
    """``tf.div`` (TF1, Python 2 semantics): floor division for integers, real division otherwise."""
    with op_scope(name, "div", [x, y]) as scope:
        x, y = convert_binary_inputs("RealDiv", x, y)
        op_type = "FloorDiv" if x.dtype.base_dtype.is_integer else "RealDiv"
        return create_in_scope(op_type, [x, y], None, scope)._outputs[0]


# -- unary ops ------------------------------------------------------------------------------------
def _infer_unary_typed(allowed, out_bool: bool = False):
    def infer(inputs, attrs):
        t = inputs[0]
        if allowed is not None:
            check_dtype("x", t, allowed)
        return [(dtypes.bool if out_bool else t.dtype.base_dtype, t.shape)]

    return infer


def _infer_logical_not(inputs, attrs):
    check_exact_dtype("LogicalNot", "x", inputs[0], dtypes.bool)
    return [(dtypes.bool, inputs[0].shape)]


def _neg_grad(op, grad):
    return [negative(grad)]


def _abs_grad(op, grad):
    return [multiply(grad, sign(op.inputs[0]))]


def _square_grad(op, grad):
    x = op.inputs[0]
    return [multiply(grad, multiply(_const_like(2, x), x))]


def _sqrt_grad(op, grad):
    y = op.outputs[0]
    return [realdiv(multiply(grad, _const_like(0.5, y)), y)]


def _rsqrt_grad(op, grad):
    y = op.outputs[0]
    return [multiply(multiply(grad, _const_like(-0.5, y)), multiply(square(y), y))]


def _exp_grad(op, grad):
    return [multiply(grad, op.outputs[0])]


def _expm1_grad(op, grad):
    return [multiply(grad, exp(op.inputs[0]))]


def _log_grad(op, grad):
    return [multiply(grad, reciprocal(op.inputs[0]))]


def _log1p_grad(op, grad):
    x = op.inputs[0]
    return [multiply(grad, reciprocal(add(_const_like(1, x), x)))]


def _reciprocal_grad(op, grad):
    y = op.outputs[0]
    return [negative(multiply(grad, square(y)))]


def _sign_grad(op, grad):
    return [_zeros_like(op.inputs[0])]


def _sin_grad(op, grad):
    return [multiply(grad, cos(op.inputs[0]))]


def _cos_grad(op, grad):
    return [negative(multiply(grad, sin(op.inputs[0])))]


def _tan_grad(op, grad):
    return [multiply(grad, square(reciprocal(cos(op.inputs[0]))))]


def _asin_grad(op, grad):
    x = op.inputs[0]
    return [multiply(grad, rsqrt(subtract(_const_like(1, x), square(x))))]


def _acos_grad(op, grad):
    x = op.inputs[0]
    return [negative(multiply(grad, rsqrt(subtract(_const_like(1, x), square(x)))))]


def _atan_grad(op, grad):
    x = op.inputs[0]
    return [multiply(grad, reciprocal(add(_const_like(1, x), square(x))))]


def _sinh_grad(op, grad):
    return [multiply(grad, cosh(op.inputs[0]))]


def _cosh_grad(op, grad):
    return [multiply(grad, sinh(op.inputs[0]))]


def _tanh_grad(op, grad):
    """TF1: ``TanhGrad(conj(y), grad)`` after ``grad``."""
    with graph_mod.control_dependencies([grad]):
        return [_activation_grad_op("TanhGrad", _conj(op.outputs[0]), grad)]


def _sigmoid_grad(op, grad):
    """TF1: ``SigmoidGrad(conj(y), grad)`` after ``grad``."""
    with graph_mod.control_dependencies([grad]):
        return [_activation_grad_op("SigmoidGrad", _conj(op.outputs[0]), grad)]


def _activation_grad_op(op_type: str, y, dy, name=None) -> Tensor:
    """A ``SigmoidGrad``/``TanhGrad`` op (TF's gen_math_ops.sigmoid_grad / tanh_grad)."""
    with op_scope(name, op_type, [y, dy]) as scope:
        y = convert_to_tensor(y, name="y")
        dy = convert_to_tensor(dy, dtype=y.dtype.base_dtype, name="dy")
        return create_in_scope(op_type, [y, dy], None, scope)._outputs[0]


def _conj(t):
    """``math_ops.conj`` for the real dtypes these gradients see: the tensor itself (no op)."""
    return t


def _sigmoid_grad_grad(op, grad):
    """TF1's _SigmoidGradGrad: ``(grad*b - 2*grad*b*a, SigmoidGrad(a, grad))`` for inputs (a, b)."""
    with graph_mod.control_dependencies([grad]):
        a, b = _conj(op.inputs[0]), _conj(op.inputs[1])
        gb = multiply(grad, b)
        return [subtract(gb, multiply(multiply(_const_like(2, a), gb), a)),
                _activation_grad_op("SigmoidGrad", a, grad)]


def _tanh_grad_grad(op, grad):
    """TF1's _TanhGradGrad: ``(grad * -2 * b * a, TanhGrad(a, grad))`` for inputs (a, b)."""
    with graph_mod.control_dependencies([grad]):
        a, b = _conj(op.inputs[0]), _conj(op.inputs[1])
        return [multiply(multiply(multiply(grad, _const_like(-2, a)), b), a),
                _activation_grad_op("TanhGrad", a, grad)]


def _activation_grad_build(flat_kernel, formula):
    """Kernel of SigmoidGrad/TanhGrad(y, dy): equal shapes (TF's BinaryElementWiseOp); float32/64
    through the one-pass numba loop, split over threads when large, else ``formula(y, dy, 1)``."""

    def build(op):
        op_type = op.type

        def run(y, dy):
            if y.shape != dy.shape:
                raise errors.InvalidArgumentError(
                    None, None, f"{op_type}: inputs must have the same shape: y {list(y.shape)} vs dy "
                                f"{list(dy.shape)}")
            if y.dtype.kind == "f" and y.dtype.itemsize >= 4 and dy.dtype == y.dtype:
                yf = np.ascontiguousarray(y).reshape(-1)
                df = np.ascontiguousarray(dy).reshape(-1)
                out = allocator.empty(yf.shape, y.dtype)
                one = y.dtype.type(1)
                _threads.for_blocks(yf.size,
                                    lambda lo, hi: flat_kernel(yf[lo:hi], df[lo:hi], one, out[lo:hi]))
                return out.reshape(y.shape)
            with np.errstate(all="ignore"):
                return np.asarray(formula(y, dy, y.dtype.type(1)), dtype=y.dtype)

        return run

    return build


def _erf_grad(op, grad):
    x = op.inputs[0]
    two_over_root_pi = _const_like(2.0 / np.sqrt(np.pi), x)
    return [multiply(grad, multiply(two_over_root_pi, exp(negative(square(x)))))]


def _lgamma_grad(op, grad):
    return [multiply(grad, digamma(op.inputs[0]))]


def _digamma_grad(op, grad):
    x = op.inputs[0]
    return [multiply(grad, polygamma(_ones_like(x), x))]


def _ufunc_build(ufunc):
    """PureKernel build for a NumPy ufunc (SIMD transcendental loops; any layout, 0-d and size 0)."""

    def build(op):
        np_dtype = np.dtype(op._outputs[0].dtype.as_numpy_dtype)

        def run(a):
            with np.errstate(all="ignore"):
                r = ufunc(a, out=np.empty(a.shape, dtype=a.dtype))
            return r if r.dtype == np_dtype else r.astype(np_dtype)

        return run

    return build


def _sigmoid_kernel(a):
    """1 / (1 + exp(-x)) without overflow: only exp(-|x|) <= 1 is ever computed, and
    exp(x) / (1 + exp(x)) for negative x."""
    if a.dtype.kind != "f" or a.dtype == np.float16:
        with np.errstate(all="ignore"):
            e = np.exp(-np.abs(a))
            return (np.where(a < 0, e, 1) / np.add(e, 1)).astype(a.dtype, copy=False)
    flat = np.ascontiguousarray(a).reshape(-1)
    out = allocator.empty(flat.shape, flat.dtype)
    _threads.for_blocks(flat.size, lambda lo, hi: _sigmoid_flat(flat[lo:hi], out[lo:hi], out[lo:hi]))
    return out.reshape(a.shape)


def _sigmoid_flat(x: np.ndarray, e: np.ndarray, out: np.ndarray) -> None:
    """``out = sigmoid(x)`` for flat float arrays, ``e`` a scratch of x's size (it may be ``out``;
    ``out`` may be ``x``): ``exp(-|x|)`` by NumPy's SIMD exp, then one select and division."""
    with np.errstate(all="ignore"):  # per thread: NumPy's error state is thread-local
        ek.negative_abs(x, e)
        np.exp(e, out=e)
    ek.sigmoid_from_exp(x, e, out.dtype.type(1), out)


def _sigmoid_block(a: np.ndarray) -> None:
    """Sigmoid in place on a C-contiguous float block: the bits of ``_sigmoid_kernel``."""
    flat = a.reshape(-1)
    _sigmoid_flat(flat, np.empty_like(flat), flat)


def _build_reciprocal(op):
    if _is_int(op.inputs[0].dtype.base_dtype):
        float_run = unary_build(ek.reciprocal_int)(op)

        def run_int(a):
            if not a.all():
                raise errors.InvalidArgumentError(None, None, "Integer division by zero")
            return float_run(a)

        return run_int
    return unary_build(ek.reciprocal)(op)


def _build_round(op):
    if not (op.inputs[0].dtype.base_dtype.is_floating or op.inputs[0].dtype.base_dtype.is_complex):
        return lambda a: a.copy()
    return _ufunc_build(np.rint)(op)  # half to even, sign kept (-0.5 -> -0.0), as TF


def _build_abs(op):
    dt = op.inputs[0].dtype.base_dtype
    if dt.is_complex:
        np_dt = dt.real_dtype.as_numpy_dtype if hasattr(dt, "real_dtype") else np.float64
        return lambda a: np.abs(a).astype(np_dt)
    return unary_build(ek.absolute)(op)


def _infer_abs(inputs, attrs):
    t = inputs[0]
    check_dtype("x", t, _types("bfloat16 float16 float32 float64 int8 int16 int32 int64"))
    return [(t.dtype.base_dtype, t.shape)]


_UNARY = [
    # op type, public name, kernel build, allowed dtypes, gradient
    ("Neg", "negative", unary_build(ek.negative, ufunc=np.negative), _NUMERIC_SIGNED, _neg_grad),
    ("Abs", "abs", _build_abs, None, _abs_grad),
    ("Square", "square", unary_build(ek.square, ufunc=np.square),
     _types("bfloat16 float16 float32 float64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 complex64 "
            "complex128"), _square_grad),
    ("Sqrt", "sqrt", unary_build(ek.sqrt, ufunc=np.sqrt, ints=False), _FLOAT_COMPLEX, _sqrt_grad),
    ("Rsqrt", "rsqrt", unary_build(ek.rsqrt), _FLOAT_COMPLEX, _rsqrt_grad),
    ("Exp", "exp", _ufunc_build(np.exp), _FLOAT_COMPLEX, _exp_grad),
    ("Expm1", "expm1", _ufunc_build(np.expm1), _FLOAT_COMPLEX, _expm1_grad),
    ("Log", "log", _ufunc_build(np.log), _FLOAT_COMPLEX, _log_grad),
    ("Log1p", "log1p", _ufunc_build(np.log1p), _FLOAT_COMPLEX, _log1p_grad),
    ("Sign", "sign", unary_build(ek.sign), _NUMERIC_SIGNED, _sign_grad),
    ("Reciprocal", "reciprocal", _build_reciprocal, _NUMERIC_SIGNED, _reciprocal_grad),
    ("Floor", "floor", unary_build(ek.floor, ufunc=np.floor, ints=False), _FLOAT, NOT_DIFFERENTIABLE),
    ("Ceil", "ceil", unary_build(ek.ceil, ufunc=np.ceil, ints=False), _FLOAT, NOT_DIFFERENTIABLE),
    ("Round", "round", _build_round, _NUMERIC_SIGNED, NOT_DIFFERENTIABLE),
    ("Sin", "sin", _ufunc_build(np.sin), _FLOAT_COMPLEX, _sin_grad),
    ("Cos", "cos", _ufunc_build(np.cos), _FLOAT_COMPLEX, _cos_grad),
    ("Tan", "tan", _ufunc_build(np.tan), _FLOAT_COMPLEX, _tan_grad),
    ("Asin", "asin", _ufunc_build(np.arcsin), _FLOAT_COMPLEX, _asin_grad),
    ("Acos", "acos", _ufunc_build(np.arccos), _FLOAT_COMPLEX, _acos_grad),
    ("Atan", "atan", _ufunc_build(np.arctan), _FLOAT_COMPLEX, _atan_grad),
    ("Sinh", "sinh", _ufunc_build(np.sinh), _FLOAT_COMPLEX, _sinh_grad),
    ("Cosh", "cosh", _ufunc_build(np.cosh), _FLOAT_COMPLEX, _cosh_grad),
    ("Tanh", "tanh", _ufunc_build(np.tanh), _FLOAT_COMPLEX, _tanh_grad),
    ("Sigmoid", "sigmoid", lambda op: _sigmoid_kernel, _FLOAT_COMPLEX, _sigmoid_grad),
    ("Erf", "erf", unary_build(ek.erf), _FLOAT, _erf_grad),
    ("Lgamma", "lgamma", unary_build(ek.lgamma), _FLOAT, _lgamma_grad),
    ("Digamma", "digamma", unary_build(ek.digamma), _FLOAT, _digamma_grad),
]

simple_op("SigmoidGrad", _infer_unary_typed(_FLOAT_COMPLEX),
          build=_activation_grad_build(ek.sigmoid_grad, lambda y, dy, one: dy * y * (one - y)),
          grad=_sigmoid_grad_grad)
simple_op("TanhGrad", _infer_unary_typed(_FLOAT_COMPLEX),
          build=_activation_grad_build(ek.tanh_grad, lambda y, dy, one: dy * (one - y * y)),
          grad=_tanh_grad_grad)

for _type, _public, _build, _allowed, _grad in _UNARY:
    simple_op(_type, _infer_abs if _type == "Abs" else _infer_unary_typed(_allowed), build=_build, grad=_grad,
              block_activation=_sigmoid_block if _type == "Sigmoid" else None)

for _type, _k in [("IsNan", ek.is_nan), ("IsInf", ek.is_inf), ("IsFinite", ek.is_finite)]:
    simple_op(_type, _infer_unary_typed(_FLOAT, out_bool=True), build=unary_build(_k),
              grad=NOT_DIFFERENTIABLE)
simple_op("LogicalNot", _infer_logical_not, build=unary_build(ek.logical_not), grad=NOT_DIFFERENTIABLE)


def _unary(op_type: str, x, name, default_name=None) -> Tensor:
    with op_scope(name, default_name or op_type, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return create_in_scope(op_type, [x], None, scope)._outputs[0]


def negative(x, name=None) -> Tensor:
    """``tf.negative``: -x."""
    return _unary("Neg", x, name)


def abs(x, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """``tf.abs``."""
    return _unary("Abs", x, name)


def square(x, name=None) -> Tensor:
    """``tf.square``: x * x."""
    return _unary("Square", x, name)


def sqrt(x, name=None) -> Tensor:
    """``tf.sqrt``."""
    return _unary("Sqrt", x, name)


def rsqrt(x, name=None) -> Tensor:
    """``tf.rsqrt``: 1 / sqrt(x)."""
    return _unary("Rsqrt", x, name)


def exp(x, name=None) -> Tensor:
    """``tf.exp``."""
    return _unary("Exp", x, name)


def expm1(x, name=None) -> Tensor:
    """``tf.expm1``: exp(x) - 1, accurate near 0."""
    return _unary("Expm1", x, name)


def log(x, name=None) -> Tensor:
    """``tf.log``: natural logarithm."""
    return _unary("Log", x, name)


def log1p(x, name=None) -> Tensor:
    """``tf.log1p``: log(1 + x), accurate near 0."""
    return _unary("Log1p", x, name)


def sign(x, name=None) -> Tensor:
    """``tf.sign``: -1, 0 or 1 elementwise."""
    return _unary("Sign", x, name)


def reciprocal(x, name=None) -> Tensor:
    """``tf.reciprocal``: 1 / x (op type ``Reciprocal``)."""
    return _unary("Reciprocal", x, name)


def floor(x, name=None) -> Tensor:
    """``tf.floor``."""
    return _unary("Floor", x, name)


def ceil(x, name=None) -> Tensor:
    """``tf.ceil``."""
    return _unary("Ceil", x, name)


def round(x, name=None) -> Tensor:  # noqa: A001 - TF's public name
    """``tf.round``: round half to even (banker's rounding), as TF."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.base_dtype.is_integer:
        return x
    return _unary("Round", x, name)


def sin(x, name=None) -> Tensor:
    """``tf.sin``."""
    return _unary("Sin", x, name)


def cos(x, name=None) -> Tensor:
    """``tf.cos``."""
    return _unary("Cos", x, name)


def tan(x, name=None) -> Tensor:
    """``tf.tan``."""
    return _unary("Tan", x, name)


def asin(x, name=None) -> Tensor:
    """``tf.asin``."""
    return _unary("Asin", x, name)


def acos(x, name=None) -> Tensor:
    """``tf.acos``."""
    return _unary("Acos", x, name)


def atan(x, name=None) -> Tensor:
    """``tf.atan``."""
    return _unary("Atan", x, name)


def sinh(x, name=None) -> Tensor:
    """``tf.sinh``."""
    return _unary("Sinh", x, name)


def cosh(x, name=None) -> Tensor:
    """``tf.cosh``."""
    return _unary("Cosh", x, name)


def tanh(x, name=None) -> Tensor:
    """``tf.tanh`` (no overflow for large |x|)."""
    return _unary("Tanh", x, name)


def sigmoid(x, name=None) -> Tensor:
    """``tf.sigmoid``: 1 / (1 + exp(-x)), computed without overflow."""
    return _unary("Sigmoid", x, name)


def erf(x, name=None) -> Tensor:
    """``tf.erf``: the Gauss error function."""
    return _unary("Erf", x, name)


def lgamma(x, name=None) -> Tensor:
    """``tf.lgamma``: log |Gamma(x)|."""
    return _unary("Lgamma", x, name)


def digamma(x, name=None) -> Tensor:
    """``tf.digamma``: the derivative of lgamma."""
    return _unary("Digamma", x, name)


def is_nan(x, name=None) -> Tensor:
    """``tf.is_nan``."""
    return _unary("IsNan", x, name)


def is_inf(x, name=None) -> Tensor:
    """``tf.is_inf``."""
    return _unary("IsInf", x, name)


def is_finite(x, name=None) -> Tensor:
    """``tf.is_finite``."""
    return _unary("IsFinite", x, name)


def logical_not(x, name=None) -> Tensor:
    """``tf.logical_not`` (``~x`` on bool tensors)."""
    with op_scope(name, "LogicalNot", [x]) as scope:
        x = convert_to_tensor(x, dtype=dtypes.bool, name="x") if not isinstance(x, Tensor) else x
        return create_in_scope("LogicalNot", [x], None, scope)._outputs[0]


# -- reductions -----------------------------------------------------------------------------------
def _reduce_infer(allowed=None, bool_input: str | None = None):
    def infer(inputs, attrs):
        x, axes_t = inputs
        if bool_input is not None:
            check_exact_dtype(bool_input, "input", x, dtypes.bool)
        elif allowed is not None:
            check_dtype("input", x, allowed)
        keep = attrs["keep_dims"]
        dtype = x.dtype.base_dtype
        dims = x.shape.as_tuple()
        axes = constant_value(axes_t)
        if dims is None:
            return [(dtype, tensor_shape.unknown_shape())]
        if axes is None:
            if keep:
                return [(dtype, tensor_shape.unknown_shape(len(dims)))]
            return [(dtype, tensor_shape.unknown_shape())]
        axes = op_util.normalize_axes(axes, len(dims))
        if keep:
            out = tuple(1 if i in axes else d for i, d in enumerate(dims))
        else:
            out = tuple(d for i, d in enumerate(dims) if i not in axes)
        return [(dtype, out)]

    return infer


def _norm_axes(axes, nd: int) -> tuple:
    out = set()
    for a in np.asarray(axes).reshape(-1).tolist():
        a = int(a)
        if a < -nd or a >= nd:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension {a} for input with {nd} dimensions.")
        out.add(a + nd if a < 0 else a)
    return tuple(sorted(out))


def _layout3(shape: tuple, axes: tuple):
    """``(perm or None, (outer, m, inner), kept_shape)`` bringing ``axes`` into one middle block."""
    nd = len(shape)
    kept = [i for i in range(nd) if i not in axes]
    kept_shape = tuple(shape[i] for i in kept)
    m = int(np.prod([shape[a] for a in axes], dtype=np.int64)) if axes else 1
    if not axes or axes == tuple(range(axes[0], axes[-1] + 1)):
        a0 = axes[0] if axes else nd
        a1 = axes[-1] + 1 if axes else nd
        outer = int(np.prod(shape[:a0], dtype=np.int64))
        inner = int(np.prod(shape[a1:], dtype=np.int64))
        return None, (outer, m, inner), kept_shape
    n = int(np.prod(kept_shape, dtype=np.int64))
    return tuple(kept) + axes, (n, m, 1), kept_shape


def _reduce_view(x: np.ndarray, axes_value, cache: dict):
    ax = axes_value if type(axes_value) is np.ndarray else np.asarray(axes_value)
    key = (x.shape, ax.tobytes(), ax.dtype.char)
    lay = cache.get(key)
    if lay is None:
        axes = _norm_axes(axes_value, x.ndim)
        perm, shape3, kept_shape = _layout3(x.shape, axes)
        keep_shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        if len(cache) > 64:
            cache.clear()
        lay = cache[key] = (perm, shape3, kept_shape, keep_shape)
    perm, shape3, kept_shape, keep_shape = lay
    if perm is not None:
        x = x.transpose(perm)
    x3 = np.ascontiguousarray(x).reshape(shape3)
    return x3, kept_shape, keep_shape


def _acc_dtype(np_dt: np.dtype):
    if np_dt.kind == "f":
        return np.dtype(np.float64)
    if np_dt.kind == "c":
        return np.dtype(np.complex128)
    if np_dt.kind == "u" and np_dt.itemsize == 8:
        return np.dtype(np.uint64)
    return np.dtype(np.int64)


def _identity_for(kind: str, np_dt: np.dtype):
    if kind == "max":
        return -np.inf if np_dt.kind == "f" else np.iinfo(np_dt).min
    return np.inf if np_dt.kind == "f" else np.iinfo(np_dt).max


def _mean_divide(out, m):
    return out / m if m else out * np.nan


def _reduce_build(kind: str):
    def build(op):
        keep = op.attrs["keep_dims"]
        np_dt = np.dtype(op.inputs[0].dtype.base_dtype.as_numpy_dtype)
        cache: dict = {}
        work_dt = np.dtype(np.float32) if np_dt == np.float16 else np_dt
        # Sums/means of whole rows with constant axes (``[20, 1]`` over axis 0, a bias gradient...):
        # (x.shape, id(axes)) -> (axes, rows shape, m, output shape), the same kernel call as below
        # without re-deriving the layout (1.2 us of 2.2 for a [20, 1] sum)
        rows: dict | None = {} if kind in ("sum", "mean") and work_dt.kind == "f" else None
        sum_dt = _acc_dtype(work_dt)

        def run(x, axes):
            if x.dtype != work_dt:
                x = x.astype(work_dt)
            if rows is not None:
                q = rows.get((x.shape, id(axes)))
                if q is not None and q[0] is axes and x.flags.c_contiguous:
                    shape2 = q[1]
                    out = rk.sum_rows(x.reshape(shape2), np.zeros(shape2[0], dtype=sum_dt))
                    if kind == "mean":
                        out = quiet_call(_mean_divide, out, q[2])
                    if q[3] is not None:
                        out = out.reshape(q[3])
                    return out if out.dtype == np_dt else out.astype(np_dt)
            x3, kept_shape, keep_shape = _reduce_view(x, axes, cache)
            outer, m, inner = x3.shape
            if (rows is not None and inner == 1 and m > 1 and type(axes) is np.ndarray
                    and not axes.flags.writeable and _layout3(x.shape, _norm_axes(axes, x.ndim))[0] is None):
                if len(rows) > 64:
                    rows.clear()
                # a read-only (constant) axes array keeps its value: the entry holds it, so its id
                # cannot be reused by another array while the entry lives
                shape = keep_shape if keep else kept_shape
                rows[(x.shape, id(axes))] = (axes, (outer, m), m, None if shape == (outer,) else shape)
            if m == 1:
                # nothing to reduce (axes empty or of size 1; the unbroadcast of a bias add's
                # full-shape operand): the input reshaped, sharing its buffer as TF's reduction
                # kernel does for a no-op reduction (a copy cost 0.8 ms per step in the notes' CNN)
                out = x3.reshape(keep_shape if keep else kept_shape)
                return out.astype(np_dt) if out.dtype != np_dt else out
            if kind in ("sum", "mean"):
                if inner == 1:
                    out = rk.sum_rows(x3.reshape(outer, m), np.zeros(outer, dtype=_acc_dtype(work_dt)))
                else:
                    out = rk.sum3(x3, np.zeros((outer, inner), dtype=_acc_dtype(work_dt)))
                if kind == "mean":
                    if work_dt.kind in "fc":
                        out = quiet_call(_mean_divide, out, m)  # np.errstate(all="ignore"), cheaper
                    elif m:
                        out = rk.int_mean_finish(out.reshape(-1), m, np.empty(outer * inner, np.int64))
            elif kind == "prod":
                acc_dt = work_dt if work_dt.kind in "fc" else _acc_dtype(work_dt)
                out = rk.prod3(x3, np.ones((outer, inner), dtype=acc_dt))
            elif kind in ("max", "min"):
                if m == 0:
                    out = np.full((outer, inner), _identity_for(kind, work_dt), dtype=work_dt)
                else:
                    out = (np.max if kind == "max" else np.min)(x3, axis=1)
            elif kind == "any":
                out = rk.any3(x3, np.zeros((outer, inner), dtype=np.bool_))
            else:
                out = rk.all3(x3, np.ones((outer, inner), dtype=np.bool_))
            out = np.asarray(out).reshape(keep_shape if keep else kept_shape)
            return out if out.dtype == np_dt else out.astype(np_dt)

        return run

    return build


def _sum_grad(op, grad):
    from graphflow.ops.grad_util import reduction_grad_broadcast

    return [reduction_grad_broadcast(op, grad), None]


def _mean_grad(op, grad):
    from graphflow.ops.grad_util import reduction_grad_broadcast, reduction_size

    g = reduction_grad_broadcast(op, grad)
    return [realdiv(g, cast(reduction_size(op), g.dtype)), None]


def _minmax_grad(op, grad):
    from graphflow.ops.grad_util import minmax_grad

    return [minmax_grad(op, grad), None]


def _prod_grad(op, grad):
    """TF's formula: the product of the other elements as exclusive cumprods from both ends (exact
    with zeros, and differentiable again); ProdOthers only when shapes or axes are unknown."""
    from graphflow.ops.grad_util import prod_grad, reduction_grad_broadcast

    x = op.inputs[0]
    xd = x.shape.as_tuple()
    axes_v = constant_value(op.inputs[1])
    a = _array_ops()
    if xd is None or None in xd or axes_v is None:
        return [prod_grad(op, grad), None]
    axes = tuple(op_util.normalize_axes(axes_v, len(xd)))
    g = reduction_grad_broadcast(op, grad)
    if not axes:
        return [g, None]
    perm, shape3, _ = _layout3(xd, axes)
    if perm is not None and not hasattr(a, "transpose"):
        return [prod_grad(op, grad), None]
    xt = a.transpose(x, list(perm)) if perm is not None else x
    x3 = a.reshape(xt, list(shape3))
    left = cumprod(x3, 1, exclusive=True)
    right = cumprod(x3, 1, exclusive=True, reverse=True)
    others = a.reshape(multiply(left, right), [xd[i] for i in perm] if perm is not None else list(xd))
    if perm is not None:
        others = a.transpose(others, list(np.argsort(perm)))
    return [multiply(g, others), None]


for _type, _kind, _grad, _allowed in [("Sum", "sum", _sum_grad, _REDUCE),
                                      ("Mean", "mean", _mean_grad, _REDUCE),
                                      ("Max", "max", _minmax_grad, _MINMAX_REDUCE),
                                      ("Min", "min", _minmax_grad, _MINMAX_REDUCE),
                                      ("Prod", "prod", _prod_grad, _REDUCE)]:
    simple_op(_type, _reduce_infer(_allowed), build=_reduce_build(_kind), grad=_grad, forwards_input=True)
simple_op("Any", _reduce_infer(bool_input="Any"), build=_reduce_build("any"), grad=NOT_DIFFERENTIABLE,
          forwards_input=True)
simple_op("All", _reduce_infer(bool_input="All"), build=_reduce_build("all"), grad=NOT_DIFFERENTIABLE,
          forwards_input=True)


def _keepdims(keepdims, keep_dims) -> bool:
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keepdims = keep_dims
    return bool(keepdims) if keepdims is not None else False


def _axis_arg(axis, reduction_indices):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
        return reduction_indices
    return axis


def _reduction_axes_tensor(x: Tensor, axis) -> Tensor:
    if axis is None:
        ndims = x.shape.ndims
        if ndims is not None:
            return constant(np.arange(ndims, dtype=np.int32), dtype=dtypes.int32, name="Const")
        a = _array_ops()
        return a.range(0, a.rank(x))
    if isinstance(axis, Tensor):
        return axis
    return constant(np.asarray(axis, dtype=np.int32), dtype=dtypes.int32, name="reduction_indices")


def _reduction(op_type: str, input_tensor, axis, keepdims, name, keep_dims=None,
               reduction_indices=None) -> Tensor:
    keepdims = _keepdims(keepdims, keep_dims)
    axis = _axis_arg(axis, reduction_indices)
    x = convert_to_tensor(input_tensor, name="input_tensor")
    with op_scope(name, op_type, [x]) as scope:
        axes = _reduction_axes_tensor(x, axis)
        return create_in_scope(op_type, [x, axes], {"keep_dims": keepdims, "Tidx": axes.dtype.base_dtype},
                               scope)._outputs[0]


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """``tf.reduce_sum``."""
    return _reduction("Sum", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """``tf.reduce_mean`` (integer means truncate toward zero, as in TF)."""
    return _reduction("Mean", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """``tf.reduce_max``."""
    return _reduction("Max", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """``tf.reduce_min``."""
    return _reduction("Min", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """``tf.reduce_prod``."""
    return _reduction("Prod", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """``tf.reduce_any``: logical or (bool input)."""
    return _reduction("Any", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """``tf.reduce_all``: logical and (bool input)."""
    return _reduction("All", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                     keep_dims=None) -> Tensor:
    """``tf.reduce_logsumexp``: log(sum(exp(x))) computed stably around the (finite) maximum."""
    keepdims = _keepdims(keepdims, keep_dims)
    axis = _axis_arg(axis, reduction_indices)
    from graphflow.ops.gradients import stop_gradient

    with op_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        raw_max = reduce_max(x, axis, keepdims=True)
        my_max = stop_gradient(_where(is_finite(raw_max), raw_max, _zeros_like(raw_max)))
        result = log(reduce_sum(exp(subtract(x, my_max)), axis, keepdims=keepdims))
        if not keepdims:
            rs = result.shape
            if rs.is_fully_defined():
                my_max = _array_ops().reshape(my_max, rs.as_list())
            else:
                my_max = _array_ops().reshape(my_max, _array_ops().shape(result))
        return add(result, my_max, name=scope)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None) -> Tensor:  # noqa: A002
    """``tf.count_nonzero``: number of non-zero elements (int64 by default)."""
    if input is not None:
        if input_tensor is not None:
            raise ValueError("Cannot specify both 'input' and 'input_tensor'.")
        input_tensor = input
    keepdims = _keepdims(keepdims, keep_dims)
    axis = _axis_arg(axis, reduction_indices)
    with op_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant(np.zeros((), dtype=x.dtype.base_dtype.as_numpy_dtype) if x.dtype != dtypes.string
                        else b"", dtype=x.dtype.base_dtype, name="zeros")
        return cast(reduce_sum(cast(not_equal(x, zero), dtypes.int64), axis=axis, keepdims=keepdims),
                    dtype=dtype)


# -- argmax / argmin ------------------------------------------------------------------------------
_ARG_TYPES = _types("float32 float64 int32 uint8 int16 int8 int64 bfloat16 uint16 float16 uint32 uint64 bool")


def _infer_arg(inputs, attrs):
    x, dim_t = inputs
    check_dtype("input", x, _ARG_TYPES)
    out_t = attrs["output_type"]
    dims = x.shape.as_tuple()
    d = constant_value(dim_t)
    if d is not None and np.ndim(d) != 0:
        raise InferenceError(f"Shape must be rank 0 but is rank {np.ndim(d)}")
    if dims is None:
        return [(out_t, None)]
    if d is None:
        return [(out_t, (None,) * (len(dims) - 1) if dims else None)]
    d = int(d)
    nd = len(dims)
    if d < -builtins.max(nd, 1) or d >= builtins.max(nd, 1):
        raise InferenceError(f"Expected dimension in the range [{-nd}, {nd}), but got {d}")
    d = d + nd if d < 0 else d
    return [(out_t, tuple(x for i, x in enumerate(dims) if i != d))]


def _arg_build(kernel_fn):
    def build(op):
        out_np = op.outputs[0].dtype.as_numpy_dtype
        cache: dict = {}

        def run(x, dim):
            d = int(dim)
            nd = x.ndim
            if d < -nd or d >= nd:
                raise errors.InvalidArgumentError(
                    None, None, f"Expected dimension in the range [{-nd}, {nd}), but got {d}")
            if x.shape[d % nd] == 0:
                raise errors.InvalidArgumentError(
                    None, None, f"Reduction axis {d % nd} is empty in shape [{','.join(map(str, x.shape))}]")
            if x.dtype == np.float16:
                x = x.astype(np.float32)
            if x.dtype.kind == "f" and np.isnan(x).any():
                # TF's comparisons never pick a NaN: treat it as the worst candidate
                x = np.where(np.isnan(x), -np.inf if kernel_fn is np.argmax else np.inf, x)
            x3, kept_shape, _ = _reduce_view(x, d, cache)
            return kernel_fn(x3, axis=1).reshape(kept_shape).astype(out_np, copy=False)

        return run

    return build


simple_op("ArgMax", _infer_arg, build=_arg_build(np.argmax), grad=NOT_DIFFERENTIABLE)
simple_op("ArgMin", _infer_arg, build=_arg_build(np.argmin), grad=NOT_DIFFERENTIABLE)


def _arg(op_type: str, input, axis, name, dimension, output_type) -> Tensor:  # noqa: A002
    if dimension is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'.")
        axis = dimension
    if axis is None:
        axis = 0
    output_type = dtypes.as_dtype(output_type).base_dtype
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'output_type' has DataType {output_type.name} not in "
                        "list of allowed values: int32, int64")
    with op_scope(name, op_type, [input]) as scope:
        x = convert_to_tensor(input, name="input")
        d = axis if isinstance(axis, Tensor) else constant(np.asarray(axis, dtype=np.int32), name="dimension")
        return create_in_scope(op_type, [x, d], {"output_type": output_type, "Tidx": d.dtype.base_dtype},
                               scope)._outputs[0]


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:  # noqa: A002
    """``tf.argmax``: index of the largest value along ``axis`` (int64 unless ``output_type``)."""
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:  # noqa: A002
    """``tf.argmin``: index of the smallest value along ``axis``."""
    return _arg("ArgMin", input, axis, name, dimension, output_type)


# -- cumsum / cumprod -----------------------------------------------------------------------------
def _infer_scan(inputs, attrs):
    x, axis_t = inputs
    check_dtype("x", x, _REDUCE)
    a = constant_value(axis_t)
    nd = x.shape.ndims
    if a is not None and np.ndim(a) != 0:
        raise InferenceError(f"Shape must be rank 0 but is rank {np.ndim(a)}")
    if a is not None and nd is not None and not (-nd <= int(a) < nd):
        raise InferenceError(f"axis must be in the range [{-nd}, {nd}), got {int(a)}")
    return [(x.dtype.base_dtype, x.shape)]


def _scan_build(kernel_fn):
    def build(op):
        exclusive = bool(op.attrs["exclusive"])
        reverse = bool(op.attrs["reverse"])
        np_dt = np.dtype(op.outputs[0].dtype.as_numpy_dtype)

        def run(x, axis):
            nd = x.ndim
            a = int(axis)
            if a < -nd or a >= nd:
                raise errors.InvalidArgumentError(None, None, f"ScanOp: Expected scan axis in the range "
                                                              f"[{-nd}, {nd}), but got {a}")
            a = a + nd if a < 0 else a
            if x.size == 0:
                return x.copy()
            work = x.astype(np.float32) if x.dtype == np.float16 else x
            shape3 = (int(np.prod(x.shape[:a], dtype=np.int64)), x.shape[a],
                      int(np.prod(x.shape[a + 1:], dtype=np.int64)))
            out = kernel_fn(np.ascontiguousarray(work).reshape(shape3), exclusive, reverse)
            return out.reshape(x.shape).astype(np_dt, copy=False)

        return run

    return build


def _cumsum_grad(op, grad):
    axis = op.inputs[1]
    return [cumsum(grad, axis, exclusive=op.get_attr("exclusive"), reverse=not op.get_attr("reverse")), None]


def _cumprod_grad(op, grad):
    x, axis = op.inputs
    exclusive, reverse = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = cumsum(multiply(prod, grad), axis, exclusive=exclusive, reverse=not reverse)
    return [realdiv(out, x), None]


simple_op("Cumsum", _infer_scan, build=_scan_build(sk.cumsum3), grad=_cumsum_grad)
simple_op("Cumprod", _infer_scan, build=_scan_build(sk.cumprod3), grad=_cumprod_grad)


def _scan(op_type: str, x, axis, exclusive, reverse, name) -> Tensor:
    with op_scope(name, op_type, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        a = axis if isinstance(axis, Tensor) else constant(np.asarray(axis, dtype=np.int32), name="axis")
        attrs = {"exclusive": bool(exclusive), "reverse": bool(reverse), "Tidx": a.dtype.base_dtype}
        return create_in_scope(op_type, [x, a], attrs, scope)._outputs[0]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """``tf.cumsum``: cumulative sum along ``axis`` (``exclusive`` and ``reverse`` as TF)."""
    return _scan("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """``tf.cumprod``: cumulative product along ``axis``."""
    return _scan("Cumprod", x, axis, exclusive, reverse, name)


# -- norm / l2_normalize / clip_by_value / accumulate_n -------------------------------------------
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None) -> Tensor:  # noqa: A002
    """``tf.norm``: vector norms (euclidean, 1, 2, inf, p > 0) and matrix norms (fro, 1, inf)."""
    keepdims = _keepdims(keepdims, keep_dims)
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        if axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if ord not in ("euclidean", "fro", 1, np.inf):
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, inf], "
                             f"got {ord}")
    else:
        if isinstance(axis, (tuple, list)):
            if len(axis) != 1:
                raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, "
                                 f"got {axis}")
            axis = axis[0]
        if not (axis is None or isinstance(axis, (int, np.integer))):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if ord == "fro" or (not isinstance(ord, str) and not (np.isreal(ord) and ord > 0)):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if isinstance(ord, str) and ord != "euclidean":
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    with op_scope(name, "norm", [tensor]):
        x = convert_to_tensor(tensor, name="tensor")
        if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
            return sqrt(reduce_sum(multiply(x, x), axis, keepdims=keepdims))
        a = abs(x)
        if ord == 1:
            if is_matrix:
                return reduce_max(reduce_sum(a, axis[0], keepdims=True), list(axis), keepdims=keepdims)
            return reduce_sum(a, axis, keepdims=keepdims)
        if ord == np.inf:
            if is_matrix:
                return reduce_max(reduce_sum(a, axis[1], keepdims=True), list(axis), keepdims=keepdims)
            return reduce_max(a, axis, keepdims=keepdims)
        p = _const_like(float(ord), a)
        return pow(reduce_sum(pow(a, p), axis, keepdims=keepdims), _const_like(1.0 / float(ord), a))


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None) -> Tensor:
    """``tf.nn.l2_normalize``: x / sqrt(max(sum(x^2, axis), epsilon)) (old ``dim=`` accepted)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    with op_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduce_sum(square(x), axis, keepdims=True)
        inv = rsqrt(maximum(square_sum, constant(epsilon, dtype=square_sum.dtype.base_dtype)))
        return multiply(x, inv, name=scope)


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """``tf.clip_by_value``: Minimum then Maximum, as TF 1.15 builds it (gradients flow through both)."""
    with op_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = convert_to_tensor(t, name="t")
        t_min = minimum(values, clip_value_max)
        if not values.shape.is_compatible_with(t_min.shape):
            raise ValueError(f"Shapes {values.shape} and {t_min.shape} are incompatible")
        return maximum(t_min, clip_value_min, name=scope)


# -- matmul ---------------------------------------------------------------------------------------
_MATMUL_TYPES = _types("bfloat16 float16 float32 float64 int32 int64 uint8 uint16 uint32 uint64 complex64 "
                       "complex128")
_BATCH_MATMUL_TYPES = _types("bfloat16 float16 float32 float64 int16 int32 int64 uint8 uint16 uint32 uint64 "
                             "complex64 complex128")


def _infer_matmul(inputs, attrs):
    a, b = inputs
    ta, tb = attrs["transpose_a"], attrs["transpose_b"]
    op_util.same_dtype_check("MatMul", inputs, ("a", "b"))
    check_dtype("a", a, _MATMUL_TYPES)
    da, db = a.shape.as_tuple(), b.shape.as_tuple()
    if da is not None and len(da) != 2:
        raise InferenceError(f"Shape must be rank 2 but is rank {len(da)}")
    if db is not None and len(db) != 2:
        raise InferenceError(f"Shape must be rank 2 but is rank {len(db)}")
    m = n = ka = kb = None
    if da is not None:
        m, ka = (da[1], da[0]) if ta else (da[0], da[1])
    if db is not None:
        kb, n = (db[1], db[0]) if tb else (db[0], db[1])
    if ka is not None and kb is not None and ka != kb:
        raise InferenceError(f"Dimensions must be equal, but are {ka} and {kb}")
    return [(a.dtype.base_dtype, (m, n))]


# The tile-kernel products (kernels/tile_matmul.py) for a dense layer's backward pass: the short
# dimension at most _SHORT_MAX (one or two tile widths), at least _SHORT_MIN_MACS multiply-adds
# (smaller products are OpenBLAS's quickly anyway), and the short operand at most
# _SHORT_PANEL_BYTES (it stays in L2 for every row tile: at batch 550 the [550, 1024] gradient
# did not, 2.4x slower than OpenBLAS).
_SHORT_MAX = 128
_SHORT_MIN_MACS = 1 << 20
_SHORT_PANEL_BYTES = 512 * 1024
_SHORT_MIN_WEIGHTS = 1 << 20


def _short_product(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``a @ b`` (float32) on the tile kernel when it is a dense layer's ``x.T @ dy`` or
    ``dy @ W.T`` with a short batch dimension, else None.  Rows split over the session's threads
    on tile boundaries: every element is one FMA chain, the same bits for any thread count."""
    m, k = a.shape
    n = b.shape[1]
    if a.dtype != np.float32 or b.dtype != np.float32 or m * k * n < _SHORT_MIN_MACS:
        return None
    if a.flags.f_contiguous and not a.flags.c_contiguous and k <= _SHORT_MAX and b.flags.c_contiguous:
        # x.T @ dy: rows are the columns of x (= a.T, row-major [k, m]), the panel is dy [k, n]
        if k * n * 4 > _SHORT_PANEL_BYTES:
            return None
        x = a.T
        panel = tile_gemm.pad_columns(b)
        out = allocator.empty((m, panel.shape[1]), np.float32)
        _threads.for_blocks(m, lambda lo, hi: tk.rows_times_panel(x.reshape(-1), 1, m, k, panel.reshape(-1),
                                                                   panel.shape[1], out, lo, hi),
                            _threads._MIN_SPLIT_MACS, unit=k * panel.shape[1], align=tile_gemm.MR)
        return out if panel.shape[1] == n else np.ascontiguousarray(out[:, :n])
    if b.flags.f_contiguous and not b.flags.c_contiguous and m <= _SHORT_MAX and a.flags.c_contiguous:
        # dy @ W.T: (W @ dy.T).T, rows are W's (= b.T, row-major [n, k]), the panel is dy.T [k, m];
        # worth its two transposes for a large W only (the MLP's [128,256]x[256,256]: 0.15 vs 0.08 ms)
        if k * m * 4 > _SHORT_PANEL_BYTES or n * k < _SHORT_MIN_WEIGHTS:
            return None
        w = b.T
        panel = tile_gemm.pad_columns(a.T)
        out_t = np.empty((n, panel.shape[1]), dtype=np.float32)
        _threads.for_blocks(n, lambda lo, hi: tk.rows_times_panel(w.reshape(-1), k, 1, k, panel.reshape(-1),
                                                                   panel.shape[1], out_t, lo, hi),
                            _threads._MIN_SPLIT_MACS, unit=k * panel.shape[1], align=tile_gemm.MR)
        return np.ascontiguousarray(out_t[:, :m].T)
    return None


def _build_matmul(op):
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    np_dt = op.outputs[0].dtype.as_numpy_dtype

    def product(a, b):  # a and b already transposed
        if a.shape[1] != b.shape[0]:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: [{a.shape[0]},{a.shape[1]}], "
                            f"In[1]: [{b.shape[0]},{b.shape[1]}]")
        if np_dt == np.float32 and tile_gemm.AVAILABLE:
            out = _short_product(a, b)
            if out is not None:
                return out
        return np.asarray(_gemm(a, b), dtype=np_dt)

    dt = np.dtype(np_dt)
    if dt != np.float32 and dt != np.float64:
        def run(a, b):
            return product(a.T if ta else a, b.T if tb else b)

        return run

    ndarray = np.ndarray
    threads = _threads  # (read per call: tests lower ``_MIN_SPLIT_MACS`` to force splits)

    def run_small(a, b):
        """A float product too small for ``threads.dot`` to split: ``a.dot(b)`` (0.5 instead of 1.2 µs
        for a [20,1]x[1,1] product); the rest, and every error, goes to ``product``.

        ``threads.dot`` makes one ``np.dot(a, b)`` call below ``_MIN_SPLIT_MACS``, and ``ndarray.dot``
        is the same C function (``PyArray_MatrixProduct2``: the same BLAS call, the same bits)
        without ``np.dot``'s ``__array_function__`` dispatch (tests/ops/test_math_ops.py)."""
        if ta:
            a = a.T
        if tb:
            b = b.T
        try:
            m, k = a.shape
            kb, n = b.shape
        except ValueError:  # not matrices
            return product(a, b)
        if (a.dtype is dt and b.dtype is dt and k == kb and type(a) is ndarray
                and m * k * n < threads._MIN_SPLIT_MACS):
            return a.dot(b)
        return product(a, b)

    return run_small


def _matmul_grad(op, grad):
    a, b = op.inputs
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    if not ta and not tb:
        return [matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)]
    if not ta and tb:
        return [matmul(grad, b), matmul(grad, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, grad, transpose_b=True), matmul(a, grad)]
    return [matmul(b, grad, transpose_a=True, transpose_b=True),
            matmul(grad, a, transpose_a=True, transpose_b=True)]


simple_op("MatMul", _infer_matmul, build=_build_matmul, grad=_matmul_grad)


def _infer_batch_matmul(inputs, attrs):
    a, b = inputs
    op_util.same_dtype_check("BatchMatMulV2", inputs, ("x", "y"))
    check_dtype("x", a, _BATCH_MATMUL_TYPES)
    da, db = a.shape.as_tuple(), b.shape.as_tuple()
    if da is not None and len(da) < 2:
        raise InferenceError(f"Shape must be at least rank 2 but is rank {len(da)}")
    if db is not None and len(db) < 2:
        raise InferenceError(f"Shape must be at least rank 2 but is rank {len(db)}")
    if da is None or db is None:
        return [(a.dtype.base_dtype, tensor_shape.unknown_shape())]
    adj_x, adj_y = attrs["adj_x"], attrs["adj_y"]
    m, ka = (da[-1], da[-2]) if adj_x else (da[-2], da[-1])
    kb, n = (db[-1], db[-2]) if adj_y else (db[-2], db[-1])
    if ka is not None and kb is not None and ka != kb:
        raise InferenceError(f"Dimensions must be equal, but are {ka} and {kb}")
    batch = op_util.broadcast_dims(da[:-2], db[:-2])
    return [(a.dtype.base_dtype, tuple(batch) + (m, n))]


def _build_batch_matmul(op):
    adj_x, adj_y = op.attrs["adj_x"], op.attrs["adj_y"]
    np_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(a, b):
        if adj_x:
            a = np.conj(np.swapaxes(a, -1, -2))
        if adj_y:
            b = np.conj(np.swapaxes(b, -1, -2))
        try:
            return np.asarray(np.matmul(a, b), dtype=np_dt)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Matrix size-incompatible: In[0]: [{','.join(map(str, a.shape))}], "
                            f"In[1]: [{','.join(map(str, b.shape))}]") from None

    return run


def _batch_matmul_grad(op, grad):
    from graphflow.ops.grad_util import batch_matmul_grad

    return batch_matmul_grad(op, grad)


simple_op("BatchMatMulV2", _infer_batch_matmul, build=_build_batch_matmul, grad=_batch_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None) -> Tensor:
    """``tf.matmul``: MatMul for matrices, BatchMatMulV2 (broadcast batch dims) for rank > 2."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    with op_scope(name, "MatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", dtype=a.dtype.base_dtype) if not isinstance(b, Tensor) else b
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None or ra > 2 or rb > 2:
            attrs = {"adj_x": bool(transpose_a or adjoint_a), "adj_y": bool(transpose_b or adjoint_b)}
            return create_in_scope("BatchMatMulV2", [a, b], attrs, scope)._outputs[0]
        attrs = {"transpose_a": bool(transpose_a or adjoint_a), "transpose_b": bool(transpose_b or adjoint_b)}
        return create_in_scope("MatMul", [a, b], attrs, scope)._outputs[0]


# -- einsum / tensordot ---------------------------------------------------------------------------
def _parse_equation(equation: str, n_inputs: int) -> tuple[list[str], str]:
    eq = equation.replace(" ", "")
    if "." in eq:
        raise NotImplementedError(f"graphflow's einsum does not support ellipses yet: '{equation}'")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != n_inputs:
        raise ValueError(f"Expected {len(ins)} input tensors for equation '{equation}', got {n_inputs}")
    for s in ins + [out]:
        if any(c not in _string.ascii_letters for c in s):
            raise ValueError(f"Invalid einsum equation '{equation}'")
    for c in out:
        if c not in lhs:
            raise ValueError(f"Output subscript '{c}' does not appear in the inputs of '{equation}'")
    return ins, out


def _infer_einsum(inputs, attrs):
    ins, out = _parse_equation(attrs["equation"], len(inputs))
    dt = inputs[0].dtype.base_dtype
    for t in inputs[1:]:
        if t.dtype.base_dtype != dt:
            raise TypeError(f"Input 'inputs' of 'Einsum' Op has type {t.dtype.base_dtype.name} that does not "
                            f"match type {dt.name}")
    sizes: dict = {}
    for sub, t in zip(ins, inputs):
        dims = t.shape.as_tuple()
        if dims is None:
            continue
        if len(dims) != len(sub):
            raise InferenceError(f"Expected input to have rank {len(sub)} for subscripts '{sub}', "
                                 f"but got rank {len(dims)}")
        for c, d in zip(sub, dims):
            if d is None:
                continue
            prev = sizes.get(c)
            if prev is not None and prev != d and prev != 1 and d != 1:
                raise InferenceError(f"Expected dimension {prev} at axis of the input shaped "
                                     f"{_dims_text(dims)} but got dimension {d}")
            if prev is None or prev == 1:
                sizes[c] = d
    return [(dt, tuple(sizes.get(c) for c in out))]


def _build_einsum(op):
    eq = op.attrs["equation"]
    np_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(*xs):
        try:
            return np.asarray(np.einsum(eq, *xs, optimize=len(xs) > 1), dtype=np_dt)
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, f"Einsum '{eq}' failed: {e}") from None

    return run


def _einsum_grad(op, grad):
    ins, out = _parse_equation(op.get_attr("equation"), len(op.inputs))
    result = []
    for i, (sub, x) in enumerate(zip(ins, op.inputs)):
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"gradient of einsum with a repeated subscript in '{sub}'")
        others = [(s, t) for j, (s, t) in enumerate(zip(ins, op.inputs)) if j != i]
        available = set(out) | {c for s, _ in others for c in s}
        kept = "".join(c for c in sub if c in available)
        eq = ",".join([out] + [s for s, _ in others]) + "->" + kept
        g = einsum(eq, grad, *[t for _, t in others])
        if kept != sub:
            # letters summed inside this operand alone: broadcast the gradient back over them
            a = _array_ops()
            from graphflow.ops.grad_util import broadcast_to

            xd = x.shape.as_tuple()
            if xd is not None and None not in xd:
                g = a.reshape(g, [d if c in available else 1 for c, d in zip(sub, xd)])
                g = broadcast_to(g, list(xd))
            else:
                g = broadcast_to(a.reshape(g, _kept_shape_tensor(x, sub, available)), a.shape(x))
        result.append(_unbroadcast_einsum(g, x))
    return result


def _kept_shape_tensor(x, sub, available):
    a = _array_ops()
    xs = a.shape(x)
    ones = _ones_like(xs)
    mask = constant(np.array([c in available for c in sub]), dtype=dtypes.bool)
    return a.where(mask, xs, ones)


def _unbroadcast_einsum(g, x):
    """Size-1 dims of an input broadcast against another operand: sum them back."""
    gd, xd = g.shape.as_tuple(), x.shape.as_tuple()
    if gd is not None and xd is not None and gd != xd and None not in xd:
        axes = [i for i, (p, q) in enumerate(zip(gd, xd)) if q == 1 and p != 1]
        if axes:
            return reduce_sum(g, axes, keepdims=True)
    return g


simple_op("Einsum", _infer_einsum, build=_build_einsum, grad=_einsum_grad)


def einsum(equation, *inputs, **kwargs) -> Tensor:
    """``tf.einsum``: Einstein summation over one or two operands (no ellipses)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"invalid keyword arguments for this function: {', '.join(sorted(kwargs))}")
    with op_scope(name, "einsum", list(inputs)) as scope:
        ts = [convert_to_tensor(t, name="inputs") for t in inputs]
        _parse_equation(equation, len(ts))
        return create_in_scope("Einsum", ts, {"equation": equation.replace(" ", ""), "N": len(ts)},
                               scope)._outputs[0]


def tensordot(a, b, axes, name=None) -> Tensor:
    """``tf.tensordot``: contract ``axes`` (an int N, or a pair of axis lists) of ``a`` and ``b``."""
    with op_scope(name, "Tensordot", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None:
            raise ValueError("graphflow's tensordot needs inputs of known rank")
        if isinstance(axes, Tensor):
            axes = constant_value(axes)
            if axes is None:
                raise ValueError("tensordot axes must be known when the graph is built")
        if isinstance(axes, (int, np.integer)) or np.ndim(axes) == 0:
            n = int(axes)
            if n < 0:
                raise ValueError(f"'axes' must be at least 0, got {n}")
            if n > ra or n > rb:
                raise ValueError(f"'axes' must not be larger than the number of dimensions of tensor {a}")
            a_axes, b_axes = list(range(ra - n, ra)), list(range(n))
        else:
            axes = list(axes)
            if len(axes) != 2:
                raise ValueError(f"'axes' must be an integer or have length 2, got {axes}")
            a_axes = [int(v) for v in np.asarray(axes[0]).reshape(-1)]
            b_axes = [int(v) for v in np.asarray(axes[1]).reshape(-1)]
            if len(a_axes) != len(b_axes):
                raise ValueError(f"Different number of contraction axes 'a' and 'b', "
                                 f"{len(a_axes)} != {len(b_axes)}")
        a_axes = [v % ra if ra else v for v in a_axes]
        b_axes = [v % rb if rb else v for v in b_axes]
        letters = iter(_string.ascii_letters)
        sa = [next(letters) for _ in range(ra)]
        sb = [next(letters) for _ in range(rb)]
        for i, j in zip(a_axes, b_axes):
            sb[j] = sa[i]
            da, db = a.shape.as_tuple()[i], b.shape.as_tuple()[j]
            if da is not None and db is not None and da != db:
                raise ValueError(f"Dimensions must be equal, but are {da} and {db} for 'Tensordot'")
        out = ([c for k, c in enumerate(sa) if k not in a_axes]
               + [c for k, c in enumerate(sb) if k not in b_axes])
        eq = "".join(sa) + "," + "".join(sb) + "->" + "".join(out)
        return create_in_scope("Einsum", [a, b], {"equation": eq, "N": 2}, scope)._outputs[0]


# -- cast -----------------------------------------------------------------------------------------
def _infer_cast(inputs, attrs):
    return [(attrs["DstT"], inputs[0].shape)]


def _build_cast(op):
    dst = op.attrs["DstT"]
    np_dt = dst.as_numpy_dtype
    src = op.inputs[0].dtype.base_dtype
    if dst == dtypes.string or src == dtypes.string:
        def bad(x):
            raise errors.UnimplementedError(None, None, f"Cast {src.name} to {dst.name} is not supported")

        return bad
    if src.is_complex and not dst.is_complex:
        return lambda x: np.asarray(x.real.astype(np_dt))

    def run(x):
        return quiet_call(x.astype, np_dt)  # np.errstate(all="ignore"), cheaper

    return run


def _cast_grad(op, grad):
    src = op.inputs[0].dtype.base_dtype
    dst = op.outputs[0].dtype.base_dtype
    if (src.is_floating or src.is_complex) and (dst.is_floating or dst.is_complex):
        return [cast(grad, src)]
    return [None]


simple_op("Cast", _infer_cast, build=_build_cast, grad=_cast_grad)


def cast(x, dtype, name=None) -> Tensor:
    """``tf.cast``: convert to ``dtype`` (float -> int truncates toward zero, as TF)."""
    dst = dtypes.as_dtype(dtype).base_dtype
    if isinstance(x, Tensor) and x.dtype.base_dtype == dst:
        return x
    with op_scope(name, "Cast", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype == dst:
            return x
        return create_in_scope("Cast", [x], {"SrcT": x.dtype.base_dtype, "DstT": dst, "Truncate": False},
                               scope)._outputs[0]


def saturate_cast(value, dtype, name=None) -> Tensor:
    """``tf.saturate_cast``: clamp to the target range, then cast."""
    with op_scope(name, "saturate_cast", [value]):
        value = convert_to_tensor(value, name="value")
        dst = dtypes.as_dtype(dtype)
        if value.dtype.is_floating or value.dtype.is_integer:
            lo, hi = dst.min, dst.max
            src = value.dtype
            if not (src.is_floating and dst.is_integer) and src.min < lo:
                value = maximum(value, constant(lo, dtype=src))
            elif src.is_floating and dst.is_integer:
                value = maximum(value, constant(lo, dtype=src))
            if src.max > hi:
                value = minimum(value, constant(hi, dtype=src))
        return cast(value, dst)


def to_float(x, name="ToFloat") -> Tensor:
    """``tf.to_float`` (deprecated TF1 helper)."""
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble") -> Tensor:
    """``tf.to_double``."""
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32") -> Tensor:
    """``tf.to_int32``."""
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64") -> Tensor:
    """``tf.to_int64``."""
    return cast(x, dtypes.int64, name=name)


# -- operator overloads ---------------------------------------------------------------------------
def _binary_operator(fn, op_name: str):
    def forward(x, y):
        with op_scope(None, op_name, [x, y]) as scope:
            if not isinstance(y, Tensor):
                y = convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
            return fn(x, y, name=scope)

    def reverse(y, x):
        with op_scope(None, op_name, [y, x]) as scope:
            if not isinstance(x, Tensor):
                x = convert_to_tensor(x, dtype=y.dtype.base_dtype, name="x")
            return fn(x, y, name=scope)

    return forward, reverse


def _truediv_operator(x, y, name=None):
    return truediv(x, y, name=name)


def _floordiv_operator(x, y, name=None):
    return floordiv(x, y, name=name)


def _mod_operator(x, y, name=None):
    return floormod(x, y, name=name)


def _and_operator(x, y, name=None):
    return logical_and(x, y, name=name)


def _or_operator(x, y, name=None):
    return logical_or(x, y, name=name)


def _xor_operator(x, y, name=None):
    return logical_xor(x, y, name=name)


def _matmul_operator(x, y, name=None):
    return matmul(x, y, name=name)


def _install_operators() -> None:
    table = [
        ("add", _add_v2, "add"), ("sub", subtract, "sub"), ("mul", multiply, "mul"),
        ("truediv", _truediv_operator, "truediv"), ("floordiv", _floordiv_operator, "floordiv"),
        ("mod", _mod_operator, "mod"), ("pow", pow, "pow"), ("matmul", _matmul_operator, "matmul"),
        ("and", _and_operator, "and"), ("or", _or_operator, "or"), ("xor", _xor_operator, "xor"),
    ]
    for dunder, fn, op_name in table:
        fwd, rev = _binary_operator(fn, op_name)
        setattr(Tensor, f"__{dunder}__", fwd)
        setattr(Tensor, f"__r{dunder}__", rev)
    for dunder, fn in [("lt", less), ("le", less_equal), ("gt", greater), ("ge", greater_equal)]:
        setattr(Tensor, f"__{dunder}__", lambda x, y, _fn=fn: _fn(x, y))
    Tensor.__neg__ = lambda x: negative(x)
    Tensor.__abs__ = lambda x: abs(x)
    Tensor.__invert__ = lambda x: logical_not(x)


_install_operators()
del op_registry


# -- AddN (gradient aggregation and tf.add_n) -----------------------------------------------------
def _infer_add_n(inputs, attrs):
    out = inputs[0].shape
    dt = inputs[0].dtype.base_dtype
    for t in inputs[1:]:
        if t.dtype.base_dtype != dt:
            raise TypeError(f"Tensors in list passed to 'inputs' of 'AddN' Op have types "
                            f"[{', '.join(x.dtype.base_dtype.name for x in inputs)}] that don't all match.")
        if not out.is_compatible_with(t.shape):
            raise InferenceError(f"Shapes must be equal rank, but are {out.ndims} and {t.shape.ndims}"
                                 if out.ndims != t.shape.ndims else
                                 f"Dimensions must be equal, but are {out} and {t.shape}")
        out = out.merge_with(t.shape)
    return [(dt, out)]


def _add_n_kernel(*xs):
    out = np.array(xs[0], copy=True)
    for x in xs[1:]:
        if x.shape != out.shape:
            raise errors.InvalidArgumentError(
                None, None, f"Inputs to operation AddN must have the same size and shape.  Input 0: "
                            f"[{','.join(map(str, out.shape))}] != input : [{','.join(map(str, x.shape))}]")
        out += x
    return out


simple_op("AddN", _infer_add_n, _add_n_kernel, grad=lambda op, grad: [grad] * len(op.inputs))


def add_n(inputs, name=None) -> Tensor:
    """``tf.add_n``: elementwise sum of a list of same-shape tensors."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    ts = [convert_to_tensor(x) for x in inputs]
    if len(ts) == 1:
        if name:
            return _array_ops().identity(ts[0], name=name)
        return ts[0]
    with op_scope(name, "AddN", ts) as scope:
        return create_in_scope("AddN", ts, {"N": len(ts), "T": ts[0].dtype.base_dtype}, scope)._outputs[0]


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None) -> Tensor:
    """``tf.accumulate_n``: the sum of same-shape tensors (one AddN, as TF 2's graph mode builds)."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    ts = [convert_to_tensor(x) for x in inputs]
    if tensor_dtype is not None and any(t.dtype.base_dtype != dtypes.as_dtype(tensor_dtype) for t in ts):
        raise TypeError(f"tensor_dtype is {tensor_dtype}, but input is of type {ts[0].dtype}")
    if shape is not None:
        shape = tensor_shape.as_shape(shape)
        for t in ts:
            if not shape.is_compatible_with(t.shape):
                raise ValueError(f"Shapes {shape} and {t.shape} are incompatible")
    return add_n(ts, name=name)
