"""Saliency and gradient x input: one gradient per sequence.

Saliency (Simonyan et al. 2013) is the gradient ``dF/dx`` of the explained output at
the input; gradient x input multiplies it by the one-hot input, which equals
Integrated Gradients with a zero baseline and a single point.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.batching import run_batched
from ..core.prepare import model_layout, prepare, run_by_length, run_settings
from ..io.models import ModelAdapter
from ..io.sequences import EncodedSequences
from ..results import AttributionResult


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
                     batch_size, progress, encode_options) -> AttributionResult:
    prepared = prepare(model, sequences, output=output, class_names=class_names, function=name,
                       **encode_options)
    adapter, inputs = prepared.adapter, prepared.inputs
    target_index = adapter.resolve_target(target)
    arrays = run_by_length(gradient_arrays, adapter, inputs, target=target_index,
                           memory_budget=memory_budget, batch_size=batch_size,
                           progress=progress, desc=name.replace("_", " "))
    scores = arrays.gradients * inputs.onehot if name == "gradient_x_input" else arrays.gradients
    return AttributionResult(
        attributions=scores, inputs=inputs, method=name, target=target_index,
        target_name=adapter.target_name(target_index), f_input=arrays.values,
        settings=run_settings(adapter, name, {"batch_size": arrays.batch_size}),
    )


def saliency(model, sequences, *, target, output: str | None = None, class_names=None,
             memory_budget=None, batch_size=None, progress: bool = True,
             **encode_options) -> AttributionResult:
    """Plain gradient ``dF/dx`` at the input (Simonyan et al. 2013): one gradient per sequence.

    Arguments as :func:`integrated_gradients` (no baseline, steps or seed). Its
    summary table is ``seq_id, target, f_input, score_sum``.

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
                            encode_options=encode_options)


def gradient_x_input(model, sequences, *, target, output: str | None = None, class_names=None,
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
                            encode_options=encode_options)


__all__ = ["saliency", "gradient_x_input", "gradient_arrays", "GradientArrays"]
