"""A toy method added the way a new method is (docs/architecture.md, "How to add a method").

One function, one registry entry: ``scaled_gradient_x_input`` is gradient x input times
``weight``, restricted to the observed bases of ``letters`` (the others score 0). On a
linear model its answer is known exactly: ``weight * w[position, base]`` at the observed
base. Shared by the Python test (tests/python/test_toy_method.py) and the R test
(tests/testthat/test-toy-method.R), which both register it at run time.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import deepg_interpret as dg

LETTERS = ("all", "A", "C", "G", "T")


def scaled_gradient_x_input(model, sequences, *, target, weight: float = 1.0,
                            letters: str = "all", progress: bool = False, **encode_options):
    """Gradient x input times ``weight``, on the bases of ``letters`` only."""
    if letters not in LETTERS:  # the registry's choices, checked here too for direct calls
        raise dg.InputError(f"`letters` must be one of {LETTERS}, got {letters!r}")
    base = dg.gradient_x_input(model, sequences, target=target, progress=progress,
                               **encode_options)
    scores = base.attributions * np.float32(weight)
    if letters != "all":
        keep = np.zeros(scores.shape[-1], dtype=np.float32)
        keep["ACGT".index(letters)] = 1.0
        scores = scores * keep
    return dataclasses.replace(base, attributions=scores, method="toy_scaled_gxi",
                               settings={**base.settings, "weight": weight, "letters": letters})


SPEC = dg.MethodSpec(
    name="toy_scaled_gxi", function=scaled_gradient_x_input,
    result_type=dg.AttributionResult, r_wrapper="dgi_toy_scaled_gxi",
    summary="Gradient x input times a weight (a toy: how a method is added).",
    kind="per_base",
    options=(dg.Option("weight", "float", 1.0, "factor on every score"),
             dg.Option("letters", "choice", "all", "bases kept (others score 0)", LETTERS)),
)


def register():
    """Add the toy to the registry (again, if a previous test left it there)."""
    return dg.register_method(SPEC, replace=True)


def unregister():
    if SPEC.name in dg.method_names():
        dg.unregister_method(SPEC.name)
