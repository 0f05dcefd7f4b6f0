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

import numpy as np

from ..baselines import BASELINE_NAMES, make_baselines
from ..core.batching import run_batched
from ..errors import BaselineError, InputError, ShapeError
from ..io.models import ModelAdapter, load_model
from ..io.sequences import DNA_VOCABULARY, EncodedSequences, encode
from ..results import AttributionResult

INTEGRATION_METHODS = ("trapezoid", "left", "right", "midpoint", "gauss_legendre")


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
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise InputError(f"steps must be a positive integer, got {steps!r}")
    steps = int(steps)
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


def _prepare(model, sequences, *, output, class_names, maxlen, window_step, pad, ambiguous,
             vocabulary, seq_ids=None):
    """Adapter + encoded inputs in the model's layout."""
    default = model.output if isinstance(model, ModelAdapter) else "probability"
    adapter = load_model(model, output=output or default, class_names=class_names)
    if vocabulary is None:
        if adapter.n_channels != len(DNA_VOCABULARY):
            raise ShapeError(
                f"the model has {adapter.n_channels} input channels but the default vocabulary "
                f"is {DNA_VOCABULARY}; pass vocabulary= with {adapter.n_channels} letters in "
                "the order used for training (deepG's `vocabulary` argument)"
            )
        vocabulary = DNA_VOCABULARY
    item = adapter.item_shape
    # Time-distributed models see (n_samples, maxlen, C); the sequence is their concatenation.
    flat_len = None if item[-2] is None else int(np.prod(item[:-1]))
    if isinstance(sequences, np.ndarray) and sequences.ndim == len(item) + 1 and len(item) == 3:
        sequences = sequences.reshape(sequences.shape[0], -1, sequences.shape[-1])
    want = maxlen if maxlen is not None else flat_len
    inputs = encode(sequences, maxlen=want, window_step=window_step, pad=pad,
                    vocabulary=vocabulary, ambiguous=ambiguous, seq_ids=seq_ids)
    if inputs.onehot.shape[-1] != adapter.n_channels:
        raise ShapeError(
            f"the sequences are encoded with {inputs.onehot.shape[-1]} channels but the model "
            f"expects {adapter.n_channels}; pass vocabulary= matching the model"
        )
    # -1 stands in for an open maxlen (the model allows one None in its item shape)
    x = adapter.check_input(
        inputs.onehot.reshape((len(inputs),) + tuple(-1 if d is None else d for d in item)))
    return adapter, inputs, x


def _ig_step_fn(adapter: ModelAdapter):
    """Compiled step: weighted gradient sums over a batch of interpolation points."""
    if "ig_step" in adapter._compiled:
        return adapter._compiled["ig_step"]
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

    fn = tf.function(step, input_signature=[
        spec, spec, tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.float32),
        tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.int32),
    ], reduce_retracing=True)
    adapter._compiled["ig_step"] = fn
    return fn


def _check_background(background, adapter, x, vocabulary, ambiguous):
    if background is None:
        return None
    if isinstance(background, EncodedSequences):
        arr = background.onehot
    elif isinstance(background, np.ndarray):
        arr = np.asarray(background, dtype=np.float32)
    else:
        arr = encode(background, maxlen=x.shape[1] if x.ndim == 3 else None,
                     vocabulary=vocabulary or DNA_VOCABULARY, ambiguous=ambiguous).onehot
    if arr.ndim == x.ndim - 1:
        arr = arr[None]
    want = (int(np.prod(x.shape[1:-1])), x.shape[-1])
    if arr.ndim < 3 or (int(np.prod(arr.shape[1:-1])), arr.shape[-1]) != want:
        raise BaselineError(
            f"background has shape {arr.shape} but each sequence is {want}; give background "
            "sequences of the same length and channels as the inputs"
        )
    return arr.reshape((arr.shape[0],) + want)


def integrated_gradients(model, sequences, *, target, baseline="zero", steps: int = 50,
                         n_baselines: int = 1, method: str = "trapezoid", seed=None,
                         background=None, output: str | None = None, memory_budget=None,
                         batch_size: int | None = None, progress: bool = True,
                         maxlen: int | None = None, window_step: int | None = None,
                         pad: str | None = None, ambiguous: str = "zero", vocabulary=None,
                         class_names=None, seq_ids=None) -> AttributionResult:
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
        ``"zero"`` (deepG default), ``"uniform"`` (0.25 each), ``"shuffle"``
        (positions permuted, as deepG), ``"dinuc_shuffle"`` (dinucleotide counts
        kept), ``"gc_matched"``, ``"background"`` (rows drawn from
        ``background``), or an explicit array ``(L, C)`` / ``(n_baselines, L, C)``.
    steps : int
        Quadrature steps (trapezoid uses ``steps + 1`` points). Default 50.
    n_baselines : int
        Baselines per sequence (random baselines only); IG is averaged over them.
    method : str
        ``"trapezoid"`` (deepG), ``"left"``, ``"right"``, ``"midpoint"`` or
        ``"gauss_legendre"`` (reaches a given completeness gap with fewer steps).
    seed : int, optional
        Seed for random baselines (reproducible per sequence, whatever the batching).
    background : sequences or array, optional
        Pool for ``baseline="background"``.
    output : {"probability", "logit"}, optional
        Explain the probability or the pre-softmax logit.
    memory_budget : int or str, optional
        Bytes of intermediate tensors per batch (default 1 GiB).
    batch_size : int, optional
        Fixed number of interpolation points per batch (overrides the budget).
    progress : bool
        Show a progress bar.
    maxlen, window_step, pad, ambiguous, vocabulary : optional
        Passed to :func:`encode`.
    class_names : list of str, optional
        Output names, so ``target`` can be a name.
    seq_ids : list of str, optional
        Names of the sequences (default: FASTA ids, dict keys or ``seq_1, ...``).

    Returns
    -------
    AttributionResult
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
    if method not in INTEGRATION_METHODS:
        raise InputError(
            f"method = {method!r} is not an integration rule; choose one of {INTEGRATION_METHODS}"
        )
    if isinstance(baseline, str) and baseline not in BASELINE_NAMES:
        raise BaselineError(
            f"baseline = {baseline!r} is unknown; choose one of {BASELINE_NAMES} or pass an array"
        )
    if isinstance(n_baselines, bool) or int(n_baselines) != n_baselines or n_baselines < 1:
        raise InputError(f"n_baselines must be a positive integer, got {n_baselines!r}")
    n_baselines = int(n_baselines)
    alphas, weights = integration_points(steps, method)
    adapter, inputs, x = _prepare(model, sequences, output=output, class_names=class_names,
                                  maxlen=maxlen, window_step=window_step, pad=pad,
                                  ambiguous=ambiguous, vocabulary=vocabulary, seq_ids=seq_ids)
    target_index = adapter.resolve_target(target)
    bg = _check_background(background, adapter, x, vocabulary, ambiguous)
    if isinstance(baseline, str) and baseline in ("zero", "uniform") and n_baselines > 1:
        n_baselines = 1  # deterministic baselines: repeats would give the same numbers
    n, item = x.shape[0], x.shape[1:]
    xf = x.reshape(n, -1, x.shape[-1])
    if not isinstance(baseline, str):
        explicit = np.asarray(baseline, dtype=np.float32)
        if explicit.ndim == len(item) + 1 and explicit.shape[1:] == item:
            explicit = explicit.reshape(explicit.shape[0], -1, explicit.shape[-1])
        elif explicit.shape == item:
            explicit = explicit.reshape(-1, explicit.shape[-1])
        baseline = explicit
        if baseline.ndim == 3:
            n_baselines = baseline.shape[0]
    seeds = np.random.SeedSequence(seed).spawn(n)
    # Baselines are regenerated from their per-sequence seed when needed again (the F(x')
    # pass), so memory holds two sequences' baselines, not all of them (1% of the work).
    cache: dict[int, np.ndarray] = {}

    def baselines_of(i: int) -> np.ndarray:
        if i not in cache:
            for old in [k for k in cache if k < i - 1]:
                del cache[old]
            cache[i] = make_baselines(xf[i], baseline, n_baselines, np.random.default_rng(seeds[i]),
                                      background=bg).reshape((n_baselines,) + item)
        return cache[i]

    baselines_of(0)  # validates the baseline up front: bad input fails before model work
    import tensorflow as tf

    n_points = len(alphas)
    if method == "trapezoid":
        # deepG's points exactly: float32 tf.linspace differs from float64 np.linspace in the
        # last bit of some values, which shows at 100 kb inputs.
        alphas = tf.linspace(0.0, 1.0, n_points).numpy().astype(np.float64)
    target_t = tf.constant(target_index, tf.int32)
    attributions = np.zeros((n,) + item, dtype=np.float32)
    step_fn = _ig_step_fn(adapter)
    alphas32, weights32 = alphas.astype(np.float32), weights.astype(np.float32)

    batch_pairs: list[np.ndarray] = []  # (sequence, baseline) pairs of the batch in flight

    def make_batch(start, stop):
        idx = np.arange(start, stop)
        pair = idx // n_points
        pairs, local = np.unique(pair, return_inverse=True)
        xs = x[pairs // n_baselines]
        bases = np.stack([baselines_of(p // n_baselines)[p % n_baselines] for p in pairs])
        batch_pairs[:] = [pairs]
        return (xs, bases, local.astype(np.int32), alphas32[idx % n_points],
                weights32[idx % n_points], target_t)

    def consume(start, stop, grad_sums):
        for row, p in enumerate(batch_pairs[0]):
            i, j = divmod(int(p), n_baselines)
            attributions[i] += (x[i] - baselines_of(i)[j]) * grad_sums[row] / n_baselines

    length = xf.shape[1]
    item_bytes = adapter.item_bytes("gradient", length) + 16 * int(np.prod(item))
    info = run_batched(step_fn, n * n_baselines * n_points, make_batch, consume,
                       item_bytes=item_bytes, memory_budget=memory_budget, batch_size=batch_size,
                       progress=progress, desc="integrated gradients")

    # F(x) and F(x'): one forward pass per sequence and baseline (about 1% of the gradient work).
    f_input = adapter.predict(x, memory_budget=memory_budget)[:, target_index]
    f_base = np.empty(n * n_baselines, dtype=np.float64)

    def consume_forward(start, stop, out):
        f_base[start:stop] = out[:, target_index]

    run_batched(adapter.forward, n * n_baselines,
                lambda a, b: (np.stack([baselines_of(p // n_baselines)[p % n_baselines]
                                        for p in range(a, b)]),),
                consume_forward, item_bytes=adapter.item_bytes("forward", length),
                memory_budget=memory_budget, progress=False)
    f_base = f_base.reshape(n, n_baselines)

    settings = {
        "method": "integrated_gradients", "baseline": baseline if isinstance(baseline, str) else "explicit",
        "steps": int(steps), "n_points": int(n_points), "integration": method,
        "n_baselines": n_baselines, "seed": seed, "batch_size": info["batch_size"],
    }
    return AttributionResult(
        attributions=attributions.reshape(n, -1, x.shape[-1]), inputs=inputs,
        method="integrated_gradients", target=target_index,
        target_name=adapter.target_name(target_index), f_input=f_input.astype(np.float64),
        f_baseline=f_base.mean(axis=1), settings=_common_settings(adapter, settings),
    )


def _gradients(model, sequences, *, target, times_input, output, memory_budget, batch_size,
               progress, maxlen, window_step, pad, ambiguous, vocabulary, class_names, seq_ids):
    adapter, inputs, x = _prepare(model, sequences, output=output, class_names=class_names,
                                  maxlen=maxlen, window_step=window_step, pad=pad,
                                  ambiguous=ambiguous, vocabulary=vocabulary, seq_ids=seq_ids)
    target_index = adapter.resolve_target(target)
    import tensorflow as tf

    target_t = tf.constant(target_index, tf.int32)
    grads = np.empty_like(x)
    values = np.empty(x.shape[0], dtype=np.float64)

    def consume(start, stop, out):
        values[start:stop], grads[start:stop] = out

    name = "gradient_x_input" if times_input else "saliency"
    info = run_batched(adapter.value_and_grad, x.shape[0], lambda a, b: (x[a:b], target_t), consume,
                       item_bytes=adapter.item_bytes("gradient", x.shape[-2]),
                       memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                       desc=name.replace("_", " "))
    scores = grads * x if times_input else grads
    return AttributionResult(
        attributions=scores.reshape(x.shape[0], -1, x.shape[-1]), inputs=inputs, method=name,
        target=target_index, target_name=adapter.target_name(target_index), f_input=values,
        f_baseline=None,
        settings=_common_settings(adapter, {"method": name, "batch_size": info["batch_size"]}),
    )


def saliency(model, sequences, *, target, output: str | None = None, memory_budget=None,
             batch_size=None, progress: bool = True, maxlen=None, window_step=None, pad=None,
             ambiguous="zero", vocabulary=None, class_names=None,
             seq_ids=None) -> AttributionResult:
    """Plain gradient ``dF/dx`` at the input (Simonyan et al. 2013): one gradient per sequence.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    >>> saliency(m, "ACGTACGT", target=0, progress=False).attributions.shape
    (1, 8, 4)
    """
    return _gradients(model, sequences, target=target, times_input=False, output=output,
                      memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                      maxlen=maxlen, window_step=window_step, pad=pad, ambiguous=ambiguous,
                      vocabulary=vocabulary, class_names=class_names, seq_ids=seq_ids)


def gradient_x_input(model, sequences, *, target, output: str | None = None, memory_budget=None,
                     batch_size=None, progress: bool = True, maxlen=None, window_step=None,
                     pad=None, ambiguous="zero", vocabulary=None,
                     class_names=None, seq_ids=None) -> AttributionResult:
    """Gradient times input ``x * dF/dx``: IG with a zero baseline and a single point.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    >>> gradient_x_input(m, "ACGTACGT", target=0, progress=False).attributions.shape
    (1, 8, 4)
    """
    return _gradients(model, sequences, target=target, times_input=True, output=output,
                      memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                      maxlen=maxlen, window_step=window_step, pad=pad, ambiguous=ambiguous,
                      vocabulary=vocabulary, class_names=class_names, seq_ids=seq_ids)


def _common_settings(adapter: ModelAdapter, settings: dict) -> dict:
    from .. import __version__

    try:
        import tensorflow as tf

        tf_version = tf.__version__
    except ImportError:  # pragma: no cover
        tf_version = None
    return {**settings, "output": adapter.output, "loader": adapter.loader,
            "package_version": __version__, "tensorflow_version": tf_version}


__all__ = ["integrated_gradients", "saliency", "gradient_x_input", "integration_points",
           "INTEGRATION_METHODS"]
