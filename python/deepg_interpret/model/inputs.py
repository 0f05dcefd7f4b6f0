"""Which inputs of a Keras model are explained, and what the other inputs are fed.

deepG builds models with several inputs: a label input next to the sequence
(``create_model_lstm_cnn(label_input = 3)``: inputs ``(None, 3)`` and ``(None, maxlen, 4)``),
several sequences of a set (``create_model_lstm_cnn_multi_input``: ``samples_per_target``
inputs ``(None, maxlen, 4)``) and the two halves of a language model's context
(``create_model_lstm_cnn_target_middle``: two inputs ``(None, maxlen / 2, 4)``). An
:class:`InputPlan` maps the explained sequence (``(n, L, C)``, what every method works on)
to the model's inputs:

- one input (``input_index=i``): the sequence is input ``i``; every other input is held
  at a fixed value (``other_inputs``, one value shared by all sequences);
- ``"all"``: every one-hot input, concatenated along the length axis in input order into
  one sequence (deepG's ``reshape_mode = "multi_input"`` layout). All of them are
  interpolated together, as deepG's ``integrated_gradients()`` does for a list input;
- ``"target_middle"``: deepG's ``target_middle_lstm`` layout. The sequence is
  ``x_1 .. x_S``; input 1 is ``x_1 .. x_L1``, ``x_(L1+1)`` is the base the model predicts
  (it sees nothing of it, so it gets zero attribution), input 2 is ``x_S .. x_(L1+2)``
  (reversed), as deepG's generator builds them.

``input_index=None`` picks the input on its own when exactly one input looks like one-hot
sequences ``(None, L, C)`` (or sets ``(None, n, L, C)``), or when ``other_inputs`` has a
single ``None``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError, ShapeError

LAYOUTS = ("all", "target_middle")


@dataclass(frozen=True)
class InputInfo:
    """One model input: 0-based ``index``, ``name``, per-item ``shape`` (None = any) and
    ``kind``: ``"sequence"`` (L, C), ``"set"`` (n, L, C), ``"vector"`` (d,) or ``"other"``."""

    index: int
    name: str
    shape: tuple
    kind: str

    def describe(self) -> str:
        dims = ", ".join("None" if d is None else str(d) for d in (None,) + self.shape)
        return f"input {self.index} {self.name!r} shape ({dims})"


@dataclass(frozen=True)
class Part:
    """Rows ``start:stop`` of the explained sequence feed model input ``input``
    (``reverse``: in reverse order)."""

    input: int
    start: int
    stop: int
    reverse: bool = False


def describe_inputs(keras_model) -> list[InputInfo]:
    """The model's inputs with their per-item shapes and kinds."""
    infos = []
    for i, tensor in enumerate(keras_model.inputs):
        shape = tuple(None if d is None else int(d) for d in tuple(tensor.shape)[1:])
        if len(shape) == 2 and shape[-1] is not None:
            kind = "sequence"
        elif len(shape) == 3 and shape[-1] is not None:
            kind = "set"
        elif len(shape) == 1:
            kind = "vector"
        else:
            kind = "other"
        history = getattr(tensor, "_keras_history", None)
        layer = getattr(history, "operation", None) or getattr(history, "layer", None)
        name = getattr(layer, "name", None) or str(getattr(tensor, "name", f"input_{i}"))
        name = name.split(":")[0]
        infos.append(InputInfo(i, name, shape, kind))
    return infos


def _listing(infos) -> str:
    return "; ".join(info.describe() for info in infos)


class InputPlan:
    """How the explained sequence ``(n, *item_shape)`` becomes the model's inputs."""

    def __init__(self, keras_model, input_index=None, other_inputs=None):
        self.inputs = describe_inputs(keras_model)
        n = len(self.inputs)
        other = None if other_inputs is None else list(other_inputs)
        if other is not None and len(other) != n:
            raise ModelError(
                f"other_inputs has {len(other)} entries but the model has {n} inputs "
                f"({_listing(self.inputs)}); give one entry per input in input order, None at "
                "the explained input(s)"
            )
        self.input_index = self._resolve(input_index, other)
        self.parts = self._parts()
        explained = self.explained
        if self.parts is None:
            self.item_shape = self.inputs[self.input_index].shape
        else:
            self.item_shape = (self.parts[-1].stop, self.inputs[explained[0]].shape[-1])
        self.fixed = self._bind(other, explained)
        self.key = (self.input_index, digest(self.fixed))

    # -- resolution -------------------------------------------------------------
    @property
    def explained(self) -> list[int]:
        """0-based indices of the model inputs the explained sequence feeds."""
        if self.parts is None:
            return [self.input_index]
        return [p.input for p in self.parts]

    def _resolve(self, input_index, other):
        infos, n = self.inputs, len(self.inputs)
        if isinstance(input_index, str):
            if input_index not in LAYOUTS:
                raise ModelError(
                    f"input_index = {input_index!r} is not an input; give a 0-based index, "
                    f"or one of {LAYOUTS} to explain several one-hot inputs together"
                )
            return input_index
        if input_index is not None:
            if isinstance(input_index, (bool, np.bool_)) or not float(input_index).is_integer():
                raise ModelError(f"input_index must be a 0-based input index, got {input_index!r}")
            index = int(input_index)
            if not 0 <= index < n:
                raise ModelError(
                    f"input_index = {index} but the model has {n} input(s); pass an index from "
                    f"0 to {n - 1} ({_listing(infos)})"
                )
            return index
        if n == 1:
            return 0
        if other is not None:
            open_slots = [i for i, v in enumerate(other) if v is None]
            if len(open_slots) == 1:
                return open_slots[0]
        candidates = [i.index for i in infos if i.kind in ("sequence", "set")]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ModelError(
                f"none of the model's {n} inputs looks like one-hot sequences (None, maxlen, "
                f"channels): {_listing(infos)}; pass input_index= with the input to explain"
            )
        raise ModelError(
            f"the model has {len(candidates)} one-hot inputs ({_listing(infos)}); choose with "
            "input_index=: 'all' explains them together (their concatenation in input order, "
            "every input interpolated, as deepG's integrated_gradients() on a list), "
            "'target_middle' uses deepG's target-middle layout (one sequence around the "
            "predicted base), or a 0-based index explains that input with the others fixed "
            "(other_inputs=)"
        )

    def _parts(self):
        if not isinstance(self.input_index, str):
            return None
        seq = [i for i in self.inputs if i.kind == "sequence"]
        if not seq:
            raise ModelError(
                f"input_index = {self.input_index!r} needs one-hot inputs (None, L, C); the model "
                f"has {_listing(self.inputs)}"
            )
        open_len = [i for i in seq if i.shape[0] is None]
        channels = {i.shape[-1] for i in seq}
        if open_len or len(channels) > 1:
            raise ModelError(
                f"input_index = {self.input_index!r} joins the one-hot inputs into one sequence, "
                f"which needs a fixed length and the same channels for each: {_listing(seq)}; "
                "explain one input at a time instead (a 0-based input_index with other_inputs=)"
            )
        if self.input_index == "target_middle":
            if len(seq) != 2:
                raise ModelError(
                    f"input_index = 'target_middle' needs exactly two one-hot inputs (deepG's "
                    f"create_model_lstm_cnn_target_middle); the model has {_listing(seq)}"
                )
            first, second = seq
            l1, l2 = first.shape[0], second.shape[0]
            return (Part(first.index, 0, l1), Part(second.index, l1 + 1, l1 + 1 + l2, True))
        parts, start = [], 0
        for info in seq:
            parts.append(Part(info.index, start, start + info.shape[0]))
            start += info.shape[0]
        return tuple(parts)

    def _bind(self, other, explained):
        n = len(self.inputs)
        need = [i for i in self.inputs if i.index not in explained]
        if not need:
            if other is not None and any(v is not None for v in other):
                raise ModelError(
                    "other_inputs has values but every input of the model is explained "
                    f"({_listing(self.inputs)}); leave other_inputs unset"
                )
            return None
        target = (f"input_index = {self.input_index!r}" if isinstance(self.input_index, str)
                  else f"input {self.input_index}")
        if other is None:
            slots = ", ".join("None" if i in explained else f"<{self.inputs[i].name}>"
                              for i in range(n))
            raise ModelError(
                f"the model has {n} inputs ({_listing(self.inputs)}) and {target} is explained; "
                f"pass other_inputs= with fixed values for {_listing(need)}: a list in input "
                f"order with None at the explained input, other_inputs=[{slots}]"
            )
        bound = []
        for info, value in zip(self.inputs, other):
            if info.index in explained:
                if value is not None:
                    raise ModelError(
                        f"other_inputs[{info.index}] has a value but {info.describe()} is the "
                        "explained input; put None there"
                    )
                bound.append(None)
                continue
            if value is None:
                raise ModelError(
                    f"other_inputs[{info.index}] is None but {info.describe()} is not explained "
                    "and needs a fixed value"
                )
            bound.append(_fixed_value(value, info))
        return bound

    # -- use --------------------------------------------------------------------
    def feed(self, x, fixed_tensors):
        """Model inputs for a batch ``x`` (a tf tensor ``(b, *item_shape)``)."""
        import tensorflow as tf

        if len(self.inputs) == 1:
            return x
        feed: list = [None] * len(self.inputs)
        if self.parts is None:
            feed[self.input_index] = x
        else:
            for p in self.parts:
                part = x[:, p.start:p.stop]
                feed[p.input] = tf.reverse(part, axis=[1]) if p.reverse else part
        if fixed_tensors is not None:
            batch = tf.shape(x)[0]
            for i, value in enumerate(fixed_tensors):
                if value is not None:
                    feed[i] = tf.repeat(value, batch, axis=0)
        return feed

    def join(self, arrays) -> np.ndarray:
        """One array per explained input (each ``(n, L_i, C)``) -> the explained sequence."""
        if self.parts is None:
            raise ModelError("join() is for input_index = 'all' or 'target_middle'")
        arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
        if len(arrays) != len(self.parts):
            raise ShapeError(
                f"got {len(arrays)} arrays for {len(self.parts)} explained inputs "
                f"({_listing([self.inputs[p.input] for p in self.parts])})"
            )
        arrays = [a[None] if a.ndim == 2 else a for a in arrays]
        n = arrays[0].shape[0]
        out = np.zeros((n,) + tuple(self.item_shape), dtype=np.float32)
        for p, a in zip(self.parts, arrays):
            info = self.inputs[p.input]
            if a.shape[1:] != info.shape or a.shape[0] != n:
                raise ShapeError(
                    f"the array for {info.describe()} has shape {a.shape}; expected "
                    f"({n}, {info.shape[0]}, {info.shape[1]})"
                )
            out[:, p.start:p.stop] = a[:, ::-1] if p.reverse else a
        return out

    def split(self, x) -> list[np.ndarray]:
        """The explained sequence (or its attributions) ``(n, S, C)`` -> one array per
        explained input, in each input's own order."""
        if self.parts is None:
            return [np.asarray(x)]
        x = np.asarray(x)
        return [x[:, p.start:p.stop][:, ::-1] if p.reverse else x[:, p.start:p.stop]
                for p in self.parts]


def _fixed_value(value, info: InputInfo) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise ShapeError(
            f"other_inputs[{info.index}] must be numbers for {info.describe()}, got "
            f"{type(value).__name__}"
        ) from None
    expected = info.shape
    if arr.ndim == len(expected):
        arr = arr[None]
    fits = arr.ndim == len(expected) + 1 and arr.shape[0] == 1 and all(
        want is None or got == want for got, want in zip(arr.shape[1:], expected))
    if not fits:
        raise ShapeError(
            f"other_inputs[{info.index}] has shape {arr.shape}; {info.describe()} needs one value "
            f"of shape {expected} (shared by every sequence)"
        )
    if not np.all(np.isfinite(arr)):
        raise ShapeError(f"other_inputs[{info.index}] has NaN or infinite values")
    return arr


def digest(fixed) -> str | None:
    """A key for cached adapters: equal fixed values give the same key."""
    if fixed is None:
        return None
    h = hashlib.sha1()
    for a in fixed:
        h.update(b"-" if a is None else repr(a.shape).encode() + a.tobytes())
    return h.hexdigest()


__all__ = ["InputInfo", "InputPlan", "Part", "LAYOUTS", "describe_inputs"]
