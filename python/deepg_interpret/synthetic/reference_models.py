"""Reference models shaped like deepG's ``create_model_lstm_cnn``.

deepG (R) builds its sequence classifiers from a stack of convolution blocks, optional
LSTM layers, a flatten or global-average-pooling step and dense layers. The builders here
produce the same stack in Python, with Keras 3 or with Keras 2 (``tf_keras``), so tests,
demos and benchmarks can use models with the exact layer layout users bring from R,
including legacy Keras 2 HDF5 checkpoints.

Layer layout (deepG's, kept exactly because explanations depend on it):

- block 1: ``Conv1D(relu, padding)`` -> ``MaxPooling1D`` (if ``pool_size > 1``) -> ``BatchNormalization``
- block i > 1: ``Conv1D(relu, padding)`` -> ``BatchNormalization`` -> ``MaxPooling1D`` (if ``pool_size > 1``)
- LSTM layers (all but the last return sequences), optionally bidirectional
- ``GlobalAveragePooling1D`` if ``gap`` else ``Flatten`` (only without LSTM)
- dense layers with ReLU (optional dropout before each), then the output layer
  ``Dense(layer_dense[-1], activation=last_layer_activation)``

Training (:func:`train_model`, :func:`recalibrate_batch_norm`) lives in
:mod:`deepg_interpret.synthetic.training`; both names stay importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, InputError
from ..model.keras_backend import resolve_backend
from .training import recalibrate_batch_norm, train_model

SOLVERS = ("adam", "adagrad", "rmsprop", "sgd")
ACTIVATIONS = ("softmax", "sigmoid")
PADDINGS = ("same", "valid", "causal")


# --------------------------------------------------------------------------- validation
def _int_tuple(value, name: str, *, allow_none: bool = False, minimum: int = 1):
    """Turn an int or a sequence of ints into a tuple of ints (``None`` passes if allowed)."""
    if value is None:
        if allow_none:
            return None
        raise ArgumentTypeError(f"`{name}` must be an int or a sequence of ints, got None.")
    items = [value] if isinstance(value, (int, np.integer)) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, (Sequence, np.ndarray)):
        raise ArgumentTypeError(
            f"`{name}` must be an int or a sequence of ints, got {type(value).__name__}."
        )
    out = []
    for v in items:
        if (
            isinstance(v, bool)
            or not isinstance(v, (int, np.integer, float, np.floating))
            or (float(v) != int(v))
        ):
            raise ArgumentTypeError(f"`{name}` must contain whole numbers, got {value!r}.")
        if int(v) < minimum:
            raise InputError(f"`{name}` values must be >= {minimum}, got {value!r}.")
        out.append(int(v))
    if not out:
        if allow_none:
            return None
        raise InputError(f"`{name}` must not be empty.")
    return tuple(out)


def _rate_tuple(value, name: str, n: int):
    """Dropout rates as a tuple of length ``n`` (a scalar is repeated), or ``None``."""
    if value is None:
        return None
    items = [value] * n if np.isscalar(value) else list(value)
    if len(items) != n:
        raise InputError(f"`{name}` needs {n} rate(s) (one per dense layer), got {value!r}.")
    for r in items:
        if not 0.0 <= float(r) < 1.0:
            raise InputError(f"`{name}` rates must lie in [0, 1), got {value!r}.")
    return tuple(float(r) for r in items)


def _check_rate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ArgumentTypeError(f"`{name}` must be a number in [0, 1), got {value!r}.")
    if not 0.0 <= float(value) < 1.0:
        raise InputError(f"`{name}` must lie in [0, 1), got {value!r}.")
    return float(value)


def _seed_int(seed) -> int | None:
    """An int seed from ``None | int | np.random.Generator`` (Keras initializers want ints)."""
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    raise ArgumentTypeError(
        f"`seed` must be None, an int or a numpy Generator, got {type(seed).__name__}."
    )


def _conv_output_length(length: int, kernel: int, stride: int, dilation: int, padding: str):
    if padding in ("same", "causal"):
        return -(-length // stride)
    span = (kernel - 1) * dilation + 1
    return max(0, (length - span) // stride + 1)


# --------------------------------------------------------------------------- builder
def create_model_lstm_cnn(
    maxlen: int | None = 200,
    *,
    kernel_size: int | Sequence[int] | None = (12,),
    filters: int | Sequence[int] | None = (32,),
    pool_size: int | Sequence[int] | None = (3,),
    strides: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] | None = None,
    padding: str = "same",
    use_bias: bool = True,
    layer_lstm: int | Sequence[int] | None = None,
    bidirectional: bool = False,
    dropout_lstm: float = 0.0,
    recurrent_dropout_lstm: float = 0.0,
    zero_mask: bool = False,
    layer_dense: int | Sequence[int] = (2,),
    dropout_dense: float | Sequence[float] | None = None,
    vocabulary_size: int = 4,
    gap: bool = False,
    batch_norm: bool = True,
    batch_norm_momentum: float = 0.99,
    last_layer_activation: str = "softmax",
    softmax_as_layer: bool = False,
    backend: str = "auto",
    solver: str = "adam",
    learning_rate: float = 1e-3,
    loss_fn: str | None = None,
    seed: int | np.random.Generator | None = None,
    compile: bool = True,
):
    """Build a Keras sequence classifier with deepG's ``create_model_lstm_cnn`` layout.

    Argument names follow deepG where the meaning is the same. The model is a
    ``Sequential`` stack (deepG's graph is a straight chain, so this is the same network);
    with ``backend="tf_keras"`` the first layer carries ``batch_input_shape`` like
    deepG's Keras 2 checkpoints, so ``model.save("m.h5")`` writes a legacy-style HDF5 file.

    Parameters
    ----------
    maxlen : int or None
        Input length. ``None`` accepts any length; it needs ``gap=True`` or LSTM layers,
        because ``Flatten`` needs a fixed length. Default is 200.
    kernel_size, filters : int or sequence of int or None
        One entry per convolution layer (same length). ``None`` (both) builds no
        convolution layers, as in deepG. Defaults are ``(12,)`` and ``(32,)``.
    pool_size : int or sequence of int or None
        Max-pooling size after each convolution (``1`` = no pooling). Default is ``(3,)``.
    strides, dilation_rate : int or sequence of int or None
        Convolution strides and dilation rates; ``None`` means 1 for every layer.
    padding : {"same", "valid", "causal"}
        Convolution padding. Default is ``"same"`` (deepG's default).
    use_bias : bool
        Bias in the convolution layers. Default is True.
    layer_lstm : int or sequence of int or None
        Units per LSTM layer (after the convolutions). Default is None (no LSTM).
    bidirectional : bool
        Wrap the LSTM layers in ``Bidirectional``. Default is False.
    dropout_lstm, recurrent_dropout_lstm : float
        Input and recurrent dropout of the LSTM layers. Default is 0.
    zero_mask : bool
        Add a ``Masking`` layer (all-zero positions skipped) before the LSTM; only used
        without convolutions, as in deepG. Default is False.
    layer_dense : int or sequence of int
        Units of the dense layers; the last entry is the number of outputs (classes).
        Default is ``(2,)``.
    dropout_dense : float or sequence of float or None
        Dropout rate before each dense layer (one per entry of ``layer_dense``; a scalar
        is used for all). Default is None (no dropout).
    vocabulary_size : int
        Number of one-hot channels. Default is 4 (A, C, G, T).
    gap : bool
        Global average pooling after the last convolution instead of ``Flatten``
        (whole-genome models; not with LSTM). Default is False.
    batch_norm : bool
        Batch normalization in each convolution block (deepG always has it). Default True.
    batch_norm_momentum : float
        Momentum of the moving mean and variance. Default is 0.99.
    last_layer_activation : {"softmax", "sigmoid"}
        Activation of the output layer. Default is ``"softmax"``.
    softmax_as_layer : bool
        Put the activation in a separate ``Activation`` layer after a linear output
        ``Dense`` (the layout of older deepG checkpoints). Default is False.
    backend : {"auto", "keras3", "tf_keras"}
        Keras 3 or Keras 2 (``tf_keras``); see :func:`resolve_backend`. Default ``"auto"``.
    solver : {"adam", "adagrad", "rmsprop", "sgd"}
        Optimizer used when compiling. Default is ``"adam"``.
    learning_rate : float
        Optimizer learning rate. Default is 1e-3.
    loss_fn : str or None
        Loss; ``None`` picks ``"categorical_crossentropy"`` for softmax and
        ``"binary_crossentropy"`` for sigmoid outputs. Default is None.
    seed : None, int or numpy.random.Generator
        Seeds the weight initializers and dropout layers (no global state is touched).
        Default is None.
    compile : bool
        Compile with the optimizer, loss and an accuracy metric. Default is True.

    Returns
    -------
    keras.Sequential or tf_keras.Sequential
        Input ``(None, maxlen, vocabulary_size)``, output ``(None, layer_dense[-1])``.

    Raises
    ------
    InputError
        Inconsistent layer settings (lengths differ, pooling shrinks the sequence to
        nothing, ``maxlen=None`` with a flatten head, ...).
    ModelError
        The requested Keras backend is not installed.

    Examples
    --------
    >>> model = create_model_lstm_cnn(maxlen=60, kernel_size=(6,), filters=(4,),
    ...                               pool_size=(3,), layer_dense=(8, 2), seed=0)
    >>> tuple(model.output_shape)
    (None, 2)
    """
    keras_mod, backend_name = resolve_backend(backend)
    layers = keras_mod.layers

    # ---- validation (once, at the boundary)
    if maxlen is not None and (
        isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 1
    ):
        raise InputError(f"`maxlen` must be a positive int or None, got {maxlen!r}.")
    if (
        isinstance(vocabulary_size, bool)
        or not isinstance(vocabulary_size, (int, np.integer))
        or vocabulary_size < 1
    ):
        raise InputError(f"`vocabulary_size` must be a positive int, got {vocabulary_size!r}.")
    kernel_size = _int_tuple(kernel_size, "kernel_size", allow_none=True)
    filters = _int_tuple(filters, "filters", allow_none=True)
    if (kernel_size is None) != (filters is None):
        raise InputError(
            f"`kernel_size` ({kernel_size!r}) and `filters` ({filters!r}) must both be given "
            "(one entry per convolution layer) or both be None (no convolutions)."
        )
    n_conv = 0 if kernel_size is None else len(kernel_size)
    if n_conv and len(filters) != n_conv:
        raise InputError(
            f"`kernel_size` has {n_conv} entries but `filters` has {len(filters)}; "
            "give one entry per convolution layer in both."
        )
    strides = _int_tuple(strides, "strides", allow_none=True) or (1,) * n_conv
    dilation_rate = _int_tuple(dilation_rate, "dilation_rate", allow_none=True) or (1,) * n_conv
    pool_size = _int_tuple(pool_size, "pool_size", allow_none=True)
    if n_conv:
        if pool_size is None:
            pool_size = (1,) * n_conv
        for name, val in (
            ("strides", strides),
            ("dilation_rate", dilation_rate),
            ("pool_size", pool_size),
        ):
            if len(val) != n_conv:
                raise InputError(
                    f"`{name}` has {len(val)} entries but there are {n_conv} convolution "
                    f"layers (kernel_size={kernel_size}); give one entry per layer."
                )
    layer_lstm = _int_tuple(layer_lstm, "layer_lstm", allow_none=True)
    n_lstm = 0 if layer_lstm is None else len(layer_lstm)
    if n_conv == 0 and n_lstm == 0:
        raise InputError(
            "The model has neither convolution nor LSTM layers; pass `kernel_size` and "
            "`filters`, or `layer_lstm`."
        )
    layer_dense = _int_tuple(layer_dense, "layer_dense")
    dropout_dense = _rate_tuple(dropout_dense, "dropout_dense", len(layer_dense))
    dropout_lstm = _check_rate(dropout_lstm, "dropout_lstm")
    recurrent_dropout_lstm = _check_rate(recurrent_dropout_lstm, "recurrent_dropout_lstm")
    if padding not in PADDINGS:
        raise InputError(f"`padding` must be one of {PADDINGS}, got {padding!r}.")
    if last_layer_activation not in ACTIVATIONS:
        raise InputError(
            f"`last_layer_activation` must be one of {ACTIVATIONS}, got {last_layer_activation!r}."
        )
    if solver not in SOLVERS:
        raise InputError(f"`solver` must be one of {SOLVERS}, got {solver!r}.")
    if gap and n_lstm:
        raise InputError(
            "`gap=True` cannot be combined with `layer_lstm` (deepG does not allow it either); "
            "drop one of them."
        )
    if gap and n_conv == 0:
        raise InputError("`gap=True` needs convolution layers (`kernel_size`, `filters`).")
    if maxlen is None and not (gap or n_lstm):
        raise InputError(
            "`maxlen=None` (any input length) needs `gap=True` or LSTM layers, because a "
            "Flatten head needs a fixed length; pass gap=True or a fixed maxlen."
        )
    if maxlen is not None and n_conv:
        # Pooling and strides shrink the sequence; catch stacks that shrink it to nothing
        # here, where the message can name the arguments, not deep inside Keras.
        length = int(maxlen)
        for i in range(n_conv):
            length = _conv_output_length(
                length, kernel_size[i], strides[i], dilation_rate[i], padding
            )
            if pool_size[i] > 1:
                length //= pool_size[i]
            if length < 1:
                raise InputError(
                    f"With maxlen = {maxlen}, convolution layer {i + 1} (kernel_size "
                    f"{kernel_size[i]}, strides {strides[i]}, pool_size {pool_size[i]}) leaves "
                    "no positions; use a larger maxlen or smaller pool_size/strides."
                )
    seed = _seed_int(seed)

    # ---- layers
    counter = iter(range(10_000))

    def init(kind: str = "glorot"):
        if seed is None:
            return "glorot_uniform" if kind == "glorot" else "orthogonal"
        s = seed + next(counter)  # distinct seed per initializer, same run to run
        if kind == "glorot":
            return keras_mod.initializers.GlorotUniform(seed=s)
        return keras_mod.initializers.Orthogonal(seed=s)

    def dropout(rate: float):
        return layers.Dropout(rate, seed=None if seed is None else seed + 5_000 + next(counter))

    input_shape = (maxlen, vocabulary_size)
    stack: list[Any] = []
    if backend_name == "keras3":
        stack.append(keras_mod.Input(shape=input_shape))
        first_kwargs: dict[str, Any] = {}
    else:
        # Keras 2 Sequential: the first layer carries the input shape (deepG's checkpoints).
        first_kwargs = {"batch_input_shape": (None, *input_shape)}

    def first() -> dict:
        """Input-shape kwargs for the first layer of the stack (Keras 2 only)."""
        return dict(first_kwargs) if not stack else {}

    for i in range(n_conv):
        stack.append(
            layers.Conv1D(
                **first(),
                filters=filters[i],
                kernel_size=kernel_size[i],
                strides=strides[i],
                dilation_rate=dilation_rate[i],
                padding=padding,
                activation="relu",
                use_bias=use_bias,
                kernel_initializer=init(),
            )
        )
        pool = layers.MaxPooling1D(pool_size=pool_size[i]) if pool_size[i] > 1 else None
        norm = layers.BatchNormalization(momentum=batch_norm_momentum) if batch_norm else None
        # deepG pools before normalizing in the first block and after it in later blocks.
        block = (pool, norm) if i == 0 else (norm, pool)
        stack.extend(layer for layer in block if layer is not None)

    if n_lstm:
        if n_conv == 0 and zero_mask:
            stack.append(layers.Masking(**first()))
        for j, units in enumerate(layer_lstm):
            shape_kwargs = first()
            lstm_kwargs = dict(
                return_sequences=j < n_lstm - 1,
                dropout=dropout_lstm,
                recurrent_dropout=recurrent_dropout_lstm,
                recurrent_activation="sigmoid",
                kernel_initializer=init(),
                recurrent_initializer=init("orthogonal"),
            )
            if bidirectional:
                stack.append(
                    layers.Bidirectional(layers.LSTM(units, **lstm_kwargs), **shape_kwargs)
                )
            else:
                stack.append(layers.LSTM(units, **lstm_kwargs, **shape_kwargs))
    if gap:
        stack.append(layers.GlobalAveragePooling1D())
    elif n_lstm == 0:
        stack.append(layers.Flatten())

    for j, units in enumerate(layer_dense):
        if dropout_dense is not None and dropout_dense[j] > 0:
            stack.append(dropout(dropout_dense[j]))
        last = j == len(layer_dense) - 1
        if not last:
            stack.append(layers.Dense(units, activation="relu", kernel_initializer=init()))
        elif softmax_as_layer:
            stack.append(layers.Dense(units, kernel_initializer=init(), dtype="float32"))
            stack.append(layers.Activation(last_layer_activation, dtype="float32"))
        else:
            stack.append(
                layers.Dense(
                    units,
                    activation=last_layer_activation,
                    kernel_initializer=init(),
                    dtype="float32",
                )
            )

    model = keras_mod.Sequential(stack)
    if compile:
        loss = loss_fn or (
            "categorical_crossentropy"
            if last_layer_activation == "softmax"
            else "binary_crossentropy"
        )
        optimizers = {
            "adam": keras_mod.optimizers.Adam,
            "adagrad": keras_mod.optimizers.Adagrad,
            "rmsprop": keras_mod.optimizers.RMSprop,
            "sgd": keras_mod.optimizers.SGD,
        }
        model.compile(
            optimizer=optimizers[solver](learning_rate=learning_rate),
            loss=loss,
            metrics=["accuracy"],
        )
    return model


__all__ = ["create_model_lstm_cnn", "train_model", "recalibrate_batch_norm", "resolve_backend"]
