"""`make demo`: Integrated Gradients end to end on the bundled deepG-style model.

The model (inst/extdata/demo_model.h5, a legacy Keras 2 HDF5 checkpoint shaped like
deepG's create_model_lstm_cnn, made by inst/scripts/make_demo_model.py) tells 200 bp
random DNA with a planted 31 bp motif from DNA without. The demo explains its "motif"
output on the bundled sequences with two baselines, scores the explanations against
the planted positions, and writes tables and plots.

    python inst/scripts/demo.py --out demo-output
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd

import deepg_interpret as dg
from deepg_interpret.evaluate import score_explanations, summarise_scores
from deepg_interpret.plots import plot_logo, plot_per_locus, save_figure
from deepg_interpret.tables import write_table

EXTDATA = Path(__file__).resolve().parents[1] / "extdata"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-output")
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    meta = json.loads((EXTDATA / "demo_model.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.DeepGInterpretWarning)  # the loader is reported below
        model = dg.load_model(EXTDATA / "demo_model.h5", class_names=meta["class_names"])
    print(f"model: {model} (loaded with {model.loader})")
    truth = pd.read_csv(EXTDATA / "demo_truth.csv")
    fasta = EXTDATA / "demo_sequences.fasta"

    scores = []
    for baseline in ("zero", "dinuc_shuffle"):
        result = dg.integrated_gradients(model, fasta, target="motif", baseline=baseline,
                                         steps=args.steps, n_baselines=1 if baseline == "zero" else 5,
                                         seed=1, progress=False)
        tables = result.tables()
        for name, df in tables.items():
            write_table(df, out / f"ig_{baseline}_{name}.csv")
        write_table(tables["per_locus"], out / f"ig_{baseline}_per_locus.parquet")
        summary = tables["summary"]
        print(f"\nIG, baseline = {baseline}: F(x), F(x'), sum(IG) and completeness gap per sequence")
        print(summary[["seq_id", "f_input", "f_baseline", "ig_sum", "delta"]].round(4).to_string(index=False))
        scored = score_explanations(result, truth, method=f"ig_{baseline}")
        scores.append(scored)
        for seq_id in truth["seq_id"]:
            rows = truth[truth["seq_id"] == seq_id]
            start, end = int(rows["start"].min()), int(rows["end"].max())
            fig = plot_per_locus(tables["per_locus"], seq_id=seq_id, k=10,
                                 highlight=list(zip(rows["start"], rows["end"])),
                                 title=f"{seq_id}: IG ({baseline} baseline), planted motif shaded")
            save_figure(fig, out / f"per_locus_{baseline}_{seq_id}.png")
            fig = plot_logo(tables["attribution"], seq_id=seq_id, start=max(1, start - 5),
                            end=min(meta["maxlen"], end + 5),
                            title=f"{seq_id}: IG of the observed base around the motif ({baseline})")
            save_figure(fig, out / f"logo_{baseline}_{seq_id}.png")

    scores = pd.concat(scores, ignore_index=True)
    write_table(scores, out / "explanation_scores.csv")
    summary = summarise_scores(scores, by=("method",))
    write_table(summary, out / "explanation_scores_summary.csv")
    print("\nExplanations scored against the planted motifs (positives only):")
    print(scores.round(3).to_string(index=False))
    print(f"\nWrote tables and plots to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
