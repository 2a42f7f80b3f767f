"""graphflow/runtime/allocator.py: glibc thresholds set once, opt-out by environment."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

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
