"""Global Importance Analysis (Koo et al. 2021): the public face of the experiments.

GIA measures the population-level effect of a pattern on a model's output: embed the
pattern in backgrounds drawn from a null model and average ``f(embedded) -
f(background)`` over them. :func:`global_importance` embeds given patterns at given
positions; the functions below are the paper's experiments. All share the background
arguments (``background``, ``n_backgrounds``, ``source``, ``gc``, ``seed``) and return
results with ``.global_table()`` / ``.local_table()`` (plus ``fit_table()``,
``top_table()``, ``logo_table()`` or ``interaction_table()``).

The computation lives in :mod:`deepg_interpret.methods.gia.embed` and
:mod:`deepg_interpret.methods.gia.experiments`; figures in
:mod:`deepg_interpret.plots.gia`.

Examples
--------
>>> import keras
>>> from deepg_interpret import gia
>>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
...                       keras.layers.Dense(1, activation="sigmoid")])
>>> res = gia.position_scan(m, target=0, pattern="TATA", positions=[1, 9],
...                         n_backgrounds=20, seed=1, progress=False)
>>> list(res.global_table().columns[:8])
['experiment', 'pattern', 'position', 'global_importance', 'sd', 'ci_low', 'ci_high', 'n']
"""

from __future__ import annotations

from ...results.gia import (
    GlobalImportanceResult,
    InteractionResult,
    KmerScanResult,
    MultiplicityResult,
    VariantScanResult,
)
from .embed import global_importance
from .experiments import (
    MAX_KMER_K,
    gc_flanks,
    interaction,
    kmer_scan,
    multiplicity,
    position_scan,
    spacing,
    variant_scan,
)
from .inputs import BACKGROUND_KINDS, make_backgrounds

#: Experiment name -> function (what the R wrappers and the CLI look up).
EXPERIMENTS = {
    "embed": global_importance,
    "position_scan": position_scan,
    "multiplicity": multiplicity,
    "spacing": spacing,
    "kmer_scan": kmer_scan,
    "variant_scan": variant_scan,
    "gc_flanks": gc_flanks,
    "interaction": interaction,
}

__all__ = [
    "global_importance", "position_scan", "multiplicity", "spacing", "kmer_scan",
    "variant_scan", "gc_flanks", "interaction", "make_backgrounds", "EXPERIMENTS",
    "BACKGROUND_KINDS", "MAX_KMER_K", "GlobalImportanceResult", "MultiplicityResult",
    "KmerScanResult", "VariantScanResult", "InteractionResult",
]
