"""Background sequences: every sampler of "DNA without the signal" in one place.

Baselines for attribution (:mod:`deepg_interpret.dna.baselines`), synthetic data
(:mod:`deepg_interpret.synthetic`) and null models draw their backgrounds here, so
one seed gives the same sequences whichever of them asks.

Each sampler has a one-hot entry point (one sequence ``(L, C)`` in, ``(n, L, C)`` out,
for baselines) and/or a code-level one (``uint8`` codes A=0, C=1, G=2, T=3, for the
generators), drawing the same stream:

- iid bases with given frequencies or GC content: :func:`iid_background` (strings or
  codes), :func:`sample_iid_codes` (codes, any number of categories), :func:`base_probs`;
- GC-matched iid bases: :func:`gc_matched` (one-hot; G/C channels found by letter in
  ``vocabulary``), :func:`gc_matched_codes`;
- k-mer composition / order-k Markov chain: :func:`kmer_frequencies`,
  :func:`fit_markov` -> :class:`MarkovModel` ``.sample()`` (strings or codes);
- position shuffle: :func:`shuffle_positions` (one-hot), :func:`shuffle_codes`;
- dinucleotide shuffle (exact counts, Euler path): :func:`dinuc_shuffle` (one-hot),
  :func:`dinuc_shuffle_codes`;
- a generator's ``background=`` / ``gc=`` arguments ("iid", frequencies, GC content,
  a MarkovModel) as one code sampler: :func:`background_sampler`.

Randomness: ``seed``/``rng`` is ``None``, an int or a ``numpy.random.Generator``
(passed through, so a caller's stream goes on).

Examples
--------
>>> import numpy as np
>>> from deepg_interpret.dna import backgrounds
>>> x = np.eye(4, dtype="float32")[[0, 1, 2, 3, 0, 1]]
>>> backgrounds.dinuc_shuffle(x, np.random.default_rng(0), n=2).shape
(2, 6, 4)
>>> len(backgrounds.iid_background(3, 10, gc=0.4, seed=1)[2])
10
"""

from __future__ import annotations

from .iid import base_probs, gc_matched, gc_matched_codes, iid_background, sample_iid_codes
from .markov import MarkovModel, fit_markov, kmer_frequencies
from .sampler import background_sampler
from .shuffle import dinuc_shuffle, dinuc_shuffle_codes, shuffle_codes, shuffle_positions

__all__ = [
    "iid_background",
    "sample_iid_codes",
    "base_probs",
    "gc_matched",
    "gc_matched_codes",
    "MarkovModel",
    "fit_markov",
    "kmer_frequencies",
    "shuffle_positions",
    "shuffle_codes",
    "dinuc_shuffle",
    "dinuc_shuffle_codes",
    "background_sampler",
]
