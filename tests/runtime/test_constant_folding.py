"""graphflow/runtime: constant subgraphs folded into the slot template, Identity sharing its input's
slot, and the run's NumPy error state (same numbers, errors and fresh fetches as running every op)."""

import warnings

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.runtime import executor


@pytest.fixture
def sess():
    with tf.Session() as s:
        yield s


def _bound(sess, fetch):
    return next(c for k, c in sess._cache.items() if k[1] == (fetch,)).bound


def _linreg_steps(n_steps: int):
    """The notes' linear regression (pow cost, GradientDescent): the variables after each step."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 1)).astype(np.float32)
    y = rng.standard_normal(20).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [20, 1])
        yp = tf.placeholder(tf.float32, [20])
        w = tf.Variable(np.float32([[0.5]]))
        b = tf.Variable(np.float32([[-0.25]]))
        cost = tf.reduce_mean((tf.matmul(xp, w) + b - tf.reshape(yp, [20, 1])) ** 2)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            out = []
            for _ in range(n_steps):
                s.run(train, {xp: X, yp: y})
                out.append((s.run(cost, {xp: X, yp: y}), *s.run([w, b])))
            types = [st.op.type for st in _bound(s, train).steps]
    return out, types


def test_mean_gradient_constants_are_folded_with_the_same_bits(monkeypatch):
    folded, types = _linreg_steps(4)
    # the Reshape/BroadcastTo/Cast/RealDiv of the mean's gradient and pow's y - 1 are constants;
    # Identity (Variable/read) and the NoOp group run no step
    for t in ("BroadcastTo", "Cast", "RealDiv", "Identity", "NoOp"):
        assert t not in types
    assert types.count("ApplyGradientDescent") == 2 and "Pow" in types and "Sum" in types
    monkeypatch.setattr(executor, "FOLDABLE", frozenset())
    unfolded, types_unfolded = _linreg_steps(4)
    assert "BroadcastTo" in types_unfolded and "Cast" in types_unfolded
    for a, b in zip(folded, unfolded, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.asarray(x).tobytes() == np.asarray(y).tobytes()


def test_folded_fetches_are_fresh_writable_copies(sess):
    f = tf.reshape(tf.constant([1.0, 2.0, 3.0, 4.0]), [2, 2]) * 3.0
    shape = tf.placeholder(tf.int32, [1])
    view = tf.reshape(f, shape)  # not constant (fed shape): a view of the folded value
    ident = tf.identity(f)
    a, v, i = sess.run([f, view, ident], {shape: [4]})
    assert not [st for st in _bound_of_list(sess) if st.op is f.op]
    for arr in (a, v, i):
        assert arr.flags.writeable
        arr[...] = -1.0
    a2, v2, i2 = sess.run([f, view, ident], {shape: [4]})
    np.testing.assert_array_equal(a2, [[3.0, 6.0], [9.0, 12.0]])
    np.testing.assert_array_equal(v2, [3.0, 6.0, 9.0, 12.0])
    np.testing.assert_array_equal(i2, a2)
    single = sess.run(view, {shape: [4]})
    single[0] = 7.0
    np.testing.assert_array_equal(sess.run(view, {shape: [4]}), [3.0, 6.0, 9.0, 12.0])


def _bound_of_list(sess):
    (cached,) = [c for k, c in sess._cache.items() if len(k[1]) == 3]
    assert all(not t.flags.writeable for t in cached.bound.template if isinstance(t, np.ndarray))
    return cached.bound.steps


def test_failing_constant_subgraph_still_raises_in_every_run(sess):
    q = tf.floordiv(tf.constant(7), tf.constant(0))
    for _ in range(2):
        with pytest.raises(errors.InvalidArgumentError, match=r"Integer division by zero(.|\n)*floordiv"):
            sess.run(q)
    assert [st.op.type for st in _bound(sess, q).steps] == ["FloorDiv"]


def test_large_constant_results_stay_steps(sess):
    big = tf.fill([600, 600], 2.0) + 1.0  # 1.4 MB > FOLD_MAX_BYTES
    small = tf.fill([3, 2], 2.0) + 1.0
    assert sess.run(big).sum() == 3.0 * 600 * 600
    assert [st.op.type for st in _bound(sess, big).steps] == ["Fill", "AddV2"]
    np.testing.assert_array_equal(sess.run(small), np.full((3, 2), 3.0, np.float32))
    assert _bound(sess, small).steps == []


def test_stateful_and_random_ops_are_not_folded(sess):
    r = tf.random_uniform([3], seed=1) * 2.0
    a, b = sess.run(r), sess.run(r)
    assert not np.array_equal(a, b)
    v = tf.Variable(1.0)
    sess.run(v.initializer)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = tf.identity(v)  # runs no step, but still after the increment
    assert sess.run(read) == 2.0 and sess.run(read) == 3.0


def test_kernels_run_in_quiet_fp_state_and_restore_the_callers(sess):
    x = tf.placeholder(tf.float32, [3])
    y = tf.log(x) + 1.0 / x
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out = sess.run(y, {x: np.float32([0.0, -1.0, 1.0])})
        assert np.geterr()["divide"] == "raise"
    assert np.isnan(out[1]) and out[2] == 1.0
    z = tf.placeholder(tf.float32, [None])
    with pytest.raises(errors.InvalidArgumentError, match="Input to reshape is a tensor with 3 values"):
        sess.run(tf.reshape(z, [2]), {z: np.ones(3, np.float32)})
    assert np.geterr()["divide"] == "warn"


def test_identity_shares_its_input_slot(sess):
    x = tf.placeholder(tf.float32, [2])
    y = tf.identity(tf.identity(x)) + 1.0
    value = np.float32([1.0, 2.0])
    np.testing.assert_array_equal(sess.run(y, {x: value}), [2.0, 3.0])
    assert [st.op.type for st in _bound(sess, y).steps] == ["AddV2"]
    got = sess.run(tf.identity(x), {x: value})  # a fetched alias of a feed is a copy
    assert not np.shares_memory(got, value)
    # a fed Identity output still wins over its input
    i = tf.identity(x)
    np.testing.assert_array_equal(sess.run(i + 0.0, {x: value, i: np.float32([5.0, 6.0])}), [5.0, 6.0])
