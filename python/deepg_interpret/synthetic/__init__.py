"""Synthetic ground truth: random DNA with planted motifs, in deepG's training layout.

The datasets reproduce the experiments of the deepG interpretability poster
(Y. Han, LMU Munich / HZI, "Interpreting Sequence-based Deep Learning Models for
Genomic Data"), where a CNN is trained on synthetic data and Integrated Gradients
is checked against the known motif positions:

* **Experiment 1, motif information entropy**: 10,000 random 600 bp sequences
  sampled from A, C, G, T, 50 % of them carrying one 30 bp motif of high, medium,
  low (``TATAG`` x 6) or lowest (``A`` x 30) entropy (:data:`MOTIF_PRESETS`;
  the high motif has 31 bases as printed on the poster and is kept as is).
  Presets ``entropy_high`` ... ``entropy_lowest``.
* **Experiment 2, single vs recurrent motif**: the high-entropy motif recurring
  about every 100 bp. Preset ``recurrent_high``.
* **Experiment 3, motif length**: motifs of 10, 20 and 50 bp. Presets
  ``length_10``, ``length_20``, ``length_50``.

This module plants (:func:`simulate_motifs`: share of positive sequences, fixed or
random position, several motifs, recurrence, both strands) and holds the presets
(:func:`preset`). It builds on, and re-exports for existing callers:

* :mod:`deepg_interpret.dna.backgrounds`: :func:`iid_background` (base frequencies or
  GC content), :func:`kmer_frequencies`, :func:`fit_markov` / :class:`MarkovModel`;
* :mod:`deepg_interpret.dna.motifs`: :func:`make_motif`, :class:`Motif`,
  :func:`motif_entropy`, :func:`pwm_information_content`, :func:`motif_summary`;
* :mod:`deepg_interpret.io.datasets`: :class:`SyntheticDataset` and the truth table
  ``seq_id, label, motif, start, end, strand`` (1-based, closed; one row per planted
  copy) with :func:`write_truth` / :func:`read_truth`;
* :mod:`deepg_interpret.io.deepg_folders`: :func:`write_deepg_folders` /
  :func:`read_deepg_folders`, deepG's ``train_type = "label_folder"`` layout.

Everything works on integer code arrays (A=0, C=1, G=2, T=3, ``uint8``;
:mod:`deepg_interpret.dna.alphabet`) and turns them into strings once at the end, so
10,000 x 600 bp take well under a second. Randomness: every public function takes
``seed=None | int | np.random.Generator``.

Examples
--------
>>> ds = simulate_motifs(100, 200, "TATAAT", seed=1)
>>> len(ds), int(ds.labels.sum()), len(ds.truth)
(100, 50, 50)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..checks import (
    as_generator,
    check_fraction,
    check_int,
    json_safe,
    package_version,
    seed_setting,
)
from ..dna.alphabet import IUPAC_CODES, codes_to_strings
from ..dna.backgrounds import MarkovModel, fit_markov, iid_background, kmer_frequencies
from ..dna.backgrounds.sampler import background_sampler
from ..dna.motifs import (
    MOTIF_PRESETS,
    Motif,
    MotifSpec,
    make_motif,
    motif_entropy,
    motif_summary,
    pwm_information_content,
    resolve_motifs,
)
from ..errors import ArgumentTypeError, InputError, SequenceError
from ..io.datasets import TRUTH_COLUMNS, SyntheticDataset, read_truth, write_truth
from ..io.deepg_folders import read_deepg_folders, write_deepg_folders

__all__ = [
    "MOTIF_PRESETS",
    "LENGTH_MOTIF_50",
    "PRESET_NAMES",
    "IUPAC_CODES",
    "TRUTH_COLUMNS",
    "Motif",
    "MarkovModel",
    "SyntheticDataset",
    "make_motif",
    "iid_background",
    "fit_markov",
    "kmer_frequencies",
    "motif_entropy",
    "pwm_information_content",
    "motif_summary",
    "simulate_motifs",
    "preset",
    "write_deepg_folders",
    "read_deepg_folders",
    "write_truth",
    "read_truth",
]

#: Motif of the length presets: ``length_k`` plants its first k bases. Drawn once,
#: uniformly from A, C, G, T with ``np.random.default_rng(20240603)``, and fixed here so
#: the motif does not change with the dataset seed (the motifs are nested, so longer
#: ones extend shorter ones).
LENGTH_MOTIF_50 = "TGAATTCCGTCAGGTCGGAGGCATGTCATCTACAGTTAAGACCTATGATC"

_PRESETS: dict[str, dict[str, Any]] = {
    "entropy_high": {"motif": "high"},
    "entropy_medium": {"motif": "medium"},
    "entropy_low": {"motif": "low"},
    "entropy_lowest": {"motif": "lowest"},
    "recurrent_high": {"motif": "high", "recur_every": 100},
    "length_10": {"motif": LENGTH_MOTIF_50[:10]},
    "length_20": {"motif": LENGTH_MOTIF_50[:20]},
    "length_50": {"motif": LENGTH_MOTIF_50},
}
#: Names accepted by :func:`preset`.
PRESET_NAMES: tuple[str, ...] = tuple(_PRESETS)


def _random_layout(
    rng: np.random.Generator, n_pos: int, length: int, widths: np.ndarray
) -> np.ndarray:
    """Random non-overlapping 0-based starts (n_pos, k) for k copies of given widths.

    Per sequence: shuffle the order of the copies, draw k gap positions in the
    free space ``length - sum(widths)`` (sorted), and add the widths of the copies
    to their left. All sequences at once; one copy reduces to a uniform start.
    """
    k = widths.size
    free = length - int(widths.sum())
    order = np.argsort(rng.random((n_pos, k)), axis=1)  # left-to-right order of the copies
    gaps = np.sort(rng.integers(0, free + 1, size=(n_pos, k)), axis=1)
    w_ordered = widths[order]
    starts_ordered = gaps + np.cumsum(w_ordered, axis=1) - w_ordered
    starts = np.empty_like(starts_ordered)
    np.put_along_axis(starts, order, starts_ordered, axis=1)
    return starts


def simulate_motifs(
    n: int = 10_000,
    length: int = 600,
    motif: MotifSpec | Sequence[MotifSpec] = "high",
    *,
    share: float = 0.5,
    position: str | int | Sequence[int] = "random",
    n_copies: int | None = None,
    recur_every: int | None = None,
    recur_jitter: int | None = None,
    both_strands: bool = False,
    background: str | MarkovModel | Any = "iid",
    gc: float | None = None,
    seed: Any = None,
    label_names: tuple[str, str] = ("no_motif", "motif"),
) -> SyntheticDataset:
    """Random sequences, a share of them carrying planted motifs (label 1).

    Parameters
    ----------
    n : int
        Number of sequences. Default is 10,000 (the poster).
    length : int
        Sequence length in bp. Default is 600 (the poster).
    motif : motif spec or list of them
        A preset name (``"high"``, ``"medium"``, ``"low"``, ``"lowest"``), a DNA
        or IUPAC string (IUPAC positions sampled per copy), a PWM array (w, 4)
        (sampled per copy), a :class:`Motif`, or a list of those: every positive
        sequence then carries every motif (non-overlapping). Default is ``"high"``.
    share : float
        Fraction of sequences that carry the motif(s), in [0, 1]; exactly
        ``round(share * n)`` sequences, chosen at random, get label 1. Default 0.5.
    position : "random", int or list of int
        ``"random"``: uniform, non-overlapping starts. An int: the 1-based start
        of the (single) copy in every positive sequence (with ``recur_every``: of
        the first copy). A list: one 1-based start per copy, in motif order (copies
        of motif 1, then motif 2, ...). Default is ``"random"``.
    n_copies : int, optional
        Copies of each motif per positive sequence. Default: 1, or with
        ``recur_every`` as many as fit.
    recur_every : int, optional
        Plant copies about every ``d`` bp (the poster's recurrent motif, d = 100):
        the first start is random in ``[j, j + d)`` (or ``position``), copy i sits
        at ``first + i d`` moved by a random jitter in ``[-j, j]``; copies cycle
        through the motifs. Must be >= the longest motif. Default None.
    recur_jitter : int, optional
        ``j`` above; default ``min(d // 10, (d - w) // 2)``, which keeps copies from
        overlapping (w = longest motif).
    both_strands : bool
        Plant each copy on the forward or reverse strand with probability 1/2
        (reverse strand = reverse complement; see the truth's ``strand``).
        Default is False (forward only).
    background : "iid", MarkovModel or 4 base frequencies
        How the sequences are drawn before planting. Default is ``"iid"``
        (uniform, or with ``gc``).
    gc : float, optional
        GC content of the iid background.
    seed : None, int or numpy.random.Generator
        Randomness. Default is None.
    label_names : tuple of str
        Class names for label 0 and 1 (deepG folder names). Default
        ``("no_motif", "motif")``.

    Returns
    -------
    SyntheticDataset
        ``truth`` has one row per planted copy; ``settings`` records the call
        with each motif's entropy (k = 1..3) and information content.

    Notes
    -----
    Negative sequences are plain background; a short or low-complexity motif can
    occur in them by chance (unlikely for the presets: a 30 bp motif about
    600 / 4**30 times per sequence).

    Examples
    --------
    >>> ds = simulate_motifs(100, 200, "TATAAT", share=0.5, seed=1)
    >>> ds.truth.columns.tolist()
    ['seq_id', 'label', 'motif', 'start', 'end', 'strand']
    >>> ds.sequences[ds.seq_ids.index(ds.truth.seq_id[0])][ds.truth.start[0] - 1 : ds.truth.end[0]]
    'TATAAT'
    """
    n = check_int(n, "n", 1)
    length = check_int(length, "length", 1)
    share = check_fraction(share, "share")
    rng = as_generator(seed)
    motifs = resolve_motifs(motif)
    widths_m = np.array([m.width for m in motifs], dtype=np.int64)
    w_max = int(widths_m.max())
    if w_max > length:
        i = int(widths_m.argmax())
        raise SequenceError(
            f"motif {motifs[i].name!r} is {w_max} bp long but `length` = {length}; pass a "
            "shorter motif or a longer `length`."
        )
    if not isinstance(both_strands, (bool, np.bool_)):
        raise ArgumentTypeError(f"`both_strands` must be True or False; got {both_strands!r}.")
    if not (isinstance(label_names, (list, tuple)) and len(label_names) == 2):
        raise InputError(
            f"`label_names` must be two class names (label 0, label 1); got {label_names!r}. "
            "Pass e.g. ('no_motif', 'motif')."
        )
    label_names = (str(label_names[0]), str(label_names[1]))
    if label_names[0] == label_names[1] or any(not s or "/" in s for s in label_names):
        raise InputError(
            f"`label_names` must be two different, non-empty folder names; got {label_names!r}."
        )
    sample_background, bg_desc = background_sampler(background, gc)
    if n_copies is not None:
        n_copies = check_int(n_copies, "n_copies", 1)

    # ---- where the copies go: arrays over all planted copies ---------------------------
    if recur_every is not None:
        layout = _recurrent_plan(length, widths_m, position, n_copies, recur_every, recur_jitter)
    else:
        layout = _fixed_or_random_plan(length, widths_m, position, n_copies or 1)

    # ---- draw (fixed order of RNG use: background, labels, layout, strands, motifs) ----
    codes = sample_background(rng, n, length)
    n_pos = int(math.floor(share * n + 0.5))
    labels = np.zeros(n, dtype=np.int32)
    labels[rng.permutation(n)[:n_pos]] = 1
    pos_rows = np.flatnonzero(labels)
    rows, starts, motif_idx = layout(rng, n_pos)
    rows = pos_rows[rows]
    minus = rng.random(rows.size) < 0.5 if both_strands else np.zeros(rows.size, dtype=bool)

    for j, m in enumerate(motifs):
        sel = np.flatnonzero(motif_idx == j)
        if sel.size == 0:
            continue
        copies = m._sample_codes(rng, sel.size)
        flip = minus[sel]
        # Reverse complement: reverse the positions; with A,C,G,T = 0..3, complement = 3 - code.
        copies[flip] = 3 - copies[flip, ::-1]
        cols = starts[sel, None] + np.arange(m.width)
        codes[rows[sel, None], cols] = copies  # all copies of this motif in one assignment

    width_of_copy = widths_m[motif_idx]
    order = np.lexsort((starts, rows))
    seq_ids = _make_ids(n)
    names = np.array([m.name for m in motifs], dtype=object)
    truth = pd.DataFrame(
        {
            "seq_id": np.array(seq_ids, dtype=object)[rows[order]],
            "label": np.ones(order.size, dtype=np.int32),
            "motif": names[motif_idx[order]],
            "start": (starts[order] + 1).astype(np.int32),
            "end": (starts[order] + width_of_copy[order]).astype(np.int32),
            "strand": np.where(minus[order], "-", "+").astype(object),
        }
    )
    settings = json_safe(
        {
            "generator": "simulate_motifs",
            "n": n,
            "length": length,
            "share": share,
            "n_positive": n_pos,
            "position": position
            if isinstance(position, (str, int, float, np.number))
            else list(position),
            "n_copies": n_copies,
            "recur_every": recur_every,
            "recur_jitter": layout.jitter if recur_every is not None else None,
            "both_strands": bool(both_strands),
            "background": bg_desc,
            "motifs": [m.describe() for m in motifs],
            "label_names": list(label_names),
            "seed": seed_setting(seed),
            "version": package_version(),
        }
    )
    truth.attrs = {"settings": settings}
    return SyntheticDataset(
        sequences=codes_to_strings(codes),
        seq_ids=seq_ids,
        labels=labels,
        label_names=label_names,
        truth=truth,
        settings=settings,
    )


def _make_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"seq_{i:0{width}d}" for i in range(1, n + 1)]


class _Layout:
    """Callable ``(rng, n_pos) -> (rows, starts, motif_idx)`` over all planted copies
    (rows index the positive sequences, starts are 0-based)."""

    def __init__(self, fn: Callable, jitter: int | None = None) -> None:
        self.fn = fn
        self.jitter = jitter

    def __call__(self, rng: np.random.Generator, n_pos: int):
        return self.fn(rng, n_pos)


def _fixed_or_random_plan(
    length: int, widths_m: np.ndarray, position: Any, n_copies: int
) -> _Layout:
    # Copy slots in motif order: motif 0 x n_copies, motif 1 x n_copies, ...
    slot_motif = np.repeat(np.arange(widths_m.size), n_copies)
    slot_width = widths_m[slot_motif]
    k = slot_motif.size
    if int(slot_width.sum()) > length:
        raise InputError(
            f"{k} non-overlapping copies need {int(slot_width.sum())} bp but `length` = {length}; "
            "pass fewer `n_copies`/motifs or a longer `length`."
        )

    def expand(n_pos: int, starts: np.ndarray):
        rows = np.repeat(np.arange(n_pos), k)
        return rows, starts.reshape(-1).astype(np.int64), np.tile(slot_motif, n_pos)

    if isinstance(position, str):
        if position != "random":
            raise InputError(
                f"`position` = {position!r} is not understood; pass 'random', a 1-based start "
                "(int) or a list of starts, one per copy."
            )
        return _Layout(
            lambda rng, n_pos: expand(n_pos, _random_layout(rng, n_pos, length, slot_width))
        )

    fixed = _fixed_starts(position, k, slot_width, length)
    return _Layout(lambda rng, n_pos: expand(n_pos, np.tile(fixed, (n_pos, 1))))


def _fixed_starts(position: Any, k: int, slot_width: np.ndarray, length: int) -> np.ndarray:
    if isinstance(position, (int, float, np.number)) and not isinstance(position, bool):
        if k != 1:
            raise InputError(
                f"`position` = {position} fixes one start, but each positive sequence gets {k} "
                "copies; pass a list of 1-based starts (one per copy, in motif order), "
                "position='random', or `recur_every=`."
            )
        position = [position]
    if not isinstance(position, (list, tuple, np.ndarray)):
        raise ArgumentTypeError(
            f"`position` must be 'random', an int or a list of ints; got {type(position).__name__}."
        )
    if len(position) != k:
        raise InputError(
            f"`position` gives {len(position)} start(s) but each positive sequence gets {k} "
            "copies; pass one 1-based start per copy, in motif order."
        )
    starts = np.array([check_int(p, "position", 1) for p in position], dtype=np.int64) - 1
    ends = starts + slot_width
    if np.any(ends > length):
        i = int(np.flatnonzero(ends > length)[0])
        raise InputError(
            f"`position` {starts[i] + 1} puts a {slot_width[i]} bp copy at {starts[i] + 1}..{ends[i]}, "
            f"past the sequence end ({length}); pass a start <= {length - slot_width[i] + 1}."
        )
    o = np.argsort(starts)
    if np.any(starts[o][1:] < ends[o][:-1]):
        raise InputError(
            f"`position` = {list(position)} makes copies overlap; space the starts by at least "
            "the motif widths."
        )
    return starts


def _recurrent_plan(
    length: int,
    widths_m: np.ndarray,
    position: Any,
    n_copies: int | None,
    recur_every: Any,
    recur_jitter: Any,
) -> _Layout:
    w_max = int(widths_m.max())
    d = check_int(recur_every, "recur_every", 1)
    if d < w_max:
        raise InputError(
            f"`recur_every` = {d} is shorter than the motif ({w_max} bp), so copies would "
            f"overlap; pass recur_every >= {w_max}."
        )
    j_max = (d - w_max) // 2
    if recur_jitter is None:
        j = min(d // 10, j_max)
    else:
        j = check_int(recur_jitter, "recur_jitter", 0)
        if j > j_max:
            raise InputError(
                f"`recur_jitter` = {j} lets copies {d} bp apart overlap a {w_max} bp motif; pass "
                f"recur_jitter <= {j_max} (= (recur_every - width) // 2)."
            )
    m = widths_m.size
    fixed_first = None
    if not (isinstance(position, str) and position == "random"):
        if isinstance(position, (str, bool)) or not isinstance(position, (int, float, np.number)):
            raise InputError(
                f"with `recur_every`, `position` must be 'random' or the 1-based start of the first "
                f"copy (int); got {position!r}."
            )
        fixed_first = check_int(position, "position", 1, length - w_max + 1) - 1
    # Copy i may start anywhere in [first + i d - j, first + i d + j]; it counts if it fits
    # even at +j, so jitter never pushes a copy past the end.
    if fixed_first is not None:
        lo = hi = fixed_first
    else:  # first anchor in [j, j + d) so the whole chain is shifted uniformly
        lo, hi = j, min(j + d - 1, length - w_max - j)
        if hi < lo:  # too short for the jitter margin: any start that fits
            lo, hi = 0, length - w_max
    if n_copies is not None:
        hi = min(hi, length - w_max - j - (n_copies - 1) * d)
        if hi < lo:
            need = lo + (n_copies - 1) * d + j + w_max
            raise InputError(
                f"{n_copies} copies every {recur_every} bp (jitter {j}) need {need} bp but "
                f"`length` = {length}; pass fewer `n_copies` or a longer `length`."
            )
    elif lo + w_max > length:
        raise InputError(
            f"no copy fits: the first start {lo + 1} plus the motif ({w_max} bp) passes `length` = "
            f"{length}; pass a smaller `position` or a longer `length`."
        )
    k_max = n_copies if n_copies is not None else max(1, (length - w_max - j - lo) // d + 1)

    def plan(rng: np.random.Generator, n_pos: int):
        first = rng.integers(lo, hi + 1, size=n_pos) if fixed_first is None else np.full(n_pos, lo)
        i = np.arange(k_max)
        anchors = first[:, None] + i[None, :] * d
        jitter = rng.integers(-j, j + 1, size=(n_pos, k_max))
        if fixed_first is not None:
            jitter[:, 0] = 0  # the given position is exact
        starts = anchors + jitter
        if n_copies is None:
            keep = anchors + j + w_max <= length  # the first copy always fits (checked above)
            keep[:, 0] = True
        else:
            keep = np.ones_like(anchors, dtype=bool)
        starts = np.clip(starts, 0, length - w_max)
        rows = np.broadcast_to(np.arange(n_pos)[:, None], anchors.shape)[keep]
        motif_idx = np.broadcast_to(i % m, anchors.shape)[keep]
        return rows, starts[keep].astype(np.int64), motif_idx

    return _Layout(plan, jitter=j)


def preset(name: str, *, n: int = 10_000, length: int = 600, seed: Any = None) -> SyntheticDataset:
    """The poster's synthetic datasets, ready made.

    ==================  =====================================================
    name                dataset (50 % of sequences carry the motif)
    ==================  =====================================================
    ``entropy_high``    ``GGTTCGACACGAGTATAGCTAGTATACTCCG`` (31 bp as printed)
    ``entropy_medium``  ``TATAGCGCAGCCCTTATGGAGAGTCCATGA``
    ``entropy_low``     ``TATAG`` x 6
    ``entropy_lowest``  ``A`` x 30
    ``recurrent_high``  the high motif about every 100 bp (jitter +-10)
    ``length_10/20/50`` the first 10/20/50 bases of :data:`LENGTH_MOTIF_50`
    ==================  =====================================================

    Backgrounds are iid uniform, copies on the forward strand at random positions.

    Parameters
    ----------
    name : str
        One of :data:`PRESET_NAMES`.
    n, length : int
        Number and length of sequences. Default 10,000 x 600 bp (the poster).
    seed : None, int or numpy.random.Generator
        Randomness. Default is None.

    Returns
    -------
    SyntheticDataset

    Examples
    --------
    >>> ds = preset("entropy_low", n=10, length=100, seed=0)
    >>> ds.truth["motif"].iloc[0]
    'TATAGTATAGTATAGTATAGTATAGTATAG'
    """
    if not isinstance(name, str) or name not in _PRESETS:
        raise InputError(
            f"`name` = {name!r} is not a preset; choose one of {', '.join(PRESET_NAMES)}."
        )
    ds = simulate_motifs(n, length, share=0.5, seed=seed, **_PRESETS[name])
    ds.settings["preset"] = name
    ds.truth.attrs["settings"] = ds.settings
    return ds


#
