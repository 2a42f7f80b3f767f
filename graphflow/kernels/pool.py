"""2-D pooling kernels on C-contiguous NHWC arrays, forward and backward.

Window of output ``(oy, ox)``: rows ``oy*sh - pt ... + kh`` and columns ``ox*sw - pl ... + kw``
clipped to the input (padding never wins a max and is not counted by an average, as in TF).
Max pooling picks the first maximum in window order (row, then column) with a strict ``>``,
as TF's CPU kernels do, so gradients of ties go to the same element as in TF.

Inner loops run over the contiguous channels so LLVM vectorizes them (``max_pool`` is then
memory-bound: [64,28,28,64] 2x2/2 float32 in ~0.45 ms, a select instead of its conditional
store measured no faster).  No numba ``parallel=True`` (see ``conv.py``); the host may split
``max_pool_grad`` over images on graphflow's blocking thread pool (``n0``/``n1``), which gives
the same bits.
"""

from __future__ import annotations

import numpy as np

from graphflow.kernels.jit import kernel


@kernel
def window(o, stride, pad, size, limit):
    """``[lo, hi)`` of output position ``o``'s window along one axis, clipped to ``[0, limit)``."""
    lo = o * stride - pad
    return max(lo, 0), min(lo + size, limit)


@kernel
def max_pool(x, kh, kw, sh, sw, pt, pl, out, n0=0, n1=-1):
    """``out[n, oy, ox, c]`` = max over the window for images ``n0 <= n < n1`` (``n1 < 0``: all;
    ``out`` preallocated)."""
    n_, h, w, c = x.shape
    _, ho, wo, _ = out.shape
    if n1 < 0:
        n1 = n_
    for n in range(n0, n1):
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                for ci in range(c):
                    out[n, oy, ox, ci] = -np.inf
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ci in range(c):
                            v = x[n, iy, ix, ci]
                            if v > out[n, oy, ox, ci]:
                                out[n, oy, ox, ci] = v
    return out


NO_INDEX = 255  # ``max_pool_with_index``: the window held no number (all NaN)


@kernel
def max_pool_with_index(x, kh, kw, sh, sw, pt, pl, out, idx, n0, n1):
    """``max_pool`` that also writes, per output, the window position ``ky*kw + kx`` (relative to
    the unclipped window) of the element ``max_pool_grad`` would route the gradient to: the first
    element above all before it, or the first ``-inf`` when nothing exceeds ``-inf``; ``NO_INDEX``
    when the window is all NaN (uint8 ``idx``; ``kh*kw < 255``)."""
    _, h, w, c = x.shape
    _, ho, wo, _ = out.shape
    none = np.uint8(NO_INDEX)
    for n in range(n0, n1):
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            ly = oy * sh - pt
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                lx = ox * sw - pl
                for ci in range(c):
                    out[n, oy, ox, ci] = -np.inf
                    idx[n, oy, ox, ci] = none
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        k = np.uint8((iy - ly) * kw + (ix - lx))
                        for ci in range(c):
                            v = x[n, iy, ix, ci]
                            best = out[n, oy, ox, ci]
                            i0 = idx[n, oy, ox, ci]
                            take = v > best
                            first_inf = i0 == none and v == best
                            out[n, oy, ox, ci] = v if take else best
                            idx[n, oy, ox, ci] = k if take or first_inf else i0
    return out


@kernel
def max_pool_grad_from_index(idx, g, kh, kw, sh, sw, pt, pl, out, n0, n1):
    """``max_pool_grad`` given ``max_pool_with_index``'s positions instead of the input and the
    pooled output: the same routing and the same bits (``out`` shaped like the input, every
    element of ``out[n0:n1]`` written; windows add in order, an already-NaN element is kept)."""
    _, h, w, c = out.shape
    _, ho, wo, _ = g.shape
    zero = np.zeros(1, dtype=out.dtype)[0]
    for n in range(n0, n1):
        zr = 0
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            ly = oy * sh - pt
            if y1 > zr:
                out[n, zr:y1] = zero
                zr = y1
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                lx = ox * sw - pl
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        k = np.uint8((iy - ly) * kw + (ix - lx))
                        for ci in range(c):
                            hit = idx[n, oy, ox, ci] == k
                            o = out[n, iy, ix, ci]
                            out[n, iy, ix, ci] = o + g[n, oy, ox, ci] if hit and o == o else o
        if h > zr:
            out[n, zr:h] = zero
    return out


@kernel
def max_pool_argmax(x, kh, kw, sh, sw, pt, pl, include_batch, out, arg):
    """Max pool and the flat index ``((n*H + y)*W + x)*C + c`` of each max (``n`` optional)."""
    n_, h, w, c = x.shape
    _, ho, wo, _ = out.shape
    for n in range(n_):
        nb = n if include_batch else 0
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                for ci in range(c):
                    best = -np.inf
                    bi = -1
                    for iy in range(y0, y1):
                        for ix in range(x0, x1):
                            v = x[n, iy, ix, ci]
                            if v > best or bi < 0:
                                best = v
                                bi = ((nb * h + iy) * w + ix) * c + ci
                    out[n, oy, ox, ci] = best
                    arg[n, oy, ox, ci] = bi
    return out


@kernel
def max_pool_grad(x, y, g, kh, kw, sh, sw, pt, pl, out, n0=0, n1=-1):
    """Route ``g[n, oy, ox, c]`` to the first element of its window equal to the pooled max
    ``y[n, oy, ox, c]``, for images ``n0 <= n < n1`` (``n1 < 0``: all).  ``out`` is shaped
    like x and need not be zeroed: every element of ``out[n0:n1]`` is written.

    Branch-free channel loop: ``rem[c]`` holds the part of ``g`` not yet routed (``-0.0``
    once routed; ``-0.0`` is the exact identity of ``+``), so the first equal element of the
    window takes it and later ones add nothing.  An already-NaN ``out`` element is kept as is
    (``o == o``): x86 returns the first operand of NaN + NaN and LLVM may swap the operands of
    ``+``, so this pins the NaN bits to ``out``'s, as the scalar ``out += g`` gave.  Each
    image's rows are zeroed just before the first window that reaches them (cache-warm) and
    rows no window reaches are zeroed too.  Measured, [64,28,28,64] 2x2/2 float32, one thread:
    1.0 ms vs 3.2 ms (two threads: 0.54 vs 2.0 ms) for a ``done``-flag loop with a conditional
    store plus the host's ``np.zeros``; a write-once variant for disjoint windows (no zeroing,
    no read of ``out``) took 1.15 ms (its stores miss the cache).  A first-match search per
    channel that stops at the match strides over channels (measured 3-4x slower than the
    ``done``-flag loop)."""
    n_, h, w, c = x.shape
    _, ho, wo, _ = g.shape
    if n1 < 0:
        n1 = n_
    rem = np.empty(c, dtype=out.dtype)
    zero = np.zeros(1, dtype=out.dtype)[0]
    nz = -zero
    for n in range(n0, n1):
        zr = 0  # rows [0, zr) of image n are zeroed
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            if y1 > zr:
                out[n, zr:y1] = zero
                zr = y1
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                for ci in range(c):
                    rem[ci] = g[n, oy, ox, ci]
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ci in range(c):
                            hit = x[n, iy, ix, ci] == y[n, oy, ox, ci]
                            r = rem[ci]
                            o = out[n, iy, ix, ci]
                            out[n, iy, ix, ci] = o + r if hit and o == o else o
                            rem[ci] = nz if hit else r
        if h > zr:
            out[n, zr:h] = zero
    return out


@kernel
def max_pool_grad_grad(x, gg, kh, kw, sh, sw, pt, pl, out):
    """``out[n, oy, ox, c] = gg`` at the first max of the window (``out`` shaped like the pool)."""
    n_, h, w, c = x.shape
    _, ho, wo, _ = out.shape
    for n in range(n_):
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                for ci in range(c):
                    best = -np.inf
                    by = -1
                    bx = -1
                    for iy in range(y0, y1):
                        for ix in range(x0, x1):
                            v = x[n, iy, ix, ci]
                            if v > best or by < 0:
                                best = v
                                by = iy
                                bx = ix
                    out[n, oy, ox, ci] = gg[n, by, bx, ci] if by >= 0 else 0
    return out


@kernel
def scatter_flat_add(g, arg, out):
    """``out.flat[arg[i]] += g.flat[i]`` (MaxPoolGradWithArgmax; ``out`` zeroed, 1-D views)."""
    for i in range(g.size):
        out[arg[i]] += g[i]
    return out


@kernel
def avg_pool(x, kh, kw, sh, sw, pt, pl, out):
    """Mean over the part of each window inside the input."""
    n_, h, w, c = x.shape
    _, ho, wo, _ = out.shape
    for n in range(n_):
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                count = (y1 - y0) * (x1 - x0)
                for ci in range(c):
                    out[n, oy, ox, ci] = 0
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ci in range(c):
                            out[n, oy, ox, ci] += x[n, iy, ix, ci]
                for ci in range(c):
                    out[n, oy, ox, ci] /= count
    return out


@kernel
def avg_pool_grad(g, kh, kw, sh, sw, pt, pl, out):
    """Spread ``g / count`` over each window's valid part (``out`` zeroed, shaped like input)."""
    n_, h, w, c = out.shape
    _, ho, wo, _ = g.shape
    for n in range(n_):
        for oy in range(ho):
            y0, y1 = window(oy, sh, pt, kh, h)
            for ox in range(wo):
                x0, x1 = window(ox, sw, pl, kw, w)
                count = (y1 - y0) * (x1 - x0)
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        for ci in range(c):
                            out[n, iy, ix, ci] += g[n, oy, ox, ci] / count
    return out
