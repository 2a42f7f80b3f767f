"""Tests for graphflow/runtime: Session.run fetches/feeds/errors, plan cache, state, threads."""

import collections
import threading
import warnings

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors


def _line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if marker in line and "_line_of(" not in line:
                return i
    raise AssertionError(marker)


@pytest.fixture
def sess():
    with tf.Session() as s:
        yield s


# -- fetches -----------------------------------------------------------------------------------------
def test_fetch_tensor_operation_variable_and_names(sess):
    c = tf.constant(3)
    v = tf.Variable([[1.0, 2.0]], name="v")
    assert sess.run(v.initializer) is None
    r = sess.run(c)
    assert r == 3 and type(r) is np.int32
    np.testing.assert_array_equal(sess.run(v), [[1.0, 2.0]])
    assert sess.run("Const:0") == 3
    assert sess.run("Const") is None
    assert sess.run("v:0").shape == (1, 2)


def test_scalar_results_are_numpy_scalars(sess):
    assert type(sess.run(tf.constant(2.5))) is np.float32
    assert type(sess.run(tf.constant(np.int64(3)))) is np.int64
    assert type(sess.run(tf.constant(True))) is np.bool_
    assert type(sess.run(tf.constant(1.0, dtype=tf.float64))) is np.float64


def test_string_results_are_bytes(sess):
    assert sess.run(tf.constant("hi")) == b"hi"
    out = sess.run(tf.constant(["a", "bc"]))
    assert out.dtype == object and out.tolist() == [b"a", b"bc"]


def test_nested_fetch_structures(sess):
    c = tf.constant(3)
    f = tf.constant(2.5)
    op = tf.no_op()
    Pair = collections.namedtuple("Pair", "a b")
    out = sess.run({"a": [c, (f, c)], "b": Pair(c, op)})
    assert out == {"a": [3, (2.5, 3)], "b": Pair(3, None)}
    assert isinstance(out["a"][1], tuple) and isinstance(out["b"], Pair)
    od = sess.run(collections.OrderedDict([("z", c), ("a", f)]))
    assert isinstance(od, collections.OrderedDict) and list(od) == ["z", "a"]
    assert sess.run([c, c, "Const:0"]) == [3, 3, 3]
    assert sess.run((c,)) == (3,)
    assert sess.run([]) == []


def test_fetch_list_of_ops_returns_nones(sess):
    a, b = tf.no_op(), tf.no_op()
    assert sess.run([a, b]) == [None, None]


def test_bad_fetch_types(sess):
    with pytest.raises(TypeError, match="Fetch argument None has invalid type <class 'NoneType'>"):
        sess.run(None)
    with pytest.raises(
        TypeError, match="Fetch argument 3 has invalid type <class 'int'>, must be a string or Tensor."
    ):
        sess.run(3)
    with pytest.raises(TypeError, match="has invalid type"):
        sess.run([tf.constant(1), 2.5])


def test_bad_fetch_names(sess):
    with pytest.raises(
        ValueError,
        match="Fetch argument 'nope:0' cannot be interpreted as a Tensor. .*The name "
        "'nope:0' refers to a Tensor which does not exist.",
    ):
        sess.run("nope:0")
    with pytest.raises(ValueError, match="The name 'nope' refers to an Operation not in the graph."):
        sess.run("nope")


def test_fetch_from_another_graph_names_both_graphs():
    g1 = tf.Graph()  # GRAPH-1
    with g1.as_default():
        c = tf.constant(1)
    g2 = tf.Graph()  # GRAPH-2
    with tf.Session(graph=g2) as s:
        with pytest.raises(
            ValueError, match="cannot be interpreted as a Tensor.*is not an element of this graph"
        ) as info:
            s.run(c)
        text = str(info.value)
        assert f"test_session.py:{_line_of('# GRAPH-1')}" in text
        assert f"test_session.py:{_line_of('# GRAPH-2')}" in text
        with pytest.raises(ValueError, match="is not an element of this graph"):
            s.run([c])


def test_fetch_after_reset_default_graph():
    c = tf.constant(1)
    tf.reset_default_graph()
    with tf.Session() as s:
        with pytest.raises(ValueError, match="reset_default_graph"):
            s.run(c)


# -- feeds -------------------------------------------------------------------------------------------
def test_feed_by_tensor_and_name(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x_in")
    y = x * 2.0
    np.testing.assert_allclose(sess.run(y, {x: [[1, 2, 3]]}), [[2, 4, 6]])
    np.testing.assert_allclose(sess.run(y, {"x_in:0": [[1, 2, 3]]}), [[2, 4, 6]])
    np.testing.assert_allclose(sess.run(y, feed_dict={x: np.ones((2, 3), np.float32)}), np.full((2, 3), 2.0))


def test_feed_dtype_conversion_as_tf(sess):
    x = tf.placeholder(tf.float32, [1, 3])
    r = sess.run(x * 2.0, {x: np.array([[1, 2, 3]], dtype=np.int64)})
    assert r.dtype == np.float32
    i = tf.placeholder(tf.int32, [2])
    out = sess.run(i, {i: [1.7, 2.2]})
    assert out.dtype == np.int32 and out.tolist() == [1, 2]
    s = tf.placeholder(tf.string, [2])
    assert sess.run(s, {s: ["a", "b"]}).tolist() == [b"a", b"b"]
    b = tf.placeholder(tf.bool, [])
    assert sess.run(b, {b: 1}) is np.True_


def test_feed_python_int_out_of_range_raises_typeerror(sess):
    i = tf.placeholder(tf.int32, [])
    with pytest.raises(
        TypeError,
        match="Type of feed value 1099511627776 with type <class 'int'> is not compatible with Tensor type",
    ):
        sess.run(i, {i: 2**40})


def test_feed_unconvertible_value_names_the_placeholder(sess):
    x = tf.placeholder(tf.float32, [1, 3], name="x_in")
    with pytest.raises(ValueError, match="could not convert string to float.*'x_in:0'"):
        sess.run(x, {x: [["a", "b", "c"]]})


def test_feed_shape_mismatch_text(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x_in")
    with pytest.raises(
        ValueError,
        match=r"Cannot feed value of shape \(2, 4\) for Tensor 'x_in:0', which has "
        r"shape '\(\?, 3\)'",
    ):
        sess.run(x, {x: np.ones((2, 4), np.float32)})
    with pytest.raises(ValueError, match="lacks the leading batch dimension"):
        sess.run(x, {x: np.ones(3, np.float32)})
    with pytest.raises(ValueError, match=r"reshape it with value.reshape\(\[2, 3\]\)"):
        y = tf.placeholder(tf.float32, [2, 3])
        sess.run(y, {y: np.ones(6, np.float32)})
    u = tf.placeholder(tf.float32)  # unknown rank accepts anything
    assert sess.run(u, {u: np.ones((2, 2, 2))}).shape == (2, 2, 2)


def test_feed_tensor_value_raises_typeerror(sess):
    x = tf.placeholder(tf.int32, [2])
    c = tf.constant(1)
    with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor object."):
        sess.run(x, {x: c})
    with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor object."):
        sess.run(x, {x: [c, c]})
    v = tf.Variable([1, 2])
    with pytest.raises(TypeError, match="The value of a feed cannot be"):
        sess.run(x, {x: v})


def test_bad_feed_keys(sess):
    c = tf.constant(1)
    with pytest.raises(
        TypeError, match="Cannot interpret feed_dict key as Tensor: Can not convert a int into a Tensor."
    ):
        sess.run(c, {3: 1})
    with pytest.raises(
        TypeError,
        match="Cannot interpret feed_dict key as Tensor: The name 'nope:0' refers to a "
        "Tensor which does not exist.",
    ):
        sess.run(c, {"nope:0": 1})


def test_feed_intermediate_tensors_and_constants(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x_in")
    s = x * 2.0
    t = s + 1.0
    # feeding s cuts the graph there: x needs no value
    np.testing.assert_allclose(sess.run(t, {s: np.ones((1, 3))}), [[2.0, 2.0, 2.0]])
    c = tf.constant(3)
    assert sess.run(c * 2, {c: 5}) == 10
    v = tf.Variable([[1.0, 2.0]])
    np.testing.assert_allclose(sess.run(v, {v: [[5.0, 6.0]]}), [[5.0, 6.0]])  # no init needed


def test_fetch_fed_tensor_returns_fed_value_copy(sess):
    x = tf.placeholder(tf.float32, [3])
    value = np.array([1.0, 2.0, 3.0], np.float32)
    out = sess.run(x, {x: value})
    np.testing.assert_array_equal(out, value)
    assert not np.shares_memory(out, value)


def test_placeholder_with_default(sess):
    p = tf.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[2])
    np.testing.assert_array_equal(sess.run(p), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(p, {p: [3.0, 4.0]}), [3.0, 4.0])


# -- missing feeds / uninitialized variables ----------------------------------------------------------
def test_missing_feed_lists_every_placeholder_with_tf_dtype_text(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x_in")  # X-SITE
    z = tf.placeholder(tf.float32, name="z")
    k = tf.placeholder(tf.int32, [], name="keep")
    out = x * 2.0 + tf.reduce_sum(z) + tf.cast(k, tf.float32)
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(out)
    text = str(info.value)
    assert text.startswith(
        "You must feed a value for placeholder tensor 'x_in' with dtype float and shape [?,3]"
    )
    assert "You must feed a value for placeholder tensor 'z' with dtype float\n" in text
    assert "placeholder tensor 'keep' with dtype int32 and shape []" in text
    assert f"test_session.py:{_line_of('# X-SITE')}" in text
    assert f"needed by fetch '{out.name}'" in text
    assert info.value.op is x.op
    # feeding one of them still reports the others
    with pytest.raises(errors.InvalidArgumentError, match="placeholder tensor 'z'") as info:
        sess.run(out, {x: np.ones((1, 3))})
    assert "'x_in'" not in str(info.value)


def test_missing_feed_float64_prints_double(sess):
    x = tf.placeholder(tf.float64, [2], name="d")
    with pytest.raises(
        errors.InvalidArgumentError,
        match="placeholder tensor 'd' with dtype double and shape "
        r"\[2\]",
    ):
        sess.run(x + 1.0)


def test_missing_feed_rerun_cell_hint(sess):
    tf.placeholder(tf.float32, [2], name="Placeholder")
    p2 = tf.placeholder(tf.float32, [2])
    assert p2.op.name == "Placeholder_1"
    with pytest.raises(errors.InvalidArgumentError, match="tf.reset_default_graph"):
        sess.run(p2 * 2.0)


def test_uninitialized_variables_listed_at_once(sess):
    never = tf.Variable(1.0, name="never_init")  # NEVER-SITE
    never2 = tf.Variable(2.0, name="never2")
    with pytest.raises(errors.FailedPreconditionError) as info:
        sess.run(never + never2)
    text = str(info.value)
    assert text.startswith("Attempting to use uninitialized value never_init")
    assert "never2" in text
    assert f"test_session.py:{_line_of('# NEVER-SITE')}" in text
    assert info.value.op is never.op
    sess.run(never.initializer)
    with pytest.raises(errors.FailedPreconditionError, match="Attempting to use uninitialized value never2"):
        sess.run(never + never2)
    sess.run(never2.initializer)
    assert sess.run(never + never2) == 3.0


def test_uninitialized_hint_when_initializer_was_created_before_variables(sess):
    a = tf.Variable(1.0, name="a")
    init = tf.global_variables_initializer()  # INIT-SITE
    b = tf.Variable(2.0, name="W")  # W-SITE
    sess.run(init)
    with pytest.raises(errors.FailedPreconditionError) as info:
        sess.run(a + b)
    text = str(info.value)
    assert "Attempting to use uninitialized value W" in text
    assert f"test_session.py:{_line_of('# INIT-SITE')}" in text
    assert f"test_session.py:{_line_of('# W-SITE')}" in text
    assert "created before" in text


def test_run_initializer_and_read_in_one_call(sess):
    v = tf.Variable(4.0)
    _, val = sess.run([v.initializer, v.initialized_value()])
    assert val == 4.0


# -- closed session / config / constructor --------------------------------------------------------------
def test_closed_session_raises_runtimeerror():
    s = tf.Session()
    c = tf.constant(1)
    assert s.run(c) == 1
    s.close()
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        s.run(c)
    with tf.Session() as s2:
        pass
    with pytest.raises(RuntimeError, match="closed Session"):
        s2.run(c)


def test_session_accepts_config_proto_and_rejects_bad_args():
    config = tf.ConfigProto(
        intra_op_parallelism_threads=1,
        inter_op_parallelism_threads=1,
        allow_soft_placement=True,
        gpu_options=tf.GPUOptions(allow_growth=True),
    )
    with tf.Session(config=config) as s:
        assert s.run(tf.constant(1)) == 1
    with pytest.raises(TypeError, match="graph must be a tf.Graph"):
        tf.Session(graph=3)
    with pytest.raises(TypeError, match="config must be a tf.ConfigProto"):
        tf.Session(config={"a": 1})


def test_session_run_accepts_options_and_metadata(sess):
    c = tf.constant(1)
    assert (
        sess.run(
            c, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=tf.RunMetadata()
        )
        == 1
    )


def test_session_graph_and_default_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(2)
    s = tf.Session(graph=g)
    assert s.graph is g
    assert s.run(c) == 2
    s.close()
    with tf.Session() as s2:
        assert s2.graph is tf.get_default_graph()


def test_with_session_makes_its_graph_default():
    g = tf.Graph()
    with tf.Session(graph=g) as s:
        assert tf.get_default_graph() is g
        assert tf.get_default_session() is s
    assert tf.get_default_session() is None


# -- kernel errors -------------------------------------------------------------------------------------
def test_kernel_error_is_wrapped_with_op_type_line_and_shapes(sess):
    p = tf.placeholder(tf.int32, [2])
    r = tf.reshape(tf.constant([1, 2, 3]), p)  # RESHAPE-SITE
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(r, {p: [2, 2]})
    text = str(info.value)
    assert text.startswith("Input to reshape is a tensor with 3 values, but the requested shape has 4")
    assert f"node {r.op.name}" in text
    assert "'Reshape'" in text
    assert f"test_session.py:{_line_of('# RESHAPE-SITE')}" in text
    assert "int32[3], int32[2]" in text
    assert "tf.reshape(tf.constant([1, 2, 3]), p)" in text  # the source line
    assert info.value.op is r.op


def test_runtime_broadcast_error_is_invalid_argument(sess):
    a = tf.placeholder(tf.float32, [None])
    b = tf.placeholder(tf.float32, [None])
    s = a + b
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(s, {a: np.ones(2), b: np.ones(3)})
    assert s.op.name in str(info.value)
    assert "float32[2], float32[3]" in str(info.value)


def _cached(sess, fetch):
    return next(c for k, c in sess._cache.items() if k[1] == (fetch,))


def test_failing_step_is_named_for_direct_and_closure_entries(sess):
    """The executor calls small kernels directly from its loop (``code`` entries ``(fn, a, b, o)``)
    and others through their closure; an error names the step that failed either way."""
    x = tf.placeholder(tf.float32, [None, 3])
    total = tf.reduce_sum(x)
    sq = tf.squeeze(x, axis=[0])  # SQUEEZE-SITE
    out = sq + total
    cat = tf.concat([x, x * 2.0, tf.transpose(x)], axis=0)  # CONCAT-SITE
    np.testing.assert_array_equal(sess.run(out, {x: np.ones((1, 3), np.float32)}), [4.0, 4.0, 4.0])
    cached = _cached(sess, out)
    kinds = {st.op.type: e for st, e in zip(cached.bound.steps, cached.bound.code)}
    assert kinds["Squeeze"][1:] == (0, -1, kinds["Squeeze"][3]) and kinds["Squeeze"][3] >= 0  # direct
    assert kinds["Sum"][2] >= 0  # direct, two inputs
    for _ in range(2):
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(out, {x: np.ones((2, 3), np.float32)})
        text = str(info.value)
        assert text.startswith("Can not squeeze dim[0], expected a dimension of 1, got 2")
        assert info.value.op is sq.op and "'Squeeze'" in text and "float32[2,3]" in text
        assert f"test_session.py:{_line_of('# SQUEEZE-SITE')}" in text
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(cat, {x: np.ones((2, 3), np.float32)})
    assert info.value.op is cat.op and f"test_session.py:{_line_of('# CONCAT-SITE')}" in str(info.value)
    assert _cached(sess, cat).bound.code[-1][1:] == (-1, -1, -1)  # ConcatV2: its closure


def test_small_values_live_until_the_end_of_the_run_large_ones_are_freed(sess):
    """Frees of values of small static size are dropped (the run keeps them, within
    ``executor.KEEP_BYTES``); large or unknown-size values are still freed after their last use."""
    from graphflow.runtime import executor

    for shape, freed in [([2, 3], False), ([600, 600], True), ([None, 3], True)]:
        x = tf.placeholder(tf.float32, shape)
        y = x * 2.0
        z = y + 1.0
        w = z * 3.0
        value = np.ones([2 if d is None else d for d in shape], np.float32)
        np.testing.assert_array_equal(sess.run(w, {x: value}), np.full(value.shape, 9.0, np.float32))
        cached = _cached(sess, w)
        steps, code = cached.bound.steps, cached.bound.code
        k = next(i for i, st in enumerate(steps) if st.op is w.op)
        y_slot = next(st.out_slots[0] for st in steps if st.op is y.op)
        seen = []
        entry, inner = code[k], cached.bound.program[k]
        code[k] = (lambda slots, seen=seen, s=y_slot, inner=inner: (seen.append(slots[s]), inner(slots)),
                   -1, -1, -1)
        try:
            out = sess.run(w, {x: value})
        finally:
            code[k] = entry
        np.testing.assert_array_equal(out, np.full(value.shape, 9.0, np.float32))
        assert (seen[0] is None) == freed, shape
        assert all(e[3] >= 0 for e in code) == (not freed)  # no frees left: every kernel is called directly
    assert executor.KEEP_BYTES < 600 * 600 * 4


# -- plan cache ---------------------------------------------------------------------------------------
def test_plan_cache_builds_once(sess):
    x = tf.placeholder(tf.float32, [None])
    y = x * 2.0
    sess.run(y, {x: [1.0]})
    built = sess.plans_built
    for _ in range(5):
        sess.run(y, {x: [1.0]})
    assert sess.plans_built == built
    assert sess.run([y], {x: [1.0]}) == [2.0]  # same flat fetches: same plan, its own structure
    assert sess.plans_built == built
    sess.run([y, x], {x: [1.0]})
    assert sess.plans_built == built + 1
    sess.run(y, {"Placeholder:0": [1.0]})  # another feed key: another plan
    assert sess.plans_built == built + 2


def test_growing_graph_keeps_cached_plans(sess):
    c = tf.constant(1.0)
    y = c + 1.0
    sess.run(y)
    built = sess.plans_built
    tf.constant(5.0)  # new ops cannot change y's plan
    assert sess.run(y) == 2.0
    assert sess.plans_built == built


def test_plan_rebuilt_after_control_input_added(sess):
    v = tf.Variable(0.0)
    sess.run(v.initializer)
    inc = tf.assign_add(v, 1.0)
    n = tf.no_op()
    sess.run(n)
    built = sess.plans_built
    n._add_control_input(inc.op)
    sess.run(n)
    assert sess.plans_built == built + 1
    assert sess.run(v) == 1.0


def test_repeated_single_fetch_skips_the_lookup_not_the_checks(sess):
    """The previous single-fetch run's plan is reused without building its cache key; other feed
    keys, another fetch, a changed graph structure, bad feeds and uninitialized variables are
    still looked up and checked on every run."""
    x = tf.placeholder(tf.float32, [2])
    v = tf.Variable(np.float32([1.0, 2.0]))
    y = x * 3.0
    z = y + v
    with pytest.raises(errors.FailedPreconditionError, match="uninitialized value Variable"):
        sess.run(z, {x: np.ones(2, np.float32)})
    sess.run(v.initializer)
    built = sess.plans_built
    for _ in range(2):
        np.testing.assert_array_equal(sess.run(z, {x: np.ones(2, np.float32)}), [4.0, 5.0])
        np.testing.assert_array_equal(sess.run(z, {y: np.ones(2, np.float32)}), [2.0, 3.0])  # other feeds
        np.testing.assert_array_equal(sess.run(y, {x: np.ones(2, np.float32)}), [3.0, 3.0])  # other fetch
        np.testing.assert_array_equal(sess.run(z, feed_dict={"Placeholder:0": [0.0, 1.0]}), [1.0, 5.0])
    assert sess.plans_built == built + 3
    sess.run(z, {x: np.ones(2, np.float32)})
    with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor 'Placeholder:0'"):
        sess.run(z, {x: np.ones(3, np.float32)})
    with pytest.raises(errors.InvalidArgumentError, match="You must feed a value for placeholder"):
        sess.run(z)
    with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
        sess.run(None)
    n = tf.no_op()
    sess.run(n)
    n._add_control_input(tf.assign_add(v, [1.0, 1.0]).op)  # a new edge: a new plan
    sess.run(n)
    np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])
    other = tf.Graph()
    with other.as_default():
        c = tf.constant(1.0)
    with pytest.raises(ValueError, match="is not an element of this graph"):
        sess.run(c)


def test_zero_copy_feed_of_matching_c_contiguous_array(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.identity(x) * 2.0
    value = np.ones((2, 3), np.float32)
    sess.run(y, {x: value})
    cached = next(c for k, c in sess._cache.items() if k[1] == (y,))
    seen = []
    steps = cached.bound.steps
    k = next(i for i, st in enumerate(steps) if st.op is y.op)
    code = cached.bound.code
    inner = cached.bound.program[k]  # step k as one closure ``step(slots)``
    entry = code[k]
    # the Identity runs no step: its output shares the fed slot, the multiply's first input
    id_in = steps[k].in_slots[0]
    assert id_in == cached.bound.plan.feed_slots[x]
    assert not any(st.op.type == "Identity" for st in steps)

    def spy(slots):
        seen.append(slots[id_in])
        return inner(slots)

    # record what the kernels see before the multiply runs (a closure entry of ``code``)
    code[k] = (spy, -1, -1, -1)
    try:
        sess.run(y, {x: value})
    finally:
        code[k] = entry
    assert seen and np.shares_memory(seen[0], value)
    # a non-matching dtype is converted once (a copy)
    seen.clear()
    code[k] = (spy, -1, -1, -1)
    try:
        sess.run(y, {x: value.astype(np.float64)})
    finally:
        code[k] = entry
    assert seen[0].dtype == np.float32


def test_fetched_arrays_are_fresh(sess):
    v = tf.Variable(np.zeros(3, np.float32))
    sess.run(v.initializer)
    out = sess.run(v)
    out[0] = 42.0
    np.testing.assert_array_equal(sess.run(v), [0.0, 0.0, 0.0])
    r = sess.run(v.read_value())
    r[1] = 7.0
    np.testing.assert_array_equal(sess.run(v), [0.0, 0.0, 0.0])
    a = sess.run(tf.assign(v, [1.0, 2.0, 3.0]))
    a[2] = -1.0
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0, 3.0])


# -- graph growth --------------------------------------------------------------------------------------
def test_graph_growth_warning_once_naming_the_line(sess):
    x = tf.constant(2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(10):
            sess.run(tf.square(x))  # GROWTH-SITE
    growth = [w for w in caught if issubclass(w.category, errors.GraphGrowthWarning)]
    assert len(growth) == 1
    text = str(growth[0].message)
    assert f"test_session.py:{_line_of('# GROWTH-SITE')}" in text
    assert "Square" in text


def test_no_growth_warning_for_a_fixed_graph(sess):
    x = tf.placeholder(tf.float32, [])
    y = tf.square(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", errors.GraphGrowthWarning)
        for i in range(20):
            sess.run(y, {x: float(i)})


# -- independence, default sessions --------------------------------------------------------------------------
def test_two_sessions_on_one_graph_are_independent():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0
    assert s2.run(v) == 1.0
    s3 = tf.Session()
    with pytest.raises(errors.FailedPreconditionError):
        s3.run(v)
    for s in (s1, s2, s3):
        s.close()


def test_interactive_session_and_default_session():
    assert tf.get_default_session() is None
    c = tf.constant([1, 2])
    s = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is s
        assert c.eval().tolist() == [1, 2]
        v = tf.Variable(3.0)
        v.initializer.run()
        assert v.eval() == 3.0
    finally:
        s.close()
    assert tf.get_default_session() is None


def test_session_as_default_nesting():
    s1, s2 = tf.Session(), tf.Session()
    with s1.as_default():
        assert tf.get_default_session() is s1
        with s2.as_default():
            assert tf.get_default_session() is s2
        assert tf.get_default_session() is s1
    assert tf.get_default_session() is None
    s1.close()
    s2.close()


def test_make_callable(sess):
    x = tf.placeholder(tf.float32, [])
    f = sess.make_callable(x * 3.0, [x])
    assert f(2.0) == 6.0


# -- threads ----------------------------------------------------------------------------------------------
def test_run_from_eight_threads():
    x = tf.placeholder(tf.float32, [None])
    y = tf.reduce_sum(x * 2.0)
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    sess = tf.Session()
    sess.run(v.initializer)
    errors_seen = []

    def worker(k):
        try:
            for i in range(50):
                data = np.arange(k + i, dtype=np.float32)
                assert sess.run(y, {x: data}) == pytest.approx(2.0 * data.sum())
                sess.run(inc)
        except Exception as e:  # pragma: no cover - reported below
            errors_seen.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors_seen
    assert sess.run(v) == 400.0
    sess.close()


# -- tf.Print ---------------------------------------------------------------------------------------------
def test_print_writes_to_stderr_when_run(sess, capsys):
    x = tf.constant([1, 2, 3, 4, 5])
    p = tf.Print(x, [x], message="x = ")
    np.testing.assert_array_equal(sess.run(p), [1, 2, 3, 4, 5])
    err = capsys.readouterr().err
    assert err == "x = [1 2 3...]\n"
