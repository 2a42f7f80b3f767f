"""Elementwise kernels: unary ones over a flat 1-D array, binary ones over coalesced broadcast views.

The host (``graphflow.ops.op_util.unary_build`` / ``binary_build``) flattens every unary input to
a C-contiguous 1-D array and reduces every broadcasting pair to the fewest dimensions that
describe it (same shape or scalar operand -> 1-D; ``[n, m] + [m]`` -> 2-D with a runtime size-1
dimension), so each kernel compiles once per dtype (and per coalesced rank, 1 to 3 in practice)
and a new graph never compiles new code.  Numba array expressions broadcast size-1 dimensions at
run time, keep NumPy's result dtypes, and handle size-0 arrays.

Functions with no NumPy ufunc in numba (erf, lgamma, digamma, polygamma...) are explicit
loops over the flat array.  No fastmath: the numbers must match TensorFlow.  Transcendental
functions that NumPy has as SIMD ufuncs (exp, log, tanh, sin...) are not here: numba calls the
scalar libm for them, 5-90x slower than NumPy's loops, so ``math_ops`` uses the ufuncs directly.
"""

from __future__ import annotations

import math

import numpy as np

from graphflow.kernels.jit import kernel

# -- large row-broadcast binaries (a bias add), on a range of rows so the host can thread them ----
# ``a`` and ``b`` are 2-D with the same column count; either may have one row (broadcast).  An
# explicit loop over a contiguous row: numba's broadcasting array expression took 1.4 ns per
# element for [N*H*W, 64] + [1, 64] (the notes' conv bias), this loop runs at memory speed.
ROWS_ADD, ROWS_SUBTRACT, ROWS_MULTIPLY, ROWS_DIVIDE = 0, 1, 2, 3


@kernel
def binary_rows(a, b, out, r0, r1, op):
    """``out[r] = a[r] <op> b[r]`` for ``r0 <= r < r1`` (``op``: one of the ``ROWS_*`` codes; the
    branch is per row, each inner loop is a plain vectorizable loop)."""
    ra = a.shape[0] != 1
    rb = b.shape[0] != 1
    for r in range(r0, r1):
        x = a[r if ra else 0]
        y = b[r if rb else 0]
        o = out[r]
        if op == 0:
            for j in range(o.shape[0]):
                o[j] = x[j] + y[j]
        elif op == 1:
            for j in range(o.shape[0]):
                o[j] = x[j] - y[j]
        elif op == 2:
            for j in range(o.shape[0]):
                o[j] = x[j] * y[j]
        else:
            for j in range(o.shape[0]):
                o[j] = x[j] / y[j]
    return out


# -- binary arithmetic (N-d array expressions, runtime broadcasting) ------------------------------
@kernel
def add(a, b):
    return a + b


@kernel
def subtract(a, b):
    return a - b


@kernel
def multiply(a, b):
    return a * b


@kernel
def real_div(a, b):
    return a / b


@kernel
def truncate_div_int(a, b):
    """C-style integer division (RealDiv/Div on integers): rounds toward zero."""
    q = a // b
    r = a - q * b
    return np.where((r != 0) & ((a < 0) != (b < 0)), q + 1, q)


@kernel
def floor_div_float(a, b):
    """TF's FloorDiv on floats: floor(x / y) (not Python's divmod-based floor division)."""
    return np.floor(a / b)


@kernel
def floor_div_int(a, b):
    """Floor division on integers (the host has already rejected zero divisors)."""
    return a // b


@kernel
def floor_mod_float(a, b):
    """TF's FloorMod on floats: fmod, moved to the divisor's sign."""
    r = np.fmod(a, b)
    return np.where((r != 0) & ((b < 0) != (r < 0)), r + b, r)


@kernel
def floor_mod_int(a, b):
    """Floor modulo on integers (sign of the divisor; zero divisors rejected by the host)."""
    return a % b


@kernel
def maximum(a, b):
    return np.maximum(a, b)


@kernel
def minimum(a, b):
    return np.minimum(a, b)


@kernel
def power(a, b):
    return np.power(a, b)


@kernel
def squared_difference(a, b):
    d = a - b
    return d * d


@kernel
def atan2(a, b):
    return np.arctan2(a, b)


@kernel
def logical_and(a, b):
    return a & b


@kernel
def logical_or(a, b):
    return a | b


# -- comparisons ----------------------------------------------------------------------------------
@kernel
def less(a, b):
    return a < b


@kernel
def less_equal(a, b):
    return a <= b


@kernel
def greater(a, b):
    return a > b


@kernel
def greater_equal(a, b):
    return a >= b


@kernel
def equal(a, b):
    return a == b


@kernel
def not_equal(a, b):
    return a != b


# -- unary (flat 1-D inputs) ----------------------------------------------------------------------
@kernel
def negative(a):
    return -a


@kernel
def absolute(a):
    return np.abs(a)


@kernel
def square(a):
    return a * a


@kernel
def sqrt(a):
    return np.sqrt(a)


@kernel
def rsqrt(a):
    return 1.0 / np.sqrt(a)


@kernel
def sign(a):
    return np.sign(a) + 0  # sign(-0.0) is +0.0 in TF


@kernel
def reciprocal(a):
    return 1.0 / a


@kernel
def negative_abs(a, out):
    """``out = -|a|`` in one pass (flat arrays): the argument of the sigmoid's exp."""
    for i in range(a.size):
        out[i] = -abs(a[i])
    return out


@kernel
def sigmoid_from_exp(a, e, one, out):
    """``1 / (1 + e)`` where ``a >= 0`` and ``e / (1 + e)`` where ``a < 0``, for ``e = exp(-|a|)``
    computed by NumPy's SIMD exp (flat arrays; one select and one division, which LLVM
    vectorizes, unlike ``np.where``'s branchy loop).  ``one`` is 1 in ``e``'s dtype (a literal
    1 would promote float32 to float64)."""
    for i in range(a.size):
        ei = e[i]
        out[i] = (ei if a[i] < 0 else one) / (one + ei)
    return out


@kernel
def sigmoid_grad(y, dy, one, out):
    """TF's SigmoidGrad: ``dy * y * (1 - y)`` evaluated in that order (flat arrays)."""
    for i in range(y.size):
        yi = y[i]
        out[i] = dy[i] * yi * (one - yi)
    return out


@kernel
def tanh_grad(y, dy, one, out):
    """TF's TanhGrad: ``dy * (1 - y * y)`` (flat arrays)."""
    for i in range(y.size):
        yi = y[i]
        out[i] = dy[i] * (one - yi * yi)
    return out


@kernel
def reciprocal_int(a):
    """Integer 1 / x truncated toward zero (the host rejects zeros)."""
    out = np.empty_like(a)
    for i in range(a.size):
        v = a[i]
        out[i] = 1 if v == 1 else (-1 if v == -1 else 0)
    return out


@kernel
def floor(a):
    return np.floor(a)


@kernel
def ceil(a):
    return np.ceil(a)


@kernel
def erf(a):
    out = np.empty_like(a)
    for i in range(a.size):
        out[i] = math.erf(a[i])
    return out


@kernel
def lgamma(a):
    out = np.empty_like(a)
    for i in range(a.size):
        v = a[i]
        if v == np.floor(v) and v <= 0:
            out[i] = np.inf
        else:
            out[i] = math.lgamma(v)
    return out


@kernel
def _digamma_scalar(x):
    if x == np.floor(x) and x <= 0:
        return np.nan
    result = 0.0
    if x < 0:
        # reflection: psi(1 - x) - psi(x) = pi / tan(pi x)
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (
        1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760))))))
    return result + math.log(x) - 0.5 * inv - series


@kernel
def digamma(a):
    out = np.empty_like(a)
    for i in range(a.size):
        out[i] = _digamma_scalar(np.float64(a[i]))
    return out


@kernel
def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for s > 1, q > 0 (Euler-Maclaurin after 12 direct terms)."""
    n = 12
    total = 0.0
    for k in range(n):
        total += (q + k) ** (-s)
    a = q + n
    total += a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** (-s)
    # Bernoulli numbers B2, B4, ..., B16 over (2j)!
    b = (1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510)
    fact = 1.0
    rising = s  # s (s+1) ... (s + 2j - 2)
    power = a ** (-s - 1.0)
    for j in range(1, 9):
        fact *= (2 * j - 1) * (2 * j)
        total += b[j - 1] / fact * rising * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power /= a * a
    return total


@kernel
def polygamma(n, x):
    """psi^(n)(x) for integer n >= 1 (n == 0 is digamma), elementwise over equal-size flat arrays."""
    out = np.empty(x.size, dtype=x.dtype)
    for i in range(x.size):
        k = n[i] if n.size == x.size else n[0]
        v = np.float64(x[i])
        if k == 0:
            out[i] = _digamma_scalar(v)
        elif k < 0 or k != np.floor(k) or (v <= 0 and v == np.floor(v)):
            out[i] = np.nan
        elif v <= 0:
            out[i] = np.nan
        else:
            kk = int(k)
            sgn = 1.0 if kk % 2 == 1 else -1.0
            out[i] = sgn * math.gamma(kk + 1.0) * _hurwitz_zeta(kk + 1.0, v)
    return out


@kernel
def is_nan(a):
    return np.isnan(a)


@kernel
def is_inf(a):
    return np.isinf(a)


@kernel
def is_finite(a):
    return np.isfinite(a)


@kernel
def logical_not(a):
    return ~a
