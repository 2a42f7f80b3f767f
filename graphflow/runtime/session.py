"""``tf.Session``: owns variable values, caches plans, validates feeds and runs kernels.

``run`` flattens the fetches, resolves the feeds, looks up (or builds) the plan for this
(fetches, feeds) combination, checks that every variable the plan reads is initialized (all
missing ones are listed at once), executes the bound plan and rebuilds the fetch structure.
A training loop's repeated ``run(train_op, feed_dict)`` reuses the previous single-fetch run's
plan when the fetch object, the feed keys and the graph's structure are the same (no cache key is
built); the feeds, variables and everything else are checked on every run as before.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from graphflow import errors
from graphflow.framework import graph as graph_mod
from graphflow.framework import source_info
from graphflow.framework.operation import Operation
from graphflow.framework.tensor import Tensor
from graphflow.runtime import allocator
from graphflow.runtime import threads as _threads
from graphflow.runtime.executor import BoundPlan
from graphflow.runtime.fetches import flatten_fetches
from graphflow.runtime.planner import build_plan
from graphflow.runtime.variables import SessionState


class ConfigProto:
    """``tf.ConfigProto``: accepted; thread counts are recorded for the kernels."""

    def __init__(self, **kwargs: Any) -> None:
        self.intra_op_parallelism_threads = 0
        self.inter_op_parallelism_threads = 0
        self.allow_soft_placement = False
        self.log_device_placement = False
        self.device_count: dict = {}
        self.gpu_options = GPUOptions()
        self.graph_options = None
        for k, v in kwargs.items():
            setattr(self, k, v)


class GPUOptions:
    """``tf.GPUOptions``: accepted for compatibility (no GPU)."""

    def __init__(self, **kwargs: Any) -> None:
        self.allow_growth = False
        self.per_process_gpu_memory_fraction = 1.0
        for k, v in kwargs.items():
            setattr(self, k, v)


class RunOptions:
    """``tf.RunOptions``: accepted for compatibility."""

    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2
    FULL_TRACE = 3

    def __init__(self, **kwargs: Any) -> None:
        self.trace_level = 0
        self.timeout_in_ms = 0
        for k, v in kwargs.items():
            setattr(self, k, v)


class RunMetadata:
    """``tf.RunMetadata``: accepted; ``step_stats`` stays empty."""

    def __init__(self) -> None:
        self.step_stats = None
        self.partition_graphs: list = []


class _FeedSpec:
    """How to validate and convert the value fed for one tensor."""

    __slots__ = ("tensor", "slot", "np_dtype", "dims", "exact_dims")

    def __init__(self, tensor: Tensor, slot: int) -> None:
        self.tensor = tensor
        self.slot = slot
        self.np_dtype = np.dtype(tensor.dtype.base_dtype.as_numpy_dtype)
        self.dims = tensor.shape.as_tuple()
        # a fully defined shape is checked with one tuple comparison
        self.exact_dims = self.dims if self.dims is not None and None not in self.dims else None


_NO_LAST_RUN = (object(), None, None, None)  # a fetch no ``run`` is given (None is a bad fetch)


class _CachedRun:
    """A plan bound to this session's state plus what ``run`` needs per call."""

    __slots__ = ("bound", "feed_specs", "feeds", "pending_vars", "fetch_slots", "fetch_copy", "single")

    def __init__(self, bound: BoundPlan, feed_specs: list) -> None:
        self.bound = bound
        self.feed_specs = feed_specs
        # per feed, in feed_dict order: (slot, dtype, exact dims, spec) for the direct-feed test
        self.feeds = tuple((s.slot, s.np_dtype, s.exact_dims, s) for s in feed_specs)
        plan = bound.plan
        # variables the run reads that were not initialized when last checked (values never
        # disappear from a live session, so the list only shrinks)
        self.pending_vars = [v for v in plan.variables_read if v not in plan.variables_assigned]
        self.fetch_slots = plan.fetch_slots
        self.fetch_copy = plan.fetch_copy
        self.single = (plan.fetch_slots[0], plan.fetch_copy[0]) if len(plan.fetch_slots) == 1 else None


class BaseSession:
    """Shared Session machinery (``tf.Session`` and ``tf.InteractiveSession``)."""

    def __init__(self, target: str = "", graph=None, config=None) -> None:
        if graph is not None and not isinstance(graph, graph_mod.Graph):
            raise TypeError(f"graph must be a tf.Graph, but got {type(graph)}")
        if config is not None and not isinstance(config, ConfigProto):
            raise TypeError(f"config must be a tf.ConfigProto, but got {type(config)}")
        self._graph = graph if graph is not None else graph_mod.get_default_graph()
        self._config = config
        self._state = SessionState()
        self._cache: dict = {}
        # (fetch, feed keys, graph structure version, _CachedRun) of the last single-fetch run
        self._last_run: tuple = _NO_LAST_RUN
        self._closed = False
        self._lock = threading.RLock()
        self._blas_threads = _threads.threads_for(config)
        self._default_cm = None
        self.plans_built = 0
        allocator.tune_malloc()  # once per process: large buffers stay in the heap between runs

    # -- properties ------------------------------------------------------------------------------
    @property
    def graph(self):
        """The Graph this session runs."""
        return self._graph

    @property
    def graph_def(self):
        """The GraphDef of the session's graph."""
        return self._graph.as_graph_def()

    @property
    def sess_str(self) -> str:
        """The target string (always '')."""
        return ""

    # -- running ---------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Run the ops needed for ``fetches`` with ``feed_dict``; results mirror the structure."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        graph = self._graph
        last = self._last_run
        if last[0] is fetches:  # the previous run's single fetch (a Tensor or Operation of this graph)
            feed_keys = tuple(feed_dict) if feed_dict else ()
            if last[1] == feed_keys and last[2] == graph._structure_version:
                cached = last[3]  # the same plan: no key to build and hash (0.2 µs)
            else:
                cached = self._cached_run(graph, last[0:1], feed_keys)
            build = None
        else:
            kind = type(fetches)
            if kind is Tensor or kind is Operation:  # one element, no structure to flatten
                if (fetches._op if kind is Tensor else fetches)._graph is not graph:
                    raise _other_graph_error(fetches, graph)
                feed_keys = tuple(feed_dict) if feed_dict else ()
                cached = self._cached_run(graph, (fetches,), feed_keys)
                build = None
            else:
                flat, build = flatten_fetches(fetches, graph)
                for el in flat:
                    if el.graph is not graph:
                        raise _other_graph_error(el, graph)
                feed_keys = tuple(feed_dict) if feed_dict else ()
                cached = self._cached_run(graph, tuple(flat), feed_keys)
        if len(graph._ops) != graph._last_run_op_count:
            graph._check_growth()
        bound = cached.bound
        slots = bound.template[:]
        if feed_keys:
            feeds = cached.feeds
            k = 0
            for value in feed_dict.values():  # (not zip: 0.1 µs more on 2 feeds)
                slot, np_dtype, exact_dims, spec = feeds[k]
                k += 1
                # an array of the placeholder's exact dtype and full shape is fed as it is
                if (type(value) is np.ndarray and value.dtype is np_dtype and value.shape == exact_dims
                        and value.flags.c_contiguous):
                    slots[slot] = value
                else:
                    slots[slot] = _convert_feed(spec, value)
        if cached.pending_vars:
            self._check_initialized(cached)
        lock = self._lock
        lock.acquire()  # (acquire/release: half the cost of ``with lock``)
        try:
            n = self._blas_threads
            if n is not None and n != _threads.current:
                _threads.set_threads(n)
            bound.execute(slots)
        finally:
            lock.release()
        single = cached.single
        if single is not None and build is None:
            s, copy = single
            return _fetched(slots[s], copy) if s is not None else None
        # (a helper: a comprehension here would make ``slots`` a slower cell variable of ``run``)
        results = _fetched_all(slots, cached.fetch_slots, cached.fetch_copy)
        return build(results) if build is not None else results[0]

    def _cached_run(self, graph, flat_key: tuple, feed_keys: tuple) -> _CachedRun:
        """The cached (or a newly built) plan for these flat fetches and feed keys; a single fetch's
        is remembered as ``_last_run`` for the next ``run``."""
        version = graph._structure_version
        key = (version, flat_key, feed_keys)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._build(list(flat_key), feed_keys)
            self._cache[key] = cached
        if len(flat_key) == 1 and type(flat_key[0]) in (Tensor, Operation):
            self._last_run = (flat_key[0], feed_keys, version, cached)  # one tuple, replaced whole
        return cached

    def _build(self, flat: list, feed_keys: tuple) -> _CachedRun:
        graph = self._graph
        feed_tensors = []
        for k in feed_keys:
            try:
                t = graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
            except Exception as e:
                detail = e.args[0] if e.args else e
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {detail}") from None
            feed_tensors.append(t)
        plan = build_plan(graph, flat, feed_tensors)
        self.plans_built += 1
        bound = BoundPlan(plan, self._state)
        specs = [_FeedSpec(t, plan.feed_slots[t]) for t in feed_tensors]
        return _CachedRun(bound, specs)

    def _check_initialized(self, cached: _CachedRun) -> None:
        values = self._state.values
        missing = [v for v in cached.pending_vars if v not in values]
        cached.pending_vars = missing
        if not missing:
            return
        lines = [f"Attempting to use uninitialized value {missing[0].name}"]
        for v in missing:
            line = source_info.source_line(v.source)
            lines.append(f"\t [[node {v.name} (defined at {source_info.format_location(v.source)}) ]]"
                         + (f"\n\t     {line}" if line else ""))
        if len(missing) > 1:
            lines.append(f"({len(missing)} uninitialized variables are needed by this run: "
                         f"{', '.join(v.name for v in missing)}; run tf.global_variables_initializer() "
                         "first)")
        hint = _initializer_order_hint(self._graph, missing)
        raise errors.FailedPreconditionError(None, missing[0], "\n".join(lines) + hint)

    def make_callable(self, fetches, feed_list=None, accept_options: bool = False):
        """A function ``f(*feed_values)`` running ``fetches`` with the feeds in ``feed_list``."""
        feed_list = list(feed_list or [])

        def call(*values, **kwargs):
            return self.run(fetches, feed_dict=dict(zip(feed_list, values)))

        return call

    def partial_run_setup(self, fetches, feeds=None):
        """Not supported: graphflow has no partial runs."""
        raise errors.UnimplementedError(None, None, "graphflow does not implement partial_run")

    def list_devices(self) -> list:
        """One CPU device."""
        return [_Device()]

    # -- lifetime --------------------------------------------------------------------------------
    def close(self) -> None:
        """Release variable values; further ``run`` calls raise RuntimeError."""
        self._closed = True
        self._cache.clear()
        self._last_run = _NO_LAST_RUN
        self._state = SessionState()
        allocator.release_idle()

    def as_default(self):
        """Make this the default session inside a ``with`` block."""
        return _default_session_stack.get_controller(self)

    def __enter__(self):
        self._default_cm = self.as_default()
        self._default_cm.__enter__()
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._graph_cm.__exit__(exc_type, exc, tb)
        self._default_cm.__exit__(exc_type, exc, tb)
        self._default_cm = None
        self.close()


class Session(BaseSession):
    """``tf.Session(target='', graph=None, config=None)``."""

    @staticmethod
    def reset(target, containers=None, config=None) -> None:
        """No-op (no distributed runtime)."""


class InteractiveSession(BaseSession):
    """``tf.InteractiveSession``: installs itself as the default session on construction."""

    def __init__(self, target: str = "", graph=None, config=None) -> None:
        super().__init__(target, graph, config)
        self._interactive_cm = self.as_default()
        self._interactive_cm.__enter__()

    def close(self) -> None:
        """Close and stop being the default session."""
        super().close()
        cm, self._interactive_cm = getattr(self, "_interactive_cm", None), None
        if cm is not None:
            try:
                cm.__exit__(None, None, None)
            except (IndexError, ValueError):
                pass


class _Device:
    name = "/job:localhost/replica:0/task:0/device:CPU:0"
    device_type = "CPU"
    memory_limit_bytes = 0


def _fetched(v, copy: bool):
    """A fetched slot value as TF returns it: NumPy scalars for 0-d, fresh arrays otherwise."""
    if type(v) is np.ndarray:
        if v.ndim == 0:
            return v[()]
        if copy:
            return v.copy()
    return v


def _fetched_all(slots: list, fetch_slots: list, fetch_copy: list) -> list:
    """``_fetched`` of every flat fetch (None for operations)."""
    return [None if s is None else _fetched(slots[s], copy) for s, copy in zip(fetch_slots, fetch_copy)]


def _other_graph_error(el, graph) -> ValueError:
    return ValueError(
        f"Fetch argument {el!r} cannot be interpreted as a Tensor. ({type(el).__name__} {el} is not an "
        f"element of this graph.) The element's graph was created at "
        f"{source_info.format_location(el.graph.created_at)} and the session's graph at "
        f"{source_info.format_location(graph.created_at)}; did you call "
        "tf.reset_default_graph() after building it, or build it in another thread (each thread has its own "
        "default graph: use `with graph.as_default():`)?"
    )


def _convert_feed(spec: _FeedSpec, value) -> np.ndarray:
    """Validate and convert one feed value (zero-copy for a C-contiguous array of the right dtype)."""
    if type(value) is np.ndarray and (value.dtype is spec.np_dtype or value.dtype == spec.np_dtype):
        arr = value if value.flags.c_contiguous else np.ascontiguousarray(value)
        exact = spec.exact_dims
        if exact is not None and arr.shape == exact:
            return arr
    else:
        arr = _feed_to_array(spec, value)
    dims = spec.dims
    if dims is not None:
        shape = arr.shape
        ok = len(shape) == len(dims) and all(d is None or d == s for d, s in zip(dims, shape))
        if not ok:
            t = spec.tensor
            raise ValueError(
                f"Cannot feed value of shape {shape!r} for Tensor '{t.name}', which has shape "
                f"'{t.shape}'{_feed_shape_diagnosis(shape, dims)}"
            )
    return arr


def _feed_to_array(spec: _FeedSpec, value) -> np.ndarray:
    t = spec.tensor
    if isinstance(value, Tensor) or (
        isinstance(value, (list, tuple)) and value and any(isinstance(v, Tensor) for v in value)
    ):
        raise TypeError(
            "The value of a feed cannot be a tf.Tensor object. Acceptable feed values include Python "
            "scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, the tensor object "
            f"was {value} which was passed to the feed with key {t}. Evaluate it first (sess.run) or wire "
            "it into the graph directly instead of feeding it."
        )
    if hasattr(value, "_as_graph_element"):
        raise TypeError(
            f"The value of a feed cannot be a graph element ({value!r}) for key {t.name}. Evaluate it first "
            "(sess.run) or wire it into the graph directly instead of feeding it."
        )
    np_dtype = spec.np_dtype
    if isinstance(value, int) and not isinstance(value, bool) and np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        if not info.min <= value <= info.max:
            raise TypeError(
                f"Type of feed value {value} with type {type(value)} is not compatible with Tensor type "
                f"{t.dtype.base_dtype!r}. Try explicitly setting the type of the feed tensor to a larger "
                "type (e.g. int64)."
            )
    try:
        if np_dtype.kind == "O":
            from graphflow.ops.constant_op import to_numpy

            arr = to_numpy(value, t.dtype.base_dtype)[0]
        else:
            arr = np.asarray(value, dtype=np_dtype)
    except (ValueError, TypeError, OverflowError) as e:
        raise type(e)(
            f"{e} (cannot feed value {value!r:.60} for Tensor '{t.name}' of dtype {t.dtype.base_dtype.name}, "
            f"placeholder created at {source_info.format_location(t.op.source)})"
        ) from None
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return arr


def _feed_shape_diagnosis(shape: tuple, dims: tuple) -> str:
    known = [d for d in dims if d is not None]
    size = int(np.prod(shape)) if shape else 1
    if len(dims) == len(shape) + 1 and all(d is None or d == s for d, s in zip(dims[1:], shape)):
        return " (the value lacks the leading batch dimension: wrap it as [value] or use value[None])"
    if None not in dims and int(np.prod(known)) == size:
        return f" (the same number of elements: reshape it with value.reshape({list(dims)}))"
    if len(dims) == len(shape) and dims[:-1] == shape[:-1]:
        return " (the last dimension (channels/features) differs)"
    return ""


def _initializer_order_hint(graph, missing: list) -> str:
    for op in graph.get_operations():
        if op.type == "NoOp" and op.name.startswith("init") and op._id < min(v._id for v in missing):
            v = missing[0]
            return (
                f"\nHint: global_variables_initializer() at {source_info.format_location(op.source)} was "
                f"created before '{v.name}' at {source_info.format_location(v.source)}; create it after "
                "building the model."
            )
    return ""


# -- default session ---------------------------------------------------------------------------
class _DefaultSessionStack(threading.local):
    def __init__(self) -> None:
        self.stack: list = []

    def get_controller(self, session):
        stack = self.stack

        class _Controller:
            def __enter__(self_inner):
                stack.append(session)
                return session

            def __exit__(self_inner, *exc):
                if stack and stack[-1] is session:
                    stack.pop()
                elif session in stack:
                    stack.remove(session)

        return _Controller()


_default_session_stack = _DefaultSessionStack()


def get_default_session():
    """The innermost default session of this thread, or None."""
    stack = _default_session_stack.stack
    return stack[-1] if stack else None


def _session_for_eval(graph, session, what: str = "tensor"):
    """The session ``Tensor.eval``/``Operation.run`` use, with TF1's errors."""
    if session is None:
        session = get_default_session()
        if session is None:
            if what == "operation":
                raise ValueError(
                    "Cannot execute operation using `run()`: No default session is registered. Use `with "
                    "sess.as_default():` or pass an explicit session to `run(session=sess)`"
                )
            raise ValueError(
                "Cannot evaluate tensor using `eval()`: No default session is registered. Use "
                "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`"
            )
        if session.graph is not graph:
            verb = "execute operation" if what == "operation" else "evaluate tensor"
            kw = "run" if what == "operation" else "eval"
            raise ValueError(
                f"Cannot use the default session to {verb}: the {what}'s graph is different from the "
                f"session's graph. Pass an explicit session to `{kw}(session=sess)`."
            )
    elif session.graph is not graph:
        verb = "execute operation" if what == "operation" else "evaluate tensor"
        raise ValueError(
            f"Cannot use the given session to {verb}: the {what}'s graph is different from the session's "
            "graph."
        )
    return session


def _is_graph_element(x) -> bool:
    return isinstance(x, (Tensor, Operation))
