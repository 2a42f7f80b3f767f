"""Array ops: placeholders, identity, reshape, shape queries, fills, packing and selection."""

from __future__ import annotations

import builtins
import collections

import numpy as np

from graphflow import dtypes, errors
from graphflow.framework import graph as graph_mod
from graphflow.framework import tensor as tensor_mod
from graphflow.framework import tensor_shape
from graphflow.framework.op_registry import (
    NOT_DIFFERENTIABLE,
    InferenceError,
    OpDef,
    PureKernel,
    register,
    simple_op,
)
from graphflow.framework.tensor import Tensor
from graphflow.ops import constant_op, op_util
from graphflow.ops.constant_op import (
    constant,
    constant_value,
    convert_to_tensor,
    register_constant_folder,
)
from graphflow.ops.op_util import create_in_scope, infer_unary, op_scope

__all__ = [
    "placeholder",
    "placeholder_with_default",
    "identity",
    "identity_n",
    "reshape",
    "shape",
    "shape_n",
    "size",
    "rank",
    "zeros",
    "ones",
    "fill",
    "zeros_like",
    "ones_like",
    "stack",
    "unstack",
    "where",
    "where_v2",
    "newaxis",
    "range",
    "transpose",
    "matrix_transpose",
    "invert_permutation",
    "concat",
    "concat_v2",
    "split",
    "expand_dims",
    "squeeze",
    "tile",
    "pad",
    "gather",
    "gather_nd",
    "scatter_nd",
    "one_hot",
    "slice",
    "strided_slice",
    "reverse",
    "reverse_v2",
    "reverse_sequence",
    "linspace",
    "lin_space",
    "unique",
    "boolean_mask",
    "sequence_mask",
    "meshgrid",
    "broadcast_to",
    "diag",
    "diag_part",
    "matrix_diag",
    "matrix_diag_part",
    "matrix_set_diag",
    "eye",
]

newaxis = None


# -- placeholders ---------------------------------------------------------------------------------
def _infer_placeholder(inputs, attrs):
    return [(attrs["dtype"], attrs["shape"])]


def _build_placeholder(op):
    def unfed():
        t = op.outputs[0]
        raise errors.InvalidArgumentError(
            None,
            op,
            f"You must feed a value for placeholder tensor '{op.name}' with dtype {t.dtype.base_dtype.name}",
        )

    return unfed


register(
    OpDef(
        type="Placeholder",
        infer=_infer_placeholder,
        kernel=PureKernel(_build_placeholder),
        grad=NOT_DIFFERENTIABLE,
    )
)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """``tf.placeholder``: a value fed at run time; ``shape`` may have None dims or be None."""
    dt = dtypes.as_dtype(dtype).base_dtype
    sh = tensor_shape.as_shape(shape) if shape is not None else tensor_shape.unknown_shape()
    g = graph_mod.get_default_graph()
    return g.create_op("Placeholder", [], {"dtype": dt, "shape": sh}, name=name or "Placeholder")._outputs[0]


def _infer_placeholder_with_default(inputs, attrs):
    return [(inputs[0].dtype.base_dtype, attrs["shape"])]


simple_op(
    "PlaceholderWithDefault",
    _infer_placeholder_with_default,
    lambda x: x,
    grad=lambda op, grad: [grad],
    forwards_input=True,
)


def placeholder_with_default(input, shape, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.placeholder_with_default``: ``input`` unless fed."""
    with op_scope(name, "PlaceholderWithDefault", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        sh = tensor_shape.as_shape(shape)
        if not x.shape.is_compatible_with(sh):
            raise ValueError(f"Shapes {x.shape} and {sh} are incompatible")
        return create_in_scope(
            "PlaceholderWithDefault", [x], {"dtype": x.dtype.base_dtype, "shape": sh}, scope
        )._outputs[0]


# -- identity -------------------------------------------------------------------------------------
simple_op("Identity", infer_unary, lambda x: x, grad=lambda op, grad: [grad], forwards_input=True)


def identity(input, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.identity``."""
    if hasattr(input, "_as_graph_element") and not isinstance(input, Tensor):
        input = input.value() if hasattr(input, "value") else input._as_graph_element()
    with op_scope(name, "Identity", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        return create_in_scope("Identity", [x], None, scope)._outputs[0]


# -- shape ops ------------------------------------------------------------------------------------
def _infer_shape_op(inputs, attrs):
    nd = inputs[0].shape.ndims
    return [(attrs["out_type"], (nd,))]


def _build_shape_op(op):
    np_dt = op.attrs["out_type"].as_numpy_dtype
    return lambda x: np.array(np.shape(x), dtype=np_dt)


simple_op("Shape", _infer_shape_op, build=_build_shape_op, grad=NOT_DIFFERENTIABLE)


def _fold_shape(t):
    s = t.op.inputs[0].shape
    if s.is_fully_defined():
        return np.array(s.as_list(), dtype=t.dtype.as_numpy_dtype)
    return None


register_constant_folder("Shape", _fold_shape)


def shape(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:  # noqa: A002
    """``tf.shape``: the shape as a 1-D int32 tensor (a Const when fully known, as TF1's optimize)."""
    with op_scope(name, "Shape", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        if x.shape.is_fully_defined():
            return constant(x.shape.as_list(), dtype=out_type, name=scope)
        return create_in_scope("Shape", [x], {"out_type": dtypes.as_dtype(out_type)}, scope)._outputs[0]


def _build_size_op(op):
    np_dt = op.attrs["out_type"].as_numpy_dtype
    return lambda x: np.asarray(np.size(x), dtype=np_dt)


simple_op(
    "Size", lambda inputs, attrs: [(attrs["out_type"], ())], build=_build_size_op, grad=NOT_DIFFERENTIABLE
)
simple_op(
    "Rank",
    lambda inputs, attrs: [(dtypes.int32, ())],
    lambda x: np.asarray(np.ndim(x), dtype=np.int32),
    grad=NOT_DIFFERENTIABLE,
)


def _fold_size(t):
    s = t.op.inputs[0].shape
    if s.is_fully_defined():
        return np.asarray(s.num_elements(), dtype=t.dtype.as_numpy_dtype)
    return None


def _fold_rank(t):
    nd = t.op.inputs[0].shape.ndims
    return None if nd is None else np.asarray(nd, dtype=np.int32)


register_constant_folder("Size", _fold_size)
register_constant_folder("Rank", _fold_rank)


def size(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:  # noqa: A002
    """``tf.size``: number of elements (int32)."""
    with op_scope(name, "Size", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        if x.shape.is_fully_defined():
            return constant(x.shape.num_elements(), dtype=out_type, name=scope)
        return create_in_scope("Size", [x], {"out_type": dtypes.as_dtype(out_type)}, scope)._outputs[0]


def rank(input, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.rank``: number of dimensions (int32)."""
    with op_scope(name, "Rank", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        if x.shape.ndims is not None:
            return constant(x.shape.ndims, dtype=dtypes.int32, name=scope)
        return create_in_scope("Rank", [x], None, scope)._outputs[0]


# -- reshape --------------------------------------------------------------------------------------
def _infer_reshape(inputs, attrs):
    x, shape_t = inputs
    target = partial_shape_value(shape_t)
    if target is None:
        return [(x.dtype.base_dtype, tensor_shape.unknown_shape())]
    in_dims = x.shape.as_tuple()
    if sum(1 for d in target if d == -1) > 1:
        raise InferenceError("Cannot infer multiple unknown dimensions in shape")
    known_in = None
    if in_dims is not None and None not in in_dims:
        known_in = int(np.prod(in_dims)) if in_dims else 1
    out = list(target)
    text = "[" + ",".join("?" if d is None else str(d) for d in target) + "]"
    if -1 in target:
        others = [d for d in target if d != -1]
        if known_in is not None and None not in others:
            rest = int(np.prod(others)) if others else 1
            if rest == 0 or known_in % rest:
                if rest == 0 and known_in == 0:
                    out[target.index(-1)] = None
                else:
                    raise InferenceError(
                        f"Dimension size must be evenly divisible by {rest} but is {known_in}"
                    )
            else:
                out[target.index(-1)] = known_in // rest
        else:
            out[target.index(-1)] = None
    elif known_in is not None and None not in target:
        n = int(np.prod(target)) if target else 1
        if known_in != n:
            raise InferenceError(
                f"Cannot reshape a tensor with {known_in} elements to shape {text} ({n} elements)"
            )
    return [(x.dtype.base_dtype, tuple(out))]


def _build_reshape(op):
    """``_reshape_kernel`` remembering the tuple of the last read-only (constant) shape array."""
    last = [(None, None)]  # (array, tuple), replaced as one object (thread-safe)

    def run(x, shape_value):
        seen, shape = last[0]
        if seen is not shape_value:
            if type(shape_value) is not np.ndarray or shape_value.flags.writeable:
                return _reshape_kernel(x, shape_value)
            shape = tuple(shape_value.tolist())
            last[0] = (shape_value, shape)
        try:
            return x.reshape(shape)
        except ValueError:
            return _reshape_kernel(x, shape_value)  # TF's error text

    return run


def _reshape_kernel(x, shape_value):
    try:
        return x.reshape(tuple(shape_value.tolist()))
    except ValueError:
        target = shape_value.tolist()
        n = int(np.prod([d for d in target if d != -1])) if target else 1
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Input to reshape is a tensor with {x.size} values, but the requested shape "
            + (f"requires a multiple of {n}" if -1 in target else f"has {n}"),
        ) from None


def _reshape_grad(op, grad):
    return [reshape(grad, shape(op.inputs[0])), None]


simple_op("Reshape", _infer_reshape, build=_build_reshape, grad=_reshape_grad, forwards_input=True)


def reshape(tensor, shape, name: str | None = None) -> Tensor:  # noqa: F811 - TF's public name
    """``tf.reshape`` (one -1 entry is inferred)."""
    with op_scope(name, "Reshape", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        s = (
            convert_to_tensor(shape, dtype=dtypes.int32, name="shape")
            if not isinstance(shape, Tensor)
            else shape
        )
        return create_in_scope("Reshape", [x, s], None, scope)._outputs[0]


# -- fills ----------------------------------------------------------------------------------------
def _infer_fill(inputs, attrs):
    dims_t, value = inputs
    dims = constant_value(dims_t)
    if dims is None:
        n = dims_t.shape.as_tuple()
        if n is not None and n[0] is not None:
            return [(value.dtype.base_dtype, (None,) * n[0])]
        return [(value.dtype.base_dtype, tensor_shape.unknown_shape())]
    return [(value.dtype.base_dtype, tuple(int(d) for d in np.asarray(dims).reshape(-1)))]


def _fill_kernel(dims, value):
    return np.full(tuple(dims.tolist()), value, dtype=value.dtype)


def _fill_grad(op, grad):
    from graphflow.ops import math_ops

    return [None, math_ops.reduce_sum(grad)]


simple_op("Fill", _infer_fill, _fill_kernel, grad=_fill_grad)


def fill(dims, value, name: str | None = None) -> Tensor:
    """``tf.fill``: a tensor of shape ``dims`` filled with ``value``."""
    with op_scope(name, "Fill", [dims, value]) as scope:
        d = convert_to_tensor(dims, dtype=dtypes.int32, name="dims")
        v = convert_to_tensor(value, name="value")
        return create_in_scope("Fill", [d, v], None, scope)._outputs[0]


def _filled(value_of_dtype, shape, dtype, name, default_name):
    dt = dtypes.as_dtype(dtype).base_dtype
    with op_scope(name, default_name, [shape] if isinstance(shape, Tensor) else []) as scope:
        if not isinstance(shape, Tensor):
            try:
                dims = tensor_shape.as_shape(shape).as_list()
            except (TypeError, ValueError):
                dims = None
            if dims is not None and (int(np.prod(dims)) if dims else 1) < 1000:
                return constant(value_of_dtype(dt), dtype=dt, shape=dims, name=scope)
        shape_t = convert_to_tensor(shape, dtype=dtypes.int32, name="shape")
        v = constant(value_of_dtype(dt), dtype=dt)
        return create_in_scope("Fill", [shape_t, v], None, scope)._outputs[0]


def _filled_op(value, shape_t: Tensor, dtype, scope: str) -> Tensor:
    v = constant(value, dtype=dtype)
    return create_in_scope("Fill", [shape_t, v], None, scope)._outputs[0]


def zeros(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """``tf.zeros``."""
    return _filled(
        lambda dt: False if dt.is_bool else (b"" if dt == dtypes.string else 0), shape, dtype, name, "zeros"
    )


def ones(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """``tf.ones``."""
    return _filled(lambda dt: True if dt.is_bool else 1, shape, dtype, name, "ones")


simple_op("ZerosLike", infer_unary, lambda x: np.zeros_like(x), grad=NOT_DIFFERENTIABLE)
simple_op("OnesLike", infer_unary, lambda x: np.ones_like(x), grad=NOT_DIFFERENTIABLE)


def zeros_like(tensor, dtype=None, name: str | None = None, optimize: bool = True) -> Tensor:
    """``tf.zeros_like``."""
    with op_scope(name, "zeros_like", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        if dtype is not None and dtypes.as_dtype(dtype) != x.dtype.base_dtype:
            return zeros(shape(x), dtype=dtype, name=scope)
        if optimize and x.shape.is_fully_defined() and x.dtype != dtypes.string:
            return constant(0, dtype=x.dtype.base_dtype, shape=x.shape.as_list(), name=scope)
        return create_in_scope("ZerosLike", [x], None, scope)._outputs[0]


def ones_like(tensor, dtype=None, name: str | None = None, optimize: bool = True) -> Tensor:
    """``tf.ones_like``."""
    with op_scope(name, "ones_like", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        if dtype is not None and dtypes.as_dtype(dtype) != x.dtype.base_dtype:
            return ones(shape(x), dtype=dtype, name=scope)
        if optimize and x.shape.is_fully_defined():  # TF1: ones(shape) with a constant shape -> Fill
            return _filled_op(1, shape(x), x.dtype.base_dtype, scope)
        return create_in_scope("OnesLike", [x], None, scope)._outputs[0]


# -- pack -----------------------------------------------------------------------------------------
def _infer_pack(inputs, attrs):
    axis = attrs["axis"]
    dims = None
    dtype = inputs[0].dtype.base_dtype
    for t in inputs:
        if t.dtype.base_dtype != dtype:
            raise TypeError(
                f"Tensors in list passed to 'values' of 'Pack' Op have types "
                f"[{', '.join(x.dtype.name for x in inputs)}] that don't all match."
            )
        d = t.shape.as_tuple()
        if d is None:
            continue
        if dims is None:
            dims = list(d)
        elif len(d) != len(dims):
            raise InferenceError(f"Shapes must be equal rank, but are {len(dims)} and {len(d)}")
        else:
            for i, (a, b) in enumerate(zip(dims, d)):
                if a is not None and b is not None and a != b:
                    raise InferenceError(
                        f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                        f"Shapes are {tuple(dims)} and {d}"
                    )
                dims[i] = a if a is not None else b
    if dims is None:
        return [(dtype, tensor_shape.unknown_shape())]
    rank_out = len(dims) + 1
    if axis < -rank_out or axis >= rank_out:
        raise InferenceError(f"Argument 'axis' = {axis} not in range [{-rank_out}, {rank_out})")
    if axis < 0:
        axis += rank_out
    dims.insert(axis, len(inputs))
    return [(dtype, tuple(dims))]


def _build_pack(op):
    axis = op.attrs["axis"]
    return lambda *xs: np.stack(xs, axis=axis)


def _pack_grad(op, grad):
    from graphflow.ops import array_ops as _self

    return _self.unstack(grad, num=len(op.inputs), axis=op.get_attr("axis"))


simple_op("Pack", _infer_pack, build=_build_pack, grad=_pack_grad)


def _fold_pack(t):
    vals = [constant_value(x) for x in t.op.inputs]
    if any(v is None for v in vals):
        return None
    return np.stack(vals, axis=t.op.attrs["axis"])


register_constant_folder("Pack", _fold_pack)


def stack(values, axis: int = 0, name: str = "stack") -> Tensor:
    """``tf.stack``: pack a list of rank-R tensors into one rank-(R+1) tensor."""
    if axis == 0 and not any(constant_op.is_tensor(v) for v in _leaves(values)):
        return convert_to_tensor(values, name=name)  # a constant list becomes one Const, as in TF
    with op_scope(name, "stack", values) as scope:
        ts = [convert_to_tensor(v) for v in values]
        if ts and any(t.dtype != ts[0].dtype for t in ts):
            ts = [convert_to_tensor(v, dtype=_first_tensor_dtype(values)) for v in values]
        return create_in_scope("Pack", ts, {"axis": int(axis), "N": len(ts)}, scope)._outputs[0]


def _first_tensor_dtype(values):
    for v in values:
        if isinstance(v, Tensor):
            return v.dtype.base_dtype
    return None


def _autopacking(value, dtype=None, name: str = "packed") -> Tensor:
    """Convert a (nested) list mixing tensors and literals with Pack, as TF does."""
    target = dtype
    if target is None:
        for v in _leaves(value):
            if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
                target = convert_to_tensor(v).dtype.base_dtype
                break
    with op_scope(name, "packed", []) as scope:
        parts = []
        for i, v in enumerate(value):
            if isinstance(v, (list, tuple)):
                parts.append(_autopacking(v, dtype=target, name=str(i)))
            else:
                parts.append(convert_to_tensor(v, dtype=target))
        return create_in_scope("Pack", parts, {"axis": 0, "N": len(parts)}, scope)._outputs[0]


def _leaves(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


# -- static-value helpers ---------------------------------------------------------------------------
def _const_ints(t) -> list | None:
    """The value of an int tensor as a Python list when known at build time."""
    v = constant_value(t)
    return None if v is None else [int(a) for a in np.asarray(v).reshape(-1).tolist()]


def _const_int(t) -> int | None:
    v = constant_value(t)
    if v is None or np.size(v) != 1:
        return None
    return int(np.asarray(v).reshape(-1)[0])


def _scalar_partial(t) -> int | None:
    """A scalar int tensor's value when static, seeing through ``tf.shape(x)[i]`` of partial shapes."""
    v = _const_int(t)
    if v is not None:
        return v
    op = t.op
    if (
        op.type == "StridedSlice"
        and op.inputs[0].op.type == "Shape"
        and op.attrs.get("shrink_axis_mask") == 1
    ):
        b = _const_ints(op.inputs[1])
        dims = op.inputs[0].op.inputs[0].shape.as_tuple()
        if b is not None and dims is not None and len(b) == 1 and -len(dims) <= b[0] < len(dims):
            return dims[b[0]]
    return None


def partial_shape_value(t) -> tuple | None:
    """A 1-D shape tensor's value as a tuple of int/None (TF's "partial shape"), None if unknown rank.

    Sees through Const, ``Shape`` of a partially known tensor, ``Pack`` of scalars and ``ConcatV2``.
    """
    v = constant_value(t)
    if v is not None:
        return tuple(int(a) for a in np.asarray(v).reshape(-1).tolist())
    op = t.op
    if op.type == "Shape":
        return op.inputs[0].shape.as_tuple()
    if op.type == "Pack" and op.attrs.get("axis") == 0 and all(x.shape.ndims == 0 for x in op.inputs):
        return tuple(_scalar_partial(x) for x in op.inputs)
    if op.type == "ConcatV2":
        parts = [partial_shape_value(x) for x in op.inputs[:-1]]
        if all(p is not None for p in parts):
            return tuple(d for p in parts for d in p)
    n = t.shape.as_tuple()
    if n is not None and len(n) == 1 and n[0] is not None:
        return (None,) * n[0]
    return None


def _dims_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _dtype_of(t):
    return t.dtype.base_dtype


def _unknown_rank(dtype):
    return (dtype, tensor_shape.unknown_shape())


def _fold_with_kernel(t):
    """Constant-fold ``t`` by running its op's kernel on constant inputs (small results only)."""
    vals = [constant_value(x) for x in t.op.inputs]
    if any(v is None for v in vals) or sum(np.size(v) for v in vals) > 4096:
        return None
    try:
        out = t.op._opdef.kernel.build(t.op)(*[np.asarray(v) for v in vals])
    except Exception:  # noqa: BLE001 - the runtime reports the error with the op's context
        return None
    out = out[t.value_index] if isinstance(out, tuple) else out
    return np.asarray(out)


def _convert_list(values, name_prefix: str = "values") -> list:
    """Convert a list of values to tensors of one dtype (literals take the first tensor's dtype)."""
    target = _first_tensor_dtype(values)
    return [convert_to_tensor(v, dtype=target if not constant_op.is_tensor(v) else None) for v in values]


def _check_same_dtypes(op_type: str, arg: str, inputs: list):
    dt = inputs[0].dtype.base_dtype
    if any(t.dtype.base_dtype != dt for t in inputs):
        raise TypeError(
            f"Tensors in list passed to '{arg}' of '{op_type}' Op have types "
            f"[{', '.join(t.dtype.base_dtype.name for t in inputs)}] that don't all match."
        )
    return dt


def _contiguous(a):
    """A C-contiguous ndarray (0-d stays 0-d, unlike ``np.ascontiguousarray``)."""
    a = np.asarray(a)
    return a if a.flags.c_contiguous else a.copy()


def _list_outputs(build):
    """For ops with a list of outputs: the executor stores a single output's value as is (no tuple)."""

    def wrapped(op):
        fn = build(op)
        if len(op.outputs) != 1:
            return fn
        return lambda *args: fn(*args)[0]

    return wrapped


def _bad(msg: str):
    return errors.InvalidArgumentError(None, None, msg)


# -- transpose ------------------------------------------------------------------------------------
def _infer_transpose(inputs, attrs):
    x, perm_t = inputs
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    perm = _const_ints(perm_t)
    if perm is None:
        n = perm_t.shape.as_tuple()
        rank = len(dims) if dims is not None else (n[0] if n else None)
        return [(dt, (None,) * rank if rank is not None else None)]
    if dims is None:
        return [(dt, (None,) * len(perm))]
    if len(perm) != len(dims):
        raise InferenceError(f"Dimension must be {len(dims)} but is {len(perm)}")
    if sorted(perm) != list(builtins.range(len(perm))):
        return [(dt, (None,) * len(perm))]  # TF reports a bad permutation when the op runs
    return [(dt, tuple(dims[p] for p in perm))]


def _check_perm(perm, n):
    p = [int(a) for a in perm.reshape(-1).tolist()]
    if len(p) != n:
        raise _bad(f"transpose expects a vector of size {n}. But input(1) is a vector of size {len(p)}")
    for i in builtins.range(n):
        if i not in p:
            raise _bad(f"{i} is missing from {{{','.join(map(str, p))}}}.")
    return p


def _transpose_kernel(x, perm):
    return _contiguous(np.transpose(x, _check_perm(perm, x.ndim)))


def _transpose_grad(op, grad):
    perm = _const_ints(op.inputs[1])
    if perm is not None:
        return [transpose(grad, [int(i) for i in np.argsort(perm)]), None]
    return [transpose(grad, invert_permutation(op.inputs[1])), None]


simple_op("Transpose", _infer_transpose, _transpose_kernel, grad=_transpose_grad)
register_constant_folder("Transpose", _fold_with_kernel)


def _invert_permutation_kernel(x):
    p = _check_perm(x, x.size)
    out = np.empty_like(x)
    out[p] = np.arange(len(p), dtype=x.dtype)
    return out


simple_op("InvertPermutation", infer_unary, _invert_permutation_kernel, grad=NOT_DIFFERENTIABLE)
register_constant_folder("InvertPermutation", _fold_with_kernel)


def invert_permutation(x, name: str | None = None) -> Tensor:
    """``tf.invert_permutation``."""
    with op_scope(name, "InvertPermutation", [x]) as scope:
        t = convert_to_tensor(x, name="x")
        return create_in_scope("InvertPermutation", [t], None, scope)._outputs[0]


def transpose(a, perm=None, name: str = "transpose", conjugate: bool = False) -> Tensor:
    """``tf.transpose``: permute dimensions (default: reverse them)."""
    with op_scope(name, "transpose", [a]) as scope:
        x = convert_to_tensor(a, name="a")
        if perm is None:
            nd = x.shape.ndims
            if nd is not None:
                perm_t = constant(np.arange(nd - 1, -1, -1, dtype=np.int32), name="perm")
            else:
                from graphflow.ops import math_ops

                r = rank(x)
                perm_t = math_ops.subtract(math_ops.subtract(r, 1), range(0, r, 1))
        else:
            perm_t = (
                convert_to_tensor(perm, dtype=dtypes.int32, name="perm")
                if not constant_op.is_tensor(perm)
                else convert_to_tensor(perm)
            )
        if conjugate and x.dtype.is_complex:
            from graphflow.ops import math_ops

            x = math_ops.conj(x)
        return create_in_scope("Transpose", [x, perm_t], None, scope)._outputs[0]


def matrix_transpose(a, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """``tf.matrix_transpose``: swap the last two dimensions."""
    with op_scope(name, "matrix_transpose", [a]):
        x = convert_to_tensor(a, name="a")
        nd = x.shape.ndims
        if nd is None:
            raise ValueError("matrix_transpose needs an input of known rank")  # TF builds a dynamic perm
        if nd < 2:
            raise ValueError(f"Argument 'a' should be a (batch) matrix, with rank >= 2.  Found: {x.shape}")
        perm = list(builtins.range(nd - 2)) + [nd - 1, nd - 2]
        return transpose(x, perm=perm, conjugate=conjugate, name="transpose")


# -- concat ---------------------------------------------------------------------------------------
def _infer_concat(inputs, attrs):
    *vals, axis_t = inputs
    dt = _check_same_dtypes("ConcatV2", "values", vals)
    axis = _const_int(axis_t)
    rank_ = None
    for t in vals:
        nd = t.shape.ndims
        if nd is None:
            continue
        if rank_ is None:
            rank_ = nd
        elif nd != rank_:
            raise InferenceError(f"Shape must be rank {rank_} but is rank {nd}")
    if rank_ is None:
        return [_unknown_rank(dt)]
    if axis is None:
        return [(dt, (None,) * rank_)]
    if axis < -rank_ or axis >= rank_:
        need = axis + 1 if axis >= 0 else -axis
        raise InferenceError(f"Shape must be at least rank {need} but is rank {rank_}")
    a = axis % rank_
    out: list | None = None
    total: int | None = 0
    for t in vals:
        d = t.shape.as_tuple()
        if d is None:
            total = None
            continue
        total = None if total is None or d[a] is None else total + d[a]
        rest = d[:a] + d[a + 1 :]
        if out is None:
            out = list(rest)
            continue
        for j, (p, q) in enumerate(zip(out, rest)):
            if p is not None and q is not None and p != q:
                raise InferenceError(
                    f"Dimension {j} in both shapes must be equal, but are {p} and {q}. "
                    f"Shapes are {_dims_text(out)} and {_dims_text(rest)}."
                )
            out[j] = p if p is not None else q
    if out is None:
        out = [None] * (rank_ - 1)
    return [(dt, tuple(out[:a]) + (total,) + tuple(out[a:]))]


def _concat_kernel(*args):
    *xs, axis = args
    axis = int(axis)
    nd = xs[0].ndim
    if not -nd <= axis < nd:
        raise _bad(f"ConcatOp : Expected concatenating dimensions in the range [{-nd}, {nd}), but got {axis}")
    a = axis % nd
    for i, x in enumerate(xs[1:], 1):
        if x.ndim != nd:
            raise _bad(
                f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                f"{_dims_text(xs[0].shape)} vs. shape[{i}] = {_dims_text(x.shape)}"
            )
        if x.shape[:a] + x.shape[a + 1 :] != xs[0].shape[:a] + xs[0].shape[a + 1 :]:
            bad_dim = [j for j in builtins.range(nd) if j != a and x.shape[j] != xs[0].shape[j]][0]
            raise _bad(
                f"ConcatOp : Dimension {bad_dim}"
                f" in both shapes must be equal: shape[0] = {_dims_text(xs[0].shape)} vs. shape[{i}] = "
                f"{_dims_text(x.shape)}"
            )
    return np.concatenate(xs, axis=a)


def _axis_sizes(values: list, axis: int | None, axis_t) -> Tensor | list:
    """Sizes of ``values`` along the concat axis: a list of ints when static, else an int32 tensor."""
    if axis is not None:
        sizes = []
        for v in values:
            d = v.shape.as_tuple()
            sizes.append(None if d is None else d[axis % len(d)])
        if None not in sizes:
            return sizes
        return stack([shape(v)[axis] for v in values])
    from graphflow.ops import math_ops

    shapes = stack([shape(v) for v in values])  # [n, rank]
    r = rank(values[0])
    ax = math_ops.floormod(axis_t, r)
    return gather(shapes, ax, axis=1)


def _concat_grad(op, grad):
    *vals, axis_t = op.inputs
    if len(vals) == 1:
        return [grad, None]
    axis = _const_int(axis_t)
    sizes = _axis_sizes(vals, axis, axis_t)
    parts = split(grad, sizes, axis=axis if axis is not None else axis_t, num=len(vals))
    return list(parts) + [None]


simple_op("ConcatV2", _infer_concat, _concat_kernel, grad=_concat_grad)
register_constant_folder("ConcatV2", _fold_with_kernel)


def concat(values, axis, name: str = "concat") -> Tensor:
    """``tf.concat(values, axis)`` (ConcatV2)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        with op_scope(name, "concat", values):
            convert_to_tensor(axis, dtype=dtypes.int32, name="concat_dim")
            return identity(values[0], name=name or "concat")
    with op_scope(name, "concat", values) as scope:
        ts = _convert_list(values)
        ax = (
            convert_to_tensor(axis, dtype=dtypes.int32, name="axis")
            if not constant_op.is_tensor(axis)
            else convert_to_tensor(axis)
        )
        return create_in_scope("ConcatV2", ts + [ax], {"N": len(ts)}, scope)._outputs[0]


def concat_v2(values, axis, name: str = "concat_v2") -> Tensor:
    """``tf.concat_v2`` (TF 0.12's name for concat with the axis last)."""
    return concat(values, axis, name=name)


# -- unstack / split ------------------------------------------------------------------------------
def _infer_unpack(inputs, attrs):
    x = inputs[0]
    num, axis = attrs["num"], attrs["axis"]
    dims = x.shape.as_tuple()
    dt = _dtype_of(x)
    if dims is None:
        return [_unknown_rank(dt)] * num
    nd = len(dims)
    if not -nd <= axis < nd:
        raise InferenceError(f"Dimension must be in the range [{-nd}, {nd}), but got {axis}")
    a = axis % nd
    if dims[a] is not None and dims[a] != num:
        raise InferenceError(f"Dimension must be {num} but is {dims[a]}")
    rest = dims[:a] + dims[a + 1 :]
    return [(dt, rest)] * num


def _build_unpack(op):
    num, axis = op.attrs["num"], op.attrs["axis"]

    def run(x):
        a = axis % x.ndim
        if x.shape[a] != num:
            raise _bad(f"Input shape axis {a} must equal {num}, got shape {_dims_text(x.shape)}")
        lead = (builtins.slice(None),) * a
        return tuple(_contiguous(x[lead + (i,)]) for i in builtins.range(num))

    return run


def _unpack_grad(op, *grads):
    return [stack(list(grads), axis=op.get_attr("axis"))]


simple_op("Unpack", _infer_unpack, build=_list_outputs(_build_unpack), grad=_unpack_grad)


def unstack(value, num: int | None = None, axis: int = 0, name: str = "unstack") -> list:
    """``tf.unstack``: split a rank-R tensor into a list of rank-(R-1) tensors along ``axis``."""
    with op_scope(name, "unstack", [value]) as scope:
        x = convert_to_tensor(value, name="value")
        if num is None:
            dims = x.shape.as_tuple()
            if dims is None:
                raise ValueError(f"Cannot infer num from shape {x.shape}")
            if not -len(dims) <= axis < len(dims):
                raise ValueError(f"axis = {axis} not in [{-len(dims)}, {len(dims)})")
            num = dims[axis]
            if num is None:
                raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")
        op = create_in_scope("Unpack", [x], {"num": int(num), "axis": int(axis)}, scope)
        return list(op.outputs)


def _infer_split(inputs, attrs):
    axis_t, x = inputs
    n = attrs["num_split"]
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    axis = _const_int(axis_t)
    if dims is None:
        return [_unknown_rank(dt)] * n
    if axis is None:
        return [(dt, (None,) * len(dims))] * n
    nd = len(dims)
    if not -nd <= axis < nd:
        raise InferenceError(f"Dimension must be in the range [{-nd}, {nd}), but got {axis}")
    a = axis % nd
    d = dims[a]
    if d is not None and d % n:
        raise InferenceError(
            f"Dimension size must be evenly divisible by {n} but is {d}\n\t"
            "Number of ways to split should evenly divide the split dimension"
        )
    piece = None if d is None else d // n
    return [(dt, dims[:a] + (piece,) + dims[a + 1 :])] * n


def _build_split(op):
    n = op.attrs["num_split"]

    def run(axis, x):
        axis = int(axis)
        if not -x.ndim <= axis < x.ndim:
            raise _bad(f"-input rank(-{x.ndim}) <= split_dim < input rank ({x.ndim}), but got {axis}")
        a = axis % x.ndim
        if x.shape[a] % n:
            raise _bad(
                f"Number of ways to split should evenly divide the split dimension, but got split_dim "
                f"{axis} (size = {x.shape[a]}) and num_split {n}"
            )
        return tuple(_contiguous(p) for p in np.split(x, n, axis=a))

    return run


def _split_grad(op, *grads):
    return [None, concat(list(grads), op.inputs[0])]


simple_op("Split", _infer_split, build=_list_outputs(_build_split), grad=_split_grad)


def _infer_split_v(inputs, attrs):
    x, sizes_t, axis_t = inputs
    n = attrs["num_split"]
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    axis = _const_int(axis_t)
    sizes = partial_shape_value(sizes_t)
    if dims is None:
        return [_unknown_rank(dt)] * n
    if axis is None:
        return [(dt, (None,) * len(dims))] * n
    nd = len(dims)
    if not -nd <= axis < nd:
        raise InferenceError(f"Dimension must be in the range [{-nd}, {nd}), but got {axis}")
    a = axis % nd
    if sizes is None:
        sizes = (None,) * n
    sizes = list(sizes)
    if len(sizes) != n:
        raise InferenceError(f"Dimension 0 in both shapes must be equal, but are {len(sizes)} and {n}")
    if sizes.count(-1) > 1:
        raise InferenceError(
            "Only one dimensions can have a value of -1. Second one found at dimension "
            f"{[i for i, s in enumerate(sizes) if s == -1][1]}"
        )
    d = dims[a]
    known = [s for s in sizes if s is not None and s != -1]
    if -1 in sizes:
        i = sizes.index(-1)
        if d is not None and len(known) == n - 1:
            if sum(known) > d:
                raise InferenceError(
                    f"can't split axis of size {d} into pieces of size {_dims_text([s for s in sizes])}"
                )
            sizes[i] = d - sum(known)
        else:
            sizes[i] = None
    elif d is not None and len(known) == n and sum(known) != d:
        raise InferenceError(f"can't split axis of size {d} into pieces of size {_dims_text(sizes)}")
    return [(dt, dims[:a] + (s,) + dims[a + 1 :]) for s in sizes]


def _build_split_v(op):
    n = op.attrs["num_split"]

    def run(x, sizes, axis):
        axis = int(axis)
        if not -x.ndim <= axis < x.ndim:
            raise _bad(f"-input rank(-{x.ndim}) <= split_dim < input rank ({x.ndim}), but got {axis}")
        a = axis % x.ndim
        s = [int(v) for v in sizes.reshape(-1).tolist()]
        d = x.shape[a]
        if len(s) != n:
            raise _bad(f"Number of split sizes {len(s)} does not match num_split {n}")
        if s.count(-1) == 1:
            s[s.index(-1)] = d - (sum(s) + 1)
        if sum(s) != d or any(v < 0 for v in s):
            raise _bad(
                f"Determined shape must either match input shape along split_dim exactly if fully "
                f"specified, or be less than the size of the input along split_dim if not fully "
                f"specified.  Got: {sum(s)}"
            )
        return tuple(_contiguous(p) for p in np.split(x, np.cumsum(s)[:-1].tolist(), axis=a))

    return run


def _split_v_grad(op, *grads):
    return [concat(list(grads), op.inputs[2]), None, None]


simple_op("SplitV", _infer_split_v, build=_list_outputs(_build_split_v), grad=_split_v_grad)


def split(value, num_or_size_splits, axis=0, num: int | None = None, name: str = "split") -> list:
    """``tf.split``: an int splits evenly (Split); a list of sizes (one may be -1) uses SplitV."""
    with op_scope(name, "split", [value]) as scope:
        if isinstance(num_or_size_splits, (int, np.integer)) and not isinstance(num_or_size_splits, bool):
            ax = (
                convert_to_tensor(axis, dtype=dtypes.int32, name="split_dim")
                if not constant_op.is_tensor(axis)
                else convert_to_tensor(axis)
            )
            x = convert_to_tensor(value, name="value")
            n = int(num_or_size_splits)
            if n <= 0:
                raise ValueError(f"num_or_size_splits must be positive, got {n}")
            op = create_in_scope("Split", [ax, x], {"num_split": n}, scope)
            return list(op.outputs)
        x = convert_to_tensor(value, name="value")
        sizes = convert_to_tensor(
            num_or_size_splits,
            dtype=dtypes.int32 if not constant_op.is_tensor(num_or_size_splits) else None,
            name="size_splits",
        )
        if num is None:
            sd = sizes.shape.as_tuple()
            if sd is None or len(sd) != 1 or sd[0] is None:
                raise ValueError(f"Cannot infer num from shape {sizes.shape}")
            num = sd[0]
        ax = (
            convert_to_tensor(axis, dtype=dtypes.int32, name="split_dim")
            if not constant_op.is_tensor(axis)
            else convert_to_tensor(axis)
        )
        op = create_in_scope("SplitV", [x, sizes, ax], {"num_split": int(num)}, scope)
        return list(op.outputs)


# -- expand_dims / squeeze ------------------------------------------------------------------------
def _infer_expand_dims(inputs, attrs):
    x, dim_t = inputs
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    d = _const_int(dim_t)
    if dims is None:
        return [_unknown_rank(dt)]
    nd = len(dims)
    if d is None:
        return [(dt, (None,) * (nd + 1))]
    if d < -nd - 1 or d > nd:
        raise InferenceError(f"dim {d} not in the interval [{-nd - 1}, {nd}].")
    a = d if d >= 0 else d + nd + 1
    return [(dt, dims[:a] + (1,) + dims[a:])]


def _expand_dims_kernel(x, dim):
    d = int(np.asarray(dim).reshape(-1)[0])
    nd = x.ndim
    if d < -nd - 1 or d > nd:
        raise _bad(f"Tried to expand dim index {d} for tensor with {nd} dimensions.")
    return np.expand_dims(x, d if d >= 0 else d + nd + 1)


def _reshape_like_input_grad(op, grad):
    return [reshape(grad, shape(op.inputs[0]))] + [None] * (len(op.inputs) - 1)


simple_op(
    "ExpandDims", _infer_expand_dims, _expand_dims_kernel, grad=_reshape_like_input_grad, forwards_input=True
)
register_constant_folder("ExpandDims", _fold_with_kernel)
register_constant_folder("Reshape", _fold_with_kernel)


def expand_dims(input, axis=None, name: str | None = None, dim=None) -> Tensor:  # noqa: A002
    """``tf.expand_dims`` (the old keyword ``dim=`` is accepted)."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    with op_scope(name, "ExpandDims", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        d = (
            convert_to_tensor(axis, dtype=dtypes.int32, name="dim")
            if not constant_op.is_tensor(axis)
            else convert_to_tensor(axis)
        )
        return create_in_scope("ExpandDims", [x, d], None, scope)._outputs[0]


def _infer_squeeze(inputs, attrs):
    x = inputs[0]
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    axes = attrs["squeeze_dims"]
    if dims is None:
        return [_unknown_rank(dt)]
    nd = len(dims)
    if not axes:
        if None in dims:
            return [_unknown_rank(dt)]
        return [(dt, tuple(d for d in dims if d != 1))]
    norm = set()
    for a in axes:
        if a < -nd or a >= nd:
            raise InferenceError(f"Tried to squeeze dim index {a} for tensor with {nd} dimensions.")
        a = a % nd
        if dims[a] is not None and dims[a] != 1:
            raise InferenceError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]}")
        norm.add(a)
    return [(dt, tuple(d for i, d in enumerate(dims) if i not in norm))]


def _build_squeeze(op):
    axes = list(op.attrs["squeeze_dims"])

    def run(x):
        if not axes:
            return x.reshape(tuple(d for d in x.shape if d != 1))
        nd = x.ndim
        norm = set()
        for a in axes:
            if a < -nd or a >= nd:
                raise _bad(f"Tried to squeeze dim index {a} for tensor with {nd} dimensions.")
            if x.shape[a % nd] != 1:
                raise _bad(f"Can not squeeze dim[{a % nd}], expected a dimension of 1, got {x.shape[a % nd]}")
            norm.add(a % nd)
        return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in norm))

    return run


simple_op("Squeeze", _infer_squeeze, build=_build_squeeze, grad=_reshape_like_input_grad, forwards_input=True)
register_constant_folder("Squeeze", _fold_with_kernel)


def squeeze(input, axis=None, name: str | None = None, squeeze_dims=None) -> Tensor:  # noqa: A002
    """``tf.squeeze`` (the old keyword ``squeeze_dims=`` is accepted)."""
    if axis is not None and squeeze_dims is not None:
        raise ValueError("Cannot specify both 'axis' and 'squeeze_dims'")
    if axis is None:
        axis = squeeze_dims
    if axis is None:
        axis = []
    elif isinstance(axis, (int, np.integer)):
        axis = [axis]
    with op_scope(name, "Squeeze", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        return create_in_scope("Squeeze", [x], {"squeeze_dims": [int(a) for a in axis]}, scope)._outputs[0]


# -- tile -----------------------------------------------------------------------------------------
def _infer_tile(inputs, attrs):
    x, mult_t = inputs
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    mult = partial_shape_value(mult_t)
    ms = mult_t.shape.as_tuple()
    if ms is not None and len(ms) != 1:
        raise InferenceError(f"Shape must be rank 1 but is rank {len(ms)}")
    if dims is not None and mult is not None and len(mult) != len(dims):
        raise InferenceError(f"Shape must be rank {len(dims)} but is rank {len(mult)}")
    if dims is None and mult is None:
        return [_unknown_rank(dt)]
    if dims is None:
        return [(dt, tuple(0 if m == 0 else None for m in mult))]
    if mult is None:
        return [(dt, (None,) * len(dims))]
    return [
        (
            dt,
            tuple(
                d * m if d is not None and m is not None else (0 if m == 0 or d == 0 else None)
                for d, m in zip(dims, mult)
            ),
        )
    ]


def _tile_kernel(x, multiples):
    m = [int(v) for v in multiples.reshape(-1).tolist()]
    if len(m) != x.ndim:
        raise _bad(f"Expected multiples argument to be a vector of length {x.ndim} but got length {len(m)}")
    if any(v < 0 for v in m):
        raise _bad(
            f"Expected multiples[{[i for i, v in enumerate(m) if v < 0][0]}] >= 0, but got "
            f"{[v for v in m if v < 0][0]}"
        )
    return np.tile(x, m) if m else x.copy()


def _tile_grad(op, grad):
    from graphflow.ops import math_ops

    x, mult_t = op.inputs
    dims = x.shape.as_tuple()
    mult = _const_ints(mult_t)
    if dims is not None and None not in dims and mult is not None:
        split_shape = [v for pair in zip(mult, dims) for v in pair]
        axes = list(builtins.range(0, 2 * len(dims), 2))
        if not axes:
            return [grad, None]
        return [math_ops.reduce_sum(reshape(grad, split_shape), axes), None]
    split_shape = reshape(transpose(stack([mult_t, shape(x)])), [-1])
    axes = range(0, size(split_shape), 2)
    return [reshape(math_ops.reduce_sum(reshape(grad, split_shape), axes), shape(x)), None]


simple_op("Tile", _infer_tile, _tile_kernel, grad=_tile_grad)
register_constant_folder("Tile", _fold_with_kernel)


def tile(input, multiples, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.tile``."""
    with op_scope(name, "Tile", [input, multiples]) as scope:
        x = convert_to_tensor(input, name="input")
        m = convert_to_tensor(
            multiples, dtype=dtypes.int32 if not constant_op.is_tensor(multiples) else None, name="multiples"
        )
        return create_in_scope("Tile", [x, m], None, scope)._outputs[0]


# -- pad ------------------------------------------------------------------------------------------
def _infer_pad(inputs, attrs):
    x, pad_t = inputs[0], inputs[1]
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    ps = pad_t.shape.as_tuple()
    if ps is not None:
        if len(ps) != 2 or (ps[1] is not None and ps[1] != 2):
            raise InferenceError(f"Shape must be rank 2 with 2 columns, but is {_dims_text(ps)}")
        if dims is not None and ps[0] is not None and ps[0] != len(dims):
            raise InferenceError(
                f"The first dimension of paddings must be the rank of inputs"
                f"{_dims_text(ps)} {_dims_text(dims)}"
            )
    pads = constant_value(pad_t)
    if dims is None:
        if ps is not None and ps[0] is not None:
            dims = (None,) * ps[0]
        else:
            return [_unknown_rank(dt)]
    if pads is None:
        return [(dt, (None,) * len(dims))]
    pads = np.asarray(pads).reshape(-1, 2).tolist()
    return [(dt, tuple(None if d is None else d + int(a) + int(b) for d, (a, b) in zip(dims, pads)))]


def _check_pads(x, paddings):
    p = np.asarray(paddings).reshape(-1, 2) if paddings.size else np.zeros((0, 2), np.int64)
    if p.shape[0] != x.ndim:
        raise _bad(
            f"The first dimension of paddings must be the rank of inputs{_dims_text(paddings.shape)} "
            f"{_dims_text(x.shape)}"
        )
    if (p < 0).any():
        i = int(np.argwhere(p < 0)[0][0])
        raise _bad(f"Paddings must be non-negative: {p[i, 0]} {p[i, 1]}")
    return [(int(a), int(b)) for a, b in p.tolist()]


def _pad_constant(x, paddings, value):
    p = _check_pads(x, paddings)
    out = np.full(tuple(d + a + b for d, (a, b) in zip(x.shape, p)), value, dtype=x.dtype)
    out[tuple(builtins.slice(a, a + d) for d, (a, _) in zip(x.shape, p))] = x
    return out


def _pad_grad(op, grad):
    x, pad_t = op.inputs[0], op.inputs[1]
    pads = constant_value(pad_t)
    dims = x.shape.as_tuple()
    if pads is not None and dims is not None and None not in dims:
        begin = [int(v) for v in np.asarray(pads).reshape(-1, 2)[:, 0].tolist()]
        g = slice(grad, begin, list(dims))
    else:
        begin = reshape(slice(pad_t, [0, 0], stack([rank(x), 1])), [-1])
        g = slice(grad, begin, shape(x))
    return [g] + [None] * (len(op.inputs) - 1)


simple_op("Pad", _infer_pad, lambda x, p: _pad_constant(x, p, 0), grad=_pad_grad)
simple_op("PadV2", _infer_pad, _pad_constant, grad=_pad_grad)


def _mirror_check(x, paddings, mode):
    p = _check_pads(x, paddings)
    for d, (a, b) in zip(x.shape, p):
        if mode == "REFLECT" and (a >= d or b >= d):
            raise _bad(f"paddings must be less than the dimension size: {a}, {b} not less than {d}")
        if mode == "SYMMETRIC" and (a > d or b > d):
            raise _bad(f"paddings must be no greater than the dimension size: {a}, {b} greater than {d}")
    return p


def _build_mirror_pad(op):
    mode = op.attrs["mode"]
    np_mode = "reflect" if mode == "REFLECT" else "symmetric"

    def run(x, paddings):
        p = _mirror_check(x, paddings, mode)
        return np.pad(x, p, mode=np_mode) if x.ndim else x.copy()

    return run


def _build_mirror_pad_grad(op):
    off = 1 if op.attrs["mode"] == "REFLECT" else 0

    def run(g, paddings):
        p = _check_pads(g, paddings)
        out = g
        for axis, (a, b) in enumerate(p):
            m = np.moveaxis(out, axis, 0)
            n = m.shape[0] - a - b
            core = m[a : a + n].copy()
            if a:
                core[off : off + a] += m[:a][::-1]
            if b:
                core[n - off - b : n - off] += m[a + n :][::-1]
            out = np.moveaxis(core, 0, axis)
        return _contiguous(out)

    return run


def _infer_mirror_pad_grad(inputs, attrs):
    g, pad_t = inputs
    dims = g.shape.as_tuple()
    pads = constant_value(pad_t)
    if dims is None:
        return [_unknown_rank(_dtype_of(g))]
    if pads is None:
        return [(_dtype_of(g), (None,) * len(dims))]
    pads = np.asarray(pads).reshape(-1, 2).tolist()
    return [
        (_dtype_of(g), tuple(None if d is None else d - int(a) - int(b) for d, (a, b) in zip(dims, pads)))
    ]


simple_op(
    "MirrorPad",
    _infer_pad,
    build=_build_mirror_pad,
    grad=lambda op, grad: [
        _mirror_pad_op(None, grad, op.inputs[1], op.get_attr("mode"), "MirrorPadGrad"),
        None,
    ],
)
simple_op(
    "MirrorPadGrad",
    _infer_mirror_pad_grad,
    build=_build_mirror_pad_grad,
    grad=lambda op, grad: [_mirror_pad_op(None, grad, op.inputs[1], op.get_attr("mode"), "MirrorPad"), None],
)


def _mirror_pad_op(_unused, x, paddings, mode, op_type, name=None):
    with op_scope(name, op_type, [x, paddings]) as scope:
        return create_in_scope(op_type, [x, paddings], {"mode": mode}, scope)._outputs[0]


def pad(tensor, paddings, mode: str = "CONSTANT", name: str | None = None, constant_values=0) -> Tensor:
    """``tf.pad``: CONSTANT (Pad, or PadV2 with constant_values), REFLECT and SYMMETRIC (MirrorPad)."""
    mode_u = mode.upper() if isinstance(mode, str) else mode
    if mode_u == "CONSTANT":
        if not constant_op.is_tensor(constant_values) and np.all(np.asarray(constant_values) == 0):
            with op_scope(name, "Pad", [tensor, paddings]) as scope:
                x = convert_to_tensor(tensor, name="input")
                p = convert_to_tensor(
                    paddings, dtype=None if constant_op.is_tensor(paddings) else dtypes.int32, name="paddings"
                )
                return create_in_scope("Pad", [x, p], None, scope)._outputs[0]
        with op_scope(name, "PadV2", [tensor, paddings, constant_values]) as scope:
            x = convert_to_tensor(tensor, name="input")
            p = convert_to_tensor(
                paddings, dtype=None if constant_op.is_tensor(paddings) else dtypes.int32, name="paddings"
            )
            c = convert_to_tensor(constant_values, dtype=x.dtype.base_dtype, name="constant_values")
            return create_in_scope("PadV2", [x, p, c], None, scope)._outputs[0]
    if mode_u in ("REFLECT", "SYMMETRIC"):
        with op_scope(name, "MirrorPad", [tensor, paddings]) as scope:
            x = convert_to_tensor(tensor, name="input")
            p = convert_to_tensor(
                paddings, dtype=None if constant_op.is_tensor(paddings) else dtypes.int32, name="paddings"
            )
            return create_in_scope("MirrorPad", [x, p], {"mode": mode_u}, scope)._outputs[0]
    raise ValueError(f"Unknown padding mode: {mode}")


# -- gather / scatter -----------------------------------------------------------------------------
def _index_text(flat_i: int, shape: tuple) -> str:
    if len(shape) <= 1:
        return str(flat_i)
    return ",".join(str(int(v)) for v in np.unravel_index(flat_i, shape))


def _check_indices(idx: np.ndarray, n: int) -> None:
    """TF's "indices[3] = 10 is not in [0, 10)" for the first out-of-range index."""
    if idx.size == 0:
        return
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        raise _bad(f"indices[{_index_text(i, idx.shape)}] = {idx.reshape(-1)[i]} is not in [0, {n})")


def _infer_gather(inputs, attrs):
    params, idx, axis_t = inputs
    dt = _dtype_of(params)
    if not idx.dtype.base_dtype.is_integer:
        raise TypeError(
            f"Value passed to parameter 'indices' has DataType {idx.dtype.base_dtype.name} not in list "
            "of allowed values: int32, int64"
        )
    pd, idd = params.shape.as_tuple(), idx.shape.as_tuple()
    axis = _const_int(axis_t)
    if pd is None or idd is None:
        return [_unknown_rank(dt)]
    nd = len(pd)
    if axis is None:
        return [(dt, (None,) * (nd - 1 + len(idd)))]
    if nd == 0 or not -nd <= axis < nd:
        need = axis + 1 if axis >= 0 else -axis
        raise InferenceError(f"Shape must be at least rank {need} but is rank {nd}")
    a = axis % nd
    return [(dt, pd[:a] + idd + pd[a + 1 :])]


def _gather_kernel(params, indices, axis):
    a = int(axis)
    nd = params.ndim
    if not -nd <= a < nd:
        raise _bad(f"Expected axis in the range [{-nd}, {nd}), but got {a}")
    a %= nd
    _check_indices(indices, params.shape[a])
    return np.take(params, indices, axis=a)


def _gather_grad(op, grad):
    params, idx, axis_t = op.inputs
    axis = _const_int(axis_t)
    pd, idd = params.shape.as_tuple(), idx.shape.as_tuple()
    if axis is None or pd is None or idd is None:
        raise NotImplementedError("the gradient of tf.gather needs a static axis and known ranks")
    a = axis % len(pd)
    pshape = shape(params, out_type=idx.dtype.base_dtype)
    ri = len(idd)
    if a == 0:
        return [scatter_nd(expand_dims(idx, -1), grad, pshape), None, None]
    # grad: A + I + B -> I + A + B, scatter into [N] + A + B, then move N back to position a.
    gperm = (
        list(builtins.range(a, a + ri))
        + list(builtins.range(a))
        + list(builtins.range(a + ri, len(pd) - 1 + ri))
    )
    g_t = transpose(grad, gperm)
    pperm = [a] + list(builtins.range(a)) + list(builtins.range(a + 1, len(pd)))
    out = scatter_nd(expand_dims(idx, -1), g_t, gather(pshape, pperm))
    return [transpose(out, [int(i) for i in np.argsort(pperm)]), None, None]


simple_op("GatherV2", _infer_gather, _gather_kernel, grad=_gather_grad)
register_constant_folder("GatherV2", _fold_with_kernel)


def gather(
    params, indices, validate_indices=None, name: str | None = None, axis=None, batch_dims: int = 0
) -> Tensor:
    """``tf.gather`` (GatherV2); out-of-range indices raise InvalidArgumentError."""
    if batch_dims != 0:
        raise NotImplementedError("tf.gather with batch_dims != 0 is not supported yet")
    with op_scope(name, "GatherV2", [params, indices]) as scope:
        p = convert_to_tensor(params, name="params")
        i = convert_to_tensor(indices, name="indices")
        ax = convert_to_tensor(
            0 if axis is None else axis,
            dtype=None if constant_op.is_tensor(axis) else dtypes.int32,
            name="axis",
        )
        return create_in_scope("GatherV2", [p, i, ax], None, scope)._outputs[0]


def _rows_of(indices, outer_shape, what: str, text_shape) -> np.ndarray:
    """Flat row numbers of ``[..., k]`` coordinates into ``outer_shape``; TF's error when out of range."""
    k = indices.shape[-1]
    flat = indices.reshape(-1, k).astype(np.int64, copy=False)
    dims = np.asarray(outer_shape, dtype=np.int64)
    if flat.size:
        bad = ((flat < 0) | (flat >= dims)).any(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            coords = ", ".join(str(int(v)) for v in flat[i])
            raise _bad(
                f"indices[{_index_text(i, indices.shape[:-1])}] = [{coords}] does not index into "
                f"{what} {_dims_text(text_shape)}"
            )
    if k == 0:
        return np.zeros(flat.shape[0], dtype=np.int64)
    strides = np.ones(k, dtype=np.int64)
    for j in builtins.range(k - 2, -1, -1):
        strides[j] = strides[j + 1] * dims[j + 1]
    return flat @ strides


def _infer_gather_nd(inputs, attrs):
    params, idx = inputs
    dt = _dtype_of(params)
    pd, idd = params.shape.as_tuple(), idx.shape.as_tuple()
    if idd is None or pd is None:
        return [_unknown_rank(dt)]
    if not idd:
        raise InferenceError("Shape must be at least rank 1 but is rank 0")
    k = idd[-1]
    if k is None:
        return [_unknown_rank(dt)]
    if k > len(pd):
        raise InferenceError(
            f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
            f"{_dims_text(idd)} and params shape: {_dims_text(pd)}"
        )
    return [(dt, idd[:-1] + pd[k:])]


def _gather_nd_kernel(params, indices):
    if indices.ndim == 0:
        raise _bad("indices must be at least a vector")
    k = indices.shape[-1]
    if k > params.ndim:
        raise _bad(f"index innermost dimension length must be <= params rank; saw: {k} vs. {params.ndim}")
    rows = _rows_of(indices, params.shape[:k], "param shape", params.shape)
    inner = params.shape[k:]
    flat = params.reshape((-1,) + inner) if k else params.reshape((1,) + inner)
    return flat[rows].reshape(indices.shape[:-1] + inner)


def _gather_nd_grad(op, grad):
    params, idx = op.inputs
    return [scatter_nd(idx, grad, shape(params, out_type=idx.dtype.base_dtype)), None]


simple_op("GatherNd", _infer_gather_nd, _gather_nd_kernel, grad=_gather_nd_grad)


def gather_nd(params, indices, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """``tf.gather_nd``: slices of ``params`` at the ``[..., k]`` coordinates of ``indices``."""
    if batch_dims != 0:
        raise NotImplementedError("tf.gather_nd with batch_dims != 0 is not supported yet")
    with op_scope(name, "GatherNd", [params, indices]) as scope:
        p = convert_to_tensor(params, name="params")
        i = convert_to_tensor(indices, name="indices")
        return create_in_scope("GatherNd", [p, i], None, scope)._outputs[0]


def _infer_scatter_nd(inputs, attrs):
    idx, upd, shape_t = inputs
    dt = _dtype_of(upd)
    if shape_t.dtype.base_dtype != idx.dtype.base_dtype:
        raise TypeError(
            f"Input 'shape' of 'ScatterNd' Op has type {shape_t.dtype.base_dtype.name} that does "
            f"not match type {idx.dtype.base_dtype.name} of argument 'indices'."
        )
    out = partial_shape_value(shape_t)
    if out is None:
        return [_unknown_rank(dt)]
    idd, ud = idx.shape.as_tuple(), upd.shape.as_tuple()
    if idd is not None and ud is not None and idd and idd[-1] is not None and None not in out:
        k = idd[-1]
        want = tuple(idd[:-1]) + tuple(out[k:])
        if len(want) != len(ud) or any(p is not None and q is not None and p != q for p, q in zip(want, ud)):
            raise InferenceError(
                f"Dimensions [{len(idd) - 1},{len(ud)}) of updates[shape={_dims_text(ud)}] = "
                f"{_dims_text(ud[len(idd) - 1 :])} must match dimensions [{k},{len(out)}) of "
                f"output[shape={_dims_text(out)}] = {_dims_text(out[k:])}"
            )
    return [(dt, out)]


def _scatter_nd_kernel(indices, updates, shape_v):
    from graphflow.kernels import array as ak

    out_shape = tuple(int(v) for v in shape_v.reshape(-1).tolist())
    k = indices.shape[-1]
    if indices.shape[:-1] + out_shape[k:] != updates.shape:
        raise _bad(
            f"Dimensions of updates {_dims_text(updates.shape)} must match indices.shape[:-1] + "
            f"shape[indices.shape[-1]:] = {_dims_text(indices.shape[:-1] + out_shape[k:])}"
        )
    rows = _rows_of(indices, out_shape[:k], "shape", out_shape)
    inner = int(np.prod(out_shape[k:])) if out_shape[k:] else 1
    outer = int(np.prod(out_shape[:k])) if k else 1
    out = np.zeros((outer, inner), dtype=updates.dtype)
    ak.scatter_add(out, rows, updates.reshape(-1, inner))
    return out.reshape(out_shape)


def _scatter_nd_grad(op, grad):
    idx = op.inputs[0]
    return [None, gather_nd(grad, idx), None]


simple_op("ScatterNd", _infer_scatter_nd, _scatter_nd_kernel, grad=_scatter_nd_grad)


def scatter_nd(indices, updates, shape, name: str | None = None) -> Tensor:  # noqa: F811 - TF's name
    """``tf.scatter_nd``: a zero tensor of ``shape`` with ``updates`` summed in at ``indices``."""
    with op_scope(name, "ScatterNd", [indices, updates, shape]) as scope:
        i = convert_to_tensor(indices, name="indices")
        u = convert_to_tensor(updates, name="updates")
        s = convert_to_tensor(
            shape, dtype=None if constant_op.is_tensor(shape) else i.dtype.base_dtype, name="shape"
        )
        return create_in_scope("ScatterNd", [i, u, s], None, scope)._outputs[0]


# -- one_hot --------------------------------------------------------------------------------------
def _infer_one_hot(inputs, attrs):
    idx, depth_t, on, off = inputs
    if on.dtype.base_dtype != off.dtype.base_dtype:
        raise TypeError(
            f"Input 'off_value' of 'OneHot' Op has type {off.dtype.base_dtype.name} that does not "
            f"match type {on.dtype.base_dtype.name} of argument 'on_value'."
        )
    dt = _dtype_of(on)
    axis = attrs["axis"]
    dims = idx.shape.as_tuple()
    depth = _const_int(depth_t)
    if dims is None:
        return [_unknown_rank(dt)]
    if axis < -1 or axis > len(dims):
        raise InferenceError(f"Expected axis to be -1 or between [0, {len(dims) + 1}).  But received: {axis}")
    a = len(dims) if axis == -1 else axis
    return [(dt, dims[:a] + (depth,) + dims[a:])]


def _build_one_hot(op):
    axis = op.attrs["axis"]

    def run(indices, depth, on, off):
        d = int(depth)
        if d < 0:
            raise _bad(f"depth must be non-negative, got: {d}")
        hit = indices[..., None] == np.arange(d, dtype=indices.dtype)
        out = np.where(hit, on, off).astype(on.dtype, copy=False)
        if axis != -1 and axis != indices.ndim:
            out = _contiguous(np.moveaxis(out, -1, axis))
        return out

    return run


simple_op("OneHot", _infer_one_hot, build=_build_one_hot, grad=NOT_DIFFERENTIABLE)


def one_hot(
    indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name: str | None = None
) -> Tensor:
    """``tf.one_hot``: float32 by default, else the dtype of on/off values or ``dtype``."""
    with op_scope(name, "one_hot", [indices, depth, on_value, off_value, axis, dtype]) as scope:
        on_exists, off_exists = on_value is not None, off_value is not None
        on_dt = (
            convert_to_tensor(on_value).dtype.base_dtype
            if on_exists and constant_op.is_tensor(on_value)
            else None
        )
        off_dt = (
            convert_to_tensor(off_value).dtype.base_dtype
            if off_exists and constant_op.is_tensor(off_value)
            else None
        )
        if on_exists and on_dt is None:
            on_dt = constant_op.to_numpy(on_value)[1] if dtype is None else dtypes.as_dtype(dtype)
        if off_exists and off_dt is None:
            off_dt = constant_op.to_numpy(off_value)[1] if dtype is None else dtypes.as_dtype(dtype)
        if dtype is not None:
            dt = dtypes.as_dtype(dtype).base_dtype
            if on_exists and on_dt != dt:
                raise TypeError(f"dtype {dt} of on_value does not match dtype parameter {dt}")
            if off_exists and off_dt != dt:
                raise TypeError(f"dtype {off_dt} of off_value does not match dtype parameter {dt}")
        elif on_exists:
            dt = on_dt
        elif off_exists:
            dt = off_dt
        else:
            dt = dtypes.float32
        if on_exists and off_exists and on_dt != off_dt:
            raise TypeError(f"dtype {on_dt} of on_value does not match dtype {off_dt} of off_value")
        on = convert_to_tensor(1 if on_value is None else on_value, dtype=dt, name="on_value")
        off = convert_to_tensor(0 if off_value is None else off_value, dtype=dt, name="off_value")
        idx = convert_to_tensor(indices, name="indices")
        d = convert_to_tensor(depth, dtype=dtypes.int32, name="depth")
        return create_in_scope(
            "OneHot", [idx, d, on, off], {"axis": -1 if axis is None else int(axis)}, scope
        )._outputs[0]


# -- slice ----------------------------------------------------------------------------------------
def _infer_slice(inputs, attrs):
    x, begin_t, size_t = inputs
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    begin = partial_shape_value(begin_t)
    sizes = partial_shape_value(size_t)
    n = (
        len(dims)
        if dims is not None
        else (len(begin) if begin is not None else (len(sizes) if sizes is not None else None))
    )
    if n is None:
        return [_unknown_rank(dt)]
    for v, what in ((begin, "begin"), (sizes, "size")):
        if v is not None and len(v) != n:
            raise InferenceError(f"Shape must be rank {n} but is rank {len(v)} for {what}")
    dims = dims or (None,) * n
    begin = begin or (None,) * n
    sizes = sizes or (None,) * n
    out = []
    for d, b, s in zip(dims, begin, sizes):
        if s is not None and s >= 0:
            out.append(s)
        elif s == -1 and d is not None and b is not None:
            out.append(d - b)
        else:
            out.append(None)
    return [(dt, tuple(out))]


def _slice_kernel(x, begin, size):
    b = [int(v) for v in begin.reshape(-1).tolist()]
    s = [int(v) for v in size.reshape(-1).tolist()]
    if len(b) != x.ndim or len(s) != x.ndim:
        raise _bad(
            f"Expected begin and size arguments to be 1-D tensors of size {x.ndim}, but got shapes "
            f"{_dims_text(begin.shape)} and {_dims_text(size.shape)} instead."
        )
    idx = []
    for i, d in enumerate(x.shape):
        if s[i] == -1:
            s[i] = d - b[i]
        if not 0 <= b[i] <= d:
            raise _bad(f"Expected begin[{i}] in [0, {d}], but got {b[i]}")
        if not 0 <= s[i] <= d - b[i]:
            raise _bad(f"Expected size[{i}] in [0, {d - b[i]}], but got {s[i]}")
        idx.append(builtins.slice(b[i], b[i] + s[i]))
    return _contiguous(x[tuple(idx)])


def _slice_grad(op, grad):
    from graphflow.ops import math_ops

    x, begin_t, _ = op.inputs
    y = op.outputs[0]
    begin = _const_ints(begin_t)
    xd, yd = x.shape.as_tuple(), y.shape.as_tuple()
    if begin is not None and xd is not None and yd is not None and None not in xd and None not in yd:
        pads = [[b, d - b - s] for b, d, s in zip(begin, xd, yd)]
        return [pad(grad, pads), None, None]
    after = math_ops.subtract(math_ops.subtract(shape(x), shape(y)), begin_t)
    pads = stack([begin_t, after], axis=1)
    return [pad(grad, pads), None, None]


simple_op("Slice", _infer_slice, _slice_kernel, grad=_slice_grad, forwards_input=True)
register_constant_folder("Slice", _fold_with_kernel)


def slice(input_, begin, size, name: str | None = None) -> Tensor:  # noqa: A001 - TF's public name
    """``tf.slice``: ``size[i] == -1`` takes everything from ``begin[i]`` on."""
    with op_scope(name, "Slice", [input_, begin, size]) as scope:
        x = convert_to_tensor(input_, name="input")
        b = convert_to_tensor(
            begin, dtype=None if constant_op.is_tensor(begin) else dtypes.int32, name="begin"
        )
        s = convert_to_tensor(
            size, dtype=None if constant_op.is_tensor(size) else b.dtype.base_dtype, name="size"
        )
        return create_in_scope("Slice", [x, b, s], None, scope)._outputs[0]


# -- strided_slice and __getitem__ ----------------------------------------------------------------
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _ss_dense(ndim: int, n: int, attrs: dict) -> list:
    """Expand a sparse slice spec of length ``n`` over a rank-``ndim`` input into one entry per output
    step: ``("new",)``, ``("full",)`` (whole input dim), ``("index", i)`` or ``("slice", i)``."""
    ell, new, shrink = attrs["ellipsis_mask"], attrs["new_axis_mask"], attrs["shrink_axis_mask"]
    ell_bits = [i for i in builtins.range(n) if ell >> i & 1]
    if len(ell_bits) > 1:
        raise InferenceError("Multiple ellipses in slice spec not allowed")
    consuming = sum(1 for i in builtins.range(n) if not (ell >> i & 1) and not (new >> i & 1))
    if consuming > ndim:
        raise InferenceError(f"Index out of range using input dim {ndim}; input has only {ndim} dims")
    entries: list = []
    for i in builtins.range(n):
        if ell >> i & 1:
            entries.extend([("full",)] * (ndim - consuming))
        elif new >> i & 1:
            entries.append(("new",))
        elif shrink >> i & 1:
            entries.append(("index", i))
        else:
            entries.append(("slice", i))
    if not ell_bits:
        entries.extend([("full",)] * (ndim - consuming))
    return entries


def _ss_slice(i: int, attrs: dict, begin, end, strides):
    s = strides[i]
    b = None if attrs["begin_mask"] >> i & 1 else begin[i]
    e = None if attrs["end_mask"] >> i & 1 else end[i]
    return builtins.slice(b, e, s)


def _infer_strided_slice(inputs, attrs):
    x, begin_t, end_t, strides_t = inputs[:4]
    dt = _dtype_of(x)
    dims = x.shape.as_tuple()
    bs = begin_t.shape.as_tuple()
    n = bs[0] if bs else None
    if dims is None or n is None:
        return [_unknown_rank(dt)]
    entries = _ss_dense(len(dims), n, attrs)
    begin, end, strides = (_const_ints(t) for t in (begin_t, end_t, strides_t))
    known = begin is not None and end is not None and strides is not None
    if strides is not None:
        for i, s in enumerate(strides):
            if s == 0:
                raise InferenceError(f"strides[{i}] must be non-zero")
    out = []
    axis = 0
    for e in entries:
        if e[0] == "new":
            out.append(1)
            continue
        d = dims[axis]
        if e[0] == "full":
            out.append(d)
        elif e[0] == "index":
            if begin is not None and d is not None:
                b = begin[e[1]]
                if not -d <= b < d:
                    raise InferenceError(f"slice index {b} of dimension {axis} out of bounds.")
        elif known and d is not None:
            out.append(len(builtins.range(*_ss_slice(e[1], attrs, begin, end, strides).indices(d))))
        elif (
            strides is not None
            and abs(strides[e[1]]) == 1
            and attrs["begin_mask"] >> e[1] & 1
            and attrs["end_mask"] >> e[1] & 1
        ):
            out.append(d)
        else:
            out.append(None)
        axis += 1
    return [(dt, tuple(out))]


def _ss_index(shape_: tuple, attrs: dict, begin, end, strides) -> tuple:
    """The NumPy index tuple for a strided slice of an array of ``shape_`` (TF's runtime checks)."""
    b, e, s = (v.reshape(-1).tolist() for v in (begin, end, strides))
    if not len(b) == len(e) == len(s):
        raise _bad(
            f"Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
            f"{_dims_text(begin.shape)}, {_dims_text(end.shape)}, and {_dims_text(strides.shape)} instead."
        )
    try:
        entries = _ss_dense(len(shape_), len(b), attrs)
    except InferenceError as err:
        raise _bad(str(err)) from None
    idx = []
    axis = 0
    for ent in entries:
        if ent[0] == "new":
            idx.append(np.newaxis)
            continue
        d = shape_[axis]
        if ent[0] == "full":
            idx.append(builtins.slice(None))
        else:
            i = ent[1]
            if s[i] == 0:
                raise _bad(f"strides[{i}] must be non-zero")
            if ent[0] == "index":
                if not -d <= b[i] < d:
                    raise _bad(f"slice index {b[i]} of dimension {axis} out of bounds.")
                idx.append(int(b[i]))
            else:
                idx.append(_ss_slice(i, attrs, b, e, s))
        axis += 1
    return tuple(idx)


def _build_strided_slice(op):
    attrs = {k: op.attrs[k] for k in _MASKS}

    def run(x, begin, end, strides):
        return _contiguous(x[_ss_index(x.shape, attrs, begin, end, strides)])

    return run


def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    masks = {k: op.get_attr(k) for k in _MASKS}
    return [
        strided_slice_grad(shape(x, out_type=begin.dtype.base_dtype), begin, end, strides, grad, **masks),
        None,
        None,
        None,
    ]


simple_op(
    "StridedSlice",
    _infer_strided_slice,
    build=_build_strided_slice,
    grad=_strided_slice_grad,
    forwards_input=True,
)
register_constant_folder("StridedSlice", _fold_with_kernel)


def _infer_strided_slice_grad(inputs, attrs):
    shape_t, dy = inputs[0], inputs[4]
    out = partial_shape_value(shape_t)
    return [(_dtype_of(dy), tensor_shape.unknown_shape() if out is None else out)]


def _build_strided_slice_grad(op):
    attrs = {k: op.attrs[k] for k in _MASKS}

    def run(shape_v, begin, end, strides, dy):
        out = np.zeros(tuple(int(v) for v in shape_v.reshape(-1).tolist()), dtype=dy.dtype)
        out[_ss_index(out.shape, attrs, begin, end, strides)] = dy
        return out

    return run


def _strided_slice_grad_grad(op, grad):
    _, begin, end, strides, _ = op.inputs
    masks = {k: op.get_attr(k) for k in _MASKS}
    return [None, None, None, None, strided_slice(grad, begin, end, strides, **masks)]


simple_op(
    "StridedSliceGrad",
    _infer_strided_slice_grad,
    build=_build_strided_slice_grad,
    grad=_strided_slice_grad_grad,
)


def strided_slice_grad(
    shape,
    begin,
    end,
    strides,
    dy,
    begin_mask=0,
    end_mask=0,
    ellipsis_mask=0,  # noqa: F811
    new_axis_mask=0,
    shrink_axis_mask=0,
    name: str | None = None,
) -> Tensor:
    """The gradient of StridedSlice: ``dy`` written into zeros of ``shape``."""
    attrs = dict(
        begin_mask=begin_mask,
        end_mask=end_mask,
        ellipsis_mask=ellipsis_mask,
        new_axis_mask=new_axis_mask,
        shrink_axis_mask=shrink_axis_mask,
    )
    with op_scope(name, "StridedSliceGrad", [shape, begin, end, strides, dy]) as scope:
        return create_in_scope("StridedSliceGrad", [shape, begin, end, strides, dy], attrs, scope)._outputs[0]


def strided_slice(
    input_,
    begin,
    end,
    strides=None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var=None,
    name: str | None = None,
) -> Tensor:
    """``tf.strided_slice`` with TF's five bit masks."""
    with op_scope(name, "StridedSlice", [input_, begin, end, strides]) as scope:
        x = convert_to_tensor(input_, name="input")
        b = convert_to_tensor(
            begin, dtype=None if constant_op.is_tensor(begin) else dtypes.int32, name="begin"
        )
        e = convert_to_tensor(
            end, dtype=None if constant_op.is_tensor(end) else b.dtype.base_dtype, name="end"
        )
        if strides is None:
            bv = constant_value(b)
            s = constant(np.ones_like(bv), name="strides") if bv is not None else ones_like(b)
        else:
            s = convert_to_tensor(
                strides, dtype=None if constant_op.is_tensor(strides) else b.dtype.base_dtype, name="strides"
            )
        attrs = dict(
            begin_mask=int(begin_mask),
            end_mask=int(end_mask),
            ellipsis_mask=int(ellipsis_mask),
            new_axis_mask=int(new_axis_mask),
            shrink_axis_mask=int(shrink_axis_mask),
        )
        return create_in_scope("StridedSlice", [x, b, e, s], attrs, scope)._outputs[0]


_SLICE_TYPE_ERROR = (
    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
    "tf.int32/tf.int64 tensors are valid indices"
)


def _check_index(idx) -> None:
    if isinstance(idx, bool):
        raise TypeError(_SLICE_TYPE_ERROR + f", got {idx!r}")
    if isinstance(idx, (int, np.integer, tensor_shape.Dimension)):
        return
    dt = getattr(idx, "dtype", None)
    if (
        not constant_op.is_tensor(idx)
        or dt is None
        or dt.base_dtype not in (dtypes.int32, dtypes.int64)
        or (idx.shape.ndims is not None and idx.shape.ndims != 0)
    ):
        raise TypeError(_SLICE_TYPE_ERROR + f", got {idx!r}")


def _index_value(v):
    if isinstance(v, tensor_shape.Dimension):
        return v.value
    if isinstance(v, np.integer):
        return int(v)
    return v


def _slice_helper(tensor, slice_spec, var=None) -> Tensor:
    """``Tensor.__getitem__`` (TF's ``_slice_helper``): ints, slices, ``...``, ``tf.newaxis``, scalar
    int tensors; a bool mask (tensor or array) goes to ``boolean_mask``."""
    if (
        isinstance(slice_spec, bool)
        or (isinstance(slice_spec, Tensor) and slice_spec.dtype == dtypes.bool)
        or (isinstance(slice_spec, np.ndarray) and slice_spec.dtype == bool)
    ):
        return boolean_mask(tensor, slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for index, s in enumerate(slice_spec):
        bit = 1 << index
        if isinstance(s, builtins.slice):
            start, stop, step = (_index_value(v) for v in (s.start, s.stop, s.step))
            if start is not None:
                _check_index(start)
                begin.append(start)
            else:
                begin.append(0)
                masks["begin_mask"] |= bit
            if stop is not None:
                _check_index(stop)
                end.append(stop)
            else:
                end.append(0)
                masks["end_mask"] |= bit
            if step is not None:
                _check_index(step)
                strides.append(step)
            else:
                strides.append(1)
        elif s is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            s = _index_value(s)
            _check_index(s)
            begin.append(s)
            end.append(s + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with op_scope(None, "strided_slice", [tensor]) as scope:
        if begin:
            packed = stack(begin), stack(end), stack(strides)
        else:
            empty = constant([], dtype=dtypes.int32)
            packed = empty, empty, empty
        return strided_slice(tensor, *packed, name=scope, **masks)


Tensor.__getitem__ = _slice_helper
Tensor._SliceHelper = staticmethod(_slice_helper)


# -- reverse --------------------------------------------------------------------------------------
def _infer_reverse(inputs, attrs):
    x, axis_t = inputs
    dims = x.shape.as_tuple()
    axes = _const_ints(axis_t)
    if dims is not None and axes is not None:
        for a in axes:
            if not -len(dims) <= a < len(dims):
                raise InferenceError(f"'axis'[0] = {a} is out of valid range [0, {len(dims) - 1}")
    return [(_dtype_of(x), x.shape)]


def _reverse_kernel(x, axis):
    axes = [int(a) for a in axis.reshape(-1).tolist()]
    nd = x.ndim
    norm = []
    for i, a in enumerate(axes):
        if not -nd <= a < nd:
            raise _bad(f"'axis'[{i}] = {a} is out of valid range [0, {nd - 1}")
        if a % nd in norm:
            raise _bad(f"axis {a % nd} specified more than once.")
        norm.append(a % nd)
    return _contiguous(np.flip(x, axis=tuple(norm))) if norm else x


simple_op(
    "ReverseV2", _infer_reverse, _reverse_kernel, grad=lambda op, grad: [reverse(grad, op.inputs[1]), None]
)


def reverse(tensor, axis, name: str | None = None) -> Tensor:
    """``tf.reverse(tensor, axis)`` (ReverseV2)."""
    with op_scope(name, "ReverseV2", [tensor, axis]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        a = convert_to_tensor(axis, dtype=None if constant_op.is_tensor(axis) else dtypes.int32, name="axis")
        return create_in_scope("ReverseV2", [x, a], None, scope)._outputs[0]


reverse_v2 = reverse


def _infer_reverse_sequence(inputs, attrs):
    x, lens = inputs
    dims = x.shape.as_tuple()
    if dims is not None:
        for k in ("seq_dim", "batch_dim"):
            if not 0 <= attrs[k] < len(dims):
                raise InferenceError(f"Invalid {k} {attrs[k]}")
        if attrs["seq_dim"] == attrs["batch_dim"]:
            raise InferenceError(f"seq_dim and batch_dim must not be the same value: {attrs['seq_dim']}")
    return [(_dtype_of(x), x.shape)]


def _build_reverse_sequence(op):
    sd, bd = op.attrs["seq_dim"], op.attrs["batch_dim"]

    def run(x, lens):
        if lens.shape != (x.shape[bd],):
            raise _bad(f"Length of seq_lengths != input.dims({bd}), ({lens.size} vs. {x.shape[bd]})")
        if (lens > x.shape[sd]).any():
            i = int(np.flatnonzero(lens > x.shape[sd])[0])
            raise _bad(f"seq_lengths[{i}] > input.dims({sd})")
        if (lens < 0).any():
            raise _bad(f"seq_lengths[{int(np.flatnonzero(lens < 0)[0])}] must be >= 0")
        t = np.arange(x.shape[sd])
        src = np.where(t[None, :] < lens[:, None], lens[:, None] - 1 - t[None, :], t[None, :])  # [batch, seq]
        shape_ = [1] * x.ndim
        shape_[bd], shape_[sd] = x.shape[bd], x.shape[sd]
        order = sorted((bd, sd))
        src_b = src if order == [bd, sd] else src.T
        src_b = src_b.reshape(shape_)
        return np.take_along_axis(x, np.broadcast_to(src_b, x.shape), axis=sd)

    return run


simple_op(
    "ReverseSequence",
    _infer_reverse_sequence,
    build=_build_reverse_sequence,
    grad=lambda op, grad: [
        reverse_sequence(
            grad, op.inputs[1], seq_axis=op.get_attr("seq_dim"), batch_axis=op.get_attr("batch_dim")
        ),
        None,
    ],
)


def reverse_sequence(
    input,
    seq_lengths,
    seq_axis=None,
    batch_axis=None,
    name: str | None = None,  # noqa: A002
    seq_dim=None,
    batch_dim=None,
) -> Tensor:
    """``tf.reverse_sequence``: reverse the first ``seq_lengths[b]`` entries along ``seq_axis``."""
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    with op_scope(name, "ReverseSequence", [input, seq_lengths]) as scope:
        x = convert_to_tensor(input, name="input")
        lens = convert_to_tensor(
            seq_lengths,
            dtype=None if constant_op.is_tensor(seq_lengths) else dtypes.int64,
            name="seq_lengths",
        )
        nd = x.shape.ndims
        sd, bd = int(seq_axis), int(batch_axis)
        if nd is not None:
            sd, bd = sd % nd, bd % nd
        return create_in_scope(
            "ReverseSequence", [x, lens], {"seq_dim": sd, "batch_dim": bd}, scope
        )._outputs[0]


# -- where / select -------------------------------------------------------------------------------
def _infer_select(inputs, attrs):
    c, x, y = inputs
    op_util.same_dtype_check("Select", [x, y], ("t", "e"))
    if not x.shape.is_compatible_with(y.shape):
        raise InferenceError(tensor_mod.shape_mismatch_text(x.shape, y.shape))
    out = x.shape.merge_with(y.shape)
    cd, od = c.shape.as_tuple(), out.as_tuple()
    if cd is not None and od is not None:
        if len(cd) == 1 and len(od) > 1:
            if cd[0] is not None and od[0] is not None and cd[0] != od[0]:
                raise InferenceError(
                    f"Dimension 0 in both shapes must be equal, but are {cd[0]} and {od[0]}. "
                    f"Shapes are [{cd[0]}] and [{od[0]}]."
                )
            if od[0] is None:
                out = tensor_shape.as_shape((cd[0],) + od[1:])
        elif len(cd) != 0 or len(od) == 0:
            if not c.shape.is_compatible_with(out):
                raise InferenceError(tensor_mod.shape_mismatch_text(c.shape, out))
            out = out.merge_with(c.shape)
    return [(_dtype_of(x), out)]


def _select_kernel(c, x, y):
    if x.shape != y.shape:
        raise _bad(
            f"'then' and 'else' must have the same size.  but are: {_dims_text(x.shape)} vs. "
            f"{_dims_text(y.shape)}"
        )
    if c.ndim == 0:
        return (x if c else y).copy()
    if c.shape == x.shape:
        return np.where(c, x, y)
    if c.ndim == 1 and x.ndim > 1:
        if c.shape[0] != x.shape[0]:
            raise _bad(
                f"Number of batches of 'then' must match size of 'cond', but saw: {x.shape[0]} vs. "
                f"{c.shape[0]}"
            )
        return np.where(c.reshape((-1,) + (1,) * (x.ndim - 1)), x, y)
    raise _bad(
        f"'cond' and 'then' must have the same size.  but are: {_dims_text(c.shape)} vs. "
        f"{_dims_text(x.shape)}"
    )


def _select_grad(op, grad):
    c, x, _ = op.inputs
    zeros = zeros_like(x)
    return [None, where(c, grad, zeros), where(c, zeros, grad)]


simple_op("Select", _infer_select, _select_kernel, grad=_select_grad)


def _infer_select_v2(inputs, attrs):
    c, x, y = inputs
    op_util.same_dtype_check("SelectV2", [x, y], ("t", "e"))
    dims = op_util.broadcast_dims(
        op_util.broadcast_dims(c.shape.as_tuple(), x.shape.as_tuple()), y.shape.as_tuple()
    )
    return [(x.dtype.base_dtype, tensor_shape.as_shape(dims))]


def _select_v2_kernel(c, x, y):
    try:
        return np.where(c, x, y)
    except ValueError:
        raise _bad(
            f"condition {_dims_text(c.shape)}, then {_dims_text(x.shape)}, and else "
            f"{_dims_text(y.shape)} must be broadcastable"
        ) from None


def _select_v2_grad(op, grad):
    from graphflow.ops.grad_util import unbroadcast

    c, x, y = op.inputs
    z = zeros_like(grad)
    return [None, unbroadcast(where_v2(c, grad, z), x), unbroadcast(where_v2(c, z, grad), y)]


simple_op("SelectV2", _infer_select_v2, _select_v2_kernel, grad=_select_v2_grad)


def where(condition, x=None, y=None, name: str | None = None) -> Tensor:
    """TF1 ``tf.where``: 1 argument gives int64 coordinates of true elements; 3 arguments select
    (Select: ``condition`` is a scalar, x's shape, or a vector selecting rows of x)."""
    if x is None and y is None:
        return where_indices(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with op_scope(name, "Select", [condition, x, y]) as scope:
        c = convert_to_tensor(condition, dtype=dtypes.bool, name="condition")
        x, y = op_util.convert_binary_inputs("Select", x, y, ("t", "e"))
        return create_in_scope("Select", [c, x, y], None, scope)._outputs[0]


def where_v2(condition, x=None, y=None, name: str | None = None) -> Tensor:
    """``tf.where_v2``: 3-argument select with NumPy broadcasting (SelectV2)."""
    if x is None and y is None:
        return where_indices(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with op_scope(name, "SelectV2", [condition, x, y]) as scope:
        c = convert_to_tensor(condition, dtype=dtypes.bool, name="condition")
        x, y = op_util.convert_binary_inputs("SelectV2", x, y, ("t", "e"))
        return create_in_scope("SelectV2", [c, x, y], None, scope)._outputs[0]


def _infer_where(inputs, attrs):
    nd = inputs[0].shape.ndims
    return [(dtypes.int64, (None, nd))]


simple_op("Where", _infer_where, lambda x: np.argwhere(x).astype(np.int64), grad=NOT_DIFFERENTIABLE)


def where_indices(condition, name: str | None = None) -> Tensor:
    """1-argument ``tf.where``: the int64 ``[num_true, rank]`` coordinates of true (non-zero) elements."""
    with op_scope(name, "Where", [condition]) as scope:
        c = convert_to_tensor(condition, name="condition")
        return create_in_scope("Where", [c], None, scope)._outputs[0]


# -- linspace / unique ----------------------------------------------------------------------------
def _infer_linspace(inputs, attrs):
    start, stop, num_t = inputs
    for t, what in ((start, "start"), (stop, "stop")):
        if t.dtype.base_dtype not in (dtypes.float32, dtypes.float64, dtypes.bfloat16, dtypes.float16):
            raise TypeError(
                f"Value passed to parameter '{what}' has DataType {t.dtype.base_dtype.name} not in "
                "list of allowed values: bfloat16, float32, float64"
            )
    op_util.same_dtype_check("LinSpace", [start, stop], ("start", "stop"))
    for t in (start, stop, num_t):
        if t.shape.ndims not in (None, 0):
            raise InferenceError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
    return [(_dtype_of(start), (_const_int(num_t),))]


def _build_linspace(op):
    np_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(start, stop, num):
        n = int(num)
        if n <= 0:
            raise _bad(f"Requires num > 0: {n}")
        return np.linspace(start, stop, n, dtype=np_dt)

    return run


simple_op("LinSpace", _infer_linspace, build=_build_linspace, grad=NOT_DIFFERENTIABLE)
register_constant_folder("LinSpace", _fold_with_kernel)


def linspace(start, stop, num, name: str | None = None) -> Tensor:
    """``tf.linspace`` / ``tf.lin_space`` (LinSpace): ``num`` evenly spaced floats."""
    with op_scope(name, "LinSpace", [start, stop, num]) as scope:
        a = convert_to_tensor(start, name="start")
        b = convert_to_tensor(
            stop, dtype=a.dtype.base_dtype if not constant_op.is_tensor(stop) else None, name="stop"
        )
        n = convert_to_tensor(num, dtype=None if constant_op.is_tensor(num) else dtypes.int32, name="num")
        return create_in_scope("LinSpace", [a, b, n], None, scope)._outputs[0]


lin_space = linspace


def _infer_unique(inputs, attrs):
    x = inputs[0]
    if x.shape.ndims not in (None, 1):
        raise InferenceError(f"Shape must be rank 1 but is rank {x.shape.ndims}")
    return [(_dtype_of(x), (None,)), (attrs["out_idx"], x.shape)]


def _build_unique(op):
    np_idx = op.attrs["out_idx"].as_numpy_dtype

    def run(x):
        if x.ndim != 1:
            raise _bad("unique expects a 1D vector.")
        if x.size == 0:
            return x.copy(), np.zeros(0, dtype=np_idx)
        uniq, first, inv = np.unique(x, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank_of = np.empty_like(order)
        rank_of[order] = np.arange(order.size)
        return uniq[order], rank_of[inv.reshape(-1)].astype(np_idx)

    return run


simple_op("Unique", _infer_unique, build=_build_unique, grad=NOT_DIFFERENTIABLE)


def unique(x, out_idx=dtypes.int32, name: str | None = None) -> tuple:
    """``tf.unique``: ``(y, idx)`` with y in order of first occurrence and ``x == gather(y, idx)``."""
    with op_scope(name, "Unique", [x]) as scope:
        t = convert_to_tensor(x, name="x")
        op = create_in_scope("Unique", [t], {"out_idx": dtypes.as_dtype(out_idx)}, scope)
        return _UniqueOutput(op.outputs[0], op.outputs[1])


_UniqueOutput = collections.namedtuple("Unique", ["y", "idx"])


# -- diagonals ------------------------------------------------------------------------------------
def _infer_diag(inputs, attrs):
    d = inputs[0].shape.as_tuple()
    if d is not None and not d:
        raise InferenceError("Shape must be at least rank 1 but is rank 0")
    return [(_dtype_of(inputs[0]), None if d is None else d + d)]


def _diag_kernel(x):
    n = x.size
    out = np.zeros((n, n), dtype=x.dtype)
    out[np.arange(n), np.arange(n)] = x.reshape(-1)
    return out.reshape(x.shape + x.shape)


def _infer_diag_part(inputs, attrs):
    d = inputs[0].shape.as_tuple()
    if d is None:
        return [_unknown_rank(_dtype_of(inputs[0]))]
    if len(d) % 2 or not d:
        raise InferenceError(f"Input must have even rank <= 6, input rank is {len(d)}")
    k = len(d) // 2
    out = []
    for a, b in zip(d[:k], d[k:]):
        if a is not None and b is not None and a != b:
            raise InferenceError(f"Dimensions must be equal, but are {a} and {b}")
        out.append(a if a is not None else b)
    return [(_dtype_of(inputs[0]), tuple(out))]


def _diag_part_kernel(x):
    k = x.ndim // 2
    if x.ndim % 2 or x.shape[:k] != x.shape[k:]:
        raise _bad(f"Invalid shape {_dims_text(x.shape)}: dimensions must match the first half")
    n = int(np.prod(x.shape[:k])) if k else 1
    return x.reshape(n, n)[np.arange(n), np.arange(n)].reshape(x.shape[:k])


simple_op("Diag", _infer_diag, _diag_kernel, grad=lambda op, grad: [diag_part(grad)])
simple_op("DiagPart", _infer_diag_part, _diag_part_kernel, grad=lambda op, grad: [diag(grad)])


def diag(diagonal, name: str | None = None) -> Tensor:
    """``tf.diag``: rank-k ``diagonal`` -> rank-2k tensor."""
    with op_scope(name, "Diag", [diagonal]) as scope:
        x = convert_to_tensor(diagonal, name="diagonal")
        return create_in_scope("Diag", [x], None, scope)._outputs[0]


def diag_part(input, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.diag_part``: the inverse of ``tf.diag``."""
    with op_scope(name, "DiagPart", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        return create_in_scope("DiagPart", [x], None, scope)._outputs[0]


def _infer_matrix_diag(inputs, attrs):
    d = inputs[0].shape.as_tuple()
    if d is not None and not d:
        raise InferenceError("Shape must be at least rank 1 but is rank 0")
    return [(_dtype_of(inputs[0]), None if d is None else d + d[-1:])]


def _matrix_diag_kernel(x):
    n = x.shape[-1]
    out = np.zeros(x.shape + (n,), dtype=x.dtype)
    i = np.arange(n)
    out[..., i, i] = x
    return out


def _infer_matrix_diag_part(inputs, attrs):
    d = inputs[0].shape.as_tuple()
    if d is None:
        return [_unknown_rank(_dtype_of(inputs[0]))]
    if len(d) < 2:
        raise InferenceError(f"Shape must be at least rank 2 but is rank {len(d)}")
    m, n = d[-2:]
    k = min(m, n) if m is not None and n is not None else None
    return [(_dtype_of(inputs[0]), d[:-2] + (k,))]


def _matrix_diag_part_kernel(x):
    if x.ndim < 2:
        raise _bad(f"input must be at least 2-dim, received shape: {_dims_text(x.shape)}")
    return _contiguous(np.diagonal(x, axis1=-2, axis2=-1))


def _infer_matrix_set_diag(inputs, attrs):
    x, dg = inputs
    d = x.shape.as_tuple()
    if d is not None and len(d) < 2:
        raise InferenceError(f"Shape must be at least rank 2 but is rank {len(d)}")
    op_util.same_dtype_check("MatrixSetDiag", [x, dg], ("input", "diagonal"))
    return [(_dtype_of(x), x.shape)]


def _matrix_set_diag_kernel(x, dg):
    k = min(x.shape[-2:])
    if dg.shape != x.shape[:-2] + (k,):
        raise _bad(
            f"must have diagonal.shape == input.shape[:-2] + min(input.shape[-2:]), but received input "
            f"shape: {_dims_text(x.shape)} and diagonal shape: {_dims_text(dg.shape)}"
        )
    out = x.copy()
    i = np.arange(k)
    out[..., i, i] = dg
    return out


def _matrix_diag_part_grad(op, grad):
    x = op.inputs[0]
    d = x.shape.as_tuple()
    if d is not None and d[-1] is not None and d[-1] == d[-2]:
        return [matrix_diag(grad)]
    return [matrix_set_diag(zeros_like(x), grad)]


simple_op(
    "MatrixDiag", _infer_matrix_diag, _matrix_diag_kernel, grad=lambda op, grad: [matrix_diag_part(grad)]
)
simple_op("MatrixDiagPart", _infer_matrix_diag_part, _matrix_diag_part_kernel, grad=_matrix_diag_part_grad)
simple_op(
    "MatrixSetDiag",
    _infer_matrix_set_diag,
    _matrix_set_diag_kernel,
    grad=lambda op, grad: [matrix_set_diag(grad, zeros_like(op.inputs[1])), matrix_diag_part(grad)],
)


def matrix_diag(diagonal, name: str = "diag", **unused) -> Tensor:
    """``tf.matrix_diag`` / ``tf.linalg.diag``: batched diagonal matrices ``[..., n] -> [..., n, n]``."""
    with op_scope(name, "MatrixDiag", [diagonal]) as scope:
        x = convert_to_tensor(diagonal, name="diagonal")
        return create_in_scope("MatrixDiag", [x], None, scope)._outputs[0]


def matrix_diag_part(input, name: str = "diag_part", **unused) -> Tensor:  # noqa: A002
    """``tf.matrix_diag_part``: main diagonals ``[..., m, n] -> [..., min(m, n)]``."""
    with op_scope(name, "MatrixDiagPart", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        return create_in_scope("MatrixDiagPart", [x], None, scope)._outputs[0]


def matrix_set_diag(input, diagonal, name: str = "set_diag", **unused) -> Tensor:  # noqa: A002
    """``tf.matrix_set_diag``: replace the main diagonals."""
    with op_scope(name, "MatrixSetDiag", [input, diagonal]) as scope:
        x = convert_to_tensor(input, name="input")
        d = convert_to_tensor(diagonal, dtype=x.dtype.base_dtype, name="diagonal")
        return create_in_scope("MatrixSetDiag", [x, d], None, scope)._outputs[0]


def eye(
    num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name: str | None = None
) -> Tensor:
    """``tf.eye``: (batched) identity matrices."""
    with op_scope(name, "eye", [num_rows, num_columns, batch_shape]):
        static = all(not constant_op.is_tensor(v) for v in (num_rows, num_columns)) and (
            batch_shape is None or not constant_op.is_tensor(batch_shape)
        )
        if not static:
            raise NotImplementedError("tf.eye with tensor arguments is not supported yet")
        rows = int(num_rows)
        cols = rows if num_columns is None else int(num_columns)
        batch = [] if batch_shape is None else [int(b) for b in batch_shape]
        ones_t = ones(batch + [min(rows, cols)], dtype=dtype)
        if rows == cols:
            return matrix_diag(ones_t)
        return matrix_set_diag(zeros(batch + [rows, cols], dtype=dtype), ones_t)


# -- ShapeN / IdentityN ---------------------------------------------------------------------------
def _infer_shape_n(inputs, attrs):
    return [(attrs["out_type"], (t.shape.ndims,)) for t in inputs]


def _build_shape_n(op):
    np_dt = op.attrs["out_type"].as_numpy_dtype
    return lambda *xs: tuple(np.array(x.shape, dtype=np_dt) for x in xs)


simple_op("ShapeN", _infer_shape_n, build=_list_outputs(_build_shape_n), grad=NOT_DIFFERENTIABLE)


def _fold_shape_n(t):
    s = t.op.inputs[t.value_index].shape
    return np.array(s.as_list(), dtype=t.dtype.as_numpy_dtype) if s.is_fully_defined() else None


register_constant_folder("ShapeN", _fold_shape_n)


def shape_n(input, out_type=dtypes.int32, name: str | None = None) -> list:  # noqa: A002
    """``tf.shape_n``: the shapes of several tensors (one ShapeN op)."""
    with op_scope(name, "ShapeN", input) as scope:
        ts = [convert_to_tensor(v) for v in input]
        _check_same_dtypes("ShapeN", "input", ts)
        op = create_in_scope("ShapeN", ts, {"out_type": dtypes.as_dtype(out_type), "N": len(ts)}, scope)
        return list(op.outputs)


simple_op(
    "IdentityN",
    lambda inputs, attrs: [(_dtype_of(t), t.shape) for t in inputs],
    build=_list_outputs(
        lambda op: lambda *xs: tuple(x.copy() for x in xs)
    ),  # copies: only output 0 may alias
    grad=lambda op, *grads: list(grads),
)


def identity_n(input, name: str | None = None) -> list:  # noqa: A002
    """``tf.identity_n``: identity of a list of tensors, as one op."""
    with op_scope(name, "IdentityN", input) as scope:
        ts = [convert_to_tensor(v) for v in input]
        return list(create_in_scope("IdentityN", ts, None, scope).outputs)


# -- compositions of the ops above ----------------------------------------------------------------
def boolean_mask(tensor, mask, name: str = "boolean_mask", axis=None) -> Tensor:
    """``tf.boolean_mask``: the elements (rows) of ``tensor`` where ``mask`` is True."""
    with op_scope(name, "boolean_mask", [tensor, mask]):
        x = convert_to_tensor(tensor, name="tensor")
        m = convert_to_tensor(mask, name="mask")
        md = m.shape.as_tuple()
        if md is None:
            raise ValueError(
                "Number of mask dimensions must be specified, even if some dimensions are None.  "
                "E.g. shape=[None] is ok, but shape=None is not."
            )
        k = len(md)
        if k == 0:
            raise ValueError("mask cannot be scalar.")
        a = 0 if axis is None else int(axis)
        xd = x.shape.as_tuple()
        if xd is not None:
            lead = xd[a : a + k]
            if not tensor_shape.as_shape(lead).is_compatible_with(m.shape):
                raise ValueError(f"Shapes {tensor_shape.as_shape(lead)} and {m.shape} are incompatible")
        if xd is not None and None not in xd[a : a + k]:
            n = int(np.prod(xd[a : a + k])) if k else 1
            flat_shape = list(xd[:a]) + [n] + list(xd[a + k :])
            flat_shape = [-1 if d is None else d for d in flat_shape]
            if flat_shape.count(-1) > 1:
                flat_shape = concat([shape(x)[:a], [n], shape(x)[a + k :]], 0)
        else:
            from graphflow.ops import math_ops

            s = shape(x)
            n_t = math_ops.reduce_prod(s[a : a + k], [0])
            flat_shape = concat([s[:a], expand_dims(n_t, 0), s[a + k :]], 0)
        flat = reshape(x, flat_shape)
        if xd is not None and None not in xd[a : a + k] and not constant_op.is_tensor(flat_shape):
            flat.set_shape(list(xd[:a]) + [int(np.prod(xd[a : a + k]))] + list(xd[a + k :]))
        flat_mask = reshape(m, [-1])
        idx = squeeze(where_indices(flat_mask), axis=[1])
        return gather(flat, idx, axis=a)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name: str | None = None) -> Tensor:
    """``tf.sequence_mask``: ``mask[..., j] = j < lengths[...]``."""
    from graphflow.ops import math_ops

    with op_scope(name, "SequenceMask", [lengths, maxlen]):
        lens = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen_t = math_ops.reduce_max(lens)
            maxlen_t = math_ops.maximum(constant(0, dtype=lens.dtype.base_dtype), maxlen_t)
        else:
            maxlen_t = convert_to_tensor(
                maxlen, dtype=None if constant_op.is_tensor(maxlen) else lens.dtype.base_dtype
            )
            if maxlen_t.shape.ndims not in (None, 0):
                raise ValueError(f"maxlen must be scalar for sequence_mask: received maxlen={maxlen}.")
        row = range(
            constant(0, dtype=maxlen_t.dtype.base_dtype),
            maxlen_t,
            constant(1, dtype=maxlen_t.dtype.base_dtype),
        )
        mat = expand_dims(lens, -1)
        result = math_ops.less(row, math_ops.cast(mat, maxlen_t.dtype.base_dtype))
        dt = dtypes.as_dtype(dtype)
        if dt.base_dtype == dtypes.bool:
            return result
        return math_ops.cast(result, dt)


def meshgrid(*args, **kwargs) -> list:
    """``tf.meshgrid(*args, indexing='xy')``: N-D coordinate grids.

    Departure: TF1 multiplies each reshaped input by a ones tensor (``meshgrid/mul``); graphflow
    broadcasts with ``BroadcastTo`` (same values, no multiply, works for bool inputs too).
    """
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    with op_scope(name, "meshgrid", list(args)):
        ndim = len(args)
        xs = [convert_to_tensor(a) for a in args]
        outs = []
        for i, x in enumerate(xs):
            s = [1] * ndim
            s[i] = -1
            outs.append(reshape(x, s))
        sizes = [x.shape.num_elements() for x in xs]
        if indexing == "xy" and ndim > 1:
            outs[0] = reshape(xs[0], [1, -1] + [1] * (ndim - 2))
            outs[1] = reshape(xs[1], [-1, 1] + [1] * (ndim - 2))
            sizes[0], sizes[1] = sizes[1], sizes[0]
        if None in sizes:
            ss = [size(x) for x in xs]
            if indexing == "xy" and ndim > 1:
                ss[0], ss[1] = ss[1], ss[0]
            target = stack(ss)
        else:
            target = sizes
        return [broadcast_to(o, target) for o in outs]


def broadcast_to(input, shape, name: str | None = None) -> Tensor:  # noqa: A002, F811
    """``tf.broadcast_to`` (declared with the gradient helpers in ``grad_util``)."""
    from graphflow.ops import grad_util

    return grad_util.broadcast_to(input, shape, name=name)


# -- range ----------------------------------------------------------------------------------------
def _infer_range(inputs, attrs):
    vals = [constant_value(t) for t in inputs]
    dt = inputs[0].dtype.base_dtype
    if any(v is None for v in vals):
        return [(dt, (None,))]
    start, limit, delta = (np.asarray(v).item() for v in vals)
    try:
        _check_range_args(start, limit, delta)
    except errors.InvalidArgumentError as e:
        raise InferenceError(e.message) from None
    n = max(0, int(np.ceil((limit - start) / delta)))
    return [(dt, (n,))]


def _check_range_args(start, limit, delta) -> None:
    if delta == 0:
        raise _bad(f"Requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise _bad(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise _bad(f"Requires start >= limit when delta < 0: {start}/{limit}")


def _build_range(op):
    np_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(start, limit, delta):
        for v, what in ((start, "start"), (limit, "limit"), (delta, "delta")):
            if v.ndim != 0:
                raise _bad(f"{what} must be a scalar, not shape {_dims_text(v.shape)}")
        _check_range_args(start.item(), limit.item(), delta.item())
        return np.arange(start, limit, delta, dtype=np_dt)

    return run


simple_op("Range", _infer_range, build=_build_range, grad=NOT_DIFFERENTIABLE)


def range(start, limit=None, delta=1, dtype=None, name: str = "range") -> Tensor:  # noqa: A001
    """``tf.range``: like Python's range; int32 for integer arguments."""
    if limit is None:
        start, limit = 0, start
    with op_scope(name, "Range", [start, limit, delta]) as scope:
        ts = [
            convert_to_tensor(v, dtype=dtype, name=n)
            for v, n in zip((start, limit, delta), ("start", "limit", "delta"))
        ]
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        if dtype is None:
            best = max((t.dtype.base_dtype for t in ts), key=lambda d: order.index(d) if d in order else 0)
            from graphflow.ops import math_ops

            ts = [math_ops.cast(t, best) for t in ts]
        return create_in_scope("Range", ts, {"Tidx": ts[0].dtype.base_dtype}, scope)._outputs[0]
