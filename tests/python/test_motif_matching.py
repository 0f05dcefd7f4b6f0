"""Motif matching (Tomtom through memelite) against JASPAR, MEME files and extra motifs.

Ground truth: JASPAR consensus sequences must find their own JASPAR motif, on the
reverse strand too; a motif embedded with a known shift must report that offset; a
MEME file written here must be read back motif by motif.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from deepg_interpret import match_motifs
from deepg_interpret.core.decisions import relative_keys
from deepg_interpret.core.summaries import benjamini_hochberg
from deepg_interpret.errors import DeepGInterpretWarning, InputError
from deepg_interpret.io.motif_databases import motifs_from_mapping, read_jaspar, read_meme

CTCF = "GCCACCAGGGGGCGC"  # JASPAR MA0139.2


def revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def onehot_pwm(seq: str, sharp: float = 0.9) -> np.ndarray:
    pwm = np.full((len(seq), 4), (1 - sharp) / 3)
    pwm[np.arange(len(seq)), ["ACGT".index(b) for b in seq]] = sharp
    return pwm


@pytest.fixture(scope="module")
def ctcf_hits():
    return match_motifs(onehot_pwm(CTCF), extra={"planted": CTCF})


def test_jaspar_finds_ctcf_with_the_schema(ctcf_hits):
    assert list(ctcf_hits.columns[:7]) == ["motif_id", "name", "offset", "strand", "score",
                                           "p_value", "q_value"]
    assert ctcf_hits["offset"].dtype == np.int32
    # Best first, on p to 4 significant digits: closer p-values tie (float noise must not
    # reorder them) and go by score.
    assert pd.Series(relative_keys(ctcf_hits["p_value"].to_numpy())).is_monotonic_increasing
    top = ctcf_hits.iloc[0]
    assert top["name"] == "planted" and top["strand"] == "+" and top["offset"] == 0
    jaspar = ctcf_hits[ctcf_hits["source"] != "extra"].iloc[0]
    assert jaspar["name"] == "CTCF" and jaspar["motif_id"].startswith("MA0139")
    assert len(ctcf_hits) == len(read_jaspar()) + 1  # one row per motif
    assert ctcf_hits.attrs["release"].startswith("JASPAR")


def test_reverse_strand_and_offset():
    hits = match_motifs(onehot_pwm("TT" + revcomp(CTCF)), extra={"planted": CTCF})
    top = hits.iloc[0]
    assert top["name"] == "planted" and top["strand"] == "-"
    assert top["offset"] == -2  # the motif starts at the query's third base
    assert hits[hits["source"] != "extra"]["name"].iloc[0] == "CTCF"


def test_gata_core_finds_gata_factors():
    hits = match_motifs("AGATAAGA", top=5)
    assert len(hits) == 5
    assert hits["name"].str.upper().str.contains("GATA").sum() >= 2


def test_q_values_are_benjamini_hochberg(ctcf_hits):
    p = ctcf_hits["p_value"].to_numpy()
    n = len(p)
    naive = [min(1.0, min(p[j] * n / (j + 1) for j in range(i, n))) for i in range(n)]
    np.testing.assert_allclose(ctcf_hits["q_value"], naive)  # p is sorted already
    assert benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist() == [0.03, 0.04, 0.04]


def test_meme_file(tmp_path):
    rng = np.random.default_rng(0)
    motifs = {f"R{i}": rng.dirichlet(np.ones(4) * 0.5, size=10) for i in range(30)}
    motifs["GATA"] = onehot_pwm("AGATAAGA", 0.97)
    lines = ["MEME version 4", "", "ALPHABET= ACGT", "", "strands: + -", ""]
    for i, (name, pwm) in enumerate(motifs.items()):
        lines += [f"MOTIF id{i}\t{name}", "",
                  f"letter-probability matrix: alength= 4 w= {len(pwm)} nsites= 20 E= 0"]
        lines += [" ".join(f"{v:.6f}" for v in row) for row in pwm] + [""]
    path = tmp_path / "motifs.meme"
    path.write_text("\n".join(lines))
    collection = read_meme(path)
    assert collection.ids[:2] == ("id0", "id1") and collection.names[-1] == "GATA"
    np.testing.assert_allclose(collection.pwms[3], motifs["R3"], atol=1e-6)
    hits = match_motifs("AGATAAGA", database=str(path))
    assert hits["name"].iloc[0] == "GATA" and hits["motif_id"].iloc[0] == "id30"


def test_query_forms_agree(ctcf_hits):
    table = pd.DataFrame({"position": np.repeat(np.arange(1, 16), 4),
                          "base": list("ACGT") * 15,
                          "probability": onehot_pwm(CTCF).reshape(-1)})
    from_table = match_motifs(table, extra={"planted": CTCF})
    pd.testing.assert_frame_equal(from_table.drop(columns="score"),
                                  ctcf_hits.drop(columns="score"), check_like=True)


def test_few_motifs_warn():
    with pytest.warns(DeepGInterpretWarning, match="rough"):
        hits = match_motifs("AGATAAGA", database=None,
                            extra={"gata": "AGATAAGA", "ctcf": CTCF, "tata": "TATAAA"})
    assert hits["name"].iloc[0] == "gata"


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="unknown"):
        match_motifs("ACGT", database="jasper")
    bad = onehot_pwm("ACGT")
    bad[1] *= 2
    with pytest.raises(InputError, match="rows do not sum to one"):
        match_motifs(bad)
    with pytest.raises(InputError, match="4 columns"):
        match_motifs(np.ones((4, 3)) / 3)
    with pytest.raises(InputError, match="nothing to compare"):
        match_motifs("ACGT", database=None)
    with pytest.raises(InputError, match="several restarts"):
        match_motifs(pd.DataFrame({"restart": [1, 2], "position": [1, 1], "base": ["A", "A"],
                                   "probability": [1.0, 1.0]}))
    with pytest.raises(InputError, match="release"):
        match_motifs("ACGT", release="JASPAR1999")
    with pytest.raises(InputError, match="tax_group"):
        match_motifs("ACGT", tax_group="mammals")
    empty = tmp_path / "empty.meme"
    empty.write_text("MEME version 4\n")
    with pytest.raises(InputError, match="no motifs"):
        match_motifs("ACGT", database=str(empty))
    with pytest.raises(InputError, match="rows do not sum to one"):
        motifs_from_mapping({"x": bad})


def test_plot_pwm():
    from deepg_interpret.plots import plot_pwm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = plot_pwm(onehot_pwm(CTCF))
        prob = plot_pwm(onehot_pwm("ACGT"), kind="probability", title="x")
    assert fig.axes[0].get_ylabel() == "bits"
    assert prob.axes[0].get_title() == "x" and prob.axes[0].get_ylim() == (0.0, 1.0)
    with pytest.raises(InputError, match="kind"):
        plot_pwm(onehot_pwm("ACGT"), kind="height")
