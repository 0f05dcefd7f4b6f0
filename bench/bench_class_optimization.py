#!/usr/bin/env python
"""Benchmark: class optimization steps vs the model's raw gradient; JASPAR matching.

What it measures (one process, so the ratios share the machine's state):

1. **Optimization steps vs raw gradient throughput.** ``class_optimization_arrays``
   (the compiled step: value, gradient, Adam update, clipping or softmax) for
   ``steps`` steps on a batch of ``restarts`` sequences, against ``steps`` calls of
   ``adapter.value_and_grad`` (the model's own compiled gradient) on a batch of the
   same shape. Both are warmed up (tracing excluded) and their repeats interleaved.
   Ratio = our steps per second / raw gradient calls per second; goal >= 0.9.
2. **JASPAR matching of one PWM** (``match_motifs``, JASPAR CORE vertebrates, Tomtom
   through memelite): the first call in this process (imports, reading JASPAR from
   pyjaspar's SQLite, loading memelite's compiled code) and warm calls (median);
   goal < 1 s.

Usage::

    python bench/bench_class_optimization.py --quick   # < 3 min on 2 shared cores
    python bench/bench_class_optimization.py           # larger model input, more repeats
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

TARGET = 1


def bench_steps(maxlen: int, restarts: int, steps: int, repeats: int,
                parametrization: str) -> dict:
    import numpy as np
    import tensorflow as tf

    from deepg_interpret.methods.class_optimization import class_optimization_arrays
    from deepg_interpret.model.adapter import load_model

    model, describe = C.build_model(maxlen, gap=False)
    adapter = load_model(model, output="logit")
    empty = np.zeros((0, 4), np.float32)

    def ours():
        return class_optimization_arrays(
            adapter, target=TARGET, width=maxlen, left=empty, right=empty, starts=None,
            restarts=restarts, steps=steps, learning_rate=0.1, l2=0.01,
            parametrization=parametrization, temperature=1.0, entropy=0.0, seed=0,
            batch_size=restarts, progress=False)

    x = tf.constant(C.random_onehot(restarts, maxlen))
    target = tf.constant(TARGET, tf.int32)

    def raw():
        # The same number of gradient calls on a batch of the same shape, results kept
        # as tensors (as ours keeps its trace) and read once at the end.
        values = [adapter.value_and_grad(x, target)[0] for _ in range(steps)]
        return tf.stack(values).numpy()

    ours()  # tracing and the memory estimate, excluded
    raw()
    ours_s, raw_s, ours_cpu, raw_cpu = [], [], [], []
    for _ in range(repeats):
        wall, cpu, _ = C.timed_cpu(ours)
        ours_s.append(wall)
        ours_cpu.append(cpu)
        wall, cpu, _ = C.timed_cpu(raw)
        raw_s.append(wall)
        raw_cpu.append(cpu)
    ours_med, raw_med = C.median(ours_s), C.median(raw_s)
    return {
        "maxlen": maxlen, "restarts": restarts, "steps": steps, "repeats": repeats,
        "parametrization": parametrization, "model": describe,
        "ours_s": ours_s, "raw_s": raw_s, "ours_median_s": ours_med, "raw_median_s": raw_med,
        "ours_steps_per_s": steps / ours_med, "raw_steps_per_s": steps / raw_med,
        "ratio": raw_med / ours_med,
        "ratio_paired_median": C.median([r / o for o, r in zip(ours_s, raw_s)]),
        "ratio_cpu": C.median(raw_cpu) / C.median(ours_cpu),
    }


def bench_matching(repeats: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    pwm = rng.dirichlet(np.ones(4) * 0.3, size=12)  # a 12 bp query of mixed sharpness
    began = time.perf_counter()
    from deepg_interpret import match_motifs

    first = C.timed(lambda: match_motifs(pwm))
    import_s = first[0]
    warm = [C.timed(lambda: match_motifs(pwm))[0] for _ in range(repeats)]
    return {"query_width": 12, "n_motifs": int(first[1].attrs["n_motifs"]),
            "release": first[1].attrs["release"], "first_call_s": import_s,
            "first_call_with_import_s": time.perf_counter() - began - sum(warm),
            "warm_s": warm, "warm_median_s": C.median(warm),
            "meets_goal": C.median(warm) < 1.0}


def markdown(doc: dict) -> str:
    m = doc["machine"]
    lines = ["### Class optimization benchmark (`bench/bench_class_optimization.py`)", "",
             f"Machine: {m.get('cpu_model')}, {m.get('nproc')} cores (shared; load "
             f"{m.get('loadavg_1_5_15')} at start). Model: deepG `create_model_lstm_cnn` "
             "layout (conv 32/64, k 12, Flatten, Dense(2, softmax)), logit of class 2.", "",
             "| parametrization | maxlen | restarts (batch) | steps | ours steps/s | raw "
             "gradient calls/s | ratio (goal >= 0.9) | paired median | CPU-time ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in doc["steps"]:
        lines.append(
            f"| {r['parametrization']} | {r['maxlen']} | {r['restarts']} | {r['steps']} | "
            f"{r['ours_steps_per_s']:.1f} | {r['raw_steps_per_s']:.1f} | **{r['ratio']:.2f}** "
            f"| {r['ratio_paired_median']:.2f} | {r['ratio_cpu']:.2f} |")
    mm = doc["matching"]
    lines += ["", "| JASPAR matching | motifs | first call (s) | warm median (s) | goal < 1 s |",
              "|---|---:|---:|---:|---|",
              f"| {mm['release']} CORE vertebrates, 12 bp query | {mm['n_motifs']} | "
              f"{mm['first_call_s']:.2f} | {mm['warm_median_s']:.3f} | "
              f"{'yes' if mm['meets_goal'] else 'no'} |", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (< 3 min)")
    parser.add_argument("--out-dir", type=Path, default=C.RESULTS_DIR)
    args = parser.parse_args(argv)
    machine = C.machine_info()
    if args.quick:
        configs = [(200, 8, 50, 3, "l2"), (200, 8, 50, 3, "gumbel_softmax")]
        match_repeats = 5
    else:
        configs = [(1000, 16, 100, 5, "l2"), (1000, 16, 100, 5, "softmax"),
                   (1000, 16, 100, 5, "gumbel_softmax")]
        match_repeats = 20
    steps = [bench_steps(*cfg) for cfg in configs]
    doc = {"benchmark": "class_optimization", "quick": args.quick,
           "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": machine, "versions": C.versions(), "steps": steps,
           "matching": bench_matching(match_repeats), "rss": C.proc_status()}
    text = markdown(doc)
    print(text)
    name = "class_optimization_quick" if args.quick else "class_optimization"
    C.atomic_write(args.out_dir / f"{name}.json", json.dumps(doc, indent=2, default=float) + "\n")
    C.atomic_write(args.out_dir / f"{name}.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
