"""Class optimization (Deep Motif): the input a trained network finds most typical of a class.

Lanchantin et al. ("Deep Motif", the poster in ``shared/background``) find a locally
optimal input ``S`` (``length x 4``) by gradient ascent on

    argmax_S  f_c(S) - lambda ||S||_2^2

(the poster prints ``+ lambda``; a penalty is meant, as in Simonyan et al. 2013), clip
``S`` to ``[0, 1]`` and turn it into a PWM with Laplace (additive) smoothing. Besides
this ``"l2"`` parametrization, ``S`` can live on the simplex: ``"softmax"``
(``S = softmax(theta / T)`` per position) or ``"gumbel_softmax"`` (Jang et al. 2017:
``S = softmax((theta + g) / T)`` with fresh Gumbel noise ``g`` every step, so the model
sees near one-hot inputs), with an entropy penalty ``- entropy * sum_i H(S_i)`` (bits)
that pushes columns towards single bases.

Several restarts are optimized together as one batch (items of
:func:`~deepg_interpret.core.batching.run_batched`); each restart has its own random
stream (``SeedSequence(seed).spawn``), and the model runs in inference mode, so a
restart's result does not depend on which batch it lands in. Every step is one compiled
``tf.function`` (``adapter.compiled``): the model's value and gradient plus an Adam update
(Kingma & Ba 2015), which makes the step size independent of the output's scale.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import check_choice, check_int, check_seed
from ..core.batching import choose_batch_size, predict, run_batched
from ..core.decisions import argmax_decided
from ..core.prepare import run_settings
from ..dna.sequences import encode
from ..errors import ArgumentTypeError, InputError, ModelError, ShapeError
from ..model.adapter import ModelAdapter, load_model
from ..results.class_optimization import PWM_STEP, ClassOptimizationResult

PARAMETRIZATIONS = ("l2", "softmax", "gumbel_softmax")
OBJECTIVES = ("logit", "probability")
DEFAULT_RESTARTS = 8
# Adam's usual constants; eps keeps the first steps bounded when gradients are ~0.
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-7
# Smallest probability inside log() of the entropy penalty.
_TINY = 1e-12
# Floats of Gumbel noise handed to one compiled call (64 MB).
_NOISE_FLOATS = 16 << 20


class ClassOptimizationArrays(NamedTuple):
    """Array-layer result of :func:`class_optimization_arrays`."""

    sequences: np.ndarray   # float32 (restarts, W, C): the optimized window S at the end
    objective: np.ndarray   # float64 (restarts, steps): the penalized objective per step
    output: np.ndarray      # float64 (restarts, steps): f_c(S) per step
    batch_size: int


def _positive(value, arg: str, *, allow_zero: bool = True) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"`{arg}` must be a number; got {type(value).__name__} "
                                f"({value!r}). Pass e.g. {arg}=0.1.")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and low_ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"`{arg}` must be a finite number {bound}; got {value}. "
                         f"Pass e.g. {arg}=0.1" + (" (0 switches it off)." if allow_zero else "."))
    return value


def _build_steps(adapter: ModelAdapter, parametrization: str, with_entropy: bool):
    """The compiled chunk of steps of one parametrization: ``K`` times value, gradient and
    Adam ascent update inside one ``tf.function`` (a ``tf.while_loop``), so Python's
    per-call overhead is paid once per chunk, not once per step."""
    import tensorflow as tf

    channels = adapter.n_channels
    # The adapter's compiled model function x -> (b, n_outputs) in the output kind asked
    # for (probability or logit); nested in the step's tf.function, gradients flow through.
    call = adapter.forward
    log2 = tf.math.log(tf.constant(2.0, tf.float32))

    def step(theta, m, v, t, left, right, noise, target, l2, entropy, learning_rate,
             temperature):
        with tf.GradientTape() as tape:
            tape.watch(theta)
            if parametrization == "l2":
                s = theta
            else:
                s = tf.nn.softmax((theta + noise) / temperature, axis=-1)
            n = tf.shape(s)[0]
            x = tf.concat([tf.tile(left[None], [n, 1, 1]), s, tf.tile(right[None], [n, 1, 1])],
                          axis=1)
            out = tf.gather(call(x), target, axis=1)
            objective = out - l2 * tf.reduce_sum(s * s, axis=[1, 2])
            if with_entropy:
                # Entropy of each column as a distribution (the l2 parametrization's
                # columns are normalized first); bits, summed over positions.
                p = s / (tf.reduce_sum(s, axis=-1, keepdims=True) + _TINY)
                h = -tf.reduce_sum(p * tf.math.log(p + _TINY), axis=[1, 2]) / log2
                objective = objective - entropy * h
            total = tf.reduce_sum(objective)  # restarts are independent: one gradient call
        grad = tape.gradient(total, theta)
        m = _BETA1 * m + (1.0 - _BETA1) * grad
        v = _BETA2 * v + (1.0 - _BETA2) * grad * grad
        m_hat = m / (1.0 - tf.pow(_BETA1, t))
        v_hat = v / (1.0 - tf.pow(_BETA2, t))
        theta = theta + learning_rate * m_hat / (tf.sqrt(v_hat) + _EPS)
        if parametrization == "l2":
            theta = tf.clip_by_value(theta, 0.0, 1.0)  # the poster's clipping to [0, 1]
        return theta, m, v, objective, out

    def steps(theta, m, v, t0, noise, left, right, target, l2, entropy, learning_rate,
              temperature):
        k = tf.shape(noise)[0]
        objectives = tf.TensorArray(tf.float32, size=k)
        outputs = tf.TensorArray(tf.float32, size=k)
        for i in tf.range(k):
            theta, m, v, objective, out = step(
                theta, m, v, t0 + tf.cast(i, tf.float32), left, right, noise[i], target, l2,
                entropy, learning_rate, temperature)
            objectives = objectives.write(i, objective)
            outputs = outputs.write(i, out)
        return theta, m, v, objectives.stack(), outputs.stack()

    f32 = tf.float32
    signature = [
        tf.TensorSpec((None, None, channels), f32),  # theta
        tf.TensorSpec((None, None, channels), f32),  # m
        tf.TensorSpec((None, None, channels), f32),  # v
        tf.TensorSpec((), f32),                      # t0 (1-based step of the chunk's first)
        tf.TensorSpec((None, None, None, channels), f32),  # (K, b | 1, W | 1, C) Gumbel noise
        tf.TensorSpec((None, channels), f32),        # left flank
        tf.TensorSpec((None, channels), f32),        # right flank
        tf.TensorSpec((), tf.int32),                 # target
        tf.TensorSpec((), f32), tf.TensorSpec((), f32), tf.TensorSpec((), f32),
        tf.TensorSpec((), f32),
    ]
    return tf.function(steps, input_signature=signature, reduce_retracing=True)


def optimization_steps(adapter: ModelAdapter, parametrization: str, with_entropy: bool):
    """The compiled chunk of optimization steps for ``adapter`` (cached per adapter)."""
    name = f"class_optimization_{parametrization}" + ("_entropy" if with_entropy else "")
    return adapter.compiled(name, lambda: _build_steps(adapter, parametrization, with_entropy))


def _chunk(steps: int, restarts: int, width: int, channels: int, gumbel: bool) -> int:
    """Steps per compiled call: up to 25, fewer when the chunk's Gumbel noise would pass
    about 64 MB (long windows, many restarts)."""
    if not gumbel:
        return min(steps, 25)
    return max(1, min(steps, 25, _NOISE_FLOATS // max(restarts * width * channels, 1)))


def _initial_theta(rng: np.random.Generator, start, width: int, channels: int,
                   parametrization: str) -> np.ndarray:
    if start is None:
        if parametrization == "l2":
            return rng.random((width, channels))
        return rng.normal(0.0, 2.0, (width, channels))  # like random DNA: varied columns
    if parametrization == "l2":
        return start
    # A start S on the simplex: theta = log S (smoothed so one-hot starts stay finite).
    smoothed = (start + 0.05) / (start.sum(axis=-1, keepdims=True) + 0.05 * channels)
    return np.log(smoothed)


def class_optimization_arrays(adapter: ModelAdapter, *, target: int, width: int,
                              left: np.ndarray, right: np.ndarray, starts: np.ndarray | None,
                              restarts: int, steps: int, learning_rate: float, l2: float,
                              parametrization: str, temperature: float, entropy: float,
                              seed: int | None, memory_budget=None, batch_size=None,
                              progress: bool = True) -> ClassOptimizationArrays:
    """Optimize ``restarts`` windows of ``width`` between fixed flanks (array layer).

    Arguments are already checked; ``left``/``right`` are one-hot ``(l, C)`` flanks,
    ``starts`` None or ``(restarts, width, C)``.
    """
    import tensorflow as tf
    from tqdm.auto import tqdm

    channels = adapter.n_channels
    step_fn = optimization_steps(adapter, parametrization, entropy > 0)
    # Per restart: one stream for the start, one for the Gumbel noise; the noise streams
    # are rebuilt in every batch, so a batch retried after running out of memory draws
    # the same noise again.
    seeds = [child.spawn(2) for child in np.random.SeedSequence(seed).spawn(restarts)]
    theta0 = np.stack([
        _initial_theta(np.random.default_rng(seeds[r][0]),
                       None if starts is None else starts[r], width, channels,
                       parametrization) for r in range(restarts)]).astype(np.float32)
    gumbel = parametrization == "gumbel_softmax"
    consts = dict(left=tf.constant(left, tf.float32), right=tf.constant(right, tf.float32),
                  target=tf.constant(target, tf.int32), l2=tf.constant(l2, tf.float32),
                  entropy=tf.constant(entropy, tf.float32),
                  learning_rate=tf.constant(learning_rate, tf.float32),
                  temperature=tf.constant(temperature, tf.float32))
    final = np.empty_like(theta0)
    objective = np.empty((restarts, steps), dtype=np.float64)
    output = np.empty((restarts, steps), dtype=np.float64)
    total = left.shape[0] + width + right.shape[0]
    item_bytes = adapter.item_bytes("gradient", total)
    bar = tqdm(total=restarts * steps, desc="class optimization", unit="step",
               disable=not progress, mininterval=0.5, leave=False, dynamic_ncols=True)

    def optimize(a, b, theta):
        theta = tf.constant(theta)
        m, v = tf.zeros_like(theta), tf.zeros_like(theta)
        objectives, outputs = [], []
        chunk = _chunk(steps, b - a, width, channels, gumbel)
        streams = [np.random.default_rng(seeds[r][1]) for r in range(a, b)]
        for t0 in range(1, steps + 1, chunk):
            k = min(chunk, steps + 1 - t0)
            if gumbel:  # each restart draws from its own stream, whatever the batch
                noise = np.stack([stream.gumbel(size=(k, width, channels))
                                  for stream in streams], axis=1).astype(np.float32)
            else:
                noise = np.zeros((k, 1, 1, channels), np.float32)
            theta, m, v, obj, out = step_fn(theta, m, v, tf.constant(float(t0)),
                                            tf.constant(noise), **consts)
            objectives.append(obj)
            outputs.append(out)
            bar.update((b - a) * k)
        # (K, b) per chunk, kept as tensors until the end: the loop never waits for them.
        return (theta, tf.transpose(tf.concat(objectives, axis=0)),
                tf.transpose(tf.concat(outputs, axis=0)))

    def consume(a, b, result):
        final[a:b], objective[a:b], output[a:b] = result

    try:
        info = run_batched(optimize, restarts, lambda a, b: (a, b, theta0[a:b]), consume,
                           item_bytes=item_bytes, memory_budget=memory_budget,
                           batch_size=batch_size, progress=False)
    finally:
        bar.close()
    if parametrization != "l2":
        final = _softmax(final / temperature)
    return ClassOptimizationArrays(final.astype(np.float32), objective, output,
                                   info["batch_size"])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _onehot(value, arg: str, vocabulary, channels: int) -> np.ndarray:
    """A flank or start (string or one-hot array) -> float32 (n, L, C)."""
    if isinstance(value, str) and value == "":
        return np.zeros((1, 0, channels), np.float32)
    try:
        encoded = encode(value, vocabulary=vocabulary, ambiguous="equal", unknown="error")
    except InputError as exc:
        raise type(exc)(f"`{arg}`: {exc}") from None
    onehot = np.asarray(encoded.onehot, np.float32)
    if onehot.shape[-1] != channels:
        raise ShapeError(f"`{arg}` has {onehot.shape[-1]} channels but the model expects "
                         f"{channels}; pass sequences in the model's vocabulary")
    return onehot


def _flanks(flanks, vocabulary, channels: int) -> tuple[np.ndarray, np.ndarray]:
    if flanks is None:
        empty = np.zeros((0, channels), np.float32)
        return empty, empty
    if isinstance(flanks, (str, bytes)) or not hasattr(flanks, "__len__") or len(flanks) != 2:
        raise InputError(
            f"`flanks` must be a pair (left, right) of fixed sequences around the optimized "
            f"window, got {flanks!r}; e.g. flanks=('ACGT' * 10, 'TTGA' * 10), '' for none")
    sides = []
    for side, name in zip(flanks, ("left", "right")):
        arr = _onehot(side, f"flanks ({name})", vocabulary, channels)
        if arr.shape[0] != 1:
            raise InputError(f"`flanks` ({name}) must be one sequence, got {arr.shape[0]}")
        sides.append(arr[0])
    return sides[0], sides[1]


def _window_width(adapter: ModelAdapter, length, left, right) -> int:
    fixed = left.shape[0] + right.shape[0]
    if length is None:
        if adapter.maxlen is None:
            raise InputError("the model takes any length (maxlen None); pass `length=` (bp of "
                             "the optimized window)")
        width = adapter.maxlen - fixed
        if width < 1:
            raise InputError(f"the flanks ({fixed} bp) leave no room in the model's maxlen "
                             f"{adapter.maxlen}; shorten them")
        return width
    width = check_int(length, "length", 1)
    if adapter.maxlen is not None and width + fixed != adapter.maxlen:
        raise InputError(
            f"`length` = {width} plus the flanks ({fixed} bp) is {width + fixed} but the model "
            f"expects maxlen = {adapter.maxlen}; pass length={adapter.maxlen - fixed} or leave "
            "it None")
    return width


def _starts(start, restarts, width, vocabulary, channels) -> tuple[np.ndarray | None, int]:
    if start is None:
        n = DEFAULT_RESTARTS if restarts is None else check_int(restarts, "restarts", 1)
        return None, n
    arr = _onehot(start, "start", vocabulary, channels)
    if arr.shape[1] != width:
        raise ShapeError(f"`start` has length {arr.shape[1]} but the optimized window has "
                         f"{width} bp; give starts of length {width}")
    if not np.all((arr >= 0) & (arr <= 1)):
        raise InputError("`start` must be one-hot or a PWM with values in [0, 1]")
    if restarts is not None:
        restarts = check_int(restarts, "restarts", 1)
        if restarts != arr.shape[0]:
            if arr.shape[0] != 1:
                raise InputError(f"`restarts` = {restarts} but `start` holds {arr.shape[0]} "
                                 "starts; leave restarts None to run one restart per start")
            arr = np.repeat(arr, restarts, axis=0)
    return arr, arr.shape[0]


def class_optimization(model, *, target, length: int | None = None, flanks=None, start=None,
                       restarts: int | None = None, steps: int = 200,
                       learning_rate: float = 0.1, l2: float = 0.01,
                       parametrization: str = "l2", temperature: float = 1.0,
                       entropy: float = 0.0, objective: str = "logit",
                       pseudocount: float = 0.1, seed: int | None = None, class_names=None,
                       memory_budget=None, batch_size=None,
                       progress: bool = True) -> ClassOptimizationResult:
    """Find the input the model considers most typical of ``target`` (Deep Motif).

    Gradient ascent on ``f_target(S) - l2 * ||S||^2 - entropy * sum_i H(S_i)`` from
    several random (or given) starts, optimized together as one batch.

    Parameters
    ----------
    model : keras.Model, path or ModelAdapter
        See :func:`~deepg_interpret.load_model`. Models on one-hot ``(maxlen, C)`` input.
    target : int or str
        0-based output index or class name.
    length : int, optional
        bp of the optimized window. Default None: the model's maxlen minus the flanks
        (needed for models of any length).
    flanks : (str, str) or (array, array), optional
        Fixed sequences left and right of the optimized window (``""`` for none), e.g.
        a real genomic context. Default None: the whole input is optimized.
    start : str, list of str or array, optional
        Starting sequence(s) or PWM(s) ``(restarts, length, C)`` instead of random
        starts (uniform in ``[0, 1]`` for ``"l2"``, ``theta ~ N(0, 0.5)`` otherwise).
    restarts : int, optional
        Number of restarts. Default None: 8, or one per given start.
    steps : int
        Adam steps. Default is 200.
    learning_rate : float
        Adam step size. Default is 0.1.
    l2 : float
        ``lambda`` >= 0 of the poster's penalty ``lambda ||S||_2^2`` (summed over
        positions and bases). Large values shrink ``S`` (and the PWM) towards uniform.
        Default is 0.01.
    parametrization : {"l2", "softmax", "gumbel_softmax"}
        ``"l2"``: ``S`` itself, clipped to ``[0, 1]`` after every step (the poster).
        ``"softmax"``: ``S = softmax(theta / temperature)`` per position.
        ``"gumbel_softmax"``: ``S = softmax((theta + g) / temperature)``, Gumbel noise
        ``g`` drawn anew every step. Default is "l2".
    temperature : float
        Softmax temperature (> 0). Default is 1.
    entropy : float
        Weight (>= 0) of the entropy penalty (bits per position, summed). Default 0.
    objective : {"logit", "probability"}
        Optimize the value before the final softmax/sigmoid (default; probabilities
        saturate) or the probability itself.
    pseudocount : float
        Laplace (additive) smoothing of the PWM: ``(S + a) / (sum_b S_b + C a)`` per
        position with ``a = pseudocount`` (0.1 by default; 1 is the classic add-one rule,
        which flattens PWMs from ``S`` in ``[0, 1]`` strongly).
    seed : int, optional
        Seed of the random starts and the Gumbel noise; results do not depend on
        ``batch_size``. The choices made from the optimized values (the best restart,
        the consensus base per position, the best window) compare them on a grid of
        ``1e-4`` (of the output's power of ten for outputs, of 1 for probabilities,
        :mod:`~deepg_interpret.core.decisions`), ties going to the first restart, base
        (``N`` in a consensus) or window, so float noise between machines does not
        change them.
    class_names : list of str, optional
        Output names, for ``target`` by name.
    memory_budget, batch_size
        Restarts per batch (see :func:`~deepg_interpret.core.batching.run_batched`).
    progress : bool
        Show a progress bar of the steps. Default is True.

    Returns
    -------
    ClassOptimizationResult
        ``pwm_table()``, ``trace_table()``, ``summary_table()``, ``best_window(width)``,
        ``consensus(width)``.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((12, 4)), keras.layers.Conv1D(1, 4),
    ...                       keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1)])
    >>> res = class_optimization(m, target=0, restarts=2, steps=20, seed=1, progress=False)
    >>> res.pwms.shape
    (2, 12, 4)
    """
    steps = check_int(steps, "steps", 1)
    learning_rate = _positive(learning_rate, "learning_rate", allow_zero=False)
    l2 = _positive(l2, "l2")
    temperature = _positive(temperature, "temperature", allow_zero=False)
    entropy = _positive(entropy, "entropy")
    pseudocount = _positive(pseudocount, "pseudocount")
    parametrization = check_choice(parametrization, "parametrization", PARAMETRIZATIONS)
    objective = check_choice(objective, "objective", OBJECTIVES)
    seed = check_seed(seed)
    adapter = load_model(model, output=objective, class_names=class_names)
    if len(adapter.item_shape) != 2:
        raise ModelError(
            f"class_optimization optimizes one sequence (maxlen, channels); this model's input "
            f"is {adapter.item_shape} (a set of sequences); build a model on one sequence")
    target_index = adapter.resolve_target(target)
    vocabulary = adapter.vocabulary or (("A", "C", "G", "T") if adapter.n_channels == 4 else None)
    left, right = _flanks(flanks, vocabulary, adapter.n_channels)
    width = _window_width(adapter, length, left, right)
    starts, n_restarts = _starts(start, restarts, width, vocabulary, adapter.n_channels)
    choose_batch_size(1, memory_budget, batch_size)  # checks both before any work
    arrays = class_optimization_arrays(
        adapter, target=target_index, width=width, left=left, right=right, starts=starts,
        restarts=n_restarts, steps=steps, learning_rate=learning_rate, l2=l2,
        parametrization=parametrization, temperature=temperature, entropy=entropy, seed=seed,
        memory_budget=memory_budget, batch_size=batch_size, progress=progress)
    s = arrays.sequences.astype(np.float64)
    channels = adapter.n_channels
    pwms = (s + pseudocount) / (s.sum(axis=-1, keepdims=True) + channels * pseudocount)
    # The model's output at the optimized S and at its consensus (argmax per position).
    hard = np.eye(channels, dtype=np.float32)[argmax_decided(s, PWM_STEP, axis=-1)]
    n = s.shape[0]

    def full(window):
        return np.concatenate([np.broadcast_to(left, (n,) + left.shape), window,
                               np.broadcast_to(right, (n,) + right.shape)], axis=1)

    f_final = predict(adapter, full(arrays.sequences), memory_budget=memory_budget,
                      batch_size=batch_size)[:, target_index]
    f_consensus = predict(adapter, full(hard), memory_budget=memory_budget,
                          batch_size=batch_size)[:, target_index]
    settings = {"target": target_index, "target_name": adapter.target_name(target_index),
                "objective": objective, "parametrization": parametrization, "steps": steps,
                "restarts": n_restarts, "learning_rate": learning_rate, "l2": l2,
                "temperature": temperature, "entropy": entropy, "pseudocount": pseudocount,
                "length": width, "flank_left": int(left.shape[0]),
                "flank_right": int(right.shape[0]), "seed": seed,
                "start": "random" if starts is None else "given",
                "batch_size": arrays.batch_size}
    return ClassOptimizationResult(
        sequences=arrays.sequences, pwms=pwms, objective=arrays.objective,
        output=arrays.output, f_final=np.asarray(f_final, np.float64),
        f_consensus=np.asarray(f_consensus, np.float64), window_start=int(left.shape[0]) + 1,
        vocabulary=tuple(vocabulary or [f"ch{i + 1}" for i in range(channels)]),
        target=target_index, target_name=adapter.target_name(target_index),
        settings=run_settings(adapter, "class_optimization", settings))


__all__ = ["class_optimization", "class_optimization_arrays", "ClassOptimizationArrays",
           "optimization_steps", "PARAMETRIZATIONS", "OBJECTIVES"]
