"""`make demo`: Integrated Gradients end to end on the bundled deepG-style model.

The model (inst/extdata/demo_model.h5, a legacy Keras 2 HDF5 checkpoint shaped like
deepG's create_model_lstm_cnn, made by inst/scripts/make_demo_model.py) tells 200 bp
random DNA with a planted 31 bp motif from DNA without. The demo explains its "motif"
output on the bundled sequences with two baselines, scores the explanations against
the planted positions, and writes tables and plots; then ISM, occlusion, GIA and class
optimization (named by Tomtom against JASPAR plus the planted motif) on the same model.

    python inst/scripts/demo.py --out demo-output
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd

import deepg_interpret as dg
from deepg_interpret.analysis.evaluate import score_explanations, summarise_scores
from deepg_interpret.plots import plot_logo, plot_per_locus, save_figure
from deepg_interpret.results.tables import write_table

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
    beyond_ig(model, fasta, truth, meta, out)
    print(f"\nWrote tables and plots to {out}/")
    return 0


def beyond_ig(model, fasta, truth, meta, out: Path) -> None:
    """The other methods on the same model: does each point at the planted motif?"""
    from deepg_interpret.methods import gia
    from deepg_interpret.plots import plot_gia_effects, plot_pwm

    motif = meta["motif"]["sequence"]
    first = truth[truth["seq_id"] == "pos_1"].iloc[0]
    inside = f"(planted motif at {int(first['start'])}-{int(first['end'])})"

    # ISM on the logit: probabilities saturate at 1.0 for these sequences.
    ism = dg.ism(model, fasta, target="motif", output="logit", progress=False)
    for name, df in ism.tables().items():
        write_table(df, out / f"ism_{name}.csv")
    per_locus = ism.per_locus_table()
    top = per_locus[per_locus["seq_id"] == "pos_1"].nlargest(5, "delta_l2")
    print(f"\nISM ({ism.settings['path']} path), pos_1 {inside}: positions where mutations "
          f"change the logit most: {sorted(top['position'].tolist())}")

    occ = dg.occlusion(model, fasta, target="motif", window=10, stride=5, output="logit",
                       progress=False)
    write_table(occ.to_frame(), out / "occlusion.csv")
    worst = occ.to_frame().query("seq_id == 'pos_1'").nlargest(1, "drop").iloc[0]
    print(f"Occlusion, pos_1: erasing {int(worst['start'])}-{int(worst['end'])} drops the logit "
          f"most ({worst['drop']:.2f})")

    res = gia.global_importance(model, target="motif", patterns={"planted": motif},
                                positions=[20, 100], background="dinuc_shuffle", source=fasta,
                                n_backgrounds=100, seed=1, output="logit", progress=False)
    write_table(res.global_table(), out / "gia_global.csv")
    save_figure(plot_gia_effects(res), out / "gia_effects.png")
    print("GIA, the planted motif embedded in 100 dinucleotide-shuffled backgrounds (logit):")
    print(res.global_table()[["pattern", "position", "global_importance", "ci_low",
                              "ci_high"]].round(3).to_string(index=False))

    # softmax keeps the input on the simplex: sharper windows than the poster's L2 here
    opt = dg.class_optimization(model, target="motif", restarts=8, steps=300,
                                parametrization="softmax", seed=1, progress=False)
    window = opt.best_window(12)
    write_table(opt.pwm_table(), out / "class_optimization_pwm.csv")
    save_figure(plot_pwm(window), out / "class_optimization_logo.png")
    # JASPAR's vertebrate motifs plus the planted one: where does the planted one rank?
    hits = dg.match_motifs(window, extra={"planted": motif})
    write_table(hits, out / "class_optimization_matches.csv")
    rank = int(hits.index[hits["name"] == "planted"][0]) + 1
    best = hits.iloc[rank - 1]
    print(f"Class optimization: most informative 12 bp window {window.consensus}; against "
          f"JASPAR CORE vertebrates + the planted {motif}, the planted motif ranks {rank} of "
          f"{len(hits)} (offset {int(best['offset'])}, {best['strand']} strand, "
          f"p = {best['p_value']:.2g})")


if __name__ == "__main__":
    raise SystemExit(main())
