#!/usr/bin/env python
"""Benchmark: Global Importance Analysis throughput and the k-mer scan's cost.

What it measures (one run, so the ratios share the machine's state):

1. **GIA forward throughput / raw batched model.predict throughput** on the same
   inputs: ``global_importance`` with one pattern at ``P`` positions on ``n``
   backgrounds (``P x n`` embedded sequences plus the ``n`` backgrounds, built batch by
   batch inside ``run_batched``) against ``keras_model.predict`` on the very same
   ``P x n + n`` sequences built beforehand, with the batch size GIA chose. Both are
   warmed up (tracing excluded); repeats interleaved; median wall time. Goal >= 0.9.
   Also against the engine's own compiled forward (``core.batching.predict``) on the
   prebuilt inputs, the stricter baseline: Keras' ``predict`` has per-call overhead.
2. **k-mer scan**, k = 6 (4,096 candidates), maxlen 600, deepG-like CNN
   (``reference_models.create_model_lstm_cnn``, Flatten head), in a fresh interpreter:
   wall time and peak RSS. ``--quick`` uses 10 backgrounds instead of 100 and reports
   the projection to 100 (the work is 4,096 x n forward passes, linear in n; the
   outputs kept are 4,096 x n float64, 3.3 MB at n = 100).

Usage::

    python bench/bench_gia.py --quick     # < 3 min on 2 cores
    python bench/bench_gia.py             # k-mer scan with 100 backgrounds (~7 min on 2 cores)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

SCRIPT = Path(__file__).resolve()
MAXLEN = 600
TARGET = 1
MOTIF = "TGCATGCATG"


def _throughput(spec: dict) -> dict:
    import numpy as np

    from deepg_interpret.core.batching import predict
    from deepg_interpret.methods import gia
    from deepg_interpret.model.adapter import load_model

    model, describe = C.build_model(MAXLEN, gap=False)
    adapter = load_model(model)
    n, positions = spec["n_backgrounds"], list(range(1, MAXLEN - len(MOTIF), spec["stride"]))
    kw = dict(target=TARGET, patterns=MOTIF, positions=positions, n_backgrounds=n, seed=0,
              progress=False)
    res = gia.global_importance(adapter, **kw)  # warm-up (tracing, item_bytes)
    batch = res.settings["batch_size"]
    bg, _ = gia.make_backgrounds("iid", n=n, length=MAXLEN,
                                 seed=np.random.SeedSequence(0).spawn(2)[0])
    emb = np.repeat(bg[None], len(positions), axis=0)
    hot = np.eye(4, dtype=np.float32)[["ACGT".index(c) for c in MOTIF]]
    for i, p in enumerate(positions):
        emb[i, :, p - 1:p - 1 + len(MOTIF)] = hot
    x = np.concatenate([bg, emb.reshape(-1, MAXLEN, 4)])
    raw = model.predict(x, batch_size=batch, verbose=0)[:, TARGET]  # warm-up
    ours = np.concatenate([res.f_background, res.f_embedded.reshape(-1)])
    max_diff = float(np.abs(raw - ours).max())  # same numbers, or the ratio means nothing
    predict(adapter, x, batch_size=batch)  # warm-up
    t_gia, t_raw, t_fwd = [], [], []
    for _ in range(spec["repeats"]):
        t_gia.append(C.timed(lambda: gia.global_importance(adapter, **kw))[0])
        t_raw.append(C.timed(lambda: model.predict(x, batch_size=batch, verbose=0))[0])
        t_fwd.append(C.timed(lambda: predict(adapter, x, batch_size=batch))[0])
    items = x.shape[0]
    return {"model": describe, "n_backgrounds": n, "n_positions": len(positions),
            "items": items, "batch_size": batch, "gia_s": C.median(t_gia),
            "predict_s": C.median(t_raw), "gia_items_per_s": items / C.median(t_gia),
            "predict_items_per_s": items / C.median(t_raw),
            "ratio": C.median(t_raw) / C.median(t_gia), "max_abs_diff": max_diff,
            "compiled_forward_s": C.median(t_fwd),
            "compiled_forward_items_per_s": items / C.median(t_fwd),
            "ratio_vs_compiled_forward": C.median(t_fwd) / C.median(t_gia),
            "versions": C.versions()}


def _kmer(spec: dict) -> dict:
    from deepg_interpret.methods import gia
    from deepg_interpret.model.adapter import load_model

    model, describe = C.build_model(MAXLEN, gap=False)
    adapter = load_model(model)
    gia.kmer_scan(adapter, target=TARGET, k=2, position=300, n_backgrounds=2, seed=0,
                  progress=False)  # warm-up: tracing and the memory estimate
    before = C.proc_status()
    wall, cpu, res = C.timed_cpu(lambda: gia.kmer_scan(
        adapter, target=TARGET, k=spec["k"], position=300, n_backgrounds=spec["n_backgrounds"],
        seed=0, progress=False))
    after = C.proc_status()
    top = res.top_table(3)
    return {"model": describe, "k": spec["k"], "n_backgrounds": spec["n_backgrounds"],
            "items": 4 ** spec["k"] * spec["n_backgrounds"], "wall_s": wall, "cpu_s": cpu,
            "rss_before_bytes": before.get("VmRSS"), "peak_rss_bytes": after.get("VmHWM"),
            "batch_size": res.settings["batch_size"], "top3": top["pattern"].tolist()}


def _worker(spec: dict) -> dict:
    return _kmer(spec) if spec["kind"] == "kmer" else _throughput(spec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 backgrounds for the k-mer scan")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--out-dir", type=Path, default=SCRIPT.parent / "results")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(_worker(json.loads(args.worker)), default=float), flush=True)
        return 0
    repeats = args.repeats or (3 if args.quick else 5)
    n_kmer = 10 if args.quick else 100
    thr = C.run_worker(SCRIPT, {"kind": "throughput", "n_backgrounds": 100 if args.quick else 200,
                                "stride": 60, "repeats": repeats})
    kmer = C.run_worker(SCRIPT, {"kind": "kmer", "k": 6, "n_backgrounds": n_kmer}, timeout=1800)
    doc = {"benchmark": "gia", "date": _dt.datetime.now(_dt.timezone.utc).isoformat(),
           "quick": args.quick, "machine": C.machine_info(), "throughput": thr, "kmer_scan": kmer}
    if "wall_s" in kmer:
        kmer["projected_wall_s_100_backgrounds"] = kmer["wall_s"] * 100 / n_kmer
    rows = []
    if "ratio" in thr:
        rows += [
            ("GIA forward throughput (items/s)", f"{thr['gia_items_per_s']:.0f}"),
            ("raw model.predict throughput (items/s)", f"{thr['predict_items_per_s']:.0f}"),
            ("ratio GIA / predict (goal >= 0.9)", f"{thr['ratio']:.2f}"),
            ("raw compiled forward, prebuilt inputs (items/s)",
             f"{thr['compiled_forward_items_per_s']:.0f}"),
            ("ratio GIA / compiled forward", f"{thr['ratio_vs_compiled_forward']:.2f}"),
            ("same outputs (max abs diff)", f"{thr['max_abs_diff']:.1e}"),
        ]
    else:
        rows.append(("throughput", thr.get("error", "?")))
    if "wall_s" in kmer:
        rows += [
            (f"k-mer scan k=6, {n_kmer} backgrounds, maxlen 600: wall", f"{kmer['wall_s']:.1f} s"),
            ("  peak RSS of the process", f"{kmer['peak_rss_bytes'] / 2 ** 20:.0f} MiB"),
            ("  RSS before the scan (TF + model)", f"{kmer['rss_before_bytes'] / 2 ** 20:.0f} MiB"),
            ("  projected wall for 100 backgrounds",
             f"{kmer['projected_wall_s_100_backgrounds']:.0f} s"),
        ]
    else:
        rows.append(("k-mer scan", kmer.get("error", "?")))
    width = max(len(r[0]) for r in rows)
    table = "\n".join(f"| {a:<{width}} | {b} |" for a, b in rows)
    print(table)
    C.atomic_write(args.out_dir / "gia.json", json.dumps(doc, indent=2, default=float) + "\n")
    print(f"wrote {args.out_dir / 'gia.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
