"""Tests of deepg_interpret.dna.baselines: shapes, exact dinucleotide counts, errors."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepg_interpret.dna.baselines import (
    BASELINE_NAMES,
    dinuc_shuffle,
    gc_matched,
    make_baselines,
    shuffle_positions,
)
from deepg_interpret.errors import (
    ArgumentTypeError,
    BaselineError,
    DeepGInterpretWarning,
    InputError,
    ShapeError,
)


def onehot(seq: str, n_row: str = "zero") -> np.ndarray:
    """ACGT one-hot; N becomes an all-zero row or a 0.25 row (the two deepG encodings)."""
    table = {b: row for b, row in zip("ACGT", np.eye(4, dtype=np.float32))}
    table["N"] = np.zeros(4, np.float32) if n_row == "zero" else np.full(4, 0.25, np.float32)
    return np.stack([table[c] for c in seq])


def random_seq(length: int, seed: int) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, length)]


def dinucs(x: np.ndarray) -> Counter:
    rows = [r.tobytes() for r in x]
    return Counter(zip(rows[:-1], rows[1:]))


def row_multiset(x: np.ndarray) -> Counter:
    return Counter(r.tobytes() for r in x)


# --------------------------------------------------------------------------- dinuc_shuffle


@settings(max_examples=200, deadline=None)
@given(
    seq=st.text(alphabet="ACGTN", min_size=1, max_size=300),
    n_row=st.sampled_from(["zero", "equal"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dinuc_shuffle_keeps_counts_first_and_last(seq, n_row, seed):
    x = onehot(seq, n_row)
    out = dinuc_shuffle(x, np.random.default_rng(seed), n=3)
    assert out.shape == (3, *x.shape) and out.dtype == np.float32
    for item in out:
        assert dinucs(item) == dinucs(x)
        assert row_multiset(item) == row_multiset(x)
        # The Euler-path walk starts at the first letter and must end at the last.
        assert np.array_equal(item[0], x[0]) and np.array_equal(item[-1], x[-1])


def test_dinuc_shuffle_gives_distinct_shuffles():
    x = random_seq(200, 0)
    out = dinuc_shuffle(x, np.random.default_rng(1), n=20)
    assert len({item.tobytes() for item in out}) == 20
    assert all(not np.array_equal(item, x) for item in out)


def test_dinuc_shuffle_is_uniform_over_valid_sequences():
    seq = "ACAGACTA"
    x = onehot(seq)
    valid = {
        p
        for p in set(itertools.permutations(seq))
        if p[0] == seq[0] and Counter(zip(p[:-1], p[1:])) == Counter(zip(seq[:-1], seq[1:]))
    }
    assert len(valid) >= 4
    draws = 4000
    out = dinuc_shuffle(x, np.random.default_rng(2), n=draws)
    letters = np.array(list("ACGT"))
    seen = Counter(tuple(letters[item.argmax(axis=1)]) for item in out)
    assert set(seen) == valid
    expected = draws / len(valid)
    sd = np.sqrt(expected * (1 - 1 / len(valid)))
    # 5 sd per cell: a biased sampler (e.g. no arborescence weighting) fails, noise does not.
    assert all(abs(count - expected) < 5 * sd for count in seen.values())


def test_dinuc_shuffle_other_vocabulary_and_soft_rows():
    rng = np.random.default_rng(3)
    x = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 150)]
    x[10] = 0.2
    x[70] = 0.0
    out = dinuc_shuffle(x, rng, n=2)
    assert out.shape == (2, 150, 5)
    assert all(dinucs(item) == dinucs(x) for item in out)


@pytest.mark.parametrize("seq", ["A", "AC", "NA"])
def test_dinuc_shuffle_short_sequences_are_returned_unchanged(seq):
    x = onehot(seq)
    out = dinuc_shuffle(x, np.random.default_rng(0), n=2)
    assert np.array_equal(out, np.stack([x, x]))


def test_dinuc_shuffle_one_megabase_is_fast():
    x = random_seq(1_000_000, 4)
    x[::997] = 0.0  # some N rows
    t0 = time.perf_counter()
    out = dinuc_shuffle(x, np.random.default_rng(5))
    elapsed = time.perf_counter() - t0
    assert elapsed < 3.0, f"dinuc_shuffle of 1 Mbp took {elapsed:.2f} s"
    sym_in = x.argmax(1) + 4 * (x.sum(1) == 0)
    sym_out = out[0].argmax(1) + 4 * (out[0].sum(1) == 0)
    pairs = lambda s: np.bincount(s[:-1] * 5 + s[1:], minlength=25)  # noqa: E731
    assert np.array_equal(pairs(sym_in), pairs(sym_out))


def test_dinuc_shuffle_is_seeded():
    x = random_seq(120, 6)
    a = dinuc_shuffle(x, np.random.default_rng(7), n=3)
    b = dinuc_shuffle(x, np.random.default_rng(7), n=3)
    c = dinuc_shuffle(x, np.random.default_rng(8), n=3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


# --------------------------------------------------------------------------- shuffle_positions


@settings(max_examples=50, deadline=None)
@given(seq=st.text(alphabet="ACGTN", min_size=1, max_size=200), seed=st.integers(0, 2**32 - 1))
def test_shuffle_positions_keeps_row_multiset(seq, seed):
    x = onehot(seq)
    out = shuffle_positions(x, np.random.default_rng(seed), n=2)
    assert out.shape == (2, *x.shape) and out.dtype == np.float32
    assert all(row_multiset(item) == row_multiset(x) for item in out)


def test_shuffle_positions_distinct_and_seeded():
    x = random_seq(200, 9)
    out = shuffle_positions(x, np.random.default_rng(10), n=20)
    assert len({item.tobytes() for item in out}) == 20
    assert np.array_equal(out, shuffle_positions(x, np.random.default_rng(10), n=20))


# --------------------------------------------------------------------------- gc_matched


def test_gc_matched_matches_gc_fraction():
    # 70 % GC input; 50 x 200 = 10,000 draws -> sd of the GC share is 0.0046,
    # of each single base share about 0.004; tolerances are > 6 sd.
    x = onehot("GC" * 70 + "AT" * 30)
    out = gc_matched(x, np.random.default_rng(11), n=50)
    assert out.shape == (50, 200, 4) and out.dtype == np.float32
    assert np.all(out.sum(axis=-1) == 1.0)  # every position is a base
    share = out.reshape(-1, 4).mean(axis=0)
    assert abs(share[1] + share[2] - 0.70) < 0.03
    assert abs(share[1] - share[2]) < 0.03 and abs(share[0] - share[3]) < 0.03


def test_gc_matched_counts_half_gc_for_uniform_n_rows():
    x = onehot("GGGG" + "N" * 4, n_row="equal")  # GC mass 4 + 4 * 0.5 of 8 -> 0.75
    out = gc_matched(x, np.random.default_rng(12), n=2000)
    assert abs(out[..., 1:3].sum(-1).mean() - 0.75) < 0.03


def test_gc_matched_rejects_non_dna_and_all_n():
    with pytest.raises(
        BaselineError, match="needs DNA in channel order A, C, G, T.*has 5 channels"
    ):
        gc_matched(np.eye(5, dtype=np.float32), np.random.default_rng(0))
    with pytest.raises(BaselineError, match="no A/C/G/T.*baseline='zero'"):
        gc_matched(onehot("NNNN"), np.random.default_rng(0))


# --------------------------------------------------------------------------- make_baselines


@pytest.mark.parametrize("name", BASELINE_NAMES)
def test_make_baselines_shape_dtype_and_seed(name):
    x = random_seq(60, 13)
    background = np.stack([random_seq(60, s) for s in range(5)])
    a = make_baselines(
        x,
        name,
        4,
        np.random.default_rng(14),
        background=background if name == "background" else None,
    )
    b = make_baselines(
        x,
        name,
        4,
        np.random.default_rng(14),
        background=background if name == "background" else None,
    )
    assert a.shape == (4, 60, 4) and a.dtype == np.float32
    assert np.array_equal(a, b)


def test_make_baselines_zero_and_uniform():
    x = random_seq(10, 15)
    rng = np.random.default_rng(0)
    assert not make_baselines(x, "zero", 2, rng).any()
    assert np.all(make_baselines(x, "uniform", 2, rng) == np.float32(0.25))
    five = np.eye(5, dtype=np.float32)[[0, 4, 2]]
    assert np.allclose(make_baselines(five, "uniform", 1, rng), 0.2)


def test_make_baselines_shufflers_dispatch():
    x = random_seq(80, 16)
    shuffled = make_baselines(x, "shuffle", 3, np.random.default_rng(17))
    assert np.array_equal(shuffled, shuffle_positions(x, np.random.default_rng(17), 3))
    dinuc = make_baselines(x, "dinuc_shuffle", 3, np.random.default_rng(17))
    assert np.array_equal(dinuc, dinuc_shuffle(x, np.random.default_rng(17), 3))
    gc = make_baselines(x, "gc_matched", 3, np.random.default_rng(17))
    assert np.array_equal(gc, gc_matched(x, np.random.default_rng(17), 3))


def test_make_baselines_accepts_int_seed_and_keeps_generator_stream():
    x = random_seq(50, 18)
    assert np.array_equal(make_baselines(x, "shuffle", 2, 3), make_baselines(x, "shuffle", 2, 3))
    rng = np.random.default_rng(19)
    first = make_baselines(x, "shuffle", 1, rng)
    second = make_baselines(x, "shuffle", 1, rng)
    assert not np.array_equal(first, second)  # the Generator advanced, not re-seeded


def test_make_baselines_background_draws():
    background = np.stack([np.full((6, 4), i, dtype=np.float32) for i in range(5)])
    x = random_seq(6, 20)
    rng = np.random.default_rng(21)
    few = make_baselines(x, "background", 5, rng, background=background)
    ids = few[:, 0, 0].astype(int)
    assert sorted(ids) == [0, 1, 2, 3, 4]  # n <= m: without replacement
    many = make_baselines(x, "background", 12, rng, background=background)
    assert set(many[:, 0, 0].astype(int)) <= set(range(5))
    assert many.shape == (12, 6, 4)
    one = make_baselines(x, "background", 3, rng, background=background[0])  # (L, C) -> m = 1
    assert not one.any()


def test_make_baselines_explicit_arrays():
    x = random_seq(50, 22)
    rng = np.random.default_rng(0)
    single = np.full((50, 4), 0.1)
    out = make_baselines(x, single, 3, rng)
    assert out.shape == (3, 50, 4) and out.dtype == np.float32 and np.allclose(out, 0.1)
    stack = np.random.default_rng(1).random((3, 50, 4))
    assert np.allclose(make_baselines(x, stack, 3, rng), stack)


# --------------------------------------------------------------------------- errors


def test_explicit_array_errors():
    x = random_seq(50, 23)
    rng = np.random.default_rng(0)
    with pytest.raises(
        BaselineError,
        match=r"baseline has shape \(10, 3\) but the sequence is \(50, 4\); pass an array of "
        r"shape \(50, 4\) or \(n_baselines, 50, 4\)",
    ):
        make_baselines(x, np.zeros((10, 3)), 2, rng)
    with pytest.raises(BaselineError, match=r"holds 3 baselines but n = 2.*pass n=3"):
        make_baselines(x, np.zeros((3, 50, 4)), 2, rng)
    bad = np.zeros((50, 4))
    bad[3, 1] = np.nan
    with pytest.raises(BaselineError, match="NaN or infinite"):
        make_baselines(x, bad, 1, rng)
    bad[3, 1] = np.inf
    with pytest.raises(BaselineError, match="NaN or infinite"):
        make_baselines(x, bad, 1, rng)


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        BaselineError, match="unknown baseline 'zeros'.*" + ", ".join(BASELINE_NAMES)
    ):
        make_baselines(random_seq(5, 0), "zeros", 1, np.random.default_rng(0))


def test_baseline_of_wrong_type():
    with pytest.raises(ArgumentTypeError, match="`baseline` must be one of"):
        make_baselines(random_seq(5, 0), 0.25, 1, np.random.default_rng(0))


def test_background_errors():
    x = random_seq(8, 24)
    rng = np.random.default_rng(0)
    with pytest.raises(BaselineError, match=r"none was given; pass background= .*\(m, 8, 4\)"):
        make_baselines(x, "background", 2, rng)
    with pytest.raises(
        BaselineError, match=r"background has shape \(3, 7, 4\) but the sequence is \(8, 4\)"
    ):
        make_baselines(x, "background", 2, rng, background=np.zeros((3, 7, 4)))
    with pytest.raises(BaselineError, match=r"background has shape \(0, 8, 4\)"):
        make_baselines(x, "background", 2, rng, background=np.zeros((0, 8, 4)))
    nan_bg = np.zeros((2, 8, 4))
    nan_bg[1, 1, 1] = np.nan
    with pytest.raises(BaselineError, match="background contains NaN"):
        make_baselines(x, "background", 2, rng, background=nan_bg)


def test_unused_background_warns():
    x = random_seq(8, 25)
    with pytest.warns(DeepGInterpretWarning, match="`background` is ignored with baseline='zero'"):
        make_baselines(x, "zero", 1, np.random.default_rng(0), background=np.zeros((2, 8, 4)))


@pytest.mark.parametrize(
    ("n", "error", "message"),
    [
        (0, InputError, "`n` must be >= 1"),
        (2.0, ArgumentTypeError, "`n` must be an int"),
        (True, ArgumentTypeError, "`n` must be an int"),
    ],
)
def test_bad_n(n, error, message):
    with pytest.raises(error, match=message):
        make_baselines(random_seq(5, 0), "zero", n, np.random.default_rng(0))


def test_bad_sequence_and_rng():
    rng = np.random.default_rng(0)
    with pytest.raises(ShapeError, match=r"`x` has shape \(2, 5, 4\).*single sequence"):
        make_baselines(np.zeros((2, 5, 4)), "zero", 1, rng)
    with pytest.raises(ShapeError, match=r"at least one position"):
        dinuc_shuffle(np.zeros((0, 4)), rng)
    nan_x = random_seq(5, 0)
    nan_x[0, 0] = np.nan
    with pytest.raises(InputError, match="`x` contains NaN"):
        shuffle_positions(nan_x, rng)
    with pytest.raises(ArgumentTypeError, match="`rng` must be a numpy Generator"):
        make_baselines(random_seq(5, 0), "shuffle", 1, "seed")


# --------------------------------------------------------------------------- gc_matched vocabulary


def onehot_in(seq: str, vocabulary) -> np.ndarray:
    """One-hot with channels in ``vocabulary`` order (case-insensitive)."""
    channel = {v.upper(): i for i, v in enumerate(vocabulary)}
    return np.eye(len(vocabulary), dtype=np.float32)[[channel[c] for c in seq]]


@pytest.mark.parametrize(
    "vocabulary",
    [("T", "G", "C", "A"), ("G", "C", "A", "T"), ("a", "g", "t", "c"), ("A", "C", "G", "U")],
)
def test_gc_matched_finds_g_and_c_by_letter(vocabulary):
    # 70 % GC. Reading G/C from channels 1 and 2 whatever the vocabulary gave 50 % GC
    # for ("G", "C", "A", "T") and ("a", "g", "t", "c").
    seq = ("GC" * 70 + "AT" * 30).replace("T", "U" if "U" in vocabulary else "T")
    x = onehot_in(seq, vocabulary)
    letters = [v.upper() for v in vocabulary]
    gc = [letters.index("G"), letters.index("C")]
    out = make_baselines(x, "gc_matched", 50, np.random.default_rng(26), vocabulary=vocabulary)
    assert out.shape == (50, 200, 4) and np.all(out.sum(axis=-1) == 1.0)
    share = out.reshape(-1, 4).mean(axis=0)
    assert abs(share[gc].sum() - 0.70) < 0.03
    assert abs(share[gc[0]] - share[gc[1]]) < 0.03
    direct = gc_matched(x, np.random.default_rng(26), 50, vocabulary=vocabulary)
    assert np.array_equal(out, direct)


def test_gc_matched_default_vocabulary_is_acgt_and_none_means_default():
    x = random_seq(90, 27)
    default = gc_matched(x, np.random.default_rng(28), 3)
    for vocabulary in (None, ("A", "C", "G", "T"), "ACGT"):
        again = make_baselines(x, "gc_matched", 3, np.random.default_rng(28), vocabulary=vocabulary)
        assert np.array_equal(default, again)


def test_gc_matched_extra_channels_are_never_sampled():
    x = onehot_in("GGCCANNT" * 10, ("A", "C", "G", "T", "N"))  # GC 4 of the 6 bases
    out = gc_matched(x, np.random.default_rng(29), 200, vocabulary=("A", "C", "G", "T", "N"))
    assert out.shape == (200, 80, 5) and not out[..., 4].any()
    assert abs(out[..., 1:3].sum(-1).mean() - 4 / 6) < 0.03


@pytest.mark.parametrize(
    "vocabulary", [("A", "T", "X", "Y"), ("A", "C", "T", "U"), ("G", "C", "N", "X")]
)
def test_gc_matched_without_gc_channels_raises(vocabulary):
    x = random_seq(20, 30)
    with pytest.raises(BaselineError, match=r"needs G and C channels.*choose another baseline"):
        make_baselines(x, "gc_matched", 2, np.random.default_rng(0), vocabulary=vocabulary)


def test_gc_matched_vocabulary_must_match_channels():
    x = random_seq(20, 31)
    with pytest.raises(BaselineError, match=r"A, C, G, T, N \(5 channels\) but `x` has 4"):
        make_baselines(
            x, "gc_matched", 1, np.random.default_rng(0), vocabulary=("A", "C", "G", "T", "N")
        )
    with pytest.raises(ArgumentTypeError, match="`vocabulary` must be a tuple"):
        gc_matched(x, np.random.default_rng(0), vocabulary=4)


def test_vocabulary_is_ignored_by_other_baselines():
    x = random_seq(30, 32)
    for name in ("zero", "uniform", "shuffle", "dinuc_shuffle"):
        a = make_baselines(x, name, 2, np.random.default_rng(33), vocabulary=("X", "Y", "Z", "W"))
        b = make_baselines(x, name, 2, np.random.default_rng(33))
        assert np.array_equal(a, b)
