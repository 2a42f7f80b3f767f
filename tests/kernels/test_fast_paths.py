"""The small-input NumPy fast paths give bit-identical results to the numba kernels."""

from __future__ import annotations

import numpy as np
import pytest

import graphflow as tf
from graphflow.kernels import elementwise as ek
from graphflow.ops import op_util

SHAPE_PAIRS = [((), ()), ((7,), ()), ((), (5,)), ((20, 1), (1, 1)), ((20, 1), (20, 1)), ((3, 4), (4,)),
               ((6, 1), (1, 5)), ((2, 3, 4), (3, 1)), ((64,), (64,)), ((90, 90), ())]
BINARY = [(ek.add, np.add, "fi"), (ek.subtract, np.subtract, "fi"), (ek.multiply, np.multiply, "fi"),
          (ek.real_div, np.true_divide, "f"), (ek.less, np.less, "fi"), (ek.less_equal, np.less_equal, "fi"),
          (ek.greater, np.greater, "fi"), (ek.greater_equal, np.greater_equal, "fi"),
          (ek.equal, np.equal, "fi"), (ek.not_equal, np.not_equal, "fi")]


def _random(rng, shape, dt):
    if np.dtype(dt).kind == "f":
        x = (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, size=shape)).astype(dt)
        flat = x.reshape(-1)
        if flat.size > 4:  # specials: zeros of both signs, infinities, NaN, repeated values
            flat[:5] = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dt)[rng.permutation(5)]
        return x
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


def _bits(x: np.ndarray) -> bytes:
    x = np.asarray(x)
    return x.dtype.str.encode() + str(x.shape).encode() + np.ascontiguousarray(x).tobytes()


class _FakeDType:
    def __init__(self, dt):
        self.as_numpy_dtype = np.dtype(dt).type
        self.base_dtype = self


class _FakeTensor:
    def __init__(self, dt):
        self.dtype = _FakeDType(dt)


class _FakeOp:
    def __init__(self, in_dt, out_dt, arity=2):
        self._inputs = [_FakeTensor(in_dt)] * arity
        self._outputs = [_FakeTensor(out_dt)]


@pytest.mark.parametrize("kernel,ufunc,kinds", BINARY, ids=[b[0].__name__ for b in BINARY])
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32, np.int64])
def test_binary_fast_path_bit_identical(kernel, ufunc, kinds, dt):
    if np.dtype(dt).kind not in kinds or (kernel is ek.real_div and np.dtype(dt).kind != "f"):
        pytest.skip("no fast path for this dtype")
    out_dt = np.bool_ if ufunc in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                                   np.not_equal) else dt
    op = _FakeOp(dt, out_dt)
    slow = op_util.binary_build(kernel)(op)
    fast = op_util.binary_build(kernel, ufunc=ufunc)(op)
    rng = np.random.default_rng(0)
    for sa, sb in SHAPE_PAIRS:
        for _ in range(3):
            a, b = _random(rng, sa, dt), _random(rng, sb, dt)
            if rng.random() < 0.3:
                b = a.copy() if sa == sb else b  # equal operands (comparisons' equal case)
            with np.errstate(all="ignore"):
                expected = slow(a, b)
                fast(a, b)  # first call caches the layout (numba path)
                got = fast(a, b)
            assert type(got) is np.ndarray and type(expected) is np.ndarray
            assert _bits(got) == _bits(expected), (sa, sb)


UNARY = [(ek.negative, np.negative, "fi"), (ek.square, np.square, "fi"), (ek.sqrt, np.sqrt, "f"),
         (ek.floor, np.floor, "f"), (ek.ceil, np.ceil, "f")]


def _raw_floats(rng, n, dt):
    """Arbitrary bit patterns: every sign, exponent, subnormals, infinities and NaN payloads."""
    if np.dtype(dt) == np.float32:
        return rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    return rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False).view(np.float64)


@pytest.mark.parametrize("kernel,ufunc,kinds", UNARY, ids=[u[0].__name__ for u in UNARY])
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32, np.int64])
def test_unary_fast_path_bit_identical(kernel, ufunc, kinds, dt):
    if np.dtype(dt).kind not in kinds:
        pytest.skip("no fast path for this dtype")
    op = _FakeOp(dt, dt, arity=1)
    slow = op_util.unary_build(kernel)(op)
    fast = op_util.unary_build(kernel, ufunc=ufunc)(op)
    rng = np.random.default_rng(2)
    for shape in [(), (1,), (20, 1), (3, 4, 5), (op_util.FAST_PATH_MAX,), (op_util.FAST_PATH_MAX + 1,)]:
        a = _random(rng, shape, dt)
        if np.dtype(dt).kind == "f" and a.size > 1:
            a.reshape(-1)[::2] = _raw_floats(rng, a.reshape(-1)[::2].size, dt)
        with np.errstate(all="ignore"):
            expected, got = slow(a), fast(a)
        assert type(got) is np.ndarray
        assert _bits(got) == _bits(expected), shape
    t = _random(rng, (6, 5), dt).T  # a non-contiguous view
    assert _bits(fast(t)) == _bits(slow(t))


@pytest.mark.parametrize("kernel,ufunc", [(ek.add, np.add), (ek.subtract, np.subtract),
                                          (ek.multiply, np.multiply), (ek.real_div, np.true_divide)])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_binary_fast_path_raw_bit_patterns(kernel, ufunc, dt):
    op = _FakeOp(dt, dt)
    slow = op_util.binary_build(kernel)(op)
    fast = op_util.binary_build(kernel, ufunc=ufunc)(op)
    rng = np.random.default_rng(3)
    for sa, sb in [((4096,), (4096,)), ((64, 1), (1, 64)), ((4096,), ())]:
        a = _raw_floats(rng, int(np.prod(sa)), dt).reshape(sa)
        b = _raw_floats(rng, int(np.prod(sb)), dt).reshape(sb)
        with np.errstate(all="ignore"):
            expected = slow(a, b)
            fast(a, b)
            got = fast(a, b)
        assert _bits(got) == _bits(expected), (sa, sb)


def test_fast_paths_never_warn_nor_raise_on_fp_flags():
    """Like the numba kernels: no RuntimeWarning, and np.seterr(all="raise") does not reach them."""
    import warnings

    add = op_util.binary_build(ek.add, ufunc=np.add)(_FakeOp(np.float32, np.float32))
    div = op_util.binary_build(ek.real_div, ufunc=np.true_divide)(_FakeOp(np.float32, np.float32))
    sqrt = op_util.unary_build(ek.sqrt, ufunc=np.sqrt)(_FakeOp(np.float32, np.float32, arity=1))
    big = np.full(3, 3e38, np.float32)
    zero = np.zeros(3, np.float32)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for _ in range(2):
            assert np.isinf(add(big, big)).all()
            assert np.isnan(div(zero, zero)).all()
            assert np.isnan(sqrt(-np.ones(3, np.float32))).all()
        assert np.geterr()["divide"] == "raise"  # the caller's error state is restored
    with pytest.raises(FloatingPointError):
        with np.errstate(all="raise"):
            np.float32(1) / np.zeros(1, np.float32)


def test_binary_fast_path_large_and_bad_shapes_use_kernel():
    op = _FakeOp(np.float32, np.float32)
    fast = op_util.binary_build(ek.add, ufunc=np.add)(op)
    a = np.ones(op_util.FAST_PATH_MAX + 1, np.float32)
    assert _bits(fast(a, a)) == _bits(ek.add(a, a))
    for _ in range(2):
        with pytest.raises(ValueError, match=r"Incompatible shapes: \[3\] vs. \[4\]"):
            fast(np.ones(3, np.float32), np.ones(4, np.float32))


def test_linear_regression_train_step_numbers():
    """A small-graph train step (every op on a fast path) matches a plain NumPy replay."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 1)).astype(np.float32)
    y = rng.standard_normal(20).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [20, 1])
        yp = tf.placeholder(tf.float32, [20])
        w = tf.Variable(np.float32([[0.5]]))
        b = tf.Variable(np.float32([[-0.25]]))
        pred = tf.matmul(xp, w) + b
        err = pred - tf.reshape(yp, [20, 1])
        cost = tf.reduce_mean(err * err)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {xp: X, yp: y})
            wv, bv = sess.run([w, b])
    assert wv.dtype == np.float32 and np.isfinite(wv).all() and np.isfinite(bv).all()


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_flat_kernel_operands_are_the_reshaped_contiguous_arrays(dt):
    """The numba path passes ``ravel()`` views for flat layouts: the same arrays (and bits) as
    ``ascontiguousarray(x).reshape(layout)``, for views of every kind."""
    op = _FakeOp(dt, dt)
    pow_ = op_util.binary_build(ek.power)(op)
    rng = np.random.default_rng(4)
    base = (rng.random((6, 8)) * 3).astype(dt)
    cases = [(base, base), (base.T, base.T), (base[::-1], base[::2][:1]),
             (base[:, 1:3], np.asarray(dt(1.5))), (np.asfortranarray(base), base),
             (np.asarray(dt(2.0)), base[2]), (base[1:2, 3:4], base[1:2, 3:4])]
    for a, b in cases:
        out_shape, va, vb = op_util.coalesce_broadcast(a.shape, b.shape)
        ca, cb = np.ascontiguousarray(a), np.ascontiguousarray(b)
        if dt == np.float16:
            ca, cb = ca.astype(np.float32), cb.astype(np.float32)
        with np.errstate(all="ignore"):
            expected = ek.power(ca.reshape(va), cb.reshape(vb)).reshape(out_shape).astype(dt)
            got = pow_(a, b)
        assert _bits(got) == _bits(expected), (a.shape, b.shape)


def test_binary_fast_path_modes_follow_shapes_and_dtypes():
    """Sizes are checked once per pair of shapes; another dtype or a large pair takes the kernel."""
    op = _FakeOp(np.float32, np.float32)
    fast = op_util.binary_build(ek.multiply, ufunc=np.multiply)(op)
    rng = np.random.default_rng(5)
    small = rng.standard_normal((20, 1)).astype(np.float32)
    one = np.float32([[3.0]])
    wide = rng.standard_normal((1, op_util.FAST_PATH_MAX)).astype(np.float32)
    for _ in range(2):
        expected = ek.multiply(small.reshape(-1), one.reshape(-1)).reshape(20, 1)
        assert _bits(fast(small, one)) == _bits(expected)
        assert _bits(fast(small, small)) == _bits(small * small)
        # 20 x 8192 elements: the broadcast is too large for the ufunc path (the kernel's bits)
        big = fast(small, wide)
        assert big.shape == (20, op_util.FAST_PATH_MAX)
        assert _bits(big) == _bits(ek.multiply(small, wide))
        as64 = fast(small.astype(np.float64), one)  # not the op's dtype: the kernel, then a cast
        assert as64.dtype == np.float32
        with pytest.raises(ValueError, match=r"Incompatible shapes: \[20,1\] vs. \[5,3\]"):
            fast(small, np.ones((5, 3), np.float32))


def test_binary_fast_path_memos_follow_shapes_and_values():
    """The previous call's mode and a size-1 operand's 0-d view are remembered: alternating shapes,
    a size-1 operand updated in place (a variable's buffer) or replaced, and views stay exact."""
    op = _FakeOp(np.float32, np.float32)
    fast = op_util.binary_build(ek.add, ufunc=np.add)(op)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((20, 1)).astype(np.float32)
    bias = np.float32([[0.5]])
    for k in range(3):
        assert _bits(fast(x, bias)) == _bits(ek.add(x.reshape(-1), bias.reshape(-1)).reshape(20, 1))
        assert _bits(fast(bias, x)) == _bits(ek.add(bias.reshape(-1), x.reshape(-1)).reshape(20, 1))
        assert _bits(fast(x, x)) == _bits(x + x)
        bias[0, 0] = np.float32(k - 1.25)  # in place, as an optimizer updates a variable
    other = np.float32([[7.0]])
    assert _bits(fast(x, other)) == _bits(x + np.float32(7.0))
    big = np.arange(6, dtype=np.float32).reshape(2, 3)
    view = big[1:2, 2:3]  # a size-1 view of a larger array: used, not kept
    assert _bits(fast(x, view)) == _bits(x + np.float32(5.0))
    big[1, 2] = 9.0
    assert _bits(fast(x, view)) == _bits(x + np.float32(9.0))
    with pytest.raises(ValueError, match=r"Incompatible shapes: \[20,1\] vs. \[3,2\]"):
        fast(x, np.ones((3, 2), np.float32))
    assert _bits(fast(x, bias)) == _bits(x + bias)


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32])
def test_kernel_only_binary_ops_remember_flat_layouts(dt):
    """Ops without a ufunc (Pow) call the kernel on the same ``ravel()`` views when the shapes
    repeat; other shapes, dtypes and the integer check still go through the general path."""
    g = tf.Graph()
    with g.as_default():
        p = tf.pow(tf.placeholder(dt, None), tf.placeholder(dt, None)).op
    pow_ = p._opdef.kernel.build(p)
    rng = np.random.default_rng(8)
    x = (rng.random((20, 1)) * 4).astype(dt)
    e = np.asarray(2, dt)
    for _ in range(3):
        for a, b in [(x, e), (x, x), (x[::2], e), (e, x.reshape(-1))]:
            out_shape, va, vb = op_util.coalesce_broadcast(a.shape, b.shape)
            with np.errstate(all="ignore"):
                expected = ek.power(np.ascontiguousarray(a).reshape(va), np.ascontiguousarray(b).reshape(vb))
                got = pow_(a, b)
            assert _bits(got) == _bits(np.asarray(expected).reshape(out_shape)), (a.shape, b.shape)
    if np.dtype(dt).kind == "i":
        pow_(x, e)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integers to negative integer powers"):
            pow_(x, np.asarray(-1, dt))  # the shapes of the remembered call: still checked
        assert pow_(x, np.asarray(3, dt)).dtype == dt
    else:
        got = pow_(x.astype(np.float16), e.astype(np.float16))  # not the op's dtype: the general path
        assert got.dtype == dt
