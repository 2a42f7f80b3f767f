"""Float32 NHWC convolutions as implicit GEMMs on the register-blocked tile kernel
(``tile_gemm.tile_fma``): no patch matrix is written or read back.

Each image is first copied into a zero-bordered buffer (``pad_image``), so every tap of every
output pixel is an in-bounds read and a tile's rows can share one list of segments: with no
dilation along the width a kernel row's taps are ``KW*C`` contiguous floats (one segment per
kernel row), else one segment per tap.

- ``forward_images``: ``out[n, oy, ox, :] = sum_taps xpad[...] @ w[tap]`` (+ bias after the sum),
  ``MR`` output pixels x ``COLS`` output channels per tile.  The input gradient of a conv is the
  same kernel run on the (dilated, padded) output gradient with the flipped, transposed filter.
- ``filter_grad_images``: ``dw[(ky, kx, c), :] += sum_{n, oy, ox} xpad[n, ...] * g[n, oy, ox, :]``
  for a range of images, ``MR`` filter rows x ``COLS`` output channels per tile, one segment per
  output row.

Every output value is one chain of fused multiply-adds in a fixed order (taps, then channels;
or images, rows, columns), so results do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np

from graphflow.kernels.jit import kernel
from graphflow.kernels.tile_gemm import COLS, MR, tile_fma


@kernel
def pad_image(x, n, top, left, sh, sw, buf):
    """``buf[top + iy*sh, left + ix*sw, :] = x[n, iy, ix, :]`` where that fits, zeros elsewhere
    (``sh``/``sw`` > 1 spread the rows/columns out, for the input gradient of a strided conv)."""
    _, h, w, c = x.shape
    hb, wb, _ = buf.shape
    buf[:] = 0
    for iy in range(h):
        by = top + iy * sh
        if by < 0 or by >= hb:
            continue
        for ix in range(w):
            bx = left + ix * sw
            if bx < 0 or bx >= wb:
                continue
            for ci in range(c):
                buf[by, bx, ci] = x[n, iy, ix, ci]
    return buf


@kernel
def forward_images(x, n0, n1, top, left, ups_h, ups_w, hb, wb, w2, kh, kw, sh, sw, dh, dw, ho, wo,
                   bias, has_bias, out):
    """Conv of images ``n0:n1`` of ``x`` [N, H, W, C] with ``w2`` [KH*KW*C, Opad] (rows in
    (ky, kx, c) order, ``Opad`` a multiple of ``COLS``) into ``out`` [N, ho, wo, O].

    The image sits in a zero buffer [hb, wb, C] at (``top``, ``left``), its rows/columns spread by
    ``ups_h``/``ups_w``; output pixel (oy, ox) reads buffer rows ``oy*sh + ky*dh`` and columns
    ``ox*sw + kx*dw``.  ``bias`` [O] is added after each sum when ``has_bias``."""
    c = x.shape[3]
    o = out.shape[3]
    cols_b = w2.shape[1]
    buf = np.empty((hb, wb, c), dtype=np.float32)
    flat = buf.reshape(-1)
    w_flat = w2.reshape(-1)
    out_flat = out.reshape(-1)
    per_row = 1 if dw == 1 else kw
    nseg = kh * per_row
    a_offs = np.empty(nseg * MR, dtype=np.int64)
    seg_b = np.empty(nseg, dtype=np.int64)
    seg_len = np.empty(nseg, dtype=np.int64)
    tap_off = np.empty(nseg, dtype=np.int64)
    seg_b0 = np.empty(nseg, dtype=np.int64)
    for ky in range(kh):
        for j in range(per_row):
            s = ky * per_row + j
            tap_off[s] = (ky * dh * wb + j * dw) * c
            seg_b0[s] = s * (kw // per_row) * c * cols_b
            seg_len[s] = (kw // per_row) * c
    tile = np.empty(MR * COLS, dtype=np.float32)
    pixels = ho * wo
    direct = o == cols_b
    # the kernel loads COLS bias values even when it does not add them: give it a long enough array
    bias_src = bias if has_bias else tile
    for n in range(n0, n1):
        pad_image(x, n, top, left, ups_h, ups_w, buf)
        oy = 0
        ox = 0
        for p0 in range(0, pixels, MR):
            rows = min(MR, pixels - p0)
            for r in range(MR):
                start = ((oy * sh) * wb + ox * sw) * c
                for s in range(nseg):
                    a_offs[s * MR + r] = start + tap_off[s]
                if r < rows - 1:
                    ox += 1
                    if ox == wo:
                        ox = 0
                        oy += 1
            ox += 1
            if ox == wo:
                ox = 0
                oy += 1
            for b_col in range(0, cols_b, COLS):
                for s in range(nseg):
                    seg_b[s] = seg_b0[s] + b_col
                if direct and rows == MR:
                    c0 = (n * pixels + p0) * o + b_col
                    tile_fma(flat, a_offs, w_flat, seg_b, seg_len, nseg, 1, cols_b, out_flat, c0, o,
                             bias_src, b_col if has_bias else 0, has_bias)
                    continue
                tile_fma(flat, a_offs, w_flat, seg_b, seg_len, nseg, 1, cols_b, tile, 0, COLS, tile, 0, False)
                width = min(COLS, o - b_col)
                for r in range(rows):
                    q = (n * pixels + p0 + r) * o + b_col
                    for j in range(width):
                        v = tile[r * COLS + j]
                        if has_bias:
                            v = v + bias[b_col + j]
                        out_flat[q + j] = v
    return out


@kernel
def filter_grad_images(x, g, n0, n1, top, left, hb, wb, kh, kw, sh, sw, dh, dw, gpad, part):
    """``part`` [KH*KW*C, Opad] = sum over images ``n0:n1``, output rows and columns of
    ``xpad[oy*sh + ky*dh, ox*sw + kx*dw, c] * g[n, oy, ox, :]``.

    ``g`` is [N, ho, wo, O]; ``gpad`` [(n1-n0)*ho*wo, Opad] receives it with zero columns up to
    ``Opad`` unless ``O == Opad`` (then ``g`` is read in place)."""
    nb = n1 - n0
    c = x.shape[3]
    _, ho, wo, o = g.shape
    k_rows, cols_b = part.shape
    buf = np.empty((nb, hb, wb, c), dtype=np.float32)
    for i in range(nb):
        pad_image(x, n0 + i, top, left, 1, 1, buf[i])
    flat = buf.reshape(-1)
    if o == cols_b:
        g_flat = g[n0:n1].reshape(-1)
    else:
        gpad[:] = 0
        q = 0
        for n in range(n0, n1):
            for oy in range(ho):
                for ox in range(wo):
                    for j in range(o):
                        gpad[q, j] = g[n, oy, ox, j]
                    q += 1
        g_flat = gpad.reshape(-1)
    nseg = nb * ho
    a_offs = np.empty(nseg * MR, dtype=np.int64)
    seg_b = np.empty(nseg, dtype=np.int64)
    seg_len = np.empty(nseg, dtype=np.int64)
    tile = np.empty(MR * COLS, dtype=np.float32)
    part_flat = part.reshape(-1)
    image = hb * wb * c
    for s in range(nseg):
        seg_len[s] = wo
    for k0 in range(0, k_rows, MR):
        rows = min(MR, k_rows - k0)
        for i in range(nb):
            for oy in range(ho):
                s = i * ho + oy
                for r in range(MR):
                    k = k0 + min(r, rows - 1)
                    ky = k // (kw * c)
                    rem = k - ky * kw * c
                    kx = rem // c
                    ci = rem - kx * c
                    a_offs[s * MR + r] = i * image + ((oy * sh + ky * dh) * wb + kx * dw) * c + ci
        for b_col in range(0, cols_b, COLS):
            for i in range(nb):
                for oy in range(ho):
                    s = i * ho + oy
                    seg_b[s] = (s * wo) * cols_b + b_col
            if rows == MR:
                tile_fma(flat, a_offs, g_flat, seg_b, seg_len, nseg, sw * c, cols_b, part_flat,
                         k0 * cols_b + b_col, cols_b, tile, 0, False)
                continue
            tile_fma(flat, a_offs, g_flat, seg_b, seg_len, nseg, sw * c, cols_b, tile, 0, COLS, tile, 0,
                     False)
            for r in range(rows):
                for j in range(COLS):
                    part[k0 + r, b_col + j] = tile[r * COLS + j]
    return part
