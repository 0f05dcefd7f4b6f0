"""Argument checks and settings records shared by the data modules.

:mod:`.backgrounds`, :mod:`.motifs`, :mod:`.synthetic` and :mod:`.io.deepg_folders`
validate seeds, counts and fractions the same way and record their settings as
JSON-safe dicts; the helpers live here once. Only numpy is imported.

Examples
--------
>>> as_generator(1).random() == np.random.default_rng(1).random()
True
>>> check_int(600.0, "length", 1)
600
"""

from __future__ import annotations

import difflib
import json
import math
import sys
from typing import Any

import numpy as np

from .errors import ArgumentTypeError, BaselineError, InputError


def as_generator(seed: Any, arg: str = "seed") -> np.random.Generator:
    """The one place a seed becomes a Generator (public boundary).

    A Generator is returned as it is (the caller's stream goes on); None and
    non-negative ints seed a new one.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise InputError(
                f"`{arg}` must be a non-negative integer; got {seed}. Pass e.g. {arg}=1."
            )
        return np.random.default_rng(seed)
    raise ArgumentTypeError(
        f"`{arg}` must be a numpy Generator (np.random.default_rng(seed)), an int seed or None; "
        f"got {type(seed).__name__} ({seed!r}). Pass e.g. {arg}=1 for a reproducible result."
    )


MAX_SEED = 2**63 - 1


def check_seed(seed):
    """``None`` or a non-negative integer (numpy integers and whole floats accepted).

    Examples
    --------
    >>> check_seed(3), check_seed(None)
    (3, None)
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer, float)):
        raise InputError(
            f"seed must be a whole number >= 0 or None, got {seed!r} ({type(seed).__name__}); "
            "pass e.g. seed=1"
        )
    if isinstance(seed, float) and not (np.isfinite(seed) and seed.is_integer()):
        raise InputError(f"seed must be a whole number >= 0 or None, got {seed!r}; pass e.g. seed=1")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be between 0 and 2**63 - 1, got {seed}; pass e.g. seed=1")
    return seed


def seed_setting(seed: Any) -> Any:
    """JSON-safe record of a seed for ``settings``."""
    if isinstance(seed, np.random.Generator):
        return "Generator"
    return None if seed is None else int(seed)


def check_int(value: Any, arg: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``; whole floats (R's ``600``) are accepted."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)  # R passes 600 as 600.0; accept whole numbers
        else:
            raise ArgumentTypeError(
                f"`{arg}` must be an integer; got {type(value).__name__} ({value!r}). "
                f"Pass a whole number, e.g. {arg}={minimum if minimum is not None else 1}."
            )
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"`{arg}` must be >= {minimum}; got {value}. Pass a larger value.")
    if maximum is not None and value > maximum:
        raise InputError(f"`{arg}` must be <= {maximum}; got {value}. Pass a smaller value.")
    return value


def check_fraction(value: Any, arg: str, *, upper_open: bool = False) -> float:
    """``value`` as a float in [0, 1] (or [0, 1) with ``upper_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"`{arg}` must be a number in [0, 1]; got {type(value).__name__} ({value!r}). "
            f"Pass e.g. {arg}=0.5."
        )
    value = float(value)
    hi_ok = value < 1 if upper_open else value <= 1
    if not (math.isfinite(value) and value >= 0 and hi_ok):
        interval = "[0, 1)" if upper_open else "[0, 1]"
        raise InputError(
            f"`{arg}` must lie in {interval}; got {value}. Pass a fraction, e.g. {arg}=0.5 for half."
        )
    return value


def package_version() -> str | None:
    """The installed package's ``__version__`` (None while the package is importing)."""
    package = sys.modules.get(__name__.rpartition(".")[0])
    return getattr(package, "__version__", None)


def json_safe(obj: Any) -> Any:
    """Settings as plain Python (JSON / Parquet metadata / reticulate friendly)."""
    return json.loads(json.dumps(obj, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)  # Path and anything else: its text


def check_choice(value, name: str, choices, error: type = InputError) -> str:
    """``value`` if it is one of ``choices``, else ``error`` (an InputError) listing them."""
    if not isinstance(value, str) or value not in choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        guess = close[0] if close else _scalar_guess(value, choices)
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise error(f"{name} = {value!r} is unknown; choose one of {tuple(choices)}.{hint}")
    return value


def _scalar_guess(value, names) -> str | None:
    """The baseline name a scalar probably meant: None/0/False -> 'zero', 0.25 -> 'uniform'."""
    if isinstance(value, str):
        return None
    try:
        number = None if value is None else float(value)
    except (TypeError, ValueError):
        return None
    guess = None
    if number is None or number == 0:
        guess = "zero"
    elif abs(number - 0.25) < 1e-6:
        guess = "uniform"
    return guess if guess in tuple(str(n) for n in names) else None


def check_baseline_name(baseline, names, arg: str = "baseline"):
    """``baseline`` unless it is a scalar or None, which raise listing the valid ``names``.

    A name or array passes (the resolver checks it); ``None``, ``0``, ``0.5``, ``True``
    are no baseline (``np.asarray(None)`` would be an array of shape ``()``): raise
    :class:`BaselineError` with the names and the nearest one (``0`` / None -> ``'zero'``,
    ``0.25`` -> ``'uniform'``). Unknown names get the nearest name too.

    Examples
    --------
    >>> check_baseline_name("zero", ("zero", "uniform"))
    'zero'
    """
    if isinstance(baseline, str) or baseline is None or np.ndim(baseline) == 0:
        return check_choice(baseline, arg, tuple(names), BaselineError)
    return baseline
