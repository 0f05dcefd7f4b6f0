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
    SequenceError,
    ShapeError,
    TargetError,
)
from .io.models import ModelAdapter, load_model
from .io.sequences import DNA_VOCABULARY, EncodedSequences, decode, encode, read_fasta
from .methods.ig import gradient_x_input, integrated_gradients, integration_points, saliency
from .results import AttributionResult

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
    "DeepGInterpretError",
    "InputError",
    "SequenceError",
    "ShapeError",
    "BaselineError",
    "TargetError",
    "ModelError",
    "ArgumentTypeError",
    "DeepGInterpretWarning",
]
