"""Neural-network ops (``tf.nn``): convolutions, pooling, bias_add, activations, softmax and
cross entropies, dropout, normalization, top-k and embedding lookup.

Each op type is declared once here with TF's type name, inference, kernel and gradient; gradients
are graph ops of their own registered types (``Conv2DBackpropInput``, ``MaxPoolGrad``...).

Kernel layout: convolutions and pools run on C-contiguous NHWC arrays; ``data_format="NCHW"`` is
transposed on the host around the same kernels (one kernel per dtype, few numba signatures).
Conv2D and its two backward passes are im2col + NumPy BLAS GEMM over chunks of images
(``graphflow/kernels/conv.py`` has the measurements).  Float16 inputs are computed in float32.

Ops owned by other modules (Sigmoid, Tanh, Log1p, Floor, Rsqrt, Transpose, ConcatV2, GatherV2,
Squeeze...) are reached lazily through ``_math``/``_array`` so that this module imports even while
those families grow; where a function is missing an equivalent composition is used.
"""

from __future__ import annotations

import numbers

import numpy as np

from graphflow import dtypes, errors
from graphflow.framework import tensor_shape
from graphflow.framework.op_registry import (
    NOT_DIFFERENTIABLE,
    InferenceError,
    simple_op,
)
from graphflow.framework.tensor import Tensor
from graphflow.kernels import conv as ck
from graphflow.kernels import implicit_conv as ic
from graphflow.kernels import nn as nk
from graphflow.kernels import pool as pk
from graphflow.kernels import tile_gemm
from graphflow.kernels.elementwise import ROWS_ADD, binary_rows
from graphflow.ops import array_ops, math_ops
from graphflow.ops.constant_op import constant, constant_value, convert_to_tensor
from graphflow.ops.op_util import create_in_scope, infer_unary, op_scope
from graphflow.runtime import allocator as _allocator
from graphflow.runtime import threads as _threads
from graphflow.runtime.threads import dot as _gemm

__all__ = [
    "conv2d",
    "conv2d_backprop_input",
    "conv2d_backprop_filter",
    "conv2d_transpose",
    "conv1d",
    "depthwise_conv2d",
    "depthwise_conv2d_native",
    "depthwise_conv2d_native_backprop_input",
    "depthwise_conv2d_native_backprop_filter",
    "separable_conv2d",
    "atrous_conv2d",
    "max_pool",
    "max_pool2d",
    "avg_pool",
    "avg_pool2d",
    "max_pool_with_argmax",
    "bias_add",
    "xw_plus_b",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "crelu",
    "swish",
    "silu",
    "relu_layer",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits",
    "l2_loss",
    "moments",
    "batch_normalization",
    "fused_batch_norm",
    "local_response_normalization",
    "lrn",
    "dropout",
    "in_top_k",
    "top_k",
    "embedding_lookup",
]

# Elements of one im2col chunk (float32: 1 MB, it stays in a core's L2): big enough for an efficient
# GEMM, small enough to bound memory at large batches.  Measured on the notes' CNN train step
# (1 << 20 / 18 / 17): batch 64 24.1 / 22.9 / 23.4 ms, batch 550 208 / 207 / 214 ms.
_CHUNK_ELEMS = 1 << 18


# -- lazy access to other families ----------------------------------------------------------------
def _math(name: str):
    return getattr(math_ops, name, None)


def _array(name: str):
    return getattr(array_ops, name, None)


def _sigmoid(x):
    fn = _math("sigmoid")
    if fn is not None:
        return fn(x)
    one = constant(1, dtype=x.dtype)
    return math_ops.realdiv(one, math_ops.add(one, math_ops.exp(math_ops.negative(x))))


def _log1p(x):
    fn = _math("log1p")
    if fn is not None:
        return fn(x)
    return math_ops.log(math_ops.add(constant(1, dtype=x.dtype), x))


def _rsqrt(x):
    fn = _math("rsqrt")
    if fn is not None:
        return fn(x)
    return math_ops.realdiv(constant(1, dtype=x.dtype), math_ops.sqrt(x))


def _static_dims(t: Tensor) -> tuple | None:
    dims = t.shape.as_tuple()
    if dims is None or None in dims:
        return None
    return dims


def _shape_of(t: Tensor) -> Tensor:
    """The shape of ``t`` as an int32 tensor: a constant when static, else a ``Shape`` op."""
    dims = _static_dims(t)
    if dims is not None:
        return constant(np.asarray(dims, dtype=np.int32), dtype=dtypes.int32)
    return array_ops.shape(t)


def _transpose(x, perm):
    fn = _array("transpose")
    if fn is None:
        raise NotImplementedError("this use needs tf.transpose, which graphflow does not provide yet")
    return fn(x, perm)


def _float_dtype(
    t: Tensor,
    allowed=(dtypes.float16, dtypes.float32, dtypes.float64, dtypes.bfloat16),
    arg="features",
    op_type="Op",
) -> None:
    dt = t.dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(
            f"Value passed to parameter '{arg}' has DataType {dt.name} not in list of allowed values: {names}"
        )


def _compute(dt) -> np.dtype:
    """Host compute dtype: float16/bfloat16 run in float32 (numba has no half kernels)."""
    dt = np.dtype(dt)
    if dt.kind == "f" and dt.itemsize < 4:
        return np.dtype(np.float32)
    if dt.kind != "f":
        return np.dtype(np.float64)
    return dt


def _c(a: np.ndarray, dt) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dt)


# ==================================================================================================
# Geometry: strides, padding, data formats
# ==================================================================================================
_PADDINGS = ("SAME", "VALID", "EXPLICIT")


def _get_sequence(value, n: int, channel_index: int, name: str) -> list[int]:
    """TF's ``_get_sequence``: an int or list of 1, n or n+2 ints -> n+2 ints."""
    if value is None:
        value = 1
    if isinstance(value, (int, np.integer)):
        value = [int(value)]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2} but was {len(value)}")
    if channel_index == 1:
        return [1, 1] + value
    return [1] + value + [1]


def _padding_attrs(padding, op_type: str) -> tuple[str, list[int]]:
    """``("SAME"|"VALID"|"EXPLICIT", explicit_paddings)``; a list of pairs means EXPLICIT."""
    if isinstance(padding, (list, tuple)):
        flat = [int(v) for pair in padding for v in pair]
        return "EXPLICIT", flat
    if isinstance(padding, bytes):
        padding = padding.decode()
    if padding not in ("SAME", "VALID"):
        raise ValueError(
            f"Attr 'padding' of '{op_type}' Op passed string '{padding}' not in: \"SAME\", "
            '"VALID", "EXPLICIT".'
        )
    return padding, []


def _spatial_axes(data_format: str) -> tuple[int, int, int]:
    """(H axis, W axis, C axis) for a 4-D data format."""
    if data_format in ("NCHW", "NCDHW"):
        return 2, 3, 1
    return 1, 2, 3


def _out_dim(size, k, s, d, padding, pads):
    """(output size, pad before) of one spatial dimension with TF's rules; size may be None."""
    ek = (k - 1) * d + 1 if k is not None else None
    if padding == "EXPLICIT":
        before, after = pads
        if size is None or ek is None:
            return None, before
        out = (size + before + after - ek) // s + 1
        if out < 0:
            raise InferenceError(
                f"Computed output size would be negative: {out} [input_size: {size}, "
                f"effective_filter_size: {ek}, stride: {s}]"
            )
        return out, before
    if padding == "VALID":
        if size is None or ek is None:
            return None, 0
        if size < ek:
            raise InferenceError(f"Negative dimension size caused by subtracting {ek} from {size}")
        return (size - ek + s) // s, 0
    if size is None:
        return None, 0
    out = (size + s - 1) // s
    if ek is None:
        return out, 0
    total = max((out - 1) * s + ek - size, 0)
    return out, total // 2


def _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit):
    """Output sizes and top/left padding at run time (errors are InvalidArgumentError)."""
    try:
        ph = explicit[2:4] if padding == "EXPLICIT" else None
        pw = explicit[4:6] if padding == "EXPLICIT" else None
        ho, pt = _out_dim(h, kh, sh, dh, padding, ph)
        wo, pl = _out_dim(w, kw, sw, dw, padding, pw)
    except InferenceError as e:
        raise errors.InvalidArgumentError(None, None, str(e)) from None
    return ho, wo, pt, pl


def _explicit_nhwc(explicit: list, data_format: str) -> list:
    """Explicit paddings reordered to NHWC pairs."""
    if not explicit:
        return explicit
    if data_format == "NCHW":
        return explicit[0:2] + explicit[4:6] + explicit[6:8] + explicit[2:4]
    return explicit


def _to_nhwc(x: np.ndarray, data_format: str) -> np.ndarray:
    return x.transpose(0, 2, 3, 1) if data_format == "NCHW" else x


def _from_nhwc(x: np.ndarray, data_format: str) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if data_format == "NCHW" else x


def _nhwc_dims(dims, data_format):
    if dims is None:
        return None
    if data_format == "NCHW":
        return (dims[0], dims[2], dims[3], dims[1])
    return tuple(dims)


def _format_dims(nhwc, data_format):
    n, h, w, c = nhwc
    return (n, c, h, w) if data_format == "NCHW" else (n, h, w, c)


def _check_rank(dims, rank, what="input"):
    if dims is not None and len(dims) != rank:
        raise InferenceError(f"Shape must be rank {rank} but is rank {len(dims)}")


def _conv_attrs(op_or_attrs):
    a = op_or_attrs if isinstance(op_or_attrs, dict) else op_or_attrs.attrs
    fmt = a.get("data_format", "NHWC")
    hx, wx, _ = _spatial_axes(fmt)
    strides = a["strides"]
    dil = a.get("dilations", [1, 1, 1, 1])
    explicit = _explicit_nhwc(list(a.get("explicit_paddings", [])), fmt)
    return fmt, strides[hx], strides[wx], dil[hx], dil[wx], a["padding"], explicit


def _conv_out_shape(x_dims, f_dims, attrs, depthwise=False):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(attrs)
    _check_rank(x_dims, 4)
    _check_rank(f_dims, 4)
    xd = _nhwc_dims(x_dims, fmt) if x_dims is not None else (None,) * 4
    fd = f_dims if f_dims is not None else (None,) * 4
    n, h, w, c = xd
    kh, kw, cin, o = fd
    if c is not None and cin is not None and c != cin:
        raise InferenceError(
            f"Depth of input ({c}) is not a multiple of input depth of filter ({cin})"
            if not depthwise
            else f"Dimensions must be equal, but are {c} and {cin}"
        )
    ho, _ = _out_dim(h, kh, sh, dh, padding, explicit[2:4] if padding == "EXPLICIT" else None)
    wo, _ = _out_dim(w, kw, sw, dw, padding, explicit[4:6] if padding == "EXPLICIT" else None)
    if depthwise:
        o = None if (cin is None and c is None) or o is None else (cin if cin is not None else c) * o
    return _format_dims((n, ho, wo, o), fmt)


def _validate_strides(strides, dilations, data_format, op_type):
    _, _, cx = _spatial_axes(data_format)
    if len(strides) != 4:
        raise ValueError(f"Sliding window strides field must specify 4 dimensions for '{op_type}'")
    if strides[0] != 1 or strides[cx] != 1:
        raise InferenceError(
            "Current implementation does not yet support strides in the batch and depth dimensions."
        )
    if dilations is not None and (dilations[0] != 1 or dilations[cx] != 1):
        raise InferenceError(
            "Current implementation does not yet support dilations in the batch and depth dimensions."
        )


# ==================================================================================================
# Conv2D and its backward passes (im2col + GEMM)
# ==================================================================================================
def _chunk(n, rows_per_image, k):
    """Images per im2col chunk: at most ``_CHUNK_ELEMS`` patch values, balanced over threads."""
    return _balanced_chunk(n, max(1, _CHUNK_ELEMS // max(1, rows_per_image * k)))


def _balanced_chunk(n, per):
    """At most ``per`` images per chunk, and a multiple of 4 chunks (at least 4 when ``n >= 4``)
    of near-equal size, so they spread evenly over 1, 2 or 4 threads.  Depends only on the
    shapes, never on the thread count (filter gradients sum their chunks in order)."""
    per = max(1, min(n, per))
    if n < 4:
        return per
    count = -(-n // per)
    count = -(-count // 4) * 4
    return max(1, -(-n // count))


# Bytes of padded images + gradient rows per filter-gradient chunk (measured at batch 64 for the
# notes' second conv, one thread: 1 image per chunk 5.8 ms, 4: 5.3, 8 (~900 KB): 5.1, 16: 6.5).
_FILTER_CHUNK_BYTES = 1 << 20
_NO_BIAS = np.zeros(1, dtype=np.float32)

# Multiply-adds of a conv below which its chunks run on one thread (about 0.25 ms of SGEMM).
_CONV_PAR_MACS = 4 * 1024 * 1024


def _conv_chunks(n, chunk, macs, work, make_buf):
    """Run ``work(n0, n1, buf)`` for every chunk of images over the session's threads, one
    ``buf = make_buf()`` per thread.  Each thread takes the next chunk not yet taken (a thread
    descheduled on a loaded machine does not hold the others back); a chunk's result does not
    depend on which thread computes it."""
    starts = list(range(0, n, chunk))
    nt = min(len(starts), _threads.workers(macs, _CONV_PAR_MACS))
    order = iter(starts)  # next() on a list iterator is atomic under the GIL

    def one(t):
        buf = make_buf()
        for n0 in order:
            work(n0, min(n, n0 + chunk), buf)

    _threads.run_workers(nt, one)


def _implicit(cd) -> bool:
    """Float32 convolutions run as implicit GEMMs on the register-tile kernel where the host has
    one (AVX-512 or AVX2+FMA): measured on the notes' CNN at batch 64, the second conv's forward
    pass 3.3 -> 2.3 ms and the first's 1.9 -> 0.5 ms (no patch matrix, ~90% of a core's peak)."""
    return tile_gemm.AVAILABLE and cd == np.float32


def _padded_extent(ho, wo, kh, kw, sh, sw, dh, dw) -> tuple[int, int]:
    """Rows and columns of the zero-bordered image buffer every window of a conv reads."""
    return (ho - 1) * sh + (kh - 1) * dh + 1, (wo - 1) * sw + (kw - 1) * dw + 1


def _image_chunk(n: int) -> int:
    """Images per task for per-image kernels: about eight tasks (results do not depend on it)."""
    return max(1, -(-n // 8))


def conv2d_nhwc(x, f, sh, sw, dh, dw, padding, explicit, out_dtype, bias=None, activation=None):
    """Host Conv2D on NHWC arrays: the tile kernel (float32) or chunked im2col + GEMM.

    ``bias`` ([O], float32/float64 outputs only): added to each chunk right after its GEMM, while
    it is in cache: the same bits as a separate bias add, without its pass over the output.
    ``activation`` (an op's ``block_activation``, float outputs): then applied in place, per chunk
    on the tile path, to the whole output otherwise; the bits of a separate activation op."""

    def finish(result):  # the whole output at once (the tile path applies it chunk by chunk)
        if activation is not None:
            activation(result)
        return result

    cd = _compute(out_dtype)
    x = _c(x, cd)
    f = _c(f, cd)
    n, h, w, c = x.shape
    kh, kw, cin, o = f.shape
    if c != cin:
        raise errors.InvalidArgumentError(
            None, None, f"input depth must be evenly divisible by filter depth: {c} vs {cin}"
        )
    ho, wo, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
    out = _allocator.empty((n, ho, wo, o), cd)
    k = kh * kw * c
    out2 = out.reshape(n * ho * wo, o)
    f2 = f.reshape(k, o)
    b2 = None if bias is None else np.ascontiguousarray(bias, dtype=cd).reshape(1, o)
    if n * ho * wo == 0 or o == 0:
        return finish(out.astype(out_dtype, copy=False))
    if k == 0 or (kh == 1 and kw == 1 and sh == 1 and sw == 1 and ho == h and wo == w):
        if k == 0:
            out.fill(0)
        else:
            _gemm(x.reshape(-1, c), f2, out=out2)
        if b2 is not None:
            _threads.for_blocks(out2.shape[0], lambda lo, hi: binary_rows(out2, b2, out2, lo, hi, ROWS_ADD),
                                unit=o)
        return finish(out.astype(out_dtype, copy=False))
    rows = ho * wo
    if _implicit(cd):
        w2 = tile_gemm.pad_columns(f2)
        hb, wb = _padded_extent(ho, wo, kh, kw, sh, sw, dh, dw)
        bias_v = b2.reshape(-1) if b2 is not None else _NO_BIAS

        def images(n0, n1, _):
            ic.forward_images(x, n0, n1, pt, pl, 1, 1, hb, wb, w2, kh, kw, sh, sw, dh, dw, ho, wo,
                              bias_v, b2 is not None, out, 0)
            if activation is not None:
                activation(out[n0:n1])

        # with an activation, chunks small enough that it runs while the chunk is in L2
        chunk = _image_chunk(n) if activation is None else _balanced_chunk(
            n, max(1, _CONV_POOL_SCRATCH // (rows * o * 4)))
        _conv_chunks(n, chunk, n * rows * k * o, images, lambda: None)
        return out.astype(out_dtype, copy=False)
    chunk = _chunk(n, rows, k)

    def work(n0, n1, cols):
        buf = cols[: (n1 - n0) * rows]
        ck.im2col(x, n0, n1, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, buf)
        block = out2[n0 * rows : n1 * rows]
        np.dot(buf, f2, out=block)
        if b2 is not None:
            binary_rows(block, b2, block, 0, block.shape[0], ROWS_ADD)

    _conv_chunks(n, chunk, n * rows * k * o, work, lambda: np.empty((chunk * rows, k), dtype=cd))
    return finish(out.astype(out_dtype, copy=False))


def _check_out_backprop(which: str, g, expected: tuple) -> None:
    """TF's error when a conv gradient's incoming gradient has the wrong shape."""
    if g.shape != expected:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Conv2DCustomBackprop{which}: Size of out_backprop doesn't match computed: actual = "
            f"{list(g.shape)}, computed = {list(expected)}",
        )


def conv2d_backprop_input_nhwc(input_shape, f, g, sh, sw, dh, dw, padding, explicit, out_dtype):
    """Gradient of Conv2D w.r.t. its NHWC input: ``g @ f.T`` per chunk, scattered by col2im."""
    cd = _compute(out_dtype)
    f = _c(f, cd)
    g = _c(g, cd)
    n, h, w, c = (int(v) for v in input_shape)
    kh, kw, cin, o = f.shape
    ho, wo, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
    _check_out_backprop("Input", g, (n, ho, wo, o))
    k = kh * kw * c
    rows = ho * wo
    g2 = g.reshape(n * rows, o)
    f2 = f.reshape(k, o)
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and ho == h and wo == w:
        return _gemm(g2, f2.T).reshape(n, h, w, c).astype(out_dtype, copy=False)
    top, left = (kh - 1) * dh - pt, (kw - 1) * dw - pl
    if _implicit(cd) and n * rows > 0 and k > 0 and top >= 0 and left >= 0:
        # the input gradient is a stride-1 conv of the zero-spread, padded output gradient with the
        # flipped filter, its input and output channels swapped
        flipped = np.ascontiguousarray(f[::-1, ::-1].transpose(0, 1, 3, 2))
        wt = tile_gemm.pad_columns(flipped.reshape(kh * kw * o, c))
        hb, wb = h + (kh - 1) * dh, w + (kw - 1) * dw
        out = _allocator.empty((n, h, w, c), cd)

        def images(n0, n1, _):
            ic.forward_images(g, n0, n1, top, left, sh, sw, hb, wb, wt, kh, kw, 1, 1, dh, dw, h, w,
                              _NO_BIAS, False, out, 0)

        _conv_chunks(n, _image_chunk(n), n * rows * k * o, images, lambda: None)
        return out.astype(out_dtype, copy=False)
    out = np.zeros((n, h, w, c), dtype=cd)
    if n * rows == 0 or k == 0:
        return out.astype(out_dtype, copy=False)
    chunk = _chunk(n, rows, k)
    f2t = f2.T

    def work(n0, n1, cols):
        buf = cols[: (n1 - n0) * rows]
        np.dot(g2[n0 * rows : n1 * rows], f2t, out=buf)
        ck.col2im(buf, n0, n1, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, out)

    _conv_chunks(n, chunk, n * rows * k * o, work, lambda: np.empty((chunk * rows, k), dtype=cd))
    return out.astype(out_dtype, copy=False)


def conv2d_backprop_filter_nhwc(x, filter_shape, g, sh, sw, dh, dw, padding, explicit, out_dtype,
                                sums=None):
    """Gradient of Conv2D w.r.t. its HWIO filter: sum over chunks of ``cols.T @ g``.

    ``sums`` (float64 [O], zeroed): filled with ``g``'s per-channel sums, in the same pass when the
    tile kernel computes the gradient (a separate float64 sum on the other paths)."""
    cd = _compute(out_dtype)
    x = _c(x, cd)
    g = _c(g, cd)
    kh, kw, cin, o = (int(v) for v in filter_shape)
    n, h, w, c = x.shape
    ho, wo, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
    _check_out_backprop("Filter", g, (n, ho, wo, o))
    k = kh * kw * c
    rows = ho * wo
    g2 = g.reshape(n * rows, o)
    one_by_one = kh == 1 and kw == 1 and sh == 1 and sw == 1 and ho == h and wo == w
    tiled = _implicit(cd) and not one_by_one and n * rows > 0 and k > 0
    if sums is not None and not tiled:
        sums[...] = g2.sum(axis=0, dtype=np.float64)
    if one_by_one:
        return _gemm(x.reshape(-1, c).T, g2).reshape(kh, kw, c, o).astype(out_dtype, copy=False)
    acc = np.zeros((k, o), dtype=cd)
    if n * rows == 0 or k == 0:
        return acc.reshape(kh, kw, c, o).astype(out_dtype, copy=False)
    if tiled:
        return _filter_grad_implicit(x, g, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, o, acc, sums).reshape(
            kh, kw, c, o
        ).astype(out_dtype, copy=False)
    chunk = _chunk(n, rows, k)
    # one partial product per chunk, summed in chunk order afterwards (same bits for any threads)
    parts = np.empty((-(-n // chunk), k, o), dtype=cd)

    def work(n0, n1, cols):
        buf = cols[: (n1 - n0) * rows]
        ck.im2col(x, n0, n1, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, buf)
        np.dot(buf.T, g2[n0 * rows : n1 * rows], out=parts[n0 // chunk])

    _conv_chunks(n, chunk, n * rows * k * o, work, lambda: np.empty((chunk * rows, k), dtype=cd))
    acc[...] = parts[0]
    for i in range(1, parts.shape[0]):
        acc += parts[i]
    return acc.reshape(kh, kw, c, o).astype(out_dtype, copy=False)


def _filter_grad_implicit(x, g, kh, kw, sh, sw, dh, dw, pt, pl, ho, wo, o, acc, sums=None):
    """Filter gradient on the tile kernel: one partial per chunk of images (sized so a chunk's
    padded images and gradient rows stay in a core's L2), summed in chunk order into ``acc``.
    ``sums`` (float64 [O]) receives ``g``'s per-channel sums, also summed in chunk order."""
    n, _, _, c = x.shape
    k = acc.shape[0]
    cols = tile_gemm.padded_width(o)
    hb, wb = _padded_extent(ho, wo, kh, kw, sh, sw, dh, dw)
    per_image = 4 * (hb * wb * c + ho * wo * cols)
    chunk = _balanced_chunk(n, max(1, _FILTER_CHUNK_BYTES // per_image))
    count = -(-n // chunk)
    parts = np.empty((count, k, cols), dtype=np.float32)
    want = sums is not None
    part_sums = np.zeros((count, o) if want else (1, 1), dtype=np.float64)

    def images(n0, n1, gpad):
        i = n0 // chunk
        ic.filter_grad_images(x, g, n0, n1, pt, pl, hb, wb, kh, kw, sh, sw, dh, dw, gpad, parts[i],
                              part_sums[i if want else 0], want)

    def make_gpad():
        return np.empty((chunk * ho * wo, cols) if cols != o else (1, 1), dtype=np.float32)

    _conv_chunks(n, chunk, n * ho * wo * k * o, images, make_gpad)
    total = parts[0]
    for i in range(1, count):
        total += parts[i]
    acc[...] = total[:, :o]
    if want:
        sums[...] = part_sums[0]
        for i in range(1, count):
            sums += part_sums[i]
    return acc


def _infer_conv2d(inputs, attrs):
    x, f = inputs
    _conv_dtype_check(x, f, "Conv2D")
    return [(x.dtype.base_dtype, _conv_out_shape(x.shape.as_tuple(), f.shape.as_tuple(), attrs))]


_CONV_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.int32)


def _conv_dtype_check(a, b, op_type, names=("input", "filter")):
    if a.dtype.base_dtype not in _CONV_TYPES:
        raise TypeError(
            f"Value passed to parameter '{names[0]}' has DataType {a.dtype.base_dtype.name} not in "
            "list of allowed values: half, bfloat16, float32, float64, int32"
        )
    if b.dtype.base_dtype != a.dtype.base_dtype:
        raise TypeError(
            f"Input '{names[1]}' of '{op_type}' Op has type {b.dtype.base_dtype.name} that does not "
            f"match type {a.dtype.base_dtype.name} of argument '{names[0]}'."
        )


def _build_conv2d(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(x, f):
        return _from_nhwc(conv2d_nhwc(_to_nhwc(x, fmt), f, sh, sw, dh, dw, padding, explicit, out_dt), fmt)

    return run


def _conv_grad_attrs(op) -> dict:
    return {
        k: op.attrs[k]
        for k in ("strides", "padding", "explicit_paddings", "data_format", "dilations", "use_cudnn_on_gpu")
        if k in op.attrs
    }


def _conv2d_grad(op, grad):
    x, f = op.inputs
    a = _conv_grad_attrs(op)
    return [
        _make("Conv2DBackpropInput", [_shape_of(x), f, grad], a, "Conv2DBackpropInput"),
        _make("Conv2DBackpropFilter", [x, _shape_of(f), grad], a, "Conv2DBackpropFilter"),
    ]


def _make(op_type, inputs, attrs, name):
    g = inputs[0].graph
    return g.create_op(op_type, inputs, attrs, name=name)._outputs[0]


def _build_conv2d_bias(op):
    """Conv2D fused with the bias add that is its output's only consumer (NHWC, float32/64)."""
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    if fmt != "NHWC" or np.dtype(out_dt) not in (np.dtype(np.float32), np.dtype(np.float64)):
        return None

    def run(x, f, bias):
        return conv2d_nhwc(x, f, sh, sw, dh, dw, padding, explicit, out_dt, bias)

    return run


simple_op("Conv2D", _infer_conv2d, build=_build_conv2d, grad=_conv2d_grad,
          bias_fused_build=_build_conv2d_bias)


def _infer_backprop_input(inputs, attrs):
    sizes, f, g = inputs
    _conv_dtype_check(f, g, "Conv2DBackpropInput", ("filter", "out_backprop"))
    v = constant_value(sizes)
    if v is not None:
        dims = tuple(int(d) for d in np.asarray(v).reshape(-1))
        if len(dims) != 4:
            raise InferenceError(f"Shape must be rank 4 but is rank {len(dims)}")
    else:
        dims = (None,) * 4
    return [(f.dtype.base_dtype, dims)]


def _build_backprop_input(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(sizes, f, g):
        shape = _nhwc_dims(tuple(int(v) for v in np.asarray(sizes).reshape(-1)), fmt)
        r = conv2d_backprop_input_nhwc(shape, f, _to_nhwc(g, fmt), sh, sw, dh, dw, padding, explicit, out_dt)
        return _from_nhwc(r, fmt)

    return run


def _backprop_input_grad(op, grad):
    _, f, g = op.inputs
    a = _conv_grad_attrs(op)
    return [
        None,
        _make("Conv2DBackpropFilter", [grad, _shape_of(f), g], a, "Conv2DBackpropFilter"),
        _make("Conv2D", [grad, f], a, "Conv2D"),
    ]


simple_op(
    "Conv2DBackpropInput", _infer_backprop_input, build=_build_backprop_input, grad=_backprop_input_grad
)


def _infer_backprop_filter(inputs, attrs):
    x, sizes, g = inputs
    _conv_dtype_check(x, g, "Conv2DBackpropFilter", ("input", "out_backprop"))
    v = constant_value(sizes)
    dims = tuple(int(d) for d in np.asarray(v).reshape(-1)) if v is not None else (None,) * 4
    return [(x.dtype.base_dtype, dims)]


def _build_backprop_filter(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(x, sizes, g):
        return conv2d_backprop_filter_nhwc(
            _to_nhwc(x, fmt),
            np.asarray(sizes).reshape(-1),
            _to_nhwc(g, fmt),
            sh,
            sw,
            dh,
            dw,
            padding,
            explicit,
            out_dt,
        )

    return run


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """``a`` and ``b`` are the same C-contiguous buffer with the same shape and dtype."""
    return (a is b) or (
        a.shape == b.shape and a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _build_backprop_filter_and_sum(op, sum_op, sum_kernel):
    """Conv2DBackpropFilter and ``Sum(out_backprop, [0, 1, 2])`` (its bias's gradient) in one pass
    over ``out_backprop`` (NHWC float32 on the tile kernel); when the summed value is not
    ``out_backprop`` itself or the axes, dtypes or layout do not suit, the Sum's own kernel runs.
    The sum accumulates in float64 as the Sum kernel does, chunk by chunk."""
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    filter_grad = _build_backprop_filter(op)
    keep = bool(sum_op.attrs.get("keep_dims", False))
    if fmt != "NHWC" or np.dtype(out_dt) != np.float32 or not tile_gemm.AVAILABLE:
        return None

    def run(x, sizes, g, summed, axes):
        ax = np.asarray(axes).reshape(-1)
        if (g.ndim == 4 and g.dtype == np.float32 and x.dtype == np.float32 and ax.size == 3
                and ax.dtype.kind == "i" and _same_values(g, summed)
                and sorted(int(a) % 4 for a in ax) == [0, 1, 2]):
            sums = np.zeros(g.shape[3], dtype=np.float64)
            grad = conv2d_backprop_filter_nhwc(x, np.asarray(sizes).reshape(-1), g, sh, sw, dh, dw, padding,
                                               explicit, out_dt, sums)
            total = sums.astype(np.float32)
            return grad, total.reshape(1, 1, 1, -1) if keep else total
        return filter_grad(x, sizes, g), sum_kernel(summed, axes)

    return run


def _backprop_filter_grad(op, grad):
    x, _, g = op.inputs
    a = _conv_grad_attrs(op)
    return [
        _make("Conv2DBackpropInput", [_shape_of(x), grad, g], a, "Conv2DBackpropInput"),
        None,
        _make("Conv2D", [x, grad], a, "Conv2D"),
    ]


simple_op(
    "Conv2DBackpropFilter", _infer_backprop_filter, build=_build_backprop_filter, grad=_backprop_filter_grad,
    sum_fused_build=(2, _build_backprop_filter_and_sum),
)


def _conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu, op_type):
    data_format = data_format or "NHWC"
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format must be NHWC or NCHW, got {data_format}")
    _, _, cx = _spatial_axes(data_format)
    strides = _get_sequence(strides, 2, cx, "strides")
    dilations = _get_sequence(dilations, 2, cx, "dilations")
    pad, explicit = _padding_attrs(padding, op_type)
    _validate_strides(strides, dilations, data_format, op_type)
    return {
        "T": None,
        "strides": strides,
        "padding": pad,
        "explicit_paddings": explicit,
        "data_format": data_format,
        "dilations": dilations,
        "use_cudnn_on_gpu": bool(use_cudnn_on_gpu),
    }


def _convert_pair(a, b, names):
    """Convert ``a`` then ``b`` to ``a``'s dtype (TF's shared type attr T)."""
    a = convert_to_tensor(a, name=names[0])
    if isinstance(b, Tensor):
        return a, b
    if (
        isinstance(b, np.ndarray)
        and b.dtype != a.dtype.base_dtype.as_numpy_dtype
        and a.dtype.is_floating
        and b.dtype.kind in "fiu"
    ):
        b = b.astype(a.dtype.base_dtype.as_numpy_dtype)
    return a, convert_to_tensor(b, dtype=a.dtype.base_dtype, name=names[1])


def conv2d(
    input=None,
    filter=None,
    strides=None,
    padding=None,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
    filters=None,
) -> Tensor:
    """``tf.nn.conv2d``: 2-D convolution of NHWC (or NCHW) ``input`` with an HWIO ``filter``."""
    if filter is None:
        filter = filters
    if input is None or filter is None:
        raise TypeError("conv2d() missing required argument: 'input' or 'filter'")
    attrs = _conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu, "Conv2D")
    with op_scope(name, "Conv2D", [input, filter]) as scope:
        x, f = _convert_pair(input, filter, ("input", "filter"))
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("Conv2D", [x, f], attrs, scope)._outputs[0]


def conv2d_backprop_input(
    input_sizes,
    filter=None,
    out_backprop=None,
    strides=None,
    padding=None,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
    filters=None,
) -> Tensor:
    """``tf.nn.conv2d_backprop_input``: gradient of conv2d w.r.t. its input."""
    if filter is None:
        filter = filters
    attrs = _conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu, "Conv2DBackpropInput")
    with op_scope(name, "Conv2DBackpropInput", [input_sizes, filter, out_backprop]) as scope:
        sizes = convert_to_tensor(input_sizes, dtype=dtypes.int32, name="input_sizes")
        f, g = _convert_pair(filter, out_backprop, ("filter", "out_backprop"))
        attrs["T"] = f.dtype.base_dtype
        return create_in_scope("Conv2DBackpropInput", [sizes, f, g], attrs, scope)._outputs[0]


def conv2d_backprop_filter(
    input,
    filter_sizes,
    out_backprop,
    strides,
    padding,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
) -> Tensor:
    """``tf.nn.conv2d_backprop_filter``: gradient of conv2d w.r.t. its filter."""
    attrs = _conv_op_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu, "Conv2DBackpropFilter")
    with op_scope(name, "Conv2DBackpropFilter", [input, filter_sizes, out_backprop]) as scope:
        x, g = _convert_pair(input, out_backprop, ("input", "out_backprop"))
        sizes = convert_to_tensor(filter_sizes, dtype=dtypes.int32, name="filter_sizes")
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("Conv2DBackpropFilter", [x, sizes, g], attrs, scope)._outputs[0]


def conv2d_transpose(
    value=None,
    filter=None,
    output_shape=None,
    strides=None,
    padding="SAME",
    data_format="NHWC",
    name=None,
    input=None,
    filters=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.conv2d_transpose``: the gradient of conv2d, used as a learnable upsampling."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    with op_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        x = convert_to_tensor(value, name="value")
        f = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        _, _, cx = _spatial_axes(data_format)
        shape_t = (
            convert_to_tensor(output_shape, dtype=dtypes.int32, name="output_shape")
            if not isinstance(output_shape, Tensor)
            else output_shape
        )
        ov = constant_value(shape_t)
        fd = f.shape.as_tuple()
        xd = x.shape.as_tuple()
        if ov is not None and fd is not None and fd[2] is not None and int(np.asarray(ov)[cx]) != fd[2]:
            raise ValueError(
                f"output_shape does not match filter's output channels, {int(np.asarray(ov)[cx])} != {fd[2]}"
            )
        if xd is not None and fd is not None and xd[cx] is not None and fd[3] is not None and xd[cx] != fd[3]:
            raise ValueError(f"input channels does not match filter's input channels, {xd[cx]} != {fd[3]}")
        attrs = _conv_op_attrs(strides, padding, data_format, dilations, True, "Conv2DBackpropInput")
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("Conv2DBackpropInput", [shape_t, f, x], attrs, scope)._outputs[0]


def atrous_conv2d(value, filters, rate, padding, name=None) -> Tensor:
    """``tf.nn.atrous_conv2d``: conv2d with ``dilations=[1, rate, rate, 1]``."""
    return conv2d(
        value,
        filters,
        strides=[1, 1, 1, 1],
        padding=padding,
        dilations=[1, rate, rate, 1],
        name=name or "convolution",
    )


def _expand(x, axis):
    fn = _array("expand_dims")
    if fn is not None:
        return fn(x, axis)
    dims = x.shape.as_tuple()
    if dims is None or dims.count(None) > 1:
        raise NotImplementedError("this use needs tf.expand_dims, which graphflow does not provide yet")
    axis = axis % (len(dims) + 1)
    new = [-1 if d is None else d for d in dims]
    new.insert(axis, 1)
    return array_ops.reshape(x, new)


def _squeeze(x, axis, name=None):
    fn = _array("squeeze")
    if fn is not None:
        return fn(x, axis, name=name[:-1] if name else None)
    dims = x.shape.as_tuple()
    if dims is None or dims.count(None) > 1:
        raise NotImplementedError("this use needs tf.squeeze, which graphflow does not provide yet")
    axes = {a % len(dims) for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    new = [-1 if d is None else d for i, d in enumerate(dims) if i not in axes]
    return array_ops.reshape(x, new, name=name[:-1] if name else None)


def conv1d(
    value=None,
    filters=None,
    stride=None,
    padding=None,
    use_cudnn_on_gpu=None,
    data_format=None,
    name=None,
    input=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.conv1d``: a conv2d over ``[N, 1, W, C]`` (expand, convolve, squeeze) as TF does."""
    value = input if value is None else value
    with op_scope(name, "conv1d", [value, filters]) as scope:
        if data_format is None or data_format in ("NHWC", "NWC"):
            fmt, spatial = "NHWC", 1
        elif data_format in ("NCHW", "NCW"):
            fmt, spatial = "NCHW", 2
        else:
            raise ValueError('data_format must be "NWC" or "NCW".')
        x = convert_to_tensor(value, name="input")
        f = convert_to_tensor(filters, dtype=x.dtype.base_dtype, name="filters")
        x = _expand(x, spatial)
        f = _expand(f, 0)
        # _get_sequence(n=1) gives [1, v, 1] (channels last) or [1, 1, v] (channels first).
        s = _get_sequence(stride, 1, 1 if fmt == "NCHW" else 2, "stride")[1 if fmt == "NHWC" else 2]
        d = _get_sequence(dilations, 1, 1 if fmt == "NCHW" else 2, "dilations")[1 if fmt == "NHWC" else 2]
        s = [1, 1, s, 1] if fmt == "NHWC" else [1, 1, 1, s]
        d = [1, 1, d, 1] if fmt == "NHWC" else [1, 1, 1, d]
        y = conv2d(
            x,
            f,
            strides=s,
            padding=padding,
            use_cudnn_on_gpu=use_cudnn_on_gpu if use_cudnn_on_gpu is not None else True,
            data_format=fmt,
            dilations=d,
        )
        return _squeeze(y, [spatial], name=scope)


# ==================================================================================================
# Depthwise / separable convolution (direct loops)
# ==================================================================================================
def _infer_depthwise(inputs, attrs):
    x, f = inputs
    _conv_dtype_check(x, f, "DepthwiseConv2dNative")
    return [(x.dtype.base_dtype, _conv_out_shape(x.shape.as_tuple(), f.shape.as_tuple(), attrs, True))]


def _build_depthwise(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x, f):
        x = _c(_to_nhwc(x, fmt), cd)
        f = _c(f, cd)
        n, h, w, c = x.shape
        kh, kw, cin, m = f.shape
        if c != cin:
            raise errors.InvalidArgumentError(
                None, None, f"input and filter must have the same depth: {c} vs {cin}"
            )
        ho, wo, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
        out = np.empty((n, ho, wo, c * m), dtype=cd)
        ck.depthwise_forward(x, f, sh, sw, dh, dw, pt, pl, out)
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _depthwise_grad(op, grad):
    x, f = op.inputs
    a = _conv_grad_attrs(op)
    return [
        _make(
            "DepthwiseConv2dNativeBackpropInput",
            [_shape_of(x), f, grad],
            a,
            "DepthwiseConv2dNativeBackpropInput",
        ),
        _make(
            "DepthwiseConv2dNativeBackpropFilter",
            [x, _shape_of(f), grad],
            a,
            "DepthwiseConv2dNativeBackpropFilter",
        ),
    ]


simple_op("DepthwiseConv2dNative", _infer_depthwise, build=_build_depthwise, grad=_depthwise_grad)


def _build_depthwise_bi(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(sizes, f, g):
        n, h, w, c = _nhwc_dims(tuple(int(v) for v in np.asarray(sizes).reshape(-1)), fmt)
        f = _c(f, cd)
        g = _c(_to_nhwc(g, fmt), cd)
        kh, kw, _, m = f.shape
        _, _, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
        out = np.zeros((n, h, w, c), dtype=cd)
        ck.depthwise_backprop_input(g, f, sh, sw, dh, dw, pt, pl, out)
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _build_depthwise_bf(op):
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x, sizes, g):
        x = _c(_to_nhwc(x, fmt), cd)
        g = _c(_to_nhwc(g, fmt), cd)
        kh, kw, c, m = (int(v) for v in np.asarray(sizes).reshape(-1))
        _, h, w, _ = x.shape
        _, _, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
        out = np.zeros((kh, kw, c, m), dtype=cd)
        ck.depthwise_backprop_filter(x, g, sh, sw, dh, dw, pt, pl, out)
        return out.astype(out_dt, copy=False)

    return run


simple_op("DepthwiseConv2dNativeBackpropInput", _infer_backprop_input, build=_build_depthwise_bi)
simple_op("DepthwiseConv2dNativeBackpropFilter", _infer_backprop_filter, build=_build_depthwise_bf)


def depthwise_conv2d_native(
    input,
    filter,
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
) -> Tensor:
    """``tf.nn.depthwise_conv2d_native``: channel multiplier M, output depth C*M."""
    attrs = _conv_op_attrs(strides, padding, data_format, dilations, True, "DepthwiseConv2dNative")
    del attrs["use_cudnn_on_gpu"]
    with op_scope(name, "DepthwiseConv2dNative", [input, filter]) as scope:
        x, f = _convert_pair(input, filter, ("input", "filter"))
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("DepthwiseConv2dNative", [x, f], attrs, scope)._outputs[0]


def depthwise_conv2d_native_backprop_input(
    input_sizes,
    filter,
    out_backprop,
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
) -> Tensor:
    """``tf.nn.depthwise_conv2d_native_backprop_input``."""
    attrs = _conv_op_attrs(
        strides, padding, data_format, dilations, True, "DepthwiseConv2dNativeBackpropInput"
    )
    del attrs["use_cudnn_on_gpu"]
    with op_scope(name, "DepthwiseConv2dNativeBackpropInput", [input_sizes, filter, out_backprop]) as scope:
        sizes = convert_to_tensor(input_sizes, dtype=dtypes.int32, name="input_sizes")
        f, g = _convert_pair(filter, out_backprop, ("filter", "out_backprop"))
        attrs["T"] = f.dtype.base_dtype
        return create_in_scope("DepthwiseConv2dNativeBackpropInput", [sizes, f, g], attrs, scope)._outputs[0]


def depthwise_conv2d_native_backprop_filter(
    input,
    filter_sizes,
    out_backprop,
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
) -> Tensor:
    """``tf.nn.depthwise_conv2d_native_backprop_filter``."""
    attrs = _conv_op_attrs(
        strides, padding, data_format, dilations, True, "DepthwiseConv2dNativeBackpropFilter"
    )
    del attrs["use_cudnn_on_gpu"]
    with op_scope(name, "DepthwiseConv2dNativeBackpropFilter", [input, filter_sizes, out_backprop]) as scope:
        x, g = _convert_pair(input, out_backprop, ("input", "out_backprop"))
        sizes = convert_to_tensor(filter_sizes, dtype=dtypes.int32, name="filter_sizes")
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("DepthwiseConv2dNativeBackpropFilter", [x, sizes, g], attrs, scope)._outputs[0]


def depthwise_conv2d(
    input,
    filter,
    strides,
    padding,
    rate=None,
    name=None,
    data_format=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.depthwise_conv2d``: per-channel filters ``[KH, KW, C, M]``; ``rate`` dilates."""
    rate = dilations if rate is None else rate
    if rate is None:
        rate = [1, 1]
    if isinstance(rate, (int, np.integer)):
        rate = [int(rate), int(rate)]
    fmt = data_format or "NHWC"
    dil = [1, 1] + list(rate) if fmt == "NCHW" else [1] + list(rate) + [1]
    if len(rate) == 4:
        dil = list(rate)
    with op_scope(name, "depthwise", [input, filter]) as scope:
        x = convert_to_tensor(input, name="tensor_in")
        f = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter_in")
        return depthwise_conv2d_native(x, f, strides, padding, data_format=fmt, dilations=dil, name=scope)


def separable_conv2d(
    input,
    depthwise_filter,
    pointwise_filter,
    strides,
    padding,
    rate=None,
    name=None,
    data_format=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.separable_conv2d``: depthwise conv then a 1x1 conv (pointwise ``[1, 1, C*M, O]``)."""
    with op_scope(name, "separable_conv2d", [input, depthwise_filter, pointwise_filter]) as scope:
        x = convert_to_tensor(input, name="input")
        dwf = convert_to_tensor(depthwise_filter, dtype=x.dtype.base_dtype, name="depthwise_filter")
        pwf = convert_to_tensor(pointwise_filter, dtype=x.dtype.base_dtype, name="pointwise_filter")
        pd = pwf.shape.as_tuple()
        if pd is not None and (pd[0] not in (1, None) or pd[1] not in (1, None)):
            raise ValueError(f"Shapes must be equal rank, but are pointwise filter {pd[:2]} and [1, 1]")
        depthwise = depthwise_conv2d(
            x,
            dwf,
            strides,
            padding,
            rate=rate,
            name="depthwise",
            data_format=data_format,
            dilations=dilations,
        )
        return conv2d(
            depthwise, pwf, [1, 1, 1, 1], padding="VALID", data_format=data_format or "NHWC", name=scope
        )


# ==================================================================================================
# Pooling
# ==================================================================================================
def _pool_attrs(op):
    a = op if isinstance(op, dict) else op.attrs
    fmt = a.get("data_format", "NHWC")
    hx, wx, _ = _spatial_axes(fmt)
    return (
        fmt,
        a["ksize"][hx],
        a["ksize"][wx],
        a["strides"][hx],
        a["strides"][wx],
        a["padding"],
        _explicit_nhwc(list(a.get("explicit_paddings", [])), fmt),
    )


def _pool_out_shape(x_dims, attrs):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(attrs)
    _check_rank(x_dims, 4)
    n, h, w, c = _nhwc_dims(x_dims, fmt) if x_dims is not None else (None,) * 4
    ho, _ = _out_dim(h, kh, sh, 1, padding, explicit[2:4] if padding == "EXPLICIT" else None)
    wo, _ = _out_dim(w, kw, sw, 1, padding, explicit[4:6] if padding == "EXPLICIT" else None)
    return _format_dims((n, ho, wo, c), fmt)


def _infer_pool(inputs, attrs):
    x = inputs[0]
    return [(x.dtype.base_dtype, _pool_out_shape(x.shape.as_tuple(), attrs))]


def _pool_geometry(x_nhwc_shape, kh, kw, sh, sw, padding, explicit):
    _, h, w, _ = x_nhwc_shape
    return _runtime_geometry(h, w, kh, kw, sh, sw, 1, 1, padding, explicit)


# Input elements of a MaxPool/MaxPoolGrad below which it runs on one thread (images are independent).
_POOL_PAR_ELEMS = 1 << 18


def _for_images(xn, fn) -> None:
    """``fn(n0, n1)`` over ranges of the images of ``xn`` [N, H, W, C], one per thread when large."""
    nb = xn.shape[0]
    _threads.for_blocks(nb, fn, _POOL_PAR_ELEMS, unit=xn.size // max(nb, 1), align=1)


def _build_max_pool(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x):
        xn = _c(_to_nhwc(x, fmt), cd)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        out = _allocator.empty((xn.shape[0], ho, wo, xn.shape[3]), cd)
        _for_images(xn, lambda n0, n1: pk.max_pool(xn, kh, kw, sh, sw, pt, pl, out, n0, n1))
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _max_pool_grad(op, grad):
    a = {
        k: op.attrs[k]
        for k in ("ksize", "strides", "padding", "data_format", "explicit_paddings")
        if k in op.attrs
    }
    return [_make("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], a, "MaxPoolGrad")]


simple_op("MaxPool", _infer_pool, build=_build_max_pool, grad=_max_pool_grad,
          input_fused_build=lambda *args: _build_conv_max_pool(*args))  # defined with MaxPoolGrad below



def _build_max_pool_grad(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x, y, g):
        xn = _c(_to_nhwc(x, fmt), cd)
        gn = _c(_to_nhwc(g, fmt), cd)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        if gn.shape != (xn.shape[0], ho, wo, xn.shape[3]):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected grad shape to be {[xn.shape[0], ho, wo, xn.shape[3]]}, but got {list(gn.shape)}",
            )
        out = _allocator.empty(xn.shape, cd)  # the kernel writes every element (zeroes itself)
        yn = _c(_to_nhwc(y, fmt), cd)
        _for_images(xn, lambda n0, n1: pk.max_pool_grad(xn, yn, gn, kh, kw, sh, sw, pt, pl, out, n0, n1))
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _max_pool_grad_chain(next_type: str):
    """Gradient of MaxPoolGrad (-> MaxPoolGradGrad) and of MaxPoolGradGrad (-> MaxPoolGrad):
    zero for x and y, the other op of the pair for the incoming gradient."""

    def grad_fn(op, grad):
        x, y, _ = op.inputs
        a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format") if k in op.attrs}
        chained = _make(next_type, [x, y, grad], a, next_type)
        return [array_ops.zeros_like(x), array_ops.zeros_like(y), chained]

    return grad_fn


_max_pool_grad_grad = _max_pool_grad_chain("MaxPoolGradGrad")


def _indexed_pool_attrs(op):
    """``(output dtype, kh, kw, sh, sw, padding, explicit)`` of a max pool (or its gradient) whose
    window positions fit the uint8 index (NHWC float32/float64, windows of fewer than 255
    elements), else None."""
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    if fmt != "NHWC" or kh * kw >= pk.NO_INDEX or np.dtype(out_dt) not in (np.float32, np.float64):
        return None
    return out_dt, kh, kw, sh, sw, padding, explicit


def _build_max_pool_indexed(op):
    """MaxPool that also returns ``(positions, input shape)`` for ``_build_max_pool_grad_indexed``,
    or None (see ``_indexed_pool_attrs``)."""
    attrs = _indexed_pool_attrs(op)
    if attrs is None:
        return None
    out_dt, kh, kw, sh, sw, padding, explicit = attrs

    def run(x):
        xn = _c(x, out_dt)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        out = _allocator.empty((xn.shape[0], ho, wo, xn.shape[3]), out_dt)
        idx = np.empty(out.shape, dtype=np.uint8)
        _for_images(xn, lambda n0, n1: pk.max_pool_with_index(xn, kh, kw, sh, sw, pt, pl, out, idx, n0, n1))
        return out, (idx, xn.shape)

    return run


def _build_max_pool_grad_indexed(op):
    """MaxPoolGrad from the forward pass's positions and the incoming gradient: the input and the
    pooled output are not read again (nor kept alive for it)."""
    attrs = _indexed_pool_attrs(op)
    if attrs is None:
        return None
    out_dt, kh, kw, sh, sw, padding, explicit = attrs

    def run(index, g):
        idx, x_shape = index
        gn = _c(g, out_dt)
        if gn.shape != idx.shape:
            raise errors.InvalidArgumentError(
                None, None, f"Expected grad shape to be {list(idx.shape)}, but got {list(gn.shape)}")
        _, _, pt, pl = _pool_geometry(x_shape, kh, kw, sh, sw, padding, explicit)
        out = _allocator.empty(x_shape, out_dt)  # the kernel writes every element
        _for_images(out, lambda n0, n1: pk.max_pool_grad_from_index(idx, gn, kh, kw, sh, sw, pt, pl, out, n0,
                                                                     n1))
        return out

    return run


# Bytes of conv output per task of the fused conv + max pool (a per-thread scratch block that stays
# in L2 between the conv writing it and the pool reading it).
_CONV_POOL_SCRATCH = 1 << 19


def conv2d_max_pool_nhwc(x, f, bias, conv, pool, indexed, activation=None):
    """Conv2D (+ ``bias``) then MaxPool, a few images at a time: the conv output exists only in a
    per-thread scratch block (float32, tile kernel).  ``conv`` = (sh, sw, dh, dw, padding,
    explicit), ``pool`` = (kh, kw, sh, sw, padding, explicit).  Returns (a zero-strided stand-in
    with the conv output's shape, for shape readers; the pooled output[, (positions, conv output
    shape)][, the activation's output]) with the bits of the separate ops: ``activation(block)``
    (an op's ``block_activation``) then runs on each pooled block in cache, and the pooled output
    is a stand-in too.  None when the float32 tile path does not apply."""
    sh, sw, dh, dw, padding, explicit = conv
    x = np.ascontiguousarray(x)
    f = np.ascontiguousarray(f)
    if x.dtype != np.float32 or f.dtype != np.float32 or x.ndim != 4 or f.ndim != 4 or not _implicit(x.dtype):
        return None
    n, h, w, c = x.shape
    kh, kw, cin, o = f.shape
    if c != cin or kh * kw * c == 0 or n == 0 or o == 0:
        return None
    ho, wo, pt, pl = _runtime_geometry(h, w, kh, kw, sh, sw, dh, dw, padding, explicit)
    if ho * wo == 0:
        return None
    pkh, pkw, psh, psw, ppad, pexp = pool
    pho, pwo, ppt, ppl = _pool_geometry((n, ho, wo, o), pkh, pkw, psh, psw, ppad, pexp)
    y = _allocator.empty((n, pho, pwo, o), np.float32)
    idx = np.empty(y.shape, dtype=np.uint8) if indexed else None
    w2 = tile_gemm.pad_columns(f.reshape(kh * kw * c, o))
    hb, wb = _padded_extent(ho, wo, kh, kw, sh, sw, dh, dw)
    bias_v = _NO_BIAS if bias is None else np.ascontiguousarray(bias, dtype=np.float32).reshape(-1)
    chunk = _balanced_chunk(n, max(1, _CONV_POOL_SCRATCH // (ho * wo * o * 4)))

    def images(n0, n1, scratch):
        block = scratch[: n1 - n0]
        ic.forward_images(x, n0, n1, pt, pl, 1, 1, hb, wb, w2, kh, kw, sh, sw, dh, dw, ho, wo, bias_v,
                          bias is not None, block, n0)
        if indexed:
            pk.max_pool_with_index(block, pkh, pkw, psh, psw, ppt, ppl, y[n0:n1], idx[n0:n1], 0, n1 - n0)
        else:
            pk.max_pool(block, pkh, pkw, psh, psw, ppt, ppl, y[n0:n1], 0, n1 - n0)
        if activation is not None:
            activation(y[n0:n1])

    _conv_chunks(n, chunk, n * ho * wo * kh * kw * c * o, images,
                 lambda: np.empty((chunk, ho, wo, o), dtype=np.float32))
    outs = [_stand_in((n, ho, wo, o)), y]
    if indexed:
        outs.append((idx, (n, ho, wo, o)))
    if activation is not None:
        outs[1] = _stand_in(y.shape)
        outs.append(y)
    return tuple(outs)


def _stand_in(shape, dtype=np.float32) -> np.ndarray:
    """A read-only zero-strided array of ``shape``: a fused-away value's shape for readers of its
    shape only (the fusion pass admits no other readers)."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape, (0,) * len(shape), writeable=False)


def _build_conv_max_pool(conv_op, pool_op, has_bias: bool, indexed: bool, activation=None):
    """MaxPool's ``input_fused_build`` for a Conv2D producer (NHWC float32; see
    ``conv2d_max_pool_nhwc``); other dtypes or layouts at run time compute the two ops as usual."""
    if conv_op.type != "Conv2D":
        return None
    cfmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(conv_op)
    pfmt, pkh, pkw, psh, psw, ppad, pexp = _pool_attrs(pool_op)
    if cfmt != "NHWC" or pfmt != "NHWC" or np.dtype(pool_op.outputs[0].dtype.as_numpy_dtype) != np.float32:
        return None
    conv_run = _build_conv2d_bias(conv_op) if has_bias else _build_conv2d(conv_op)
    pool_run = _build_max_pool_indexed(pool_op) if indexed else _build_max_pool(pool_op)
    if conv_run is None or pool_run is None:
        return None
    conv = (sh, sw, dh, dw, padding, explicit)
    pool = (pkh, pkw, psh, psw, ppad, pexp)

    def run(x, f, *bias):
        fused = conv2d_max_pool_nhwc(x, f, bias[0] if has_bias else None, conv, pool, indexed, activation)
        if fused is not None:
            return fused
        value = conv_run(x, f, *bias)
        pooled = pool_run(value)
        outs = [value, *pooled] if indexed else [value, pooled]
        if activation is not None:
            act = np.array(outs[1], dtype=np.float32, order="C")
            activation(act)
            outs.append(act)
        return tuple(outs)

    return run


simple_op(
    "MaxPoolGrad",
    lambda inputs, attrs: [(inputs[0].dtype.base_dtype, inputs[0].shape)],
    build=_build_max_pool_grad,
    grad=_max_pool_grad_grad,
    index_grad_build=("MaxPool", _build_max_pool_indexed, _build_max_pool_grad_indexed),
)


def _build_max_pool_grad_grad(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x, y, gg):
        xn = _c(_to_nhwc(x, fmt), cd)
        ggn = _c(_to_nhwc(gg, fmt), cd)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        out = np.empty((xn.shape[0], ho, wo, xn.shape[3]), dtype=cd)
        pk.max_pool_grad_grad(xn, ggn, kh, kw, sh, sw, pt, pl, out)
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


_max_pool_grad_grad_grad = _max_pool_grad_chain("MaxPoolGrad")


simple_op(
    "MaxPoolGradGrad",
    lambda inputs, attrs: [(inputs[1].dtype.base_dtype, inputs[1].shape)],
    build=_build_max_pool_grad_grad,
    grad=_max_pool_grad_grad_grad,
)


def _build_avg_pool(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x):
        xn = _c(_to_nhwc(x, fmt), cd)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        out = np.empty((xn.shape[0], ho, wo, xn.shape[3]), dtype=cd)
        pk.avg_pool(xn, kh, kw, sh, sw, pt, pl, out)
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _avg_pool_grad(op, grad):
    a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format") if k in op.attrs}
    return [_make("AvgPoolGrad", [_shape_of(op.inputs[0]), grad], a, "AvgPoolGrad")]


simple_op("AvgPool", _infer_pool, build=_build_avg_pool, grad=_avg_pool_grad)


def _infer_avg_pool_grad(inputs, attrs):
    v = constant_value(inputs[0])
    dims = tuple(int(d) for d in np.asarray(v).reshape(-1)) if v is not None else (None,) * 4
    return [(inputs[1].dtype.base_dtype, dims)]


def _build_avg_pool_grad(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(sizes, g):
        shape = _nhwc_dims(tuple(int(v) for v in np.asarray(sizes).reshape(-1)), fmt)
        gn = _c(_to_nhwc(g, fmt), cd)
        _, _, pt, pl = _pool_geometry(shape, kh, kw, sh, sw, padding, explicit)
        out = np.zeros(shape, dtype=cd)
        pk.avg_pool_grad(gn, kh, kw, sh, sw, pt, pl, out)
        return _from_nhwc(out.astype(out_dt, copy=False), fmt)

    return run


def _avg_pool_grad_grad(op, grad):
    a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format") if k in op.attrs}
    a["T"] = grad.dtype.base_dtype
    return [None, _make("AvgPool", [grad], a, "AvgPool")]


simple_op("AvgPoolGrad", _infer_avg_pool_grad, build=_build_avg_pool_grad, grad=_avg_pool_grad_grad)


def _infer_max_pool_argmax(inputs, attrs):
    x = inputs[0]
    shape = _pool_out_shape(x.shape.as_tuple(), attrs)
    return [(x.dtype.base_dtype, shape), (attrs["Targmax"], shape)]


def _build_max_pool_argmax(op):
    fmt, kh, kw, sh, sw, padding, explicit = _pool_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    arg_dt = op.outputs[1].dtype.as_numpy_dtype
    include_batch = bool(op.attrs.get("include_batch_in_index", False))
    cd = _compute(out_dt)

    def run(x):
        xn = _c(x, cd)
        ho, wo, pt, pl = _pool_geometry(xn.shape, kh, kw, sh, sw, padding, explicit)
        shape = (xn.shape[0], ho, wo, xn.shape[3])
        out = np.empty(shape, dtype=cd)
        arg = np.empty(shape, dtype=np.int64)
        pk.max_pool_argmax(xn, kh, kw, sh, sw, pt, pl, include_batch, out, arg)
        return out.astype(out_dt, copy=False), arg.astype(arg_dt, copy=False)

    return run


def _max_pool_argmax_grad(op, grad, unused_argmax_grad=None):
    a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "include_batch_in_index") if k in op.attrs}
    return [_make("MaxPoolGradWithArgmax", [op.inputs[0], grad, op.outputs[1]], a, "MaxPoolGradWithArgmax")]


simple_op(
    "MaxPoolWithArgmax", _infer_max_pool_argmax, build=_build_max_pool_argmax, grad=_max_pool_argmax_grad
)


def _build_max_pool_grad_argmax(op):
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    include_batch = bool(op.attrs.get("include_batch_in_index", False))

    def run(x, g, arg):
        n = x.shape[0]
        out = np.zeros(x.shape, dtype=np.float64)
        arg = np.asarray(arg, dtype=np.int64)
        g = np.asarray(g, dtype=np.float64)
        if include_batch or n <= 1:
            pk.scatter_flat_add(
                np.ascontiguousarray(g).reshape(-1), np.ascontiguousarray(arg).reshape(-1), out.reshape(-1)
            )
        else:
            for i in range(n):
                pk.scatter_flat_add(
                    np.ascontiguousarray(g[i]).reshape(-1),
                    np.ascontiguousarray(arg[i]).reshape(-1),
                    out[i].reshape(-1),
                )
        return out.astype(out_dt, copy=False)

    return run


def _max_pool_grad_argmax_grad(op, grad):
    a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "include_batch_in_index") if k in op.attrs}
    x, _, arg = op.inputs
    gg = _make("MaxPoolGradGradWithArgmax", [x, grad, arg], a, "MaxPoolGradGradWithArgmax")
    return [array_ops.zeros_like(x), gg, None]


simple_op(
    "MaxPoolGradWithArgmax",
    lambda inputs, attrs: [(inputs[0].dtype.base_dtype, inputs[0].shape)],
    build=_build_max_pool_grad_argmax,
    grad=_max_pool_grad_argmax_grad,
)


def _build_max_pool_grad_grad_argmax(op):
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    include_batch = bool(op.attrs.get("include_batch_in_index", False))

    def run(x, gg, arg):
        arg = np.asarray(arg, dtype=np.int64)
        if include_batch or x.shape[0] <= 1:
            return np.ascontiguousarray(gg).reshape(-1)[arg].astype(out_dt, copy=False)
        flat = np.ascontiguousarray(gg).reshape(x.shape[0], -1)
        rows = np.arange(x.shape[0]).reshape((-1,) + (1,) * (arg.ndim - 1))
        return flat[rows, arg].astype(out_dt, copy=False)

    return run


def _max_pool_grad_grad_argmax_grad(op, grad):
    a = {k: op.attrs[k] for k in ("ksize", "strides", "padding", "include_batch_in_index") if k in op.attrs}
    x, _, arg = op.inputs
    return [
        array_ops.zeros_like(x),
        _make("MaxPoolGradWithArgmax", [x, grad, arg], a, "MaxPoolGradWithArgmax"),
        None,
    ]


simple_op(
    "MaxPoolGradGradWithArgmax",
    lambda inputs, attrs: [(inputs[0].dtype.base_dtype, inputs[2].shape)],
    build=_build_max_pool_grad_grad_argmax,
    grad=_max_pool_grad_grad_argmax_grad,
)


def _pool_op_attrs(ksize, strides, padding, data_format, op_type):
    data_format = data_format or "NHWC"
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"Data formats other than NHWC and NCHW are not supported, got {data_format}")
    _, _, cx = _spatial_axes(data_format)
    ksize = _get_sequence(ksize, 2, cx, "ksize")
    strides = _get_sequence(strides, 2, cx, "strides")
    pad, explicit = _padding_attrs(padding, op_type)
    if ksize[0] != 1 or strides[0] != 1:
        raise InferenceError("Pooling is not yet supported on the batch dimension.")
    if ksize[cx] != 1 or strides[cx] != 1:
        raise InferenceError(
            "Pooling is not yet supported on the depth dimension (MaxPool only supports depth "
            "pooling with equal ksize and stride)."
        )
    attrs = {"ksize": ksize, "strides": strides, "padding": pad, "data_format": data_format}
    if pad == "EXPLICIT":
        attrs["explicit_paddings"] = explicit
    return attrs


def max_pool(
    value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None
) -> Tensor:
    """``tf.nn.max_pool``: max over ``ksize`` windows (``value=`` is TF1's keyword)."""
    value = input if value is None else value
    attrs = _pool_op_attrs(ksize, strides, padding, data_format, "MaxPool")
    with op_scope(name, "MaxPool", [value]) as scope:
        x = convert_to_tensor(value, name="input")
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("MaxPool", [x], attrs, scope)._outputs[0]


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None) -> Tensor:
    """``tf.nn.max_pool2d``."""
    return max_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def avg_pool(
    value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None
) -> Tensor:
    """``tf.nn.avg_pool``: mean over the valid part of each window (SAME never counts padding)."""
    value = input if value is None else value
    attrs = _pool_op_attrs(ksize, strides, padding, data_format, "AvgPool")
    if attrs["padding"] == "EXPLICIT":
        raise ValueError(
            "Attr 'padding' of 'AvgPool' Op passed string 'EXPLICIT' not in: \"SAME\", \"VALID\"."
        )
    with op_scope(name, "AvgPool", [value]) as scope:
        x = convert_to_tensor(value, name="value")
        _float_dtype(x, arg="value", op_type="AvgPool")
        attrs["T"] = x.dtype.base_dtype
        return create_in_scope("AvgPool", [x], attrs, scope)._outputs[0]


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None) -> Tensor:
    """``tf.nn.avg_pool2d``."""
    return avg_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def max_pool_with_argmax(
    input,
    ksize,
    strides,
    padding,
    data_format="NHWC",
    Targmax=None,
    name=None,
    output_dtype=None,
    include_batch_in_index=False,
):
    """``tf.nn.max_pool_with_argmax``: (output, argmax) with flat indices ``(y*W + x)*C + c``."""
    if data_format != "NHWC":
        raise ValueError("Data formats other than 'NHWC' are not yet supported")
    targ = dtypes.as_dtype(Targmax or output_dtype or dtypes.int64)
    attrs = _pool_op_attrs(ksize, strides, padding, "NHWC", "MaxPoolWithArgmax")
    del attrs["data_format"]
    attrs.update({"Targmax": targ, "include_batch_in_index": bool(include_batch_in_index)})
    with op_scope(name, "MaxPoolWithArgmax", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        attrs["T"] = x.dtype.base_dtype
        op = create_in_scope("MaxPoolWithArgmax", [x], attrs, scope)
        return op.outputs[0], op.outputs[1]


# ==================================================================================================
# BiasAdd
# ==================================================================================================
def _infer_bias_add(inputs, attrs):
    x, b = inputs
    if b.dtype.base_dtype != x.dtype.base_dtype:
        raise TypeError(
            f"Input 'bias' of 'BiasAdd' Op has type {b.dtype.base_dtype.name} that does not match "
            f"type {x.dtype.base_dtype.name} of argument 'value'."
        )
    xd, bd = x.shape.as_tuple(), b.shape.as_tuple()
    if bd is not None and len(bd) != 1:
        raise InferenceError(f"Shape must be rank 1 but is rank {len(bd)}")
    if xd is None:
        return [(x.dtype.base_dtype, tensor_shape.unknown_shape())]
    if len(xd) < 2:
        raise InferenceError(f"Shape must be at least rank 2 but is rank {len(xd)}")
    cx = 1 if attrs.get("data_format") == "NCHW" else len(xd) - 1
    out = list(xd)
    if bd is not None:
        if out[cx] is not None and bd[0] is not None and out[cx] != bd[0]:
            raise InferenceError(f"Dimensions must be equal, but are {out[cx]} and {bd[0]}")
        if out[cx] is None:
            out[cx] = bd[0]
    return [(x.dtype.base_dtype, tuple(out))]


def _build_bias_add(op):
    nchw = op.attrs.get("data_format") == "NCHW"

    def run(x, b):
        if nchw and x.ndim > 2:
            return np.add(x, b.reshape((-1,) + (1,) * (x.ndim - 2)))
        return np.add(x, b)

    return run


def _bias_add_grad(op, grad):
    return [
        grad,
        _make(
            "BiasAddGrad",
            [grad],
            {"data_format": op.attrs.get("data_format", "NHWC"), "T": grad.dtype.base_dtype},
            "BiasAddGrad",
        ),
    ]


simple_op("BiasAdd", _infer_bias_add, build=_build_bias_add, grad=_bias_add_grad)


def _infer_bias_add_grad(inputs, attrs):
    g = inputs[0]
    d = g.shape.as_tuple()
    if d is None:
        return [(g.dtype.base_dtype, (None,))]
    cx = 1 if attrs.get("data_format") == "NCHW" else len(d) - 1
    return [(g.dtype.base_dtype, (d[cx],))]


def _build_bias_add_grad(op):
    nchw = op.attrs.get("data_format") == "NCHW"
    out_dt = op.outputs[0].dtype.as_numpy_dtype

    def run(g):
        if nchw and g.ndim > 2:
            axes = (0,) + tuple(range(2, g.ndim))
            return g.sum(axis=axes, dtype=np.float64).astype(out_dt)
        c = g.shape[-1]
        g2 = np.ascontiguousarray(g).reshape(-1, c)
        if g2.dtype.kind != "f" or g2.dtype.itemsize < 4:
            return g2.sum(axis=0, dtype=np.float64).astype(out_dt)
        return nk.sum_columns(g2, np.empty(c, dtype=g2.dtype))

    return run


def _bias_add_grad_grad(op, grad):
    g = op.inputs[0]
    d = g.shape.as_tuple()
    nchw = op.attrs.get("data_format") == "NCHW"
    if d is not None:
        cx = 1 if nchw else len(d) - 1
        shape = [1] * len(d)
        shape[cx] = -1
        b = array_ops.reshape(grad, shape)
        return [math_ops.multiply(array_ops.ones_like(g), b)]
    return [None]


simple_op("BiasAddGrad", _infer_bias_add_grad, build=_build_bias_add_grad, grad=_bias_add_grad_grad)


def bias_add(value, bias, data_format=None, name=None) -> Tensor:
    """``tf.nn.bias_add``: add a 1-D bias along the channel axis (last, or 1 for NCHW)."""
    with op_scope(name, "BiasAdd", [value, bias]) as scope:
        if data_format is not None and data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format is not None:
            data_format = "NHWC"
        x = convert_to_tensor(value, name="input")
        b = convert_to_tensor(bias, dtype=x.dtype.base_dtype, name="bias")
        return create_in_scope(
            "BiasAdd", [x, b], {"T": x.dtype.base_dtype, "data_format": data_format or "NHWC"}, scope
        )._outputs[0]


def xw_plus_b(x, weights, biases, name=None) -> Tensor:
    """``tf.nn.xw_plus_b``: matmul(x, weights) + biases."""
    with op_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        mm = math_ops.matmul(x, weights)
        return bias_add(mm, biases, name=scope)


def relu_layer(x, weights, biases, name=None) -> Tensor:
    """``tf.nn.relu_layer``: relu(matmul(x, weights) + biases)."""
    with op_scope(name, "relu_layer", [x, weights, biases]) as scope:
        xw = bias_add(math_ops.matmul(x, weights), biases)
        return relu(xw, name=scope)


# ==================================================================================================
# Activations
# ==================================================================================================
def _flat_build(kern, *attr_names, scalar_fn=None):
    """Build ``run(*arrays)`` calling ``kern(*flat_inputs, *attrs, out)`` on 1-D views."""

    def build(op):
        extra = scalar_fn(op) if scalar_fn is not None else tuple(float(op.attrs[a]) for a in attr_names)
        out_dt = op.outputs[0].dtype.as_numpy_dtype
        cd = _compute(out_dt)

        def run(*arrays):
            shape = arrays[-1].shape if len(arrays) > 1 else arrays[0].shape
            flats = [_c(a, cd).reshape(-1) for a in arrays]
            out = np.empty(flats[0].size, dtype=cd)
            kern(*flats, *extra, out)
            return out.reshape(shape).astype(out_dt, copy=False)

        return run

    return build


def _unary_op(op_type, x, name, arg="features", attrs=None):
    with op_scope(name, op_type, [x]) as scope:
        x = convert_to_tensor(x, name=arg)
        a = {"T": x.dtype.base_dtype}
        if attrs:
            a.update(attrs)
        return create_in_scope(op_type, [x], a, scope)._outputs[0]


def _grad_op(op_type, inputs, attrs=None):
    a = {"T": inputs[0].dtype.base_dtype}
    if attrs:
        a.update(attrs)
    return _make(op_type, list(inputs), a, op_type)


def _infer_grad_like(inputs, attrs):
    g, x = inputs[0], inputs[1]
    return [
        (g.dtype.base_dtype, g.shape.merge_with(x.shape) if g.shape.is_compatible_with(x.shape) else g.shape)
    ]


# Relu: forward is one NumPy ufunc; the gradient a one-pass numba loop; both split into blocks
# over the session's threads when large (memory-bound: 18 ms on one thread for 100M floats).
def _relu_kernel(x):
    zero = x.dtype.type(0)
    if x.size < _threads.ELEMENTWISE_PAR_ELEMS or not x.flags.c_contiguous:
        return np.maximum(x, zero)
    out = _allocator.empty(x.shape, x.dtype)
    xf, of = x.reshape(-1), out.reshape(-1)
    _threads.for_blocks(x.size, lambda lo, hi: np.maximum(xf[lo:hi], zero, out=of[lo:hi]))
    return out


def _relu_grad_kernel(g, y):
    if (g.shape == y.shape and g.dtype == y.dtype and g.dtype.kind == "f" and g.dtype.itemsize >= 4
            and g.flags.c_contiguous and y.flags.c_contiguous and g.size > 0):
        gf, yf = g.reshape(-1), y.reshape(-1)
        out = _allocator.empty((g.size,), g.dtype)
        _threads.for_blocks(g.size, lambda lo, hi: nk.relu_grad(gf[lo:hi], yf[lo:hi], out[lo:hi]))
        return out.reshape(g.shape)
    return np.where(y > 0, g, g.dtype.type(0))


def _relu_block(a: np.ndarray) -> None:
    """Relu in place on a C-contiguous float block: the bits of ``_relu_kernel``."""
    np.maximum(a, a.dtype.type(0), out=a)


def _build_conv_activation(conv_op, act_op, has_bias: bool, indexed: bool, activation=None):
    """An activation's ``input_fused_build`` for a Conv2D producer (``relu(conv(x, f) + b)``,
    ``tf.layers.conv2d(activation=tf.nn.relu)``): the activation runs on each block of the conv's
    output in cache (NHWC float32/float64); the conv's own output slot gets a stand-in."""
    if conv_op.type != "Conv2D" or indexed or activation is not None:
        return None
    fmt, sh, sw, dh, dw, padding, explicit = _conv_attrs(conv_op)
    out_dt = conv_op.outputs[0].dtype.as_numpy_dtype
    same_dtype = act_op.outputs[0].dtype == conv_op.outputs[0].dtype
    if fmt != "NHWC" or np.dtype(out_dt) not in (np.float32, np.float64) or not same_dtype:
        return None
    block = act_op._opdef.block_activation

    def run(x, f, *bias):
        b = bias[0] if has_bias else None
        out = conv2d_nhwc(x, f, sh, sw, dh, dw, padding, explicit, out_dt, b, block)
        return _stand_in(out.shape, out.dtype), out

    return run


simple_op(
    "Relu", infer_unary, _relu_kernel, grad=lambda op, grad: [_grad_op("ReluGrad", [grad, op.outputs[0]])],
    block_activation=_relu_block, input_fused_build=_build_conv_activation,
)
simple_op(
    "ReluGrad",
    _infer_grad_like,
    _relu_grad_kernel,
    grad=lambda op, grad: [_grad_op("ReluGrad", [grad, op.inputs[1]]), array_ops.zeros_like(op.inputs[1])],
)


def _relu6_kernel(x):
    return np.minimum(np.maximum(x, x.dtype.type(0)), x.dtype.type(6))


simple_op(
    "Relu6", infer_unary, _relu6_kernel, grad=lambda op, grad: [_grad_op("Relu6Grad", [grad, op.inputs[0]])]
)
simple_op(
    "Relu6Grad",
    _infer_grad_like,
    build=_flat_build(nk.relu6_grad),
    grad=lambda op, grad: [_grad_op("Relu6Grad", [grad, op.inputs[1]]), array_ops.zeros_like(op.inputs[1])],
)

simple_op(
    "LeakyRelu",
    infer_unary,
    build=_flat_build(nk.leaky_relu, "alpha"),
    grad=lambda op, grad: [_grad_op("LeakyReluGrad", [grad, op.inputs[0]], {"alpha": op.attrs["alpha"]})],
)
simple_op(
    "LeakyReluGrad",
    _infer_grad_like,
    build=_flat_build(nk.leaky_relu_grad, "alpha"),
    grad=lambda op, grad: [
        _grad_op("LeakyReluGrad", [grad, op.inputs[1]], {"alpha": op.attrs["alpha"]}),
        array_ops.zeros_like(op.inputs[1]),
    ],
)

simple_op(
    "Elu",
    infer_unary,
    build=_flat_build(nk.elu),
    grad=lambda op, grad: [_grad_op("EluGrad", [grad, op.outputs[0]])],
)
simple_op("EluGrad", _infer_grad_like, build=_flat_build(nk.elu_grad))
simple_op(
    "Selu",
    infer_unary,
    build=_flat_build(nk.selu),
    grad=lambda op, grad: [_grad_op("SeluGrad", [grad, op.outputs[0]])],
)
simple_op("SeluGrad", _infer_grad_like, build=_flat_build(nk.selu_grad))


def _softplus_threshold(op):
    eps = np.finfo(_compute(op.outputs[0].dtype.as_numpy_dtype)).eps
    return (float(np.log(eps)) + 2.0,)


simple_op(
    "Softplus",
    infer_unary,
    build=_flat_build(nk.softplus, scalar_fn=_softplus_threshold),
    grad=lambda op, grad: [_grad_op("SoftplusGrad", [grad, op.inputs[0]])],
)
simple_op("SoftplusGrad", _infer_grad_like, build=_flat_build(nk.softplus_grad))
simple_op(
    "Softsign",
    infer_unary,
    build=_flat_build(nk.softsign),
    grad=lambda op, grad: [_grad_op("SoftsignGrad", [grad, op.inputs[0]])],
)
simple_op("SoftsignGrad", _infer_grad_like, build=_flat_build(nk.softsign_grad))


def relu(features, name=None) -> Tensor:
    """``tf.nn.relu``: max(features, 0)."""
    return _unary_op("Relu", features, name)


def relu6(features, name=None) -> Tensor:
    """``tf.nn.relu6``: min(max(features, 0), 6)."""
    return _unary_op("Relu6", features, name)


def leaky_relu(features, alpha=0.2, name=None) -> Tensor:
    """``tf.nn.leaky_relu``: features for positives, alpha * features otherwise."""
    with op_scope(name, "LeakyRelu", [features, alpha]) as scope:
        x = convert_to_tensor(features, name="features")
        if x.dtype.is_integer:
            x = math_ops.cast(x, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = float(alpha)
        return create_in_scope(
            "LeakyRelu", [x], {"T": x.dtype.base_dtype, "alpha": float(alpha)}, scope
        )._outputs[0]


def elu(features, name=None) -> Tensor:
    """``tf.nn.elu``: features if > 0 else exp(features) - 1."""
    return _unary_op("Elu", features, name)


def selu(features, name=None) -> Tensor:
    """``tf.nn.selu``: scale * elu with alpha (Klambauer et al.)."""
    return _unary_op("Selu", features, name)


def softplus(features, name=None) -> Tensor:
    """``tf.nn.softplus``: log(exp(features) + 1) without overflow."""
    return _unary_op("Softplus", features, name)


def softsign(features, name=None) -> Tensor:
    """``tf.nn.softsign``: features / (abs(features) + 1)."""
    return _unary_op("Softsign", features, name)


def crelu(features, name=None, axis=-1) -> Tensor:
    """``tf.nn.crelu``: concat([relu(x), relu(-x)], axis)."""
    concat = _array("concat")
    if concat is None:
        raise NotImplementedError("tf.nn.crelu needs tf.concat, which graphflow does not provide yet")
    with op_scope(name, "CRelu", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        c = concat([x, math_ops.negative(x)], axis)
        return relu(c, name=scope)


def swish(features, beta=1.0, name=None) -> Tensor:
    """``tf.nn.swish``: features * sigmoid(beta * features)."""
    with op_scope(name, "swish", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        z = x if beta == 1.0 else math_ops.multiply(x, constant(beta, dtype=x.dtype))
        return math_ops.multiply(x, _sigmoid(z), name=scope)


def silu(features, beta=1.0, name=None) -> Tensor:
    """``tf.nn.silu``: the same as swish."""
    return swish(features, beta=beta, name=name)


# ==================================================================================================
# Softmax and cross entropies
# ==================================================================================================
def _rows_build(log: bool):
    def build(op):
        out_dt = op.outputs[0].dtype.as_numpy_dtype
        cd = _compute(out_dt)

        def run(x):
            if x.ndim == 0:
                raise errors.InvalidArgumentError(None, None, "logits must have >= 1 dimension, got []")
            shape = x.shape
            x2 = _c(x, cd).reshape(-1, shape[-1]) if shape[-1] else _c(x, cd).reshape(-1, 0)
            out = np.empty(x2.shape, dtype=cd)
            if x2.size:
                nk.softmax_rows(x2, log, out)
            return out.reshape(shape).astype(out_dt, copy=False)

        return run

    return build


def _infer_softmax(inputs, attrs):
    x = inputs[0]
    d = x.shape.as_tuple()
    if d is not None and len(d) < 1:
        raise InferenceError("Shape must be at least rank 1 but is rank 0")
    return [(x.dtype.base_dtype, x.shape)]


def _softmax_grad(op, grad):
    y = op.outputs[0]
    s = math_ops.reduce_sum(math_ops.multiply(grad, y), -1, keepdims=True)
    return [math_ops.multiply(math_ops.subtract(grad, s), y)]


def _log_softmax_grad(op, grad):
    y = op.outputs[0]
    s = math_ops.reduce_sum(grad, -1, keepdims=True)
    return [math_ops.subtract(grad, math_ops.multiply(s, math_ops.exp(y)))]


simple_op("Softmax", _infer_softmax, build=_rows_build(False), grad=_softmax_grad)
simple_op("LogSoftmax", _infer_softmax, build=_rows_build(True), grad=_log_softmax_grad)


def _softmax_like(op_type, logits, axis, name, dim):
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        axis = -1
    with op_scope(name, op_type, [logits]) as scope:
        x = convert_to_tensor(logits, name="logits")
        _float_dtype(x, arg="logits", op_type=op_type)
        rank = x.shape.ndims
        if rank is not None and not (-rank <= int(axis) < rank):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the number of "
                f"dimensions in the input. Received: dim={axis}",
            )
        if axis == -1 or (rank is not None and int(axis) % rank == rank - 1):
            return create_in_scope(op_type, [x], {"T": x.dtype.base_dtype}, scope)._outputs[0]
        if rank is None:
            raise NotImplementedError("softmax over a non-last axis needs a known rank in graphflow")
        a = int(axis) % rank
        perm = list(range(rank))
        perm[a], perm[-1] = perm[-1], perm[a]
        t = _transpose(x, perm)
        y = t.graph.create_op(op_type, [t], {"T": x.dtype.base_dtype}, name=op_type)._outputs[0]
        return _transpose_named(y, perm, scope)


def _transpose_named(y, perm, scope):
    fn = _array("transpose")
    return fn(y, perm, name=scope[:-1] if scope else None)


def softmax(logits, axis=None, name=None, dim=None) -> Tensor:
    """``tf.nn.softmax``: exp(logits) / sum(exp(logits), axis) (``dim=`` is TF1's keyword)."""
    return _softmax_like("Softmax", logits, axis, name, dim)


def log_softmax(logits, axis=None, name=None, dim=None) -> Tensor:
    """``tf.nn.log_softmax``: logits - log(sum(exp(logits), axis))."""
    return _softmax_like("LogSoftmax", logits, axis, name, dim)


def _infer_xent(inputs, attrs):
    f, lab = inputs
    fd, ld = f.shape.as_tuple(), lab.shape.as_tuple()
    _check_rank(fd, 2)
    _check_rank(ld, 2)
    if lab.dtype.base_dtype != f.dtype.base_dtype:
        raise TypeError(
            f"Input 'labels' of 'SoftmaxCrossEntropyWithLogits' Op has type "
            f"{lab.dtype.base_dtype.name} that does not match type {f.dtype.base_dtype.name} of "
            "argument 'features'."
        )
    n = c = None
    if fd is not None and ld is not None:
        from graphflow.ops.op_util import broadcast_dims

        n, c = broadcast_dims(fd, ld)
    elif fd is not None:
        n, c = fd
    elif ld is not None:
        n, c = ld
    return [(f.dtype.base_dtype, (n,)), (f.dtype.base_dtype, (n, c))]


def _build_xent(op):
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(f, lab):
        f, lab = np.broadcast_arrays(f, lab)
        f2 = _c(f, cd)
        l2 = _c(lab, cd)
        n, c = f2.shape
        loss = np.empty(n, dtype=cd)
        back = np.empty((n, c), dtype=cd)
        if n and c:
            nk.softmax_xent_rows(f2, l2, loss, back)
        elif n:
            loss.fill(0)
        return loss.astype(out_dt, copy=False), back.astype(out_dt, copy=False)

    return run


def _col(v):
    return array_ops.reshape(v, [-1, 1])


def _xent_grad(op, grad_loss, grad_grad=None):
    logits = op.inputs[0]
    back = op.outputs[1]
    gl = _col(grad_loss)
    g = math_ops.multiply(gl, back)
    if grad_grad is not None:
        sm = softmax(logits)
        s = math_ops.reduce_sum(math_ops.multiply(grad_grad, sm), -1, keepdims=True)
        g = math_ops.add(g, math_ops.multiply(math_ops.subtract(grad_grad, s), sm))
    return [g, math_ops.multiply(gl, math_ops.negative(log_softmax(logits)))]


simple_op("SoftmaxCrossEntropyWithLogits", _infer_xent, build=_build_xent, grad=_xent_grad)


def _infer_sparse_xent(inputs, attrs):
    f, lab = inputs
    fd, ld = f.shape.as_tuple(), lab.shape.as_tuple()
    _check_rank(fd, 2)
    _check_rank(ld, 1)
    n = c = None
    if fd is not None:
        n, c = fd
    if ld is not None:
        if n is not None and ld[0] is not None and n != ld[0]:
            raise InferenceError(f"Dimensions must be equal, but are {n} and {ld[0]}")
        n = n if n is not None else ld[0]
    return [(f.dtype.base_dtype, (n,)), (f.dtype.base_dtype, (n, c))]


def _label_error(labels: np.ndarray, c: int) -> errors.InvalidArgumentError:
    lo, hi = labels.min(), labels.max()
    bad = lo if lo < 0 else hi
    shown = " ".join(str(int(v)) for v in labels.reshape(-1)[:1000])
    return errors.InvalidArgumentError(
        None,
        None,
        f"Received a label value of {int(bad)} which is outside the valid range of [0, {c}).  "
        f"Label values: {shown}",
    )


def _build_sparse_xent(op):
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(f, lab):
        f2 = _c(f, cd)
        n, c = f2.shape
        lab = np.asarray(lab)
        if lab.shape != (n,):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"logits and labels must have the same first dimension, got logits shape "
                f"[{n},{c}] and labels shape [{','.join(map(str, lab.shape))}]",
            )
        if n and (lab.min() < 0 or lab.max() >= c):
            raise _label_error(lab, c)
        loss = np.empty(n, dtype=cd)
        back = np.empty((n, c), dtype=cd)
        if n:
            nk.sparse_softmax_xent_rows(f2, np.ascontiguousarray(lab, dtype=np.int64), loss, back)
        return loss.astype(out_dt, copy=False), back.astype(out_dt, copy=False)

    return run


def _sparse_xent_grad(op, grad_loss, grad_grad=None):
    logits = op.inputs[0]
    g = math_ops.multiply(_col(grad_loss), op.outputs[1])
    if grad_grad is not None:
        sm = softmax(logits)
        s = math_ops.reduce_sum(math_ops.multiply(grad_grad, sm), -1, keepdims=True)
        g = math_ops.add(g, math_ops.multiply(math_ops.subtract(grad_grad, s), sm))
    return [g, None]


simple_op(
    "SparseSoftmaxCrossEntropyWithLogits",
    _infer_sparse_xent,
    build=_build_sparse_xent,
    grad=_sparse_xent_grad,
)


def _flatten_to_2d(x: Tensor) -> tuple[Tensor, list | None]:
    """``x`` itself when rank 2, else ``[-1, C]`` and the static leading dims (shape fully known)."""
    d = x.shape.as_tuple()
    if d is not None and len(d) == 2:
        return x, None
    if d is None or None in d:
        raise NotImplementedError(
            "sparse cross entropy over rank != 2 needs a fully known shape in graphflow"
        )
    return array_ops.reshape(x, [-1, d[-1]]), list(d[:-1])


def _unflatten(loss: Tensor, lead: list | None) -> Tensor:
    return loss if lead is None else array_ops.reshape(loss, lead)


def softmax_cross_entropy_with_logits_v2(
    _sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None
) -> Tensor:
    """``tf.nn.softmax_cross_entropy_with_logits_v2``: -sum(labels * log_softmax(logits)); the
    gradient flows into soft ``labels`` too."""
    if _sentinel is not None:
        raise ValueError(
            "Only call `softmax_cross_entropy_with_logits_v2` with named arguments "
            "(labels=..., logits=..., ...)"
        )
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    axis = dim if axis is None else axis
    with op_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        x = convert_to_tensor(logits, name="logits")
        lab = convert_to_tensor(labels, dtype=x.dtype.base_dtype, name="labels")
        if x.dtype.base_dtype == dtypes.float16:
            x = math_ops.cast(x, dtypes.float32)
            lab = math_ops.cast(lab, dtypes.float32)
        rank = x.shape.ndims
        if rank is not None and axis not in (-1, rank - 1):
            perm = list(range(rank))
            a = int(axis) % rank
            perm[a], perm[-1] = perm[-1], perm[a]
            x = _transpose(x, perm)
            lab = _transpose(lab, perm)
        d = x.shape.as_tuple()
        if d is None or (len(d) != 2 and None in d):
            # Rank unknown, or rank != 2 with unknown dims: the same numbers from LogSoftmax (any
            # rank) without the [-1, C] reshape that would need the dims.
            return math_ops.negative(
                math_ops.reduce_sum(math_ops.multiply(lab, log_softmax(x)), -1), name=scope
            )
        x2, lead = _flatten_to_2d(x)
        l2, _ = _flatten_to_2d(lab)
        if lead is None:
            op = create_in_scope("SoftmaxCrossEntropyWithLogits", [x2, l2], {"T": x.dtype.base_dtype}, scope)
            out = op.outputs[0]
        else:
            op = x2.graph.create_op(
                "SoftmaxCrossEntropyWithLogits",
                [x2, l2],
                {"T": x.dtype.base_dtype},
                name="SoftmaxCrossEntropyWithLogits",
            )
            out = _unflatten(op.outputs[0], lead)
        if logits is not None and getattr(logits, "dtype", None) == dtypes.float16:
            out = math_ops.cast(out, dtypes.float16)
        return out


def softmax_cross_entropy_with_logits(
    _sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None
) -> Tensor:
    """``tf.nn.softmax_cross_entropy_with_logits`` (v1): labels are wrapped in stop_gradient."""
    if _sentinel is not None:
        raise ValueError(
            "Only call `softmax_cross_entropy_with_logits` with named arguments (labels=..., logits=..., ...)"
        )
    from graphflow.ops.gradients import stop_gradient

    with op_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        lab = stop_gradient(labels, name="labels_stop_gradient")
        return softmax_cross_entropy_with_logits_v2(
            labels=lab, logits=logits, dim=dim if axis is None else axis, name=scope
        )


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None) -> Tensor:
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: int ``labels`` in [0, classes)."""
    if _sentinel is not None:
        raise ValueError(
            "Only call `sparse_softmax_cross_entropy_with_logits` with named arguments "
            "(labels=..., logits=..., ...)"
        )
    with op_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]) as scope:
        lab = convert_to_tensor(labels, name="labels")
        x = convert_to_tensor(logits, name="logits")
        if lab.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(
                f"Value passed to parameter 'labels' has DataType {lab.dtype.base_dtype.name} not in "
                "list of allowed values: int32, int64"
            )
        orig = x
        if x.dtype.base_dtype == dtypes.float16:
            x = math_ops.cast(x, dtypes.float32)
        lr, xr = lab.shape.ndims, x.shape.ndims
        if xr == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {x.shape}.")
        if lr is not None and xr is not None and lr != xr - 1:
            raise ValueError(
                f"Rank mismatch: Rank of labels (received {lr}) should equal rank of logits minus 1 "
                f"(received {xr})."
            )
        ld, xd = lab.shape.as_tuple(), x.shape.as_tuple()
        if ld is not None and xd is not None:
            for a, b in zip(ld, xd[:-1]):
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Shape mismatch: The shape of labels (received {lab.shape}) should equal the "
                        f"shape of logits except for the last dimension (received {x.shape})."
                    )
        if xr == 2:
            out = create_in_scope(
                "SparseSoftmaxCrossEntropyWithLogits",
                [x, lab],
                {"T": x.dtype.base_dtype, "Tlabels": lab.dtype.base_dtype},
                scope,
            ).outputs[0]
        else:
            x2, lead = _flatten_to_2d(x)
            l2 = array_ops.reshape(lab, [-1])
            op = x2.graph.create_op(
                "SparseSoftmaxCrossEntropyWithLogits",
                [x2, l2],
                {"T": x.dtype.base_dtype, "Tlabels": lab.dtype.base_dtype},
                name="SparseSoftmaxCrossEntropyWithLogits",
            )
            out = _unflatten(op.outputs[0], lead)
        if orig.dtype.base_dtype == dtypes.float16:
            out = math_ops.cast(out, dtypes.float16)
        return out


def _same_shape_check(labels: Tensor, logits: Tensor) -> None:
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})")


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None) -> Tensor:
    """``tf.nn.sigmoid_cross_entropy_with_logits``: max(x, 0) - x*z + log(1 + exp(-|x|))."""
    if _sentinel is not None:
        raise ValueError(
            "Only call `sigmoid_cross_entropy_with_logits` with named arguments (labels=..., logits=..., ...)"
        )
    with op_scope(name, "logistic_loss", [logits, labels]) as scope:
        x = convert_to_tensor(logits, name="logits")
        z = convert_to_tensor(labels, dtype=x.dtype.base_dtype, name="labels")
        _same_shape_check(z, x)
        zeros = array_ops.zeros_like(x)
        cond = math_ops.greater_equal(x, zeros)
        relu_logits = array_ops.where(cond, x, zeros)
        neg_abs = array_ops.where(cond, math_ops.negative(x), x)
        return math_ops.add(
            math_ops.subtract(relu_logits, math_ops.multiply(x, z)), _log1p(math_ops.exp(neg_abs)), name=scope
        )


def weighted_cross_entropy_with_logits(
    targets=None, logits=None, pos_weight=None, name=None, labels=None
) -> Tensor:
    """``tf.nn.weighted_cross_entropy_with_logits``: sigmoid cross entropy with positives weighted."""
    if labels is None:
        labels = targets
    with op_scope(name, "logistic_loss", [logits, labels]) as scope:
        x = convert_to_tensor(logits, name="logits")
        z = convert_to_tensor(labels, dtype=x.dtype.base_dtype, name="targets")
        _same_shape_check(z, x)
        one = constant(1, dtype=x.dtype)
        q = convert_to_tensor(pos_weight, dtype=x.dtype.base_dtype, name="pos_weight")
        log_weight = math_ops.add(one, math_ops.multiply(math_ops.subtract(q, one), z))
        soft = math_ops.add(
            _log1p(math_ops.exp(math_ops.negative(math_ops.abs(x)))), relu(math_ops.negative(x))
        )
        return math_ops.add(
            math_ops.multiply(math_ops.subtract(one, z), x), math_ops.multiply(log_weight, soft), name=scope
        )


# ==================================================================================================
# L2 loss, moments, batch normalization, LRN
# ==================================================================================================
def _l2_loss_kernel(x):
    cd = _compute(x.dtype)
    f = _c(x, cd).reshape(-1)
    return np.asarray(np.dot(f, f) / 2, dtype=x.dtype)


simple_op(
    "L2Loss",
    lambda inputs, attrs: [(inputs[0].dtype.base_dtype, ())],
    _l2_loss_kernel,
    grad=lambda op, grad: [math_ops.multiply(op.inputs[0], grad)],
)


def l2_loss(t, name=None) -> Tensor:
    """``tf.nn.l2_loss``: sum(t ** 2) / 2."""
    return _unary_op("L2Loss", t, name, arg="t")


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """``tf.nn.moments``: (mean, variance) over ``axes``."""
    from graphflow.ops.gradients import stop_gradient

    keep = bool(keep_dims if keep_dims is not None else keepdims)
    with op_scope(name, "moments", [x, axes]):
        y = convert_to_tensor(x, name="x")
        if y.dtype.base_dtype == dtypes.float16:
            y = math_ops.cast(y, dtypes.float32)
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, stop_gradient(mean)), axes, keepdims=True, name="variance"
        )
        if not keep:
            mean = _squeeze(mean, list(axes) if isinstance(axes, (list, tuple)) else [axes])
            variance = _squeeze(variance, list(axes) if isinstance(axes, (list, tuple)) else [axes])
        if x is not None and getattr(x, "dtype", None) == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None) -> Tensor:
    """``tf.nn.batch_normalization``: (x - mean) * scale / sqrt(variance + eps) + offset."""
    with op_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = convert_to_tensor(x, name="x")
        variance = convert_to_tensor(variance, dtype=x.dtype.base_dtype, name="variance")
        mean = convert_to_tensor(mean, dtype=x.dtype.base_dtype, name="mean")
        inv = _rsqrt(math_ops.add(variance, constant(variance_epsilon, dtype=x.dtype)))
        if scale is not None:
            inv = math_ops.multiply(inv, convert_to_tensor(scale, dtype=x.dtype.base_dtype, name="scale"))
        shift = (
            math_ops.negative(math_ops.multiply(mean, inv))
            if offset is None
            else math_ops.subtract(
                convert_to_tensor(offset, dtype=x.dtype.base_dtype, name="offset"),
                math_ops.multiply(mean, inv),
            )
        )
        return math_ops.add(math_ops.multiply(x, inv), shift)


def _infer_fused_bn(inputs, attrs):
    x, scale = inputs[0], inputs[1]
    d = x.shape.as_tuple()
    _check_rank(d, 4)
    c = None
    if d is not None:
        c = d[1] if attrs["data_format"] == "NCHW" else d[3]
    sd = scale.shape.as_tuple()
    if c is None and sd is not None:
        c = sd[0]
    vec = (c,)
    return (
        [
            (x.dtype.base_dtype, x.shape),
            (dtypes.float32 if x.dtype.base_dtype == dtypes.float16 else scale.dtype.base_dtype, vec),
        ]
        + [(scale.dtype.base_dtype, vec)] * 3
        + [(scale.dtype.base_dtype, (None,))]
    )


def _bn_axes(x, fmt):
    return (0, 2, 3) if fmt == "NCHW" else tuple(range(x.ndim - 1))


def _bn_bcast(v, x, fmt):
    return v.reshape(1, -1, 1, 1) if fmt == "NCHW" else v


def _build_fused_bn(op):
    eps = float(op.attrs["epsilon"])
    fmt = op.attrs["data_format"]
    training = bool(op.attrs["is_training"])
    factor = float(op.attrs.get("exponential_avg_factor", 1.0))
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    st_dt = op.outputs[1].dtype.as_numpy_dtype

    def run(x, scale, offset, mean, var):
        xf = np.asarray(x, dtype=np.float64)
        axes = _bn_axes(xf, fmt)
        if training:
            m = xf.mean(axis=axes)
            v = xf.var(axis=axes)
            count = xf.size // max(m.size, 1)
            v_unbiased = v * count / max(count - 1, 1)
            if factor != 1.0 and mean.size:
                run_m = (1 - factor) * np.asarray(mean, np.float64) + factor * m
                run_v = (1 - factor) * np.asarray(var, np.float64) + factor * v_unbiased
            else:
                run_m, run_v = m, v_unbiased
        else:
            m = np.asarray(mean, dtype=np.float64)
            v = np.asarray(var, dtype=np.float64)
            run_m, run_v = m, v
        inv = 1.0 / np.sqrt(v + eps)
        y = (xf - _bn_bcast(m, xf, fmt)) * _bn_bcast(
            inv * np.asarray(scale, np.float64), xf, fmt
        ) + _bn_bcast(np.asarray(offset, np.float64), xf, fmt)
        return (
            y.astype(out_dt),
            run_m.astype(st_dt),
            run_v.astype(st_dt),
            m.astype(st_dt),
            v.astype(st_dt),
            np.zeros(0, dtype=st_dt),
        )

    return run


def _fused_bn_grad(op, *grads):
    gy = grads[0]
    x, scale = op.inputs[0], op.inputs[1]
    attrs = {k: op.attrs[k] for k in ("epsilon", "data_format", "is_training")}
    attrs["T"] = x.dtype.base_dtype
    attrs["U"] = scale.dtype.base_dtype
    g = gy.graph.create_op(
        "FusedBatchNormGradV3",
        [gy, x, scale, op.outputs[3], op.outputs[4], op.outputs[5]],
        attrs,
        name="FusedBatchNormGradV3",
    )
    return [g.outputs[0], g.outputs[1], g.outputs[2], None, None]


simple_op("FusedBatchNormV3", _infer_fused_bn, build=_build_fused_bn, grad=_fused_bn_grad)


def _infer_fused_bn_grad(inputs, attrs):
    x, scale = inputs[1], inputs[2]
    vec = scale.shape
    return [
        (x.dtype.base_dtype, x.shape),
        (scale.dtype.base_dtype, vec),
        (scale.dtype.base_dtype, vec),
        (scale.dtype.base_dtype, (0,)),
        (scale.dtype.base_dtype, (0,)),
    ]


def _build_fused_bn_grad(op):
    eps = float(op.attrs["epsilon"])
    fmt = op.attrs["data_format"]
    training = bool(op.attrs["is_training"])
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    st_dt = op.outputs[1].dtype.as_numpy_dtype

    def run(gy, x, scale, m, v, _r3):
        xf = np.asarray(x, dtype=np.float64)
        g = np.asarray(gy, dtype=np.float64)
        axes = _bn_axes(xf, fmt)
        m = np.asarray(m, np.float64)
        inv = 1.0 / np.sqrt(np.asarray(v, np.float64) + eps)
        sc = np.asarray(scale, np.float64)
        xhat = (xf - _bn_bcast(m, xf, fmt)) * _bn_bcast(inv, xf, fmt)
        dbeta = g.sum(axis=axes)
        dgamma = (g * xhat).sum(axis=axes)
        if training:
            count = xf.size // max(m.size, 1)
            dx = _bn_bcast(sc * inv / count, xf, fmt) * (
                count * g - _bn_bcast(dbeta, xf, fmt) - xhat * _bn_bcast(dgamma, xf, fmt)
            )
        else:
            dx = g * _bn_bcast(sc * inv, xf, fmt)
        empty = np.zeros(0, dtype=st_dt)
        return dx.astype(out_dt), dgamma.astype(st_dt), dbeta.astype(st_dt), empty, empty

    return run


simple_op("FusedBatchNormGradV3", _infer_fused_bn_grad, build=_build_fused_bn_grad)


def fused_batch_norm(
    x,
    scale,
    offset,
    mean=None,
    variance=None,
    epsilon=0.001,
    data_format="NHWC",
    is_training=True,
    name=None,
    exponential_avg_factor=1.0,
):
    """``tf.nn.fused_batch_norm``: (y, batch_mean, batch_variance) of a 4-D input."""
    with op_scope(name, "FusedBatchNormV3", [x, scale, offset]) as scope:
        x = convert_to_tensor(x, name="input")
        scale = convert_to_tensor(scale, name="scale")
        offset = convert_to_tensor(offset, dtype=scale.dtype.base_dtype, name="offset")
        if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
            raise ValueError(
                "Both 'mean' and 'variance' must be a 1D tensor when is_training is False or "
                f"exponential_avg_factor != 1.0. Received: mean {mean!r} and variance {variance!r}"
            )
        if mean is None:
            mean = constant([], dtype=scale.dtype.base_dtype)
        if variance is None:
            variance = constant([], dtype=scale.dtype.base_dtype)
        mean = convert_to_tensor(mean, dtype=scale.dtype.base_dtype, name="mean")
        variance = convert_to_tensor(variance, dtype=scale.dtype.base_dtype, name="variance")
        epsilon = max(float(epsilon), 1.001e-5)
        attrs = {
            "T": x.dtype.base_dtype,
            "U": scale.dtype.base_dtype,
            "epsilon": epsilon,
            "data_format": data_format,
            "is_training": bool(is_training),
            "exponential_avg_factor": float(exponential_avg_factor),
        }
        op = create_in_scope("FusedBatchNormV3", [x, scale, offset, mean, variance], attrs, scope)
        return op.outputs[0], op.outputs[1], op.outputs[2]


def _lrn_attrs(op):
    a = op.attrs
    return int(a["depth_radius"]), float(a["bias"]), float(a["alpha"]), float(a["beta"])


def _build_lrn(op):
    r, b, al, be = _lrn_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(x):
        if x.ndim != 4:
            raise errors.InvalidArgumentError(None, None, f"input must be 4-dimensional, got {x.ndim}")
        x2 = _c(x, cd).reshape(-1, x.shape[-1])
        out = np.empty(x2.shape, dtype=cd)
        nk.lrn(x2, r, b, al, be, out)
        return out.reshape(x.shape).astype(out_dt, copy=False)

    return run


def _build_lrn_grad(op):
    r, b, al, be = _lrn_attrs(op)
    out_dt = op.outputs[0].dtype.as_numpy_dtype
    cd = _compute(out_dt)

    def run(g, x, y):
        x2 = _c(x, cd).reshape(-1, x.shape[-1])
        g2 = _c(g, cd).reshape(-1, x.shape[-1])
        out = np.empty(x2.shape, dtype=cd)
        nk.lrn_grad(g2, x2, r, b, al, be, out)
        return out.reshape(x.shape).astype(out_dt, copy=False)

    return run


def _lrn_grad(op, grad):
    a = {k: op.attrs[k] for k in ("depth_radius", "bias", "alpha", "beta", "T")}
    return [_make("LRNGrad", [grad, op.inputs[0], op.outputs[0]], a, "LRNGrad")]


def _infer_lrn(inputs, attrs):
    x = inputs[0]
    _check_rank(x.shape.as_tuple(), 4)
    return [(x.dtype.base_dtype, x.shape)]


simple_op("LRN", _infer_lrn, build=_build_lrn, grad=_lrn_grad)
simple_op(
    "LRNGrad", lambda inputs, attrs: [(inputs[1].dtype.base_dtype, inputs[1].shape)], build=_build_lrn_grad
)


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None) -> Tensor:
    """``tf.nn.local_response_normalization``: input / (bias + alpha * sum_sq_window) ** beta."""
    with op_scope(name, "LRN", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        # TF's LRN takes half/bfloat16/float32; graphflow also runs float64 (gradient checks).
        _float_dtype(x, arg="input", op_type="LRN")
        attrs = {
            "T": x.dtype.base_dtype,
            "depth_radius": int(depth_radius),
            "bias": float(bias),
            "alpha": float(alpha),
            "beta": float(beta),
        }
        return create_in_scope("LRN", [x], attrs, scope)._outputs[0]


lrn = local_response_normalization


# ==================================================================================================
# Dropout
# ==================================================================================================
def _floor(x):
    fn = _math("floor")
    if fn is not None:
        return fn(x)
    # keep_prob + U(0, 1) lies in [keep_prob, 1 + keep_prob): its floor is 1 exactly when >= 1.
    return math_ops.cast(math_ops.greater_equal(x, constant(1, dtype=x.dtype)), x.dtype)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None) -> Tensor:
    """``tf.nn.dropout`` (TF1): x / keep_prob * floor(keep_prob + uniform) with a fresh mask per run."""
    from graphflow.ops import random_ops

    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'keep_prob' and 'rate' (use 'rate' only)")
    if keep_prob is None and rate is None:
        raise ValueError("You must provide a rate to dropout.")
    with op_scope(name, "dropout", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(
                f"x has to be a floating point tensor since it's going to be scaled. Got a "
                f"{x.dtype.base_dtype.name} tensor instead."
            )
        if rate is not None:
            if isinstance(rate, numbers.Real) and not isinstance(rate, bool):
                if not 0 <= rate < 1:
                    raise ValueError(
                        f"rate must be a scalar tensor or a float in the range [0, 1), got {rate:g}"
                    )
                keep_prob = 1 - rate
            else:
                r = convert_to_tensor(rate, dtype=x.dtype.base_dtype, name="rate")
                keep_prob = math_ops.subtract(constant(1, dtype=x.dtype), r, name="sub")
        if isinstance(keep_prob, numbers.Real) and not isinstance(keep_prob, bool) and not 0 < keep_prob <= 1:
            raise ValueError(
                f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {keep_prob:g}"
            )
        kp = convert_to_tensor(keep_prob, dtype=x.dtype.base_dtype, name="keep_prob")
        if not kp.shape.is_compatible_with(tensor_shape.TensorShape([])):
            raise ValueError(f"Shapes {kp.shape} and () are incompatible")
        kv = constant_value(kp)
        if kv is not None and float(kv) == 1.0:
            return x
        if noise_shape is None:
            noise_shape = array_ops.shape(x)
        rnd = random_ops.random_uniform(noise_shape, seed=seed, dtype=x.dtype.base_dtype)
        random_tensor = math_ops.add(kp, rnd)
        binary = _floor(random_tensor)
        ret = math_ops.multiply(math_ops.realdiv(x, kp, name="div"), binary, name="mul")  # TF1: dropout/mul
        try:
            ret.set_shape(x.shape)
        except ValueError:
            pass
        return ret


# ==================================================================================================
# top_k, in_top_k, embedding_lookup
# ==================================================================================================
def _infer_top_k(inputs, attrs):
    x, k_t = inputs
    d = x.shape.as_tuple()
    k = constant_value(k_t)
    if d is not None and len(d) < 1:
        raise InferenceError("Shape must be at least rank 1 but is rank 0")
    if d is None:
        shape = tensor_shape.unknown_shape()
    else:
        kk = int(k) if k is not None else None
        if kk is not None and d[-1] is not None and d[-1] < kk:
            raise InferenceError(f"input must have last dimension >= k = {kk} but is {d[-1]}")
        shape = tuple(d[:-1]) + (kk,)
    return [(x.dtype.base_dtype, shape), (dtypes.int32, shape)]


def _build_top_k(op):
    def run(x, k):
        k = int(k)
        if k < 0:
            raise errors.InvalidArgumentError(None, None, f"Need k >= 0, got {k}")
        if x.ndim < 1 or x.shape[-1] < k:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"input must have at least k columns. Had {x.shape[-1] if x.ndim else 0}, needed {k}",
            )
        # Stable sort of the negated values: ties keep the lower index first, as TF.  With
        # sorted=False TF's order is unspecified; the sorted order is one valid answer.
        order = np.argsort(-x if x.dtype.kind != "u" else np.iinfo(x.dtype).max - x, axis=-1, kind="stable")
        idx = order[..., :k]
        vals = np.take_along_axis(x, idx, axis=-1)
        return vals, idx.astype(np.int32)

    return run


def _top_k_grad(op, grad, _idx_grad=None):
    return [
        _make(
            "TopKV2Grad",
            [op.outputs[1], grad, _shape_of(op.inputs[0])],
            {"T": grad.dtype.base_dtype},
            "TopKV2Grad",
        ),
        None,
    ]


simple_op("TopKV2", _infer_top_k, build=_build_top_k, grad=_top_k_grad)


def _scatter_last_axis(idx, g, shape):
    out = np.zeros(tuple(int(v) for v in np.asarray(shape).reshape(-1)), dtype=g.dtype)
    np.put_along_axis(out, idx.astype(np.int64), g, axis=-1)
    return out


def _topk_grad_grad(op, grad):
    idx = op.inputs[0]
    return [
        None,
        _make("TopKV2GradGather", [idx, grad], {"T": grad.dtype.base_dtype}, "TopKV2GradGather"),
        None,
    ]


# Helper op types for the TopKV2 gradient (TF builds it from Reshape/Gather/ScatterNd): scatter the
# k gradients to their positions along the last axis, and its adjoint (gather).
simple_op(
    "TopKV2Grad",
    lambda inputs, attrs: [(inputs[1].dtype.base_dtype, _shape_from_value(inputs[2], inputs[1]))],
    _scatter_last_axis,
    grad=_topk_grad_grad,
)
simple_op(
    "TopKV2GradGather",
    lambda inputs, attrs: [(inputs[1].dtype.base_dtype, inputs[0].shape)],
    lambda idx, g: np.take_along_axis(g, idx.astype(np.int64), axis=-1),
    grad=lambda op, grad: [
        None,
        _make(
            "TopKV2Grad",
            [op.inputs[0], grad, _shape_of(op.inputs[1])],
            {"T": grad.dtype.base_dtype},
            "TopKV2Grad",
        ),
    ],
)


def _shape_from_value(shape_t, like):
    v = constant_value(shape_t)
    if v is not None:
        return tuple(int(d) for d in np.asarray(v).reshape(-1))
    d = like.shape.ndims
    return (None,) * d if d is not None else tensor_shape.unknown_shape()


def top_k(input, k=1, sorted=True, name=None):
    """``tf.nn.top_k``: (values, int32 indices) of the k largest entries of the last axis."""
    with op_scope(name, "TopKV2", [input, k]) as scope:
        x = convert_to_tensor(input, name="input")
        k_t = convert_to_tensor(k, dtype=dtypes.int32, name="k")
        op = create_in_scope("TopKV2", [x, k_t], {"T": x.dtype.base_dtype, "sorted": bool(sorted)}, scope)
        return op.outputs[0], op.outputs[1]


def _infer_in_top_k(inputs, attrs):
    p, t, _ = inputs
    pd, td = p.shape.as_tuple(), t.shape.as_tuple()
    _check_rank(pd, 2)
    _check_rank(td, 1)
    n = pd[0] if pd is not None else None
    if td is not None:
        if n is not None and td[0] is not None and n != td[0]:
            raise InferenceError(f"Dimensions must be equal, but are {n} and {td[0]}")
        n = n if n is not None else td[0]
    return [(dtypes.bool, (n,))]


def _in_top_k_kernel(p, t, k):
    k = int(k)
    n, c = p.shape
    t = np.asarray(t).astype(np.int64)
    out = np.zeros(n, dtype=bool)
    valid = (t >= 0) & (t < c)
    rows = np.nonzero(valid)[0]
    if rows.size:
        target = p[rows, t[rows]]
        finite = np.isfinite(target)
        greater = (p[rows] > target[:, None]).sum(axis=1)
        out[rows] = finite & (greater < k)
    return out


simple_op("InTopKV2", _infer_in_top_k, _in_top_k_kernel, grad=NOT_DIFFERENTIABLE)


def in_top_k(predictions, targets, k, name=None) -> Tensor:
    """``tf.nn.in_top_k``: whether each target is among the k largest predictions (ties count)."""
    with op_scope(name, "in_top_k", [predictions, targets]):
        p = convert_to_tensor(predictions, name="predictions")
        t = convert_to_tensor(targets, name="targets")
        k_t = convert_to_tensor(k, dtype=t.dtype.base_dtype, name="k")
        return p.graph.create_op(
            "InTopKV2", [p, t, k_t], {"T": t.dtype.base_dtype}, name="InTopKV2"
        )._outputs[0]


def embedding_lookup(
    params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None
) -> Tensor:
    """``tf.nn.embedding_lookup``: rows of ``params`` (one tensor or a one-element list) by ``ids``."""
    gather = _array("gather")
    if gather is None:
        raise NotImplementedError(
            "tf.nn.embedding_lookup needs tf.gather, which graphflow does not provide yet"
        )
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError(
                "graphflow's embedding_lookup supports a single (unpartitioned) params tensor"
            )
        params = params[0]
    with op_scope(name, "embedding_lookup", [params, ids]) as scope:
        p = convert_to_tensor(params, name="params")
        i = convert_to_tensor(ids, name="ids")
        result = gather(p, i, name=scope[:-1] if scope else None)
        if max_norm is not None:
            clip = _math("clip_by_norm")
            if clip is None:
                raise NotImplementedError("embedding_lookup(max_norm=) needs tf.clip_by_norm")
            result = clip(result, max_norm, axes=list(range(i.shape.ndims or 0, result.shape.ndims or 1)))
        return array_ops.identity(result)
