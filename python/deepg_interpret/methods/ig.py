"""Integrated Gradients, saliency and gradient x input for one-hot DNA models.

Integrated Gradients (Sundararajan et al. 2017) attributes ``F(x) - F(x')`` to
the input features::

    IG_i(x) = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x')) / dx_i da

The integral is approximated with a quadrature rule over interpolation points
``a_k`` with weights ``w_k``; deepG uses the trapezoid rule on ``steps + 1``
equally spaced points, which is the default here, so ``baseline="zero"`` gives
deepG's numbers. Memory does not grow with ``steps``: interpolation points are
built inside the compiled step, batch by batch, and each batch's gradients are
summed with their weights before they leave TensorFlow, so a 1 Mbp input never
holds more than one batch of points.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_baseline_name, check_choice, check_int, check_seed
from ..core.batching import predict, run_batched
from ..core.prepare import (
    EncodeOptions,
    PerRow,
    encode_for,
    model_layout,
    prepare,
    run_by_length,
    run_settings,
)
from ..dna.baselines import BASELINE_NAMES, make_baselines
from ..dna.sequences import EncodedSequences
from ..errors import BaselineError, InputError
from ..model.adapter import ModelAdapter
from ..results import IntegratedGradientsResult
from .gradients import STRAND_RUNS, check_strand, strand_flip

INTEGRATION_METHODS = ("trapezoid", "left", "right", "midpoint", "gauss_legendre")
# Beyond this the quadrature error is far below float32 noise; larger values are typos
# (and would allocate gigabytes of interpolation points).
MAX_STEPS = 100_000
MAX_BASELINES = 10_000


def integration_points(steps: int, method: str = "trapezoid") -> tuple[np.ndarray, np.ndarray]:
    """Points ``a_k`` in [0, 1] and weights ``w_k`` (summing to 1) of a quadrature rule.

    ``trapezoid`` uses ``steps + 1`` points (deepG: the mean of
    ``(g_k + g_{k+1}) / 2`` over ``steps`` intervals); the others use ``steps``.

    Examples
    --------
    >>> a, w = integration_points(2, "trapezoid")
    >>> a.tolist(), w.tolist()
    ([0.0, 0.5, 1.0], [0.25, 0.5, 0.25])
    """
    steps = check_int(steps, "steps", 1, MAX_STEPS)
    if method == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps + 1)
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] /= 2.0
    elif method == "left":
        alphas = np.arange(steps) / steps
        weights = np.full(steps, 1.0 / steps)
    elif method == "right":
        alphas = np.arange(1, steps + 1) / steps
        weights = np.full(steps, 1.0 / steps)
    elif method == "midpoint":
        alphas = (np.arange(steps) + 0.5) / steps
        weights = np.full(steps, 1.0 / steps)
    elif method == "gauss_legendre":
        nodes, w = np.polynomial.legendre.leggauss(steps)
        alphas, weights = (nodes + 1.0) / 2.0, w / 2.0
    else:
        raise InputError(
            f"method = {method!r} is not an integration rule; choose one of {INTEGRATION_METHODS}"
        )
    return alphas, weights


def _ig_step_fn(adapter: ModelAdapter):
    """Compiled step: weighted gradient sums over a batch of interpolation points."""
    return adapter.compiled("ig_step", lambda: _build_ig_step(adapter))


def _build_ig_step(adapter: ModelAdapter):
    import tensorflow as tf

    ndim = len(adapter.item_shape)
    spec = tf.TensorSpec((None,) + adapter.item_shape, tf.float32)

    def step(xs, bases, pair, alphas, weights, target):
        shape = tf.concat([[-1], tf.ones([ndim], tf.int32)], axis=0)
        a = tf.reshape(alphas, shape)
        start = tf.gather(bases, pair)
        points = start + a * (tf.gather(xs, pair) - start)
        _, grads = adapter._value_and_grad(points, target)
        return tf.math.segment_sum(grads * tf.reshape(weights, shape), pair)

    return tf.function(step, input_signature=[
        spec, spec, tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.float32),
        tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.int32),
    ], reduce_retracing=True)



class IGArrays(NamedTuple):
    """Array-layer result of :func:`integrated_gradients_arrays`."""

    attributions: np.ndarray  # float32 (n, L, C)
    f_input: np.ndarray       # float64 (n,)
    f_baseline: np.ndarray    # float64 (n,), mean over baselines
    n_baselines: int
    batch_size: int


def _background_array(background, adapter: ModelAdapter, options: EncodeOptions):
    if background is None:
        return None
    if isinstance(background, EncodedSequences):
        return background.onehot
    bg_options = EncodeOptions(**{**options.as_dict(), "seq_ids": None, "window_step": None})
    try:
        return encode_for(adapter, background, bg_options).onehot
    except InputError as exc:
        raise BaselineError(
            f"background: {exc}. Give background sequences of the model's length and channels"
        ) from None


def _explicit_baseline(baseline, item: tuple) -> np.ndarray:
    explicit = np.asarray(baseline, dtype=np.float32)
    if explicit.ndim == len(item) + 1 and explicit.shape[1:] == item:
        return explicit.reshape(explicit.shape[0], -1, explicit.shape[-1])
    if explicit.shape == item:
        return explicit.reshape(-1, explicit.shape[-1])
    return explicit


def _explicit_count(rows: int, n_baselines: int) -> int:
    """Baselines of an explicit ``(k, L, C)`` array: its ``k`` rows.

    ``n_baselines`` 1 (the default) means "the array's rows"; any other value must
    equal ``k``: an array with fewer (or more) rows never runs silently with ``k``.
    """
    if n_baselines not in (1, rows):
        fewer = "fewer" if rows < n_baselines else "more"
        raise BaselineError(
            f"baseline holds {rows} baselines ({fewer} than n_baselines = {n_baselines}); "
            f"pass n_baselines={rows} (or leave it out: an explicit array's rows are its "
            f"baselines), or an array with {n_baselines} rows."
        )
    return rows


def integrated_gradients_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int,
                                baseline="zero", steps: int = 50, n_baselines: int = 1,
                                method: str = "trapezoid", seed=None, background=None,
                                memory_budget=None, batch_size=None,
                                progress: bool = True) -> IGArrays:
    """Integrated Gradients on encoded inputs (the array layer; arguments already checked).

    ``background`` is an array ``(m, L, C)``; ``target`` a 0-based index; ``seed`` an
    int, None, or one ``np.random.SeedSequence`` per sequence (so a sequence's random
    baselines do not depend on which other sequences share its run).
    """
    alphas, weights = integration_points(steps, method)
    x = model_layout(adapter, inputs)
    n, item = x.shape[0], x.shape[1:]
    xf = x.reshape(n, -1, x.shape[-1])
    if isinstance(baseline, str) and baseline in ("zero", "uniform"):
        n_baselines = 1  # deterministic baselines: repeats would give the same numbers
    if not isinstance(baseline, str):
        baseline = _explicit_baseline(baseline, item)
        if baseline.ndim == 3:
            n_baselines = _explicit_count(baseline.shape[0], n_baselines)
    seeds = list(seed) if isinstance(seed, PerRow) else np.random.SeedSequence(seed).spawn(n)
    vocabulary = inputs.vocabulary
    # Baselines are regenerated from their per-sequence seed when needed again (the F(x')
    # pass), so memory holds two sequences' baselines, not all of them (1% of the work).
    cache: dict[int, np.ndarray] = {}

    def baselines_of(i: int) -> np.ndarray:
        if i not in cache:
            for old in [k for k in cache if k < i - 1]:
                del cache[old]
            cache[i] = make_baselines(xf[i], baseline, n_baselines, np.random.default_rng(seeds[i]),
                                      background=background, vocabulary=vocabulary,
                                      ).reshape((n_baselines,) + item)
        return cache[i]

    baselines_of(0)  # validates the baseline up front: bad input fails before model work
    import tensorflow as tf

    n_points = len(alphas)
    if method == "trapezoid":
        # deepG's points exactly: float32 tf.linspace differs from float64 np.linspace in the
        # last bit of some values, which shows at 100 kb inputs.
        alphas = tf.linspace(0.0, 1.0, n_points).numpy().astype(np.float64)
    target_t = tf.constant(target, tf.int32)
    attributions = np.zeros((n,) + item, dtype=np.float32)
    alphas32, weights32 = alphas.astype(np.float32), weights.astype(np.float32)
    in_flight: list[np.ndarray] = []  # (sequence, baseline) pairs of the batch in flight

    def make_batch(start, stop):
        idx = np.arange(start, stop)
        pairs, local = np.unique(idx // n_points, return_inverse=True)
        bases = np.stack([baselines_of(p // n_baselines)[p % n_baselines] for p in pairs])
        in_flight[:] = [pairs]
        return (x[pairs // n_baselines], bases, local.astype(np.int32),
                alphas32[idx % n_points], weights32[idx % n_points], target_t)

    def consume(start, stop, grad_sums):
        for row, p in enumerate(in_flight[0]):
            i, j = divmod(int(p), n_baselines)
            attributions[i] += (x[i] - baselines_of(i)[j]) * grad_sums[row] / n_baselines

    length = xf.shape[1]
    item_bytes = adapter.item_bytes("gradient", length) + 16 * int(np.prod(item))
    info = run_batched(_ig_step_fn(adapter), n * n_baselines * n_points, make_batch, consume,
                       item_bytes=item_bytes, memory_budget=memory_budget, batch_size=batch_size,
                       progress=progress, desc="integrated gradients")

    # F(x) and F(x'): one forward pass per sequence and baseline (about 1% of the gradient work).
    f_input = predict(adapter, x, memory_budget=memory_budget)[:, target]
    f_base = np.empty(n * n_baselines, dtype=np.float64)

    def consume_forward(start, stop, out):
        f_base[start:stop] = out[:, target]

    run_batched(adapter.forward, n * n_baselines,
                lambda a, b: (np.stack([baselines_of(p // n_baselines)[p % n_baselines]
                                        for p in range(a, b)]),),
                consume_forward, item_bytes=adapter.item_bytes("forward", length),
                memory_budget=memory_budget, progress=False)
    return IGArrays(attributions.reshape(n, -1, x.shape[-1]), f_input.astype(np.float64),
                    f_base.reshape(n, n_baselines).mean(axis=1), n_baselines, info["batch_size"])


def _flipped_baseline(baseline, flip, length: int):
    """An explicit baseline in reverse-complement coordinates (named baselines as they are)."""
    if isinstance(baseline, str):
        return baseline
    arr = np.asarray(baseline, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[0] == length:
        return flip(arr[None])[0]
    if arr.ndim == 3 and arr.shape[1] == length:
        return flip(arr)
    return arr  # a shape the array layer rejects with its own message


def strand_flip_array(background, flip):
    """Background rows ``(m, L, C)`` reverse-complemented like the inputs (None stays None)."""
    if background is None:
        return None
    return flip(np.asarray(background, dtype=np.float32))


def integrated_gradients(model, sequences, *, target, baseline="zero", steps: int = 50,
                         n_baselines: int = 1, method: str = "trapezoid", seed=None,
                         background=None, strand: str = "forward",
                         output: str | None = None, class_names=None,
                         memory_budget=None, batch_size: int | None = None,
                         progress: bool = True, **encode_options) -> IntegratedGradientsResult:
    """Integrated Gradients of a deepG/Keras model's target on DNA sequences.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        See :func:`load_model`.
    sequences : str, FASTA path, list/dict of str, or one-hot array
        See :func:`encode`. Sequences longer than the model's maxlen need
        ``window_step`` (windows), shorter ones ``pad``.
    target : int or str
        Output to explain: 0-based index or class name.
    baseline : str or np.ndarray
        ``"zero"`` (deepG default), ``"uniform"`` (1/C each), ``"shuffle"``
        (positions permuted, as deepG), ``"dinuc_shuffle"`` (dinucleotide counts
        kept), ``"gc_matched"``, ``"background"`` (rows drawn from
        ``background``), or an explicit array ``(L, C)`` / ``(n_baselines, L, C)``.
    steps : int
        Quadrature steps (trapezoid uses ``steps + 1`` points). Default 50, at most
        100,000.
    n_baselines : int
        Baselines per sequence (random baselines); IG is averaged over them. Default 1.
        An explicit ``(k, L, C)`` array brings its own ``k`` baselines: leave
        ``n_baselines`` at 1 or pass ``k``; another value raises :class:`BaselineError`.
    method : str
        ``"trapezoid"`` (deepG), ``"left"``, ``"right"``, ``"midpoint"`` or
        ``"gauss_legendre"`` (reaches a given completeness gap with fewer steps).
    seed : int, optional
        Seed for random baselines (reproducible per sequence, whatever the batching).
    background : sequences or array, optional
        Pool for ``baseline="background"``.
    strand : {"forward", "reverse", "both"}
        ``"reverse"`` explains the reverse complement of every row (window) and maps
        its attributions back to forward positions and bases (``A<->T``, ``C<->G``);
        ``"both"`` averages forward and reverse (a genome has no fixed strand);
        explicit baselines and background rows are reverse-complemented with the
        input. ``f_input``/``f_baseline`` are averaged over the strands run, so
        completeness still holds. Default ``"forward"``.
    output : {"probability", "logit"}, optional
        Explain the probability or the pre-softmax logit.
    class_names : list of str, optional
        Output names, so ``target`` can be a name.
    memory_budget : int or str, optional
        Bytes of intermediate tensors per batch (default 1 GiB).
    batch_size : int, optional
        Fixed number of interpolation points per batch (overrides the budget).
    progress : bool
        Show a progress bar.
    **encode_options
        ``maxlen``, ``window_step``, ``pad``, ``ambiguous``, ``vocabulary``,
        ``seq_ids``: see :class:`~deepg_interpret.core.prepare.EncodeOptions`.

    Returns
    -------
    IntegratedGradientsResult
        ``.attributions`` ``(n, L, C)``, ``.attribution_table()``,
        ``.per_locus_table()``, ``.summary_table()`` (completeness gap
        ``delta = F(x) - F(x') - sum(IG)`` per sequence), ``.tables()``.

    Examples
    --------
    >>> import keras, numpy as np
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(2, activation="softmax")])
    >>> res = integrated_gradients(m, "ACGTACGT", target=1, steps=20, progress=False)
    >>> res.attributions.shape
    (1, 8, 4)
    >>> bool(abs(res.summary_table()["delta"].iloc[0]) < 1e-2)
    True
    """
    method = check_choice(method, "method", INTEGRATION_METHODS)
    baseline = check_baseline_name(baseline, BASELINE_NAMES)
    n_baselines = check_int(n_baselines, "n_baselines", 1, MAX_BASELINES)
    n_points = len(integration_points(steps, method)[0])  # checks steps before any model work
    seed = check_seed(seed)
    strand = check_strand(strand)
    prepared = prepare(model, sequences, output=output, class_names=class_names,
                       function="integrated_gradients", **encode_options)
    adapter = prepared.adapter
    target_index = adapter.resolve_target(target)
    bg = _background_array(background, adapter, prepared.options)
    runs = []
    for rc in STRAND_RUNS[strand]:
        rows, flip = strand_flip(prepared.inputs) if rc else (prepared.inputs, None)
        length = prepared.inputs.onehot.shape[1]
        one = run_by_length(  # one run per length group for variable-length models
            integrated_gradients_arrays, adapter, rows, target=target_index,
            baseline=_flipped_baseline(baseline, flip, length) if rc else baseline,
            steps=steps, n_baselines=n_baselines, method=method,
            seed=PerRow(np.random.SeedSequence(seed).spawn(len(prepared.inputs))),
            background=strand_flip_array(bg, flip) if rc else bg,
            memory_budget=memory_budget, batch_size=batch_size, progress=progress)
        runs.append(one._replace(attributions=flip(one.attributions)) if rc else one)
    arrays = runs[0] if len(runs) == 1 else runs[0]._replace(
        attributions=np.mean([r.attributions for r in runs], axis=0, dtype=np.float32),
        f_input=np.mean([r.f_input for r in runs], axis=0),
        f_baseline=np.mean([r.f_baseline for r in runs], axis=0))
    settings = {
        "baseline": baseline if isinstance(baseline, str) else "explicit",
        "steps": int(steps), "n_points": n_points,
        "integration": method, "n_baselines": arrays.n_baselines, "seed": seed,
        "batch_size": arrays.batch_size, "strand": strand,
    }
    return IntegratedGradientsResult(
        attributions=arrays.attributions, inputs=prepared.inputs,
        method="integrated_gradients", target=target_index,
        target_name=adapter.target_name(target_index), f_input=arrays.f_input,
        f_baseline=arrays.f_baseline,
        settings=run_settings(adapter, "integrated_gradients", settings),
    )


__all__ = ["integrated_gradients", "integrated_gradients_arrays", "integration_points",
           "IGArrays", "INTEGRATION_METHODS", "MAX_STEPS"]
