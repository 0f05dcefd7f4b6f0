"""Evolutionary erasure: which few segments must be blanked to break a prediction?

A genetic algorithm searches sets of ``n_segments`` segments of ``segment_length``
bases (on a grid or at free starts, see :mod:`.erasure_search`); an individual's
fitness is the drop ``F(x) - F(x with its segments erased)`` of the target. Several
independent restarts, a null of random segment sets of the same size (z-score and
empirical p-value), and a checkpoint written after every generation (a resumed run
equals an uninterrupted one) make the answer reproducible and comparable.

Erased copies are built inside the batch callback of
:func:`~deepg_interpret.core.batching.run_batched`: a buffer of one batch of copies is
kept, and for each new individual only the segments of the previous occupant are
restored and the new ones blanked, so a batch costs ``O(segments)`` to build, not
``O(L)``, and memory holds one batch whatever the population (1 Mbp inputs included).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..checks import check_choice, check_fraction, check_int, check_seed
from ..core.batching import predict, run_batched
from ..core.decisions import decision_keys, decision_step
from ..core.prepare import model_layout, prepare, run_settings
from ..errors import BaselineError, InputError
from ..io.files import atomic_write
from ..model.adapter import ModelAdapter
from ..model.keras_backend import keras_module_of
from ..results.erasure import EvolutionaryErasureResult
from .erasure_gap import PAD_BUCKET, GapFitness, gap_plan
from .erasure_search import (
    SELECTIONS,
    SegmentSpace,
    default_generations,
    default_patience,
    default_population,
    next_generation,
)

ERASURE_BASELINES = ("zero", "uniform")
CHECKPOINT_VERSION = 2  # 2: decisions on quantized drops (core.decisions)


class ErasureEvaluator:
    """Drops of segment sets of one sequence, evaluated in batches and cached by set.

    Parameters
    ----------
    adapter : ModelAdapter
    x : np.ndarray
        The sequence in the model's layout, ``(1, *item)``.
    target : int
    space : SegmentSpace
    fill : float
        Value of erased cells (0 = deepG's blank, ``1/C`` = uniform).
    fast : bool
        For global-average-pooling chains, recompute only the regions the segments
        touch (:mod:`.erasure_gap`), after checking on a few individuals that this
        equals full passes; otherwise (or when the check fails) full passes.
    """

    def __init__(self, adapter: ModelAdapter, x: np.ndarray, target: int, space: SegmentSpace,
                 fill: float, *, memory_budget=None, batch_size=None, fast: bool = True):
        self.adapter, self.target, self.space, self.fill = adapter, target, space, fill
        self.item = x.shape[1:]
        self.flat = x.reshape(-1, x.shape[-1])
        self.memory_budget, self.batch_size = memory_budget, batch_size
        self.cache: dict[bytes, float] = {}
        self.n_evaluated = 0
        self._buffer: np.ndarray | None = None
        self._occupant: list[np.ndarray | None] = []
        self.gap: GapFitness | None = None
        self.f_reference = float(self.outputs(np.zeros((0,), dtype=np.int64)[None])[0])
        # The search compares drops on a grid fixed by the target's range here (the
        # reference and the fully blanked input), so float noise cannot reorder them.
        blank = np.full((1,) + self.item, fill, dtype=np.float32)
        f_blank = float(predict(adapter, blank, memory_budget=memory_budget,
                                batch_size=batch_size)[0, target])
        self.step = decision_step([self.f_reference, f_blank])
        if fast:
            self.gap = self._gap_fitness()

    def _gap_fitness(self) -> GapFitness | None:
        model = self.adapter.keras_model
        if len(self.item) != 2 or len(model.inputs) != 1 or len(model.inputs[0].shape) != 3:
            return None
        keras_module = keras_module_of(model)
        # Built and traced once per model: later searches on it reuse the split.
        plan = self.adapter.compiled("erasure_gap_plan", lambda: gap_plan(model, keras_module))
        if plan is None:
            return None
        gap = GapFitness(plan, self.flat, self.space.segment_length, self.fill, self.space.starts)
        # Checked on two random sets and one at both sequence ends (own stream: the search's
        # random numbers are untouched).
        probe = self.space.random(np.random.default_rng(20240), 2)
        # n_segments < n_positions (checked), so these positions are distinct.
        ends = np.arange(self.space.n_segments, dtype=np.int64)
        ends[-1] = self.space.n_positions - 1
        probe = np.vstack([probe, ends[None]])
        ok = gap.verify(probe, lambda v: np.asarray(self.adapter.forward(v)))
        return gap if ok else None

    def _item_bytes(self) -> int:
        length = self.flat.shape[0]
        return self.adapter.item_bytes("forward", length) + 4 * self.flat.size

    def _rows(self, individuals: np.ndarray, a: int, b: int) -> tuple[np.ndarray]:
        count, seg = b - a, self.space.segment_length
        if self._buffer is None or self._buffer.shape[0] < count:
            self._buffer = np.repeat(self.flat[None], count, axis=0)
            self._occupant = [None] * count
        for j in range(count):
            old = self._occupant[j]
            if old is not None:  # undo the previous occupant's segments only
                for s in old:
                    self._buffer[j, s:s + seg] = self.flat[s:s + seg]
            starts = self.space.starts(individuals[a + j])
            for s in starts:
                self._buffer[j, s:s + seg] = self.fill
            self._occupant[j] = starts
        return (self._buffer[:count].reshape((count,) + self.item),)

    def outputs(self, individuals: np.ndarray, progress: bool = False) -> np.ndarray:
        """Target output with each individual's segments erased, ``(k,)`` float64 (uncached)."""
        out = np.empty(len(individuals), dtype=np.float64)
        if self.gap is not None:
            return self._gap_outputs(individuals, out, progress)

        def consume(a, b, result):
            out[a:b] = result[:, self.target]

        run_batched(self.adapter.forward, len(individuals),
                    lambda a, b: self._rows(individuals, a, b), consume,
                    item_bytes=self._item_bytes(), memory_budget=self.memory_budget,
                    batch_size=self.batch_size, progress=progress, desc="erased copies")
        self.n_evaluated += len(individuals)
        return out

    def _gap_outputs(self, individuals: np.ndarray, out: np.ndarray, progress: bool):
        gap, pending = self.gap, []
        seg, halo = self.space.segment_length, gap.plan.halo
        bases = min(self.flat.shape[0], self.space.n_segments * (seg + 2 * halo + PAD_BUCKET))
        share = bases / self.flat.shape[0]
        item_bytes = int(self.adapter.item_bytes("forward", self.flat.shape[0]) * share) + \
            8 * bases * self.flat.shape[-1]

        def make_batch(a, b):
            groups, edge = gap.batch(individuals[a:b])
            pending[:] = [it for g in groups for it in g] + edge
            return groups, edge

        def consume(a, b, features):
            delta = gap.deltas(b - a, pending, list(features))
            out[a:b] = gap.head_outputs(delta)[:, self.target]

        run_batched(gap.run, len(individuals), make_batch, consume, item_bytes=item_bytes,
                    memory_budget=self.memory_budget, batch_size=self.batch_size,
                    progress=progress, desc="erased copies (touched regions)")
        self.n_evaluated += len(individuals)
        return out

    def drops(self, individuals: np.ndarray) -> np.ndarray:
        """``F(x) - F(erased)`` per individual; sets seen before come from the cache."""
        keys = [np.ascontiguousarray(ind, dtype=np.int64).tobytes() for ind in individuals]
        todo = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if todo:
            fresh = np.stack([np.frombuffer(k, dtype=np.int64) for k in todo])
            for k, value in zip(todo, self.outputs(fresh)):
                self.cache[k] = self.f_reference - float(value)
        return np.array([self.cache[k] for k in keys], dtype=np.float64)


# --------------------------------------------------------------------------- checkpoint
def _save_checkpoint(path: Path, meta: dict, arrays: dict) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=np.array(json.dumps(meta)), **arrays)

    atomic_write(path, write)


def _load_checkpoint(path: Path) -> tuple[dict, dict] | None:
    if path.is_dir():
        raise InputError(
            f"checkpoint {str(path)!r} is a folder; it must be a file path, e.g. "
            f"{str(path / 'erasure.npz')!r} (created if missing, resumed from if present)")
    if not path.exists():
        if not path.parent.is_dir():
            raise InputError(f"checkpoint {str(path)!r}: its folder {str(path.parent)!r} does "
                             "not exist; create it or pass a path in an existing folder")
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in data.files if k != "meta"}
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise InputError(
            f"checkpoint {str(path)!r} cannot be read ({type(exc).__name__}: {exc}); delete it "
            "to start afresh, or pass another checkpoint path"
        ) from None
    if meta.get("version") != CHECKPOINT_VERSION:
        raise InputError(f"checkpoint {str(path)!r} was written by another version of the "
                         "erasure search; delete it or pass another checkpoint path")
    return meta, arrays


def _check_fingerprint(path: Path, saved: dict, current: dict) -> None:
    differ = [k for k in current if saved.get(k) != current[k]]
    if differ:
        raise InputError(
            f"checkpoint {str(path)!r} belongs to another run: {', '.join(differ)} differ "
            f"(saved {[saved.get(k) for k in differ]}, now {[current[k] for k in differ]}); "
            "pass the same arguments to resume, or another checkpoint path for a new run"
        )


# --------------------------------------------------------------------------- arguments
def _check_space(length: int, n_segments, segment_length, budget, grid: bool) -> SegmentSpace:
    segment_length = check_int(segment_length, "segment_length", 1)
    if segment_length > length:
        raise InputError(
            f"segments of segment_length = {segment_length} bases cannot fit the sequence of "
            f"{length} bases; pass a segment_length of at most {length}"
        )
    positions = length // segment_length if grid else length - segment_length + 1
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer,
                                                               np.floating)):
            raise InputError(f"budget must be a share of the sequence in (0, 1), got {budget!r}")
        budget = float(budget)
        if not 0.0 < budget < 1.0:
            raise InputError(
                f"budget = {budget} is outside (0, 1); it is the largest share of the sequence "
                "that may be erased, e.g. budget=0.1 for 10%"
            )
    if n_segments is None:
        if budget is None:
            raise InputError("give n_segments, or a budget from which it follows "
                             "(n_segments = floor(budget * length / segment_length))")
        n_segments = int(np.floor(budget * length / segment_length + 1e-9))
        if n_segments < 1:
            raise InputError(
                f"budget = {budget} of {length} bases is less than one segment of "
                f"{segment_length} bases; raise the budget or shorten segment_length"
            )
    n_segments = check_int(n_segments, "n_segments", 1)
    if n_segments > positions:
        where = "grid slots" if grid else "segment starts"
        raise InputError(
            f"n_segments = {n_segments} segments of {segment_length} bases cannot fit the "
            f"sequence of {length} bases ({positions} {where}); pass at most {positions}"
        )
    if n_segments == positions:
        raise InputError(
            f"n_segments = {n_segments} would erase every segment position of the sequence "
            "(nothing to search); pass fewer segments"
        )
    if budget is not None and n_segments * segment_length > budget * length + 1e-9:
        raise InputError(
            f"{n_segments} segments of {segment_length} bases erase up to "
            f"{n_segments * segment_length / length:.4g} of the sequence, over budget = {budget}; "
            f"pass at most n_segments = {int(np.floor(budget * length / segment_length + 1e-9))}"
        )
    return SegmentSpace(length, segment_length, n_segments, bool(grid))


def evolutionary_erasure(model, sequence, *, target, segment_length: int,
                         n_segments: int | None = None, budget: float | None = None,
                         grid: bool = True, population: int | None = None,
                         generations: int | None = None, restarts: int = 3,
                         selection: str = "tournament", mutation_rate: float | None = None,
                         n_elite: int | None = None, patience: int | None = None,
                         n_null: int = 100, baseline: str = "zero", seed=None,
                         checkpoint=None, on_generation: Callable | None = None,
                         fast: bool = True, output: str | None = None, class_names=None, memory_budget=None,
                         batch_size: int | None = None, progress: bool = True,
                         **encode_options) -> EvolutionaryErasureResult:
    """Search the set of segments whose erasure drops the target's output most.

    Parameters
    ----------
    model : keras model, path or ModelAdapter
        Fixed-length, variable-length (deepG's ``maxlen = None``: whole genomes) and
        set (time-distributed) models; the sequence must be one model input.
    sequence : str, FASTA path, one-hot array, ...
        One sequence (see :func:`encode`); for set models the members concatenated.
    target : int or str
        Output whose drop is maximised: 0-based index or class name.
    segment_length : int
        Bases per segment.
    n_segments : int, optional
        Segments per individual. Default: ``floor(budget * L / segment_length)``.
    budget : float, optional
        Largest share of the sequence erased, in (0, 1): a hard constraint, checked
        up front (``n_segments * segment_length <= budget * L``); every individual
        holds ``n_segments`` distinct positions, so none ever erases more. Default:
        the share ``n_segments`` segments erase.
    grid : bool
        Segments on a grid of ``segment_length`` (never overlapping; default) or at
        free starts (overlaps possible, erased once, so the share can only shrink).
    population, generations : int, optional
        Individuals per generation and the most generations per restart. Defaults
        grow with the square root of the number of segment positions (16..64 and
        20..200).
    restarts : int
        Independent searches (own seed streams). Default 3.
    selection : {"tournament", "rank"}
        Parent selection: best of 3 drawn, or linear rank weights.
    mutation_rate : float, optional
        Chance per segment of a move or a jump. Default ``1 / n_segments``.
    n_elite : int, optional
        Best individuals copied unchanged. Default ``max(1, population // 16)``.
    patience : int, optional
        Generations without a better best before a restart stops. Default
        ``max(10, generations // 4)``.
    n_null : int
        Random segment sets (same number and size) for the null. Default 100.
    baseline : {"zero", "uniform"}
        Fill of erased bases: all-zero rows (deepG's blank) or ``1/C``.
    seed : int, optional
        Same seed, same segments, whatever the batch size, memory budget, thread count,
        oneDNN setting or CPU, and after resuming. Every comparison of the search
        (tournaments, ranks, elites, the best of a generation and of the restarts) is
        made on drops rounded to ``settings["decision_step"]`` = ``1e-4`` times the
        power of ten of ``max(|F(x)|, |F(blank)|)`` (:mod:`~deepg_interpret.core.decisions`),
        ties going to the lower population index or restart; the reported drops are
        not rounded.
    checkpoint : str or Path, optional
        File (``.npz``) written atomically after every generation; when it exists,
        the run resumes from it (with the same arguments; otherwise an error).
    on_generation : callable, optional
        ``on_generation(run, generation, best)`` after each generation (and its
        checkpoint); an exception raised there stops the run (resumable).
    fast : bool
        Global-average-pooling CNNs (deepG's ``gap = TRUE``): recompute only the trunk
        outputs whose receptive field meets an erased segment and reuse the rest
        (checked against full passes on a few sets first; full passes when the check
        fails or the model is not such a chain). Default True.
    output, class_names, memory_budget, batch_size, progress, **encode_options
        As for :func:`integrated_gradients`; ``batch_size`` counts erased copies.

    Returns
    -------
    EvolutionaryErasureResult
        ``.segments_table()`` (``run, start, end, frequency``), ``.history_table()``
        (``run, generation, best, mean``), ``.summary_table()`` (``f_reference,
        f_erased, best, null_mean, null_sd, z, p_value``, ...), ``.null_table()``,
        ``.mask()``.

    Examples
    --------
    >>> import keras
    >>> m = keras.Sequential([keras.Input((None, 4)), keras.layers.GlobalAveragePooling1D(),
    ...                       keras.layers.Dense(1)])
    >>> res = evolutionary_erasure(m, "ACGT" * 50, target=0, segment_length=10, n_segments=2,
    ...                            generations=3, restarts=1, n_null=5, seed=1, progress=False)
    >>> res.summary_table()[["best", "n_null"]].shape
    (1, 2)
    """
    grid = bool(grid)
    restarts = check_int(restarts, "restarts", 1, 1000)
    selection = check_choice(selection, "selection", SELECTIONS)
    baseline = check_choice(baseline, "baseline", ERASURE_BASELINES, BaselineError)
    n_null = check_int(n_null, "n_null", 0, 1_000_000)
    seed = check_seed(seed)
    if on_generation is not None and not callable(on_generation):
        raise InputError("on_generation must be a function (run, generation, best) or None")
    prepared = prepare(model, sequence, output=output, class_names=class_names,
                       function="evolutionary_erasure", **encode_options)
    adapter, inputs = prepared.adapter, prepared.inputs
    if len(inputs) != 1 or inputs.windowed or inputs.padding is not None:
        raise InputError(
            f"evolutionary_erasure explains one model input, got {len(inputs)} row(s)"
            + (" cut into windows" if inputs.windowed else "")
            + (" with padding" if inputs.padding is not None else "")
            + "; pass one sequence of the model's length (any length for maxlen = None models)"
        )
    target_index = adapter.resolve_target(target)
    x = model_layout(adapter, inputs)
    space = _check_space(inputs.length, n_segments, segment_length, budget, grid)
    population = (default_population(space) if population is None
                  else check_int(population, "population", 2, 100_000))
    generations = (default_generations(space) if generations is None
                   else check_int(generations, "generations", 0, 1_000_000))
    patience = (default_patience(generations) if patience is None
                else check_int(patience, "patience", 1))
    n_elite = (max(1, population // 16) if n_elite is None
               else check_int(n_elite, "n_elite", 0, population - 1))
    mutation_rate = (1.0 / space.n_segments if mutation_rate is None
                     else check_fraction(mutation_rate, "mutation_rate"))

    path = None if checkpoint is None else Path(checkpoint).expanduser()
    loaded = None if path is None else _load_checkpoint(path)
    entropy = seed
    if entropy is None:
        # A drawn seed that check_seed accepts: settings["seed_used"] reruns this search.
        entropy = (loaded[0]["fingerprint"]["seed_entropy"] if loaded
                   else int(np.random.default_rng().integers(0, 2**63 - 1)))
    fill = 0.0 if baseline == "zero" else 1.0 / x.shape[-1]
    evaluator = ErasureEvaluator(adapter, x, target_index, space, fill, fast=bool(fast),
                                 memory_budget=memory_budget, batch_size=batch_size)
    fingerprint = {
        "length": space.length, "segment_length": space.segment_length,
        "n_segments": space.n_segments, "grid": grid, "population": population,
        "generations": generations, "restarts": restarts, "selection": selection,
        "mutation_rate": mutation_rate, "n_elite": n_elite, "patience": patience,
        "n_null": n_null, "baseline": baseline, "target": target_index,
        "output": adapter.output, "fast_path": evaluator.gap is not None, "seed_entropy": int(entropy),
        "sequence_sha1": hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest(),
    }
    streams = np.random.SeedSequence(int(entropy)).spawn(restarts + 1)
    state = {"run": 0, "generation": 0, "best": -np.inf, "best_key": -np.inf, "stale": 0,
             "rng": None, "decision_step": evaluator.step}
    history: list[tuple] = []
    run_starts: list[np.ndarray] = []
    run_drops: list[float] = []
    pop = None
    best_ind = None
    if loaded:
        meta, arrays = loaded
        _check_fingerprint(path, meta["fingerprint"], fingerprint)
        state = meta["state"]
        # The grid of the first session, so a resumed search decides as the original.
        evaluator.step = float(state["decision_step"])
        history = [tuple(row) for row in arrays["history"].tolist()]
        run_starts = list(arrays["run_starts"]) if len(arrays["run_starts"]) else []
        run_drops = arrays["run_drops"].tolist()
        pop = arrays["population"] if arrays["population"].size else None
        best_ind = arrays["best_ind"] if arrays["best_ind"].size else None
        for key, value in zip(arrays["cache_keys"], arrays["cache_values"]):
            evaluator.cache[np.ascontiguousarray(key, dtype=np.int64).tobytes()] = float(value)

    def save(rng_state) -> None:
        if path is None:
            return
        keys = list(evaluator.cache)
        cache_keys = (np.stack([np.frombuffer(k, dtype=np.int64) for k in keys]) if keys
                      else np.zeros((0, space.n_segments), dtype=np.int64))
        _save_checkpoint(path, {
            "version": CHECKPOINT_VERSION, "fingerprint": fingerprint,
            "state": {**state, "best": float(state["best"]),
                      "best_key": float(state["best_key"]), "rng": rng_state},
        }, {
            "history": np.array(history, dtype=np.float64).reshape(-1, 4),
            "run_starts": np.array(run_starts, dtype=np.int64).reshape(-1, space.n_segments),
            "run_drops": np.array(run_drops, dtype=np.float64),
            "population": (np.zeros((0, space.n_segments), np.int64) if pop is None else pop),
            "best_ind": np.zeros(0, np.int64) if best_ind is None else best_ind,
            "cache_keys": cache_keys,
            "cache_values": np.array([evaluator.cache[k] for k in keys], dtype=np.float64),
        })

    from tqdm.auto import tqdm

    bar = tqdm(total=restarts * (generations + 1), initial=len(history), disable=not progress,
               desc="evolutionary erasure", unit="gen", leave=False, dynamic_ncols=True)
    try:
        while state["run"] < restarts:
            run = state["run"]
            rng = np.random.default_rng(streams[run])
            if pop is None:  # a fresh restart
                pop = space.random(rng, population)
                state.update(generation=0, best=-np.inf, best_key=-np.inf, stale=0)
                best_ind = None
            else:
                rng.bit_generator.state = state["rng"]
            while True:
                fit = evaluator.drops(pop)
                keys = decision_keys(fit, evaluator.step)  # every decision compares these
                g = state["generation"]
                i = int(np.argmax(keys))  # ties: the first in population order
                history.append((run + 1, g, float(fit[i]), float(fit.mean())))
                if keys[i] > state["best_key"]:
                    state.update(best=float(fit[i]), best_key=float(keys[i]), stale=0)
                    best_ind = pop[i].copy()
                else:
                    state["stale"] += 1
                bar.update(1)
                bar.set_postfix(run=run + 1, best=f"{state['best']:.4g}", refresh=False)
                if g >= generations or state["stale"] >= patience:
                    bar.update(generations - g)
                    run_starts.append(best_ind)
                    run_drops.append(state["best"])
                    pop, best_ind = None, None
                    state.update(run=run + 1, generation=0, best=-np.inf, best_key=-np.inf,
                                 stale=0)
                    save(None)
                    if on_generation is not None:
                        on_generation(run + 1, g, run_drops[-1])
                    break
                pop = next_generation(pop, keys, space, rng, selection=selection,
                                      n_elite=n_elite, mutation_rate=mutation_rate)
                state["generation"] = g + 1
                save(rng.bit_generator.state)
                if on_generation is not None:
                    on_generation(run + 1, g, state["best"])
    finally:
        bar.close()

    null_sets = space.random(np.random.default_rng(streams[restarts]), n_null)
    null_drops = evaluator.drops(null_sets) if n_null else np.zeros(0)
    starts_arr = np.stack(run_starts)
    drops_arr = np.asarray(run_drops, dtype=np.float64)
    best_run = int(np.argmax(decision_keys(drops_arr, evaluator.step)))  # ties: first restart
    best = starts_arr[best_run]
    # The final prediction with the best mask, evaluated afresh rather than from the cache.
    f_erased = float(evaluator.outputs(best[None])[0])
    settings = {
        "segment_length": space.segment_length, "n_segments": space.n_segments,
        "budget": budget if budget is not None else space.n_segments * space.segment_length
        / space.length, "grid": grid, "population": population, "generations": generations,
        "restarts": restarts, "selection": selection, "mutation_rate": mutation_rate,
        "n_elite": n_elite, "patience": patience, "n_null": n_null, "baseline": baseline,
        "seed": seed, "seed_used": int(entropy), "n_evaluated": evaluator.n_evaluated,
        "checkpoint": None if path is None else str(path),
        "fast_path": evaluator.gap is not None, "decision_step": evaluator.step,
    }
    return EvolutionaryErasureResult(
        seq_id=inputs.seq_ids[0], target=target_index,
        target_name=adapter.target_name(target_index), length=space.length,
        segment_length=space.segment_length, f_reference=evaluator.f_reference,
        f_erased=f_erased,
        run_starts=space.starts(starts_arr),
        run_drops=drops_arr, history=np.array(history, dtype=np.float64).reshape(-1, 4),
        null_drops=np.asarray(null_drops, dtype=np.float64),
        settings=run_settings(adapter, "evolutionary_erasure", settings))


__all__ = ["evolutionary_erasure", "ErasureEvaluator", "ERASURE_BASELINES"]
