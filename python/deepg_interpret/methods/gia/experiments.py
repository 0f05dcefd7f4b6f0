"""The in silico experiments of Global Importance Analysis (Koo et al. 2021, Figs. 2-4).

Each experiment builds a design (patterns and the conditions that place them) and runs
it through :func:`~deepg_interpret.methods.gia.embed.run_design` on one set of null-model
backgrounds: position scan, multiplicity (additivity), spacing of two patterns, all
k-mers at a position, all single-base variants of a pattern (GIA logo), flanking GC
blocks, and the pairwise interaction ``f(AB) - f(A) - f(B) + f(none)``.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...checks import check_fraction, check_int
from ...core.batching import parse_memory_budget
from ...dna.alphabet import BASES
from ...errors import ArgumentTypeError, InputError
from ...results.gia import (
    GlobalImportanceResult,
    InteractionResult,
    KmerScanResult,
    MultiplicityResult,
    VariantScanResult,
)
from .embed import Placement, as_positions, run_design, setup
from .inputs import Pattern, check_no_overlap, make_pattern

# 4^12 = 16.8 M candidates: beyond this even the candidate list is a typo.
MAX_KMER_K = 12


def _common(kw: dict) -> tuple[dict, dict]:
    """Split an experiment's keyword arguments into setup() and run_design() ones."""
    setup_keys = ("target", "background", "n_backgrounds", "source", "gc", "length", "seed",
                  "output", "class_names")
    run_keys = ("level", "memory_budget", "batch_size", "progress")
    return ({k: kw[k] for k in setup_keys}, {k: kw[k] for k in run_keys})


def _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
              class_names, memory_budget, batch_size, progress) -> dict:
    return dict(target=target, background=background, n_backgrounds=n_backgrounds,
                source=source, gc=gc, length=length, seed=seed, level=level, output=output,
                class_names=class_names, memory_budget=memory_budget, batch_size=batch_size,
                progress=progress)


def _one_pattern(spec, arg: str) -> Pattern:
    if isinstance(spec, dict) or (isinstance(spec, (list, tuple)) and not (
            spec and isinstance(spec[0], (list, tuple)))):
        raise ArgumentTypeError(f"`{arg}` must be one pattern (a string, PWM or Motif).")
    return make_pattern(spec, arg=arg)


def position_scan(model, *, target, pattern, positions=None, step: int = 1, background="iid",
                  n_backgrounds: int = 1000, source=None, gc=None, length=None, seed=None,
                  level: float = 0.95, output=None, class_names=None, memory_budget=None,
                  batch_size=None, progress: bool = True) -> GlobalImportanceResult:
    """Global importance of ``pattern`` at every start position (or the given ones).

    ``positions`` default to ``1, 1 + step, ...`` up to the last start that fits.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((12, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = position_scan(m, target=0, pattern="ACGT", n_backgrounds=10, seed=0,
    ...                     output="logit", progress=False)
    >>> res.global_table()["position"].tolist()
    [1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    pat = _one_pattern(pattern, "pattern")
    step = check_int(step, "step", 1)
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    length = s.backgrounds.shape[1]
    if positions is None:
        if pat.width > length:
            raise InputError(f"pattern {pat.name!r} ({pat.width} bp) is longer than the "
                             f"sequences ({length} bp).")
        starts = list(range(0, length - pat.width + 1, step))
    else:
        starts = as_positions(positions)
    conditions = [(Placement(0, st),) for st in starts]
    labels = {"pattern": [pat.name] * len(starts), "position": [st + 1 for st in starts]}
    return run_design(s, "position_scan", [pat], conditions, labels, **r_kw)


def multiplicity(model, *, target, pattern, positions, background="iid",
                 n_backgrounds: int = 1000, source=None, gc=None, length=None, seed=None,
                 level: float = 0.95, output=None, class_names=None, memory_budget=None,
                 batch_size=None, progress: bool = True) -> MultiplicityResult:
    """1, 2, ..., k copies of ``pattern`` at the first 1..k of ``positions``.

    Random patterns are drawn independently for every copy. ``.fit_table()`` reports
    the least-squares line of global importance against the number of copies (slope,
    intercept, r2): a model that adds up position-independent motif effects (sum
    pooling) gives ``r2 = 1`` and ``intercept = 0``.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((30, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = multiplicity(m, target=0, pattern="ACGT", positions=[1, 11, 21],
    ...                    n_backgrounds=10, seed=0, output="logit", progress=False)
    >>> list(res.fit_table().columns)
    ['experiment', 'pattern', 'slope', 'intercept', 'r2', 'n_points']
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    pat = _one_pattern(pattern, "pattern")
    starts = as_positions(positions)
    _no_overlap(starts, [pat.width] * len(starts), "positions")
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    copies = [pat] * len(starts)  # one Pattern per copy: independent draws
    conditions = [tuple(Placement(i, starts[i]) for i in range(c)) for c in
                  range(1, len(starts) + 1)]
    labels = {"pattern": [pat.name] * len(starts), "position": [starts[0] + 1] * len(starts),
              "copies": np.arange(1, len(starts) + 1, dtype=np.int32)}
    return run_design(s, "multiplicity", copies, conditions, labels,
                      result_type=MultiplicityResult, **r_kw)


def _no_overlap(starts, widths, arg: str, labels=None) -> None:
    """The shared overlap rule (:func:`~.gia_inputs.check_no_overlap`) for these placements."""
    labels = labels or [f"copy {i + 1}" for i in range(len(starts))]
    check_no_overlap(list(zip(starts, widths, labels)), arg)


def spacing(model, *, target, pattern_a, pattern_b, position_a, spacings=None,
            background="iid", n_backgrounds: int = 1000, source=None, gc=None, length=None,
            seed=None, level: float = 0.95, output=None, class_names=None, memory_budget=None,
            batch_size=None, progress: bool = True) -> GlobalImportanceResult:
    """``pattern_a`` at ``position_a`` and ``pattern_b`` ``spacing`` bp after A's end.

    ``spacings`` (bp between A's last base and B's first) default to every gap that
    fits. Rows carry ``spacing`` and ``position_b``.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = spacing(m, target=0, pattern_a="ACG", pattern_b="TTT", position_a=2,
    ...               spacings=[0, 5], n_backgrounds=10, seed=0, progress=False)
    >>> res.global_table()["position_b"].tolist()
    [5, 10]
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    a, b = _one_pattern(pattern_a, "pattern_a"), _one_pattern(pattern_b, "pattern_b")
    start_a = as_positions(position_a, "position_a")[0]
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    length = s.backgrounds.shape[1]
    if spacings is None:
        gaps = list(range(0, max(0, length - start_a - a.width - b.width) + 1))
    else:
        gaps = [check_int(g, "spacings", 0) for g in np.atleast_1d(spacings).tolist()]
    conditions = [(Placement(0, start_a), Placement(1, start_a + a.width + g)) for g in gaps]
    labels = {"pattern": [f"{a.name}+{b.name}"] * len(gaps), "position": [start_a + 1] * len(gaps),
              "spacing": np.asarray(gaps, dtype=np.int32),
              "position_b": np.asarray([start_a + a.width + g + 1 for g in gaps], dtype=np.int32)}
    return run_design(s, "spacing", [a, b], conditions, labels, **r_kw)


def kmer_scan(model, *, target, k: int, position, top: int = 20, background="iid",
              n_backgrounds: int = 1000, source=None, gc=None, length=None, seed=None,
              level: float = 0.95, output=None, class_names=None, memory_budget=None,
              batch_size=None, progress: bool = True) -> KmerScanResult:
    """Every one of the 4^k k-mers embedded at ``position``; ``.top_table()`` ranks them.

    The 4^k x n embedded sequences are built batch by batch (input memory stays within
    ``memory_budget``); the outputs, 4^k x n numbers, are kept. When they (times three,
    for the effects and tables) exceed ``memory_budget``, an error names ``k`` before
    any work.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((10, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = kmer_scan(m, target=0, k=2, position=3, n_backgrounds=5, seed=0, progress=False)
    >>> len(res.global_table()), len(res.top_table(3))
    (16, 3)
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    k = check_int(k, "k", 1, MAX_KMER_K)
    top = check_int(top, "top", 1)
    start = as_positions(position, "position")[0]
    s_kw, r_kw = _common(kw)
    n_bg = n_backgrounds if not hasattr(background, "shape") else np.shape(background)[0]
    n_bg = check_int(n_bg, "n_backgrounds", 1)
    need = (4 ** k) * n_bg * 8 * 3
    budget = parse_memory_budget(memory_budget)
    if need > budget:
        raise InputError(
            f"k = {k} gives 4^{k} = {4 ** k:,} candidates x {n_bg:,} backgrounds, whose outputs "
            f"need {need / 2 ** 20:,.0f} MiB, more than memory_budget ({budget / 2 ** 20:,.0f} "
            "MiB); lower k or n_backgrounds, or raise memory_budget."
        )
    s = setup(model, **s_kw)
    kmers = ["".join(t) for t in itertools.product(BASES, repeat=k)]
    codes = np.array(list(itertools.product(range(4), repeat=k)), dtype=np.uint8)
    pats = [Pattern(kmer, codes[i]) for i, kmer in enumerate(kmers)]
    conditions = [(Placement(i, start),) for i in range(len(kmers))]
    labels = {"pattern": kmers, "position": [start + 1] * len(kmers)}
    return run_design(s, "kmer_scan", pats, conditions, labels, result_type=KmerScanResult,
                      settings={"k": k}, top=top, **r_kw)


def variant_scan(model, *, target, pattern, position, background="iid",
                 n_backgrounds: int = 1000, source=None, gc=None, length=None, seed=None,
                 level: float = 0.95, output=None, class_names=None, memory_budget=None,
                 batch_size=None, progress: bool = True) -> VariantScanResult:
    """``pattern`` and all its single-base variants at ``position`` (a GIA logo).

    Conditions: the pattern itself (``variant_position`` 0) and, for every pattern
    position ``i`` and base ``b``, the pattern with base ``b`` at ``i``
    (``is_reference`` where ``b`` is the pattern's own base). A PWM uses its consensus.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((10, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = variant_scan(m, target=0, pattern="ACG", position=2, n_backgrounds=5, seed=0,
    ...                    progress=False)
    >>> res.logo_table().shape[0]
    12
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    base = _one_pattern(pattern, "pattern")
    ref = base.codes if not base.random else np.asarray(
        [int(np.argmax(r)) if r.sum() > 0 else 255 for r in base.probs], dtype=np.uint8)
    start = as_positions(position, "position")[0]
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    letters = lambda c: "".join("N" if x == 255 else BASES[x] for x in c)  # noqa: E731
    pats = [Pattern(letters(ref), ref)]
    var_pos, var_base, is_ref = [0], [""], [False]
    for i in range(len(ref)):
        for b in range(4):
            codes = ref.copy()
            codes[i] = b
            pats.append(Pattern(letters(codes), codes))
            var_pos.append(i + 1)
            var_base.append(BASES[b])
            is_ref.append(bool(ref[i] == b))
    conditions = [(Placement(i, start),) for i in range(len(pats))]
    labels = {"pattern": [p.name for p in pats], "position": [start + 1] * len(pats),
              "variant_position": np.asarray(var_pos, dtype=np.int32), "base": var_base,
              "is_reference": is_ref}
    return run_design(s, "variant_scan", pats, conditions, labels,
                      result_type=VariantScanResult, settings={"reference": letters(ref)}, **r_kw)


def gc_flanks(model, *, target, pattern, position, flank: int = 10,
              gc_levels=(0.0, 0.25, 0.5, 0.75, 1.0), background="iid",
              n_backgrounds: int = 1000, source=None, gc=None, length=None, seed=None,
              level: float = 0.95, output=None, class_names=None, memory_budget=None,
              batch_size=None, progress: bool = True) -> GlobalImportanceResult:
    """GC bias: ``flank`` bp blocks of GC content ``g`` on both sides of ``pattern``.

    For every ``g`` two conditions: the flanks alone (``with_pattern`` False) and the
    flanks around the pattern (True); plus the pattern alone (``gc_flank`` NaN). Flank
    bases are drawn per background (G/C with probability ``g``). Compare the rows with
    the pattern across ``g`` to read the model's GC preference around the motif.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((30, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = gc_flanks(m, target=0, pattern="ACGT", position=12, flank=5, gc_levels=[0, 1],
    ...                 n_backgrounds=5, seed=0, progress=False)
    >>> len(res.global_table())
    5
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    pat = _one_pattern(pattern, "pattern")
    flank = check_int(flank, "flank", 1)
    levels = [check_fraction(g, "gc_levels") for g in np.atleast_1d(gc_levels).tolist()]
    start = as_positions(position, "position")[0]
    if start - flank < 0:
        raise InputError(
            f"position {start + 1} leaves no room for a {flank} bp flank on the left; use "
            f"position >= {flank + 1} or a smaller flank."
        )
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    pats = [pat]
    conditions = [(Placement(0, start),)]
    labels = {"pattern": [pat.name], "position": [start + 1], "gc_flank": [np.nan],
              "flank": [flank], "with_pattern": [True]}
    for g in levels:
        row = np.array([(1 - g) / 2, g / 2, g / 2, (1 - g) / 2])
        block = make_pattern(np.tile(row, (flank, 1)) + 0.0, name=f"GC{g:g}")
        left, right = len(pats), len(pats) + 1
        pats += [block, block]
        flanks = (Placement(left, start - flank), Placement(right, start + pat.width))
        conditions += [flanks, (*flanks, Placement(0, start))]
        labels["pattern"] += [f"flanks_gc{g:g}", f"{pat.name}+flanks_gc{g:g}"]
        labels["position"] += [start + 1, start + 1]
        labels["gc_flank"] += [g, g]
        labels["flank"] += [flank, flank]
        labels["with_pattern"] += [False, True]
    labels["flank"] = np.asarray(labels["flank"], dtype=np.int32)
    return run_design(s, "gc_flanks", pats, conditions, labels, **r_kw)


def interaction(model, *, target, pattern_a, pattern_b, position_a, positions_b,
                background="iid", n_backgrounds: int = 1000, source=None, gc=None, length=None,
                seed=None, level: float = 0.95, output=None, class_names=None,
                memory_budget=None, batch_size=None, progress: bool = True) -> InteractionResult:
    """Pairwise interaction ``f(AB) - f(A) - f(B) + f(none)`` for B at each of ``positions_b``.

    ``.interaction_table()`` has one row per position of B (mean, sd, t-based CI over
    backgrounds); the global/local tables hold the conditions A, B and AB
    (``condition`` column). Zero interaction means the two effects add up.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1)])
    >>> res = interaction(m, target=0, pattern_a="ACG", pattern_b="TTT", position_a=2,
    ...                   positions_b=[10], n_backgrounds=5, seed=0, output="logit",
    ...                   progress=False)
    >>> bool(abs(res.interaction_table()["interaction"].iloc[0]) < 1e-4)
    True
    """
    kw = _defaults(target, background, n_backgrounds, source, gc, length, seed, level, output,
                   class_names, memory_budget, batch_size, progress)
    a, b = _one_pattern(pattern_a, "pattern_a"), _one_pattern(pattern_b, "pattern_b")
    start_a = as_positions(position_a, "position_a")[0]
    starts_b = as_positions(positions_b, "positions_b")
    for start_b in starts_b:  # the same rule as multiplicity's copies
        _no_overlap([start_a, start_b], [a.width, b.width], "positions_b",
                    ["pattern_a", "pattern_b"])
    s_kw, r_kw = _common(kw)
    s = setup(model, **s_kw)
    conditions, labels = [], {"pattern": [], "position": [], "position_b": [], "pair": [],
                              "condition": []}
    for pair, start_b in enumerate(starts_b, start=1):
        conditions += [(Placement(0, start_a),), (Placement(1, start_b),),
                       (Placement(0, start_a), Placement(1, start_b))]
        labels["pattern"] += [a.name, b.name, f"{a.name}+{b.name}"]
        labels["position"] += [start_a + 1, start_b + 1, start_a + 1]
        labels["position_b"] += [start_b + 1] * 3
        labels["pair"] += [pair] * 3
        labels["condition"] += ["A", "B", "AB"]
    labels["position_b"] = np.asarray(labels["position_b"], dtype=np.int32)
    labels["pair"] = np.asarray(labels["pair"], dtype=np.int32)
    return run_design(s, "interaction", [a, b], conditions, labels,
                      result_type=InteractionResult, **r_kw)


__all__ = ["position_scan", "multiplicity", "spacing", "kmer_scan", "variant_scan", "gc_flanks",
           "interaction", "MAX_KMER_K"]
