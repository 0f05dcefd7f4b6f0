"""The method platform: shared preparation, result base class, registry, checks at the boundary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import conv_lstm_model, keras_default, random_dna
from deepg_interpret import (
    METHODS,
    ArgumentTypeError,
    DeepGInterpretError,
    InputError,
    MethodResult,
    ShapeError,
    get_method,
    integrated_gradients,
    run_method,
    saliency,
)
from deepg_interpret.checks import check_seed
from deepg_interpret.core.prepare import EncodeOptions, model_layout, prepare
from deepg_interpret.methods.registry import command_line_methods


@pytest.fixture(scope="module")
def model():
    return conv_lstm_model(keras_default(), maxlen=40)


def test_prepare_encodes_in_the_models_layout(model):
    p = prepare(model, {"a": "ACGT" * 10, "b": "T" * 40})
    assert model_layout(p.adapter, p.inputs).shape == (2, 40, 4)
    assert p.inputs.seq_ids == ["a", "b"]
    assert p.adapter.maxlen == 40 and p.options == EncodeOptions()


def test_unknown_argument_names_the_valid_ones(model):
    with pytest.raises(ArgumentTypeError, match="window_stp.*Did you mean 'window_step'"):
        integrated_gradients(model, "ACGT" * 10, target=0, window_stp=10, progress=False)
    with pytest.raises(ArgumentTypeError, match="unexpected argument 'stepz'"):
        saliency(model, "ACGT" * 10, target=0, stepz=3, progress=False)


def test_maxlen_that_contradicts_the_model_fails_up_front(model):
    with pytest.raises(ShapeError, match="maxlen = 50 but the model's input length is 40"):
        saliency(model, "ACGT" * 10, target=0, maxlen=50, progress=False)


@pytest.mark.parametrize("name", [s.name for s in command_line_methods()])
def test_every_registered_method_runs_and_tables_match_the_registry(model, name):
    spec = get_method(name)
    result = run_method(name, model, random_dna(2, 40, seed=2), target=1, progress=False,
                        **({"steps": 4} if name == "integrated_gradients" else {}))
    assert isinstance(result, MethodResult) and isinstance(result, spec.result_type)
    tables = result.tables()
    assert tuple(tables) == spec.tables == type(result).TABLES
    for df in tables.values():
        assert isinstance(df, pd.DataFrame) and isinstance(df.index, pd.RangeIndex)
        assert df.attrs["method"] == name
        # no placeholder columns: nothing is entirely NaN
        numeric = df.select_dtypes("number")
        assert not numeric.isna().all().any(), f"{name}: all-NaN column"
    pd.testing.assert_frame_equal(result.to_frame(), tables[spec.tables[0]])
    with pytest.raises(InputError, match="choose one of"):
        result.table("nope")


def test_registry_lists_choices_and_wrappers():
    ig = get_method("integrated_gradients")
    assert "dinuc_shuffle" in ig.choices["baseline"] and "gauss_legendre" in ig.choices["method"]
    assert ig.all_choices()["output"] == ("probability", "logit")
    assert {spec.r_wrapper for spec in METHODS.values()} >= {"dgi_integrated_gradients",
                                                              "dgi_saliency"}
    with pytest.raises(InputError, match="not registered"):
        get_method("ism_typo")


def test_r_wrappers_of_registered_methods_are_exported():
    from pathlib import Path

    namespace = (Path(__file__).resolve().parents[2] / "NAMESPACE").read_text()
    for spec in METHODS.values():
        assert f"export({spec.r_wrapper})" in namespace


@pytest.mark.parametrize("steps, message", [
    (None, "`steps` must be an integer"), ("10", "`steps` must be an integer"),
    (0, "`steps` must be >= 1"), (2.5, "`steps` must be an integer"),
    (10**9, "`steps` must be <= 100000"), (True, "`steps` must be an integer"),
])
def test_bad_steps_fail_before_any_work(model, steps, message):
    with pytest.raises(DeepGInterpretError, match=message):
        integrated_gradients(model, "ACGT" * 10, target=0, steps=steps, progress=False)


@pytest.mark.parametrize("seed", ["abc", 1.5, -1, 2**64, float("nan"), [1]])
def test_bad_seeds_are_rejected(model, seed):
    with pytest.raises(InputError, match="seed"):
        integrated_gradients(model, "ACGT" * 10, target=0, baseline="shuffle", seed=seed,
                             steps=2, progress=False)


def test_good_seeds_are_reproducible(model):
    assert check_seed(np.int64(3)) == 3 and check_seed(4.0) == 4
    a = integrated_gradients(model, "ACGT" * 10, target=0, baseline="shuffle", seed=7, steps=2,
                             progress=False)
    b = integrated_gradients(model, "ACGT" * 10, target=0, baseline="shuffle", seed=7.0, steps=2,
                             progress=False)
    np.testing.assert_array_equal(a.attributions, b.attributions)


@pytest.mark.parametrize("budget", ["0", "-5G", "inf", float("inf"), "", "lots", -1, 0])
def test_bad_memory_budgets_are_rejected(model, budget):
    with pytest.raises(InputError, match="memory_budget"):
        saliency(model, "ACGT" * 10, target=0, memory_budget=budget, progress=False)


def test_bad_choices_say_what_is_allowed(model):
    with pytest.raises(InputError, match="Did you mean 'dinuc_shuffle'"):
        integrated_gradients(model, "ACGT" * 10, target=0, baseline="dinuc_shufle", progress=False)
    with pytest.raises(InputError, match="choose one of .*trapezoid"):
        integrated_gradients(model, "ACGT" * 10, target=0, method="simpson", progress=False)


def test_arrays_for_other_channel_counts_need_no_vocabulary():
    k = keras_default()
    six = k.Sequential([k.Input((12, 6)), k.layers.Flatten(), k.layers.Dense(2, activation="softmax")])
    x = np.eye(6, dtype=np.float32)[np.random.default_rng(0).integers(0, 6, (2, 12))]
    res = integrated_gradients(six, x, target=1, steps=8, progress=False)
    att = res.attribution_table()
    assert res.attributions.shape == (2, 12, 6) and len(att["base"].cat.categories) == 6
    labelled = saliency(six, x, target=1, vocabulary="ACGTNX", progress=False)
    assert list(labelled.attribution_table()["base"].cat.categories) == list("ACGTNX")


def test_gc_matched_follows_the_vocabulary():
    """The baseline's G/C channels come from the vocabulary, not from fixed positions."""
    k = keras_default()
    length, vocabulary = 2000, "GATC"  # G and C are channels 0 and 3 here
    gc_counter = k.Sequential([k.Input((length, 4)), k.layers.Flatten(), k.layers.Dense(1)])
    w = np.zeros((length, 4), np.float32)
    w[:, [0, 3]] = 1.0
    gc_counter.layers[-1].set_weights([w.reshape(-1, 1), np.zeros(1, np.float32)])
    rng = np.random.default_rng(5)
    dna = "".join(rng.choice(list("GCAT"), length, p=[0.35, 0.35, 0.15, 0.15]))
    res = integrated_gradients(gc_counter, dna, target=0, baseline="gc_matched", seed=1, steps=2,
                               n_baselines=4, vocabulary=vocabulary, progress=False)
    observed_gc = dna.count("G") + dna.count("C")
    assert res.f_input[0] == pytest.approx(observed_gc)
    # F(baseline) counts the baseline's G+C: close to the input's (iid draws: sd ~ 20 of 2000)
    assert abs(res.f_baseline[0] - observed_gc) < 0.03 * length


@pytest.mark.parametrize("pad", ["left", "right"])
def test_padding_is_not_a_position(model, pad):
    """pad= fills rows the sequence does not have: tables list positions 1..len only."""
    res = saliency(model, {"short": "ACGTACGTAC", "full": "T" * 40}, target=0, pad=pad,
                   progress=False)
    loc = res.per_locus_table()
    short = loc[loc.seq_id == "short"]
    assert short["position"].tolist() == list(range(1, 11))
    assert "".join(short["ref_base"].astype(str)) == "ACGTACGTAC"
    assert loc[loc.seq_id == "full"]["position"].tolist() == list(range(1, 41))
    att = res.attribution_table()
    assert att["position"].min() == 1 and len(att) == (10 + 40) * 4
    assert res.attributions.shape == (2, 40, 4)  # the array keeps the model's layout
