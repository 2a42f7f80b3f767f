"""RNN cells, dynamic_rnn/static_rnn/bidirectional: TF1's variable names, numbers and gradients,
sequence_length semantics, fused kernels vs the generic loop and vs central differences."""

import os

import numpy as np
import pytest

import graphflow as gf

B, T, D = 3, 5, 4


@pytest.fixture(scope="module")
def tf1r(tf1):
    """tensorflow.compat.v1 with tf.nn.rnn_cell (needs tf_keras: TF_USE_LEGACY_KERAS=1)."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    try:
        tf1.nn.rnn_cell.BasicLSTMCell  # noqa: B018 - triggers TF's lazy loader
    except (AttributeError, ImportError) as e:  # pragma: no cover - installation dependent
        pytest.skip(f"tf.nn.rnn_cell unavailable: {e}")
    return tf1


def _cells(tf, kind):
    rc = tf.nn.rnn_cell
    init = tf.random_uniform_initializer(-0.3, 0.3, seed=1)
    if kind == "basic_lstm":
        return rc.BasicLSTMCell(5, forget_bias=0.7)
    if kind == "lstm_peep_proj":
        return rc.LSTMCell(5, use_peepholes=True, num_proj=3, cell_clip=0.8, initializer=init)
    if kind == "lstm":
        return rc.LSTMCell(4)
    if kind == "gru":
        return rc.GRUCell(5)
    if kind == "basic_rnn":
        return rc.BasicRNNCell(5)
    if kind == "multi":
        return rc.MultiRNNCell([rc.BasicLSTMCell(5), rc.GRUCell(3)])
    if kind == "wrapped":
        return rc.MultiRNNCell(
            [rc.DropoutWrapper(rc.BasicLSTMCell(4), input_keep_prob=1.0), rc.ResidualWrapper(rc.GRUCell(4))]
        )
    raise ValueError(kind)


def _state_list(st):
    if isinstance(st, (list, tuple)):
        return [x for s in st for x in _state_list(s)]
    return [st]


def _build(tf, kind, mode, seq):
    x = tf.placeholder(tf.float32, [B, T, D])
    cell = _cells(tf, kind)
    lens = tf.constant(seq, tf.int32) if seq is not None else None
    if mode == "dynamic":
        out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=lens, dtype=tf.float32)
    elif mode == "time_major":
        out, st = tf.nn.dynamic_rnn(
            cell,
            tf.transpose(x, [1, 0, 2]),
            sequence_length=lens,
            dtype=tf.float32,
            time_major=True,
            scope="tm",
        )
        out = tf.transpose(out, [1, 0, 2])
    elif mode == "static":
        outs, st = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), sequence_length=lens, dtype=tf.float32)
        out = tf.stack(outs, 1)
    elif mode == "bidir":
        cell_bw = _cells(tf, kind)
        (of, ob), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(
            cell, cell_bw, x, sequence_length=lens, dtype=tf.float32
        )
        out, st = tf.concat([of, ob], 2), (sf, sb)
    elif mode == "static_bidir":
        cell_bw = _cells(tf, kind)
        outs, sf, sb = tf.nn.static_bidirectional_rnn(
            cell, cell_bw, tf.unstack(x, axis=1), sequence_length=lens, dtype=tf.float32
        )
        out, st = tf.stack(outs, 1), (sf, sb)
    states = _state_list(st)
    loss = tf.reduce_sum(out * out) + sum(tf.reduce_sum(s * 0.5 + s * s) for s in states)
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, [x] + variables)
    return x, out, states, variables, grads


def _run(tf, kind, mode, seq, xv, weights=None):
    g = tf.Graph()
    with g.as_default():
        x, out, states, variables, grads = _build(tf, kind, mode, seq)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            names = [v.name for v in variables]
            shapes = [tuple(v.shape.as_list()) for v in variables]
            if weights is not None:
                for v, w in zip(variables, weights):
                    v.load(w, sess)
            vals = sess.run([out, states, grads], {x: xv})
            w_now = sess.run(variables)
    return names, shapes, w_now, vals


def _weights(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.5, 0.5, s).astype(np.float32) for s in shapes]


XV = np.random.default_rng(7).standard_normal((B, T, D)).astype(np.float32)
SEQ = [5, 2, 0]

EXPECTED_NAMES = {
    "basic_lstm": (["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"], [(9, 20), (20,)]),
    "gru": (
        [
            "rnn/gru_cell/gates/kernel:0",
            "rnn/gru_cell/gates/bias:0",
            "rnn/gru_cell/candidate/kernel:0",
            "rnn/gru_cell/candidate/bias:0",
        ],
        [(9, 10), (10,), (9, 5), (5,)],
    ),
    "basic_rnn": (["rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"], [(9, 5), (5,)]),
    "lstm_peep_proj": (
        [
            "rnn/lstm_cell/kernel:0",
            "rnn/lstm_cell/bias:0",
            "rnn/lstm_cell/w_f_diag:0",
            "rnn/lstm_cell/w_i_diag:0",
            "rnn/lstm_cell/w_o_diag:0",
            "rnn/lstm_cell/projection/kernel:0",
        ],
        [(7, 20), (20,), (5,), (5,), (5,), (5, 3)],
    ),
    "multi": (
        [
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0",
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
            "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",
            "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
            "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
            "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0",
        ],
        [(9, 20), (20,), (8, 6), (6,), (8, 3), (3,)],
    ),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_NAMES))
def test_variable_names_and_shapes_are_tf1s(kind):
    names, shapes, _, _ = _run(gf, kind, "dynamic", None, XV)
    assert (names, shapes) == (EXPECTED_NAMES[kind][0], EXPECTED_NAMES[kind][1])


def test_bidirectional_and_static_names():
    names, _, _, _ = _run(gf, "basic_lstm", "bidir", None, XV)
    assert names == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel:0",
        "bidirectional_rnn/fw/basic_lstm_cell/bias:0",
        "bidirectional_rnn/bw/basic_lstm_cell/kernel:0",
        "bidirectional_rnn/bw/basic_lstm_cell/bias:0",
    ]
    names, _, _, _ = _run(gf, "gru", "static", None, XV)
    assert names == EXPECTED_NAMES["gru"][0]


def _np_lstm(xv, w, b, lens, fb=0.7):
    h = np.zeros((B, 5))
    c = np.zeros((B, 5))
    outs = []
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for t in range(T):
        gts = np.concatenate([xv[:, t], h], 1) @ w + b
        i, j, f, o = np.split(gts, 4, 1)
        nc = c * sig(f + fb) + sig(i) * np.tanh(j)
        nh = np.tanh(nc) * sig(o)
        live = (t < np.asarray(lens))[:, None]
        c, h = np.where(live, nc, c), np.where(live, nh, h)
        outs.append(np.where(live, nh, 0.0))
    return np.stack(outs, 1), c, h


def test_sequence_length_semantics_vs_numpy():
    w = _weights([(9, 20), (20,)], seed=3)
    _, _, _, (out, states, _) = _run(gf, "basic_lstm", "dynamic", SEQ, XV, w)
    ref_out, ref_c, ref_h = _np_lstm(XV.astype(np.float64), w[0], w[1], SEQ)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0], ref_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[1], ref_h, rtol=1e-5, atol=1e-6)
    assert not out[1, 2:].any() and not out[2].any()
    np.testing.assert_array_equal(states[1][1], out[1, 1])  # the final state is the state at the end
    assert not states[0][2].any()  # an empty sequence keeps the initial (zero) state


@pytest.mark.parametrize("kind", ["basic_lstm", "gru", "basic_rnn", "multi"])
@pytest.mark.parametrize("seq", [None, SEQ])
def test_fused_kernels_match_the_generic_loop(kind, seq):
    """Standard cells run fused; wrapping them (DeviceWrapper) forces the generic While loop."""
    fused = _run(gf, kind, "dynamic", seq, XV)
    w = fused[2]
    g = gf.Graph()
    with g.as_default():
        x = gf.placeholder(gf.float32, [B, T, D])
        cell = gf.nn.rnn_cell.DeviceWrapper(_cells(gf, kind), "/cpu:0")
        lens = gf.constant(seq, gf.int32) if seq is not None else None
        out, st = gf.nn.dynamic_rnn(cell, x, sequence_length=lens, dtype=gf.float32)
        assert not any(op.type.startswith("Fused") for op in g.get_operations())
        states = _state_list(st)
        loss = gf.reduce_sum(out * out) + sum(gf.reduce_sum(s * 0.5 + s * s) for s in states)
        variables = gf.trainable_variables()
        grads = gf.gradients(loss, [x] + variables)
        with gf.Session() as sess:
            for v, val in zip(variables, w):
                v.load(val, sess)
            generic = sess.run([out, states, grads], {x: XV})
    for a, b in zip(_state_list(list(fused[3])), _state_list(list(generic))):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind", ["basic_lstm", "gru", "basic_rnn"])
def test_fused_gradients_float64_central_differences(kind):
    g = gf.Graph()
    with g.as_default():
        x = gf.placeholder(gf.float64, [2, 3, 2])
        cell = {
            "basic_lstm": gf.nn.rnn_cell.BasicLSTMCell(3),
            "gru": gf.nn.rnn_cell.GRUCell(3),
            "basic_rnn": gf.nn.rnn_cell.BasicRNNCell(3),
        }[kind]
        out, st = gf.nn.dynamic_rnn(cell, x, sequence_length=[3, 1], dtype=gf.float64)
        y = gf.reduce_sum(out * out) + sum(gf.reduce_sum(s * s) for s in _state_list(st))
        assert any(op.type.startswith("Fused") for op in g.get_operations())
        xv = np.random.default_rng(0).standard_normal((2, 3, 2))
        with gf.Session() as sess:
            sess.run(gf.global_variables_initializer())
            err = gf.test.compute_gradient_error(x, [2, 3, 2], y, [], x_init_value=xv)
            assert err < 1e-4
            for v in gf.trainable_variables():
                wv = sess.run(v)
                err = gf.test.compute_gradient_error(
                    v.value(), wv.shape, y, [], x_init_value=wv, extra_feed_dict={x: xv}
                )
                assert err < 1e-4, v.name


def test_initial_state_and_zero_state():
    cell = gf.nn.rnn_cell.BasicLSTMCell(3)
    zs = cell.zero_state(4, gf.float32)
    assert isinstance(zs, gf.nn.rnn_cell.LSTMStateTuple) and zs.c.shape.as_list() == [4, 3]
    x = gf.placeholder(gf.float32, [None, 2, 5])
    c0 = gf.placeholder(gf.float32, [None, 3])
    out, st = gf.nn.dynamic_rnn(cell, x, initial_state=gf.nn.rnn_cell.LSTMStateTuple(c0, c0))
    assert out.shape.as_list() == [None, 2, 3]
    with pytest.raises(ValueError, match="must give a dtype"):
        gf.nn.dynamic_rnn(gf.nn.rnn_cell.GRUCell(2), x, scope="other")
    dyn = cell.zero_state(gf.shape(x)[0], gf.float32)
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        r = sess.run([out, st, dyn], {x: np.ones((2, 2, 5)), c0: np.zeros((2, 3))})
    assert r[0].shape == (2, 2, 3) and r[2].c.shape == (2, 3)


def test_multi_rnn_cell_state_is_tuple_false_and_dropout_runs():
    cells = [
        gf.nn.rnn_cell.GRUCell(3),
        gf.nn.rnn_cell.DropoutWrapper(gf.nn.rnn_cell.GRUCell(3), output_keep_prob=0.5),
    ]
    cell = gf.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=False)
    assert cell.state_size == 6
    x = gf.placeholder(gf.float32, [2, 4, 5])
    out, st = gf.nn.dynamic_rnn(cell, x, dtype=gf.float32)
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        o, s = sess.run([out, st], {x: np.ones((2, 4, 5))})
    assert o.shape == (2, 4, 3) and s.shape == (2, 6)


def test_contrib_rnn_aliases():
    assert gf.contrib.rnn.BasicLSTMCell is gf.nn.rnn_cell.BasicLSTMCell
    assert gf.contrib.rnn.static_rnn is gf.nn.static_rnn


CONFIGS = [
    ("basic_lstm", "dynamic", SEQ),
    ("basic_lstm", "time_major", None),
    ("lstm", "dynamic", SEQ),
    ("lstm_peep_proj", "dynamic", SEQ),
    ("gru", "dynamic", SEQ),
    ("basic_rnn", "dynamic", None),
    ("multi", "dynamic", SEQ),
    ("wrapped", "dynamic", SEQ),
    ("basic_lstm", "static", SEQ),
    ("gru", "static", None),
    ("basic_lstm", "bidir", SEQ),
    ("gru", "static_bidir", SEQ),
]


@pytest.mark.tf
@pytest.mark.parametrize(
    "kind,mode,seq", CONFIGS, ids=[f"{k}-{m}-{'len' if s else 'full'}" for k, m, s in CONFIGS]
)
def test_matches_tf1_from_identical_weights(tf1r, kind, mode, seq):
    t_names, t_shapes, _, _ = _run(tf1r, kind, mode, seq, XV)
    weights = _weights(t_shapes)
    names, shapes, _, ours = _run(gf, kind, mode, seq, XV, weights)
    assert names == t_names and shapes == t_shapes
    _, _, _, theirs = _run(tf1r, kind, mode, seq, XV, weights)
    flat_ours, flat_theirs = _state_list(list(ours)), _state_list(list(theirs))
    assert len(flat_ours) == len(flat_theirs)
    for a, b in zip(flat_ours, flat_theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_variational_dropout_wrapper_one_mask_per_run():
    """variational_recurrent=True: the same [1, units] output mask at every step and batch row,
    a fresh one every run (TF1's DropoutWrapper)."""
    rc = gf.nn.rnn_cell
    cell = rc.DropoutWrapper(rc.BasicLSTMCell(16), input_keep_prob=0.7, output_keep_prob=0.5,
                             state_keep_prob=0.6, variational_recurrent=True, input_size=3,
                             dtype=gf.float32, seed=3)
    x = gf.placeholder(gf.float32, [4, 6, 3])
    out, _ = gf.nn.dynamic_rnn(cell, x, dtype=gf.float32)
    xv = np.random.default_rng(0).standard_normal((4, 6, 3)).astype(np.float32) + 3.0
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        runs = [sess.run(out, {x: xv}) for _ in range(4)]
    masks = []
    for o in runs:
        dropped = o == 0
        assert (dropped == dropped[:1, :1]).all()  # one mask for all rows and steps
        kept = ~dropped[0, 0]
        assert 0 < kept.sum() < 16
        masks.append(kept)
    assert any((m != masks[0]).any() for m in masks[1:])  # a fresh mask per run


def test_variational_dropout_wrapper_arguments_as_tf1():
    rc = gf.nn.rnn_cell
    with pytest.raises(ValueError, match="dtype must be provided"):
        rc.DropoutWrapper(rc.GRUCell(4), output_keep_prob=0.5, variational_recurrent=True)
    with pytest.raises(ValueError, match="input_size must be provided"):
        rc.DropoutWrapper(rc.GRUCell(4), input_keep_prob=0.5, variational_recurrent=True, dtype=gf.float32)
    # keep_prob 1 everywhere: the outputs are the wrapped cell's
    x = gf.placeholder(gf.float32, [2, 3, 5])
    gru = rc.GRUCell(4)
    plain, _ = gf.nn.dynamic_rnn(gru, x, dtype=gf.float32)
    wrapper = rc.DropoutWrapper(gru, variational_recurrent=True, dtype=gf.float32)
    wrapped, _ = gf.nn.dynamic_rnn(wrapper, x, dtype=gf.float32)  # the same cell: its variables
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        a, b = sess.run([plain, wrapped], {x: np.ones((2, 3, 5), np.float32)})
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # fused GRU kernel vs the cell's graph ops
