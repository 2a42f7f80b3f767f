"""Plan rewrites: an op and the bias add that is its output's only consumer run as one kernel;
an op and a ``Sum`` of one of its inputs (a bias gradient) share their pass over that input.

``conv2d(x, f) + b`` (the notes' ``conv(...) + b1``) is two graph ops, and the add is a full
pass over the convolution's output: 140 ms of a 510 ms inference at batch 2000 for a 400 MB
tensor.  When the producer's op type declares ``bias_fused_build`` (Conv2D), the add is
``AddV2``/``Add``/``BiasAdd`` (NHWC) of a rank-1 bias matching the output's channels, both are
float32/float64, and nothing else reads the producer's output (not a fetch, not another step),
the producer's step is replaced by a :class:`FusedBiasStep` that also takes the bias and writes
the add's output slot, and the add's step is dropped.  Shape-only readers (the ``Shape`` of the
add's gradient) read the add's output instead, which has the same shape.  The fused kernel adds
the bias to each block right after computing it, so the numbers are bit-identical to the two ops.

``fuse_sums``: when an op type declares ``sum_fused_build = (i, build)`` (Conv2DBackpropFilter,
whose ``out_backprop`` is also the input of the conv bias's gradient ``Sum``), a ``Sum`` step of
the same value is merged into the op's step (:class:`FusedSumStep`, both outputs), at the later of
the two positions when nothing reads the earlier one's output in between, else at the earlier one
when the later one's inputs are ready by then.  The fused kernel checks
the Sum's axes at run time and runs the Sum's own kernel when they do not suit (the Sum may read
the op's input through views: ``Reshape(Sum(grad, []))`` feeds the filter gradient while the bias
gradient sums ``grad`` itself; the kernel checks they share one buffer).  Measured on the
notes' CNN at batch 550: the first conv's bias gradient, 10 ms of reading a 110 MB gradient,
becomes ~1 ms inside the filter gradient's pass.

``fuse_index_gradients``: a gradient op declaring ``index_grad_build`` (MaxPoolGrad) whose x and
y come straight from its forward op (MaxPool) runs from positions the forward op records in a
new slot (:class:`IndexedStep`): it no longer reads the pool's input (110 MB at batch 550 in the
notes' CNN), which can then be freed right after the forward pass.
``fuse_producer_into``: an op declaring ``input_fused_build`` (MaxPool) whose input is computed by
a step it accepts (Conv2D with or without its fused bias add) and read by nothing else but shape
readers runs together with it (:class:`FusedProducerStep`): the conv output is never written out
(401 MB at batch 2000 in the notes' CNN: conv + pool 55 -> ~20 ms); its slot gets a zero-strided
stand-in of the right shape for the shape readers.  An activation declaring ``block_activation``
(Relu, Sigmoid) that is the pool output's only reader joins in, applied to each pooled block in cache.
Relu itself declares ``input_fused_build`` for a Conv2D producer: ``relu(conv + b)`` runs the relu
on each block of the conv output in cache.
``hoist_shape_readers``: ``Shape``/``Size``/``Rank`` steps run right after their input is
computed, so that a value read only for its shape is not kept alive until the backward pass.

The graph is untouched (GraphDef export, gradients, names, ``tf.Session.run`` of the
intermediate tensor all see TF1's graph); only the plan of one run signature changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from graphflow.framework.operation import Operation
from graphflow.runtime.planner import Step, frees_after_last_use

_BIAS_ADDS = ("AddV2", "Add", "BiasAdd")
_SHAPE_ONLY = ("Shape", "ShapeN", "Size", "Rank")  # read only the shape of their input
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@dataclasses.dataclass
class FusedStep(Step):
    """A step whose ``kernel`` a pass built (the executor calls it instead of lowering ``op``)."""

    kernel: Callable | None = None


@dataclasses.dataclass
class FusedBiasStep(FusedStep):
    """``out = op(*ins[:-1]) + ins[-1]``: ``kernel`` is what ``op``'s ``bias_fused_build``
    returned (built once, here); ``add_op`` is the graph's add, whose output slot this step
    writes."""

    add_op: Operation | None = None


def _kept(fetch_slots: list, feed_slots: dict) -> set:
    """Slots whose values outlive the run (fetches and feeds): never freed, never fused away."""
    return {s for s in fetch_slots if s is not None} | set(feed_slots.values())


def _slot_users(steps: list, shape_readers: bool) -> tuple[dict, dict]:
    """``(producer, readers)``: the step writing each slot, and the steps reading it (``Shape``-like
    readers of the value's shape only included when ``shape_readers``)."""
    producer: dict[int, int] = {}
    readers: dict[int, list[int]] = {}
    for k, step in enumerate(steps):
        for s in step.out_slots:
            if s >= 0:
                producer[s] = k
        if shape_readers or step.op.type not in _SHAPE_ONLY:
            for s in step.in_slots:
                readers.setdefault(s, []).append(k)
    return producer, readers


def _static_channels(t) -> int | None:
    dims = t.shape.as_tuple() if t.shape.ndims is not None else None
    if not dims or dims[-1] is None:
        return None
    return int(dims[-1])


def _bias_operand(add_step: Step, slot: int) -> int | None:
    """The position of the bias operand of ``add_step`` when ``slot`` is its other input."""
    op = add_step.op
    if len(add_step.in_slots) != 2 or len(op._inputs) != 2:
        return None
    if op.type == "BiasAdd":
        fmt = op.attrs.get("data_format", "NHWC")
        if fmt not in ("NHWC", b"NHWC") or add_step.in_slots[0] != slot:
            return None
        return 1
    if add_step.in_slots[0] == slot and add_step.in_slots[1] != slot:
        return 1
    if add_step.in_slots[1] == slot and add_step.in_slots[0] != slot:
        return 0
    return None


def fuse_bias_adds(steps: list, fetch_slots: list, feed_slots: dict) -> list:
    """Return ``steps`` with every fusable (producer, bias add) pair merged; frees recomputed."""
    producer, readers = _slot_users(steps, shape_readers=False)
    shape_readers: dict[int, list[int]] = {}
    for k, step in enumerate(steps):
        if step.op.type in _SHAPE_ONLY:
            for s in step.in_slots:
                shape_readers.setdefault(s, []).append(k)
    keep = _kept(fetch_slots, feed_slots)
    out = list(steps)
    dropped: set[int] = set()
    changed = False
    for j, add in enumerate(steps):
        if add.op.type not in _BIAS_ADDS or len(add.out_slots) != 1 or add.out_slots[0] < 0:
            continue
        for slot in add.in_slots:
            i = producer.get(slot)
            if i is None or i in dropped or type(out[i]) is not Step:
                continue
            prod = steps[i]
            build = getattr(prod.op._opdef, "bias_fused_build", None)
            pos = _bias_operand(add, slot)
            if (build is None or pos is None or len(prod.out_slots) != 1 or slot in keep
                    or len(readers[slot]) != 1):
                continue
            bias_slot = add.in_slots[pos]
            bias_t = add.op._inputs[pos]
            value_t = prod.op._outputs[0]
            channels = _static_channels(value_t)
            bshape = bias_t.shape.as_tuple() if bias_t.shape.ndims is not None else None
            if channels is None or bshape != (channels,):
                continue
            dt = np.dtype(value_t.dtype.base_dtype.as_numpy_dtype)
            if dt not in _FLOATS or bias_t.dtype.base_dtype != value_t.dtype.base_dtype:
                continue
            if add.op._outputs[0].shape.as_tuple() != value_t.shape.as_tuple():
                continue  # the add broadcasts the producer's output too: not a bias add
            at = i
            if bias_slot not in feed_slots.values() and producer.get(bias_slot, len(steps)) >= i:
                # the bias is computed after the producer (a bias variable created after the conv):
                # the fused step runs at the add's position instead, when nothing in between writes
                # state or reads the producer's shape
                between = steps[i + 1 : j]
                if (any(st.op._opdef.aliases_state for st in between)
                        or any(k < j for k in shape_readers.get(slot, ()))):
                    continue
                at = j
            try:
                kernel = build(prod.op)
            except Exception:  # noqa: BLE001 - not fused: the producer's own build reports it
                kernel = None
            if kernel is None:
                continue
            out[at] = FusedBiasStep(prod.op, prod.in_slots + (bias_slot,), add.out_slots, add_op=add.op,
                                    kernel=kernel)
            # ``Shape(conv)`` of the add's gradient reads the add's output instead (same shape)
            for k in shape_readers.get(slot, ()):
                step = out[k]
                out[k] = dataclasses.replace(
                    step, in_slots=tuple(add.out_slots[0] if x == slot else x for x in step.in_slots))
            dropped.add(i + j - at)
            changed = True
            break
    if not changed:
        return steps
    return _with_frees([s for k, s in enumerate(out) if k not in dropped], fetch_slots, feed_slots)


@dataclasses.dataclass
class FusedSumStep(FusedStep):
    """``(op(*ins[:-2]), Sum(ins[-2], ins[-1]))`` in one kernel, where the summed value is one of
    op's inputs or a view of it (checked by the kernel at run time): ``kernel`` is what ``op``'s
    ``sum_fused_build`` returned; ``sum_op`` is the graph's Sum, whose output slot is ``out_slots[1]``."""

    sum_op: Operation | None = None


# Ops whose output may be their input 0's buffer reshaped (a bias add's gradient reaches the conv's
# filter gradient through ``Reshape(Sum(grad, []))``, the Sum a no-op).
_VIEWS = ("Reshape", "Identity", "Sum", "ExpandDims", "Squeeze")


def _source(t):
    """The tensor ``t`` may be a view of, following ``_VIEWS`` ops back."""
    while t.op.type in _VIEWS and t.op._inputs:
        t = t.op._inputs[0]
    return t


def _view_chain(t) -> set:
    """The ``_VIEWS`` ops between ``t`` and its source."""
    ops = set()
    while t.op.type in _VIEWS and t.op._inputs:
        ops.add(t.op)
        t = t.op._inputs[0]
    return ops


def fuse_sums(steps: list, fetch_slots: list, feed_slots: dict, kernel_of: Callable) -> list:
    """Return ``steps`` with each (op, Sum of one of its inputs) pair merged when the op type
    declares ``sum_fused_build``; ``kernel_of(op)`` builds an op's own kernel (the Sum's fallback)."""
    producer, readers = _slot_users(steps, shape_readers=True)
    by_source: dict = {}  # source tensor -> steps of ops declaring sum_fused_build on a view of it
    for k, step in enumerate(steps):
        spec = getattr(step.op._opdef, "sum_fused_build", None)
        if (spec is not None and type(step) is Step and len(step.out_slots) == 1
                and spec[0] < len(step.op._inputs)):
            by_source.setdefault(_source(step.op._inputs[spec[0]]), []).append(k)
    out = list(steps)
    dropped: set[int] = set()
    used: set[int] = set()
    for j, sum_step in enumerate(steps):
        if sum_step.op.type != "Sum" or len(sum_step.in_slots) != 2 or len(sum_step.out_slots) != 1:
            continue
        for i in by_source.get(_source(sum_step.op._inputs[0]), ()):
            step = steps[i]
            if i in used or i in dropped or j in dropped:
                continue
            if sum_step.op in _view_chain(step.op._inputs[step.op._opdef.sum_fused_build[0]]):
                continue  # the Sum forwards the op's input (a no-op unbroadcast), not a bias gradient
            first, last = min(i, j), max(i, j)
            # the merged step runs at ``last`` when nothing reads the earlier step's output before
            # that and no step in between writes state (an optimizer update of a buffer the earlier
            # step reads), else at ``first`` when the later step's inputs are all ready by then
            at = last
            writes_state = any(steps[k].op._opdef.aliases_state for k in range(first + 1, last))
            if writes_state or any(first < k <= last for k in readers.get(steps[first].out_slots[0], ())):
                if any(producer.get(s, -1) >= first and steps[producer[s]].op.type != "Const"
                       for s in steps[last].in_slots):
                    continue  # (Const values are in every run's slots from the start)
                at = first
            try:
                kernel = step.op._opdef.sum_fused_build[1](step.op, sum_step.op, kernel_of(sum_step.op))
            except Exception:  # noqa: BLE001 - not fused: each op's own build reports its errors
                kernel = None
            if kernel is None:
                continue
            out[at] = FusedSumStep(step.op, step.in_slots + sum_step.in_slots,
                                   (step.out_slots[0], sum_step.out_slots[0]), sum_op=sum_step.op,
                                   kernel=kernel)
            dropped.add(first + last - at)
            used.add(i)
            break
    if not dropped:
        return steps
    return _with_frees([s for k, s in enumerate(out) if k not in dropped], fetch_slots, feed_slots)


@dataclasses.dataclass
class IndexedStep(FusedStep):
    """A forward op that also writes the positions its gradient needs (to a slot the pass adds),
    or that gradient op reading them instead of the forward op's input and output; ``kernel`` is
    what the gradient op type's ``index_grad_build`` returned."""


def fuse_index_gradients(steps: list, num_slots: int, fetch_slots: list, feed_slots: dict) -> tuple:
    """Return ``(steps, num_slots)`` with each (forward, gradient) pair declared by the gradient
    op type's ``index_grad_build`` rewritten to pass positions; one new slot per pair."""
    producer, _ = _slot_users(steps, shape_readers=False)
    out = list(steps)
    changed = False
    for j, grad_step in enumerate(steps):
        spec = getattr(grad_step.op._opdef, "index_grad_build", None)
        if spec is None or type(out[j]) is not Step or len(grad_step.in_slots) != 3:
            continue
        forward_type, build_forward, build_grad = spec
        x_slot, y_slot, g_slot = grad_step.in_slots
        i = producer.get(y_slot)
        if i is None or type(out[i]) is not Step:
            continue
        fwd = steps[i]
        if fwd.op.type != forward_type or fwd.in_slots[:1] != (x_slot,) or fwd.out_slots != (y_slot,):
            continue
        if any(grad_step.op.attrs.get(k) != fwd.op.attrs.get(k) for k in grad_step.op.attrs if k != "T"):
            continue
        try:
            run_forward, run_grad = build_forward(fwd.op), build_grad(grad_step.op)
        except Exception:  # noqa: BLE001 - not fused: each op's own build reports its errors
            continue
        if run_forward is None or run_grad is None:
            continue
        index_slot = num_slots
        num_slots += 1
        out[i] = IndexedStep(fwd.op, fwd.in_slots, (y_slot, index_slot), kernel=run_forward)
        out[j] = IndexedStep(grad_step.op, (index_slot, g_slot), grad_step.out_slots, kernel=run_grad)
        changed = True
    if not changed:
        return steps, num_slots
    return _with_frees(out, fetch_slots, feed_slots), num_slots


def hoist_shape_readers(steps: list, fetch_slots: list, feed_slots: dict) -> list:
    """Move each ``Shape``/``Size``/``Rank`` step (one input, no control inputs) to right after the
    step computing its input (to the front for a fed value), unless that is a variable's value
    (an assign may change a variable's shape later in the run)."""
    producer, _ = _slot_users(steps, shape_readers=False)
    after: dict[int, list] = {}
    moved: set[int] = set()
    for k, step in enumerate(steps):
        op = step.op
        if op.type not in _SHAPE_ONLY or len(step.in_slots) != 1 or op._control_inputs:
            continue
        p = producer.get(step.in_slots[0], -1)
        if p >= 0 and steps[p].op._opdef.is_variable:
            continue
        if p + 1 < k:
            after.setdefault(p, []).append(step)
            moved.add(k)
    if not moved:
        return steps
    order = list(after.get(-1, ()))
    for k, step in enumerate(steps):
        if k not in moved:
            order.append(step)
        order.extend(after.get(k, ()))
    return _with_frees(order, fetch_slots, feed_slots)


def _with_frees(steps: list, fetch_slots: list, feed_slots: dict) -> list:
    """``steps`` with each step's ``free`` recomputed for this order (copies: plans are shared)."""
    frees = frees_after_last_use(steps, _kept(fetch_slots, feed_slots))
    return [dataclasses.replace(step, free=free) for step, free in zip(steps, frees, strict=True)]


@dataclasses.dataclass
class FusedProducerStep(FusedStep):
    """A producer and the op consuming its output in one kernel: ``op`` is the producer (errors
    name it), ``consumer_op`` the consumer; ``out_slots`` are the producer's (a stand-in) then the
    consumer's; ``kernel`` is what the consumer type's ``input_fused_build`` returned."""

    consumer_op: Operation | None = None


def fuse_producer_into(steps: list, fetch_slots: list, feed_slots: dict) -> list:
    """Return ``steps`` with each (producer, consumer) pair accepted by the consumer type's
    ``input_fused_build`` merged at the producer's position."""
    producer, readers = _slot_users(steps, shape_readers=False)
    keep = _kept(fetch_slots, feed_slots)
    out = list(steps)
    dropped: set[int] = set()
    for j, step in enumerate(steps):
        build = getattr(step.op._opdef, "input_fused_build", None)
        if build is None or type(step) not in (Step, IndexedStep) or len(step.in_slots) != 1:
            continue
        value = step.in_slots[0]
        i = producer.get(value)
        if i is None or value in keep or readers.get(value) != [j] or i in dropped:
            continue
        prod = out[i]
        if type(prod) not in (Step, FusedBiasStep) or len(prod.out_slots) != 1:
            continue
        # an elementwise activation that is the consumer's output's only reader joins in
        act = None
        y = step.out_slots[0]
        a = readers.get(y, [None])[0] if len(readers.get(y, ())) == 1 else None
        if a is not None and y not in keep and type(out[a]) is Step and len(steps[a].in_slots) == 1:
            fn = getattr(steps[a].op._opdef, "block_activation", None)
            act = a if fn is not None else None
        kernel = None
        for joined in ((act, None) if act is not None else (None,)):
            try:
                joined_fn = steps[joined].op._opdef.block_activation if joined is not None else None
                has_bias, indexed = isinstance(prod, FusedBiasStep), isinstance(step, IndexedStep)
                kernel = build(prod.op, step.op, has_bias, indexed, joined_fn)
            except Exception:  # noqa: BLE001 - not fused: each op's own build reports its errors
                kernel = None
            if kernel is not None:
                act = joined
                break
        if kernel is None:
            continue
        outs = prod.out_slots + step.out_slots + (steps[act].out_slots if act is not None else ())
        out[i] = FusedProducerStep(prod.op, prod.in_slots, outs, consumer_op=step.op, kernel=kernel)
        dropped.add(j)
        if act is not None:
            dropped.add(act)
    if not dropped:
        return steps
    return _with_frees([s for k, s in enumerate(out) if k not in dropped], fetch_slots, feed_slots)
