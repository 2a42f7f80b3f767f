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

# Filter values per segment and per group of segments run in one tile call: a group's filter rows
# (at most GROUP_VALUES x COLS floats, 32 KB with AVX-512) stay in L1 while every row tile of the
# image passes over them.  Measured for the notes' 3x3x64x64 conv on one core: 4.53 ms with one
# call per tile over all 576 values, 4.27 ms in groups of 96 (64: 4.39, 192: 4.47).
SEGMENT_VALUES = 96
GROUP_VALUES = 128
# Gradient bytes per band of output rows in the filter gradient: the band stays in L1 while every
# filter-row tile passes over it.  Measured for the notes' second conv at batch 64 on one core:
# 4.98 ms with whole images, 4.65 / 4.36 / 4.32 ms with 12 / 24 / 48 KB bands.
BAND_BYTES = 32 * 1024


@kernel
def pad_image(x, n, top, left, sh, sw, buf, clear):
    """``buf[top + iy*sh, left + ix*sw, :] = x[n, iy, ix, :]`` where that fits, zeros elsewhere
    (``sh``/``sw`` > 1 spread the rows/columns out, for the input gradient of a strided conv).
    The zeros are written only when ``clear`` (a buffer reused for the next image of the same
    shape keeps them: the same positions are overwritten)."""
    _, h, w, c = x.shape
    hb, wb, _ = buf.shape
    if clear:
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
def filter_grad_images(x, g, n0, n1, top, left, hb, wb, kh, kw, sh, sw, dh, dw, gpad, part, sums, want_sums):
    """``part`` [KH*KW*C, Opad] = sum over images ``n0:n1``, output rows and columns of
    ``xpad[oy*sh + ky*dh, ox*sw + kx*dw, c] * g[n, oy, ox, :]``.

    ``g`` is [N, ho, wo, O]; ``gpad`` [(n1-n0)*ho*wo, Opad] receives it with zero columns up to
    ``Opad`` unless ``O == Opad`` (then ``g`` is read in place).  With ``want_sums``, ``sums``
    [O] (float64, zeroed by the caller) also receives ``g``'s per-channel sums over these images,
    band by band while the band is in cache (a bias gradient without its own pass over ``g``)."""
    nb = n1 - n0
    c = x.shape[3]
    _, ho, wo, o = g.shape
    k_rows, cols_b = part.shape
    buf = np.empty((nb, hb, wb, c), dtype=np.float32)
    for i in range(nb):
        pad_image(x, n0 + i, top, left, 1, 1, buf[i], True)
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
    # a band of output rows at a time (its gradient rows, at most BAND_BYTES, stay in L1 while every
    # filter-row tile passes over them); the chains continue across bands and images in order.
    band = max(1, min(ho, BAND_BYTES // (wo * COLS * 4)))
    k_tiles = -(-k_rows // MR)
    kofs = np.empty(k_tiles * MR, dtype=np.int64)
    for q in range(k_tiles * MR):
        k = min(q, k_rows - 1)
        ky = k // (kw * c)
        rem = k - ky * kw * c
        kx = rem // c
        kofs[q] = ((ky * dh) * wb + kx * dw) * c + (rem - kx * c)
    a_offs = np.empty(band * MR, dtype=np.int64)
    seg_b = np.empty(band, dtype=np.int64)
    seg_len = np.full(band, wo, dtype=np.int64)
    tbuf = np.empty(k_tiles * MR * COLS, dtype=np.float32)
    part_flat = part.reshape(-1)
    image = hb * wb * c
    ones = np.ones(wo * sw * c, dtype=np.float32)
    zero_offs = np.zeros(band * MR, dtype=np.int64)
    stile = np.empty(MR * COLS, dtype=np.float32)
    for b_col in range(0, cols_b, COLS):
        for i in range(nb):
            for y0 in range(0, ho, band):
                rows = min(band, ho - y0)
                for q in range(rows):
                    seg_b[q] = ((i * ho + y0 + q) * wo) * cols_b + b_col
                more = i > 0 or y0 > 0
                for t in range(k_tiles):
                    for q in range(rows):
                        base = i * image + (y0 + q) * sh * wb * c
                        for r in range(MR):
                            a_offs[q * MR + r] = base + kofs[t * MR + r]
                    if (t + 1) * MR <= k_rows:
                        tile_fma(flat, a_offs, g_flat, seg_b, seg_len, rows, sw * c, cols_b, part_flat,
                                 t * MR * cols_b + b_col, cols_b, more, tbuf, 0, False)
                    else:
                        tile_fma(flat, a_offs, g_flat, seg_b, seg_len, rows, sw * c, cols_b, tbuf,
                                 t * MR * COLS, COLS, more, tbuf, 0, False)
                if want_sums:
                    # the band's column sums on the tile kernel (a row of ones times the band; a
                    # scalar loop cannot vectorize the float64 accumulator, measured 5x slower),
                    # float32 within the band, float64 across bands as the Sum kernel
                    tile_fma(ones, zero_offs, g_flat, seg_b, seg_len, rows, sw * c, cols_b, stile, 0, COLS,
                             False, stile, 0, False)
                    for j in range(min(COLS, o - b_col)):
                        sums[b_col + j] += stile[j]
        for t in range(k_tiles):
            for r in range(MR):
                if (t + 1) * MR > k_rows and t * MR + r < k_rows:
                    for j in range(COLS):
                        part[t * MR + r, b_col + j] = tbuf[(t * MR + r) * COLS + j]
    return part


@kernel
def forward_images(x, n0, n1, top, left, ups_h, ups_w, hb, wb, w2, kh, kw, sh, sw, dh, dw, ho, wo,
                   bias, has_bias, out, o0):
    """Conv of images ``n0:n1`` of ``x`` [N, H, W, C] with ``w2`` [KH*KW*C, Opad] (rows in
    (ky, kx, c) order, ``Opad`` a multiple of ``COLS``) into ``out`` [N, ho, wo, O] (image ``n``
    at ``out[n - o0]``: a caller's scratch block may hold a few images only).

    The image sits in a zero buffer [hb, wb, C] at (``top``, ``left``), its rows/columns spread by
    ``ups_h``/``ups_w``; output pixel (oy, ox) reads buffer rows ``oy*sh + ky*dh`` and columns
    ``ox*sw + kx*dw``.  ``bias`` [O] is added after each sum when ``has_bias``.  Each output value
    is one chain of FMAs over (ky, kx, c) in order, continued across groups."""
    c = x.shape[3]
    o = out.shape[3]
    cols_b = w2.shape[1]
    buf = np.empty((hb, wb, c), dtype=np.float32)
    flat = buf.reshape(-1)
    w_flat = w2.reshape(-1)
    out_flat = out.reshape(-1)
    # segments: contiguous runs of the buffer (a kernel row's KW*C values when the width is not
    # dilated, else C per tap), cut into pieces of at most SEGMENT_VALUES
    per_row = 1 if dw == 1 else kw
    run = (kw // per_row) * c
    pieces = -(-run // SEGMENT_VALUES)
    piece = -(-run // pieces)
    nseg = kh * per_row * pieces
    seg_a = np.empty(nseg, dtype=np.int64)
    seg_b0 = np.empty(nseg, dtype=np.int64)
    seg_len = np.empty(nseg, dtype=np.int64)
    for ky in range(kh):
        for j in range(per_row):
            for q in range(pieces):
                s = (ky * per_row + j) * pieces + q
                lo = q * piece
                seg_a[s] = (ky * dh * wb + j * dw) * c + lo
                seg_b0[s] = ((ky * per_row + j) * run + lo) * cols_b
                seg_len[s] = min(piece, run - lo)
    # groups of consecutive segments: [group_start[g], group_start[g + 1])
    group_start = np.empty(nseg + 1, dtype=np.int64)
    groups = 0
    total = GROUP_VALUES
    for s in range(nseg):
        if total + seg_len[s] > GROUP_VALUES:
            group_start[groups] = s
            groups += 1
            total = 0
        total += seg_len[s]
    group_start[groups] = nseg
    # each tile row's first buffer offset
    pixels = ho * wo
    tiles = -(-pixels // MR)
    pix = np.empty(tiles * MR, dtype=np.int64)
    oy = 0
    ox = 0
    for p in range(tiles * MR):
        pix[p] = ((oy * sh) * wb + ox * sw) * c
        if p < pixels - 1:
            ox += 1
            if ox == wo:
                ox = 0
                oy += 1
    a_offs = np.empty(nseg * MR, dtype=np.int64)
    seg_b = np.empty(nseg, dtype=np.int64)
    grp_b = np.empty(nseg, dtype=np.int64)
    grp_len = np.empty(nseg, dtype=np.int64)
    tbuf = np.empty(tiles * MR * COLS, dtype=np.float32)  # tiles that cannot go straight to ``out``
    direct = o == cols_b
    bias_src = bias if has_bias else tbuf  # the kernel reads COLS values even when not adding them
    for n in range(n0, n1):
        pad_image(x, n, top, left, ups_h, ups_w, buf, n == n0)
        for b_col in range(0, cols_b, COLS):
            for s in range(nseg):
                seg_b[s] = seg_b0[s] + b_col
            for g in range(groups):
                g0 = group_start[g]
                ng = group_start[g + 1] - g0
                for q in range(ng):  # the group's segments (copies: array slices cost refcounts per call)
                    grp_b[q] = seg_b[g0 + q]
                    grp_len[q] = seg_len[g0 + q]
                more = g > 0
                last = g == groups - 1
                for t in range(tiles):
                    for q in range(ng):
                        shift = seg_a[g0 + q]
                        for r in range(MR):
                            a_offs[q * MR + r] = pix[t * MR + r] + shift
                    p0 = t * MR
                    if direct and p0 + MR <= pixels:
                        c0 = ((n - o0) * pixels + p0) * o + b_col
                        tile_fma(flat, a_offs, w_flat, grp_b, grp_len, ng, 1, cols_b, out_flat, c0, o, more,
                                 bias_src, b_col if has_bias else 0, has_bias and last)
                    else:
                        tile_fma(flat, a_offs, w_flat, grp_b, grp_len, ng, 1, cols_b, tbuf,
                                 t * MR * COLS, COLS, more, tbuf, 0, False)
            width = min(COLS, o - b_col)
            for t in range(tiles):
                p0 = t * MR
                if direct and p0 + MR <= pixels:
                    continue
                for r in range(min(MR, pixels - p0)):
                    q = ((n - o0) * pixels + p0 + r) * o + b_col
                    for j in range(width):
                        v = tbuf[(t * MR + r) * COLS + j]
                        if has_bias:
                            v = v + bias[b_col + j]
                        out_flat[q + j] = v
    return out
