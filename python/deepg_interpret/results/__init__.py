"""Result containers: arrays plus their tidy tables, one module per kind of result.

Every method returns a subclass of :class:`MethodResult` (``results/base.py``); a new
method adds its result class (and the builders of its tables) in a module of its own
here and re-exports it below.
"""

from .attribution import AttributionResult, IntegratedGradientsResult
from .base import MethodResult

__all__ = ["MethodResult", "AttributionResult", "IntegratedGradientsResult"]
