"""One call of every public method and table on a tiny model: the tables' schema.

This is the method coverage of the numpy 2 / pandas 3 stage (see the Makefile): each
family runs once, every table it has is built, and the column dtypes that R and the
Parquet store rely on are checked (1-based int32 positions, float64 scores,
categorical bases, string ids).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import deepg_interpret as dg
from conftest import keras_default, random_dna
from deepg_interpret.methods.registry import command_line_methods

L = 40


@pytest.fixture(scope="module")
def model():
    k = keras_default()
    k.utils.set_random_seed(0)
    return k.Sequential([k.Input((L, 4)), k.layers.Conv1D(4, 5, activation="relu"),
                         k.layers.GlobalAveragePooling1D(), k.layers.Dense(2)])


def _check(df: pd.DataFrame, where: str):
    assert isinstance(df, pd.DataFrame) and isinstance(df.index, pd.RangeIndex), where
    if "position" in df.columns and len(df):
        assert df["position"].dtype == np.int32, where
        assert df["position"].min() >= 1, where
    for name in ("score", "score_sum", "delta", "drop", "global_importance", "probability"):
        if name in df.columns:
            assert df[name].dtype in (np.float64, np.float32), f"{where}.{name}"
    for name in ("ref_base", "base", "alt_base", "max_base"):
        if name in df.columns:
            assert isinstance(df[name].dtype, pd.CategoricalDtype), f"{where}.{name}"
    if "seq_id" in df.columns and len(df):
        assert all(isinstance(v, str) for v in df["seq_id"].head()), where


@pytest.mark.parametrize("name", [s.name for s in command_line_methods()])
def test_each_registered_method(model, name):
    result = dg.run_method(name, model, random_dna(2, L, seed=1), target=1, progress=False)
    for table, df in result.tables().items():
        _check(df, f"{name}.{table}")


def test_the_other_families(model):
    """Experiments, segments and optimization, run by name through the one registry."""
    seq = random_dna(1, L, seed=2)[0]
    results = {
        "gia": dg.explain(model, method="global_importance", target=1, patterns={"m": "GATA"},
                          positions=[5], n_backgrounds=8, seed=1, progress=False),
        "kmer": dg.explain(model, method="gia_kmer_scan", target=1, k=2, position=10,
                           n_backgrounds=4, seed=1, progress=False),
        "erasure": dg.explain(model, seq, method="evolutionary_erasure", target=1,
                              segment_length=5, n_segments=2, generations=2, restarts=1,
                              n_null=4, seed=1, progress=False),
        "class_optimization": dg.explain(model, method="class_optimization", target=1,
                                         restarts=2, steps=5, seed=1, progress=False),
    }
    registry_names = {"gia": "global_importance", "kmer": "gia_kmer_scan",
                      "erasure": "evolutionary_erasure", "class_optimization": "class_optimization"}
    for family, result in results.items():
        assert isinstance(result, dg.get_method(registry_names[family]).result_type), family
    for family, result in results.items():
        for table, df in result.tables().items():
            _check(df, f"{family}.{table}")
    ism = dg.ism(model, seq, target=1, progress=False)
    _check(ism.top_table(3), "ism.top")
    with pytest.warns(dg.DeepGInterpretWarning, match="only 2 motifs"):
        hits = dg.match_motifs(results["class_optimization"].best_window(6),
                               database=None, extra={"gata": "GATAAG", "ctcf": "CCGCGG"})
    assert hits["motif_id"].tolist()[0] in ("gata", "ctcf")
    assert hits["offset"].dtype == np.int32


def test_genes_and_the_parquet_store(model, tmp_path):
    seq = random_dna(1, 4 * L, seed=3)[0]
    fasta = tmp_path / "g1.fasta"
    fasta.write_text(">ctg\n" + seq + "\n")
    gff = tmp_path / "g1.gff"
    gff.write_text("##gff-version 3\n"
                   "ctg\tt\tCDS\t5\t60\t.\t+\t0\tID=a;Name=a\n"
                   "ctg\tt\tCDS\t80\t150\t.\t-\t0\tID=b;Name=b\n")
    explained = dg.explain_genome(model, str(fasta), str(gff), target=1, method="saliency",
                                  window_step=L, progress=False)
    genes = explained.genes
    _check(genes, "genes")
    assert {"a", "b"} <= set(genes["gene_id"].astype(str))
    manifest = tmp_path / "samples.csv"
    manifest.write_text(f"sample_id,fasta\ng1,{fasta}\n")
    out = tmp_path / "run"
    model.save(tmp_path / "model.keras")
    dg.run_batch(str(manifest), str(tmp_path / "model.keras"), method="saliency", out=str(out),
                 settings={"window_step": L, "target": 1}, progress=False)
    table = dg.read_batch(str(out))
    assert table["sample_id"].astype(str).unique().tolist() == ["g1"]
    _check(table.drop(columns="sample_id"), "batch")
