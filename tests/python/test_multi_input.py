"""Models with several inputs: one input explained with the others fixed, every one-hot
input explained together (deepG's integrated_gradients() on a list), deepG's target-middle
layout, and the messages when the inputs are not given."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import keras_default, keras_modules, random_dna, random_one_hot
from deepg_interpret import ModelError, ShapeError, integrated_gradients, saliency
from deepg_interpret.core.batching import predict
from deepg_interpret.model.adapter import load_model
from deepg_interpret.model.inputs import describe_inputs

pytestmark = pytest.mark.tf215


def linear_two_input(k, l1=6, l2=4, seed=0):
    """f(a, b) = sum(a * w1) + sum(b * w2) + 0.5: IG from zero is x * w, exactly."""
    a, b = k.Input((l1, 4)), k.Input((l2, 4))
    h = k.layers.Concatenate(axis=1)([a, b])
    dense = k.layers.Dense(1)
    model = k.Model([a, b], dense(k.layers.Flatten()(h)))
    w = np.random.default_rng(seed).normal(size=((l1 + l2) * 4, 1)).astype(np.float32)
    dense.set_weights([w, np.array([0.5], np.float32)])
    return model, w.reshape(l1 + l2, 4)


def nonlinear_two_input(k, l1=12, l2=8, seed=0):
    k.utils.set_random_seed(seed)
    a, b = k.Input((l1, 4)), k.Input((l2, 4))
    ha = k.layers.Flatten()(k.layers.Conv1D(3, 3, activation="tanh")(a))
    hb = k.layers.Flatten()(k.layers.Conv1D(3, 3, activation="tanh")(b))
    h = k.layers.Dense(6, activation="tanh")(k.layers.Concatenate()([ha, hb]))
    return k.Model([a, b], k.layers.Dense(3, activation="softmax")(h))


def label_input_model(k, maxlen=30, n_labels=3, seed=0):
    """deepG's create_model_lstm_cnn(label_input = 3): inputs (None, 3) then (None, L, 4)."""
    k.utils.set_random_seed(seed)
    seq, label = k.Input((maxlen, 4)), k.Input((n_labels,))
    h = k.layers.Flatten()(k.layers.Conv1D(4, 3, activation="relu")(seq))
    h = k.layers.Concatenate()([label, h])
    return k.Model([label, seq], k.layers.Dense(2, activation="softmax")(h))


def deepg_list_ig(model, xs, target, steps=50):
    """deepG's integrated_gradients() on a list input (R/visualization.R): every input
    interpolated from a zero baseline with the same alphas, trapezoid rule per input."""
    import tensorflow as tf

    alphas = tf.linspace(0.0, 1.0, steps + 1)[:, None, None]
    paths = [tf.constant(x[None], tf.float32) * alphas for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(paths)
        probs = model(paths)[:, target]
    grads = tape.gradient(probs, paths)
    out = []
    for x, g in zip(xs, grads):
        avg = tf.reduce_mean((g[:-1] + g[1:]) / 2.0, axis=0).numpy()
        out.append(x * avg)
    return out


@pytest.mark.parametrize("make_keras", keras_modules())
def test_all_inputs_together_on_a_linear_model(make_keras):
    k = make_keras()
    model, w = linear_two_input(k)
    adapter = load_model(model, input_index="all")
    assert adapter.item_shape == (10, 4) and adapter.explained_inputs == [0, 1]
    x = random_one_hot(3, 10, seed=1)
    expected = model.predict([x[:, :6], x[:, 6:]], verbose=0)
    np.testing.assert_allclose(predict(adapter, x), expected, rtol=1e-6, atol=1e-6)
    res = integrated_gradients(adapter, x, target=0, steps=10, progress=False)
    np.testing.assert_allclose(res.attributions, x * w, rtol=1e-5, atol=1e-6)
    summary = res.summary_table()
    np.testing.assert_allclose(summary["f_baseline"], 0.5, atol=1e-6)
    assert np.all(np.abs(summary["delta"]) < 1e-5)
    parts = adapter.split_inputs(res.attributions)
    assert [p.shape for p in parts] == [(3, 6, 4), (3, 4, 4)]
    np.testing.assert_array_equal(adapter.join_inputs([x[:, :6], x[:, 6:]]), x)


def test_all_inputs_together_match_deepgs_list_algorithm():
    k = keras_default()
    model = nonlinear_two_input(k)
    adapter = load_model(model, input_index="all")
    x = random_one_hot(1, 20, seed=3)
    ours = integrated_gradients(adapter, x, target=1, progress=False)
    theirs = deepg_list_ig(model, [x[0, :12], x[0, 12:]], target=1)
    for mine, ref in zip(adapter.split_inputs(ours.attributions), theirs):
        scale = np.abs(ref).max()
        assert scale > 0
        assert np.abs(mine[0] - ref).max() <= 1e-5 * scale
    # completeness: F(x) - F(zeros on every input)
    f0 = model.predict([np.zeros((1, 12, 4)), np.zeros((1, 8, 4))], verbose=0)[0, 1]
    total = float(ours.attributions.sum())
    fx = model.predict([x[:, :12], x[:, 12:]], verbose=0)[0, 1]
    assert abs(fx - f0 - total) < 1e-3


def test_one_input_with_the_other_fixed_differs_from_all_together():
    """other_inputs holds the other input at its value: the gap is F(x) - F(0, b)."""
    k = keras_default()
    model = nonlinear_two_input(k)
    x = random_one_hot(1, 20, seed=4)
    a, b = x[:, :12], x[:, 12:]
    single = load_model(model, input_index=0, other_inputs=[None, b[0]])
    assert single.item_shape == (12, 4)
    res = integrated_gradients(single, a, target=2, steps=200, progress=False)
    f_ab = model.predict([a, b], verbose=0)[0, 2]
    f_0b = model.predict([np.zeros_like(a), b], verbose=0)[0, 2]
    assert abs(res.attributions.sum() - (f_ab - f_0b)) < 1e-4
    # the explained input inferred from the single None of other_inputs
    assert load_model(model, other_inputs=[None, b[0]]).input_index == 0
    assert load_model(model, other_inputs=[a[0], None]).input_index == 1


def test_target_middle_layout_is_deepgs_generator_split():
    """deepG's target_middle_lstm: x_1..x_S -> input 1 = x_1..x_L1, input 2 = x_S..x_(L1+2),
    x_(L1+1) is the predicted base."""
    k = keras_default()
    model = nonlinear_two_input(k, l1=10, l2=10)
    adapter = load_model(model, input_index="target_middle")
    assert adapter.maxlen == 21
    x = random_one_hot(2, 21, seed=5)
    left, right = x[:, :10], x[:, 11:][:, ::-1]
    expected = model.predict([left, right], verbose=0)
    np.testing.assert_allclose(predict(adapter, x), expected, rtol=1e-5, atol=1e-6)
    res = integrated_gradients(adapter, x, target=0, progress=False)
    np.testing.assert_array_equal(res.attributions[:, 10], 0.0)  # the middle base is unseen
    parts = adapter.split_inputs(res.attributions)
    ref = deepg_list_ig(model, [left[0], right[0]], target=0)
    for mine, theirs in zip(parts, ref):
        assert np.abs(mine[0] - theirs).max() <= 1e-5 * np.abs(theirs).max()
    joined = adapter.join_inputs([left, right])
    np.testing.assert_array_equal(joined[:, :10], x[:, :10])
    np.testing.assert_array_equal(joined[:, 11:], x[:, 11:])
    np.testing.assert_array_equal(joined[:, 10], 0.0)


@pytest.mark.parametrize("make_keras", keras_modules())
def test_label_input_model_picks_the_sequence_input(make_keras):
    k = make_keras()
    model = label_input_model(k)
    infos = describe_inputs(model)
    assert [i.kind for i in infos] == ["vector", "sequence"]
    with pytest.raises(ModelError, match=r"other_inputs.*input 0 .* shape \(None, 3\)"):
        load_model(model)
    label = np.array([0.0, 1.0, 0.0], np.float32)
    adapter = load_model(model, other_inputs=[label, None])
    assert adapter.input_index == 1 and adapter.maxlen == 30
    dna = random_dna(2, 30, seed=6)
    res = integrated_gradients(adapter, dna, target=1, progress=False)
    x = res.inputs.onehot
    expected = model.predict([np.repeat(label[None], 2, axis=0), x], verbose=0)[:, 1]
    np.testing.assert_allclose(res.f_input, expected, rtol=1e-5)
    assert np.all(np.abs(res.summary_table()["delta"]) < 1e-2)
    # the same values again: the same adapter (compiled once); deepG's generator layout,
    # a (1, 3) matrix, works too
    assert load_model(model, other_inputs=[label.copy(), None]) is adapter
    as_matrix = load_model(model, other_inputs=[label[None], None])
    np.testing.assert_allclose(predict(as_matrix, x), predict(adapter, x), rtol=1e-6)
    sal = saliency(adapter, dna, target=0, progress=False)
    assert sal.attributions.shape == (2, 30, 4)
    assert adapter.with_output("logit").input_index == 1


def test_input_argument_errors():
    k = keras_default()
    model = label_input_model(k)
    with pytest.raises(ShapeError, match=r"other_inputs\[0\] has shape \(1, 4\)"):
        load_model(model, other_inputs=[np.zeros(4), None])
    with pytest.raises(ModelError, match="other_inputs has 1 entries"):
        load_model(model, other_inputs=[None])
    with pytest.raises(ModelError, match=r"other_inputs\[1\] has a value"):
        load_model(model, input_index=1, other_inputs=[np.zeros(3), np.zeros((30, 4))])
    with pytest.raises(ModelError, match="input_index = 5"):
        load_model(model, input_index=5)
    with pytest.raises(ModelError, match="not an input"):
        load_model(model, input_index="middle")
    with pytest.raises(ModelError, match="not one-hot sequences"):
        load_model(model, input_index=0, other_inputs=[None, np.zeros((30, 4))])
    with pytest.raises(ModelError, match="needs one-hot inputs|exactly two"):
        load_model(model, input_index="target_middle")
    two = nonlinear_two_input(k)
    with pytest.raises(ModelError, match="2 one-hot inputs.*'all'.*'target_middle'"):
        load_model(two)
    with pytest.raises(ModelError, match="every input of the model is explained"):
        load_model(two, input_index="all", other_inputs=[None, np.zeros((8, 4))])
    with pytest.raises(ShapeError, match="expected"):
        load_model(two, input_index="all").join_inputs([np.zeros((1, 12, 4))] * 2)
