"""Conv forward/backward, MaxPoolGrad and Adam give the same bits on 1 and 2 threads."""

from __future__ import annotations

import numpy as np
import pytest

from graphflow.kernels import updates
from graphflow.ops import nn_ops
from graphflow.runtime import threads


@pytest.fixture
def with_threads(monkeypatch):
    """Run a function with ``threads.split`` set to ``n`` (and every size threshold at 1)."""
    monkeypatch.setattr(nn_ops, "_CONV_PAR_MACS", 1)
    monkeypatch.setattr(nn_ops, "_POOL_PAR_ELEMS", 1)
    monkeypatch.setattr(updates, "_PAR_ELEMS", 1)
    monkeypatch.setattr(threads, "_MIN_SPLIT_MACS", 1)
    monkeypatch.setattr(threads, "ELEMENTWISE_PAR_ELEMS", 1)
    monkeypatch.setattr(threads, "set_threads", lambda n: None)  # sessions keep the split set here

    def run(n, fn):
        monkeypatch.setattr(threads, "split", n)
        return fn()

    return run


def _graph_runs(with_threads, build):
    """``build(gf) -> (fetches, feed)`` in a fresh graph; the fetched values on 1 and on 2 threads."""
    import graphflow as gf

    results = []
    for n in (1, 2):
        with gf.Graph().as_default():
            fetches, feed = build(gf)
            with gf.Session() as sess:
                results.append(with_threads(n, lambda: sess.run(fetches, feed)))  # noqa: B023 - run now
    return results


def _conv_all(x, f, g, padding, stride, dtype):
    fwd = nn_ops.conv2d_nhwc(x, f, stride, stride, 1, 1, padding, None, dtype)
    bi = nn_ops.conv2d_backprop_input_nhwc(x.shape, f, g, stride, stride, 1, 1, padding, None, dtype)
    bf = nn_ops.conv2d_backprop_filter_nhwc(x, f.shape, g, stride, stride, 1, 1, padding, None, dtype)
    return fwd, bi, bf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n,h,c,o,k,padding,stride",
    [
        (13, 9, 3, 5, 3, "SAME", 1),
        (7, 8, 4, 6, 3, "VALID", 2),
        (2, 6, 2, 3, 2, "SAME", 1),
        (9, 5, 3, 4, 1, "SAME", 2),
    ],
)
def test_conv_same_bits_on_1_and_2_threads(with_threads, dtype, n, h, c, o, k, padding, stride, monkeypatch):
    rng = np.random.default_rng(0)
    monkeypatch.setattr(nn_ops, "_CHUNK_ELEMS", 200)  # many chunks: exercises the chunk reduction
    x = rng.standard_normal((n, h, h, c)).astype(dtype)
    f = rng.standard_normal((k, k, c, o)).astype(dtype)
    ho = (h + stride - 1) // stride if padding == "SAME" else (h - k) // stride + 1
    g = rng.standard_normal((n, ho, ho, o)).astype(dtype)
    one = with_threads(1, lambda: _conv_all(x, f, g, padding, stride, dtype))
    two = with_threads(2, lambda: _conv_all(x, f, g, padding, stride, dtype))
    for a, b in zip(one, two, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def test_notes_cnn_conv_same_bits_on_1_and_2_threads(with_threads):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 14, 14, 8)).astype(np.float32)
    f = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)
    g = rng.standard_normal((16, 14, 14, 16)).astype(np.float32)
    one = with_threads(1, lambda: _conv_all(x, f, g, "SAME", 1, np.float32))
    two = with_threads(2, lambda: _conv_all(x, f, g, "SAME", 1, np.float32))
    for a, b in zip(one, two, strict=True):
        assert a.tobytes() == b.tobytes()


def test_max_pool_grad_same_bits_on_1_and_2_threads(with_threads):
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((5, 6, 6, 3)).astype(np.float32)
    xv[:, ::2] = 0.25  # ties go to the first element in window order

    def build(gf):
        x = gf.constant(xv)
        y = gf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        return gf.gradients(y * y, x)[0], None

    results = _graph_runs(with_threads, build)
    assert results[0].tobytes() == results[1].tobytes()


@pytest.mark.parametrize("nesterov", [False, True])
def test_adam_same_bits_on_1_and_2_threads(with_threads, nesterov):
    rng = np.random.default_rng(3)
    size = 1001
    init = [rng.standard_normal(size).astype(np.float32) for _ in range(3)]
    init[2] = np.abs(init[2])
    grad = rng.standard_normal(size).astype(np.float32)
    f = np.float32
    out = []
    for n in (1, 2):
        var, m, v = (a.copy() for a in init)

        def step(var=var, m=m, v=v):
            for _ in range(3):
                updates.apply_adam(var, m, v, f(1e-3), f(0.9), f(0.1), f(0.001), f(1e-8), grad, nesterov)
            return var, m, v

        out.append(with_threads(n, step))
    for a, b in zip(out[0], out[1], strict=True):
        assert a.tobytes() == b.tobytes()
    # and equal to the single-call kernel
    var, m, v = (a.copy() for a in init)
    for _ in range(3):
        updates._apply_adam(var, m, v, f(1e-3), f(0.9), f(0.1), f(0.001), f(1e-8), grad, nesterov)
    assert var.tobytes() == out[0][0].tobytes()


@pytest.mark.parametrize(
    "m,k,n,transpose_a",
    [(64, 300, 1024, False), (1024, 96, 64, False), (310, 64, 300, True), (200, 64, 1000, True)],
)
def test_gemm_row_and_column_blocks_same_bits_as_one_call(with_threads, monkeypatch, m, k, n, transpose_a):
    monkeypatch.setattr(threads, "_MIN_BLOCK_MACS", 1 << 20)
    rng = np.random.default_rng(4)
    a = rng.standard_normal((k, m)).astype(np.float32)
    a = a.T if transpose_a else a.reshape(m, k)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ref = np.dot(a, b)
    for threads_n in (2, 3):
        got = with_threads(threads_n, lambda: threads.dot(a, b))
        assert got.tobytes() == ref.tobytes()
        out = np.empty((m, n), np.float32)
        assert with_threads(threads_n, lambda out=out: threads.dot(a, b, out)) is out
        assert out.tobytes() == ref.tobytes()


def test_float64_gemm_blocks_repeat_their_bits(with_threads):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((310, 64))
    b = rng.standard_normal((64, 300))
    first = with_threads(2, lambda: threads.dot(a, b))
    np.testing.assert_allclose(first, a @ b, rtol=1e-13, atol=1e-13)
    assert with_threads(2, lambda: threads.dot(a, b)).tobytes() == first.tobytes()


def test_relu_sigmoid_and_max_pool_same_bits_on_1_and_2_threads(with_threads):
    rng = np.random.default_rng(6)
    xv = (rng.standard_normal((5, 8, 8, 3)) * 20).astype(np.float32)
    xv[0, 0, 0, :] = [np.nan, -0.0, np.inf]

    def build(gf):
        x = gf.constant(xv)
        pooled = gf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        r = gf.nn.relu(x)
        s = gf.nn.sigmoid(x)
        return [pooled, r, s, gf.gradients(r * x, x)[0]], None

    results = _graph_runs(with_threads, build)
    for a, b in zip(results[0], results[1], strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "real_div"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_binary_ops_same_bits_on_1_and_2_threads(with_threads, op, dtype):
    """Equal shapes (flat blocks) and a bias add (row blocks), threaded, equal the numba kernel."""
    import graphflow as gf
    from graphflow.kernels import elementwise as ek

    rng = np.random.default_rng(7)
    xv = rng.standard_normal((6, 5, 7, 8)).astype(dtype)
    yv = rng.standard_normal((6, 5, 7, 8)).astype(dtype)
    bv = rng.standard_normal(8).astype(dtype)
    xv[0, 0, 0, :3] = [np.nan, np.inf, -0.0]
    fn = {"add": gf.add, "subtract": gf.subtract, "multiply": gf.multiply, "real_div": gf.realdiv}[op]

    def build(gf):
        x, y = gf.placeholder(dtype, xv.shape), gf.placeholder(dtype, yv.shape)
        b = gf.placeholder(dtype, bv.shape)
        return [fn(x, y), fn(x, b), fn(b, x)], {x: xv, y: yv, b: bv}

    results = _graph_runs(with_threads, build)
    kernel = getattr(ek, op)
    x2, b2 = xv.reshape(-1, 8), bv.reshape(1, 8)
    want = [kernel(xv.reshape(-1), yv.reshape(-1)).reshape(xv.shape), kernel(x2, b2), kernel(b2, x2)]
    for one, two, w in zip(results[0], results[1], want, strict=True):
        assert one.tobytes() == two.tobytes() == np.ascontiguousarray(w).tobytes()

