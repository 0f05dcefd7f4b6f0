"""Tests of deepg_interpret.dna.motifs (more in test_synthetic.py, which uses them to plant)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import synthetic
from deepg_interpret.dna import motifs
from deepg_interpret.dna.motifs import MOTIF_PRESETS, Motif, make_motif, motif_entropy
from deepg_interpret.errors import ShapeError

COMPLEMENT = str.maketrans("ACGT", "TGCA")


def test_synthetic_re_exports_the_motif_api():
    for name in motifs.__all__:
        if name != "MotifSpec":
            assert getattr(synthetic, name) is getattr(motifs, name)


def test_fixed_motif_sampling_uses_no_randomness():
    rng = np.random.default_rng(0)
    copies = make_motif("TATAAT").sample(3, seed=rng)
    assert copies.tolist() == [[3, 0, 3, 0, 0, 3]] * 3
    assert rng.random() == np.random.default_rng(0).random()  # the stream did not move


def test_pwm_sampling_is_seeded_and_follows_support():
    pwm = np.array([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0.25] * 4])
    m = make_motif(pwm)
    a, b = m.sample(200, seed=4), m.sample(200, seed=4)
    assert np.array_equal(a, b) and a.dtype == np.uint8
    assert (a[:, 0] == 0).all() and np.isin(a[:, 1], [1, 2]).all()
    assert set(a[:, 2].tolist()) == {0, 1, 2, 3}


def test_matches_checks_both_strands():
    m = make_motif("TATRAT")
    assert m.matches("TATGAT") and not m.matches("TATCAT")
    assert m.matches("TATGAT".translate(COMPLEMENT)[::-1], strand="-")
    assert not m.matches("TATGA") and not m.matches("TATNAT")


def test_pwm_dataframe_columns_are_reordered_by_name():
    df = pd.DataFrame({"T": [0, 1], "G": [0, 0], "C": [1, 0], "A": [0, 0]})
    assert make_motif(df).consensus == "CT"
    with pytest.raises(ShapeError, match=r"transposed \(4, w\)"):
        make_motif(np.ones((4, 7)))


def test_describe_and_entropy_agree():
    d = make_motif("high").describe()
    assert d["width"] == len(MOTIF_PRESETS["high"]) and d["kind"] == "fixed"
    assert d["entropy_k2"] == motif_entropy("high", 2)
    assert d["information_content"] == 2.0 * d["width"]


def test_renaming_a_motif_keeps_its_matrix():
    m = make_motif("ACGT")
    renamed = make_motif(m, name="site")
    assert isinstance(renamed, Motif) and renamed.name == "site"
    assert np.array_equal(renamed.probs, m.probs)
