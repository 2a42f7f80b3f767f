"""``tf.train.Optimizer`` base: compute/apply/minimize, slots, names, global step, error messages."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors


def _model():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    b = tf.Variable([0.5, -0.5], name="b")
    x = tf.constant([[1.0, -1.0]])
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b))
    return w, b, loss


def test_compute_gradients_pairs_and_var_list():
    w, b, loss = _model()
    frozen = tf.Variable(1.0, trainable=False, name="frozen")
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss)
    assert [v for _, v in gv] == [w, b]  # trainable variables only, in creation order
    assert all(g is not None for g, _ in gv)
    gv_b = opt.compute_gradients(loss, var_list=[b, frozen])
    assert gv_b[0][1] is b and gv_b[1] == (None, frozen)


def test_apply_gradients_increments_global_step_and_names():
    w, b, loss = _model()
    gs = tf.train.get_or_create_global_step()
    opt = tf.train.GradientDescentOptimizer(0.1)
    train = opt.apply_gradients(opt.compute_gradients(loss), global_step=gs)
    assert train.type == "AssignAdd" and train.name == "GradientDescent"
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert {
        "GradientDescent/learning_rate",
        "GradientDescent/update_w/ApplyGradientDescent",
        "GradientDescent/update_b/ApplyGradientDescent",
        "GradientDescent/update",
    } <= names
    assert train in tf.get_collection(tf.GraphKeys.TRAIN_OP)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert tf.train.global_step(sess, gs) == 3


def test_minimize_without_global_step_returns_group_named_after_optimizer():
    w, b, loss = _model()
    train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, name="train")
    assert train.type == "NoOp" and train.name == "train"
    wv = np.array([[1.0, 2.0], [3.0, 4.0]])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        r = np.array([1.0, -1.0]) @ wv + [0.5, -0.5]
        np.testing.assert_allclose(
            sess.run(w), wv - np.float32(0.1) * np.outer([1.0, -1.0], 2 * r), rtol=1e-6
        )


def test_slots_names_and_variables():
    w, b, loss = _model()
    opt = tf.train.AdamOptimizer()
    opt.minimize(loss)
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").op.name == "w/Adam"
    assert opt.get_slot(w, "v").op.name == "w/Adam_1"
    assert opt.get_slot(w._ref(), "m") is opt.get_slot(w, "m")  # the ref tensor finds the slot too
    assert opt.get_slot(w, "nope") is None
    assert [v.op.name for v in opt.variables()] == [
        "b/Adam",
        "b/Adam_1",
        "beta1_power",
        "beta2_power",
        "w/Adam",
        "w/Adam_1",
    ]
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["w", "b", "beta1_power", "beta2_power", "w/Adam", "w/Adam_1", "b/Adam", "b/Adam_1"]
    assert not any(v in tf.trainable_variables() for v in opt.variables())
    init_names = {op.name for op in tf.get_default_graph().get_operations()}
    assert {
        "w/Adam/Initializer/zeros",
        "beta1_power/initial_value",
        "Adam/mul",
        "Adam/Assign",
        "Adam/mul_1",
        "Adam/Assign_1",
        "Adam/update_w/ApplyAdam",
    } <= init_names
    assert opt.get_name() == "Adam"


def test_second_optimizer_in_same_graph_gets_unique_names():
    w, b, loss = _model()
    a1, a2 = tf.train.AdamOptimizer(), tf.train.AdamOptimizer()
    a1.minimize(loss)
    a2.minimize(loss)
    assert [v.op.name for v in a2.variables()][:2] == ["b/Adam_2", "b/Adam_3"]
    assert {v.op.name for v in a2.variables()} >= {"beta1_power_1", "beta2_power_1"}


def test_learning_rate_tensor_and_callable():
    w, b, loss = _model()
    lr = tf.placeholder(tf.float32, [])
    t1 = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    t2 = tf.train.AdamOptimizer(lambda: tf.constant(0.0)).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(w)
        sess.run(t1, {lr: 0.0})
        np.testing.assert_array_equal(sess.run(w), before)
        sess.run(t2)
        np.testing.assert_array_equal(sess.run(w), before)
        sess.run(t1, {lr: 0.1})
        assert not np.array_equal(sess.run(w), before)


def test_fetching_the_update_op_value():
    w = tf.Variable([1.0, 2.0], name="w")
    g = tf.constant([1.0, 1.0])
    from graphflow.train import training_ops

    out = training_ops.apply_gradient_descent(w, 0.5, g)
    assert out.op.type == "ApplyGradientDescent" and out.name == "ApplyGradientDescent:0"
    with tf.Session() as sess:
        sess.run(w.initializer)
        v = sess.run(out)
        v[0] = 100.0  # fetched values are copies, never the variable's buffer
        np.testing.assert_allclose(sess.run(w), [0.5, 1.5])


def test_constraint_is_applied_after_update():
    w = tf.Variable([1.0, -2.0], name="w", constraint=lambda v: tf.maximum(v, 0.0))
    loss = tf.reduce_sum(w * tf.constant([1.0, 1.0]))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [0.9, 0.0])


# -- errors --------------------------------------------------------------------------------------------
def test_no_variables_and_no_gradients_errors():
    c = tf.constant(1.0)
    with pytest.raises(ValueError, match="No variables to optimize."):
        tf.train.GradientDescentOptimizer(0.1).minimize(c * 2.0)
    w = tf.Variable(1.0, name="w")
    with pytest.raises(ValueError, match="No variables provided."):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([])
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \[\"<tf.Variable 'w:0'"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="gate_gradients must be one of"):
        tf.train.GradientDescentOptimizer(0.1).compute_gradients(w * 2.0, gate_gradients=7)
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        tf.train.GradientDescentOptimizer(0.1, name="")


def test_integer_loss_is_rejected():
    v = tf.Variable(1, name="iv")
    with pytest.raises(ValueError, match="Invalid type"):
        tf.train.GradientDescentOptimizer(0.1).minimize(v * 2)


def _no_grad_message(make_loss):
    w = tf.Variable([1.5, 2.5], name="w")
    loss = make_loss(w)
    with pytest.raises(ValueError) as info:
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    msg = str(info.value)
    assert msg.startswith(
        "No gradients provided for any variable, check your graph for ops that do not support "
        "gradients, between variables [\"<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>\"] and "
        "loss Tensor("
    )
    return msg


def test_no_gradient_message_names_floor():
    if not hasattr(tf, "floor"):
        pytest.skip("tf.floor not in the op library yet")
    msg = _no_grad_message(lambda w: tf.reduce_sum(tf.floor(w)))
    assert "'Floor' (type Floor)" in msg and "test_optimizer.py:" in msg


def test_no_gradient_message_names_cast_to_int():
    msg = _no_grad_message(lambda w: tf.reduce_sum(tf.cast(tf.cast(w, tf.int32), tf.float32)))
    assert "int32 tensor 'Cast:0' made by 'Cast' (type Cast) created at" in msg
    assert "test_optimizer.py:" in msg


def test_no_gradient_message_names_argmax():
    if not hasattr(tf, "argmax"):
        pytest.skip("tf.argmax not in the op library yet")
    msg = _no_grad_message(lambda w: tf.cast(tf.argmax(w), tf.float32) + 0.0)
    assert "ArgMax" in msg and "test_optimizer.py:" in msg


def test_no_gradient_message_names_stop_gradient():
    msg = _no_grad_message(lambda w: tf.reduce_sum(tf.stop_gradient(w) * 2.0))
    assert "non-differentiable op 'StopGradient' (type StopGradient)" in msg


def test_no_gradient_message_disconnected_variable():
    other = tf.Variable(3.0, name="other")

    def make(w):
        return other * 2.0 + 0.0 * tf.constant(1.0)

    w = tf.Variable([1.0], name="w")
    with pytest.raises(ValueError) as info:
        tf.train.GradientDescentOptimizer(0.1).minimize(make(w) * tf.stop_gradient(other), var_list=[w])
    assert "w: not connected to the loss" in str(info.value)


def test_uninitialized_slot_is_failed_precondition():
    w, b, loss = _model()
    train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([w, b]))
        with pytest.raises(
            errors.FailedPreconditionError, match="Attempting to use uninitialized value (w|b)/Momentum"
        ):
            sess.run(train)


def test_shape_mismatch_is_caught_when_building():
    w = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(tf.constant([1.0, 2.0, 3.0]), w)])
    with pytest.raises(TypeError, match="Input 'delta' of 'ApplyGradientDescent' Op has type float64"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(tf.constant([1.0, 2.0], tf.float64), w)])


def test_runtime_shape_mismatch_is_invalid_argument():
    w = tf.Variable([1.0, 2.0], name="w")
    g = tf.placeholder(tf.float32, [None])
    train = tf.train.GradientDescentOptimizer(0.1).apply_gradients([(g, w)])
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(
            errors.InvalidArgumentError, match=r"var and delta do not have the same shape\[2\] \[3\]"
        ):
            sess.run(train, {g: [1.0, 2.0, 3.0]})


def test_hyper_parameter_validation():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive: 0.0"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match="learning_rate_power 0.500000 needs to be negative or zero"):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength -1.000000 needs to be positive or zero"):
        tf.train.FtrlOptimizer(0.1, l1_regularization_strength=-1.0)


def test_custom_optimizer_subclass():
    class SignSGD(tf.train.Optimizer):
        def __init__(self, lr):
            super().__init__(False, "SignSGD")
            self._lr = lr

        def _create_slots(self, var_list):
            for v in var_list:
                self._zeros_slot(v, "last", self._name)

        def _apply_dense(self, grad, var):
            last = self.get_slot(var, "last")
            upd = (
                tf.assign_sub(var, self._lr * tf.sign(grad))
                if hasattr(tf, "sign")
                else tf.assign_sub(var, self._lr * grad / tf.abs(grad))
            )
            return tf.group(upd, tf.assign(last, grad))

    w = tf.Variable([1.0, -1.0], name="w")
    train = SignSGD(0.5).minimize(tf.reduce_sum(w * tf.constant([3.0, -2.0])))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [0.5, -0.5])
        assert sess.run(tf.get_default_graph().get_tensor_by_name("w/SignSGD:0")).tolist() == [3.0, -2.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [3, 4096, 5000])
def test_gradient_descent_small_and_large_paths_give_the_kernels_bits(dtype, size):
    """Small variables update through NumPy, large ones through the numba kernel: same bits."""
    from graphflow.kernels import updates

    rng = np.random.default_rng(size)
    init = rng.standard_normal(size).astype(dtype)
    delta = rng.standard_normal(size).astype(dtype)
    var = tf.Variable(init)
    step = tf.train.GradientDescentOptimizer(0.37).apply_gradients([(tf.constant(delta), var)])
    with tf.Session() as sess:
        sess.run(var.initializer)
        for _ in range(3):
            sess.run(step)
        got = sess.run(var)
    want = init.copy()
    alpha = dtype(np.float32(0.37))  # as TF1: the rate is a float32 tensor cast to the variable's dtype
    for _ in range(3):
        updates.apply_gradient_descent(want, alpha, delta)
    assert got.tobytes() == want.tobytes()
