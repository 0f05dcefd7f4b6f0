"""Tests for evaluate: explanation scores against planted truth, with known answers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import random_one_hot
from deepg_interpret.analysis.evaluate import (
    classification_metrics,
    locus_metrics,
    match_percent,
    score_explanations,
    summarise_scores,
)
from deepg_interpret.errors import ArgumentTypeError, InputError, ShapeError

# Pure numpy / pandas / scikit-learn: also run under the TF 2.15 stack (its pins differ).
pytestmark = pytest.mark.tf215

L = 60


def truth_for(starts, length=10, ids=None):
    """Truth table with one planted copy of `length` bases per sequence (1-based)."""
    ids = ids or [f"pos_{i + 1}" for i in range(len(starts))]
    return pd.DataFrame(
        {
            "seq_id": ids,
            "label": "motif",
            "motif": "high",
            "start": starts,
            "end": [s + length - 1 for s in starts],
        }
    )


def mask_of(starts, length=10, L=L):
    m = np.zeros((len(starts), L), dtype=bool)
    for i, s in enumerate(starts):
        m[i, s - 1 : s - 1 + length] = True
    return m


STARTS = [5, 20, 41]
IDS = ["pos_1", "pos_2", "pos_3"]


# --------------------------------------------------------------------------- known answers
def test_perfect_ranking_scores_one():
    scores = mask_of(STARTS).astype(float) + np.linspace(0, 0.1, L)  # motif above all else
    out = score_explanations(scores, truth_for(STARTS), seq_ids=IDS)
    assert list(out["seq_id"]) == IDS
    assert np.all(out["auroc"] == 1.0)
    np.testing.assert_allclose(out["auprc"], 1.0)
    assert np.all(out["top_k_hit_rate"] == 1.0)
    assert np.all(out["n_motif_positions"] == 10) and np.all(out["k"] == 10)
    assert out["avg_match_percent"].isna().all()  # no attributions given


def test_reversed_ranking_scores_zero():
    scores = -10.0 * mask_of(STARTS) + np.linspace(0, 1, L)  # distinct values, motif last
    out = score_explanations(scores, truth_for(STARTS), seq_ids=IDS)
    assert np.all(out["auroc"] == 0.0)
    assert np.all(out["top_k_hit_rate"] == 0.0)
    # AUPRC of the worst ranking: precision at each recall step i/10 is i/(50 + i).
    expected = np.mean([i / (50 + i) for i in range(1, 11)])
    np.testing.assert_allclose(out["auprc"], expected)


def test_random_scores_are_at_chance_level():
    # 400 sequences of 60 bp with a 10 bp motif: per-sequence AUROC has sd ~0.1, so the
    # mean lies within 0.5 +- 0.03 (about 6 standard errors); top-k near P/N = 1/6.
    # AUPRC of a random ranking exceeds P/N for small N; its expectation is
    # (1/N) * sum_k [1/k + (P-1)(k-1)/((N-1)k)] (= 0.219 for P = 10, N = 60).
    rng = np.random.default_rng(0)
    n = 400
    starts = rng.integers(1, L - 10 + 2, size=n).tolist()
    ids = [f"s{i}" for i in range(n)]
    out = score_explanations(rng.normal(size=(n, L)), truth_for(starts, ids=ids), seq_ids=ids)
    assert abs(out["auroc"].mean() - 0.5) < 0.03
    assert abs(out["top_k_hit_rate"].mean() - 1 / 6) < 0.03
    k = np.arange(1, L + 1)
    expected_ap = np.mean(1 / k + 9 * (k - 1) / ((L - 1) * k))
    assert abs(out["auprc"].mean() - expected_ap) < 0.02


def test_hand_computed_auroc_and_top_k():
    # Motif at positions 2 and 4. Pairs (motif, background): (0.9 vs .1,.5,.3)=3 wins,
    # (0.4 vs .1,.3 win; vs .5 loses) = 2 -> AUROC 5/6. Top-2 = positions 2 (0.9) and
    # 3 (0.5): one hit -> 0.5. AP: ranks 0.9(hit) .5 .4(hit) -> (1 + 2/3) / 2.
    m = locus_metrics([0.1, 0.9, 0.5, 0.4, 0.3], [False, True, False, True, False])
    assert m["auroc"] == pytest.approx(5 / 6)
    assert m["top_k_hit_rate"] == 0.5
    assert m["auprc"] == pytest.approx((1 + 2 / 3) / 2)
    assert locus_metrics([0.1, 0.9, 0.5, 0.4, 0.3], [0, 1, 0, 1, 0], k=1)["top_k_hit_rate"] == 1.0


def test_undefined_auroc_is_nan():
    m = locus_metrics([0.2, 0.3], [True, True])
    assert np.isnan(m["auroc"]) and np.isnan(m["auprc"]) and m["top_k_hit_rate"] == 1.0


def test_ties_in_top_k_break_by_position():
    m = locus_metrics(np.zeros(6), [False, False, False, False, True, True])
    assert m["top_k_hit_rate"] == 0.0 and m["auroc"] == 0.5


# --------------------------------------------------------------------------- input forms
def per_locus_frame(scores, ids):
    n, length = scores.shape
    return pd.DataFrame(
        {
            "seq_id": np.repeat(ids, length),
            "position": np.tile(np.arange(1, length + 1), n).astype("int32"),
            "score_sum": scores.ravel(),
            "score_abs_sum": np.abs(scores).ravel(),
        }
    )


def test_frame_and_array_inputs_agree():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(3, L)) + 2 * mask_of(STARTS)
    truth = truth_for(STARTS)
    from_array = score_explanations(scores, truth, seq_ids=IDS, method="saliency")
    frame = per_locus_frame(scores, IDS).sample(frac=1.0, random_state=0)  # any row order
    from_frame = score_explanations(frame, truth, method="saliency")
    pd.testing.assert_frame_equal(from_array, from_frame)
    assert from_frame.attrs["method"] == "saliency" and from_frame.attrs["score"] == "score_sum"
    assert from_frame["n_motif_positions"].dtype == np.int32
    assert isinstance(from_frame.index, pd.RangeIndex)


def test_sign_convention_signed_versus_absolute():
    # Strong *negative* scores on the motif: the signed sum ranks them last,
    # the absolute sum first.
    scores = -3.0 * mask_of(STARTS) + 0.01 * np.random.default_rng(2).normal(size=(3, L))
    frame = per_locus_frame(scores, IDS)
    signed = score_explanations(frame, truth_for(STARTS), score="score_sum")
    absolute = score_explanations(frame, truth_for(STARTS), score="score_abs_sum")
    assert np.all(signed["auroc"] == 0.0) and np.all(absolute["auroc"] == 1.0)


def test_attribution_array_gives_scores_and_avg_match():
    x = random_one_hot(1, 20, seed=3)
    truth = truth_for([5], length=4, ids=["s"])
    attr = np.zeros((1, 20, 4), dtype=np.float32)
    attr[0, 4:8] = x[0, 4:8]  # true base scores 1 at motif positions 5..8 ...
    wrong = (x[0, 7].argmax() + 1) % 4
    attr[0, 7, wrong] = 2.0  # ... except position 8, where another base scores higher
    out = score_explanations(attr, truth, sequences=x, seq_ids=["s"])
    assert out.loc[0, "avg_match_percent"] == 75.0
    assert out.loc[0, "auroc"] == 1.0
    # The same from DNA strings instead of one-hot.
    dna = ["".join("ACGT"[i] for i in x[0].argmax(axis=1))]
    out2 = score_explanations(attr, truth, sequences=dna, seq_ids=["s"])
    assert out2.loc[0, "avg_match_percent"] == 75.0


def test_match_percent_ties_and_unknown_bases_are_misses():
    a = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0, 0, 0]])
    assert match_percent(a, [0, 1, -1], [True, True, True]) == pytest.approx(100 / 3)
    assert np.isnan(match_percent(a, [0, 1, 2], [False, False, False]))


def test_attribution_result_is_accepted():
    x = random_one_hot(2, L, seed=4)
    attr = (x * mask_of([10, 30])[:, :, None]).astype(np.float32)
    result = SimpleNamespace(
        attributions=attr, inputs=SimpleNamespace(seq_ids=["a", "b"], onehot=x)
    )
    out = score_explanations(result, truth_for([10, 30], ids=["a", "b"]), method="ig_zero")
    assert list(out["method"]) == ["ig_zero", "ig_zero"]
    assert np.all(out["auroc"] == 1.0) and np.all(out["avg_match_percent"] == 100.0)


def test_per_locus_base_columns_give_avg_match():
    frame = per_locus_frame(np.arange(1.0, L + 1.0)[None, :], ["s"])
    frame["ref_base"] = pd.Categorical(["A"] * L, categories=list("ACGT"))
    frame["max_base"] = pd.Categorical(["A", "C"] * (L // 2), categories=list("ACGT"))
    out = score_explanations(frame, truth_for([11], ids=["s"]))
    assert out.loc[0, "avg_match_percent"] == 50.0


def test_recurrent_motifs_and_negatives():
    truth = pd.concat(
        [
            truth_for([3, 30], length=5, ids=["rec", "rec"]),
            pd.DataFrame(
                {
                    "seq_id": ["neg"],
                    "label": ["no_motif"],
                    "motif": [None],
                    "start": [np.nan],
                    "end": [np.nan],
                }
            ),
        ],
        ignore_index=True,
    )
    both_copies = mask_of([3], length=5) | mask_of([30], length=5)
    scores = np.vstack([both_copies, np.zeros((1, L))]).astype(float)
    out = score_explanations(scores, truth, seq_ids=["rec", "neg"])
    assert list(out["seq_id"]) == ["rec"]
    assert out.loc[0, "n_motif_positions"] == 10 and out.loc[0, "auroc"] == 1.0
    assert out.attrs["skipped_seq_ids"] == ["neg"] and out.attrs["n_skipped"] == 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=4, max_size=40, unique=True),
    st.integers(0, 2**32 - 1),
)
def test_auroc_properties(values, seed):
    s = np.array(values)
    mask = np.random.default_rng(seed).permutation(np.arange(s.size) < s.size // 2)
    a = locus_metrics(s, mask)["auroc"]
    # Reversing the ranking mirrors AUROC; only the ranks matter (scaling by a power of
    # two is exact, so it cannot create ties the way e.g. arctan can for near-equal floats).
    assert locus_metrics(-s, mask)["auroc"] == pytest.approx(1 - a)
    assert locus_metrics(4.0 * s, mask)["auroc"] == pytest.approx(a)
    assert locus_metrics(np.argsort(np.argsort(s)), mask)["auroc"] == pytest.approx(a)


# --------------------------------------------------------------------------- errors
def test_errors_name_the_argument():
    truth = truth_for(STARTS)
    with pytest.raises(InputError, match="seq_ids"):
        score_explanations(np.zeros((3, L)), truth)
    with pytest.raises(ShapeError, match="seq_ids"):
        score_explanations(np.zeros((3, L)), truth, seq_ids=["a"])
    with pytest.raises(InputError, match="truth"):
        score_explanations(np.zeros((3, L)), truth.drop(columns="end"), seq_ids=IDS)
    with pytest.raises(InputError, match="score_ref"):
        score_explanations(per_locus_frame(np.zeros((3, L)), IDS), truth, score="score_ref")
    with pytest.raises(InputError, match="sequences="):
        score_explanations(np.zeros((3, L)), truth, seq_ids=IDS, attributions=np.zeros((3, L, 4)))
    with pytest.raises(ArgumentTypeError, match="scores"):
        score_explanations("scores", truth)
    with pytest.raises(ArgumentTypeError, match="truth"):
        score_explanations(np.zeros((3, L)), {"seq_id": IDS}, seq_ids=IDS)
    with pytest.raises(InputError, match="`k`"):
        score_explanations(np.zeros((3, L)), truth, seq_ids=IDS, k=0)
    with pytest.raises(InputError, match="NaN"):
        locus_metrics([np.nan, 1.0], [True, False])


# --------------------------------------------------------------------------- summaries
def test_summarise_scores_long_and_wide():
    frame = pd.DataFrame(
        {
            "motif": ["high", "high", "high", "low"],
            "method": ["ig", "ig", "sal", "ig"],
            "auroc": [0.8, 1.0, 0.5, np.nan],
            "auprc": [0.4, 0.6, 0.2, 0.1],
        }
    )
    long = summarise_scores(frame, by=("motif", "method"))
    assert list(long.columns) == ["motif", "method", "metric", "mean", "sd", "n"]
    row = long[(long.motif == "high") & (long.method == "ig") & (long.metric == "auroc")].iloc[0]
    assert row["mean"] == pytest.approx(0.9) and row["sd"] == pytest.approx(np.sqrt(0.02))
    assert row["n"] == 2 and long["n"].dtype == np.int32
    low = long[(long.motif == "low") & (long.metric == "auroc")].iloc[0]
    assert low["n"] == 0 and np.isnan(low["mean"])  # NaN AUROC does not enter the mean

    wide = summarise_scores(frame, by="method", shape="wide")
    assert list(wide.columns) == [
        "method",
        "auroc_mean",
        "auroc_sd",
        "auroc_n",
        "auprc_mean",
        "auprc_sd",
        "auprc_n",
    ]
    assert wide.loc[wide.method == "ig", "auprc_mean"].item() == pytest.approx(1.1 / 3)
    with pytest.raises(InputError, match="by"):
        summarise_scores(frame, by="baseline")
    with pytest.raises(InputError, match="shape"):
        summarise_scores(frame, shape="tall")


def test_classification_metrics():
    y = np.array([0, 0, 0, 1])
    prob = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    m = classification_metrics(y, prob)
    assert m["accuracy"] == 0.75 and m["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)
    assert m["auroc"] == 1.0 and m["n"] == 4
    assert classification_metrics(y, prob[:, 1])["accuracy"] == 0.75
    with pytest.raises(ShapeError):
        classification_metrics(y[:2], prob)
