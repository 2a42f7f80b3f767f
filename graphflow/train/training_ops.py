"""The optimizer update ops (TF's ``training_ops``): ``ApplyGradientDescent``, ``ApplyAdam``...

Each op is declared once here: static checks (dtypes equal to the variable's, scalar
hyper-parameters, var/slot/grad shapes compatible), a stateful kernel that updates the variable
and its slot buffers in place with one fused loop from :mod:`graphflow.kernels.updates`, and no
gradient.  The variable and slot inputs are references (``ref_inputs``): the planner does not
read them, the kernel reaches the Session's buffers through ``state.values[var_op]``.

The wrappers (``apply_adam(var, m, v, ...)``) mirror ``tf.raw_ops`` argument order and names.
float16/bfloat16 variables are updated through float32 working copies (numba has no half type).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from graphflow import errors
from graphflow.framework.op_registry import (
    NOT_DIFFERENTIABLE,
    InferenceError,
    OpDef,
    StatefulKernel,
    register,
)
from graphflow.framework.tensor import Tensor
from graphflow.kernels import updates
from graphflow.ops.constant_op import convert_to_tensor
from graphflow.ops.op_util import create_in_scope, op_scope
from graphflow.ops.state_ops import variable_op_of

__all__ = [
    "apply_gradient_descent",
    "apply_momentum",
    "apply_adagrad",
    "apply_adadelta",
    "apply_rms_prop",
    "apply_centered_rms_prop",
    "apply_adam",
    "apply_ftrl",
    "apply_ftrl_v2",
    "apply_proximal_gradient_descent",
    "apply_proximal_adagrad",
]

# op type -> (input names in TF order, number of leading ref inputs, name of the gradient input)
_SIGNATURES: dict[str, tuple[tuple[str, ...], int, str]] = {
    "ApplyGradientDescent": (("var", "alpha", "delta"), 1, "delta"),
    "ApplyMomentum": (("var", "accum", "lr", "grad", "momentum"), 2, "grad"),
    "ApplyAdagrad": (("var", "accum", "lr", "grad"), 2, "grad"),
    "ApplyAdadelta": (("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"), 3, "grad"),
    "ApplyRMSProp": (("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"), 3, "grad"),
    "ApplyCenteredRMSProp": (
        ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"),
        4,
        "grad",
    ),
    "ApplyAdam": (
        ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"),
        3,
        "grad",
    ),
    "ApplyFtrl": (("var", "accum", "linear", "grad", "lr", "l1", "l2", "lr_power"), 3, "grad"),
    "ApplyFtrlV2": (
        ("var", "accum", "linear", "grad", "lr", "l1", "l2", "l2_shrinkage", "lr_power"),
        3,
        "grad",
    ),
    "ApplyProximalGradientDescent": (("var", "alpha", "l1", "l2", "delta"), 1, "delta"),
    "ApplyProximalAdagrad": (("var", "accum", "lr", "l1", "l2", "grad"), 2, "grad"),
}


def _dims_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _make_infer(op_type: str):
    names, n_refs, grad_name = _SIGNATURES[op_type]

    def infer(inputs, attrs):
        var = inputs[0]
        dt = var.dtype.base_dtype
        for n, t in zip(names[1:], inputs[1:]):
            if t.dtype.base_dtype != dt:
                raise TypeError(
                    f"Input '{n}' of '{op_type}' Op has type {t.dtype.base_dtype.name} that does not "
                    f"match type {dt.name} of argument 'var'."
                )
        shape = var.shape
        for n, t in zip(names, inputs):
            if n in names[:n_refs] or n == grad_name:
                if not shape.is_compatible_with(t.shape):
                    a, b = shape.as_tuple(), t.shape.as_tuple()
                    if a is not None and b is not None and len(a) != len(b):
                        raise InferenceError(f"Shapes must be equal rank, but are {len(a)} and {len(b)}")
                    for k, (x, y) in enumerate(zip(a, b)):
                        if x is not None and y is not None and x != y:
                            raise InferenceError(
                                f"Dimension {k} in both shapes must be equal, but are {x} and {y}."
                            )
                shape = shape.merge_with(t.shape)
            elif t.shape.ndims is not None and t.shape.ndims != 0:
                raise InferenceError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
        return [(var.dtype, shape)]

    return infer


_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def _make_build(op_type: str, compute: Callable, validate: Callable | None = None):
    """A StatefulKernel build: fetch the var/slot buffers, check them, run ``compute`` in place."""
    names, n_refs, grad_name = _SIGNATURES[op_type]
    arg_names = names[n_refs:]
    grad_pos = arg_names.index(grad_name)
    scalar_pos = [i for i in range(len(arg_names)) if i != grad_pos]

    def build(op, state):
        var_ops = [variable_op_of(op.inputs[i], op.type) for i in range(n_refs)]
        values = state.values
        attrs = op.attrs

        def run(*args):
            bufs = []
            for v in var_ops:
                b = values.get(v)
                if b is None:
                    raise errors.FailedPreconditionError(
                        None, op, f"Attempting to use uninitialized value {v.name}"
                    )
                bufs.append(b)
            var = bufs[0]
            shape = var.shape
            for n, b in zip(names[1:n_refs], bufs[1:]):
                if b.shape != shape:
                    raise errors.InvalidArgumentError(
                        None,
                        op,
                        f"var and {n} do not have the same shape{_dims_text(shape)} {_dims_text(b.shape)}",
                    )
            grad = args[grad_pos]
            if grad.shape != shape:
                raise errors.InvalidArgumentError(
                    None,
                    op,
                    f"var and {grad_name} do not have the same shape{_dims_text(shape)} "
                    f"{_dims_text(np.shape(grad))}",
                )
            for i in scalar_pos:
                x = args[i]
                if (x.ndim if type(x) is np.ndarray else np.ndim(x)) != 0:
                    raise errors.InvalidArgumentError(
                        None, op, f"{arg_names[i]} is not a scalar: {_dims_text(np.shape(args[i]))}"
                    )
            if validate is not None:
                validate(op, args)
            dt = var.dtype
            if dt is _F32 or dt is _F64 or dt == np.float32 or dt == np.float64:
                flat = [b.reshape(-1) for b in bufs]
                T = dt.type
                a = [T(x[()]) if i != grad_pos else np.ascontiguousarray(x, dtype=dt).reshape(-1)
                     for i, x in enumerate(args)]
                compute(flat, a, T, attrs)
            else:  # half precision (numba has no float16): update float32 working copies
                work = np.float32 if dt.itemsize <= 4 else np.float64
                flat = [np.array(b, dtype=work).reshape(-1) for b in bufs]
                a = [
                    work(x[()]) if i != grad_pos else np.asarray(x, dtype=work).reshape(-1)
                    for i, x in enumerate(args)
                ]
                compute(flat, a, work, attrs)
                for b, f in zip(bufs, flat):
                    np.copyto(b, f.reshape(b.shape), casting="unsafe")
            return var

        if op_type == "ApplyGradientDescent":
            return _small_gd_fast_path(var_ops[0], values, run)
        return run

    return build


_UNCHECKED = object()
_SMALL_GD = 4096  # elements below which NumPy's two ufunc calls beat numba's dispatch (1.2 vs 3.5 µs)


def _small_gd_fast_path(var_op, values, run):
    """``var -= delta * alpha`` for a small float variable with NumPy: the same two IEEE operations
    in the variable's dtype, so the same bits as the numba kernel; everything else, and every error,
    goes to ``run``.

    The variable's buffer is checked once (dtype, layout, size) and remembered: later runs only
    compare its identity and check ``alpha`` and ``delta``.  A one-element variable (a [1,1]
    weight, a scalar) is updated with NumPy scalars (0.2 µs; an in-place ufunc on one element
    takes 0.6 µs in NumPy: its overlap check copies).
    """
    # (the buffer last validated, its dtype, its shape, the index of its single element or None);
    # one tuple, replaced whole; the buffer is kept alive, so ``is`` cannot see a recycled id
    checked: tuple = (_UNCHECKED, None, None, None)
    ndarray = np.ndarray

    def run_gd(alpha, delta):
        nonlocal checked
        var = values.get(var_op)
        buf, dt, shape, one = checked
        if var is not buf:
            if (var is None or type(var) is not ndarray or var.size > _SMALL_GD
                    or var.dtype not in (_F32, _F64) or not var.flags.c_contiguous
                    or not var.flags.writeable):
                return run(alpha, delta)
            dt, shape = var.dtype, var.shape
            one = (0,) * var.ndim if var.size == 1 else None
            checked = (var, dt, shape, one)
        # (``is`` first: numba-allocated arrays carry an equal but distinct dtype object)
        if (type(delta) is ndarray and type(alpha) is ndarray and (delta.dtype is dt or delta.dtype == dt)
                and (alpha.dtype is dt or alpha.dtype == dt) and delta.shape == shape and not alpha.shape):
            if one is not None:
                var[one] = var[one] - delta[one] * alpha[()]
            else:
                np.subtract(var, np.multiply(delta, alpha), var)
            return var
        return run(alpha, delta)

    return run_gd


def _register(op_type: str, compute: Callable, validate: Callable | None = None) -> None:
    n_refs = _SIGNATURES[op_type][1]
    register(
        OpDef(
            type=op_type,
            infer=_make_infer(op_type),
            kernel=StatefulKernel(_make_build(op_type, compute, validate)),
            grad=NOT_DIFFERENTIABLE,
            stateful=True,
            aliases_state=True,
            ref_inputs=tuple(range(n_refs)),
        )
    )


# -- the computations (flat buffers, scalars already in the variable's dtype T) ----------------------
def _gd(b, a, T, attrs):
    updates.apply_gradient_descent(b[0], a[0], a[1])


def _momentum(b, a, T, attrs):
    lr, grad, momentum = a
    updates.apply_momentum(b[0], b[1], lr, grad, momentum, bool(attrs.get("use_nesterov", False)))


def _adagrad(b, a, T, attrs):
    lr, grad = a
    updates.apply_adagrad(b[0], b[1], lr, grad, T(1), bool(attrs.get("update_slots", True)))


def _adadelta(b, a, T, attrs):
    lr, rho, eps, grad = a
    updates.apply_adadelta(b[0], b[1], b[2], lr, rho, T(1) - rho, eps, grad, T(1))


def _rms_prop(b, a, T, attrs):
    lr, rho, momentum, eps, grad = a
    updates.apply_rms_prop(b[0], b[1], b[2], lr, T(1) - rho, momentum, eps, grad)


def _centered_rms_prop(b, a, T, attrs):
    lr, rho, momentum, eps, grad = a
    updates.apply_centered_rms_prop(b[0], b[1], b[2], b[3], lr, T(1) - rho, momentum, eps, grad)


def _adam(b, a, T, attrs):
    beta1_power, beta2_power, lr, beta1, beta2, eps, grad = a
    alpha = lr * np.sqrt(T(1) - beta2_power) / (T(1) - beta1_power)
    updates.apply_adam(
        b[0],
        b[1],
        b[2],
        T(alpha),
        beta1,
        T(1) - beta1,
        T(1) - beta2,
        eps,
        grad,
        bool(attrs.get("use_nesterov", False)),
    )


def _ftrl(b, a, T, attrs):
    grad, lr, l1, l2, lr_power = a
    updates.apply_ftrl(
        b[0], b[1], b[2], grad, lr, l1, T(2) * l2, l1 - l1, -lr_power, False, bool(lr_power == T(-0.5))
    )


def _ftrl_v2(b, a, T, attrs):
    grad, lr, l1, l2, l2_shrinkage, lr_power = a
    updates.apply_ftrl(
        b[0],
        b[1],
        b[2],
        grad,
        lr,
        l1,
        T(2) * l2,
        T(2) * l2_shrinkage,
        -lr_power,
        True,
        bool(lr_power == T(-0.5)),
    )


def _proximal_gd(b, a, T, attrs):
    alpha, l1, l2, delta = a
    updates.apply_proximal_gradient_descent(b[0], alpha, l1, alpha * l1, T(1) + l2 * alpha, delta)


def _proximal_adagrad(b, a, T, attrs):
    lr, l1, l2, grad = a
    updates.apply_proximal_adagrad(b[0], b[1], lr, l1, l2, grad, T(1))


def _validate_ftrl(op, args):
    names = _SIGNATURES[op.type][0][3:]
    vals = {n: args[i] for i, n in enumerate(names)}
    if not vals["lr"] > 0:
        raise errors.InvalidArgumentError(None, op, f"lr is not a positive scalar: {vals['lr']}")
    if not vals["l1"] >= 0:
        raise errors.InvalidArgumentError(
            None, op, f"l1 regularization strength is not a non-negative scalar: {vals['l1']}"
        )
    if not vals["l2"] >= 0:
        raise errors.InvalidArgumentError(
            None, op, f"l2 regularization strength is not a non-negative scalar: {vals['l2']}"
        )
    if "l2_shrinkage" in vals and not vals["l2_shrinkage"] >= 0:
        raise errors.InvalidArgumentError(
            None,
            op,
            f"l2 shrinkage regularization strength is not a non-negative scalar: {vals['l2_shrinkage']}",
        )
    if not vals["lr_power"] <= 0:
        raise errors.InvalidArgumentError(
            None, op, f"lr_power is not a non-positive scalar: {vals['lr_power']}"
        )


_register("ApplyGradientDescent", _gd)
_register("ApplyMomentum", _momentum)
_register("ApplyAdagrad", _adagrad)
_register("ApplyAdadelta", _adadelta)
_register("ApplyRMSProp", _rms_prop)
_register("ApplyCenteredRMSProp", _centered_rms_prop)
_register("ApplyAdam", _adam)
_register("ApplyFtrl", _ftrl, _validate_ftrl)
_register("ApplyFtrlV2", _ftrl_v2, _validate_ftrl)
_register("ApplyProximalGradientDescent", _proximal_gd)
_register("ApplyProximalAdagrad", _proximal_adagrad)


# -- op creators ------------------------------------------------------------------------------------
def _ref(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "_ref"):
        return x._ref()
    raise TypeError(f"Expected a variable reference (tf.Variable), got {x!r}")


def _convert(x, dt, name: str) -> Tensor:
    """Python values become ``dt`` tensors; tensors keep their dtype (a mismatch is the op's TypeError)."""
    if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
        return convert_to_tensor(x, name=name)
    return convert_to_tensor(x, dtype=dt, name=name)


def _apply(op_type: str, args: tuple, attrs: dict, name: str | None) -> Tensor:
    names, n_refs, _ = _SIGNATURES[op_type]
    refs = [_ref(x) for x in args[:n_refs]]
    dt = refs[0].dtype.base_dtype
    with op_scope(name, op_type, list(args)) as scope:
        inputs = refs + [
            _convert(x, dt, n) for n, x in zip(names[n_refs:], args[n_refs:])
        ]
        attrs = dict(attrs, T=dt)
        attrs["use_locking"] = bool(attrs.get("use_locking", False))
        return create_in_scope(op_type, inputs, attrs, scope)._outputs[0]


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None) -> Tensor:
    """var -= alpha * delta."""
    return _apply("ApplyGradientDescent", (var, alpha, delta), {"use_locking": use_locking}, name)


def apply_momentum(
    var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False, name=None
) -> Tensor:
    """accum = accum * momentum + grad; var -= lr * accum (or the Nesterov form)."""
    return _apply(
        "ApplyMomentum",
        (var, accum, lr, grad, momentum),
        {"use_locking": use_locking, "use_nesterov": bool(use_nesterov)},
        name,
    )


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None) -> Tensor:
    """accum += grad^2; var -= lr * grad / sqrt(accum)."""
    return _apply(
        "ApplyAdagrad",
        (var, accum, lr, grad),
        {"use_locking": use_locking, "update_slots": bool(update_slots)},
        name,
    )


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False, name=None) -> Tensor:
    """The Adadelta update."""
    return _apply(
        "ApplyAdadelta",
        (var, accum, accum_update, lr, rho, epsilon, grad),
        {"use_locking": use_locking},
        name,
    )


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None) -> Tensor:
    """The RMSProp update."""
    return _apply(
        "ApplyRMSProp", (var, ms, mom, lr, rho, momentum, epsilon, grad), {"use_locking": use_locking}, name
    )


def apply_centered_rms_prop(
    var, mg, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None
) -> Tensor:
    """The centered RMSProp update."""
    return _apply(
        "ApplyCenteredRMSProp",
        (var, mg, ms, mom, lr, rho, momentum, epsilon, grad),
        {"use_locking": use_locking},
        name,
    )


def apply_adam(
    var,
    m,
    v,
    beta1_power,
    beta2_power,
    lr,
    beta1,
    beta2,
    epsilon,
    grad,
    use_locking=False,
    use_nesterov=False,
    name=None,
) -> Tensor:
    """The Adam update with lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power)."""
    return _apply(
        "ApplyAdam",
        (var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad),
        {"use_locking": use_locking, "use_nesterov": bool(use_nesterov)},
        name,
    )


def apply_ftrl(
    var, accum, linear, grad, lr, l1, l2, lr_power, use_locking=False, multiply_linear_by_lr=False, name=None
) -> Tensor:
    """The FTRL-proximal update."""
    if multiply_linear_by_lr:
        raise NotImplementedError("ApplyFtrl(multiply_linear_by_lr=True) is not implemented in graphflow")
    return _apply(
        "ApplyFtrl",
        (var, accum, linear, grad, lr, l1, l2, lr_power),
        {"use_locking": use_locking, "multiply_linear_by_lr": False},
        name,
    )


def apply_ftrl_v2(
    var,
    accum,
    linear,
    grad,
    lr,
    l1,
    l2,
    l2_shrinkage,
    lr_power,
    use_locking=False,
    multiply_linear_by_lr=False,
    name=None,
) -> Tensor:
    """The FTRL-proximal update with L2 shrinkage."""
    if multiply_linear_by_lr:
        raise NotImplementedError("ApplyFtrlV2(multiply_linear_by_lr=True) is not implemented in graphflow")
    return _apply(
        "ApplyFtrlV2",
        (var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power),
        {"use_locking": use_locking, "multiply_linear_by_lr": False},
        name,
    )


def apply_proximal_gradient_descent(var, alpha, l1, l2, delta, use_locking=False, name=None) -> Tensor:
    """The FOBOS update with a fixed learning rate."""
    return _apply(
        "ApplyProximalGradientDescent", (var, alpha, l1, l2, delta), {"use_locking": use_locking}, name
    )


def apply_proximal_adagrad(var, accum, lr, l1, l2, grad, use_locking=False, name=None) -> Tensor:
    """The FOBOS update with Adagrad's learning rate."""
    return _apply("ApplyProximalAdagrad", (var, accum, lr, l1, l2, grad), {"use_locking": use_locking}, name)
