"""Op-table rows for graphflow/ops/math_ops.py (and the gradient helper ops of grad_util.py).

Each ``build(tf, *inputs)`` is written once against the TF1 API, so the same row runs on graphflow
and on ``tensorflow.compat.v1``.  Shapes avoid repeated dimension sizes so axis mix-ups show.
"""

import math

import numpy as np
from op_cases import OpCase, positive, unit_interval

F = ("float32", "float64")


# -- samplers -------------------------------------------------------------------------------------
def away_from_zero(rng, shape, dtype):
    """|x| in [0.5, 2) with random sign: abs, sign, reciprocal, divisors."""
    return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)


def spaced(rng, shape, dtype, i=0):
    """Distinct values 0.25 apart (input i shifted by 0.1 i): max/min/argmax without near-ties."""
    n = int(np.prod(shape)) if shape else 1
    vals = (rng.permutation(n) - n / 2) * 0.25 + 0.1 * i
    return vals.reshape(shape).astype(dtype)


def halves(rng, shape, dtype):
    """Values on and near .5 boundaries: round half to even."""
    pool = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, 3.2, -3.7, 0.0, 4.5])
    return rng.choice(pool, size=shape).astype(dtype)


def specials(rng, shape, dtype):
    """Finite values mixed with nan and +-inf."""
    pool = np.array([1.0, -2.0, np.nan, np.inf, -np.inf, 0.0, 3.5])
    return rng.choice(pool, size=shape).astype(dtype)


def with_zeros(rng, shape, dtype):
    """Small integers including zeros (count_nonzero, prod with a zero)."""
    return rng.integers(-2, 3, size=shape).astype(dtype)


def nonzero_ints(rng, shape, dtype):
    """Integers in [-7, 7] without 0: integer divisors."""
    v = rng.integers(1, 8, size=shape) * rng.choice([-1, 1], size=shape)
    return v.astype(dtype)


def near_one(rng, shape, dtype):
    """Values in [0.5, 1.5) with random sign: products and cumprod stay moderate."""
    return away_from_zero(rng, shape, dtype) * 0.75


def polygamma_inputs(rng, shape, dtype, i):
    """Input 0: the order (1 or 2, as floats); input 1: positive x."""
    if i == 0:
        return rng.integers(1, 3, size=shape).astype(dtype)
    return rng.uniform(0.5, 2.0, size=shape).astype(dtype)


def bools(rng, shape, dtype):
    return rng.random(shape) < 0.5


def _vec(fn):
    def ref(x):
        return np.vectorize(fn, otypes=[np.float64])(x).astype(x.dtype)

    return ref


# Bernoulli numbers B2, B4, ..., B12 for the asymptotic series of the Hurwitz zeta tail.
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730]


def _polygamma_scalar(n: int, x: float) -> float:
    """psi^(n)(x) for x > 0 without SciPy: exact shift to x+20, then the Euler-Maclaurin tail."""
    shift = 20
    if n == 0:
        total = -sum(1.0 / (x + k) for k in range(shift))
        y = x + shift
        tail = math.log(y) - 1 / (2 * y)
        for j, b in enumerate(_BERNOULLI, start=1):
            tail -= b / (2 * j * y ** (2 * j))
        return total + tail
    s = n + 1  # psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x)
    total = sum(1.0 / (x + k) ** s for k in range(shift))
    y = x + shift
    tail = y ** (1 - s) / (s - 1) + 0.5 * y ** (-s)
    rising = s  # (s)_(2j-1)
    for j, b in enumerate(_BERNOULLI, start=1):
        tail += b / math.factorial(2 * j) * rising * y ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return (-1) ** (n + 1) * math.factorial(n) * (total + tail)


def _digamma_ref(x):
    return np.vectorize(lambda v: _polygamma_scalar(0, float(v)))(x).astype(x.dtype)


def _polygamma_ref(a, x):
    return np.vectorize(lambda n, v: _polygamma_scalar(int(n), float(v)))(a, x).astype(x.dtype)


def _l2_normalize(tf):
    nn = getattr(tf, "nn", None)
    if nn is not None and hasattr(nn, "l2_normalize"):
        return nn.l2_normalize
    from graphflow.ops import math_ops

    return math_ops.l2_normalize


def _sigmoid(x):
    return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def _round_half_even(x):
    return np.round(x)


def _tf_floordiv(x, y):
    return np.floor(x / y)


def _tf_floormod(x, y):
    r = np.fmod(x, y)
    return np.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


def _trunc_div(x, y):
    q = np.abs(x) // np.abs(y)
    return (np.sign(x) * np.sign(y) * q).astype(x.dtype)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def _cumsum(x, axis, exclusive=False, reverse=False):
    if reverse:
        x = np.flip(x, axis)
    c = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        c = c - x
    return np.flip(c, axis) if reverse else c


def _cumprod(x, axis, exclusive=False, reverse=False):
    if reverse:
        x = np.flip(x, axis)
    c = np.cumprod(x, axis=axis, dtype=x.dtype)
    if exclusive:
        ones = np.ones_like(np.take(x, [0], axis=axis))
        c = np.concatenate([ones, np.take(c, range(x.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(c, axis) if reverse else c


def _bcast_args(s0, s1):
    n = max(len(s0), len(s1))
    a = (1,) * (n - len(s0)) + tuple(s0)
    b = (1,) * (n - len(s1)) + tuple(s1)
    r0 = [i for i in range(n) if a[i] == 1 and b[i] >= 1]
    return np.array(r0, dtype=np.int32)


def _unary(name, op_type, fn, ref, sample=None, grad=True, dtypes=F, **kw):
    return OpCase(name, (op_type,), lambda tf, x: getattr(tf, fn)(x), ref, [(2, 3)], dtypes=dtypes,
                  sample=sample, grad=grad, **kw)


CASES = [
    # -- unary math -------------------------------------------------------------------------------
    _unary("exp", "Exp", "exp", np.exp),
    OpCase("exp_scalar", ("Exp",), lambda tf, x: tf.exp(x), np.exp, [()]),
    _unary("expm1", "Expm1", "expm1", np.expm1),
    _unary("log", "Log", "log", np.log, sample=positive),
    _unary("log1p", "Log1p", "log1p", np.log1p, sample=positive),
    _unary("sqrt", "Sqrt", "sqrt", np.sqrt, sample=positive),
    _unary("rsqrt", "Rsqrt", "rsqrt", lambda x: 1 / np.sqrt(x), sample=positive),
    _unary("square", "Square", "square", np.square),
    _unary("square_int", "Square", "square", np.square, grad=False, dtypes=("int32", "int64")),
    _unary("abs", "Abs", "abs", np.abs, sample=away_from_zero),
    _unary("abs_int", "Abs", "abs", np.abs, grad=False, dtypes=("int32", "int64")),
    _unary("sign", "Sign", "sign", np.sign, sample=away_from_zero),
    _unary("sign_int", "Sign", "sign", np.sign, grad=False, dtypes=("int32",), sample=with_zeros),
    _unary("negative", "Neg", "negative", np.negative),
    OpCase("neg_operator", ("Neg",), lambda tf, x: -x, np.negative, [(2, 3)], dtypes=F + ("int32",),
           grad=True),
    _unary("reciprocal", "Reciprocal", "reciprocal", lambda x: 1 / x, sample=away_from_zero),
    _unary("floor", "Floor", "floor", np.floor, grad=False),
    _unary("ceil", "Ceil", "ceil", np.ceil, grad=False),
    _unary("round", "Round", "round", _round_half_even, sample=halves, grad=False),
    _unary("sin", "Sin", "sin", np.sin),
    _unary("cos", "Cos", "cos", np.cos),
    _unary("tan", "Tan", "tan", np.tan, sample=unit_interval),
    _unary("asin", "Asin", "asin", np.arcsin, sample=unit_interval),
    _unary("acos", "Acos", "acos", np.arccos, sample=unit_interval),
    _unary("atan", "Atan", "atan", np.arctan),
    _unary("sinh", "Sinh", "sinh", np.sinh),
    _unary("cosh", "Cosh", "cosh", np.cosh),
    _unary("tanh", "Tanh", "tanh", np.tanh),
    OpCase("tanh_large", ("Tanh",), lambda tf, x: tf.tanh(x * 100.0), lambda x: np.tanh(x * 100.0), [(2, 3)],
           grad=False),
    _unary("sigmoid", "Sigmoid", "sigmoid", _sigmoid),
    OpCase("sigmoid_large", ("Sigmoid",), lambda tf, x: tf.sigmoid(x * 200.0), lambda x: _sigmoid(x * 200.0),
           [(2, 3)], grad=False),
    # SigmoidGrad / TanhGrad through tf.gradients with a fed grad_ys (TF1's gradients of the two
    # activations); the gradient check w.r.t. x goes through their own gradients (second order)
    OpCase("sigmoid_grad", ("SigmoidGrad",), lambda tf, x, g: tf.gradients(tf.sigmoid(x), x, grad_ys=g)[0],
           lambda x, g: g * _sigmoid(x) * (1 - _sigmoid(x)), [(3, 4), (3, 4)], grad_inputs=(0, 1)),
    OpCase("tanh_grad", ("TanhGrad",), lambda tf, x, g: tf.gradients(tf.tanh(x), x, grad_ys=g)[0],
           lambda x, g: g * (1 - np.tanh(x) ** 2), [(3, 4), (3, 4)], grad_inputs=(0, 1)),
    _unary("erf", "Erf", "erf", _vec(math.erf)),
    _unary("lgamma", "Lgamma", "lgamma", _vec(math.lgamma), sample=positive),
    _unary("digamma", "Digamma", "digamma", _digamma_ref, sample=positive),
    OpCase("polygamma", ("Polygamma",), lambda tf, a, x: tf.polygamma(a, x), _polygamma_ref,
           [(2, 3), (2, 3)], sample=polygamma_inputs, grad_inputs=(1,), rtol=1e-5),
    _unary("is_nan", "IsNan", "is_nan", np.isnan, sample=specials, grad=False),
    _unary("is_inf", "IsInf", "is_inf", np.isinf, sample=specials, grad=False),
    _unary("is_finite", "IsFinite", "is_finite", np.isfinite, sample=specials, grad=False),
    OpCase("logical_not", ("LogicalNot",), lambda tf, x: tf.logical_not(x), np.logical_not, [(2, 3)],
           dtypes=("bool",), grad=False),
    OpCase("invert_operator", ("LogicalNot",), lambda tf, x: ~x, np.logical_not, [(3,)], dtypes=("bool",),
           grad=False),
    # -- binary arithmetic with broadcasting ------------------------------------------------------
    OpCase("add", ("Add",), lambda tf, x, y: tf.add(x, y), np.add, [(2, 3), (3,)]),
    OpCase("add_operator", ("AddV2",), lambda tf, x, y: x + y, np.add, [(4, 1, 3), (2, 3)]),
    OpCase("add_scalar", ("AddV2",), lambda tf, x, y: x + y, np.add, [(), (2, 3)]),
    OpCase("add_int", ("Add",), lambda tf, x, y: tf.add(x, y), np.add, [(2, 3), (2, 1)],
           dtypes=("int32", "int64"), grad=False),
    OpCase("subtract", ("Sub",), lambda tf, x, y: tf.subtract(x, y), np.subtract, [(2, 1), (3,)]),
    OpCase("sub_operator_literal", ("Sub",), lambda tf, x: 2.0 - x, lambda x: 2.0 - x, [(2, 3)]),
    OpCase("multiply", ("Mul",), lambda tf, x, y: tf.multiply(x, y), np.multiply, [(4, 2, 3), (2, 1)]),
    OpCase("multiply_int", ("Mul",), lambda tf, x, y: x * y, np.multiply, [(2, 3), (3,)],
           dtypes=("int32",), grad=False),
    OpCase("realdiv", ("RealDiv",), lambda tf, x, y: tf.realdiv(x, y), np.divide, [(2, 3), (3,)],
           sample=away_from_zero),
    OpCase("truediv_operator", ("RealDiv",), lambda tf, x, y: x / y, np.divide, [(), (2, 3)],
           sample=away_from_zero),
    OpCase("truediv_int", ("RealDiv", "Cast"), lambda tf, x, y: tf.truediv(x, y),
           lambda x, y: x.astype(np.float64) / y, [(2, 3), (3,)], dtypes=("int32", "int64"),
           sample=nonzero_ints, grad=False),
    OpCase("divide", ("RealDiv",), lambda tf, x, y: tf.divide(x, y), np.divide, [(2, 3), (2, 1)],
           sample=away_from_zero),
    OpCase("realdiv_int", ("RealDiv",), lambda tf, x, y: tf.realdiv(x, y), _trunc_div, [(2, 3), (3,)],
           dtypes=("int32",), sample=nonzero_ints, grad=False, tf=False),  # no int RealDiv kernel in TF
    OpCase("truncatediv_int", ("TruncateDiv",), lambda tf, x, y: tf.truncatediv(x, y), _trunc_div,
           [(2, 3), (3,)], dtypes=("int32", "int64"), sample=nonzero_ints, grad=False),
    OpCase("floordiv", ("FloorDiv",), lambda tf, x, y: tf.floordiv(x, y), _tf_floordiv, [(2, 3), (3,)],
           sample=away_from_zero, grad=False),
    OpCase("floordiv_operator_int", ("FloorDiv",), lambda tf, x, y: x // y, np.floor_divide, [(2, 3), (3,)],
           dtypes=("int32", "int64"), sample=nonzero_ints, grad=False),
    OpCase("div_int", ("FloorDiv",), lambda tf, x, y: tf.div(x, y), np.floor_divide, [(2, 3), (2, 1)],
           dtypes=("int32",), sample=nonzero_ints, grad=False),
    OpCase("div_float", ("RealDiv",), lambda tf, x, y: tf.div(x, y), np.divide, [(2, 3), (2, 1)],
           sample=away_from_zero),
    OpCase("floormod", ("FloorMod",), lambda tf, x, y: tf.floormod(x, y), _tf_floormod, [(2, 3), (3,)],
           sample=away_from_zero),
    OpCase("mod_operator_int", ("FloorMod",), lambda tf, x, y: x % y, np.remainder, [(2, 3), (3,)],
           dtypes=("int32", "int64"), sample=nonzero_ints, grad=False),
    OpCase("mod", ("FloorMod",), lambda tf, x, y: tf.mod(x, y), _tf_floormod, [(3,), ()],
           sample=away_from_zero),
    OpCase("pow", ("Pow",), lambda tf, x, y: tf.pow(x, y), np.power, [(2, 3), (3,)],
           sample=lambda rng, shape, dtype, i: positive(rng, shape, dtype) if i == 0 else
           rng.standard_normal(shape).astype(dtype)),
    OpCase("pow_operator_int", ("Pow",), lambda tf, x, y: x ** y, np.power, [(2, 3), (3,)], dtypes=("int32",),
           sample=lambda rng, shape, dtype, i: rng.integers(-3, 4, size=shape) if i == 0 else
           rng.integers(0, 4, size=shape), grad=False),
    OpCase("maximum", ("Maximum",), lambda tf, x, y: tf.maximum(x, y), np.maximum, [(2, 3), (3,)],
           sample=spaced),
    OpCase("minimum", ("Minimum",), lambda tf, x, y: tf.minimum(x, y), np.minimum, [(2, 1), (3,)],
           sample=spaced),
    OpCase("maximum_int", ("Maximum",), lambda tf, x, y: tf.maximum(x, y), np.maximum, [(2, 3), ()],
           dtypes=("int32", "int64"), grad=False),
    OpCase("squared_difference", ("SquaredDifference",), lambda tf, x, y: tf.squared_difference(x, y),
           lambda x, y: (x - y) ** 2, [(2, 3), (3,)]),
    OpCase("atan2", ("Atan2",), lambda tf, y, x: tf.atan2(y, x), np.arctan2, [(2, 3), (3,)],
           sample=away_from_zero),
    OpCase("scalar_mul", ("Mul",), lambda tf, x: tf.scalar_mul(3.0, x), lambda x: 3.0 * x, [(2, 3)]),
    # -- comparisons and logic --------------------------------------------------------------------
    OpCase("less", ("Less",), lambda tf, x, y: tf.less(x, y), np.less, [(2, 3), (3,)], sample=spaced,
           grad=False),
    OpCase("less_equal", ("LessEqual",), lambda tf, x, y: x <= y, np.less_equal, [(2, 3), ()],
           dtypes=F + ("int32",), grad=False),
    OpCase("greater", ("Greater",), lambda tf, x, y: x > y, np.greater, [(2, 1), (3,)], grad=False),
    OpCase("greater_equal", ("GreaterEqual",), lambda tf, x, y: tf.greater_equal(x, y), np.greater_equal,
           [(2, 3), (3,)], dtypes=F + ("int64",), grad=False),
    OpCase("equal", ("Equal",), lambda tf, x, y: tf.equal(x, y), np.equal, [(2, 3), (3,)],
           dtypes=("float32", "int32", "bool"), sample=with_zeros, grad=False),
    OpCase("not_equal", ("NotEqual",), lambda tf, x, y: tf.not_equal(x, y), np.not_equal, [(2, 3), ()],
           dtypes=("float64", "int32"), sample=with_zeros, grad=False),
    OpCase("logical_and", ("LogicalAnd",), lambda tf, x, y: tf.logical_and(x, y), np.logical_and,
           [(2, 3), (3,)], dtypes=("bool",), grad=False),
    OpCase("logical_or", ("LogicalOr",), lambda tf, x, y: x | y, np.logical_or, [(2, 1), (3,)],
           dtypes=("bool",), grad=False),
    OpCase("logical_xor", ("LogicalAnd", "LogicalOr", "LogicalNot"), lambda tf, x, y: tf.logical_xor(x, y),
           np.logical_xor, [(2, 3), (3,)], dtypes=("bool",), grad=False),
    OpCase("and_operator", ("LogicalAnd",), lambda tf, x, y: x & y, np.logical_and, [(), (3,)],
           dtypes=("bool",), grad=False),
    OpCase("clip_by_value", ("Minimum", "Maximum"), lambda tf, x: tf.clip_by_value(x, -0.5, 0.7),
           lambda x: np.clip(x, -0.5, 0.7), [(2, 3)], sample=lambda rng, s, d: spaced(rng, s, d, 1)),
    OpCase("clip_by_value_tensor_bounds", ("Minimum", "Maximum"),
           lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
           lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           [(2, 3), (), ()], sample=lambda rng, s, d, i: spaced(rng, s, d, 1) if i == 0 else
           np.full(s, -0.45 if i == 1 else 0.65, d)),
    OpCase("add_n", ("AddN",), lambda tf, x, y, z: tf.add_n([x, y, z]), lambda x, y, z: x + y + z,
           [(2, 3), (2, 3), (2, 3)]),
    OpCase("add_n_int", ("AddN",), lambda tf, x, y: tf.add_n([x, y]), np.add, [(3,), (3,)],
           dtypes=("int32",), grad=False),
    OpCase("accumulate_n", ("AddN",), lambda tf, x, y: tf.accumulate_n([x, y]), np.add, [(2, 3), (2, 3)]),
    # -- reductions -------------------------------------------------------------------------------
    OpCase("reduce_sum_all", ("Sum",), lambda tf, x: tf.reduce_sum(x), np.sum, [(2, 3, 4)]),
    OpCase("reduce_sum_axis0", ("Sum",), lambda tf, x: tf.reduce_sum(x, 0), lambda x: np.sum(x, 0), [(3, 4)]),
    OpCase("reduce_sum_middle", ("Sum",), lambda tf, x: tf.reduce_sum(x, axis=1),
           lambda x: np.sum(x, 1), [(2, 3, 4)]),
    OpCase("reduce_sum_outer_keepdims", ("Sum",), lambda tf, x: tf.reduce_sum(x, [0, 2], keepdims=True),
           lambda x: np.sum(x, (0, 2), keepdims=True), [(2, 3, 4)]),
    OpCase("reduce_sum_negative_keep_dims", ("Sum",), lambda tf, x: tf.reduce_sum(x, -1, keep_dims=True),
           lambda x: np.sum(x, -1, keepdims=True), [(2, 3, 4)]),
    OpCase("reduce_sum_reduction_indices", ("Sum",), lambda tf, x: tf.reduce_sum(x, reduction_indices=[1, 0]),
           lambda x: np.sum(x, (0, 1)), [(2, 3, 4)]),
    OpCase("reduce_sum_scalar", ("Sum",), lambda tf, x: tf.reduce_sum(x), np.sum, [()]),
    OpCase("reduce_sum_int", ("Sum",), lambda tf, x: tf.reduce_sum(x, 1),
           lambda x: np.sum(x, 1, dtype=x.dtype), [(2, 3, 4)], dtypes=("int32", "int64"), grad=False),
    OpCase("reduce_mean", ("Mean",), lambda tf, x: tf.reduce_mean(x), np.mean, [(2, 3, 4)]),
    OpCase("reduce_mean_axes", ("Mean",), lambda tf, x: tf.reduce_mean(x, [0, 2]),
           lambda x: np.mean(x, (0, 2)), [(2, 3, 4)]),
    OpCase("reduce_mean_int", ("Mean",), lambda tf, x: tf.reduce_mean(x, 1),
           lambda x: np.trunc(np.sum(x, 1) / x.shape[1]).astype(x.dtype), [(2, 3)], dtypes=("int32", "int64"),
           grad=False),
    OpCase("reduce_max", ("Max",), lambda tf, x: tf.reduce_max(x, 1), lambda x: np.max(x, 1), [(2, 3, 4)],
           sample=spaced),
    OpCase("reduce_max_all", ("Max",), lambda tf, x: tf.reduce_max(x), np.max, [(2, 3)], sample=spaced),
    OpCase("reduce_max_int", ("Max",), lambda tf, x: tf.reduce_max(x, [0, 2], keepdims=True),
           lambda x: np.max(x, (0, 2), keepdims=True), [(2, 3, 4)], dtypes=("int32",), grad=False),
    OpCase("reduce_min", ("Min",), lambda tf, x: tf.reduce_min(x, [0, 2], keepdims=True),
           lambda x: np.min(x, (0, 2), keepdims=True), [(2, 3, 4)], sample=spaced),
    OpCase("reduce_min_all", ("Min",), lambda tf, x: tf.reduce_min(x), np.min, [(3, 2)], sample=spaced),
    OpCase("reduce_prod", ("Prod", "Cumprod"), lambda tf, x: tf.reduce_prod(x, 1), lambda x: np.prod(x, 1),
           [(2, 3, 4)], sample=near_one),
    OpCase("reduce_prod_with_zero", ("Prod",), lambda tf, x: tf.reduce_prod(x, [0, 2]),
           lambda x: np.prod(x, (0, 2)), [(2, 3, 4)], sample=with_zeros),
    OpCase("reduce_prod_all", ("Prod",), lambda tf, x: tf.reduce_prod(x), np.prod, [(2, 3)], sample=near_one),
    OpCase("reduce_prod_int", ("Prod",), lambda tf, x: tf.reduce_prod(x, 0),
           lambda x: np.prod(x, 0, dtype=x.dtype), [(2, 3)], dtypes=("int32",), grad=False),
    OpCase("reduce_any", ("Any",), lambda tf, x: tf.reduce_any(x, 1), lambda x: np.any(x, 1), [(2, 3, 4)],
           dtypes=("bool",), grad=False),
    OpCase("reduce_all", ("All",), lambda tf, x: tf.reduce_all(x, [0, 2], keepdims=True),
           lambda x: np.all(x, (0, 2), keepdims=True), [(2, 3, 4)], dtypes=("bool",), grad=False),
    OpCase("reduce_all_scalar", ("All",), lambda tf, x: tf.reduce_all(x), np.all, [(2, 3)],
           dtypes=("bool",), grad=False),
    OpCase("reduce_logsumexp", ("Max", "IsFinite", "Exp", "Sum", "Log", "AddV2"),
           lambda tf, x: tf.reduce_logsumexp(x, 1), lambda x: _logsumexp(x, 1), [(2, 3, 4)]),
    OpCase("reduce_logsumexp_all_keepdims", ("Max", "Sum"),
           lambda tf, x: tf.reduce_logsumexp(x, keepdims=True),
           lambda x: _logsumexp(x, None, True), [(2, 3)]),
    OpCase("count_nonzero", ("NotEqual", "Cast", "Sum"), lambda tf, x: tf.count_nonzero(x, 1),
           lambda x: np.count_nonzero(x, 1).astype(np.int64), [(2, 3, 4)], sample=with_zeros, grad=False),
    OpCase("count_nonzero_int_all", ("NotEqual", "Sum"), lambda tf, x: tf.count_nonzero(x),
           lambda x: np.int64(np.count_nonzero(x)), [(2, 3)], dtypes=("int32",), sample=with_zeros,
           grad=False),
    OpCase("argmax", ("ArgMax",), lambda tf, x: tf.argmax(x, 1), lambda x: np.argmax(x, 1), [(2, 3, 4)],
           dtypes=F + ("int32",), sample=spaced, grad=False),
    OpCase("argmax_default_axis", ("ArgMax",), lambda tf, x: tf.argmax(x), lambda x: np.argmax(x, 0),
           [(3, 2)], sample=spaced, grad=False),
    OpCase("argmin_int32_output", ("ArgMin",), lambda tf, x: tf.argmin(x, -1, output_type=tf.int32),
           lambda x: np.argmin(x, -1).astype(np.int32), [(2, 3, 4)], sample=spaced, grad=False),
    OpCase("argmin_dimension_kwarg", ("ArgMin",), lambda tf, x: tf.argmin(x, dimension=0),
           lambda x: np.argmin(x, 0), [(3,)], sample=spaced, grad=False),
    # -- scans ------------------------------------------------------------------------------------
    OpCase("cumsum", ("Cumsum",), lambda tf, x: tf.cumsum(x), lambda x: _cumsum(x, 0), [(3, 4)]),
    OpCase("cumsum_exclusive_reverse", ("Cumsum",),
           lambda tf, x: tf.cumsum(x, axis=1, exclusive=True, reverse=True),
           lambda x: _cumsum(x, 1, True, True), [(2, 3, 4)]),
    OpCase("cumsum_negative_axis", ("Cumsum",), lambda tf, x: tf.cumsum(x, -1, reverse=True),
           lambda x: _cumsum(x, -1, False, True), [(2, 3)]),
    OpCase("cumsum_int", ("Cumsum",), lambda tf, x: tf.cumsum(x, 1, exclusive=True),
           lambda x: _cumsum(x, 1, True), [(2, 3)], dtypes=("int32", "int64"), grad=False),
    OpCase("cumprod", ("Cumprod",), lambda tf, x: tf.cumprod(x, 1), lambda x: _cumprod(x, 1), [(2, 3, 4)],
           sample=near_one),
    OpCase("cumprod_exclusive", ("Cumprod",), lambda tf, x: tf.cumprod(x, 0, exclusive=True),
           lambda x: _cumprod(x, 0, True), [(3, 4)], sample=near_one),
    OpCase("cumprod_reverse_exclusive", ("Cumprod",),
           lambda tf, x: tf.cumprod(x, 1, exclusive=True, reverse=True),
           lambda x: _cumprod(x, 1, True, True), [(2, 3)], sample=near_one),
    # -- norms ------------------------------------------------------------------------------------
    OpCase("norm_euclidean", ("Mul", "Sum", "Sqrt"), lambda tf, x: tf.norm(x),
           lambda x: np.sqrt(np.sum(x * x)), [(2, 3)]),
    OpCase("norm_axis", ("Sum", "Sqrt"), lambda tf, x: tf.norm(x, axis=1, keepdims=True),
           lambda x: np.sqrt(np.sum(x * x, 1, keepdims=True)), [(2, 3, 4)]),
    OpCase("norm_ord1", ("Abs", "Sum"), lambda tf, x: tf.norm(x, ord=1, axis=-1),
           lambda x: np.sum(np.abs(x), -1), [(2, 3)], sample=away_from_zero),
    OpCase("norm_ord_inf", ("Abs", "Max"), lambda tf, x: tf.norm(x, ord=np.inf, axis=0),
           lambda x: np.max(np.abs(x), 0), [(2, 3)], sample=spaced),
    OpCase("norm_ord3", ("Pow", "Sum"), lambda tf, x: tf.norm(x, ord=3, axis=1),
           lambda x: np.sum(np.abs(x) ** 3, 1) ** (1 / 3), [(2, 3)], sample=away_from_zero),
    OpCase("norm_fro_matrix", ("Sum", "Sqrt"), lambda tf, x: tf.norm(x, ord="fro", axis=[1, 2]),
           lambda x: np.sqrt(np.sum(x * x, (1, 2))), [(2, 3, 4)]),
    OpCase("norm_matrix_ord1", ("Abs", "Sum", "Max"), lambda tf, x: tf.norm(x, ord=1, axis=(0, 1)),
           lambda x: np.max(np.sum(np.abs(x), 0), 0), [(3, 4)], sample=away_from_zero, grad=False),
    OpCase("norm_matrix_inf_keepdims", ("Abs", "Sum", "Max"),
           lambda tf, x: tf.norm(x, ord=np.inf, axis=[1, 2], keepdims=True),
           lambda x: np.max(np.sum(np.abs(x), 2, keepdims=True), 1, keepdims=True), [(2, 3, 4)],
           sample=away_from_zero, grad=False),
    OpCase("l2_normalize", ("Square", "Sum", "Maximum", "Rsqrt", "Mul"),
           lambda tf, x: _l2_normalize(tf)(x, 1),
           lambda x: x / np.sqrt(np.maximum(np.sum(x * x, 1, keepdims=True), 1e-12)), [(2, 3)]),
    OpCase("l2_normalize_dim_kwarg", ("Rsqrt",), lambda tf, x: _l2_normalize(tf)(x, dim=0, epsilon=1e-6),
           lambda x: x / np.sqrt(np.maximum(np.sum(x * x, 0, keepdims=True), 1e-6)), [(3, 2)]),
    # -- contractions -----------------------------------------------------------------------------
    OpCase("matmul", ("MatMul",), lambda tf, a, b: tf.matmul(a, b), np.matmul, [(2, 3), (3, 4)]),
    OpCase("matmul_transpose_a", ("MatMul",), lambda tf, a, b: tf.matmul(a, b, transpose_a=True),
           lambda a, b: a.T @ b, [(3, 2), (3, 4)]),
    OpCase("matmul_transpose_b", ("MatMul",), lambda tf, a, b: tf.matmul(a, b, transpose_b=True),
           lambda a, b: a @ b.T, [(2, 3), (4, 3)]),
    OpCase("matmul_transpose_both", ("MatMul",), lambda tf, a, b: tf.matmul(a, b, True, True),
           lambda a, b: a.T @ b.T, [(3, 2), (4, 3)]),
    OpCase("matmul_operator_int", ("MatMul",), lambda tf, a, b: a @ b, np.matmul, [(2, 3), (3, 4)],
           dtypes=("int32",), grad=False),
    OpCase("batch_matmul", ("BatchMatMulV2",), lambda tf, a, b: tf.matmul(a, b), np.matmul,
           [(2, 3, 4), (4, 5)]),
    OpCase("batch_matmul_broadcast_adjoint", ("BatchMatMulV2",),
           lambda tf, a, b: tf.matmul(a, b, adjoint_a=True, transpose_b=True),
           lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2), [(2, 1, 4, 3), (5, 2, 4)]),
    OpCase("tensordot_int_axes", ("Einsum",), lambda tf, a, b: tf.tensordot(a, b, 1),
           lambda a, b: np.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    OpCase("tensordot_axis_lists", ("Einsum",), lambda tf, a, b: tf.tensordot(a, b, [[0, 2], [2, 0]]),
           lambda a, b: np.tensordot(a, b, [[0, 2], [2, 0]]), [(2, 3, 4), (4, 5, 2)]),
    OpCase("tensordot_outer", ("Einsum",), lambda tf, a, b: tf.tensordot(a, b, 0),
           lambda a, b: np.tensordot(a, b, 0), [(2,), (3,)]),
    OpCase("einsum_matmul", ("Einsum",), lambda tf, a, b: tf.einsum("ij,jk->ik", a, b),
           lambda a, b: np.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    OpCase("einsum_implicit_output", ("Einsum",), lambda tf, a, b: tf.einsum("ij,kj", a, b),
           lambda a, b: np.einsum("ij,kj", a, b), [(2, 3), (4, 3)]),
    OpCase("einsum_batch", ("Einsum",), lambda tf, a, b: tf.einsum("bij,bjk->bik", a, b),
           lambda a, b: np.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)]),
    OpCase("einsum_outer", ("Einsum",), lambda tf, a, b: tf.einsum("i,j->ij", a, b), np.outer, [(2,), (3,)]),
    OpCase("einsum_matvec", ("Einsum",), lambda tf, a, b: tf.einsum("ij,j->i", a, b),
           lambda a, b: a @ b, [(2, 3), (3,)]),
    OpCase("einsum_dot_sum_out", ("Einsum",), lambda tf, a, b: tf.einsum("ij,ij->", a, b),
           lambda a, b: np.sum(a * b), [(2, 3), (2, 3)]),
    OpCase("einsum_summed_operand_axis", ("Einsum",), lambda tf, a, b: tf.einsum("ij,k->ik", a, b),
           lambda a, b: np.einsum("ij,k->ik", a, b), [(2, 3), (4,)]),
    OpCase("einsum_transpose", ("Einsum",), lambda tf, a: tf.einsum("ij->ji", a), lambda a: a.T, [(2, 3)]),
    OpCase("einsum_reduce", ("Einsum",), lambda tf, a: tf.einsum("ijk->ik", a), lambda a: np.sum(a, 1),
           [(2, 3, 4)]),
    # -- cast -------------------------------------------------------------------------------------
    OpCase("cast_to_int32", ("Cast",), lambda tf, x: tf.cast(x * 3.0, tf.int32),
           lambda x: np.trunc(x * 3.0).astype(np.int32), [(2, 3)], grad=False),
    OpCase("cast_roundtrip_float", ("Cast",), lambda tf, x: tf.cast(tf.cast(x, tf.float32), tf.float64),
           lambda x: x.astype(np.float32).astype(np.float64), [(2, 3)], grad_tol=1e-3),
    OpCase("cast_float16", ("Cast",), lambda tf, x: tf.cast(tf.cast(x, tf.float16), tf.float32),
           lambda x: x.astype(np.float16).astype(np.float32), [(2, 3)], grad=False),
    OpCase("cast_int_to_float", ("Cast",), lambda tf, x: tf.to_float(x), lambda x: x.astype(np.float32),
           [(2, 3)], dtypes=("int32", "int64"), grad=False),
    OpCase("cast_bool", ("Cast",), lambda tf, x: tf.cast(x, tf.float32), lambda x: x.astype(np.float32),
           [(3,)], dtypes=("bool",), grad=False),
    # -- gradient helper ops (graphflow-internal; no TF public function) ------------------------
    OpCase("broadcast_to", ("BroadcastTo",), lambda tf, x: tf.broadcast_to(x, [4, 2, 3]),
           lambda x: np.broadcast_to(x, (4, 2, 3)), [(2, 1)]),
    OpCase("broadcast_gradient_args", ("BroadcastGradientArgs", "Shape"),
           lambda tf, x, y: __import__("graphflow.ops.grad_util", fromlist=["x"]).broadcast_gradient_args(
               tf.shape(x), tf.shape(y))[0],
           lambda x, y: _bcast_args(x.shape, np.broadcast(x, y).shape), [(2, 1), (4, 2, 3)],
           dtypes=("float64",), grad=False, tf=False, static_shape=False),
    OpCase("reduced_shape", ("ReducedShape",),
           lambda tf, x: __import__("graphflow.ops.op_util", fromlist=["x"]).apply_op(
               "ReducedShape", [tf.shape(x), tf.constant([0, -1])]).outputs[0],
           lambda x: np.array([1, x.shape[1], 1], np.int32), [(2, 3, 4)], dtypes=("float64",), grad=False,
           tf=False),
    OpCase("prod_others", ("ProdOthers",),
           lambda tf, x: __import__("graphflow.ops.op_util", fromlist=["x"]).apply_op(
               "ProdOthers", [x, tf.constant([1])]).outputs[0],
           lambda x: np.stack([np.prod(np.delete(x, j, 1), 1) for j in range(x.shape[1])], 1), [(2, 3, 4)],
           dtypes=("float64",), sample=with_zeros, grad=False, tf=False),
]

# Every row of this family is selectable with ``pytest -k math``.
for _case in CASES:
    _case.name = "math_" + _case.name
