"""Checks of the benchmark suite (tools/bench.py): the hand-written NumPy engine computes the right
numbers (finite differences in float64; real TF1 behind the ``tf`` marker, identical initial
weights), and the harness runs end to end on the NumPy engine. No speed targets here."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import bench  # noqa: E402
import bench_numpy as bn  # noqa: E402
import bench_workloads as bw  # noqa: E402

SMALL_CNN = dict(image=8, c1=3, c2=4, fc=6, classes=5)


# --------------------------------------------------------------------------------------------
# helpers


def numeric_grad(f, params, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to every entry of every param."""
    out = {}
    for name, p in params.items():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = f()
            flat[i] = old - eps
            fm = f()
            flat[i] = old
            gflat[i] = (fp - fm) / (2 * eps)
        out[name] = g
    return out


def assert_grads_close(got, want, rtol=1e-5, atol=1e-7):
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=atol, err_msg=k)


def small_cnn_params(dtype=np.float64, seed=7):
    p = bw.cnn_params(dtype=dtype, seed=seed, **SMALL_CNN)
    p["out_w"] *= 10  # undo the benchmark's small output layer: bigger gradients for the check
    return p


# --------------------------------------------------------------------------------------------
# finite differences, float64, no TensorFlow


def test_linreg_backward_matches_finite_differences():
    X, y = bw.linreg_data(np.float64)
    model = bn.LinReg(bw.linreg_params(np.float64))
    _, cache = model.forward(X, y)
    num = numeric_grad(lambda: float(model.forward(X, y)[0]), model.params)
    assert_grads_close(model.backward(cache), num)


def test_mlp_backward_matches_finite_differences():
    sizes = (7, 5, 4, 3)
    X, y = bw.classification_data(6, features=7, classes=3, dtype=np.float64)
    model = bn.MLP(bw.normal_params(bw.mlp_shapes(sizes), stddev=0.5, dtype=np.float64))
    _, cache = model.forward(X, y)
    num = numeric_grad(lambda: float(model.forward(X, y)[0]), model.params)
    assert_grads_close(model.backward(cache), num)


@pytest.mark.parametrize("keep_prob", [1.0, 0.5])
def test_cnn_backward_matches_finite_differences(keep_prob):
    X, y = bw.classification_data(3, features=64, classes=5, dtype=np.float64)
    model = bn.CNN(small_cnn_params(), image=8)

    def loss():  # the same dropout mask on every call
        return float(model.forward(X, y, keep_prob, rng=np.random.default_rng(0))[0])

    _, cache = model.forward(X, y, keep_prob, rng=np.random.default_rng(0))
    if keep_prob < 1:
        assert cache[9] is not None and (cache[9] == 0).any()
    num = numeric_grad(loss, model.params)
    assert_grads_close(model.backward(cache), num, rtol=1e-5, atol=1e-8)


def test_lstm_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.random((4, 3, 2))
    y = bw.one_hot(rng.integers(0, 2, 4), 2, np.float64)
    params = bw.lstm_params(inputs=2, units=3, classes=2, dtype=np.float64)
    params["bias"] += rng.standard_normal(params["bias"].shape) * 0.3
    params["out_w"] *= 5
    model = bn.LSTM(params)
    _, cache = model.forward(X, y)
    num = numeric_grad(lambda: float(model.forward(X, y)[0]), model.params)
    assert_grads_close(model.backward(cache), num)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 4, 3))
    c = rng.standard_normal((2 * 5 * 4, 27))
    lhs = np.sum(bn.im2col3x3(x) * c)
    rhs = np.sum(x * bn.col2im3x3(c, x.shape))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_conv3x3_same_matches_direct_sum():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(2)
    out, _ = bn.conv3x3_same(x, w, b)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    want = np.zeros((2, 4, 5, 2)) + b
    for i in range(4):
        for j in range(5):
            want[:, i, j, :] += np.einsum("bhwc,hwco->bo", xp[:, i:i + 3, j:j + 3, :], w)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


def test_maxpool_routes_gradient_to_first_max():
    x = np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1)
    out, idx = bn.maxpool2x2(x)
    assert out.ravel().tolist() == [3.0] and idx.ravel().tolist() == [1]
    dx = bn.maxpool2x2_backward(np.ones_like(out), idx)
    assert dx.ravel().tolist() == [0.0, 1.0, 0.0, 0.0]
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, (2, 4, 6, 3)).astype(np.float64)  # many ties
    out, idx = bn.maxpool2x2(x)
    win = x.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(2, 2, 3, 3, 4)
    np.testing.assert_array_equal(out, win.max(-1))
    np.testing.assert_array_equal(idx, win.argmax(-1))


def test_adam_follows_tf1_update_formula():
    p = {"v": np.array([1.0, -2.0, 3.0])}
    opt = bn.Adam(p, learning_rate=0.1)
    lr, b1, b2, eps = (float(np.float32(x)) for x in (0.1, 0.9, 0.999, 1e-8))  # TF1 rounds to float32
    var, m, v = np.array([1.0, -2.0, 3.0]), np.zeros(3), np.zeros(3)
    for t, g in enumerate([np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.2])], start=1):
        opt.apply({"v": g.copy()})
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        # TF1 keeps beta1_power/beta2_power in float32
        b1p, b2p = float(np.float32(b1) ** t), float(np.float32(b2) ** t)
        var = var - lr * np.sqrt(1 - b2p) / (1 - b1p) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(p["v"], var, rtol=1e-7)
    np.testing.assert_allclose(opt.beta1_power, b1**3, rtol=1e-6)


def test_notes_cnn_stays_finite_in_float32():
    X, y = bw.classification_data(8)
    model = bn.CNN(bw.cnn_params())
    costs = [float(model.train_step(X, y, 0.5)) for _ in range(5)]
    assert np.all(np.isfinite(costs))
    assert model.predict(X).shape == (8, 10)


def test_numpy_save_restore_round_trip(tmp_path):
    state = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "w/Adam": np.ones(4, np.float32)}
    path = bn.save_state(state, str(tmp_path / "model-0"))
    saved = {k: v.copy() for k, v in state.items()}
    for v in state.values():
        v[...] = -1
    bn.restore_state(state, path)
    for k in state:
        np.testing.assert_array_equal(state[k], saved[k])


# --------------------------------------------------------------------------------------------
# against real TF1, identical initial weights


@pytest.fixture(scope="module")
def tf1():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    tensorflow = pytest.importorskip("tensorflow")
    tf = tensorflow.compat.v1
    tf.disable_eager_execution()
    return tf


def tf_grads(prog, feeds):
    tf = prog.tf
    names = list(prog.model.params)
    with prog.graph.as_default():
        grads = tf.gradients(prog.model.cost, [prog.model.params[k] for k in names])
    cost, *values = prog.run([prog.model.cost] + grads, **feeds)
    return cost, dict(zip(names, values, strict=True))


@pytest.mark.tf
def test_linreg_matches_tf1(tf1):
    X, y = bw.linreg_data()
    values = bw.linreg_params()
    prog = bw.TFProgram(tf1, bw.build_linreg, {k: v.copy() for k, v in values.items()})
    model = bn.LinReg(values)
    for _ in range(3):
        cost = model.train_step(X, y)
        tf_cost = prog.run([prog.model.train, prog.model.cost], X=X, y=y)[1]
        np.testing.assert_allclose(cost, tf_cost, rtol=1e-5)
    got = prog.values()
    for k in values:
        np.testing.assert_allclose(values[k], got[k], rtol=1e-5, err_msg=k)
    prog.close()


@pytest.mark.tf
def test_mlp_matches_tf1(tf1):
    X, y = bw.classification_data(16, dtype=np.float64)
    values = bw.normal_params(bw.mlp_shapes(), dtype=np.float64)
    prog = bw.TFProgram(tf1, bw.build_mlp, {k: v.copy() for k, v in values.items()}, dtype=np.float64)
    model = bn.MLP(values)
    tf_cost, tf_g = tf_grads(prog, dict(X=X, y=y))
    cost, cache = model.forward(X, y)
    np.testing.assert_allclose(cost, tf_cost, rtol=1e-10)
    assert_grads_close(model.backward(cache), tf_g, rtol=1e-8, atol=1e-12)
    for _ in range(3):  # Adam steps
        model.train_step(X, y)
        prog.run(prog.model.train, X=X, y=y)
    got = prog.values()
    for k in values:
        np.testing.assert_allclose(values[k], got[k], rtol=1e-9, atol=1e-12, err_msg=k)
    prog.close()


@pytest.mark.tf
def test_small_cnn_matches_tf1_float64(tf1):
    X, y = bw.classification_data(4, features=64, classes=5, dtype=np.float64)
    values = small_cnn_params()
    prog = bw.TFProgram(tf1, bw.build_cnn, {k: v.copy() for k, v in values.items()},
                        dtype=np.float64, **SMALL_CNN)
    model = bn.CNN(values, image=8)
    tf_cost, tf_g = tf_grads(prog, dict(X=X, y=y, kp=1.0))
    cost, cache = model.forward(X, y, 1.0)
    np.testing.assert_allclose(cost, tf_cost, rtol=1e-10)
    assert_grads_close(model.backward(cache), tf_g, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.predict(X), prog.run(prog.model.prob, X=X, kp=1.0), rtol=1e-10)
    for _ in range(3):
        model.train_step(X, y, keep_prob=1.0)
        prog.run(prog.model.train, X=X, y=y, kp=1.0)
    got = prog.values()
    for k in values:
        np.testing.assert_allclose(values[k], got[k], rtol=1e-8, atol=1e-12, err_msg=k)
    prog.close()


@pytest.mark.tf
def test_notes_cnn_matches_tf1_float32(tf1):
    X, y = bw.classification_data(4)
    values = bw.cnn_params()
    prog = bw.TFProgram(tf1, bw.build_cnn, {k: v.copy() for k, v in values.items()})
    model = bn.CNN(values)
    tf_cost, tf_g = tf_grads(prog, dict(X=X, y=y, kp=1.0))
    cost, cache = model.forward(X, y, 1.0)
    np.testing.assert_allclose(cost, tf_cost, rtol=1e-5)
    got = model.backward(cache)
    for k in tf_g:  # float32 sums of thousands of terms: compare relative to the largest entry
        scale = np.abs(tf_g[k]).max()
        np.testing.assert_allclose(got[k], tf_g[k], rtol=1e-3, atol=1e-4 * scale, err_msg=k)
    np.testing.assert_allclose(model.predict(X), prog.run(prog.model.prob, X=X, kp=1.0),
                               rtol=1e-4, atol=1e-6)
    prog.close()


@pytest.mark.tf
def test_lstm_matches_tf1(tf1):
    try:
        assert tf1.nn.rnn_cell.BasicLSTMCell
    except AttributeError:
        pytest.skip("BasicLSTMCell needs tf_keras (TF_USE_LEGACY_KERAS=1 before importing tensorflow)")
    shape = dict(steps=5, inputs=3, units=4, classes=3)
    X, y = bw.sequence_data(batch=6, steps=5, inputs=3, classes=3, dtype=np.float64)
    values = bw.lstm_params(inputs=3, units=4, classes=3, dtype=np.float64)
    values["bias"] += np.linspace(-0.5, 0.5, values["bias"].size)
    prog = bw.TFProgram(tf1, bw.build_lstm, {k: v.copy() for k, v in values.items()},
                        dtype=np.float64, **shape)
    model = bn.LSTM(values)
    tf_cost, tf_g = tf_grads(prog, dict(X=X, y=y))
    cost, cache = model.forward(X, y)
    np.testing.assert_allclose(cost, tf_cost, rtol=1e-10)
    assert_grads_close(model.backward(cache), tf_g, rtol=1e-8, atol=1e-12)
    prog.close()


# --------------------------------------------------------------------------------------------
# the harness


def test_select_workloads():
    assert bench.select_workloads("W1", quick=False) == ["W1-const", "W1-forward", "W1-train"]
    assert "W3-train550" not in bench.select_workloads("W3", quick=True)
    assert bench.select_workloads("W3-train550", quick=True) == ["W3-train550"]
    with pytest.raises(SystemExit):
        bench.select_workloads("W9", quick=False)


def test_goal_lines_report_met_missed_and_not_measured():
    def res(engine, times, ratios=(), mem=None):
        r = bench.Result("x", engine, times=list(times), ratios=list(ratios))
        r.peak_rss_mb = mem
        return r

    results = {
        "W1-train": {"graphflow": res("graphflow", [1e-5], [0.05]), "tf1": res("tf1", [2e-4])},
        "W1-const": {"graphflow": res("graphflow", [2e-5])},
        "W3-train64": {"graphflow": res("graphflow", [1.0], [1.2], mem=100.0),
                       "tf1": res("tf1", [0.8], mem=200.0)},
    }
    text = "\n".join(bench.goal_lines(results))
    assert "met: W1 train step <= 0.1x TF1" in text
    assert "MISSED: W1 sess.run of a constant <= 10 us: 20.0 µs" in text
    assert "MISSED: W3 train batch 64 <= 1.0x TF1" in text
    assert "met: W3 training peak memory <= TF1's" in text
    assert "not measured: W5 save" in text


def test_engine_that_cannot_run_a_workload_is_reported_na(tmp_path):
    class Broken:
        def __getattr__(self, name):
            raise AttributeError(f"module 'graphflow' has no attribute {name!r}")

    results = bench.measure_workload("W1-train", ["graphflow", "numpy"], {"graphflow": Broken()}, {},
                                     reps=2, target=0.001, threads=1, tmpdir=str(tmp_path),
                                     log=lambda msg: None)
    assert not results["graphflow"].ok and "has no attribute" in results["graphflow"].error
    assert results["numpy"].ok and len(results["numpy"].times) == 2
    lines = bench.table_lines({"W1-train": results})
    assert any("n/a: AttributeError" in ln for ln in lines)


def test_cli_runs_numpy_engine_end_to_end(tmp_path):
    out = tmp_path / "bench.jsonl"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(TOOLS / "bench.py"), "--engines", "numpy,graphflow", "--workloads",
         "W1,W5", "--repeat", "1", "--threads", "1", "--no-memory", "--json", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    header = "| workload | engine | median | min - max | ratio to TF1 | peak memory: run / process |"
    assert header in proc.stdout
    assert "## goals" in proc.stdout and "OPENBLAS_CORETYPE=" in proc.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["workload"], r["engine"]) for r in rows} == {
        (w, e) for w in ("W1-const", "W1-forward", "W1-train", "W5-save", "W5-restore")
        for e in ("numpy", "graphflow")}
    for r in rows:
        if r["engine"] == "numpy":
            assert r["status"] == "ok" and r["median_s"] > 0, r
        else:  # whatever graphflow can do today: a number or a reason
            assert r["status"] == "ok" or r["error"], r


def test_memory_child_reports_peak_rss():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(TOOLS / "bench.py"), "--memory-only", "--engine", "numpy",
                           "--workload", "W2-b128", "--threads", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    assert row["peak_rss_mb"] > 0.5  # a batch of activations plus Adam slots
