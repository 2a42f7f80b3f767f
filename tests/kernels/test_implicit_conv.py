"""Tests of graphflow/kernels/tile_gemm.py (the register-tile FMA kernel) and
graphflow/kernels/implicit_conv.py through nn_ops' float32 conv drivers: every geometry against a
float64 direct-loop reference, the im2col path kept for hosts without the kernel, bias fusion and
column/row tails (thread-count independence: test_threads_determinism.py)."""

import numba
import numpy as np
import pytest
from op_cases_nn import np_conv2d, np_conv2d_backprop_filter, np_conv2d_backprop_input

from graphflow.kernels import tile_gemm
from graphflow.ops import nn_ops

pytestmark = pytest.mark.skipif(not tile_gemm.AVAILABLE, reason="host has no AVX-512/AVX2+FMA")

MR, COLS = tile_gemm.MR, tile_gemm.COLS


@numba.njit(cache=True)
def _call_tile(a, a_offs, b, b_offs, lens, nseg, sa, sb, c, c0, ldc, accumulate, bias, b0, has_bias):
    tile_gemm.tile_fma(a, a_offs, b, b_offs, lens, nseg, sa, sb, c, c0, ldc, accumulate, bias, b0, has_bias)
    return c


def _tile_reference(a, a_offs, b, b_offs, lens, sa, sb):
    ref = np.zeros((MR, COLS))
    for s in range(len(lens)):
        for i in range(lens[s]):
            row = b[b_offs[s] + i * sb : b_offs[s] + i * sb + COLS].astype(np.float64)
            for r in range(MR):
                ref[r] += float(a[a_offs[s * MR + r] + i * sa]) * row
    return ref


@pytest.mark.parametrize("accumulate,has_bias", [(0, False), (1, False), (0, True), (1, True)])
def test_tile_fma_matches_the_segment_sum(accumulate, has_bias):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(500).astype(np.float32)
    b = rng.standard_normal(4000).astype(np.float32)
    lens = np.array([3, 0, 7, 5], dtype=np.int64)
    sa, sb = 3, COLS + 5
    a_offs = rng.integers(0, 500 - 7 * sa, size=len(lens) * MR).astype(np.int64)
    b_offs = rng.integers(0, 4000 - 7 * sb - COLS, size=len(lens)).astype(np.int64)
    ldc = COLS + 3
    start = rng.standard_normal(MR * ldc + 2).astype(np.float32)
    bias = rng.standard_normal(COLS + 4).astype(np.float32)
    c = _call_tile(a, a_offs, b, b_offs, lens, len(lens), sa, sb, start.copy(), 2, ldc, accumulate, bias, 4,
                   has_bias)
    ref = _tile_reference(a, a_offs, b, b_offs, lens, sa, sb)
    if accumulate:
        ref += start[2 : 2 + MR * ldc].reshape(MR, ldc)[:, :COLS]
    if has_bias:
        ref += bias[4 : 4 + COLS]
    got = c[2 : 2 + MR * ldc].reshape(MR, ldc)
    np.testing.assert_allclose(got[:, :COLS], ref, rtol=1e-5, atol=1e-5)
    # the gaps between rows (ldc > COLS) and the values before c0 are untouched
    np.testing.assert_array_equal(got[:, COLS:], start[2 : 2 + MR * ldc].reshape(MR, ldc)[:, COLS:])
    np.testing.assert_array_equal(c[:2], start[:2])


GEOMETRIES = [
    # (x shape, filter shape, strides, padding, dilations) - channel counts around the tile width
    ((2, 9, 8, 3), (3, 3, 3, 5), (1, 1), "SAME", (1, 1)),
    ((3, 14, 14, 64), (3, 3, 64, 64), (1, 1), "SAME", (1, 1)),
    ((2, 7, 7, 17), (3, 3, 17, COLS + 6), (1, 1), "SAME", (1, 1)),
    ((1, 7, 6, 2), (2, 4, 2, 3), (2, 2), "SAME", (1, 1)),
    ((3, 9, 10, 4), (3, 2, 4, COLS), (2, 3), "VALID", (1, 1)),
    ((1, 11, 9, 2), (3, 3, 2, 7), (1, 1), "SAME", (2, 3)),
    ((2, 10, 9, 3), (3, 3, 3, 4), (3, 2), "SAME", (2, 1)),
    ((2, 5, 6, 1), (1, 4, 1, 9), (1, 1), "VALID", (1, 1)),
    ((1, 28, 28, 1), (3, 3, 1, 64), (1, 1), "SAME", (1, 1)),
]


def _geom(xs, fs, strides, padding, dil):
    return nn_ops._runtime_geometry(xs[1], xs[2], fs[0], fs[1], *strides, *dil, padding, [])


def _data(xs, fs, strides, padding, dil, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xs).astype(np.float32)
    f = rng.standard_normal(fs).astype(np.float32)
    ho, wo, _, _ = _geom(xs, fs, strides, padding, dil)
    g = rng.standard_normal((xs[0], ho, wo, fs[3])).astype(np.float32)
    return x, f, g


def _close(got, ref):
    assert got.dtype == np.float32
    scale = max(1.0, float(np.abs(ref).max()))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=2e-6 * scale)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
def test_forward_with_and_without_bias(xs, fs, strides, padding, dil):
    x, f, _ = _data(xs, fs, strides, padding, dil)
    ref = np_conv2d(x.astype(np.float64), f.astype(np.float64), strides, padding, dil)
    got = nn_ops.conv2d_nhwc(x, f, *strides, *dil, padding, [], np.float32)
    _close(got, ref)
    bias = np.random.default_rng(5).standard_normal(fs[3]).astype(np.float32)
    fused = nn_ops.conv2d_nhwc(x, f, *strides, *dil, padding, [], np.float32, bias=bias)
    # the bias is added to the finished sum: the same bits as a separate add
    np.testing.assert_array_equal(fused, got + bias)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
def test_backprop_input(xs, fs, strides, padding, dil):
    _, f, g = _data(xs, fs, strides, padding, dil)
    ref = np_conv2d_backprop_input(xs, f.astype(np.float64), g.astype(np.float64), strides, padding, dil)
    got = nn_ops.conv2d_backprop_input_nhwc(xs, f, g, *strides, *dil, padding, [], np.float32)
    _close(got, ref)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES)
def test_backprop_filter(xs, fs, strides, padding, dil):
    x, _, g = _data(xs, fs, strides, padding, dil)
    ref = np_conv2d_backprop_filter(x.astype(np.float64), fs, g.astype(np.float64), strides, padding, dil)
    got = nn_ops.conv2d_backprop_filter_nhwc(x, fs, g, *strides, *dil, padding, [], np.float32)
    _close(got, ref)


def test_explicit_padding_wider_than_the_kernel_falls_back_for_the_input_gradient():
    xs, fs = (2, 5, 6, 3), (3, 3, 3, 4)
    explicit = [0, 0, 4, 1, 3, 5, 0, 0]
    rng = np.random.default_rng(3)
    x = rng.standard_normal(xs).astype(np.float32)
    f = rng.standard_normal(fs).astype(np.float32)
    pairs = [[0, 0], [4, 1], [3, 5]]
    ref = np_conv2d(x.astype(np.float64), f.astype(np.float64), (1, 1), "EXPLICIT", (1, 1), pairs)
    got = nn_ops.conv2d_nhwc(x, f, 1, 1, 1, 1, "EXPLICIT", explicit, np.float32)
    _close(got, ref)
    g = rng.standard_normal(got.shape).astype(np.float32)
    dx = nn_ops.conv2d_backprop_input_nhwc(xs, f, g, 1, 1, 1, 1, "EXPLICIT", explicit, np.float32)
    # adjointness: <conv(x), g> == <x, conv^T(g)>
    assert np.isclose(float((got.astype(np.float64) * g).sum()), float((x.astype(np.float64) * dx).sum()),
                      rtol=1e-4)
    dw = nn_ops.conv2d_backprop_filter_nhwc(x, fs, g, 1, 1, 1, 1, "EXPLICIT", explicit, np.float32)
    assert np.isclose(float((got.astype(np.float64) * g).sum()), float((f.astype(np.float64) * dw).sum()),
                      rtol=1e-4)


@pytest.mark.parametrize("xs,fs,strides,padding,dil", GEOMETRIES[:4])
def test_hosts_without_the_tile_kernel_keep_the_im2col_path(monkeypatch, xs, fs, strides, padding, dil):
    x, f, g = _data(xs, fs, strides, padding, dil)
    fast = (
        nn_ops.conv2d_nhwc(x, f, *strides, *dil, padding, [], np.float32),
        nn_ops.conv2d_backprop_input_nhwc(xs, f, g, *strides, *dil, padding, [], np.float32),
        nn_ops.conv2d_backprop_filter_nhwc(x, fs, g, *strides, *dil, padding, [], np.float32),
    )
    monkeypatch.setattr(tile_gemm, "AVAILABLE", False)
    slow = (
        nn_ops.conv2d_nhwc(x, f, *strides, *dil, padding, [], np.float32),
        nn_ops.conv2d_backprop_input_nhwc(xs, f, g, *strides, *dil, padding, [], np.float32),
        nn_ops.conv2d_backprop_filter_nhwc(x, fs, g, *strides, *dil, padding, [], np.float32),
    )
    for a, b in zip(fast, slow, strict=True):
        _close(a, b.astype(np.float64))


_AVX2_CHECK = """
import numpy as np
from graphflow.kernels import tile_gemm
from graphflow.ops import nn_ops
assert tile_gemm.VW == 8 and tile_gemm.COLS == 16
rng = np.random.default_rng(0)
x = rng.standard_normal((3, 9, 8, 5)).astype(np.float32)
f = rng.standard_normal((3, 3, 5, 21)).astype(np.float32)
bias = rng.standard_normal(21).astype(np.float32)
fast = nn_ops.conv2d_nhwc(x, f, 2, 1, 1, 1, "SAME", [], np.float32, bias=bias)
g = rng.standard_normal(fast.shape).astype(np.float32)
dx = nn_ops.conv2d_backprop_input_nhwc(x.shape, f, g, 2, 1, 1, 1, "SAME", [], np.float32)
dw = nn_ops.conv2d_backprop_filter_nhwc(x, f.shape, g, 2, 1, 1, 1, "SAME", [], np.float32)
ref = nn_ops.conv2d_nhwc(x.astype(np.float64), f.astype(np.float64), 2, 1, 1, 1, "SAME", [], np.float64)
np.testing.assert_allclose(fast, ref + bias, rtol=1e-5, atol=1e-5)
ref_dx = nn_ops.conv2d_backprop_input_nhwc(x.shape, f.astype(np.float64), g.astype(np.float64), 2, 1, 1, 1,
                                           "SAME", [], np.float64)
np.testing.assert_allclose(dx, ref_dx, rtol=1e-5, atol=1e-5)
ref_dw = nn_ops.conv2d_backprop_filter_nhwc(x.astype(np.float64), f.shape, g.astype(np.float64), 2, 1, 1, 1,
                                            "SAME", [], np.float64)
np.testing.assert_allclose(dw, ref_dw, rtol=1e-5, atol=1e-5)
print("ok")
"""


@pytest.mark.skipif(tile_gemm.VW != 16, reason="needs an AVX-512 host to also run the AVX2 variant")
def test_avx2_variant_on_an_avx512_host(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, GRAPHFLOW_TEST_TILE_WIDTH="8", NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", _AVX2_CHECK], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
