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


# -- fuse_sums: a conv filter gradient and its bias's gradient Sum share one pass ---------------
def _sum_fused(sess, fetches, feed):
    flat = fetches if isinstance(fetches, list) else [fetches]
    plan = planner.build_plan(sess.graph, flat, list(feed))
    steps = _FUSE(plan.steps, plan.fetch_slots, plan.feed_slots)
    steps = fusion.fuse_sums(steps, plan.fetch_slots, plan.feed_slots, lambda op: (lambda *a: None))
    return [(s.op.type, s.sum_op.name) for s in steps if isinstance(s, fusion.FusedSumStep)]


def _unfused(monkeypatch, fn):
    """Run ``fn()`` with the sum fusion switched off (the reference values)."""
    with monkeypatch.context() as m:
        m.setattr(fusion, "fuse_sums", lambda steps, *args: steps)
        return fn()


def _cnn_grads(dtype=tf.float32):
    rng = np.random.default_rng(4)
    x = tf.placeholder(dtype, [None, 9, 9, 2])
    f1 = tf.Variable(rng.standard_normal((3, 3, 2, 5)), dtype=dtype)
    b1 = tf.Variable(rng.standard_normal(5), dtype=dtype)
    f2 = tf.Variable(rng.standard_normal((3, 3, 5, 70)), dtype=dtype)
    b2 = tf.Variable(rng.standard_normal(70), dtype=dtype)
    h = tf.nn.max_pool(tf.nn.conv2d(x, f1, [1, 1, 1, 1], "SAME") + b1, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    y = tf.nn.sigmoid(tf.nn.conv2d(tf.nn.relu(h), f2, [1, 1, 1, 1], "SAME") + b2)
    loss = tf.reduce_sum(y * y)
    xv = rng.standard_normal((13, 9, 9, 2)).astype(dtype.as_numpy_dtype)
    return x, xv, tf.gradients(loss, [f1, b1, f2, b2])


def test_filter_and_bias_gradients_share_a_pass_and_match_the_separate_ops(monkeypatch):
    x, xv, grads = _cnn_grads()

    def run():
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(grads, {x: xv}), _sum_fused(sess, grads, {x: xv})

    got, fused = run()
    want, _ = _unfused(monkeypatch, run)
    if nn_tile_kernel():
        assert sorted(t for t, _ in fused) == ["Conv2DBackpropFilter"] * 2
        assert all(name.endswith("_grad/Sum_1") for _, name in fused)
    for a, w in zip(got, want, strict=True):
        assert a.dtype == w.dtype == np.float32 and a.shape == w.shape
        np.testing.assert_allclose(a, w, rtol=1e-6, atol=1e-6)
    # the filter gradients are the same computation: the same bits
    assert got[0].tobytes() == want[0].tobytes() and got[2].tobytes() == want[2].tobytes()


def nn_tile_kernel() -> bool:
    from graphflow.kernels import tile_gemm

    return tile_gemm.AVAILABLE


@pytest.mark.parametrize(
    "axes,keep", [([0, 1, 2], True), ([-4, -3, -2], False), ([0, 1], False), ([3], True)]
)
def test_a_user_sum_of_the_same_gradient(monkeypatch, axes, keep):
    """Any Sum of the value the filter gradient reads: fused, the axes checked at run time."""
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((3, 6, 5, 2)).astype(np.float32)
    gv = rng.standard_normal((3, 6, 5, 4)).astype(np.float32)

    def run():
        x = tf.placeholder(tf.float32, [None, 6, 5, 2])
        g = tf.placeholder(tf.float32, [None, 6, 5, 4])
        gr = tf.nn.relu(g)
        dw = tf.nn.conv2d_backprop_filter(x, [3, 3, 2, 4], gr, [1, 1, 1, 1], "SAME")
        s = tf.reduce_sum(gr, axes, keepdims=keep)
        with tf.Session() as sess:
            return sess.run([dw, s], {x: xv, g: gv}), _sum_fused(sess, [dw, s], {x: xv, g: gv})

    (dw, s), fused = run()
    (dw_ref, s_ref), _ = _unfused(monkeypatch, run)
    assert len(fused) == (1 if nn_tile_kernel() else 0)
    np.testing.assert_array_equal(dw, dw_ref)
    np.testing.assert_allclose(s, np.maximum(gv, 0).sum(axis=tuple(axes), keepdims=keep), rtol=1e-5)
    assert s.shape == s_ref.shape and s.dtype == s_ref.dtype
    np.testing.assert_allclose(s, s_ref, rtol=1e-6)


def test_float64_and_a_sum_of_another_value_are_not_fused():
    x64, xv64, grads64 = _cnn_grads(tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _sum_fused(sess, grads64, {x64: xv64}) == []
    x = tf.placeholder(tf.float32, [None, 6, 5, 2])
    g = tf.placeholder(tf.float32, [None, 6, 5, 4])
    dw = tf.nn.conv2d_backprop_filter(x, [3, 3, 2, 4], g, [1, 1, 1, 1], "SAME")
    s = tf.reduce_sum(g * 2.0, [0, 1, 2])
    with tf.Session() as sess:
        assert _sum_fused(sess, [dw, s], {x: None, g: None}) == []


# -- fuse_index_gradients + hoist_shape_readers --------------------------------------------------
def _all_passes(sess, fetches, feed):
    flat = fetches if isinstance(fetches, list) else [fetches]
    plan = planner.build_plan(sess.graph, flat, list(feed))
    steps = _FUSE(plan.steps, plan.fetch_slots, plan.feed_slots)
    steps = fusion.fuse_sums(steps, plan.fetch_slots, plan.feed_slots, lambda op: (lambda *a: None))
    steps, num_slots = fusion.fuse_index_gradients(steps, plan.num_slots, plan.fetch_slots, plan.feed_slots)
    return fusion.hoist_shape_readers(steps, plan.fetch_slots, plan.feed_slots), num_slots, plan


def _pool_model():
    rng = np.random.default_rng(6)
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    f = tf.Variable(rng.standard_normal((3, 3, 3, 4)), dtype=tf.float32)
    b = tf.Variable(rng.standard_normal(4), dtype=tf.float32)
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME") + b
    pooled = tf.nn.max_pool(conv, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    loss = tf.reduce_sum(tf.nn.relu(pooled) ** 2)
    xv = np.round(rng.standard_normal((5, 8, 8, 3)), 1).astype(np.float32)  # ties in the windows
    return x, xv, conv, tf.gradients(loss, [f, b, x])


def test_max_pool_grad_runs_from_positions_with_the_same_bits(monkeypatch):
    x, xv, conv, grads = _pool_model()

    def run():
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(grads, {x: xv})

    got = run()
    with monkeypatch.context() as m:
        m.setattr(fusion, "fuse_index_gradients", lambda steps, n, *a: (steps, n))
        want = run()
    for a, w in zip(got, want, strict=True):
        assert a.tobytes() == w.tobytes()
    with tf.Session() as sess:
        steps, num_slots, plan = _all_passes(sess, grads, {x: xv})
    indexed = [s for s in steps if isinstance(s, fusion.IndexedStep)]
    assert [s.op.type for s in indexed] == ["MaxPool", "MaxPoolGrad"]
    assert num_slots == plan.num_slots + 1 and indexed[0].out_slots[1] == indexed[1].in_slots[0]
    # the pool's input (the conv + bias) is not read after the pool: freed by the MaxPool step
    conv_slot = indexed[0].in_slots[0]
    assert conv_slot in indexed[0].free
    assert all(conv_slot not in s.in_slots for s in steps[steps.index(indexed[0]) + 1:])


def test_two_gradients_of_one_pool_and_a_fetched_pool():
    x, xv, conv, grads = _pool_model()
    pooled = [op for op in tf.get_default_graph().get_operations() if op.type == "MaxPool"][0].outputs[0]
    again = tf.gradients(tf.reduce_sum(pooled * 3.0), x)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        both = sess.run(grads + [again, pooled, conv], {x: xv})
        alone = sess.run(again, {x: xv})
        steps, _, _ = _all_passes(sess, grads + [again], {x: xv})
    assert sum(isinstance(s, fusion.IndexedStep) for s in steps) == 2  # one pair; the other reads x, y
    assert both[3].tobytes() == alone.tobytes()


def test_shape_readers_run_right_after_their_input():
    x = tf.placeholder(tf.float32, [None, 4])
    h = tf.nn.relu(x * 2.0)
    late = tf.reduce_sum(tf.exp(h)) * tf.cast(tf.shape(h)[0], tf.float32)
    with tf.Session() as sess:
        xv = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
        assert sess.run(late, {x: xv}) == pytest.approx(np.exp(2 * xv).sum() * 3, rel=1e-5)
        steps, _, plan = _all_passes(sess, late, {x: xv})
    types = [s.op.type for s in steps]
    assert types[types.index("Relu") + 1] == "Shape"  # hoisted next to its input
    assert [s.op.type for s in plan.steps].index("Shape") > [s.op.type for s in plan.steps].index("Exp")


# -- fuse_producer_into: conv (+ bias) and max pool in one kernel -------------------------------
def _conv_pool(dtype=tf.float32, o=5, conv_stride=1, pool=(2, 2), pool_stride=2, padding="SAME", bias=True):
    rng = np.random.default_rng(8)
    x = tf.placeholder(dtype, [None, 9, 8, 3])
    f = tf.Variable(rng.standard_normal((3, 3, 3, o)), dtype=dtype)
    b = tf.Variable(rng.standard_normal(o), dtype=dtype)  # before the conv: its add can be fused
    conv = tf.nn.conv2d(x, f, [1, conv_stride, conv_stride, 1], padding)
    if bias:
        conv = conv + b
    pooled = tf.nn.max_pool(conv, [1, *pool, 1], [1, pool_stride, pool_stride, 1], padding)
    xv = np.round(rng.standard_normal((6, 9, 8, 3)), 1).astype(dtype.as_numpy_dtype)
    return x, xv, conv, pooled


def _producer_fused(sess, fetches, feed):
    steps, _, plan = _all_passes(sess, fetches, feed)
    steps = fusion.fuse_producer_into(steps, plan.fetch_slots, plan.feed_slots)
    return [(s.op.type, s.consumer_op.type) for s in steps if isinstance(s, fusion.FusedProducerStep)]


def _without_producer_fusion(monkeypatch, fn):
    with monkeypatch.context() as m:
        m.setattr(fusion, "fuse_producer_into", lambda steps, *a: steps)
        return fn()


@pytest.mark.parametrize("o,conv_stride,pool,pool_stride,padding,bias", [
    (5, 1, (2, 2), 2, "SAME", True), (64, 1, (3, 3), 2, "SAME", True), (70, 2, (2, 3), 1, "VALID", False),
    (16, 1, (3, 3), 1, "SAME", False),
])
def test_conv_and_pool_fused_with_the_same_bits(monkeypatch, o, conv_stride, pool, pool_stride, padding,
                                                bias):
    x, xv, conv, pooled = _conv_pool(o=o, conv_stride=conv_stride, pool=pool, pool_stride=pool_stride,
                                     padding=padding, bias=bias)
    loss = tf.reduce_sum(tf.sigmoid(pooled))
    grads = [g for g in tf.gradients(loss, tf.trainable_variables() + [x]) if g is not None]
    shape = tf.shape(conv)

    def run():
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([pooled, shape], {x: xv}), sess.run(grads, {x: xv})

    (got_pool, got_shape), got_grads = run()
    (want_pool, want_shape), want_grads = _without_producer_fusion(monkeypatch, run)
    assert got_pool.tobytes() == want_pool.tobytes()
    np.testing.assert_array_equal(got_shape, want_shape)
    for a, w in zip(got_grads, want_grads, strict=True):
        assert a.tobytes() == w.tobytes()
    with tf.Session() as sess:
        fused = _producer_fused(sess, [pooled, shape], {x: xv})
        assert fused == ([("Conv2D", "MaxPool")] if nn_tile_kernel() else fused)
        assert len(_producer_fused(sess, grads, {x: xv})) == (1 if nn_tile_kernel() else 0)


def test_conv_pool_not_fused_when_the_conv_output_is_read():
    x, xv, conv, pooled = _conv_pool()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _producer_fused(sess, [pooled, conv], {x: xv}) == []
        assert _producer_fused(sess, [pooled, tf.nn.relu(conv)], {x: xv}) == []
        c, p = sess.run([conv, pooled], {x: xv})
    padded = np.full((6, 10, 8, 5), -np.inf, np.float32)
    padded[:, :9] = c
    np.testing.assert_array_equal(p, padded.reshape(6, 5, 2, 4, 2, 5).max(axis=(2, 4)))
    x64, xv64, _, pooled64 = _conv_pool(tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _producer_fused(sess, pooled64, {x64: xv64}) == []


def test_a_bias_created_after_the_conv_is_fused_at_the_add():
    """TF1 code often creates the bias variable after the conv: the fused step runs at the add."""
    rng = np.random.default_rng(11)
    x = tf.placeholder(tf.float32, [None, 6, 6, 3])
    f = tf.Variable(rng.standard_normal((3, 3, 3, 4)), dtype=tf.float32)
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    b = tf.Variable(rng.standard_normal(4), dtype=tf.float32)  # after the conv
    y = tf.nn.relu(conv + b)
    xv = _feed_value()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = sess.run(y, {x: xv})
        assert _fused_types(_bound_steps(sess, y, {x: xv})) == ["FusedBiasStep"]
        separate = sess.run([y, conv], {x: xv})[0]
    assert fused.tobytes() == separate.tobytes()


@pytest.mark.parametrize("k", [1, 3])
def test_fused_bias_gradient_of_a_1x1_conv(k):
    """The 1x1 conv's filter gradient is a plain GEMM: its bias gradient is summed separately."""
    rng = np.random.default_rng(12)
    x = tf.placeholder(tf.float32, [None, 5, 5, 3])
    f = tf.Variable(rng.standard_normal((k, k, 3, 4)), dtype=tf.float32)
    b = tf.Variable(rng.standard_normal(4), dtype=tf.float32)
    y = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME") + b
    gb, gf = tf.gradients(tf.reduce_sum(tf.sin(y)), [b, f])
    xv = rng.standard_normal((4, 5, 5, 3)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, _ = sess.run([gb, gf], {x: xv})
        yv = sess.run(y, {x: xv})
        assert len(_sum_fused(sess, [gb, gf], {x: xv})) == (1 if nn_tile_kernel() else 0)
    np.testing.assert_allclose(got, np.cos(yv.astype(np.float64)).sum(axis=(0, 1, 2)), rtol=1e-5)


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_an_activation_after_the_pool_joins_the_fused_step(monkeypatch, act):
    x, xv, conv, pooled = _conv_pool(o=20)
    h = getattr(tf.nn, act)(pooled)
    loss = tf.reduce_sum(h * h)
    grads = [g for g in tf.gradients(loss, tf.trainable_variables() + [x]) if g is not None]

    def run():
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(h, {x: xv}), sess.run(grads, {x: xv})

    got_h, got_grads = run()
    want_h, want_grads = _without_producer_fusion(monkeypatch, run)
    assert got_h.tobytes() == want_h.tobytes()
    for a, w in zip(got_grads, want_grads, strict=True):
        assert a.tobytes() == w.tobytes()
    with tf.Session() as sess:
        for fetch in (h, grads):
            steps, _, plan = _all_passes(sess, fetch, {x: xv})
            steps = fusion.fuse_producer_into(steps, plan.fetch_slots, plan.feed_slots)
            fused = [s for s in steps if isinstance(s, fusion.FusedProducerStep)]
            if nn_tile_kernel():
                assert len(fused) == 1 and act.capitalize() not in [s.op.type for s in steps]
        # the pool output fetched too: the activation stays a step of its own
        steps, _, plan = _all_passes(sess, [h, pooled], {x: xv})
        steps = fusion.fuse_producer_into(steps, plan.fetch_slots, plan.feed_slots)
        assert act.capitalize() in [s.op.type for s in steps]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize("form", ["relu_add", "layers"])
def test_relu_of_a_conv_runs_in_the_conv_kernel(monkeypatch, dtype, form):
    """relu(conv(x, f) + b) and tf.layers.conv2d(activation=tf.nn.relu): same bits, one kernel."""
    rng = np.random.default_rng(13)
    tf.set_random_seed(1)  # the layer's initializer draws the same values in both sessions
    x = tf.placeholder(dtype, [None, 7, 6, 3])
    if form == "layers":
        h = tf.layers.conv2d(x, 5, 3, padding="same", activation=tf.nn.relu)
    else:
        f = tf.Variable(rng.standard_normal((3, 3, 3, 5)), dtype=dtype)
        b = tf.Variable(rng.standard_normal(5), dtype=dtype)
        h = tf.nn.relu(tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME") + b)
    loss = tf.reduce_sum(h * h)
    grads = [g for g in tf.gradients(loss, tf.trainable_variables() + [x]) if g is not None]
    xv = rng.standard_normal((4, 7, 6, 3)).astype(dtype.as_numpy_dtype)

    def run():
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([h] + grads, {x: xv}), _producer_fused(sess, [h] + grads, {x: xv})

    got, fused = run()
    want, _ = _without_producer_fusion(monkeypatch, run)
    for a, w in zip(got, want, strict=True):
        assert a.tobytes() == w.tobytes()
    assert fused == [("Conv2D", "Relu")]
    assert (got[0] >= 0).all()
