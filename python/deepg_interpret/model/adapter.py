"""Wrap deepG / Keras models in a :class:`ModelAdapter`; :func:`load_model` builds it.

The adapter hides which Keras produced the model (Keras 3, or Keras 2 through
``tf_keras`` / TensorFlow <= 2.15), exposes what the methods need (item shape,
number of outputs, class names, the target's value and gradient as compiled
``tf.function`` steps) and can explain the pre-softmax logit instead of the
probability, because probabilities saturate near 0 and 1. One adapter per model
object is cached, so compiled steps are traced once. Loading from files (loader
choice, the HDF5 check) lives in :mod:`.model_files` (the names that moved there are
importable from here too); batched prediction in :func:`deepg_interpret.core.batching.predict`.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import os
import warnings
import weakref
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import ArgumentTypeError, DeepGInterpretWarning, ModelError, ShapeError, TargetError
from .files import (
    LOADERS,
    load_path,
)
from .inputs import InputInfo, InputPlan, digest
from .keras_backend import SQUASHING, activation_name, framework_of, is_keras_model, keras_module_of
from .tf_runtime import announce_device
from .tokens import TokenView

OUTPUTS = ("probability", "logit")
# Adapters of model objects, reused across calls so compiled steps and memory estimates
# are traced once per model (R users pass the same keras object again and again).
_ADAPTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Per-item memory estimates by architecture: tracing them costs about as much as a batch.
_BYTES_BY_ARCHITECTURE: dict = {}
# Free the compiled steps while TensorFlow is still intact (TF 2.15 complains otherwise).
atexit.register(_ADAPTERS.clear)


def _tf():
    import tensorflow as tf

    return tf


class ModelAdapter:
    """A Keras model seen as ``f(x) -> (batch, n_outputs)`` on one-hot input.

    Build it with :func:`load_model`. Methods use ``forward``,
    ``value_and_grad`` and ``item_bytes``; users mostly read ``maxlen``,
    ``n_outputs``, ``class_names`` and ``loader``.
    """

    def __init__(self, keras_model, *, loader: str, output: str = "probability",
                 input_index=None, class_names=None, other_inputs=None, note: str | None = None,
                 token_codes=None):
        self.keras_model = keras_model
        self.loader = loader
        self.output = output
        self.note = note
        self._args = (input_index, other_inputs, token_codes)
        self._plan = InputPlan(keras_model, input_index, other_inputs)
        self.input_index = self._plan.input_index  # 0-based int, or "all" / "target_middle"
        shape = self._plan.item_shape
        self._tokens = None
        if len(shape) == 1 and len(self._plan.inputs) == 1:
            # Integer tokens (deepG's transformers with embed_dim > 0): a one-hot view.
            self._tokens = TokenView(keras_model, token_codes, keras_module_of(keras_model))
            shape = (self._tokens.maxlen, len(self._tokens.codes))
            if self._tokens.note:
                self.note = (self.note + "; " if self.note else "") + self._tokens.note
                warnings.warn(self._tokens.note, DeepGInterpretWarning, stacklevel=3)
        elif token_codes is not None:
            raise ModelError(
                "token_codes is for models on integer tokens (input (None, maxlen)); the explained "
                f"input has shape {(None,) + tuple(shape)}"
            )
        self.item_shape = tuple(shape)
        if len(self.item_shape) not in (2, 3) or self.item_shape[-1] is None:
            raise ModelError(
                f"the model's {self._plan.inputs[self.explained_inputs[0]].describe()} is not "
                "one-hot sequences: expected (None, maxlen, channels), time-distributed sets "
                "(None, n, maxlen, channels) or integer tokens (None, maxlen) read by an "
                "Embedding; pass input_index= with the sequence input"
                + (" and other_inputs= with values for the others" if len(self._plan.inputs) > 1
                   else "")
            )
        self.maxlen = self.item_shape[-2]
        self.n_channels = int(self.item_shape[-1])
        self.vocabulary = None if self._tokens is None else self._tokens.vocabulary
        out_shape = self._output_shape()
        self._call = self._build_call(output)
        self.n_outputs = int(out_shape[-1]) if out_shape and out_shape[-1] is not None else 1
        self.class_names = self._check_class_names(class_names)
        self._compiled = {}
        self._bytes_cache = {}

    # -- inputs ---------------------------------------------------------------
    @property
    def inputs_info(self) -> list[InputInfo]:
        """Every model input: ``index`` (0-based), ``name``, per-item ``shape``, ``kind``."""
        return list(self._plan.inputs)

    @property
    def explained_inputs(self) -> list[int]:
        """0-based indices of the model inputs fed by the explained sequence."""
        return self._plan.explained

    @property
    def token_codes(self) -> dict | None:
        """Integer-token models: the token of each one-hot channel (else None)."""
        return None if self._tokens is None else dict(zip(self._tokens.vocabulary,
                                                          self._tokens.codes))

    def join_inputs(self, arrays) -> np.ndarray:
        """``input_index="all"``/``"target_middle"``: one array per explained input (each
        ``(n, L_i, C)``) -> the explained sequences ``(n, S, C)``."""
        return self._plan.join(arrays)

    def split_inputs(self, x) -> list[np.ndarray]:
        """Explained sequences or their attributions ``(n, S, C)`` -> one array per explained
        input, each in that input's own order (the inverse of :meth:`join_inputs`)."""
        return self._plan.split(x)

    # -- construction helpers -------------------------------------------------
    def _check_class_names(self, class_names):
        if class_names is None:
            return None
        if isinstance(class_names, bytes):
            class_names = class_names.decode()
        if isinstance(class_names, str):
            if self.n_outputs != 1:
                guess = (f" (did you mean {list(class_names)!r}?)"
                         if len(class_names) == self.n_outputs else "")
                raise TargetError(
                    f"class_names = {class_names!r} is a single string but the model has "
                    f"{self.n_outputs} outputs; pass a list with one name per output in output "
                    f"order, e.g. class_names=['bacteria', 'virus']{guess}"
                )
            class_names = [class_names]  # one name for a single-output model
        elif isinstance(class_names, Mapping):
            raise TargetError(
                f"class_names is a {type(class_names).__name__}; pass a list with one name per "
                "output in output order, e.g. class_names=['bacteria', 'virus']"
            )
        try:
            names = [c.decode() if isinstance(c, bytes) else str(c) for c in class_names]
        except TypeError:
            raise ArgumentTypeError(
                f"class_names must be a list of names (one per output), got "
                f"{type(class_names).__name__}; e.g. class_names=['bacteria', 'virus']"
            ) from None
        if len(names) != self.n_outputs:
            raise TargetError(
                f"class_names has {len(names)} names but the model has {self.n_outputs} outputs; "
                "give one name per output in output order"
            )
        empty = [i for i, name in enumerate(names) if not name.strip()]
        if empty:
            raise TargetError(
                f"class_names has empty name(s) at 0-based position(s) {empty}; give every output "
                "a non-empty name"
            )
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise TargetError(
                f"class_names has repeated names {repeated} in {names}; every output needs its "
                "own name (a target is looked up by name), so make them unique"
            )
        return names

    def _build_call(self, output: str):
        """A function x -> (b, n_outputs) for the requested output kind."""
        tf = _tf()
        model = self.keras_model
        if output not in OUTPUTS:
            raise ModelError(f"output must be one of {OUTPUTS}, got {output!r}")
        last = model.layers[-1]
        squash = activation_name(last)
        if output == "probability" or squash not in SQUASHING:
            if output == "logit" and squash not in SQUASHING:
                self.note = (self.note + "; " if self.note else "") + (
                    "the model's last layer has no softmax/sigmoid, so its output is used as the logit"
                )
            return self._full_call(model)
        # Explain the value before the final softmax/sigmoid.
        pre = keras_module_of(model).Model(inputs=model.inputs, outputs=last.input)
        if type(last).__name__ == "Activation":
            return self._full_call(pre)
        if type(last).__name__ != "Dense":
            raise ModelError(
                f"output='logit' needs the last layer to be Dense or Activation with "
                f"softmax/sigmoid; it is {type(last).__name__}. Use output='probability'."
            )
        kernel = last.kernel
        bias = last.bias if getattr(last, "use_bias", True) else None
        inner = self._full_call(pre)

        def call(x):
            hidden = inner(x)
            logits = tf.matmul(hidden, tf.cast(kernel, hidden.dtype))
            if bias is not None:
                logits = logits + tf.cast(bias, hidden.dtype)
            return logits

        return call

    def _full_call(self, model):
        tf = _tf()
        if self._tokens is not None:
            tail, embed = self._tokens.tail(model), self._tokens.embed
            return lambda x: tail(embed(x), training=False)
        plan = self._plan
        if len(plan.inputs) == 1:
            return lambda x: model(x, training=False)
        fixed = None if plan.fixed is None else [
            None if a is None else tf.constant(a) for a in plan.fixed]
        return lambda x: model(plan.feed(x, fixed), training=False)

    def _output_shape(self):
        out = self.keras_model.outputs
        if len(out) != 1:
            raise ModelError(
                f"the model has {len(out)} outputs; deepg-interpret explains single-output "
                "models (build a sub-model with the output you want to explain)"
            )
        shape = tuple(None if d is None else int(d) for d in tuple(out[0].shape))
        if len(shape) == 2:
            return shape
        if len(shape) < 2:
            raise ModelError(
                f"the model's output has shape {shape}: one number per sequence without a class "
                "axis, but deepg-interpret explains models with one output vector per sequence, "
                "shape (None, n_classes). Wrap it, e.g. keras.Model(model.inputs, "
                "keras.layers.Reshape((1,))(model.outputs[0])), and pass that model"
            )
        raise ModelError(
            f"the model's output has shape {shape}: {len(shape) - 1} dimensions per sequence "
            "(e.g. one prediction per position, a Conv1D/LSTM output without a pooling or "
            "flatten head), but deepg-interpret explains models with one output vector per "
            "sequence, shape (None, n_classes). Build a sub-model that reduces the output to "
            "one vector and pass it instead: to explain the mean over positions, "
            "keras.Model(model.inputs, keras.layers.GlobalAveragePooling1D()(model.outputs[0])); "
            "to explain position i, keras.Model(model.inputs, "
            "keras.layers.Lambda(lambda t: t[:, i, :])(model.outputs[0])); or "
            "keras.layers.Flatten() to treat every (position, class) value as its own output"
        )

    # -- public ---------------------------------------------------------------
    def __repr__(self) -> str:
        names = f", class_names={self.class_names}" if self.class_names else ""
        return (
            f"ModelAdapter(item_shape={self.item_shape}, n_outputs={self.n_outputs}, "
            f"output={self.output!r}, loader={self.loader!r}{names})"
        )

    def with_output(self, output: str) -> ModelAdapter:
        """The same model explaining ``output`` ("probability" or "logit")."""
        if output == self.output:
            return self
        input_index, other_inputs, token_codes = self._args
        return _with_class_names(
            _adapter_for(self.keras_model, self.loader, output, input_index, other_inputs,
                         token_codes),
            self.class_names)

    def resolve_target(self, target) -> int:
        """Turn a 0-based index or a class name into a 0-based index."""
        if isinstance(target, (bool, np.bool_)):
            raise TargetError(f"target must be a class index or name, got {target!r}")
        if isinstance(target, (int, np.integer)) or (
            isinstance(target, float) and float(target).is_integer()
        ):
            index = int(target)
            if not 0 <= index < self.n_outputs:
                raise TargetError(
                    f"target = {index} is out of range: the model has {self.n_outputs} outputs, "
                    f"so targets are 0..{self.n_outputs - 1} (0-based in Python, 1-based in R)"
                    + (f" or a class name from {self.class_names}" if self.class_names else "")
                )
            return index
        if isinstance(target, str):
            if not self.class_names:
                raise TargetError(
                    f"target = {target!r} is a class name but the model has no class names; pass "
                    "class_names= to load_model (in output order) or give a 0-based index"
                )
            if target not in self.class_names:
                raise TargetError(
                    f"target = {target!r} is not a class name; choose one of {self.class_names}"
                )
            return self.class_names.index(target)
        raise TargetError(
            f"target must be a 0-based class index or a class name, got {type(target).__name__}"
        )

    def target_name(self, index: int) -> str | None:
        return self.class_names[index] if self.class_names else None

    def check_input(self, x) -> np.ndarray:
        """Return ``x`` as float32 ``(n, *item_shape)`` or raise :class:`ShapeError`."""
        arr = np.asarray(x, dtype=np.float32)
        if arr.ndim == len(self.item_shape):
            arr = arr[None]
        expected = "(n, " + ", ".join("L" if d is None else str(d) for d in self.item_shape) + ")"
        if arr.ndim != len(self.item_shape) + 1:
            raise ShapeError(f"input has shape {arr.shape}; the model expects {expected}")
        for got, want, what in zip(arr.shape[1:], self.item_shape, ("length", "length", "channels")):
            if want is not None and got != want:
                what = "channels" if want == self.item_shape[-1] and got == arr.shape[-1] else what
                raise ShapeError(
                    f"input has shape {arr.shape} but the model expects {expected}; "
                    + (
                        f"the model was trained on {self.n_channels} channels (vocabulary size)"
                        if what == "channels"
                        else "use maxlen/window_step/pad when encoding to match the model"
                    )
                )
        return np.ascontiguousarray(arr)

    # -- compiled steps ---------------------------------------------------------
    def compiled(self, name: str, builder):
        """The compiled step ``name``, built once per adapter by ``builder()``.

        Methods keep their own ``tf.function`` steps here, so they are traced once per
        model (and shared by the copies that carry other class names).
        """
        if name not in self._compiled:
            self._compiled[name] = builder()
        return self._compiled[name]

    def _spec(self):
        tf = _tf()
        return tf.TensorSpec((None,) + self.item_shape, tf.float32)

    @property
    def forward(self):
        """Compiled ``x -> (b, n_outputs)``."""
        return self.compiled("forward", lambda: _tf().function(
            self._call, input_signature=[self._spec()], reduce_retracing=True))

    def _value_and_grad(self, x, target):
        tf = _tf()
        with tf.GradientTape() as tape:
            tape.watch(x)
            values = tf.gather(self._call(x), target, axis=1)
        return values, tape.gradient(values, x)

    @property
    def value_and_grad(self):
        """Compiled ``(x, target) -> (values (b,), grads (b, *item_shape))``."""

        def build():
            tf = _tf()
            return tf.function(
                self._value_and_grad,
                input_signature=[self._spec(), tf.TensorSpec((), tf.int32)],
                reduce_retracing=True,
            )

        return self.compiled("value_and_grad", build)

    def item_bytes(self, kind: str = "gradient", length: int | None = None) -> int:
        """Estimated memory of one item (sequence) in a batch, in bytes.

        Traces the step for batches of 1 and 2 and sums the sizes of every
        intermediate tensor in the graph; the difference is the per-item cost.
        It over-counts (not every tensor is alive at once), which keeps the
        batch size on the safe side of the memory budget.

        Tracing costs about as much as the first batch, so it is done as rarely as
        possible: once the gradient step is measured, it also serves as the
        (larger) forward estimate; and models of the same architecture (a reloaded
        checkpoint, the next model of a loop) reuse the measurement.
        """
        if kind == "forward" and ("gradient", length) in self._bytes_cache:
            return self._bytes_cache[("gradient", length)]
        key = (kind, length)
        if key not in self._bytes_cache:
            arch = self._architecture_key()
            shared = None if arch is None else (arch, kind, length)
            if shared is not None and shared in _BYTES_BY_ARCHITECTURE:
                self._bytes_cache[key] = _BYTES_BY_ARCHITECTURE[shared]
            else:
                self._bytes_cache[key] = _graph_bytes_per_item(self, kind, length)
                if shared is not None:
                    _BYTES_BY_ARCHITECTURE[shared] = self._bytes_cache[key]
        return self._bytes_cache[key]

    def _architecture_key(self):
        """What a step's memory depends on: the layers' kinds, output and weight shapes (not
        their names: every new model object gets new ones), the output and the inputs."""
        try:
            layers = tuple(
                (type(layer).__name__, str(getattr(layer, "output", None) is not None
                                           and tuple(layer.output.shape)),
                 tuple(tuple(w.shape) for w in layer.weights))
                for layer in self.keras_model.layers)
        except Exception:  # layers with several outputs etc.: no sharing
            return None
        digest = hashlib.sha1(repr(layers).encode()).hexdigest()
        return (digest, self.loader, self.output, self.item_shape, repr(self._args))


def _graph_bytes_per_item(adapter: ModelAdapter, kind: str, length: int | None) -> int:
    tf = _tf()
    shape = list(adapter.item_shape)
    if shape[-2] is None:
        shape[-2] = int(length or 1000)

    def total(batch):
        spec = tf.TensorSpec([batch] + shape, tf.float32)
        if kind == "forward":
            graph = tf.function(adapter._call).get_concrete_function(spec).graph
        else:
            graph = tf.function(adapter._value_and_grad).get_concrete_function(
                spec, tf.TensorSpec((), tf.int32)
            ).graph
        size = 0
        for op in graph.get_operations():
            for t in op.outputs:
                if t.dtype.is_floating and t.shape.is_fully_defined():
                    size += t.shape.num_elements() * t.dtype.size
        return size

    try:
        per_item = total(2) - total(1)
    except Exception:  # shape inference can fail on exotic layers: fall back to a rough guess
        per_item = 0
    floor = 4 * int(np.prod(shape)) * 8
    return int(max(per_item, floor))


def load_model(model, *, output: str = "probability", input_index=None, class_names=None,
               loader: str = "auto", other_inputs=None, custom_objects=None,
               token_codes=None) -> ModelAdapter:
    """Load a deepG/Keras model (object or file) for explanation.

    Parameters
    ----------
    model : keras.Model, tf_keras.Model, str, path or ModelAdapter
        A Keras 3 or Keras 2 (tf_keras) model object (models handed over from R
        keras/keras3 arrive as such), or a path to a ``.keras`` file, an HDF5
        checkpoint (``.h5``/``.hdf5``, including legacy deepG checkpoints written by
        Keras 2) or a SavedModel directory.
    output : {"probability", "logit"}
        Explain the model's output as it is, or the value before its final
        softmax/sigmoid (a Dense activation or a separate Activation layer).
        Default is "probability".
    input_index : int, "all", "target_middle" or None
        Multi-input models: the input to explain (0-based; the others get fixed values from
        ``other_inputs``), ``"all"`` to explain every one-hot input together (the sequence
        is their concatenation in input order, every input is interpolated, as deepG's
        ``integrated_gradients()`` on a list input), or ``"target_middle"`` (deepG's
        target-middle language models: one sequence ``x_1 .. x_S``, input 1 is the left
        part, input 2 the right part reversed, the middle base unseen). Default None:
        the only one-hot input ``(None, L, C)`` (or the single ``None`` of ``other_inputs``).
        See :mod:`deepg_interpret.model.inputs`.
    class_names : list of str, optional
        Names of the outputs, so targets can be given by name (deepG's label
        vocabulary, e.g. ``["bacteria", "virus"]``).
    loader : {"auto", "keras3", "tf_keras"}
        Force a loader for files. "auto" reads the checkpoint's Keras version and
        falls back to the other loader; the one used is in ``adapter.loader``.
    other_inputs : list, optional
        Multi-input models: fixed values of the inputs not explained (one array
        per input, ``None`` at the explained input(s)), shared by every sequence, e.g.
        deepG's label input: ``[np.array([1, 0, 0]), None]``.
    custom_objects : dict, optional
        Custom layers needed to deserialize the file (deepG's transformer layers are R
        classes: load such checkpoints with deepG's ``load_cp()`` and pass the model).
    token_codes : dict or sequence of int, optional
        Models on integer tokens (deepG's ``create_model_transformer(embed_dim > 0)``) are
        explained as one-hot models through their token embedding; this is the token of
        each base, e.g. ``{"A": 1, "C": 2, "G": 3, "T": 4}`` (deepG's integer coding, the
        default when the embedding has 5 or more rows; 4-row embeddings default to
        ``A=0 .. T=3``). See :mod:`deepg_interpret.model.tokens`.

    Returns
    -------
    ModelAdapter

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(2, activation="softmax")])
    >>> adapter = load_model(m, output="logit", class_names=["a", "b"])
    >>> adapter.maxlen, adapter.n_outputs, adapter.resolve_target("b")
    (20, 2, 1)
    """
    if output not in OUTPUTS:
        raise ModelError(f"output must be one of {OUTPUTS}, got {output!r}")
    if loader not in LOADERS:
        raise ModelError(f"loader must be one of {LOADERS}, got {loader!r}")
    announce_device()  # once per process: which TensorFlow, on which device
    if isinstance(model, ModelAdapter):
        if input_index is None and other_inputs is None and token_codes is None:
            return _with_class_names(model.with_output(output), class_names)
        # other inputs for the same model: a new plan (the adapter's class names carry over)
        return _with_class_names(
            _adapter_for(model.keras_model, model.loader, output, input_index, other_inputs,
                         token_codes), class_names if class_names is not None else model.class_names)
    note = None
    if isinstance(model, (str, os.PathLike)):
        model, used, note = load_path(Path(os.fspath(model)).expanduser(), loader, custom_objects)
        if note:
            warnings.warn(note, DeepGInterpretWarning, stacklevel=2)
    elif is_keras_model(model):
        used = framework_of(model)
    else:
        raise ArgumentTypeError(
            f"model must be a Keras model or a path to a saved model, got {type(model).__name__}; "
            "pass the object returned by deepG's create_model_*()/load_cp(), or a .h5/.keras path"
        )
    if not getattr(model, "inputs", None):
        raise ModelError(
            "the model has no defined inputs (a subclassed or unbuilt model); build it with an "
            "Input layer of shape (maxlen, channels) first"
        )
    adapter = _adapter_for(model, used, output, input_index, other_inputs, token_codes)
    if note:
        adapter = copy.copy(adapter)  # the shared adapter keeps its own note
        adapter.note = note if not adapter.note else note + "; " + adapter.note
    return _with_class_names(adapter, class_names)


def _args_key(input_index, other_inputs, token_codes):
    """A cache key for the input arguments, or None when they cannot be keyed (then the
    adapter is built afresh, which also raises the right error for bad values)."""
    try:
        fixed = None if other_inputs is None else [
            None if v is None else np.asarray(v, dtype=np.float32) for v in other_inputs]
        codes = None if token_codes is None else (
            tuple(sorted((str(k), int(v)) for k, v in token_codes.items()))
            if isinstance(token_codes, Mapping) else tuple(int(v) for v in token_codes))
        index = input_index if input_index is None or isinstance(input_index, str) \
            else int(input_index)
        return (index, digest(fixed), codes)
    except (TypeError, ValueError, AttributeError):
        return None


def _adapter_for(model, loader: str, output: str, input_index=None, other_inputs=None,
                 token_codes=None) -> ModelAdapter:
    """The one adapter of (model object, output, inputs): compiled steps are traced once."""
    args = _args_key(input_index, other_inputs, token_codes)
    if args is None:
        return ModelAdapter(model, loader=loader, output=output, input_index=input_index,
                            other_inputs=other_inputs, token_codes=token_codes)
    per_model = _ADAPTERS.setdefault(model, {})
    key = (output,) + args
    if key not in per_model:
        per_model[key] = ModelAdapter(model, loader=loader, output=output,
                                      input_index=input_index, other_inputs=other_inputs,
                                      token_codes=token_codes)
    return per_model[key]


def _with_class_names(adapter: ModelAdapter, class_names) -> ModelAdapter:
    """``adapter`` with other class names: a copy sharing the compiled steps, so the cached
    adapter (and every other holder of it) keeps its own names."""
    if class_names is None:
        return adapter
    named = copy.copy(adapter)
    named.class_names = named._check_class_names(class_names)
    return named


__all__ = ["ModelAdapter", "load_model", "OUTPUTS"]
