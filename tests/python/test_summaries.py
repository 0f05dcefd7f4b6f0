"""Tests of deepg_interpret.core.summaries with hand-checkable numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepg_interpret.core.summaries import avg_match_percent, quantile_position, rolling_mean
from deepg_interpret.errors import ArgumentTypeError, InputError, SequenceError, ShapeError

# --------------------------------------------------------------------------- rolling_mean


def test_rolling_mean_by_hand():
    values = [0.0, 1.0, 2.0, 3.0, 4.0]
    assert rolling_mean(values, k=3).tolist() == [0.5, 1.0, 2.0, 3.0, 3.5]
    assert rolling_mean(values, k=2, center=False).tolist() == [0.0, 0.5, 1.5, 2.5, 3.5]
    assert rolling_mean(values, k=1).tolist() == values
    # A window longer than the sequence averages what is there.
    assert np.allclose(rolling_mean(values, k=100), 2.0)
    assert np.allclose(rolling_mean(values, k=100, center=False), [0.0, 0.5, 1.0, 1.5, 2.0])


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 50, 500])
@pytest.mark.parametrize("center", [True, False])
def test_rolling_mean_matches_pandas(k, center):
    rng = np.random.default_rng(k)
    values = rng.normal(size=300)
    values[rng.integers(0, 300, 20)] = np.nan  # pandas skips NaN; so must we
    expected = pd.Series(values).rolling(k, center=center, min_periods=1).mean().to_numpy()
    got = rolling_mean(values, k, center=center)
    assert got.shape == values.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize(
    ("values", "k", "error", "message"),
    [
        ([1.0, 2.0], 0, InputError, "`k` must be an int >= 1"),
        ([1.0, 2.0], 2.5, InputError, "`k` must be an int >= 1"),
        ([1.0, 2.0], True, InputError, "`k` must be an int >= 1"),
        (np.zeros((2, 2)), 3, ShapeError, r"`values` has shape \(2, 2\)"),
        ([], 3, ShapeError, "`values` is empty"),
        (["a", "b"], 1, ArgumentTypeError, "`values` must be numeric"),
    ],
)
def test_rolling_mean_errors(values, k, error, message):
    with pytest.raises(error, match=message):
        rolling_mean(values, k)


# --------------------------------------------------------------------------- avg_match_percent


def scores_favouring(seq: str, length: int, start: int) -> np.ndarray:
    """(length, 4) scores whose top base is ``seq`` from 1-based ``start``."""
    att = np.zeros((length, 4))
    for i, base in enumerate(seq):
        att[start - 1 + i, "ACGT".index(base)] = 1.0
    return att


def test_avg_match_percent_by_hand():
    att = scores_favouring("ACGT", 10, 3)
    assert avg_match_percent(att, "ACGT", 3) == 100.0
    assert avg_match_percent(att, "ACGA", 3) == 75.0
    assert avg_match_percent(att, "TTTA", 3) == 0.0
    assert avg_match_percent(att, "acgt", 3) == 100.0  # case-insensitive


def test_avg_match_percent_skips_n():
    att = scores_favouring("ACGT", 10, 3)
    # N over the C, the A and T wrong: 1 of 3 scored positions (G) matches.
    assert avg_match_percent(att, "TNGA", 3) == pytest.approx(100 / 3)


def test_avg_match_percent_ties_are_misses():
    att = np.zeros((5, 4))
    assert avg_match_percent(att, "AAAAA", 1) == 0.0
    att[0] = [1.0, 1.0, 0.0, 0.0]  # A ties with C
    assert avg_match_percent(att, "A", 1) == 0.0
    att[0, 0] = 1.5
    assert avg_match_percent(att, "A", 1) == 100.0


def test_avg_match_percent_negative_observed_score():
    att = np.zeros((3, 4))
    att[1, 2] = -0.5  # IG: only the observed G is scored, and it is negative
    assert avg_match_percent(att, "G", 2) == 0.0


@pytest.mark.parametrize(
    ("att", "motif", "start", "error", "message"),
    [
        (
            np.zeros((10, 4)),
            "ACGT",
            8,
            InputError,
            r"covers 8\.\.11, outside the sequence 1\.\.10.*between 1 and 7",
        ),
        (np.zeros((10, 4)), "ACGT", 0, InputError, "outside the sequence"),
        (np.zeros((10, 4)), "ACXT", 1, SequenceError, "characters 'X'"),
        (np.zeros((10, 4)), "NNN", 1, InputError, "all N"),
        (np.zeros((10, 4)), "", 1, ArgumentTypeError, "non-empty string"),
        (np.zeros((10, 4)), "ACGT", 1.0, ArgumentTypeError, "`start` must be an int"),
        (np.zeros((10, 5)), "ACGT", 1, ShapeError, r"has shape \(10, 5\) but \(L, 4\)"),
        (np.zeros((2, 10, 4)), "ACGT", 1, ShapeError, "has shape"),
        (np.full((10, 4), np.nan), "ACGT", 1, InputError, "NaN"),
    ],
)
def test_avg_match_percent_errors(att, motif, start, error, message):
    with pytest.raises(error, match=message):
        avg_match_percent(att, motif, start)


# --------------------------------------------------------------------------- quantile_position


def test_quantile_position_by_hand():
    scores = [1, 2, 3, 4, 5]
    # Windows of length 2 have sums 3, 5, 7, 9.
    assert quantile_position(scores, 1, 2) == 0.25
    assert quantile_position(scores, 2, 3) == 0.5
    assert quantile_position(scores, 4, 5) == 1.0
    assert quantile_position(scores, 1, 5) == 1.0  # the only window
    assert quantile_position(scores, 3, 3, stat="sum") == 0.6  # 3 is 3rd of 5 values


def test_quantile_position_peak_and_trough():
    scores = np.zeros(1000)
    scores[500:520] = 1.0
    scores[100:120] = -1.0
    assert quantile_position(scores, 501, 520) == 1.0
    assert quantile_position(scores, 101, 120) == 1 / 981  # the lowest of 981 windows


def test_quantile_position_constant_scores_tie():
    # Cumulative-sum rounding must not break ties between equal windows.
    scores = np.full(100_000, 0.1)
    for stat in ("mean", "sum", "max"):
        assert quantile_position(scores, 777, 1776, stat=stat) == 1.0


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("stat", ["mean", "sum", "max"])
def test_quantile_position_matches_brute_force(seed, stat):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=400)
    start = int(rng.integers(1, 300))
    end = start + int(rng.integers(0, 100))
    windows = np.lib.stride_tricks.sliding_window_view(scores, end - start + 1)
    stats = {"mean": windows.mean(1), "sum": windows.sum(1), "max": windows.max(1)}[stat]
    expected = np.mean(stats <= stats[start - 1] + 1e-12)
    assert quantile_position(scores, start, end, stat=stat) == pytest.approx(expected)


def test_quantile_position_max_differs_from_mean():
    scores = [0, 0, 10, 0, 1, 1, 1, 0]
    # Windows of 3 (starts 1..6): max 10, 10, 10, 1, 1, 1; sum 10, 10, 11, 2, 3, 2.
    assert quantile_position(scores, 4, 6, stat="max") == 0.5  # ties with 3 windows of max 1
    assert quantile_position(scores, 4, 6, stat="sum") == pytest.approx(2 / 6)


@pytest.mark.parametrize(
    ("scores", "start", "end", "kwargs", "error", "message"),
    [
        (
            [1.0, 2.0, 3.0],
            0,
            2,
            {},
            InputError,
            r"start = 0, end = 2 is not inside the sequence 1\.\.3",
        ),
        ([1.0, 2.0, 3.0], 2, 4, {}, InputError, "not inside the sequence"),
        ([1.0, 2.0, 3.0], 3, 2, {}, InputError, "start <= end"),
        ([1.0, 2.0, 3.0], 1.0, 2, {}, ArgumentTypeError, "`start` must be an int"),
        (
            [1.0, 2.0, 3.0],
            1,
            2,
            {"stat": "median"},
            InputError,
            "`stat` must be one of mean, sum, max",
        ),
        ([1.0, np.nan, 3.0], 1, 2, {}, InputError, "NaN"),
        (np.zeros((3, 4)), 1, 2, {}, ShapeError, r"`scores` has shape \(3, 4\)"),
    ],
)
def test_quantile_position_errors(scores, start, end, kwargs, error, message):
    with pytest.raises(error, match=message):
        quantile_position(scores, start, end, **kwargs)
