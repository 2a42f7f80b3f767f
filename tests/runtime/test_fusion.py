"""graphflow/runtime/fusion.py: Conv2D + bias add run as one kernel, with the same bits."""

from __future__ import annotations

import numpy as np
import pytest

import graphflow as tf
from graphflow.runtime import fusion, planner

_FUSE = fusion.fuse_bias_adds  # the real pass (the fixture below spies on the module attribute)


def _bound_steps(sess, fetches, feed):
    """The steps the executor runs for ``fetches`` (the fusion pass over the session's plan)."""
    flat = fetches if isinstance(fetches, list) else [fetches]
    plan = planner.build_plan(sess.graph, flat, list(feed))
    return _FUSE(plan.steps, plan.fetch_slots, plan.feed_slots)


@pytest.fixture(autouse=True)
def executor_fuses(monkeypatch):
    """Every session run in these tests must go through the fusion pass."""
    calls = []
    real = fusion.fuse_bias_adds

    def spy(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(fusion, "fuse_bias_adds", spy)
    yield
    assert calls, "the executor did not call fusion.fuse_bias_adds"


def _conv_model(dtype=tf.float32, bias_shape=(4,), data_format="NHWC"):
    x = tf.placeholder(dtype, [None, 6, 6, 3])
    f = tf.constant(np.random.default_rng(0).standard_normal((3, 3, 3, 4)), dtype=dtype)
    b = tf.Variable(np.random.default_rng(1).standard_normal(bias_shape), dtype=dtype)
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    return x, b, conv


def _feed_value(dtype=np.float32):
    return np.random.default_rng(2).standard_normal((5, 6, 6, 3)).astype(dtype)


def _fused_types(steps):
    return [type(s).__name__ for s in steps if isinstance(s, fusion.FusedBiasStep)]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize("form", ["add", "radd", "bias_add"])
def test_conv_plus_bias_is_fused_and_bit_identical(dtype, form):
    x, b, conv = _conv_model(dtype)
    forms = {"add": lambda: conv + b, "radd": lambda: b + conv, "bias_add": lambda: tf.nn.bias_add(conv, b)}
    y = forms[form]()
    xv = _feed_value(dtype.as_numpy_dtype)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = sess.run(y, {x: xv})
        steps = _bound_steps(sess, y, {x: xv})
        assert _fused_types(steps) == ["FusedBiasStep"]
        assert "AddV2" not in [s.op.type for s in steps] and "BiasAdd" not in [s.op.type for s in steps]
        # fetching the convolution too keeps the two ops apart: the reference bits
        conv_v, separate = sess.run([conv, y], {x: xv})
        assert not _fused_types(_bound_steps(sess, [conv, y], {x: xv}))
    assert fused.tobytes() == separate.tobytes()
    np.testing.assert_allclose(fused, conv_v + sess_free_bias(b, dtype), rtol=1e-6)


def sess_free_bias(b, dtype):
    with tf.Session() as s:
        s.run(b.initializer)
        return s.run(b)


def test_training_graph_fuses_and_matches_unfused_gradients():
    """The add's gradient reads Shape(conv): that reader moves to the add's output."""
    x, b, conv = _conv_model()
    y = tf.nn.relu(conv + b)
    loss = tf.reduce_sum(y * y)
    grads = tf.gradients(loss, [b, x])
    xv = _feed_value()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grads, {x: xv})
        assert _fused_types(_bound_steps(sess, grads, {x: xv})) == ["FusedBiasStep"]
        want = sess.run(grads + [conv], {x: xv})[:2]  # conv fetched: not fused
    for a, w in zip(got, want, strict=True):
        assert a.tobytes() == w.tobytes()


@pytest.mark.parametrize("case", ["other_reader", "broadcast_bias", "float16", "nchw_bias_add", "late_bias"])
def test_not_fused_when_it_would_change_meaning(case):
    x, b, conv = _conv_model(tf.float16 if case == "float16" else tf.float32,
                             bias_shape=(1,) if case == "broadcast_bias" else (4,))
    if case == "late_bias":
        b2 = tf.identity(tf.square(b))  # computed after the conv in the plan's order? not guaranteed
        y = conv + b2
    else:
        y = conv + b
    fetch = [y]
    if case == "other_reader":
        fetch = [y + conv]
    if case == "nchw_bias_add":
        fetch = [tf.nn.bias_add(tf.transpose(conv, [0, 3, 1, 2]), tf.zeros([4]), data_format="NCHW")]
    xv = _feed_value(np.float16 if case == "float16" else np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        steps = _bound_steps(sess, fetch, {x: xv})
        if case == "late_bias":
            # fused only if the bias is ready before the conv runs; either way the values agree
            assert sess.run(fetch, {x: xv})[0].tobytes() == sess.run(fetch + [conv], {x: xv})[0].tobytes()
        else:
            assert not _fused_types(steps)


def test_fusion_errors_still_name_the_conv_op():
    x = tf.placeholder(tf.float32, [None, 6, 6, None])
    f = tf.constant(np.ones((3, 3, 3, 4), np.float32))
    b = tf.Variable(np.ones(4, np.float32))
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    y = conv + b
    assert _fused_types(_bound_steps(tf.Session(), y, {x: None})) == ["FusedBiasStep"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="Conv2D"):
            sess.run(y, {x: np.zeros((2, 6, 6, 2), np.float32)})


def test_fused_conv_inside_cond_and_while_matches_numpy():
    """Branch and loop-body sub-plans fuse too (the bias may be captured from outside)."""
    x, b, _ = _conv_model()
    f = tf.constant(np.random.default_rng(3).standard_normal((3, 3, 3, 3)), dtype=tf.float32)
    pred = tf.placeholder(tf.bool, [])

    def branch():
        return tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME") + b[:3]

    y = tf.cond(pred, branch, lambda: x)

    def body(i, v):
        return i + 1, tf.nn.conv2d(v, f, [1, 1, 1, 1], "SAME") + b[:3]

    _, z = tf.while_loop(lambda i, v: i < 2, body, [tf.constant(0), x])
    xv = _feed_value()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        bv = sess.run(b)[:3]
        got_y, got_z = sess.run([y, z], {x: xv, pred: True})
    fv = sess_free_value(f)

    def conv_np(v):
        p = np.pad(v, ((0, 0), (1, 1), (1, 1), (0, 0)))
        out = np.zeros(v.shape[:3] + (3,), np.float64)
        for ky in range(3):
            for kx in range(3):
                out += p[:, ky:ky + 6, kx:kx + 6, :] @ fv[ky, kx]
        return out

    np.testing.assert_allclose(got_y, conv_np(xv) + bv, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_z, conv_np(conv_np(xv) + bv) + bv, rtol=1e-4, atol=1e-3)


def sess_free_value(t):
    with tf.Session() as s:
        return s.run(t).astype(np.float64)
