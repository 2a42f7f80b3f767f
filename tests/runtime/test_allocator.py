"""graphflow/runtime/allocator.py: glibc thresholds set once, opt-out by environment."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from graphflow.runtime import allocator

_CHILD = (
    "import graphflow as tf\n"
    "from graphflow.runtime import allocator\n"
    "before = allocator._state['done']\n"
    "tf.Session()\n"
    "print(before, allocator._state['done'], allocator._state['applied'], allocator.tune_malloc())\n"
)


def _child(env_value):
    env = dict(os.environ)
    env.pop("GRAPHFLOW_MALLOC_TUNING", None)
    if env_value is not None:
        env["GRAPHFLOW_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_first_session_tunes_malloc_once():
    before, done, applied, again = _child(None)
    assert before == "False" and done == "True"  # importing graphflow changes nothing; a Session does
    assert applied == again  # a second call reports the first one's result without redoing it
    if platform.libc_ver()[0] == "glibc":
        assert applied == "True"


def test_environment_opt_out():
    assert _child("0")[2] == "False"


def test_tuning_is_idempotent_in_process():
    first = allocator.tune_malloc()
    assert allocator.tune_malloc() is first


# -- the pool of large buffers ------------------------------------------------------------------
@pytest.fixture
def small_pool(monkeypatch):
    """Pool buffers from 1 MB, an empty pool, the environment's opt-out removed."""
    monkeypatch.setattr(allocator, "POOL_MIN_BYTES", 1 << 20)
    monkeypatch.setattr(allocator, "_pool", [])
    monkeypatch.delenv("GRAPHFLOW_MALLOC_TUNING", raising=False)
    return allocator


def _address(a):
    return a.__array_interface__["data"][0]


def test_small_requests_are_plain_numpy_arrays(small_pool):
    a = small_pool.empty((1000,), np.float32)
    assert a.base is None and a.shape == (1000,) and a.dtype == np.float32
    assert small_pool.pooled_bytes() == 0


def test_a_buffer_is_reused_only_once_no_array_views_it(small_pool):
    a = small_pool.empty((512, 1024), np.float32)
    assert a.shape == (512, 1024) and a.dtype == np.float32 and a.flags.c_contiguous
    first = _address(a)
    view = a.reshape(-1)[10:]
    del a
    b = small_pool.empty((512, 1024), np.float32)  # a view of the first buffer is alive
    assert _address(b) != first
    assert small_pool.pooled_bytes() == 2 * 512 * 1024 * 4
    del view
    c = small_pool.empty((1024, 512), np.float32)
    assert _address(c) == first
    assert not np.shares_memory(b, c)


def test_only_near_sizes_share_a_buffer(small_pool):
    a = small_pool.empty((4 << 20,), np.uint8)
    del a
    b = small_pool.empty((1 << 20,), np.uint8)  # 4x smaller: a new buffer, the big one stays idle
    assert small_pool.pooled_bytes() == 5 << 20
    del b
    c = small_pool.empty(((4 << 20) - 4096,), np.uint8)  # within 1.25x: reuses the big one
    assert small_pool.pooled_bytes() == 5 << 20
    assert c.nbytes == (4 << 20) - 4096


def test_idle_buffers_are_dropped_above_the_cap_and_on_release(small_pool, monkeypatch):
    monkeypatch.setattr(allocator, "POOL_IDLE_BYTES", 3 << 20)
    keep = small_pool.empty((2 << 20,), np.uint8)
    for size in (1 << 20, (3 << 20) // 2):
        small_pool.empty((size,), np.uint8)  # dropped at once: idle
    assert small_pool.pooled_bytes() == (2 << 20) + (5 << 19)
    small_pool.empty((3 << 20,), np.uint8)  # 2.5 MB idle + 3 MB new > the cap: both idle ones go
    assert small_pool.pooled_bytes() == (2 << 20) + (3 << 20)
    small_pool.release_idle()
    assert small_pool.pooled_bytes() == keep.nbytes
    del keep
    small_pool.release_idle()
    assert small_pool.pooled_bytes() == 0


def test_environment_opt_out_turns_the_pool_off(small_pool, monkeypatch):
    monkeypatch.setenv("GRAPHFLOW_MALLOC_TUNING", "0")
    a = small_pool.empty((4 << 20,), np.uint8)
    assert a.base is None and small_pool.pooled_bytes() == 0


def test_session_results_survive_the_next_run(small_pool):
    """A fetched value views a pooled buffer: the next run must not write into it."""
    import graphflow as tf

    x = tf.placeholder(tf.float32, [None, 600])
    y = tf.nn.relu(x * 2.0)
    with tf.Session() as sess:
        first_in = np.full((1000, 600), 1.0, np.float32)
        first = sess.run(y, {x: first_in})
        second = sess.run(y, {x: np.full((1000, 600), 3.0, np.float32)})
        np.testing.assert_array_equal(first, 2.0)
        np.testing.assert_array_equal(second, 6.0)
        assert not np.shares_memory(first, second)
