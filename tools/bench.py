#!/usr/bin/env python
"""graphflow's benchmark suite (issue 10): graphflow against TF1 and a hand-written NumPy loop.

    python tools/bench.py [--quick] [--workloads W1,W3-train64,...] [--engines graphflow,tf1,numpy]
                          [--json out.jsonl | --json -] [--repeat N] [--no-memory]

Every TF1 workload is written once in ``tools/bench_workloads.py`` as ``build_*(tf)`` and runs with
``tf = tensorflow.compat.v1`` (graph mode) and with ``tf = graphflow``; the NumPy engine is
``tools/bench_numpy.py``. All engines get the same data and initial weights (float32, fixed
seeds). Per workload the engines alternate within every repetition (the order rotates), warm-up
runs are excluded; the table shows the median per call, the min-max spread over the
repetitions, the median of the per-repetition ratios to TF1, and the peak RSS (measured in a
child process per engine: ``ru_maxrss`` after the workload minus ``ru_maxrss`` after the
imports). A workload an engine cannot run (graphflow missing an op, TF absent, ...) shows
``n/a: <error>`` and the run goes on.

Workloads
  W1-const      sess.run of a constant
  W1-forward    the notes' linear regression, sess.run(cost, feed_dict), X [20,1], y [20]
  W1-train      the notes' linear-regression train step, GradientDescentOptimizer(0.01)
  W2-b128/1024  MLP 784-256-256-10 relu, softmax cross entropy, Adam: train step
  W3-train64/550  the notes' MNIST CNN train step (the notes' cost, dropout 0.5, Adam)
  W3-infer2000  the same CNN, sess.run(prob) at keep_prob 1.0
  W4-cold/warm  fresh process: start to the first W1 train-step result (NUMBA_CACHE_DIR new/primed)
  W4-import     `import graphflow` / `import tensorflow` / `import numpy` alone, in a fresh process
  W5-save/restore  Saver save / restore of the W3 model with its Adam slots, to a temp dir
  W6-lstm128    LSTM(128) over 28x28 rows at batch 128 (dynamic_rnn + BasicLSTMCell), train step
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
for _p in (str(ROOT), str(TOOLS)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_numpy as bn  # noqa: E402
import bench_workloads as bw  # noqa: E402

WORKLOADS = {
    "W1-const": "sess.run of a constant",
    "W1-forward": "linear regression sess.run(cost, feed_dict), X [20,1]",
    "W1-train": "linear regression train step, GD(0.01)",
    "W2-b128": "MLP 784-256-256-10 + Adam, batch 128",
    "W2-b1024": "MLP 784-256-256-10 + Adam, batch 1024",
    "W3-train64": "notes' CNN train step, batch 64",
    "W3-train550": "notes' CNN train step, batch 550",
    "W3-infer2000": "notes' CNN inference, batch 2000",
    "W4-cold": "process start to first W1 result, cold numba cache",
    "W4-warm": "process start to first W1 result, warm numba cache",
    "W4-import": "import of the engine alone",
    "W5-save": "Saver.save of the W3 model + Adam slots",
    "W5-restore": "Saver.restore of the W3 model + Adam slots",
    "W6-lstm128": "LSTM(128) 28x28 batch 128 train step",
}
QUICK_SKIP = {"W3-train550", "W3-infer2000"}
SUBPROCESS_WORKLOADS = {"W4-cold", "W4-warm", "W4-import"}
MEMORY_WORKLOADS_FULL = {"W2-b128", "W2-b1024", "W3-train64", "W3-train550", "W3-infer2000", "W6-lstm128"}
MEMORY_WORKLOADS_QUICK = {"W3-train64"}
ENGINES = ("graphflow", "tf1", "numpy")
PAUSE = 0.02  # seconds between two engines' timed blocks (not timed)
TF_LIKE = ("graphflow", "tf1")

# (label, workload, kind, threshold): kind "ratio" = graphflow / TF1, "abs" = graphflow seconds,
# "mem" = graphflow peak RSS / TF1 peak RSS.
GOALS = [
    ("W1 train step <= 0.1x TF1", "W1-train", "ratio", 0.1),
    ("W1 sess.run of a constant <= 10 us", "W1-const", "abs", 10e-6),
    ("W1 forward (cached plan, <=10 ops) <= 30 us [issue 2]", "W1-forward", "abs", 30e-6),
    ("W1 forward <= 0.2x TF1 [issue 2]", "W1-forward", "ratio", 0.2),
    ("W2 batch 128 <= 0.85x TF1", "W2-b128", "ratio", 0.85),
    ("W2 batch 1024 <= 0.85x TF1", "W2-b1024", "ratio", 0.85),
    ("W3 train batch 64 <= 1.0x TF1", "W3-train64", "ratio", 1.0),
    ("W3 train batch 550 <= 1.0x TF1", "W3-train550", "ratio", 1.0),
    ("W3 inference batch 2000 <= 1.0x TF1", "W3-infer2000", "ratio", 1.0),
    ("W4 first result, cold cache <= 1.5 s", "W4-cold", "abs", 1.5),
    ("W4 first result, warm cache <= 1.0 s", "W4-warm", "abs", 1.0),
    ("import graphflow <= 0.6 s", "W4-import", "abs", 0.6),
    ("W5 save <= 85 ms", "W5-save", "abs", 85e-3),
    ("W5 restore <= 35 ms", "W5-restore", "abs", 35e-3),
    ("W3 training peak memory <= TF1's", "W3-train64", "mem", 1.0),
]


# --------------------------------------------------------------------------------------------
# threads and engines


def machine_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def thread_env(n):
    """Environment variables that pin every engine's pools to ``n`` threads (child processes)."""
    env = {k: str(n) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMBA_NUM_THREADS")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", TF_USE_LEGACY_KERAS="1")
    return env


def pin_threads(n):
    """Pin this process: env for libraries not imported yet, threadpoolctl for loaded BLAS."""
    for k, v in thread_env(n).items():
        os.environ.setdefault(k, v)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n)


def load_engine(name):
    """The engine's TF1 module (``None`` for numpy); raises when it cannot be imported."""
    if name == "tf1":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        import tensorflow

        tf = tensorflow.compat.v1
        tf.disable_eager_execution()
        tf.logging.set_verbosity(tf.logging.ERROR)
        return tf
    if name == "graphflow":
        import graphflow

        if getattr(graphflow, "__file__", None) is None:
            raise ImportError("graphflow is an empty namespace package (no graphflow/__init__.py yet)")
        return graphflow
    if name == "numpy":
        return None
    raise ValueError(f"unknown engine {name!r}")


def short_error(exc):
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 110 else line[:107] + "..."


# --------------------------------------------------------------------------------------------
# cases: one engine running one workload


@dataclass
class Case:
    """``run()`` does one call; ``measure(number)`` returns seconds per call."""

    run: object
    close: object = None
    warmup: int = 2
    fixed_number: int | None = None
    measure_fn: object = None

    def measure(self, number):
        if self.measure_fn is not None:
            return self.measure_fn()
        run = self.run
        t0 = time.perf_counter()
        for _ in range(number):
            run()
        return (time.perf_counter() - t0) / number

    def finish(self):
        if self.close is not None:
            self.close()


def _cnn_values():
    return bw.cnn_params()


def _mlp_values():
    return bw.normal_params(bw.mlp_shapes())


def _batch(wl):
    return int("".join(c for c in wl.split("-")[1] if c.isdigit()))


def tf_case(tf, wl, threads, tmpdir):
    """A Case for a TF1-API engine (``tf`` is tensorflow.compat.v1 or graphflow)."""
    if wl == "W1-const":
        prog = bw.TFProgram(tf, bw.build_const, threads=threads)
        sess, fetch = prog.sess, prog.model.fetch
        return Case(lambda: sess.run(fetch), prog.close)
    if wl in ("W1-forward", "W1-train"):
        X, y = bw.linreg_data()
        prog = bw.TFProgram(tf, bw.build_linreg, bw.linreg_params(), threads=threads)
        sess, feed = prog.sess, prog.feed(X=X, y=y)
        fetch = prog.model.cost if wl == "W1-forward" else prog.model.train
        return Case(lambda: sess.run(fetch, feed_dict=feed), prog.close)
    if wl.startswith("W2-"):
        X, y = bw.classification_data(_batch(wl))
        prog = bw.TFProgram(tf, bw.build_mlp, _mlp_values(), threads=threads)
        sess, feed, fetch = prog.sess, prog.feed(X=X, y=y), [prog.model.train, prog.model.cost]
        return Case(lambda: sess.run(fetch, feed_dict=feed), prog.close)
    if wl.startswith("W3-"):
        X, y = bw.classification_data(_batch(wl))
        prog = bw.TFProgram(tf, bw.build_cnn, _cnn_values(), threads=threads)
        sess = prog.sess
        if wl.startswith("W3-train"):
            feed, fetch = prog.feed(X=X, y=y, kp=0.5), [prog.model.train, prog.model.cost]
        else:
            feed, fetch = prog.feed(X=X, kp=1.0), prog.model.prob
        return Case(lambda: sess.run(fetch, feed_dict=feed), prog.close, warmup=1 if _batch(wl) > 64 else 2)
    if wl.startswith("W5-"):
        X, y = bw.classification_data(64)
        prog = bw.TFProgram(tf, bw.build_cnn, _cnn_values(), threads=threads, saver=True)
        prog.run([prog.model.train, prog.model.cost], X=X, y=y, kp=0.5)  # Adam slots non-zero
        sess, saver = prog.sess, prog.saver
        prefix = os.path.join(tmpdir, "cnn", "model")
        os.makedirs(os.path.dirname(prefix), exist_ok=True)
        if wl == "W5-save":
            step = iter(range(10**9))
            return Case(lambda: saver.save(sess, save_path=prefix, global_step=next(step)), prog.close)
        path = saver.save(sess, save_path=prefix, global_step=0)
        return Case(lambda: saver.restore(sess, path), prog.close)
    if wl == "W6-lstm128":
        X, y = bw.sequence_data()
        prog = bw.TFProgram(tf, bw.build_lstm, bw.lstm_params(), threads=threads)
        sess, feed, fetch = prog.sess, prog.feed(X=X, y=y), [prog.model.train, prog.model.cost]
        return Case(lambda: sess.run(fetch, feed_dict=feed), prog.close)
    raise ValueError(f"unknown workload {wl!r}")


def numpy_case(wl, tmpdir):
    """A Case for the hand-written NumPy engine."""
    if wl == "W1-const":
        c = np.array(1024, np.int32)
        return Case(lambda: c.copy())
    if wl in ("W1-forward", "W1-train"):
        X, y = bw.linreg_data()
        model = bn.LinReg(bw.linreg_params())
        if wl == "W1-forward":
            return Case(lambda: model.forward(X, y)[0])
        return Case(lambda: model.train_step(X, y))
    if wl.startswith("W2-"):
        X, y = bw.classification_data(_batch(wl))
        model = bn.MLP(_mlp_values())
        return Case(lambda: model.train_step(X, y))
    if wl.startswith("W3-"):
        X, y = bw.classification_data(_batch(wl))
        model = bn.CNN(_cnn_values())
        warm = 1 if _batch(wl) > 64 else 2
        if wl.startswith("W3-train"):
            return Case(lambda: model.train_step(X, y, 0.5), warmup=warm)
        return Case(lambda: model.predict(X), warmup=warm)
    if wl.startswith("W5-"):
        X, y = bw.classification_data(64)
        model = bn.CNN(_cnn_values())
        model.train_step(X, y, 0.5)
        state = model.opt.state()
        os.makedirs(os.path.join(tmpdir, "np"), exist_ok=True)
        if wl == "W5-save":
            step = iter(range(10**9))
            return Case(lambda: bn.save_state(state, os.path.join(tmpdir, "np", f"model-{next(step) % 5}")))
        path = bn.save_state(state, os.path.join(tmpdir, "np", "model-0"))
        return Case(lambda: bn.restore_state(state, path))
    if wl == "W6-lstm128":
        X, y = bw.sequence_data()
        model = bn.LSTM(bw.lstm_params())
        return Case(lambda: model.train_step(X, y))
    raise ValueError(f"unknown workload {wl!r}")


# W4: fresh processes ------------------------------------------------------------------------

_W4_PRELUDE = """\
import json, sys, time
sys.path[:0] = [{root!r}, {tools!r}]
"""
_W4_TF_BODY = """\
import bench_workloads as bw
X_train, y_train = bw.linreg_data()
X = tf.placeholder(dtype=tf.float32, shape=[20, 1])
y = tf.placeholder(dtype=tf.float32, shape=[20])
w = tf.Variable(initial_value=tf.random_normal(shape=[1, 1]))
b = tf.Variable(initial_value=tf.random_normal(shape=[1, 1]))
pred = tf.matmul(X, w) + b
cost = tf.reduce_mean((pred - tf.reshape(y, shape=[20, 1])) ** 2)
optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    _, c = s.run([optimizer, cost], feed_dict={{X: X_train, y: y_train}})
print(json.dumps({{"t_result": time.time(), "cost": float(c)}}))
"""
_W4_IMPORTS = {
    "graphflow": "import graphflow as tf\n",
    "tf1": "import tensorflow\ntf = tensorflow.compat.v1\ntf.disable_eager_execution()\n",
}
_W4_NUMPY = """\
import numpy as np
import bench_numpy as bn
import bench_workloads as bw
X_train, y_train = bw.linreg_data()
c = bn.LinReg(bw.linreg_params()).train_step(X_train, y_train)
print(json.dumps({"t_result": time.time(), "cost": float(c)}))
"""
_W4_IMPORT_MODULE = {"graphflow": "graphflow", "tf1": "tensorflow", "numpy": "numpy"}


def w4_script(engine, wl):
    head = _W4_PRELUDE.format(root=str(ROOT), tools=str(TOOLS))
    if wl == "W4-import":
        mod = _W4_IMPORT_MODULE[engine]
        return head + (f"t0 = time.perf_counter()\nimport {mod}\nt1 = time.perf_counter()\n"
                       f"assert getattr({mod}, '__file__', None), '{mod} is an empty namespace package'\n"
                       "print(json.dumps({'seconds': t1 - t0}))\n")
    if engine == "numpy":
        return head + _W4_NUMPY
    return head + _W4_IMPORTS[engine] + _W4_TF_BODY.format()


def run_child(script, env, timeout=600):
    """Run ``python -c script``; returns (wall start time, last JSON line of its stdout)."""
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        raise RuntimeError(lines[-1] if lines else f"child exited with {proc.returncode}")
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError("child printed no result")
    return t0, json.loads(lines[-1])


def w4_case(engine, wl, threads, tmpdir):
    script = w4_script(engine, wl)
    base_env = dict(os.environ)
    base_env.update(thread_env(threads))

    def env_with_cache(path):
        env = dict(base_env)
        env["NUMBA_CACHE_DIR"] = path
        return env

    if wl == "W4-import":
        return Case(None, warmup=0, fixed_number=1,
                    measure_fn=lambda: run_child(script, base_env)[1]["seconds"])
    if wl == "W4-cold":
        def cold():
            cache = tempfile.mkdtemp(prefix="numba-cold-", dir=tmpdir)
            try:
                t0, out = run_child(script, env_with_cache(cache))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            return out["t_result"] - t0

        return Case(None, warmup=0, fixed_number=1, measure_fn=cold)
    warm_dir = tempfile.mkdtemp(prefix="numba-warm-", dir=tmpdir)
    run_child(script, env_with_cache(warm_dir))  # prime the cache (and the OS file cache)

    def warm():
        t0, out = run_child(script, env_with_cache(warm_dir))
        return out["t_result"] - t0

    return Case(None, warmup=0, fixed_number=1, measure_fn=warm)


def make_case(engine, tf, wl, threads, tmpdir):
    if wl in SUBPROCESS_WORKLOADS:
        return w4_case(engine, wl, threads, tmpdir)
    if engine == "numpy":
        return numpy_case(wl, tmpdir)
    return tf_case(tf, wl, threads, tmpdir)


# --------------------------------------------------------------------------------------------
# measuring


@dataclass
class Result:
    workload: str
    engine: str
    times: list = field(default_factory=list)
    error: str | None = None
    ratios: list = field(default_factory=list)
    peak_rss_mb: float | None = None
    total_peak_mb: float | None = None  # the whole process: the engine's import included
    memory_error: str | None = None

    @property
    def ok(self):
        return self.error is None and bool(self.times)

    @property
    def median(self):
        return statistics.median(self.times) if self.ok else None

    @property
    def ratio(self):
        return statistics.median(self.ratios) if self.ratios else None

    def as_json(self, header):
        d = {
            "workload": self.workload, "engine": self.engine, "status": "ok" if self.ok else "n/a",
            "error": self.error, "median_s": self.median,
            "min_s": min(self.times) if self.ok else None, "max_s": max(self.times) if self.ok else None,
            "reps": len(self.times), "times_s": self.times,
            "ratio_tf1": self.ratio, "ratio_tf1_min": min(self.ratios) if self.ratios else None,
            "ratio_tf1_max": max(self.ratios) if self.ratios else None,
            "peak_rss_mb": self.peak_rss_mb, "total_peak_mb": self.total_peak_mb,
            "memory_error": self.memory_error,
            "date": header["date"], "nproc": header["nproc"], "cpu": header["cpu"],
        }
        return json.dumps(d)


def calibrate(case, target):
    if case.fixed_number is not None:
        return case.fixed_number
    t = case.measure(1)
    return max(1, min(20000, int(target / max(t, 1e-9))))


def measure_workload(wl, engines, modules, load_errors, reps, target, threads, tmpdir, log):
    results = {e: Result(wl, e) for e in engines}
    cases, numbers = {}, {}
    for e in engines:
        if e in load_errors:
            results[e].error = load_errors[e]
            continue
        try:
            case = make_case(e, modules.get(e), wl, threads, tmpdir)
            for _ in range(case.warmup):
                case.run()
            numbers[e] = calibrate(case, target)
            cases[e] = case
        except Exception as exc:  # noqa: BLE001 - an engine lacking an op must not stop the run
            results[e].error = short_error(exc)
            log(f"  {wl} {e}: n/a ({results[e].error})")
    order = list(cases)
    for r in range(reps):
        k = r % len(order) if order else 0
        for e in order[k:] + order[:k]:
            if e not in cases:
                continue
            time.sleep(PAUSE)  # let the previous engine's spinning worker threads go idle
            try:
                results[e].times.append(cases[e].measure(numbers[e]))
            except Exception as exc:  # noqa: BLE001
                results[e].error = short_error(exc)
                results[e].times = []
                cases.pop(e).finish()
    for case in cases.values():
        try:
            case.finish()
        except Exception:  # noqa: BLE001
            pass
    tf1 = results.get("tf1")
    for res in results.values():
        if res.ok and tf1 is not None and tf1.ok:
            res.ratios = [a / b for a, b in zip(res.times, tf1.times, strict=False) if b > 0]
    return results


def _proc_status_mb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Reset this process's RSS high-water mark (Linux ``clear_refs`` 5); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_child(engine, wl, threads):
    """``--memory-only``: peak RSS of one engine running one workload, in this (child) process.

    ``ru_maxrss`` is inherited through fork + exec on Linux (a child of a big benchmark process
    starts with its parent's peak), so the peak is read as ``VmHWM`` after resetting it with
    ``/proc/self/clear_refs`` once the engine is imported; ``ru_maxrss`` is the fallback.
    """
    pin_threads(threads)
    tf = load_engine(engine)
    if _reset_peak_rss() and _proc_status_mb("VmHWM") is not None:
        base, read_peak, source = _proc_status_mb("VmRSS"), lambda: _proc_status_mb("VmHWM"), "VmHWM"
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        read_peak, source = (lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0), "ru_maxrss"
    with tempfile.TemporaryDirectory() as tmp:
        case = make_case(engine, tf, wl, threads, tmp)
        for _ in range(max(case.warmup, 1) + 3):
            case.run()
        peak = read_peak()
        case.finish()
    print(json.dumps({"engine": engine, "workload": wl, "peak_rss_mb": peak - base,
                      "baseline_mb": base, "total_peak_mb": peak, "source": source}))


def measure_memory(engine, wl, threads):
    env = dict(os.environ)
    env.update(thread_env(threads))
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--memory-only",
                           "--engine", engine, "--workload", wl], env=env, capture_output=True,
                          text=True, timeout=900)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        raise RuntimeError(err[-1] if err else f"exit {proc.returncode}")
    out = json.loads(lines[-1])
    return out["peak_rss_mb"], out.get("total_peak_mb")


# --------------------------------------------------------------------------------------------
# report


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_header(threads):
    blas = []
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads)" for i in threadpool_info()]
    except ImportError:
        pass
    tf_version = _version("tensorflow") or _version("tensorflow-cpu")
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(), "threads": threads, "cpu": cpu_model(),
        "python": platform.python_version(), "numpy": np.__version__, "numba": _version("numba"),
        "tensorflow": tf_version, "graphflow": _version("graphflow"), "blas": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def fmt_time(s):
    if s is None:
        return ""
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_range(res):
    if not res.ok:
        return ""
    return f"{fmt_time(min(res.times))} - {fmt_time(max(res.times))}"


def header_lines(h):
    lines = [
        "# graphflow benchmark",
        "",
        f"- date: {h['date']}",
        f"- machine: {h['nproc']} cores ({h['cpu']}); threads pinned to {h['threads']} for every engine",
        f"- python {h['python']}, numpy {h['numpy']}, numba {h['numba']}, tensorflow {h['tensorflow']}, "
        f"graphflow {h['graphflow']}",
        f"- BLAS: {'; '.join(h['blas']) or 'unknown'}",
        f"- load average at start: {', '.join(f'{x:.2f}' for x in h['loadavg']) if h['loadavg'] else '?'}"
        " (the machine may be shared: a high load skews every engine)",
        f"- OPENBLAS_CORETYPE={'set to ' + h['OPENBLAS_CORETYPE'] if h['OPENBLAS_CORETYPE'] else 'unset'}, "
        f"OPENBLAS_L2_SIZE={'set to ' + h['OPENBLAS_L2_SIZE'] if h['OPENBLAS_L2_SIZE'] else 'unset'}",
    ]
    return lines


def table_lines(all_results):
    lines = ["| workload | engine | median | min - max | ratio to TF1 | peak memory: run / process |",
             "| --- | --- | --- | --- | --- | --- |"]
    for wl, results in all_results.items():
        for e, res in results.items():
            if res.ok:
                med, spread = fmt_time(res.median), fmt_range(res)
                if res.ratio is not None and e != "tf1":
                    ratio = f"{res.ratio:.3g}x ({min(res.ratios):.3g}-{max(res.ratios):.3g})"
                else:
                    ratio = "1x" if e == "tf1" else ""
            else:
                med, spread, ratio = f"n/a: {res.error}", "", ""
            if res.peak_rss_mb is not None:
                mem = f"{res.peak_rss_mb:.0f} MB"
                if res.total_peak_mb is not None:
                    mem += f" / {res.total_peak_mb:.0f} MB"
            elif res.memory_error:
                mem = f"n/a: {res.memory_error[:60]}"
            else:
                mem = ""
            lines.append(f"| {wl} | {e} | {med} | {spread} | {ratio} | {mem} |")
    return lines


def goal_lines(all_results):
    lines = ["## goals (issue 10; graphflow, measured in this run)", ""]
    for label, wl, kind, thr in GOALS:
        res = all_results.get(wl, {}).get("graphflow")
        tf1 = all_results.get(wl, {}).get("tf1")
        if res is None:
            lines.append(f"- not measured: {label} (workload or engine not selected)")
            continue
        if not res.ok:
            lines.append(f"- not measured: {label} (graphflow n/a: {res.error})")
            continue
        if kind == "abs":
            value, text = res.median, fmt_time(res.median)
        elif kind == "ratio":
            if res.ratio is None:
                lines.append(f"- not measured: {label} (no TF1 result; graphflow {fmt_time(res.median)})")
                continue
            value = res.ratio
            text = f"{res.ratio:.3g}x TF1 ({fmt_time(res.median)} vs {fmt_time(tf1.median)})"
        else:
            if res.peak_rss_mb is None or tf1 is None or tf1.peak_rss_mb is None or tf1.peak_rss_mb <= 0:
                lines.append(f"- not measured: {label} (no peak memory for graphflow and TF1)")
                continue
            value = res.peak_rss_mb / tf1.peak_rss_mb
            text = f"{res.peak_rss_mb:.0f} MB vs TF1 {tf1.peak_rss_mb:.0f} MB above import ({value:.2f}x)"
            if res.total_peak_mb is not None and tf1.total_peak_mb is not None:
                text += f"; whole process {res.total_peak_mb:.0f} MB vs {tf1.total_peak_mb:.0f} MB"
        lines.append(f"- {'met' if value <= thr else 'MISSED'}: {label}: {text}")
    return lines


# --------------------------------------------------------------------------------------------
# command line


def select_workloads(spec, quick):
    """Workload names from a comma list of names or groups; --quick drops W3 550/2000 unless named."""
    items = [s.strip() for s in (spec or "").split(",") if s.strip()]
    if not items:
        names = list(WORKLOADS)
    else:
        names = []
        for item in items:
            hits = [w for w in WORKLOADS if w == item or w.split("-")[0] == item]
            if not hits:
                raise SystemExit(f"unknown workload {item!r}; known: {', '.join(WORKLOADS)}")
            names.extend(h for h in hits if h not in names)
    if quick:
        names = [w for w in names if w not in QUICK_SKIP or w in items]
    return names


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a ~1 minute run: fewer repetitions, "
                   "no W3 batch 550 / inference 2000, memory for W3-train64 only")
    p.add_argument("--workloads", default="", help="comma list of workloads or groups (W1,W3-train64)")
    p.add_argument("--engines", default=",".join(ENGINES), help="comma list of graphflow,tf1,numpy")
    p.add_argument("--json", default=None, help="write JSON lines to this file ('-' for stdout)")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per workload (default 7, quick 3)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    p.add_argument("--threads", type=int, default=None, help="threads per engine (default: all cores)")
    p.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--engine", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    threads = args.threads or machine_threads()
    if args.memory_only:
        memory_child(args.engine, args.workload, threads)
        return 0

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    pin_threads(threads)
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            raise SystemExit(f"unknown engine {e!r}; known: {', '.join(ENGINES)}")
    workloads = select_workloads(args.workloads, args.quick)
    reps = args.repeat or (3 if args.quick else 7)
    target = 0.03 if args.quick else 0.15
    modules, load_errors = {}, {}
    for e in engines:
        t0 = time.perf_counter()
        try:
            modules[e] = load_engine(e)
            log(f"loaded {e} in {time.perf_counter() - t0:.2f} s")
        except Exception as exc:  # noqa: BLE001 - report the engine as n/a, go on
            load_errors[e] = short_error(exc)
            log(f"engine {e}: n/a ({load_errors[e]})")
    header = machine_header(threads)
    mem_set = MEMORY_WORKLOADS_QUICK if args.quick else MEMORY_WORKLOADS_FULL
    all_results = {}
    with tempfile.TemporaryDirectory(prefix="graphflow-bench-") as tmpdir:
        for wl in workloads:
            t0 = time.perf_counter()
            wl_reps = min(reps, 1 if args.quick else 3) if wl in SUBPROCESS_WORKLOADS else reps
            results = measure_workload(wl, engines, modules, load_errors, wl_reps, target, threads,
                                       tmpdir, log)
            if not args.no_memory and wl in mem_set:
                for e, res in results.items():
                    if res.ok:
                        try:
                            res.peak_rss_mb, res.total_peak_mb = measure_memory(e, wl, threads)
                        except Exception as exc:  # noqa: BLE001
                            res.memory_error = short_error(exc)
            all_results[wl] = results
            log(f"{wl}: " + ", ".join(f"{e} {fmt_time(r.median) if r.ok else 'n/a'}"
                                      for e, r in results.items())
                + f"  [{time.perf_counter() - t0:.1f} s]")
    out = header_lines(header) + [""] + table_lines(all_results) + [""] + goal_lines(all_results)
    print("\n".join(out))
    if args.json:
        lines = [r.as_json(header) for res in all_results.values() for r in res.values()]
        if args.json == "-":
            print("\n```jsonl\n" + "\n".join(lines) + "\n```")
        else:
            with open(args.json, "w") as f:
                f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
