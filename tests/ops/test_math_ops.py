"""Tests for graphflow/ops/math_ops.py: TF1 semantics beyond the op table (rounding, integer
division, dtype rules, kwargs, names, errors), property tests against NumPy, higher-order and
unknown-shape gradients, and differential checks against TensorFlow (marker ``tf``)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphflow as tf
from graphflow.ops import math_ops

HERE = os.path.basename(__file__)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict=feed)


def line_of(marker: str) -> int:
    """The line number of the first line in this file containing ``marker``."""
    with open(__file__) as f:
        for i, line in enumerate(f, 1):
            if marker in line and "line_of(" not in line:
                return i
    raise AssertionError(marker)


# -- rounding and division semantics ---------------------------------------------------------------
def test_round_is_half_to_even():
    x = tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49, -0.51], dtype=tf.float32)
    r = run(tf.round(x))
    np.testing.assert_array_equal(r, [-2, -2, -0, 0, 2, 2, 4, 0, -1])
    assert np.signbit(r[2]) and not np.signbit(r[3])
    assert tf.round(x).op.type == "Round"


def test_round_of_integers_is_the_identity():
    x = tf.constant([1, -2], dtype=tf.int32)
    assert tf.round(x) is x


def test_floordiv_and_floormod_with_negative_integers():
    x = tf.constant([7, -7, 7, -7], dtype=tf.int32)
    y = tf.constant([2, 2, -2, -2], dtype=tf.int32)
    q, r = run([x // y, x % y])
    np.testing.assert_array_equal(q, [3, -4, -4, 3])
    np.testing.assert_array_equal(r, [1, 1, -1, -1])
    assert q.dtype == np.int32 and r.dtype == np.int32


def test_floordiv_and_floormod_with_floats():
    x = tf.constant([7.5, -7.5, 7.5, -7.5, 1.0], dtype=tf.float64)
    y = tf.constant([2.0, 2.0, -2.0, -2.0, 0.1], dtype=tf.float64)
    q, r = run([tf.floordiv(x, y), tf.floormod(x, y)])
    np.testing.assert_array_equal(q, np.floor(np.array([7.5, -7.5, 7.5, -7.5, 1.0]) / [2, 2, -2, -2, 0.1]))
    np.testing.assert_allclose(r[:4], [1.5, 0.5, -0.5, -1.5])


def test_operator_op_types_and_names():
    x = tf.placeholder(tf.float32, [2], name="x")
    assert (x + 1.0).op.type == "AddV2" and (x + 1.0).op.name.startswith("add")
    assert tf.add(x, x).op.type == "Add"
    fd = x // 2.0
    assert fd.op.type == "FloorDiv" and fd.op.name == "floordiv"
    m = x % 2.0
    assert m.op.type == "FloorMod" and m.op.name == "mod"
    assert tf.mod(x, 2.0).op.type == "FloorMod"
    assert (x / 2.0).op.type == "RealDiv" and (x / 2.0).op.name.startswith("truediv")


def test_integer_division_by_zero_raises_with_op_and_line():
    x = tf.constant([1, 2], dtype=tf.int32)
    y = tf.placeholder(tf.int32, [2])
    q = tf.floordiv(x, y, name="my_div")  # MARK-int-div
    with pytest.raises(tf.errors.InvalidArgumentError) as exc:
        run(q, {y: np.array([1, 0], np.int32)})
    msg = str(exc.value)
    assert "Integer division by zero" in msg
    assert "my_div" in msg and "FloorDiv" in msg
    assert f"{HERE}:{line_of('MARK-int-div')}" in msg


def test_integer_mod_by_zero_raises():
    y = tf.placeholder(tf.int64, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        run(tf.constant(5, tf.int64) % y, {y: np.int64(0)})


def test_float_division_by_zero_gives_inf_and_nan():
    x = tf.constant([1.0, -1.0, 0.0])
    out = run(x / tf.constant(0.0))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2])


def test_int_truediv_gives_float64_and_small_ints_float32():
    a = tf.constant([7, -7], dtype=tf.int32)
    b = tf.constant([2, 2], dtype=tf.int32)
    r = a / b
    assert r.dtype == tf.float64
    np.testing.assert_array_equal(run(r), [3.5, -3.5])
    assert tf.truediv(tf.constant([1], tf.int8), tf.constant([2], tf.int8)).dtype == tf.float32
    assert tf.divide(tf.constant([1], tf.int64), tf.constant([2], tf.int64)).dtype == tf.float64


def test_tf_div_is_floor_division_for_integers_and_real_for_floats():
    q = tf.div(tf.constant([-7, 7]), tf.constant([2, 2]))
    assert q.op.type == "FloorDiv" and q.dtype == tf.int32 and q.op.name == "div"
    np.testing.assert_array_equal(run(q), [-4, 3])
    f = tf.div(tf.constant([-7.0]), tf.constant([2.0]))
    assert f.op.type == "RealDiv"
    np.testing.assert_array_equal(run(f), [-3.5])


def test_realdiv_on_integers_truncates_toward_zero():
    np.testing.assert_array_equal(run(tf.realdiv(tf.constant([-7, 7]), tf.constant([2, -2]))), [-3, -3])


def test_integer_pow_with_negative_exponent_raises():
    e = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
        run(tf.pow(tf.constant(2), e), {e: -1})


def test_reciprocal_is_its_own_op_type():
    r = tf.reciprocal(tf.constant([2.0, -4.0]))
    assert r.op.type == "Reciprocal" and r.op.name == "Reciprocal"
    np.testing.assert_array_equal(run(r), [0.5, -0.25])


def test_sigmoid_and_tanh_do_not_overflow():
    x = tf.constant([-1000.0, -80.0, 0.0, 80.0, 1000.0], dtype=tf.float32)
    with np.errstate(all="raise"):
        s, t = run([tf.sigmoid(x), tf.tanh(x)])
    np.testing.assert_allclose(s, [0.0, 1.8048513e-35, 0.5, 1.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(t, [-1, -1, 0, 1, 1])
    assert np.all(np.isfinite(s))


def test_erf_lgamma_digamma_values():
    x = tf.constant([0.5, 1.0, 2.0, 3.5], dtype=tf.float64)
    e, lg, dg = run([tf.erf(x), tf.lgamma(x), tf.digamma(x)])
    import math

    np.testing.assert_allclose(e, [math.erf(v) for v in [0.5, 1.0, 2.0, 3.5]], rtol=1e-14)
    np.testing.assert_allclose(lg, [math.lgamma(v) for v in [0.5, 1.0, 2.0, 3.5]], rtol=1e-14)
    np.testing.assert_allclose(dg, [-1.9635100260214235, -0.5772156649015329, 0.42278433509846713,
                                    1.1031566406452432], rtol=1e-12)


def test_is_nan_is_inf_is_finite():
    x = tf.constant([1.0, np.nan, np.inf, -np.inf])
    n, i, f = run([tf.is_nan(x), tf.is_inf(x), tf.is_finite(x)])
    np.testing.assert_array_equal(n, [False, True, False, False])
    np.testing.assert_array_equal(i, [False, False, True, True])
    np.testing.assert_array_equal(f, [True, False, False, False])


def test_logical_ops_and_operators():
    a = tf.constant([True, True, False, False])
    b = tf.constant([True, False, True, False])
    r = run([a & b, a | b, a ^ b, ~a, tf.logical_xor(a, b)])
    np.testing.assert_array_equal(r[0], [1, 0, 0, 0])
    np.testing.assert_array_equal(r[1], [1, 1, 1, 0])
    np.testing.assert_array_equal(r[2], [0, 1, 1, 0])
    np.testing.assert_array_equal(r[3], [0, 0, 1, 1])
    np.testing.assert_array_equal(r[4], [0, 1, 1, 0])


# -- reductions -----------------------------------------------------------------------------------
def test_integer_mean_truncates_toward_zero():
    x = tf.constant([[-3, -4], [3, 4], [1, 1]], dtype=tf.int32)
    m = tf.reduce_mean(x, 1)
    assert m.dtype == tf.int32
    np.testing.assert_array_equal(run(m), [-3, 3, 1])


def test_keep_dims_old_and_new_names():
    x = tf.placeholder(tf.float32, [2, 3, 4])
    assert tf.reduce_sum(x, 1, keep_dims=True).shape.as_list() == [2, 1, 4]
    assert tf.reduce_max(x, [0, 2], keepdims=True).shape.as_list() == [1, 3, 1]
    assert tf.reduce_mean(x, reduction_indices=[-1]).shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match="keep_dims"):
        tf.reduce_sum(x, 1, keepdims=True, keep_dims=True)
    with pytest.raises(ValueError, match="reduction_indices"):
        tf.reduce_sum(x, 1, reduction_indices=1)


def test_reduction_with_unknown_rank_and_runtime_axes():
    x = tf.placeholder(tf.float32)
    axis = tf.placeholder(tf.int32, [None])
    s = tf.reduce_sum(x, axis)
    assert s.shape.ndims is None
    v = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(run(s, {x: v, axis: [0, 2]}), v.sum((0, 2)))
    np.testing.assert_array_equal(run(tf.reduce_sum(x), {x: v}), v.sum())


def test_reduction_invalid_axis_is_a_build_time_error():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2 dimensions"):
        tf.reduce_sum(x, 2)


def test_reduce_empty_gives_identities():
    x = tf.placeholder(tf.float32, [0, 3])
    v = np.zeros((0, 3), np.float32)
    s, p, mx, mn, mean = run([tf.reduce_sum(x, 0), tf.reduce_prod(x, 0), tf.reduce_max(x, 0),
                              tf.reduce_min(x, 0), tf.reduce_mean(x, 0)], {x: v})
    np.testing.assert_array_equal(s, [0, 0, 0])
    np.testing.assert_array_equal(p, [1, 1, 1])
    np.testing.assert_array_equal(mx, [-np.inf] * 3)
    np.testing.assert_array_equal(mn, [np.inf] * 3)
    assert np.all(np.isnan(mean))


def test_reduce_max_propagates_nan():
    x = tf.constant([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    r = run(tf.reduce_max(x, 1))
    assert np.isnan(r[0]) and r[1] == 3.0


def test_reduce_sum_of_bool_is_a_type_error():
    with pytest.raises(TypeError, match="Value passed to parameter 'input' has DataType bool"):
        tf.reduce_sum(tf.constant([True, False]))


def test_reduce_any_of_float_is_a_type_error():
    with pytest.raises(TypeError, match="Input 'input' of 'Any' Op has type float32 that does not match "
                                        "expected type of bool"):
        tf.reduce_any(tf.constant([1.0]))


def test_argmax_defaults_to_int64_and_first_maximum():
    x = tf.constant([[1.0, 3.0, 3.0], [5.0, 0.0, 5.0]])
    a = tf.argmax(x, 1)
    assert a.dtype == tf.int64 and a.op.type == "ArgMax"
    np.testing.assert_array_equal(run(a), [1, 0])
    b = tf.argmin(x, dimension=0, output_type=tf.int32)
    assert b.dtype == tf.int32
    np.testing.assert_array_equal(run(b), [0, 1, 0])
    assert tf.argmax(x).shape.as_list() == [3]
    with pytest.raises(TypeError, match="output_type"):
        tf.argmax(x, 0, output_type=tf.float32)
    with pytest.raises(ValueError, match="Expected dimension in the range"):
        tf.argmax(x, 2)


def test_count_nonzero_dtype_and_keepdims():
    x = tf.constant([[0, 1, 2], [0, 0, 3]])
    c = tf.count_nonzero(x, 1, keepdims=True)
    assert c.dtype == tf.int64 and c.shape.as_list() == [2, 1]
    np.testing.assert_array_equal(run(c), [[2], [1]])
    assert tf.count_nonzero(x, dtype=tf.int32).dtype == tf.int32


def test_logsumexp_is_stable_and_handles_infinities():
    x = tf.constant([[1000.0, 1000.0], [-np.inf, -np.inf], [0.0, -np.inf]])
    r = run(tf.reduce_logsumexp(x, 1))
    np.testing.assert_allclose(r, [1000.0 + np.log(2.0), -np.inf, 0.0])


def test_cumsum_cumprod_flags():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    r = run([tf.cumsum(x), tf.cumsum(x, exclusive=True), tf.cumsum(x, reverse=True),
             tf.cumsum(x, exclusive=True, reverse=True), tf.cumprod(x, exclusive=True, reverse=True)])
    np.testing.assert_array_equal(r[0], [1, 3, 6, 10])
    np.testing.assert_array_equal(r[1], [0, 1, 3, 6])
    np.testing.assert_array_equal(r[2], [10, 9, 7, 4])
    np.testing.assert_array_equal(r[3], [9, 7, 4, 0])
    np.testing.assert_array_equal(r[4], [24, 12, 4, 1])
    assert not np.signbit(run(tf.cumsum(tf.constant([-1.0, 2.0]), exclusive=True))[0])


def test_norm_variants_and_errors():
    v = np.array([[3.0, -4.0], [1.0, 2.0]], np.float32)
    x = tf.constant(v)
    e, o1, oi, fro = run([tf.norm(x), tf.norm(x, ord=1, axis=1), tf.norm(x, ord=np.inf, axis=0),
                          tf.norm(x, ord="fro", axis=[0, 1])])
    np.testing.assert_allclose(e, np.sqrt(30.0), rtol=1e-6)
    np.testing.assert_allclose(o1, [7.0, 3.0])
    np.testing.assert_allclose(oi, [3.0, 4.0])
    np.testing.assert_allclose(fro, np.sqrt(30.0), rtol=1e-6)
    assert tf.norm(x, keep_dims=True).shape.as_list() == [1, 1]
    with pytest.raises(ValueError):
        tf.norm(x, ord=-1)
    with pytest.raises(ValueError):
        tf.norm(x, ord="fro", axis=0)


def test_l2_normalize_names_and_epsilon():
    x = tf.constant([[0.0, 0.0], [3.0, 4.0]])
    y = math_ops.l2_normalize(x, axis=1)
    assert y.op.name == "l2_normalize" and y.op.type == "Mul"
    np.testing.assert_allclose(run(y), [[0, 0], [0.6, 0.8]], rtol=1e-6)
    np.testing.assert_allclose(run(math_ops.l2_normalize(x, dim=0)), [[0, 0], [1, 1]], rtol=1e-6)


def test_clip_by_value_builds_minimum_then_maximum():
    x = tf.constant([-2.0, 0.5, 3.0])
    c = tf.clip_by_value(x, -1.0, 1.0)
    assert c.op.type == "Maximum" and c.op.name == "clip_by_value"
    assert c.op.inputs[0].op.type == "Minimum"
    np.testing.assert_array_equal(run(c), [-1.0, 0.5, 1.0])


def test_add_n_and_accumulate_n():
    a = tf.constant([1.0, 2.0])
    assert tf.add_n([a]) is a
    s = tf.add_n([a, a, a])
    assert s.op.type == "AddN"
    np.testing.assert_array_equal(run([s, tf.accumulate_n([a, a])]), [[3, 6], [2, 4]])
    with pytest.raises(TypeError, match="don't all match"):
        tf.add_n([a, tf.constant([1, 2])])


# -- contractions ---------------------------------------------------------------------------------
def test_matmul_batch_and_unknown_rank_use_batch_matmul_v2():
    a = tf.placeholder(tf.float32, [5, 2, 3])
    b = tf.placeholder(tf.float32, [3, 4])
    c = tf.matmul(a, b)
    assert c.op.type == "BatchMatMulV2" and c.shape.as_list() == [5, 2, 4]
    assert tf.matmul(tf.placeholder(tf.float32), b).op.type == "BatchMatMulV2"
    assert tf.matmul(tf.placeholder(tf.float32, [2, 3]), b).op.type == "MatMul"


def test_matmul_shape_error_names_op_and_line():
    a = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [4, 5])
    with pytest.raises(ValueError) as exc:
        tf.matmul(a, b)  # MARK-matmul
    msg = str(exc.value)
    assert "Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input shapes: " \
           "[2,3], [4,5]." in msg
    assert f"{HERE}:{line_of('MARK-matmul')}" in msg


def _matmul_kernel(dt, transpose_a=False, transpose_b=False):
    a = tf.placeholder(dt, [None, None])
    b = tf.placeholder(dt, [None, None])
    op = tf.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b).op
    return op._opdef.kernel.build(op)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_small_matmul_fast_path_is_bit_identical_to_threads_dot(dt, ta, tb):
    """Small float products call ``a.dot(b)``: the bits of ``threads.dot`` (one ``np.dot``), for
    contiguous, transposed, Fortran-ordered and strided operands."""
    from graphflow.runtime import threads

    run_mm = _matmul_kernel(dt, ta, tb)
    rng = np.random.default_rng(7)
    for m, k, n in [(20, 1, 1), (1, 20, 1), (3, 5, 7), (64, 64, 64), (1, 1, 1), (33, 17, 9), (0, 3, 2)]:
        a = (rng.standard_normal((m, k)) * 10.0 ** rng.integers(-20, 20, (m, k))).astype(dt)
        b = rng.standard_normal((k, n)).astype(dt)
        if a.size > 3:
            a.reshape(-1)[:3] = [np.inf, -0.0, np.nan]
        for x, y in [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                     (np.repeat(a, 2, axis=1)[:, ::2], b)]:
            with np.errstate(all="ignore"):
                got = run_mm(x.T if ta else x, y.T if tb else y)  # the kernel transposes back
                expected = np.asarray(threads.dot(x, y), dtype=dt)
            assert got.dtype == expected.dtype and got.shape == (m, n)
            assert got.tobytes() == expected.tobytes(), (m, k, n, ta, tb)


def test_matmul_splittable_products_and_other_dtypes_use_threads_dot(monkeypatch):
    from graphflow.runtime import threads

    calls = []
    gemm = math_ops._gemm
    monkeypatch.setattr(math_ops, "_gemm", lambda a, b: (calls.append(a.shape), gemm(a, b))[1])
    a = np.ones((4, 3), np.float32)
    b = np.ones((3, 2), np.float32)
    run_mm = _matmul_kernel(tf.float32)
    run_mm(a, b)
    assert calls == []  # 24 multiply-adds: the fast path
    monkeypatch.setattr(threads, "_MIN_SPLIT_MACS", 24)  # now threads.dot may split it: its call
    np.testing.assert_array_equal(run_mm(a, b), np.full((4, 2), 3.0, np.float32))
    assert calls == [(4, 3)]
    run_int = _matmul_kernel(tf.int32)
    out = run_int(np.ones((4, 3), np.int32), np.ones((3, 2), np.int32))
    assert out.dtype == np.int32 and calls[-1] == (4, 3)
    run_mm(a.astype(np.float64), b.astype(np.float64))  # not the op's dtype: the general path
    assert len(calls) == 3


@pytest.mark.parametrize("ta,tb", [(False, False), (True, True)])
def test_matmul_size_error_is_unchanged_after_fast_runs(ta, tb):
    a = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None, None])
    c = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)  # MARK-mm-runtime
    av, bv = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    bad = np.ones((4, 5), np.float32)
    with tf.Session() as sess:
        ok = sess.run(c, {a: av.T if ta else av, b: bv.T if tb else bv})
        np.testing.assert_array_equal(ok, np.full((2, 4), 3.0, np.float32))
        with pytest.raises(tf.errors.InvalidArgumentError) as exc:
            sess.run(c, {a: av.T if ta else av, b: bad.T if tb else bad})
    msg = str(exc.value)
    assert msg.startswith("Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]")
    assert exc.value.op is c.op and f"{HERE}:{line_of('MARK-mm-runtime')}" in msg


def test_einsum_and_tensordot_shapes():
    a = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [None, 4])
    assert tf.einsum("ij,jk->ik", a, b).shape.as_list() == [2, 4]
    assert tf.einsum("ij,jk", a, b).shape.as_list() == [2, 4]
    assert tf.tensordot(a, b, [[1], [0]]).shape.as_list() == [2, 4]
    t = tf.tensordot(a, b, 1, name="td")
    assert t.op.name == "td" and t.op.type == "Einsum"
    with pytest.raises(NotImplementedError):
        tf.einsum("...ij,jk", a, b)
    with pytest.raises(ValueError):
        tf.einsum("ij,jk,kl->il", a, b)


# -- dtype rules and errors -----------------------------------------------------------------------
def test_sqrt_of_int_is_a_type_error_with_tf_text():
    with pytest.raises(TypeError) as exc:
        tf.sqrt(tf.constant([4], dtype=tf.int32))
    assert str(exc.value) == ("Value passed to parameter 'x' has DataType int32 not in list of allowed "
                              "values: bfloat16, float16, float32, float64, complex64, complex128")


def test_floor_and_atan2_type_errors():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values: bfloat16, float16, "
                                        "float32, float64$"):
        tf.floor(tf.constant([1]))
    with pytest.raises(TypeError, match="parameter 'y' has DataType int32"):
        tf.atan2(tf.constant([1]), tf.constant([1]))


def test_logical_not_of_float_is_a_type_error():
    with pytest.raises(TypeError, match="Input 'x' of 'LogicalNot' Op has type float32 that does not match "
                                        "expected type of bool."):
        tf.logical_not(tf.constant([1.0]))


def test_mixing_int32_and_float32_raises_at_build_time():
    x = tf.placeholder(tf.float32, [2])
    i = tf.placeholder(tf.int32, [2])
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type int32 that does not match type "
                                        "float32 of argument 'x'."):
        x + i
    with pytest.raises(TypeError, match="Input 'y' of 'Mul' Op has type int32"):
        tf.multiply(x, i)
    with pytest.raises(TypeError):
        tf.matmul(tf.placeholder(tf.float32, [2, 2]), tf.placeholder(tf.int32, [2, 2]))


def test_literals_take_the_tensor_dtype():
    x = tf.placeholder(tf.float64, [2])
    assert (x * 2).dtype == tf.float64
    assert (2 * x).dtype == tf.float64
    assert (tf.constant([1, 2]) * 3).dtype == tf.int32


def test_incompatible_broadcast_is_a_build_time_error_with_line():
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.placeholder(tf.float32, [4])
    with pytest.raises(ValueError) as exc:
        tf.add(x, y)  # MARK-bcast
    msg = str(exc.value)
    assert ("Dimensions must be equal, but are 3 and 4 for 'Add' (op: 'Add') with input shapes: [2,3], [4]."
            in msg)
    assert f"{HERE}:{line_of('MARK-bcast')}" in msg


def test_runtime_broadcast_error_is_invalid_argument():
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes: \\[2\\] vs. \\[3\\]"):
        run(x + y, {x: np.ones(2), y: np.ones(3)})


# -- property tests (hypothesis) ------------------------------------------------------------------
@st.composite
def broadcastable_shapes(draw):
    rank = draw(st.integers(0, 4))
    out = draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank))
    def sub(shape):
        k = draw(st.integers(0, len(shape)))
        tail = shape[len(shape) - k:]
        return tuple(d if draw(st.booleans()) else 1 for d in tail)
    return sub(out), sub(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broadcastable_shapes(), st.sampled_from(["add", "multiply", "maximum", "squared_difference", "less"]))
def test_broadcasting_matches_numpy(shapes, fn):
    sa, sb = shapes
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, sa)
        y = tf.placeholder(tf.float64, sb)
        z = getattr(tf, fn)(x, y)
        with tf.Session() as sess:
            got = sess.run(z, {x: a, y: b})
    ref = {"add": np.add, "multiply": np.multiply, "maximum": np.maximum,
           "squared_difference": lambda p, q: (p - q) ** 2, "less": np.less}[fn](a, b)
    assert z.shape.as_list() == list(ref.shape)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref)


@settings(max_examples=40, deadline=None)
@given(broadcastable_shapes())
def test_coalesced_broadcast_views_reproduce_numpy(shapes):
    from graphflow.ops.op_util import coalesce_broadcast

    sa, sb = shapes
    out, va, vb = coalesce_broadcast(sa, sb)
    assert out == np.broadcast_shapes(sa, sb)
    assert len(va) == len(vb) <= max(len(sa), len(sb), 1)
    a = np.arange(int(np.prod(sa))).reshape(sa)
    b = np.arange(int(np.prod(sb))).reshape(sb) * 7
    np.testing.assert_array_equal((a.reshape(va) + b.reshape(vb)).reshape(out), a + b)


@st.composite
def shape_and_axes(draw):
    rank = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    if rank == 0:
        return shape, None
    axes = draw(st.one_of(st.none(), st.lists(st.integers(-rank, rank - 1), min_size=0, max_size=rank)))
    if axes is not None:
        normalized = [a % rank for a in axes]
        if len(set(normalized)) != len(normalized):
            axes = sorted(set(normalized))
    return shape, axes


@settings(max_examples=50, deadline=None)
@given(shape_and_axes(), st.booleans(), st.sampled_from(["sum", "mean", "max", "min", "prod"]))
def test_reductions_match_numpy(shape_axes, keepdims, kind):
    shape, axes = shape_axes
    v = np.random.default_rng(1).standard_normal(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, shape)
        r = getattr(tf, f"reduce_{kind}")(x, axes, keepdims=keepdims)
        with tf.Session() as sess:
            got = sess.run(r, {x: v})
    np_axes = None if axes is None else tuple(axes)
    ref = getattr(np, {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "prod": "prod"}[kind])(
        v, axis=np_axes, keepdims=keepdims)
    assert r.shape.as_list() == list(np.shape(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(shape_and_axes())
def test_argmax_and_cumsum_match_numpy(shape_axes):
    shape, axes = shape_axes
    if not shape:
        return
    axis = axes[0] if axes else 0
    v = np.random.default_rng(2).standard_normal(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, shape)
        a, c = tf.argmax(x, axis), tf.cumsum(x, axis)
        with tf.Session() as sess:
            ga, gc = sess.run([a, c], {x: v})
    np.testing.assert_array_equal(ga, np.argmax(v, axis))
    np.testing.assert_allclose(gc, np.cumsum(v, axis))


# -- gradients ------------------------------------------------------------------------------------
SECOND_ORDER = {
    "tanh": (tf.tanh, "normal"),
    "sigmoid": (tf.sigmoid, "normal"),
    "pow_x": (lambda x: tf.pow(x, 2.5), "pos"),
    "pow_y": (lambda x: tf.pow(2.0 * tf.ones_like(x), x), "normal"),
    "reduce_prod": (lambda x: tf.reduce_prod(x, 1), "pos"),
    "rsqrt": (tf.rsqrt, "pos"),
    "log": (tf.log, "pos"),
    "erf": (tf.erf, "normal"),
    "lgamma": (tf.lgamma, "pos"),
    "asin": (tf.asin, "unit"),
    "tan": (tf.tan, "unit"),
    "atan2": (lambda x: tf.atan2(x, x * x + 1.0), "normal"),
    "logsumexp": (lambda x: tf.reduce_logsumexp(x, 1), "normal"),
    "cumprod": (lambda x: tf.cumprod(x, 1), "pos"),
    "einsum": (lambda x: tf.einsum("ij,ij->i", x, x), "normal"),
    "realdiv": (lambda x: 1.0 / (x * x + 1.0), "normal"),
    "sinh": (tf.sinh, "normal"),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_order_gradients(name):
    fn, kind = SECOND_ORDER[name]
    rng = np.random.default_rng(3)
    v = {"pos": rng.uniform(0.5, 1.5, (2, 3)), "unit": rng.uniform(-0.8, 0.8, (2, 3)),
         "normal": rng.standard_normal((2, 3))}[kind]
    x = tf.placeholder(tf.float64, [2, 3])
    y = fn(x)
    (dx,) = tf.gradients(tf.reduce_sum(y * y), x)
    with tf.Session():
        err = tf.test.compute_gradient_error(x, [2, 3], dx, [2, 3], x_init_value=v)
    assert err < 1e-3


UNKNOWN_SHAPE_GRADS = {
    "add_bcast": (lambda x, y: x + y, [(2, 3), (3,)]),
    "mul_bcast": (lambda x, y: x * y, [(2, 1), (3,)]),
    "sum": (lambda x: tf.reduce_sum(x, 1), [(2, 3, 4)]),
    "mean_keepdims": (lambda x: tf.reduce_mean(x, [0, 2], keepdims=True), [(2, 3, 4)]),
    "max": (lambda x: tf.reduce_max(x, -1), [(2, 3, 4)]),
    "prod": (lambda x: tf.reduce_prod(x, 1), [(2, 3, 4)]),
    "pow": (lambda x, y: tf.pow(tf.abs(x) + 0.5, y), [(2, 3), (3,)]),
    "batch_matmul": (lambda x, y: tf.matmul(x, y), [(2, 3, 4), (4, 5)]),
    "einsum_summed": (lambda x, y: tf.einsum("ij,k->ik", x, y), [(2, 3), (4,)]),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_SHAPE_GRADS))
def test_gradients_with_unknown_dims_match_static_ones(name):
    build, shapes = UNKNOWN_SHAPE_GRADS[name]
    rng = np.random.default_rng(4)
    vals = [rng.standard_normal(s) for s in shapes]
    results = []
    for static in (True, False):
        g = tf.Graph()
        with g.as_default():
            phs = [tf.placeholder(tf.float64, s if static else [None] * len(s)) for s in shapes]
            y = build(*phs)
            grads = tf.gradients(tf.reduce_sum(y * y), phs)
            with tf.Session() as sess:
                results.append(sess.run(grads, dict(zip(phs, vals))))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_non_differentiable_ops_give_none():
    x = tf.placeholder(tf.float32, [3])
    for y in [tf.floor(x), tf.round(x), tf.cast(tf.argmax(x), tf.float32), tf.cast(x > 0, tf.float32),
              x // 2.0]:
        assert tf.gradients(y, x) == [None]


def test_prod_gradient_with_zeros_is_exact():
    x = tf.placeholder(tf.float64, [4])
    (g,) = tf.gradients(tf.reduce_prod(x), x)
    np.testing.assert_array_equal(run(g, {x: [2.0, 0.0, 3.0, 4.0]}), [0.0, 24.0, 0.0, 0.0])
    np.testing.assert_array_equal(run(g, {x: [2.0, 0.0, 3.0, 0.0]}), [0.0, 0.0, 0.0, 0.0])


def test_pow_gradient_at_zero_base_is_finite():
    x = tf.placeholder(tf.float64, [3])
    y = tf.placeholder(tf.float64, [3])
    gx, gy = tf.gradients(tf.reduce_sum(tf.pow(x, y)), [x, y])
    rx, ry = run([gx, gy], {x: [0.0, -2.0, 2.0], y: [2.0, 2.0, 3.0]})
    np.testing.assert_allclose(rx, [0.0, -4.0, 12.0])
    np.testing.assert_allclose(ry, [0.0, 0.0, 8.0 * np.log(2.0)])


def test_maximum_gradient_goes_to_x_on_ties():
    x = tf.placeholder(tf.float64, [2])
    y = tf.placeholder(tf.float64, [2])
    gx, gy = tf.gradients(tf.reduce_sum(tf.maximum(x, y)), [x, y])
    rx, ry = run([gx, gy], {x: [1.0, 2.0], y: [1.0, 3.0]})
    np.testing.assert_array_equal(rx, [1.0, 0.0])
    np.testing.assert_array_equal(ry, [0.0, 1.0])


# -- differential tests against TensorFlow ---------------------------------------------------------
def _both(tf1, build, *values):
    ours = None
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.as_dtype(v.dtype), v.shape) for v in values]
        with tf.Session(graph=g) as sess:
            ours = sess.run(build(tf, *phs), dict(zip(phs, values)))
    tg = tf1.Graph()
    with tg.as_default():
        tphs = [tf1.placeholder(tf1.as_dtype(v.dtype), v.shape) for v in values]
        with tf1.Session(graph=tg) as sess:
            theirs = sess.run(build(tf1, *tphs), dict(zip(tphs, values)))
    return ours, theirs


DIFFERENTIAL = {
    "round_halves": (lambda t, x: t.round(x), [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 7.5], np.float32)]),
    "floormod_float_negatives": (lambda t, x, y: t.floormod(x, y),
                                 [np.array([7.5, -7.5, 7.5, -7.5, 0.0], np.float64),
                                  np.array([2.0, 2.0, -2.0, -2.0, -3.0], np.float64)]),
    "floordiv_float": (lambda t, x, y: t.floordiv(x, y),
                       [np.array([1.0, -1.0, 7.0], np.float64), np.array([0.1, 0.1, -0.7], np.float64)]),
    "int_floordiv_mod": (lambda t, x, y: [x // y, x % y],
                         [np.array([7, -7, 7, -7, 0], np.int64), np.array([2, 2, -2, -2, 5], np.int64)]),
    "int_truediv": (lambda t, x, y: x / y, [np.array([7, -7], np.int32), np.array([2, 3], np.int32)]),
    "int_mean": (lambda t, x: t.reduce_mean(x, 0), [np.array([[-3, 4], [-4, 3]], np.int32)]),
    "argmax_ties": (lambda t, x: [t.argmax(x, 1), t.argmin(x, 0)],
                    [np.array([[1.0, 3.0, 3.0], [5.0, 5.0, 0.0]], np.float32)]),
    "sigmoid_extremes": (lambda t, x: [t.sigmoid(x), t.tanh(x)],
                         [np.array([-100.0, -20.0, 0.0, 20.0, 100.0], np.float32)]),
    "logsumexp_inf": (lambda t, x: t.reduce_logsumexp(x, 1),
                      [np.array([[1000.0, 1000.0], [-np.inf, -np.inf]], np.float64)]),
    "cumsum_flags": (lambda t, x: [t.cumsum(x, 1, exclusive=True), t.cumprod(x, 1, reverse=True)],
                     [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float64)]),
    "lgamma_negative": (lambda t, x: t.lgamma(x), [np.array([-0.5, -1.5, 0.5, 10.0], np.float64)]),
    "count_nonzero": (lambda t, x: t.count_nonzero(x, 0), [np.array([[0.0, 1.0], [0.0, 0.0]], np.float32)]),
    "sign_int": (lambda t, x: [t.sign(x), t.abs(x), -x], [np.array([-3, 0, 4], np.int32)]),
    "sign_signed_zero": (lambda t, x: t.sign(x), [np.array([-0.0, 0.0, -2.0, np.nan], np.float32)]),
    "argmax_skips_nan": (lambda t, x: [t.argmax(x, 1), t.argmin(x, 1)],
                         [np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 1.0]], np.float32)]),
    "div_python2": (lambda t, x, y: t.div(x, y), [np.array([-7, 7], np.int32), np.array([2, 2], np.int32)]),
}


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(DIFFERENTIAL))
def test_matches_tensorflow_semantics(name, tf1):
    build, values = DIFFERENTIAL[name]
    ours, theirs = _both(tf1, build, *values)
    ours = ours if isinstance(ours, list) else [ours]
    theirs = theirs if isinstance(theirs, list) else [theirs]
    for a, b in zip(ours, theirs):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-30)  # TF flushes float32 denormals
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.tf
def test_integer_division_by_zero_matches_tensorflow_error_class(tf1):
    import tensorflow as real_tf

    tg = tf1.Graph()
    with tg.as_default():
        with tf1.Session() as sess, pytest.raises(real_tf.errors.InvalidArgumentError,
                                                  match="Integer division by zero"):
            sess.run(tf1.floordiv(tf1.constant([1]), tf1.constant([0])))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        run(tf.floordiv(tf.constant([1]), tf.constant([0])))


@pytest.mark.tf
def test_type_error_text_matches_tensorflow(tf1):
    tg = tf1.Graph()
    with tg.as_default(), pytest.raises(TypeError) as theirs:
        tf1.sqrt(tf1.constant([1], dtype=tf1.int32))
    with pytest.raises(TypeError) as ours:
        tf.sqrt(tf.constant([1], dtype=tf.int32))
    assert str(ours.value) == str(theirs.value)


def test_first_argument_fixes_the_dtype_as_in_tf1():
    """tf.add(np.int64(3), int32 tensor) and tf.add(1, float tensor) raise TypeError like TF1."""
    import numpy as np

    import graphflow as tf

    with pytest.raises(TypeError, match="Input 'y' of .* has type int32 that does not match type int64"):
        tf.add(np.int64(3), tf.constant(2))
    with pytest.raises(TypeError, match="has type float32 that does not match type int32"):
        tf.add(1, tf.constant(2.0))
    with tf.Session() as s:
        assert s.run(tf.add(1.5, tf.constant(2.0))) == np.float32(3.5)
        assert s.run(np.int64(3) + tf.constant(2)) == 5  # the operator form converts to the tensor's dtype


# -- reductions: the cached whole-row path -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["reduce_sum", "reduce_mean"])
@pytest.mark.parametrize("dt", [tf.float32, tf.float64])
@pytest.mark.parametrize("keep", [False, True])
def test_row_reduction_cache_is_bit_identical(kind, dt, keep):
    """A read-only (constant) axes array takes the cached whole-row path from its second use: the
    same kernel call, so the same bits as a writable axes array (always the general path)."""
    rng = np.random.default_rng(7)
    np_dt = dt.as_numpy_dtype
    for shape, axes in [((20, 1), [0]), ((3, 17), [1]), ((4, 6), [0, 1]), ((2, 3, 9), [1, 2]),
                        ((5, 2, 3), [-1]), ((3, 4), [0]), ((40,), [0])]:
        x = tf.placeholder(dt, [None] * len(shape))
        op = getattr(tf, kind)(x, axis=axes, keepdims=keep).op
        fn = op._opdef.kernel.build(op)
        const_axes = np.array(axes, np.int32)
        const_axes.setflags(write=False)
        for _ in range(3):
            v = (rng.standard_normal(shape) * 10.0 ** rng.integers(-20, 20, size=shape)).astype(np_dt)
            if v.size > 3:
                v.reshape(-1)[:3] = [np.inf, -0.0, 1e30]
            expected = fn(v, np.array(axes, np.int32))
            for _ in range(2):
                got = fn(v, const_axes)
                assert got.dtype == expected.dtype and got.shape == expected.shape
                assert got.tobytes() == expected.tobytes(), (shape, axes)
            t = np.asfortranarray(v)  # a non-contiguous input takes the general path
            assert fn(t, const_axes).tobytes() == expected.tobytes()


def test_row_reduction_cache_needs_constant_axes(monkeypatch):
    calls = []
    general = math_ops._reduce_view
    monkeypatch.setattr(math_ops, "_reduce_view", lambda *a: (calls.append(1), general(*a))[1])
    x = tf.placeholder(tf.float32, [None, None])
    op = tf.reduce_mean(x, axis=[1]).op
    fn = op._opdef.kernel.build(op)
    v = np.arange(15, dtype=np.float32).reshape(3, 5)
    const_axes = np.array([1], np.int32)
    const_axes.setflags(write=False)
    for _ in range(3):
        np.testing.assert_array_equal(fn(v, const_axes), [2.0, 7.0, 12.0])
    assert len(calls) == 1
    fed_axes = np.array([1], np.int32)  # writable: may change between runs, never cached
    for _ in range(2):
        fn(v, fed_axes)
    assert len(calls) == 3
    fed_axes[0] = 0
    np.testing.assert_array_equal(fn(v, fed_axes), [5.0, 6.0, 7.0, 8.0, 9.0])
