"""Global Importance Analysis (GIA; Koo et al. 2021, bioRxiv 10.1101/2020.09.08.288068).

The global importance of a pattern embedded at a position is the mean, over
backgrounds drawn from a null model, of the local effect
``f(background with the pattern) - f(background)`` (the paper's Eq. 2).

The engine (:func:`gia_arrays`) takes a *design*: patterns, and conditions that each
embed some of them at 0-based starts. The backgrounds' outputs are computed once and
reused by every condition; the embedded copies are built batch by batch inside
:func:`run_batched`, so memory holds one batch of sequences whatever the number of
conditions (a 4^k k-mer scan streams). Random patterns (IUPAC codes other than ``N``,
PWMs) are drawn once per pattern and background from the seed, so a PWM embedded at
several positions is the same draw on a given background (paired comparisons).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ...checks import check_fraction, check_int, check_seed, seed_setting
from ...core.batching import predict, run_batched
from ...core.prepare import resolve_adapter, run_settings
from ...errors import ArgumentTypeError, InputError
from ...model.adapter import ModelAdapter
from ...results.gia import GlobalImportanceResult
from .inputs import Pattern, check_no_overlap, make_backgrounds, make_pattern, onehot_of_codes


class Placement(NamedTuple):
    """Pattern ``pattern`` (index into the design's patterns) at 0-based ``start``."""

    pattern: int
    start: int


class GIAArrays(NamedTuple):
    """Array layer of GIA."""

    f_background: np.ndarray  # float64 (n,)
    f_embedded: np.ndarray    # float64 (k, n)
    batch_size: int
    seconds: float


def check_placements(patterns: list[Pattern], conditions, length: int) -> None:
    """Every placement inside ``[0, length)``; the error names the pattern and position."""
    for placements in conditions:
        for pl in placements:
            width = patterns[pl.pattern].width
            if width > length:
                raise InputError(
                    f"pattern {patterns[pl.pattern].name!r} ({width} bp) is longer than the "
                    f"sequences ({length} bp); use a shorter pattern or longer backgrounds."
                )
            if pl.start < 0 or pl.start + width > length:
                raise InputError(
                    f"position {pl.start + 1} is out of range for pattern "
                    f"{patterns[pl.pattern].name!r} ({width} bp) in sequences of {length} bp; "
                    f"1-based positions run from 1 to {length - width + 1}."
                )


def model_length(adapter: ModelAdapter, length=None) -> int | None:
    """The explained sequence length: the model's (set models: members concatenated)."""
    item = adapter.item_shape
    model_len = None if item[-2] is None else int(np.prod(item[:-1]))
    if length is not None:
        length = check_int(length, "length", 1)
        if model_len is not None and length != model_len:
            raise InputError(
                f"length = {length} but the model takes {model_len} bp; leave length unset."
            )
        return length
    return model_len


def gia_arrays(adapter: ModelAdapter, backgrounds: np.ndarray, patterns: list[Pattern],
               conditions: list[tuple[Placement, ...]], *, target: int, seed=None,
               memory_budget=None, batch_size=None, progress: bool = True,
               desc: str = "global importance") -> GIAArrays:
    """Model outputs on the backgrounds and on every condition embedded in every background.

    Parameters
    ----------
    adapter : ModelAdapter
    backgrounds : np.ndarray
        float32 (n, L, C), C = 4 (A, C, G, T).
    patterns : list of Pattern
    conditions : list of tuples of Placement
        Condition ``i`` embeds its placements in order (a later one overwrites an
        earlier one where they overlap).
    target : int
        0-based output index.
    seed : int, SeedSequence or None
        Randomness of the random patterns.
    """
    n, length = backgrounds.shape[0], backgrounds.shape[1]
    check_placements(patterns, conditions, length)
    item = adapter.item_shape
    shape = (-1,) + tuple(d if d is not None else length for d in item)
    seeds = np.random.SeedSequence(seed) if not isinstance(seed, np.random.SeedSequence) else seed
    pattern_seeds = seeds.spawn(len(patterns))
    draws = {}  # random patterns only: (n, w) codes per pattern, from its own stream

    def rows_of(p: int, lo: int, hi: int) -> np.ndarray:
        pattern = patterns[p]
        if not pattern.random:
            return pattern.codes[None]
        if p not in draws:
            draws[p] = pattern.draw(np.random.default_rng(pattern_seeds[p]), n)
        return draws[p][lo:hi]

    # As core.batching.predict does: per-item memory at the member length (set models) or,
    # for models of any length, at this length.
    item_bytes = adapter.item_bytes("forward", item[-2] if item[-2] is not None else length)
    item_bytes += 2 * length * backgrounds.shape[2] * 4  # the embedded copy being built
    out_bg = predict(adapter, backgrounds.reshape(shape), memory_budget=memory_budget,
                     batch_size=batch_size)[:, target].astype(np.float64)
    k = len(conditions)
    out = np.empty(k * n, dtype=np.float64)

    def make_batch(start, stop):
        idx = np.arange(start, stop)
        x = backgrounds[idx % n]  # a copy: the embedding writes into it
        cond = idx // n
        for c in np.unique(cond):
            lo = int(np.searchsorted(cond, c))
            hi = int(np.searchsorted(cond, c, side="right"))
            b0 = int(idx[lo] % n)  # rows lo..hi are backgrounds b0..b0 + (hi - lo) of c
            for pl in conditions[c]:
                codes = rows_of(pl.pattern, b0, b0 + hi - lo)
                seg = x[lo:hi, pl.start:pl.start + codes.shape[1]]
                keep = (codes == 255)[..., None]
                seg[...] = np.where(keep, seg, onehot_of_codes(codes))
        return (x.reshape(shape),)

    def consume(start, stop, result):
        out[start:stop] = result[:, target]

    info = run_batched(adapter.forward, k * n, make_batch, consume, item_bytes=item_bytes,
                       memory_budget=memory_budget, batch_size=batch_size, progress=progress,
                       desc=desc)
    return GIAArrays(out_bg, out.reshape(k, n), info["batch_size"], info["seconds"])


def as_pattern_list(patterns, arg: str = "patterns") -> list[Pattern]:
    """One pattern spec or a list/dict of them -> named Patterns (dict keys are names)."""
    if isinstance(patterns, dict):
        items = list(patterns.items())
    elif isinstance(patterns, (list, tuple)) and not _is_matrix(patterns):
        items = [(None, p) for p in patterns]
    else:
        items = [(None, patterns)]
    if not items:
        raise InputError(f"`{arg}` is empty; pass at least one pattern, e.g. 'TGCATG'.")
    out = [make_pattern(p, arg=arg, name=None if name is None else str(name))
           for name, p in items]
    names = [p.name for p in out]
    if len(set(names)) != len(names):  # keep labels unique so tables can be grouped
        out = [Pattern(f"{p.name}#{i + 1}", p.codes, p.probs) for i, p in enumerate(out)]
    return out


def _is_matrix(x) -> bool:
    return len(x) > 0 and all(isinstance(r, (list, tuple)) and len(r) == 4 and
                              all(isinstance(v, (int, float)) for v in r) for r in x)


def as_positions(positions, arg: str = "positions") -> list[int]:
    """1-based positions (an int or a sequence of ints) -> list of 0-based starts."""
    if isinstance(positions, (int, np.integer, float)) and not isinstance(positions, bool):
        positions = [positions]
    if isinstance(positions, range):
        positions = list(positions)
    if not isinstance(positions, (list, tuple, np.ndarray)) or len(positions) == 0:
        raise ArgumentTypeError(
            f"`{arg}` must be a 1-based position or a list of them; got {positions!r}."
        )
    return [check_int(p, arg, 1) - 1 for p in positions]


class Setup(NamedTuple):
    adapter: ModelAdapter
    target: int
    backgrounds: np.ndarray
    description: dict
    seeds: list


def setup(model, *, target, background, n_backgrounds, source, gc, length, seed, output,
          class_names) -> Setup:
    """Adapter, resolved target and backgrounds, shared by every experiment."""
    seed = check_seed(seed)
    adapter = resolve_adapter(model, output=output, class_names=class_names)
    target_index = adapter.resolve_target(target)
    seeds = np.random.SeedSequence(seed).spawn(2)  # backgrounds, patterns
    length = model_length(adapter, length)
    bg, desc = make_backgrounds(background, n=n_backgrounds, length=length,
                                n_channels=adapter.n_channels, source=source, gc=gc,
                                seed=seeds[0])
    if adapter.n_channels != 4:
        raise InputError(
            f"GIA embeds DNA patterns (A, C, G, T) but the model has {adapter.n_channels} "
            "input channels."
        )
    desc = {**desc, "seed": seed_setting(seed)}
    return Setup(adapter, target_index, bg, desc, seeds)


def run_design(s: Setup, experiment: str, patterns: list[Pattern], conditions, labels: dict,
               *, result_type=GlobalImportanceResult, level=0.95, settings=None,
               memory_budget=None, batch_size=None, progress=True, **result_fields):
    """Run a design and wrap it in a result (``labels``: columns of ``conditions``)."""
    level = check_fraction(level, "level", upper_open=True)
    arrays = gia_arrays(s.adapter, s.backgrounds, patterns, conditions, target=s.target,
                        seed=s.seeds[1], memory_budget=memory_budget, batch_size=batch_size,
                        progress=progress, desc=experiment.replace("_", " "))
    frame = pd.DataFrame({"experiment": experiment, **labels})
    frame["position"] = frame["position"].astype(np.int32)
    run = {"experiment": experiment, "background": s.description,
           "n_backgrounds": int(s.backgrounds.shape[0]), "length": int(s.backgrounds.shape[1]),
           "n_conditions": len(conditions), "batch_size": arrays.batch_size,
           "seconds": round(arrays.seconds, 3), **(settings or {})}
    return result_type(experiment=experiment, conditions=frame,
                       f_background=arrays.f_background, f_embedded=arrays.f_embedded,
                       target=s.target, target_name=s.adapter.target_name(s.target), level=level,
                       settings=run_settings(s.adapter, "global_importance", run),
                       **result_fields)


def global_importance(model, *, target, patterns, positions, background: Any = "iid",
                      n_backgrounds: int = 1000, source=None, gc: float | None = None,
                      length: int | None = None, together: bool = False, seed=None,
                      level: float = 0.95, output: str | None = None, class_names=None,
                      memory_budget=None, batch_size=None,
                      progress: bool = True) -> GlobalImportanceResult:
    """Global importance of patterns embedded at positions in null-model backgrounds.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        See :func:`load_model`.
    target : int or str
        Output to explain: 0-based index or class name.
    patterns : str, PWM, Motif, or a list / dict of them
        DNA/IUPAC strings (fixed letters overwrite the background, ``N`` keeps it,
        R/Y/... are drawn per background), PWMs (w, 4) or :class:`Motif` objects
        (drawn per background). Dict keys name the patterns.
    positions : int or list of int
        1-based start positions.
    background : str, frequencies, MarkovModel or np.ndarray
        Null model: ``"iid"`` (uniform; ``gc=`` or 4 base frequencies for others),
        ``"profile"``, ``"shuffle"``, ``"dinuc_shuffle"`` or ``"sample"`` of
        ``source``, a FASTA path (its sequences, cut into windows), or an explicit
        array (n, L, 4). Default ``"iid"``.
    n_backgrounds : int
        Backgrounds drawn (the paper: 1,000). Ignored for explicit arrays.
    source : sequences, optional
        Sequences the ``profile`` / ``shuffle`` / ``dinuc_shuffle`` / ``sample`` null
        models are built from (strings, FASTA path, one-hot array).
    gc : float, optional
        GC content of the iid background.
    length : int, optional
        Background length for models that take any length.
    together : bool
        False (default): one condition per pattern and position. True: all patterns
        embedded together, pattern ``i`` at ``positions[i]``.
    seed : int, optional
        Seed of backgrounds and random patterns.
    level : float
        Confidence level of the t-based interval of the mean. Default 0.95.
    output : {"probability", "logit"}, optional
    class_names : list of str, optional
    memory_budget, batch_size, progress
        See :func:`run_batched`.

    Returns
    -------
    GlobalImportanceResult
        ``.global_table()``, ``.local_table()``, ``.effects`` (k, n).

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((20, 4)), keras.layers.Flatten(),
    ...                       keras.layers.Dense(1, activation="sigmoid")])
    >>> res = global_importance(m, target=0, patterns="TATAAT", positions=[3, 10],
    ...                         n_backgrounds=50, seed=1, progress=False)
    >>> res.global_table()[["pattern", "position", "n"]].values.tolist()
    [['TATAAT', 3, 50], ['TATAAT', 10, 50]]
    """
    pats = as_pattern_list(patterns)
    starts = as_positions(positions)
    if not isinstance(together, bool):
        raise ArgumentTypeError(f"`together` must be True or False; got {together!r}.")
    if together and len(starts) != len(pats):
        raise InputError(
            f"together=True embeds pattern i at positions[i]: give one position per pattern "
            f"({len(pats)} patterns, {len(starts)} positions)."
        )
    if together:  # the rule of multiplicity and interaction: embedded patterns do not overlap
        check_no_overlap([(st, p.width, f"pattern {i + 1} ({p.name!r})")
                          for i, (p, st) in enumerate(zip(pats, starts))], "positions")
    s = setup(model, target=target, background=background, n_backgrounds=n_backgrounds,
              source=source, gc=gc, length=length, seed=seed, output=output,
              class_names=class_names)
    if together:
        conditions = [tuple(Placement(i, st) for i, st in enumerate(starts))]
        labels = {"pattern": ["+".join(p.name for p in pats)], "position": [starts[0] + 1]}
    else:
        conditions = [(Placement(i, st),) for i in range(len(pats)) for st in starts]
        labels = {"pattern": [p.name for p in pats for _ in starts],
                  "position": [st + 1 for _ in pats for st in starts]}
    return run_design(s, "embed", pats, conditions, labels, level=level,
                      settings={"together": together}, memory_budget=memory_budget,
                      batch_size=batch_size, progress=progress)


__all__ = ["global_importance", "gia_arrays", "GIAArrays", "Placement", "setup", "run_design",
           "as_pattern_list", "as_positions", "check_placements", "model_length"]
