"""The one batch loop every method uses.

Methods describe their work as ``n_items`` items (interpolation points, mutants,
embedded backgrounds, erased genomes, ...). :func:`run_batched` cuts them into
batches that fit a memory budget, builds each batch lazily (so the whole job is
never in memory at once), runs a compiled ``tf.function`` on it, hands the
numpy outputs to the method's ``consume`` callback, halves the batch and retries
when TensorFlow runs out of memory, and shows a progress bar on long work.
:func:`predict` runs a model adapter's forward pass through it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import numpy as np

from ..errors import InputError
from ..model.adapter import ModelAdapter

DEFAULT_MEMORY_BUDGET = 1 << 30  # 1 GiB of intermediate tensors per batch
ENV_MEMORY_BUDGET = "DEEPG_INTERPRET_MEMORY_BUDGET"
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_memory_budget(budget) -> int:
    """Bytes from an int, or a string such as ``"512M"`` / ``"2G"``.

    None reads ``$DEEPG_INTERPRET_MEMORY_BUDGET`` and falls back to 1 GiB. Units
    ``K``, ``M``, ``G``, ``T`` (powers of 1024, an optional ``B``/``iB`` is ignored).
    Zero, negative, infinite, NaN, empty and unparsable budgets raise
    :class:`InputError`.

    Examples
    --------
    >>> parse_memory_budget("512M")
    536870912
    """
    source = "memory_budget"
    if budget is None:
        env = os.environ.get(ENV_MEMORY_BUDGET)
        if env is not None and env.strip():
            budget, source = env, f"${ENV_MEMORY_BUDGET}"
        else:
            return DEFAULT_MEMORY_BUDGET
    fix = "use a positive size like '512M' or '2G' (or a number of bytes)"
    if isinstance(budget, (bytes, bytearray)):
        budget = bytes(budget).decode("ascii", errors="replace")
    if isinstance(budget, str):
        text = budget.strip().lower()
        for suffix in ("ib", "b"):
            if text.endswith(suffix):
                text = text[: -len(suffix)].rstrip()
                break
        scale = 1
        if text and text[-1] in _UNITS:
            text, scale = text[:-1].rstrip(), _UNITS[text[-1]]
        try:
            value = float(text) * scale
        except ValueError:
            raise InputError(f"{source} = {budget!r} is not a size; {fix}") from None
    elif isinstance(budget, (bool, np.bool_)) or not isinstance(
            budget, (int, float, np.integer, np.floating)):
        raise InputError(
            f"{source} must be a size in bytes or a string like '512M', got "
            f"{type(budget).__name__} {budget!r}; {fix}"
        )
    else:
        value = float(budget)
    if not math.isfinite(value) or value < 1:
        raise InputError(
            f"{source} = {budget!r} is not a usable memory budget (it must be a finite size of "
            f"at least 1 byte); {fix}"
        )
    return int(value)


def choose_batch_size(item_bytes: int, memory_budget=None, batch_size=None, n_items=None) -> int:
    """Items per batch: ``batch_size`` if given, else ``budget // item_bytes`` (at least 1)."""
    if batch_size is not None:
        if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
            raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
        size = int(batch_size)
    else:
        size = max(1, parse_memory_budget(memory_budget) // max(int(item_bytes), 1))
    if n_items is not None:
        size = min(size, max(int(n_items), 1))
    return size


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, tf.errors.ResourceExhaustedError)


def _progress(total: int, desc: str | None, enabled: bool):
    from tqdm.auto import tqdm

    # tqdm decides by itself not to redraw too often; mininterval keeps R consoles readable.
    return tqdm(total=total, desc=desc, disable=not enabled, unit="item", mininterval=0.5,
                leave=False, dynamic_ncols=True)


def run_batched(fn: Callable, n_items: int, make_batch: Callable[[int, int], tuple],
                consume: Callable[[int, int, object], None], *, item_bytes: int,
                memory_budget=None, batch_size=None, progress: bool = True,
                desc: str | None = None, min_items_for_progress: int = 2) -> dict:
    """Run ``fn`` over ``n_items`` items in memory-budgeted batches.

    Parameters
    ----------
    fn : callable
        Usually a compiled ``tf.function``; called as ``fn(*make_batch(a, b))``.
    n_items : int
        Number of items.
    make_batch : callable
        ``make_batch(start, stop)`` builds the inputs for items ``[start, stop)``.
    consume : callable
        ``consume(start, stop, outputs)`` receives ``fn``'s outputs as numpy
        (a tuple when ``fn`` returns several tensors).
    item_bytes : int
        Memory one item needs (see :meth:`ModelAdapter.item_bytes`).
    memory_budget : int or str, optional
        Bytes for one batch's tensors (default 1 GiB, or
        ``$DEEPG_INTERPRET_MEMORY_BUDGET``).
    batch_size : int, optional
        Fixed items per batch (overrides the budget).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``batch_size`` used at the end, ``n_batches``, ``seconds``, ``retries``.

    Examples
    --------
    >>> out = []
    >>> info = run_batched(lambda x: x * 2, 5, lambda a, b: (np.arange(a, b),),
    ...                    lambda a, b, y: out.extend(y.tolist()), item_bytes=8, batch_size=2,
    ...                    progress=False)
    >>> out, info["n_batches"]
    ([0, 2, 4, 6, 8], 3)
    """
    n_items = int(n_items)
    size = choose_batch_size(item_bytes, memory_budget, batch_size, n_items)
    start, n_batches, retries = 0, 0, 0
    began = time.perf_counter()
    with _progress(n_items, desc, progress and n_items >= min_items_for_progress) as bar:
        while start < n_items:
            stop = min(start + size, n_items)
            try:
                outputs = fn(*make_batch(start, stop))
                outputs = _to_numpy(outputs)
            except Exception as exc:
                if not _is_out_of_memory(exc) or size == 1:
                    if _is_out_of_memory(exc):
                        raise InputError(
                            "out of memory with a batch of a single item; lower memory use "
                            "elsewhere, or use a machine with more memory for this input length"
                        ) from exc
                    raise
                size = max(1, size // 2)
                retries += 1
                continue
            consume(start, stop, outputs)
            bar.update(stop - start)
            n_batches += 1
            start = stop
    return {"batch_size": size, "n_batches": n_batches, "seconds": time.perf_counter() - began,
            "retries": retries}


def _to_numpy(outputs):
    if isinstance(outputs, (tuple, list)):
        return tuple(_to_numpy(o) for o in outputs)
    return outputs.numpy() if hasattr(outputs, "numpy") else np.asarray(outputs)


def predict(adapter: ModelAdapter, x, *, memory_budget=None, batch_size=None,
            progress=False) -> np.ndarray:
    """Model outputs ``(n, n_outputs)`` for one-hot ``x``, batched within the memory budget.

    ``x`` is checked with :meth:`ModelAdapter.check_input` (a single item ``(L, C)``
    becomes ``(1, L, C)``); the output kind (probability or logit) is the adapter's.

    Examples
    --------
    >>> import keras
    >>> from deepg_interpret.model.adapter import load_model
    >>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(2, activation="softmax")])
    >>> predict(load_model(m), np.zeros((3, 20, 4), dtype="float32")).shape
    (3, 2)
    """
    arr = adapter.check_input(x)
    out = np.empty((arr.shape[0], adapter.n_outputs), dtype=np.float32)

    def consume(start, stop, result):
        out[start:stop] = result

    run_batched(
        adapter.forward, arr.shape[0], lambda a, b: (arr[a:b],), consume,
        item_bytes=adapter.item_bytes("forward", arr.shape[-2]), memory_budget=memory_budget,
        batch_size=batch_size, progress=progress, desc="predict",
    )
    return out


__all__ = ["run_batched", "predict", "choose_batch_size", "parse_memory_budget",
           "DEFAULT_MEMORY_BUDGET"]
