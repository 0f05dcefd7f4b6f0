"""Tests of deepg_interpret.dna.backgrounds: one sampler behind baselines and synthetic data.

The point of the module is that baselines, synthetic data and null models draw the
same sequences from the same seed; these tests pin that down (code level vs one-hot
level, backgrounds vs baselines vs synthetic), plus the alphabet's code tables.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepg_interpret import synthetic
from deepg_interpret.dna import backgrounds, baselines
from deepg_interpret.dna.alphabet import (
    INVALID_CODE,
    codes_to_onehot,
    codes_to_strings,
    sequence_to_codes,
    strings_to_codes,
)
from deepg_interpret.dna.backgrounds import (
    base_probs,
    dinuc_shuffle,
    dinuc_shuffle_codes,
    fit_markov,
    gc_matched,
    gc_matched_codes,
    iid_background,
    sample_iid_codes,
    shuffle_codes,
    shuffle_positions,
)
from deepg_interpret.errors import ArgumentTypeError, BaselineError, SequenceError, ShapeError


def pairs(codes) -> Counter:
    codes = list(np.asarray(codes).tolist())
    return Counter(zip(codes[:-1], codes[1:]))


# --------------------------------------------------------------------------- one place


def test_baselines_and_synthetic_use_the_backgrounds_samplers():
    assert baselines.dinuc_shuffle is backgrounds.dinuc_shuffle
    assert baselines.shuffle_positions is backgrounds.shuffle_positions
    assert baselines.gc_matched is backgrounds.gc_matched
    for name in ("iid_background", "fit_markov", "kmer_frequencies", "MarkovModel"):
        assert getattr(synthetic, name) is getattr(backgrounds, name)


def test_simulated_background_is_iid_background_for_the_same_seed():
    # With no positives nothing is planted, so the dataset is the background itself.
    ds = synthetic.simulate_motifs(12, 90, "TATAAT", share=0.0, gc=0.3, seed=5)
    assert ds.sequences == iid_background(12, 90, gc=0.3, seed=5)
    codes = iid_background(12, 90, gc=0.3, seed=5, return_codes=True)
    assert np.array_equal(
        codes, sample_iid_codes(np.random.default_rng(5), 12, 90, base_probs(gc=0.3))
    )


def test_simulated_markov_background_is_the_models_sample():
    model = fit_markov("ATGAAACGCATTAGCACCACCATTACCACCACCATCACC" * 20, order=2)
    ds = synthetic.simulate_motifs(6, 120, "TATAAT", share=0.0, background=model, seed=8)
    assert ds.sequences == model.sample(6, 120, seed=8)


# --------------------------------------------------------------------------- iid


def test_sample_iid_codes_equals_rng_choice_and_skips_zero_mass():
    p = np.array([0.1, 0.0, 0.6, 0.3, 0.0])
    codes = sample_iid_codes(np.random.default_rng(3), 40, 70, p)
    expected = np.random.default_rng(3).choice(5, size=(40, 70), p=p)
    assert codes.dtype == np.uint8 and np.array_equal(codes, expected)
    assert not np.isin(codes, [1, 4]).any()


def test_gc_matched_codes_is_the_one_hot_stream():
    rng = np.random.default_rng(9)
    codes = rng.integers(0, 4, 150).astype(np.uint8)
    x = np.eye(4, dtype=np.float32)[codes]
    a = gc_matched_codes(codes, np.random.default_rng(10), n=4)
    b = gc_matched(x, np.random.default_rng(10), n=4)
    assert np.array_equal(codes_to_onehot(a), b)


def test_gc_matched_codes_ignores_n_and_checks_input():
    out = gc_matched_codes(np.array([1, 2, INVALID_CODE, INVALID_CODE]), 0, n=50)
    assert np.isin(out, [1, 2]).all()  # GC 100 % of the bases; N is not counted
    with pytest.raises(BaselineError, match="no A/C/G/T"):
        gc_matched_codes(np.full(5, INVALID_CODE), 0)
    with pytest.raises(SequenceError, match="0..3"):
        gc_matched_codes(np.array([0, 7]), 0)
    with pytest.raises(SequenceError, match="one non-empty integer sequence"):
        gc_matched_codes(np.zeros((2, 3), dtype=int), 0)


# --------------------------------------------------------------------------- shuffles


@settings(max_examples=60, deadline=None)
@given(seq=st.text(alphabet="ACGT", min_size=1, max_size=120), seed=st.integers(0, 2**32 - 1))
def test_code_level_shuffles_are_the_one_hot_streams(seq, seed):
    codes = sequence_to_codes(seq)
    x = codes_to_onehot(codes)
    dinuc = dinuc_shuffle_codes(codes, np.random.default_rng(seed), n=2)
    assert dinuc.dtype == np.uint8
    assert np.array_equal(codes_to_onehot(dinuc), dinuc_shuffle(x, np.random.default_rng(seed), 2))
    perm = shuffle_codes(codes, np.random.default_rng(seed), n=2)
    assert np.array_equal(
        codes_to_onehot(perm), shuffle_positions(x, np.random.default_rng(seed), 2)
    )


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.sampled_from([0, 1, 2, 3, INVALID_CODE]), min_size=1, max_size=200),
    seed=st.integers(0, 2**32 - 1),
)
def test_dinuc_shuffle_codes_keeps_counts_and_ends(codes, seed):
    codes = np.array(codes, dtype=np.uint8)
    for item in dinuc_shuffle_codes(codes, seed, n=3):
        assert pairs(item) == pairs(codes)
        assert item[0] == codes[0] and item[-1] == codes[-1]


def test_code_shuffle_errors():
    with pytest.raises(ShapeError, match="one non-empty sequence of codes"):
        dinuc_shuffle_codes(np.zeros((2, 5), dtype=np.uint8), 0)
    with pytest.raises(ArgumentTypeError, match="non-negative integers"):
        shuffle_codes(np.array([0.0, 1.0]), 0)
    with pytest.raises(ArgumentTypeError, match="`rng` must be a numpy Generator"):
        shuffle_codes(np.array([0, 1]), "seed")


# --------------------------------------------------------------------------- alphabet


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTacgtN", min_size=7, max_size=7), min_size=1, max_size=5))
def test_alphabet_round_trip(seqs):
    codes = strings_to_codes(seqs)
    assert codes.shape == (len(seqs), 7) and codes.dtype == np.uint8
    assert np.array_equal(codes[0], sequence_to_codes(seqs[0]))
    back = codes_to_strings(np.where(codes == INVALID_CODE, 0, codes))
    assert back == [s.upper().replace("N", "A") for s in seqs]
    onehot = codes_to_onehot(codes)
    assert np.array_equal(onehot.sum(-1) == 0, codes == INVALID_CODE)
