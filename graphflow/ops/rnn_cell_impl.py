"""TF1's RNN cells (``tf.nn.rnn_cell``): BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell,
DropoutWrapper, ResidualWrapper, DeviceWrapper and LSTMStateTuple.

Variable names, shapes and gate layouts are TF1's (``<scope>/basic_lstm_cell/kernel`` of shape
``[input_depth + units, 4 * units]`` with gates ``i, j, f, o``; ``gru_cell/gates/kernel`` and
``gru_cell/candidate/kernel``; ``multi_rnn_cell/cell_0/...``), so TF1 checkpoints restore.
As in TF1, a cell's variable scope is captured on its first call: the cell opens
``variable_scope(None, default_name=<snake_case class name>)`` inside the variable scope current
at that call, and later calls reuse it.  Wrappers open no scope of their own.

The standard cells also describe themselves for the fused kernels used by ``dynamic_rnn``
(``_fused_kind``/``_fused_variables``): the recurrence then runs as one op instead of a graph
loop (see ``graphflow/ops/rnn.py``).
"""

from __future__ import annotations

import collections
import hashlib
import numbers

from graphflow import dtypes
from graphflow.framework import graph as graph_mod
from graphflow.framework import tensor_shape
from graphflow.framework.tensor import Tensor
from graphflow.ops import array_ops, init_ops, math_ops, nn_ops, random_ops
from graphflow.ops import variable_scope as vs
from graphflow.ops.cond import nest_flatten, nest_pack
from graphflow.ops.constant_op import constant, convert_to_tensor

__all__ = [
    "RNNCell",
    "BasicRNNCell",
    "BasicLSTMCell",
    "LSTMCell",
    "GRUCell",
    "MultiRNNCell",
    "DropoutWrapper",
    "ResidualWrapper",
    "DeviceWrapper",
    "LSTMStateTuple",
]

_WEIGHTS = "kernel"
_BIAS = "bias"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """``(c, h)``: the state of an LSTM cell with ``state_is_tuple=True``."""

    __slots__ = ()

    @property
    def dtype(self):
        """The dtype of ``c`` and ``h`` (TypeError when they differ, as TF)."""
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _snake(name: str) -> str:
    import re

    s = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()


def _activation(act):
    if act is None:
        return math_ops.tanh
    if isinstance(act, str):
        fn = getattr(math_ops, act, None) or getattr(nn_ops, act, None)
        if fn is None:
            raise ValueError(f"Unknown activation function: {act}")
        return fn
    return act


def _is_tanh(act) -> bool:
    return (
        act is math_ops.tanh
        or getattr(act, "__name__", "") == "tanh"
        and act.__module__.startswith("graphflow")
    )


def _zeros(batch_size, size, dtype):
    size = [size] if isinstance(size, numbers.Integral) else tensor_shape.as_shape(size).as_list()
    if isinstance(batch_size, numbers.Integral):
        return array_ops.zeros([batch_size] + size, dtype=dtype)
    b = convert_to_tensor(batch_size, name="batch_size")
    shape = array_ops.concat([array_ops.reshape(b, [1]), constant(size, dtype=b.dtype.base_dtype)], 0)
    z = array_ops.zeros(shape, dtype=dtype)
    z.set_shape([None] + size)
    return z


class RNNCell:
    """Abstract TF1 RNN cell: ``output, new_state = cell(inputs, state)``."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, **kwargs) -> None:
        self._base_name = name or _snake(type(self).__name__)
        self._name = self._base_name
        self._scope = None  # the cell's own variable scope (captured on first call)
        self._outer_scope = None  # the variable scope current at the first call
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._trainable = trainable
        self.built = False
        self._variables: list = []

    # -- TF1 RNNCell API -------------------------------------------------------------------------
    @property
    def state_size(self):
        """Size(s) of the state."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        """Size of the output."""
        raise NotImplementedError("Abstract method")

    @property
    def name(self) -> str:
        """The cell's layer name."""
        return self._name

    @property
    def trainable_variables(self) -> list:
        """Variables created by this cell."""
        return list(self._variables)

    trainable_weights = trainable_variables
    weights = trainable_variables
    variables = trainable_variables

    def build(self, input_shape) -> None:
        """Create the variables (inside the cell's variable scope)."""
        self.built = True

    def call(self, inputs, state):
        """The cell's computation (subclasses)."""
        raise NotImplementedError("Abstract method")

    def add_variable(self, name, shape, initializer=None, dtype=None, trainable=True):
        """``get_variable`` in the cell's scope, recorded in the cell's variables."""
        v = vs.get_variable(
            name,
            shape=shape,
            initializer=initializer,
            dtype=dtype or self._dtype or dtypes.float32,
            trainable=trainable,
        )
        if all(v is not w for w in self._variables):
            self._variables.append(v)
        return v

    add_weight = add_variable

    def _enter_scope(self, scope=None):
        """The variable scope of a call (TF1's RNNCell/Layer rules)."""
        if scope is not None:
            return vs.variable_scope(scope)
        if self._scope is None:
            return _FirstCallScope(self)
        return vs.variable_scope(self._scope, reuse=True)

    def __call__(self, inputs, state, scope=None):
        """Run the cell on ``inputs`` from ``state``: ``(output, new_state)``."""
        with self._enter_scope(scope):
            inputs = convert_to_tensor(inputs) if not isinstance(inputs, (list, tuple)) else inputs
            if self._dtype is None and isinstance(inputs, Tensor):
                self._dtype = inputs.dtype.base_dtype
            if not self.built:
                shape = inputs.shape if isinstance(inputs, Tensor) else None
                self.build(shape)
                self.built = True
            return self.call(inputs, state)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero state from ``inputs``' batch size (or ``batch_size``)."""
        if inputs is not None:
            batch_size = array_ops.shape(inputs)[0]
            dtype = dtype or inputs.dtype
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zero-filled state(s) of shape ``[batch_size, s]`` for each state size ``s``."""
        with graph_mod.name_scope(
            type(self).__name__ + "ZeroState", values=[batch_size] if isinstance(batch_size, Tensor) else None
        ):
            sizes = self.state_size
            flat = [_zeros(batch_size, s, dtype) for s in nest_flatten(sizes)]
            return nest_pack(sizes, flat) if isinstance(sizes, (list, tuple)) else flat[0]

    # -- fused kernels (dynamic_rnn) -------------------------------------------------------------
    _fused_kind: str | None = None

    def _fused_variables(self, input_depth: int, dtype) -> dict:
        """Create (or reuse) the cell's variables as a call would; return them by role."""
        raise NotImplementedError


class _FirstCallScope:
    """First call of a cell: ``variable_scope(None, default_name=<cell base name>)`` in the current scope."""

    def __init__(self, cell: RNNCell) -> None:
        self.cell = cell
        self.cm = None

    def __enter__(self):
        self.cm = vs.variable_scope(None, default_name=self.cell._base_name)
        sc = self.cm.__enter__()
        self.cell._scope = sc
        return sc

    def __exit__(self, *exc):
        return self.cm.__exit__(*exc)


def _input_depth(shape) -> int:
    dims = tensor_shape.as_shape(shape).as_tuple() if shape is not None else None
    if dims is None or dims[-1] is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, received shape: {shape}")
    return int(dims[-1])


class BasicRNNCell(RNNCell):
    """``tf.nn.rnn_cell.BasicRNNCell(num_units, activation=None, reuse=None, name=None, dtype=None)``."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)

    @property
    def state_size(self):
        """num_units."""
        return self._num_units

    @property
    def output_size(self):
        """num_units."""
        return self._num_units

    def build(self, input_shape):
        """kernel [input_depth + units, units], bias [units]."""
        d = _input_depth(input_shape)
        self._kernel = self.add_variable(_WEIGHTS, [d + self._num_units, self._num_units])
        self._bias = self.add_variable(_BIAS, [self._num_units], initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        """output = new_state = act(W [inputs, state] + b)."""
        g = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
        g = nn_ops.bias_add(g, self._bias)
        out = self._activation(g)
        return out, out

    @property
    def _fused_kind(self):
        return "rnn" if _is_tanh(self._activation) else None

    def _fused_variables(self, input_depth, dtype):
        with self._enter_scope():
            if self._dtype is None:
                self._dtype = dtype
            if not self.built:
                self.build(tensor_shape.TensorShape([None, input_depth]))
        return {"kernel": self._kernel, "bias": self._bias}


class BasicLSTMCell(RNNCell):
    """``tf.nn.rnn_cell.BasicLSTMCell(num_units, forget_bias=1.0, state_is_tuple=True, ...)``."""

    def __init__(
        self,
        num_units,
        forget_bias=1.0,
        state_is_tuple=True,
        activation=None,
        reuse=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        """LSTMStateTuple(units, units) (or 2 * units)."""
        return (
            LSTMStateTuple(self._num_units, self._num_units) if self._state_is_tuple else 2 * self._num_units
        )

    @property
    def output_size(self):
        """num_units."""
        return self._num_units

    def build(self, input_shape):
        """kernel [input_depth + units, 4 * units] (i, j, f, o), bias [4 * units]."""
        d = _input_depth(input_shape)
        self._kernel = self.add_variable(_WEIGHTS, [d + self._num_units, 4 * self._num_units])
        self._bias = self.add_variable(_BIAS, [4 * self._num_units], initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        """TF1's BasicLSTMCell step."""
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(value=state, num_or_size_splits=2, axis=1)
        g = math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel)
        g = nn_ops.bias_add(g, self._bias)
        i, j, f, o = array_ops.split(value=g, num_or_size_splits=4, axis=1)
        fb = constant(self._forget_bias, dtype=f.dtype.base_dtype)
        new_c = math_ops.add(
            math_ops.multiply(c, math_ops.sigmoid(math_ops.add(f, fb))),
            math_ops.multiply(math_ops.sigmoid(i), self._activation(j)),
        )
        new_h = math_ops.multiply(self._activation(new_c), math_ops.sigmoid(o))
        if self._state_is_tuple:
            new_state = LSTMStateTuple(new_c, new_h)
        else:
            new_state = array_ops.concat([new_c, new_h], 1)
        return new_h, new_state

    @property
    def _fused_kind(self):
        return "lstm" if _is_tanh(self._activation) and self._state_is_tuple else None

    def _fused_variables(self, input_depth, dtype):
        with self._enter_scope():
            if self._dtype is None:
                self._dtype = dtype
            if not self.built:
                self.build(tensor_shape.TensorShape([None, input_depth]))
        return {"kernel": self._kernel, "bias": self._bias, "forget_bias": float(self._forget_bias)}


class LSTMCell(RNNCell):
    """``tf.nn.rnn_cell.LSTMCell``: peepholes, cell clipping, projection (TF1's variable names)."""

    def __init__(
        self,
        num_units,
        use_peepholes=False,
        cell_clip=None,
        initializer=None,
        num_proj=None,
        proj_clip=None,
        num_unit_shards=None,
        num_proj_shards=None,
        forget_bias=1.0,
        state_is_tuple=True,
        activation=None,
        reuse=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        if num_proj:
            self._state_size = LSTMStateTuple(num_units, num_proj) if state_is_tuple else num_units + num_proj
            self._output_size = num_proj
        else:
            self._state_size = LSTMStateTuple(num_units, num_units) if state_is_tuple else 2 * num_units
            self._output_size = num_units

    @property
    def state_size(self):
        """LSTMStateTuple(units, proj or units)."""
        return self._state_size

    @property
    def output_size(self):
        """num_proj or num_units."""
        return self._output_size

    def build(self, input_shape):
        """kernel, bias, optional w_f_diag/w_i_diag/w_o_diag and projection/kernel."""
        d = _input_depth(input_shape)
        h_depth = self._num_units if self._num_proj is None else self._num_proj
        init = self._initializer
        self._kernel = self.add_variable(_WEIGHTS, [d + h_depth, 4 * self._num_units], initializer=init)
        self._bias = self.add_variable(_BIAS, [4 * self._num_units], initializer=init_ops.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [self._num_units], initializer=init)
            self._w_i_diag = self.add_variable("w_i_diag", [self._num_units], initializer=init)
            self._w_o_diag = self.add_variable("w_o_diag", [self._num_units], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(
                f"projection/{_WEIGHTS}", [self._num_units, self._num_proj], initializer=init
            )
        self.built = True

    def call(self, inputs, state):
        """TF1's LSTMCell step."""
        num_proj = self._num_units if self._num_proj is None else self._num_proj
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, self._num_units])
            m_prev = array_ops.slice(state, [0, self._num_units], [-1, num_proj])
        lstm_matrix = math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel)
        lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
        i, j, f, o = array_ops.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + sigmoid(
                i + self._w_i_diag * c_prev
            ) * self._activation(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1)
        return m, new_state

    @property
    def _fused_kind(self):
        plain = (
            not self._use_peepholes
            and self._num_proj is None
            and self._cell_clip is None
            and self._state_is_tuple
            and _is_tanh(self._activation)
        )
        return "lstm" if plain else None

    def _fused_variables(self, input_depth, dtype):
        with self._enter_scope():
            if self._dtype is None:
                self._dtype = dtype
            if not self.built:
                self.build(tensor_shape.TensorShape([None, input_depth]))
        return {"kernel": self._kernel, "bias": self._bias, "forget_bias": float(self._forget_bias)}


class GRUCell(RNNCell):
    """``tf.nn.rnn_cell.GRUCell(num_units, activation=None, reuse=None, kernel_initializer=None, ...)``."""

    def __init__(
        self,
        num_units,
        activation=None,
        reuse=None,
        kernel_initializer=None,
        bias_initializer=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self):
        """num_units."""
        return self._num_units

    @property
    def output_size(self):
        """num_units."""
        return self._num_units

    def build(self, input_shape):
        """gates/kernel [d + u, 2u], gates/bias (ones), candidate/kernel [d + u, u], candidate/bias."""
        d = _input_depth(input_shape)
        u = self._num_units
        self._gate_kernel = self.add_variable(
            f"gates/{_WEIGHTS}", [d + u, 2 * u], initializer=self._kernel_initializer
        )
        self._gate_bias = self.add_variable(
            f"gates/{_BIAS}",
            [2 * u],
            initializer=(
                self._bias_initializer
                if self._bias_initializer is not None
                else init_ops.constant_initializer(1.0)
            ),
        )
        self._candidate_kernel = self.add_variable(
            f"candidate/{_WEIGHTS}", [d + u, u], initializer=self._kernel_initializer
        )
        self._candidate_bias = self.add_variable(
            f"candidate/{_BIAS}",
            [u],
            initializer=(
                self._bias_initializer if self._bias_initializer is not None else init_ops.zeros_initializer()
            ),
        )
        self.built = True

    def call(self, inputs, state):
        """TF1's GRU step."""
        g = math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel)
        g = nn_ops.bias_add(g, self._gate_bias)
        value = math_ops.sigmoid(g)
        r, u = array_ops.split(value=value, num_or_size_splits=2, axis=1)
        r_state = r * state
        candidate = math_ops.matmul(array_ops.concat([inputs, r_state], 1), self._candidate_kernel)
        candidate = nn_ops.bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h

    @property
    def _fused_kind(self):
        return "gru" if _is_tanh(self._activation) else None

    def _fused_variables(self, input_depth, dtype):
        with self._enter_scope():
            if self._dtype is None:
                self._dtype = dtype
            if not self.built:
                self.build(tensor_shape.TensorShape([None, input_depth]))
        return {
            "gate_kernel": self._gate_kernel,
            "gate_bias": self._gate_bias,
            "candidate_kernel": self._candidate_kernel,
            "candidate_bias": self._candidate_bias,
        }


class MultiRNNCell(RNNCell):
    """``tf.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=True)``: cells stacked per step."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but received: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(isinstance(c.state_size, tuple) for c in self._cells):
            raise ValueError(
                "Some cells return tuples of states, but the flag state_is_tuple is not set. "
                f"State sizes are: {[c.state_size for c in self._cells]}"
            )

    @property
    def state_size(self):
        """Tuple of the cells' state sizes (or their sum)."""
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    @property
    def output_size(self):
        """The last cell's output size."""
        return self._cells[-1].output_size

    @property
    def trainable_variables(self) -> list:
        """Variables of all cells."""
        return [v for c in self._cells for v in c.trainable_variables]

    trainable_weights = trainable_variables
    weights = trainable_variables
    variables = trainable_variables

    def zero_state(self, batch_size, dtype):
        """Tuple of the cells' zero states."""
        with graph_mod.name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return super().zero_state(batch_size, dtype)

    def build(self, input_shape):
        """Cells build on their first call."""
        self.built = True

    def call(self, inputs, state):
        """Run the cells in order; ``cell_i`` scopes as TF1."""
        cur_pos = 0
        cur_inp = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with vs.variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not isinstance(state, (list, tuple)):
                        raise ValueError(
                            f"Expected state to be a tuple of length {len(self.state_size)}, but "
                            f"received: {state}"
                        )
                    cur_state = state[i]
                else:
                    cur_state = array_ops.slice(state, [0, cur_pos], [-1, cell.state_size])
                    cur_pos += cell.state_size
                cur_inp, new_state = cell(cur_inp, cur_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else array_ops.concat(new_states, 1)
        return cur_inp, new_states


class _Wrapper(RNNCell):
    """A cell wrapper: no variable scope of its own (TF1's RNNCell wrappers)."""

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        self._cell = cell

    @property
    def wrapped_cell(self):
        """The wrapped cell."""
        return self._cell

    @property
    def state_size(self):
        """The wrapped cell's."""
        return self._cell.state_size

    @property
    def output_size(self):
        """The wrapped cell's."""
        return self._cell.output_size

    @property
    def trainable_variables(self) -> list:
        """The wrapped cell's variables."""
        return self._cell.trainable_variables

    def zero_state(self, batch_size, dtype):
        """The wrapped cell's zero state."""
        with graph_mod.name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        """Call the wrapper's logic around the wrapped cell."""
        return self._wrapped_call(inputs, state, lambda i, s: self._cell(i, s, scope=scope))


def _gen_seed(seed, salt_prefix: str, index: int):
    """TF1's per-tensor dropout seed: the md5 of ``"<seed><salt>_<index>"`` (None without a seed)."""
    if seed is None:
        return None
    digest = hashlib.md5((str(seed) + f"{salt_prefix}_{index}").encode("utf-8")).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _map_up_to(sizes, fn):
    """``fn(i, size)`` over the flattened ``sizes`` (ints or TensorShapes), packed like ``sizes``."""
    nested = isinstance(sizes, (list, tuple)) and not isinstance(sizes, tensor_shape.TensorShape)
    out = [fn(i, sz) for i, sz in enumerate(nest_flatten(sizes) if nested else [sizes])]
    return nest_pack(sizes, out) if nested else out[0]


class DropoutWrapper(_Wrapper):
    """``tf.nn.rnn_cell.DropoutWrapper``: dropout on inputs, outputs and state.

    ``variational_recurrent=True`` (Gal and Ghahramani, as TF1): one mask per run, drawn when the
    wrapper is built as a ``[1, size]`` uniform noise per input/state/output tensor, so every time
    step and every batch element of a run share it; ``dtype`` is required, and ``input_size`` when
    the inputs are dropped."""

    def __init__(
        self,
        cell,
        input_keep_prob=1.0,
        output_keep_prob=1.0,
        state_keep_prob=1.0,
        variational_recurrent=False,
        input_size=None,
        dtype=None,
        seed=None,
        dropout_state_filter_visitor=None,
        **kwargs,
    ):
        super().__init__(cell)
        for name, p in (
            ("input_keep_prob", input_keep_prob),
            ("output_keep_prob", output_keep_prob),
            ("state_keep_prob", state_keep_prob),
        ):
            if isinstance(p, numbers.Real) and not 0.0 < p <= 1.0:
                raise ValueError(f"Parameter {name} must be between 0 and 1: {p}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._filter = dropout_state_filter_visitor
        self._variational = bool(variational_recurrent)
        self._noise: dict = {}
        if self._variational:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            dt = dtypes.as_dtype(dtype)

            def noise(kind):
                def one(i, size):
                    shape = [1] + tensor_shape.as_shape(size).as_list()
                    return random_ops.random_uniform(shape, seed=_gen_seed(seed, kind, i), dtype=dt)

                return one

            if not isinstance(input_keep_prob, numbers.Real) or input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError(
                        "When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                        "input_size must be provided")
                self._noise["input"] = _map_up_to(input_size, noise("input"))
            self._noise["state"] = _map_up_to(cell.state_size, noise("state"))
            self._noise["output"] = _map_up_to(cell.output_size, noise("output"))

    def _variational_drop(self, flat, keep_prob, kind, keep):
        """TF1's ``value / keep_prob * floor(keep_prob + noise)`` with the wrapper's fixed noise."""
        out = []
        for v, n, k in zip(flat, nest_flatten(self._noise[kind]), keep):
            if not k:
                out.append(v)
                continue
            kp = convert_to_tensor(keep_prob, dtype=v.dtype)
            out.append(math_ops.multiply(math_ops.divide(v, kp), math_ops.floor(math_ops.add(kp, n))))
        return out

    def _drop(self, values, keep_prob, salt, state=False):
        if isinstance(keep_prob, numbers.Real) and keep_prob == 1.0:
            return values
        flat = nest_flatten(values)
        keep = [True] * len(flat)
        if state:
            if self._filter is not None:
                keep = [bool(self._filter(v)) for v in flat]
            elif isinstance(values, LSTMStateTuple):
                keep = [False, True]  # TF1's default filter never drops an LSTM's c state
        if self._variational:
            out = self._variational_drop(flat, keep_prob, ("input", "state", "output")[salt], keep)
        else:
            seed = None if self._seed is None else self._seed + salt
            out = [nn_ops.dropout(v, keep_prob=keep_prob, seed=seed) if k else v for v, k in zip(flat, keep)]
        return nest_pack(values, out) if isinstance(values, (list, tuple)) else out[0]

    def _wrapped_call(self, inputs, state, call):
        inputs = self._drop(inputs, self._input_keep_prob, 0)
        output, new_state = call(inputs, state)
        new_state = self._drop(new_state, self._state_keep_prob, 1, state=True)
        output = self._drop(output, self._output_keep_prob, 2)
        return output, new_state


class ResidualWrapper(_Wrapper):
    """``tf.nn.rnn_cell.ResidualWrapper(cell, residual_fn=None)``: output = cell output + inputs."""

    def __init__(self, cell, residual_fn=None, **kwargs):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _wrapped_call(self, inputs, state, call):
        output, new_state = call(inputs, state)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        flat_i, flat_o = nest_flatten(inputs), nest_flatten(output)
        res = [i + o for i, o in zip(flat_i, flat_o)]
        return (nest_pack(output, res) if isinstance(output, (list, tuple)) else res[0]), new_state


class DeviceWrapper(_Wrapper):
    """``tf.nn.rnn_cell.DeviceWrapper(cell, device)``: accepted (CPU only)."""

    def __init__(self, cell, device, **kwargs):
        super().__init__(cell)
        self._device = device

    def _wrapped_call(self, inputs, state, call):
        return call(inputs, state)
