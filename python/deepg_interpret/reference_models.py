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
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ArgumentTypeError, DeepGInterpretWarning, InputError, ModelError, ShapeError

BACKENDS = ("auto", "keras3", "tf_keras")
SOLVERS = ("adam", "adagrad", "rmsprop", "sgd")
ACTIVATIONS = ("softmax", "sigmoid")
PADDINGS = ("same", "valid", "causal")


# --------------------------------------------------------------------------- backends
def _keras_major(module) -> int:
    try:
        return int(str(module.__version__).split(".")[0])
    except (AttributeError, ValueError):
        return 0


def resolve_backend(backend: str = "auto"):
    """Return the Keras module for ``backend`` and the backend's canonical name.

    Parameters
    ----------
    backend : {"auto", "keras3", "tf_keras"}
        ``"keras3"`` needs Keras 3 (TensorFlow >= 2.16). ``"tf_keras"`` uses Keras 2:
        the ``tf_keras`` package, or ``keras`` itself where that is Keras 2
        (TensorFlow <= 2.15). ``"auto"`` takes Keras 3 where it is installed, else Keras 2.
        Default is ``"auto"``.

    Returns
    -------
    tuple
        ``(keras_module, name)`` with ``name`` in ``{"keras3", "tf_keras"}``.

    Examples
    --------
    >>> keras_module, name = resolve_backend("auto")
    >>> name in ("keras3", "tf_keras")
    True
    """
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise InputError(
            f"`backend` must be one of {BACKENDS}, got {backend!r}; pass backend='keras3' "
            "for Keras 3 or backend='tf_keras' for Keras 2 (legacy HDF5 checkpoints)."
        )
    try:
        import keras
    except ImportError:  # pragma: no cover - TensorFlow installs always bring keras
        keras = None
    major = _keras_major(keras) if keras is not None else 0
    if backend in ("auto", "keras3"):
        if major >= 3:
            return keras, "keras3"
        if backend == "keras3":
            import tensorflow as tf

            raise ModelError(
                f"`backend='keras3'` needs Keras 3, but the installed keras is "
                f"{getattr(keras, '__version__', 'missing')} (TensorFlow {tf.__version__}); "
                "pass backend='tf_keras' to build a Keras 2 model, or install "
                "TensorFlow >= 2.16 for Keras 3."
            )
    try:
        import tf_keras

        return tf_keras, "tf_keras"
    except ImportError:
        pass
    if major == 2:  # TensorFlow <= 2.15 without tf_keras: keras itself is Keras 2
        return keras, "tf_keras"
    raise ModelError(
        "`backend='tf_keras'` needs Keras 2, but neither the `tf_keras` package nor a "
        "Keras 2 `keras` is installed; install it with `pip install tf_keras` "
        "(same minor version as tensorflow)."
    )


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


# --------------------------------------------------------------------------- training
def _labels_to_targets(y, n_outputs: int, name: str) -> np.ndarray:
    """Int labels (n,) or one-hot / multi-label (n, n_outputs) -> float32 targets."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and n_outputs == 1:
        return y.astype("float32")
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.number) or np.any(y != np.round(y)):
            raise InputError(
                f"`{name}` as a 1-D array must hold 0-based integer class labels, got "
                f"dtype {y.dtype}; pass int labels or a one-hot matrix (n, {n_outputs})."
            )
        labels = y.astype("int64")
        n_classes = max(n_outputs, 2)
        if labels.min(initial=0) < 0 or labels.max(initial=0) >= n_classes:
            raise InputError(
                f"`{name}` holds labels from {labels.min()} to {labels.max()}, but the model "
                f"has {n_outputs} output(s), so labels must lie in 0..{n_classes - 1}."
            )
        if n_outputs == 1:  # single sigmoid unit: labels are the 0/1 target itself
            return labels.astype("float32")[:, None]
        return np.eye(n_outputs, dtype="float32")[labels]
    if y.ndim == 2 and y.shape[1] == n_outputs:
        return y.astype("float32")
    raise ShapeError(
        f"`{name}` has shape {y.shape}; expected int labels (n,) or targets (n, {n_outputs}) "
        "matching the model's outputs."
    )


def _make_callback(keras_mod, monitor: str, patience: int):
    """Early stopping that always restores the best weights.

    Keras 2.15's ``EarlyStopping`` restores the best weights only when it stops early, so
    a run that used every epoch kept the last weights; this callback behaves the same
    under Keras 2 and 3.
    """

    class _BestWeights(keras_mod.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best = np.inf
            self.best_epoch = -1
            self.best_weights = None
            self.wait = 0

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            if value is None:
                return
            value = float(value) if monitor.endswith("loss") else -float(value)
            if value < self.best:
                self.best, self.best_epoch, self.wait = value, epoch, 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return _BestWeights()


def _batch_norm_layers(model, keras_mod) -> list:
    """Every batch-normalization layer of ``model``, nested models and wrappers included."""
    bn_class = keras_mod.layers.BatchNormalization
    found: list = []
    seen: set[int] = set()

    def walk(layer):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        if isinstance(layer, bn_class) or (
            hasattr(layer, "moving_mean") and hasattr(layer, "moving_variance")
            and hasattr(layer, "momentum")
        ):
            found.append(layer)
        for child in list(getattr(layer, "layers", None) or []):
            walk(child)
        for attr in ("layer", "forward_layer", "backward_layer"):
            child = getattr(layer, attr, None)
            if child is not None and child is not layer and hasattr(child, "get_config"):
                walk(child)

    for layer in model.layers:
        walk(layer)
    return found


def _training_forward(model, keras_mod):
    """``step(x)``: one training-mode forward pass, compiled where the backend is TF."""

    def step(batch):
        model(batch, training=True)
        return 0

    try:
        name = keras_mod.backend.backend()
    except AttributeError:  # Keras 2 without the query: always TensorFlow
        name = "tensorflow"
    if name == "tensorflow":
        import tensorflow as tf

        return tf.function(step, reduce_retracing=True)
    return step


def recalibrate_batch_norm(
    model,
    x,
    *,
    batch_size: int = 64,
    max_rows: int | None = 16_384,
    seed: int | np.random.Generator | None = 0,
    _step=None,
) -> int:
    """Set every batch-norm layer's moving mean and variance from the data ("precise BN").

    Keras keeps exponential moving averages of the batch statistics (momentum 0.99 by
    default), which lag far behind weights that change quickly: after a few hundred
    steps, a model that is right in training mode (batch statistics) can be at chance
    in inference mode (moving statistics), which is what ``predict`` and every
    explanation method use. This runs ``x`` through the model in training mode, batch
    by batch, and sets each layer's moving mean and variance to the average of the
    batch means and variances it saw (weighted by batch size), i.e. the statistics the
    layer normalised with while training. Trainable weights do not change; frozen
    (``trainable=False``) and batch-renorm layers are left alone; dropout layers run in
    training mode, as in training.

    Parameters
    ----------
    model : keras.Model or tf_keras.Model
        Updated in place; a model without batch normalization is left alone.
    x : numpy.ndarray
        Training inputs ``(n, maxlen, C)``.
    batch_size : int
        Rows per forward pass; use the training batch size, so the averaged batch
        statistics are those the network was trained with (and the memory fits).
        Default is 64.
    max_rows : int or None
        Use at most this many rows (a seeded random subset, kept in the order of
        ``x``). Default is 16,384; None uses all.
    seed : None, int or numpy.random.Generator
        Chooses the subset. Default is 0.

    Returns
    -------
    int
        Number of batch-normalization layers updated.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.eye(4, dtype="float32")[rng.integers(0, 4, (32, 30))]
    >>> model = create_model_lstm_cnn(30, kernel_size=4, filters=4, pool_size=2, seed=0)
    >>> recalibrate_batch_norm(model, x, batch_size=16)
    1
    """
    keras_mod = _backend_of(model)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
        batch_size < 1
    ):
        raise InputError(f"`batch_size` must be a positive int, got {batch_size!r}.")
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 1
    ):
        raise InputError(f"`max_rows` must be a positive int or None, got {max_rows!r}.")
    layers = [
        layer
        for layer in _batch_norm_layers(model, keras_mod)
        if getattr(layer, "trainable", True) and not getattr(layer, "renorm", False)
    ]
    if not layers:
        return 0
    x = np.asarray(x, dtype="float32")
    if x.ndim < 2 or len(x) == 0:
        raise ShapeError(
            f"`x` must hold at least one input row (n, maxlen, C), got shape {x.shape}."
        )
    rows = np.arange(len(x))
    if max_rows is not None and len(x) > int(max_rows):
        rows = np.sort(np.random.default_rng(seed).choice(len(x), int(max_rows), replace=False))
    step = _step or _training_forward(model, keras_mod)

    def value(var) -> np.ndarray:
        return np.array(var, dtype=np.float64)

    before = [(value(layer.moving_mean), value(layer.moving_variance)) for layer in layers]
    momenta = [layer.momentum for layer in layers]
    sums = [[np.zeros_like(m), np.zeros_like(v)] for m, v in before]
    seen = 0
    try:
        # Momentum 0: each training-mode pass leaves exactly that batch's statistics in
        # the moving variables; average them here (a compiled step bakes the 0 in).
        for layer in layers:
            layer.momentum = 0.0
        for start in range(0, len(rows), int(batch_size)):
            batch = x[rows[start : start + int(batch_size)]]
            step(batch)
            for k, layer in enumerate(layers):
                sums[k][0] += len(batch) * value(layer.moving_mean)
                sums[k][1] += len(batch) * value(layer.moving_variance)
            seen += len(batch)
        updates = [(m / seen, v / seen) for m, v in sums]
    except BaseException:
        updates = before  # leave the model as it was
        raise
    finally:
        for layer, momentum, (mean, var) in zip(layers, momenta, updates):
            layer.momentum = momentum
            layer.moving_mean.assign(mean.astype("float32"))
            layer.moving_variance.assign(var.astype("float32"))
    return len(layers)


#: Training rows used to re-estimate batch-norm statistics before each validation pass
#: (a forward pass over them; statistics pool every position of every row, so a few
#: thousand rows pin them down).
_RECALIBRATION_ROWS = 2048


def _make_recalibration_callback(keras_mod, x, batch_size: int, seed: int):
    """Re-estimate batch-norm statistics before each validation pass of ``fit``.

    ``fit`` calls ``on_test_begin`` right before it evaluates the validation data, so
    the validation loss (which picks the best epoch and stops training) is measured
    with the statistics the restored model will predict with.
    """

    class _Recalibrate(keras_mod.callbacks.Callback):
        _forward = None

        def on_test_begin(self, logs=None):
            if self._forward is None:  # compiled once per training run
                self._forward = _training_forward(self.model, keras_mod)
            recalibrate_batch_norm(
                self.model,
                x,
                batch_size=batch_size,
                max_rows=_RECALIBRATION_ROWS,
                seed=seed,
                _step=self._forward,
            )

    return _Recalibrate()


def _is_single_label(targets: np.ndarray) -> bool:
    """Class targets (one sigmoid unit, or one-hot rows), not multi-label."""
    if targets.shape[-1] == 1:
        return True
    return bool(np.all(np.isclose(targets.sum(axis=1), 1.0)) and np.all(targets.max(axis=1) > 0.5))


def _chance_margin(majority: float, n: int) -> float:
    """How far above the majority-class rate an accuracy must be to count as learnt."""
    return max(0.02, 2.0 * float(np.sqrt(majority * (1.0 - majority) / max(n, 1))))


def _backend_of(model):
    module = type(model).__module__
    if module.startswith("tf_keras"):
        return resolve_backend("tf_keras")[0]
    if module.startswith("keras"):
        import keras

        return keras
    raise ModelError(
        f"`model` must be a compiled Keras model (keras or tf_keras), got {type(model).__name__}."
    )


def train_model(
    model,
    x,
    y,
    *,
    x_val=None,
    y_val=None,
    validation_share: float = 0.1,
    epochs: int = 20,
    batch_size: int = 64,
    patience: int = 3,
    monitor: str = "val_loss",
    seed: int | np.random.Generator | None = None,
    verbose: int = 0,
    recalibrate_bn: bool = True,
) -> dict:
    """Train a compiled model with early stopping and keep the best epoch's weights.

    Batch normalization is made safe for short runs: before every validation pass the
    moving statistics are re-estimated on the training data (see
    :func:`recalibrate_batch_norm`), so the validation loss, the best epoch and the
    returned model all use the statistics the model predicts with. (With Keras'
    momentum of 0.99, a few hundred steps leave the moving statistics far behind the
    weights: a model right in training mode could be at chance in inference mode.)
    A :class:`DeepGInterpretWarning` is emitted when the restored model's validation
    accuracy is at chance (within a small margin of the majority-class rate) while
    its training accuracy is not.

    Parameters
    ----------
    model : keras.Model or tf_keras.Model
        A compiled model, e.g. from :func:`create_model_lstm_cnn`. Trained in place.
    x : numpy.ndarray
        One-hot inputs, float32 ``(n, maxlen, C)``.
    y : numpy.ndarray
        0-based int labels ``(n,)`` or targets ``(n, n_outputs)`` (one-hot or multi-label).
    x_val, y_val : numpy.ndarray, optional
        Validation data. If absent, a seeded random ``validation_share`` of ``x`` is held
        out (not the last rows, which would take one class only from sorted data).
    validation_share : float
        Share of ``x`` held out when no validation data is given. Default is 0.1.
    epochs : int
        Maximum number of epochs. Default is 20.
    batch_size : int
        Default is 64.
    patience : int
        Epochs without improvement of ``monitor`` before stopping. Default is 3.
    monitor : str
        ``"val_loss"`` (lower is better) or ``"val_accuracy"`` (higher is better).
        Default is ``"val_loss"``.
    seed : None, int or numpy.random.Generator
        Seeds the validation split and Keras' shuffling and dropout (through
        ``keras.utils.set_random_seed``, which also seeds Python's and numpy's global
        generators). Default is None.
    verbose : int
        Keras ``fit`` verbosity. Default is 0.
    recalibrate_bn : bool
        Re-estimate batch-norm moving statistics before each validation pass.
        Default is True; False gives Keras' plain behaviour.

    Returns
    -------
    dict
        ``history`` (metric name -> list per epoch), ``epochs_run``, ``best_epoch``
        (1-based), ``val_loss`` and ``val_accuracy`` at the best epoch,
        ``val_balanced_accuracy`` of the restored model (softmax/multi-output: argmax;
        one sigmoid unit: threshold 0.5), ``n_train``, ``n_val`` and ``seconds``;
        for class targets also ``train_accuracy`` and ``val_accuracy_restored``
        (the restored model in inference mode, as ``predict`` sees it; training
        accuracy on up to 4,096 training rows), ``val_majority_rate`` (share of the
        most common validation class) and ``val_at_chance`` (bool).

    Warns
    -----
    DeepGInterpretWarning
        Validation accuracy at chance while training accuracy is not: the model
        memorised the training data, or validation labels do not follow the same rule.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.eye(4, dtype="float32")[rng.integers(0, 4, (64, 30))]
    >>> y = (x[:, :, 0].sum(axis=1) > 7).astype(int)
    >>> model = create_model_lstm_cnn(30, kernel_size=4, filters=4, pool_size=2, seed=0)
    >>> info = train_model(model, x, y, epochs=2, seed=0)
    >>> sorted(info)[:3]
    ['best_epoch', 'epochs_run', 'history']
    """
    keras_mod = _backend_of(model)
    if not getattr(model, "optimizer", None) or not getattr(model, "loss", None):
        raise ModelError(
            "`model` is not compiled; build it with compile=True or call model.compile()."
        )
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("patience", patience)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"`{name}` must be a positive int, got {value!r}.")
    if monitor not in ("val_loss", "val_accuracy"):
        raise InputError(f"`monitor` must be 'val_loss' or 'val_accuracy', got {monitor!r}.")
    if (x_val is None) != (y_val is None):
        raise InputError(
            "Pass both `x_val` and `y_val`, or neither (then a share of `x` is held out)."
        )

    n_outputs = int(model.output_shape[-1])
    x = np.asarray(x, dtype="float32")
    y = _labels_to_targets(y, n_outputs, "y")
    if x.ndim != 3 or len(x) != len(y):
        raise ShapeError(
            f"`x` must be one-hot (n, maxlen, C) with one row per label; got x {x.shape} and "
            f"{len(y)} labels."
        )
    rng = np.random.default_rng(seed)
    if x_val is None:
        if not 0.0 < validation_share < 1.0:
            raise InputError(f"`validation_share` must lie in (0, 1), got {validation_share!r}.")
        n_val = max(1, int(round(len(x) * validation_share)))
        order = rng.permutation(len(x))
        val_idx, train_idx = order[:n_val], order[n_val:]
        x_val, y_val = x[val_idx], y[val_idx]
        x, y = x[train_idx], y[train_idx]
    else:
        x_val = np.asarray(x_val, dtype="float32")
        y_val = _labels_to_targets(y_val, n_outputs, "y_val")
        if len(x_val) != len(y_val):
            raise ShapeError(f"`x_val` has {len(x_val)} rows but `y_val` has {len(y_val)} labels.")

    if seed is not None:
        keras_mod.utils.set_random_seed(int(rng.integers(0, 2**31 - 1)))
    recal_seed = int(rng.integers(0, 2**31 - 1))
    callback = _make_callback(keras_mod, monitor, patience)
    callbacks = [callback]
    if recalibrate_bn and _batch_norm_layers(model, keras_mod):
        # before the best-weights callback: it snapshots the recalibrated statistics
        callbacks.insert(0, _make_recalibration_callback(keras_mod, x, int(batch_size), recal_seed))
    start = time.perf_counter()
    fit = model.fit(
        x,
        y,
        validation_data=(x_val, y_val),
        epochs=int(epochs),
        batch_size=int(batch_size),
        shuffle=True,
        callbacks=callbacks,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    best = max(callback.best_epoch, 0)

    predict_batch = max(int(batch_size), 256)
    prob = np.asarray(model.predict(x_val, batch_size=predict_batch, verbose=0))
    pred, truth = _predicted_and_true(prob, y_val)
    from sklearn.metrics import balanced_accuracy_score

    info = {
        "history": history,
        "epochs_run": len(history.get("loss", [])),
        "best_epoch": best + 1,
        "val_loss": history.get("val_loss", [np.nan])[best],
        "val_accuracy": history.get("val_accuracy", [np.nan])[best],
        "val_balanced_accuracy": float(balanced_accuracy_score(truth, pred)),
        "n_train": int(len(x)),
        "n_val": int(len(x_val)),
        "seconds": float(seconds),
    }
    if _is_single_label(y) and _is_single_label(y_val):
        info.update(_chance_check(model, x, y, pred, truth, history, best, predict_batch, rng))
    return info


def _chance_check(model, x, y, val_pred, val_truth, history, best, batch, rng) -> dict:
    """Inference-mode accuracies of the restored model; warn if validation is at chance."""
    rows = np.arange(len(x))
    if len(rows) > 4096:
        rows = np.sort(rng.choice(len(x), 4096, replace=False))
    train_prob = np.asarray(model.predict(x[rows], batch_size=batch, verbose=0))
    train_pred, train_truth = _predicted_and_true(train_prob, y[rows])
    train_acc = float(np.mean(train_pred == train_truth))
    val_acc = float(np.mean(val_pred == val_truth))
    val_major = float(np.bincount(val_truth).max() / len(val_truth))
    train_major = float(np.bincount(train_truth).max() / len(train_truth))
    # What Keras reported while training (batch statistics, dropout on), best epoch.
    fit_acc = history.get("accuracy", [np.nan])[best] if history.get("accuracy") else np.nan
    val_at_chance = val_acc <= val_major + _chance_margin(val_major, len(val_truth))
    train_margin = _chance_margin(train_major, len(train_truth))
    learnt = max(train_acc, float(np.nan_to_num(fit_acc))) > train_major + train_margin
    if val_at_chance and learnt:
        if train_acc <= train_major + train_margin:
            why = (
                f"In inference mode the training accuracy is {train_acc:.2f} too, although "
                f"Keras reported {fit_acc:.2f} in training mode: the model only works with "
                "batch statistics; call recalibrate_batch_norm(model, x) or train longer."
            )
        else:
            why = (
                f"Training accuracy is {train_acc:.2f}: the model memorised the training "
                "data, or the validation labels do not follow the same rule. Use more "
                "training data, a smaller model (fewer filters, gap=True instead of a "
                "flatten head) or check how the validation data were labelled."
            )
        warnings.warn(
            f"train_model: validation accuracy {val_acc:.2f} is at chance (the most common "
            f"validation class makes up {val_major:.2f} of {len(val_truth)} rows), so the "
            f"returned model has not learnt the task. {why}",
            DeepGInterpretWarning,
            stacklevel=3,
        )
    return {
        "train_accuracy": train_acc,
        "val_accuracy_restored": val_acc,
        "val_majority_rate": val_major,
        "val_at_chance": bool(val_at_chance),
    }


def _predicted_and_true(prob: np.ndarray, targets: np.ndarray):
    """Predicted and true class indices for balanced accuracy."""
    if prob.shape[-1] == 1:
        return (prob[:, 0] >= 0.5).astype(int), (targets[:, 0] >= 0.5).astype(int)
    return prob.argmax(axis=1), targets.argmax(axis=1)


__all__ = ["create_model_lstm_cnn", "train_model", "recalibrate_batch_norm", "resolve_backend"]
