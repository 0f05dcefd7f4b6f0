"""The base of every method's result: arrays plus their tidy tables.

The CLI, the batch runner and the R package treat results alike: ``result.TABLES``
names the tables, ``result.table(name)`` builds one, ``result.tables()`` all of them,
and ``result.to_frame()`` the main one; none of them needs to know the method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..checks import check_int
from ..core.decisions import decision_step, order_decided
from ..errors import InputError


@dataclass
class MethodResult:
    """Base of every method's result.

    Subclasses set ``TABLES`` (names, the first is the main table) and define a
    ``<name>_table()`` method for each.
    """

    TABLES: ClassVar[tuple[str, ...]] = ()

    def _attrs(self) -> dict:
        return dict(getattr(self, "settings", {}))

    def table(self, name: str) -> pd.DataFrame:
        """One table by name (one of ``TABLES``)."""
        if name not in self.TABLES:
            raise InputError(
                f"table = {name!r} is not a table of {type(self).__name__}; choose one of "
                f"{self.TABLES}"
            )
        return getattr(self, f"{name}_table")()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by name."""
        return {name: self.table(name) for name in self.TABLES}

    def to_frame(self) -> pd.DataFrame:
        """The main table (the first of ``TABLES``)."""
        return self.table(self.TABLES[0])


def top_rows(frame: pd.DataFrame, value: str, n: int, *, by: str = "seq_id",
             tiebreak: str = "position") -> pd.DataFrame:
    """The ``n`` rows of largest ``value`` per ``by`` group, with a 1-based ``rank``.

    Values are compared on the decision grid of the table's largest ``|value|``
    (:mod:`~deepg_interpret.core.decisions`), ties by ``tiebreak`` (smaller first), so
    the same rows come out on every machine; the values themselves are not rounded.
    Groups keep their order of first appearance.
    """
    n = check_int(n, "n", 1)
    if frame.empty:
        return frame.assign(rank=pd.Series(dtype=np.int32)).reset_index(drop=True)
    values = frame[value].to_numpy(dtype=np.float64, na_value=np.nan)
    group = pd.factorize(frame[by].astype(str), sort=False)[0]
    order = order_decided(values, decision_step(values), frame[tiebreak].to_numpy())
    order = order[np.argsort(group[order], kind="stable")]  # grouped, ranked within
    ranked = frame.iloc[order].copy()
    rank = ranked.groupby(group[order], sort=False).cumcount().to_numpy() + 1
    ranked.insert(0, "rank", rank.astype(np.int32))
    return ranked[ranked["rank"] <= n].reset_index(drop=True)


__all__ = ["MethodResult", "top_rows"]
