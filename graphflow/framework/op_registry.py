"""The one op registry: each TF op type is declared once as an :class:`OpDef`.

An OpDef holds, in one place, everything graphflow knows about an op type: static
shape/dtype inference, the kernel (how the Session executes it), the gradient (or an explicit
``NOT_DIFFERENTIABLE`` mark) and whether it is stateful.  Family modules in ``graphflow/ops``
declare their OpDefs next to the public functions that create the ops, so adding an op touches
one file.

Kernel kinds (lowered by ``graphflow.runtime.lowering`` with ``functools.singledispatch``):

* :class:`PureKernel` ``build(op) -> fn(*input_values) -> value | tuple`` — stateless; the built
  function is cached per op and shared by every Session.
* :class:`StatefulKernel` ``build(op, state) -> fn(*input_values)`` — touches the Session's
  :class:`~graphflow.runtime.variables.SessionState` (variables, random generators, ...).

``infer(op_inputs, attrs) -> [(DType, TensorShape), ...]`` raises :class:`InferenceError` with
TF's message text; the graph adds the op name, type, input shapes and the user's line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any


class _NotDifferentiable:
    """Marker for ops whose gradient is defined to be absent (ArgMax, Equal, Shape...)."""

    def __repr__(self) -> str:
        return "NOT_DIFFERENTIABLE"


NOT_DIFFERENTIABLE = _NotDifferentiable()


class _AllInputs:
    """``ref_inputs`` value meaning every input is a variable reference."""

    def __contains__(self, index: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL_INPUTS"


ALL_INPUTS = _AllInputs()


def ref_input_indices(opdef: OpDef, n_inputs: int) -> range | tuple:
    """Indices of ``opdef``'s inputs that are variable references."""
    if isinstance(opdef.ref_inputs, _AllInputs):
        return range(n_inputs)
    return opdef.ref_inputs


class InferenceError(ValueError):
    """Raised by an OpDef's ``infer``; the graph turns it into TF's ValueError text."""


@dataclasses.dataclass(frozen=True)
class PureKernel:
    """A stateless kernel factory: ``build(op) -> callable(*inputs)``."""

    build: Callable[[Any], Callable]


@dataclasses.dataclass(frozen=True)
class StatefulKernel:
    """A kernel factory that needs the Session's state: ``build(op, state) -> callable(*inputs)``."""

    build: Callable[[Any, Any], Callable]


@dataclasses.dataclass
class OpDef:
    """Everything about one TF op type, declared once."""

    type: str
    infer: Callable[[list, dict], list]
    kernel: PureKernel | StatefulKernel | None
    grad: Callable | _NotDifferentiable | None = None
    stateful: bool = False
    # Output 0 may share memory with input 0 (Identity, Reshape...): fetches copy such values
    # when they may alias a variable's buffer.
    forwards_input: bool = False
    # ``build(op) -> run(*inputs, bias)``: the op's output plus a per-channel bias in one kernel.
    # The runtime uses it for an ``AddV2``/``Add``/``BiasAdd`` of a [C] bias that is the output's
    # only consumer (``graphflow.runtime.fusion``): same bits, one memory pass less.
    bias_fused_build: Callable | None = None
    # ``(i, build)``: ``build(op, sum_op, sum_kernel) -> run(*inputs, axes) -> (output, sum)`` also
    # computes ``Sum(inputs[i], axes)`` (a bias gradient) in the op's own pass over that input,
    # falling back to ``sum_kernel`` itself when the axes or dtype do not suit; the runtime fuses
    # such a Sum with the op reading the same value (``graphflow.runtime.fusion``).
    sum_fused_build: tuple | None = None
    # A gradient op ``G(x, y, g)`` of a forward op ``y = F(x)`` that can run from positions F
    # records instead of re-reading x and y: ``(F's type, build_forward(F op) -> run(x) ->
    # (y, positions), build_grad(G op) -> run(positions, g) -> dx)``, builds returning None when
    # the attrs do not suit (``graphflow.runtime.fusion.fuse_index_gradients``).
    index_grad_build: tuple | None = None
    # ``build(producer_op, op, has_bias, indexed) -> run(*producer_inputs[, bias]) -> (stand-in for
    # the producer's output, *op's outputs)``: the producer (Conv2D, with its fused bias add) and
    # this op (MaxPool, recording positions when ``indexed``) in one kernel that never writes the
    # producer's output out (a zero-strided stand-in keeps its shape for Shape readers); None when
    # the pair does not suit (``graphflow.runtime.fusion.fuse_producer_into``).
    input_fused_build: Callable | None = None
    # ``fn(block)``: the op (an elementwise activation) applied in place to a C-contiguous float32
    # block with the op's own bits, so a fused producer can apply it while the block is in cache.
    block_activation: Callable | None = None
    # The op's output is a variable buffer owned by the Session (VariableV2).
    is_variable: bool = False
    # Output 0 is a Session-owned buffer (Assign, AssignAdd, Apply*): fetches copy it.
    aliases_state: bool = False
    # Inputs that are variable references (``Assign``'s ``ref``): the planner does not read
    # their values; the kernel reaches the variable through ``op.inputs[i].op``.
    ref_inputs: tuple = ()
    registered_at: str = ""


_REGISTRY: dict[str, OpDef] = {}


def register(opdef: OpDef) -> OpDef:
    """Add ``opdef``; a second registration of the same type is an error naming the first."""
    import sys

    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back  # simple_op(...) -> register(...): name the declaring module's line
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    existing = _REGISTRY.get(opdef.type)
    if existing is not None:
        raise KeyError(
            f"Op type '{opdef.type}' is already registered (first registered at {existing.registered_at})"
        )
    opdef.registered_at = where
    _REGISTRY[opdef.type] = opdef
    return opdef


def get(op_type: str) -> OpDef:
    """The OpDef of ``op_type``; KeyError names the type when it is unknown."""
    try:
        return _REGISTRY[op_type]
    except KeyError:
        raise KeyError(f"graphflow has no op type '{op_type}' registered") from None


def registered_types() -> list[str]:
    """All registered op types, sorted (used by the op-table completeness test)."""
    return sorted(_REGISTRY)


def lookup(op_type: str) -> OpDef | None:
    """The OpDef of ``op_type`` or None."""
    return _REGISTRY.get(op_type)


class RegisterGradient:
    """``@tf.RegisterGradient("OpType")``: set (or override) the gradient of an op type."""

    def __init__(self, op_type: str):
        self._op_type = op_type

    def __call__(self, fn: Callable) -> Callable:
        get(self._op_type).grad = fn
        return fn


def NotDifferentiable(op_type: str) -> None:  # noqa: N802 - TF's public name
    """``tf.NotDifferentiable("OpType")``: mark an op type as having no gradient."""
    get(op_type).grad = NOT_DIFFERENTIABLE


def simple_op(
    op_type: str,
    infer: Callable,
    compute: Callable | None = None,
    *,
    build: Callable | None = None,
    grad: Callable | _NotDifferentiable | None = None,
    forwards_input: bool = False,
    bias_fused_build: Callable | None = None,
    sum_fused_build: tuple | None = None,
    index_grad_build: tuple | None = None,
    input_fused_build: Callable | None = None,
    block_activation: Callable | None = None,
) -> OpDef:
    """Register a stateless op whose kernel is ``compute(*inputs)`` or ``build(op)``.

    ``compute`` is used as-is for every op of the type; ``build(op)`` returns a function with
    the op's attributes bound (e.g. transpose flags), so nothing is looked up per run.
    """
    if build is None:
        if compute is None:
            raise ValueError("simple_op needs compute or build")

        def build(op, _compute=compute):
            return _compute

    return register(
        OpDef(type=op_type, infer=infer, kernel=PureKernel(build), grad=grad, forwards_input=forwards_input,
              bias_fused_build=bias_fused_build, sum_fused_build=sum_fused_build,
              index_grad_build=index_grad_build, input_fused_build=input_fused_build,
              block_activation=block_activation)
    )
