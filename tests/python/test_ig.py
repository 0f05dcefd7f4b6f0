"""Integrated Gradients against cases with a known answer.

- linear model: IG = (x - x') * W exactly, for any baseline and rule;
- hand-set conv motif detector: all credit on the motif, 1/3 per base;
- completeness sum(IG) = F(x) - F(x') on a random conv+LSTM model;
- deepG's own algorithm (all steps+1 points in one batch, trapezoid) reproduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import (
    conv_lstm_model,
    keras_default,
    keras_modules,
    linear_model,
    random_dna,
    random_one_hot,
    set_seeded_weights,
)
from deepg_interpret import (
    BaselineError,
    InputError,
    ModelError,
    SequenceError,
    ShapeError,
    TargetError,
    encode,
    gradient_x_input,
    integrated_gradients,
    integration_points,
    saliency,
)
from deepg_interpret.core.batching import predict
from deepg_interpret.model.adapter import load_model

pytestmark = pytest.mark.tf215


@pytest.mark.parametrize("method", ["trapezoid", "left", "right", "midpoint", "gauss_legendre"])
def test_quadrature_weights_integrate_polynomials(method):
    a, w = integration_points(8, method)
    assert np.isclose(w.sum(), 1.0) and a.min() >= 0 and a.max() <= 1
    exact_degree = {"gauss_legendre": 15, "trapezoid": 1, "midpoint": 1, "left": 0, "right": 0}[method]
    for degree in range(exact_degree + 1):
        assert np.isclose((w * a**degree).sum(), 1 / (degree + 1))


@pytest.mark.parametrize("make_keras", keras_modules())
@pytest.mark.parametrize("baseline", ["zero", "uniform", "shuffle"])
def test_linear_model_ig_is_exact(make_keras, baseline):
    model, w = linear_model(make_keras(), maxlen=30)
    x = random_one_hot(3, 30, seed=1)
    res = integrated_gradients(model, x, target=0, baseline=baseline, steps=5, seed=0,
                               progress=False)
    if baseline == "shuffle":
        # x - x' differs per baseline; completeness and linearity still hold exactly
        np.testing.assert_allclose(res.summary_table()["delta"], 0, atol=1e-5)
    else:
        ref = 0.0 if baseline == "zero" else 0.25
        np.testing.assert_allclose(res.attributions, (x - ref) * w, rtol=1e-5, atol=1e-6)
    # F(x) of a linear model: the output itself
    np.testing.assert_allclose(res.f_input, (x * w).sum(axis=(1, 2)) + 0.3, rtol=1e-5)


def test_explicit_baselines_are_averaged_linearly():
    model, w = linear_model(keras_default(), maxlen=20)
    x = random_one_hot(1, 20, seed=2)
    bases = random_one_hot(3, 20, seed=5)
    res = integrated_gradients(model, x, target=0, baseline=bases, steps=4, progress=False)
    np.testing.assert_allclose(res.attributions[0], ((x[0] - bases) * w).mean(axis=0), rtol=1e-5, atol=1e-6)
    assert res.settings["n_baselines"] == 3 and res.summary_table()["baseline"].iloc[0] == "explicit"


def test_explicit_baselines_and_n_baselines_must_agree():
    model, w = linear_model(keras_default(), maxlen=20)
    x = random_one_hot(1, 20, seed=2)
    bases = random_one_hot(2, 20, seed=5)
    # fewer rows than asked for never runs with the rows it has
    with pytest.raises(BaselineError, match=r"baseline holds 2 baselines \(fewer than "
                       r"n_baselines = 5\); pass n_baselines=2 .* or an array with 5 rows"):
        integrated_gradients(model, x, target=0, baseline=bases, n_baselines=5, steps=4,
                             progress=False)
    with pytest.raises(InputError, match=r"holds 1 baselines \(fewer than n_baselines = 3\)"):
        integrated_gradients(model, x, target=0, baseline=random_one_hot(1, 20, seed=6),
                             n_baselines=3, steps=4, progress=False)
    with pytest.raises(BaselineError, match=r"holds 3 baselines \(more than n_baselines = 2\)"):
        integrated_gradients(model, x, target=0, baseline=random_one_hot(3, 20, seed=7),
                             n_baselines=2, steps=4, progress=False)
    # n_baselines equal to the rows, or left at its default: the array's rows, averaged
    given = integrated_gradients(model, x, target=0, baseline=bases, n_baselines=2, steps=4,
                                 progress=False)
    default = integrated_gradients(model, x, target=0, baseline=bases, steps=4, progress=False)
    np.testing.assert_array_equal(given.attributions, default.attributions)
    np.testing.assert_allclose(given.attributions[0], ((x[0] - bases) * w).mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert given.settings["n_baselines"] == 2


def motif_detector(k, maxlen=40):
    """ReLU(conv('ACG') - 2) -> global max: F = 1 when ACG is present, F(0) = 0."""
    model = k.Sequential([
        k.Input((maxlen, 4)),
        k.layers.Conv1D(1, 3, activation="relu"),
        k.layers.GlobalMaxPooling1D(),
        k.layers.Dense(1, use_bias=False),
    ])
    kernel = np.zeros((3, 4, 1), np.float32)
    kernel[0, 0, 0] = kernel[1, 1, 0] = kernel[2, 2, 0] = 1.0  # A, C, G
    model.layers[0].set_weights([kernel, np.array([-2.0], np.float32)])
    model.layers[-1].set_weights([np.ones((1, 1), np.float32)])
    return model


@pytest.mark.parametrize("make_keras", keras_modules())
def test_hand_set_conv_model_puts_all_credit_on_the_motif(make_keras):
    seq = "T" * 17 + "ACG" + "T" * 20  # motif at positions 18..20 (1-based)
    res = integrated_gradients(motif_detector(make_keras()), seq, target=0, steps=300,
                               progress=False)
    per_locus = res.per_locus_table()
    motif = per_locus["position"].between(18, 20)
    # The conv unit switches on at alpha = 2/3, so each motif base gets 1/3 of F(x) - F(0) = 1;
    # the trapezoid rule misplaces the kink by at most one step (1/300).
    np.testing.assert_allclose(per_locus.loc[motif, "score_sum"], 1 / 3, atol=2e-3)
    assert np.abs(per_locus.loc[~motif, "score_sum"]).max() == 0.0
    assert per_locus.loc[motif, "max_base"].tolist() == ["A", "C", "G"]
    assert res.f_input[0] == pytest.approx(1.0) and res.f_baseline[0] == pytest.approx(0.0)


@pytest.mark.parametrize("output", ["probability", "logit"])
def test_completeness_gap_under_one_percent_at_200_steps(output):
    """Same seeded weights on Keras 2 and 3. ReLU/max-pool kinks make the error ~1/steps times
    the jumps, so the 1% bound is a property of this (deepG-like) model, not a theorem."""
    model = set_seeded_weights(conv_lstm_model(keras_default(), maxlen=60), seed=4)
    # zero baseline (deepG's default): with ReLU + max-pooling the integrand has jumps, so the
    # error of every rule decays only ~1/steps; a uniform baseline ties all max-pool inputs at
    # alpha = 0 and is the hardest case (see test_gauss_legendre_* for smooth models).
    # Relative gaps are only meaningful where F(x) - F(x') is well above float32 noise:
    # explain the 4 of 12 random sequences with the largest difference.
    pool = random_dna(12, 60, seed=7)
    adapter = load_model(model, output=output)
    spread = np.abs(predict(adapter, encode(pool).onehot)[:, 1]
                    - predict(adapter, np.zeros((1, 60, 4)))[0, 1])
    seqs = [pool[i] for i in np.argsort(-spread)[:4]]
    res = integrated_gradients(model, seqs, target=1, baseline="zero", steps=200, output=output,
                               progress=False)
    summary = res.summary_table()
    span = (summary["f_input"] - summary["f_baseline"]).abs()
    assert (span > 5e-3).all(), "test needs a visible F(x) - F(x') to be meaningful"
    assert (summary["delta"].abs() / span).max() < 0.01
    np.testing.assert_allclose(summary["ig_sum"], res.attributions.sum(axis=(1, 2)), rtol=1e-6)


def smooth_model(k, maxlen=60, seed=0):
    """Conv(tanh) + average pooling + LSTM: F is smooth along the path, where Gauss-Legendre shines."""
    k.utils.set_random_seed(seed)
    return k.Sequential([
        k.Input((maxlen, 4)), k.layers.Conv1D(8, 5, activation="tanh"),
        k.layers.AveragePooling1D(3), k.layers.LSTM(8), k.layers.Dense(2, activation="softmax"),
    ])


def test_gauss_legendre_needs_fewer_steps_than_trapezoid():
    """On a smooth model; with ReLU/max-pool kinks no rule beats ~1/steps (documented)."""
    model = smooth_model(keras_default(), seed=4)
    seqs = random_dna(3, 60, seed=7)
    target_gap = 1e-4

    def steps_needed(method):
        for steps in (2, 4, 8, 16, 32, 64, 128, 256):
            s = integrated_gradients(model, seqs, target=1, baseline="uniform", steps=steps,
                                     method=method, output="logit", progress=False).summary_table()
            if (s["delta"].abs() / (s["f_input"] - s["f_baseline"]).abs()).max() < target_gap:
                return steps
        return np.inf

    gl, trap = steps_needed("gauss_legendre"), steps_needed("trapezoid")
    assert gl < trap, (gl, trap)


def deepg_integrated_gradients(model, input_seq, target_class_idx, m_steps=50):
    """deepG's algorithm (R/integrated_grads.R) restated: all m+1 points in one batch,
    gradients of model(x)[:, target], trapezoid mean, times (x - baseline); zero baseline."""
    import tensorflow as tf

    baseline = np.zeros_like(input_seq)
    alphas = tf.linspace(0.0, 1.0, m_steps + 1)[:, tf.newaxis, tf.newaxis]
    path = tf.cast(baseline + alphas * (input_seq - baseline), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(path)
        probs = model(path)[:, target_class_idx]
    grads = tape.gradient(probs, path)
    avg = tf.reduce_mean((grads[:-1] + grads[1:]) / 2.0, axis=0)
    return ((input_seq - baseline) * avg)[0].numpy()


@pytest.mark.parametrize("make_keras", keras_modules())
def test_zero_baseline_trapezoid_equals_deepg(make_keras):
    model = conv_lstm_model(make_keras(), maxlen=60, seed=2)
    x = random_one_hot(1, 60, seed=3)
    expected = deepg_integrated_gradients(model, x, target_class_idx=1, m_steps=50)
    ours = integrated_gradients(model, x, target=1, steps=50, batch_size=7, progress=False)
    np.testing.assert_allclose(ours.attributions[0], expected, rtol=1e-4, atol=1e-7)


def test_results_do_not_depend_on_batching():
    model = conv_lstm_model(keras_default(), maxlen=60, seed=2)
    seqs = random_dna(3, 60, seed=9)
    runs = [integrated_gradients(model, seqs, target=0, baseline="dinuc_shuffle", n_baselines=2,
                                 steps=10, seed=11, batch_size=b, progress=False).attributions
            for b in (1, 5, 1000)]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(runs[0], runs[2], rtol=1e-5, atol=1e-7)
    tiny_budget = integrated_gradients(model, seqs, target=0, baseline="dinuc_shuffle",
                                       n_baselines=2, steps=10, seed=11, memory_budget="64K",
                                       progress=False).attributions
    np.testing.assert_allclose(runs[0], tiny_budget, rtol=1e-5, atol=1e-7)


def test_random_baselines_are_seeded():
    model = conv_lstm_model(keras_default(), maxlen=60)
    seqs = random_dna(2, 60)
    a, b, c = (integrated_gradients(model, seqs, target=1, baseline="shuffle", steps=8, seed=s,
                                    progress=False).attributions for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_background_baselines():
    model, w = linear_model(keras_default(), maxlen=20)
    x = random_one_hot(1, 20, seed=1)
    pool = random_one_hot(5, 20, seed=8)
    res = integrated_gradients(model, x, target=0, baseline="background", background=pool,
                               n_baselines=2, steps=3, seed=0, progress=False)
    np.testing.assert_allclose(res.summary_table()["delta"], 0, atol=1e-5)
    # every baseline came from the pool: f_baseline is a mean of two pool outputs
    pool_f = (pool * w).sum(axis=(1, 2)) + 0.3
    pair_means = np.array([(pool_f[i] + pool_f[j]) / 2 for i in range(5) for j in range(5)])
    assert np.abs(pair_means - res.f_baseline[0]).min() < 1e-4  # float32 model vs float64 sums


def test_saliency_and_gradient_x_input():
    model, w = linear_model(keras_default(), maxlen=20)
    x = random_one_hot(2, 20)
    sal = saliency(model, x, target=0, progress=False)
    gxi = gradient_x_input(model, x, target=0, progress=False)
    np.testing.assert_allclose(sal.attributions, np.broadcast_to(w, x.shape), rtol=1e-6)
    np.testing.assert_allclose(gxi.attributions, x * w, rtol=1e-6)
    # saliency has no baseline: its summary carries no IG columns (no placeholder NaNs)
    assert not hasattr(sal, "f_baseline")
    assert list(sal.summary_table().columns) == ["seq_id", "target", "f_input", "score_sum"]
    np.testing.assert_allclose(gxi.summary_table()["score_sum"], (x * w).sum(axis=(1, 2)),
                               rtol=1e-5)


def test_tables_follow_the_conventions():
    model = conv_lstm_model(keras_default(), maxlen=60)
    res = integrated_gradients(model, {"a": "ACGT" * 15, "b": "N" + "T" * 59}, target=1, steps=4,
                               progress=False, class_names=["neg", "pos"])
    tables = res.tables()
    att, loc, summ = tables["attribution"], tables["per_locus"], tables["summary"]
    assert list(att.columns) == ["seq_id", "position", "base", "score", "observed"]
    assert list(loc.columns) == ["seq_id", "position", "ref_base", "score_sum", "score_abs_sum",
                                 "score_ref", "max_base"]
    assert list(summ.columns) == ["seq_id", "target", "baseline", "steps", "f_input",
                                  "f_baseline", "ig_sum", "delta"]
    for df in tables.values():
        assert isinstance(df.index, pd.RangeIndex)
        assert df.attrs["method"] == "integrated_gradients" and df.attrs["target_name"] == "pos"
    assert att["position"].dtype == np.int32 and att["position"].min() == 1
    assert list(att["base"].cat.categories) == ["A", "C", "G", "T"]
    assert len(att) == 2 * 60 * 4 and loc["position"].max() == 60
    # exactly one observed base per unambiguous position; none at the N
    observed = att.groupby(["seq_id", "position"])["observed"].sum()
    assert observed.loc[("b", 1)] == 0 and (observed.drop(("b", 1)) == 1).all()
    assert loc.loc[(loc.seq_id == "b") & (loc.position == 1), "ref_base"].item() == "N"
    assert np.isnan(loc.loc[(loc.seq_id == "b") & (loc.position == 1), "score_ref"].item())
    sums = att.groupby(["seq_id", "position"], sort=True)["score"].sum().to_numpy()
    np.testing.assert_allclose(sums, loc.sort_values(["seq_id", "position"])["score_sum"], atol=1e-9)


def test_long_sequences_are_windowed_with_absolute_positions():
    model = conv_lstm_model(keras_default(), maxlen=60)
    genome = random_dna(1, 150, seed=3)[0]
    res = integrated_gradients(model, genome, target=0, steps=4, window_step=60, progress=False)
    assert res.seq_ids == ["seq_1:1-60", "seq_1:61-120", "seq_1:91-150"]
    # tables: the source's id and genome positions, windows stitched (tests/python/test_shapes.py)
    loc = res.per_locus_table()
    assert loc["seq_id"].unique().tolist() == ["seq_1"]
    assert loc["position"].tolist() == list(range(1, 151))
    assert res.summary_table()[["window", "start", "end"]].values.tolist() == [
        [1, 1, 60], [2, 61, 120], [3, 91, 150]]


def test_time_distributed_model():
    k = keras_default()
    k.utils.set_random_seed(0)
    inp = k.Input((3, 20, 4))
    h = k.layers.TimeDistributed(k.layers.Conv1D(4, 5, activation="relu"))(inp)
    h = k.layers.TimeDistributed(k.layers.GlobalAveragePooling1D())(h)
    out = k.layers.Dense(2, activation="softmax")(k.layers.Flatten()(h))
    model = k.Model(inp, out)
    res = integrated_gradients(model, random_dna(2, 60, seed=1), target=1, steps=100,
                               baseline="uniform", progress=False)
    assert res.attributions.shape == (2, 60, 4)
    s = res.summary_table()
    assert (s["delta"].abs() <= 0.01 * (s["f_input"] - s["f_baseline"]).abs() + 1e-6).all()


def test_extra_vocabulary_channels():
    k = keras_default()
    model = k.Sequential([k.Input((10, 5)), k.layers.Flatten(), k.layers.Dense(2, activation="softmax")])
    res = integrated_gradients(model, "ACGTNACGTN", target=0, vocabulary="ACGTN", steps=4,
                               progress=False)
    assert list(res.attribution_table()["base"].cat.categories) == list("ACGTN")
    with pytest.raises(ShapeError, match="vocabulary="):
        integrated_gradients(model, "ACGTNACGTN", target=0, progress=False)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"sequences": "ACGT" * 10}, SequenceError, "maxlen = 60.*pad="),
        ({"sequences": "ACGT" * 20}, SequenceError, "window_step="),
        ({"sequences": np.zeros((1, 60, 5), np.float32)}, ShapeError, "5 channels"),
        ({"sequences": ""}, SequenceError, "empty"),
        ({"target": "virus"}, TargetError, "class_names="),
        ({"target": 5}, TargetError, "out of range"),
        ({"target": -1}, TargetError, "out of range"),
        ({"sequences": "ACGU" * 15, "unknown": "error"}, SequenceError, "outside the vocabulary"),
        ({"baseline": np.full((60, 4), np.nan, np.float32)}, BaselineError, "NaN"),
        ({"baseline": np.zeros((10, 4), np.float32)}, BaselineError, "shape"),
        ({"baseline": "random"}, BaselineError, "dinuc_shuffle"),
        ({"baseline": "background"}, BaselineError, "background="),
        ({"method": "simpson"}, InputError, "gauss_legendre"),
        ({"steps": 0}, InputError, "steps"),
        ({"n_baselines": 0}, InputError, "n_baselines"),
        ({"model": "/no/such/model.h5"}, ModelError, "does not exist"),
    ],
)
def test_bad_input_raises_package_errors(kwargs, error, message):
    args = {"model": conv_lstm_model(keras_default(), maxlen=60), "sequences": "ACGT" * 15,
            "target": 1, "progress": False}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        integrated_gradients(args.pop("model"), args.pop("sequences"), **args)


def test_adapter_is_reused_and_output_switches():
    model = conv_lstm_model(keras_default(), maxlen=60)
    adapter = load_model(model, class_names=["neg", "pos"])
    seqs = encode(random_dna(2, 60))
    prob = integrated_gradients(adapter, seqs, target="pos", steps=8, progress=False)
    logit = integrated_gradients(adapter, seqs, target="pos", steps=8, output="logit", progress=False)
    assert prob.settings["output"] == "probability" and logit.settings["output"] == "logit"
    assert not np.allclose(prob.attributions, logit.attributions)
