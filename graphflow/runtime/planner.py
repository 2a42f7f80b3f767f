"""Build an execution plan: prune the graph to what the fetches need, order it, assign slots.

Pruning and ordering use networkx (the only networkx user): ancestors of the fetches and targets
through data and control edges, cut at fed tensors; ``lexicographical_topological_sort`` keyed by
op id gives a deterministic order.  Each value gets a slot index (an Identity's output shares its
input's slot and runs no step); the last use of every slot is recorded so the executor frees
intermediate arrays early.
"""

from __future__ import annotations

import dataclasses

import networkx as nx

from graphflow import errors
from graphflow.framework import source_info
from graphflow.framework.op_registry import ref_input_indices
from graphflow.framework.operation import Operation
from graphflow.framework.tensor import Tensor


@dataclasses.dataclass
class Step:
    """One kernel call: ``outs = op_kernel(*slots[ins])``; ``free`` slots die after it."""

    op: Operation
    in_slots: tuple[int, ...]
    out_slots: tuple[int, ...]
    free: tuple[int, ...] = ()


@dataclasses.dataclass
class Plan:
    """A pruned, ordered, slot-allocated program for one (fetches, feeds, targets) combination."""

    ops: list[Operation]
    steps: list[Step]
    num_slots: int
    feed_slots: dict  # Tensor -> slot
    fetch_slots: list  # per flat fetch: slot index or None (Operation)
    fetch_copy: list  # per flat fetch: the value may alias a variable or feed buffer
    variables_read: list  # VariableV2 ops whose value the run reads
    variables_assigned: set  # VariableV2 ops assigned in the run


_PLACEHOLDERS = ("Placeholder", "PlaceholderV2")


def build_plan(graph, fetch_elements: list, feed_tensors: list) -> Plan:
    """Prune, order and slot-allocate the subgraph needed for ``fetch_elements``."""
    fed = set(feed_tensors)
    dag = nx.DiGraph()
    roots: list[Operation] = []
    for el in fetch_elements:
        if isinstance(el, Tensor):
            if el not in fed:
                roots.append(el.op)
        else:
            roots.append(el)
    stack = list(roots)
    seen: set = set()
    for op in roots:
        dag.add_node(op)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        ref_inputs = op._opdef.ref_inputs
        for i, t in enumerate(op._inputs):
            if t in fed or i in ref_inputs:
                continue
            dag.add_edge(t.op, op)
            stack.append(t.op)
        for c in op._control_inputs:
            if c._type in _PLACEHOLDERS and c._outputs and c._outputs[0] in fed:
                continue  # as TF: a fed placeholder's control edges come from the feed (nothing runs)
            dag.add_edge(c, op)
            stack.append(c)
    _order_reads_after_assigns(dag)
    order = list(nx.lexicographical_topological_sort(dag, key=lambda o: o._id))

    _check_missing_feeds(order, fed, fetch_elements, dag)

    slot_of: dict = {}
    feed_slots: dict = {}
    num_slots = 0
    for t in feed_tensors:
        slot_of[t] = feed_slots[t] = num_slots
        num_slots += 1
    steps: list[Step] = []
    variables_read: list = []
    variables_assigned: set = set()
    for op in order:
        opdef = op._opdef
        ref_inputs = opdef.ref_inputs
        ins = tuple(slot_of[t] for i, t in enumerate(op._inputs) if i not in ref_inputs)
        if op._type == "Identity" and len(ins) == 1 and op._outputs[0] not in slot_of:
            # Identity's kernel returns its input: its output shares the input's slot and no step
            # runs (its readers still come after its control inputs in ``order``)
            slot_of[op._outputs[0]] = ins[0]
            continue
        outs = []
        for t in op._outputs:
            if t in slot_of:  # fed output: the op still runs (targets/control), but the feed wins
                outs.append(-1)
            else:
                slot_of[t] = num_slots
                outs.append(num_slots)
                num_slots += 1
        if opdef.is_variable:
            variables_read.append(op)
        if opdef.aliases_state:
            for i in ref_input_indices(opdef, len(op._inputs)):
                variables_assigned.add(op._inputs[i].op)
        steps.append(Step(op, ins, tuple(outs)))

    fetch_slots = []
    fetch_copy = []
    for el in fetch_elements:
        if isinstance(el, Tensor):
            fetch_slots.append(slot_of[el])
            fetch_copy.append(_may_alias_buffer(el, fed))
        else:
            fetch_slots.append(None)
            fetch_copy.append(False)

    keep = {s for s in fetch_slots if s is not None} | set(feed_slots.values())
    for step, free in zip(steps, frees_after_last_use(steps, keep), strict=True):
        step.free = free
    # Variables that are only assigned (not read) are not in the plan as steps; data reads are.
    return Plan(
        ops=order,
        steps=steps,
        num_slots=num_slots,
        feed_slots=feed_slots,
        fetch_slots=fetch_slots,
        fetch_copy=fetch_copy,
        variables_read=[v for v in variables_read],
        variables_assigned=variables_assigned,
    )


def frees_after_last_use(steps: list, keep: set) -> list[tuple[int, ...]]:
    """Per step, the slots to free after it: each slot after the last step reading it (an output
    nobody reads right after its step); the ``keep`` slots (fetched, fed) are never freed."""
    last_use: dict[int, int] = {}
    for k, step in enumerate(steps):
        for s in step.in_slots:
            last_use[s] = k
        for s in step.out_slots:
            if s >= 0:
                last_use.setdefault(s, k)
    frees: dict[int, list[int]] = {}
    for s, k in last_use.items():
        if s not in keep:
            frees.setdefault(k, []).append(s)
    return [tuple(frees.get(k, ())) for k in range(len(steps))]


def _order_reads_after_assigns(dag) -> None:
    """A variable read in the same run as an assignment to it runs after the assignment.

    ``run(init)`` where ``e = tf.Variable(a)`` initializes ``e`` from ``a``'s value: ``a``'s
    read must follow ``a/Assign`` (TF1 guards such initial values; ordering gives the same
    result).  No edge is added when the assignment itself depends on the read
    (``v.assign(v + 1)``).
    """
    assigns: dict = {}
    for op in dag.nodes:
        opdef = op._opdef
        if opdef.aliases_state and opdef.ref_inputs:
            for i in ref_input_indices(opdef, len(op._inputs)):
                var = op._inputs[i].op
                if var in dag:
                    assigns.setdefault(var, []).append(op)
    for var, ops in assigns.items():
        for a in ops:
            if not nx.has_path(dag, var, a):
                dag.add_edge(a, var)


def _may_alias_buffer(t: Tensor, fed: set) -> bool:
    """True when ``t``'s value may share memory with a variable buffer or a fed array."""
    seen = 0
    while True:
        if t in fed:
            return True
        opdef = t.op._opdef
        if opdef.is_variable or opdef.aliases_state:
            return True
        if not opdef.forwards_input or not t.op._inputs or seen > 10_000:
            return False
        t = t.op._inputs[0]
        seen += 1


# TF's DataTypeString names (``float`` for float32...) used in runtime error messages.
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def tf_type_name(dtype) -> str:
    """The name TF's runtime prints for ``dtype`` (``float``, ``double``, ``int32``...)."""
    name = dtype.base_dtype.name
    return _TF_TYPE_NAMES.get(name, name)


def _check_missing_feeds(order: list, fed: set, fetch_elements: list, dag=None) -> None:
    missing = [op for op in order if op.type == "Placeholder" and op._outputs[0] not in fed]
    if not missing:
        return
    roots = [(e, e if isinstance(e, Operation) else e.op) for e in fetch_elements]
    lines = []
    for op in missing:
        t = op._outputs[0]
        shape = t.shape
        text = f"You must feed a value for placeholder tensor '{op.name}' with dtype {tf_type_name(t.dtype)}"
        if shape.ndims is not None:
            text += " and shape [" + ",".join("?" if d is None else str(d) for d in shape.as_tuple()) + "]"
        needed = [
            e for e, r in roots if r is op or (dag is not None and r in dag and op in nx.ancestors(dag, r))
        ]
        needed_text = ", ".join(f"'{e.name}'" for e in needed) or "the requested run"
        line = source_info.source_line(op.source)
        lines.append(
            f"{text}\n\t [[node {op.name} (defined at {source_info.format_location(op.source)}) ]]"
            + (f"\n\t     {line}" if line else "")
            + f"\n\t needed by fetch {needed_text}"
        )
    message = "\n".join(lines)
    if len(missing) > 1:
        message += f"\n({len(missing)} placeholders need a value: {', '.join(op.name for op in missing)})"
    raise errors.InvalidArgumentError(None, missing[0], message + _rerun_hint(missing))


def _rerun_hint(missing: list) -> str:
    """Placeholders like ``Placeholder_9`` next to ``Placeholder`` suggest a re-run notebook cell."""
    graph = missing[0].graph
    for op in missing:
        base, _, suffix = op.name.rpartition("_")
        if not suffix.isdigit() or not base:
            continue
        twin = graph._by_name.get(base)
        if twin is not None and twin.type == "Placeholder":
            return (f"\nHint: placeholders '{base}' and '{op.name}' share a base name; if you re-ran a "
                    "notebook cell that builds the model, the graph holds both copies and you may be "
                    "feeding the old one. Call tf.reset_default_graph() before building the model again.")
    return ""
