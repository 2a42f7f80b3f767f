"""Tests for graphflow/ops/array_ops.py beyond the op table: static shapes with unknown dims,
TF1 names/dtypes/defaults, build-time and run-time errors, gradients with unknown shapes, laws."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphflow as tf

HERE = "test_array_ops.py"


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


# -- static shape inference ---------------------------------------------------------------------------
def test_reshape_mnist_placeholder():
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.reshape(x, [-1, 28, 28, 1])
    assert str(y.shape) == "(?, 28, 28, 1)"
    assert tf.reshape(x, [tf.shape(x)[0], 28, 28]).shape.as_list() == [None, 28, 28]
    assert tf.reshape(x, tf.stack([-1, 49, 16])).shape.as_list() == [None, 49, 16]


@pytest.mark.parametrize(
    "build, want",
    [
        (lambda x: tf.transpose(x), [5, None, 2]),
        (lambda x: tf.transpose(x, [0, 2, 1]), [2, 5, None]),
        (lambda x: tf.concat([x, x], 1), [2, None, 5]),
        (lambda x: tf.concat([x, tf.zeros([2, 3, 5])], 1), [2, None, 5]),
        (lambda x: tf.concat([x, x], -1), [2, None, 10]),
        (lambda x: tf.expand_dims(x, 0), [1, 2, None, 5]),
        (lambda x: tf.tile(x, [3, 1, 2]), [6, None, 10]),
        (lambda x: tf.pad(x, [[1, 1], [2, 2], [0, 0]]), [4, None, 5]),
        (lambda x: tf.gather(x, [0, 1, 1], axis=2), [2, None, 3]),
        (lambda x: tf.one_hot(tf.cast(x, tf.int32), 4), [2, None, 5, 4]),
        (lambda x: tf.slice(x, [0, 0, 1], [1, -1, -1]), [1, None, 4]),
        (lambda x: tf.split(x, 5, axis=2)[0], [2, None, 1]),
        (lambda x: tf.split(x, [2, -1], axis=2)[1], [2, None, 3]),
        (lambda x: tf.unstack(x, axis=2)[0], [2, None]),
        (lambda x: tf.reverse(x, [1]), [2, None, 5]),
        (lambda x: tf.where(x > 0), [None, 3]),
        (lambda x: tf.matrix_diag_part(x), [2, None]),
        (lambda x: tf.matrix_transpose(x), [2, 5, None]),
        (lambda x: tf.boolean_mask(x, tf.ones([2], tf.bool)), [None, None, 5]),
        (lambda x: x[:, 1:, ::2], [2, None, 3]),
    ],
)
def test_partial_static_shapes(build, want):
    x = tf.placeholder(tf.float32, [2, None, 5])
    assert build(x).shape.as_list() == want


def test_unknown_rank_inputs_give_unknown_shapes():
    x = tf.placeholder(tf.float32)
    for y in (
        tf.transpose(x, [1, 0]),
        tf.concat([x, x], 0),
        tf.expand_dims(x, 0),
        tf.squeeze(x),
        tf.gather(x, [1]),
        tf.pad(x, [[1, 1]]),
        tf.reverse(x, [0]),
    ):
        assert y.shape.ndims in (None, 1, 2)


# -- build-time errors (TF's text, op name, the user's line) ------------------------------------------
@pytest.mark.parametrize(
    "build, text, op_type",
    [
        (
            lambda: tf.reshape(tf.zeros([2, 3]), [4]),
            "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)",
            "Reshape",
        ),
        (
            lambda: tf.reshape(tf.zeros([2, 3]), [4, -1]),
            "Dimension size must be evenly divisible by 4 but is 6",
            "Reshape",
        ),
        (
            lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([3])], 0),
            "Shape must be rank 2 but is rank 1",
            "ConcatV2",
        ),
        (
            lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 0),
            "Dimension 0 in both shapes must be equal, but are 3 and 4. Shapes are [3] and [4].",
            "ConcatV2",
        ),
        (
            lambda: tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 2),
            "Shape must be at least rank 3 but is rank 2",
            "ConcatV2",
        ),
        (lambda: tf.transpose(tf.zeros([2, 3]), [0, 1, 2]), "Dimension must be 2 but is 3", "Transpose"),
        (
            lambda: tf.squeeze(tf.zeros([2, 3]), [1]),
            "Can not squeeze dim[1], expected a dimension of 1, got 3",
            "Squeeze",
        ),
        (lambda: tf.expand_dims(tf.zeros([2, 3]), 3), "dim 3 not in the interval [-3, 2].", "ExpandDims"),
        (
            lambda: tf.split(tf.zeros([10, 3]), 3),
            "Dimension size must be evenly divisible by 3 but is 10",
            "Split",
        ),
        (
            lambda: tf.split(tf.zeros([10, 3]), [3, 4]),
            "can't split axis of size 10 into pieces of size [3,4]",
            "SplitV",
        ),
        (lambda: tf.tile(tf.zeros([2, 3]), [1, 2, 3]), "Shape must be rank 2 but is rank 3", "Tile"),
        (
            lambda: tf.where(tf.zeros([3], tf.bool), tf.zeros([2, 3]), tf.zeros([2, 3])),
            "Dimension 0 in both shapes must be equal, but are 3 and 2",
            "Select",
        ),
        (
            lambda: tf.where(tf.zeros([2, 1], tf.bool), tf.zeros([2, 3]), tf.zeros([2, 3])),
            "Dimension 1 in both shapes must be equal, but are 1 and 3",
            "Select",
        ),
        (
            lambda: tf.stack([tf.zeros([2]), tf.zeros([3])]),
            "Dimension 0 in both shapes must be equal",
            "Pack",
        ),
        (
            lambda: tf.gather(tf.zeros([2, 3]), [0], axis=2),
            "Shape must be at least rank 3 but is rank 2",
            "GatherV2",
        ),
        (lambda: tf.range(5, 1), "Requires start <= limit when delta > 0: 5/1", "Range"),
    ],
)
def test_build_time_errors(build, text, op_type):
    with pytest.raises(ValueError) as e:
        build()
    msg = str(e.value)
    assert text in msg
    assert f"(op: '{op_type}')" in msg
    assert HERE in msg


def test_python_level_errors():
    with pytest.raises(ValueError, match=r"Cannot infer argument `num` from shape \(\?, 3\)"):
        tf.unstack(tf.placeholder(tf.float32, [None, 3]))
    with pytest.raises(ValueError, match="Unknown padding mode: FOO"):
        tf.pad(tf.zeros([2]), [[1, 1]], "FOO")
    with pytest.raises(ValueError, match="Cannot specify both 'axis' and 'dim'"):
        tf.expand_dims(tf.zeros([2]), 0, dim=0)
    with pytest.raises(TypeError, match="that don't all match"):
        tf.concat([tf.zeros([2]), tf.zeros([2], tf.int32)], 0)
    with pytest.raises(TypeError, match="Tensors in list passed to 'input' of 'ShapeN' Op"):
        tf.shape_n([tf.zeros([2]), tf.zeros([2], tf.float64)])
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.linspace(0, 1, 5)


# -- run-time errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, text, op_type",
    [
        (lambda p: tf.gather(p, [1, 2, 3, 10]), "indices[3] = 10 is not in [0, 10)", "GatherV2"),
        (lambda p: tf.gather(p, [-1]), "indices[0] = -1 is not in [0, 10)", "GatherV2"),
        (
            lambda p: tf.gather(p, [[0, 1], [2, 10**9]]),
            "indices[1,1] = 1000000000 is not in [0, 10)",
            "GatherV2",
        ),
        (
            lambda p: tf.gather_nd(p, [[1], [12]]),
            "indices[1] = [12] does not index into param shape [10]",
            "GatherNd",
        ),
        (
            lambda p: tf.scatter_nd([[0], [7]], tf.ones([2]), [5]),
            "indices[1] = [7] does not index into shape [5]",
            "ScatterNd",
        ),
        (lambda p: tf.slice(p, [2], [20]), "Expected size[0] in [0, 8], but got 20", "Slice"),
        (
            lambda p: tf.pad(p, [[10, 0]], "REFLECT"),
            "paddings must be less than the dimension size: 10, 0 not less than 10",
            "MirrorPad",
        ),
        (
            lambda p: tf.transpose(tf.reshape(p, [2, 5]), tf.placeholder_with_default([0, 0], [2])),
            "1 is missing from {0,0}.",
            "Transpose",
        ),
        (
            lambda p: tf.reshape(p, tf.placeholder_with_default([3, 3], [2])),
            "Input to reshape is a tensor with 10 values, but the requested shape has 9",
            "Reshape",
        ),
        (
            lambda p: tf.squeeze(tf.reshape(p, tf.placeholder_with_default([2, 5], [2])), [0]),
            "Can not squeeze dim[0], expected a dimension of 1, got 2",
            "Squeeze",
        ),
    ],
)
def test_run_time_errors(build, text, op_type):
    p = tf.placeholder(tf.float32, [None])
    y = build(p)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(y, {p: np.arange(10, dtype=np.float32)})
    msg = str(e.value)
    assert text in msg
    assert f"'{op_type}'" in msg
    assert HERE in msg


def test_huge_gather_index_never_crashes():
    p = tf.placeholder(tf.float32, [None, 3])
    i = tf.placeholder(tf.int64, [None])
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
        sess.run(tf.gather(p, i), {p: np.zeros((4, 3), np.float32), i: np.array([2**40], np.int64)})


# -- TF1 names, dtypes and defaults ----------------------------------------------------------------
def test_op_names_and_types():
    x = tf.zeros([2, 3])
    assert tf.concat([x, x], 0).op.name == "concat"
    assert tf.concat([x, x], 0).op.type == "ConcatV2"
    assert tf.gather(x, [0]).op.name == "GatherV2"
    assert tf.one_hot([0], 3).op.name == "one_hot"
    assert tf.transpose(x).op.name == "transpose"
    assert tf.split(x, 3, axis=1)[0].name == "split:0"
    assert tf.unstack(x)[1].name == "unstack:1"
    assert tf.pad(x, [[1, 1], [0, 0]]).op.type == "Pad"
    assert tf.pad(x, [[1, 1], [0, 0]], constant_values=2).op.type == "PadV2"
    assert tf.pad(x, [[1, 1], [0, 0]], "reflect").op.type == "MirrorPad"
    assert tf.where(tf.ones([2], tf.bool), x, x).op.type == "Select"
    assert tf.where_v2(tf.ones([3], tf.bool), x, x).op.type == "SelectV2"
    assert tf.reverse(x, [0]).op.type == "ReverseV2"
    assert tf.stack([1, 2]).op.type == "Const"
    assert tf.stack([x, x]).op.type == "Pack"
    single = tf.concat([x], 0)
    assert single.op.type == "Identity"


def test_dtypes_and_defaults():
    x = tf.zeros([2, 3])
    assert tf.shape(x).dtype == tf.int32 and tf.size(x).dtype == tf.int32 and tf.rank(x).dtype == tf.int32
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    assert tf.where(x > 0).dtype == tf.int64
    assert tf.one_hot([0, 2], 3).dtype == tf.float32
    assert tf.one_hot([0, 2], 3, on_value=5, off_value=-1).dtype == tf.int32
    assert tf.one_hot([0, 2], 3, dtype=tf.float64).dtype == tf.float64
    y, idx = tf.unique(tf.constant([3, 1, 3]))
    assert y.dtype == tf.int32 and idx.dtype == tf.int32
    assert tf.unique(tf.constant([1.0]), out_idx=tf.int64).idx.dtype == tf.int64
    assert tf.range(5).dtype == tf.int32
    assert tf.range(1, 5.0).dtype == tf.float32
    assert tf.range(tf.constant(1, tf.int64), 5).dtype == tf.int64
    assert tf.range(5, dtype=tf.float64).dtype == tf.float64
    assert tf.linspace(0.0, 1.0, 5).dtype == tf.float32
    assert tf.zeros([2]).dtype == tf.float32 and tf.ones([2], tf.int32).dtype == tf.int32
    assert tf.zeros_like(tf.constant([1, 2])).dtype == tf.int32
    assert tf.ones_like(x, dtype=tf.int64).dtype == tf.int64
    assert tf.fill([2], 3).dtype == tf.int32
    assert tf.sequence_mask([1, 2]).dtype == tf.bool
    assert tf.eye(2).dtype == tf.float32
    assert tf.convert_to_tensor([1.0, 2]).dtype == tf.float32
    assert tf.convert_to_tensor(np.zeros(2)).dtype == tf.float64
    assert tf.constant("abc").dtype == tf.string
    assert tf.constant(["a", "bc"]).shape.as_list() == [2]
    a, b = run([tf.constant("abc"), tf.constant(["a", "bc"])])
    assert a == b"abc" and list(b) == [b"a", b"bc"]


def test_values_match_tf1_semantics():
    c = tf.constant([True, False])
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    y = tf.constant([[7, 8, 9], [10, 11, 12]])
    rows, scalar, coords = run(
        [
            tf.where(c, x, y),
            tf.where(tf.constant(False), x, y),
            tf.where(tf.constant([[True, False], [False, True]])),
        ]
    )
    np.testing.assert_array_equal(rows, [[1, 2, 3], [10, 11, 12]])
    np.testing.assert_array_equal(scalar, [[7, 8, 9], [10, 11, 12]])
    np.testing.assert_array_equal(coords, [[0, 0], [1, 1]])
    u = run(tf.unique(tf.constant([3, 1, 3, 2])))
    np.testing.assert_array_equal(u.y, [3, 1, 2])
    np.testing.assert_array_equal(u.idx, [0, 1, 0, 2])
    np.testing.assert_array_equal(run(tf.range(10, 1, -3)), [10, 7, 4])
    np.testing.assert_array_equal(run(tf.split(tf.range(10), [3, -1]))[1], np.arange(3, 10))
    np.testing.assert_array_equal(run(tf.squeeze(tf.zeros([1, 3, 1]), squeeze_dims=[0])).shape, (3, 1))
    np.testing.assert_array_equal(run(tf.expand_dims(tf.zeros([2]), dim=-1)).shape, (2, 1))
    np.testing.assert_array_equal(run(tf.concat_v2([[1], [2]], 0)), [1, 2])
    np.testing.assert_array_equal(
        run(tf.eye(2, 3, batch_shape=[2], dtype=tf.int32)),
        np.broadcast_to(np.eye(2, 3, dtype=np.int32), (2, 2, 3)),
    )
    np.testing.assert_array_equal(run(tf.identity_n([tf.constant(1), tf.constant(2.0)])), [1, 2.0])
    np.testing.assert_array_equal(run(tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])]))[0], [2, 3])


def test_constant_folding_sees_through_array_ops():
    x = tf.placeholder(tf.float32, [None, 4, 5])
    assert tf.get_static_value(tf.shape(tf.zeros([2, 3]))[0]) == 2
    assert tf.get_static_value(tf.rank(x)) == 3
    assert tf.get_static_value(tf.size(tf.zeros([2, 3]))) == 6
    assert list(tf.get_static_value(tf.concat([[1], [2, 3]], 0))) == [1, 2, 3]
    assert tf.get_static_value(tf.shape(x)) is None


def test_gather_grad_accumulates_duplicates():
    p = tf.placeholder(tf.float64, [None, 3])
    y = tf.gather(p, [0, 2, 0, 0])
    (g,) = tf.gradients(tf.reduce_sum(y), [p])
    got = run(g, {p: np.ones((4, 3))})
    np.testing.assert_array_equal(got, [[3] * 3, [0] * 3, [1] * 3, [0] * 3])


GRAD_BUILDS = {
    "transpose": (lambda x: tf.transpose(x, [1, 0]) * [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (2, 3)),
    "concat": (lambda x: tf.concat([x, 2.0 * x], 1), (2, 3)),
    "split": (lambda x: tf.split(x, [1, 2], 1)[1] * 3.0, (2, 3)),
    "tile": (lambda x: tf.tile(x, [2, 3]) * tf.range(18.0, dtype=tf.float64)[:, tf.newaxis][:6], (3, 1)),
    "pad": (lambda x: tf.pad(x, [[1, 0], [0, 2]]) * 2.0, (2, 3)),
    "mirror": (lambda x: tf.pad(x, [[1, 1], [2, 1]], "REFLECT") * 2.0, (3, 4)),
    "slice": (lambda x: tf.slice(x, [1, 0], [1, 2]) * 5.0, (2, 3)),
    "gather_axis1": (lambda x: tf.gather(x, [2, 0, 2], axis=1) * 3.0, (2, 3)),
    "gather_nd": (lambda x: tf.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), (2, 3)),
    "strided": (lambda x: x[::-1, 1:] * 2.0, (2, 3)),
    "reverse": (lambda x: tf.reverse(x, [1]) * [1.0, 2.0, 3.0], (2, 3)),
    "squeeze": (lambda x: tf.squeeze(tf.expand_dims(x, 0)) * 2.0, (2, 3)),
    "unstack": (lambda x: tf.unstack(x, num=3, axis=1)[2] * 4.0, (2, 3)),
    "boolean_mask": (lambda x: tf.boolean_mask(x, [True, False]) * 3.0, (2, 3)),
}


@pytest.mark.parametrize("name", sorted(GRAD_BUILDS))
def test_gradients_with_unknown_shapes_match_static(name):
    """The dynamic-shape gradient paths (Shape ops at run time) agree with the static ones."""
    build, shape = GRAD_BUILDS[name]
    xv = np.random.default_rng(3).standard_normal(shape)
    results = []
    for static in (True, False):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, shape if static else [None] * len(shape))
            y = build(x)
            (dx,) = tf.gradients(tf.reduce_sum(y * y), [x])
            with tf.Session(graph=g) as sess:
                results.append(sess.run(dx, {x: xv}))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    # and against central differences
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None] * len(shape))
        y = tf.reduce_sum(build(x) ** 2)
        with tf.Session(graph=g) as sess:
            eps = 1e-6
            num = np.zeros_like(xv)
            for i in range(xv.size):
                d = np.zeros(xv.size)
                d[i] = eps
                d = d.reshape(shape)
                num.reshape(-1)[i] = (sess.run(y, {x: xv + d}) - sess.run(y, {x: xv - d})) / (2 * eps)
    np.testing.assert_allclose(results[0], num, rtol=1e-5, atol=1e-6)


def test_non_differentiable_ops_are_marked():
    from graphflow.framework import op_registry

    for t in (
        "Shape",
        "Size",
        "Rank",
        "OneHot",
        "Where",
        "Unique",
        "InvertPermutation",
        "ShapeN",
        "LinSpace",
        "Range",
        "ZerosLike",
        "OnesLike",
    ):
        assert op_registry.get(t).grad is op_registry.NOT_DIFFERENTIABLE, t
    i = tf.placeholder(tf.float32, [3])
    assert tf.gradients(tf.reduce_sum(tf.one_hot(tf.cast(i, tf.int32), 4)), i) == [None]


# -- laws (hypothesis) -------------------------------------------------------------------------------
dims = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=dims, data=st.data())
def test_reshape_with_minus_one(shape, data):
    n = int(np.prod(shape))
    target = data.draw(st.permutations(shape))
    k = data.draw(st.integers(0, len(target) - 1))
    spec = list(target)
    spec[k] = -1
    xv = np.arange(n, dtype=np.float32).reshape(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape)
        y = tf.reshape(x, spec)
        xu = tf.placeholder(tf.float32, [None] * len(shape))
        yu = tf.reshape(xu, spec)
        assert y.shape.as_list() == list(target)
        assert yu.shape.as_list() == [None if i == k else d for i, d in enumerate(target)]
        with tf.Session(graph=g) as sess:
            a, b = sess.run([y, yu], {x: xv, xu: xv})
    np.testing.assert_array_equal(a, xv.reshape(spec))
    np.testing.assert_array_equal(b, xv.reshape(spec))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=dims, data=st.data())
def test_transpose_round_trip(shape, data):
    perm = data.draw(st.permutations(list(range(len(shape)))))
    xv = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None] * len(shape))
        y = tf.transpose(x, perm)
        back = tf.transpose(y, tf.invert_permutation(perm))
        with tf.Session(graph=g) as sess:
            a, b = sess.run([y, back], {x: xv})
    np.testing.assert_array_equal(a, xv.transpose(perm))
    np.testing.assert_array_equal(b, xv)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=dims, data=st.data())
def test_split_concat_round_trip(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = shape[axis]
    cuts = sorted(data.draw(st.lists(st.integers(0, d), max_size=3)))
    sizes = np.diff([0] + cuts + [d]).tolist()
    xv = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape)
        parts = tf.split(x, sizes, axis=axis)
        back = tf.concat(parts, axis)
        assert back.shape.as_list() == list(shape)
        assert [p.shape.as_list()[axis] for p in parts] == sizes
        with tf.Session(graph=g) as sess:
            got_parts, got = sess.run([parts, back], {x: xv})
    np.testing.assert_array_equal(got, xv)
    for a, b in zip(got_parts, np.split(xv, np.cumsum(sizes)[:-1], axis=axis)):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=dims, data=st.data())
def test_stack_unstack_round_trip(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    xv = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(xv)
        back = tf.stack(tf.unstack(x, axis=axis), axis=axis)
        with tf.Session(graph=g) as sess:
            np.testing.assert_array_equal(sess.run(back), xv)


# -- differential tests against TensorFlow ------------------------------------------------------------
PARTIAL = [
    lambda tf_, x: tf_.reshape(x, [-1, 4, 5]),
    lambda tf_, x: tf_.transpose(x, [2, 0, 1]),
    lambda tf_, x: tf_.concat([x, x], 0),
    lambda tf_, x: tf_.tile(x, [2, 2, 1]),
    lambda tf_, x: tf_.pad(x, [[1, 1], [0, 1], [2, 0]]),
    lambda tf_, x: tf_.gather(x, [[0, 1]], axis=1),
    lambda tf_, x: tf_.expand_dims(x, -2),
    lambda tf_, x: tf_.slice(x, [0, 1, 0], [-1, 2, 3]),
    lambda tf_, x: tf_.split(x, [1, 3], axis=1)[1],
    lambda tf_, x: tf_.one_hot(tf_.cast(x, tf_.int32), 3, axis=1),
    lambda tf_, x: tf_.reshape(x, [tf_.shape(x)[0], -1]),
    lambda tf_, x: tf_.where(x > 0),
    lambda tf_, x: tf_.matrix_diag_part(x),
    lambda tf_, x: x[..., 0, tf_.newaxis],
]


@pytest.mark.tf
@pytest.mark.parametrize("i", range(len(PARTIAL)))
def test_partial_static_shapes_match_tensorflow(i, tf1):
    build = PARTIAL[i]
    tg = tf1.Graph()
    with tg.as_default():
        want = build(tf1, tf1.placeholder(tf1.float32, [None, 4, 5])).shape.as_list()
    got = build(tf, tf.placeholder(tf.float32, [None, 4, 5])).shape.as_list()
    assert got == want


@pytest.mark.tf
def test_op_types_and_names_match_tensorflow(tf1):
    def build(m):
        x = m.placeholder(m.float32, [2, 3], name="x")
        outs = [
            m.concat([x, x], 1),
            m.transpose(x),
            m.gather(x, [1]),
            m.tile(x, [1, 2]),
            m.pad(x, [[1, 1], [0, 0]]),
            m.expand_dims(x, 0),
            m.squeeze(m.expand_dims(x, 0), [0]),
            m.reverse(x, [0]),
            m.one_hot([1], 3),
            m.slice(x, [0, 0], [1, 1]),
            x[0],
            m.where(x > 0),
            m.unstack(x)[0],
            m.split(x, 3, 1)[0],
            m.split(x, [1, 2], 1)[0],
            m.gather_nd(x, [[0, 0]]),
            m.scatter_nd([[0]], [1.0], [2]),
            m.reverse_sequence(x, [1, 2], seq_axis=1),
        ]
        return [(t.op.type, t.name) for t in outs]

    tg = tf1.Graph()
    with tg.as_default():
        want = build(tf1)
    got = build(tf)
    assert got == want


@pytest.mark.tf
def test_run_time_error_text_matches_tensorflow(tf1):
    params = np.arange(10.0, dtype=np.float32)
    idx = np.array([1, 2, 3, 10], np.int32)
    tg = tf1.Graph()
    with tg.as_default(), tf1.Session() as s:
        with pytest.raises(tf1.errors.InvalidArgumentError) as te:
            s.run(tf1.gather(params, idx))
    with pytest.raises(tf.errors.InvalidArgumentError) as ge:
        run(tf.gather(params, idx))
    assert "indices[3] = 10 is not in [0, 10)" in te.value.message
    assert "indices[3] = 10 is not in [0, 10)" in ge.value.message


def test_reshape_remembers_constant_shapes_only():
    """The tuple of a read-only (constant) shape array is reused; fed shapes are read every run."""
    x = tf.placeholder(tf.float32, [None])
    s = tf.placeholder(tf.int32, [2])
    const = tf.reshape(x, [2, -1])
    fed = tf.reshape(x, s)
    bad = tf.reshape(x, [3, 3])
    shape = np.array([2, 3], np.int32)
    with tf.Session() as sess:
        for n in (6, 4, 6):
            v = np.arange(n, dtype=np.float32)
            np.testing.assert_array_equal(sess.run(const, {x: v}), v.reshape(2, -1))
        v = np.arange(6, dtype=np.float32)
        assert sess.run(fed, {x: v, s: shape}).shape == (2, 3)
        shape[:] = [3, 2]  # the same (writable) array, new values
        assert sess.run(fed, {x: v, s: shape}).shape == (3, 2)
        text = "Input to reshape is a tensor with 6 values, but the requested shape has 9"
        for _ in range(2):
            with pytest.raises(tf.errors.InvalidArgumentError, match=text):
                sess.run(bad, {x: v})
