#!/usr/bin/env python
"""Benchmark: evolutionary erasure on a 1 Mbp deepG-like gap CNN (maxlen None).

What it measures (in one run, each configuration in its own interpreter):

1. **Fitness throughput vs raw forward.** Erased copies per second through
   ``ErasureEvaluator.outputs`` (builds each batch's copies in the batch callback,
   then ``adapter.forward``), divided by ``adapter.forward`` alone on a ready
   batch of the same size and input length (copies built beforehand, not timed).
   Repeats interleaved, medians. Goal >= 0.9. Then the same individuals through
   the global-average-pooling fast path (only trunk regions touched by segments
   recomputed, ``methods/erasure_gap.py``): throughput, gain, and the largest
   difference of its outputs from the full passes.
2. **One run** of ``evolutionary_erasure`` with population 32, 100 segments of
   1 kb (10% budget) on 1 Mbp: wall time, peak RSS, evaluations. The full setting
   is 50 generations and a null of 100; ``--quick`` runs fewer generations and a
   small null and projects the full time from the measured time per evaluation
   (evaluations of a full run: 32 + 50 * (32 - elites), fewer when the cache of
   already seen segment sets hits; the projection uses the upper bound).

The model is ``bench/_common.build_model(None, gap=True)``: deepG's
``create_model_lstm_cnn`` layout (Conv1D 32/64, kernel 12, max pooling 3, batch
norm, global average pooling, Dense softmax) with ``maxlen = None``.

Usage::

    python bench/bench_erasure.py --quick    # < 3 min on 2 cores
    python bench/bench_erasure.py            # full run (about 50 generations)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

SCRIPT = Path(__file__).resolve()
LENGTH = 1_000_000
SEGMENT = 1_000
N_SEGMENTS = 100
POPULATION = 32
GENERATIONS = 50
N_NULL = 100
TARGET = 1


def _setup(spec):
    import numpy as np

    import deepg_interpret as dgi

    model, describe = C.build_model(None, gap=True, seed=0)
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, spec["length"])][None]
    return dgi, dgi.load_model(model), x, describe


def worker_ratio(spec):
    """Erased-copy evaluation vs raw forward on ready batches of the same size."""
    import numpy as np
    import tensorflow as tf

    from deepg_interpret.methods.erasure import ErasureEvaluator
    from deepg_interpret.methods.erasure_search import SegmentSpace

    dgi, adapter, x, describe = _setup(spec)
    space = SegmentSpace(spec["length"], SEGMENT, N_SEGMENTS, grid=True)
    ev = ErasureEvaluator(adapter, x, TARGET, space, 0.0, batch_size=spec["batch"], fast=False)
    fast = ErasureEvaluator(adapter, x, TARGET, space, 0.0, batch_size=spec["fast_batch"])
    rng = np.random.default_rng(1)
    n_items = spec["batch"] * spec["batches"]
    individuals = space.random(rng, n_items)
    ready = np.repeat(x, spec["batch"], axis=0)
    for s in space.starts(individuals[0]):
        ready[:, s:s + SEGMENT] = 0.0
    ready_t = tf.constant(ready)
    forward = adapter.forward

    def raw():
        for _ in range(spec["batches"]):
            forward(ready_t).numpy()

    def fitness():
        return ev.outputs(individuals)

    def fitness_fast():
        return fast.outputs(individuals)

    raw()
    full_out = fitness()  # warm-up: tracing, allocator
    fast_out = fitness_fast()
    t_raw, t_fit, t_fast = [], [], []
    cpu = {"raw": [], "fit": [], "fast": []}
    runs = {"raw": (raw, t_raw), "fit": (fitness, t_fit), "fast": (fitness_fast, t_fast)}
    for r in range(spec["repeats"]):
        for which in ("raw", "fit", "fast") if r % 2 == 0 else ("fast", "fit", "raw"):
            wall, cpu_s, _ = C.timed_cpu(runs[which][0])
            runs[which][1].append(wall)
            cpu[which].append(cpu_s)
    raw_rate = n_items / C.median(t_raw)
    fit_rate = n_items / C.median(t_fit)
    fast_rate = n_items / C.median(t_fast)
    return {"length": spec["length"], "batch": spec["batch"], "items": n_items,
            "raw_items_per_s": raw_rate, "fitness_items_per_s": fit_rate,
            "ratio": fit_rate / raw_rate, "raw_s": t_raw, "fitness_s": t_fit,
            "ratio_cpu": C.median(cpu["raw"]) / C.median(cpu["fit"]), "cpu_s": cpu,
            "fast_path": fast.gap is not None, "fast_items_per_s": fast_rate,
            "fast_gain": fast_rate / fit_rate, "fast_s": t_fast,
            "fast_max_abs_diff": float(np.max(np.abs(fast_out - full_out))),
            "model": describe, **C.proc_status()}


def worker_run(spec):
    """One evolutionary_erasure run; wall time, evaluations, peak RSS."""
    dgi, adapter, x, describe = _setup(spec)
    after_setup = C.proc_status()
    wall, res = C.timed(lambda: dgi.evolutionary_erasure(
        adapter, x, target=TARGET, segment_length=SEGMENT, n_segments=N_SEGMENTS,
        population=POPULATION, generations=spec["generations"], restarts=1,
        patience=10_000, n_null=spec["n_null"], seed=1, fast=spec["fast"], progress=False))
    summary = res.summary_table().iloc[0].to_dict()
    return {"generations": spec["generations"], "n_null": spec["n_null"], "wall_s": wall,
            "n_evaluated": int(res.settings["n_evaluated"]),
            "fast_path": bool(res.settings["fast_path"]), "f_reference": float(summary["f_reference"]),
            "f_erased": float(summary["f_erased"]), "best": float(summary["best"]),
            "p_value": float(summary["p_value"]), "erased_share": float(summary["erased_share"]),
            "rss_after_setup_bytes": after_setup.get("VmRSS"), **C.proc_status()}


WORKERS = {"ratio": worker_ratio, "run": worker_run}


def _fmt_rate(v):
    return f"{v:.2f}/s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer generations, projected")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print("RESULT " + json.dumps(WORKERS[spec["kind"]](spec)), flush=True)
        return 0

    quick = args.quick
    repeats = args.repeats or (3 if quick else 5)
    began = time.perf_counter()
    ratio = C.run_worker(SCRIPT, {"kind": "ratio", "length": LENGTH, "batch": 2,
                                  "fast_batch": 8, "batches": 2 if quick else 4,
                                  "repeats": repeats}, timeout=900)
    generations = 1 if quick else GENERATIONS
    n_null = 4 if quick else N_NULL
    run = C.run_worker(SCRIPT, {"kind": "run", "length": LENGTH, "generations": generations,
                                "n_null": n_null, "fast": True}, timeout=7200)
    n_elite = max(1, POPULATION // 16)
    full_evals = POPULATION + GENERATIONS * (POPULATION - n_elite) + N_NULL + 2
    projection = None
    if "error" not in run:
        per_eval = run["wall_s"] / max(run["n_evaluated"], 1)
        projection = {"seconds_per_evaluation": per_eval,
                      "full_run_evaluations_upper_bound": full_evals,
                      "projected_full_run_s": per_eval * full_evals}
    out = {
        "benchmark": "erasure", "mode": "quick" if quick else "full",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": C.machine_info(), "versions": C.versions(),
        "command": " ".join([Path(sys.executable).name, "bench/bench_erasure.py"] + sys.argv[1:]),
        "settings": {"length": LENGTH, "segment_length": SEGMENT, "n_segments": N_SEGMENTS,
                     "population": POPULATION, "generations": generations, "n_null": n_null},
        "ratio": ratio, "run": run, "projection": projection,
        "bench_wall_s": time.perf_counter() - began,
    }
    C.atomic_write(C.RESULTS_DIR / "erasure.json", json.dumps(out, indent=2, default=str))

    print(f"\nevolutionary erasure, 1 Mbp gap CNN (maxlen None), {C.machine_info()['nproc']} cores")
    print(f"{'measure':<52} {'value':>18}")
    if "error" in ratio:
        print(f"ratio worker failed: {ratio['error']}")
    else:
        print(f"{'raw forward (ready batch of ' + str(ratio['batch']) + ')':<52} "
              f"{_fmt_rate(ratio['raw_items_per_s']):>18}")
        print(f"{'fitness evaluations (copies built per batch)':<52} "
              f"{_fmt_rate(ratio['fitness_items_per_s']):>18}")
        print(f"{'ratio fitness / raw, wall (goal >= 0.9)':<52} {ratio['ratio']:>18.3f}")
        print(f"{'ratio fitness / raw, CPU time (steadier when shared)':<52} "
              f"{ratio['ratio_cpu']:>18.3f}")
        print(f"{'fitness, touched regions only (gap fast path)':<52} "
              f"{_fmt_rate(ratio['fast_items_per_s']):>18}")
        print(f"{'  gain over full passes':<52} {ratio['fast_gain']:>17.2f}x")
        print(f"{'  max |fast - full| of the output':<52} {ratio['fast_max_abs_diff']:>18.1e}")
    if "error" in run:
        print(f"run worker failed: {run['error']}")
    else:
        label = f"run (fast path): pop {POPULATION}, {generations} gen, null {n_null}"
        print(f"{label + ' wall':<52} {run['wall_s']:>17.1f}s")
        print(f"{'  evaluations':<52} {run['n_evaluated']:>18d}")
        print(f"{'  peak RSS (VmHWM)':<52} {run['VmHWM'] / C.MIB:>15.0f}MiB")
        print(f"{'  f_reference -> f_erased':<52} "
              f"{run['f_reference']:>8.4f} -> {run['f_erased']:.4f}")
        print(f"{'projected full run (50 gen, null 100), upper bound':<52} "
              f"{projection['projected_full_run_s']:>17.0f}s")
    print(f"results: {C.RESULTS_DIR / 'erasure.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
