"""The global-average-pooling fast path equals full forward passes."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import keras_default, random_one_hot, set_seeded_weights
from deepg_interpret import evolutionary_erasure
from deepg_interpret.methods.erasure import ErasureEvaluator
from deepg_interpret.methods.erasure_gap import GapPlan, gap_plan, regions
from deepg_interpret.methods.erasure_search import SegmentSpace
from deepg_interpret.model.adapter import load_model

LENGTH = 3000


@pytest.fixture(scope="module")
def gap_cnn():
    """deepG's gap = TRUE layout: conv / pool / batch norm blocks, global average pooling."""
    k = keras_default()
    model = k.Sequential([
        k.Input((None, 4)),
        k.layers.Conv1D(6, 9, padding="same", activation="relu"),
        k.layers.MaxPooling1D(3), k.layers.BatchNormalization(),
        k.layers.Conv1D(8, 7, padding="same", activation="relu", dilation_rate=2),
        k.layers.BatchNormalization(), k.layers.MaxPooling1D(2),
        k.layers.Conv1D(8, 5, activation="relu"),  # valid padding: shorter output
        k.layers.GlobalAveragePooling1D(), k.layers.Dense(4, activation="relu"),
        k.layers.Dense(2, activation="softmax"),
    ])
    return set_seeded_weights(model, seed=3)


@pytest.mark.parametrize("grid", [True, False])
def test_fast_outputs_equal_full_passes(gap_cnn, grid):
    adapter = load_model(gap_cnn)
    x = random_one_hot(1, LENGTH, seed=1)
    space = SegmentSpace(LENGTH, 50, 12, grid)
    fast = ErasureEvaluator(adapter, x, 1, space, 0.0, fast=True)
    full = ErasureEvaluator(adapter, x, 1, space, 0.0, fast=False)
    assert fast.gap is not None and full.gap is None
    sets = space.random(np.random.default_rng(2), 30)
    sets[0, 0], sets[1, -1] = 0, space.n_positions - 1  # both sequence ends
    if not grid:  # overlapping and adjacent segments
        sets[2, :3] = [100, 120, 170]
    sets = np.sort(sets, axis=1)
    f_fast, f_full = fast.outputs(sets), full.outputs(sets)
    assert np.abs(f_full - full.f_reference).max() > 1e-3  # erasing changes the output
    np.testing.assert_allclose(f_fast, f_full, rtol=0, atol=2e-6)
    # Batch composition changes a set's number only by float32 noise: kernels (oneDNN on
    # or off, AVX-512 or not) sum in another order for another batch size, about 1e-7 of
    # the output per op; 1e-6 of the output's size bounds it with room.
    one_by_one = ErasureEvaluator(adapter, x, 1, space, 0.0, fast=True, batch_size=1)
    scale = max(1.0, float(np.abs(f_fast).max()))
    np.testing.assert_allclose(one_by_one.outputs(sets), f_fast, rtol=0, atol=1e-6 * scale)


def test_search_with_and_without_the_fast_path_agrees(gap_cnn):
    x = random_one_hot(1, LENGTH, seed=4)
    kw = dict(target=1, segment_length=100, n_segments=3, population=12, generations=6,
              restarts=1, n_null=20, seed=2, progress=False)
    fast = evolutionary_erasure(gap_cnn, x, **kw)
    full = evolutionary_erasure(gap_cnn, x, fast=False, **kw)
    assert fast.settings["fast_path"] and not full.settings["fast_path"]
    np.testing.assert_array_equal(fast.run_starts, full.run_starts)
    np.testing.assert_allclose(fast.null_drops, full.null_drops, atol=2e-6)
    assert fast.f_erased == pytest.approx(full.f_erased, abs=2e-6)


def test_models_that_are_not_gap_chains_use_full_passes():
    k = keras_default()
    flat = k.Sequential([k.Input((40, 4)), k.layers.Conv1D(2, 3), k.layers.Flatten(),
                         k.layers.Dense(1)])
    lstm = k.Sequential([k.Input((None, 4)), k.layers.LSTM(3, return_sequences=True),
                         k.layers.GlobalAveragePooling1D(), k.layers.Dense(1)])
    strided = k.Sequential([k.Input((None, 4)), k.layers.Conv1D(2, 3, strides=2),
                            k.layers.GlobalAveragePooling1D(), k.layers.Dense(1)])
    for model in (flat, lstm, strided):
        assert gap_plan(model, k) is None


def test_regions_widen_by_the_receptive_field_and_merge():
    plan = GapPlan(trunk=None, head=None, stride=3, radius=10)
    # segment [30, 40) -> outputs (30 - 10) // 3 = 6 .. (40 + 10) // 3 + 1 = 17
    assert regions(np.array([30]), 10, plan, 100) == [(6, 17)]
    assert regions(np.array([30, 45]), 10, plan, 100) == [(6, 22)]  # overlapping: merged
    assert regions(np.array([0, 290]), 10, plan, 100) == [(0, 7), (93, 100)]  # clipped
    assert plan.halo == 15
