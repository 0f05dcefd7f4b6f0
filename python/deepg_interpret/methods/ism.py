"""In silico mutagenesis (ISM): every alternative base at every position, through the model.

``delta = f(mutant) - f(reference)`` for the explained output, where a mutant is the
input with one position set to one base (one-hot). Positions whose reference is
ambiguous (N or another IUPAC code, encoded as zeros or 0.25 per base) get every base
as a mutant. Padding (``pad=``) is not sequence and is not mutated.

Two exact computations:

- **naive**: every mutant through the model's forward pass, built batch by batch
  (memory holds one batch of mutants, never all ``3 L``); works for every model the
  engine loads (LSTM, several inputs, set models, windows, variable lengths);
- **fast** (``methods/ism_fast.py``): convolutional stacks recompute only the window
  of each layer that a mutation alters. ``fast="auto"`` uses it when the model
  allows and it agrees with the naive path on a sample of mutants; the result's
  settings say which path ran (``path``) and why the fast one did not
  (``fast_refused``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_int
from ..core.batching import predict, run_batched
from ..core.prepare import model_layout, prepare, run_by_length, run_settings
from ..dna.sequences import EncodedSequences
from ..errors import DeepGInterpretError, InputError
from ..model.adapter import ModelAdapter
from ..results.ism import ISMResult
from .ism_fast import FastPathUnsupported, make_plan
from .ism_fast_step import build_mutants, build_reference, window_starts

FAST_CHOICES = ("auto", "true", "false")
# The fast path must match naive mutants this closely (relative to the output's scale) in
# its self-check; float32 reorderings give ~1e-6, a wrong window gives O(1) errors.
SELF_CHECK_RTOL = 1e-4
# Heads that "auto" leaves to the naive path: they dominate the cost of every mutant.
RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "Bidirectional", "RNN", "ConvLSTM1D"})


class ISMArrays(NamedTuple):
    """Array-layer result of :func:`ism_arrays`."""

    deltas: np.ndarray       # float32 (n, L, C), NaN outside the region
    f_reference: np.ndarray  # float64 (n,)
    path: str                # "fast" or "naive"
    fast_refused: str        # why the fast path did not run ("" when it did)
    batch_size: int


def _check_fast(fast) -> str:
    if isinstance(fast, (bool, np.bool_)):
        return "true" if fast else "false"
    if isinstance(fast, str) and fast.lower() in FAST_CHOICES:
        return fast.lower()
    raise InputError(f"fast = {fast!r} is not a choice; use 'auto' (fast path where the model "
                     "allows it), True (fast path or an error) or False (naive path)")


def _cells(inputs: EncodedSequences, start: int, end: int):
    """Reference codes ``(n, R)`` (C at ambiguous positions) and mutants per cell (0 on padding)."""
    channels = inputs.onehot.shape[-1]
    region = inputs.onehot[:, start - 1:end]
    ambiguous = inputs.ambiguous[:, start - 1:end]
    ref = np.where(ambiguous, channels, region.argmax(axis=-1)).astype(np.int64)
    n_alt = np.where(ambiguous, channels, channels - 1).astype(np.int64)
    if inputs.padding is not None:
        n_alt[inputs.padding[:, start - 1:end]] = 0
    return ref, n_alt


def ism_naive_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int,
                     start: int, end: int, memory_budget=None, batch_size=None,
                     progress: bool = True) -> ISMArrays:
    """ISM by running every mutant through ``adapter.forward`` (exact, any model)."""
    x = model_layout(adapter, inputs)
    n, item = x.shape[0], x.shape[1:]
    flat = x.reshape(n, -1, x.shape[-1])
    channels, length = flat.shape[2], flat.shape[1]
    f_ref = predict(adapter, x, memory_budget=memory_budget)[:, target].astype(np.float64)
    ref, n_alt = _cells(inputs, start, end)
    width = end - start + 1
    offsets = np.concatenate([[0], np.cumsum(n_alt.ravel())])
    deltas = np.full((n, length, channels), np.nan, dtype=np.float32)
    deltas[:, start - 1:end] = 0.0
    eye = np.eye(channels, dtype=np.float32)
    in_flight: list = []

    def make_batch(a, b):
        k = np.arange(a, b)
        cell = np.searchsorted(offsets, k, side="right") - 1
        alt = k - offsets[cell]
        base = alt + (alt >= ref.ravel()[cell])
        row, pos = np.divmod(cell, width)
        pos = pos + start - 1
        batch = flat[row]
        batch[np.arange(len(k)), pos] = eye[base]
        in_flight[:] = [row, pos, base]
        return (batch.reshape((len(k),) + item),)

    def consume(a, b, out):
        row, pos, base = in_flight
        deltas[row, pos, base] = out[:, target] - f_ref[row]

    info = run_batched(adapter.forward, int(offsets[-1]), make_batch, consume,
                       item_bytes=adapter.item_bytes("forward", length),
                       memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                       desc="ISM")
    return ISMArrays(deltas, f_ref, "naive", "", info["batch_size"])


class _FastRun:
    """Compiled fast-path steps of one plan, with per-sequence reference buffers on demand."""

    def __init__(self, adapter: ModelAdapter, x: np.ndarray, plan):
        import tensorflow as tf

        self.tf, self.plan, self.x = tf, plan, x
        key = f"ism_fast_{plan.length}"
        self.reference = adapter.compiled(key + "_ref", lambda: build_reference(plan))
        self.mutants = adapter.compiled(key + "_mut", lambda: build_mutants(plan))
        self.cache: dict[int, tuple] = {}
        self.f_ref = np.empty(x.shape[0], dtype=np.float64)

    def refs(self, rows: np.ndarray, target: int) -> tuple:
        """The reference tensors of ``rows`` (consecutive sequence indices), stacked."""
        missing = [r for r in rows.tolist() if r not in self.cache]
        if missing:
            out = self.reference(self.tf.constant(self.x[missing]))
            for j, r in enumerate(missing):
                self.cache[r] = tuple(t[j:j + 1] for t in out[:-1])
                self.f_ref[r] = float(out[-1][j, target])
        for old in [r for r in self.cache if r < rows[0]]:
            del self.cache[old]  # items run in sequence order: earlier rows are done
        parts = [self.cache[r] for r in rows.tolist()]
        if len(parts) == 1:
            return parts[0]
        return tuple(self.tf.concat(ts, axis=0) for ts in zip(*parts))

    def values(self, rows: np.ndarray, pos: np.ndarray, target: int) -> np.ndarray:
        """``(U, C)`` target values at every base of the cells ``(rows, pos)`` (no batching)."""
        uniq, local = np.unique(rows, return_inverse=True)
        tensors = self.refs(uniq, target)
        return self.mutants(*tensors, local.astype(np.int32), pos.astype(np.int32),
                            window_starts(self.plan, pos), np.int32(target)).numpy()


def ism_fast_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int, start: int,
                    end: int, memory_budget=None, batch_size=None, progress: bool = True,
                    check: bool = True, auto: bool = False) -> ISMArrays:
    """ISM on the fast path (raises :class:`FastPathUnsupported` where it cannot run).

    ``check`` compares a few positions with naive mutants first and refuses (raises)
    when they disagree by more than ``SELF_CHECK_RTOL`` of the output scale. ``auto``
    also refuses recurrent heads (see :data:`RECURRENT`).
    """
    x = model_layout(adapter, inputs)
    n, length, channels = len(inputs), inputs.length, inputs.onehot.shape[-1]
    try:
        plan = make_plan(adapter, length)
        recurrent = [type(la).__name__ for la in plan.head_layers
                     if type(la).__name__ in RECURRENT]
        if auto and recurrent:
            raise FastPathUnsupported(
                f"its head ({recurrent[0]}) runs over the whole sequence for every mutant, so "
                "windowing the convolutions saves little (fast=True runs it anyway)")
        run = _FastRun(adapter, x, plan)
        f_true = predict(adapter, x, memory_budget=memory_budget)[:, target].astype(np.float64)
        if check:  # once per model, length and target: the plan's ops do not change
            adapter.compiled(f"ism_fast_{length}_checked_{target}", lambda: _self_check(
                adapter, run, x, f_true, target, start, end) or True)
    except FastPathUnsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the plan means: use the naive path
        raise FastPathUnsupported(f"{type(exc).__name__}: {exc}") from exc
    ref, n_alt = _cells(inputs, start, end)
    cells = np.flatnonzero(n_alt.ravel() > 0)
    width = end - start + 1
    deltas = np.full((n, length, channels), np.nan, dtype=np.float32)
    deltas[:, start - 1:end] = 0.0
    in_flight: list = []

    def make_batch(a, b):
        row, pos = np.divmod(cells[a:b], width)
        pos = pos + start - 1
        uniq, local = np.unique(row, return_inverse=True)
        in_flight[:] = [row, pos]
        return (*run.refs(uniq, target), local.astype(np.int32), pos.astype(np.int32),
                window_starts(plan, pos), np.int32(target))

    def consume(a, b, values):
        row, pos = in_flight
        deltas[row, pos] = values - run.f_ref[row][:, None]

    item_bytes = plan.cell_bytes(adapter.item_bytes("forward", length))
    try:
        info = run_batched(run.mutants, len(cells), make_batch, consume, item_bytes=item_bytes,
                           memory_budget=memory_budget, batch_size=batch_size,
                           progress=progress, desc="ISM (fast)")
    except DeepGInterpretError:
        raise
    except Exception as exc:  # noqa: BLE001 - a raw TF error of the plan: the naive path can run
        raise FastPathUnsupported(
            f"running its windowed layers failed ({type(exc).__name__}: {str(exc)[:200]})"
        ) from exc
    # The reference base is the input itself: its change is 0 by definition.
    r_idx, p_idx = np.nonzero(ref < channels)
    deltas[r_idx, p_idx + start - 1, ref[r_idx, p_idx]] = 0.0
    return ISMArrays(deltas, f_true, "fast", "", info["batch_size"])


def _self_check(adapter, run: _FastRun, x, f_true, target, start, end) -> None:
    """Fast values at a few positions of the first sequence == their mutants' forward pass."""
    channels = x.shape[-1]
    pos = np.unique(np.array([start - 1, (start + end) // 2 - 1, end - 1]))
    rows = np.zeros(len(pos), dtype=np.int64)
    fast = run.values(rows, pos, target)
    mutants = np.repeat(x[:1], len(pos) * channels, axis=0)
    mutants[np.arange(len(mutants)), np.repeat(pos, channels)] = np.tile(
        np.eye(channels, dtype=np.float32), (len(pos), 1))
    naive = predict(adapter, mutants)[:, target].reshape(len(pos), channels)
    scale = max(1.0, float(np.abs(naive).max()), float(np.abs(f_true).max()))
    run.refs(np.arange(min(len(x), 8)), target)
    gap = max(float(np.abs(fast - naive).max()),
              float(np.abs(run.f_ref[:min(len(x), 8)] - f_true[:min(len(x), 8)]).max()))
    run.cache.clear()
    if not gap <= SELF_CHECK_RTOL * scale:
        raise FastPathUnsupported(
            f"its self-check differs from the model by {gap:.3g} (a layer it does not model)")


def ism_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int, start: int,
               end: int | None, fast: str = "auto", memory_budget=None, batch_size=None,
               progress: bool = True) -> ISMArrays:
    """ISM on encoded inputs of one length (array layer; arguments checked): fast or naive.

    ``end=None`` is the inputs' length.
    """
    end = inputs.length if end is None else end
    refused = "fast=False"
    if fast != "false":
        try:
            return ism_fast_arrays(adapter, inputs, target=target, start=start, end=end,
                                   memory_budget=memory_budget, batch_size=batch_size,
                                   progress=progress, auto=fast == "auto")
        except FastPathUnsupported as exc:
            if fast == "true":
                raise FastPathUnsupported(
                    f"fast=True but the fast ISM path cannot run on this model: {exc}. Use "
                    "fast='auto' (falls back to the exact naive path) or fast=False") from None
            refused = str(exc)
    arrays = ism_naive_arrays(adapter, inputs, target=target, start=start, end=end,
                              memory_budget=memory_budget, batch_size=batch_size,
                              progress=progress)
    return arrays._replace(fast_refused=refused)


def _check_region(start: int | None, end: int | None,
                  inputs: EncodedSequences) -> tuple[int, int | None]:
    """The region against the encoded length (``start``/``end`` already ints >= 1 or None)."""
    shortest = int(inputs.lengths.min()) if inputs.lengths is not None else inputs.length
    start = 1 if start is None else start
    if end is None:  # every position (each length group its own, for variable lengths)
        if start > shortest:
            raise InputError(f"start = {start} is beyond the sequence: the model's inputs "
                             f"have {shortest} positions; give 1 <= start <= {shortest}")
        return start, None
    if start > end:
        raise InputError(f"start = {start} is after end = {end}; give 1-based positions with "
                         "start <= end (a closed range)")
    if end > shortest:
        raise InputError(
            f"end = {end} is beyond the sequence: the model's inputs have {shortest} positions "
            f"(1-based positions 1..{shortest} within each input row); lower end or leave it "
            "unset for the whole sequence")
    return start, end


def ism(model, sequences, *, target, start: int | None = None, end: int | None = None,
        fast="auto", output: str | None = None, class_names=None, memory_budget=None,
        batch_size: int | None = None, progress: bool = True, **encode_options) -> ISMResult:
    """In silico mutagenesis: the output change for every alternative base at every position.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        See :func:`load_model`.
    sequences : str, FASTA path, list/dict of str, or one-hot array
        See :func:`encode`.
    target : int or str
        Output to explain: 0-based index or class name.
    start, end : int, optional
        1-based closed region to mutate within each model input row (a window's own
        positions for ``window_step``; the members concatenated for set models).
        Default: every position.
    fast : {"auto", True, False}
        ``"auto"``: the fast path for convolutional stacks where the model allows it
        (and agrees with naive mutants on a sample), else the naive path; ``True``:
        the fast path or an error naming what it cannot handle; ``False``: naive.
    output : {"probability", "logit"}, optional
        Explain the probability or the pre-softmax logit.
    class_names : list of str, optional
    memory_budget : int or str, optional
        Bytes of intermediate tensors per batch (default 1 GiB).
    batch_size : int, optional
        Fixed items per batch: mutants (naive path) or positions with all their
        bases (fast path).
    progress : bool
        Show a progress bar.
    **encode_options
        ``maxlen``, ``window_step``, ``pad``, ``ambiguous``, ``vocabulary``, ``seq_ids``.

    Returns
    -------
    ISMResult
        ``.deltas`` float32 ``(n, L, C)`` (NaN outside the region), ``.ism_table()``
        (``seq_id, position, ref_base, alt_base, delta``), ``.per_locus_table()``
        (``delta_mean``, ``delta_l2`` per position), ``.summary_table()``; settings
        ``path`` ("fast"/"naive") and ``fast_refused`` (why not fast).

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Conv1D(2, 3),
    ...                       keras.layers.Flatten(), keras.layers.Dense(1)])
    >>> res = ism(m, "ACGTACGT", target=0, progress=False)
    >>> res.deltas.shape, res.path
    ((1, 8, 4), 'fast')
    >>> len(res.ism_table())
    24
    """
    fast = _check_fast(fast)
    # Checked before any model work; the range against the length after encoding.
    start = None if start is None else check_int(start, "start", 1)
    end = None if end is None else check_int(end, "end", 1)
    prepared = prepare(model, sequences, output=output, class_names=class_names,
                       function="ism", **encode_options)
    adapter, inputs = prepared.adapter, prepared.inputs
    target_index = adapter.resolve_target(target)
    start, end = _check_region(start, end, inputs)
    arrays = run_by_length(ism_arrays, adapter, inputs, target=target_index, start=start,
                           end=end, fast=fast, memory_budget=memory_budget,
                           batch_size=batch_size, progress=progress)
    deltas = arrays.deltas
    if inputs.padding is not None:  # pad= rows and ragged fill are not sequence
        deltas[inputs.padding] = np.nan
    path = arrays.path if isinstance(arrays.path, str) else ",".join(arrays.path)
    refused = arrays.fast_refused if isinstance(arrays.fast_refused, str) else "; ".join(
        r for r in arrays.fast_refused if r)
    end = inputs.length if end is None else end
    settings = {"start": start, "end": end, "fast": fast, "path": path,
                "fast_refused": refused or None, "batch_size": arrays.batch_size}
    return ISMResult(deltas=deltas, inputs=inputs, target=target_index,
                     target_name=adapter.target_name(target_index),
                     f_reference=np.asarray(arrays.f_reference, dtype=np.float64),
                     region=(start, end), settings=run_settings(adapter, "ism", settings))


__all__ = ["ism", "ism_arrays", "ism_naive_arrays", "ism_fast_arrays", "ISMArrays",
           "FAST_CHOICES", "FastPathUnsupported"]
