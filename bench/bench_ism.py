#!/usr/bin/env python
"""Benchmark: in silico mutagenesis (ISM), naive and fast paths, on deepG-shaped CNNs.

What it measures (one run, so ratios share the machine's state):

1. **Forward throughput.** Naive ISM (every mutant through the model, built batch by
   batch) against Keras ``model.predict`` on the same mutants already in memory, with
   the batch size ISM chose: ``t_predict / t_ism`` (goal >= 0.9).
2. **Fast vs naive ISM** on deepG's ``create_model_lstm_cnn`` layout without LSTM
   (two Conv1D(12) + MaxPooling(3) + BatchNorm blocks, 32/64 filters) with a Flatten
   head and a global-average-pooling head, at 1 kb and 10 kb. Both paths mutate the
   same region in the middle of the sequence (the whole 1 kb sequence in a full run;
   a region at 10 kb: the cost per position is the same along the sequence, so
   whole-sequence times are the per-position time x length). Goal >= 5x.
3. **fastISM** (Nair et al. 2022, ``pip install fastism``), when importable from
   ``$FASTISM_PATH`` (default ``/tmp/venv-fastism``): it runs only on Keras 2
   (``TF_USE_LEGACY_KERAS=1``, tf_keras), so it gets the same architecture built with
   tf_keras, in its own process; it mutates every position to each of the 4 bases.
   Compared per mutated position.

Warm-up runs (tracing) are excluded; repeats are interleaved, medians reported.

Usage::

    python bench/bench_ism.py --quick    # < 3 minutes
    python bench/bench_ism.py            # whole 1 kb sequences, larger 10 kb regions
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402

SCRIPT = Path(__file__).resolve()
TARGET = 1
FASTISM_PATH = os.environ.get("FASTISM_PATH", "/tmp/venv-fastism")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _region(length: int, width: int) -> tuple[int, int]:
    width = min(width, length)
    start = (length - width) // 2 + 1
    return start, start + width - 1


def _time_ism(adapter, x, start, end, fast, repeats):
    from deepg_interpret import ism

    times, cpus, res = [], [], None
    for _ in range(repeats):
        wall, cpu, res = C.timed_cpu(lambda: ism(adapter, x, target=TARGET, start=start,
                                                 end=end, fast=fast, progress=False))
        times.append(wall)
        cpus.append(cpu)
    return C.median(times), C.median(cpus), res


def bench_paths(length: int, gap: bool, width: int, repeats: int, throughput: bool,
                n: int = 1) -> dict:
    """Fast and naive ISM on one model and region (+ the predict throughput check)."""
    from deepg_interpret import ism
    from deepg_interpret.model.adapter import load_model

    model, describe = C.build_model(length, gap=gap, seed=0)
    adapter = load_model(model)
    x = C.random_onehot(n, length, seed=1)
    start, end = _region(length, width)
    for fast in (True, False):  # warm-up: tracing of every compiled step
        ism(adapter, x, target=TARGET, start=start, end=start, fast=fast, progress=False)
    naive_t, naive_cpu, naive = _time_ism(adapter, x, start, end, False, repeats)
    fast_t, fast_cpu, fast = _time_ism(adapter, x, start, end, True, repeats)
    assert fast.path == "fast", fast.settings["fast_refused"]
    gap_abs = float(np.nanmax(np.abs(fast.deltas - naive.deltas)))
    scale = float(np.nanmax(np.abs(naive.deltas)))
    n_pos = end - start + 1
    row = {
        "length": length, "head": describe["head"], "region": [start, end], "positions": n_pos,
        "n_sequences": n, "mutants": 3 * n_pos * n, "naive_s": naive_t, "fast_s": fast_t,
        "naive_cpu_s": naive_cpu, "fast_cpu_s": fast_cpu,
        "speedup": naive_t / fast_t, "speedup_cpu": naive_cpu / fast_cpu,
        "naive_s_per_position": naive_t / n_pos / n, "fast_s_per_position": fast_t / n_pos / n,
        "whole_sequence_naive_s": naive_t / n_pos * length,
        "whole_sequence_fast_s": fast_t / n_pos * length,
        "max_abs_diff": gap_abs, "max_abs_delta": scale,
        "naive_batch_size": naive.settings["batch_size"],
        "fast_batch_size": fast.settings["batch_size"], "model": describe,
    }
    if throughput:
        row["throughput"] = _throughput(model, x, naive, repeats)
    return row


def _throughput(model, x, naive, repeats) -> dict:
    """``model.predict`` and the compiled forward step on the naive run's mutants,
    materialised, same batch size; repeats interleaved with ISM's (wall and CPU time)."""
    from deepg_interpret.model.adapter import load_model

    table = naive.ism_table()
    pos = table["position"].to_numpy() - 1
    base = table["alt_base"].cat.codes.to_numpy()
    mutants = np.repeat(x, len(pos), axis=0)
    mutants[np.arange(len(pos)), pos] = np.eye(4, dtype=np.float32)[base]
    batch = int(naive.settings["batch_size"])
    adapter = load_model(model)
    forward = adapter.forward

    def raw_forward():  # the compiled forward step alone, on ready-made batches
        for a in range(0, len(mutants), batch):
            forward(mutants[a:a + batch]).numpy()

    model.predict(mutants[:batch], batch_size=batch, verbose=0)  # warm-up
    raw_forward()
    runs = {"predict": [], "forward": [], "ism": []}
    for _ in range(max(repeats, 3)):
        runs["predict"].append(C.timed_cpu(
            lambda: model.predict(mutants, batch_size=batch, verbose=0))[:2])
        runs["forward"].append(C.timed_cpu(raw_forward)[:2])
        runs["ism"].append(_time_ism(adapter, x, int(pos.min()) + 1, int(pos.max()) + 1,
                                     False, 1)[:2])
    wall = {k: C.median([w for w, _ in v]) for k, v in runs.items()}
    cpu = {k: C.median([c for _, c in v]) for k, v in runs.items()}
    return {"mutants": len(pos), "batch_size": batch, "predict_s": wall["predict"],
            "forward_s": wall["forward"], "ism_s": wall["ism"],
            "ratio": wall["predict"] / wall["ism"], "ratio_forward": wall["forward"] / wall["ism"],
            "ratio_cpu": cpu["predict"] / cpu["ism"],
            "ratio_forward_cpu": cpu["forward"] / cpu["ism"]}


def fastism_worker(spec: dict) -> dict:
    """In a process with TF_USE_LEGACY_KERAS=1: fastISM on the tf_keras build of the model."""
    sys.path.insert(0, FASTISM_PATH)
    import fastism
    import tensorflow as tf

    from deepg_interpret.synthetic.reference_models import create_model_lstm_cnn

    length = spec["length"]
    model = create_model_lstm_cnn(length, gap=spec["gap"], seed=0, compile=False,
                                  backend="tf_keras", **C.MODEL_KW)
    x = tf.constant(C.random_onehot(spec["n"], length, seed=1))
    start, end = spec["region"]
    runner = fastism.FastISM(model, change_ranges=[(p - 1, p) for p in range(start, end + 1)],
                             test_correctness=False)
    bases = [np.eye(4)[i].tolist() for i in range(4)]  # fastISM compares it with 0: a list
    for b in bases:  # warm-up (tracing)
        runner(x, replace_with=b)
    wall = C.median([C.timed(lambda: [runner(x, replace_with=b) for b in bases])[0]
                     for _ in range(spec["repeats"])])
    n_pos = end - start + 1
    return {"length": length, "head": "gap" if spec["gap"] else "flatten", "seconds": wall,
            "positions": n_pos, "n_sequences": spec["n"], "mutants": 4 * n_pos * spec["n"],
            "s_per_position": wall / n_pos / spec["n"],
            "fastism": getattr(fastism, "__version__", "0.5.x")}


def bench_fastism(length: int, gap: bool, n: int, width: int, repeats: int) -> dict:
    if not Path(FASTISM_PATH, "fastism").is_dir():
        return {"error": f"fastism not found under {FASTISM_PATH}"}
    spec = {"length": length, "gap": gap, "repeats": repeats, "n": n,
            "region": list(_region(length, width))}
    old = {k: os.environ.get(k) for k in ("TF_USE_LEGACY_KERAS", "PYTHONPATH")}
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    try:
        result = C.run_worker(SCRIPT, spec, timeout=600)
    except Exception as exc:  # noqa: BLE001 - the peer is optional
        result = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if "error" in result:
        return result
    result["ours"] = bench_paths(length, gap, width, repeats, throughput=False, n=n)
    return result


def render(doc: dict) -> str:
    lines = ["| model | length | region | naive s | fast s | speedup (wall / CPU) | "
             "fast s/position | max abs diff |", "|---|---|---|---|---|---|---|---|"]
    for r in doc["paths"]:
        lines.append(
            f"| CNN + {r['head']} | {r['length']} | {r['positions']} positions | "
            f"{r['naive_s']:.2f} | {r['fast_s']:.3f} | {r['speedup']:.1f}x / "
            f"{r['speedup_cpu']:.1f}x | {r['fast_s_per_position'] * 1e3:.2f} ms | "
            f"{r['max_abs_diff']:.1e} |")
    t = doc["paths"][0].get("throughput")
    if t:
        lines += ["", f"Naive ISM forward throughput on {t['mutants']} mutants (batch "
                  f"{t['batch_size']}) / `model.predict` on the same mutants in memory: "
                  f"**{t['ratio']:.2f}** ({t['ism_s']:.2f} s vs {t['predict_s']:.2f} s); / the "
                  f"compiled forward step alone: **{t['ratio_forward']:.2f}** "
                  f"({t['forward_s']:.2f} s); CPU-time ratios {t['ratio_cpu']:.2f} / "
                  f"{t['ratio_forward_cpu']:.2f}"]
    for f in doc.get("fastism", []):
        if "error" in f:
            lines.append(f"\nfastISM: not run ({f['error'][:200]})")
            continue
        ours = f["ours"]
        lines.append(
            f"\nfastISM {f.get('fastism')} (tf_keras build), CNN + {f['head']} at {f['length']} "
            f"bp, {f['n_sequences']} sequences x {f['positions']} positions: fastISM "
            f"{f['seconds']:.2f} s (4 bases each), ours fast {ours['fast_s']:.3f} s, ours naive "
            f"{ours['naive_s']:.2f} s: ours fast is "
            f"{f['s_per_position'] / ours['fast_s_per_position']:.0f}x faster than fastISM, "
            f"ours naive {f['s_per_position'] / ours['naive_s_per_position']:.1f}x")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small regions, one repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip-fastism", action="store_true")
    parser.add_argument("--out-dir", type=Path, default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print("RESULT " + json.dumps(fastism_worker(spec)), flush=True)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    repeats = args.repeats or (1 if args.quick else 3)
    widths = {1000: 300, 10000: 150} if args.quick else {1000: 1000, 10000: 400}
    paths = []
    for length in (1000, 10000):
        for gap in (False, True):
            log(f"ISM {length} bp, {'gap' if gap else 'flatten'} head ...")
            paths.append(bench_paths(length, gap, widths[length], repeats,
                                     throughput=(length == 1000 and not gap)))
    fast_peer = []
    if not args.skip_fastism:
        for gap in (False,) if args.quick else (False, True):
            log(f"fastISM 1000 bp, {'gap' if gap else 'flatten'} head ...")
            fast_peer.append(bench_fastism(1000, gap, 8, 40 if args.quick else 100, repeats))
    doc = {
        "benchmark": "ism", "quick": args.quick, "repeats": repeats,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": C.machine_info(), "versions": C.versions(),
        "paths": paths, "fastism": fast_peer,
    }
    out_dir = args.out_dir or (Path(tempfile.mkdtemp(prefix="bench_ism_quick_"))
                               if args.quick else C.RESULTS_DIR)
    text = render(doc)
    C.atomic_write(out_dir / "ism.json", json.dumps(doc, indent=2, default=float) + "\n")
    C.atomic_write(out_dir / "ism.md", text)
    print(text)
    log(f"wrote {out_dir / 'ism.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
