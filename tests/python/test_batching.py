"""The one batching core: budgets, out-of-memory halving, ordering."""

from __future__ import annotations

import numpy as np
import pytest

from deepg_interpret import InputError
from deepg_interpret.core.batching import choose_batch_size, parse_memory_budget, run_batched


def test_budget_parsing():
    assert parse_memory_budget("2G") == 2 << 30
    assert parse_memory_budget("512MiB") == 512 << 20
    assert parse_memory_budget(1000) == 1000
    with pytest.raises(InputError, match="512M"):
        parse_memory_budget("lots")
    with pytest.raises(InputError, match="positive"):
        parse_memory_budget(-1)


def test_batch_size_from_budget():
    assert choose_batch_size(item_bytes=100, memory_budget=1000) == 10
    assert choose_batch_size(item_bytes=10_000, memory_budget=1000) == 1  # never zero
    assert choose_batch_size(item_bytes=1, memory_budget=10**9, n_items=7) == 7
    assert choose_batch_size(item_bytes=1, batch_size=3) == 3
    with pytest.raises(InputError, match="batch_size"):
        choose_batch_size(item_bytes=1, batch_size=0)


def test_every_item_once_in_order():
    seen = []
    info = run_batched(lambda x: x * 10, 23, lambda a, b: (np.arange(a, b),),
                       lambda a, b, y: seen.append((a, b, y.tolist())), item_bytes=1,
                       batch_size=5, progress=False)
    assert [s[:2] for s in seen] == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    assert sum((s[2] for s in seen), []) == [i * 10 for i in range(23)]
    assert info["n_batches"] == 5


def test_out_of_memory_halves_and_retries():
    import tensorflow as tf

    sizes = []

    def fn(x):
        sizes.append(len(x))
        if len(x) > 3:
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
        return x + 1

    out = []
    info = run_batched(fn, 10, lambda a, b: (np.arange(a, b),), lambda a, b, y: out.extend(y),
                       item_bytes=1, batch_size=16, progress=False)
    assert out == list(range(1, 11))
    assert sizes[:3] == [10, 5, 2] and info["retries"] == 2 and info["batch_size"] == 2


def test_out_of_memory_with_one_item_gives_advice():
    def fn(x):
        raise MemoryError

    with pytest.raises(InputError, match="single item"):
        run_batched(fn, 3, lambda a, b: (np.arange(a, b),), lambda *a: None, item_bytes=1,
                    batch_size=1, progress=False)


def test_other_errors_are_not_swallowed():
    def fn(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_batched(fn, 3, lambda a, b: (np.arange(a, b),), lambda *a: None, item_bytes=1,
                    progress=False)
