"""deepg-interpret: explain genomic sequence deep learning models (deepG / Keras).

Public API (numpy/pandas in, tidy DataFrames out)::

    from deepg_interpret import load_model, encode, integrated_gradients
    model = load_model("checkpoint.h5", class_names=["no_motif", "motif"])
    result = integrated_gradients(model, "seqs.fasta", target="motif", baseline="dinuc_shuffle")
    result.per_locus_table()
"""
# ruff: noqa: E402
# (E402: TensorFlow's console set-up below runs before the other imports.)

from __future__ import annotations

# Before anything imports TensorFlow: its start-up noise off the console (the user's
# TF_CPP_MIN_LOG_LEVEL wins; see model/tf_runtime.py).
from .model import tf_runtime as _tf_runtime
from .version import __version__

_tf_runtime.prepare()

from .analysis.genome import explain_genome, write_bedgraph
from .analysis.motif_matching import match_motifs
from .batch import batch_status, read_batch, run_batch
from .core.summaries import avg_match_percent, quantile_position, rolling_mean
from .dna.sequences import DNA_VOCABULARY, EncodedSequences, decode, encode, read_fasta
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
from .io.annotations import read_annotation
from .methods import gia
from .methods.class_optimization import class_optimization
from .methods.erasure import evolutionary_erasure
from .methods.genes import gene_scores, gene_set_test
from .methods.gia import global_importance
from .methods.gradients import gradient_x_input, saliency
from .methods.ig import integrated_gradients, integration_points
from .methods.ism import ism
from .methods.occlusion import occlusion
from .methods.registry import (
    METHODS,
    MethodSpec,
    Option,
    explain,
    get_method,
    method_names,
    register_method,
    run_method,
    unregister_method,
)
from .model.adapter import ModelAdapter, load_model
from .results import (
    AttributionResult,
    EvolutionaryErasureResult,
    IntegratedGradientsResult,
    ISMResult,
    MethodResult,
    OcclusionResult,
)

# Heavier or optional parts (matplotlib, scikit-learn, training code) load on first use:
# `deepg_interpret.synthetic.preset(...)` works without importing them up front.
_LAZY_SUBMODULES = {
    "plots": "plots", "synthetic": "synthetic", "evaluate": "analysis.evaluate",
    "reference_models": "synthetic.reference_models", "training": "synthetic.training",
    "tables": "results.tables", "cli": "cli", "rdata": "r_bridge.rdata",
}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{_LAZY_SUBMODULES[name]}", __name__)
    raise AttributeError(f"module 'deepg_interpret' has no attribute {name!r}")


__all__ = [
    "run_batch",
    "read_batch",
    "batch_status",
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
    "class_optimization",
    "match_motifs",
    "occlusion",
    "ism",
    "global_importance",
    "gia",
    "ISMResult",
    "evolutionary_erasure",
    "OcclusionResult",
    "EvolutionaryErasureResult",
    "AttributionResult",
    "IntegratedGradientsResult",
    "MethodResult",
    "METHODS",
    "get_method",
    "method_names",
    "run_method",
    "explain",
    "register_method",
    "unregister_method",
    "MethodSpec",
    "Option",
    "gene_scores",
    "gene_set_test",
    "explain_genome",
    "write_bedgraph",
    "read_annotation",
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
