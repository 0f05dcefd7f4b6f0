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

import dataclasses
import difflib
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ..core.prepare import EncodeOptions
from ..dna.baselines import BASELINE_NAMES
from ..dna.sequences import AMBIGUOUS_MODES
from ..errors import ArgumentTypeError, InputError
from ..model.adapter import OUTPUTS
from ..results import AttributionResult, IntegratedGradientsResult, MethodResult
from ..results.class_optimization import ClassOptimizationResult
from ..results.erasure import EvolutionaryErasureResult, OcclusionResult
from ..results.ism import ISMResult
from . import gia
from .class_optimization import OBJECTIVES, PARAMETRIZATIONS, class_optimization
from .erasure import ERASURE_BASELINES, evolutionary_erasure
from .erasure_search import SELECTIONS
from .genes import RANK_STATISTICS, gene_scores, gene_set_test
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


#: What a method explains, which decides its inputs and where it appears (only
#: ``per_base`` and ``per_segment`` methods over ``(model, sequences)`` are CLI
#: sub-commands and batch methods).
KINDS: Mapping[str, str] = MappingProxyType({
    "per_base": "a score for every base of every sequence",
    "per_segment": "a score for windows or segments of a sequence",
    "experiment": "a population-level experiment on backgrounds drawn from a null model",
    "optimization": "an input designed to maximise a class",
    "aggregation": "a summary of another method's table (genes, gene sets)",
})
SEQUENCE_INPUTS = ("model", "sequences")
# Arguments every model method takes that are not the method's own options.
_RUN_ARGUMENTS = frozenset({"model", "sequences", "sequence", "target", "output", "class_names",
                            "memory_budget", "batch_size", "progress", "on_generation",
                            "checkpoint"})
OPTION_KINDS = ("int", "float", "str", "bool", "choice", "sequences", "value")


@dataclass(frozen=True)
class Option:
    """One method-specific argument, described once for the CLI and R.

    ``kind`` is ``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"sequences"`` (a FASTA
    path on the command line), ``"choice"`` (then ``choices`` lists the allowed values)
    or ``"value"`` (anything Python takes: patterns, positions, tables; not a CLI flag).
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
    kind : str
        One of :data:`KINDS`.
    inputs : tuple of str
        The positional inputs, in order (``("model", "sequences")`` for most).
    table_names : tuple of str, optional
        For functions that return one DataFrame: its name (else ``result_type.TABLES``).
    """

    name: str
    function: Callable
    result_type: type
    r_wrapper: str
    summary: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    cli_name: str | None = None
    kind: str = "per_base"
    inputs: tuple[str, ...] = SEQUENCE_INPUTS
    table_names: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InputError(f"method {self.name!r}: kind {self.kind!r} is not one of {tuple(KINDS)}")
        for option in self.options:
            if option.kind not in OPTION_KINDS:
                raise InputError(f"method {self.name!r}: option {option.name!r} has kind "
                                 f"{option.kind!r}; use one of {OPTION_KINDS}")

    @property
    def argument_names(self) -> tuple[str, ...]:
        """Keyword arguments the function takes (its options, target, output, batching and,
        where it takes ``**encode_options``, the :class:`EncodeOptions` fields)."""
        parameters = inspect.signature(self.function).parameters
        names = [n for n, p in parameters.items()
                 if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                 and n not in self.inputs]
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            names += [f.name for f in dataclasses.fields(EncodeOptions)]
        return tuple(names)

    @property
    def on_command_line(self) -> bool:
        """Whether the CLI (a sub-command and ``run --method``) offers this method."""
        return self.inputs == SEQUENCE_INPUTS and self.kind in ("per_base", "per_segment")

    @property
    def choices(self) -> dict[str, tuple]:
        """Method-specific choice arguments and their allowed values."""
        return {o.name: o.choices for o in self.options if o.kind == "choice"}

    @property
    def tables(self) -> tuple[str, ...]:
        """Table names of the result; the first is the main one."""
        return self.table_names or tuple(getattr(self.result_type, "TABLES", ()))

    def all_choices(self) -> dict[str, tuple]:
        return {**COMMON_CHOICES, **self.choices}

    def run(self, *args, **kwargs) -> MethodResult:
        return self.function(*args, **kwargs)


def options_from_signature(function: Callable, *, choices: Mapping[str, tuple] | None = None,
                           help: Mapping[str, str] | None = None,
                           skip: tuple[str, ...] = ()) -> tuple[Option, ...]:
    """The :class:`Option` s of ``function``'s own keyword arguments, read from its signature.

    Defaults come from the signature and kinds from the annotations (``int``, ``float``,
    ``str``, ``bool``; anything else is a ``"value"``), so neither is typed twice. An
    argument named in ``choices`` is a ``"choice"`` with those allowed values.

    Examples
    --------
    >>> def f(model, *, target, steps: int = 5, rule: str = "a", patterns=None): ...
    >>> [(o.name, o.kind, o.default) for o in options_from_signature(f, choices={"rule": ("a", "b")})]
    [('steps', 'int', 5), ('rule', 'choice', 'a'), ('patterns', 'value', None)]
    """
    choices, help = dict(choices or {}), dict(help or {})
    options = []
    for name, parameter in inspect.signature(function).parameters.items():
        if (parameter.kind is not inspect.Parameter.KEYWORD_ONLY or name in _RUN_ARGUMENTS
                or name in skip):
            continue
        default = None if parameter.default is inspect.Parameter.empty else parameter.default
        if name in choices:
            kind = "choice"
        else:
            kind = _kind_of(parameter.annotation)
        options.append(Option(name, kind, default, help.get(name, ""), tuple(choices.get(name, ()))))
    return tuple(options)


def _kind_of(annotation) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    words = {w.strip() for w in str(text).split("|")} - {"None"}
    if len(words) == 1:
        word = words.pop()
        if word in ("int", "float", "str", "bool"):
            return word
    return "value"


# Gradient methods: explain the input, its reverse complement (mapped back), or their mean.
_STRAND_HELP = "forward, reverse (reverse complement mapped back) or both (their mean)"

_GIA_SUMMARIES = {
    "embed": "How much do given patterns at given positions move the output, on average?",
    "position_scan": "Where in the sequence does a pattern matter most?",
    "multiplicity": "How does the effect grow with the number of copies of a pattern?",
    "spacing": "How does the distance between two patterns change their effect?",
    "kmer_scan": "Which k-mers at a position move the output most?",
    "variant_scan": "Which single-base variants of a pattern keep or lose its effect?",
    "gc_flanks": "Does the GC content around a pattern change its effect?",
    "interaction": "Do two patterns act together more than apart (epistasis)?",
}

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
        r_wrapper="dgi_occlusion", kind="per_segment",
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
    MethodSpec(
        name="evolutionary_erasure", function=evolutionary_erasure,
        result_type=EvolutionaryErasureResult, r_wrapper="dgi_evolutionary_erasure",
        summary="Which few segments, erased together, collapse the prediction?",
        kind="per_segment", inputs=("model", "sequence"),
        options=options_from_signature(evolutionary_erasure, choices={
            "selection": SELECTIONS, "baseline": ERASURE_BASELINES}),
    ),
    MethodSpec(
        name="class_optimization", function=class_optimization,
        result_type=ClassOptimizationResult, r_wrapper="dgi_class_optimization",
        summary="Which sequence (a PWM) does the model find most typical of a class?",
        kind="optimization", inputs=("model",),
        options=options_from_signature(class_optimization, choices={
            "parametrization": PARAMETRIZATIONS, "objective": OBJECTIVES}),
    ),
    *(MethodSpec(
        name="global_importance" if name == "embed" else f"gia_{name}", function=function,
        result_type=typing.get_type_hints(function)["return"],
        r_wrapper="dgi_global_importance" if name == "embed" else f"dgi_gia_{name}",
        summary=_GIA_SUMMARIES[name], kind="experiment", inputs=("model",),
        options=options_from_signature(function),
    ) for name, function in gia.EXPERIMENTS.items()),
    MethodSpec(
        name="gene_scores", function=gene_scores, result_type=pd.DataFrame,
        r_wrapper="dgi_gene_scores", table_names=("genes",),
        summary="Which genes carry the attribution (per-base scores summed per gene)?",
        kind="aggregation", inputs=("per_locus", "annotation"),
        options=options_from_signature(gene_scores, choices={"rank_by": RANK_STATISTICS}),
    ),
    MethodSpec(
        name="gene_set_test", function=gene_set_test, result_type=pd.DataFrame,
        r_wrapper="dgi_gene_set_test", table_names=("gene_sets",),
        summary="Do the genes of a set score higher than length-matched others?",
        kind="aggregation", inputs=("gene_table", "sets"),
        options=options_from_signature(gene_set_test),
    ),
)}


def method_names(kind: str | None = None) -> tuple[str, ...]:
    """Names of the registered methods (of one :data:`KINDS` entry, if given)."""
    return tuple(name for name, spec in METHODS.items() if kind is None or spec.kind == kind)


def command_line_methods() -> tuple[MethodSpec, ...]:
    """The entries the CLI offers as sub-commands and as ``run --method``."""
    return tuple(spec for spec in METHODS.values() if spec.on_command_line)


def get_method(name: str) -> MethodSpec:
    """The registry entry of ``name`` (an :class:`InputError` listing the names otherwise)."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise InputError(
            f"method {name!r} is not registered; choose one of {method_names()}"
        ) from None


def register_method(spec: MethodSpec, *, replace: bool = False) -> MethodSpec:
    """Add ``spec`` to the registry: ``explain()``, the CLI and R see it at once.

    Examples
    --------
    >>> from deepg_interpret.methods.registry import MethodSpec, register_method, saliency
    >>> from deepg_interpret.results import AttributionResult
    >>> spec = register_method(MethodSpec("my_saliency", saliency, AttributionResult,
    ...                                   "dgi_my_saliency", "Saliency, by another name."))
    >>> "my_saliency" in method_names()
    True
    >>> unregister_method("my_saliency")
    """
    if not isinstance(spec, MethodSpec):
        raise ArgumentTypeError(f"register_method() takes a MethodSpec, got {type(spec).__name__}")
    if spec.name in METHODS and not replace:
        raise InputError(f"method {spec.name!r} is already registered; pass replace=True to "
                         "replace it, or choose another name")
    METHODS[spec.name] = spec
    return spec


def unregister_method(name: str) -> None:
    """Remove a method added with :func:`register_method`."""
    get_method(name)
    del METHODS[name]


def run_method(name: str, *args, **kwargs) -> MethodResult:
    """Run the method ``name`` with the tidy function's arguments."""
    return get_method(name).run(*args, **kwargs)


def explain(*inputs, method: str = "integrated_gradients", **options):
    """Run any registered method by name: ``explain(model, sequences, method="ism", ...)``.

    The positional ``inputs`` are the entry's ``inputs`` (``model, sequences`` for most;
    ``model`` alone for class optimization and GIA; two tables for the gene
    aggregations); ``options`` are the method's own arguments plus ``target`` and the
    common encoding and batching ones. Names the method does not take raise an
    :class:`ArgumentTypeError` that lists the ones it does.

    Examples
    --------
    >>> import keras
    >>> import deepg_interpret as dg
    >>> m = keras.Sequential([keras.Input((12, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1, activation="sigmoid")])
    >>> res = dg.explain(m, ["ACGTACGTACGT"], method="saliency", target=0, progress=False)
    >>> res.per_locus_table().shape[0]
    12
    """
    spec = get_method(method)
    if len(inputs) != len(spec.inputs):
        raise InputError(
            f"method {spec.name!r} takes {len(spec.inputs)} input(s) ({', '.join(spec.inputs)}) "
            f"before the options; got {len(inputs)}. Example: explain({', '.join(spec.inputs)}, "
            f"method={spec.name!r}, ...)"
        )
    known = spec.argument_names
    unknown = sorted(set(options) - set(known))
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ArgumentTypeError(
            f"method {spec.name!r} takes no argument {name!r}; {hint}it takes {sorted(known)}"
        )
    return spec.function(*inputs, **options)


__all__ = ["Option", "MethodSpec", "METHODS", "KINDS", "COMMON_CHOICES", "command_line_methods",
           "explain", "get_method", "method_names", "options_from_signature", "register_method",
           "run_method", "unregister_method"]
