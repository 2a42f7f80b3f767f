"""A register-blocked float32 GEMM micro-kernel written in LLVM IR, for convolutions without a
patch matrix (implicit GEMM).

``tile_fma(a, a_offs, b, b_offs, lens, nseg, sa, sb, c, c0, ldc, accumulate, bias, b0, has_bias)``
computes one ``MR x COLS`` block (``COLS = NV * VW`` floats) in vector registers and stores it at
``c[c0 + r*ldc : ... + COLS]`` for row ``r``::

    c[r, :] = (c[r, :] if accumulate else 0)
              + sum_s sum_i a[a_offs[s*MR + r] + i*sa] * b[b_offs[s] + i*sb : ... + COLS]
              (+ bias[b0 : b0 + COLS] after the sum when has_bias)

for ``s < nseg`` and ``i < lens[s]``, one fused multiply-add per term in that order, so a result
does not depend on how callers split work over threads.  Segments are how a convolution walks
its taps: output row ``r`` reads, for kernel row ``s``, ``KW*C`` contiguous input values at its
own offset in a zero-bordered image.

Why IR and not a plain ``@njit`` loop: numba keeps such a loop's accumulators in memory, so a
direct conv loop measured 2-7x slower than im2col + OpenBLAS; here the ``MR * NV`` accumulators
are SSA vector values (``<VW x float>``) that LLVM keeps in registers, with one broadcast per
row and one vector load of ``b`` per column vector, as the micro-kernels of BLIS and oneDNN do.
Measured on one core (Xeon, AVX-512): 202 GFLOP/s for the notes' 3x3x64x64 conv, about 90% of
OpenBLAS's large-SGEMM peak.

``VW`` is the host's vector width (16 with AVX-512, 8 with AVX2+FMA); ``AVAILABLE`` is False on
other hosts and callers keep their im2col path.  Rows of ``b`` and ``bias`` must be readable
for ``COLS`` floats (callers pad the packed operand); ``bias`` is read even when not added.
"""

from __future__ import annotations

import os
import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["AVAILABLE", "VW", "NV", "MR", "COLS", "tile_fma", "padded_width", "pad_columns"]


def _host_vector_width() -> int:
    """16 (AVX-512F), 8 (AVX2 with FMA) or 0 (no supported vector FMA)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return 0
    try:
        import llvmlite.binding as ll

        feats = ll.get_host_cpu_features()
    except Exception:  # noqa: BLE001 - unknown host: keep the im2col path
        return 0
    if feats.get("avx512f", False):
        return 16
    if feats.get("avx2", False) and feats.get("fma", False):
        return 8
    return 0


VW = _host_vector_width()
# Tests run the AVX2 variant on an AVX-512 host with GRAPHFLOW_TEST_TILE_WIDTH=8 (in a process
# with its own NUMBA_CACHE_DIR: cached kernels are keyed by the host, not by this width).
if VW == 16 and os.environ.get("GRAPHFLOW_TEST_TILE_WIDTH") == "8":
    VW = 8
AVAILABLE = VW > 0
# AVX-512 has 32 vector registers: 6 x 4 accumulators + 4 loads of ``b``; AVX2 has 16: 6 x 2 + 2.
NV = 4 if VW == 16 else 2
MR = 6
COLS = NV * max(VW, 1)


def padded_width(n: int) -> int:
    """``n`` columns rounded up to whole tiles (a multiple of ``COLS``)."""
    return -(-n // COLS) * COLS


def pad_columns(m: np.ndarray) -> np.ndarray:
    """``m`` [K, N] as a C-contiguous array whose rows are ``padded_width(N)`` long (zeros after
    column N): every row of a ``b`` operand is then readable for ``COLS`` floats."""
    k, n = m.shape
    cols = padded_width(n)
    if cols == n:
        return np.ascontiguousarray(m)
    padded = np.zeros((k, cols), dtype=m.dtype)
    padded[:, :n] = m
    return padded


def _as_i64(builder, value):
    return builder.sext(value, ir.IntType(64)) if value.type.width < 64 else value


def _loop_head(builder, vec, entered_from, start_values, bound, body, exit_block):
    """At a loop's head block: the counter (from 0) and one accumulator phi per start value, both
    entered from ``entered_from``; branch to ``body`` while ``counter < bound``, else ``exit_block``.
    The caller adds the back edges' incoming values."""
    i64 = ir.IntType(64)
    counter = builder.phi(i64)
    counter.add_incoming(ir.Constant(i64, 0), entered_from)
    accs = [builder.phi(vec) for _ in start_values]
    for phi, value in zip(accs, start_values, strict=True):
        phi.add_incoming(value, entered_from)
    builder.cbranch(builder.icmp_signed("<", counter, bound), body, exit_block)
    return counter, accs


def _tile_fma(typingctx, a, a_offs, b, b_offs, lens, nseg, sa, sb, c, c0, ldc, accumulate, bias, b0,
              has_bias):  # pragma: no cover - compiled
    sig = types.none(a, a_offs, b, b_offs, lens, nseg, sa, sb, c, c0, ldc, accumulate, bias, b0, has_bias)

    def codegen(context, builder, signature, args):
        tys = signature.args

        def data(i):
            return context.make_array(tys[i])(context, builder, args[i]).data

        a_ptr, aoff_ptr, b_ptr, boff_ptr, len_ptr = data(0), data(1), data(2), data(3), data(4)
        nseg_v, sa_v, sb_v = (_as_i64(builder, args[i]) for i in (5, 6, 7))
        c0_v, ldc_v, b0_v = (_as_i64(builder, args[i]) for i in (9, 10, 13))
        acc_v, hb_v = args[11], args[14]
        tile_ptr = builder.gep(data(8), [c0_v])
        bias_ptr = builder.gep(data(12), [b0_v])

        i64 = ir.IntType(64)
        f32 = ir.FloatType()
        vec = ir.VectorType(f32, VW)
        vec_ptr = vec.as_pointer()
        fma = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{VW}f32"
        )

        def tile_slot(r, v):
            at = builder.add(builder.mul(ir.Constant(i64, r), ldc_v), ir.Constant(i64, v * VW))
            p = builder.gep(tile_ptr, [at])
            return builder.bitcast(p, vec_ptr)

        # start from zeros, or continue the chains stored in ``c`` (float32 stores are exact, so a
        # sum split over calls gives the bits of one call)
        zero = ir.Constant(vec, [0.0] * VW)
        go_on = builder.icmp_signed("!=", acc_v, ir.Constant(acc_v.type, 0))
        init = [builder.select(go_on, builder.load(tile_slot(r, v), align=4), zero)
                for r in range(MR) for v in range(NV)]

        entry = builder.basic_block
        seg_head = builder.append_basic_block("seg_head")
        seg_body = builder.append_basic_block("seg_body")
        i_head = builder.append_basic_block("i_head")
        i_body = builder.append_basic_block("i_body")
        seg_next = builder.append_basic_block("seg_next")
        done = builder.append_basic_block("done")
        builder.branch(seg_head)

        # for s in range(nseg)
        builder.position_at_end(seg_head)
        s_phi, acc_s = _loop_head(builder, vec, entry, init, nseg_v, seg_body, done)

        builder.position_at_end(seg_body)
        rows = []
        base = builder.mul(s_phi, ir.Constant(i64, MR))
        for r in range(MR):
            off = builder.load(builder.gep(aoff_ptr, [builder.add(base, ir.Constant(i64, r))]))
            rows.append(builder.gep(a_ptr, [off]))
        b_seg = builder.gep(b_ptr, [builder.load(builder.gep(boff_ptr, [s_phi]))])
        length = builder.load(builder.gep(len_ptr, [s_phi]))
        builder.branch(i_head)

        # for i in range(lens[s])
        builder.position_at_end(i_head)
        i_phi, acc_i = _loop_head(builder, vec, seg_body, acc_s, length, i_body, seg_next)

        builder.position_at_end(i_body)
        b_row = builder.gep(b_seg, [builder.mul(i_phi, sb_v)])
        b_vecs = [
            builder.load(builder.bitcast(builder.gep(b_row, [ir.Constant(i64, v * VW)]), vec_ptr), align=4)
            for v in range(NV)
        ]
        a_step = builder.mul(i_phi, sa_v)
        new_acc = []
        undef = ir.Constant(vec, ir.Undefined)
        mask = ir.Constant(ir.VectorType(ir.IntType(32), VW), [0] * VW)
        for r in range(MR):
            scalar = builder.load(builder.gep(rows[r], [a_step]))
            one = builder.insert_element(undef, scalar, ir.Constant(ir.IntType(32), 0))
            splat = builder.shuffle_vector(one, undef, mask)
            for v in range(NV):
                new_acc.append(builder.call(fma, [splat, b_vecs[v], acc_i[r * NV + v]]))
        i_next = builder.add(i_phi, ir.Constant(i64, 1))
        i_phi.add_incoming(i_next, builder.basic_block)
        for p, v1 in zip(acc_i, new_acc):
            p.add_incoming(v1, builder.basic_block)
        builder.branch(i_head)

        # next segment: the i loop's exit values carry over
        builder.position_at_end(seg_next)
        s_phi.add_incoming(builder.add(s_phi, ir.Constant(i64, 1)), seg_next)
        for p, v1 in zip(acc_s, acc_i):
            p.add_incoming(v1, seg_next)
        builder.branch(seg_head)

        builder.position_at_end(done)
        add_bias = builder.icmp_signed("!=", hb_v, ir.Constant(hb_v.type, 0))
        bias_vecs = [
            builder.load(builder.bitcast(builder.gep(bias_ptr, [ir.Constant(i64, v * VW)]), vec_ptr), align=4)
            for v in range(NV)
        ]
        for r in range(MR):
            for v in range(NV):
                total = acc_s[r * NV + v]
                total = builder.select(add_bias, builder.fadd(total, bias_vecs[v]), total)
                builder.store(total, tile_slot(r, v), align=4)
        return context.get_dummy_value()

    return sig, codegen


tile_fma = intrinsic(_tile_fma)
