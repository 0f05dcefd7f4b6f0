"""Training for the reference models: early stopping with the best weights, and
batch-norm statistics that match the weights.

:func:`train_model` fits a compiled Keras model (e.g. from
:func:`~deepg_interpret.synthetic.reference_models.create_model_lstm_cnn`), keeps the best epoch's
weights, re-estimates batch-norm statistics before every validation pass and warns
when the returned model is at chance on the validation data.
:func:`recalibrate_batch_norm` sets the batch-norm moving statistics of any Keras model
from data ("precise BN").
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import DeepGInterpretWarning, InputError, ModelError, ShapeError
from ..model.keras_backend import keras_module_of


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
    >>> from deepg_interpret.synthetic.reference_models import create_model_lstm_cnn
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
    if type(model).__module__.split(".")[0] in ("keras", "tf_keras"):
        return keras_module_of(model)
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
    >>> from deepg_interpret.synthetic.reference_models import create_model_lstm_cnn
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


__all__ = ["train_model", "recalibrate_batch_norm"]
