"""Saliency and gradient x input: one gradient per sequence.

Saliency (Simonyan et al. 2013) is the gradient ``dF/dx`` of the explained output at
the input; gradient x input multiplies it by the one-hot input, which equals
Integrated Gradients with a zero baseline and a single point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..checks import check_choice
from ..core.batching import run_batched
from ..core.prepare import model_layout, prepare, run_by_length, run_settings
from ..dna.sequences import EncodedSequences
from ..errors import InputError
from ..model.adapter import ModelAdapter
from ..results import AttributionResult

# Which strand of the input is explained: the sequence as given, its reverse complement
# (attributions mapped back to forward coordinates), or the mean of the two (a genome has
# no fixed strand; strand-symmetric models give the same numbers for all three).
STRANDS = ("forward", "reverse", "both")
# Per strand: the runs to make, True = on the reverse complement (mapped back, then averaged).
STRAND_RUNS = {"forward": (False,), "reverse": (True,), "both": (False, True)}
_COMPLEMENT = {"A": "T", "T": "A", "C": "G", "G": "C", "N": "N", "U": "A"}


def _complement_channels(vocabulary) -> np.ndarray:
    letters = [str(v).upper() for v in vocabulary]
    comp = [_COMPLEMENT.get(v) for v in letters]
    if any(c is None or c not in letters for c in comp):
        raise InputError(
            f"strand = 'reverse'/'both' needs a DNA vocabulary whose letters have complements "
            f"in it (A, C, G, T, optionally N); the channels are {tuple(vocabulary)}. Use "
            "strand='forward'")
    return np.array([letters.index(c) for c in comp])


def strand_flip(inputs: EncodedSequences) -> tuple[EncodedSequences, Callable]:
    """Reverse-complement rows of ``inputs`` and the map between the two coordinate systems.

    Returns ``(rc_inputs, flip)``: row ``i`` of ``rc_inputs`` is the reverse complement of
    row ``i`` (positions reversed within the row's own length, channels complemented:
    ``A<->T``, ``C<->G``); ``flip(array)`` takes an ``(n, L, C)`` array from one coordinate
    system to the other (its own inverse), so ``flip(attributions_of_rc)`` are scores at
    forward positions and bases. Padding of variable-length rows stays at the right.
    Windows are flipped one by one (each maps back onto its own genome stretch); a set
    model's concatenated members are reversed as one sequence (member order too).

    Examples
    --------
    >>> from deepg_interpret import encode
    >>> rc, flip = strand_flip(encode("AACG"))
    >>> from deepg_interpret import decode
    >>> decode(rc.onehot)
    ['CGTT']
    >>> bool((flip(rc.onehot) == encode("AACG").onehot).all())
    True
    """
    perm = _complement_channels(inputs.vocabulary)
    n, length = inputs.onehot.shape[:2]
    own = (np.full(n, length) if inputs.lengths is None else np.asarray(inputs.lengths))[:, None]
    j = np.arange(length)[None, :]
    index = np.where(j < own, own - 1 - j, j)  # an involution: flip(flip(a)) == a

    def flip(array: np.ndarray) -> np.ndarray:
        array = np.asarray(array)
        if array.shape[0] == n:
            rows = np.take_along_axis(array, index[:, :, None], axis=1)
        else:  # other rows of the inputs' length (baselines, background): whole rows
            rows = array[:, ::-1]
        return rows[:, :, perm]

    def flip_mask(mask):
        return None if mask is None else np.take_along_axis(mask, index, axis=1)

    rc = dataclasses.replace(inputs, onehot=np.ascontiguousarray(flip(inputs.onehot)),
                             ambiguous=flip_mask(inputs.ambiguous),
                             padding=flip_mask(inputs.padding))
    return rc, flip


def check_strand(strand) -> str:
    """``strand`` if it is one of :data:`STRANDS`."""
    return check_choice(strand, "strand", STRANDS)


class GradientArrays(NamedTuple):
    """Array-layer result of :func:`gradient_arrays`."""

    gradients: np.ndarray  # float32 (n, L, C): dF/dx at the input
    values: np.ndarray     # float64 (n,): F(x)
    batch_size: int


def gradient_arrays(adapter: ModelAdapter, inputs: EncodedSequences, *, target: int,
                    memory_budget=None, batch_size=None, progress: bool = True,
                    desc: str = "gradients") -> GradientArrays:
    """``dF_target/dx`` and ``F_target(x)`` for every encoded input (array layer)."""
    import tensorflow as tf

    x = model_layout(adapter, inputs)
    target_t = tf.constant(target, tf.int32)
    grads = np.empty_like(x)
    values = np.empty(x.shape[0], dtype=np.float64)

    def consume(start, stop, out):
        values[start:stop], grads[start:stop] = out

    info = run_batched(adapter.value_and_grad, x.shape[0], lambda a, b: (x[a:b], target_t),
                       consume, item_bytes=adapter.item_bytes("gradient", x.shape[-2]),
                       memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                       desc=desc)
    return GradientArrays(grads.reshape(x.shape[0], -1, x.shape[-1]), values, info["batch_size"])


def _gradient_method(name: str, model, sequences, *, target, output, class_names, memory_budget,
                     batch_size, progress, encode_options, strand="forward") -> AttributionResult:
    strand = check_strand(strand)
    prepared = prepare(model, sequences, output=output, class_names=class_names, function=name,
                       **encode_options)
    adapter, inputs = prepared.adapter, prepared.inputs
    target_index = adapter.resolve_target(target)
    runs = []
    for rc in STRAND_RUNS[strand]:
        rows, flip = strand_flip(inputs) if rc else (inputs, None)
        arrays = run_by_length(gradient_arrays, adapter, rows, target=target_index,
                               memory_budget=memory_budget, batch_size=batch_size,
                               progress=progress, desc=name.replace("_", " "))
        grads = flip(arrays.gradients) if rc else arrays.gradients  # forward coordinates
        runs.append((grads, arrays.values, arrays.batch_size))
    gradients = np.mean([r[0] for r in runs], axis=0, dtype=np.float32)
    values = np.mean([r[1] for r in runs], axis=0)
    scores = gradients * inputs.onehot if name == "gradient_x_input" else gradients
    return AttributionResult(
        attributions=scores, inputs=inputs, method=name, target=target_index,
        target_name=adapter.target_name(target_index), f_input=values,
        settings=run_settings(adapter, name, {"batch_size": runs[0][2], "strand": strand}),
    )


def saliency(model, sequences, *, target, strand: str = "forward", output: str | None = None,
             class_names=None,
             memory_budget=None, batch_size=None, progress: bool = True,
             **encode_options) -> AttributionResult:
    """Plain gradient ``dF/dx`` at the input (Simonyan et al. 2013): one gradient per sequence.

    Arguments as :func:`integrated_gradients` (no baseline, steps or seed), including
    ``strand`` (``"forward"``, ``"reverse"``: the reverse complement's gradient mapped
    back to forward positions and bases, ``"both"``: their mean). Its summary table is
    ``seq_id, target, f_input, score_sum`` (``f_input`` averaged over the strands run).

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    >>> saliency(m, "ACGTACGT", target=0, progress=False).attributions.shape
    (1, 8, 4)
    """
    return _gradient_method("saliency", model, sequences, target=target, output=output,
                            class_names=class_names, memory_budget=memory_budget,
                            batch_size=batch_size, progress=progress,
                            encode_options=encode_options, strand=strand)


def gradient_x_input(model, sequences, *, target, strand: str = "forward",
                     output: str | None = None, class_names=None,
                     memory_budget=None, batch_size=None, progress: bool = True,
                     **encode_options) -> AttributionResult:
    """Gradient times input ``x * dF/dx``: IG with a zero baseline and a single point.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((8, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    >>> gradient_x_input(m, "ACGTACGT", target=0, progress=False).attributions.shape
    (1, 8, 4)
    """
    return _gradient_method("gradient_x_input", model, sequences, target=target, output=output,
                            class_names=class_names, memory_budget=memory_budget,
                            batch_size=batch_size, progress=progress,
                            encode_options=encode_options, strand=strand)


__all__ = ["saliency", "gradient_x_input", "gradient_arrays", "GradientArrays", "STRANDS",
           "strand_flip", "check_strand"]
