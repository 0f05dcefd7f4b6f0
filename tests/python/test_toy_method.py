"""A method added as docs/architecture.md says: one module, one registry entry.

The toy (tests/testthat/toy_method.py, shared with the R test) is registered at run
time and must then work from ``dg.explain(method=...)``, from the CLI (a sub-command
and ``run --method``, flags and choices read from its entry) and from R
(tests/testthat/test-toy-method.R). On a linear model its answer is known exactly:
``weight * w[position, observed base]``, within float32 rounding (1e-6 relative).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import deepg_interpret as dg
from deepg_interpret.cli import main

TOY_PATH = Path(__file__).resolve().parents[1] / "testthat" / "toy_method.py"
L = 12
SEQS = {"s1": "ACGTACGTACGT", "s2": "TTGACCATGCAA"}


def _load_toy():
    spec = importlib.util.spec_from_file_location("toy_method", TOY_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def toy():
    module = _load_toy()
    module.register()
    yield module
    module.unregister()


@pytest.fixture(scope="module")
def linear():
    import keras

    rng = np.random.default_rng(3)
    w = rng.normal(size=(L, 4)).astype("float32")
    model = keras.Sequential([keras.Input((L, 4)), keras.layers.Flatten(),
                              keras.layers.Dense(1, use_bias=True)])
    model.layers[-1].set_weights([w.reshape(-1, 1), np.array([0.5], dtype="float32")])
    return model, w


def _expected(w, weight, letters="all"):
    rows = []
    for seq_id, seq in SEQS.items():
        for i, base in enumerate(seq):
            keep = letters in ("all", base)
            rows.append((seq_id, i + 1, weight * w[i, "ACGT".index(base)] if keep else 0.0))
    return pd.DataFrame(rows, columns=["seq_id", "position", "expected"])


def test_the_toy_is_in_the_registry_with_its_kind_and_options(toy):
    spec = dg.get_method("toy_scaled_gxi")
    assert spec.kind == "per_base" and spec.on_command_line
    assert spec.choices == {"letters": toy.LETTERS}
    assert spec.tables == ("attribution", "per_locus", "summary")
    toy.unregister()
    assert "toy_scaled_gxi" not in dg.method_names()
    with pytest.raises(dg.InputError, match="not registered"):
        dg.explain(None, None, method="toy_scaled_gxi")
    toy.register()


def test_explain_runs_the_toy_with_the_known_answer(toy, linear):
    model, w = linear
    res = dg.explain(model, SEQS, method="toy_scaled_gxi", target=0, weight=2.0, letters="G")
    got = res.per_locus_table().merge(_expected(w, 2.0, "G"), on=["seq_id", "position"])
    assert len(got) == 2 * L
    scale = float(np.abs(got["expected"]).max())
    np.testing.assert_allclose(got["score_ref"], got["expected"], atol=1e-6 * scale)
    assert (got.loc[got["expected"] == 0, "score_sum"] == 0).all()
    with pytest.raises(dg.ArgumentTypeError, match="weight"):
        dg.explain(model, SEQS, method="toy_scaled_gxi", target=0, wieght=2.0)
    with pytest.raises(dg.InputError, match="takes 2 input"):
        dg.explain(model, method="toy_scaled_gxi", target=0)


def _fasta(tmp_path):
    path = tmp_path / "seqs.fa"
    path.write_text("".join(f">{k}\n{v}\n" for k, v in SEQS.items()))
    return path


def test_the_cli_offers_the_toy_as_a_command_with_its_flags(toy, linear, tmp_path, capsys):
    model, w = linear
    model_path = tmp_path / "linear.keras"
    model.save(model_path)
    assert main(["methods"]) == 0
    assert "toy-scaled-gxi" in capsys.readouterr().out
    out = tmp_path / "toy.csv"
    assert main(["toy-scaled-gxi", "--model", str(model_path), "--fasta", str(_fasta(tmp_path)),
                 "--target", "0", "--weight", "3", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out.with_name("toy.per_locus.csv"))
    got = table.merge(_expected(w, 3.0), on=["seq_id", "position"])
    np.testing.assert_allclose(got["score_ref"], got["expected"],
                               atol=1e-6 * float(np.abs(got["expected"]).max()))
    with pytest.raises(SystemExit) as stop:  # the choices come from the entry
        main(["toy-scaled-gxi", "--model", str(model_path), "--fasta", "x.fa", "--target", "0",
              "--letters", "N", "--out", str(tmp_path / "bad.csv")])
    assert stop.value.code == 2
    assert "invalid choice: 'N'" in capsys.readouterr().err


def test_a_batch_run_takes_the_toy_by_name(toy, linear, tmp_path):
    model, w = linear
    model_path = tmp_path / "linear.keras"
    model.save(model_path)
    fasta = _fasta(tmp_path)
    manifest = tmp_path / "genomes.csv"
    manifest.write_text(f"sample_id,fasta\ng1,{fasta}\n")
    out = tmp_path / "run"
    assert main(["run", "--manifest", str(manifest), "--model", str(model_path),
                 "--method", "toy-scaled-gxi", "--target", "0", "--weight", "2",
                 "--tables", "per_locus", "--out", str(out), "--quiet"]) == 0
    table = dg.read_batch(out, "per_locus")
    got = table.merge(_expected(w, 2.0), on=["seq_id", "position"])
    assert len(got) == 2 * L
    np.testing.assert_allclose(got["score_ref"], got["expected"],
                               atol=1e-6 * float(np.abs(got["expected"]).max()))


def test_methods_that_do_not_take_sequences_are_refused_by_batch_runs(tmp_path):
    from deepg_interpret.batch.job import resolve_method

    with pytest.raises(dg.InputError, match="does not run over a manifest"):
        resolve_method("class_optimization")
