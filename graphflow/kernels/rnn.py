"""Fused recurrent-cell loops (LSTM, GRU, basic RNN): forward and backward over time.

The split (measured): the input projection of every time step is one GEMM (``X @ W_x + b``) done
by the caller with NumPy's BLAS; the recurrent ``h @ W_h`` product of each step is also a BLAS
call from Python (numba cannot call BLAS without SciPy).  The elementwise work of a step - the
cell update, ``sequence_length`` masking (outputs past a sequence's end are zero and the state is
carried) and what the backward pass needs - is compiled ``@kernel`` calls writing into
preallocated buffers.  For the LSTM the transcendental functions are NumPy's vectorized ``tanh``
over whole gate blocks (sigmoid(x) = 0.5 * tanh(x / 2) + 0.5): without SVML numba calls scalar
libm ``exp``/``tanh`` per element, which measured 3x slower for a [128, 512] gate block.

Layouts follow TF1: LSTM gates ``i, j, f, o`` (``j`` the candidate), GRU gates ``r, u``.
"""

from __future__ import annotations

import math

import numpy as np

from graphflow.kernels.jit import kernel

# Constants as float32 (0.5 and 1 are exact in both widths): a float literal is a float64 in
# numba and made every float32 step compute in float64.  Measured at [128, 128]: the LSTM gate
# step 42 -> 19 µs (with its loops split by gate), the backward step 78 -> 37 µs.
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)


@kernel
def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


@kernel
def lstm_gates_step(gt, c_prev, lens, t, c_out, acts):
    """LSTM cell update from ``gt`` [B, 4H] = tanh of the scaled gate pre-activations.

    The caller computes ``gt = tanh(pre * [.5, 1, .5, .5])`` with NumPy's vectorized tanh (the
    forget bias already added to ``pre``), so sigmoid(x) = 0.5 * tanh(x / 2) + 0.5 costs no
    transcendental call here.  Writes the new cell state (carried past a sequence's end) and
    ``acts`` [B, 4H]: sigmoid(i), tanh(j), sigmoid(f + forget_bias), sigmoid(o).
    """
    n, hd = c_prev.shape
    for b in range(n):
        for k in range(hd):
            acts[b, k] = _HALF * gt[b, k] + _HALF
        for k in range(hd):
            acts[b, hd + k] = gt[b, hd + k]
        for k in range(2 * hd, 4 * hd):
            acts[b, k] = _HALF * gt[b, k] + _HALF
        if t < lens[b]:
            for k in range(hd):
                c_out[b, k] = acts[b, 2 * hd + k] * c_prev[b, k] + acts[b, k] * acts[b, hd + k]
        else:
            for k in range(hd):
                c_out[b, k] = c_prev[b, k]


@kernel
def lstm_out_step(acts, tc, h_prev, lens, t, h_out, y_out):
    """h = sigmoid(o) * tanh(c) (``tc``), carried (and a zero output) past a sequence's end."""
    n, hd = h_prev.shape
    for b in range(n):
        if t < lens[b]:
            for k in range(hd):
                h = acts[b, 3 * hd + k] * tc[b, k]
                h_out[b, k] = h
                y_out[b, k] = h
        else:
            for k in range(hd):
                h_out[b, k] = h_prev[b, k]
                y_out[b, k] = 0.0


@kernel
def lstm_bwd_step(dy, dh, dc, acts, tc, c_prev, lens, t, dg, dc_prev, dh_pass):
    """Backward of :func:`lstm_gates_step` + :func:`lstm_out_step` (``acts`` [B, 4H], ``tc`` [B, H])."""
    n, hd = dc.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                dc_prev[b, k] = dc[b, k]
                dh_pass[b, k] = dh[b, k]
            for k in range(4 * hd):
                dg[b, k] = 0.0
            continue
        for k in range(hd):
            i = acts[b, k]
            j = acts[b, hd + k]
            f = acts[b, 2 * hd + k]
            o = acts[b, 3 * hd + k]
            tck = tc[b, k]
            dhk = dh[b, k] + dy[b, k]
            dct = dc[b, k] + dhk * o * (_ONE - tck * tck)
            dg[b, k] = dct * j * i * (_ONE - i)
            dg[b, hd + k] = dct * i * (_ONE - j * j)
            dg[b, 2 * hd + k] = dct * c_prev[b, k] * f * (_ONE - f)
            dg[b, 3 * hd + k] = dhk * tck * o * (_ONE - o)
            dc_prev[b, k] = dct * f
            dh_pass[b, k] = 0.0


@kernel
def gru_gates_step(gpre, h_prev, lens, t, r_out, u_out, rh_out):
    """GRU gates from pre-activations ``gpre`` [B, 2H] (r, u): writes r, u and r * h_prev."""
    n, hd = h_prev.shape
    for b in range(n):
        active = t < lens[b]
        for k in range(hd):
            if active:
                r = _sig(gpre[b, k])
                u = _sig(gpre[b, hd + k])
            else:
                r = 0.0
                u = 0.0
            r_out[b, k] = r
            u_out[b, k] = u
            rh_out[b, k] = r * h_prev[b, k]


@kernel
def gru_out_step(cpre, u, h_prev, lens, t, cand_out, h_out, y_out):
    """GRU candidate and new state: h = u * h_prev + (1 - u) * tanh(cpre)."""
    n, hd = h_prev.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                cand_out[b, k] = 0.0
                h_out[b, k] = h_prev[b, k]
                y_out[b, k] = 0.0
            continue
        for k in range(hd):
            c = math.tanh(cpre[b, k])
            uk = u[b, k]
            h = uk * h_prev[b, k] + (_ONE - uk) * c
            cand_out[b, k] = c
            h_out[b, k] = h
            y_out[b, k] = h


@kernel
def gru_bwd_cand(dy, dh, u, cand, h_prev, lens, t, dcpre, du, dh_pass):
    """GRU backward, first half: gradients of the candidate pre-activation and of u."""
    n, hd = dh.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                dcpre[b, k] = 0.0
                du[b, k] = 0.0
                dh_pass[b, k] = dh[b, k]
            continue
        for k in range(hd):
            d = dh[b, k] + dy[b, k]
            c = cand[b, k]
            uk = u[b, k]
            dcpre[b, k] = d * (_ONE - uk) * (_ONE - c * c)
            du[b, k] = d * (h_prev[b, k] - c)
            dh_pass[b, k] = d * uk


@kernel
def gru_bwd_gates(drh, du, r, u, h_prev, lens, t, dg, dh_pass):
    """GRU backward, second half: gate pre-activation gradients [B, 2H]; adds r * d(rh) to dh_pass."""
    n, hd = h_prev.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                dg[b, k] = 0.0
                dg[b, hd + k] = 0.0
            continue
        for k in range(hd):
            rk = r[b, k]
            uk = u[b, k]
            dr = drh[b, k] * h_prev[b, k]
            dg[b, k] = dr * rk * (_ONE - rk)
            dg[b, hd + k] = du[b, k] * uk * (_ONE - uk)
            dh_pass[b, k] += drh[b, k] * rk


@kernel
def rnn_fwd_step(pre, h_prev, lens, t, h_out, y_out):
    """Basic RNN step: h = tanh(pre); carried state / zero output past a sequence's end."""
    n, hd = h_prev.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                h_out[b, k] = h_prev[b, k]
                y_out[b, k] = 0.0
            continue
        for k in range(hd):
            h = math.tanh(pre[b, k])
            h_out[b, k] = h
            y_out[b, k] = h


@kernel
def rnn_bwd_step(dy, dh, h_new, lens, t, dpre, dh_pass):
    """Backward of :func:`rnn_fwd_step`."""
    n, hd = dh.shape
    for b in range(n):
        if t >= lens[b]:
            for k in range(hd):
                dpre[b, k] = 0.0
                dh_pass[b, k] = dh[b, k]
            continue
        for k in range(hd):
            h = h_new[b, k]
            dpre[b, k] = (dh[b, k] + dy[b, k]) * (_ONE - h * h)
            dh_pass[b, k] = 0.0
