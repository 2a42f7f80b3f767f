"""ApplyGradientDescent's NumPy path for small float variables (graphflow/train/training_ops.py):
the numba kernel's bits, taken only where it applies, and the same errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import graphflow as tf
from graphflow.kernels import updates
from graphflow.train import training_ops

HERE = os.path.basename(__file__)
_KERNEL = updates.apply_gradient_descent  # (the fixture below replaces the module's name)


def _specials(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1)
    if flat.size >= 5:
        flat[:5] = [0.0, -0.0, np.inf, np.nan, np.finfo(x.dtype).tiny / 4]  # ... and a subnormal
    return x


def _kernel_step(var: np.ndarray, alpha, delta: np.ndarray) -> np.ndarray:
    """The numba kernel's update on a copy (what the general path runs)."""
    out = var.copy().reshape(-1)
    T = var.dtype.type
    _KERNEL(out, T(alpha), np.ascontiguousarray(delta, dtype=var.dtype).reshape(-1))
    return out.reshape(var.shape)


@pytest.fixture
def kernel_calls(monkeypatch):
    """Counts the numba kernel's calls (the fast path makes none)."""
    calls = []
    kernel = updates.apply_gradient_descent
    monkeypatch.setattr(updates, "apply_gradient_descent", lambda *a: (calls.append(1), kernel(*a))[1])
    return calls


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (), (1,), (3,), (20, 5), (4096,)])
def test_small_gradient_descent_is_bit_identical_to_the_kernel(dt, shape, kernel_calls):
    rng = np.random.default_rng(3)
    init = _specials((rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(dt))
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(init)
        alpha = tf.placeholder(dt, [])
        delta = tf.placeholder(dt, shape)
        step = training_ops.apply_gradient_descent(v, alpha, delta)
        const_step = training_ops.apply_gradient_descent(v, np.asarray(0.01, dt), delta)
        with tf.Session() as sess:
            sess.run(v.initializer)
            expected = init.copy()
            for k in range(4):
                d = _specials((rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(dt))
                a = dt(rng.standard_normal() * 10.0 ** rng.integers(-5, 5))
                fetch, a = (step, a) if k % 2 == 0 else (const_step, dt(0.01))
                feed = {delta: d, alpha: a} if fetch is step else {delta: d}
                with np.errstate(all="ignore"):
                    expected = _kernel_step(expected, a, d)
                got = sess.run(fetch, feed)
                assert got.dtype == dt and got.shape == shape
                assert got.tobytes() == expected.tobytes(), k
            assert sess.run(v).tobytes() == expected.tobytes()
    assert kernel_calls == []  # every update took the NumPy path


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_one_element_gradient_descent_special_values(dt, kernel_calls):
    """The NumPy-scalar update of a one-element variable: signed zeros, infinities, NaN (with a
    payload), subnormals and overflow give the kernel's bits."""
    nan_payload = np.array([0x7FC00123 if dt is np.float32 else 0x7FF8000000000123],
                           np.uint32 if dt is np.float32 else np.uint64).view(dt)[0]
    values = [dt(0.0), dt(-0.0), dt(np.inf), dt(-np.inf), nan_payload, np.finfo(dt).tiny / 8,
              np.finfo(dt).max, dt(-1.5)]
    v = tf.Variable(np.zeros((1, 1), dt))
    load = tf.placeholder(dt, [1, 1])
    assign = tf.assign(v, load)
    alpha = tf.placeholder(dt, [])
    delta = tf.placeholder(dt, [1, 1])
    step = training_ops.apply_gradient_descent(v, alpha, delta)
    with tf.Session() as sess:
        for x in values:
            for d in values:
                for a in (dt(0.5), dt(-0.0), np.finfo(dt).max, nan_payload):
                    sess.run(assign, {load: np.full((1, 1), x, dt)})
                    with np.errstate(all="ignore"):
                        expected = _kernel_step(np.full((1, 1), x, dt), a, np.full((1, 1), d, dt))
                    got = sess.run(step, {alpha: a, delta: np.full((1, 1), d, dt)})
                    assert got.tobytes() == expected.tobytes(), (x, d, a)
    assert kernel_calls == []


def test_gradient_descent_general_path_for_other_variables(kernel_calls):
    """float16, large and replaced (reshaped) variables: the kernel or a re-checked buffer."""
    big = np.ones(training_ops._SMALL_GD + 1, np.float32)
    v16 = tf.Variable(np.float16([1.5, -2.0]))
    vbig = tf.Variable(big)
    vr = tf.Variable(np.float32([[2.0]]))
    new_value = tf.placeholder(tf.float32, None)
    reshape = tf.assign(vr, new_value, validate_shape=False)
    d = tf.placeholder(tf.float32, None)
    step_r = training_ops.apply_gradient_descent(vr, 0.5, d)
    step16 = training_ops.apply_gradient_descent(v16, np.float16(0.5), np.float16([1.0, 1.0]))
    step_big = training_ops.apply_gradient_descent(vbig, 0.5, big)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(step16), np.float16([1.0, -2.5]))
        assert len(kernel_calls) == 1
        np.testing.assert_array_equal(sess.run(step_big), big * 0.5)
        assert len(kernel_calls) == 2
        np.testing.assert_array_equal(sess.run(step_r, {d: np.float32([[1.0]])}), [[1.5]])
        sess.run(reshape, {new_value: np.float32([1.0, 2.0, 3.0])})  # a new [3] buffer
        np.testing.assert_array_equal(sess.run(step_r, {d: np.float32([2.0, 2.0, 2.0])}), [0.0, 1.0, 2.0])
        np.testing.assert_array_equal(sess.run(vr), [0.0, 1.0, 2.0])
        assert len(kernel_calls) == 2


def test_gradient_descent_errors_are_unchanged_after_fast_runs():
    v = tf.Variable(np.float32([[1.0]]))
    alpha = tf.placeholder(tf.float32, None)
    delta = tf.placeholder(tf.float32, None)
    step = training_ops.apply_gradient_descent(v, alpha, delta)  # MARK-gd
    site = f"{HERE}:{_line_of('MARK-gd')}"
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value Variable"):
            sess.run(step, {alpha: np.float32(0.5), delta: np.float32([[1.0]])})
        sess.run(v.initializer)
        for _ in range(2):  # before and after the buffer was checked by a fast run
            with pytest.raises(tf.errors.InvalidArgumentError) as exc:
                sess.run(step, {alpha: np.float32(0.5), delta: np.float32([[1.0], [2.0]])})
            assert str(exc.value).startswith("var and delta do not have the same shape[1,1] [2,1]")
            assert exc.value.op is step.op and site in str(exc.value)
            with pytest.raises(tf.errors.InvalidArgumentError) as exc:
                sess.run(step, {alpha: np.float32([0.5, 1.0]), delta: np.float32([[1.0]])})
            assert str(exc.value).startswith("alpha is not a scalar: [2]")
            ok = sess.run(step, {alpha: np.float32(0.5), delta: np.float32([[1.0]])})
            np.testing.assert_array_equal(ok, sess.run(v))
        assert sess.run(v)[0, 0] == np.float32(0.0)


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for i, line in enumerate(f, 1):
            if marker in line and "_line_of(" not in line:
                return i
    raise AssertionError(marker)
