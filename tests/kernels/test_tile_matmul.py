"""graphflow/kernels/tile_matmul.py through math_ops' MatMul: the dense layer's backward products
with a short batch dimension (``x.T @ dy`` and ``dy @ W.T``) on the tile kernel."""

import numpy as np
import pytest

import graphflow as tf
from graphflow.kernels import tile_gemm
from graphflow.ops import math_ops
from graphflow.runtime import threads

pytestmark = pytest.mark.skipif(not tile_gemm.AVAILABLE, reason="host has no AVX-512/AVX2+FMA")

SHAPES = [(64, 2048, 1024), (7, 1901, 557), (128, 1200, 900), (50, 1600, 700)]  # (batch, in, out)


def _close(got, ref):
    np.testing.assert_allclose(got, ref, rtol=2e-5, atol=2e-5 * max(1.0, float(np.abs(ref).max())))


@pytest.mark.parametrize("batch,n_in,n_out", SHAPES)
def test_both_backward_products_match_float64(batch, n_in, n_out):
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    w = rng.standard_normal((n_in, n_out)).astype(np.float32)
    dy = rng.standard_normal((batch, n_out)).astype(np.float32)
    dw = math_ops._short_product(x.T, dy)
    dx = math_ops._short_product(dy, w.T)
    assert dw is not None and dx is not None
    assert dw.dtype == dx.dtype == np.float32 and dw.flags.c_contiguous and dx.flags.c_contiguous
    _close(dw, x.T.astype(np.float64) @ dy.astype(np.float64))
    _close(dx, dy.astype(np.float64) @ w.T.astype(np.float64))


def test_other_layouts_and_sizes_keep_openblas():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 800)).astype(np.float32)
    w = rng.standard_normal((800, 512)).astype(np.float32)
    assert math_ops._short_product(x, w) is None  # the forward product
    assert math_ops._short_product(x[:4, :40].T.copy(), x[:4, :40]) is None  # too small
    big = rng.standard_normal((550, 1024)).astype(np.float32)
    assert math_ops._short_product(rng.standard_normal((550, 300)).astype(np.float32).T, big) is None
    assert math_ops._short_product(x.astype(np.float64).T, x.astype(np.float64)) is None


def test_threads_give_the_same_bits(monkeypatch):
    monkeypatch.setattr(threads, "_MIN_SPLIT_MACS", 1)
    monkeypatch.setattr(threads, "set_threads", lambda n: None)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 700)).astype(np.float32)
    w = rng.standard_normal((700, 300)).astype(np.float32)
    dy = rng.standard_normal((64, 300)).astype(np.float32)
    results = []
    for n in (1, 2, 3):
        monkeypatch.setattr(threads, "split", n)
        results.append((math_ops._short_product(x.T, dy), math_ops._short_product(dy, w.T)))
    for dw, dx in results[1:]:
        np.testing.assert_array_equal(dw, results[0][0])
        np.testing.assert_array_equal(dx, results[0][1])


def test_dense_layer_gradients_through_the_graph():
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((32, 500)).astype(np.float32)
    wv = rng.standard_normal((500, 90)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 500])
    w = tf.Variable(wv)
    y = tf.matmul(x, w)
    loss = tf.reduce_sum(tf.sin(y))
    gx, gw = tf.gradients(loss, [x, w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_x, got_w = sess.run([gx, gw], {x: xv})
    dy = np.cos(xv.astype(np.float64) @ wv.astype(np.float64))
    _close(got_x, dy @ wv.T.astype(np.float64))
    _close(got_w, xv.T.astype(np.float64) @ dy)
