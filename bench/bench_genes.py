#!/usr/bin/env python
"""Benchmark: whole genome -> gene table (``explain_genome``) and gene aggregation alone.

1. **End to end**: FASTA + GFF3 + a deepG-shaped gap CNN (conv(32, k12) > pool 3 >
   BN > conv(64, k12) > BN > pool 3 > global average pooling > Dense(2, softmax)),
   Integrated Gradients with 50 steps (51 points), zero baseline, target 1, then the
   gene table (one row per gene and per non-coding gap). Two layouts: the model with an
   open length (``maxlen = None``, one pass over the whole genome) and a 10 kb model
   scored window by window (``window_step = 10,000``, deepG's way). Each configuration
   runs in a fresh interpreter: wall time of ``explain_genome`` (reading the files, IG,
   stitching, aggregation), its IG and aggregation parts, peak RSS (``VmHWM``) and the
   RSS after importing TensorFlow and building the model. The genome is random iid DNA
   with one gene per kb (300-1,500 bp, random strands): attribution cost does not
   depend on the letters.
2. **Aggregation alone** (:func:`gene_scores` on a ready per-locus table): 1k, 10k and
   100k genes on 0.1, 1 and 10 Mbp, median of repeats, to show it scales linearly.

``--quick`` scores a 200 kb genome and projects IG to 1 Mbp linearly in length (IG
work is linear in length for a conv net; the projection is labelled as such);
the full run scores 1 Mbp.

Usage::

    python bench/bench_genes.py --quick     # < 3 min on 2 shared cores
    python bench/bench_genes.py             # 1 Mbp, both layouts
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

SCRIPT = Path(__file__).resolve()
STEPS = 50
WINDOW = 10_000


def write_genome(folder: Path, length: int, seed: int = 0) -> tuple[Path, Path, int]:
    """Random genome FASTA and a GFF3 with one gene per kb; returns paths and gene count."""
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(list("ACGT"), length))
    fasta = folder / "genome.fasta"
    fasta.write_text(">chr\n" + "\n".join(seq[i:i + 80] for i in range(0, length, 80)) + "\n")
    n_genes = length // 1_000
    starts = np.arange(n_genes) * 1_000 + 1 + rng.integers(0, 200, n_genes)
    ends = np.minimum(starts + rng.integers(300, 1_500, n_genes), length)
    strands = rng.choice(["+", "-"], n_genes)
    lines = ["##gff-version 3", f"##sequence-region chr 1 {length}"]
    lines += [f"chr\tbench\tCDS\t{s}\t{e}\t.\t{st}\t0\tID=g{i};product=protein {i}"
              for i, (s, e, st) in enumerate(zip(starts, ends, strands))]
    gff = folder / "genome.gff"
    gff.write_text("\n".join(lines) + "\n")
    return fasta, gff, n_genes


def worker(spec: dict) -> dict:
    """One end-to-end configuration in this (fresh) process."""
    import deepg_interpret as dgi
    from deepg_interpret.methods.genes import gene_scores

    folder = Path(tempfile.mkdtemp(prefix="bench_genes_"))
    fasta, gff, n_genes = write_genome(folder, spec["length"])
    model, describe = C.build_model(spec["maxlen"], gap=True)
    base = C.proc_status()["VmRSS"]
    window_step = WINDOW if spec["maxlen"] else None
    # Warm-up on a short stretch (tracing excluded from the timed run).
    short = {"chr": "ACGT" * ((spec["maxlen"] or 4_000) // 4)}
    dgi.integrated_gradients(model, short, target=1, steps=STEPS, progress=False)
    wall, cpu, run = C.timed_cpu(lambda: dgi.explain_genome(
        model, fasta, gff, target=1, steps=STEPS, window_step=window_step, progress=False))
    agg, _ = C.timed(lambda: gene_scores(run.per_locus, gff, sequence_lengths={
        "chr": spec["length"]}))
    status = C.proc_status()
    return {
        "length": spec["length"], "maxlen": spec["maxlen"], "window_step": window_step,
        "n_genes": n_genes, "n_rows": len(run.genes), "model": describe,
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "aggregation_s": round(agg, 3),
        "batch_size": run.settings.get("batch_size"),
        "peak_rss_bytes": status["VmHWM"], "base_rss_bytes": base,
    }


def aggregation_scaling(repeats: int) -> list[dict]:
    import pandas as pd

    from deepg_interpret.methods.genes import gene_scores

    rows = []
    for n_genes in (1_000, 10_000, 100_000):
        length = n_genes * 100
        rng = np.random.default_rng(n_genes)
        loci = pd.DataFrame({"seq_id": "chr", "position": np.arange(1, length + 1),
                             "score_sum": rng.normal(size=length)})
        starts = np.sort(rng.choice(length - 2_000, n_genes, replace=False)) + 1
        ann = pd.DataFrame({"seq_id": "chr", "start": starts,
                            "end": starts + rng.integers(50, 1_500, n_genes),
                            "strand": rng.choice(["+", "-"], n_genes)})
        gene_scores(loci, ann)  # warm-up: imports
        runs = [C.timed_cpu(lambda loci=loci, ann=ann: gene_scores(loci, ann))[:2]
                for _ in range(repeats)]
        rows.append({"n_genes": n_genes, "length": length,
                     "median_s": C.median([r[0] for r in runs]),
                     "median_cpu_s": C.median([r[1] for r in runs]), "repeats": repeats})
    return rows


def table(doc: dict) -> str:
    mib = 2 ** 20
    m = doc["machine"]
    out = ["### Genes benchmark (`bench/bench_genes.py`" + (" --quick)" if doc["quick"] else ")"),
           "", f"Machine: {m.get('cpu_model', '?')}, {m.get('nproc', '?')} cores, shared (load "
           f"{m.get('loadavg_1_5_15')} at start). IG {STEPS} steps, zero baseline, gap CNN; one "
           "gene per kb. CPU time sums the process's threads (steadier than wall time when "
           "other jobs share the cores).", "",
           "| genome (bp) | layout | genes | table rows | wall (s) | CPU (s) | aggregation (s) | "
           "peak RSS (MiB) | base RSS (MiB) | 1 Mbp wall / CPU (s) |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in doc["end_to_end"]:
        if "error" in r:
            out.append(f"| {r.get('length', '?')} | error | {r['error'][:80]} |||||||")
            continue
        layout = "maxlen None, one pass" if r["maxlen"] is None else f"windows of {r['maxlen']:,}"
        scale = 1_000_000 / r["length"]
        note = "" if r["length"] == 1_000_000 else " (projected)"
        out.append(f"| {r['length']:,} | {layout} | {r['n_genes']:,} | {r['n_rows']:,} | "
                   f"{r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['aggregation_s']:.2f} | "
                   f"{r['peak_rss_bytes'] / mib:,.0f} | {r['base_rss_bytes'] / mib:,.0f} | "
                   f"{r['wall_s'] * scale:.0f} / {r['cpu_s'] * scale:.0f}{note} |")
    out += ["", "| genes | genome (bp) | gene_scores wall (s) | CPU (s) | CPU per Mbp (s) |",
            "|---:|---:|---:|---:|---:|"]
    out += [f"| {r['n_genes']:,} | {r['length']:,} | {r['median_s']:.3f} | "
            f"{r['median_cpu_s']:.3f} | {r['median_cpu_s'] * 1e6 / r['length']:.3f} |"
            for r in doc["aggregation"]]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 kb genome, projected to 1 Mbp")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))), flush=True)
        return 0
    length = 200_000 if args.quick else 1_000_000
    configs = [{"length": length, "maxlen": None}, {"length": length, "maxlen": WINDOW}]
    end_to_end = []
    for spec in configs:
        print(f"end to end: {spec}", flush=True)
        end_to_end.append(C.run_worker(SCRIPT, spec, timeout=1_800))
    print("aggregation scaling", flush=True)
    doc = {"benchmark": "genes", "quick": args.quick,
           "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": C.machine_info(), "versions": C.versions(), "steps": STEPS,
           "end_to_end": end_to_end, "aggregation": aggregation_scaling(args.repeats)}
    name = "genes_quick" if args.quick else "genes"
    C.atomic_write(C.RESULTS_DIR / f"{name}.json", json.dumps(doc, indent=2, default=float) + "\n")
    text = table(doc)
    C.atomic_write(C.RESULTS_DIR / f"{name}.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
