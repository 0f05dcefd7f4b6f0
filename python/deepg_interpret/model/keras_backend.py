"""Which Keras builds and runs a model: Keras 3, Keras 2 (``tf_keras``) or ``tf.keras``.

One place for the backend choice (``resolve_backend``) and for finding the Keras
package of a model in hand (``keras_module_of``); training, the adapter and the
methods that rebuild parts of a model all ask here.
"""

from __future__ import annotations

from ..errors import InputError, ModelError

BACKENDS = ("auto", "keras3", "tf_keras")
# Output activations that `output="logit"` strips off the last layer.
SQUASHING = ("softmax", "sigmoid")

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


def keras_module_of(model):
    """The Keras package that built ``model`` (its Model class must wrap its tensors)."""
    import importlib

    top = type(model).__module__.split(".")[0]
    if top == "tensorflow":
        import tensorflow as tf

        return tf.keras
    return importlib.import_module(top)


def framework_of(model) -> str:
    top = type(model).__module__.split(".")[0]
    if top == "tf_keras":
        return "tf_keras"
    if top == "keras":
        import keras

        return "keras3" if int(keras.__version__.split(".")[0]) >= 3 else "tf_keras"
    if top == "tensorflow":  # tf.keras on TF <= 2.15 lives under tensorflow.python.keras / keras
        return "tf_keras"
    return "unknown"


def is_keras_model(obj) -> bool:
    """True for Keras 3 / tf_keras / tf.keras models (checked by class, TF not imported).

    Examples
    --------
    >>> is_keras_model(object())
    False
    """
    return any(
        cls.__name__ in ("Model", "Functional", "Sequential")
        and (cls.__module__ or "").split(".")[0] in ("keras", "tf_keras", "tensorflow")
        for cls in type(obj).__mro__
    )



def activation_name(layer) -> str | None:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    name = getattr(activation, "__name__", None) or str(activation)
    return name.lower()
