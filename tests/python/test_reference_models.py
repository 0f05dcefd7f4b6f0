"""Tests for reference_models: deepG-shaped builders and train_model.

Tiny models only (a few filters, maxlen <= 100). The ``tf_keras`` cases are marked
``tf215`` and also run under TensorFlow 2.15 / Keras 2, where Keras 3 does not exist.
"""

from __future__ import annotations

import json
import warnings

import h5py
import numpy as np
import pytest

from conftest import keras_major, random_one_hot
from deepg_interpret.errors import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    InputError,
    ModelError,
    ShapeError,
)
from deepg_interpret.synthetic.reference_models import (
    create_model_lstm_cnn,
    recalibrate_batch_norm,
    resolve_backend,
    train_model,
)

HAS_KERAS3 = keras_major() >= 3
needs_keras3 = pytest.mark.skipif(not HAS_KERAS3, reason="Keras 3 is not installed (TF <= 2.15)")

BACKENDS = [
    pytest.param("keras3", marks=needs_keras3, id="keras3"),
    pytest.param("tf_keras", marks=pytest.mark.tf215, id="tf_keras"),
]


def layer_names(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"]


def motif_task(n: int = 240, maxlen: int = 40, seed: int = 0):
    """Label 1 iff the sequence carries 'GATTACA' at a random place (easily learnt)."""
    rng = np.random.default_rng(seed)
    x = random_one_hot(n, maxlen, seed=seed)
    y = np.zeros(n, dtype=int)
    motif = np.eye(4, dtype=np.float32)[["ACGT".index(b) for b in "GATTACA"]]
    for i in range(0, n, 2):
        start = rng.integers(0, maxlen - len(motif))
        x[i, start : start + len(motif)] = motif
        y[i] = 1
    return x, y


# --------------------------------------------------------------------------- architecture
@pytest.mark.parametrize("backend", BACKENDS)
def test_layer_order_matches_deepg(backend):
    model = create_model_lstm_cnn(
        60,
        kernel_size=(6, 4, 3),
        filters=(4, 8, 8),
        pool_size=(3, 2, 1),
        layer_dense=(16, 2),
        backend=backend,
        seed=0,
    )
    # deepG: block 1 pools before batch norm, later blocks normalise before pooling,
    # pool_size 1 adds no pooling layer.
    assert layer_names(model) == [
        "Conv1D",
        "MaxPooling1D",
        "BatchNormalization",
        "Conv1D",
        "BatchNormalization",
        "MaxPooling1D",
        "Conv1D",
        "BatchNormalization",
        "Flatten",
        "Dense",
        "Dense",
    ]
    assert tuple(model.input_shape) == (None, 60, 4)
    assert tuple(model.output_shape) == (None, 2)
    conv = model.layers[0].get_config()
    assert conv["padding"] == "same" and conv["activation"] == "relu"
    assert model.layers[-1].get_config()["activation"] == "softmax"


@pytest.mark.parametrize("backend", BACKENDS)
def test_parameter_count_is_hand_computable(backend):
    model = create_model_lstm_cnn(
        30, kernel_size=5, filters=4, pool_size=3, layer_dense=(3,), backend=backend
    )
    conv = 5 * 4 * 4 + 4  # kernel * channels * filters + bias
    bn = 4 * 4  # gamma, beta, moving mean, moving variance
    dense = (30 // 3) * 4 * 3 + 3  # flatten(10 x 4) -> 3 units
    assert model.count_params() == conv + bn + dense


@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_as_layer_gives_linear_dense_then_activation(backend):
    model = create_model_lstm_cnn(
        50,
        kernel_size=5,
        filters=4,
        layer_dense=(3,),
        softmax_as_layer=True,
        backend=backend,
        seed=1,
    )
    assert layer_names(model)[-2:] == ["Dense", "Activation"]
    assert model.layers[-2].get_config()["activation"] == "linear"
    prob = model.predict(random_one_hot(5, 50), verbose=0)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigmoid_output_and_loss(backend):
    model = create_model_lstm_cnn(
        50,
        kernel_size=5,
        filters=4,
        layer_dense=(1,),
        last_layer_activation="sigmoid",
        backend=backend,
        seed=0,
    )
    prob = model.predict(random_one_hot(4, 50), verbose=0)
    assert prob.shape == (4, 1) and np.all((prob > 0) & (prob < 1))
    assert "binary_crossentropy" in str(model.loss)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gap_accepts_any_length_when_maxlen_is_none(backend):
    model = create_model_lstm_cnn(
        None,
        kernel_size=(5, 3),
        filters=(4, 4),
        pool_size=(2, 2),
        gap=True,
        backend=backend,
        seed=0,
    )
    assert tuple(model.input_shape) == (None, None, 4)
    assert "GlobalAveragePooling1D" in layer_names(model)
    for length in (40, 123):
        assert model.predict(random_one_hot(2, length), verbose=0).shape == (2, 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_lstm_variants(backend):
    cnn_lstm = create_model_lstm_cnn(
        40, kernel_size=4, filters=4, layer_lstm=(6, 5), backend=backend, seed=0
    )
    assert layer_names(cnn_lstm) == [
        "Conv1D",
        "MaxPooling1D",
        "BatchNormalization",
        "LSTM",
        "LSTM",
        "Dense",
    ]
    assert cnn_lstm.layers[3].get_config()["return_sequences"] is True
    assert cnn_lstm.layers[4].get_config()["return_sequences"] is False

    bi = create_model_lstm_cnn(
        40,
        kernel_size=None,
        filters=None,
        layer_lstm=4,
        bidirectional=True,
        zero_mask=True,
        backend=backend,
        seed=0,
    )
    assert layer_names(bi) == ["Masking", "Bidirectional", "Dense"]
    assert bi.predict(random_one_hot(3, 40), verbose=0).shape == (3, 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_makes_weights_reproducible(backend):
    kwargs = dict(kernel_size=5, filters=4, layer_dense=(8, 2), dropout_dense=0.2, backend=backend)
    a = create_model_lstm_cnn(40, seed=7, **kwargs).get_weights()
    b = create_model_lstm_cnn(40, seed=7, **kwargs).get_weights()
    c = create_model_lstm_cnn(40, seed=8, **kwargs).get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    g = create_model_lstm_cnn(40, seed=np.random.default_rng(3), **kwargs)
    assert g.count_params() > 0


@pytest.mark.tf215
@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
def test_tf_keras_writes_legacy_hdf5_with_batch_input_shape(tmp_path):
    model = create_model_lstm_cnn(
        50,
        kernel_size=5,
        filters=4,
        layer_dense=(2,),
        softmax_as_layer=True,
        backend="tf_keras",
        seed=0,
    )
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
    assert config["class_name"] == "Sequential"
    first = [lay for lay in config["config"]["layers"] if lay["class_name"] != "InputLayer"][0]
    assert first["class_name"] == "Conv1D"
    assert first["config"]["batch_input_shape"] == [None, 50, 4]
    assert config["config"]["layers"][-1]["class_name"] == "Activation"

    tf_keras = resolve_backend("tf_keras")[0]
    loaded = tf_keras.models.load_model(path)
    x = random_one_hot(3, 50)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


# --------------------------------------------------------------------------- validation
@pytest.mark.tf215
def test_backend_errors():
    with pytest.raises(InputError, match="backend"):
        create_model_lstm_cnn(50, backend="torch")
    if not HAS_KERAS3:
        with pytest.raises(ModelError, match="backend='tf_keras'"):
            create_model_lstm_cnn(50, backend="keras3")
    else:
        assert resolve_backend("auto")[1] == "keras3"


@pytest.mark.tf215
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(kernel_size=(5, 5), filters=(4,)), InputError, "filters"),
        (dict(kernel_size=(5, 5), filters=(4, 4), pool_size=(2,)), InputError, "pool_size"),
        (dict(kernel_size=5, filters=4, strides=(1, 1)), InputError, "strides"),
        (dict(kernel_size=5, filters=None), InputError, "both"),
        (dict(kernel_size=None, filters=None), InputError, "neither convolution nor LSTM"),
        (dict(kernel_size=5, filters=4, layer_lstm=4, gap=True), InputError, "gap"),
        (
            dict(kernel_size=(3, 3, 3), filters=(4, 4, 4), pool_size=(4, 4, 4)),
            InputError,
            "leaves no positions",
        ),
        (
            dict(kernel_size=5, filters=4, last_layer_activation="relu"),
            InputError,
            "last_layer_activation",
        ),
        (dict(kernel_size=5, filters=4, dropout_dense=(0.1, 0.1)), InputError, "dropout_dense"),
        (dict(kernel_size=5, filters=4, dropout_lstm=1.5), InputError, "dropout_lstm"),
        (dict(kernel_size="5", filters=4), ArgumentTypeError, "kernel_size"),
        (dict(kernel_size=5, filters=4, seed="x"), ArgumentTypeError, "seed"),
    ],
)
def test_invalid_settings_raise_named_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        create_model_lstm_cnn(30, backend="tf_keras", **kwargs)


@pytest.mark.tf215
def test_flatten_head_needs_fixed_maxlen():
    with pytest.raises(InputError, match="gap=True"):
        create_model_lstm_cnn(None, kernel_size=5, filters=4, backend="tf_keras")
    with pytest.raises(InputError, match="maxlen"):
        create_model_lstm_cnn(0, kernel_size=5, filters=4, backend="tf_keras")


# --------------------------------------------------------------------------- training
@pytest.mark.parametrize("backend", BACKENDS)
def test_train_model_learns_and_restores_best_weights(backend):
    x, y = motif_task(240, 40, seed=0)
    x_val, y_val = motif_task(80, 40, seed=1)
    # Global average pooling generalises from 240 sequences (a flatten head memorises);
    # momentum 0.8 lets the batch-norm moving statistics settle within a few dozen steps.
    model = create_model_lstm_cnn(
        40,
        kernel_size=7,
        filters=8,
        pool_size=1,
        gap=True,
        layer_dense=(2,),
        learning_rate=0.03,
        batch_norm_momentum=0.8,
        backend=backend,
        seed=0,
    )
    info = train_model(
        model, x, y, x_val=x_val, y_val=y_val, epochs=8, patience=3, batch_size=32, seed=0
    )
    assert {
        "history",
        "epochs_run",
        "best_epoch",
        "val_loss",
        "val_accuracy",
        "val_balanced_accuracy",
        "n_train",
        "n_val",
        "seconds",
    } <= set(info)
    assert info["n_train"] == 240 and info["n_val"] == 80
    assert 1 <= info["best_epoch"] <= info["epochs_run"] <= 8
    best_loss = min(info["history"]["val_loss"])
    assert info["val_loss"] == pytest.approx(best_loss)
    # The model holds the best epoch's weights, not the last epoch's.
    restored = model.evaluate(x_val, np.eye(2)[y_val], verbose=0)[0]
    assert restored == pytest.approx(best_loss, rel=1e-3, abs=1e-4)
    assert info["val_balanced_accuracy"] > 0.8


@pytest.mark.tf215
def test_train_model_label_forms_and_seeded_split():
    x, y = motif_task(120, 40, seed=2)
    results = []
    for labels in (y, np.eye(2, dtype="float32")[y]):
        model = create_model_lstm_cnn(40, kernel_size=5, filters=4, backend="tf_keras", seed=0)
        info = train_model(model, x, labels, epochs=2, seed=3, validation_share=0.25)
        results.append(info["history"]["val_loss"])
        assert info["n_val"] == 30 and info["n_train"] == 90
    # Int labels and one-hot targets train the same model on the same split.
    np.testing.assert_allclose(results[0], results[1], rtol=1e-4)

    sig = create_model_lstm_cnn(
        40,
        kernel_size=5,
        filters=4,
        layer_dense=(1,),
        last_layer_activation="sigmoid",
        backend="tf_keras",
        seed=0,
    )
    info = train_model(sig, x, y, epochs=1, seed=0)
    assert 0.0 <= info["val_balanced_accuracy"] <= 1.0


@pytest.mark.tf215
def test_train_model_rejects_bad_inputs():
    x, y = motif_task(40, 40)
    model = create_model_lstm_cnn(40, kernel_size=5, filters=4, backend="tf_keras", seed=0)
    with pytest.raises(InputError, match="labels from 0 to 2"):
        train_model(model, x, np.where(y == 1, 2, 0), epochs=1)
    with pytest.raises(ShapeError, match="targets"):
        train_model(model, x, np.zeros((40, 3)), epochs=1)
    with pytest.raises(ShapeError, match="one row per label"):
        train_model(model, x[:10], y, epochs=1)
    with pytest.raises(InputError, match="both"):
        train_model(model, x, y, x_val=x, epochs=1)
    with pytest.raises(InputError, match="epochs"):
        train_model(model, x, y, epochs=0)
    raw = create_model_lstm_cnn(40, kernel_size=5, filters=4, backend="tf_keras", compile=False)
    with pytest.raises(ModelError, match="not compiled"):
        train_model(raw, x, y, epochs=1)
    with pytest.raises(ModelError, match="Keras model"):
        train_model(object(), x, y)


# --------------------------------------------------------------------------- batch norm
def planted_motif_task(n: int = 1200, length: int = 200):
    """Two planted motifs (deepg_interpret.synthetic), half the sequences positive."""
    from deepg_interpret.synthetic import simulate_motifs

    ds = simulate_motifs(n, length, ["high", "medium"], seed=0)
    return ds.onehot(), np.asarray(ds.labels)


def chance_warnings(records) -> list[str]:
    return [str(w.message) for w in records
            if issubclass(w.category, DeepGInterpretWarning) and "at chance" in str(w.message)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_norm_model_is_right_in_inference_mode(backend):
    """The reported failure, small: a batch-norm GAP model reaches 100 % training accuracy
    within ~80 steps while its moving statistics (momentum 0.99) still hold their start
    values, so in inference mode it predicted one class (validation 0.53). With the
    statistics re-estimated before each validation pass, inference mode is right."""
    x, y = planted_motif_task()

    def fit(recalibrate_bn: bool):
        model = create_model_lstm_cnn(
            200, kernel_size=(12, 8), filters=(16, 16), pool_size=(3, 2), gap=True,
            layer_dense=(16, 2), learning_rate=3e-3, backend=backend, seed=0,
        )
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            info = train_model(model, x, y, epochs=3, batch_size=32, patience=3, seed=0,
                               validation_share=0.25, recalibrate_bn=recalibrate_bn)
        return model, info, chance_warnings(records)

    model, info, warned = fit(True)
    assert info["val_accuracy_restored"] > 0.9 and info["train_accuracy"] > 0.9
    assert info["val_balanced_accuracy"] > 0.9 and not info["val_at_chance"]
    assert warned == []
    # history's validation numbers are inference-mode numbers of the same statistics
    assert info["val_accuracy"] == pytest.approx(info["val_accuracy_restored"], abs=0.02)

    # Keras' plain behaviour, for comparison (one backend: both give the same numbers):
    # when it lands at chance (0.53 with TF 2.21), train_model says so and names batch norm.
    if backend != ("keras3" if HAS_KERAS3 else "tf_keras"):
        return
    _, before, warned = fit(False)
    assert before["val_accuracy_restored"] < info["val_accuracy_restored"]
    if before["val_at_chance"]:
        assert len(warned) == 1 and "In inference mode the training accuracy" in warned[0]
        assert "recalibrate_batch_norm" in warned[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_recalibrate_batch_norm_sets_exact_average_statistics(backend):
    x = random_one_hot(96, 40, seed=3)
    model = create_model_lstm_cnn(
        40, kernel_size=(5, 3), filters=(4, 6), pool_size=(2, 1), backend=backend, seed=0
    )
    keras_mod = resolve_backend(backend)[0]
    bns = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
    trainable = [np.array(w) for w in model.trainable_weights]
    # the first batch-norm layer's input does not depend on any batch-norm statistics
    probe = keras_mod.Model(model.inputs[0], bns[0].input)
    feats = np.asarray(probe(x[:32], training=False), dtype=np.float64)

    assert recalibrate_batch_norm(model, x[:32], batch_size=32) == 2
    np.testing.assert_allclose(np.array(bns[0].moving_mean), feats.mean(axis=(0, 1)), atol=1e-5)
    np.testing.assert_allclose(np.array(bns[0].moving_variance), feats.var(axis=(0, 1)),
                               rtol=1e-4, atol=1e-6)
    # several batches: the size-weighted average of the batch statistics (32 + 32 + 8 rows)
    sub = x[:72]
    batches = [np.asarray(probe(sub[i : i + 32]), dtype=np.float64) for i in (0, 32, 64)]
    weights = np.array([len(b) for b in batches], dtype=np.float64)
    mean = sum(w * b.mean(axis=(0, 1)) for w, b in zip(weights, batches)) / weights.sum()
    var = sum(w * b.var(axis=(0, 1)) for w, b in zip(weights, batches)) / weights.sum()
    recalibrate_batch_norm(model, sub, batch_size=32)
    np.testing.assert_allclose(np.array(bns[0].moving_mean), mean, atol=1e-5)
    np.testing.assert_allclose(np.array(bns[0].moving_variance), var, rtol=1e-4, atol=1e-6)
    # momenta and trainable weights are untouched
    assert all(layer.momentum == pytest.approx(0.99) for layer in bns)
    assert all(np.array_equal(a, np.array(b)) for a, b in zip(trainable, model.trainable_weights))
    # max_rows draws a seeded subset; models without batch norm are left alone
    assert recalibrate_batch_norm(model, x, batch_size=16, max_rows=20, seed=1) == 2
    plain = create_model_lstm_cnn(40, kernel_size=5, filters=4, batch_norm=False,
                                  backend=backend, seed=0)
    assert recalibrate_batch_norm(plain, x) == 0
    with pytest.raises(InputError, match="batch_size"):
        recalibrate_batch_norm(model, x, batch_size=0)
    with pytest.raises(InputError, match="max_rows"):
        recalibrate_batch_norm(model, x, max_rows=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_train_model_warns_when_validation_is_at_chance(backend):
    """Learnable training labels, validation labels no model can beat chance on: every
    validation sequence appears twice, once per label, so any classifier scores 0.5."""
    x, y = motif_task(480, 40, seed=0)
    xv, _ = motif_task(40, 40, seed=1)
    x_val = np.concatenate([xv, xv])
    y_val = np.concatenate([np.zeros(40, int), np.ones(40, int)])
    model = create_model_lstm_cnn(
        40, kernel_size=7, filters=8, pool_size=1, gap=True, layer_dense=(2,),
        learning_rate=0.03, backend=backend, seed=0,
    )
    with pytest.warns(DeepGInterpretWarning, match="validation accuracy 0.50 is at chance") as rec:
        info = train_model(model, x, y, x_val=x_val, y_val=y_val, epochs=6, patience=6,
                           batch_size=32, seed=0)
    message = next(str(w.message) for w in rec if issubclass(w.category, DeepGInterpretWarning)
                   and "at chance" in str(w.message))
    assert "memorised the training data, or the validation labels" in message
    assert info["val_at_chance"] and info["val_majority_rate"] == 0.5
    assert info["val_accuracy_restored"] == 0.5 and info["train_accuracy"] > 0.6


@pytest.mark.tf215
def test_no_chance_warning_for_a_model_that_learnt_nothing_anywhere():
    """Training at chance too (labels are noise): nothing to compare, no warning."""
    rng = np.random.default_rng(0)
    x = random_one_hot(200, 30, seed=5)
    y = rng.integers(0, 2, 200)
    model = create_model_lstm_cnn(30, kernel_size=3, filters=2, pool_size=3, gap=True,
                                  layer_dense=(2,), learning_rate=1e-4, backend="tf_keras",
                                  seed=0)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        info = train_model(model, x, y, epochs=1, seed=0, validation_share=0.3)
    assert chance_warnings(records) == []
    assert {"train_accuracy", "val_at_chance"} <= set(info)
