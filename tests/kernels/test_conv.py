"""Kernel-level tests of graphflow/kernels/conv.py and pool.py and their host drivers in nn_ops
(im2col layout, col2im adjointness, chunking over large batches, TF's tie and padding rules)."""

import numpy as np
import pytest
from op_cases_nn import (
    np_avg_pool,
    np_conv2d,
    np_conv2d_backprop_filter,
    np_conv2d_backprop_input,
    np_max_pool,
    np_max_pool_grad,
)

from graphflow.kernels import conv as ck
from graphflow.kernels import pool as pk
from graphflow.ops import nn_ops

GEOMETRIES = [
    # (x shape, filter shape, strides, padding, dilations)
    ((2, 6, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((1, 7, 6, 2), (2, 4, 2, 3), (2, 2), "SAME", (1, 1)),
    ((3, 7, 8, 2), (3, 2, 2, 2), (2, 3), "VALID", (1, 1)),
    ((1, 9, 7, 1), (3, 3, 1, 2), (1, 1), "SAME", (2, 3)),
]


def _geom(x_shape, f_shape, strides, padding, dil):
    _, h, w, _ = x_shape
    kh, kw = f_shape[:2]
    return nn_ops._runtime_geometry(h, w, kh, kw, strides[0], strides[1], dil[0], dil[1], padding, [])


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
def test_im2col_times_filter_is_the_convolution(xs, fs, strides, padding, dil):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs)
    f = rng.standard_normal(fs)
    ho, wo, pt, pl = _geom(xs, fs, strides, padding, dil)
    k = fs[0] * fs[1] * fs[2]
    cols = np.full((xs[0] * ho * wo, k), np.nan)
    ck.im2col(x, 0, xs[0], fs[0], fs[1], strides[0], strides[1], dil[0], dil[1], pt, pl, ho, wo, cols)
    got = (cols @ f.reshape(k, fs[3])).reshape(xs[0], ho, wo, fs[3])
    np.testing.assert_allclose(got, np_conv2d(x, f, strides, padding, dil), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(xs, fs, strides, padding, dil):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs)
    ho, wo, pt, pl = _geom(xs, fs, strides, padding, dil)
    k = fs[0] * fs[1] * fs[2]
    cols = np.empty((xs[0] * ho * wo, k))
    ck.im2col(x, 0, xs[0], fs[0], fs[1], strides[0], strides[1], dil[0], dil[1], pt, pl, ho, wo, cols)
    c = rng.standard_normal(cols.shape)
    back = np.zeros(xs)
    ck.col2im(c, 0, xs[0], fs[0], fs[1], strides[0], strides[1], dil[0], dil[1], pt, pl, ho, wo, back)
    assert np.isclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
@pytest.mark.parametrize("chunk_elems", [1, 1 << 20])
def test_chunked_host_passes_match_reference(monkeypatch, xs, fs, strides, padding, dil, chunk_elems):
    monkeypatch.setattr(nn_ops, "_CHUNK_ELEMS", chunk_elems)  # 1: one image per chunk
    rng = np.random.default_rng(2)
    x = rng.standard_normal(xs)
    f = rng.standard_normal(fs)
    y = nn_ops.conv2d_nhwc(x, f, *strides, *dil, padding, [], np.float64)
    np.testing.assert_allclose(y, np_conv2d(x, f, strides, padding, dil), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    dx = nn_ops.conv2d_backprop_input_nhwc(xs, f, g, *strides, *dil, padding, [], np.float64)
    np.testing.assert_allclose(
        dx, np_conv2d_backprop_input(xs, f, g, strides, padding, dil), rtol=1e-12, atol=1e-12
    )
    df = nn_ops.conv2d_backprop_filter_nhwc(x, fs, g, *strides, *dil, padding, [], np.float64)
    np.testing.assert_allclose(
        df, np_conv2d_backprop_filter(x, fs, g, strides, padding, dil), rtol=1e-12, atol=1e-12
    )


def test_float32_and_float16_keep_their_dtype():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    f = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    assert nn_ops.conv2d_nhwc(x, f, 1, 1, 1, 1, "SAME", [], np.float32).dtype == np.float32
    y16 = nn_ops.conv2d_nhwc(x.astype(np.float16), f.astype(np.float16), 1, 1, 1, 1, "SAME", [], np.float16)
    assert y16.dtype == np.float16
    np.testing.assert_allclose(y16, np_conv2d(x, f), rtol=2e-2, atol=2e-2)


def test_max_pool_ties_go_to_the_first_maximum_as_tf():
    x = np.zeros((1, 2, 2, 1))
    g = np.ones((1, 1, 1, 1))
    out = np.zeros_like(x)
    pk.max_pool_grad(x, np.zeros((1, 1, 1, 1)), g, 2, 2, 2, 2, 0, 0, out)
    assert out[0, :, :, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_avg_pool_same_divides_by_the_valid_count():
    x = np.ones((1, 3, 3, 1))
    out = np.empty((1, 2, 2, 1))
    pk.avg_pool(x, 2, 2, 2, 2, 0, 0, out)  # SAME for 3 with k=2, s=2: pad after only
    np.testing.assert_array_equal(out, 1.0)
    np.testing.assert_allclose(
        np_avg_pool(np.arange(9.0).reshape(1, 3, 3, 1), (2, 2), (2, 2), "SAME")[0, :, :, 0],
        [[2.0, 3.5], [6.5, 8.0]],
    )


@pytest.mark.parametrize(
    "k,s,padding", [((2, 2), (2, 2), "SAME"), ((3, 2), (1, 2), "VALID"), ((3, 3), (2, 2), "SAME")]
)
def test_pool_kernels_match_reference(k, s, padding):
    rng = np.random.default_rng(4)
    x = rng.permutation(2 * 7 * 5 * 3).reshape(2, 7, 5, 3).astype(np.float64)
    _, h, w, _ = x.shape
    ho, wo, pt, pl = nn_ops._runtime_geometry(h, w, k[0], k[1], s[0], s[1], 1, 1, padding, [])
    out = np.empty((2, ho, wo, 3))
    pk.max_pool(x, k[0], k[1], s[0], s[1], pt, pl, out)
    np.testing.assert_array_equal(out, np_max_pool(x, k, s, padding))
    g = rng.standard_normal(out.shape)
    dx = np.zeros_like(x)
    pk.max_pool_grad(x, out, g, k[0], k[1], s[0], s[1], pt, pl, dx)
    np.testing.assert_allclose(dx, np_max_pool_grad(x, g, k, s, padding))


# -- MaxPool positions for MaxPoolGrad (runtime/fusion.fuse_index_gradients) ----------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape,k,s,padding",
    [((2, 6, 7, 5), (2, 2), (2, 2), "SAME"), ((2, 7, 7, 3), (3, 3), (2, 2), "SAME"),
     ((1, 5, 6, 4), (3, 2), (1, 1), "VALID"), ((2, 6, 6, 17), (2, 3), (2, 1), "SAME")],
)
def test_pool_positions_give_max_pool_grad_bits(dtype, shape, k, s, padding):
    """Ties, NaN windows, -inf windows, +-0, overlapping windows: the same bits as max_pool_grad."""
    rng = np.random.default_rng(9)
    x = rng.integers(-3, 3, size=shape).astype(dtype)  # many ties
    x.reshape(-1)[rng.choice(x.size, x.size // 6, replace=False)] = np.nan
    x.reshape(-1)[rng.choice(x.size, x.size // 6, replace=False)] = -np.inf
    x.reshape(-1)[rng.choice(x.size, x.size // 8, replace=False)] = -0.0
    n, h, w, c = shape
    ho, wo, pt, pl = nn_ops._pool_geometry(shape, *k, *s, padding, [])
    x[0, : k[0] - pt, : k[1] - pl, 0] = np.nan  # the first window all NaN
    x[-1, : k[0] - pt, : k[1] - pl, -1] = -np.inf  # and one all -inf
    y = np.empty((n, ho, wo, c), dtype)
    pk.max_pool(x, *k, *s, pt, pl, y)
    y2 = np.empty_like(y)
    idx = np.empty(y.shape, np.uint8)
    pk.max_pool_with_index(x, *k, *s, pt, pl, y2, idx, 0, n)
    assert y2.tobytes() == y.tobytes()
    g = rng.standard_normal(y.shape).astype(dtype)
    g.reshape(-1)[:3] = [-0.0, np.nan, 0.0]
    want = np.empty(shape, dtype)
    pk.max_pool_grad(x, y, g, *k, *s, pt, pl, want)
    got = np.full(shape, 7.0, dtype)  # every element written
    pk.max_pool_grad_from_index(idx, g, *k, *s, pt, pl, got, 0, n)
    assert got.tobytes() == want.tobytes()
    assert idx[0, 0, 0, 0] == pk.NO_INDEX
