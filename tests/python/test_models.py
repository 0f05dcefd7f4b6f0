"""Loading deepG/Keras models: Keras 3, tf_keras, legacy HDF5, logits, multi-input, errors."""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    conv_lstm_model,
    keras2,
    keras_default,
    keras_major,
    keras_modules,
    random_one_hot,
)
from deepg_interpret import (
    ArgumentTypeError,
    DeepGInterpretWarning,
    ModelError,
    ShapeError,
    TargetError,
)
from deepg_interpret.core.batching import predict
from deepg_interpret.model.adapter import load_model
from deepg_interpret.model.files import _probe_hdf5

pytestmark = pytest.mark.tf215


def legacy_deepg_checkpoint(path, maxlen=40, keras_version="2.2.4-tf"):
    """A checkpoint shaped like deepG's old ones: Keras 2 Sequential, batch_input_shape,
    final Activation("softmax") layer, keras_version attribute of the Keras 2.2.4 era."""
    import h5py

    k = keras2()
    k.utils.set_random_seed(1)
    model = k.Sequential([
        k.layers.Conv1D(4, 5, activation="relu", batch_input_shape=(None, maxlen, 4)),
        k.layers.MaxPooling1D(2),
        k.layers.Flatten(),
        k.layers.Dense(3),
        k.layers.Activation("softmax"),
    ])
    model.save(path)
    with h5py.File(path, "r+") as handle:
        handle.attrs["keras_version"] = keras_version
    return model


def test_legacy_deepg_hdf5_loads_through_tf_keras(tmp_path):
    path = tmp_path / "Ep.007-val_loss0.11-val_acc0.96.hdf5"
    original = legacy_deepg_checkpoint(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        adapter = load_model(str(path), class_names=["a", "b", "c"])
    assert adapter.loader == "tf_keras"
    assert any(issubclass(w.category, DeepGInterpretWarning) and "tf_keras" in str(w.message)
               for w in caught)
    assert adapter.maxlen == 40 and adapter.n_outputs == 3 and adapter.n_channels == 4
    x = random_one_hot(5, 40)
    np.testing.assert_allclose(predict(adapter, x), original.predict(x, verbose=0), rtol=1e-5)
    assert adapter.resolve_target("c") == 2


def test_loader_follows_the_checkpoint_keras_version(tmp_path):
    """Keras 2 files go to tf_keras (Keras 3 rejects many legacy configs); Keras 3 files to Keras 3."""
    legacy = tmp_path / "legacy.h5"
    legacy_deepg_checkpoint(legacy)
    with pytest.warns(DeepGInterpretWarning, match="Keras 2 checkpoint"):
        assert load_model(legacy).loader == "tf_keras"
    modern = tmp_path / "modern.h5"
    conv_lstm_model(keras_default()).save(modern)
    if keras_major() >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeepGInterpretWarning)
            assert load_model(modern).loader == "keras3"
    else:  # TF 2.15: the installed Keras is Keras 2 itself
        with pytest.warns(DeepGInterpretWarning):
            assert load_model(modern).loader == "tf_keras"


@pytest.mark.parametrize("make_keras", keras_modules())
def test_model_objects_and_logits(make_keras):
    k = make_keras()
    x = random_one_hot(6, 60, seed=3)
    for as_layer in (False, True):
        model = conv_lstm_model(k, softmax_as_layer=as_layer)
        prob = load_model(model)
        logit = load_model(model, output="logit")
        p, z = predict(prob, x), predict(logit, x)
        np.testing.assert_allclose(p, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
        softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(softmax, p, rtol=1e-4, atol=1e-6)
        assert not np.allclose(z, p)


@pytest.mark.parametrize("make_keras", keras_modules())
def test_sigmoid_logit(make_keras):
    k = make_keras()
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((20, 4)), k.layers.Flatten(), k.layers.Dense(1, activation="sigmoid")])
    x = random_one_hot(4, 20)
    z = predict(load_model(model, output="logit"), x)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), model.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_files_written_by_the_installed_keras(tmp_path, suffix):
    k = keras_default()
    if suffix == ".keras" and keras_major() < 3:
        k = keras2()
    model = conv_lstm_model(k)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)
        adapter = load_model(path)
    x = random_one_hot(3, 60)
    np.testing.assert_allclose(predict(adapter, x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_savedmodel_directory(tmp_path):
    k = keras2()
    model = conv_lstm_model(k)
    path = tmp_path / "savedmodel"
    model.save(str(path), save_format="tf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeepGInterpretWarning)
        adapter = load_model(path)
    assert adapter.loader == "tf_keras"
    x = random_one_hot(3, 60)
    np.testing.assert_allclose(predict(adapter, x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_multi_input_model_explains_the_chosen_input():
    k = keras_default()
    k.utils.set_random_seed(0)
    seq = k.Input((30, 4))
    extra = k.Input((3,))
    h = k.layers.Flatten()(k.layers.Conv1D(4, 3)(seq))
    h = k.layers.Concatenate()([h, extra])
    model = k.Model([extra, seq], k.layers.Dense(2, activation="softmax")(h))
    fixed = np.array([0.5, -1.0, 2.0], np.float32)
    adapter = load_model(model, input_index=1, other_inputs=[fixed, None])
    assert adapter.maxlen == 30
    x = random_one_hot(4, 30)
    expected = model.predict([np.repeat(fixed[None], 4, axis=0), x], verbose=0)
    np.testing.assert_allclose(predict(adapter, x), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ModelError, match="other_inputs"):
        load_model(model, input_index=1)


def test_time_distributed_input_shape():
    k = keras_default()
    inp = k.Input((3, 20, 4))
    h = k.layers.TimeDistributed(k.layers.Flatten())(inp)
    h = k.layers.TimeDistributed(k.layers.Dense(2))(h)
    model = k.Model(inp, k.layers.Dense(2, activation="softmax")(k.layers.Flatten()(h)))
    adapter = load_model(model)
    assert adapter.item_shape == (3, 20, 4) and adapter.maxlen == 20


def test_any_length_model_reports_maxlen_none():
    k = keras_default()
    model = k.Sequential([k.Input((None, 4)), k.layers.Conv1D(4, 5), k.layers.GlobalAveragePooling1D(),
                          k.layers.Dense(2, activation="softmax")])
    adapter = load_model(model)
    assert adapter.maxlen is None
    assert predict(adapter, random_one_hot(2, 77)).shape == (2, 2)


def test_memory_estimate_grows_with_length():
    k = keras_default()
    model = k.Sequential([k.Input((None, 4)), k.layers.Conv1D(8, 5), k.layers.GlobalAveragePooling1D(),
                          k.layers.Dense(2, activation="softmax")])
    adapter = load_model(model)
    small, large = adapter.item_bytes("gradient", 1_000), adapter.item_bytes("gradient", 10_000)
    assert large > 5 * small
    # at least the conv activations (L x 8 float32) must be counted
    assert large >= 10_000 * 8 * 4


def test_bad_models_and_targets(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nope.h5")
    not_a_model = tmp_path / "notes.h5"
    not_a_model.write_text("hello")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelError, match="not an HDF5 model"):
        load_model(not_a_model)
    with pytest.raises(ModelError, match="not a TensorFlow SavedModel"):
        load_model(tmp_path)
    with pytest.raises(ModelError, match="not a model file"):
        load_model(tmp_path / "notes.txt")
    with pytest.raises(ArgumentTypeError, match="Keras model"):
        load_model([1, 2, 3])
    with pytest.raises(ModelError, match="output must be"):
        load_model(conv_lstm_model(keras_default()), output="softmax")
    adapter = load_model(conv_lstm_model(keras_default()), class_names=["neg", "pos"])
    with pytest.raises(TargetError, match="out of range.*0..1"):
        adapter.resolve_target(2)
    with pytest.raises(TargetError, match="not a class name.*neg"):
        adapter.resolve_target("virus")
    with pytest.raises(TargetError, match="class_names="):
        load_model(conv_lstm_model(keras_default())).resolve_target("pos")
    with pytest.raises(TargetError, match="one name per output"):
        load_model(conv_lstm_model(keras_default()), class_names=["a", "b", "c"])
    with pytest.raises(ShapeError, match="expects"):
        adapter.check_input(np.zeros((2, 50, 4)))
    with pytest.raises(ShapeError, match="4 channels"):
        adapter.check_input(np.zeros((2, 60, 5)))


def test_adapters_are_reused_per_model_object():
    """Repeated calls with the same model object (as from R) must not re-trace the graph."""
    model = conv_lstm_model(keras_default())
    first = load_model(model)
    assert load_model(model) is first
    named = load_model(model, class_names=["neg", "pos"])
    assert named is not first and named._compiled is first._compiled
    assert first.class_names is None and named.class_names == ["neg", "pos"]
    assert load_model(model, output="logit") is not first


def test_class_names_and_output_switches_never_touch_the_shared_adapter():
    model = conv_lstm_model(keras_default())
    shared = load_model(model)
    named = load_model(shared, class_names=["neg", "pos"])
    assert shared.class_names is None and named.class_names == ["neg", "pos"]
    logit = named.with_output("logit")
    assert logit.class_names == ["neg", "pos"]
    # switching output goes through the cache: the same compiled steps every time
    assert named.with_output("logit")._compiled is logit._compiled
    assert load_model(model, output="logit")._compiled is logit._compiled


# -- bad input a careless user gives --------------------------------------------------

DEMO_MODEL = Path(__file__).resolve().parents[2] / "inst" / "extdata" / "demo_model.h5"


def test_corrupt_hdf5_gives_model_error_fast(tmp_path, monkeypatch):
    """512 zero bytes inside the demo checkpoint make the HDF5 library loop forever in
    the process that opens it; the probe in a child process must stop it in seconds."""
    corrupt = tmp_path / "corrupt.h5"
    shutil.copyfile(DEMO_MODEL, corrupt)
    with open(corrupt, "r+b") as handle:
        handle.seek(7168)
        handle.write(b"\0" * 512)
    monkeypatch.setenv("DEEPG_INTERPRET_HDF5_PROBE_TIMEOUT", "3")
    began = time.monotonic()
    with pytest.raises(ModelError, match=r"looks corrupt.*re-save or re-download"):
        load_model(corrupt)
    assert time.monotonic() - began < 20


def test_truncated_and_garbage_hdf5_give_model_error(tmp_path):
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(DEMO_MODEL.read_bytes()[:20_000])
    garbage = tmp_path / "garbage.hdf5"
    garbage.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(2000))
    for path in (truncated, garbage):
        with pytest.raises(ModelError, match="looks corrupt"):
            load_model(path)


def test_hdf5_probe_is_cheap_and_reads_the_keras_version(monkeypatch):
    began = time.monotonic()
    probed, version = _probe_hdf5(DEMO_MODEL)
    assert probed and version and version.startswith("2")
    assert time.monotonic() - began < 10  # ~0.5 s on an idle machine
    monkeypatch.setenv("DEEPG_INTERPRET_HDF5_PROBE_TIMEOUT", "0")  # off
    assert _probe_hdf5(DEMO_MODEL) == (False, None)
    monkeypatch.setenv("DEEPG_INTERPRET_HDF5_PROBE_TIMEOUT", "soon")
    with pytest.raises(ModelError, match="number of seconds"):
        _probe_hdf5(DEMO_MODEL)


def test_class_names_as_one_string_or_with_repeats():
    model = conv_lstm_model(keras_default(), n_classes=3)
    with pytest.raises(TargetError, match=r"single string.*did you mean \['a', 'b', 'c'\]"):
        load_model(model, class_names="abc")
    with pytest.raises(TargetError, match=r"repeated names \['a'\]"):
        load_model(model, class_names=["a", "b", "a"])
    with pytest.raises(TargetError, match="empty name"):
        load_model(model, class_names=["a", "", "c"])
    with pytest.raises(TargetError, match="list"):
        load_model(model, class_names={"a": 0, "b": 1, "c": 2})
    with pytest.raises(ArgumentTypeError, match="class_names must be a list"):
        load_model(model, class_names=3)
    assert load_model(model, class_names=("a", "b", "c")).class_names == ["a", "b", "c"]
    # a single-output model takes its one name as a string (R passes a length-1 vector so)
    k = keras_default()
    single = k.Sequential([k.Input((20, 4)), k.layers.Flatten(), k.layers.Dense(1, activation="sigmoid")])
    assert load_model(single, class_names="virus").class_names == ["virus"]


@pytest.mark.parametrize("make_keras", keras_modules())
def test_per_position_outputs_are_rejected_up_front(make_keras):
    k = make_keras()
    per_position = k.Sequential([k.Input((50, 4)), k.layers.Conv1D(3, 5, activation="softmax")])
    for output in ("probability", "logit"):
        with pytest.raises(ModelError, match=r"\(None, 46, 3\).*one output vector per sequence"
                                             r".*GlobalAveragePooling1D"):
            load_model(per_position, output=output)
    dense_per_position = k.Sequential([k.Input((50, 4)), k.layers.Dense(2)])
    with pytest.raises(ModelError, match=r"\(None, 50, 2\)"):
        load_model(dense_per_position)
    # the advice works: pooling the output gives a model the engine explains
    pooled = k.Model(per_position.inputs, k.layers.GlobalAveragePooling1D()(per_position.outputs[0]))
    assert load_model(pooled).n_outputs == 3


def test_memory_estimates_are_traced_once_per_architecture(monkeypatch):
    """Tracing a step for its memory costs about a batch: a second model of the same
    architecture (a reloaded checkpoint, the next model of a loop) reuses the estimate, and
    the gradient estimate serves as the forward one."""
    import deepg_interpret.model.adapter as models

    calls = []
    real = models._graph_bytes_per_item
    monkeypatch.setattr(models, "_graph_bytes_per_item",
                        lambda *a: calls.append(a[1:]) or real(*a))
    k = keras_default()
    first = load_model(conv_lstm_model(k, maxlen=37, seed=1))
    grad = first.item_bytes("gradient", 37)
    assert first.item_bytes("forward", 37) == grad and len(calls) == 1
    second = load_model(conv_lstm_model(k, maxlen=37, seed=2))  # new weights, new layer names
    assert second.item_bytes("gradient", 37) == grad and len(calls) == 1
    other = load_model(conv_lstm_model(k, maxlen=38, seed=1))   # another shape: measured
    other.item_bytes("gradient", 38)
    assert len(calls) == 2
