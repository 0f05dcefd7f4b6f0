"""Same seed, same answer: float32 noise does not move a decision (core.decisions).

float32 outputs differ by about 1e-7 of their size between CPUs, oneDNN on or off,
thread counts and batch compositions. Here a wrapper adds +-1e-7 relative noise to a
model's outputs, drawn from a generator the methods do not share (a fresh draw on
every call, so the same input gets another number each time, like another batch
composition would give it). The answers (erasure segments, the class-optimization
consensus, the top ISM positions, the GIA ranking) must not move; the numbers may, by
about the noise. Then the same seed runs in two processes, one with batch size 3 and
oneDNN off, one with batch size 64 and oneDNN on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from conftest import MOTIF_COUNTED as MOTIF
from conftest import keras_default, motif_counter, random_dna
from deepg_interpret import class_optimization, evolutionary_erasure, ism, occlusion
from deepg_interpret.core.decisions import (
    argmax_decided,
    decision_keys,
    decision_step,
    order_decided,
    relative_keys,
)
from deepg_interpret.methods import gia

NOISE = 1e-7


def random_cnn(k, length: int | None = 300, seed: int = 3):
    """Continuous outputs: random weights, no ties by construction."""
    k.utils.set_random_seed(seed)
    return k.Sequential([
        k.Input((length, 4)),
        k.layers.Conv1D(8, 7, activation="relu"),
        k.layers.MaxPooling1D(3),
        k.layers.Conv1D(8, 5, activation="relu"),
        k.layers.GlobalAveragePooling1D(),
        k.layers.Dense(2),
    ])


class RelativeNoise(keras_default().layers.Layer):
    """``y + y * u``, ``u ~ U(-rel, rel)`` drawn anew on every call from its own seed."""

    def __init__(self, rel: float, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.rel = rel
        self.generator = tf.random.Generator.from_seed(seed)

    def call(self, y):
        u = self.generator.uniform(tf.shape(y), -self.rel, self.rel, dtype=y.dtype)
        return y + y * u


def noisy(k, model, seed: int = 99):
    inp = k.Input(model.inputs[0].shape[1:])
    return k.Model(inp, RelativeNoise(NOISE, seed)(model(inp)))


@pytest.fixture(scope="module")
def planted():
    seq = random_dna(1, 600, seed=4)[0]
    for p in (100, 300, 450):
        seq = seq[:p] + MOTIF + seq[p + len(MOTIF):]
    return seq


def test_the_noise_wrapper_adds_noise_of_the_stated_size():
    k = keras_default()
    base = random_cnn(k)
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (16, 300))]
    clean = np.asarray(base(x))
    wrapped = noisy(k, base)
    a, b = np.asarray(wrapped(x)), np.asarray(wrapped(x))
    rel = np.abs(a - clean) / np.abs(clean)
    assert 0 < rel.max() <= 2 * NOISE  # noise is there, of the stated size
    assert not np.array_equal(a, b)  # a fresh draw on every call


@pytest.mark.parametrize("grid", [True, False])
def test_erasure_segments_do_not_move_on_noise(planted, grid):
    k = keras_default()
    model = motif_counter(600, k)
    kw = dict(target=1, segment_length=20, n_segments=3, population=12, generations=8,
              restarts=2, n_null=10, seed=5, grid=grid, progress=False)
    clean = evolutionary_erasure(model, planted, fast=False, batch_size=64, **kw)
    for fast, batch_size in ((False, 3), (True, 5)):
        rough = evolutionary_erasure(noisy(k, model), planted, fast=fast,
                                     batch_size=batch_size, **kw)
        np.testing.assert_array_equal(rough.run_starts, clean.run_starts)
        pd.testing.assert_frame_equal(rough.segments_table(), clean.segments_table())
        # The numbers themselves move by the noise only (softmax outputs of order 1).
        np.testing.assert_allclose(rough.run_drops, clean.run_drops, rtol=0, atol=1e-6)
        np.testing.assert_allclose(rough.history[:, 2:], clean.history[:, 2:], rtol=0,
                                   atol=1e-6)


def test_erasure_on_a_continuous_model_does_not_move_on_noise():
    k = keras_default()
    model = random_cnn(k, None)
    x = random_dna(1, 400, seed=8)[0]
    kw = dict(target=0, segment_length=25, n_segments=3, population=16, generations=10,
              restarts=2, n_null=20, seed=2, progress=False, fast=False)
    clean = evolutionary_erasure(model, x, batch_size=7, **kw)
    rough = evolutionary_erasure(noisy(k, model), x, batch_size=64, **kw)
    np.testing.assert_array_equal(rough.run_starts, clean.run_starts)
    assert rough.summary_table()["best_run"].item() == clean.summary_table()["best_run"].item()


def test_class_optimization_consensus_does_not_move_on_noise():
    k = keras_default()
    model = random_cnn(k, 24, seed=5)
    kw = dict(target=1, restarts=4, steps=60, seed=3, progress=False)
    clean = class_optimization(model, batch_size=4, **kw)
    rough = class_optimization(noisy(k, model), batch_size=1, **kw)
    assert rough.best_restart == clean.best_restart
    for r in range(1, 5):
        assert rough.consensus(restart=r) == clean.consensus(restart=r)
        assert rough.best_window(8, restart=r).start == clean.best_window(8, restart=r).start
    # The optimized values themselves move by noise grown through 60 Adam steps.
    np.testing.assert_allclose(rough.pwms, clean.pwms, rtol=0, atol=1e-3)


def test_ism_and_occlusion_tops_do_not_move_on_noise():
    k = keras_default()
    model = random_cnn(k)
    seqs = random_dna(3, 300, seed=11)
    clean = ism(model, seqs, target=0, fast=False, batch_size=50, progress=False)
    rough = ism(noisy(k, model), seqs, target=0, fast=False, batch_size=7, progress=False)
    top_c, top_r = clean.top_table(10), rough.top_table(10)
    assert top_c["position"].tolist() == top_r["position"].tolist()
    assert top_c["seq_id"].tolist() == top_r["seq_id"].tolist()
    assert (top_c.groupby("seq_id")["rank"].max() == 10).all()
    occ_c = occlusion(model, seqs, target=0, window=10, stride=5, progress=False)
    occ_r = occlusion(noisy(k, model), seqs, target=0, window=10, stride=5, batch_size=3,
                      progress=False)
    assert occ_c.top_table(5)["start"].tolist() == occ_r.top_table(5)["start"].tolist()


def test_ism_and_occlusion_ties_go_by_position(planted):
    # Every base of a planted copy breaks it alike: exact ties that noise would order at
    # random; ranked on keys, they go by position.
    k = keras_default()
    model = motif_counter(600, k)
    for m in (model, noisy(k, model)):
        top = ism(m, planted, target=1, fast=False, progress=False).top_table(12)
        assert top["position"].tolist() == list(range(101, 113))
        occ = occlusion(m, planted, target=1, window=6, stride=1, progress=False).top_table(4)
        assert occ["start"].tolist() == [96, 97, 98, 99]


def test_gia_summary_and_ranking_do_not_move_on_noise():
    k = keras_default()
    model = random_cnn(k, 60, seed=9)
    kw = dict(target=0, position=20, k=3, n_backgrounds=24, seed=4, progress=False)
    clean = gia.kmer_scan(model, **kw)
    rough = gia.kmer_scan(noisy(k, model), batch_size=5, **kw)
    a, b = clean.global_table(), rough.global_table()
    pd.testing.assert_frame_equal(a[["pattern", "position", "n"]], b[["pattern", "position", "n"]])
    # Logit effects of order 1: the noise moves them by ~1e-7 of the outputs.
    scale = float(np.abs(clean.f_embedded).max())
    np.testing.assert_allclose(b["global_importance"], a["global_importance"], rtol=0,
                               atol=1e-6 * scale)
    assert clean.top_table(16)["pattern"].tolist() == rough.top_table(16)["pattern"].tolist()


def test_decision_keys_tie_within_a_step_and_order_by_the_fixed_key():
    step = decision_step(0.93)
    assert step == 1e-4
    assert decision_step(-250.0) == 1e-1  # the scale's power of ten, sign ignored
    values = np.array([0.30004, 0.30001, 0.5, np.nan])
    assert decision_keys(values, step)[0] == decision_keys(values, step)[1]
    assert argmax_decided(values, step) == 2
    assert order_decided(values, step, np.array([5, 1, 0, 0])).tolist() == [2, 1, 0, 3]
    assert relative_keys([2.0000001e-12])[0] == 2e-12


SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[2])
    import numpy as np
    from conftest import MOTIF_COUNTED as MOTIF, keras_default, motif_counter, random_dna
    from test_determinism import random_cnn
    from deepg_interpret import class_optimization, evolutionary_erasure, ism
    bs = int(sys.argv[1])
    k = keras_default()
    seq = random_dna(1, 600, seed=4)[0]
    for p in (100, 300, 450):
        seq = seq[:p] + MOTIF + seq[p + len(MOTIF):]
    er = evolutionary_erasure(motif_counter(600, k), seq, target=1, segment_length=20,
                              n_segments=3, population=12, generations=8, restarts=2,
                              n_null=10, seed=5, batch_size=bs, progress=False)
    co = class_optimization(random_cnn(k, 24, seed=5), target=1, restarts=4, steps=60, seed=3,
                            batch_size=min(bs, 4), progress=False)
    top = ism(random_cnn(k), random_dna(3, 300, seed=11), target=0, fast=False, batch_size=bs,
              progress=False).top_table(10)
    print("RESULT" + json.dumps({
        "segments": er.run_starts.tolist(), "null": er.null_drops.tolist(),
        "consensus": [co.consensus(restart=r) for r in range(1, 5)],
        "best_restart": co.best_restart, "ism_top": top["position"].tolist()}))
""")


def _run(batch_size: int, onednn: str) -> dict:
    here = Path(__file__).parent
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(batch_size), str(here)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


def test_same_seed_in_other_processes_batch_sizes_and_onednn():
    a = _run(3, "0")
    b = _run(64, "1")
    for key in ("segments", "consensus", "best_restart", "ism_top"):
        assert a[key] == b[key], key
    np.testing.assert_allclose(a["null"], b["null"], rtol=0, atol=1e-6)
