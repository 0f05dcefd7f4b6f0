"""Result containers: arrays plus their tidy tables, one module per kind of result.

Every method returns a subclass of :class:`MethodResult` (``results/base.py``); a new
method adds its result class (and the builders of its tables) in a module of its own
here and re-exports it below.
"""

from .attribution import AttributionResult, IntegratedGradientsResult
from .base import MethodResult
from .class_optimization import ClassOptimizationResult, MotifWindow
from .erasure import EvolutionaryErasureResult, OcclusionResult
from .gia import (
           GlobalImportanceResult,
           InteractionResult,
           KmerScanResult,
           MultiplicityResult,
           VariantScanResult,
)
from .ism import ISMResult

__all__ = ["MethodResult", "AttributionResult", "IntegratedGradientsResult",
           "OcclusionResult", "EvolutionaryErasureResult", "ISMResult",
           "ClassOptimizationResult", "MotifWindow", "GlobalImportanceResult",
           "MultiplicityResult", "KmerScanResult", "VariantScanResult", "InteractionResult"]
