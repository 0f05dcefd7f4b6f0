"""Shared fixtures: tiny models built in the test, seeded random DNA.

Every builder takes the Keras module to use, so the same test runs on Keras 3
(TF >= 2.16) and on Keras 2 (tf_keras, or keras itself on TF 2.15).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest


def keras_default():
    """The ``keras`` package installed (Keras 3 on TF >= 2.16, Keras 2 on TF 2.15)."""
    import keras

    return keras


def keras_major() -> int:
    return int(keras_default().__version__.split(".")[0])


def keras2():
    """Keras 2: tf_keras when installed, else keras 2.x itself."""
    try:
        import tf_keras

        return tf_keras
    except ImportError:
        return keras_default()


def keras_modules():
    """Every Keras flavour available here, as pytest params."""
    mods = [pytest.param(keras_default, id=f"keras{keras_major()}")]
    if keras_major() >= 3:
        mods.append(pytest.param(keras2, id="tf_keras"))
    return mods


def assert_tables_close(a, b, scale: float = 1.0, rel: float = 1e-6, obj: str = "table"):
    """Two tables of two TensorFlow computations of the same quantity (another batch size,
    thread count, oneDNN setting or CPU): ids, integers and strings exactly, floats within
    ``rel * scale`` (float32 kernels differ by about 1e-7 of the output per op when the
    summation order changes; 1e-6 of the output's size bounds that with room)."""
    import pandas as pd

    assert list(a.columns) == list(b.columns), obj
    floats = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    exact = [c for c in a.columns if c not in floats]
    pd.testing.assert_frame_equal(a[exact], b[exact], obj=obj)
    for c in floats:
        np.testing.assert_allclose(b[c].to_numpy(dtype=float), a[c].to_numpy(dtype=float),
                                   rtol=0, atol=rel * scale, err_msg=f"{obj}.{c}")


MOTIF_COUNTED = "GATTACACGTCA"


def motif_counter(length_scale: float, k=None):
    """maxlen=None model: a conv filter that fires (1.0) only on an exact
    ``MOTIF_COUNTED``, global average pooling, and a softmax whose class 1 grows with the
    number of copies (sets erasing as many copies tie exactly)."""
    k = keras_default() if k is None else k
    m = len(MOTIF_COUNTED)
    inp = k.Input((None, 4))
    conv = k.layers.Conv1D(1, m, activation="relu")
    dense = k.layers.Dense(2, activation="softmax")
    model = k.Model(inp, dense(k.layers.GlobalAveragePooling1D()(conv(inp))))
    w = np.eye(4, dtype=np.float32)[["ACGT".index(c) for c in MOTIF_COUNTED]][:, :, None]
    conv.set_weights([w, np.array([-(m - 1)], np.float32)])
    scale = length_scale / 2.0  # pooled value = copies / (L - m + 1)
    dense.set_weights([np.array([[-scale, scale]], np.float32),
                       np.array([3.0, -3.0], np.float32)])
    return model


def random_dna(n: int, length: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def random_one_hot(n: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n, length))]


def conv_lstm_model(k, maxlen: int = 60, n_classes: int = 2, softmax_as_layer: bool = False,
                    seed: int = 0):
    """A random deepG-like conv + LSTM classifier."""
    k.utils.set_random_seed(seed)
    layers = [
        k.Input((maxlen, 4)),
        k.layers.Conv1D(8, 5, activation="relu"),
        k.layers.MaxPooling1D(3),
        k.layers.BatchNormalization(),
        k.layers.LSTM(8),
        k.layers.Dense(8, activation="relu"),
    ]
    if softmax_as_layer:
        layers += [k.layers.Dense(n_classes), k.layers.Activation("softmax")]
    else:
        layers += [k.layers.Dense(n_classes, activation="softmax")]
    return k.Sequential(layers)


def set_seeded_weights(model, seed: int = 0):
    """Overwrite every weight from one numpy stream, so Keras 2 and Keras 3 build the
    *same* network (their initializers differ) and tests give identical numbers on both."""
    rng = np.random.default_rng(seed)
    for var in model.weights:
        name, shape = var.name.lower(), tuple(var.shape)
        if "moving_variance" in name:
            value = 1.0 + np.abs(rng.normal(0, 0.1, shape))
        elif "gamma" in name:
            value = 1.0 + rng.normal(0, 0.1, shape)
        elif "moving_mean" in name or "beta" in name or "bias" in name:
            value = rng.normal(0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            value = rng.normal(0, 1.0 / np.sqrt(fan_in), shape)
        var.assign(value.astype(np.float32))
    return model


def linear_model(k, maxlen: int = 30, seed: int = 0):
    """F(x) = sum(W * x) + b: IG is exactly (x - x') * W."""
    rng = np.random.default_rng(seed)
    model = k.Sequential([k.Input((maxlen, 4)), k.layers.Flatten(), k.layers.Dense(1)])
    w = rng.normal(size=(maxlen * 4, 1)).astype(np.float32)
    model.layers[-1].set_weights([w, np.array([0.3], np.float32)])
    return model, w.reshape(maxlen, 4)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
