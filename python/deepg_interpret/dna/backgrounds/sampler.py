"""A user's background choice ("iid", base frequencies, GC content, a MarkovModel)
as one code sampler ``(rng, n, length) -> uint8 codes (n, length)``.

Generators (synthetic data now, null models later) accept the same ``background=``
and ``gc=`` arguments and call the sampler this returns, so a seed gives the same
background sequences in all of them.

Examples
--------
>>> import numpy as np
>>> sample, desc = background_sampler("iid", gc=0.5)
>>> sample(np.random.default_rng(0), 2, 5).shape, desc["kind"]
((2, 5), 'iid')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import InputError
from .iid import base_probs, sample_iid_codes
from .markov import MarkovModel

__all__ = ["background_sampler"]

CodeSampler = Callable[[np.random.Generator, int, int], np.ndarray]


def background_sampler(background: Any = "iid", gc: Any = None) -> tuple[CodeSampler, dict]:
    """A sampler ``(rng, n, length) -> codes`` and its JSON-safe description.

    Parameters
    ----------
    background : "iid", MarkovModel or 4 base frequencies
        ``"iid"`` (or None): uniform bases, or with ``gc`` that GC content. A
        :class:`MarkovModel` (from :func:`fit_markov`): its chain. A sequence of 4
        frequencies (A, C, G, T) or a dict base -> frequency: iid bases with them.
        Default is ``"iid"``.
    gc : float, optional
        GC content in [0, 1] for the iid background (not with a MarkovModel).

    Returns
    -------
    tuple
        ``(sampler, description)``: ``sampler(rng, n, length)`` gives ``uint8``
        codes (n, length); ``description`` is a dict for ``settings``
        (``{"kind": "iid", "probs": [...]}`` or the model's ``describe()``).

    Examples
    --------
    >>> _, desc = background_sampler([0.4, 0.1, 0.1, 0.4])
    >>> desc
    {'kind': 'iid', 'probs': [0.4, 0.1, 0.1, 0.4]}
    """
    if isinstance(background, MarkovModel):
        if gc is not None:
            raise InputError(
                f"`gc` = {gc} only applies to background='iid'; a MarkovModel background has the "
                "composition of its source. Drop `gc=` or use background='iid'."
            )
        return background._sample_codes, background.describe()
    if background is None or (isinstance(background, str) and background.lower() == "iid"):
        p = base_probs(None, gc, arg="background")
    elif isinstance(background, str):
        raise InputError(
            f"`background` = {background!r} is not understood; expected 'iid', a MarkovModel "
            "(fit_markov('genome.fasta', order=3)) or 4 base frequencies (A, C, G, T)."
        )
    else:
        p = base_probs(background, gc, arg="background")
    return (lambda rng, n, length: sample_iid_codes(rng, n, length, p)), {
        "kind": "iid",
        "probs": p.tolist(),
    }
