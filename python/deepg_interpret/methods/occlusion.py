"""Occlusion: slide a window over each sequence, erase it, and record the target's drop.

A window of ``window`` bases starts every ``stride`` bases (plus one flush with the
end, so every base is covered) and is replaced by a baseline: ``zero`` (all-zero
rows, deepG's blank), ``uniform`` (``1/C`` per channel), or the window's own bases
shuffled (``shuffle``), dinucleotide-shuffled (``dinuc_shuffle``) or drawn with its
GC content (``gc_matched``). The random fills come from one seed stream per
(sequence, window) (``SeedSequence(seed)`` spawned per sequence, then per window), so
they do not depend on batching. Erased copies are built batch by batch inside
:func:`~deepg_interpret.core.batching.run_batched`: memory holds one batch of copies,
never all of them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_choice, check_int, check_seed
from ..core.batching import predict, run_batched
from ..core.prepare import PerRow, model_layout, prepare, run_by_length, run_settings
from ..dna.baselines import make_baselines
from ..dna.sequences import EncodedSequences
from ..errors import BaselineError, InputError
from ..model.adapter import ModelAdapter
from ..results.erasure import OcclusionResult, occlusion_windows, valid_range

OCCLUSION_BASELINES = ("zero", "uniform", "shuffle", "dinuc_shuffle", "gc_matched")


class OcclusionArrays(NamedTuple):
    """Array-layer result of :func:`occlusion_arrays`."""

    f_reference: np.ndarray  # float64 (n,)
    f_erased: np.ndarray     # float64 (n, L, 1): window starting at offset j; NaN elsewhere
    batch_size: int


def window_fill(x_window: np.ndarray, baseline: str, rng_seed) -> np.ndarray:
    """The baseline that replaces one window ``(w, C)``; ``rng_seed`` seeds random fills."""
    if baseline == "zero":
        return np.zeros_like(x_window)
    if baseline == "uniform":
        return np.full_like(x_window, 1.0 / x_window.shape[-1])
    return make_baselines(x_window, baseline, 1, np.random.default_rng(rng_seed))[0]


def _window_seed(row_seed: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    # The k-th child of the row's stream, built directly (as SeedSequence.spawn would),
    # so window k gets the same fill whichever batch it lands in.
    return np.random.SeedSequence(row_seed.entropy, spawn_key=tuple(row_seed.spawn_key) + (k,))


def occlusion_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int,
                     window: int, stride: int, baseline: str = "zero", seed=None,
                     memory_budget=None, batch_size=None,
                     progress: bool = True) -> OcclusionArrays:
    """Occlusion on encoded inputs of one length (the array layer; arguments checked).

    ``seed`` is an int, None, or one ``np.random.SeedSequence`` per row.
    """
    x = model_layout(adapter, inputs)
    n, item = x.shape[0], x.shape[1:]
    xf = x.reshape(n, -1, x.shape[-1])
    length = xf.shape[1]
    seeds = list(seed) if isinstance(seed, PerRow) else np.random.SeedSequence(seed).spawn(n)
    item_row, item_start, item_k = occlusion_windows(inputs, window, stride)
    span = np.arange(window)

    f_reference = predict(adapter, x, memory_budget=memory_budget).astype(np.float64)[:, target]
    f_erased = np.full((n, length, 1), np.nan)

    def make_batch(a, b):
        batch = xf[item_row[a:b]]
        if baseline in ("zero", "uniform"):  # the same fill everywhere: no per-window seeds
            cells = item_start[a:b, None] + span
            batch[np.arange(b - a)[:, None], cells] = window_fill(batch[0, :window], baseline,
                                                                    None)
            return (batch.reshape((b - a,) + item),)
        for j in range(b - a):
            i, s = item_row[a + j], item_start[a + j]
            batch[j, s:s + window] = window_fill(xf[i, s:s + window], baseline,
                                                 _window_seed(seeds[i], int(item_k[a + j])))
        return (batch.reshape((b - a,) + item),)

    def consume(a, b, out):
        f_erased[item_row[a:b], item_start[a:b], 0] = out[:, target]

    item_bytes = adapter.item_bytes("forward", length) + 4 * int(np.prod(item))
    info = run_batched(adapter.forward, len(item_row), make_batch, consume,
                       item_bytes=item_bytes, memory_budget=memory_budget,
                       batch_size=batch_size, progress=progress, desc="occlusion")
    return OcclusionArrays(f_reference, f_erased, info["batch_size"])


def occlusion(model, sequences, *, target, window: int = 10, stride: int | None = None,
              baseline: str = "zero", seed=None, output: str | None = None, class_names=None,
              memory_budget=None, batch_size: int | None = None, progress: bool = True,
              **encode_options) -> OcclusionResult:
    """Occlusion: how much does the target drop when a window of the sequence is erased?

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        See :func:`load_model`. Variable-length models (deepG's ``maxlen = None``)
        take whole genomes.
    sequences : str, FASTA path, list/dict of str, or one-hot array
        See :func:`encode`; ``window_step`` cuts long sequences into model windows
        (each is occluded on its own and the per-locus table stitches them).
    target : int or str
        Output to explain: 0-based index or class name.
    window : int
        Bases erased at once. Default 10; at most the sequence length.
    stride : int, optional
        Bases between window starts, at most ``window`` (a larger stride would leave
        bases between the windows uncovered: :class:`InputError`). Default None:
        ``max(1, window // 2)``. A last window flush with the sequence end is added
        when needed, so every base is covered.
    baseline : str
        What replaces the window: ``"zero"`` (deepG's blank, all-zero rows; the
        default), ``"uniform"`` (``1/C`` per channel), ``"shuffle"`` (the window's
        bases permuted), ``"dinuc_shuffle"`` (dinucleotide counts kept) or
        ``"gc_matched"`` (random bases with the window's GC content).
    seed : int, optional
        Seed of the random fills (one stream per sequence and window).
    output, class_names, memory_budget, batch_size, progress, **encode_options
        As for :func:`integrated_gradients`; ``batch_size`` counts erased copies.

    Returns
    -------
    OcclusionResult
        ``.to_frame()`` / ``.occlusion_table()``: ``seq_id, start, end, f_reference,
        f_erased, drop`` (1-based, closed); ``.per_locus_table()``: ``seq_id,
        position, ref_base, score_sum`` (mean drop of the windows covering the
        position), ``n_occlusions``.

    Examples
    --------
    >>> import keras, numpy as np
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = occlusion(m, "ACGTACGT", target=0, window=4, stride=4, progress=False)
    >>> res.to_frame()[["start", "end"]].values.tolist()
    [[1, 4], [5, 8]]
    """
    window = check_int(window, "window", 1)
    stride = max(1, window // 2) if stride is None else check_int(stride, "stride", 1)
    if stride > window:
        raise InputError(
            f"stride = {stride} > window = {window} leaves bases uncovered (the {stride - window} "
            f"bases between two windows are never erased); pass stride <= window (e.g. "
            f"stride={window}) or window >= {stride}"
        )
    baseline = check_choice(baseline, "baseline", OCCLUSION_BASELINES, BaselineError)
    seed = check_seed(seed)
    prepared = prepare(model, sequences, output=output, class_names=class_names,
                       function="occlusion", **encode_options)
    adapter, inputs = prepared.adapter, prepared.inputs
    target_index = adapter.resolve_target(target)
    for i in range(len(inputs)):
        lo, hi = valid_range(inputs, i)
        if hi - lo < window:
            raise InputError(
                f"window = {window} is larger than sequence {inputs.seq_ids[i]!r} "
                f"({hi - lo} bases); pass a window of at most {hi - lo} bases"
            )
    arrays = run_by_length(
        occlusion_arrays, adapter, inputs, target=target_index, window=window, stride=stride,
        baseline=baseline, seed=PerRow(np.random.SeedSequence(seed).spawn(len(inputs))),
        memory_budget=memory_budget, batch_size=batch_size, progress=progress)
    f_erased = arrays.f_erased[:, :, 0]
    if inputs.padding is not None:  # run_by_length pads per-position arrays with zeros
        f_erased = np.where(inputs.padding, np.nan, f_erased)
    settings = {"window": window, "stride": stride, "baseline": baseline, "seed": seed,
                "batch_size": arrays.batch_size}
    return OcclusionResult(
        inputs=inputs, target=target_index, target_name=adapter.target_name(target_index),
        f_reference=np.asarray(arrays.f_reference, dtype=np.float64), f_erased=f_erased,
        window=window, stride=stride, settings=run_settings(adapter, "occlusion", settings))


__all__ = ["occlusion", "occlusion_arrays", "OcclusionArrays", "OCCLUSION_BASELINES",
           "window_fill"]
