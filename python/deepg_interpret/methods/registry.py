"""The method registry: one entry per method, read by the CLI and the R package.

An entry says how to call a method (its tidy function), what it returns (the
result type and its table names) and which R function wraps it, plus the allowed
values of its choice arguments, so that R and the CLI read them from here instead
of retyping them. Adding a method = one module under ``methods/`` plus one entry in
:data:`METHODS`.

Examples
--------
>>> from deepg_interpret.methods.registry import get_method, method_names
>>> "integrated_gradients" in method_names()
True
>>> get_method("saliency").tables
('attribution', 'per_locus', 'summary')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..dna.baselines import BASELINE_NAMES
from ..dna.sequences import AMBIGUOUS_MODES
from ..errors import InputError
from ..model.adapter import OUTPUTS
from ..results import AttributionResult, IntegratedGradientsResult, MethodResult
from ..results.erasure import OcclusionResult
from ..results.ism import ISMResult
from .gradients import STRANDS, gradient_x_input, saliency
from .ig import INTEGRATION_METHODS, integrated_gradients
from .ism import FAST_CHOICES, ism
from .occlusion import OCCLUSION_BASELINES, occlusion

# Choice arguments every sequence method takes (model output and encoding).
COMMON_CHOICES: Mapping[str, tuple] = MappingProxyType({
    "output": OUTPUTS,
    "ambiguous": AMBIGUOUS_MODES,
    "pad": ("left", "right"),
})


@dataclass(frozen=True)
class Option:
    """One method-specific argument, described once for the CLI and R.

    ``kind`` is ``"int"``, ``"float"``, ``"str"``, ``"sequences"`` (a FASTA path on the
    command line) or ``"choice"`` (then ``choices`` lists the allowed values).
    """

    name: str
    kind: str
    default: object = None
    help: str = ""
    choices: tuple = ()


@dataclass(frozen=True)
class MethodSpec:
    """How to run one method and read its result.

    Attributes
    ----------
    name : str
        Registry key, also the CLI sub-command (with ``-`` for ``_``).
    function : callable
        The tidy function ``fn(model, sequences, *, target, ..., **encode_options)``.
    result_type : type
        A :class:`~deepg_interpret.results.MethodResult` subclass.
    r_wrapper : str
        The R function that wraps it.
    summary : str
        One line: the question the method answers.
    options : tuple of Option
        Method-specific arguments (beyond model, sequences, target and the common
        output/encoding/batching ones).
    cli_name : str, optional
        Short CLI sub-command (default: ``name`` with ``-`` for ``_``).
    """

    name: str
    function: Callable
    result_type: type
    r_wrapper: str
    summary: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    cli_name: str | None = None

    @property
    def choices(self) -> dict[str, tuple]:
        """Method-specific choice arguments and their allowed values."""
        return {o.name: o.choices for o in self.options if o.kind == "choice"}

    @property
    def tables(self) -> tuple[str, ...]:
        """Table names of the result; the first is the main one."""
        return self.result_type.TABLES

    def all_choices(self) -> dict[str, tuple]:
        return {**COMMON_CHOICES, **self.choices}

    def run(self, *args, **kwargs) -> MethodResult:
        return self.function(*args, **kwargs)


# Gradient methods: explain the input, its reverse complement (mapped back), or their mean.
_STRAND_HELP = "forward, reverse (reverse complement mapped back) or both (their mean)"

METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (
    MethodSpec(
        name="integrated_gradients", function=integrated_gradients,
        result_type=IntegratedGradientsResult, r_wrapper="dgi_integrated_gradients",
        summary="How much does each base contribute to F(x) - F(baseline)?", cli_name="ig",
        options=(
            Option("baseline", "choice", "zero", "reference input x'", BASELINE_NAMES),
            Option("background", "sequences", None,
                   "sequences (FASTA) to draw baselines from, for baseline='background'"),
            Option("steps", "int", 50, "integration steps"),
            Option("n_baselines", "int", 1, "random baselines averaged per sequence"),
            Option("method", "choice", "trapezoid", "integration rule", INTEGRATION_METHODS),
            Option("seed", "int", None, "seed for random baselines"),
            Option("strand", "choice", "forward", _STRAND_HELP, STRANDS),
        ),
    ),
    MethodSpec(
        name="saliency", function=saliency, result_type=AttributionResult,
        r_wrapper="dgi_saliency",
        summary="How sensitive is the output to each base here (local gradient)?",
        options=(Option("strand", "choice", "forward", _STRAND_HELP, STRANDS),),
    ),
    MethodSpec(
        name="gradient_x_input", function=gradient_x_input, result_type=AttributionResult,
        r_wrapper="dgi_gradient_x_input",
        summary="First-order contribution of each observed base (gradient x input).",
        options=(Option("strand", "choice", "forward", _STRAND_HELP, STRANDS),),
    ),
    MethodSpec(
        name="occlusion", function=occlusion, result_type=OcclusionResult,
        r_wrapper="dgi_occlusion",
        summary="How much does the output drop when a window of the sequence is erased?",
        options=(
            Option("window", "int", 10, "bases erased at once"),
            Option("stride", "int", None, "bases between window starts (default window // 2)"),
            Option("baseline", "choice", "zero", "what replaces the window",
                   OCCLUSION_BASELINES),
            Option("seed", "int", None, "seed for random fills"),
        ),
    ),
    MethodSpec(
        name="ism", function=ism, result_type=ISMResult, r_wrapper="dgi_ism",
        summary="How does the output change when each base is mutated to each other base?",
        options=(
            Option("start", "int", None, "first position mutated (1-based, default 1)"),
            Option("end", "int", None, "last position mutated (1-based, default the length)"),
            Option("fast", "choice", "auto",
                   "fast path for convolutional stacks: auto, true (or an error), false",
                   FAST_CHOICES),
        ),
    ),
)}


def method_names() -> tuple[str, ...]:
    """Names of the registered methods."""
    return tuple(METHODS)


def get_method(name: str) -> MethodSpec:
    """The registry entry of ``name`` (an :class:`InputError` listing the names otherwise)."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise InputError(
            f"method {name!r} is not registered; choose one of {method_names()}"
        ) from None


def run_method(name: str, *args, **kwargs) -> MethodResult:
    """Run the method ``name`` with the tidy function's arguments."""
    return get_method(name).run(*args, **kwargs)


__all__ = ["Option", "MethodSpec", "METHODS", "COMMON_CHOICES", "get_method", "method_names", "run_method"]
