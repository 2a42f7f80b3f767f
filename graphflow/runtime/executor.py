"""Run a Plan: a tight loop over prebound kernels and slot indices.

Constant subgraphs are computed once when the plan is bound (``FOLDABLE``), and the kernels run
in NumPy's ``all="ignore"`` error state, entered once per run.  Errors raised by a kernel are
re-raised as TF's error classes naming the op, its type, the user's creation site and the
shapes/dtypes of its inputs; raw numba errors never reach the user.
"""

from __future__ import annotations

import numpy as np

from graphflow import errors
from graphflow.framework import source_info
from graphflow.ops import op_util
from graphflow.ops.op_util import enter_quiet_fp, exit_quiet_fp
from graphflow.runtime import fusion
from graphflow.runtime.lowering import lower

# enter_quiet_fp()/exit_quiet_fp() without their frames (None: NumPy without the private hook)
_QUIET_FP = op_util._IGNORE_FP
_set_fp = getattr(op_util, "_set_fp", None)
_reset_fp = getattr(op_util, "_reset_fp", None)


class BoundPlan:
    """A Plan whose kernels are lowered for one Session state (built once, reused every run).

    Each step is prebound into a small closure specialised on its arity (0, 1, 2 or n inputs),
    its single output slot and the slots it frees (``program``: ``step(slots)`` runs step ``k``,
    for tools that run or time the steps one by one).  ``execute`` runs ``code``, the same steps
    encoded as ``(fn, a, b, o)`` tuples: a kernel of at most two inputs with one output slot
    and nothing to free is called directly from the run loop (``slots[o] = fn(slots[a],
    slots[b])``, ``-1`` for an absent input), one Python frame less per step; any other step is
    ``(step, -1, -1, -1)``, its closure.  An error names the entry the loop was running.

    Frees that cannot lower the run's peak memory by more than ``KEEP_BYTES`` are dropped: slots
    of constants (the template keeps those arrays anyway) and slots whose static size is known
    and small, smallest first, while their total stays within ``KEEP_BYTES``.  A dropped free
    only keeps a small array alive until the run ends; larger or unknown-size values are
    still freed after their last use.

    Const values and the outputs of constant subgraphs (the pure shape and arithmetic ops of
    ``FOLDABLE`` whose inputs are all constants: the ``Reshape``/``BroadcastTo``/``Cast``/
    ``RealDiv`` of a mean's gradient...) are computed once, here, and placed in the slot template
    instead of run as steps.  A step is folded only when its kernel succeeds (in the run's
    error state) on real or boolean values and its outputs are small, so every result and error
    stays what running the step would give (a failing step stays a step and raises in every run,
    as before); folded arrays are read-only, and fetches that may share their memory are copied.
    """

    __slots__ = ("plan", "program", "code", "num_slots", "steps", "template")

    def __init__(self, plan, state) -> None:
        self.plan = plan
        fused = fusion.fuse_bias_adds(plan.steps, plan.fetch_slots, plan.feed_slots)
        fused = fusion.fuse_sums(fused, plan.fetch_slots, plan.feed_slots,
                                 lambda op: lower(op._opdef.kernel, op, state))
        fused, num_slots = fusion.fuse_index_gradients(fused, plan.num_slots, plan.fetch_slots,
                                                       plan.feed_slots)
        fused = fusion.fuse_producer_into(fused, plan.fetch_slots, plan.feed_slots)
        fused = fusion.hoist_shape_readers(fused, plan.fetch_slots, plan.feed_slots)
        self.num_slots = num_slots
        program = []
        steps = []
        template: list = [None] * num_slots
        constant: set = set()  # slots whose value is the same in every run (in the template)
        folded: set = set()  # slots of folded values and of views forwarded from them
        fns = []
        for step in fused:
            op = step.op
            outs = step.out_slots
            if op._type == "Const" and len(outs) == 1 and outs[0] >= 0 and not step.free:
                template[outs[0]] = op._attrs["value"]
                constant.add(outs[0])
                continue
            if op._type == "NoOp" and not outs and not step.in_slots:
                continue  # nothing to compute: its control inputs are ordered by the plan
            try:
                if isinstance(step, fusion.FusedStep):  # built by a fusion pass
                    fn = step.kernel
                else:
                    fn = lower(op._opdef.kernel, op, state)
            except errors.OpError:
                raise
            except Exception as e:  # a kernel that cannot be built never surfaces as a raw error
                site = source_info.format_location(op.source)
                raise errors.InternalError(
                    None, op, f"Could not build the kernel of {op.type} '{op.name}': {type(e).__name__}: {e}"
                    f"\n\t [[node {op.name} (op: '{op.type}', defined at {site}) ]]") from e
            ins = step.in_slots
            if op._type in FOLDABLE and all(s in constant for s in ins):
                values = _fold(fn, op, step, template)
                if values is not None:
                    for s, v in zip(outs, values):
                        template[s] = v
                        constant.add(s)
                        folded.add(s)
                    continue
            elif ins and ins[0] in folded and op._opdef.forwards_input and outs and outs[0] >= 0:
                folded.add(outs[0])  # Identity/Reshape... of a folded value: a view of it
            fns.append(fn)
            steps.append(step)
        if folded:
            # a fetched folded value (or a view of one) is copied like a Const's
            copy = plan.fetch_copy
            for k, s in enumerate(plan.fetch_slots):
                if s in folded:
                    copy[k] = True
        kept = _kept_slots(plan, steps, constant)
        code = []
        for fn, step in zip(fns, steps):
            ins, outs = step.in_slots, step.out_slots
            free = tuple(s for s in step.free if s not in kept)
            closure = _bind_step(fn, ins, outs, free)
            program.append(closure)
            if not free and len(outs) == 1 and outs[0] >= 0 and len(ins) <= 2:
                code.append((fn, ins[0] if ins else -1, ins[1] if len(ins) == 2 else -1, outs[0]))
            else:
                code.append((closure, -1, -1, -1))
        self.program = program
        self.code = code
        self.steps = steps
        self.template = template

    def run(self, feed_values) -> list:
        """Execute; ``feed_values`` is ``[(slot, value), ...]``; returns the slot list."""
        slots = self.template[:]
        for s, v in feed_values:
            slots[s] = v
        return self.execute(slots)

    def execute(self, slots: list) -> list:
        """Run the steps on ``slots`` (a copy of ``template`` with the feeds set); returns it.

        The kernels run in NumPy's ``all="ignore"`` error state (TF's kernels never warn nor
        raise on floating-point flags; the caller's state is restored afterwards).
        """
        code = self.code
        if not code:
            return slots
        fn = a = b = o = None
        token = _set_fp(_QUIET_FP) if _QUIET_FP is not None else None
        try:
            for fn, a, b, o in code:
                if b >= 0:
                    slots[o] = fn(slots[a], slots[b])
                elif a >= 0:
                    slots[o] = fn(slots[a])
                elif o >= 0:
                    slots[o] = fn()
                else:
                    fn(slots)
        except Exception as e:
            # (no comprehension or generator in this function: it would turn the loop's variables
            # into cell variables, 0.3 µs slower on a 13-step plan)
            k = _entry_index(code, (fn, a, b, o))
            if k is None:
                raise
            step = self.steps[k]
            raise wrap_kernel_error(e, step.op, list(map(slots.__getitem__, step.in_slots))) from e
        finally:
            if token is not None:
                _reset_fp(token)
        return slots


# Op types whose kernels are pure functions of their inputs (no state, no I/O, no randomness):
# with constant inputs their outputs are computed once per BoundPlan.
FOLDABLE = frozenset({
    "Identity", "Reshape", "ExpandDims", "Squeeze", "Shape", "ShapeN", "Size", "Rank", "Fill",
    "BroadcastTo", "BroadcastGradientArgs", "ReducedShape", "Cast", "Pack", "Unpack", "ConcatV2",
    "Tile", "Range", "Transpose", "InvertPermutation", "Slice", "StridedSlice", "GatherV2",
    "ZerosLike", "OnesLike", "Select", "SelectV2",
    "Add", "AddV2", "Sub", "Mul", "RealDiv", "FloorDiv", "FloorMod", "Pow", "Neg", "Abs", "Sign",
    "Square", "Sqrt", "Rsqrt", "Reciprocal", "Maximum", "Minimum",
    "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
    "Sum", "Prod", "Mean", "Max", "Min",
})
FOLD_MAX_BYTES = 1 << 20  # larger constant results stay steps (their memory is freed after use)
KEEP_BYTES = 1 << 18  # small values (by static size) stay in their slots until the run ends
_FOLD_KINDS = frozenset("biuf")


def _fold(fn, op, step, template: list):
    """The outputs of ``step`` computed from the constant ``template`` values, or None to run it."""
    outs = step.out_slots
    if not outs or min(outs) < 0 or len(step.in_slots) != len(op._inputs):
        return None
    for t in op._outputs:  # a statically large output is not computed at all
        n = t.shape.num_elements()
        if n is not None and n * t.dtype.size > FOLD_MAX_BYTES:
            return None
    args = [template[s] for s in step.in_slots]
    for a in args:
        if type(a) is not np.ndarray or a.dtype.kind not in _FOLD_KINDS:
            return None
    token = enter_quiet_fp()  # the error state of a run
    try:
        result = fn(*args)
    except Exception:  # noqa: BLE001 - the step runs (and reports the error) in every run instead
        return None
    finally:
        exit_quiet_fp(token)
    values = (result,) if len(outs) == 1 else tuple(result) if isinstance(result, (tuple, list)) else None
    if values is None or len(values) != len(outs):
        return None
    for v in values:
        if type(v) is not np.ndarray or v.dtype.kind not in _FOLD_KINDS or v.nbytes > FOLD_MAX_BYTES:
            return None
    for v in values:
        v.flags.writeable = False  # a kernel writing into it would corrupt every later run
    return values


def _entry_index(code: list, entry: tuple) -> int | None:
    """The index of the loop's current ``code`` entry (its output slot or its closure is its own)."""
    fn, a, b, o = entry
    for k, x in enumerate(code):
        if x[0] is fn and x[1] == a and x[2] == b and x[3] == o:
            return k
    return None


def _kept_slots(plan, steps: list, constant: set) -> set:
    """Slots whose frees are dropped: constants, and small values of known static size.

    Values are sized from the static shapes of the tensors the plan's steps write; the smallest
    are kept first while their total stays within ``KEEP_BYTES`` (so a plan of many small values
    does not keep them all).  Slots of unknown size or dtype are always freed.
    """
    freed = {s for step in steps for s in step.free}
    kept = freed & constant
    sizes = []
    for step in plan.steps:  # every value slot is written by one of the plan's (unfused) steps
        for t, s in zip(step.op._outputs, step.out_slots):
            if s < 0 or s not in freed or s in kept:
                continue
            n = t.shape.num_elements()
            try:
                dt = np.dtype(t.dtype.base_dtype.as_numpy_dtype)
            except (TypeError, AttributeError):
                continue
            if n is not None and dt.kind in "biufc":
                sizes.append((n * dt.itemsize, s))
    total = 0
    for nbytes, s in sorted(sizes):
        total += nbytes
        if total > KEEP_BYTES:
            break
        kept.add(s)
    return kept


def _bind_step(fn, ins: tuple, outs: tuple, free: tuple):
    """A closure ``step(slots)`` running ``fn`` on its input slots and storing its outputs."""
    if len(outs) == 1 and outs[0] >= 0 and len(ins) <= 2:
        o = outs[0]
        if not free:
            if len(ins) == 0:
                def step(slots):
                    slots[o] = fn()
            elif len(ins) == 1:
                a = ins[0]

                def step(slots):
                    slots[o] = fn(slots[a])
            else:
                a, b = ins

                def step(slots):
                    slots[o] = fn(slots[a], slots[b])
            return step
        if len(free) == 1:
            f = free[0]
            if len(ins) == 0:
                def step(slots):
                    slots[o] = fn()
                    slots[f] = None
            elif len(ins) == 1:
                a = ins[0]

                def step(slots):
                    slots[o] = fn(slots[a])
                    slots[f] = None
            else:
                a, b = ins

                def step(slots):
                    slots[o] = fn(slots[a], slots[b])
                    slots[f] = None
            return step
        if len(ins) == 0:
            def step(slots):
                slots[o] = fn()
                for f in free:
                    slots[f] = None
        elif len(ins) == 1:
            a = ins[0]

            def step(slots):
                slots[o] = fn(slots[a])
                for f in free:
                    slots[f] = None
        else:
            a, b = ins

            def step(slots):
                slots[o] = fn(slots[a], slots[b])
                for f in free:
                    slots[f] = None
        return step

    def step(slots):
        result = fn(*[slots[i] for i in ins])
        if len(outs) == 1:
            if outs[0] >= 0:
                slots[outs[0]] = result
        elif outs:
            for s, v in zip(outs, result):
                if s >= 0:
                    slots[s] = v
        for s in free:
            slots[s] = None

    return step


def describe_inputs(values: list) -> str:
    """``float32[2,3], int32[]`` for error messages."""
    parts = []
    for v in values:
        if isinstance(v, np.ndarray) or isinstance(v, np.generic):
            parts.append(f"{np.dtype(v.dtype).name}[{','.join(str(d) for d in np.shape(v))}]")
        else:
            parts.append(type(v).__name__)
    return ", ".join(parts)


def wrap_kernel_error(e: Exception, op, input_values: list) -> Exception:
    """Turn a kernel exception into the TF error class with the op's name, type, site and inputs."""
    site = source_info.format_location(op.source)
    line = source_info.source_line(op.source)
    inputs = describe_inputs(input_values)
    where = (f"\n\t [[node {op.name} (op: '{op.type}', defined at {site}) with inputs ({inputs}) ]]"
             + (f"\n\t     {line}" if line else ""))
    if isinstance(e, errors.OpError):
        if e.op is None or "defined at" not in e.message:
            return type(e)(e.node_def, op, e.message + where + _forward_text(op))
        return e
    text = f"{type(e).__name__}: {e}" if not isinstance(e, (ValueError, IndexError)) else str(e)
    message = f"{op.type} '{op.name}' failed: {text}{where}{_forward_text(op)}"
    if type(e).__module__.startswith("numba"):
        return errors.InternalError(None, op, message)
    if isinstance(e, (ValueError, IndexError, TypeError, ZeroDivisionError, FloatingPointError)):
        return errors.InvalidArgumentError(None, op, message)
    if isinstance(e, MemoryError):
        return errors.ResourceExhaustedError(None, op, message)
    return errors.InternalError(None, op, message)


def _forward_text(op) -> str:
    """For gradient ops: name the forward op they differentiate, and where it was created."""
    name = op.name
    if "gradients" not in name or "_grad/" not in name:
        return ""
    marker = name.find("_grad/")
    head = name[:marker]
    fwd_name = head.split("/", 1)[1] if "/" in head else head
    try:
        fwd = op.graph.get_operation_by_name(fwd_name)
    except (KeyError, ValueError):
        return ""
    return (f"\n\t while computing the gradient of '{fwd.name}' (type {fwd.type}) created at "
            f"{source_info.format_location(fwd.source)}")
