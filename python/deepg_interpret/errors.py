"""Exceptions and warnings of deepg-interpret.

Every error the engine raises on purpose derives from :class:`DeepGInterpretError`
and from ``ValueError`` or ``TypeError``, so callers (and the R wrappers, which
receive the class chain through reticulate) can catch them by kind. Messages name
the argument, what was given, what was expected and how to fix it.
"""

from __future__ import annotations


class DeepGInterpretError(Exception):
    """Base class of every error raised on purpose by deepg-interpret."""


class InputError(DeepGInterpretError, ValueError):
    """An argument has the right type but an unusable value."""


class OutputBusyError(InputError):
    """Another run is writing the same outputs (their lock was held past ``lock_timeout``)."""


class SequenceError(InputError):
    """A DNA sequence is empty, has characters outside the vocabulary, or the wrong length."""


class ShapeError(InputError):
    """An array has the wrong number of dimensions, length or channels."""


class BaselineError(InputError):
    """A baseline name is unknown or an explicit baseline is unusable (shape, NaN)."""


class TargetError(InputError):
    """A target class index is out of range or a class name is unknown."""


class ModelError(DeepGInterpretError, ValueError):
    """A model (object or file) cannot be loaded or is not a Keras sequence model."""


class ArgumentTypeError(DeepGInterpretError, TypeError):
    """An argument has the wrong type."""


class DeepGInterpretWarning(UserWarning):
    """Warnings emitted by deepg-interpret (e.g. a legacy loader was used)."""


__all__ = [
    "DeepGInterpretError",
    "InputError",
    "OutputBusyError",
    "SequenceError",
    "ShapeError",
    "BaselineError",
    "TargetError",
    "ModelError",
    "ArgumentTypeError",
    "DeepGInterpretWarning",
]
