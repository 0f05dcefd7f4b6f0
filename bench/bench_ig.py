#!/usr/bin/env python
"""Benchmark: Integrated Gradients cost and memory on deepG-shaped CNNs.

What it measures (all in one run, so the ratios share the machine's state):

1. **IG vs the model's own gradient.** ``integrated_gradients`` time divided by
   the time of ``adapter.value_and_grad`` (the compiled gradient step of
   ``deepg_interpret.load_model``) over the same number of points,
   ``n x (steps + 1)``, cut into batches of the size IG chose. Both are warmed
   up first (tracing excluded) and their repeats are interleaved. Goal <= 1.1.
2. **Ours vs deepG's IG**, reproduced op for op on the same model and input:
   "one batch" (deepG default: all ``steps + 1`` points through one
   ``GradientTape``) and "stepwise" (``pred_stepwise = TRUE``: one point per
   call). Single sequence, steps 50, zero baseline. Wall time: median of
   repeats interleaved in one process. Peak RSS: one fresh subprocess per
   approach (warm-up run + one timed run), next to the RSS after importing
   TensorFlow and building the model. Goal: ours no slower than one-batch, with
   at most a third of its peak memory.
3. **1 Mbp** with the ``gap = TRUE`` model, ours only: wall time and peak RSS
   (goal < 4 GiB). deepG's one-batch is not run there: its memory is
   extrapolated from the 10 kb and 100 kb measurements.

Heavy configurations run one at a time, each in its own interpreter.

Usage::

    python bench/bench_ig.py            # full run (< 15 min on 2 cores)
    python bench/bench_ig.py --quick    # smoke run (< 1 min), results to a temp folder
    python bench/bench_ig.py --skip-1mbp --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

SCRIPT = Path(__file__).resolve()
STEPS = 50
TARGET = 1
APPROACHES = ("ours", "one_batch", "stepwise")
APPROACH_LABEL = {
    "ours": "ours (deepg-interpret)",
    "one_batch": "deepG one-batch",
    "stepwise": "deepG stepwise",
}


# =========================================================================== workers
def _setup(spec):
    """Import the stack, build the model, record the RSS of just that."""
    import tensorflow as tf  # noqa: F401  (the import is part of the baseline RSS)

    import deepg_interpret as dgi
    from deepg_interpret.core.batching import parse_memory_budget

    model, describe = C.build_model(
        spec["maxlen"], gap=spec["head"] == "gap", seed=spec.get("seed", 0)
    )
    return dgi, model, describe, parse_memory_budget(None)


def _ours(dgi, adapter, x, steps):
    return dgi.integrated_gradients(
        adapter, x, target=TARGET, steps=steps, baseline="zero", progress=False
    )


def _rel_diff(a, b):
    import numpy as np

    scale = float(np.max(np.abs(b))) or 1.0
    return float(np.max(np.abs(a - b))) / scale


def worker_ratio(spec):
    """IG time vs raw batched gradient time over the same points (interleaved repeats)."""
    import numpy as np
    import tensorflow as tf

    dgi, model, describe, budget = _setup(spec)
    n, length, steps, repeats = spec["n"], spec["maxlen"], spec["steps"], spec["repeats"]
    x = C.random_onehot(n, length, seed=spec.get("seed", 0))
    adapter = dgi.load_model(model)
    first_s, res = C.timed(lambda: _ours(dgi, adapter, x, steps))  # traces + item_bytes
    batch = int(res.settings["batch_size"])
    n_points = n * (steps + 1)
    full, rest = divmod(n_points, batch)

    # Raw gradient: batches of real interpolation points, same batch size as IG.
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    idx = np.arange(batch)
    points = x[(idx // (steps + 1)) % n] * alphas[idx % (steps + 1)][:, None, None]
    xb = tf.constant(points)
    xr = tf.constant(points[:rest]) if rest else None
    target = tf.constant(TARGET, tf.int32)
    value_and_grad = adapter.value_and_grad

    def raw():
        for _ in range(full):
            values, grads = value_and_grad(xb, target)
            values.numpy()
        if rest:
            values, grads = value_and_grad(xr, target)
            values.numpy()

    raw()  # warm-up (the IG call above already traced value_and_grad's graph inside its own)
    _ours(dgi, adapter, x, steps)  # second warm-up: allocator and oneDNN caches settled
    t_raw, t_ig, c_raw, c_ig = [], [], [], []
    for r in range(repeats):  # paired repeats, order alternating
        for which in ("raw", "ig") if r % 2 == 0 else ("ig", "raw"):
            if which == "ig":
                wall, cpu, _ = C.timed_cpu(lambda: _ours(dgi, adapter, x, steps))
                t_ig.append(wall)
                c_ig.append(cpu)
            else:
                wall, cpu, _ = C.timed_cpu(raw)
                t_raw.append(wall)
                c_raw.append(cpu)
    raw_med, ig_med = C.median(t_raw), C.median(t_ig)

    # The path an R user takes: pass the Keras model, so every call builds a new adapter.
    t_model = [
        C.timed(
            lambda: dgi.integrated_gradients(model, x, target=TARGET, steps=steps, progress=False)
        )[0]
        for _ in range(2)
    ]
    # Same numbers as deepG? (first sequence, deepG's one-batch IG)
    check = _rel_diff(res.attributions[0], C.deepg_ig_one_batch(model, x[:1], TARGET, steps))
    return {
        "kind": "ratio",
        "maxlen": length,
        "head": spec["head"],
        "n_sequences": n,
        "steps": steps,
        "n_points": n_points,
        "repeats": repeats,
        "model": describe,
        "memory_budget_bytes": budget,
        "ig_batch_size": batch,
        "raw_batches": {"full": full, "batch_size": batch, "remainder": rest},
        "ig_s": t_ig,
        "raw_s": t_raw,
        "ig_median_s": ig_med,
        "raw_median_s": raw_med,
        "ig_cpu_s": c_ig,
        "raw_cpu_s": c_raw,
        "raw_per_point_ms": 1e3 * raw_med / n_points,
        "ratio_ig_over_raw": ig_med / raw_med,
        "ratio_per_repeat": [a / b for a, b in zip(t_ig, t_raw)],
        "ratio_paired_median": C.median([a / b for a, b in zip(t_ig, t_raw)]),
        "ratio_cpu": C.median(c_ig) / C.median(c_raw),
        "item_bytes_estimate": int(adapter.item_bytes("gradient", length)),
        "ig_first_call_s": first_s,
        "ig_model_object_s": t_model,
        "max_rel_diff_vs_deepg_one_batch": check,
        "versions": C.versions(),
    }


def _approach_fns(dgi, model, x, steps):
    adapter = dgi.load_model(model)
    return adapter, {
        "ours": lambda: _ours(dgi, adapter, x, steps).attributions[0],
        "one_batch": lambda: C.deepg_ig_one_batch(model, x, TARGET, steps),
        "stepwise": lambda: C.deepg_ig_stepwise(model, x, TARGET, steps),
    }


def worker_compare(spec):
    """Wall time of ours / one-batch / stepwise, interleaved in one process."""
    dgi, model, describe, budget = _setup(spec)
    steps, repeats = spec["steps"], spec["repeats"]
    x = C.random_onehot(1, spec["maxlen"], seed=spec.get("seed", 0))
    adapter, fns = _approach_fns(dgi, model, x, steps)
    names = list(spec.get("approaches", APPROACHES))
    outputs = {name: fns[name]() for name in names}  # warm-up (tracing, first allocations)
    batch = int(_ours(dgi, adapter, x, steps).settings["batch_size"]) if "ours" in names else None
    times = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
            wall, used, _ = C.timed_cpu(fns[name])
            times[name].append(wall)
            cpu[name].append(used)
    ref = outputs.get("one_batch")
    agree = {
        name: _rel_diff(out, ref)
        for name, out in outputs.items()
        if ref is not None and name != "one_batch"
    }
    return {
        "kind": "compare",
        "maxlen": spec["maxlen"],
        "head": spec["head"],
        "steps": steps,
        "repeats": repeats,
        "model": describe,
        "memory_budget_bytes": budget,
        "ours_batch_size": batch,
        "times_s": times,
        "cpu_s": cpu,
        "median_s": {name: C.median(t) for name, t in times.items()},
        "median_cpu_s": {name: C.median(t) for name, t in cpu.items()},
        "max_rel_diff_vs_one_batch": agree,
        "versions": C.versions(),
    }


def worker_peak(spec):
    """Peak RSS of one approach in this fresh process (warm-up run + one timed run)."""
    dgi, model, describe, budget = _setup(spec)
    x = C.random_onehot(1, spec["maxlen"], seed=spec.get("seed", 0))
    base = C.proc_status()
    name, steps = spec["approach"], spec["steps"]
    adapter, fns = _approach_fns(dgi, model, x, steps)
    first_s, _ = C.timed(fns[name])
    second_s, _ = C.timed(fns[name])
    peak = C.proc_status()
    batch = {"one_batch": steps + 1, "stepwise": 1}.get(name)
    item_bytes = None
    if name == "ours":
        batch = int(_ours(dgi, adapter, x, steps).settings["batch_size"])
        item_bytes = int(adapter.item_bytes("gradient", spec["maxlen"]))
    return {
        "kind": "peak",
        "maxlen": spec["maxlen"],
        "head": spec["head"],
        "approach": name,
        "steps": steps,
        "model": describe,
        "memory_budget_bytes": budget,
        "batch_size": batch,
        "base_rss_bytes": base["VmHWM"],
        "peak_rss_bytes": peak["VmHWM"],
        "item_bytes_estimate": item_bytes,
        "first_run_s": first_s,
        "second_run_s": second_s,
        "versions": C.versions(),
    }


def worker_long(spec):
    """Whole-genome length with the gap model, ours only."""
    dgi, model, describe, budget = _setup(spec)
    x = C.random_onehot(1, spec["maxlen"], seed=spec.get("seed", 0))
    base = C.proc_status()
    adapter = dgi.load_model(model)
    warm_s, warm = C.timed(lambda: _ours(dgi, adapter, x, 1))  # traces; same batch shapes
    times, cpu, res = [], [], None
    for _ in range(spec["repeats"]):
        seconds, used, res = C.timed_cpu(lambda: _ours(dgi, adapter, x, spec["steps"]))
        times.append(seconds)
        cpu.append(used)
    peak = C.proc_status()
    batch = int(res.settings["batch_size"])
    return {
        "kind": "long",
        "maxlen": spec["maxlen"],
        "head": spec["head"],
        "steps": spec["steps"],
        "repeats": spec["repeats"],
        "model": describe,
        "memory_budget_bytes": budget,
        "batch_size": batch,
        "n_batches": math.ceil((spec["steps"] + 1) / batch),
        "item_bytes_estimate": int(adapter.item_bytes("gradient", spec["maxlen"])),
        "warmup_steps1_s": warm_s,
        "times_s": times,
        "median_s": C.median(times),
        "cpu_s": cpu,
        "median_cpu_s": C.median(cpu),
        "base_rss_bytes": base["VmHWM"],
        "peak_rss_bytes": peak["VmHWM"],
        "f_input": float(res.f_input[0]),
        "delta": float(res.summary_table()["delta"].iloc[0]),
        "versions": C.versions(),
    }


WORKERS = {
    "ratio": worker_ratio,
    "compare": worker_compare,
    "peak": worker_peak,
    "long": worker_long,
}


# =========================================================================== plan
def make_plan(args) -> dict:
    reps = args.repeats
    if args.quick:
        reps = min(reps, 2)
        # Four interpreters (TensorFlow's import alone takes ~10 s on a loaded 2-core box):
        # no interleaved timing process (times come from the peak-RSS processes) and no
        # whole-genome run.
        return {
            "ratio": [dict(maxlen=1000, head="flatten", n=4)],
            "pairs": [(2000, "flatten")],
            "compare": False,
            "long": None,
            "repeats": reps,
            "heavy_repeats": reps,
            "long_repeats": 1,
        }
    pairs = [(1000, "flatten"), (10_000, "flatten"), (100_000, "gap")]
    if not args.primary_only:
        pairs += [(1000, "gap"), (10_000, "gap"), (100_000, "flatten")]
    return {
        "ratio": [
            dict(maxlen=1000, head="flatten", n=32),
            dict(maxlen=10_000, head="flatten", n=4),
        ],
        "pairs": pairs,
        "compare": True,
        "long": None if args.skip_1mbp else dict(maxlen=1_000_000, head="gap"),
        "repeats": reps,
        "heavy_repeats": min(reps, 3),
        "long_repeats": min(reps, 2),
    }


def run_plan(plan, log) -> dict:
    out = {"ratio": [], "compare": [], "peak": [], "long": None}
    for cfg in plan["ratio"]:
        spec = {"kind": "ratio", "steps": STEPS, "repeats": plan["repeats"], **cfg}
        log(f"ratio     maxlen={cfg['maxlen']:>9,} head={cfg['head']:<7} n={cfg['n']}")
        out["ratio"].append({"spec": spec, **C.run_worker(SCRIPT, spec)})
    for maxlen, head in plan["pairs"]:
        reps = plan["heavy_repeats"] if maxlen >= 100_000 else plan["repeats"]
        spec = {"kind": "compare", "maxlen": maxlen, "head": head, "steps": STEPS, "repeats": reps}
        if plan["compare"]:
            log(f"compare   maxlen={maxlen:>9,} head={head:<7} repeats={reps}")
            out["compare"].append({"spec": spec, **C.run_worker(SCRIPT, spec)})
        else:  # quick: times from the peak-RSS processes' second (warm) run
            out["compare"].append({"spec": spec, "times_from": "peak processes"})
        for name in APPROACHES:
            spec = {
                "kind": "peak",
                "maxlen": maxlen,
                "head": head,
                "steps": STEPS,
                "approach": name,
            }
            log(f"peak RSS  maxlen={maxlen:>9,} head={head:<7} {name}")
            out["peak"].append({"spec": spec, **C.run_worker(SCRIPT, spec)})
    if plan["long"]:
        spec = {"kind": "long", "steps": STEPS, "repeats": plan["long_repeats"], **plan["long"]}
        log(f"long      maxlen={spec['maxlen']:>9,} head={spec['head']:<7} ours only")
        out["long"] = {"spec": spec, **C.run_worker(SCRIPT, spec, timeout=1200)}
    return out


# =========================================================================== report
def _mib(b):
    return None if b is None else b / C.MIB


def _f(value, fmt="{:.2f}", missing="n/a"):
    return missing if value is None else fmt.format(value)


def summarize(raw) -> dict:
    """Rows and ratios for the tables and the JSON."""
    summary = {"ig_vs_raw": [], "approaches": [], "one_batch_linear_fit": None, "long": None}
    for r in raw["ratio"]:
        if "error" in r:
            summary["ig_vs_raw"].append({"maxlen": r["spec"]["maxlen"], "error": r["error"]})
            continue
        summary["ig_vs_raw"].append(
            {
                "maxlen": r["maxlen"],
                "head": r["head"],
                "n_sequences": r["n_sequences"],
                "steps": r["steps"],
                "batch_size": r["ig_batch_size"],
                "repeats": r["repeats"],
                "n_points": r["n_points"],
                "ig_median_s": r["ig_median_s"],
                "raw_median_s": r["raw_median_s"],
                "ig_median_cpu_s": C.median(r["ig_cpu_s"]),
                "raw_median_cpu_s": C.median(r["raw_cpu_s"]),
                "raw_per_point_ms": r["raw_per_point_ms"],
                "ratio": r["ratio_ig_over_raw"],
                "ratio_paired_median": r["ratio_paired_median"],
                "ratio_cpu": r["ratio_cpu"],
                "goal": 1.1,
                "meets_goal": r["ratio_ig_over_raw"] <= 1.1,
                "item_bytes_estimate": r["item_bytes_estimate"],
                "ig_first_call_s": r["ig_first_call_s"],
                "ig_model_object_median_s": C.median(r["ig_model_object_s"]),
                "max_rel_diff_vs_deepg": r["max_rel_diff_vs_deepg_one_batch"],
            }
        )
    peaks = {
        (p["spec"]["maxlen"], p["spec"]["head"], p["spec"]["approach"]): p for p in raw["peak"]
    }
    for c in raw["compare"]:
        maxlen, head = c["spec"]["maxlen"], c["spec"]["head"]
        med = c.get("median_s")
        if med is None and c.get("times_from"):
            med = {
                name: peaks.get((maxlen, head, name), {}).get("second_run_s") for name in APPROACHES
            }
            c = {
                **c,
                "ours_batch_size": peaks.get((maxlen, head, "ours"), {}).get("batch_size"),
                "repeats": 1,
            }
        med = med or {}
        med_cpu = c.get("median_cpu_s") or {}
        ob = {"time": med.get("one_batch"), "cpu": med_cpu.get("one_batch")}
        pk = peaks.get((maxlen, head, "one_batch"), {})
        ob["peak"] = pk.get("peak_rss_bytes")
        ob["inc"] = None if ob["peak"] is None else ob["peak"] - pk["base_rss_bytes"]
        for name in APPROACHES:
            p = peaks.get((maxlen, head, name), {})
            peak, base = p.get("peak_rss_bytes"), p.get("base_rss_bytes")
            inc = None if peak is None else peak - base
            t, tc = med.get(name), med_cpu.get(name)
            row = {
                "maxlen": maxlen,
                "head": head,
                "approach": name,
                "steps": STEPS,
                "batch_size": c.get("ours_batch_size") if name == "ours" else p.get("batch_size"),
                "repeats": c.get("repeats"),
                "median_s": t,
                "time_vs_one_batch": None if t is None or not ob["time"] else t / ob["time"],
                "median_cpu_s": tc,
                "cpu_vs_one_batch": None if tc is None or not ob["cpu"] else tc / ob["cpu"],
                "peak_rss_bytes": peak,
                "base_rss_bytes": base,
                "peak_increment_bytes": inc,
                "peak_vs_one_batch": None if peak is None or not ob["peak"] else peak / ob["peak"],
                "increment_vs_one_batch": None if inc is None or not ob["inc"] else inc / ob["inc"],
                "item_bytes_estimate": p.get("item_bytes_estimate"),
                "peak_process_first_run_s": p.get("first_run_s"),
                "peak_process_second_run_s": p.get("second_run_s"),
                "max_rel_diff_vs_one_batch": c.get("max_rel_diff_vs_one_batch", {}).get(name),
                "error": c.get("error") or p.get("error"),
            }
            if name == "ours":
                row["meets_time_goal"] = (
                    None if row["time_vs_one_batch"] is None else row["time_vs_one_batch"] <= 1.0
                )
                row["meets_memory_goal"] = (
                    None if row["peak_vs_one_batch"] is None else row["peak_vs_one_batch"] <= 1 / 3
                )
            summary["approaches"].append(row)
    # deepG one-batch peak increment grows linearly with length: fit it per head.
    fits = {}
    for head in ("gap", "flatten"):
        pts = [
            (r["maxlen"], r["peak_increment_bytes"])
            for r in summary["approaches"]
            if r["head"] == head
            and r["approach"] == "one_batch"
            and r["peak_increment_bytes"] is not None
            and r["maxlen"] >= 10_000
        ]
        if len(pts) >= 2:
            (x0, y0), (x1, y1) = sorted(pts)[-2:]
            slope = (y1 - y0) / (x1 - x0)
            fits[head] = {"points": pts, "bytes_per_bp": slope, "intercept": y0 - slope * x0}
    summary["one_batch_linear_fit"] = fits
    lg = raw.get("long")
    if lg and "error" not in lg:
        fit = fits.get(lg["head"]) or next(iter(fits.values()), None)
        est = None
        if fit:
            est = fit["intercept"] + fit["bytes_per_bp"] * lg["maxlen"] + lg["base_rss_bytes"]
        summary["long"] = {
            "maxlen": lg["maxlen"],
            "head": lg["head"],
            "steps": lg["steps"],
            "batch_size": lg["batch_size"],
            "n_batches": lg["n_batches"],
            "repeats": lg["repeats"],
            "median_s": lg["median_s"],
            "times_s": lg["times_s"],
            "median_cpu_s": lg["median_cpu_s"],
            "item_bytes_estimate": lg["item_bytes_estimate"],
            "peak_rss_bytes": lg["peak_rss_bytes"],
            "base_rss_bytes": lg["base_rss_bytes"],
            "goal_peak_bytes": 4 << 30,
            "meets_goal": lg["peak_rss_bytes"] < (4 << 30),
            "one_batch_estimated_peak_bytes": est,
            "delta": lg["delta"],
        }
    elif lg:
        summary["long"] = {"maxlen": lg["spec"]["maxlen"], "error": lg["error"]}
    return summary


def markdown(summary, meta) -> str:
    lines = []
    m, v = meta["machine"], meta.get("versions") or {}
    lines.append("### Integrated Gradients benchmark (`bench/bench_ig.py`)")
    lines.append("")
    lines.append(
        f"Machine: {m['cpu_model']}, {m['nproc']} cores, {m['memory_total_gib']} GiB "
        f"(shared; load {m['loadavg_1_5_15']} at start). Python {v.get('python')}, "
        f"TensorFlow {v.get('tensorflow')}, Keras {v.get('keras')}, NumPy {v.get('numpy')}, "
        f"deepg-interpret {v.get('deepg_interpret')}. Model: deepG `create_model_lstm_cnn` "
        "layout, conv(32, k12) > pool 3 > BN > conv(64, k12) > BN > pool 3 > Flatten or GAP "
        "> Dense(2, softmax). Steps 50 (51 trapezoid points), zero baseline, target 1, "
        f"memory_budget {meta['memory_budget_bytes'] / (1 << 30):g} GiB (default). "
        "Times: median of repeats after warm-up (tracing excluded)."
    )
    lines.append("")
    lines.append(
        "**1. IG vs the model's own batched gradient** "
        "(same points, same batch size, repeats interleaved; goal <= 1.1)"
    )
    lines.append("")
    lines.append(
        "| maxlen | head | sequences | points | batch | repeats | IG (s) | raw gradient (s) "
        "| raw ms/point | IG / raw | paired median | IG / raw, CPU time |"
    )
    lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in summary["ig_vs_raw"]:
        if "error" in r:
            lines.append(f"| {r['maxlen']:,} | error | | | | | | | | | | {r['error'][:60]} |")
            continue
        lines.append(
            f"| {r['maxlen']:,} | {r['head']} | {r['n_sequences']} | {r['n_points']} | "
            f"{r['batch_size']} | {r['repeats']} | {r['ig_median_s']:.3f} | "
            f"{r['raw_median_s']:.3f} | {r['raw_per_point_ms']:.3f} | **{r['ratio']:.2f}** | "
            f"{r['ratio_paired_median']:.2f} | {r['ratio_cpu']:.2f} |"
        )
    lines.append("")
    lines.append(
        'IG / raw is the ratio of the wall-time medians; "paired median" is the median of '
        "the per-repeat ratios (each IG run next to its raw run); the CPU-time ratio "
        "(all threads of the process) is the steadier one when other jobs share the cores."
    )
    lines.append("")
    timing = (
        "time: one warm run in the peak-RSS process (--quick)"
        if meta.get("quick")
        else "time: median of repeats, the three approaches interleaved in one process"
    )
    lines.append(
        "**2. Ours vs deepG's IG on the same model** (single sequence; " + timing + "; "
        "peak RSS: a fresh process per approach, warm-up + one run; base = RSS after "
        "importing TensorFlow and building the model)"
    )
    lines.append("")
    lines.append(
        "| maxlen | head | approach | batch | time (s) | time / one-batch | CPU time / "
        "one-batch | peak RSS (MiB) | base (MiB) | peak - base (MiB) | peak / one-batch "
        "| (peak - base) / one-batch |"
    )
    lines.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in summary["approaches"]:
        if r.get("error") and r["median_s"] is None and r["peak_rss_bytes"] is None:
            lines.append(
                f"| {r['maxlen']:,} | {r['head']} | {APPROACH_LABEL[r['approach']]} "
                f"| | error | | | | | | | |"
            )
            continue
        bold = "**" if r["approach"] == "ours" else ""
        lines.append(
            f"| {r['maxlen']:,} | {r['head']} | {APPROACH_LABEL[r['approach']]} | "
            f"{_f(r['batch_size'], '{}')} | {_f(r['median_s'], '{:.3f}')} | "
            f"{bold}{_f(r['time_vs_one_batch'])}{bold} | {_f(r['cpu_vs_one_batch'])} | "
            f"{_f(_mib(r['peak_rss_bytes']), '{:,.0f}')} | "
            f"{_f(_mib(r['base_rss_bytes']), '{:,.0f}')} | "
            f"{_f(_mib(r['peak_increment_bytes']), '{:,.0f}')} | "
            f"{bold}{_f(r['peak_vs_one_batch'])}{bold} | {bold}{_f(r['increment_vs_one_batch'])}{bold} |"
        )
    lg = summary.get("long")
    if lg:
        lines.append("")
        lines.append(
            f"**3. Whole-genome length** ({lg['maxlen']:,} bp, `gap = TRUE` model, "
            "ours only; goal: peak RSS < 4 GiB)"
        )
        lines.append("")
        if "error" in lg:
            lines.append(f"error: {lg['error']}")
        else:
            est = lg["one_batch_estimated_peak_bytes"]
            lines.append(
                "| maxlen | head | steps | batch | repeats | time (s) | CPU time (s) "
                "| peak RSS (GiB) | base (GiB) | deepG one-batch, extrapolated (GiB) |"
            )
            lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            lines.append(
                f"| {lg['maxlen']:,} | {lg['head']} | {lg['steps']} | {lg['batch_size']} | "
                f"{lg['repeats']} | {lg['median_s']:.1f} | {lg['median_cpu_s']:.1f} | "
                f"**{lg['peak_rss_bytes'] / (1 << 30):.2f}** "
                f"| {lg['base_rss_bytes'] / (1 << 30):.2f} | "
                f"{_f(None if est is None else est / (1 << 30), '{:.1f}')} (not run) |"
            )
    lines.append("")
    lines.extend(_goal_lines(summary))
    return "\n".join(lines)


def _span(values, fmt="{:.2f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    lo, hi = min(values), max(values)
    return fmt.format(lo) if lo == hi else f"{fmt.format(lo)}-{fmt.format(hi)}"


def _goal_lines(summary) -> list[str]:
    """One line per goal of the issue, with the measured numbers."""
    out = ["**Goals**", ""]
    ratios = [r for r in summary["ig_vs_raw"] if "ratio" in r]
    if ratios:
        ok = all(r["meets_goal"] for r in ratios)
        parts = ", ".join(f"{r['ratio']:.2f} at {r['maxlen']:,} bp" for r in ratios)
        out.append(f"- IG / raw batched gradient <= 1.1: {parts} ({'met' if ok else 'MISSED'}).")
    ours = [r for r in summary["approaches"] if r["approach"] == "ours"]
    if ours:
        ok = all(r["meets_time_goal"] for r in ours if r["meets_time_goal"] is not None)
        out.append(
            "- Ours no slower than deepG one-batch: time ratio "
            f"{_span([r['time_vs_one_batch'] for r in ours])} (CPU time "
            f"{_span([r['cpu_vs_one_batch'] for r in ours])}) ({'met' if ok else 'MISSED'})."
        )
        for r in ours:
            if r["peak_vs_one_batch"] is None:
                continue
            verdict = "met" if r["meets_memory_goal"] else "not met"
            out.append(
                f"- Peak RSS <= 1/3 of one-batch at {r['maxlen']:,} bp ({r['head']}): "
                f"{r['peak_vs_one_batch']:.2f} of its peak, {r['increment_vs_one_batch']:.2f} of "
                f"its increment over the base ({verdict})."
            )
        small = [r for r in ours if r["peak_vs_one_batch"] and not r["meets_memory_goal"]]
        if small:
            out.append(
                "  Where one-batch fits in the 1 GiB memory budget, ours packs as many points "
                "per batch as its (conservative) per-point estimate allows, so its memory "
                "approaches one-batch's, and the ~0.85 GiB of TensorFlow + model dominates "
                "both peaks."
            )
    lg = summary.get("long")
    if lg and "error" not in lg:
        gib = lg["peak_rss_bytes"] / (1 << 30)
        est = lg["one_batch_estimated_peak_bytes"]
        extra = ""
        if est:
            extra = (
                f"; deepG one-batch would need ~{est / (1 << 30):.0f} GiB (linear in length "
                "from the 10 kb and 100 kb peaks), so it is not run"
            )
        out.append(
            f"- {lg['maxlen']:,} bp peak RSS < 4 GiB: {gib:.2f} GiB in {lg['median_s']:.0f} s "
            f"({'met' if lg['meets_goal'] else 'MISSED'}){extra}."
        )
    out.append("")
    return out


# =========================================================================== main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke run (< 1 min; no 1 Mbp run, times from "
        "single runs); writes to a temp folder unless --out-dir is given",
    )
    parser.add_argument("--skip-1mbp", action="store_true", help="leave out the 1 Mbp run")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="timed repeats per configuration (100 kb: at most 3, 1 Mbp: at most 2); default 5",
    )
    parser.add_argument(
        "--primary-only",
        action="store_true",
        help="only Flatten at 1 kb/10 kb and GAP at 100 kb (default: both heads)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="where bench_ig.json / bench_ig.md go (default bench/results)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="re-render bench_ig.md (and the summary in the JSON) from a previous run's JSON",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        spec = json.loads(args.worker)
        result = WORKERS[spec["kind"]](spec)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")

    if args.from_json:
        doc = json.loads(args.from_json.read_text())
        meta = {k: v for k, v in doc.items() if k not in ("summary", "raw")}
        summary = summarize(doc["raw"])
        text = markdown(summary, meta)
        out_dir = args.out_dir or args.from_json.parent
        doc = {**meta, "summary": summary, "raw": doc["raw"]}
        C.atomic_write(out_dir / "bench_ig.json", json.dumps(doc, indent=2, default=float) + "\n")
        C.atomic_write(out_dir / "bench_ig.md", text)
        print(text)
        return 0

    out_dir = args.out_dir or (
        Path(tempfile.mkdtemp(prefix="bench_ig_quick_")) if args.quick else C.RESULTS_DIR
    )
    began = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - began:7.1f}s] {msg}", file=sys.stderr, flush=True)

    machine = C.machine_info()
    plan = make_plan(args)
    raw = run_plan(plan, log)
    summary = summarize(raw)
    first = next(
        (
            r
            for group in (raw["ratio"], raw["compare"], raw["peak"])
            for r in group
            if "versions" in r
        ),
        {},
    )
    meta = {
        "benchmark": "bench_ig",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "bench/bench_ig.py"] + sys.argv[1:]),
        "quick": args.quick,
        "machine": machine,
        "versions": first.get("versions"),
        "memory_budget_bytes": first.get("memory_budget_bytes", 1 << 30),
        "steps": STEPS,
        "target": TARGET,
        "baseline": "zero",
        "repeats": {
            "default": plan["repeats"],
            "maxlen>=100kb": plan["heavy_repeats"],
            "1mbp": plan["long_repeats"],
            "peak_rss_process": "warm-up + 1 timed run",
        },
        "loadavg_end": C.machine_info()["loadavg_1_5_15"],
        "total_wall_s": round(time.perf_counter() - began, 1),
    }
    text = markdown(summary, meta)
    doc = {**meta, "summary": summary, "raw": raw}
    C.atomic_write(out_dir / "bench_ig.json", json.dumps(doc, indent=2, default=float) + "\n")
    C.atomic_write(out_dir / "bench_ig.md", text)
    print(text)
    log(f"wrote {out_dir / 'bench_ig.json'} and {out_dir / 'bench_ig.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
