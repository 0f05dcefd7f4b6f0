"""deepg-interpret: explain genomic sequence deep learning models (deepG / Keras).

Public API (numpy/pandas in, tidy DataFrames out)::

    from deepg_interpret import load_model, encode, integrated_gradients
    model = load_model("checkpoint.h5", class_names=["no_motif", "motif"])
    result = integrated_gradients(model, "seqs.fasta", target="motif", baseline="dinuc_shuffle")
    result.per_locus_table()
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    ArgumentTypeError,
    BaselineError,
    DeepGInterpretError,
    DeepGInterpretWarning,
    InputError,
    ModelError,
    OutputBusyError,
    SequenceError,
    ShapeError,
    TargetError,
)
from .io.models import ModelAdapter, load_model
from .io.sequences import DNA_VOCABULARY, EncodedSequences, decode, encode, read_fasta
from .methods.gradients import gradient_x_input, saliency
from .methods.ig import integrated_gradients, integration_points
from .methods.registry import METHODS, get_method, method_names, run_method
from .results import AttributionResult, IntegratedGradientsResult, MethodResult
from .summaries import avg_match_percent, quantile_position, rolling_mean

# Heavier or optional parts (matplotlib, scikit-learn, training code) load on first use:
# `deepg_interpret.synthetic.preset(...)` works without importing them up front.
_LAZY_SUBMODULES = ("plots", "synthetic", "evaluate", "reference_models", "training", "tables",
                    "cli", "rdata")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'deepg_interpret' has no attribute {name!r}")

__all__ = [
    "__version__",
    "load_model",
    "ModelAdapter",
    "encode",
    "decode",
    "read_fasta",
    "EncodedSequences",
    "DNA_VOCABULARY",
    "integrated_gradients",
    "saliency",
    "gradient_x_input",
    "integration_points",
    "AttributionResult",
    "IntegratedGradientsResult",
    "MethodResult",
    "METHODS",
    "get_method",
    "method_names",
    "run_method",
    "rolling_mean",
    "avg_match_percent",
    "quantile_position",
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
