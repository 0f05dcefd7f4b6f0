"""Fast in silico mutagenesis: the compiled TensorFlow steps of a :class:`FastPlan`.

Two ``tf.function`` steps per plan:

- ``reference(x)``: every step's padded input buffer, the last local output, the head's
  reference state (the dense pre-activation, the mean, or nothing) and the output;
- ``mutants(bufs..., final, head_ref, rows, pos, starts, target)``: for a batch of
  positions ("cells", each with its ``C`` bases) the target's value at every base.

Both evaluate a layer with the same "valid" operation on a padded buffer, so a window
and the reference agree to float32 rounding.
"""

from __future__ import annotations

import numpy as np

from .ism_fast import FastPlan, Step


def _tf():
    import tensorflow as tf

    return tf


def _layer_op(step: Step, x, out_start=None):
    """Apply ``step`` (valid op on padded input ``x`` (b, in, F)) and its pointwise layers.

    ``out_start`` (b,) is the first output's index, for average pooling's divisors.
    """
    tf = _tf()
    layer = step.layer
    if step.kind == "conv":
        y = tf.nn.convolution(x, tf.cast(layer.kernel, tf.float32), strides=step.stride,
                              padding="VALID", dilations=step.dilation)
        if getattr(layer, "use_bias", False) and layer.bias is not None:
            y = y + tf.cast(layer.bias, tf.float32)
        y = layer.activation(y)
    elif step.kind == "max":
        y = tf.nn.pool(x, [step.kernel], "MAX", strides=[step.stride], padding="VALID")
    elif step.kind == "avg":
        y = tf.nn.pool(x, [step.kernel], "AVG", strides=[step.stride], padding="VALID")
        if step.counts is not None:  # "same": TF averages over the valid inputs only
            counts = tf.constant(step.counts)
            width = tf.shape(y)[1]
            if out_start is None:
                divisor = counts[None, :, None]
            else:
                idx = out_start[:, None] + tf.range(width)[None, :]
                divisor = tf.gather(counts, idx)[:, :, None]
            y = y * float(step.kernel) / divisor
    else:
        y = x
    for pointwise in step.pointwise:
        y = pointwise(y, training=False) if _takes_training(pointwise) else pointwise(y)
    return y


def _takes_training(layer) -> bool:
    return type(layer).__name__ in ("BatchNormalization", "Dropout", "SpatialDropout1D",
                                    "GaussianNoise", "GaussianDropout", "AlphaDropout")


def _head_rest(plan: FastPlan, z, first: int):
    """Layers ``head_layers[first:]`` on ``z``; the last layer's squash left out for logits."""
    tf = _tf()
    layers = plan.head_layers[first:]
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        if last and plan.skip_squash:
            if type(layer).__name__ == "Activation":
                break
            z = tf.matmul(z, tf.cast(layer.kernel, z.dtype))
            if getattr(layer, "use_bias", True) and layer.bias is not None:
                z = z + tf.cast(layer.bias, z.dtype)
            break
        z = layer(z, training=False) if _takes_training(layer) else layer(z)
    return z


def _dense_activation(plan: FastPlan, z):
    """The head Dense's activation on its pre-activation ``z``, then the rest of the head."""
    dense = plan.head_layers[1]
    if not (plan.skip_squash and len(plan.head_layers) == 2):
        z = dense.activation(z)
    return _head_rest(plan, z, 2)


def _finish(plan: FastPlan, final, head_state):
    """Model output from the last local activation (reference) or the head state (mutants)."""
    if plan.head_kind == "flatten_dense":
        return _dense_activation(plan, head_state)
    if plan.head_kind == "gap":
        return _head_rest(plan, head_state, 1)
    return _head_rest(plan, final, 0)


def build_reference(plan: FastPlan):
    """Compiled ``x (r, L, C) -> (bufs..., final, head_ref, output (r, n_outputs))``."""
    tf = _tf()

    def reference(x):
        bufs = []
        y = x
        for step in plan.steps:
            buf = tf.pad(y, [[0, 0], [step.pad_left, step.pad_right], [0, 0]],
                         constant_values=step.pad_value)
            bufs.append(buf)
            y = _layer_op(step, buf)
        final = y
        head_ref = _head_state_reference(plan, final)
        out = _finish(plan, final, head_ref)
        return (*bufs, final, head_ref, out)

    spec = tf.TensorSpec((None, plan.length, plan.channels), tf.float32)
    return tf.function(reference, input_signature=[spec])


def _head_state_reference(plan: FastPlan, final):
    tf = _tf()
    if plan.head_kind == "flatten_dense":
        dense = plan.head_layers[1]
        flat = tf.reshape(final, [tf.shape(final)[0], -1])
        z = tf.matmul(flat, tf.cast(dense.kernel, tf.float32))
        if getattr(dense, "use_bias", True) and dense.bias is not None:
            z = z + tf.cast(dense.bias, tf.float32)
        return z
    if plan.head_kind == "gap":
        return tf.reduce_mean(final, axis=1)
    return tf.zeros([tf.shape(final)[0], 1])


def _gather_rows(buf, rows, starts, width):
    """``buf[rows[u], starts[u] : starts[u] + width]`` for every u: (U, width, F)."""
    tf = _tf()
    idx = starts[:, None] + tf.range(width)[None, :]
    # (row, position) pairs: gathering whole rows first would copy the sequence per cell.
    pairs = tf.stack([tf.broadcast_to(rows[:, None], tf.shape(idx)), idx], axis=-1)
    return tf.gather_nd(buf, pairs)


def build_mutants(plan: FastPlan):
    """Compiled step: the target's value at every base of a batch of positions, ``(U, C)``."""
    tf = _tf()
    c = plan.channels
    k_steps = len(plan.steps)

    def mutants(*args):
        bufs, final, head_ref = args[:k_steps], args[k_steps], args[k_steps + 1]
        rows, pos, starts, target = args[k_steps + 2:]
        n_cells = tf.shape(rows)[0]
        prev = tf.broadcast_to(tf.eye(c)[None, :, None, :], [n_cells, c, 1, c])
        prev_start = pos
        for i, step in enumerate(plan.steps):
            in_start = starts[:, i] * step.stride
            ref_slice = _gather_rows(bufs[i], rows, in_start, step.in_width)
            idx = in_start[:, None] + tf.range(step.in_width)[None, :]
            rel = idx - step.pad_left - prev_start[:, None]
            prev_width = tf.shape(prev)[2]
            inside = (rel >= 0) & (rel < prev_width)
            new = tf.gather(prev, tf.clip_by_value(rel, 0, prev_width - 1), axis=2,
                            batch_dims=1)
            x = tf.where(inside[:, None, :, None], new, ref_slice[:, None])
            x = tf.reshape(x, [n_cells * c, step.in_width, step.in_channels])
            out_start = tf.repeat(starts[:, i], c)
            y = _layer_op(step, x, out_start)
            prev = tf.reshape(y, [n_cells, c, step.width, step.out_channels])
            prev_start = starts[:, i]
        out = _mutant_head(plan, prev, prev_start, final, head_ref, rows)
        return tf.reshape(tf.gather(out, target, axis=1), [n_cells, c])

    specs = [tf.TensorSpec((None, s.padded_len, s.in_channels), tf.float32) for s in plan.steps]
    specs += [tf.TensorSpec((None, plan.final_len, plan.final_channels), tf.float32),
              tf.TensorSpec(None, tf.float32),
              tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.int32),
              tf.TensorSpec((None, k_steps), tf.int32), tf.TensorSpec((), tf.int32)]
    return tf.function(mutants, input_signature=specs)


def _mutant_head(plan: FastPlan, window, start, final, head_ref, rows):
    """Outputs ``(U * C, n_outputs)`` from the last window ``(U, C, W, F)`` at ``start``."""
    tf = _tf()
    c = plan.channels
    n_cells = tf.shape(rows)[0]
    width, channels = plan.steps[-1].width, plan.final_channels
    if plan.head_kind in ("flatten_dense", "gap"):
        ref_window = _gather_rows(final, rows, start, width)
        change = window - ref_window[:, None]
        if plan.head_kind == "gap":
            state = tf.gather(head_ref, rows)[:, None] + tf.reduce_sum(change, axis=2) / float(
                plan.final_len)
            return _finish(plan, None, tf.reshape(state, [n_cells * c, channels]))
        dense = plan.head_layers[1]
        kernel = tf.reshape(tf.cast(dense.kernel, tf.float32), [plan.final_len, channels, -1])
        k_window = tf.gather(kernel, start[:, None] + tf.range(width)[None, :])
        state = tf.gather(head_ref, rows)[:, None] + tf.einsum("ucwf,uwfh->uch", change,
                                                               k_window)
        return _finish(plan, None, tf.reshape(state, [n_cells * c, -1]))
    idx = tf.range(plan.final_len)[None, :] - start[:, None]
    inside = (idx >= 0) & (idx < width)
    new = tf.gather(window, tf.clip_by_value(idx, 0, width - 1), axis=2, batch_dims=1)
    full = tf.where(inside[:, None, :, None], new, tf.gather(final, rows)[:, None])
    full = tf.reshape(full, [n_cells * c, plan.final_len, channels])
    return _finish(plan, full, None)


def window_starts(plan: FastPlan, positions: np.ndarray) -> np.ndarray:
    """``(U, n_steps)`` int32 window starts of the mutated 0-based ``positions``."""
    return np.stack([s.starts[positions] for s in plan.steps], axis=1).astype(np.int32)


__all__ = ["build_reference", "build_mutants", "window_starts"]
