"""Genetic-algorithm operators of the evolutionary erasure (numpy only, no model).

An individual is a sorted int64 array of ``n_segments`` distinct positions in a
:class:`SegmentSpace`: grid slots (segment ``k`` covers bases ``[k * len, (k+1) * len)``,
so segments never overlap) or free starts ``0 .. L - len`` (segments may overlap; the
overlap is erased once). Every operator keeps ``n_segments`` distinct positions, so
the erased share never exceeds ``n_segments * segment_length / L``, the budget that
:func:`~deepg_interpret.methods.erasure.evolutionary_erasure` checks up front.

Every random choice comes from the ``np.random.Generator`` passed in, in a fixed
order, and ``fitness`` is the drops' decision keys (:func:`~deepg_interpret.core.decisions.decision_keys`),
whose ties go to the lower population index: a run is a function of its seed, the
same whatever the batch size, thread count or CPU that computed the drops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SELECTIONS = ("tournament", "rank")
TOURNAMENT_SIZE = 3
CROSSOVER_RATE = 0.9
MOVE_SHARE = 0.5  # share of segment mutations that move locally; the rest jump anywhere


@dataclass(frozen=True)
class SegmentSpace:
    """Where segments can lie in a sequence of ``length`` bases."""

    length: int
    segment_length: int
    n_segments: int
    grid: bool

    @property
    def n_positions(self) -> int:
        """Number of distinct segment positions."""
        if self.grid:
            return self.length // self.segment_length
        return self.length - self.segment_length + 1

    def starts(self, individual: np.ndarray) -> np.ndarray:
        """0-based first base of each segment."""
        individual = np.asarray(individual, dtype=np.int64)
        return individual * self.segment_length if self.grid else individual

    def max_move(self) -> int:
        """Largest local move, in positions: a segment length (free) or 2 slots (grid)."""
        return 2 if self.grid else self.segment_length

    def random(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` random individuals ``(count, n_segments)``, each sorted."""
        out = np.empty((count, self.n_segments), dtype=np.int64)
        for i in range(count):
            out[i] = np.sort(rng.choice(self.n_positions, self.n_segments, replace=False))
        return out


def select(fitness: np.ndarray, rng: np.random.Generator, count: int, method: str) -> np.ndarray:
    """Indices of ``count`` parents by tournament (best of 3 drawn) or linear rank selection."""
    size = len(fitness)
    if method == "tournament":
        draws = rng.integers(0, size, size=(count, TOURNAMENT_SIZE))
        # Best of each tournament; ties go to the earlier draw (deterministic).
        return draws[np.arange(count), np.argmax(fitness[draws], axis=1)]
    order = np.argsort(-fitness, kind="stable")
    weights = np.empty(size)
    weights[order] = np.arange(size, 0, -1, dtype=np.float64)  # best gets rank `size`
    return rng.choice(size, size=count, p=weights / weights.sum())


def crossover(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A child of two segment sets: the segments both share, plus a random choice of the
    others (so segments are swapped between the parents)."""
    if rng.random() >= CROSSOVER_RATE:
        return a.copy()
    common = np.intersect1d(a, b)
    pool = np.setdiff1d(np.union1d(a, b), common)
    need = len(a) - len(common)
    if need:
        common = np.concatenate([common, rng.choice(pool, need, replace=False)])
    return np.sort(common)


def mutate(individual: np.ndarray, space: SegmentSpace, rng: np.random.Generator,
           rate: float) -> np.ndarray:
    """Each segment with probability ``rate`` moves a little (up to :meth:`max_move`
    positions) or is replaced by one anywhere; a change that would land on another
    segment's position is dropped (positions stay distinct)."""
    child = individual.copy()
    hits = np.flatnonzero(rng.random(len(child)) < rate)
    n_pos = space.n_positions
    for k in hits:
        if rng.random() < MOVE_SHARE:
            step = int(rng.integers(1, space.max_move() + 1)) * (1 if rng.random() < 0.5 else -1)
            new = int(np.clip(child[k] + step, 0, n_pos - 1))
        else:
            new = int(rng.integers(0, n_pos))
        if new not in child:
            child[k] = new
    return np.sort(child)


def next_generation(population: np.ndarray, fitness: np.ndarray, space: SegmentSpace,
                    rng: np.random.Generator, *, selection: str, n_elite: int,
                    mutation_rate: float) -> np.ndarray:
    """Elites (the ``n_elite`` best, kept unchanged) plus children of selected parents."""
    size = len(population)
    elite = np.argsort(-fitness, kind="stable")[:n_elite]
    out = np.empty_like(population)
    out[:n_elite] = population[elite]
    n_children = size - n_elite
    parents = select(fitness, rng, 2 * n_children, selection)
    for j in range(n_children):
        child = crossover(population[parents[2 * j]], population[parents[2 * j + 1]], rng)
        out[n_elite + j] = mutate(child, space, rng, mutation_rate)
    return out


def default_population(space: SegmentSpace) -> int:
    """Twice the square root of the number of positions, even, within 16..64."""
    size = int(np.clip(2 * np.ceil(np.sqrt(space.n_positions)), 16, 64))
    return size + size % 2


def default_generations(space: SegmentSpace) -> int:
    """Five times the square root of the number of positions, within 20..200."""
    return int(np.clip(5 * np.ceil(np.sqrt(space.n_positions)), 20, 200))


def default_patience(generations: int) -> int:
    """Generations without improvement before a restart stops early."""
    return max(10, generations // 4)


__all__ = ["SegmentSpace", "SELECTIONS", "select", "crossover", "mutate", "next_generation",
           "default_population", "default_generations", "default_patience"]
