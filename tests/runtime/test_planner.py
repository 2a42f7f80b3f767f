"""graphflow/runtime/planner.py: pruning rules that follow TF's subgraph rewrite."""

import numpy as np
import pytest

import graphflow as tf


def test_a_control_dependency_on_a_fed_placeholder_is_satisfied_by_the_feed():
    """TF rewrites a fed Placeholder's control edges to come from the feed: nothing runs it."""
    p = tf.placeholder(tf.float32, [2])
    with tf.control_dependencies([p]):
        c = tf.constant([1.0, 2.0]) * 3.0
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(c, {p: np.zeros(2, np.float32)}), [3.0, 6.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value for placeholder"):
            sess.run(c)
