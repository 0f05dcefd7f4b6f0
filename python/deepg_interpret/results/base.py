"""The base of every method's result: arrays plus their tidy tables.

The CLI, the batch runner and the R package treat results alike: ``result.TABLES``
names the tables, ``result.table(name)`` builds one, ``result.tables()`` all of them,
and ``result.to_frame()`` the main one; none of them needs to know the method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

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


__all__ = ["MethodResult"]
