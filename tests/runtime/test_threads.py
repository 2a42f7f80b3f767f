"""graphflow/runtime/threads.py: the worker team and block helpers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from graphflow.runtime import threads


def test_run_workers_calls_every_index_once():
    seen = []
    lock = threading.Lock()

    def fn(t):
        with lock:
            seen.append(t)

    for n in (1, 2, 3, 5):
        seen.clear()
        threads.run_workers(n, fn)
        assert sorted(seen) == list(range(n))


def test_run_workers_reraises_a_workers_error_after_all_finish():
    done = []

    def fn(t):
        if t == 2:
            raise ValueError("worker two failed")
        done.append(t)

    with pytest.raises(ValueError, match="worker two failed"):
        threads.run_workers(3, fn)
    assert sorted(done) == [0, 1]
    threads.run_workers(3, lambda t: done.append(t))  # the team is still usable
    assert sorted(done[2:]) == [0, 1, 2]


def test_nested_and_concurrent_callers_do_not_deadlock():
    totals = []

    def inner(t):
        return None

    def outer(t):
        threads.run_workers(2, inner)  # the team is busy: falls back to the pool

    def caller():
        for _ in range(50):
            threads.run_workers(2, outer)
        totals.append(1)

    ts = [threading.Thread(target=caller) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=60)
    assert len(totals) == 4


def test_for_blocks_covers_the_range_in_order_free_blocks(monkeypatch):
    monkeypatch.setattr(threads, "split", 3)
    hits = np.zeros(1000, np.int64)

    def fn(lo, hi):
        hits[lo:hi] += 1

    threads.for_blocks(1000, fn, min_size=1)
    assert (hits == 1).all()
    hits[:] = 0
    threads.for_blocks(1000, fn, min_size=10**6)  # below the threshold: one block
    assert (hits == 1).all()
