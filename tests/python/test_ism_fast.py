"""Fast ISM on convolutional stacks == every mutant through the model, by hand.

Tolerance: the fast path recomputes windows and updates a linear head incrementally in
float32, so its deltas differ from the hand loop by float32 rounding of the outputs'
magnitude (~1e-7 relative); the tests allow 1e-5 of the output scale.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import keras2, keras_default, random_dna, set_seeded_weights
from deepg_interpret import ism
from deepg_interpret.errors import ModelError
from deepg_interpret.model.adapter import load_model

RTOL = 1e-5


def hand_ism(model, onehot: np.ndarray, target: int) -> np.ndarray:
    """Every base at every position, each mutant through ``model`` (no engine code)."""
    n, length, channels = onehot.shape
    out = np.zeros((n, length, channels), dtype=np.float64)
    for i in range(n):
        mutants = np.repeat(onehot[i:i + 1], length * channels, axis=0)
        for p in range(length):
            mutants[p * channels:(p + 1) * channels, p] = np.eye(channels)
        f = np.asarray(model(mutants, training=False))[:, target].reshape(length, channels)
        f_ref = float(np.asarray(model(onehot[i:i + 1], training=False))[0, target])
        out[i] = f - f_ref
    return np.where(onehot == 1, 0.0, out)  # the reference base is no mutant


def encoded(seqs):
    from deepg_interpret import encode

    return encode(seqs).onehot


def _stack(k, kind: str, maxlen: int):
    L = k.layers
    if kind == "same_pool_bn_flatten":
        layers = [L.Conv1D(6, 5, padding="same", activation="relu"), L.MaxPooling1D(3),
                  L.BatchNormalization(), L.Conv1D(5, 3, padding="same", activation="relu"),
                  L.BatchNormalization(), L.MaxPooling1D(2), L.Flatten(),
                  L.Dense(6, activation="relu"), L.Dropout(0.3), L.Dense(2, activation="softmax")]
    elif kind == "valid_dilation_stride_gap":
        layers = [L.Conv1D(6, 4, padding="valid", dilation_rate=2, activation="elu"),
                  L.AveragePooling1D(3, strides=2, padding="same"),
                  L.Conv1D(5, 3, strides=2, padding="same"), L.Activation("relu"),
                  L.Dense(4), L.GlobalAveragePooling1D(), L.Dense(3, activation="softmax")]
    else:  # causal convolutions, valid pooling, a global max head (generic head)
        layers = [L.Conv1D(4, 3, padding="causal", activation="tanh"), L.Dropout(0.2),
                  L.MaxPooling1D(2, padding="valid"), L.LayerNormalization(),
                  L.Conv1D(4, 5, padding="valid", dilation_rate=3, activation="relu"),
                  L.GlobalMaxPooling1D(), L.Dense(2, activation="sigmoid")]
    model = k.Sequential([k.Input((maxlen, 4))] + layers)
    return set_seeded_weights(model, seed=3)


STACKS = ["same_pool_bn_flatten", "valid_dilation_stride_gap", "causal_generic_head"]


@pytest.fixture(scope="module")
def seqs():
    dna = random_dna(2, 41, seed=5)
    dna[1] = dna[1][:7] + "N" + dna[1][8:]  # an ambiguous reference: every base is a mutant
    return dna


@pytest.mark.parametrize("kind", STACKS)
def test_fast_path_equals_every_mutant_through_the_model(kind, seqs):
    model = _stack(keras_default(), kind, 41)
    target = 1
    res = ism(model, seqs, target=target, fast=True, progress=False)
    assert res.path == "fast" and res.settings["fast_refused"] is None
    expected = hand_ism(model, encoded(seqs), target)
    scale = max(1.0, float(np.abs(np.asarray(model(encoded(seqs)))).max()))
    np.testing.assert_allclose(res.deltas, expected, rtol=0, atol=RTOL * scale)
    assert np.abs(expected).max() > 1e-3  # the model does respond to mutations
    assert np.all(res.deltas[1, 7] != 0)  # N: four mutants, none is the reference


def test_fast_path_explains_logits_like_the_pre_softmax_model(seqs):
    k = keras_default()
    model = _stack(k, "same_pool_bn_flatten", 41)
    pre = k.Model(model.inputs, model.layers[-1].input)
    kernel, bias = model.layers[-1].get_weights()

    def logits(x, training=False):
        return np.asarray(pre(x, training=False)) @ kernel + bias

    res = ism(model, seqs, target=0, output="logit", progress=False)
    assert res.path == "fast"
    expected = hand_ism(logits, encoded(seqs), 0)
    np.testing.assert_allclose(res.deltas, expected, atol=RTOL * 10)


def test_fast_path_on_keras2_layers(seqs):
    k = keras2()
    model = _stack(k, "valid_dilation_stride_gap", 41)
    res = ism(model, seqs, target=2, progress=False)
    assert res.path == "fast"
    np.testing.assert_allclose(res.deltas, hand_ism(model, encoded(seqs), 2), atol=RTOL)


def test_fast_and_naive_agree_on_a_region_and_leave_the_rest_out(seqs):
    model = _stack(keras_default(), "same_pool_bn_flatten", 41)
    fast = ism(model, seqs, target=1, start=5, end=12, progress=False, batch_size=3)
    naive = ism(model, seqs, target=1, start=5, end=12, fast=False, progress=False)
    assert (fast.path, naive.path) == ("fast", "naive")
    assert naive.settings["fast_refused"] == "fast=False"
    np.testing.assert_allclose(fast.deltas[:, 4:12], naive.deltas[:, 4:12], atol=RTOL)
    assert np.isnan(fast.deltas[:, :4]).all() and np.isnan(fast.deltas[:, 12:]).all()
    table = fast.ism_table()
    assert table["position"].min() == 5 and table["position"].max() == 12
    assert len(table) == 8 * 3 + 8 * 3 + 1  # seq_2 has an N at 8: four rows there
    summary = fast.summary_table()
    assert summary["path"].tolist() == ["fast", "fast"]
    assert summary[["start", "end"]].values.tolist() == [[5, 12], [5, 12]]


def _residual(k):
    inp = k.Input((30, 4))
    a = k.layers.Conv1D(4, 3, padding="same", activation="relu")(inp)
    b = k.layers.Conv1D(4, 3, padding="same")(a)
    out = k.layers.Dense(2, activation="softmax")(k.layers.Flatten()(k.layers.Add()([a, b])))
    return set_seeded_weights(k.Model(inp, out), seed=1)


def test_models_outside_the_fast_path_fall_back_and_say_why():
    k = keras_default()
    dna = random_dna(1, 30, seed=2)
    residual = _residual(k)
    res = ism(residual, dna, target=0, progress=False)
    assert res.path == "naive"
    assert "Add" in res.settings["fast_refused"] or "chain" in res.settings["fast_refused"]
    np.testing.assert_allclose(res.deltas, hand_ism(residual, encoded(dna), 0), atol=1e-6)
    with pytest.raises(ModelError, match="fast=True .*cannot run"):
        ism(residual, dna, target=0, fast=True, progress=False)
    dense_only = k.Sequential([k.Input((30, 4)), k.layers.Flatten(), k.layers.Dense(1)])
    res = ism(dense_only, dna, target=0, progress=False)
    assert res.path == "naive" and "no Conv1D or pooling" in res.settings["fast_refused"]


def test_the_self_check_refuses_a_wrong_plan(monkeypatch):
    """A plan that models a layer wrongly is caught by comparing with real mutants."""
    from deepg_interpret.methods import ism_fast_step

    model = _stack(keras_default(), "same_pool_bn_flatten", 41)
    original = ism_fast_step._layer_op

    def wrong(step, x, out_start=None):
        return original(step, x, out_start) * (1.5 if step.kind == "max" else 1.0)

    monkeypatch.setattr(ism_fast_step, "_layer_op", wrong)
    res = ism(load_model(model), random_dna(1, 41, seed=9), target=0, progress=False)
    assert res.path == "naive" and "self-check" in res.settings["fast_refused"]
