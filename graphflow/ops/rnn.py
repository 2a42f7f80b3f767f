"""``tf.nn.dynamic_rnn``, ``static_rnn``, ``bidirectional_dynamic_rnn``, ``static_bidirectional_rnn``.

Semantics and names are TF1's: variable scope ``rnn`` (``bidirectional_rnn/fw``, ``.../bw``),
batch-major inputs unless ``time_major``, and with ``sequence_length`` the outputs past a
sequence's end are zero while its state is carried (the final state is the state at its end).

Fused recurrences (a departure from TF1, which runs a while loop of per-step cell ops): when the
cell is a standard one - BasicRNNCell, BasicLSTMCell, LSTMCell without peepholes/projection/clip,
GRUCell, all with tanh, or a MultiRNNCell of those - ``dynamic_rnn`` creates the cell's variables
exactly as the cell would (same names and layouts) and runs each layer as **one op**
(``FusedLSTM``/``FusedGRU``/``FusedRNN``, no TF op type matches dynamic_rnn's masking semantics)
whose kernel precomputes ``X @ W_x + b`` for all steps with one GEMM, then loops over time with one
BLAS ``h @ W_h`` and one compiled elementwise step (``graphflow/kernels/rnn.py``) per step.  The
gradient is one op (``Fused*Grad``) doing the reverse loop, and one GEMM each for the weight and
input gradients.  Intermediates reach it through an opaque ``saved`` output.  A MultiRNNCell runs
layer by layer, which gives the same outputs and final states as TF1's step-by-step stacking.
Other cells (wrappers, custom cells) run through the generic ``While`` op in scan mode.
"""

from __future__ import annotations

import contextlib

import numpy as np

from graphflow import dtypes
from graphflow.framework import graph as graph_mod
from graphflow.framework.op_registry import NOT_DIFFERENTIABLE, OpDef, PureKernel, register
from graphflow.framework.tensor import Tensor
from graphflow.kernels import rnn as rk
from graphflow.ops import array_ops, math_ops
from graphflow.ops import variable_scope as vs
from graphflow.ops.cond import TAPE_DTYPE, nest_flatten, nest_pack
from graphflow.ops.constant_op import convert_to_tensor
from graphflow.ops.rnn_cell_impl import LSTMStateTuple, MultiRNNCell, RNNCell
from graphflow.runtime.threads import dot as _gemm

__all__ = ["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn"]


# -- fused kernels (host side) --------------------------------------------------------------------
_BLAS_CONTROLLER: list = []


def _per_step_blas():
    """Single-threaded BLAS for the per-step loop (measured: the small per-step GEMMs gain nothing from
    threads, and OpenBLAS threads spinning between them and the compiled step slowed a loaded machine
    ~10x).  Uses threadpoolctl when installed; otherwise a no-op."""
    if not _BLAS_CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER.append(ThreadpoolController())
        except Exception:  # noqa: BLE001 - optional dependency
            _BLAS_CONTROLLER.append(None)
    ctl = _BLAS_CONTROLLER[0]
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()


def _lens(lens, t_steps, batch):
    if lens is None:
        return np.full(batch, t_steps, np.int64)
    return np.asarray(lens, np.int64).reshape(batch)


class _Saved:
    """Opaque intermediates of a fused forward pass (read by its gradient op)."""

    __slots__ = ("data",)

    def __init__(self, data) -> None:
        self.data = data

    def __repr__(self) -> str:
        return "<graphflow fused RNN intermediates>"


def _lstm_forward(x, c0, h0, w, b, lens, forget_bias):
    """Fused LSTM over time: ``(y, c_T, h_T, saved)``."""
    t_steps, batch, depth = x.shape
    hd = c0.shape[1]
    dt = np.result_type(x.dtype, w.dtype)
    x = np.ascontiguousarray(x, dt)
    wx, wh = w[:depth], np.ascontiguousarray(w[depth:])
    lens = _lens(lens, t_steps, batch)
    b_eff = np.array(b, dt)
    b_eff[2 * hd : 3 * hd] += dt.type(forget_bias)
    # pre-activations of all steps at once; the gate scale of the tanh form of sigmoid folded in
    scale = np.full(4 * hd, 0.5, dt)
    scale[hd : 2 * hd] = 1.0
    xw = _gemm(x.reshape(t_steps * batch, depth), wx).reshape(t_steps, batch, 4 * hd)
    xw += b_eff
    xw *= scale
    wh_s = wh * scale
    cs = np.empty((t_steps + 1, batch, hd), dt)
    hs = np.empty((t_steps + 1, batch, hd), dt)
    cs[0] = c0
    hs[0] = h0
    y = np.empty((t_steps, batch, hd), dt)
    acts = np.empty((t_steps, batch, 4 * hd), dt)
    tcs = np.empty((t_steps, batch, hd), dt)
    g = np.empty((batch, 4 * hd), dt)
    for t in range(t_steps):
        np.dot(hs[t], wh_s, out=g)
        g += xw[t]
        np.tanh(g, out=g)
        rk.lstm_gates_step(g, cs[t], lens, t, cs[t + 1], acts[t])
        np.tanh(cs[t + 1], out=tcs[t])
        rk.lstm_out_step(acts[t], tcs[t], hs[t], lens, t, hs[t + 1], y[t])
    return y, cs[t_steps].copy(), hs[t_steps].copy(), _Saved((cs, hs, acts, tcs, lens))


def _lstm_backward(x, w, saved, dy, dc_t, dh_t):
    """Gradients ``(dx, dc0, dh0, dw, db)`` of :func:`lstm_forward`."""
    cs, hs, acts, tcs, lens = saved.data
    t_steps, batch, depth = x.shape
    hd = cs.shape[2]
    dt = cs.dtype
    x = np.ascontiguousarray(x, dt)
    wx, wh = w[:depth], w[depth:]
    dy = np.ascontiguousarray(dy, dt)
    dh = np.array(dh_t, dt, order="C")
    dc = np.array(dc_t, dt, order="C")
    dc_prev = np.empty_like(dc)
    dh_pass = np.empty_like(dh)
    dgs = np.empty((t_steps, batch, 4 * hd), dt)
    wht = wh.T
    for t in range(t_steps - 1, -1, -1):
        rk.lstm_bwd_step(dy[t], dh, dc, acts[t], tcs[t], cs[t], lens, t, dgs[t], dc_prev, dh_pass)
        np.dot(dgs[t], wht, out=dh)
        dh += dh_pass
        dc, dc_prev = dc_prev, dc
    dgf = dgs.reshape(t_steps * batch, 4 * hd)
    dw = np.empty(w.shape, dt)
    _gemm(x.reshape(t_steps * batch, depth).T, dgf, out=dw[:depth])
    _gemm(hs[:-1].reshape(t_steps * batch, hd).T, dgf, out=dw[depth:])
    db = dgf.sum(0)
    dx = _gemm(dgf, wx.T).reshape(t_steps, batch, depth)
    return dx, dc, dh, dw, db


def _gru_forward(x, h0, wg, bg, wc, bc, lens):
    """Fused GRU over time: ``(y, h_T, saved)``."""
    t_steps, batch, depth = x.shape
    hd = h0.shape[1]
    dt = np.result_type(x.dtype, wg.dtype)
    x = np.ascontiguousarray(x, dt)
    lens = _lens(lens, t_steps, batch)
    x2 = x.reshape(t_steps * batch, depth)
    xg = _gemm(x2, wg[:depth]).reshape(t_steps, batch, 2 * hd)
    xg += bg
    xc = _gemm(x2, wc[:depth]).reshape(t_steps, batch, hd)
    xc += bc
    wgh, wch = np.ascontiguousarray(wg[depth:]), np.ascontiguousarray(wc[depth:])
    hs = np.empty((t_steps + 1, batch, hd), dt)
    hs[0] = h0
    r = np.empty((t_steps, batch, hd), dt)
    u = np.empty_like(r)
    rh = np.empty_like(r)
    cand = np.empty_like(r)
    y = np.empty_like(r)
    g = np.empty((batch, 2 * hd), dt)
    c = np.empty((batch, hd), dt)
    for t in range(t_steps):
        np.dot(hs[t], wgh, out=g)
        g += xg[t]
        rk.gru_gates_step(g, hs[t], lens, t, r[t], u[t], rh[t])
        np.dot(rh[t], wch, out=c)
        c += xc[t]
        rk.gru_out_step(c, u[t], hs[t], lens, t, cand[t], hs[t + 1], y[t])
    return y, hs[t_steps].copy(), _Saved((hs, r, u, rh, cand, lens))


def _gru_backward(x, wg, wc, saved, dy, dh_t):
    """Gradients ``(dx, dh0, dwg, dbg, dwc, dbc)`` of :func:`gru_forward`."""
    hs, r, u, rh, cand, lens = saved.data
    t_steps, batch, depth = x.shape
    hd = hs.shape[2]
    dt = hs.dtype
    x = np.ascontiguousarray(x, dt)
    dy = np.ascontiguousarray(dy, dt)
    dh = np.array(dh_t, dt, order="C")
    dgs = np.empty((t_steps, batch, 2 * hd), dt)
    dcs = np.empty((t_steps, batch, hd), dt)
    du = np.empty((batch, hd), dt)
    dh_pass = np.empty((batch, hd), dt)
    drh = np.empty((batch, hd), dt)
    wght, wcht = wg[depth:].T, wc[depth:].T
    for t in range(t_steps - 1, -1, -1):
        rk.gru_bwd_cand(dy[t], dh, u[t], cand[t], hs[t], lens, t, dcs[t], du, dh_pass)
        np.dot(dcs[t], wcht, out=drh)
        rk.gru_bwd_gates(drh, du, r[t], u[t], hs[t], lens, t, dgs[t], dh_pass)
        np.dot(dgs[t], wght, out=dh)
        dh += dh_pass
    n = t_steps * batch
    dgf, dcf = dgs.reshape(n, 2 * hd), dcs.reshape(n, hd)
    x2 = x.reshape(n, depth)
    dwg = np.concatenate([_gemm(x2.T, dgf), _gemm(hs[:-1].reshape(n, hd).T, dgf)], 0)
    dwc = np.concatenate([_gemm(x2.T, dcf), _gemm(rh.reshape(n, hd).T, dcf)], 0)
    dx = (_gemm(dgf, wg[:depth].T) + _gemm(dcf, wc[:depth].T)).reshape(t_steps, batch, depth)
    return dx, dh, dwg, dgf.sum(0), dwc, dcf.sum(0)


def _rnn_forward(x, h0, w, b, lens):
    """Fused basic (tanh) RNN over time: ``(y, h_T, saved)``."""
    t_steps, batch, depth = x.shape
    hd = h0.shape[1]
    dt = np.result_type(x.dtype, w.dtype)
    x = np.ascontiguousarray(x, dt)
    lens = _lens(lens, t_steps, batch)
    xw = _gemm(x.reshape(t_steps * batch, depth), w[:depth]).reshape(t_steps, batch, hd)
    xw += b
    wh = np.ascontiguousarray(w[depth:])
    hs = np.empty((t_steps + 1, batch, hd), dt)
    hs[0] = h0
    y = np.empty((t_steps, batch, hd), dt)
    p = np.empty((batch, hd), dt)
    for t in range(t_steps):
        np.dot(hs[t], wh, out=p)
        p += xw[t]
        rk.rnn_fwd_step(p, hs[t], lens, t, hs[t + 1], y[t])
    return y, hs[t_steps].copy(), _Saved((hs, lens))


def _rnn_backward(x, w, saved, dy, dh_t):
    """Gradients ``(dx, dh0, dw, db)`` of :func:`rnn_forward`."""
    hs, lens = saved.data
    t_steps, batch, depth = x.shape
    hd = hs.shape[2]
    dt = hs.dtype
    x = np.ascontiguousarray(x, dt)
    dy = np.ascontiguousarray(dy, dt)
    dh = np.array(dh_t, dt, order="C")
    dps = np.empty((t_steps, batch, hd), dt)
    dh_pass = np.empty((batch, hd), dt)
    wht = w[depth:].T
    for t in range(t_steps - 1, -1, -1):
        rk.rnn_bwd_step(dy[t], dh, hs[t + 1], lens, t, dps[t], dh_pass)
        np.dot(dps[t], wht, out=dh)
        dh += dh_pass
    n = t_steps * batch
    dpf = dps.reshape(n, hd)
    dw = np.concatenate([_gemm(x.reshape(n, depth).T, dpf), _gemm(hs[:-1].reshape(n, hd).T, dpf)], 0)
    dx = _gemm(dpf, w[:depth].T).reshape(t_steps, batch, depth)
    return dx, dh, dw, dpf.sum(0)


def _single_blas(fn):
    def run(*args):
        with _per_step_blas():
            return fn(*args)

    run.__name__ = fn.__name__.lstrip("_")
    run.__doc__ = fn.__doc__
    return run


lstm_forward = _single_blas(_lstm_forward)
lstm_backward = _single_blas(_lstm_backward)
gru_forward = _single_blas(_gru_forward)
gru_backward = _single_blas(_gru_backward)
rnn_forward = _single_blas(_rnn_forward)
rnn_backward = _single_blas(_rnn_backward)


# -- op declarations ------------------------------------------------------------------------------
def _dims(t):
    return t.shape.as_tuple()


def _state_shape(x, h):
    xd, hd = _dims(x), _dims(h)
    batch = (xd[1] if xd else None) if xd is not None else None
    if batch is None and hd is not None:
        batch = hd[0]
    units = hd[1] if hd is not None else None
    return batch, units


def _infer_fused(kind):
    def infer(inputs, attrs):
        x = inputs[0]
        h = inputs[2] if kind == "lstm" else inputs[1]
        xd = _dims(x)
        batch, units = _state_shape(x, h)
        steps = xd[0] if xd is not None else None
        dt = x.dtype.base_dtype
        y = (dt, (steps, batch, units))
        st = (dt, (batch, units))
        if kind == "lstm":
            return [y, st, st, (TAPE_DTYPE, ())]
        return [y, st, (TAPE_DTYPE, ())]

    return infer


def _build_fused(kind):
    def build(op):
        has_lens = op._attrs["has_lens"]
        if kind == "lstm":
            fb = op._attrs["forget_bias"]

            def run(x, c0, h0, w, b, *lens):
                return lstm_forward(x, c0, h0, w, b, lens[0] if has_lens else None, fb)
        elif kind == "gru":

            def run(x, h0, wg, bg, wc, bc, *lens):
                return gru_forward(x, h0, wg, bg, wc, bc, lens[0] if has_lens else None)
        else:

            def run(x, h0, w, b, *lens):
                return rnn_forward(x, h0, w, b, lens[0] if has_lens else None)

        return run

    return build


def _lstm_grad(op, dy, dc, dh, _dsaved):
    x, c0, h0, w, b = op.inputs[:5]
    g = op.graph.create_op("FusedLSTMGrad", [x, w, op.outputs[3], dy, dc, dh], {}, name="FusedLSTMGrad")
    dx, dc0, dh0, dw, db = g.outputs
    return [dx, dc0, dh0, dw, db] + [None] * (len(op.inputs) - 5)


def _gru_grad(op, dy, dh, _dsaved):
    x, h0, wg, bg, wc, bc = op.inputs[:6]
    g = op.graph.create_op("FusedGRUGrad", [x, wg, wc, op.outputs[2], dy, dh], {}, name="FusedGRUGrad")
    dx, dh0, dwg, dbg, dwc, dbc = g.outputs
    return [dx, dh0, dwg, dbg, dwc, dbc] + [None] * (len(op.inputs) - 6)


def _rnn_grad(op, dy, dh, _dsaved):
    x, h0, w, b = op.inputs[:4]
    g = op.graph.create_op("FusedRNNGrad", [x, w, op.outputs[2], dy, dh], {}, name="FusedRNNGrad")
    dx, dh0, dw, db = g.outputs
    return [dx, dh0, dw, db] + [None] * (len(op.inputs) - 4)


def _spec(t):
    return (t.dtype.base_dtype, t.shape)


for _kind, _type, _grad in (
    ("lstm", "FusedLSTM", _lstm_grad),
    ("gru", "FusedGRU", _gru_grad),
    ("rnn", "FusedRNN", _rnn_grad),
):
    register(OpDef(type=_type, infer=_infer_fused(_kind), kernel=PureKernel(_build_fused(_kind)), grad=_grad))

register(
    OpDef(
        type="FusedLSTMGrad",
        kernel=PureKernel(lambda op: lstm_backward),
        grad=NOT_DIFFERENTIABLE,
        infer=lambda inputs, attrs: [
            _spec(inputs[0]),
            _spec(inputs[5]),
            _spec(inputs[5]),
            _spec(inputs[1]),
            (inputs[1].dtype.base_dtype, ((_dims(inputs[1]) or (None, None))[1],)),
        ],
    )
)
register(
    OpDef(
        type="FusedGRUGrad",
        kernel=PureKernel(lambda op: gru_backward),
        grad=NOT_DIFFERENTIABLE,
        infer=lambda inputs, attrs: [
            _spec(inputs[0]),
            _spec(inputs[5]),
            _spec(inputs[1]),
            (inputs[1].dtype.base_dtype, ((_dims(inputs[1]) or (None, None))[1],)),
            _spec(inputs[2]),
            (inputs[2].dtype.base_dtype, ((_dims(inputs[2]) or (None, None))[1],)),
        ],
    )
)
register(
    OpDef(
        type="FusedRNNGrad",
        kernel=PureKernel(lambda op: rnn_backward),
        grad=NOT_DIFFERENTIABLE,
        infer=lambda inputs, attrs: [
            _spec(inputs[0]),
            _spec(inputs[4]),
            _spec(inputs[1]),
            (inputs[1].dtype.base_dtype, ((_dims(inputs[1]) or (None, None))[1],)),
        ],
    )
)


# -- dynamic_rnn ----------------------------------------------------------------------------------
def _transpose_batch_time(x: Tensor) -> Tensor:
    nd = x.shape.ndims
    if nd is not None and nd < 2:
        raise ValueError(f"Expected input tensor {x} to have rank at least 2, but saw shape: {x.shape}")
    if nd is None:
        raise ValueError(f"Input {x.name} has unknown rank; dynamic_rnn needs at least [batch, time]")
    perm = [1, 0] + list(range(2, nd))
    return array_ops.transpose(x, perm)


def _fusable_layers(cell) -> list | None:
    """The standard cells of ``cell`` (one, or a MultiRNNCell's), or None when not fusable."""
    if isinstance(cell, MultiRNNCell):
        if not cell._state_is_tuple:
            return None
        cells = cell._cells
    else:
        cells = [cell]
    for c in cells:
        if getattr(c, "_fused_kind", None) is None:
            return None
    if len({id(c) for c in cells}) != len(cells):
        return None
    return cells


def _fused_dynamic_rnn(cell, layers, x_tm: Tensor, state, sequence_length, dtype):
    depth = x_tm.shape.as_tuple()[-1]
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, received shape: {x_tm.shape}")
    multi = isinstance(cell, MultiRNNCell)
    if multi:
        cm = cell._enter_scope()
        cm.__enter__()
        cell.built = True
    try:
        var_sets = []
        d = int(depth)
        for i, c in enumerate(layers):
            if multi:
                with vs.variable_scope(f"cell_{i}"):
                    var_sets.append(c._fused_variables(d, dtype))
            else:
                var_sets.append(c._fused_variables(d, dtype))
            d = int(c.output_size)
    finally:
        if multi:
            cm.__exit__(None, None, None)
    g = graph_mod.get_default_graph()
    lens = [sequence_length] if sequence_length is not None else []
    x = x_tm
    new_states = []
    for i, (c, v) in enumerate(zip(layers, var_sets)):
        st = state[i] if multi else state
        kind = c._fused_kind
        if kind == "lstm":
            c0, h0 = st
            c0, h0 = convert_to_tensor(c0), convert_to_tensor(h0)
            op = g.create_op(
                "FusedLSTM",
                [x, c0, h0, v["kernel"].value(), v["bias"].value()] + lens,
                {"has_lens": bool(lens), "forget_bias": v["forget_bias"]},
                name="FusedLSTM",
            )
            x = op.outputs[0]
            new_states.append(LSTMStateTuple(op.outputs[1], op.outputs[2]))
        elif kind == "gru":
            op = g.create_op(
                "FusedGRU",
                [
                    x,
                    convert_to_tensor(st),
                    v["gate_kernel"].value(),
                    v["gate_bias"].value(),
                    v["candidate_kernel"].value(),
                    v["candidate_bias"].value(),
                ]
                + lens,
                {"has_lens": bool(lens)},
                name="FusedGRU",
            )
            x = op.outputs[0]
            new_states.append(op.outputs[1])
        else:
            op = g.create_op(
                "FusedRNN",
                [x, convert_to_tensor(st), v["kernel"].value(), v["bias"].value()] + lens,
                {"has_lens": bool(lens)},
                name="FusedRNN",
            )
            x = op.outputs[0]
            new_states.append(op.outputs[1])
    return x, (tuple(new_states) if multi else new_states[0])


def _generic_dynamic_rnn(cell, flat_x_tm: list, input_structure, state, sequence_length):
    from graphflow.ops.while_loop import make_loop

    state_flat = nest_flatten(state)
    steps = array_ops.shape(flat_x_tm[0])[0]
    times = array_ops.range(steps)
    nested_state = isinstance(state, (list, tuple))
    nested_in = isinstance(input_structure, (list, tuple, dict))
    out_structure = cell.output_size

    def body(carry, xs):
        *xf, t = xs
        st = nest_pack(state, carry) if nested_state else carry[0]
        inp = nest_pack(input_structure, xf) if nested_in else xf[0]
        out, new_st = cell(inp, st)
        out_flat = [convert_to_tensor(o) for o in nest_flatten(out)]
        new_flat = [convert_to_tensor(s) for s in nest_flatten(new_st)]
        if sequence_length is not None:
            done = math_ops.greater_equal(t, sequence_length)
            out_flat = [array_ops.where(done, array_ops.zeros_like(o), o) for o in out_flat]
            new_flat = [array_ops.where(done, old, new) for old, new in zip(carry, new_flat)]
        return new_flat, out_flat

    carry_out, stacked, _ = make_loop(
        cond_fn=None, body_fn=body, carry=state_flat, slices=list(flat_x_tm) + [times]
    )
    final = nest_pack(state, carry_out) if nested_state else carry_out[0]
    outputs = nest_pack(out_structure, stacked) if isinstance(out_structure, (list, tuple)) else stacked[0]
    return outputs, final


def dynamic_rnn(
    cell,
    inputs,
    sequence_length=None,
    initial_state=None,
    dtype=None,
    parallel_iterations=None,
    swap_memory=False,
    time_major=False,
    scope=None,
):
    """``tf.nn.dynamic_rnn``: ``(outputs, final_state)`` of ``cell`` run over the time axis."""
    if not isinstance(cell, RNNCell) and not callable(cell):
        raise TypeError(f"cell must be an instance of RNNCell, saw: {type(cell)}")
    with vs.variable_scope(scope or "rnn"):
        flat = [convert_to_tensor(x) for x in nest_flatten(inputs)]
        if not time_major:
            flat = [_transpose_batch_time(x) for x in flat]
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(
                    f"sequence_length must be a vector of length batch_size, but saw shape: "
                    f"{sequence_length.shape}"
                )
            sequence_length = array_ops.identity(sequence_length, name="sequence_length")
        bd = flat[0].shape.as_tuple()
        batch = bd[1] if bd is not None and len(bd) > 1 else None
        if batch is None:
            batch = array_ops.shape(flat[0])[1]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.zero_state(batch, dtype)
        dtype = dtypes.as_dtype(dtype) if dtype else flat[0].dtype.base_dtype
        layers = (
            _fusable_layers(cell) if len(flat) == 1 and not isinstance(inputs, (list, tuple, dict)) else None
        )
        if layers is not None and flat[0].dtype.base_dtype in (dtypes.float32, dtypes.float64):
            outputs, final = _fused_dynamic_rnn(cell, layers, flat[0], state, sequence_length, dtype)
            out_flat = [outputs]
        else:
            outputs, final = _generic_dynamic_rnn(cell, flat, inputs, state, sequence_length)
            out_flat = nest_flatten(outputs)
        if not time_major:
            out_flat = [_transpose_batch_time(o) for o in out_flat]
        outputs = nest_pack(outputs, out_flat) if isinstance(outputs, (list, tuple)) else out_flat[0]
        return outputs, final


# -- static_rnn -----------------------------------------------------------------------------------
def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """``tf.nn.static_rnn`` (``tf.contrib.rnn.static_rnn``): the cell unrolled over a list of inputs."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with vs.variable_scope(scope or "rnn") as varscope:
        first = convert_to_tensor(nest_flatten(inputs[0])[0])
        fd = first.shape.as_tuple()
        if fd is not None and len(fd) < 2:
            raise ValueError(
                "Input size (dimension 1 of inputs) must be accessible via shape inference, but "
                "saw value None."
            )
        batch = fd[0] if fd is not None and fd[0] is not None else array_ops.shape(first)[0]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            state = cell.zero_state(batch, dtype)
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            sequence_length = array_ops.identity(sequence_length, name="sequence_length")
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(input_, state)
            if sequence_length is not None:
                done = math_ops.greater_equal(time, sequence_length)
                out_flat = [array_ops.where(done, array_ops.zeros_like(o), o) for o in nest_flatten(output)]
                st_flat = [
                    array_ops.where(done, o, n) for o, n in zip(nest_flatten(state), nest_flatten(new_state))
                ]
                output = nest_pack(output, out_flat) if isinstance(output, (list, tuple)) else out_flat[0]
                new_state = (
                    nest_pack(new_state, st_flat) if isinstance(new_state, (list, tuple)) else st_flat[0]
                )
            state = new_state
            outputs.append(output)
        return outputs, state


def _reverse(x, lengths, seq_axis, batch_axis):
    if lengths is not None:
        return array_ops.reverse_sequence(x, lengths, seq_axis=seq_axis, batch_axis=batch_axis)
    return array_ops.reverse(x, axis=[seq_axis])


def bidirectional_dynamic_rnn(
    cell_fw,
    cell_bw,
    inputs,
    sequence_length=None,
    initial_state_fw=None,
    initial_state_bw=None,
    dtype=None,
    parallel_iterations=None,
    swap_memory=False,
    time_major=False,
    scope=None,
):
    """``tf.nn.bidirectional_dynamic_rnn``: ``((out_fw, out_bw), (state_fw, state_bw))``."""
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw,
                inputs,
                sequence_length=sequence_length,
                initial_state=initial_state_fw,
                dtype=dtype,
                time_major=time_major,
                scope=fw_scope,
            )
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int64)
        with vs.variable_scope("bw") as bw_scope:
            flat = [
                _reverse(convert_to_tensor(x), sequence_length, time_axis, batch_axis)
                for x in nest_flatten(inputs)
            ]
            inputs_rev = nest_pack(inputs, flat) if isinstance(inputs, (list, tuple, dict)) else flat[0]
            tmp, state_bw = dynamic_rnn(
                cell_bw,
                inputs_rev,
                sequence_length=sequence_length,
                initial_state=initial_state_bw,
                dtype=dtype,
                time_major=time_major,
                scope=bw_scope,
            )
        out_flat = [_reverse(o, sequence_length, time_axis, batch_axis) for o in nest_flatten(tmp)]
        output_bw = nest_pack(tmp, out_flat) if isinstance(tmp, (list, tuple)) else out_flat[0]
        return (output_fw, output_bw), (state_fw, state_bw)


def _reverse_seq(input_seq, lengths):
    if lengths is None:
        return list(reversed(input_seq))
    flat = [nest_flatten(x) for x in input_seq]
    out_cols = []
    for k in range(len(flat[0])):
        seq = array_ops.stack([f[k] for f in flat])
        rev = array_ops.reverse_sequence(seq, math_ops.cast(lengths, dtypes.int64), seq_axis=0, batch_axis=1)
        out_cols.append(array_ops.unstack(rev, num=len(flat)))
    res = []
    for t, x in enumerate(input_seq):
        vals = [col[t] for col in out_cols]
        for v, orig in zip(vals, nest_flatten(x)):
            v.set_shape(orig.shape)
        res.append(nest_pack(x, vals) if isinstance(x, (list, tuple)) else vals[0])
    return res


def static_bidirectional_rnn(
    cell_fw,
    cell_bw,
    inputs,
    initial_state_fw=None,
    initial_state_bw=None,
    dtype=None,
    sequence_length=None,
    scope=None,
):
    """``tf.nn.static_bidirectional_rnn``: ``(outputs, state_fw, state_bw)``, outputs concat fw/bw."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a list")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(
                cell_fw, inputs, initial_state_fw, dtype, sequence_length, scope=fw_scope
            )
        with vs.variable_scope("bw") as bw_scope:
            rev = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, rev, initial_state_bw, dtype, sequence_length, scope=bw_scope)
        output_bw = _reverse_seq(tmp, sequence_length)
        outputs = tuple(array_ops.concat([fw, bw], 1) for fw, bw in zip(output_fw, output_bw))
        return outputs, state_fw, state_bw
